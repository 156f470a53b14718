/*
 * smsaudit — verify: the replay of a repository's history, held against what
 * this machine pinned before (pin.h).
 *
 * A clean verify of main pins a checkpoint: the commit it was run at and what
 * it counted. The next verify of main, when main descends from that commit
 * and every commit since only adds evidence and self-assessments that pass
 * every rule, judges only those commits against the authority in effect at
 * the checkpoint: nothing added up to the checkpoint can have changed without
 * changing the commit ids it was judged under. Anything else — a history that
 * does not continue the checkpoint, a change or removal, another record type,
 * any problem — is judged by replaying the whole history, so problems are
 * always reported as the whole replay reports them. `full` replays everything
 * and reads every object again (and is the way to find damage in objects the
 * checkpoint vouched for).
 */
#ifndef SMSAUDIT_VERIFY_H
#define SMSAUDIT_VERIFY_H

#include <stddef.h>

#include "common.h"
#include "store.h"

typedef struct {
	unsigned int version;
	int check_content;              /* stream every content file through SHA-256 */
	int full;                       /* replay the whole history; no checkpoint, no caches */
	const char *expected_anchor;    /* 64 hex digits got out of band, or NULL */
	const smsaudit_oid *at;         /* the commit to verify; NULL: main */
} smsaudit_verify_options;

#define SMSAUDIT_VERIFY_OPTIONS_VERSION 1
#define SMSAUDIT_VERIFY_OPTIONS_INIT { SMSAUDIT_VERIFY_OPTIONS_VERSION, 1, 0, NULL, NULL }

typedef struct {
	smsaudit_oid commit;            /* what was verified */
	char anchor[65];                /* the repository's trust anchor */
	int pinned;                     /* a pin existed for the repository */
	int pinned_now;                 /* this verify was clean at main and pinned its checkpoint */
	char pin_warning[600];          /* why a clean verify could not pin ("" when it did) */
	size_t records, evidence, content_checked;
	size_t commits_judged;          /* commits judged since the checkpoint (0: the whole history was) */
	int since_checkpoint;           /* judged from the checkpoint rather than the whole history */
	smsaudit_problem *problems;
	size_t nproblems;
} smsaudit_verification;

/*
 * Verify main (or o->at) and, when it is clean at main, pin it. 0 with the
 * verdict in `out` (problems or not); SMSAUDIT_EDAMAGED when an object cannot
 * be read; other negative codes when the verification could not run.
 */
int smsaudit_verify(smsaudit_verification *out, smsaudit_store *store, const smsaudit_verify_options *o);
void smsaudit_verification_dispose(smsaudit_verification *v);

#endif
