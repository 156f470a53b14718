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

/* The person holding `email` now: the current, valid, unrevoked grant; NULL if none. */
static const smsaudit_person_body *person_now(const smsaudit_state *st, const char *email)
{
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (pe->valid && pe->current && !pe->revoked_at && strcmp(pe->record->person.email, email) == 0)
			return &pe->record->person;
	}
	return NULL;
}

/* The people an audit names must be people of the repository, and its lead
 * must hold the role that concludes it: an internal auditor for internal
 * audits, an external auditor for the certification body's. A team member
 * may be a technical expert or an observer, so holds any role (whoever
 * concludes must hold the role: audit.c). */
static int check_auditor(const smsaudit_state *st, const char *opt, const char *email, smsaudit_audit_type type,
                         int lead)
{
	unsigned need = type == SMSAUDIT_AUDIT_INTERNAL ? SMSAUDIT_ROLE_INTERNAL_AUDITOR : SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	const char *role = need == SMSAUDIT_ROLE_INTERNAL_AUDITOR ? "internal-auditor" : "external-auditor";
	const smsaudit_person_body *p = person_now(st, email);
	if (!p)
		return error_set(SMSAUDIT_ENOTFOUND, "%s %s is not a person of this repository (smsaudit person add, role %s)",
		                 opt, email, role);
	if (lead && !(p->roles & need))
		return error_set(SMSAUDIT_EINVALID, "%s %s does not hold the role %s that the lead of %s %s audit needs", opt,
		                 email, role, smsaudit_article(smsaudit_audit_type_name(type)), smsaudit_audit_type_name(type));
	return 0;
}

/* Each of `v` must be listed under <list><item> of the SMS description in force. */
static int check_in_sms(xmlDocPtr sms, const char *list, const char *item, const char *opt, const char *const *v,
                        size_t n)
{
	xmlNodePtr l = smsaudit_xml_child(xmlDocGetRootElement(sms), list);
	for (size_t i = 0; i < n; i++) {
		int found = 0;
		for (xmlNodePtr c = l ? smsaudit_xml_first_element(l) : NULL; c && !found; c = smsaudit_xml_next_element(c)) {
			char *t = smsaudit_xml_is(c, item) ? smsaudit_xml_text(c) : NULL;
			found = t && strcmp(t, v[i]) == 0;
			free(t);
		}
		if (!found)
			return error_set(SMSAUDIT_ENOTFOUND, "%s '%s' is not one of the SMS's %s (smsaudit sms show lists them)", opt,
			                 v[i], list);
	}
	return 0;
}

/* 1 if two planned audits are the same audit twice: the same type on
 * overlapping days, and for internal and special audits also the same scope. */
static int same_scope(const char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		size_t k = 0;
		while (k < nb && strcmp(a[i], b[k]) != 0)
			k++;
		if (k == nb)
			return 0;
	}
	return 1;
}

static int check_duplicate(const smsaudit_state *st, const smsaudit_audit_plan_input *in)
{
	smsaudit_audits *as = NULL;
	int rc = smsaudit_audits_compute(&as, st, 0);
	for (size_t i = 0; rc == 0 && i < smsaudit_audits_count(as); i++) {
		const smsaudit_audit *a = smsaudit_audits_at(as, i);
		const smsaudit_audit_body *b = &a->plan->audit;
		if (a->cancelled || b->type != in->type || a->to < in->planned_from || a->from > in->planned_to)
			continue;
		if ((in->type == SMSAUDIT_AUDIT_INTERNAL || in->type == SMSAUDIT_AUDIT_SPECIAL) &&
		    !(same_scope(in->clauses, in->nclauses, b->clauses, b->nclauses) &&
		      same_scope(in->services, in->nservices, b->services, b->nservices) &&
		      same_scope(in->sites, in->nsites, b->sites, b->nsites)))
			continue;
		char f[11], t[11];
		smsaudit_date_format(f, a->from);
		smsaudit_date_format(t, a->to);
		rc = error_set(SMSAUDIT_EEXISTS, "%s %s audit is already planned on %s..%s (%s); reschedule or cancel that one",
		               smsaudit_article(smsaudit_audit_type_name(in->type)), smsaudit_audit_type_name(in->type), f, t,
		               a->plan->id);
	}
	smsaudit_audits_free(as);
	return rc;
}

/* What the plan names must exist in the repository as it is now. */
static int check_plan_names(smsaudit_store *store, const smsaudit_state *st, const smsaudit_audit_plan_input *in)
{
	int rc = check_auditor(st, "--lead", in->lead, in->type, 1);
	for (size_t i = 0; rc == 0 && i < in->nteam; i++) {
		if (strcmp(in->team[i], in->lead) == 0)
			return error_set(SMSAUDIT_EINVALID, "--team %s is the lead auditor already", in->team[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(in->team[k], in->team[i]) == 0)
				return error_set(SMSAUDIT_EINVALID, "--team %s is given twice", in->team[i]);
		rc = check_auditor(st, "--team", in->team[i], in->type, 0);
	}
	if (rc < 0 || (!in->nsites && !in->nservices))
		return rc < 0 ? rc : check_duplicate(st, in);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	rc = smsaudit_state_sms(&b, store, st);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&doc, b.ptr, b.size, "smsaudit.xml");
	if (rc == 0)
		rc = check_in_sms(doc, "sites", "site", "--site", in->sites, in->nsites);
	if (rc == 0)
		rc = check_in_sms(doc, "services", "service", "--service", in->services, in->nservices);
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
	return rc < 0 ? rc : check_duplicate(st, in);
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
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	if ((rc = check_plan_names(store, st, in)) < 0) {
		smsaudit_state_free(st);
		return rc;
	}
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
	int rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE);
	if (rc == 0)
		rc = smsaudit_audits_compute(&as, st, 0);
	if (rc == 0)
		rc = smsaudit_audits_find(&a, as, key);
	if (rc == 0) {
		time_t last = a->plan->made_at;
		if (a->started && a->started->made_at > last)
			last = a->started->made_at;
		if (a->rescheduled && a->rescheduled->made_at > last)
			last = a->rescheduled->made_at;
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
		static const char *const verbs[] = { "plan", "start", "conclude", "cancel", "reschedule" };
		const char *verb = verbs[rec->audit.event];
		char summary[700], action[40];
		snprintf(summary, sizeof(summary), "audit %s: %s (%s%s%s)", verb, a->plan->id,
		         smsaudit_audit_type_name(a->plan->audit.type), detail ? ", " : "", detail ? detail : "");
		snprintf(action, sizeof(action), "audit-%s", verb);
		rc = write_audit_record(id_out, store, signer, st, rec, summary, action);
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


int smsaudit_store_audit_cancel(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                const char *audit, const char *reason)
{
	if (!reason || !*reason)
		return error_set(SMSAUDIT_EINVALID, "--reason: say why the audit is cancelled");
	if (smsaudit_text_check("--reason", reason, 500) < 0)
		return SMSAUDIT_EINVALID;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.audit.event = SMSAUDIT_AUDIT_CANCEL;
	rec.audit.reason = (char *)reason;
	return record_event(id_out, store, signer, audit, &rec, reason);
}

int smsaudit_store_audit_reschedule(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                    const char *audit, time_t from, time_t to, const char *reason)
{
	if (!from || !to)
		return error_set(SMSAUDIT_EINVALID, "--dates: give the new planned first and last day (FROM..TO)");
	if (!reason || !*reason)
		return error_set(SMSAUDIT_EINVALID, "--reason: say why the audit moves");
	if (smsaudit_text_check("--reason", reason, 500) < 0)
		return SMSAUDIT_EINVALID;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.audit.event = SMSAUDIT_AUDIT_RESCHEDULE;
	rec.audit.planned_from = smsaudit_date_of(from);
	rec.audit.planned_to = smsaudit_date_of(to);
	rec.audit.reason = (char *)reason;
	char detail[600], f[11], t[11];
	smsaudit_date_format(f, rec.audit.planned_from);
	smsaudit_date_format(t, rec.audit.planned_to);
	snprintf(detail, sizeof(detail), "to %s..%s: %s", f, t, reason);
	return record_event(id_out, store, signer, audit, &rec, detail);
}
