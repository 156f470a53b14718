/*
 * Pack definitions: reports/<type>.xml, validated against report.xsd. The
 * shipped ones are embedded in the library (like the schemas), so a pack's
 * content does not depend on the directory the tool runs from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smsaudit/catalogue.h"
#include "smsaudit/report.h"
#include "internal.h"

struct smsaudit_report_def {
	smsaudit_audit_type type;
	char title[121];
	char source[512];
	smsaudit_report_section *sections;
	size_t nsections;
};

static const char *const section_names[SMSAUDIT_SEC__COUNT] = {
	"cover", "contents", "organisation", "clause-status", "evidence-index", "findings",
	"documented-information", "readiness", "audits", "clause-detail", "samples", "stage1-concerns",
	"changes", "previous-findings", "rotation", "mandatory-items", "cycle-summary", "verification",
	"audit-plan", "previous-audit", "evidence-matrix",
};

static const char *const period_names[] = { "all", "since-previous-audit", "cycle", "twelve-months", "open" };

const char *smsaudit_section_kind_name(smsaudit_section_kind k)
{
	return (unsigned)k < SMSAUDIT_SEC__COUNT ? section_names[k] : "?";
}

void smsaudit_report_def_free(smsaudit_report_def *def)
{
	if (!def)
		return;
	for (size_t i = 0; i < def->nsections; i++) {
		smsaudit_report_section *s = &def->sections[i];
		for (size_t j = 0; j < s->nclauses; j++)
			free(s->clauses[j]);
		free(s->clauses);
		free(s->intro);
	}
	free(def->sections);
	free(def);
}

/* Split a schema-checked list attribute into words. */
static int split_words(char ***out, size_t *n, const char *s)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		size_t len = strcspn(s, " \t\r\n");
		if (!len)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **w = realloc(*out, cap * sizeof(*w));
			if (!w)
				return error_oom();
			*out = w;
		}
		if (!((*out)[*n] = strndup(s, len)))
			return error_oom();
		(*n)++;
		s += len;
	}
	return 0;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static int read_section(smsaudit_report_section *s, xmlNodePtr node)
{
	char *kind = smsaudit_xml_attr(node, "kind"), *title = smsaudit_xml_attr(node, "title"),
	     *clauses = smsaudit_xml_attr(node, "clauses"), *kinds = smsaudit_xml_attr(node, "kinds"),
	     *period = smsaudit_xml_attr(node, "period"), *types = smsaudit_xml_attr(node, "audit-types"),
	     *expl = smsaudit_xml_attr(node, "explicit-only"), *stage = smsaudit_xml_attr(node, "stage");
	int rc = 0;
	for (int k = 0; k < SMSAUDIT_SEC__COUNT; k++)
		if (kind && strcmp(kind, section_names[k]) == 0)
			s->kind = (smsaudit_section_kind)k;
	snprintf(s->title, sizeof(s->title), "%s", title ? title : "");
	s->intro = smsaudit_xml_text(smsaudit_xml_child(node, "intro"));
	rc = split_words(&s->clauses, &s->nclauses, clauses);
	char **w = NULL;
	size_t n = 0;
	if (rc == 0 && (rc = split_words(&w, &n, kinds)) == 0) {
		for (size_t i = 0; i < n; i++) {
			smsaudit_evidence_kind k;
			if (smsaudit_evidence_kind_parse(&k, w[i]) == 0)
				s->kinds |= 1u << k;
		}
		free_words(w, n);
	}
	if (rc == 0 && (rc = split_words(&w, &n, types)) == 0) {
		for (size_t i = 0; i < n; i++) {
			smsaudit_audit_type t;
			if (smsaudit_audit_type_parse(&t, w[i]) == 0)
				s->audit_types |= 1u << t;
		}
		free_words(w, n);
	}
	for (size_t p = 0; period && p < sizeof(period_names) / sizeof(period_names[0]); p++)
		if (strcmp(period, period_names[p]) == 0)
			s->period = (smsaudit_report_period)p;
	s->explicit_only = expl && (strcmp(expl, "true") == 0 || strcmp(expl, "1") == 0);
	s->stage = stage ? atoi(stage) : 2;
	xmlFree(kind);
	xmlFree(title);
	xmlFree(clauses);
	xmlFree(kinds);
	xmlFree(period);
	xmlFree(types);
	xmlFree(expl);
	xmlFree(stage);
	return rc;
}

int smsaudit_report_def_load(smsaudit_report_def **out, const char *path, smsaudit_audit_type type)
{
	*out = NULL;
	char name[64];
	snprintf(name, sizeof(name), "reports/%s.xml", smsaudit_audit_type_name(type));
	xmlDocPtr doc = NULL;
	int rc;
	if (path) {
		rc = smsaudit_xml_parse_file(&doc, path);
	} else {
		size_t len = 0;
		const unsigned char *data = embedded_get(name + strlen("reports/"), &len);
		rc = data ? smsaudit_xml_parse_memory(&doc, (const char *)data, len, name)
		          : error_set(SMSAUDIT_ENOTFOUND, "%s: no pack definition for %s audits", name,
		                      smsaudit_audit_type_name(type));
	}
	const char *source = path ? path : name;
	smsaudit_xml_schema *schema = NULL;
	if (rc == 0)
		rc = smsaudit_xml_schema_builtin(&schema, "report.xsd");
	if (rc == 0)
		rc = smsaudit_xml_schema_validate(schema, doc, source);
	smsaudit_xml_schema_free(schema);
	smsaudit_report_def *def = NULL;
	if (rc == 0 && !(def = calloc(1, sizeof(*def))))
		rc = error_oom();
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (rc == 0) {
		char *t = smsaudit_xml_attr(root, "audit-type");
		smsaudit_audit_type declared = type;
		if (t)
			smsaudit_audit_type_parse(&declared, t);
		if (declared != type)
			rc = error_set(SMSAUDIT_EINVALID, "%s:%d: audit-type is %s, but the audit is a %s audit", source,
			               root->line, t, smsaudit_audit_type_name(type));
		xmlFree(t);
		def->type = type;
		snprintf(def->source, sizeof(def->source), "%s", source);
		char *title = smsaudit_xml_text(smsaudit_xml_child(root, "title"));
		snprintf(def->title, sizeof(def->title), "%s", title ? title : "");
		free(title);
	}
	size_t n = 0;
	for (xmlNodePtr s = smsaudit_xml_first_element(root); rc == 0 && s; s = smsaudit_xml_next_element(s)) {
		n += smsaudit_xml_is(s, "section");
		if (smsaudit_xml_is(s, "part"))
			for (xmlNodePtr p = smsaudit_xml_first_element(s); p; p = smsaudit_xml_next_element(p))
				n += smsaudit_xml_is(p, "section");
	}
	if (rc == 0 && n && !(def->sections = calloc(n, sizeof(*def->sections))))
		rc = error_oom();
	for (xmlNodePtr s = smsaudit_xml_first_element(root); rc == 0 && s; s = smsaudit_xml_next_element(s)) {
		if (smsaudit_xml_is(s, "section"))
			rc = read_section(&def->sections[def->nsections++], s);
		if (!smsaudit_xml_is(s, "part"))
			continue;
		char *part = smsaudit_xml_attr(s, "title");
		for (xmlNodePtr p = smsaudit_xml_first_element(s); rc == 0 && p; p = smsaudit_xml_next_element(p)) {
			if (!smsaudit_xml_is(p, "section"))
				continue;
			smsaudit_report_section *sec = &def->sections[def->nsections++];
			rc = read_section(sec, p);
			snprintf(sec->part, sizeof(sec->part), "%s", part ? part : "");
		}
		xmlFree(part);
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		smsaudit_report_def_free(def);
		return rc;
	}
	*out = def;
	return 0;
}

smsaudit_audit_type smsaudit_report_def_type(const smsaudit_report_def *def)
{
	return def->type;
}

const char *smsaudit_report_def_title(const smsaudit_report_def *def)
{
	return def->title;
}

const char *smsaudit_report_def_source(const smsaudit_report_def *def)
{
	return def->source;
}

size_t smsaudit_report_def_count(const smsaudit_report_def *def)
{
	return def->nsections;
}

const smsaudit_report_section *smsaudit_report_def_at(const smsaudit_report_def *def, size_t i)
{
	return i < def->nsections ? &def->sections[i] : NULL;
}
