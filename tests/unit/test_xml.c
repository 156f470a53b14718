/* Unit tests for the XML module: safe parsing, validation, canonical writing. */
#include <time.h>

#include <libxml/parser.h>
#include "testutil.h"

static void parse_ok(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	const char *x = "<?xml version=\"1.0\"?>\n<root a=\"1\"><child>text</child></root>\n";
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, strlen(x), "ok.xml"), 0);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	assert_true(smsaudit_xml_is(root, "root"));
	char *t = smsaudit_xml_text(smsaudit_xml_child(root, "child"));
	assert_string_equal(t, "text");
	free(t);
	xmlFreeDoc(doc);
}

static void malformed_names_file_and_line(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	const char *x = "<root>\n  <title>x</titel>\n</root>\n";
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, strlen(x), "bad.xml"), SMSAUDIT_EINVALID);
	assert_null(doc);
	assert_error_contains("bad.xml:2:");
	assert_error_contains("mismatch");
	assert_int_equal(smsaudit_error_last()->code, SMSAUDIT_EINVALID);
}

static void empty_and_garbage_refused(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	assert_int_equal(smsaudit_xml_parse_memory(&doc, "", 0, "empty.xml"), SMSAUDIT_EINVALID);
	assert_error_contains("empty.xml");
	assert_int_equal(smsaudit_xml_parse_memory(&doc, "\x01\x02garbage", 9, "bin.xml"), SMSAUDIT_EINVALID);
	assert_error_contains("bin.xml");
	assert_null(doc);
}

static void external_entity_never_expanded(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	const char *x = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	                "<r>&x;</r>\n";
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, strlen(x), "xxe.xml"), SMSAUDIT_EINVALID);
	assert_null(doc);
	assert_error_contains("xxe.xml:2:");
	assert_error_contains("DOCTYPE");
}

static void external_dtd_refused(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	const char *x = "<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/evil.dtd\"><r/>";
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, strlen(x), "dtd.xml"), SMSAUDIT_EINVALID);
	assert_error_contains("DOCTYPE");
}

static void entity_bomb_refused_fast(void **state)
{
	(void)state;
	char x[4096];
	size_t n = (size_t)snprintf(x, sizeof(x), "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	                            "<!ENTITY lol \"lol\">\n");
	for (int i = 1; i < 10; i++) {
		n += (size_t)snprintf(x + n, sizeof(x) - n, "<!ENTITY lol%d \"", i);
		for (int k = 0; k < 10; k++)
			n += (size_t)snprintf(x + n, sizeof(x) - n, "&lol%s;", i == 1 ? "" : (char[]){ (char)('0' + i - 1), 0 });
		n += (size_t)snprintf(x + n, sizeof(x) - n, "\">\n");
	}
	n += (size_t)snprintf(x + n, sizeof(x) - n, "]>\n<lolz>&lol9;</lolz>\n");
	xmlDocPtr doc = NULL;
	clock_t t0 = clock();
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, n, "bomb.xml"), SMSAUDIT_EINVALID);
	/* Refused at the DOCTYPE, long before any expansion: far under a second of
	 * CPU even under sanitizers (a generous bound, not a benchmark). */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_null(doc);
	assert_error_contains("DOCTYPE");
}

static void missing_file_is_environment_error(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	assert_int_equal(smsaudit_xml_parse_file(&doc, "/nonexistent/dir/x.xml"), SMSAUDIT_EIO);
	assert_error_contains("/nonexistent/dir/x.xml");
	assert_int_equal(smsaudit_xml_parse_file(&doc, "/tmp"), SMSAUDIT_EIO);
	assert_error_contains("directory");
}

static void parse_file_reports_line(void **state)
{
	(void)state;
	char *path = write_temp("<a>\n<b>\n<c>\n</b>\n</a>\n");
	xmlDocPtr doc = NULL;
	assert_int_equal(smsaudit_xml_parse_file(&doc, path), SMSAUDIT_EINVALID);
	char want[128];
	snprintf(want, sizeof(want), "%s:4:", path);
	assert_error_contains(want);
	unlink(path);
	free(path);
}

static const char test_xsd[] =
	"<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
	"  <xs:element name=\"r\">\n"
	"    <xs:complexType><xs:sequence>\n"
	"      <xs:element name=\"status\">\n"
	"        <xs:simpleType><xs:restriction base=\"xs:token\">\n"
	"          <xs:enumeration value=\"pass\"/><xs:enumeration value=\"fail\"/>\n"
	"        </xs:restriction></xs:simpleType>\n"
	"      </xs:element>\n"
	"    </xs:sequence></xs:complexType>\n"
	"  </xs:element>\n"
	"</xs:schema>\n";

static void schema_validation(void **state)
{
	(void)state;
	smsaudit_xml_schema *s = NULL;
	assert_int_equal(smsaudit_xml_schema_new(&s, test_xsd, strlen(test_xsd), "t.xsd"), 0);
	xmlDocPtr good = NULL, bad = NULL;
	const char *g = "<r><status>pass</status></r>";
	const char *b = "<r>\n\n<status>passed</status></r>";
	assert_int_equal(smsaudit_xml_parse_memory(&good, g, strlen(g), "good.xml"), 0);
	assert_int_equal(smsaudit_xml_parse_memory(&bad, b, strlen(b), "bad.xml"), 0);
	assert_int_equal(smsaudit_xml_schema_validate(s, good, "good.xml"), 0);
	assert_int_equal(smsaudit_xml_schema_validate(s, bad, "bad.xml"), SMSAUDIT_EINVALID);
	assert_error_contains("bad.xml:3:");
	assert_error_contains("passed");
	xmlFreeDoc(good);
	xmlFreeDoc(bad);
	smsaudit_xml_schema_free(s);
}

static void schema_loads_nothing_external(void **state)
{
	(void)state;
	char *inc = write_temp("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
	                       "<xs:element name=\"x\"/></xs:schema>");
	char xsd[512];
	snprintf(xsd, sizeof(xsd), "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
	         "<xs:include schemaLocation=\"file://%s\"/></xs:schema>", inc);
	smsaudit_xml_schema *s = NULL;
	int rc = smsaudit_xml_schema_new(&s, xsd, strlen(xsd), "inc.xsd");
	if (rc == 0) {
		/* If the schema compiled, the included element must not be there. */
		xmlDocPtr d = NULL;
		assert_int_equal(smsaudit_xml_parse_memory(&d, "<x/>", 4, "x.xml"), 0);
		assert_int_equal(smsaudit_xml_schema_validate(s, d, "x.xml"), SMSAUDIT_EINVALID);
		xmlFreeDoc(d);
		smsaudit_xml_schema_free(s);
	} else {
		assert_int_equal(rc, SMSAUDIT_EINVALID);
	}
	unlink(inc);
	free(inc);
}

static void builtin_schema_unknown(void **state)
{
	(void)state;
	smsaudit_xml_schema *s = NULL;
	assert_int_equal(smsaudit_xml_schema_builtin(&s, "nope.xsd"), SMSAUDIT_ENOTFOUND);
	assert_error_contains("nope.xsd");
	assert_int_equal(smsaudit_xml_schema_builtin(&s, "catalogue.xsd"), 0);
	smsaudit_xml_schema_free(s);
}

static xmlDocPtr build_doc(void)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"record");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, (const xmlChar *)"id", (const xmlChar *)"r-1");
	xmlNewProp(root, (const xmlChar *)"note", (const xmlChar *)"a \"q\" <&>\n\tz");
	xmlNewTextChild(root, NULL, (const xmlChar *)"title", (const xmlChar *)"Änderung & <Prüfung> İşlem\r\n");
	xmlNodePtr list = xmlNewChild(root, NULL, (const xmlChar *)"controls", NULL);
	xmlNewTextChild(list, NULL, (const xmlChar *)"control", (const xmlChar *)"8.5.1.2");
	xmlNewTextChild(list, NULL, (const xmlChar *)"control", (const xmlChar *)"8.6.1");
	xmlNewChild(root, NULL, (const xmlChar *)"empty", NULL);
	return doc;
}

static const char expected_canonical[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<record id=\"r-1\" note=\"a &quot;q&quot; &lt;&amp;&gt;&#10;&#9;z\">\n"
	"  <title>Änderung &amp; &lt;Prüfung&gt; İşlem&#13;\n</title>\n"
	"  <controls>\n"
	"    <control>8.5.1.2</control>\n"
	"    <control>8.6.1</control>\n"
	"  </controls>\n"
	"  <empty/>\n"
	"</record>\n";

static void canonical_exact_bytes(void **state)
{
	(void)state;
	xmlDocPtr doc = build_doc();
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_xml_write_canonical(&out, doc), 0);
	assert_string_equal(out.ptr, expected_canonical);
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&out);
}

static void canonical_round_trip_is_stable(void **state)
{
	(void)state;
	xmlDocPtr doc = build_doc();
	smsaudit_buf a = SMSAUDIT_BUF_INIT, b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_xml_write_canonical(&a, doc), 0);
	xmlDocPtr again = NULL;
	assert_int_equal(smsaudit_xml_parse_memory(&again, a.ptr, a.size, "a.xml"), 0);
	assert_int_equal(smsaudit_xml_write_canonical(&b, again), 0);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.ptr, b.ptr, a.size);
	/* Reformatting the input (indentation, attribute quotes) changes nothing. */
	const char *messy = "<record id='r-1' note=\"a &quot;q&quot; &lt;&amp;&gt;&#10;&#9;z\"><title>"
	                    "Änderung &amp; &lt;Prüfung&gt; İşlem&#13;\n</title>"
	                    "<controls>   <control>8.5.1.2</control>\n\n<control>8.6.1</control></controls>"
	                    "<empty>   </empty><!-- dropped --></record>";
	xmlDocPtr m = NULL;
	smsaudit_buf c = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_xml_parse_memory(&m, messy, strlen(messy), "messy.xml"), 0);
	assert_int_equal(smsaudit_xml_write_canonical(&c, m), 0);
	assert_string_equal(c.ptr, expected_canonical);
	xmlFreeDoc(m);
	xmlFreeDoc(doc);
	xmlFreeDoc(again);
	smsaudit_buf_dispose(&a);
	smsaudit_buf_dispose(&b);
	smsaudit_buf_dispose(&c);
}

static void canonical_rejects_bad_text(void **state)
{
	(void)state;
	static const char prior[] = "kept";
	struct { const char *text; const char *why; } cases[] = {
		{ "bell\x07", "U+0007" },
		{ "bad \xc3\x28 utf8", "UTF-8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
		xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"r");
		xmlDocSetRootElement(doc, root);
		xmlNodePtr t = xmlNewChild(root, NULL, (const xmlChar *)"title", NULL);
		xmlAddChild(t, xmlNewText((const xmlChar *)cases[i].text));
		smsaudit_buf out = SMSAUDIT_BUF_INIT;
		assert_int_equal(smsaudit_buf_put(&out, prior, strlen(prior)), 0);
		assert_int_equal(smsaudit_xml_write_canonical(&out, doc), SMSAUDIT_EINVALID);
		assert_error_contains(cases[i].why);
		assert_error_contains("<title>");
		/* Nothing half-written is left behind. */
		assert_string_equal(out.ptr, prior);
		smsaudit_buf_dispose(&out);
		xmlFreeDoc(doc);
	}
	/* Mixed content cannot be written canonically. */
	xmlDocPtr doc = NULL;
	const char *x = "<r>text<b/>more</r>";
	assert_int_equal(smsaudit_xml_parse_memory(&doc, x, strlen(x), "mixed.xml"), 0);
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_xml_write_canonical(&out, doc), SMSAUDIT_EINVALID);
	assert_error_contains("mixed");
	smsaudit_buf_dispose(&out);
	xmlFreeDoc(doc);
}

static void utf8_validation(void **state)
{
	(void)state;
	assert_true(smsaudit_utf8_valid("plain", 5));
	const char *ok = "ü€😀İ";
	assert_true(smsaudit_utf8_valid(ok, strlen(ok)));
	assert_false(smsaudit_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(smsaudit_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(smsaudit_utf8_valid("\xe2\x82", 2));         /* truncated */
	assert_false(smsaudit_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(smsaudit_utf8_valid("\xff", 1));
	assert_int_equal(smsaudit_utf8_width("ü€😀İ"), 4);
}

static void error_last_and_clear(void **state)
{
	(void)state;
	xmlDocPtr doc = NULL;
	smsaudit_error_clear();
	assert_null(smsaudit_error_last());
	assert_int_equal(smsaudit_xml_parse_memory(&doc, "<a>", 3, "t.xml"), SMSAUDIT_EINVALID);
	const smsaudit_error *e = smsaudit_error_last();
	assert_non_null(e);
	assert_int_equal(e->code, SMSAUDIT_EINVALID);
	assert_null(strchr(e->message, '\n'));
	smsaudit_error_clear();
	assert_null(smsaudit_error_last());
}

/* ---- documents read as a stream ---- */

static const char stream_xsd[] =
	"<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\" xmlns=\"urn:t\" "
	"elementFormDefault=\"qualified\"><xs:element name=\"list\"><xs:complexType><xs:sequence>"
	"<xs:element name=\"title\" type=\"xs:string\"/><xs:element name=\"item\" minOccurs=\"0\" maxOccurs=\"unbounded\">"
	"<xs:complexType><xs:attribute name=\"n\" type=\"xs:nonNegativeInteger\" use=\"required\"/>"
	"<xs:attribute name=\"name\" type=\"xs:string\" use=\"required\"/></xs:complexType></xs:element>"
	"</xs:sequence></xs:complexType></xs:element></xs:schema>";

/* A document made as it is read: a head, items until `size` bytes, the end. */
typedef struct {
	size_t size, made, items;
	int ended, fail_after;      /* fail_after: a read error once this many bytes are made (0: never) */
	char pending[256];
	size_t plen, poff;
	const char *head;
} gen_doc;

static long gen_read(char *buf, size_t len, void *u)
{
	gen_doc *g = u;
	size_t out = 0;
	while (out < len) {
		if (g->poff == g->plen) {
			if (g->fail_after && g->made >= (size_t)g->fail_after)
				return SMSAUDIT_EIO;
			if (!g->made)
				g->plen = (size_t)snprintf(g->pending, sizeof(g->pending), "%s", g->head);
			else if (g->made < g->size)
				g->plen = (size_t)snprintf(g->pending, sizeof(g->pending), "<item n=\"%zu\" name=\"x&lt;%zu\"/>\n",
				                           g->items, g->items), g->items++;
			else if (!g->ended)
				g->plen = (size_t)snprintf(g->pending, sizeof(g->pending), "</list>\n"), g->ended = 1;
			else
				break;
			g->poff = 0;
			g->made += g->plen;
		}
		size_t n = g->plen - g->poff < len - out ? g->plen - g->poff : len - out;
		memcpy(buf + out, g->pending + g->poff, n);
		g->poff += n;
		out += n;
	}
	return (long)out;
}

typedef struct {
	size_t items, stop_at;
	int bad;
	char title[64];
} seen_doc;

static int seen_event(const smsaudit_xml_event *e, void *u)
{
	seen_doc *s = u;
	if (e->text && e->depth == 1 && strcmp(e->name, "title") == 0)
		snprintf(s->title, sizeof(s->title), "%s", e->text);
	if (!e->text && e->depth == 1 && strcmp(e->name, "item") == 0) {
		char n[32], name[40];
		snprintf(n, sizeof(n), "%zu", s->items);
		snprintf(name, sizeof(name), "x<%zu", s->items);
		if (e->nattrs != 2 || strcmp(e->attrs[0], "n") != 0 || strcmp(e->attrs[1], n) != 0 ||
		    strcmp(e->attrs[3], name) != 0)
			s->bad = 1;
		if (++s->items == s->stop_at)
			return SMSAUDIT_ENOTFOUND;
	}
	return 0;
}

static long peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

static void stream_large_document(void **state)
{
	(void)state;
	smsaudit_xml_schema *schema = NULL;
	assert_int_equal(smsaudit_xml_schema_new(&schema, stream_xsd, strlen(stream_xsd), "t.xsd"), 0);
	/* Larger than any document the tree parser accepts (64 MiB), read in
	 * bounded memory: a tree of it would take hundreds of MB. */
	gen_doc g = { .size = 66u << 20, .head = "<?xml version=\"1.0\"?>\n<list xmlns=\"urn:t\"><title>A &amp; B</title>\n" };
	seen_doc s = { 0, 0, 0, "" };
	long before = peak_kib();
	assert_int_equal(smsaudit_xml_stream(gen_read, &g, "big.xml", schema, seen_event, &s), 0);
	long grew = peak_kib() - before;
	assert_int_equal(s.items, g.items);
	assert_true(s.items > 1000000);
	assert_false(s.bad);
	assert_string_equal(s.title, "A & B");
#if !defined(__SANITIZE_ADDRESS__)
	assert_true(grew < 32 * 1024);
#else
	(void)grew;
#endif
	/* The callback's error stops the parse and is returned. */
	gen_doc g2 = { .size = 4096, .head = g.head };
	seen_doc s2 = { 0, 3, 0, "" };
	assert_int_equal(smsaudit_xml_stream(gen_read, &g2, "stop.xml", schema, seen_event, &s2), SMSAUDIT_ENOTFOUND);
	assert_int_equal(s2.items, 3);
	/* So does the reader's. */
	gen_doc g3 = { .size = 1u << 20, .fail_after = 300000, .head = g.head };
	seen_doc s3 = { 0, 0, 0, "" };
	assert_int_equal(smsaudit_xml_stream(gen_read, &g3, "cut.xml", schema, seen_event, &s3), SMSAUDIT_EIO);
	smsaudit_xml_schema_free(schema);
}

typedef struct {
	const char *doc;
	size_t off;
} mem_doc;

static long mem_read(char *buf, size_t len, void *u)
{
	mem_doc *m = u;
	size_t left = strlen(m->doc) - m->off, n = left < len ? left : len;
	memcpy(buf, m->doc + m->off, n);
	m->off += n;
	return (long)n;
}

static int stream_of(const char *doc, smsaudit_xml_schema *schema, seen_doc *s)
{
	mem_doc m = { doc, 0 };
	memset(s, 0, sizeof(*s));
	return smsaudit_xml_stream(mem_read, &m, "doc.xml", schema, seen_event, s);
}

static void stream_refusals(void **state)
{
	(void)state;
	smsaudit_xml_schema *schema = NULL;
	assert_int_equal(smsaudit_xml_schema_new(&schema, stream_xsd, strlen(stream_xsd), "t.xsd"), 0);
	seen_doc s;
	assert_int_equal(stream_of("<list xmlns=\"urn:t\"><title>t</title><item n=\"0\" name=\"x&lt;0\"/></list>", schema, &s), 0);
	assert_int_equal(s.items, 1);
	/* A DOCTYPE is refused, entities and all. */
	assert_int_equal(stream_of("<!DOCTYPE list [<!ENTITY a \"aaaa\">]><list xmlns=\"urn:t\"><title>&a;</title></list>",
	                           schema, &s), SMSAUDIT_EINVALID);
	assert_error_contains("document type declarations (DOCTYPE, entities) are not allowed");
	assert_string_equal(s.title, "");
	/* Not valid: an item without its name, named with its line. */
	assert_int_equal(stream_of("<list xmlns=\"urn:t\"><title>t</title>\n<item n=\"0\"/></list>", schema, &s),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("doc.xml:2:");
	/* Not well-formed, not a document at all. */
	assert_int_equal(stream_of("<list xmlns=\"urn:t\"><title>t</title>", schema, &s), SMSAUDIT_EINVALID);
	assert_int_equal(stream_of("", NULL, &s), SMSAUDIT_EINVALID);
	assert_int_equal(stream_of("<list xmlns=\"urn:t\"><title>t</title><item n=\"0\" name=\"x&lt;0\"/></list>", NULL, &s), 0);
	smsaudit_xml_schema_free(schema);
}

static void escape_as_canonical(void **state)
{
	(void)state;
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_xml_escape(&b, "a&b<c>\"d\"\n\t\r", 1, "e"), 0);
	assert_string_equal(b.ptr, "a&amp;b&lt;c&gt;&quot;d&quot;&#10;&#9;&#13;");
	b.size = 0;
	assert_int_equal(smsaudit_xml_escape(&b, "a&b<c>\"d\"\n", 0, "e"), 0);
	assert_string_equal(b.ptr, "a&amp;b&lt;c&gt;\"d\"\n");
	assert_int_equal(smsaudit_xml_escape(&b, "bad \xff", 0, "e"), SMSAUDIT_EINVALID);
	assert_error_contains("not valid UTF-8");
	assert_int_equal(smsaudit_xml_escape(&b, "bell \x07", 0, "e"), SMSAUDIT_EINVALID);
	smsaudit_buf_dispose(&b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ok),
		cmocka_unit_test(malformed_names_file_and_line),
		cmocka_unit_test(empty_and_garbage_refused),
		cmocka_unit_test(external_entity_never_expanded),
		cmocka_unit_test(external_dtd_refused),
		cmocka_unit_test(entity_bomb_refused_fast),
		cmocka_unit_test(missing_file_is_environment_error),
		cmocka_unit_test(parse_file_reports_line),
		cmocka_unit_test(schema_validation),
		cmocka_unit_test(schema_loads_nothing_external),
		cmocka_unit_test(builtin_schema_unknown),
		cmocka_unit_test(canonical_exact_bytes),
		cmocka_unit_test(canonical_round_trip_is_stable),
		cmocka_unit_test(canonical_rejects_bad_text),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(error_last_and_clear),
		cmocka_unit_test(stream_large_document),
		cmocka_unit_test(stream_refusals),
		cmocka_unit_test(escape_as_canonical),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
