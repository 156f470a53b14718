/*
 * index.html of a pack (packhtml.h): escaped text, relative links, no script.
 */
#include <stdio.h>
#include <string.h>

#include "smsaudit/audit.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"
#include "smsaudit/packhtml.h"
#include "html.h"
#include "internal.h"

#define HTML_PIECE (256u << 10)

/* Hand what is in `b` to `write` once it is large enough (or `last`); without
 * a `write` the whole page stays in `b`. */
static int flush_piece(smsaudit_buf *b, smsaudit_pack_html_write_fn write, void *u, int last)
{
	if (!write || (!last && b->size < HTML_PIECE) || b->size == 0)
		return 0;
	int rc = write(b->ptr, b->size, u);
	b->size = 0;
	return rc;
}

static int pack_html(smsaudit_buf *out, const smsaudit_pack_model *m, smsaudit_pack_html_write_fn write, void *u);

int smsaudit_pack_html(smsaudit_buf *out, const smsaudit_pack_model *m)
{
	return pack_html(out, m, NULL, NULL);
}

int smsaudit_pack_html_write(const smsaudit_pack_model *m, smsaudit_pack_html_write_fn write, void *u)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = pack_html(&b, m, write, u);
	if (rc == 0)
		rc = flush_piece(&b, write, u, 1);
	smsaudit_buf_dispose(&b);
	return rc;
}

static int pack_html(smsaudit_buf *out, const smsaudit_pack_model *m, smsaudit_pack_html_write_fn write, void *u)
{
	int rc = smsaudit_pack_model_check(m);
	if (rc < 0)
		return rc;
	smsaudit_buf *b = out;
	const char *org = m->organisation ? m->organisation : m->repository_organisation;
	const char *title = smsaudit_report_def_title(m->definition);
	char d[11];
	smsaudit_date_format(d, m->as_of);
	char page_title[600];
	snprintf(page_title, sizeof(page_title), "%s — %s", title ? title : "", org ? org : "");
	rc = html_page_begin(b, page_title);
	if (rc == 0)
		rc = buf_puts(b, "<h1>");
	if (rc == 0)
		rc = html_esc(b, title);
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
			rc = html_esc(b, fields[i][0]);
		if (rc == 0)
			rc = buf_puts(b, "</th>");
		if (rc == 0)
			rc = html_cell(b, fields[i][1]);
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
			rc = html_esc(b, g->clause->id);
		if (rc == 0)
			rc = buf_puts(b, " ");
		if (rc == 0)
			rc = html_esc(b, g->clause->title);
		if (rc == 0)
			rc = buf_printf(b, " — <span class=\"status\">%s</span></h3>\n", smsaudit_gap_status_name(g->status));
		if (rc == 0)
			rc = html_evidence_table(b, m->evidence, m->nevidence, g->clause->id, "");
		if (rc == 0)
			rc = flush_piece(b, write, u, 0);
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
			rc = html_cell(b, cells[k]);
		if (rc == 0)
			rc = buf_puts(b, "</tr>\n");
	}
	if (rc == 0)
		rc = buf_puts(b, m->nfindings ? "</table>\n" : "<p>None.</p>\n");
	if (rc == 0)
		rc = html_page_end(b);
	return rc < 0 ? rc : 0;
}
