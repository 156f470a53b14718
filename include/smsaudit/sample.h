/*
 * smsaudit — sampling a population the way an auditor can reproduce.
 *
 * A population is a list of keys: an evidence record's id, or one data row of
 * an imported ticket export (a CSV record of incidents, changes, requests) as
 * "<evidence id>#<row>", rows counted from 1 after the header line. Each key's
 * draw value is SHA-256 of "<seed>\n<unit>\n<key>" (no final newline), the
 * seed being the pack's source commit (40 hex) and the unit the process's
 * clause id; the sample is the `size` keys with the smallest values (ties:
 * the key), so with stock tools:
 *
 *     printf '%s\n%s\n%s' "$commit" 8.6 'ev-...#3' | sha256sum
 *
 * The size: the whole population up to 5; above that ceil(sqrt(N)) + 1, at
 * most 25 (a common certification-body guide for operational samples).
 */
#ifndef SMSAUDIT_SAMPLE_H
#define SMSAUDIT_SAMPLE_H

#include <stddef.h>

#define SMSAUDIT_SAMPLE_RULE \
	"the whole population up to 5; above, ceil(sqrt(N)) + 1 items, at most 25; the items with the smallest " \
	"SHA-256 of \"<source commit>\\n<unit>\\n<item>\""

size_t smsaudit_sample_size(size_t population);

/* The draw value of one key (64 hex). */
int smsaudit_sample_digest(char out[65], const char *seed, const char *unit, const char *key);

/*
 * Draw `size` of the n keys: digests[i] gets each key's value, drawn[i] 1 for
 * the sample. The arrays are the caller's, n long.
 */
int smsaudit_sample_draw(int *drawn, char (*digests)[65], const char *const *keys, size_t n, const char *seed,
                         const char *unit, size_t size);

#endif
