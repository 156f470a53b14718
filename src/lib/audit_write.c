/*
 * Recording audits: plan, start, conclude. Each builds its record, checks it
 * with the same replay as verify (audit.c) over the history plus the new
 * record, and only then signs and commits it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_internal.h"
#include "store_internal.h"

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
	for (size_t i = 0; i < n; i++) {
		if (!email && smsaudit_text_check(what, v[i], 500) < 0)
			return SMSAUDIT_EINVALID;
		if (email && (!smsaudit_text_ok(v[i], 254) || !strchr(v[i], '@')))
			return error_set(SMSAUDIT_EINVALID, "%s: '%s' is not an email address", what, v[i] ? v[i] : "");
	}
	return 0;
}

int smsaudit_store_audit_plan(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                              const smsaudit_audit_plan_input *in)
{
	if ((unsigned)in->type >= SMSAUDIT_AUDIT__COUNT)
		return error_set(SMSAUDIT_EINVALID, "unknown audit type");
	if (!in->planned_from || !in->planned_to)
		return error_set(SMSAUDIT_EINVALID, "--dates: give the planned first and last day (FROM..TO)");
	if (!in->body || !*in->body)
		return error_set(SMSAUDIT_EINVALID, "--body: name the certification body or internal audit team");
	if (smsaudit_text_check("--body", in->body, 500) < 0)
		return SMSAUDIT_EINVALID;
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
	if (!c->summary || !*c->summary)
		return error_set(SMSAUDIT_EINVALID, "--summary: give the audit's conclusion (text)");
	if (smsaudit_note_check("--summary", c->summary, 20000) < 0 ||
	    (c->conditions && smsaudit_note_check("--conditions", c->conditions, 20000) < 0))
		return SMSAUDIT_EINVALID;
	for (size_t i = 0; i < c->nconcerns; i++)
		if (smsaudit_note_check("--concern", c->concerns[i], 20000) < 0)
			return error_prefix(SMSAUDIT_EINVALID, "concern %zu", i + 1);
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

