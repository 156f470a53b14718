/*
 * The XML module: safe parsing, schema validation without external loads, and
 * canonical writing. Every other module goes through here; nobody else calls a
 * libxml2 parse function, so the safety rules are enforced in one place.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "internal.h"

/* Documents we read are small (catalogue, records, manifests); anything larger
 * than this is refused before it reaches the parser. */
#define XML_MAX_BYTES (64u * 1024u * 1024u)

/* Parse options: no network, big line numbers for messages, and nothing else:
 * never NOENT, DTDLOAD, DTDATTR or HUGE on input. */
#define SAFE_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | \
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Nothing outside the document itself is ever loaded: not DTDs, not entities,
 * not schemas named by xs:include or xs:import. */
static xmlParserInputPtr refuse_external(const char *url, const char *id,
                                         xmlParserCtxtPtr ctxt)
{
	(void)id;
	(void)ctxt;
	(void)url;
	return NULL;
}

static void init_libxml(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_external);
}

static void xml_init(void)
{
	pthread_once(&init_once, init_libxml);
}

/* First error reported by libxml2 during one operation. */
typedef struct {
	const char *name;
	int have;
	int line;
	char message[512];
	int stopped_doctype;
} capture_state;

static void capture_error(void *ctx, xmlErrorPtr e)
{
	capture_state *st = ctx;
	if (!st || st->have || !e || e->level == XML_ERR_WARNING)
		return;
	st->have = 1;
	st->line = e->line;
	const char *m = e->message ? e->message : "unknown XML error";
	size_t n = strlen(m);
	while (n > 0 && isspace((unsigned char)m[n - 1]))
		n--;
	if (n >= sizeof(st->message))
		n = sizeof(st->message) - 1;
	memcpy(st->message, m, n);
	st->message[n] = '\0';
}

/* A DOCTYPE is where entities (external ones, and expansion bombs) live. Our
 * formats never need one, so the parser stops the moment it sees one. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext,
                           const xmlChar *sys)
{
	(void)name;
	(void)ext;
	(void)sys;
	xmlParserCtxtPtr ctxt = ctx;
	capture_state *st = ctxt->_private;
	if (st && !st->have) {
		st->have = 1;
		st->stopped_doctype = 1;
		st->line = ctxt->input ? ctxt->input->line : 0;
		snprintf(st->message, sizeof(st->message),
		         "document type declarations (DOCTYPE, entities) are not allowed");
	}
	xmlStopParser(ctxt);
}

int smsaudit_xml_parse_memory(xmlDocPtr *out, const char *data, size_t len,
                              const char *name)
{
	*out = NULL;
	xml_init();
	if (!name)
		name = "(memory)";
	if (len > XML_MAX_BYTES)
		return error_set(SMSAUDIT_EINVALID, "%s: document too large (%zu bytes)", name, len);
	if (len > 0x7fffffff)
		return error_set(SMSAUDIT_EINVALID, "%s: document too large", name);

	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return error_oom();
	capture_state st = { .name = name };
	ctxt->_private = &st;
	ctxt->sax->internalSubset = refuse_doctype;
	xmlSetStructuredErrorFunc(&st, capture_error);

	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL, SAFE_PARSE_OPTIONS);
	int well_formed = ctxt->wellFormed;

	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlFreeParserCtxt(ctxt);

	if (!doc || !well_formed || st.have) {
		if (doc)
			xmlFreeDoc(doc);
		if (st.have)
			return error_set(SMSAUDIT_EINVALID, "%s:%d: %s", name, st.line, st.message);
		return error_set(SMSAUDIT_EINVALID, "%s: not a well-formed XML document", name);
	}
	if (!xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		return error_set(SMSAUDIT_EINVALID, "%s: document has no root element", name);
	}
	*out = doc;
	return 0;
}

int smsaudit_xml_parse_file(xmlDocPtr *out, const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	*out = NULL;
	int rc = file_read_all(&b, path, XML_MAX_BYTES);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(out, b.ptr, b.size, path);
	smsaudit_buf_dispose(&b);
	return rc;
}

struct smsaudit_xml_schema {
	xmlSchemaPtr schema;
};

int smsaudit_xml_schema_new(smsaudit_xml_schema **out, const char *xsd, size_t len,
                            const char *name)
{
	*out = NULL;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, xsd, len, name);
	if (rc < 0)
		return rc;

	capture_state st = { .name = name };
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewDocParserCtxt(doc);
	if (!pc) {
		xmlFreeDoc(doc);
		return error_oom();
	}
	xmlSchemaSetParserStructuredErrors(pc, capture_error, &st);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	xmlFreeDoc(doc);
	if (!schema) {
		if (st.have)
			return error_set(SMSAUDIT_EINVALID, "%s:%d: %s", name, st.line, st.message);
		return error_set(SMSAUDIT_EINVALID, "%s: not a usable XML schema", name);
	}
	smsaudit_xml_schema *s = calloc(1, sizeof(*s));
	if (!s) {
		xmlSchemaFree(schema);
		return error_oom();
	}
	s->schema = schema;
	*out = s;
	return 0;
}

int smsaudit_xml_schema_builtin(smsaudit_xml_schema **out, const char *name)
{
	size_t len = 0;
	const unsigned char *data = embedded_get(name, &len);
	*out = NULL;
	if (!data)
		return error_set(SMSAUDIT_ENOTFOUND, "no built-in schema called '%s'", name);
	return smsaudit_xml_schema_new(out, (const char *)data, len, name);
}

int smsaudit_xml_schema_validate(smsaudit_xml_schema *schema, xmlDocPtr doc,
                                 const char *name)
{
	xml_init();
	if (!name)
		name = doc && doc->URL ? (const char *)doc->URL : "(document)";
	capture_state st = { .name = name };
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema->schema);
	if (!vc)
		return error_oom();
	xmlSchemaSetValidStructuredErrors(vc, capture_error, &st);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (rc == 0 && !st.have)
		return 0;
	if (st.have)
		return error_set(SMSAUDIT_EINVALID, "%s:%d: %s", name, st.line, st.message);
	return error_set(SMSAUDIT_EINVALID, "%s: schema validation failed (code %d)", name, rc);
}

void smsaudit_xml_schema_free(smsaudit_xml_schema *schema)
{
	if (!schema)
		return;
	xmlSchemaFree(schema->schema);
	free(schema);
}

/* ---- UTF-8 ---- */

/* Decode one code point; returns its length, or 0 if the sequence is invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	unsigned long v, min;
	if ((c & 0xe0) == 0xc0) {
		n = 2; v = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; v = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

int smsaudit_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	while (len > 0) {
		unsigned long cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

size_t smsaudit_utf8_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}

static int xml_char_ok(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* ---- canonical writer ---- */

static int put_escaped(smsaudit_buf *out, const char *s, int in_attr,
                       const char *elem, int line)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	while (len > 0) {
		unsigned long cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0)
			return error_set(SMSAUDIT_EINVALID, "element <%s> (line %d): text is not valid UTF-8",
			                 elem, line);
		if (!xml_char_ok(cp))
			return error_set(SMSAUDIT_EINVALID,
			                 "element <%s> (line %d): character U+%04lX is not allowed in XML",
			                 elem, line, cp);
		const char *rep = NULL;
		switch (cp) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '\r': rep = "&#13;"; break;
		case '"': rep = in_attr ? "&quot;" : NULL; break;
		case '\n': rep = in_attr ? "&#10;" : NULL; break;
		case '\t': rep = in_attr ? "&#9;" : NULL; break;
		default: break;
		}
		int rc = rep ? buf_puts(out, rep) : buf_put(out, (const char *)p, n);
		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	}
	return 0;
}

static int put_indent(smsaudit_buf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		if (buf_put(out, "  ", 2) < 0)
			return SMSAUDIT_ENOMEM;
	return 0;
}

static int put_qname(smsaudit_buf *out, xmlNsPtr ns, const xmlChar *name)
{
	if (ns && ns->prefix) {
		if (buf_puts(out, (const char *)ns->prefix) < 0 || buf_put(out, ":", 1) < 0)
			return SMSAUDIT_ENOMEM;
	}
	return buf_puts(out, (const char *)name);
}

static int is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

static int write_element(smsaudit_buf *out, xmlNodePtr el, int depth)
{
	const char *ename = (const char *)el->name;
	int line = (int)xmlGetLineNo(el);
	int rc;

	if ((rc = put_indent(out, depth)) < 0 || (rc = buf_put(out, "<", 1)) < 0 ||
	    (rc = put_qname(out, el->ns, el->name)) < 0)
		return rc;
	for (xmlNsPtr ns = el->nsDef; ns; ns = ns->next) {
		rc = buf_puts(out, ns->prefix ? " xmlns:" : " xmlns");
		if (rc == 0 && ns->prefix)
			rc = buf_puts(out, (const char *)ns->prefix);
		if (rc == 0)
			rc = buf_put(out, "=\"", 2);
		if (rc == 0)
			rc = put_escaped(out, (const char *)ns->href, 1, ename, line);
		if (rc == 0)
			rc = buf_put(out, "\"", 1);
		if (rc < 0)
			return rc;
	}
	for (xmlAttrPtr a = el->properties; a; a = a->next) {
		xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
		rc = buf_put(out, " ", 1);
		if (rc == 0)
			rc = put_qname(out, a->ns, a->name);
		if (rc == 0)
			rc = buf_put(out, "=\"", 2);
		if (rc == 0)
			rc = put_escaped(out, v ? (const char *)v : "", 1, ename, line);
		if (rc == 0)
			rc = buf_put(out, "\"", 1);
		xmlFree(v);
		if (rc < 0)
			return rc;
	}

	int has_elements = 0, has_text = 0;
	for (xmlNodePtr c = el->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			has_elements = 1;
		else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		         !is_blank(c->content))
			has_text = 1;
		else if (c->type == XML_ENTITY_REF_NODE)
			return error_set(SMSAUDIT_EINVALID, "element <%s> (line %d): entity references are not allowed",
			                 ename, line);
	}
	if (has_elements && has_text)
		return error_set(SMSAUDIT_EINVALID,
		                 "element <%s> (line %d): mixed text and elements cannot be written canonically",
		                 ename, line);

	if (has_elements) {
		if ((rc = buf_put(out, ">\n", 2)) < 0)
			return rc;
		for (xmlNodePtr c = el->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && (rc = write_element(out, c, depth + 1)) < 0)
				return rc;
		if ((rc = put_indent(out, depth)) < 0 || (rc = buf_put(out, "</", 2)) < 0 ||
		    (rc = put_qname(out, el->ns, el->name)) < 0 || (rc = buf_put(out, ">\n", 2)) < 0)
			return rc;
		return 0;
	}

	/* Text-only element: the text is kept exactly, whitespace included;
	 * whitespace alone counts as empty. */
	if (!has_text)
		return buf_put(out, "/>\n", 3);
	if ((rc = buf_put(out, ">", 1)) < 0)
		return rc;
	for (xmlNodePtr c = el->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content &&
		    (rc = put_escaped(out, (const char *)c->content, 0, ename, line)) < 0)
			return rc;
	if ((rc = buf_put(out, "</", 2)) < 0 || (rc = put_qname(out, el->ns, el->name)) < 0 ||
	    (rc = buf_put(out, ">\n", 2)) < 0)
		return rc;
	return 0;
}

int smsaudit_xml_write_canonical(smsaudit_buf *out, xmlDocPtr doc)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root)
		return error_set(SMSAUDIT_EINVALID, "document has no root element");
	size_t start = out->size;
	int rc = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (rc == 0)
		rc = write_element(out, root, 0);
	if (rc < 0 && out->ptr) {
		/* Never leave half a document behind in the caller's buffer. */
		out->size = start;
		out->ptr[start] = '\0';
	}
	return rc;
}

int smsaudit_xml_escape(smsaudit_buf *out, const char *s, int in_attr, const char *element)
{
	return put_escaped(out, s ? s : "", in_attr, element ? element : "?", 0);
}

/* ---- streamed reading ---- */

#define STREAM_MAX_ATTRS 16
#define STREAM_MAX_TEXT (1u << 20)
#define STREAM_CHUNK 65536

typedef struct {
	xmlParserCtxtPtr ctxt;
	capture_state *st;
	smsaudit_xml_event_fn fn;
	void *u;
	int depth;
	int rc;                    /* the first error of `fn` (or ENOMEM), which stops the parse */
	smsaudit_buf text;         /* the current element's text */
	smsaudit_buf values;       /* the current element's attribute values, NUL-separated */
	const char *attrs[2 * STREAM_MAX_ATTRS];
} stream_state;

static void stream_stop(stream_state *s, int rc)
{
	if (s->rc == 0)
		s->rc = rc;
	xmlStopParser(s->ctxt);
}

static int stream_line(const stream_state *s)
{
	return s->ctxt && s->ctxt->input ? s->ctxt->input->line : 0;
}

static void stream_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                         int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                         const xmlChar **attributes)
{
	(void)prefix;
	(void)uri;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	stream_state *s = ctx;
	if (s->rc)
		return;
	if (nb_attributes > STREAM_MAX_ATTRS) {
		stream_stop(s, error_set(SMSAUDIT_EINVALID, "%s:%d: element <%s> has more than %d attributes", s->st->name,
		                         stream_line(s), (const char *)localname, STREAM_MAX_ATTRS));
		return;
	}
	/* Values are kept first and pointed to after: the buffer may move while it grows. */
	s->values.size = 0;
	size_t off[STREAM_MAX_ATTRS];
	for (int i = 0; i < nb_attributes; i++) {
		const xmlChar *const *a = attributes + 5 * i;
		off[i] = s->values.size;
		if (buf_put(&s->values, (const char *)a[3], (size_t)(a[4] - a[3])) < 0 || buf_put(&s->values, "", 1) < 0) {
			stream_stop(s, SMSAUDIT_ENOMEM);
			return;
		}
	}
	for (int i = 0; i < nb_attributes; i++) {
		s->attrs[2 * i] = (const char *)attributes[5 * i];
		s->attrs[2 * i + 1] = s->values.ptr + off[i];
	}
	s->text.size = 0;
	if (s->text.ptr)
		s->text.ptr[0] = '\0';
	smsaudit_xml_event e = { s->depth, (const char *)localname, (size_t)nb_attributes, s->attrs, NULL,
		                 stream_line(s) };
	s->depth++;
	int rc = s->fn(&e, s->u);
	if (rc < 0)
		stream_stop(s, rc);
}

static void stream_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	(void)prefix;
	(void)uri;
	stream_state *s = ctx;
	if (s->rc)
		return;
	s->depth--;
	smsaudit_xml_event e = { s->depth, (const char *)localname, 0, s->attrs, s->text.ptr ? s->text.ptr : "",
		                 stream_line(s) };
	int rc = s->fn(&e, s->u);
	/* Text between an element's children belongs to none of them. */
	s->text.size = 0;
	if (s->text.ptr)
		s->text.ptr[0] = '\0';
	if (rc < 0)
		stream_stop(s, rc);
}

static void stream_text(void *ctx, const xmlChar *ch, int len)
{
	stream_state *s = ctx;
	if (s->rc || len <= 0)
		return;
	if (s->text.size + (size_t)len > STREAM_MAX_TEXT)
		stream_stop(s, error_set(SMSAUDIT_EINVALID, "%s:%d: text longer than %u bytes", s->st->name, stream_line(s),
		                         STREAM_MAX_TEXT));
	else if (buf_put(&s->text, (const char *)ch, (size_t)len) < 0)
		stream_stop(s, SMSAUDIT_ENOMEM);
}

/* As refuse_doctype, for the stream's own context. */
static void stream_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name;
	(void)ext;
	(void)sys;
	stream_state *s = ctx;
	if (!s->st->have) {
		s->st->have = 1;
		s->st->stopped_doctype = 1;
		s->st->line = stream_line(s);
		snprintf(s->st->message, sizeof(s->st->message),
		         "document type declarations (DOCTYPE, entities) are not allowed");
	}
	xmlStopParser(s->ctxt);
}

/* The validator's errors carry no line when it sits on the SAX stream: the parser's. */
static void stream_validity_error(void *ctx, xmlErrorPtr e)
{
	stream_state *s = ctx;
	int had = s->st->have;
	capture_error(s->st, e);
	if (!had && s->st->have && s->st->line == 0)
		s->st->line = stream_line(s);
}

int smsaudit_xml_stream(smsaudit_xml_read_fn read, void *read_u, const char *name, smsaudit_xml_schema *schema,
                        smsaudit_xml_event_fn fn, void *u)
{
	xml_init();
	if (!name)
		name = "(stream)";
	capture_state st = { .name = name };
	stream_state s;
	memset(&s, 0, sizeof(s));
	s.st = &st;
	s.fn = fn;
	s.u = u;
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = stream_start;
	sax.endElementNs = stream_end;
	sax.characters = stream_text;
	sax.cdataBlock = stream_text;
	sax.internalSubset = stream_refuse_doctype;
	xmlSAXHandlerPtr saxp = &sax;
	void *user = &s;
	xmlSchemaValidCtxtPtr vc = NULL;
	xmlSchemaSAXPlugPtr plug = NULL;
	int rc = 0;
	if (schema) {
		/* The validator sits between the parser and our callbacks, so the
		 * document is checked as it goes by, never held. */
		vc = xmlSchemaNewValidCtxt(schema->schema);
		if (!vc)
			return error_oom();
		xmlSchemaSetValidStructuredErrors(vc, stream_validity_error, &s);
		plug = xmlSchemaSAXPlug(vc, &saxp, &user);
		if (!plug) {
			xmlSchemaFreeValidCtxt(vc);
			return error_oom();
		}
	}
	char *chunk = malloc(STREAM_CHUNK);
	s.ctxt = chunk ? xmlCreatePushParserCtxt(saxp, user, NULL, 0, name) : NULL;
	if (!s.ctxt)
		rc = error_oom();
	else
		xmlCtxtUseOptions(s.ctxt, SAFE_PARSE_OPTIONS);
	xmlSetStructuredErrorFunc(&st, capture_error);
	while (rc == 0) {
		long n = read(chunk, STREAM_CHUNK, read_u);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		xmlParseChunk(s.ctxt, chunk, (int)n, n == 0);
		if (n == 0 || s.rc || st.have || s.ctxt->disableSAX)
			break;
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
	int well_formed = s.ctxt ? s.ctxt->wellFormed : 0;
	int valid = !vc || xmlSchemaIsValid(vc) == 1;
	if (rc == 0 && s.rc)
		rc = s.rc;
	else if (rc == 0 && st.have)
		rc = error_set(SMSAUDIT_EINVALID, "%s:%d: %s", name, st.line, st.message);
	else if (rc == 0 && !well_formed)
		rc = error_set(SMSAUDIT_EINVALID, "%s: not a well-formed XML document", name);
	else if (rc == 0 && !valid)
		rc = error_set(SMSAUDIT_EINVALID, "%s: schema validation failed", name);
	if (s.ctxt)
		xmlFreeParserCtxt(s.ctxt);
	if (plug)
		xmlSchemaSAXUnplug(plug);
	xmlSchemaFreeValidCtxt(vc);
	free(chunk);
	smsaudit_buf_dispose(&s.text);
	smsaudit_buf_dispose(&s.values);
	return rc;
}

/* ---- DOM helpers ---- */

int smsaudit_xml_is(xmlNodePtr node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

char *smsaudit_xml_attr(xmlNodePtr node, const char *name)
{
	return (char *)xmlGetProp(node, (const xmlChar *)name);
}

xmlNodePtr smsaudit_xml_first_element(xmlNodePtr node)
{
	if (!node)
		return NULL;
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr smsaudit_xml_next_element(xmlNodePtr node)
{
	for (xmlNodePtr c = node ? node->next : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr smsaudit_xml_child(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = smsaudit_xml_first_element(node); c; c = smsaudit_xml_next_element(c))
		if (smsaudit_xml_is(c, name))
			return c;
	return NULL;
}

char *smsaudit_xml_text(xmlNodePtr node)
{
	xmlChar *raw = node ? xmlNodeGetContent(node) : NULL;
	const char *s = raw ? (const char *)raw : "";
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, s, n);
		r[n] = '\0';
	} else {
		error_oom();
	}
	xmlFree(raw);
	return r;
}

char *smsaudit_xml_text_exact(xmlNodePtr node)
{
	xmlChar *raw = node ? xmlNodeGetContent(node) : NULL;
	char *r = strdup(raw ? (const char *)raw : "");
	if (!r)
		error_oom();
	xmlFree(raw);
	return r;
}
