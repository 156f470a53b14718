/*
 * smsaudit — the evidence store: an smsaudit repository with its SMS
 * description, pinned catalogue and trust anchor, and the operations that add
 * signed records to it. The state of the store (people, evidence and its
 * status, problems) is derived by reading and verifying every record.
 */
#ifndef SMSAUDIT_STORE_H
#define SMSAUDIT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "catalogue.h"
#include "common.h"
#include "record.h"
#include "repo.h"
#include "sign.h"
#include "sms.h"

typedef struct smsaudit_store smsaudit_store;
typedef struct smsaudit_identity smsaudit_identity;
typedef struct smsaudit_state smsaudit_state;

typedef struct {
	const char *path;                   /* repository to create */
	const char *organisation;
	const char *scope;
	const char *const *services;
	size_t nservices;
	const char *const *sites;
	size_t nsites;
	const char *certification_body;     /* NULL if not chosen yet */
	const char *name, *email;           /* the first quality manager */
	const char *keys_dir;               /* where new private keys go (0700) */
	const char *passphrase;             /* encrypt new keys; NULL: unencrypted */
	const char *ca_cert_path;           /* use an existing CA ... */
	const char *ca_key_path;            /* ... and its key (both or neither) */
	const smsaudit_catalogue *catalogue;
	int cert_days;                      /* personal certificate validity */
} smsaudit_init_options;

#define SMSAUDIT_INIT_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 825 }

typedef struct {
	char ca_key_path[512];      /* "" when an existing CA was used */
	char person_key_path[512];
	int person_key_created;
	char ca_fingerprint[65];
} smsaudit_init_result;

int smsaudit_store_init(smsaudit_store **out, const smsaudit_init_options *opts,
                        smsaudit_init_result *result);
int smsaudit_store_open(smsaudit_store **out, const char *path);
void smsaudit_store_free(smsaudit_store *store);

smsaudit_repo *smsaudit_store_repo(smsaudit_store *store);
const smsaudit_catalogue *smsaudit_store_catalogue(const smsaudit_store *store);
const smsaudit_cert *smsaudit_store_ca(const smsaudit_store *store);
const char *smsaudit_store_organisation(const smsaudit_store *store);

/* Key file names in a keys directory. */
void smsaudit_keys_person_path(char *out, size_t size, const char *keys_dir, const char *email);
void smsaudit_keys_ca_path(char *out, size_t size, const char *keys_dir, const char *ca_fingerprint);
/* 1 if the key file is passphrase-protected. */
int smsaudit_key_file_encrypted(const char *path);

/*
 * Who signs: a private key, matched to the person whose certificate holds its
 * public key (the latest grant at head). SMSAUDIT_ENOTFOUND when nobody in the
 * repository has that key.
 */
int smsaudit_identity_load(smsaudit_identity **out, smsaudit_store *store, const char *key_path,
                           const char *passphrase);
const char *smsaudit_identity_email(const smsaudit_identity *id);
const char *smsaudit_identity_name(const smsaudit_identity *id);
unsigned smsaudit_identity_roles(const smsaudit_identity *id);
void smsaudit_identity_free(smsaudit_identity *id);

/*
 * Grant roles to a person holding `cert`. A later grant for the same email
 * replaces the roles. A certificate issued by another CA (an external
 * auditor's) needs that CA as `issuer`: it becomes an extra trust anchor,
 * trust/anchors/<fingerprint>.pem, committed with the grant and signed by the
 * granting quality manager. `issuer` is NULL for the organisation's own CA.
 */
int smsaudit_store_add_person(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                              smsaudit_identity *signer, const smsaudit_cert *cert,
                              const smsaudit_cert *issuer, const char *name, const char *email,
                              unsigned roles, time_t valid_until);
/*
 * Name a certification body's CA as a trust anchor for the external-auditor
 * role only (a quality manager signs it): an anchor record with the body's
 * name and the CA's fingerprint, and the CA at trust/anchors/<fingerprint>.pem,
 * in one commit. From then on an external auditor's certificate must come
 * from such a CA, and one from such a CA holds that role alone.
 */
int smsaudit_store_add_anchor(char id_out[SMSAUDIT_ID_MAX], char fingerprint_out[65], smsaudit_store *store,
                              smsaudit_identity *signer, const smsaudit_cert *ca, const char *name);
/* Revoke a person's certificate from `effective` on. */
int smsaudit_store_revoke_person(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                                 smsaudit_identity *signer, const char *email, const char *reason,
                                 time_t effective);

typedef struct {
	const char *file;            /* path on disk */
	const char *name;            /* original name to record; NULL: the file's base name */
	const char *title;
	smsaudit_evidence_kind kind;
	const char *const *controls;
	size_t ncontrols;
	int has_period;
	time_t period_from, period_to;
	time_t valid_until;          /* 0: none */
	const char *note;            /* NULL: none */
	const char *where;           /* for messages, e.g. "import.csv:12"; NULL: the file */
} smsaudit_evidence_input;

#define SMSAUDIT_ADD_ALLOW_DUPLICATE 1u
/* Add a file even though it holds private key material (smsaudit_secret_sniff). */
#define SMSAUDIT_ADD_ALLOW_SECRET 2u

typedef void (*smsaudit_progress_fn)(size_t done, size_t total, void *payload);

/*
 * Add evidence files as one commit: each file is streamed once (SHA-256, size,
 * stored content-addressed), described by one signed record. Everything is
 * checked before anything is committed; on any error nothing is committed.
 * `ids_out` (n entries) receives the new record ids.
 */
int smsaudit_store_add_evidence(smsaudit_store *store, smsaudit_identity *signer,
                                const smsaudit_evidence_input *inputs, size_t n, unsigned flags,
                                char (*ids_out)[SMSAUDIT_ID_MAX], smsaudit_progress_fn progress,
                                void *payload);

/*
 * The inputs of an add given one at a time (an import of a CSV read as it
 * goes): memory holds a few inputs and about 0.2 KiB a file until the commit,
 * whatever their number.
 */
typedef struct {
	/* Point *in at the next input (valid until the next call) and return 0;
	 * 1 when there are no more; or a negative code with a one-line message
	 * naming the place (e.g. "import.csv:12: ...") in `why`, raised in its
	 * place in order: nothing is committed. */
	int (*next)(const smsaudit_evidence_input **in, char *why, size_t why_size, void *payload);
	/* What names input `index` (from 0, given before) in a message about a
	 * later one, its `where` or file, into `out`. */
	void (*describe)(char *out, size_t size, size_t index, void *payload);
	/* Once the commit stands: each input's new record id, in order (may be
	 * NULL). */
	void (*added)(size_t index, const char *id, void *payload);
	void *payload;
} smsaudit_evidence_stream;

/* smsaudit_store_add_evidence of the inputs of `in`, all in one commit (at
 * least one); `*count` receives their number. The same checks, messages and
 * all-or-nothing rule; `progress` gets a total of 0 (not known). */
int smsaudit_store_add_evidence_stream(smsaudit_store *store, smsaudit_identity *signer,
                                       const smsaudit_evidence_stream *in, unsigned flags, size_t *count,
                                       smsaudit_progress_fn progress, void *payload);

int smsaudit_store_supersede(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                             smsaudit_identity *signer, const char *old_id, const char *new_id,
                             const char *reason);
int smsaudit_store_withdraw(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                            smsaudit_identity *signer, const char *evidence_id, const char *reason);

/* What `evidence amend` changes in an evidence record's metadata; the rest,
 * and the content with its digest, stay as they were. */
typedef struct {
	const char *title;                   /* NULL: as is */
	const char *const *controls;         /* ncontrols 0: as is */
	size_t ncontrols;
	int set_kind;
	smsaudit_evidence_kind kind;
	int set_period;                      /* has_period 0 with set_period: no period any more */
	int has_period;
	time_t period_from, period_to;
	int set_valid_until;
	time_t valid_until;                  /* 0: none */
	const char *reason;
} smsaudit_evidence_amendment;

/*
 * Correct an active evidence record's metadata: a new evidence record for the
 * same content with the amendment applied, and a supersede record (with the
 * reason) from the old to the new, in one commit. Nothing is deleted: the
 * old record stays, superseded from then on.
 */
int smsaudit_store_amend_evidence(char new_id_out[SMSAUDIT_ID_MAX], char supersede_id_out[SMSAUDIT_ID_MAX],
                                  smsaudit_store *store, smsaudit_identity *signer, const char *evidence_id,
                                  const smsaudit_evidence_amendment *am);

/*
 * A signed self-assessment of one assessable clause. `other_party` (NULL: none)
 * names who operates the process when it is not the organization itself.
 */
int smsaudit_store_assess(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                          const char *clause, smsaudit_assessment_result result, const char *other_party,
                          const char *note);

/* ---- state: everything derived from the records at one commit ---- */

typedef enum {
	SMSAUDIT_EV_ACTIVE,
	SMSAUDIT_EV_SUPERSEDED,
	SMSAUDIT_EV_WITHDRAWN
} smsaudit_evidence_status;

typedef struct {
	const smsaudit_record *record;
	const char *path;                 /* records/YYYY/MM/XX/<id>.xml */
	int valid;                        /* signature verifies and the signer was allowed */
	const char *signer_name;          /* the signer's name, or made-by when unknown */
	smsaudit_evidence_status status;
	const char *changed_by;           /* the supersede or withdraw record, "" if none */
	const char *superseded_by;        /* the record that supersedes it, "" if none */
	time_t changed_at;                /* made-at of the supersede or withdraw record */
	time_t stamped_at;                /* when a time-stamping authority vouched for it; 0: not (yet) */
} smsaudit_evidence_entry;

/* Any record, in time order (made-at, then id). */
typedef struct {
	const smsaudit_record *record;    /* NULL: the file could not be read as a record */
	const char *path;
	int valid;                        /* signature, signer's authority and references check out */
	const char *signer_email;         /* of the certificate that signed it; "" if unknown */
	unsigned signer_roles;            /* the signer's roles when it was signed (0 if unknown) */
	smsaudit_oid blob;                /* the record file's git object */
	time_t stamped_at;                /* when a time-stamping authority vouched for it; 0: not (yet) */
} smsaudit_record_entry;

typedef struct {
	const smsaudit_record *record;    /* the grant */
	int valid;
	time_t revoked_at;                /* 0: not revoked */
	int current;                      /* the latest grant for this email */
} smsaudit_person_entry;

typedef struct {
	char path[200];
	char id[SMSAUDIT_ID_MAX];
	char message[512];
} smsaudit_problem;

#define SMSAUDIT_STATE_CHECK_CONTENT 1u   /* stream every content blob through SHA-256 */
/*
 * Reuse earlier signature checks from the local verification cache (and add
 * to it). A record's blobs, its signature's blobs and the trust anchors
 * determine the result, so it is the same as checking again; `verify` does
 * not use the cache, so an edited cache file can never hide a problem there.
 */
#define SMSAUDIT_STATE_USE_CACHE 2u
/* The commit stands alone, without its history (an audit pack imported for
 * verification): a finding's evidence citation is checked against the
 * evidence and its digest, not looked up at the commit it names. */
#define SMSAUDIT_STATE_SNAPSHOT 4u
/* Report objects that cannot be read (a damaged repository) as problems and
 * go on, as verify does; without it the load fails with SMSAUDIT_EDAMAGED. */
#define SMSAUDIT_STATE_REPORT_DAMAGE 8u
/* Walk the whole history again instead of reusing the history cache. */
#define SMSAUDIT_STATE_NO_HISTORY_CACHE 16u
/*
 * With SMSAUDIT_STATE_USE_CACHE alone: read the state of main's tip from the
 * local state index when it holds that very state (the same commit, trust
 * anchors, catalogue and build, and a clock inside the window the state was
 * judged for), and write the index after deriving it. Like the verification
 * cache it is keyed with this user's secret; `verify` never reads it.
 */
#define SMSAUDIT_STATE_USE_INDEX 32u

int smsaudit_state_load(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit,
                        unsigned flags);
void smsaudit_state_free(smsaudit_state *st);

size_t smsaudit_state_record_count(const smsaudit_state *st);
size_t smsaudit_state_evidence_count(const smsaudit_state *st);
const smsaudit_evidence_entry *smsaudit_state_evidence_at(const smsaudit_state *st, size_t i);
/* By full id or unique prefix; ENOTFOUND / EINVALID (ambiguous) otherwise. */
int smsaudit_state_find_evidence(const smsaudit_evidence_entry **out, const smsaudit_state *st,
                                 const char *id);
/* i < smsaudit_state_record_count(); records in time order. */
void smsaudit_state_record_at(smsaudit_record_entry *out, const smsaudit_state *st, size_t i);
size_t smsaudit_state_person_count(const smsaudit_state *st);
const smsaudit_person_entry *smsaudit_state_person_at(const smsaudit_state *st, size_t i);
size_t smsaudit_state_problem_count(const smsaudit_state *st);
const smsaudit_problem *smsaudit_state_problem_at(const smsaudit_state *st, size_t i);
size_t smsaudit_state_content_checked(const smsaudit_state *st);
/* A change of the SMS description (smsaudit sms change): NULL or 0 leaves a
 * part as it is. Services and sites are added or removed by name (an added
 * one must be new, a removed one present). The reason is required. */
typedef struct {
	const char *organisation;
	const char *scope;
	const char *certification_body;
	const char *const *add_services;
	size_t nadd_services;
	const char *const *remove_services;
	size_t nremove_services;
	const char *const *add_sites;
	size_t nadd_sites;
	const char *const *remove_sites;
	size_t nremove_sites;
	int major_verify_days, major_after_stage2_months, minor_plan_days;   /* deadline policy; 0: as is */
	const char *reason;
} smsaudit_sms_change;

/* Sign a new version of the SMS description (a quality manager), made from
 * the one in force with `ch` applied. */
int smsaudit_store_sms_change(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_sms_change *ch);

/* The SMS description's parts a reader shows, as in force at the state's
 * commit (free with smsaudit_sms_view_dispose). */
typedef struct {
	char *organisation, *scope, *certification_body;   /* certification_body may be NULL */
	char **services, **sites;
	size_t nservices, nsites;
	char *change_reason;                                /* NULL: none given */
} smsaudit_sms_view;

int smsaudit_state_sms_view(smsaudit_sms_view *out, smsaudit_store *store, const smsaudit_state *st);
void smsaudit_sms_view_dispose(smsaudit_sms_view *v);

/* One change of the organisation (changes.c): a part of the SMS description
 * that a new version changed, a person granted or revoked, the certificate, a
 * certification body's anchor. */
typedef struct {
	time_t at;                      /* made-at of the record */
	const smsaudit_record *record;   /* owned by the state */
	const char *by;                 /* the signer's email */
	char what[40];                  /* "scope", "sites", "services", "organisation", "certification body",
	                                 * "deadline policy", "cycle", "grade scale", "person", "certificate",
	                                 * "certification body's CA" */
	char *detail;                   /* what it became: "added Manchester; removed York", ... */
	char *reason;                   /* the reason recorded with it, NULL: none */
} smsaudit_org_change;

/* The changes of the organisation the state's records made at or after
 * `since` and before `until` (0: no bound), in time order; each new SMS
 * version is held against the one before it (smsaudit.xml first). */
int smsaudit_org_changes(smsaudit_org_change **out, size_t *n, smsaudit_store *store, const smsaudit_state *st,
                         time_t since, time_t until);
void smsaudit_org_changes_free(smsaudit_org_change *c, size_t n);

/* The policy of the SMS description in force at the state's commit. Its
 * certification decision and expiry are those of the certificate in force,
 * when one is recorded. */
const smsaudit_sms_policy *smsaudit_state_policy(const smsaudit_state *st);
/* The certificate record in force at the state's commit (the latest valid
 * one: its body is `certificate`), or NULL when none is recorded. What a pack
 * cover prints about the certificate comes from here. */
const smsaudit_record *smsaudit_state_certificate(const smsaudit_state *st);

/* Record the certificate from the certification body's decision (a quality
 * manager): number, issuing body, scope statement, issue and expiry dates.
 * The issue date is not in the future and the expiry comes after it. */
typedef struct {
	const char *number, *body, *scope;
	time_t issued, expires;
} smsaudit_certificate_input;
int smsaudit_store_record_certificate(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                      const smsaudit_certificate_input *in);
/* The SMS description in force at the state's commit (a standalone <sms>
 * document): the valid sms records applied in the ledger's order, versions
 * made concurrently on two clones merged, else the smsaudit.xml of the first
 * commit. */
int smsaudit_state_sms(smsaudit_buf *out, smsaudit_store *store, const smsaudit_state *st);
/* 1 when the description in force merges versions made concurrently; then
 * `conflicts` names the elements both changed (the later version's kept), or
 * is "". */
int smsaudit_state_sms_concurrent(const smsaudit_state *st, const char **conflicts);
/* The commit the state was loaded at. */
const smsaudit_oid *smsaudit_state_commit(const smsaudit_state *st);
/* The first commit of the history the state was loaded from. */
const smsaudit_oid *smsaudit_state_root(const smsaudit_state *st);
/* 1 if `commit` is the commit the state was loaded at or one of its ancestors. */
int smsaudit_state_has_commit(const smsaudit_state *st, const smsaudit_oid *commit);
/* Records committed since a time-stamping authority was configured that still
 * wait for their token (within their tolerance; past it they are problems). */
size_t smsaudit_state_awaiting_stamp(const smsaudit_state *st);
/* Records whose signature check came from the cache. */
size_t smsaudit_state_cache_hits(const smsaudit_state *st);

#endif
