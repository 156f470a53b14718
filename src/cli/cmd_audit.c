/* smsaudit audit plan|start|conclude|list|show */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	O_TYPE = 1, O_DATES, O_BODY, O_LEAD, O_TEAM, O_CLAUSE, O_SERVICE, O_SITE, O_DATE, O_RECOMMENDATION,
	O_SUMMARY, O_CONDITIONS, O_CONCERN, O_AT, O_YEAR, O_REASON
};

#define MAX_LIST 200

typedef struct {
	const char *type, *dates, *body, *lead, *date, *recommendation, *summary, *conditions, *at, *year, *reason;
	const char *team[MAX_LIST], *clauses[MAX_LIST], *services[MAX_LIST], *sites[MAX_LIST], *concerns[MAX_LIST];
	size_t nteam, nclauses, nservices, nsites, nconcerns;
	int too_many;
} audit_args;

static int on_opt(int id, const char *arg, void *u)
{
	audit_args *a = u;
	switch (id) {
	case O_TYPE: a->type = arg; break;
	case O_DATES: a->dates = arg; break;
	case O_BODY: a->body = arg; break;
	case O_LEAD: a->lead = arg; break;
	case O_DATE: a->date = arg; break;
	case O_RECOMMENDATION: a->recommendation = arg; break;
	case O_SUMMARY: a->summary = arg; break;
	case O_CONDITIONS: a->conditions = arg; break;
	case O_AT: a->at = arg; break;
	case O_YEAR: a->year = arg; break;
	case O_REASON: a->reason = arg; break;
	case O_TEAM: a->too_many |= cli_push(a->team, &a->nteam, MAX_LIST, arg) < 0; break;
	case O_CLAUSE: a->too_many |= cli_push(a->clauses, &a->nclauses, MAX_LIST, arg) < 0; break;
	case O_SERVICE: a->too_many |= cli_push(a->services, &a->nservices, MAX_LIST, arg) < 0; break;
	case O_SITE: a->too_many |= cli_push(a->sites, &a->nsites, MAX_LIST, arg) < 0; break;
	case O_CONCERN: a->too_many |= cli_push(a->concerns, &a->nconcerns, MAX_LIST, arg) < 0; break;
	default: break;
	}
	return -1;
}

static int audit_plan(cli_ctx *ctx, const audit_args *a, int npos)
{
	if (npos)
		return cli_usage("audit", "'audit plan' takes no arguments, only options");
	smsaudit_audit_plan_input in;
	memset(&in, 0, sizeof(in));
	if (!a->type)
		return cli_usage("audit", "--type is required (stage1, stage2, surveillance, recertification, special, internal)");
	if (smsaudit_audit_type_parse(&in.type, a->type) < 0)
		return cli_usage("audit", "--type: %s", smsaudit_error_last()->message);
	if (!a->dates || smsaudit_period_parse(&in.planned_from, &in.planned_to, a->dates) < 0)
		return cli_usage("audit", "--dates FROM..TO is required: the planned first and last day (YYYY-MM-DD..YYYY-MM-DD)");
	if (!a->body)
		return cli_usage("audit", "--body is required: the certification body, or the internal audit team");
	if (!a->lead)
		return cli_usage("audit", "--lead is required: the lead auditor's email");
	in.body = a->body;
	in.lead = a->lead;
	in.team = a->team;
	in.nteam = a->nteam;
	in.clauses = a->clauses;
	in.nclauses = a->nclauses;
	in.services = a->services;
	in.nservices = a->nservices;
	in.sites = a->sites;
	in.nsites = a->nsites;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_audit_plan(id, s.store, s.me, &in);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Planned %s audit %s (%s).\n", a->type, id, a->dates);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static int audit_start(cli_ctx *ctx, const audit_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("audit", "'audit start' needs one audit id");
	time_t on = 0;
	if (a->date && smsaudit_date_parse(&on, a->date) < 0)
		return cli_usage("audit", "--date: %s", smsaudit_error_last()->message);
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_audit_start(id, s.store, s.me, pos[0], on);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Started audit %s (%s).\n", pos[0], id);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static int audit_conclude(cli_ctx *ctx, const audit_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("audit", "'audit conclude' needs one audit id");
	smsaudit_audit_conclusion c;
	memset(&c, 0, sizeof(c));
	if (!a->dates || smsaudit_period_parse(&c.from, &c.to, a->dates) < 0)
		return cli_usage("audit", "--dates FROM..TO is required: the actual first and last day");
	if (!a->recommendation)
		return cli_usage("audit", "--recommendation is required (none, recommended, conditional, not-recommended)");
	if (smsaudit_recommendation_parse(&c.recommendation, a->recommendation) < 0)
		return cli_usage("audit", "--recommendation: %s", smsaudit_error_last()->message);
	if (!a->summary)
		return cli_usage("audit", "--summary is required: the audit's conclusion");
	c.summary = a->summary;
	c.conditions = a->conditions;
	c.concerns = a->concerns;
	c.nconcerns = a->nconcerns;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_audit_conclude(id, s.store, s.me, pos[0], &c);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Concluded audit %s (%s): %s.\n", pos[0], id, a->recommendation);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

/* audit cancel AUDIT --reason TEXT; audit reschedule AUDIT --dates FROM..TO --reason TEXT */
static int audit_correct(cli_ctx *ctx, const audit_args *a, char **pos, int npos, int cancel)
{
	const char *sub = cancel ? "cancel" : "reschedule";
	if (npos != 1)
		return cli_usage("audit", "'audit %s' needs one audit id", sub);
	time_t from = 0, to = 0;
	if (!cancel && (!a->dates || smsaudit_period_parse(&from, &to, a->dates) < 0))
		return cli_usage("audit", "--dates FROM..TO is required: the new planned first and last day");
	if (!a->reason)
		return cli_usage("audit", "--reason is required: why the audit is %s", cancel ? "cancelled" : "moved");
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = cancel ? smsaudit_store_audit_cancel(id, s.store, s.me, pos[0], a->reason)
	               : smsaudit_store_audit_reschedule(id, s.store, s.me, pos[0], from, to, a->reason);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		if (cancel)
			printf("Cancelled audit %s (%s).\n", cli_safe(pos[0]), id);
		else
			printf("Rescheduled audit %s to %s (%s).\n", cli_safe(pos[0]), a->dates, id);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static void put_dates(out_node *o, const char *key, time_t from, time_t to)
{
	char f[11], t[11], both[24];
	smsaudit_date_format(f, from);
	smsaudit_date_format(t, to);
	snprintf(both, sizeof(both), "%s..%s", f, t);
	out_set_str(o, key, both);
}

static void audit_row(out_node *o, const smsaudit_audit *au)
{
	const smsaudit_audit_body *p = &au->plan->audit;
	out_set_str(o, "id", au->plan->id);
	out_set_str(o, "type", smsaudit_audit_type_name(p->type));
	out_set_str(o, "status", smsaudit_audit_status_name(au->status));
	put_dates(o, "planned", au->planned_from ? au->planned_from : p->planned_from,
	          au->planned_to ? au->planned_to : p->planned_to);
	if (au->concluded)
		put_dates(o, "actual", au->concluded->audit.actual_from, au->concluded->audit.actual_to);
	else
		out_set_str(o, "actual", "");
	out_set_str(o, "body", p->body);
	out_set_str(o, "lead", p->lead);
	out_set_str(o, "recommendation",
	            au->concluded ? smsaudit_recommendation_name(au->concluded->audit.recommendation) : "");
}

static int audit_list(cli_ctx *ctx, const audit_args *a, char **pos, int npos, int show)
{
	if (show ? npos != 1 : npos != 0)
		return cli_usage("audit", show ? "'audit show' needs one audit id" : "'audit list' takes no arguments");
	smsaudit_audit_type only = SMSAUDIT_AUDIT__COUNT;
	if (a->type && smsaudit_audit_type_parse(&only, a->type) < 0)
		return cli_usage("audit", "--type: %s", smsaudit_error_last()->message);
	cli_view v;
	int rc = cli_view_open(ctx, &v, "audit", a->at, NULL, 0);
	if (rc >= 0)
		return rc;
	smsaudit_audits *as = NULL;
	int r = smsaudit_audits_compute(&as, v.st, v.as_of);
	const smsaudit_audit *one = NULL;
	if (r == 0 && show)
		r = smsaudit_audits_find(&one, as, pos[0]);
	if (r < 0) {
		smsaudit_audits_free(as);
		cli_view_close(&v);
		return cli_fail(r);
	}
	if (show) {
		const smsaudit_audit_body *p = &one->plan->audit;
		out_node *o = out_object();
		audit_row(o, one);
		out_node *team = out_set_arr(o, "team", "member");
		for (size_t i = 0; i < p->nteam; i++)
			out_push_str(team, p->team[i]);
		out_node *sc = out_set_arr(o, "clauses", "clause");
		for (size_t i = 0; i < p->nclauses; i++)
			out_push_str(sc, p->clauses[i]);
		out_node *sv = out_set_arr(o, "services", "service");
		for (size_t i = 0; i < p->nservices; i++)
			out_push_str(sv, p->services[i]);
		out_node *si = out_set_arr(o, "sites", "site");
		for (size_t i = 0; i < p->nsites; i++)
			out_push_str(si, p->sites[i]);
		const smsaudit_audit_body *c = one->concluded ? &one->concluded->audit : NULL;
		out_set_str(o, "summary", c ? c->summary : NULL);
		out_set_str(o, "conditions", c ? c->conditions : NULL);
		out_node *cc = out_set_arr(o, "concerns", "concern");
		for (size_t i = 0; c && i < c->nconcerns; i++)
			out_push_str(cc, c->concerns[i]);
		out_set_str(o, "planned_by", one->plan->made_by);
		out_set_str(o, "concluded_by", one->concluded ? one->concluded->made_by : NULL);
		const smsaudit_record *rs = one->rescheduled, *cx = one->cancelled;
		if (rs)
			put_dates(o, "first_planned", p->planned_from, p->planned_to);
		out_set_str(o, "rescheduled_by", rs ? rs->made_by : NULL);
		out_set_str(o, "reschedule_reason", rs ? rs->audit.reason : NULL);
		out_set_str(o, "cancelled_by", cx ? cx->made_by : NULL);
		out_set_str(o, "cancel_reason", cx ? cx->audit.reason : NULL);
		if (ctx->format != OUT_TEXT) {
			rc = out_emit(stdout, o, ctx->format, "audit") < 0 ? EXIT_ENV : EXIT_OK;
		} else {
			int width = out_term_width(ctx);
			char f[11], t[11];
			smsaudit_date_format(f, p->planned_from);
			smsaudit_date_format(t, p->planned_to);
			printf("%s%s audit%s  %s\n", cli_sgr(ctx, "1"), smsaudit_audit_type_name(p->type), cli_sgr(ctx, "0"),
			       one->plan->id);
			printf("  Status     %s\n", smsaudit_audit_status_name(one->status));
			printf("  Planned    %s..%s by %s\n", f, t, cli_safe(one->plan->made_by));
			if (rs) {
				smsaudit_date_format(f, one->planned_from);
				smsaudit_date_format(t, one->planned_to);
				printf("  Moved to   %s..%s by %s: %s\n", f, t, cli_safe(rs->made_by), cli_safe(rs->audit.reason));
			}
			if (cx)
				printf("  Cancelled  by %s: %s\n", cli_safe(cx->made_by), cli_safe(cx->audit.reason));
			if (c) {
				smsaudit_date_format(f, c->actual_from);
				smsaudit_date_format(t, c->actual_to);
				printf("  Held       %s..%s\n", f, t);
			}
			printf("  Body       %s\n  Lead       %s\n", cli_safe(p->body), cli_safe(p->lead));
			for (size_t i = 0; i < p->nteam; i++)
				printf("  Team       %s\n", cli_safe(p->team[i]));
			printf("  Scope     ");
			if (!p->nclauses)
				printf(" the whole standard");
			for (size_t i = 0; i < p->nclauses; i++)
				printf(" %s", p->clauses[i]);
			for (size_t i = 0; i < p->nservices; i++)
				printf("%s%s", i ? ", " : "; services: ", cli_safe(p->services[i]));
			printf("\n");
			for (size_t i = 0; i < p->nsites; i++)
				printf("  Site       %s\n", cli_safe(p->sites[i]));
			if (c) {
				printf("  Concluded  by %s: %s\n", cli_safe(one->concluded->made_by),
				       smsaudit_recommendation_name(c->recommendation));
				if (c->conditions) {
					printf("  Conditions ");
					out_wrap(stdout, c->conditions, 13, width);
				}
				for (size_t i = 0; i < c->nconcerns; i++) {
					printf("  Concern    ");
					out_wrap(stdout, c->concerns[i], 13, width);
				}
				printf("  Summary    ");
				out_wrap(stdout, c->summary, 13, width);
			}
			rc = EXIT_OK;
		}
		out_free(o);
	} else {
		out_node *rows = out_array("audit");
		for (size_t i = 0; i < smsaudit_audits_count(as); i++) {
			const smsaudit_audit *au = smsaudit_audits_at(as, i);
			if (only == SMSAUDIT_AUDIT__COUNT || au->plan->audit.type == only)
				audit_row(out_push_obj(rows), au);
		}
		/* Cancelled audits stay listed, after the others, so the correction shows. */
		for (size_t i = 0; i < smsaudit_audits_cancelled_count(as); i++) {
			const smsaudit_audit *au = smsaudit_audits_cancelled_at(as, i);
			if (only == SMSAUDIT_AUDIT__COUNT || au->plan->audit.type == only)
				audit_row(out_push_obj(rows), au);
		}
		if (ctx->format != OUT_TEXT) {
			rc = out_emit(stdout, rows, ctx->format, "audits") < 0 ? EXIT_ENV : EXIT_OK;
		} else if (!smsaudit_audits_count(as) && !smsaudit_audits_cancelled_count(as)) {
			printf("No audits are recorded (smsaudit audit plan --help).\n");
			rc = EXIT_OK;
		} else {
			static const char *const keys[] = { "id", "type", "status", "planned", "actual", "lead", "body" };
			static const char *const heads[] = { "ID", "TYPE", "STATUS", "PLANNED", "HELD", "LEAD", "BODY" };
			out_table(stdout, ctx, rows, keys, heads, 7);
			rc = EXIT_OK;
		}
		out_free(rows);
	}
	smsaudit_audits_free(as);
	cli_view_close(&v);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option plan_opts[] = {
	{ "type", 1, O_TYPE, 0 }, { "dates", 1, O_DATES, 0 }, { "body", 1, O_BODY, 0 }, { "lead", 1, O_LEAD, 0 },
	{ "team", 1, O_TEAM, 0 }, { "clause", 1, O_CLAUSE, 0 }, { "service", 1, O_SERVICE, 0 },
	{ "site", 1, O_SITE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option start_opts[] = { { "date", 1, O_DATE, 0 }, { NULL, 0, 0, 0 } };
static const cli_option conclude_opts[] = {
	{ "dates", 1, O_DATES, 0 }, { "recommendation", 1, O_RECOMMENDATION, 0 }, { "summary", 1, O_SUMMARY, 0 },
	{ "conditions", 1, O_CONDITIONS, 0 }, { "concern", 1, O_CONCERN, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option cancel_opts[] = { { "reason", 1, O_REASON, 0 }, { NULL, 0, 0, 0 } };
static const cli_option reschedule_opts[] = {
	{ "dates", 1, O_DATES, 0 }, { "reason", 1, O_REASON, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option list_opts[] = { { "type", 1, O_TYPE, 0 }, { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option programme_opts[] = { { "year", 1, O_YEAR, 0 }, { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_audit_subs[] = {
	{ "plan",
	  "smsaudit audit plan --type TYPE --dates FROM..TO --body NAME --lead EMAIL [--team EMAIL]...\n"
	  "                           [--clause ID]... [--service NAME]... [--site NAME]...\n",
	  plan_opts },
	{ "start",
	  "smsaudit audit start AUDIT [--date DATE]\n",
	  start_opts },
	{ "conclude",
	  "smsaudit audit conclude AUDIT --dates FROM..TO --recommendation R --summary TEXT\n"
	  "                           [--conditions TEXT] [--concern TEXT]...\n",
	  conclude_opts },
	{ "cancel",
	  "smsaudit audit cancel AUDIT --reason TEXT\n",
	  cancel_opts },
	{ "reschedule",
	  "smsaudit audit reschedule AUDIT --dates FROM..TO --reason TEXT\n",
	  reschedule_opts },
	{ "list",
	  "smsaudit audit list [--type TYPE] [--at DATE]\n",
	  list_opts },
	{ "show",
	  "smsaudit audit show AUDIT\n",
	  show_opts },
	{ "programme",
	  "smsaudit audit programme --year YYYY [--at DATE]\n",
	  programme_opts },
	{ NULL, NULL, NULL }
};

const char cmd_audit_help[] =
	"TYPE is stage1, stage2, surveillance, recertification, special or internal. A\n"
	"quality manager plans an audit (its record id is the audit's id; a unique prefix\n"
	"will do); the quality manager or an auditor on it starts it; its lead or a team\n"
	"member concludes it: an internal auditor for internal audits, an external\n"
	"auditor for the others. R is none, recommended, conditional or not-recommended;\n"
	"--concern records a stage 1 area of concern. Stage 2 cannot be planned to start\n"
	"before stage 1 ends, nor a surveillance after the certificate expires. Findings\n"
	"name the audit they came from with 'finding raise --audit ID'; a stage 2's last\n"
	"day then sets the 6-month limit for its major nonconformities, and the next\n"
	"planned certification audit the date by which minors are verified.\n"
	"'programme' lists the internal audits whose first day falls in the year (or\n"
	"the interval set with 'sms set-cycle --internal-audit-months', starting that\n"
	"year) and which clauses they cover: every clause-8 process and every\n"
	"second-level clause of 4-7, 9 and 10 should be audited once in the window;\n"
	"an internal audit planned without --clause covers the whole standard.\n"
	"A plan must name people of the repository: the lead and team hold the\n"
	"internal-auditor role for internal audits, external-auditor for the others;\n"
	"--site and --service must be in the SMS description (smsaudit sms show), and\n"
	"an audit of the same type on overlapping days (internal and special audits:\n"
	"with the same scope) is refused as planned twice.\n"
	"Mistakes are corrected with signed records, never by deleting: a quality\n"
	"manager cancels an audit that is not concluded ('cancel', listed after the\n"
	"others as cancelled) or moves one not yet started to other dates\n"
	"('reschedule'), each with --reason. Readers use what was in effect at\n"
	"their date: 'audit list --at' before the correction shows the old plan.\n"
	"\n"
	"examples:\n"
	"  smsaudit --as ada@example.org audit plan --type stage2 --dates 2027-03-08..2027-03-10 \\\n"
	"      --body \"Example Certification Ltd\" --lead eve@cb.example --clause 8.5\n"
	"  smsaudit --as eve@cb.example audit conclude audit-20270201-3fa9 --dates 2027-03-08..2027-03-10 \\\n"
	"      --recommendation conditional --summary \"Recommended once NC-2027-004 is closed\"\n"
	"  smsaudit --as ada@example.org audit reschedule audit-20270201-3fa9 --dates 2027-03-15..2027-03-17 \\\n"
	"      --reason \"Lead auditor ill; the body moved the audit by a week\"\n"
	"  smsaudit audit programme --year 2027\n";


int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *s = NULL;
	int rc = cli_sub_find("audit", argc, argv, &s);
	if (rc >= 0)
		return rc;
	const char *sub = s->name;
	audit_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "audit", s, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (a.too_many)
		rc = cli_usage("audit", "at most %d of each repeated option", MAX_LIST);
	else if (strcmp(sub, "plan") == 0)
		rc = audit_plan(ctx, &a, npos);
	else if (strcmp(sub, "start") == 0)
		rc = audit_start(ctx, &a, pos, npos);
	else if (strcmp(sub, "conclude") == 0)
		rc = audit_conclude(ctx, &a, pos, npos);
	else if (strcmp(sub, "cancel") == 0 || strcmp(sub, "reschedule") == 0)
		rc = audit_correct(ctx, &a, pos, npos, strcmp(sub, "cancel") == 0);
	else if (strcmp(sub, "programme") == 0)
		rc = npos ? cli_usage("audit", "'audit programme' takes no arguments") : cli_programme(ctx, a.year, a.at);
	else
		rc = audit_list(ctx, &a, pos, npos, strcmp(sub, "show") == 0);
	free(pos);
	return rc;
}
