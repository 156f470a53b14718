/* Internals shared by store.c (writing) and state.c (reading, verifying). */
#ifndef SMSAUDIT_STORE_INTERNAL_H
#define SMSAUDIT_STORE_INTERNAL_H

#include "internal.h"
#include "smsaudit/store.h"

#define SMS_PATH "smsaudit.xml"
#define CA_PATH "trust/ca.pem"
#define ANCHORS_DIR "trust/anchors"
#define RECORD_NS "urn:smsaudit:record:1"

struct smsaudit_store {
	smsaudit_repo *repo;
	smsaudit_catalogue *catalogue;
	smsaudit_cert *ca;
	smsaudit_trust *trust;
	char *organisation;
	char *created_by;   /* email of the first quality manager */
	char *catalogue_path;   /* the pinned catalogue's path in the repository */
	smsaudit_buf trust_fps;  /* fingerprints of every trust anchor loaded, in order */
};

/* SHA-256 (hex) naming the set of trust anchors: the verification cache is kept per set. */
void store_trust_digest(const smsaudit_store *store, char out[65]);
/* Note an anchor added to store->trust. */
int store_note_anchor(smsaudit_store *store, const smsaudit_cert *ca);

struct smsaudit_identity {
	smsaudit_key *key;
	smsaudit_cert *cert;
	char *email, *name;
	unsigned roles;
	char fingerprint[65];
};

/* Only person and revocation records: enough to know who may sign what. */
#define STATE_PEOPLE_ONLY 0x100u
/* With SMSAUDIT_STATE_USE_INDEX: read the state index but do not write it. A
 * command about to commit loads the tip it builds on; an index of that tip
 * would be out of date as soon as it commits, so writing it is wasted time. */
#define STATE_INDEX_NO_SAVE 0x200u
/* state_load_since may take findings, their steps, audits and seals too:
 * for a caller that applies the model's rules over the whole state after it
 * (extending the state index), not for verify's checkpoint, which does not. */
#define STATE_SINCE_MODEL_RECORDS 0x400u
/* The flags of the state a command that writes builds on. */
#define STATE_FOR_WRITE (SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX | STATE_INDEX_NO_SAVE)

/* state.c: the ledger's part of loading a state (history, signatures,
 * authority, evidence, the SMS description), without the finding and audit
 * rules that model.c applies on top, and with problems unsorted. */
int state_load_ledger(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit, unsigned flags);
/* Note the ledger's verdicts as they stand, before the model's rules reject
 * anything: what the state index keeps, to extend the state later. */
int state_ledger_done(smsaudit_state *st);
/*
 * What a clean verify of main accepted up to one commit (the pin's
 * checkpoint): enough to judge only what later commits add.
 */
typedef struct {
	smsaudit_oid root, commit;
	size_t records, evidence, content_checked;
	int content;                    /* content digests were checked up to commit */
	size_t awaiting;                /* records that were waiting for a time-stamp token */
	const char (*authority_ids)[SMSAUDIT_ID_MAX]; /* its person and revocation records */
	const smsaudit_oid *authority_blobs;
	size_t nauthority;
} state_base;

/*
 * Judge the commits after base->commit up to `commit` against the base: 0 and
 * a state holding the base's authority records and the new records, when the
 * new commits only add evidence and self-assessments (with their signatures,
 * content and time-stamps) and every one of them passes; SMSAUDIT_ENOTFOUND when they do
 * anything else, including failing a rule, so that the whole history is
 * replayed and every problem reported as a full verify reports it. Only
 * verify uses such a state (readers need every record).
 */
int state_load_since(smsaudit_state **out, smsaudit_store *store, const state_base *base, const smsaudit_oid *commit,
                     unsigned flags);
/* Totals of a state (for one loaded since a base: the base's counts and the
 * new records'), and whether every content digest up to its commit was checked. */
void state_totals(const smsaudit_state *st, size_t *records, size_t *evidence, size_t *content_checked,
                  int *content, size_t *awaiting);
/* The commits a state was judged over (since a base: the base, then the new ones). */
const smsaudit_history *state_history(const smsaudit_state *st);
/* The base a state continues (NULL for a state of the whole history). */
const smsaudit_oid *state_base_commit(const smsaudit_state *st);
/* The records' positions (smsaudit_state_record_at) in the order of their
 * ids, records that could not be read left out: *n of them. Kept by a state
 * read from the state index; made (and then owned by the caller, `*owned`)
 * for any other. */
int state_records_by_id(const uint32_t **out, size_t *n, uint32_t **owned, const smsaudit_state *st);

/* A record the rules refuse: a problem, and it counts for nothing. */
void state_reject(smsaudit_state *st, const smsaudit_record *rec, const char *path, const char *message);
void state_sort_problems(smsaudit_state *st);

/* Sign one record and commit it with a structured message. */
int store_commit_record(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *rec,
                        const char *summary, const char *action);

/* Change smsaudit.xml (at head) with `edit`, validate it, and commit it signed
 * by `signer`, who must be a quality manager. */
typedef int (*sms_edit_fn)(xmlDocPtr doc, xmlNodePtr root, xmlNsPtr ns, void *u);
/* The parts of an <sms> description a reader shows (sms_write.c). */
int sms_view_from(smsaudit_sms_view *out, xmlNodePtr root);
int store_rewrite_sms(smsaudit_store *store, smsaudit_identity *signer, sms_edit_fn edit, void *u,
                      const char *summary, const char *action);


#endif
