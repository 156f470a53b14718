/*
 * The certification cycle through the public API: the timeline as a pure
 * function of (policy, audits, as-of) at its boundaries, and the rotation and
 * programme coverage over the shipped catalogue.
 */
#include "testutil.h"

/* An empty repository's audits (none) and its policy, to vary by hand. */
typedef struct {
	char dir[64];
	smsaudit_catalogue *cat;
	smsaudit_store *store;
	smsaudit_identity *ada;
	smsaudit_state *st;
	smsaudit_audits *as;
	smsaudit_sms_policy pol;
} world;

static int world_setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	snprintf(w->dir, sizeof(w->dir), "/tmp/smsaudit-cycle-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	setenv("SMSAUDIT_NOW", "2026-01-05T09:00:00Z", 1);
	assert_int_equal(smsaudit_catalogue_load_default(&w->cat), 0);
	test_store_new(w->dir, "Cycle Ltd", w->cat, &w->store, &w->ada);
	assert_int_equal(smsaudit_state_load(&w->st, w->store, NULL, 0), 0);
	assert_int_equal(smsaudit_audits_compute(&w->as, w->st, 0), 0);
	w->pol = *smsaudit_state_policy(w->st);
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	world *w = *state;
	smsaudit_audits_free(w->as);
	smsaudit_state_free(w->st);
	smsaudit_identity_free(w->ada);
	smsaudit_store_free(w->store);
	smsaudit_catalogue_free(w->cat);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("SMSAUDIT_NOW");
	free(w);
	return 0;
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
	w->pol.npins = 3;
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
	assert_null(smsaudit_coverage_warning(cov, 2));
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

static void test_set_cycle_rules(void **state)
{
	world *w = *state;
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
	/* Pins: unknown clause, mandatory clause, unpinning what is not pinned. */
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "8.9", 1), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_store_pin(w->store, w->ada, "10.1", 1), SMSAUDIT_EINVALID);
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
		cmocka_unit_test(test_expiry_and_surveillance_count),
		cmocka_unit_test(test_boundaries_day_by_day),
		cmocka_unit_test(test_rotation_for_one_two_three),
		cmocka_unit_test(test_programme_without_audits),
		cmocka_unit_test(test_set_cycle_rules),
	};
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
