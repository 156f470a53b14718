/*
 * smsaudit — the SMS at a glance: what is overdue, due soon, expiring or about
 * to lapse at one date, and what comes next.
 *
 * A pure function of (catalogue, state at one commit, as-of date, window). It
 * holds the rules behind `smsaudit status`, so every view that shows them
 * shows the same thing:
 *
 *  - gaps: the assessable clauses whose gap status is `gap` at the as-of date;
 *  - expiring: evidence expiring within 3 windows by the rule of
 *    smsaudit_status_is_expiring() below (which `evidence list --expiring`
 *    shares), sorted by valid-until, each in window 0 (days left <= window),
 *    1 (<= 2 windows) or 2;
 *  - findings: open ones (not closed) by class, and each of their deadlines
 *    that smsaudit_deadline_status() calls overdue (from the day after the
 *    due day) or due soon (from `window` days before it);
 *  - the next audit: the first (by date) not concluded whose planned last day
 *    is on or after the as-of date;
 *  - the cycle at the as-of date, its next item (smsaudit_cycle_next), the
 *    clauses the cycle's surveillance rotation leaves uncovered and those the
 *    internal audits of the as-of year leave uncovered;
 *  - lapsing: expected items satisfied at the as-of date that are not at 1, 2
 *    or 3 windows later (expiry or freshness), each listed once at the first
 *    of those dates where it fails.
 */
#ifndef SMSAUDIT_STATUS_H
#define SMSAUDIT_STATUS_H

#include <stddef.h>
#include <time.h>

#include "audit.h"
#include "catalogue.h"
#include "cycle.h"
#include "finding.h"
#include "gap.h"
#include "store.h"

/* The window `smsaudit status` uses: deadlines due soon within the one
 * due-soon window of finding.h (30 days); expiring and lapsing within 1, 2
 * and 3 such windows (30, 60 and 90 days). Help texts print these numbers
 * from here. */
#define SMSAUDIT_STATUS_WINDOW_DAYS SMSAUDIT_DUE_SOON_DAYS
/* How many windows ahead status looks for evidence expiring and items lapsing. */
#define SMSAUDIT_STATUS_WINDOWS 3

/*
 * The rule for "expiring", in one place for every view that lists it (status,
 * `evidence list --expiring`): 1 if `e` counts at `as_of` (a date; a time is
 * taken as its day) — it verifies, was made by the end of that day and was
 * neither withdrawn nor superseded by then — and its valid-until lies from the
 * as-of date to `days` days after it; then *days_left (if not NULL) is the
 * whole days from the as-of date to valid-until. Evidence is valid through its
 * last day: on that day it is expiring with 0 days left, and the day after it
 * has expired (the gap analysis says so) and is not listed. Otherwise 0.
 * Pure: the clock is never read; `days` below 0 counts as 0.
 */
int smsaudit_status_is_expiring(long *days_left, const smsaudit_evidence_entry *e, time_t as_of, int days);

typedef struct {
	const smsaudit_evidence_entry *evidence;
	long days_left;                  /* whole days from the as-of date to valid-until: 0 on the last day */
	int window;                      /* 0: days_left <= window, 1: <= 2 windows, 2: <= 3 windows */
} smsaudit_status_expiring;

typedef struct {
	const smsaudit_finding *finding;
	smsaudit_deadline deadline;
	smsaudit_due_status status;      /* SMSAUDIT_DUE_OVERDUE or SMSAUDIT_DUE_SOON */
} smsaudit_status_deadline;

typedef struct {
	const smsaudit_gap_clause *clause;   /* at the as-of date */
	const smsaudit_gap_item *item;       /* satisfied at the as-of date */
	int within_days;                     /* 1, 2 or 3 windows */
	const smsaudit_gap_item *then;       /* the same item that many days later: not satisfied, and why */
} smsaudit_status_lapse;

typedef struct smsaudit_status smsaudit_status;

/*
 * The status at `as_of` (a date; a time is taken as its day) with a window of
 * `window_days` (1 to 3650; SMSAUDIT_STATUS_WINDOW_DAYS for the CLI's). The
 * catalogue and the state must outlive the result.
 */
int smsaudit_status_compute(smsaudit_status **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                            time_t as_of, int window_days);
void smsaudit_status_free(smsaudit_status *s);

time_t smsaudit_status_as_of(const smsaudit_status *s);
int smsaudit_status_window(const smsaudit_status *s);

/* The gap analysis at the as-of date, and the clauses of it that are gaps, in catalogue order. */
const smsaudit_gap *smsaudit_status_gap(const smsaudit_status *s);
size_t smsaudit_status_gap_count(const smsaudit_status *s);
const smsaudit_gap_clause *smsaudit_status_gap_at(const smsaudit_status *s, size_t i);

/* Expiring evidence, by valid-until; how many fall in window 0, 1 or 2. */
size_t smsaudit_status_expiring_count(const smsaudit_status *s);
const smsaudit_status_expiring *smsaudit_status_expiring_at(const smsaudit_status *s, size_t i);
size_t smsaudit_status_expiring_in(const smsaudit_status *s, int window);

/* Open findings of one grade class. */
size_t smsaudit_status_open_findings(const smsaudit_status *s, smsaudit_grade_class cls);
/* Deadlines overdue or due soon, finding by finding in raising order, each finding's in its order. */
size_t smsaudit_status_deadline_count(const smsaudit_status *s);
const smsaudit_status_deadline *smsaudit_status_deadline_at(const smsaudit_status *s, size_t i);
size_t smsaudit_status_overdue_count(const smsaudit_status *s);
size_t smsaudit_status_due_soon_count(const smsaudit_status *s);
/* Findings (open or closed) with concurrent steps nobody has settled yet, in raising order. */
size_t smsaudit_status_concurrent_count(const smsaudit_status *s);
const smsaudit_finding *smsaudit_status_concurrent_at(const smsaudit_status *s, size_t i);

/* The next audit, or NULL; whole days from the as-of date to its first planned day (negative once begun). */
const smsaudit_audit *smsaudit_status_next_audit(const smsaudit_status *s);
long smsaudit_status_next_audit_days(const smsaudit_status *s);

/* The cycle at the as-of date; NULL when it cannot be computed. Then the
 * next item and the coverage figures below are NULL and 0. */
const smsaudit_cycle *smsaudit_status_cycle(const smsaudit_status *s);
const smsaudit_cycle_item *smsaudit_status_cycle_next(const smsaudit_status *s);
size_t smsaudit_status_coverage_holes(const smsaudit_status *s);
size_t smsaudit_status_programme_holes(const smsaudit_status *s);
int smsaudit_status_programme_year(const smsaudit_status *s);

/* Expected items that stop being satisfied within 3 windows: by window, then clause and item order. */
size_t smsaudit_status_lapse_count(const smsaudit_status *s);
const smsaudit_status_lapse *smsaudit_status_lapse_at(const smsaudit_status *s, size_t i);

/* How long before its expiry `status` warns about the certificate: the
 * recertification audit and decision must fall before it (ISO/IEC 17021-1). */
#define SMSAUDIT_CERT_WARN_DAYS 180

/* The certificate record in force at the as-of date (NULL: none recorded);
 * the days from the as-of date to its last day (negative once expired); and
 * 1 when that is within SMSAUDIT_CERT_WARN_DAYS or past. */
const smsaudit_record *smsaudit_status_certificate(const smsaudit_status *s);
long smsaudit_status_certificate_days(const smsaudit_status *s);
int smsaudit_status_certificate_warning(const smsaudit_status *s);

#endif
