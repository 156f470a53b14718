/*
 * Replay events: the valid records of the types a rule replays (findings and
 * their steps, audits), in time order, as the rules in finding.c and audit.c
 * see them, and the same history plus one candidate record for a writer.
 */
#ifndef SMSAUDIT_REPLAY_H
#define SMSAUDIT_REPLAY_H

#include "internal.h"
#include "smsaudit/store.h"

/* One finding or step record as the replay sees it. */
typedef struct {
	const smsaudit_record *rec;
	const char *path;
	const char *signer_email;
	unsigned signer_roles;   /* the signer's roles when it was signed */
} finding_event;

typedef void (*finding_reject_fn)(void *u, const finding_event *ev, const char *message);

/* replay.c: valid records of either type made before `until` (0: all), in
 * time order, with one spare slot at the end. */
int replay_events(finding_event **out, size_t *n, const smsaudit_state *st, smsaudit_record_type type1,
                  smsaudit_record_type type2, time_t until);
/* The whole valid history of either type, then `rec` as signed by `signer`. */
int candidate_events(finding_event **out, size_t *n, const smsaudit_state *st, smsaudit_record_type type1,
                     smsaudit_record_type type2, const smsaudit_record *rec, const smsaudit_identity *signer);

/* Whether a replay refused the candidate, and why (pass candidate_on_reject and a pointer to this). */
typedef struct {
	const smsaudit_record *candidate;
	char message[512];
	int refused;
} candidate_check;
void candidate_on_reject(void *u, const finding_event *ev, const char *message);

#endif
