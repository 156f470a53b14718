/*
 * smsaudit_repo_history on repositories built here: linear commits through
 * the library's transactions, deletions and merges through stock git
 * plumbing. What each commit adds, changes and removes against all its
 * parents; the order of commits; and the history cache (same answers from
 * it, an appended commit, an older tip, an edited or foreign cache file).
 *
 *   c0  a.txt=A0  d/b.txt=B0  d/e/f.txt=F0          (library)
 *   c1  + d/c.txt=C0                                (library)
 *   c2  a.txt -> A1                                 (library, replace)
 *   c3  - d/b.txt  - d/e/f.txt                      (git)
 *   s1  from c3: + x.txt=X, a.txt -> SIDE           (git, side branch)
 *   m1  from c3: + y.txt=Y, a.txt -> MAIN           (library, main)
 *   g1  merge m1 s1, taking x.txt and a.txt from s1: nothing to report
 *   s2  from s1: + z.txt=Z                          (git)
 *   m2  from g1: + w.txt=W                          (library)
 *   g2  merge m2 s2 with m2's tree: z.txt dropped
 *   s3  from s2: + q.txt=Q, + r.txt=R1              (git)
 *   g3  merge g2 s3: q.txt from s3, - w.txt, a.txt -> BOTH, + n.txt=N, r.txt=R2
 *       (and no z.txt, which s3 still has: a deletion against s3)
 */
#include <stdarg.h>
#include <sys/stat.h>

#include "testutil.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static char dir[] = "/tmp/smsaudit-history-XXXXXX";
static char repo_path[600], index_path[600], cache_file[700];

enum { C0, C1, C2, C3, S1, M1, G1, S2, M2, G2, S3, G3, NCOMMITS };
static const char *const names[NCOMMITS] = { "c0", "c1", "c2", "c3", "s1", "m1", "g1", "s2", "m2", "g2", "s3", "g3" };
static smsaudit_oid commits[NCOMMITS];
static time_t times[NCOMMITS];

/* ---- running git ---- */

static void sh(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run a shell command; its first line of output into `out` (when not NULL). */
static void sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[512] = "";
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	char rest[512];
	while (fgets(rest, sizeof(rest), p))
		;
	int st = pclose(p);
	if (st != 0)
		fail_msg("command failed (%d): %s", st, cmd);
	line[strcspn(line, "\n")] = '\0';
	if (out)
		snprintf(out, size, "%s", line);
}

static void oid_from_hex(smsaudit_oid *out, const char *hex)
{
	assert_int_equal(strlen(hex), 40);
	for (int i = 0; i < 20; i++) {
		unsigned v = 0;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out->id[i] = (unsigned char)v;
	}
}

/* A tree: the tree of `base` (a commit) with edits "path=content" (add or
 * replace) and "-path" (remove). */
static void git_tree(char tree[41], const smsaudit_oid *base, const char *const *edits, size_t n)
{
	char hex[41];
	smsaudit_oid_fmt(hex, base);
	sh(NULL, 0, "rm -f '%s' && GIT_INDEX_FILE='%s' git --git-dir='%s' read-tree %s", index_path, index_path, repo_path,
	   hex);
	for (size_t i = 0; i < n; i++) {
		if (edits[i][0] == '-') {
			sh(NULL, 0, "printf '0 %s\\t%s\\n' | GIT_INDEX_FILE='%s' git --git-dir='%s' update-index --index-info",
			   "0000000000000000000000000000000000000000", edits[i] + 1, index_path, repo_path);
			continue;
		}
		const char *eq = strchr(edits[i], '=');
		assert_non_null(eq);
		char blob[41];
		sh(blob, sizeof(blob), "printf '%%s' '%s' | git --git-dir='%s' hash-object -w --stdin", eq + 1, repo_path);
		sh(NULL, 0, "printf '100644 %s\\t%.*s\\n' | GIT_INDEX_FILE='%s' git --git-dir='%s' update-index --add --index-info",
		   blob, (int)(eq - edits[i]), edits[i], index_path, repo_path);
	}
	sh(tree, 41, "GIT_INDEX_FILE='%s' git --git-dir='%s' write-tree", index_path, repo_path);
}

/* A commit of `tree` with parents p0 (and p1) at `when`; main is not moved. */
static void git_commit(smsaudit_oid *out, const char *tree, const smsaudit_oid *p0, const smsaudit_oid *p1,
                       time_t when)
{
	char h0[41], h1[41] = "", id[41];
	smsaudit_oid_fmt(h0, p0);
	if (p1)
		smsaudit_oid_fmt(h1, p1);
	sh(id, sizeof(id),
	   "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.org "
	   "GIT_AUTHOR_DATE='@%lld +0000' GIT_COMMITTER_DATE='@%lld +0000' "
	   "git --git-dir='%s' commit-tree %s -p %s %s%s -m test",
	   (long long)when, (long long)when, repo_path, tree, h0, p1 ? "-p " : "", h1);
	oid_from_hex(out, id);
}

static void git_set_main(const smsaudit_oid *c)
{
	char hex[41];
	smsaudit_oid_fmt(hex, c);
	sh(NULL, 0, "git --git-dir='%s' update-ref refs/heads/main %s", repo_path, hex);
}

/* One library commit on main: "path=content" adds a file, "!path=content" replaces one. */
static void lib_commit(smsaudit_oid *out, smsaudit_repo *r, const char *const *files, size_t n, time_t when)
{
	smsaudit_txn *t = NULL;
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	for (size_t i = 0; i < n; i++) {
		int replace = files[i][0] == '!';
		const char *spec = files[i] + replace;
		const char *eq = strchr(spec, '=');
		char path[200];
		snprintf(path, sizeof(path), "%.*s", (int)(eq - spec), spec);
		if (replace)
			assert_int_equal(smsaudit_txn_replace(t, path, eq + 1, strlen(eq + 1)), 0);
		else
			assert_int_equal(smsaudit_txn_add(t, path, eq + 1, strlen(eq + 1)), 0);
	}
	if (smsaudit_txn_commit(out, t, "test\n", "Tess Ter", "tess@example.org", when) < 0)
		fail_msg("commit: %s", smsaudit_error_last()->message);
	smsaudit_txn_free(t);
}

/* ---- collecting events ---- */

typedef struct {
	smsaudit_oid commit;
	size_t index;
	char path[200];
	smsaudit_path_change change;
	smsaudit_oid blob;
} event;

typedef struct {
	event *v;
	size_t n, alloc;
	int stop_at;           /* >0: return this (as an error) at event number stop_at */
} events;

static int collect(const smsaudit_history *h, size_t commit, const char *path, smsaudit_path_change change,
                   const smsaudit_oid *blob, void *payload)
{
	events *e = payload;
	if (e->stop_at && (int)e->n + 1 == e->stop_at)
		return -42;
	if (e->n == e->alloc) {
		e->alloc = e->alloc ? e->alloc * 2 : 64;
		e->v = realloc(e->v, e->alloc * sizeof(*e->v));
		assert_non_null(e->v);
	}
	event *ev = &e->v[e->n++];
	memset(ev, 0, sizeof(*ev));
	ev->commit = *smsaudit_history_commit(h, commit);
	ev->index = commit;
	snprintf(ev->path, sizeof(ev->path), "%s", path);
	ev->change = change;
	ev->blob = *blob;
	return 0;
}

static void events_clear(events *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static smsaudit_history *history(smsaudit_repo *r, const smsaudit_oid *tip, unsigned flags, events *e)
{
	smsaudit_history *h = NULL;
	events_clear(e);
	if (smsaudit_repo_history(&h, r, tip, flags, collect, e) < 0)
		fail_msg("history: %s", smsaudit_error_last()->message);
	assert_non_null(h);
	return h;
}

static const char *change_name(smsaudit_path_change c)
{
	return c == SMSAUDIT_PATH_ADDED ? "added" : c == SMSAUDIT_PATH_MODIFIED ? "modified" : "deleted";
}

static void assert_same_events(const events *a, const events *b)
{
	if (a->n != b->n) {
		for (size_t i = 0; i < a->n; i++)
			print_message("got %zu %s %s\n", a->v[i].index, change_name(a->v[i].change), a->v[i].path);
		for (size_t i = 0; i < b->n; i++)
			print_message("want %zu %s %s\n", b->v[i].index, change_name(b->v[i].change), b->v[i].path);
		fail_msg("%zu events, expected %zu", a->n, b->n);
	}
	for (size_t i = 0; i < a->n; i++) {
		const event *x = &a->v[i], *y = &b->v[i];
		if (memcmp(x->commit.id, y->commit.id, 20) != 0 || x->index != y->index || strcmp(x->path, y->path) != 0 ||
		    x->change != y->change || memcmp(x->blob.id, y->blob.id, 20) != 0)
			fail_msg("event %zu: %s %s at commit %zu, expected %s %s at commit %zu", i, change_name(x->change), x->path,
			         x->index, change_name(y->change), y->path, y->index);
	}
}

static int cmp_event(const void *a, const void *b)
{
	const event *x = a, *y = b;
	int c = memcmp(x->commit.id, y->commit.id, 20);
	return c ? c : strcmp(x->path, y->path);
}

/* ---- the repository ---- */

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	snprintf(repo_path, sizeof(repo_path), "%s/h.git", dir);
	snprintf(index_path, sizeof(index_path), "%s/index", dir);
	snprintf(cache_file, sizeof(cache_file), "%s/smsaudit-cache/history", repo_path);
	for (int i = 0; i < NCOMMITS; i++)
		times[i] = T0 + 3600 * i;

	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, repo_path), 0);
	const char *f0[] = { "a.txt=A0", "d/b.txt=B0", "d/e/f.txt=F0" };
	lib_commit(&commits[C0], r, f0, 3, times[C0]);
	const char *f1[] = { "d/c.txt=C0" };
	lib_commit(&commits[C1], r, f1, 1, times[C1]);
	const char *f2[] = { "!a.txt=A1" };
	lib_commit(&commits[C2], r, f2, 1, times[C2]);
	char tree[41];
	const char *e3[] = { "-d/b.txt", "-d/e/f.txt" };
	git_tree(tree, &commits[C2], e3, 2);
	git_commit(&commits[C3], tree, &commits[C2], NULL, times[C3]);
	git_set_main(&commits[C3]);

	const char *es1[] = { "x.txt=X", "a.txt=SIDE" };
	git_tree(tree, &commits[C3], es1, 2);
	git_commit(&commits[S1], tree, &commits[C3], NULL, times[S1]);
	const char *fm1[] = { "y.txt=Y", "!a.txt=MAIN" };
	lib_commit(&commits[M1], r, fm1, 2, times[M1]);
	const char *eg1[] = { "x.txt=X", "a.txt=SIDE" };
	git_tree(tree, &commits[M1], eg1, 2);
	git_commit(&commits[G1], tree, &commits[M1], &commits[S1], times[G1]);
	git_set_main(&commits[G1]);

	const char *es2[] = { "z.txt=Z" };
	git_tree(tree, &commits[S1], es2, 1);
	git_commit(&commits[S2], tree, &commits[S1], NULL, times[S2]);
	smsaudit_repo_free(r);
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	const char *fm2[] = { "w.txt=W" };
	lib_commit(&commits[M2], r, fm2, 1, times[M2]);
	git_tree(tree, &commits[M2], NULL, 0);
	git_commit(&commits[G2], tree, &commits[M2], &commits[S2], times[G2]);

	const char *es3[] = { "q.txt=Q", "r.txt=R1" };
	git_tree(tree, &commits[S2], es3, 2);
	git_commit(&commits[S3], tree, &commits[S2], NULL, times[S3]);
	const char *eg3[] = { "q.txt=Q", "-w.txt", "a.txt=BOTH", "n.txt=N", "r.txt=R2" };
	git_tree(tree, &commits[G2], eg3, 5);
	git_commit(&commits[G3], tree, &commits[G2], &commits[S3], times[G3]);
	git_set_main(&commits[G3]);
	smsaudit_repo_free(r);
	sh(NULL, 0, "git --git-dir='%s' fsck --strict >/dev/null 2>&1", repo_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t index_of(const smsaudit_history *h, int c)
{
	size_t i = (size_t)-1;
	if (smsaudit_history_find(&i, h, &commits[c]) < 0)
		fail_msg("%s is not in the history: %s", names[c], smsaudit_error_last()->message);
	return i;
}

/* The blob at `path` in commit `c`. */
static smsaudit_oid blob_at(smsaudit_repo *r, int c, const char *path)
{
	smsaudit_oid b;
	if (smsaudit_repo_path_oid(&b, r, &commits[c], path) < 0)
		fail_msg("%s has no %s", names[c], path);
	return b;
}

typedef struct {
	int commit;
	const char *path;
	smsaudit_path_change change;
	int blob_from;  /* the commit whose file the event's blob is */
} want_event;

static void test_changes_per_commit(void **state)
{
	(void)state;
	unsetenv("SMSAUDIT_NOW");
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	smsaudit_oid tip;
	assert_int_equal(smsaudit_repo_head(&tip, r), 0);
	assert_memory_equal(tip.id, commits[G3].id, 20);
	events e = { 0 };
	smsaudit_history *h = history(r, &tip, SMSAUDIT_HISTORY_NO_CACHE, &e);

	static const want_event want[] = {
		{ C0, "a.txt", SMSAUDIT_PATH_ADDED, C0 },
		{ C0, "d/b.txt", SMSAUDIT_PATH_ADDED, C0 },
		{ C0, "d/e/f.txt", SMSAUDIT_PATH_ADDED, C0 },
		{ C1, "d/c.txt", SMSAUDIT_PATH_ADDED, C1 },
		{ C2, "a.txt", SMSAUDIT_PATH_MODIFIED, C2 },
		{ C3, "d/b.txt", SMSAUDIT_PATH_DELETED, C2 },     /* the parent's blob */
		{ C3, "d/e/f.txt", SMSAUDIT_PATH_DELETED, C2 },   /* a whole folder gone */
		{ S1, "a.txt", SMSAUDIT_PATH_MODIFIED, S1 },
		{ S1, "x.txt", SMSAUDIT_PATH_ADDED, S1 },
		{ M1, "a.txt", SMSAUDIT_PATH_MODIFIED, M1 },
		{ M1, "y.txt", SMSAUDIT_PATH_ADDED, M1 },
		/* g1 takes s1's x.txt and a.txt: nothing new */
		{ S2, "z.txt", SMSAUDIT_PATH_ADDED, S2 },
		{ M2, "w.txt", SMSAUDIT_PATH_ADDED, M2 },
		{ G2, "z.txt", SMSAUDIT_PATH_DELETED, S2 },       /* dropped from the second parent */
		{ S3, "q.txt", SMSAUDIT_PATH_ADDED, S3 },
		{ S3, "r.txt", SMSAUDIT_PATH_ADDED, S3 },
		{ G3, "a.txt", SMSAUDIT_PATH_MODIFIED, G3 },      /* neither parent has BOTH */
		{ G3, "n.txt", SMSAUDIT_PATH_ADDED, G3 },
		{ G3, "r.txt", SMSAUDIT_PATH_MODIFIED, G3 },      /* new to the first parent, other bytes in the second */
		{ G3, "w.txt", SMSAUDIT_PATH_DELETED, G2 },       /* dropped from the first parent */
		{ G3, "z.txt", SMSAUDIT_PATH_DELETED, S3 },       /* g2 dropped it, but s3 still has it */
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	event *exp = calloc(nwant, sizeof(*exp));
	assert_non_null(exp);
	for (size_t i = 0; i < nwant; i++) {
		exp[i].commit = commits[want[i].commit];
		exp[i].index = index_of(h, want[i].commit);
		snprintf(exp[i].path, sizeof(exp[i].path), "%s", want[i].path);
		exp[i].change = want[i].change;
		exp[i].blob = blob_at(r, want[i].blob_from, want[i].path);
	}
	/* Compare as sets: the order within a commit is the walk's business. */
	events got = { 0 };
	got.v = malloc(e.n * sizeof(*got.v));
	assert_non_null(got.v);
	memcpy(got.v, e.v, e.n * sizeof(*got.v));
	got.n = e.n;
	qsort(got.v, got.n, sizeof(*got.v), cmp_event);
	qsort(exp, nwant, sizeof(*exp), cmp_event);
	events expected = { exp, nwant, nwant, 0 };
	assert_same_events(&got, &expected);
	/* Events come commit by commit, in the history's order. */
	for (size_t i = 1; i < e.n; i++)
		assert_true(e.v[i].index >= e.v[i - 1].index);
	events_clear(&got);
	free(exp);
	events_clear(&e);
	smsaudit_history_free(h);
	smsaudit_repo_free(r);
}

static void test_commit_order_and_find(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	events e = { 0 };
	smsaudit_history *h = history(r, &commits[G3], SMSAUDIT_HISTORY_NO_CACHE, &e);
	assert_int_equal(smsaudit_history_count(h), NCOMMITS);
	/* The root first; every parent before its child. */
	assert_memory_equal(smsaudit_history_commit(h, 0)->id, commits[C0].id, 20);
	assert_int_equal(smsaudit_history_parent_count(h, 0), 0);
	for (size_t i = 1; i < smsaudit_history_count(h); i++) {
		assert_true(smsaudit_history_parent_count(h, i) >= 1);
		for (size_t k = 0; k < smsaudit_history_parent_count(h, i); k++)
			assert_true(smsaudit_history_parent(h, i, k) < i);
	}
	for (int c = 0; c < NCOMMITS; c++) {
		size_t i = index_of(h, c);
		assert_memory_equal(smsaudit_history_commit(h, i)->id, commits[c].id, 20);
		assert_int_equal(smsaudit_history_time(h, i), times[c]);
	}
	/* Merges keep their parents in order: the first is the branch merged into. */
	size_t g1 = index_of(h, G1), g3 = index_of(h, G3);
	assert_int_equal(smsaudit_history_parent_count(h, g1), 2);
	assert_int_equal(smsaudit_history_parent(h, g1, 0), index_of(h, M1));
	assert_int_equal(smsaudit_history_parent(h, g1, 1), index_of(h, S1));
	assert_int_equal(smsaudit_history_parent(h, g3, 0), index_of(h, G2));
	assert_int_equal(smsaudit_history_parent(h, g3, 1), index_of(h, S3));
	assert_int_equal(smsaudit_history_parent_count(h, index_of(h, S1)), 1);
	assert_int_equal(smsaudit_history_parent(h, index_of(h, S1), 0), index_of(h, C3));
	/* The tip is last: nothing comes after it. */
	assert_int_equal(g3, NCOMMITS - 1);

	/* Not in the history: a blob, a made-up id. */
	smsaudit_oid blob = blob_at(r, C0, "a.txt"), none;
	memset(none.id, 0xee, 20);
	size_t i = 77;
	assert_int_equal(smsaudit_history_find(&i, h, &blob), SMSAUDIT_ENOTFOUND);
	char hex[41], want[80];
	smsaudit_oid_fmt(hex, &blob);
	snprintf(want, sizeof(want), "commit %.12s is not in the history", hex);
	assert_error_contains(want);
	assert_int_equal(smsaudit_history_find(&i, h, &none), SMSAUDIT_ENOTFOUND);
	assert_error_contains("commit eeeeeeeeeeee is not in the history");
	smsaudit_history_free(h);

	/* From a tip on the side branch: only its ancestors; main's commits are not there. */
	h = history(r, &commits[S2], SMSAUDIT_HISTORY_NO_CACHE, &e);
	assert_int_equal(smsaudit_history_count(h), 6); /* c0 c1 c2 c3 s1 s2 */
	assert_int_equal(smsaudit_history_find(&i, h, &commits[M1]), SMSAUDIT_ENOTFOUND);
	assert_int_equal(index_of(h, S2), 5);
	smsaudit_history_free(h);

	/* Without a callback: the commits alone. */
	assert_int_equal(smsaudit_repo_history(&h, r, &commits[G3], 0, NULL, NULL), 0);
	assert_int_equal(smsaudit_history_count(h), NCOMMITS);
	smsaudit_history_free(h);

	/* A callback's error stops the walk and is returned; nothing is handed out. */
	events stop = { 0 };
	stop.stop_at = 3;
	h = (smsaudit_history *)(uintptr_t)1;
	assert_int_equal(smsaudit_repo_history(&h, r, &commits[G3], SMSAUDIT_HISTORY_NO_CACHE, collect, &stop), -42);
	assert_null(h);
	assert_int_equal(stop.n, 2);
	events_clear(&stop);

	/* A tip that is no commit is damage, naming it. */
	h = (smsaudit_history *)(uintptr_t)1;
	assert_int_equal(smsaudit_repo_history(&h, r, &none, SMSAUDIT_HISTORY_NO_CACHE, collect, &e), SMSAUDIT_EDAMAGED);
	assert_null(h);
	assert_error_contains("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	events_clear(&e);
	smsaudit_repo_free(r);
}

/* ---- the history cache ---- */

static int read_file(smsaudit_buf *out, const char *path)
{
	out->size = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(smsaudit_buf_put(out, chunk, n), 0);
	fclose(f);
	return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_cache_gives_the_same_events(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	unlink(cache_file);
	events cold = { 0 }, warm = { 0 }, again = { 0 };
	smsaudit_history *h = history(r, &commits[G3], 0, &cold);
	smsaudit_history_free(h);
	struct stat sb;
	assert_int_equal(stat(cache_file, &sb), 0);
	assert_true(sb.st_size > 64);
	assert_int_equal(sb.st_mode & 077, 0);
	h = history(r, &commits[G3], 0, &warm);
	assert_int_equal(smsaudit_history_count(h), NCOMMITS);
	assert_memory_equal(smsaudit_history_commit(h, NCOMMITS - 1)->id, commits[G3].id, 20);
	for (size_t i = 1; i < NCOMMITS; i++)
		for (size_t k = 0; k < smsaudit_history_parent_count(h, i); k++)
			assert_true(smsaudit_history_parent(h, i, k) < i);
	smsaudit_history_free(h);
	assert_same_events(&warm, &cold);
	h = history(r, &commits[G3], SMSAUDIT_HISTORY_NO_CACHE, &again);
	smsaudit_history_free(h);
	assert_same_events(&again, &cold);

	/* The cache is really what answers: in a copy of the repository whose
	 * first tree is lost, the cached walk needs no tree at all; a fresh walk
	 * finds the damage and names the tree. */
	char copy[700], tree_hex[41], commit_hex[41];
	snprintf(copy, sizeof(copy), "%s/copy.git", dir);
	smsaudit_oid_fmt(commit_hex, &commits[C0]);
	sh(tree_hex, sizeof(tree_hex), "git --git-dir='%s' rev-parse %s^{tree}", repo_path, commit_hex);
	sh(NULL, 0,
	   "set -e; cp -a '%s' '%s'; cd '%s'; mkdir ../packs; mv objects/pack/*.pack objects/pack/*.idx ../packs/; "
	   "for p in ../packs/*.pack; do git --git-dir=. unpack-objects -q < \"$p\"; done; rm -rf ../packs; "
	   "test -f objects/%.2s/%s; rm -f objects/%.2s/%s",
	   repo_path, copy, copy, tree_hex, tree_hex + 2, tree_hex, tree_hex + 2);
	smsaudit_repo *rc = NULL;
	assert_int_equal(smsaudit_repo_open(&rc, copy), 0);
	h = history(rc, &commits[G3], 0, &again);
	smsaudit_history_free(h);
	assert_same_events(&again, &cold);
	h = (smsaudit_history *)(uintptr_t)1;
	assert_int_equal(smsaudit_repo_history(&h, rc, &commits[G3], SMSAUDIT_HISTORY_NO_CACHE, collect, &again),
	                 SMSAUDIT_EDAMAGED);
	assert_null(h);
	assert_error_contains(tree_hex);
	assert_error_contains("damaged repository");
	smsaudit_repo_free(rc);
	sh(NULL, 0, "rm -rf '%s'", copy);

	events_clear(&cold);
	events_clear(&warm);
	events_clear(&again);
	smsaudit_repo_free(r);
}

static void test_cache_after_an_appended_commit_and_an_older_tip(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	events before = { 0 }, after = { 0 }, fresh = { 0 }, old = { 0 }, old_fresh = { 0 };
	smsaudit_history *h = history(r, &commits[G3], 0, &before);
	smsaudit_history_free(h);

	/* One more commit on main: the cache covers the old tip, the walk adds the new one. */
	smsaudit_oid extra;
	const char *f[] = { "later/new.txt=NEW" };
	lib_commit(&extra, r, f, 1, times[G3] + 60);
	h = history(r, &extra, 0, &after);
	assert_int_equal(smsaudit_history_count(h), NCOMMITS + 1);
	assert_memory_equal(smsaudit_history_commit(h, NCOMMITS)->id, extra.id, 20);
	assert_int_equal(smsaudit_history_parent_count(h, NCOMMITS), 1);
	assert_int_equal(smsaudit_history_parent(h, NCOMMITS, 0), NCOMMITS - 1);
	assert_int_equal(smsaudit_history_time(h, NCOMMITS), times[G3] + 60);
	smsaudit_history_free(h);
	assert_int_equal(after.n, before.n + 1);
	const event *last = &after.v[after.n - 1];
	assert_string_equal(last->path, "later/new.txt");
	assert_int_equal(last->change, SMSAUDIT_PATH_ADDED);
	assert_int_equal(last->index, NCOMMITS);
	assert_memory_equal(last->commit.id, extra.id, 20);
	after.n--;
	assert_same_events(&after, &before);
	after.n++;
	h = history(r, &extra, SMSAUDIT_HISTORY_NO_CACHE, &fresh);
	smsaudit_history_free(h);
	assert_same_events(&after, &fresh);
	/* The cache moved on to the new tip: asked again, the same. */
	h = history(r, &extra, 0, &fresh);
	smsaudit_history_free(h);
	assert_same_events(&fresh, &after);

	/* An older tip walks what it needs and leaves the newer cache alone. */
	smsaudit_buf c1 = SMSAUDIT_BUF_INIT, c2 = SMSAUDIT_BUF_INIT;
	assert_int_equal(read_file(&c1, cache_file), 0);
	h = history(r, &commits[G1], 0, &old);
	assert_int_equal(smsaudit_history_count(h), 7); /* c0 c1 c2 c3 s1 m1 g1 */
	smsaudit_history_free(h);
	h = history(r, &commits[G1], SMSAUDIT_HISTORY_NO_CACHE, &old_fresh);
	smsaudit_history_free(h);
	assert_same_events(&old, &old_fresh);
	assert_int_equal(read_file(&c2, cache_file), 0);
	assert_int_equal(c1.size, c2.size);
	assert_memory_equal(c1.ptr, c2.ptr, c1.size);
	/* Its events are the full history's for those commits. */
	size_t k = 0;
	for (size_t i = 0; i < after.n; i++) {
		int in_old = 0;
		for (size_t j = 0; j < old.n; j++)
			if (memcmp(old.v[j].commit.id, after.v[i].commit.id, 20) == 0 && strcmp(old.v[j].path, after.v[i].path) == 0 &&
			    old.v[j].change == after.v[i].change)
				in_old = 1;
		k += (size_t)in_old;
	}
	assert_int_equal(k, old.n);
	assert_int_equal(old.n, 11);

	smsaudit_buf_dispose(&c1);
	smsaudit_buf_dispose(&c2);
	events_clear(&before);
	events_clear(&after);
	events_clear(&fresh);
	events_clear(&old);
	events_clear(&old_fresh);
	/* Leave main where setup put it for the tests after this one. */
	git_set_main(&commits[G3]);
	smsaudit_repo_free(r);
}

/* A cache file that does not check out is ignored: the answer is the fresh walk's. */
static void check_ignored(smsaudit_repo *r, const void *data, size_t len, const events *truth, const char *what)
{
	write_file(cache_file, data, len);
	events e = { 0 };
	smsaudit_history *h = NULL;
	if (smsaudit_repo_history(&h, r, &commits[G3], 0, collect, &e) < 0)
		fail_msg("%s: %s", what, smsaudit_error_last()->message);
	assert_int_equal(smsaudit_history_count(h), NCOMMITS);
	smsaudit_history_free(h);
	if (e.n != truth->n)
		fail_msg("%s: %zu events, expected %zu", what, e.n, truth->n);
	assert_same_events(&e, truth);
	events_clear(&e);
}

static void test_edited_cache_is_ignored(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	events truth = { 0 };
	unlink(cache_file);
	smsaudit_history *h = history(r, &commits[G3], SMSAUDIT_HISTORY_NO_CACHE, &truth);
	smsaudit_history_free(h);
	events tmp = { 0 };
	h = history(r, &commits[G3], 0, &tmp); /* writes the cache */
	smsaudit_history_free(h);
	events_clear(&tmp);
	smsaudit_buf good = SMSAUDIT_BUF_INIT;
	assert_int_equal(read_file(&good, cache_file), 0);

	/* A path renamed inside the file: "x.txt" would become "X.txt" if it were believed. */
	char *edited = malloc(good.size);
	assert_non_null(edited);
	memcpy(edited, good.ptr, good.size);
	int renamed = 0;
	for (size_t i = 0; i + 5 <= good.size; i++)
		if (memcmp(edited + i, "x.txt", 5) == 0) {
			edited[i] = 'X';
			renamed = 1;
			break;
		}
	assert_true(renamed);
	check_ignored(r, edited, good.size, &truth, "a renamed path");
	/* An event's change turned from added to deleted. */
	memcpy(edited, good.ptr, good.size);
	for (size_t i = 0; i + 5 <= good.size; i++)
		if (memcmp(edited + i, "y.txt", 5) == 0) {
			/* layout: commit(4) change(1) blob(20) len(2) path */
			assert_true(i >= 23);
			edited[i - 23] = (char)SMSAUDIT_PATH_DELETED;
			break;
		}
	check_ignored(r, edited, good.size, &truth, "a changed event");
	/* The MAC itself changed. */
	memcpy(edited, good.ptr, good.size);
	edited[good.size - 1] = edited[good.size - 1] == '0' ? '1' : '0';
	check_ignored(r, edited, good.size, &truth, "a changed MAC");
	/* Cut short, cut to nothing, grown, garbage. */
	check_ignored(r, good.ptr, good.size - 1, &truth, "one byte short");
	check_ignored(r, good.ptr, good.size / 2, &truth, "half");
	check_ignored(r, "", 0, &truth, "empty");
	check_ignored(r, "smsaudit-history 1\n", 19, &truth, "the magic alone");
	char *grown = malloc(good.size + 3);
	assert_non_null(grown);
	memcpy(grown, good.ptr, good.size);
	memcpy(grown + good.size, "xyz", 3);
	check_ignored(r, grown, good.size + 3, &truth, "three bytes more");
	free(grown);
	/* A cache made with another user's secret. */
	char other[700], mine[700];
	snprintf(mine, sizeof(mine), "%s", getenv("SMSAUDIT_CONFIG"));
	snprintf(other, sizeof(other), "%s/other-config", dir);
	setenv("SMSAUDIT_CONFIG", other, 1);
	unlink(cache_file);
	h = history(r, &commits[G3], 0, &tmp);
	smsaudit_history_free(h);
	events_clear(&tmp);
	smsaudit_buf foreign = SMSAUDIT_BUF_INIT;
	assert_int_equal(read_file(&foreign, cache_file), 0);
	setenv("SMSAUDIT_CONFIG", mine, 1);
	check_ignored(r, foreign.ptr, foreign.size, &truth, "another user's cache");
	smsaudit_buf_dispose(&foreign);

	free(edited);
	smsaudit_buf_dispose(&good);
	events_clear(&truth);
	smsaudit_repo_free(r);
}

/* A cache file that does not check out is the same as none: the next walk
 * writes a good one, so later commands are fast again (a repository copied
 * from another user, or a file torn by a full disk, must not disable the
 * cache for good). */
static void test_unusable_cache_is_rebuilt(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	events e = { 0 };
	unlink(cache_file);
	smsaudit_history *h = history(r, &commits[G3], 0, &e);
	smsaudit_history_free(h);
	smsaudit_buf good = SMSAUDIT_BUF_INIT, now = SMSAUDIT_BUF_INIT;
	assert_int_equal(read_file(&good, cache_file), 0);
	/* Torn in half. */
	write_file(cache_file, good.ptr, good.size / 2);
	h = history(r, &commits[G3], 0, &e);
	smsaudit_history_free(h);
	assert_int_equal(read_file(&now, cache_file), 0);
	int rebuilt = now.size == good.size && memcmp(now.ptr, good.ptr, good.size) == 0;
	size_t now_size = now.size, good_size = good.size;
	/* Freed first, so that a failure leaks nothing. */
	smsaudit_buf_dispose(&good);
	smsaudit_buf_dispose(&now);
	events_clear(&e);
	smsaudit_repo_free(r);
	if (!rebuilt)
		fail_msg("a torn history cache (%zu of %zu bytes) was ignored but never rewritten: every later command "
		         "walks the whole history again", now_size, good_size);
}

/* Enough new commits to diff them on several threads: the events still come in commit order. */
static void test_many_commits(void **state)
{
	(void)state;
	char path[700];
	snprintf(path, sizeof(path), "%s/many.git", dir);
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, path), 0);
	enum { N = 300 };
	smsaudit_oid last;
	for (int i = 0; i < N; i++) {
		char file[64];
		snprintf(file, sizeof(file), "records/%02x/r%03d.xml=content %d", i % 256, i, i);
		const char *f[] = { file };
		lib_commit(&last, r, f, 1, T0 + i);
	}
	events cold = { 0 }, fresh = { 0 };
	smsaudit_history *h = history(r, &last, 0, &cold);
	assert_int_equal(smsaudit_history_count(h), N);
	smsaudit_history_free(h);
	assert_int_equal(cold.n, N);
	for (size_t i = 0; i < cold.n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "records/%02x/r%03zu.xml", (unsigned)(i % 256), i);
		assert_int_equal(cold.v[i].index, i);
		assert_string_equal(cold.v[i].path, want);
		assert_int_equal(cold.v[i].change, SMSAUDIT_PATH_ADDED);
	}
	h = history(r, &last, 0, &fresh);
	smsaudit_history_free(h);
	assert_same_events(&fresh, &cold);
	events_clear(&cold);
	events_clear(&fresh);
	smsaudit_repo_free(r);
}

/* ---- trees the walk reads itself ---- */

/* A tree object written from raw entries (mode, name, 40-hex id), stored with
 * `git hash-object --literally` so that even malformed bytes get in; its id. */
static void raw_tree(char out[41], const char *const *modes, const char *const *names_, const char *const *ids,
                     size_t n, size_t cut)
{
	char file[700];
	snprintf(file, sizeof(file), "%s/rawtree", dir);
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	size_t total = 0;
	unsigned char buf[4096];
	for (size_t i = 0; i < n; i++) {
		int len = snprintf((char *)buf + total, sizeof(buf) - total, "%s %s", modes[i], names_[i]);
		total += (size_t)len + 1; /* and its NUL */
		for (int k = 0; k < 20; k++) {
			unsigned v = 0;
			assert_int_equal(sscanf(ids[i] + 2 * k, "%2x", &v), 1);
			buf[total++] = (unsigned char)v;
		}
	}
	assert_int_equal(fwrite(buf, 1, total - cut, f), total - cut);
	fclose(f);
	sh(out, 41, "git --git-dir='%s' hash-object -t tree --literally -w '%s'", repo_path, file);
}

/* A commit of `tree` on top of main's tip in a copy of the repository: its history. */
static int history_with(smsaudit_oid *tipc, const char *tree, char *err, size_t errsize)
{
	smsaudit_oid head;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	assert_int_equal(smsaudit_repo_head(&head, r), 0);
	git_commit(tipc, tree, &head, NULL, T0 + 86400 * 30);
	events e = { 0 };
	smsaudit_history *h = NULL;
	int rc = smsaudit_repo_history(&h, r, tipc, SMSAUDIT_HISTORY_NO_CACHE, collect, &e);
	if (rc < 0)
		snprintf(err, errsize, "%s", smsaudit_error_last()->message);
	smsaudit_history_free(h);
	events_clear(&e);
	smsaudit_repo_free(r);
	return rc;
}

static void test_malformed_tree_is_damage(void **state)
{
	(void)state;
	char blob[41];
	sh(blob, sizeof(blob), "printf 'x' | git --git-dir='%s' hash-object -w --stdin", repo_path);
	const char *ids[] = { blob, blob };
	static const struct {
		const char *mode, *name;
		size_t cut;
		const char *why;
	} bad[] = {
		{ "100644", "records/x.xml", 0, "a name holding '/' would hide a file inside another folder" },
		{ "100644", "..", 0, "a name that is a parent folder" },
		{ "100644", ".", 0, "a name that is this folder" },
		{ "10x644", "b.txt", 0, "a mode that is not octal" },
		{ "100644", "b.txt", 5, "an id cut short" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *modes[] = { "100644", bad[i].mode }, *nm[] = { "a.txt", bad[i].name };
		char tree[41], err[600] = "";
		raw_tree(tree, modes, nm, ids, 2, bad[i].cut);
		smsaudit_oid c;
		int rc = history_with(&c, tree, err, sizeof(err));
		if (rc != SMSAUDIT_EDAMAGED)
			fail_msg("%s: history gave %d (%s)", bad[i].why, rc, err);
		if (!strstr(err, "damaged repository") || !strstr(err, tree))
			fail_msg("%s: the message does not name tree %s: %s", bad[i].why, tree, err);
	}
}

/* The same blob under another spelling of its mode (100664, which old gits
 * wrote, means 100644) is no change; an executable bit is one. */
static void test_mode_spellings(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	smsaudit_oid head;
	assert_int_equal(smsaudit_repo_head(&head, r), 0);
	smsaudit_repo_free(r);
	char hex[41], lines[4096] = "";
	smsaudit_oid_fmt(hex, &head);
	/* main's root tree, rewritten with n.txt under another mode */
	char cmd[2400], file[700];
	snprintf(file, sizeof(file), "%s/ls", dir);
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' ls-tree %s >'%s'", repo_path, hex, file);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	const char *modes[32], *nm[32], *ids[32];
	char store[32][3][100];
	size_t n = 0;
	while (n < 32 && fgets(lines, sizeof(lines), f)) {
		char mode[16], type[16], id[48], name[100];
		assert_int_equal(sscanf(lines, "%15s %15s %47s %99s", mode, type, id, name), 4);
		snprintf(store[n][0], 100, "%s", strcmp(mode, "040000") == 0 ? "40000" : mode);
		snprintf(store[n][1], 100, "%s", name);
		snprintf(store[n][2], 100, "%s", id);
		modes[n] = store[n][0];
		nm[n] = store[n][1];
		ids[n] = store[n][2];
		n++;
	}
	fclose(f);
	size_t k = 0;
	while (k < n && strcmp(nm[k], "n.txt") != 0)
		k++;
	assert_true(k < n);
	static const struct {
		const char *mode;
		int changes;
	} cases[] = { { "100664", 0 }, { "100755", 1 } };
	for (size_t i = 0; i < 2; i++) {
		modes[k] = cases[i].mode;
		char tree[41], err[600] = "";
		raw_tree(tree, modes, nm, ids, n, 0);
		smsaudit_oid c;
		assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
		git_commit(&c, tree, &head, NULL, T0 + 86400 * 40);
		events e = { 0 };
		smsaudit_history *h = NULL;
		if (smsaudit_repo_history(&h, r, &c, SMSAUDIT_HISTORY_NO_CACHE, collect, &e) < 0)
			fail_msg("history: %s", smsaudit_error_last()->message);
		size_t last = smsaudit_history_count(h) - 1, found = 0;
		for (size_t j = 0; j < e.n; j++)
			if (e.v[j].index == last) {
				assert_string_equal(e.v[j].path, "n.txt");
				assert_int_equal(e.v[j].change, SMSAUDIT_PATH_MODIFIED);
				found++;
			}
		if (found != (size_t)cases[i].changes)
			fail_msg("mode %s: %zu changes, expected %d (%s)", cases[i].mode, found, cases[i].changes, err);
		smsaudit_history_free(h);
		events_clear(&e);
		smsaudit_repo_free(r);
	}
}

/* Thirty commits of random adds, replacements and removals in nested folders
 * (files becoming folders and back included): every commit's changes are
 * what stock git reports (`git log --raw`). */
static void test_random_history_matches_git(void **state)
{
	(void)state;
	char path[600], saved[600];
	snprintf(path, sizeof(path), "%.500s/random.git", dir);
	snprintf(saved, sizeof(saved), "%s", repo_path);
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, path), 0);
	smsaudit_repo_free(r);
	snprintf(repo_path, sizeof(repo_path), "%s", path);
	unsigned seed = 12345;
	enum { N = 30 };
	static const char *const paths[] = { "a", "b/c", "b/d", "b/e/f", "b/e/g", "h/i/j/k", "b", "h/i", "b-x", "b/e" };
	smsaudit_oid prev = { { 0 } };
	char tree[41];
	for (int i = 0; i < N; i++) {
		const char *edits[6];
		char buf[6][64];
		size_t n = 0;
		for (int k = 0; k < 1 + (int)(seed % 4) && n < 6; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = paths[(seed >> 8) % (sizeof(paths) / sizeof(paths[0]))];
			if (i > 0 && (seed >> 20) % 4 == 0)
				snprintf(buf[n], sizeof(buf[n]), "-%s", p);
			else
				snprintf(buf[n], sizeof(buf[n]), "%s=v%d-%u", p, i, (seed >> 12) % 3);
			edits[n] = buf[n];
			n++;
		}
		if (i == 0) {
			sh(NULL, 0, "rm -f '%s'", index_path);
			sh(NULL, 0, "GIT_INDEX_FILE='%s' git --git-dir='%s' read-tree --empty", index_path, repo_path);
		}
		/* update-index refuses a file where a folder is (and back): remove the other first */
		char cmd[4096];
		for (size_t k = 0; k < n; k++) {
			if (edits[k][0] == '-')
				continue;
			const char *eq = strchr(edits[k], '=');
			snprintf(cmd, sizeof(cmd),
			         "GIT_INDEX_FILE='%s' git --git-dir='%s' ls-files | grep -E '^%.*s/|^%.*s$' | "
			         "while read -r f; do printf '0 0000000000000000000000000000000000000000\\t%%s\\n' \"$f\"; done | "
			         "GIT_INDEX_FILE='%s' git --git-dir='%s' update-index --index-info",
			         index_path, repo_path, (int)(eq - edits[k]), edits[k], (int)(eq - edits[k]), edits[k], index_path,
			         repo_path);
			sh(NULL, 0, "%s", cmd);
			/* and any file standing where one of its folders would be */
			for (const char *s = edits[k]; (s = strchr(s, '/')) && s < eq; s++) {
				snprintf(cmd, sizeof(cmd),
				         "printf '0 0000000000000000000000000000000000000000\\t%.*s\\n' | GIT_INDEX_FILE='%s' git "
				         "--git-dir='%s' update-index --index-info",
				         (int)(s - edits[k]), edits[k], index_path, repo_path);
				sh(NULL, 0, "%s", cmd);
			}
			char blob[41];
			sh(blob, sizeof(blob), "printf '%%s' '%s' | git --git-dir='%s' hash-object -w --stdin", eq + 1, repo_path);
			sh(NULL, 0, "printf '100644 %s\\t%.*s\\n' | GIT_INDEX_FILE='%s' git --git-dir='%s' update-index --add "
			   "--index-info", blob, (int)(eq - edits[k]), edits[k], index_path, repo_path);
		}
		for (size_t k = 0; k < n; k++)
			if (edits[k][0] == '-')
				sh(NULL, 0, "GIT_INDEX_FILE='%s' git --git-dir='%s' ls-files | grep -E '^%s(/|$)' | while read -r f; do "
				   "printf '0 0000000000000000000000000000000000000000\\t%%s\\n' \"$f\"; done | GIT_INDEX_FILE='%s' git "
				   "--git-dir='%s' update-index --index-info", index_path, repo_path, edits[k] + 1, index_path, repo_path);
		sh(tree, 41, "GIT_INDEX_FILE='%s' git --git-dir='%s' write-tree", index_path, repo_path);
		smsaudit_oid c;
		if (i == 0) {
			char id[41];
			sh(id, sizeof(id), "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=T "
			   "GIT_COMMITTER_EMAIL=t@example.org GIT_AUTHOR_DATE='@%d +0000' GIT_COMMITTER_DATE='@%d +0000' "
			   "git --git-dir='%s' commit-tree %s -m first", T0, T0, repo_path, tree);
			oid_from_hex(&c, id);
		} else {
			git_commit(&c, tree, &prev, NULL, T0 + 60 * i);
		}
		prev = c;
	}
	git_set_main(&prev);
	/* what git says, one line per change: "<commit> <change> <blob> <path>" */
	char out[700], cmd[2400];
	snprintf(out, sizeof(out), "%s/git-raw", dir);
	snprintf(cmd, sizeof(cmd),
	         "git --git-dir='%s' log --reverse --raw -r --no-renames --no-abbrev --root --format='C %%H' main | "
	         "awk '/^C /{c=$2; next} /^:/{split($0, t, \"\\t\"); split(t[1], f, \" \"); "
	         "ch = f[5] == \"A\" ? 0 : f[5] == \"D\" ? 2 : 1; b = ch == 2 ? f[3] : f[4]; print c, ch, b, t[2]}' >'%s'",
	         repo_path, out);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	events e = { 0 };
	smsaudit_history *h = history(r, &prev, SMSAUDIT_HISTORY_NO_CACHE, &e);
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	char line[600];
	size_t k = 0;
	while (fgets(line, sizeof(line), f)) {
		char chex[41], bhex[41], p[200];
		int ch;
		assert_int_equal(sscanf(line, "%40s %d %40s %199s", chex, &ch, bhex, p), 4);
		if (k >= e.n)
			fail_msg("git reports more changes than the walk (next: %s %s)", chex, p);
		char got[41], gotb[41];
		smsaudit_oid_fmt(got, &e.v[k].commit);
		smsaudit_oid_fmt(gotb, &e.v[k].blob);
		if (strcmp(got, chex) || (int)e.v[k].change != ch || strcmp(gotb, bhex) || strcmp(e.v[k].path, p))
			fail_msg("change %zu: walk %.12s %s %s, git %.12s %s %s", k, got, change_name(e.v[k].change), e.v[k].path,
			         chex, change_name((smsaudit_path_change)ch), p);
		k++;
	}
	fclose(f);
	assert_int_equal(k, e.n);
	assert_true(k > N);
	events_clear(&e);
	smsaudit_history_free(h);
	smsaudit_repo_free(r);
	snprintf(repo_path, sizeof(repo_path), "%s", saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_per_commit),
		cmocka_unit_test(test_commit_order_and_find),
		cmocka_unit_test(test_cache_gives_the_same_events),
		cmocka_unit_test(test_cache_after_an_appended_commit_and_an_older_tip),
		cmocka_unit_test(test_edited_cache_is_ignored),
		cmocka_unit_test(test_unusable_cache_is_rebuilt),
		cmocka_unit_test(test_many_commits),
		cmocka_unit_test(test_malformed_tree_is_damage),
		cmocka_unit_test(test_mode_spellings),
		cmocka_unit_test(test_random_history_matches_git),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
