/*
 * The control catalogue: loading, checking and looking up clauses.
 *
 * The schema checks shape and value formats; this file checks what a schema
 * cannot say well: unique ids, a parent that exists and matches the id, depth
 * consistent with the id, evidence items on every assessable clause, and
 * mappings that name a declared standard. Each message names the line.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "smsaudit/catalogue.h"

#define CATALOGUE_NS "urn:smsaudit:catalogue:1"
#define CATALOGUE_MAX_BYTES (16u * 1024u * 1024u)

static const char *const kind_names[SMSAUDIT_KIND__COUNT] = {
	"scope", "policy", "plan", "procedure", "register", "agreement", "record", "report"
};

const char *smsaudit_evidence_kind_name(smsaudit_evidence_kind kind)
{
	return (unsigned)kind < SMSAUDIT_KIND__COUNT ? kind_names[kind] : "unknown";
}

int smsaudit_evidence_kind_parse(smsaudit_evidence_kind *out, const char *name)
{
	for (int i = 0; i < SMSAUDIT_KIND__COUNT; i++)
		if (name && strcmp(name, kind_names[i]) == 0) {
			*out = (smsaudit_evidence_kind)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID,
	                 "unknown evidence kind '%s' (expected scope, policy, plan, procedure, "
	                 "register, agreement, record or report)", name ? name : "");
}

struct smsaudit_catalogue {
	smsaudit_catalogue_info info;
	smsaudit_clause *clauses;     /* document order */
	size_t nclauses;
	const smsaudit_clause **sorted;  /* by id, for bsearch */
	char **strings;               /* every string we own, freed together */
	size_t nstrings, astrings;
	char *bytes;                  /* the source as loaded */
	size_t nbytes;
};

/* Keep a string for the catalogue's lifetime; takes ownership of `s`. */
static const char *keep(smsaudit_catalogue *cat, char *s)
{
	if (!s)
		return NULL;
	if (cat->nstrings == cat->astrings) {
		size_t n = cat->astrings ? cat->astrings * 2 : 256;
		char **p = realloc(cat->strings, n * sizeof(*p));
		if (!p) {
			free(s);
			error_oom();
			return NULL;
		}
		cat->strings = p;
		cat->astrings = n;
	}
	cat->strings[cat->nstrings++] = s;
	return s;
}

/* Attribute or trimmed element text, copied into the catalogue. libxml2's
 * xmlFree and free() may differ, so copy with our allocator. */
static const char *keep_attr(smsaudit_catalogue *cat, xmlNodePtr n, const char *name)
{
	char *v = smsaudit_xml_attr(n, name);
	if (!v)
		return NULL;
	char *c = strdup(v);
	xmlFree(v);
	if (!c) {
		error_oom();
		return NULL;
	}
	return keep(cat, c);
}

static const char *keep_text(smsaudit_catalogue *cat, xmlNodePtr n)
{
	return keep(cat, smsaudit_xml_text(n));
}

void smsaudit_catalogue_free(smsaudit_catalogue *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->nclauses; i++) {
		free((void *)cat->clauses[i].children);
		free((void *)cat->clauses[i].expected);
		free((void *)cat->clauses[i].mappings);
	}
	free(cat->clauses);
	free(cat->sorted);
	free((void *)cat->info.amendments);
	free((void *)cat->info.mapped);
	for (size_t i = 0; i < cat->nstrings; i++)
		free(cat->strings[i]);
	free(cat->strings);
	free(cat->bytes);
	free(cat);
}

static size_t count_elements(xmlNodePtr parent, const char *name)
{
	size_t n = 0;
	for (xmlNodePtr c = smsaudit_xml_first_element(parent); c; c = smsaudit_xml_next_element(c))
		if (smsaudit_xml_is(c, name))
			n++;
	return n;
}

static int id_levels(const char *id)
{
	int n = 1;
	for (const char *p = id; *p; p++)
		if (*p == '.')
			n++;
	return n;
}

static int cmp_clause_ptr(const void *a, const void *b)
{
	const smsaudit_clause *x = *(const smsaudit_clause *const *)a;
	const smsaudit_clause *y = *(const smsaudit_clause *const *)b;
	return strcmp(x->id, y->id);
}

static const smsaudit_clause *lookup(const smsaudit_catalogue *cat, const char *id)
{
	if (!cat->sorted) {
		/* Only while loading: the index is built at the end. */
		for (size_t i = 0; i < cat->nclauses; i++)
			if (strcmp(cat->clauses[i].id, id) == 0)
				return &cat->clauses[i];
		return NULL;
	}
	smsaudit_clause key = { .id = id };
	const smsaudit_clause *kp = &key;
	const smsaudit_clause **hit = bsearch(&kp, cat->sorted, cat->nclauses, sizeof(*cat->sorted),
	                                      cmp_clause_ptr);
	return hit ? *hit : NULL;
}

static int load_meta(smsaudit_catalogue *cat, xmlNodePtr meta, const char *name)
{
	smsaudit_catalogue_info *info = &cat->info;
	info->standard = keep_text(cat, smsaudit_xml_child(meta, "standard"));
	info->edition = keep_text(cat, smsaudit_xml_child(meta, "edition"));
	info->title = keep_text(cat, smsaudit_xml_child(meta, "title"));
	info->copyright = keep_text(cat, smsaudit_xml_child(meta, "copyright"));
	if (!info->standard || !info->edition || !info->title || !info->copyright)
		return SMSAUDIT_ENOMEM;

	size_t na = count_elements(meta, "amendment"), nm = count_elements(meta, "mapped-standard");
	const char **am = calloc(na ? na : 1, sizeof(*am));
	smsaudit_mapped_standard *ms = calloc(nm ? nm : 1, sizeof(*ms));
	info->amendments = am;
	info->mapped = ms;
	if (!am || !ms)
		return error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(meta); c; c = smsaudit_xml_next_element(c)) {
		if (smsaudit_xml_is(c, "amendment")) {
			char *id = smsaudit_xml_attr(c, "id"), *cl = smsaudit_xml_attr(c, "clauses");
			char *text = smsaudit_xml_text(c);
			smsaudit_buf b = SMSAUDIT_BUF_INIT;
			int rc = buf_printf(&b, "%s: %s (clauses %s)", id ? id : "", text ? text : "", cl ? cl : "");
			xmlFree(id);
			xmlFree(cl);
			free(text);
			if (rc < 0)
				return rc;
			am[info->namendments++] = keep(cat, b.ptr);
		} else if (smsaudit_xml_is(c, "mapped-standard")) {
			smsaudit_mapped_standard *m = &ms[info->nmapped];
			m->id = keep_attr(cat, c, "id");
			m->name = keep_attr(cat, c, "name");
			if (!m->id || !m->name)
				return SMSAUDIT_ENOMEM;
			for (size_t k = 0; k < info->nmapped; k++)
				if (strcmp(ms[k].id, m->id) == 0)
					return error_set(SMSAUDIT_EINVALID, "%s:%ld: mapped standard '%s' is declared twice",
					                 name, xmlGetLineNo(c), m->id);
			info->nmapped++;
		}
	}
	return 0;
}

static int mapped_standard_known(const smsaudit_catalogue *cat, const char *id)
{
	for (size_t i = 0; i < cat->info.nmapped; i++)
		if (strcmp(cat->info.mapped[i].id, id) == 0)
			return 1;
	return 0;
}

static int load_clause(smsaudit_catalogue *cat, smsaudit_clause *cl, xmlNodePtr node,
                       const char *name)
{
	long line = xmlGetLineNo(node);
	cl->line = (int)line;
	cl->id = keep_attr(cat, node, "id");
	const char *parent = keep_attr(cat, node, "parent");
	const char *depth = keep_attr(cat, node, "depth");
	const char *assessable = keep_attr(cat, node, "assessable");
	cl->title = keep_text(cat, smsaudit_xml_child(node, "title"));
	cl->summary = keep_text(cat, smsaudit_xml_child(node, "summary"));
	if (!cl->id || !depth || !assessable || !cl->title || !cl->summary)
		return SMSAUDIT_ENOMEM;
	cl->depth = atoi(depth);
	cl->assessable = strcmp(assessable, "true") == 0 || strcmp(assessable, "1") == 0;

	const smsaudit_clause *dup = lookup(cat, cl->id);
	if (dup)
		return error_set(SMSAUDIT_EINVALID, "%s:%ld: duplicate clause id '%s' (first defined at line %d)",
		                 name, line, cl->id, dup->line);
	int levels = id_levels(cl->id);
	if (cl->depth != levels)
		return error_set(SMSAUDIT_EINVALID, "%s:%ld: clause '%s' has depth %d but its id has %d level%s",
		                 name, line, cl->id, cl->depth, levels, levels == 1 ? "" : "s");
	if (levels == 1 && parent)
		return error_set(SMSAUDIT_EINVALID, "%s:%ld: top-level clause '%s' must not name a parent",
		                 name, line, cl->id);
	if (levels > 1) {
		size_t plen = (size_t)(strrchr(cl->id, '.') - cl->id);
		if (!parent)
			return error_set(SMSAUDIT_EINVALID, "%s:%ld: clause '%s' has no parent (expected '%.*s')",
			                 name, line, cl->id, (int)plen, cl->id);
		if (strlen(parent) != plen || strncmp(parent, cl->id, plen) != 0)
			return error_set(SMSAUDIT_EINVALID,
			                 "%s:%ld: clause '%s' names parent '%s' but its id implies '%.*s'",
			                 name, line, cl->id, parent, (int)plen, cl->id);
		cl->parent = lookup(cat, parent);
		if (!cl->parent)
			return error_set(SMSAUDIT_EINVALID,
			                 "%s:%ld: clause '%s' names parent '%s', which is not defined before it",
			                 name, line, cl->id, parent);
	}

	size_t ne = count_elements(node, "expect"), nm = count_elements(node, "map");
	smsaudit_expected *ex = calloc(ne ? ne : 1, sizeof(*ex));
	smsaudit_mapping *mp = calloc(nm ? nm : 1, sizeof(*mp));
	cl->expected = ex;
	cl->mappings = mp;
	if (!ex || !mp)
		return error_oom();
	for (xmlNodePtr c = smsaudit_xml_first_element(node); c; c = smsaudit_xml_next_element(c)) {
		long cline = xmlGetLineNo(c);
		if (smsaudit_xml_is(c, "expect")) {
			smsaudit_expected *e = &ex[cl->nexpected];
			e->id = keep_attr(cat, c, "id");
			const char *kind = keep_attr(cat, c, "kind");
			const char *expl = keep_attr(cat, c, "explicit");
			const char *stage = keep_attr(cat, c, "stage");
			const char *fresh = keep_attr(cat, c, "fresh-months");
			e->what = keep_text(cat, c);
			if (!e->id || !kind || !expl || !stage || !e->what)
				return SMSAUDIT_ENOMEM;
			size_t idl = strlen(cl->id);
			if (strncmp(e->id, cl->id, idl) != 0 || e->id[idl] != '-')
				return error_set(SMSAUDIT_EINVALID,
				                 "%s:%ld: evidence item '%s' does not belong to clause '%s' (ids start with '%s-')",
				                 name, cline, e->id, cl->id, cl->id);
			for (size_t k = 0; k < cl->nexpected; k++)
				if (strcmp(ex[k].id, e->id) == 0)
					return error_set(SMSAUDIT_EINVALID, "%s:%ld: duplicate evidence item id '%s'",
					                 name, cline, e->id);
			if (smsaudit_evidence_kind_parse(&e->kind, kind) < 0)
				return error_prefix(SMSAUDIT_EINVALID, "%s:%ld", name, cline);
			e->is_explicit = strcmp(expl, "true") == 0 || strcmp(expl, "1") == 0;
			e->stage = strcmp(stage, "stage2") == 0 ? SMSAUDIT_STAGE_2 : SMSAUDIT_STAGE_1;
			e->fresh_months = fresh ? atoi(fresh) : 0;
			cl->nexpected++;
		} else if (smsaudit_xml_is(c, "map")) {
			smsaudit_mapping *m = &mp[cl->nmappings];
			m->standard = keep_attr(cat, c, "standard");
			m->clause = keep_attr(cat, c, "clause");
			m->relation = keep_attr(cat, c, "relation");
			if (!m->standard || !m->clause || !m->relation)
				return SMSAUDIT_ENOMEM;
			if (!mapped_standard_known(cat, m->standard))
				return error_set(SMSAUDIT_EINVALID,
				                 "%s:%ld: clause '%s' maps to standard '%s', which the catalogue does not declare",
				                 name, cline, cl->id, m->standard);
			cl->nmappings++;
		}
	}
	if (cl->assessable && cl->nexpected == 0)
		return error_set(SMSAUDIT_EINVALID, "%s:%ld: assessable clause '%s' lists no expected evidence",
		                 name, line, cl->id);
	if (!cl->assessable && cl->nexpected > 0)
		return error_set(SMSAUDIT_EINVALID,
		                 "%s:%ld: clause '%s' is not assessable but lists expected evidence",
		                 name, line, cl->id);
	return 0;
}

/* Children arrays, the leaf rule, and the sorted index. */
static int link_tree(smsaudit_catalogue *cat, const char *name)
{
	size_t n = cat->nclauses;
	size_t *counts = calloc(n ? n : 1, sizeof(*counts));
	if (!counts)
		return error_oom();
	for (size_t i = 0; i < n; i++)
		if (cat->clauses[i].parent)
			counts[cat->clauses[i].parent - cat->clauses]++;
	for (size_t i = 0; i < n; i++) {
		cat->clauses[i].children = calloc(counts[i] ? counts[i] : 1, sizeof(smsaudit_clause *));
		if (!cat->clauses[i].children) {
			free(counts);
			return error_oom();
		}
	}
	free(counts);
	for (size_t i = 0; i < n; i++) {
		smsaudit_clause *p = (smsaudit_clause *)cat->clauses[i].parent;
		if (p)
			((const smsaudit_clause **)p->children)[p->nchildren++] = &cat->clauses[i];
	}
	for (size_t i = 0; i < n; i++) {
		const smsaudit_clause *c = &cat->clauses[i];
		if (c->nchildren == 0 && !c->assessable)
			return error_set(SMSAUDIT_EINVALID,
			                 "%s:%d: clause '%s' has no sub-clauses and is not assessable, so it could never be assessed",
			                 name, c->line, c->id);
	}
	cat->sorted = malloc((n ? n : 1) * sizeof(*cat->sorted));
	if (!cat->sorted)
		return error_oom();
	for (size_t i = 0; i < n; i++)
		cat->sorted[i] = &cat->clauses[i];
	qsort(cat->sorted, n, sizeof(*cat->sorted), cmp_clause_ptr);
	return 0;
}

static int check_amendments(smsaudit_catalogue *cat, xmlNodePtr meta, const char *name)
{
	for (xmlNodePtr c = smsaudit_xml_child(meta, "amendment"); c; c = smsaudit_xml_next_element(c)) {
		if (!smsaudit_xml_is(c, "amendment"))
			continue;
		char *list = smsaudit_xml_attr(c, "clauses");
		int rc = 0;
		char *save = NULL;
		for (char *tok = strtok_r(list, " \t\n", &save); tok && rc == 0;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!lookup(cat, tok))
				rc = error_set(SMSAUDIT_EINVALID, "%s:%ld: amendment names unknown clause '%s'",
				               name, xmlGetLineNo(c), tok);
		xmlFree(list);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int root_kind(xmlNodePtr root)
{
	if (!root || !root->ns || strcmp((const char *)root->ns->href, CATALOGUE_NS) != 0)
		return 0;
	if (smsaudit_xml_is(root, "catalogue"))
		return 1;
	if (smsaudit_xml_is(root, "overlay"))
		return 2;
	return 0;
}

static int validate_doc(xmlDocPtr doc, const char *name)
{
	smsaudit_xml_schema *schema = NULL;
	int rc = smsaudit_xml_schema_builtin(&schema, "catalogue.xsd");
	if (rc == 0)
		rc = smsaudit_xml_schema_validate(schema, doc, name);
	smsaudit_xml_schema_free(schema);
	return rc;
}

int smsaudit_catalogue_load_memory(smsaudit_catalogue **out, const char *data, size_t len,
                                   const char *name)
{
	*out = NULL;
	if (!name)
		name = "(catalogue)";
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, data, len, name);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int kind = root_kind(root);
	if (kind != 1) {
		if (kind == 2)
			rc = error_set(SMSAUDIT_EINVALID, "%s: this is a catalogue overlay, not a catalogue", name);
		else
			rc = error_set(SMSAUDIT_EINVALID,
			               "%s:%ld: root element <%s> is not an smsaudit catalogue (expected <catalogue xmlns=\"%s\">)",
			               name, xmlGetLineNo(root), (const char *)root->name, CATALOGUE_NS);
		xmlFreeDoc(doc);
		return rc;
	}
	rc = validate_doc(doc, name);
	if (rc < 0) {
		xmlFreeDoc(doc);
		return rc;
	}

	smsaudit_catalogue *cat = calloc(1, sizeof(*cat));
	if (!cat) {
		xmlFreeDoc(doc);
		return error_oom();
	}
	cat->bytes = malloc(len + 1);
	if (!cat->bytes) {
		rc = error_oom();
		goto done;
	}
	memcpy(cat->bytes, data, len);
	cat->bytes[len] = '\0';
	cat->nbytes = len;
	if ((rc = sha256_hex(cat->info.sha256, data, len)) < 0)
		goto done;
	cat->info.id = keep_attr(cat, root, "id");
	cat->info.version = keep_attr(cat, root, "version");
	if (!cat->info.id || !cat->info.version) {
		rc = SMSAUDIT_ENOMEM;
		goto done;
	}
	xmlNodePtr meta = smsaudit_xml_child(root, "meta");
	if ((rc = load_meta(cat, meta, name)) < 0)
		goto done;

	size_t n = count_elements(root, "clause");
	cat->clauses = calloc(n ? n : 1, sizeof(*cat->clauses));
	if (!cat->clauses) {
		rc = error_oom();
		goto done;
	}
	for (xmlNodePtr c = smsaudit_xml_first_element(root); c; c = smsaudit_xml_next_element(c)) {
		if (!smsaudit_xml_is(c, "clause"))
			continue;
		rc = load_clause(cat, &cat->clauses[cat->nclauses], c, name);
		cat->nclauses++; /* counted even on failure so free() sees its arrays */
		if (rc < 0)
			goto done;
	}
	if ((rc = link_tree(cat, name)) < 0)
		goto done;
	rc = check_amendments(cat, meta, name);

done:
	xmlFreeDoc(doc);
	if (rc < 0) {
		smsaudit_catalogue_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

int smsaudit_catalogue_load_file(smsaudit_catalogue **out, const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	*out = NULL;
	int rc = file_read_all(&b, path, CATALOGUE_MAX_BYTES);
	if (rc == 0)
		rc = smsaudit_catalogue_load_memory(out, b.ptr, b.size, path);
	smsaudit_buf_dispose(&b);
	return rc;
}

int smsaudit_catalogue_load_default(smsaudit_catalogue **out)
{
	size_t len = 0;
	const unsigned char *data = embedded_get("iso20000-1-2018.xml", &len);
	*out = NULL;
	if (!data)
		return error_set(SMSAUDIT_ERROR, "the built-in catalogue is missing from this build");
	return smsaudit_catalogue_load_memory(out, (const char *)data, len, "iso20000-1-2018.xml");
}

const smsaudit_catalogue_info *smsaudit_catalogue_info_get(const smsaudit_catalogue *cat)
{
	return &cat->info;
}

size_t smsaudit_catalogue_count(const smsaudit_catalogue *cat)
{
	return cat->nclauses;
}

const smsaudit_clause *smsaudit_catalogue_at(const smsaudit_catalogue *cat, size_t i)
{
	return i < cat->nclauses ? &cat->clauses[i] : NULL;
}

const char *smsaudit_catalogue_bytes(const smsaudit_catalogue *cat, size_t *len)
{
	*len = cat->nbytes;
	return cat->bytes;
}

int smsaudit_catalogue_find(const smsaudit_clause **out, const smsaudit_catalogue *cat,
                            const char *id)
{
	*out = NULL;
	if (!id || !*id)
		return error_set(SMSAUDIT_ENOTFOUND, "empty clause id");
	const smsaudit_clause *c = lookup(cat, id);
	if (c) {
		*out = c;
		return 0;
	}
	/* Point at the nearest clause that does exist, if any. */
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s", id);
	for (char *dot = strrchr(prefix, '.'); dot; dot = strrchr(prefix, '.')) {
		*dot = '\0';
		const smsaudit_clause *p = lookup(cat, prefix);
		if (p && p->nchildren)
			return error_set(SMSAUDIT_ENOTFOUND,
			                 "unknown clause '%s' in catalogue %s (clause %s has %s to %s)",
			                 id, cat->info.id, p->id, p->children[0]->id,
			                 p->children[p->nchildren - 1]->id);
	}
	return error_set(SMSAUDIT_ENOTFOUND, "unknown clause '%s' in catalogue %s (clauses are %s to %s)",
	                 id, cat->info.id, cat->nclauses ? cat->clauses[0].id : "-",
	                 cat->nclauses ? cat->sorted[cat->nclauses - 1]->id : "-");
}

/* ---- overlays ---- */

typedef struct {
	const char *ref;
	char *text;
} overlay_entry;

struct smsaudit_overlay {
	overlay_entry *entries;
	size_t n;
};

void smsaudit_overlay_free(smsaudit_overlay *ov)
{
	if (!ov)
		return;
	for (size_t i = 0; i < ov->n; i++)
		free(ov->entries[i].text);
	free(ov->entries);
	free(ov);
}

int smsaudit_overlay_load_file(smsaudit_overlay **out, const smsaudit_catalogue *cat,
                               const char *path)
{
	*out = NULL;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_file(&doc, path);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (root_kind(root) != 2) {
		rc = error_set(SMSAUDIT_EINVALID,
		               "%s:%ld: root element <%s> is not a catalogue overlay (expected <overlay xmlns=\"%s\">)",
		               path, xmlGetLineNo(root), (const char *)root->name, CATALOGUE_NS);
		xmlFreeDoc(doc);
		return rc;
	}
	if ((rc = validate_doc(doc, path)) < 0) {
		xmlFreeDoc(doc);
		return rc;
	}
	char *for_cat = smsaudit_xml_attr(root, "catalogue");
	if (strcmp(for_cat, cat->info.id) != 0) {
		rc = error_set(SMSAUDIT_EINVALID, "%s:%ld: overlay is for catalogue '%s', not '%s'",
		               path, xmlGetLineNo(root), for_cat, cat->info.id);
		xmlFree(for_cat);
		xmlFreeDoc(doc);
		return rc;
	}
	xmlFree(for_cat);

	smsaudit_overlay *ov = calloc(1, sizeof(*ov));
	size_t n = count_elements(root, "clause-text");
	if (ov)
		ov->entries = calloc(n ? n : 1, sizeof(*ov->entries));
	if (!ov || !ov->entries) {
		smsaudit_overlay_free(ov);
		xmlFreeDoc(doc);
		return error_oom();
	}
	for (xmlNodePtr c = smsaudit_xml_first_element(root); c && rc == 0; c = smsaudit_xml_next_element(c)) {
		char *ref = smsaudit_xml_attr(c, "ref");
		long line = xmlGetLineNo(c);
		const smsaudit_clause *cl = lookup(cat, ref);
		if (!cl) {
			rc = error_set(SMSAUDIT_EINVALID, "%s:%ld: clause-text refers to unknown clause '%s'",
			               path, line, ref);
		} else {
			for (size_t k = 0; k < ov->n && rc == 0; k++)
				if (ov->entries[k].ref == cl->id)
					rc = error_set(SMSAUDIT_EINVALID, "%s:%ld: clause '%s' has text twice in the overlay",
					               path, line, ref);
			if (rc == 0) {
				ov->entries[ov->n].ref = cl->id;
				ov->entries[ov->n].text = smsaudit_xml_text(c);
				if (!ov->entries[ov->n].text)
					rc = SMSAUDIT_ENOMEM;
				else
					ov->n++;
			}
		}
		xmlFree(ref);
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		smsaudit_overlay_free(ov);
		return rc;
	}
	*out = ov;
	return 0;
}

const char *smsaudit_overlay_text(const smsaudit_overlay *ov, const char *clause_id)
{
	for (size_t i = 0; ov && i < ov->n; i++)
		if (strcmp(ov->entries[i].ref, clause_id) == 0)
			return ov->entries[i].text;
	return NULL;
}

size_t smsaudit_overlay_count(const smsaudit_overlay *ov)
{
	return ov ? ov->n : 0;
}

int smsaudit_catalogue_sniff_file(int *out, const char *path)
{
	*out = 0;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_file(&doc, path);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int kind = root_kind(root);
	if (kind == 0)
		rc = error_set(SMSAUDIT_EINVALID,
		               "%s:%ld: root element <%s> is neither a catalogue nor an overlay (namespace %s)",
		               path, xmlGetLineNo(root), (const char *)root->name, CATALOGUE_NS);
	xmlFreeDoc(doc);
	*out = kind;
	return rc;
}
