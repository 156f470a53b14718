/*
 * index.html of a pack (packhtml.h): escaped text, relative links, no script.
 */
#include <stdio.h>
#include <string.h>

#include "smsaudit/audit.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"
#include "smsaudit/packhtml.h"
#include "internal.h"

/* Text for an element or a quoted attribute. */
static int esc(smsaudit_buf *b, const char *s)
{
	int rc = 0;
	for (const char *p = s ? s : ""; rc == 0 && *p; p++) {
		switch (*p) {
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		case '"': rc = buf_puts(b, "&quot;"); break;
		case '\'': rc = buf_puts(b, "&#39;"); break;
		default: rc = buf_put(b, p, 1); break;
		}
	}
	return rc;
}

static int cell(smsaudit_buf *b, const char *s)
{
	int rc = buf_puts(b, "<td>");
	if (rc == 0)
		rc = esc(b, s);
	return rc == 0 ? buf_puts(b, "</td>") : rc;
}

static const char *evidence_status(const smsaudit_evidence_entry *e)
{
	return !e->valid ? "FAILED verification" : e->status == SMSAUDIT_EV_SUPERSEDED ? "valid; superseded"
	       : e->status == SMSAUDIT_EV_WITHDRAWN ? "valid; withdrawn" : "valid";
}

static int links_to(const smsaudit_evidence_entry *e, const char *clause)
{
	for (size_t j = 0; j < e->record->evidence.ncontrols; j++)
		if (strcmp(e->record->evidence.controls[j], clause) == 0)
			return 1;
	return 0;
}

static int evidence_rows(smsaudit_buf *b, const smsaudit_pack_model *m, const char *clause)
{
	int rc = 0;
	size_t n = 0;
	for (size_t i = 0; rc == 0 && i < m->nevidence; i++) {
		const smsaudit_evidence_entry *e = m->evidence[i];
		if (!links_to(e, clause))
			continue;
		const smsaudit_evidence_body *eb = &e->record->evidence;
		if (!n++)
			rc = buf_puts(b, "<table><tr><th>File</th><th>Id</th><th>Title</th><th>Kind</th><th>Period</th>"
			                 "<th>Signer</th><th>Signed at</th><th>Signature</th><th>SHA-256</th></tr>\n");
		char path[400], period[40] = "", f[11], t[11], at[32];
		smsaudit_pack_evidence_path(path, sizeof(path), clause, e);
		if (eb->has_period) {
			smsaudit_date_format(f, eb->period_from);
			smsaudit_date_format(t, eb->period_to);
			snprintf(period, sizeof(period), "%s to %s", f, t);
		} else if (eb->valid_until) {
			smsaudit_date_format(t, eb->valid_until);
			snprintf(period, sizeof(period), "until %s", t);
		}
		smsaudit_time_format(at, e->record->made_at);
		if (rc == 0)
			rc = buf_puts(b, "<tr class=\"evidence\"><td><a href=\"");
		if (rc == 0)
			rc = esc(b, path);
		if (rc == 0)
			rc = buf_puts(b, "\">");
		if (rc == 0)
			rc = esc(b, eb->name && *eb->name ? eb->name : "content");
		if (rc == 0)
			rc = buf_puts(b, "</a></td>");
		const char *cells[] = { e->record->id, eb->title, smsaudit_evidence_kind_name(eb->kind), period,
			                e->signer_name, at, evidence_status(e) };
		for (size_t k = 0; rc == 0 && k < sizeof(cells) / sizeof(cells[0]); k++)
			rc = cell(b, cells[k]);
		if (rc == 0)
			rc = buf_printf(b, "<td><code>%s</code></td></tr>\n", eb->sha256);
	}
	if (rc == 0)
		rc = buf_puts(b, n ? "</table>\n" : "<p>No evidence linked.</p>\n");
	return rc;
}

int smsaudit_pack_html(smsaudit_buf *out, const smsaudit_pack_model *m)
{
	int rc = smsaudit_pack_model_check(m);
	if (rc < 0)
		return rc;
	smsaudit_buf *b = out;
	const char *org = m->organisation ? m->organisation : m->repository_organisation;
	const char *title = smsaudit_report_def_title(m->definition);
	char d[11];
	smsaudit_date_format(d, m->as_of);
	rc = buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	                 "style-src 'unsafe-inline'; img-src 'none'\">\n<title>");
	if (rc == 0)
		rc = esc(b, title);
	if (rc == 0)
		rc = buf_puts(b, " — ");
	if (rc == 0)
		rc = esc(b, org);
	if (rc == 0)
		rc = buf_puts(b, "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
		                 "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;"
		                 "padding:.2em .4em;text-align:left;vertical-align:top;font-size:90%}"
		                 "code{font-size:85%}.draft{color:#b00;font-weight:bold}</style>\n</head>\n<body>\n<h1>");
	if (rc == 0)
		rc = esc(b, title);
	if (rc == 0)
		rc = buf_puts(b, "</h1>\n");
	if (rc == 0 && m->draft)
		rc = buf_puts(b, "<p class=\"draft\" id=\"draft\">DRAFT — NOT SEALED</p>\n");
	if (rc == 0)
		rc = buf_puts(b, "<table id=\"pack\">\n");
	const char *fields[][2] = {
		{ "Organisation", org },
		{ "Audit", m->audit->plan->id },
		{ "Audit type", smsaudit_audit_type_name(m->audit->plan->audit.type) },
		{ "Pack", m->pack_id },
		{ "As of", d },
		{ "Source commit", m->commit },
		{ "Trust anchor SHA-256", m->anchor_sha256 },
		{ m->draft ? "Prepared by" : "Sealed by", m->signer },
	};
	for (size_t i = 0; rc == 0 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		rc = buf_puts(b, "<tr><th>");
		if (rc == 0)
			rc = esc(b, fields[i][0]);
		if (rc == 0)
			rc = buf_puts(b, "</th>");
		if (rc == 0)
			rc = cell(b, fields[i][1]);
		if (rc == 0)
			rc = buf_puts(b, "</tr>\n");
	}
	if (rc == 0)
		rc = buf_puts(b, "</table>\n<p>The report: <a href=\"pack.pdf\">pack.pdf</a>. Every file with its SHA-256: "
		                 "<a href=\"manifest.xml\">manifest.xml</a> (signed: manifest.xml.p7s) and "
		                 "<a href=\"SHA256SUMS\">SHA256SUMS</a>. Each evidence file below is the content its signed "
		                 "record vouches for (its SHA-256 is shown); <code>smsaudit verify-pack</code> checks them "
		                 "all.</p>\n<h2 id=\"clauses\">Clauses and their evidence</h2>\n");
	for (size_t i = 0; rc == 0 && i < m->nclauses; i++) {
		const smsaudit_gap_clause *g = m->clauses[i];
		rc = buf_printf(b, "<h3 id=\"clause-%s\" class=\"clause\">", g->clause->id);
		if (rc == 0)
			rc = esc(b, g->clause->id);
		if (rc == 0)
			rc = buf_puts(b, " ");
		if (rc == 0)
			rc = esc(b, g->clause->title);
		if (rc == 0)
			rc = buf_printf(b, " — <span class=\"status\">%s</span></h3>\n", smsaudit_gap_status_name(g->status));
		if (rc == 0)
			rc = evidence_rows(b, m, g->clause->id);
	}
	if (rc == 0)
		rc = buf_puts(b, "<h2 id=\"findings\">Findings</h2>\n");
	if (rc == 0 && m->nfindings)
		rc = buf_puts(b, "<table><tr><th>Number</th><th>Grade</th><th>Source</th><th>Raised</th><th>Clauses</th>"
		                 "<th>Statement</th><th>Phase</th></tr>\n");
	for (size_t i = 0; rc == 0 && i < m->nfindings; i++) {
		const smsaudit_finding *f = m->findings[i];
		const smsaudit_finding_body *fb = &f->record->finding;
		char raised[11], clauses[300] = "";
		smsaudit_date_format(raised, fb->raised_on);
		size_t used = 0;
		for (size_t k = 0; k < fb->nclauses && used < sizeof(clauses); k++) {
			int w = snprintf(clauses + used, sizeof(clauses) - used, "%s%s", k ? " " : "", fb->clauses[k]);
			used += w > 0 ? (size_t)w : 0;
		}
		rc = buf_puts(b, "<tr class=\"finding\">");
		const char *cells[] = { f->number, f->grade ? f->grade->id : fb->grade, smsaudit_finding_source_name(fb->source),
			                raised, clauses, fb->statement, smsaudit_finding_phase_name(f->phase) };
		for (size_t k = 0; rc == 0 && k < sizeof(cells) / sizeof(cells[0]); k++)
			rc = cell(b, cells[k]);
		if (rc == 0)
			rc = buf_puts(b, "</tr>\n");
	}
	if (rc == 0)
		rc = buf_puts(b, m->nfindings ? "</table>\n" : "<p>None.</p>\n");
	if (rc == 0)
		rc = buf_puts(b, "</body>\n</html>\n");
	return rc < 0 ? rc : 0;
}
