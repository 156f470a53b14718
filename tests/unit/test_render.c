/*
 * The pack report as a pure function of a pack model made here by hand, with
 * no repository, store or state: a model with something in every list
 * renders a definition with one section of every kind to a PDF; the same
 * model gives the same bytes; an empty model renders with every shipped
 * definition; a model that lacks what a report needs is refused with an
 * error naming what is missing, and nothing is written.
 */
#include <sys/stat.h>

#include "testutil.h"
#include "smsaudit/packhtml.h"
#include "smsaudit/report.h"

#define DAY 86400

static char dir[] = "/tmp/smsaudit-render-XXXXXX";
static smsaudit_catalogue *cat;
static smsaudit_report_def *every_kind;
static smsaudit_sms_policy policy;

/* One section of every kind, with the selections the shipped definitions use. */
static const char every_kind_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<report xmlns=\"urn:smsaudit:report:1\" version=\"1\" audit-type=\"surveillance\">\n"
	"  <title>Every section kind</title>\n"
	"  <section kind=\"cover\"/>\n"
	"  <section kind=\"contents\"/>\n"
	"  <section kind=\"organisation\"/>\n"
	"  <section kind=\"clause-status\"/>\n"
	"  <section kind=\"evidence-index\" clauses=\"rotation 5.2\" period=\"since-previous-audit\"/>\n"
	"  <section kind=\"findings\" period=\"cycle\"/>\n"
	"  <section kind=\"documented-information\" explicit-only=\"true\"/>\n"
	"  <section kind=\"readiness\" stage=\"1\"/>\n"
	"  <section kind=\"readiness\" stage=\"2\"/>\n"
	"  <section kind=\"audits\" period=\"twelve-months\"/>\n"
	"  <section kind=\"clause-detail\" clauses=\"audit-scope\"/>\n"
	"  <section kind=\"samples\" clauses=\"rotation\" kinds=\"record\"/>\n"
	"  <section kind=\"stage1-concerns\"/>\n"
	"  <section kind=\"changes\" period=\"since-previous-audit\"><intro>Since the stage 1 audit.</intro></section>\n"
	"  <section kind=\"previous-findings\" period=\"open\"/>\n"
	"  <section kind=\"rotation\"/>\n"
	"  <section kind=\"mandatory-items\"/>\n"
	"  <section kind=\"cycle-summary\" period=\"cycle\"/>\n"
	"  <section kind=\"verification\"/>\n"
	"  <section kind=\"audit-plan\"/>\n"
	"  <section kind=\"previous-audit\"/>\n"
	"  <section kind=\"evidence-matrix\" clauses=\"8.6\"/>\n"
	"</report>\n";

/* Everything the full model points to, as a parsed repository would give it. */
static struct {
	smsaudit_record ada, eve, stage1, concluded, surveillance, policy_ev, incidents, finding;
	char *s1_concerns[1], *ev_controls[1], *inc_controls[1], *f_clauses[1], *scope[1], *services[2], *sites[1];
	smsaudit_person_entry people[2];
	smsaudit_evidence_entry evidence[2];
	smsaudit_problem problem;
	smsaudit_finding finding_now;
	smsaudit_audit audits[2];
	smsaudit_gap_item item;
	const char *reasons[1];
	smsaudit_gap_clause clauses[2];
	smsaudit_gap_rollup rollups[1];
	smsaudit_gap_criterion criteria[2];
	smsaudit_cycle_item cycle[2];
	smsaudit_coverage_row rotation[2];
	smsaudit_pack_readiness trend[1];
	smsaudit_pack_evidence_change ev_change[2];
	smsaudit_pack_finding_change f_change[1];
	smsaudit_pack_person_change p_change[1];
	const char *sms_services[2], *sms_sites[1];
	const smsaudit_person_entry *people_p[2];
	const smsaudit_evidence_entry *evidence_p[2];
	const smsaudit_problem *problems_p[1];
	const smsaudit_finding *findings_p[1];
	const smsaudit_audit *audits_p[2];
	const smsaudit_gap_clause *clauses_p[2];
	const smsaudit_gap_rollup *rollups_p[1];
	const smsaudit_cycle_item *cycle_p[2];
	const smsaudit_coverage_row *rotation_p[2];
	const smsaudit_pack_readiness *trend_p[1];
	const smsaudit_pack_evidence_change *ev_change_p[2];
	const smsaudit_pack_finding_change *f_change_p[1];
	const smsaudit_pack_person_change *p_change_p[1];
} fx;

static const smsaudit_clause *clause(const char *id)
{
	const smsaudit_clause *c = NULL;
	assert_int_equal(smsaudit_catalogue_find(&c, cat, id), 0);
	return c;
}

static void person(smsaudit_record *r, const char *id, const char *name, const char *email, unsigned roles)
{
	r->type = SMSAUDIT_REC_PERSON;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->made_at = date("2027-01-10");
	r->made_by = "ada@example.org";
	r->person.name = (char *)name;
	r->person.email = (char *)email;
	r->person.roles = roles;
	r->person.valid_from = date("2027-01-10");
}

static void evidence(smsaudit_record *r, const char *id, const char *title, smsaudit_evidence_kind kind, char **controls)
{
	r->type = SMSAUDIT_REC_EVIDENCE;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->made_at = date("2027-03-01") + 9 * 3600;
	r->made_by = "ada@example.org";
	r->evidence.title = (char *)title;
	r->evidence.kind = kind;
	r->evidence.controls = controls;
	r->evidence.ncontrols = 1;
	snprintf(r->evidence.sha256, sizeof(r->evidence.sha256), "%064d", 7);
	r->evidence.media_type = "text/plain";
	r->evidence.name = "file.txt";
}

static void audit_plan(smsaudit_record *r, const char *id, smsaudit_audit_type type, const char *from, const char *to)
{
	r->type = SMSAUDIT_REC_AUDIT;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->made_at = date("2027-01-12");
	r->made_by = "ada@example.org";
	r->audit.event = SMSAUDIT_AUDIT_PLAN;
	r->audit.type = type;
	r->audit.planned_from = date(from);
	r->audit.planned_to = date(to);
	r->audit.body = "Example Certification Ltd";
	r->audit.lead = "eve@cb.example";
}

/* The least a report needs: a definition, the catalogue, the policy, the audit and the pack's ids. */
static void minimal(smsaudit_pack_model *m, const smsaudit_report_def *def)
{
	memset(m, 0, sizeof(*m));
	m->definition = def;
	m->catalogue = cat;
	m->policy = &policy;
	m->audit = &fx.audits[1];
	snprintf(m->pack_id, sizeof(m->pack_id), "PACK-surveillance-20270501-0123abcd");
	snprintf(m->commit, sizeof(m->commit), "0123abcd%032d", 0);
	m->as_of = date("2027-05-01");
	m->created = m->as_of;
}

/* Something in every list of the model. */
static void full(smsaudit_pack_model *m)
{
	minimal(m, every_kind);
	snprintf(m->anchor_sha256, sizeof(m->anchor_sha256), "%064d", 1);
	snprintf(m->sums_sha256, sizeof(m->sums_sha256), "%064d", 2);
	m->signer = "ada@example.org";
	m->organisation = "Render Test Ltd";
	m->repository_organisation = "Render Test Ltd";
	m->scope = "Managed hosting — Müşteri hizmetleri";
	m->certification_body = "Example Certification Ltd";
	m->services = fx.sms_services;
	m->nservices = 2;
	m->sites = fx.sms_sites;
	m->nsites = 1;
	m->people = fx.people_p;
	m->npeople = 2;
	m->evidence = fx.evidence_p;
	m->nevidence = 2;
	m->problems = fx.problems_p;
	m->nproblems = 1;
	m->findings = fx.findings_p;
	m->nfindings = 1;
	m->audits = fx.audits_p;
	m->naudits = 2;
	m->previous = &fx.audits[0];
	m->clauses = fx.clauses_p;
	m->nclauses = 2;
	m->rollups = fx.rollups_p;
	m->nrollups = 1;
	m->overall = fx.rollups[0];
	m->overall.clause = NULL;
	m->stage1.ready = 1;
	m->stage1.criteria = &fx.criteria[0];
	m->stage1.ncriteria = 1;
	m->stage2.criteria = fx.criteria;
	m->stage2.ncriteria = 2;
	m->phase = SMSAUDIT_CYCLE_CERTIFIED;
	m->decision = date("2027-03-20");
	m->expiry = date("2030-03-19");
	m->surveillances = 2;
	m->surveillance = 1;
	m->cycle_items = fx.cycle_p;
	m->ncycle_items = 2;
	m->rotation = fx.rotation_p;
	m->nrotation = 2;
	m->trend = fx.trend_p;
	m->ntrend = 1;
	m->has_changes = 1;
	snprintf(m->changes_from, sizeof(m->changes_from), "89abcdef%032d", 0);
	m->changes_audit = fx.stage1.id;
	m->evidence_changes = fx.ev_change_p;
	m->nevidence_changes = 2;
	m->finding_changes = fx.f_change_p;
	m->nfinding_changes = 1;
	m->people_changes = fx.p_change_p;
	m->npeople_changes = 1;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	char *path = write_temp(every_kind_xml);
	int rc = smsaudit_report_def_load(&every_kind, path, SMSAUDIT_AUDIT_SURVEILLANCE);
	unlink(path);
	free(path);
	if (rc < 0)
		fail_msg("every-kind definition: %s", smsaudit_error_last()->message);
	smsaudit_sms_policy_default(&policy);

	/* People: the quality manager and the certification body's auditor, granted after stage 1. */
	person(&fx.ada, "person-20270110-00000000000000a1", "Ada Quinn", "ada@example.org", SMSAUDIT_ROLE_QUALITY_MANAGER);
	person(&fx.eve, "person-20270110-00000000000000e1", "Eve Cole", "eve@cb.example", SMSAUDIT_ROLE_EXTERNAL_AUDITOR);
	fx.people[0] = (smsaudit_person_entry){ &fx.ada, 1, 0, 1 };
	fx.people[1] = (smsaudit_person_entry){ &fx.eve, 1, 0, 1 };

	/* Audits: stage 1 concluded with a concern, the surveillance the pack is for. */
	audit_plan(&fx.stage1, "audit-20270112-00000000000000s1", SMSAUDIT_AUDIT_STAGE1, "2027-02-01", "2027-02-02");
	fx.concluded = fx.stage1;
	snprintf(fx.concluded.id, sizeof(fx.concluded.id), "audit-20270202-00000000000000c1");
	fx.concluded.audit.event = SMSAUDIT_AUDIT_CONCLUDE;
	fx.concluded.audit.recommendation = SMSAUDIT_REC_NONE;
	fx.concluded.audit.summary = "Ready for stage 2";
	fx.s1_concerns[0] = "Supplier register incomplete";
	fx.concluded.audit.concerns = fx.s1_concerns;
	fx.concluded.audit.nconcerns = 1;
	audit_plan(&fx.surveillance, "audit-20270112-00000000000000s2", SMSAUDIT_AUDIT_SURVEILLANCE, "2027-06-01",
	           "2027-06-02");
	fx.scope[0] = "8.6";
	fx.surveillance.audit.clauses = fx.scope;
	fx.surveillance.audit.nclauses = 1;
	fx.services[0] = "Managed hosting";
	fx.services[1] = "Service desk";
	fx.surveillance.audit.services = fx.services;
	fx.surveillance.audit.nservices = 2;
	fx.sites[0] = "Leeds";
	fx.surveillance.audit.sites = fx.sites;
	fx.surveillance.audit.nsites = 1;
	fx.audits[0] = (smsaudit_audit){ .plan = &fx.stage1, .concluded = &fx.concluded,
		                         .status = SMSAUDIT_AUDIT_CONCLUDED, .from = date("2027-02-01"),
		                         .to = date("2027-02-02") };
	fx.audits[1] = (smsaudit_audit){ .plan = &fx.surveillance, .status = SMSAUDIT_AUDIT_PLANNED,
		                         .from = date("2027-06-01"), .to = date("2027-06-02") };

	/* Evidence: a policy that verifies, incident records whose signature does not. */
	fx.ev_controls[0] = "5.2.1";
	evidence(&fx.policy_ev, "ev-20270301-00000000000000p1", "Service management policy", SMSAUDIT_KIND_POLICY,
	         fx.ev_controls);
	fx.policy_ev.evidence.valid_until = date("2028-12-31");
	fx.inc_controls[0] = "8.6.1";
	evidence(&fx.incidents, "ev-20270301-00000000000000i1", "Incident records — 数据中心", SMSAUDIT_KIND_RECORD,
	         fx.inc_controls);
	fx.incidents.evidence.has_period = 1;
	fx.incidents.evidence.period_from = date("2027-03-01");
	fx.incidents.evidence.period_to = date("2027-03-31");
	memset(&fx.evidence, 0, sizeof(fx.evidence));
	fx.evidence[0].record = &fx.policy_ev;
	fx.evidence[0].valid = 1;
	fx.evidence[0].signer_name = "Ada Quinn";
	fx.evidence[1].record = &fx.incidents;
	fx.evidence[1].signer_name = "Ada Quinn";
	snprintf(fx.problem.id, sizeof(fx.problem.id), "%s", fx.incidents.id);
	snprintf(fx.problem.path, sizeof(fx.problem.path), "records/2027/03/i1/%s.xml", fx.incidents.id);
	snprintf(fx.problem.message, sizeof(fx.problem.message), "the signature does not verify");

	/* A minor nonconformity from stage 1, still open. */
	fx.finding.type = SMSAUDIT_REC_FINDING;
	snprintf(fx.finding.id, sizeof(fx.finding.id), "finding-20270202-00000000000000f1");
	fx.finding.made_at = date("2027-02-02") + 15 * 3600;
	fx.finding.made_by = "eve@cb.example";
	fx.finding.finding.source = SMSAUDIT_SOURCE_STAGE1;
	snprintf(fx.finding.finding.grade, sizeof(fx.finding.finding.grade), "minor");
	fx.finding.finding.raised_on = date("2027-02-02");
	snprintf(fx.finding.finding.audit, sizeof(fx.finding.finding.audit), "%s", fx.stage1.id);
	fx.f_clauses[0] = "8.6.1";
	fx.finding.finding.clauses = fx.f_clauses;
	fx.finding.finding.nclauses = 1;
	fx.finding.finding.statement = "Incident reviews incomplete";
	memset(&fx.finding_now, 0, sizeof(fx.finding_now));
	fx.finding_now.record = &fx.finding;
	snprintf(fx.finding_now.number, sizeof(fx.finding_now.number), "NC-2027-001");
	fx.finding_now.grade = smsaudit_policy_grade(&policy, "minor");
	fx.finding_now.phase = SMSAUDIT_PHASE_OPEN;
	fx.finding_now.audit = &fx.stage1;
	fx.finding_now.audit_end = date("2027-02-02");
	fx.finding_now.next_audit = date("2027-06-01");

	/* The gap analysis: 5.2.1 conformant, 8.6.1 partial with one expected item. */
	fx.reasons[0] = "incident records fail verification";
	fx.item = (smsaudit_gap_item){ .kind = SMSAUDIT_KIND_RECORD, .is_explicit = 1, .stage = SMSAUDIT_STAGE_2,
		                       .what = "Incident records", .satisfied = 0 };
	snprintf(fx.item.id, sizeof(fx.item.id), "8.6.1-a");
	snprintf(fx.item.reason, sizeof(fx.item.reason), "nothing that verifies");
	memset(fx.clauses, 0, sizeof(fx.clauses));
	fx.clauses[0].clause = clause("5.2.1");
	fx.clauses[0].status = SMSAUDIT_GAP_CONFORMANT;
	fx.clauses[1].clause = clause("8.6.1");
	fx.clauses[1].status = SMSAUDIT_GAP_PARTIAL;
	fx.clauses[1].reasons = fx.reasons;
	fx.clauses[1].nreasons = 1;
	fx.clauses[1].items = &fx.item;
	fx.clauses[1].nitems = 1;
	fx.clauses[1].other_party = "Acme Hosting Ltd";
	fx.clauses[1].nexcluded = 1;
	fx.clauses[1].nopen_minor = 1;
	fx.rollups[0] = (smsaudit_gap_rollup){ clause("8"), 2, 1, 1, 0, 0, 0.75 };
	fx.criteria[0] = (smsaudit_gap_criterion){ "documented information present", 1, "" };
	fx.criteria[1] = (smsaudit_gap_criterion){ "no open major nonconformity", 0, "NC-2027-001 open" };

	/* The cycle: decided, surveillance 1 planned; its rotation covers 8.6.1. */
	memset(fx.cycle, 0, sizeof(fx.cycle));
	fx.cycle[0].kind = SMSAUDIT_ITEM_DECISION;
	fx.cycle[0].done_on = date("2027-03-20");
	fx.cycle[0].status = SMSAUDIT_ITEM_DONE;
	fx.cycle[1].kind = SMSAUDIT_ITEM_SURVEILLANCE;
	fx.cycle[1].number = 1;
	fx.cycle[1].audit = &fx.audits[1];
	fx.cycle[1].due = date("2028-03-19");
	fx.cycle[1].status = SMSAUDIT_ITEM_PLANNED;
	memset(fx.rotation, 0, sizeof(fx.rotation));
	fx.rotation[0] = (smsaudit_coverage_row){ clause("8.6.1"), 0, 0, 1u, 1 };
	fx.rotation[1] = (smsaudit_coverage_row){ clause("9.2"), 1, 0, 3u | (1u << SMSAUDIT_COVERAGE_RECERT_BIT), 1 };
	fx.trend[0] = (smsaudit_pack_readiness){ &fx.audits[0], fx.rollups[0] };

	/* Since stage 1: the policy added, the incident records withdrawn, the NC raised, Eve granted. */
	fx.ev_change[0] = (smsaudit_pack_evidence_change){ "added", &fx.evidence[0], fx.policy_ev.made_at };
	fx.ev_change[1] = (smsaudit_pack_evidence_change){ "withdrawn", &fx.evidence[1], date("2027-04-01") };
	fx.f_change[0] = (smsaudit_pack_finding_change){ "raised", &fx.finding_now };
	fx.p_change[0] = (smsaudit_pack_person_change){ 0, &fx.people[1] };

	fx.sms_services[0] = "Managed hosting";
	fx.sms_services[1] = "Service desk";
	fx.sms_sites[0] = "Leeds";
	for (int i = 0; i < 2; i++) {
		fx.people_p[i] = &fx.people[i];
		fx.evidence_p[i] = &fx.evidence[i];
		fx.audits_p[i] = &fx.audits[i];
		fx.clauses_p[i] = &fx.clauses[i];
		fx.cycle_p[i] = &fx.cycle[i];
		fx.rotation_p[i] = &fx.rotation[i];
		fx.ev_change_p[i] = &fx.ev_change[i];
	}
	fx.problems_p[0] = &fx.problem;
	fx.findings_p[0] = &fx.finding_now;
	fx.rollups_p[0] = &fx.rollups[0];
	fx.trend_p[0] = &fx.trend[0];
	fx.f_change_p[0] = &fx.f_change[0];
	fx.p_change_p[0] = &fx.p_change[0];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_report_def_free(every_kind);
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Write the report to `name` in the temporary folder and check it is a whole PDF of that many bytes. */
static void write_pdf(const char *name, const smsaudit_buf *pdf)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf->ptr, 1, pdf->size, f), pdf->size);
	assert_int_equal(fclose(f), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal((size_t)sb.st_size, pdf->size);
	assert_true(pdf->size > 8);
	assert_memory_equal(pdf->ptr, "%PDF-1.", 7);
	/* The trailer's end-of-file marker, before at most a line break. */
	const char *end = pdf->ptr + pdf->size;
	while (end > pdf->ptr && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	assert_true(end - pdf->ptr >= 5);
	assert_memory_equal(end - 5, "%%EOF", 5);
}

static void full_model_renders_every_section(void **state)
{
	(void)state;
	smsaudit_pack_model m;
	full(&m);
	assert_int_equal(smsaudit_pack_model_check(&m), 0);
	smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
	smsaudit_report_stats stats = { 0, 0 };
	if (smsaudit_report_render(&pdf, &stats, &m) < 0)
		fail_msg("render: %s", smsaudit_error_last()->message);
	write_pdf("full.pdf", &pdf);
	/* Every section but the cover starts a page of its own, the fonts are embedded: not a stub. */
	assert_true(stats.pages >= (int)smsaudit_report_def_count(every_kind));
	assert_true(pdf.size > 20000);
	/* The CJK characters of the incident records' title are shown by code point, and counted. */
	assert_true(stats.replaced >= 4);

	/* A pure function of the model: the same bytes again. */
	smsaudit_buf again = SMSAUDIT_BUF_INIT;
	smsaudit_report_stats stats2 = { 0, 0 };
	assert_int_equal(smsaudit_report_render(&again, &stats2, &m), 0);
	assert_int_equal(again.size, pdf.size);
	assert_memory_equal(again.ptr, pdf.ptr, pdf.size);
	assert_int_equal(stats2.pages, stats.pages);

	/* ... and another model, other bytes: the content comes from the model. */
	m.organisation = "Another Organisation Ltd";
	smsaudit_buf other = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_report_render(&other, NULL, &m), 0);
	assert_true(other.size != pdf.size || memcmp(other.ptr, pdf.ptr, pdf.size) != 0);
	smsaudit_buf_dispose(&other);
	smsaudit_buf_dispose(&again);
	smsaudit_buf_dispose(&pdf);
}

/* index.html: every clause, each evidence copy linked by its readable name,
 * text escaped, nothing that runs, the same bytes for the same model. */
static void index_html_from_the_model(void **state)
{
	(void)state;
	smsaudit_pack_model m;
	full(&m);
	m.organisation = "Smith & <Sons>";
	smsaudit_buf a = SMSAUDIT_BUF_INIT, b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_pack_html(&a, &m), 0);
	assert_int_equal(smsaudit_pack_html(&b, &m), 0);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.ptr, b.ptr, a.size);
	char *html = strndup(a.ptr, a.size);
	assert_non_null(html);
	assert_non_null(strstr(html, "Smith &amp; &lt;Sons&gt;"));
	assert_null(strstr(html, "<Sons>"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "<a href=\"evidence/8.6.1/ev-20270301-00000000000000i1-file.txt\">"));
	assert_non_null(strstr(html, "<a href=\"evidence/5.2.1/ev-20270301-00000000000000p1-file.txt\">"));
	assert_non_null(strstr(html, "FAILED verification"));
	assert_non_null(strstr(html, "id=\"clause-8.6.1\""));
	assert_null(strstr(html, "DRAFT"));
	m.draft = 1;
	smsaudit_buf c = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_pack_html(&c, &m), 0);
	char *draft = strndup(c.ptr, c.size);
	assert_non_null(strstr(draft, "DRAFT — NOT SEALED"));
	free(draft);
	free(html);
	smsaudit_buf_dispose(&a);
	smsaudit_buf_dispose(&b);
	smsaudit_buf_dispose(&c);
}

static void empty_model_renders(void **state)
{
	(void)state;
	/* Every shipped definition, and the one with every section kind. */
	for (int t = 0; t <= SMSAUDIT_AUDIT__COUNT; t++) {
		smsaudit_report_def *def = NULL;
		if (t < SMSAUDIT_AUDIT__COUNT)
			assert_int_equal(smsaudit_report_def_load(&def, NULL, (smsaudit_audit_type)t), 0);
		smsaudit_pack_model m;
		minimal(&m, def ? def : every_kind);
		smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
		smsaudit_report_stats stats = { 0, 0 };
		if (smsaudit_report_render(&pdf, &stats, &m) < 0)
			fail_msg("render an empty model (%s): %s", def ? smsaudit_report_def_source(def) : "every kind",
			         smsaudit_error_last()->message);
		char name[64];
		snprintf(name, sizeof(name), "empty-%d.pdf", t);
		write_pdf(name, &pdf);
		assert_true(stats.pages >= 2);
		assert_int_equal(stats.replaced, 0);
		smsaudit_buf_dispose(&pdf);
		smsaudit_report_def_free(def);
	}
}

typedef struct {
	const char *missing;     /* what the error names */
	void (*spoil)(smsaudit_pack_model *m);
} spoiler;

static const smsaudit_evidence_entry no_record = { 0 };
static const smsaudit_evidence_entry *const no_record_p[] = { &no_record };
static const smsaudit_finding *const null_finding_p[] = { NULL };
static const smsaudit_audit planless = { 0 };
static const smsaudit_gap_clause clauseless = { 0 };
static const smsaudit_gap_clause *const clauseless_p[] = { &clauseless };

static void no_definition(smsaudit_pack_model *m) { m->definition = NULL; }
static void no_catalogue(smsaudit_pack_model *m) { m->catalogue = NULL; }
static void no_policy(smsaudit_pack_model *m) { m->policy = NULL; }
static void no_audit(smsaudit_pack_model *m) { m->audit = NULL; }
static void no_plan(smsaudit_pack_model *m) { m->audit = &planless; }
static void no_pack_id(smsaudit_pack_model *m) { m->pack_id[0] = '\0'; }
static void no_commit(smsaudit_pack_model *m) { m->commit[0] = '\0'; }
static void count_no_array(smsaudit_pack_model *m) { m->evidence = NULL; m->nevidence = 3; }
static void null_element(smsaudit_pack_model *m) { m->findings = null_finding_p; m->nfindings = 1; }
static void entry_no_record(smsaudit_pack_model *m) { m->evidence = no_record_p; m->nevidence = 1; }
static void gap_no_clause(smsaudit_pack_model *m) { m->clauses = clauseless_p; m->nclauses = 1; }
static void services_no_array(smsaudit_pack_model *m) { m->services = NULL; m->nservices = 2; }
static void change_no_finding(smsaudit_pack_model *m) { m->finding_changes = NULL; m->nfinding_changes = 1; }

static void missing_field_fails_cleanly(void **state)
{
	(void)state;
	static const spoiler spoilers[] = {
		{ "its definition is missing", no_definition },
		{ "the catalogue is missing", no_catalogue },
		{ "the SMS policy is missing", no_policy },
		{ "the audit it is for is missing", no_audit },
		{ "the audit it is for is missing", no_plan },
		{ "the pack id is missing", no_pack_id },
		{ "the source commit is missing", no_commit },
		{ "an evidence record in its list is missing", count_no_array },
		{ "a finding in its list is missing", null_element },
		{ "an evidence entry's record is missing", entry_no_record },
		{ "a gap clause's clause is missing", gap_no_clause },
		{ "a service or site is missing", services_no_array },
		{ "a finding change is missing", change_no_finding },
	};
	for (size_t i = 0; i < sizeof(spoilers) / sizeof(spoilers[0]); i++) {
		smsaudit_pack_model m;
		full(&m);
		spoilers[i].spoil(&m);
		smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
		smsaudit_report_stats stats = { 99, 99 };
		assert_int_equal(smsaudit_report_render(&pdf, &stats, &m), SMSAUDIT_EINVALID);
		assert_error_contains("pack model: ");
		assert_error_contains(spoilers[i].missing);
		assert_int_equal(pdf.size, 0);
		assert_int_equal(stats.pages, 0);
		assert_int_equal(stats.replaced, 0);
		smsaudit_buf_dispose(&pdf);
	}
	/* No model at all. */
	smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_report_render(&pdf, NULL, NULL), SMSAUDIT_EINVALID);
	assert_error_contains("pack model: the model is missing");
	assert_int_equal(pdf.size, 0);
}

static void window_follows_the_model(void **state)
{
	(void)state;
	smsaudit_pack_model m;
	full(&m);
	time_t from, to;
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_ALL);
	assert_int_equal(from, 0);
	expect_date(to, "2027-05-01");
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_SINCE_PREVIOUS);
	expect_date(from, "2027-02-03");            /* the day after stage 1 */
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_CYCLE);
	expect_date(from, "2027-03-20");            /* the certification decision */
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_TWELVE_MONTHS);
	expect_date(from, "2026-05-01");
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_OPEN);
	assert_int_equal(from, 0);
	/* Without a previous audit or a decision: 12 and 36 months back. */
	m.previous = NULL;
	m.decision = 0;
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_SINCE_PREVIOUS);
	expect_date(from, "2026-05-01");
	smsaudit_pack_model_window(&from, &to, &m, SMSAUDIT_PERIOD_CYCLE);
	expect_date(from, "2024-05-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_model_renders_every_section),
		cmocka_unit_test(index_html_from_the_model),
		cmocka_unit_test(empty_model_renders),
		cmocka_unit_test(missing_field_fails_cleanly),
		cmocka_unit_test(window_follows_the_model),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
