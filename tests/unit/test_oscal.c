/*
 * OSCAL exports through the public API: name-based UUIDs, and the catalog
 * document (schema validation with NIST's XSDs is in tests/cli/test_outputs.sh).
 */
#include "testutil.h"
#include "smsaudit/oscal.h"

static void test_uuid_v5(void **state)
{
	(void)state;
	char a[37], b[37], c[37];
	assert_int_equal(smsaudit_uuid_v5(a, "observation:ev-20270111-0123456789abcdef"), 0);
	assert_int_equal(smsaudit_uuid_v5(b, "observation:ev-20270111-0123456789abcdef"), 0);
	assert_int_equal(smsaudit_uuid_v5(c, "observation:ev-20270111-0123456789abcdee"), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* xxxxxxxx-xxxx-5xxx-[89ab]xxx-xxxxxxxxxxxx, lower case */
	assert_int_equal(strlen(a), 36);
	assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
	assert_int_equal(a[14], '5');
	assert_non_null(strchr("89ab", a[19]));
	for (const char *p = a; *p; p++)
		assert_non_null(strchr("0123456789abcdef-", *p));
}

static void test_catalog_document(void **state)
{
	(void)state;
	smsaudit_catalogue *cat = NULL;
	assert_int_equal(smsaudit_catalogue_load_default(&cat), 0);
	smsaudit_oscal_options o = SMSAUDIT_OSCAL_OPTIONS_INIT;
	o.now = date("2027-01-01");
	smsaudit_buf x = SMSAUDIT_BUF_INIT, y = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_oscal_catalog(&x, cat, &o), 0);
	assert_int_equal(smsaudit_oscal_catalog(&y, cat, &o), 0);
	assert_int_equal(x.size, y.size);
	assert_memory_equal(x.ptr, y.ptr, x.size);
	/* Well-formed, in the OSCAL namespace, one control per clause below 4-10. */
	xmlDocPtr doc = NULL;
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x.ptr, x.size, "catalog.xml"), 0);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "catalog");
	assert_string_equal((const char *)root->ns->href, "http://csrc.nist.gov/ns/oscal/1.0");
	size_t controls = 0;
	for (const char *p = x.ptr; (p = strstr(p, "<control ")); p++)
		controls++;
	size_t below = 0;
	for (size_t i = 0; i < smsaudit_catalogue_count(cat); i++)
		below += smsaudit_catalogue_at(cat, i)->depth > 1;
	assert_int_equal(controls, below);
	assert_non_null(strstr(x.ptr, "<last-modified>2027-01-01T00:00:00Z</last-modified>"));
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&x);
	smsaudit_buf_dispose(&y);
	assert_int_equal(smsaudit_oscal_catalog(&x, NULL, &o), SMSAUDIT_EINVALID);
	smsaudit_catalogue_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_v5),
		cmocka_unit_test(test_catalog_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
