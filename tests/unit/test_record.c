/*
 * Records through record.h: ids and the paths they give, the canonical XML of
 * every record type (written, parsed back and written again byte for byte),
 * what the parser refuses and how it names the file, and the text checks at
 * their limits.
 */
#include "testutil.h"
#include "samples.h"

static const char *const prefixes[SMSAUDIT_REC__COUNT] = {
	"person", "revoke", "ev", "supersede", "withdraw", "assess", "finding", "step", "audit", "seal", "sms", "cert",
	"anchor"
};

static const char HEX64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char HEX64B[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
static const char COMMIT[] = "89abcdef0123456789abcdef0123456789abcdef";

/* ---- ids and paths ---- */

static const char *id_at(const void *set, size_t i)
{
	return ((const char *const *)set)[i];
}

/* The one resolver every command uses: the whole id, or a prefix of 4 or
 * more characters that starts one id. */
static void test_id_resolver(void **state)
{
	(void)state;
	static const char *const ids[] = { "audit-20270301-aaaa000000000001", "audit-20270301-aaaa000000000002",
	                                   "audit-20270402-bbbb000000000003", NULL };
	size_t i = 99;
	assert_int_equal(smsaudit_id_resolve(&i, "audit-20270402", ids, 4, id_at, "audit", NULL), 0);
	assert_int_equal(i, 2);
	assert_int_equal(smsaudit_id_resolve(&i, ids[1], ids, 4, id_at, "audit", NULL), 0);
	assert_int_equal(i, 1);
	assert_int_equal(smsaudit_id_resolve(&i, "audit-20270301", ids, 4, id_at, "audit", NULL), SMSAUDIT_EINVALID);
	assert_error_contains("audit 'audit-20270301' is ambiguous: it starts 2 ids");
	assert_int_equal(smsaudit_id_resolve(&i, "aud", ids, 4, id_at, "audit", NULL), SMSAUDIT_EINVALID);
	assert_error_contains("too short: give at least 4 characters");
	assert_int_equal(smsaudit_id_resolve(&i, "audit-2099", ids, 4, id_at, "audit", "see list"), SMSAUDIT_ENOTFOUND);
	assert_error_contains("audit 'audit-2099' does not exist (see list)");
	assert_int_equal(smsaudit_id_resolve(&i, "", ids, 4, id_at, "audit", NULL), SMSAUDIT_ENOTFOUND);
	assert_string_equal(smsaudit_article("assessment"), "an");
	assert_string_equal(smsaudit_article("internal"), "an");
	assert_string_equal(smsaudit_article("stage1"), "a");
	assert_string_equal(smsaudit_article(""), "a");
}

static void test_new_id_every_type(void **state)
{
	(void)state;
	/* The last second of a day is still that day. */
	time_t when = date("2027-03-04") + 86399;
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++) {
		char id[SMSAUDIT_ID_MAX], id2[SMSAUDIT_ID_MAX];
		assert_int_equal(smsaudit_record_new_id(id, (smsaudit_record_type)t, when), 0);
		assert_int_equal(smsaudit_record_new_id(id2, (smsaudit_record_type)t, when), 0);
		size_t pl = strlen(prefixes[t]);
		if (strncmp(id, prefixes[t], pl) != 0 || strncmp(id + pl, "-20270304-", 10) != 0)
			fail_msg("id %s for type %s: wrong prefix or date", id, smsaudit_record_type_name((smsaudit_record_type)t));
		assert_int_equal(strlen(id), pl + 10 + 16);
		for (size_t i = pl + 10; id[i]; i++)
			if (!strchr("0123456789abcdef", id[i]))
				fail_msg("id %s: '%c' is not lowercase hex", id, id[i]);
		/* 64 random bits: two ids never collide. */
		assert_string_not_equal(id, id2);

		smsaudit_record_type back = SMSAUDIT_REC__COUNT;
		assert_int_equal(smsaudit_record_id_type(&back, id), 0);
		assert_int_equal((int)back, t);

		char path[160], want[160];
		assert_int_equal(smsaudit_record_path(path, sizeof(path), id), 0);
		snprintf(want, sizeof(want), "records/2027/03/%.2s/%s.xml", id + pl + 10, id);
		assert_string_equal(path, want);
	}
	/* The sms type has its own prefix and its type name. */
	smsaudit_record_type t;
	assert_int_equal(smsaudit_record_id_type(&t, "sms-20270101-00000000000000ff"), 0);
	assert_int_equal(t, SMSAUDIT_REC_SMS);
	assert_string_equal(smsaudit_record_type_name(SMSAUDIT_REC_SMS), "sms");
	assert_string_equal(smsaudit_record_type_name(SMSAUDIT_REC_REVOCATION), "revocation");
	assert_string_equal(smsaudit_record_type_name(SMSAUDIT_REC__COUNT), "unknown");
	/* A prefix that is the start of another ("step" / "supersede" / "seal" / "sms") is not confused. */
	assert_int_equal(smsaudit_record_id_type(&t, "seal-20270101-0123456789abcdef"), 0);
	assert_int_equal(t, SMSAUDIT_REC_SEAL);
	assert_int_equal(smsaudit_record_id_type(&t, "supersede-20270101-0123456789abcdef"), 0);
	assert_int_equal(t, SMSAUDIT_REC_SUPERSEDE);
	/* The date of the id, not of today, names the folder; the first random byte shards it. */
	char path[160];
	assert_int_equal(smsaudit_record_path(path, sizeof(path), "assess-19991231-ff00000000000000"), 0);
	assert_string_equal(path, "records/1999/12/ff/assess-19991231-ff00000000000000.xml");
}

static void test_malformed_ids(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"ev",
		"ev-",
		"ev-20270101",
		"ev-20270101-",
		"ev-2027010-0123456789abcdef",          /* 7 digits of date */
		"ev-202701011-0123456789abcdef",        /* 9 */
		"ev-2027010a-0123456789abcdef",         /* a letter in the date */
		"ev-20270101-0123456789abcde",          /* 15 hex */
		"ev-20270101-0123456789abcdef0",        /* 17 hex */
		"ev-20270101-0123456789ABCDEF",         /* uppercase */
		"ev-20270101-0123456789abcdeg",
		"ev-20270101_0123456789abcdef",
		"ev_20270101-0123456789abcdef",
		"EV-20270101-0123456789abcdef",
		"evidence-20270101-0123456789abcdef",   /* the type's name, not its prefix */
		"revocation-20270101-0123456789abcdef",
		"assessment-20270101-0123456789abcdef",
		"unknown-20270101-0123456789abcdef",
		"ev-20270101-0123456789abcdef.xml",
		"ev-20270101-0123456789abcdef ",
		" ev-20270101-0123456789abcdef",
		"../ev-20270101-0123456789abcdef",
		"records/2027/01/01/ev-20270101-0123456789abcdef",
		"ev-20270101-01234567/9abcdef",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smsaudit_record_type t = SMSAUDIT_REC__COUNT;
		smsaudit_error_clear();
		if (smsaudit_record_id_type(&t, bad[i]) != SMSAUDIT_EINVALID)
			fail_msg("'%s' was taken for a %s id", bad[i], smsaudit_record_type_name(t));
		char want[120];
		snprintf(want, sizeof(want), "'%s' is not a record id", bad[i]);
		assert_error_contains(want);
		char path[160] = "untouched";
		assert_int_equal(smsaudit_record_path(path, sizeof(path), bad[i]), SMSAUDIT_EINVALID);
		assert_string_equal(path, "untouched");
	}
}

/* ---- canonical XML round trip ---- */

/* Write `r`, parse it back, write that again: the same bytes. Returns the
 * parsed record (free it) and the first writing in `xml`. */
static smsaudit_record *round_trip(const smsaudit_record *r, smsaudit_buf *xml)
{
	xml->size = 0;
	if (smsaudit_record_to_xml(xml, r) < 0)
		fail_msg("to_xml %s: %s", r->id, smsaudit_error_last()->message);
	char name[160];
	assert_int_equal(smsaudit_record_path(name, sizeof(name), r->id), 0);
	smsaudit_record *p = NULL;
	if (smsaudit_record_parse(&p, xml->ptr, xml->size, name) < 0)
		fail_msg("parse %s: %s\n%s", r->id, smsaudit_error_last()->message, xml->ptr);
	assert_non_null(p);
	assert_int_equal(p->type, r->type);
	assert_string_equal(p->id, r->id);
	assert_int_equal(p->made_at, r->made_at);
	assert_string_equal(p->made_by, r->made_by);
	smsaudit_buf again = SMSAUDIT_BUF_INIT;
	if (smsaudit_record_to_xml(&again, p) < 0)
		fail_msg("to_xml of the parsed %s: %s", r->id, smsaudit_error_last()->message);
	if (again.size != xml->size || memcmp(again.ptr, xml->ptr, xml->size) != 0)
		fail_msg("%s does not survive a round trip:\n--- first\n%s--- again\n%s", r->id, xml->ptr, again.ptr);
	smsaudit_buf_dispose(&again);
	/* Canonical form: declaration, the namespace first, LF only, two-space indentation. */
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<record xmlns=\"urn:smsaudit:record:1\" id=\"";
	assert_memory_equal(xml->ptr, head, sizeof(head) - 1);
	assert_null(strchr(xml->ptr, '\r'));
	assert_non_null(strstr(xml->ptr, "\n  <made-at>"));
	return p;
}

static void base(smsaudit_record *r, smsaudit_record_type type, const char *when)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	assert_int_equal(smsaudit_time_parse(&r->made_at, when), 0);
	assert_int_equal(smsaudit_record_new_id(r->id, type, r->made_at), 0);
	r->made_by = "ada@example.org";
}

static void test_round_trip_person_revocation(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	base(&r, SMSAUDIT_REC_PERSON, "2027-01-10T09:00:00Z");
	r.person.name = "Jürgen Çelik-O'Brien & Söhne";
	r.person.email = "jurgen@example.org";
	r.person.roles = SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_VIEWER;
	r.person.valid_from = r.made_at;
	r.person.valid_until = date("2029-01-10");
	snprintf(r.person.fingerprint, sizeof(r.person.fingerprint), "%s", HEX64);
	r.person.certificate = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
	smsaudit_record *p = round_trip(&r, &xml);
	assert_string_equal(p->person.name, r.person.name);
	assert_string_equal(p->person.email, r.person.email);
	assert_int_equal(p->person.roles, r.person.roles);
	assert_int_equal(p->person.valid_from, r.person.valid_from);
	assert_int_equal(p->person.valid_until, r.person.valid_until);
	assert_string_equal(p->person.fingerprint, HEX64);
	assert_string_equal(p->person.certificate, r.person.certificate);
	/* Roles are written in their fixed order whatever the flags. */
	const char *qm = strstr(xml.ptr, "<role>quality-manager</role>"), *ia = strstr(xml.ptr, "<role>internal-auditor</role>");
	assert_true(qm && ia && qm < ia);
	assert_non_null(strstr(xml.ptr, "&amp; Söhne"));
	smsaudit_record_free(p);

	/* Without an end of validity there is no valid-until. */
	r.person.valid_until = 0;
	p = round_trip(&r, &xml);
	assert_null(strstr(xml.ptr, "valid-until"));
	assert_int_equal(p->person.valid_until, 0);
	smsaudit_record_free(p);

	base(&r, SMSAUDIT_REC_REVOCATION, "2027-02-01T10:30:00Z");
	r.revocation.email = "ben@example.org";
	snprintf(r.revocation.fingerprint, sizeof(r.revocation.fingerprint), "%s", HEX64B);
	r.revocation.effective = r.made_at - 3600;
	r.revocation.reason = "Left the company <for good>";
	p = round_trip(&r, &xml);
	assert_string_equal(p->revocation.email, "ben@example.org");
	assert_string_equal(p->revocation.fingerprint, HEX64B);
	assert_int_equal(p->revocation.effective, r.revocation.effective);
	assert_string_equal(p->revocation.reason, r.revocation.reason);
	assert_non_null(strstr(xml.ptr, "&lt;for good&gt;"));
	smsaudit_record_free(p);
	smsaudit_buf_dispose(&xml);
}

static void test_round_trip_evidence(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	char *controls[] = { "4.1", "8.2.1", "10.2" };
	base(&r, SMSAUDIT_REC_EVIDENCE, "2027-01-11T08:00:00Z");
	r.evidence.title = "Change register \"Q1\"";
	r.evidence.kind = SMSAUDIT_KIND_REGISTER;
	r.evidence.controls = controls;
	r.evidence.ncontrols = 3;
	r.evidence.has_period = 1;
	r.evidence.period_from = date("2027-01-01");
	r.evidence.period_to = date("2027-03-31");
	r.evidence.valid_until = date("2027-12-31");
	r.evidence.note = "Line one\n\tindented line two & three";
	snprintf(r.evidence.sha256, sizeof(r.evidence.sha256), "%s", HEX64);
	r.evidence.size = 1099511627776ull; /* 1 TiB: more than 32 bits */
	r.evidence.media_type = "text/csv";
	r.evidence.name = "changes \"Q1\".csv";
	smsaudit_record *p = round_trip(&r, &xml);
	const smsaudit_evidence_body *e = &p->evidence;
	assert_string_equal(e->title, r.evidence.title);
	assert_int_equal(e->kind, SMSAUDIT_KIND_REGISTER);
	assert_int_equal(e->ncontrols, 3);
	assert_string_equal(e->controls[2], "10.2");
	assert_true(e->has_period);
	assert_int_equal(e->period_from, r.evidence.period_from);
	assert_int_equal(e->period_to, r.evidence.period_to);
	assert_int_equal(e->valid_until, r.evidence.valid_until);
	assert_string_equal(e->note, r.evidence.note);
	assert_string_equal(e->sha256, HEX64);
	assert_true(e->size == 1099511627776ull);
	assert_string_equal(e->media_type, "text/csv");
	assert_string_equal(e->name, r.evidence.name);
	/* Quotes are escaped in attributes, not in text. */
	assert_non_null(strstr(xml.ptr, "name=\"changes &quot;Q1&quot;.csv\""));
	assert_non_null(strstr(xml.ptr, "<title>Change register \"Q1\"</title>"));
	assert_non_null(strstr(xml.ptr, "size=\"1099511627776\""));
	smsaudit_record_free(p);

	/* Everything optional left out. */
	r.evidence.has_period = 0;
	r.evidence.valid_until = 0;
	r.evidence.note = NULL;
	r.evidence.ncontrols = 1;
	r.evidence.kind = SMSAUDIT_KIND_REPORT;
	p = round_trip(&r, &xml);
	assert_false(p->evidence.has_period);
	assert_int_equal(p->evidence.valid_until, 0);
	assert_null(p->evidence.note);
	assert_int_equal(p->evidence.ncontrols, 1);
	assert_int_equal(p->evidence.kind, SMSAUDIT_KIND_REPORT);
	assert_null(strstr(xml.ptr, "<period"));
	assert_null(strstr(xml.ptr, "<note"));
	smsaudit_record_free(p);
	smsaudit_buf_dispose(&xml);
}

static void test_round_trip_supersede_withdraw_assessment(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	base(&r, SMSAUDIT_REC_SUPERSEDE, "2027-01-12T08:00:00Z");
	snprintf(r.supersede.old_id, SMSAUDIT_ID_MAX, "ev-20270111-0000000000000001");
	snprintf(r.supersede.new_id, SMSAUDIT_ID_MAX, "ev-20270112-0000000000000002");
	r.supersede.reason = "New version";
	smsaudit_record *p = round_trip(&r, &xml);
	assert_string_equal(p->supersede.old_id, "ev-20270111-0000000000000001");
	assert_string_equal(p->supersede.new_id, "ev-20270112-0000000000000002");
	assert_string_equal(p->supersede.reason, "New version");
	smsaudit_record_free(p);

	base(&r, SMSAUDIT_REC_WITHDRAW, "2027-01-12T08:00:01Z");
	snprintf(r.withdraw.evidence_id, SMSAUDIT_ID_MAX, "ev-20270111-0000000000000001");
	r.withdraw.reason = "Uploaded by mistake";
	p = round_trip(&r, &xml);
	assert_string_equal(p->withdraw.evidence_id, "ev-20270111-0000000000000001");
	assert_string_equal(p->withdraw.reason, "Uploaded by mistake");
	smsaudit_record_free(p);

	for (int res = 0; res < 4; res++) {
		base(&r, SMSAUDIT_REC_ASSESSMENT, "2027-01-13T08:00:00Z");
		snprintf(r.assessment.clause, sizeof(r.assessment.clause), "8.6.2");
		r.assessment.result = (smsaudit_assessment_result)res;
		r.assessment.other_party = res == 1 ? "Acme Hosting Ltd" : NULL;
		r.assessment.note = "Walked through the process";
		p = round_trip(&r, &xml);
		assert_string_equal(p->assessment.clause, "8.6.2");
		assert_int_equal(p->assessment.result, res);
		if (res == 1)
			assert_string_equal(p->assessment.other_party, "Acme Hosting Ltd");
		else
			assert_null(p->assessment.other_party);
		assert_string_equal(p->assessment.note, r.assessment.note);
		char want[64];
		snprintf(want, sizeof(want), "<result>%s</result>", smsaudit_assessment_result_name(r.assessment.result));
		assert_non_null(strstr(xml.ptr, want));
		smsaudit_record_free(p);
	}
	smsaudit_buf_dispose(&xml);
}

static void test_round_trip_finding_and_steps(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	char *clauses[] = { "8.5.1.2", "8.5.1.3" };
	smsaudit_evidence_ref refs[2];
	memset(refs, 0, sizeof(refs));
	snprintf(refs[0].id, sizeof(refs[0].id), "ev-20270111-0000000000000001");
	snprintf(refs[0].commit, sizeof(refs[0].commit), "%s", COMMIT);
	snprintf(refs[0].sha256, sizeof(refs[0].sha256), "%s", HEX64);
	snprintf(refs[1].id, sizeof(refs[1].id), "ev-20270112-0000000000000002");
	snprintf(refs[1].commit, sizeof(refs[1].commit), "%s", COMMIT);
	snprintf(refs[1].sha256, sizeof(refs[1].sha256), "%s", HEX64B);

	base(&r, SMSAUDIT_REC_FINDING, "2027-02-01T09:00:00Z");
	r.finding.source = SMSAUDIT_SOURCE_STAGE2;
	snprintf(r.finding.grade, sizeof(r.finding.grade), "cat-1");
	r.finding.raised_on = date("2027-01-30");
	snprintf(r.finding.audit, sizeof(r.finding.audit), "audit-20270115-00000000000000aa");
	r.finding.clauses = clauses;
	r.finding.nclauses = 2;
	r.finding.statement = "RFCs approved without a risk assessment";
	r.finding.evidence = refs;
	r.finding.nevidence = 2;
	smsaudit_record *p = round_trip(&r, &xml);
	const smsaudit_finding_body *f = &p->finding;
	assert_int_equal(f->source, SMSAUDIT_SOURCE_STAGE2);
	assert_string_equal(f->grade, "cat-1");
	assert_int_equal(f->raised_on, r.finding.raised_on);
	assert_string_equal(f->audit, "audit-20270115-00000000000000aa");
	assert_int_equal(f->nclauses, 2);
	assert_string_equal(f->clauses[1], "8.5.1.3");
	assert_string_equal(f->statement, r.finding.statement);
	assert_int_equal(f->nevidence, 2);
	assert_string_equal(f->evidence[1].id, refs[1].id);
	assert_string_equal(f->evidence[1].commit, COMMIT);
	assert_string_equal(f->evidence[1].sha256, HEX64B);
	smsaudit_record_free(p);

	/* Without an audit or objective evidence. */
	r.finding.audit[0] = '\0';
	r.finding.nevidence = 0;
	r.finding.source = SMSAUDIT_SOURCE_SELF_IDENTIFIED;
	p = round_trip(&r, &xml);
	assert_string_equal(p->finding.audit, "");
	assert_int_equal(p->finding.nevidence, 0);
	assert_null(strstr(xml.ptr, "<audit>"));
	assert_null(strstr(xml.ptr, "objective-evidence"));
	smsaudit_record_free(p);

	/* Every kind of step. */
	smsaudit_action actions[2] = { { "Add the risk field", "ben@example.org", 0 }, { "Train the CAB", "cy@example.org", 0 } };
	actions[0].due = date("2027-03-01");
	actions[1].due = date("2027-04-15");
	for (int k = 0; k < SMSAUDIT_STEP__COUNT; k++) {
		base(&r, SMSAUDIT_REC_STEP, "2027-02-02T09:00:00Z");
		snprintf(r.step.finding, sizeof(r.step.finding), "finding-20270201-00000000000000bb");
		r.step.kind = (smsaudit_step_kind)k;
		r.step.text = "Done as described\nwith a second line";
		if (k == SMSAUDIT_STEP_CAUSE)
			r.step.method = SMSAUDIT_CAUSE_FISHBONE;
		if (k == SMSAUDIT_STEP_PLAN) {
			r.step.actions = actions;
			r.step.nactions = 2;
		}
		if (k == SMSAUDIT_STEP_IMPLEMENTED) {
			snprintf(r.step.plan, sizeof(r.step.plan), "step-20270202-00000000000000cc");
			r.step.action = 2;
			r.step.evidence = refs;
			r.step.nevidence = 1;
		}
		if (k == SMSAUDIT_STEP_VERIFIED) {
			r.step.effective = 0;
			r.step.evidence = refs;
			r.step.nevidence = 2;
		}
		p = round_trip(&r, &xml);
		const smsaudit_step_body *s = &p->step;
		assert_int_equal(s->kind, k);
		assert_string_equal(s->finding, "finding-20270201-00000000000000bb");
		assert_string_equal(s->text, r.step.text);
		char want[64];
		snprintf(want, sizeof(want), "<%s", smsaudit_step_kind_name((smsaudit_step_kind)k));
		assert_non_null(strstr(xml.ptr, want));
		switch (k) {
		case SMSAUDIT_STEP_CAUSE:
			assert_int_equal(s->method, SMSAUDIT_CAUSE_FISHBONE);
			assert_non_null(strstr(xml.ptr, "method=\"fishbone\""));
			break;
		case SMSAUDIT_STEP_PLAN:
			assert_int_equal(s->nactions, 2);
			assert_string_equal(s->actions[1].description, "Train the CAB");
			assert_string_equal(s->actions[1].owner, "cy@example.org");
			assert_int_equal(s->actions[1].due, actions[1].due);
			break;
		case SMSAUDIT_STEP_IMPLEMENTED:
			assert_string_equal(s->plan, "step-20270202-00000000000000cc");
			assert_int_equal(s->action, 2);
			assert_int_equal(s->nevidence, 1);
			assert_string_equal(s->evidence[0].id, refs[0].id);
			break;
		case SMSAUDIT_STEP_VERIFIED:
			assert_int_equal(s->effective, 0);
			assert_non_null(strstr(xml.ptr, "result=\"not-effective\""));
			assert_int_equal(s->nevidence, 2);
			break;
		default:
			assert_int_equal(s->nevidence, 0);
			break;
		}
		smsaudit_record_free(p);
	}
	/* A plan without text, and an effective verification. */
	base(&r, SMSAUDIT_REC_STEP, "2027-02-03T09:00:00Z");
	snprintf(r.step.finding, sizeof(r.step.finding), "finding-20270201-00000000000000bb");
	r.step.kind = SMSAUDIT_STEP_PLAN;
	r.step.actions = actions;
	r.step.nactions = 1;
	p = round_trip(&r, &xml);
	assert_null(p->step.text);
	assert_int_equal(p->step.nactions, 1);
	smsaudit_record_free(p);
	r.step.kind = SMSAUDIT_STEP_VERIFIED;
	r.step.text = "Effective";
	r.step.effective = 1;
	p = round_trip(&r, &xml);
	assert_int_equal(p->step.effective, 1);
	assert_int_equal(p->step.nevidence, 0);
	smsaudit_record_free(p);
	smsaudit_buf_dispose(&xml);
}

static void test_round_trip_audit_seal(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	char *team[] = { "ext1@cb.example", "ext2@cb.example" };
	char *clauses[] = { "8.1", "9.2" };
	char *services[] = { "Hosting", "Service desk" };
	char *sites[] = { "Leeds", "Lyon" };
	char *concerns[] = { "Risk assessment of changes", "Supplier reviews" };

	base(&r, SMSAUDIT_REC_AUDIT, "2027-01-05T09:00:00Z");
	r.audit.event = SMSAUDIT_AUDIT_PLAN;
	r.audit.type = SMSAUDIT_AUDIT_SURVEILLANCE;
	r.audit.planned_from = date("2027-03-01");
	r.audit.planned_to = date("2027-03-03");
	r.audit.body = "Example Certification Ltd";
	r.audit.lead = "lead@cb.example";
	r.audit.team = team;
	r.audit.nteam = 2;
	r.audit.clauses = clauses;
	r.audit.nclauses = 2;
	r.audit.services = services;
	r.audit.nservices = 2;
	r.audit.sites = sites;
	r.audit.nsites = 2;
	smsaudit_record *p = round_trip(&r, &xml);
	const smsaudit_audit_body *a = &p->audit;
	assert_int_equal(a->event, SMSAUDIT_AUDIT_PLAN);
	assert_int_equal(a->type, SMSAUDIT_AUDIT_SURVEILLANCE);
	assert_int_equal(a->planned_from, r.audit.planned_from);
	assert_int_equal(a->planned_to, r.audit.planned_to);
	assert_string_equal(a->body, r.audit.body);
	assert_string_equal(a->lead, r.audit.lead);
	assert_int_equal(a->nteam, 2);
	assert_string_equal(a->team[1], "ext2@cb.example");
	assert_int_equal(a->nclauses, 2);
	assert_string_equal(a->clauses[1], "9.2");
	assert_int_equal(a->nservices, 2);
	assert_string_equal(a->services[1], "Service desk");
	assert_int_equal(a->nsites, 2);
	assert_string_equal(a->sites[0], "Leeds");
	char audit_id[SMSAUDIT_ID_MAX];
	memcpy(audit_id, r.id, SMSAUDIT_ID_MAX);
	smsaudit_record_free(p);

	/* A plan with nothing optional. */
	r.audit.nteam = r.audit.nclauses = r.audit.nservices = r.audit.nsites = 0;
	r.audit.type = SMSAUDIT_AUDIT_INTERNAL;
	p = round_trip(&r, &xml);
	assert_int_equal(p->audit.nteam + p->audit.nclauses + p->audit.nservices + p->audit.nsites, 0);
	assert_null(strstr(xml.ptr, "<scope"));
	assert_null(strstr(xml.ptr, "<team"));
	smsaudit_record_free(p);

	base(&r, SMSAUDIT_REC_AUDIT, "2027-03-01T09:00:00Z");
	r.audit.event = SMSAUDIT_AUDIT_START;
	memcpy(r.audit.audit, audit_id, SMSAUDIT_ID_MAX);
	r.audit.actual_from = date("2027-03-01");
	p = round_trip(&r, &xml);
	assert_int_equal(p->audit.event, SMSAUDIT_AUDIT_START);
	assert_string_equal(p->audit.audit, audit_id);
	assert_int_equal(p->audit.actual_from, r.audit.actual_from);
	smsaudit_record_free(p);

	base(&r, SMSAUDIT_REC_AUDIT, "2027-03-04T09:00:00Z");
	r.audit.event = SMSAUDIT_AUDIT_CONCLUDE;
	memcpy(r.audit.audit, audit_id, SMSAUDIT_ID_MAX);
	r.audit.actual_from = date("2027-03-01");
	r.audit.actual_to = date("2027-03-04");
	r.audit.recommendation = SMSAUDIT_REC_CONDITIONAL;
	r.audit.conditions = "Close NC-2027-001 first";
	r.audit.concerns = concerns;
	r.audit.nconcerns = 2;
	r.audit.summary = "Good overall.\nTwo concerns.";
	p = round_trip(&r, &xml);
	a = &p->audit;
	assert_int_equal(a->event, SMSAUDIT_AUDIT_CONCLUDE);
	assert_string_equal(a->audit, audit_id);
	assert_int_equal(a->actual_to, r.audit.actual_to);
	assert_int_equal(a->recommendation, SMSAUDIT_REC_CONDITIONAL);
	assert_string_equal(a->conditions, r.audit.conditions);
	assert_int_equal(a->nconcerns, 2);
	assert_string_equal(a->concerns[1], "Supplier reviews");
	assert_string_equal(a->summary, r.audit.summary);
	smsaudit_record_free(p);
	r.audit.conditions = NULL;
	r.audit.nconcerns = 0;
	r.audit.recommendation = SMSAUDIT_REC_NONE;
	p = round_trip(&r, &xml);
	assert_null(p->audit.conditions);
	assert_int_equal(p->audit.nconcerns, 0);
	assert_int_equal(p->audit.recommendation, SMSAUDIT_REC_NONE);
	smsaudit_record_free(p);

	base(&r, SMSAUDIT_REC_SEAL, "2027-02-20T16:00:00Z");
	memcpy(r.seal.audit, audit_id, SMSAUDIT_ID_MAX);
	snprintf(r.seal.pack, sizeof(r.seal.pack), "PACK-surveillance-20270220-89abcdef");
	snprintf(r.seal.commit, sizeof(r.seal.commit), "%s", COMMIT);
	r.seal.as_of = date("2027-02-20");
	snprintf(r.seal.manifest_sha256, 65, "%s", HEX64);
	snprintf(r.seal.sums_sha256, 65, "%s", HEX64B);
	snprintf(r.seal.pdf_sha256, 65, "%s", HEX64);
	p = round_trip(&r, &xml);
	const smsaudit_seal_body *s = &p->seal;
	assert_string_equal(s->audit, audit_id);
	assert_string_equal(s->pack, r.seal.pack);
	assert_string_equal(s->commit, COMMIT);
	assert_int_equal(s->as_of, r.seal.as_of);
	assert_string_equal(s->manifest_sha256, HEX64);
	assert_string_equal(s->sums_sha256, HEX64B);
	assert_string_equal(s->pdf_sha256, HEX64);
	smsaudit_record_free(p);
	smsaudit_buf_dispose(&xml);
}

static const char SMS_DOC[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<sms xmlns=\"urn:smsaudit:record:1\" version=\"1\">\n"
	"  <organisation>Example &amp; Co Ltd</organisation>\n"
	"  <scope>IT services\nfor the group</scope>\n"
	"  <services>\n    <service>Hosting</service>\n    <service>Service desk</service>\n  </services>\n"
	"  <sites/>\n"
	"  <certification-body>Example Certification Ltd</certification-body>\n"
	"  <cycle>\n    <certification-decision>2027-01-15</certification-decision>\n"
	"    <pin clause=\"8.2.1\" surveillance=\"2\"/>\n  </cycle>\n"
	"  <deadline-policy>\n    <major-verify-days>60</major-verify-days>\n"
	"    <major-after-stage2-months>6</major-after-stage2-months>\n"
	"    <minor-plan-days>30</minor-plan-days>\n  </deadline-policy>\n"
	"  <grades>\n    <grade id=\"cat1\" class=\"major\">Category 1</grade>\n"
	"    <grade id=\"cat2\" class=\"minor\">Category 2</grade>\n  </grades>\n"
	"  <catalogue id=\"iso20000-1\" version=\"2018\" path=\"catalogue/iso20000-1-2018.xml\" "
	"sha256=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"/>\n"
	"  <trust-anchor path=\"trust/ca.pem\" "
	"fingerprint=\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\"/>\n"
	"  <created-at>2027-01-01T00:00:00Z</created-at>\n"
	"  <created-by>ada@example.org</created-by>\n"
	"</sms>\n";

static void test_round_trip_sms(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	base(&r, SMSAUDIT_REC_SMS, "2027-01-16T09:00:00Z");
	r.sms.xml = (char *)SMS_DOC;
	smsaudit_record *p = round_trip(&r, &xml);
	/* The body is the whole description; reading it back gives the same
	 * standalone document (SMS_DOC is written canonically). */
	assert_string_equal(p->sms.xml, SMS_DOC);
	assert_non_null(strstr(xml.ptr, "\n  <sms version=\"1\">\n    <organisation>Example &amp; Co Ltd</organisation>"));
	smsaudit_record_free(p);

	/* An sms record's body must be an <sms> description. */
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	r.sms.xml = "<?xml version=\"1.0\"?><other xmlns=\"urn:smsaudit:record:1\"/>";
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_error_contains("not an <sms> element");
	assert_int_equal(out.size, 0);
	/* ... and a valid one: the schema applies to it too. */
	char *bad = replace_once(SMS_DOC, "<major-verify-days>60", "<major-verify-days>sixty");
	r.sms.xml = bad;
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_error_contains(r.id);
	assert_int_equal(out.size, 0);
	free(bad);
	smsaudit_buf_dispose(&out);
	smsaudit_buf_dispose(&xml);
}

/* Text that the checks accept may start or end with blanks (smsaudit_text_ok
 * only refuses blank text); such a record must still read back as it was
 * signed. */
static void test_round_trip_keeps_edge_whitespace(void **state)
{
	(void)state;
	assert_true(smsaudit_text_ok("  Change register", 500));
	assert_true(smsaudit_note_ok("Walked through it.\n", 20000));
	smsaudit_buf xml = SMSAUDIT_BUF_INIT, again = SMSAUDIT_BUF_INIT;
	smsaudit_record r;
	char *controls[] = { "4.1" };
	base(&r, SMSAUDIT_REC_EVIDENCE, "2027-01-11T08:00:00Z");
	r.evidence.title = "  Change register";
	r.evidence.kind = SMSAUDIT_KIND_REGISTER;
	r.evidence.controls = controls;
	r.evidence.ncontrols = 1;
	r.evidence.note = "Walked through it.\n";
	snprintf(r.evidence.sha256, sizeof(r.evidence.sha256), "%s", HEX64);
	r.evidence.size = 1;
	r.evidence.media_type = "text/plain";
	r.evidence.name = "x.txt";
	assert_int_equal(smsaudit_record_to_xml(&xml, &r), 0);
	smsaudit_record *p = NULL;
	assert_int_equal(smsaudit_record_parse(&p, xml.ptr, xml.size, "edge.xml"), 0);
	assert_int_equal(smsaudit_record_to_xml(&again, p), 0);
	/* What the signature covers and what the parsed record says agree
	 * (compared after freeing, so that a failure leaks nothing). */
	int title_same = strcmp(p->evidence.title, r.evidence.title) == 0;
	int note_same = strcmp(p->evidence.note, r.evidence.note) == 0;
	int bytes_same = strcmp(again.ptr, xml.ptr) == 0;
	char got_title[64];
	snprintf(got_title, sizeof(got_title), "%s", p->evidence.title);
	smsaudit_record_free(p);
	smsaudit_buf_dispose(&xml);
	smsaudit_buf_dispose(&again);
	if (!title_same)
		fail_msg("title signed as \"%s\" reads back as \"%s\"", r.evidence.title, got_title);
	assert_true(note_same);
	assert_true(bytes_same);
}

static void test_to_xml_refuses_invalid(void **state)
{
	(void)state;
	smsaudit_record r;
	char *controls[] = { "4.1" };
	base(&r, SMSAUDIT_REC_EVIDENCE, "2027-01-11T08:00:00Z");
	r.evidence.title = "Register";
	r.evidence.kind = SMSAUDIT_KIND_REGISTER;
	r.evidence.controls = controls;
	r.evidence.ncontrols = 1;
	snprintf(r.evidence.sha256, sizeof(r.evidence.sha256), "%s", HEX64);
	r.evidence.size = 10;
	r.evidence.media_type = "text/plain";
	r.evidence.name = "r.txt";
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_buf_put(&out, "kept", 4), 0);
	assert_int_equal(smsaudit_record_to_xml(&out, &r), 0);
	assert_true(out.size > 4 && strncmp(out.ptr, "kept<?xml", 9) == 0); /* appended */

	/* Each of these breaks the schema or the canonical form: nothing is appended. */
	size_t before = out.size;
	r.evidence.ncontrols = 0; /* at least one control */
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_error_contains(r.id);
	assert_int_equal(out.size, before);
	r.evidence.ncontrols = 1;
	controls[0] = "4.1.";
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_int_equal(out.size, before);
	controls[0] = "4.1";
	r.evidence.title = "Bad\x01title";
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_int_equal(out.size, before);
	assert_string_equal(out.ptr + before - 10, "</record>\n");
	r.evidence.title = "Register";
	r.made_by = "not an email";
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_int_equal(out.size, before);
	r.made_by = "ada@example.org";
	snprintf(r.id, sizeof(r.id), "ev-2027-bad");
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_error_contains("ev-2027-bad");
	assert_int_equal(out.size, before);
	smsaudit_buf_dispose(&out);
}

/* ---- parse errors ---- */

static char *valid_evidence_xml(char id[SMSAUDIT_ID_MAX])
{
	smsaudit_record r;
	char *controls[] = { "4.1" };
	base(&r, SMSAUDIT_REC_EVIDENCE, "2027-01-11T08:00:00Z");
	snprintf(r.id, sizeof(r.id), "ev-20270111-a1b2c3d4e5f60718");
	r.evidence.title = "Register";
	r.evidence.kind = SMSAUDIT_KIND_REGISTER;
	r.evidence.controls = controls;
	r.evidence.ncontrols = 1;
	r.evidence.has_period = 1;
	r.evidence.period_from = date("2027-01-01");
	r.evidence.period_to = date("2027-01-31");
	snprintf(r.evidence.sha256, sizeof(r.evidence.sha256), "%s", HEX64);
	r.evidence.size = 10;
	r.evidence.media_type = "text/plain";
	r.evidence.name = "r.txt";
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_record_to_xml(&out, &r), 0);
	memcpy(id, r.id, SMSAUDIT_ID_MAX);
	return out.ptr;
}

#define NAME "records/2027/01/a1/ev-20270111-a1b2c3d4e5f60718.xml"

/* Parsing `xml` fails with EINVALID, names the file, says `what`, and hands out nothing. */
static void refused(const char *xml, const char *what)
{
	smsaudit_record *p = (smsaudit_record *)(uintptr_t)1;
	smsaudit_error_clear();
	int rc = smsaudit_record_parse(&p, xml, strlen(xml), NAME);
	if (rc != SMSAUDIT_EINVALID)
		fail_msg("parsed (rc %d) although %s:\n%s", rc, what, xml);
	assert_null(p);
	assert_error_contains(NAME);
	assert_error_contains(what);
}

static void test_parse_errors_name_the_file(void **state)
{
	(void)state;
	char id[SMSAUDIT_ID_MAX];
	char *good = valid_evidence_xml(id);
	smsaudit_record *p = NULL;
	assert_int_equal(smsaudit_record_parse(&p, good, strlen(good), NAME), 0);
	smsaudit_record_free(p);

	/* Another namespace is another vocabulary. */
	char *x = replace_once(good, "urn:smsaudit:record:1", "urn:smsaudit:record:2");
	refused(x, NAME ":2:");
	free(x);
	x = replace_once(good, " xmlns=\"urn:smsaudit:record:1\"", "");
	refused(x, NAME ":2:");
	free(x);
	/* The id's type and the body's disagree. */
	x = replace_once(good, "id=\"ev-20270111", "id=\"assess-20270111");
	refused(x, "id 'assess-20270111-a1b2c3d4e5f60718' does not match an evidence record");
	free(x);
	/* Schema violations: a kind not in the list, a missing element, an extra one, a bad id. */
	x = replace_once(good, "<kind>register</kind>", "<kind>memo</kind>");
	refused(x, NAME ":");
	free(x);
	x = replace_once(good, "  <made-by>ada@example.org</made-by>\n", "");
	refused(x, NAME ":");
	free(x);
	x = replace_once(good, "<title>Register</title>", "<title>Register</title><colour>red</colour>");
	refused(x, NAME ":");
	free(x);
	x = replace_once(good, "id=\"ev-20270111-a1b2c3d4e5f60718\"", "id=\"ev-20270111-A1B2C3D4E5F60718\"");
	refused(x, NAME ":");
	free(x);
	x = replace_once(good, " version=\"1\"", "");
	refused(x, NAME ":");
	free(x);
	/* Shapes the schema allows but the calendar does not. */
	x = replace_once(good, "<made-at>2027-01-11T08:00:00Z", "<made-at>2027-02-30T08:00:00Z");
	refused(x, NAME ": made-at");
	free(x);
	x = replace_once(good, "from=\"2027-01-01\"", "from=\"2027-13-01\"");
	refused(x, NAME ": period");
	free(x);
	x = replace_once(good, "from=\"2027-01-01\" to=\"2027-01-31\"", "from=\"2027-02-01\" to=\"2027-01-31\"");
	refused(x, NAME ": period ends before it starts");
	free(x);
	/* A DOCTYPE is refused before anything in it is looked at. */
	x = replace_once(good, "?>\n", "?>\n<!DOCTYPE record [<!ENTITY e \"x\">]>\n");
	refused(x, "document type declarations (DOCTYPE, entities) are not allowed");
	free(x);
	x = replace_once(good, "?>\n", "?>\n<!DOCTYPE record SYSTEM \"/etc/passwd\">\n");
	refused(x, NAME ":2: document type declarations");
	free(x);
	/* Not XML at all, cut short, or two roots. */
	refused("", NAME);
	refused("plain text", NAME);
	x = strdup(good);
	x[strlen(x) / 2] = '\0';
	refused(x, NAME);
	free(x);
	x = replace_once(good, "</record>\n", "</record>\n<record/>\n");
	refused(x, NAME);
	free(x);
	/* A valid SMS description is not a record. */
	refused(SMS_DOC, NAME ": not a record");
	free(good);
	/* Numbers the schema allows but the reader does not. */
	{
		smsaudit_record st;
		smsaudit_buf b = SMSAUDIT_BUF_INIT;
		base(&st, SMSAUDIT_REC_STEP, "2027-02-02T09:00:00Z");
		snprintf(st.id, sizeof(st.id), "step-20270202-00000000000000dd");
		snprintf(st.step.finding, sizeof(st.step.finding), "finding-20270201-00000000000000bb");
		st.step.kind = SMSAUDIT_STEP_IMPLEMENTED;
		snprintf(st.step.plan, sizeof(st.step.plan), "step-20270202-00000000000000cc");
		st.step.action = 7;
		st.step.text = "Done";
		assert_int_equal(smsaudit_record_to_xml(&b, &st), 0);
		x = replace_once(b.ptr, "action=\"7\"", "action=\"1001\"");
		refused(x, NAME ": action number out of range");
		free(x);
		x = replace_once(b.ptr, "action=\"7\"", "action=\"0\"");
		refused(x, NAME ":");
		free(x);
		smsaudit_buf_dispose(&b);
	}
}

/* ---- every record type ---- */

static void test_every_type_has_a_descriptor(void **state)
{
	(void)state;
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++) {
		smsaudit_record_type type = (smsaudit_record_type)t;
		const char *name = smsaudit_record_type_name(type);
		if (strcmp(name, "unknown") == 0)
			fail_msg("record type %d has no name", t);
		/* Somebody may sign it, and never a viewer. */
		if (smsaudit_record_signer_roles(type) == 0)
			fail_msg("nobody may sign a %s record", name);
		for (int u = 0; u < t; u++)
			if (strcmp(name, smsaudit_record_type_name((smsaudit_record_type)u)) == 0)
				fail_msg("two record types are called %s", name);
	}
	/* A value that is no type has no name, no signer and no id. */
	char id[SMSAUDIT_ID_MAX];
	assert_int_equal(smsaudit_record_signer_roles(SMSAUDIT_REC__COUNT), 0);
	assert_int_equal(smsaudit_record_new_id(id, SMSAUDIT_REC__COUNT, date("2027-01-01")), SMSAUDIT_EINVALID);
	assert_error_contains("no record type");
}

/* Every sample (every type, every step kind, every audit event): what write
 * produced parses to the same record. */
static void test_every_type_round_trips(void **state)
{
	(void)state;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	int seen[SMSAUDIT_REC__COUNT] = { 0 };
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		sample_record(&r, i);
		seen[r.type] = 1;
		smsaudit_record *p = round_trip(&r, &xml);
		char want[64];
		snprintf(want, sizeof(want), "\n  <%s", smsaudit_record_type_name(r.type));
		assert_non_null(strstr(xml.ptr, want));
		smsaudit_record_free(p);
	}
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++)
		if (!seen[t])
			fail_msg("no sample of a %s record", smsaudit_record_type_name((smsaudit_record_type)t));
	smsaudit_buf_dispose(&xml);
}

/* One required field of each type taken away: writing refuses the record
 * and names the field; a written record without its element (or attribute)
 * does not parse, and the message names what is missing. */
static const struct {
	int sample;
	const char *field;          /* as writing names it */
	const char *element;        /* what to take out of the written XML (see taken_out) */
	const char *parse_says;     /* what the parser says about it */
} missing[] = {
	{ SAMPLE_PERSON, "name", "<name>", "Expected is ( {urn:smsaudit:record:1}name )" },
	{ SAMPLE_REVOCATION, "reason", "<reason>", "Expected is ( {urn:smsaudit:record:1}reason )" },
	{ SAMPLE_EVIDENCE, "title", "<title>", "Expected is ( {urn:smsaudit:record:1}title )" },
	{ SAMPLE_EVIDENCE, "controls", "<content ", "Expected is ( {urn:smsaudit:record:1}content )" },
	{ SAMPLE_SUPERSEDE, "new", "<new>", "Expected is ( {urn:smsaudit:record:1}new )" },
	{ SAMPLE_WITHDRAW, "evidence", "<evidence>", "Expected is ( {urn:smsaudit:record:1}evidence )" },
	{ SAMPLE_ASSESSMENT, "clause", "<clause>", "Expected is ( {urn:smsaudit:record:1}clause )" },
	{ SAMPLE_FINDING, "statement", "<statement>", "Expected is ( {urn:smsaudit:record:1}statement )" },
	{ SAMPLE_STEP_FIRST + SMSAUDIT_STEP_CLOSED, "text", "<text>", "Expected is ( {urn:smsaudit:record:1}text )" },
	{ SAMPLE_STEP_FIRST + SMSAUDIT_STEP_PLAN, "action", "<action ", "Expected is ( {urn:smsaudit:record:1}action )" },
	{ SAMPLE_STEP_FIRST + SMSAUDIT_STEP_IMPLEMENTED, "plan", " plan=\"", "The attribute 'plan' is required but missing" },
	{ SAMPLE_AUDIT_PLAN, "lead", "<lead>", "Expected is ( {urn:smsaudit:record:1}lead )" },
	{ SAMPLE_AUDIT_START, "audit", " audit=\"", "The attribute 'audit' is required but missing" },
	{ SAMPLE_AUDIT_CONCLUDE, "summary", "<summary>", "Expected is ( {urn:smsaudit:record:1}summary )" },
	{ SAMPLE_SEAL, "pdf-sha256", "<pdf-sha256>", "Expected is ( {urn:smsaudit:record:1}pdf-sha256 )" },
	{ SAMPLE_SMS, "description", "<organisation>", "Expected is ( {urn:smsaudit:record:1}organisation )" },
	{ SAMPLE_CERTIFICATE, "number", "<number>", "Expected is ( {urn:smsaudit:record:1}number )" },
	{ SAMPLE_ANCHOR, "name", "<name>", "Expected is ( {urn:smsaudit:record:1}name )" },
};

/* Take the field `field` of sample record r away. */
static void take_away(smsaudit_record *r, const char *field)
{
	switch (r->type) {
	case SMSAUDIT_REC_PERSON: r->person.name = NULL; break;
	case SMSAUDIT_REC_REVOCATION: r->revocation.reason = NULL; break;
	case SMSAUDIT_REC_EVIDENCE:
		if (strcmp(field, "title") == 0)
			r->evidence.title = NULL;
		else
			r->evidence.ncontrols = 0;
		break;
	case SMSAUDIT_REC_SUPERSEDE: r->supersede.new_id[0] = '\0'; break;
	case SMSAUDIT_REC_WITHDRAW: r->withdraw.evidence_id[0] = '\0'; break;
	case SMSAUDIT_REC_ASSESSMENT: r->assessment.clause[0] = '\0'; break;
	case SMSAUDIT_REC_FINDING: r->finding.statement = NULL; break;
	case SMSAUDIT_REC_STEP:
		if (r->step.kind == SMSAUDIT_STEP_PLAN)
			r->step.nactions = 0;
		else if (r->step.kind == SMSAUDIT_STEP_IMPLEMENTED)
			r->step.plan[0] = '\0';
		else
			r->step.text = NULL;
		break;
	case SMSAUDIT_REC_AUDIT:
		if (r->audit.event == SMSAUDIT_AUDIT_PLAN)
			r->audit.lead = NULL;
		else if (r->audit.event == SMSAUDIT_AUDIT_START)
			r->audit.audit[0] = '\0';
		else
			r->audit.summary = NULL;
		break;
	case SMSAUDIT_REC_SEAL: r->seal.pdf_sha256[0] = '\0'; break;
	case SMSAUDIT_REC_SMS: r->sms.xml = NULL; break;
	case SMSAUDIT_REC_CERTIFICATE: r->certificate.number = NULL; break;
	case SMSAUDIT_REC_ANCHOR: r->anchor.name = NULL; break;
	default: fail_msg("no way to break a %s record", smsaudit_record_type_name(r->type));
	}
}

/* 1 if `needle` occurs in [from, to). */
static int occurs_between(const char *from, const char *to, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = from; p + n <= to; p++)
		if (memcmp(p, needle, n) == 0)
			return 1;
	return 0;
}

/* `xml` without `what`: an attribute (" name=\"") or every element that
 * starts with it ("<name>", "<name "), each with all its lines. */
static char *taken_out(const char *xml, const char *what)
{
	char *out = strdup(xml);
	assert_non_null(out);
	char *at = strstr(out, what);
	if (!at)
		fail_msg("%s is not in\n%s", what, xml);
	if (what[0] == ' ') {
		char *end = strchr(at + strlen(what), '"');
		assert_non_null(end);
		memmove(at, end + 1, strlen(end + 1) + 1);
		return out;
	}
	char close[64];
	snprintf(close, sizeof(close), "</%.*s>", (int)strcspn(what + 1, " >"), what + 1);
	for (; at; at = strstr(out, what)) {
		char *start = at, *end = strchr(at, '\n');
		assert_non_null(end);
		while (start > out && start[-1] != '\n')
			start--;
		if (end[-2] != '/' && !occurs_between(at, end, close)) {
			end = strstr(at, close);
			assert_non_null(end);
			end = strchr(end, '\n');
			assert_non_null(end);
		}
		memmove(start, end + 1, strlen(end + 1) + 1);
	}
	return out;
}

static void test_missing_required_field_named(void **state)
{
	(void)state;
	int seen[SMSAUDIT_REC__COUNT] = { 0 };
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		smsaudit_record r;
		sample_record(&r, missing[i].sample);
		seen[r.type] = 1;
		smsaudit_buf good = SMSAUDIT_BUF_INIT, out = SMSAUDIT_BUF_INIT;
		assert_int_equal(smsaudit_record_to_xml(&good, &r), 0);

		take_away(&r, missing[i].field);
		smsaudit_error_clear();
		if (smsaudit_record_to_xml(&out, &r) != SMSAUDIT_EINVALID)
			fail_msg("a %s record without %s was written", smsaudit_record_type_name(r.type), missing[i].field);
		char want[128];
		snprintf(want, sizeof(want), "%s: the %s record has no %s", r.id, smsaudit_record_type_name(r.type),
		         missing[i].field);
		assert_error_contains(want);
		assert_int_equal(out.size, 0);

		char name[160];
		assert_int_equal(smsaudit_record_path(name, sizeof(name), r.id), 0);
		char *x = taken_out(good.ptr, missing[i].element);
		smsaudit_record *p = (smsaudit_record *)(uintptr_t)1;
		smsaudit_error_clear();
		if (smsaudit_record_parse(&p, x, strlen(x), name) != SMSAUDIT_EINVALID)
			fail_msg("parsed without %s:\n%s", missing[i].element, x);
		assert_null(p);
		assert_error_contains(name);
		assert_error_contains(missing[i].parse_says);
		free(x);
		smsaudit_buf_dispose(&good);
		smsaudit_buf_dispose(&out);
	}
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++)
		if (!seen[t])
			fail_msg("no %s record is tried without a required field", smsaudit_record_type_name((smsaudit_record_type)t));
	/* Nor is a record written without its signer. */
	smsaudit_record r;
	sample_record(&r, SAMPLE_SEAL);
	r.made_by = NULL;
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_record_to_xml(&out, &r), SMSAUDIT_EINVALID);
	assert_error_contains("the seal record has no made-by");
	smsaudit_buf_dispose(&out);
}

/* ---- text checks ---- */

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_text_ok_limits(void **state)
{
	(void)state;
	char *s = repeat('a', 500);
	assert_true(smsaudit_text_ok(s, 500));
	assert_false(smsaudit_text_ok(s, 499));
	assert_true(smsaudit_note_ok(s, 500));
	assert_false(smsaudit_note_ok(s, 499));
	free(s);
	/* The limit is in bytes: "é" is two. */
	assert_true(smsaudit_text_ok("\xc3\xa9", 2));
	assert_false(smsaudit_text_ok("\xc3\xa9", 1));
	assert_true(smsaudit_text_ok("x", 1));

	/* Empty, blank, NULL. */
	assert_false(smsaudit_text_ok(NULL, 10));
	assert_false(smsaudit_text_ok("", 10));
	assert_false(smsaudit_text_ok(" ", 10));
	assert_false(smsaudit_text_ok("     ", 10));
	assert_true(smsaudit_text_ok(" a ", 10));
	/* One line: no control characters at all. */
	assert_false(smsaudit_text_ok("a\nb", 10));
	assert_false(smsaudit_text_ok("a\tb", 10));
	assert_false(smsaudit_text_ok("a\rb", 10));
	assert_false(smsaudit_text_ok("a\x01", 10));
	assert_false(smsaudit_text_ok("a\x1f", 10));
	assert_false(smsaudit_text_ok("a\x7f", 10));
	/* C1 controls (U+0080..U+009F) neither; U+00A0 and U+00FF are fine. */
	assert_false(smsaudit_text_ok("a\xc2\x80", 10));
	assert_false(smsaudit_text_ok("a\xc2\x85", 10));
	assert_false(smsaudit_text_ok("a\xc2\x9f", 10));
	assert_true(smsaudit_text_ok("a\xc2\xa0", 10));
	assert_true(smsaudit_text_ok("a\xc3\xbf", 10));
	/* Invalid UTF-8: a stray continuation, a cut sequence, an overlong, a surrogate, beyond U+10FFFF. */
	assert_false(smsaudit_text_ok("a\x80", 10));
	assert_false(smsaudit_text_ok("a\xc3", 10));
	assert_false(smsaudit_text_ok("\xc0\xaf", 10));
	assert_false(smsaudit_text_ok("\xe0\x80\xaf", 10));
	assert_false(smsaudit_text_ok("\xed\xa0\x80", 10));
	assert_false(smsaudit_text_ok("\xf4\x90\x80\x80", 10));
	assert_false(smsaudit_text_ok("\xff", 10));
	assert_true(smsaudit_text_ok("\xf0\x9f\x98\x80", 10)); /* an emoji */

	/* Notes: newlines and tabs are layout, not text. */
	assert_true(smsaudit_note_ok("a\nb", 10));
	assert_true(smsaudit_note_ok("\ta", 10));
	assert_true(smsaudit_note_ok("a\n", 10));
	assert_false(smsaudit_note_ok("\n", 10));
	assert_false(smsaudit_note_ok("\n\t \n", 10));
	assert_false(smsaudit_note_ok("a\r\nb", 10));
	assert_false(smsaudit_note_ok("a\x0b", 10));
	assert_false(smsaudit_note_ok("a\x0c", 10));
	assert_false(smsaudit_note_ok("a\xc2\x85", 10));
	assert_false(smsaudit_note_ok("", 10));
	assert_false(smsaudit_note_ok(NULL, 10));
	assert_false(smsaudit_note_ok("a\xff", 10));
	s = repeat('\n', 20000);
	s[19999] = 'x';
	assert_true(smsaudit_note_ok(s, 20000));
	assert_false(smsaudit_note_ok(s, 19999));
	free(s);

	/* Characters that make a name show as something else: refused in one
	 * line of text; in free text only the reordering ones. */
	static const char *const hidden[] = {
		"rtl\xe2\x80\xae" "ftp.exe", /* U+202E right-to-left override */
		"a\xe2\x80\xaa" "b", "a\xe2\x80\xac" "b", "a\xe2\x81\xa6" "b", "a\xe2\x81\xa9" "b", /* 202A 202C 2066 2069 */
	};
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_false(smsaudit_text_ok(hidden[i], 100));
		assert_false(smsaudit_note_ok(hidden[i], 100));
	}
	static const char *const invisible[] = {
		"a\xc2\xad" "b",          /* U+00AD soft hyphen */
		"a\xe2\x80\x8b" "b",      /* U+200B zero width space */
		"a\xe2\x80\x8d" "b",      /* U+200D zero width joiner */
		"a\xe2\x80\x8f" "b",      /* U+200F right-to-left mark */
		"a\xe2\x81\xa0" "b",      /* U+2060 word joiner */
		"a\xe2\x81\xa4" "b",      /* U+2064 invisible plus */
		"\xef\xbb\xbf" "a",       /* U+FEFF byte order mark */
		"a\xf3\xa0\x80\x81",   /* U+E0001 language tag */
	};
	for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++) {
		assert_false(smsaudit_text_ok(invisible[i], 100));
		assert_true(smsaudit_note_ok(invisible[i], 100));
	}
	/* Neighbours stay allowed: U+2010 hyphen, U+2065 (unassigned), U+2070. */
	assert_true(smsaudit_text_ok("a\xe2\x80\x90" "b", 100));
	assert_true(smsaudit_text_ok("a\xe2\x81\xb0" "b", 100));
	/* The check names the field, the code point and where it is. */
	assert_int_equal(smsaudit_text_check("title", "rtl\xe2\x80\xae" "ftp.exe", 500), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message,
	                    "title holds U+202E (right-to-left override) at character 4");
	assert_int_equal(smsaudit_text_check("--name", "\xc3\xa9\x1b[2J", 500), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "--name holds U+001B (escape) at character 2");
	assert_int_equal(smsaudit_note_check("--note", "ok\xc2\x9b", 500), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "--note holds U+009B (control character) at character 3");
	assert_int_equal(smsaudit_text_check("title", "   ", 500), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "title is blank");
	assert_int_equal(smsaudit_text_check("title", "abcdef", 5), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "title is 6 characters, at most 5");
	assert_int_equal(smsaudit_text_check("title", "ok", 5), 0);
}

static void test_filename_ok(void **state)
{
	(void)state;
	assert_true(smsaudit_filename_ok("report.pdf"));
	assert_true(smsaudit_filename_ok(".profile"));
	assert_true(smsaudit_filename_ok("v1..v2.txt"));
	assert_true(smsaudit_filename_ok("Änderungen 2027.xlsx"));
	assert_false(smsaudit_filename_ok("."));
	assert_false(smsaudit_filename_ok(".."));
	assert_false(smsaudit_filename_ok("a/b.pdf"));
	assert_false(smsaudit_filename_ok("/etc"));
	assert_false(smsaudit_filename_ok("a\\b.pdf"));
	assert_false(smsaudit_filename_ok(""));
	assert_false(smsaudit_filename_ok(" "));
	assert_false(smsaudit_filename_ok(NULL));
	assert_false(smsaudit_filename_ok("a\nb"));
	assert_false(smsaudit_filename_ok("a\tb"));
	assert_false(smsaudit_filename_ok("a\xff"));
	/* 255 bytes, the limit of most file systems, and not one more. */
	char *s = repeat('f', 255);
	assert_true(smsaudit_filename_ok(s));
	free(s);
	s = repeat('f', 256);
	assert_false(smsaudit_filename_ok(s));
	free(s);
	/* 254 bytes and a two-byte character: 256 bytes. */
	s = repeat('f', 256);
	s[253] = '\xc3';
	s[254] = '\xa9';
	s[255] = '\0';
	assert_true(smsaudit_filename_ok(s));
	s[253] = 'f';
	s[254] = '\xc3';
	s[255] = '\xa9';
	assert_false(smsaudit_filename_ok(s));
	free(s);
}

static void test_names_and_media_types(void **state)
{
	(void)state;
	assert_string_equal(smsaudit_media_type("Report.PDF"), "application/pdf");
	assert_string_equal(smsaudit_media_type("a.b.csv"), "text/csv");
	assert_string_equal(smsaudit_media_type("noext"), "application/octet-stream");
	assert_string_equal(smsaudit_media_type("dot."), "application/octet-stream");
	assert_string_equal(smsaudit_media_type("x.averyveryverylongextension"), "application/octet-stream");

	unsigned roles = 0;
	assert_int_equal(smsaudit_roles_parse(&roles, " quality-manager , viewer"), 0);
	assert_int_equal(roles, SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_VIEWER);
	char buf[200];
	smsaudit_roles_format(buf, sizeof(buf), roles);
	assert_string_equal(buf, "quality-manager, viewer");
	assert_int_equal(smsaudit_roles_parse(&roles, "auditor"), SMSAUDIT_EINVALID);
	assert_error_contains("unknown role 'auditor'");
	assert_int_equal(smsaudit_roles_parse(&roles, ""), SMSAUDIT_EINVALID);
	assert_error_contains("no role given");

	smsaudit_assessment_result res;
	assert_int_equal(smsaudit_assessment_result_parse(&res, "not-applicable"), SMSAUDIT_EINVALID);
	assert_error_contains("allows no exclusions");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(smsaudit_assessment_result_parse(&res, smsaudit_assessment_result_name((smsaudit_assessment_result)i)), 0);
		assert_int_equal((int)res, i);
	}
	for (int i = 0; i < SMSAUDIT_AUDIT__COUNT; i++) {
		smsaudit_audit_type t;
		assert_int_equal(smsaudit_audit_type_parse(&t, smsaudit_audit_type_name((smsaudit_audit_type)i)), 0);
		assert_int_equal((int)t, i);
	}
	smsaudit_recommendation rec;
	assert_int_equal(smsaudit_recommendation_parse(&rec, "not-recommended"), 0);
	assert_int_equal(rec, SMSAUDIT_REC_NOT_RECOMMENDED);
	assert_int_equal(smsaudit_recommendation_parse(&rec, "maybe"), SMSAUDIT_EINVALID);

	/* Who may sign what. */
	assert_int_equal(smsaudit_record_signer_roles(SMSAUDIT_REC_PERSON), SMSAUDIT_ROLE_QUALITY_MANAGER);
	assert_int_equal(smsaudit_record_signer_roles(SMSAUDIT_REC_SMS), SMSAUDIT_ROLE_QUALITY_MANAGER);
	assert_int_equal(smsaudit_record_signer_roles(SMSAUDIT_REC_SEAL), SMSAUDIT_ROLE_QUALITY_MANAGER);
	assert_false(smsaudit_record_signer_roles(SMSAUDIT_REC_EVIDENCE) & SMSAUDIT_ROLE_VIEWER);
	assert_false(smsaudit_record_signer_roles(SMSAUDIT_REC_EVIDENCE) & SMSAUDIT_ROLE_EXTERNAL_AUDITOR);
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++)
		assert_false(smsaudit_record_signer_roles((smsaudit_record_type)t) & SMSAUDIT_ROLE_VIEWER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_id_every_type),
		cmocka_unit_test(test_malformed_ids),
		cmocka_unit_test(test_id_resolver),
		cmocka_unit_test(test_round_trip_person_revocation),
		cmocka_unit_test(test_round_trip_evidence),
		cmocka_unit_test(test_round_trip_supersede_withdraw_assessment),
		cmocka_unit_test(test_round_trip_finding_and_steps),
		cmocka_unit_test(test_round_trip_audit_seal),
		cmocka_unit_test(test_round_trip_sms),
		cmocka_unit_test(test_round_trip_keeps_edge_whitespace),
		cmocka_unit_test(test_to_xml_refuses_invalid),
		cmocka_unit_test(test_parse_errors_name_the_file),
		cmocka_unit_test(test_every_type_has_a_descriptor),
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_missing_required_field_named),
		cmocka_unit_test(test_text_ok_limits),
		cmocka_unit_test(test_filename_ok),
		cmocka_unit_test(test_names_and_media_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
