/*
 * smsaudit — a read-only site: the SMS at a date as static HTML pages for
 * people who will never install the tool (auditees, auditors, managers).
 *
 * index.html (status at a glance), gap.html (every assessable clause with its
 * status and reasons), evidence.html (each clause's evidence, rendered as a
 * pack's index.html renders it, with links to readable copies of the files
 * under evidence/), findings.html (each finding with its history), audits.html
 * and cycle.html. No script, no style sheet, font or image from anywhere, no
 * network: the pages work from a file share or any web server. The folder is
 * written beside its place and renamed into it, so it is never half there.
 */
#ifndef SMSAUDIT_SITE_H
#define SMSAUDIT_SITE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "catalogue.h"
#include "common.h"
#include "store.h"

typedef struct {
	size_t pages;              /* HTML pages written */
	size_t files;              /* evidence copies, one per clause each is linked to (hard links where possible) */
	uint64_t bytes;            /* read out of the repository for them */
} smsaudit_site_result;

/*
 * Write the site of `st` (the state at the commit wanted) as of `as_of` (a
 * date) into `dir`, which must not exist or be empty. SMSAUDIT_EEXISTS when
 * it holds anything; nothing is left behind on any error.
 */
int smsaudit_site_write(smsaudit_site_result *out, smsaudit_store *store, const smsaudit_state *st, time_t as_of,
                        const char *dir);

#endif
