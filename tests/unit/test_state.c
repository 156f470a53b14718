/*
 * The ledger through smsaudit_state_load, over a repository built here with
 * the library's writers at an injected clock:
 *
 *   2027-01-10 09:00  init (Ada Quinn, quality manager)
 *   2027-01-11 09:00  E1
 *   2027-01-12 09:00  E2 and E3 in one commit
 *   2027-01-13 09:00  Ben Okafor granted process-owner; then, in the same
 *                     second but a later commit, Ben adds E4
 *   2027-01-14 09:00  Ben granted again (process-owner, internal-auditor)
 *   2027-01-14 10:00  E1 superseded by E2;  10:30 E3 withdrawn
 *   2027-01-15 09:00  Ben revoked from 12:00
 *   2027-01-16 09:00  grade scale replaced (an sms record)
 *   2027-01-17 09:00  certification decision recorded (a second sms record)
 *   2027-01-18 09:00  E5
 *
 * Separate small repositories show what the flags change: a record signed
 * after the commit that added it (SMSAUDIT_STATE_SNAPSHOT), an object that
 * cannot be read (SMSAUDIT_STATE_REPORT_DAMAGE), and paths a commit may not
 * add or change.
 */
#include <sys/stat.h>

#include "testutil.h"

static char dir[] = "/tmp/smsaudit-state-XXXXXX";
static char repo_dir[600];
static smsaudit_catalogue *cat;
static smsaudit_store *store;
static smsaudit_identity *ada;
static char e1[SMSAUDIT_ID_MAX], e2[SMSAUDIT_ID_MAX], e3[SMSAUDIT_ID_MAX], e4[SMSAUDIT_ID_MAX], e5[SMSAUDIT_ID_MAX];
static char ben1[SMSAUDIT_ID_MAX], ben2[SMSAUDIT_ID_MAX], sup[SMSAUDIT_ID_MAX], wd[SMSAUDIT_ID_MAX];
static char rev[SMSAUDIT_ID_MAX];
static smsaudit_oid c_init, c_e1, c_ben1, c_rev, c_grades, c_cycle, c_last;
static int nfile;

static void at(const char *when)
{
	setenv("SMSAUDIT_NOW", when, 1);
}

static void head(smsaudit_oid *out, smsaudit_store *s)
{
	assert_int_equal(smsaudit_repo_head(out, smsaudit_store_repo(s)), 0);
}

/* A new repository in `d`/ev.git with Ada as its quality manager. */
static void new_store(const char *d, smsaudit_store **s, smsaudit_identity **qm, smsaudit_init_result *res)
{
	char repo[600], keys[600];
	snprintf(repo, sizeof(repo), "%s/ev.git", d);
	snprintf(keys, sizeof(keys), "%s/keys", d);
	smsaudit_init_options o = SMSAUDIT_INIT_OPTIONS_INIT;
	o.path = repo;
	o.organisation = "State Test Ltd";
	o.scope = "Testing the ledger";
	o.name = "Ada Quinn";
	o.email = "ada@example.org";
	o.keys_dir = keys;
	o.catalogue = cat;
	if (smsaudit_store_init(s, &o, res) < 0)
		fail_msg("init: %s", smsaudit_error_last()->message);
	assert_int_equal(smsaudit_identity_load(qm, *s, res->person_key_path, NULL), 0);
}

/* Evidence files as one commit, signed by `who`; ids into `ids`. */
static void add_evidence(smsaudit_store *s, smsaudit_identity *who, const char *d, char (*ids)[SMSAUDIT_ID_MAX], size_t n)
{
	char paths[4][600];
	smsaudit_evidence_input in[4];
	const char *controls[] = { "4.1" };
	assert_true(n <= 4);
	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d.txt", d, nfile);
		FILE *f = fopen(paths[i], "w");
		assert_non_null(f);
		fprintf(f, "evidence file %d\n", nfile++);
		fclose(f);
		in[i].file = paths[i];
		in[i].title = "Change register";
		in[i].kind = SMSAUDIT_KIND_REGISTER;
		in[i].controls = controls;
		in[i].ncontrols = 1;
	}
	if (smsaudit_store_add_evidence(s, who, in, n, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
}

static void print_problems(const smsaudit_state *st)
{
	for (size_t i = 0; i < smsaudit_state_problem_count(st); i++) {
		const smsaudit_problem *p = smsaudit_state_problem_at(st, i);
		print_message("problem: %s [%s] %s\n", p->path, p->id, p->message);
	}
}

static void expect_no_problems(const smsaudit_state *st)
{
	if (smsaudit_state_problem_count(st)) {
		print_problems(st);
		fail_msg("%zu problems in a clean repository", smsaudit_state_problem_count(st));
	}
}

/* The index of the first problem whose message contains `needle`, or -1. */
static long find_problem(const smsaudit_state *st, const char *needle)
{
	for (size_t i = 0; i < smsaudit_state_problem_count(st); i++)
		if (strstr(smsaudit_state_problem_at(st, i)->message, needle))
			return (long)i;
	return -1;
}

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	snprintf(repo_dir, sizeof(repo_dir), "%s/ev.git", dir);
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	smsaudit_init_result res;
	at("2027-01-10T09:00:00Z");
	new_store(dir, &store, &ada, &res);
	head(&c_init, store);

	char ids[4][SMSAUDIT_ID_MAX];
	at("2027-01-11T09:00:00Z");
	add_evidence(store, ada, dir, ids, 1);
	memcpy(e1, ids[0], SMSAUDIT_ID_MAX);
	head(&c_e1, store);
	at("2027-01-12T09:00:00Z");
	add_evidence(store, ada, dir, ids, 2);
	memcpy(e2, ids[0], SMSAUDIT_ID_MAX);
	memcpy(e3, ids[1], SMSAUDIT_ID_MAX);

	/* Ben: a key of his own and a certificate from the organisation's CA. */
	at("2027-01-13T09:00:00Z");
	smsaudit_key *ca_key = NULL, *ben_key = NULL;
	smsaudit_cert *ben_cert = NULL;
	assert_int_equal(smsaudit_key_load(&ca_key, res.ca_key_path, NULL), 0);
	assert_int_equal(smsaudit_key_generate(&ben_key), 0);
	char ben_key_path[700];
	snprintf(ben_key_path, sizeof(ben_key_path), "%s/ben.key", dir);
	assert_int_equal(smsaudit_key_save(ben_key, ben_key_path, NULL), 0);
	assert_int_equal(smsaudit_cert_issue(&ben_cert, smsaudit_store_ca(store), ca_key, ben_key, "Ben Okafor",
	                                     "ben@example.org", smsaudit_now() - 60, 365), 0);
	assert_int_equal(smsaudit_store_add_person(ben1, store, ada, ben_cert, NULL, "Ben Okafor", "ben@example.org",
	                                           SMSAUDIT_ROLE_PROCESS_OWNER, 0), 0);
	head(&c_ben1, store);
	smsaudit_identity *ben = NULL;
	assert_int_equal(smsaudit_identity_load(&ben, store, ben_key_path, NULL), 0);
	assert_int_equal(smsaudit_identity_roles(ben), SMSAUDIT_ROLE_PROCESS_OWNER);
	add_evidence(store, ben, dir, ids, 1);
	memcpy(e4, ids[0], SMSAUDIT_ID_MAX);
	smsaudit_identity_free(ben);

	at("2027-01-14T09:00:00Z");
	assert_int_equal(smsaudit_store_add_person(ben2, store, ada, ben_cert, NULL, "Ben Okafor", "ben@example.org",
	                                           SMSAUDIT_ROLE_PROCESS_OWNER | SMSAUDIT_ROLE_INTERNAL_AUDITOR, 0), 0);
	at("2027-01-14T10:00:00Z");
	assert_int_equal(smsaudit_store_supersede(sup, store, ada, e1, e2, "New version"), 0);
	at("2027-01-14T10:30:00Z");
	assert_int_equal(smsaudit_store_withdraw(wd, store, ada, e3, "Uploaded by mistake"), 0);

	at("2027-01-15T09:00:00Z");
	time_t effective;
	assert_int_equal(smsaudit_time_parse(&effective, "2027-01-15T12:00:00Z"), 0);
	assert_int_equal(smsaudit_store_revoke_person(rev, store, ada, "ben@example.org", "Left", effective), 0);
	head(&c_rev, store);
	/* After the revocation takes effect his key signs for nobody. */
	at("2027-01-15T12:00:00Z");
	assert_int_equal(smsaudit_identity_load(&ben, store, ben_key_path, NULL), SMSAUDIT_EINVALID);
	assert_error_contains("the certificate of ben@example.org has been revoked");
	assert_null(ben);

	at("2027-01-16T09:00:00Z");
	smsaudit_grade scale[2];
	memset(scale, 0, sizeof(scale));
	snprintf(scale[0].id, sizeof(scale[0].id), "cat1");
	scale[0].cls = SMSAUDIT_GRADE_MAJOR;
	snprintf(scale[0].label, sizeof(scale[0].label), "Category 1");
	snprintf(scale[1].id, sizeof(scale[1].id), "cat2");
	scale[1].cls = SMSAUDIT_GRADE_MINOR;
	snprintf(scale[1].label, sizeof(scale[1].label), "Category 2");
	if (smsaudit_store_set_grades(store, ada, scale, 2) < 0)
		fail_msg("set grades: %s", smsaudit_error_last()->message);
	head(&c_grades, store);

	at("2027-01-17T09:00:00Z");
	smsaudit_cycle_settings cs = SMSAUDIT_CYCLE_SETTINGS_INIT;
	cs.decision = date("2027-01-16");
	if (smsaudit_store_set_cycle(store, ada, &cs) < 0)
		fail_msg("set cycle: %s", smsaudit_error_last()->message);
	head(&c_cycle, store);

	at("2027-01-18T09:00:00Z");
	add_evidence(store, ada, dir, ids, 1);
	memcpy(e5, ids[0], SMSAUDIT_ID_MAX);
	head(&c_last, store);

	smsaudit_cert_free(ben_cert);
	smsaudit_key_free(ben_key);
	smsaudit_key_free(ca_key);
	/* The verifier's clock: after everything. */
	at("2027-02-01T00:00:00Z");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	smsaudit_catalogue_free(cat);
	unsetenv("SMSAUDIT_NOW");
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static smsaudit_state *load(const smsaudit_oid *commit, unsigned flags)
{
	smsaudit_state *st = NULL;
	if (smsaudit_state_load(&st, store, commit, flags) < 0)
		fail_msg("state load: %s", smsaudit_error_last()->message);
	assert_non_null(st);
	return st;
}

static void test_clean_records_in_time_order(void **state)
{
	(void)state;
	smsaudit_state *st = load(NULL, 0);
	expect_no_problems(st);
	/* Ada's grant, E1..E5, Ben's two grants, a supersession, a withdrawal, a revocation, two sms records. */
	assert_int_equal(smsaudit_state_record_count(st), 13);
	assert_int_equal(smsaudit_state_evidence_count(st), 5);
	/* E2 and E3 share a second: then the id decides. */
	const char *first23 = strcmp(e2, e3) < 0 ? e2 : e3, *second23 = strcmp(e2, e3) < 0 ? e3 : e2;
	/* Ben's grant and E4 share a second too: the grant goes first although "ev-" sorts before "person-". */
	const struct { smsaudit_record_type type; const char *id; } want[] = {
		{ SMSAUDIT_REC_PERSON, NULL }, { SMSAUDIT_REC_EVIDENCE, e1 }, { SMSAUDIT_REC_EVIDENCE, first23 },
		{ SMSAUDIT_REC_EVIDENCE, second23 }, { SMSAUDIT_REC_PERSON, ben1 }, { SMSAUDIT_REC_EVIDENCE, e4 },
		{ SMSAUDIT_REC_PERSON, ben2 }, { SMSAUDIT_REC_SUPERSEDE, sup }, { SMSAUDIT_REC_WITHDRAW, wd },
		{ SMSAUDIT_REC_REVOCATION, rev }, { SMSAUDIT_REC_SMS, NULL }, { SMSAUDIT_REC_SMS, NULL },
		{ SMSAUDIT_REC_EVIDENCE, e5 },
	};
	time_t last = 0;
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		assert_non_null(e.record);
		if (e.record->type != want[i].type || (want[i].id && strcmp(e.record->id, want[i].id) != 0))
			fail_msg("record %zu is %s %s, expected %s %s", i, smsaudit_record_type_name(e.record->type), e.record->id,
			         smsaudit_record_type_name(want[i].type), want[i].id ? want[i].id : "");
		assert_true(e.record->made_at >= last);
		last = e.record->made_at;
		assert_true(e.valid);
		/* Each record is at its path, and its blob is the file there. */
		char path[160];
		assert_int_equal(smsaudit_record_path(path, sizeof(path), e.record->id), 0);
		assert_string_equal(e.path, path);
		smsaudit_oid blob;
		assert_int_equal(smsaudit_repo_path_oid(&blob, smsaudit_store_repo(store), NULL, e.path), 0);
		assert_memory_equal(blob.id, e.blob.id, 20);
		/* Who signed it, with the roles they had then. */
		if (want[i].id == e4) {
			assert_string_equal(e.signer_email, "ben@example.org");
			assert_int_equal(e.signer_roles, SMSAUDIT_ROLE_PROCESS_OWNER);
		} else {
			assert_string_equal(e.signer_email, "ada@example.org");
			assert_int_equal(e.signer_roles, SMSAUDIT_ROLE_QUALITY_MANAGER);
		}
	}
	/* Out of range: an empty entry. */
	smsaudit_record_entry none;
	smsaudit_state_record_at(&none, st, 13);
	assert_null(none.record);
	assert_null(smsaudit_state_evidence_at(st, 5));
	assert_null(smsaudit_state_person_at(st, 3));
	assert_null(smsaudit_state_problem_at(st, 0));
	smsaudit_state_free(st);
}

static void test_evidence_status_and_lookup(void **state)
{
	(void)state;
	smsaudit_state *st = load(NULL, 0);
	const smsaudit_evidence_entry *e = NULL;
	/* By full id. */
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e1), 0);
	assert_string_equal(e->record->id, e1);
	assert_true(e->valid);
	assert_int_equal(e->status, SMSAUDIT_EV_SUPERSEDED);
	assert_string_equal(e->superseded_by, e2);
	assert_string_equal(e->changed_by, sup);
	expect_date(smsaudit_date_of(e->changed_at), "2027-01-14");
	assert_string_equal(e->signer_name, "Ada Quinn");
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e3), 0);
	assert_int_equal(e->status, SMSAUDIT_EV_WITHDRAWN);
	assert_string_equal(e->changed_by, wd);
	assert_string_equal(e->superseded_by, "");
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e2), 0);
	assert_int_equal(e->status, SMSAUDIT_EV_ACTIVE);
	assert_string_equal(e->changed_by, "");
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e4), 0);
	assert_string_equal(e->signer_name, "Ben Okafor");
	assert_true(e->valid);

	/* By a unique prefix: only E1 was made on 2027-01-11. */
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-20270111"), 0);
	assert_string_equal(e->record->id, e1);
	char prefix[SMSAUDIT_ID_MAX];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(e5) - 1, e5);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, prefix), 0);
	assert_string_equal(e->record->id, e5);

	/* Ambiguous: E2 and E3 were made on 2027-01-12. */
	e = (const smsaudit_evidence_entry *)(uintptr_t)1;
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-20270112"), SMSAUDIT_EINVALID);
	assert_error_contains("evidence 'ev-20270112' is ambiguous: it starts 2 ids");
	assert_null(e);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-2027"), SMSAUDIT_EINVALID);
	assert_error_contains("is ambiguous: it starts 5 ids");

	/* Unknown, too short to be a prefix, or not evidence at all. */
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-20270111-0000000000000000"), SMSAUDIT_ENOTFOUND);
	assert_error_contains("evidence 'ev-20270111-0000000000000000' does not exist");
	/* The one resolver every command uses: any prefix of 4 characters or more. */
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-20"), SMSAUDIT_EINVALID);
	assert_error_contains("is ambiguous");
	assert_int_equal(smsaudit_state_find_evidence(&e, st, "ev-"), SMSAUDIT_EINVALID);
	assert_error_contains("evidence 'ev-' is too short: give at least 4 characters of its id");
	assert_int_equal(smsaudit_state_find_evidence(&e, st, ""), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, sup), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, ben1), SMSAUDIT_ENOTFOUND);
	smsaudit_state_free(st);
}

static void test_people(void **state)
{
	(void)state;
	smsaudit_state *st = load(NULL, 0);
	assert_int_equal(smsaudit_state_person_count(st), 3);
	const smsaudit_person_entry *ada_p = smsaudit_state_person_at(st, 0);
	const smsaudit_person_entry *b1 = smsaudit_state_person_at(st, 1);
	const smsaudit_person_entry *b2 = smsaudit_state_person_at(st, 2);
	assert_string_equal(ada_p->record->person.email, "ada@example.org");
	assert_true(ada_p->valid);
	assert_true(ada_p->current);
	assert_int_equal(ada_p->revoked_at, 0);
	/* The re-grant replaced the first: only the second is current. */
	assert_string_equal(b1->record->id, ben1);
	assert_false(b1->current);
	assert_int_equal(b1->record->person.roles, SMSAUDIT_ROLE_PROCESS_OWNER);
	assert_string_equal(b2->record->id, ben2);
	assert_true(b2->current);
	assert_int_equal(b2->record->person.roles, SMSAUDIT_ROLE_PROCESS_OWNER | SMSAUDIT_ROLE_INTERNAL_AUDITOR);
	/* The revocation names the certificate, which both grants share; it takes effect at 12:00. */
	time_t effective;
	assert_int_equal(smsaudit_time_parse(&effective, "2027-01-15T12:00:00Z"), 0);
	assert_int_equal(b2->revoked_at, effective);
	assert_int_equal(b1->revoked_at, effective);
	smsaudit_state_free(st);

	/* Before the revocation's commit nobody is revoked; before the re-grant Ben's first grant is current. */
	st = load(&c_ben1, 0);
	expect_no_problems(st);
	assert_int_equal(smsaudit_state_person_count(st), 2);
	assert_true(smsaudit_state_person_at(st, 1)->current);
	assert_int_equal(smsaudit_state_person_at(st, 1)->revoked_at, 0);
	smsaudit_state_free(st);
	st = load(&c_rev, 0);
	assert_int_equal(smsaudit_state_person_at(st, 2)->revoked_at, effective);
	smsaudit_state_free(st);
}

/* The sms record that a state holds, the n-th in time order. */
static const smsaudit_record *sms_record(const smsaudit_state *st, int n)
{
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (e.record && e.record->type == SMSAUDIT_REC_SMS && n-- == 0)
			return e.record;
	}
	fail_msg("no sms record");
	return NULL;
}

static void test_sms_description_and_policy(void **state)
{
	(void)state;
	smsaudit_repo *repo = smsaudit_store_repo(store);
	smsaudit_buf file = SMSAUDIT_BUF_INIT, b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_repo_read(&file, repo, &c_init, "smsaudit.xml"), 0);

	/* Before any sms record: smsaudit.xml of the first commit, and the default policy. */
	smsaudit_state *st = load(&c_rev, 0);
	assert_int_equal(smsaudit_state_sms(&b, store, st), 0);
	assert_int_equal(b.size, file.size);
	assert_memory_equal(b.ptr, file.ptr, file.size);
	const smsaudit_sms_policy *p = smsaudit_state_policy(st);
	assert_int_equal(p->ngrades, 4);
	assert_string_equal(p->grades[0].id, "major");
	assert_int_equal(p->certification_decision, 0);
	assert_int_equal(p->major_verify_days, 90);
	smsaudit_state_free(st);

	/* After the grade scale: the new description, the new scale. */
	st = load(&c_grades, 0);
	expect_no_problems(st);
	assert_int_equal(smsaudit_state_sms(&b, store, st), 0);
	assert_string_equal(b.ptr, sms_record(st, 0)->sms.xml);
	assert_non_null(strstr(b.ptr, "<grade id=\"cat1\" class=\"major\">Category 1</grade>"));
	assert_non_null(strstr(b.ptr, "<organisation>State Test Ltd</organisation>"));
	assert_false(b.size == file.size && memcmp(b.ptr, file.ptr, b.size) == 0);
	p = smsaudit_state_policy(st);
	assert_int_equal(p->ngrades, 2);
	assert_string_equal(p->grades[0].id, "cat1");
	assert_int_equal(p->grades[1].cls, SMSAUDIT_GRADE_MINOR);
	assert_null(smsaudit_policy_grade(p, "major"));
	assert_int_equal(p->certification_decision, 0);
	smsaudit_state_free(st);

	/* After the cycle writer: the latest record is in force, and it kept the scale. */
	st = load(&c_cycle, 0);
	assert_int_equal(smsaudit_state_sms(&b, store, st), 0);
	assert_string_equal(b.ptr, sms_record(st, 1)->sms.xml);
	assert_non_null(strstr(b.ptr, "<certification-decision>2027-01-16</certification-decision>"));
	assert_non_null(strstr(b.ptr, "<grade id=\"cat2\" class=\"minor\">Category 2</grade>"));
	p = smsaudit_state_policy(st);
	expect_date(p->certification_decision, "2027-01-16");
	expect_date(p->certificate_expiry, "2030-01-15");
	assert_int_equal(p->ngrades, 2);
	smsaudit_state_free(st);

	/* smsaudit.xml itself never changed. */
	smsaudit_buf now_file = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_repo_read(&now_file, repo, NULL, "smsaudit.xml"), 0);
	assert_string_equal(now_file.ptr, file.ptr);
	smsaudit_buf_dispose(&now_file);
	smsaudit_buf_dispose(&file);
	smsaudit_buf_dispose(&b);
}

static void test_root_commits_and_older_states(void **state)
{
	(void)state;
	smsaudit_repo *repo = smsaudit_store_repo(store);
	smsaudit_state *st = load(NULL, 0);
	assert_memory_equal(smsaudit_state_root(st)->id, c_init.id, 20);
	assert_true(smsaudit_state_has_commit(st, &c_last));
	assert_true(smsaudit_state_has_commit(st, &c_init));
	assert_true(smsaudit_state_has_commit(st, &c_rev));
	smsaudit_oid nowhere;
	memset(nowhere.id, 0x5a, sizeof(nowhere.id));
	assert_false(smsaudit_state_has_commit(st, &nowhere));
	/* A blob is not a commit of the history. */
	smsaudit_oid blob;
	assert_int_equal(smsaudit_repo_path_oid(&blob, repo, NULL, "smsaudit.xml"), 0);
	assert_false(smsaudit_state_has_commit(st, &blob));
	smsaudit_state_free(st);

	/* One commit back: no E5, and the head is not in its history. */
	smsaudit_oid prev;
	assert_int_equal(smsaudit_repo_resolve(&prev, repo, "main~1"), 0);
	assert_memory_equal(prev.id, c_cycle.id, 20);
	st = load(&prev, 0);
	expect_no_problems(st);
	assert_int_equal(smsaudit_state_record_count(st), 12);
	assert_int_equal(smsaudit_state_evidence_count(st), 4);
	const smsaudit_evidence_entry *e = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e5), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e1), 0);
	assert_true(smsaudit_state_has_commit(st, &prev));
	assert_false(smsaudit_state_has_commit(st, &c_last));
	assert_memory_equal(smsaudit_state_root(st)->id, c_init.id, 20);
	smsaudit_state_free(st);

	/* At E1's commit: E1 active (the supersession is later), Ada alone. */
	st = load(&c_e1, 0);
	expect_no_problems(st);
	assert_int_equal(smsaudit_state_record_count(st), 2);
	assert_int_equal(smsaudit_state_person_count(st), 1);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, e1), 0);
	assert_int_equal(e->status, SMSAUDIT_EV_ACTIVE);
	assert_false(smsaudit_state_has_commit(st, &c_ben1));
	smsaudit_state_free(st);

	/* At the first commit: the first grant and nothing else. */
	st = load(&c_init, 0);
	expect_no_problems(st);
	assert_int_equal(smsaudit_state_record_count(st), 1);
	assert_int_equal(smsaudit_state_evidence_count(st), 0);
	assert_memory_equal(smsaudit_state_root(st)->id, c_init.id, 20);
	smsaudit_state_free(st);
}

static void test_caches_and_content_give_the_same_state(void **state)
{
	(void)state;
	/* The first load with the cache fills it; the second reads every signature from it. */
	smsaudit_state *a = load(NULL, SMSAUDIT_STATE_USE_CACHE);
	smsaudit_state *b = load(NULL, SMSAUDIT_STATE_USE_CACHE);
	smsaudit_state *c = load(NULL, SMSAUDIT_STATE_NO_HISTORY_CACHE | SMSAUDIT_STATE_CHECK_CONTENT);
	expect_no_problems(b);
	expect_no_problems(c);
	/* Every record but the two sms records, which the cache does not keep. */
	assert_int_equal(smsaudit_state_cache_hits(b), 11);
	assert_int_equal(smsaudit_state_cache_hits(c), 0);
	assert_int_equal(smsaudit_state_content_checked(c), 5);
	assert_int_equal(smsaudit_state_content_checked(b), 0);
	assert_int_equal(smsaudit_state_record_count(b), smsaudit_state_record_count(c));
	for (size_t i = 0; i < smsaudit_state_record_count(c); i++) {
		smsaudit_record_entry x, y;
		smsaudit_state_record_at(&x, b, i);
		smsaudit_state_record_at(&y, c, i);
		assert_string_equal(x.record->id, y.record->id);
		assert_int_equal(x.valid, y.valid);
		assert_string_equal(x.signer_email, y.signer_email);
		assert_int_equal(x.signer_roles, y.signer_roles);
	}
	smsaudit_state_free(a);
	smsaudit_state_free(b);
	smsaudit_state_free(c);
}

/* Two states the same through every accessor: records (to their XML),
 * evidence, people, problems, the SMS description and policy. */
static void expect_same_state(smsaudit_state *x, smsaudit_state *y)
{
	assert_int_equal(smsaudit_state_record_count(x), smsaudit_state_record_count(y));
	smsaudit_buf bx = SMSAUDIT_BUF_INIT, by = SMSAUDIT_BUF_INIT;
	for (size_t i = 0; i < smsaudit_state_record_count(x); i++) {
		smsaudit_record_entry a, b;
		smsaudit_state_record_at(&a, x, i);
		smsaudit_state_record_at(&b, y, i);
		assert_int_equal(smsaudit_record_to_xml(&bx, a.record), 0);
		assert_int_equal(smsaudit_record_to_xml(&by, b.record), 0);
		assert_int_equal(bx.size, by.size);
		assert_memory_equal(bx.ptr, by.ptr, bx.size);
		assert_string_equal(a.path, b.path);
		assert_int_equal(a.valid, b.valid);
		assert_string_equal(a.signer_email, b.signer_email);
		assert_int_equal(a.signer_roles, b.signer_roles);
		assert_memory_equal(a.blob.id, b.blob.id, sizeof(a.blob.id));
		assert_int_equal(a.stamped_at, b.stamped_at);
	}
	assert_int_equal(smsaudit_state_evidence_count(x), smsaudit_state_evidence_count(y));
	for (size_t i = 0; i < smsaudit_state_evidence_count(x); i++) {
		const smsaudit_evidence_entry *a = smsaudit_state_evidence_at(x, i), *b = smsaudit_state_evidence_at(y, i);
		assert_string_equal(a->record->id, b->record->id);
		assert_string_equal(a->record->evidence.title, b->record->evidence.title);
		assert_string_equal(a->path, b->path);
		assert_int_equal(a->valid, b->valid);
		assert_string_equal(a->signer_name, b->signer_name);
		assert_int_equal(a->status, b->status);
		assert_string_equal(a->changed_by, b->changed_by);
		assert_string_equal(a->superseded_by, b->superseded_by);
		assert_int_equal(a->changed_at, b->changed_at);
		assert_int_equal(a->stamped_at, b->stamped_at);
		const smsaudit_evidence_entry *found = NULL;
		assert_int_equal(smsaudit_state_find_evidence(&found, x, b->record->id), 0);
		assert_ptr_equal(found, a);
	}
	assert_int_equal(smsaudit_state_person_count(x), smsaudit_state_person_count(y));
	for (size_t i = 0; i < smsaudit_state_person_count(x); i++) {
		const smsaudit_person_entry *a = smsaudit_state_person_at(x, i), *b = smsaudit_state_person_at(y, i);
		assert_string_equal(a->record->id, b->record->id);
		assert_string_equal(a->record->person.certificate, b->record->person.certificate);
		assert_int_equal(a->valid, b->valid);
		assert_int_equal(a->revoked_at, b->revoked_at);
		assert_int_equal(a->current, b->current);
	}
	assert_int_equal(smsaudit_state_problem_count(x), smsaudit_state_problem_count(y));
	for (size_t i = 0; i < smsaudit_state_problem_count(x); i++) {
		const smsaudit_problem *a = smsaudit_state_problem_at(x, i), *b = smsaudit_state_problem_at(y, i);
		assert_string_equal(a->path, b->path);
		assert_string_equal(a->id, b->id);
		assert_string_equal(a->message, b->message);
	}
	assert_memory_equal(smsaudit_state_policy(x), smsaudit_state_policy(y), sizeof(smsaudit_sms_policy));
	assert_int_equal(smsaudit_state_sms(&bx, store, x), 0);
	assert_int_equal(smsaudit_state_sms(&by, store, y), 0);
	assert_int_equal(bx.size, by.size);
	assert_memory_equal(bx.ptr, by.ptr, bx.size);
	const char *cx, *cy;
	assert_int_equal(smsaudit_state_sms_concurrent(x, &cx), smsaudit_state_sms_concurrent(y, &cy));
	assert_string_equal(cx, cy);
	assert_int_equal(smsaudit_state_certificate(x) != NULL, smsaudit_state_certificate(y) != NULL);
	assert_memory_equal(smsaudit_state_commit(x)->id, smsaudit_state_commit(y)->id, sizeof(smsaudit_oid));
	assert_memory_equal(smsaudit_state_root(x)->id, smsaudit_state_root(y)->id, sizeof(smsaudit_oid));
	assert_int_equal(smsaudit_state_awaiting_stamp(x), smsaudit_state_awaiting_stamp(y));
	smsaudit_buf_dispose(&bx);
	smsaudit_buf_dispose(&by);
}

static void test_state_index_gives_the_same_state(void **state)
{
	(void)state;
	const unsigned flags = SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX;
	/* The first load derives the state and writes the index; the second reads
	 * it (every verdict then comes from earlier checks, the sms records too,
	 * which the verification cache does not keep). */
	smsaudit_state *derived = load(NULL, 0);
	smsaudit_state *first = load(NULL, flags);
	smsaudit_state *read = load(NULL, flags);
	assert_int_equal(smsaudit_state_cache_hits(first), 11);
	assert_int_equal(smsaudit_state_cache_hits(read), smsaudit_state_record_count(read));
	expect_no_problems(read);
	expect_same_state(read, derived);
	assert_true(smsaudit_state_has_commit(read, &c_init));
	assert_true(smsaudit_state_has_commit(read, &c_rev));
	smsaudit_oid stranger;
	memset(&stranger, 0x5a, sizeof(stranger));
	assert_false(smsaudit_state_has_commit(read, &stranger));
	/* An older commit is derived, and leaves the tip's index as it was. */
	smsaudit_state *old = load(&c_rev, flags);
	smsaudit_state *old_derived = load(&c_rev, 0);
	expect_same_state(old, old_derived);
	assert_false(smsaudit_state_has_commit(old, &c_last));
	smsaudit_state *again = load(NULL, flags);
	assert_int_equal(smsaudit_state_cache_hits(again), smsaudit_state_record_count(again));
	/* A clock before the last records were signed: they are in its future,
	 * which the index's state did not see. It is not used, and the state so
	 * derived is not kept either. */
	at("2027-01-12T00:00:00Z");
	smsaudit_state *early = load(NULL, flags);
	smsaudit_state *early_derived = load(NULL, 0);
	assert_true(find_problem(early, "in the future of this verifier's clock") >= 0);
	expect_same_state(early, early_derived);
	at("2027-02-01T00:00:00Z");
	smsaudit_state *later = load(NULL, flags);
	assert_int_equal(smsaudit_state_cache_hits(later), smsaudit_state_record_count(later));
	expect_no_problems(later);
	smsaudit_state *all[] = { derived, first, read, old, old_derived, again, early, early_derived, later };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		smsaudit_state_free(all[i]);
}

/* A commit that only adds records is judged on top of the index's state;
 * anything else (here a supersession, which changes an old record's status)
 * makes the whole history judge it. Either way the state is the one derived
 * from scratch. Last: it adds to the repository the other tests read. */
static void test_state_index_extended_by_new_commits(void **state)
{
	(void)state;
	const unsigned flags = SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX;
	smsaudit_state *tip = load(NULL, flags);
	size_t before = smsaudit_state_record_count(tip);
	smsaudit_state_free(tip);
	char ids[4][SMSAUDIT_ID_MAX], e6[SMSAUDIT_ID_MAX], sup2[SMSAUDIT_ID_MAX];
	at("2027-01-19T09:00:00Z");
	add_evidence(store, ada, dir, ids, 2);
	memcpy(e6, ids[0], SMSAUDIT_ID_MAX);
	at("2027-01-19T10:00:00Z");
	add_evidence(store, ada, dir, ids, 1);
	at("2027-02-01T00:00:00Z");
	smsaudit_state *ext = load(NULL, flags);
	smsaudit_state *derived = load(NULL, 0);
	/* The old verdicts came from the index, the three new ones were judged. */
	assert_int_equal(smsaudit_state_cache_hits(ext), before);
	assert_int_equal(smsaudit_state_record_count(ext), before + 3);
	expect_no_problems(ext);
	expect_same_state(ext, derived);
	smsaudit_oid now;
	head(&now, store);
	assert_true(smsaudit_state_has_commit(ext, &now));
	assert_true(smsaudit_state_has_commit(ext, &c_last));
	const smsaudit_evidence_entry *e = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&e, ext, e6), 0);
	assert_string_equal(e->record->id, e6);
	/* Written back: the next load reads it as it is. */
	smsaudit_state *read = load(NULL, flags);
	assert_int_equal(smsaudit_state_cache_hits(read), before + 3);
	expect_same_state(read, derived);
	smsaudit_state_free(ext);
	smsaudit_state_free(derived);
	smsaudit_state_free(read);

	/* In the same second as the last record: ordered among them by id, as
	 * the whole history orders them. */
	size_t count = before + 3;
	for (int round = 0; round < 4; round++) {
		at("2027-01-19T10:00:00Z");
		add_evidence(store, ada, dir, ids, 3);
		at("2027-02-01T00:00:00Z");
		ext = load(NULL, flags);
		derived = load(NULL, 0);
		assert_int_equal(smsaudit_state_cache_hits(ext), count);
		count += 3;
		expect_same_state(ext, derived);
		smsaudit_state_free(ext);
		smsaudit_state_free(derived);
	}

	at("2027-01-20T09:00:00Z");
	assert_int_equal(smsaudit_store_supersede(sup2, store, ada, e2, e6, "Newer"), 0);
	at("2027-02-01T00:00:00Z");
	smsaudit_state *whole = load(NULL, flags);
	derived = load(NULL, 0);
	/* Derived again (an extension would count every record but the new one
	 * as coming from the index). */
	assert_int_not_equal(smsaudit_state_cache_hits(whole), smsaudit_state_record_count(whole) - 1);
	expect_same_state(whole, derived);
	assert_int_equal(smsaudit_state_find_evidence(&e, whole, e2), 0);
	assert_int_equal(e->status, SMSAUDIT_EV_SUPERSEDED);
	smsaudit_state_free(whole);
	smsaudit_state_free(derived);
}

/* ---- flags, on repositories of their own ---- */

/* Sign an assessment by Ada at `signed` and commit it with the commit time `committed`. */
static void commit_hand_signed(smsaudit_store *s, const char *key_path, const char *signed_at, time_t committed,
                               char id[SMSAUDIT_ID_MAX])
{
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	const char *pem = smsaudit_state_person_at(st, 0)->record->person.certificate;
	smsaudit_cert *cert = NULL;
	assert_int_equal(smsaudit_cert_from_pem(&cert, pem, strlen(pem), "ada"), 0);
	smsaudit_state_free(st);
	smsaudit_key *key = NULL;
	assert_int_equal(smsaudit_key_load(&key, key_path, NULL), 0);

	smsaudit_record r;
	memset(&r, 0, sizeof(r));
	r.type = SMSAUDIT_REC_ASSESSMENT;
	assert_int_equal(smsaudit_time_parse(&r.made_at, signed_at), 0);
	assert_int_equal(smsaudit_record_new_id(r.id, r.type, r.made_at), 0);
	r.made_by = "ada@example.org";
	snprintf(r.assessment.clause, sizeof(r.assessment.clause), "4.1");
	r.assessment.result = SMSAUDIT_RESULT_CONFORMANT;
	r.assessment.note = "Checked";
	smsaudit_buf xml = SMSAUDIT_BUF_INIT, sig = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_record_to_xml(&xml, &r), 0);
	assert_int_equal(smsaudit_sign_detached(&sig, xml.ptr, xml.size, cert, key, r.made_at), 0);
	char path[160], sig_path[170];
	assert_int_equal(smsaudit_record_path(path, sizeof(path), r.id), 0);
	snprintf(sig_path, sizeof(sig_path), "%s.p7s", path);
	smsaudit_txn *t = NULL;
	smsaudit_oid c;
	assert_int_equal(smsaudit_txn_new(&t, smsaudit_store_repo(s)), 0);
	assert_int_equal(smsaudit_txn_add(t, path, xml.ptr, xml.size), 0);
	assert_int_equal(smsaudit_txn_add(t, sig_path, sig.ptr, sig.size), 0);
	assert_int_equal(smsaudit_txn_commit(&c, t, "assess\n", "Ada Quinn", "ada@example.org", committed), 0);
	smsaudit_txn_free(t);
	memcpy(id, r.id, SMSAUDIT_ID_MAX);
	smsaudit_buf_dispose(&xml);
	smsaudit_buf_dispose(&sig);
	smsaudit_cert_free(cert);
	smsaudit_key_free(key);
}

static void side_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
}

static void test_snapshot_flag(void **state)
{
	(void)state;
	char d[600];
	side_dir(d, sizeof(d), "snapshot");
	smsaudit_store *s = NULL;
	smsaudit_identity *qm = NULL;
	smsaudit_init_result res;
	at("2027-01-10T09:00:00Z");
	new_store(d, &s, &qm, &res);
	/* Signed an hour after the commit that adds it says it was made. */
	char id[SMSAUDIT_ID_MAX];
	commit_hand_signed(s, res.person_key_path, "2027-01-11T10:00:00Z", date("2027-01-11") + 9 * 3600, id);
	at("2027-02-01T00:00:00Z");

	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 1);
	const smsaudit_problem *p = smsaudit_state_problem_at(st, 0);
	assert_string_equal(p->id, id);
	assert_non_null(strstr(p->message, "signed at 2027-01-11T10:00:00Z, after the commit that added it"));
	assert_non_null(strstr(p->message, "at 2027-01-11T09:00:00Z; 300 s skew allowed"));
	char path[160];
	assert_int_equal(smsaudit_record_path(path, sizeof(path), id), 0);
	assert_string_equal(p->path, path);
	smsaudit_record_entry e;
	smsaudit_state_record_at(&e, st, 1);
	assert_string_equal(e.record->id, id);
	assert_false(e.valid);
	smsaudit_state_free(st);

	/* A snapshot (an imported pack) has no history to hold the time against. */
	assert_int_equal(smsaudit_state_load(&st, s, NULL, SMSAUDIT_STATE_SNAPSHOT), 0);
	expect_no_problems(st);
	smsaudit_state_record_at(&e, st, 1);
	assert_true(e.valid);
	smsaudit_state_free(st);

	/* The verifier's own clock still counts in a snapshot: the record is in its future. */
	at("2027-01-11T09:50:00Z");
	assert_int_equal(smsaudit_state_load(&st, s, NULL, SMSAUDIT_STATE_SNAPSHOT), 0);
	assert_true(find_problem(st, "in the future of this verifier's clock") >= 0);
	smsaudit_state_free(st);
	at("2027-02-01T00:00:00Z");

	smsaudit_identity_free(qm);
	smsaudit_store_free(s);
}

static void test_ledger_refuses_changes_and_strays(void **state)
{
	(void)state;
	char d[600];
	side_dir(d, sizeof(d), "strays");
	smsaudit_store *s = NULL;
	smsaudit_identity *qm = NULL;
	smsaudit_init_result res;
	at("2027-01-10T09:00:00Z");
	new_store(d, &s, &qm, &res);
	at("2027-01-11T09:00:00Z");
	char ids[1][SMSAUDIT_ID_MAX];
	add_evidence(s, qm, d, ids, 1);
	/* With the library's low-level writer: a stray file, then smsaudit.xml edited in place. */
	smsaudit_txn *t = NULL;
	smsaudit_oid c1, c2;
	assert_int_equal(smsaudit_txn_new(&t, smsaudit_store_repo(s)), 0);
	assert_int_equal(smsaudit_txn_add(t, "notes/readme.txt", "hello\n", 6), 0);
	assert_int_equal(smsaudit_txn_commit(&c1, t, "stray\n", "Ada Quinn", "ada@example.org", smsaudit_now()), 0);
	smsaudit_txn_free(t);
	smsaudit_buf sms = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_repo_read(&sms, smsaudit_store_repo(s), NULL, "smsaudit.xml"), 0);
	char *edited = replace_once(sms.ptr, "<major-verify-days>90<", "<major-verify-days>900<");
	assert_int_equal(smsaudit_txn_new(&t, smsaudit_store_repo(s)), 0);
	assert_int_equal(smsaudit_txn_replace(t, "smsaudit.xml", edited, strlen(edited)), 0);
	assert_int_equal(smsaudit_txn_commit(&c2, t, "edit\n", "Ada Quinn", "ada@example.org", smsaudit_now() + 1), 0);
	smsaudit_txn_free(t);
	free(edited);
	smsaudit_buf_dispose(&sms);
	at("2027-02-01T00:00:00Z");

	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	char hex1[41], hex2[41];
	smsaudit_oid_fmt(hex1, &c1);
	smsaudit_oid_fmt(hex2, &c2);
	long i = find_problem(st, "no record accounts for it and it has no place");
	assert_true(i >= 0);
	assert_string_equal(smsaudit_state_problem_at(st, (size_t)i)->path, "notes/readme.txt");
	char want[64];
	snprintf(want, sizeof(want), "added in commit %.12s,", hex1);
	assert_non_null(strstr(smsaudit_state_problem_at(st, (size_t)i)->message, want));
	i = find_problem(st, "what the history holds is never changed");
	assert_true(i >= 0);
	assert_string_equal(smsaudit_state_problem_at(st, (size_t)i)->path, "smsaudit.xml");
	snprintf(want, sizeof(want), "changed by commit %.12s", hex2);
	assert_non_null(strstr(smsaudit_state_problem_at(st, (size_t)i)->message, want));
	/* ... and its old signature no longer covers it. */
	i = find_problem(st, "signature does not verify");
	assert_true(i >= 0);
	assert_string_equal(smsaudit_state_problem_at(st, (size_t)i)->path, "smsaudit.xml.p7s");
	if (smsaudit_state_problem_count(st) != 3)
		print_problems(st);
	assert_int_equal(smsaudit_state_problem_count(st), 3);
	/* The evidence itself is still fine. */
	const smsaudit_evidence_entry *e = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&e, st, ids[0]), 0);
	assert_true(e->valid);
	smsaudit_state_free(st);
	/* Before the stray commit, all is well. */
	smsaudit_oid before;
	assert_int_equal(smsaudit_repo_resolve(&before, smsaudit_store_repo(s), "main~2"), 0);
	assert_int_equal(smsaudit_state_load(&st, s, &before, 0), 0);
	expect_no_problems(st);
	smsaudit_state_free(st);

	smsaudit_identity_free(qm);
	smsaudit_store_free(s);
}

static void test_report_damage_flag(void **state)
{
	(void)state;
	char d[600];
	side_dir(d, sizeof(d), "damage");
	smsaudit_store *s = NULL;
	smsaudit_identity *qm = NULL;
	smsaudit_init_result res;
	at("2027-01-10T09:00:00Z");
	new_store(d, &s, &qm, &res);
	at("2027-01-11T09:00:00Z");
	char ids[2][SMSAUDIT_ID_MAX];
	add_evidence(s, qm, d, ids, 2);
	char path[160], hex[41];
	assert_int_equal(smsaudit_record_path(path, sizeof(path), ids[0]), 0);
	smsaudit_oid blob;
	assert_int_equal(smsaudit_repo_path_oid(&blob, smsaudit_store_repo(s), NULL, path), 0);
	smsaudit_oid_fmt(hex, &blob);
	smsaudit_identity_free(qm);
	smsaudit_store_free(s);

	/* Unpack every object loose, then lose the first record's. */
	char cmd[2400];
	snprintf(cmd, sizeof(cmd),
	         "set -e; cd '%s/ev.git'; mkdir ../packs; mv objects/pack/*.pack objects/pack/*.idx ../packs/; "
	         "for p in ../packs/*.pack; do git --git-dir=. unpack-objects -q < \"$p\"; done; "
	         "test -f objects/%.2s/%s; rm -f objects/%.2s/%s",
	         d, hex, hex + 2, hex, hex + 2);
	assert_int_equal(system(cmd), 0);

	char repo[700];
	snprintf(repo, sizeof(repo), "%s/ev.git", d);
	assert_int_equal(smsaudit_store_open(&s, repo), 0);
	at("2027-02-01T00:00:00Z");
	smsaudit_state *st = (smsaudit_state *)(uintptr_t)1;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), SMSAUDIT_EDAMAGED);
	assert_null(st);
	assert_error_contains(hex);
	assert_error_contains("damaged repository");

	/* As verify does: the damage is a problem naming the record, and the rest goes on. */
	assert_int_equal(smsaudit_state_load(&st, s, NULL, SMSAUDIT_STATE_REPORT_DAMAGE), 0);
	long i = find_problem(st, "cannot read");
	assert_true(i >= 0);
	const smsaudit_problem *p = smsaudit_state_problem_at(st, (size_t)i);
	assert_string_equal(p->path, path);
	assert_string_equal(p->id, ids[0]);
	assert_non_null(strstr(p->message, hex));
	const smsaudit_evidence_entry *e = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&e, st, ids[0]), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_state_find_evidence(&e, st, ids[1]), 0);
	assert_true(e->valid);
	/* The unreadable record is still listed, as nothing. */
	int unread = 0;
	for (size_t k = 0; k < smsaudit_state_record_count(st); k++) {
		smsaudit_record_entry re;
		smsaudit_state_record_at(&re, st, k);
		if (!re.record) {
			unread++;
			assert_string_equal(re.path, path);
			assert_false(re.valid);
		}
	}
	assert_int_equal(unread, 1);
	smsaudit_state_free(st);
	smsaudit_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_records_in_time_order),
		cmocka_unit_test(test_evidence_status_and_lookup),
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_sms_description_and_policy),
		cmocka_unit_test(test_root_commits_and_older_states),
		cmocka_unit_test(test_caches_and_content_give_the_same_state),
		cmocka_unit_test(test_state_index_gives_the_same_state),
		cmocka_unit_test(test_snapshot_flag),
		cmocka_unit_test(test_ledger_refuses_changes_and_strays),
		cmocka_unit_test(test_report_damage_flag),
		cmocka_unit_test(test_state_index_extended_by_new_commits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
