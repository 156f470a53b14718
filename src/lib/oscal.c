/*
 * NIST OSCAL 1.2.2 exports: catalog, assessment results (the gap analysis)
 * and POA&M (open findings). Documents are built as libxml2 trees in the
 * order the OSCAL schemas require and written by the canonical writer; the
 * statuses come from the gap analysis and the findings, never judged here.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"
#include "smsaudit/oscal.h"

#define OSCAL_XMLNS "http://csrc.nist.gov/ns/oscal/1.0"
#define MAX_DEADLINES 64

/* ---- UUIDs ---- */

/* smsaudit's namespace: the version 5 UUID of "urn:smsaudit:oscal" in the
 * URL namespace of RFC 9562 (6ba7b811-9dad-11d1-80b4-00c04fd430c8). */
static const unsigned char url_ns[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	                                      0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };

static int uuid5_raw(unsigned char out[16], const unsigned char ns[16], const char *name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(ctx, ns, 16) == 1 &&
	         EVP_DigestUpdate(ctx, name, strlen(name)) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return error_set(SMSAUDIT_ERROR, "SHA-1 for a name-based UUID failed");
	memcpy(out, md, 16);
	out[6] = (unsigned char)((out[6] & 0x0f) | 0x50);
	out[8] = (unsigned char)((out[8] & 0x3f) | 0x80);
	return 0;
}

int smsaudit_uuid_v5(char out[37], const char *name)
{
	unsigned char ns[16], u[16];
	int rc;
	if ((rc = uuid5_raw(ns, url_ns, SMSAUDIT_OSCAL_NS)) < 0 || (rc = uuid5_raw(u, ns, name)) < 0)
		return rc;
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
	return 0;
}

/* ---- building a document ---- */

typedef struct {
	xmlDocPtr doc;
	xmlNsPtr ns;
	int failed;             /* an allocation or a UUID failed */
} builder;

static xmlNodePtr el(builder *b, xmlNodePtr parent, const char *name)
{
	xmlNodePtr n = parent ? xmlNewChild(parent, b->ns, (const xmlChar *)name, NULL) : NULL;
	if (!n)
		b->failed = 1;
	return n;
}

/* An element holding text (escaped by libxml2). */
static xmlNodePtr el_text(builder *b, xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr n = parent ? xmlNewTextChild(parent, b->ns, (const xmlChar *)name, (const xmlChar *)(text ? text : ""))
	                      : NULL;
	if (!n)
		b->failed = 1;
	return n;
}

static void attr(builder *b, xmlNodePtr n, const char *name, const char *value)
{
	if (n && !xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value))
		b->failed = 1;
}

/* The attribute `name` set to the version 5 UUID of the formatted name. */
static void attr_v5(builder *b, xmlNodePtr n, const char *name_attr, const char *fmt, ...) SMSAUDIT_PRINTF(4, 5);
static void attr_v5(builder *b, xmlNodePtr n, const char *name_attr, const char *fmt, ...)
{
	char name[512], u[37];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (smsaudit_uuid_v5(u, name) < 0) {
		b->failed = 1;
		return;
	}
	attr(b, n, name_attr, u);
}

#define attr_uuid(b, n, ...) attr_v5(b, n, "uuid", __VA_ARGS__)

/* OSCAL strings have no leading or trailing white space and are not empty. */
static int trimmed(char *out, size_t size, const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n >= size)
		n = size - 1;
	/* Do not cut a UTF-8 character in two. */
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80 && n < strlen(s))
		n--;
	memcpy(out, s, n);
	out[n] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return n > 0;
}

/* <prop name=… value=…/>, in our namespace when `ours`; nothing for an empty value. */
static void prop(builder *b, xmlNodePtr parent, const char *name, const char *value, int ours)
{
	char v[1024];
	if (!value || !trimmed(v, sizeof(v), value))
		return;
	xmlNodePtr p = el(b, parent, "prop");
	attr(b, p, "name", name);
	if (ours)
		attr(b, p, "ns", SMSAUDIT_OSCAL_NS);
	attr(b, p, "value", v);
}

/* A markup-multiline field: one <p> per line of `text`. */
static void prose(builder *b, xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr d = el(b, parent, name);
	const char *p = text && *text ? text : "-";
	while (d) {
		size_t n = strcspn(p, "\n");
		char *line = malloc(n + 1);
		if (!line) {
			b->failed = 1;
			return;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (*line)
			el_text(b, d, "p", line);
		free(line);
		if (!p[n])
			break;
		p += n + 1;
	}
	if (d && !d->children)
		el_text(b, d, "p", "-");
}

static void when(builder *b, xmlNodePtr parent, const char *name, time_t t)
{
	char s[21];
	smsaudit_time_format(s, t);
	el_text(b, parent, name, s);
}

static xmlNodePtr begin(builder *b, const char *root_name)
{
	memset(b, 0, sizeof(*b));
	b->doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = b->doc ? xmlNewNode(NULL, (const xmlChar *)root_name) : NULL;
	if (!root) {
		b->failed = 1;
		return NULL;
	}
	xmlDocSetRootElement(b->doc, root);
	if (!(b->ns = xmlNewNs(root, (const xmlChar *)OSCAL_XMLNS, NULL)))
		b->failed = 1;
	xmlSetNs(root, b->ns);
	return root;
}

static int finish(builder *b, smsaudit_buf *out)
{
	int rc = 0;
	if (b->failed)
		rc = error_oom();
	else
		rc = smsaudit_xml_write_canonical(out, b->doc);
	xmlFreeDoc(b->doc);
	return rc;
}

static xmlNodePtr metadata(builder *b, xmlNodePtr root, const char *title, const char *version, time_t now)
{
	xmlNodePtr m = el(b, root, "metadata");
	el_text(b, m, "title", title);
	when(b, m, "last-modified", now);
	el_text(b, m, "version", version);
	el_text(b, m, "oscal-version", SMSAUDIT_OSCAL_VERSION);
	return m;
}

/* ---- catalog ---- */

static void control_id(char *buf, size_t size, const char *clause)
{
	snprintf(buf, size, "clause-%s", clause);
}

static void clause_node(builder *b, xmlNodePtr parent, const smsaudit_clause *c)
{
	char id[96], sid[112];
	control_id(id, sizeof(id), c->id);
	xmlNodePtr n = el(b, parent, c->depth == 1 ? "group" : "control");
	attr(b, n, "id", id);
	attr(b, n, "class", "clause");
	el_text(b, n, "title", c->title);
	prop(b, n, "label", c->id, 0);
	prop(b, n, "assessable", c->assessable ? "true" : "false", 1);
	for (size_t i = 0; i < c->nmappings; i++) {
		char v[200];
		snprintf(v, sizeof(v), "%s %s", c->mappings[i].standard, c->mappings[i].clause);
		xmlNodePtr p = el(b, n, "prop");
		attr(b, p, "name", "mapping");
		attr(b, p, "ns", SMSAUDIT_OSCAL_NS);
		attr(b, p, "value", v);
		attr(b, p, "class", c->mappings[i].relation);
	}
	if (c->summary && *c->summary) {
		snprintf(sid, sizeof(sid), "%s_smt", id);
		xmlNodePtr part = el(b, n, "part");
		attr(b, part, "id", sid);
		attr(b, part, "name", "statement");
		/* Our paraphrase, one <p> per line. */
		char *text = xstrdup(c->summary);
		if (!text) {
			b->failed = 1;
			return;
		}
		for (char *line = text, *next; line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char t[4096];
			if (trimmed(t, sizeof(t), line))
				el_text(b, part, "p", t);
		}
		free(text);
		if (part && !part->children)
			el_text(b, part, "p", "-");
	}
	for (size_t i = 0; i < c->nexpected; i++) {
		const smsaudit_expected *e = &c->expected[i];
		char pid[120], months[16];
		snprintf(pid, sizeof(pid), "evidence-%s", e->id);
		xmlNodePtr part = el(b, n, "part");
		attr(b, part, "id", pid);
		attr(b, part, "name", "expected-evidence");
		attr(b, part, "ns", SMSAUDIT_OSCAL_NS);
		prop(b, part, "evidence-kind", smsaudit_evidence_kind_name(e->kind), 1);
		prop(b, part, "stage", e->stage == SMSAUDIT_STAGE_1 ? "stage1" : "stage2", 1);
		prop(b, part, "explicit", e->is_explicit ? "true" : "false", 1);
		if (e->fresh_months > 0) {
			snprintf(months, sizeof(months), "%d", e->fresh_months);
			prop(b, part, "fresh-months", months, 1);
		}
		char t[2048];
		el_text(b, part, "p", trimmed(t, sizeof(t), e->what) ? t : e->id);
	}
	for (size_t i = 0; i < c->nchildren; i++)
		clause_node(b, n, c->children[i]);
}

int smsaudit_oscal_catalog(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_oscal_options *o)
{
	if (!cat || !o)
		return error_set(SMSAUDIT_EINVALID, "oscal catalog: no catalogue");
	const smsaudit_catalogue_info *info = smsaudit_catalogue_info_get(cat);
	builder b;
	xmlNodePtr root = begin(&b, "catalog");
	attr_uuid(&b, root, "catalog:%s:%s", info->id, info->sha256);
	char title[600];
	snprintf(title, sizeof(title), "%s:%s clauses 4 to 10 (smsaudit catalogue %s)", info->standard, info->edition,
	         info->version);
	xmlNodePtr m = metadata(&b, root, title, info->version, o->now);
	prop(&b, m, "catalogue-id", info->id, 1);
	prop(&b, m, "catalogue-sha256", info->sha256, 1);
	prose(&b, m, "remarks", "Clause numbers and titles of the standard; every statement and expected item is "
	                        "smsaudit's own paraphrase, not the text of the standard.");
	for (size_t i = 0; i < smsaudit_catalogue_count(cat); i++) {
		const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
		if (c->depth == 1)
			clause_node(&b, root, c);
	}
	return finish(&b, out);
}

/* ---- people as parties ---- */

static void parties(builder *b, xmlNodePtr m, const smsaudit_state *st, const char *organisation)
{
	if (organisation && *organisation) {
		xmlNodePtr p = el(b, m, "party");
		attr_uuid(b, p, "party:organisation");
		attr(b, p, "type", "organization");
		char t[1024];
		if (trimmed(t, sizeof(t), organisation))
			el_text(b, p, "name", t);
	}
	size_t n = smsaudit_state_person_count(st);
	for (size_t i = 0; i < n; i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (!pe->valid || !pe->current)
			continue;
		const smsaudit_person_body *pb = &pe->record->person;
		xmlNodePtr p = el(b, m, "party");
		attr_uuid(b, p, "party:%s", pb->email);
		attr(b, p, "type", "person");
		char t[1024], roles[200];
		if (trimmed(t, sizeof(t), pb->name))
			el_text(b, p, "name", t);
		smsaudit_roles_format(roles, sizeof(roles), pb->roles);
		prop(b, p, "roles", roles, 1);
		el_text(b, p, "email-address", pb->email);
	}
}

static int is_party(const smsaudit_state *st, const char *email)
{
	for (size_t i = 0; email && i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (pe->valid && pe->current && strcmp(pe->record->person.email, email) == 0)
			return 1;
	}
	return 0;
}

/* ---- evidence as observations ---- */

static void content_path(char *buf, size_t size, const char *sha256)
{
	snprintf(buf, size, "content/%.2s/%s", sha256, sha256);
}

static void observation(builder *b, xmlNodePtr parent, const smsaudit_evidence_entry *e)
{
	const smsaudit_evidence_body *eb = &e->record->evidence;
	xmlNodePtr ob = el(b, parent, "observation");
	attr_uuid(b, ob, "observation:%s", e->record->id);
	char t[1024];
	if (trimmed(t, sizeof(t), eb->title))
		el_text(b, ob, "title", t);
	char d[1200], controls[600] = "";
	size_t used = 0;
	for (size_t i = 0; i < eb->ncontrols && used < sizeof(controls); i++)
		used += (size_t)snprintf(controls + used, sizeof(controls) - used, "%s%s", i ? " " : "", eb->controls[i]);
	snprintf(d, sizeof(d), "Evidence %s (%s) for %s, signed by %s; %s%s.", e->record->id,
	         smsaudit_evidence_kind_name(eb->kind), controls, e->record->made_by,
	         !e->valid ? "fails verification" : e->status == SMSAUDIT_EV_WITHDRAWN ? "withdrawn"
	         : e->status == SMSAUDIT_EV_SUPERSEDED ? "superseded" : "active",
	         e->status == SMSAUDIT_EV_SUPERSEDED && *e->superseded_by ? " by a newer record" : "");
	prose(b, ob, "description", d);
	prop(b, ob, "record-id", e->record->id, 1);
	prop(b, ob, "evidence-kind", smsaudit_evidence_kind_name(eb->kind), 1);
	prop(b, ob, "verified", e->valid ? "true" : "false", 1);
	el_text(b, ob, "method", "EXAMINE");
	char href[200];
	content_path(href, sizeof(href), eb->sha256);
	xmlNodePtr re = el(b, ob, "relevant-evidence");
	attr(b, re, "href", href);
	snprintf(d, sizeof(d), "The file as collected (%s, %llu bytes), stored under its SHA-256.", eb->name,
	         (unsigned long long)eb->size);
	prose(b, re, "description", d);
	prop(b, re, "sha256", eb->sha256, 1);
	re = el(b, ob, "relevant-evidence");
	attr(b, re, "href", e->path);
	prose(b, re, "description", "The signed record (canonical XML; its detached CMS signature is beside it, .p7s).");
	when(b, ob, "collected", e->record->made_at);
	if (eb->valid_until)
		when(b, ob, "expires", eb->valid_until + SMSAUDIT_DAY - 1);
}

/* ---- assessment results ---- */

typedef struct {
	const char **ids;
	size_t n;
} idset;

static int idset_has(const idset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

int smsaudit_oscal_assessment_results(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                                      const smsaudit_oscal_options *o)
{
	if (!cat || !st || !o)
		return error_set(SMSAUDIT_EINVALID, "oscal assessment-results: no catalogue or state");
	smsaudit_gap *gap = NULL;
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = smsaudit_date_of(o->as_of);
	int rc = smsaudit_gap_compute(&gap, cat, st, &go);
	if (rc < 0)
		return rc;
	idset seen = { calloc(smsaudit_state_evidence_count(st) + 1, sizeof(char *)), 0 };
	if (!seen.ids) {
		smsaudit_gap_free(gap);
		return error_oom();
	}
	char commit[41], asof[11], title[800];
	smsaudit_oid_fmt(commit, smsaudit_state_commit(st));
	smsaudit_date_format(asof, go.as_of);
	builder b;
	xmlNodePtr root = begin(&b, "assessment-results");
	attr_uuid(&b, root, "assessment-results:%s:%s", commit, asof);
	snprintf(title, sizeof(title), "Gap analysis against ISO/IEC 20000-1:2018%s%s as of %s",
	         o->organisation ? ", " : "", o->organisation ? o->organisation : "", asof);
	char version[32];
	snprintf(version, sizeof(version), "%.12s", commit);
	xmlNodePtr m = metadata(&b, root, title, version, o->now);
	prop(&b, m, "commit", commit, 1);
	parties(&b, m, st, o->organisation);
	prose(&b, m, "remarks", "Computed by smsaudit from the signed records of the evidence repository at the "
	                        "commit named; there is no separate assessment plan document.");
	xmlNodePtr ap = el(&b, root, "import-ap");
	attr(&b, ap, "href", "urn:smsaudit:gap-analysis");

	xmlNodePtr res = el(&b, root, "result");
	attr_uuid(&b, res, "result:%s:%s", commit, asof);
	snprintf(title, sizeof(title), "Gap analysis as of %s", asof);
	el_text(&b, res, "title", title);
	const smsaudit_gap_rollup *all = smsaudit_gap_overall(gap);
	char d[1200];
	snprintf(d, sizeof(d), "Every assessable clause judged by the documented information it expects: %zu "
	         "conformant, %zu partial, %zu gap, %zu not assessed of %zu; readiness %.1f %%.", all->conformant,
	         all->partial, all->gap, all->not_assessed, all->total, all->readiness * 100.0);
	prose(&b, res, "description", d);
	when(&b, res, "start", go.as_of);
	when(&b, res, "end", smsaudit_day_end(go.as_of));
	snprintf(d, sizeof(d), "%.1f", all->readiness * 100.0);
	prop(&b, res, "readiness-percent", d, 1);
	prop(&b, res, "stage1-ready", smsaudit_gap_stage(gap, SMSAUDIT_STAGE_1)->ready ? "true" : "false", 1);
	prop(&b, res, "stage2-ready", smsaudit_gap_stage(gap, SMSAUDIT_STAGE_2)->ready ? "true" : "false", 1);
	xmlNodePtr rc_ = el(&b, res, "reviewed-controls");
	xmlNodePtr sel = el(&b, rc_, "control-selection");
	el(&b, sel, "include-all");

	/* Every piece of evidence any clause judged, once. */
	size_t nclauses = smsaudit_gap_clause_count(gap);
	for (size_t i = 0; i < nclauses; i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(gap, i);
		for (size_t k = 0; k < c->nitems; k++)
			for (size_t m2 = 0; m2 < c->items[k].ncandidates; m2++) {
				const smsaudit_evidence_entry *e = c->items[k].candidates[m2].evidence;
				if (!idset_has(&seen, e->record->id)) {
					seen.ids[seen.n++] = e->record->id;
					observation(&b, res, e);
				}
			}
	}
	for (size_t i = 0; i < nclauses; i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(gap, i);
		xmlNodePtr f = el(&b, res, "finding");
		attr_uuid(&b, f, "finding:%s:%s:%s", commit, asof, c->clause->id);
		snprintf(title, sizeof(title), "%s %s: %s", c->clause->id, c->clause->title,
		         smsaudit_gap_status_name(c->status));
		el_text(&b, f, "title", title);
		smsaudit_buf why = SMSAUDIT_BUF_INIT;
		for (size_t k = 0; k < c->nreasons && !b.failed; k++)
			if (buf_printf(&why, "%s%s", why.size ? "\n" : "", c->reasons[k]) < 0)
				b.failed = 1;
		prose(&b, f, "description", why.size ? why.ptr : smsaudit_gap_status_name(c->status));
		smsaudit_buf_dispose(&why);
		prop(&b, f, "gap-status", smsaudit_gap_status_name(c->status), 1);
		if (c->assessment)
			prop(&b, f, "self-assessment", smsaudit_assessment_result_name(c->assessment->assessment.result), 1);
		char id[96];
		control_id(id, sizeof(id), c->clause->id);
		char sid[112];
		snprintf(sid, sizeof(sid), "%s_smt", id);
		xmlNodePtr tg = el(&b, f, "target");
		attr(&b, tg, "type", "statement-id");
		attr(&b, tg, "target-id", sid);
		xmlNodePtr stt = el(&b, tg, "status");
		attr(&b, stt, "state", c->status == SMSAUDIT_GAP_CONFORMANT ? "satisfied" : "not-satisfied");
		if (c->status != SMSAUDIT_GAP_CONFORMANT)
			attr(&b, stt, "reason", smsaudit_gap_status_name(c->status));
		/* The observations behind it, once each. */
		idset mine = { calloc(seen.n + 1, sizeof(char *)), 0 };
		if (!mine.ids) {
			b.failed = 1;
			break;
		}
		for (size_t k = 0; k < c->nitems; k++)
			for (size_t m2 = 0; m2 < c->items[k].ncandidates; m2++) {
				const smsaudit_evidence_entry *e = c->items[k].candidates[m2].evidence;
				if (idset_has(&mine, e->record->id))
					continue;
				mine.ids[mine.n++] = e->record->id;
				xmlNodePtr ro = el(&b, f, "related-observation");
				attr_v5(&b, ro, "observation-uuid", "observation:%s", e->record->id);
			}
		free(mine.ids);
	}
	free(seen.ids);
	smsaudit_gap_free(gap);
	return finish(&b, out);
}

/* ---- POA&M ---- */

static const char *risk_status(smsaudit_finding_phase p)
{
	return p == SMSAUDIT_PHASE_OPEN ? "open" : "remediating";
}

static const smsaudit_evidence_entry *evidence_of(const smsaudit_state *st, const char *id)
{
	const smsaudit_evidence_entry *e = NULL;
	return smsaudit_state_find_evidence(&e, st, id) == 0 ? e : NULL;
}

/* Evidence a finding or its steps cite, as refs. */
typedef struct {
	const smsaudit_evidence_ref *v[256];
	const smsaudit_record *by[256];
	size_t n;
} refs;

static void refs_add(refs *r, const smsaudit_evidence_ref *ev, size_t n, const smsaudit_record *by)
{
	for (size_t i = 0; i < n && r->n < sizeof(r->v) / sizeof(r->v[0]); i++) {
		int dup = 0;
		for (size_t k = 0; k < r->n; k++)
			dup |= strcmp(r->v[k]->id, ev[i].id) == 0;
		if (!dup) {
			r->v[r->n] = &ev[i];
			r->by[r->n++] = by;
		}
	}
}

static void finding_refs(refs *r, const smsaudit_finding *f)
{
	r->n = 0;
	refs_add(r, f->record->finding.evidence, f->record->finding.nevidence, f->record);
	for (size_t s = 0; s < f->nsteps; s++)
		refs_add(r, f->steps[s]->step.evidence, f->steps[s]->step.nevidence, f->steps[s]);
}

static void cited_observation(builder *b, xmlNodePtr parent, const smsaudit_state *st, const smsaudit_evidence_ref *ev,
                              const smsaudit_record *by)
{
	const smsaudit_evidence_entry *e = evidence_of(st, ev->id);
	if (e) {
		observation(b, parent, e);
		return;
	}
	/* Cited but not in this state (it cannot be: the replay refuses that);
	 * still an observation, from the citation alone. */
	xmlNodePtr ob = el(b, parent, "observation");
	attr_uuid(b, ob, "observation:%s", ev->id);
	char d[300];
	snprintf(d, sizeof(d), "Evidence %s as cited at commit %.12s.", ev->id, ev->commit);
	prose(b, ob, "description", d);
	el_text(b, ob, "method", "EXAMINE");
	char href[200];
	content_path(href, sizeof(href), ev->sha256);
	xmlNodePtr re = el(b, ob, "relevant-evidence");
	attr(b, re, "href", href);
	prose(b, re, "description", "The file, stored under its SHA-256.");
	prop(b, re, "sha256", ev->sha256, 1);
	when(b, ob, "collected", by->made_at);
}

static void risk(builder *b, xmlNodePtr parent, const smsaudit_state *st, const smsaudit_finding *f, time_t as_of)
{
	const smsaudit_finding_body *fb = &f->record->finding;
	xmlNodePtr r = el(b, parent, "risk");
	attr_uuid(b, r, "risk:%s", f->record->id);
	char title[300], d[1200], clauses[400] = "", raised[11];
	snprintf(title, sizeof(title), "%s (%s)", f->number, f->grade->label[0] ? f->grade->label : f->grade->id);
	el_text(b, r, "title", title);
	prose(b, r, "description", fb->statement);
	size_t used = 0;
	for (size_t i = 0; i < fb->nclauses && used < sizeof(clauses); i++)
		used += (size_t)snprintf(clauses + used, sizeof(clauses) - used, "%s%s", i ? ", " : "", fb->clauses[i]);
	smsaudit_date_format(raised, fb->raised_on);
	snprintf(d, sizeof(d), "Against ISO/IEC 20000-1:2018 %s; raised on %s by %s (%s).", clauses, raised,
	         f->record->made_by, smsaudit_finding_source_name(fb->source));
	prose(b, r, "statement", d);
	prop(b, r, "finding-id", f->record->id, 1);
	prop(b, r, "number", f->number, 1);
	prop(b, r, "grade", f->grade->id, 1);
	prop(b, r, "grade-class", smsaudit_grade_class_name(f->grade->cls), 1);
	prop(b, r, "phase", smsaudit_finding_phase_name(f->phase), 1);
	for (size_t i = 0; i < fb->nclauses; i++)
		prop(b, r, "clause", fb->clauses[i], 1);
	el_text(b, r, "status", risk_status(f->phase));
	/* The earliest deadline not met yet, by the findings' own rules. */
	smsaudit_deadline dl[MAX_DEADLINES];
	size_t n = smsaudit_finding_deadlines(dl, MAX_DEADLINES, f, smsaudit_state_policy(st));
	time_t next = 0;
	for (size_t k = 0; k < n; k++) {
		smsaudit_due_status s = smsaudit_deadline_status(&dl[k], as_of, SMSAUDIT_DUE_SOON_DAYS);
		if (dl[k].due && (s == SMSAUDIT_DUE_PENDING || s == SMSAUDIT_DUE_SOON || s == SMSAUDIT_DUE_OVERDUE) &&
		    (!next || dl[k].due < next))
			next = dl[k].due;
	}
	if (next)
		when(b, r, "deadline", next + SMSAUDIT_DAY - 1);
	for (size_t i = 0; i < f->nactions; i++) {
		const smsaudit_finding_action *a = &f->actions[i];
		xmlNodePtr resp = el(b, r, "response");
		attr_uuid(b, resp, "response:%s:%s:%u", f->record->id, a->plan->id, a->index);
		attr(b, resp, "lifecycle", a->implemented ? "completed" : "planned");
		char line[200];
		snprintf(line, sizeof(line), "A%u", a->number);
		el_text(b, resp, "title", line);
		prose(b, resp, "description", a->action->description);
		prop(b, resp, "owner", a->action->owner, 1);
		xmlNodePtr task = el(b, resp, "task");
		attr_uuid(b, task, "task:%s:%s:%u", f->record->id, a->plan->id, a->index);
		attr(b, task, "type", "milestone");
		snprintf(line, sizeof(line), "A%u due", a->number);
		el_text(b, task, "title", line);
		if (a->implemented) {
			char on[11];
			smsaudit_date_format(on, a->implemented->made_at);
			prop(b, task, "implemented-on", on, 1);
		}
		xmlNodePtr timing = el(b, task, "timing");
		xmlNodePtr on = el(b, timing, "on-date");
		char due[21];
		smsaudit_time_format(due, a->action->due + SMSAUDIT_DAY - 1);
		attr(b, on, "date", due);
	}
	if (f->nsteps) {
		xmlNodePtr log = el(b, r, "risk-log");
		for (size_t s = 0; s < f->nsteps; s++) {
			const smsaudit_record *step = f->steps[s];
			xmlNodePtr en = el(b, log, "entry");
			attr_uuid(b, en, "entry:%s", step->id);
			el_text(b, en, "title", smsaudit_step_kind_name(step->step.kind));
			if (step->step.text && *step->step.text)
				prose(b, en, "description", step->step.text);
			when(b, en, "start", step->made_at);
			prop(b, en, "step-id", step->id, 1);
			if (is_party(st, step->made_by)) {
				xmlNodePtr lb = el(b, en, "logged-by");
				attr_v5(b, lb, "party-uuid", "party:%s", step->made_by);
			}
		}
	}
	refs rf;
	finding_refs(&rf, f);
	for (size_t i = 0; i < rf.n; i++) {
		xmlNodePtr ro = el(b, r, "related-observation");
		attr_v5(b, ro, "observation-uuid", "observation:%s", rf.v[i]->id);
	}
}

int smsaudit_oscal_poam(smsaudit_buf *out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                        const smsaudit_oscal_options *o)
{
	if (!cat || !st || !o)
		return error_set(SMSAUDIT_EINVALID, "oscal poam: no catalogue or state");
	time_t as_of = smsaudit_date_of(o->as_of);
	smsaudit_findings *fs = NULL;
	int rc = smsaudit_findings_compute(&fs, st, as_of);
	if (rc < 0)
		return rc;
	size_t open = 0;
	for (size_t i = 0; i < smsaudit_findings_count(fs); i++)
		open += smsaudit_findings_at(fs, i)->phase != SMSAUDIT_PHASE_CLOSED;
	char asof[11], commit[41], root_hex[41], title[800];
	smsaudit_date_format(asof, as_of);
	if (!open) {
		smsaudit_findings_free(fs);
		return error_set(SMSAUDIT_ENOTFOUND, "no finding is open at %s: an OSCAL POA&M needs at least one item",
		                 asof);
	}
	smsaudit_oid_fmt(commit, smsaudit_state_commit(st));
	smsaudit_oid_fmt(root_hex, smsaudit_state_root(st));
	builder b;
	xmlNodePtr root = begin(&b, "plan-of-action-and-milestones");
	attr_uuid(&b, root, "poam:%s:%s", commit, asof);
	snprintf(title, sizeof(title), "Open findings and corrective actions%s%s as of %s", o->organisation ? ", " : "",
	         o->organisation ? o->organisation : "", asof);
	char version[32];
	snprintf(version, sizeof(version), "%.12s", commit);
	xmlNodePtr m = metadata(&b, root, title, version, o->now);
	prop(&b, m, "commit", commit, 1);
	parties(&b, m, st, o->organisation);
	/* The SMS as the system: one identifier per repository (its first commit). */
	char sys[37];
	if (smsaudit_uuid_v5(sys, root_hex) < 0)
		b.failed = 1;
	xmlNodePtr sid = el_text(&b, root, "system-id", sys);
	attr(&b, sid, "identifier-type", "http://ietf.org/rfc/rfc4122");

	/* Observations: the evidence the open findings cite, once. */
	const char *done[1024];
	size_t ndone = 0;
	for (size_t i = 0; i < smsaudit_findings_count(fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(fs, i);
		if (f->phase == SMSAUDIT_PHASE_CLOSED)
			continue;
		refs rf;
		finding_refs(&rf, f);
		for (size_t k = 0; k < rf.n; k++) {
			int dup = 0;
			for (size_t j = 0; j < ndone; j++)
				dup |= strcmp(done[j], rf.v[k]->id) == 0;
			if (dup || ndone == sizeof(done) / sizeof(done[0]))
				continue;
			done[ndone++] = rf.v[k]->id;
			cited_observation(&b, root, st, rf.v[k], rf.by[k]);
		}
	}
	for (size_t i = 0; i < smsaudit_findings_count(fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(fs, i);
		if (f->phase != SMSAUDIT_PHASE_CLOSED)
			risk(&b, root, st, f, as_of);
	}
	for (size_t i = 0; i < smsaudit_findings_count(fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(fs, i);
		if (f->phase == SMSAUDIT_PHASE_CLOSED)
			continue;
		xmlNodePtr it = el(&b, root, "poam-item");
		attr_uuid(&b, it, "poam-item:%s", f->record->id);
		char t[300];
		snprintf(t, sizeof(t), "%s: corrective action", f->number);
		el_text(&b, it, "title", t);
		prose(&b, it, "description", f->record->finding.statement);
		prop(&b, it, "finding-id", f->record->id, 1);
		refs rf;
		finding_refs(&rf, f);
		for (size_t k = 0; k < rf.n; k++) {
			xmlNodePtr ro = el(&b, it, "related-observation");
			attr_v5(&b, ro, "observation-uuid", "observation:%s", rf.v[k]->id);
		}
		xmlNodePtr ar = el(&b, it, "associated-risk");
		attr_v5(&b, ar, "risk-uuid", "risk:%s", f->record->id);
	}
	smsaudit_findings_free(fs);
	return finish(&b, out);
}
