/*
 * The trees of a commit written straight into a pack being written
 * (internal): the ingest of many files (bench/RESULTS.md, "Ingest"), whose
 * new entries come from compact per-file records in path order instead of
 * being held, each with its path, in libgit2's tree builders and in-memory
 * object store until the commit.
 */
#ifndef SMSAUDIT_TREEWRITE_H
#define SMSAUDIT_TREEWRITE_H

#include <git2.h>

#include "packwrite.h"

/* The new entries, all blobs, in the order of their full paths (strcmp, which
 * is git's order): 0 with the next one (`path` valid until the next call), 1
 * at the end, or an error. The same path twice with the same id is one entry. */
typedef int (*treew_next_fn)(void *ctx, const char **path, unsigned char id[20]);

/*
 * Write the root tree of `base` (NULL: an empty one) with the new entries
 * added into `pack`, and its id into `root`; only the trees on new paths are
 * written, the others shared with `base`. An entry already at its path with
 * the same id is kept as it is; with another id, or a file where a folder
 * must be, the whole fails (records are never replaced).
 */
int treew_write(unsigned char root[20], git_repository *g, const git_tree *base, treew_next_fn next, void *ctx,
                packw *pack, packw_maker *maker, const char *where);

#endif
