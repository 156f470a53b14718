/*
 * smsaudit — pack definitions and the pack report (pack.pdf).
 *
 * What a pack's PDF contains for each audit type is declared in the XML files of reports/
 * (evidence-schemas/report.xsd): an ordered list of sections, each with the
 * clauses, evidence kinds and period it draws on. The definitions ship inside
 * the library; a custom one can be given as a file. One renderer lays out any
 * definition from the pack model (packmodel.h), built once per pack.
 */
#ifndef SMSAUDIT_REPORT_H
#define SMSAUDIT_REPORT_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "record.h"

typedef enum {
	SMSAUDIT_SEC_COVER,
	SMSAUDIT_SEC_CONTENTS,
	SMSAUDIT_SEC_ORGANISATION,
	SMSAUDIT_SEC_CLAUSE_STATUS,
	SMSAUDIT_SEC_EVIDENCE_INDEX,
	SMSAUDIT_SEC_FINDINGS,
	SMSAUDIT_SEC_DOCUMENTED_INFO,
	SMSAUDIT_SEC_READINESS,
	SMSAUDIT_SEC_AUDITS,
	SMSAUDIT_SEC_CLAUSE_DETAIL,
	SMSAUDIT_SEC_SAMPLES,
	SMSAUDIT_SEC_STAGE1_CONCERNS,
	SMSAUDIT_SEC_CHANGES,
	SMSAUDIT_SEC_PREVIOUS_FINDINGS,
	SMSAUDIT_SEC_ROTATION,
	SMSAUDIT_SEC_MANDATORY,
	SMSAUDIT_SEC_CYCLE_SUMMARY,
	SMSAUDIT_SEC_VERIFICATION,
	SMSAUDIT_SEC_AUDIT_PLAN,        /* objectives, criteria, scope, team and a day-by-day agenda (ISO/IEC 17021-1 9.2.3) */
	SMSAUDIT_SEC_PREVIOUS_AUDIT,    /* the previous certification audit: conclusion, concerns, its findings now */
	SMSAUDIT_SEC_EVIDENCE_MATRIX,   /* clause -> evidence, linked to the clause's detail and to the files */
	SMSAUDIT_SEC__COUNT
} smsaudit_section_kind;

/* "cover", "contents", ... as written in the definitions. */
const char *smsaudit_section_kind_name(smsaudit_section_kind k);

typedef enum {
	SMSAUDIT_PERIOD_ALL,
	SMSAUDIT_PERIOD_SINCE_PREVIOUS,   /* from the last day of the previous certification audit */
	SMSAUDIT_PERIOD_CYCLE,            /* from the certification decision (3 years back if none) */
	SMSAUDIT_PERIOD_TWELVE_MONTHS,
	SMSAUDIT_PERIOD_OPEN              /* findings still open */
} smsaudit_report_period;

typedef struct {
	smsaudit_section_kind kind;
	char title[121];
	char part[121];                   /* the title of the part it is in; "": none */
	char *intro;                      /* NULL: none */
	char **clauses;                   /* clause ids, "audit-scope" or "rotation"; none: every clause */
	size_t nclauses;
	unsigned kinds;                   /* bit per smsaudit_evidence_kind; 0: every kind */
	unsigned audit_types;             /* bit per smsaudit_audit_type; 0: every type */
	smsaudit_report_period period;
	int explicit_only;
	int stage;                        /* readiness: 1 or 2 */
} smsaudit_report_section;

typedef struct smsaudit_report_def smsaudit_report_def;

/*
 * The definition for an audit type: from `path` when given (it must declare
 * that type), else the one shipped with the library. A file that breaks the
 * schema is SMSAUDIT_EINVALID naming the file and line.
 */
int smsaudit_report_def_load(smsaudit_report_def **out, const char *path, smsaudit_audit_type type);
void smsaudit_report_def_free(smsaudit_report_def *def);
smsaudit_audit_type smsaudit_report_def_type(const smsaudit_report_def *def);
const char *smsaudit_report_def_title(const smsaudit_report_def *def);
const char *smsaudit_report_def_source(const smsaudit_report_def *def);  /* the file, or "reports/<type>.xml" */
size_t smsaudit_report_def_count(const smsaudit_report_def *def);
const smsaudit_report_section *smsaudit_report_def_at(const smsaudit_report_def *def, size_t i);

typedef struct {
	int pages;
	size_t replaced;                  /* characters the fonts cannot draw, shown as [U+XXXX] */
} smsaudit_report_stats;

struct smsaudit_pack_model;

/*
 * Lay out the report of a pack model (packmodel.h) by its definition into
 * `pdf`, twice: the second pass knows every page number. It reads nothing but
 * the model; a model that lacks what a report needs is SMSAUDIT_EINVALID
 * naming it (smsaudit_pack_model_check), and nothing is written.
 */
int smsaudit_report_render(smsaudit_buf *pdf, smsaudit_report_stats *stats, const struct smsaudit_pack_model *model);

/*
 * The process samples of a pack, as its samples sections draw them (sample.h):
 * for each process of each samples section (or only `unit`), its population in
 * order with each item's draw value and whether it is drawn. For `smsaudit
 * sample --explain`; SMSAUDIT_ENOTFOUND when nothing matches.
 */
typedef struct {
	const char *section;          /* the samples section's title */
	const char *unit, *unit_title;
	const char *seed;             /* the source commit */
	time_t from, to;              /* the section's period; from 0: no lower bound */
	size_t nrecords;              /* records in the population */
	size_t n;                     /* items: records, or a ticket export's rows */
	const char *const *keys;
	const char (*digests)[65];
	const int *drawn;
	size_t size;
} smsaudit_report_sample;

typedef int (*smsaudit_report_sample_fn)(const smsaudit_report_sample *s, void *u);

int smsaudit_report_samples(const struct smsaudit_pack_model *m, const char *unit, smsaudit_report_sample_fn fn,
                            void *u);

#endif
