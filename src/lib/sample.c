/*
 * Seeded, reproducible sampling (sample.h).
 */
#include <stdlib.h>
#include <string.h>

#include "smsaudit/sample.h"
#include "internal.h"

size_t smsaudit_sample_size(size_t n)
{
	if (n <= 5)
		return n;
	size_t r = 1;
	while (r * r < n)
		r++;
	r += 1;
	return r > 25 ? 25 : r;
}

int smsaudit_sample_digest(char out[65], const char *seed, const char *unit, const char *key)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = buf_printf(&b, "%s\n%s\n%s", seed, unit, key);
	if (rc == 0)
		rc = sha256_hex(out, b.ptr, b.size);
	smsaudit_buf_dispose(&b);
	return rc < 0 ? rc : 0;
}

typedef struct {
	const char *digest, *key;
	size_t i;
} rank;

static int cmp_rank(const void *a, const void *b)
{
	const rank *x = a, *y = b;
	int c = strcmp(x->digest, y->digest);
	return c ? c : strcmp(x->key, y->key);
}

int smsaudit_sample_draw(int *drawn, char (*digests)[65], const char *const *keys, size_t n, const char *seed,
                         const char *unit, size_t size)
{
	rank *r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return error_oom();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = smsaudit_sample_digest(digests[i], seed, unit, keys[i]);
		r[i].digest = digests[i];
		r[i].key = keys[i];
		r[i].i = i;
		drawn[i] = 0;
	}
	if (rc == 0) {
		qsort(r, n, sizeof(*r), cmp_rank);
		for (size_t k = 0; k < size && k < n; k++)
			drawn[r[k].i] = 1;
	}
	free(r);
	return rc;
}
