/* Seeded sampling: the size rule, the draw value any sha256sum reproduces, and a
 * draw that depends on the seed and the unit alone, not on the population's order. */
#include "testutil.h"

static void size_rule(void **state)
{
	(void)state;
	assert_int_equal(smsaudit_sample_size(0), 0);
	assert_int_equal(smsaudit_sample_size(5), 5);
	assert_int_equal(smsaudit_sample_size(6), 4);    /* ceil(sqrt 6) = 3, + 1 */
	assert_int_equal(smsaudit_sample_size(100), 11);
	assert_int_equal(smsaudit_sample_size(101), 12);
	assert_int_equal(smsaudit_sample_size(100000), 25);
}

static void digest_is_sha256_of_the_documented_text(void **state)
{
	(void)state;
	char d[65];
	assert_int_equal(smsaudit_sample_digest(d, "abc", "8.6", "ev-1#2"), 0);
	/* printf 'abc\n8.6\nev-1#2' | sha256sum */
	char want[65];
	FILE *p = popen("printf 'abc\\n8.6\\nev-1#2' | sha256sum | cut -c1-64", "r");
	assert_non_null(p);
	assert_non_null(fgets(want, sizeof(want), p));
	pclose(p);
	assert_string_equal(d, want);
}

static void draw_is_seeded_and_order_free(void **state)
{
	(void)state;
	const char *keys[30], *rev[30];
	char buf[30][16];
	for (int i = 0; i < 30; i++) {
		snprintf(buf[i], sizeof(buf[i]), "ev-%02d", i);
		keys[i] = buf[i];
		rev[29 - i] = buf[i];
	}
	int a[30], b[30], c[30];
	char da[30][65], db[30][65], dc[30][65];
	size_t k = smsaudit_sample_size(30);
	assert_int_equal(smsaudit_sample_draw(a, da, keys, 30, "seed1", "8.6", k), 0);
	assert_int_equal(smsaudit_sample_draw(b, db, rev, 30, "seed1", "8.6", k), 0);
	assert_int_equal(smsaudit_sample_draw(c, dc, keys, 30, "seed2", "8.6", k), 0);
	size_t na = 0, same = 0, differ = 0;
	for (int i = 0; i < 30; i++) {
		na += (size_t)a[i];
		same += a[i] == b[29 - i];
		differ += a[i] != c[i];
	}
	assert_int_equal(na, k);
	assert_int_equal(same, 30);   /* the same items, whatever the order */
	assert_true(differ > 0);      /* another seed, another sample */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_rule),
		cmocka_unit_test(digest_is_sha256_of_the_documented_text),
		cmocka_unit_test(draw_is_seeded_and_order_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
