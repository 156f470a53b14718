/*
 * A pack of many small objects written straight into objects/pack, with its
 * index written by us (bench/RESULTS.md, "Ingest").
 *
 * Why not packfile.c's writer: that hands the pack to libgit2's indexer,
 * which inflates every entry again and hashes it with the collision-detecting
 * SHA-1; for 10,000 files of 10 KiB that and deflating the objects once more
 * at level 1 were over half of `evidence add`. Here each entry is made once,
 * on whichever thread prepared the file (packw_blob_entry: git's id with
 * OpenSSL's SHA-1, libdeflate at level 1 or a stored stream for content that
 * does not compress, the entry's CRC-32), and the one writing thread only
 * appends bytes, hashes the pack and writes the index (version 2, as git
 * writes it: fan-out, sorted ids, CRC-32s, offsets) from the ids, CRCs and
 * offsets it kept, 32 bytes an object.
 *
 * The pack's header counts its entries, and its trailer is the SHA-1 of all
 * that precedes it. The count expected is written first and the hash runs
 * as entries are appended; when another count came (a big file stored loose,
 * equal content once), the header is rewritten and the pack hashed again.
 * When no count is expected (an ingest whose trees go into its pack too, or
 * whose inputs come as a stream), the pack is hashed once, when finished:
 * reading it back from the page cache costs less than hashing it twice.
 *
 * Crash safety as packfile.c's: temporary files (tmp_pack_*, tmp_idx_*, which
 * the next consolidation removes once old) are written and fsynced, the pack
 * is named before its index (readers find packs by their index), then the
 * folder is fsynced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>
#include <openssl/evp.h>

#include "packfile.h"
#include "packwrite.h"

#define OUT_CHUNK ((size_t)1 << 20)
/* Content is compressed unless a sample of its start looks random. */
#define SAMPLE ((size_t)4 << 10)
#define STORED_MAX 65535u
/* Objects up to this size (records, signatures, small files) are stored:
 * compressing one cost more than the rest of its work (libdeflate clears
 * 128 KiB of tables a call; zlib was slower still), to save a few hundred
 * bytes that the next consolidation (packfile.c) compresses anyway. */
#define SMALL_MAX ((size_t)4 << 10)

struct packw_maker {
	struct libdeflate_compressor *z;
	EVP_MD *sha1_md;     /* fetched once: EVP_sha1() is fetched again at every init */
	EVP_MD_CTX *sha1;
};

int packw_maker_new(packw_maker **out)
{
	packw_maker *m = calloc(1, sizeof(*m));
	if (!m || !(m->z = libdeflate_alloc_compressor(1)) || !(m->sha1 = EVP_MD_CTX_new()) ||
	    !(m->sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL))) {
		packw_maker_free(m);
		*out = NULL;
		return error_oom();
	}
	*out = m;
	return 0;
}

void packw_maker_free(packw_maker *m)
{
	if (!m)
		return;
	if (m->z)
		libdeflate_free_compressor(m->z);
	EVP_MD_CTX_free(m->sha1);
	EVP_MD_free(m->sha1_md);
	free(m);
}

/* Whether the sample at the start of `data` has the byte statistics of
 * random or already compressed data (over 7.2 bits of entropy a byte, where
 * deflate cannot save an eighth): such content is stored, not compressed. */
static int looks_random(const unsigned char *data, size_t len)
{
	size_t n = len < SAMPLE ? len : SAMPLE;
	if (n < 256)
		return 0;
	unsigned count[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[data[i]]++;
	/* Entropy without logarithms: sum of c*log2(c) by a table would do, but
	 * a simpler test serves: random bytes use nearly every value about
	 * equally, so the sum of squares stays near n*n/256. */
	double sq = 0;
	for (int b = 0; b < 256; b++)
		sq += (double)count[b] * count[b];
	double uniform = (double)n * n / 256 + n;
	return sq < uniform * 1.5;
}

static void put_u32be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A zlib stream of stored blocks (no compression). */
static int put_stored(smsaudit_buf *out, const unsigned char *data, size_t len)
{
	size_t blocks = len ? (len + STORED_MAX - 1) / STORED_MAX : 1;
	int rc = buf_grow(out, 2 + blocks * 5 + len + 4);
	if (rc < 0)
		return rc;
	unsigned char *p = (unsigned char *)out->ptr + out->size;
	*p++ = 0x78;
	*p++ = 0x01;
	size_t off = 0;
	do {
		size_t n = len - off > STORED_MAX ? STORED_MAX : len - off;
		*p++ = off + n == len ? 1 : 0;
		p[0] = (unsigned char)n;
		p[1] = (unsigned char)(n >> 8);
		p[2] = (unsigned char)~n;
		p[3] = (unsigned char)(~n >> 8);
		p += 4;
		memcpy(p, data + off, n);
		p += n;
		off += n;
	} while (off < len);
	put_u32be(p, (uint32_t)libdeflate_adler32(1, data, len));
	p += 4;
	out->size = (size_t)(p - (unsigned char *)out->ptr);
	return 0;
}

int packw_blob_entry(packw_maker *m, smsaudit_buf *entry, uint32_t *crc, unsigned char id[20], const void *data,
                     size_t len)
{
	return packw_object_entry(m, GIT_OBJECT_BLOB, entry, crc, id, data, len);
}

int packw_object_entry(packw_maker *m, int type, smsaudit_buf *entry, uint32_t *crc, unsigned char id[20],
                       const void *data, size_t len)
{
	const char *name = type == GIT_OBJECT_TREE ? "tree" : type == GIT_OBJECT_COMMIT ? "commit" : "blob";
	char head[32];
	int hl = snprintf(head, sizeof(head), "%s %zu", name, len) + 1;
	unsigned int idl = 0;
	if (!EVP_DigestInit_ex(m->sha1, m->sha1_md, NULL) || !EVP_DigestUpdate(m->sha1, head, (size_t)hl) ||
	    !EVP_DigestUpdate(m->sha1, data, len) || !EVP_DigestFinal_ex(m->sha1, id, &idl) || idl != 20)
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	unsigned char hdr[16];
	size_t n = pack_entry_header(hdr, type, len);
	entry->size = 0;
	int rc = buf_put(entry, (const char *)hdr, n);
	if (rc < 0)
		return rc;
	size_t got = 0;
	if (len > SMALL_MAX && !looks_random(data, len)) {
		/* Worth compressing only when it saves an eighth. */
		size_t cap = len - len / 8;
		if ((rc = buf_grow(entry, cap)) < 0)
			return rc;
		got = libdeflate_zlib_compress(m->z, data, len, entry->ptr + entry->size, cap);
		entry->size += got;
	}
	if (!got && (rc = put_stored(entry, data, len)) < 0)
		return rc;
	*crc = (uint32_t)libdeflate_crc32(0, entry->ptr, entry->size);
	return 0;
}

/* ---- the pack ---- */

typedef struct {
	unsigned char id[20];
	uint32_t crc;
	uint64_t off;
} idx_entry;

struct packw {
	int fd;
	char dir[4200];      /* objects/pack/ */
	char tmp[4300];
	const char *where;
	EVP_MD_CTX *sha1;
	smsaudit_buf out;    /* bytes not yet written */
	uint64_t off;        /* bytes appended so far, the header included */
	uint32_t expect;     /* the count in the header as written (0: not known, hashed when finished) */
	idx_entry *e;
	size_t n, alloc;
};

static int write_all(int fd, const void *p, size_t len, const char *what)
{
	const char *c = p;
	while (len) {
		ssize_t w = write(fd, c, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", what, strerror(errno));
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

static int out_flush(packw *w)
{
	if (w->out.size == 0)
		return 0;
	int rc = write_all(w->fd, w->out.ptr, w->out.size, w->tmp);
	w->out.size = 0;
	return rc;
}

static int out_put(packw *w, const void *data, size_t len)
{
	if (w->expect && !EVP_DigestUpdate(w->sha1, data, len))
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	w->off += len;
	if (len >= OUT_CHUNK) {
		int rc = out_flush(w);
		return rc < 0 ? rc : write_all(w->fd, data, len, w->tmp);
	}
	int rc = buf_put(&w->out, data, len);
	return rc < 0 ? rc : w->out.size >= OUT_CHUNK ? out_flush(w) : 0;
}

int packw_begin(packw **out, const char *objects, size_t expect, const char *where)
{
	*out = NULL;
	packw *w = calloc(1, sizeof(*w));
	if (!w)
		return error_oom();
	w->fd = -1;
	w->where = where;
	w->expect = expect > UINT32_MAX ? UINT32_MAX : (uint32_t)expect;
	/* The index entries, 32 bytes an object, allocated once. */
	if (w->expect && (w->e = malloc(w->expect * sizeof(*w->e))) != NULL)
		w->alloc = w->expect;
	snprintf(w->dir, sizeof(w->dir), "%s/pack/", objects);
	snprintf(w->tmp, sizeof(w->tmp), "%stmp_pack_XXXXXX", w->dir);
	int rc = 0;
	if (!(w->sha1 = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(w->sha1, EVP_sha1(), NULL))
		rc = error_oom();
	else if ((w->fd = mkstemp(w->tmp)) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write a pack in %s: %s", where, w->dir, strerror(errno));
	if (rc == 0) {
		fchmod(w->fd, 0444);
		unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };
		put_u32be(head + 8, w->expect);
		rc = out_put(w, head, sizeof(head));
	}
	if (rc < 0) {
		packw_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int packw_put(packw *w, const unsigned char id[20], const smsaudit_buf *entry, uint32_t crc)
{
	if (w->n == UINT32_MAX)
		return error_set(SMSAUDIT_EINVALID, "%s: too many objects for one pack", w->where);
	if (w->n == w->alloc) {
		size_t na = w->alloc ? w->alloc * 2 : 1024;
		idx_entry *e = realloc(w->e, na * sizeof(*e));
		if (!e)
			return error_oom();
		w->e = e;
		w->alloc = na;
	}
	idx_entry *e = &w->e[w->n];
	memcpy(e->id, id, 20);
	e->crc = crc;
	e->off = w->off;
	int rc = out_put(w, entry->ptr, entry->size);
	if (rc == 0)
		w->n++;
	return rc;
}

size_t packw_count(const packw *w)
{
	return w->n;
}

static int cmp_idx(const void *a, const void *b)
{
	return memcmp(((const idx_entry *)a)->id, ((const idx_entry *)b)->id, 20);
}

/* The header said another count: say the right one and hash the pack again. */
static int rehash(packw *w)
{
	unsigned char count[4];
	put_u32be(count, (uint32_t)w->n);
	if (pwrite(w->fd, count, 4, 8) != 4)
		return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", w->tmp, strerror(errno));
	if (!EVP_DigestInit_ex(w->sha1, EVP_sha1(), NULL))
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	char *buf = malloc(OUT_CHUNK);
	if (!buf)
		return error_oom();
	int rc = 0;
	for (uint64_t pos = 0; rc == 0 && pos < w->off;) {
		size_t want = w->off - pos > OUT_CHUNK ? OUT_CHUNK : (size_t)(w->off - pos);
		ssize_t got = pread(w->fd, buf, want, (off_t)pos);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read back: %s", w->tmp, got < 0 ? strerror(errno) : "short");
		else if (!EVP_DigestUpdate(w->sha1, buf, (size_t)got))
			rc = error_set(SMSAUDIT_ERROR, "SHA-1 failed");
		else
			pos += (uint64_t)got;
	}
	free(buf);
	return rc;
}

static void hexname(char out[41], const unsigned char id[20])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 20; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[40] = '\0';
}

/* The index, version 2, into an open file. */
static int write_index(packw *w, int fd, const char *path, const unsigned char pack_sha[20])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = md && EVP_DigestInit_ex(md, EVP_sha1(), NULL) ? 0 : error_oom();
	size_t big = 0;
	for (size_t i = 0; i < w->n; i++)
		big += w->e[i].off >= ((uint64_t)1 << 31);
	if (rc == 0)
		rc = buf_grow(&b, 8 + 1024 + w->n * 28 + big * 8 + 40);
	if (rc == 0) {
		unsigned char *p = (unsigned char *)b.ptr;
		memcpy(p, "\377tOc\0\0\0\2", 8);
		p += 8;
		size_t k = 0;
		for (int f = 0; f < 256; f++) {
			while (k < w->n && w->e[k].id[0] == f)
				k++;
			put_u32be(p, (uint32_t)k);
			p += 4;
		}
		for (size_t i = 0; i < w->n; i++, p += 20)
			memcpy(p, w->e[i].id, 20);
		for (size_t i = 0; i < w->n; i++, p += 4)
			put_u32be(p, w->e[i].crc);
		uint32_t nbig = 0;
		for (size_t i = 0; i < w->n; i++, p += 4)
			put_u32be(p, w->e[i].off < ((uint64_t)1 << 31) ? (uint32_t)w->e[i].off : 0x80000000u | nbig++);
		for (size_t i = 0; i < w->n; i++)
			if (w->e[i].off >= ((uint64_t)1 << 31)) {
				put_u32be(p, (uint32_t)(w->e[i].off >> 32));
				put_u32be(p + 4, (uint32_t)w->e[i].off);
				p += 8;
			}
		memcpy(p, pack_sha, 20);
		p += 20;
		unsigned int l = 0;
		if (!EVP_DigestUpdate(md, b.ptr, (size_t)(p - (unsigned char *)b.ptr)) || !EVP_DigestFinal_ex(md, p, &l))
			rc = error_set(SMSAUDIT_ERROR, "SHA-1 failed");
		p += 20;
		b.size = (size_t)(p - (unsigned char *)b.ptr);
	}
	if (rc == 0)
		rc = write_all(fd, b.ptr, b.size, path);
	if (rc == 0 && fsync(fd) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot sync: %s", path, strerror(errno));
	smsaudit_buf_dispose(&b);
	EVP_MD_CTX_free(md);
	return rc;
}

int packw_finish(packw *w)
{
	int rc = out_flush(w);
	if (rc < 0)
		return rc;
	if (w->n == 0) {
		unlink(w->tmp);
		w->tmp[0] = '\0';
		return 0;
	}
	if (w->n != w->expect && (rc = rehash(w)) < 0)
		return rc;
	unsigned char sha[20];
	unsigned int l = 0;
	if (!EVP_DigestFinal_ex(w->sha1, sha, &l) || l != 20)
		return error_set(SMSAUDIT_ERROR, "SHA-1 failed");
	if ((rc = write_all(w->fd, sha, 20, w->tmp)) < 0)
		return rc;
	if (fsync(w->fd) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot sync: %s", w->tmp, strerror(errno));
	/* Ids in order; the same object twice in one pack (equal content) is
	 * not made by our callers, but would be kept once. */
	qsort(w->e, w->n, sizeof(*w->e), cmp_idx);
	size_t u = 0;
	for (size_t i = 0; i < w->n; i++)
		if (u == 0 || memcmp(w->e[u - 1].id, w->e[i].id, 20) != 0)
			w->e[u++] = w->e[i];
	if (u != w->n)
		return error_set(SMSAUDIT_ERROR, "%s: the same object twice in one pack", w->where);
	char itmp[4300], hex[41], name[4400];
	snprintf(itmp, sizeof(itmp), "%stmp_idx_XXXXXX", w->dir);
	int ifd = mkstemp(itmp);
	if (ifd < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot write a pack index in %s: %s", w->where, w->dir, strerror(errno));
	fchmod(ifd, 0444);
	rc = write_index(w, ifd, itmp, sha);
	close(ifd);
	hexname(hex, sha);
	if (rc == 0) {
		snprintf(name, sizeof(name), "%spack-%s.pack", w->dir, hex);
		if (rename(w->tmp, name) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot name the pack: %s", w->where, strerror(errno));
		else
			w->tmp[0] = '\0';
	}
	if (rc == 0) {
		snprintf(name, sizeof(name), "%spack-%s.idx", w->dir, hex);
		if (rename(itmp, name) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot name the pack index: %s", w->where, strerror(errno));
	}
	if (rc < 0)
		unlink(itmp);
	if (rc == 0) {
		int dfd = open(w->dir, O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return rc;
}

void packw_free(packw *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0])
		unlink(w->tmp);
	EVP_MD_CTX_free(w->sha1);
	smsaudit_buf_dispose(&w->out);
	free(w->e);
	free(w);
}
