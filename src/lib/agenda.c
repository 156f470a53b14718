/*
 * The agenda: every dated thing of the SMS, with the people responsible, and
 * its iCalendar form (libical). Dates and statuses come from the analyses
 * that hold their rules (audits, cycle, programme, findings' deadlines, the
 * gap analysis' freshness, status' expiry rule); this file lays them out.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "internal.h"
#include "smsaudit/agenda.h"
#include "smsaudit/audit.h"
#include "smsaudit/cycle.h"
#include "smsaudit/gap.h"
#include "smsaudit/status.h"

#define DAY SMSAUDIT_DAY
#define MAX_DEADLINES 64

struct smsaudit_agenda {
	time_t as_of;
	int window;
	const smsaudit_state *st;
	char domain[40];             /* "<first 12 hex of the root commit>.smsaudit": UIDs of one repository */
	smsaudit_agenda_item *items;
	size_t n, a;
	void **pool;                 /* strings and people arrays the items point into */
	size_t npool, apool;
	const char **qms;            /* the quality managers' emails */
	size_t nqms;
	/* Counts of the signed records that can move dates, up to the as-of day:
	 * an item's SEQUENCE is the sum of those that bear on it, so it only grows. */
	unsigned sms_versions;       /* SMS descriptions (the decision, expiry, policy) */
	unsigned audit_records;      /* audit plans, starts and conclusions */
	unsigned evidence_changes;   /* supersessions and withdrawals */
	smsaudit_findings *fs;
	smsaudit_audits *as;
	smsaudit_cycle *cy;
	smsaudit_coverage *prog;
	smsaudit_gap *gap;
};

static const char *const kind_names[] = { "audit", "cycle", "programme", "deadline", "expiry", "renewal",
	                                      "certificate" };

const char *smsaudit_agenda_kind_name(smsaudit_agenda_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

void smsaudit_agenda_free(smsaudit_agenda *ag)
{
	if (!ag)
		return;
	for (size_t i = 0; i < ag->npool; i++)
		free(ag->pool[i]);
	free(ag->pool);
	free(ag->items);
	free(ag->qms);
	smsaudit_findings_free(ag->fs);
	smsaudit_cycle_free(ag->cy);
	smsaudit_coverage_free(ag->prog);
	smsaudit_audits_free(ag->as);
	smsaudit_gap_free(ag->gap);
	free(ag);
}

size_t smsaudit_agenda_count(const smsaudit_agenda *ag) { return ag->n; }
time_t smsaudit_agenda_as_of(const smsaudit_agenda *ag) { return ag->as_of; }

const smsaudit_agenda_item *smsaudit_agenda_at(const smsaudit_agenda *ag, size_t i)
{
	return i < ag->n ? &ag->items[i] : NULL;
}

const char *smsaudit_agenda_person_name(const smsaudit_agenda *ag, const char *email)
{
	const char *name = NULL;
	for (size_t i = 0; email && i < smsaudit_state_person_count(ag->st); i++) {
		const smsaudit_person_entry *p = smsaudit_state_person_at(ag->st, i);
		if (p->valid && strcmp(p->record->person.email, email) == 0)
			name = p->record->person.name;
	}
	return name;
}

/* ---- building ---- */

static int pool_keep(smsaudit_agenda *ag, void *p)
{
	if (!p)
		return error_oom();
	if (ag->npool == ag->apool) {
		size_t na = ag->apool ? ag->apool * 2 : 64;
		void **np = realloc(ag->pool, na * sizeof(*np));
		if (!np) {
			free(p);
			return error_oom();
		}
		ag->pool = np;
		ag->apool = na;
	}
	ag->pool[ag->npool++] = p;
	return 0;
}

static const char *pool_printf(smsaudit_agenda *ag, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);
static const char *pool_printf(smsaudit_agenda *ag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[1];
	va_list cp;
	va_copy(cp, ap);
	int len = vsnprintf(tmp, sizeof(tmp), fmt, cp);
	va_end(cp);
	char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (s)
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return pool_keep(ag, s) < 0 ? NULL : s;
}

/* The people of one item: no repeats, no empty addresses. */
typedef struct {
	const char *v[64];
	size_t n;
} people;

static void people_add(people *p, const char *email)
{
	if (!email || !*email || p->n == sizeof(p->v) / sizeof(p->v[0]))
		return;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i], email) == 0)
			return;
	p->v[p->n++] = email;
}

static void people_qms(people *p, const smsaudit_agenda *ag)
{
	for (size_t i = 0; i < ag->nqms; i++)
		people_add(p, ag->qms[i]);
}

typedef struct {
	smsaudit_agenda_kind kind;
	unsigned sequence;
	time_t from, to;
	const char *summary, *description, *location;
	int cancelled;
	smsaudit_due_status due;
} item_in;

static int add(smsaudit_agenda *ag, const item_in *in, const people *p, const char *uid_fmt, ...)
	SMSAUDIT_PRINTF(4, 5);
static int add(smsaudit_agenda *ag, const item_in *in, const people *p, const char *uid_fmt, ...)
{
	if (!in->summary || !in->description)
		return SMSAUDIT_ENOMEM;
	if (ag->n == ag->a) {
		size_t na = ag->a ? ag->a * 2 : 32;
		smsaudit_agenda_item *ni = realloc(ag->items, na * sizeof(*ni));
		if (!ni)
			return error_oom();
		ag->items = ni;
		ag->a = na;
	}
	smsaudit_agenda_item *it = &ag->items[ag->n];
	memset(it, 0, sizeof(*it));
	va_list ap;
	va_start(ap, uid_fmt);
	char local[96];
	vsnprintf(local, sizeof(local), uid_fmt, ap);
	va_end(ap);
	snprintf(it->uid, sizeof(it->uid), "%s@%s", local, ag->domain);
	it->kind = in->kind;
	it->sequence = in->sequence;
	it->from = smsaudit_date_of(in->from);
	it->to = smsaudit_date_of(in->to && in->to > in->from ? in->to : in->from);
	it->summary = in->summary;
	it->description = in->description;
	it->location = in->location;
	it->cancelled = in->cancelled;
	it->due = in->due;
	if (p && p->n) {
		const char **v = malloc(p->n * sizeof(*v));
		if (pool_keep(ag, v) < 0)
			return SMSAUDIT_ENOMEM;
		memcpy(v, p->v, p->n * sizeof(*v));
		it->people = v;
		it->npeople = p->n;
	}
	ag->n++;
	return 0;
}

/* Not done, by a date: the findings' rule for a deadline (overdue from the
 * day after, due soon from `window` days before), so that every view agrees. */
static smsaudit_due_status by_date(const smsaudit_agenda *ag, time_t day)
{
	smsaudit_deadline d;
	memset(&d, 0, sizeof(d));
	d.due = day;
	return smsaudit_deadline_status(&d, ag->as_of, ag->window);
}

static void join(char *buf, size_t size, char *const *v, size_t n, const char *sep)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? sep : "", v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static unsigned audit_events(const smsaudit_audit *au)
{
	return au ? (unsigned)(au->started != NULL) + (unsigned)(au->concluded != NULL) +
	                    (unsigned)(au->rescheduled != NULL) + (unsigned)(au->cancelled != NULL)
	          : 0;
}

/* The audits in effect, then the cancelled ones: a cancelled audit stays in
 * the calendar under its UID, CANCELLED with a higher SEQUENCE, so that a
 * calendar that had it takes it out rather than keeping it for ever. */
static int audits_add(smsaudit_agenda *ag)
{
	size_t live = smsaudit_audits_count(ag->as);
	for (size_t i = 0; i < live + smsaudit_audits_cancelled_count(ag->as); i++) {
		const smsaudit_audit *au =
			i < live ? smsaudit_audits_at(ag->as, i) : smsaudit_audits_cancelled_at(ag->as, i - live);
		const smsaudit_audit_body *b = &au->plan->audit;
		char team[600], scope[600], sites[400], f[11], t[11];
		join(team, sizeof(team), b->team, b->nteam, ", ");
		join(scope, sizeof(scope), b->clauses, b->nclauses, " ");
		join(sites, sizeof(sites), b->sites, b->nsites, ", ");
		smsaudit_date_format(f, au->from);
		smsaudit_date_format(t, au->to);
		people p = { .n = 0 };
		people_add(&p, b->lead);
		for (size_t k = 0; k < b->nteam; k++)
			people_add(&p, b->team[k]);
		people_qms(&p, ag);
		item_in in = { .kind = SMSAUDIT_AGENDA_AUDIT, .sequence = audit_events(au), .from = au->from, .to = au->to };
		in.summary = pool_printf(ag, "%s audit (%s)", smsaudit_audit_type_name(b->type), b->body);
		in.description = pool_printf(ag, "Audit %s, %s..%s, %s.\nLead: %s%s%s\nScope: %s\nSites: %s",
		                             au->plan->id, f, t, smsaudit_audit_status_name(au->status), b->lead,
		                             *team ? "; team: " : "", team, *scope ? scope : "the whole standard",
		                             *sites ? sites : "-");
		in.location = *sites ? pool_printf(ag, "%s", sites) : NULL;
		if (*sites && !in.location)
			return SMSAUDIT_ENOMEM;
		/* Concluding is what is due: after the last day, it is overdue; on
		 * its days it is due now; before, due soon from the window. */
		in.cancelled = au->cancelled != NULL;
		if (au->status == SMSAUDIT_AUDIT_CONCLUDED || in.cancelled)
			in.due = SMSAUDIT_DUE_MET;
		else if (by_date(ag, au->to) == SMSAUDIT_DUE_OVERDUE)
			in.due = SMSAUDIT_DUE_OVERDUE;
		else
			in.due = by_date(ag, au->from) == SMSAUDIT_DUE_PENDING ? SMSAUDIT_DUE_PENDING : SMSAUDIT_DUE_SOON;
		int rc = add(ag, &in, &p, "%s", au->plan->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *item_title(char *buf, size_t size, const smsaudit_cycle_item *it)
{
	switch (it->kind) {
	case SMSAUDIT_ITEM_STAGE1: snprintf(buf, size, "Stage 1 audit due"); break;
	case SMSAUDIT_ITEM_STAGE2: snprintf(buf, size, "Stage 2 audit due"); break;
	case SMSAUDIT_ITEM_DECISION: snprintf(buf, size, "Certification decision due"); break;
	case SMSAUDIT_ITEM_SURVEILLANCE: snprintf(buf, size, "Surveillance %d due", it->number); break;
	case SMSAUDIT_ITEM_YEAR: snprintf(buf, size, "A surveillance in %d due", it->number); break;
	case SMSAUDIT_ITEM_RECERTIFICATION: snprintf(buf, size, "Recertification audit due"); break;
	case SMSAUDIT_ITEM_EXPIRY: snprintf(buf, size, "Certificate expires"); break;
	case SMSAUDIT_ITEM_RESTORATION: snprintf(buf, size, "Last day to restore the certificate"); break;
	}
	return buf;
}

static int cycle_add(smsaudit_agenda *ag)
{
	/* The cycle the decision started keys its items, so a new cycle's
	 * items are new events and an old cycle's stay as they were. */
	char key[16] = "initial";
	if (smsaudit_cycle_decision(ag->cy)) {
		char d[11];
		smsaudit_date_format(d, smsaudit_cycle_decision(ag->cy));
		snprintf(key, sizeof(key), "%.4s%.2s%.2s", d, d + 5, d + 8);
	}
	for (size_t i = 0; i < smsaudit_cycle_count(ag->cy); i++) {
		const smsaudit_cycle_item *it = smsaudit_cycle_at(ag->cy, i);
		if (!it->due)
			continue;
		char title[80], due[11];
		item_title(title, sizeof(title), it);
		smsaudit_date_format(due, it->due);
		people p = { .n = 0 };
		people_qms(&p, ag);
		item_in in = { .kind = SMSAUDIT_AGENDA_CYCLE, .sequence = ag->sms_versions + ag->audit_records,
		               .from = it->due, .to = it->due };
		in.summary = pool_printf(ag, "%s", title);
		char window[40] = "";
		if (it->warn_from) {
			char w[11];
			smsaudit_date_format(w, it->warn_from);
			snprintf(window, sizeof(window), " (due soon from %s)", w);
		}
		in.description = pool_printf(ag, "%s by %s%s: %s.%s%s%s%s", title, due, window,
		                             smsaudit_item_status_name(it->status), it->audit ? " Audit " : "",
		                             it->audit ? it->audit->plan->id : "", *it->note ? "\n" : "", it->note);
		switch (it->status) {
		case SMSAUDIT_ITEM_DONE:
		case SMSAUDIT_ITEM_LATE: in.due = SMSAUDIT_DUE_MET; break;
		case SMSAUDIT_ITEM_OVERDUE: in.due = SMSAUDIT_DUE_OVERDUE; break;
		case SMSAUDIT_ITEM_DUE_SOON: in.due = SMSAUDIT_DUE_SOON; break;
		default: in.due = by_date(ag, it->due) == SMSAUDIT_DUE_SOON ? SMSAUDIT_DUE_SOON : SMSAUDIT_DUE_PENDING; break;
		}
		int rc = add(ag, &in, &p, "cycle-%s-%s-%d", key, smsaudit_cycle_item_kind_name(it->kind),
		             it->number);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int programme_add(smsaudit_agenda *ag, int year)
{
	time_t from, to;
	smsaudit_coverage_window(ag->prog, &from, &to);
	size_t holes = smsaudit_coverage_holes(ag->prog), slots = smsaudit_coverage_slots(ag->prog);
	char f[11], t[11];
	smsaudit_date_format(f, from);
	smsaudit_date_format(t, to);
	people p = { .n = 0 };
	people_qms(&p, ag);
	item_in in = { .kind = SMSAUDIT_AGENDA_PROGRAMME, .sequence = ag->sms_versions + ag->audit_records, .from = to,
	               .to = to };
	in.summary = pool_printf(ag, "Internal audit programme %d ends", year);
	in.description = pool_printf(ag, "Internal audit programme %s..%s: %zu internal audit%s; %zu clause%s not "
	                             "covered yet (smsaudit audit programme --year %d).", f, t, slots,
	                             slots == 1 ? "" : "s", holes, holes == 1 ? "" : "s", year);
	in.due = holes ? by_date(ag, to) : SMSAUDIT_DUE_MET;
	return add(ag, &in, &p, "programme-%d", year);
}

static int deadlines_add(smsaudit_agenda *ag)
{
	const smsaudit_sms_policy *pol = smsaudit_state_policy(ag->st);
	for (size_t i = 0; i < smsaudit_findings_count(ag->fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(ag->fs, i);
		smsaudit_deadline dl[MAX_DEADLINES];
		size_t n = smsaudit_finding_deadlines(dl, MAX_DEADLINES, f, pol);
		char statement[160];
		snprintf(statement, sizeof(statement), "%s", f->record->finding.statement);
		statement[strcspn(statement, "\r\n")] = '\0';
		unsigned own = 0;
		for (size_t k = 0; k < n; k++) {
			const smsaudit_deadline *d = &dl[k];
			unsigned index = d->action ? 0 : own++;
			if (!d->due)
				continue;
			people p = { .n = 0 };
			for (size_t a = 0; d->action && a < f->nactions; a++)
				if (f->actions[a].number == d->action)
					people_add(&p, f->actions[a].action->owner);
			people_qms(&p, ag);
			/* Steps move a finding's deadlines; audits and the decision move
			 * "at the next audit" and "before the decision". */
			item_in in = { .kind = SMSAUDIT_AGENDA_DEADLINE,
			               .sequence = (unsigned)f->nsteps + ag->audit_records + ag->sms_versions, .from = d->due,
			               .to = d->due };
			in.summary = pool_printf(ag, "%s: %s", f->number, d->what);
			in.description = pool_printf(ag, "%s (%s, %s): %s\nDeadline: %s.", f->number, f->grade->id,
			                             smsaudit_finding_phase_name(f->phase), statement, d->what);
			in.due = smsaudit_deadline_status(d, ag->as_of, ag->window);
			int rc = d->action ? add(ag, &in, &p, "%s-a%u", f->record->id, d->action)
			                   : add(ag, &in, &p, "%s-d%u", f->record->id, index + 1);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int evidence_add(smsaudit_agenda *ag)
{
	time_t day_end = smsaudit_day_end(ag->as_of);
	for (size_t i = 0; i < smsaudit_state_evidence_count(ag->st); i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(ag->st, i);
		const smsaudit_evidence_body *b = &e->record->evidence;
		if (!e->valid || !b->valid_until || e->record->made_at > day_end)
			continue;
		int gone = e->status != SMSAUDIT_EV_ACTIVE && e->changed_at <= day_end;
		people p = { .n = 0 };
		people_add(&p, e->record->made_by);
		item_in in = { .kind = SMSAUDIT_AGENDA_EXPIRY, .sequence = gone ? 1 : 0, .from = b->valid_until,
		               .to = b->valid_until, .cancelled = gone };
		in.summary = pool_printf(ag, "Evidence expires: %s", b->title);
		in.description = pool_printf(ag, "Last valid day of %s (%s, %s), collected by %s.%s", e->record->id,
		                             smsaudit_evidence_kind_name(b->kind), b->ncontrols ? b->controls[0] : "",
		                             e->record->made_by,
		                             gone ? (e->status == SMSAUDIT_EV_WITHDRAWN ? " Withdrawn." : " Superseded.") : "");
		if (gone)
			in.due = SMSAUDIT_DUE_MET;
		else if (smsaudit_status_is_expiring(NULL, e, ag->as_of, ag->window))
			in.due = SMSAUDIT_DUE_SOON;
		else
			in.due = b->valid_until < ag->as_of ? SMSAUDIT_DUE_OVERDUE : SMSAUDIT_DUE_PENDING;
		int rc = add(ag, &in, &p, "%s-expiry", e->record->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int renewals_add(smsaudit_agenda *ag)
{
	for (size_t i = 0; i < smsaudit_gap_clause_count(ag->gap); i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(ag->gap, i);
		for (size_t k = 0; k < c->nitems; k++) {
			const smsaudit_gap_item *it = &c->items[k];
			if (!it->satisfied || it->fresh_months <= 0)
				continue;
			time_t last = smsaudit_gap_item_counts_until(it);
			if (!last)
				continue;
			people p = { .n = 0 };
			for (size_t m = 0; m < it->ncandidates; m++)
				if (it->candidates[m].verdict == SMSAUDIT_CAND_OK)
					people_add(&p, it->candidates[m].evidence->record->made_by);
			char d[11];
			smsaudit_date_format(d, last);
			item_in in = { .kind = SMSAUDIT_AGENDA_RENEWAL,
			               .sequence = (unsigned)it->ncandidates + ag->evidence_changes, .from = last,
			               .to = last };
			in.summary = pool_printf(ag, "New record needed: %s %s", c->clause->id, c->clause->title);
			in.description = pool_printf(ag, "%s (%s): the records that count now stop counting after %s; a "
			                             "record of a more recent period is needed by then.", it->id, it->what, d);
			in.due = by_date(ag, last);
			int rc = add(ag, &in, &p, "%s-renewal", it->id);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int people_collect(smsaudit_agenda *ag)
{
	size_t n = smsaudit_state_person_count(ag->st);
	if (!(ag->qms = calloc(n ? n : 1, sizeof(*ag->qms))))
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(ag->st, i);
		const smsaudit_person_body *b = &pe->record->person;
		if (!pe->valid || !pe->current || pe->revoked_at)
			continue;
		if (b->roles & SMSAUDIT_ROLE_QUALITY_MANAGER)
			ag->qms[ag->nqms++] = b->email;
		if (!b->valid_until)
			continue;
		people p = { .n = 0 };
		people_add(&p, b->email);
		people_qms(&p, ag);
		item_in in = { .kind = SMSAUDIT_AGENDA_CERTIFICATE, .from = b->valid_until, .to = b->valid_until };
		in.summary = pool_printf(ag, "Signing certificate of %s expires", b->name);
		in.description = pool_printf(ag, "The certificate %s (%s) signs with ends; a quality manager grants a "
		                             "new one (smsaudit person add).", b->name, b->email);
		in.due = by_date(ag, smsaudit_date_of(b->valid_until));
		int rc = add(ag, &in, &p, "%s-certificate", pe->record->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int cmp_item(const void *x, const void *y)
{
	const smsaudit_agenda_item *a = x, *b = y;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return strcmp(a->uid, b->uid);
}

int smsaudit_agenda_compute(smsaudit_agenda **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                            time_t as_of, int window_days)
{
	*out = NULL;
	if (!cat || !st)
		return error_set(SMSAUDIT_EINVALID, "agenda: no catalogue or state");
	if (window_days < 0 || window_days > 3650)
		return error_set(SMSAUDIT_EINVALID, "the window is %d days; it must be 0 to 3650", window_days);
	smsaudit_agenda *ag = calloc(1, sizeof(*ag));
	if (!ag)
		return error_oom();
	ag->as_of = smsaudit_date_of(as_of);
	ag->window = window_days;
	ag->st = st;
	char root[41];
	smsaudit_oid_fmt(root, smsaudit_state_root(st));
	snprintf(ag->domain, sizeof(ag->domain), "%.12s.smsaudit", root);
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry re;
		smsaudit_state_record_at(&re, st, i);
		if (!re.valid || !re.record || re.record->made_at > smsaudit_day_end(ag->as_of))
			continue;
		switch (re.record->type) {
		case SMSAUDIT_REC_SMS: ag->sms_versions++; break;
		case SMSAUDIT_REC_AUDIT: ag->audit_records++; break;
		case SMSAUDIT_REC_SUPERSEDE:
		case SMSAUDIT_REC_WITHDRAW: ag->evidence_changes++; break;
		default: break;
		}
	}
	const smsaudit_sms_policy *pol = smsaudit_state_policy(st);
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = ag->as_of;
	struct tm tm;
	time_t t = ag->as_of;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	int rc;
	if ((rc = people_collect(ag)) < 0 || (rc = smsaudit_audits_compute(&ag->as, st, ag->as_of)) < 0 ||
	    (rc = smsaudit_findings_compute(&ag->fs, st, ag->as_of)) < 0 ||
	    (rc = smsaudit_gap_compute(&ag->gap, cat, st, &go)) < 0 || (rc = audits_add(ag)) < 0 ||
	    (rc = deadlines_add(ag)) < 0 || (rc = evidence_add(ag)) < 0 || (rc = renewals_add(ag)) < 0)
		goto fail;
	/* The cycle and the programme need a policy that can be computed; a
	 * description without a cycle just has no such items. */
	if (smsaudit_cycle_compute(&ag->cy, pol, ag->as, ag->as_of) == 0) {
		if ((rc = cycle_add(ag)) < 0)
			goto fail;
	} else {
		smsaudit_error_clear();
	}
	if (smsaudit_programme_compute(&ag->prog, cat, pol, ag->as, year) == 0) {
		if ((rc = programme_add(ag, year)) < 0)
			goto fail;
	} else {
		smsaudit_error_clear();
	}
	if (ag->n > 1)
		qsort(ag->items, ag->n, sizeof(*ag->items), cmp_item);
	*out = ag;
	return 0;
fail:
	smsaudit_agenda_free(ag);
	return rc;
}

/* ---- iCalendar ---- */

static struct icaltimetype ical_date(time_t t)
{
	return icaltime_from_timet_with_zone(smsaudit_date_of(t), 1, icaltimezone_get_utc_timezone());
}

int smsaudit_agenda_ics(smsaudit_buf *out, const smsaudit_agenda *ag, const char *name, time_t stamp)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	if (!cal)
		return error_oom();
	char prodid[80];
	snprintf(prodid, sizeof(prodid), "-//smsaudit//smsaudit %s//EN", smsaudit_version());
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(prodid));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	if (name && *name) {
		icalproperty *x = icalproperty_new_x(name);
		icalproperty_set_x_name(x, "X-WR-CALNAME");
		icalcomponent_add_property(cal, x);
	}
	struct icaltimetype dtstamp = icaltime_from_timet_with_zone(stamp, 0, icaltimezone_get_utc_timezone());
	for (size_t i = 0; i < ag->n; i++) {
		const smsaudit_agenda_item *it = &ag->items[i];
		icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
		icalcomponent_add_property(ev, icalproperty_new_uid(it->uid));
		icalcomponent_add_property(ev, icalproperty_new_dtstamp(dtstamp));
		icalcomponent_add_property(ev, icalproperty_new_sequence((int)it->sequence));
		icalcomponent_add_property(ev, icalproperty_new_dtstart(ical_date(it->from)));
		/* All-day events end the day after their last day (RFC 5545 3.6.1). */
		icalcomponent_add_property(ev, icalproperty_new_dtend(ical_date(it->to + DAY)));
		icalcomponent_add_property(ev, icalproperty_new_summary(it->summary));
		smsaudit_buf d = SMSAUDIT_BUF_INIT;
		int rc = buf_puts(&d, it->description);
		if (rc == 0 && it->npeople) {
			rc = buf_puts(&d, "\nResponsible: ");
			for (size_t k = 0; rc == 0 && k < it->npeople; k++) {
				const char *nm = smsaudit_agenda_person_name(ag, it->people[k]);
				rc = nm ? buf_printf(&d, "%s%s <%s>", k ? ", " : "", nm, it->people[k])
				        : buf_printf(&d, "%s%s", k ? ", " : "", it->people[k]);
			}
		}
		if (rc < 0) {
			smsaudit_buf_dispose(&d);
			icalcomponent_free(ev);
			icalcomponent_free(cal);
			return rc;
		}
		icalcomponent_add_property(ev, icalproperty_new_description(d.ptr));
		smsaudit_buf_dispose(&d);
		if (it->location)
			icalcomponent_add_property(ev, icalproperty_new_location(it->location));
		icalcomponent_add_property(ev, icalproperty_new_categories(smsaudit_agenda_kind_name(it->kind)));
		icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
		icalcomponent_add_property(ev, icalproperty_new_status(it->cancelled ? ICAL_STATUS_CANCELLED
		                                                                   : ICAL_STATUS_CONFIRMED));
		icalcomponent_add_component(cal, ev);
	}
	char *s = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	if (!s)
		return error_set(SMSAUDIT_ERROR, "calendar: libical could not write the calendar (%s)",
		                 icalerror_strerror(icalerrno));
	int rc = buf_puts(out, s);
	icalmemory_free_buffer(s);
	return rc;
}
