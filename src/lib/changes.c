/*
 * Changes of the organisation between two dates, from the records the state
 * accepted: each new version of the SMS description against the one before
 * it (name, scope, services, sites, certification body, deadline policy,
 * cycle, grade scale) with its reason, people granted and revoked, the
 * certificate and certification bodies' anchors. What a surveillance pack's
 * "changes since the previous audit" lists, and `sms history` prints. Pure:
 * it reads the state (and smsaudit.xml, which never changes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "internal.h"
#include "smsaudit/sms.h"
#include "smsaudit/store.h"
#include "store_internal.h"

typedef struct {
	smsaudit_sms_view v;
	smsaudit_sms_policy p;
} version;

static int version_read(version *out, const char *xml, size_t len, const char *name)
{
	memset(out, 0, sizeof(*out));
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, xml, len, name);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	smsaudit_sms_policy_parse(&out->p, root);
	rc = sms_view_from(&out->v, root);
	xmlFreeDoc(doc);
	return rc;
}

static void version_dispose(version *v)
{
	smsaudit_sms_view_dispose(&v->v);
}

typedef struct {
	smsaudit_org_change *c;
	size_t n, cap;
} change_list;

static int add(change_list *l, const smsaudit_record *r, const char *what, const char *reason, const char *fmt, ...)
	SMSAUDIT_PRINTF(5, 6);

static int add(change_list *l, const smsaudit_record *r, const char *what, const char *reason, const char *fmt, ...)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		smsaudit_org_change *c = realloc(l->c, nc * sizeof(*c));
		if (!c)
			return error_oom();
		l->c = c;
		l->cap = nc;
	}
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	smsaudit_org_change *c = &l->c[l->n];
	memset(c, 0, sizeof(*c));
	c->record = r;
	c->at = r->made_at;
	c->by = r->made_by;
	snprintf(c->what, sizeof(c->what), "%s", what);
	c->detail = strdup(buf);
	c->reason = reason ? strdup(reason) : NULL;
	if (!c->detail || (reason && !c->reason)) {
		free(c->detail);
		free(c->reason);
		return error_oom();
	}
	l->n++;
	return 0;
}

/* "added X, Y; removed Z" between two lists of names; "" when equal. */
static void list_diff(char *out, size_t size, char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t used = 0;
	out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		char *const *from = pass ? a : b, *const *in = pass ? b : a;
		size_t nfrom = pass ? na : nb, nin = pass ? nb : na;
		int first = 1;
		for (size_t i = 0; i < nfrom; i++) {
			size_t k = 0;
			while (k < nin && strcmp(in[k], from[i]) != 0)
				k++;
			if (k < nin)
				continue;
			int w = snprintf(out + used, size - used, "%s%s%s", first ? (used ? "; " : "") : ", ",
			                 first ? (pass ? "removed " : "added ") : "", from[i]);
			if (w < 0 || (size_t)w >= size - used)
				return;
			used += (size_t)w;
			first = 0;
		}
	}
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int diff_versions(change_list *l, const smsaudit_record *r, const version *o, const version *n)
{
	const char *why = n->v.change_reason;
	char buf[2048];
	int rc = 0;
	if (!same(o->v.organisation, n->v.organisation))
		rc = add(l, r, "organisation", why, "%s, was %s", n->v.organisation, o->v.organisation);
	if (rc == 0 && !same(o->v.scope, n->v.scope))
		rc = add(l, r, "scope", why, "%s", n->v.scope);
	list_diff(buf, sizeof(buf), o->v.services, o->v.nservices, n->v.services, n->v.nservices);
	if (rc == 0 && buf[0])
		rc = add(l, r, "services", why, "%s", buf);
	list_diff(buf, sizeof(buf), o->v.sites, o->v.nsites, n->v.sites, n->v.nsites);
	if (rc == 0 && buf[0])
		rc = add(l, r, "sites", why, "%s", buf);
	if (rc == 0 && !same(o->v.certification_body, n->v.certification_body))
		rc = add(l, r, "certification body", why, "%s, was %s",
		         n->v.certification_body ? n->v.certification_body : "none",
		         o->v.certification_body ? o->v.certification_body : "none");
	const smsaudit_sms_policy *a = &o->p, *b = &n->p;
	if (rc == 0 && (a->major_verify_days != b->major_verify_days ||
	                a->major_after_stage2_months != b->major_after_stage2_months ||
	                a->minor_plan_days != b->minor_plan_days))
		rc = add(l, r, "deadline policy", why,
		         "major verified within %d days and %d months of stage 2, minor planned within %d days "
		         "(was %d, %d, %d)", b->major_verify_days, b->major_after_stage2_months, b->minor_plan_days,
		         a->major_verify_days, a->major_after_stage2_months, a->minor_plan_days);
	if (rc == 0 && (a->certification_decision != b->certification_decision ||
	                a->certificate_expiry != b->certificate_expiry || a->surveillances != b->surveillances ||
	                a->internal_audit_months != b->internal_audit_months || a->npins != b->npins ||
	                memcmp(a->pins, b->pins, a->npins * sizeof(a->pins[0])) != 0)) {
		char d[11] = "", x[11] = "";
		if (b->certification_decision)
			smsaudit_date_format(d, b->certification_decision);
		if (b->certificate_expiry)
			smsaudit_date_format(x, b->certificate_expiry);
		/* 0 surveillances in the policy means the default: one a year before the expiry. */
		char sv[40];
		if (b->surveillances)
			snprintf(sv, sizeof(sv), "%d surveillance%s", b->surveillances, b->surveillances == 1 ? "" : "s");
		else
			snprintf(sv, sizeof(sv), "a surveillance a year");
		rc = add(l, r, "cycle", why, "decision %s, expiry %s, %s, internal audits within %d months, %zu pin%s",
		         d[0] ? d : "none", x[0] ? x : "none", sv, b->internal_audit_months, b->npins,
		         b->npins == 1 ? "" : "s");
	}
	int grades = a->ngrades != b->ngrades;
	for (size_t i = 0; !grades && i < a->ngrades; i++)
		grades = strcmp(a->grades[i].id, b->grades[i].id) != 0 || a->grades[i].cls != b->grades[i].cls ||
		         strcmp(a->grades[i].label, b->grades[i].label) != 0;
	if (rc == 0 && grades) {
		size_t used = 0;
		buf[0] = '\0';
		for (size_t i = 0; i < b->ngrades && used < sizeof(buf); i++) {
			int w = snprintf(buf + used, sizeof(buf) - used, "%s%s (%s)", i ? ", " : "", b->grades[i].id,
			                 smsaudit_grade_class_name(b->grades[i].cls));
			if (w < 0)
				break;
			used += (size_t)w;
		}
		rc = add(l, r, "grade scale", why, "%s", buf);
	}
	return rc;
}

int smsaudit_org_changes(smsaudit_org_change **out, size_t *n, smsaudit_store *store, const smsaudit_state *st,
                         time_t since, time_t until)
{
	*out = NULL;
	*n = 0;
	change_list l = { NULL, 0, 0 };
	smsaudit_buf first = SMSAUDIT_BUF_INIT;
	version prev, cur;
	memset(&prev, 0, sizeof(prev));
	int rc = smsaudit_repo_read(&first, smsaudit_store_repo(store), NULL, SMS_PATH);
	if (rc == 0)
		rc = version_read(&prev, first.ptr, first.size, SMS_PATH);
	smsaudit_buf_dispose(&first);
	for (size_t i = 0; rc == 0 && i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		const smsaudit_record *r = e.record;
		if (!r || !e.valid || (until && r->made_at >= until))
			continue;
		int in = r->made_at >= since;
		char d1[11], d2[11], roles[200];
		switch (r->type) {
		case SMSAUDIT_REC_SMS:
			/* Every version is read, so each is held against the one before it. */
			if ((rc = version_read(&cur, r->sms.xml, strlen(r->sms.xml), r->id)) < 0)
				break;
			if (in)
				rc = diff_versions(&l, r, &prev, &cur);
			version_dispose(&prev);
			prev = cur;
			break;
		case SMSAUDIT_REC_PERSON:
			smsaudit_roles_format(roles, sizeof(roles), r->person.roles);
			if (in)
				rc = add(&l, r, "person", NULL, "%s <%s> granted %s", r->person.name, r->person.email, roles);
			break;
		case SMSAUDIT_REC_REVOCATION:
			if (in)
				rc = add(&l, r, "person", r->revocation.reason, "%s revoked", r->revocation.email);
			break;
		case SMSAUDIT_REC_CERTIFICATE:
			smsaudit_date_format(d1, r->certificate.issued);
			smsaudit_date_format(d2, r->certificate.expires);
			if (in)
				rc = add(&l, r, "certificate", NULL, "%s issued %s by %s, expires %s", r->certificate.number, d1,
				         r->certificate.body, d2);
			break;
		case SMSAUDIT_REC_ANCHOR:
			if (in)
				rc = add(&l, r, "certification body's CA", NULL, "%s (%.16s) for the external-auditor role",
				         r->anchor.name, r->anchor.fingerprint);
			break;
		default:
			break;
		}
	}
	version_dispose(&prev);
	if (rc < 0) {
		smsaudit_org_changes_free(l.c, l.n);
		return rc;
	}
	*out = l.c;
	*n = l.n;
	return 0;
}

void smsaudit_org_changes_free(smsaudit_org_change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].detail);
		free(c[i].reason);
	}
	free(c);
}
