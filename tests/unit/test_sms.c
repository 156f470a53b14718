/*
 * Merging two versions of the SMS description made concurrently from one
 * base (sms_merge3): what only one side changed is kept, lists take both
 * sides' additions and removals, a value both changed is the later one's and
 * is named, and the result keeps the schema's order of elements.
 */
#include "testutil.h"
#include "internal.h"

#define HEAD "<sms xmlns=\"urn:smsaudit:record:1\"><organisation>Example</organisation><scope>Hosting</scope>"

static char *merged(const char *cur, const char *base, const char *later, char *conflicts)
{
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(sms_merge3(&out, cur, base, later, conflicts, 200), 0);
	assert_int_equal(buf_put(&out, "", 1), 0);
	/* Without the blanks between elements the canonical writer adds. */
	char *w = out.ptr;
	for (const char *r = out.ptr; *r; r++) {
		if (*r == '>') {
			*w++ = *r;
			while (r[1] == '\n' || r[1] == ' ')
				r++;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	return out.ptr;
}

static void expect_has(const char *doc, const char *want)
{
	if (!strstr(doc, want))
		fail_msg("merged document lacks %s:\n%s", want, doc);
}

static void expect_lacks(const char *doc, const char *unwanted)
{
	if (strstr(doc, unwanted))
		fail_msg("merged document has %s:\n%s", unwanted, doc);
}

static void test_fields_changed_on_each_side_are_both_kept(void **state)
{
	(void)state;
	const char *base = HEAD "<cycle></cycle></sms>";
	const char *cur = HEAD "<cycle><internal-audit-months>6</internal-audit-months></cycle></sms>";
	const char *later = HEAD "<cycle><surveillances>3</surveillances></cycle></sms>";
	char conflicts[200];
	char *m = merged(cur, base, later, conflicts);
	/* In the schema's order: surveillances before internal-audit-months. */
	expect_has(m, "<cycle><surveillances>3</surveillances><internal-audit-months>6</internal-audit-months></cycle>");
	assert_string_equal(conflicts, "");
	free(m);
	/* The other way round gives the same description. */
	m = merged(later, base, cur, conflicts);
	expect_has(m, "<cycle><surveillances>3</surveillances><internal-audit-months>6</internal-audit-months></cycle>");
	free(m);
}

static void test_value_changed_on_both_sides_is_the_later_one(void **state)
{
	(void)state;
	const char *base = HEAD "<cycle><surveillances>3</surveillances><internal-audit-months>12</internal-audit-months>"
	                        "</cycle></sms>";
	const char *cur = HEAD "<cycle><surveillances>3</surveillances><internal-audit-months>9</internal-audit-months>"
	                       "</cycle></sms>";
	const char *later = HEAD "<cycle><surveillances>3</surveillances><internal-audit-months>6</internal-audit-months>"
	                         "</cycle></sms>";
	char conflicts[200];
	char *m = merged(cur, base, later, conflicts);
	expect_has(m, "<internal-audit-months>6</internal-audit-months>");
	expect_lacks(m, ">9<");
	assert_string_equal(conflicts, "internal-audit-months");
	free(m);
	/* Both made the same change: no conflict. */
	m = merged(later, base, later, conflicts);
	assert_string_equal(conflicts, "");
	free(m);
}

static void test_lists_take_both_sides_additions_and_removals(void **state)
{
	(void)state;
	const char *base = HEAD "<services><service>Hosting</service><service>Backup</service></services>"
	                        "<sites><site>Leeds</site></sites></sms>";
	/* One adds a service and removes Backup; the other adds a site and a service. */
	const char *cur = HEAD "<services><service>Hosting</service><service>Desk</service></services>"
	                       "<sites><site>Leeds</site></sites></sms>";
	const char *later = HEAD "<services><service>Hosting</service><service>Backup</service><service>Mail</service>"
	                         "</services><sites><site>Leeds</site><site>Lyon</site></sites></sms>";
	char conflicts[200];
	char *m = merged(cur, base, later, conflicts);
	expect_has(m, "<service>Hosting</service>");
	expect_has(m, "<service>Desk</service>");
	expect_has(m, "<service>Mail</service>");
	expect_lacks(m, "<service>Backup</service>");
	expect_has(m, "<sites><site>Leeds</site><site>Lyon</site></sites>");
	assert_string_equal(conflicts, "");
	free(m);
}

static void test_element_added_and_removed(void **state)
{
	(void)state;
	const char *base = HEAD "<certification-body>CB One</certification-body><cycle></cycle></sms>";
	/* One removes the body; the other adds a grade scale after the cycle. */
	const char *cur = HEAD "<cycle></cycle></sms>";
	const char *later = HEAD "<certification-body>CB One</certification-body><cycle></cycle>"
	                         "<grades><grade id=\"major\" class=\"major\">Major</grade></grades></sms>";
	char conflicts[200];
	char *m = merged(cur, base, later, conflicts);
	expect_lacks(m, "certification-body");
	expect_has(m, "<cycle/><grades>");
	assert_string_equal(conflicts, "");
	free(m);
}

static void test_unreadable_version_is_an_error(void **state)
{
	(void)state;
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	char conflicts[200];
	assert_true(sms_merge3(&out, HEAD "</sms>", HEAD "</sms>", "<sms", conflicts, sizeof(conflicts)) < 0);
	smsaudit_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_changed_on_each_side_are_both_kept),
		cmocka_unit_test(test_value_changed_on_both_sides_is_the_later_one),
		cmocka_unit_test(test_lists_take_both_sides_additions_and_removals),
		cmocka_unit_test(test_element_added_and_removed),
		cmocka_unit_test(test_unreadable_version_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
