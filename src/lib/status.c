/*
 * The status at one date: a pure function of (catalogue, state, as-of date,
 * window) built from the gap analysis, the findings and audits replays and the
 * cycle. Every rule about what counts as expiring, due soon, overdue or lapsing
 * is here, so the views only lay the result out.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "smsaudit/status.h"

#define DAY SMSAUDIT_DAY
#define NWINDOWS SMSAUDIT_STATUS_WINDOWS
#define MAX_DEADLINES 64

struct smsaudit_status {
	time_t as_of;
	int window;
	smsaudit_gap *gap;                         /* at the as-of date */
	smsaudit_gap *later[NWINDOWS];             /* 1, 2 and 3 windows later */
	const smsaudit_gap_clause **gaps;
	size_t ngaps;
	smsaudit_status_expiring *expiring;
	size_t nexpiring, in_window[NWINDOWS];
	smsaudit_findings *findings;
	size_t open[4];
	smsaudit_status_deadline *deadlines;
	size_t ndeadlines, adeadlines, noverdue, nsoon;
	const smsaudit_finding **concurrent;
	size_t nconcurrent;
	smsaudit_audits *audits;
	const smsaudit_audit *next;
	smsaudit_cycle *cycle;
	size_t coverage_holes, programme_holes;
	int year;
	smsaudit_status_lapse *lapses;
	size_t nlapses, alapses;
	const smsaudit_record *certificate;
};

void smsaudit_status_free(smsaudit_status *s)
{
	if (!s)
		return;
	smsaudit_gap_free(s->gap);
	for (int h = 0; h < NWINDOWS; h++)
		smsaudit_gap_free(s->later[h]);
	free(s->gaps);
	free(s->expiring);
	smsaudit_findings_free(s->findings);
	free(s->deadlines);
	free(s->concurrent);
	smsaudit_cycle_free(s->cycle);
	smsaudit_audits_free(s->audits);
	free(s->lapses);
	free(s);
}

static int cmp_expiry(const void *x, const void *y)
{
	time_t ta = ((const smsaudit_status_expiring *)x)->evidence->record->evidence.valid_until;
	time_t tb = ((const smsaudit_status_expiring *)y)->evidence->record->evidence.valid_until;
	return ta < tb ? -1 : ta > tb;
}

static int gaps_collect(smsaudit_status *s)
{
	size_t n = smsaudit_gap_clause_count(s->gap);
	if (!(s->gaps = calloc(n ? n : 1, sizeof(*s->gaps))))
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(s->gap, i);
		if (c->status == SMSAUDIT_GAP_GAP)
			s->gaps[s->ngaps++] = c;
	}
	return 0;
}

int smsaudit_status_is_expiring(long *days_left, const smsaudit_evidence_entry *e, time_t as_of, int days)
{
	as_of = smsaudit_date_of(as_of);
	time_t day_end = smsaudit_day_end(as_of), vu = e->record->evidence.valid_until;
	time_t horizon = as_of + (time_t)(days > 0 ? days : 0) * DAY;
	/* As the gap analysis judges a date: what was made, withdrawn or
	 * superseded after that day does not exist yet for it. */
	int counts = e->valid && e->record->made_at <= day_end &&
	             (e->status == SMSAUDIT_EV_ACTIVE || e->changed_at > day_end);
	if (!counts || !vu || vu < as_of || vu > horizon)
		return 0;
	if (days_left)
		*days_left = (long)((vu - as_of) / DAY);
	return 1;
}

/* Evidence expiring within the windows, by valid-until, each in its window. */
static int expiring_collect(smsaudit_status *s, const smsaudit_state *st)
{
	size_t n = smsaudit_state_evidence_count(st);
	if (!(s->expiring = calloc(n ? n : 1, sizeof(*s->expiring))))
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
		if (smsaudit_status_is_expiring(NULL, e, s->as_of, NWINDOWS * s->window))
			s->expiring[s->nexpiring++].evidence = e;
	}
	if (s->nexpiring > 1)
		qsort(s->expiring, s->nexpiring, sizeof(*s->expiring), cmp_expiry);
	for (size_t i = 0; i < s->nexpiring; i++) {
		smsaudit_status_expiring *x = &s->expiring[i];
		smsaudit_status_is_expiring(&x->days_left, x->evidence, s->as_of, NWINDOWS * s->window);
		x->window = x->days_left <= s->window ? 0 : x->days_left <= 2L * s->window ? 1 : 2;
		s->in_window[x->window]++;
	}
	return 0;
}

/* Open findings by class; their deadlines overdue or due within the window. */
static int findings_collect(smsaudit_status *s, const smsaudit_state *st)
{
	int rc = smsaudit_findings_compute(&s->findings, st, s->as_of);
	if (rc < 0)
		return rc;
	const smsaudit_sms_policy *pol = smsaudit_state_policy(st);
	size_t nf = smsaudit_findings_count(s->findings);
	if (!(s->concurrent = calloc(nf ? nf : 1, sizeof(*s->concurrent))))
		return error_oom();
	for (size_t i = 0; i < nf; i++) {
		const smsaudit_finding *f = smsaudit_findings_at(s->findings, i);
		if (f->nheads > 1)
			s->concurrent[s->nconcurrent++] = f;
		if (f->phase == SMSAUDIT_PHASE_CLOSED)
			continue;
		if ((unsigned)f->grade->cls < 4)
			s->open[f->grade->cls]++;
		smsaudit_deadline dl[MAX_DEADLINES];
		size_t n = smsaudit_finding_deadlines(dl, MAX_DEADLINES, f, pol);
		for (size_t k = 0; k < n; k++) {
			smsaudit_due_status ds = smsaudit_deadline_status(&dl[k], s->as_of, s->window);
			if (ds != SMSAUDIT_DUE_OVERDUE && ds != SMSAUDIT_DUE_SOON)
				continue;
			if (s->ndeadlines == s->adeadlines) {
				size_t na = s->adeadlines ? s->adeadlines * 2 : 16;
				smsaudit_status_deadline *p = realloc(s->deadlines, na * sizeof(*p));
				if (!p)
					return error_oom();
				s->deadlines = p;
				s->adeadlines = na;
			}
			smsaudit_status_deadline *d = &s->deadlines[s->ndeadlines++];
			d->finding = f;
			d->deadline = dl[k];
			d->status = ds;
			s->noverdue += ds == SMSAUDIT_DUE_OVERDUE;
			s->nsoon += ds == SMSAUDIT_DUE_SOON;
		}
	}
	return 0;
}

/* The next audit, the cycle and its coverage. Without audits or a cycle that
 * can be computed there is nothing to show, which is not an error; running out
 * of memory is. */
static int audits_and_cycle(smsaudit_status *s, const smsaudit_catalogue *cat, const smsaudit_state *st)
{
	int rc = smsaudit_audits_compute(&s->audits, st, s->as_of);
	if (rc < 0)
		return rc == SMSAUDIT_ENOMEM ? rc : 0;
	for (size_t i = 0; i < smsaudit_audits_count(s->audits) && !s->next; i++) {
		const smsaudit_audit *au = smsaudit_audits_at(s->audits, i);
		if (au->status != SMSAUDIT_AUDIT_CONCLUDED && au->plan->audit.planned_to >= s->as_of)
			s->next = au;
	}
	const smsaudit_sms_policy *pol = smsaudit_state_policy(st);
	struct tm tm;
	gmtime_r(&s->as_of, &tm);
	s->year = tm.tm_year + 1900;
	smsaudit_coverage *rot = NULL, *prog = NULL;
	if ((rc = smsaudit_cycle_compute(&s->cycle, pol, s->audits, s->as_of)) == 0 &&
	    (rc = smsaudit_rotation_compute(&rot, cat, pol, s->cycle, 0)) == 0 &&
	    (rc = smsaudit_programme_compute(&prog, cat, pol, s->audits, s->year)) == 0) {
		s->coverage_holes = smsaudit_coverage_holes(rot);
		s->programme_holes = smsaudit_coverage_holes(prog);
	} else {
		smsaudit_cycle_free(s->cycle);
		s->cycle = NULL;
	}
	smsaudit_coverage_free(prog);
	smsaudit_coverage_free(rot);
	return rc == SMSAUDIT_ENOMEM ? rc : 0;
}

/* Items satisfied at the as-of date that are not 1, 2 or 3 windows later,
 * each at the first of those dates. */
static int lapses_collect(smsaudit_status *s, const smsaudit_catalogue *cat, const smsaudit_state *st)
{
	size_t nclauses = smsaudit_gap_clause_count(s->gap);
	size_t *first = calloc(nclauses + 1, sizeof(*first));
	if (!first)
		return error_oom();
	for (size_t i = 0; i < nclauses; i++)
		first[i + 1] = first[i] + smsaudit_gap_clause_at(s->gap, i)->nitems;
	char *seen = calloc(first[nclauses] + 1, 1);
	if (!seen) {
		free(first);
		return error_oom();
	}
	int rc = 0;
	for (int h = 0; h < NWINDOWS && rc == 0; h++) {
		smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
		go.as_of = s->as_of + (time_t)(h + 1) * s->window * DAY;
		go.verdicts_only = 1; /* only compared with today's, and a lapse shows its reason */
		if ((rc = smsaudit_gap_compute(&s->later[h], cat, st, &go)) < 0)
			break;
		for (size_t i = 0; i < nclauses && rc == 0; i++) {
			const smsaudit_gap_clause *now = smsaudit_gap_clause_at(s->gap, i);
			const smsaudit_gap_clause *then = smsaudit_gap_clause_at(s->later[h], i);
			for (size_t k = 0; k < now->nitems && k < then->nitems; k++) {
				if (!now->items[k].satisfied || then->items[k].satisfied || seen[first[i] + k])
					continue;
				seen[first[i] + k] = 1;
				if (s->nlapses == s->alapses) {
					size_t na = s->alapses ? s->alapses * 2 : 16;
					smsaudit_status_lapse *p = realloc(s->lapses, na * sizeof(*p));
					if (!p) {
						rc = error_oom();
						break;
					}
					s->lapses = p;
					s->alapses = na;
				}
				smsaudit_status_lapse *l = &s->lapses[s->nlapses++];
				l->clause = now;
				l->item = &now->items[k];
				l->within_days = (h + 1) * s->window;
				l->then = &then->items[k];
			}
		}
	}
	free(seen);
	free(first);
	return rc;
}

int smsaudit_status_compute(smsaudit_status **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                            time_t as_of, int window_days)
{
	*out = NULL;
	if (!cat || !st)
		return error_set(SMSAUDIT_EINVALID, "status: no catalogue or state");
	if (window_days < 1 || window_days > 3650)
		return error_set(SMSAUDIT_EINVALID, "status: the window is %d days; it must be 1 to 3650", window_days);
	smsaudit_status *s = calloc(1, sizeof(*s));
	if (!s)
		return error_oom();
	s->as_of = smsaudit_date_of(as_of);
	s->window = window_days;
	s->certificate = smsaudit_state_certificate(st);
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = s->as_of;
	int rc;
	if ((rc = smsaudit_gap_compute(&s->gap, cat, st, &go)) < 0 || (rc = gaps_collect(s)) < 0 ||
	    (rc = expiring_collect(s, st)) < 0 || (rc = findings_collect(s, st)) < 0 ||
	    (rc = audits_and_cycle(s, cat, st)) < 0 || (rc = lapses_collect(s, cat, st)) < 0) {
		smsaudit_status_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

time_t smsaudit_status_as_of(const smsaudit_status *s) { return s->as_of; }
int smsaudit_status_window(const smsaudit_status *s) { return s->window; }
const smsaudit_gap *smsaudit_status_gap(const smsaudit_status *s) { return s->gap; }
size_t smsaudit_status_gap_count(const smsaudit_status *s) { return s->ngaps; }

const smsaudit_gap_clause *smsaudit_status_gap_at(const smsaudit_status *s, size_t i)
{
	return i < s->ngaps ? s->gaps[i] : NULL;
}

size_t smsaudit_status_expiring_count(const smsaudit_status *s) { return s->nexpiring; }

const smsaudit_status_expiring *smsaudit_status_expiring_at(const smsaudit_status *s, size_t i)
{
	return i < s->nexpiring ? &s->expiring[i] : NULL;
}

size_t smsaudit_status_expiring_in(const smsaudit_status *s, int window)
{
	return window >= 0 && window < NWINDOWS ? s->in_window[window] : 0;
}

size_t smsaudit_status_open_findings(const smsaudit_status *s, smsaudit_grade_class cls)
{
	return (unsigned)cls < 4 ? s->open[cls] : 0;
}

size_t smsaudit_status_deadline_count(const smsaudit_status *s) { return s->ndeadlines; }

const smsaudit_status_deadline *smsaudit_status_deadline_at(const smsaudit_status *s, size_t i)
{
	return i < s->ndeadlines ? &s->deadlines[i] : NULL;
}

size_t smsaudit_status_overdue_count(const smsaudit_status *s) { return s->noverdue; }
size_t smsaudit_status_concurrent_count(const smsaudit_status *s) { return s->nconcurrent; }
const smsaudit_finding *smsaudit_status_concurrent_at(const smsaudit_status *s, size_t i)
{
	return i < s->nconcurrent ? s->concurrent[i] : NULL;
}
size_t smsaudit_status_due_soon_count(const smsaudit_status *s) { return s->nsoon; }
const smsaudit_audit *smsaudit_status_next_audit(const smsaudit_status *s) { return s->next; }

long smsaudit_status_next_audit_days(const smsaudit_status *s)
{
	return s->next ? (long)((s->next->plan->audit.planned_from - s->as_of) / DAY) : 0;
}

const smsaudit_cycle *smsaudit_status_cycle(const smsaudit_status *s) { return s->cycle; }

const smsaudit_cycle_item *smsaudit_status_cycle_next(const smsaudit_status *s)
{
	return s->cycle ? smsaudit_cycle_next(s->cycle) : NULL;
}

size_t smsaudit_status_coverage_holes(const smsaudit_status *s) { return s->cycle ? s->coverage_holes : 0; }
size_t smsaudit_status_programme_holes(const smsaudit_status *s) { return s->cycle ? s->programme_holes : 0; }
int smsaudit_status_programme_year(const smsaudit_status *s) { return s->year; }
size_t smsaudit_status_lapse_count(const smsaudit_status *s) { return s->nlapses; }

const smsaudit_status_lapse *smsaudit_status_lapse_at(const smsaudit_status *s, size_t i)
{
	return i < s->nlapses ? &s->lapses[i] : NULL;
}

const smsaudit_record *smsaudit_status_certificate(const smsaudit_status *s)
{
	return s->certificate;
}

long smsaudit_status_certificate_days(const smsaudit_status *s)
{
	return s->certificate ? (long)((s->certificate->certificate.expires - s->as_of) / 86400) : 0;
}

int smsaudit_status_certificate_warning(const smsaudit_status *s)
{
	return s->certificate && smsaudit_status_certificate_days(s) <= SMSAUDIT_CERT_WARN_DAYS;
}
