/*
 * A pack written straight to objects/pack with its own index (internal):
 * the ingest of many small files (evidence add and import). Entries are
 * made on any thread (packw_entry_make, each thread with its own
 * packw_maker); one thread appends them in order and finishes the pack.
 */
#ifndef SMSAUDIT_PACKWRITE_H
#define SMSAUDIT_PACKWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* What making an entry needs on one thread (a compressor, hash contexts). */
typedef struct packw_maker packw_maker;
int packw_maker_new(packw_maker **out);
void packw_maker_free(packw_maker *m);

/*
 * The pack entry of the blob `data` (undeltified: the type and size header
 * and a zlib stream, stored when compression would not save an eighth) into
 * `entry`, with its CRC-32 and the blob's git id.
 */
int packw_blob_entry(packw_maker *m, smsaudit_buf *entry, uint32_t *crc, unsigned char id[20], const void *data,
                     size_t len);

/* The same for an object of another type (GIT_OBJECT_TREE, GIT_OBJECT_COMMIT):
 * the trees and the commit of an ingest go into its pack too. */
int packw_object_entry(packw_maker *m, int type, smsaudit_buf *entry, uint32_t *crc, unsigned char id[20],
                       const void *data, size_t len);

typedef struct packw packw;

/* Start a pack in the object folder `objects`; `expect` is the number of
 * entries most likely to come (the pack is correct whatever number does; 0:
 * not known, the pack is hashed when finished). */
int packw_begin(packw **out, const char *objects, size_t expect, const char *where);
/* Append one entry made by packw_blob_entry. */
int packw_put(packw *w, const unsigned char id[20], const smsaudit_buf *entry, uint32_t crc);
/* Entries appended so far. */
size_t packw_count(const packw *w);
/* Trailer, index, both on disk (fsync), then named into place: readers see
 * the objects once this returns 0. An empty pack is removed instead. */
int packw_finish(packw *w);
/* Free; a pack not finished leaves nothing behind. */
void packw_free(packw *w);

#endif
