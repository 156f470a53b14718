/*
 * Audit packs: the repository's files at one commit plus a signed manifest,
 * written so that a failure never leaves a complete-looking pack, and
 * verified offline by re-importing the folder as a one-commit repository and
 * running the same verification as `verify`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "smsaudit/audit.h"
#include "smsaudit/pack.h"
#include "smsaudit/packhtml.h"
#include "smsaudit/packmodel.h"
#include "smsaudit/report.h"
#include "internal.h"
#include "smsaudit/pin.h"
#include "smsaudit/stamp.h"
#include "packwrite.h"
#include "repo_internal.h"
#include "store_internal.h"

#define MANIFEST "manifest.xml"
#define MANIFEST_SIG "manifest.xml.p7s"
#define MANIFEST_TSR "manifest.xml.tsr"  /* a TSA's token over the manifest, when one is configured */
#define MANIFEST_NS "urn:smsaudit:manifest:1"
#define SUMS "SHA256SUMS"
#define REPORT "pack.pdf"
#define INDEX "index.html"
#define EVIDENCE_DIR "evidence/"
/* The manifest's <file/> lines while the files are written (never part of a pack). */
#define MANIFEST_SPOOL "manifest.xml.part"

/* mkdir -p for the directories of `path` below `root`. */
static int make_parents(const char *root, const char *path)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s/%s", root, path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return error_set(SMSAUDIT_EIO, "%s/%s: path too long", root, path);
	for (char *p = buf + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return error_set(SMSAUDIT_EIO, "%s: cannot create: %s", buf, strerror(errno));
		*p = '/';
	}
	return 0;
}


static int write_file(const char *root, const char *name, const void *data, size_t len)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s/%s", root, name);
	int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot create: %s", full, strerror(errno));
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", full, strerror(e));
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", full, strerror(errno));
	return 0;
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* A file written through SHA-256, so its digest is that of the bytes written. */
typedef struct {
	FILE *f;
	EVP_MD_CTX *md;
	uint64_t size;
	char path[4200];
} hashed_file;

static int hf_open(hashed_file *h, const char *root, const char *name)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s/%s", root, name);
	int fd = open(h->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot create: %s", h->path, strerror(errno));
	h->f = fdopen(fd, "wb");
	h->md = EVP_MD_CTX_new();
	if (!h->f || !h->md || !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
		if (h->f)
			fclose(h->f);
		else
			close(fd);
		EVP_MD_CTX_free(h->md);
		memset(h, 0, sizeof(*h));
		return error_oom();
	}
	return 0;
}

static int hf_write(hashed_file *h, const void *data, size_t len)
{
	if (len && (fwrite(data, 1, len, h->f) != len || !EVP_DigestUpdate(h->md, data, len)))
		return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", h->path, strerror(errno));
	h->size += len;
	return 0;
}

/* Closed in every case; the error of any write that failed on the way. */
static int hf_close(hashed_file *h, unsigned char digest[32])
{
	if (!h->f)
		return 0;
	int failed = ferror(h->f);
	int e = errno;
	if (fclose(h->f) != 0 && !failed) {
		failed = 1;
		e = errno;
	}
	unsigned int n = 0;
	int rc = failed ? error_set(SMSAUDIT_EIO, "%s: cannot write: %s", h->path, strerror(e)) : 0;
	if (rc == 0 && digest && (!EVP_DigestFinal_ex(h->md, digest, &n) || n != 32))
		rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	EVP_MD_CTX_free(h->md);
	h->f = NULL;
	h->md = NULL;
	return rc;
}

static void hex32(char out[65], const unsigned char d[32])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

static int unhex32(unsigned char out[32], const char *s)
{
	for (int i = 0; i < 64; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		out[i / 2] = (unsigned char)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return s[64] == '\0' ? 0 : -1;
}

/* One <file/> line of the manifest, as the canonical writer lays it out. */
static int manifest_file_line(smsaudit_buf *b, const char *path, const char *sha, uint64_t size)
{
	b->size = 0;
	int rc = buf_puts(b, "    <file path=\"");
	if (rc == 0)
		rc = smsaudit_xml_escape(b, path, 1, "file");
	if (rc == 0)
		rc = buf_puts(b, "\" sha256=\"");
	if (rc == 0)
		rc = smsaudit_xml_escape(b, sha, 1, "file");
	if (rc == 0)
		rc = buf_printf(b, "\" size=\"%llu\"/>\n", (unsigned long long)size);
	return rc;
}

/*
 * The pack's files as they are written, in path order (the order of git's
 * trees): each one's line goes to SHA256SUMS and to the manifest's body (a
 * spool in the partial folder) at once, so nothing about them is held. The
 * two files that SHA256SUMS cannot list (itself and the PDF, which prints its
 * digest) are put into the manifest when it is written from the spool.
 */
typedef struct {
	hashed_file sums, spool;
	smsaudit_buf line;
	char last[4096];
	size_t n;
	uint64_t bytes;
	uint64_t linked;   /* of those bytes, the evidence copies' (hard links: no space spent) */
	uint64_t pdf_at;   /* where in the spool pack.pdf's line goes */
	int pdf_placed;
} pack_list;

static int list_open(pack_list *l, const char *root)
{
	memset(l, 0, sizeof(*l));
	int rc = hf_open(&l->sums, root, SUMS);
	if (rc == 0)
		rc = hf_open(&l->spool, root, MANIFEST_SPOOL);
	return rc;
}

static void list_close(pack_list *l)
{
	hf_close(&l->sums, NULL);
	hf_close(&l->spool, NULL);
	smsaudit_buf_dispose(&l->line);
}

static int list_add(pack_list *l, const char *path, const char *sha, uint64_t size)
{
	/* Written in order or not at all: a manifest out of order would be refused by verify-pack. */
	if (l->n && strcmp(path, l->last) <= 0)
		return error_set(SMSAUDIT_ERROR, "internal error: the pack's file %s comes after %s", path, l->last);
	if (strlen(path) >= sizeof(l->last))
		return error_set(SMSAUDIT_EINVALID, "%s: path too long for a pack", path);
	if (!l->pdf_placed && strcmp(path, REPORT) > 0) {
		l->pdf_at = l->spool.size;
		l->pdf_placed = 1;
	}
	int rc = manifest_file_line(&l->line, path, sha, size);
	if (rc == 0)
		rc = hf_write(&l->spool, l->line.ptr, l->line.size);
	l->line.size = 0;
	if (rc == 0)
		rc = buf_printf(&l->line, "%s  %s\n", sha, path);
	if (rc == 0)
		rc = hf_write(&l->sums, l->line.ptr, l->line.size);
	snprintf(l->last, sizeof(l->last), "%s", path);
	l->n++;
	l->bytes += size;
	return rc;
}

/* What the export learnt of each content file (content/<aa>/<sha256>), in
 * name order: the readable copies under evidence/ are hard links to them. */
typedef struct {
	unsigned char name[32];
	unsigned char sha[32];
	uint64_t size;
} content_seen;

typedef struct {
	content_seen *v;
	size_t n, cap;
} content_list;

static int cmp_content(const void *a, const void *b)
{
	return memcmp(((const content_seen *)a)->name, ((const content_seen *)b)->name, 32);
}

typedef struct {
	smsaudit_repo *repo;
	const char *root;
	pack_list *list;
	content_list *content;
} export_ctx;

static int export_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	export_ctx *x = u;
	char full[4096], sha[65];
	uint64_t size = 0;
	int rc = make_parents(x->root, path);
	if (rc < 0)
		return rc;
	snprintf(full, sizeof(full), "%s/%s", x->root, path);
	int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot create: %s", full, strerror(errno));
	/* One read of the blob: written and hashed together. */
	rc = smsaudit_repo_blob_to_fd(x->repo, blob, fd, NULL, sha, &size);
	if (close(fd) < 0 && rc == 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", full, strerror(errno));
	if (rc == 0)
		rc = list_add(x->list, path, sha, size);
	content_seen c;
	if (rc == 0 && strncmp(path, "content/", 8) == 0 && strlen(path) == 8 + 3 + 64 &&
	    unhex32(c.name, path + 11) == 0 && unhex32(c.sha, sha) == 0) {
		content_list *l = x->content;
		c.size = size;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 1024;
			content_seen *v = realloc(l->v, cap * sizeof(*v));
			if (!v)
				return error_oom();
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = c;
	}
	progress_report("writing the pack", x->list->n, 0); /* how many there are is known only at the end */
	return rc;
}

static int export_tree(export_ctx *x, const smsaudit_oid *commit, const char *tree)
{
	return smsaudit_repo_walk(x->repo, commit, tree, export_cb, x);
}

static int export_single(export_ctx *x, const smsaudit_oid *commit, const char *path)
{
	smsaudit_oid blob;
	int rc = smsaudit_repo_path_oid(&blob, x->repo, commit, path);
	return rc < 0 ? rc : export_cb(path, &blob, x);
}

/* A copy of src at dst: a hard link where the file system allows, else the bytes. */
static int link_or_copy(const char *src, const char *dst)
{
	if (link(src, dst) == 0)
		return 0;
	FILE *in = fopen(src, "rb");
	int fd = in ? open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	int rc = in && fd >= 0 ? 0 : error_set(SMSAUDIT_EIO, "%s: cannot create: %s", dst, strerror(errno));
	char buf[65536];
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		for (size_t off = 0; rc == 0 && off < n;) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", dst, strerror(errno));
			else
				off += (size_t)w;
		}
	if (rc == 0 && in && ferror(in))
		rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", src, strerror(errno));
	if (in)
		fclose(in);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", dst, strerror(errno));
	return rc;
}

/* One readable copy: its path (first the offset of its path in the names,
 * then, once they are all made, a pointer), the content it copies. */
typedef struct {
	union {
		size_t off;
		const char *path;
	} name;
	const content_seen *src;
} evidence_copy;

static int cmp_copy(const void *a, const void *b)
{
	return strcmp(((const evidence_copy *)a)->name.path, ((const evidence_copy *)b)->name.path);
}

/*
 * Evidence an auditor can open: every evidence record's content again under
 * evidence/<clause>/<id>-<original name>, once per clause it is linked to
 * (hard links to content/<aa>/<sha256> where possible, so no space is spent),
 * written in path order after content/.
 */
static int evidence_files(const char *root, pack_list *list, const content_list *content,
                          const smsaudit_pack_model *m)
{
	smsaudit_buf names = SMSAUDIT_BUF_INIT;
	evidence_copy *copies = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < m->nevidence; i++) {
		const smsaudit_evidence_entry *e = m->evidence[i];
		const smsaudit_evidence_body *b = &e->record->evidence;
		content_seen key;
		if (unhex32(key.name, b->sha256) < 0)
			continue;
		const content_seen *src =
			content->n ? bsearch(&key, content->v, content->n, sizeof(*content->v), cmp_content) : NULL;
		if (!src)
			continue; /* a record whose content is not in the repository: verify-pack names it */
		for (size_t j = 0; rc == 0 && j < b->ncontrols; j++) {
			char path[400];
			smsaudit_pack_evidence_path(path, sizeof(path), b->controls[j], e);
			if (n == cap) {
				size_t c = cap ? 2 * cap : 1024;
				evidence_copy *v = realloc(copies, c * sizeof(*v));
				if (!v) {
					rc = error_oom();
					break;
				}
				copies = v;
				cap = c;
			}
			copies[n].name.off = names.size;
			copies[n].src = src;
			n++;
			rc = buf_put(&names, path, strlen(path) + 1);
		}
	}
	for (size_t k = 0; rc == 0 && k < n; k++)
		copies[k].name.path = names.ptr + copies[k].name.off;
	if (rc == 0 && n)
		qsort(copies, n, sizeof(*copies), cmp_copy);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const char *path = copies[k].name.path;
		const content_seen *src = copies[k].src;
		char from[4200], to[4600], name[65], sha[65];
		hex32(name, src->name);
		hex32(sha, src->sha);
		snprintf(from, sizeof(from), "%s/content/%.2s/%s", root, name, name);
		snprintf(to, sizeof(to), "%s/%s", root, path);
		if ((rc = make_parents(root, path)) == 0 && (rc = link_or_copy(from, to)) == 0)
			rc = list_add(list, path, sha, src->size);
		list->linked += src->size;
	}
	free(copies);
	smsaudit_buf_dispose(&names);
	return rc;
}

static int html_to_file(const char *data, size_t len, void *u)
{
	return hf_write(u, data, len);
}

/* index.html: the pack in a browser, linking the evidence files; written as it is made. */
static int index_file(const char *root, pack_list *list, const smsaudit_pack_model *m)
{
	hashed_file h;
	unsigned char d[32];
	char sha[65];
	int rc = hf_open(&h, root, INDEX);
	if (rc < 0)
		return rc;
	rc = smsaudit_pack_html_write(m, html_to_file, &h);
	int crc = hf_close(&h, d);
	if (rc == 0)
		rc = crc;
	if (rc == 0) {
		hex32(sha, d);
		rc = list_add(list, INDEX, sha, h.size);
	}
	return rc;
}

/* A text-only element of the manifest's head, as the canonical writer lays it out. */
static int head_element(smsaudit_buf *b, const char *name, const char *text)
{
	int blank = 1;
	for (const char *p = text; p && *p && blank; p++)
		blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
	if (blank)
		return buf_printf(b, "  <%s/>\n", name);
	int rc = buf_printf(b, "  <%s>", name);
	if (rc == 0)
		rc = smsaudit_xml_escape(b, text, 0, name);
	if (rc == 0)
		rc = buf_printf(b, "</%s>\n", name);
	return rc;
}

static int head_attr(smsaudit_buf *b, const char *name, const char *value)
{
	int rc = buf_printf(b, " %s=\"", name);
	if (rc == 0)
		rc = smsaudit_xml_escape(b, value, 1, "audit");
	if (rc == 0)
		rc = buf_puts(b, "\"");
	return rc;
}

/* The manifest's head: the pack model's identity, audit and date. */
static int manifest_head(smsaudit_buf *b, const smsaudit_pack_model *m)
{
	const smsaudit_audit *a = m->audit;
	char d[11], f[11], t[11];
	smsaudit_date_format(d, m->as_of);
	smsaudit_date_format(f, a->from);
	smsaudit_date_format(t, a->to);
	int rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"" MANIFEST_NS
	                     "\" version=\"1\">\n");
	if (rc == 0)
		rc = head_element(b, "pack", m->pack_id);
	if (rc == 0)
		rc = head_element(b, "organisation", m->repository_organisation);
	if (rc == 0)
		rc = buf_puts(b, "  <audit");
	if (rc == 0)
		rc = head_attr(b, "id", a->plan->id);
	if (rc == 0)
		rc = head_attr(b, "type", smsaudit_audit_type_name(a->plan->audit.type));
	if (rc == 0)
		rc = head_attr(b, "from", f);
	if (rc == 0)
		rc = head_attr(b, "to", t);
	if (rc == 0)
		rc = buf_puts(b, "/>\n");
	if (rc == 0)
		rc = head_element(b, "source-commit", m->commit);
	if (rc == 0)
		rc = head_element(b, "as-of", d);
	if (rc == 0)
		rc = head_element(b, "tool", "smsaudit " SMSAUDIT_VERSION);
	if (rc == 0)
		rc = head_element(b, "trust-anchor", m->anchor_sha256);
	if (rc == 0)
		rc = head_element(b, "signer", m->signer);
	if (rc == 0 && m->draft)
		rc = head_element(b, "draft", "not sealed: no seal record and no audit tag vouch for this pack");
	if (rc == 0)
		rc = buf_puts(b, "  <files>\n");
	return rc;
}

/* Copy [from, to) of the spool into the manifest. */
static int spool_copy(hashed_file *out, FILE *spool, uint64_t from, uint64_t to, const char *spool_path)
{
	char buf[65536];
	if (fseeko(spool, (off_t)from, SEEK_SET) != 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot read: %s", spool_path, strerror(errno));
	uint64_t left = to - from;
	while (left) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t got = fread(buf, 1, want, spool);
		if (got == 0)
			return error_set(SMSAUDIT_EIO, "%s: cannot read: %s", spool_path,
			                 ferror(spool) ? strerror(errno) : "shorter than written");
		int rc = hf_write(out, buf, got);
		if (rc < 0)
			return rc;
		left -= got;
	}
	return 0;
}

/*
 * manifest.xml, byte for byte what the canonical writer made of the manifest
 * as a tree, but written as a stream: the head, SHA256SUMS's line, the spool
 * with pack.pdf's line in its place, the end. `digest` is the SHA-256 of the
 * bytes written, which is what is signed and time-stamped.
 */
static int write_manifest(unsigned char digest[32], const char *root, pack_list *l, const smsaudit_pack_model *m,
                          const char *sums_sha, uint64_t sums_size, const char *pdf_sha, uint64_t pdf_size)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	hashed_file out;
	char spool_path[4200];
	snprintf(spool_path, sizeof(spool_path), "%s/%s", root, MANIFEST_SPOOL);
	uint64_t spool_size = l->spool.size, pdf_at = l->pdf_placed ? l->pdf_at : l->spool.size;
	int rc = hf_close(&l->spool, NULL);
	FILE *spool = rc == 0 ? fopen(spool_path, "rb") : NULL;
	if (rc == 0 && !spool)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", spool_path, strerror(errno));
	if (rc == 0)
		rc = hf_open(&out, root, MANIFEST);
	int opened = rc == 0;
	if (rc == 0)
		rc = manifest_head(&b, m);
	if (rc == 0)
		rc = hf_write(&out, b.ptr, b.size);
	if (rc == 0 && (rc = manifest_file_line(&b, SUMS, sums_sha, sums_size)) == 0)
		rc = hf_write(&out, b.ptr, b.size);
	if (rc == 0)
		rc = spool_copy(&out, spool, 0, pdf_at, spool_path);
	if (rc == 0 && (rc = manifest_file_line(&b, REPORT, pdf_sha, pdf_size)) == 0)
		rc = hf_write(&out, b.ptr, b.size);
	if (rc == 0)
		rc = spool_copy(&out, spool, pdf_at, spool_size, spool_path);
	if (rc == 0)
		rc = hf_write(&out, "  </files>\n</manifest>\n", 23);
	if (opened) {
		int crc = hf_close(&out, digest);
		if (rc == 0)
			rc = crc;
	}
	if (spool)
		fclose(spool);
	/* The spool is no file of the pack. */
	if (rc == 0 && unlink(spool_path) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot remove: %s", spool_path, strerror(errno));
	smsaudit_buf_dispose(&b);
	return rc;
}

typedef int (*manifest_file_fn)(const char *path, const char *sha, uint64_t size, void *u);
static int manifest_stream(unsigned char digest[32], int *bad, int fd, const char *path, smsaudit_pack_check *out,
                           manifest_file_fn file, void *u);

static int check_written_manifest(const char *root, const unsigned char digest[32])
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", root, MANIFEST);
	int fd, bad = 0;
	unsigned char again[32];
	smsaudit_pack_check chk;
	memset(&chk, 0, sizeof(chk));
	int rc = file_open_input(&fd, path, 0);
	if (rc == 0) {
		rc = manifest_stream(again, &bad, fd, path, &chk, NULL, NULL);
		close(fd);
	}
	if (rc < 0)
		return error_prefix(rc, "the manifest written is not one verify-pack accepts");
	if (memcmp(again, digest, 32) != 0)
		return error_set(SMSAUDIT_EIO, "%s changed while it was written", path);
	return 0;
}

/* SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the as-of date. */
static time_t report_time(time_t as_of)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (s && *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 12)
		return (time_t)strtoll(s, NULL, 10);
	return as_of;
}

/* A seal vouches for the repository: the same checks as verify (records,
 * history, the pin and the checkpoints), or nothing is written. */
static int refuse_unverified(smsaudit_store *store, const smsaudit_state *st, const smsaudit_oid *commit)
{
	smsaudit_problem *extra = NULL;
	size_t nextra = 0;
	smsaudit_oid head;
	smsaudit_pin_status pin;
	int at_main = smsaudit_repo_head(&head, store->repo) == 0 && memcmp(head.id, commit->id, sizeof(head.id)) == 0;
	int rc = smsaudit_pin_check(&pin, &extra, &nextra, store, st, NULL, at_main);
	size_t n = smsaudit_state_problem_count(st) + nextra;
	if (rc == 0 && n) {
		const smsaudit_problem *p = smsaudit_state_problem_count(st) ? smsaudit_state_problem_at(st, 0) : &extra[0];
		rc = error_set(SMSAUDIT_EVERIFY, "the repository fails verification (%zu problem%s), so no pack is sealed; "
		               "first: %s%s%s: %s; run 'smsaudit verify' for all", n, n == 1 ? "" : "s", p->path,
		               p->path[0] && p->id[0] ? ": " : "", p->id, p->message);
	}
	free(extra);
	return rc;
}

int smsaudit_pack_build(smsaudit_pack_result *out, smsaudit_store *store, smsaudit_identity *signer,
                        const smsaudit_pack_options *o)
{
	memset(out, 0, sizeof(*out));
	if (!o->audit || !o->out_dir || !*o->out_dir)
		return error_set(SMSAUDIT_EUSAGE, "a pack needs an audit and an output folder");
	if (o->reproduce ? !o->sealed_by : !signer)
		return error_set(SMSAUDIT_EUSAGE, "a pack needs its signer");
	if (!o->reproduce && !(signer->roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
		return error_set(SMSAUDIT_EINVALID, "%s may not seal a pack: only a quality manager signs its manifest",
		                 signer->email);
	/* A reproduction is laid out as the sealed pack was, and seals nothing. */
	int sealing = !o->no_seal && !o->reproduce;
	struct stat sb;
	int exists = stat(o->out_dir, &sb) == 0;
	if (exists && !S_ISDIR(sb.st_mode))
		return error_set(SMSAUDIT_EEXISTS, "%s exists and is not a folder", o->out_dir);
	if (exists && !o->force && dir_is_empty(o->out_dir) != 1)
		return error_set(SMSAUDIT_EEXISTS, "%s exists and is not empty (--force replaces it)", o->out_dir);

	smsaudit_repo *repo = store->repo;
	smsaudit_oid commit;
	time_t as_of = smsaudit_date_of(o->as_of ? o->as_of : smsaudit_now());
	int rc = o->commit ? smsaudit_repo_resolve(&commit, repo, o->commit)
	         : o->as_of ? smsaudit_repo_commit_at(&commit, repo, smsaudit_day_end(as_of))
	                    : smsaudit_repo_head(&commit, repo);
	/* The state is loaded once; everything the pack shows is built from it, once,
	 * and the report and the manifest read only that model. An unknown audit or
	 * a broken definition is refused there, before anything is written. */
	smsaudit_state *st = NULL;
	smsaudit_pack_model m;
	memset(&m, 0, sizeof(m));
	smsaudit_pack_model_options mo = SMSAUDIT_PACK_MODEL_OPTIONS_INIT;
	mo.audit = o->audit;
	mo.as_of = as_of;
	mo.definition = o->definition;
	if (rc == 0)
		rc = smsaudit_state_load(&st, store, &commit, SMSAUDIT_STATE_USE_CACHE);
	if (rc == 0)
		rc = smsaudit_pack_model_build(&m, store, st, &mo);
	/* Nothing is sealed that verify would refuse. */
	if (rc == 0 && sealing)
		rc = refuse_unverified(store, st, &commit);
	if (rc < 0) {
		smsaudit_pack_model_dispose(&m);
		smsaudit_state_free(st);
		return rc;
	}
	const smsaudit_audit *a = m.audit;
	memcpy(out->commit, m.commit, sizeof(out->commit));
	memcpy(out->pack_id, m.pack_id, sizeof(out->pack_id));
	memcpy(out->anchor_sha256, m.anchor_sha256, sizeof(out->anchor_sha256));
	m.signer = o->reproduce ? o->sealed_by : signer->email;
	m.draft = o->no_seal;
	m.created = report_time(as_of);

	char tmp[4096];
	/* A pack killed half-way leaves its partial folder (gigabytes of content):
	 * the next pack into the same place removes it. */
	if (rc == 0)
		rc = partial_dir_make(tmp, sizeof(tmp), o->out_dir);
	int made_tmp = rc == 0;
	/* Every file in path order, each line of SHA256SUMS and of the manifest
	 * written as its file is: catalogue/, content/, the readable copies under
	 * evidence/, index.html, then records/ and the rest of the repository. */
	pack_list list;
	memset(&list, 0, sizeof(list));
	content_list content = { NULL, 0, 0 };
	export_ctx x = { repo, tmp, &list, &content };
	if (rc == 0)
		rc = list_open(&list, tmp);
	if (rc == 0)
		rc = export_tree(&x, &commit, "catalogue");
	if (rc == 0)
		rc = export_tree(&x, &commit, "content");
	if (rc == 0)
		rc = evidence_files(tmp, &list, &content, &m);
	free(content.v);
	if (rc == 0)
		rc = index_file(tmp, &list, &m);
	if (rc == 0)
		rc = export_tree(&x, &commit, "records");
	if (rc == 0)
		rc = export_single(&x, &commit, "smsaudit.xml");
	if (rc == 0)
		rc = export_single(&x, &commit, "smsaudit.xml.p7s");
	if (rc == 0)
		rc = export_tree(&x, &commit, SMSAUDIT_STAMPS_DIR);
	if (rc == 0)
		rc = export_tree(&x, &commit, "trust");
	/* SHA256SUMS, whose digest the PDF prints, then the PDF; the manifest lists both. */
	unsigned char d[32];
	int src = hf_close(&list.sums, d);
	if (rc == 0)
		rc = src;
	uint64_t sums_size = list.sums.size;
	if (rc == 0)
		hex32(out->sums_sha256, d);
	smsaudit_buf pdf = SMSAUDIT_BUF_INIT;
	if (rc == 0) {
		memcpy(m.sums_sha256, out->sums_sha256, sizeof(m.sums_sha256));
		smsaudit_report_stats stats = { 0, 0 };
		rc = smsaudit_report_render(&pdf, &stats, &m);
		out->pages = stats.pages;
		out->replaced = stats.replaced;
	}
	if (rc == 0)
		rc = write_file(tmp, REPORT, pdf.ptr, pdf.size);
	if (rc == 0)
		rc = sha256_hex(out->pdf_sha256, pdf.ptr, pdf.size);
	uint64_t pdf_size = pdf.size;
	smsaudit_buf_dispose(&pdf);
	/* The manifest, its digest taken as it is written: that digest is what
	 * is signed and stamped, so the signature is over the bytes written. */
	unsigned char manifest_digest[32];
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	if (rc == 0)
		rc = write_manifest(manifest_digest, tmp, &list, &m, out->sums_sha256, sums_size, out->pdf_sha256, pdf_size);
	out->nfiles = list.n + 2;
	out->bytes = list.bytes - list.linked + sums_size + pdf_size;
	list_close(&list);
	/* Read back as verify-pack reads it: well-formed, valid, in order, and
	 * the very bytes whose digest is signed. */
	if (rc == 0)
		rc = check_written_manifest(tmp, manifest_digest);
	if (rc == 0 && !o->reproduce)
		rc = smsaudit_sign_detached_digest(&sig, manifest_digest, signer->cert, signer->key, smsaudit_now());
	if (rc == 0 && !o->reproduce)
		rc = write_file(tmp, MANIFEST_SIG, sig.ptr, sig.size);
	/* A TSA's token says when the pack was sealed, which the quality manager's
	 * clock cannot. Once one is configured a seal needs it: a pack that could
	 * not be stamped is not sealed (run pack again when the TSA answers). */
	smsaudit_tsa *tsas = NULL;
	size_t ntsas = 0;
	if (rc == 0 && !o->reproduce && (rc = smsaudit_tsa_list(&tsas, &ntsas, repo, NULL)) == 0 && ntsas) {
		smsaudit_buf token = SMSAUDIT_BUF_INIT;
		rc = smsaudit_tsa_stamp_first_digest(&token, tsas, ntsas, manifest_digest);
		if (rc == 0) {
			rc = write_file(tmp, MANIFEST_TSR, token.ptr, token.size);
		} else if (sealing) {
			rc = error_prefix(rc, "not sealed: the manifest needs a time-stamp token");
		} else {
			notice("the draft has no time-stamp token: %s", smsaudit_error_last()->message);
			smsaudit_error_clear();
			rc = 0;
		}
		smsaudit_buf_dispose(&token);
	}
	smsaudit_tsa_list_free(tsas, ntsas);
	if (rc == 0)
		hex32(out->manifest_sha256, manifest_digest);
	/* The seal record and the audit's tag, before the pack is moved into place: a seal
	 * whose pack failed to move can be honoured by rebuilding (manifest.xml is reproducible). */
	if (rc == 0 && sealing) {
		smsaudit_record rec;
		memset(&rec, 0, sizeof(rec));
		rec.type = SMSAUDIT_REC_SEAL;
		rec.made_at = smsaudit_now();
		rec.made_by = (char *)smsaudit_identity_email(signer);
		smsaudit_seal_body *seal = &rec.seal;
		snprintf(seal->audit, sizeof(seal->audit), "%s", a->plan->id);
		snprintf(seal->pack, sizeof(seal->pack), "%s", out->pack_id);
		memcpy(seal->commit, out->commit, sizeof(seal->commit));
		seal->as_of = as_of;
		memcpy(seal->manifest_sha256, out->manifest_sha256, 65);
		memcpy(seal->sums_sha256, out->sums_sha256, 65);
		memcpy(seal->pdf_sha256, out->pdf_sha256, 65);
		rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
		char summary[200], tag[SMSAUDIT_ID_MAX + 8];
		snprintf(summary, sizeof(summary), "pack seal: %s for %s", out->pack_id, a->plan->id);
		if (rc == 0)
			rc = store_commit_record(store, signer, &rec, summary, "pack-seal");
		snprintf(tag, sizeof(tag), "audit/%s", a->plan->id);
		if (rc == 0)
			rc = smsaudit_repo_tag_set(repo, tag, &commit);
		if (rc == 0) {
			memcpy(out->seal_id, rec.id, SMSAUDIT_ID_MAX);
			snprintf(out->tag, sizeof(out->tag), "%s", tag);
		}
	}
	/* Into place only when complete. */
	if (rc == 0) {
		char old[4200] = "";
		if (exists) {
			snprintf(old, sizeof(old), "%s.old-XXXXXX", o->out_dir);
			if (!mkdtemp(old) || rmdir(old) < 0 || rename(o->out_dir, old) < 0)
				rc = error_set(SMSAUDIT_EIO, "%s: cannot move aside: %s", o->out_dir, strerror(errno));
		}
		if (rc == 0 && rename(tmp, o->out_dir) < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot move into place: %s", o->out_dir, strerror(errno));
			if (exists)
				(void)rename(old, o->out_dir);
		}
		if (rc == 0 && exists)
			remove_tree(old);
	}
	if (rc < 0 && made_tmp)
		remove_tree(tmp);
	smsaudit_buf_dispose(&sig);
	smsaudit_pack_model_dispose(&m);
	smsaudit_state_free(st);
	return rc;
}

/* ------------------------------------------------------------------ verify */

typedef struct {
	smsaudit_pack_check *out;
	smsaudit_pack_problem_fn fn;
	void *u;
} reporter;

static void problem(reporter *r, const char *file, const char *fmt, ...) SMSAUDIT_PRINTF(3, 4);
static void problem(reporter *r, const char *file, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->out->nproblems++;
	if (r->fn)
		r->fn(file, msg, r->u);
}

/* Why a file of the pack could not be read: what it is when it is no regular
 * file (a FIFO planted in a pack is named, never waited on). */
static const char *unreadable(char *buf, size_t size, const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		snprintf(buf, size, "%s, not a regular file", file_type_name((unsigned)st.st_mode));
	else
		snprintf(buf, size, "missing or unreadable");
	return buf;
}

static int load_trust(smsaudit_trust **trust, smsaudit_cert **ca, const char *dir, reporter *r, char anchor[65])
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/trust/ca.pem", dir);
	int rc = smsaudit_cert_load(ca, path);
	if (rc < 0) {
		char why[64];
		problem(r, "trust/ca.pem", "the trust anchor is %s", unreadable(why, sizeof(why), path));
		return 1;
	}
	if ((rc = smsaudit_cert_fingerprint(anchor, *ca)) < 0 || (rc = smsaudit_trust_new(trust)) < 0 ||
	    (rc = smsaudit_trust_add(*trust, *ca)) < 0)
		return rc;
	/* Other CAs granted by the organisation (an external auditor's). */
	snprintf(path, sizeof(path), "%s/trust/anchors", dir);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0)
			continue;
		char file[4400];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		smsaudit_cert *extra = NULL;
		if (smsaudit_cert_load(&extra, file) == 0)
			smsaudit_trust_add(*trust, extra);
		smsaudit_cert_free(extra);
	}
	if (d)
		closedir(d);
	return 0;
}

/* The manifest's time-stamp token, against the TSAs the pack's repository configures. */
static void check_manifest_token(reporter *r, smsaudit_pack_check *out, const char *dir, const unsigned char digest[32])
{
	char path[4200];
	smsaudit_buf tsr = SMSAUDIT_BUF_INIT, xml = SMSAUDIT_BUF_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_TSR);
	int have = file_read_all(&tsr, path, 1u << 20) == 0;
	smsaudit_error_clear();
	snprintf(path, sizeof(path), "%s/" SMSAUDIT_TSA_DIR, dir);
	DIR *d = opendir(path);
	struct dirent *e;
	char why[600] = "the pack's repository configures no time-stamping authority (" SMSAUDIT_TSA_DIR ")";
	while (d && (e = readdir(d)) != NULL && !out->stamped_at) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
			continue;
		smsaudit_tsa tsa;
		char file[4500];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (file_read_all(&xml, file, 1u << 20) < 0 || smsaudit_tsa_parse(&tsa, xml.ptr, xml.size, e->d_name) < 0)
			continue; /* the records' check reports a broken configuration */
		out->tsa_configured = 1;
		if (have && smsaudit_tsa_check_digest(&out->stamped_at, tsr.ptr, tsr.size, digest, tsa.ca) == 0)
			snprintf(out->tsa, sizeof(out->tsa), "%.16s", tsa.ca_fingerprint);
		else if (have)
			snprintf(why, sizeof(why), "%s", smsaudit_error_last()->message);
		smsaudit_tsa_dispose(&tsa);
	}
	if (d)
		closedir(d);
	smsaudit_error_clear();
	if (have && !out->stamped_at)
		problem(r, MANIFEST_TSR, "the time-stamp token does not verify against the pack's time-stamping "
		        "authorities (%s)", why);
	else if (!have && out->tsa_configured)
		problem(r, MANIFEST_TSR, "missing: the pack's repository configures a time-stamping authority, so its "
		        "seal carries a token over the manifest");
	else if (out->stamped_at && out->signed_at > out->stamped_at + 300)
		problem(r, MANIFEST_SIG, "signed after its time-stamp token: the manifest's signing time is later than the "
		        "time-stamping authority's");
	smsaudit_buf_dispose(&tsr);
	smsaudit_buf_dispose(&xml);
}

/* ------------------------------------------------------------------ reading, streamed */

/* A file read through SHA-256. */
typedef struct {
	int fd;
	EVP_MD_CTX *md;
	const char *path;
} hashed_reader;

static long hashed_read(char *buf, size_t len, void *u)
{
	hashed_reader *h = u;
	for (;;) {
		ssize_t n = read(h->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(SMSAUDIT_EIO, "%s: cannot read: %s", h->path, strerror(errno));
		if (n > 0 && !EVP_DigestUpdate(h->md, buf, (size_t)n))
			return error_set(SMSAUDIT_ERROR, "SHA-256 failed");
		return (long)n;
	}
}

/* Each file the manifest lists, in its order: manifest_file_fn. */

typedef struct {
	smsaudit_pack_check *out;
	manifest_file_fn file;
	void *u;
	int file_failed;     /* `file` failed (not the manifest) */
	size_t n;
	char prev[4096];
} manifest_reader;

static const char *event_attr(const smsaudit_xml_event *e, const char *name)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[2 * i], name) == 0)
			return e->attrs[2 * i + 1];
	return NULL;
}

/* `text` without the whitespace around it, into field. */
static void trimmed(char *field, size_t size, const char *text)
{
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	size_t n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	snprintf(field, size, "%.*s", (int)(n < size ? n : size - 1), text);
}

static int manifest_event(const smsaudit_xml_event *e, void *u)
{
	manifest_reader *r = u;
	smsaudit_pack_check *out = r->out;
	if (e->depth == 1 && !e->text) {
		if (strcmp(e->name, "draft") == 0)
			out->draft = 1;
		else if (strcmp(e->name, "audit") == 0) {
			const char *id = event_attr(e, "id");
			snprintf(out->audit, sizeof(out->audit), "%.*s", (int)sizeof(out->audit) - 1, id ? id : "");
		}
	} else if (e->depth == 1) {
		if (strcmp(e->name, "pack") == 0)
			trimmed(out->pack_id, sizeof(out->pack_id), e->text);
		else if (strcmp(e->name, "source-commit") == 0)
			trimmed(out->commit, sizeof(out->commit), e->text);
		else if (strcmp(e->name, "as-of") == 0)
			trimmed(out->as_of, sizeof(out->as_of), e->text);
		else if (strcmp(e->name, "signer") == 0)
			trimmed(out->signer, sizeof(out->signer), e->text);
	} else if (e->depth == 2 && !e->text && strcmp(e->name, "file") == 0) {
		const char *path = event_attr(e, "path"), *sha = event_attr(e, "sha256"), *size = event_attr(e, "size");
		path = path ? path : "";
		/* In path order, each once: what lets the pack be checked as a stream. */
		if (r->n && strcmp(path, r->prev) <= 0)
			return error_set(SMSAUDIT_EINVALID, "%s:%d: %s is listed out of order (after %s)", MANIFEST, e->line, path,
			                 r->prev);
		if (strlen(path) >= sizeof(r->prev))
			return error_set(SMSAUDIT_EINVALID, "%s:%d: a path of %zu bytes", MANIFEST, e->line, strlen(path));
		memcpy(r->prev, path, strlen(path) + 1);
		r->n++;
		int rc = r->file ? r->file(path, sha ? sha : "", size ? strtoull(size, NULL, 10) : 0, r->u) : 0;
		r->file_failed = rc < 0;
		return rc;
	}
	return 0;
}

/*
 * Read the manifest at `fd` (from its start) as a stream, validated against
 * its schema: what it says of the pack into `out`, each file to `file`.
 * `digest` receives the SHA-256 of the whole file, read to its end even when
 * the parse stops early. Returns 0; a manifest that is not well-formed, not
 * valid or out of order is SMSAUDIT_EINVALID with *bad set; any other error
 * (of `file`, or reading) is returned with *bad 0.
 */
static int manifest_stream(unsigned char digest[32], int *bad, int fd, const char *path, smsaudit_pack_check *out,
                           manifest_file_fn file, void *u)
{
	*bad = 0;
	smsaudit_xml_schema *schema = NULL;
	hashed_reader h = { fd, EVP_MD_CTX_new(), path };
	manifest_reader mr;
	memset(&mr, 0, sizeof(mr));
	mr.out = out;
	mr.file = file;
	mr.u = u;
	int rc = h.md && EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) ? 0 : error_oom();
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", path, strerror(errno));
	if (rc == 0)
		rc = smsaudit_xml_schema_builtin(&schema, "manifest.xsd");
	if (rc == 0) {
		rc = smsaudit_xml_stream(hashed_read, &h, MANIFEST, schema, manifest_event, &mr);
		*bad = rc == SMSAUDIT_EINVALID && !mr.file_failed;
	}
	out->nfiles = mr.n;
	/* The rest of the file, for its digest. */
	char buf[65536];
	long n;
	int drc = 0;
	while (h.md && (n = hashed_read(buf, sizeof(buf), &h)) != 0)
		if (n < 0) {
			drc = (int)n;
			break;
		}
	unsigned int dl = 0;
	if (drc == 0 && h.md && (!EVP_DigestFinal_ex(h.md, digest, &dl) || dl != 32))
		drc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	if (rc == 0 || *bad)
		rc = drc < 0 ? drc : rc;
	if (drc < 0)
		*bad = 0;
	EVP_MD_CTX_free(h.md);
	smsaudit_xml_schema_free(schema);
	return rc;
}

/* ---- the pack folder, walked in path order beside the manifest ---- */

typedef struct {
	char *name;
	mode_t mode;
	uint64_t size;
} walk_entry;

typedef struct {
	walk_entry *e;
	size_t n, i;
	size_t plen;        /* length of the folder's path (with its '/') */
} walk_level;

typedef struct {
	const char *root;
	reporter *r;
	walk_level *lv;
	size_t depth, cap;
	char path[4096];    /* the current entry, relative */
	int have;           /* `path` holds an entry not yet consumed */
	mode_t mode;
	uint64_t size;
} disk_walk;

/* The order of git's trees, which is the order of whole paths: a folder
 * sorts as its name followed by '/'. */
static int cmp_walk(const void *a, const void *b)
{
	const walk_entry *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
	while (*p && *p == *q) {
		p++;
		q++;
	}
	unsigned c1 = *p ? *p : S_ISDIR(x->mode) ? '/' : 0;
	unsigned c2 = *q ? *q : S_ISDIR(y->mode) ? '/' : 0;
	return c1 < c2 ? -1 : c1 > c2;
}

static void level_free(walk_level *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* Push the folder `rel` ("" for the root) with its entries sorted. */
static int walk_push(disk_walk *w, const char *rel)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		walk_level *lv = realloc(w->lv, cap * sizeof(*lv));
		if (!lv)
			return error_oom();
		w->lv = lv;
		w->cap = cap;
	}
	walk_level *l = &w->lv[w->depth];
	memset(l, 0, sizeof(*l));
	char full[4200];
	snprintf(full, sizeof(full), "%s%s%s", w->root, *rel ? "/" : "", rel);
	DIR *d = opendir(full);
	if (!d)
		return error_set(SMSAUDIT_EIO, "%s: cannot read: %s", full, strerror(errno));
	size_t cap = 0;
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char path[4500];
		snprintf(path, sizeof(path), "%s/%s", full, de->d_name);
		struct stat sb;
		if (lstat(path, &sb) < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
			break;
		}
		if (l->n == cap) {
			size_t c = cap ? 2 * cap : 64;
			walk_entry *e = realloc(l->e, c * sizeof(*e));
			if (!e) {
				rc = error_oom();
				break;
			}
			l->e = e;
			cap = c;
		}
		if (!(l->e[l->n].name = strdup(de->d_name))) {
			rc = error_oom();
			break;
		}
		l->e[l->n].size = (uint64_t)sb.st_size;
		l->e[l->n++].mode = sb.st_mode;
	}
	closedir(d);
	if (rc < 0) {
		level_free(l);
		return rc;
	}
	if (l->n)
		qsort(l->e, l->n, sizeof(*l->e), cmp_walk);
	l->plen = *rel ? strlen(rel) + 1 : 0;
	w->depth++;
	return 0;
}

static int walk_open(disk_walk *w, const char *root, reporter *r)
{
	memset(w, 0, sizeof(*w));
	w->root = root;
	w->r = r;
	return walk_push(w, "");
}

static void walk_close(disk_walk *w)
{
	for (size_t i = 0; i < w->depth; i++)
		level_free(&w->lv[i]);
	free(w->lv);
	memset(w, 0, sizeof(*w));
}

/* The next file (anything but a folder) in path order into w->path; 0 at the end. */
static int walk_next(disk_walk *w)
{
	w->have = 0;
	while (w->depth) {
		walk_level *l = &w->lv[w->depth - 1];
		if (l->i == l->n) {
			level_free(l);
			w->depth--;
			continue;
		}
		walk_entry *e = &l->e[l->i++];
		int n = snprintf(w->path + l->plen, sizeof(w->path) - l->plen, "%s", e->name);
		if (n < 0 || (size_t)n >= sizeof(w->path) - l->plen - 1)
			return error_set(SMSAUDIT_EIO, "%s/%s: path too long", w->root, w->path);
		if (S_ISDIR(e->mode)) {
			char rel[4096];
			memcpy(rel, w->path, l->plen + (size_t)n + 1);
			w->path[l->plen + (size_t)n] = '/';
			w->path[l->plen + (size_t)n + 1] = '\0';
			int rc = walk_push(w, rel);
			if (rc < 0)
				return rc;
			continue;
		}
		w->mode = e->mode;
		w->size = e->size;
		w->have = 1;
		/* Links and devices have no place in a pack, listed or not. */
		if (!S_ISREG(e->mode))
			problem(w->r, w->path, "%s, not a regular file (links and devices have no place in a pack)",
			        file_type_name((unsigned)e->mode));
		return 1;
	}
	return 0;
}

/* Every file before `listed` (NULL: every one left) is not in the manifest. */
static int walk_until(disk_walk *w, const char *listed)
{
	for (;;) {
		if (!w->have) {
			int rc = walk_next(w);
			if (rc <= 0)
				return rc;
		}
		int c = listed ? strcmp(w->path, listed) : -1;
		if (c > 0)
			return 0;
		if (c < 0 && strcmp(w->path, MANIFEST) != 0 && strcmp(w->path, MANIFEST_SIG) != 0 &&
		    strcmp(w->path, MANIFEST_TSR) != 0)
			problem(w->r, w->path, "not listed in the manifest (added after sealing)");
		w->have = 0;
		if (c == 0)
			return 0;
	}
}

/* The next regular file (others are reported by walk_next): 1, or 0 at the end. */
static int walk_next_regular(disk_walk *w)
{
	int rc;
	while ((rc = walk_next(w)) > 0 && !S_ISREG(w->mode))
		;
	return rc;
}

/* ---- SHA256SUMS beside the manifest ---- */

/*
 * SHA256SUMS must say exactly what the signed manifest says about every file
 * but pack.pdf and itself: the PDF prints SHA256SUMS's digest, so this ties
 * the report's footer to the manifest. Read a line at a time as the
 * manifest's entries come; the first difference is kept and reported at the
 * end (once it is known that the manifest lists SHA256SUMS at all).
 */
typedef struct {
	FILE *f;
	int listed;
	int done;           /* a difference was found, or the file cannot be read */
	size_t line;
	char first[700];    /* the first difference */
	char *buf;
	size_t cap;
} sums_check;

static void sums_open(sums_check *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, SUMS);
	int fd;
	if (file_open_input(&fd, path, FILE_INPUT_NOFOLLOW) < 0) {
		smsaudit_error_clear();
		s->done = 1; /* reported as missing by the digest check */
		return;
	}
	if (!(s->f = fdopen(fd, "rb"))) {
		close(fd);
		s->done = 1;
	}
}

static void sums_entry(sums_check *s, const char *path, const char *sha)
{
	if (strcmp(path, SUMS) == 0)
		s->listed = 1;
	if (s->done || strcmp(path, SUMS) == 0 || strcmp(path, REPORT) == 0)
		return;
	ssize_t len = getline(&s->buf, &s->cap, s->f);
	s->line++;
	if (len > 0 && s->buf[len - 1] == '\n')
		s->buf[--len] = '\0';
	if (len < 67 || strlen(sha) != 64 || memcmp(s->buf, sha, 64) != 0 || s->buf[64] != ' ' || s->buf[65] != ' ' ||
	    strlen(s->buf + 66) != (size_t)len - 66 || strcmp(s->buf + 66, path) != 0) {
		if (len < 0 && s->line > 0)
			snprintf(s->first, sizeof(s->first), "does not list %s, which the manifest lists", path);
		else
			snprintf(s->first, sizeof(s->first), "line %zu differs from the signed manifest (expected %s)", s->line,
			         path);
		s->done = 1;
	}
}

/* Report what was found (r NULL: nothing, the manifest being unusable) and close. */
static void sums_finish(sums_check *s, reporter *r)
{
	if (!r)
		;
	else if (!s->listed)
		problem(r, SUMS, "not listed in the manifest: the report's digest cannot be checked");
	else if (s->first[0])
		problem(r, SUMS, "%s", s->first);
	else if (!s->done && getline(&s->buf, &s->cap, s->f) >= 0)
		problem(r, SUMS, "line %zu differs from the signed manifest", s->line + 1);
	if (s->f)
		fclose(s->f);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* ---- importing the listed files into a scratch repository ---- */

/* Ids of the objects written to the scratch pack, by their first 8 bytes: a
 * pack holds each object once. A false match only sends a blob through
 * libgit2's writer instead. */
typedef struct {
	uint64_t *slot;
	size_t n, cap;     /* cap a power of two; 0 is no id's key (ids are made nonzero) */
} id_set;

static uint64_t id_key(const unsigned char id[20])
{
	uint64_t k;
	memcpy(&k, id, sizeof(k));
	return k ? k : 1;
}

/* 1 when the key was there already, 0 when added. */
static int id_set_add(id_set *s, const unsigned char id[20])
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint64_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return error_oom();
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = (size_t)(s->slot[i] >> 7) & (cap - 1);
				while (slot[j])
					j = (j + 1) & (cap - 1);
				slot[j] = s->slot[i];
			}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	uint64_t k = id_key(id);
	size_t j = (size_t)(k >> 7) & (s->cap - 1);
	for (; s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == k)
			return 1;
	s->slot[j] = k;
	s->n++;
	return 0;
}

typedef struct {
	reporter *r;
	const char *root;
	smsaudit_repo *repo;     /* the scratch repository */
	smsaudit_txn *txn;
	packw *pack;
	packw_maker *maker;
	id_set ids;
	smsaudit_buf whole, entry;
	disk_walk *walk;         /* NULL: files that are not listed are not looked for */
	sums_check *sums;        /* NULL: SHA256SUMS is not compared */
	size_t done;
} import_ctx;

static int import_open(import_ctx *im, reporter *r, const char *dir, const char *scratch)
{
	memset(im, 0, sizeof(*im));
	im->r = r;
	im->root = dir;
	char objects[4200];
	int rc = smsaudit_repo_init(&im->repo, scratch);
	if (rc == 0)
		rc = smsaudit_txn_new(&im->txn, im->repo);
	if (rc == 0)
		rc = repo_objects_dir(objects, sizeof(objects), im->repo);
	if (rc == 0)
		rc = packw_maker_new(&im->maker);
	if (rc == 0)
		rc = packw_begin(&im->pack, objects, 1024, scratch);
	return rc;
}

static void import_close(import_ctx *im)
{
	packw_free(im->pack);
	packw_maker_free(im->maker);
	smsaudit_txn_free(im->txn);
	smsaudit_repo_free(im->repo);
	free(im->ids.slot);
	smsaudit_buf_dispose(&im->whole);
	smsaudit_buf_dispose(&im->entry);
	memset(im, 0, sizeof(*im));
}

/* Every object on disk, then the one commit of the listed repository files. */
static int import_commit(smsaudit_oid *commit, import_ctx *im)
{
	int rc = packw_finish(im->pack);
	if (rc < 0)
		return rc;
	repo_objects_added(im->repo);
	repo_txn_objects_known(im->txn);
	if (smsaudit_txn_count(im->txn) == 0)
		return 1;
	return smsaudit_txn_commit(commit, im->txn, "pack import", "smsaudit", "verify-pack@localhost", smsaudit_now());
}

/* The file's SHA-256 and size, read in blocks (a pack-only file, which is not imported). */
static int hash_fd(char sha[65], uint64_t *size, int fd, const char *path)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? 0 : error_oom();
	char buf[65536];
	*size = 0;
	while (rc == 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", path, strerror(errno));
		else if (n == 0)
			break;
		else if (!EVP_DigestUpdate(md, buf, (size_t)n))
			rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
		else
			*size += (uint64_t)n;
	}
	unsigned char d[32];
	unsigned int dl = 0;
	if (rc == 0 && (!EVP_DigestFinal_ex(md, d, &dl) || dl != 32))
		rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	if (rc == 0)
		hex32(sha, d);
	EVP_MD_CTX_free(md);
	return rc;
}

/* The report, its checksums, index.html and the readable copies of the
 * evidence belong to the pack, not to the repository (the copies are
 * checked against the records once those are read). */
static int pack_only(const char *path)
{
	return strcmp(path, SUMS) == 0 || strcmp(path, REPORT) == 0 || strcmp(path, INDEX) == 0 ||
	       strncmp(path, EVIDENCE_DIR, strlen(EVIDENCE_DIR)) == 0;
}

/* Hash one listed file; a repository file that is what the manifest says goes
 * into the scratch repository's pack. */
static int import_file(import_ctx *im, const char *path, const char *want_sha, uint64_t want_size)
{
	char full[4200], sha[65];
	uint64_t size = 0;
	snprintf(full, sizeof(full), "%s/%s", im->root, path);
	int fd;
	struct stat st;
	if (lstat(full, &st) < 0) {
		problem(im->r, path, "listed in the manifest but missing");
		return 0;
	}
	if (file_open_input(&fd, full, FILE_INPUT_NOFOLLOW) < 0) {
		problem(im->r, path, "%s, not a regular file", file_type_name((unsigned)st.st_mode));
		smsaudit_error_clear();
		return 0;
	}
	int repo_file = !pack_only(path) && strcmp(path, MANIFEST) != 0 && strcmp(path, MANIFEST_SIG) != 0;
	smsaudit_oid blob;
	int in_memory = 0, rc;
	if (fstat(fd, &st) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", full, strerror(errno));
	else if (!repo_file)
		rc = hash_fd(sha, &size, fd, full);
	else if ((uint64_t)st.st_size <= REPO_PACK_CONTENT_MAX) {
		rc = repo_read_content(&im->whole, sha, fd, (uint64_t)st.st_size, full, NULL, NULL);
		size = im->whole.size;
		in_memory = 1;
	} else {
		/* Large content streams into a loose object. */
		rc = repo_store_loose(&blob, sha, &size, im->repo, fd, (uint64_t)st.st_size, full, NULL, NULL);
	}
	close(fd);
	if (rc == SMSAUDIT_ENOMEM)
		return rc;
	if (rc < 0) {
		/* A file that changed or could not be read while it was checked is the pack's problem, not ours. */
		problem(im->r, path, "cannot be checked: %s", smsaudit_error_last()->message);
		smsaudit_error_clear();
		return 0;
	}
	if (size != want_size || strcmp(sha, want_sha) != 0) {
		problem(im->r, path, "content differs from the manifest (SHA-256 %.12s..., expected %.12s...)", sha, want_sha);
		return 0;
	}
	if (strcmp(path, MANIFEST) == 0 || strcmp(path, MANIFEST_SIG) == 0) {
		problem(im->r, path, "the manifest cannot list itself");
		return 0;
	}
	if (!repo_file)
		return 0;
	if (in_memory) {
		uint32_t crc = 0;
		rc = packw_blob_entry(im->maker, &im->entry, &crc, blob.id, im->whole.ptr, im->whole.size);
		int seen = rc == 0 ? id_set_add(&im->ids, blob.id) : rc;
		if (seen == 0)
			rc = packw_put(im->pack, blob.id, &im->entry, crc);
		else if (seen == 1)
			rc = repo_store_buffer(&blob, im->repo, im->whole.ptr, im->whole.size, path);
		else
			rc = seen;
		if (rc < 0)
			return rc;
	}
	if (smsaudit_txn_add_blob(im->txn, path, &blob) < 0) {
		problem(im->r, path, "%s", smsaudit_error_last()->message);
		smsaudit_error_clear();
	}
	return 0;
}

/* One entry of the manifest, as it is read. */
static int import_listed(const char *path, const char *sha, uint64_t size, void *u)
{
	import_ctx *im = u;
	int rc = im->walk ? walk_until(im->walk, path) : 0;
	if (rc < 0)
		return rc;
	if (im->sums)
		sums_entry(im->sums, path, sha);
	rc = import_file(im, path, sha, size);
	progress_report("checking the pack's files", ++im->done, 0);
	return rc;
}

static int cmp_evidence_id(const void *a, const void *b)
{
	return strcmp((*(const smsaudit_evidence_entry *const *)a)->record->id,
	              (*(const smsaudit_evidence_entry *const *)b)->record->id);
}

typedef struct {
	reporter *r;
	const smsaudit_evidence_entry **byid;
	size_t nev;
} evidence_check;

static int check_evidence_file(const char *path, const char *sha, uint64_t size, void *u)
{
	(void)size;
	evidence_check *c = u;
	reporter *r = c->r;
	size_t plen = strlen(EVIDENCE_DIR);
	if (strncmp(path, EVIDENCE_DIR, plen) != 0)
		return 0;
	const char *slash = strchr(path + plen, '/');
	char id[SMSAUDIT_ID_MAX] = "";
	if (slash) {
		/* ev-<date>-<hex>: the id ends at its third '-' */
		const char *q = slash + 1, *stop = q;
		for (int dashes = 0; *stop && dashes < 3; stop++)
			dashes += *stop == '-';
		size_t n = (size_t)(stop - q) - (*stop || stop[-1] == '-' ? 1 : 0);
		snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1), q);
	}
	smsaudit_record key_record;
	memset(&key_record, 0, sizeof(key_record));
	snprintf(key_record.id, sizeof(key_record.id), "%s", id);
	smsaudit_evidence_entry key_entry;
	memset(&key_entry, 0, sizeof(key_entry));
	key_entry.record = &key_record;
	const smsaudit_evidence_entry *key = &key_entry, **found = NULL;
	if (slash)
		found = bsearch(&key, c->byid, c->nev, sizeof(*c->byid), cmp_evidence_id);
	const smsaudit_evidence_entry *e = found ? *found : NULL;
	if (!e) {
		problem(r, path, "no evidence record of the pack has this name");
		return 0;
	}
	char want[400], clause[64];
	snprintf(clause, sizeof(clause), "%.*s", (int)(slash - path - plen), path + plen);
	smsaudit_pack_evidence_path(want, sizeof(want), clause, e);
	int linked = 0;
	for (size_t j = 0; j < e->record->evidence.ncontrols; j++)
		linked |= strcmp(e->record->evidence.controls[j], clause) == 0;
	if (!linked || strcmp(want, path) != 0)
		problem(r, path, "not the name the pack gives %s's content under a clause it is linked to", id);
	else if (strcmp(sha, e->record->evidence.sha256) != 0)
		problem(r, path, "not the content %s vouches for (SHA-256 %.12s..., the record says %.12s...)", id, sha,
		        e->record->evidence.sha256);
	return 0;
}

/*
 * Every file under evidence/ is what its name says: the content of an
 * evidence record of the pack (evidence/<clause>/<id>-<name>, exactly the name
 * the pack gives it), linked to that clause, with that record's digest. The
 * manifest is read a second time for its evidence/ entries rather than held
 * since the first; `digest` is what the first read saw, and must be again.
 */
static int check_evidence_files(reporter *r, int fd, const char *path, const unsigned char digest[32],
                                const smsaudit_state *st)
{
	/* The records by id, looked up exactly: one search each, where resolving
	 * an id (a unique prefix) scans them all, 100,000 times 100,000 strcmp
	 * at 100,000 records. */
	evidence_check c = { r, NULL, smsaudit_state_evidence_count(st) };
	c.byid = malloc((c.nev ? c.nev : 1) * sizeof(*c.byid));
	if (!c.byid)
		return error_oom();
	for (size_t i = 0; i < c.nev; i++)
		c.byid[i] = smsaudit_state_evidence_at(st, i);
	qsort(c.byid, c.nev, sizeof(*c.byid), cmp_evidence_id);
	unsigned char again[32];
	int bad = 0;
	smsaudit_pack_check scratch;
	memset(&scratch, 0, sizeof(scratch));
	int rc = manifest_stream(again, &bad, fd, path, &scratch, check_evidence_file, &c);
	if (rc == 0 && memcmp(again, digest, 32) != 0)
		problem(r, MANIFEST, "changed while it was read: the second reading differs from the first");
	else if (bad) {
		problem(r, MANIFEST, "%s", smsaudit_error_last()->message);
		smsaudit_error_clear();
		rc = 0;
	}
	free(c.byid);
	return rc;
}

int smsaudit_pack_verify(smsaudit_pack_check *out, const char *dir, smsaudit_pack_problem_fn fn, void *u)
{
	memset(out, 0, sizeof(*out));
	reporter r = { out, fn, u };
	int dfd;
	int drc = file_open_input(&dfd, dir, FILE_INPUT_DIR);
	if (drc < 0)
		return drc;
	close(dfd);
	char path[4096], why[64];
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	int mfd;
	if (file_open_input(&mfd, path, 0) < 0) {
		smsaudit_error_clear();
		problem(&r, MANIFEST, "%s: this is not a pack", unreadable(why, sizeof(why), path));
		return 0;
	}
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_SIG);
	int have_sig = file_read_all(&sig, path, 1u << 20) == 0;
	if (!have_sig)
		problem(&r, MANIFEST_SIG, "%s: the manifest is not signed", unreadable(why, sizeof(why), path));

	/* The signature first, over the manifest read as a stream: it yields the
	 * digest of the bytes it checked, which the bytes read next must match. */
	smsaudit_trust *trust = NULL;
	smsaudit_cert *ca = NULL, *signer = NULL;
	time_t signed_at = 0;
	unsigned char signed_digest[32], read_digest[32];
	int rc = load_trust(&trust, &ca, dir, &r, out->anchor_sha256);
	if (rc == 0 && have_sig &&
	    smsaudit_verify_detached_fd(&signer, &signed_at, signed_digest, mfd, sig.ptr, sig.size, trust) < 0)
		problem(&r, MANIFEST_SIG, "does not verify: %s", smsaudit_error_last()->message);
	rc = rc > 0 ? 0 : rc;
	smsaudit_error_clear();

	/* Then the manifest, each listed file checked as its entry is read, beside
	 * the folder walked in the same order and SHA256SUMS read line by line. */
	char scratch[] = "/tmp/smsaudit-pack-XXXXXX";
	int made_scratch = 0;
	import_ctx im;
	memset(&im, 0, sizeof(im));
	disk_walk walk;
	memset(&walk, 0, sizeof(walk));
	sums_check sums;
	sums_open(&sums, dir);
	if (rc == 0 && !mkdtemp(scratch))
		rc = error_set(SMSAUDIT_EIO, "cannot create a scratch folder: %s", strerror(errno));
	made_scratch = rc == 0;
	if (rc == 0)
		rc = import_open(&im, &r, dir, scratch);
	if (rc == 0)
		rc = walk_open(&walk, dir, &r);
	im.walk = &walk;
	im.sums = &sums;
	int bad = 0, manifest_ok = 0;
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
		rc = manifest_stream(read_digest, &bad, mfd, path, out, import_listed, &im);
		manifest_ok = rc == 0;
		if (bad) {
			problem(&r, MANIFEST, "%s", smsaudit_error_last()->message);
			smsaudit_error_clear();
			rc = 0;
		}
	}
	if (manifest_ok && signer && memcmp(read_digest, signed_digest, 32) != 0) {
		problem(&r, MANIFEST, "changed while it was read: the bytes read are not those the signature was checked "
		        "against");
		manifest_ok = 0;
	}
	if (rc == 0 && manifest_ok)
		rc = walk_until(&walk, NULL);
	if (manifest_ok)
		sums_finish(&sums, &r);
	out->signed_at = signed_at;
	if (rc == 0 || bad)
		check_manifest_token(&r, out, dir, read_digest);
	if (signer) {
		char email[256];
		smsaudit_cert_email(email, sizeof(email), signer);
		if (manifest_ok && strcmp(email, out->signer) != 0)
			problem(&r, MANIFEST_SIG, "signed by %s, but the manifest names %s", email, out->signer);
	}

	/* The records, from the scratch repository: the same checks as verify. */
	smsaudit_store *store = NULL;
	smsaudit_state *st = NULL;
	smsaudit_oid commit;
	int crc = rc == 0 && manifest_ok ? import_commit(&commit, &im) : 1;
	if (crc < 0)
		rc = crc;
	/* What the import held (the paths, the pack's index) goes before the state comes. */
	import_close(&im);
	walk_close(&walk);
	if (crc == 0) {
		if (smsaudit_store_open(&store, scratch) < 0)
			problem(&r, "smsaudit.xml", "the pack's repository files do not open: %s", smsaudit_error_last()->message);
		else if ((rc = smsaudit_state_load(&st, store, &commit, SMSAUDIT_STATE_CHECK_CONTENT | SMSAUDIT_STATE_SNAPSHOT |
		                                                            SMSAUDIT_STATE_REPORT_DAMAGE)) ==
		         0) {
			out->nrecords = smsaudit_state_record_count(st);
			for (size_t i = 0; i < smsaudit_state_problem_count(st); i++) {
				const smsaudit_problem *p = smsaudit_state_problem_at(st, i);
				problem(&r, p->path, "%s", p->message);
			}
			/* The manifest's signer must be a quality manager of the pack's repository. */
			int qm = 0;
			char fp[65] = "";
			if (signer)
				smsaudit_cert_fingerprint(fp, signer);
			for (size_t i = 0; signer && i < smsaudit_state_person_count(st); i++) {
				const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
				const smsaudit_person_body *pb = &pe->record->person;
				if (pe->valid && strcmp(pb->fingerprint, fp) == 0 && (pb->roles & SMSAUDIT_ROLE_QUALITY_MANAGER) &&
				    (!pe->revoked_at || signed_at < pe->revoked_at))
					qm = 1;
			}
			if (signer && !qm)
				problem(&r, MANIFEST_SIG, "signed by a certificate that is not a quality manager's in the pack");
			rc = check_evidence_files(&r, mfd, path, read_digest, st);
		}
	}
	if (!manifest_ok)
		sums_finish(&sums, NULL);
	smsaudit_state_free(st);
	smsaudit_store_free(store);
	import_close(&im);
	walk_close(&walk);
	if (made_scratch)
		remove_tree(scratch);
	close(mfd);
	smsaudit_cert_free(signer);
	smsaudit_cert_free(ca);
	smsaudit_trust_free(trust);
	smsaudit_buf_dispose(&sig);
	return rc;
}

/* ------------------------------------------------------------------ reproduce */

/* Whether two files have the same bytes, read in blocks. */
static int same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	char ba[65536], bb[65536];
	while (same) {
		size_t na = fread(ba, 1, sizeof(ba), fa), nb = fread(bb, 1, sizeof(bb), fb);
		if (na != nb || memcmp(ba, bb, na) != 0)
			same = 0;
		if (na == 0 || na < sizeof(ba))
			break;
	}
	if (same && (ferror(fa) || ferror(fb)))
		same = 0;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* The signature and the time-stamp token are made anew (ECDSA is randomised). */
static int not_compared(const char *path)
{
	return strcmp(path, MANIFEST_SIG) == 0 || strcmp(path, MANIFEST_TSR) == 0;
}

/* DIR's manifest, read, parsed and validated: the files it lists, and what it
 * says of the pack in `chk`. "DIR: this is not a pack: ..." when it cannot be. */
static int manifest_load(smsaudit_pack_check *chk, const char *dir, manifest_file_fn file, void *u)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	unsigned char digest[32];
	int fd, bad = 0;
	int rc = file_open_input(&fd, path, 0);
	if (rc < 0)
		return error_prefix(rc, "%s: this is not a pack", dir);
	rc = manifest_stream(digest, &bad, fd, path, chk, file, u);
	close(fd);
	return bad ? error_prefix(rc, "%s: this is not a pack", dir) : rc;
}

int smsaudit_pack_reproduce(smsaudit_pack_check *out, size_t *ndiffer, smsaudit_store *store, const char *dir,
                            const char *definition, smsaudit_pack_problem_fn fn, void *u)
{
	memset(out, 0, sizeof(*out));
	*ndiffer = 0;
	int dfd;
	int rc = file_open_input(&dfd, dir, FILE_INPUT_DIR);
	if (rc < 0)
		return rc;
	close(dfd);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	rc = manifest_load(out, dir, NULL, NULL);
	smsaudit_pack_options o = SMSAUDIT_PACK_OPTIONS_INIT;
	o.audit = out->audit;
	o.commit = out->commit;
	o.definition = definition;
	o.no_seal = out->draft;
	o.reproduce = 1;
	o.sealed_by = out->signer;
	if (rc == 0 && smsaudit_date_parse(&o.as_of, out->as_of) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: as-of '%s' is not a date", path, out->as_of);
	char scratch[] = "/tmp/smsaudit-reproduce-XXXXXX", rebuilt[64];
	int made = 0;
	if (rc == 0 && !(made = mkdtemp(scratch) != NULL))
		rc = error_set(SMSAUDIT_EIO, "cannot create a scratch folder: %s", strerror(errno));
	snprintf(rebuilt, sizeof(rebuilt), "%s/pack", scratch);
	o.out_dir = rebuilt;
	smsaudit_pack_result res;
	if (rc == 0)
		rc = smsaudit_pack_build(&res, store, NULL, &o);
	smsaudit_pack_check scratch_check;
	memset(&scratch_check, 0, sizeof(scratch_check));
	reporter r = { &scratch_check, fn, u };
	/* Both folders walked side by side in path order, never listed whole. */
	disk_walk wa, wb;
	memset(&wa, 0, sizeof(wa));
	memset(&wb, 0, sizeof(wb));
	if (rc == 0)
		rc = walk_open(&wa, dir, &r);
	if (rc == 0)
		rc = walk_open(&wb, rebuilt, &r);
	int ha = rc == 0 ? walk_next_regular(&wa) : 0, hb = rc == 0 ? walk_next_regular(&wb) : 0;
	size_t differ = 0, nfiles = 0;
	while (rc == 0 && ha >= 0 && hb >= 0 && (ha || hb)) {
		int c = !ha ? 1 : !hb ? -1 : strcmp(wa.path, wb.path);
		const char *p = c <= 0 ? wa.path : wb.path;
		const char *why = NULL;
		if (c < 0)
			why = "in the pack, but the rebuilt pack has no such file";
		else if (c > 0)
			why = "missing: the rebuilt pack has it";
		else {
			char pa[4200], pb[4200];
			snprintf(pa, sizeof(pa), "%s/%s", dir, p);
			snprintf(pb, sizeof(pb), "%s/%s", rebuilt, p);
			if (!not_compared(p) && (wa.size != wb.size || !same_bytes(pa, pb)))
				why = "differs from the rebuilt file";
		}
		if (why && !not_compared(p)) {
			differ++;
			if (fn)
				fn(p, why, u);
		}
		if (c <= 0) {
			nfiles++;
			ha = walk_next_regular(&wa);
		}
		if (c >= 0)
			hb = walk_next_regular(&wb);
	}
	if (rc == 0 && (ha < 0 || hb < 0))
		rc = ha < 0 ? ha : hb;
	*ndiffer = scratch_check.nproblems + differ;
	if (rc == 0)
		out->nfiles = nfiles;
	walk_close(&wa);
	walk_close(&wb);
	if (made)
		remove_tree(scratch);
	return rc;
}

/* ------------------------------------------------------------------ a pack as a repository */

struct smsaudit_pack_view {
	char scratch[64];
	smsaudit_store *store;
	smsaudit_state *st;
	time_t as_of;
	char commit[41];
};

void smsaudit_pack_view_free(smsaudit_pack_view *v)
{
	if (!v)
		return;
	smsaudit_state_free(v->st);
	smsaudit_store_free(v->store);
	if (v->scratch[0])
		remove_tree(v->scratch);
	free(v);
}

smsaudit_store *smsaudit_pack_view_store(const smsaudit_pack_view *v)
{
	return v->store;
}

const smsaudit_state *smsaudit_pack_view_state(const smsaudit_pack_view *v)
{
	return v->st;
}

time_t smsaudit_pack_view_as_of(const smsaudit_pack_view *v)
{
	return v->as_of;
}

const char *smsaudit_pack_view_commit(const smsaudit_pack_view *v)
{
	return v->commit;
}

int smsaudit_pack_view_open(smsaudit_pack_view **out, const char *dir)
{
	*out = NULL;
	int dfd;
	int rc = file_open_input(&dfd, dir, FILE_INPUT_DIR);
	if (rc < 0)
		return rc;
	close(dfd);
	smsaudit_pack_view *v = calloc(1, sizeof(*v));
	if (!v)
		return error_oom();
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	smsaudit_pack_check chk, counts;
	memset(&chk, 0, sizeof(chk));
	memset(&counts, 0, sizeof(counts));
	reporter r = { &counts, NULL, NULL };
	import_ctx im;
	memset(&im, 0, sizeof(im));
	snprintf(v->scratch, sizeof(v->scratch), "/tmp/smsaudit-packview-XXXXXX");
	if (!mkdtemp(v->scratch)) {
		v->scratch[0] = '\0';
		rc = error_set(SMSAUDIT_EIO, "cannot create a scratch folder: %s", strerror(errno));
	}
	/* The listed files, each digest checked, imported as the manifest is read. */
	if (rc == 0)
		rc = import_open(&im, &r, dir, v->scratch);
	if (rc == 0)
		rc = manifest_load(&chk, dir, import_listed, &im);
	if (rc == 0 && smsaudit_date_parse(&v->as_of, chk.as_of) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: as-of '%s' is not a date", path, chk.as_of);
	snprintf(v->commit, sizeof(v->commit), "%s", chk.commit);
	if (rc == 0 && counts.nproblems)
		rc = error_set(SMSAUDIT_EVERIFY, "%s: %zu file%s differ%s from its manifest; run 'smsaudit verify-pack %s'",
		               dir, counts.nproblems, counts.nproblems == 1 ? "" : "s", counts.nproblems == 1 ? "s" : "", dir);
	smsaudit_oid commit;
	if (rc == 0 && (rc = import_commit(&commit, &im)) > 0)
		rc = error_set(SMSAUDIT_EVERIFY, "%s: the pack holds no repository files", dir);
	import_close(&im);
	if (rc == 0)
		rc = smsaudit_store_open(&v->store, v->scratch);
	if (rc == 0)
		rc = smsaudit_state_load(&v->st, v->store, &commit, SMSAUDIT_STATE_SNAPSHOT | SMSAUDIT_STATE_REPORT_DAMAGE);
	if (rc < 0) {
		smsaudit_pack_view_free(v);
		return rc;
	}
	*out = v;
	return 0;
}
