/*
 * smsaudit — gap analysis: for every assessable clause, is the organization
 * ready, and why (not)?
 *
 * A pure function of (catalogue, state of the repository at one commit, as-of
 * date). Each expected evidence item of the catalogue is satisfied by evidence
 * of that kind linked to the clause that verifies, is neither withdrawn nor
 * superseded, has not expired and — for records — covers a recent enough
 * period. Evidence that fails verification is never counted; it is listed as
 * excluded. A self-assessment can lower a clause's status, never raise it;
 * so can an open nonconformity (a major makes its clauses gaps, a minor keeps
 * them at most partial).
 */
#ifndef SMSAUDIT_GAP_H
#define SMSAUDIT_GAP_H

#include <stddef.h>
#include <time.h>

#include "catalogue.h"
#include "common.h"
#include "store.h"

typedef enum {
	SMSAUDIT_GAP_NOT_ASSESSED,  /* nothing evaluated: no evidence, no assessment */
	SMSAUDIT_GAP_GAP,
	SMSAUDIT_GAP_PARTIAL,
	SMSAUDIT_GAP_CONFORMANT
} smsaudit_gap_status;

/* "not-assessed", "gap", "partial", "conformant" */
const char *smsaudit_gap_status_name(smsaudit_gap_status s);

/* Why one piece of evidence does or does not count for an item. */
typedef enum {
	SMSAUDIT_CAND_OK,
	SMSAUDIT_CAND_INVALID,      /* signature, signer or content check failed */
	SMSAUDIT_CAND_WITHDRAWN,
	SMSAUDIT_CAND_SUPERSEDED,
	SMSAUDIT_CAND_EXPIRED,      /* valid-until before the as-of date */
	SMSAUDIT_CAND_STALE,        /* a record whose period ended too long ago */
	SMSAUDIT_CAND_NOT_YET       /* its period starts after the as-of date or, for a record
	                               of operation (an item with fresh-months), has not ended */
} smsaudit_gap_verdict;

typedef struct {
	const smsaudit_evidence_entry *evidence;
	smsaudit_gap_verdict verdict;
	time_t when;                /* EXPIRED: valid-until; STALE: end of the period (or signing date);
	                               NOT_YET: the period's first day (starts later) or last day;
	                               WITHDRAWN/SUPERSEDED: when that happened */
} smsaudit_gap_candidate;

/* One line explaining a candidate: "expired on 2026-03-31", "superseded by ev-... on ...". */
void smsaudit_gap_candidate_explain(char *buf, size_t size, const smsaudit_gap_candidate *c);

typedef struct {
	char id[64];                       /* the catalogue item id, or "8.2.3+<clause>" for a process run by another party */
	smsaudit_evidence_kind kind;       /* for 8.2.3+<clause> items: any kind counts */
	int any_kind;
	int is_explicit;
	smsaudit_audit_stage stage;
	int fresh_months;                  /* 0: no freshness limit */
	const char *what;
	int satisfied;
	const smsaudit_gap_candidate *candidates;  /* the ones that count first, then newest first */
	size_t ncandidates;
	char reason[400];                  /* one line: what satisfied it, or why nothing does */
} smsaudit_gap_item;

typedef struct {
	const smsaudit_clause *clause;
	smsaudit_gap_status status;
	const char *const *reasons;        /* one line each, most important first */
	size_t nreasons;
	const smsaudit_gap_item *items;
	size_t nitems;
	const smsaudit_record *assessment; /* the latest self-assessment at the as-of date, or NULL */
	const char *assessed_by;           /* its signer's email */
	const char *other_party;           /* who operates the process (from that assessment), or NULL */
	size_t nexcluded;                  /* linked evidence not counted because it fails verification */
	size_t nopen_major, nopen_minor;   /* open nonconformities naming this clause (a major: gap; a minor: at most partial) */
} smsaudit_gap_clause;

typedef struct {
	const smsaudit_clause *clause;     /* a top-level clause 4..10, or NULL for the whole SMS */
	size_t total, conformant, partial, gap, not_assessed;
	double readiness;                  /* (conformant + partial / 2) / total, 0..1 */
} smsaudit_gap_rollup;

typedef struct {
	const char *text;                  /* what is required */
	int met;
	const char *detail;                /* why (not): missing item ids, evidence ids */
} smsaudit_gap_criterion;

typedef struct {
	int ready;
	const smsaudit_gap_criterion *criteria;
	size_t ncriteria;
} smsaudit_gap_readiness;

typedef struct smsaudit_gap smsaudit_gap;

typedef struct {
	time_t as_of;                      /* the date evaluated (00:00Z); records made later that day count */
	/* 1: each item keeps its verdict, reason and number of candidates but
	 * not the candidates themselves (NULL): a gap only compared with another
	 * (status's later windows) then holds no list of 100,000 records. */
	int verdicts_only;
} smsaudit_gap_options;

#define SMSAUDIT_GAP_OPTIONS_INIT { 0 }

/* The last day a satisfied item stays satisfied if nothing new is recorded:
 * the latest, over the evidence that counts now, of the day it expires or its
 * period stops being fresh enough (the same rules as the analysis); 0 when it
 * is not satisfied or something counts with no end, and in a gap computed
 * with verdicts_only (it has no candidates to look at). */
time_t smsaudit_gap_item_counts_until(const smsaudit_gap_item *it);

/* The state must come from a store with the same catalogue; it must outlive the result. */
int smsaudit_gap_compute(smsaudit_gap **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                         const smsaudit_gap_options *opts);
void smsaudit_gap_free(smsaudit_gap *gap);

time_t smsaudit_gap_as_of(const smsaudit_gap *gap);
/* Assessable clauses in catalogue order. */
size_t smsaudit_gap_clause_count(const smsaudit_gap *gap);
const smsaudit_gap_clause *smsaudit_gap_clause_at(const smsaudit_gap *gap, size_t i);
/* By id; an id that is not an assessable clause is SMSAUDIT_ENOTFOUND or SMSAUDIT_EINVALID, with a message. */
int smsaudit_gap_find(const smsaudit_gap_clause **out, const smsaudit_gap *gap, const char *id);
/* Top-level clauses 4..10 in order; smsaudit_gap_overall() for the whole SMS. */
size_t smsaudit_gap_rollup_count(const smsaudit_gap *gap);
const smsaudit_gap_rollup *smsaudit_gap_rollup_at(const smsaudit_gap *gap, size_t i);
const smsaudit_gap_rollup *smsaudit_gap_overall(const smsaudit_gap *gap);
/* Readiness for stage 1 or stage 2. */
const smsaudit_gap_readiness *smsaudit_gap_stage(const smsaudit_gap *gap, smsaudit_audit_stage stage);
/* Evidence records that fail verification (excluded everywhere), and problems found in the repository. */
size_t smsaudit_gap_excluded_count(const smsaudit_gap *gap);
size_t smsaudit_gap_problem_count(const smsaudit_gap *gap);

#endif
