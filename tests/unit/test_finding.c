/*
 * Findings through the public API: deadline arithmetic as a pure function of
 * (finding, policy, as-of), and a repository where a quality manager raises,
 * plans and implements, and the rules stop her where an auditor is needed.
 */
#include "testutil.h"

/* A finding raised on `raised` from `source`, with one action due `due` (NULL: none). */
typedef struct {
	smsaudit_record raise, plan, implemented;
	smsaudit_action action;
	smsaudit_finding_action fa;
	smsaudit_grade grade;
	smsaudit_finding f;
} fixture;

static void make(fixture *x, smsaudit_grade_class cls, smsaudit_finding_source source, const char *raised,
                 const char *due)
{
	memset(x, 0, sizeof(*x));
	x->grade.cls = cls;
	snprintf(x->grade.id, sizeof(x->grade.id), "%s", smsaudit_grade_class_name(cls));
	x->raise.type = SMSAUDIT_REC_FINDING;
	x->raise.finding.source = source;
	x->raise.finding.raised_on = date(raised);
	x->f.record = &x->raise;
	x->f.grade = &x->grade;
	if (due) {
		x->action.description = "Fix it";
		x->action.owner = "ben@example.org";
		x->action.due = date(due);
		x->fa.plan = &x->plan;
		x->fa.index = x->fa.number = 1;
		x->fa.action = &x->action;
		x->f.actions = &x->fa;
		x->f.nactions = 1;
	}
}

static smsaudit_sms_policy default_policy(void)
{
	smsaudit_sms_policy p;
	memset(&p, 0, sizeof(p));
	p.major_verify_days = 90;
	p.major_after_stage2_months = 6;
	p.minor_plan_days = 30;
	return p;
}

static void test_major_from_stage2_deadlines(void **state)
{
	(void)state;
	fixture x;
	make(&x, SMSAUDIT_GRADE_MAJOR, SMSAUDIT_SOURCE_STAGE2, "2027-08-31", "2027-09-30");
	smsaudit_sms_policy p = default_policy();
	p.certification_decision = date("2027-10-15");
	smsaudit_deadline d[8];
	size_t n = smsaudit_finding_deadlines(d, 8, &x.f, &p);
	assert_int_equal(n, 4);
	assert_non_null(strstr(d[0].what, "within 90 days"));
	expect_date(d[0].due, "2027-11-29");
	/* 6 months after 2027-08-31 is clamped to the end of February, in a leap year. */
	assert_non_null(strstr(d[1].what, "within 6 months of stage 2"));
	expect_date(d[1].due, "2028-02-29");
	assert_non_null(strstr(d[2].what, "before the certification decision"));
	expect_date(d[2].due, "2027-10-14");
	assert_int_equal(d[3].action, 1);
	expect_date(d[3].due, "2027-09-30");
	assert_string_equal(d[3].what, "A1: Fix it");

	/* Only `max` are written. */
	assert_int_equal(smsaudit_finding_deadlines(d, 2, &x.f, &p), 2);
	/* A decision already taken before the finding sets no deadline; a policy of 30 days shortens the first. */
	p.certification_decision = date("2027-01-01");
	p.major_verify_days = 30;
	n = smsaudit_finding_deadlines(d, 8, &x.f, &p);
	assert_int_equal(n, 3);
	expect_date(d[0].due, "2027-09-30");
	/* A major from an internal audit has no stage 2 limit. */
	make(&x, SMSAUDIT_GRADE_MAJOR, SMSAUDIT_SOURCE_INTERNAL_AUDIT, "2027-08-31", NULL);
	assert_int_equal(smsaudit_finding_deadlines(d, 8, &x.f, &p), 1);
}

static void test_minor_and_other_grades(void **state)
{
	(void)state;
	fixture x;
	smsaudit_sms_policy p = default_policy();
	smsaudit_deadline d[8];
	make(&x, SMSAUDIT_GRADE_MINOR, SMSAUDIT_SOURCE_SURVEILLANCE, "2027-01-31", NULL);
	assert_int_equal(smsaudit_finding_deadlines(d, 8, &x.f, &p), 2);
	expect_date(d[0].due, "2027-03-02");
	assert_int_equal(d[1].due, 0); /* at the next audit */
	assert_int_equal(smsaudit_deadline_status(&d[1], date("2099-01-01"), 30), SMSAUDIT_DUE_PENDING);
	/* A plan meets the first. */
	x.f.planned_at = date("2027-02-10") + 3600;
	smsaudit_finding_deadlines(d, 8, &x.f, &p);
	assert_int_equal(smsaudit_deadline_status(&d[0], date("2027-06-01"), 30), SMSAUDIT_DUE_MET);
	make(&x, SMSAUDIT_GRADE_OBSERVATION, SMSAUDIT_SOURCE_INTERNAL_AUDIT, "2027-01-31", NULL);
	assert_int_equal(smsaudit_finding_deadlines(d, 8, &x.f, &p), 0);
	make(&x, SMSAUDIT_GRADE_IMPROVEMENT, SMSAUDIT_SOURCE_INTERNAL_AUDIT, "2027-01-31", "2027-05-01");
	assert_int_equal(smsaudit_finding_deadlines(d, 8, &x.f, &p), 1);
	assert_int_equal(d[0].action, 1);
}

static void test_status_day_by_day(void **state)
{
	(void)state;
	smsaudit_deadline d;
	memset(&d, 0, sizeof(d));
	d.due = date("2027-03-31");
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-02-28"), 30), SMSAUDIT_DUE_PENDING);
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-03-01"), 30), SMSAUDIT_DUE_SOON);
	/* Any time of the due day is still in time; the day after is overdue. */
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-03-31") + 86399, 30), SMSAUDIT_DUE_SOON);
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-04-01"), 30), SMSAUDIT_DUE_OVERDUE);
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-03-31"), 0), SMSAUDIT_DUE_SOON);
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-03-30"), 0), SMSAUDIT_DUE_PENDING);
	d.met_at = date("2027-03-31") + 86399;
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-06-01"), 30), SMSAUDIT_DUE_MET);
	d.met_at = date("2027-04-01");
	assert_int_equal(smsaudit_deadline_status(&d, date("2027-06-01"), 30), SMSAUDIT_DUE_MET_LATE);
	assert_string_equal(smsaudit_due_status_name(SMSAUDIT_DUE_MET_LATE), "met-late");
}

static void test_names_parse_both_ways(void **state)
{
	(void)state;
	for (int i = 0; i < SMSAUDIT_SOURCE__COUNT; i++) {
		smsaudit_finding_source s;
		assert_int_equal(smsaudit_finding_source_parse(&s, smsaudit_finding_source_name((smsaudit_finding_source)i)), 0);
		assert_int_equal((int)s, i);
	}
	smsaudit_finding_source s;
	assert_int_equal(smsaudit_finding_source_parse(&s, "audit"), SMSAUDIT_EINVALID);
	assert_error_contains("sources: internal-audit, stage1");
	smsaudit_grade_class c;
	assert_int_equal(smsaudit_grade_class_parse(&c, "improvement"), 0);
	assert_int_equal(c, SMSAUDIT_GRADE_IMPROVEMENT);
	assert_int_equal(smsaudit_grade_class_parse(&c, "ofi"), SMSAUDIT_EINVALID);
	smsaudit_cause_method m;
	assert_int_equal(smsaudit_cause_method_parse(&m, "fishbone"), 0);
	assert_int_equal(smsaudit_cause_method_parse(&m, "guess"), SMSAUDIT_EINVALID);
	assert_true(smsaudit_finding_source_external(SMSAUDIT_SOURCE_RECERTIFICATION));
	assert_false(smsaudit_finding_source_external(SMSAUDIT_SOURCE_COMPLAINT));
}

/* ---- a repository ---- */

static char dir[] = "/tmp/smsaudit-finding-XXXXXX";

static void test_quality_manager_alone(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	smsaudit_catalogue *cat = NULL;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	setenv("SMSAUDIT_NOW", "2027-01-10T09:00:00Z", 1);
	smsaudit_store *store = NULL;
	smsaudit_identity *ada = NULL;
	test_store_new(dir, "Finding Test Ltd", cat, &store, &ada);

	/* The default policy and scale. */
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, store, NULL, 0), 0);
	const smsaudit_sms_policy *p = smsaudit_state_policy(st);
	assert_int_equal(p->major_verify_days, 90);
	assert_int_equal(p->ngrades, 4);
	assert_string_equal(p->grades[3].id, "ofi");
	assert_int_equal(p->grades[3].cls, SMSAUDIT_GRADE_IMPROVEMENT);
	smsaudit_state_free(st);

	/* A CB's scale. */
	setenv("SMSAUDIT_NOW", "2027-01-11T09:00:00Z", 1);
	smsaudit_grade scale[2];
	memset(scale, 0, sizeof(scale));
	snprintf(scale[0].id, sizeof(scale[0].id), "cat1");
	scale[0].cls = SMSAUDIT_GRADE_MAJOR;
	snprintf(scale[0].label, sizeof(scale[0].label), "Category 1");
	snprintf(scale[1].id, sizeof(scale[1].id), "cat2");
	scale[1].cls = SMSAUDIT_GRADE_MINOR;
	snprintf(scale[1].label, sizeof(scale[1].label), "Category 2");
	assert_int_equal(smsaudit_store_set_grades(store, ada, scale, 2), 0);

	/* A self-identified minor, raised backdated to the day it was found. */
	setenv("SMSAUDIT_NOW", "2027-02-01T09:00:00Z", 1);
	const char *clauses[] = { "8.5.1.2" };
	smsaudit_finding_input in;
	memset(&in, 0, sizeof(in));
	in.source = SMSAUDIT_SOURCE_SELF_IDENTIFIED;
	in.grade = "cat2";
	in.raised_on = date("2027-01-30");
	in.clauses = clauses;
	in.nclauses = 1;
	in.statement = "RFCs without risk assessment";
	char fid[SMSAUDIT_ID_MAX], sid[SMSAUDIT_ID_MAX];
	assert_int_equal(smsaudit_store_raise(fid, NULL, store, ada, &in), 0);
	in.grade = "minor";
	assert_int_equal(smsaudit_store_raise(sid, NULL, store, ada, &in), SMSAUDIT_EINVALID);
	assert_error_contains("grade 'minor' is not in the grade scale of smsaudit.xml (cat1, cat2)");
	in.grade = "cat2";
	in.source = SMSAUDIT_SOURCE_STAGE1;
	assert_int_equal(smsaudit_store_raise(sid, NULL, store, ada, &in), SMSAUDIT_EINVALID);
	assert_error_contains("a finding from a certification audit is signed by one of: external-auditor");

	smsaudit_step_input s;
	memset(&s, 0, sizeof(s));
	s.kind = SMSAUDIT_STEP_CAUSE;
	s.method = SMSAUDIT_CAUSE_5WHYS;
	s.text = "Form lacks the field";
	assert_int_equal(smsaudit_store_step(sid, store, ada, "nc-2027-001", &s), 0);
	smsaudit_action act = { "Add the field", "ada@example.org", 0 };
	act.due = date("2027-02-15");
	memset(&s, 0, sizeof(s));
	s.kind = SMSAUDIT_STEP_PLAN;
	s.actions = &act;
	s.nactions = 1;
	assert_int_equal(smsaudit_store_step(sid, store, ada, fid, &s), 0);
	memset(&s, 0, sizeof(s));
	s.kind = SMSAUDIT_STEP_IMPLEMENTED;
	s.action = 1;
	s.text = "Added";
	assert_int_equal(smsaudit_store_step(sid, store, ada, fid, &s), 0);
	/* Verifying and closing need an auditor. */
	memset(&s, 0, sizeof(s));
	s.kind = SMSAUDIT_STEP_VERIFIED;
	s.effective = 1;
	s.text = "Looks fine";
	smsaudit_oid before, after;
	assert_int_equal(smsaudit_repo_head(&before, smsaudit_store_repo(store)), 0);
	assert_int_equal(smsaudit_store_step(sid, store, ada, fid, &s), SMSAUDIT_EINVALID);
	assert_error_contains("is signed by one of: internal-auditor, external-auditor; ada@example.org is quality-manager");
	s.kind = SMSAUDIT_STEP_CLOSED;
	assert_int_equal(smsaudit_store_step(sid, store, ada, fid, &s), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_repo_head(&after, smsaudit_store_repo(store)), 0);
	assert_memory_equal(before.id, after.id, 20);
	/* The scale cannot drop a grade in use. */
	assert_int_equal(smsaudit_store_set_grades(store, ada, scale, 1), SMSAUDIT_EINVALID);
	assert_error_contains("grade cat2 is used by NC-2027-001");
	/* The verifier's clock after every record: one signed in its future fails. */
	setenv("SMSAUDIT_NOW", "2027-12-31T00:00:00Z", 1);

	/* Steps made in one second are spread so their order is their signing order. */
	assert_int_equal(smsaudit_state_load(&st, store, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	smsaudit_findings *fs = NULL;
	assert_int_equal(smsaudit_findings_compute(&fs, st, 0), 0);
	assert_int_equal(smsaudit_findings_count(fs), 1);
	const smsaudit_finding *f = NULL;
	assert_int_equal(smsaudit_findings_find(&f, fs, "NC-2027-001"), 0);
	assert_string_equal(f->record->id, fid);
	assert_int_equal(f->phase, SMSAUDIT_PHASE_IMPLEMENTED);
	assert_int_equal(f->nsteps, 3);
	assert_true(f->steps[0]->made_at < f->steps[1]->made_at && f->steps[1]->made_at < f->steps[2]->made_at);
	expect_date(f->record->finding.raised_on, "2027-01-30");
	assert_int_equal(smsaudit_findings_find(&f, fs, "finding-2027"), 0);
	assert_int_equal(smsaudit_findings_find(&f, fs, "NC-2027-002"), SMSAUDIT_ENOTFOUND);
	smsaudit_findings_free(fs);
	/* As of the day before it was signed, it does not exist yet. */
	assert_int_equal(smsaudit_findings_compute(&fs, st, date("2027-01-31")), 0);
	assert_int_equal(smsaudit_findings_count(fs), 0);
	smsaudit_findings_free(fs);
	smsaudit_state_free(st);
	unsetenv("SMSAUDIT_NOW");

	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_major_from_stage2_deadlines),
		cmocka_unit_test(test_minor_and_other_grades),
		cmocka_unit_test(test_status_day_by_day),
		cmocka_unit_test(test_names_parse_both_ways),
		cmocka_unit_test(test_quality_manager_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
