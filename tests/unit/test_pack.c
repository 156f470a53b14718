/*
 * The pack model built by smsaudit_pack_model_build from a repository made
 * here through the public API, at an injected clock:
 *
 *   2027-01-10 09:00  init (Ada Quinn, quality manager)
 *   2027-01-11 09:00  E1 policy (5.2.1), E2 incident records (8.6.1), E3 register (6.3), one commit
 *   2027-01-12 09:00  Eve Cole granted external-auditor
 *   2027-01-13 09:00  stage 1 planned for 2027-02-01..02; 10:00 a surveillance for 2027-06-01..02
 *   2027-02-02 17:00  Eve concludes stage 1 (untagged: the changes start from this day's commit)
 *   2027-02-03 09:00  Eve raises a minor from stage 1
 *   2027-03-01 09:00  E4 internal audit report (9.2)
 *   2027-03-02 09:00  E1 withdrawn
 *   2027-03-03 09:00  Ada raises an observation
 *   2027-03-04 09:00  Ben Okafor granted process-owner
 *
 * A pack is built, as smsaudit pack does, from the state at the commit of
 * its as-of date's end: the model's counts of people, evidence, findings and
 * audits must be the repository's, its analyses the library's own at that
 * date, and its changes those since stage 1.
 */
#include "testutil.h"

static char dir[] = "/tmp/smsaudit-pack-XXXXXX";
static smsaudit_catalogue *cat;
static smsaudit_store *store;
static char e1[SMSAUDIT_ID_MAX], e4[SMSAUDIT_ID_MAX], stage1[SMSAUDIT_ID_MAX], surveillance[SMSAUDIT_ID_MAX];
static char concluded_at[41];
static int nfile;

static void at(const char *when)
{
	setenv("SMSAUDIT_NOW", when, 1);
}

/* One evidence file per spec as one commit; ids into `ids`. */
typedef struct {
	const char *title, *control;
	smsaudit_evidence_kind kind;
} ev_spec;

static void add(smsaudit_identity *who, const ev_spec *spec, size_t n, char (*ids)[SMSAUDIT_ID_MAX])
{
	char paths[4][600];
	smsaudit_evidence_input in[4];
	assert_true(n <= 4);
	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d.txt", dir, nfile);
		FILE *f = fopen(paths[i], "w");
		assert_non_null(f);
		fprintf(f, "evidence file %d\n", nfile++);
		fclose(f);
		in[i].file = paths[i];
		in[i].title = spec[i].title;
		in[i].kind = spec[i].kind;
		in[i].controls = &spec[i].control;
		in[i].ncontrols = 1;
		if (spec[i].kind == SMSAUDIT_KIND_RECORD) {
			in[i].has_period = 1;
			in[i].period_from = date("2027-01-01");
			in[i].period_to = date("2027-01-10");
		}
	}
	if (smsaudit_store_add_evidence(store, who, in, n, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
}

/* A person with a key of their own and a certificate from the organisation's CA. */
static smsaudit_identity *grant(smsaudit_identity *qm, const char *ca_key_path, const char *name, const char *email,
                                unsigned roles)
{
	smsaudit_key *ca_key = NULL, *key = NULL;
	smsaudit_cert *cert = NULL;
	char key_path[700], id[SMSAUDIT_ID_MAX];
	snprintf(key_path, sizeof(key_path), "%s/%s.key", dir, email);
	assert_int_equal(smsaudit_key_load(&ca_key, ca_key_path, NULL), 0);
	assert_int_equal(smsaudit_key_generate(&key), 0);
	assert_int_equal(smsaudit_key_save(key, key_path, NULL), 0);
	assert_int_equal(smsaudit_cert_issue(&cert, smsaudit_store_ca(store), ca_key, key, name, email,
	                                     smsaudit_now() - 60, 365), 0);
	if (smsaudit_store_add_person(id, store, qm, cert, NULL, name, email, roles, 0) < 0)
		fail_msg("grant %s: %s", email, smsaudit_error_last()->message);
	smsaudit_identity *who = NULL;
	assert_int_equal(smsaudit_identity_load(&who, store, key_path, NULL), 0);
	smsaudit_cert_free(cert);
	smsaudit_key_free(key);
	smsaudit_key_free(ca_key);
	return who;
}

static void plan(char id[SMSAUDIT_ID_MAX], smsaudit_identity *qm, smsaudit_audit_type type, const char *from,
                 const char *to)
{
	smsaudit_audit_plan_input ap;
	memset(&ap, 0, sizeof(ap));
	ap.type = type;
	ap.planned_from = date(from);
	ap.planned_to = date(to);
	ap.body = "Example Certification Ltd";
	ap.lead = "eve@cb.example";
	if (smsaudit_store_audit_plan(id, store, qm, &ap) < 0)
		fail_msg("audit plan: %s", smsaudit_error_last()->message);
}

static void raise_finding(smsaudit_identity *who, smsaudit_finding_source source, const char *audit, const char *grade,
                          const char *statement)
{
	test_raise_finding(store, who, source, audit, grade, "8.6.1", statement);
}

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	smsaudit_identity *ada = NULL;
	at("2027-01-10T09:00:00Z");
	char repo[600], keys[600];
	snprintf(repo, sizeof(repo), "%s/ev.git", dir);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	smsaudit_init_options io = SMSAUDIT_INIT_OPTIONS_INIT;
	io.path = repo;
	io.organisation = "Pack Test Ltd";
	io.scope = "Testing";
	io.name = "Ada Quinn";
	io.email = "ada@example.org";
	io.keys_dir = keys;
	io.catalogue = cat;
	smsaudit_init_result res;
	if (smsaudit_store_init(&store, &io, &res) < 0)
		fail_msg("init: %s", smsaudit_error_last()->message);
	assert_int_equal(smsaudit_identity_load(&ada, store, res.person_key_path, NULL), 0);

	at("2027-01-11T09:00:00Z");
	const ev_spec first[] = {
		{ "Service management policy", "5.2.1", SMSAUDIT_KIND_POLICY },
		{ "Incident records", "8.6.1", SMSAUDIT_KIND_RECORD },
		{ "Risk register", "6.3", SMSAUDIT_KIND_REGISTER },
	};
	char ids[4][SMSAUDIT_ID_MAX];
	add(ada, first, 3, ids);
	memcpy(e1, ids[0], SMSAUDIT_ID_MAX);

	at("2027-01-12T09:00:00Z");
	smsaudit_identity *eve = grant(ada, res.ca_key_path, "Eve Cole", "eve@cb.example", SMSAUDIT_ROLE_EXTERNAL_AUDITOR);

	at("2027-01-13T09:00:00Z");
	plan(stage1, ada, SMSAUDIT_AUDIT_STAGE1, "2027-02-01", "2027-02-02");
	at("2027-01-13T10:00:00Z");
	plan(surveillance, ada, SMSAUDIT_AUDIT_SURVEILLANCE, "2027-06-01", "2027-06-02");

	at("2027-02-02T17:00:00Z");
	smsaudit_audit_conclusion cc;
	memset(&cc, 0, sizeof(cc));
	cc.from = date("2027-02-01");
	cc.to = date("2027-02-02");
	cc.recommendation = SMSAUDIT_REC_NONE;
	cc.summary = "Ready for stage 2";
	char cid[SMSAUDIT_ID_MAX];
	if (smsaudit_store_audit_conclude(cid, store, eve, stage1, &cc) < 0)
		fail_msg("conclude: %s", smsaudit_error_last()->message);
	smsaudit_oid c;
	assert_int_equal(smsaudit_repo_head(&c, smsaudit_store_repo(store)), 0);
	smsaudit_oid_fmt(concluded_at, &c);

	at("2027-02-03T09:00:00Z");
	raise_finding(eve, SMSAUDIT_SOURCE_STAGE1, stage1, "minor", "Incident reviews incomplete");

	at("2027-03-01T09:00:00Z");
	const ev_spec later[] = { { "Internal audit report", "9.2", SMSAUDIT_KIND_REPORT } };
	add(ada, later, 1, ids);
	memcpy(e4, ids[0], SMSAUDIT_ID_MAX);
	at("2027-03-02T09:00:00Z");
	char wid[SMSAUDIT_ID_MAX];
	if (smsaudit_store_withdraw(wid, store, ada, e1, "replaced by the intranet page") < 0)
		fail_msg("withdraw: %s", smsaudit_error_last()->message);
	at("2027-03-03T09:00:00Z");
	raise_finding(ada, SMSAUDIT_SOURCE_SELF_IDENTIFIED, NULL, "observation", "Terse CAB minutes");
	at("2027-03-04T09:00:00Z");
	smsaudit_identity *ben = grant(ada, res.ca_key_path, "Ben Okafor", "ben@example.org", SMSAUDIT_ROLE_PROCESS_OWNER);

	/* The verifier's clock after every record. */
	at("2027-12-31T00:00:00Z");
	smsaudit_identity_free(ben);
	smsaudit_identity_free(eve);
	smsaudit_identity_free(ada);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_store_free(store);
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* The state at the end of `day`, as smsaudit pack loads it (once). */
static smsaudit_state *state_at(const char *day, char hex[41])
{
	smsaudit_oid c;
	assert_int_equal(smsaudit_repo_commit_at(&c, smsaudit_store_repo(store), smsaudit_day_end(date(day))), 0);
	smsaudit_oid_fmt(hex, &c);
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, store, &c, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	return st;
}

static void build(smsaudit_pack_model *m, const smsaudit_state *st, const char *audit, const char *day)
{
	smsaudit_pack_model_options o = SMSAUDIT_PACK_MODEL_OPTIONS_INIT;
	o.audit = audit;
	o.as_of = date(day);
	if (smsaudit_pack_model_build(m, store, st, &o) < 0)
		fail_msg("build the model: %s", smsaudit_error_last()->message);
	assert_int_equal(smsaudit_pack_model_check(m), 0);
}

static size_t assessable(void)
{
	size_t n = 0;
	for (size_t i = 0; i < smsaudit_catalogue_count(cat); i++)
		n += smsaudit_catalogue_at(cat, i)->assessable;
	return n;
}

/* Counts the library's own analyses give at that date. */
static void expect_counts_of_the_library(const smsaudit_pack_model *m, const smsaudit_state *st, time_t as_of)
{
	smsaudit_findings *fs = NULL;
	smsaudit_audits *as = NULL;
	assert_int_equal(smsaudit_findings_compute(&fs, st, as_of), 0);
	assert_int_equal(smsaudit_audits_compute(&as, st, as_of), 0);
	assert_int_equal(m->nevidence, smsaudit_state_evidence_count(st));
	assert_int_equal(m->npeople, smsaudit_state_person_count(st));
	assert_int_equal(m->nfindings, smsaudit_findings_count(fs));
	assert_int_equal(m->naudits, smsaudit_audits_count(as));
	for (size_t i = 0; i < m->nfindings; i++)
		assert_string_equal(m->findings[i]->record->id, smsaudit_findings_at(fs, i)->record->id);
	for (size_t i = 0; i < m->naudits; i++)
		assert_string_equal(m->audits[i]->plan->id, smsaudit_audits_at(as, i)->plan->id);
	assert_int_equal(m->nclauses, assessable());
	smsaudit_audits_free(as);
	smsaudit_findings_free(fs);
}

static void stage1_pack_before_the_audit(void **state)
{
	(void)state;
	char hex[41];
	smsaudit_state *st = state_at("2027-01-31", hex);
	smsaudit_pack_model m;
	build(&m, st, stage1, "2027-01-31");
	/* E1-E3; Ada and Eve; nothing raised yet; both audits planned. */
	assert_int_equal(m.nevidence, 3);
	assert_int_equal(m.npeople, 2);
	assert_int_equal(m.nfindings, 0);
	assert_int_equal(m.naudits, 2);
	assert_int_equal(m.nproblems, 0);
	expect_counts_of_the_library(&m, st, date("2027-01-31"));
	assert_string_equal(m.audit->plan->id, stage1);
	assert_int_equal(m.audit->status, SMSAUDIT_AUDIT_PLANNED);
	assert_int_equal(smsaudit_report_def_type(m.definition), SMSAUDIT_AUDIT_STAGE1);
	assert_null(m.previous);
	assert_string_equal(m.commit, hex);
	expect_date(m.as_of, "2027-01-31");
	char want[80];
	snprintf(want, sizeof(want), "PACK-stage1-20270131-%.8s", hex);
	assert_string_equal(m.pack_id, want);
	assert_string_equal(m.organisation, "Pack Test Ltd");
	assert_string_equal(m.repository_organisation, "Pack Test Ltd");
	assert_string_equal(m.scope, "Testing");
	/* A stage 1 pack has no changes section: nothing since is computed. */
	assert_int_equal(m.has_changes, 0);
	assert_int_equal(m.nevidence_changes + m.nfinding_changes + m.npeople_changes, 0);
	assert_int_equal(m.ntrend, 0);
	smsaudit_pack_model_dispose(&m);
	assert_null(m.owned);
	assert_int_equal(m.nevidence, 0);
	smsaudit_state_free(st);
}

static void surveillance_pack_with_changes(void **state)
{
	(void)state;
	char hex[41];
	smsaudit_state *st = state_at("2027-04-01", hex);
	smsaudit_pack_model m;
	build(&m, st, surveillance, "2027-04-01");
	/* E1-E4 (E1 withdrawn, still listed); Ada, Eve and Ben; the minor and the observation; both audits. */
	assert_int_equal(m.nevidence, 4);
	assert_int_equal(m.npeople, 3);
	assert_int_equal(m.nfindings, 2);
	assert_int_equal(m.naudits, 2);
	expect_counts_of_the_library(&m, st, date("2027-04-01"));
	size_t withdrawn = 0;
	for (size_t i = 0; i < m.nevidence; i++)
		withdrawn += m.evidence[i]->status == SMSAUDIT_EV_WITHDRAWN;
	assert_int_equal(withdrawn, 1);
	assert_string_equal(m.audit->plan->id, surveillance);
	assert_non_null(m.previous);
	assert_string_equal(m.previous->plan->id, stage1);

	/* Since stage 1, from the commit of its last day (it has no audit/ tag). */
	assert_int_equal(m.has_changes, 1);
	assert_string_equal(m.changes_from, concluded_at);
	assert_string_equal(m.changes_audit, stage1);
	assert_int_equal(m.nevidence_changes, 2);
	for (size_t i = 0; i < m.nevidence_changes; i++) {
		const smsaudit_pack_evidence_change *c = m.evidence_changes[i];
		if (strcmp(c->evidence->record->id, e4) == 0)
			assert_string_equal(c->change, "added");
		else if (strcmp(c->evidence->record->id, e1) == 0)
			assert_string_equal(c->change, "withdrawn");
		else
			fail_msg("%s is not a change since stage 1", c->evidence->record->id);
	}
	assert_int_equal(m.nfinding_changes, 2);
	for (size_t i = 0; i < m.nfinding_changes; i++)
		assert_string_equal(m.finding_changes[i]->change, "raised");
	assert_int_equal(m.npeople_changes, 1);
	assert_string_equal(m.people_changes[0]->person->record->person.email, "ben@example.org");
	assert_int_equal(m.people_changes[0]->revoked, 0);

	/* The same model renders without the store: a whole PDF. */
	m.signer = "ada@example.org";
	smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
	smsaudit_report_stats stats = { 0, 0 };
	if (smsaudit_report_render(&pdf, &stats, &m) < 0)
		fail_msg("render: %s", smsaudit_error_last()->message);
	assert_true(pdf.size > 20000);
	assert_memory_equal(pdf.ptr, "%PDF-1.", 7);
	assert_true(stats.pages >= (int)smsaudit_report_def_count(m.definition) - 1);
	smsaudit_buf_dispose(&pdf);
	smsaudit_pack_model_dispose(&m);
	smsaudit_state_free(st);
}

static void trend_only_for_a_cycle_summary(void **state)
{
	(void)state;
	/* A definition with a cycle summary over all time: readiness at stage 1's end. */
	char *path = write_temp("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                        "<report xmlns=\"urn:smsaudit:report:1\" version=\"1\" audit-type=\"surveillance\">\n"
	                        "  <title>Trend</title>\n"
	                        "  <section kind=\"cycle-summary\" period=\"all\"/>\n"
	                        "</report>\n");
	char hex[41];
	smsaudit_state *st = state_at("2027-04-01", hex);
	smsaudit_pack_model m;
	smsaudit_pack_model_options o = SMSAUDIT_PACK_MODEL_OPTIONS_INIT;
	o.audit = surveillance;
	o.as_of = date("2027-04-01");
	o.definition = path;
	assert_int_equal(smsaudit_pack_model_build(&m, store, st, &o), 0);
	assert_int_equal(m.ntrend, 1);
	assert_string_equal(m.trend[0]->audit->plan->id, stage1);
	assert_int_equal(m.trend[0]->overall.total, assessable());
	/* No changes section, so the older state is never loaded. */
	assert_int_equal(m.has_changes, 0);
	smsaudit_pack_model_dispose(&m);
	smsaudit_state_free(st);
	unlink(path);
	free(path);
}

static void refusals_leave_nothing(void **state)
{
	(void)state;
	char hex[41];
	smsaudit_state *st = state_at("2027-04-01", hex);
	smsaudit_pack_model m;
	smsaudit_pack_model_options o = SMSAUDIT_PACK_MODEL_OPTIONS_INIT;
	o.as_of = date("2027-04-01");
	o.audit = "audit-20270101-00000000deadbeef";
	assert_int_equal(smsaudit_pack_model_build(&m, store, st, &o), SMSAUDIT_ENOTFOUND);
	assert_error_contains("does not exist");
	assert_null(m.owned);
	assert_null(m.definition);
	/* Not planned yet at that date. */
	o.audit = stage1;
	o.as_of = date("2027-01-12");
	assert_int_equal(smsaudit_pack_model_build(&m, store, st, &o), SMSAUDIT_ENOTFOUND);
	assert_null(m.owned);
	/* A definition for another audit type. */
	char *path = write_temp("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                        "<report xmlns=\"urn:smsaudit:report:1\" version=\"1\" audit-type=\"stage2\">\n"
	                        "  <title>Stage 2</title>\n  <section kind=\"cover\"/>\n</report>\n");
	o.as_of = date("2027-04-01");
	o.definition = path;
	assert_int_equal(smsaudit_pack_model_build(&m, store, st, &o), SMSAUDIT_EINVALID);
	assert_error_contains("audit-type is stage2, but the audit is a stage1 audit");
	assert_null(m.owned);
	unlink(path);
	free(path);
	o.definition = NULL;
	o.audit = NULL;
	assert_int_equal(smsaudit_pack_model_build(&m, store, st, &o), SMSAUDIT_EUSAGE);
	smsaudit_pack_model_dispose(&m);
	smsaudit_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stage1_pack_before_the_audit),
		cmocka_unit_test(surveillance_pack_with_changes),
		cmocka_unit_test(trend_only_for_a_cycle_summary),
		cmocka_unit_test(refusals_leave_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
