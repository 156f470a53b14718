/*
 * Sample records for the unit tests: at least one of every record type (every
 * step kind, every audit event), each with every field it can carry set, so a
 * codec that drops or mixes up a field shows. Ids are fixed, so what is
 * written from them is the same on every run. The records borrow static
 * strings: never pass one to smsaudit_record_free.
 */
#ifndef SMSAUDIT_SAMPLES_H
#define SMSAUDIT_SAMPLES_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smsaudit/smsaudit.h"

#define SAMPLE_HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SAMPLE_HEX64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define SAMPLE_COMMIT "89abcdef0123456789abcdef0123456789abcdef"
#define SAMPLE_AUDIT_ID "audit-20270105-00000000000000a1"
#define SAMPLE_FINDING_ID "finding-20270201-00000000000000b1"
#define SAMPLE_PLAN_ID "step-20270202-00000000000000c2"

static const char SAMPLE_SMS_DOC[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<sms xmlns=\"urn:smsaudit:record:1\" version=\"1\">\n"
	"  <organisation>Sample &amp; Co Ltd</organisation>\n"
	"  <scope>Managed hosting\nand the service desk</scope>\n"
	"  <services>\n    <service>Hosting</service>\n  </services>\n"
	"  <sites>\n    <site>Leeds</site>\n  </sites>\n"
	"  <cycle>\n    <certification-decision>2027-01-15</certification-decision>\n  </cycle>\n"
	"  <deadline-policy>\n    <major-verify-days>90</major-verify-days>\n"
	"    <major-after-stage2-months>6</major-after-stage2-months>\n"
	"    <minor-plan-days>30</minor-plan-days>\n  </deadline-policy>\n"
	"  <catalogue id=\"iso20000-1\" version=\"2018\" path=\"catalogue/iso20000-1-2018.xml\" "
	"sha256=\"" SAMPLE_HEX64 "\"/>\n"
	"  <trust-anchor path=\"trust/ca.pem\" fingerprint=\"" SAMPLE_HEX64B "\"/>\n"
	"  <created-at>2027-01-01T00:00:00Z</created-at>\n"
	"  <created-by>ada@example.org</created-by>\n"
	"</sms>\n";

static inline time_t sample_time(const char *s)
{
	time_t t = 0;
	if (smsaudit_time_parse(&t, s) < 0)
		t = 0;
	return t;
}

static inline time_t sample_date(const char *s)
{
	time_t t = 0;
	if (smsaudit_date_parse(&t, s) < 0)
		t = 0;
	return t;
}

static inline void sample_refs(smsaudit_evidence_ref refs[2])
{
	memset(refs, 0, 2 * sizeof(*refs));
	snprintf(refs[0].id, sizeof(refs[0].id), "ev-20270111-0000000000000001");
	snprintf(refs[0].commit, sizeof(refs[0].commit), SAMPLE_COMMIT);
	snprintf(refs[0].sha256, sizeof(refs[0].sha256), SAMPLE_HEX64);
	snprintf(refs[1].id, sizeof(refs[1].id), "ev-20270112-0000000000000002");
	snprintf(refs[1].commit, sizeof(refs[1].commit), SAMPLE_COMMIT);
	snprintf(refs[1].sha256, sizeof(refs[1].sha256), SAMPLE_HEX64B);
}

/* The samples: persons to seals, then one per step kind and audit event. */
enum {
	SAMPLE_PERSON, SAMPLE_REVOCATION, SAMPLE_EVIDENCE, SAMPLE_SUPERSEDE, SAMPLE_WITHDRAW,
	SAMPLE_ASSESSMENT, SAMPLE_FINDING,
	SAMPLE_STEP_FIRST, SAMPLE_STEP_LAST = SAMPLE_STEP_FIRST + SMSAUDIT_STEP__COUNT - 1,
	SAMPLE_AUDIT_PLAN, SAMPLE_AUDIT_START, SAMPLE_AUDIT_CONCLUDE,
	SAMPLE_SEAL, SAMPLE_SMS, SAMPLE_CERTIFICATE, SAMPLE_ANCHOR,
	SAMPLE__COUNT
};

/* Sample `i` (below SAMPLE__COUNT) into *r. */
static inline void sample_record(smsaudit_record *r, int i)
{
	static char *controls[] = { "4.1", "8.2.1", "10.2" };
	static char *clauses[] = { "8.5.1.2", "8.5.1.3" };
	static char *team[] = { "ext1@cb.example", "ext2@cb.example" };
	static char *scope[] = { "8.1", "9.2" };
	static char *services[] = { "Hosting", "Service desk" };
	static char *sites[] = { "Leeds", "Lyon" };
	static char *concerns[] = { "Risk assessment of changes", "Supplier reviews" };
	static smsaudit_action actions[2] = { { "Add the risk field", "ben@example.org", 0 },
	                                      { "Train the CAB", "cy@example.org", 0 } };
	static smsaudit_evidence_ref refs[2];
	sample_refs(refs);
	actions[0].due = sample_date("2027-03-01");
	actions[1].due = sample_date("2027-04-15");

	memset(r, 0, sizeof(*r));
	r->made_by = "ada@example.org";
	if (i >= SAMPLE_STEP_FIRST && i <= SAMPLE_STEP_LAST) {
		smsaudit_step_kind k = (smsaudit_step_kind)(i - SAMPLE_STEP_FIRST);
		smsaudit_step_body *s = &r->step;
		r->type = SMSAUDIT_REC_STEP;
		snprintf(r->id, sizeof(r->id), "step-20270202-00000000000000d%d", (int)k);
		r->made_at = sample_time("2027-02-02T09:00:00Z") + 60 * (time_t)k;
		snprintf(s->finding, sizeof(s->finding), SAMPLE_FINDING_ID);
		s->kind = k;
		s->text = "Done as described\nwith a second line";
		/* Steps name the steps they came after: none (an older record), one, or two. */
		static char *after[] = { SAMPLE_FINDING_ID, "step-20270202-00000000000000d1" };
		if (k != SMSAUDIT_STEP_CORRECTION) {
			s->after = after;
			s->nafter = k == SMSAUDIT_STEP_CLOSED ? 2 : 1;
		}
		if (k == SMSAUDIT_STEP_CAUSE)
			s->method = SMSAUDIT_CAUSE_FISHBONE;
		if (k == SMSAUDIT_STEP_PLAN) {
			s->actions = actions;
			s->nactions = 2;
		}
		if (k == SMSAUDIT_STEP_IMPLEMENTED) {
			snprintf(s->plan, sizeof(s->plan), SAMPLE_PLAN_ID);
			s->action = 2;
			s->evidence = refs;
			s->nevidence = 1;
		}
		if (k == SMSAUDIT_STEP_VERIFIED) {
			s->effective = 1;
			s->evidence = refs;
			s->nevidence = 2;
		}
		return;
	}
	switch (i) {
	case SAMPLE_PERSON:
		r->type = SMSAUDIT_REC_PERSON;
		snprintf(r->id, sizeof(r->id), "person-20270110-00000000000000e1");
		r->made_at = sample_time("2027-01-10T09:00:00Z");
		r->person.name = "Jürgen Çelik-O'Brien & Söhne";
		r->person.email = "jurgen@example.org";
		r->person.roles = SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_INTERNAL_AUDITOR;
		r->person.valid_from = r->made_at;
		r->person.valid_until = sample_time("2029-01-10T00:00:00Z");
		snprintf(r->person.fingerprint, sizeof(r->person.fingerprint), SAMPLE_HEX64);
		r->person.certificate = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
		break;
	case SAMPLE_REVOCATION:
		r->type = SMSAUDIT_REC_REVOCATION;
		snprintf(r->id, sizeof(r->id), "revoke-20270201-00000000000000e2");
		r->made_at = sample_time("2027-02-01T10:30:00Z");
		r->revocation.email = "ben@example.org";
		snprintf(r->revocation.fingerprint, sizeof(r->revocation.fingerprint), SAMPLE_HEX64B);
		r->revocation.effective = r->made_at - 3600;
		r->revocation.reason = "Left the company <for good>";
		break;
	case SAMPLE_EVIDENCE:
		r->type = SMSAUDIT_REC_EVIDENCE;
		snprintf(r->id, sizeof(r->id), "ev-20270111-00000000000000e3");
		r->made_at = sample_time("2027-01-11T08:00:00Z");
		r->evidence.title = "Change register \"Q1\"";
		r->evidence.kind = SMSAUDIT_KIND_REGISTER;
		r->evidence.controls = controls;
		r->evidence.ncontrols = 3;
		r->evidence.has_period = 1;
		r->evidence.period_from = sample_date("2027-01-01");
		r->evidence.period_to = sample_date("2027-03-31");
		r->evidence.valid_until = sample_date("2027-12-31");
		r->evidence.note = "Line one\n\tindented line two & three";
		snprintf(r->evidence.sha256, sizeof(r->evidence.sha256), SAMPLE_HEX64);
		r->evidence.size = 1099511627776ull; /* more than 32 bits */
		r->evidence.media_type = "text/csv";
		r->evidence.name = "changes \"Q1\".csv";
		break;
	case SAMPLE_SUPERSEDE:
		r->type = SMSAUDIT_REC_SUPERSEDE;
		snprintf(r->id, sizeof(r->id), "supersede-20270112-00000000000000e4");
		r->made_at = sample_time("2027-01-12T08:00:00Z");
		snprintf(r->supersede.old_id, SMSAUDIT_ID_MAX, "ev-20270111-0000000000000001");
		snprintf(r->supersede.new_id, SMSAUDIT_ID_MAX, "ev-20270112-0000000000000002");
		r->supersede.reason = "New version";
		break;
	case SAMPLE_WITHDRAW:
		r->type = SMSAUDIT_REC_WITHDRAW;
		snprintf(r->id, sizeof(r->id), "withdraw-20270112-00000000000000e5");
		r->made_at = sample_time("2027-01-12T08:00:01Z");
		snprintf(r->withdraw.evidence_id, SMSAUDIT_ID_MAX, "ev-20270111-0000000000000001");
		r->withdraw.reason = "Uploaded by mistake";
		break;
	case SAMPLE_ASSESSMENT:
		r->type = SMSAUDIT_REC_ASSESSMENT;
		snprintf(r->id, sizeof(r->id), "assess-20270113-00000000000000e6");
		r->made_at = sample_time("2027-01-13T08:00:00Z");
		snprintf(r->assessment.clause, sizeof(r->assessment.clause), "8.6.2");
		r->assessment.result = SMSAUDIT_RESULT_PARTIAL;
		r->assessment.other_party = "Acme Hosting Ltd";
		r->assessment.note = "Walked through the process";
		break;
	case SAMPLE_FINDING:
		r->type = SMSAUDIT_REC_FINDING;
		snprintf(r->id, sizeof(r->id), SAMPLE_FINDING_ID);
		r->made_at = sample_time("2027-02-01T09:00:00Z");
		r->finding.source = SMSAUDIT_SOURCE_STAGE2;
		snprintf(r->finding.grade, sizeof(r->finding.grade), "major");
		r->finding.raised_on = sample_date("2027-01-30");
		snprintf(r->finding.audit, sizeof(r->finding.audit), SAMPLE_AUDIT_ID);
		r->finding.clauses = clauses;
		r->finding.nclauses = 2;
		r->finding.statement = "RFCs approved without a risk assessment";
		r->finding.evidence = refs;
		r->finding.nevidence = 2;
		break;
	case SAMPLE_AUDIT_PLAN:
		r->type = SMSAUDIT_REC_AUDIT;
		snprintf(r->id, sizeof(r->id), SAMPLE_AUDIT_ID);
		r->made_at = sample_time("2027-01-05T09:00:00Z");
		r->audit.event = SMSAUDIT_AUDIT_PLAN;
		r->audit.type = SMSAUDIT_AUDIT_SURVEILLANCE;
		r->audit.planned_from = sample_date("2027-03-01");
		r->audit.planned_to = sample_date("2027-03-03");
		r->audit.body = "Example Certification Ltd";
		r->audit.lead = "lead@cb.example";
		r->audit.team = team;
		r->audit.nteam = 2;
		r->audit.clauses = scope;
		r->audit.nclauses = 2;
		r->audit.services = services;
		r->audit.nservices = 2;
		r->audit.sites = sites;
		r->audit.nsites = 2;
		break;
	case SAMPLE_AUDIT_START:
		r->type = SMSAUDIT_REC_AUDIT;
		snprintf(r->id, sizeof(r->id), "audit-20270301-00000000000000a2");
		r->made_at = sample_time("2027-03-01T09:00:00Z");
		r->audit.event = SMSAUDIT_AUDIT_START;
		snprintf(r->audit.audit, sizeof(r->audit.audit), SAMPLE_AUDIT_ID);
		r->audit.actual_from = sample_date("2027-03-01");
		break;
	case SAMPLE_AUDIT_CONCLUDE:
		r->type = SMSAUDIT_REC_AUDIT;
		snprintf(r->id, sizeof(r->id), "audit-20270304-00000000000000a3");
		r->made_at = sample_time("2027-03-04T09:00:00Z");
		r->audit.event = SMSAUDIT_AUDIT_CONCLUDE;
		snprintf(r->audit.audit, sizeof(r->audit.audit), SAMPLE_AUDIT_ID);
		r->audit.actual_from = sample_date("2027-03-01");
		r->audit.actual_to = sample_date("2027-03-04");
		r->audit.recommendation = SMSAUDIT_REC_CONDITIONAL;
		r->audit.conditions = "Close NC-2027-001 first";
		r->audit.concerns = concerns;
		r->audit.nconcerns = 2;
		r->audit.summary = "Good overall.\nTwo concerns.";
		break;
	case SAMPLE_SEAL:
		r->type = SMSAUDIT_REC_SEAL;
		snprintf(r->id, sizeof(r->id), "seal-20270220-00000000000000f1");
		r->made_at = sample_time("2027-02-20T16:00:00Z");
		snprintf(r->seal.audit, sizeof(r->seal.audit), SAMPLE_AUDIT_ID);
		snprintf(r->seal.pack, sizeof(r->seal.pack), "PACK-surveillance-20270220-89abcdef");
		snprintf(r->seal.commit, sizeof(r->seal.commit), SAMPLE_COMMIT);
		r->seal.as_of = sample_date("2027-02-20");
		snprintf(r->seal.manifest_sha256, sizeof(r->seal.manifest_sha256), SAMPLE_HEX64);
		snprintf(r->seal.sums_sha256, sizeof(r->seal.sums_sha256), SAMPLE_HEX64B);
		snprintf(r->seal.pdf_sha256, sizeof(r->seal.pdf_sha256), SAMPLE_HEX64);
		break;
	case SAMPLE_SMS:
		r->type = SMSAUDIT_REC_SMS;
		snprintf(r->id, sizeof(r->id), "sms-20270116-00000000000000f2");
		r->made_at = sample_time("2027-01-16T09:00:00Z");
		r->sms.xml = (char *)SAMPLE_SMS_DOC;
		break;
	case SAMPLE_CERTIFICATE:
		r->type = SMSAUDIT_REC_CERTIFICATE;
		snprintf(r->id, sizeof(r->id), "cert-20270420-00000000000000f3");
		r->made_at = sample_time("2027-04-21T09:00:00Z");
		r->certificate.number = "ITSM-2027-0042";
		r->certificate.body = "Example Certification Ltd";
		r->certificate.scope = "Managed hosting services\nfrom Leeds and Lyon";
		r->certificate.issued = sample_date("2027-04-20");
		r->certificate.expires = sample_date("2030-04-19");
		break;
	case SAMPLE_ANCHOR:
		r->type = SMSAUDIT_REC_ANCHOR;
		snprintf(r->id, sizeof(r->id), "anchor-20270110-00000000000000f4");
		r->made_at = sample_time("2027-01-10T09:00:00Z");
		r->anchor.name = "Example Certification Ltd";
		r->anchor.roles = SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
		snprintf(r->anchor.fingerprint, sizeof(r->anchor.fingerprint), SAMPLE_HEX64);
		r->anchor.certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
		break;
	default:
		break;
	}
}

#endif
