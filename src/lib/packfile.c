/*
 * Pack files: the one writer of undeltified packs (every write command's new
 * objects, and consolidation), and the upkeep of objects/pack.
 *
 * Every write command adds one pack. Left alone, a busy repository holds
 * thousands: every lookup of a missing object asks each of them, and libgit2
 * keeps a descriptor per pack it reads (at ~2,500 packs every command failed
 * with "too many open files" at ulimit -n 1024). So after a write, when
 * objects/pack holds more than SMSAUDIT_PACK_LIMIT packs, the smaller ones are
 * rolled into one, the way `git repack --geometric=2` does: sorted by size,
 * the packs that already double at each step are kept and everything below
 * (plus any pack smaller than twice what is rolled up) becomes one pack. Each
 * object is rewritten about log2(commits / LIMIT) times over the repository's
 * life, instead of every LIMIT commits as a full repack would.
 *
 * What goes into the new pack is every object of the packs it replaces, not
 * what is reachable from refs: another writer may have just written its pack
 * and not yet moved main, and a reachability repack would drop that commit's
 * objects under it. The repository is append-only, so the unreachable objects
 * kept this way are only those of a lost compare-and-swap race (a few trees
 * and a commit); `git gc` still removes them.
 *
 * Crash safety, in order: the new pack is written into a temporary file, its
 * .idx and the pack are moved into place and, with GIT_OPT_ENABLE_FSYNC_GITDIR
 * (repo.c), fsynced with their folder by libgit2's indexer before it returns;
 * only then are the old ones removed, each .idx before its .pack (readers find
 * packs by their .idx). A crash anywhere leaves every object in at least one
 * complete pack; duplicates are harmless and the next consolidation merges
 * them.
 *
 * Readers at the same time: libgit2 skips a pack whose files are gone and, when
 * no pack has an object, scans objects/pack again before it reports it missing
 * (odb.c, odb_pack.c in 1.5), so a reader that started before the old packs
 * went finds the object in the new one. A pack it has open stays readable
 * until it closes it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "packfile.h"

/* The indexer gets the pack in pieces of this size. */
#define PACK_OUT_CHUNK (1u << 20)
/* A temporary file in objects/pack untouched for this long belongs to a
 * writer that died: libgit2 writes its temporary pack as it goes, and a
 * command's own pack takes seconds at most. */
#define LEFTOVER_AGE (60 * 60)
/* The sizes of the packs kept grow by at least this factor. */
#define GEOMETRIC_FACTOR 2
/* A pack this large is never rewritten (nor counted against the limit): the
 * geometric rule would rewrite the whole repository each time it doubles, a
 * command of many seconds at a few hundred MiB; with this cap a consolidation
 * rewrites at most about twice this (~100 us per small object, ~60 MB/s for
 * large ones, here), and a repository of 10 GiB keeps about 80 full packs,
 * which the open-file limit (repo.c) and libgit2's lookups handle. */
#define PACK_FULL_BYTES ((uint64_t)128 << 20)

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* ---- the writer ---- */

static int out_flush(pack_out *w)
{
	if (w->buf.size == 0)
		return 0;
	if (w->wp->append(w->wp, w->buf.ptr, w->buf.size, &w->stats) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot write pack: %s", w->where, git_msg());
	w->buf.size = 0;
	return 0;
}

static int out_put(pack_out *w, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(w->sha1, data, len))
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	int rc = buf_put(&w->buf, data, len);
	return rc < 0 ? rc : w->buf.size >= PACK_OUT_CHUNK ? out_flush(w) : 0;
}

int pack_out_begin(pack_out *w, git_odb *odb, size_t count, const char *where)
{
	memset(w, 0, sizeof(*w));
	w->where = where;
	w->left = count;
	if (count > UINT32_MAX)
		return error_set(SMSAUDIT_EINVALID, "%s: %zu objects do not fit in one pack", where, count);
	w->sha1 = EVP_MD_CTX_new();
	if (!w->sha1 || !EVP_DigestInit_ex(w->sha1, EVP_sha1(), NULL))
		return error_oom();
	if (deflateInit(&w->z, 1) != Z_OK)
		return error_oom();
	w->z_ready = 1;
	if (git_odb_write_pack(&w->wp, odb, NULL, NULL) < 0) {
		w->wp = NULL;
		return error_set(SMSAUDIT_EIO, "%s: cannot write pack: %s", where, git_msg());
	}
	uint32_t n = (uint32_t)count;
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
		                   (unsigned char)(n >> 8), (unsigned char)n };
	return out_put(w, head, sizeof(head));
}

size_t pack_entry_header(unsigned char hdr[16], int type, uint64_t size)
{
	size_t n = 0;
	hdr[n] = (unsigned char)((type << 4) | (size & 0x0f));
	size >>= 4;
	while (size) {
		hdr[n++] |= 0x80;
		hdr[n] = (unsigned char)(size & 0x7f);
		size >>= 7;
	}
	return n + 1;
}

/* Evidence is mostly compressed documents and exports, where git's delta
 * search costs far more than it saves, so none is attempted; zlib level 1. */
int pack_out_object(pack_out *w, git_object_t type, const void *data, size_t len)
{
	if (w->left == 0)
		return error_set(SMSAUDIT_ERROR, "%s: more objects than the pack announced", w->where);
	w->left--;
	unsigned char hdr[16];
	size_t n = pack_entry_header(hdr, (int)type, len);
	int rc = out_put(w, hdr, n);
	if (rc < 0)
		return rc;
	if (deflateReset(&w->z) != Z_OK)
		return error_set(SMSAUDIT_ERROR, "zlib failed");
	unsigned char chunk[65536];
	w->z.next_in = (unsigned char *)data;
	w->z.avail_in = (uInt)len;
	int zr;
	do {
		w->z.next_out = chunk;
		w->z.avail_out = sizeof(chunk);
		zr = deflate(&w->z, Z_FINISH);
		if (zr == Z_STREAM_ERROR)
			return error_set(SMSAUDIT_ERROR, "zlib failed");
		if ((rc = out_put(w, chunk, sizeof(chunk) - w->z.avail_out)) < 0)
			return rc;
	} while (zr != Z_STREAM_END);
	return 0;
}

/* The trailer is the pack's SHA-1, which also names it (pack-<hex>.pack):
 * `name` receives it when not NULL. */
static int out_commit(pack_out *w, unsigned char name[20])
{
	if (w->left)
		return error_set(SMSAUDIT_ERROR, "%s: %zu objects missing from the pack", w->where, w->left);
	unsigned char trailer[EVP_MAX_MD_SIZE];
	unsigned int tl = 0;
	if (!EVP_DigestFinal_ex(w->sha1, trailer, &tl) || tl != 20)
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	int rc = buf_put(&w->buf, (const char *)trailer, 20);
	if (rc == 0)
		rc = out_flush(w);
	if (rc == 0 && w->wp->commit(w->wp, &w->stats) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write pack: %s", w->where, git_msg());
	if (rc == 0 && name)
		memcpy(name, trailer, 20);
	return rc;
}

int pack_out_commit(pack_out *w)
{
	return out_commit(w, NULL);
}

void pack_out_dispose(pack_out *w)
{
	if (w->wp)
		w->wp->free(w->wp);
	if (w->z_ready)
		deflateEnd(&w->z);
	EVP_MD_CTX_free(w->sha1);
	smsaudit_buf_dispose(&w->buf);
	memset(w, 0, sizeof(*w));
}

/* ---- what objects/pack holds ---- */

typedef struct {
	char hex[41];
	uint64_t size;   /* of the .pack */
} pack_info;

typedef struct {
	pack_info *p;
	size_t n, alloc;
} pack_list;

static int is_hex40(const char *s, size_t n)
{
	if (n != 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int lstat_at(struct stat *st, const char *dir, const char *name, const char *ext)
{
	char path[4200];
	int n = snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return lstat(path, st);
}

static void unlink_at(const char *dir, const char *name, const char *ext)
{
	char path[4200];
	int n = snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	if (n > 0 && (size_t)n < sizeof(path))
		unlink(path);
}

/*
 * The packs of objects/pack that consolidation may merge (a complete
 * pack-<hex>.pack and .idx, no .keep, not full), and, on the way, the leftovers of
 * killed writers that are older than LEFTOVER_AGE: libgit2's temporary pack
 * (pack_git2_*) and lock files (*.lock), git's (tmp_pack_*, tmp_idx_*), and an
 * .idx or .pack whose other half is missing (a crash between the two renames
 * of a writer, or between the two unlinks of a consolidation).
 */
static int packs_scan(pack_list *l, size_t *removed, const char *packdir)
{
	DIR *d = opendir(packdir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return error_set(SMSAUDIT_EIO, "%s: %s", packdir, strerror(errno));
	}
	time_t now = time(NULL);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		struct stat st, other;
		if (n[0] == '.')
			continue;
		int temp = starts(n, "pack_git2_") || starts(n, "tmp_pack_") || starts(n, "tmp_idx_") || ends(n, ".lock");
		int is_pack = starts(n, "pack-") && ends(n, ".pack") && is_hex40(n + 5, strlen(n) - 10);
		int is_idx = starts(n, "pack-") && ends(n, ".idx") && is_hex40(n + 5, strlen(n) - 9);
		if (!temp && !is_pack && !is_idx)
			continue;
		if (lstat_at(&st, packdir, n, "") < 0 || !S_ISREG(st.st_mode))
			continue;
		char hex[41];
		if (is_pack || is_idx) {
			memcpy(hex, n + 5, 40);
			hex[40] = '\0';
		}
		char base[64];
		snprintf(base, sizeof(base), "pack-%s", is_pack || is_idx ? hex : "");
		int orphan = (is_pack && lstat_at(&other, packdir, base, ".idx") < 0) ||
		             (is_idx && lstat_at(&other, packdir, base, ".pack") < 0);
		if (temp || orphan) {
			if (now - st.st_mtime > LEFTOVER_AGE) {
				unlink_at(packdir, n, "");
				(*removed)++;
			}
			continue;
		}
		if (!is_pack || lstat_at(&other, packdir, base, ".keep") == 0 || (uint64_t)st.st_size >= PACK_FULL_BYTES)
			continue;
		if (l->n == l->alloc) {
			size_t a = l->alloc ? l->alloc * 2 : 64;
			pack_info *p = realloc(l->p, a * sizeof(*p));
			if (!p) {
				rc = error_oom();
				break;
			}
			l->p = p;
			l->alloc = a;
		}
		pack_info *p = &l->p[l->n++];
		memcpy(p->hex, hex, sizeof(p->hex));
		p->size = (uint64_t)st.st_size;
	}
	closedir(d);
	return rc;
}

/* A large file (over 8 MiB, repo.c) streams into a loose object through
 * libgit2's objects/tmp_object_git2_*: a writer killed while storing a 1 GiB
 * file leaves 1 GiB there. The same age rule as in objects/pack. */
static void loose_temps_scan(size_t *removed, const char *objdir)
{
	DIR *d = opendir(objdir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (starts(e->d_name, "tmp_object_git2_") && lstat_at(&st, objdir, e->d_name, "") == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > LEFTOVER_AGE) {
			unlink_at(objdir, e->d_name, "");
			(*removed)++;
		}
	}
	closedir(d);
}

static int cmp_size_asc(const void *a, const void *b)
{
	const pack_info *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->hex, y->hex);
}

/* How many of the smallest packs (sorted by size, ascending) to roll into
 * one so that what is left, with the new pack, doubles at every step. */
static size_t geometric_split(const pack_info *p, size_t n)
{
	if (n < 2)
		return 0;
	size_t i = n - 1;
	while (i > 0 && p[i].size >= GEOMETRIC_FACTOR * p[i - 1].size)
		i--;
	uint64_t total = 0;
	size_t split = 0;
	for (; split < i; split++)
		total += p[split].size;
	while (split < n && p[split].size < GEOMETRIC_FACTOR * total)
		total += p[split++].size;
	/* More packs than the limit yet already a doubling series cannot
	 * happen below 2^LIMIT bytes; merge the two smallest all the same. */
	return split < 2 ? 2 : split;
}

/* ---- the objects of the packs to merge ---- */

typedef struct {
	unsigned char id[20];
	uint64_t order;   /* pack rank << 32 | rank of the offset within it */
} obj_ref;

typedef struct {
	obj_ref *o;
	size_t n, alloc;
} obj_list;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct {
	uint64_t offset;
	uint32_t index;
} idx_pos;

static int cmp_pos(const void *a, const void *b)
{
	const idx_pos *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The object ids of one pack, from its version 2 .idx, in the order the pack
 * holds them (so the merged pack keeps each commit's objects together, as
 * the history walk reads them). */
static int idx_read(obj_list *l, const char *packdir, const char *hex, uint32_t rank)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/pack-%s.idx", packdir, hex);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = file_read_all(&b, path, (size_t)1 << 31);
	if (rc < 0)
		return rc;
	const unsigned char *p = (const unsigned char *)b.ptr;
	size_t len = b.size;
	uint32_t count = len >= 1032 ? be32(p + 8 + 255 * 4) : 0;
	if (len < 1032 || memcmp(p, "\377tOc", 4) != 0 || be32(p + 4) != 2 ||
	    (uint64_t)len < 1032 + (uint64_t)count * 28 + 40) {
		smsaudit_buf_dispose(&b);
		return error_set(SMSAUDIT_EDAMAGED, "%s: not a version 2 pack index", path);
	}
	const unsigned char *ids = p + 1032, *offs = ids + (size_t)count * 24, *large = offs + (size_t)count * 4;
	size_t nlarge = (len - 40 - (size_t)(large - p)) / 8;
	idx_pos *pos = malloc((count ? count : 1) * sizeof(*pos));
	if (!pos) {
		smsaudit_buf_dispose(&b);
		return error_oom();
	}
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		uint32_t o = be32(offs + (size_t)i * 4);
		uint64_t off = o;
		if (o & 0x80000000u) {
			uint32_t k = o & 0x7fffffffu;
			if (k >= nlarge)
				rc = error_set(SMSAUDIT_EDAMAGED, "%s: an offset points past the index", path);
			else
				off = (uint64_t)be32(large + (size_t)k * 8) << 32 | be32(large + (size_t)k * 8 + 4);
		}
		pos[i].offset = off;
		pos[i].index = i;
	}
	if (rc == 0) {
		qsort(pos, count, sizeof(*pos), cmp_pos);
		if (l->n + count > l->alloc) {
			size_t a = l->alloc ? l->alloc : 1024;
			while (a < l->n + count)
				a *= 2;
			obj_ref *o = realloc(l->o, a * sizeof(*o));
			if (!o)
				rc = error_oom();
			else {
				l->o = o;
				l->alloc = a;
			}
		}
	}
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		obj_ref *r = &l->o[l->n++];
		memcpy(r->id, ids + (size_t)pos[i].index * 20, 20);
		r->order = (uint64_t)rank << 32 | i;
	}
	free(pos);
	smsaudit_buf_dispose(&b);
	return rc;
}

static int cmp_ref_id(const void *a, const void *b)
{
	const obj_ref *x = a, *y = b;
	int c = memcmp(x->id, y->id, 20);
	return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static int cmp_ref_order(const void *a, const void *b)
{
	const obj_ref *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Each object once (a crash between writing a merged pack and removing the
 * old ones leaves copies), in pack order. */
static void refs_unique(obj_list *l)
{
	qsort(l->o, l->n, sizeof(*l->o), cmp_ref_id);
	size_t u = 0;
	for (size_t i = 0; i < l->n; i++)
		if (u == 0 || memcmp(l->o[u - 1].id, l->o[i].id, 20) != 0)
			l->o[u++] = l->o[i];
	l->n = u;
	qsort(l->o, l->n, sizeof(*l->o), cmp_ref_order);
}

/* ---- consolidation ---- */

/*
 * One consolidation at a time per repository: a second one would only write
 * the same objects again. The lock names its process; one whose process is
 * gone (or, unreadable, older than LEFTOVER_AGE) was left by a crash and is
 * taken over. 1: locked; 0: someone else is at it.
 */
static int lock_take(const char *lock)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char pid[32];
			int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
			int ok = write(fd, pid, (size_t)n) == n;
			close(fd);
			if (!ok) {
				unlink(lock);
				return error_set(SMSAUDIT_EIO, "%s: %s", lock, strerror(errno));
			}
			return 1;
		}
		if (errno != EEXIST)
			return error_set(SMSAUDIT_EIO, "%s: %s", lock, strerror(errno));
		smsaudit_buf b = SMSAUDIT_BUF_INIT;
		long pid = 0;
		struct stat st;
		if (file_read_all(&b, lock, 64) == 0 && b.size) {
			char *end = NULL;
			pid = strtol(b.ptr, &end, 10);
			if (end == b.ptr)
				pid = 0;
		}
		smsaudit_buf_dispose(&b);
		smsaudit_error_clear(); /* a lock just removed by its owner is no error */
		int stale = pid > 0 ? pid_gone(pid)
		            : lstat(lock, &st) == 0 && time(NULL) - st.st_mtime > LEFTOVER_AGE;
		if (!stale)
			return 0;
		unlink(lock);
	}
	return 0;
}

static void dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int merge(smsaudit_pack_stats *out, git_repository *g, const char *packdir, const pack_info *p, size_t n)
{
	obj_list l = { NULL, 0, 0 };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = idx_read(&l, packdir, p[i].hex, (uint32_t)i);
	if (rc == 0)
		refs_unique(&l);
	git_odb *odb = NULL;
	if (rc == 0 && git_repository_odb(&odb, g) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", packdir, git_msg());
	pack_out w;
	memset(&w, 0, sizeof(w));
	if (rc == 0)
		rc = pack_out_begin(&w, odb, l.n, packdir);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		git_oid id;
		git_odb_object *obj = NULL;
		memcpy(id.id, l.o[i].id, 20);
		/* Any copy will do: the object database checks it against its id. */
		if (git_odb_read(&obj, odb, &id) < 0) {
			char hex[41];
			git_oid_tostr(hex, sizeof(hex), &id);
			rc = error_set(SMSAUDIT_EDAMAGED, "%s: object %s cannot be read: %s", packdir, hex, git_msg());
			break;
		}
		rc = pack_out_object(&w, git_odb_object_type(obj), git_odb_object_data(obj), git_odb_object_size(obj));
		git_odb_object_free(obj);
	}
	unsigned char name[20];
	if (rc == 0)
		rc = out_commit(&w, name);
	pack_out_dispose(&w);
	if (rc == 0) {
		/* The new pack is complete (and synced) in place: the old ones may go.
		 * A multi-pack index (git multi-pack-index write) would name packs
		 * that are gone; it is only an accelerator, so it goes first. */
		char path[4200];
		snprintf(path, sizeof(path), "%s/multi-pack-index", packdir);
		unlink(path);
		char newhex[41];
		git_oid nid;
		memcpy(nid.id, name, 20);
		git_oid_tostr(newhex, sizeof(newhex), &nid);
		static const char *const exts[] = { ".idx", ".pack", ".rev", ".bitmap", ".mtimes" };
		for (size_t i = 0; i < n; i++) {
			if (strcmp(p[i].hex, newhex) == 0)
				continue; /* the merge gave the same bytes as one of its inputs */
			char base[64];
			snprintf(base, sizeof(base), "pack-%s", p[i].hex);
			for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++)
				unlink_at(packdir, base, exts[k]);
		}
		dir_sync(packdir);
		git_odb_refresh(odb);
		struct stat st;
		out->packs_merged = n;
		out->objects_written = l.n;
		char base[64];
		snprintf(base, sizeof(base), "pack-%s", newhex);
		if (lstat_at(&st, packdir, base, ".pack") == 0)
			out->bytes_written = (uint64_t)st.st_size;
	}
	git_odb_free(odb);
	free(l.o);
	return rc;
}

int packs_consolidate(smsaudit_pack_stats *out, git_repository *g, const char *gitdir, size_t limit)
{
	smsaudit_pack_stats dummy;
	if (!out)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	if (limit == 0)
		limit = SMSAUDIT_PACK_LIMIT;
	char packdir[4096], lock[4096];
	size_t gl = strlen(gitdir);
	const char *sep = gl && gitdir[gl - 1] == '/' ? "" : "/";
	int a = snprintf(packdir, sizeof(packdir), "%s%sobjects/pack", gitdir, sep);
	int b = snprintf(lock, sizeof(lock), "%s%ssmsaudit-consolidate.lock", gitdir, sep);
	if (a < 0 || (size_t)a >= sizeof(packdir) || b < 0 || (size_t)b >= sizeof(lock))
		return error_set(SMSAUDIT_EINVALID, "%s: path too long", gitdir);
	pack_list l = { NULL, 0, 0 };
	int rc = packs_scan(&l, &out->leftovers_removed, packdir);
	char objdir[4096];
	snprintf(objdir, sizeof(objdir), "%s%sobjects", gitdir, sep);
	loose_temps_scan(&out->leftovers_removed, objdir);
	out->packs_before = out->packs_after = l.n;
	if (rc < 0 || l.n <= limit) {
		free(l.p);
		return rc;
	}
	int locked = lock_take(lock);
	if (locked <= 0) {
		free(l.p);
		return locked;
	}
	qsort(l.p, l.n, sizeof(*l.p), cmp_size_asc);
	size_t split = geometric_split(l.p, l.n);
	/* Largest first: that is the oldest history, and the merged pack then
	 * holds objects in about the order they were written. */
	pack_info *sel = l.p;
	for (size_t i = 0; i < split / 2; i++) {
		pack_info t = sel[i];
		sel[i] = sel[split - 1 - i];
		sel[split - 1 - i] = t;
	}
	rc = merge(out, g, packdir, sel, split);
	if (rc == 0)
		out->packs_after = l.n - split + 1;
	unlink(lock);
	free(l.p);
	return rc;
}
