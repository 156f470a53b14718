/*
 * The pack report: one renderer for every pack definition. Each section kind
 * is a function of the pack model (packmodel.h) alone — no store, repository
 * or state, nothing that reads the clock or the environment (SOURCE_DATE_EPOCH
 * is applied by whoever fills the model's `created`) — so the same model gives
 * the same bytes, and a model made by hand renders as well as a built one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smsaudit/audit.h"
#include "smsaudit/catalogue.h"
#include "smsaudit/cycle.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"
#include "smsaudit/packmodel.h"
#include "smsaudit/report.h"
#include "smsaudit/sample.h"
#include "internal.h"
#include "pdf.h"

#define DAY SMSAUDIT_DAY

static const pdf_rgb C_OK = { 0.16, 0.55, 0.27 }, C_PARTIAL = { 0.85, 0.6, 0.1 }, C_GAP = { 0.8, 0.15, 0.15 },
                     C_NONE = { 0.6, 0.6, 0.6 };

typedef struct {
	const smsaudit_pack_model *m;
	const smsaudit_report_def *def;
	pdf_doc *pdf;
	const pdf_doc *first;          /* the first pass, for contents and page numbers */
	int shift;                     /* pages the contents gained since the first pass */
	const smsaudit_catalogue *cat;
	const smsaudit_catalogue_info *ci;
	const smsaudit_audit *audit;   /* the audit the pack is for */
	const smsaudit_report_section *sec;
	time_t from, to;               /* the section's period window */
	const char *from_audit;        /* findings tables of one audit's findings */
	char text[8192];
} ctx;

/* ---------------------------------------------------------------- helpers */

static const char *date_str(char out[11], time_t t)
{
	if (!t)
		snprintf(out, 11, "—");
	else
		smsaudit_date_format(out, t);
	return out;
}

static const pdf_rgb *status_colour(smsaudit_gap_status s)
{
	return s == SMSAUDIT_GAP_CONFORMANT ? &C_OK : s == SMSAUDIT_GAP_PARTIAL ? &C_PARTIAL
	       : s == SMSAUDIT_GAP_GAP      ? &C_GAP
	                                    : &C_NONE;
}

/* `id` equals `sel` or lies below it ("8.5" selects "8.5.1.2", not "8.50"). */
static int clause_under(const char *id, const char *sel)
{
	size_t n = strlen(sel);
	return strncmp(id, sel, n) == 0 && (id[n] == '\0' || id[n] == '.');
}

static int rotation_has(const ctx *c, const char *id)
{
	const smsaudit_pack_model *m = c->m;
	if (m->surveillance <= 0)
		return 0;
	for (size_t i = 0; i < m->nrotation; i++) {
		const smsaudit_coverage_row *r = m->rotation[i];
		if ((r->covered & (1u << (m->surveillance - 1))) && (clause_under(id, r->unit->id) || clause_under(r->unit->id, id)))
			return 1;
	}
	return 0;
}

/* Whether the section selects this clause. */
static int selected(const ctx *c, const char *id)
{
	const smsaudit_report_section *s = c->sec;
	if (!s->nclauses)
		return 1;
	for (size_t i = 0; i < s->nclauses; i++) {
		const char *t = s->clauses[i];
		if (strcmp(t, "rotation") == 0) {
			if (rotation_has(c, id))
				return 1;
		} else if (strcmp(t, "audit-scope") == 0) {
			const smsaudit_audit_body *p = &c->audit->plan->audit;
			if (!p->nclauses)
				return 1;
			for (size_t k = 0; k < p->nclauses; k++)
				if (clause_under(id, p->clauses[k]) || clause_under(p->clauses[k], id))
					return 1;
		} else if (clause_under(id, t)) {
			return 1;
		}
	}
	return 0;
}

static int kind_selected(const ctx *c, smsaudit_evidence_kind k)
{
	return !c->sec->kinds || (c->sec->kinds & (1u << k));
}

/* Evidence inside the section's period: its period overlaps the window and
 * is over by the as-of date (the gap analysis' rule: a period not yet over is
 * not evidence of it), or it was signed in the window. */
static int in_window(const ctx *c, const smsaudit_evidence_body *b, time_t made_at)
{
	if (!c->from)
		return 1;
	if (b->has_period)
		return b->period_to >= c->from && b->period_to <= c->to;
	return made_at >= c->from && made_at < c->to + DAY;
}

static const char *problem_of(const ctx *c, const char *id)
{
	for (size_t i = 0; i < c->m->nproblems; i++) {
		const smsaudit_problem *p = c->m->problems[i];
		if (strcmp(p->id, id) == 0)
			return p->message;
	}
	return "signature or signer does not verify";
}

static void evidence_status(const ctx *c, const smsaudit_evidence_entry *e, char *out, size_t size)
{
	char d[11];
	if (!e->valid)
		snprintf(out, size, "FAILED: %s", problem_of(c, e->record->id));
	else if (e->status == SMSAUDIT_EV_SUPERSEDED)
		snprintf(out, size, "valid; superseded %s", date_str(d, e->changed_at));
	else if (e->status == SMSAUDIT_EV_WITHDRAWN)
		snprintf(out, size, "valid; withdrawn %s", date_str(d, e->changed_at));
	else
		snprintf(out, size, "valid");
}

static void period_str(char *out, size_t size, const smsaudit_evidence_body *b)
{
	char f[11], t[11];
	if (b->has_period)
		snprintf(out, size, "%s to %s", date_str(f, b->period_from), date_str(t, b->period_to));
	else if (b->valid_until)
		snprintf(out, size, "until %s", date_str(t, b->valid_until));
	else
		snprintf(out, size, "—");
}

static void section_window(ctx *c)
{
	smsaudit_pack_model_window(&c->from, &c->to, c->m, c->sec->period);
}

static void window_note(ctx *c)
{
	char f[11], t[11];
	if (c->from)
		pdf_paraf(c->pdf, PDF_MUTED, "Period: %s to %s.", date_str(f, c->from), date_str(t, c->to));
}

static const char *person_name(const ctx *c, const char *email)
{
	for (size_t i = 0; email && i < c->m->npeople; i++) {
		const smsaudit_person_entry *p = c->m->people[i];
		if (p->current && strcmp(p->record->person.email, email) == 0)
			return p->record->person.name;
	}
	return email ? email : "";
}

static void join(char *out, size_t size, const char *const *items, size_t n, const char *sep)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(out + used, size - used, "%s%s", i ? sep : "", items[i] ? items[i] : "");
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* A record's list of words (clauses, services, sites) for join(). */
#define LIST(a) ((const char *const *)(a))

/* ---------------------------------------------------------------- sections */

/* A part's own page: its title, then the sections it holds. */
static void part_page(ctx *c, const smsaudit_report_def *def, size_t first)
{
	const char *part = smsaudit_report_def_at(def, first)->part;
	pdf_heading(c->pdf, 0, part);
	pdf_para(c->pdf, PDF_MUTED, "This part holds:");
	for (size_t i = first; i < smsaudit_report_def_count(def); i++) {
		const smsaudit_report_section *s = smsaudit_report_def_at(def, i);
		if (strcmp(s->part, part) != 0)
			break;
		if (s->title[0])
			pdf_paraf(c->pdf, PDF_REGULAR, "— %s", s->title);
	}
}

static void sec_heading(ctx *c, const char *fallback)
{
	pdf_heading(c->pdf, 1, c->sec->title[0] ? c->sec->title : fallback);
	if (c->sec->intro)
		pdf_para(c->pdf, PDF_REGULAR, c->sec->intro);
}

/* The organisation the SMS description in force names, else the one of the first commit. */
static const char *organisation(const ctx *c)
{
	return c->m->organisation ? c->m->organisation : c->m->repository_organisation;
}

static void do_cover(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	const smsaudit_audit_body *p = &c->audit->plan->audit;
	char f[11], t[11], buf[2048];
	pdf_new_page(c->pdf);
	pdf_space(c->pdf, 40);
	pdf_para(c->pdf, PDF_TITLE, smsaudit_report_def_title(c->def));
	pdf_space(c->pdf, 6);
	pdf_para(c->pdf, PDF_BOLD, organisation(c));
	pdf_space(c->pdf, 14);
	pdf_field(c->pdf, "Audit", c->audit->plan->id);
	pdf_field(c->pdf, "Audit type", smsaudit_audit_type_name(p->type));
	snprintf(buf, sizeof(buf), "%s to %s (%s)", date_str(f, c->audit->from), date_str(t, c->audit->to),
	         smsaudit_audit_status_name(c->audit->status));
	pdf_field(c->pdf, "Dates", buf);
	pdf_field(c->pdf, "Certification body", p->body && *p->body ? p->body : m->certification_body);
	snprintf(buf, sizeof(buf), "%s", person_name(c, p->lead));
	pdf_field(c->pdf, "Lead auditor", p->lead ? buf : NULL);
	/* "Amd 1:2024" of "Amd 1:2024: what it changed". */
	const char *amd = c->ci->namendments ? c->ci->amendments[0] : "";
	const char *cut = strstr(amd, ": ");
	snprintf(buf, sizeof(buf), "%s:%s%s%.*s", c->ci->standard, c->ci->edition, *amd ? " + " : "",
	         (int)(cut ? (size_t)(cut - amd) : strlen(amd)), amd);
	pdf_field(c->pdf, "Standard", buf);
	snprintf(buf, sizeof(buf), "%s %s (SHA-256 %.16s…)", c->ci->id, c->ci->version, c->ci->sha256);
	pdf_field(c->pdf, "Control catalogue", buf);
	pdf_field(c->pdf, "Scope", m->scope);
	join(buf, sizeof(buf), p->nservices ? LIST(p->services) : m->services, p->nservices ? p->nservices : m->nservices, "; ");
	pdf_field(c->pdf, "Services", buf);
	join(buf, sizeof(buf), p->nsites ? LIST(p->sites) : m->sites, p->nsites ? p->nsites : m->nsites, "; ");
	pdf_field(c->pdf, "Sites", buf);
	/* The certificate in force, when one is recorded (certificate record). */
	if (m->certificate) {
		const smsaudit_certificate_body *cb = &m->certificate->certificate;
		snprintf(buf, sizeof(buf), "%s, issued %s by %s, expires %s", cb->number, date_str(f, cb->issued), cb->body,
		         date_str(t, cb->expires));
		pdf_field(c->pdf, "Certificate", buf);
	}
	pdf_space(c->pdf, 10);
	pdf_field(c->pdf, "Pack", m->pack_id);
	pdf_field(c->pdf, "As of", date_str(f, m->as_of));
	pdf_field(c->pdf, "Source commit", m->commit);
	if (m->draft)
		pdf_field(c->pdf, "Status", "DRAFT, not sealed: no seal record or audit tag vouches for it; "
		                            "smsaudit verify-pack reports it as a draft");
	pdf_field(c->pdf, m->draft ? "Prepared by" : "Sealed by", m->signer);
	pdf_field(c->pdf, "Trust anchor SHA-256", m->anchor_sha256);
	pdf_field(c->pdf, "Manifest digest (SHA256SUMS)", m->sums_sha256);
	pdf_field(c->pdf, "Tool", "smsaudit " SMSAUDIT_VERSION);
	pdf_space(c->pdf, 10);
	pdf_para(c->pdf, PDF_SMALL,
	         "Compare the trust anchor's fingerprint with the one the organisation gave you by another channel. "
	         "The manifest digest printed here and in every footer is the SHA-256 of the file SHA256SUMS in this "
	         "pack, which lists every other file of the pack with its SHA-256; manifest.xml, signed by the quality "
	         "manager in manifest.xml.p7s, lists every file including this PDF. The appendix gives the commands.");
	if (pdf_replaced_count(c->pdf) || (c->first && pdf_replaced_count(c->first)))
		pdf_para(c->pdf, PDF_SMALL,
		         "Characters the embedded fonts cannot draw are shown as [U+XXXX] with their Unicode code point.");
}

static void do_contents(ctx *c)
{
	sec_heading(c, "Contents");
	if (!c->first) {
		pdf_para(c->pdf, PDF_MUTED, "(contents)");
		return;
	}
	for (size_t i = 0; i < pdf_toc_count(c->first); i++) {
		int level, page;
		const char *title;
		pdf_toc_at(c->first, i, &level, &title, &page);
		if (i == 0)
			continue; /* the contents itself */
		pdf_contents_line(c->pdf, level, title, page + c->shift);
	}
}

static void do_organisation(ctx *c)
{
	char buf[4096], d1[11], d2[11];
	const smsaudit_pack_model *m = c->m;
	sec_heading(c, "Organisation, scope and services");
	pdf_field(c->pdf, "Organisation", m->organisation);
	pdf_field(c->pdf, "Scope statement", m->scope);
	join(buf, sizeof(buf), m->services, m->nservices, "; ");
	pdf_field(c->pdf, "Services", buf);
	join(buf, sizeof(buf), m->sites, m->nsites, "; ");
	pdf_field(c->pdf, "Sites", buf);
	pdf_field(c->pdf, "Certification body", m->certification_body);
	/* Processes operated by other parties (8.2.3), from the latest self-assessments. */
	size_t others = 0;
	for (size_t i = 0; i < m->nclauses; i++) {
		const smsaudit_gap_clause *g = m->clauses[i];
		if (g->other_party) {
			if (!others++)
				pdf_heading(c->pdf, 2, "Processes operated by other parties");
			pdf_paraf(c->pdf, PDF_REGULAR, "%s %s: %s", g->clause->id, g->clause->title, g->other_party);
		}
	}
	pdf_heading(c->pdf, 2, "People and roles");
	pdf_para(c->pdf, PDF_SMALL, "Everyone who may sign records, with the roles their grant gives them.");
	static const char *const h[] = { "Name", "Email", "Roles", "Valid", "Status" };
	static const double w[] = { 0.2, 0.27, 0.25, 0.17, 0.11 };
	pdf_table_begin(c->pdf, 5, h, w);
	for (size_t i = 0; i < m->npeople; i++) {
		const smsaudit_person_entry *p = m->people[i];
		if (!p->current)
			continue;
		const smsaudit_person_body *b = &p->record->person;
		char roles[200], valid[40], status[60];
		smsaudit_roles_format(roles, sizeof(roles), b->roles);
		if (b->valid_until)
			snprintf(valid, sizeof(valid), "%s to %s", date_str(d1, b->valid_from), date_str(d2, b->valid_until));
		else
			snprintf(valid, sizeof(valid), "from %s", date_str(d1, b->valid_from));
		snprintf(status, sizeof(status), "%s", !p->valid ? "FAILED" : p->revoked_at ? "revoked" : "active");
		const char *cells[] = { b->name, b->email, roles, valid, status };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);
}

static void do_clause_status(ctx *c)
{
	sec_heading(c, "Clause status and readiness");
	pdf_para(c->pdf, PDF_SMALL,
	         "Readiness per clause 4–10: the share of assessable clauses conformant (green), partial (amber), "
	         "with a gap (red) and not assessed (grey). Readiness counts a partial clause as half.");
	const smsaudit_pack_model *m = c->m;
	for (size_t i = 0; i <= m->nrollups; i++) {
		const smsaudit_gap_rollup *r = i < m->nrollups ? m->rollups[i] : &m->overall;
		char label[160], cap[80];
		if (r->clause)
			snprintf(label, sizeof(label), "%s %s", r->clause->id, r->clause->title);
		else
			snprintf(label, sizeof(label), "Whole SMS");
		double t = r->total ? (double)r->total : 1;
		double parts[] = { r->conformant / t, r->partial / t, r->gap / t, r->not_assessed / t };
		pdf_rgb cols[] = { C_OK, C_PARTIAL, C_GAP, C_NONE };
		snprintf(cap, sizeof(cap), "%.0f%%  (%zu/%zu/%zu/%zu)", r->readiness * 100, r->conformant, r->partial, r->gap,
		         r->not_assessed);
		pdf_bar(c->pdf, label, parts, cols, 4, cap);
	}
	pdf_space(c->pdf, 10);
	static const char *const h[] = { "Clause", "Title", "Status", "Why", "Evidence", "Open NCs" };
	static const double w[] = { 0.08, 0.22, 0.11, 0.43, 0.08, 0.08 };
	pdf_table_begin(c->pdf, 6, h, w);
	for (size_t i = 0; i < m->nclauses; i++) {
		const smsaudit_gap_clause *g = m->clauses[i];
		size_t ok = 0;
		for (size_t k = 0; k < g->nitems; k++)
			ok += g->items[k].satisfied;
		char ev[32], nc[32];
		snprintf(ev, sizeof(ev), "%zu/%zu", ok, g->nitems);
		snprintf(nc, sizeof(nc), "%zu", g->nopen_major + g->nopen_minor);
		const char *cells[] = { g->clause->id, g->clause->title, smsaudit_gap_status_name(g->status),
			                g->nreasons ? g->reasons[0] : "", ev, nc };
		pdf_table_row_marked(c->pdf, cells, 2, status_colour(g->status));
	}
	pdf_table_end(c->pdf);
}

static int cmp_entry(const void *a, const void *b)
{
	const smsaudit_evidence_entry *x = *(const smsaudit_evidence_entry *const *)a,
	                              *y = *(const smsaudit_evidence_entry *const *)b;
	return strcmp(x->record->id, y->record->id);
}

/* Evidence linked to a clause, filtered by the section, sorted by id. */
static size_t clause_evidence(ctx *c, const char *clause, const smsaudit_evidence_entry ***out)
{
	size_t n = c->m->nevidence, k = 0;
	*out = NULL;
	const smsaudit_evidence_entry **v = NULL;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = c->m->evidence[i];
		const smsaudit_evidence_body *b = &e->record->evidence;
		if (!kind_selected(c, b->kind) || !in_window(c, b, e->record->made_at))
			continue;
		int linked = 0;
		for (size_t j = 0; j < b->ncontrols && !linked; j++)
			linked = strcmp(b->controls[j], clause) == 0;
		if (!linked)
			continue;
		if (!v && !(v = malloc(n * sizeof(*v))))
			return 0;
		v[k++] = e;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_entry);
	*out = v;
	return k;
}

static void evidence_table(ctx *c, const smsaudit_evidence_entry **v, size_t n)
{
	static const char *const h[] = { "Id", "Title", "Kind", "Period", "Signer", "Signed at", "Signature", "SHA-256",
		                         "Commit" };
	static const double w[] = { 0.2, 0.165, 0.075, 0.1, 0.1, 0.1, 0.1, 0.085, 0.075 };
	pdf_table_begin(c->pdf, 9, h, w);
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_body *b = &v[i]->record->evidence;
		char period[40], at[64], status[600], sha[16], commit[12];
		period_str(period, sizeof(period), b);
		smsaudit_time_format(at, v[i]->record->made_at);
		at[10] = at[10] == 'T' ? ' ' : at[10]; /* date and time wrap apart */
		if (v[i]->stamped_at) {
			/* the signer's clock, then the time-stamping authority's */
			char tsa[21];
			smsaudit_time_format(tsa, v[i]->stamped_at);
			snprintf(at + strlen(at), sizeof(at) - strlen(at), " (TSA %s)", tsa);
		}
		evidence_status(c, v[i], status, sizeof(status));
		snprintf(sha, sizeof(sha), "%.10s", b->sha256);
		snprintf(commit, sizeof(commit), "%.8s", c->m->commit);
		const char *cells[] = { v[i]->record->id, b->title, smsaudit_evidence_kind_name(b->kind), period,
			                v[i]->signer_name, at, status, sha, commit };
		pdf_table_row_marked(c->pdf, cells, 6, v[i]->valid ? NULL : &C_GAP);
	}
	pdf_table_end(c->pdf);
}

/* Above this many records for one clause, a table lists the newest ones and says so. */
#define INDEX_MAX 50
/* ... and the matrix, these many per clause. */
#define MATRIX_MAX 10

static void do_evidence_index(ctx *c)
{
	sec_heading(c, "Evidence index");
	window_note(c);
	pdf_paraf(c->pdf, PDF_SMALL,
	          "Each record as it stands at commit %.12s: its content's SHA-256 (first 10 hex digits; the full digest is "
	          "in the record and in SHA256SUMS) and whether its signature and signer verify. A record that fails "
	          "verification is listed as FAILED and counts for nothing in this report. Where a time-stamping "
	          "authority vouches for a record, its time follows the signing time (TSA …): the record existed by then.",
	          c->m->commit);
	size_t shown = 0;
	for (size_t i = 0; i < smsaudit_catalogue_count(c->cat); i++) {
		const smsaudit_clause *cl = smsaudit_catalogue_at(c->cat, i);
		if (!cl->assessable || !selected(c, cl->id))
			continue;
		const smsaudit_evidence_entry **v = NULL;
		size_t n = clause_evidence(c, cl->id, &v);
		if (n) {
			snprintf(c->text, sizeof(c->text), "%s %s", cl->id, cl->title);
			pdf_heading(c->pdf, 3, c->text);
			snprintf(c->text, sizeof(c->text), "ev-%s", cl->id);
			pdf_anchor(c->pdf, c->text);
			/* A large population is summarised: the newest (ids begin with the signing date). */
			if (n > INDEX_MAX)
				pdf_paraf(c->pdf, PDF_SMALL, "%zu records are linked to %s in this selection; the %d newest are listed. "
				          "index.html lists them all, and evidence/%s/ holds every file.", n, cl->id, INDEX_MAX,
				          cl->id);
			evidence_table(c, n > INDEX_MAX ? v + (n - INDEX_MAX) : v, n > INDEX_MAX ? INDEX_MAX : n);
			shown += n;
		}
		free(v);
	}
	if (!shown)
		pdf_para(c->pdf, PDF_REGULAR, "No evidence in this selection.");
}

static int finding_in_window(const ctx *c, const smsaudit_finding *f)
{
	if (c->sec->period == SMSAUDIT_PERIOD_OPEN)
		return f->phase != SMSAUDIT_PHASE_CLOSED;
	if (!c->from)
		return 1;
	return f->record->finding.raised_on >= c->from || f->phase != SMSAUDIT_PHASE_CLOSED ||
	       f->closed_at >= c->from;
}

static void finding_row(ctx *c, const smsaudit_finding *f)
{
	const smsaudit_finding_body *b = &f->record->finding;
	char raised[11], closed[11], age[24], clauses[200], due[200], grade[64];
	time_t end = f->closed_at ? smsaudit_date_of(f->closed_at) : c->m->as_of;
	long days = (long)((end - b->raised_on) / DAY);
	snprintf(age, sizeof(age), "%ld d%s", days < 0 ? 0 : days, f->closed_at ? "" : " open");
	join(clauses, sizeof(clauses), LIST(b->clauses), b->nclauses, " ");
	smsaudit_deadline dl[16];
	size_t nd = smsaudit_finding_deadlines(dl, 16, f, c->m->policy);
	due[0] = '\0';
	for (size_t i = 0; i < nd; i++) {
		smsaudit_due_status s = smsaudit_deadline_status(&dl[i], c->m->as_of, SMSAUDIT_DUE_SOON_DAYS);
		if (s == SMSAUDIT_DUE_MET)
			continue;
		char d[11];
		snprintf(due, sizeof(due), "%s %s: %.120s", dl[i].due ? date_str(d, dl[i].due) : "next audit",
		         smsaudit_due_status_name(s), dl[i].what);
		break;
	}
	snprintf(grade, sizeof(grade), "%s", f->grade ? f->grade->id : b->grade);
	const char *cells[] = { f->number, grade, smsaudit_finding_source_name(b->source), date_str(raised, b->raised_on),
		                clauses, b->statement, smsaudit_finding_phase_name(f->phase),
		                f->closed_at ? date_str(closed, f->closed_at) : "", age, due };
	const pdf_rgb *col = f->phase == SMSAUDIT_PHASE_CLOSED ? &C_OK : f->grade && f->grade->cls == SMSAUDIT_GRADE_MAJOR ? &C_GAP : NULL;
	pdf_table_row_marked(c->pdf, cells, 6, col);
}

static void findings_table(ctx *c, int (*keep)(const ctx *, const smsaudit_finding *))
{
	static const char *const h[] = { "Number", "Grade", "Source", "Raised", "Clauses", "Statement", "Phase", "Closed",
		                         "Age", "Next deadline" };
	static const double w[] = { 0.1, 0.07, 0.09, 0.08, 0.06, 0.24, 0.08, 0.08, 0.07, 0.13 };
	size_t n = 0;
	for (size_t i = 0; i < c->m->nfindings; i++)
		n += keep(c, c->m->findings[i]);
	if (!n) {
		pdf_para(c->pdf, PDF_REGULAR, "None.");
		return;
	}
	pdf_table_begin(c->pdf, 10, h, w);
	for (size_t i = 0; i < c->m->nfindings; i++) {
		const smsaudit_finding *f = c->m->findings[i];
		if (keep(c, f))
			finding_row(c, f);
	}
	pdf_table_end(c->pdf);
}

static void do_findings(ctx *c)
{
	sec_heading(c, "Nonconformity and corrective action register");
	window_note(c);
	/* Ageing of the open ones. */
	size_t bucket[4] = { 0 }, open = 0, closed = 0;
	for (size_t i = 0; i < c->m->nfindings; i++) {
		const smsaudit_finding *f = c->m->findings[i];
		if (!finding_in_window(c, f))
			continue;
		if (f->phase == SMSAUDIT_PHASE_CLOSED) {
			closed++;
			continue;
		}
		long days = (long)((c->m->as_of - f->record->finding.raised_on) / DAY);
		bucket[days <= 30 ? 0 : days <= 90 ? 1 : days <= 180 ? 2 : 3]++;
		open++;
	}
	pdf_paraf(c->pdf, PDF_REGULAR, "%zu open, %zu closed. Ageing of the open ones: %zu up to 30 days, %zu 31–90 days, "
	          "%zu 91–180 days, %zu older.", open, closed, bucket[0], bucket[1], bucket[2], bucket[3]);
	findings_table(c, finding_in_window);
}

static void do_documented_info(ctx *c)
{
	sec_heading(c, "Documented information checklist");
	static const char *const h[] = { "Item", "Required", "Examined at", "Present", "Evidence or reason" };
	static const double w[] = { 0.1, 0.36, 0.1, 0.09, 0.35 };
	size_t total = 0, missing = 0, missing1 = 0;
	for (size_t i = 0; i < c->m->nclauses; i++) {
		const smsaudit_gap_clause *g = c->m->clauses[i];
		for (size_t k = 0; k < g->nitems; k++)
			if (selected(c, g->clause->id) && (!c->sec->explicit_only || g->items[k].is_explicit)) {
				total++;
				missing += !g->items[k].satisfied;
				missing1 += !g->items[k].satisfied && g->items[k].stage == SMSAUDIT_STAGE_1;
			}
	}
	/* The stage 1 verdict counts the items examined at stage 1; say so beside the count. */
	pdf_paraf(c->pdf, PDF_BOLD, "%zu of %zu items present; %zu missing, %zu of them examined at stage 1 "
	          "(stage 1 verdict: %s).", total - missing, total, missing, missing1,
	          c->m->stage1.ready ? "READY" : "NOT READY");
	pdf_table_begin(c->pdf, 5, h, w);
	for (size_t i = 0; i < c->m->nclauses; i++) {
		const smsaudit_gap_clause *g = c->m->clauses[i];
		if (!selected(c, g->clause->id))
			continue;
		for (size_t k = 0; k < g->nitems; k++) {
			const smsaudit_gap_item *it = &g->items[k];
			if (c->sec->explicit_only && !it->is_explicit)
				continue;
			const char *cells[] = { it->id, it->what, it->stage == SMSAUDIT_STAGE_1 ? "stage 1" : "stage 2",
				                it->satisfied ? "present" : "MISSING", it->reason };
			pdf_table_row_marked(c->pdf, cells, 3, it->satisfied ? &C_OK : &C_GAP);
		}
	}
	pdf_table_end(c->pdf);
}

static void do_readiness(ctx *c)
{
	sec_heading(c, "Readiness");
	const smsaudit_gap_readiness *r = c->sec->stage == 1 ? &c->m->stage1 : &c->m->stage2;
	pdf_paraf(c->pdf, PDF_BOLD, "Verdict: %s for stage %d.", r->ready ? "READY" : "NOT READY", c->sec->stage);
	static const char *const h[] = { "Criterion", "Met", "Reasons" };
	static const double w[] = { 0.4, 0.08, 0.52 };
	pdf_table_begin(c->pdf, 3, h, w);
	for (size_t i = 0; i < r->ncriteria; i++) {
		const char *cells[] = { r->criteria[i].text, r->criteria[i].met ? "yes" : "NO", r->criteria[i].detail };
		pdf_table_row_marked(c->pdf, cells, 1, r->criteria[i].met ? &C_OK : &C_GAP);
	}
	pdf_table_end(c->pdf);
}

static void audit_rows(ctx *c, int (*keep)(const ctx *, const smsaudit_audit *))
{
	static const char *const h[] = { "Audit", "Type", "Dates", "Status", "Body / lead", "Scope", "Outcome" };
	static const double w[] = { 0.23, 0.1, 0.12, 0.09, 0.15, 0.13, 0.18 };
	size_t n = 0;
	for (size_t i = 0; i < c->m->naudits; i++)
		n += keep(c, c->m->audits[i]);
	if (!n) {
		pdf_para(c->pdf, PDF_REGULAR, c->from ? "No audit recorded in this period." : "No audit recorded.");
		return;
	}
	pdf_table_begin(c->pdf, 7, h, w);
	for (size_t i = 0; i < c->m->naudits; i++) {
		const smsaudit_audit *a = c->m->audits[i];
		if (!keep(c, a))
			continue;
		const smsaudit_audit_body *p = &a->plan->audit;
		char dates[32], f[11], t[11], who[300], scope[300], outcome[600];
		snprintf(dates, sizeof(dates), "%s to %s", date_str(f, a->from), date_str(t, a->to));
		snprintf(who, sizeof(who), "%s / %s", p->body ? p->body : "", person_name(c, p->lead));
		join(scope, sizeof(scope), LIST(p->clauses), p->nclauses, " ");
		if (!p->nclauses)
			snprintf(scope, sizeof(scope), "whole standard");
		outcome[0] = '\0';
		if (a->concluded) {
			const smsaudit_audit_body *k = &a->concluded->audit;
			snprintf(outcome, sizeof(outcome), "%s%s%.500s", k->recommendation != SMSAUDIT_REC_NONE ? smsaudit_recommendation_name(k->recommendation) : "",
			         k->recommendation != SMSAUDIT_REC_NONE && k->summary ? ": " : "", k->summary ? k->summary : "");
		}
		const char *cells[] = { a->plan->id, smsaudit_audit_type_name(p->type), dates,
			                smsaudit_audit_status_name(a->status), who, scope, outcome };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);
}

static int audit_kept(const ctx *c, const smsaudit_audit *a)
{
	if (c->sec->audit_types && !(c->sec->audit_types & (1u << a->plan->audit.type)))
		return 0;
	if (c->from && a->to < c->from)
		return 0;
	return a->from <= c->m->as_of;
}

static void do_audits(ctx *c)
{
	sec_heading(c, "Audits");
	window_note(c);
	audit_rows(c, audit_kept);
	/* Internal audits are also reported, and management reviews only
	 * recorded, as evidence (9.2, 9.3): a section on internal audits lists
	 * those of its period too, so that no other section shows one it misses. */
	if (c->sec->audit_types && !(c->sec->audit_types & (1u << SMSAUDIT_AUDIT_INTERNAL)))
		return;
	static const char *const ids[] = { "9.2", "9.3" };
	static const char *const titles[] = { "Internal audit evidence (9.2)", "Management reviews (9.3)" };
	for (size_t k = 0; k < 2; k++) {
		const smsaudit_evidence_entry **v = NULL;
		size_t n = clause_evidence(c, ids[k], &v);
		pdf_heading(c->pdf, 2, titles[k]);
		if (n)
			evidence_table(c, v, n);
		else
			pdf_para(c->pdf, PDF_REGULAR, "None recorded.");
		free(v);
	}
}

static void clause_items(ctx *c, const smsaudit_gap_clause *g)
{
	static const char *const h[] = { "Item", "Expected", "Kind", "Met", "Evidence or reason" };
	static const double w[] = { 0.1, 0.36, 0.09, 0.07, 0.38 };
	pdf_table_begin(c->pdf, 5, h, w);
	for (size_t k = 0; k < g->nitems; k++) {
		const smsaudit_gap_item *it = &g->items[k];
		const char *cells[] = { it->id, it->what, it->any_kind ? "any" : smsaudit_evidence_kind_name(it->kind),
			                it->satisfied ? "yes" : "NO", it->reason };
		pdf_table_row_marked(c->pdf, cells, 3, it->satisfied ? &C_OK : &C_GAP);
	}
	pdf_table_end(c->pdf);
}

static void do_clause_detail(ctx *c)
{
	sec_heading(c, "Clause by clause");
	for (size_t i = 0; i < c->m->nclauses; i++) {
		const smsaudit_gap_clause *g = c->m->clauses[i];
		if (!selected(c, g->clause->id))
			continue;
		snprintf(c->text, sizeof(c->text), "%s %s — %s", g->clause->id, g->clause->title,
		         smsaudit_gap_status_name(g->status));
		pdf_heading(c->pdf, 3, c->text);
		snprintf(c->text, sizeof(c->text), "clause-%s", g->clause->id);
		pdf_anchor(c->pdf, c->text);
		for (size_t r = 0; r < g->nreasons; r++)
			pdf_paraf(c->pdf, PDF_SMALL, "• %s", g->reasons[r]);
		if (g->assessment) {
			const smsaudit_assessment_body *a = &g->assessment->assessment;
			char d[11];
			smsaudit_date_format(d, smsaudit_date_of(g->assessment->made_at));
			pdf_paraf(c->pdf, PDF_SMALL, "Self-assessment %s by %s on %s: %s%s%.1500s", g->assessment->id,
			          g->assessed_by ? g->assessed_by : "", d, smsaudit_assessment_result_name(a->result),
			          a->note ? " — " : "", a->note ? a->note : "");
		}
		if (g->nexcluded)
			pdf_paraf(c->pdf, PDF_SMALL, "%zu linked evidence record(s) fail verification and are not counted.",
			          g->nexcluded);
		if (g->nitems)
			clause_items(c, g);
	}
}

static int is_process(const smsaudit_clause *cl)
{
	return strncmp(cl->id, "8.", 2) == 0 && (cl->depth == 3 || (cl->depth == 2 && cl->nchildren == 0));
}

/* The records of operation of one process in the section's period: every
 * evidence record of the section's kinds linked to a clause under it, once. */
static size_t process_records(ctx *c, size_t i, const smsaudit_evidence_entry ***out)
{
	const smsaudit_clause *cl = smsaudit_catalogue_at(c->cat, i);
	const smsaudit_evidence_entry **all = NULL;
	size_t nall = 0;
	for (size_t j = i; j < smsaudit_catalogue_count(c->cat); j++) {
		const smsaudit_clause *sub = smsaudit_catalogue_at(c->cat, j);
		if (!clause_under(sub->id, cl->id))
			break;
		if (!sub->assessable)
			continue;
		const smsaudit_evidence_entry **v = NULL;
		size_t n = clause_evidence(c, sub->id, &v);
		if (n) {
			const smsaudit_evidence_entry **m = realloc(all, (nall + n) * sizeof(*m));
			if (m) {
				all = m;
				memcpy(all + nall, v, n * sizeof(*v));
				nall += n;
			}
		}
		free(v);
	}
	/* One record linked to two sub-clauses is one item. */
	if (nall)
		qsort(all, nall, sizeof(*all), cmp_entry);
	size_t u = 0;
	for (size_t k = 0; k < nall; k++)
		if (!u || all[u - 1] != all[k])
			all[u++] = all[k];
	*out = all;
	return u;
}

static size_t rows_of(const ctx *c, const smsaudit_evidence_entry *e)
{
	if (!c->m->csv_rows)
		return 0;
	for (size_t i = 0; i < c->m->nevidence; i++)
		if (c->m->evidence[i] == e)
			return c->m->csv_rows[i];
	return 0;
}

/* One process's population (records, and each row of a ticket export), drawn. */
typedef struct {
	char **keys;
	const smsaudit_evidence_entry **of;   /* the record each item belongs to */
	char (*digests)[65];
	int *drawn;
	size_t n, size, nrecords, nexports, nrows;
} sample_draw;

static void draw_free(sample_draw *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->of);
	free(s->digests);
	free(s->drawn);
	memset(s, 0, sizeof(*s));
}

static int draw(sample_draw *s, ctx *c, const char *unit, const smsaudit_evidence_entry **recs, size_t nrecs)
{
	memset(s, 0, sizeof(*s));
	s->nrecords = nrecs;
	size_t n = 0;
	for (size_t k = 0; k < nrecs; k++) {
		size_t r = rows_of(c, recs[k]);
		n += r ? r : 1;
		s->nexports += r > 0;
		s->nrows += r;
	}
	s->keys = calloc(n ? n : 1, sizeof(*s->keys));
	s->of = calloc(n ? n : 1, sizeof(*s->of));
	s->digests = calloc(n ? n : 1, sizeof(*s->digests));
	s->drawn = calloc(n ? n : 1, sizeof(*s->drawn));
	if (!s->keys || !s->of || !s->digests || !s->drawn) {
		draw_free(s);
		return error_oom();
	}
	for (size_t k = 0; k < nrecs; k++) {
		size_t r = rows_of(c, recs[k]);
		for (size_t row = r ? 1 : 0; row <= r; row++) {
			char key[SMSAUDIT_ID_MAX + 24];
			if (row)
				snprintf(key, sizeof(key), "%s#%zu", recs[k]->record->id, row);
			else
				snprintf(key, sizeof(key), "%s", recs[k]->record->id);
			if (!(s->keys[s->n] = strdup(key))) {
				draw_free(s);
				return error_oom();
			}
			s->of[s->n++] = recs[k];
		}
	}
	s->size = smsaudit_sample_size(s->n);
	int rc = smsaudit_sample_draw(s->drawn, s->digests, (const char *const *)s->keys, s->n, c->m->commit, unit, s->size);
	if (rc < 0)
		draw_free(s);
	return rc;
}

/* Above this many records a process's population is summarised, not listed. */
#define LIST_MAX 200

static void do_samples(ctx *c)
{
	sec_heading(c, "Process samples");
	window_note(c);
	char day[11];
	date_str(day, c->m->as_of);
	pdf_paraf(c->pdf, PDF_SMALL, "Each process's population is its records of operation in the period, a ticket "
	          "export (a CSV record) counting one item per data row (\"<record>#<row>\", row 1 after the header). "
	          "Sample size and draw: %s. Seed: the source commit %s. `smsaudit sample %s --commit %.12s --as-of %s "
	          "--explain` reproduces every draw; so does sha256sum.", SMSAUDIT_SAMPLE_RULE, c->m->commit,
	          c->audit->plan->id, c->m->commit, day);
	size_t shown = 0;
	for (size_t i = 0; i < smsaudit_catalogue_count(c->cat); i++) {
		const smsaudit_clause *cl = smsaudit_catalogue_at(c->cat, i);
		if (!is_process(cl) || !selected(c, cl->id))
			continue;
		const smsaudit_evidence_entry **all = NULL;
		size_t u = process_records(c, i, &all);
		sample_draw s;
		if (draw(&s, c, cl->id, all, u) < 0) {
			free(all);
			continue;
		}
		snprintf(c->text, sizeof(c->text), "%s %s — population %zu, sample %zu", cl->id, cl->title, s.n, s.size);
		pdf_heading(c->pdf, 3, c->text);
		if (!u) {
			pdf_para(c->pdf, PDF_SMALL, "No records of operation in this period.");
		} else {
			pdf_paraf(c->pdf, PDF_SMALL, "%zu record%s of operation%s%zu ticket export%s with %zu rows, one item each).",
			          u, u == 1 ? "" : "s", s.nexports ? " (of which " : "", s.nexports, s.nexports == 1 ? "" : "s",
			          s.nrows);
			if (u <= LIST_MAX)
				evidence_table(c, all, u);
			else
				pdf_paraf(c->pdf, PDF_SMALL, "The %zu records are not listed here, to keep the report readable: "
				          "the evidence index, index.html and `smsaudit sample --explain` list them all.", u);
			static const char *const h[] = { "Drawn item", "Record title", "Draw value (SHA-256)" };
			static const double w[] = { 0.34, 0.36, 0.3 };
			pdf_table_begin(c->pdf, 3, h, w);
			for (size_t k = 0; k < s.n; k++)
				if (s.drawn[k]) {
					char v[20];
					snprintf(v, sizeof(v), "%.16s", s.digests[k]);
					const char *cells[] = { s.keys[k], s.of[k]->record->evidence.title, v };
					pdf_table_row(c->pdf, cells);
				}
			pdf_table_end(c->pdf);
		}
		shown += u;
		draw_free(&s);
		free(all);
	}
	if (!shown)
		pdf_para(c->pdf, PDF_REGULAR, "No records in this selection.");
}

/* A rendering context over the model: its definition, catalogue and audit. */
static void ctx_init(ctx *c, const smsaudit_pack_model *m)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->def = m->definition;
	c->cat = m->catalogue;
	c->ci = smsaudit_catalogue_info_get(m->catalogue);
	c->audit = m->audit;
}

int smsaudit_report_samples(const smsaudit_pack_model *m, const char *unit, smsaudit_report_sample_fn fn, void *u)
{
	int rc = smsaudit_pack_model_check(m);
	if (rc < 0)
		return rc;
	ctx c;
	ctx_init(&c, m);
	size_t found = 0;
	for (size_t d = 0; rc == 0 && d < smsaudit_report_def_count(c.def); d++) {
		c.sec = smsaudit_report_def_at(c.def, d);
		if (c.sec->kind != SMSAUDIT_SEC_SAMPLES)
			continue;
		section_window(&c);
		for (size_t i = 0; rc == 0 && i < smsaudit_catalogue_count(c.cat); i++) {
			const smsaudit_clause *cl = smsaudit_catalogue_at(c.cat, i);
			if (!is_process(cl) || !selected(&c, cl->id) || (unit && strcmp(unit, cl->id) != 0))
				continue;
			const smsaudit_evidence_entry **all = NULL;
			size_t n = process_records(&c, i, &all);
			sample_draw s;
			rc = draw(&s, &c, cl->id, all, n);
			if (rc == 0) {
				smsaudit_report_sample out = { c.sec->title, cl->id, cl->title, m->commit, c.from, c.to, s.nrecords,
					                       s.n, (const char *const *)s.keys, (const char (*)[65])s.digests,
					                       s.drawn, s.size };
				rc = fn(&out, u);
				found++;
				draw_free(&s);
			}
			free(all);
		}
	}
	if (rc == 0 && !found)
		rc = error_set(SMSAUDIT_ENOTFOUND, unit ? "the pack samples no process %s" : "the pack has no process samples%s",
		               unit ? unit : "");
	return rc;
}

static const smsaudit_audit *latest_of(const ctx *c, smsaudit_audit_type type)
{
	const smsaudit_audit *best = NULL;
	for (size_t i = 0; i < c->m->naudits; i++) {
		const smsaudit_audit *a = c->m->audits[i];
		if (a->plan->audit.type == type && a != c->audit && a->from <= c->audit->from)
			best = a;
	}
	return best;
}

static int from_that_audit(const ctx *c, const smsaudit_finding *f)
{
	return c->from_audit && f->audit && strcmp(f->audit->id, c->from_audit) == 0;
}

static void do_stage1_concerns(ctx *c)
{
	sec_heading(c, "Stage 1 concerns");
	const smsaudit_audit *s1 = latest_of(c, SMSAUDIT_AUDIT_STAGE1);
	if (!s1) {
		pdf_para(c->pdf, PDF_REGULAR, "No stage 1 audit is recorded.");
		return;
	}
	char f[11], t[11];
	pdf_paraf(c->pdf, PDF_REGULAR, "Stage 1 audit %s, %s to %s (%s).", s1->plan->id, date_str(f, s1->from),
	          date_str(t, s1->to), smsaudit_audit_status_name(s1->status));
	if (s1->concluded && s1->concluded->audit.nconcerns) {
		pdf_heading(c->pdf, 2, "Areas of concern raised at stage 1");
		for (size_t i = 0; i < s1->concluded->audit.nconcerns; i++)
			pdf_paraf(c->pdf, PDF_REGULAR, "%zu. %s", i + 1, s1->concluded->audit.concerns[i]);
	} else {
		pdf_para(c->pdf, PDF_REGULAR, "The stage 1 conclusion records no areas of concern.");
	}
	pdf_heading(c->pdf, 2, "Findings from stage 1 and their closure");
	c->from_audit = s1->plan->id;
	findings_table(c, from_that_audit);
	c->from_audit = NULL;
}

static int external_before(const ctx *c, const smsaudit_finding *f)
{
	const smsaudit_finding_body *b = &f->record->finding;
	if (!smsaudit_finding_source_external(b->source) || (f->audit && strcmp(f->audit->id, c->audit->plan->id) == 0))
		return 0;
	if (c->from && b->raised_on < c->from && f->phase == SMSAUDIT_PHASE_CLOSED && f->closed_at < c->from)
		return 0;
	return b->raised_on <= c->audit->from;
}

static void do_previous_findings(ctx *c)
{
	sec_heading(c, "Previous nonconformities");
	window_note(c);
	pdf_para(c->pdf, PDF_SMALL, "Findings raised by the certification body's earlier audits, with their phase, "
	                            "closing date and next deadline.");
	findings_table(c, external_before);
}

static void do_rotation(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	sec_heading(c, "Rotation");
	if (m->surveillance <= 0) {
		pdf_para(c->pdf, PDF_REGULAR, "This audit is not one of the cycle's surveillances; it has no rotation.");
		return;
	}
	pdf_paraf(c->pdf, PDF_REGULAR, "Surveillance %d of %d in the cycle. Units marked mandatory are examined at every "
	          "surveillance; the others rotate so that the cycle covers every clause.", m->surveillance,
	          m->surveillances);
	static const char *const h[] = { "Unit", "Title", "Why in this visit", "Also in" };
	static const double w[] = { 0.1, 0.45, 0.25, 0.2 };
	pdf_table_begin(c->pdf, 4, h, w);
	for (size_t i = 0; i < m->nrotation; i++) {
		const smsaudit_coverage_row *r = m->rotation[i];
		if (!(r->covered & (1u << (m->surveillance - 1))))
			continue;
		char why[64], also[120];
		snprintf(why, sizeof(why), "%s", r->mandatory ? "mandatory" : r->pinned ? "pinned" : "rotation");
		size_t used = 0;
		also[0] = '\0';
		for (int k = 1; k <= 30 && used < sizeof(also); k++)
			if (k != m->surveillance && (r->covered & (1u << (k - 1)))) {
				int wr = snprintf(also + used, sizeof(also) - used, "%sS%d", used ? " " : "", k);
				used += wr > 0 ? (size_t)wr : 0;
			}
		if ((r->covered & (1u << SMSAUDIT_COVERAGE_RECERT_BIT)) && used < sizeof(also))
			snprintf(also + used, sizeof(also) - used, "%srecert.", used ? " " : "");
		const char *cells[] = { r->unit->id, r->unit->title, why, also };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);
}

static void do_mandatory(ctx *c)
{
	sec_heading(c, "Mandatory surveillance items");
	size_t n = 0;
	const smsaudit_mandatory_item *m = smsaudit_mandatory_items(&n);
	static const char *const h[] = { "Item", "Clauses", "Status now" };
	static const double w[] = { 0.45, 0.15, 0.4 };
	pdf_table_begin(c->pdf, 3, h, w);
	for (size_t i = 0; i < n; i++) {
		char status[600] = "";
		size_t used = 0;
		char ids[64];
		snprintf(ids, sizeof(ids), "%s", m[i].clauses);
		for (char *save = NULL, *tok = strtok_r(ids, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			/* The worst status of the assessable clauses under it. */
			int worst = -1;
			for (size_t k = 0; k < c->m->nclauses; k++) {
				const smsaudit_gap_clause *g = c->m->clauses[k];
				if (clause_under(g->clause->id, tok)) {
					int rank = g->status == SMSAUDIT_GAP_GAP ? 3 : g->status == SMSAUDIT_GAP_NOT_ASSESSED ? 2
					           : g->status == SMSAUDIT_GAP_PARTIAL ? 1 : 0;
					if (rank > worst)
						worst = rank;
				}
			}
			static const char *const names[] = { "conformant", "partial", "not assessed", "gap" };
			int wr = snprintf(status + used, sizeof(status) - used, "%s%s %s", used ? "; " : "", tok,
			                  worst < 0 ? "—" : names[worst]);
			used += wr > 0 && (size_t)wr < sizeof(status) - used ? (size_t)wr : 0;
		}
		if (!m[i].clauses[0])
			snprintf(status, sizeof(status), "outside the standard: shown to the auditor on site");
		const char *cells[] = { m[i].what, m[i].clauses, status };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);
}

static void do_changes(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	sec_heading(c, "Changes since the previous audit");
	if (!m->has_changes) {
		pdf_para(c->pdf, PDF_REGULAR, "No earlier certification audit to compare with: everything in this pack is new to "
		                              "the certification body.");
		return;
	}
	pdf_paraf(c->pdf, PDF_REGULAR, "From commit %.12s (previous audit %s) to commit %.12s.", m->changes_from,
	          m->changes_audit ? m->changes_audit : "", m->commit);
	/* Evidence: added, superseded, withdrawn. */
	static const char *const h[] = { "Change", "Id", "Title", "Kind", "When", "By" };
	static const double w[] = { 0.11, 0.2, 0.33, 0.09, 0.1, 0.17 };
	size_t added = 0, superseded = 0, withdrawn = 0;
	pdf_heading(c->pdf, 2, "Evidence");
	for (size_t i = 0; i < m->nevidence_changes; i++) {
		const char *what = m->evidence_changes[i]->change;
		added += strcmp(what, "added") == 0;
		superseded += strcmp(what, "superseded") == 0;
		withdrawn += strcmp(what, "withdrawn") == 0;
	}
	if (added + superseded + withdrawn == 0) {
		pdf_para(c->pdf, PDF_REGULAR, "No evidence added, superseded or withdrawn.");
	} else {
		pdf_table_begin(c->pdf, 6, h, w);
		for (size_t i = 0; i < m->nevidence_changes; i++) {
			const smsaudit_pack_evidence_change *ch = m->evidence_changes[i];
			const smsaudit_evidence_entry *e = ch->evidence;
			char when[11];
			const char *cells[] = { ch->change, e->record->id, e->record->evidence.title,
				                smsaudit_evidence_kind_name(e->record->evidence.kind),
				                date_str(when, smsaudit_date_of(ch->when)), e->signer_name };
			pdf_table_row(c->pdf, cells);
		}
		pdf_table_end(c->pdf);
	}
	pdf_paraf(c->pdf, PDF_REGULAR, "%zu added, %zu superseded, %zu withdrawn.", added, superseded, withdrawn);

	/* Findings raised and closed. */
	size_t raised = 0, closed = 0;
	pdf_heading(c->pdf, 2, "Findings raised and closed");
	static const char *const fh[] = { "Change", "Number", "Grade", "Statement", "Phase now" };
	static const double fw[] = { 0.1, 0.13, 0.09, 0.53, 0.15 };
	pdf_table_begin(c->pdf, 5, fh, fw);
	for (size_t i = 0; i < m->nfinding_changes; i++) {
		const smsaudit_pack_finding_change *ch = m->finding_changes[i];
		const smsaudit_finding *f = ch->finding;
		raised += strcmp(ch->change, "raised") == 0;
		closed += strcmp(ch->change, "closed") == 0;
		const char *cells[] = { ch->change, f->number, f->grade ? f->grade->id : f->record->finding.grade,
			                f->record->finding.statement, smsaudit_finding_phase_name(f->phase) };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);
	pdf_paraf(c->pdf, PDF_REGULAR, "%zu raised, %zu closed.", raised, closed);

	/* People: new grants and revocations. */
	pdf_heading(c->pdf, 2, "People, scope and services");
	for (size_t i = 0; i < m->npeople_changes; i++) {
		const smsaudit_person_entry *p = m->people_changes[i]->person;
		char roles[200];
		smsaudit_roles_format(roles, sizeof(roles), p->record->person.roles);
		pdf_paraf(c->pdf, PDF_REGULAR, "%s: %s <%s> (%s)", m->people_changes[i]->revoked ? "Revoked" : "Granted",
		          p->record->person.name, p->record->person.email, roles);
	}
	if (!m->npeople_changes)
		pdf_para(c->pdf, PDF_REGULAR, "No one was granted or lost a role.");
	/* Scope and services: this audit's plan against the previous audit's. */
	if (m->previous) {
		const smsaudit_audit_body *a = &m->previous->plan->audit, *b = &c->audit->plan->audit;
		char was[2048], now[2048];
		join(was, sizeof(was), LIST(a->services), a->nservices, "; ");
		join(now, sizeof(now), LIST(b->services), b->nservices, "; ");
		if (strcmp(was, now) != 0)
			pdf_paraf(c->pdf, PDF_REGULAR, "Services in the audit scope changed: was \"%.900s\", now \"%.900s\".", was, now);
		join(was, sizeof(was), LIST(a->sites), a->nsites, "; ");
		join(now, sizeof(now), LIST(b->sites), b->nsites, "; ");
		if (strcmp(was, now) != 0)
			pdf_paraf(c->pdf, PDF_REGULAR, "Sites in the audit scope changed: was \"%.900s\", now \"%.900s\".", was, now);
	}
	/* The organisation's own changes, each a signed record with its reason. */
	pdf_heading(c->pdf, 2, "Changes of the organisation");
	if (!m->norg_changes) {
		pdf_para(c->pdf, PDF_REGULAR, "The organisation, its scope, sites, services, certification body, deadlines, "
		                              "cycle, people and certificate did not change.");
	} else {
		static const char *const oh[] = { "When", "What", "Change", "Reason", "By" };
		static const double ow[] = { 0.1, 0.14, 0.34, 0.24, 0.18 };
		pdf_table_begin(c->pdf, 5, oh, ow);
		for (size_t i = 0; i < m->norg_changes; i++) {
			const smsaudit_org_change *ch = &m->org_changes[i];
			char when[11];
			const char *cells[] = { date_str(when, smsaudit_date_of(ch->at)), ch->what, ch->detail ? ch->detail : "",
				                ch->reason ? ch->reason : "", ch->by ? ch->by : "" };
			pdf_table_row(c->pdf, cells);
		}
		pdf_table_end(c->pdf);
		pdf_paraf(c->pdf, PDF_REGULAR, "%zu change%s of the organisation since the previous audit.", m->norg_changes,
		          m->norg_changes == 1 ? "" : "s");
	}
	pdf_para(c->pdf, PDF_SMALL, "The scope statement and services of smsaudit.xml at this commit are in the "
	                            "organisation section; `git diff` between the two audit tags shows every change.");
}

static void do_cycle_summary(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	char d1[11], d2[11], buf[200];
	sec_heading(c, "The certification cycle");
	pdf_paraf(c->pdf, PDF_REGULAR, "Phase: %s. Certification decision %s, certificate expiry %s.",
	          smsaudit_cycle_phase_name(m->phase), date_str(d1, m->decision), date_str(d2, m->expiry));
	pdf_heading(c->pdf, 2, "Timeline");
	static const char *const h[] = { "Item", "Due", "Done", "Status", "Audit", "Note" };
	static const double w[] = { 0.18, 0.1, 0.1, 0.1, 0.22, 0.3 };
	pdf_table_begin(c->pdf, 6, h, w);
	for (size_t i = 0; i < m->ncycle_items; i++) {
		const smsaudit_cycle_item *it = m->cycle_items[i];
		snprintf(buf, sizeof(buf), "%s%s", smsaudit_cycle_item_kind_name(it->kind), "");
		if (it->kind == SMSAUDIT_ITEM_SURVEILLANCE || it->kind == SMSAUDIT_ITEM_YEAR)
			snprintf(buf, sizeof(buf), "%s %d", smsaudit_cycle_item_kind_name(it->kind), it->number);
		const char *cells[] = { buf, date_str(d1, it->due), date_str(d2, it->done_on), smsaudit_item_status_name(it->status),
			                it->audit ? it->audit->plan->id : "", it->note };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);

	/* Readiness at each certification audit of the cycle, and now. */
	pdf_heading(c->pdf, 2, "Readiness trend");
	static const char *const rh[] = { "At", "Audit", "Readiness", "Conformant", "Partial", "Gap", "Not assessed" };
	static const double rw[] = { 0.12, 0.28, 0.12, 0.12, 0.12, 0.12, 0.12 };
	pdf_table_begin(c->pdf, 7, rh, rw);
	for (size_t i = 0; i <= m->ntrend; i++) {
		/* The model's trend rows in this section's period, then the as-of date's readiness. */
		const smsaudit_audit *a = i < m->ntrend ? m->trend[i]->audit : NULL;
		time_t at = a ? a->to : m->as_of;
		if (a && (a->to < c->from || a->to > m->as_of))
			continue;
		const smsaudit_gap_rollup *r = a ? &m->trend[i]->overall : &m->overall;
		char pct[24], n1[24], n2[24], n3[24], n4[24], who[120];
		snprintf(pct, sizeof(pct), "%.0f%%", r->readiness * 100);
		snprintf(n1, sizeof(n1), "%zu", r->conformant);
		snprintf(n2, sizeof(n2), "%zu", r->partial);
		snprintf(n3, sizeof(n3), "%zu", r->gap);
		snprintf(n4, sizeof(n4), "%zu", r->not_assessed);
		snprintf(who, sizeof(who), "%s%s%s", a ? smsaudit_audit_type_name(a->plan->audit.type) : "this pack",
		         a ? " " : "", a ? a->plan->id : "");
		const char *cells[] = { date_str(d1, at), who, pct, n1, n2, n3, n4 };
		pdf_table_row(c->pdf, cells);
	}
	pdf_table_end(c->pdf);

	/* Findings by grade per calendar year. */
	pdf_heading(c->pdf, 2, "Findings by grade and year");
	int y0 = 0, y1 = 0;
	struct tm tm;
	time_t from = c->from ? c->from : smsaudit_date_add_months(m->as_of, -36);
	gmtime_r(&from, &tm);
	y0 = tm.tm_year + 1900;
	time_t to = m->as_of;
	gmtime_r(&to, &tm);
	y1 = tm.tm_year + 1900;
	static const char *const gh[] = { "Year", "Grade", "Raised", "Closed", "Still open" };
	static const double gw[] = { 0.15, 0.25, 0.2, 0.2, 0.2 };
	pdf_table_begin(c->pdf, 5, gh, gw);
	for (int y = y0; y <= y1 && y - y0 < 10; y++) {
		for (size_t g = 0; g < m->policy->ngrades; g++) {
			size_t raised = 0, closed = 0, open = 0;
			for (size_t i = 0; i < m->nfindings; i++) {
				const smsaudit_finding *f = m->findings[i];
				time_t r = f->record->finding.raised_on;
				gmtime_r(&r, &tm);
				if (tm.tm_year + 1900 != y || !f->grade || strcmp(f->grade->id, m->policy->grades[g].id) != 0)
					continue;
				raised++;
				closed += f->phase == SMSAUDIT_PHASE_CLOSED;
				open += f->phase != SMSAUDIT_PHASE_CLOSED;
			}
			if (!raised)
				continue;
			char ys[24], a[24], b[24], o[24];
			snprintf(ys, sizeof(ys), "%d", y);
			snprintf(a, sizeof(a), "%zu", raised);
			snprintf(b, sizeof(b), "%zu", closed);
			snprintf(o, sizeof(o), "%zu", open);
			const char *cells[] = { ys, m->policy->grades[g].id, a, b, o };
			pdf_table_row(c->pdf, cells);
		}
	}
	pdf_table_end(c->pdf);

	/* Coverage across the cycle's audits. */
	if (m->nrotation) {
		pdf_heading(c->pdf, 2, "Coverage across the cycle");
		static const char *const ch[] = { "Unit", "Title", "Covered by" };
		static const double cw[] = { 0.1, 0.5, 0.4 };
		pdf_table_begin(c->pdf, 3, ch, cw);
		for (size_t i = 0; i < m->nrotation; i++) {
			const smsaudit_coverage_row *r = m->rotation[i];
			char by[160] = "";
			size_t used = 0;
			for (int k = 1; k <= 30 && used < sizeof(by); k++)
				if (r->covered & (1u << (k - 1))) {
					int wr = snprintf(by + used, sizeof(by) - used, "%ssurveillance %d", used ? ", " : "", k);
					used += wr > 0 ? (size_t)wr : 0;
				}
			if ((r->covered & (1u << SMSAUDIT_COVERAGE_RECERT_BIT)) && used < sizeof(by))
				snprintf(by + used, sizeof(by) - used, "%srecertification", used ? ", " : "");
			const char *cells[] = { r->unit->id, r->unit->title, by[0] ? by : "NOT COVERED" };
			pdf_table_row_marked(c->pdf, cells, 2, by[0] ? NULL : &C_GAP);
		}
		pdf_table_end(c->pdf);
	}
}

/* ---------------------------------------------------------------- evidence matrix */

/*
 * Clause → evidence: every assessable clause with its status and each piece
 * of evidence linked to it, the clause linking to its place in the clause by
 * clause section (else the evidence index) and the file to its readable copy
 * in the pack (evidence/<clause>/<id>-<name>), so any evidence is two clicks
 * from the bookmarks.
 */
static void do_evidence_matrix(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	sec_heading(c, "Clause to evidence matrix");
	pdf_para(c->pdf, PDF_SMALL, "A clause links to its detail in this report; a file opens the evidence itself, in "
	                            "the pack folder beside this PDF (index.html lists the same in a browser).");
	int has_detail = 0;
	for (size_t i = 0; i < smsaudit_report_def_count(c->def); i++)
		has_detail |= smsaudit_report_def_at(c->def, i)->kind == SMSAUDIT_SEC_CLAUSE_DETAIL;
	static const char *const h[] = { "Clause", "Title", "Status", "Evidence", "File in the pack" };
	static const double w[] = { 0.08, 0.2, 0.1, 0.24, 0.38 };
	pdf_table_begin(c->pdf, 5, h, w);
	for (size_t i = 0; i < m->nclauses; i++) {
		const smsaudit_gap_clause *g = m->clauses[i];
		if (!selected(c, g->clause->id))
			continue;
		char target[80], path[400];
		snprintf(target, sizeof(target), "#%s-%s", has_detail ? "clause" : "ev", g->clause->id);
		size_t shown = 0;
		for (size_t k = 0; k < m->nevidence; k++) {
			const smsaudit_evidence_entry *e = m->evidence[k];
			int linked = 0;
			for (size_t j = 0; j < e->record->evidence.ncontrols && !linked; j++)
				linked = strcmp(e->record->evidence.controls[j], g->clause->id) == 0;
			if (!linked)
				continue;
			if (shown >= MATRIX_MAX) {
				shown++; /* counted in the row below */
				continue;
			}
			smsaudit_pack_evidence_path(path, sizeof(path), g->clause->id, e);
			const char *cells[] = { shown ? "" : g->clause->id, shown ? "" : g->clause->title,
				                shown ? "" : smsaudit_gap_status_name(g->status), e->record->id, path };
			const char *links[] = { shown ? NULL : target, NULL, NULL, NULL, path };
			pdf_table_row_linked(c->pdf, cells, links);
			shown++;
		}
		if (shown > MATRIX_MAX) {
			char more[120], dir[100];
			snprintf(more, sizeof(more), "and %zu more", shown - MATRIX_MAX);
			snprintf(dir, sizeof(dir), "evidence/%s/ (all; index.html lists them)", g->clause->id);
			const char *cells[] = { "", "", "", more, dir };
			pdf_table_row(c->pdf, cells);
		}
		if (!shown) {
			const char *cells[] = { g->clause->id, g->clause->title, smsaudit_gap_status_name(g->status), "—", "" };
			const char *links[] = { target, NULL, NULL, NULL, NULL };
			pdf_table_row_linked(c->pdf, cells, links);
		}
	}
	pdf_table_end(c->pdf);
}

/* ---------------------------------------------------------------- audit plan */

typedef struct {
	const char *session;
	const char *clauses;   /* space-separated; "" for a meeting */
} agenda_block;

/* Whether a block concerns the audit's planned scope (no clauses planned: all do). */
static int block_in_scope(const ctx *c, const char *clauses)
{
	const smsaudit_audit_body *p = &c->audit->plan->audit;
	if (!p->nclauses || !*clauses)
		return 1;
	char ids[128];
	snprintf(ids, sizeof(ids), "%s", clauses);
	for (char *save = NULL, *t = strtok_r(ids, " ", &save); t; t = strtok_r(NULL, " ", &save))
		for (size_t k = 0; k < p->nclauses; k++)
			if (clause_under(t, p->clauses[k]) || clause_under(p->clauses[k], t))
				return 1;
	return 0;
}

/*
 * The audit plan of ISO/IEC 17021-1 9.2.3: objectives, criteria, scope, dates,
 * sites, team, and a proposed agenda that spreads the audit type's topics
 * over its days (opening meeting first, closing meeting last) for the
 * certification body to confirm or change.
 */
static void do_audit_plan(ctx *c)
{
	const smsaudit_pack_model *m = c->m;
	const smsaudit_audit *a = c->audit;
	const smsaudit_audit_body *p = &a->plan->audit;
	char buf[2048], f[11], t[11];
	sec_heading(c, "Audit plan");
	static const char *const objectives[] = {
		[SMSAUDIT_AUDIT_STAGE1] = "Review the documented SMS and its scope, the organisation's understanding of the "
		                          "requirements of clauses 4 to 10, that internal audits and management reviews are "
		                          "planned and performed, and whether the organisation is ready for stage 2.",
		[SMSAUDIT_AUDIT_STAGE2] = "Evaluate the implementation and effectiveness of the SMS against every requirement "
		                          "of clauses 4 to 10, with samples of the clause 8 processes.",
		[SMSAUDIT_AUDIT_SURVEILLANCE] = "Confirm that the certified SMS goes on meeting the requirements: internal "
		                                "audits and management review, actions on previous nonconformities, complaints, "
		                                "effectiveness against objectives, continual improvement, changes, use of marks, "
		                                "and this visit's rotation of processes.",
		[SMSAUDIT_AUDIT_RECERTIFICATION] = "Confirm the continued conformity and effectiveness of the whole SMS over the "
		                                   "cycle, for the renewal of certification.",
		[SMSAUDIT_AUDIT_SPECIAL] = "As planned for this special audit: the scope below.",
		[SMSAUDIT_AUDIT_INTERNAL] = "As planned for this internal audit: the scope below.",
	};
	smsaudit_audit_type type = p->type;
	pdf_field(c->pdf, "Objectives", (unsigned)type < sizeof(objectives) / sizeof(objectives[0]) ? objectives[type] : "");
	const char *amd = c->ci->namendments ? c->ci->amendments[0] : "";
	const char *cut = strstr(amd, ": ");
	snprintf(buf, sizeof(buf), "%s:%s%s%.*s, and the organisation's SMS documented information and records (this pack)",
	         c->ci->standard, c->ci->edition, *amd ? " + " : "", (int)(cut ? (size_t)(cut - amd) : strlen(amd)), amd);
	pdf_field(c->pdf, "Criteria", buf);
	join(buf, sizeof(buf), LIST(p->clauses), p->nclauses, " ");
	pdf_field(c->pdf, "Scope", p->nclauses ? buf
	                           : type == SMSAUDIT_AUDIT_SURVEILLANCE ? "the items examined at every surveillance and this "
	                                                                   "visit's rotation (see those sections)"
	                                                                 : "the whole standard, clauses 4 to 10");
	join(buf, sizeof(buf), p->nservices ? LIST(p->services) : m->services, p->nservices ? p->nservices : m->nservices, "; ");
	pdf_field(c->pdf, "Services", buf);
	join(buf, sizeof(buf), p->nsites ? LIST(p->sites) : m->sites, p->nsites ? p->nsites : m->nsites, "; ");
	pdf_field(c->pdf, "Sites", buf);
	snprintf(buf, sizeof(buf), "%s to %s", date_str(f, a->from), date_str(t, a->to));
	pdf_field(c->pdf, "Dates", buf);
	pdf_field(c->pdf, "Audit body", p->body && *p->body ? p->body : m->certification_body);
	pdf_field(c->pdf, "Lead auditor", p->lead ? person_name(c, p->lead) : "not named");
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->nteam && used < sizeof(buf); i++) {
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "; " : "", person_name(c, p->team[i]));
		used += w > 0 ? (size_t)w : 0;
	}
	pdf_field(c->pdf, "Team", p->nteam ? buf : "the lead auditor alone");

	/* The topics of the audit type, in the order they are audited. */
	static const agenda_block full[] = {
		{ "Context, scope and leadership", "4 5" }, { "Planning and support", "6 7" },
		{ "Operational planning and control; service portfolio", "8.1 8.2" },
		{ "Relationship and agreement", "8.3" }, { "Supply and demand", "8.4" },
		{ "Service design, build and transition", "8.5" }, { "Resolution and fulfilment", "8.6" },
		{ "Service assurance", "8.7" }, { "Performance evaluation", "9" }, { "Improvement", "10" },
	};
	static const agenda_block stage1[] = {
		{ "Context, scope and leadership: documented information", "4 5" },
		{ "Planning and support: documented information", "6 7" },
		{ "Operation: documented processes and policies", "8" },
		{ "Internal audit and management review, planned and performed", "9" },
		{ "Improvement; readiness for stage 2", "10" },
	};
	static const agenda_block surveillance[] = {
		{ "Internal audits and management review", "9.2 9.3" },
		{ "Actions on nonconformities from the previous audit", "10.1" },
		{ "Complaints", "8.3.2" }, { "Objectives and their effectiveness", "6.2 9.1" },
		{ "Continual improvement", "10.2" }, { "Changes to scope, services and other parties", "4.3 8.2.3" },
		{ "Rotation of processes for this visit (see the rotation section)", "8" },
		{ "Use of marks and references to the certificate", "" },
	};
	const agenda_block *blocks = type == SMSAUDIT_AUDIT_STAGE1 ? stage1
	                             : type == SMSAUDIT_AUDIT_SURVEILLANCE ? surveillance : full;
	size_t nblocks = type == SMSAUDIT_AUDIT_STAGE1 ? sizeof(stage1) / sizeof(stage1[0])
	                 : type == SMSAUDIT_AUDIT_SURVEILLANCE ? sizeof(surveillance) / sizeof(surveillance[0])
	                                                       : sizeof(full) / sizeof(full[0]);
	const agenda_block *kept[16];
	size_t nkept = 0;
	for (size_t i = 0; i < nblocks && nkept < 16; i++)
		if (block_in_scope(c, blocks[i].clauses))
			kept[nkept++] = &blocks[i];
	long days = a->to >= a->from ? (long)((a->to - a->from) / DAY) + 1 : 1;
	if (days > 10)
		days = 10;
	pdf_heading(c->pdf, 2, "Proposed agenda");
	pdf_para(c->pdf, PDF_SMALL, "Made from the audit record: the certification body's audit plan prevails, and sets "
	                            "the times and who audits what.");
	static const char *const h[] = { "Day", "Date", "Session", "Clauses" };
	static const double w[] = { 0.08, 0.14, 0.58, 0.2 };
	pdf_table_begin(c->pdf, 4, h, w);
	size_t next = 0;
	for (long d = 0; d < days; d++) {
		char day[24], date[11];
		snprintf(day, sizeof(day), "%ld", d + 1);
		date_str(date, a->from + d * DAY);
		if (d == 0) {
			const char *cells[] = { day, date, "Opening meeting", "" };
			pdf_table_row(c->pdf, cells);
		}
		/* The topics in order, as evenly as the days allow. */
		size_t until = (size_t)((d + 1) * (long)nkept / days);
		for (; next < until; next++) {
			const char *cells[] = { day, date, kept[next]->session, kept[next]->clauses };
			pdf_table_row(c->pdf, cells);
		}
		if (d == days - 1) {
			const char *cells[] = { day, date, "Auditors' review of findings; closing meeting", "" };
			pdf_table_row(c->pdf, cells);
		}
	}
	pdf_table_end(c->pdf);
}

/* The certification audit before this one: how it ended, and where its findings stand now. */
static void do_previous_audit(ctx *c)
{
	const smsaudit_audit *prev = c->m->previous;
	sec_heading(c, "The previous audit");
	if (!prev) {
		pdf_para(c->pdf, PDF_REGULAR, "No earlier certification audit is recorded: this is the first.");
		return;
	}
	const smsaudit_audit_body *p = &prev->plan->audit;
	char buf[600], f[11], t[11];
	pdf_field(c->pdf, "Audit", prev->plan->id);
	pdf_field(c->pdf, "Type", smsaudit_audit_type_name(p->type));
	snprintf(buf, sizeof(buf), "%s to %s (%s)", date_str(f, prev->from), date_str(t, prev->to),
	         smsaudit_audit_status_name(prev->status));
	pdf_field(c->pdf, "Dates", buf);
	pdf_field(c->pdf, "Lead auditor", p->lead ? person_name(c, p->lead) : "not named");
	const smsaudit_audit_body *k = prev->concluded ? &prev->concluded->audit : NULL;
	if (k) {
		pdf_field(c->pdf, "Recommendation", smsaudit_recommendation_name(k->recommendation));
		pdf_field(c->pdf, "Summary", k->summary);
		if (k->conditions)
			pdf_field(c->pdf, "Conditions", k->conditions);
		for (size_t i = 0; i < k->nconcerns; i++) {
			snprintf(buf, sizeof(buf), "Area of concern %zu", i + 1);
			pdf_field(c->pdf, buf, k->concerns[i]);
		}
	} else {
		pdf_para(c->pdf, PDF_REGULAR, "Not concluded by the as-of date: no recommendation is recorded.");
	}
	size_t n = 0, open = 0;
	for (size_t i = 0; i < c->m->nfindings; i++) {
		const smsaudit_finding *fi = c->m->findings[i];
		if (fi->audit && strcmp(fi->audit->id, prev->plan->id) == 0) {
			n++;
			open += fi->phase != SMSAUDIT_PHASE_CLOSED;
		}
	}
	pdf_heading(c->pdf, 2, "Its findings, as they stand now");
	pdf_paraf(c->pdf, PDF_REGULAR, "%zu finding%s raised at that audit: %zu closed, %zu not closed.", n, n == 1 ? "" : "s",
	          n - open, open);
	c->from_audit = prev->plan->id;
	findings_table(c, from_that_audit);
	c->from_audit = NULL;
}

/* A line of reports/verify-pack.sh with {anchor} and {sums} filled in. */
static void fill(ctx *c, const char *line, size_t len)
{
	size_t used = 0;
	c->text[0] = '\0';
	for (size_t i = 0; i < len && used + 70 < sizeof(c->text); i++) {
		const char *with = NULL;
		if (strncmp(line + i, "{anchor}", 8) == 0 && i + 8 <= len)
			with = c->m->anchor_sha256, i += 7;
		else if (strncmp(line + i, "{sums}", 6) == 0 && i + 6 <= len)
			with = c->m->sums_sha256, i += 5;
		if (with)
			used += (size_t)snprintf(c->text + used, sizeof(c->text) - used, "%s", with);
		else
			c->text[used++] = line[i];
		c->text[used] = '\0';
	}
}

/*
 * The appendix: reports/verify-pack.sh, the one source docs/verifying.md
 * shows too, with this pack's digests. Every command line is printed whole on
 * one line (pdf_code never wraps), so what is copied from the PDF runs.
 */
static void do_verification(ctx *c)
{
	sec_heading(c, "How to verify this pack");
	pdf_para(c->pdf, PDF_REGULAR,
	         "Everything below works offline, in the pack folder, with nothing but the folder. Each command is "
	         "printed whole on its own line (a line ending in \\ goes on on the next): copy the lines as they are.");
	size_t len = 0;
	const char *src = (const char *)embedded_get("verify-pack.sh", &len);
	for (const char *p = src, *end = src ? src + len : NULL; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= 2 && strncmp(p, "#:", 2) == 0) {
			/* a note on the file itself */
		} else if (n >= 3 && strncmp(p, "## ", 3) == 0) {
			fill(c, p + 3, n - 3);
			pdf_para(c->pdf, PDF_BOLD, c->text);
		} else if (n >= 3 && strncmp(p, "#= ", 3) == 0) {
			fill(c, p + 3, n - 3);
			pdf_paraf(c->pdf, PDF_SMALL, "Prints: %s", c->text);
		} else if (n == 0) {
			pdf_space(c->pdf, 6);
		} else {
			fill(c, p, n);
			pdf_code(c->pdf, c->text);
		}
		p += n + 1;
	}
	pdf_space(c->pdf, 6);
	pdf_para(c->pdf, PDF_REGULAR,
	         "A record's content file is named by its SHA-256 under content/, so sha256sum of it is the digest the "
	         "signed record states. Roles and separation of duties are checked by smsaudit verify-pack; the person "
	         "records under records/ state each signer's roles and certificate.");
}

typedef void (*section_fn)(ctx *c);
static const section_fn sections[SMSAUDIT_SEC__COUNT] = {
	[SMSAUDIT_SEC_COVER] = do_cover,
	[SMSAUDIT_SEC_CONTENTS] = do_contents,
	[SMSAUDIT_SEC_ORGANISATION] = do_organisation,
	[SMSAUDIT_SEC_CLAUSE_STATUS] = do_clause_status,
	[SMSAUDIT_SEC_EVIDENCE_INDEX] = do_evidence_index,
	[SMSAUDIT_SEC_FINDINGS] = do_findings,
	[SMSAUDIT_SEC_DOCUMENTED_INFO] = do_documented_info,
	[SMSAUDIT_SEC_READINESS] = do_readiness,
	[SMSAUDIT_SEC_AUDITS] = do_audits,
	[SMSAUDIT_SEC_CLAUSE_DETAIL] = do_clause_detail,
	[SMSAUDIT_SEC_SAMPLES] = do_samples,
	[SMSAUDIT_SEC_STAGE1_CONCERNS] = do_stage1_concerns,
	[SMSAUDIT_SEC_CHANGES] = do_changes,
	[SMSAUDIT_SEC_PREVIOUS_FINDINGS] = do_previous_findings,
	[SMSAUDIT_SEC_ROTATION] = do_rotation,
	[SMSAUDIT_SEC_MANDATORY] = do_mandatory,
	[SMSAUDIT_SEC_CYCLE_SUMMARY] = do_cycle_summary,
	[SMSAUDIT_SEC_VERIFICATION] = do_verification,
	[SMSAUDIT_SEC_AUDIT_PLAN] = do_audit_plan,
	[SMSAUDIT_SEC_PREVIOUS_AUDIT] = do_previous_audit,
	[SMSAUDIT_SEC_EVIDENCE_MATRIX] = do_evidence_matrix,
};

/* ---------------------------------------------------------------- driver */

/* One layout pass over the model. */
static int render_pass(pdf_doc **out, ctx *c, const pdf_doc *first, int shift)
{
	const smsaudit_pack_model *m = c->m;
	const smsaudit_report_def *def = c->def;
	char title[300], header[600], footer[300];
	snprintf(title, sizeof(title), "%s — %s", smsaudit_report_def_title(def), organisation(c) ? organisation(c) : "");
	snprintf(header, sizeof(header), "%.200s · %s · %s", m->organisation ? m->organisation : "",
	         smsaudit_report_def_title(def), c->audit->plan->id);
	snprintf(footer, sizeof(footer), "%s · manifest SHA256SUMS %.32s…", m->pack_id, m->sums_sha256);
	pdf_options po = { title, m->pack_id, m->signer, m->sums_sha256, m->created, header, footer,
		           first ? pdf_page_count(first) + shift : 0, NULL,
		           m->draft ? "DRAFT — NOT SEALED" : NULL };
	int rc = pdf_open(out, &po);
	if (rc == 0) {
		c->pdf = *out;
		c->first = first;
		c->shift = shift;
		const char *part = "";
		for (size_t i = 0; i < smsaudit_report_def_count(def); i++) {
			c->sec = smsaudit_report_def_at(def, i);
			if (strcmp(c->sec->part, part) != 0) {
				part = c->sec->part;
				if (*part)
					part_page(c, def, i);
				else
					pdf_part_end(c->pdf);
			}
			section_window(c);
			sections[c->sec->kind](c);
		}
	}
	c->pdf = NULL;
	return rc;
}

int smsaudit_report_render(smsaudit_buf *pdf, smsaudit_report_stats *stats, const smsaudit_pack_model *m)
{
	if (stats) {
		stats->pages = 0;
		stats->replaced = 0;
	}
	int rc = smsaudit_pack_model_check(m);
	if (rc < 0)
		return rc;
	ctx c;
	ctx_init(&c, m);
	pdf_doc *first = NULL, *final = NULL;
	rc = render_pass(&first, &c, NULL, 0);
	/* The contents of the first pass had no entries: the second pass's grows by its own pages. */
	int shift = 0;
	if (rc == 0) {
		size_t entries = pdf_toc_count(first);
		const double per_page = 44;   /* contents lines that fit on a page after its heading */
		shift = entries > 1 ? (int)((entries - 1 + per_page - 1) / per_page) - 1 : 0;
		if (shift < 0)
			shift = 0;
		rc = render_pass(&final, &c, first, shift);
	}
	if (rc == 0 && pdf_page_count(final) != pdf_page_count(first) + shift)
		rc = error_set(SMSAUDIT_ERROR, "report layout: the contents took %d pages more, %d expected",
		               pdf_page_count(final) - pdf_page_count(first), shift);
	if (rc == 0)
		rc = pdf_save(final, pdf);
	if (stats) {
		stats->pages = final ? pdf_page_count(final) : 0;
		stats->replaced = final ? pdf_replaced_count(final) : 0;
	}
	pdf_close(first);
	pdf_close(final);
	return rc;
}
