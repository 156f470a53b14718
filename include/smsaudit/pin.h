/*
 * smsaudit — the pin: what this user has seen verified in a repository, kept
 * in the user's configuration (config.h), like ssh's known_hosts.
 *
 * Anyone who can push can rebuild a repository's whole history under a new
 * trust anchor, or rewrite it without a record that was there. Nothing inside
 * the repository can tell; the pin can. It holds, per repository (named by
 * its first commit), the trust anchor's fingerprint and every record that a
 * clean verify accepted (id and git object). A later verify fails when the
 * anchor differs or a pinned record is no longer in main's history. Audit
 * tags and pack seals are checkpoints: the commits they name must stay in
 * main's history.
 */
#ifndef SMSAUDIT_PIN_H
#define SMSAUDIT_PIN_H

#include <stddef.h>

#include "common.h"
#include "store.h"

typedef struct {
	char anchor[65];          /* the repository's trust anchor (SHA-256 of its certificate) */
	int pinned;               /* a pin existed for this repository */
	char pinned_anchor[65];   /* what it says ("" without one) */
	size_t pinned_records;
	char path[4200];          /* the pin file */
} smsaudit_pin_status;

/*
 * Hold `st` (loaded at `commit`) against the pin and the checkpoints. Every
 * difference is appended to `*problems` (realloc'd; `*n` entries). When
 * `expected_anchor` is not NULL (an auditor got it out of band) the anchor
 * must equal it. `at_main`: `commit` is main's head, so every pinned record
 * and every checkpoint must be in its history; otherwise only the anchor is
 * checked.
 */
int smsaudit_pin_check(smsaudit_pin_status *out, smsaudit_problem **problems, size_t *n, smsaudit_store *store,
                       const smsaudit_state *st, const char *expected_anchor, int at_main);

/*
 * Write the pin: the anchor, and the records of `st` (NULL: the anchor only,
 * as `init` does; the records already pinned are kept). Call it only after a
 * check without problems. Written whole beside the old one and renamed.
 */
int smsaudit_pin_save(smsaudit_store *store, const smsaudit_state *st, const smsaudit_oid *root);

#endif
