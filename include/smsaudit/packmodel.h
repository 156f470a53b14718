/*
 * smsaudit — the pack model: everything an audit pack shows, built once per
 * pack from one loaded state.
 *
 * smsaudit_pack_model_build() runs every analysis a pack needs (the audits
 * and findings at the as-of date, the gap analysis, the cycle and its
 * rotation, the readiness trend, the changes since the previous certification
 * audit) and reads the SMS description in force, once. The report
 * (report.h) and the manifest are laid out from the model alone: they read no
 * store, repository or state, so they are the same for the same model, and a
 * model can be made by hand (a test, another front end) without a repository.
 *
 * The model is plain data. Every list is an array of pointers with its count
 * (an empty list may be NULL with count 0); the structs pointed to are the
 * library's public ones. A built model owns what they point into until
 * smsaudit_pack_model_dispose(); a model made by hand owns nothing.
 */
#ifndef SMSAUDIT_PACKMODEL_H
#define SMSAUDIT_PACKMODEL_H

#include <stddef.h>
#include <time.h>

#include "audit.h"
#include "catalogue.h"
#include "common.h"
#include "cycle.h"
#include "finding.h"
#include "gap.h"
#include "report.h"
#include "sms.h"
#include "store.h"

/* Evidence added, superseded, withdrawn or restored since the previous certification audit. */
typedef struct {
	const char *change;                       /* "added", "superseded", "withdrawn", "restored" */
	const smsaudit_evidence_entry *evidence;  /* as it stands at the pack's commit */
	time_t when;                              /* signed (added), or the status change */
} smsaudit_pack_evidence_change;

/* A finding raised, progressed or closed since then. */
typedef struct {
	const char *change;                       /* "raised", "progressed", "closed" */
	const smsaudit_finding *finding;          /* as it stands at the as-of date */
} smsaudit_pack_finding_change;

/* A person granted or revoked since then. */
typedef struct {
	int revoked;                              /* 0: granted since, 1: revoked since */
	const smsaudit_person_entry *person;
} smsaudit_pack_person_change;

/* The whole SMS's readiness at the end of one concluded certification audit. */
typedef struct {
	const smsaudit_audit *audit;
	smsaudit_gap_rollup overall;
} smsaudit_pack_readiness;

typedef struct smsaudit_pack_model_owned smsaudit_pack_model_owned;

typedef struct smsaudit_pack_model {
	/* ---- the pack: the builder sets its id, commit, anchor and date;
	 * smsaudit_pack_build the signer, the PDF dates and, once SHA256SUMS is
	 * written, its digest */
	char pack_id[80];
	char commit[41];                  /* 40 hex */
	char anchor_sha256[65];
	char sums_sha256[65];             /* SHA-256 of SHA256SUMS, the digest on every page */
	const char *signer;               /* the quality manager who seals it */
	int draft;                        /* not sealed: DRAFT on every page and in the manifest */
	time_t as_of;                     /* a date */
	time_t created;                   /* the PDF's dates */

	/* ---- what it is laid out by, and against */
	const smsaudit_report_def *definition;
	const smsaudit_catalogue *catalogue;

	/* ---- the SMS description in force at the commit; NULL when it cannot be read */
	const char *organisation, *scope, *certification_body;
	const char *const *services;
	size_t nservices;
	const char *const *sites;
	size_t nsites;
	const char *repository_organisation;  /* smsaudit.xml of the first commit, which never changes */
	const smsaudit_sms_policy *policy;

	/* ---- the records at the commit */
	const smsaudit_person_entry *const *people;      /* every grant; `current`: the latest per person */
	size_t npeople;
	const smsaudit_evidence_entry *const *evidence;  /* every evidence record, failing ones included */
	size_t nevidence;
	const smsaudit_problem *const *problems;         /* why records fail verification */
	size_t nproblems;
	/* per evidence record (same index): the data rows of a ticket export (a
	 * record whose content is text/csv, up to 16 MiB: lines after the header),
	 * each a population item of a process sample; 0 for anything else.
	 * NULL: none counted (a model made by hand). */
	const size_t *csv_rows;

	/* ---- at the as-of date */
	const smsaudit_finding *const *findings;         /* in raising order */
	size_t nfindings;
	const smsaudit_audit *const *audits;             /* by date */
	size_t naudits;
	const smsaudit_audit *audit;                     /* the audit the pack is for (one of `audits`) */
	const smsaudit_audit *previous;                  /* the certification audit before it, NULL: none */

	/* ---- the gap analysis at the as-of date */
	const smsaudit_gap_clause *const *clauses;       /* assessable clauses, catalogue order */
	size_t nclauses;
	const smsaudit_gap_rollup *const *rollups;       /* clauses 4..10 */
	size_t nrollups;
	smsaudit_gap_rollup overall;
	smsaudit_gap_readiness stage1, stage2;

	/* ---- the certification cycle at the as-of date */
	smsaudit_cycle_phase phase;
	time_t decision, expiry;                         /* 0: uncertified */
	time_t cycle_from;                               /* the first day of the certification audit that led
	                                                    to the decision (its stage 1, or the recertification
	                                                    audit), else the decision; 0: uncertified */
	const smsaudit_record *certificate;              /* the certificate record in force, NULL: none */
	int surveillances;                               /* in the cycle */
	int surveillance;                                /* the pack's audit's number among them, 0: none */
	const smsaudit_cycle_item *const *cycle_items;
	size_t ncycle_items;
	const smsaudit_coverage_row *const *rotation;    /* the surveillance rotation over the cycle */
	size_t nrotation;

	/* ---- readiness at each concluded certification audit the definition's
	 * cycle summaries reach back to (the as-of date's is `overall`) */
	const smsaudit_pack_readiness *const *trend;
	size_t ntrend;

	/* ---- changes since the previous certification audit's commit (its
	 * audit/<id> tag, else its last day's); only when the definition has a
	 * changes section and there is a previous audit */
	int has_changes;
	char changes_from[41];                           /* that commit */
	const char *changes_audit;                       /* that audit's id */
	const smsaudit_pack_evidence_change *const *evidence_changes;
	size_t nevidence_changes;
	const smsaudit_pack_finding_change *const *finding_changes;
	size_t nfinding_changes;
	const smsaudit_pack_person_change *const *people_changes;
	size_t npeople_changes;
	/* the organisation's own changes in that period (scope, sites, services,
	 * body, deadlines, cycle, grades, people, certificate), with their reasons */
	const smsaudit_org_change *org_changes;
	size_t norg_changes;

	smsaudit_pack_model_owned *owned;                /* NULL for a model made by hand */
} smsaudit_pack_model;

typedef struct {
	const char *audit;                /* the audit's id or a unique prefix */
	time_t as_of;                     /* a date: audits and findings as they stood at its end */
	const char *definition;           /* a pack definition file; NULL: the one shipped for the audit's type */
} smsaudit_pack_model_options;

#define SMSAUDIT_PACK_MODEL_OPTIONS_INIT { NULL, 0, NULL }

/*
 * Build the model of a pack from `st`, the state at the pack's commit (loaded
 * once by the caller, who keeps it until the model is disposed of). The
 * state at the previous certification audit's commit is loaded here, and only
 * when the definition has a changes section. An unknown audit, or a
 * definition that is broken or for another audit type, is refused before
 * anything else is computed. On error `out` holds nothing to dispose of.
 */
int smsaudit_pack_model_build(smsaudit_pack_model *out, smsaudit_store *store, const smsaudit_state *st,
                              const smsaudit_pack_model_options *o);
void smsaudit_pack_model_dispose(smsaudit_pack_model *m);

/*
 * The dates a section's period selects in this model: [*from, *to], *from 0
 * for no lower bound. since-previous-audit starts the day after the previous
 * certification audit (12 months back if none), cycle at `cycle_from`, the
 * start of the audits that led to the certification decision (36 months back
 * if uncertified), twelve-months 12 months back; every
 * period ends at the as-of date.
 */
void smsaudit_pack_model_window(time_t *from, time_t *to, const smsaudit_pack_model *m, smsaudit_report_period p);

/*
 * The readable name of an evidence record's content in a pack, for one of
 * its clauses: "evidence/<clause>/<id>-<original name>", the name reduced to
 * letters, digits and "._-+@" (anything else becomes '_', at most 100 bytes;
 * "content" when it has none). Pack, PDF and index.html all name it so.
 */
void smsaudit_pack_evidence_path(char *out, size_t size, const char *clause, const smsaudit_evidence_entry *e);

/*
 * Whether the model has everything a report needs: its definition, the
 * catalogue, the policy, the audit with its plan, the pack's id and commit,
 * and no list with a count but no array. SMSAUDIT_EINVALID names the first
 * thing missing.
 */
int smsaudit_pack_model_check(const smsaudit_pack_model *m);

#endif
