/*
 * smsaudit — a pack's index.html: the pack model as one static page an
 * auditor opens in any browser, offline.
 *
 * It lists the pack (organisation, audit, as-of date, source commit, trust
 * anchor), every assessable clause with its status and the evidence linked to
 * it — each a link to its readable copy under evidence/ (the name
 * smsaudit_pack_evidence_path gives), with its id, title, kind, period,
 * signer, signing time, SHA-256 and whether it verifies — and the findings
 * with their phase. No script, no style sheet or font from elsewhere, no
 * network: links are relative paths inside the pack. Like the PDF it is a
 * function of the model alone, so the same model gives the same bytes.
 */
#ifndef SMSAUDIT_PACKHTML_H
#define SMSAUDIT_PACKHTML_H

#include "common.h"
#include "packmodel.h"

int smsaudit_pack_html(smsaudit_buf *out, const smsaudit_pack_model *m);

/* The same page handed to `write` in pieces as it is made (a clause at a
 * time, about 256 KiB each), never whole: at 100,000 records it is tens of
 * MB. An error of `write` stops the page and is returned. */
typedef int (*smsaudit_pack_html_write_fn)(const char *data, size_t len, void *u);
int smsaudit_pack_html_write(const smsaudit_pack_model *m, smsaudit_pack_html_write_fn write, void *u);

#endif
