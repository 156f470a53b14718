/*
 * smsaudit — audits: certification audits (stage 1, stage 2, surveillance,
 * recertification, special) and internal audits, as signed records.
 *
 * An audit is planned by a quality manager (the plan record's id is the
 * audit's id), started, and concluded by an auditor named on it: its lead or
 * a team member, an internal auditor for internal audits and an external
 * auditor for the others. The rules are applied by one replay, when a record
 * is written and again by verify. Findings name the audit they came from.
 */
#ifndef SMSAUDIT_AUDIT_H
#define SMSAUDIT_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "record.h"
#include "store.h"

typedef enum {
	SMSAUDIT_AUDIT_PLANNED,
	SMSAUDIT_AUDIT_IN_PROGRESS,
	SMSAUDIT_AUDIT_CONCLUDED,
	SMSAUDIT_AUDIT_CANCELLED
} smsaudit_audit_status;

/* "planned", "in-progress", "concluded", "cancelled" */
const char *smsaudit_audit_status_name(smsaudit_audit_status s);

typedef struct {
	const smsaudit_record *plan;        /* its id is the audit's id */
	const smsaudit_record *started;     /* NULL: not started */
	const smsaudit_record *concluded;   /* NULL: not concluded */
	smsaudit_audit_status status;
	time_t from, to;                    /* actual dates once concluded, else planned */
	const smsaudit_record *cancelled;   /* NULL: not cancelled */
	const smsaudit_record *rescheduled; /* the latest rescheduling; NULL: none */
	time_t planned_from, planned_to;    /* the planned dates in effect (0: the plan's) */
} smsaudit_audit;

typedef struct smsaudit_audits smsaudit_audits;

/* Audits at `as_of` (end of that day; 0: everything), ordered by their dates.
 * The audits counted and listed are those in effect: an audit cancelled by
 * then is kept apart (smsaudit_audits_cancelled_*), and one rescheduled by
 * then has its new dates. */
int smsaudit_audits_compute(smsaudit_audits **out, const smsaudit_state *st, time_t as_of);
/*
 * A set of audits the caller states (copied, then ordered like
 * smsaudit_audits_compute's): the model an analysis such as the cycle takes,
 * built without a repository, for a what-if or a test. No rule is applied, so
 * it is never what a repository says. Each audit needs its plan record; the
 * records must outlive the set.
 */
int smsaudit_audits_from(smsaudit_audits **out, const smsaudit_audit *audits, size_t n);
void smsaudit_audits_free(smsaudit_audits *a);
size_t smsaudit_audits_count(const smsaudit_audits *a);
const smsaudit_audit *smsaudit_audits_at(const smsaudit_audits *a, size_t i);
/* The audits cancelled by the as-of date, in their planned order. */
size_t smsaudit_audits_cancelled_count(const smsaudit_audits *a);
const smsaudit_audit *smsaudit_audits_cancelled_at(const smsaudit_audits *a, size_t i);
/* By full id or unique id prefix (smsaudit_id_resolve), cancelled ones included. */
int smsaudit_audits_find(const smsaudit_audit **out, const smsaudit_audits *a, const char *id);
/* The certification audit before `a`: the latest concluded one (not internal) that ended
 * by the day `a` begins; NULL if none. */
const smsaudit_audit *smsaudit_audits_previous(const smsaudit_audits *as, const smsaudit_audit *a);

typedef struct {
	smsaudit_audit_type type;
	time_t planned_from, planned_to;
	const char *body;                   /* certification body or internal team */
	const char *lead;                   /* lead auditor's email */
	const char *const *team;
	size_t nteam;
	const char *const *clauses;         /* scope; none: the whole standard */
	size_t nclauses;
	const char *const *services;
	size_t nservices;
	const char *const *sites;
	size_t nsites;
} smsaudit_audit_plan_input;

int smsaudit_store_audit_plan(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                              const smsaudit_audit_plan_input *in);
/* `on`: the first day of the audit (0: today). */
int smsaudit_store_audit_start(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                               const char *audit, time_t on);

typedef struct {
	time_t from, to;                    /* actual first and last day */
	smsaudit_recommendation recommendation;
	const char *conditions;             /* NULL: none */
	const char *const *concerns;        /* stage 1 areas of concern */
	size_t nconcerns;
	const char *summary;
} smsaudit_audit_conclusion;

int smsaudit_store_audit_conclude(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                  const char *audit, const smsaudit_audit_conclusion *c);

/* Corrections, by a quality manager with a reason: cancel an audit that is not
 * concluded, or move one that has not started to other planned dates. */
int smsaudit_store_audit_cancel(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                const char *audit, const char *reason);
int smsaudit_store_audit_reschedule(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                    const char *audit, time_t from, time_t to, const char *reason);

#endif
