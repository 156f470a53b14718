/*
 * The static HTML of packs and of the read-only site (html.h).
 */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "smsaudit/catalogue.h"
#include "smsaudit/packmodel.h"

int html_esc(smsaudit_buf *b, const char *s)
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

int html_cell(smsaudit_buf *b, const char *s)
{
	int rc = buf_puts(b, "<td>");
	if (rc == 0)
		rc = html_esc(b, s);
	return rc == 0 ? buf_puts(b, "</td>") : rc;
}

int html_page_begin(smsaudit_buf *b, const char *title)
{
	int rc = buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	                     "style-src 'unsafe-inline'; img-src 'none'\">\n<title>");
	if (rc == 0)
		rc = html_esc(b, title);
	if (rc == 0)
		rc = buf_puts(b, "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
		                 "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;"
		                 "padding:.2em .4em;text-align:left;vertical-align:top;font-size:90%}"
		                 "code{font-size:85%}.draft{color:#b00;font-weight:bold}</style>\n</head>\n<body>\n");
	return rc;
}

int html_page_end(smsaudit_buf *b)
{
	return buf_puts(b, "</body>\n</html>\n");
}

const char *html_evidence_status(const smsaudit_evidence_entry *e)
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

int html_evidence_table(smsaudit_buf *b, const smsaudit_evidence_entry *const *ev, size_t count, const char *clause,
                        const char *prefix)
{
	int rc = 0;
	size_t n = 0;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		const smsaudit_evidence_entry *e = ev[i];
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
			rc = html_esc(b, prefix);
		if (rc == 0)
			rc = html_esc(b, path);
		if (rc == 0)
			rc = buf_puts(b, "\">");
		if (rc == 0)
			rc = html_esc(b, eb->name && *eb->name ? eb->name : "content");
		if (rc == 0)
			rc = buf_puts(b, "</a></td>");
		const char *cells[] = { e->record->id, eb->title, smsaudit_evidence_kind_name(eb->kind), period,
			                e->signer_name, at, html_evidence_status(e) };
		for (size_t k = 0; rc == 0 && k < sizeof(cells) / sizeof(cells[0]); k++)
			rc = html_cell(b, cells[k]);
		if (rc == 0)
			rc = buf_printf(b, "<td><code>%s</code></td></tr>\n", eb->sha256);
	}
	if (rc == 0)
		rc = buf_puts(b, n ? "</table>\n" : "<p>No evidence linked.</p>\n");
	return rc;
}
