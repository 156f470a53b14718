/*
 * The agenda through the public API, and its calendar read back with libical.
 *
 *   2027-01-10 09:00  init (Ada Quinn, quality manager)
 *   2027-01-11 09:00  POL: policy for 5.2.1, valid until 2027-06-30
 *                     WD:  policy for 8.5.1.1, valid until 2027-06-15
 *                     MR:  management review minutes (9.3 record), period 2027-01-04..2027-01-05
 *   2027-01-12 09:00  WD withdrawn
 *   2027-02-01 09:00  a minor raised (plan due 2027-03-03)
 *   2027-02-02 09:00  stage 1 planned for 2027-04-12..2027-04-13 at Leeds, led by lead@cb.example
 */
#include <libical/ical.h>

#include "testutil.h"
#include "smsaudit/agenda.h"

static char dir[] = "/tmp/smsaudit-agenda-XXXXXX";
static smsaudit_catalogue *cat;
static smsaudit_state *st;
static char pol[SMSAUDIT_ID_MAX], wd[SMSAUDIT_ID_MAX], mr[SMSAUDIT_ID_MAX], audit_id[SMSAUDIT_ID_MAX];

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	smsaudit_store *store = NULL;
	smsaudit_identity *ada = NULL;
	setenv("SMSAUDIT_NOW", "2027-01-10T09:00:00Z", 1);
	test_store_new_sited(dir, "Agenda Test Ltd", cat, &store, &ada, "Leeds");

	setenv("SMSAUDIT_NOW", "2027-01-11T09:00:00Z", 1);
	char paths[3][600];
	const char *controls[] = { "5.2.1", "8.5.1.1", "9.3" };
	const char *titles[] = { "Service management policy", "Change policy (draft)", "Management review minutes" };
	const smsaudit_evidence_kind kinds[] = { SMSAUDIT_KIND_POLICY, SMSAUDIT_KIND_POLICY, SMSAUDIT_KIND_RECORD };
	smsaudit_evidence_input in[3];
	memset(in, 0, sizeof(in));
	for (int i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d.txt", dir, i);
		FILE *f = fopen(paths[i], "w");
		assert_non_null(f);
		fprintf(f, "evidence %d\n", i);
		fclose(f);
		in[i].file = paths[i];
		in[i].title = titles[i];
		in[i].kind = kinds[i];
		in[i].controls = &controls[i];
		in[i].ncontrols = 1;
	}
	in[0].valid_until = date("2027-06-30");
	in[1].valid_until = date("2027-06-15");
	in[2].has_period = 1;
	in[2].period_from = date("2027-01-04");
	in[2].period_to = date("2027-01-05");
	char ids[3][SMSAUDIT_ID_MAX];
	if (smsaudit_store_add_evidence(store, ada, in, 3, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
	memcpy(pol, ids[0], sizeof(pol));
	memcpy(wd, ids[1], sizeof(wd));
	memcpy(mr, ids[2], sizeof(mr));

	setenv("SMSAUDIT_NOW", "2027-01-12T09:00:00Z", 1);
	char wid[SMSAUDIT_ID_MAX];
	if (smsaudit_store_withdraw(wid, store, ada, wd, "draft") < 0)
		fail_msg("withdraw: %s", smsaudit_error_last()->message);

	setenv("SMSAUDIT_NOW", "2027-02-01T09:00:00Z", 1);
	test_raise_finding(store, ada, SMSAUDIT_SOURCE_SELF_IDENTIFIED, NULL, "minor", "8.5.1.2", "RFCs unassessed");

	setenv("SMSAUDIT_NOW", "2027-02-02T09:00:00Z", 1);
	smsaudit_audit_plan_input ap;
	memset(&ap, 0, sizeof(ap));
	const char *sites[] = { "Leeds" };
	ap.type = SMSAUDIT_AUDIT_STAGE1;
	ap.planned_from = date("2027-04-12");
	ap.planned_to = date("2027-04-13");
	ap.body = "Example Certification Ltd";
	ap.lead = "lead@cb.example";
	ap.sites = sites;
	ap.nsites = 1;
	/* A plan names people of the repository: the lead is an external auditor. */
	test_grant(store, ada, dir, "Lee Ad", "lead@cb.example", SMSAUDIT_ROLE_EXTERNAL_AUDITOR);
	if (smsaudit_store_audit_plan(audit_id, store, ada, &ap) < 0)
		fail_msg("audit plan: %s", smsaudit_error_last()->message);

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

static smsaudit_agenda *at(const char *day, int window)
{
	smsaudit_agenda *ag = NULL;
	if (smsaudit_agenda_compute(&ag, cat, st, date(day), window) < 0)
		fail_msg("agenda at %s: %s", day, smsaudit_error_last()->message);
	assert_non_null(ag);
	return ag;
}

static const smsaudit_agenda_item *find(const smsaudit_agenda *ag, const char *uid)
{
	/* UIDs end with "@<repository>.smsaudit"; the part before is the item's. */
	size_t n = strlen(uid);
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
		const char *u = smsaudit_agenda_at(ag, i)->uid;
		if (strncmp(u, uid, n) == 0 && u[n] == '@' && strstr(u + n, ".smsaudit"))
			return smsaudit_agenda_at(ag, i);
	}
	fail_msg("no agenda item %s", uid);
	return NULL;
}

static int names(const smsaudit_agenda_item *it, const char *email)
{
	for (size_t k = 0; k < it->npeople; k++)
		if (strcmp(it->people[k], email) == 0)
			return 1;
	return 0;
}

static void test_items_and_reminders(void **state)
{
	(void)state;
	char uid[128];
	smsaudit_agenda *ag = at("2027-02-20", 30);
	/* The audit over its days, with its site, lead and the quality manager. */
	snprintf(uid, sizeof(uid), "%s", audit_id);
	const smsaudit_agenda_item *it = find(ag, uid);
	assert_int_equal(it->kind, SMSAUDIT_AGENDA_AUDIT);
	expect_date(it->from, "2027-04-12");
	expect_date(it->to, "2027-04-13");
	assert_string_equal(it->location, "Leeds");
	assert_true(names(it, "lead@cb.example") && names(it, "ada@example.org"));
	assert_int_equal(it->due, SMSAUDIT_DUE_PENDING);
	assert_int_equal(it->sequence, 0);
	/* Evidence expiry: the policy pending; the withdrawn one cancelled. */
	snprintf(uid, sizeof(uid), "%s-expiry", pol);
	it = find(ag, uid);
	expect_date(it->from, "2027-06-30");
	assert_int_equal(it->due, SMSAUDIT_DUE_PENDING);
	assert_false(it->cancelled);
	snprintf(uid, sizeof(uid), "%s-expiry", wd);
	it = find(ag, uid);
	assert_true(it->cancelled);
	assert_int_equal(it->sequence, 1);
	/* The minor's plan deadline (30 days after 2027-02-01) is due soon. */
	int deadline = 0;
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
		it = smsaudit_agenda_at(ag, i);
		if (it->kind == SMSAUDIT_AGENDA_DEADLINE && strstr(it->uid, "-d1@")) {
			expect_date(it->from, "2027-03-03");
			assert_int_equal(it->due, SMSAUDIT_DUE_SOON);
			deadline = 1;
		}
	}
	assert_true(deadline);
	/* Ordered by date. */
	for (size_t i = 1; i < smsaudit_agenda_count(ag); i++)
		assert_true(smsaudit_agenda_at(ag, i - 1)->from <= smsaudit_agenda_at(ag, i)->from);
	assert_string_equal(smsaudit_agenda_person_name(ag, "ada@example.org"), "Ada Quinn");
	assert_null(smsaudit_agenda_person_name(ag, "nobody@example.org"));
	smsaudit_agenda_free(ag);

	/* The audit: due soon from 30 days before, due on its days, overdue after. */
	const char *days[][2] = { { "2027-03-12", "pending" }, { "2027-03-13", "due-soon" }, { "2027-04-13", "due-soon" },
		                      { "2027-04-14", "overdue" } };
	for (size_t d = 0; d < 4; d++) {
		ag = at(days[d][0], 30);
		snprintf(uid, sizeof(uid), "%s", audit_id);
		it = find(ag, uid);
		if (strcmp(smsaudit_due_status_name(it->due), days[d][1]) != 0)
			fail_msg("audit on %s: %s, expected %s", days[d][0], smsaudit_due_status_name(it->due), days[d][1]);
		smsaudit_agenda_free(ag);
	}

	/* The day after the deadline it is overdue. */
	ag = at("2027-03-04", 30);
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
		it = smsaudit_agenda_at(ag, i);
		if (it->kind == SMSAUDIT_AGENDA_DEADLINE && strstr(it->uid, "-d1@"))
			assert_int_equal(it->due, SMSAUDIT_DUE_OVERDUE);
	}
	smsaudit_agenda_free(ag);
}

/* The renewal date is the gap analysis' own: satisfied on that day, not the next. */
static void test_renewal_is_the_gap_rule(void **state)
{
	(void)state;
	smsaudit_agenda *ag = at("2027-02-20", 30);
	const smsaudit_agenda_item *ren = NULL;
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++)
		if (smsaudit_agenda_at(ag, i)->kind == SMSAUDIT_AGENDA_RENEWAL && strncmp(smsaudit_agenda_at(ag, i)->uid, "9.3", 3) == 0)
			ren = smsaudit_agenda_at(ag, i);
	assert_non_null(ren);
	assert_true(names(ren, "ada@example.org"));
	char item[64];
	snprintf(item, sizeof(item), "%.*s", (int)(strchr(ren->uid, '@') - ren->uid - (int)strlen("-renewal")), ren->uid);
	for (int after = 0; after < 2; after++) {
		smsaudit_gap *g = NULL;
		smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
		go.as_of = ren->from + after * SMSAUDIT_DAY;
		assert_int_equal(smsaudit_gap_compute(&g, cat, st, &go), 0);
		const smsaudit_gap_clause *c = NULL;
		assert_int_equal(smsaudit_gap_find(&c, g, "9.3"), 0);
		int found = 0;
		for (size_t k = 0; k < c->nitems; k++)
			if (strcmp(c->items[k].id, item) == 0) {
				assert_int_equal(c->items[k].satisfied, !after);
				found = 1;
			}
		assert_true(found);
		smsaudit_gap_free(g);
	}
	smsaudit_agenda_free(ag);
}

/* The calendar as libical reads it back: one VEVENT per item with its UID,
 * SEQUENCE, all-day dates, and the same bytes for the same input. */
static void test_ics_parses_back(void **state)
{
	(void)state;
	smsaudit_agenda *ag = at("2027-02-20", 30);
	smsaudit_buf ics = SMSAUDIT_BUF_INIT, again = SMSAUDIT_BUF_INIT;
	time_t stamp = date("2027-02-20") + 3600;
	assert_int_equal(smsaudit_agenda_ics(&ics, ag, "Agenda Test Ltd, Leeds; \"HQ\"", stamp), 0);
	assert_int_equal(smsaudit_agenda_ics(&again, ag, "Agenda Test Ltd, Leeds; \"HQ\"", stamp), 0);
	assert_int_equal(ics.size, again.size);
	assert_memory_equal(ics.ptr, again.ptr, ics.size);

	icalcomponent *cal = icalparser_parse_string(ics.ptr);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	assert_int_equal(icalrestriction_check(cal), 1);
	size_t n = 0;
	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
	     ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), n++) {
		const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, n);
		assert_non_null(it);
		assert_string_equal(icalcomponent_get_uid(ev), it->uid);
		assert_string_equal(icalcomponent_get_summary(ev), it->summary);
		icalproperty *seq = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
		assert_non_null(seq);
		assert_int_equal(icalproperty_get_sequence(seq), (int)it->sequence);
		struct icaltimetype s = icalcomponent_get_dtstart(ev), e = icalcomponent_get_dtend(ev);
		assert_true(s.is_date);
		assert_int_equal(icaltime_as_timet(s), it->from);
		assert_int_equal(icaltime_as_timet(e), it->to + SMSAUDIT_DAY);
		assert_int_equal(icalcomponent_get_status(ev), it->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
		if (it->kind == SMSAUDIT_AGENDA_AUDIT)
			assert_string_equal(icalcomponent_get_location(ev), "Leeds");
	}
	assert_int_equal(n, smsaudit_agenda_count(ag));
	assert_true(n >= 5);
	icalcomponent_free(cal);
	smsaudit_buf_dispose(&ics);
	smsaudit_buf_dispose(&again);
	smsaudit_agenda_free(ag);
}

static void test_arguments(void **state)
{
	(void)state;
	smsaudit_agenda *ag = (smsaudit_agenda *)&ag;
	assert_int_equal(smsaudit_agenda_compute(&ag, cat, st, date("2027-02-01"), -1), SMSAUDIT_EINVALID);
	assert_null(ag);
	assert_int_equal(smsaudit_agenda_compute(&ag, NULL, st, date("2027-02-01"), 30), SMSAUDIT_EINVALID);
	smsaudit_agenda_free(NULL);
	assert_string_equal(smsaudit_agenda_kind_name(SMSAUDIT_AGENDA_RENEWAL), "renewal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_and_reminders),
		cmocka_unit_test(test_renewal_is_the_gap_rule),
		cmocka_unit_test(test_ics_parses_back),
		cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
