/*
 * Records: ids, paths, canonical XML out, validated XML in.
 *
 * Everything particular to one record type is in its section below (its
 * fields, how its body is written and read) and in its descriptor in the table
 * after them; the functions at the end of the file work on any record through
 * that table (record_types.h).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/rand.h>

#include "internal.h"
#include "record_types.h"
#include "smsaudit/record.h"

#define RECORD_NS "urn:smsaudit:record:1"
#define RECORD_VERSION "1"

static const char *const audit_type_names[SMSAUDIT_AUDIT__COUNT] = {
	"stage1", "stage2", "surveillance", "recertification", "special", "internal"
};
static const char *const recommendation_names[] = { "none", "recommended", "conditional", "not-recommended" };

const char *smsaudit_audit_type_name(smsaudit_audit_type t)
{
	return (unsigned)t < SMSAUDIT_AUDIT__COUNT ? audit_type_names[t] : "unknown";
}

int smsaudit_audit_type_parse(smsaudit_audit_type *out, const char *name)
{
	for (int i = 0; i < SMSAUDIT_AUDIT__COUNT; i++)
		if (name && strcmp(name, audit_type_names[i]) == 0) {
			*out = (smsaudit_audit_type)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID, "unknown audit type '%s' (types: stage1, stage2, surveillance, "
	                 "recertification, special, internal)", name ? name : "");
}

const char *smsaudit_recommendation_name(smsaudit_recommendation r)
{
	return (unsigned)r < 4 ? recommendation_names[r] : "unknown";
}

int smsaudit_recommendation_parse(smsaudit_recommendation *out, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, recommendation_names[i]) == 0) {
			*out = (smsaudit_recommendation)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID, "unknown recommendation '%s' (none, recommended, conditional, "
	                 "not-recommended)", name ? name : "");
}

static const char *const source_names[SMSAUDIT_SOURCE__COUNT] = {
	"internal-audit", "stage1", "stage2", "surveillance", "recertification",
	"complaint", "incident", "management-review", "self-identified"
};

static const char *const step_names[SMSAUDIT_STEP__COUNT] = {
	"correction", "cause", "plan", "implemented", "verified", "closed", "reopened", "withdrawn", "note"
};

static const char *const method_names[] = { "5-whys", "fishbone", "other" };

const char *smsaudit_finding_source_name(smsaudit_finding_source s)
{
	return (unsigned)s < SMSAUDIT_SOURCE__COUNT ? source_names[s] : "unknown";
}

int smsaudit_finding_source_parse(smsaudit_finding_source *out, const char *name)
{
	for (int i = 0; i < SMSAUDIT_SOURCE__COUNT; i++)
		if (name && strcmp(name, source_names[i]) == 0) {
			*out = (smsaudit_finding_source)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID, "unknown source '%s' (sources: internal-audit, stage1, stage2, "
	                 "surveillance, recertification, complaint, incident, management-review, self-identified)",
	                 name ? name : "");
}

int smsaudit_finding_source_external(smsaudit_finding_source s)
{
	return s == SMSAUDIT_SOURCE_STAGE1 || s == SMSAUDIT_SOURCE_STAGE2 || s == SMSAUDIT_SOURCE_SURVEILLANCE ||
	       s == SMSAUDIT_SOURCE_RECERTIFICATION;
}

const char *smsaudit_step_kind_name(smsaudit_step_kind k)
{
	return (unsigned)k < SMSAUDIT_STEP__COUNT ? step_names[k] : "unknown";
}

const char *smsaudit_cause_method_name(smsaudit_cause_method m)
{
	return (unsigned)m < 3 ? method_names[m] : "unknown";
}

int smsaudit_cause_method_parse(smsaudit_cause_method *out, const char *name)
{
	for (int i = 0; i < 3; i++)
		if (name && strcmp(name, method_names[i]) == 0) {
			*out = (smsaudit_cause_method)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID, "unknown root-cause method '%s' (methods: 5-whys, fishbone, other)",
	                 name ? name : "");
}

static const char *const result_names[] = { "not-assessed", "conformant", "partial", "nonconformant" };

const char *smsaudit_assessment_result_name(smsaudit_assessment_result r)
{
	return (unsigned)r < 4 ? result_names[r] : "unknown";
}

int smsaudit_assessment_result_parse(smsaudit_assessment_result *out, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, result_names[i]) == 0) {
			*out = (smsaudit_assessment_result)i;
			return 0;
		}
	if (name && strcmp(name, "not-applicable") == 0)
		return error_set(SMSAUDIT_EINVALID, "'not-applicable' is not a result: ISO/IEC 20000-1 allows no "
		                 "exclusions in clauses 4-10 (record a process run by another party with --other-party)");
	return error_set(SMSAUDIT_EINVALID, "unknown result '%s' (results: conformant, partial, nonconformant, "
	                 "not-assessed)", name ? name : "");
}

static const struct { const char *name; unsigned flag; } role_names[] = {
	{ "quality-manager", SMSAUDIT_ROLE_QUALITY_MANAGER },
	{ "process-owner", SMSAUDIT_ROLE_PROCESS_OWNER },
	{ "internal-auditor", SMSAUDIT_ROLE_INTERNAL_AUDITOR },
	{ "external-auditor", SMSAUDIT_ROLE_EXTERNAL_AUDITOR },
	{ "viewer", SMSAUDIT_ROLE_VIEWER },
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *smsaudit_record_type_name(smsaudit_record_type type)
{
	const record_type_desc *d = record_type_desc_of(type);
	return d ? d->name : "unknown";
}

unsigned smsaudit_record_signer_roles(smsaudit_record_type type)
{
	const record_type_desc *d = record_type_desc_of(type);
	return d ? d->signer_roles : 0;
}

int smsaudit_roles_parse(unsigned *out, const char *list)
{
	*out = 0;
	const char *p = list ? list : "";
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && p[0] == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		unsigned flag = 0;
		for (size_t i = 0; i < NROLES; i++)
			if (strlen(role_names[i].name) == n && strncmp(role_names[i].name, p, n) == 0)
				flag = role_names[i].flag;
		if (!flag)
			return error_set(SMSAUDIT_EINVALID,
			                 "unknown role '%.*s' (roles: quality-manager, process-owner, internal-auditor, "
			                 "external-auditor, viewer)", (int)n, p);
		*out |= flag;
		p += n;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
	}
	if (!*out)
		return error_set(SMSAUDIT_EINVALID, "no role given");
	return 0;
}

void smsaudit_roles_format(char *buf, size_t size, unsigned roles)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NROLES; i++)
		if (roles & role_names[i].flag) {
			int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", role_names[i].name);
			if (n < 0 || (size_t)n >= size - used)
				return;
			used += (size_t)n;
		}
}

int smsaudit_record_new_id(char out[SMSAUDIT_ID_MAX], smsaudit_record_type type, time_t when)
{
	const record_type_desc *desc = record_type_desc_of(type);
	if (!desc)
		return error_set(SMSAUDIT_EINVALID, "no record type %d", (int)type);
	unsigned char r[8];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return error_set(SMSAUDIT_ERROR, "no random bytes for a record id");
	char date[11];
	smsaudit_date_format(date, when);
	snprintf(out, SMSAUDIT_ID_MAX, "%s-%.4s%.2s%.2s-%02x%02x%02x%02x%02x%02x%02x%02x", desc->id_prefix,
	         date, date + 5, date + 8, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return 0;
}

int smsaudit_record_id_type(smsaudit_record_type *out, const char *id)
{
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++) {
		const record_type_desc *desc = record_type_desc_of((smsaudit_record_type)t);
		size_t pl = desc ? strlen(desc->id_prefix) : 0;
		if (!desc || strncmp(id, desc->id_prefix, pl) != 0 || id[pl] != '-')
			continue;
		const char *d = id + pl + 1;
		int ok = strlen(d) == 8 + 1 + 16 && d[8] == '-';
		for (int i = 0; ok && i < 8; i++)
			ok = d[i] >= '0' && d[i] <= '9';
		for (int i = 9; ok && i < 25; i++)
			ok = (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f');
		if (ok) {
			*out = (smsaudit_record_type)t;
			return 0;
		}
	}
	return error_set(SMSAUDIT_EINVALID, "'%s' is not a record id", id);
}

const char *smsaudit_article(const char *word)
{
	return word && strchr("aeiouAEIOU", word[0]) && word[0] ? "an" : "a";
}

int smsaudit_id_resolve(size_t *out, const char *key, const void *set, size_t n, smsaudit_id_at_fn id_at,
                        const char *what, const char *hint)
{
	*out = (size_t)-1;
	size_t kl = key ? strlen(key) : 0, count = 0, hit = 0;
	const char *first = NULL, *second = NULL;
	for (size_t i = 0; i < n && kl; i++) {
		const char *id = id_at(set, i);
		if (!id)
			continue;
		if (strcmp(id, key) == 0) {
			*out = i;
			return 0;
		}
		if (strncmp(id, key, kl) == 0) {
			if (!count)
				first = id;
			else if (count == 1)
				second = id;
			hit = i;
			count++;
		}
	}
	if (count && kl < SMSAUDIT_ID_PREFIX_MIN)
		return error_set(SMSAUDIT_EINVALID, "%s '%s' is too short: give at least %d characters of its id", what, key,
		                 SMSAUDIT_ID_PREFIX_MIN);
	if (count == 1) {
		*out = hit;
		return 0;
	}
	if (count > 1)
		return error_set(SMSAUDIT_EINVALID, "%s '%s' is ambiguous: it starts %zu ids (%s, %s%s); give more of it",
		                 what, key, count, first, second, count > 2 ? ", ..." : "");
	return error_set(SMSAUDIT_ENOTFOUND, "%s '%s' does not exist%s%s%s", what, key ? key : "", hint ? " (" : "",
	                 hint ? hint : "", hint ? ")" : "");
}

int smsaudit_record_path(char *out, size_t size, const char *id)
{
	smsaudit_record_type t;
	if (smsaudit_record_id_type(&t, id) < 0)
		return SMSAUDIT_EINVALID;
	const char *d = strchr(id, '-') + 1;
	/* records/YYYY/MM/XX/: by month for people browsing with git, then by the
	 * first random byte so no tree grows past a few hundred entries. */
	snprintf(out, size, "records/%.4s/%.2s/%.2s/%s.xml", d, d + 4, d + 9, id);
	return 0;
}

/* ---- text checks ---- */

/*
 * Characters a name or title must not hold because they make it show as
 * something else: bidirectional overrides, embeddings and isolates reorder
 * what follows ("rtl<U+202E>fdp.exe" shows as "rtlexe.pdf"), and the rest
 * are invisible, so two names that look alike differ. `bidi` marks the
 * reordering ones, which free text refuses too; the invisible joiners and
 * marks stay allowed there, since Persian, Indic scripts and emoji need them.
 */
static const struct {
	unsigned lo, hi;
	int bidi;
	const char *name;
} format_chars[] = {
	{ 0x00ad, 0x00ad, 0, "soft hyphen" },
	{ 0x061c, 0x061c, 0, "Arabic letter mark" },
	{ 0x180e, 0x180e, 0, "Mongolian vowel separator" },
	{ 0x200b, 0x200b, 0, "zero width space" },
	{ 0x200c, 0x200c, 0, "zero width non-joiner" },
	{ 0x200d, 0x200d, 0, "zero width joiner" },
	{ 0x200e, 0x200e, 0, "left-to-right mark" },
	{ 0x200f, 0x200f, 0, "right-to-left mark" },
	{ 0x2028, 0x2028, 0, "line separator" },
	{ 0x2029, 0x2029, 0, "paragraph separator" },
	{ 0x202a, 0x202a, 1, "left-to-right embedding" },
	{ 0x202b, 0x202b, 1, "right-to-left embedding" },
	{ 0x202c, 0x202c, 1, "pop directional formatting" },
	{ 0x202d, 0x202d, 1, "left-to-right override" },
	{ 0x202e, 0x202e, 1, "right-to-left override" },
	{ 0x2060, 0x2060, 0, "word joiner" },
	{ 0x2061, 0x2061, 0, "function application" },
	{ 0x2062, 0x2062, 0, "invisible times" },
	{ 0x2063, 0x2063, 0, "invisible separator" },
	{ 0x2064, 0x2064, 0, "invisible plus" },
	{ 0x2066, 0x2066, 1, "left-to-right isolate" },
	{ 0x2067, 0x2067, 1, "right-to-left isolate" },
	{ 0x2068, 0x2068, 1, "first strong isolate" },
	{ 0x2069, 0x2069, 1, "pop directional isolate" },
	{ 0x206a, 0x206f, 0, "deprecated format character" },
	{ 0xfeff, 0xfeff, 0, "zero width no-break space" },
	{ 0xfff9, 0xfffb, 0, "interlinear annotation character" },
	{ 0xe0001, 0xe0001, 0, "language tag" },
	{ 0xe0020, 0xe007f, 0, "tag character" },
};

const char *smsaudit_char_hidden(unsigned cp, int bidi_only)
{
	for (size_t i = 0; i < sizeof(format_chars) / sizeof(format_chars[0]); i++)
		if (cp >= format_chars[i].lo && cp <= format_chars[i].hi)
			return !bidi_only || format_chars[i].bidi ? format_chars[i].name : NULL;
	return NULL;
}

static const char *control_name(unsigned cp)
{
	switch (cp) {
	case '\t': return "tab";
	case '\n': return "line feed";
	case '\r': return "carriage return";
	case 0x1b: return "escape";
	case 0x7f: return "delete";
	default: return "control character";
	}
}

/* The code point at p (valid UTF-8) and its length in bytes. */
static unsigned utf8_decode(const unsigned char *p, size_t *len)
{
	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*len = 2;
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	}
	if (p[0] < 0xf0) {
		*len = 3;
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	}
	*len = 4;
	return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
}

/* The one check of recorded text. Valid UTF-8 of 1..max bytes, not blank; no
 * C0/C1 controls or DEL except the newline and tab of multi-line text; no
 * character that makes it show as something else (all of format_chars in one
 * line of text, the reordering ones in free text). With `field`, the fault is
 * described in the last error ("title holds U+202E (right-to-left override)
 * at character 4"); without, nothing is reported. */
static int text_check(const char *field, const char *s, size_t max, int multiline)
{
#define FAULT(...) (field ? error_set(SMSAUDIT_EINVALID, __VA_ARGS__) : SMSAUDIT_EINVALID)
	if (!s || !*s)
		return FAULT("%s is empty", field);
	size_t n = strlen(s);
	if (n > max)
		return field ? error_text_length(s, max, "%s", field) : SMSAUDIT_EINVALID;
	if (!smsaudit_utf8_valid(s, n))
		return FAULT("%s is not valid UTF-8", field);
	int nonblank = 0;
	size_t chars = 0, len;
	for (const unsigned char *p = (const unsigned char *)s; *p; p += len) {
		unsigned cp = utf8_decode(p, &len);
		chars++;
		int layout = multiline && (cp == '\n' || cp == '\t');
		const char *what = NULL;
		if ((cp < 0x20 && !layout) || (cp >= 0x7f && cp <= 0x9f))
			what = control_name(cp);
		else
			what = smsaudit_char_hidden(cp, multiline);
		if (what)
			return FAULT("%s holds U+%04X (%s) at character %zu", field, cp, what, chars);
		if (cp != ' ' && !layout)
			nonblank = 1;
	}
	if (!nonblank)
		return FAULT("%s is blank", field);
	return 0;
#undef FAULT
}

int smsaudit_text_ok(const char *s, size_t max)
{
	return text_check(NULL, s, max, 0) == 0;
}

int smsaudit_note_ok(const char *s, size_t max)
{
	return text_check(NULL, s, max, 1) == 0;
}

int smsaudit_text_check(const char *field, const char *s, size_t max)
{
	return text_check(field, s, max, 0);
}

int smsaudit_note_check(const char *field, const char *s, size_t max)
{
	return text_check(field, s, max, 1);
}

static int filename_shape_ok(const char *s)
{
	return !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       strstr(s, "..") != s;
}

int smsaudit_filename_ok(const char *s)
{
	return smsaudit_text_ok(s, 255) && filename_shape_ok(s);
}

int smsaudit_filename_check(const char *field, const char *s)
{
	int rc = text_check(field, s, 255, 0);
	if (rc == 0 && !filename_shape_ok(s))
		rc = error_set(SMSAUDIT_EINVALID, "%s '%s' is not usable as a file name (no '/', '\\', or leading '..')",
		               field, s);
	return rc;
}

const char *smsaudit_media_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "pdf", "application/pdf" }, { "csv", "text/csv" }, { "txt", "text/plain" },
		{ "md", "text/markdown" }, { "html", "text/html" }, { "htm", "text/html" },
		{ "xml", "application/xml" }, { "json", "application/json" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ "doc", "application/msword" }, { "xls", "application/vnd.ms-excel" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" }, { "zip", "application/zip" },
		{ "eml", "message/rfc822" }, { "log", "text/plain" },
	};
	const char *dot = strrchr(name, '.');
	if (dot && dot[1]) {
		char ext[16];
		size_t n = strlen(dot + 1);
		if (n < sizeof(ext)) {
			for (size_t i = 0; i <= n; i++) {
				char c = dot[1 + i];
				ext[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
			}
			for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				if (strcmp(ext, types[i].ext) == 0)
					return types[i].type;
		}
	}
	return "application/octet-stream";
}

/* ---- schema (compiled once) ---- */

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static smsaudit_xml_schema *records_schema;
static int records_schema_rc;

static void load_schema(void)
{
	records_schema_rc = smsaudit_xml_schema_builtin(&records_schema, "records.xsd");
}

int record_schema_validate(xmlDocPtr doc, const char *name)
{
	pthread_once(&schema_once, load_schema);
	if (records_schema_rc < 0)
		return error_set(SMSAUDIT_ERROR, "the built-in records schema does not compile");
	return smsaudit_xml_schema_validate(records_schema, doc, name);
}

/* ---- writing ---- */

static xmlNodePtr add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	xmlNodePtr n = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
	if (n && text)
		xmlAddChild(n, xmlNewText((const xmlChar *)text));
	return n;
}

static void add_time(xmlNodePtr parent, xmlNsPtr ns, const char *name, time_t t)
{
	char buf[21];
	smsaudit_time_format(buf, t);
	add_text(parent, ns, name, buf);
}

static void add_date(xmlNodePtr parent, xmlNsPtr ns, const char *name, time_t t)
{
	char buf[11];
	smsaudit_date_format(buf, t);
	add_text(parent, ns, name, buf);
}

static void set_attr(xmlNodePtr n, const char *name, const char *value)
{
	xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value);
}

static void add_refs(xmlNodePtr parent, xmlNsPtr ns, const char *name, const smsaudit_evidence_ref *refs, size_t n)
{
	xmlNodePtr list = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
	for (size_t i = 0; i < n; i++) {
		xmlNodePtr e = xmlNewChild(list, ns, (const xmlChar *)"evidence", NULL);
		set_attr(e, "id", refs[i].id);
		if (refs[i].commit[0])
			set_attr(e, "commit", refs[i].commit);
		set_attr(e, "sha256", refs[i].sha256);
	}
}

static void add_dates(xmlNodePtr parent, xmlNsPtr ns, const char *name, time_t from, time_t to)
{
	xmlNodePtr n = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
	char d[11];
	smsaudit_date_format(d, from);
	set_attr(n, "from", d);
	smsaudit_date_format(d, to);
	set_attr(n, "to", d);
}

static void add_list(xmlNodePtr parent, xmlNsPtr ns, const char *item, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add_text(parent, ns, item, v[i]);
}

/* Copy the attributes and the content of element `src` into `dst`, in namespace `ns`. */
static int copy_into(xmlNodePtr dst, xmlNsPtr ns, xmlNodePtr src);

/* Deep-copy element `src` (and its descendants) under `parent`, in namespace `ns`. */
static int copy_element(xmlNodePtr parent, xmlNsPtr ns, xmlNodePtr src)
{
	xmlNodePtr e = xmlNewChild(parent, ns, src->name, NULL);
	if (!e)
		return error_oom();
	return copy_into(e, ns, src);
}

static int copy_into(xmlNodePtr dst, xmlNsPtr ns, xmlNodePtr src)
{
	for (xmlAttrPtr a = src->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		xmlNewProp(dst, a->name, v);
		xmlFree(v);
	}
	int any = 0;
	for (xmlNodePtr c = src->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			any = 1;
			int rc = copy_element(dst, ns, c);
			if (rc < 0)
				return rc;
		}
	if (!any) {
		xmlChar *t = xmlNodeGetContent(src);
		if (t && *t)
			xmlNodeAddContent(dst, t);
		xmlFree(t);
	}
	return 0;
}

/* ---- reading ---- */

static char *child_text(xmlNodePtr parent, const char *name)
{
	/* Exactly as signed: a title that starts with blanks keeps them. */
	xmlNodePtr n = smsaudit_xml_child(parent, name);
	return n ? smsaudit_xml_text_exact(n) : NULL;
}

static time_t child_time(xmlNodePtr parent, const char *name)
{
	char *s = child_text(parent, name);
	time_t t = 0;
	if (s && smsaudit_time_parse(&t, s) < 0)
		t = 0;
	free(s);
	return t;
}

static void copy_hex(char dst[65], char *src)
{
	snprintf(dst, 65, "%s", src ? src : "");
	free(src);
}

static int attr_date(time_t *out, xmlNodePtr n, const char *name)
{
	char *v = smsaudit_xml_attr(n, name);
	int rc = v ? smsaudit_date_parse(out, v) : SMSAUDIT_EINVALID;
	xmlFree(v);
	return rc;
}

static size_t count_children(xmlNodePtr parent)
{
	size_t n = 0;
	for (xmlNodePtr c = smsaudit_xml_first_element(parent); c; c = smsaudit_xml_next_element(c))
		n++;
	return n;
}

static void copy_attr(char *dst, size_t size, xmlNodePtr n, const char *name)
{
	char *v = smsaudit_xml_attr(n, name);
	snprintf(dst, size, "%s", v ? v : "");
	xmlFree(v);
}

/* The schema has vouched for the shape; only allocation can fail here. */
static int parse_refs(smsaudit_evidence_ref **out, size_t *n, xmlNodePtr list)
{
	*n = 0;
	*out = NULL;
	if (!list)
		return 0;
	size_t count = count_children(list);
	if (!(*out = calloc(count ? count : 1, sizeof(**out))))
		return error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(list); c; c = smsaudit_xml_next_element(c)) {
		smsaudit_evidence_ref *ref = &(*out)[(*n)++];
		copy_attr(ref->id, sizeof(ref->id), c, "id");
		copy_attr(ref->commit, sizeof(ref->commit), c, "commit");
		copy_attr(ref->sha256, sizeof(ref->sha256), c, "sha256");
	}
	return 0;
}

/* The texts of the children named `item` of `parent` (which may be NULL). */
static int parse_list(char ***out, size_t *n, xmlNodePtr parent, const char *item)
{
	*n = 0;
	size_t count = 0;
	for (xmlNodePtr c = smsaudit_xml_first_element(parent); c; c = smsaudit_xml_next_element(c))
		count += smsaudit_xml_is(c, item);
	if (!(*out = calloc(count ? count : 1, sizeof(char *))))
		return error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(parent); c; c = smsaudit_xml_next_element(c))
		if (smsaudit_xml_is(c, item))
			(*out)[(*n)++] = smsaudit_xml_text_exact(c);
	return 0;
}

/* ---- field tables ---- */

/* The offset of member `m` of smsaudit_record, which must be of type T: a
 * field table entry of the wrong kind does not compile. */
#define MEMBER(m, T) (offsetof(smsaudit_record, m) + 0 * sizeof(_Generic(&((smsaudit_record *)0)->m, T *: 1)))

#define TEXT(m, n, req) { .name = n, .kind = RECORD_FIELD_STR, .off = MEMBER(m, char *), .required = req }
#define FIXED(m, n, req) \
	{ .name = n, .kind = RECORD_FIELD_FIXED, .off = MEMBER(m[0], char), \
	  .size = sizeof(((smsaudit_record *)0)->m), .required = req }
#define TIME(m, n) { .name = n, .kind = RECORD_FIELD_TIME, .off = MEMBER(m, time_t) }
#define INT(m, n) { .name = n, .kind = RECORD_FIELD_INT, .off = MEMBER(m, int) }
#define UINT(m, n) { .name = n, .kind = RECORD_FIELD_UINT, .off = MEMBER(m, unsigned) }
#define U64(m, n) { .name = n, .kind = RECORD_FIELD_U64, .off = MEMBER(m, uint64_t) }
#define ENUM(m, n, T, count) { .name = n, .kind = RECORD_FIELD_ENUM, .off = MEMBER(m, T), .size = count }
#define LIST(kind_, T, m, count, n, req) \
	{ .name = n, .kind = kind_, .off = MEMBER(m, T), .count_off = MEMBER(count, size_t), .required = req }
#define STRS(m, count, n, req) LIST(RECORD_FIELD_STRS, char **, m, count, n, req)
#define REFS(m, count, n) LIST(RECORD_FIELD_REFS, smsaudit_evidence_ref *, m, count, n, 0)
#define ACTIONS(m, count, n) LIST(RECORD_FIELD_ACTIONS, smsaudit_action *, m, count, n, 0)
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* Enums are read and written as unsigned (ENUM above). */
_Static_assert(sizeof(smsaudit_evidence_kind) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_assessment_result) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_finding_source) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_step_kind) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_cause_method) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_audit_event) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_audit_type) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(smsaudit_recommendation) == sizeof(unsigned), "enum size");

/* <roles><role>…</role>…</roles>: the roles of a grant or an anchor. */
static void add_roles(xmlNodePtr body, xmlNsPtr ns, unsigned flags)
{
	xmlNodePtr roles = xmlNewChild(body, ns, (const xmlChar *)"roles", NULL);
	for (size_t i = 0; i < NROLES; i++)
		if (flags & role_names[i].flag)
			add_text(roles, ns, "role", role_names[i].name);
}

/* The schema has vouched for every name; one it would not know adds nothing. */
static unsigned parse_roles(xmlNodePtr body)
{
	unsigned flags = 0;
	xmlNodePtr roles = smsaudit_xml_child(body, "roles");
	for (xmlNodePtr c = smsaudit_xml_first_element(roles); c; c = smsaudit_xml_next_element(c)) {
		char *role = smsaudit_xml_text_exact(c);
		unsigned f = 0;
		if (role && smsaudit_roles_parse(&f, role) == 0)
			flags |= f;
		free(role);
	}
	return flags;
}

/* ---- person: a person and the roles granted to them ---- */

static const record_field person_fields[] = {
	TEXT(person.name, "name", 1),
	TEXT(person.email, "email", 1),
	UINT(person.roles, "roles"),
	TIME(person.valid_from, "valid-from"),
	TIME(person.valid_until, "valid-until"),
	FIXED(person.fingerprint, "fingerprint", 1),
	TEXT(person.certificate, "certificate", 1),
};

static int person_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_person_body *p = &rec->person;
	add_text(body, ns, "name", p->name);
	add_text(body, ns, "email", p->email);
	add_roles(body, ns, p->roles);
	add_time(body, ns, "valid-from", p->valid_from);
	if (p->valid_until)
		add_time(body, ns, "valid-until", p->valid_until);
	add_text(body, ns, "fingerprint", p->fingerprint);
	add_text(body, ns, "certificate", p->certificate);
	return 0;
}

static int person_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	smsaudit_person_body *p = &rec->person;
	p->name = child_text(body, "name");
	p->email = child_text(body, "email");
	p->roles = parse_roles(body);
	p->valid_from = child_time(body, "valid-from");
	p->valid_until = child_time(body, "valid-until");
	copy_hex(p->fingerprint, child_text(body, "fingerprint"));
	p->certificate = child_text(body, "certificate");
	return 0;
}

/* ---- revocation: a person's certificate no longer signs ---- */

static const record_field revocation_fields[] = {
	TEXT(revocation.email, "email", 1),
	FIXED(revocation.fingerprint, "fingerprint", 1),
	TIME(revocation.effective, "effective"),
	TEXT(revocation.reason, "reason", 1),
};

static int revocation_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	add_text(body, ns, "email", rec->revocation.email);
	add_text(body, ns, "fingerprint", rec->revocation.fingerprint);
	add_time(body, ns, "effective", rec->revocation.effective);
	add_text(body, ns, "reason", rec->revocation.reason);
	return 0;
}

static int revocation_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	rec->revocation.email = child_text(body, "email");
	copy_hex(rec->revocation.fingerprint, child_text(body, "fingerprint"));
	rec->revocation.effective = child_time(body, "effective");
	rec->revocation.reason = child_text(body, "reason");
	return 0;
}

/* ---- evidence: a file, what it shows and for which clauses ---- */

static const record_field evidence_fields[] = {
	TEXT(evidence.title, "title", 1),
	ENUM(evidence.kind, "kind", smsaudit_evidence_kind, SMSAUDIT_KIND__COUNT),
	STRS(evidence.controls, evidence.ncontrols, "controls", 1),
	INT(evidence.has_period, "period"),
	TIME(evidence.period_from, "period from"),
	TIME(evidence.period_to, "period to"),
	TIME(evidence.valid_until, "valid-until"),
	TEXT(evidence.note, "note", 0),
	FIXED(evidence.sha256, "content sha256", 1),
	U64(evidence.size, "content size"),
	TEXT(evidence.media_type, "content media-type", 1),
	TEXT(evidence.name, "content name", 1),
};

static int evidence_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_evidence_body *e = &rec->evidence;
	add_text(body, ns, "title", e->title);
	add_text(body, ns, "kind", smsaudit_evidence_kind_name(e->kind));
	xmlNodePtr cs = xmlNewChild(body, ns, (const xmlChar *)"controls", NULL);
	for (size_t i = 0; i < e->ncontrols; i++)
		add_text(cs, ns, "control", e->controls[i]);
	if (e->has_period) {
		xmlNodePtr per = xmlNewChild(body, ns, (const xmlChar *)"period", NULL);
		char d[11];
		smsaudit_date_format(d, e->period_from);
		set_attr(per, "from", d);
		smsaudit_date_format(d, e->period_to);
		set_attr(per, "to", d);
	}
	if (e->valid_until)
		add_date(body, ns, "valid-until", e->valid_until);
	if (e->note)
		add_text(body, ns, "note", e->note);
	xmlNodePtr c = xmlNewChild(body, ns, (const xmlChar *)"content", NULL);
	set_attr(c, "sha256", e->sha256);
	char size[24];
	snprintf(size, sizeof(size), "%llu", (unsigned long long)e->size);
	set_attr(c, "size", size);
	set_attr(c, "media-type", e->media_type);
	set_attr(c, "name", e->name);
	return 0;
}

static int evidence_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_evidence_body *e = &rec->evidence;
	e->title = child_text(body, "title");
	char *kind = child_text(body, "kind");
	int rc = smsaudit_evidence_kind_parse(&e->kind, kind);
	free(kind);
	xmlNodePtr cs = smsaudit_xml_child(body, "controls");
	size_t n = 0;
	for (xmlNodePtr c = smsaudit_xml_first_element(cs); c; c = smsaudit_xml_next_element(c))
		n++;
	e->controls = calloc(n ? n : 1, sizeof(char *));
	if (!e->controls)
		rc = error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(cs); rc == 0 && c; c = smsaudit_xml_next_element(c))
		e->controls[e->ncontrols++] = smsaudit_xml_text_exact(c);
	xmlNodePtr per = smsaudit_xml_child(body, "period");
	if (rc == 0 && per) {
		e->has_period = 1;
		if (attr_date(&e->period_from, per, "from") < 0 || attr_date(&e->period_to, per, "to") < 0)
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: period", name);
		else if (e->period_to < e->period_from)
			rc = error_set(SMSAUDIT_EINVALID, "%s: period ends before it starts", name);
	}
	char *vu = child_text(body, "valid-until");
	if (rc == 0 && vu && smsaudit_date_parse(&e->valid_until, vu) < 0)
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: valid-until", name);
	free(vu);
	e->note = child_text(body, "note");
	xmlNodePtr c = smsaudit_xml_child(body, "content");
	char *sha = smsaudit_xml_attr(c, "sha256"), *size = smsaudit_xml_attr(c, "size");
	char *mt = smsaudit_xml_attr(c, "media-type"), *nm = smsaudit_xml_attr(c, "name");
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha ? sha : "");
	e->size = size ? strtoull(size, NULL, 10) : 0;
	e->media_type = xstrdup(mt);
	e->name = xstrdup(nm);
	xmlFree(sha);
	xmlFree(size);
	xmlFree(mt);
	xmlFree(nm);
	return rc;
}

/* ---- supersede: a newer evidence record replaces an older one ---- */

static const record_field supersede_fields[] = {
	FIXED(supersede.old_id, "old", 1),
	FIXED(supersede.new_id, "new", 1),
	TEXT(supersede.reason, "reason", 1),
};

static int supersede_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	add_text(body, ns, "old", rec->supersede.old_id);
	add_text(body, ns, "new", rec->supersede.new_id);
	add_text(body, ns, "reason", rec->supersede.reason);
	return 0;
}

static int supersede_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	char *o = child_text(body, "old"), *n = child_text(body, "new");
	snprintf(rec->supersede.old_id, SMSAUDIT_ID_MAX, "%s", o ? o : "");
	snprintf(rec->supersede.new_id, SMSAUDIT_ID_MAX, "%s", n ? n : "");
	free(o);
	free(n);
	rec->supersede.reason = child_text(body, "reason");
	return 0;
}

/* ---- withdraw: an evidence record no longer counts ---- */

static const record_field withdraw_fields[] = {
	FIXED(withdraw.evidence_id, "evidence", 1),
	TEXT(withdraw.reason, "reason", 1),
};

static int withdraw_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	add_text(body, ns, "evidence", rec->withdraw.evidence_id);
	add_text(body, ns, "reason", rec->withdraw.reason);
	return 0;
}

static int withdraw_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	char *ev = child_text(body, "evidence");
	snprintf(rec->withdraw.evidence_id, SMSAUDIT_ID_MAX, "%s", ev ? ev : "");
	free(ev);
	rec->withdraw.reason = child_text(body, "reason");
	return 0;
}

/* ---- assessment: a self-assessment of one clause ---- */

static const record_field assessment_fields[] = {
	FIXED(assessment.clause, "clause", 1),
	ENUM(assessment.result, "result", smsaudit_assessment_result, SMSAUDIT_RESULT_NONCONFORMANT + 1),
	TEXT(assessment.other_party, "other-party", 0),
	TEXT(assessment.note, "note", 1),
};

static int assessment_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	add_text(body, ns, "clause", rec->assessment.clause);
	add_text(body, ns, "result", smsaudit_assessment_result_name(rec->assessment.result));
	if (rec->assessment.other_party)
		add_text(body, ns, "other-party", rec->assessment.other_party);
	add_text(body, ns, "note", rec->assessment.note);
	return 0;
}

static int assessment_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	smsaudit_assessment_body *a = &rec->assessment;
	char *cl = child_text(body, "clause"), *res = child_text(body, "result");
	snprintf(a->clause, sizeof(a->clause), "%s", cl ? cl : "");
	int rc = smsaudit_assessment_result_parse(&a->result, res);
	free(cl);
	free(res);
	a->other_party = child_text(body, "other-party");
	a->note = child_text(body, "note");
	return rc;
}

/* ---- finding: a nonconformity, observation or opportunity, raised by an auditor ---- */

static const record_field finding_fields[] = {
	ENUM(finding.source, "source", smsaudit_finding_source, SMSAUDIT_SOURCE__COUNT),
	FIXED(finding.grade, "grade", 1),
	TIME(finding.raised_on, "raised-on"),
	FIXED(finding.audit, "audit", 0),
	STRS(finding.clauses, finding.nclauses, "clauses", 1),
	TEXT(finding.statement, "statement", 1),
	REFS(finding.evidence, finding.nevidence, "objective-evidence"),
};

static int finding_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_finding_body *f = &rec->finding;
	add_text(body, ns, "source", smsaudit_finding_source_name(f->source));
	add_text(body, ns, "grade", f->grade);
	add_date(body, ns, "raised-on", f->raised_on);
	if (f->audit[0])
		add_text(body, ns, "audit", f->audit);
	xmlNodePtr cs = xmlNewChild(body, ns, (const xmlChar *)"clauses", NULL);
	for (size_t i = 0; i < f->nclauses; i++)
		add_text(cs, ns, "clause", f->clauses[i]);
	add_text(body, ns, "statement", f->statement);
	if (f->nevidence)
		add_refs(body, ns, "objective-evidence", f->evidence, f->nevidence);
	return 0;
}

static int finding_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_finding_body *f = &rec->finding;
	char *src = child_text(body, "source");
	int rc = smsaudit_finding_source_parse(&f->source, src);
	free(src);
	char *g = child_text(body, "grade"), *raised = child_text(body, "raised-on"), *audit = child_text(body, "audit");
	snprintf(f->grade, sizeof(f->grade), "%s", g ? g : "");
	snprintf(f->audit, sizeof(f->audit), "%s", audit ? audit : "");
	if (rc == 0 && smsaudit_date_parse(&f->raised_on, raised) < 0)
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: raised-on", name);
	free(g);
	free(raised);
	free(audit);
	xmlNodePtr cs = smsaudit_xml_child(body, "clauses");
	size_t n = count_children(cs);
	f->clauses = calloc(n ? n : 1, sizeof(char *));
	if (rc == 0 && !f->clauses)
		rc = error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(cs); rc == 0 && c; c = smsaudit_xml_next_element(c))
		f->clauses[f->nclauses++] = smsaudit_xml_text_exact(c);
	f->statement = child_text(body, "statement");
	if (rc == 0)
		rc = parse_refs(&f->evidence, &f->nevidence, smsaudit_xml_child(body, "objective-evidence"));
	return rc;
}

/* ---- step: one step in a finding's life ---- */

static const record_field step_fields[] = {
	FIXED(step.finding, "finding", 1),
	STRS(step.after, step.nafter, "after", 0),
	ENUM(step.kind, "step", smsaudit_step_kind, SMSAUDIT_STEP__COUNT),
	TEXT(step.text, "text", 0),
	ENUM(step.method, "method", smsaudit_cause_method, SMSAUDIT_CAUSE_OTHER + 1),
	ACTIONS(step.actions, step.nactions, "action"),
	FIXED(step.plan, "plan", 0),
	UINT(step.action, "action number"),
	INT(step.effective, "result"),
	REFS(step.evidence, step.nevidence, "evidence-refs"),
};

/* What a step of each kind needs beyond its finding. */
static const char *step_missing(const smsaudit_record *rec)
{
	const smsaudit_step_body *st = &rec->step;
	if (st->kind == SMSAUDIT_STEP_PLAN)
		return st->nactions ? NULL : "action";
	if (!st->text)
		return "text";
	if (st->kind == SMSAUDIT_STEP_IMPLEMENTED && !st->plan[0])
		return "plan";
	return NULL;
}

static int step_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_step_body *st = &rec->step;
	add_text(body, ns, "finding", st->finding);
	add_list(body, ns, "after", st->after, st->nafter);
	xmlNodePtr k = xmlNewChild(body, ns, (const xmlChar *)smsaudit_step_kind_name(st->kind), NULL);
	if (st->kind == SMSAUDIT_STEP_CAUSE)
		set_attr(k, "method", smsaudit_cause_method_name(st->method));
	if (st->kind == SMSAUDIT_STEP_IMPLEMENTED) {
		char number[16];
		set_attr(k, "plan", st->plan);
		snprintf(number, sizeof(number), "%u", st->action);
		set_attr(k, "action", number);
	}
	if (st->kind == SMSAUDIT_STEP_VERIFIED)
		set_attr(k, "result", st->effective ? "effective" : "not-effective");
	if (st->kind == SMSAUDIT_STEP_PLAN) {
		for (size_t i = 0; i < st->nactions; i++) {
			xmlNodePtr a = xmlNewChild(k, ns, (const xmlChar *)"action", NULL);
			set_attr(a, "owner", st->actions[i].owner);
			char d[11];
			smsaudit_date_format(d, st->actions[i].due);
			set_attr(a, "due", d);
			add_text(a, ns, "description", st->actions[i].description);
		}
		if (st->text)
			add_text(k, ns, "text", st->text);
	} else {
		add_text(k, ns, "text", st->text);
	}
	if ((st->kind == SMSAUDIT_STEP_IMPLEMENTED || st->kind == SMSAUDIT_STEP_VERIFIED) && st->nevidence)
		add_refs(k, ns, "evidence-refs", st->evidence, st->nevidence);
	return 0;
}

static int step_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_step_body *st = &rec->step;
	char *fid = child_text(body, "finding");
	snprintf(st->finding, sizeof(st->finding), "%s", fid ? fid : "");
	free(fid);
	int rc = parse_list(&st->after, &st->nafter, body, "after");
	if (rc < 0)
		return rc;
	xmlNodePtr k = smsaudit_xml_next_element(smsaudit_xml_child(body, "finding"));
	while (k && smsaudit_xml_is(k, "after"))
		k = smsaudit_xml_next_element(k);
	st->kind = SMSAUDIT_STEP__COUNT;
	for (int i = 0; i < SMSAUDIT_STEP__COUNT; i++)
		if (smsaudit_xml_is(k, step_names[i]))
			st->kind = (smsaudit_step_kind)i;
	if (st->kind == SMSAUDIT_STEP__COUNT)
		return error_set(SMSAUDIT_EINVALID, "%s: unknown step", name);
	st->text = child_text(k, "text");
	if (st->kind == SMSAUDIT_STEP_CAUSE) {
		char *m = smsaudit_xml_attr(k, "method");
		rc = smsaudit_cause_method_parse(&st->method, m);
		xmlFree(m);
	} else if (st->kind == SMSAUDIT_STEP_PLAN) {
		size_t n = 0;
		for (xmlNodePtr c = smsaudit_xml_first_element(k); c; c = smsaudit_xml_next_element(c))
			n += smsaudit_xml_is(c, "action");
		if (!(st->actions = calloc(n ? n : 1, sizeof(*st->actions))))
			return error_oom();
		for (xmlNodePtr c = smsaudit_xml_first_element(k); rc == 0 && c; c = smsaudit_xml_next_element(c)) {
			if (!smsaudit_xml_is(c, "action"))
				continue;
			smsaudit_action *a = &st->actions[st->nactions++];
			char *owner = smsaudit_xml_attr(c, "owner");
			a->owner = xstrdup(owner);
			xmlFree(owner);
			a->description = child_text(c, "description");
			if (attr_date(&a->due, c, "due") < 0)
				rc = error_prefix(SMSAUDIT_EINVALID, "%s: action %zu due date", name, st->nactions);
		}
	} else if (st->kind == SMSAUDIT_STEP_IMPLEMENTED) {
		copy_attr(st->plan, sizeof(st->plan), k, "plan");
		char *a = smsaudit_xml_attr(k, "action");
		unsigned long v = a ? strtoul(a, NULL, 10) : 0;
		xmlFree(a);
		if (v == 0 || v > 1000)
			rc = error_set(SMSAUDIT_EINVALID, "%s: action number out of range", name);
		st->action = (unsigned)v;
	} else if (st->kind == SMSAUDIT_STEP_VERIFIED) {
		char *res = smsaudit_xml_attr(k, "result");
		st->effective = res && strcmp(res, "effective") == 0;
		xmlFree(res);
	}
	if (rc == 0 && (st->kind == SMSAUDIT_STEP_IMPLEMENTED || st->kind == SMSAUDIT_STEP_VERIFIED))
		rc = parse_refs(&st->evidence, &st->nevidence, smsaudit_xml_child(k, "evidence-refs"));
	return rc;
}

/* ---- audit: planned, started or concluded ---- */

static const record_field audit_fields[] = {
	ENUM(audit.event, "event", smsaudit_audit_event, SMSAUDIT_AUDIT_RESCHEDULE + 1),
	FIXED(audit.audit, "audit", 0),
	ENUM(audit.type, "type", smsaudit_audit_type, SMSAUDIT_AUDIT__COUNT),
	TIME(audit.planned_from, "planned from"),
	TIME(audit.planned_to, "planned to"),
	TEXT(audit.body, "body", 0),
	TEXT(audit.lead, "lead", 0),
	STRS(audit.team, audit.nteam, "team", 0),
	STRS(audit.clauses, audit.nclauses, "scope clauses", 0),
	STRS(audit.services, audit.nservices, "scope services", 0),
	STRS(audit.sites, audit.nsites, "sites", 0),
	TIME(audit.actual_from, "actual from"),
	TIME(audit.actual_to, "actual to"),
	ENUM(audit.recommendation, "recommendation", smsaudit_recommendation, SMSAUDIT_REC_NOT_RECOMMENDED + 1),
	TEXT(audit.conditions, "conditions", 0),
	STRS(audit.concerns, audit.nconcerns, "concerns", 0),
	TEXT(audit.summary, "summary", 0),
	TEXT(audit.reason, "reason", 0),
};

/* A plan names who audits; a start or a conclusion names the planned audit. */
static const char *audit_missing(const smsaudit_record *rec)
{
	const smsaudit_audit_body *a = &rec->audit;
	if (a->event == SMSAUDIT_AUDIT_PLAN)
		return !a->body ? "body" : !a->lead ? "lead" : NULL;
	if (!a->audit[0])
		return "audit";
	if (a->event == SMSAUDIT_AUDIT_CONCLUDE && !a->summary)
		return "summary";
	if ((a->event == SMSAUDIT_AUDIT_CANCEL || a->event == SMSAUDIT_AUDIT_RESCHEDULE) && !a->reason)
		return "reason";
	return NULL;
}

static int audit_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_audit_body *a = &rec->audit;
	char d[11];
	if (a->event == SMSAUDIT_AUDIT_PLAN) {
		xmlNodePtr p = xmlNewChild(body, ns, (const xmlChar *)"plan", NULL);
		add_text(p, ns, "type", smsaudit_audit_type_name(a->type));
		add_dates(p, ns, "planned", a->planned_from, a->planned_to);
		add_text(p, ns, "body", a->body);
		add_text(p, ns, "lead", a->lead);
		if (a->nteam)
			add_list(xmlNewChild(p, ns, (const xmlChar *)"team", NULL), ns, "member", a->team, a->nteam);
		if (a->nclauses || a->nservices) {
			xmlNodePtr sc = xmlNewChild(p, ns, (const xmlChar *)"scope", NULL);
			add_list(sc, ns, "clause", a->clauses, a->nclauses);
			add_list(sc, ns, "service", a->services, a->nservices);
		}
		if (a->nsites)
			add_list(xmlNewChild(p, ns, (const xmlChar *)"sites", NULL), ns, "site", a->sites, a->nsites);
	} else if (a->event == SMSAUDIT_AUDIT_START) {
		xmlNodePtr st = xmlNewChild(body, ns, (const xmlChar *)"started", NULL);
		set_attr(st, "audit", a->audit);
		smsaudit_date_format(d, a->actual_from);
		set_attr(st, "on", d);
	} else if (a->event == SMSAUDIT_AUDIT_CANCEL || a->event == SMSAUDIT_AUDIT_RESCHEDULE) {
		int cancel = a->event == SMSAUDIT_AUDIT_CANCEL;
		xmlNodePtr c = xmlNewChild(body, ns, (const xmlChar *)(cancel ? "cancelled" : "rescheduled"), NULL);
		set_attr(c, "audit", a->audit);
		if (!cancel)
			add_dates(c, ns, "planned", a->planned_from, a->planned_to);
		add_text(c, ns, "reason", a->reason);
	} else {
		xmlNodePtr c = xmlNewChild(body, ns, (const xmlChar *)"concluded", NULL);
		set_attr(c, "audit", a->audit);
		add_dates(c, ns, "actual", a->actual_from, a->actual_to);
		add_text(c, ns, "recommendation", smsaudit_recommendation_name(a->recommendation));
		if (a->conditions)
			add_text(c, ns, "conditions", a->conditions);
		if (a->nconcerns)
			add_list(xmlNewChild(c, ns, (const xmlChar *)"concerns", NULL), ns, "concern", a->concerns, a->nconcerns);
		add_text(c, ns, "summary", a->summary);
	}
	return 0;
}

static int audit_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_audit_body *a = &rec->audit;
	xmlNodePtr e = smsaudit_xml_first_element(body);
	int rc = 0;
	if (smsaudit_xml_is(e, "plan")) {
		a->event = SMSAUDIT_AUDIT_PLAN;
		char *t = child_text(e, "type");
		rc = smsaudit_audit_type_parse(&a->type, t);
		free(t);
		xmlNodePtr pl = smsaudit_xml_child(e, "planned");
		if (rc == 0 && (attr_date(&a->planned_from, pl, "from") < 0 || attr_date(&a->planned_to, pl, "to") < 0))
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: planned dates", name);
		a->body = child_text(e, "body");
		a->lead = child_text(e, "lead");
		xmlNodePtr sc = smsaudit_xml_child(e, "scope");
		if (rc == 0)
			rc = parse_list(&a->team, &a->nteam, smsaudit_xml_child(e, "team"), "member");
		if (rc == 0)
			rc = parse_list(&a->clauses, &a->nclauses, sc, "clause");
		if (rc == 0)
			rc = parse_list(&a->services, &a->nservices, sc, "service");
		if (rc == 0)
			rc = parse_list(&a->sites, &a->nsites, smsaudit_xml_child(e, "sites"), "site");
	} else if (smsaudit_xml_is(e, "started")) {
		a->event = SMSAUDIT_AUDIT_START;
		copy_attr(a->audit, sizeof(a->audit), e, "audit");
		if (attr_date(&a->actual_from, e, "on") < 0)
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: start date", name);
	} else if (smsaudit_xml_is(e, "cancelled") || smsaudit_xml_is(e, "rescheduled")) {
		int cancel = smsaudit_xml_is(e, "cancelled");
		a->event = cancel ? SMSAUDIT_AUDIT_CANCEL : SMSAUDIT_AUDIT_RESCHEDULE;
		copy_attr(a->audit, sizeof(a->audit), e, "audit");
		xmlNodePtr pl = smsaudit_xml_child(e, "planned");
		if (!cancel && (attr_date(&a->planned_from, pl, "from") < 0 || attr_date(&a->planned_to, pl, "to") < 0))
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: planned dates", name);
		a->reason = child_text(e, "reason");
	} else {
		a->event = SMSAUDIT_AUDIT_CONCLUDE;
		copy_attr(a->audit, sizeof(a->audit), e, "audit");
		xmlNodePtr ac = smsaudit_xml_child(e, "actual");
		if (attr_date(&a->actual_from, ac, "from") < 0 || attr_date(&a->actual_to, ac, "to") < 0)
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: actual dates", name);
		char *r = child_text(e, "recommendation");
		if (rc == 0)
			rc = smsaudit_recommendation_parse(&a->recommendation, r);
		free(r);
		a->conditions = child_text(e, "conditions");
		a->summary = child_text(e, "summary");
		if (rc == 0)
			rc = parse_list(&a->concerns, &a->nconcerns, smsaudit_xml_child(e, "concerns"), "concern");
	}
	return rc;
}

/* ---- seal: a sealed audit pack ---- */

static const record_field seal_fields[] = {
	FIXED(seal.audit, "audit", 1),
	FIXED(seal.pack, "pack", 1),
	FIXED(seal.commit, "source-commit", 1),
	TIME(seal.as_of, "as-of"),
	FIXED(seal.manifest_sha256, "manifest-sha256", 1),
	FIXED(seal.sums_sha256, "sums-sha256", 1),
	FIXED(seal.pdf_sha256, "pdf-sha256", 1),
};

static int seal_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	add_text(body, ns, "audit", rec->seal.audit);
	add_text(body, ns, "pack", rec->seal.pack);
	add_text(body, ns, "source-commit", rec->seal.commit);
	add_date(body, ns, "as-of", rec->seal.as_of);
	add_text(body, ns, "manifest-sha256", rec->seal.manifest_sha256);
	add_text(body, ns, "sums-sha256", rec->seal.sums_sha256);
	add_text(body, ns, "pdf-sha256", rec->seal.pdf_sha256);
	return 0;
}

static int seal_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_seal_body *s = &rec->seal;
	static const struct { const char *name; size_t off, size; } fields[] = {
		{ "audit", offsetof(smsaudit_seal_body, audit), SMSAUDIT_ID_MAX },
		{ "pack", offsetof(smsaudit_seal_body, pack), 80 },
		{ "source-commit", offsetof(smsaudit_seal_body, commit), 41 },
		{ "manifest-sha256", offsetof(smsaudit_seal_body, manifest_sha256), 65 },
		{ "sums-sha256", offsetof(smsaudit_seal_body, sums_sha256), 65 },
		{ "pdf-sha256", offsetof(smsaudit_seal_body, pdf_sha256), 65 },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *v = child_text(body, fields[i].name);
		snprintf((char *)s + fields[i].off, fields[i].size, "%s", v ? v : "");
		free(v);
	}
	int rc = 0;
	char *d = child_text(body, "as-of");
	if (!d || smsaudit_date_parse(&s->as_of, d) < 0)
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: as-of", name);
	free(d);
	return rc;
}

/* ---- certificate: the certificate the certification body issued ---- */

static const record_field certificate_fields[] = {
	TEXT(certificate.number, "number", 1),
	TEXT(certificate.body, "body", 1),
	TEXT(certificate.scope, "scope-statement", 1),
	TIME(certificate.issued, "issued"),
	TIME(certificate.expires, "expires"),
};

static int certificate_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_certificate_body *c = &rec->certificate;
	add_text(body, ns, "number", c->number);
	add_text(body, ns, "body", c->body);
	add_text(body, ns, "scope-statement", c->scope);
	add_date(body, ns, "issued", c->issued);
	add_date(body, ns, "expires", c->expires);
	return 0;
}

static int certificate_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	smsaudit_certificate_body *c = &rec->certificate;
	c->number = child_text(body, "number");
	c->body = child_text(body, "body");
	c->scope = child_text(body, "scope-statement");
	int rc = 0;
	char *d = child_text(body, "issued");
	if (!d || smsaudit_date_parse(&c->issued, d) < 0)
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: issued", name);
	free(d);
	d = child_text(body, "expires");
	if (rc == 0 && (!d || smsaudit_date_parse(&c->expires, d) < 0))
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: expires", name);
	free(d);
	return rc;
}

/* ---- anchor: a certification body's CA for the external-auditor role ---- */

static const record_field anchor_fields[] = {
	TEXT(anchor.name, "name", 1),
	UINT(anchor.roles, "roles"),
	FIXED(anchor.fingerprint, "fingerprint", 1),
	TEXT(anchor.certificate, "certificate", 1),
};

static int anchor_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const smsaudit_anchor_body *a = &rec->anchor;
	add_text(body, ns, "name", a->name);
	add_roles(body, ns, a->roles);
	add_text(body, ns, "fingerprint", a->fingerprint);
	add_text(body, ns, "certificate", a->certificate);
	return 0;
}

static int anchor_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	smsaudit_anchor_body *a = &rec->anchor;
	a->name = child_text(body, "name");
	a->roles = parse_roles(body);
	copy_hex(a->fingerprint, child_text(body, "fingerprint"));
	a->certificate = child_text(body, "certificate");
	return 0;
}

/* ---- sms: a new version of the SMS description ---- */

static const record_field sms_fields[] = {
	TEXT(sms.xml, "description", 1),
};

/* The SMS description (a standalone <sms> document) as the record's body. */
static int sms_write(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec)
{
	const char *xml = rec->sms.xml;
	xmlDocPtr d = NULL;
	int rc = smsaudit_xml_parse_memory(&d, xml, strlen(xml), rec->id);
	xmlNodePtr src = d ? xmlDocGetRootElement(d) : NULL;
	if (rc == 0 && !smsaudit_xml_is(src, "sms"))
		rc = error_set(SMSAUDIT_EINVALID, "%s: the SMS description is not an <sms> element", rec->id);
	if (rc == 0)
		rc = copy_into(body, ns, src);
	xmlFreeDoc(d);
	return rc;
}

/* The body of an sms record back to a standalone canonical document. */
static int sms_parse(smsaudit_record *rec, xmlNodePtr body, const char *name)
{
	(void)name;
	char **out = &rec->sms.xml;
	*out = NULL;
	xmlDocPtr d = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = d ? xmlNewNode(NULL, (const xmlChar *)"sms") : NULL;
	if (!root) {
		xmlFreeDoc(d);
		return error_oom();
	}
	xmlDocSetRootElement(d, root);
	xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)RECORD_NS, NULL);
	xmlSetNs(root, ns);
	for (xmlAttrPtr a = body->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		xmlNewProp(root, a->name, v);
		xmlFree(v);
	}
	int rc = 0;
	for (xmlNodePtr c = body->children; rc == 0 && c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			rc = copy_element(root, ns, c);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(&b, d);
	xmlFreeDoc(d);
	if (rc == 0 && !(*out = strndup(b.ptr, b.size)))
		rc = error_oom();
	smsaudit_buf_dispose(&b);
	return rc;
}

/* ---- the table ---- */

#define QM SMSAUDIT_ROLE_QUALITY_MANAGER
#define PO SMSAUDIT_ROLE_PROCESS_OWNER
#define IA SMSAUDIT_ROLE_INTERNAL_AUDITOR
#define EA SMSAUDIT_ROLE_EXTERNAL_AUDITOR
#define DESC(t, name_, prefix, roles, cached_, fields_, missing_, fn) \
	[t] = { .type = t, .name = name_, .id_prefix = prefix, .signer_roles = roles, .cached = cached_, \
	        .fields = fields_, .nfields = NFIELDS(fields_), .missing = missing_, \
	        .write = fn##_write, .parse = fn##_parse }

/* Which of the roles may sign which finding, step or audit event is decided
 * by the finding and audit rules (finding.c, audit.c), which know the source,
 * the step and the audit's team. Audit, seal and SMS records are few: they
 * are verified every time rather than kept in the verification cache. */
static const record_type_desc record_types[SMSAUDIT_REC__COUNT] = {
	DESC(SMSAUDIT_REC_PERSON, "person", "person", QM, 1, person_fields, NULL, person),
	DESC(SMSAUDIT_REC_REVOCATION, "revocation", "revoke", QM, 1, revocation_fields, NULL, revocation),
	DESC(SMSAUDIT_REC_EVIDENCE, "evidence", "ev", QM | PO | IA, 1, evidence_fields, NULL, evidence),
	DESC(SMSAUDIT_REC_SUPERSEDE, "supersede", "supersede", QM | PO | IA, 1, supersede_fields, NULL, supersede),
	DESC(SMSAUDIT_REC_WITHDRAW, "withdraw", "withdraw", QM | PO | IA, 1, withdraw_fields, NULL, withdraw),
	DESC(SMSAUDIT_REC_ASSESSMENT, "assessment", "assess", QM | PO, 1, assessment_fields, NULL, assessment),
	DESC(SMSAUDIT_REC_FINDING, "finding", "finding", QM | IA | EA, 1, finding_fields, NULL, finding),
	DESC(SMSAUDIT_REC_STEP, "step", "step", QM | PO | IA | EA, 1, step_fields, step_missing, step),
	DESC(SMSAUDIT_REC_AUDIT, "audit", "audit", QM | IA | EA, 0, audit_fields, audit_missing, audit),
	DESC(SMSAUDIT_REC_SEAL, "seal", "seal", QM, 0, seal_fields, NULL, seal),
	DESC(SMSAUDIT_REC_SMS, "sms", "sms", QM, 0, sms_fields, NULL, sms),
	DESC(SMSAUDIT_REC_CERTIFICATE, "certificate", "cert", QM, 0, certificate_fields, NULL, certificate),
	DESC(SMSAUDIT_REC_ANCHOR, "anchor", "anchor", QM, 0, anchor_fields, NULL, anchor),
};

const record_type_desc *record_type_desc_of(smsaudit_record_type type)
{
	/* A gap in the table (a type added to the enum only) is no type. */
	if ((unsigned)type >= SMSAUDIT_REC__COUNT || !record_types[type].name)
		return NULL;
	return &record_types[type];
}

static void *field_at(const smsaudit_record *rec, size_t off)
{
	return (char *)rec + off;
}

static size_t field_count(const smsaudit_record *rec, const record_field *f)
{
	return *(const size_t *)field_at(rec, f->count_off);
}

const char *record_missing_field(const smsaudit_record *rec)
{
	if (!rec->made_by)
		return "made-by";
	const record_type_desc *d = record_type_desc_of(rec->type);
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->nfields; i++) {
		const record_field *f = &d->fields[i];
		if (!f->required)
			continue;
		const void *p = field_at(rec, f->off);
		int absent = 0;
		switch (f->kind) {
		case RECORD_FIELD_STR:
			absent = *(char *const *)p == NULL;
			break;
		case RECORD_FIELD_FIXED:
			absent = *(const char *)p == '\0';
			break;
		case RECORD_FIELD_STRS:
		case RECORD_FIELD_REFS:
		case RECORD_FIELD_ACTIONS:
			absent = field_count(rec, f) == 0;
			break;
		default:
			break;
		}
		if (absent)
			return f->name;
	}
	return d->missing ? d->missing(rec) : NULL;
}

/* ---- any record ---- */

int smsaudit_record_to_xml(smsaudit_buf *out, const smsaudit_record *rec)
{
	const record_type_desc *desc = record_type_desc_of(rec->type);
	if (!desc)
		return error_set(SMSAUDIT_EINVALID, "%s: no record type %d", rec->id, (int)rec->type);
	const char *missing = record_missing_field(rec);
	if (missing)
		return error_set(SMSAUDIT_EINVALID, "%s: the %s record has no %s", rec->id, desc->name, missing);
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = doc ? xmlNewNode(NULL, (const xmlChar *)"record") : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		return error_oom();
	}
	xmlDocSetRootElement(doc, root);
	xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)RECORD_NS, NULL);
	xmlSetNs(root, ns);
	set_attr(root, "id", rec->id);
	set_attr(root, "version", RECORD_VERSION);
	add_time(root, ns, "made-at", rec->made_at);
	add_text(root, ns, "made-by", rec->made_by);
	xmlNodePtr body = xmlNewChild(root, ns, (const xmlChar *)desc->name, NULL);
	int rc = body ? desc->write(body, ns, rec) : error_oom();
	/* A record that would not pass verify is never written. */
	if (rc == 0)
		rc = record_schema_validate(doc, rec->id);
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(out, doc);
	xmlFreeDoc(doc);
	return rc;
}

static void field_free(smsaudit_record *rec, const record_field *f)
{
	void *p = field_at(rec, f->off);
	switch (f->kind) {
	case RECORD_FIELD_STR:
		free(*(char **)p);
		break;
	case RECORD_FIELD_STRS: {
		char **v = *(char ***)p;
		for (size_t i = 0; v && i < field_count(rec, f); i++)
			free(v[i]);
		free(v);
		break;
	}
	case RECORD_FIELD_REFS:
		free(*(smsaudit_evidence_ref **)p);
		break;
	case RECORD_FIELD_ACTIONS: {
		smsaudit_action *v = *(smsaudit_action **)p;
		for (size_t i = 0; v && i < field_count(rec, f); i++) {
			free(v[i].description);
			free(v[i].owner);
		}
		free(v);
		break;
	}
	default:
		break;
	}
}

void smsaudit_record_free(smsaudit_record *r)
{
	if (!r)
		return;
	if (r->one_block) {
		free(r);
		return;
	}
	free(r->made_by);
	const record_type_desc *d = record_type_desc_of(r->type);
	for (size_t i = 0; d && i < d->nfields; i++)
		field_free(r, &d->fields[i]);
	free(r);
}

int smsaudit_record_parse(smsaudit_record **out, const char *data, size_t len, const char *name)
{
	*out = NULL;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, data, len, name);
	if (rc < 0)
		return rc;
	if ((rc = record_schema_validate(doc, name)) < 0) {
		xmlFreeDoc(doc);
		return rc;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!smsaudit_xml_is(root, "record")) {
		xmlFreeDoc(doc);
		return error_set(SMSAUDIT_EINVALID, "%s: not a record", name);
	}
	smsaudit_record *r = calloc(1, sizeof(*r));
	if (!r) {
		xmlFreeDoc(doc);
		return error_oom();
	}
	char *id = smsaudit_xml_attr(root, "id");
	snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
	xmlFree(id);
	char *made_at = child_text(root, "made-at");
	if (smsaudit_time_parse(&r->made_at, made_at) < 0)
		rc = error_prefix(SMSAUDIT_EINVALID, "%s: made-at", name);
	free(made_at);
	r->made_by = child_text(root, "made-by");

	xmlNodePtr body = smsaudit_xml_next_element(smsaudit_xml_child(root, "made-by"));
	const record_type_desc *desc = NULL;
	for (int t = 0; !desc && t < SMSAUDIT_REC__COUNT; t++) {
		const record_type_desc *d = record_type_desc_of((smsaudit_record_type)t);
		if (d && smsaudit_xml_is(body, d->name))
			desc = d;
	}
	r->type = desc ? desc->type : SMSAUDIT_REC__COUNT;
	smsaudit_record_type id_type;
	if (rc == 0 && (smsaudit_record_id_type(&id_type, r->id) < 0 || id_type != r->type))
		rc = error_set(SMSAUDIT_EINVALID, "%s: id '%s' does not match %s %s record", name, r->id,
		               smsaudit_article(smsaudit_record_type_name(r->type)), smsaudit_record_type_name(r->type));
	if (rc == 0)
		rc = desc->parse(r, body, name);
	xmlFreeDoc(doc);
	if (rc < 0) {
		smsaudit_record_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

size_t record_head_size(const record_type_desc *desc)
{
	size_t end = offsetof(smsaudit_record, evidence);
	for (size_t i = 0; i < desc->nfields; i++) {
		const record_field *f = &desc->fields[i];
		size_t e = f->off;
		switch (f->kind) {
		case RECORD_FIELD_FIXED: e += f->size; break;
		case RECORD_FIELD_INT:
		case RECORD_FIELD_UINT:
		case RECORD_FIELD_ENUM: e += sizeof(int); break;
		case RECORD_FIELD_TIME: e += sizeof(time_t); break;
		case RECORD_FIELD_U64: e += sizeof(uint64_t); break;
		case RECORD_FIELD_STRS:
		case RECORD_FIELD_REFS:
		case RECORD_FIELD_ACTIONS:
			e += sizeof(void *);
			if (f->count_off + sizeof(size_t) > e)
				e = f->count_off + sizeof(size_t);
			break;
		default: e += sizeof(char *); break;
		}
		if (e > end)
			end = e;
	}
	end = (end + _Alignof(smsaudit_record) - 1) & ~(_Alignof(smsaudit_record) - 1);
	return end < sizeof(smsaudit_record) ? end : sizeof(smsaudit_record);
}
