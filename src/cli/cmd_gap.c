/*
 * smsaudit gap [--at DATE] [--commit REF] [--stage stage1|stage2] [--clause ID]
 *              [--explain ID] [--trend [--from DATE] [--every week|month|quarter]]
 * smsaudit status [--at DATE]
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_gap_help[] =
	"usage: smsaudit gap [--at DATE] [--commit REV] [--stage stage1|stage2] [--clause ID]\n"
	"                    [--no-cache]\n"
	"       smsaudit gap --explain ID [--at DATE] [--commit REV]\n"
	"       smsaudit gap --trend [--from DATE] [--at DATE] [--every day|week|month|quarter]\n"
	"\n"
	"For every assessable clause: conformant, partial, gap or not-assessed, with the\n"
	"reasons and the evidence ids. Each expected item of the catalogue needs evidence of\n"
	"its kind linked to the clause that verifies, is not withdrawn or superseded, has not\n"
	"expired and, for records, covers a recent enough period. Evidence that fails\n"
	"verification is never counted (a warning says how much). Partial counts half in\n"
	"the readiness figures. --at evaluates at a date (default today) using the commit\n"
	"current at the end of that day, or --commit. --stage prints that stage's verdict\n"
	"and exits 1 when it is not ready. --clause limits the table to a clause and its\n"
	"sub-clauses. --explain shows every expected item of one clause and why each piece\n"
	"of evidence counts or not. --trend shows readiness over time, each date evaluated\n"
	"at the commit that was current then (default from the first commit, monthly).\n"
	"Signature checks are reused from a local cache in the repository directory\n"
	"(smsaudit-cache/, never committed); --no-cache checks every signature again.\n"
	"\n"
	"examples:\n"
	"  smsaudit gap\n"
	"  smsaudit gap --stage stage1 && echo \"ready for stage 1\"\n"
	"  smsaudit gap --explain 8.5.1.2\n"
	"  smsaudit gap --trend --from 2026-01-01 --format csv\n";

/* The numbers are status.h's, printed by the help ({status-...}). */
const char cmd_status_help[] =
	"usage: smsaudit status [--at DATE] [--no-cache]\n"
	"\n"
	"The SMS at a date (default today; --at takes the commit current at the end of\n"
	"that day, as gap does): readiness with the stage 1 and stage 2 verdicts, the\n"
	"clauses with gaps and why, the next audit, the certification cycle (its phase,\n"
	"next item, and the clauses neither the cycle's audits nor the year's internal\n"
	"audits cover), open findings by grade with the deadlines overdue or due within\n"
	"{status-window} days, evidence expiring within {status-window}, {status-window-2} and {status-horizon} days, and the expected\n"
	"items that stop being satisfied within {status-horizon} days (a document expiring or the\n"
	"newest record growing too old). Evidence is valid through its last day; only\n"
	"evidence that counts at the date can expire. 'evidence list --expiring {status-horizon}\n"
	"--at DATE' lists the same evidence.\n"
	"\n"
	"examples:\n"
	"  smsaudit status\n"
	"  smsaudit status --at 2027-03-01 --format json\n";

enum { O_AT = 1, O_COMMIT, O_STAGE, O_CLAUSE, O_EXPLAIN, O_TREND, O_FROM, O_EVERY, O_NO_CACHE };

typedef struct {
	const char *at, *commit, *stage, *clause, *explain, *from, *every;
	int trend, no_cache;
} gap_args;

static int on_opt(int id, const char *arg, void *u)
{
	gap_args *a = u;
	switch (id) {
	case O_AT: a->at = arg; break;
	case O_COMMIT: a->commit = arg; break;
	case O_STAGE: a->stage = arg; break;
	case O_CLAUSE: a->clause = arg; break;
	case O_EXPLAIN: a->explain = arg; break;
	case O_TREND: a->trend = 1; break;
	case O_FROM: a->from = arg; break;
	case O_EVERY: a->every = arg; break;
	case O_NO_CACHE: a->no_cache = 1; break;
	default: break;
	}
	return -1;
}

/* What one analysis looks at: a commit, an as-of date and the state there. */
typedef struct {
	cli_view v;
	smsaudit_gap *gap;
} analysis;

static void analysis_close(analysis *an)
{
	smsaudit_gap_free(an->gap);
	cli_view_close(&an->v);
}

/* Open the store, pick the commit (--commit, else the one current at the end
 * of --at, else head), load its state and compute the gap. */
static int analysis_open(cli_ctx *ctx, analysis *an, const char *command, const char *at, const char *commit,
                         int no_cache)
{
	memset(an, 0, sizeof(*an));
	int rc = cli_view_open(ctx, &an->v, command, at, commit, no_cache);
	if (rc >= 0)
		return rc;
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = an->v.as_of;
	int r = smsaudit_gap_compute(&an->gap, smsaudit_store_catalogue(an->v.store), an->v.st, &go);
	if (r < 0) {
		analysis_close(an);
		return cli_fail(r);
	}
	return -1;
}

static const char *status_colour(smsaudit_gap_status s)
{
	switch (s) {
	case SMSAUDIT_GAP_CONFORMANT: return "32";
	case SMSAUDIT_GAP_PARTIAL: return "33";
	case SMSAUDIT_GAP_GAP: return "31";
	default: return "2";
	}
}

/* "ev-1, ev-2 +3": the evidence that satisfies a clause's items. */
static void satisfying_ids(char *out, size_t size, const smsaudit_gap_clause *c)
{
	size_t used = 0, shown = 0, more = 0;
	out[0] = '\0';
	for (size_t k = 0; k < c->nitems; k++)
		for (size_t j = 0; j < c->items[k].ncandidates; j++) {
			const smsaudit_gap_candidate *cd = &c->items[k].candidates[j];
			if (cd->verdict != SMSAUDIT_CAND_OK)
				break;
			if (j > 0 || shown >= 3) {
				more++;
				continue;
			}
			int n = snprintf(out + used, size - used, "%s%s", shown ? " " : "", cd->evidence->record->id);
			if (n > 0 && (size_t)n < size - used)
				used += (size_t)n;
			shown++;
		}
	if (more && used < size)
		snprintf(out + used, size - used, " +%zu", more);
}

static void put_rollup(out_node *o, const smsaudit_gap_rollup *r)
{
	out_set_str(o, "clause", r->clause ? r->clause->id : "all");
	out_set_str(o, "title", r->clause ? r->clause->title : "Whole SMS");
	out_set_int(o, "clauses", (long long)r->total);
	out_set_int(o, "conformant", (long long)r->conformant);
	out_set_int(o, "partial", (long long)r->partial);
	out_set_int(o, "gap", (long long)r->gap);
	out_set_int(o, "not_assessed", (long long)r->not_assessed);
	out_set_int(o, "readiness_percent", (long long)(r->readiness * 100 + 0.5));
}

static void put_stage(out_node *o, const smsaudit_gap_readiness *r)
{
	out_set_bool(o, "ready", r->ready);
	out_node *arr = out_set_arr(o, "criteria", "criterion");
	for (size_t i = 0; i < r->ncriteria; i++) {
		out_node *c = out_push_obj(arr);
		out_set_str(c, "requirement", r->criteria[i].text);
		out_set_bool(c, "met", r->criteria[i].met);
		out_set_str(c, "detail", r->criteria[i].detail);
	}
}

static void put_item(out_node *o, const smsaudit_gap_item *it, int with_candidates)
{
	out_set_str(o, "id", it->id);
	out_set_str(o, "kind", it->any_kind ? "any" : smsaudit_evidence_kind_name(it->kind));
	out_set_bool(o, "required", it->is_explicit);
	out_set_str(o, "stage", it->stage == SMSAUDIT_STAGE_1 ? "stage1" : "stage2");
	out_set_int(o, "fresh_months", it->fresh_months);
	out_set_bool(o, "satisfied", it->satisfied);
	out_set_str(o, "reason", it->reason);
	if (!with_candidates)
		return;
	out_node *arr = out_set_arr(o, "evidence", "evidence");
	for (size_t j = 0; j < it->ncandidates; j++) {
		const smsaudit_gap_candidate *cd = &it->candidates[j];
		char why[300], d[11];
		smsaudit_gap_candidate_explain(why, sizeof(why), cd);
		out_node *e = out_push_obj(arr);
		out_set_str(e, "id", cd->evidence->record->id);
		out_set_str(e, "title", cd->evidence->record->evidence.title);
		smsaudit_date_format(d, cd->evidence->record->made_at);
		out_set_str(e, "signed_at", d);
		out_set_str(e, "signer", cd->evidence->signer_name);
		out_set_str(e, "sha256", cd->evidence->record->evidence.sha256);
		out_set_bool(e, "counts", cd->verdict == SMSAUDIT_CAND_OK);
		out_set_str(e, "why", why);
	}
}

static void put_clause(out_node *o, const smsaudit_gap_clause *c, int full)
{
	out_set_str(o, "clause", c->clause->id);
	out_set_str(o, "title", c->clause->title);
	out_set_str(o, "status", smsaudit_gap_status_name(c->status));
	out_node *rs = out_set_arr(o, "reasons", "reason");
	for (size_t i = 0; i < c->nreasons; i++)
		out_push_str(rs, c->reasons[i]);
	char ids[600];
	satisfying_ids(ids, sizeof(ids), c);
	out_set_str(o, "evidence", ids);
	out_set_int(o, "excluded", (long long)c->nexcluded);
	out_set_str(o, "other_party", c->other_party);
	if (c->assessment) {
		out_node *a = out_set_obj(o, "assessment");
		char t[21];
		smsaudit_time_format(t, c->assessment->made_at);
		out_set_str(a, "id", c->assessment->id);
		out_set_str(a, "result", smsaudit_assessment_result_name(c->assessment->assessment.result));
		out_set_str(a, "by", c->assessed_by);
		out_set_str(a, "at", t);
		out_set_str(a, "note", c->assessment->assessment.note);
	} else {
		out_set_str(o, "assessment", NULL);
	}
	out_node *items = out_set_arr(o, "items", "item");
	for (size_t k = 0; k < c->nitems; k++)
		put_item(out_push_obj(items), &c->items[k], full);
}

static int under(const smsaudit_clause *c, const char *id)
{
	for (; c; c = c->parent)
		if (strcmp(c->id, id) == 0)
			return 1;
	return 0;
}

static void print_bar(const cli_ctx *ctx, double share, int width)
{
	int filled = (int)(share * width + 0.5);
	fputs(cli_sgr(ctx, share >= 0.999 ? "32" : share >= 0.5 ? "33" : "31"), stdout);
	for (int i = 0; i < width; i++)
		fputs(i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91", stdout);
	fputs(cli_sgr(ctx, "0"), stdout);
}

static void print_stage(const cli_ctx *ctx, const char *name, const smsaudit_gap_readiness *r, int width)
{
	printf("%s%s: %s%s\n", cli_sgr(ctx, r->ready ? "32" : "31"), name, r->ready ? "ready" : "NOT READY",
	       cli_sgr(ctx, "0"));
	for (size_t i = 0; i < r->ncriteria; i++) {
		const smsaudit_gap_criterion *c = &r->criteria[i];
		char line[2048];
		snprintf(line, sizeof(line), "%s %s%s%s", c->met ? "[ok]" : "[MISS]", c->text, *c->detail ? " — " : "",
		         c->detail);
		fputs("  ", stdout);
		out_wrap(stdout, line, 9, width);
	}
}

static void print_header(const cli_ctx *ctx, const cli_view *v, const smsaudit_gap *gap, const char *what)
{
	char d[11];
	smsaudit_date_format(d, v->as_of);
	printf("%s%s — %s — as of %s, commit %.12s%s\n", cli_sgr(ctx, "1"), what,
	       cli_safe(cli_organisation((cli_view *)v)), d, v->hex, cli_sgr(ctx, "0"));
	size_t ex = smsaudit_gap_excluded_count(gap), np = smsaudit_gap_problem_count(gap);
	if (np)
		printf("%sWARNING%s: the repository fails verification (%zu problem%s); %zu evidence record%s not "
		       "counted. Run 'smsaudit verify' for details.\n",
		       cli_sgr(ctx, "31"), cli_sgr(ctx, "0"), np, np == 1 ? "" : "s", ex, ex == 1 ? " is" : "s are");
}

static int gap_explain(cli_ctx *ctx, analysis *an, const char *id)
{
	const smsaudit_gap_clause *c = NULL;
	if (smsaudit_gap_find(&c, an->gap, id) < 0)
		return cli_fail(smsaudit_error_last()->code);
	if (ctx->format != OUT_TEXT) {
		out_node *o = out_object();
		out_set_str(o, "commit", an->v.hex);
		char d[11];
		smsaudit_date_format(d, an->v.as_of);
		out_set_str(o, "as_of", d);
		put_clause(out_set_obj(o, "clause"), c, 1);
		int rc = out_emit(stdout, o, ctx->format, "explanation");
		out_free(o);
		return rc < 0 ? EXIT_ENV : EXIT_OK;
	}
	int width = out_term_width(ctx);
	print_header(ctx, &an->v, an->gap, "Gap explanation");
	printf("\n%s%s %s%s: %s%s%s\n", cli_sgr(ctx, "1"), c->clause->id, cli_safe(c->clause->title), cli_sgr(ctx, "0"),
	       cli_sgr(ctx, status_colour(c->status)), smsaudit_gap_status_name(c->status), cli_sgr(ctx, "0"));
	for (size_t i = 0; i < c->nreasons; i++) {
		fputs("  - ", stdout);
		out_wrap(stdout, c->reasons[i], 4, width);
	}
	if (c->assessment) {
		char t[21];
		smsaudit_time_format(t, c->assessment->made_at);
		printf("\nLatest self-assessment: %s, %s by %s (%s)%s%s\n",
		       smsaudit_assessment_result_name(c->assessment->assessment.result), t, cli_safe(c->assessed_by),
		       c->assessment->id, c->other_party ? "; operated by " : "", cli_safe(c->other_party));
		fputs("  ", stdout);
		out_wrap(stdout, c->assessment->assessment.note, 2, width);
	} else {
		printf("\nNo self-assessment.\n");
	}
	for (size_t k = 0; k < c->nitems; k++) {
		const smsaudit_gap_item *it = &c->items[k];
		char fresh[64] = "";
		if (it->fresh_months)
			snprintf(fresh, sizeof(fresh), ", within %d months", it->fresh_months);
		printf("\n%s%s%s  %s%s%s (%s%s, %s%s)\n", cli_sgr(ctx, "1"), it->id, cli_sgr(ctx, "0"),
		       cli_sgr(ctx, it->satisfied ? "32" : "31"), it->satisfied ? "satisfied" : "NOT SATISFIED",
		       cli_sgr(ctx, "0"), it->any_kind ? "any kind" : smsaudit_evidence_kind_name(it->kind),
		       it->is_explicit ? ", required documented information" : "",
		       it->stage == SMSAUDIT_STAGE_1 ? "stage 1" : "stage 2", fresh);
		fputs("  ", stdout);
		out_wrap(stdout, it->what, 2, width);
		if (!it->ncandidates)
			printf("  %s\n", cli_safe(it->reason));
		for (size_t j = 0; j < it->ncandidates; j++) {
			const smsaudit_gap_candidate *cd = &it->candidates[j];
			char why[300], d[11];
			smsaudit_gap_candidate_explain(why, sizeof(why), cd);
			smsaudit_date_format(d, cd->evidence->record->made_at);
			char line[1200];
			snprintf(line, sizeof(line), "%s %s \"%s\" signed %s by %s, sha256 %.12s: %s",
			         cd->verdict == SMSAUDIT_CAND_OK ? "+" : "-", cd->evidence->record->id,
			         cd->evidence->record->evidence.title, d, cd->evidence->signer_name,
			         cd->evidence->record->evidence.sha256, why);
			fputs("  ", stdout);
			out_wrap(stdout, line, 6, width);
		}
	}
	return EXIT_OK;
}

static int gap_report(cli_ctx *ctx, analysis *an, const gap_args *a, int stage)
{
	const smsaudit_catalogue *cat = smsaudit_store_catalogue(an->v.store);
	const smsaudit_clause *selected = NULL;
	if (a->clause && smsaudit_catalogue_find(&selected, cat, a->clause) < 0)
		return cli_fail(smsaudit_error_last()->code);
	char d[11];
	smsaudit_date_format(d, an->v.as_of);
	out_node *o = out_object();
	out_set_str(o, "organisation", cli_organisation(&an->v));
	out_set_str(o, "commit", an->v.hex);
	out_set_str(o, "as_of", d);
	out_set_str(o, "catalogue", smsaudit_catalogue_info_get(cat)->id);
	out_set_int(o, "problems", (long long)smsaudit_gap_problem_count(an->gap));
	out_set_int(o, "excluded_evidence", (long long)smsaudit_gap_excluded_count(an->gap));
	put_rollup(out_set_obj(o, "overall"), smsaudit_gap_overall(an->gap));
	out_node *rolls = out_set_arr(o, "rollups", "rollup");
	for (size_t i = 0; i < smsaudit_gap_rollup_count(an->gap); i++)
		put_rollup(out_push_obj(rolls), smsaudit_gap_rollup_at(an->gap, i));
	out_node *stages = out_set_obj(o, "stages");
	put_stage(out_set_obj(stages, "stage1"), smsaudit_gap_stage(an->gap, SMSAUDIT_STAGE_1));
	put_stage(out_set_obj(stages, "stage2"), smsaudit_gap_stage(an->gap, SMSAUDIT_STAGE_2));
	out_node *clauses = out_set_arr(o, "clauses", "clause");
	/* CSV and the text table: one flat row per clause. */
	out_node *rows = out_array("clause");
	for (size_t i = 0; i < smsaudit_gap_clause_count(an->gap); i++) {
		const smsaudit_gap_clause *c = smsaudit_gap_clause_at(an->gap, i);
		if (a->clause && !under(c->clause, a->clause))
			continue;
		put_clause(out_push_obj(clauses), c, 0);
		out_node *r = out_push_obj(rows);
		char title[64], ids[600], reasons[4096];
		snprintf(title, sizeof(title), "%.40s%s", c->clause->title, strlen(c->clause->title) > 40 ? "…" : "");
		satisfying_ids(ids, sizeof(ids), c);
		size_t used = 0;
		reasons[0] = '\0';
		for (size_t k = 0; k < c->nreasons && used < sizeof(reasons); k++)
			used += (size_t)snprintf(reasons + used, sizeof(reasons) - used, "%s%s", k ? " | " : "", c->reasons[k]);
		out_set_str(r, "clause", c->clause->id);
		out_set_str(r, "title", ctx->format == OUT_TEXT ? title : c->clause->title);
		out_set_str(r, "status", smsaudit_gap_status_name(c->status));
		out_set_str(r, "evidence", ids);
		out_set_str(r, "reasons", ctx->format == OUT_TEXT ? (c->nreasons ? c->reasons[0] : "") : reasons);
	}
	int rc = 0;
	if (OUT_TABULAR(ctx->format)) {
		rc = out_emit(stdout, rows, ctx->format, "gap");
	} else if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "gap");
	} else {
		int width = out_term_width(ctx);
		print_header(ctx, &an->v, an->gap, "Gap analysis");
		putchar('\n');
		static const char *const keys[] = { "clause", "title", "status", "evidence", "reasons" };
		static const char *const heads[] = { "CLAUSE", "TITLE", "STATUS", "EVIDENCE", "REASON" };
		out_table(stdout, ctx, rows, keys, heads, 5);
		putchar('\n');
		const smsaudit_gap_rollup *all = smsaudit_gap_overall(an->gap);
		for (size_t i = 0; i < smsaudit_gap_rollup_count(an->gap); i++) {
			const smsaudit_gap_rollup *r = smsaudit_gap_rollup_at(an->gap, i);
			if (a->clause && !under(r->clause, a->clause) && !under(selected, r->clause->id))
				continue; /* --clause: only the part of the standard asked about */
			printf("%-3s %-36.36s ", r->clause->id, r->clause->title);
			print_bar(ctx, r->readiness, 20);
			printf(" %3d%%  (%zu/%zu conformant)\n", (int)(r->readiness * 100 + 0.5), r->conformant, r->total);
		}
		printf("%sReadiness %d%%%s: %zu conformant, %zu partial, %zu gap, %zu not assessed of %zu assessable "
		       "clauses (partial counts half)\n\n",
		       cli_sgr(ctx, "1"), (int)(all->readiness * 100 + 0.5), cli_sgr(ctx, "0"), all->conformant,
		       all->partial, all->gap, all->not_assessed, all->total);
		if (stage != 2)
			print_stage(ctx, "Stage 1", smsaudit_gap_stage(an->gap, SMSAUDIT_STAGE_1), width);
		if (stage != 1)
			print_stage(ctx, "Stage 2", smsaudit_gap_stage(an->gap, SMSAUDIT_STAGE_2), width);
	}
	out_free(rows);
	out_free(o);
	if (rc < 0)
		return EXIT_ENV;
	if (stage && !smsaudit_gap_stage(an->gap, stage == 1 ? SMSAUDIT_STAGE_1 : SMSAUDIT_STAGE_2)->ready)
		return EXIT_CHECK;
	return EXIT_OK;
}

/* ---- trend ---- */

typedef struct {
	smsaudit_oid commit;
	time_t when;
} log_entry;

typedef struct {
	log_entry *v;
	size_t n, a;
} log_list;

static int log_cb(const smsaudit_oid *commit, time_t when, const char *summary, void *u)
{
	(void)summary;
	log_list *l = u;
	if (l->n == l->a) {
		size_t cap = l->a ? l->a * 2 : 256;
		log_entry *p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			return SMSAUDIT_ENOMEM;
		l->v = p;
		l->a = cap;
	}
	l->v[l->n].commit = *commit;
	l->v[l->n].when = when;
	l->n++;
	return 0;
}

static time_t step(time_t t, const char *every)
{
	if (strcmp(every, "week") == 0)
		return t + 7 * 86400;
	if (strcmp(every, "day") == 0)
		return t + 86400;
	return smsaudit_date_add_months(t, strcmp(every, "quarter") == 0 ? 3 : 1);
}

static int parse_as_of(const char *command, const char *at, time_t *out)
{
	if (!at) {
		*out = smsaudit_date_of(smsaudit_now());
		return -1;
	}
	if (smsaudit_date_parse(out, at) < 0)
		return cli_usage(command, "--at: %s", smsaudit_error_last()->message);
	return -1;
}

static int gap_trend(cli_ctx *ctx, const gap_args *a)
{
	const char *every = a->every ? a->every : "month";
	if (strcmp(every, "day") && strcmp(every, "week") && strcmp(every, "month") && strcmp(every, "quarter"))
		return cli_usage("gap", "--every takes day, week, month or quarter, not '%s'", every);
	if (a->commit || a->explain || a->clause)
		return cli_usage("gap", "--trend evaluates each date at the commit current then; it takes --from, --at "
		                        "and --every only");
	time_t to, from = 0;
	int rc = parse_as_of("gap", a->at, &to);
	if (rc >= 0)
		return rc;
	if (a->from && smsaudit_date_parse(&from, a->from) < 0)
		return cli_usage("gap", "--from: %s", smsaudit_error_last()->message);
	smsaudit_store *store = NULL;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	log_list log = { NULL, 0, 0 };
	int r = smsaudit_repo_log(smsaudit_store_repo(store), log_cb, &log);
	if (r < 0) {
		free(log.v);
		smsaudit_store_free(store);
		return cli_fail(r);
	}
	if (!a->from)
		from = log.n ? smsaudit_date_of(log.v[log.n - 1].when) : to;
	if (from > to) {
		free(log.v);
		smsaudit_store_free(store);
		return cli_usage("gap", "--from is after --at");
	}
	out_node *rows = out_array("point");
	const smsaudit_catalogue *cat = smsaudit_store_catalogue(store);
	smsaudit_state *st = NULL;
	smsaudit_oid st_commit;
	size_t npoints = 0;
	for (time_t d = from; d <= to && r == 0; d = step(d, every)) {
		if (++npoints > 1000) {
			r = cli_usage("gap", "more than 1000 points; choose a later --from or a longer --every");
			break;
		}
		/* The log is newest first: the first commit at or before the end of d. */
		const log_entry *at = NULL;
		for (size_t i = 0; i < log.n && !at; i++)
			if (log.v[i].when <= smsaudit_day_end(d))
				at = &log.v[i];
		char ds[11], hex[41] = "";
		smsaudit_date_format(ds, d);
		out_node *row = out_push_obj(rows);
		out_set_str(row, "date", ds);
		if (!at) {
			/* Before the first commit: an empty row, so every row has the same columns. */
			static const char *const cols[] = { "commit", "readiness_percent", "conformant", "partial", "gap",
			                                    "not_assessed", "stage1", "stage2", "problems" };
			for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
				out_set_str(row, cols[i], "");
			continue;
		}
		if (!st || memcmp(&st_commit, &at->commit, sizeof(st_commit)) != 0) {
			smsaudit_state_free(st);
			st = NULL;
			if ((r = smsaudit_state_load(&st, store, &at->commit, a->no_cache || ctx->no_cache ? 0 : SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX)) < 0)
				break;
			st_commit = at->commit;
		}
		smsaudit_gap *g = NULL;
		smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
		go.as_of = d;
		if ((r = smsaudit_gap_compute(&g, cat, st, &go)) < 0)
			break;
		const smsaudit_gap_rollup *all = smsaudit_gap_overall(g);
		smsaudit_oid_fmt(hex, &at->commit);
		hex[12] = '\0';
		out_set_str(row, "commit", hex);
		out_set_int(row, "readiness_percent", (long long)(all->readiness * 100 + 0.5));
		out_set_int(row, "conformant", (long long)all->conformant);
		out_set_int(row, "partial", (long long)all->partial);
		out_set_int(row, "gap", (long long)all->gap);
		out_set_int(row, "not_assessed", (long long)all->not_assessed);
		out_set_str(row, "stage1", smsaudit_gap_stage(g, SMSAUDIT_STAGE_1)->ready ? "ready" : "not ready");
		out_set_str(row, "stage2", smsaudit_gap_stage(g, SMSAUDIT_STAGE_2)->ready ? "ready" : "not ready");
		out_set_int(row, "problems", (long long)smsaudit_gap_problem_count(g));
		smsaudit_gap_free(g);
		if (ctx->tty && ctx->format == OUT_TEXT)
			fprintf(stderr, "\rtrend: %s", ds);
	}
	if (ctx->tty && ctx->format == OUT_TEXT)
		fputs("\r\033[K", stderr);
	smsaudit_state_free(st);
	free(log.v);
	if (r < 0 || r > 0) {
		out_free(rows);
		smsaudit_store_free(store);
		return r > 0 ? r : cli_fail(r);
	}
	if (ctx->format == OUT_TEXT) {
		printf("%sReadiness trend — %s — every %s%s\n\n", cli_sgr(ctx, "1"), cli_safe(smsaudit_store_organisation(store)),
		       every, cli_sgr(ctx, "0"));
		static const char *const keys[] = { "date", "commit", "readiness_percent", "conformant", "partial", "gap",
		                                    "not_assessed", "stage1", "stage2" };
		static const char *const heads[] = { "DATE", "COMMIT", "READY%", "CONF", "PART", "GAP", "N/A", "STAGE 1",
		                                     "STAGE 2" };
		out_table(stdout, ctx, rows, keys, heads, 9);
		rc = EXIT_OK;
	} else {
		rc = out_emit(stdout, rows, ctx->format, "trend") < 0 ? EXIT_ENV : EXIT_OK;
	}
	out_free(rows);
	smsaudit_store_free(store);
	return rc;
}

int cmd_gap(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = {
		{ "at", 1, O_AT, 0 }, { "commit", 1, O_COMMIT, 0 }, { "stage", 1, O_STAGE, 0 }, { "clause", 1, O_CLAUSE, 0 },
		{ "explain", 1, O_EXPLAIN, 0 }, { "trend", 0, O_TREND, 0 }, { "from", 1, O_FROM, 0 },
		{ "every", 1, O_EVERY, 0 }, { "no-cache", 0, O_NO_CACHE, 0 }, { NULL, 0, 0, 0 }
	};
	gap_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "gap", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("gap", "unexpected argument; use --clause ID or --explain ID");
	int stage = 0;
	if (a.stage) {
		if (strcmp(a.stage, "stage1") == 0 || strcmp(a.stage, "1") == 0)
			stage = 1;
		else if (strcmp(a.stage, "stage2") == 0 || strcmp(a.stage, "2") == 0)
			stage = 2;
		else
			return cli_usage("gap", "--stage takes stage1 or stage2, not '%s'", a.stage);
	}
	if (a.trend)
		return gap_trend(ctx, &a);
	if (a.from || a.every)
		return cli_usage("gap", "--from and --every go with --trend");
	analysis an;
	if ((rc = analysis_open(ctx, &an, "gap", a.at, a.commit, a.no_cache)) >= 0)
		return rc;
	rc = a.explain ? gap_explain(ctx, &an, a.explain) : gap_report(ctx, &an, &a, stage);
	analysis_close(&an);
	return rc;
}

/* ---- status ---- */

/* The rules (what is expiring, due soon, overdue or lapsing, the next audit,
 * the cycle's next item and holes) are smsaudit_status_compute's; this lays
 * its result out. */
int cmd_status(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "at", 1, O_AT, 0 }, { "no-cache", 0, O_NO_CACHE, 0 }, { NULL, 0, 0, 0 } };
	gap_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "status", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("status", "unexpected argument");
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "status", a.at, NULL, a.no_cache)) >= 0)
		return rc;
	smsaudit_status *s = NULL;
	int r = smsaudit_status_compute(&s, smsaudit_store_catalogue(v.store), v.st, v.as_of, SMSAUDIT_STATUS_WINDOW_DAYS);
	if (r < 0) {
		cli_view_close(&v);
		return cli_fail(r);
	}
	const smsaudit_gap *gap = smsaudit_status_gap(s);
	int win = smsaudit_status_window(s);
	char d[11];
	smsaudit_date_format(d, v.as_of);
	out_node *o = out_object();
	out_set_str(o, "organisation", cli_organisation(&v));
	out_set_str(o, "commit", v.hex);
	out_set_str(o, "as_of", d);
	out_set_int(o, "problems", (long long)smsaudit_gap_problem_count(gap));
	put_rollup(out_set_obj(o, "overall"), smsaudit_gap_overall(gap));
	out_set_bool(o, "stage1_ready", smsaudit_gap_stage(gap, SMSAUDIT_STAGE_1)->ready);
	out_set_bool(o, "stage2_ready", smsaudit_gap_stage(gap, SMSAUDIT_STAGE_2)->ready);
	/* The certificate in force, and a warning from SMSAUDIT_CERT_WARN_DAYS before it expires. */
	const smsaudit_record *cert = smsaudit_status_certificate(s);
	long cert_days = smsaudit_status_certificate_days(s);
	char cert_line[700] = "";
	out_node *co_cert = out_set_obj(o, "certificate");
	if (cert) {
		const smsaudit_certificate_body *cb = &cert->certificate;
		char iss[11], exp[11];
		smsaudit_date_format(iss, cb->issued);
		smsaudit_date_format(exp, cb->expires);
		out_set_str(co_cert, "number", cb->number);
		out_set_str(co_cert, "body", cb->body);
		out_set_str(co_cert, "issued", iss);
		out_set_str(co_cert, "expires", exp);
		out_set_int(co_cert, "days_left", cert_days);
		out_set_bool(co_cert, "warning", smsaudit_status_certificate_warning(s));
		snprintf(cert_line, sizeof(cert_line), "%s by %s, issued %s, %s %s%s", cb->number, cb->body, iss,
		         cert_days < 0 ? "expired" : "expires", exp, "");
		if (cert_days >= 0 && smsaudit_status_certificate_warning(s))
			snprintf(cert_line + strlen(cert_line), sizeof(cert_line) - strlen(cert_line),
			         " - WARNING: expires in %ld day%s; the recertification decision must come before it", cert_days,
			         cert_days == 1 ? "" : "s");
		else if (cert_days < 0)
			snprintf(cert_line + strlen(cert_line), sizeof(cert_line) - strlen(cert_line),
			         " - WARNING: expired %ld day%s ago", -cert_days, cert_days == -1 ? "" : "s");
	}
	out_node *gaps = out_set_arr(o, "gaps", "clause");
	size_t ngaps = smsaudit_status_gap_count(s);
	for (size_t i = 0; i < ngaps; i++) {
		const smsaudit_gap_clause *c = smsaudit_status_gap_at(s, i);
		out_node *g = out_push_obj(gaps);
		out_set_str(g, "clause", c->clause->id);
		out_set_str(g, "title", c->clause->title);
		out_set_str(g, "reason", c->nreasons ? c->reasons[0] : "");
	}
	size_t nexp = smsaudit_status_expiring_count(s);
	out_node *ex = out_set_arr(o, "expiring", "evidence");
	for (size_t i = 0; i < nexp; i++) {
		const smsaudit_status_expiring *x = smsaudit_status_expiring_at(s, i);
		out_node *e = out_push_obj(ex);
		char vu[11];
		smsaudit_date_format(vu, x->evidence->record->evidence.valid_until);
		out_set_str(e, "id", x->evidence->record->id);
		out_set_str(e, "title", x->evidence->record->evidence.title);
		out_set_str(e, "valid_until", vu);
		out_set_int(e, "days_left", x->days_left);
	}
	size_t windows[3] = { smsaudit_status_expiring_in(s, 0), smsaudit_status_expiring_in(s, 1),
	                      smsaudit_status_expiring_in(s, 2) };
	size_t awaiting = smsaudit_state_awaiting_stamp(v.st);
	out_set_int(o, "awaiting_time_stamp", (long long)awaiting);
	out_set_int(o, "expiring_30", (long long)windows[0]);
	out_set_int(o, "expiring_60", (long long)windows[1]);
	out_set_int(o, "expiring_90", (long long)windows[2]);
	size_t noverdue = smsaudit_status_overdue_count(s), nsoon = smsaudit_status_due_soon_count(s);
	out_node *dues = out_set_arr(o, "deadlines", "deadline");
	out_node *due_rows = out_array("deadline");
	for (size_t i = 0; i < smsaudit_status_deadline_count(s); i++) {
		const smsaudit_status_deadline *dl = smsaudit_status_deadline_at(s, i);
		char due[11];
		smsaudit_date_format(due, dl->deadline.due);
		for (int copy = 0; copy < 2; copy++) {
			out_node *row = out_push_obj(copy ? due_rows : dues);
			out_set_str(row, "finding", dl->finding->number);
			out_set_str(row, "due", due);
			out_set_str(row, "status", dl->status == SMSAUDIT_DUE_OVERDUE ? "OVERDUE" : "due soon");
			out_set_str(row, "what", dl->deadline.what);
		}
	}
	size_t open_major = smsaudit_status_open_findings(s, SMSAUDIT_GRADE_MAJOR);
	size_t open_minor = smsaudit_status_open_findings(s, SMSAUDIT_GRADE_MINOR);
	size_t open_other = smsaudit_status_open_findings(s, SMSAUDIT_GRADE_OBSERVATION) +
	                    smsaudit_status_open_findings(s, SMSAUDIT_GRADE_IMPROVEMENT);
	out_set_int(o, "open_major", (long long)open_major);
	out_set_int(o, "open_minor", (long long)open_minor);
	out_set_int(o, "open_other", (long long)open_other);
	const smsaudit_audit *next = smsaudit_status_next_audit(s);
	out_node *na = out_set_obj(o, "next_audit");
	char next_line[300] = "none planned (smsaudit audit plan --help)";
	if (next) {
		char f[11], t[11];
		smsaudit_date_format(f, next->plan->audit.planned_from);
		smsaudit_date_format(t, next->plan->audit.planned_to);
		out_set_str(na, "id", next->plan->id);
		out_set_str(na, "type", smsaudit_audit_type_name(next->plan->audit.type));
		out_set_str(na, "from", f);
		out_set_str(na, "to", t);
		out_set_int(na, "days_to_go", (long long)smsaudit_status_next_audit_days(s));
		snprintf(next_line, sizeof(next_line), "%s %s..%s (%s), %s", smsaudit_audit_type_name(next->plan->audit.type),
		         f, t, next->plan->audit.body, next->plan->id);
	}
	const smsaudit_cycle *cy = smsaudit_status_cycle(s);
	char cycle_line[400] = "";
	if (cy) {
		out_node *co = out_set_obj(o, "cycle");
		const smsaudit_cycle_item *nx = smsaudit_status_cycle_next(s);
		char name[40] = "", due[11] = "", x[11] = "";
		if (nx)
			cli_cycle_item_name(name, sizeof(name), nx);
		if (nx && nx->due)
			smsaudit_date_format(due, nx->due);
		if (smsaudit_cycle_expiry(cy))
			smsaudit_date_format(x, smsaudit_cycle_expiry(cy));
		out_set_str(co, "phase", smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(cy)));
		out_set_str(co, "expiry", x);
		out_set_str(co, "next", name);
		out_set_str(co, "next_due", due);
		out_set_str(co, "next_status", nx ? smsaudit_item_status_name(nx->status) : "");
		out_set_int(co, "coverage_holes", (long long)smsaudit_status_coverage_holes(s));
		out_set_int(co, "programme_holes", (long long)smsaudit_status_programme_holes(s));
		snprintf(cycle_line, sizeof(cycle_line), "%s%s%s; next: %s%s%s%s%s; clauses uncovered: %zu by the cycle's audits, "
		         "%zu by internal audits in %d",
		         smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(cy)), x[0] ? " until " : "", x,
		         nx ? name : "nothing due", due[0] ? " due " : "", due, nx ? ", " : "",
		         nx ? smsaudit_item_status_name(nx->status) : "", smsaudit_status_coverage_holes(s),
		         smsaudit_status_programme_holes(s), smsaudit_status_programme_year(s));
	}
	out_set_int(o, "deadlines_overdue", (long long)noverdue);
	out_set_int(o, "deadlines_due_soon", (long long)nsoon);
	const char *sms_conflicts = "";
	int sms_merged = smsaudit_state_sms_concurrent(v.st, &sms_conflicts);
	out_set_str(o, "sms_merged_concurrent_versions", sms_merged ? "yes" : "no");
	out_set_str(o, "sms_changed_on_both", sms_conflicts);
	size_t nconc = smsaudit_status_concurrent_count(s);
	char conc_line[400] = "";
	out_node *conc = out_set_arr(o, "concurrent_steps", "finding");
	for (size_t i = 0, used = 0; i < nconc; i++) {
		const smsaudit_finding *f = smsaudit_status_concurrent_at(s, i);
		out_set_str(out_push_obj(conc), "number", f->number);
		int k = snprintf(conc_line + used, sizeof(conc_line) - used, "%s%s", i ? ", " : "", f->number);
		if (k > 0 && (size_t)k < sizeof(conc_line) - used)
			used += (size_t)k;
	}
	out_node *lapse = out_set_arr(o, "lapsing", "item");
	out_node *lapse_rows = out_array("item");
	size_t nlapse = smsaudit_status_lapse_count(s);
	for (size_t i = 0; i < nlapse; i++) {
		const smsaudit_status_lapse *l = smsaudit_status_lapse_at(s, i);
		for (int copy = 0; copy < 2; copy++) {
			out_node *it = out_push_obj(copy ? lapse_rows : lapse);
			out_set_str(it, "item", l->item->id);
			out_set_str(it, "clause", l->clause->clause->id);
			out_set_int(it, "within_days", l->within_days);
			out_set_str(it, "then", l->then->reason);
		}
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "status") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		int width = out_term_width(ctx);
		print_header(ctx, &v, gap, "SMS status");
		const smsaudit_gap_rollup *all = smsaudit_gap_overall(gap);
		printf("\nReadiness  ");
		print_bar(ctx, all->readiness, 30);
		printf(" %d%%  (%zu conformant, %zu partial, %zu gap, %zu not assessed of %zu)\n",
		       (int)(all->readiness * 100 + 0.5), all->conformant, all->partial, all->gap, all->not_assessed,
		       all->total);
		int s1 = smsaudit_gap_stage(gap, SMSAUDIT_STAGE_1)->ready, s2 = smsaudit_gap_stage(gap, SMSAUDIT_STAGE_2)->ready;
		printf("Stage 1    %s%s%s    Stage 2    %s%s%s    (smsaudit gap --stage stage1|stage2 for reasons)\n",
		       cli_sgr(ctx, s1 ? "32" : "31"), s1 ? "ready" : "not ready", cli_sgr(ctx, "0"),
		       cli_sgr(ctx, s2 ? "32" : "31"), s2 ? "ready" : "not ready", cli_sgr(ctx, "0"));
		printf("\n%sClauses with gaps: %zu%s\n", cli_sgr(ctx, "1"), ngaps, cli_sgr(ctx, "0"));
		for (size_t i = 0; i < ngaps; i++) {
			const smsaudit_gap_clause *c = smsaudit_status_gap_at(s, i);
			char line[1024];
			snprintf(line, sizeof(line), "%-9s %s: %s", c->clause->id, c->clause->title,
			         c->nreasons ? c->reasons[0] : "");
			fputs("  ", stdout);
			out_wrap(stdout, line, 12, width);
		}
		if (cert) {
			int warn = smsaudit_status_certificate_warning(s);
			printf("\n%sCertificate%s: %s", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), warn ? cli_sgr(ctx, "31") : "");
			out_wrap(stdout, cert_line, 2, width);
			if (warn)
				printf("%s", cli_sgr(ctx, "0"));
		}
		printf("\n%sNext audit%s: %s\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), cli_safe(next_line));
		if (cycle_line[0]) {
			printf("%sCycle%s: ", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"));
			out_wrap(stdout, cycle_line, 2, width);
		}
		printf("\n%sOpen findings%s: %zu major, %zu minor, %zu observation/OFI; deadlines: %s%zu overdue%s, %zu due "
		       "within %d days\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), open_major, open_minor, open_other,
		       cli_sgr(ctx, noverdue ? "31" : "0"), noverdue, cli_sgr(ctx, "0"), nsoon, win);
		if (noverdue + nsoon) {
			static const char *const keys[] = { "finding", "due", "status", "what" };
			static const char *const heads[] = { "FINDING", "DUE", "STATUS", "WHAT" };
			out_table(stdout, ctx, due_rows, keys, heads, 4);
		}
		printf("\n%sEvidence expiring%s: %zu within %d days, %zu in %d-%d, %zu in %d-%d\n", cli_sgr(ctx, "1"),
		       cli_sgr(ctx, "0"), windows[0], win, windows[1], win + 1, 2 * win, windows[2], 2 * win + 1, 3 * win);
		for (size_t i = 0; i < nexp; i++) {
			const smsaudit_evidence_entry *e = smsaudit_status_expiring_at(s, i)->evidence;
			char vu[11];
			smsaudit_date_format(vu, e->record->evidence.valid_until);
			printf("  %s  %s  %s\n", vu, e->record->id, cli_safe(e->record->evidence.title));
		}
		printf("\n%sExpected items that stop being satisfied within %d days%s: %zu\n", cli_sgr(ctx, "1"), 3 * win,
		       cli_sgr(ctx, "0"), nlapse);
		if (nlapse) {
			static const char *const keys[] = { "item", "within_days", "then" };
			static const char *const heads[] = { "ITEM", "DAYS", "THEN" };
			out_table(stdout, ctx, lapse_rows, keys, heads, 3);
		}
		if (sms_merged)
			printf("\n%sSMS description%s: merged from versions changed concurrently on two clones%s%s%s "
			       "(smsaudit sms show)\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), *sms_conflicts ? "; both changed " : "",
			       cli_safe(sms_conflicts), *sms_conflicts ? ", the later version's kept" : "");
		if (nconc) {
			printf("\n%sConcurrent steps to settle%s: %zu finding%s (", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), nconc,
			       nconc == 1 ? "" : "s");
			printf("signed on different clones; see smsaudit finding show): %s\n", conc_line);
		}
		if (awaiting)
			printf("\n%sWaiting for a time-stamp token%s: %zu record%s (the time-stamping authority did not answer; "
			       "run smsaudit stamp)\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), awaiting, awaiting == 1 ? "" : "s");
		rc = EXIT_OK;
	}
	out_free(due_rows);
	out_free(lapse_rows);
	out_free(o);
	smsaudit_status_free(s);
	cli_view_close(&v);
	return rc;
}
