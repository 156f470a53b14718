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

/* state.c: the ledger's part of loading a state (history, signatures,
 * authority, evidence, the SMS description), without the finding and audit
 * rules that model.c applies on top, and with problems unsorted. */
int state_load_ledger(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit, unsigned flags);
/* A record the rules refuse: a problem, and it counts for nothing. */
void state_reject(smsaudit_state *st, const smsaudit_record *rec, const char *path, const char *message);
void state_sort_problems(smsaudit_state *st);

/* Sign one record and commit it with a structured message. */
int store_commit_record(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *rec,
                        const char *summary, const char *action);

/* Change smsaudit.xml (at head) with `edit`, validate it, and commit it signed
 * by `signer`, who must be a quality manager. */
typedef int (*sms_edit_fn)(xmlDocPtr doc, xmlNodePtr root, xmlNsPtr ns, void *u);
int store_rewrite_sms(smsaudit_store *store, smsaudit_identity *signer, sms_edit_fn edit, void *u,
                      const char *summary, const char *action);


#endif
