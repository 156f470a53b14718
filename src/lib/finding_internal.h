/* Internals of findings shared by finding.c, state.c (verify) and store.c (recording). */
#ifndef SMSAUDIT_FINDING_INTERNAL_H
#define SMSAUDIT_FINDING_INTERNAL_H

#include <libxml/tree.h>

#include "internal.h"
#include "smsaudit/audit.h"
#include "smsaudit/finding.h"

/* One finding or step record as the replay sees it. */
typedef struct {
	const smsaudit_record *rec;
	const char *path;
	const char *signer_email;
	unsigned signer_roles;   /* the signer's roles when it was signed */
} finding_event;

typedef void (*finding_reject_fn)(void *u, const finding_event *ev, const char *message);

/*
 * Apply the events (in time order) and build the findings. An event that
 * breaks a rule is left out and reported to `on_reject` with a one-line
 * message. `cat` (clauses) and `repo` (pinned commits) may be NULL to skip
 * those checks when the records have been verified already.
 */
int findings_replay(smsaudit_findings **out, const smsaudit_state *st, const smsaudit_catalogue *cat,
                    smsaudit_repo *repo, time_t until, const finding_event *ev, size_t n, finding_reject_fn on_reject,
                    void *u);

/* The same for audit records (audit.c). */
int audits_replay(smsaudit_audits **out, const smsaudit_state *st, const smsaudit_catalogue *cat,
                  const finding_event *ev, size_t n, finding_reject_fn on_reject, void *u);

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

/* The policy of an SMS description (defaults for what it leaves out). */
void sms_policy_default(smsaudit_sms_policy *p);
void sms_policy_parse(smsaudit_sms_policy *p, xmlNodePtr sms_root);

#endif
