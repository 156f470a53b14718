/* What repo.c offers the rest of the library beyond smsaudit/repo.h. */
#ifndef SMSAUDIT_REPO_INTERNAL_H
#define SMSAUDIT_REPO_INTERNAL_H

#include <git2.h>

#include "loose.h"
#include "smsaudit/repo.h"

/* smsaudit_repo_store_fd with a look at the content on the way (`check` may
 * be NULL); content it refuses is not stored at all. */
int repo_store_fd_checked(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo, int fd,
                          const char *name, content_check_fn check, void *payload);

/* The small-file half of it: read the whole of `size` bytes from `fd` into
 * `whole` (reused), with their SHA-256 and the same look and messages. */
int repo_read_content(smsaudit_buf *whole, char sha256[65], int fd, uint64_t size, const char *name,
                      content_check_fn check, void *payload);

/* Its big-file half: `len` bytes from `fd` into a loose object (loose.c).
 * Safe on any thread: it reads nothing of the repository but its path. */
int repo_store_loose(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo, int fd,
                     uint64_t len, const char *name, content_check_fn check, void *payload);

/* Store `len` bytes read by repo_read_content as a blob with the commit's
 * other new objects (the transaction's pack). */
int repo_store_buffer(smsaudit_oid *blob, smsaudit_repo *repo, const void *data, size_t len, const char *name);

/* Content up to this size is read whole and packed; larger goes loose. */
#define REPO_PACK_CONTENT_MAX (8u * 1024 * 1024)

/* The object folder (`<gitdir>objects`). */
int repo_objects_dir(char *out, size_t size, smsaudit_repo *repo);
/* Every object added to `txn` is known to be in the object folder (an ingest's
 * pack, finished): its trees are built without looking each one up. */
void repo_txn_objects_known(smsaudit_txn *txn);
/* Tell libgit2 that a pack appeared in the object folder. */
void repo_objects_added(smsaudit_repo *repo);

/* The libgit2 repository, for reading the trees an ingest writes beside. */
git_repository *repo_git(smsaudit_repo *repo);
/* Move main to `commit` (every object it names on disk) if main is still at
 * `old` (NULL: no main yet), then what follows any commit (the work tree
 * follows, packs are consolidated): 0; 1 when main moved meanwhile (after a
 * short pause: build on the new head and call again with `attempt` + 1); or
 * an error (the repository busy too long). */
int repo_main_move(smsaudit_repo *repo, const smsaudit_oid *commit, const smsaudit_oid *old, int attempt);

#endif
