/*
 * The verification cache (cache.h, internal to the library): every record
 * type through the entry codec and back as it was, and an entry that is cut
 * short, runs on, or lacks what its type requires refused; every sample put,
 * saved, loaded again and read back; the file's bytes for the types kept
 * before record types became a table (so caches written by earlier builds
 * still load); and a torn, edited or foreign file believed in nothing.
 */
#include <sys/stat.h>

#include <openssl/evp.h>

#include "testutil.h"
#include "samples.h"
#include "cache.h"
#include "record_types.h"

#define TRUST "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char dir[] = "/tmp/smsaudit-cache-XXXXXX";
static char repo_path[600], cache_file[700];

static int setup(void **state)
{
	(void)state;
	if (test_dir_setup(dir) < 0)
		return -1;
	snprintf(repo_path, sizeof(repo_path), "%s/ev.git", dir);
	snprintf(cache_file, sizeof(cache_file), "%s/smsaudit-cache/records-%.16s", repo_path, TRUST);
	return mkdir(repo_path, 0700);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The blob ids sample `i` is filed under. */
static void sample_oids(smsaudit_oid *xml, smsaudit_oid *sig, int i)
{
	memset(xml->id, 0x10 + i, sizeof(xml->id));
	memset(sig->id, 0x80 + i, sizeof(sig->id));
}

/* The types the cache keeps; audit, seal, SMS, certificate and anchor records are few
 * and are verified every time. */
static int kept(smsaudit_record_type t)
{
	return t != SMSAUDIT_REC_AUDIT && t != SMSAUDIT_REC_SEAL && t != SMSAUDIT_REC_SMS &&
	       t != SMSAUDIT_REC_CERTIFICATE && t != SMSAUDIT_REC_ANCHOR;
}

/* `got` says what `want` says: the same canonical XML, and the same header. */
static void expect_same_record(const smsaudit_record *got, const smsaudit_record *want)
{
	assert_non_null(got);
	assert_int_equal(got->type, want->type);
	assert_string_equal(got->id, want->id);
	assert_int_equal(got->made_at, want->made_at);
	assert_string_equal(got->made_by, want->made_by);
	smsaudit_buf a = SMSAUDIT_BUF_INIT, b = SMSAUDIT_BUF_INIT;
	if (smsaudit_record_to_xml(&a, want) < 0)
		fail_msg("sample %s: %s", want->id, smsaudit_error_last()->message);
	if (smsaudit_record_to_xml(&b, got) < 0)
		fail_msg("%s read back from the cache: %s", want->id, smsaudit_error_last()->message);
	int same = a.size == b.size && memcmp(a.ptr, b.ptr, a.size) == 0;
	if (!same)
		fail_msg("%s changed in the cache:\n--- put\n%s--- got\n%s", want->id, a.ptr, b.ptr);
	smsaudit_buf_dispose(&a);
	smsaudit_buf_dispose(&b);
}

/* Put every sample (the kept ones only when `only_kept`) and save. */
static void write_samples(int only_kept)
{
	unlink(cache_file);
	record_cache *c = NULL;
	assert_int_equal(record_cache_open(&c, repo_path, TRUST), 0);
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		smsaudit_oid xml, sig;
		sample_record(&r, i);
		if (only_kept && !kept(r.type))
			continue;
		sample_oids(&xml, &sig, i);
		record_cache_put(c, &xml, &sig, SAMPLE_HEX64B, r.made_at, &r);
	}
	assert_int_equal(record_cache_save(c), 0);
	record_cache_free(c);
}

/* How many samples the cache at `cache_file` gives back, each checked. */
static int samples_found(void)
{
	record_cache *c = NULL;
	assert_int_equal(record_cache_open(&c, repo_path, TRUST), 0);
	int found = 0;
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record want, *got = NULL;
		smsaudit_oid xml, sig;
		sample_record(&want, i);
		sample_oids(&xml, &sig, i);
		char fp[65] = "";
		time_t at = 0;
		if (!record_cache_get(c, &xml, &sig, fp, &at, &got)) {
			assert_null(got);
			continue;
		}
		found++;
		assert_string_equal(fp, SAMPLE_HEX64B);
		assert_int_equal(at, want.made_at);
		expect_same_record(got, &want);
		smsaudit_record_free(got);
	}
	record_cache_free(c);
	return found;
}

static int nkept(void)
{
	int n = 0;
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		sample_record(&r, i);
		n += kept(r.type);
	}
	return n;
}

static void read_file(smsaudit_buf *out)
{
	FILE *f = fopen(cache_file, "rb");
	assert_non_null(f);
	char chunk[4096];
	size_t n;
	out->size = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(smsaudit_buf_put(out, chunk, n), 0);
	fclose(f);
}

static void write_file(const char *data, size_t len)
{
	FILE *f = fopen(cache_file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- one entry ---- */

static void encode_sample(smsaudit_buf *out, const smsaudit_record *r, int i)
{
	smsaudit_oid xml, sig;
	sample_oids(&xml, &sig, i);
	out->size = 0;
	if (record_cache_encode(out, &xml, &sig, SAMPLE_HEX64B, r->made_at + 1, r) < 0)
		fail_msg("encode %s: %s", r->id, smsaudit_error_last()->message);
}

/* 1 when the bytes decode (the record is freed), 0 when refused. */
static int decodes(const char *entry, size_t len)
{
	smsaudit_record *rec = (smsaudit_record *)(uintptr_t)1;
	char fp[65];
	time_t at;
	int ok = record_cache_decode(NULL, NULL, fp, &at, &rec, entry, len);
	if (!ok)
		assert_null(rec);
	smsaudit_record_free(rec);
	return ok;
}

static void test_every_type_through_the_codec(void **state)
{
	(void)state;
	smsaudit_buf entry = SMSAUDIT_BUF_INIT, again = SMSAUDIT_BUF_INIT;
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record want;
		sample_record(&want, i);
		encode_sample(&entry, &want, i);
		smsaudit_oid xml, sig, want_xml, want_sig;
		sample_oids(&want_xml, &want_sig, i);
		char fp[65] = "";
		time_t at = 0;
		smsaudit_record *got = NULL;
		if (record_cache_decode(&xml, &sig, fp, &at, &got, entry.ptr, entry.size) != 1)
			fail_msg("%s does not decode", want.id);
		assert_memory_equal(xml.id, want_xml.id, 20);
		assert_memory_equal(sig.id, want_sig.id, 20);
		assert_string_equal(fp, SAMPLE_HEX64B);
		assert_int_equal(at, want.made_at + 1);
		/* One allocation, cut to the type's body (ASan sees any read past it). */
		assert_int_equal(got->one_block, 1);
		expect_same_record(got, &want);
		/* What was decoded encodes to the same bytes: nothing was lost or added. */
		encode_sample(&again, got, i);
		smsaudit_record_free(got);
		if (again.size != entry.size || memcmp(again.ptr, entry.ptr, entry.size) != 0)
			fail_msg("%s encodes differently once decoded", want.id);
	}
	/* A value that is no record type does not encode. */
	smsaudit_record r;
	sample_record(&r, SAMPLE_SEAL);
	r.type = SMSAUDIT_REC__COUNT;
	size_t before = entry.size;
	smsaudit_oid xml, sig;
	sample_oids(&xml, &sig, 0);
	assert_int_equal(record_cache_encode(&entry, &xml, &sig, SAMPLE_HEX64B, 0, &r), SMSAUDIT_EINVALID);
	assert_error_contains(r.id);
	assert_int_equal(entry.size, before);
	smsaudit_buf_dispose(&entry);
	smsaudit_buf_dispose(&again);
}

static void test_torn_entry_refused(void **state)
{
	(void)state;
	smsaudit_buf entry = SMSAUDIT_BUF_INIT;
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		sample_record(&r, i);
		encode_sample(&entry, &r, i);
		assert_true(decodes(entry.ptr, entry.size));
		/* Cut at every byte. */
		for (size_t n = 0; n < entry.size; n++)
			if (decodes(entry.ptr, n))
				fail_msg("%s cut to %zu of %zu bytes decoded", r.id, n, entry.size);
		/* One byte too many. */
		assert_int_equal(smsaudit_buf_put(&entry, "", 1), 0);
		if (decodes(entry.ptr, entry.size))
			fail_msg("%s with a byte more decoded", r.id);
	}
	smsaudit_buf_dispose(&entry);
}

/* An entry a writer could not have made (a record without a field its type
 * requires, a value outside its enum, a type that does not exist) is refused
 * even when the file around it carries a good MAC. Driven by each type's
 * field table, so every descriptor's rules are tried. */
static void test_entry_of_no_complete_record_refused(void **state)
{
	(void)state;
	smsaudit_buf entry = SMSAUDIT_BUF_INIT;
	int tried = 0;
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		sample_record(&r, i);
		const record_type_desc *d = record_type_desc_of(r.type);
		assert_non_null(d);
		for (size_t k = 0; k < d->nfields; k++) {
			const record_field *f = &d->fields[k];
			smsaudit_record broken = r;
			char *p = (char *)&broken + f->off;
			if (f->kind == RECORD_FIELD_ENUM)
				*(unsigned *)p = (unsigned)f->size;
			else if (!f->required)
				continue;
			else if (f->kind == RECORD_FIELD_STR)
				*(char **)p = NULL;
			else if (f->kind == RECORD_FIELD_FIXED)
				p[0] = '\0';
			else
				*(size_t *)((char *)&broken + f->count_off) = 0;
			encode_sample(&entry, &broken, i);
			if (decodes(entry.ptr, entry.size))
				fail_msg("%s without a valid %s decoded", r.id, f->name);
			tried++;
		}
		/* No made-by. */
		smsaudit_record broken = r;
		broken.made_by = NULL;
		encode_sample(&entry, &broken, i);
		assert_false(decodes(entry.ptr, entry.size));
		/* A type that does not exist: the u64 after the blob ids, the
		 * signer's fingerprint (length and 64 bytes) and the signing time. */
		encode_sample(&entry, &r, i);
		size_t at = 40 + 8 + 64 + 8;
		assert_int_equal((unsigned char)entry.ptr[at], (unsigned)r.type);
		entry.ptr[at] = (char)SMSAUDIT_REC__COUNT;
		assert_false(decodes(entry.ptr, entry.size));
		entry.ptr[at] = (char)0xff;
		assert_false(decodes(entry.ptr, entry.size));
	}
	/* Rules beyond single fields: a step other than a plan needs its text, a
	 * plan its actions; an audit's conclusion its summary. */
	smsaudit_record r;
	sample_record(&r, SAMPLE_STEP_FIRST + SMSAUDIT_STEP_CLOSED);
	r.step.text = NULL;
	encode_sample(&entry, &r, 0);
	assert_false(decodes(entry.ptr, entry.size));
	sample_record(&r, SAMPLE_STEP_FIRST + SMSAUDIT_STEP_PLAN);
	r.step.text = NULL;
	encode_sample(&entry, &r, 0);
	assert_true(decodes(entry.ptr, entry.size));
	r.step.nactions = 0;
	encode_sample(&entry, &r, 0);
	assert_false(decodes(entry.ptr, entry.size));
	sample_record(&r, SAMPLE_AUDIT_CONCLUDE);
	r.audit.summary = NULL;
	encode_sample(&entry, &r, 0);
	assert_false(decodes(entry.ptr, entry.size));
	assert_true(tried > SMSAUDIT_REC__COUNT);
	smsaudit_buf_dispose(&entry);
}

/* ---- round trips ---- */

static void test_every_kept_type_round_trips(void **state)
{
	(void)state;
	/* Every record type has a sample. */
	int seen[SMSAUDIT_REC__COUNT] = { 0 };
	for (int i = 0; i < SAMPLE__COUNT; i++) {
		smsaudit_record r;
		sample_record(&r, i);
		assert_true((unsigned)r.type < SMSAUDIT_REC__COUNT);
		seen[r.type] = 1;
	}
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++)
		if (!seen[t])
			fail_msg("no sample of a %s record", smsaudit_record_type_name((smsaudit_record_type)t));

	write_samples(0);
	assert_int_equal(samples_found(), nkept());
	/* Nothing is found under another signature blob. */
	record_cache *c = NULL;
	assert_int_equal(record_cache_open(&c, repo_path, TRUST), 0);
	smsaudit_oid xml, sig, other;
	sample_oids(&xml, &sig, SAMPLE_EVIDENCE);
	sample_oids(&other, &other, SAMPLE_PERSON);
	smsaudit_record *got = (smsaudit_record *)(uintptr_t)1;
	char fp[65];
	time_t at;
	assert_int_equal(record_cache_get(c, &xml, &other, fp, &at, &got), 0);
	assert_null(got);
	assert_int_equal(record_cache_get(c, &xml, &sig, fp, &at, &got), 1);
	smsaudit_record_free(got);
	record_cache_free(c);
	/* Another trust-anchor set has a cache of its own. */
	assert_int_equal(record_cache_open(&c, repo_path, SAMPLE_HEX64B), 0);
	assert_int_equal(record_cache_get(c, &xml, &sig, fp, &at, &got), 0);
	record_cache_free(c);
}

/* The bytes a cache of the kept samples holds (all but the key-dependent
 * MAC), as written before record types became a table: a cache left by an
 * earlier build still loads. A change of the entry format must change
 * FORMAT in cache.c (so old caches are rebuilt, never misread) and this
 * digest. */
#define KEPT_SAMPLES_SHA256 "f113d151b735bafd354ca0c5fe1de7bb1aeec79ba50643f60b1fb6341cfe9d72"

static void test_file_format_unchanged(void **state)
{
	(void)state;
	write_samples(1);
	smsaudit_buf data = SMSAUDIT_BUF_INIT;
	read_file(&data);
	assert_true(data.size > 64);
	static const char header[] = "smsaudit-cache\n4\n";
	assert_memory_equal(data.ptr, header, sizeof(header) - 1);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	assert_int_equal(EVP_Digest(data.ptr, data.size - 64, md, &mdlen, EVP_sha256(), NULL), 1);
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	smsaudit_buf_dispose(&data);
	assert_string_equal(hex, KEPT_SAMPLES_SHA256);
}

/* ---- damage ---- */

static void test_torn_file_believed_in_nothing(void **state)
{
	(void)state;
	write_samples(0);
	smsaudit_buf good = SMSAUDIT_BUF_INIT;
	read_file(&good);
	/* Cut anywhere: at the end, in the MAC, mid-entry, in the header, nothing left. */
	size_t cuts[] = { good.size - 1, good.size - 64, good.size - 65, good.size / 2, 40, 10, 0 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_file(good.ptr, cuts[i]);
		if (samples_found() != 0)
			fail_msg("a cache cut to %zu of %zu bytes was believed", cuts[i], good.size);
	}
	/* The same bytes again: all back (the cache was not rejected for another reason). */
	write_file(good.ptr, good.size);
	assert_int_equal(samples_found(), nkept());
	smsaudit_buf_dispose(&good);
}

static void test_edited_file_believed_in_nothing(void **state)
{
	(void)state;
	write_samples(0);
	smsaudit_buf good = SMSAUDIT_BUF_INIT;
	read_file(&good);
	/* One letter of a title, one bit of the MAC, one of the header, one of a length. */
	size_t title = 0;
	while (title + 15 <= good.size && memcmp(good.ptr + title, "Change register", 15) != 0)
		title++;
	assert_true(title + 15 <= good.size);
	size_t at[] = { title, good.size - 1, 3, 17 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		good.ptr[at[i]] ^= 0x01;
		write_file(good.ptr, good.size);
		good.ptr[at[i]] ^= 0x01;
		if (samples_found() != 0)
			fail_msg("a cache with byte %zu of %zu changed was believed", at[i], good.size);
	}
	/* An entry appended by someone without the key. */
	write_file(good.ptr, good.size);
	assert_int_equal(samples_found(), nkept());
	smsaudit_buf more = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_buf_put(&more, good.ptr, good.size - 64), 0);
	assert_int_equal(smsaudit_buf_put(&more, good.ptr + 17, 48), 0);
	assert_int_equal(smsaudit_buf_put(&more, good.ptr + good.size - 64, 64), 0);
	write_file(more.ptr, more.size);
	assert_int_equal(samples_found(), 0);
	smsaudit_buf_dispose(&more);
	smsaudit_buf_dispose(&good);
}

static void test_other_users_cache_believed_in_nothing(void **state)
{
	(void)state;
	write_samples(0);
	/* The same file under another user's key (another configuration). */
	char mine[700], other[700];
	snprintf(mine, sizeof(mine), "%s", getenv("SMSAUDIT_CONFIG"));
	snprintf(other, sizeof(other), "%s/config-other", dir);
	setenv("SMSAUDIT_CONFIG", other, 1);
	int found = samples_found();
	setenv("SMSAUDIT_CONFIG", mine, 1);
	assert_int_equal(found, 0);
	assert_int_equal(samples_found(), nkept());
}

/* A writer killed mid-way leaves "<file>.<pid>.tmp" behind: the next writer
 * removes those of processes that are gone and leaves the others alone; a
 * writer that does not save leaves nothing. */
static void test_stale_temporary_files_go(void **state)
{
	(void)state;
	char dead[800], alive[800], other[800];
	/* beyond any pid_max: surely no such process */
	snprintf(dead, sizeof(dead), "%s.2147483646.tmp", cache_file);
	snprintf(alive, sizeof(alive), "%s.1.tmp", cache_file);       /* init: always there */
	snprintf(other, sizeof(other), "%s.2147483646.txt", cache_file); /* not ours */
	write_samples(1);
	const char *files[] = { dead, alive, other };
	for (int i = 0; i < 3; i++) {
		FILE *f = fopen(files[i], "w");
		assert_non_null(f);
		fputs("torn", f);
		fclose(f);
	}
	write_samples(1);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(alive, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	unlink(alive);
	unlink(other);
	/* opened, put into, freed without saving: no temporary file is left */
	record_cache *c = NULL;
	assert_int_equal(record_cache_open(&c, repo_path, TRUST), 0);
	smsaudit_record r;
	smsaudit_oid xml, sig;
	int i = 0;
	do
		sample_record(&r, i);
	while (!kept(r.type) && ++i < SAMPLE__COUNT);
	assert_true(i < SAMPLE__COUNT);
	sample_oids(&xml, &sig, i);
	memset(xml.id, 0x5a, sizeof(xml.id)); /* not in the cache yet */
	assert_int_equal(record_cache_put(c, &xml, &sig, SAMPLE_HEX64B, r.made_at, &r), 0);
	char mine[800];
	snprintf(mine, sizeof(mine), "%s.%ld.tmp", cache_file, (long)getpid());
	assert_int_equal(access(mine, F_OK), 0); /* being written */
	record_cache_free(c);
	assert_int_equal(access(mine, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_through_the_codec),
		cmocka_unit_test(test_torn_entry_refused),
		cmocka_unit_test(test_entry_of_no_complete_record_refused),
		cmocka_unit_test(test_every_kept_type_round_trips),
		cmocka_unit_test(test_file_format_unchanged),
		cmocka_unit_test(test_torn_file_believed_in_nothing),
		cmocka_unit_test(test_edited_file_believed_in_nothing),
		cmocka_unit_test(test_other_users_cache_believed_in_nothing),
		cmocka_unit_test(test_stale_temporary_files_go),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
