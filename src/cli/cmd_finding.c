/* smsaudit finding raise|correct|cause|plan|implement|verify|close|reopen|note|list|show|export */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	O_SOURCE = 1, O_GRADE, O_CLAUSE, O_STATEMENT, O_EVIDENCE, O_AUDIT, O_DATE, O_TEXT, O_METHOD, O_ACTION,
	O_OWNER, O_DUE, O_NOTE, O_EFFECTIVE, O_NOT_EFFECTIVE, O_REASON, O_OPEN, O_OVERDUE, O_AT, O_NO_CACHE
};

#define MAX_LIST 100

typedef struct {
	const char *source, *grade, *statement, *audit, *date, *text, *method, *note, *reason, *at;
	const char *clauses[MAX_LIST];
	size_t nclauses;
	const char *evidence[MAX_LIST];
	size_t nevidence;
	/* plan: each --action starts an action; --owner and --due belong to the last one */
	const char *act_text[51], *act_owner[51], *act_due[51];
	size_t nacts;
	const char *action_number;   /* implement --action N */
	int effective, not_effective, open, overdue, no_cache;
	const char *sub;
	const char *error;           /* a usage error found while parsing */
} finding_args;

static int on_opt(int id, const char *arg, void *u)
{
	finding_args *a = u;
	switch (id) {
	case O_SOURCE: a->source = arg; break;
	case O_GRADE: a->grade = arg; break;
	case O_STATEMENT: a->statement = arg; break;
	case O_AUDIT: a->audit = arg; break;
	case O_DATE: a->date = arg; break;
	case O_TEXT: a->text = arg; break;
	case O_METHOD: a->method = arg; break;
	case O_NOTE: a->note = arg; break;
	case O_REASON: a->reason = arg; break;
	case O_AT: a->at = arg; break;
	case O_EFFECTIVE: a->effective = 1; break;
	case O_NOT_EFFECTIVE: a->not_effective = 1; break;
	case O_OPEN: a->open = 1; break;
	case O_OVERDUE: a->overdue = 1; break;
	case O_NO_CACHE: a->no_cache = 1; break;
	case O_CLAUSE:
		if (cli_push(a->clauses, &a->nclauses, MAX_LIST, arg) < 0)
			a->error = "at most 100 --clause options";
		break;
	case O_EVIDENCE:
		if (cli_push(a->evidence, &a->nevidence, MAX_LIST, arg) < 0)
			a->error = "at most 100 --evidence options";
		break;
	case O_ACTION:
		if (a->sub && strcmp(a->sub, "implement") == 0)
			a->action_number = arg;
		else if (cli_push(a->act_text, &a->nacts, 50, arg) < 0)
			a->error = "a plan has at most 50 actions";
		break;
	case O_OWNER:
		if (!a->nacts)
			a->error = "--owner belongs to an --action: give --action TEXT first";
		else
			a->act_owner[a->nacts - 1] = arg;
		break;
	case O_DUE:
		if (!a->nacts)
			a->error = "--due belongs to an --action: give --action TEXT first";
		else
			a->act_due[a->nacts - 1] = arg;
		break;
	default: break;
	}
	return -1;
}

/* ---- recording ---- */

static int do_raise(cli_ctx *ctx, finding_args *a, int npos)
{
	if (npos)
		return cli_usage("finding", "'finding raise' takes no arguments, only options");
	if (!a->source)
		return cli_usage("finding", "--source is required (internal-audit, stage1, stage2, surveillance, "
		                            "recertification, complaint, incident, management-review, self-identified)");
	if (!a->grade)
		return cli_usage("finding", "--grade is required (major, minor, observation, ofi, or the scale in smsaudit.xml)");
	if (!a->nclauses)
		return cli_usage("finding", "--clause is required: the clause(s) the finding is against");
	if (!a->statement)
		return cli_usage("finding", "--statement is required: the statement of the finding");
	smsaudit_finding_input in;
	memset(&in, 0, sizeof(in));
	if (smsaudit_finding_source_parse(&in.source, a->source) < 0)
		return cli_usage("finding", "--source: %s", smsaudit_error_last()->message);
	if (a->date && smsaudit_date_parse(&in.raised_on, a->date) < 0)
		return cli_usage("finding", "--date: %s", smsaudit_error_last()->message);
	in.grade = a->grade;
	in.audit = a->audit;
	in.clauses = a->clauses;
	in.nclauses = a->nclauses;
	in.statement = a->statement;
	in.evidence = a->evidence;
	in.nevidence = a->nevidence;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX], number[24];
	int r = smsaudit_store_raise(id, number, s.store, s.me, &in);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Raised %s (%s): %s against %s.\n", number, id, a->grade, a->clauses[0]);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static int parse_action_number(const char *s, unsigned *out)
{
	if (!s)
		return -1;
	if (*s == 'A' || *s == 'a')
		s++;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v == 0 || v > 10000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int do_step(cli_ctx *ctx, finding_args *a, char **pos, int npos)
{
	const char *sub = a->sub;
	if (npos != 1)
		return cli_usage("finding", "'finding %s' needs exactly one finding (its number, e.g. NC-2027-004, or id)", sub);
	smsaudit_step_input in;
	memset(&in, 0, sizeof(in));
	smsaudit_action acts[50];
	memset(acts, 0, sizeof(acts));
	if (strcmp(sub, "correct") == 0) {
		in.kind = SMSAUDIT_STEP_CORRECTION;
		if (!(in.text = a->text))
			return cli_usage("finding", "--text is required: what was done at once to contain the problem");
	} else if (strcmp(sub, "cause") == 0) {
		in.kind = SMSAUDIT_STEP_CAUSE;
		if (!a->method)
			return cli_usage("finding", "--method is required (5-whys, fishbone, other)");
		if (smsaudit_cause_method_parse(&in.method, a->method) < 0)
			return cli_usage("finding", "--method: %s", smsaudit_error_last()->message);
		if (!(in.text = a->text))
			return cli_usage("finding", "--text is required: the root cause found");
	} else if (strcmp(sub, "plan") == 0) {
		in.kind = SMSAUDIT_STEP_PLAN;
		in.text = a->note;
		if (!a->nacts)
			return cli_usage("finding", "a plan needs at least one --action TEXT --owner EMAIL --due DATE");
		for (size_t i = 0; i < a->nacts; i++) {
			if (!a->act_owner[i] || !a->act_due[i])
				return cli_usage("finding", "action %zu ('%.40s') needs --owner EMAIL and --due DATE", i + 1,
				                 a->act_text[i]);
			if (smsaudit_date_parse(&acts[i].due, a->act_due[i]) < 0)
				return cli_usage("finding", "action %zu: --due: %s", i + 1,
				                 smsaudit_error_last()->message);
			acts[i].description = (char *)a->act_text[i];
			acts[i].owner = (char *)a->act_owner[i];
		}
		in.actions = acts;
		in.nactions = a->nacts;
	} else if (strcmp(sub, "implement") == 0) {
		in.kind = SMSAUDIT_STEP_IMPLEMENTED;
		if (parse_action_number(a->action_number, &in.action) < 0)
			return cli_usage("finding", "--action N is required: the number of the action done (A1 or 1)");
		if (!(in.text = a->note))
			return cli_usage("finding", "--note is required: what was done");
	} else if (strcmp(sub, "verify") == 0) {
		in.kind = SMSAUDIT_STEP_VERIFIED;
		if (a->effective == a->not_effective)
			return cli_usage("finding", "give one of --effective or --not-effective");
		in.effective = a->effective;
		if (!(in.text = a->note))
			return cli_usage("finding", "--note is required: how effectiveness was checked and what was found");
	} else if (strcmp(sub, "close") == 0) {
		in.kind = SMSAUDIT_STEP_CLOSED;
		if (!(in.text = a->note))
			return cli_usage("finding", "--note is required: the closing statement (for an observation or "
			                            "OFI, the organisation's response)");
	} else if (strcmp(sub, "withdraw") == 0) {
		in.kind = SMSAUDIT_STEP_WITHDRAWN;
		if (!(in.text = a->reason))
			return cli_usage("finding", "--reason is required: why the finding is withdrawn");
	} else if (strcmp(sub, "note") == 0) {
		in.kind = SMSAUDIT_STEP_NOTE;
		if (!(in.text = a->text))
			return cli_usage("finding", "--text is required: the remark (for concurrent steps, which one stands)");
	} else {
		in.kind = SMSAUDIT_STEP_REOPENED;
		if (!(in.text = a->reason))
			return cli_usage("finding", "--reason is required: why the finding is reopened");
	}
	if (a->nevidence && in.kind != SMSAUDIT_STEP_IMPLEMENTED && in.kind != SMSAUDIT_STEP_VERIFIED)
		return cli_usage("finding", "--evidence belongs to 'finding raise', 'implement' and 'verify'");
	in.evidence = a->evidence;
	in.nevidence = a->nevidence;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_step(id, s.store, s.me, pos[0], &in);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		static const char *const done[] = { "Correction recorded for", "Root cause recorded for", "Plan recorded for",
		                                    "Implementation recorded for", "Verification recorded for", "Closed",
		                                    "Reopened", "Withdrew", "Note recorded for" };
		printf("%s %s (%s)", done[in.kind], pos[0], id);
		if (in.kind == SMSAUDIT_STEP_VERIFIED)
			printf(": %s", in.effective ? "effective" : "not effective; plan new actions");
		if (in.kind == SMSAUDIT_STEP_PLAN)
			printf(": %zu action%s", in.nactions, in.nactions == 1 ? "" : "s");
		printf(".\n");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

/* ---- reading ---- */

typedef struct {
	cli_view v;
	smsaudit_findings *fs;
} finding_view;

static int open_findings(cli_ctx *ctx, finding_view *fv, const finding_args *a)
{
	memset(fv, 0, sizeof(*fv));
	int rc = cli_view_open(ctx, &fv->v, "finding", a->at, NULL, a->no_cache);
	if (rc >= 0)
		return rc;
	int r = smsaudit_findings_compute(&fv->fs, fv->v.st, fv->v.as_of);
	if (r < 0) {
		cli_view_close(&fv->v);
		return cli_fail(r);
	}
	return -1;
}

static void close_findings(finding_view *fv)
{
	smsaudit_findings_free(fv->fs);
	cli_view_close(&fv->v);
}

/* The most pressing deadline: overdue first, then the earliest due. */
typedef struct {
	smsaudit_deadline d;
	smsaudit_due_status status;
	int any;
	size_t overdue;
} pressing;

static pressing most_pressing(const smsaudit_finding *f, const smsaudit_sms_policy *p, time_t as_of)
{
	smsaudit_deadline d[64];
	size_t n = smsaudit_finding_deadlines(d, 64, f, p);
	pressing best;
	memset(&best, 0, sizeof(best));
	for (size_t i = 0; i < n; i++) {
		smsaudit_due_status s = smsaudit_deadline_status(&d[i], as_of, SMSAUDIT_DUE_SOON_DAYS);
		if (s == SMSAUDIT_DUE_MET || s == SMSAUDIT_DUE_MET_LATE || !d[i].due)
			continue;
		best.overdue += s == SMSAUDIT_DUE_OVERDUE;
		if (!best.any || d[i].due < best.d.due) {
			best.d = d[i];
			best.status = s;
			best.any = 1;
		}
	}
	return best;
}

static void first_line(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text ? text : "");
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
}

static const smsaudit_record *last_step(const smsaudit_finding *f, smsaudit_step_kind kind)
{
	const smsaudit_record *r = NULL;
	for (size_t i = 0; i < f->nsteps; i++)
		if (f->steps[i]->step.kind == kind)
			r = f->steps[i];
	return r;
}

static void put_date(out_node *o, const char *key, time_t t)
{
	out_set_date(o, key, t);
}

static long age_days(const smsaudit_finding *f, time_t as_of)
{
	time_t end = f->closed_at ? smsaudit_date_of(f->closed_at) : as_of;
	return (long)((end - f->record->finding.raised_on) / 86400);
}

static int matches(const smsaudit_finding *f, const finding_args *a, const pressing *pr)
{
	if (a->open && f->phase == SMSAUDIT_PHASE_CLOSED)
		return 0;
	if (a->overdue && !pr->overdue)
		return 0;
	if (a->grade && strcmp(f->grade->id, a->grade) != 0)
		return 0;
	if (a->nclauses) {
		int hit = 0;
		const smsaudit_finding_body *b = &f->record->finding;
		for (size_t i = 0; i < b->nclauses; i++)
			for (size_t k = 0; k < a->nclauses; k++) {
				size_t n = strlen(a->clauses[k]);
				/* 8.5 matches 8.5 and 8.5.1.2, not 8.50 */
				if (strncmp(b->clauses[i], a->clauses[k], n) == 0 &&
				    (b->clauses[i][n] == '\0' || b->clauses[i][n] == '.'))
					hit = 1;
			}
		if (!hit)
			return 0;
	}
	return 1;
}

static void clause_list(char *out, size_t size, const smsaudit_finding_body *b)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < b->nclauses && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? " " : "", b->clauses[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* One finding as a flat row: the NC register a certification body asks for. */
static void register_row(out_node *row, const smsaudit_finding *f, const smsaudit_state *st, time_t as_of)
{
	const smsaudit_finding_body *b = &f->record->finding;
	const smsaudit_sms_policy *p = smsaudit_state_policy(st);
	pressing pr;
	if (f->withdrawn)
		memset(&pr, 0, sizeof(pr));   /* a withdrawn finding has no deadline */
	else
		pr = most_pressing(f, p, as_of);
	char buf[2048];
	out_set_str(row, "number", f->number);
	out_set_str(row, "id", f->record->id);
	out_set_str(row, "grade", f->grade->id);
	out_set_str(row, "class", smsaudit_grade_class_name(f->grade->cls));
	out_set_str(row, "source", smsaudit_finding_source_name(b->source));
	out_set_str(row, "audit", b->audit);
	clause_list(buf, sizeof(buf), b);
	out_set_str(row, "clauses", buf);
	put_date(row, "raised_on", b->raised_on);
	out_set_str(row, "raised_by", f->record->made_by);
	out_set_str(row, "statement", b->statement);
	const smsaudit_record *corr = last_step(f, SMSAUDIT_STEP_CORRECTION);
	const smsaudit_record *cause = last_step(f, SMSAUDIT_STEP_CAUSE);
	out_set_str(row, "correction", corr ? corr->step.text : "");
	out_set_str(row, "cause_method", cause ? smsaudit_cause_method_name(cause->step.method) : "");
	out_set_str(row, "root_cause", cause ? cause->step.text : "");
	size_t used = 0, open = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->nactions; i++) {
		const smsaudit_finding_action *fa = &f->actions[i];
		char due[11], done[11] = "";
		smsaudit_date_format(due, fa->action->due);
		if (fa->implemented)
			smsaudit_date_format(done, fa->implemented->made_at);
		else
			open++;
		char desc[200];
		first_line(desc, sizeof(desc), fa->action->description);
		int n = snprintf(buf + used, sizeof(buf) - used, "%sA%u %s (owner %s, due %s%s%s)", used ? "; " : "",
		                 fa->number, desc, fa->action->owner, due, *done ? ", done " : "", done);
		if (n > 0 && (size_t)n < sizeof(buf) - used)
			used += (size_t)n;
	}
	out_set_str(row, "actions", buf);
	out_set_int(row, "actions_open", (long long)open);
	const smsaudit_record *ver = last_step(f, SMSAUDIT_STEP_VERIFIED);
	out_set_str(row, "verification", ver ? (ver->step.effective ? "effective" : "not-effective") : "");
	put_date(row, "verified_on", ver ? ver->made_at : 0);
	out_set_str(row, "verified_by", ver ? ver->made_by : "");
	out_set_str(row, "status", f->withdrawn ? "withdrawn" : smsaudit_finding_phase_name(f->phase));
	const smsaudit_record *cl = f->closed_at ? last_step(f, SMSAUDIT_STEP_CLOSED) : NULL;
	put_date(row, "closed_on", f->closed_at);
	out_set_str(row, "closed_by", cl ? cl->made_by : "");
	out_set_int(row, "age_days", age_days(f, as_of));
	put_date(row, "next_due", pr.any ? pr.d.due : 0);
	out_set_str(row, "next_due_what", pr.any ? pr.d.what : "");
	out_set_str(row, "due_status", pr.any ? smsaudit_due_status_name(pr.status) : "");
	out_set_int(row, "overdue", (long long)pr.overdue);
	put_date(row, "withdrawn_on", f->withdrawn ? f->withdrawn->made_at : 0);
	out_set_str(row, "withdrawn_by", f->withdrawn ? f->withdrawn->made_by : "");
	out_set_str(row, "withdrawn_reason", f->withdrawn ? f->withdrawn->step.text : "");
}

static int do_list(cli_ctx *ctx, finding_args *a, int npos, int export)
{
	if (npos)
		return cli_usage("finding", "'finding %s' takes no arguments", export ? "export" : "list");
	if (export && ctx->format == OUT_TEXT)
		ctx->format = OUT_CSV;
	finding_view fv;
	int rc = open_findings(ctx, &fv, a);
	if (rc >= 0)
		return rc;
	if (a->grade && !smsaudit_policy_grade(smsaudit_state_policy(fv.v.st), a->grade)) {
		char list[400];
		smsaudit_policy_grade_list(list, sizeof(list), smsaudit_state_policy(fv.v.st));
		close_findings(&fv);
		return cli_usage("finding", "--grade '%s' is not in the grade scale (%s)", a->grade, list);
	}
	out_node *rows = out_array("finding");
	size_t shown = 0;
	for (size_t i = 0; i < smsaudit_findings_count(fv.fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(fv.fs, i);
		pressing pr = most_pressing(f, smsaudit_state_policy(fv.v.st), fv.v.as_of);
		if (!matches(f, a, &pr))
			continue;
		shown++;
		register_row(out_push_obj(rows), f, fv.v.st, fv.v.as_of);
	}
	/* Withdrawn findings stay in the register, after the others, unless the
	 * question is about open or overdue ones. */
	size_t nwd = a->open || a->overdue ? 0 : smsaudit_findings_withdrawn_count(fv.fs);
	for (size_t i = 0; ctx->format != OUT_TEXT && i < nwd; i++) {
		const smsaudit_finding *f = smsaudit_findings_withdrawn_at(fv.fs, i);
		pressing none;
		memset(&none, 0, sizeof(none));
		if (matches(f, a, &none))
			register_row(out_push_obj(rows), f, fv.v.st, fv.v.as_of);
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, rows, ctx->format, "findings") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (!shown) {
		printf("No findings%s.\n", smsaudit_findings_count(fv.fs) ? " match" : " are recorded");
		rc = EXIT_OK;
	} else {
		/* A compact view for the terminal: one line each, the rest in 'finding show'. */
		out_node *view = out_array("finding");
		for (size_t i = 0; i < smsaudit_findings_count(fv.fs); i++) {
			const smsaudit_finding *f = smsaudit_findings_at(fv.fs, i);
			pressing pr = most_pressing(f, smsaudit_state_policy(fv.v.st), fv.v.as_of);
			if (!matches(f, a, &pr))
				continue;
			out_node *r = out_push_obj(view);
			char buf[600], due[40] = "";
			out_set_str(r, "number", f->number);
			out_set_str(r, "grade", f->grade->id);
			out_set_str(r, "status", smsaudit_finding_phase_name(f->phase));
			put_date(r, "raised", f->record->finding.raised_on);
			snprintf(buf, sizeof(buf), "%ld", age_days(f, fv.v.as_of));
			out_set_str(r, "age", buf);
			clause_list(buf, sizeof(buf), &f->record->finding);
			out_set_str(r, "clauses", buf);
			if (pr.any) {
				char d[11];
				smsaudit_date_format(d, pr.d.due);
				snprintf(due, sizeof(due), "%s%s", d, pr.status == SMSAUDIT_DUE_OVERDUE ? " OVERDUE"
				                                      : pr.status == SMSAUDIT_DUE_SOON ? " soon" : "");
			}
			out_set_str(r, "due", due);
			first_line(buf, sizeof(buf), f->record->finding.statement);
			out_set_str(r, "statement", buf);
		}
		static const char *const keys[] = { "number", "grade", "status", "raised", "age", "clauses", "due",
		                                    "statement" };
		static const char *const heads[] = { "NUMBER", "GRADE", "STATUS", "RAISED", "AGE", "CLAUSES", "NEXT DUE",
		                                     "STATEMENT" };
		out_table(stdout, ctx, view, keys, heads, 8);
		out_free(view);
		rc = EXIT_OK;
	}
	for (size_t i = 0; ctx->format == OUT_TEXT && i < nwd; i++) {
		const smsaudit_finding *f = smsaudit_findings_withdrawn_at(fv.fs, i);
		char d[11];
		smsaudit_date_format(d, f->withdrawn->made_at);
		printf("%s%s withdrawn %s by %s: %s\n", i ? "" : "\n", f->number, d, cli_safe(f->withdrawn->made_by),
		       cli_safe(f->withdrawn->step.text));
	}
	out_free(rows);
	close_findings(&fv);
	return rc;
}

static const char *signer_name(const smsaudit_state *st, const char *email)
{
	const char *name = email;
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (strcmp(pe->record->person.email, email) == 0)
			name = pe->record->person.name;
	}
	return name;
}

static void put_refs(out_node *o, const smsaudit_evidence_ref *refs, size_t n)
{
	out_node *arr = out_set_arr(o, "evidence", "evidence");
	for (size_t i = 0; i < n; i++) {
		out_node *e = out_push_obj(arr);
		out_set_str(e, "id", refs[i].id);
		out_set_str(e, "sha256", refs[i].sha256);
	}
}

static void print_refs(const smsaudit_evidence_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("      evidence %s (sha256 %.12s...)\n", refs[i].id, refs[i].sha256);
}

static void print_text(const char *label, const char *text, int width)
{
	if (!text)
		return;
	printf("      %s", label);
	out_wrap(stdout, text, 6, width - 6);
}

/* The fields every listed step has: id, kind, time, signer, text. */
static void put_step(out_node *o, const smsaudit_record *s)
{
	char t[21];
	smsaudit_time_format(t, s->made_at);
	out_set_str(o, "id", s->id);
	out_set_str(o, "step", smsaudit_step_kind_name(s->step.kind));
	out_set_str(o, "at", t);
	out_set_str(o, "by", s->made_by);
}

/* Steps made on two clones without seeing each other: the latest ones while
 * there are several, and those the rules kept without effect. */
static void put_concurrent(out_node *o, const smsaudit_finding *f)
{
	out_node *heads = out_set_arr(o, "concurrent", "step");
	for (size_t i = 0; f->nheads > 1 && i < f->nheads; i++)
		out_set_str(out_push_obj(heads), "id", f->heads[i]->id);
	out_node *un = out_set_arr(o, "unapplied", "step");
	for (size_t i = 0; i < f->nunapplied; i++) {
		const smsaudit_record *s = f->unapplied[i].step;
		out_node *u = out_push_obj(un);
		put_step(u, s);
		out_set_str(u, "text", s->step.text);
		out_set_str(u, "reason", f->unapplied[i].reason);
	}
}

static void print_step_line(const smsaudit_state *st, const smsaudit_record *s)
{
	char t[21];
	smsaudit_time_format(t, s->made_at);
	const char *what = s->type == SMSAUDIT_REC_STEP ? smsaudit_step_kind_name(s->step.kind) : "raised";
	printf("  %s  %-13s %s <%s>  %s\n", t, what, cli_safe(signer_name(st, s->made_by)), cli_safe(s->made_by), s->id);
}

static void print_concurrent(cli_ctx *ctx, const smsaudit_state *st, const smsaudit_finding *f, int width)
{
	if (f->nunapplied) {
		printf("\n%sKept without effect%s (made concurrently; the rules do not allow them after the steps above)\n",
		       cli_sgr(ctx, "1"), cli_sgr(ctx, "0"));
		for (size_t i = 0; i < f->nunapplied; i++) {
			print_step_line(st, f->unapplied[i].step);
			print_text("", f->unapplied[i].step->step.text, width);
			print_text("why: ", f->unapplied[i].reason, width);
		}
	}
	if (f->nheads > 1) {
		printf("\n%s%sConcurrent steps to settle%s: signed on different clones, neither after the other\n",
		       cli_sgr(ctx, "1"), cli_sgr(ctx, "33"), cli_sgr(ctx, "0"));
		for (size_t i = 0; i < f->nheads; i++)
			print_step_line(st, f->heads[i]);
		printf("  Record the next step, or 'smsaudit finding note %s --text ...' saying which stands.\n",
		       f->number);
	}
}

static int do_show(cli_ctx *ctx, finding_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("finding", "'finding show' needs exactly one finding (its number or id)");
	finding_view fv;
	int rc = open_findings(ctx, &fv, a);
	if (rc >= 0)
		return rc;
	const smsaudit_finding *f = NULL;
	int r = smsaudit_findings_find(&f, fv.fs, pos[0]);
	if (r < 0) {
		close_findings(&fv);
		return cli_fail(r);
	}
	const smsaudit_state *st = fv.v.st;
	const smsaudit_finding_body *b = &f->record->finding;
	const smsaudit_sms_policy *p = smsaudit_state_policy(st);
	smsaudit_deadline dl[64];
	/* A withdrawn finding has no deadlines left. */
	size_t ndl = f->withdrawn ? 0 : smsaudit_finding_deadlines(dl, 64, f, p);
	out_node *o = out_object();
	register_row(o, f, st, fv.v.as_of);
	put_date(o, "as_of", fv.v.as_of);
	out_set_str(o, "grade_label", f->grade->label);
	put_refs(o, b->evidence, b->nevidence);
	out_node *steps = out_set_arr(o, "steps", "step");
	for (size_t i = 0; i < f->nsteps; i++) {
		const smsaudit_record *s = f->steps[i];
		out_node *so = out_push_obj(steps);
		put_step(so, s);
		out_set_str(so, "by_name", signer_name(st, s->made_by));
		out_set_str(so, "text", s->step.text);
		if (s->step.kind == SMSAUDIT_STEP_CAUSE)
			out_set_str(so, "method", smsaudit_cause_method_name(s->step.method));
		if (s->step.kind == SMSAUDIT_STEP_VERIFIED)
			out_set_str(so, "result", s->step.effective ? "effective" : "not-effective");
		if (s->step.nevidence)
			put_refs(so, s->step.evidence, s->step.nevidence);
	}
	put_concurrent(o, f);
	out_node *acts = out_set_arr(o, "action_list", "action");
	for (size_t i = 0; i < f->nactions; i++) {
		const smsaudit_finding_action *fa = &f->actions[i];
		out_node *ao = out_push_obj(acts);
		char n[16];
		snprintf(n, sizeof(n), "A%u", fa->number);
		out_set_str(ao, "number", n);
		out_set_str(ao, "description", fa->action->description);
		out_set_str(ao, "owner", fa->action->owner);
		put_date(ao, "due", fa->action->due);
		put_date(ao, "implemented_on", fa->implemented ? fa->implemented->made_at : 0);
	}
	out_node *dls = out_set_arr(o, "deadlines", "deadline");
	for (size_t i = 0; i < ndl; i++) {
		out_node *d = out_push_obj(dls);
		out_set_str(d, "what", dl[i].what);
		if (dl[i].due)
			put_date(d, "due", dl[i].due);
		else
			out_set_str(d, "due", "next audit");
		put_date(d, "met_on", dl[i].met_at);
		out_set_str(d, "status", smsaudit_due_status_name(smsaudit_deadline_status(&dl[i], fv.v.as_of, SMSAUDIT_DUE_SOON_DAYS)));
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "finding") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		int width = out_term_width(ctx);
		char d[11], cl[600], t[21];
		smsaudit_date_format(d, b->raised_on);
		clause_list(cl, sizeof(cl), b);
		printf("%s%s%s  %s (%s)  %s\n", cli_sgr(ctx, "1"), f->number, cli_sgr(ctx, "0"), cli_safe(f->grade->label), f->grade->id,
		       f->record->id);
		if (f->withdrawn) {
			smsaudit_date_format(d, f->withdrawn->made_at);
			printf("  Status    withdrawn %s by %s: %s\n", d, cli_safe(f->withdrawn->made_by),
			       cli_safe(f->withdrawn->step.text));
		} else {
			printf("  Status    %s%s\n", smsaudit_finding_phase_name(f->phase),
			       f->not_effective && f->phase != SMSAUDIT_PHASE_CLOSED ? " (last verification: not effective)" : "");
		}
		printf("  Source    %s%s%s\n", smsaudit_finding_source_name(b->source), b->audit[0] ? ", audit " : "", b->audit);
		printf("  Clauses   %s\n", cl);
		printf("  Raised    %s by %s <%s>\n", d, cli_safe(signer_name(st, f->record->made_by)), cli_safe(f->record->made_by));
		printf("  Statement ");
		out_wrap(stdout, b->statement, 12, width);
		print_refs(b->evidence, b->nevidence);
		printf("\n%sHistory%s\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"));
		smsaudit_time_format(t, f->record->made_at);
		printf("  %s  raised        %s <%s>\n", t, cli_safe(signer_name(st, f->record->made_by)), cli_safe(f->record->made_by));
		for (size_t i = 0; i < f->nsteps; i++) {
			const smsaudit_record *s = f->steps[i];
			char what[40];
			smsaudit_time_format(t, s->made_at);
			if (s->step.kind == SMSAUDIT_STEP_VERIFIED)
				snprintf(what, sizeof(what), "%s", s->step.effective ? "verified" : "not effective");
			else
				snprintf(what, sizeof(what), "%s", smsaudit_step_kind_name(s->step.kind));
			printf("  %s  %-13s %s <%s>  %s\n", t, what, cli_safe(signer_name(st, s->made_by)), cli_safe(s->made_by), s->id);
			if (s->step.kind == SMSAUDIT_STEP_CAUSE)
				printf("      method: %s\n", smsaudit_cause_method_name(s->step.method));
			if (s->step.kind == SMSAUDIT_STEP_PLAN) {
				for (size_t k = 0; k < f->nactions; k++)
					if (f->actions[k].plan == s) {
						char due[11];
						smsaudit_date_format(due, f->actions[k].action->due);
						char line[700];
						snprintf(line, sizeof(line), "A%u (owner %s, due %s): %s", f->actions[k].number,
						         f->actions[k].action->owner, due, f->actions[k].action->description);
						printf("      ");
						out_wrap(stdout, line, 8, width - 6);
					}
			}
			if (s->step.kind == SMSAUDIT_STEP_IMPLEMENTED)
				for (size_t k = 0; k < f->nactions; k++)
					if (f->actions[k].implemented == s)
						printf("      action A%u\n", f->actions[k].number);
			print_text("", s->step.text, width);
			print_refs(s->step.evidence, s->step.nevidence);
		}
		print_concurrent(ctx, st, f, width);
		if (ndl) {
			smsaudit_date_format(d, fv.v.as_of);
			printf("\n%sDeadlines%s (as of %s)\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), d);
			for (size_t i = 0; i < ndl; i++) {
				smsaudit_due_status s = smsaudit_deadline_status(&dl[i], fv.v.as_of, SMSAUDIT_DUE_SOON_DAYS);
				char due[11] = "next audit", met[11] = "";
				if (dl[i].due)
					smsaudit_date_format(due, dl[i].due);
				if (dl[i].met_at)
					smsaudit_date_format(met, dl[i].met_at);
				const char *colour = s == SMSAUDIT_DUE_OVERDUE ? "31" : s == SMSAUDIT_DUE_SOON ? "33" : "0";
				printf("  %-10s  %s%-8s%s  %s", due, cli_sgr(ctx, colour), smsaudit_due_status_name(s),
				       cli_sgr(ctx, "0"), dl[i].what);
				if (*met)
					printf("  (met %s)", met);
				printf("\n");
			}
		}
		rc = EXIT_OK;
	}
	out_free(o);
	close_findings(&fv);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option raise_opts[] = {
	{ "source", 1, O_SOURCE, 0 }, { "grade", 1, O_GRADE, 0 }, { "clause", 1, O_CLAUSE, 0 },
	{ "statement", 1, O_STATEMENT, 0 }, { "evidence", 1, O_EVIDENCE, 0 }, { "audit", 1, O_AUDIT, 0 },
	{ "date", 1, O_DATE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option correct_opts[] = { { "text", 1, O_TEXT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option cause_opts[] = { { "method", 1, O_METHOD, 0 }, { "text", 1, O_TEXT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option plan_opts[] = {
	{ "action", 1, O_ACTION, 0 }, { "owner", 1, O_OWNER, 0 }, { "due", 1, O_DUE, 0 }, { "note", 1, O_NOTE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option implement_opts[] = {
	{ "action", 1, O_ACTION, 0 }, { "note", 1, O_NOTE, 0 }, { "evidence", 1, O_EVIDENCE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option verify_opts[] = {
	{ "effective", 0, O_EFFECTIVE, 0 }, { "not-effective", 0, O_NOT_EFFECTIVE, 0 }, { "note", 1, O_NOTE, 0 },
	{ "evidence", 1, O_EVIDENCE, 0 }, { NULL, 0, 0, 0 }
};
/* --response: an observation's or OFI's response, the same as --note */
static const cli_option close_opts[] = { { "note", 1, O_NOTE, 0 }, { "response", 1, O_NOTE, 0 }, { NULL, 0, 0, 0 } };
static const cli_option reopen_opts[] = { { "reason", 1, O_REASON, 0 }, { NULL, 0, 0, 0 } };
static const cli_option note_opts[] = { { "text", 1, O_TEXT, 0 }, { NULL, 0, 0, 0 } };
/* export filters as list does */
static const cli_option list_opts[] = {
	{ "open", 0, O_OPEN, 0 }, { "overdue", 0, O_OVERDUE, 0 }, { "grade", 1, O_GRADE, 0 },
	{ "clause", 1, O_CLAUSE, 0 }, { "at", 1, O_AT, 0 }, { "no-cache", 0, O_NO_CACHE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { "no-cache", 0, O_NO_CACHE, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_finding_subs[] = {
	{ "raise",
	  "smsaudit finding raise --source SOURCE --grade GRADE --clause ID [--clause ID]...\n"
	  "                             --statement TEXT [--evidence ID]... [--date DATE] [--audit ID]\n",
	  raise_opts },
	{ "correct",
	  "smsaudit finding correct FINDING --text TEXT\n",
	  correct_opts },
	{ "cause",
	  "smsaudit finding cause FINDING --method 5-whys|fishbone|other --text TEXT\n",
	  cause_opts },
	{ "plan",
	  "smsaudit finding plan FINDING --action TEXT --owner EMAIL --due DATE [--action ...]...\n"
	  "                             [--note TEXT]\n",
	  plan_opts },
	{ "implement",
	  "smsaudit finding implement FINDING --action N --note TEXT [--evidence ID]...\n",
	  implement_opts },
	{ "verify",
	  "smsaudit finding verify FINDING --effective|--not-effective --note TEXT [--evidence ID]...\n",
	  verify_opts },
	{ "close",
	  "smsaudit finding close FINDING --note TEXT\n",
	  close_opts },
	{ "reopen",
	  "smsaudit finding reopen FINDING --reason TEXT\n",
	  reopen_opts },
	{ "withdraw",
	  "smsaudit finding withdraw FINDING --reason TEXT\n",
	  reopen_opts },
	{ "note",
	  "smsaudit finding note FINDING --text TEXT\n",
	  note_opts },
	{ "list",
	  "smsaudit finding list [--open] [--overdue] [--grade G] [--clause ID] [--at DATE]\n",
	  list_opts },
	{ "show",
	  "smsaudit finding show FINDING [--at DATE]\n",
	  show_opts },
	{ "export",
	  "smsaudit finding export [--format csv|json|xml] [--raw] [--at DATE]\n",
	  list_opts },
	{ NULL, NULL, NULL }
};

const char cmd_finding_help[] =
	"A finding is a nonconformity (major, minor), an observation or an opportunity\n"
	"for improvement (ofi); the scale can be replaced in smsaudit.xml. FINDING is its\n"
	"number (NC-2027-004, shown when raised), its id or a unique id prefix. Every\n"
	"step is a signed record; the rules are checked here and again by verify:\n"
	"  raise          an external auditor for stage1, stage2, surveillance and\n"
	"                 recertification; an internal auditor for internal-audit; an\n"
	"                 internal auditor or quality manager for complaint, incident,\n"
	"                 management-review and self-identified\n"
	"  correct, cause, plan\n"
	"                 a quality manager or process owner; a nonconformity needs its\n"
	"                 root cause before a plan; due dates not before the raise date\n"
	"  implement      the action's owner, one action (A1, A2, ...) at a time\n"
	"  verify         an auditor who implemented none of the finding's actions, once\n"
	"                 every action is implemented; --not-effective sends it back to\n"
	"                 planning\n"
	"  close          an auditor; no open actions; a nonconformity needs an effective\n"
	"                 verification (an observation or OFI is closed with its response)\n"
	"  reopen         an auditor or quality manager; it must be verified again\n"
	"  withdraw       a finding raised by mistake, with --reason: an external\n"
	"                 auditor for the certification body's findings (never the\n"
	"                 organisation), an internal auditor or quality manager for\n"
	"                 the others; not once closed. It keeps its record and number,\n"
	"                 takes no further step, and no longer counts in gap, status,\n"
	"                 deadlines or packs; 'list' and 'export' show it apart\n"
	"  note           anyone but a viewer, at any time; changes nothing\n"
	"Steps made concurrently on two clones (neither signer had seen the other's)\n"
	"are both kept after a sync: each is applied in signing order if the rules allow\n"
	"it, else kept without effect. 'show' and 'status' list them until someone\n"
	"records a step that comes after both, e.g. 'finding note ... --text \"A stands\"'.\n"
	"Deadlines come from smsaudit.xml: a major verified within 90 days (and within 6\n"
	"months of stage 2, and before a certification decision); a minor planned within\n"
	"30 days and verified at the next audit; each action by its due date. 'list\n"
	"--overdue' shows findings with a deadline passed at --at (default today).\n"
	"'export' writes the register of findings a certification body asks for (CSV by\n"
	"default; a cell starting with = + - @ gets a leading ' so a spreadsheet runs no\n"
	"formula, --raw keeps cells as recorded).\n"
	"\n"
	"examples:\n"
	"  smsaudit --as ida@example.org finding raise --source internal-audit --grade minor \\\n"
	"      --clause 8.5.1.2 --statement \"3 of 25 sampled changes had no risk assessment\"\n"
	"  smsaudit --as ben@example.org finding plan NC-2027-001 --action \"Add risk field to RFC form\" \\\n"
	"      --owner ben@example.org --due 2027-03-31\n"
	"  smsaudit finding list --open --overdue\n"
	"  smsaudit finding export > nc-register.csv\n";


int cmd_finding(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *s = NULL;
	int rc = cli_sub_find("finding", argc, argv, &s);
	if (rc >= 0)
		return rc;
	const char *sub = s->name;
	finding_args a;
	memset(&a, 0, sizeof(a));
	a.sub = sub;
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "finding", s, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (a.error)
		rc = cli_usage("finding", "%s", a.error);
	else if (strcmp(sub, "raise") == 0)
		rc = do_raise(ctx, &a, npos);
	else if (strcmp(sub, "list") == 0)
		rc = do_list(ctx, &a, npos, 0);
	else if (strcmp(sub, "export") == 0)
		rc = do_list(ctx, &a, npos, 1);
	else if (strcmp(sub, "show") == 0)
		rc = do_show(ctx, &a, pos, npos);
	else
		rc = do_step(ctx, &a, pos, npos);
	free(pos);
	return rc;
}
