/* Unit tests for the git-backed repository: append-only commits, content
 * streaming, compare-and-swap under concurrent writers, stock git compatibility. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <dirent.h>
#include <git2.h>
#include "cacerts.h"
#include "internal.h"
#include "repo_internal.h"
#include "testutil.h"

static char dir[64], repo_path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/smsaudit-repo-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(repo_path, sizeof(repo_path), "%s/evidence.git", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int git_ok(const char *args)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s %s >/dev/null 2>&1", repo_path, args);
	return system(cmd) == 0;
}

static void commit_files(smsaudit_repo *r, const char *const *paths, size_t n, const char *content)
{
	smsaudit_txn *t = NULL;
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(smsaudit_txn_add(t, paths[i], content, strlen(content)), 0);
	smsaudit_oid c;
	assert_int_equal(smsaudit_txn_commit(&c, t, "test: add\n", "Tess Ter", "tess@example.org", 1767225600), 0);
	smsaudit_txn_free(t);
}

static int count_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	(void)path;
	(void)blob;
	(*(int *)u)++;
	return 0;
}

/* The CA bundle libgit2 parses at init (Debian's mbedTLS build) is only
 * noted there, and parsed once, when a remote operation asks for it. Runs
 * first: nothing before it has initialised libgit2 in this process. */
static void ca_bundle_waits_for_a_remote(void **state)
{
	(void)state;
	static const char bundle[] = "/etc/ssl/certs/ca-certificates.crt";
	if (access(bundle, R_OK) != 0 || !(git_libgit2_features() & GIT_FEATURE_HTTPS))
		skip();
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, repo_path), 0);
	smsaudit_repo_free(r);
	assert_int_equal(cacerts_parses(), 0);
	assert_true(cacerts_deferred());
	/* What clone, fetch and push call first: the bundle parses, once. */
	assert_int_equal(cacerts_load(), 0);
	assert_int_equal(cacerts_parses(), 1);
	assert_false(cacerts_deferred());
	assert_int_equal(cacerts_load(), 0);
	assert_int_equal(cacerts_parses(), 1);
	/* Anything else asking mbedTLS for a file still gets it parsed. */
	assert_int_equal(git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, bundle, NULL), 0);
	assert_int_equal(cacerts_parses(), 2);
	/* A file that is no bundle is refused as libgit2 refuses it. */
	char junk[128];
	snprintf(junk, sizeof(junk), "%s/junk.crt", dir);
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	fputs("not a certificate\n", f);
	fclose(f);
	assert_true(git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, junk, NULL) < 0);
	assert_int_equal(cacerts_parses(), 3);
	assert_int_equal(unlink(junk), 0);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", repo_path);
	assert_int_equal(system(cmd), 0);
}

static void init_commit_read(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, repo_path), 0);
	smsaudit_oid head;
	assert_int_equal(smsaudit_repo_head(&head, r), SMSAUDIT_ENOTFOUND);
	static const char *const p1[] = { "smsaudit.xml", "records/2026/01/ab/r1.xml", "records/2026/01/cd/r2.xml" };
	commit_files(r, p1, 3, "hello\n");
	static const char *const p2[] = { "records/2026/01/ab/r3.xml" };
	commit_files(r, p2, 1, "second\n");
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_repo_read(&b, r, NULL, "records/2026/01/ab/r1.xml"), 0);
	assert_string_equal(b.ptr, "hello\n");
	assert_int_equal(smsaudit_repo_read(&b, r, NULL, "records/nope.xml"), SMSAUDIT_ENOTFOUND);
	assert_true(smsaudit_repo_exists(r, NULL, "records/2026/01/ab/r3.xml"));
	int n = 0;
	assert_int_equal(smsaudit_repo_walk(r, NULL, "records", count_cb, &n), 0);
	assert_int_equal(n, 3);
	/* The first commit does not have the second's file. */
	smsaudit_oid first;
	assert_int_equal(smsaudit_repo_resolve(&first, r, "main~1"), 0);
	assert_false(smsaudit_repo_exists(r, &first, "records/2026/01/ab/r3.xml"));
	assert_int_equal(smsaudit_repo_resolve(&first, r, "nosuchref"), SMSAUDIT_ENOTFOUND);
	/* Stock git is happy and sees main. */
	assert_true(git_ok("fsck --strict"));
	assert_true(git_ok("log --oneline main"));
	smsaudit_buf_dispose(&b);
	smsaudit_repo_free(r);
	/* Opening a non-repository fails clearly; init refuses a non-empty dir. */
	assert_int_equal(smsaudit_repo_open(&r, dir), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_repo_init(&r, repo_path), SMSAUDIT_EEXISTS);
}

static void append_only(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	smsaudit_oid before, after;
	assert_int_equal(smsaudit_repo_head(&before, r), 0);
	smsaudit_txn *t = NULL;
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	assert_int_equal(smsaudit_txn_add(t, "records/2026/01/ab/r1.xml", "changed\n", 8), 0);
	smsaudit_oid c;
	assert_int_equal(smsaudit_txn_commit(&c, t, "x\n", "T", "t@example.org", 1767225600), SMSAUDIT_EEXISTS);
	assert_error_contains("never replaced");
	smsaudit_txn_free(t);
	assert_int_equal(smsaudit_repo_head(&after, r), 0);
	assert_memory_equal(before.id, after.id, 20);
	/* Bad paths are refused before anything is written. */
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	assert_int_equal(smsaudit_txn_add(t, "../evil", "x", 1), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_txn_add(t, "a/.git/config", "x", 1), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_txn_add(t, "/abs", "x", 1), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_txn_add(t, "a//b", "x", 1), SMSAUDIT_EINVALID);
	smsaudit_txn_free(t);
	smsaudit_repo_free(r);
}

static void stream_content(void **state)
{
	(void)state;
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	char src[160];
	snprintf(src, sizeof(src), "%s/big.bin", dir);
	int fd = open(src, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	char chunk[4096];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(i * 7);
	for (int i = 0; i < 700; i++) /* 2.8 MB: several stream chunks */
		assert_int_equal(write(fd, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	close(fd);
	fd = open(src, O_RDONLY);
	smsaudit_oid blob;
	char sha[65];
	uint64_t size = 0;
	assert_int_equal(smsaudit_repo_store_fd(&blob, sha, &size, r, fd, src), 0);
	close(fd);
	assert_int_equal(size, 700 * 4096);
	/* The digest agrees with sha256sum. */
	char cmd[512], want[65] = "";
	snprintf(cmd, sizeof(cmd), "sha256sum %s", src);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", want), 1);
	pclose(p);
	assert_string_equal(sha, want);
	/* Streamed back out, the digest is checked. */
	char dst[160];
	snprintf(dst, sizeof(dst), "%s/out.bin", dir);
	int out = open(dst, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	uint64_t got = 0;
	assert_int_equal(smsaudit_repo_blob_to_fd(r, &blob, out, sha, NULL, &got), 0);
	close(out);
	assert_int_equal(got, size);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", src, dst);
	assert_int_equal(system(cmd), 0);
	out = open("/dev/null", O_WRONLY);
	assert_int_equal(smsaudit_repo_blob_to_fd(r, &blob, out, "00" "00000000000000000000000000000000000000000000000000000000000000", NULL, NULL),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("digest mismatch");
	close(out);
	char sha2[65];
	assert_int_equal(smsaudit_repo_blob_sha256(sha2, &got, r, &blob), 0);
	assert_string_equal(sha2, sha);
	/* A directory is not content. */
	fd = open(dir, O_RDONLY);
	assert_int_equal(smsaudit_repo_store_fd(&blob, sha, &size, r, fd, dir), SMSAUDIT_EINVALID);
	close(fd);
	smsaudit_repo_free(r);
}

/* Run a shell command, its first word of output into `out`. */
static void shell_word(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, (int)size, p));
	out[strcspn(out, " \n")] = '\0';
	pclose(p);
}

/* Bytes no compressor can shrink, made here (xorshift) so the test needs no
 * fixture and no entropy source. */
static void put_random(int fd, size_t n, uint64_t *x)
{
	static unsigned char buf[1 << 16];
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);
		for (size_t i = 0; i < k; i += 8) {
			*x ^= *x << 13;
			*x ^= *x >> 7;
			*x ^= *x << 17;
			memcpy(buf + i, x, k - i < 8 ? k - i : 8);
		}
		assert_int_equal(write(fd, buf, k), (ssize_t)k);
		n -= k;
	}
}

/* Text-like bytes that compress well (an export or a log). */
static void put_text(int fd, size_t n)
{
	char line[96];
	for (unsigned i = 0; n > 0; i++) {
		int l = snprintf(line, sizeof(line), "%08u,2026-03-%02u,INC-%06u,resolved within SLA,priority %u\n", i,
		                 1 + i % 28, i * 7 % 1000000, i % 4);
		size_t k = (size_t)l < n ? (size_t)l : n;
		assert_int_equal(write(fd, line, k), (ssize_t)k);
		n -= k;
	}
}

/* The files in `path` and its folders. */
static int count_files(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(sub, &st) == 0)
			n += S_ISDIR(st.st_mode) ? count_files(sub) : 1;
	}
	closedir(d);
	return n;
}

static int refuse_all(void *payload, const unsigned char *data, size_t len)
{
	(void)data;
	(void)len;
	(*(int *)payload)++;
	return error_set(SMSAUDIT_EINVALID, "refused on the way");
}

/* Large content goes through the one-pass writer: the blob is the one stock
 * git names for the file, git fsck --full accepts it, it reads back byte for
 * byte, windows of text are compressed and windows of random bytes stored,
 * and a failed store leaves no file in the object folder. 64 MiB keeps the
 * test to seconds; the 1 GiB figures are bench/bigfile.sh's. */
static void large_content_one_pass(void **state)
{
	(void)state;
	enum { MIB = 1 << 20 };
	/* Random, text, random: window and chunk boundaries fall inside each part. */
	const size_t rnd1 = 20 * MIB + 12345, text = 24 * MIB + 777, rnd2 = 20 * MIB - 13122;
	char src[160];
	snprintf(src, sizeof(src), "%s/large.bin", dir);
	int fd = open(src, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	uint64_t x = 0x9e3779b97f4a7c15u;
	put_random(fd, rnd1, &x);
	put_text(fd, text);
	put_random(fd, rnd2, &x);
	close(fd);
	const uint64_t total = rnd1 + text + rnd2;

	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	fd = open(src, O_RDONLY);
	smsaudit_oid blob;
	char sha[65], hex[41], want[80], cmd[512];
	uint64_t size = 0;
	assert_int_equal(smsaudit_repo_store_fd(&blob, sha, &size, r, fd, src), 0);
	close(fd);
	assert_int_equal(size, total);
	snprintf(cmd, sizeof(cmd), "sha256sum %s", src);
	shell_word(want, sizeof(want), cmd);
	assert_string_equal(sha, want);
	/* git's own name for the content. */
	smsaudit_oid_fmt(hex, &blob);
	snprintf(cmd, sizeof(cmd), "git hash-object %s", src);
	shell_word(want, sizeof(want), cmd);
	assert_string_equal(hex, want);
	/* Committed, the repository passes stock git's full check. */
	smsaudit_txn *t = NULL;
	smsaudit_oid c;
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	assert_int_equal(smsaudit_txn_add_blob(t, "content/la/large.bin", &blob), 0);
	assert_int_equal(smsaudit_txn_commit(&c, t, "large\n", "T", "t@example.org", 1767225600), 0);
	smsaudit_txn_free(t);
	assert_true(git_ok("fsck --full --strict"));
	/* Read back by git and by us: the same bytes. */
	char dst[160];
	snprintf(dst, sizeof(dst), "%s/large.out", dir);
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s cat-file blob %s | cmp -s - %s", repo_path, hex, src);
	assert_int_equal(system(cmd), 0);
	int out = open(dst, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	uint64_t got = 0;
	assert_int_equal(smsaudit_repo_blob_to_fd(r, &blob, out, sha, NULL, &got), 0);
	close(out);
	assert_int_equal(got, total);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", src, dst);
	assert_int_equal(system(cmd), 0);
	/* Random chunks are stored (5 bytes per 64 KiB block over their size),
	 * text is compressed (but for the chunk where random bytes give way to
	 * it): the object is well under the file. */
	char obj[300];
	snprintf(obj, sizeof(obj), "%s/objects/%.2s/%s", repo_path, hex, hex + 2);
	struct stat st;
	assert_int_equal(stat(obj, &st), 0);
	assert_true((uint64_t)st.st_size > rnd1 + rnd2);
	assert_true((uint64_t)st.st_size < rnd1 + rnd2 + text / 4);
	/* All random: stored, within 0.01 % of the content. */
	snprintf(src, sizeof(src), "%s/random.bin", dir);
	fd = open(src, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	put_random(fd, 9 * MIB, &x);
	close(fd);
	fd = open(src, O_RDONLY);
	assert_int_equal(smsaudit_repo_store_fd(&blob, sha, &size, r, fd, src), 0);
	close(fd);
	smsaudit_oid_fmt(hex, &blob);
	snprintf(obj, sizeof(obj), "%s/objects/%.2s/%s", repo_path, hex, hex + 2);
	assert_int_equal(stat(obj, &st), 0);
	assert_true((uint64_t)st.st_size < 9 * MIB + 9 * MIB / 10000 + 64);
	/* Read back in chunks; a damaged object is named as such: a flipped
	 * byte (zlib's checksum), a cut file, bytes after its end. */
	int out2 = open("/dev/null", O_WRONLY);
	assert_int_equal(smsaudit_repo_blob_to_fd(r, &blob, out2, sha, NULL, &got), 0);
	assert_int_equal(got, 9 * MIB);
	char keep[320];
	snprintf(keep, sizeof(keep), "%s.keep", obj);
	assert_int_equal(setenv("OBJ", obj, 1), 0);
	assert_int_equal(setenv("KEEP", keep, 1), 0);
	assert_int_equal(system("cp \"$OBJ\" \"$KEEP\" && chmod u+w \"$OBJ\""), 0);
	const char *damage[] = {
		"cp \"$KEEP\" \"$OBJ\" && printf '\\377' | dd of=\"$OBJ\" bs=1 seek=4000000 conv=notrunc status=none",
		"cp \"$KEEP\" \"$OBJ\" && truncate -s 5000000 \"$OBJ\"",
		"cp \"$KEEP\" \"$OBJ\" && printf x >>\"$OBJ\"",
	};
	for (size_t i = 0; i < sizeof(damage) / sizeof(*damage); i++) {
		assert_int_equal(system(damage[i]), 0);
		assert_int_equal(smsaudit_repo_blob_to_fd(r, &blob, out2, NULL, NULL, NULL), SMSAUDIT_EDAMAGED);
		assert_error_contains("damaged repository: object");
	}
	close(out2);
	assert_int_equal(system("mv \"$KEEP\" \"$OBJ\""), 0);
	/* Storing it again finds the object there and keeps it. */
	fd = open(src, O_RDONLY);
	smsaudit_oid again;
	assert_int_equal(smsaudit_repo_store_fd(&again, sha, &size, r, fd, src), 0);
	close(fd);
	assert_memory_equal(again.id, blob.id, 20);

	/* An empty file is git's empty blob (a handle with no transaction, so
	 * written loose like large content). */
	snprintf(src, sizeof(src), "%s/empty.bin", dir);
	fd = open(src, O_CREAT | O_RDWR | O_TRUNC, 0644);
	smsaudit_repo *r2 = NULL;
	assert_int_equal(smsaudit_repo_open(&r2, repo_path), 0);
	assert_int_equal(smsaudit_repo_store_fd(&blob, sha, &size, r2, fd, src), 0);
	smsaudit_repo_free(r2);
	close(fd);
	smsaudit_oid_fmt(hex, &blob);
	assert_string_equal(hex, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	assert_int_equal(size, 0);
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s cat-file -e %s", repo_path, hex);
	assert_int_equal(system(cmd), 0);
	snprintf(src, sizeof(src), "%s/random.bin", dir);

	/* Failures leave nothing: a file shorter or longer than promised, and
	 * content a check refuses. */
	char objects[200];
	snprintf(objects, sizeof(objects), "%s/objects", repo_path);
	int files = count_files(objects);
	unsigned char id[20], d256[32];
	fd = open(src, O_RDONLY);
	assert_int_equal(loose_blob_store(id, d256, fd, 9 * MIB + 1, objects, "short", NULL, NULL), SMSAUDIT_EINVALID);
	assert_error_contains("short: the file changed size while it was read");
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(loose_blob_store(id, d256, fd, 9 * MIB - 1, objects, "long", NULL, NULL), SMSAUDIT_EINVALID);
	assert_error_contains("long: the file grew while it was read");
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	int calls = 0;
	assert_int_equal(repo_store_fd_checked(&blob, sha, &size, r, fd, "refused", refuse_all, &calls),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("refused on the way");
	assert_int_equal(calls, 1);
	close(fd);
	assert_int_equal(count_files(objects), files);
	smsaudit_repo_free(r);
}

/* Two processes commit at once: nothing is lost, history stays linear. */
static void concurrent_writers(void **state)
{
	(void)state;
	enum { PER_CHILD = 15 };
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			git_libgit2_init();
			smsaudit_repo *r = NULL;
			if (smsaudit_repo_open(&r, repo_path) < 0)
				_exit(10);
			for (int i = 0; i < PER_CHILD; i++) {
				char path[128];
				snprintf(path, sizeof(path), "records/2026/02/%02x/child%d-%02d.xml", i, k, i);
				smsaudit_txn *t = NULL;
				smsaudit_oid c;
				if (smsaudit_txn_new(&t, r) < 0 || smsaudit_txn_add(t, path, path, strlen(path)) < 0 ||
				    smsaudit_txn_commit(&c, t, "concurrent\n", "K", "k@example.org", 1767225600 + i) < 0) {
					fprintf(stderr, "child %d: %s\n", k, smsaudit_error_last()->message);
					_exit(11);
				}
				smsaudit_txn_free(t);
			}
			smsaudit_repo_free(r);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int st = 0;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_open(&r, repo_path), 0);
	int n = 0;
	assert_int_equal(smsaudit_repo_walk(r, NULL, "records/2026/02", count_cb, &n), 0);
	assert_int_equal(n, 2 * PER_CHILD);
	assert_true(git_ok("fsck --strict"));
	smsaudit_repo_free(r);
}

/* ---- pack upkeep ---- */

static char packs_repo[160];

/* The packs in objects/pack (pack-*.pack), and whether `name` is one. */
static size_t pack_count(const char *name)
{
	char pd[256];
	snprintf(pd, sizeof(pd), "%s/objects/pack", packs_repo);
	DIR *d = opendir(pd);
	assert_non_null(d);
	size_t n = 0, found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "pack-", 5) == 0 && l > 5 && strcmp(e->d_name + l - 5, ".pack") == 0) {
			n++;
			if (name && strcmp(e->d_name, name) == 0)
				found = 1;
		}
	}
	closedir(d);
	return name ? found : n;
}

/* The name of the largest pack. */
static void largest_pack(char *out, size_t size)
{
	char pd[256], path[600];
	snprintf(pd, sizeof(pd), "%s/objects/pack", packs_repo);
	DIR *d = opendir(pd);
	assert_non_null(d);
	off_t best = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", pd, e->d_name);
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".pack") == 0 && stat(path, &st) == 0 && st.st_size > best) {
			best = st.st_size;
			snprintf(out, size, "%s", e->d_name);
		}
	}
	closedir(d);
}

static void commit_one(smsaudit_repo *r, int i)
{
	char path[128], body[64];
	snprintf(path, sizeof(path), "records/2026/03/%02x/r%04d.xml", i & 0xff, i);
	snprintf(body, sizeof(body), "record %d\n", i);
	const char *const paths[] = { path };
	commit_files(r, paths, 1, body);
}

static void touch_file(const char *name, time_t age)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/objects/pack/%s", packs_repo, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	struct timeval tv[2] = { { time(NULL) - age, 0 }, { time(NULL) - age, 0 } };
	assert_int_equal(utimes(path, tv), 0);
}

static int file_there(const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/objects/pack/%s", packs_repo, name);
	return access(path, F_OK) == 0;
}

/* Every commit adds a pack; consolidation rolls the small ones into one, keeps
 * a large one that is already twice their size, leaves .keep packs and young
 * temporary files alone, and loses no object. */
static void consolidate_geometric(void **state)
{
	(void)state;
	snprintf(packs_repo, sizeof(packs_repo), "%s/packs.git", dir);
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, packs_repo), 0);
	for (int i = 0; i < 40; i++)
		commit_one(r, i);
	assert_int_equal(pack_count(NULL), 40); /* under the limit: nothing merged */
	smsaudit_pack_stats st;
	assert_int_equal(smsaudit_repo_consolidate(&st, r, 0), 0);
	assert_int_equal(st.packs_before, 40);
	assert_int_equal(st.packs_merged, 0);

	/* A killed writer's temporary pack, an hour and a half old, and one being
	 * written now; a pack somebody keeps. */
	touch_file("pack_git2_AbCdEf", 5400);
	touch_file("pack_git2_GhIjKl", 0);
	touch_file("../tmp_object_git2_MnOpQr", 7200); /* a killed large-file ingest */
	char kept[128], keep[160];
	largest_pack(kept, sizeof(kept));
	snprintf(keep, sizeof(keep), "%.*s.keep", (int)(strlen(kept) - 5), kept);
	touch_file(keep, 0);

	/* Another live process consolidating (its lock names it): this one leaves
	 * the packs to it. A lock whose process is gone was left by a crash. */
	char lock[256];
	snprintf(lock, sizeof(lock), "%s/smsaudit-consolidate.lock", packs_repo);
	FILE *f = fopen(lock, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", (long)getppid());
	fclose(f);
	assert_int_equal(smsaudit_repo_consolidate(&st, r, 10), 0);
	assert_int_equal(st.packs_merged, 0);
	assert_int_equal(st.leftovers_removed, 2); /* temporary files go all the same */
	assert_false(file_there("../tmp_object_git2_MnOpQr"));
	pid_t gone = fork();
	assert_true(gone >= 0);
	if (gone == 0)
		_exit(0);
	assert_int_equal(waitpid(gone, NULL, 0), gone);
	f = fopen(lock, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", (long)gone);
	fclose(f);

	assert_int_equal(smsaudit_repo_consolidate(&st, r, 10), 0);
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(st.packs_before, 39);
	assert_true(st.packs_merged >= 30);
	assert_true(st.packs_after <= 10);
	assert_int_equal(pack_count(NULL), st.packs_after + 1);
	assert_true(pack_count(kept));
	assert_false(file_there("pack_git2_AbCdEf"));
	assert_true(file_there("pack_git2_GhIjKl"));
	char big[128];
	largest_pack(big, sizeof(big));

	/* Ten more small packs weigh less than half the merged one: only they
	 * are rolled up, and the merged pack stays as it is. */
	for (int i = 40; i < 50; i++)
		commit_one(r, i);
	assert_int_equal(smsaudit_repo_consolidate(&st, r, 5), 0);
	assert_true(st.packs_merged >= 10);
	assert_true(pack_count(big));
	assert_true(pack_count(NULL) <= 5 + 1);
	int n = 0;
	assert_int_equal(smsaudit_repo_walk(r, NULL, "records/2026/03", count_cb, &n), 0);
	assert_int_equal(n, 50);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_repo_read(&b, r, NULL, "records/2026/03/07/r0007.xml"), 0);
	assert_string_equal(b.ptr, "record 7\n");
	smsaudit_buf_dispose(&b);
	smsaudit_repo_free(r);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s fsck --strict >/dev/null 2>&1", packs_repo);
	assert_int_equal(system(cmd), 0);
}

/* Two writers past the pack limit consolidate while a third process reads
 * every file over and over: no commit is lost and no read fails. */
static void consolidate_concurrently(void **state)
{
	(void)state;
	enum { PER_CHILD = 30 };
	snprintf(packs_repo, sizeof(packs_repo), "%s/busy.git", dir);
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, packs_repo), 0);
	commit_one(r, 0);
	smsaudit_repo_free(r);
	int stop[2];
	assert_int_equal(pipe(stop), 0);
	pid_t reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) {
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		char c;
		int rounds = 0;
		while (read(stop[0], &c, 1) < 0) {
			smsaudit_repo *rr = NULL;
			int n = 0;
			if (smsaudit_repo_open(&rr, packs_repo) < 0 || smsaudit_repo_walk(rr, NULL, "records", count_cb, &n) < 0) {
				fprintf(stderr, "reader: %s\n", smsaudit_error_last()->message);
				_exit(12);
			}
			smsaudit_buf b = SMSAUDIT_BUF_INIT;
			if (smsaudit_repo_read(&b, rr, NULL, "records/2026/03/00/r0000.xml") < 0) {
				fprintf(stderr, "reader: %s\n", smsaudit_error_last()->message);
				_exit(13);
			}
			smsaudit_buf_dispose(&b);
			smsaudit_repo_free(rr);
			rounds++;
		}
		_exit(rounds > 0 ? 0 : 14);
	}
	close(stop[0]);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			smsaudit_repo *w = NULL;
			if (smsaudit_repo_open(&w, packs_repo) < 0)
				_exit(10);
			for (int i = 0; i < PER_CHILD; i++)
				commit_one(w, 1 + k * PER_CHILD + i);
			smsaudit_repo_free(w);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int ws = 0;
		assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), 0);
	}
	assert_int_equal(write(stop[1], "x", 1), 1);
	close(stop[1]);
	int rs = 0;
	assert_int_equal(waitpid(reader, &rs, 0), reader);
	assert_true(WIFEXITED(rs));
	assert_int_equal(WEXITSTATUS(rs), 0);
	/* 61 commits, one pack each, yet consolidation kept the count at the limit. */
	assert_true(pack_count(NULL) <= SMSAUDIT_PACK_LIMIT);
	assert_int_equal(smsaudit_repo_open(&r, packs_repo), 0);
	int n = 0;
	assert_int_equal(smsaudit_repo_walk(r, NULL, "records", count_cb, &n), 0);
	assert_int_equal(n, 1 + 2 * PER_CHILD);
	smsaudit_repo_free(r);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "git --git-dir=%s fsck --strict >/dev/null 2>&1", packs_repo);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ca_bundle_waits_for_a_remote),
		cmocka_unit_test(init_commit_read),
		cmocka_unit_test(append_only),
		cmocka_unit_test(stream_content),
		cmocka_unit_test(large_content_one_pass),
		cmocka_unit_test(concurrent_writers),
		cmocka_unit_test(consolidate_geometric),
		cmocka_unit_test(consolidate_concurrently),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);
	git_libgit2_shutdown();
	return failed;
}
