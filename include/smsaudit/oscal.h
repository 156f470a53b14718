/*
 * smsaudit — NIST OSCAL 1.2.2 exports (XML): the catalogue as a catalog, the
 * gap analysis as assessment results, open findings as a plan of action and
 * milestones (POA&M).
 *
 * Pure functions of (catalogue, state at one commit, as-of date): nothing is
 * judged here, the statuses are the gap analysis' and the findings' own.
 * Every UUID is a name-based (version 5) UUID of what it stands for (a clause,
 * a record id, a finding's action, the commit and date of an analysis), so the
 * same records give the same UUIDs on every run and every machine. Statements
 * are the catalogue's paraphrases, never the standard's text. What OSCAL has
 * no field for (evidence kinds, audit stages, gap statuses, grades) is a
 * `prop` in the namespace SMSAUDIT_OSCAL_NS. The documents are written with
 * the canonical XML writer (xml.h).
 */
#ifndef SMSAUDIT_OSCAL_H
#define SMSAUDIT_OSCAL_H

#include <time.h>

#include "catalogue.h"
#include "store.h"
#include "xml.h"

#define SMSAUDIT_OSCAL_VERSION "1.2.2"
#define SMSAUDIT_OSCAL_NS "urn:smsaudit:oscal"

/* A version 5 UUID (RFC 9562: SHA-1, name-based) of `name` in smsaudit's own
 * namespace, lower-case, e.g. "3f2b…-5…". */
int smsaudit_uuid_v5(char out[37], const char *name);

typedef struct {
	time_t as_of;              /* the date analysed (assessment results, POA&M) */
	time_t now;                /* metadata/last-modified */
	const char *organisation;  /* for titles; NULL: none */
} smsaudit_oscal_options;

#define SMSAUDIT_OSCAL_OPTIONS_INIT { 0, 0, NULL }

/* The catalogue: clauses 4–10 as groups, the others as controls (nested as in
 * the standard), each with its title, label and paraphrase (part "statement"),
 * and the documented information it expects (parts "expected-evidence" with
 * kind, stage and freshness as props). Appends to `out`. */
int smsaudit_oscal_catalog(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_oscal_options *o);

/* The gap analysis at the as-of date as one result: an observation per piece
 * of evidence judged (cited by its record path and content SHA-256, with
 * whether it counts and why), and a finding per assessable clause whose
 * target status is satisfied when the clause is conformant, with its reasons
 * and the observations behind it. */
int smsaudit_oscal_assessment_results(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                                      const smsaudit_oscal_options *o);

/* The findings open at the as-of date as risks (statement, clauses, status,
 * the next deadline, each corrective action as a planned or completed
 * response with its due date, the steps as a risk log) and one POA&M item
 * each, with the evidence they cite as observations. OSCAL requires at least
 * one item: with no open finding this is SMSAUDIT_ENOTFOUND. */
int smsaudit_oscal_poam(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                        const smsaudit_oscal_options *o);

#endif
