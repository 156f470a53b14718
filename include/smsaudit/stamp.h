/*
 * smsaudit — trusted time: the files that carry RFC 3161 time-stamps.
 *
 * A time-stamping authority (TSA) is configured by a quality manager as a
 * signed file trust/tsa/<16 hex>.xml (+ .p7s): its URL, its CA certificate
 * (tokens must chain to it) and the tolerance, the longest a record may wait
 * for its token. Every commit that adds records, once a TSA is configured,
 * also adds a stamp: stamps/YYYY/MM/XX/<stamp id>.xml (XX: the id's first random
 * byte), the list of the records it
 * vouches for (id and SHA-256 of each record's signature file), and beside it
 * <stamp id>.xml.tsr, the TSA's response over that file's bytes, so that
 *   openssl ts -verify -data stamps/…/<id>.xml -in stamps/…/<id>.xml.tsr -CAfile tsa-ca.pem
 * checks it with nothing but stock openssl.
 */
#ifndef SMSAUDIT_STAMP_H
#define SMSAUDIT_STAMP_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "record.h"
#include "repo.h"
#include "sign.h"
#include "store.h"

#define SMSAUDIT_TSA_DIR "trust/tsa"
#define SMSAUDIT_STAMPS_DIR "stamps"
#define SMSAUDIT_TSA_TOLERANCE_HOURS 72   /* the default wait for a token */

typedef struct {
	char *url;
	smsaudit_cert *ca;
	char ca_fingerprint[65];
	long tolerance;          /* seconds */
} smsaudit_tsa;

/* A TSA configuration file's bytes; its name is trust/tsa/<first 16 hex of the CA's fingerprint>.xml. */
int smsaudit_tsa_write(smsaudit_buf *out, char path[64], const char *url, const smsaudit_cert *ca,
                       long tolerance_hours);
/* Read one back; SMSAUDIT_EINVALID naming `name` and the field at fault. */
int smsaudit_tsa_parse(smsaudit_tsa *out, const char *xml, size_t len, const char *name);
void smsaudit_tsa_dispose(smsaudit_tsa *tsa);

typedef struct {
	char id[SMSAUDIT_ID_MAX];   /* a record id */
	char signature_sha256[65];
} smsaudit_stamp_entry;

typedef struct {
	char id[64];             /* stamp-YYYYMMDD-<16 hex> */
	smsaudit_stamp_entry *entries;
	size_t n;
} smsaudit_stamp_list;

/* A new stamp id for a stamp made at `when`, and its path. */
int smsaudit_stamp_new_id(char id[64], time_t when);
int smsaudit_stamp_path(char *out, size_t size, const char *id);
/* The list file's bytes (entries in the order given). */
int smsaudit_stamp_write(smsaudit_buf *out, const smsaudit_stamp_list *list);
/* Read one back; SMSAUDIT_EINVALID naming `name` and what is wrong. */
int smsaudit_stamp_parse(smsaudit_stamp_list *out, const char *xml, size_t len, const char *name);
void smsaudit_stamp_dispose(smsaudit_stamp_list *list);

/* The TSAs configured at `commit` (NULL: head), in path order; files that do
 * not parse are left out (verify reports them). Free with smsaudit_tsa_list_free. */
int smsaudit_tsa_list(smsaudit_tsa **out, size_t *n, smsaudit_repo *repo, const smsaudit_oid *commit);
void smsaudit_tsa_list_free(smsaudit_tsa *v, size_t n);
/* A token over `data` from the first TSA of `v` that answers; the last
 * failure's error when none does. */
int smsaudit_tsa_stamp_first(smsaudit_buf *token, const smsaudit_tsa *v, size_t n, const void *data, size_t len);
/* The same for content known by its SHA-256 (a pack's streamed manifest). */
int smsaudit_tsa_stamp_first_digest(smsaudit_buf *token, const smsaudit_tsa *v, size_t n, const unsigned char md[32]);

/* ---- writing (store_write.c) ---- */

/*
 * Configure a time-stamping authority (a quality manager signs it). With
 * `check`, a token over a probe is asked for first, so that a wrong URL or CA
 * is found now rather than at the first commit. SMSAUDIT_EEXISTS when a TSA
 * with that CA is configured already.
 */
int smsaudit_store_add_tsa(smsaudit_store *store, smsaudit_identity *signer, const char *url,
                           const smsaudit_cert *ca, long tolerance_hours, int check);
/*
 * Time-stamp, in one commit, every valid record that has no token yet and is
 * still within its tolerance. `*stamped`: how many (0: nothing waited).
 * SMSAUDIT_ENOTFOUND when no TSA is configured; SMSAUDIT_EIO when none answers.
 */
int smsaudit_store_stamp(smsaudit_store *store, smsaudit_identity *signer, size_t *stamped);

#endif
