/* The verification cache (cache.c): per-record results of signature checks. */
#ifndef SMSAUDIT_CACHE_H
#define SMSAUDIT_CACHE_H

#include <time.h>

#include "smsaudit/record.h"
#include "smsaudit/repo.h"

typedef struct record_cache record_cache;

/* Load the cache for this repository and trust-anchor set; an unusable file
 * gives an empty cache (only ENOMEM is an error). */
int record_cache_open(record_cache **out, const char *repo_path, const char *trust_digest);
void record_cache_free(record_cache *c);
/* 1 and the record with its signer when the pair of blobs verified before; 0 otherwise.
 * Safe from several threads, also while others call record_cache_put (new entries go
 * to a separate buffer and are only seen after the next open). */
int record_cache_get(const record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig, char signer_fp[65],
                     time_t *signed_at, smsaudit_record **rec);
/* Remember a record whose signature verified (thread-safe). */
int record_cache_put(record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig, const char *signer_fp,
                     time_t signed_at, const smsaudit_record *rec);
/* Write the cache if anything was added (atomically: temporary file, rename). */
int record_cache_save(record_cache *c);

/* One entry as the file holds it (after its length): the two blob ids, the
 * signer's fingerprint, the signing time, the record's header, then each
 * field of its body in the order its type's descriptor lists them
 * (record_types.h). Any record type encodes; put keeps only the types whose
 * descriptor says so. */
int record_cache_encode(smsaudit_buf *out, const smsaudit_oid *xml, const smsaudit_oid *sig, const char *signer_fp,
                        time_t signed_at, const smsaudit_record *rec);
/* 1 and the parts of the `len` bytes at `entry` when they are exactly one whole
 * entry of a complete record (xml and sig may be NULL); 0 for anything else,
 * reporting nothing: a damaged entry is only a cache miss. */
int record_cache_decode(smsaudit_oid *xml, smsaudit_oid *sig, char signer_fp[65], time_t *signed_at,
                        smsaudit_record **rec, const void *entry, size_t len);

#endif
