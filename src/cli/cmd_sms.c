/* smsaudit sms show | set-grades FILE | set-cycle */
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
		printf("Grade scale replaced: %zu grades.\n", n);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

enum { O_DECISION = 1, O_EXPIRY, O_SURVEILLANCES, O_INTERNAL_MONTHS };

typedef struct {
	const char *decision, *expiry, *surveillances, *internal_months;
} sms_args;

static int on_opt(int id, const char *arg, void *u)
{
	sms_args *a = u;
	switch (id) {
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

static int sms_show(cli_ctx *ctx, int npos)
{
	if (npos)
		return cli_usage("sms", "'sms show' takes no arguments");
	cli_view v;
	int rc = cli_view_open(ctx, &v, "sms", NULL, NULL, 0);
	if (rc >= 0)
		return rc;
	const smsaudit_sms_policy *p = smsaudit_state_policy(v.st);
	out_node *o = out_object();
	char d[11];
	out_set_str(o, "organisation", smsaudit_store_organisation(v.store));
	out_set_str(o, "commit", v.hex);
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
		printf("%s (commit %.12s)\n\n", cli_safe(smsaudit_store_organisation(v.store)), v.hex);
		if (merged)
			printf("Merged from versions changed concurrently on two clones%s%s%s.\n\n",
			       *conflicts ? "; both changed " : "", cli_safe(conflicts),
			       *conflicts ? " (the later version's kept)" : "");
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
	cli_view_close(&v);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option set_cycle_opts[] = {
	{ "decision", 1, O_DECISION, 0 }, { "expiry", 1, O_EXPIRY, 0 }, { "surveillances", 1, O_SURVEILLANCES, 0 },
	{ "internal-audit-months", 1, O_INTERNAL_MONTHS, 0 }, { NULL, 0, 0, 0 }
};

const cli_sub cmd_sms_subs[] = {
	{ "show",
	  "smsaudit sms show [--format F]\n",
	  NULL },
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
	"quality manager. 'show' prints its deadline policy and grade scale.\n"
	"'set-grades' replaces the grade scale for findings to match a certification\n"
	"body. FILE (or - for stdin) has one grade per line, 'id,class,label', where\n"
	"class is major, minor (nonconformities), observation or improvement (not\n"
	"nonconformities); the class sets the rules and deadlines the grade follows.\n"
	"The scale needs a nonconformity grade, and a grade a finding uses must stay\n"
	"with its class. The default scale: major, minor, observation, ofi.\n"
	"'set-cycle' records the certification decision (not in the future) and the\n"
	"certificate's expiry (default: 3 years less a day after the decision); after\n"
	"a recertification, record the new decision and expiry. --surveillances sets\n"
	"how many surveillances a cycle has (default: one a year before the expiry),\n"
	"--internal-audit-months the interval in which internal audits cover every\n"
	"clause (default 12).\n"
	"\n"
	"example:\n"
	"  printf 'cat1,major,Category 1 NC\\ncat2,minor,Category 2 NC\\nofi,improvement,OFI\\n' \\\n"
	"      | smsaudit --as ada@example.org sms set-grades -\n"
	"  smsaudit --as ada@example.org sms set-cycle --decision 2027-04-20\n";


int cmd_sms(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("sms", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	sms_args a = { NULL, NULL, NULL, NULL };
	rc = cli_parse_sub(ctx, "sms", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (strcmp(sub->name, "set-cycle") == 0)
		rc = sms_set_cycle(ctx, &a, npos);
	else
		rc = strcmp(sub->name, "show") == 0 ? sms_show(ctx, npos) : sms_set_grades(ctx, pos, npos);
	free(pos);
	return rc;
}
