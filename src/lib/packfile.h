/*
 * Pack files of the evidence repository (internal): the one writer of
 * undeltified packs, and the upkeep of objects/pack (consolidation, leftovers
 * of killed writers).
 */
#ifndef SMSAUDIT_PACKFILE_H
#define SMSAUDIT_PACKFILE_H

#include <stddef.h>

#include <git2.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "internal.h"
#include "smsaudit/repo.h"

/*
 * A pack written entry by entry into libgit2's indexer (git_odb_write_pack),
 * which checks it, writes its .idx and, with GIT_OPT_ENABLE_FSYNC_GITDIR,
 * fsyncs both and the folder before it returns. Memory holds one object and
 * a small buffer, never the pack: the buffer goes to the indexer as it fills.
 */
typedef struct {
	git_odb_writepack *wp;
	git_indexer_progress stats;
	smsaudit_buf buf;
	EVP_MD_CTX *sha1;
	z_stream z;
	int z_ready;
	size_t left;         /* entries still to come (the header promised them) */
	const char *where;   /* the repository, for messages */
} pack_out;

/* The header of an undeltified pack entry: its type and size, 7 bits a byte
 * after the first 4 (at most 16 bytes); returns its length. */
size_t pack_entry_header(unsigned char hdr[16], int type, uint64_t size);

/* Start a pack of exactly `count` objects. */
int pack_out_begin(pack_out *w, git_odb *odb, size_t count, const char *where);
/* One undeltified entry. */
int pack_out_object(pack_out *w, git_object_t type, const void *data, size_t len);
/* The trailer, then the indexer's check, .idx and rename into objects/pack. */
int pack_out_commit(pack_out *w);
/* Free (a pack not committed leaves no file behind but libgit2's temporary one,
 * which the next consolidation removes once it is old). */
void pack_out_dispose(pack_out *w);

/*
 * Keep objects/pack small: when it holds more than `limit` packs (0: the
 * default, SMSAUDIT_PACK_LIMIT), roll the smaller packs into one so that the
 * sizes form a geometric series; remove old temporary files of killed writers
 * (in objects/pack, and libgit2's loose ones in objects) either way. `gitdir` is the repository's git dir (trailing '/' or not).
 */
int packs_consolidate(smsaudit_pack_stats *out, git_repository *g, const char *gitdir, size_t limit);

#endif
