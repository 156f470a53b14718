/* Records: ids, paths, canonical XML out, validated XML in. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/rand.h>

#include "internal.h"
#include "smsaudit/record.h"

#define RECORD_NS "urn:smsaudit:record:1"
#define RECORD_VERSION "1"

static const char *const type_names[SMSAUDIT_REC__COUNT] = {
	"person", "revocation", "evidence", "supersede", "withdraw", "assessment", "finding", "step", "audit", "seal",
	"sms"
};
static const char *const id_prefixes[SMSAUDIT_REC__COUNT] = {
	"person", "revoke", "ev", "supersede", "withdraw", "assess", "finding", "step", "audit", "seal", "sms"
};

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
	"correction", "cause", "plan", "implemented", "verified", "closed", "reopened"
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
	return (unsigned)type < SMSAUDIT_REC__COUNT ? type_names[type] : "unknown";
}

unsigned smsaudit_record_signer_roles(smsaudit_record_type type)
{
	switch (type) {
	case SMSAUDIT_REC_PERSON:
	case SMSAUDIT_REC_REVOCATION:
		return SMSAUDIT_ROLE_QUALITY_MANAGER;
	case SMSAUDIT_REC_EVIDENCE:
	case SMSAUDIT_REC_SUPERSEDE:
	case SMSAUDIT_REC_WITHDRAW:
		return SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_PROCESS_OWNER |
		       SMSAUDIT_ROLE_INTERNAL_AUDITOR;
	case SMSAUDIT_REC_ASSESSMENT:
		return SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_PROCESS_OWNER;
	/* Which of these may sign which finding or step is decided by the
	 * finding rules (finding.c), which know the source and the step. */
	case SMSAUDIT_REC_FINDING:
		return SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	case SMSAUDIT_REC_STEP:
		return SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_PROCESS_OWNER | SMSAUDIT_ROLE_INTERNAL_AUDITOR |
		       SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	case SMSAUDIT_REC_AUDIT:  /* plan: quality manager; conclude: an auditor of the audit (audit.c) */
		return SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	case SMSAUDIT_REC_SEAL:
	case SMSAUDIT_REC_SMS:
		return SMSAUDIT_ROLE_QUALITY_MANAGER;
	default:
		return 0;
	}
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
	unsigned char r[8];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return error_set(SMSAUDIT_ERROR, "no random bytes for a record id");
	char date[11];
	smsaudit_date_format(date, when);
	snprintf(out, SMSAUDIT_ID_MAX, "%s-%.4s%.2s%.2s-%02x%02x%02x%02x%02x%02x%02x%02x", id_prefixes[type],
	         date, date + 5, date + 8, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return 0;
}

int smsaudit_record_id_type(smsaudit_record_type *out, const char *id)
{
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++) {
		size_t pl = strlen(id_prefixes[t]);
		if (strncmp(id, id_prefixes[t], pl) != 0 || id[pl] != '-')
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

/* Valid UTF-8 of 1..max bytes, not blank, no C0/C1 controls or DEL except the
 * newline and tab of multi-line text. */
static int text_check(const char *s, size_t max, int multiline)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (n == 0 || n > max || !smsaudit_utf8_valid(s, n))
		return 0;
	int nonblank = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int layout = multiline && (*p == '\n' || *p == '\t');
		if ((*p < 0x20 && !layout) || *p == 0x7f)
			return 0;
		if (*p != ' ' && !layout)
			nonblank = 1;
	}
	/* C1 controls (U+0080..U+009F) are as invisible as C0 ones. */
	for (const unsigned char *p = (const unsigned char *)s; p[0] && p[1]; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	return nonblank;
}

int smsaudit_text_ok(const char *s, size_t max)
{
	return text_check(s, max, 0);
}

int smsaudit_note_ok(const char *s, size_t max)
{
	return text_check(s, max, 1);
}

int smsaudit_filename_ok(const char *s)
{
	return smsaudit_text_ok(s, 255) && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0 && strstr(s, "..") != s;
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

static void write_audit(xmlNodePtr body, xmlNsPtr ns, const smsaudit_audit_body *a)
{
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
}

/* Deep-copy element `src` (and its descendants) under `parent`, in namespace `ns`. */
static int copy_element(xmlNodePtr parent, xmlNsPtr ns, xmlNodePtr src)
{
	xmlNodePtr e = xmlNewChild(parent, ns, src->name, NULL);
	if (!e)
		return error_oom();
	for (xmlAttrPtr a = src->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		xmlNewProp(e, a->name, v);
		xmlFree(v);
	}
	int any = 0;
	for (xmlNodePtr c = src->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			any = 1;
			int rc = copy_element(e, ns, c);
			if (rc < 0)
				return rc;
		}
	if (!any) {
		xmlChar *t = xmlNodeGetContent(src);
		if (t && *t)
			xmlNodeAddContent(e, t);
		xmlFree(t);
	}
	return 0;
}

/* The SMS description (a standalone <sms> document) as the record's body. */
static int add_sms(xmlNodePtr root, xmlNsPtr ns, const char *xml, const char *name)
{
	xmlDocPtr d = NULL;
	int rc = smsaudit_xml_parse_memory(&d, xml ? xml : "", xml ? strlen(xml) : 0, name);
	xmlNodePtr src = d ? xmlDocGetRootElement(d) : NULL;
	if (rc == 0 && !smsaudit_xml_is(src, "sms"))
		rc = error_set(SMSAUDIT_EINVALID, "%s: the SMS description is not an <sms> element", name);
	if (rc == 0)
		rc = copy_element(root, ns, src);
	xmlFreeDoc(d);
	return rc;
}

/* The body of an sms record back to a standalone canonical document. */
static int sms_from_body(char **out, xmlNodePtr body)
{
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

int smsaudit_record_to_xml(smsaudit_buf *out, const smsaudit_record *rec)
{
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
	if (rec->type == SMSAUDIT_REC_SMS) {
		int rc = add_sms(root, ns, rec->sms.xml, rec->id);
		if (rc == 0)
			rc = record_schema_validate(doc, rec->id);
		if (rc == 0)
			rc = smsaudit_xml_write_canonical(out, doc);
		xmlFreeDoc(doc);
		return rc;
	}
	xmlNodePtr body = xmlNewChild(root, ns, (const xmlChar *)type_names[rec->type], NULL);
	char buf[64];
	switch (rec->type) {
	case SMSAUDIT_REC_PERSON: {
		const smsaudit_person_body *p = &rec->person;
		add_text(body, ns, "name", p->name);
		add_text(body, ns, "email", p->email);
		xmlNodePtr roles = xmlNewChild(body, ns, (const xmlChar *)"roles", NULL);
		for (size_t i = 0; i < NROLES; i++)
			if (p->roles & role_names[i].flag)
				add_text(roles, ns, "role", role_names[i].name);
		add_time(body, ns, "valid-from", p->valid_from);
		if (p->valid_until)
			add_time(body, ns, "valid-until", p->valid_until);
		add_text(body, ns, "fingerprint", p->fingerprint);
		add_text(body, ns, "certificate", p->certificate);
		break;
	}
	case SMSAUDIT_REC_REVOCATION:
		add_text(body, ns, "email", rec->revocation.email);
		add_text(body, ns, "fingerprint", rec->revocation.fingerprint);
		add_time(body, ns, "effective", rec->revocation.effective);
		add_text(body, ns, "reason", rec->revocation.reason);
		break;
	case SMSAUDIT_REC_EVIDENCE: {
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
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)e->size);
		set_attr(c, "size", buf);
		set_attr(c, "media-type", e->media_type);
		set_attr(c, "name", e->name);
		break;
	}
	case SMSAUDIT_REC_SUPERSEDE:
		add_text(body, ns, "old", rec->supersede.old_id);
		add_text(body, ns, "new", rec->supersede.new_id);
		add_text(body, ns, "reason", rec->supersede.reason);
		break;
	case SMSAUDIT_REC_WITHDRAW:
		add_text(body, ns, "evidence", rec->withdraw.evidence_id);
		add_text(body, ns, "reason", rec->withdraw.reason);
		break;
	case SMSAUDIT_REC_ASSESSMENT:
		add_text(body, ns, "clause", rec->assessment.clause);
		add_text(body, ns, "result", smsaudit_assessment_result_name(rec->assessment.result));
		if (rec->assessment.other_party)
			add_text(body, ns, "other-party", rec->assessment.other_party);
		add_text(body, ns, "note", rec->assessment.note);
		break;
	case SMSAUDIT_REC_FINDING: {
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
		break;
	}
	case SMSAUDIT_REC_STEP: {
		const smsaudit_step_body *st = &rec->step;
		add_text(body, ns, "finding", st->finding);
		xmlNodePtr k = xmlNewChild(body, ns, (const xmlChar *)smsaudit_step_kind_name(st->kind), NULL);
		if (st->kind == SMSAUDIT_STEP_CAUSE)
			set_attr(k, "method", smsaudit_cause_method_name(st->method));
		if (st->kind == SMSAUDIT_STEP_IMPLEMENTED) {
			set_attr(k, "plan", st->plan);
			snprintf(buf, sizeof(buf), "%u", st->action);
			set_attr(k, "action", buf);
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
		break;
	}
	case SMSAUDIT_REC_AUDIT:
		write_audit(body, ns, &rec->audit);
		break;
	case SMSAUDIT_REC_SEAL:
		add_text(body, ns, "audit", rec->seal.audit);
		add_text(body, ns, "pack", rec->seal.pack);
		add_text(body, ns, "source-commit", rec->seal.commit);
		add_date(body, ns, "as-of", rec->seal.as_of);
		add_text(body, ns, "manifest-sha256", rec->seal.manifest_sha256);
		add_text(body, ns, "sums-sha256", rec->seal.sums_sha256);
		add_text(body, ns, "pdf-sha256", rec->seal.pdf_sha256);
		break;
	default:
		break;
	}
	/* A record that would not pass verify is never written. */
	int rc = record_schema_validate(doc, rec->id);
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(out, doc);
	xmlFreeDoc(doc);
	return rc;
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

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void smsaudit_record_free(smsaudit_record *r)
{
	if (!r)
		return;
	free(r->made_by);
	switch (r->type) {
	case SMSAUDIT_REC_PERSON:
		free(r->person.name);
		free(r->person.email);
		free(r->person.certificate);
		break;
	case SMSAUDIT_REC_REVOCATION:
		free(r->revocation.email);
		free(r->revocation.reason);
		break;
	case SMSAUDIT_REC_EVIDENCE:
		free(r->evidence.title);
		for (size_t i = 0; i < r->evidence.ncontrols; i++)
			free(r->evidence.controls[i]);
		free(r->evidence.controls);
		free(r->evidence.note);
		free(r->evidence.media_type);
		free(r->evidence.name);
		break;
	case SMSAUDIT_REC_SUPERSEDE:
		free(r->supersede.reason);
		break;
	case SMSAUDIT_REC_WITHDRAW:
		free(r->withdraw.reason);
		break;
	case SMSAUDIT_REC_ASSESSMENT:
		free(r->assessment.other_party);
		free(r->assessment.note);
		break;
	case SMSAUDIT_REC_FINDING:
		for (size_t i = 0; i < r->finding.nclauses; i++)
			free(r->finding.clauses[i]);
		free(r->finding.clauses);
		free(r->finding.statement);
		free(r->finding.evidence);
		break;
	case SMSAUDIT_REC_STEP:
		free(r->step.text);
		for (size_t i = 0; i < r->step.nactions; i++) {
			free(r->step.actions[i].description);
			free(r->step.actions[i].owner);
		}
		free(r->step.actions);
		free(r->step.evidence);
		break;
	case SMSAUDIT_REC_AUDIT: {
		smsaudit_audit_body *a = &r->audit;
		free(a->body);
		free(a->lead);
		free_list(a->team, a->nteam);
		free_list(a->clauses, a->nclauses);
		free_list(a->services, a->nservices);
		free_list(a->sites, a->nsites);
		free(a->conditions);
		free_list(a->concerns, a->nconcerns);
		free(a->summary);
		break;
	}
	case SMSAUDIT_REC_SMS:
		free(r->sms.xml);
		break;
	default:
		break;
	}
	free(r);
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

static int parse_finding(smsaudit_finding_body *f, xmlNodePtr body, const char *name)
{
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

static int parse_step(smsaudit_step_body *st, xmlNodePtr body, const char *name)
{
	char *fid = child_text(body, "finding");
	snprintf(st->finding, sizeof(st->finding), "%s", fid ? fid : "");
	free(fid);
	xmlNodePtr k = smsaudit_xml_next_element(smsaudit_xml_child(body, "finding"));
	st->kind = SMSAUDIT_STEP__COUNT;
	for (int i = 0; i < SMSAUDIT_STEP__COUNT; i++)
		if (smsaudit_xml_is(k, step_names[i]))
			st->kind = (smsaudit_step_kind)i;
	if (st->kind == SMSAUDIT_STEP__COUNT)
		return error_set(SMSAUDIT_EINVALID, "%s: unknown step", name);
	st->text = child_text(k, "text");
	int rc = 0;
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

static int parse_audit(smsaudit_audit_body *a, xmlNodePtr body, const char *name)
{
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
	smsaudit_record_type type = SMSAUDIT_REC__COUNT;
	for (int t = 0; t < SMSAUDIT_REC__COUNT; t++)
		if (smsaudit_xml_is(body, type_names[t]))
			type = (smsaudit_record_type)t;
	r->type = type;
	smsaudit_record_type id_type;
	if (rc == 0 && (smsaudit_record_id_type(&id_type, r->id) < 0 || id_type != type))
		rc = error_set(SMSAUDIT_EINVALID, "%s: id '%s' does not match a %s record", name, r->id,
		               smsaudit_record_type_name(type));

	if (rc == 0 && type == SMSAUDIT_REC_PERSON) {
		smsaudit_person_body *p = &r->person;
		p->name = child_text(body, "name");
		p->email = child_text(body, "email");
		xmlNodePtr roles = smsaudit_xml_child(body, "roles");
		for (xmlNodePtr c = smsaudit_xml_first_element(roles); c; c = smsaudit_xml_next_element(c)) {
			char *role = smsaudit_xml_text_exact(c);
			unsigned f = 0;
			if (role && smsaudit_roles_parse(&f, role) == 0)
				p->roles |= f;
			free(role);
		}
		p->valid_from = child_time(body, "valid-from");
		p->valid_until = child_time(body, "valid-until");
		copy_hex(p->fingerprint, child_text(body, "fingerprint"));
		p->certificate = child_text(body, "certificate");
	} else if (rc == 0 && type == SMSAUDIT_REC_REVOCATION) {
		r->revocation.email = child_text(body, "email");
		copy_hex(r->revocation.fingerprint, child_text(body, "fingerprint"));
		r->revocation.effective = child_time(body, "effective");
		r->revocation.reason = child_text(body, "reason");
	} else if (rc == 0 && type == SMSAUDIT_REC_EVIDENCE) {
		smsaudit_evidence_body *e = &r->evidence;
		e->title = child_text(body, "title");
		char *kind = child_text(body, "kind");
		rc = smsaudit_evidence_kind_parse(&e->kind, kind);
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
	} else if (rc == 0 && type == SMSAUDIT_REC_SUPERSEDE) {
		char *o = child_text(body, "old"), *n = child_text(body, "new");
		snprintf(r->supersede.old_id, SMSAUDIT_ID_MAX, "%s", o ? o : "");
		snprintf(r->supersede.new_id, SMSAUDIT_ID_MAX, "%s", n ? n : "");
		free(o);
		free(n);
		r->supersede.reason = child_text(body, "reason");
	} else if (rc == 0 && type == SMSAUDIT_REC_WITHDRAW) {
		char *ev = child_text(body, "evidence");
		snprintf(r->withdraw.evidence_id, SMSAUDIT_ID_MAX, "%s", ev ? ev : "");
		free(ev);
		r->withdraw.reason = child_text(body, "reason");
	} else if (rc == 0 && type == SMSAUDIT_REC_ASSESSMENT) {
		smsaudit_assessment_body *a = &r->assessment;
		char *cl = child_text(body, "clause"), *res = child_text(body, "result");
		snprintf(a->clause, sizeof(a->clause), "%s", cl ? cl : "");
		rc = smsaudit_assessment_result_parse(&a->result, res);
		free(cl);
		free(res);
		a->other_party = child_text(body, "other-party");
		a->note = child_text(body, "note");
	} else if (rc == 0 && type == SMSAUDIT_REC_FINDING) {
		rc = parse_finding(&r->finding, body, name);
	} else if (rc == 0 && type == SMSAUDIT_REC_STEP) {
		rc = parse_step(&r->step, body, name);
	} else if (rc == 0 && type == SMSAUDIT_REC_AUDIT) {
		rc = parse_audit(&r->audit, body, name);
	} else if (rc == 0 && type == SMSAUDIT_REC_SMS) {
		rc = sms_from_body(&r->sms.xml, body);
	} else if (rc == 0 && type == SMSAUDIT_REC_SEAL) {
		smsaudit_seal_body *s = &r->seal;
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
		char *d = child_text(body, "as-of");
		if (!d || smsaudit_date_parse(&s->as_of, d) < 0)
			rc = error_prefix(SMSAUDIT_EINVALID, "%s: as-of", name);
		free(d);
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		smsaudit_record_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
