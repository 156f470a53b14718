/*
 * The model: the state a reader sees. The ledger (state.c) replays the history
 * and judges every record's signature and authority; then the life-cycle
 * rules of audits (audit.c) and findings (finding.c) are replayed over what it
 * accepted, and whatever breaks one is a problem that counts for nothing. The
 * rules only read the state, so this is the one place that joins the two.
 */
#include <stdlib.h>

#include "finding_internal.h"
#include "stateindex.h"
#include "store_internal.h"

static void reject(void *u, const finding_event *ev, const char *message)
{
	state_reject(u, ev->rec, ev->path, message);
}

/* Audits follow the rules of audit.c; what breaks one is a problem. */
static void check_audits(smsaudit_state *st, smsaudit_store *store)
{
	finding_event *ev = NULL;
	size_t n = 0;
	if (replay_events(&ev, &n, st, SMSAUDIT_REC_AUDIT, SMSAUDIT_REC_AUDIT, 0) < 0)
		return;
	smsaudit_audits *as = NULL;
	if (n)
		audits_replay(&as, st, store->catalogue, ev, n, reject, st);
	smsaudit_audits_free(as);
	free(ev);
}

/* Findings and their steps follow the rules of finding.c; what breaks one is a problem. */
static void check_findings(smsaudit_state *st, smsaudit_store *store)
{
	finding_event *ev = NULL;
	size_t n = 0;
	if (replay_events(&ev, &n, st, SMSAUDIT_REC_FINDING, SMSAUDIT_REC_STEP, 0) < 0)
		return;
	smsaudit_findings *fs = NULL;
	if (n)
		findings_replay(&fs, st, store->catalogue, 0, ev, n, reject, st);
	smsaudit_findings_free(fs);
	free(ev);
}

int smsaudit_state_load(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit, unsigned flags)
{
	/* The index holds whole states, as the reading commands load them; a
	 * command that needs only the people takes a whole one when the index
	 * has it (or is a few commits behind), and otherwise derives only them. */
	int use_index = (flags & ~(STATE_INDEX_NO_SAVE | STATE_PEOPLE_ONLY)) ==
	                (SMSAUDIT_STATE_USE_INDEX | SMSAUDIT_STATE_USE_CACHE);
	int extended = 0;
	if (use_index) {
		/* The index's own commit is a state as it is; some commits after
		 * it, the ledger judged only them. */
		int got = state_index_load(out, store, commit);
		if (got < 0 || got == 1)
			return got < 0 ? got : 0;
		extended = got == 2;
	}
	int people_only = !extended && (flags & STATE_PEOPLE_ONLY);
	int rc = extended ? 0 : state_load_ledger(out, store, commit, flags & ~(SMSAUDIT_STATE_USE_INDEX | STATE_INDEX_NO_SAVE));
	if (rc < 0)
		return rc;
	if (use_index && !people_only && state_ledger_done(*out) < 0) {
		smsaudit_state_free(*out);
		*out = NULL;
		return SMSAUDIT_ENOMEM;
	}
	if (!people_only) {
		check_audits(*out, store);
		check_findings(*out, store);
	}
	state_sort_problems(*out);
	/* The index only saves time: failing to write it changes no result. A
	 * state of the people alone is never one to keep. */
	if (use_index && !people_only && !(flags & STATE_INDEX_NO_SAVE) && state_index_save(*out, store) < 0)
		smsaudit_error_clear();
	return 0;
}
