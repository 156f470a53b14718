/*
 * The status at a date through the public API: a pure function of
 * (catalogue, state, as-of, window) over a repository built here, checked day
 * by day at the edges of every rule.
 *
 *   2027-01-10 09:00  init (Ada Quinn, quality manager)
 *   2027-01-11 09:00  POL: policy for 5.2.1, valid until 2027-06-30
 *                     REG: register for 6.3 (which expects a plan: a gap)
 *                     WD:  policy for 8.5.1.1, valid until 2027-06-15
 *                     NOEXP: policy for 8.5.1.1, no expiry
 *   2027-01-12 09:00  WD withdrawn
 *   2027-01-20 09:00  LATE: plan for 6.3, valid until 2027-02-15
 *   2027-02-01 09:00  a minor (plan due 2027-03-03) and an observation raised
 *   2027-02-02 09:00  stage 1 planned for 2027-04-12..2027-04-13
 */
#include <limits.h>

#include "testutil.h"

static char dir[] = "/tmp/smsaudit-status-XXXXXX";
static smsaudit_catalogue *cat;
static smsaudit_state *st;
static char pol[SMSAUDIT_ID_MAX], reg[SMSAUDIT_ID_MAX], wd[SMSAUDIT_ID_MAX], noexp[SMSAUDIT_ID_MAX];
static char late[SMSAUDIT_ID_MAX], audit_id[SMSAUDIT_ID_MAX];
static int nfile;

typedef struct {
	const char *title, *control;
	smsaudit_evidence_kind kind;
	const char *valid_until;     /* NULL: none */
} ev_spec;

static void add(smsaudit_store *s, smsaudit_identity *who, const ev_spec *spec, size_t n, char (*ids)[SMSAUDIT_ID_MAX])
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
		in[i].valid_until = spec[i].valid_until ? date(spec[i].valid_until) : 0;
	}
	if (smsaudit_store_add_evidence(s, who, in, n, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
}

static void raise_finding(smsaudit_store *s, smsaudit_identity *who, const char *grade, const char *statement)
{
	test_raise_finding(s, who, SMSAUDIT_SOURCE_SELF_IDENTIFIED, NULL, grade, "8.5.1.2", statement);
}

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	smsaudit_store *store = NULL;
	smsaudit_identity *ada = NULL;
	setenv("SMSAUDIT_NOW", "2027-01-10T09:00:00Z", 1);
	test_store_new(dir, "Status Test Ltd", cat, &store, &ada);

	setenv("SMSAUDIT_NOW", "2027-01-11T09:00:00Z", 1);
	const ev_spec first[] = {
		{ "Service management policy", "5.2.1", SMSAUDIT_KIND_POLICY, "2027-06-30" },
		{ "Risk register", "6.3", SMSAUDIT_KIND_REGISTER, NULL },
		{ "Change policy (draft)", "8.5.1.1", SMSAUDIT_KIND_POLICY, "2027-06-15" },
		{ "Change policy", "8.5.1.1", SMSAUDIT_KIND_POLICY, NULL },
	};
	char ids[4][SMSAUDIT_ID_MAX];
	add(store, ada, first, 4, ids);
	memcpy(pol, ids[0], sizeof(pol));
	memcpy(reg, ids[1], sizeof(reg));
	memcpy(wd, ids[2], sizeof(wd));
	memcpy(noexp, ids[3], sizeof(noexp));

	setenv("SMSAUDIT_NOW", "2027-01-12T09:00:00Z", 1);
	char wid[SMSAUDIT_ID_MAX];
	if (smsaudit_store_withdraw(wid, store, ada, wd, "draft") < 0)
		fail_msg("withdraw: %s", smsaudit_error_last()->message);

	setenv("SMSAUDIT_NOW", "2027-01-20T09:00:00Z", 1);
	const ev_spec plan[] = { { "Service management plan Q1", "6.3", SMSAUDIT_KIND_PLAN, "2027-02-15" } };
	add(store, ada, plan, 1, ids);
	memcpy(late, ids[0], sizeof(late));

	setenv("SMSAUDIT_NOW", "2027-02-01T09:00:00Z", 1);
	raise_finding(store, ada, "minor", "RFCs without risk assessment");
	raise_finding(store, ada, "observation", "The CAB minutes are terse");

	setenv("SMSAUDIT_NOW", "2027-02-02T09:00:00Z", 1);
	smsaudit_audit_plan_input ap;
	memset(&ap, 0, sizeof(ap));
	ap.type = SMSAUDIT_AUDIT_STAGE1;
	ap.planned_from = date("2027-04-12");
	ap.planned_to = date("2027-04-13");
	ap.body = "Example Certification Ltd";
	ap.lead = "lead@cb.example";
	/* A plan names people of the repository: the lead is an external auditor. */
	test_grant(store, ada, dir, "Lee Ad", "lead@cb.example", SMSAUDIT_ROLE_EXTERNAL_AUDITOR);
	if (smsaudit_store_audit_plan(audit_id, store, ada, &ap) < 0)
		fail_msg("audit plan: %s", smsaudit_error_last()->message);

	/* The verifier's clock after every record. */
	setenv("SMSAUDIT_NOW", "2027-12-31T00:00:00Z", 1);
	assert_int_equal(smsaudit_state_load(&st, store, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_state_free(st);
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("SMSAUDIT_NOW");
	unsetenv("SMSAUDIT_CONFIG");
	return 0;
}

static smsaudit_status *at(const char *day, int window)
{
	smsaudit_status *s = NULL;
	if (smsaudit_status_compute(&s, cat, st, date(day), window) < 0)
		fail_msg("status at %s: %s", day, smsaudit_error_last()->message);
	assert_non_null(s);
	expect_date(smsaudit_status_as_of(s), day);
	return s;
}

static const smsaudit_status_expiring *expiring(const smsaudit_status *s, const char *id)
{
	for (size_t i = 0; i < smsaudit_status_expiring_count(s); i++)
		if (strcmp(smsaudit_status_expiring_at(s, i)->evidence->record->id, id) == 0)
			return smsaudit_status_expiring_at(s, i);
	return NULL;
}

/* Listed on `day` with `days_left` in `window` (days_left < 0: not listed). */
static void expect_expiring(const char *id, const char *day, long days_left, int window)
{
	smsaudit_status *s = at(day, SMSAUDIT_STATUS_WINDOW_DAYS);
	const smsaudit_status_expiring *x = expiring(s, id);
	if (days_left < 0 && x)
		fail_msg("%s: expiring on %s (%ld days left), expected not", id, day, x->days_left);
	if (days_left >= 0) {
		if (!x)
			fail_msg("%s: not expiring on %s", id, day);
		assert_int_equal(x->days_left, days_left);
		assert_int_equal(x->window, window);
	}
	smsaudit_status_free(s);
}

static void test_expiring_day_by_day(void **state)
{
	(void)state;
	/* Valid through 2027-06-30: listed from 90 days before to its last day. */
	expect_expiring(pol, "2027-03-31", -1, 0);
	expect_expiring(pol, "2027-04-01", 90, 2);
	expect_expiring(pol, "2027-04-30", 61, 2);
	expect_expiring(pol, "2027-05-01", 60, 1);
	expect_expiring(pol, "2027-05-31", 30, 0);
	expect_expiring(pol, "2027-06-01", 29, 0);
	expect_expiring(pol, "2027-06-30", 0, 0);
	expect_expiring(pol, "2027-07-01", -1, 0);
	/* Made on 2027-01-20: not there the day before, there on that day. */
	expect_expiring(late, "2027-01-19", -1, 0);
	expect_expiring(late, "2027-01-20", 26, 0);
	expect_expiring(late, "2027-02-15", 0, 0);
	expect_expiring(late, "2027-02-16", -1, 0);
	/* Withdrawn, or without an expiry: never. */
	expect_expiring(wd, "2027-03-17", -1, 0);
	expect_expiring(wd, "2027-06-15", -1, 0);
	expect_expiring(noexp, "2027-06-01", -1, 0);
	expect_expiring(reg, "2027-06-01", -1, 0);

	/* The window sets the horizon (3 windows) and the buckets; the list is by valid-until. */
	smsaudit_status *s = at("2027-02-01", 60);
	assert_int_equal(smsaudit_status_window(s), 60);
	assert_int_equal(smsaudit_status_expiring_count(s), 2);
	assert_string_equal(smsaudit_status_expiring_at(s, 0)->evidence->record->id, late);
	assert_int_equal(smsaudit_status_expiring_at(s, 0)->window, 0);
	assert_string_equal(smsaudit_status_expiring_at(s, 1)->evidence->record->id, pol);
	assert_int_equal(smsaudit_status_expiring_at(s, 1)->days_left, 149);
	assert_int_equal(smsaudit_status_expiring_at(s, 1)->window, 2);
	assert_int_equal(smsaudit_status_expiring_in(s, 0), 1);
	assert_int_equal(smsaudit_status_expiring_in(s, 1), 0);
	assert_int_equal(smsaudit_status_expiring_in(s, 2), 1);
	assert_int_equal(smsaudit_status_expiring_in(s, 3), 0);
	assert_null(smsaudit_status_expiring_at(s, 2));
	smsaudit_status_free(s);
	s = at("2027-02-01", 7);
	assert_int_equal(smsaudit_status_expiring_count(s), 1);
	assert_int_equal(smsaudit_status_expiring_at(s, 0)->days_left, 14);
	assert_int_equal(smsaudit_status_expiring_at(s, 0)->window, 1);
	smsaudit_status_free(s);
}

/* The rule status lists by is smsaudit_status_is_expiring, which other views
 * call: it agrees with the list every day, and judges the as-of date, not the
 * state's commit: WD, withdrawn on 2027-01-12, was expiring on 2027-01-11. */
static void test_expiring_rule_is_the_lists(void **state)
{
	(void)state;
	static const char *const days[] = { "2027-01-11", "2027-01-12", "2027-02-15", "2027-02-16", "2027-04-01",
		                                "2027-06-30", "2027-07-01" };
	for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
		smsaudit_status *s = at(days[d], 60);
		for (size_t i = 0; i < smsaudit_state_evidence_count(st); i++) {
			const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
			long left = -1;
			int yes = smsaudit_status_is_expiring(&left, e, date(days[d]), 3 * 60);
			const smsaudit_status_expiring *x = expiring(s, e->record->id);
			if (yes != (x != NULL))
				fail_msg("%s on %s: the rule says %d, the list %s", e->record->id, days[d], yes, x ? "has it" : "not");
			if (x)
				assert_int_equal(left, x->days_left);
		}
		smsaudit_status_free(s);
	}
	const smsaudit_evidence_entry *e = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&e, st, wd), 0);
	long left = 0;
	assert_int_equal(smsaudit_status_is_expiring(&left, e, date("2027-01-11"), 180), 1);
	assert_int_equal(left, 155);
	assert_int_equal(smsaudit_status_is_expiring(NULL, e, date("2027-01-12"), 180), 0);
	/* Made on 2027-01-11: not there the day before. */
	assert_int_equal(smsaudit_status_is_expiring(NULL, e, date("2027-01-10"), 180), 0);
	/* A horizon of 0 days: only what expires that very day; below 0 is 0. */
	assert_int_equal(smsaudit_state_find_evidence(&e, st, late), 0);
	assert_int_equal(smsaudit_status_is_expiring(&left, e, date("2027-02-15"), 0), 1);
	assert_int_equal(left, 0);
	assert_int_equal(smsaudit_status_is_expiring(NULL, e, date("2027-02-14"), 0), 0);
	assert_int_equal(smsaudit_status_is_expiring(NULL, e, date("2027-02-15"), -5), 1);
	/* A time on the as-of day is that day. */
	assert_int_equal(smsaudit_status_is_expiring(&left, e, date("2027-02-14") + 23 * 3600, 1), 1);
	assert_int_equal(left, 1);
}

static void expect_deadlines(const char *day, int window, size_t overdue, size_t soon)
{
	smsaudit_status *s = at(day, window);
	if (smsaudit_status_overdue_count(s) != overdue || smsaudit_status_due_soon_count(s) != soon)
		fail_msg("%s (window %d): %zu overdue, %zu due soon; expected %zu, %zu", day, window,
		         smsaudit_status_overdue_count(s), smsaudit_status_due_soon_count(s), overdue, soon);
	assert_int_equal(smsaudit_status_deadline_count(s), overdue + soon);
	smsaudit_status_free(s);
}

static void test_deadlines_day_by_day(void **state)
{
	(void)state;
	/* Nothing raised yet. */
	smsaudit_status *s = at("2027-01-31", 30);
	assert_int_equal(smsaudit_status_open_findings(s, SMSAUDIT_GRADE_MINOR), 0);
	assert_int_equal(smsaudit_status_deadline_count(s), 0);
	smsaudit_status_free(s);
	/* The minor's plan is due 30 days after raising: 2027-03-03. */
	s = at("2027-02-01", 30);
	assert_int_equal(smsaudit_status_open_findings(s, SMSAUDIT_GRADE_MAJOR), 0);
	assert_int_equal(smsaudit_status_open_findings(s, SMSAUDIT_GRADE_MINOR), 1);
	assert_int_equal(smsaudit_status_open_findings(s, SMSAUDIT_GRADE_OBSERVATION), 1);
	assert_int_equal(smsaudit_status_open_findings(s, SMSAUDIT_GRADE_IMPROVEMENT), 0);
	assert_int_equal(smsaudit_status_deadline_count(s), 1);
	const smsaudit_status_deadline *d = smsaudit_status_deadline_at(s, 0);
	assert_int_equal(d->status, SMSAUDIT_DUE_SOON);
	assert_string_equal(d->finding->number, "NC-2027-001");
	expect_date(d->deadline.due, "2027-03-03");
	assert_null(smsaudit_status_deadline_at(s, 1));
	smsaudit_status_free(s);
	/* Due soon from `window` days before, through the due day; overdue from the day after. */
	expect_deadlines("2027-02-23", 7, 0, 0);
	expect_deadlines("2027-02-24", 7, 0, 1);
	expect_deadlines("2027-03-03", 7, 0, 1);
	expect_deadlines("2027-03-04", 7, 1, 0);
	expect_deadlines("2027-03-04", 30, 1, 0);
	/* Verification at the next audit: due on its first day, 2027-04-12. */
	expect_deadlines("2027-04-04", 7, 1, 0);
	expect_deadlines("2027-04-05", 7, 1, 1);
	s = at("2027-04-05", 7);
	for (size_t i = 0; i < smsaudit_status_deadline_count(s); i++) {
		d = smsaudit_status_deadline_at(s, i);
		if (d->status == SMSAUDIT_DUE_SOON)
			expect_date(d->deadline.due, "2027-04-12");
		else
			expect_date(d->deadline.due, "2027-03-03");
	}
	smsaudit_status_free(s);
}

static void expect_next_audit(const char *day, long days)
{
	smsaudit_status *s = at(day, SMSAUDIT_STATUS_WINDOW_DAYS);
	const smsaudit_audit *a = smsaudit_status_next_audit(s);
	if (days == LONG_MIN) {
		if (a)
			fail_msg("%s: next audit %s, expected none", day, a->plan->id);
	} else {
		if (!a)
			fail_msg("%s: no next audit", day);
		assert_string_equal(a->plan->id, audit_id);
		assert_int_equal(smsaudit_status_next_audit_days(s), days);
	}
	smsaudit_status_free(s);
}

static void test_next_audit(void **state)
{
	(void)state;
	expect_next_audit("2027-02-01", LONG_MIN); /* not planned yet */
	expect_next_audit("2027-02-02", 69);
	expect_next_audit("2027-04-11", 1);
	expect_next_audit("2027-04-12", 0);
	/* Still the next audit through its planned last day (not concluded). */
	expect_next_audit("2027-04-13", -1);
	expect_next_audit("2027-04-14", LONG_MIN);
}

static void test_cycle_and_coverage(void **state)
{
	(void)state;
	smsaudit_status *s = at("2027-02-02", SMSAUDIT_STATUS_WINDOW_DAYS);
	const smsaudit_cycle *cy = smsaudit_status_cycle(s);
	assert_non_null(cy);
	assert_int_equal(smsaudit_cycle_phase_get(cy), SMSAUDIT_CYCLE_UNCERTIFIED);
	const smsaudit_cycle_item *nx = smsaudit_status_cycle_next(s);
	assert_non_null(nx);
	assert_ptr_equal(nx, smsaudit_cycle_next(cy));
	assert_int_equal(nx->kind, SMSAUDIT_ITEM_STAGE1);
	assert_non_null(nx->audit);
	assert_string_equal(nx->audit->plan->id, audit_id);
	/* No internal audit in 2027: every unit is a hole of the programme. */
	assert_int_equal(smsaudit_status_programme_year(s), 2027);
	assert_int_equal(smsaudit_status_programme_holes(s), 45);
	/* The same figures as the cycle module gives for that cycle. */
	smsaudit_coverage *rot = NULL;
	assert_int_equal(smsaudit_rotation_compute(&rot, cat, smsaudit_state_policy(st), cy, 0), 0);
	assert_int_equal(smsaudit_status_coverage_holes(s), smsaudit_coverage_holes(rot));
	smsaudit_coverage_free(rot);
	smsaudit_status_free(s);
	/* The programme follows the as-of year. */
	s = at("2026-12-31", SMSAUDIT_STATUS_WINDOW_DAYS);
	assert_int_equal(smsaudit_status_programme_year(s), 2026);
	assert_null(smsaudit_status_next_audit(s));
	smsaudit_status_free(s);
}

/* The lapse of item `item` on `day`: its window in days, or 0 if not listed. */
static int lapse_of(const smsaudit_status *s, const char *item, const smsaudit_status_lapse **out)
{
	int found = 0;
	for (size_t i = 0; i < smsaudit_status_lapse_count(s); i++) {
		const smsaudit_status_lapse *l = smsaudit_status_lapse_at(s, i);
		if (strcmp(l->item->id, item) != 0)
			continue;
		if (found)
			fail_msg("item %s listed twice", item);
		found = l->within_days;
		if (out)
			*out = l;
	}
	return found;
}

static void expect_lapse(const char *item, const char *day, int within)
{
	smsaudit_status *s = at(day, SMSAUDIT_STATUS_WINDOW_DAYS);
	int got = lapse_of(s, item, NULL);
	if (got != within)
		fail_msg("%s on %s: lapses within %d days, expected %d", item, day, got, within);
	smsaudit_status_free(s);
}

static void test_lapsing_day_by_day(void **state)
{
	(void)state;
	/* 5.2.1-a is satisfied by POL through 2027-06-30 and by nothing after. */
	expect_lapse("5.2.1-a", "2027-04-01", 0);
	expect_lapse("5.2.1-a", "2027-04-02", 90);
	expect_lapse("5.2.1-a", "2027-05-01", 90);
	expect_lapse("5.2.1-a", "2027-05-02", 60);
	expect_lapse("5.2.1-a", "2027-05-31", 60);
	expect_lapse("5.2.1-a", "2027-06-01", 30);
	expect_lapse("5.2.1-a", "2027-06-30", 30);
	expect_lapse("5.2.1-a", "2027-07-01", 0); /* not satisfied any more: nothing to lapse */
	/* 6.3-a by LATE, through 2027-02-15, from the day it was made. */
	expect_lapse("6.3-a", "2027-01-19", 0);
	expect_lapse("6.3-a", "2027-01-20", 30);
	/* 8.5.1.1-a has evidence without an expiry: it never lapses. */
	expect_lapse("8.5.1.1-a", "2027-01-20", 0);

	smsaudit_status *s = at("2027-06-01", SMSAUDIT_STATUS_WINDOW_DAYS);
	const smsaudit_status_lapse *l = NULL;
	assert_int_equal(lapse_of(s, "5.2.1-a", &l), 30);
	assert_string_equal(l->clause->clause->id, "5.2.1");
	assert_true(l->item->satisfied);
	assert_false(l->then->satisfied);
	assert_non_null(strstr(l->then->reason, "expired on 2027-06-30"));
	assert_null(smsaudit_status_lapse_at(s, smsaudit_status_lapse_count(s)));
	smsaudit_status_free(s);
	/* A shorter window looks 7, 14 and 21 days ahead. */
	s = at("2027-06-10", 7);
	assert_int_equal(lapse_of(s, "5.2.1-a", NULL), 21);
	smsaudit_status_free(s);
	s = at("2027-06-09", 7);
	assert_int_equal(lapse_of(s, "5.2.1-a", NULL), 0);
	smsaudit_status_free(s);
}

static int is_gap(const smsaudit_status *s, const char *clause)
{
	int found = 0;
	for (size_t i = 0; i < smsaudit_status_gap_count(s); i++) {
		assert_int_equal(smsaudit_status_gap_at(s, i)->status, SMSAUDIT_GAP_GAP);
		found |= strcmp(smsaudit_status_gap_at(s, i)->clause->id, clause) == 0;
	}
	return found;
}

static void test_gaps(void **state)
{
	(void)state;
	smsaudit_status *s = at("2027-01-11", SMSAUDIT_STATUS_WINDOW_DAYS);
	/* Every gap clause of the gap analysis, and only those. */
	const smsaudit_gap *g = smsaudit_status_gap(s);
	size_t n = 0;
	for (size_t i = 0; i < smsaudit_gap_clause_count(g); i++)
		n += smsaudit_gap_clause_at(g, i)->status == SMSAUDIT_GAP_GAP;
	assert_int_equal(smsaudit_status_gap_count(s), n);
	assert_null(smsaudit_status_gap_at(s, n));
	assert_true(is_gap(s, "6.3"));    /* a register where a plan is expected */
	assert_false(is_gap(s, "5.2.1"));
	smsaudit_status_free(s);
	/* LATE fills 6.3 from the day it was made until it expires. */
	s = at("2027-01-20", SMSAUDIT_STATUS_WINDOW_DAYS);
	assert_false(is_gap(s, "6.3"));
	smsaudit_status_free(s);
	s = at("2027-02-16", SMSAUDIT_STATUS_WINDOW_DAYS);
	assert_true(is_gap(s, "6.3"));
	smsaudit_status_free(s);
	/* Valid through its last day. */
	s = at("2027-06-30", SMSAUDIT_STATUS_WINDOW_DAYS);
	assert_false(is_gap(s, "5.2.1"));
	smsaudit_status_free(s);
	s = at("2027-07-01", SMSAUDIT_STATUS_WINDOW_DAYS);
	assert_true(is_gap(s, "5.2.1"));
	smsaudit_status_free(s);
}

static void test_arguments(void **state)
{
	(void)state;
	smsaudit_status *s = (smsaudit_status *)&s;
	assert_int_equal(smsaudit_status_compute(&s, cat, st, date("2027-02-01"), 0), SMSAUDIT_EINVALID);
	assert_null(s);
	assert_error_contains("window");
	assert_int_equal(smsaudit_status_compute(&s, cat, st, date("2027-02-01"), 3651), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_status_compute(&s, NULL, st, date("2027-02-01"), 30), SMSAUDIT_EINVALID);
	smsaudit_status_free(NULL);
	/* A time of day is taken as its date. */
	assert_int_equal(smsaudit_status_compute(&s, cat, st, date("2027-06-30") + 86399, 30), 0);
	expect_date(smsaudit_status_as_of(s), "2027-06-30");
	assert_int_equal(expiring(s, pol)->days_left, 0);
	smsaudit_status_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiring_day_by_day),
		cmocka_unit_test(test_expiring_rule_is_the_lists),
		cmocka_unit_test(test_deadlines_day_by_day),
		cmocka_unit_test(test_next_audit),
		cmocka_unit_test(test_cycle_and_coverage),
		cmocka_unit_test(test_lapsing_day_by_day),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
