/* smsaudit verify [--at COMMIT] [--no-content] */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_AT = 1, O_NO_CONTENT };

typedef struct {
	const char *at;
	int no_content;
} verify_args;

static int on_opt(int id, const char *arg, void *u)
{
	verify_args *a = u;
	if (id == O_AT)
		a->at = arg;
	else if (id == O_NO_CONTENT)
		a->no_content = 1;
	return -1;
}

int cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "at", 1, O_AT, 0 }, { "no-content", 0, O_NO_CONTENT, 0 }, { NULL, 0, 0, 0 } };
	verify_args a = { NULL, 0 };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "verify", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("verify", "unexpected argument");
	smsaudit_store *store = NULL;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	smsaudit_oid at;
	int r = a.at ? smsaudit_repo_resolve(&at, smsaudit_store_repo(store), a.at)
	             : smsaudit_repo_head(&at, smsaudit_store_repo(store));
	smsaudit_state *st = NULL;
	if (r == 0)
		r = smsaudit_state_load(&st, store, &at, a.no_content ? 0 : SMSAUDIT_STATE_CHECK_CONTENT);
	if (r < 0) {
		smsaudit_store_free(store);
		return cli_fail(r);
	}
	char hex[41];
	smsaudit_oid_fmt(hex, &at);
	size_t np = smsaudit_state_problem_count(st);
	out_node *o = out_object();
	out_set_str(o, "commit", hex);
	out_set_int(o, "records", (long long)smsaudit_state_record_count(st));
	out_set_int(o, "evidence", (long long)smsaudit_state_evidence_count(st));
	out_set_int(o, "content_checked", (long long)smsaudit_state_content_checked(st));
	out_set_int(o, "problems", (long long)np);
	out_node *arr = out_set_arr(o, "problem_list", "problem");
	for (size_t i = 0; i < np; i++) {
		const smsaudit_problem *p = smsaudit_state_problem_at(st, i);
		out_node *po = out_push_obj(arr);
		out_set_str(po, "path", p->path);
		out_set_str(po, "id", p->id[0] ? p->id : NULL);
		out_set_str(po, "message", p->message);
		if (ctx->format == OUT_TEXT)
			printf("%sFAIL%s %s%s%s: %s\n", cli_sgr(ctx, "31"), cli_sgr(ctx, "0"), p->path, p->id[0] ? ": " : "",
			       p->id, p->message);
	}
	if (ctx->format == OUT_TEXT)
		printf("%s%s%s: %zu records, %zu evidence files (%zu content digests checked) at %.12s: %zu problem%s\n",
		       cli_sgr(ctx, np ? "31" : "32"), np ? "verify failed" : "verify ok", cli_sgr(ctx, "0"),
		       smsaudit_state_record_count(st), smsaudit_state_evidence_count(st),
		       smsaudit_state_content_checked(st), hex, np, np == 1 ? "" : "s");
	else
		out_emit(stdout, o, ctx->format, "verification");
	out_free(o);
	smsaudit_state_free(st);
	smsaudit_store_free(store);
	return np ? EXIT_CHECK : EXIT_OK;
}
