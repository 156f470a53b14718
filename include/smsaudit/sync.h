/*
 * smsaudit — a team shares one evidence repository through a git server.
 *
 * sync fetches the server's main, joins it with this clone's main (a fast
 * forward, or a merge commit whose tree is both sides' files: every change
 * adds a new path, so two people's work never touches one file), verifies
 * the result as verify does, and only then moves main and pushes it with the
 * audit tags. It refuses, moving nothing, when the server's main no longer
 * contains what this clone fetched from it before (its history was
 * rewritten), and when the joined history fails verification.
 */
#ifndef SMSAUDIT_SYNC_H
#define SMSAUDIT_SYNC_H

#include "store.h"
#include "verify.h"

typedef enum {
	SMSAUDIT_SYNC_UP_TO_DATE,    /* both had the same */
	SMSAUDIT_SYNC_PUSHED,        /* the server had less: this clone's work was pushed */
	SMSAUDIT_SYNC_FAST_FORWARD,  /* this clone had less: main moved to the server's */
	SMSAUDIT_SYNC_MERGED         /* both had work: merged, verified, pushed */
} smsaudit_sync_kind;

typedef struct {
	smsaudit_sync_kind kind;
	smsaudit_oid before;             /* main before */
	smsaudit_oid remote;             /* the server's main */
	smsaudit_oid after;              /* main after */
	smsaudit_verification check;     /* the verification of what main became (problems: nothing moved) */
} smsaudit_sync_result;

/*
 * Sync main with the remote "origin". 0 with `out` filled when the joined
 * history verifies (or nothing needed joining); SMSAUDIT_EVERIFY with the
 * problems in out->check when it does not, or (message naming both commits)
 * when the server's history was rewritten; SMSAUDIT_EIO when the server
 * cannot be reached or refuses the push. `name`/`email` sign a merge commit.
 * Dispose of out->check with smsaudit_verification_dispose.
 */
int smsaudit_sync(smsaudit_sync_result *out, smsaudit_store *store, const char *name, const char *email,
                  const smsaudit_verify_options *verify);

/*
 * A server's check of one pushed ref update (a pre-receive hook's line: old
 * and new commit, all-zero for none, and the ref's name). main may only move
 * forward, never be deleted, and only to a commit whose history verifies
 * (`out` holds that verification); an audit tag (refs/tags/audit/...) may be created or moved
 * forward (a pack sealed again later) but never deleted or moved back; no
 * other ref is taken. 0 when accepted; SMSAUDIT_EVERIFY with the reason (and,
 * for main, the problems in `out`) when refused. Dispose of `out`.
 */
int smsaudit_receive_check(smsaudit_verification *out, smsaudit_store *store, const char *old_hex,
                           const char *new_hex, const char *ref);

#endif
