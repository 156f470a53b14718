/*
 * smsaudit — the evidence repository: a bare git repository written through
 * libgit2. Every change is one commit on refs/heads/main that only adds paths
 * (append-only); a commit rewrites only the trees on its paths. Concurrent
 * writers never lose work: the ref is moved with compare-and-swap and the loser
 * rebuilds its commit on the new head and tries again.
 */
#ifndef SMSAUDIT_REPO_H
#define SMSAUDIT_REPO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common.h"
#include "xml.h"

typedef struct { unsigned char id[20]; } smsaudit_oid;

typedef struct smsaudit_repo smsaudit_repo;
typedef struct smsaudit_txn smsaudit_txn;

/* Create a new bare repository at `path` (which must not exist or be empty). */
int smsaudit_repo_init(smsaudit_repo **out, const char *path);
/* Open an existing repository. SMSAUDIT_ENOTFOUND when `path` is not one. */
int smsaudit_repo_open(smsaudit_repo **out, const char *path);
void smsaudit_repo_free(smsaudit_repo *repo);
const char *smsaudit_repo_path(const smsaudit_repo *repo);

/* The commit refs/heads/main points at; SMSAUDIT_ENOTFOUND for an empty repository. */
int smsaudit_repo_head(smsaudit_oid *out, smsaudit_repo *repo);
/* Resolve a revision ("main", a tag, a hex id, "HEAD~2") to a commit. */
int smsaudit_repo_resolve(smsaudit_oid *out, smsaudit_repo *repo, const char *rev);
void smsaudit_oid_fmt(char out[41], const smsaudit_oid *oid);

/* Read a whole (small) file at `commit` (NULL = head). */
int smsaudit_repo_read(smsaudit_buf *out, smsaudit_repo *repo, const smsaudit_oid *commit,
                       const char *path);
/* The blob id of the file at `path` at `commit` (NULL = head). */
int smsaudit_repo_path_oid(smsaudit_oid *out, smsaudit_repo *repo, const smsaudit_oid *commit,
                           const char *path);
/* Read a blob by id. */
int smsaudit_repo_read_blob(smsaudit_buf *out, smsaudit_repo *repo, const smsaudit_oid *blob);
/* 1 if `path` exists at `commit` (NULL = head), 0 if not. */
int smsaudit_repo_exists(smsaudit_repo *repo, const smsaudit_oid *commit, const char *path);

/* Call `fn` for every file below `prefix` at `commit`, in path order. A
 * non-zero return from `fn` stops the walk and is returned. */
typedef int (*smsaudit_walk_fn)(const char *path, const smsaudit_oid *blob, void *payload);
int smsaudit_repo_walk(smsaudit_repo *repo, const smsaudit_oid *commit, const char *prefix,
                       smsaudit_walk_fn fn, void *payload);

/* Stream a blob into a file descriptor, checking its SHA-256 against `sha256`
 * (hex) when not NULL and returning it in `digest_out` when not NULL; memory
 * stays bounded whatever the size. */
int smsaudit_repo_blob_to_fd(smsaudit_repo *repo, const smsaudit_oid *blob, int fd,
                             const char *sha256, char digest_out[65], uint64_t *size_out);
/* The size of a blob without reading it. */
int smsaudit_repo_blob_size(uint64_t *out, smsaudit_repo *repo, const smsaudit_oid *blob);
/* Stream a blob's bytes through SHA-256. */
int smsaudit_repo_blob_sha256(char out[65], uint64_t *size_out, smsaudit_repo *repo,
                              const smsaudit_oid *blob);

/*
 * Store a file's content as a blob in one pass, computing its SHA-256 and
 * size on the way (memory does not grow with the file). The file must not
 * change while it is read (checked against its size).
 */
int smsaudit_repo_store_fd(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo,
                           int fd, const char *name);

/* A set of new files that becomes one commit. */
int smsaudit_txn_new(smsaudit_txn **out, smsaudit_repo *repo);
/* Add a file from memory (written as a blob now). */
int smsaudit_txn_add(smsaudit_txn *txn, const char *path, const void *data, size_t len);
/* Add a file that may replace the one at `path` (for the SMS description and
 * its signature; records and content are only ever added). */
int smsaudit_txn_replace(smsaudit_txn *txn, const char *path, const void *data, size_t len);
/* Add an already stored blob. */
int smsaudit_txn_add_blob(smsaudit_txn *txn, const char *path, const smsaudit_oid *blob);
size_t smsaudit_txn_count(const smsaudit_txn *txn);
/*
 * Commit: build the trees on the new paths over the current head, create the
 * commit, and move refs/heads/main from the head it was built on (retrying on
 * a concurrent change). A path that already exists with other content is
 * SMSAUDIT_EEXISTS (records are never replaced); with the same content it is
 * skipped (content is deduplicated).
 */
int smsaudit_txn_commit(smsaudit_oid *out, smsaudit_txn *txn, const char *message,
                        const char *name, const char *email, time_t when);
void smsaudit_txn_free(smsaudit_txn *txn);

/*
 * Pack upkeep. Every commit adds one pack to objects/pack; after a commit the
 * repository is consolidated when it holds more than SMSAUDIT_PACK_LIMIT packs
 * (git's gc.autoPackLimit): the smaller packs are rolled into one, keeping
 * every object they hold, so that pack sizes double from one to the next
 * (what `git repack --geometric=2` does). Packs with a .keep file, and packs
 * of 128 MiB or more, are left alone and not counted. Temporary files of
 * killed writers older than an hour (libgit2's and git's in objects/pack,
 * libgit2's loose ones in objects) are removed on the way, at every commit.
 * A commit does this itself and ignores a failure
 * (its own pack is safe; the next commit tries again);
 * smsaudit_repo_consolidate runs it on demand and reports what it did.
 */
#define SMSAUDIT_PACK_LIMIT 50
typedef struct {
	size_t packs_before;      /* packs found (without .keep, under 128 MiB) */
	size_t packs_merged;      /* of them, rolled into the new pack; 0: nothing to do */
	size_t packs_after;
	size_t objects_written;   /* into the new pack */
	uint64_t bytes_written;   /* the new pack's size */
	size_t leftovers_removed; /* temporary files of killed writers */
} smsaudit_pack_stats;
/* `limit` 0 means SMSAUDIT_PACK_LIMIT; `out` may be NULL. */
int smsaudit_repo_consolidate(smsaudit_pack_stats *out, smsaudit_repo *repo, size_t limit);

/* Create a lightweight tag refs/tags/<name> -> commit (fails if it exists). */
int smsaudit_repo_tag(smsaudit_repo *repo, const char *name, const smsaudit_oid *commit);
/* Create or move a lightweight tag (an audit's tag follows its latest sealed pack). */
int smsaudit_repo_tag_set(smsaudit_repo *repo, const char *name, const smsaudit_oid *commit);

/* Every tag refs/tags/<prefix>*: fn(name without refs/tags/, commit it points at). */
typedef int (*smsaudit_tag_fn)(const char *name, const smsaudit_oid *commit, void *payload);
int smsaudit_repo_each_tag(smsaudit_repo *repo, const char *prefix, smsaudit_tag_fn fn, void *payload);

/* First-parent history of head, newest first: calls fn(commit, time, payload). */
typedef int (*smsaudit_log_fn)(const smsaudit_oid *commit, time_t when, const char *summary,
                               void *payload);
int smsaudit_repo_log(smsaudit_repo *repo, smsaudit_log_fn fn, void *payload);
/* The commit that stands for main at `when`: the newest first-parent commit
 * of main made at or before it, or, when work made by then on another clone
 * was merged later, the first commit along main's first parents that holds
 * every commit made by then (readers count records by their own times, so
 * what was signed after `when` still does not count). SMSAUDIT_ENOTFOUND if
 * no commit was made by then. */
int smsaudit_repo_commit_at(smsaudit_oid *out, smsaudit_repo *repo, time_t when);

/*
 * History: every commit reachable from `tip`, all parents, parents before
 * children (topological order, from the root). For each commit the walk
 * reports what it changes against its parents, path by path:
 *   ADDED     the path is in none of its parents (the commit adds it);
 *   MODIFIED  the path is in a parent with other bytes (or mode), and no
 *             parent has what the commit has (a merge that takes one side's
 *             version changes nothing);
 *   DELETED   a parent has the path and the commit does not.
 * `blob` is the commit's object for ADDED and MODIFIED, the parent's for
 * DELETED. `path` stays valid as long as the history the walk returns. A missing or unreadable commit or tree is SMSAUDIT_EDAMAGED naming
 * the object.
 */
typedef enum { SMSAUDIT_PATH_ADDED, SMSAUDIT_PATH_MODIFIED, SMSAUDIT_PATH_DELETED } smsaudit_path_change;
typedef struct smsaudit_history smsaudit_history;
typedef int (*smsaudit_change_fn)(const smsaudit_history *h, size_t commit, const char *path,
                                  smsaudit_path_change change, const smsaudit_oid *blob, void *payload);

/* Walk every commit again rather than reuse the local history cache
 * (smsaudit-cache/history, keyed by the user's secret). */
#define SMSAUDIT_HISTORY_NO_CACHE 1u
int smsaudit_repo_history(smsaudit_history **out, smsaudit_repo *repo, const smsaudit_oid *tip, unsigned flags,
                          smsaudit_change_fn fn, void *payload);
/*
 * The same walk over only what follows `base`: commit 0 is `base` itself,
 * standing for all of its history (it has no parents here), then every commit
 * reachable from `tip` but not from `base`, whose changes are reported.
 * SMSAUDIT_ENOTFOUND when `tip` does not descend from `base` or a commit after
 * `base` has a parent from before it (a branch older than `base` merged in):
 * then only the whole walk can judge it.
 */
int smsaudit_repo_history_since(smsaudit_history **out, smsaudit_repo *repo, const smsaudit_oid *base,
                                const smsaudit_oid *tip, smsaudit_change_fn fn, void *payload);
/* 1 if `commit` is `ancestor` or descends from it, else 0. */
int smsaudit_repo_descends(smsaudit_repo *repo, const smsaudit_oid *commit, const smsaudit_oid *ancestor);
void smsaudit_history_free(smsaudit_history *h);
size_t smsaudit_history_count(const smsaudit_history *h);
const smsaudit_oid *smsaudit_history_commit(const smsaudit_history *h, size_t i);
/* The committer time of commit i. */
time_t smsaudit_history_time(const smsaudit_history *h, size_t i);
size_t smsaudit_history_parent_count(const smsaudit_history *h, size_t i);
/* Index of commit i's k-th parent (always < i). */
size_t smsaudit_history_parent(const smsaudit_history *h, size_t i, size_t k);
/* The index of `commit` in the history; SMSAUDIT_ENOTFOUND if it is not in it. */
int smsaudit_history_find(size_t *out, const smsaudit_history *h, const smsaudit_oid *commit);

/* ---- sharing through a git server (sync.h builds on these) ---- */

/* Clone `url` (a path, file://, git://, ssh:// or https:// as libgit2 allows)
 * into the new folder `dir` as a bare repository, audit tags included;
 * nothing is left behind on failure. */
int smsaudit_repo_clone(smsaudit_repo **out, const char *url, const char *dir);

/* Where the server's main stood before and after a fetch. */
typedef struct {
	smsaudit_oid before, remote;
	int had_before, has_remote;
} smsaudit_sync_refs;

/* Fetch the remote's main into refs/remotes/origin/main, and its audit tags. */
int smsaudit_repo_fetch(smsaudit_sync_refs *out, smsaudit_repo *repo, const char *remote);
/* A merge commit of `ours` and `theirs` (in that order) whose tree is both
 * sides' files; SMSAUDIT_EINVALID when they change one file differently. No ref moves. */
int smsaudit_repo_merge(smsaudit_oid *out, smsaudit_repo *repo, const smsaudit_oid *ours, const smsaudit_oid *theirs,
                        const char *name, const char *email, time_t when, const char *message);
/* Move main from `from` to `to`, only if it is still at `from`. */
int smsaudit_repo_main_move(smsaudit_repo *repo, const smsaudit_oid *from, const smsaudit_oid *to);
/* Push main (never forced) and the audit tags to the remote; a ref the server refuses is an error naming it. */
int smsaudit_repo_push(smsaudit_repo *repo, const char *remote);

#endif
