/*
 * smsaudit — records: the signed, append-only facts in the repository.
 *
 * A record is canonical XML (records.xsd) stored at
 * records/YYYY/MM/XX/<id>.xml with a detached CMS signature <id>.xml.p7s.
 * Ids need no coordination: a type prefix, the UTC date and 64 random bits
 * (e.g. ev-20261121-3fa9c1d2e4b7a801).
 */
#ifndef SMSAUDIT_RECORD_H
#define SMSAUDIT_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "catalogue.h"
#include "common.h"
#include "xml.h"

typedef enum {
	SMSAUDIT_REC_PERSON,
	SMSAUDIT_REC_REVOCATION,
	SMSAUDIT_REC_EVIDENCE,
	SMSAUDIT_REC_SUPERSEDE,
	SMSAUDIT_REC_WITHDRAW,
	SMSAUDIT_REC_ASSESSMENT,
	SMSAUDIT_REC__COUNT
} smsaudit_record_type;

/* Roles as bit flags. */
enum {
	SMSAUDIT_ROLE_QUALITY_MANAGER = 1 << 0,
	SMSAUDIT_ROLE_PROCESS_OWNER = 1 << 1,
	SMSAUDIT_ROLE_INTERNAL_AUDITOR = 1 << 2,
	SMSAUDIT_ROLE_EXTERNAL_AUDITOR = 1 << 3,
	SMSAUDIT_ROLE_VIEWER = 1 << 4
};

/* Parse "quality-manager,process-owner" into flags; SMSAUDIT_EINVALID names a bad one. */
int smsaudit_roles_parse(unsigned *out, const char *list);
/* "quality-manager, process-owner" into buf. */
void smsaudit_roles_format(char *buf, size_t size, unsigned roles);
/* The roles allowed to sign a record of this type (DESIGN section 5). */
unsigned smsaudit_record_signer_roles(smsaudit_record_type type);
const char *smsaudit_record_type_name(smsaudit_record_type type);

#define SMSAUDIT_ID_MAX 48

typedef struct {
	char *name;
	char *email;
	unsigned roles;
	time_t valid_from;
	time_t valid_until;     /* 0: no end */
	char fingerprint[65];   /* SHA-256 of the DER certificate */
	char *certificate;      /* PEM */
} smsaudit_person_body;

typedef struct {
	char *email;
	char fingerprint[65];
	time_t effective;
	char *reason;
} smsaudit_revocation_body;

typedef struct {
	char *title;
	smsaudit_evidence_kind kind;
	char **controls;
	size_t ncontrols;
	int has_period;
	time_t period_from, period_to;  /* dates (00:00Z) */
	time_t valid_until;             /* date, 0: none */
	char *note;                     /* may be NULL */
	char sha256[65];
	uint64_t size;
	char *media_type;
	char *name;                     /* original file name */
} smsaudit_evidence_body;

typedef struct {
	char old_id[SMSAUDIT_ID_MAX];
	char new_id[SMSAUDIT_ID_MAX];
	char *reason;
} smsaudit_supersede_body;

typedef struct {
	char evidence_id[SMSAUDIT_ID_MAX];
	char *reason;
} smsaudit_withdraw_body;

typedef enum {
	SMSAUDIT_RESULT_NOT_ASSESSED,
	SMSAUDIT_RESULT_CONFORMANT,
	SMSAUDIT_RESULT_PARTIAL,
	SMSAUDIT_RESULT_NONCONFORMANT
} smsaudit_assessment_result;

/* "conformant", "partial", "nonconformant", "not-assessed" */
const char *smsaudit_assessment_result_name(smsaudit_assessment_result r);
/* Parse a result name; SMSAUDIT_EINVALID lists the accepted ones. */
int smsaudit_assessment_result_parse(smsaudit_assessment_result *out, const char *name);

typedef struct {
	char clause[32];
	smsaudit_assessment_result result;
	char *other_party;              /* who operates the process; NULL: the organization */
	char *note;
} smsaudit_assessment_body;

typedef struct {
	smsaudit_record_type type;
	char id[SMSAUDIT_ID_MAX];
	time_t made_at;
	char *made_by;  /* email of the signer */
	union {                 /* the body for `type`; only that member is set */
		smsaudit_person_body person;
		smsaudit_revocation_body revocation;
		smsaudit_evidence_body evidence;
		smsaudit_supersede_body supersede;
		smsaudit_withdraw_body withdraw;
		smsaudit_assessment_body assessment;
	};
} smsaudit_record;

/* A fresh id for a record of `type` made at `when`. */
int smsaudit_record_new_id(char out[SMSAUDIT_ID_MAX], smsaudit_record_type type, time_t when);
/* records/YYYY/MM/XX/<id>.xml for a well-formed id; SMSAUDIT_EINVALID otherwise. */
int smsaudit_record_path(char *out, size_t size, const char *id);
/* The type an id's prefix announces; SMSAUDIT_EINVALID for a malformed id. */
int smsaudit_record_id_type(smsaudit_record_type *out, const char *id);

/* Canonical XML of a record (appended to out). Validates against the schema. */
int smsaudit_record_to_xml(smsaudit_buf *out, const smsaudit_record *rec);
/* Parse and validate a record; `name` is used in messages. */
int smsaudit_record_parse(smsaudit_record **out, const char *data, size_t len, const char *name);
void smsaudit_record_free(smsaudit_record *rec);

/* 1 if `s` is acceptable as a one-line text field: valid UTF-8, no control
 * characters, not blank, at most `max` bytes. */
int smsaudit_text_ok(const char *s, size_t max);
/* 1 if `s` is acceptable as free text: valid UTF-8, not blank, no control
 * characters but newline and tab, at most `max` bytes. */
int smsaudit_note_ok(const char *s, size_t max);
/* 1 if `s` is acceptable as a file name: as above, and not ".", "..", no '/'. */
int smsaudit_filename_ok(const char *s);
/* A media type guessed from a file name's extension. */
const char *smsaudit_media_type(const char *name);

#endif
