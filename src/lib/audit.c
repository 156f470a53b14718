/*
 * Audits: one replay of their rules, used by verify over the history and by
 * the writers over the history plus the new record (as for findings).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_internal.h"
#include "store_internal.h"

static const char *const status_names[] = { "planned", "in-progress", "concluded" };

const char *smsaudit_audit_status_name(smsaudit_audit_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "unknown";
}

struct smsaudit_audits {
	smsaudit_audit *a;
	size_t n, cap;
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

static int apply(audit_env *env, smsaudit_audits *as, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_audit_body *b = &r->audit;
	char d1[11], d2[11];
	if (b->event == SMSAUDIT_AUDIT_PLAN) {
		if (!(ev->signer_roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
			return reject(env, "an audit is planned by a quality manager; %s is not one", ev->signer_email);
		if (b->planned_to < b->planned_from)
			return reject(env, "the %s audit is planned to end before it starts", smsaudit_audit_type_name(b->type));
		for (size_t i = 0; env->cat && i < b->nclauses; i++) {
			const smsaudit_clause *cl = NULL;
			if (smsaudit_catalogue_find(&cl, env->cat, b->clauses[i]) < 0)
				return reject(env, "the audit's scope names clause '%s', which is not in the catalogue", b->clauses[i]);
		}
		const smsaudit_sms_policy *p = smsaudit_state_policy(env->st);
		for (size_t i = 0; i < as->n; i++) {
			const smsaudit_audit *o = &as->a[i];
			if (b->type == SMSAUDIT_AUDIT_STAGE2 && o->plan->audit.type == SMSAUDIT_AUDIT_STAGE1 &&
			    b->planned_from <= o->to) {
				smsaudit_date_format(d1, b->planned_from);
				smsaudit_date_format(d2, o->to);
				return reject(env, "stage 2 planned to start %s, before stage 1 (%s) has ended (%s)", d1, o->plan->id, d2);
			}
		}
		if (b->type == SMSAUDIT_AUDIT_SURVEILLANCE && p->certificate_expiry && b->planned_from >= p->certificate_expiry) {
			smsaudit_date_format(d1, b->planned_from);
			smsaudit_date_format(d2, p->certificate_expiry);
			return reject(env, "a surveillance planned for %s is after the certificate expires (%s): plan a "
			              "recertification", d1, d2);
		}
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
		a->from = b->planned_from;
		a->to = b->planned_to;
		return 0;
	}
	smsaudit_audit *a = by_id(as, b->audit);
	const char *what = b->event == SMSAUDIT_AUDIT_START ? "starts" : "concludes";
	if (!a)
		return reject(env, "%s audit %s, which is not a planned audit", what, b->audit);
	const smsaudit_audit_body *pb = &a->plan->audit;
	if (a->concluded)
		return reject(env, "audit %s is already concluded (%s)", b->audit, a->concluded->id);
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
		return reject(env, "a %s audit is concluded by an %s; %s is not one", smsaudit_audit_type_name(pb->type),
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
		if (as->a[i].status != SMSAUDIT_AUDIT_CONCLUDED)
			as->a[i].status = as->a[i].started ? SMSAUDIT_AUDIT_IN_PROGRESS : SMSAUDIT_AUDIT_PLANNED;
	if (as->n > 1)
		qsort(as->a, as->n, sizeof(*as->a), cmp_audit);
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

int smsaudit_audits_find(const smsaudit_audit **out, const smsaudit_audits *as, const char *id)
{
	*out = NULL;
	size_t n = strlen(id), count = 0;
	for (size_t i = 0; i < as->n; i++) {
		const char *aid = as->a[i].plan->id;
		if (strcmp(aid, id) == 0) {
			*out = &as->a[i];
			return 0;
		}
		if (n >= 9 && strncmp(aid, id, n) == 0) {
			*out = &as->a[i];
			count++;
		}
	}
	if (count == 1)
		return 0;
	*out = NULL;
	if (count > 1)
		return error_set(SMSAUDIT_EINVALID, "audit '%s' is ambiguous: give more of its id", id);
	return error_set(SMSAUDIT_ENOTFOUND, "audit '%s' does not exist (smsaudit audit list shows them)", id);
}

/* ---- writing ---- */

static int write_audit_record(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                              smsaudit_state *st, smsaudit_record *rec, const char *summary, const char *action)
{
	finding_event *ev = NULL;
	size_t n = 0;
	int rc = candidate_events(&ev, &n, st, SMSAUDIT_REC_AUDIT, SMSAUDIT_REC_AUDIT, rec, signer);
	if (rc < 0)
		return rc;
	candidate_check c = { rec, "", 0 };
	smsaudit_audits *as = NULL;
	rc = audits_replay(&as, st, store->catalogue, ev, n, candidate_on_reject, &c);
	free(ev);
	smsaudit_audits_free(as);
	if (rc == 0 && c.refused)
		rc = error_set(SMSAUDIT_EINVALID, "%s", c.message);
	if (rc == 0)
		rc = store_commit_record(store, signer, rec, summary, action);
	if (rc == 0)
		memcpy(id_out, rec->id, SMSAUDIT_ID_MAX);
	return rc;
}

static int list_ok(const char *const *v, size_t n, int email, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (!smsaudit_text_ok(v[i], email ? 254 : 500) || (email && !strchr(v[i], '@')))
			return error_set(SMSAUDIT_EINVALID, "%s: '%s' is not %s", what, v[i] ? v[i] : "",
			                 email ? "an email address" : "one line of text");
	return 0;
}

int smsaudit_store_audit_plan(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                              const smsaudit_audit_plan_input *in)
{
	if ((unsigned)in->type >= SMSAUDIT_AUDIT__COUNT)
		return error_set(SMSAUDIT_EINVALID, "unknown audit type");
	if (!in->planned_from || !in->planned_to)
		return error_set(SMSAUDIT_EINVALID, "--dates: give the planned first and last day (FROM..TO)");
	if (!smsaudit_text_ok(in->body, 500))
		return error_set(SMSAUDIT_EINVALID, "--body: name the certification body or internal audit team");
	const char *lead[1] = { in->lead };
	int rc;
	if (!in->lead)
		return error_set(SMSAUDIT_EINVALID, "--lead: give the lead auditor's email");
	if ((rc = list_ok(lead, 1, 1, "--lead")) < 0 || (rc = list_ok(in->team, in->nteam, 1, "--team")) < 0 ||
	    (rc = list_ok(in->services, in->nservices, 0, "--service")) < 0 ||
	    (rc = list_ok(in->sites, in->nsites, 0, "--site")) < 0)
		return rc;
	for (size_t i = 0; i < in->nclauses; i++) {
		const smsaudit_clause *cl = NULL;
		if (smsaudit_catalogue_find(&cl, store->catalogue, in->clauses[i]) < 0)
			return error_prefix(SMSAUDIT_ENOTFOUND, "--clause %s", in->clauses[i]);
	}
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, SMSAUDIT_STATE_USE_CACHE)) < 0)
		return rc;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_AUDIT;
	rec.made_at = smsaudit_now();
	rec.made_by = signer->email;
	smsaudit_audit_body *b = &rec.audit;
	b->event = SMSAUDIT_AUDIT_PLAN;
	b->type = in->type;
	b->planned_from = in->planned_from;
	b->planned_to = in->planned_to;
	b->body = (char *)in->body;
	b->lead = (char *)in->lead;
	b->team = (char **)in->team;
	b->nteam = in->nteam;
	b->clauses = (char **)in->clauses;
	b->nclauses = in->nclauses;
	b->services = (char **)in->services;
	b->nservices = in->nservices;
	b->sites = (char **)in->sites;
	b->nsites = in->nsites;
	rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	char summary[200], d[11];
	smsaudit_date_format(d, in->planned_from);
	snprintf(summary, sizeof(summary), "audit plan: %s from %s (%s)", smsaudit_audit_type_name(in->type), d, in->body);
	if (rc == 0)
		rc = write_audit_record(id_out, store, signer, st, &rec, summary, "audit-plan");
	smsaudit_state_free(st);
	return rc;
}

/* Sign a start or conclusion of the audit named by `key`: `rec` has its body
 * filled in; the audit's id, the signer and the time are set here. A record
 * about an audit is signed after the last one about it, so their order is sure. */
static int record_event(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                        const char *key, smsaudit_record *rec, const char *detail)
{
	smsaudit_state *st = NULL;
	smsaudit_audits *as = NULL;
	const smsaudit_audit *a = NULL;
	int rc = smsaudit_state_load(&st, store, NULL, SMSAUDIT_STATE_USE_CACHE);
	if (rc == 0)
		rc = smsaudit_audits_compute(&as, st, 0);
	if (rc == 0)
		rc = smsaudit_audits_find(&a, as, key);
	if (rc == 0) {
		time_t last = a->started && a->started->made_at > a->plan->made_at ? a->started->made_at : a->plan->made_at;
		rec->type = SMSAUDIT_REC_AUDIT;
		time_t now = smsaudit_now();
		rec->made_at = now > last ? now : last + 1;
		rec->made_by = signer->email;
		snprintf(rec->audit.audit, sizeof(rec->audit.audit), "%s", a->plan->id);
		if (rec->audit.event == SMSAUDIT_AUDIT_START && !rec->audit.actual_from)
			rec->audit.actual_from = smsaudit_date_of(rec->made_at);
		rc = smsaudit_record_new_id(rec->id, rec->type, rec->made_at);
	}
	if (rc == 0) {
		int start = rec->audit.event == SMSAUDIT_AUDIT_START;
		char summary[200];
		snprintf(summary, sizeof(summary), "audit %s: %s (%s%s%s)", start ? "start" : "conclude", a->plan->id,
		         smsaudit_audit_type_name(a->plan->audit.type), detail ? ", " : "", detail ? detail : "");
		rc = write_audit_record(id_out, store, signer, st, rec, summary, start ? "audit-start" : "audit-conclude");
	}
	smsaudit_audits_free(as);
	smsaudit_state_free(st);
	return rc;
}

int smsaudit_store_audit_start(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                               const char *audit, time_t on)
{
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.audit.event = SMSAUDIT_AUDIT_START;
	rec.audit.actual_from = on ? smsaudit_date_of(on) : 0;
	return record_event(id_out, store, signer, audit, &rec, NULL);
}

int smsaudit_store_audit_conclude(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                  const char *audit, const smsaudit_audit_conclusion *c)
{
	if (!c->from || !c->to)
		return error_set(SMSAUDIT_EINVALID, "--dates: give the actual first and last day (FROM..TO)");
	if ((unsigned)c->recommendation > SMSAUDIT_REC_NOT_RECOMMENDED)
		return error_set(SMSAUDIT_EINVALID, "unknown recommendation");
	if (!smsaudit_note_ok(c->summary, 20000))
		return error_set(SMSAUDIT_EINVALID, "--summary: give the audit's conclusion (text)");
	if (c->conditions && !smsaudit_note_ok(c->conditions, 20000))
		return error_set(SMSAUDIT_EINVALID, "--conditions: not valid text");
	for (size_t i = 0; i < c->nconcerns; i++)
		if (!smsaudit_note_ok(c->concerns[i], 20000))
			return error_set(SMSAUDIT_EINVALID, "--concern %zu: not valid text", i + 1);
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	smsaudit_audit_body *b = &rec.audit;
	b->event = SMSAUDIT_AUDIT_CONCLUDE;
	b->actual_from = smsaudit_date_of(c->from);
	b->actual_to = smsaudit_date_of(c->to);
	b->recommendation = c->recommendation;
	b->conditions = (char *)c->conditions;
	b->concerns = (char **)c->concerns;
	b->nconcerns = c->nconcerns;
	b->summary = (char *)c->summary;
	return record_event(id_out, store, signer, audit, &rec, smsaudit_recommendation_name(c->recommendation));
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
