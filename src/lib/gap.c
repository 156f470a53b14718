/*
 * Gap analysis: a pure function of (catalogue, state at a commit, as-of date).
 *
 * Every status carries its reasons, and nothing is counted that does not
 * verify. Evidence is bucketed by clause once, so the cost is linear in the
 * number of (evidence, control) links.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"

#define DAY SMSAUDIT_DAY
#define OTHER_PARTY_CLAUSE "8.2.3"

/* With its kind beside it: an item looks only at its kind's evidence, and
 * every record it passes over would otherwise be a cache miss (100,000
 * records, several items a clause, four gaps for a status). */
typedef struct {
	const smsaudit_evidence_entry *e;
	smsaudit_evidence_kind kind;
	int valid, has_period;
	smsaudit_evidence_status status;
	time_t made_at, changed_at, valid_until, period_from, period_to;
} linked_evidence;

typedef struct {
	smsaudit_gap_clause pub;
	const char **reasons;
	size_t nreasons, areasons;
	smsaudit_gap_item *items;
	linked_evidence *linked;                   /* evidence linked to this clause, made by the as-of date */
	size_t nlinked, alinked;
} clause_work;

struct smsaudit_gap {
	time_t as_of;
	clause_work *clauses;
	size_t nclauses;
	clause_work **by_id;                      /* the clauses sorted by id, for find_work */
	smsaudit_gap_rollup rollups[16];
	size_t nrollups;
	smsaudit_gap_rollup overall;
	smsaudit_gap_readiness stage[2];
	smsaudit_gap_criterion criteria[2][8];
	size_t excluded, problems;
	smsaudit_findings *findings;              /* at the as-of date */
	char **strings;                           /* every string this result owns */
	size_t nstrings, astrings;
	int oom;
	int verdicts_only;                        /* smsaudit_gap_options */
};

const char *smsaudit_gap_status_name(smsaudit_gap_status s)
{
	switch (s) {
	case SMSAUDIT_GAP_CONFORMANT: return "conformant";
	case SMSAUDIT_GAP_PARTIAL: return "partial";
	case SMSAUDIT_GAP_GAP: return "gap";
	default: return "not-assessed";
	}
}

static const char *keep(smsaudit_gap *g, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

/* A formatted string owned by the result. */
static const char *keep(smsaudit_gap *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s && g->nstrings == g->astrings) {
		size_t cap = g->astrings ? g->astrings * 2 : 256;
		char **p = realloc(g->strings, cap * sizeof(*p));
		if (!p) {
			free(s);
			s = NULL;
		} else {
			g->strings = p;
			g->astrings = cap;
		}
	}
	if (!s) {
		g->oom = 1;
		return "";
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	g->strings[g->nstrings++] = s;
	return s;
}

static void add_reason(smsaudit_gap *g, clause_work *cw, const char *text)
{
	if (cw->nreasons == cw->areasons) {
		size_t cap = cw->areasons ? cw->areasons * 2 : 8;
		const char **p = realloc(cw->reasons, cap * sizeof(*p));
		if (!p) {
			g->oom = 1;
			return;
		}
		cw->reasons = p;
		cw->areasons = cap;
	}
	cw->reasons[cw->nreasons++] = text;
}

void smsaudit_gap_free(smsaudit_gap *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nclauses; i++) {
		clause_work *cw = &g->clauses[i];
		for (size_t k = 0; k < cw->pub.nitems; k++)
			free((void *)cw->items[k].candidates);
		free(cw->items);
		free(cw->reasons);
		free(cw->linked);
	}
	free(g->clauses);
	free(g->by_id);
	smsaudit_findings_free(g->findings);
	for (size_t i = 0; i < g->nstrings; i++)
		free(g->strings[i]);
	free(g->strings);
	free(g);
}

time_t smsaudit_gap_as_of(const smsaudit_gap *g) { return g->as_of; }
size_t smsaudit_gap_clause_count(const smsaudit_gap *g) { return g->nclauses; }
size_t smsaudit_gap_rollup_count(const smsaudit_gap *g) { return g->nrollups; }
const smsaudit_gap_rollup *smsaudit_gap_overall(const smsaudit_gap *g) { return &g->overall; }
size_t smsaudit_gap_excluded_count(const smsaudit_gap *g) { return g->excluded; }
size_t smsaudit_gap_problem_count(const smsaudit_gap *g) { return g->problems; }

const smsaudit_gap_clause *smsaudit_gap_clause_at(const smsaudit_gap *g, size_t i)
{
	return i < g->nclauses ? &g->clauses[i].pub : NULL;
}

const smsaudit_gap_rollup *smsaudit_gap_rollup_at(const smsaudit_gap *g, size_t i)
{
	return i < g->nrollups ? &g->rollups[i] : NULL;
}

const smsaudit_gap_readiness *smsaudit_gap_stage(const smsaudit_gap *g, smsaudit_audit_stage stage)
{
	return stage == SMSAUDIT_STAGE_2 ? &g->stage[1] : &g->stage[0];
}

static int cmp_work_id(const void *a, const void *b)
{
	return strcmp((*(clause_work *const *)a)->pub.clause->id, (*(clause_work *const *)b)->pub.clause->id);
}

static int cmp_id_work(const void *key, const void *w)
{
	return strcmp(key, (*(clause_work *const *)w)->pub.clause->id);
}

/* By binary search: every control of every evidence record is looked up,
 * 100,000 records times the clauses were most of a status run. */
static clause_work *find_work(const smsaudit_gap *g, const char *id)
{
	clause_work **w = g->nclauses ? bsearch(id, g->by_id, g->nclauses, sizeof(*g->by_id), cmp_id_work) : NULL;
	return w ? *w : NULL;
}

int smsaudit_gap_find(const smsaudit_gap_clause **out, const smsaudit_gap *g, const char *id)
{
	*out = NULL;
	clause_work *cw = find_work(g, id);
	if (cw) {
		*out = &cw->pub;
		return 0;
	}
	for (size_t i = 0; i < g->nclauses; i++) {
		const smsaudit_clause *p = g->clauses[i].pub.clause->parent;
		for (; p; p = p->parent)
			if (strcmp(p->id, id) == 0)
				return error_set(SMSAUDIT_EINVALID, "clause %s (%s) is a heading; give one of its sub-clauses",
				                 p->id, p->title);
	}
	return error_set(SMSAUDIT_ENOTFOUND, "no assessable clause '%s' in the catalogue", id);
}

void smsaudit_gap_candidate_explain(char *buf, size_t size, const smsaudit_gap_candidate *c)
{
	char d[11];
	smsaudit_date_format(d, c->when);
	switch (c->verdict) {
	case SMSAUDIT_CAND_OK:
		snprintf(buf, size, "counts");
		break;
	case SMSAUDIT_CAND_INVALID:
		snprintf(buf, size, "fails verification (signature, signer or content; see smsaudit verify)");
		break;
	case SMSAUDIT_CAND_WITHDRAWN:
		snprintf(buf, size, "withdrawn on %s (%s)", d, c->evidence->changed_by);
		break;
	case SMSAUDIT_CAND_SUPERSEDED:
		snprintf(buf, size, "superseded by %s on %s", c->evidence->superseded_by, d);
		break;
	case SMSAUDIT_CAND_EXPIRED:
		snprintf(buf, size, "expired on %s", d);
		break;
	case SMSAUDIT_CAND_STALE:
		snprintf(buf, size, "too old: covers up to %s", d);
		break;
	case SMSAUDIT_CAND_NOT_YET:
		if (c->evidence->record->evidence.has_period && c->when == c->evidence->record->evidence.period_from)
			snprintf(buf, size, "not yet: its period starts on %s", d);
		else
			snprintf(buf, size, "not yet: its period runs until %s", d);
		break;
	}
}

/* The freshness rule, in one place: a record covers up to the end of its
 * period (a record without one stands for the day it was signed), and is too
 * old at a date when that end lies more than `fresh_months` before it. */
static time_t period_end(const smsaudit_evidence_entry *e)
{
	const smsaudit_evidence_body *b = &e->record->evidence;
	return b->has_period ? b->period_to : smsaudit_date_of(e->record->made_at);
}

static int too_old(time_t end, int fresh_months, time_t as_of)
{
	return end < smsaudit_date_add_months(as_of, -fresh_months);
}

time_t smsaudit_gap_item_counts_until(const smsaudit_gap_item *it)
{
	time_t best = 0;
	for (size_t i = 0; it->satisfied && it->candidates && i < it->ncandidates; i++) {
		const smsaudit_gap_candidate *c = &it->candidates[i];
		if (c->verdict != SMSAUDIT_CAND_OK)
			continue;
		time_t last = c->evidence->record->evidence.valid_until;
		if (it->fresh_months > 0) {
			/* The last day the period is fresh enough: around end + months,
			 * then a day at a time over the months' unequal lengths. */
			time_t end = period_end(c->evidence), d = smsaudit_date_add_months(end, it->fresh_months);
			for (int k = 0; k < 8 && !too_old(end, it->fresh_months, d + SMSAUDIT_DAY); k++)
				d += SMSAUDIT_DAY;
			for (int k = 0; k < 8 && too_old(end, it->fresh_months, d); k++)
				d -= SMSAUDIT_DAY;
			if (!last || d < last)
				last = d;
		}
		if (!last)
			return 0; /* one counts for ever */
		if (last > best)
			best = last;
	}
	return best;
}

/* What judging an item's candidates at a date needs, worked out once an item. */
typedef struct {
	time_t as_of, as_of_end;
	int fresh_months;
	time_t fresh_from;   /* too_old: a period ending before it is too old */
} judging;

/* The same rules as period_end and too_old, over the copy bucket_evidence
 * made of the record: the records themselves are not read again. */
static void judge(smsaudit_gap_candidate *c, const linked_evidence *l, const judging *j)
{
	c->evidence = l->e;
	c->verdict = SMSAUDIT_CAND_OK;
	c->when = 0;
	if (!l->valid) {
		c->verdict = SMSAUDIT_CAND_INVALID;
		c->when = l->made_at;
	} else if (l->status == SMSAUDIT_EV_WITHDRAWN && l->changed_at <= j->as_of_end) {
		c->verdict = SMSAUDIT_CAND_WITHDRAWN;
		c->when = l->changed_at;
	} else if (l->status == SMSAUDIT_EV_SUPERSEDED && l->changed_at <= j->as_of_end) {
		c->verdict = SMSAUDIT_CAND_SUPERSEDED;
		c->when = l->changed_at;
	} else if (l->valid_until && l->valid_until < j->as_of) {
		c->verdict = SMSAUDIT_CAND_EXPIRED;
		c->when = l->valid_until;
	} else if (l->has_period && l->period_from > j->as_of) {
		/* Evidence of a period that has not begun is evidence of nothing yet. */
		c->verdict = SMSAUDIT_CAND_NOT_YET;
		c->when = l->period_from;
	} else if (j->fresh_months > 0 && l->has_period && l->period_to > j->as_of) {
		/* A record of operation shows a period once it is over. */
		c->verdict = SMSAUDIT_CAND_NOT_YET;
		c->when = l->period_to;
	} else if (j->fresh_months > 0) {
		time_t end = l->has_period ? l->period_to : smsaudit_date_of(l->made_at);
		if (end < j->fresh_from) {
			c->verdict = SMSAUDIT_CAND_STALE;
			c->when = end;
		}
	}
}

static int cmp_candidate(const void *a, const void *b)
{
	const smsaudit_gap_candidate *x = a, *y = b;
	int ox = x->verdict == SMSAUDIT_CAND_OK, oy = y->verdict == SMSAUDIT_CAND_OK;
	if (ox != oy)
		return oy - ox;
	time_t tx = x->evidence->record->made_at, ty = y->evidence->record->made_at;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->evidence->record->id, y->evidence->record->id);
}

/* The candidates in cmp_candidate's order, without a sort: they come in the
 * state's order of evidence (made-at, then id), so walking the seconds from
 * the last one back, first for those that count and then for the others,
 * gives it (ids ascending within a second). `made` holds their signing
 * times. Anything out of that order is sorted. -1 when out of memory. */
static int order_candidates(smsaudit_gap_candidate *c, const time_t *made, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (made[i] < made[i - 1]) {
			qsort(c, n, sizeof(*c), cmp_candidate);
			return 0;
		}
	smsaudit_gap_candidate *out = n > 1 ? malloc(n * sizeof(*out)) : NULL;
	if (!out)
		return n > 1 ? -1 : 0;
	size_t k = 0;
	for (int counts = 1; counts >= 0; counts--) {
		size_t end = n;
		while (end > 0) {
			size_t start = end - 1;
			while (start > 0 && made[start - 1] == made[end - 1])
				start--;
			for (size_t i = start; i < end; i++)
				if ((c[i].verdict == SMSAUDIT_CAND_OK) == counts)
					out[k++] = c[i];
			end = start;
		}
	}
	memcpy(c, out, n * sizeof(*c));
	free(out);
	return 0;
}

static int has_control(const smsaudit_evidence_body *b, const char *id)
{
	for (size_t i = 0; i < b->ncontrols; i++)
		if (strcmp(b->controls[i], id) == 0)
			return 1;
	return 0;
}

/* Collect and judge the candidates of one item; write its one-line reason. */
static void evaluate_item(smsaudit_gap *g, clause_work *cw, smsaudit_gap_item *it, const char *also_control)
{
	smsaudit_gap_candidate *cands = calloc(cw->nlinked ? cw->nlinked : 1, sizeof(*cands));
	time_t *made = malloc((cw->nlinked ? cw->nlinked : 1) * sizeof(*made));
	if (!cands || !made) {
		free(cands);
		free(made);
		g->oom = 1;
		return;
	}
	size_t n = 0;
	judging j = { g->as_of, smsaudit_day_end(g->as_of), it->fresh_months,
	              smsaudit_date_add_months(g->as_of, -it->fresh_months) };
	for (size_t i = 0; i < cw->nlinked; i++) {
		const linked_evidence *l = &cw->linked[i];
		if (!it->any_kind && l->kind != it->kind)
			continue;
		if (also_control && !has_control(&l->e->record->evidence, also_control))
			continue;
		made[n] = l->made_at;
		judge(&cands[n++], l, &j);
	}
	int ordered = order_candidates(cands, made, n);
	free(made);
	if (ordered < 0) {
		free(cands);
		g->oom = 1;
		return;
	}
	it->candidates = cands;
	it->ncandidates = n;
	it->satisfied = n > 0 && cands[0].verdict == SMSAUDIT_CAND_OK;
	const char *kind = it->any_kind ? "" : smsaudit_evidence_kind_name(it->kind);
	if (it->satisfied) {
		size_t ok = 0;
		while (ok < n && cands[ok].verdict == SMSAUDIT_CAND_OK)
			ok++;
		char d[11];
		smsaudit_date_format(d, cands[0].evidence->record->made_at);
		if (ok > 1)
			snprintf(it->reason, sizeof(it->reason), "satisfied by %s (signed %s by %s) and %zu more",
			         cands[0].evidence->record->id, d, cands[0].evidence->signer_name, ok - 1);
		else
			snprintf(it->reason, sizeof(it->reason), "satisfied by %s (signed %s by %s)",
			         cands[0].evidence->record->id, d, cands[0].evidence->signer_name);
	} else if (n == 0) {
		if (also_control)
			snprintf(it->reason, sizeof(it->reason), "missing: no evidence linked to both %s and %s",
			         cw->pub.clause->id, also_control);
		else
			snprintf(it->reason, sizeof(it->reason), "missing: no %s evidence linked to %s", kind,
			         cw->pub.clause->id);
	} else {
		size_t used = n == 1 ? (size_t)snprintf(it->reason, sizeof(it->reason), "the one %s%sevidence record does not "
		                                        "count: ", kind, *kind ? " " : "")
		                     : (size_t)snprintf(it->reason, sizeof(it->reason), "none of %zu %s%sevidence records "
		                                        "counts: ", n, kind, *kind ? " " : "");
		for (size_t i = 0; i < n && i < 3 && used < sizeof(it->reason); i++) {
			char why[200];
			smsaudit_gap_candidate_explain(why, sizeof(why), &cands[i]);
			used += (size_t)snprintf(it->reason + used, sizeof(it->reason) - used, "%s%s %s", i ? "; " : "",
			                         cands[i].evidence->record->id, why);
		}
		if (n > 3 && used < sizeof(it->reason))
			snprintf(it->reason + used, sizeof(it->reason) - used, "; and %zu more", n - 3);
	}
	if (g->verdicts_only) {
		free(cands);
		it->candidates = NULL;
	}
}

/* Evidence linked to each clause, made by the end of the as-of day. */
static int bucket_evidence(smsaudit_gap *g, const smsaudit_state *st)
{
	time_t as_of_end = smsaudit_day_end(g->as_of);
	size_t n = smsaudit_state_evidence_count(st), nlinks = 0;
	/* Counted first, so that each clause's list is allocated once at its
	 * size: growing them by doubling held twice the memory at 100,000 records. */
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
		if (e->record->made_at <= as_of_end)
			nlinks += e->record->evidence.ncontrols;
	}
	clause_work **where = malloc((nlinks ? nlinks : 1) * sizeof(*where));
	if (!where)
		return error_oom();
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
		if (e->record->made_at > as_of_end)
			continue;
		const smsaudit_evidence_body *b = &e->record->evidence;
		for (size_t k = 0; k < b->ncontrols; k++) {
			clause_work *cw = find_work(g, b->controls[k]);
			where[w++] = cw; /* NULL: not in the catalogue (verify reports it) */
			if (cw)
				cw->alinked++;
		}
	}
	for (size_t i = 0; i < g->nclauses; i++) {
		clause_work *cw = &g->clauses[i];
		if (cw->alinked && !(cw->linked = malloc(cw->alinked * sizeof(*cw->linked)))) {
			free(where);
			return error_oom();
		}
	}
	w = 0;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
		if (e->record->made_at > as_of_end)
			continue;
		if (!e->valid)
			g->excluded++;
		const smsaudit_evidence_body *b = &e->record->evidence;
		for (size_t k = 0; k < b->ncontrols; k++) {
			clause_work *cw = where[w++];
			if (!cw)
				continue;
			linked_evidence *l = &cw->linked[cw->nlinked++];
			l->e = e;
			l->kind = b->kind;
			l->valid = e->valid;
			l->has_period = b->has_period;
			l->status = e->status;
			l->made_at = e->record->made_at;
			l->changed_at = e->changed_at;
			l->valid_until = b->valid_until;
			l->period_from = b->period_from;
			l->period_to = b->period_to;
			if (!e->valid)
				cw->pub.nexcluded++;
		}
	}
	free(where);
	return 0;
}

static void latest_assessments(smsaudit_gap *g, const smsaudit_state *st)
{
	time_t as_of_end = smsaudit_day_end(g->as_of);
	size_t n = smsaudit_state_record_count(st);
	for (size_t i = 0; i < n; i++) {
		smsaudit_record_entry re;
		smsaudit_state_record_at(&re, st, i);
		if (!re.record || !re.valid || re.record->type != SMSAUDIT_REC_ASSESSMENT || re.record->made_at > as_of_end)
			continue;
		clause_work *cw = find_work(g, re.record->assessment.clause);
		if (!cw)
			continue;
		/* Records are in time order: the last one wins. */
		cw->pub.assessment = re.record;
		cw->pub.assessed_by = re.signer_email;
		cw->pub.other_party = re.record->assessment.other_party;
	}
}

static void first_line(char *out, size_t size, const char *text, size_t max)
{
	size_t n = strcspn(text, "\n");
	if (n > max)
		n = max;
	snprintf(out, size, "%.*s%s", (int)n, text, n < strlen(text) ? "..." : "");
}

static int names_clause(const smsaudit_finding *f, const char *id)
{
	for (size_t i = 0; i < f->record->finding.nclauses; i++)
		if (strcmp(f->record->finding.clauses[i], id) == 0)
			return 1;
	return 0;
}

/* Open nonconformities against the clause: a major makes it a gap, a minor at most partial. */
static void open_findings(smsaudit_gap *g, clause_work *cw)
{
	smsaudit_gap_clause *c = &cw->pub;
	for (size_t i = 0; i < smsaudit_findings_count(g->findings); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(g->findings, i);
		if (f->phase == SMSAUDIT_PHASE_CLOSED || !smsaudit_grade_class_is_nc(f->grade->cls) ||
		    !names_clause(f, c->clause->id))
			continue;
		int major = f->grade->cls == SMSAUDIT_GRADE_MAJOR;
		if (major) {
			c->nopen_major++;
			c->status = SMSAUDIT_GAP_GAP;
		} else {
			c->nopen_minor++;
			if (c->status == SMSAUDIT_GAP_CONFORMANT)
				c->status = SMSAUDIT_GAP_PARTIAL;
		}
		char d[11], st[200];
		smsaudit_date_format(d, f->record->finding.raised_on);
		first_line(st, sizeof(st), f->record->finding.statement, 120);
		add_reason(g, cw, keep(g, "%s nonconformity %s is open (raised %s, %s): %s", major ? "major" : "minor",
		                       f->number, d, smsaudit_finding_phase_name(f->phase), st));
	}
}

static void decide(smsaudit_gap *g, clause_work *cw)
{
	smsaudit_gap_clause *c = &cw->pub;
	size_t sat = 0;
	int evaluated = 0;   /* something is known: evidence, or a declared other party to control */
	for (size_t k = 0; k < c->nitems; k++) {
		sat += cw->items[k].satisfied;
		evaluated |= cw->items[k].ncandidates > 0 || cw->items[k].any_kind;
	}
	const smsaudit_record *a = c->assessment;
	smsaudit_assessment_result res = a ? a->assessment.result : SMSAUDIT_RESULT_NOT_ASSESSED;
	if (c->nitems && sat == c->nitems)
		c->status = SMSAUDIT_GAP_CONFORMANT;
	else if (sat > 0)
		c->status = SMSAUDIT_GAP_PARTIAL;
	else if (evaluated || cw->nlinked || res != SMSAUDIT_RESULT_NOT_ASSESSED)
		c->status = SMSAUDIT_GAP_GAP;
	else
		c->status = SMSAUDIT_GAP_NOT_ASSESSED;

	/* Self-assessment lowers, never raises. */
	if (res == SMSAUDIT_RESULT_NONCONFORMANT)
		c->status = SMSAUDIT_GAP_GAP;
	else if (res == SMSAUDIT_RESULT_PARTIAL && c->status == SMSAUDIT_GAP_CONFORMANT)
		c->status = SMSAUDIT_GAP_PARTIAL;
	open_findings(g, cw);

	if (res == SMSAUDIT_RESULT_NONCONFORMANT || res == SMSAUDIT_RESULT_PARTIAL) {
		char d[11], note[200];
		smsaudit_date_format(d, a->made_at);
		first_line(note, sizeof(note), a->assessment.note, 120);
		add_reason(g, cw, keep(g, "self-assessed %s on %s by %s: %s", smsaudit_assessment_result_name(res), d,
		                       c->assessed_by, note));
	}
	for (size_t k = 0; k < c->nitems; k++) {
		const smsaudit_gap_item *it = &cw->items[k];
		if (!it->satisfied)
			add_reason(g, cw, keep(g, "%s (%s%s): %s", it->id, it->any_kind ? "any kind" :
			                       smsaudit_evidence_kind_name(it->kind), it->is_explicit ? ", required" : "",
			                       it->reason));
	}
	if (res == SMSAUDIT_RESULT_CONFORMANT && c->status != SMSAUDIT_GAP_CONFORMANT)
		add_reason(g, cw, "self-assessed conformant, but a self-assessment alone never makes a clause "
		                  "conformant: evidence does");
	if (c->other_party)
		add_reason(g, cw, keep(g, "operated by %s: evidence of control over it is expected under %s",
		                       c->other_party, OTHER_PARTY_CLAUSE));
	if (c->nexcluded)
		add_reason(g, cw, keep(g, "%zu linked evidence record%s fail%s verification and %s not counted",
		                       c->nexcluded, c->nexcluded == 1 ? "" : "s", c->nexcluded == 1 ? "s" : "",
		                       c->nexcluded == 1 ? "is" : "are"));
	if (c->status == SMSAUDIT_GAP_CONFORMANT)
		add_reason(g, cw, c->nitems == 1 ? keep(g, "the one expected item satisfied")
		                                 : keep(g, "all %zu expected items satisfied", c->nitems));
	else if (c->status == SMSAUDIT_GAP_NOT_ASSESSED)
		add_reason(g, cw, "nothing evaluated: no evidence linked and no self-assessment");
	c->reasons = cw->reasons;
	c->nreasons = cw->nreasons;
}

static void tally(smsaudit_gap_rollup *r, smsaudit_gap_status s)
{
	r->total++;
	switch (s) {
	case SMSAUDIT_GAP_CONFORMANT: r->conformant++; break;
	case SMSAUDIT_GAP_PARTIAL: r->partial++; break;
	case SMSAUDIT_GAP_GAP: r->gap++; break;
	default: r->not_assessed++; break;
	}
	r->readiness = ((double)r->conformant + (double)r->partial / 2) / (double)r->total;
}

static const smsaudit_clause *top_of(const smsaudit_clause *c)
{
	while (c->parent)
		c = c->parent;
	return c;
}

/* Readiness criteria. `list` collects the ids that fail a criterion. */
typedef struct {
	char text[1024];
	size_t used, count;
} idlist;

static void idlist_add(idlist *l, const char *id)
{
	l->count++;
	if (l->count > 12 || l->used >= sizeof(l->text))
		return;
	l->used += (size_t)snprintf(l->text + l->used, sizeof(l->text) - l->used, "%s%s", l->used ? ", " : "", id);
}

static const char *idlist_detail(smsaudit_gap *g, const idlist *l, const char *what)
{
	if (!l->count)
		return "";
	if (l->count > 12)
		return keep(g, "%s: %s and %zu more", what, l->text, l->count - 12);
	return keep(g, "%s: %s", what, l->text);
}

static const smsaudit_gap_item *item_by_id(const smsaudit_gap *g, const char *clause, const char *item)
{
	clause_work *cw = find_work(g, clause);
	for (size_t k = 0; cw && k < cw->pub.nitems; k++)
		if (strcmp(cw->items[k].id, item) == 0)
			return &cw->items[k];
	return NULL;
}

static void criterion(smsaudit_gap *g, int stage, const char *text, int met, const char *detail)
{
	smsaudit_gap_readiness *r = &g->stage[stage];
	smsaudit_gap_criterion *c = &g->criteria[stage][r->ncriteria++];
	c->text = text;
	c->met = met;
	c->detail = detail;
	if (!met)
		r->ready = 0;
}

static void item_criterion(smsaudit_gap *g, int stage, const char *text, const char *clause,
                           const char *const *items, size_t nitems)
{
	idlist missing = { "", 0, 0 };
	for (size_t i = 0; i < nitems; i++) {
		const smsaudit_gap_item *it = item_by_id(g, clause, items[i]);
		if (!it || !it->satisfied)
			idlist_add(&missing, items[i]);
	}
	if (missing.count)
		criterion(g, stage, text, 0, idlist_detail(g, &missing, "not satisfied"));
	else {
		const smsaudit_gap_item *it = item_by_id(g, clause, items[nitems - 1]);
		criterion(g, stage, text, 1, keep(g, "%s", it ? it->reason : ""));
	}
}

static void readiness(smsaudit_gap *g)
{
	g->stage[0].ready = g->stage[1].ready = 1;
	g->stage[0].criteria = g->criteria[0];
	g->stage[1].criteria = g->criteria[1];

	/* Stage 1: documented information. */
	idlist docs = { "", 0, 0 };
	size_t ndocs = 0;
	for (size_t i = 0; i < g->nclauses; i++)
		for (size_t k = 0; k < g->clauses[i].pub.nitems; k++) {
			const smsaudit_gap_item *it = &g->clauses[i].items[k];
			if (it->is_explicit && it->stage == SMSAUDIT_STAGE_1) {
				ndocs++;
				if (!it->satisfied)
					idlist_add(&docs, it->id);
			}
		}
	criterion(g, 0, keep(g, "all %zu items of required documented information present and valid", ndocs),
	          docs.count == 0, docs.count ? idlist_detail(g, &docs, "missing or not valid") : "");
	static const char *const ia_plan[] = { "9.2-a" }, *const ia_done[] = { "9.2-b" }, *const mr[] = { "9.3-a" };
	item_criterion(g, 0, "internal audit planned (9.2-a: programme)", "9.2", ia_plan, 1);
	item_criterion(g, 0, "internal audit performed (9.2-b: report)", "9.2", ia_done, 1);
	item_criterion(g, 0, "management review performed (9.3-a: minutes)", "9.3", mr, 1);

	/* Stage 2: implementation and effectiveness. */
	criterion(g, 1, "stage 1 criteria met", g->stage[0].ready,
	          g->stage[0].ready ? "" : "see the stage 1 verdict");
	idlist ops = { "", 0, 0 };
	size_t nops = 0;
	for (size_t i = 0; i < g->nclauses; i++) {
		if (strcmp(top_of(g->clauses[i].pub.clause)->id, "8") != 0)
			continue;
		for (size_t k = 0; k < g->clauses[i].pub.nitems; k++) {
			const smsaudit_gap_item *it = &g->clauses[i].items[k];
			if (it->kind == SMSAUDIT_KIND_RECORD && !it->any_kind) {
				nops++;
				if (!it->satisfied)
					idlist_add(&ops, it->id);
			}
		}
	}
	criterion(g, 1, keep(g, "records of operation within their period for every clause 8 process (%zu items)", nops),
	          ops.count == 0, ops.count ? idlist_detail(g, &ops, "missing, expired or too old") : "");
	item_criterion(g, 1, "at least one internal audit completed (9.2-b)", "9.2", ia_done, 1);
	item_criterion(g, 1, "at least one management review completed (9.3-a)", "9.3", mr, 1);
	idlist majors = { "", 0, 0 };
	size_t nfindings = smsaudit_findings_count(g->findings);
	for (size_t i = 0; i < nfindings; i++) {
		const smsaudit_finding *f = smsaudit_findings_at(g->findings, i);
		if (f->phase != SMSAUDIT_PHASE_CLOSED && f->grade->cls == SMSAUDIT_GRADE_MAJOR)
			idlist_add(&majors, f->number);
	}
	criterion(g, 1, "no open major nonconformity", majors.count == 0,
	          majors.count ? idlist_detail(g, &majors, "open")
	                       : keep(g, "%zu finding%s recorded, no major open", nfindings, nfindings == 1 ? "" : "s"));
}

int smsaudit_gap_compute(smsaudit_gap **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                         const smsaudit_gap_options *opts)
{
	*out = NULL;
	smsaudit_gap *g = calloc(1, sizeof(*g));
	if (!g)
		return error_oom();
	g->as_of = smsaudit_date_of(opts ? opts->as_of : smsaudit_now());
	g->verdicts_only = opts && opts->verdicts_only;
	g->problems = smsaudit_state_problem_count(st);
	size_t ncat = smsaudit_catalogue_count(cat);
	g->clauses = calloc(ncat ? ncat : 1, sizeof(*g->clauses));
	if (!g->clauses) {
		free(g);
		return error_oom();
	}
	for (size_t i = 0; i < ncat; i++) {
		const smsaudit_clause *cl = smsaudit_catalogue_at(cat, i);
		if (cl->assessable)
			g->clauses[g->nclauses++].pub.clause = cl;
	}
	if (!(g->by_id = calloc(g->nclauses ? g->nclauses : 1, sizeof(*g->by_id)))) {
		smsaudit_gap_free(g);
		return error_oom();
	}
	for (size_t i = 0; i < g->nclauses; i++)
		g->by_id[i] = &g->clauses[i];
	qsort(g->by_id, g->nclauses, sizeof(*g->by_id), cmp_work_id);
	int rc = bucket_evidence(g, st);
	if (rc < 0) {
		smsaudit_gap_free(g);
		return rc;
	}
	latest_assessments(g, st);
	if ((rc = smsaudit_findings_compute(&g->findings, st, g->as_of)) < 0) {
		smsaudit_gap_free(g);
		return rc;
	}

	/* Items: the catalogue's, plus one under 8.2.3 per process run by another party. */
	size_t nother = 0;
	for (size_t i = 0; i < g->nclauses; i++)
		nother += g->clauses[i].pub.other_party != NULL;
	for (size_t i = 0; i < g->nclauses && !g->oom; i++) {
		clause_work *cw = &g->clauses[i];
		const smsaudit_clause *cl = cw->pub.clause;
		int is_other = strcmp(cl->id, OTHER_PARTY_CLAUSE) == 0;
		size_t n = cl->nexpected + (is_other ? nother : 0);
		cw->items = calloc(n ? n : 1, sizeof(*cw->items));
		if (!cw->items) {
			g->oom = 1;
			break;
		}
		for (size_t k = 0; k < cl->nexpected; k++) {
			smsaudit_gap_item *it = &cw->items[cw->pub.nitems++];
			const smsaudit_expected *e = &cl->expected[k];
			snprintf(it->id, sizeof(it->id), "%s", e->id);
			it->kind = e->kind;
			it->is_explicit = e->is_explicit;
			it->stage = e->stage;
			it->fresh_months = e->fresh_months;
			it->what = e->what;
			evaluate_item(g, cw, it, NULL);
		}
		for (size_t j = 0; is_other && j < g->nclauses; j++) {
			const smsaudit_gap_clause *op = &g->clauses[j].pub;
			if (!op->other_party)
				continue;
			smsaudit_gap_item *it = &cw->items[cw->pub.nitems++];
			snprintf(it->id, sizeof(it->id), "%s+%s", OTHER_PARTY_CLAUSE, op->clause->id);
			it->any_kind = 1;
			it->stage = SMSAUDIT_STAGE_2;
			it->what = keep(g, "Evidence that the controls over %s, which operates %s (%s), are defined and applied.",
			                op->other_party, op->clause->id, op->clause->title);
			evaluate_item(g, cw, it, op->clause->id);
		}
		cw->pub.items = cw->items;
	}
	/* The linked evidence's copies served the items; only their count is kept. */
	for (size_t i = 0; i < g->nclauses; i++) {
		free(g->clauses[i].linked);
		g->clauses[i].linked = NULL;
		g->clauses[i].alinked = 0;
	}
	for (size_t i = 0; i < g->nclauses && !g->oom; i++) {
		decide(g, &g->clauses[i]);
		const smsaudit_clause *top = top_of(g->clauses[i].pub.clause);
		smsaudit_gap_rollup *r = NULL;
		for (size_t k = 0; k < g->nrollups; k++)
			if (g->rollups[k].clause == top)
				r = &g->rollups[k];
		if (!r && g->nrollups < sizeof(g->rollups) / sizeof(g->rollups[0])) {
			r = &g->rollups[g->nrollups++];
			r->clause = top;
		}
		if (r)
			tally(r, g->clauses[i].pub.status);
		tally(&g->overall, g->clauses[i].pub.status);
	}
	if (!g->oom)
		readiness(g);
	if (g->oom) {
		smsaudit_gap_free(g);
		return error_oom();
	}
	*out = g;
	return 0;
}
