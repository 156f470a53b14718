/*
 * Large content as a loose git object, written by one streaming pass that
 * reads, looks at, hashes, deflates and writes each chunk once
 * (bench/bigfile.sh, bench/RESULTS.md).
 *
 * Why our own writer rather than libgit2's object stream: that hashes with
 * the collision-detecting SHA-1 (about 2.5 s per GiB here) and deflates
 * everything at one level, so random content cost 23 s per GiB, 30x the
 * SHA-256 the record needs. Why loose rather than a pack written straight
 * away: a pack needs an index, and libgit2's indexer (git_odb_write_pack)
 * inflates and hashes the whole pack again with SHA-1DC and held the whole
 * blob in memory (measured on a 1 GiB blob: 11 s, 1.0 GiB RSS); a pack also
 * needs its own trailing SHA-1 and a CRC per entry, more work per byte than
 * the object itself. A loose object is the least work git accepts: one zlib
 * stream of "blob <size>\0" and the bytes, named by their SHA-1. Stock git
 * and libgit2 read it like any other.
 *
 * Compression is chosen per chunk (1 MiB): the chunk's first 4 KiB are
 * deflated on the side at level 1, and the chunk is stored (deflate's stored
 * blocks: a copy and a checksum) unless that probe saves at least an eighth.
 * Random data, archives, media and PDFs then cost no compression; text and
 * exports are still compressed, also where a file mixes both (a tar of logs
 * and images). Stock zlib compresses: libdeflate, the faster deflate in
 * Debian 12, only compresses whole buffers into a final stream, not a stream
 * in pieces, and zlib-ng is not packaged there; libdeflate does serve the
 * Adler-32 every zlib stream ends with (see below).
 *
 * The two hashes run on two helper threads over the same chunks while this
 * thread reads, checks, deflates and writes: with two free cores a 1 GiB file
 * costs about 1.5 times its SHA-256 alone rather than the sum of the work
 * (2.4 times).
 */
#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libdeflate.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "internal.h"
#include "loose.h"

#define CHUNK ((size_t)1 << 20)
/* Chunks in flight: the reader may run this far ahead of the slower hash. */
#define RING 4
/* Compression is decided for every chunk from a probe of its start. */
#define PROBE ((size_t)4 << 10)
/* Below this the hashes run on this thread: a thread costs more than it saves. */
#define THREADED_MIN ((uint64_t)4 << 20)
#define LEVEL_FAST 1

/* One hash fed chunk by chunk, on a thread of its own or (threaded == 0)
 * on the caller's. */
typedef struct {
	EVP_MD_CTX *md;
	pthread_t thread;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const unsigned char *data[RING];
	size_t len[RING];
	uint64_t posted, done;
	int closing, failed;
} hasher;

static void *hasher_main(void *arg)
{
	hasher *h = arg;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->done == h->posted && !h->closing)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->done == h->posted)
			break;
		unsigned slot = (unsigned)(h->done % RING);
		pthread_mutex_unlock(&h->mu);
		int ok = EVP_DigestUpdate(h->md, h->data[slot], h->len[slot]);
		pthread_mutex_lock(&h->mu);
		if (!ok)
			h->failed = 1;
		h->done++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static int hasher_start(hasher *h, const EVP_MD *type, int threaded)
{
	memset(h, 0, sizeof(*h));
	h->md = EVP_MD_CTX_new();
	if (!h->md || !EVP_DigestInit_ex(h->md, type, NULL)) {
		EVP_MD_CTX_free(h->md);
		h->md = NULL;
		return error_oom();
	}
	if (!threaded)
		return 0;
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return 0;
	if (pthread_cond_init(&h->cv, NULL) != 0) {
		pthread_mutex_destroy(&h->mu);
		return 0;
	}
	/* No thread to be had: hash on the caller's thread, only slower. */
	if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		return 0;
	}
	h->threaded = 1;
	return 0;
}

static void hasher_post(hasher *h, const unsigned char *data, size_t len)
{
	if (!h->threaded) {
		if (!EVP_DigestUpdate(h->md, data, len))
			h->failed = 1;
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->data[h->posted % RING] = data;
	h->len[h->posted % RING] = len;
	h->posted++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Wait until at most `ahead` posted chunks are still being hashed. */
static void hasher_wait(hasher *h, uint64_t ahead)
{
	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->mu);
	while (h->posted - h->done > ahead)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Stop the thread (after the chunks posted so far) and, when `out` is given,
 * take the digest. Returns 0, or -1 when hashing failed. */
static int hasher_end(hasher *h, unsigned char *out)
{
	if (!h->md)
		return -1;
	if (h->threaded) {
		pthread_mutex_lock(&h->mu);
		h->closing = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		h->threaded = 0;
	}
	unsigned int n = 0;
	int rc = !h->failed && out && EVP_DigestFinal_ex(h->md, out, &n) ? 0 : -1;
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The object's zlib stream is framed here rather than by zlib: a two-byte
 * header, then deflate blocks, then the Adler-32 of everything inflated.
 * Stored chunks are written as stored blocks straight from the read buffer
 * (no copy through zlib); compressed runs of chunks come from zlib's raw
 * deflate, which starts afresh at each run (no reference reaches back into
 * bytes it did not see) and ends it byte-aligned (a sync flush), so both
 * kinds of block follow one another in one valid stream. The Adler-32 comes
 * from libdeflate, several times faster than zlib's (zlib's was a fifth of
 * the whole pass).
 */
#define STORED_MAX 65535u
#define IOV_PIECES ((CHUNK + STORED_MAX - 1) / STORED_MAX)

typedef struct {
	z_stream z;     /* raw deflate for compressed runs */
	z_stream probe; /* a scratch stream that tries a chunk's start at LEVEL_FAST */
	unsigned char *out, *probe_out;
	size_t probe_cap;
	int level, fd;
	uint32_t adler;
} deflater;

static int writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		size_t left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* `len` bytes as stored blocks (not final): 5 bytes of header each. */
static int put_stored(deflater *d, const unsigned char *data, size_t len)
{
	unsigned char hdr[IOV_PIECES][5];
	struct iovec iov[2 * IOV_PIECES];
	while (len > 0) {
		int n = 0;
		for (size_t k = 0; k < IOV_PIECES && len > 0; k++) {
			size_t piece = len < STORED_MAX ? len : STORED_MAX;
			hdr[k][0] = 0; /* BFINAL 0, BTYPE 00 (stored), padding to the byte */
			hdr[k][1] = (unsigned char)(piece & 0xff);
			hdr[k][2] = (unsigned char)(piece >> 8);
			hdr[k][3] = (unsigned char)(~piece & 0xff);
			hdr[k][4] = (unsigned char)((~piece >> 8) & 0xff);
			iov[n].iov_base = hdr[k];
			iov[n++].iov_len = 5;
			iov[n].iov_base = (void *)data;
			iov[n++].iov_len = piece;
			data += piece;
			len -= piece;
		}
		if (writev_all(d->fd, iov, n) < 0)
			return -2;
	}
	return 0;
}

/* `len` bytes through raw deflate (flush: Z_NO_FLUSH, or Z_SYNC_FLUSH to end
 * a run on a byte boundary); whatever comes out is written. */
static int put_deflated(deflater *d, const unsigned char *data, size_t len, int flush)
{
	d->z.next_in = (unsigned char *)data;
	d->z.avail_in = (uInt)len;
	for (;;) {
		d->z.next_out = d->out;
		d->z.avail_out = (uInt)CHUNK;
		int zr = deflate(&d->z, flush);
		if (zr == Z_STREAM_ERROR)
			return -1;
		if (write_all(d->fd, d->out, CHUNK - d->z.avail_out) < 0)
			return -2;
		if (d->z.avail_out != 0 && d->z.avail_in == 0)
			return 0;
	}
}

/* Bytes of the object: checksummed, then stored or deflated as their chunk
 * was judged. */
static int put(deflater *d, const unsigned char *data, size_t len)
{
	d->adler = (uint32_t)libdeflate_adler32(d->adler, data, len);
	return d->level ? put_deflated(d, data, len, Z_NO_FLUSH) : put_stored(d, data, len);
}

/* Store or compress the chunk starting with `data`: compress only when the
 * probe saves at least an eighth. */
static int choose_level(deflater *d, const unsigned char *data, size_t len)
{
	size_t n = len < PROBE ? len : PROBE;
	if (n == 0 || deflateReset(&d->probe) != Z_OK)
		return LEVEL_FAST;
	d->probe.next_in = (unsigned char *)data;
	d->probe.avail_in = (uInt)n;
	d->probe.next_out = d->probe_out;
	d->probe.avail_out = (uInt)d->probe_cap;
	int zr = deflate(&d->probe, Z_FINISH);
	size_t got = d->probe_cap - d->probe.avail_out;
	return zr == Z_STREAM_END && got <= n - n / 8 ? LEVEL_FAST : 0;
}

/* Go on at `level`: a compressed run ends byte-aligned before stored
 * blocks, and a new run starts with no history. */
static int set_level(deflater *d, int level)
{
	if (level == d->level)
		return 0;
	if (d->level) {
		int rc = put_deflated(d, NULL, 0, Z_SYNC_FLUSH);
		if (rc < 0)
			return rc;
	}
	if (level && deflateReset(&d->z) != Z_OK)
		return -1;
	d->level = level;
	return 0;
}

/* Open the file the object is written to. O_TMPFILE gives one without a name,
 * so a writer killed half-way leaves nothing behind; it gets its name only
 * once complete. Elsewhere a named temporary file is used (and removed on any
 * error). */
static int open_temp(int *fd, char *tmp, size_t size, const char *objects)
{
	tmp[0] = '\0';
#ifdef O_TMPFILE
	*fd = open(objects, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0444);
	if (*fd >= 0)
		return 0;
#endif
	snprintf(tmp, size, "%s/tmp_obj_XXXXXX", objects);
	*fd = mkstemp(tmp);
	if (*fd < 0) {
		tmp[0] = '\0';
		return error_set(SMSAUDIT_EIO, "%s: cannot write an object: %s", objects, strerror(errno));
	}
	return 0;
}

/* Give the finished object its name objects/xx/yyyy. An object already there
 * has the same bytes (its name is their hash): keep it. */
static int publish(int fd, const char *tmp, const char *objects, const unsigned char id[20])
{
	static const char hex[] = "0123456789abcdef";
	char name[41];
	for (int i = 0; i < 20; i++) {
		name[2 * i] = hex[id[i] >> 4];
		name[2 * i + 1] = hex[id[i] & 15];
	}
	name[40] = '\0';
	char dir[4200], path[4300];
	snprintf(dir, sizeof(dir), "%s/%.2s", objects, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name + 2);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", dir, strerror(errno));
	/* On the disk before it has a name (libgit2 syncs what it writes too,
	 * repo.c): a power cut must not leave main naming an object that never
	 * reached it. */
	if (fsync(fd) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot write the object to the disk: %s", path, strerror(errno));
	int r;
	if (tmp[0]) {
		r = link(tmp, path);
	} else {
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		r = linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
		if (r < 0 && errno == ENOENT) /* no /proc: needs the privilege to link by descriptor */
			r = linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
	}
	if (r < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: cannot name the object: %s", path, strerror(errno));
	/* and its name too */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int loose_blob_store(unsigned char id[20], unsigned char sha256[32], int fd, uint64_t size, const char *objects,
                     const char *name, content_check_fn check, void *payload)
{
	int threaded = size >= THREADED_MIN;
	hasher h256, h1;
	memset(&h1, 0, sizeof(h1));
	int rc = hasher_start(&h256, EVP_sha256(), threaded);
	if (rc == 0)
		rc = hasher_start(&h1, EVP_sha1(), threaded);
	if (rc < 0) {
		hasher_end(&h256, NULL);
		return rc;
	}
	/* git names an object by the SHA-1 of "<type> <size>\0" and its bytes,
	 * and the loose object's zlib stream holds exactly those. */
	char hdr[32];
	int hlen = snprintf(hdr, sizeof(hdr), "blob %llu", (unsigned long long)size) + 1;
	hasher_post(&h1, (const unsigned char *)hdr, (size_t)hlen);

	deflater d;
	memset(&d, 0, sizeof(d));
	d.fd = -1;
	d.adler = 1;
	d.probe_cap = deflateBound(NULL, PROBE);
	int zok = deflateInit2(&d.z, LEVEL_FAST, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	int pok = zok && deflateInit(&d.probe, LEVEL_FAST) == Z_OK;
	unsigned char *ring = malloc(RING * CHUNK);
	d.out = malloc(CHUNK);
	d.probe_out = malloc(d.probe_cap);
	char tmp[4300] = "";
	if (!zok || !pok || !ring || !d.out || !d.probe_out)
		rc = error_oom();
	if (rc == 0)
		rc = open_temp(&d.fd, tmp, sizeof(tmp), objects);
	/* zlib header: deflate, 32 KiB window, no dictionary (0x7801 is a multiple of 31). */
	static const unsigned char zhead[2] = { 0x78, 0x01 };
	if (rc == 0 && (write_all(d.fd, zhead, 2) < 0 || put(&d, (const unsigned char *)hdr, (size_t)hlen) < 0))
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write an object: %s", objects, strerror(errno));
	/* The content is read, looked at, hashed, deflated or stored and written
	 * once, chunk by chunk, at most size bytes (the header promised that many). */
	uint64_t total = 0, k = 0;
	while (rc == 0 && total < size) {
		unsigned char *buf = ring + (k % RING) * CHUNK;
		/* The slot is free once both hashes are done with what it held. */
		hasher_wait(&h256, RING - 1);
		hasher_wait(&h1, RING - 1);
		size_t want = size - total < CHUNK ? (size_t)(size - total) : CHUNK, got = 0;
		while (got < want) {
			ssize_t n = read(fd, buf + got, want - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", name, strerror(errno));
				break;
			}
			if (n == 0) {
				rc = error_set(SMSAUDIT_EINVALID, "%s: the file changed size while it was read", name);
				break;
			}
			got += (size_t)n;
		}
		if (rc == 0 && check)
			rc = check(payload, buf, got);
		if (rc < 0)
			break;
		hasher_post(&h256, buf, got);
		hasher_post(&h1, buf, got);
		int zr = set_level(&d, choose_level(&d, buf, got));
		if (zr == 0)
			zr = put(&d, buf, got);
		if (zr < 0)
			rc = zr == -2 ? error_set(SMSAUDIT_EIO, "%s: cannot write an object: %s", objects, strerror(errno))
			              : error_set(SMSAUDIT_ERROR, "%s: zlib failed", name);
		total += got;
		k++;
	}
	if (rc == 0) {
		/* Read one byte more to notice a file that grew. */
		char extra;
		ssize_t n;
		while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
			;
		if (n > 0)
			rc = error_set(SMSAUDIT_EINVALID, "%s: the file grew while it was read", name);
		else if (n < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", name, strerror(errno));
	}
	if (rc == 0) {
		/* The last run ends byte-aligned, an empty final stored block ends
		 * the deflate data, and the Adler-32 (big-endian) the stream. */
		unsigned char tail[9] = { 0x01, 0x00, 0x00, 0xff, 0xff, (unsigned char)(d.adler >> 24),
			(unsigned char)(d.adler >> 16), (unsigned char)(d.adler >> 8), (unsigned char)d.adler };
		int zr = set_level(&d, 0);
		if (zr == 0 && write_all(d.fd, tail, sizeof(tail)) < 0)
			zr = -2;
		if (zr < 0)
			rc = zr == -2 ? error_set(SMSAUDIT_EIO, "%s: cannot write an object: %s", objects, strerror(errno))
			              : error_set(SMSAUDIT_ERROR, "%s: zlib failed", name);
	}
	int e256 = hasher_end(&h256, rc == 0 ? sha256 : NULL);
	int e1 = hasher_end(&h1, rc == 0 ? id : NULL);
	if (rc == 0 && (e256 < 0 || e1 < 0))
		rc = error_set(SMSAUDIT_ERROR, "%s: hashing failed", name);
	if (rc == 0)
		rc = publish(d.fd, tmp, objects, id);
	if (d.fd >= 0)
		close(d.fd);
	if (tmp[0])
		unlink(tmp);
	if (zok)
		deflateEnd(&d.z);
	if (pok)
		deflateEnd(&d.probe);
	free(ring);
	free(d.out);
	free(d.probe_out);
	return rc;
}

/*
 * Reading a loose blob back in chunks. libgit2's loose-object stream maps the
 * whole object file, so reading a 1 GiB blob (verify's content digest,
 * evidence get) held 1 GiB of mapped pages; this reads and inflates 256 KiB
 * at a time. The zlib stream's Adler-32 catches damage; that the bytes are the
 * ones recorded is the caller's SHA-256 check, as with libgit2's stream.
 */
#define READ_CHUNK ((size_t)256 << 10)

int loose_blob_read(uint64_t *total, int *bad, char *reason, size_t rsize, const char *objects,
                    const unsigned char id[20], int (*sink)(const char *data, size_t len, void *u), void *u)
{
	static const char hex[] = "0123456789abcdef";
	char name[41], path[4300];
	for (int i = 0; i < 20; i++) {
		name[2 * i] = hex[id[i] >> 4];
		name[2 * i + 1] = hex[id[i] & 15];
	}
	name[40] = '\0';
	snprintf(path, sizeof(path), "%s/%.2s/%s", objects, name, name + 2);
	*total = 0;
	*bad = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1; /* not loose (packed, or missing): the caller asks libgit2 */
	z_stream z;
	memset(&z, 0, sizeof(z));
	unsigned char *in = malloc(READ_CHUNK), *out = malloc(READ_CHUNK);
	int rc = 0, zok = in && out && inflateInit(&z) == Z_OK;
	if (!zok)
		rc = error_oom();
	/* "blob <size>\0" opens the inflated bytes. */
	char head[32];
	size_t hlen = 0;
	int in_head = 1, end = 0;
	uint64_t size = 0;
	const char *why = NULL;
	while (rc == 0 && !why && !end) {
		ssize_t n = read(fd, in, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0) {
			why = "the object file ends early";
			break;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (rc == 0 && !why && z.avail_in > 0) {
			if (end) {
				why = "bytes after the end of the object";
				break;
			}
			z.next_out = out;
			z.avail_out = (uInt)READ_CHUNK;
			int zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				why = z.msg ? z.msg : "not a zlib stream";
				break;
			}
			end = zr == Z_STREAM_END;
			const unsigned char *p = out;
			size_t got = READ_CHUNK - z.avail_out;
			while (in_head && got > 0) {
				char c = (char)*p++;
				got--;
				if (hlen == sizeof(head) - 1) {
					why = "not an object header";
					break;
				}
				head[hlen++] = c;
				if (c == '\0') {
					char *e = NULL;
					errno = 0;
					unsigned long long v = strncmp(head, "blob ", 5) == 0 && head[5] >= '0' && head[5] <= '9'
						? strtoull(head + 5, &e, 10) : 0;
					if (!e || *e != '\0' || errno)
						why = "not a blob";
					size = v;
					in_head = 0;
				}
			}
			if (!why && got > 0) {
				if (*total + got > size)
					why = "more bytes than its header says";
				else {
					*total += got;
					rc = sink((const char *)p, got, u);
				}
			}
		}
	}
	if (rc == 0 && !why && (in_head || *total != size))
		why = "fewer bytes than its header says";
	if (rc == 0 && !why) {
		ssize_t n;
		while ((n = read(fd, in, 1)) < 0 && errno == EINTR)
			;
		if (n > 0)
			why = "bytes after the end of the object";
	}
	if (rc == 0 && why) {
		*bad = 1;
		snprintf(reason, rsize, "%s", why);
		rc = SMSAUDIT_EDAMAGED;
	}
	if (zok)
		inflateEnd(&z);
	free(in);
	free(out);
	close(fd);
	return rc;
}
