/*
 * verify: the whole replay (model.c) or the commits since the pin's
 * checkpoint (state_load_since), then the pin and the checkpoints (pin.c).
 */
#include <stdlib.h>
#include <string.h>

#include "pin_internal.h"
#include "smsaudit/pin.h"
#include "smsaudit/verify.h"

void smsaudit_verification_dispose(smsaudit_verification *v)
{
	free(v->problems);
	memset(v, 0, sizeof(*v));
}

/* The state since the checkpoint, or NULL when only the whole history can judge. */
static int load_since(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *at, unsigned flags)
{
	*out = NULL;
	state_base base;
	pin_base_hold *hold = NULL;
	int rc = pin_base_load(&base, &hold, store);
	if (rc == 0)
		rc = state_load_since(out, store, &base, at, flags);
	pin_base_free(hold);
	if (rc == SMSAUDIT_ENOMEM)
		return rc;
	/* Anything else, damage included, is for the whole replay to judge and name. */
	smsaudit_error_clear();
	return 0;
}

int smsaudit_verify(smsaudit_verification *out, smsaudit_store *store, const smsaudit_verify_options *o)
{
	memset(out, 0, sizeof(*out));
	smsaudit_oid head;
	int rc = smsaudit_repo_head(&head, smsaudit_store_repo(store));
	if (rc < 0)
		return rc;
	out->commit = o->at ? *o->at : head;
	int at_main = memcmp(out->commit.id, head.id, sizeof(head.id)) == 0;
	unsigned flags = SMSAUDIT_STATE_REPORT_DAMAGE | (o->check_content ? SMSAUDIT_STATE_CHECK_CONTENT : 0) |
	                 (o->full ? SMSAUDIT_STATE_NO_HISTORY_CACHE : SMSAUDIT_STATE_USE_CACHE);
	smsaudit_state *st = NULL;
	/* The checkpoint is of main's history; a commit that continues it (main,
	 * a merge sync is about to make, a push a server hook is judging) is
	 * judged from it. Any other commit is replayed whole. */
	if (!o->full && (rc = load_since(&st, store, &out->commit, flags)) < 0)
		return rc;
	if (st) {
		out->since_checkpoint = 1;
		out->commits_judged = smsaudit_history_count(state_history(st)) - 1;
	} else if ((rc = smsaudit_state_load(&st, store, &out->commit, flags)) < 0) {
		return rc;
	}
	smsaudit_pin_status pin;
	smsaudit_problem *extra = NULL;
	size_t nextra = 0;
	if ((rc = smsaudit_pin_check(&pin, &extra, &nextra, store, st, o->expected_anchor, at_main)) < 0) {
		free(extra);
		smsaudit_state_free(st);
		return rc;
	}
	memcpy(out->anchor, pin.anchor, sizeof(out->anchor));
	out->pinned = pin.pinned;
	size_t nstate = smsaudit_state_problem_count(st);
	out->nproblems = nstate + nextra;
	out->problems = calloc(out->nproblems ? out->nproblems : 1, sizeof(*out->problems));
	if (!out->problems) {
		free(extra);
		smsaudit_state_free(st);
		return error_oom();
	}
	for (size_t i = 0; i < nstate; i++)
		out->problems[i] = *smsaudit_state_problem_at(st, i);
	if (nextra)
		memcpy(out->problems + nstate, extra, nextra * sizeof(*extra));
	free(extra);
	int content;
	size_t awaiting;
	state_totals(st, &out->records, &out->evidence, &out->content_checked, &content, &awaiting);
	/* A clean verify of main pins what it accepted; a failing one changes nothing. */
	if (out->nproblems == 0 && at_main) {
		if (smsaudit_pin_save(store, st, smsaudit_state_root(st)) == 0)
			out->pinned_now = 1;
		else
			snprintf(out->pin_warning, sizeof(out->pin_warning), "%s", smsaudit_error_last()->message);
		smsaudit_error_clear();
	}
	smsaudit_state_free(st);
	return 0;
}
