/* smsaudit sms show | change | set-grades FILE | set-cycle */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A grade scale file: one grade per line, "id,class,label"; '#' starts a comment. */
static int read_grades(const char *path, smsaudit_grade *out, size_t *n)
{
	/* A named file is read whole through the library, which never waits on
	 * a FIFO or device; standard input is read as it comes. */
	smsaudit_buf text = SMSAUDIT_BUF_INIT;
	FILE *f = stdin;
	if (strcmp(path, "-") != 0) {
		int r = smsaudit_file_read(&text, path, 1024 * 1024);
		if (r < 0) {
			smsaudit_buf_dispose(&text);
			return cli_fail(r);
		}
		size_t len = text.size;
		f = len ? fmemopen(text.ptr, len, "r") : NULL;
		if (!f) {
			smsaudit_buf_dispose(&text);
			return cli_error(len ? EXIT_ENV : EXIT_DATA, "%s: %s", path,
			                 len ? "cannot read the grade scale" : "no grades");
		}
	}
	char line[1024];
	int lineno = 0, rc = -1;
	*n = 0;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		size_t len = strcspn(line, "\r\n");
		if (line[len] == '\0' && !feof(f)) {
			rc = cli_error(EXIT_DATA, "%s:%d: line too long", path, lineno);
			break;
		}
		line[len] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *c1 = strchr(p, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c2) {
			rc = cli_error(EXIT_DATA, "%s:%d: expected 'id,class,label'", path, lineno);
			break;
		}
		if (*n == SMSAUDIT_MAX_GRADES) {
			rc = cli_error(EXIT_DATA, "%s:%d: more than %d grades", path, lineno, SMSAUDIT_MAX_GRADES);
			break;
		}
		*c1 = *c2 = '\0';
		smsaudit_grade *g = &out[*n];
		memset(g, 0, sizeof(*g));
		if (strlen(p) >= sizeof(g->id) || strlen(c2 + 1) >= sizeof(g->label)) {
			rc = cli_error(EXIT_DATA, "%s:%d: id or label too long", path, lineno);
			break;
		}
		snprintf(g->id, sizeof(g->id), "%.*s", (int)sizeof(g->id) - 1, p);
		snprintf(g->label, sizeof(g->label), "%.*s", (int)sizeof(g->label) - 1, c2 + 1);
		if (smsaudit_grade_class_parse(&g->cls, c1 + 1) < 0) {
			rc = cli_error(EXIT_DATA, "%s:%d: %s", path, lineno, smsaudit_error_last()->message);
			break;
		}
		(*n)++;
	}
	if (rc < 0 && ferror(f))
		rc = cli_error(EXIT_ENV, "%s: read error", path);
	if (f != stdin)
		fclose(f);
	smsaudit_buf_dispose(&text);
	if (rc < 0 && *n == 0)
		rc = cli_error(EXIT_DATA, "%s: no grades", path);
	return rc;
}

static int sms_set_grades(cli_ctx *ctx, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("sms", "'sms set-grades' needs one file (id,class,label per line; - for stdin)");
	smsaudit_grade grades[SMSAUDIT_MAX_GRADES];
	size_t n = 0;
	int rc = read_grades(pos[0], grades, &n);
	if (rc >= 0)
		return rc;
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	int r = smsaudit_store_set_grades(s.store, s.me, grades, n);
	if (r < 0)
		rc = cli_fail(r);
	else {
		printf("Grade scale replaced: %zu grade%s.\n", n, n == 1 ? "" : "s");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

enum {
	O_DECISION = 1, O_EXPIRY, O_SURVEILLANCES, O_INTERNAL_MONTHS, O_ORG, O_SCOPE, O_CB, O_ADD_SERVICE,
	O_REMOVE_SERVICE, O_ADD_SITE, O_REMOVE_SITE, O_MAJOR_DAYS, O_MAJOR_MONTHS, O_MINOR_DAYS, O_REASON, O_AT, O_SINCE
};

#define MAX_LIST 200

typedef struct {
	const char *decision, *expiry, *surveillances, *internal_months;
	const char *org, *scope, *cb, *major_days, *major_months, *minor_days, *reason, *at, *since;
	const char *add_services[MAX_LIST], *remove_services[MAX_LIST], *add_sites[MAX_LIST], *remove_sites[MAX_LIST];
	size_t nadd_services, nremove_services, nadd_sites, nremove_sites;
	int too_many;
} sms_args;

static int on_opt(int id, const char *arg, void *u)
{
	sms_args *a = u;
	switch (id) {
	case O_ORG: a->org = arg; break;
	case O_SCOPE: a->scope = arg; break;
	case O_CB: a->cb = arg; break;
	case O_MAJOR_DAYS: a->major_days = arg; break;
	case O_MAJOR_MONTHS: a->major_months = arg; break;
	case O_MINOR_DAYS: a->minor_days = arg; break;
	case O_REASON: a->reason = arg; break;
	case O_AT: a->at = arg; break;
	case O_SINCE: a->since = arg; break;
	case O_ADD_SERVICE: a->too_many |= cli_push(a->add_services, &a->nadd_services, MAX_LIST, arg) < 0; break;
	case O_REMOVE_SERVICE:
		a->too_many |= cli_push(a->remove_services, &a->nremove_services, MAX_LIST, arg) < 0;
		break;
	case O_ADD_SITE: a->too_many |= cli_push(a->add_sites, &a->nadd_sites, MAX_LIST, arg) < 0; break;
	case O_REMOVE_SITE: a->too_many |= cli_push(a->remove_sites, &a->nremove_sites, MAX_LIST, arg) < 0; break;
	case O_DECISION: a->decision = arg; break;
	case O_EXPIRY: a->expiry = arg; break;
	case O_SURVEILLANCES: a->surveillances = arg; break;
	case O_INTERNAL_MONTHS: a->internal_months = arg; break;
	default: break;
	}
	return -1;
}

static int parse_count(int *out, const char *opt, const char *s, int max)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > max)
		return cli_usage("sms", "--%s: expected a number from 1 to %d, not '%s'", opt, max, s);
	*out = (int)v;
	return -1;
}

static int sms_set_cycle(cli_ctx *ctx, const sms_args *a, int npos)
{
	if (npos)
		return cli_usage("sms", "'sms set-cycle' takes options only");
	if (!a->decision && !a->expiry && !a->surveillances && !a->internal_months)
		return cli_usage("sms", "'sms set-cycle' needs --decision, --expiry, --surveillances or --internal-audit-months");
	smsaudit_cycle_settings cs = SMSAUDIT_CYCLE_SETTINGS_INIT;
	int rc = -1;
	if (a->decision && smsaudit_date_parse(&cs.decision, a->decision) < 0)
		return cli_usage("sms", "--decision: %s", smsaudit_error_last()->message);
	if (a->expiry && smsaudit_date_parse(&cs.expiry, a->expiry) < 0)
		return cli_usage("sms", "--expiry: %s", smsaudit_error_last()->message);
	if (a->surveillances && strcmp(a->surveillances, "default") == 0)
		cs.surveillances = -1;
	else if (a->surveillances && (rc = parse_count(&cs.surveillances, "surveillances", a->surveillances, 10)) >= 0)
		return rc;
	if (a->internal_months &&
	    (rc = parse_count(&cs.internal_audit_months, "internal-audit-months", a->internal_months, 36)) >= 0)
		return rc;
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	int r = smsaudit_store_set_cycle(s.store, s.me, &cs);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Certification cycle updated.\n");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static int sms_change(cli_ctx *ctx, const sms_args *a, int npos)
{
	if (npos)
		return cli_usage("sms", "'sms change' takes options only");
	if (a->too_many)
		return cli_usage("sms", "at most %d of each repeated option", MAX_LIST);
	smsaudit_sms_change ch;
	memset(&ch, 0, sizeof(ch));
	int rc = -1;
	if ((a->major_days && (rc = parse_count(&ch.major_verify_days, "major-verify-days", a->major_days, 3650)) >= 0) ||
	    (a->major_months &&
	     (rc = parse_count(&ch.major_after_stage2_months, "major-after-stage2-months", a->major_months, 120)) >= 0) ||
	    (a->minor_days && (rc = parse_count(&ch.minor_plan_days, "minor-plan-days", a->minor_days, 3650)) >= 0))
		return rc;
	ch.organisation = a->org;
	ch.scope = a->scope;
	ch.certification_body = a->cb;
	ch.add_services = a->add_services;
	ch.nadd_services = a->nadd_services;
	ch.remove_services = a->remove_services;
	ch.nremove_services = a->nremove_services;
	ch.add_sites = a->add_sites;
	ch.nadd_sites = a->nadd_sites;
	ch.remove_sites = a->remove_sites;
	ch.nremove_sites = a->nremove_sites;
	ch.reason = a->reason;
	if (!a->reason)
		return cli_usage("sms", "--reason is required: why the SMS description changes");
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	int r = smsaudit_store_sms_change(s.store, s.me, &ch);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("SMS description changed: %s\n", cli_safe(a->reason));
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

/* sms history [--since DATE] [--at DATE]: what changed in the organisation, and why */
static int sms_history(cli_ctx *ctx, const sms_args *a, int npos)
{
	if (npos)
		return cli_usage("sms", "'sms history' takes no arguments");
	time_t since = 0;
	if (a->since && smsaudit_date_parse(&since, a->since) < 0)
		return cli_usage("sms", "--since: %s", smsaudit_error_last()->message);
	cli_view v;
	int rc = cli_view_open(ctx, &v, "sms", a->at, NULL, 0);
	if (rc >= 0)
		return rc;
	smsaudit_org_change *ch = NULL;
	size_t n = 0;
	int r = smsaudit_org_changes(&ch, &n, v.store, v.st, since ? smsaudit_date_of(since) : 0,
	                             v.as_of ? smsaudit_date_of(v.as_of) + 86400 : 0);
	if (r < 0) {
		cli_view_close(&v);
		return cli_fail(r);
	}
	out_node *rows = out_array("change");
	for (size_t i = 0; i < n; i++) {
		out_node *o = out_push_obj(rows);
		char d[11];
		smsaudit_date_format(d, ch[i].at);
		out_set_str(o, "date", d);
		out_set_str(o, "what", ch[i].what);
		out_set_str(o, "detail", ch[i].detail);
		out_set_str(o, "by", ch[i].by);
		out_set_str(o, "reason", ch[i].reason ? ch[i].reason : "");
		out_set_str(o, "record", ch[i].record->id);
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, rows, ctx->format, "changes") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (!n) {
		printf("No changes of the organisation%s%s.\n", a->since ? " since " : "", a->since ? a->since : "");
		rc = EXIT_OK;
	} else {
		static const char *const keys[] = { "date", "what", "detail", "reason", "by" };
		static const char *const heads[] = { "DATE", "WHAT", "CHANGE", "REASON", "BY" };
		out_table(stdout, ctx, rows, keys, heads, 5);
		rc = EXIT_OK;
	}
	out_free(rows);
	smsaudit_org_changes_free(ch, n);
	cli_view_close(&v);
	return rc;
}

static int sms_show(cli_ctx *ctx, const sms_args *a, int npos)
{
	if (npos)
		return cli_usage("sms", "'sms show' takes no arguments");
	cli_view v;
	int rc = cli_view_open(ctx, &v, "sms", a->at, NULL, 0);
	if (rc >= 0)
		return rc;
	smsaudit_sms_view sv;
	int r = smsaudit_state_sms_view(&sv, v.store, v.st);
	if (r < 0) {
		cli_view_close(&v);
		return cli_fail(r);
	}
	const smsaudit_sms_policy *p = smsaudit_state_policy(v.st);
	out_node *o = out_object();
	char d[11];
	out_set_str(o, "organisation", sv.organisation);
	out_set_str(o, "commit", v.hex);
	out_set_str(o, "scope", sv.scope);
	out_node *svc = out_set_arr(o, "services", "service");
	for (size_t i = 0; i < sv.nservices; i++)
		out_push_str(svc, sv.services[i]);
	out_node *sit = out_set_arr(o, "sites", "site");
	for (size_t i = 0; i < sv.nsites; i++)
		out_push_str(sit, sv.sites[i]);
	out_set_str(o, "certification_body", sv.certification_body);
	out_set_str(o, "last_change_reason", sv.change_reason);
	if (p->certification_decision)
		smsaudit_date_format(d, p->certification_decision);
	out_set_str(o, "certification_decision", p->certification_decision ? d : NULL);
	if (p->certificate_expiry)
		smsaudit_date_format(d, p->certificate_expiry);
	out_set_str(o, "certificate_expiry", p->certificate_expiry ? d : NULL);
	out_set_int(o, "surveillances", p->surveillances);
	out_set_int(o, "internal_audit_months", p->internal_audit_months);
	out_node *pins = out_set_arr(o, "pins", "pin");
	for (size_t i = 0; i < p->npins; i++) {
		out_node *pn = out_push_obj(pins);
		out_set_str(pn, "clause", p->pins[i].clause);
		out_set_int(pn, "surveillance", p->pins[i].surveillance);
	}
	const char *conflicts = "";
	int merged = smsaudit_state_sms_concurrent(v.st, &conflicts);
	out_set_str(o, "merged_concurrent_versions", merged ? "yes" : "no");
	out_set_str(o, "changed_on_both", conflicts);
	out_set_int(o, "major_verify_days", p->major_verify_days);
	out_set_int(o, "major_after_stage2_months", p->major_after_stage2_months);
	out_set_int(o, "minor_plan_days", p->minor_plan_days);
	out_node *gs = out_set_arr(o, "grades", "grade");
	for (size_t i = 0; i < p->ngrades; i++) {
		out_node *g = out_push_obj(gs);
		out_set_str(g, "id", p->grades[i].id);
		out_set_str(g, "class", smsaudit_grade_class_name(p->grades[i].cls));
		out_set_str(g, "label", p->grades[i].label);
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "sms") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		printf("%s (commit %.12s)\n\n", cli_safe(sv.organisation), v.hex);
		if (merged)
			printf("Merged from versions changed concurrently on two clones%s%s%s.\n\n",
			       *conflicts ? "; both changed " : "", cli_safe(conflicts),
			       *conflicts ? " (the later version's kept)" : "");
		printf("Scope\n  ");
		out_wrap(stdout, sv.scope, 2, out_term_width(ctx));
		printf("  services:");
		for (size_t i = 0; i < sv.nservices; i++)
			printf("%s %s", i ? "," : "", cli_safe(sv.services[i]));
		printf("%s\n  sites:", sv.nservices ? "" : " none");
		for (size_t i = 0; i < sv.nsites; i++)
			printf("%s %s", i ? "," : "", cli_safe(sv.sites[i]));
		printf("%s\n", sv.nsites ? "" : " none");
		printf("  certification body: %s\n", sv.certification_body ? cli_safe(sv.certification_body) : "not named");
		if (sv.change_reason)
			printf("  last changed because: %s\n", cli_safe(sv.change_reason));
		printf("\n");
		printf("Certification cycle\n");
		if (p->certification_decision) {
			char x[11];
			smsaudit_date_format(d, p->certification_decision);
			smsaudit_date_format(x, p->certificate_expiry ? p->certificate_expiry
			                                             : smsaudit_date_add_months(p->certification_decision, 36) - 86400);
			printf("  decided %s, certificate expires %s\n", d, x);
		} else {
			printf("  no certification decision recorded\n");
		}
		if (p->surveillances)
			printf("  %d surveillances per cycle\n", p->surveillances);
		printf("  internal audits cover every clause within %d months\n", p->internal_audit_months);
		for (size_t i = 0; i < p->npins; i++)
			printf("  clause %s pinned to surveillance %d\n", p->pins[i].clause, p->pins[i].surveillance);
		printf("\nDeadline policy\n");
		printf("  major: corrective action verified within %d days, and within %d months of stage 2\n",
		       p->major_verify_days, p->major_after_stage2_months);
		printf("  minor: corrective action planned within %d days, verified at the next audit\n", p->minor_plan_days);
		printf("\nGrade scale\n");
		static const char *const keys[] = { "id", "class", "label" };
		static const char *const heads[] = { "ID", "CLASS", "LABEL" };
		out_table(stdout, ctx, gs, keys, heads, 3);
		rc = EXIT_OK;
	}
	out_free(o);
	smsaudit_sms_view_dispose(&sv);
	cli_view_close(&v);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option history_opts[] = { { "since", 1, O_SINCE, 0 }, { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option change_opts[] = {
	{ "org", 1, O_ORG, 0 }, { "scope", 1, O_SCOPE, 0 }, { "cb", 1, O_CB, 0 },
	{ "add-service", 1, O_ADD_SERVICE, 0 }, { "remove-service", 1, O_REMOVE_SERVICE, 0 },
	{ "add-site", 1, O_ADD_SITE, 0 }, { "remove-site", 1, O_REMOVE_SITE, 0 },
	{ "major-verify-days", 1, O_MAJOR_DAYS, 0 }, { "major-after-stage2-months", 1, O_MAJOR_MONTHS, 0 },
	{ "minor-plan-days", 1, O_MINOR_DAYS, 0 }, { "reason", 1, O_REASON, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option set_cycle_opts[] = {
	{ "decision", 1, O_DECISION, 0 }, { "expiry", 1, O_EXPIRY, 0 }, { "surveillances", 1, O_SURVEILLANCES, 0 },
	{ "internal-audit-months", 1, O_INTERNAL_MONTHS, 0 }, { NULL, 0, 0, 0 }
};

const cli_sub cmd_sms_subs[] = {
	{ "show",
	  "smsaudit sms show [--at DATE] [--format F]\n",
	  show_opts },
	{ "history",
	  "smsaudit sms history [--since DATE] [--at DATE] [--format F]\n",
	  history_opts },
	{ "change",
	  "smsaudit sms change --reason TEXT [--org NAME] [--scope TEXT] [--cb NAME]\n"
	  "                           [--add-service S]... [--remove-service S]... [--add-site S]... [--remove-site S]...\n"
	  "                           [--major-verify-days N] [--major-after-stage2-months N] [--minor-plan-days N]\n",
	  change_opts },
	{ "set-grades",
	  "smsaudit sms set-grades FILE\n",
	  NULL },
	{ "set-cycle",
	  "smsaudit sms set-cycle [--decision DATE [--expiry DATE]] [--surveillances N|default]\n"
	  "                              [--internal-audit-months N]\n",
	  set_cycle_opts },
	{ NULL, NULL, NULL }
};

const char cmd_sms_help[] =
	"smsaudit.xml describes the service management system; it is signed by a\n"
	"quality manager. 'show' prints the description in force (at --at DATE: the\n"
	"commit current at the end of that day), its deadline policy and grade scale.\n"
	"'change' records a new version with --reason: the organisation's name, scope,\n"
	"services, sites, certification body or deadline policy (a new site or a scope\n"
	"extension between audits is a normal event). Nothing is edited in place:\n"
	"smsaudit.xml and every earlier version stay in the ledger, and readers at an\n"
	"earlier date see the description of their day.\n"
	"'history' lists the changes of the organisation from --since DATE to --at\n"
	"DATE, each with its reason: each part of the SMS description a new version\n"
	"changed (name, scope, services, sites, body, deadlines, cycle, grades), people\n"
	"granted and revoked, the certificate and certification bodies' CAs. Before a\n"
	"surveillance: smsaudit sms history --since <last day of the previous audit>.\n"
	"'set-grades' replaces the grade scale for findings to match a certification\n"
	"body. FILE (or - for stdin) has one grade per line, 'id,class,label', where\n"
	"class is major, minor (nonconformities), observation or improvement (not\n"
	"nonconformities); the class sets the rules and deadlines the grade follows.\n"
	"The scale needs a nonconformity grade, and a grade a finding uses must stay\n"
	"with its class. The default scale: major, minor, observation, ofi.\n"
	"'set-cycle' records the certification decision (not in the future) and the\n"
	"certificate's expiry (default: 3 years less a day after the decision); after\n"
	"a recertification, record the new decision and expiry. Once a certificate is\n"
	"recorded (smsaudit certificate record), its dates are the decision and expiry\n"
	"and set-cycle refuses --decision and --expiry. --surveillances sets\n"
	"how many surveillances a cycle has (default: one a year before the expiry),\n"
	"--internal-audit-months the interval in which internal audits cover every\n"
	"clause (default 12).\n"
	"\n"
	"example:\n"
	"  printf 'cat1,major,Category 1 NC\\ncat2,minor,Category 2 NC\\nofi,improvement,OFI\\n' \\\n"
	"      | smsaudit --as ada@example.org sms set-grades -\n"
	"  smsaudit --as ada@example.org sms set-cycle --decision 2027-04-20\n"
	"  smsaudit --as ada@example.org sms change --add-site Leeds --reason \"Leeds data centre opened\"\n";


int cmd_sms(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("sms", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	sms_args *a = calloc(1, sizeof(*a));
	if (!a)
		return cli_error(EXIT_ENV, "out of memory");
	rc = cli_parse_sub(ctx, "sms", sub, argc - 1, argv + 1, on_opt, a, &pos, &npos);
	if (rc >= 0) {
		free(a);
		return rc;
	}
	if (strcmp(sub->name, "set-cycle") == 0)
		rc = sms_set_cycle(ctx, a, npos);
	else if (strcmp(sub->name, "change") == 0)
		rc = sms_change(ctx, a, npos);
	else if (strcmp(sub->name, "history") == 0)
		rc = sms_history(ctx, a, npos);
	else
		rc = strcmp(sub->name, "show") == 0 ? sms_show(ctx, a, npos) : sms_set_grades(ctx, pos, npos);
	free(a);
	free(pos);
	return rc;
}
