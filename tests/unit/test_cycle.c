/*
 * The certification cycle through the public API. The analysis is a pure
 * function of (policy, audits, as-of), so most tests build those by hand, with
 * no repository and no clock: the timeline at its boundaries day by day, the
 * rotation and programme coverage over the shipped catalogue, and the same
 * answer whatever the clock says. Only the writers (set-cycle, pins) need a
 * repository, and have their own fixture at the end.
 */
#include "testutil.h"

/* The analysis' inputs: the default policy of smsaudit.xml, the built-in
 * catalogue, and audits stated by hand (none unless a test adds some). */
typedef struct {
	smsaudit_catalogue *cat;
	smsaudit_sms_policy pol;
	smsaudit_audits *as;
	smsaudit_record plans[8];
	smsaudit_audit audits[8];
	size_t naudits;
} world;

static int world_setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	/* No clock and no repository: the analysis must not need either. */
	unsetenv("SMSAUDIT_NOW");
	assert_int_equal(smsaudit_catalogue_load_default(&w->cat), 0);
	smsaudit_sms_policy_default(&w->pol);
	assert_int_equal(smsaudit_audits_from(&w->as, NULL, 0), 0);
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	world *w = *state;
	smsaudit_audits_free(w->as);
	smsaudit_catalogue_free(w->cat);
	free(w);
	return 0;
}

/* Each test starts from the default policy and no audits. */
static int world_reset(void **state)
{
	world *w = *state;
	smsaudit_sms_policy_default(&w->pol);
	smsaudit_audits_free(w->as);
	w->naudits = 0;
	return smsaudit_audits_from(&w->as, NULL, 0);
}

/* The set again from w->audits, after a test changed one of them. */
static void rebuild(world *w)
{
	smsaudit_audits_free(w->as);
	assert_int_equal(smsaudit_audits_from(&w->as, w->audits, w->naudits), 0);
}

/* Add an audit of `type` over FROM..TO (dates) in `status`, with a scope of
 * `nclauses` clauses (none: the whole standard), and rebuild the set. Returns
 * its plan record, which is how the results name it (the set is a copy). */
static const smsaudit_record *add_audit(world *w, smsaudit_audit_type type, const char *from, const char *to,
                                        smsaudit_audit_status status, char **clauses, size_t nclauses)
{
	assert_true(w->naudits < 8);
	smsaudit_record *r = &w->plans[w->naudits];
	memset(r, 0, sizeof(*r));
	r->type = SMSAUDIT_REC_AUDIT;
	snprintf(r->id, sizeof(r->id), "audit-%s-%zu", smsaudit_audit_type_name(type), w->naudits + 1);
	r->audit.event = SMSAUDIT_AUDIT_PLAN;
	r->audit.type = type;
	r->audit.planned_from = date(from);
	r->audit.planned_to = date(to);
	r->audit.clauses = clauses;
	r->audit.nclauses = nclauses;
	smsaudit_audit *a = &w->audits[w->naudits++];
	memset(a, 0, sizeof(*a));
	a->plan = r;
	a->status = status;
	a->from = date(from);
	a->to = date(to);
	rebuild(w);
	return r;
}

static const smsaudit_cycle_item *find_item(const smsaudit_cycle *c, smsaudit_cycle_item_kind k, int number)
{
	for (size_t i = 0; i < smsaudit_cycle_count(c); i++)
		if (smsaudit_cycle_at(c, i)->kind == k && smsaudit_cycle_at(c, i)->number == number)
			return smsaudit_cycle_at(c, i);
	return NULL;
}

static smsaudit_item_status status_at(world *w, smsaudit_cycle_item_kind k, int number, const char *as_of)
{
	smsaudit_cycle *c = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date(as_of)), 0);
	const smsaudit_cycle_item *it = find_item(c, k, number);
	smsaudit_item_status s = it ? it->status : (smsaudit_item_status)-1;
	smsaudit_cycle_free(c);
	return s;
}

static void test_expiry_and_surveillance_count(void **state)
{
	world *w = *state;
	smsaudit_cycle *c = NULL;
	w->pol.certification_decision = date("2025-03-10");
	w->pol.certificate_expiry = 0;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-03-10")), 0);
	expect_date(smsaudit_cycle_expiry(c), "2028-03-09");
	assert_int_equal(smsaudit_cycle_surveillances(c), 2);
	expect_date(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 1)->due, "2026-03-10");
	expect_date(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 2)->due, "2027-03-10");
	assert_null(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 3));
	expect_date(find_item(c, SMSAUDIT_ITEM_RECERTIFICATION, 0)->due, "2028-03-09");
	expect_date(find_item(c, SMSAUDIT_ITEM_RECERTIFICATION, 0)->warn_from, "2027-09-09");
	smsaudit_cycle_free(c);
	/* A decision on 1 January: the cycle ends on 31 December, two surveillances. */
	w->pol.certification_decision = date("2025-01-01");
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-01-01")), 0);
	expect_date(smsaudit_cycle_expiry(c), "2027-12-31");
	assert_int_equal(smsaudit_cycle_surveillances(c), 2);
	smsaudit_cycle_free(c);
	/* A month-end decision clamps (29 February → 28 February). */
	w->pol.certification_decision = date("2028-02-29");
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2028-03-01")), 0);
	expect_date(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 1)->due, "2029-02-28");
	expect_date(smsaudit_cycle_expiry(c), "2031-02-27");
	smsaudit_cycle_free(c);
	/* A longer certificate has a surveillance more; an explicit count wins. */
	w->pol.certification_decision = date("2025-03-10");
	w->pol.certificate_expiry = date("2029-03-09");
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-03-10")), 0);
	assert_int_equal(smsaudit_cycle_surveillances(c), 3);
	smsaudit_cycle_free(c);
	w->pol.surveillances = 1;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-03-10")), 0);
	assert_int_equal(smsaudit_cycle_surveillances(c), 1);
	assert_null(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 2));
	smsaudit_cycle_free(c);
	w->pol.surveillances = 0;
	w->pol.certificate_expiry = 0;
	w->pol.certification_decision = 0;
	/* No decision: uncertified, and the next step has no date before stage 2. */
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-03-10")), 0);
	assert_int_equal(smsaudit_cycle_phase_get(c), SMSAUDIT_CYCLE_UNCERTIFIED);
	assert_int_equal(smsaudit_cycle_decision(c), 0);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_DECISION, 0)->status, SMSAUDIT_ITEM_OPEN);
	smsaudit_cycle_free(c);
}

static void test_boundaries_day_by_day(void **state)
{
	world *w = *state;
	w->pol.certification_decision = date("2025-03-10");
	w->pol.certificate_expiry = 0;
	/* Surveillance 1 due 2026-03-10: due soon from 90 days ahead. */
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 1, "2025-12-09"), SMSAUDIT_ITEM_OPEN);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 1, "2025-12-10"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 1, "2026-03-10"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 1, "2026-03-11"), SMSAUDIT_ITEM_OVERDUE);
	/* No surveillance in 2026: shown from 2 October, overdue from 1 January. */
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_YEAR, 2026, "2026-10-01"), (smsaudit_item_status)-1);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_YEAR, 2026, "2026-10-02"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_YEAR, 2026, "2027-01-01"), SMSAUDIT_ITEM_OVERDUE);
	/* The recertification year needs none. */
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_YEAR, 2028, "2028-12-31"), (smsaudit_item_status)-1);
	/* Recertification: due soon from 6 months before the expiry. */
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_RECERTIFICATION, 0, "2027-09-08"), SMSAUDIT_ITEM_OPEN);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_RECERTIFICATION, 0, "2027-09-09"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_RECERTIFICATION, 0, "2028-03-10"), SMSAUDIT_ITEM_OVERDUE);
	/* Phases around the expiry (2028-03-09) and the restoration window. */
	static const struct { const char *day; smsaudit_cycle_phase phase; } phases[] = {
		{ "2028-03-09", SMSAUDIT_CYCLE_CERTIFIED }, { "2028-03-10", SMSAUDIT_CYCLE_RESTORABLE },
		{ "2028-09-09", SMSAUDIT_CYCLE_RESTORABLE }, { "2028-09-10", SMSAUDIT_CYCLE_LAPSED },
	};
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		smsaudit_cycle *c = NULL;
		assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date(phases[i].day)), 0);
		if (smsaudit_cycle_phase_get(c) != phases[i].phase)
			fail_msg("%s: phase %s", phases[i].day, smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(c)));
		const smsaudit_cycle_item *r = find_item(c, SMSAUDIT_ITEM_RESTORATION, 0);
		if (phases[i].phase == SMSAUDIT_CYCLE_CERTIFIED)
			assert_null(r);
		else
			expect_date(r->due, "2028-09-09");
		smsaudit_cycle_free(c);
	}
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_RESTORATION, 0, "2028-09-09"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_RESTORATION, 0, "2028-09-10"), SMSAUDIT_ITEM_OVERDUE);
	/* The next thing to do is the earliest due. */
	smsaudit_cycle *c = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-04-01")), 0);
	const smsaudit_cycle_item *nx = smsaudit_cycle_next(c);
	assert_non_null(nx);
	assert_int_equal(nx->kind, SMSAUDIT_ITEM_SURVEILLANCE);
	assert_int_equal(nx->number, 1);
	assert_int_equal(nx->status, SMSAUDIT_ITEM_OVERDUE);
	smsaudit_cycle_free(c);
	w->pol.certification_decision = 0;
}

/* Check a rotation over `n` surveillances: mandatory units in each, the others in exactly one. */
static void check_rotation(world *w, int n)
{
	smsaudit_cycle *c = NULL;
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-04-01")), 0);
	assert_int_equal(smsaudit_rotation_compute(&cov, w->cat, &w->pol, c, n), 0);
	assert_int_equal(smsaudit_coverage_slots(cov), (size_t)n);
	assert_int_equal(smsaudit_coverage_count(cov), 45);
	assert_int_equal(smsaudit_coverage_holes(cov), 0);
	size_t load[8] = { 0 }, nmand = 0;
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		int k = __builtin_popcount(r->covered);
		if (r->mandatory) {
			nmand++;
			if (k != n)
				fail_msg("mandatory %s in %d of %d", r->unit->id, k, n);
		} else {
			if (k != 1)
				fail_msg("%s in %d surveillances", r->unit->id, k);
			load[r->proposed - 1]++;
		}
	}
	assert_int_equal(nmand, 9);
	for (int k = 1; k < n; k++)
		if (load[k] + 1 < load[0] || load[0] + 1 < load[k])
			fail_msg("unbalanced: surveillance 1 has %zu, %d has %zu", load[0], k + 1, load[k]);
	assert_null(smsaudit_coverage_warning(cov, 0));
	smsaudit_coverage_free(cov);
	smsaudit_cycle_free(c);
}

static void test_rotation_for_one_two_three(void **state)
{
	world *w = *state;
	w->pol.certification_decision = date("2025-03-10");
	check_rotation(w, 1);
	check_rotation(w, 2);
	check_rotation(w, 3);
	/* Pins: a heading pins every unit under it; a pin beyond the cycle warns. */
	snprintf(w->pol.pins[0].clause, sizeof(w->pol.pins[0].clause), "8.7");
	w->pol.pins[0].surveillance = 1;
	snprintf(w->pol.pins[1].clause, sizeof(w->pol.pins[1].clause), "4.1");
	w->pol.pins[1].surveillance = 3;
	snprintf(w->pol.pins[2].clause, sizeof(w->pol.pins[2].clause), "12.4");
	w->pol.pins[2].surveillance = 1;
	/* A pin written by hand on a clause every surveillance covers: the
	 * writer refuses it (below), the rotation warns and ignores it. */
	snprintf(w->pol.pins[3].clause, sizeof(w->pol.pins[3].clause), "10.1");
	w->pol.pins[3].surveillance = 2;
	w->pol.npins = 4;
	smsaudit_cycle *c = NULL;
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2025-04-01")), 0);
	assert_int_equal(smsaudit_rotation_compute(&cov, w->cat, &w->pol, c, 0), 0);
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		if (strncmp(r->unit->id, "8.7.", 4) == 0) {
			assert_int_equal(r->pinned, 1);
			assert_int_equal(r->covered, 1u);
		}
	}
	assert_int_equal(smsaudit_coverage_holes(cov), 0);
	assert_non_null(smsaudit_coverage_warning(cov, 0));
	assert_non_null(strstr(smsaudit_coverage_warning(cov, 0), "4.1 is pinned to surveillance 3, but the cycle has 2"));
	assert_non_null(strstr(smsaudit_coverage_warning(cov, 1), "12.4"));
	assert_non_null(strstr(smsaudit_coverage_warning(cov, 2),
	                       "10.1 is pinned to surveillance 2, but every surveillance covers it"));
	assert_null(smsaudit_coverage_warning(cov, 3));
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		if (strcmp(r->unit->id, "10.1") == 0) {
			assert_int_equal(r->pinned, 0);
			assert_int_equal(r->covered, 3u);
		}
	}
	smsaudit_coverage_free(cov);
	smsaudit_cycle_free(c);
	w->pol.npins = 0;
	w->pol.certification_decision = 0;
}

static void test_programme_without_audits(void **state)
{
	world *w = *state;
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_programme_compute(&cov, w->cat, &w->pol, w->as, 2026), 0);
	assert_int_equal(smsaudit_coverage_slots(cov), 0);
	assert_int_equal(smsaudit_coverage_holes(cov), 45);
	time_t from, to;
	smsaudit_coverage_window(cov, &from, &to);
	expect_date(from, "2026-01-01");
	expect_date(to, "2026-12-31");
	smsaudit_coverage_free(cov);
	assert_int_equal(smsaudit_programme_compute(&cov, w->cat, &w->pol, w->as, 12), SMSAUDIT_EINVALID);
	assert_null(cov);
}

/* Stage 1 and stage 2 concluded: the decision is due within 6 months of stage
 * 2's last day, due soon from 30 days before, and a new stage 2 is needed after. */
static void test_initial_certification_day_by_day(void **state)
{
	world *w = *state;
	add_audit(w, SMSAUDIT_AUDIT_STAGE1, "2026-02-02", "2026-02-03", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	const smsaudit_record *s2 =
		add_audit(w, SMSAUDIT_AUDIT_STAGE2, "2026-03-02", "2026-03-04", SMSAUDIT_AUDIT_PLANNED, NULL, 0);
	/* Stage 2 only planned: the decision waits for it, without a date. */
	smsaudit_cycle *c = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-02-10")), 0);
	assert_int_equal(smsaudit_cycle_phase_get(c), SMSAUDIT_CYCLE_UNCERTIFIED);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_STAGE1, 0)->status, SMSAUDIT_ITEM_DONE);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_STAGE2, 0)->status, SMSAUDIT_ITEM_PLANNED);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_DECISION, 0)->status, SMSAUDIT_ITEM_OPEN);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_DECISION, 0)->due, 0);
	smsaudit_cycle_free(c);
	w->audits[1].status = SMSAUDIT_AUDIT_CONCLUDED;
	rebuild(w);
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-03-05")), 0);
	const smsaudit_cycle_item *d = find_item(c, SMSAUDIT_ITEM_DECISION, 0);
	expect_date(d->due, "2026-09-04");
	expect_date(d->warn_from, "2026-08-05");
	assert_ptr_equal(d->audit->plan, s2);
	smsaudit_cycle_free(c);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_DECISION, 0, "2026-08-04"), SMSAUDIT_ITEM_OPEN);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_DECISION, 0, "2026-08-05"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_DECISION, 0, "2026-09-04"), SMSAUDIT_ITEM_DUE_SOON);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_DECISION, 0, "2026-09-05"), SMSAUDIT_ITEM_OVERDUE);
	/* Decided in time: the cycle starts, stage 2 and the decision are done. */
	w->pol.certification_decision = date("2026-04-20");
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-05-01")), 0);
	assert_int_equal(smsaudit_cycle_phase_get(c), SMSAUDIT_CYCLE_CERTIFIED);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_STAGE2, 0)->status, SMSAUDIT_ITEM_DONE);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_DECISION, 0)->status, SMSAUDIT_ITEM_DONE);
	smsaudit_cycle_free(c);
	/* Decided after the 6 months: done, but late. */
	w->pol.certification_decision = date("2026-09-05");
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-09-10")), 0);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_DECISION, 0)->status, SMSAUDIT_ITEM_LATE);
	smsaudit_cycle_free(c);
}

/* The k-th surveillance audit of the cycle meets slot k: concluded after its
 * due date it is late; planned to end after it, overdue already. */
static void test_surveillances_met_late_or_planned_too_late(void **state)
{
	world *w = *state;
	w->pol.certification_decision = date("2025-03-10");
	add_audit(w, SMSAUDIT_AUDIT_STAGE2, "2025-02-10", "2025-02-12", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	const smsaudit_record *s1 =
		add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2026-03-16", "2026-03-17", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	const smsaudit_record *s2 =
		add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2027-03-08", "2027-03-12", SMSAUDIT_AUDIT_PLANNED, NULL, 0);
	smsaudit_cycle *c = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-06-01")), 0);
	const smsaudit_cycle_item *it = find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 1);
	assert_ptr_equal(it->audit->plan, s1);
	assert_int_equal(it->status, SMSAUDIT_ITEM_LATE);
	assert_string_equal(it->note, "concluded after its due date 2026-03-10");
	it = find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 2);
	assert_ptr_equal(it->audit->plan, s2);
	assert_int_equal(it->status, SMSAUDIT_ITEM_OVERDUE);
	assert_string_equal(it->note, "planned to end after its due date");
	/* 2026 had a surveillance: no calendar-year item. */
	assert_null(find_item(c, SMSAUDIT_ITEM_YEAR, 2026));
	assert_ptr_equal(smsaudit_cycle_next(c), it);
	/* Items come in date order. */
	for (size_t i = 1; i < smsaudit_cycle_count(c); i++) {
		const smsaudit_cycle_item *a = smsaudit_cycle_at(c, i - 1), *b = smsaudit_cycle_at(c, i);
		time_t ka = a->done_on ? a->done_on : a->audit ? a->audit->to : a->due;
		time_t kb = b->done_on ? b->done_on : b->audit ? b->audit->to : b->due;
		if (kb && ka > kb)
			fail_msg("item %zu (%s) comes before an earlier one", i - 1, smsaudit_cycle_item_kind_name(a->kind));
	}
	smsaudit_cycle_free(c);
	/* Planned to end by its due date: planned. */
	w->audits[2].to = w->plans[2].audit.planned_to = date("2027-03-10");
	rebuild(w);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 2, "2026-06-01"), SMSAUDIT_ITEM_PLANNED);
	assert_int_equal(status_at(w, SMSAUDIT_ITEM_SURVEILLANCE, 2, "2027-03-11"), SMSAUDIT_ITEM_OVERDUE);
}

/* A recertification concluded before the expiry: done; after the expiry the
 * cycle asks for the new decision instead of counting down the restoration. */
static void test_recertification_before_the_expiry(void **state)
{
	world *w = *state;
	w->pol.certification_decision = date("2025-03-10");
	add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2026-02-02", "2026-02-03", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2027-02-01", "2027-02-02", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	add_audit(w, SMSAUDIT_AUDIT_RECERTIFICATION, "2028-01-10", "2028-01-12", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	smsaudit_cycle *c = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2028-04-01")), 0);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 1)->status, SMSAUDIT_ITEM_DONE);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_SURVEILLANCE, 2)->status, SMSAUDIT_ITEM_DONE);
	assert_int_equal(find_item(c, SMSAUDIT_ITEM_RECERTIFICATION, 0)->status, SMSAUDIT_ITEM_DONE);
	const smsaudit_cycle_item *x = find_item(c, SMSAUDIT_ITEM_EXPIRY, 0);
	assert_int_equal(x->status, SMSAUDIT_ITEM_INFO);
	assert_non_null(strstr(x->note, "record the new decision"));
	assert_null(find_item(c, SMSAUDIT_ITEM_RESTORATION, 0));
	assert_null(smsaudit_cycle_next(c));
	smsaudit_cycle_free(c);
}

/* A surveillance planned with a scope keeps it: the mandatory units it leaves
 * out are warned about, pins to it are refused, and the rest of the rotation
 * goes to the free surveillance. */
static void test_rotation_keeps_a_planned_scope(void **state)
{
	world *w = *state;
	static char *scope[] = { "8.1", "8.2" };
	w->pol.certification_decision = date("2025-03-10");
	snprintf(w->pol.pins[0].clause, sizeof(w->pol.pins[0].clause), "8.7.1");
	w->pol.pins[0].surveillance = 1;
	w->pol.npins = 1;
	const smsaudit_record *s1 =
		add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2026-02-02", "2026-02-03", SMSAUDIT_AUDIT_PLANNED, scope, 2);
	smsaudit_cycle *c = NULL;
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-01-05")), 0);
	assert_int_equal(smsaudit_rotation_compute(&cov, w->cat, &w->pol, c, 0), 0);
	const smsaudit_coverage_slot *slot = smsaudit_coverage_slot_at(cov, 0);
	assert_ptr_equal(slot->audit->plan, s1);
	assert_true(slot->fixed);
	assert_false(smsaudit_coverage_slot_at(cov, 1)->fixed);
	size_t warned = 0;
	for (size_t i = 0; smsaudit_coverage_warning(cov, i); i++)
		warned += strstr(smsaudit_coverage_warning(cov, i), "which every surveillance covers") != NULL;
	/* Of the 9 mandatory units only 8.2.3 lies under 8.1 or 8.2. */
	assert_int_equal(warned, 8);
	int pin_refused = 0;
	for (size_t i = 0; smsaudit_coverage_warning(cov, i); i++)
		pin_refused |= strstr(smsaudit_coverage_warning(cov, i), "8.7.1 is pinned to surveillance 1, whose scope is "
		                                                         "fixed") != NULL;
	assert_true(pin_refused);
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		int in_scope = strncmp(r->unit->id, "8.1", 3) == 0 || strncmp(r->unit->id, "8.2.", 4) == 0;
		if (in_scope != ((r->covered & 1u) != 0))
			fail_msg("%s: covered %#x by a surveillance scoped to 8.1 and 8.2", r->unit->id, r->covered);
		if (!(r->covered & 2u) && !in_scope)
			fail_msg("%s: left out of the free surveillance", r->unit->id);
	}
	assert_int_equal(smsaudit_coverage_holes(cov), 0);
	smsaudit_coverage_free(cov);
	smsaudit_cycle_free(c);
}

/* The internal programme counts internal audits whose first day is in the
 * window, and only internal ones. */
static void test_programme_counts_internal_audits_in_its_window(void **state)
{
	world *w = *state;
	static char *clause8[] = { "8" };
	add_audit(w, SMSAUDIT_AUDIT_INTERNAL, "2026-03-02", "2026-03-03", SMSAUDIT_AUDIT_CONCLUDED, clause8, 1);
	add_audit(w, SMSAUDIT_AUDIT_STAGE2, "2026-05-04", "2026-05-06", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	add_audit(w, SMSAUDIT_AUDIT_INTERNAL, "2027-02-01", "2027-02-02", SMSAUDIT_AUDIT_PLANNED, NULL, 0);
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_programme_compute(&cov, w->cat, &w->pol, w->as, 2026), 0);
	assert_int_equal(smsaudit_coverage_slots(cov), 1);
	size_t in8 = 0;
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		int is8 = strncmp(r->unit->id, "8.", 2) == 0;
		in8 += is8;
		assert_int_equal(r->covered, is8 ? 1u : 0u);
	}
	assert_int_equal(smsaudit_coverage_holes(cov), 45 - in8);
	smsaudit_coverage_free(cov);
	/* An 18-month interval reaches the audit of February 2027, which covers all. */
	w->pol.internal_audit_months = 18;
	assert_int_equal(smsaudit_programme_compute(&cov, w->cat, &w->pol, w->as, 2026), 0);
	time_t from, to;
	smsaudit_coverage_window(cov, &from, &to);
	expect_date(to, "2027-06-30");
	assert_int_equal(smsaudit_coverage_slots(cov), 2);
	assert_int_equal(smsaudit_coverage_holes(cov), 0);
	smsaudit_coverage_free(cov);
}

/* Same inputs, same answer: the clock is not an input of the analysis. */
static void snapshot(world *w, smsaudit_cycle_item *items, size_t *n, smsaudit_coverage_row *rows, size_t *nrows)
{
	smsaudit_cycle *c = NULL;
	smsaudit_coverage *cov = NULL;
	assert_int_equal(smsaudit_cycle_compute(&c, &w->pol, w->as, date("2026-12-01")), 0);
	assert_int_equal(smsaudit_rotation_compute(&cov, w->cat, &w->pol, c, 0), 0);
	*n = smsaudit_cycle_count(c);
	assert_true(*n <= 64);
	for (size_t i = 0; i < *n; i++)
		items[i] = *smsaudit_cycle_at(c, i);
	*nrows = smsaudit_coverage_count(cov);
	assert_true(*nrows <= 64);
	for (size_t i = 0; i < *nrows; i++)
		rows[i] = *smsaudit_coverage_at(cov, i);
	smsaudit_coverage_free(cov);
	smsaudit_cycle_free(c);
}

static void test_same_answer_whatever_the_clock(void **state)
{
	world *w = *state;
	w->pol.certification_decision = date("2025-03-10");
	add_audit(w, SMSAUDIT_AUDIT_SURVEILLANCE, "2026-02-02", "2026-02-03", SMSAUDIT_AUDIT_CONCLUDED, NULL, 0);
	static smsaudit_cycle_item a[64], b[64];
	static smsaudit_coverage_row ra[64], rb[64];
	size_t na, nb, nra, nrb;
	setenv("SMSAUDIT_NOW", "2001-01-01T00:00:00Z", 1);
	snapshot(w, a, &na, ra, &nra);
	setenv("SMSAUDIT_NOW", "2090-06-30T23:59:59Z", 1);
	snapshot(w, b, &nb, rb, &nrb);
	unsetenv("SMSAUDIT_NOW");
	assert_int_equal(na, nb);
	assert_int_equal(nra, nrb);
	assert_true(na > 0);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].kind, b[i].kind);
		assert_int_equal(a[i].number, b[i].number);
		assert_ptr_equal(a[i].audit, b[i].audit);
		assert_int_equal(a[i].due, b[i].due);
		assert_int_equal(a[i].warn_from, b[i].warn_from);
		assert_int_equal(a[i].done_on, b[i].done_on);
		assert_int_equal(a[i].status, b[i].status);
		assert_string_equal(a[i].note, b[i].note);
	}
	assert_memory_equal(ra, rb, nra * sizeof(ra[0]));
}

static void test_audits_stated_by_hand_need_a_plan(void **state)
{
	(void)state;
	smsaudit_audit a;
	memset(&a, 0, sizeof(a));
	smsaudit_audits *as = NULL;
	assert_int_equal(smsaudit_audits_from(&as, &a, 1), SMSAUDIT_EINVALID);
	assert_null(as);
	assert_error_contains("audit 1 has no plan record");
	smsaudit_record r;
	memset(&r, 0, sizeof(r));
	r.type = SMSAUDIT_REC_AUDIT;
	snprintf(r.id, sizeof(r.id), "audit-x");
	a.plan = &r;
	a.from = date("2026-02-03");
	a.to = date("2026-02-02");
	assert_int_equal(smsaudit_audits_from(&as, &a, 1), SMSAUDIT_EINVALID);
	assert_error_contains("audit audit-x ends before it starts");
}

/* ---- the writers: set-cycle and pins, through a repository ---- */

typedef struct {
	char dir[64];
	smsaudit_catalogue *cat;
	smsaudit_store *store;
	smsaudit_identity *ada;
} repo_world;

static int repo_setup(void **state)
{
	repo_world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	snprintf(w->dir, sizeof(w->dir), "/tmp/smsaudit-cycle-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	char cfg[100];
	snprintf(cfg, sizeof(cfg), "%s/config", w->dir);
	setenv("SMSAUDIT_CONFIG", cfg, 1);
	setenv("SMSAUDIT_NOW", "2026-01-05T09:00:00Z", 1);
	assert_int_equal(smsaudit_catalogue_load_default(&w->cat), 0);
	test_store_new(w->dir, "Cycle Ltd", w->cat, &w->store, &w->ada);
	*state = w;
	return 0;
}

static int repo_teardown(void **state)
{
	repo_world *w = *state;
	smsaudit_identity_free(w->ada);
	smsaudit_store_free(w->store);
	smsaudit_catalogue_free(w->cat);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("SMSAUDIT_NOW");
	unsetenv("SMSAUDIT_CONFIG");
	free(w);
	return 0;
}

static void test_set_cycle_rules(void **state)
{
	repo_world *w = *state;
	setenv("SMSAUDIT_NOW", "2026-04-01T10:00:00Z", 1);
	smsaudit_cycle_settings s = SMSAUDIT_CYCLE_SETTINGS_INIT;
	s.decision = date("2026-04-02");
	assert_int_equal(smsaudit_store_set_cycle(w->store, w->ada, &s), SMSAUDIT_EINVALID);
	assert_error_contains("cannot be in the future");
	s.decision = date("2026-04-01");
	s.expiry = date("2026-04-01");
	assert_int_equal(smsaudit_store_set_cycle(w->store, w->ada, &s), SMSAUDIT_EINVALID);
	assert_error_contains("must come after");
	s.expiry = 0;
	s.surveillances = 11;
	assert_int_equal(smsaudit_store_set_cycle(w->store, w->ada, &s), SMSAUDIT_EINVALID);
	s.surveillances = 3;
	assert_int_equal(smsaudit_store_set_cycle(w->store, w->ada, &s), 0);
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, w->store, NULL, 0), 0);
	const smsaudit_sms_policy *p = smsaudit_state_policy(st);
	expect_date(p->certification_decision, "2026-04-01");
	expect_date(p->certificate_expiry, "2029-03-31");
	assert_int_equal(p->surveillances, 3);
	smsaudit_state_free(st);
	/* The same again changes nothing, and says so. */
	setenv("SMSAUDIT_NOW", "2026-04-01T11:00:00Z", 1);
	assert_int_equal(smsaudit_store_set_cycle(w->store, w->ada, &s), SMSAUDIT_EINVALID);
	assert_error_contains("nothing to change");
	/* Pins: unknown clause, mandatory clause (the rule the rotation applies
	 * when it reads), unpinning what is not pinned. */
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "8.9", 1), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "10.1", 1), SMSAUDIT_EINVALID);
	assert_error_contains("clause 10.1 is covered at every surveillance");
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "8.6.1", 0), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "8.6.1", 2), 0);
	assert_int_equal(smsaudit_state_load(&st, w->store, NULL, 0), 0);
	p = smsaudit_state_policy(st);
	assert_int_equal(p->npins, 1);
	assert_string_equal(p->pins[0].clause, "8.6.1");
	assert_int_equal(p->pins[0].surveillance, 2);
	assert_int_equal(p->surveillances, 3);
	smsaudit_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_expiry_and_surveillance_count, world_reset),
		cmocka_unit_test_setup(test_boundaries_day_by_day, world_reset),
		cmocka_unit_test_setup(test_rotation_for_one_two_three, world_reset),
		cmocka_unit_test_setup(test_programme_without_audits, world_reset),
		cmocka_unit_test_setup(test_initial_certification_day_by_day, world_reset),
		cmocka_unit_test_setup(test_surveillances_met_late_or_planned_too_late, world_reset),
		cmocka_unit_test_setup(test_recertification_before_the_expiry, world_reset),
		cmocka_unit_test_setup(test_rotation_keeps_a_planned_scope, world_reset),
		cmocka_unit_test_setup(test_programme_counts_internal_audits_in_its_window, world_reset),
		cmocka_unit_test_setup(test_same_answer_whatever_the_clock, world_reset),
		cmocka_unit_test(test_audits_stated_by_hand_need_a_plan),
		/* The writers, last: they have their own repository. */
		cmocka_unit_test_setup_teardown(test_set_cycle_rules, repo_setup, repo_teardown),
	};
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
