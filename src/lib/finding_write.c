/*
 * Recording findings and their steps. Each candidate record is run through
 * the same replay verify uses, on top of the repository's history, before it
 * is signed: a step that breaks a rule is refused with verify's message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_internal.h"
#include "smsaudit/audit.h"
#include "store_internal.h"

/* Replay the valid history plus `rec`; SMSAUDIT_EINVALID with the rule's message if it is refused. */
static int check_candidate(smsaudit_findings **out, smsaudit_state *st, smsaudit_store *store,
                           const smsaudit_identity *signer, const smsaudit_record *rec)
{
	*out = NULL;
	finding_event *ev = NULL;
	size_t k = 0;
	int rc = candidate_events(&ev, &k, st, SMSAUDIT_REC_FINDING, SMSAUDIT_REC_STEP, rec, signer);
	if (rc < 0)
		return rc;
	candidate_check c = { rec, "", 0 };
	rc = findings_replay(out, st, store->catalogue, 0, ev, k, candidate_on_reject, &c);
	free(ev);
	if (rc == 0 && c.refused) {
		smsaudit_findings_free(*out);
		*out = NULL;
		rc = error_set(SMSAUDIT_EINVALID, "%s", c.message);
	}
	return rc;
}

/* Evidence ids (or prefixes) into references by record id and content digest. */
static int resolve_refs(smsaudit_evidence_ref **out, const smsaudit_state *st, const char *const *ids, size_t n)
{
	*out = NULL;
	if (!n)
		return 0;
	int rc = 0;
	smsaudit_evidence_ref *refs = calloc(n, sizeof(*refs));
	if (!refs)
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = NULL;
		if ((rc = smsaudit_state_find_evidence(&e, st, ids[i])) < 0) {
			rc = error_prefix(rc, "--evidence %s", ids[i]);
			break;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(refs[k].id, e->record->id) == 0)
				rc = error_set(SMSAUDIT_EINVALID, "--evidence %s is given twice", e->record->id);
		if (rc < 0)
			break;
		snprintf(refs[i].id, sizeof(refs[i].id), "%s", e->record->id);
		snprintf(refs[i].sha256, sizeof(refs[i].sha256), "%s", e->record->evidence.sha256);
	}
	if (rc < 0) {
		free(refs);
		return rc;
	}
	*out = refs;
	return 0;
}

int smsaudit_store_raise(char id_out[SMSAUDIT_ID_MAX], char number_out[24], smsaudit_store *store,
                         smsaudit_identity *signer, const smsaudit_finding_input *in)
{
	if ((unsigned)in->source >= SMSAUDIT_SOURCE__COUNT)
		return error_set(SMSAUDIT_EINVALID, "unknown finding source %d", (int)in->source);
	if (!in->grade || !*in->grade)
		return error_set(SMSAUDIT_EINVALID, "--grade: give the finding's grade");
	if (!in->nclauses)
		return error_set(SMSAUDIT_EINVALID, "--clause: name at least one clause the finding is against");
	if (in->nclauses > 100 || in->nevidence > 100)
		return error_set(SMSAUDIT_EINVALID, "a finding names at most 100 clauses and 100 pieces of evidence");
	if (!in->statement || !*in->statement)
		return error_set(SMSAUDIT_EINVALID, "--statement: give the statement of the finding (text)");
	if (smsaudit_note_check("--statement", in->statement, 20000) < 0)
		return SMSAUDIT_EINVALID;
	time_t now = smsaudit_now();
	if (in->raised_on && in->raised_on > smsaudit_date_of(now))
		return error_set(SMSAUDIT_EINVALID, "--date: a finding cannot be raised on a future date");
	for (size_t i = 0; i < in->nclauses; i++) {
		const smsaudit_clause *cl = NULL;
		if (smsaudit_catalogue_find(&cl, smsaudit_store_catalogue(store), in->clauses[i]) < 0)
			return error_prefix(SMSAUDIT_ENOTFOUND, "--clause %s", in->clauses[i]);
	}
	smsaudit_state *st = NULL;
	int rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE);
	if (rc < 0)
		return rc;
	/* Display numbers follow signing order: never sign a finding in the same
	 * second as an earlier one, where ids (random) would decide the order. */
	smsaudit_findings *before = NULL;
	if ((rc = smsaudit_findings_compute(&before, st, 0)) < 0) {
		smsaudit_state_free(st);
		return rc;
	}
	for (size_t i = 0; i < smsaudit_findings_count(before); i++) {
		time_t t = smsaudit_findings_at(before, i)->record->made_at;
		if (t >= now)
			now = t + 1;
	}
	smsaudit_findings_free(before);
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_FINDING;
	rec.made_at = now;
	rec.made_by = (char *)smsaudit_identity_email(signer);
	smsaudit_finding_body *f = &rec.finding;
	f->source = in->source;
	snprintf(f->grade, sizeof(f->grade), "%s", in->grade);
	f->raised_on = in->raised_on ? smsaudit_date_of(in->raised_on) : smsaudit_date_of(now);
	if (in->audit) {
		/* The same resolver as every other command: a unique prefix names the audit. */
		smsaudit_audits *as = NULL;
		const smsaudit_audit *au = NULL;
		if ((rc = smsaudit_audits_compute(&as, st, 0)) == 0 && (rc = smsaudit_audits_find(&au, as, in->audit)) == 0)
			snprintf(f->audit, sizeof(f->audit), "%s", au->plan->id);
		else
			rc = error_prefix(rc, "--audit");
		smsaudit_audits_free(as);
		if (rc < 0) {
			smsaudit_state_free(st);
			return rc;
		}
	}
	f->clauses = (char **)in->clauses;
	f->nclauses = in->nclauses;
	f->statement = (char *)in->statement;
	f->nevidence = in->nevidence;
	rc = resolve_refs(&f->evidence, st, in->evidence, in->nevidence);
	if (rc == 0 && strlen(in->grade) >= sizeof(f->grade))
		rc = error_set(SMSAUDIT_EINVALID, "--grade '%s' is not in the grade scale", in->grade);
	if (rc == 0)
		rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	smsaudit_findings *fs = NULL;
	if (rc == 0)
		rc = check_candidate(&fs, st, store, signer, &rec);
	char number[24] = "";
	if (rc == 0) {
		const smsaudit_finding *nf = NULL;
		smsaudit_findings_find(&nf, fs, rec.id);
		snprintf(number, sizeof(number), "%s", nf ? nf->number : "");
		char summary[300];
		snprintf(summary, sizeof(summary), "finding raise: %s (%s, %s)", nf ? nf->number : rec.id, f->grade,
		         f->clauses[0]);
		rc = store_commit_record(store, signer, &rec, summary, "finding-raise");
	}
	if (rc == 0) {
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
		if (number_out)
			memcpy(number_out, number, sizeof(number));
	}
	smsaudit_findings_free(fs);
	free(f->evidence);
	smsaudit_state_free(st);
	return rc;
}

static int check_step_input(const smsaudit_step_input *in)
{
	if ((unsigned)in->kind >= SMSAUDIT_STEP__COUNT)
		return error_set(SMSAUDIT_EINVALID, "unknown step %d", (int)in->kind);
	if (in->kind != SMSAUDIT_STEP_PLAN && (!in->text || !*in->text))
		return error_set(SMSAUDIT_EINVALID, "the %s step needs its text (what was done, found or decided)",
		                 smsaudit_step_kind_name(in->kind));
	if (in->text && smsaudit_note_check(in->kind == SMSAUDIT_STEP_PLAN ? "--note" : "the text", in->text, 20000) < 0)
		return error_prefix(SMSAUDIT_EINVALID, "the %s step", smsaudit_step_kind_name(in->kind));
	if (in->kind == SMSAUDIT_STEP_CAUSE && (unsigned)in->method > SMSAUDIT_CAUSE_OTHER)
		return error_set(SMSAUDIT_EINVALID, "unknown root-cause method");
	if (in->kind == SMSAUDIT_STEP_PLAN) {
		if (!in->nactions)
			return error_set(SMSAUDIT_EINVALID, "a plan needs at least one action (--action TEXT --owner EMAIL --due DATE)");
		if (in->nactions > 50)
			return error_set(SMSAUDIT_EINVALID, "a plan has at most 50 actions");
		for (size_t i = 0; i < in->nactions; i++) {
			const smsaudit_action *a = &in->actions[i];
			if (!a->description || !*a->description)
				return error_set(SMSAUDIT_EINVALID, "action %zu: describe what will be done", i + 1);
			if (smsaudit_note_check("--action", a->description, 20000) < 0)
				return error_prefix(SMSAUDIT_EINVALID, "action %zu", i + 1);
			if (!a->owner || !smsaudit_text_ok(a->owner, 254) || !strchr(a->owner, '@'))
				return error_set(SMSAUDIT_EINVALID, "action %zu: --owner needs the email of the person who will do it",
				                 i + 1);
			if (!a->due)
				return error_set(SMSAUDIT_EINVALID, "action %zu: --due needs a date", i + 1);
		}
	}
	if (in->nevidence > 100)
		return error_set(SMSAUDIT_EINVALID, "a step cites at most 100 pieces of evidence");
	if (in->nevidence && in->kind != SMSAUDIT_STEP_IMPLEMENTED && in->kind != SMSAUDIT_STEP_VERIFIED)
		return error_set(SMSAUDIT_EINVALID, "--evidence belongs to the implement and verify steps");
	return 0;
}

int smsaudit_store_step(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                        const char *finding, const smsaudit_step_input *in)
{
	int rc = check_step_input(in);
	if (rc < 0)
		return rc;
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	smsaudit_findings *now_fs = NULL, *fs = NULL;
	const smsaudit_finding *f = NULL;
	rc = smsaudit_findings_compute(&now_fs, st, 0);
	if (rc == 0)
		rc = smsaudit_findings_find(&f, now_fs, finding);
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_STEP;
	rec.made_by = (char *)smsaudit_identity_email(signer);
	smsaudit_step_body *s = &rec.step;
	char number[24] = "";
	char **after = NULL;
	if (rc == 0) {
		snprintf(number, sizeof(number), "%s", f->number);
		/* The step comes after the latest steps as this repository has them
		 * (several after concurrent work: naming them all settles it), and is
		 * signed later than each of them. */
		if (!(after = calloc(f->nheads ? f->nheads : 1, sizeof(*after))))
			rc = error_oom();
		rec.made_at = smsaudit_now();
		for (size_t i = 0; rc == 0 && i < f->nheads; i++) {
			after[i] = (char *)f->heads[i]->id;
			if (rec.made_at <= f->heads[i]->made_at)
				rec.made_at = f->heads[i]->made_at + 1;
		}
		s->after = after;
		s->nafter = f->nheads;
		snprintf(s->finding, sizeof(s->finding), "%s", f->record->id);
		s->kind = in->kind;
		s->text = (char *)in->text;
		s->method = in->method;
		s->actions = (smsaudit_action *)in->actions;
		s->nactions = in->kind == SMSAUDIT_STEP_PLAN ? in->nactions : 0;
		s->effective = in->effective;
		s->nevidence = in->nevidence;
		if (in->kind == SMSAUDIT_STEP_IMPLEMENTED) {
			const smsaudit_finding_action *a = NULL;
			for (size_t i = 0; i < f->nactions; i++)
				if (f->actions[i].number == in->action)
					a = &f->actions[i];
			if (!a)
				rc = error_set(SMSAUDIT_EINVALID, "%s has no action A%u%s", f->number, in->action,
				               f->nactions ? "" : " (no corrective action is planned yet)");
			else {
				snprintf(s->plan, sizeof(s->plan), "%s", a->plan->id);
				s->action = a->index;
			}
		}
	}
	if (rc == 0)
		rc = resolve_refs(&s->evidence, st, in->evidence, in->nevidence);
	if (rc == 0)
		rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	if (rc == 0)
		rc = check_candidate(&fs, st, store, signer, &rec);
	if (rc == 0) {
		char summary[300];
		if (in->kind == SMSAUDIT_STEP_VERIFIED)
			snprintf(summary, sizeof(summary), "finding verified: %s (%s)", number,
			         in->effective ? "effective" : "not effective");
		else if (in->kind == SMSAUDIT_STEP_WITHDRAWN)
			snprintf(summary, sizeof(summary), "finding withdrawn: %s (%.200s)", number, in->text);
		else
			snprintf(summary, sizeof(summary), "finding %s: %s", smsaudit_step_kind_name(in->kind), number);
		char action[40];
		snprintf(action, sizeof(action), "finding-%s", smsaudit_step_kind_name(in->kind));
		rc = store_commit_record(store, signer, &rec, summary, action);
	}
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	free(s->evidence);
	free(after);
	smsaudit_findings_free(fs);
	smsaudit_findings_free(now_fs);
	smsaudit_state_free(st);
	return rc;
}

typedef struct {
	const smsaudit_grade *grades;
	size_t n;
} grades_edit;

static int put_grades(xmlDocPtr doc, xmlNodePtr root, xmlNsPtr ns, void *u)
{
	(void)doc;
	const grades_edit *e = u;
	xmlNodePtr old = smsaudit_xml_child(root, "grades");
	if (old) {
		xmlUnlinkNode(old);
		xmlFreeNode(old);
	}
	/* The schema's order: right after deadline-policy. */
	xmlNodePtr after = smsaudit_xml_child(root, "deadline-policy");
	xmlNodePtr gs = xmlNewNode(ns, (const xmlChar *)"grades");
	if (!gs || !after || !xmlAddNextSibling(after, gs)) {
		xmlFreeNode(gs);
		return error_set(SMSAUDIT_EINVALID, "smsaudit.xml has no deadline-policy to put the grades after");
	}
	for (size_t i = 0; i < e->n; i++) {
		xmlNodePtr g = xmlNewTextChild(gs, ns, (const xmlChar *)"grade", (const xmlChar *)e->grades[i].label);
		xmlNewProp(g, (const xmlChar *)"id", (const xmlChar *)e->grades[i].id);
		xmlNewProp(g, (const xmlChar *)"class", (const xmlChar *)smsaudit_grade_class_name(e->grades[i].cls));
	}
	return 0;
}

static int grade_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
		if (!ok)
			return 0;
	}
	return 1;
}

int smsaudit_store_set_grades(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_grade *grades,
                              size_t n)
{
	if (n == 0 || n > SMSAUDIT_MAX_GRADES)
		return error_set(SMSAUDIT_EINVALID, "a grade scale has 1 to %d grades, not %zu", SMSAUDIT_MAX_GRADES, n);
	int have_nc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!grade_id_ok(grades[i].id))
			return error_set(SMSAUDIT_EINVALID, "grade %zu: id '%s' must be 1-32 of a-z, 0-9 and '-'", i + 1,
			                 grades[i].id);
		if ((unsigned)grades[i].cls > SMSAUDIT_GRADE_IMPROVEMENT)
			return error_set(SMSAUDIT_EINVALID, "grade %s: unknown class", grades[i].id);
		if (smsaudit_text_check("its label", grades[i].label, 200) < 0)
			return error_prefix(SMSAUDIT_EINVALID, "grade %s", grades[i].id);
		for (size_t k = 0; k < i; k++)
			if (strcmp(grades[k].id, grades[i].id) == 0)
				return error_set(SMSAUDIT_EINVALID, "grade %s is listed twice", grades[i].id);
		have_nc |= smsaudit_grade_class_is_nc(grades[i].cls);
	}
	if (!have_nc)
		return error_set(SMSAUDIT_EINVALID, "the scale has no nonconformity grade (class major or minor)");
	smsaudit_state *st = NULL;
	smsaudit_findings *fs = NULL;
	int rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE);
	if (rc == 0)
		rc = smsaudit_findings_compute(&fs, st, 0);
	for (size_t i = 0; rc == 0 && i < smsaudit_findings_count(fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(fs, i);
		const smsaudit_grade *g = NULL;
		for (size_t k = 0; k < n; k++)
			if (strcmp(grades[k].id, f->grade->id) == 0)
				g = &grades[k];
		if (!g)
			rc = error_set(SMSAUDIT_EINVALID, "grade %s is used by %s; the new scale must keep it", f->grade->id,
			               f->number);
		else if (g->cls != f->grade->cls)
			rc = error_set(SMSAUDIT_EINVALID, "grade %s is used by %s as %s; its class cannot change to %s",
			               f->grade->id, f->number, smsaudit_grade_class_name(f->grade->cls),
			               smsaudit_grade_class_name(g->cls));
	}
	smsaudit_findings_free(fs);
	smsaudit_state_free(st);
	if (rc < 0)
		return rc;
	grades_edit e = { grades, n };
	char summary[100];
	snprintf(summary, sizeof(summary), "sms: grade scale replaced (%zu grades)", n);
	return store_rewrite_sms(store, signer, put_grades, &e, summary, "sms-grades");
}
