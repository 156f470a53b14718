/*
 * smsaudit — the one XML module of the project.
 *
 * Parsing is safe by construction: no network, no entity substitution, no DTD
 * loading, and any document type declaration is refused, so external entities
 * and expansion bombs never get a chance to run. Schema validation loads no
 * external resources. Writing is canonical: the same tree always gives the same
 * bytes (UTF-8, LF line ends, fixed indentation, attributes in the order they
 * were set), so signatures and diffs stay stable across libxml2 versions.
 */
#ifndef SMSAUDIT_XML_H
#define SMSAUDIT_XML_H

#include <stddef.h>
#include <libxml/tree.h>

#include "common.h"

/* A growable byte buffer used for canonical output. */
typedef struct {
	char *ptr;
	size_t size;
	size_t asize;
} smsaudit_buf;

#define SMSAUDIT_BUF_INIT { NULL, 0, 0 }

void smsaudit_buf_dispose(smsaudit_buf *buf);

/* Append bytes (the buffer stays NUL-terminated). Returns 0 or SMSAUDIT_ENOMEM. */
int smsaudit_buf_put(smsaudit_buf *buf, const char *data, size_t len);

/*
 * Read a whole input file of at most `max` bytes into `out` (NUL-terminated).
 * Never blocks: only a regular file is read; a FIFO, device, socket or folder
 * is refused with SMSAUDIT_EIO naming the path and its type. The library reads
 * every input file this way; the tool does too.
 */
int smsaudit_file_read(smsaudit_buf *out, const char *path, size_t max);

/*
 * Parse an XML file. Errors: SMSAUDIT_EIO when the file cannot be read,
 * SMSAUDIT_EINVALID when it is not well-formed or carries a DOCTYPE
 * ("file:line: message").
 */
int smsaudit_xml_parse_file(xmlDocPtr *out, const char *path);

/* Parse XML from memory; `name` is used in error messages. */
int smsaudit_xml_parse_memory(xmlDocPtr *out, const char *data, size_t len,
                              const char *name);

/* A compiled XML Schema (XSD). */
typedef struct smsaudit_xml_schema smsaudit_xml_schema;

/* Compile a schema from memory. `name` is used in error messages. */
int smsaudit_xml_schema_new(smsaudit_xml_schema **out, const char *xsd,
                            size_t len, const char *name);

/* Compile one of the schemas built into the library, e.g. "catalogue.xsd". */
int smsaudit_xml_schema_builtin(smsaudit_xml_schema **out, const char *name);

/*
 * Validate a parsed document. Returns 0 when valid, SMSAUDIT_EINVALID with the
 * first error ("name:line: message") otherwise.
 */
int smsaudit_xml_schema_validate(smsaudit_xml_schema *schema, xmlDocPtr doc,
                                 const char *name);

void smsaudit_xml_schema_free(smsaudit_xml_schema *schema);

/*
 * Write `doc` canonically into `out` (appending). Only elements, attributes and
 * text are allowed; an element holds either text or child elements, never both
 * (whitespace between child elements is ignored). Comments and processing
 * instructions are dropped. Returns SMSAUDIT_EINVALID for mixed content or text
 * that is not valid XML 1.0 characters.
 */
int smsaudit_xml_write_canonical(smsaudit_buf *out, xmlDocPtr doc);

/*
 * Append `s` escaped as smsaudit_xml_write_canonical escapes text (in_attr 0)
 * or an attribute value (in_attr 1): for documents written as a stream, line
 * by line, that must read back as the canonical writer's bytes. `element`
 * names the element in errors. SMSAUDIT_EINVALID for text that is not valid
 * UTF-8 or holds a character XML 1.0 does not allow.
 */
int smsaudit_xml_escape(smsaudit_buf *out, const char *s, int in_attr, const char *element);

/*
 * A document read as a stream, for documents too large to hold as a tree (a
 * pack's manifest of 400,000 files): the same parser rules as
 * smsaudit_xml_parse_memory (no DOCTYPE, no entities, nothing loaded), no
 * size limit on the whole, validated against `schema` (NULL: none) while it
 * is read. `fn` is called at each element's start (text NULL) and end (text:
 * the element's own text, untrimmed, at most 1 MiB); it returns 0 or a
 * negative error, which stops the parse and is returned. `read` fills `buf`
 * with up to `len` bytes: how many, 0 at the end, or a negative error.
 * Returns 0, SMSAUDIT_EINVALID ("name:line: message") when the document is
 * not well-formed or not valid, or the error of `read` or `fn`.
 */
typedef struct {
	int depth;                 /* 0: the root element */
	const char *name;          /* the local name */
	size_t nattrs;
	const char *const *attrs;  /* nattrs pairs of name and value */
	const char *text;          /* NULL at the start; at the end, the element's text */
	int line;
} smsaudit_xml_event;
typedef int (*smsaudit_xml_event_fn)(const smsaudit_xml_event *e, void *u);
typedef long (*smsaudit_xml_read_fn)(char *buf, size_t len, void *u);
int smsaudit_xml_stream(smsaudit_xml_read_fn read, void *read_u, const char *name, smsaudit_xml_schema *schema,
                        smsaudit_xml_event_fn fn, void *u);

/* 1 when [s, s+len) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int smsaudit_utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string (for column alignment). */
size_t smsaudit_utf8_width(const char *s);

/* Convenience accessors for the DOM. */

/* The attribute's value (caller frees with xmlFree), or NULL. */
char *smsaudit_xml_attr(xmlNodePtr node, const char *name);

/* The first child element called `name`, or NULL. */
xmlNodePtr smsaudit_xml_child(xmlNodePtr node, const char *name);

/* The next sibling element (skipping text and comments), or NULL. */
xmlNodePtr smsaudit_xml_next_element(xmlNodePtr node);

/* The first child element, or NULL. */
xmlNodePtr smsaudit_xml_first_element(xmlNodePtr node);

/* 1 when `node` is an element called `name`. */
int smsaudit_xml_is(xmlNodePtr node, const char *name);

/* The text content with leading/trailing whitespace trimmed (caller frees with free()). */
char *smsaudit_xml_text(xmlNodePtr node);
/* The element's text exactly as it stands (no trimming): what a signed record
 * says must read back byte for byte. Caller frees; NULL on ENOMEM. */
char *smsaudit_xml_text_exact(xmlNodePtr node);

#endif
