/* The SMS description's policy: grades, deadlines, the cycle; merging concurrent versions. Pure: no I/O. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "smsaudit/sms.h"

/* ---- grades and policy ---- */

static const char *const class_names[] = { "major", "minor", "observation", "improvement" };

const char *smsaudit_grade_class_name(smsaudit_grade_class c)
{
	return (unsigned)c < 4 ? class_names[c] : "unknown";
}

int smsaudit_grade_class_parse(smsaudit_grade_class *out, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, class_names[i]) == 0) {
			*out = (smsaudit_grade_class)i;
			return 0;
		}
	return error_set(SMSAUDIT_EINVALID, "unknown grade class '%s' (classes: major, minor, observation, improvement)",
	                 name ? name : "");
}

int smsaudit_grade_class_is_nc(smsaudit_grade_class c)
{
	return c == SMSAUDIT_GRADE_MAJOR || c == SMSAUDIT_GRADE_MINOR;
}

void smsaudit_sms_policy_default(smsaudit_sms_policy *p)
{
	static const struct { const char *id; smsaudit_grade_class cls; const char *label; } scale[] = {
		{ "major", SMSAUDIT_GRADE_MAJOR, "Major nonconformity" },
		{ "minor", SMSAUDIT_GRADE_MINOR, "Minor nonconformity" },
		{ "observation", SMSAUDIT_GRADE_OBSERVATION, "Observation" },
		{ "ofi", SMSAUDIT_GRADE_IMPROVEMENT, "Opportunity for improvement" },
	};
	memset(p, 0, sizeof(*p));
	p->major_verify_days = 90;
	p->major_after_stage2_months = 6;
	p->minor_plan_days = 30;
	p->internal_audit_months = 12;
	for (size_t i = 0; i < 4; i++) {
		smsaudit_grade *g = &p->grades[p->ngrades++];
		snprintf(g->id, sizeof(g->id), "%s", scale[i].id);
		g->cls = scale[i].cls;
		snprintf(g->label, sizeof(g->label), "%s", scale[i].label);
	}
}

static int child_int(xmlNodePtr parent, const char *name, int fallback)
{
	char *s = smsaudit_xml_text(smsaudit_xml_child(parent, name));
	long v = s ? strtol(s, NULL, 10) : 0;
	free(s);
	return v > 0 && v < 100000 ? (int)v : fallback;
}

static time_t child_date(xmlNodePtr parent, const char *name)
{
	char *s = smsaudit_xml_text(smsaudit_xml_child(parent, name));
	time_t t = 0;
	if (s && smsaudit_date_parse(&t, s) < 0)
		t = 0;
	free(s);
	return t;
}

void smsaudit_sms_policy_parse(smsaudit_sms_policy *p, xmlNodePtr root)
{
	smsaudit_sms_policy_default(p);
	xmlNodePtr dp = smsaudit_xml_child(root, "deadline-policy");
	p->major_verify_days = child_int(dp, "major-verify-days", p->major_verify_days);
	p->major_after_stage2_months = child_int(dp, "major-after-stage2-months", p->major_after_stage2_months);
	p->minor_plan_days = child_int(dp, "minor-plan-days", p->minor_plan_days);
	xmlNodePtr cy = smsaudit_xml_child(root, "cycle");
	p->certification_decision = child_date(cy, "certification-decision");
	p->certificate_expiry = child_date(cy, "certificate-expiry");
	p->surveillances = child_int(cy, "surveillances", 0);
	p->internal_audit_months = child_int(cy, "internal-audit-months", p->internal_audit_months);
	p->npins = 0;
	for (xmlNodePtr n = smsaudit_xml_first_element(cy); n && p->npins < SMSAUDIT_MAX_PINS;
	     n = smsaudit_xml_next_element(n)) {
		if (!xmlStrEqual(n->name, (const xmlChar *)"pin"))
			continue;
		char *cl = smsaudit_xml_attr(n, "clause"), *sv = smsaudit_xml_attr(n, "surveillance");
		smsaudit_rotation_pin *pin = &p->pins[p->npins];
		snprintf(pin->clause, sizeof(pin->clause), "%.*s", (int)sizeof(pin->clause) - 1, cl ? cl : "");
		pin->surveillance = sv ? atoi(sv) : 0;
		if (cl && pin->surveillance > 0)
			p->npins++;
		xmlFree(cl);
		xmlFree(sv);
	}
	xmlNodePtr gs = smsaudit_xml_child(root, "grades");
	if (!gs)
		return;
	p->ngrades = 0;
	for (xmlNodePtr g = smsaudit_xml_first_element(gs); g && p->ngrades < SMSAUDIT_MAX_GRADES;
	     g = smsaudit_xml_next_element(g)) {
		char *id = smsaudit_xml_attr(g, "id"), *cls = smsaudit_xml_attr(g, "class");
		char *label = smsaudit_xml_text(g);
		smsaudit_grade *gr = &p->grades[p->ngrades];
		snprintf(gr->id, sizeof(gr->id), "%s", id ? id : "");
		snprintf(gr->label, sizeof(gr->label), "%s", label ? label : "");
		gr->cls = SMSAUDIT_GRADE_OBSERVATION;
		for (int c = 0; c < 4; c++)
			if (cls && strcmp(cls, class_names[c]) == 0)
				gr->cls = (smsaudit_grade_class)c;
		if (id)
			p->ngrades++;
		xmlFree(id);
		xmlFree(cls);
		free(label);
	}
}

const smsaudit_grade *smsaudit_policy_grade(const smsaudit_sms_policy *p, const char *id)
{
	for (size_t i = 0; id && i < p->ngrades; i++)
		if (strcmp(p->grades[i].id, id) == 0)
			return &p->grades[i];
	return NULL;
}

void smsaudit_policy_grade_list(char *buf, size_t size, const smsaudit_sms_policy *p)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->ngrades && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", p->grades[i].id);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}


/* ---- concurrent changes ---- */

/*
 * Two people who change the description offline each sign a whole new
 * version made from the one they had (the base). Taking the later version
 * whole would drop the earlier one's change without a word, so the two are
 * merged element by element against their base: what only one of them
 * changed is taken from it; a list (services, sites, grades, pinned clauses)
 * takes both sides' additions and removals; a value both changed differently
 * is the later version's, and is named in `conflicts`.
 */

/* An element as text for comparison: names, attributes, leaf text and
 * children, whatever namespace declarations and blanks the copies carry. */
static int node_put(smsaudit_buf *b, xmlNodePtr n)
{
	int rc = buf_printf(b, "<%s", (const char *)n->name);
	for (xmlAttrPtr a = n->properties; rc == 0 && a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		rc = buf_printf(b, " %s=\"%s\"", (const char *)a->name, v ? (const char *)v : "");
		xmlFree(v);
	}
	if (rc == 0)
		rc = buf_puts(b, ">");
	xmlNodePtr child = smsaudit_xml_first_element(n);
	if (!child) {
		xmlChar *t = xmlNodeGetContent(n);
		if (rc == 0 && t)
			rc = buf_puts(b, (const char *)t);
		xmlFree(t);
	}
	for (; rc == 0 && child; child = smsaudit_xml_next_element(child))
		rc = node_put(b, child);
	return rc ? rc : buf_printf(b, "</%s>", (const char *)n->name);
}

static char *node_text(xmlNodePtr n)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	if (!n || node_put(&b, n) < 0 || buf_put(&b, "", 1) < 0) {
		smsaudit_buf_dispose(&b);
		return NULL;
	}
	return b.ptr;
}

/* A copy of `src` for a place under `into`, in the namespace in scope there
 * (a plain copy would declare it again). */
static void set_ns(xmlNodePtr n, xmlNsPtr ns)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			n->ns = ns;
			set_ns(n->children, ns);
		}
}

static xmlNodePtr copy_for(xmlNodePtr src, xmlNodePtr into)
{
	xmlNodePtr copy = xmlDocCopyNode(src, into->doc, 1);
	if (!copy)
		return NULL;
	xmlNodePtr next = copy->next;
	copy->next = NULL;
	set_ns(copy, into->ns);
	copy->next = next;
	xmlFreeNsList(copy->nsDef);
	copy->nsDef = NULL;
	return copy;
}

static int same_node(xmlNodePtr a, xmlNodePtr b)
{
	if (!a || !b)
		return a == b;
	char *x = node_text(a), *y = node_text(b);
	int eq = x && y && strcmp(x, y) == 0;
	free(x);
	free(y);
	return eq;
}

static xmlNodePtr named_child(xmlNodePtr parent, const xmlChar *name)
{
	for (xmlNodePtr c = parent ? smsaudit_xml_first_element(parent) : NULL; c; c = smsaudit_xml_next_element(c))
		if (xmlStrEqual(c->name, name))
			return c;
	return NULL;
}

/* A list: element children, all of one name (an empty element counts). */
static int is_list(xmlNodePtr n)
{
	xmlNodePtr first = n ? smsaudit_xml_first_element(n) : NULL;
	if (!first)
		return 1;
	xmlNodePtr second = smsaudit_xml_next_element(first);
	if (!second)
		return 0;
	for (xmlNodePtr c = second; c; c = smsaudit_xml_next_element(c))
		if (!xmlStrEqual(c->name, first->name))
			return 0;
	return 1;
}

static int holds_same(xmlNodePtr list, xmlNodePtr item)
{
	for (xmlNodePtr c = list ? smsaudit_xml_first_element(list) : NULL; c; c = smsaudit_xml_next_element(c))
		if (same_node(c, item))
			return 1;
	return 0;
}

static void note_conflict(char *conflicts, size_t size, const xmlChar *name)
{
	size_t used = strlen(conflicts);
	if (used + xmlStrlen(name) + 3 < size)
		snprintf(conflicts + used, size - used, "%s%s", used ? ", " : "", (const char *)name);
}

/* Three-way merge of list `cur` (in place) with `later`, both from `base`. */
static void merge_list(xmlNodePtr cur, xmlNodePtr base, xmlNodePtr later)
{
	/* Removed by the later version: in the base, not in it. */
	for (xmlNodePtr c = smsaudit_xml_first_element(cur), next; c; c = next) {
		next = smsaudit_xml_next_element(c);
		if (holds_same(base, c) && !holds_same(later, c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	/* Added by it: not in the base, not already here. */
	for (xmlNodePtr c = smsaudit_xml_first_element(later); c; c = smsaudit_xml_next_element(c))
		if (!holds_same(base, c) && !holds_same(cur, c))
			xmlAddChild(cur, copy_for(c, cur));
}

static void merge_element(xmlNodePtr cur, xmlNodePtr base, xmlNodePtr later, char *conflicts, size_t size);

/* The schema's order of the children of each element of <sms>, read once
 * from the built-in records.xsd: where an element one side added goes. */
typedef struct {
	char parent[48], child[48];
	int index;
} child_order;

static child_order *orders;
static size_t norders;
static pthread_once_t orders_once = PTHREAD_ONCE_INIT;

static int xs_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name);
}

/* The xs:element children of `decl`'s inline complexType sequence, in order, recursively. */
static void orders_walk(xmlNodePtr decl, const char *name, int depth)
{
	if (depth > 6)
		return;
	for (xmlNodePtr ct = decl->children; ct; ct = ct->next) {
		if (!xs_is(ct, "complexType"))
			continue;
		for (xmlNodePtr seq = ct->children; seq; seq = seq->next) {
			if (!xs_is(seq, "sequence"))
				continue;
			int index = 0;
			for (xmlNodePtr e = seq->children; e; e = e->next) {
				if (!xs_is(e, "element"))
					continue;
				xmlChar *child = xmlGetProp(e, (const xmlChar *)"name");
				child_order *grown = child ? realloc(orders, (norders + 1) * sizeof(*orders)) : NULL;
				if (grown) {
					orders = grown;
					child_order *o = &orders[norders++];
					snprintf(o->parent, sizeof(o->parent), "%s", name);
					snprintf(o->child, sizeof(o->child), "%s", (const char *)child);
					o->index = index++;
					orders_walk(e, (const char *)child, depth + 1);
				}
				xmlFree(child);
			}
		}
	}
}

static void orders_load(void)
{
	size_t len = 0;
	const unsigned char *xsd = embedded_get("records.xsd", &len);
	xmlDocPtr doc = xsd ? xmlReadMemory((const char *)xsd, (int)len, "records.xsd", NULL, XML_PARSE_NONET) : NULL;
	for (xmlNodePtr e = doc ? xmlDocGetRootElement(doc)->children : NULL; e; e = e->next) {
		xmlChar *name = xs_is(e, "element") ? xmlGetProp(e, (const xmlChar *)"name") : NULL;
		if (name && xmlStrEqual(name, (const xmlChar *)"sms"))
			orders_walk(e, "sms", 0);
		xmlFree(name);
	}
	xmlFreeDoc(doc);
}

/* The place of `child` among the children of `parent` in the schema, -1: unknown. */
static int order_of(const xmlChar *parent, const xmlChar *child)
{
	pthread_once(&orders_once, orders_load);
	for (size_t i = 0; i < norders; i++)
		if (xmlStrEqual((const xmlChar *)orders[i].parent, parent) &&
		    xmlStrEqual((const xmlChar *)orders[i].child, child))
			return orders[i].index;
	return -1;
}

/* Put `copy` (a new child) among `cur`'s children: in the schema's order,
 * else after what comes before it in `like` (its version), else first. */
static void insert_child(xmlNodePtr cur, xmlNodePtr copy, xmlNodePtr like)
{
	int want = order_of(cur->name, copy->name);
	xmlNodePtr after = NULL;
	if (want >= 0) {
		for (xmlNodePtr c = smsaudit_xml_first_element(cur); c; c = smsaudit_xml_next_element(c)) {
			int at = order_of(cur->name, c->name);
			if (at >= 0 && at < want)
				after = c;
		}
	} else {
		for (xmlNodePtr p = like->prev; p && !after; p = p->prev)
			if (p->type == XML_ELEMENT_NODE)
				after = named_child(cur, p->name);
	}
	if (after)
		xmlAddNextSibling(after, copy);
	else if (smsaudit_xml_first_element(cur))
		xmlAddPrevSibling(smsaudit_xml_first_element(cur), copy);
	else
		xmlAddChild(cur, copy);
}

/* Merge the children of record-like elements (children of distinct names). */
static void merge_fields(xmlNodePtr cur, xmlNodePtr base, xmlNodePtr later, char *conflicts, size_t size)
{
	/* Every name either side or the base has, in the later version's order. */
	/* Copies: a node replaced below takes its name with it. */
	char names[64][64];
	size_t n = 0;
	xmlNodePtr sides[3] = { later, cur, base };
	for (int s = 0; s < 3; s++)
		for (xmlNodePtr c = sides[s] ? smsaudit_xml_first_element(sides[s]) : NULL; c && n < 64;
		     c = smsaudit_xml_next_element(c)) {
			size_t k = 0;
			while (k < n && strcmp(names[k], (const char *)c->name) != 0)
				k++;
			if (k == n)
				snprintf(names[n++], sizeof(names[0]), "%s", (const char *)c->name);
		}
	for (size_t i = 0; i < n; i++) {
		const xmlChar *name = (const xmlChar *)names[i];
		xmlNodePtr c = named_child(cur, name), b = named_child(base, name), l = named_child(later, name);
		if (same_node(l, b) || same_node(c, l))
			continue; /* the later version left it as it was, or both agree */
		if (!same_node(c, b) && c && b && l) {
			merge_element(c, b, l, conflicts, size);
			continue;
		}
		/* Only the later version changed it, or both did and one of them by
		 * adding or removing it: the later version's, named when both did. */
		if (!same_node(c, b))
			note_conflict(conflicts, size, name);
		xmlNodePtr copy = l ? copy_for(l, cur) : NULL;
		if (c && copy) {
			xmlReplaceNode(c, copy);
			xmlFreeNode(c);
		} else if (c) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (copy) {
			insert_child(cur, copy, l);
		}
	}
}

/* Both sides changed `cur` (from `base`, to `later`): merge what can be merged. */
static void merge_element(xmlNodePtr cur, xmlNodePtr base, xmlNodePtr later, char *conflicts, size_t size)
{
	if (!base || !smsaudit_xml_first_element(later) || !smsaudit_xml_first_element(cur)) {
		/* A value both changed: the later version's. */
		note_conflict(conflicts, size, cur->name);
		xmlNodePtr copy = copy_for(later, cur->parent);
		if (copy) {
			xmlReplaceNode(cur, copy);
			xmlFreeNode(cur);
		}
		return;
	}
	if (is_list(cur) && is_list(later) && is_list(base))
		merge_list(cur, base, later);
	else
		merge_fields(cur, base, later, conflicts, size);
}

int sms_merge3(smsaudit_buf *out, const char *cur_xml, const char *base_xml, const char *later_xml, char *conflicts,
               size_t size)
{
	conflicts[0] = '\0';
	xmlDocPtr cur = NULL, base = NULL, later = NULL;
	int rc = smsaudit_xml_parse_memory(&cur, cur_xml, strlen(cur_xml), "the SMS description in force");
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&base, base_xml, strlen(base_xml), "the SMS description changed");
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&later, later_xml, strlen(later_xml), "the new SMS description");
	if (rc == 0) {
		merge_fields(xmlDocGetRootElement(cur), xmlDocGetRootElement(base), xmlDocGetRootElement(later), conflicts,
		             size);
		rc = smsaudit_xml_write_canonical(out, cur);
	}
	xmlFreeDoc(cur);
	xmlFreeDoc(base);
	xmlFreeDoc(later);
	return rc;
}
