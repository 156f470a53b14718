/*
 * The certification cycle (17021-1 §9.1.3, §9.6 as summarised in the domain
 * notes): a timeline of what is due when, and the clause coverage of the
 * cycle's surveillances and of a year's internal audits. Pure functions of
 * the policy, the audits and an as-of date: nothing here reads the clock, the
 * store or the repository, or signs. Changing the cycle in smsaudit.xml is
 * cycle_write.c's, which checks pins with the rule kept here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle_internal.h"
#include "internal.h"
#include "smsaudit/cycle.h"

#define DAY SMSAUDIT_DAY
/* A surveillance or calendar-year check is "due soon" this many days ahead. */
#define WARN_DAYS 90
/* A certification decision is "due soon" this many days before stage 2's limit. */
#define DECISION_WARN_DAYS 30

static const char *const phase_names[] = { "uncertified", "certified", "restorable", "lapsed" };
static const char *const kind_names[] = { "stage1", "stage2", "decision", "surveillance",
	                                      "year", "recertification", "expiry", "restoration" };
static const char *const item_status_names[] = { "done", "late", "planned", "open", "due-soon", "overdue", "info" };

const char *smsaudit_cycle_phase_name(smsaudit_cycle_phase p)
{
	return (unsigned)p < 4 ? phase_names[p] : "unknown";
}

const char *smsaudit_cycle_item_kind_name(smsaudit_cycle_item_kind k)
{
	return (unsigned)k < 8 ? kind_names[k] : "unknown";
}

const char *smsaudit_item_status_name(smsaudit_item_status s)
{
	return (unsigned)s < 7 ? item_status_names[s] : "unknown";
}

#define MAX_ITEMS 64

struct smsaudit_cycle {
	smsaudit_cycle_phase phase;
	time_t decision, expiry;
	int surveillances;
	smsaudit_cycle_item items[MAX_ITEMS];
	size_t n;
};

static smsaudit_cycle_item *add_item(smsaudit_cycle *c, smsaudit_cycle_item_kind kind, const smsaudit_audit *a)
{
	if (c->n == MAX_ITEMS)
		return NULL;
	smsaudit_cycle_item *it = &c->items[c->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->audit = a;
	return it;
}

static int year_of(time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* Status of something an audit must achieve by `due` (0: no due date). */
static void judge(smsaudit_cycle_item *it, time_t due, time_t warn_from, time_t as_of)
{
	const smsaudit_audit *a = it->audit;
	it->due = due;
	it->warn_from = warn_from;
	char d[11];
	if (a && a->status == SMSAUDIT_AUDIT_CONCLUDED) {
		it->done_on = a->to;
		it->status = due && a->to > due ? SMSAUDIT_ITEM_LATE : SMSAUDIT_ITEM_DONE;
		if (it->status == SMSAUDIT_ITEM_LATE) {
			smsaudit_date_format(d, due);
			snprintf(it->note, sizeof(it->note), "concluded after its due date %s", d);
		}
		return;
	}
	if (due && as_of > due) {
		it->status = SMSAUDIT_ITEM_OVERDUE;
		snprintf(it->note, sizeof(it->note), "%s", a ? "not concluded by its due date" : "not held by its due date");
		return;
	}
	if (a) {
		it->status = due && a->to > due ? SMSAUDIT_ITEM_OVERDUE : SMSAUDIT_ITEM_PLANNED;
		if (it->status == SMSAUDIT_ITEM_OVERDUE)
			snprintf(it->note, sizeof(it->note), "planned to end after its due date");
		return;
	}
	it->status = warn_from && as_of >= warn_from ? SMSAUDIT_ITEM_DUE_SOON : SMSAUDIT_ITEM_OPEN;
	snprintf(it->note, sizeof(it->note), "to plan");
}

/* The last audit of `type` matching the window [from, to] on its first day (0: open). */
static const smsaudit_audit *last_of(const smsaudit_audits *as, smsaudit_audit_type type, time_t from, time_t to)
{
	const smsaudit_audit *found = NULL;
	for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
		const smsaudit_audit *a = smsaudit_audits_at(as, i);
		if (a->plan->audit.type == type && (!from || a->from >= from) && (!to || a->from <= to))
			found = a;
	}
	return found;
}

static void initial_items(smsaudit_cycle *c, const smsaudit_sms_policy *p, const smsaudit_audits *as, time_t as_of)
{
	const smsaudit_audit *s1 = last_of(as, SMSAUDIT_AUDIT_STAGE1, 0, 0);
	const smsaudit_audit *s2 = last_of(as, SMSAUDIT_AUDIT_STAGE2, 0, 0);
	smsaudit_cycle_item *it = add_item(c, SMSAUDIT_ITEM_STAGE1, s1);
	judge(it, 0, 0, as_of);
	it = add_item(c, SMSAUDIT_ITEM_STAGE2, s2);
	judge(it, 0, 0, as_of);
	if (!s1 && s2)
		snprintf(it->note, sizeof(it->note), "no stage 1 recorded");
	it = add_item(c, SMSAUDIT_ITEM_DECISION, s2);
	if (!s2 || s2->status != SMSAUDIT_AUDIT_CONCLUDED) {
		it->status = SMSAUDIT_ITEM_OPEN;
		snprintf(it->note, sizeof(it->note), "after stage 2");
		return;
	}
	/* Majors from stage 2 must be verified, and certification decided,
	 * within N months of its last day; after that a new stage 2 is needed. */
	it->due = smsaudit_date_add_months(s2->to, p->major_after_stage2_months);
	it->warn_from = it->due - DECISION_WARN_DAYS * DAY;
	if (as_of > it->due) {
		it->status = SMSAUDIT_ITEM_OVERDUE;
		snprintf(it->note, sizeof(it->note), "more than %d months after stage 2: a new stage 2 is needed",
		         p->major_after_stage2_months);
	} else {
		it->status = as_of >= it->warn_from ? SMSAUDIT_ITEM_DUE_SOON : SMSAUDIT_ITEM_OPEN;
		snprintf(it->note, sizeof(it->note), "within %d months of stage 2, majors verified first",
		         p->major_after_stage2_months);
	}
}

static void certified_items(smsaudit_cycle *c, const smsaudit_sms_policy *p, const smsaudit_audits *as,
                            time_t as_of)
{
	time_t D = c->decision, E = c->expiry;
	char d[11];
	/* The audit the decision followed: the last stage 2 or recertification before it. */
	const smsaudit_audit *cert = NULL;
	for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
		const smsaudit_audit *a = smsaudit_audits_at(as, i);
		smsaudit_audit_type t = a->plan->audit.type;
		if ((t == SMSAUDIT_AUDIT_STAGE2 || t == SMSAUDIT_AUDIT_RECERTIFICATION) &&
		    a->status == SMSAUDIT_AUDIT_CONCLUDED && a->to <= D)
			cert = a;
	}
	smsaudit_cycle_item *it;
	if (cert && cert->plan->audit.type == SMSAUDIT_AUDIT_STAGE2) {
		const smsaudit_audit *s1 = last_of(as, SMSAUDIT_AUDIT_STAGE1, 0, cert->from);
		if (s1)
			judge(add_item(c, SMSAUDIT_ITEM_STAGE1, s1), 0, 0, as_of);
		judge(add_item(c, SMSAUDIT_ITEM_STAGE2, cert), 0, 0, as_of);
	}
	it = add_item(c, SMSAUDIT_ITEM_DECISION, cert);
	it->done_on = D;
	it->status = SMSAUDIT_ITEM_DONE;
	if (cert && cert->plan->audit.type == SMSAUDIT_AUDIT_STAGE2) {
		it->due = smsaudit_date_add_months(cert->to, p->major_after_stage2_months);
		if (D > it->due) {
			it->status = SMSAUDIT_ITEM_LATE;
			snprintf(it->note, sizeof(it->note), "decided more than %d months after stage 2",
			         p->major_after_stage2_months);
		}
	} else if (cert) {
		snprintf(it->note, sizeof(it->note), "after the recertification audit");
	}

	/* Surveillances: the k-th surveillance audit of the cycle meets the k-th slot. */
	int k = 0;
	for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
		const smsaudit_audit *a = smsaudit_audits_at(as, i);
		if (a->plan->audit.type != SMSAUDIT_AUDIT_SURVEILLANCE || a->from < D || a->from > E)
			continue;
		it = add_item(c, SMSAUDIT_ITEM_SURVEILLANCE, a);
		if (!it)
			break;
		it->number = ++k;
		if (k <= c->surveillances) {
			time_t due = smsaudit_date_add_months(D, 12 * k);
			judge(it, due, due - WARN_DAYS * DAY, as_of);
		} else {
			judge(it, 0, 0, as_of);
			snprintf(it->note, sizeof(it->note), "beyond the %d of the cycle", c->surveillances);
		}
	}
	for (k++; k <= c->surveillances; k++) {
		it = add_item(c, SMSAUDIT_ITEM_SURVEILLANCE, NULL);
		it->number = k;
		time_t due = smsaudit_date_add_months(D, 12 * k);
		judge(it, due, due - WARN_DAYS * DAY, as_of);
	}

	/* At least one surveillance every calendar year but the recertification
	 * year: shown only when a year is about to end, or ended, without one. */
	for (int y = year_of(D) + 1; y < year_of(E); y++) {
		time_t start = smsaudit_utc_mktime(y, 1, 1, 0, 0, 0), end = smsaudit_utc_mktime(y, 12, 31, 0, 0, 0);
		int held = 0;
		for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
			const smsaudit_audit *a = smsaudit_audits_at(as, i);
			if (a->plan->audit.type == SMSAUDIT_AUDIT_SURVEILLANCE && a->to >= start && a->from <= end)
				held = 1;
		}
		if (held || as_of < end - WARN_DAYS * DAY)
			continue;
		it = add_item(c, SMSAUDIT_ITEM_YEAR, NULL);
		if (!it)
			break;
		it->number = y;
		it->due = end;
		it->warn_from = end - WARN_DAYS * DAY;
		it->status = as_of > end ? SMSAUDIT_ITEM_OVERDUE : SMSAUDIT_ITEM_DUE_SOON;
		snprintf(it->note, sizeof(it->note), "no surveillance in %d", y);
	}

	/* Recertification: concluded (and decided) before the expiry; warn 6 months ahead. */
	const smsaudit_audit *re = NULL;
	for (size_t i = 0; i < smsaudit_audits_count(as) && !re; i++) {
		const smsaudit_audit *a = smsaudit_audits_at(as, i);
		if (a->plan->audit.type == SMSAUDIT_AUDIT_RECERTIFICATION && a->from > D)
			re = a;
	}
	it = add_item(c, SMSAUDIT_ITEM_RECERTIFICATION, re);
	judge(it, E, smsaudit_date_add_months(E, -6), as_of);
	if (it->status == SMSAUDIT_ITEM_PLANNED || it->status == SMSAUDIT_ITEM_OPEN ||
	    it->status == SMSAUDIT_ITEM_DUE_SOON)
		snprintf(it->note, sizeof(it->note), "%s; decided before the expiry", re ? "planned" : "to plan");
	int recert_done = it->status == SMSAUDIT_ITEM_DONE;

	it = add_item(c, SMSAUDIT_ITEM_EXPIRY, NULL);
	it->due = E;
	if (as_of <= E) {
		it->status = SMSAUDIT_ITEM_INFO;
		snprintf(it->note, sizeof(it->note), "certificate valid until then");
	} else if (recert_done) {
		it->status = SMSAUDIT_ITEM_INFO;
		snprintf(it->note, sizeof(it->note), "recertified: record the new decision (sms set-cycle)");
	} else {
		it->status = SMSAUDIT_ITEM_OVERDUE;
		snprintf(it->note, sizeof(it->note), "certificate expired");
	}
	if (as_of > E && !recert_done) {
		it = add_item(c, SMSAUDIT_ITEM_RESTORATION, NULL);
		it->due = smsaudit_date_add_months(E, 6);
		smsaudit_date_format(d, it->due);
		if (as_of <= it->due) {
			it->status = SMSAUDIT_ITEM_DUE_SOON;
			snprintf(it->note, sizeof(it->note), "restorable until %s once the recertification is completed", d);
		} else {
			it->status = SMSAUDIT_ITEM_OVERDUE;
			snprintf(it->note, sizeof(it->note), "lapsed: a new initial audit (at least stage 2) is needed");
		}
	}
}

static time_t sort_key(const smsaudit_cycle_item *it)
{
	if (it->done_on)
		return it->done_on;
	if (it->audit)
		return it->audit->to;
	return it->due;
}

int smsaudit_cycle_compute(smsaudit_cycle **out, const smsaudit_sms_policy *p, const smsaudit_audits *audits,
                           time_t as_of)
{
	*out = NULL;
	smsaudit_cycle *c = calloc(1, sizeof(*c));
	if (!c)
		return error_set(SMSAUDIT_ENOMEM, "out of memory");
	as_of = smsaudit_date_of(as_of);
	c->decision = p->certification_decision;
	if (!c->decision) {
		c->phase = SMSAUDIT_CYCLE_UNCERTIFIED;
		c->surveillances = p->surveillances ? p->surveillances : 2;
		initial_items(c, p, audits, as_of);
		*out = c;
		return 0;
	}
	c->expiry = p->certificate_expiry > c->decision ? p->certificate_expiry
	                                                : smsaudit_date_add_months(c->decision, 36) - DAY;
	c->surveillances = p->surveillances;
	for (int k = 1; !c->surveillances && k < 100; k++)
		if (smsaudit_date_add_months(c->decision, 12 * (k + 1)) > c->expiry)
			c->surveillances = k;
	if (as_of <= c->expiry)
		c->phase = SMSAUDIT_CYCLE_CERTIFIED;
	else if (as_of <= smsaudit_date_add_months(c->expiry, 6))
		c->phase = SMSAUDIT_CYCLE_RESTORABLE;
	else
		c->phase = SMSAUDIT_CYCLE_LAPSED;
	certified_items(c, p, audits, as_of);
	/* Chronological, keeping the logical order among equals (stable insertion sort). */
	for (size_t i = 1; i < c->n; i++) {
		smsaudit_cycle_item t = c->items[i];
		size_t j = i;
		time_t kt = sort_key(&t);
		while (j > 0 && kt && sort_key(&c->items[j - 1]) > kt) {
			c->items[j] = c->items[j - 1];
			j--;
		}
		c->items[j] = t;
	}
	*out = c;
	return 0;
}

void smsaudit_cycle_free(smsaudit_cycle *c)
{
	free(c);
}

smsaudit_cycle_phase smsaudit_cycle_phase_get(const smsaudit_cycle *c)
{
	return c->phase;
}

time_t smsaudit_cycle_decision(const smsaudit_cycle *c)
{
	return c->decision;
}

time_t smsaudit_cycle_expiry(const smsaudit_cycle *c)
{
	return c->expiry;
}

int smsaudit_cycle_surveillances(const smsaudit_cycle *c)
{
	return c->surveillances;
}

size_t smsaudit_cycle_count(const smsaudit_cycle *c)
{
	return c->n;
}

const smsaudit_cycle_item *smsaudit_cycle_at(const smsaudit_cycle *c, size_t i)
{
	return i < c->n ? &c->items[i] : NULL;
}

const smsaudit_cycle_item *smsaudit_cycle_next(const smsaudit_cycle *c)
{
	const smsaudit_cycle_item *best = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const smsaudit_cycle_item *it = &c->items[i];
		if (it->status == SMSAUDIT_ITEM_DONE || it->status == SMSAUDIT_ITEM_LATE || it->status == SMSAUDIT_ITEM_INFO)
			continue;
		if (!best || (it->due && (!best->due || it->due < best->due)))
			best = it;
	}
	return best;
}

/* ---------------------------------------------------------------- coverage */

static const smsaudit_mandatory_item mandatory[] = {
	{ "Internal audits and management review", "9.2 9.3" },
	{ "Actions on nonconformities from the previous audit", "10.1" },
	{ "Complaint handling", "8.3.2" },
	{ "Effectiveness in meeting objectives", "6.2 9.1" },
	{ "Progress of continual improvement", "10.2" },
	{ "Changes to scope, organisation, services and other parties", "4.3 8.2.3" },
	{ "Use of marks and references to the certificate", "" },
};

const smsaudit_mandatory_item *smsaudit_mandatory_items(size_t *n)
{
	*n = sizeof(mandatory) / sizeof(mandatory[0]);
	return mandatory;
}

static int is_mandatory(const char *id)
{
	size_t len = strlen(id);
	for (size_t i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++)
		for (const char *s = mandatory[i].clauses; *s;) {
			size_t w = strcspn(s, " ");
			if (w == len && strncmp(s, id, w) == 0)
				return 1;
			s += w;
			s += strspn(s, " ");
		}
	return 0;
}

static const smsaudit_clause *top_of(const smsaudit_clause *cl)
{
	while (cl->parent)
		cl = cl->parent;
	return cl;
}

static int is_unit(const smsaudit_clause *cl)
{
	if (strcmp(top_of(cl)->id, "8") == 0)
		return cl->depth == 3 || (cl->depth == 2 && cl->nchildren == 0);
	return cl->depth == 2;
}

/* The unit a clause belongs to (itself, or its ancestor); NULL for headings above units. */
static const smsaudit_clause *unit_of(const smsaudit_clause *cl)
{
	for (; cl; cl = cl->parent)
		if (is_unit(cl))
			return cl;
	return NULL;
}

int cycle_clause_mandatory(const smsaudit_clause *cl)
{
	const smsaudit_clause *u = unit_of(cl);
	return u && is_mandatory(u->id);
}

static int scope_names(const smsaudit_audit_body *b, const smsaudit_clause *cl)
{
	for (size_t i = 0; i < b->nclauses; i++)
		if (strcmp(b->clauses[i], cl->id) == 0)
			return 1;
	return 0;
}

static int covered_down(const smsaudit_audit_body *b, const smsaudit_clause *cl)
{
	if (scope_names(b, cl))
		return 1;
	if (cl->nchildren == 0)
		return 0;
	for (size_t i = 0; i < cl->nchildren; i++)
		if (!covered_down(b, cl->children[i]))
			return 0;
	return 1;
}

/* Does an audit's scope cover `cl`: no scope (the whole standard), `cl` or an
 * ancestor named, or every clause under it covered. */
static int scope_covers(const smsaudit_audit *a, const smsaudit_clause *cl)
{
	const smsaudit_audit_body *b = &a->plan->audit;
	if (b->nclauses == 0)
		return 1;
	for (const smsaudit_clause *up = cl->parent; up; up = up->parent)
		if (scope_names(b, up))
			return 1;
	return covered_down(b, cl);
}

#define MAX_SLOTS 31
#define MAX_WARNINGS 64

struct smsaudit_coverage {
	smsaudit_coverage_row *rows;
	size_t n;
	smsaudit_coverage_slot slots[MAX_SLOTS];
	size_t nslots;
	const smsaudit_audit *recert;
	time_t from, to;
	char *warnings[MAX_WARNINGS];
	size_t nwarnings;
};

static void warn(smsaudit_coverage *c, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);
static void warn(smsaudit_coverage *c, const char *fmt, ...)
{
	if (c->nwarnings == MAX_WARNINGS)
		return;
	char buf[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *w = strdup(buf);
	if (w)
		c->warnings[c->nwarnings++] = w;
}

static int coverage_new(smsaudit_coverage **out, const smsaudit_catalogue *cat)
{
	smsaudit_coverage *c = calloc(1, sizeof(*c));
	size_t total = smsaudit_catalogue_count(cat);
	if (c)
		c->rows = calloc(total ? total : 1, sizeof(*c->rows));
	if (!c || !c->rows) {
		free(c);
		return error_set(SMSAUDIT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < total; i++) {
		const smsaudit_clause *cl = smsaudit_catalogue_at(cat, i);
		if (!is_unit(cl))
			continue;
		smsaudit_coverage_row *r = &c->rows[c->n++];
		r->unit = cl;
		r->mandatory = is_mandatory(cl->id);
	}
	*out = c;
	return 0;
}

/* Pin a clause's units: the units under it, or the unit it lies in. */
static void apply_pin(smsaudit_coverage *c, const smsaudit_catalogue *cat, const smsaudit_rotation_pin *pin)
{
	const smsaudit_clause *cl = NULL;
	if (smsaudit_catalogue_find(&cl, cat, pin->clause) < 0) {
		warn(c, "clause %s is pinned to surveillance %d but is not in the catalogue", pin->clause,
		     pin->surveillance);
		return;
	}
	if (pin->surveillance > (int)c->nslots) {
		warn(c, "clause %s is pinned to surveillance %d, but the cycle has %zu", pin->clause, pin->surveillance,
		     c->nslots);
		return;
	}
	if (cycle_clause_mandatory(cl)) {
		warn(c, "clause %s is pinned to surveillance %d, but every surveillance covers it; the pin is ignored",
		     pin->clause, pin->surveillance);
		return;
	}
	const smsaudit_coverage_slot *s = &c->slots[pin->surveillance - 1];
	if (s->fixed) {
		warn(c, "clause %s is pinned to surveillance %d, whose scope is fixed by its plan %s", pin->clause,
		     pin->surveillance, s->audit->plan->id);
		return;
	}
	const smsaudit_clause *u = unit_of(cl);
	for (size_t i = 0; i < c->n; i++) {
		smsaudit_coverage_row *r = &c->rows[i];
		int hit = u ? r->unit == u : 0;
		for (const smsaudit_clause *up = r->unit; !u && up; up = up->parent)
			hit |= up == cl;
		if (hit && !r->mandatory) {
			r->pinned = r->proposed = pin->surveillance;
			r->covered |= 1u << (pin->surveillance - 1);
		}
	}
}

static int in_clause8(const smsaudit_clause *cl)
{
	return strcmp(top_of(cl)->id, "8") == 0;
}

static void distribute(smsaudit_coverage *c, int group, size_t nfree)
{
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++)
		m += !c->rows[i].mandatory && !c->rows[i].covered && in_clause8(c->rows[i].unit) == group;
	size_t base = m / nfree, extra = m % nfree, f = 0, done = 0, slot = 0;
	while (c->slots[slot].fixed)
		slot++;
	for (size_t i = 0; i < c->n; i++) {
		smsaudit_coverage_row *r = &c->rows[i];
		if (r->mandatory || r->covered || in_clause8(r->unit) != group)
			continue;
		size_t share = base + (group == 0 ? f < extra : f >= nfree - extra);
		while (done == share && f + 1 < nfree) {
			f++;
			done = 0;
			share = base + (group == 0 ? f < extra : f >= nfree - extra);
			for (slot++; c->slots[slot].fixed; slot++)
				;
		}
		r->proposed = (int)slot + 1;
		r->covered |= 1u << slot;
		done++;
	}
}

int smsaudit_rotation_compute(smsaudit_coverage **out, const smsaudit_catalogue *cat, const smsaudit_sms_policy *p,
                              const smsaudit_cycle *cycle, int nsurveillances)
{
	*out = NULL;
	smsaudit_coverage *c = NULL;
	int rc = coverage_new(&c, cat);
	if (rc < 0)
		return rc;
	int n = nsurveillances > 0 ? nsurveillances : smsaudit_cycle_surveillances(cycle);
	c->nslots = (size_t)(n < 1 ? 1 : n > MAX_SLOTS - 1 ? MAX_SLOTS - 1 : n);
	for (size_t i = 0; i < smsaudit_cycle_count(cycle); i++) {
		const smsaudit_cycle_item *it = smsaudit_cycle_at(cycle, i);
		if (it->kind == SMSAUDIT_ITEM_SURVEILLANCE && it->number <= (int)c->nslots) {
			smsaudit_coverage_slot *s = &c->slots[it->number - 1];
			s->audit = it->audit;
			s->due = it->due;
			s->fixed = it->audit && it->audit->plan->audit.nclauses > 0;
		}
		if (it->kind == SMSAUDIT_ITEM_RECERTIFICATION)
			c->recert = it->audit;
	}
	/* Audits already planned with a scope keep it. */
	for (size_t k = 0; k < c->nslots; k++) {
		if (!c->slots[k].fixed)
			continue;
		for (size_t i = 0; i < c->n; i++) {
			smsaudit_coverage_row *r = &c->rows[i];
			if (scope_covers(c->slots[k].audit, r->unit))
				r->covered |= 1u << k;
			else if (r->mandatory)
				warn(c, "surveillance %zu (%s) leaves out %s %s, which every surveillance covers", k + 1,
				     c->slots[k].audit->plan->id, r->unit->id, r->unit->title);
		}
	}
	size_t nfree = 0;
	unsigned free_mask = 0;
	for (size_t k = 0; k < c->nslots; k++)
		if (!c->slots[k].fixed) {
			nfree++;
			free_mask |= 1u << k;
		}
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].mandatory)
			c->rows[i].covered |= free_mask;
	for (size_t i = 0; i < p->npins; i++)
		apply_pin(c, cat, &p->pins[i]);
	/* The rest, in two groups (clause-8 processes, other clauses), each in
	 * catalogue order in even contiguous shares over the free surveillances:
	 * every surveillance samples clause 8. The larger shares of one group go
	 * to the first surveillances and of the other to the last, so totals
	 * differ by at most one. */
	for (int group = 0; group < 2 && nfree; group++)
		distribute(c, group, nfree);
	for (size_t i = 0; c->recert && i < c->n; i++)
		if (scope_covers(c->recert, c->rows[i].unit))
			c->rows[i].covered |= 1u << SMSAUDIT_COVERAGE_RECERT_BIT;
	*out = c;
	return 0;
}

int smsaudit_programme_compute(smsaudit_coverage **out, const smsaudit_catalogue *cat, const smsaudit_sms_policy *p,
                               const smsaudit_audits *audits, int year)
{
	*out = NULL;
	if (year < 1970 || year > 9999)
		return error_set(SMSAUDIT_EINVALID, "year %d is out of range", year);
	smsaudit_coverage *c = NULL;
	int rc = coverage_new(&c, cat);
	if (rc < 0)
		return rc;
	c->from = smsaudit_utc_mktime(year, 1, 1, 0, 0, 0);
	c->to = smsaudit_date_add_months(c->from, p->internal_audit_months > 0 ? p->internal_audit_months : 12) - DAY;
	for (size_t i = 0; i < smsaudit_audits_count(audits); i++) {
		const smsaudit_audit *a = smsaudit_audits_at(audits, i);
		if (a->plan->audit.type != SMSAUDIT_AUDIT_INTERNAL || a->from < c->from || a->from > c->to)
			continue;
		if (c->nslots == MAX_SLOTS) {
			warn(c, "more than %d internal audits in the window; %s and later are not counted", MAX_SLOTS,
			     a->plan->id);
			break;
		}
		smsaudit_coverage_slot *s = &c->slots[c->nslots];
		s->audit = a;
		s->fixed = 1;
		for (size_t r = 0; r < c->n; r++)
			if (scope_covers(a, c->rows[r].unit))
				c->rows[r].covered |= 1u << c->nslots;
		c->nslots++;
	}
	*out = c;
	return 0;
}

void smsaudit_coverage_free(smsaudit_coverage *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->rows);
	free(c);
}

size_t smsaudit_coverage_count(const smsaudit_coverage *c)
{
	return c->n;
}

const smsaudit_coverage_row *smsaudit_coverage_at(const smsaudit_coverage *c, size_t i)
{
	return i < c->n ? &c->rows[i] : NULL;
}

size_t smsaudit_coverage_slots(const smsaudit_coverage *c)
{
	return c->nslots;
}

const smsaudit_coverage_slot *smsaudit_coverage_slot_at(const smsaudit_coverage *c, size_t i)
{
	return i < c->nslots ? &c->slots[i] : NULL;
}

size_t smsaudit_coverage_holes(const smsaudit_coverage *c)
{
	size_t h = 0;
	for (size_t i = 0; i < c->n; i++)
		h += c->rows[i].covered == 0;
	return h;
}

void smsaudit_coverage_window(const smsaudit_coverage *c, time_t *from, time_t *to)
{
	*from = c->from;
	*to = c->to;
}

const char *smsaudit_coverage_warning(const smsaudit_coverage *c, size_t i)
{
	return i < c->nwarnings ? c->warnings[i] : NULL;
}
