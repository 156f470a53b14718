/*
 * smsaudit — the control catalogue: the clauses of ISO/IEC 20000-1:2018 (4–10)
 * with our own paraphrases, the documented information expected for each
 * assessable clause, and mappings to other management-system standards.
 *
 * A catalogue is loaded once and is read-only afterwards; the clause structs
 * it hands out stay valid until smsaudit_catalogue_free().
 */
#ifndef SMSAUDIT_CATALOGUE_H
#define SMSAUDIT_CATALOGUE_H

#include <stddef.h>
#include "common.h"

typedef enum {
	SMSAUDIT_KIND_SCOPE,
	SMSAUDIT_KIND_POLICY,
	SMSAUDIT_KIND_PLAN,
	SMSAUDIT_KIND_PROCEDURE,
	SMSAUDIT_KIND_REGISTER,
	SMSAUDIT_KIND_AGREEMENT,
	SMSAUDIT_KIND_RECORD,
	SMSAUDIT_KIND_REPORT,
	SMSAUDIT_KIND__COUNT
} smsaudit_evidence_kind;

/* "scope", "policy", ... */
const char *smsaudit_evidence_kind_name(smsaudit_evidence_kind kind);
/* Parse a kind name; returns 0 or SMSAUDIT_EINVALID. */
int smsaudit_evidence_kind_parse(smsaudit_evidence_kind *out, const char *name);

typedef enum {
	SMSAUDIT_STAGE_1 = 1, /* documented information: examined first at stage 1 */
	SMSAUDIT_STAGE_2 = 2  /* records of operation: examined first at stage 2 */
} smsaudit_audit_stage;

/* One item of documented information the clause expects. */
typedef struct {
	const char *id;              /* e.g. "8.6.1-a", unique in the catalogue */
	smsaudit_evidence_kind kind;
	int is_explicit;             /* the standard itself requires it documented/retained */
	smsaudit_audit_stage stage;  /* the audit stage that first examines it */
	int fresh_months;            /* records: must cover a period within this many months; 0 = no limit */
	const char *what;            /* our paraphrase of the item */
} smsaudit_expected;

/* A correspondence to a clause of another standard. */
typedef struct {
	const char *standard;   /* id of a mapped standard, e.g. "iso27001-2022" */
	const char *clause;     /* e.g. "A.5.24" */
	const char *relation;   /* "equivalent", "partial" or "related" */
} smsaudit_mapping;

typedef struct smsaudit_clause smsaudit_clause;
struct smsaudit_clause {
	const char *id;                 /* "8.5.1.2" */
	const char *title;
	const char *summary;            /* our paraphrase, never the standard's text */
	const smsaudit_clause *parent;  /* NULL for clauses 4–10 */
	int depth;                      /* 1 for "4", 4 for "8.5.1.2" */
	int assessable;
	const smsaudit_clause *const *children;
	size_t nchildren;
	const smsaudit_expected *expected;
	size_t nexpected;
	const smsaudit_mapping *mappings;
	size_t nmappings;
	int line;                       /* line in the catalogue file, for messages */
};

/* A standard that clauses map to. */
typedef struct {
	const char *id;    /* "iso9001-2015" */
	const char *name;  /* "ISO 9001:2015" */
} smsaudit_mapped_standard;

typedef struct {
	const char *id;           /* catalogue id, e.g. "iso20000-1-2018" */
	const char *version;      /* catalogue version, e.g. "1.0.0" */
	const char *standard;     /* "ISO/IEC 20000-1" */
	const char *edition;      /* "2018" */
	const char *title;
	const char *copyright;
	const char *const *amendments;  /* e.g. "Amd 1:2024 (climate action): 4.1, 4.2" */
	size_t namendments;
	const smsaudit_mapped_standard *mapped;
	size_t nmapped;
	char sha256[65];          /* hex digest of the catalogue bytes as loaded */
} smsaudit_catalogue_info;

typedef struct smsaudit_catalogue smsaudit_catalogue;

/* The catalogue shipped with the library (controls/iso20000-1-2018.xml). */
int smsaudit_catalogue_load_default(smsaudit_catalogue **out);

/* Load, validate against the schema and check the clause tree. */
int smsaudit_catalogue_load_file(smsaudit_catalogue **out, const char *path);
int smsaudit_catalogue_load_memory(smsaudit_catalogue **out, const char *data,
                                   size_t len, const char *name);

void smsaudit_catalogue_free(smsaudit_catalogue *cat);

const smsaudit_catalogue_info *smsaudit_catalogue_info_get(const smsaudit_catalogue *cat);

/* All clauses in document (tree pre-)order. */
size_t smsaudit_catalogue_count(const smsaudit_catalogue *cat);
const smsaudit_clause *smsaudit_catalogue_at(const smsaudit_catalogue *cat, size_t i);

/*
 * Look a clause up by id. Returns 0, or SMSAUDIT_ENOTFOUND with a message naming
 * the id (and the nearest existing parent, as a hint).
 */
int smsaudit_catalogue_find(const smsaudit_clause **out, const smsaudit_catalogue *cat,
                            const char *id);

/* The raw bytes the catalogue was loaded from (to pin a copy of it). */
const char *smsaudit_catalogue_bytes(const smsaudit_catalogue *cat, size_t *len);

/*
 * An overlay adds text keyed by clause id to a catalogue, e.g. an organisation's
 * licensed full text of the standard. Loading checks it against the schema and
 * checks that every clause it names exists in `cat` and appears once.
 */
typedef struct smsaudit_overlay smsaudit_overlay;

int smsaudit_overlay_load_file(smsaudit_overlay **out, const smsaudit_catalogue *cat,
                               const char *path);
/* The overlay's text for a clause, or NULL. */
const char *smsaudit_overlay_text(const smsaudit_overlay *ov, const char *clause_id);
size_t smsaudit_overlay_count(const smsaudit_overlay *ov);
void smsaudit_overlay_free(smsaudit_overlay *ov);

/* Which kind of document a file is: 1 catalogue, 2 overlay; SMSAUDIT_EINVALID otherwise. */
int smsaudit_catalogue_sniff_file(int *out, const char *path);

#endif
