/* Unit tests for the catalogue loader: the shipped catalogue, and each kind of
 * broken catalogue or overlay. */
#include <libxml/parser.h>
#include <openssl/evp.h>
#include "testutil.h"

static smsaudit_catalogue *load_default(void)
{
	smsaudit_catalogue *cat = NULL;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	assert_non_null(cat);
	return cat;
}

static void shipped_catalogue_shape(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = load_default();
	size_t n = smsaudit_catalogue_count(cat);
	assert_int_equal(n, 77);
	int per_depth[5] = { 0 }, assessable = 0;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
		assert_true(c->depth >= 1 && c->depth <= 4);
		per_depth[c->depth]++;
		if (c->assessable) {
			assessable++;
			assert_true(c->nexpected >= 1);
			assert_int_equal(c->nchildren, 0);
		} else {
			assert_int_equal(c->nexpected, 0);
		}
		assert_true(strlen(c->title) > 0);
		assert_true(strlen(c->summary) > 20);
		/* Parents come first, so listing in order gives a proper tree. */
		if (c->parent)
			assert_true(c->parent < c);
	}
	assert_int_equal(per_depth[1], 7);
	assert_int_equal(per_depth[2], 29);
	assert_int_equal(per_depth[3], 30);
	assert_int_equal(per_depth[4], 11);
	assert_int_equal(assessable, 57);
	assert_null(smsaudit_catalogue_at(cat, n));
	smsaudit_catalogue_free(cat);
}

/* Clauses whose documented information the standard requires explicitly
 * (facts note section 2, "Explicit" rows). Each must carry an explicit item. */
static const char *const explicit_clauses[] = {
	"4.3", "4.4", "5.2.1", "6.1", "6.2.1", "6.3", "7.2", "7.5.4", "8.1", "8.2.2", "8.2.4",
	"8.2.6", "8.3.2", "8.3.3", "8.3.4.1", "8.3.4.2", "8.5.1.1", "8.5.1.2", "8.5.2.2",
	"8.6.1", "8.6.2", "8.6.3", "8.7.1", "8.7.2", "8.7.3.1", "8.7.3.2", "8.7.3.3", "9.1",
	"9.2", "9.3", "10.1", "10.2"
};

static void explicit_documented_information_marked(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = load_default();
	for (size_t i = 0; i < sizeof(explicit_clauses) / sizeof(explicit_clauses[0]); i++) {
		const smsaudit_clause *c = NULL;
		assert_int_equal(smsaudit_catalogue_find(&c, cat, explicit_clauses[i]), 0);
		int found = 0;
		for (size_t k = 0; k < c->nexpected; k++)
			found |= c->expected[k].is_explicit;
		if (!found)
			fail_msg("clause %s has no explicitly required evidence item", c->id);
	}
	/* Spot checks of kind, stage and freshness. */
	const smsaudit_clause *c = NULL;
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "4.3"), 0);
	assert_int_equal(c->expected[0].kind, SMSAUDIT_KIND_SCOPE);
	assert_int_equal(c->expected[0].stage, SMSAUDIT_STAGE_1);
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "8.6.1"), 0);
	assert_int_equal(c->expected[0].kind, SMSAUDIT_KIND_RECORD);
	assert_int_equal(c->expected[0].stage, SMSAUDIT_STAGE_2);
	assert_int_equal(c->expected[0].fresh_months, 12);
	assert_string_equal(c->expected[1].id, "8.6.1-b");
	assert_int_equal(c->expected[1].kind, SMSAUDIT_KIND_PROCEDURE);
	smsaudit_catalogue_free(cat);
}

static void tree_and_lookup(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = load_default();
	const smsaudit_clause *c = NULL;
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "8.5.1.2"), 0);
	assert_string_equal(c->title, "Change management initiation");
	assert_int_equal(c->depth, 4);
	assert_string_equal(c->parent->id, "8.5.1");
	assert_string_equal(c->parent->parent->id, "8.5");
	assert_string_equal(c->parent->parent->parent->id, "8");
	assert_null(c->parent->parent->parent->parent);
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "8"), 0);
	assert_int_equal(c->nchildren, 7);
	assert_string_equal(c->children[0]->id, "8.1");
	assert_string_equal(c->children[6]->id, "8.7");
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "10.2"), 0);
	assert_string_equal(c->title, "Continual improvement");

	assert_int_equal(smsaudit_catalogue_find(&c, cat, "8.9"), SMSAUDIT_ENOTFOUND);
	assert_null(c);
	assert_error_contains("'8.9'");
	assert_error_contains("8.1 to 8.7");
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "11"), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_catalogue_find(&c, cat, ""), SMSAUDIT_ENOTFOUND);
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "A.5.1"), SMSAUDIT_ENOTFOUND);
	smsaudit_catalogue_free(cat);
}

static void metadata_and_mappings(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = load_default();
	const smsaudit_catalogue_info *in = smsaudit_catalogue_info_get(cat);
	assert_string_equal(in->id, "iso20000-1-2018");
	assert_string_equal(in->standard, "ISO/IEC 20000-1");
	assert_string_equal(in->edition, "2018");
	assert_int_equal(in->namendments, 1);
	assert_non_null(strstr(in->amendments[0], "Amd 1:2024"));
	assert_non_null(strstr(in->amendments[0], "4.1 4.2"));
	assert_non_null(strstr(in->copyright, "not included"));
	assert_int_equal(in->nmapped, 3);

	/* The pinned digest is the SHA-256 of exactly the bytes loaded. */
	size_t len = 0;
	const char *bytes = smsaudit_catalogue_bytes(cat, &len);
	unsigned char md[32];
	unsigned int mdlen = 0;
	assert_true(EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL));
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(in->sha256, hex);

	const smsaudit_clause *c = NULL;
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "10.1"), 0);
	int seen9001 = 0;
	for (size_t i = 0; i < c->nmappings; i++)
		if (strcmp(c->mappings[i].standard, "iso9001-2015") == 0) {
			assert_string_equal(c->mappings[i].clause, "10.2");
			assert_string_equal(c->mappings[i].relation, "equivalent");
			seen9001 = 1;
		}
	assert_true(seen9001);
	assert_int_equal(smsaudit_catalogue_find(&c, cat, "7.6"), 0);
	assert_string_equal(c->mappings[0].clause, "7.1.6");
	smsaudit_catalogue_free(cat);
}

static void kind_names(void **state)
{
	(void)state;
	smsaudit_evidence_kind k;
	assert_int_equal(smsaudit_evidence_kind_parse(&k, "agreement"), 0);
	assert_int_equal(k, SMSAUDIT_KIND_AGREEMENT);
	assert_string_equal(smsaudit_evidence_kind_name(SMSAUDIT_KIND_REPORT), "report");
	assert_int_equal(smsaudit_evidence_kind_parse(&k, "memo"), SMSAUDIT_EINVALID);
	assert_error_contains("'memo'");
}

/* Load the shipped catalogue with one edit and expect `needle` in the error. */
static void expect_broken(const char *from, const char *to, const char *needle)
{
	size_t len = 0;
	smsaudit_catalogue *good = load_default();
	const char *bytes = smsaudit_catalogue_bytes(good, &len);
	char *src = strndup(bytes, len);
	smsaudit_catalogue_free(good);
	char *bad = replace_once(src, from, to);
	smsaudit_catalogue *cat = NULL;
	int rc = smsaudit_catalogue_load_memory(&cat, bad, strlen(bad), "broken.xml");
	if (rc != SMSAUDIT_EINVALID)
		fail_msg("edit '%s' -> '%s' gave rc %d, expected EINVALID", from, to, rc);
	assert_null(cat);
	assert_error_contains("broken.xml:");
	assert_error_contains(needle);
	free(src);
	free(bad);
}

static void broken_duplicate_id(void **state)
{
	(void)state;
	expect_broken("<clause id=\"4.2\" parent=\"4\"", "<clause id=\"4.1\" parent=\"4\"",
	              "duplicate clause id '4.1' (first defined at line");
}

static void broken_dangling_parent(void **state)
{
	(void)state;
	expect_broken("<clause id=\"8.5.1\" parent=\"8.5\"", "<clause id=\"8.5.9\" parent=\"8.5\"",
	              "names parent '8.5.1', which is not defined before it");
}

static void broken_parent_mismatch(void **state)
{
	(void)state;
	expect_broken("id=\"4.2\" parent=\"4\"", "id=\"4.2\" parent=\"5\"",
	              "names parent '5' but its id implies '4'");
}

static void broken_depth(void **state)
{
	(void)state;
	expect_broken("id=\"4.2\" parent=\"4\" depth=\"2\"", "id=\"4.2\" parent=\"4\" depth=\"3\"",
	              "has depth 3 but its id has 2 levels");
}

static void broken_missing_parent(void **state)
{
	(void)state;
	expect_broken("id=\"4.2\" parent=\"4\" depth", "id=\"4.2\" depth", "has no parent (expected '4')");
}

static void broken_assessable_without_evidence(void **state)
{
	(void)state;
	expect_broken("id=\"5.2\" parent=\"5\" depth=\"2\" assessable=\"false\"",
	              "id=\"5.2\" parent=\"5\" depth=\"2\" assessable=\"true\"",
	              "assessable clause '5.2' lists no expected evidence");
}

static void broken_evidence_on_unassessable(void **state)
{
	(void)state;
	expect_broken("id=\"4.1\" parent=\"4\" depth=\"2\" assessable=\"true\"",
	              "id=\"4.1\" parent=\"4\" depth=\"2\" assessable=\"false\"",
	              "'4.1' is not assessable but lists expected evidence");
}

static void broken_evidence_id_prefix(void **state)
{
	(void)state;
	expect_broken("<expect id=\"4.2-a\"", "<expect id=\"4.3-a\"",
	              "evidence item '4.3-a' does not belong to clause '4.2'");
}

static void broken_unknown_mapped_standard(void **state)
{
	(void)state;
	expect_broken("<map standard=\"iso9001-2015\" clause=\"4.1\"", "<map standard=\"iso9999-2030\" clause=\"4.1\"",
	              "maps to standard 'iso9999-2030'");
}

static void broken_schema_kind(void **state)
{
	(void)state;
	expect_broken("<expect id=\"4.3-a\" kind=\"scope\"", "<expect id=\"4.3-a\" kind=\"memo\"", "memo");
}

static void broken_schema_missing_title(void **state)
{
	(void)state;
	expect_broken("<title>Leadership</title>", "", "summary");
}

static void broken_malformed(void **state)
{
	(void)state;
	expect_broken("<title>Planning</title>", "<title>Planning</titel>", "mismatch");
}

static void broken_external_entity(void **state)
{
	(void)state;
	expect_broken("<catalogue xmlns", "<!DOCTYPE catalogue [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<catalogue xmlns",
	              "DOCTYPE");
}

static void broken_amendment_clause(void **state)
{
	(void)state;
	expect_broken("clauses=\"4.1 4.2\"", "clauses=\"4.1 4.9\"", "amendment names unknown clause '4.9'");
}

static void broken_leaf_not_assessable(void **state)
{
	(void)state;
	/* 8.3.4's children removed by renaming them under a new, assessable parent
	 * would be elaborate; instead make a new leaf that is not assessable. */
	expect_broken("  <clause id=\"5.3\"",
	              "  <clause id=\"5.4\" parent=\"5\" depth=\"2\" assessable=\"false\"><title>X</title>"
	              "<summary>Y</summary></clause>\n  <clause id=\"5.3\"",
	              "clause '5.4' has no sub-clauses and is not assessable");
}

static void wrong_root_and_missing_file(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = NULL;
	const char *x = "<other/>";
	assert_int_equal(smsaudit_catalogue_load_memory(&cat, x, strlen(x), "o.xml"), SMSAUDIT_EINVALID);
	assert_error_contains("not an smsaudit catalogue");
	assert_int_equal(smsaudit_catalogue_load_file(&cat, "/nonexistent/cat.xml"), SMSAUDIT_EIO);
	assert_error_contains("/nonexistent/cat.xml");
}

static const char overlay_ok[] =
	"<?xml version=\"1.0\"?>\n"
	"<overlay xmlns=\"urn:smsaudit:catalogue:1\" catalogue=\"iso20000-1-2018\" title=\"Licensed text\">\n"
	"  <clause-text ref=\"4.1\">Licensed wording of 4.1.</clause-text>\n"
	"  <clause-text ref=\"8.5.1.2\">Licensed wording of 8.5.1.2.</clause-text>\n"
	"</overlay>\n";

static void overlay_loads(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = load_default();
	char *path = write_temp(overlay_ok);
	smsaudit_overlay *ov = NULL;
	assert_int_equal(smsaudit_overlay_load_file(&ov, cat, path), 0);
	assert_int_equal(smsaudit_overlay_count(ov), 2);
	assert_string_equal(smsaudit_overlay_text(ov, "8.5.1.2"), "Licensed wording of 8.5.1.2.");
	assert_null(smsaudit_overlay_text(ov, "4.2"));
	int kind = 0;
	assert_int_equal(smsaudit_catalogue_sniff_file(&kind, path), 0);
	assert_int_equal(kind, 2);
	/* An overlay is not a catalogue. */
	smsaudit_catalogue *not_cat = NULL;
	assert_int_equal(smsaudit_catalogue_load_file(&not_cat, path), SMSAUDIT_EINVALID);
	assert_error_contains("overlay, not a catalogue");
	smsaudit_overlay_free(ov);
	smsaudit_catalogue_free(cat);
	unlink(path);
	free(path);
}

static void expect_bad_overlay(const char *from, const char *to, const char *needle)
{
	smsaudit_catalogue *cat = load_default();
	char *text = replace_once(overlay_ok, from, to);
	char *path = write_temp(text);
	smsaudit_overlay *ov = NULL;
	assert_int_equal(smsaudit_overlay_load_file(&ov, cat, path), SMSAUDIT_EINVALID);
	assert_null(ov);
	assert_error_contains(needle);
	smsaudit_catalogue_free(cat);
	unlink(path);
	free(path);
	free(text);
}

static void overlay_errors(void **state)
{
	(void)state;
	expect_bad_overlay("ref=\"8.5.1.2\"", "ref=\"8.5.1.9\"", ":4: clause-text refers to unknown clause '8.5.1.9'");
	expect_bad_overlay("ref=\"8.5.1.2\"", "ref=\"4.1\"", ":4: clause '4.1' has text twice");
	expect_bad_overlay("catalogue=\"iso20000-1-2018\"", "catalogue=\"iso27001-2022\"",
	                   "overlay is for catalogue 'iso27001-2022'");
	expect_bad_overlay("Licensed wording of 4.1.", "   ", ":3:");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_catalogue_shape),
		cmocka_unit_test(explicit_documented_information_marked),
		cmocka_unit_test(tree_and_lookup),
		cmocka_unit_test(metadata_and_mappings),
		cmocka_unit_test(kind_names),
		cmocka_unit_test(broken_duplicate_id),
		cmocka_unit_test(broken_dangling_parent),
		cmocka_unit_test(broken_parent_mismatch),
		cmocka_unit_test(broken_depth),
		cmocka_unit_test(broken_missing_parent),
		cmocka_unit_test(broken_assessable_without_evidence),
		cmocka_unit_test(broken_evidence_on_unassessable),
		cmocka_unit_test(broken_evidence_id_prefix),
		cmocka_unit_test(broken_unknown_mapped_standard),
		cmocka_unit_test(broken_schema_kind),
		cmocka_unit_test(broken_schema_missing_title),
		cmocka_unit_test(broken_malformed),
		cmocka_unit_test(broken_external_entity),
		cmocka_unit_test(broken_amendment_clause),
		cmocka_unit_test(broken_leaf_not_assessable),
		cmocka_unit_test(wrong_root_and_missing_file),
		cmocka_unit_test(overlay_loads),
		cmocka_unit_test(overlay_errors),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
