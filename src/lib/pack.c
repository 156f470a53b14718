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

#include "smsaudit/audit.h"
#include "smsaudit/pack.h"
#include "smsaudit/packhtml.h"
#include "smsaudit/packmodel.h"
#include "smsaudit/report.h"
#include "internal.h"
#include "smsaudit/pin.h"
#include "smsaudit/stamp.h"
#include "store_internal.h"

#define MANIFEST "manifest.xml"
#define MANIFEST_SIG "manifest.xml.p7s"
#define MANIFEST_TSR "manifest.xml.tsr"  /* a TSA's token over the manifest, when one is configured */
#define MANIFEST_NS "urn:smsaudit:manifest:1"
#define SUMS "SHA256SUMS"
#define REPORT "pack.pdf"
#define INDEX "index.html"
#define EVIDENCE_DIR "evidence/"
#define MAX_MANIFEST (256u << 20)

typedef struct {
	char *path;
	char sha256[65];
	uint64_t size;
} pack_file;

typedef struct {
	pack_file *f;
	size_t n, cap;
} file_list;

static void files_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->f[i].path);
	free(l->f);
	memset(l, 0, sizeof(*l));
}

static int files_add(file_list *l, const char *path, const char *sha, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		pack_file *f = realloc(l->f, cap * sizeof(*f));
		if (!f)
			return error_oom();
		l->f = f;
		l->cap = cap;
	}
	pack_file *e = &l->f[l->n];
	if (!(e->path = strdup(path)))
		return error_oom();
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha ? sha : "");
	e->size = size;
	l->n++;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const pack_file *)a)->path, ((const pack_file *)b)->path);
}

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

typedef struct {
	smsaudit_repo *repo;
	const char *root;
	file_list *files;
	uint64_t bytes;
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
		rc = files_add(x->files, path, sha, size);
	x->bytes += size;
	progress_report("writing the pack", x->files->n, 0); /* how many there are is known only at the end */
	return rc;
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

/*
 * Evidence an auditor can open: every evidence record's content again under
 * evidence/<clause>/<id>-<original name>, once per clause it is linked to
 * (hard links to content/<aa>/<sha256> where possible, so no space is spent).
 * `files` must be sorted; the new entries are appended.
 */
static int evidence_files(const char *root, file_list *files, const smsaudit_pack_model *m)
{
	size_t n = files->n;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < m->nevidence; i++) {
		const smsaudit_evidence_entry *e = m->evidence[i];
		const smsaudit_evidence_body *b = &e->record->evidence;
		char content[100];
		snprintf(content, sizeof(content), "content/%.2s/%s", b->sha256, b->sha256);
		pack_file key = { content, "", 0 };
		const pack_file *src = bsearch(&key, files->f, n, sizeof(*files->f), cmp_file);
		if (!src)
			continue; /* a record whose content is not in the repository: verify-pack names it */
		char from[4200];
		snprintf(from, sizeof(from), "%s/%s", root, content);
		for (size_t j = 0; rc == 0 && j < b->ncontrols; j++) {
			char path[400], to[4600];
			smsaudit_pack_evidence_path(path, sizeof(path), b->controls[j], e);
			snprintf(to, sizeof(to), "%s/%s", root, path);
			if ((rc = make_parents(root, path)) == 0 && (rc = link_or_copy(from, to)) == 0)
				rc = files_add(files, path, src->sha256, src->size);
			src = bsearch(&key, files->f, n, sizeof(*files->f), cmp_file); /* files_add may move the array */
		}
	}
	return rc;
}

/* The manifest: the pack model's identity, audit and date, and every file. */
static int build_manifest(smsaudit_buf *out, const smsaudit_pack_model *m, const file_list *files)
{
	const smsaudit_audit *a = m->audit;
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = doc ? xmlNewNode(NULL, (const xmlChar *)"manifest") : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		return error_oom();
	}
	xmlDocSetRootElement(doc, root);
	xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)MANIFEST_NS, NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, (const xmlChar *)"version", (const xmlChar *)"1");
	char d[11], f[11], t[11];
	smsaudit_date_format(d, m->as_of);
	smsaudit_date_format(f, a->from);
	smsaudit_date_format(t, a->to);
	xmlNewTextChild(root, ns, (const xmlChar *)"pack", (const xmlChar *)m->pack_id);
	xmlNewTextChild(root, ns, (const xmlChar *)"organisation", (const xmlChar *)m->repository_organisation);
	xmlNodePtr au = xmlNewChild(root, ns, (const xmlChar *)"audit", NULL);
	xmlNewProp(au, (const xmlChar *)"id", (const xmlChar *)a->plan->id);
	xmlNewProp(au, (const xmlChar *)"type", (const xmlChar *)smsaudit_audit_type_name(a->plan->audit.type));
	xmlNewProp(au, (const xmlChar *)"from", (const xmlChar *)f);
	xmlNewProp(au, (const xmlChar *)"to", (const xmlChar *)t);
	xmlNewTextChild(root, ns, (const xmlChar *)"source-commit", (const xmlChar *)m->commit);
	xmlNewTextChild(root, ns, (const xmlChar *)"as-of", (const xmlChar *)d);
	xmlNewTextChild(root, ns, (const xmlChar *)"tool", (const xmlChar *)"smsaudit " SMSAUDIT_VERSION);
	xmlNewTextChild(root, ns, (const xmlChar *)"trust-anchor", (const xmlChar *)m->anchor_sha256);
	xmlNewTextChild(root, ns, (const xmlChar *)"signer", (const xmlChar *)m->signer);
	if (m->draft)
		xmlNewTextChild(root, ns, (const xmlChar *)"draft",
		                (const xmlChar *)"not sealed: no seal record and no audit tag vouch for this pack");
	xmlNodePtr fs = xmlNewChild(root, ns, (const xmlChar *)"files", NULL);
	for (size_t i = 0; i < files->n; i++) {
		char size[24];
		snprintf(size, sizeof(size), "%llu", (unsigned long long)files->f[i].size);
		xmlNodePtr fe = xmlNewChild(fs, ns, (const xmlChar *)"file", NULL);
		if (!fe || !xmlNewProp(fe, (const xmlChar *)"path", (const xmlChar *)files->f[i].path) ||
		    !xmlNewProp(fe, (const xmlChar *)"sha256", (const xmlChar *)files->f[i].sha256) ||
		    !xmlNewProp(fe, (const xmlChar *)"size", (const xmlChar *)size)) {
			xmlFreeDoc(doc);
			return error_oom();
		}
	}
	smsaudit_xml_schema *schema = NULL;
	int rc = smsaudit_xml_schema_builtin(&schema, "manifest.xsd");
	if (rc == 0)
		rc = smsaudit_xml_schema_validate(schema, doc, MANIFEST);
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(out, doc);
	smsaudit_xml_schema_free(schema);
	xmlFreeDoc(doc);
	return rc;
}

/* sha256sum's format, so `sha256sum -c SHA256SUMS` checks the pack with stock tools. */
static int build_sums(smsaudit_buf *out, const file_list *files)
{
	for (size_t i = 0; i < files->n; i++)
		if (buf_printf(out, "%s  %s\n", files->f[i].sha256, files->f[i].path) < 0)
			return error_oom();
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
	file_list files = { NULL, 0, 0 };
	export_ctx x = { repo, tmp, &files, 0 };
	static const char *const trees[] = { "catalogue", "content", "records", SMSAUDIT_STAMPS_DIR, "trust" };
	for (size_t i = 0; rc == 0 && i < sizeof(trees) / sizeof(trees[0]); i++)
		rc = smsaudit_repo_walk(repo, &commit, trees[i], export_cb, &x);
	static const char *const singles[] = { "smsaudit.xml", "smsaudit.xml.p7s" };
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		smsaudit_oid blob;
		rc = smsaudit_repo_path_oid(&blob, repo, &commit, singles[i]);
		if (rc == 0)
			rc = export_cb(singles[i], &blob, &x);
	}
	if (rc == 0)
		qsort(files.f, files.n, sizeof(*files.f), cmp_file);
	if (rc == 0)
		rc = evidence_files(tmp, &files, &m);
	/* index.html: the pack in a browser, linking the evidence files. */
	smsaudit_buf html = SMSAUDIT_BUF_INIT;
	char html_sha[65];
	if (rc == 0)
		rc = smsaudit_pack_html(&html, &m);
	if (rc == 0)
		rc = write_file(tmp, INDEX, html.ptr, html.size);
	if (rc == 0)
		rc = sha256_hex(html_sha, html.ptr, html.size);
	if (rc == 0)
		rc = files_add(&files, INDEX, html_sha, html.size);
	x.bytes += html.size;
	smsaudit_buf_dispose(&html);
	if (rc == 0)
		qsort(files.f, files.n, sizeof(*files.f), cmp_file);
	/* SHA256SUMS, whose digest the PDF prints, then the PDF; the manifest lists both. */
	smsaudit_buf sums = SMSAUDIT_BUF_INIT, pdf = SMSAUDIT_BUF_INIT;
	if (rc == 0)
		rc = build_sums(&sums, &files);
	if (rc == 0)
		rc = sha256_hex(out->sums_sha256, sums.ptr, sums.size);
	if (rc == 0)
		rc = write_file(tmp, SUMS, sums.ptr, sums.size);
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
	if (rc == 0)
		rc = files_add(&files, SUMS, out->sums_sha256, sums.size);
	if (rc == 0)
		rc = files_add(&files, REPORT, out->pdf_sha256, pdf.size);
	x.bytes += sums.size + pdf.size;
	if (rc == 0)
		qsort(files.f, files.n, sizeof(*files.f), cmp_file);
	smsaudit_buf_dispose(&sums);
	smsaudit_buf_dispose(&pdf);
	smsaudit_buf manifest = SMSAUDIT_BUF_INIT, sig = SMSAUDIT_BUF_INIT;
	if (rc == 0)
		rc = build_manifest(&manifest, &m, &files);
	if (rc == 0)
		rc = write_file(tmp, MANIFEST, manifest.ptr, manifest.size);
	if (rc == 0 && !o->reproduce)
		rc = smsaudit_sign_detached(&sig, manifest.ptr, manifest.size, signer->cert, signer->key, smsaudit_now());
	if (rc == 0 && !o->reproduce)
		rc = write_file(tmp, MANIFEST_SIG, sig.ptr, sig.size);
	/* A TSA's token says when the pack was sealed, which the quality manager's
	 * clock cannot. Once one is configured a seal needs it: a pack that could
	 * not be stamped is not sealed (run pack again when the TSA answers). */
	smsaudit_tsa *tsas = NULL;
	size_t ntsas = 0;
	if (rc == 0 && !o->reproduce && (rc = smsaudit_tsa_list(&tsas, &ntsas, repo, NULL)) == 0 && ntsas) {
		smsaudit_buf token = SMSAUDIT_BUF_INIT;
		rc = smsaudit_tsa_stamp_first(&token, tsas, ntsas, manifest.ptr, manifest.size);
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
		rc = sha256_hex(out->manifest_sha256, manifest.ptr, manifest.size);
	out->nfiles = files.n;
	out->bytes = x.bytes;
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
	smsaudit_buf_dispose(&manifest);
	smsaudit_buf_dispose(&sig);
	files_free(&files);
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

/* Every regular file below `dir` (relative paths); anything else is a problem. */
static int list_dir(file_list *l, const char *root, const char *rel, reporter *r)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(full);
	if (!d)
		return error_set(SMSAUDIT_EIO, "%s: cannot read: %s", full, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char sub[2048], path[4096];
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		struct stat sb;
		if (lstat(path, &sb) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = list_dir(l, root, sub, r);
		else if (S_ISREG(sb.st_mode))
			rc = files_add(l, sub, NULL, (uint64_t)sb.st_size);
		else
			problem(r, sub, "%s, not a regular file (links and devices have no place in a pack)",
			        file_type_name((unsigned)sb.st_mode));
	}
	closedir(d);
	return rc;
}

static int find_file(const file_list *l, const char *path)
{
	pack_file key = { (char *)path, "", 0 };
	pack_file *f = bsearch(&key, l->f, l->n, sizeof(*l->f), cmp_file);
	return f ? (int)(f - l->f) : -1;
}

/* The manifest's file entries, after the signature has been checked. */
static int read_manifest(file_list *l, smsaudit_pack_check *out, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *s;
#define TEXT(field, name)                                                             \
	if ((s = smsaudit_xml_text(smsaudit_xml_child(root, name)))) {                 \
		snprintf(out->field, sizeof(out->field), "%.*s", (int)sizeof(out->field) - 1, s); \
		free(s);                                                                   \
	}
	TEXT(pack_id, "pack")
	TEXT(commit, "source-commit")
	TEXT(as_of, "as-of")
	TEXT(signer, "signer")
#undef TEXT
	out->draft = smsaudit_xml_child(root, "draft") != NULL;
	char *id = smsaudit_xml_attr(smsaudit_xml_child(root, "audit"), "id");
	snprintf(out->audit, sizeof(out->audit), "%.*s", (int)sizeof(out->audit) - 1, id ? id : "");
	xmlFree(id);
	for (xmlNodePtr f = smsaudit_xml_first_element(smsaudit_xml_child(root, "files")); f;
	     f = smsaudit_xml_next_element(f)) {
		char *path = smsaudit_xml_attr(f, "path"), *sha = smsaudit_xml_attr(f, "sha256"),
		     *size = smsaudit_xml_attr(f, "size");
		int rc = files_add(l, path ? path : "", sha, size ? strtoull(size, NULL, 10) : 0);
		xmlFree(path);
		xmlFree(sha);
		xmlFree(size);
		if (rc < 0)
			return rc;
	}
	qsort(l->f, l->n, sizeof(*l->f), cmp_file);
	return 0;
}

typedef struct {
	reporter *r;
	const char *root;
	smsaudit_repo *repo;
	smsaudit_txn *txn;
} import_ctx;

/* Hash one listed file while storing it in the scratch repository. */
static int import_file(import_ctx *im, const pack_file *want)
{
	char full[4096], sha[65];
	uint64_t size = 0;
	snprintf(full, sizeof(full), "%s/%s", im->root, want->path);
	int fd;
	struct stat st;
	if (lstat(full, &st) < 0) {
		problem(im->r, want->path, "listed in the manifest but missing");
		return 0;
	}
	if (file_open_input(&fd, full, FILE_INPUT_NOFOLLOW) < 0) {
		problem(im->r, want->path, "%s, not a regular file", file_type_name((unsigned)st.st_mode));
		smsaudit_error_clear();
		return 0;
	}
	smsaudit_oid blob;
	int rc = smsaudit_repo_store_fd(&blob, sha, &size, im->repo, fd, want->path);
	close(fd);
	if (rc < 0)
		return rc;
	if (size != want->size || strcmp(sha, want->sha256) != 0) {
		problem(im->r, want->path, "content differs from the manifest (SHA-256 %.12s..., expected %.12s...)", sha,
		        want->sha256);
		return 0;
	}
	if (strcmp(want->path, MANIFEST) == 0 || strcmp(want->path, MANIFEST_SIG) == 0) {
		problem(im->r, want->path, "the manifest cannot list itself");
		return 0;
	}
	/* The report, its checksums, index.html and the readable copies of the
	 * evidence belong to the pack, not to the repository (the copies are
	 * checked against the records once those are read). */
	if (strcmp(want->path, SUMS) == 0 || strcmp(want->path, REPORT) == 0 || strcmp(want->path, INDEX) == 0 ||
	    strncmp(want->path, EVIDENCE_DIR, strlen(EVIDENCE_DIR)) == 0)
		return 0;
	return smsaudit_txn_add_blob(im->txn, want->path, &blob);
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

/*
 * SHA256SUMS must say exactly what the signed manifest says about every file
 * but pack.pdf and itself: the PDF prints SHA256SUMS's digest, so this ties
 * the report's footer to the manifest.
 */
static void check_sums(reporter *r, const char *dir, const file_list *listed)
{
	if (find_file(listed, SUMS) < 0) {
		problem(r, SUMS, "not listed in the manifest: the report's digest cannot be checked");
		return;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, SUMS);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	if (file_read_all(&b, path, MAX_MANIFEST) < 0) {
		smsaudit_buf_dispose(&b);
		return; /* reported as missing by the digest check */
	}
	size_t next = 0, line = 0;
	const char *p = b.ptr, *end = b.ptr + b.size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		/* the manifest's entries in path order, skipping the two that SHA256SUMS cannot list */
		while (next < listed->n && (strcmp(listed->f[next].path, SUMS) == 0 || strcmp(listed->f[next].path, REPORT) == 0))
			next++;
		const pack_file *f = next < listed->n ? &listed->f[next] : NULL;
		if (!f || len < 67 || memcmp(p, f->sha256, 64) != 0 || p[64] != ' ' || p[65] != ' ' ||
		    strlen(f->path) != len - 66 || memcmp(p + 66, f->path, len - 66) != 0) {
			problem(r, SUMS, "line %zu differs from the signed manifest%s%s%s", line, f ? " (expected " : "",
			        f ? f->path : "", f ? ")" : "");
			smsaudit_buf_dispose(&b);
			return;
		}
		next++;
		p += len + 1;
	}
	while (next < listed->n && (strcmp(listed->f[next].path, SUMS) == 0 || strcmp(listed->f[next].path, REPORT) == 0))
		next++;
	if (next < listed->n)
		problem(r, SUMS, "does not list %s, which the manifest lists", listed->f[next].path);
	smsaudit_buf_dispose(&b);
}

/* The manifest's time-stamp token, against the TSAs the pack's repository configures. */
static void check_manifest_token(reporter *r, smsaudit_pack_check *out, const char *dir, const smsaudit_buf *manifest)
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
		if (have && smsaudit_tsa_check(&out->stamped_at, tsr.ptr, tsr.size, manifest->ptr, manifest->size, tsa.ca) == 0)
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

/*
 * Every file under evidence/ is what its name says: the content of an
 * evidence record of the pack (evidence/<clause>/<id>-<name>, exactly the name
 * the pack gives it), linked to that clause, with that record's digest.
 */
static void check_evidence_files(reporter *r, const file_list *listed, const smsaudit_state *st)
{
	size_t plen = strlen(EVIDENCE_DIR);
	for (size_t i = 0; i < listed->n; i++) {
		const pack_file *f = &listed->f[i];
		if (strncmp(f->path, EVIDENCE_DIR, plen) != 0)
			continue;
		const char *slash = strchr(f->path + plen, '/');
		char id[SMSAUDIT_ID_MAX] = "";
		if (slash) {
			/* ev-<date>-<hex>: the id ends at its third '-' */
			const char *p = slash + 1, *end = p;
			for (int dashes = 0; *end && dashes < 3; end++)
				dashes += *end == '-';
			size_t n = (size_t)(end - p) - (*end || end[-1] == '-' ? 1 : 0);
			snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1), p);
		}
		const smsaudit_evidence_entry *e = NULL;
		if (!slash || smsaudit_state_find_evidence(&e, st, id) < 0 || !e) {
			smsaudit_error_clear();
			problem(r, f->path, "no evidence record of the pack has this name");
			continue;
		}
		char want[400], clause[64];
		snprintf(clause, sizeof(clause), "%.*s", (int)(slash - f->path - plen), f->path + plen);
		smsaudit_pack_evidence_path(want, sizeof(want), clause, e);
		int linked = 0;
		for (size_t j = 0; j < e->record->evidence.ncontrols; j++)
			linked |= strcmp(e->record->evidence.controls[j], clause) == 0;
		if (!linked || strcmp(want, f->path) != 0)
			problem(r, f->path, "not the name the pack gives %s's content under a clause it is linked to", id);
		else if (strcmp(f->sha256, e->record->evidence.sha256) != 0)
			problem(r, f->path, "not the content %s vouches for (SHA-256 %.12s..., the record says %.12s...)", id,
			        f->sha256, e->record->evidence.sha256);
	}
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
	char path[4096];
	smsaudit_buf m = SMSAUDIT_BUF_INIT, sig = SMSAUDIT_BUF_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	char why[64];
	if (file_read_all(&m, path, MAX_MANIFEST) < 0) {
		problem(&r, MANIFEST, "%s: this is not a pack", unreadable(why, sizeof(why), path));
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_SIG);
	int have_sig = file_read_all(&sig, path, 1u << 20) == 0;
	if (!have_sig)
		problem(&r, MANIFEST_SIG, "%s: the manifest is not signed", unreadable(why, sizeof(why), path));

	smsaudit_trust *trust = NULL;
	smsaudit_cert *ca = NULL, *signer = NULL;
	time_t signed_at = 0;
	int rc = load_trust(&trust, &ca, dir, &r, out->anchor_sha256);
	if (rc == 0 && have_sig && smsaudit_verify_detached(&signer, &signed_at, m.ptr, m.size, sig.ptr, sig.size, trust) < 0)
		problem(&r, MANIFEST_SIG, "does not verify: %s", smsaudit_error_last()->message);
	rc = rc > 0 ? 0 : rc;

	xmlDocPtr doc = NULL;
	smsaudit_xml_schema *schema = NULL;
	file_list listed = { NULL, 0, 0 }, present = { NULL, 0, 0 };
	int manifest_ok = 0;
	if (rc == 0 && smsaudit_xml_parse_memory(&doc, m.ptr, m.size, MANIFEST) == 0 &&
	    smsaudit_xml_schema_builtin(&schema, "manifest.xsd") == 0 &&
	    smsaudit_xml_schema_validate(schema, doc, MANIFEST) == 0)
		manifest_ok = 1;
	else if (rc == 0)
		problem(&r, MANIFEST, "%s", smsaudit_error_last()->message);
	if (manifest_ok)
		rc = read_manifest(&listed, out, doc);
	if (rc == 0 && manifest_ok)
		check_sums(&r, dir, &listed);
	out->nfiles = listed.n;
	out->signed_at = signed_at;
	check_manifest_token(&r, out, dir, &m);
	if (signer) {
		char email[256];
		smsaudit_cert_email(email, sizeof(email), signer);
		if (manifest_ok && strcmp(email, out->signer) != 0)
			problem(&r, MANIFEST_SIG, "signed by %s, but the manifest names %s", email, out->signer);
	}

	/* Nothing unlisted, nothing missing, every digest; then the records. */
	if (rc == 0)
		rc = list_dir(&present, dir, "", &r);
	if (rc == 0) {
		qsort(present.f, present.n, sizeof(*present.f), cmp_file);
		for (size_t i = 0; i < present.n; i++)
			if (strcmp(present.f[i].path, MANIFEST) != 0 && strcmp(present.f[i].path, MANIFEST_SIG) != 0 &&
			    strcmp(present.f[i].path, MANIFEST_TSR) != 0 &&
			    manifest_ok && find_file(&listed, present.f[i].path) < 0)
				problem(&r, present.f[i].path, "not listed in the manifest (added after sealing)");
	}
	char scratch[] = "/tmp/smsaudit-pack-XXXXXX";
	int made_scratch = 0;
	smsaudit_repo *repo = NULL;
	smsaudit_txn *txn = NULL;
	if (rc == 0 && manifest_ok) {
		if (!mkdtemp(scratch))
			rc = error_set(SMSAUDIT_EIO, "cannot create a scratch folder: %s", strerror(errno));
		made_scratch = rc == 0;
		if (rc == 0)
			rc = smsaudit_repo_init(&repo, scratch);
		if (rc == 0)
			rc = smsaudit_txn_new(&txn, repo);
		import_ctx im = { &r, dir, repo, txn };
		for (size_t i = 0; rc == 0 && i < listed.n; i++) {
			rc = import_file(&im, &listed.f[i]);
			progress_report("checking the pack's files", i + 1, listed.n);
		}
	}
	smsaudit_store *store = NULL;
	smsaudit_state *st = NULL;
	smsaudit_oid commit;
	if (rc == 0 && txn && smsaudit_txn_count(txn) > 0 &&
	    (rc = smsaudit_txn_commit(&commit, txn, "pack import", "smsaudit", "verify-pack@localhost",
	                              smsaudit_now())) == 0) {
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
			check_evidence_files(&r, &listed, st);
		}
	}
	smsaudit_state_free(st);
	smsaudit_store_free(store);
	smsaudit_txn_free(txn);
	smsaudit_repo_free(repo);
	if (made_scratch)
		remove_tree(scratch);
	files_free(&listed);
	files_free(&present);
	smsaudit_xml_schema_free(schema);
	xmlFreeDoc(doc);
	smsaudit_cert_free(signer);
	smsaudit_cert_free(ca);
	smsaudit_trust_free(trust);
	smsaudit_buf_dispose(&m);
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
static int manifest_load(file_list *listed, smsaudit_pack_check *chk, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	smsaudit_buf mb = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	smsaudit_xml_schema *schema = NULL;
	int rc = file_read_all(&mb, path, MAX_MANIFEST);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&doc, mb.ptr, mb.size, MANIFEST);
	if (rc == 0)
		rc = smsaudit_xml_schema_builtin(&schema, "manifest.xsd");
	if (rc == 0)
		rc = smsaudit_xml_schema_validate(schema, doc, MANIFEST);
	if (rc == 0)
		rc = read_manifest(listed, chk, doc);
	smsaudit_xml_schema_free(schema);
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&mb);
	return rc < 0 ? error_prefix(rc, "%s: this is not a pack", dir) : 0;
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
	file_list listed = { NULL, 0, 0 }, a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	rc = manifest_load(&listed, out, dir);
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
	if (rc == 0)
		rc = list_dir(&a, dir, "", &r);
	if (rc == 0)
		rc = list_dir(&b, rebuilt, "", &r);
	*ndiffer = scratch_check.nproblems;
	if (rc == 0) {
		qsort(a.f, a.n, sizeof(*a.f), cmp_file);
		qsort(b.f, b.n, sizeof(*b.f), cmp_file);
		size_t i = 0, k = 0;
		while (i < a.n || k < b.n) {
			int c = i == a.n ? 1 : k == b.n ? -1 : strcmp(a.f[i].path, b.f[k].path);
			const char *p = c <= 0 ? a.f[i].path : b.f[k].path;
			const char *why = NULL;
			if (c < 0)
				why = "in the pack, but the rebuilt pack has no such file";
			else if (c > 0)
				why = "missing: the rebuilt pack has it";
			else {
				char pa[4200], pb[4200];
				snprintf(pa, sizeof(pa), "%s/%s", dir, p);
				snprintf(pb, sizeof(pb), "%s/%s", rebuilt, p);
				if (!not_compared(p) && (a.f[i].size != b.f[k].size || !same_bytes(pa, pb)))
					why = "differs from the rebuilt file";
			}
			if (why && !not_compared(p)) {
				(*ndiffer)++;
				if (fn)
					fn(p, why, u);
			}
			i += c <= 0;
			k += c >= 0;
		}
		out->nfiles = a.n;
	}
	if (made)
		remove_tree(scratch);
	files_free(&listed);
	files_free(&a);
	files_free(&b);
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
	file_list listed = { NULL, 0, 0 };
	smsaudit_pack_check chk;
	memset(&chk, 0, sizeof(chk));
	rc = manifest_load(&listed, &chk, dir);
	if (rc == 0 && smsaudit_date_parse(&v->as_of, chk.as_of) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: as-of '%s' is not a date", path, chk.as_of);
	snprintf(v->commit, sizeof(v->commit), "%s", chk.commit);
	snprintf(v->scratch, sizeof(v->scratch), "/tmp/smsaudit-packview-XXXXXX");
	if (rc == 0 && !mkdtemp(v->scratch)) {
		v->scratch[0] = '\0';
		rc = error_set(SMSAUDIT_EIO, "cannot create a scratch folder: %s", strerror(errno));
	} else if (rc < 0) {
		v->scratch[0] = '\0';
	}
	smsaudit_repo *repo = NULL;
	smsaudit_txn *txn = NULL;
	smsaudit_pack_check counts;
	memset(&counts, 0, sizeof(counts));
	reporter r = { &counts, NULL, NULL };
	if (rc == 0)
		rc = smsaudit_repo_init(&repo, v->scratch);
	if (rc == 0)
		rc = smsaudit_txn_new(&txn, repo);
	import_ctx im = { &r, dir, repo, txn };
	for (size_t i = 0; rc == 0 && i < listed.n; i++)
		rc = import_file(&im, &listed.f[i]);
	if (rc == 0 && counts.nproblems)
		rc = error_set(SMSAUDIT_EVERIFY, "%s: %zu file%s differ%s from its manifest; run 'smsaudit verify-pack %s'",
		               dir, counts.nproblems, counts.nproblems == 1 ? "" : "s", counts.nproblems == 1 ? "s" : "", dir);
	smsaudit_oid commit;
	if (rc == 0)
		rc = smsaudit_txn_commit(&commit, txn, "pack import", "smsaudit", "pack@localhost", smsaudit_now());
	if (rc == 0)
		rc = smsaudit_store_open(&v->store, v->scratch);
	if (rc == 0)
		rc = smsaudit_state_load(&v->st, v->store, &commit, SMSAUDIT_STATE_SNAPSHOT | SMSAUDIT_STATE_REPORT_DAMAGE);
	smsaudit_txn_free(txn);
	smsaudit_repo_free(repo);
	files_free(&listed);
	if (rc < 0) {
		smsaudit_pack_view_free(v);
		return rc;
	}
	*out = v;
	return 0;
}
