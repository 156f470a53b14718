/*
 * Changing the SMS description (`sms change`): the organisation's name, its
 * scope, services, sites, certification body and deadline policy. Like the
 * grade scale and the cycle, a change is a new signed sms record made from
 * the description in force (store_rewrite_sms), with the reason it was made;
 * smsaudit.xml and every earlier version stay as they were, so a reader at
 * an earlier date sees the description of its day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "internal.h"
#include "smsaudit/store.h"
#include "store_internal.h"

static void set_text(xmlNodePtr n, const char *text)
{
	while (n->children) {
		xmlNodePtr c = n->children;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	xmlNodeAddContent(n, (const xmlChar *)text);
}

static xmlNodePtr find_item(xmlNodePtr list, const char *item, const char *text)
{
	for (xmlNodePtr c = list ? smsaudit_xml_first_element(list) : NULL; c; c = smsaudit_xml_next_element(c)) {
		if (!smsaudit_xml_is(c, item))
			continue;
		char *t = smsaudit_xml_text(c);
		int same = t && strcmp(t, text) == 0;
		free(t);
		if (same)
			return c;
	}
	return NULL;
}

/* Add and remove `item`s of <list> (services, sites). */
static int edit_list(xmlNodePtr root, xmlNsPtr ns, const char *list, const char *item, const char *const *add,
                     size_t nadd, const char *const *rm, size_t nrm)
{
	xmlNodePtr l = smsaudit_xml_child(root, list);
	if (!l && (nadd || nrm))
		return error_set(SMSAUDIT_EINVALID, "the SMS description has no %s element", list);
	for (size_t i = 0; i < nrm; i++) {
		xmlNodePtr c = find_item(l, item, rm[i]);
		if (!c)
			return error_set(SMSAUDIT_ENOTFOUND, "--remove-%s '%s' is not one of the SMS's %s", item, rm[i], list);
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	for (size_t i = 0; i < nadd; i++) {
		if (find_item(l, item, add[i]))
			return error_set(SMSAUDIT_EEXISTS, "--add-%s '%s' is one of the SMS's %s already", item, add[i], list);
		if (!xmlNewTextChild(l, ns, (const xmlChar *)item, (const xmlChar *)add[i]))
			return error_oom();
	}
	return 0;
}

static int set_policy(xmlNodePtr root, const char *name, int v)
{
	if (!v)
		return 0;
	xmlNodePtr n = smsaudit_xml_child(smsaudit_xml_child(root, "deadline-policy"), name);
	if (!n)
		return error_set(SMSAUDIT_EINVALID, "the SMS description has no %s", name);
	char num[16];
	snprintf(num, sizeof(num), "%d", v);
	set_text(n, num);
	return 0;
}

static int put_change(xmlDocPtr doc, xmlNodePtr root, xmlNsPtr ns, void *u)
{
	(void)doc;
	const smsaudit_sms_change *ch = u;
	int rc = 0;
	if (ch->organisation)
		set_text(smsaudit_xml_child(root, "organisation"), ch->organisation);
	if (ch->scope)
		set_text(smsaudit_xml_child(root, "scope"), ch->scope);
	if ((rc = edit_list(root, ns, "services", "service", ch->add_services, ch->nadd_services, ch->remove_services,
	                    ch->nremove_services)) < 0 ||
	    (rc = edit_list(root, ns, "sites", "site", ch->add_sites, ch->nadd_sites, ch->remove_sites,
	                    ch->nremove_sites)) < 0)
		return rc;
	if (ch->certification_body) {
		xmlNodePtr cb = smsaudit_xml_child(root, "certification-body");
		if (!cb) {
			/* The schema's order: right after sites. */
			xmlNodePtr sites = smsaudit_xml_child(root, "sites");
			cb = xmlNewNode(ns, (const xmlChar *)"certification-body");
			if (!cb || !sites || !xmlAddNextSibling(sites, cb)) {
				xmlFreeNode(cb);
				return error_set(SMSAUDIT_EINVALID, "the SMS description has no sites to put the body after");
			}
		}
		set_text(cb, ch->certification_body);
	}
	if ((rc = set_policy(root, "major-verify-days", ch->major_verify_days)) < 0 ||
	    (rc = set_policy(root, "major-after-stage2-months", ch->major_after_stage2_months)) < 0 ||
	    (rc = set_policy(root, "minor-plan-days", ch->minor_plan_days)) < 0)
		return rc;
	if (!xmlNewTextChild(root, ns, (const xmlChar *)"change-reason", (const xmlChar *)ch->reason))
		return error_oom();
	return 0;
}

static int check_names(const char *opt, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (smsaudit_text_check(opt, v[i], 500) < 0)
			return SMSAUDIT_EINVALID;
		for (size_t k = 0; k < i; k++)
			if (strcmp(v[k], v[i]) == 0)
				return error_set(SMSAUDIT_EINVALID, "%s '%s' is given twice", opt, v[i]);
	}
	return 0;
}

int smsaudit_store_sms_change(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_sms_change *ch)
{
	int changes = ch->organisation || ch->scope || ch->certification_body || ch->nadd_services ||
	              ch->nremove_services || ch->nadd_sites || ch->nremove_sites || ch->major_verify_days ||
	              ch->major_after_stage2_months || ch->minor_plan_days;
	if (!changes)
		return error_set(SMSAUDIT_EINVALID, "nothing to change: give --org, --scope, --cb, --add-service, "
		                 "--remove-service, --add-site, --remove-site or a deadline");
	if (!ch->reason || !*ch->reason)
		return error_set(SMSAUDIT_EINVALID, "--reason: say why the SMS description changes");
	int rc;
	if ((rc = smsaudit_text_check("--reason", ch->reason, 500)) < 0 ||
	    (ch->organisation && (rc = smsaudit_text_check("--org", ch->organisation, 500)) < 0) ||
	    (ch->scope && (rc = smsaudit_note_check("--scope", ch->scope, 20000)) < 0) ||
	    (ch->certification_body && (rc = smsaudit_text_check("--cb", ch->certification_body, 500)) < 0) ||
	    (rc = check_names("--add-service", ch->add_services, ch->nadd_services)) < 0 ||
	    (rc = check_names("--remove-service", ch->remove_services, ch->nremove_services)) < 0 ||
	    (rc = check_names("--add-site", ch->add_sites, ch->nadd_sites)) < 0 ||
	    (rc = check_names("--remove-site", ch->remove_sites, ch->nremove_sites)) < 0)
		return SMSAUDIT_EINVALID;
	const int limits[3] = { ch->major_verify_days, ch->major_after_stage2_months, ch->minor_plan_days };
	static const char *const names[3] = { "--major-verify-days", "--major-after-stage2-months", "--minor-plan-days" };
	for (int i = 0; i < 3; i++)
		if (limits[i] < 0 || limits[i] > 3650)
			return error_set(SMSAUDIT_EINVALID, "%s: expected 1 to 3650, not %d", names[i], limits[i]);
	char summary[700];
	snprintf(summary, sizeof(summary), "sms change: %s", ch->reason);
	return store_rewrite_sms(store, signer, put_change, (void *)ch, summary, "sms-change");
}

/* ---- reading the description in force ---- */

static int list_of(char ***out, size_t *n, xmlNodePtr list, const char *item)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	for (xmlNodePtr c = list ? smsaudit_xml_first_element(list) : NULL; c; c = smsaudit_xml_next_element(c)) {
		if (!smsaudit_xml_is(c, item))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **v = realloc(*out, nc * sizeof(*v));
			if (!v)
				return error_oom();
			*out = v;
			cap = nc;
		}
		if (!((*out)[(*n)++] = smsaudit_xml_text(c)))
			return error_oom();
	}
	return 0;
}

int sms_view_from(smsaudit_sms_view *out, xmlNodePtr root)
{
	memset(out, 0, sizeof(*out));
	int rc = 0;
	{
		out->organisation = smsaudit_xml_text(smsaudit_xml_child(root, "organisation"));
		out->scope = smsaudit_xml_text(smsaudit_xml_child(root, "scope"));
		xmlNodePtr cb = smsaudit_xml_child(root, "certification-body");
		out->certification_body = cb ? smsaudit_xml_text(cb) : NULL;
		xmlNodePtr why = smsaudit_xml_child(root, "change-reason");
		out->change_reason = why ? smsaudit_xml_text(why) : NULL;
		if (!out->organisation || !out->scope)
			rc = error_set(SMSAUDIT_EINVALID, "smsaudit.xml: no organisation or scope");
	}
	if (rc == 0)
		rc = list_of(&out->services, &out->nservices, smsaudit_xml_child(root, "services"), "service");
	if (rc == 0)
		rc = list_of(&out->sites, &out->nsites, smsaudit_xml_child(root, "sites"), "site");
	if (rc < 0)
		smsaudit_sms_view_dispose(out);
	return rc;
}

int smsaudit_state_sms_view(smsaudit_sms_view *out, smsaudit_store *store, const smsaudit_state *st)
{
	memset(out, 0, sizeof(*out));
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_state_sms(&b, store, st);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&doc, b.ptr, b.size, "smsaudit.xml");
	if (rc == 0)
		rc = sms_view_from(out, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
	return rc;
}

void smsaudit_sms_view_dispose(smsaudit_sms_view *v)
{
	free(v->organisation);
	free(v->scope);
	free(v->certification_body);
	free(v->change_reason);
	for (size_t i = 0; i < v->nservices; i++)
		free(v->services[i]);
	for (size_t i = 0; i < v->nsites; i++)
		free(v->sites[i]);
	free(v->services);
	free(v->sites);
	memset(v, 0, sizeof(*v));
}

/* ---- the certificate ---- */

int smsaudit_store_record_certificate(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                                      const smsaudit_certificate_input *in)
{
	if (!(signer->roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
		return error_set(SMSAUDIT_EINVALID, "%s may not record the certificate: a quality manager signs it",
		                 signer->email);
	if (!in->number || !*in->number)
		return error_set(SMSAUDIT_EINVALID, "--number: give the certificate's number");
	if (!in->body || !*in->body)
		return error_set(SMSAUDIT_EINVALID, "--body: name the certification body that issued it");
	if (!in->scope || !*in->scope)
		return error_set(SMSAUDIT_EINVALID, "--scope-statement: give the scope as the certificate states it");
	if (smsaudit_text_check("--number", in->number, 200) < 0 || smsaudit_text_check("--body", in->body, 500) < 0 ||
	    smsaudit_note_check("--scope-statement", in->scope, 20000) < 0)
		return SMSAUDIT_EINVALID;
	if (!in->issued || !in->expires)
		return error_set(SMSAUDIT_EINVALID, "--issued and --expires: give both dates");
	time_t now = smsaudit_now();
	char d1[11], d2[11];
	smsaudit_date_format(d1, in->issued);
	smsaudit_date_format(d2, in->expires);
	if (smsaudit_date_of(in->issued) > smsaudit_date_of(now))
		return error_set(SMSAUDIT_EINVALID, "--issued %s is in the future: record the certificate once issued", d1);
	if (smsaudit_date_of(in->expires) <= smsaudit_date_of(in->issued))
		return error_set(SMSAUDIT_EINVALID, "--expires %s is not after --issued %s", d2, d1);
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_CERTIFICATE;
	rec.made_at = now;
	rec.made_by = (char *)smsaudit_identity_email(signer);
	rec.certificate.number = (char *)in->number;
	rec.certificate.body = (char *)in->body;
	rec.certificate.scope = (char *)in->scope;
	rec.certificate.issued = smsaudit_date_of(in->issued);
	rec.certificate.expires = smsaudit_date_of(in->expires);
	int rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	char summary[400];
	snprintf(summary, sizeof(summary), "certificate: %.200s issued %s by %.100s, expires %s", in->number, d1, in->body,
	         d2);
	if (rc == 0)
		rc = store_commit_record(store, signer, &rec, summary, "certificate");
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	return rc;
}
