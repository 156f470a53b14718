/*
 * Changing the certification cycle in smsaudit.xml: the decision, expiry,
 * surveillances and internal audit interval (`sms set-cycle`) and the
 * rotation's pins (`cycle plan-surveillance --pin/--unpin`). Each builds the
 * new <cycle> from the description in force, checks it with the cycle's own
 * rules (cycle.c, the same the rotation applies when it reads), and has
 * store_write.c validate, sign and commit it as an sms record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "cycle_internal.h"
#include "internal.h"
#include "smsaudit/cycle.h"
#include "store_internal.h"

#define DAY SMSAUDIT_DAY

typedef struct {
	smsaudit_sms_policy pol;   /* the cycle as it will be written */
	char certificate[SMSAUDIT_ID_MAX];  /* the certificate record in force, "" if none */
	char number[200];
} cycle_edit;

/* Rewrite <cycle> from `e` in the schema's order. */
static int put_cycle(xmlDocPtr doc, xmlNodePtr root, xmlNsPtr ns, void *u)
{
	(void)doc;
	const smsaudit_sms_policy *p = &((const cycle_edit *)u)->pol;
	xmlNodePtr cy = smsaudit_xml_child(root, "cycle");
	if (!cy)
		return error_set(SMSAUDIT_EINVALID, "smsaudit.xml has no cycle element");
	while (cy->children) {
		xmlNodePtr ch = cy->children;
		xmlUnlinkNode(ch);
		xmlFreeNode(ch);
	}
	char d[11], num[16];
	if (p->certification_decision) {
		smsaudit_date_format(d, p->certification_decision);
		xmlNewTextChild(cy, ns, (const xmlChar *)"certification-decision", (const xmlChar *)d);
	}
	if (p->certificate_expiry) {
		smsaudit_date_format(d, p->certificate_expiry);
		xmlNewTextChild(cy, ns, (const xmlChar *)"certificate-expiry", (const xmlChar *)d);
	}
	if (p->surveillances > 0) {
		snprintf(num, sizeof(num), "%d", p->surveillances);
		xmlNewTextChild(cy, ns, (const xmlChar *)"surveillances", (const xmlChar *)num);
	}
	if (p->internal_audit_months != 12) {
		snprintf(num, sizeof(num), "%d", p->internal_audit_months);
		xmlNewTextChild(cy, ns, (const xmlChar *)"internal-audit-months", (const xmlChar *)num);
	}
	for (size_t i = 0; i < p->npins; i++) {
		xmlNodePtr pin = xmlNewChild(cy, ns, (const xmlChar *)"pin", NULL);
		snprintf(num, sizeof(num), "%d", p->pins[i].surveillance);
		if (!pin || !xmlNewProp(pin, (const xmlChar *)"clause", (const xmlChar *)p->pins[i].clause) ||
		    !xmlNewProp(pin, (const xmlChar *)"surveillance", (const xmlChar *)num))
			return error_set(SMSAUDIT_ENOMEM, "out of memory");
	}
	return 0;
}

/* The cycle as smsaudit.xml says at head. */
static int current_cycle(cycle_edit *e, smsaudit_store *store)
{
	smsaudit_state *st = NULL;
	int rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE);
	const smsaudit_record *cert = rc == 0 ? smsaudit_state_certificate(st) : NULL;
	snprintf(e->certificate, sizeof(e->certificate), "%s", cert ? cert->id : "");
	snprintf(e->number, sizeof(e->number), "%s", cert ? cert->certificate.number : "");
	if (rc == 0)
		e->pol = *smsaudit_state_policy(st);
	smsaudit_state_free(st);
	return rc;
}

int smsaudit_store_set_cycle(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_cycle_settings *s)
{
	if (s->surveillances < -1 || s->surveillances > 10)
		return error_set(SMSAUDIT_EINVALID, "a cycle has 1 to 10 surveillances, not %d", s->surveillances);
	if (s->internal_audit_months < 0 || s->internal_audit_months > 36)
		return error_set(SMSAUDIT_EINVALID, "the internal audit interval is 1 to 36 months, not %d",
		                 s->internal_audit_months);
	if (s->decision && s->decision > smsaudit_date_of(smsaudit_now()))
		return error_set(SMSAUDIT_EINVALID, "the certification decision cannot be in the future");
	cycle_edit *e = malloc(sizeof(*e));
	if (!e)
		return error_set(SMSAUDIT_ENOMEM, "out of memory");
	int rc = current_cycle(e, store);
	smsaudit_sms_policy *p = &e->pol;
	/* Once the certificate is recorded, its dates are the decision and expiry. */
	if (rc == 0 && (s->decision || s->expiry) && e->certificate[0])
		rc = error_set(SMSAUDIT_EINVALID, "the certificate %s (%s) states the decision and expiry; record the new "
		               "certificate instead (smsaudit certificate record)", e->number, e->certificate);
	if (rc == 0 && s->decision) {
		p->certification_decision = smsaudit_date_of(s->decision);
		p->certificate_expiry = s->expiry ? smsaudit_date_of(s->expiry)
		                                  : smsaudit_date_add_months(p->certification_decision, 36) - DAY;
	} else if (rc == 0 && s->expiry) {
		if (!p->certification_decision)
			rc = error_set(SMSAUDIT_EINVALID, "give the certification decision with the expiry");
		p->certificate_expiry = smsaudit_date_of(s->expiry);
	}
	if (rc == 0 && p->certificate_expiry && p->certificate_expiry <= p->certification_decision)
		rc = error_set(SMSAUDIT_EINVALID, "the certificate expiry must come after the certification decision");
	if (s->surveillances)
		p->surveillances = s->surveillances < 0 ? 0 : s->surveillances;
	if (s->internal_audit_months)
		p->internal_audit_months = s->internal_audit_months;
	char summary[120], d[11] = "", x[11] = "";
	if (p->certification_decision) {
		smsaudit_date_format(d, p->certification_decision);
		smsaudit_date_format(x, p->certificate_expiry);
	}
	snprintf(summary, sizeof(summary), "sms: cycle %s%s%s", d[0] ? "decided " : "not decided", d,
	         x[0] ? ", expires " : "");
	if (x[0])
		snprintf(summary + strlen(summary), sizeof(summary) - strlen(summary), "%s", x);
	if (rc == 0)
		rc = store_rewrite_sms(store, signer, put_cycle, e, summary, "sms-cycle");
	free(e);
	return rc;
}

int smsaudit_store_pin(smsaudit_store *store, smsaudit_identity *signer, const char *clause, int n)
{
	const smsaudit_clause *cl = NULL;
	if (n < 0 || n > 10)
		return error_set(SMSAUDIT_EINVALID, "surveillance %d: a cycle has 1 to 10 surveillances", n);
	int rc = smsaudit_catalogue_find(&cl, store->catalogue, clause);
	if (rc < 0)
		return rc;
	if (cycle_clause_mandatory(cl))
		return error_set(SMSAUDIT_EINVALID, "clause %s is covered at every surveillance; it needs no pin", clause);
	cycle_edit *e = malloc(sizeof(*e));
	if (!e)
		return error_set(SMSAUDIT_ENOMEM, "out of memory");
	rc = current_cycle(e, store);
	smsaudit_sms_policy *p = &e->pol;
	size_t k = 0, removed = 0;
	for (size_t i = 0; rc == 0 && i < p->npins; i++) {
		if (strcmp(p->pins[i].clause, cl->id) == 0)
			removed++;
		else
			p->pins[k++] = p->pins[i];
	}
	p->npins = k;
	if (rc == 0 && n == 0 && !removed)
		rc = error_set(SMSAUDIT_EINVALID, "clause %s is not pinned", cl->id);
	if (rc == 0 && n > 0) {
		if (p->npins == SMSAUDIT_MAX_PINS)
			rc = error_set(SMSAUDIT_EINVALID, "at most %d pins", SMSAUDIT_MAX_PINS);
		else {
			smsaudit_rotation_pin *pin = &p->pins[p->npins++];
			snprintf(pin->clause, sizeof(pin->clause), "%.*s", (int)sizeof(pin->clause) - 1, cl->id);
			pin->surveillance = n;
		}
	}
	char summary[100];
	if (n)
		snprintf(summary, sizeof(summary), "sms: clause %.31s pinned to surveillance %d", cl->id, n);
	else
		snprintf(summary, sizeof(summary), "sms: clause %.31s unpinned", cl->id);
	if (rc == 0)
		rc = store_rewrite_sms(store, signer, put_cycle, e, summary, "sms-pin");
	free(e);
	return rc;
}
