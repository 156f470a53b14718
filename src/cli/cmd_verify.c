/* smsaudit verify [--at REV] [--no-content] [--no-cache] [--anchor SHA256] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_AT = 1, O_NO_CONTENT, O_ANCHOR, O_NO_CACHE };

typedef struct {
	const char *at;
	const char *anchor;
	int no_content;
	int no_cache;
} verify_args;

static int on_opt(int id, const char *arg, void *u)
{
	verify_args *a = u;
	if (id == O_AT)
		a->at = arg;
	else if (id == O_NO_CONTENT)
		a->no_content = 1;
	else if (id == O_ANCHOR)
		a->anchor = arg;
	else if (id == O_NO_CACHE)
		a->no_cache = 1;
	return -1;
}

static int anchor_ok(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789abcdefABCDEF", *p))
			return 0;
	return 1;
}

/* A damaged repository is a failed check, said as one: what cannot be read. */
static int damaged(cli_ctx *ctx)
{
	const smsaudit_error *e = smsaudit_error_last();
	if (ctx->format == OUT_TEXT) {
		printf("%sFAIL%s %s\n", cli_sgr(ctx, "31"), cli_sgr(ctx, "0"), cli_safe(e ? e->message : "damaged repository"));
		printf("%sverify failed%s: the repository is damaged; restore it from a clone or a backup\n",
		       cli_sgr(ctx, "31"), cli_sgr(ctx, "0"));
	} else {
		out_node *o = out_object();
		out_set_str(o, "damaged", e ? e->message : "damaged repository");
		out_set_int(o, "problems", 1);
		out_emit(stdout, o, ctx->format, "verification");
		out_free(o);
	}
	return EXIT_CHECK;
}

const char cmd_verify_help[] =
	"usage: smsaudit verify [--at REV] [--no-content] [--no-cache] [--anchor SHA256]\n"
	"\n"
	"Replays the history of main (or REV) from its first commit, all parents, in\n"
	"commit order. Each commit's new records are judged against the grants,\n"
	"revocations and replaced certificates in effect at that commit, never by the\n"
	"times the records claim; nothing an earlier commit added may be changed or\n"
	"removed; every file must be a record, its signature, content an evidence record\n"
	"names, a trust anchor or the SMS description. Signing times after the commit\n"
	"that added a record, or ahead of this machine's clock, fail (300 s skew).\n"
	"Every record is checked against its schema and path, every signature against\n"
	"the trust anchors, every content file against its SHA-256 and size (skip with\n"
	"--no-content), findings and audits against their rules.\n"
	"\n"
	"Prints the trust anchor's fingerprint and holds it against the pin kept for this\n"
	"repository in your configuration ($SMSAUDIT_CONFIG, else ~/.config/smsaudit):\n"
	"init pins the anchor, a clean verify of main pins every record it accepted, and\n"
	"a later verify fails when the anchor differs, a pinned record is gone from main's\n"
	"history, or an audit/* tag or pack seal names a commit outside it. --anchor\n"
	"checks the fingerprint you got from the organisation out of band.\n"
	"\n"
	"A clean verify of main also pins a checkpoint: that commit and what it counted.\n"
	"When main continues it and the commits since only add evidence and\n"
	"self-assessments that pass every rule, only those commits are judged (against\n"
	"the authority in effect at the checkpoint); anything else replays the whole\n"
	"history, so problems read the same either way. Results of earlier runs are\n"
	"reused from smsaudit-cache/ (protected by a secret in your configuration).\n"
	"--no-cache replays and reads everything again, ignoring the checkpoint and\n"
	"the caches: the way to find damage in objects a checkpoint vouched for.\n"
	"One line per problem, then a summary. Exit status 1 when anything fails,\n"
	"including a damaged repository (an object that cannot be read).\n"
	"\n"
	"example:\n"
	"  smsaudit --repo evidence.git verify --anchor 3fa9c0...e21b\n";


int cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "at", 1, O_AT, 0 }, { "no-content", 0, O_NO_CONTENT, 0 },
		                           { "anchor", 1, O_ANCHOR, 0 }, { "no-cache", 0, O_NO_CACHE, 0 },
		                           { NULL, 0, 0, 0 } };
	verify_args a = { NULL, NULL, 0, 0 };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "verify", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("verify", "unexpected argument");
	if (a.anchor && !anchor_ok(a.anchor))
		return cli_usage("verify", "--anchor takes the 64 hex digits of the trust anchor's SHA-256 fingerprint");
	smsaudit_store *store = NULL;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	smsaudit_oid at;
	smsaudit_verify_options vo = SMSAUDIT_VERIFY_OPTIONS_INIT;
	vo.check_content = !a.no_content;
	vo.full = a.no_cache;
	vo.expected_anchor = a.anchor;
	int r = a.at ? smsaudit_repo_resolve(&at, smsaudit_store_repo(store), a.at) : 0;
	if (a.at)
		vo.at = &at;
	smsaudit_verification v;
	memset(&v, 0, sizeof(v));
	if (r == 0)
		r = smsaudit_verify(&v, store, &vo);
	if (r == SMSAUDIT_EDAMAGED) {
		smsaudit_store_free(store);
		return damaged(ctx);
	}
	if (r < 0) {
		smsaudit_store_free(store);
		return cli_fail(r);
	}
	char hex[41];
	smsaudit_oid_fmt(hex, &v.commit);
	out_node *o = out_object();
	out_set_str(o, "commit", hex);
	out_set_str(o, "anchor", v.anchor);
	out_set_str(o, "pinned", v.pinned ? "yes" : "no");
	out_set_int(o, "records", (long long)v.records);
	out_set_int(o, "evidence", (long long)v.evidence);
	out_set_int(o, "content_checked", (long long)v.content_checked);
	out_set_str(o, "replay", v.since_checkpoint ? "since-checkpoint" : "whole-history");
	out_set_int(o, "commits_judged", (long long)v.commits_judged);
	out_set_int(o, "problems", (long long)v.nproblems);
	out_node *arr = out_set_arr(o, "problem_list", "problem");
	if (ctx->format == OUT_TEXT)
		printf("trust anchor: %s%s\n", v.anchor,
		       a.anchor ? " (checked against --anchor)" : v.pinned ? " (pinned on this machine)" : " (not pinned yet)");
	for (size_t i = 0; i < v.nproblems; i++) {
		const smsaudit_problem *p = &v.problems[i];
		out_node *po = out_push_obj(arr);
		out_set_str(po, "path", p->path[0] ? p->path : NULL);
		out_set_str(po, "id", p->id[0] ? p->id : NULL);
		out_set_str(po, "message", p->message);
		/* path: id: message; a problem of the history as a whole names neither */
		const char *where = p->path[0] ? p->path : p->id[0] ? p->id : "history";
		if (ctx->format == OUT_TEXT)
			/* Paths come from git trees anyone can write: shown, never obeyed. */
			printf("%sFAIL%s %s%s%s: %s\n", cli_sgr(ctx, "31"), cli_sgr(ctx, "0"), cli_safe(where),
			       p->path[0] && p->id[0] ? ": " : "", cli_safe(p->path[0] ? p->id : ""), cli_safe(p->message));
	}
	if (v.pin_warning[0])
		cli_warning("the pin was not saved: %s", v.pin_warning);
	if (ctx->format == OUT_TEXT) {
		char how[80] = "";
		if (v.since_checkpoint)
			snprintf(how, sizeof(how), "; %zu new commit%s judged since the checkpoint", v.commits_judged,
			         v.commits_judged == 1 ? "" : "s");
		printf("%s%s%s: %zu record%s, %zu evidence file%s (%zu content digest%s checked) at %.12s: %zu problem%s%s%s\n",
		       cli_sgr(ctx, v.nproblems ? "31" : "32"), v.nproblems ? "verify failed" : "verify ok", cli_sgr(ctx, "0"),
		       v.records, v.records == 1 ? "" : "s", v.evidence, v.evidence == 1 ? "" : "s", v.content_checked,
		       v.content_checked == 1 ? "" : "s", hex, v.nproblems, v.nproblems == 1 ? "" : "s", how,
		       v.pinned_now ? "; pinned" : "");
	} else {
		out_emit(stdout, o, ctx->format, "verification");
	}
	out_free(o);
	int failed = v.nproblems != 0;
	smsaudit_verification_dispose(&v);
	smsaudit_store_free(store);
	return failed ? EXIT_CHECK : EXIT_OK;
}
