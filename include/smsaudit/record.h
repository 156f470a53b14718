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
	SMSAUDIT_REC_FINDING,
	SMSAUDIT_REC_STEP,
	SMSAUDIT_REC_AUDIT,
	SMSAUDIT_REC_SEAL,
	SMSAUDIT_REC_SMS,
	SMSAUDIT_REC_CERTIFICATE,
	SMSAUDIT_REC_ANCHOR,
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

/* Evidence cited by a finding or a step: its record id and its content's
 * SHA-256. Records made by earlier versions also named the commit it was cited
 * at; that is kept for display only, since a rebase or cherry-pick changes
 * commit ids without changing what was cited. */
typedef struct {
	char id[SMSAUDIT_ID_MAX];
	char commit[41];                /* "" in records made since; never checked */
	char sha256[65];
} smsaudit_evidence_ref;

typedef enum {
	SMSAUDIT_SOURCE_INTERNAL_AUDIT,
	SMSAUDIT_SOURCE_STAGE1,
	SMSAUDIT_SOURCE_STAGE2,
	SMSAUDIT_SOURCE_SURVEILLANCE,
	SMSAUDIT_SOURCE_RECERTIFICATION,
	SMSAUDIT_SOURCE_COMPLAINT,
	SMSAUDIT_SOURCE_INCIDENT,
	SMSAUDIT_SOURCE_MANAGEMENT_REVIEW,
	SMSAUDIT_SOURCE_SELF_IDENTIFIED,
	SMSAUDIT_SOURCE__COUNT
} smsaudit_finding_source;

/* "internal-audit", "stage1", ... */
const char *smsaudit_finding_source_name(smsaudit_finding_source s);
/* Parse a source name; SMSAUDIT_EINVALID lists the accepted ones. */
int smsaudit_finding_source_parse(smsaudit_finding_source *out, const char *name);
/* 1 for the certification body's audits (stage 1, stage 2, surveillance, recertification). */
int smsaudit_finding_source_external(smsaudit_finding_source s);

typedef struct {
	smsaudit_finding_source source;
	char grade[33];                 /* an id of the grade scale in smsaudit.xml */
	time_t raised_on;               /* date */
	char audit[SMSAUDIT_ID_MAX];    /* "" when not from a recorded audit */
	char **clauses;
	size_t nclauses;
	char *statement;
	smsaudit_evidence_ref *evidence;
	size_t nevidence;
} smsaudit_finding_body;

/* The steps in a finding's life. */
typedef enum {
	SMSAUDIT_STEP_CORRECTION,       /* what was done at once */
	SMSAUDIT_STEP_CAUSE,            /* root cause, with a method */
	SMSAUDIT_STEP_PLAN,             /* corrective actions, each with owner and due date */
	SMSAUDIT_STEP_IMPLEMENTED,      /* one action done, by its owner */
	SMSAUDIT_STEP_VERIFIED,         /* effectiveness verified (or found not effective) */
	SMSAUDIT_STEP_CLOSED,
	SMSAUDIT_STEP_REOPENED,
	SMSAUDIT_STEP_WITHDRAWN,        /* raised by mistake: withdrawn with its reason (the text) */
	SMSAUDIT_STEP_NOTE,             /* a remark that changes nothing; settles concurrent steps */
	SMSAUDIT_STEP__COUNT
} smsaudit_step_kind;

/* "correction", "cause", "plan", "implemented", "verified", "closed", "reopened", "withdrawn", "note" */
const char *smsaudit_step_kind_name(smsaudit_step_kind k);

typedef enum { SMSAUDIT_CAUSE_5WHYS, SMSAUDIT_CAUSE_FISHBONE, SMSAUDIT_CAUSE_OTHER } smsaudit_cause_method;

/* "5-whys", "fishbone", "other" */
const char *smsaudit_cause_method_name(smsaudit_cause_method m);
int smsaudit_cause_method_parse(smsaudit_cause_method *out, const char *name);

typedef struct {
	char *description;
	char *owner;                    /* email of the person who will do it */
	time_t due;                     /* date */
} smsaudit_action;

typedef struct {
	char finding[SMSAUDIT_ID_MAX];  /* the finding record this step belongs to */
	/* The latest steps of the finding (or the finding itself) its signer had
	 * seen: the step comes after them. Two steps that do not name each other
	 * were made concurrently (offline, on two clones). Empty in records made
	 * by earlier versions: such a step comes after everything before it. */
	char **after;
	size_t nafter;
	smsaudit_step_kind kind;
	char *text;                     /* what was done / found / decided; the response when closing */
	smsaudit_cause_method method;   /* CAUSE */
	smsaudit_action *actions;       /* PLAN */
	size_t nactions;
	char plan[SMSAUDIT_ID_MAX];     /* IMPLEMENTED: the plan step ... */
	unsigned action;                /* ... and the action's number in it (1-based) */
	int effective;                  /* VERIFIED: 1 effective, 0 not effective */
	smsaudit_evidence_ref *evidence;    /* IMPLEMENTED, VERIFIED */
	size_t nevidence;
} smsaudit_step_body;

typedef enum {
	SMSAUDIT_AUDIT_STAGE1,
	SMSAUDIT_AUDIT_STAGE2,
	SMSAUDIT_AUDIT_SURVEILLANCE,
	SMSAUDIT_AUDIT_RECERTIFICATION,
	SMSAUDIT_AUDIT_SPECIAL,
	SMSAUDIT_AUDIT_INTERNAL,
	SMSAUDIT_AUDIT__COUNT
} smsaudit_audit_type;

/* "stage1", "stage2", "surveillance", "recertification", "special", "internal" */
const char *smsaudit_audit_type_name(smsaudit_audit_type t);
int smsaudit_audit_type_parse(smsaudit_audit_type *out, const char *name);

/* An audit record is one of these events. The plan's id is the audit's id.
 * CANCEL and RESCHEDULE are corrections by a quality manager, each with its
 * reason: nothing is deleted, the plan stays in the ledger. */
typedef enum {
	SMSAUDIT_AUDIT_PLAN,
	SMSAUDIT_AUDIT_START,
	SMSAUDIT_AUDIT_CONCLUDE,
	SMSAUDIT_AUDIT_CANCEL,
	SMSAUDIT_AUDIT_RESCHEDULE
} smsaudit_audit_event;

typedef enum {
	SMSAUDIT_REC_NONE,                  /* no recommendation (internal audits, stage 1, special) */
	SMSAUDIT_REC_RECOMMENDED,           /* recommended for (continued) certification */
	SMSAUDIT_REC_CONDITIONAL,           /* recommended once conditions are met */
	SMSAUDIT_REC_NOT_RECOMMENDED
} smsaudit_recommendation;

/* "none", "recommended", "conditional", "not-recommended" */
const char *smsaudit_recommendation_name(smsaudit_recommendation r);
int smsaudit_recommendation_parse(smsaudit_recommendation *out, const char *name);

typedef struct {
	smsaudit_audit_event event;
	char audit[SMSAUDIT_ID_MAX];        /* START, CONCLUDE: the planned audit */
	/* PLAN (RESCHEDULE: the new planned dates) */
	smsaudit_audit_type type;
	time_t planned_from, planned_to;    /* dates */
	char *body;                         /* the certification body, or the internal audit team */
	char *lead;                         /* email of the lead auditor */
	char **team;                        /* emails of the other auditors */
	size_t nteam;
	char **clauses;                     /* scope: clauses (none: the whole standard) */
	size_t nclauses;
	char **services;
	size_t nservices;
	char **sites;
	size_t nsites;
	/* START: actual first day; CONCLUDE: actual first and last day */
	time_t actual_from, actual_to;
	/* CONCLUDE */
	smsaudit_recommendation recommendation;
	char *conditions;                   /* NULL: none */
	char **concerns;                    /* stage 1 areas of concern */
	size_t nconcerns;
	char *summary;
	/* CANCEL, RESCHEDULE (new dates in planned_from/to): why */
	char *reason;
} smsaudit_audit_body;

/* A sealed audit pack: what the quality manager handed to the auditor. */
typedef struct {
	char audit[SMSAUDIT_ID_MAX];
	char pack[80];                  /* PACK-<type>-<yyyymmdd>-<commit8> */
	char commit[41];                /* the source commit */
	time_t as_of;                   /* date */
	char manifest_sha256[65];
	char sums_sha256[65];           /* SHA256SUMS: the digest printed in the PDF */
	char pdf_sha256[65];
} smsaudit_seal_body;

/* A new version of the SMS description (what smsaudit.xml held at the first
 * commit): organisation, scope, services, sites, certification body, cycle,
 * deadlines, grades. The latest in the ledger's order is in force. */
typedef struct {
	char *xml;                      /* the whole <sms> description, as a canonical document */
} smsaudit_sms_body;

/* The certificate the certification body issued, from its certification
 * decision (recorded by a quality manager). The latest in the ledger's order
 * is in force; its dates are the cycle's decision and expiry. */
typedef struct {
	char *number;                   /* the certificate's number, as the body wrote it */
	char *body;                     /* the issuing certification body */
	char *scope;                    /* the scope statement printed on the certificate */
	time_t issued;                  /* date of issue (the certification decision) */
	time_t expires;                 /* last day of validity */
} smsaudit_certificate_body;

/* A certification body's CA, named by a quality manager as a trust anchor
 * for one role only (external-auditor): certificates it issues identify the
 * body's auditors, hold that role alone, and from then on are the only ones
 * that may (the organisation's CA can no longer make an external auditor). */
typedef struct {
	char *name;                     /* the certification body */
	unsigned roles;                 /* the roles its certificates may hold: SMSAUDIT_ROLE_EXTERNAL_AUDITOR */
	char fingerprint[65];           /* SHA-256 of the CA certificate (DER) */
	char *certificate;              /* PEM */
} smsaudit_anchor_body;

typedef struct {
	smsaudit_record_type type;
	char id[SMSAUDIT_ID_MAX];
	time_t made_at;
	char *made_by;  /* email of the signer */
	/* Set by the library when the record and everything it points to are
	 * one allocation (as the verification cache decodes them), which may end
	 * after this type's body; smsaudit_record_free knows what to free. */
	int one_block;
	union {                 /* the body for `type`; only that member is set */
		smsaudit_person_body person;
		smsaudit_revocation_body revocation;
		smsaudit_evidence_body evidence;
		smsaudit_supersede_body supersede;
		smsaudit_withdraw_body withdraw;
		smsaudit_assessment_body assessment;
		smsaudit_finding_body finding;
		smsaudit_step_body step;
		smsaudit_audit_body audit;
		smsaudit_seal_body seal;
		smsaudit_sms_body sms;
		smsaudit_certificate_body certificate;
		smsaudit_anchor_body anchor;
	};
} smsaudit_record;

/* "an" before a word said with a vowel first ("an assessment", "an internal
 * audit"), "a" otherwise: the article messages put before a type's name. */
const char *smsaudit_article(const char *word);

/* A fresh id for a record of `type` made at `when`. */
int smsaudit_record_new_id(char out[SMSAUDIT_ID_MAX], smsaudit_record_type type, time_t when);
/* records/YYYY/MM/XX/<id>.xml for a well-formed id; SMSAUDIT_EINVALID otherwise. */
int smsaudit_record_path(char *out, size_t size, const char *id);
/* The type an id's prefix announces; SMSAUDIT_EINVALID for a malformed id. */
int smsaudit_record_id_type(smsaudit_record_type *out, const char *id);

/*
 * The one rule by which every command turns what a person typed into a
 * record id: the whole id, or a prefix of at least SMSAUDIT_ID_PREFIX_MIN
 * characters that starts exactly one id of the set. The set is walked
 * through `id_at` (NULL entries are skipped). `what` names the kind in
 * messages ("audit", "finding", "evidence"); `hint` (may be NULL) is added
 * to the not-found message. *out is the index of the match; ENOTFOUND when
 * nothing matches, EINVALID when the prefix is too short or starts several.
 */
#define SMSAUDIT_ID_PREFIX_MIN 4
typedef const char *(*smsaudit_id_at_fn)(const void *set, size_t i);
int smsaudit_id_resolve(size_t *out, const char *key, const void *set, size_t n, smsaudit_id_at_fn id_at,
                        const char *what, const char *hint);

/* Canonical XML of a record (appended to out). Validates against the schema. */
int smsaudit_record_to_xml(smsaudit_buf *out, const smsaudit_record *rec);
/* Parse and validate a record; `name` is used in messages. */
int smsaudit_record_parse(smsaudit_record **out, const char *data, size_t len, const char *name);
void smsaudit_record_free(smsaudit_record *rec);

/* 1 if `s` is acceptable as a one-line text field (a name, a title): valid
 * UTF-8, not blank, at most `max` bytes, no control characters, and no
 * character that makes it show as something else: bidirectional overrides,
 * embeddings and isolates (U+202A..U+202E, U+2066..U+2069) and invisible
 * format characters (U+00AD, U+200B..U+200F, U+2060..U+2064, U+FEFF, ...). */
int smsaudit_text_ok(const char *s, size_t max);
/* 1 if `s` is acceptable as free text: valid UTF-8, not blank, at most `max`
 * bytes, no control characters but newline and tab, no bidirectional
 * override, embedding or isolate (joiners and marks are allowed: scripts
 * such as Persian need them). */
int smsaudit_note_ok(const char *s, size_t max);
/* 1 if `s` is acceptable as a file name: as smsaudit_text_ok, at most 255
 * bytes, not "." or "..", not starting with "..", no '/' or '\'. */
int smsaudit_filename_ok(const char *s);
/* As the three above, but 0 or SMSAUDIT_EINVALID with one line naming
 * `field` and the fault: "title holds U+202E (right-to-left override) at
 * character 4", "--name is 600 bytes long, at most 500". */
int smsaudit_text_check(const char *field, const char *s, size_t max);
int smsaudit_note_check(const char *field, const char *s, size_t max);
int smsaudit_filename_check(const char *field, const char *s);
/* The name of `cp` if it is one of the characters smsaudit_text_ok refuses
 * because it hides or reorders text ("right-to-left override"); with
 * `bidi_only`, only the reordering ones. NULL otherwise. */
const char *smsaudit_char_hidden(unsigned cp, int bidi_only);
/* A media type guessed from a file name's extension. */
const char *smsaudit_media_type(const char *name);

#endif
