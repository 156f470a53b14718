/* Helpers shared by the unit tests. */
#ifndef SMSAUDIT_TESTUTIL_H
#define SMSAUDIT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "smsaudit/smsaudit.h"

/* Assert the last error's message contains `needle`. */
#define assert_error_contains(needle) do { \
	const smsaudit_error *e_ = smsaudit_error_last(); \
	assert_non_null(e_); \
	if (!strstr(e_->message, (needle))) \
		fail_msg("error message \"%s\" does not contain \"%s\"", e_->message, (needle)); \
} while (0)

/* A copy of `s` with the first occurrence of `from` replaced by `to`; the test
 * fails if `from` is not there (so a fixture can never silently stop testing). */
static inline char *replace_once(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	if (!at)
		fail_msg("fixture text not found: %s", from);
	size_t n = strlen(s), nf = strlen(from), nt = strlen(to);
	char *r = malloc(n - nf + nt + 1);
	assert_non_null(r);
	memcpy(r, s, (size_t)(at - s));
	memcpy(r + (at - s), to, nt);
	memcpy(r + (at - s) + nt, at + nf, n - (size_t)(at - s) - nf + 1);
	return r;
}

/* Write `data` to a new temporary file; returns its path (free it, unlink it). */
static inline char *write_temp(const char *data)
{
	char *path = strdup("/tmp/smsaudit-test-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(data);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* A test's own temporary folder (a mkdtemp template) and, in it, the user
 * configuration (pins, cache key) the library reads: nothing of the machine's
 * own is touched. 0, or -1 if the folder cannot be made. */
static inline int test_dir_setup(char *dir)
{
	if (!mkdtemp(dir))
		return -1;
	char cfg[700];
	snprintf(cfg, sizeof(cfg), "%.600s/config", dir);
	return setenv("SMSAUDIT_CONFIG", cfg, 1) == 0 ? 0 : -1;
}

/* A date (YYYY-MM-DD) the test relies on. */
static inline time_t date(const char *s)
{
	time_t t;
	assert_int_equal(smsaudit_date_parse(&t, s), 0);
	return t;
}

static inline void expect_date(time_t got, const char *want)
{
	char d[11];
	smsaudit_date_format(d, got);
	if (strcmp(d, want) != 0)
		fail_msg("date %s, expected %s", d, want);
}

/* A new repository in `dir`/ev.git (keys in `dir`/keys) with Ada Quinn as its
 * quality manager, at the clock SMSAUDIT_NOW says. */
/* The organisation's CA key of the last store test_store_new made ("" if none). */
static char test_ca_key_path[512];

/* A new repository in dir/ev.git with Ada as its quality manager; `site`
 * (may be NULL) is the SMS's one site. */
static inline void test_store_new_sited(const char *dir, const char *org, const smsaudit_catalogue *cat,
                                        smsaudit_store **store, smsaudit_identity **ada, const char *site)
{
	char repo[600], keys[600];
	snprintf(repo, sizeof(repo), "%s/ev.git", dir);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	smsaudit_init_options o = SMSAUDIT_INIT_OPTIONS_INIT;
	o.path = repo;
	o.organisation = org;
	o.scope = "Testing";
	o.name = "Ada Quinn";
	o.email = "ada@example.org";
	o.keys_dir = keys;
	o.catalogue = cat;
	const char *sites[] = { site };
	if (site) {
		o.sites = sites;
		o.nsites = 1;
	}
	smsaudit_init_result res;
	if (smsaudit_store_init(store, &o, &res) < 0)
		fail_msg("init: %s", smsaudit_error_last()->message);
	snprintf(test_ca_key_path, sizeof(test_ca_key_path), "%s", res.ca_key_path);
	assert_int_equal(smsaudit_identity_load(ada, *store, res.person_key_path, NULL), 0);
}

static inline void test_store_new(const char *dir, const char *org, const smsaudit_catalogue *cat,
                                  smsaudit_store **store, smsaudit_identity **ada)
{
	test_store_new_sited(dir, org, cat, store, ada, NULL);
}

/* Grant `email` the `roles`, with a key made here and a certificate from the
 * CA of the store test_store_new made; signed by `qm`. */
static inline void test_grant(smsaudit_store *store, smsaudit_identity *qm, const char *dir, const char *name,
                              const char *email, unsigned roles)
{
	smsaudit_key *ca_key = NULL, *key = NULL;
	smsaudit_cert *cert = NULL;
	char key_path[700], id[SMSAUDIT_ID_MAX];
	snprintf(key_path, sizeof(key_path), "%s/%s.key", dir, email);
	assert_int_equal(smsaudit_key_load(&ca_key, test_ca_key_path, NULL), 0);
	assert_int_equal(smsaudit_key_generate(&key), 0);
	assert_int_equal(smsaudit_key_save(key, key_path, NULL), 0);
	assert_int_equal(smsaudit_cert_issue(&cert, smsaudit_store_ca(store), ca_key, key, name, email,
	                                     smsaudit_now() - 60, 365), 0);
	if (smsaudit_store_add_person(id, store, qm, cert, NULL, name, email, roles, 0) < 0)
		fail_msg("grant %s: %s", email, smsaudit_error_last()->message);
	smsaudit_cert_free(cert);
	smsaudit_key_free(key);
	smsaudit_key_free(ca_key);
}

/* A finding raised by `who` against one clause (fails the test if refused). */
static inline void test_raise_finding(smsaudit_store *store, smsaudit_identity *who, smsaudit_finding_source source,
                                      const char *audit, const char *grade, const char *clause,
                                      const char *statement)
{
	const char *clauses[] = { clause };
	smsaudit_finding_input in;
	memset(&in, 0, sizeof(in));
	in.source = source;
	in.grade = grade;
	in.audit = audit;
	in.clauses = clauses;
	in.nclauses = 1;
	in.statement = statement;
	char id[SMSAUDIT_ID_MAX];
	if (smsaudit_store_raise(id, NULL, store, who, &in) < 0)
		fail_msg("raise: %s", smsaudit_error_last()->message);
}

#endif
