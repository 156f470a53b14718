/*
 * Plain blobs straight out of the packs (packread.h), for verify's content
 * check (bench/RESULTS.md, "Verify").
 *
 * libgit2 reads a packed object by inflating it whole into memory and
 * hashing it with the collision-detecting SHA-1, through pack windows of 4
 * MiB that are mapped and unmapped as reads jump between packs: for 10,000
 * content files of 10 KiB that was a third of verify's time. A content file's
 * bytes are checked anyway against the SHA-256 its signed record names, so
 * for these, and only these, the SHA-1 adds nothing: here the pack's index
 * (version 2) is searched in memory, the entry's header read, and its zlib
 * stream inflated in pieces into the caller's hash. Anything else — a delta,
 * an entry that does not inflate to its size — goes back to libgit2.
 * Records, signatures and trees are always read by libgit2 with its check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "internal.h"
#include "packread.h"

#define IN_CHUNK ((size_t)64 << 10)
#define OUT_CHUNK ((size_t)64 << 10)
/* Pack files kept open at once (each thread has its own reader; libgit2
 * keeps its own descriptors too): the oldest opened is closed first, so a
 * repository of many packs works under a low open-file limit. */
#define OPEN_MAX 4

typedef struct {
	unsigned char *map;     /* the .idx */
	size_t len;
	uint32_t n;
	const unsigned char *ids, *off32, *off64;
	char *pack;             /* its .pack's path */
	int fd;                 /* opened when first read */
} pr_pack;

struct packread {
	pr_pack *p;
	size_t n;
	z_stream z;
	int z_ready;
	unsigned char *in, *out;
	size_t open[OPEN_MAX];   /* the packs with a descriptor, oldest first */
	size_t nopen;
};

/* A descriptor for pack `k`, closing the oldest open one if need be. */
static int pack_fd(packread *r, size_t k)
{
	pr_pack *pk = &r->p[k];
	if (pk->fd >= 0)
		return pk->fd;
	if (r->nopen == OPEN_MAX) {
		pr_pack *old = &r->p[r->open[0]];
		close(old->fd);
		old->fd = -1;
		memmove(r->open, r->open + 1, (OPEN_MAX - 1) * sizeof(r->open[0]));
		r->nopen--;
	}
	if ((pk->fd = open(pk->pack, O_RDONLY | O_CLOEXEC)) >= 0)
		r->open[r->nopen++] = k;
	return pk->fd;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int add_index(packread *r, const char *dir, const char *name)
{
	char path[4400];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && st.st_size >= 8 + 1024 + 40)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return 0;
	const unsigned char *m = map;
	size_t len = (size_t)st.st_size;
	uint32_t n = be32(m + 8 + 255 * 4);
	if (memcmp(m, "\377tOc\0\0\0\2", 8) != 0 || len < 8 + 1024 + (size_t)n * 28 + 40) {
		munmap(map, len);
		return 0;
	}
	pr_pack *t = realloc(r->p, (r->n + 1) * sizeof(*t));
	char *pack = malloc(strlen(path) + 2);
	if (!t || !pack) {
		if (t)
			r->p = t;
		free(pack);
		munmap(map, len);
		return -1;
	}
	r->p = t;
	memcpy(pack, path, strlen(path) - 4);
	strcpy(pack + strlen(path) - 4, ".pack");
	pr_pack *pk = &r->p[r->n++];
	pk->map = map;
	pk->len = len;
	pk->n = n;
	pk->ids = m + 8 + 1024;
	pk->off32 = pk->ids + (size_t)n * 24;
	pk->off64 = pk->off32 + (size_t)n * 4;
	pk->pack = pack;
	pk->fd = -1;
	return 0;
}

void packread_free(packread *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		munmap(r->p[i].map, r->p[i].len);
		if (r->p[i].fd >= 0)
			close(r->p[i].fd);
		free(r->p[i].pack);
	}
	free(r->p);
	if (r->z_ready)
		inflateEnd(&r->z);
	free(r->in);
	free(r->out);
	free(r);
}

packread *packread_open(const char *objects)
{
	char dir[4300];
	snprintf(dir, sizeof(dir), "%s/pack", objects);
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	packread *r = calloc(1, sizeof(*r));
	int ok = r && (r->z_ready = inflateInit(&r->z) == Z_OK) && (r->in = malloc(IN_CHUNK)) &&
	         (r->out = malloc(OUT_CHUNK));
	struct dirent *e;
	while (ok && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 9 && strncmp(e->d_name, "pack-", 5) == 0 && strcmp(e->d_name + l - 4, ".idx") == 0)
			ok = add_index(r, dir, e->d_name) == 0;
	}
	closedir(d);
	if (!ok || r->n == 0) {
		packread_free(r);
		return NULL;
	}
	return r;
}

/* Where the object is in `pk`, or -1. */
static int64_t find(const pr_pack *pk, const unsigned char id[20])
{
	const unsigned char *fan = pk->map + 8;
	uint32_t lo = id[0] ? be32(fan + (id[0] - 1) * 4) : 0, hi = be32(fan + id[0] * 4);
	if (hi > pk->n || lo > hi)
		return -1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(pk->ids + (size_t)mid * 20, id, 20);
		if (c == 0) {
			uint32_t o = be32(pk->off32 + (size_t)mid * 4);
			if (!(o & 0x80000000u))
				return o;
			size_t k = o & 0x7fffffffu;
			if ((size_t)(pk->off64 - pk->map) + (k + 1) * 8 > pk->len - 40)
				return -1;
			uint64_t v = (uint64_t)be32(pk->off64 + k * 8) << 32 | be32(pk->off64 + k * 8 + 4);
			return v > INT64_MAX ? -1 : (int64_t)v;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static ssize_t pread_full(int fd, unsigned char *buf, size_t len, uint64_t pos)
{
	ssize_t n;
	while ((n = pread(fd, buf, len, (off_t)pos)) < 0 && errno == EINTR)
		;
	return n;
}

int packread_blob(packread *r, const unsigned char id[20], int (*sink)(const char *data, size_t len, void *u), void *u,
                  uint64_t *total)
{
	pr_pack *pk = NULL;
	int64_t at = -1;
	size_t k = 0;
	for (size_t i = 0; i < r->n && at < 0; i++)
		if ((at = find(&r->p[i], id)) >= 0) {
			pk = &r->p[i];
			k = i;
		}
	if (!pk || pack_fd(r, k) < 0)
		return 1;
	unsigned char h[32];
	ssize_t got = pread_full(pk->fd, h, sizeof(h), (uint64_t)at);
	if (got < 2)
		return 2;
	size_t i = 0;
	unsigned c = h[i++];
	unsigned type = (c >> 4) & 7;
	uint64_t size = c & 15;
	for (int shift = 4; c & 0x80; shift += 7) {
		if (i >= (size_t)got || shift > 57)
			return 2;
		c = h[i++];
		size |= (uint64_t)(c & 0x7f) << shift;
	}
	if (type != 3)
		return 1;
	if (inflateReset(&r->z) != Z_OK)
		return 2;
	uint64_t pos = (uint64_t)at + i, out = 0;
	int zr = Z_OK;
	while (zr != Z_STREAM_END) {
		if (r->z.avail_in == 0) {
			/* A record is under a kilobyte: reading 64 KiB for each was a
			 * seventh of a verify. What deflate makes of `size` bytes is at
			 * most a little more; should it need more, the loop reads on. */
			uint64_t want = size + (size >> 8) + 64;
			got = pread_full(pk->fd, r->in, want < IN_CHUNK ? (size_t)want : IN_CHUNK, pos);
			if (got <= 0)
				return 2;
			pos += (uint64_t)got;
			r->z.next_in = r->in;
			r->z.avail_in = (uInt)got;
		}
		r->z.next_out = r->out;
		r->z.avail_out = (uInt)OUT_CHUNK;
		zr = inflate(&r->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			return 2;
		size_t made = OUT_CHUNK - r->z.avail_out;
		out += made;
		if (out > size)
			return 2;
		if (made) {
			int rc = sink((const char *)r->out, made, u);
			if (rc < 0)
				return rc;
		}
	}
	r->z.avail_in = 0;
	if (out != size)
		return 2;
	*total = out;
	return 0;
}
