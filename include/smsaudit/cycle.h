/*
 * smsaudit — the certification cycle: what is due when, and which clauses the
 * cycle's audits cover.
 *
 * The analysis is a pure function of (smsaudit.xml's policy, the audits, the
 * catalogue, an as-of date): the timeline of the current cycle (initial
 * audits, certification decision, surveillances, recertification, expiry and
 * the restoration window after it), the surveillance rotation (clause-8
 * processes and the other clauses spread over the cycle's surveillances while
 * every surveillance covers the mandatory items), and the internal audit
 * programme's coverage of a year. It reads no clock and no repository.
 *
 * The writers at the end change the cycle in smsaudit.xml: they check the
 * change with the same rules, then sign and commit it.
 */
#ifndef SMSAUDIT_CYCLE_H
#define SMSAUDIT_CYCLE_H

#include <stddef.h>
#include <time.h>

#include "audit.h"
#include "catalogue.h"
#include "finding.h"

typedef enum {
	SMSAUDIT_CYCLE_UNCERTIFIED,   /* no certification decision recorded */
	SMSAUDIT_CYCLE_CERTIFIED,     /* certificate valid at the as-of date */
	SMSAUDIT_CYCLE_RESTORABLE,    /* expired, within the 6 months it can be restored */
	SMSAUDIT_CYCLE_LAPSED         /* expired for good: at least a new stage 2 is needed */
} smsaudit_cycle_phase;

/* "uncertified", "certified", "restorable", "lapsed" */
const char *smsaudit_cycle_phase_name(smsaudit_cycle_phase p);

typedef enum {
	SMSAUDIT_ITEM_STAGE1,
	SMSAUDIT_ITEM_STAGE2,
	SMSAUDIT_ITEM_DECISION,       /* certification decided (within N months of stage 2's last day) */
	SMSAUDIT_ITEM_SURVEILLANCE,   /* the n-th surveillance, within 12·n months of the decision */
	SMSAUDIT_ITEM_YEAR,           /* a calendar year with no surveillance in it */
	SMSAUDIT_ITEM_RECERTIFICATION,/* concluded before the expiry */
	SMSAUDIT_ITEM_EXPIRY,
	SMSAUDIT_ITEM_RESTORATION     /* last day a lapsed certificate can be restored */
} smsaudit_cycle_item_kind;

/* "stage1", "stage2", "decision", "surveillance", "year", "recertification", "expiry", "restoration" */
const char *smsaudit_cycle_item_kind_name(smsaudit_cycle_item_kind k);

typedef enum {
	SMSAUDIT_ITEM_DONE,       /* concluded (or decided) in time */
	SMSAUDIT_ITEM_LATE,       /* concluded, but after its due date */
	SMSAUDIT_ITEM_PLANNED,    /* planned or in progress, within its due date */
	SMSAUDIT_ITEM_OPEN,       /* not planned yet, not due soon */
	SMSAUDIT_ITEM_DUE_SOON,   /* not concluded, due date near (or in the recertification warning window) */
	SMSAUDIT_ITEM_OVERDUE,    /* not concluded by its due date, or planned to end after it */
	SMSAUDIT_ITEM_INFO        /* a date to know (expiry while valid) */
} smsaudit_item_status;

/* "done", "late", "planned", "open", "due-soon", "overdue", "info" */
const char *smsaudit_item_status_name(smsaudit_item_status s);

typedef struct {
	smsaudit_cycle_item_kind kind;
	int number;                   /* surveillance: 1, 2, ...; year: the calendar year */
	const smsaudit_audit *audit;  /* the audit that meets it, or NULL */
	time_t due;                   /* last day it may happen; 0: no due date */
	time_t warn_from;             /* due soon from this day; 0: no warning window */
	time_t done_on;               /* last day of the audit, or the decision date */
	smsaudit_item_status status;
	char note[160];
} smsaudit_cycle_item;

typedef struct smsaudit_cycle smsaudit_cycle;

/*
 * The current cycle at `as_of` (a date): the one started by the certification
 * decision in `p`, or the initial certification if none is recorded. The expiry
 * defaults to the decision + 3 years − 1 day. Audits must outlive the cycle.
 */
int smsaudit_cycle_compute(smsaudit_cycle **out, const smsaudit_sms_policy *p, const smsaudit_audits *audits,
                           time_t as_of);
void smsaudit_cycle_free(smsaudit_cycle *c);
smsaudit_cycle_phase smsaudit_cycle_phase_get(const smsaudit_cycle *c);
time_t smsaudit_cycle_decision(const smsaudit_cycle *c);   /* 0: uncertified */
time_t smsaudit_cycle_expiry(const smsaudit_cycle *c);     /* 0: uncertified */
/* How many surveillances the cycle has (from smsaudit.xml, or one a year before the expiry). */
int smsaudit_cycle_surveillances(const smsaudit_cycle *c);
size_t smsaudit_cycle_count(const smsaudit_cycle *c);
const smsaudit_cycle_item *smsaudit_cycle_at(const smsaudit_cycle *c, size_t i);
/* The first item still to do (not done, not info), by due date; NULL if none. */
const smsaudit_cycle_item *smsaudit_cycle_next(const smsaudit_cycle *c);

/* ---- coverage: surveillance rotation and internal audit programme ---- */

/*
 * The unit of coverage: a clause-8 process (8.1, 8.2.1 … 8.7.3) or a clause
 * of 4–7, 9 and 10 at the second level (4.1 … 10.2). An audit whose scope
 * names a unit, an ancestor of it or every assessable clause under it covers it.
 */
typedef struct {
	const smsaudit_clause *unit;
	int mandatory;                /* covered by every surveillance (see smsaudit_mandatory_items) */
	int pinned;                   /* surveillance it is pinned to (1-based); 0: none */
	unsigned covered;             /* bit k-1: surveillance k; bit 31: recertification; for a
	                               * programme: bit i: the i-th internal audit */
	int proposed;                 /* rotation: the surveillance the plan puts it in; 0: none */
} smsaudit_coverage_row;

#define SMSAUDIT_COVERAGE_RECERT_BIT 31

/* The surveillance content required at every visit, each with its clauses. */
typedef struct {
	const char *what;
	const char *clauses;          /* space-separated; "" for items outside the standard */
} smsaudit_mandatory_item;

const smsaudit_mandatory_item *smsaudit_mandatory_items(size_t *n);

/* One audit slot of a rotation or programme. */
typedef struct {
	const smsaudit_audit *audit;  /* the recorded audit in that slot, or NULL */
	int fixed;                    /* its scope is set by its plan record, not computed */
	time_t due;                   /* surveillances: due date; 0 otherwise */
} smsaudit_coverage_slot;

typedef struct smsaudit_coverage smsaudit_coverage;

/*
 * The rotation over the cycle's surveillances (`nsurveillances`; 0: as the
 * cycle says). A surveillance planned with scope clauses is fixed to them; one
 * planned without, or not yet planned, gets the mandatory units, the units
 * pinned to it and an even, in-order share of the rest. The recertification
 * covers its plan's scope (the whole standard when it names none) once planned.
 */
int smsaudit_rotation_compute(smsaudit_coverage **out, const smsaudit_catalogue *cat, const smsaudit_sms_policy *p,
                              const smsaudit_cycle *cycle, int nsurveillances);
/* Internal audits whose first day falls in `year` (or the policy's interval
 * starting that year), and which units they cover. */
int smsaudit_programme_compute(smsaudit_coverage **out, const smsaudit_catalogue *cat, const smsaudit_sms_policy *p,
                               const smsaudit_audits *audits, int year);
void smsaudit_coverage_free(smsaudit_coverage *c);
size_t smsaudit_coverage_count(const smsaudit_coverage *c);
const smsaudit_coverage_row *smsaudit_coverage_at(const smsaudit_coverage *c, size_t i);
size_t smsaudit_coverage_slots(const smsaudit_coverage *c);
const smsaudit_coverage_slot *smsaudit_coverage_slot_at(const smsaudit_coverage *c, size_t i);
/* Units no slot covers (nor the recertification, for a rotation). */
size_t smsaudit_coverage_holes(const smsaudit_coverage *c);
/* The programme's window: [from, to] dates. */
void smsaudit_coverage_window(const smsaudit_coverage *c, time_t *from, time_t *to);
/* Problems worth a warning (pins to a surveillance the cycle lacks, a fixed
 * surveillance missing mandatory items), one line each; NULL after the last. */
const char *smsaudit_coverage_warning(const smsaudit_coverage *c, size_t i);

/* ---- writers: a new SMS description, signed by a quality manager ---- */

/* Pin `clause` to surveillance `n` (0: unpin) in smsaudit.xml, signed by a
 * quality manager. A clause every surveillance covers takes no pin (the
 * rotation ignores such a pin, with a warning, when one is written by hand). */
int smsaudit_store_pin(smsaudit_store *store, smsaudit_identity *signer, const char *clause, int n);

typedef struct {
	time_t decision;              /* certification decision; 0: keep */
	time_t expiry;                /* 0: decision + 3 years − 1 day with a new decision, else keep */
	int surveillances;            /* per cycle; 0: keep; -1: back to one a year */
	int internal_audit_months;    /* 0: keep */
} smsaudit_cycle_settings;

#define SMSAUDIT_CYCLE_SETTINGS_INIT { 0, 0, 0, 0 }

/* Change the cycle in smsaudit.xml, signed by a quality manager. A decision
 * may not be in the future; the expiry must come after the decision. */
int smsaudit_store_set_cycle(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_cycle_settings *s);

#endif
