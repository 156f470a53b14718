/*
 * Reading plain blobs straight out of the repository's packs (internal): the
 * content files verify hashes with SHA-256 against their signed records.
 */
#ifndef SMSAUDIT_PACKREAD_H
#define SMSAUDIT_PACKREAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct packread packread;

/* The packs in the object folder `objects` as they are now (a pack added
 * later is not seen: its objects are "not here"). NULL when there are none
 * or they cannot be read; nothing is reported. */
packread *packread_open(const char *objects);
void packread_free(packread *p);

/*
 * The blob `id`, inflated, to `sink` in pieces, its size in *total. Returns 0;
 * 1 when no pack here holds it as a whole blob (a delta, or elsewhere): ask
 * libgit2; 2 when its entry cannot be read (the sink may have had part of
 * it: start again and ask libgit2, which names the damage); or the sink's
 * error.
 */
int packread_blob(packread *p, const unsigned char id[20], int (*sink)(const char *data, size_t len, void *u), void *u,
                  uint64_t *total);

#endif
