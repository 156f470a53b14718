/*
 * smsaudit — findings: nonconformities, observations and opportunities for
 * improvement, and their corrective actions.
 *
 * A finding is a signed record raised by an auditor; its life is a series of
 * signed step records (correction, root cause, plan, implemented, verified,
 * closed, reopened). The rules of that life — who may sign each step, in what
 * order, and that nobody verifies the effectiveness of their own work — are
 * checked when a step is recorded and again by verify, by the same code.
 *
 * Everything here is derived from the state of the repository at one commit
 * and an as-of date: steps signed after that date do not count yet.
 */
#ifndef SMSAUDIT_FINDING_H
#define SMSAUDIT_FINDING_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "record.h"
#include "sms.h"
#include "store.h"


typedef enum {
	SMSAUDIT_PHASE_OPEN,         /* raised; nothing planned (or the last plan was not effective) */
	SMSAUDIT_PHASE_PLANNED,      /* corrective actions planned, some not implemented */
	SMSAUDIT_PHASE_IMPLEMENTED,  /* every action implemented, effectiveness not verified */
	SMSAUDIT_PHASE_VERIFIED,     /* effectiveness verified; ready to close */
	SMSAUDIT_PHASE_CLOSED
} smsaudit_finding_phase;

/* "open", "planned", "implemented", "verified", "closed" */
const char *smsaudit_finding_phase_name(smsaudit_finding_phase p);

typedef struct {
	const smsaudit_record *plan;        /* the plan step that made it */
	unsigned index;                     /* its place in that plan, 1-based */
	unsigned number;                    /* A1, A2, ... across the finding, in plan order */
	const smsaudit_action *action;
	const smsaudit_record *implemented; /* the implemented step, NULL while open */
} smsaudit_finding_action;

/* A step made concurrently with steps its signer had not seen (offline, on
 * another clone), which the rules do not allow after them: kept, signed and
 * valid on its own branch, but without effect. */
typedef struct {
	const smsaudit_record *step;
	char reason[512];                   /* the rule it breaks after the steps it had not seen */
} smsaudit_finding_unapplied;

typedef struct {
	const smsaudit_record *record;      /* the finding as raised */
	char number[24];                    /* NC-2027-004, OBS-..., OFI-... (derived, for people) */
	const smsaudit_grade *grade;
	smsaudit_finding_phase phase;
	int not_effective;                  /* the last verification found the actions not effective */
	const smsaudit_record *const *steps;   /* every step applied, in time order */
	size_t nsteps;
	/* The latest steps no later step names (the finding itself before any).
	 * More than one: steps were made concurrently, and a person settles them
	 * by recording a step (a note will do) that comes after all of them. */
	const smsaudit_record *const *heads;
	size_t nheads;
	const smsaudit_finding_unapplied *unapplied;   /* concurrent steps kept without effect */
	size_t nunapplied;
	const smsaudit_finding_action *actions;
	size_t nactions;
	time_t planned_at;                  /* first plan step, 0: none */
	time_t verified_at;                 /* the effectiveness verification that stands, 0: none */
	time_t closed_at;                   /* 0: open */
	const smsaudit_record *audit;       /* the plan of the audit it came from, or NULL */
	time_t audit_end;                   /* that audit's last day (actual once concluded, else planned) */
	time_t next_audit;                  /* first day of the next certification audit planned after it, 0: none */
	const smsaudit_record *withdrawn;   /* the withdrawn step (its text is the reason); NULL: not withdrawn */
} smsaudit_finding;

typedef struct smsaudit_findings smsaudit_findings;

/* The findings at `as_of` (end of that day counts; 0: everything). The state must outlive the result. */
int smsaudit_findings_compute(smsaudit_findings **out, const smsaudit_state *st, time_t as_of);
void smsaudit_findings_free(smsaudit_findings *fs);
/* In the order they were raised (signing time): the findings in effect. A
 * finding withdrawn by the as-of date is kept apart (it keeps its number). */
size_t smsaudit_findings_count(const smsaudit_findings *fs);
const smsaudit_finding *smsaudit_findings_at(const smsaudit_findings *fs, size_t i);
size_t smsaudit_findings_withdrawn_count(const smsaudit_findings *fs);
const smsaudit_finding *smsaudit_findings_withdrawn_at(const smsaudit_findings *fs, size_t i);
/* By display number (NC-2027-004, any case), full id or unique id prefix;
 * withdrawn findings included. */
int smsaudit_findings_find(const smsaudit_finding **out, const smsaudit_findings *fs, const char *key);

/* ---- deadlines ---- */

typedef struct {
	char what[120];              /* "corrective action verified within 90 days", "A2: <description>" */
	time_t due;                  /* date; 0: at the next audit (date not known yet) */
	time_t met_at;               /* when it was met, 0: not met */
	unsigned action;             /* the action number, 0 for the finding's own deadlines */
} smsaudit_deadline;

typedef enum {
	SMSAUDIT_DUE_PENDING,        /* not met, not due within the warning window */
	SMSAUDIT_DUE_SOON,           /* not met, due within the window */
	SMSAUDIT_DUE_OVERDUE,        /* not met and past its day */
	SMSAUDIT_DUE_MET,
	SMSAUDIT_DUE_MET_LATE
} smsaudit_due_status;

/* "pending", "due-soon", "overdue", "met", "met-late" */
const char *smsaudit_due_status_name(smsaudit_due_status s);

/*
 * The deadlines of one finding under the policy: for a major, effectiveness
 * verified within major-verify-days of raising, within major-after-stage2-
 * months of a stage 2 and before a certification decision still to come; for
 * a minor, a plan within minor-plan-days and verification at the next audit;
 * for every grade, each action's own due date. Returns how many were written
 * (at most `max`; never more than 3 + the finding's actions).
 */
size_t smsaudit_finding_deadlines(smsaudit_deadline *out, size_t max, const smsaudit_finding *f,
                                  const smsaudit_sms_policy *p);
/* A deadline's status at `as_of` (a date) with a warning window of `soon_days`. */
smsaudit_due_status smsaudit_deadline_status(const smsaudit_deadline *d, time_t as_of, int soon_days);

/* The warning window every view of deadlines uses (`status`, `finding list`
 * and `show`, the pack report): due soon from 30 days before the due day, so
 * an auditor and a quality manager see the same deadline the same way. */
#define SMSAUDIT_DUE_SOON_DAYS 30

/* ---- recording (each call signs one record and commits it) ---- */

/*
 * Replace the grade scale in smsaudit.xml (signed by a quality manager). The
 * scale needs at least one nonconformity grade; a grade a finding uses must
 * stay, with its class, so no finding changes its rules after the fact.
 */
int smsaudit_store_set_grades(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_grade *grades,
                              size_t n);

typedef struct {
	smsaudit_finding_source source;
	const char *grade;                  /* an id of the scale */
	time_t raised_on;                   /* date; 0: today */
	const char *audit;                  /* NULL: not from a recorded audit */
	const char *const *clauses;
	size_t nclauses;
	const char *statement;
	const char *const *evidence;        /* evidence ids (or unique prefixes) */
	size_t nevidence;
} smsaudit_finding_input;

/* `number_out` (NULL: not wanted) receives the display number, e.g. NC-2027-004. */
int smsaudit_store_raise(char id_out[SMSAUDIT_ID_MAX], char number_out[24], smsaudit_store *store,
                         smsaudit_identity *signer, const smsaudit_finding_input *in);

typedef struct {
	smsaudit_step_kind kind;
	const char *text;                   /* required (optional for a plan) */
	smsaudit_cause_method method;       /* CAUSE */
	const smsaudit_action *actions;     /* PLAN */
	size_t nactions;
	unsigned action;                    /* IMPLEMENTED: the action number (A-number) */
	int effective;                      /* VERIFIED */
	const char *const *evidence;        /* IMPLEMENTED, VERIFIED: evidence ids (or unique prefixes) */
	size_t nevidence;
} smsaudit_step_input;

/* One step of the finding named by `finding` (number, id or prefix). The
 * same rules as verify's are applied first; a step that breaks one is refused
 * with that rule's message and nothing is written. */
int smsaudit_store_step(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                        const char *finding, const smsaudit_step_input *in);

#endif
