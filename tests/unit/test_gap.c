/*
 * Gap analysis through the public API, on a repository built here whose
 * expected status is known clause by clause.
 *
 * Timeline (all made with SMSAUDIT_NOW):
 *   2026-06-01  one evidence file for every expected item of the catalogue:
 *               records cover 2026-01-01..2026-05-31; 4.1's register is valid
 *               until 2026-12-31.
 *   2026-07-01  4.3's scope withdrawn; 4.4's procedure superseded by a new one;
 *               5.1's record superseded by one that expired 2026-06-30;
 *               6.1 self-assessed nonconformant; 7.1 self-assessed conformant
 *               (its evidence is fine); 9.2's report withdrawn (9.2 partial);
 *               8.6.2 operated by another party.
 *   2026-07-02  7.2's evidence withdrawn and 7.2 self-assessed conformant.
 */
#include "testutil.h"

#include <sys/stat.h>

static char dir[] = "/tmp/smsaudit-gap-XXXXXX";
static smsaudit_store *store;
static smsaudit_identity *ada;
static smsaudit_catalogue *cat;
static char id_43[SMSAUDIT_ID_MAX], id_44[SMSAUDIT_ID_MAX], id_44_new[SMSAUDIT_ID_MAX];
static char id_51[SMSAUDIT_ID_MAX], id_92b[SMSAUDIT_ID_MAX], id_72[SMSAUDIT_ID_MAX];
static int nfile;

static void at(const char *when)
{
	setenv("SMSAUDIT_NOW", when, 1);
}

/* Add one evidence file; returns its id in `id`. */
static void add(char id[SMSAUDIT_ID_MAX], const char *clause, smsaudit_evidence_kind kind, const char *from,
                const char *to, const char *until)
{
	char path[600], body[200];
	snprintf(path, sizeof(path), "%s/f%d.txt", dir, nfile);
	snprintf(body, sizeof(body), "evidence %d for %s\n", nfile++, clause);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	const char *controls[] = { clause };
	smsaudit_evidence_input in;
	memset(&in, 0, sizeof(in));
	in.file = path;
	in.title = "Test evidence";
	in.kind = kind;
	in.controls = controls;
	in.ncontrols = 1;
	if (from) {
		in.has_period = 1;
		in.period_from = date(from);
		in.period_to = date(to);
	}
	in.valid_until = until ? date(until) : 0;
	char ids[1][SMSAUDIT_ID_MAX];
	if (smsaudit_store_add_evidence(store, ada, &in, 1, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
	if (id)
		memcpy(id, ids[0], SMSAUDIT_ID_MAX);
}

static void add_two_controls(const char *a, const char *b)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/f%d.txt", dir, nfile++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "control over the other party %s\n", path);
	fclose(f);
	const char *controls[] = { a, b };
	smsaudit_evidence_input in;
	memset(&in, 0, sizeof(in));
	in.file = path;
	in.title = "Supplier review";
	in.kind = SMSAUDIT_KIND_AGREEMENT;
	in.controls = controls;
	in.ncontrols = 2;
	char ids[1][SMSAUDIT_ID_MAX];
	assert_int_equal(smsaudit_store_add_evidence(store, ada, &in, 1, 0, ids, NULL, NULL), 0);
}

static void assess(const char *clause, smsaudit_assessment_result r, const char *other)
{
	char id[SMSAUDIT_ID_MAX];
	if (smsaudit_store_assess(id, store, ada, clause, r, other, "Checked by walking through the process") < 0)
		fail_msg("assess: %s", smsaudit_error_last()->message);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	at("2026-05-01T09:00:00Z");
	test_store_new(dir, "Gap Test Ltd", cat, &store, &ada);

	at("2026-06-01T09:00:00Z");
	for (size_t i = 0; i < smsaudit_catalogue_count(cat); i++) {
		const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
		for (size_t k = 0; k < c->nexpected; k++) {
			const smsaudit_expected *e = &c->expected[k];
			char *id = strcmp(e->id, "4.3-a") == 0 ? id_43 : strcmp(e->id, "4.4-a") == 0 ? id_44
			         : strcmp(e->id, "5.1-a") == 0 ? id_51 : strcmp(e->id, "9.2-b") == 0 ? id_92b
			         : strcmp(c->id, "7.2") == 0 ? id_72 : NULL;
			int rec = e->kind == SMSAUDIT_KIND_RECORD || e->kind == SMSAUDIT_KIND_REPORT;
			add(id, c->id, e->kind, rec ? "2026-01-01" : NULL, rec ? "2026-05-31" : NULL,
			    strcmp(e->id, "4.1-a") == 0 ? "2026-12-31" : NULL);
		}
	}

	at("2026-07-01T09:00:00Z");
	char x[SMSAUDIT_ID_MAX];
	assert_int_equal(smsaudit_store_withdraw(x, store, ada, id_43, "Replaced by the group scope"), 0);
	add(id_44_new, "4.4", SMSAUDIT_KIND_PROCEDURE, NULL, NULL, NULL);
	assert_int_equal(smsaudit_store_supersede(x, store, ada, id_44, id_44_new, "New version"), 0);
	const smsaudit_clause *c51 = NULL;
	assert_int_equal(smsaudit_catalogue_find(&c51, cat, "5.1"), 0);
	char id_51_new[SMSAUDIT_ID_MAX];
	add(id_51_new, "5.1", c51->expected[0].kind, "2026-01-01", "2026-05-31", "2026-06-30");
	assert_int_equal(smsaudit_store_supersede(x, store, ada, id_51, id_51_new, "New version"), 0);
	assess("6.1", SMSAUDIT_RESULT_NONCONFORMANT, NULL);
	assess("7.1", SMSAUDIT_RESULT_CONFORMANT, NULL);
	assert_int_equal(smsaudit_store_withdraw(x, store, ada, id_92b, "Wrong audit"), 0);
	assess("8.6.2", SMSAUDIT_RESULT_CONFORMANT, "Acme Hosting Ltd");

	at("2026-07-02T09:00:00Z");
	assert_int_equal(smsaudit_store_withdraw(x, store, ada, id_72, "Out of date"), 0);
	assess("7.2", SMSAUDIT_RESULT_CONFORMANT, NULL);
	unsetenv("SMSAUDIT_NOW");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static smsaudit_gap *gap_at(smsaudit_state **st, const char *as_of)
{
	assert_int_equal(smsaudit_state_load(st, store, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(*st), 0);
	smsaudit_gap_options o = SMSAUDIT_GAP_OPTIONS_INIT;
	o.as_of = date(as_of);
	smsaudit_gap *g = NULL;
	assert_int_equal(smsaudit_gap_compute(&g, cat, *st, &o), 0);
	return g;
}

static const smsaudit_gap_clause *clause(const smsaudit_gap *g, const char *id)
{
	const smsaudit_gap_clause *c = NULL;
	if (smsaudit_gap_find(&c, g, id) < 0)
		fail_msg("no clause %s: %s", id, smsaudit_error_last()->message);
	return c;
}

static void expect_status(const smsaudit_gap *g, const char *id, smsaudit_gap_status want)
{
	const smsaudit_gap_clause *c = clause(g, id);
	if (c->status != want)
		fail_msg("%s is %s, expected %s (first reason: %s)", id, smsaudit_gap_status_name(c->status),
		         smsaudit_gap_status_name(want), c->nreasons ? c->reasons[0] : "none");
}

static void expect_reason(const smsaudit_gap *g, const char *id, const char *needle)
{
	const smsaudit_gap_clause *c = clause(g, id);
	for (size_t i = 0; i < c->nreasons; i++)
		if (strstr(c->reasons[i], needle))
			return;
	fail_msg("no reason of %s contains \"%s\" (%zu reasons%s%s)", id, needle, c->nreasons,
	         c->nreasons ? ", first: " : "", c->nreasons ? c->reasons[0] : "");
}

/* Before the changes of July, as-of 2026-06-30: every clause conformant, both stages ready. */
static void full_coverage_before_july(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-06-30");
	const smsaudit_gap_rollup *all = smsaudit_gap_overall(g);
	assert_int_equal(all->total, 57);
	for (size_t i = 0; i < smsaudit_gap_clause_count(g); i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(g, i);
		if (c->status != SMSAUDIT_GAP_CONFORMANT)
			fail_msg("%s is %s at 2026-06-30: %s", c->clause->id, smsaudit_gap_status_name(c->status),
			         c->nreasons ? c->reasons[0] : "");
		assert_non_null(strstr(c->reasons[c->nreasons - 1], "satisfied"));
	}
	assert_int_equal(all->conformant, 57);
	assert_true(all->readiness > 0.999);
	assert_true(smsaudit_gap_stage(g, SMSAUDIT_STAGE_1)->ready);
	assert_true(smsaudit_gap_stage(g, SMSAUDIT_STAGE_2)->ready);
	assert_int_equal(smsaudit_gap_rollup_count(g), 7);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

/* Before 2026-06-01 nothing had been added: all not assessed, nothing ready. */
static void nothing_before_evidence(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-05-31");
	const smsaudit_gap_rollup *all = smsaudit_gap_overall(g);
	assert_int_equal(all->not_assessed, 57);
	assert_true(all->readiness < 0.001);
	expect_reason(g, "4.1", "nothing evaluated");
	assert_false(smsaudit_gap_stage(g, SMSAUDIT_STAGE_1)->ready);
	assert_false(smsaudit_gap_stage(g, SMSAUDIT_STAGE_2)->ready);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

static void after_july_changes(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-07-31");
	/* withdrawn */
	expect_status(g, "4.3", SMSAUDIT_GAP_GAP);
	expect_reason(g, "4.3", "withdrawn on 2026-07-01");
	/* superseded, with a good replacement */
	expect_status(g, "4.4", SMSAUDIT_GAP_CONFORMANT);
	const smsaudit_gap_item *it = &clause(g, "4.4")->items[0];
	assert_int_equal(it->ncandidates, 2);
	assert_string_equal(it->candidates[0].evidence->record->id, id_44_new);
	assert_int_equal(it->candidates[1].verdict, SMSAUDIT_CAND_SUPERSEDED);
	/* superseded by evidence that had already expired */
	expect_status(g, "5.1", SMSAUDIT_GAP_GAP);
	expect_reason(g, "5.1", "expired on 2026-06-30");
	expect_reason(g, "5.1", "superseded by");
	/* self-assessment lowers */
	expect_status(g, "6.1", SMSAUDIT_GAP_GAP);
	expect_reason(g, "6.1", "self-assessed nonconformant on 2026-07-01 by ada@example.org");
	/* ... and a conformant self-assessment over good evidence changes nothing */
	expect_status(g, "7.1", SMSAUDIT_GAP_CONFORMANT);
	assert_non_null(clause(g, "7.1")->assessment);
	/* a self-assessment alone never makes a clause conformant */
	expect_status(g, "7.2", SMSAUDIT_GAP_GAP);
	expect_reason(g, "7.2", "a self-assessment alone never makes a clause conformant");
	/* one item of two */
	expect_status(g, "9.2", SMSAUDIT_GAP_PARTIAL);
	expect_reason(g, "9.2", "9.2-b (report, required)");
	/* another party: 8.2.3 expects control evidence linked to both clauses */
	expect_reason(g, "8.6.2", "operated by Acme Hosting Ltd");
	expect_status(g, "8.2.3", SMSAUDIT_GAP_PARTIAL);
	expect_reason(g, "8.2.3", "missing: no evidence linked to both 8.2.3 and 8.6.2");
	const smsaudit_gap_clause *c823 = clause(g, "8.2.3");
	assert_int_equal(c823->nitems, 3);
	assert_string_equal(c823->items[2].id, "8.2.3+8.6.2");
	/* untouched clauses stay conformant */
	expect_status(g, "8.6.1", SMSAUDIT_GAP_CONFORMANT);
	/* stage verdicts name what fails */
	const smsaudit_gap_readiness *s1 = smsaudit_gap_stage(g, SMSAUDIT_STAGE_1);
	assert_false(s1->ready);
	assert_false(s1->criteria[0].met);
	assert_non_null(strstr(s1->criteria[0].detail, "4.3-a"));
	assert_true(s1->criteria[1].met);   /* programme present */
	assert_false(s1->criteria[2].met);  /* report withdrawn */
	assert_true(s1->criteria[3].met);   /* management review */
	const smsaudit_gap_readiness *s2 = smsaudit_gap_stage(g, SMSAUDIT_STAGE_2);
	assert_false(s2->ready);
	assert_false(s2->criteria[0].met);
	assert_true(s2->criteria[1].met);   /* records of operation still fresh */
	/* roll-up: 4.x has 2 conformant of 4 */
	const smsaudit_gap_rollup *r4 = smsaudit_gap_rollup_at(g, 0);
	assert_string_equal(r4->clause->id, "4");
	assert_int_equal(r4->total, 4);
	assert_int_equal(r4->conformant, 3);
	assert_int_equal(r4->gap, 1);
	assert_int_equal(r4->not_assessed, 0);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

/* The same state judged at earlier dates: later withdrawals and assessments do not count yet. */
static void as_of_is_respected(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-06-30");
	expect_status(g, "4.3", SMSAUDIT_GAP_CONFORMANT);
	expect_status(g, "6.1", SMSAUDIT_GAP_CONFORMANT);
	assert_null(clause(g, "6.1")->assessment);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
	g = gap_at(&st, "2026-07-01");
	expect_status(g, "7.2", SMSAUDIT_GAP_CONFORMANT); /* withdrawn on the 2nd */
	expect_status(g, "6.1", SMSAUDIT_GAP_GAP);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

/* Expiry and freshness, to the day. */
static void expiry_and_staleness(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-12-31");
	expect_status(g, "4.1", SMSAUDIT_GAP_CONFORMANT); /* valid through its last day */
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
	g = gap_at(&st, "2027-01-01");
	expect_status(g, "4.1", SMSAUDIT_GAP_GAP);
	expect_reason(g, "4.1", "expired on 2026-12-31");
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
	/* Records cover up to 2026-05-31 and must be within 12 months. */
	g = gap_at(&st, "2027-05-31");
	expect_status(g, "8.6.1", SMSAUDIT_GAP_CONFORMANT);
	assert_true(smsaudit_gap_stage(g, SMSAUDIT_STAGE_2)->criteria[1].met);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
	g = gap_at(&st, "2027-06-01");
	expect_status(g, "8.6.1", SMSAUDIT_GAP_PARTIAL); /* the procedure still counts */
	expect_reason(g, "8.6.1", "too old: covers up to 2026-05-31");
	const smsaudit_gap_readiness *s2 = smsaudit_gap_stage(g, SMSAUDIT_STAGE_2);
	assert_false(s2->criteria[1].met);
	/* every clause 8 record has gone stale: the first are named, the rest counted */
	assert_non_null(strstr(s2->criteria[1].detail, "8.1-a, 8.2.1-a"));
	assert_non_null(strstr(s2->criteria[1].detail, " more"));
	/* documents do not go stale */
	expect_status(g, "8.5.1.1", SMSAUDIT_GAP_CONFORMANT);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

static void other_party_control_evidence(void **state)
{
	(void)state;
	at("2026-08-01T09:00:00Z");
	add_two_controls("8.2.3", "8.6.2");
	unsetenv("SMSAUDIT_NOW");
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-08-01");
	expect_status(g, "8.2.3", SMSAUDIT_GAP_CONFORMANT);
	assert_true(clause(g, "8.2.3")->items[2].satisfied);
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

static void find_errors(void **state)
{
	(void)state;
	smsaudit_state *st;
	smsaudit_gap *g = gap_at(&st, "2026-07-31");
	const smsaudit_gap_clause *c = NULL;
	assert_int_equal(smsaudit_gap_find(&c, g, "8.5"), SMSAUDIT_EINVALID);
	assert_error_contains("heading");
	assert_int_equal(smsaudit_gap_find(&c, g, "11.1"), SMSAUDIT_ENOTFOUND);
	assert_error_contains("11.1");
	smsaudit_gap_free(g);
	smsaudit_state_free(st);
}

static void assess_refuses_bad_input(void **state)
{
	(void)state;
	char id[SMSAUDIT_ID_MAX];
	smsaudit_oid before, after;
	assert_int_equal(smsaudit_repo_head(&before, smsaudit_store_repo(store)), 0);
	assert_int_equal(smsaudit_store_assess(id, store, ada, "8.5", SMSAUDIT_RESULT_PARTIAL, NULL, "x"),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("heading");
	assert_int_equal(smsaudit_store_assess(id, store, ada, "12.1", SMSAUDIT_RESULT_PARTIAL, NULL, "x"),
	                 SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_store_assess(id, store, ada, "8.6.1", SMSAUDIT_RESULT_PARTIAL, NULL, "  \n "),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("--note");
	assert_int_equal(smsaudit_store_assess(id, store, ada, "8.6.1", SMSAUDIT_RESULT_PARTIAL, NULL, "bad\x01"),
	                 SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_store_assess(id, store, ada, "8.6.1", SMSAUDIT_RESULT_PARTIAL, "a\nb", "ok"),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("--other-party");
	smsaudit_assessment_result r;
	assert_int_equal(smsaudit_assessment_result_parse(&r, "not-applicable"), SMSAUDIT_EINVALID);
	assert_error_contains("no exclusions");
	assert_int_equal(smsaudit_repo_head(&after, smsaudit_store_repo(store)), 0);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void month_arithmetic(void **state)
{
	(void)state;
	char d[11];
	smsaudit_date_format(d, smsaudit_date_add_months(date("2026-01-31"), 1));
	assert_string_equal(d, "2026-02-28");
	smsaudit_date_format(d, smsaudit_date_add_months(date("2024-03-31"), -1));
	assert_string_equal(d, "2024-02-29");
	smsaudit_date_format(d, smsaudit_date_add_months(date("2027-06-01"), -12));
	assert_string_equal(d, "2026-06-01");
	smsaudit_date_format(d, smsaudit_date_add_months(date("2026-11-15"), 3));
	assert_string_equal(d, "2027-02-15");
	smsaudit_date_format(d, smsaudit_date_add_months(date("1970-01-15"), -1));
	assert_string_equal(d, "1969-12-15");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(month_arithmetic),
		cmocka_unit_test(full_coverage_before_july),
		cmocka_unit_test(nothing_before_evidence),
		cmocka_unit_test(after_july_changes),
		cmocka_unit_test(as_of_is_respected),
		cmocka_unit_test(expiry_and_staleness),
		cmocka_unit_test(find_errors),
		cmocka_unit_test(assess_refuses_bad_input),
		cmocka_unit_test(other_party_control_evidence),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
