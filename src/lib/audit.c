/*
 * Audits: one replay of their rules, used by verify over the history and by
 * the writers (audit_write.c) over the history plus the new record (as for
 * findings). Pure: the rules read the state, never the repository.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_internal.h"
#include "store_internal.h"

static const char *const status_names[] = { "planned", "in-progress", "concluded", "cancelled" };

const char *smsaudit_audit_status_name(smsaudit_audit_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "unknown";
}

/* a[0..n) the audits in effect, a[n..n+ncancelled) the cancelled ones. */
struct smsaudit_audits {
	smsaudit_audit *a;
	size_t n, cap, ncancelled;
};

typedef struct {
	const smsaudit_state *st;
	const smsaudit_catalogue *cat;
	char msg[512];
} audit_env;

static int reject(audit_env *env, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

static int reject(audit_env *env, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(env->msg, sizeof(env->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static smsaudit_audit *by_id(smsaudit_audits *as, const char *id)
{
	for (size_t i = 0; i < as->n; i++)
		if (strcmp(as->a[i].plan->id, id) == 0)
			return &as->a[i];
	return NULL;
}

static int on_audit(const smsaudit_audit_body *b, const char *email)
{
	if (strcmp(b->lead, email) == 0)
		return 1;
	for (size_t i = 0; i < b->nteam; i++)
		if (strcmp(b->team[i], email) == 0)
			return 1;
	return 0;
}

/* The planned dates `b` gives audit `a` (of type `type`) are consistent with
 * the other audits and the cycle; 0 or a rejection. */
static int check_dates(audit_env *env, const smsaudit_audits *as, const smsaudit_audit *self, smsaudit_audit_type type,
                       time_t from, time_t to)
{
	char d1[11], d2[11];
	if (to < from)
		return reject(env, "the %s audit is planned to end before it starts", smsaudit_audit_type_name(type));
	for (size_t i = 0; i < as->n; i++) {
		const smsaudit_audit *o = &as->a[i];
		if (o == self || o->cancelled)
			continue;
		if (type == SMSAUDIT_AUDIT_STAGE2 && o->plan->audit.type == SMSAUDIT_AUDIT_STAGE1 && from <= o->to) {
			smsaudit_date_format(d1, from);
			smsaudit_date_format(d2, o->to);
			return reject(env, "stage 2 planned to start %s, before stage 1 (%s) has ended (%s)", d1, o->plan->id, d2);
		}
		if (self && type == SMSAUDIT_AUDIT_STAGE1 && o->plan->audit.type == SMSAUDIT_AUDIT_STAGE2 && to >= o->from) {
			smsaudit_date_format(d1, to);
			smsaudit_date_format(d2, o->from);
			return reject(env, "stage 1 planned to end %s, not before stage 2 (%s) starts (%s)", d1, o->plan->id, d2);
		}
	}
	const smsaudit_sms_policy *p = smsaudit_state_policy(env->st);
	if (type == SMSAUDIT_AUDIT_SURVEILLANCE && p->certificate_expiry && from >= p->certificate_expiry) {
		smsaudit_date_format(d1, from);
		smsaudit_date_format(d2, p->certificate_expiry);
		return reject(env, "a surveillance planned for %s is after the certificate expires (%s): plan a "
		              "recertification", d1, d2);
	}
	return 0;
}

/* A cancellation or a rescheduling of audit `a` (planned, not concluded, not cancelled). */
static int apply_correction(audit_env *env, smsaudit_audits *as, smsaudit_audit *a, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_audit_body *b = &r->audit;
	int cancel = b->event == SMSAUDIT_AUDIT_CANCEL;
	if (!(ev->signer_roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
		return reject(env, "audit %s is %s by a quality manager; %s is not one", b->audit,
		              cancel ? "cancelled" : "rescheduled", ev->signer_email);
	if (cancel) {
		a->cancelled = r;
		return 0;
	}
	if (a->started)
		return reject(env, "audit %s has started (%s); it can no longer be rescheduled", b->audit, a->started->id);
	if (check_dates(env, as, a, a->plan->audit.type, b->planned_from, b->planned_to) < 0)
		return -1;
	a->rescheduled = r;
	a->from = a->planned_from = b->planned_from;
	a->to = a->planned_to = b->planned_to;
	return 0;
}

static int apply(audit_env *env, smsaudit_audits *as, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_audit_body *b = &r->audit;
	if (b->event == SMSAUDIT_AUDIT_PLAN) {
		if (!(ev->signer_roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
			return reject(env, "an audit is planned by a quality manager; %s is not one", ev->signer_email);
		for (size_t i = 0; env->cat && i < b->nclauses; i++) {
			const smsaudit_clause *cl = NULL;
			if (smsaudit_catalogue_find(&cl, env->cat, b->clauses[i]) < 0)
				return reject(env, "the audit's scope names clause '%s', which is not in the catalogue", b->clauses[i]);
		}
		if (check_dates(env, as, NULL, b->type, b->planned_from, b->planned_to) < 0)
			return -1;
		if (by_id(as, r->id))
			return reject(env, "audit %s is recorded twice", r->id);
		if (as->n == as->cap) {
			size_t n = as->cap ? as->cap * 2 : 8;
			smsaudit_audit *na = realloc(as->a, n * sizeof(*na));
			if (!na)
				return reject(env, "out of memory");
			as->a = na;
			as->cap = n;
		}
		smsaudit_audit *a = &as->a[as->n++];
		memset(a, 0, sizeof(*a));
		a->plan = r;
		a->from = a->planned_from = b->planned_from;
		a->to = a->planned_to = b->planned_to;
		return 0;
	}
	smsaudit_audit *a = by_id(as, b->audit);
	static const char *const verbs[] = { "plans", "starts", "concludes", "cancels", "reschedules" };
	const char *what = (unsigned)b->event < 5 ? verbs[b->event] : "names";
	if (!a)
		return reject(env, "%s audit %s, which is not a planned audit", what, b->audit);
	const smsaudit_audit_body *pb = &a->plan->audit;
	if (a->cancelled)
		return reject(env, "%s audit %s, which was cancelled (%s)", what, b->audit, a->cancelled->id);
	if (a->concluded)
		return reject(env, "audit %s is already concluded (%s)", b->audit, a->concluded->id);
	if (b->event == SMSAUDIT_AUDIT_CANCEL || b->event == SMSAUDIT_AUDIT_RESCHEDULE)
		return apply_correction(env, as, a, ev);
	if (b->event == SMSAUDIT_AUDIT_START) {
		if (a->started)
			return reject(env, "audit %s is already started (%s)", b->audit, a->started->id);
		if (!(ev->signer_roles & SMSAUDIT_ROLE_QUALITY_MANAGER) && !on_audit(pb, ev->signer_email))
			return reject(env, "audit %s is started by a quality manager or an auditor on it; %s is neither", b->audit,
			              ev->signer_email);
		a->started = r;
		a->from = b->actual_from;
		return 0;
	}
	unsigned need = pb->type == SMSAUDIT_AUDIT_INTERNAL ? SMSAUDIT_ROLE_INTERNAL_AUDITOR : SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	if (!on_audit(pb, ev->signer_email))
		return reject(env, "%s is not on audit %s (lead %s), so cannot conclude it", ev->signer_email, b->audit, pb->lead);
	if (!(ev->signer_roles & need))
		return reject(env, "%s %s audit is concluded by an %s; %s is not one",
		              smsaudit_article(smsaudit_audit_type_name(pb->type)), smsaudit_audit_type_name(pb->type),
		              need == SMSAUDIT_ROLE_INTERNAL_AUDITOR ? "internal auditor" : "external auditor",
		              ev->signer_email);
	if (b->actual_to < b->actual_from)
		return reject(env, "audit %s is concluded with a last day before its first", b->audit);
	if (b->actual_to > smsaudit_date_of(r->made_at))
		return reject(env, "audit %s is concluded before its last day", b->audit);
	a->concluded = r;
	a->status = SMSAUDIT_AUDIT_CONCLUDED;
	a->from = b->actual_from;
	a->to = b->actual_to;
	return 0;
}

static int cmp_audit(const void *x, const void *y)
{
	const smsaudit_audit *a = x, *b = y;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return strcmp(a->plan->id, b->plan->id);
}

int audits_replay(smsaudit_audits **out, const smsaudit_state *st, const smsaudit_catalogue *cat,
                  const finding_event *ev, size_t n, finding_reject_fn on_reject, void *u)
{
	*out = NULL;
	smsaudit_audits *as = calloc(1, sizeof(*as));
	if (!as)
		return error_oom();
	audit_env env;
	memset(&env, 0, sizeof(env));
	env.st = st;
	env.cat = cat;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].rec->type != SMSAUDIT_REC_AUDIT || apply(&env, as, &ev[i]) == 0)
			continue;
		if (on_reject)
			on_reject(u, &ev[i], env.msg);
		if (strcmp(env.msg, "out of memory") == 0) {
			smsaudit_audits_free(as);
			return error_oom();
		}
	}
	for (size_t i = 0; i < as->n; i++)
		if (as->a[i].cancelled)
			as->a[i].status = SMSAUDIT_AUDIT_CANCELLED;
		else if (as->a[i].status != SMSAUDIT_AUDIT_CONCLUDED)
			as->a[i].status = as->a[i].started ? SMSAUDIT_AUDIT_IN_PROGRESS : SMSAUDIT_AUDIT_PLANNED;
	/* The audits in effect first, the cancelled ones after them. */
	if (as->n > 1)
		qsort(as->a, as->n, sizeof(*as->a), cmp_audit);
	size_t k = 0;
	for (size_t i = 0; i < as->n; i++)
		k += !as->a[i].cancelled;
	if (k < as->n) {
		smsaudit_audit *sorted = malloc(as->n * sizeof(*sorted));
		if (!sorted) {
			smsaudit_audits_free(as);
			return error_oom();
		}
		size_t live = 0, gone = k;
		for (size_t i = 0; i < as->n; i++)
			sorted[as->a[i].cancelled ? gone++ : live++] = as->a[i];
		free(as->a);
		as->a = sorted;
		as->cap = as->n;
		as->ncancelled = as->n - k;
		as->n = k;
	}
	*out = as;
	return 0;
}

int smsaudit_audits_compute(smsaudit_audits **out, const smsaudit_state *st, time_t as_of)
{
	finding_event *ev = NULL;
	size_t n = 0;
	int rc = replay_events(&ev, &n, st, SMSAUDIT_REC_AUDIT, SMSAUDIT_REC_AUDIT,
	                       as_of ? smsaudit_date_of(as_of) + 86400 : 0);
	if (rc == 0)
		rc = audits_replay(out, st, NULL, ev, n, NULL, NULL);
	free(ev);
	return rc;
}

int smsaudit_audits_from(smsaudit_audits **out, const smsaudit_audit *audits, size_t n)
{
	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_record *r = audits[i].plan;
		if (!r || r->type != SMSAUDIT_REC_AUDIT || r->audit.event != SMSAUDIT_AUDIT_PLAN)
			return error_set(SMSAUDIT_EINVALID, "audit %zu has no plan record", i + 1);
		if (audits[i].to < audits[i].from)
			return error_set(SMSAUDIT_EINVALID, "audit %s ends before it starts", r->id);
	}
	smsaudit_audits *as = calloc(1, sizeof(*as));
	if (as && n && !(as->a = malloc(n * sizeof(*as->a)))) {
		free(as);
		as = NULL;
	}
	if (!as)
		return error_oom();
	if (n)
		memcpy(as->a, audits, n * sizeof(*as->a));
	as->n = as->cap = n;
	if (n > 1)
		qsort(as->a, n, sizeof(*as->a), cmp_audit);
	*out = as;
	return 0;
}

void smsaudit_audits_free(smsaudit_audits *a)
{
	if (!a)
		return;
	free(a->a);
	free(a);
}

size_t smsaudit_audits_count(const smsaudit_audits *a)
{
	return a->n;
}

const smsaudit_audit *smsaudit_audits_at(const smsaudit_audits *a, size_t i)
{
	return i < a->n ? &a->a[i] : NULL;
}

size_t smsaudit_audits_cancelled_count(const smsaudit_audits *a)
{
	return a->ncancelled;
}

const smsaudit_audit *smsaudit_audits_cancelled_at(const smsaudit_audits *a, size_t i)
{
	return i < a->ncancelled ? &a->a[a->n + i] : NULL;
}

static const char *audit_id_at(const void *set, size_t i)
{
	return ((const smsaudit_audit *)set)[i].plan->id;
}

int smsaudit_audits_find(const smsaudit_audit **out, const smsaudit_audits *as, const char *id)
{
	*out = NULL;
	size_t i;
	int rc = smsaudit_id_resolve(&i, id, as->a, as->n + as->ncancelled, audit_id_at, "audit", "smsaudit audit list shows them");
	if (rc == 0)
		*out = &as->a[i];
	return rc;
}

const smsaudit_audit *smsaudit_audits_previous(const smsaudit_audits *as, const smsaudit_audit *a)
{
	const smsaudit_audit *prev = NULL;
	for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
		const smsaudit_audit *p = smsaudit_audits_at(as, i);
		if (p != a && p->plan->audit.type != SMSAUDIT_AUDIT_INTERNAL && p->status == SMSAUDIT_AUDIT_CONCLUDED &&
		    p->to <= a->from && (!prev || p->to >= prev->to))
			prev = p;
	}
	return prev;
}
