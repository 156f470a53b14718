/*
 * The evidence repository on libgit2: a bare repository, commits built in
 * memory (no index, no work tree), append-only paths, compare-and-swap on
 * refs/heads/main.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "cacerts.h"
#include "internal.h"
#include "repo_internal.h"
#include "packfile.h"
#include "packread.h"
#include "smsaudit/config.h"
#include "smsaudit/repo.h"

#define MAIN_REF "refs/heads/main"
#define STREAM_CHUNK (256 * 1024)
#define COMMIT_RETRIES 200
/* Content up to REPO_PACK_CONTENT_MAX goes into the commit's pack; larger
 * content is streamed into its own loose object (loose.c) so memory never
 * holds it whole. */
/* Write the pending pack early once this much is waiting in memory. */
#define PACK_FLUSH_BYTES (64u * 1024 * 1024)

struct smsaudit_repo {
	git_repository *git;
	char *path;
	git_odb_backend *mempack;  /* new objects of a writer, until packed */
	size_t pending;            /* bytes waiting in the mempack */
	git_oid *fresh;            /* ids of the objects in the mempack */
	size_t nfresh, afresh;
	packread *packs;           /* content read straight from the packs */
	int packs_tried;
};

static int fresh_add(smsaudit_repo *repo, const git_oid *id, size_t bytes);
static int damaged(smsaudit_repo *repo, const char *what, const git_oid *id);
static void caching_pause(int off);

typedef struct {
	char *path;
	git_oid oid;
	int replace;    /* may overwrite what is there (the SMS description, never a record) */
} txn_entry;

/* Paths are kept in blocks of this size: an ingest of 100,000 files adds
 * 300,000 of them, and one allocation each cost a third more memory. */
#define TXN_BLOCK ((size_t)256 << 10)

struct smsaudit_txn {
	smsaudit_repo *repo;
	txn_entry *entries;
	size_t n, alloc;
	int known;      /* every object added is known to be in the object folder */
	char **blocks;  /* the paths' storage */
	size_t nblocks;
	char *cur;      /* the free end of the last block */
	size_t left;    /* bytes free there */
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_setup(void)
{
	/* The CA bundle waits for the first remote operation (cacerts.c). */
	cacerts_defer_begin();
	git_libgit2_init();
	cacerts_defer_end();
	/* Objects are written by us, never read from a work tree: check what we
	 * write. Objects read back keep libgit2's hash check (its default): a
	 * tree whose bytes do not match its id must not steer the history walk.
	 * It is most of what the history walk costs (bench/RESULTS.md). */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	/* Sharded folders hold hundreds of entries, so their trees exceed the
	 * default 4 KiB cache limit and would be inflated again on every lookup. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	/* Memory stays bounded at a cycle's size (bench/ledger.sh, 100,000
	 * records): each object cache (libgit2 keeps one per repository handle and
	 * one in its object database) holds all the trees of one commit in 32 MiB
	 * rather than everything read up to 256 MiB; the history walk reads every
	 * version of a folder once, in order, and keeps the one it needs next
	 * itself, so it needs no cache. Pack files are mapped in 4 MiB windows, at
	 * most 16 MiB at a time, rather than whole: every mapped page counts
	 * against the process, and reads jump between packs anyway (measured: 45
	 * MiB less at 100,000 records, time within the machine's noise). */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)32 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20);
	/* libgit2 keeps a descriptor open for every pack it has read from (its
	 * default has no limit): with thousands of packs every command failed with
	 * "too many open files" and verify saw objects as missing. A quarter of
	 * what the process may open, between 8 and 128, leaves the rest to the
	 * tool; beyond it libgit2 closes the pack it used least recently.
	 * Consolidation (packfile.c) keeps the count low anyway; this bounds it
	 * before that, and in repositories written by other tools. */
	struct rlimit rl;
	size_t files = 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		files = (size_t)(rl.rlim_cur / 4);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT, files < 8 ? (size_t)8 : files > 128 ? (size_t)128 : files);
	/* A command reports success only once what it wrote is on disk: libgit2
	 * then fsyncs every pack, index, loose object and ref it writes, and their
	 * folders, so a power cut cannot leave main naming a pack that never
	 * reached the disk. It costs (bench/RESULTS.md, "Long life") but a record
	 * is written once and kept for years. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

static void git_ensure(void)
{
	pthread_once(&git_once, git_setup);
}

/* libgit2's last message, for one-line errors. */
static const char *git_reason(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

static void to_git(git_oid *g, const smsaudit_oid *o)
{
	memcpy(g->id, o->id, 20);
}

static void from_git(smsaudit_oid *o, const git_oid *g)
{
	memcpy(o->id, g->id, 20);
}

void smsaudit_oid_fmt(char out[41], const smsaudit_oid *oid)
{
	git_oid g;
	to_git(&g, oid);
	git_oid_tostr(out, 41, &g);
}

static int wrap(smsaudit_repo **out, git_repository *g, const char *path)
{
	smsaudit_repo *r = calloc(1, sizeof(*r));
	char *p = strdup(path);
	if (!r || !p) {
		free(r);
		free(p);
		git_repository_free(g);
		return error_oom();
	}
	r->git = g;
	r->path = p;
	*out = r;
	return 0;
}

int smsaudit_repo_init(smsaudit_repo **out, const char *path)
{
	*out = NULL;
	git_ensure();
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return error_set(SMSAUDIT_EEXISTS, "%s: exists and is not a directory", path);
		if (rmdir(path) < 0 && errno != ENOENT) /* only an empty directory may be reused */
			return error_set(SMSAUDIT_EEXISTS, "%s: exists and is not empty", path);
	}
	git_repository_init_options opts;
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "main";
	opts.description = "smsaudit evidence repository";
	git_repository *g = NULL;
	if (git_repository_init_ext(&g, path, &opts) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot create repository: %s", path, git_reason());
	return wrap(out, g, path);
}

int smsaudit_repo_open(smsaudit_repo **out, const char *path)
{
	*out = NULL;
	git_ensure();
	git_repository *g = NULL;
	struct stat st;
	if (stat(path, &st) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	/* A bare clone, a git dir, or a clone's work tree (its .git is used). */
	if (git_repository_open_ext(&g, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: not an smsaudit repository (%s)", path, git_reason());
	/* With a work tree, everything of ours (pins, caches, messages) names the
	 * git dir, so "clone" and "clone/.git" are one repository. */
	char gitdir[PATH_MAX];
	if (!git_repository_is_bare(g)) {
		snprintf(gitdir, sizeof(gitdir), "%s", git_repository_path(g));
		size_t n = strlen(gitdir);
		while (n > 1 && gitdir[n - 1] == '/')
			gitdir[--n] = '\0';
		path = gitdir;
	}
	/* Inside a receive hook git keeps the pushed objects in a quarantine
	 * folder until the hook accepts them: read them from there too. */
	const char *quarantine = getenv("GIT_QUARANTINE_PATH");
	git_odb *odb = NULL;
	if (quarantine && *quarantine &&
	    (git_repository_odb(&odb, g) < 0 || git_odb_add_disk_alternate(odb, quarantine) < 0)) {
		git_odb_free(odb);
		git_repository_free(g);
		return error_set(SMSAUDIT_EIO, "%s: cannot read the pushed objects in %s: %s", path, quarantine, git_reason());
	}
	git_odb_free(odb);
	return wrap(out, g, path);
}

/*
 * A clone with a work tree whose HEAD is main: after main moves, bring the
 * index and the files up to date from the commit main was at, so the work
 * tree never lags behind and an ordinary `git commit` there cannot take back
 * records it never had. Files changed by hand are left alone (git's safe
 * checkout) and the person is told; main has moved either way.
 */
static void work_tree_follow(smsaudit_repo *repo, const git_oid *from)
{
	if (git_repository_is_bare(repo->git))
		return;
	git_reference *head = NULL;
	int on_main = git_reference_lookup(&head, repo->git, "HEAD") == 0 &&
	              git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	              strcmp(git_reference_symbolic_target(head), MAIN_REF) == 0;
	git_reference_free(head);
	if (!on_main) {
		git_error_clear();
		return;
	}
	git_commit *base = NULL;
	git_tree *tree = NULL;
	git_checkout_options o;
	git_checkout_options_init(&o, GIT_CHECKOUT_OPTIONS_VERSION);
	o.checkout_strategy = GIT_CHECKOUT_SAFE;
	if (from && git_commit_lookup(&base, repo->git, from) == 0 && git_commit_tree(&tree, base) == 0)
		o.baseline = tree;
	if (git_checkout_head(repo->git, &o) < 0)
		notice("%s: main moved, but its work tree %s was not brought up to date (%s); run 'git checkout "
		       "main' there", repo->path, git_repository_workdir(repo->git), git_reason());
	git_tree_free(tree);
	git_commit_free(base);
	git_error_clear();
}

void smsaudit_repo_free(smsaudit_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	packread_free(repo->packs);
	free(repo->path);
	free(repo->fresh);
	free(repo);
}

const char *smsaudit_repo_path(const smsaudit_repo *repo)
{
	return repo->path;
}

int smsaudit_repo_head(smsaudit_oid *out, smsaudit_repo *repo)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, repo->git, MAIN_REF);
	if (rc == GIT_ENOTFOUND)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: the repository has no commits", repo->path);
	if (rc < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot read %s: %s", repo->path, MAIN_REF, git_reason());
	from_git(out, &id);
	return 0;
}

int smsaudit_repo_resolve(smsaudit_oid *out, smsaudit_repo *repo, const char *rev)
{
	git_object *obj = NULL;
	if (git_revparse_single(&obj, repo->git, rev) < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "no commit '%s' in %s", rev, repo->path);
	git_object *commit = NULL;
	int rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "'%s' is not a commit in %s", rev, repo->path);
	from_git(out, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

/* The tree of `commit`, or of head when NULL. */
static int tree_at(git_tree **out, smsaudit_repo *repo, const smsaudit_oid *commit)
{
	smsaudit_oid head;
	if (!commit) {
		int rc = smsaudit_repo_head(&head, repo);
		if (rc < 0)
			return rc;
		commit = &head;
	}
	git_oid id;
	to_git(&id, commit);
	git_commit *c = NULL;
	if (git_commit_lookup(&c, repo->git, &id) < 0)
		return damaged(repo, "commit", &id); /* ids come from refs or resolved revisions: they existed */
	git_oid tid = *git_commit_tree_id(c);
	int rc = git_commit_tree(out, c);
	git_commit_free(c);
	return rc < 0 ? damaged(repo, "tree", &tid) : 0;
}

static int entry_at(git_tree_entry **out, smsaudit_repo *repo, const smsaudit_oid *commit,
                    const char *path)
{
	git_tree *tree = NULL;
	int rc = tree_at(&tree, repo, commit);
	if (rc < 0)
		return rc;
	rc = git_tree_entry_bypath(out, tree, path);
	git_tree_free(tree);
	if (rc == GIT_ENOTFOUND)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: no file '%s'", repo->path, path);
	if (rc < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	return 0;
}

int smsaudit_repo_path_oid(smsaudit_oid *out, smsaudit_repo *repo, const smsaudit_oid *commit,
                           const char *path)
{
	git_tree_entry *e = NULL;
	int rc = entry_at(&e, repo, commit, path);
	if (rc < 0)
		return rc;
	from_git(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

int smsaudit_repo_exists(smsaudit_repo *repo, const smsaudit_oid *commit, const char *path)
{
	git_tree_entry *e = NULL;
	if (entry_at(&e, repo, commit, path) < 0)
		return 0;
	git_tree_entry_free(e);
	return 1;
}

static void packs_open(smsaudit_repo *repo)
{
	if (!repo->packs_tried) {
		char objects[4200];
		snprintf(objects, sizeof(objects), "%sobjects", git_repository_path(repo->git));
		repo->packs = packread_open(objects);
		repo->packs_tried = 1;
	}
}

static int sink_buf(const char *data, size_t len, void *u)
{
	return buf_put(u, data, len);
}

static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha1_md;

static void sha1_fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

/* Whether `data` is the blob `id`: git's SHA-1 of "blob <size>\0" and the bytes. */
static int blob_id_ok(const char *data, size_t len, const unsigned char id[20])
{
	pthread_once(&sha1_once, sha1_fetch);
	char head[32];
	int hl = snprintf(head, sizeof(head), "blob %zu", len) + 1;
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned int gl = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && sha1_md && EVP_DigestInit_ex(md, sha1_md, NULL) && EVP_DigestUpdate(md, head, (size_t)hl) &&
	         EVP_DigestUpdate(md, data, len) && EVP_DigestFinal_ex(md, got, &gl) && gl == 20 &&
	         memcmp(got, id, 20) == 0;
	EVP_MD_CTX_free(md);
	return ok;
}

int smsaudit_repo_read_blob(smsaudit_buf *out, smsaudit_repo *repo, const smsaudit_oid *blob)
{
	/* Packed blobs are read straight from the pack (packread.c) and their
	 * id checked with SHA-1 here; anything else, or a blob whose bytes are
	 * not its id, through libgit2, which names the damage. */
	packs_open(repo);
	if (repo->packs) {
		uint64_t total = 0;
		out->size = 0;
		int r = packread_blob(repo->packs, blob->id, sink_buf, out, &total);
		if (r == 0 && blob_id_ok(out->ptr, out->size, blob->id))
			return 0;
		if (r < 0)
			return r;
		out->size = 0;
	}
	git_oid id;
	to_git(&id, blob);
	git_blob *b = NULL;
	if (git_blob_lookup(&b, repo->git, &id) < 0)
		return damaged(repo, "object", &id);
	out->size = 0;
	int rc = buf_put(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return rc;
}

int smsaudit_repo_read(smsaudit_buf *out, smsaudit_repo *repo, const smsaudit_oid *commit,
                       const char *path)
{
	git_tree_entry *e = NULL;
	int rc = entry_at(&e, repo, commit, path);
	if (rc < 0)
		return rc;
	git_blob *blob = NULL;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return error_set(SMSAUDIT_EINVALID, "%s: '%s' is not a file", repo->path, path);
	}
	if (git_blob_lookup(&blob, repo->git, git_tree_entry_id(e)) < 0) {
		rc = damaged(repo, path, git_tree_entry_id(e));
		git_tree_entry_free(e);
		return rc;
	}
	out->size = 0;
	rc = buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	git_tree_entry_free(e);
	return rc;
}

typedef struct {
	smsaudit_walk_fn fn;
	void *payload;
	const char *prefix;
	int result;
} walk_state;

static int walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	walk_state *w = payload;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	char path[1024];
	const char *name = git_tree_entry_name(entry);
	size_t a = strlen(w->prefix), b = strlen(root), c = strlen(name);
	if (a + b + c >= sizeof(path))
		return 0;
	memcpy(path, w->prefix, a);
	memcpy(path + a, root, b);
	memcpy(path + a + b, name, c + 1);
	smsaudit_oid id;
	from_git(&id, git_tree_entry_id(entry));
	w->result = w->fn(path, &id, w->payload);
	return w->result ? -1 : 0;
}

int smsaudit_repo_walk(smsaudit_repo *repo, const smsaudit_oid *commit, const char *prefix,
                       smsaudit_walk_fn fn, void *payload)
{
	git_tree *root = NULL;
	int rc = tree_at(&root, repo, commit);
	if (rc < 0)
		return rc;
	git_tree *sub = root;
	char pfx[512] = "";
	if (prefix && *prefix) {
		git_tree_entry *e = NULL;
		rc = git_tree_entry_bypath(&e, root, prefix);
		if (rc == GIT_ENOTFOUND) {
			git_tree_free(root);
			return 0; /* nothing there yet */
		}
		if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, repo->git, git_tree_entry_id(e)) < 0) {
			git_tree_entry_free(e);
			git_tree_free(root);
			return error_set(SMSAUDIT_EINVALID, "%s: '%s' is not a folder", repo->path, prefix);
		}
		git_tree_entry_free(e);
		snprintf(pfx, sizeof(pfx), "%s/", prefix);
	}
	walk_state w = { fn, payload, pfx, 0 };
	/* A walk reads each folder once: caching what it read would only hold
	 * memory (all the trees of 100,000 records, twice over). */
	caching_pause(1);
	rc = git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &w);
	caching_pause(0);
	if (sub != root)
		git_tree_free(sub);
	git_tree_free(root);
	if (w.result)
		return w.result;
	return rc < 0 ? error_set(SMSAUDIT_EDAMAGED, "%s: damaged repository: a tree below %s cannot be read (%s)",
	                          repo->path, prefix && *prefix ? prefix : "the top", git_reason()) : 0;
}

int smsaudit_repo_blob_size(uint64_t *out, smsaudit_repo *repo, const smsaudit_oid *blob)
{
	git_odb *odb = NULL;
	git_oid id;
	to_git(&id, blob);
	size_t len = 0;
	git_object_t type;
	int rc = git_repository_odb(&odb, repo->git);
	if (rc == 0)
		rc = git_odb_read_header(&len, &type, odb, &id);
	git_odb_free(odb);
	if (rc < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: missing object: %s", repo->path, git_reason());
	*out = len;
	return 0;
}

/* Read a blob in chunks: a loose object by our own reader (loose.c), else
 * libgit2's stream when a backend has one, else the whole object (packed
 * objects) — bounded memory for big content, which is written loose. */
static int blob_stream(smsaudit_repo *repo, const smsaudit_oid *blob,
                       int (*sink)(const char *data, size_t len, void *u), void *u, uint64_t *size_out)
{
	git_odb *odb = NULL;
	git_oid id;
	to_git(&id, blob);
	char objects[4200], reason[128];
	snprintf(objects, sizeof(objects), "%sobjects", git_repository_path(repo->git));
	uint64_t read_loose = 0;
	int bad = 0;
	int lr = loose_blob_read(&read_loose, &bad, reason, sizeof(reason), objects, id.id, sink, u);
	if (lr <= 0) {
		if (bad) {
			git_error_set_str(GIT_ERROR_ODB, reason);
			lr = damaged(repo, "object", &id);
		}
		if (size_out)
			*size_out = read_loose;
		return lr;
	}
	if (git_repository_odb(&odb, repo->git) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	git_odb_stream *st = NULL;
	size_t len = 0;
	git_object_t type;
	int rc = 0;
	uint64_t total = 0;
	if (git_odb_open_rstream(&st, &len, &type, odb, &id) == 0) {
		char *chunk = malloc(STREAM_CHUNK);
		if (!chunk)
			rc = error_oom();
		while (rc == 0) {
			int n = git_odb_stream_read(st, chunk, STREAM_CHUNK);
			if (n < 0) {
				rc = damaged(repo, "object", &id);
				break;
			}
			if (n == 0)
				break;
			total += (uint64_t)n;
			rc = sink(chunk, (size_t)n, u);
		}
		free(chunk);
		git_odb_stream_free(st);
	} else {
		git_error_clear();
		git_odb_object *obj = NULL;
		if (git_odb_read(&obj, odb, &id) < 0) {
			rc = damaged(repo, "object", &id);
			git_odb_free(odb);
			return rc;
		}
		total = git_odb_object_size(obj);
		rc = sink(git_odb_object_data(obj), (size_t)total, u);
		git_odb_object_free(obj);
	}
	git_odb_free(odb);
	if (size_out)
		*size_out = total;
	return rc;
}

/* SHA-256 fetched once: EVP_sha256() is fetched again at every init, which
 * an ingest of 10,000 small files felt. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

typedef struct {
	EVP_MD_CTX *md;
	int fd;
	const char *what;
} sink_state;

static int sink_hash_write(const char *data, size_t len, void *u)
{
	sink_state *s = u;
	if (s->md && !EVP_DigestUpdate(s->md, data, len))
		return error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	while (s->fd >= 0 && len > 0) {
		ssize_t n = write(s->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(SMSAUDIT_EIO, "%s: cannot write: %s", s->what, strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void hex_sha256(char out[65], const unsigned char d[32])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

static void hex_digest(char out[65], EVP_MD_CTX *md)
{
	unsigned char d[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(md, d, &n);
	hex_sha256(out, d);
}

int smsaudit_repo_blob_sha256(char out[65], uint64_t *size_out, smsaudit_repo *repo,
                              const smsaudit_oid *blob)
{
	pthread_once(&sha256_once, sha256_fetch);
	const EVP_MD *type = sha256_md ? sha256_md : EVP_sha256();
	sink_state s = { EVP_MD_CTX_new(), -1, "" };
	if (!s.md || !EVP_DigestInit_ex(s.md, type, NULL)) {
		EVP_MD_CTX_free(s.md);
		return error_oom();
	}
	/* Content is checked by this digest against its signed record, so it is
	 * read from the packs without git's SHA-1 (packread.c); anything that
	 * reader leaves, and any damage, goes through libgit2 as before. */
	packs_open(repo);
	uint64_t total = 0;
	int rc = repo->packs ? packread_blob(repo->packs, blob->id, sink_hash_write, &s, &total) : 1;
	if (rc == 0) {
		if (size_out)
			*size_out = total;
	} else if (rc > 0) {
		if (rc == 2 && !EVP_DigestInit_ex(s.md, type, NULL))
			rc = error_oom();
		else
			rc = blob_stream(repo, blob, sink_hash_write, &s, size_out);
	}
	if (rc == 0)
		hex_digest(out, s.md);
	EVP_MD_CTX_free(s.md);
	return rc;
}

int smsaudit_repo_blob_to_fd(smsaudit_repo *repo, const smsaudit_oid *blob, int fd,
                             const char *sha256, char digest_out[65], uint64_t *size_out)
{
	sink_state s = { EVP_MD_CTX_new(), fd, "output" };
	if (!s.md || !EVP_DigestInit_ex(s.md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(s.md);
		return error_oom();
	}
	int rc = blob_stream(repo, blob, sink_hash_write, &s, size_out);
	char got[65];
	if (rc == 0)
		hex_digest(got, s.md);
	if (rc == 0 && digest_out)
		memcpy(digest_out, got, sizeof(got));
	if (rc == 0 && sha256) {
		if (strcmp(got, sha256) != 0)
			rc = error_set(SMSAUDIT_EINVALID, "content digest mismatch: expected %s, got %s", sha256, got);
	}
	EVP_MD_CTX_free(s.md);
	return rc;
}

int smsaudit_repo_store_fd(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo,
                           int fd, const char *name)
{
	return repo_store_fd_checked(blob, sha256, size, repo, fd, name, NULL, NULL);
}

int repo_read_content(smsaudit_buf *whole, char sha256[65], int fd, uint64_t size, const char *name,
                      content_check_fn check, void *payload)
{
	whole->size = 0;
	int rc = buf_grow(whole, (size_t)size);
	if (rc < 0)
		return rc;
	pthread_once(&sha256_once, sha256_fetch);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t total = 0;
	if (!md || !EVP_DigestInit_ex(md, sha256_md ? sha256_md : EVP_sha256(), NULL))
		rc = error_oom();
	while (rc == 0) {
		char *dst = whole->ptr + total;
		size_t want = (size_t)(size - total);
		if (want == 0) {
			/* Read one byte more to notice a file that grew. */
			char extra;
			ssize_t n = read(fd, &extra, 1);
			if (n > 0)
				rc = error_set(SMSAUDIT_EINVALID, "%s: the file grew while it was read", name);
			break;
		}
		ssize_t n = read(fd, dst, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (!EVP_DigestUpdate(md, dst, (size_t)n))
			rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	}
	if (rc == 0 && total != size)
		rc = error_set(SMSAUDIT_EINVALID, "%s: the file changed size while it was read", name);
	if (rc == 0 && check)
		rc = check(payload, (const unsigned char *)whole->ptr, (size_t)total);
	if (rc == 0) {
		whole->size = (size_t)total;
		hex_digest(sha256, md);
	}
	EVP_MD_CTX_free(md);
	return rc;
}

int repo_store_fd_checked(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo, int fd,
                          const char *name, content_check_fn check, void *payload)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(SMSAUDIT_EINVALID, "%s: not a regular file", name);
	if (!repo->mempack || (uint64_t)st.st_size > REPO_PACK_CONTENT_MAX)
		return repo_store_loose(blob, sha256, size, repo, fd, (uint64_t)st.st_size, name, check, payload);
	smsaudit_buf whole = SMSAUDIT_BUF_INIT;
	int rc = repo_read_content(&whole, sha256, fd, (uint64_t)st.st_size, name, check, payload);
	git_oid id;
	if (rc == 0) {
		if (git_blob_create_from_buffer(&id, repo->git, whole.ptr, whole.size) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot store content: %s", name, git_reason());
		else
			rc = fresh_add(repo, &id, whole.size);
	}
	if (rc == 0) {
		from_git(blob, &id);
		*size = whole.size;
	}
	smsaudit_buf_dispose(&whole);
	return rc;
}

int repo_store_loose(smsaudit_oid *blob, char sha256[65], uint64_t *size, smsaudit_repo *repo, int fd,
                     uint64_t len, const char *name, content_check_fn check, void *payload)
{
	/* Large content: streamed into a loose object by one pass that hashes,
	 * deflates (or stores) and writes it (loose.c). */
	char objects[4200];
	snprintf(objects, sizeof(objects), "%sobjects", git_repository_path(repo->git));
	unsigned char id[20], digest[32];
	int rc = loose_blob_store(id, digest, fd, len, objects, name, check, payload);
	if (rc < 0)
		return rc;
	memcpy(blob->id, id, 20);
	hex_sha256(sha256, digest);
	*size = len;
	return 0;
}

int repo_store_buffer(smsaudit_oid *blob, smsaudit_repo *repo, const void *data, size_t len, const char *name)
{
	git_oid id;
	if (git_blob_create_from_buffer(&id, repo->git, data, len) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot store content: %s", name, git_reason());
	from_git(blob, &id);
	return repo->mempack ? fresh_add(repo, &id, len) : 0;
}

int repo_objects_dir(char *out, size_t size, smsaudit_repo *repo)
{
	int n = snprintf(out, size, "%sobjects", git_repository_path(repo->git));
	return n > 0 && (size_t)n < size ? 0 : error_set(SMSAUDIT_EINVALID, "%s: path too long", repo->path);
}

void repo_objects_added(smsaudit_repo *repo)
{
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, repo->git) == 0)
		git_odb_refresh(odb);
	git_odb_free(odb);
}

/* ---- packing new objects ----
 *
 * A commit of 10,000 evidence files means 30,000 new objects. Written loose,
 * each is a file created, written and renamed; written as one pack, they are
 * two files. New objects collect in an in-memory backend and are written as a
 * pack before the ref moves (a crash before that leaves only an unreferenced
 * pack file, or nothing). */

static int mempack_attach(smsaudit_repo *repo)
{
	if (repo->mempack)
		return 0;
	git_odb *odb = NULL;
	git_odb_backend *mp = NULL;
	if (git_repository_odb(&odb, repo->git) < 0 || git_mempack_new(&mp) < 0 ||
	    git_odb_add_backend(odb, mp, 1000) < 0) {
		git_odb_free(odb);
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	}
	git_odb_free(odb); /* the repository's odb keeps the backend */
	repo->mempack = mp;
	return 0;
}

static int mempack_flush(smsaudit_repo *repo);

/* Remember an object written to the mempack, to pack it later. */
static int fresh_add(smsaudit_repo *repo, const git_oid *id, size_t bytes)
{
	if (repo->nfresh == repo->afresh) {
		size_t n = repo->afresh ? repo->afresh * 2 : 1024;
		git_oid *f = realloc(repo->fresh, n * sizeof(*f));
		if (!f)
			return error_oom();
		repo->fresh = f;
		repo->afresh = n;
	}
	repo->fresh[repo->nfresh++] = *id;
	repo->pending += bytes + 64;
	return repo->pending >= PACK_FLUSH_BYTES ? mempack_flush(repo) : 0;
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int mempack_flush(smsaudit_repo *repo)
{
	if (!repo->mempack || repo->nfresh == 0)
		return 0;
	/* The same object may be written twice (equal content, equal subtrees);
	 * a pack holds each once. */
	qsort(repo->fresh, repo->nfresh, sizeof(*repo->fresh), cmp_oid);
	size_t uniq = 0;
	for (size_t i = 0; i < repo->nfresh; i++)
		if (uniq == 0 || !git_oid_equal(&repo->fresh[uniq - 1], &repo->fresh[i]))
			repo->fresh[uniq++] = repo->fresh[i];
	repo->nfresh = uniq;
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, repo->git) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	pack_out w;
	int rc = pack_out_begin(&w, odb, repo->nfresh, repo->path);
	for (size_t i = 0; rc == 0 && i < repo->nfresh; i++) {
		git_odb_object *obj = NULL;
		if (git_odb_read(&obj, odb, &repo->fresh[i]) < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: lost a new object: %s", repo->path, git_reason());
			break;
		}
		rc = pack_out_object(&w, git_odb_object_type(obj), git_odb_object_data(obj), git_odb_object_size(obj));
		git_odb_object_free(obj);
	}
	/* libgit2's indexer checks the pack and writes its .idx beside it. */
	if (rc == 0)
		rc = pack_out_commit(&w);
	pack_out_dispose(&w);
	if (rc == 0) {
		git_mempack_reset(repo->mempack);
		repo->pending = 0;
		repo->nfresh = 0;
		git_odb_refresh(odb);
	}
	git_odb_free(odb);
	return rc;
}

/* ---- transactions ---- */

int smsaudit_txn_new(smsaudit_txn **out, smsaudit_repo *repo)
{
	int rc = mempack_attach(repo);
	if (rc < 0)
		return rc;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return error_oom();
	(*out)->repo = repo;
	return 0;
}

void smsaudit_txn_free(smsaudit_txn *txn)
{
	if (!txn)
		return;
	for (size_t i = 0; i < txn->nblocks; i++)
		free(txn->blocks[i]);
	free(txn->blocks);
	free(txn->entries);
	free(txn);
}

void repo_txn_objects_known(smsaudit_txn *txn)
{
	txn->known = 1;
}

static int txn_grow(smsaudit_txn *txn, size_t n)
{
	if (n <= txn->alloc)
		return 0;
	txn_entry *e = realloc(txn->entries, n * sizeof(*e));
	if (!e)
		return error_oom();
	txn->entries = e;
	txn->alloc = n;
	return 0;
}

/* A copy of `path` in the transaction's blocks. */
static char *txn_strdup(smsaudit_txn *txn, const char *path)
{
	size_t len = strlen(path) + 1;
	if (len > txn->left) {
		size_t size = len > TXN_BLOCK ? len : TXN_BLOCK;
		char **b = realloc(txn->blocks, (txn->nblocks + 1) * sizeof(*b));
		if (!b)
			return NULL;
		txn->blocks = b;
		if (!(b[txn->nblocks] = malloc(size)))
			return NULL;
		txn->cur = b[txn->nblocks++];
		txn->left = size;
	}
	char *p = txn->cur;
	memcpy(p, path, len);
	txn->cur += len;
	txn->left -= len;
	return p;
}

size_t smsaudit_txn_count(const smsaudit_txn *txn)
{
	return txn->n;
}

static int valid_repo_path(const char *path)
{
	if (!path || !*path || path[0] == '/' || strlen(path) > 512)
		return 0;
	const char *seg = path;
	for (const char *p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);
			if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.') ||
			    (n == 4 && strncmp(seg, ".git", 4) == 0))
				return 0;
			if (*p == '\0')
				return 1;
			seg = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == '\\') {
			return 0;
		}
	}
}

int smsaudit_txn_add_blob(smsaudit_txn *txn, const char *path, const smsaudit_oid *blob)
{
	if (!valid_repo_path(path))
		return error_set(SMSAUDIT_EINVALID, "invalid repository path '%s'", path ? path : "");
	if (txn->n == txn->alloc && txn_grow(txn, txn->alloc ? txn->alloc * 2 : 16) < 0)
		return SMSAUDIT_ENOMEM;
	txn_entry *e = &txn->entries[txn->n];
	e->path = txn_strdup(txn, path);
	if (!e->path)
		return error_oom();
	to_git(&e->oid, blob);
	e->replace = 0;
	txn->n++;
	return 0;
}

int smsaudit_txn_replace(smsaudit_txn *txn, const char *path, const void *data, size_t len)
{
	int rc = smsaudit_txn_add(txn, path, data, len);
	if (rc == 0)
		txn->entries[txn->n - 1].replace = 1;
	return rc;
}

int smsaudit_txn_add(smsaudit_txn *txn, const char *path, const void *data, size_t len)
{
	git_oid id;
	if (git_blob_create_from_buffer(&id, txn->repo->git, data, len) < 0)
		return error_set(SMSAUDIT_EIO, "%s: cannot write object: %s", txn->repo->path, git_reason());
	smsaudit_oid o;
	from_git(&o, &id);
	int rc = smsaudit_txn_add_blob(txn, path, &o);
	return rc < 0 ? rc : fresh_add(txn->repo, &id, len);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const txn_entry *)a)->path, ((const txn_entry *)b)->path);
}

/*
 * Write the tree for `base` (may be NULL) with entries[lo, hi) added; every
 * entry's path has the first `skip` bytes stripped. Only trees on the new
 * paths are rewritten; siblings are shared with the parent commit.
 */
static int build_tree(git_oid *out, smsaudit_repo *repo, const git_tree *base, txn_entry *entries,
                      size_t lo, size_t hi, size_t skip)
{
	git_treebuilder *bld = NULL;
	if (git_treebuilder_new(&bld, repo->git, base) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	int rc = 0;
	size_t i = lo;
	while (rc == 0 && i < hi) {
		const char *rel = entries[i].path + skip;
		const char *slash = strchr(rel, '/');
		if (!slash) {
			const git_tree_entry *old = git_treebuilder_get(bld, rel);
			if (old && entries[i].replace) {
				if (git_treebuilder_insert(NULL, bld, rel, &entries[i].oid, GIT_FILEMODE_BLOB) < 0)
					rc = error_set(SMSAUDIT_EIO, "%s: cannot replace '%s': %s", repo->path, entries[i].path,
					               git_reason());
			} else if (old) {
				if (git_oid_equal(git_tree_entry_id(old), &entries[i].oid))
					; /* same content already there: deduplicated */
				else
					rc = error_set(SMSAUDIT_EEXISTS, "'%s' already exists in the repository; records are never replaced",
					               entries[i].path);
			} else if (git_treebuilder_insert(NULL, bld, rel, &entries[i].oid, GIT_FILEMODE_BLOB) < 0) {
				rc = error_set(SMSAUDIT_EIO, "%s: cannot add '%s': %s", repo->path, entries[i].path, git_reason());
			}
			i++;
			continue;
		}
		/* A group of entries under the same directory name. */
		size_t dlen = (size_t)(slash - rel);
		size_t j = i + 1;
		while (j < hi && strncmp(entries[j].path + skip, rel, dlen) == 0 && entries[j].path[skip + dlen] == '/')
			j++;
		char name[256];
		if (dlen >= sizeof(name)) {
			rc = error_set(SMSAUDIT_EINVALID, "path component too long in '%s'", entries[i].path);
			break;
		}
		memcpy(name, rel, dlen);
		name[dlen] = '\0';
		const git_tree_entry *old = git_treebuilder_get(bld, name);
		git_tree *sub = NULL;
		if (old && git_tree_entry_type(old) != GIT_OBJECT_TREE) {
			rc = error_set(SMSAUDIT_EEXISTS, "'%.*s' is a file, not a folder", (int)(skip + dlen), entries[i].path);
			break;
		}
		if (old && git_tree_lookup(&sub, repo->git, git_tree_entry_id(old)) < 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
			break;
		}
		git_oid sub_id;
		rc = build_tree(&sub_id, repo, sub, entries, i, j, skip + dlen + 1);
		git_tree_free(sub);
		if (rc == 0 && git_treebuilder_insert(NULL, bld, name, &sub_id, GIT_FILEMODE_TREE) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
		i = j;
	}
	if (rc == 0 && git_treebuilder_write(out, bld) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write tree: %s", repo->path, git_reason());
	if (rc == 0 && repo->mempack)
		rc = fresh_add(repo, out, git_treebuilder_entrycount(bld) * 40);
	git_treebuilder_free(bld);
	return rc;
}

/*
 * A ref is locked by `<ref>.lock` beside it while git or libgit2 writes it,
 * for milliseconds. One older than REF_LOCK_STALE was left by a process that
 * was killed, and stays until someone removes it: say which file and what to
 * do, rather than retrying and then calling the repository busy. A younger one
 * is 0 (wait and retry).
 */
#define REF_LOCK_STALE 5
static int ref_lock_error(smsaudit_repo *repo, const char *refname, int always)
{
	char lock[4300];
	snprintf(lock, sizeof(lock), "%s%s.lock", git_repository_path(repo->git), refname);
	struct stat st;
	if (lstat(lock, &st) < 0) {
		if (!always)
			return 0;
		return error_set(SMSAUDIT_EIO, "%s: %s is locked by another process; try again", repo->path, refname);
	}
	long age = (long)(time(NULL) - st.st_mtime);
	if (!always && age < REF_LOCK_STALE)
		return 0;
	return error_set(SMSAUDIT_EIO,
	                 "%s: a lock file %ld s old blocks %s; if no git or smsaudit is running on this repository, "
	                 "remove it and try again",
	                 lock, age < 0 ? 0L : age, refname);
}

static int ref_lock_stale(smsaudit_repo *repo, const char *refname)
{
	return ref_lock_error(repo, refname, 0);
}

int smsaudit_txn_commit(smsaudit_oid *out, smsaudit_txn *txn, const char *message,
                        const char *name, const char *email, time_t when)
{
	smsaudit_repo *repo = txn->repo;
	if (txn->n == 0)
		return error_set(SMSAUDIT_EUSAGE, "nothing to commit");
	qsort(txn->entries, txn->n, sizeof(*txn->entries), cmp_entry);
	for (size_t i = 1; i < txn->n; i++)
		if (strcmp(txn->entries[i - 1].path, txn->entries[i].path) == 0 &&
		    !git_oid_equal(&txn->entries[i - 1].oid, &txn->entries[i].oid))
			return error_set(SMSAUDIT_EINVALID, "'%s' is added twice with different content",
			                 txn->entries[i].path);

	git_signature *sig = NULL;
	if (git_signature_new(&sig, name, email, (git_time_t)when, 0) < 0)
		return error_set(SMSAUDIT_EINVALID, "cannot use '%s <%s>' as commit author: %s", name, email, git_reason());

	int rc = 0;
	for (int attempt = 0; attempt < COMMIT_RETRIES; attempt++) {
		git_oid head_id, tree_id, commit_id;
		git_commit *parent = NULL;
		git_tree *base = NULL;
		int have_head = git_reference_name_to_id(&head_id, repo->git, MAIN_REF) == 0;
		git_error_clear();
		if (have_head && (git_commit_lookup(&parent, repo->git, &head_id) < 0 ||
		                  git_commit_tree(&base, parent) < 0)) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read head: %s", repo->path, git_reason());
			git_commit_free(parent);
			break;
		}
		/* libgit2 checks that each object a tree names exists: for the
		 * objects of an ingest, just written and indexed by us, that read
		 * every one's header back through the pack windows (7 % of an
		 * ingest of 10,000 files), so the check is off while their trees
		 * are built. The library writes on one thread at a time. */
		if (txn->known)
			git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
		rc = build_tree(&tree_id, repo, base, txn->entries, 0, txn->n, 0);
		if (txn->known)
			git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
		git_tree *tree = NULL;
		if (rc == 0 && git_tree_lookup(&tree, repo->git, &tree_id) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
		const git_commit *parents[1] = { parent };
		if (rc == 0 && git_commit_create(&commit_id, repo->git, NULL, sig, sig, "UTF-8", message, tree,
		                                 parent ? 1 : 0, parents) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot create commit: %s", repo->path, git_reason());
		git_tree_free(tree);
		git_tree_free(base);
		git_commit_free(parent);
		if (rc < 0)
			break;

		/* Every object the commit needs is on disk before the ref names it. */
		if ((rc = fresh_add(repo, &commit_id, 256)) < 0 || (rc = mempack_flush(repo)) < 0)
			break;
		/* Compare-and-swap: move main only if it still points where we built. */
		git_reference *ref = NULL;
		int r = have_head
			? git_reference_create_matching(&ref, repo->git, MAIN_REF, &commit_id, 1, &head_id, "smsaudit")
			: git_reference_create(&ref, repo->git, MAIN_REF, &commit_id, 0, "smsaudit");
		git_reference_free(ref);
		if (r == 0) {
			from_git(out, &commit_id);
			git_signature_free(sig);
			work_tree_follow(repo, have_head ? &head_id : NULL);
			/* The commit stands whatever happens here: a failed consolidation
			 * leaves the packs as they were, and the next commit tries again. */
			packs_consolidate(NULL, repo->git, git_repository_path(repo->git), 0);
			smsaudit_error_clear();
			return 0;
		}
		if (r == GIT_ELOCKED && (rc = ref_lock_stale(repo, MAIN_REF)) < 0)
			break;
		if (r != GIT_EMODIFIED && r != GIT_EEXISTS && r != GIT_ELOCKED) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot update %s: %s", repo->path, MAIN_REF, git_reason());
			break;
		}
		/* Someone else committed (or holds the lock): rebuild on the new head. */
		git_error_clear();
		struct timespec pause = { 0, (long)(1000 + rand() % 4000) * (attempt < 20 ? 1000L : 5000L) };
		nanosleep(&pause, NULL);
		rc = r == GIT_ELOCKED ? ref_lock_error(repo, MAIN_REF, 1)
		     : error_set(SMSAUDIT_EIO, "%s: the repository is busy (another process keeps committing); try again",
		                 repo->path);
	}
	git_signature_free(sig);
	return rc;
}

git_repository *repo_git(smsaudit_repo *repo)
{
	return repo->git;
}

int repo_main_move(smsaudit_repo *repo, const smsaudit_oid *commit, const smsaudit_oid *old, int attempt)
{
	git_oid to, from;
	to_git(&to, commit);
	if (old)
		to_git(&from, old);
	git_reference *ref = NULL;
	int r = old ? git_reference_create_matching(&ref, repo->git, MAIN_REF, &to, 1, &from, "smsaudit")
	            : git_reference_create(&ref, repo->git, MAIN_REF, &to, 0, "smsaudit");
	git_reference_free(ref);
	if (r == 0) {
		work_tree_follow(repo, old ? &from : NULL);
		/* The commit stands whatever happens here, as in smsaudit_txn_commit. */
		packs_consolidate(NULL, repo->git, git_repository_path(repo->git), 0);
		smsaudit_error_clear();
		return 0;
	}
	int rc = 0;
	if (r == GIT_ELOCKED && (rc = ref_lock_stale(repo, MAIN_REF)) < 0)
		return rc;
	if (r != GIT_EMODIFIED && r != GIT_EEXISTS && r != GIT_ELOCKED)
		return error_set(SMSAUDIT_EIO, "%s: cannot update %s: %s", repo->path, MAIN_REF, git_reason());
	git_error_clear();
	if (attempt + 1 >= COMMIT_RETRIES)
		return r == GIT_ELOCKED ? ref_lock_error(repo, MAIN_REF, 1)
		       : error_set(SMSAUDIT_EIO, "%s: the repository is busy (another process keeps committing); try again",
		                   repo->path);
	struct timespec pause = { 0, (long)(1000 + rand() % 4000) * (attempt < 20 ? 1000L : 5000L) };
	nanosleep(&pause, NULL);
	return 1;
}

static int set_tag(smsaudit_repo *repo, const char *name, const smsaudit_oid *commit, int move)
{
	char refname[256];
	snprintf(refname, sizeof(refname), "refs/tags/%s", name);
	git_oid id;
	to_git(&id, commit);
	git_reference *ref = NULL;
	int rc = git_reference_create(&ref, repo->git, refname, &id, move, "smsaudit tag");
	git_reference_free(ref);
	if (rc == GIT_EEXISTS)
		return error_set(SMSAUDIT_EEXISTS, "tag '%s' already exists", name);
	if (rc == GIT_ELOCKED)
		return ref_lock_error(repo, refname, 1);
	if (rc < 0)
		return error_set(SMSAUDIT_EINVALID, "cannot set tag '%s': %s", name, git_reason());
	return 0;
}

int smsaudit_repo_consolidate(smsaudit_pack_stats *out, smsaudit_repo *repo, size_t limit)
{
	int rc = mempack_flush(repo);
	return rc < 0 ? rc : packs_consolidate(out, repo->git, git_repository_path(repo->git), limit);
}

int smsaudit_repo_tag(smsaudit_repo *repo, const char *name, const smsaudit_oid *commit)
{
	return set_tag(repo, name, commit, 0);
}

int smsaudit_repo_tag_set(smsaudit_repo *repo, const char *name, const smsaudit_oid *commit)
{
	return set_tag(repo, name, commit, 1);
}

int smsaudit_repo_log(smsaudit_repo *repo, smsaudit_log_fn fn, void *payload)
{
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, repo->git) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	git_revwalk_simplify_first_parent(walk);
	int rc = git_revwalk_push_ref(walk, MAIN_REF);
	if (rc < 0) {
		git_revwalk_free(walk);
		return rc == GIT_ENOTFOUND ? 0 : error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	}
	git_oid id;
	rc = 0;
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo->git, &id) < 0)
			continue;
		smsaudit_oid o;
		from_git(&o, &id);
		rc = fn(&o, (time_t)git_commit_time(c), git_commit_summary(c), payload);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	return rc;
}

typedef struct {
	time_t when;
	smsaudit_oid found;
	int have;
} commit_at_ctx;

static int commit_at_cb(const smsaudit_oid *commit, time_t when, const char *summary, void *u)
{
	(void)summary;
	commit_at_ctx *c = u;
	if (when > c->when)
		return 0;
	c->found = *commit;
	c->have = 1;
	return 1; /* newest first: the first one at or before `when` is the answer */
}

/*
 * Work made by `when` on another clone and merged later is on a second
 * parent: the first-parent commit of that day does not hold it. Move forward
 * along main's first parents to the first commit that holds every commit
 * made by then (at most `limit` steps; the first-parent commit otherwise).
 */
static int commit_holding_all(git_oid *at, smsaudit_repo *repo, time_t when, size_t limit)
{
	git_revwalk *walk = NULL;
	git_oid *missing = NULL, id;
	size_t nmissing = 0, amissing = 0;
	int rc = 0;
	if (git_revwalk_new(&walk, repo->git) < 0 || git_revwalk_push_ref(walk, MAIN_REF) < 0 ||
	    git_revwalk_hide(walk, at) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo->git, &id) < 0)
			continue;
		time_t t = (time_t)git_commit_time(c);
		git_commit_free(c);
		if (t > when)
			continue;
		if (nmissing == amissing) {
			size_t na = amissing ? amissing * 2 : 8;
			git_oid *nm = realloc(missing, na * sizeof(*nm));
			if (!nm) {
				rc = error_oom();
				break;
			}
			missing = nm;
			amissing = na;
		}
		missing[nmissing++] = id;
	}
	git_revwalk_free(walk);
	if (rc < 0 || nmissing == 0) {
		free(missing);
		return rc;
	}
	/* main's first parents from the newest back to `at`, then forward. */
	git_oid *line = NULL;
	size_t nline = 0;
	git_oid cur;
	int have = git_reference_name_to_id(&cur, repo->git, MAIN_REF) == 0;
	while (rc == 0 && have && !git_oid_equal(&cur, at)) {
		git_oid *nl = realloc(line, (nline + 1) * sizeof(*nl));
		git_commit *c = NULL;
		if (!nl) {
			rc = error_oom();
			break;
		}
		line = nl;
		line[nline++] = cur;
		have = git_commit_lookup(&c, repo->git, &cur) == 0 && git_commit_parentcount(c) > 0;
		if (have)
			cur = *git_commit_parent_id(c, 0);
		git_commit_free(c);
	}
	for (size_t k = nline, steps = 0; rc == 0 && k-- > 0 && steps++ < limit;) {
		size_t held = 0;
		while (held < nmissing && (git_oid_equal(&line[k], &missing[held]) ||
		                           git_graph_descendant_of(repo->git, &line[k], &missing[held]) == 1))
			held++;
		if (held == nmissing) {
			*at = line[k];
			break;
		}
	}
	git_error_clear();
	free(line);
	free(missing);
	return rc;
}

int smsaudit_repo_commit_at(smsaudit_oid *out, smsaudit_repo *repo, time_t when)
{
	commit_at_ctx c = { when, { { 0 } }, 0 };
	int rc = smsaudit_repo_log(repo, commit_at_cb, &c);
	if (rc < 0)
		return rc;
	if (!c.have) {
		char t[21];
		smsaudit_time_format(t, when);
		return error_set(SMSAUDIT_ENOTFOUND, "%s: the repository has no commit at or before %s", repo->path, t);
	}
	git_oid at;
	to_git(&at, &c.found);
	if ((rc = commit_holding_all(&at, repo, when, 1000)) < 0)
		return rc;
	from_git(out, &at);
	return 0;
}

/* ---- history ---- */

typedef struct {
	git_oid id;
	time_t time;
	size_t parent0;     /* index in parents[] of its first parent */
	size_t nparents;
	git_oid tree;       /* its root tree; zero when it came from the cache */
} history_commit;

struct smsaudit_history {
	history_commit *c;
	size_t n;
	size_t *parents;
	size_t nparents_all;
	size_t *slots;      /* open addressing: index + 1, 0 = empty */
	size_t nslots;
	/* What the paths handed to a walk's callback point into, kept as long as
	 * the history: the cache file as read, and the paths found by diffing. */
	char *cache_bytes;
	char **paths;
	size_t npaths;
};

void smsaudit_history_free(smsaudit_history *h)
{
	if (!h)
		return;
	free(h->c);
	free(h->parents);
	free(h->slots);
	free(h->cache_bytes);
	for (size_t i = 0; i < h->npaths; i++)
		free(h->paths[i]);
	free(h->paths);
	free(h);
}

size_t smsaudit_history_count(const smsaudit_history *h) { return h->n; }
time_t smsaudit_history_time(const smsaudit_history *h, size_t i) { return h->c[i].time; }
size_t smsaudit_history_parent_count(const smsaudit_history *h, size_t i) { return h->c[i].nparents; }

size_t smsaudit_history_parent(const smsaudit_history *h, size_t i, size_t k)
{
	return h->parents[h->c[i].parent0 + k];
}

const smsaudit_oid *smsaudit_history_commit(const smsaudit_history *h, size_t i)
{
	/* smsaudit_oid and git_oid are both the 20 raw bytes of the id. */
	return (const smsaudit_oid *)(const void *)h->c[i].id.id;
}

static size_t oid_hash(const unsigned char *id)
{
	size_t v = 0;
	memcpy(&v, id, sizeof(v));
	return v;
}

static int history_lookup(size_t *out, const smsaudit_history *h, const unsigned char *id)
{
	if (!h->nslots)
		return 0;
	for (size_t s = oid_hash(id) & (h->nslots - 1);; s = (s + 1) & (h->nslots - 1)) {
		if (!h->slots[s])
			return 0;
		if (memcmp(h->c[h->slots[s] - 1].id.id, id, 20) == 0) {
			*out = h->slots[s] - 1;
			return 1;
		}
	}
}

int smsaudit_history_find(size_t *out, const smsaudit_history *h, const smsaudit_oid *commit)
{
	if (history_lookup(out, h, commit->id))
		return 0;
	char hex[41];
	smsaudit_oid_fmt(hex, commit);
	return error_set(SMSAUDIT_ENOTFOUND, "commit %.12s is not in the history", hex);
}

static int damaged(smsaudit_repo *repo, const char *what, const git_oid *id)
{
	char hex[41];
	git_oid_tostr(hex, sizeof(hex), id);
	return error_set(SMSAUDIT_EDAMAGED, "%s: damaged repository: %s %s cannot be read (%s)", repo->path, what, hex,
	                 git_reason());
}

static int malformed_tree(smsaudit_repo *repo, const git_oid *id)
{
	char hex[41];
	git_oid_tostr(hex, sizeof(hex), id);
	return error_set(SMSAUDIT_EDAMAGED, "%s: damaged repository: tree %s cannot be read (an entry is malformed)",
	                 repo->path, hex);
}

/* One change against one parent, collected before the merge rules apply. */
typedef struct {
	char *path;
	git_oid id;         /* the commit's object (added, modified) or the parent's (deleted) */
	int change;
} tree_change;

typedef struct {
	smsaudit_repo *repo;
	tree_change *v;
	size_t n, alloc;
	int deletions_only;
} change_list;

static int change_push(change_list *l, const char *path, const git_oid *id, int change)
{
	if (l->deletions_only && change != SMSAUDIT_PATH_DELETED)
		return 0;
	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 64;
		tree_change *v = realloc(l->v, n * sizeof(*v));
		if (!v)
			return error_oom();
		l->v = v;
		l->alloc = n;
	}
	char *p = strdup(path);
	if (!p)
		return error_oom();
	l->v[l->n].path = p;
	l->v[l->n].id = *id;
	l->v[l->n].change = change;
	l->n++;
	return 0;
}

static void change_clear(change_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	l->n = 0;
}

static int tree_changes(change_list *l, const git_tree *old, const git_tree *new, char *prefix, size_t plen);

/* Everything below a tree that appeared or disappeared as a whole. */
static int subtree_all(change_list *l, const git_oid *tree_id, int change, char *prefix, size_t plen)
{
	git_tree *t = NULL;
	if (git_tree_lookup(&t, l->repo->git, tree_id) < 0)
		return damaged(l->repo, "tree", tree_id);
	int rc = change == SMSAUDIT_PATH_ADDED ? tree_changes(l, NULL, t, prefix, plen) : tree_changes(l, t, NULL, prefix, plen);
	git_tree_free(t);
	return rc;
}

static int entry_is_tree(const git_tree_entry *e)
{
	return git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

/* Append "name" (and "/" for a folder) to the prefix; 0 if it does not fit. */
static size_t path_join(char *prefix, size_t plen, const char *name)
{
	size_t n = strlen(name);
	if (plen + n + 2 > 1024)
		return 0;
	memcpy(prefix + plen, name, n + 1);
	return plen + n;
}

/* git's order of tree entries: by name, a folder's name as if it ended in '/'. */
static int entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *x = git_tree_entry_name(a), *y = git_tree_entry_name(b);
	size_t i = 0;
	while (x[i] && x[i] == y[i])
		i++;
	unsigned char cx = (unsigned char)(x[i] ? x[i] : entry_is_tree(a) ? '/' : '\0');
	unsigned char cy = (unsigned char)(y[i] ? y[i] : entry_is_tree(b) ? '/' : '\0');
	return cx < cy ? -1 : cx > cy;
}

/* One entry only in the old tree (removed) or only in the new one (added). */
static int entry_alone(change_list *l, const git_tree_entry *e, int change, char *prefix, size_t plen)
{
	size_t len = path_join(prefix, plen, git_tree_entry_name(e));
	if (!len)
		return error_set(SMSAUDIT_EINVALID, "%s: a path in the history is too long (%.100s...)", l->repo->path, prefix);
	int rc;
	if (entry_is_tree(e)) {
		prefix[len] = '/';
		prefix[len + 1] = '\0';
		rc = subtree_all(l, git_tree_entry_id(e), change, prefix, len + 1);
	} else {
		rc = change_push(l, prefix, git_tree_entry_id(e), change);
	}
	prefix[plen] = '\0';
	return rc;
}

/* The same name on both sides, with other content. */
static int entry_changed(change_list *l, const git_tree_entry *o, const git_tree_entry *e, char *prefix, size_t plen)
{
	if (!entry_is_tree(e) || !entry_is_tree(o)) {
		/* a file changed, or a file and a folder swapped places */
		if (entry_is_tree(e) != entry_is_tree(o)) {
			int rc = entry_alone(l, o, SMSAUDIT_PATH_DELETED, prefix, plen);
			return rc ? rc : entry_alone(l, e, SMSAUDIT_PATH_ADDED, prefix, plen);
		}
		size_t len = path_join(prefix, plen, git_tree_entry_name(e));
		if (!len)
			return error_set(SMSAUDIT_EINVALID, "%s: a path in the history is too long", l->repo->path);
		int rc = change_push(l, prefix, git_tree_entry_id(e), SMSAUDIT_PATH_MODIFIED);
		prefix[plen] = '\0';
		return rc;
	}
	size_t len = path_join(prefix, plen, git_tree_entry_name(e));
	if (!len)
		return error_set(SMSAUDIT_EINVALID, "%s: a path in the history is too long", l->repo->path);
	prefix[len] = '/';
	prefix[len + 1] = '\0';
	git_tree *a = NULL, *b = NULL;
	int rc;
	if (git_tree_lookup(&a, l->repo->git, git_tree_entry_id(o)) < 0)
		rc = damaged(l->repo, "tree", git_tree_entry_id(o));
	else if (git_tree_lookup(&b, l->repo->git, git_tree_entry_id(e)) < 0)
		rc = damaged(l->repo, "tree", git_tree_entry_id(e));
	else
		rc = tree_changes(l, a, b, prefix, len + 1);
	git_tree_free(a);
	git_tree_free(b);
	prefix[plen] = '\0';
	return rc;
}

/* Both trees are sorted the same way: walk them side by side, and go down
 * only into folders whose ids differ (most of a commit's tree is shared). */
/* git fsck's rules for a name, as the walk by folder applies them (raw_entry_at). */
static int name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int tree_changes(change_list *l, const git_tree *old, const git_tree *new, char *prefix, size_t plen)
{
	int rc = 0;
	for (size_t k = 0; old && k < git_tree_entrycount(old); k++)
		if (!name_ok(git_tree_entry_name(git_tree_entry_byindex(old, k))))
			return malformed_tree(l->repo, git_tree_id(old));
	for (size_t k = 0; new && k < git_tree_entrycount(new); k++)
		if (!name_ok(git_tree_entry_name(git_tree_entry_byindex(new, k))))
			return malformed_tree(l->repo, git_tree_id(new));
	size_t nn = new ? git_tree_entrycount(new) : 0, no = old ? git_tree_entrycount(old) : 0, i = 0, j = 0;
	while (rc == 0 && (i < no || j < nn)) {
		const git_tree_entry *o = i < no ? git_tree_entry_byindex(old, i) : NULL;
		const git_tree_entry *e = j < nn ? git_tree_entry_byindex(new, j) : NULL;
		int c = !o ? 1 : !e ? -1 : entry_cmp(o, e);
		if (c < 0) {
			rc = entry_alone(l, o, SMSAUDIT_PATH_DELETED, prefix, plen);
			i++;
		} else if (c > 0) {
			rc = entry_alone(l, e, SMSAUDIT_PATH_ADDED, prefix, plen);
			j++;
		} else {
			if (!git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(e)) ||
			    git_tree_entry_filemode(o) != git_tree_entry_filemode(e))
				rc = entry_changed(l, o, e, prefix, plen);
			i++;
			j++;
		}
	}
	prefix[plen] = '\0';
	return rc;
}

static int commit_tree(git_tree **out, smsaudit_repo *repo, const git_oid *commit_id)
{
	git_commit *c = NULL;
	if (git_commit_lookup(&c, repo->git, commit_id) < 0)
		return damaged(repo, "commit", commit_id);
	int rc = git_commit_tree(out, c);
	git_oid tid = *git_commit_tree_id(c);
	git_commit_free(c);
	return rc < 0 ? damaged(repo, "tree", &tid) : 0;
}

/* 1 if `tree` has exactly `id` at `path`. */
static int tree_has(const git_tree *tree, const char *path, const git_oid *id)
{
	git_tree_entry *e = NULL;
	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	int same = git_oid_equal(git_tree_entry_id(e), id);
	git_tree_entry_free(e);
	return same;
}

static int tree_has_path(const git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	git_tree_entry_free(e);
	return 1;
}

/* The changes of commit i against its parents, reported through fn. */
static int history_commit_changes(smsaudit_history *h, smsaudit_repo *repo, size_t i, change_list *l,
                                  smsaudit_change_fn fn, void *payload)
{
	git_tree *tree = NULL, *ptrees[16] = { NULL };
	const history_commit *hc = &h->c[i];
	size_t np = hc->nparents < 16 ? hc->nparents : 16;
	char prefix[1040] = "";
	int rc = commit_tree(&tree, repo, &hc->id);
	for (size_t k = 0; rc == 0 && k < np; k++)
		rc = commit_tree(&ptrees[k], repo, &h->c[smsaudit_history_parent(h, i, k)].id);
	l->deletions_only = 0;
	change_clear(l);
	if (rc == 0)
		rc = tree_changes(l, np ? ptrees[0] : NULL, tree, prefix, 0);
	for (size_t k = 0; rc == 0 && k < l->n; k++) {
		tree_change *c = &l->v[k];
		int report = 1;
		if (c->change != SMSAUDIT_PATH_DELETED)
			for (size_t p = 1; p < np && report; p++) {
				if (tree_has(ptrees[p], c->path, &c->id))
					report = 0; /* the commit takes this parent's version */
				else if (c->change == SMSAUDIT_PATH_ADDED && tree_has_path(ptrees[p], c->path))
					c->change = SMSAUDIT_PATH_MODIFIED;
			}
		smsaudit_oid o;
		from_git(&o, &c->id);
		if (report)
			rc = fn(h, i, c->path, (smsaudit_path_change)c->change, &o, payload);
	}
	/* Against the other parents only deletions are new information. */
	for (size_t p = 1; rc == 0 && p < np; p++) {
		change_clear(l);
		l->deletions_only = 1;
		rc = tree_changes(l, ptrees[p], tree, prefix, 0);
		for (size_t k = 0; rc == 0 && k < l->n; k++) {
			if (tree_has_path(ptrees[0], l->v[k].path))
				continue; /* reported against the first parent */
			smsaudit_oid o;
			from_git(&o, &l->v[k].id);
			rc = fn(h, i, l->v[k].path, SMSAUDIT_PATH_DELETED, &o, payload);
		}
	}
	change_clear(l);
	for (size_t k = 0; k < np; k++)
		git_tree_free(ptrees[k]);
	git_tree_free(tree);
	return rc;
}

static int history_index(smsaudit_history *h, const git_oid *id);

/* Add commit c (as a root, whatever its parents, when as_root). */
static int history_add(smsaudit_history *h, size_t *alloc, const git_oid *id, git_commit *c, int as_root)
{
	if (h->n == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 256;
		history_commit *v = realloc(h->c, n * sizeof(*v));
		if (!v)
			return error_oom();
		h->c = v;
		*alloc = n;
	}
	history_commit *hc = &h->c[h->n];
	hc->id = *id;
	hc->tree = *git_commit_tree_id(c);
	hc->time = (time_t)git_commit_time(c);
	hc->nparents = as_root ? 0 : git_commit_parentcount(c);
	hc->parent0 = h->nparents_all;
	size_t *p = realloc(h->parents, (h->nparents_all + hc->nparents + 1) * sizeof(*p));
	if (!p)
		return error_oom();
	h->parents = p;
	for (size_t k = 0; k < hc->nparents; k++) {
		size_t idx;
		if (!history_lookup(&idx, h, git_commit_parent_id(c, (unsigned)k)->id))
			return error_set(SMSAUDIT_EDAMAGED, "a parent commit is not in the history");
		h->parents[h->nparents_all++] = idx;
	}
	return history_index(h, id);
}

/* Index commit h->n (already in h->c) and count it (grow the table at half full). */
static int history_index(smsaudit_history *h, const git_oid *id)
{
	if ((h->n + 1) * 2 > h->nslots) {
		size_t ns = h->nslots ? h->nslots * 2 : 1024;
		size_t *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			return error_oom();
		for (size_t k = 0; k < h->n; k++) {
			size_t s = oid_hash(h->c[k].id.id) & (ns - 1);
			while (slots[s])
				s = (s + 1) & (ns - 1);
			slots[s] = k + 1;
		}
		free(h->slots);
		h->slots = slots;
		h->nslots = ns;
	}
	size_t s = oid_hash(id->id) & (h->nslots - 1);
	while (h->slots[s])
		s = (s + 1) & (h->nslots - 1);
	h->slots[s] = h->n + 1;
	h->n++;
	return 0;
}

/*
 * The history cache: the commits and changes of the history up to one tip,
 * so that a command after one new commit diffs that commit only. It lives in
 * smsaudit-cache/history (never committed or cloned), protected by an
 * HMAC-SHA256 keyed by the user's own secret: an edited or torn file is
 * ignored and the history walked again.
 */
#define HISTORY_MAGIC "smsaudit-history 2\n"

typedef struct {
	uint32_t commit;
	unsigned char change;
	unsigned char owned; /* path was allocated for the event (else it points into the cache's bytes) */
	git_oid blob;
	char *path;
	uint32_t seq;       /* a merge's events keep the order they were found in (from 1); 0: by path */
} history_event;

typedef struct {
	history_event *v;
	size_t n, alloc;
} event_list;

static void events_free(event_list *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].owned)
			free(e->v[i].path);
	free(e->v);
	e->v = NULL;
	e->n = e->alloc = 0;
}

/* An event whose path is `path` itself (owned 0: it lives as long as the
 * bytes it points into) or a copy of its `len` bytes (owned 1). */
static int events_add(event_list *e, uint32_t commit, int change, const git_oid *blob, const char *path, size_t len,
                      int owned)
{
	if (e->n == e->alloc) {
		size_t n = e->alloc ? e->alloc * 2 : 1024;
		history_event *v = realloc(e->v, n * sizeof(*v));
		if (!v)
			return error_oom();
		e->v = v;
		e->alloc = n;
	}
	char *p = (char *)path;
	if (owned) {
		if (!(p = malloc(len + 1)))
			return error_oom();
		memcpy(p, path, len);
		p[len] = '\0';
	}
	e->v[e->n++] = (history_event){ commit, (unsigned char)change, (unsigned char)owned, *blob, p, 0 };
	return 0;
}

static int events_push(event_list *e, uint32_t commit, int change, const git_oid *blob, const char *path, size_t len)
{
	return events_add(e, commit, change, blob, path, len, 1);
}

/* The paths of `ev` become the history's, so that what the callback was
 * handed stays valid as long as the history (state.c keeps them). */
static int events_hand_over(smsaudit_history *h, event_list *ev)
{
	size_t owned = 0;
	for (size_t i = 0; i < ev->n; i++)
		owned += ev->v[i].owned;
	if (!owned)
		return 0;
	char **v = realloc(h->paths, (h->npaths + owned) * sizeof(*v));
	if (!v)
		return error_oom();
	h->paths = v;
	for (size_t i = 0; i < ev->n; i++)
		if (ev->v[i].owned) {
			h->paths[h->npaths++] = ev->v[i].path;
			ev->v[i].owned = 0;
		}
	return 0;
}

typedef struct {
	event_list *events;
	smsaudit_change_fn fn;
	void *payload;
} recorder;

static int record_change(const smsaudit_history *h, size_t commit, const char *path, smsaudit_path_change change,
                         const smsaudit_oid *blob, void *u)
{
	recorder *r = u;
	git_oid g;
	to_git(&g, blob);
	int rc = events_push(r->events, (uint32_t)commit, change, &g, path, strlen(path));
	return rc ? rc : r->fn ? r->fn(h, commit, path, change, blob, r->payload) : 0;
}

static void cache_path(char *out, size_t size, const smsaudit_repo *repo)
{
	snprintf(out, size, "%s/smsaudit-cache/history", repo->path);
}

static int get_bytes(const unsigned char **p, const unsigned char *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	memcpy(out, *p, n);
	*p += n;
	return 0;
}

/* Load the cache into `h` (its commits) and `ev`, whose paths point into the
 * file's bytes (h->cache_bytes; each path is followed by a NUL in the file);
 * -1 when there is none or it does not check out. */
static int history_cache_load(smsaudit_history *h, event_list *ev, git_oid *tip, smsaudit_repo *repo)
{
	char path[4200];
	cache_path(path, sizeof(path), repo);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int ok = file_read_all(&b, path, (size_t)1 << 31) == 0 && b.size > sizeof(HISTORY_MAGIC) - 1 + 64 &&
	         memcmp(b.ptr, HISTORY_MAGIC, sizeof(HISTORY_MAGIC) - 1) == 0;
	char mac[65];
	ok = ok && config_mac(mac, b.ptr, b.size - 64, NULL, 0) == 0 && memcmp(mac, b.ptr + b.size - 64, 64) == 0;
	smsaudit_error_clear();
	const unsigned char *p = (const unsigned char *)b.ptr + sizeof(HISTORY_MAGIC) - 1;
	const unsigned char *end = (const unsigned char *)b.ptr + (ok ? b.size - 64 : 0);
	uint64_t ncommits = 0, nevents = 0;
	ok = ok && get_bytes(&p, end, tip->id, 20) == 0 && get_bytes(&p, end, &ncommits, 8) == 0;
	size_t alloc = 0;
	for (uint64_t i = 0; ok && i < ncommits; i++) {
		git_oid id;
		int64_t t;
		uint32_t np;
		ok = get_bytes(&p, end, id.id, 20) == 0 && get_bytes(&p, end, &t, 8) == 0 && get_bytes(&p, end, &np, 4) == 0;
		if (!ok)
			break;
		if (h->n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			history_commit *v = realloc(h->c, alloc * sizeof(*v));
			if (!v) {
				ok = 0;
				break;
			}
			h->c = v;
		}
		size_t *pp = realloc(h->parents, (h->nparents_all + np + 1) * sizeof(*pp));
		if (!pp) {
			ok = 0;
			break;
		}
		h->parents = pp;
		h->c[h->n] = (history_commit){ id, (time_t)t, h->nparents_all, np, { { 0 } } };
		for (uint32_t k = 0; ok && k < np; k++) {
			uint32_t idx;
			ok = get_bytes(&p, end, &idx, 4) == 0 && idx < h->n;
			if (ok)
				h->parents[h->nparents_all++] = idx;
		}
		if (ok)
			ok = history_index(h, &id) == 0;
	}
	ok = ok && get_bytes(&p, end, &nevents, 8) == 0;
	for (uint64_t i = 0; ok && i < nevents; i++) {
		uint32_t commit;
		unsigned char change;
		git_oid blob;
		uint16_t len;
		ok = get_bytes(&p, end, &commit, 4) == 0 && get_bytes(&p, end, &change, 1) == 0 &&
		     get_bytes(&p, end, blob.id, 20) == 0 && get_bytes(&p, end, &len, 2) == 0 &&
		     (size_t)(end - p) > len && p[len] == '\0' && memchr(p, '\0', len) == NULL && commit < h->n &&
		     change <= SMSAUDIT_PATH_DELETED;
		if (ok) {
			ok = events_add(ev, commit, change, &blob, (const char *)p, len, 0) == 0;
			p += len + 1;
		}
	}
	ok = ok && p == end;
	if (ok) {
		h->cache_bytes = b.ptr; /* the events' paths */
		b.ptr = NULL;
	}
	smsaudit_buf_dispose(&b);
	if (!ok) {
		events_free(ev);
		free(h->c);
		free(h->parents);
		free(h->slots);
		memset(h, 0, sizeof(*h));
		return -1;
	}
	return 0;
}

/* The file is written as it is built, its MAC fed alongside, and renamed into
 * place whole: at 300,000 changes it is about 27 MB that would otherwise sit
 * in memory beside everything the walk holds. */
typedef struct {
	FILE *f;
	hmac_stream *mac;
	int failed;
} cache_writer;

static void cw_put(cache_writer *w, const void *p, size_t n)
{
	if (!w->failed && (fwrite(p, 1, n, w->f) != n || hmac_stream_update(w->mac, p, n) < 0))
		w->failed = 1;
}

static int history_cache_save(const smsaudit_history *h, const event_list *ev, const git_oid *tip,
                              smsaudit_repo *repo)
{
	unsigned char key[32];
	char dir[4200], path[4200], tmp[4300];
	snprintf(dir, sizeof(dir), "%s/smsaudit-cache", repo->path);
	cache_path(path, sizeof(path), repo);
	temp_path_for(tmp, sizeof(tmp), path);
	remove_stale_temps(path);
	int rc = smsaudit_config_secret(key, "cache.key");
	rc = rc ? rc : mkdir_0700(dir);
	if (rc)
		return rc;
	cache_writer w = { NULL, NULL, 0 };
	int fd = temp_create(tmp);
	if (fd < 0 || !(w.f = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(e));
	}
	w.failed = hmac_stream_begin(&w.mac, key) < 0;
	uint64_t n = h->n, ne = 0;
	for (size_t i = 0; i < ev->n; i++)
		ne += strlen(ev->v[i].path) <= 0xffff;
	cw_put(&w, HISTORY_MAGIC, sizeof(HISTORY_MAGIC) - 1);
	cw_put(&w, tip->id, 20);
	cw_put(&w, &n, 8);
	for (size_t i = 0; i < h->n; i++) {
		int64_t t = (int64_t)h->c[i].time;
		uint32_t np = (uint32_t)h->c[i].nparents;
		cw_put(&w, h->c[i].id.id, 20);
		cw_put(&w, &t, 8);
		cw_put(&w, &np, 4);
		for (uint32_t k = 0; k < np; k++) {
			uint32_t idx = (uint32_t)smsaudit_history_parent(h, i, k);
			cw_put(&w, &idx, 4);
		}
	}
	cw_put(&w, &ne, 8);
	for (size_t i = 0; i < ev->n; i++) {
		size_t len = strlen(ev->v[i].path);
		uint16_t l16 = (uint16_t)len;
		if (len > 0xffff)
			continue;
		cw_put(&w, &ev->v[i].commit, 4);
		cw_put(&w, &ev->v[i].change, 1);
		cw_put(&w, ev->v[i].blob.id, 20);
		cw_put(&w, &l16, 2);
		cw_put(&w, ev->v[i].path, len + 1);
	}
	char mac[65];
	int ok = !w.failed;
	if (ok)
		ok = hmac_stream_end(mac, w.mac) == 0; /* frees it either way */
	else
		hmac_stream_end(NULL, w.mac);
	ok = ok && fwrite(mac, 1, 64, w.f) == 64;
	ok = fclose(w.f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}

/*
 * The walk by folder. Diffing commit after commit reads the versions of a busy
 * folder (content/ab/ holds hundreds of entries and changes every few commits)
 * far apart, so libgit2 rebuilds each one from a long delta chain and its
 * caches must hold everything to help. Instead the walk goes down one level at
 * a time: the root trees of every commit first, then each folder that changed,
 * all versions of one folder one after the other in commit order. Each version
 * is then one delta away from the one read just before (libgit2 keeps that as
 * a delta base), the previous version is still in hand, and nothing needs to
 * stay cached. Folders are independent work, shared out between threads at
 * folder boundaries; the threads share the repository's object database, which
 * libgit2 makes safe to read from several threads.
 *
 * Merges keep the commit-by-commit diff above (history_commit_changes): they
 * are few, and their rules look at every parent. The changes of all commits
 * are then put back in commit order, within a commit by path, which is the
 * order a depth-first walk of git's sorted trees gives.
 */
typedef struct {
	uint32_t commit;
	git_oid old, new;   /* zero when the folder appeared or disappeared */
	char *path;         /* "" for the root, else "records/2026/" */
} folder_job;

typedef struct {
	folder_job *v;
	size_t n, alloc;
} job_list;

static void jobs_free(job_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int jobs_push(job_list *l, uint32_t commit, const git_oid *old, const git_oid *new, char *path)
{
	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 1024;
		folder_job *v = realloc(l->v, n * sizeof(*v));
		if (!v) {
			free(path);
			return error_oom();
		}
		l->v = v;
		l->alloc = n;
	}
	l->v[l->n++] = (folder_job){ commit, *old, *new, path };
	return 0;
}

static int job_cmp(const void *a, const void *b)
{
	const folder_job *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : x->commit < y->commit ? -1 : x->commit > y->commit;
}

/* One thread's share of one level. */
typedef struct {
	smsaudit_repo *repo;        /* for messages only */
	git_odb *odb;               /* shared: libgit2 locks it */
	const folder_job *jobs;
	size_t from, to;
	event_list ev;
	job_list next;
	int rc;
	char err[600];
} level_work;

static const git_oid zero_oid;

/*
 * Trees are read as raw bytes (still checked against their ids by libgit2's
 * object database) and compared here: two versions of a busy folder share
 * all but a few entries, so the walk skips the equal bytes at both ends with
 * memcmp and looks at entries only where the versions differ. Each entry is
 * "<octal mode> <name>\0<20-byte id>"; anything else is a damaged tree.
 */
typedef struct {
	const char *name;           /* NUL-terminated inside the tree's bytes */
	size_t len;
	unsigned mode;
	git_oid id;
	const unsigned char *start, *next;
} raw_entry;

static int raw_is_tree(const raw_entry *e)
{
	return (e->mode & 0170000) == 0040000;
}

/* The mode git means (libgit2 reads old variants such as 100664 as 100644). */
static unsigned raw_mode_norm(unsigned mode)
{
	switch (mode & 0170000) {
	case 0040000: return 0040000;
	case 0120000: return 0120000;
	case 0160000: return 0160000;
	default: return mode & 0111 ? 0100755 : 0100644;
	}
}

/* The entry at p; -1 if the bytes there are not one. A name is never empty,
 * ".", ".." or holds a '/' (git fsck's rules): such a name would let a tree
 * hide a path inside another folder's. */
static int raw_entry_at(raw_entry *e, const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	unsigned mode = 0;
	while (q < end && *q >= '0' && *q <= '7' && q - p < 7)
		mode = mode * 8 + (unsigned)(*q++ - '0');
	if (q == p || q == end || *q++ != ' ')
		return -1;
	const unsigned char *nul = memchr(q, '\0', (size_t)(end - q));
	if (!nul || nul == q || (size_t)(end - nul) < 21 || memchr(q, '/', (size_t)(nul - q)) ||
	    (nul - q == 1 && q[0] == '.') || (nul - q == 2 && q[0] == '.' && q[1] == '.'))
		return -1;
	e->name = (const char *)q;
	e->len = (size_t)(nul - q);
	e->mode = mode;
	memcpy(e->id.id, nul + 1, 20);
	e->start = p;
	e->next = nul + 21;
	return 0;
}

/* git's order: by name, a folder's name as if it ended in '/'. */
static int raw_cmp(const raw_entry *a, const raw_entry *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned char x = (unsigned char)(a->len > n ? a->name[n] : raw_is_tree(a) ? '/' : '\0');
	unsigned char y = (unsigned char)(b->len > n ? b->name[n] : raw_is_tree(b) ? '/' : '\0');
	return x < y ? -1 : x > y;
}

/* prefix + name (+ "/" for a folder), or an error if the path is too long. */
static int child_path(char **out, const level_work *w, const char *prefix, const raw_entry *e)
{
	size_t a = strlen(prefix), folder = raw_is_tree(e);
	if (a + e->len + 2 > 1024)
		return error_set(SMSAUDIT_EINVALID, "%s: a path in the history is too long (%.100s...)", w->repo->path,
		                 prefix);
	char *p = malloc(a + e->len + 2);
	if (!p)
		return error_oom();
	memcpy(p, prefix, a);
	memcpy(p + a, e->name, e->len);
	p[a + e->len] = folder ? '/' : '\0';
	p[a + e->len + 1] = '\0';
	*out = p;
	return 0;
}

/* An entry on one side only: a file added or removed, or a folder whose
 * whole content was. */
static int level_alone(level_work *w, const folder_job *j, const raw_entry *e, int change)
{
	char *p = NULL;
	int rc = child_path(&p, w, j->path, e);
	if (rc)
		return rc;
	if (raw_is_tree(e))
		return change == SMSAUDIT_PATH_ADDED ? jobs_push(&w->next, j->commit, &zero_oid, &e->id, p)
		                                     : jobs_push(&w->next, j->commit, &e->id, &zero_oid, p);
	rc = events_push(&w->ev, j->commit, change, &e->id, p, strlen(p));
	free(p);
	return rc;
}

/* The same name on both sides, other bytes. */
static int level_changed(level_work *w, const folder_job *j, const raw_entry *o, const raw_entry *e)
{
	if (git_oid_equal(&o->id, &e->id) && raw_mode_norm(o->mode) == raw_mode_norm(e->mode))
		return 0; /* the same, written another way */
	if (raw_is_tree(o) != raw_is_tree(e)) {
		/* a file and a folder swapped places */
		int rc = level_alone(w, j, o, SMSAUDIT_PATH_DELETED);
		return rc ? rc : level_alone(w, j, e, SMSAUDIT_PATH_ADDED);
	}
	char *p = NULL;
	int rc = child_path(&p, w, j->path, e);
	if (rc)
		return rc;
	if (raw_is_tree(e))
		return jobs_push(&w->next, j->commit, &o->id, &e->id, p);
	rc = events_push(&w->ev, j->commit, SMSAUDIT_PATH_MODIFIED, &e->id, p, strlen(p));
	free(p);
	return rc;
}

static int read_tree(git_odb_object **out, level_work *w, const git_oid *id)
{
	if (git_odb_read(out, w->odb, id) < 0)
		return damaged(w->repo, "tree", id);
	if (git_odb_object_type(*out) != GIT_OBJECT_TREE) {
		git_odb_object_free(*out);
		*out = NULL;
		char hex[41];
		git_oid_tostr(hex, sizeof(hex), id);
		return error_set(SMSAUDIT_EDAMAGED, "%s: damaged repository: tree %s is not a tree", w->repo->path, hex);
	}
	return 0;
}

/* Where two trees' bytes first differ, moved back to the start of the entry
 * it falls in (the entries before it are the same on both sides). */
static const unsigned char *raw_common_start(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
	size_t n = na < nb ? na : nb, same = 0;
	while (same + 256 <= n && memcmp(a + same, b + same, 256) == 0)
		same += 256;
	while (same < n && a[same] == b[same])
		same++;
	const unsigned char *p = a, *end = a + na;
	raw_entry e;
	while (p < end && raw_entry_at(&e, p, end) == 0 && (size_t)(e.next - a) <= same)
		p = e.next;
	return p;
}

/* One folder of one commit against the same folder in its parent. `held` is
 * the version read last (this folder in the commit before, usually the old
 * side of this one); the new side replaces it. */
static int level_folder(level_work *w, const folder_job *j, git_odb_object **held, git_oid *held_id)
{
	git_odb_object *old = NULL, *new = NULL;
	int rc = 0;
	if (!git_oid_is_zero(&j->old)) {
		if (*held && git_oid_equal(held_id, &j->old)) {
			old = *held;
			*held = NULL;
		} else {
			rc = read_tree(&old, w, &j->old);
		}
	}
	if (rc == 0 && !git_oid_is_zero(&j->new))
		rc = read_tree(&new, w, &j->new);
	const unsigned char *ob = old ? git_odb_object_data(old) : NULL, *nb = new ? git_odb_object_data(new) : NULL;
	const unsigned char *oend = ob + (old ? git_odb_object_size(old) : 0);
	const unsigned char *nend = nb + (new ? git_odb_object_size(new) : 0);
	const unsigned char *po = ob, *pn = nb;
	if (rc == 0 && old && new) {
		po = raw_common_start(ob, (size_t)(oend - ob), nb, (size_t)(nend - nb));
		pn = nb + (po - ob);
	}
	/* After a difference, when the next entries agree, the rest may too:
	 * checked a bounded number of times per tree. */
	int after_change = 0, tail_checks = 64;
	while (rc == 0 && (po < oend || pn < nend)) {
		raw_entry o, e;
		if (po < oend && raw_entry_at(&o, po, oend) < 0) {
			rc = malformed_tree(w->repo, &j->old);
			break;
		}
		if (pn < nend && raw_entry_at(&e, pn, nend) < 0) {
			rc = malformed_tree(w->repo, &j->new);
			break;
		}
		int c = po == oend ? 1 : pn == nend ? -1 : raw_cmp(&o, &e);
		if (c < 0) {
			rc = level_alone(w, j, &o, SMSAUDIT_PATH_DELETED);
			po = o.next;
			after_change = 1;
		} else if (c > 0) {
			rc = level_alone(w, j, &e, SMSAUDIT_PATH_ADDED);
			pn = e.next;
			after_change = 1;
		} else if (o.next - o.start != e.next - e.start || memcmp(o.start, e.start, (size_t)(o.next - o.start))) {
			rc = level_changed(w, j, &o, &e);
			po = o.next;
			pn = e.next;
			after_change = 1;
		} else {
			if (after_change && tail_checks > 0) {
				tail_checks--;
				after_change = 0;
				if (oend - po == nend - pn && memcmp(po, pn, (size_t)(oend - po)) == 0)
					break;
			}
			po = o.next;
			pn = e.next;
		}
	}
	git_odb_object_free(old);
	git_odb_object_free(*held);
	*held = new;
	*held_id = new ? j->new : zero_oid;
	return rc;
}

static void *level_worker(void *arg)
{
	level_work *w = arg;
	git_odb_object *held = NULL;
	git_oid held_id = zero_oid;
	for (size_t i = w->from; w->rc == 0 && i < w->to; i++)
		w->rc = level_folder(w, &w->jobs[i], &held, &held_id);
	git_odb_object_free(held);
	if (w->rc < 0)
		snprintf(w->err, sizeof(w->err), "%s", smsaudit_error_last() ? smsaudit_error_last()->message : "");
	return NULL;
}

/* Move the n items at *src (elem bytes each; then freed, *src NULL) to the
 * end of the dst array of *dn items in *da slots, growing it by doubling. */
static int array_take(void **dst, size_t *dn, size_t *da, void **src, size_t n, size_t elem)
{
	if (n && *dn + n > *da) {
		size_t na = *da ? *da : 1024;
		while (na < *dn + n)
			na *= 2;
		void *v = realloc(*dst, na * elem);
		if (!v)
			return error_oom();
		*dst = v;
		*da = na;
	}
	if (n)
		memcpy((char *)*dst + *dn * elem, *src, n * elem);
	*dn += n;
	free(*src);
	*src = NULL;
	return 0;
}

static int events_take(event_list *dst, event_list *src)
{
	void *d = dst->v, *s = src->v;
	int rc = array_take(&d, &dst->n, &dst->alloc, &s, src->n, sizeof(*src->v));
	dst->v = d;
	src->v = s;
	if (rc == 0)
		src->n = src->alloc = 0;
	return rc;
}

static int jobs_take(job_list *dst, job_list *src)
{
	void *d = dst->v, *s = src->v;
	int rc = array_take(&d, &dst->n, &dst->alloc, &s, src->n, sizeof(*src->v));
	dst->v = d;
	src->v = s;
	if (rc == 0)
		src->n = src->alloc = 0;
	return rc;
}

#define LEVEL_THREADS 8

/*
 * libgit2's object caches are switched off while folders are walked: the walk
 * keeps the one version it needs next itself, and a full cache makes every
 * read pay for an eviction that scans the cache's table from its start (a
 * third of the walk's time at 20,000 commits); the same holds for a walk of
 * one commit's tree (smsaudit_repo_walk). The switch is process-wide,
 * so it is counted: it comes back on when the last walk ends. Other readers
 * of git in the process meanwhile read without a cache, which costs them
 * time, never a different answer.
 */
static pthread_mutex_t caching_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned caching_off;

static void caching_pause(int off)
{
	pthread_mutex_lock(&caching_lock);
	if (off ? caching_off++ == 0 : --caching_off == 0)
		git_libgit2_opts(GIT_OPT_ENABLE_CACHING, off ? 0 : 1);
	pthread_mutex_unlock(&caching_lock);
}

/* Every level below `jobs` (consumed), events into ev. */
static int walk_levels(smsaudit_repo *repo, job_list *jobs, event_list *ev)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cores < 1 ? 1 : cores > LEVEL_THREADS ? LEVEL_THREADS : (size_t)cores;
	git_odb *odb = NULL;
	int rc = 0;
	if (git_repository_odb(&odb, repo->git) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	caching_pause(1);
	while (rc == 0 && jobs->n) {
		qsort(jobs->v, jobs->n, sizeof(*jobs->v), job_cmp);
		size_t nt = jobs->n < 64 ? 1 : nthreads;
		level_work work[LEVEL_THREADS];
		pthread_t tids[LEVEL_THREADS];
		int started[LEVEL_THREADS] = { 0 };
		memset(work, 0, sizeof(work));
		size_t from = 0;
		for (size_t t = 0; t < nt; t++) {
			/* an even share, ending at a folder boundary */
			size_t to = t + 1 == nt ? jobs->n : jobs->n * (t + 1) / nt;
			while (to > from && to < jobs->n && strcmp(jobs->v[to].path, jobs->v[to - 1].path) == 0)
				to++;
			if (to < from)
				to = from;
			work[t] = (level_work){ repo, odb, jobs->v, from, to, { NULL, 0, 0 }, { NULL, 0, 0 }, 0, "" };
			from = to;
			started[t] = nt > 1 && pthread_create(&tids[t], NULL, level_worker, &work[t]) == 0;
			if (!started[t])
				level_worker(&work[t]);
		}
		job_list next = { NULL, 0, 0 };
		for (size_t t = 0; t < nt; t++) {
			if (started[t])
				pthread_join(tids[t], NULL);
			if (rc == 0 && work[t].rc < 0)
				rc = error_set(work[t].rc, "%s", work[t].err);
			if (rc == 0)
				rc = events_take(ev, &work[t].ev);
			if (rc == 0)
				rc = jobs_take(&next, &work[t].next);
			events_free(&work[t].ev);
			jobs_free(&work[t].next);
		}
		jobs_free(jobs);
		*jobs = next;
	}
	caching_pause(0);
	git_odb_free(odb);
	return rc;
}

static int commit_tree_id(git_oid *out, smsaudit_history *h, smsaudit_repo *repo, size_t i)
{
	if (!git_oid_is_zero(&h->c[i].tree)) {
		*out = h->c[i].tree;
		return 0;
	}
	git_commit *c = NULL;
	if (git_commit_lookup(&c, repo->git, &h->c[i].id) < 0)
		return damaged(repo, "commit", &h->c[i].id);
	*out = h->c[i].tree = *git_commit_tree_id(c);
	git_commit_free(c);
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const history_event *x = a, *y = b;
	if (x->commit != y->commit)
		return x->commit < y->commit ? -1 : 1;
	if (x->seq || y->seq)
		return x->seq < y->seq ? -1 : x->seq > y->seq;
	return strcmp(x->path, y->path);
}

/* The changes of commits base.. (appended to ev, in commit order). */
static int diff_commits(smsaudit_history *h, smsaudit_repo *repo, size_t base, event_list *ev)
{
	job_list roots = { NULL, 0, 0 };
	event_list found = { NULL, 0, 0 };
	int rc = 0;
	for (size_t i = base; rc == 0 && i < h->n; i++) {
		if (h->c[i].nparents > 1) {
			/* a merge: commit by commit, against every parent */
			size_t first = found.n;
			recorder rec = { &found, NULL, NULL };
			change_list l = { repo, NULL, 0, 0, 0 };
			rc = history_commit_changes(h, repo, i, &l, record_change, &rec);
			change_clear(&l);
			free(l.v);
			for (size_t k = first; k < found.n; k++)
				found.v[k].seq = (uint32_t)(k - first + 1);
			continue;
		}
		git_oid old = zero_oid, new;
		rc = commit_tree_id(&new, h, repo, i);
		if (rc == 0 && h->c[i].nparents == 1)
			rc = commit_tree_id(&old, h, repo, smsaudit_history_parent(h, i, 0));
		char *root = rc == 0 ? strdup("") : NULL;
		if (rc == 0 && !root)
			rc = error_oom();
		if (rc == 0 && git_oid_equal(&old, &new))
			free(root);
		else if (rc == 0)
			rc = jobs_push(&roots, (uint32_t)i, &old, &new, root);
	}
	if (rc == 0)
		rc = walk_levels(repo, &roots, &found);
	jobs_free(&roots);
	if (rc == 0) {
		if (found.n > 1)
			qsort(found.v, found.n, sizeof(*found.v), event_cmp);
		rc = events_take(ev, &found);
	}
	events_free(&found);
	return rc;
}

static int access_cache_absent(const smsaudit_repo *repo)
{
	char path[4200];
	cache_path(path, sizeof(path), repo);
	return access(path, F_OK) != 0;
}

/*
 * Add to `h`, parents first, every commit reachable from `tip` and not from
 * `hide` (NULL: none). With `strict`, a commit whose parent is not in `h`
 * already is SMSAUDIT_ENOTFOUND (a history that does not continue what `h`
 * holds); without, it is damage.
 */
static int history_extend(smsaudit_history *h, size_t *alloc, smsaudit_repo *repo, const git_oid *tip,
                          const git_oid *hide, int strict)
{
	git_revwalk *walk = NULL;
	int rc = 0;
	if (git_revwalk_new(&walk, repo->git) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", repo->path, git_reason());
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if (git_revwalk_push(walk, tip) < 0)
		rc = damaged(repo, "commit", tip);
	else if (hide && git_revwalk_hide(walk, hide) < 0)
		rc = damaged(repo, "commit", hide);
	git_oid id;
	int wrc = 0;
	while (rc == 0 && (wrc = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo->git, &id) < 0) {
			rc = damaged(repo, "commit", &id);
			break;
		}
		for (unsigned k = 0; strict && rc == 0 && k < git_commit_parentcount(c); k++) {
			size_t idx;
			if (!history_lookup(&idx, h, git_commit_parent_id(c, k)->id))
				rc = error_set(SMSAUDIT_ENOTFOUND, "a commit after the base has a parent before it");
		}
		if (rc == 0 && (rc = history_add(h, alloc, &id, c, 0)) == SMSAUDIT_EDAMAGED)
			rc = damaged(repo, "parent of commit", &id);
		git_commit_free(c);
	}
	if (rc == 0 && wrc != GIT_ITEROVER)
		rc = damaged(repo, "history below commit", tip);
	git_revwalk_free(walk);
	return rc;
}

/* The changes of commits base.. (on all cores), appended to `ev` after what
 * it holds, then every event of `ev`, in order, to `fn`. */
static int history_report(smsaudit_history *h, smsaudit_repo *repo, size_t base, event_list *ev,
                          smsaudit_change_fn fn, void *payload)
{
	int rc = diff_commits(h, repo, base, ev);
	for (size_t i = 0; rc == 0 && i < ev->n; i++) {
		smsaudit_oid o;
		from_git(&o, &ev->v[i].blob);
		rc = fn(h, ev->v[i].commit, ev->v[i].path, (smsaudit_path_change)ev->v[i].change, &o, payload);
	}
	return rc;
}

int smsaudit_repo_history(smsaudit_history **out, smsaudit_repo *repo, const smsaudit_oid *tip, unsigned flags,
                          smsaudit_change_fn fn, void *payload)
{
	*out = NULL;
	smsaudit_history *h = calloc(1, sizeof(*h));
	if (!h)
		return error_oom();
	git_oid tid, cached_tip;
	to_git(&tid, tip);
	/* What an earlier run walked, if it is part of this history. */
	event_list ev = { NULL, 0, 0 };
	int loaded = fn && !(flags & SMSAUDIT_HISTORY_NO_CACHE) && history_cache_load(h, &ev, &cached_tip, repo) == 0;
	int have = loaded, older = 0;
	if (have && !git_oid_equal(&cached_tip, &tid) && git_graph_descendant_of(repo->git, &tid, &cached_tip) != 1) {
		/* An earlier tip of the same history (gap --at) must not replace the
		 * cache of a later one; a rewritten history replaces it. */
		older = git_graph_descendant_of(repo->git, &cached_tip, &tid) == 1;
		git_error_clear();
		events_free(&ev);
		smsaudit_history_free(h);
		if (!(h = calloc(1, sizeof(*h))))
			return error_oom();
		have = 0;
	}
	/* A missing or unusable cache (torn, edited, another user's) is replaced;
	 * with --no-cache an existing one is left alone. */
	int may_save = fn && !older && (loaded || !(flags & SMSAUDIT_HISTORY_NO_CACHE) || access_cache_absent(repo));
	size_t base = h->n, alloc = h->n;
	int rc = 0;
	if (!(have && git_oid_equal(&cached_tip, &tid))) {
		rc = history_extend(h, &alloc, repo, &tid, have ? &cached_tip : NULL, 0);
	}
	/* The new commits' changes (on all cores), after the cached ones; then
	 * all of them, in order, to the caller. */
	if (rc == 0 && fn)
		rc = history_report(h, repo, base, &ev, fn, payload);
	if (rc == 0 && may_save && h->n > base && history_cache_save(h, &ev, &tid, repo) < 0)
		smsaudit_error_clear(); /* the cache only saves time */
	if (rc == 0)
		rc = events_hand_over(h, &ev);
	events_free(&ev);
	if (rc < 0) {
		smsaudit_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int smsaudit_repo_history_since(smsaudit_history **out, smsaudit_repo *repo, const smsaudit_oid *base,
                                const smsaudit_oid *tip, smsaudit_change_fn fn, void *payload)
{
	*out = NULL;
	smsaudit_history *h = calloc(1, sizeof(*h));
	if (!h)
		return error_oom();
	git_oid bid, tid;
	to_git(&bid, base);
	to_git(&tid, tip);
	size_t alloc = 0;
	git_commit *c = NULL;
	int rc = 0;
	if (git_commit_lookup(&c, repo->git, &bid) < 0) {
		rc = damaged(repo, "commit", &bid);
	} else {
		/* The base stands for everything before it: a commit without parents. */
		rc = history_add(h, &alloc, &bid, c, 1);
	}
	git_commit_free(c);
	if (rc == 0 && !git_oid_equal(&bid, &tid))
		rc = history_extend(h, &alloc, repo, &tid, &bid, 1);
	/* Only a tip that descends from the base continues it. */
	size_t tip_index;
	if (rc == 0 && !history_lookup(&tip_index, h, tid.id))
		rc = error_set(SMSAUDIT_ENOTFOUND, "the commit does not descend from the base");
	event_list ev = { NULL, 0, 0 };
	if (rc == 0 && fn)
		rc = history_report(h, repo, 1, &ev, fn, payload);
	if (rc == 0)
		rc = events_hand_over(h, &ev);
	events_free(&ev);
	if (rc < 0) {
		smsaudit_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int smsaudit_repo_descends(smsaudit_repo *repo, const smsaudit_oid *commit, const smsaudit_oid *ancestor)
{
	git_oid c, a;
	to_git(&c, commit);
	to_git(&a, ancestor);
	if (git_oid_equal(&c, &a))
		return 1;
	int r = git_graph_descendant_of(repo->git, &c, &a);
	if (r < 0) {
		git_error_clear();
		return 0;
	}
	return r;
}

typedef struct {
	smsaudit_repo *repo;
	smsaudit_tag_fn fn;
	void *payload;
	int result;
} tag_walk;

static int each_tag_cb(const char *name, void *u)
{
	tag_walk *t = u;
	git_object *obj = NULL, *commit = NULL;
	if (git_revparse_single(&obj, t->repo->git, name) < 0 ||
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return 0; /* a tag that names no commit is no checkpoint */
	}
	smsaudit_oid id;
	from_git(&id, git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
	t->result = t->fn(name + strlen("refs/tags/"), &id, t->payload);
	return t->result ? -1 : 0;
}

int smsaudit_repo_each_tag(smsaudit_repo *repo, const char *prefix, smsaudit_tag_fn fn, void *payload)
{
	char glob[300];
	snprintf(glob, sizeof(glob), "refs/tags/%s*", prefix);
	tag_walk t = { repo, fn, payload, 0 };
	int rc = git_reference_foreach_glob(repo->git, glob, each_tag_cb, &t);
	if (t.result)
		return t.result;
	return rc < 0 && rc != GIT_EUSER ? error_set(SMSAUDIT_EIO, "%s: cannot list tags: %s", repo->path, git_reason()) : 0;
}

/* ---- sharing through a git server ---- */

int smsaudit_repo_clone(smsaudit_repo **out, const char *url, const char *dir)
{
	*out = NULL;
	git_ensure();
	struct stat st;
	if (stat(dir, &st) == 0)
		return error_set(SMSAUDIT_EEXISTS, "%s: already exists; clone into a new folder", dir);
	git_clone_options opts;
	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION); /* libgit2's _INIT macros trip -Wextra */
	opts.bare = 1;
	opts.checkout_branch = "main";
	(void)cacerts_load(); /* a failure shows as libgit2's certificate error */
	git_repository *g = NULL;
	if (git_clone(&g, url, dir, &opts) < 0) {
		int rc = error_set(SMSAUDIT_EIO, "cannot clone %s: %s", url, git_reason());
		remove_tree(dir); /* nothing half-cloned left behind */
		return rc;
	}
	git_repository_free(g);
	smsaudit_repo *repo = NULL;
	int rc = smsaudit_repo_open(&repo, dir);
	smsaudit_sync_refs fetched;
	/* the audit tags travel too */
	if (rc == 0)
		rc = smsaudit_repo_fetch(&fetched, repo, "origin");
	if (rc < 0) {
		smsaudit_repo_free(repo);
		remove_tree(dir);
		return rc;
	}
	*out = repo;
	return 0;
}

int smsaudit_repo_fetch(smsaudit_sync_refs *out, smsaudit_repo *repo, const char *remote_name)
{
	memset(out, 0, sizeof(*out));
	git_oid id;
	if (git_reference_name_to_id(&id, repo->git, "refs/remotes/origin/main") == 0) {
		from_git(&out->before, &id);
		out->had_before = 1;
	}
	git_error_clear();
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo->git, remote_name) < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: no remote '%s' (a repository made by smsaudit clone has one)",
		                 repo->path, remote_name);
	/* main as the server has it, beside ours; audit tags as they are there
	 * (verify holds each against main's history). */
	char main_spec[] = "+refs/heads/main:refs/remotes/origin/main";
	char tag_spec[] = "+refs/tags/audit/*:refs/tags/audit/*";
	char *specs[] = { main_spec, tag_spec };
	git_strarray refspecs = { specs, 2 };
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	int rc = 0;
	(void)cacerts_load(); /* a failure shows as libgit2's certificate error */
	if (git_remote_fetch(remote, &refspecs, &fo, "smsaudit sync") < 0)
		rc = error_set(SMSAUDIT_EIO, "cannot fetch from %s: %s", git_remote_url(remote), git_reason());
	git_remote_free(remote);
	if (rc == 0 && git_reference_name_to_id(&id, repo->git, "refs/remotes/origin/main") == 0) {
		from_git(&out->remote, &id);
		out->has_remote = 1;
	}
	git_error_clear();
	return rc;
}

int smsaudit_repo_merge(smsaudit_oid *out, smsaudit_repo *repo, const smsaudit_oid *ours, const smsaudit_oid *theirs,
                        const char *name, const char *email, time_t when, const char *message)
{
	git_oid o, t, base;
	to_git(&o, ours);
	to_git(&t, theirs);
	git_commit *co = NULL, *ct = NULL, *cb = NULL;
	git_tree *to = NULL, *tt = NULL, *tb = NULL, *merged = NULL;
	git_index *index = NULL;
	git_signature *sig = NULL;
	int rc = 0;
	if (git_merge_base(&base, repo->git, &o, &t) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: the two histories share no commit: they are not one repository",
		               repo->path);
	if (rc == 0 && (git_commit_lookup(&co, repo->git, &o) < 0 || git_commit_lookup(&ct, repo->git, &t) < 0 ||
	                git_commit_lookup(&cb, repo->git, &base) < 0 || git_commit_tree(&to, co) < 0 ||
	                git_commit_tree(&tt, ct) < 0 || git_commit_tree(&tb, cb) < 0))
		rc = error_set(SMSAUDIT_EDAMAGED, "%s: cannot read the commits to merge: %s", repo->path, git_reason());
	git_merge_options mo;
	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	mo.flags |= GIT_MERGE_FAIL_ON_CONFLICT;
	if (rc == 0 && git_merge_trees(&index, repo->git, tb, to, tt, &mo) < 0)
		/* Every change adds a new path, so two sides never touch one file:
		 * a conflict means a file was changed, which verify names. */
		rc = error_set(SMSAUDIT_EINVALID, "%s: the two histories change the same file differently (%s); run "
		               "smsaudit verify on each to see which change breaks the ledger", repo->path, git_reason());
	git_oid tree_id, commit_id;
	if (rc == 0 && (git_index_write_tree_to(&tree_id, index, repo->git) < 0 ||
	                git_tree_lookup(&merged, repo->git, &tree_id) < 0))
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write the merged tree: %s", repo->path, git_reason());
	if (rc == 0 && git_signature_new(&sig, name, email, (git_time_t)when, 0) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "cannot sign the merge as %s <%s>: %s", name, email, git_reason());
	const git_commit *parents[2] = { co, ct };
	if (rc == 0 && git_commit_create(&commit_id, repo->git, NULL, sig, sig, "UTF-8", message, merged, 2, parents) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot create the merge commit: %s", repo->path, git_reason());
	if (rc == 0)
		from_git(out, &commit_id);
	git_signature_free(sig);
	git_index_free(index);
	git_tree_free(merged);
	git_tree_free(to);
	git_tree_free(tt);
	git_tree_free(tb);
	git_commit_free(co);
	git_commit_free(ct);
	git_commit_free(cb);
	return rc;
}

int smsaudit_repo_main_move(smsaudit_repo *repo, const smsaudit_oid *from, const smsaudit_oid *to)
{
	git_oid f, t;
	to_git(&f, from);
	to_git(&t, to);
	git_reference *ref = NULL;
	int r = git_reference_create_matching(&ref, repo->git, MAIN_REF, &t, 1, &f, "smsaudit sync");
	git_reference_free(ref);
	if (r == GIT_ELOCKED)
		return ref_lock_error(repo, MAIN_REF, 0);
	if (r < 0)
		return error_set(SMSAUDIT_EIO, "%s: main moved while syncing; run sync again (%s)", repo->path, git_reason());
	work_tree_follow(repo, &f);
	return 0;
}

typedef struct {
	char **specs;
	size_t n, alloc;
	char refused[400];       /* the server's word on the first ref it refused */
} push_ctx;

static int push_add(push_ctx *p, const char *spec)
{
	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 8;
		char **v = realloc(p->specs, na * sizeof(*v));
		if (!v)
			return -1;
		p->specs = v;
		p->alloc = na;
	}
	return (p->specs[p->n] = strdup(spec)) ? (int)(++p->n, 0) : -1;
}

static int push_tag(const char *name, void *u)
{
	char spec[600];
	snprintf(spec, sizeof(spec), "+%s:%s", name, name);
	return push_add(u, spec);
}

static int push_status(const char *refname, const char *status, void *u)
{
	push_ctx *p = u;
	if (status && !p->refused[0])
		snprintf(p->refused, sizeof(p->refused), "%s: %s", refname, status);
	return 0;
}

int smsaudit_repo_push(smsaudit_repo *repo, const char *remote_name)
{
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo->git, remote_name) < 0)
		return error_set(SMSAUDIT_ENOTFOUND, "%s: no remote '%s'", repo->path, remote_name);
	/* main only ever moves forward (no force); audit tags follow sealed packs.
	 * libgit2 pushes no wildcard, so each tag is named. */
	push_ctx p;
	memset(&p, 0, sizeof(p));
	int rc = push_add(&p, "refs/heads/main:refs/heads/main") < 0 ||
	                 git_reference_foreach_glob(repo->git, "refs/tags/audit/*", push_tag, &p) < 0
	             ? error_oom()
	             : 0;
	git_push_options po;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.push_update_reference = push_status;
	po.callbacks.payload = &p;
	git_strarray refspecs = { p.specs, p.n };
	if (rc == 0)
		(void)cacerts_load(); /* a failure shows as libgit2's certificate error */
	if (rc == 0 && git_remote_push(remote, &refspecs, &po) < 0)
		rc = error_set(SMSAUDIT_EIO, "cannot push to %s: %s", git_remote_url(remote), git_reason());
	if (rc == 0 && p.refused[0])
		rc = error_set(SMSAUDIT_EIO, "%s refused %s (if it moved on meanwhile, run sync again)",
		               git_remote_url(remote), p.refused);
	for (size_t i = 0; i < p.n; i++)
		free(p.specs[i]);
	free(p.specs);
	git_remote_free(remote);
	return rc;
}
