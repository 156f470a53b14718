/* The SMS description's policy: grades, deadlines, the cycle. Pure: no I/O. */
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

