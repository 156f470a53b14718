/*
 * The store module through its public API (store.h): a repository created in
 * a temporary folder and opened again, records written through the store and
 * read back from the state it derives, and the errors of opening what is not
 * an smsaudit repository or writing what may not be written. Every error is a
 * negative code with one message naming what is at fault.
 */
#include <sys/stat.h>

#include <openssl/evp.h>

#include "testutil.h"

static char dir[] = "/tmp/smsaudit-store-XXXXXX";
static char repo_path[600], keys_path[600];
static smsaudit_catalogue *cat;

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	setenv("SMSAUDIT_NOW", "2026-03-02T09:00:00Z", 1);
	snprintf(repo_path, sizeof(repo_path), "%s/ev.git", dir);
	snprintf(keys_path, sizeof(keys_path), "%s/keys", dir);
	return smsaudit_catalogue_load_default(&cat);
}

static int teardown(void **state)
{
	(void)state;
	smsaudit_catalogue_free(cat);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("SMSAUDIT_NOW");
	unsetenv("SMSAUDIT_CONFIG");
	return 0;
}

static smsaudit_init_options init_options(const char *path)
{
	smsaudit_init_options o = SMSAUDIT_INIT_OPTIONS_INIT;
	o.path = path;
	o.organisation = "Store Ltd";
	o.scope = "Managed hosting";
	o.name = "Ada Quinn";
	o.email = "ada@example.org";
	o.keys_dir = keys_path;
	o.catalogue = cat;
	return o;
}

static char *in_dir(const char *name)
{
	static char path[4][700];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sha256_of(char out[65], const char *text)
{
	unsigned char md[32];
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static smsaudit_oid head(smsaudit_store *s)
{
	smsaudit_oid h;
	assert_int_equal(smsaudit_repo_head(&h, smsaudit_store_repo(s)), 0);
	return h;
}

/* Create, then open what was created: the same organisation, catalogue and
 * anchor; the keys written beside it are private. The first test: the others
 * use this repository. */
static void test_create_then_open(void **state)
{
	(void)state;
	smsaudit_init_options o = init_options(repo_path);
	smsaudit_init_result res;
	smsaudit_store *s = NULL;
	assert_int_equal(smsaudit_store_init(&s, &o, &res), 0);
	assert_non_null(s);
	assert_string_equal(smsaudit_store_organisation(s), "Store Ltd");
	assert_int_equal(res.person_key_created, 1);
	struct stat st;
	assert_int_equal(stat(res.person_key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(res.ca_key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char fp[65];
	assert_int_equal(smsaudit_cert_fingerprint(fp, smsaudit_store_ca(s)), 0);
	assert_string_equal(fp, res.ca_fingerprint);
	smsaudit_store_free(s);

	s = NULL;
	assert_int_equal(smsaudit_store_open(&s, repo_path), 0);
	assert_string_equal(smsaudit_store_organisation(s), "Store Ltd");
	assert_string_equal(smsaudit_catalogue_info_get(smsaudit_store_catalogue(s))->sha256,
	                    smsaudit_catalogue_info_get(cat)->sha256);
	assert_int_equal(smsaudit_cert_fingerprint(fp, smsaudit_store_ca(s)), 0);
	assert_string_equal(fp, res.ca_fingerprint);
	/* The creator is its quality manager, and the state has nothing else. */
	smsaudit_identity *ada = NULL;
	assert_int_equal(smsaudit_identity_load(&ada, s, res.person_key_path, NULL), 0);
	assert_string_equal(smsaudit_identity_email(ada), "ada@example.org");
	assert_string_equal(smsaudit_identity_name(ada), "Ada Quinn");
	assert_int_equal(smsaudit_identity_roles(ada), SMSAUDIT_ROLE_QUALITY_MANAGER);
	smsaudit_state *stt = NULL;
	assert_int_equal(smsaudit_state_load(&stt, s, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(stt), 0);
	assert_int_equal(smsaudit_state_person_count(stt), 1);
	assert_int_equal(smsaudit_state_evidence_count(stt), 0);
	smsaudit_state_free(stt);
	smsaudit_identity_free(ada);
	smsaudit_store_free(s);

	/* Creating again where a repository is: refused, naming the folder. */
	assert_int_equal(smsaudit_store_init(&s, &o, &res), SMSAUDIT_EEXISTS);
	assert_null(s);
	assert_error_contains(repo_path);
}

/* Evidence written through the store comes back from the state as written,
 * its content byte for byte; supersede and withdraw change its status and
 * nothing else. */
static void test_write_then_read_back(void **state)
{
	(void)state;
	smsaudit_store *s = NULL;
	smsaudit_identity *ada = NULL;
	char key[700];
	smsaudit_keys_person_path(key, sizeof(key), keys_path, "ada@example.org");
	assert_int_equal(smsaudit_store_open(&s, repo_path), 0);
	assert_int_equal(smsaudit_identity_load(&ada, s, key, NULL), 0);

	static const char *const texts[] = { "Service management policy v3\n", "Service management policy v4\n" };
	const char *controls[] = { "5.2.1", "7.5.4" };
	smsaudit_evidence_input in[2];
	memset(in, 0, sizeof(in));
	for (int i = 0; i < 2; i++) {
		char name[32];
		snprintf(name, sizeof(name), "policy-%d.txt", i + 3);
		in[i].file = strdup(in_dir(name));
		assert_non_null(in[i].file);
		write_file(in[i].file, texts[i]);
		in[i].title = i ? "SM policy v4" : "SM policy v3";
		in[i].kind = SMSAUDIT_KIND_POLICY;
		in[i].controls = controls;
		in[i].ncontrols = 2;
		in[i].valid_until = date("2027-12-31");
		in[i].note = i ? NULL : "Approved by the board";
	}
	char ids[2][SMSAUDIT_ID_MAX];
	smsaudit_oid before = head(s);
	assert_int_equal(smsaudit_store_add_evidence(s, ada, in, 2, 0, ids, NULL, NULL), 0);
	/* Both files in one commit. */
	smsaudit_oid after = head(s);
	assert_memory_not_equal(&before, &after, sizeof(before));
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	assert_int_equal(smsaudit_state_evidence_count(st), 2);
	for (int i = 0; i < 2; i++) {
		const smsaudit_evidence_entry *e = NULL;
		assert_int_equal(smsaudit_state_find_evidence(&e, st, ids[i]), 0);
		const smsaudit_evidence_body *b = &e->record->evidence;
		assert_true(e->valid);
		assert_int_equal(e->status, SMSAUDIT_EV_ACTIVE);
		assert_string_equal(e->record->made_by, "ada@example.org");
		assert_int_equal(e->record->made_at, smsaudit_now());
		assert_string_equal(b->title, in[i].title);
		assert_int_equal(b->kind, SMSAUDIT_KIND_POLICY);
		assert_int_equal(b->ncontrols, 2);
		assert_string_equal(b->controls[0], "5.2.1");
		assert_string_equal(b->controls[1], "7.5.4");
		expect_date(b->valid_until, "2027-12-31");
		if (i == 0)
			assert_string_equal(b->note, "Approved by the board");
		else
			assert_null(b->note);
		char name[32];
		snprintf(name, sizeof(name), "policy-%d.txt", i + 3);
		assert_string_equal(b->name, name);
		assert_int_equal(b->size, strlen(texts[i]));
		char want[65];
		sha256_of(want, texts[i]);
		assert_string_equal(b->sha256, want);
		/* The content, read back from where the record says it is. */
		char cpath[100];
		snprintf(cpath, sizeof(cpath), "content/%.2s/%s", b->sha256, b->sha256);
		smsaudit_buf got = SMSAUDIT_BUF_INIT;
		assert_int_equal(smsaudit_repo_read(&got, smsaudit_store_repo(s), NULL, cpath), 0);
		assert_int_equal(got.size, strlen(texts[i]));
		assert_memory_equal(got.ptr, texts[i], got.size);
		smsaudit_buf_dispose(&got);
		/* A unique prefix finds it too. */
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "%.*s", 24, ids[i]);
		const smsaudit_evidence_entry *p = NULL;
		assert_int_equal(smsaudit_state_find_evidence(&p, st, prefix), 0);
		assert_ptr_equal(p, e);
	}
	smsaudit_state_free(st);

	/* v4 supersedes v3; then v4 is withdrawn: records added, nothing changed. */
	setenv("SMSAUDIT_NOW", "2026-03-02T10:00:00Z", 1);
	char sid[SMSAUDIT_ID_MAX], wid[SMSAUDIT_ID_MAX];
	assert_int_equal(smsaudit_store_supersede(sid, s, ada, ids[0], ids[1], "annual review"), 0);
	setenv("SMSAUDIT_NOW", "2026-03-02T11:00:00Z", 1);
	assert_int_equal(smsaudit_store_withdraw(wid, s, ada, ids[1], "uploaded by mistake"), 0);
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	const smsaudit_evidence_entry *old = NULL, *cur = NULL;
	assert_int_equal(smsaudit_state_find_evidence(&old, st, ids[0]), 0);
	assert_int_equal(smsaudit_state_find_evidence(&cur, st, ids[1]), 0);
	assert_int_equal(old->status, SMSAUDIT_EV_SUPERSEDED);
	assert_string_equal(old->superseded_by, ids[1]);
	assert_string_equal(old->changed_by, sid);
	assert_int_equal(cur->status, SMSAUDIT_EV_WITHDRAWN);
	assert_string_equal(cur->changed_by, wid);
	assert_string_equal(cur->record->evidence.title, "SM policy v4");
	smsaudit_state_free(st);
	/* The state at the commit before them still has both active. */
	assert_int_equal(smsaudit_state_load(&st, s, &after, 0), 0);
	assert_int_equal(smsaudit_state_find_evidence(&old, st, ids[0]), 0);
	assert_int_equal(old->status, SMSAUDIT_EV_ACTIVE);
	smsaudit_state_free(st);

	for (int i = 0; i < 2; i++)
		free((char *)in[i].file);
	smsaudit_identity_free(ada);
	smsaudit_store_free(s);
}

/* Opening what is not an smsaudit repository: a negative code and a message
 * naming the path, whatever is there instead. */
static void test_open_what_is_not_a_repository(void **state)
{
	(void)state;
	smsaudit_store *s = (smsaudit_store *)1;
	const char *missing = in_dir("no-such-folder");
	assert_int_equal(smsaudit_store_open(&s, missing), SMSAUDIT_EIO);
	assert_null(s);
	assert_error_contains(missing);

	const char *plain = in_dir("plain");
	assert_int_equal(mkdir(plain, 0700), 0);
	assert_int_equal(smsaudit_store_open(&s, plain), SMSAUDIT_ENOTFOUND);
	assert_null(s);
	assert_error_contains(plain);
	assert_error_contains("not an smsaudit repository");

	const char *file = in_dir("a-file.txt");
	write_file(file, "not a repository\n");
	assert_true(smsaudit_store_open(&s, file) < 0);
	assert_null(s);
	assert_error_contains(file);

	/* A git repository, empty or with commits, that smsaudit did not make. */
	const char *bare = in_dir("bare.git");
	smsaudit_repo *r = NULL;
	assert_int_equal(smsaudit_repo_init(&r, bare), 0);
	assert_int_equal(smsaudit_store_open(&s, bare), SMSAUDIT_ENOTFOUND);
	assert_null(s);
	assert_error_contains(bare);
	assert_error_contains("not an smsaudit repository");
	smsaudit_txn *t = NULL;
	assert_int_equal(smsaudit_txn_new(&t, r), 0);
	assert_int_equal(smsaudit_txn_add(t, "README", "hello\n", 6), 0);
	smsaudit_oid c;
	assert_int_equal(smsaudit_txn_commit(&c, t, "a commit\n", "Tess Ter", "tess@example.org", 1767225600), 0);
	smsaudit_txn_free(t);
	smsaudit_repo_free(r);
	assert_int_equal(smsaudit_store_open(&s, bare), SMSAUDIT_ENOTFOUND);
	assert_null(s);
	assert_error_contains(bare);
	assert_error_contains("not an smsaudit repository");

	/* init refuses a path that is a file or a folder with something in it. */
	smsaudit_init_options o = init_options(file);
	smsaudit_init_result res;
	assert_int_equal(smsaudit_store_init(&s, &o, &res), SMSAUDIT_EEXISTS);
	assert_error_contains(file);
	o.path = bare;
	assert_int_equal(smsaudit_store_init(&s, &o, &res), SMSAUDIT_EEXISTS);
	assert_error_contains(bare);
	assert_null(s);
}

/* What may not be written is refused before anything is committed. */
static void test_refused_writes_commit_nothing(void **state)
{
	(void)state;
	smsaudit_store *s = NULL;
	smsaudit_identity *ada = NULL;
	char key[700];
	smsaudit_keys_person_path(key, sizeof(key), keys_path, "ada@example.org");
	assert_int_equal(smsaudit_store_open(&s, repo_path), 0);
	assert_int_equal(smsaudit_identity_load(&ada, s, key, NULL), 0);
	smsaudit_oid before = head(s);

	const char *controls[] = { "8.6.1" };
	smsaudit_evidence_input in;
	memset(&in, 0, sizeof(in));
	in.title = "Incident records";
	in.kind = SMSAUDIT_KIND_RECORD;
	in.controls = controls;
	in.ncontrols = 1;
	char id[SMSAUDIT_ID_MAX];
	/* A file that is not there. */
	in.file = in_dir("missing.csv");
	assert_int_equal(smsaudit_store_add_evidence(s, ada, &in, 1, 0, &id, NULL, NULL), SMSAUDIT_EIO);
	assert_error_contains("missing.csv");
	/* A clause that is not in the catalogue. */
	const char *ok = in_dir("incidents.csv");
	write_file(ok, "id,summary\n1,disk full\n");
	in.file = ok;
	const char *bad[] = { "8.9" };
	in.controls = bad;
	assert_int_equal(smsaudit_store_add_evidence(s, ada, &in, 1, 0, &id, NULL, NULL), SMSAUDIT_EINVALID);
	assert_error_contains("8.9");
	in.controls = controls;
	/* Withdrawing or superseding what does not exist. */
	char wid[SMSAUDIT_ID_MAX];
	assert_true(smsaudit_store_withdraw(wid, s, ada, "ev-20000101-0000", "no such") < 0);
	assert_error_contains("ev-20000101-0000");

	/* A key that belongs to nobody in the repository signs nothing. */
	smsaudit_key *k = NULL;
	assert_int_equal(smsaudit_key_generate(&k), 0);
	const char *stranger = in_dir("stranger.key");
	assert_int_equal(smsaudit_key_save(k, stranger, NULL), 0);
	smsaudit_key_free(k);
	smsaudit_identity *who = NULL;
	assert_int_equal(smsaudit_identity_load(&who, s, stranger, NULL), SMSAUDIT_ENOTFOUND);
	assert_null(who);
	assert_error_contains(stranger);

	smsaudit_oid after = head(s);
	assert_memory_equal(&before, &after, sizeof(before));
	smsaudit_identity_free(ada);
	smsaudit_store_free(s);
}

/* A stream of `n` inputs made one at a time into one reused input (the store
 * must copy what it keeps), failing at `fail_at` when under n. */
typedef struct {
	size_t n, next, fail_at;
	size_t dup_at, dup_of;      /* input dup_at has the content of dup_of (dup_at 0: none) */
	const char *tag;            /* in every content, to make it new */
	char file[700], title[64], where[32];
	const char *controls[1];
	smsaudit_evidence_input in;
	size_t added;
	int added_in_order;
	char (*ids)[SMSAUDIT_ID_MAX];
} test_stream;

static int stream_next(const smsaudit_evidence_input **in, char *why, size_t why_size, void *payload)
{
	test_stream *t = payload;
	if (t->next == t->n)
		return 1;
	size_t i = t->next++;
	if (i == t->fail_at) {
		snprintf(why, why_size, "list:%zu: a row the stream cannot read", i + 2);
		return SMSAUDIT_EINVALID;
	}
	char name[32], text[64];
	snprintf(name, sizeof(name), "streamed-%03zu.txt", i);
	snprintf(t->file, sizeof(t->file), "%s", in_dir(name));
	snprintf(text, sizeof(text), "streamed file %zu%s\n", t->dup_at && i == t->dup_at ? t->dup_of : i,
	         t->tag ? t->tag : "");
	write_file(t->file, text);
	snprintf(t->title, sizeof(t->title), "Streamed %zu", i);
	snprintf(t->where, sizeof(t->where), "list:%zu", i + 2);
	memset(&t->in, 0, sizeof(t->in));
	t->controls[0] = "8.6.1";
	t->in.file = t->file;
	t->in.title = t->title;
	t->in.where = t->where;
	t->in.kind = SMSAUDIT_KIND_RECORD;
	t->in.controls = t->controls;
	t->in.ncontrols = 1;
	*in = &t->in;
	return 0;
}

static void stream_describe(char *out, size_t size, size_t index, void *payload)
{
	(void)payload;
	snprintf(out, size, "list:%zu", index + 2);
}

static void stream_added(size_t index, const char *id, void *payload)
{
	test_stream *t = payload;
	if (index != t->added)
		t->added_in_order = 0;
	snprintf(t->ids[index], SMSAUDIT_ID_MAX, "%s", id);
	t->added++;
}

/* Inputs given one at a time over two threads: a failure of the stream far
 * past the ring of prepared files is raised with its message and commits
 * nothing; a whole stream commits every input, in order, as given. */
static void test_stream_all_or_nothing(void **state)
{
	(void)state;
	enum { N = 60 };
	smsaudit_store *s = NULL;
	smsaudit_identity *ada = NULL;
	char key[700];
	smsaudit_keys_person_path(key, sizeof(key), keys_path, "ada@example.org");
	assert_int_equal(smsaudit_store_open(&s, repo_path), 0);
	assert_int_equal(smsaudit_identity_load(&ada, s, key, NULL), 0);
	setenv("SMSAUDIT_JOBS", "2", 1);
	static char ids[N][SMSAUDIT_ID_MAX];
	test_stream t;
	memset(&t, 0, sizeof(t));
	t.n = N;
	t.fail_at = 47;
	t.added_in_order = 1;
	t.ids = ids;
	smsaudit_evidence_stream in = { stream_next, stream_describe, stream_added, &t };
	smsaudit_oid before = head(s);
	size_t count = 99;
	assert_int_equal(smsaudit_store_add_evidence_stream(s, ada, &in, 0, &count, NULL, NULL), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "list:49: a row the stream cannot read");
	assert_int_equal(count, 0);
	assert_int_equal(t.added, 0);
	smsaudit_oid after = head(s);
	assert_memory_equal(&before, &after, sizeof(before));

	memset(&t, 0, sizeof(t));
	t.n = N;
	t.fail_at = N;
	t.added_in_order = 1;
	t.ids = ids;
	assert_int_equal(smsaudit_store_add_evidence_stream(s, ada, &in, 0, &count, NULL, NULL), 0);
	assert_int_equal(count, N);
	assert_int_equal(t.added, N);
	assert_true(t.added_in_order);
	smsaudit_state *st = NULL;
	assert_int_equal(smsaudit_state_load(&st, s, NULL, 0), 0);
	assert_int_equal(smsaudit_state_problem_count(st), 0);
	for (size_t i = 0; i < N; i++) {
		const smsaudit_evidence_entry *e = NULL;
		assert_int_equal(smsaudit_state_find_evidence(&e, st, ids[i]), 0);
		char title[64], name[32];
		snprintf(title, sizeof(title), "Streamed %zu", i);
		snprintf(name, sizeof(name), "streamed-%03zu.txt", i);
		assert_string_equal(e->record->evidence.title, title);
		assert_string_equal(e->record->evidence.name, name);
	}
	smsaudit_state_free(st);

	/* The same content again: refused, naming the record that holds it. */
	memset(&t, 0, sizeof(t));
	t.n = N;
	t.fail_at = N;
	t.ids = ids;
	assert_int_equal(smsaudit_store_add_evidence_stream(s, ada, &in, 0, &count, NULL, NULL), SMSAUDIT_EINVALID);
	assert_non_null(strstr(smsaudit_error_last()->message, "list:2: duplicate content: already recorded as"));
	/* Twice in one stream: the later input names the earlier by `describe`. */
	memset(&t, 0, sizeof(t));
	t.n = N;
	t.fail_at = N;
	t.dup_at = 52;
	t.dup_of = 3;
	t.tag = " again";
	t.ids = ids;
	assert_int_equal(smsaudit_store_add_evidence_stream(s, ada, &in, 0, &count, NULL, NULL), SMSAUDIT_EINVALID);
	assert_string_equal(smsaudit_error_last()->message, "list:54: same content as list:5 in this batch (use "
	                    "--allow-duplicate to record it twice)");
	after = head(s);
	t.next = t.added = 0;
	assert_int_equal(smsaudit_store_add_evidence_stream(s, ada, &in, SMSAUDIT_ADD_ALLOW_DUPLICATE, &count, NULL,
	                                                    NULL), 0);
	assert_int_equal(count, N);
	smsaudit_oid last = head(s);
	assert_memory_not_equal(&after, &last, sizeof(after));
	unsetenv("SMSAUDIT_JOBS");
	smsaudit_identity_free(ada);
	smsaudit_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_then_open),
		cmocka_unit_test(test_write_then_read_back),
		cmocka_unit_test(test_stream_all_or_nothing),
		cmocka_unit_test(test_open_what_is_not_a_repository),
		cmocka_unit_test(test_refused_writes_commit_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
