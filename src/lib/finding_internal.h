/* Internals of findings shared by finding.c, state.c (verify) and store.c (recording). */
#ifndef SMSAUDIT_FINDING_INTERNAL_H
#define SMSAUDIT_FINDING_INTERNAL_H

#include <libxml/tree.h>

#include "internal.h"
#include "replay.h"
#include "smsaudit/audit.h"
#include "smsaudit/finding.h"

/*
 * Apply the events (in time order) and build the findings. An event that
 * breaks a rule is left out and reported to `on_reject` with a one-line
 * message. `cat` (clauses) may be NULL to skip that check when the records
 * have been verified already.
 */
int findings_replay(smsaudit_findings **out, const smsaudit_state *st, const smsaudit_catalogue *cat, time_t until,
                    const finding_event *ev, size_t n, finding_reject_fn on_reject, void *u);

/* The same for audit records (audit.c). */
int audits_replay(smsaudit_audits **out, const smsaudit_state *st, const smsaudit_catalogue *cat,
                  const finding_event *ev, size_t n, finding_reject_fn on_reject, void *u);

#endif
