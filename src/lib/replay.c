/*
 * What the finding and audit rules share: turning the valid history into
 * replay events, and checking one candidate record on top of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "store_internal.h"

int replay_events(finding_event **out, size_t *n, const smsaudit_state *st, smsaudit_record_type type1,
                  smsaudit_record_type type2, time_t until)
{
	size_t total = smsaudit_state_record_count(st), k = 0;
	finding_event *ev = calloc(total + 1, sizeof(*ev));
	if (!ev)
		return error_oom();
	for (size_t i = 0; i < total; i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (!e.record || !e.valid || (e.record->type != type1 && e.record->type != type2))
			continue;
		if (until && e.record->made_at >= until)
			continue;
		ev[k].rec = e.record;
		ev[k].path = e.path;
		ev[k].signer_email = e.signer_email;
		ev[k].signer_roles = e.signer_roles;
		k++;
	}
	*out = ev;
	*n = k;
	return 0;
}

int candidate_events(finding_event **out, size_t *n, const smsaudit_state *st, smsaudit_record_type type1,
                     smsaudit_record_type type2, const smsaudit_record *rec, const smsaudit_identity *signer)
{
	int rc = replay_events(out, n, st, type1, type2, 0);
	if (rc < 0)
		return rc;
	finding_event *last = &(*out)[(*n)++];
	last->rec = rec;
	last->path = rec->id;
	last->signer_email = signer->email;
	last->signer_roles = signer->roles;
	return 0;
}

void candidate_on_reject(void *u, const finding_event *ev, const char *message)
{
	candidate_check *c = u;
	if (ev->rec == c->candidate) {
		c->refused = 1;
		snprintf(c->message, sizeof(c->message), "%s", message);
	}
}
