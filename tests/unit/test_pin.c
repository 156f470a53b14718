/*
 * The user's configuration (config.h) and the pin (pin.h): where the
 * configuration lives, its secrets, and what a pin saved after a clean load
 * holds a later state against: the anchor, every accepted record, the
 * checkpoints, the folder's first commit. Each test that pins uses a
 * configuration directory of its own under the test's temporary directory.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "testutil.h"

static char dir[] = "/tmp/smsaudit-pin-XXXXXX";
static char repo_path[600];
static smsaudit_catalogue *cat;
static smsaudit_store *store;
static smsaudit_identity *ada;
static smsaudit_init_result res;
static char e1[SMSAUDIT_ID_MAX], e2[SMSAUDIT_ID_MAX];
static smsaudit_oid c_e1, c_e2;
static int nfile;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* A fresh configuration directory for one test. */
static void use_config(const char *name)
{
	char cfg[700];
	snprintf(cfg, sizeof(cfg), "%s/cfg-%s", dir, name);
	setenv("SMSAUDIT_CONFIG", cfg, 1);
}

static void add_evidence(char id[SMSAUDIT_ID_MAX])
{
	char path[700];
	snprintf(path, sizeof(path), "%s/f%d.txt", dir, nfile);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "evidence %d\n", nfile++);
	fclose(f);
	const char *controls[] = { "4.1" };
	smsaudit_evidence_input in;
	memset(&in, 0, sizeof(in));
	in.file = path;
	in.title = "Register";
	in.kind = SMSAUDIT_KIND_REGISTER;
	in.controls = controls;
	in.ncontrols = 1;
	char ids[1][SMSAUDIT_ID_MAX];
	if (smsaudit_store_add_evidence(store, ada, &in, 1, 0, ids, NULL, NULL) < 0)
		fail_msg("add evidence: %s", smsaudit_error_last()->message);
	memcpy(id, ids[0], SMSAUDIT_ID_MAX);
}

static int init_store(const char *keys_name)
{
	char keys[700];
	snprintf(keys, sizeof(keys), "%s/%s", dir, keys_name);
	smsaudit_init_options o = SMSAUDIT_INIT_OPTIONS_INIT;
	o.path = repo_path;
	o.organisation = "Pin Test Ltd";
	o.scope = "Testing the pin";
	o.name = "Ada Quinn";
	o.email = "ada@example.org";
	o.keys_dir = keys;
	o.catalogue = cat;
	if (smsaudit_store_init(&store, &o, &res) < 0)
		fail_msg("init: %s", smsaudit_error_last()->message);
	assert_int_equal(smsaudit_identity_load(&ada, store, res.person_key_path, NULL), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	use_config("setup");
	snprintf(repo_path, sizeof(repo_path), "%s/ev.git", dir);
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	setenv("SMSAUDIT_NOW", "2027-01-10T09:00:00Z", 1);
	init_store("keys");
	setenv("SMSAUDIT_NOW", "2027-01-11T09:00:00Z", 1);
	add_evidence(e1);
	assert_int_equal(smsaudit_repo_head(&c_e1, smsaudit_store_repo(store)), 0);
	setenv("SMSAUDIT_NOW", "2027-01-12T09:00:00Z", 1);
	add_evidence(e2);
	assert_int_equal(smsaudit_repo_head(&c_e2, smsaudit_store_repo(store)), 0);
	setenv("SMSAUDIT_NOW", "2027-02-01T00:00:00Z", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	smsaudit_catalogue_free(cat);
	unsetenv("SMSAUDIT_NOW");
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- configuration ---- */

typedef struct {
	char *cfg, *xdg, *home;
} saved_env;

static char *dup_env(const char *name)
{
	const char *v = getenv(name);
	return v ? strdup(v) : NULL;
}

static void restore(const char *name, char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
	free(v);
}

static void test_config_dir_precedence(void **state)
{
	(void)state;
	saved_env s = { dup_env("SMSAUDIT_CONFIG"), dup_env("XDG_CONFIG_HOME"), dup_env("HOME") };
	char out[4096];
	setenv("SMSAUDIT_CONFIG", "/srv/conf/smsaudit", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/ada", 1);
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/conf/smsaudit");
	/* An empty SMSAUDIT_CONFIG counts as unset. */
	setenv("SMSAUDIT_CONFIG", "", 1);
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/xdg/smsaudit");
	unsetenv("SMSAUDIT_CONFIG");
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/xdg/smsaudit");
	/* XDG_CONFIG_HOME must be absolute (the XDG specification says to ignore a relative one). */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/home/ada/.config/smsaudit");
	setenv("XDG_CONFIG_HOME", "", 1);
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/home/ada/.config/smsaudit");
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/home/ada/.config/smsaudit");
	/* Nothing to go on. */
	unsetenv("HOME");
	strcpy(out, "untouched");
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), SMSAUDIT_EIO);
	assert_error_contains("no configuration directory: set SMSAUDIT_CONFIG or HOME");
	setenv("HOME", "", 1);
	assert_int_equal(smsaudit_config_dir(out, sizeof(out)), SMSAUDIT_EIO);
	/* A path that does not fit is an error, never a truncated directory. */
	setenv("SMSAUDIT_CONFIG", "/a/rather/long/configuration/directory", 1);
	char small[16];
	assert_int_equal(smsaudit_config_dir(small, sizeof(small)), SMSAUDIT_EIO);
	assert_error_contains("too long");
	setenv("HOME", "/home/ada", 1);
	unsetenv("SMSAUDIT_CONFIG");
	assert_int_equal(smsaudit_config_dir(small, sizeof(small)), SMSAUDIT_EIO);
	assert_int_equal(smsaudit_config_dir(out, 26), SMSAUDIT_EIO);  /* "/home/ada/.config/smsaudit" is 26 bytes */
	assert_int_equal(smsaudit_config_dir(out, 27), 0);
	assert_string_equal(out, "/home/ada/.config/smsaudit");

	/* _make creates the directory and its parents, 0700. */
	char want[700];
	snprintf(want, sizeof(want), "%s/made/deeper/smsaudit", dir);
	setenv("SMSAUDIT_CONFIG", want, 1);
	assert_int_equal(smsaudit_config_dir_make(out, sizeof(out)), 0);
	assert_string_equal(out, want);
	struct stat sb;
	assert_int_equal(stat(want, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(want, sizeof(want), "%s/made/deeper", dir);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Made again: nothing to do. */
	assert_int_equal(smsaudit_config_dir_make(out, sizeof(out)), 0);
	/* A file where the directory should be. */
	snprintf(want, sizeof(want), "%s/plainfile", dir);
	FILE *f = fopen(want, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(want, sizeof(want), "%s/plainfile/smsaudit", dir);
	setenv("SMSAUDIT_CONFIG", want, 1);
	assert_int_equal(smsaudit_config_dir_make(out, sizeof(out)), SMSAUDIT_EIO);
	assert_error_contains("plainfile");

	restore("SMSAUDIT_CONFIG", s.cfg);
	restore("XDG_CONFIG_HOME", s.xdg);
	restore("HOME", s.home);
}

static void test_config_secret(void **state)
{
	(void)state;
	char *saved = dup_env("SMSAUDIT_CONFIG");
	char cfg[700], path[800];
	snprintf(cfg, sizeof(cfg), "%s/secret-cfg/nested", dir);
	setenv("SMSAUDIT_CONFIG", cfg, 1);
	unsigned char a[32], b[32], c[32], zero[32];
	memset(zero, 0, sizeof(zero));
	assert_int_equal(smsaudit_config_secret(a, "cache.key"), 0);
	assert_memory_not_equal(a, zero, 32);
	/* The file: 32 bytes, 0600, in a 0700 directory made for it. */
	snprintf(path, sizeof(path), "%s/cache.key", cfg);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 32);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(cfg, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char disk[33];
	assert_int_equal(fread(disk, 1, sizeof(disk), f), 32);
	fclose(f);
	assert_memory_equal(disk, a, 32);
	/* Stable: the same secret every time. */
	assert_int_equal(smsaudit_config_secret(b, "cache.key"), 0);
	assert_memory_equal(a, b, 32);
	/* Another name, another secret. */
	assert_int_equal(smsaudit_config_secret(c, "other.key"), 0);
	assert_memory_not_equal(a, c, 32);
	/* No temporary file left behind. */
	char cmd[900];
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s' | wc -l)\" -eq 2", cfg);
	assert_int_equal(system(cmd), 0);

	/* A file too short to be a secret is refused, not padded, and not replaced. */
	snprintf(path, sizeof(path), "%s/short.key", cfg);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("0123456789", 1, 10, f);
	fclose(f);
	assert_int_equal(smsaudit_config_secret(c, "short.key"), SMSAUDIT_EIO);
	assert_error_contains(path);
	assert_error_contains("not a 32-byte secret");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 10);
	/* A symbolic link is not followed. */
	char link_path[800];
	snprintf(link_path, sizeof(link_path), "%s/link.key", cfg);
	snprintf(path, sizeof(path), "%s/cache.key", cfg);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(smsaudit_config_secret(c, "link.key"), SMSAUDIT_EIO);
	assert_error_contains(link_path);
	/* No configuration directory can be made. */
	snprintf(cfg, sizeof(cfg), "%s/secret-cfg/nested/cache.key/below", dir);
	setenv("SMSAUDIT_CONFIG", cfg, 1);
	assert_int_equal(smsaudit_config_secret(c, "cache.key"), SMSAUDIT_EIO);
	restore("SMSAUDIT_CONFIG", saved);
}

/* ---- the pin ---- */

static smsaudit_state *load_head(void)
{
	smsaudit_state *st = NULL;
	if (smsaudit_state_load(&st, store, NULL, 0) < 0)
		fail_msg("load: %s", smsaudit_error_last()->message);
	return st;
}

static void free_problems(smsaudit_problem **p, size_t *n)
{
	free(*p);
	*p = NULL;
	*n = 0;
}

static void print_problems(const smsaudit_problem *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_message("problem: %s [%s] %s\n", p[i].path, p[i].id, p[i].message);
}

/* The index of the problem whose message contains `needle`, or -1. */
static long find(const smsaudit_problem *p, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(p[i].message, needle))
			return (long)i;
	return -1;
}

static size_t valid_records(const smsaudit_state *st)
{
	size_t n = 0;
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		n += e.record && e.valid;
	}
	return n;
}

static void test_save_then_check(void **state)
{
	(void)state;
	use_config("save");
	smsaudit_state *st = load_head();
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;

	/* Nothing pinned yet: nothing to hold it against. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	assert_false(ps.pinned);
	assert_string_equal(ps.anchor, res.ca_fingerprint);
	assert_string_equal(ps.pinned_anchor, "");
	char root_hex[41], want[800];
	smsaudit_oid_fmt(root_hex, smsaudit_state_root(st));
	snprintf(want, sizeof(want), "%s/cfg-save/pins/%s", dir, root_hex);
	assert_string_equal(ps.path, want);

	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), 0);
	struct stat sb;
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	if (n)
		print_problems(probs, n);
	assert_int_equal(n, 0);
	assert_true(ps.pinned);
	assert_string_equal(ps.pinned_anchor, ps.anchor);
	assert_int_equal(ps.pinned_records, 3); /* Ada's grant, E1, E2 */
	assert_int_equal(ps.pinned_records, valid_records(st));

	/* The pin file names the anchor and every accepted record with its object. */
	FILE *f = fopen(want, "r");
	assert_non_null(f);
	char line[300];
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "smsaudit-pin 1\n");
	assert_non_null(fgets(line, sizeof(line), f));
	snprintf(want, sizeof(want), "anchor %s\n", res.ca_fingerprint);
	assert_string_equal(line, want);
	/* Then the checkpoint: the commit verified and what it counted (loaded
	 * without content digests). */
	char commit_hex[41];
	smsaudit_oid_fmt(commit_hex, smsaudit_state_commit(st));
	assert_non_null(fgets(line, sizeof(line), f));
	snprintf(want, sizeof(want), "tip %s content 0 records 3 evidence 2 checked 0 awaiting 0\n", commit_hex);
	assert_string_equal(line, want);
	/* Then the authority in the order it was applied: Ada's grant. */
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(strncmp(line, "a person-", 9), 0);
	int seen = 0;
	while (fgets(line, sizeof(line), f)) {
		char id[SMSAUDIT_ID_MAX + 8], hex[64];
		assert_int_equal(sscanf(line, "r %55s %63s", id, hex), 2);
		assert_int_equal(strlen(hex), 40);
		if (strcmp(id, e1) == 0) {
			char path[160], blob_hex[41];
			smsaudit_oid blob;
			assert_int_equal(smsaudit_record_path(path, sizeof(path), e1), 0);
			assert_int_equal(smsaudit_repo_path_oid(&blob, smsaudit_store_repo(store), NULL, path), 0);
			smsaudit_oid_fmt(blob_hex, &blob);
			assert_string_equal(hex, blob_hex);
		}
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, 3);

	/* Saving the anchor alone (as init does) keeps the records pinned before. */
	assert_int_equal(smsaudit_pin_save(store, NULL, smsaudit_state_root(st)), 0);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ps.pinned_records, 3);

	/* A state at an older commit, not main's head: only the anchor counts. */
	smsaudit_state *old = NULL;
	assert_int_equal(smsaudit_state_load(&old, store, &c_e1, 0), 0);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, old, NULL, 0), 0);
	assert_int_equal(n, 0);
	assert_true(ps.pinned);
	/* ... but held against main, E2 is missing from it. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, old, NULL, 1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].id, e2);
	free_problems(&probs, &n);
	smsaudit_state_free(old);
	smsaudit_state_free(st);
}

static void test_expected_anchor(void **state)
{
	(void)state;
	use_config("anchor");
	smsaudit_state *st = load_head();
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	const char *other = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, other, 1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].path, "trust/ca.pem");
	assert_string_equal(probs[0].id, "");
	assert_non_null(strstr(probs[0].message, other));
	assert_non_null(strstr(probs[0].message, res.ca_fingerprint));
	assert_non_null(strstr(probs[0].message, "--anchor"));
	/* Problems are appended: a second check adds a second. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, other, 0), 0);
	assert_int_equal(n, 2);
	free_problems(&probs, &n);
	/* The right anchor, in any case, is no problem. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, res.ca_fingerprint, 1), 0);
	assert_int_equal(n, 0);
	char upper[65];
	for (int i = 0; i < 65; i++)
		upper[i] = (char)(res.ca_fingerprint[i] >= 'a' && res.ca_fingerprint[i] <= 'f' ? res.ca_fingerprint[i] - 32
		                                                                                 : res.ca_fingerprint[i]);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, upper, 1), 0);
	assert_int_equal(n, 0);
	/* A prefix of the anchor is not the anchor. */
	char prefix[65];
	snprintf(prefix, sizeof(prefix), "%.63s", res.ca_fingerprint);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, prefix, 1), 0);
	assert_int_equal(n, 1);
	free_problems(&probs, &n);
	smsaudit_state_free(st);
}

static void test_main_moved_back_over_a_record(void **state)
{
	(void)state;
	use_config("moved");
	smsaudit_state *st = load_head();
	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), 0);
	smsaudit_state_free(st);

	/* Someone with write access moves main back over E2. */
	char e1_hex[41], e2_hex[41];
	smsaudit_oid_fmt(e1_hex, &c_e1);
	smsaudit_oid_fmt(e2_hex, &c_e2);
	sh("git --git-dir='%s' update-ref refs/heads/main %s %s", repo_path, e1_hex, e2_hex);
	st = load_head();
	assert_int_equal(smsaudit_state_problem_count(st), 0); /* nothing inside the repository can tell */
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	if (n != 1)
		print_problems(probs, n);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].id, e2);
	assert_non_null(strstr(probs[0].message, "no longer in main's history"));
	assert_int_equal(ps.pinned_records, 3);
	free_problems(&probs, &n);
	/* Not at main: the records are not held against it. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 0), 0);
	assert_int_equal(n, 0);

	/* A checkpoint on the dropped commit: the audit tag is named too. */
	assert_int_equal(smsaudit_repo_tag(smsaudit_store_repo(store), "audit/audit-20270115-00000000000000aa", &c_e2), 0);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 2);
	long t = find(probs, n, "tag audit/audit-20270115-00000000000000aa points to commit");
	assert_true(t >= 0);
	char want[80];
	snprintf(want, sizeof(want), "commit %.12s, which is not in main's history", e2_hex);
	assert_non_null(strstr(probs[t].message, want));
	free_problems(&probs, &n);
	smsaudit_state_free(st);

	/* main back where it was: the record and the tag's commit are in its history again. */
	sh("git --git-dir='%s' update-ref refs/heads/main %s %s", repo_path, e2_hex, e1_hex);
	st = load_head();
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	smsaudit_state_free(st);
	sh("git --git-dir='%s' update-ref -d refs/tags/audit/audit-20270115-00000000000000aa", repo_path);
}

/* The pin file of the current configuration and repository. */
static void pin_file(char *out, size_t size, const smsaudit_state *st)
{
	char root_hex[41];
	smsaudit_oid_fmt(root_hex, smsaudit_state_root(st));
	snprintf(out, size, "%s/pins/%s", getenv("SMSAUDIT_CONFIG"), root_hex);
}

static char *slurp(const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(smsaudit_buf_put(&b, chunk, k), 0);
	fclose(f);
	return b.ptr ? b.ptr : strdup("");
}

static void spit(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void test_pin_differs(void **state)
{
	(void)state;
	use_config("differs");
	smsaudit_state *st = load_head();
	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), 0);
	char path[900];
	pin_file(path, sizeof(path), st);
	char *good = slurp(path);
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;

	/* The record's object is not the one pinned. */
	char rec_path[160], blob_hex[41], line[200];
	smsaudit_oid blob;
	assert_int_equal(smsaudit_record_path(rec_path, sizeof(rec_path), e1), 0);
	assert_int_equal(smsaudit_repo_path_oid(&blob, smsaudit_store_repo(store), NULL, rec_path), 0);
	smsaudit_oid_fmt(blob_hex, &blob);
	snprintf(line, sizeof(line), "r %s %s\n", e1, blob_hex);
	char *x = replace_once(good, line, "");
	char *edited = NULL;
	{
		char other[200];
		snprintf(other, sizeof(other), "r %s %s\n", e1, "0123456789abcdef0123456789abcdef01234567");
		size_t len = strlen(x) + strlen(other) + 1;
		edited = malloc(len);
		assert_non_null(edited);
		snprintf(edited, len, "%s%s", x, other);
	}
	spit(path, edited);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].id, e1);
	char want[120];
	snprintf(want, sizeof(want), "changed since an earlier verify on this machine accepted it (object 0123456789ab, now %.12s)",
	         blob_hex);
	assert_non_null(strstr(probs[0].message, want));
	free_problems(&probs, &n);
	free(edited);
	free(x);

	/* The pinned anchor is another: the history was rebuilt under another anchor. */
	const char *other_anchor = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
	char anchor_line[100], new_line[100];
	snprintf(anchor_line, sizeof(anchor_line), "anchor %s\n", res.ca_fingerprint);
	snprintf(new_line, sizeof(new_line), "anchor %s\n", other_anchor);
	x = replace_once(good, anchor_line, new_line);
	spit(path, x);
	free(x);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].path, "trust/ca.pem");
	assert_string_equal(ps.pinned_anchor, other_anchor);
	assert_non_null(strstr(probs[0].message, other_anchor));
	assert_non_null(strstr(probs[0].message, path));
	assert_non_null(strstr(probs[0].message, "rebuilt under another anchor"));
	free_problems(&probs, &n);

	/* A record pinned that never existed here. */
	size_t len = strlen(good) + 100;
	x = malloc(len);
	assert_non_null(x);
	snprintf(x, len, "%sr ev-20270101-00000000000000ee 0123456789abcdef0123456789abcdef01234567\n", good);
	spit(path, x);
	free(x);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(probs[0].id, "ev-20270101-00000000000000ee");
	assert_int_equal(ps.pinned_records, 4);
	free_problems(&probs, &n);

	spit(path, good);
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	free(good);
	smsaudit_state_free(st);
}

/* A damaged pin file is an error naming the file and the line, and nothing is pinned over it. */
static void damaged(const smsaudit_state *st, const char *path, const char *content, const char *what)
{
	spit(path, content);
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	smsaudit_error_clear();
	int rc = smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1);
	if (rc != SMSAUDIT_EINVALID)
		fail_msg("a pin file with %s was accepted (rc %d)", what, rc);
	assert_error_contains(path);
	assert_error_contains(what);
	free(probs);
	/* Saving the anchor alone keeps what is pinned, so it cannot read past the damage either. */
	assert_int_equal(smsaudit_pin_save(store, NULL, smsaudit_state_root(st)), SMSAUDIT_EINVALID);
	char *now = slurp(path);
	assert_string_equal(now, content);
	free(now);
}

static void test_damaged_pin_file(void **state)
{
	(void)state;
	use_config("damaged");
	smsaudit_state *st = load_head();
	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), 0);
	char path[900];
	pin_file(path, sizeof(path), st);
	char *good = slurp(path);
	size_t len = strlen(good) + 200;
	char *x = malloc(len), want[1000];

	/* A garbage line after the anchor, the checkpoint, the grant and the 3
	 * records: line 8. (This case,
	 * the cut-short one and the one without an anchor fail only after some
	 * records were read: under LeakSanitizer they show that those records
	 * must be freed with the error.) */
	snprintf(x, len, "%sgarbage\n", good);
	snprintf(want, sizeof(want), "%s:8: not a pin line", path);
	damaged(st, path, x, want);
	/* In the middle: line 3. */
	char anchor_line[100];
	snprintf(anchor_line, sizeof(anchor_line), "anchor %s\n", res.ca_fingerprint);
	char with[400];
	snprintf(with, sizeof(with), "%sr ev-20270101-0000000000000001 0123\n", anchor_line);
	char *y = replace_once(good, anchor_line, with);
	snprintf(want, sizeof(want), "%s:3: not a pin line", path);
	damaged(st, path, y, want);
	free(y);
	/* An id too long to be one. */
	snprintf(with, sizeof(with), "%sr ev-20270101-00000000000000010000000000000000000000000000000000 "
	         "0123456789abcdef0123456789abcdef01234567\n", anchor_line);
	y = replace_once(good, anchor_line, with);
	damaged(st, path, y, want);
	free(y);
	/* The last line without its newline. */
	snprintf(x, len, "%s", good);
	x[strlen(x) - 1] = '\0';
	snprintf(want, sizeof(want), "%s:7: the last line is cut short", path);
	damaged(st, path, x, want);
	/* Not a pin file at all. */
	snprintf(want, sizeof(want), "%s:1: not a pin file", path);
	damaged(st, path, "smsaudit-pin 2\nanchor 00\n", want);
	damaged(st, path, "", want);
	/* No anchor. */
	y = replace_once(good, anchor_line, "");
	snprintf(want, sizeof(want), "%s: names no trust anchor", path);
	damaged(st, path, y, want);
	free(y);

	spit(path, good);
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	free(x);
	free(good);
	smsaudit_state_free(st);
}

static void test_no_configuration_directory(void **state)
{
	(void)state;
	char *cfg = dup_env("SMSAUDIT_CONFIG"), *xdg = dup_env("XDG_CONFIG_HOME"), *home = dup_env("HOME");
	unsetenv("SMSAUDIT_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	smsaudit_state *st = load_head();
	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	/* Nothing was pinned anywhere: no problem, no path ... */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	assert_int_equal(n, 0);
	assert_false(ps.pinned);
	assert_string_equal(ps.path, "");
	/* ... but the anchor given out of band is still checked. */
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st,
	                                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1), 0);
	assert_int_equal(n, 1);
	free_problems(&probs, &n);
	/* And nowhere to save a pin. */
	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), SMSAUDIT_EIO);
	assert_error_contains("no configuration directory");
	smsaudit_state_free(st);
	restore("SMSAUDIT_CONFIG", cfg);
	restore("XDG_CONFIG_HOME", xdg);
	restore("HOME", home);
}

/* Last: it replaces the repository. A new history in the same folder is held
 * against what the folder held before. */
static void test_rebuilt_in_the_same_folder(void **state)
{
	(void)state;
	use_config("rebuilt");
	smsaudit_state *st = load_head();
	assert_int_equal(smsaudit_pin_save(store, st, smsaudit_state_root(st)), 0);
	char old_root[41], old_anchor[65], old_pin[900];
	smsaudit_oid_fmt(old_root, smsaudit_state_root(st));
	snprintf(old_anchor, sizeof(old_anchor), "%s", res.ca_fingerprint);
	pin_file(old_pin, sizeof(old_pin), st);
	smsaudit_state_free(st);
	smsaudit_identity_free(ada);
	smsaudit_store_free(store);
	ada = NULL;
	store = NULL;

	sh("rm -rf '%s'", repo_path);
	setenv("SMSAUDIT_NOW", "2027-01-20T09:00:00Z", 1);
	init_store("keys2");
	setenv("SMSAUDIT_NOW", "2027-02-01T00:00:00Z", 1);
	st = load_head();
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	char new_root[41];
	smsaudit_oid_fmt(new_root, smsaudit_state_root(st));
	assert_string_not_equal(new_root, old_root);

	smsaudit_pin_status ps;
	smsaudit_problem *probs = NULL;
	size_t n = 0;
	assert_int_equal(smsaudit_pin_check(&ps, &probs, &n, store, st, NULL, 1), 0);
	char want[300];
	snprintf(want, sizeof(want), "this repository's folder was pinned with first commit %.12s (trust anchor %s); it "
	         "now starts at %.12s: its history was rebuilt", old_root, old_anchor, new_root);
	if (find(probs, n, want) < 0) {
		print_problems(probs, n);
		fail_msg("no problem says: %s", want);
	}
	/* Held against the old pin: its anchor, its records. */
	assert_string_equal(ps.path, old_pin);
	assert_true(ps.pinned);
	assert_string_equal(ps.pinned_anchor, old_anchor);
	assert_true(find(probs, n, "rebuilt under another anchor") >= 0);
	free_problems(&probs, &n);
	smsaudit_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_dir_precedence),
		cmocka_unit_test(test_config_secret),
		cmocka_unit_test(test_save_then_check),
		cmocka_unit_test(test_expected_anchor),
		cmocka_unit_test(test_main_moved_back_over_a_record),
		cmocka_unit_test(test_pin_differs),
		cmocka_unit_test(test_damaged_pin_file),
		cmocka_unit_test(test_no_configuration_directory),
		cmocka_unit_test(test_rebuilt_in_the_same_folder),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
