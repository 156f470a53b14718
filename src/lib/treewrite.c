/*
 * Trees written into a pack from new entries in path order (treewrite.h).
 *
 * Git's order of a tree's entries is that of their names, a folder's name
 * compared as if it ended in '/'; the order of full paths by strcmp is the
 * same order, folder by folder. So one pass over the new entries, merged
 * with each folder's entries at the base commit, writes every tree on a new
 * path depth first: each folder's tree is written once its last new entry is
 * passed, and memory holds one folder's tree per level, not the entries.
 * Folders no new entry touches are named by their base id, as they were.
 */
#include <string.h>

#include "treewrite.h"

#define PATH_MAX_LEN 600

typedef struct {
	git_repository *g;
	treew_next_fn next;
	void *ctx;
	packw *pack;
	packw_maker *maker;
	const char *where;
	const char *path;                 /* the current new entry; NULL: none left */
	unsigned char id[20];
	char cur[PATH_MAX_LEN];           /* its path */
	int have_cur;
	char prefix[PATH_MAX_LEN];        /* the folders being written, each with its '/' */
	smsaudit_buf entry;               /* a pack entry, reused */
} treew;

/* The next new entry (repeats of one entry dropped, the order checked). */
static int advance(treew *t)
{
	for (;;) {
		const char *p = NULL;
		unsigned char id[20];
		int r = t->next(t->ctx, &p, id);
		if (r < 0)
			return r;
		if (r > 0) {
			t->path = NULL;
			return 0;
		}
		size_t len = strlen(p);
		if (len == 0 || len >= sizeof(t->cur) || p[0] == '/' || p[len - 1] == '/' || strstr(p, "//"))
			return error_set(SMSAUDIT_EINVALID, "invalid repository path '%s'", p);
		if (t->have_cur) {
			int c = strcmp(t->cur, p);
			if (c == 0 && memcmp(t->id, id, 20) == 0)
				continue;
			if (c == 0)
				return error_set(SMSAUDIT_EINVALID, "'%s' is added twice with different content", p);
			if (c > 0)
				return error_set(SMSAUDIT_ERROR, "%s: new entries out of order ('%s' after '%s')", t->where, p,
				                 t->cur);
		}
		memcpy(t->cur, p, len + 1);
		memcpy(t->id, id, 20);
		t->have_cur = 1;
		t->path = t->cur;
		return 0;
	}
}

/* Git's order of two names, a folder's as if it ended in '/'. */
static int name_cmp(const char *a, size_t la, int dir_a, const char *b, size_t lb, int dir_b)
{
	size_t n = la < lb ? la : lb;
	int c = memcmp(a, b, n);
	if (c)
		return c;
	int ca = la > n ? (unsigned char)a[n] : dir_a ? '/' : 0;
	int cb = lb > n ? (unsigned char)b[n] : dir_b ? '/' : 0;
	return ca - cb;
}

static int put_entry(smsaudit_buf *body, unsigned mode, const char *name, size_t len, const unsigned char *id)
{
	char m[16];
	int ml = snprintf(m, sizeof(m), "%o ", mode);
	int rc = buf_put(body, m, (size_t)ml);
	if (rc == 0)
		rc = buf_put(body, name, len);
	if (rc == 0)
		rc = buf_put(body, "", 1);
	if (rc == 0)
		rc = buf_put(body, (const char *)id, 20);
	return rc;
}

/* The tree `body` into the pack, unless it is the base's own (unchanged). */
static int put_tree(unsigned char out[20], treew *t, const smsaudit_buf *body, const git_oid *base_id)
{
	uint32_t crc;
	int rc = packw_object_entry(t->maker, GIT_OBJECT_TREE, &t->entry, &crc, out, body->ptr, body->size);
	if (rc < 0 || (base_id && memcmp(base_id->id, out, 20) == 0))
		return rc;
	return packw_put(t->pack, out, &t->entry, crc);
}

static int write_dir(unsigned char out[20], treew *t, const git_tree *base, size_t skip);

/* The folder named by the current entry's next `len` bytes after `skip`. */
static int descend(unsigned char out[20], treew *t, const git_tree *sub, size_t skip, size_t len)
{
	memcpy(t->prefix + skip, t->path + skip, len + 1);
	return write_dir(out, t, sub, skip + len + 1);
}

/* The folder t->prefix[0, skip) with the new entries under it, whose first
 * is current. */
static int write_dir(unsigned char out[20], treew *t, const git_tree *base, size_t skip)
{
	smsaudit_buf body = SMSAUDIT_BUF_INIT;
	size_t bi = 0, bn = base ? git_tree_entrycount(base) : 0;
	int rc = 0;
	while (rc == 0) {
		const git_tree_entry *be = bi < bn ? git_tree_entry_byindex(base, bi) : NULL;
		int more = t->path && strncmp(t->path, t->prefix, skip) == 0;
		if (!be && !more)
			break;
		const char *bname = be ? git_tree_entry_name(be) : NULL;
		int bdir = be && git_tree_entry_type(be) == GIT_OBJECT_TREE;
		if (!more) {
			rc = put_entry(&body, (unsigned)git_tree_entry_filemode(be), bname, strlen(bname),
			               git_tree_entry_id(be)->id);
			bi++;
			continue;
		}
		const char *name = t->path + skip, *slash = strchr(name, '/');
		size_t len = slash ? (size_t)(slash - name) : strlen(name);
		int dir = slash != NULL;
		int same = be && strlen(bname) == len && memcmp(bname, name, len) == 0;
		if (be && !same && name_cmp(bname, strlen(bname), bdir, name, len, dir) < 0) {
			rc = put_entry(&body, (unsigned)git_tree_entry_filemode(be), bname, strlen(bname),
			               git_tree_entry_id(be)->id);
			bi++;
			continue;
		}
		/* The current entry moves on as the folder is written: its name first. */
		char dname[256];
		unsigned char sub_id[20];
		if (dir && len >= sizeof(dname)) {
			rc = error_set(SMSAUDIT_EINVALID, "path component too long in '%s'", t->path);
			break;
		}
		if (dir)
			memcpy(dname, name, len);
		if (same && dir != bdir) {
			rc = error_set(SMSAUDIT_EEXISTS, "'%.*s' is a %s, not a %s", (int)(skip + len), t->path,
			               bdir ? "folder" : "file", bdir ? "file" : "folder");
		} else if (same && !dir) {
			if (memcmp(git_tree_entry_id(be)->id, t->id, 20) != 0)
				rc = error_set(SMSAUDIT_EEXISTS, "'%s' already exists in the repository; records are never replaced",
				               t->path);
			else if ((rc = put_entry(&body, (unsigned)git_tree_entry_filemode(be), bname, len, t->id)) == 0)
				rc = advance(t); /* the same content already there */
			bi++;
		} else if (same) {
			git_tree *sub = NULL;
			if (git_tree_lookup(&sub, t->g, git_tree_entry_id(be)) < 0)
				rc = error_set(SMSAUDIT_EIO, "%s: %s", t->where, git_error_last() ? git_error_last()->message : "");
			if (rc == 0)
				rc = descend(sub_id, t, sub, skip, len);
			git_tree_free(sub);
			if (rc == 0)
				rc = put_entry(&body, GIT_FILEMODE_TREE, dname, len, sub_id);
			bi++;
		} else if (dir) {
			if ((rc = descend(sub_id, t, NULL, skip, len)) == 0)
				rc = put_entry(&body, GIT_FILEMODE_TREE, dname, len, sub_id);
		} else if ((rc = put_entry(&body, GIT_FILEMODE_BLOB, name, len, t->id)) == 0) {
			rc = advance(t);
		}
	}
	if (rc == 0)
		rc = put_tree(out, t, &body, base ? git_tree_id(base) : NULL);
	smsaudit_buf_dispose(&body);
	return rc;
}

int treew_write(unsigned char root[20], git_repository *g, const git_tree *base, treew_next_fn next, void *ctx,
                packw *pack, packw_maker *maker, const char *where)
{
	treew t;
	memset(&t, 0, sizeof(t));
	t.g = g;
	t.next = next;
	t.ctx = ctx;
	t.pack = pack;
	t.maker = maker;
	t.where = where;
	int rc = advance(&t);
	if (rc == 0)
		rc = write_dir(root, &t, base, 0);
	smsaudit_buf_dispose(&t.entry);
	return rc;
}
