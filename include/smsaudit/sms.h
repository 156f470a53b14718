/*
 * smsaudit — the SMS description: what an organisation's service management
 * system is (organisation, scope, services, sites, certification body) and
 * the policy it sets for findings and the certification cycle (deadlines,
 * grade scale, cycle dates, rotation pins).
 *
 * The first version is smsaudit.xml in the repository's first commit; later
 * versions are signed sms records (the state knows which is in force). This
 * module only reads a description; it does no I/O and knows no repository.
 */
#ifndef SMSAUDIT_SMS_H
#define SMSAUDIT_SMS_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>

#include "common.h"

typedef enum {
	SMSAUDIT_GRADE_MAJOR,        /* nonconformity affecting the SMS's ability to achieve its results */
	SMSAUDIT_GRADE_MINOR,        /* nonconformity that does not */
	SMSAUDIT_GRADE_OBSERVATION,  /* not a nonconformity */
	SMSAUDIT_GRADE_IMPROVEMENT   /* opportunity for improvement: not a nonconformity */
} smsaudit_grade_class;

/* "major", "minor", "observation", "improvement" */
const char *smsaudit_grade_class_name(smsaudit_grade_class c);
/* Parse a class name; SMSAUDIT_EINVALID lists the accepted ones. */
int smsaudit_grade_class_parse(smsaudit_grade_class *out, const char *name);
/* 1 for the nonconformity classes (major, minor). */
int smsaudit_grade_class_is_nc(smsaudit_grade_class c);

typedef struct {
	char id[33];                 /* as written in findings: "major", "cat-1", ... */
	smsaudit_grade_class cls;    /* the rules it follows */
	char label[200];             /* "Major nonconformity" */
} smsaudit_grade;

#define SMSAUDIT_MAX_GRADES 20

#define SMSAUDIT_MAX_PINS 200

/* A clause the quality manager pinned to the n-th surveillance of the cycle. */
typedef struct {
	char clause[32];
	int surveillance;               /* 1-based */
} smsaudit_rotation_pin;

/* What smsaudit.xml says about deadlines, grades and the certification cycle. */
typedef struct {
	int major_verify_days;          /* major: effectiveness verified within N days of raising */
	int major_after_stage2_months;  /* major from stage 2: verified within N months of it */
	int minor_plan_days;            /* minor: corrective action planned within N days */
	time_t certification_decision;  /* 0: not decided yet */
	time_t certificate_expiry;      /* 0: none */
	int surveillances;              /* surveillance audits per cycle; 0: one a year before the expiry */
	int internal_audit_months;      /* every clause internally audited within N months (12) */
	smsaudit_rotation_pin pins[SMSAUDIT_MAX_PINS];  /* clauses pinned to a surveillance */
	size_t npins;
	smsaudit_grade grades[SMSAUDIT_MAX_GRADES];
	size_t ngrades;
} smsaudit_sms_policy;

/* A grade of the scale by id, or NULL. */
const smsaudit_grade *smsaudit_policy_grade(const smsaudit_sms_policy *p, const char *id);
/* "major, minor, observation, ofi" into buf. */
void smsaudit_policy_grade_list(char *buf, size_t size, const smsaudit_sms_policy *p);

/* The defaults: 90 / 6 / 30 days or months, internal audits within 12 months,
 * the grades major, minor, observation and ofi. */
void smsaudit_sms_policy_default(smsaudit_sms_policy *p);
/* The policy an <sms> element states (defaults for what it leaves out). */
void smsaudit_sms_policy_parse(smsaudit_sms_policy *p, xmlNodePtr sms_root);

#endif
