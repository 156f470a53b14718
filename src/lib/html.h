/*
 * The static HTML both a pack's index.html (packhtml.c) and the read-only
 * site (site.c) are made of: escaped text, the page's head (no script, no
 * style sheet, font or image from anywhere: a Content-Security-Policy that
 * forbids them), and the evidence table with links to the readable copies.
 * Every function appends to `b` and returns 0 or SMSAUDIT_ENOMEM.
 */
#ifndef SMSAUDIT_HTML_H
#define SMSAUDIT_HTML_H

#include "internal.h"
#include "smsaudit/store.h"

/* Text for an element or a quoted attribute. */
int html_esc(smsaudit_buf *b, const char *s);
/* <td>text</td> */
int html_cell(smsaudit_buf *b, const char *s);
/* From <!DOCTYPE html> to the opening of <body>, with `title` in <title>. */
int html_page_begin(smsaudit_buf *b, const char *title);
int html_page_end(smsaudit_buf *b);
/* "valid", "valid; superseded", "valid; withdrawn" or "FAILED verification". */
const char *html_evidence_status(const smsaudit_evidence_entry *e);
/*
 * The evidence of `ev` linked to `clause`, one row each: a link to its copy
 * (`prefix` then smsaudit_pack_evidence_path's name), id, title, kind,
 * period, signer, signing time, whether it verifies, SHA-256; "No evidence
 * linked." when there is none.
 */
int html_evidence_table(smsaudit_buf *b, const smsaudit_evidence_entry *const *ev, size_t n, const char *clause,
                        const char *prefix);

#endif
