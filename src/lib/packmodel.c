/*
 * The pack model: every analysis a pack shows, run once from one loaded
 * state, kept as plain data for the report and the manifest. What the model
 * points into lives in `owned` until the model is disposed of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smsaudit/packmodel.h"
#include "store_internal.h"

struct smsaudit_pack_model_owned {
	smsaudit_report_def *def;
	smsaudit_audits *audits;
	smsaudit_findings *findings;
	smsaudit_gap *gap;
	smsaudit_cycle *cycle;
	smsaudit_coverage *rotation;
	smsaudit_org_change *org_changes;
	size_t norg_changes;
	/* the SMS description in force */
	char *organisation, *scope, *body;
	char **services, **sites;
	size_t nservices, nsites;
	/* every other block allocated for the model (arrays, rows) */
	void **blocks;
	size_t nblocks, ablocks;
};

/* A zeroed block of n * size bytes that the model owns (n may be 0). */
static void *own(smsaudit_pack_model_owned *w, size_t n, size_t size)
{
	if (w->nblocks == w->ablocks) {
		size_t na = w->ablocks ? w->ablocks * 2 : 32;
		void **b = realloc(w->blocks, na * sizeof(*b));
		if (!b)
			return NULL;
		w->blocks = b;
		w->ablocks = na;
	}
	void *p = calloc(n ? n : 1, size);
	if (p)
		w->blocks[w->nblocks++] = p;
	return p;
}

void smsaudit_pack_model_dispose(smsaudit_pack_model *m)
{
	if (!m)
		return;
	smsaudit_pack_model_owned *w = m->owned;
	if (w) {
		smsaudit_report_def_free(w->def);
		smsaudit_org_changes_free(w->org_changes, w->norg_changes);
		smsaudit_coverage_free(w->rotation);
		smsaudit_cycle_free(w->cycle);
		smsaudit_gap_free(w->gap);
		smsaudit_findings_free(w->findings);
		smsaudit_audits_free(w->audits);
		free(w->organisation);
		free(w->scope);
		free(w->body);
		for (size_t i = 0; i < w->nservices; i++)
			free(w->services[i]);
		for (size_t i = 0; i < w->nsites; i++)
			free(w->sites[i]);
		free(w->services);
		free(w->sites);
		for (size_t i = 0; i < w->nblocks; i++)
			free(w->blocks[i]);
		free(w->blocks);
		free(w);
	}
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------- the window */

void smsaudit_pack_model_window(time_t *from, time_t *to, const smsaudit_pack_model *m, smsaudit_report_period p)
{
	time_t as_of = m->as_of;
	*to = as_of;
	*from = 0;
	switch (p) {
	case SMSAUDIT_PERIOD_ALL:
	case SMSAUDIT_PERIOD_OPEN:
		break;
	case SMSAUDIT_PERIOD_SINCE_PREVIOUS:
		*from = m->previous ? m->previous->to + SMSAUDIT_DAY : smsaudit_date_add_months(as_of, -12);
		break;
	case SMSAUDIT_PERIOD_CYCLE:
		*from = m->cycle_from ? m->cycle_from : m->decision ? m->decision : smsaudit_date_add_months(as_of, -36);
		break;
	case SMSAUDIT_PERIOD_TWELVE_MONTHS:
		*from = smsaudit_date_add_months(as_of, -12);
		break;
	}
}

/* ---------------------------------------------------------------- names */

void smsaudit_pack_evidence_path(char *out, size_t size, const char *clause, const smsaudit_evidence_entry *e)
{
	const char *name = e->record->evidence.name && *e->record->evidence.name ? e->record->evidence.name : "content";
	char safe[101];
	size_t n = 0;
	for (const char *p = name; *p && n < sizeof(safe) - 1; p++) {
		char ch = *p;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		         ch == '_' || ch == '-' || ch == '+' || ch == '@';
		safe[n++] = ok ? ch : '_';
	}
	safe[n] = '\0';
	snprintf(out, size, "evidence/%s/%s-%s", clause, e->record->id, safe);
}

/* ---------------------------------------------------------------- the check */

/* A list with a count must have its array, and every element must be there. */
static int list_ok(const void *const *v, size_t n)
{
	if (n && !v)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i])
			return 0;
	return 1;
}

#define LIST(field) list_ok((const void *const *)m->field, m->n##field)

int smsaudit_pack_model_check(const smsaudit_pack_model *m)
{
	const char *missing = !m                        ? "the model"
	                      : !m->definition          ? "its definition"
	                      : !m->catalogue           ? "the catalogue"
	                      : !m->policy              ? "the SMS policy"
	                      : !m->audit || !m->audit->plan ? "the audit it is for"
	                      : !m->pack_id[0]          ? "the pack id"
	                      : !m->commit[0]           ? "the source commit"
	                      : !LIST(people)           ? "a person in its list"
	                      : !LIST(evidence)         ? "an evidence record in its list"
	                      : !LIST(problems)         ? "a problem in its list"
	                      : !LIST(findings)         ? "a finding in its list"
	                      : !LIST(audits)           ? "an audit in its list"
	                      : !LIST(clauses)          ? "a clause of the gap analysis"
	                      : !LIST(rollups)          ? "a roll-up of the gap analysis"
	                      : !LIST(cycle_items)      ? "an item of the cycle"
	                      : !LIST(rotation)         ? "a row of the rotation"
	                      : !LIST(trend)            ? "a row of the readiness trend"
	                      : !LIST(evidence_changes) ? "an evidence change"
	                      : !LIST(finding_changes)  ? "a finding change"
	                      : !LIST(people_changes)   ? "a change of people"
	                      : (m->nservices && !m->services) || (m->nsites && !m->sites) ? "a service or site"
	                                                                                    : NULL;
	/* The records and clauses the lists hold are what the report prints. */
	for (size_t i = 0; !missing && i < m->npeople; i++)
		if (!m->people[i]->record)
			missing = "a person's grant record";
	for (size_t i = 0; !missing && i < m->nevidence; i++)
		if (!m->evidence[i]->record)
			missing = "an evidence entry's record";
	for (size_t i = 0; !missing && i < m->nfindings; i++)
		if (!m->findings[i]->record)
			missing = "a finding's record";
	for (size_t i = 0; !missing && i < m->naudits; i++)
		if (!m->audits[i]->plan)
			missing = "an audit's plan record";
	for (size_t i = 0; !missing && i < m->nclauses; i++)
		if (!m->clauses[i]->clause)
			missing = "a gap clause's clause";
	for (size_t i = 0; !missing && i < m->nrotation; i++)
		if (!m->rotation[i]->unit)
			missing = "a rotation row's unit";
	for (size_t i = 0; !missing && i < m->ntrend; i++)
		if (!m->trend[i]->audit || !m->trend[i]->audit->plan)
			missing = "a readiness trend row's audit";
	for (size_t i = 0; !missing && i < m->nevidence_changes; i++)
		if (!m->evidence_changes[i]->evidence || !m->evidence_changes[i]->evidence->record)
			missing = "an evidence change's record";
	for (size_t i = 0; !missing && i < m->nfinding_changes; i++)
		if (!m->finding_changes[i]->finding || !m->finding_changes[i]->finding->record)
			missing = "a finding change's record";
	for (size_t i = 0; !missing && i < m->npeople_changes; i++)
		if (!m->people_changes[i]->person || !m->people_changes[i]->person->record)
			missing = "a change of people's record";
	if (missing)
		return error_set(SMSAUDIT_EINVALID, "pack model: %s is missing", missing);
	return 0;
}

#undef LIST

/* ---------------------------------------------------------------- the build */

/* The SMS description in force at the commit (the latest sms record, else
 * smsaudit.xml). One that cannot be read leaves the fields NULL: the ledger
 * has reported it as a problem, and the report shows what it can. */
static void read_sms(smsaudit_pack_model_owned *w, smsaudit_store *store, const smsaudit_state *st)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	if (smsaudit_state_sms(&b, store, st) < 0 || smsaudit_xml_parse_memory(&doc, b.ptr, b.size, "smsaudit.xml") < 0) {
		smsaudit_error_clear();
		smsaudit_buf_dispose(&b);
		return;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	w->organisation = smsaudit_xml_text(smsaudit_xml_child(root, "organisation"));
	w->scope = smsaudit_xml_text(smsaudit_xml_child(root, "scope"));
	w->body = smsaudit_xml_text(smsaudit_xml_child(root, "certification-body"));
	static const char *const lists[2][2] = { { "services", "service" }, { "sites", "site" } };
	for (int l = 0; l < 2; l++) {
		char ***out = l == 0 ? &w->services : &w->sites;
		size_t *n = l == 0 ? &w->nservices : &w->nsites;
		xmlNodePtr parent = smsaudit_xml_child(root, lists[l][0]);
		size_t count = 0;
		for (xmlNodePtr e = smsaudit_xml_first_element(parent); e; e = smsaudit_xml_next_element(e))
			count++;
		*out = calloc(count ? count : 1, sizeof(char *));
		for (xmlNodePtr e = smsaudit_xml_first_element(parent); *out && e; e = smsaudit_xml_next_element(e))
			(*out)[(*n)++] = smsaudit_xml_text(e);
	}
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
}

static int has_section(const smsaudit_report_def *def, smsaudit_section_kind k)
{
	for (size_t i = 0; i < smsaudit_report_def_count(def); i++)
		if (smsaudit_report_def_at(def, i)->kind == k)
			return 1;
	return 0;
}

/* m->field and m->nfield: pointers to the `count` results `at` gives for i;
 * returns from the calling function when out of memory. */
#define POINTERS(field, type, count, at)                                        \
	do {                                                                        \
		size_t n_ = (count);                                                    \
		const type **v_ = own(w, n_, sizeof(*v_));                              \
		if (!v_)                                                                \
			return error_oom();                                                 \
		for (size_t i = 0; i < n_; i++)                                         \
			v_[i] = (at);                                                       \
		m->field = v_;                                                          \
		m->n##field = n_;                                                       \
	} while (0)

static int from_state(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, const smsaudit_state *st)
{
	POINTERS(people, smsaudit_person_entry, smsaudit_state_person_count(st), smsaudit_state_person_at(st, i));
	POINTERS(evidence, smsaudit_evidence_entry, smsaudit_state_evidence_count(st), smsaudit_state_evidence_at(st, i));
	POINTERS(problems, smsaudit_problem, smsaudit_state_problem_count(st), smsaudit_state_problem_at(st, i));
	m->certificate = smsaudit_state_certificate(st);
	return 0;
}

/* The data rows of each ticket export among the evidence: one blob in memory
 * at a time, at most 16 MiB (a larger export counts as one record). */
#define CSV_MAX (16u << 20)
static int ticket_rows(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, smsaudit_store *store,
                       const smsaudit_state *st)
{
	size_t *rows = own(w, m->nevidence, sizeof(*rows));
	if (!rows)
		return error_oom();
	m->csv_rows = rows;
	for (size_t i = 0; i < m->nevidence; i++) {
		const smsaudit_evidence_body *b = &m->evidence[i]->record->evidence;
		if (b->kind != SMSAUDIT_KIND_RECORD || !b->media_type || strcmp(b->media_type, "text/csv") != 0 ||
		    b->size > CSV_MAX)
			continue;
		char path[100];
		snprintf(path, sizeof(path), "content/%.2s/%s", b->sha256, b->sha256);
		smsaudit_oid blob;
		smsaudit_buf c = SMSAUDIT_BUF_INIT;
		if (smsaudit_repo_path_oid(&blob, store->repo, smsaudit_state_commit(st), path) == 0 &&
		    smsaudit_repo_read_blob(&c, store->repo, &blob) == 0) {
			size_t lines = 0;
			for (size_t k = 0, start = 0; k <= c.size; k++)
				if (k == c.size || c.ptr[k] == '\n') {
					size_t len = k - start;
					if (len > 0 && !(len == 1 && c.ptr[start] == '\r'))
						lines++;
					start = k + 1;
				}
			rows[i] = lines > 1 ? lines - 1 : 0;
		}
		smsaudit_error_clear();
		smsaudit_buf_dispose(&c);
	}
	return 0;
}

static int from_analyses(smsaudit_pack_model *m, smsaudit_pack_model_owned *w)
{
	POINTERS(findings, smsaudit_finding, smsaudit_findings_count(w->findings), smsaudit_findings_at(w->findings, i));
	POINTERS(audits, smsaudit_audit, smsaudit_audits_count(w->audits), smsaudit_audits_at(w->audits, i));
	POINTERS(clauses, smsaudit_gap_clause, smsaudit_gap_clause_count(w->gap), smsaudit_gap_clause_at(w->gap, i));
	POINTERS(rollups, smsaudit_gap_rollup, smsaudit_gap_rollup_count(w->gap), smsaudit_gap_rollup_at(w->gap, i));
	POINTERS(cycle_items, smsaudit_cycle_item, smsaudit_cycle_count(w->cycle), smsaudit_cycle_at(w->cycle, i));
	POINTERS(rotation, smsaudit_coverage_row, smsaudit_coverage_count(w->rotation),
	         smsaudit_coverage_at(w->rotation, i));
	m->overall = *smsaudit_gap_overall(w->gap);
	m->stage1 = *smsaudit_gap_stage(w->gap, SMSAUDIT_STAGE_1);
	m->stage2 = *smsaudit_gap_stage(w->gap, SMSAUDIT_STAGE_2);
	m->phase = smsaudit_cycle_phase_get(w->cycle);
	m->decision = smsaudit_cycle_decision(w->cycle);
	m->expiry = smsaudit_cycle_expiry(w->cycle);
	m->surveillances = smsaudit_cycle_surveillances(w->cycle);
	/* The cycle begins with the audits that led to its decision: the
	 * recertification audit, else the initial audit's first stage. */
	m->cycle_from = m->decision;
	const smsaudit_audit *recert = NULL, *initial = NULL;
	for (size_t i = 0; m->decision && i < m->naudits; i++) {
		const smsaudit_audit *a = m->audits[i];
		smsaudit_audit_type t = a->plan->audit.type;
		if (a->from > m->decision)
			continue;
		if (t == SMSAUDIT_AUDIT_RECERTIFICATION && (!recert || a->from > recert->from))
			recert = a;
		if ((t == SMSAUDIT_AUDIT_STAGE1 || t == SMSAUDIT_AUDIT_STAGE2) && (!initial || a->from < initial->from))
			initial = a;
	}
	const smsaudit_audit *start = recert ? recert : initial;
	if (start && start->from < m->cycle_from)
		m->cycle_from = start->from;
	for (size_t i = 0; i < smsaudit_cycle_count(w->cycle); i++) {
		const smsaudit_cycle_item *it = smsaudit_cycle_at(w->cycle, i);
		if (it->kind == SMSAUDIT_ITEM_SURVEILLANCE && it->audit == m->audit)
			m->surveillance = it->number;
	}
	return 0;
}

/*
 * Readiness at each concluded certification audit that a cycle summary of
 * the definition reaches back to (the report keeps those in its section's
 * period), each computed once.
 */
static int readiness_trend(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, const smsaudit_state *st)
{
	const smsaudit_report_def *def = m->definition;
	int wanted = 0;
	time_t from = 0, to;
	for (size_t i = 0; i < smsaudit_report_def_count(def); i++) {
		const smsaudit_report_section *s = smsaudit_report_def_at(def, i);
		if (s->kind != SMSAUDIT_SEC_CYCLE_SUMMARY)
			continue;
		time_t f;
		smsaudit_pack_model_window(&f, &to, m, s->period);
		from = !wanted || f < from ? f : from;
		wanted = 1;
	}
	if (!wanted)
		return 0;
	const smsaudit_pack_readiness **rows = own(w, m->naudits, sizeof(*rows));
	if (!rows)
		return error_oom();
	m->trend = rows;
	for (size_t i = 0; i < m->naudits; i++) {
		const smsaudit_audit *a = m->audits[i];
		if (a->plan->audit.type == SMSAUDIT_AUDIT_INTERNAL || a->status != SMSAUDIT_AUDIT_CONCLUDED ||
		    a->to < from || a->to > m->as_of)
			continue;
		smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
		go.as_of = a->to;
		smsaudit_gap *g = NULL;
		int rc = smsaudit_gap_compute(&g, m->catalogue, st, &go);
		if (rc < 0)
			return rc;
		smsaudit_pack_readiness *r = own(w, 1, sizeof(*r));
		if (!r) {
			smsaudit_gap_free(g);
			return error_oom();
		}
		r->audit = a;
		r->overall = *smsaudit_gap_overall(g);
		smsaudit_gap_free(g);
		rows[m->ntrend++] = r;
	}
	return 0;
}

/* The state at the previous certification audit: its tag, else its last day's commit. */
static int previous_state(smsaudit_state **out, char commit_hex[41], smsaudit_store *store, const smsaudit_audit *prev)
{
	*out = NULL;
	char tag[SMSAUDIT_ID_MAX + 16];
	snprintf(tag, sizeof(tag), "refs/tags/audit/%s", prev->plan->id);
	smsaudit_oid c;
	if (smsaudit_repo_resolve(&c, store->repo, tag) < 0 && smsaudit_repo_commit_at(&c, store->repo, smsaudit_day_end(prev->to)) < 0)
		return 0;
	smsaudit_error_clear();
	smsaudit_oid_fmt(commit_hex, &c);
	return smsaudit_state_load(out, store, &c, SMSAUDIT_STATE_USE_CACHE);
}

static int evidence_changes(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, const smsaudit_state *old)
{
	const smsaudit_pack_evidence_change **v = own(w, m->nevidence, sizeof(*v));
	if (!v)
		return error_oom();
	m->evidence_changes = v;
	for (size_t i = 0; i < m->nevidence; i++) {
		const smsaudit_evidence_entry *e = m->evidence[i], *was = NULL;
		smsaudit_state_find_evidence(&was, old, e->record->id);
		smsaudit_error_clear();
		const char *what = NULL;
		time_t t = 0;
		if (!was) {
			what = "added";
			t = e->record->made_at;
		} else if (e->status != was->status) {
			what = e->status == SMSAUDIT_EV_SUPERSEDED ? "superseded"
			       : e->status == SMSAUDIT_EV_WITHDRAWN ? "withdrawn"
			                                            : "restored";
			t = e->changed_at;
		}
		if (!what)
			continue;
		smsaudit_pack_evidence_change *c = own(w, 1, sizeof(*c));
		if (!c)
			return error_oom();
		c->change = what;
		c->evidence = e;
		c->when = t;
		v[m->nevidence_changes++] = c;
	}
	return 0;
}

static int finding_changes(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, const smsaudit_state *old)
{
	smsaudit_findings *then = NULL;
	int rc = smsaudit_findings_compute(&then, old, m->as_of);
	const smsaudit_pack_finding_change **v = rc == 0 ? own(w, m->nfindings, sizeof(*v)) : NULL;
	if (rc == 0 && !v)
		rc = error_oom();
	m->finding_changes = v;
	for (size_t i = 0; rc == 0 && i < m->nfindings; i++) {
		const smsaudit_finding *f = m->findings[i], *was = NULL;
		smsaudit_findings_find(&was, then, f->record->id);
		smsaudit_error_clear();
		const char *what = !was ? "raised"
		                   : f->phase == SMSAUDIT_PHASE_CLOSED && was->phase != SMSAUDIT_PHASE_CLOSED ? "closed"
		                   : f->phase != was->phase ? "progressed"
		                                            : NULL;
		if (!what)
			continue;
		smsaudit_pack_finding_change *c = own(w, 1, sizeof(*c));
		if (!c) {
			rc = error_oom();
			break;
		}
		c->change = what;
		c->finding = f;
		v[m->nfinding_changes++] = c;
	}
	smsaudit_findings_free(then);
	return rc;
}

static int people_changes(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, const smsaudit_state *old)
{
	const smsaudit_pack_person_change **v = own(w, m->npeople, sizeof(*v));
	if (!v)
		return error_oom();
	m->people_changes = v;
	for (size_t i = 0; i < m->npeople; i++) {
		const smsaudit_person_entry *p = m->people[i];
		int known = 0, was_revoked = 0;
		for (size_t k = 0; k < smsaudit_state_person_count(old); k++) {
			const smsaudit_person_entry *q = smsaudit_state_person_at(old, k);
			if (strcmp(q->record->id, p->record->id) == 0) {
				known = 1;
				was_revoked = q->revoked_at != 0;
			}
		}
		if (known && !(p->revoked_at && !was_revoked))
			continue;
		smsaudit_pack_person_change *c = own(w, 1, sizeof(*c));
		if (!c)
			return error_oom();
		c->revoked = known;
		c->person = p;
		v[m->npeople_changes++] = c;
	}
	return 0;
}

/* What changed between the previous certification audit's commit and the pack's. The
 * changes point only into this model, so the older state goes once they are known. */
static int changes(smsaudit_pack_model *m, smsaudit_pack_model_owned *w, smsaudit_store *store,
                   const smsaudit_state *st)
{
	if (!has_section(m->definition, SMSAUDIT_SEC_CHANGES) || !m->previous)
		return 0;
	smsaudit_state *old = NULL;
	int rc = previous_state(&old, m->changes_from, store, m->previous);
	if (rc < 0 || !old)
		return rc;
	m->has_changes = 1;
	m->changes_audit = m->previous->plan->id;
	if ((rc = evidence_changes(m, w, old)) == 0 && (rc = finding_changes(m, w, old)) == 0)
		rc = people_changes(m, w, old);
	smsaudit_state_free(old);
	/* The organisation's changes after the previous audit's last day, to the as-of date. */
	time_t from, to;
	smsaudit_pack_model_window(&from, &to, m, SMSAUDIT_PERIOD_SINCE_PREVIOUS);
	if (rc == 0 && (rc = smsaudit_org_changes(&w->org_changes, &w->norg_changes, store, st, from,
	                                          smsaudit_day_end(to) + 1)) == 0) {
		m->org_changes = w->org_changes;
		m->norg_changes = w->norg_changes;
	}
	return rc;
}

int smsaudit_pack_model_build(smsaudit_pack_model *m, smsaudit_store *store, const smsaudit_state *st,
                              const smsaudit_pack_model_options *o)
{
	if (!m)
		return error_set(SMSAUDIT_EUSAGE, "a pack model needs somewhere to be built");
	memset(m, 0, sizeof(*m));
	if (!store || !st || !o || !o->audit)
		return error_set(SMSAUDIT_EUSAGE, "a pack model needs a store, its state and an audit");
	smsaudit_pack_model_owned *w = calloc(1, sizeof(*w));
	if (!w)
		return error_oom();
	m->owned = w;
	m->as_of = smsaudit_date_of(o->as_of ? o->as_of : smsaudit_now());
	smsaudit_oid_fmt(m->commit, smsaudit_state_commit(st));
	m->catalogue = smsaudit_store_catalogue(store);
	m->policy = smsaudit_state_policy(st);
	m->repository_organisation = smsaudit_store_organisation(store);

	/* The audit and its definition first: an unknown audit or a broken
	 * definition is refused before anything else is computed. */
	int rc = smsaudit_audits_compute(&w->audits, st, m->as_of);
	if (rc == 0)
		rc = smsaudit_audits_find(&m->audit, w->audits, o->audit);
	if (rc == 0)
		rc = smsaudit_report_def_load(&w->def, o->definition, m->audit->plan->audit.type);
	m->definition = w->def;
	if (rc == 0) {
		/* PACK-<type>-<as-of>-<commit>: the same audit type, date and commit give the same pack. */
		char day[11];
		smsaudit_date_format(day, m->as_of);
		snprintf(m->pack_id, sizeof(m->pack_id), "PACK-%s-%.4s%.2s%.2s-%.8s",
		         smsaudit_audit_type_name(m->audit->plan->audit.type), day, day + 5, day + 8, m->commit);
		rc = smsaudit_cert_fingerprint(m->anchor_sha256, store->ca);
	}
	if (rc == 0) {
		m->previous = smsaudit_audits_previous(w->audits, m->audit);
		rc = from_state(m, w, st);
	}
	if (rc == 0)
		rc = ticket_rows(m, w, store, st);
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = m->as_of;
	if (rc == 0)
		rc = smsaudit_findings_compute(&w->findings, st, m->as_of);
	if (rc == 0)
		rc = smsaudit_gap_compute(&w->gap, m->catalogue, st, &go);
	if (rc == 0)
		rc = smsaudit_cycle_compute(&w->cycle, m->policy, w->audits, m->as_of);
	if (rc == 0)
		rc = smsaudit_rotation_compute(&w->rotation, m->catalogue, m->policy, w->cycle, 0);
	if (rc == 0)
		rc = from_analyses(m, w);
	if (rc == 0) {
		read_sms(w, store, st);
		m->organisation = w->organisation;
		m->scope = w->scope;
		m->certification_body = w->body;
		m->services = (const char *const *)w->services;
		m->nservices = w->nservices;
		m->sites = (const char *const *)w->sites;
		m->nsites = w->nsites;
	}
	if (rc == 0)
		rc = readiness_trend(m, w, st);
	if (rc == 0)
		rc = changes(m, w, store, st);
	if (rc < 0)
		smsaudit_pack_model_dispose(m);
	return rc;
}
