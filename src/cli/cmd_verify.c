/* smsaudit verify [--at REV] [--no-content] [--no-cache] [--anchor SHA256] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/pin.h"

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
	"checks the fingerprint you got from the organisation out of band. Results of\n"
	"earlier runs are reused from smsaudit-cache/ (protected by a secret in your\n"
	"configuration); --no-cache walks and checks everything again.\n"
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
	smsaudit_oid at, head;
	int r = smsaudit_repo_head(&head, smsaudit_store_repo(store));
	if (r == 0)
		r = a.at ? smsaudit_repo_resolve(&at, smsaudit_store_repo(store), a.at) : 0;
	if (r == 0 && !a.at)
		at = head;
	smsaudit_state *st = NULL;
	if (r == 0)
		/* The signature cache is this user's own earlier work, keyed by a secret
		 * of theirs (an edited cache is not believed); --no-cache checks every
		 * signature again. */
		r = smsaudit_state_load(&st, store, &at,
		                        SMSAUDIT_STATE_REPORT_DAMAGE | (a.no_content ? 0 : SMSAUDIT_STATE_CHECK_CONTENT) |
		                                (a.no_cache ? SMSAUDIT_STATE_NO_HISTORY_CACHE : SMSAUDIT_STATE_USE_CACHE));
	if (r == SMSAUDIT_EDAMAGED) {
		smsaudit_store_free(store);
		return damaged(ctx);
	}
	if (r < 0) {
		smsaudit_store_free(store);
		return cli_fail(r);
	}
	/* The pin and the checkpoints: what this machine saw before. */
	int at_main = memcmp(at.id, head.id, sizeof(at.id)) == 0;
	smsaudit_problem *extra = NULL;
	size_t nextra = 0;
	smsaudit_pin_status pin;
	if ((r = smsaudit_pin_check(&pin, &extra, &nextra, store, st, a.anchor, at_main)) < 0) {
		free(extra);
		smsaudit_state_free(st);
		smsaudit_store_free(store);
		return cli_fail(r);
	}
	char hex[41];
	smsaudit_oid_fmt(hex, &at);
	size_t nstate = smsaudit_state_problem_count(st), np = nstate + nextra;
	out_node *o = out_object();
	out_set_str(o, "commit", hex);
	out_set_str(o, "anchor", pin.anchor);
	out_set_str(o, "pinned", pin.pinned ? "yes" : "no");
	out_set_int(o, "records", (long long)smsaudit_state_record_count(st));
	out_set_int(o, "evidence", (long long)smsaudit_state_evidence_count(st));
	out_set_int(o, "content_checked", (long long)smsaudit_state_content_checked(st));
	out_set_int(o, "problems", (long long)np);
	out_node *arr = out_set_arr(o, "problem_list", "problem");
	if (ctx->format == OUT_TEXT)
		printf("trust anchor: %s%s\n", pin.anchor,
		       a.anchor ? " (checked against --anchor)" : pin.pinned ? " (pinned on this machine)" : " (not pinned yet)");
	for (size_t i = 0; i < np; i++) {
		const smsaudit_problem *p = i < nstate ? smsaudit_state_problem_at(st, i) : &extra[i - nstate];
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
	/* A clean verify of main pins what it accepted; a failing one changes nothing. */
	int pinned_now = 0;
	if (np == 0 && at_main) {
		if (smsaudit_pin_save(store, st, smsaudit_state_root(st)) == 0)
			pinned_now = 1;
		else
			cli_warning("the pin was not saved: %s", smsaudit_error_last()->message);
	}
	if (ctx->format == OUT_TEXT)
		printf("%s%s%s: %zu records, %zu evidence files (%zu content digests checked) at %.12s: %zu problem%s%s\n",
		       cli_sgr(ctx, np ? "31" : "32"), np ? "verify failed" : "verify ok", cli_sgr(ctx, "0"),
		       smsaudit_state_record_count(st), smsaudit_state_evidence_count(st),
		       smsaudit_state_content_checked(st), hex, np, np == 1 ? "" : "s",
		       pinned_now ? "; pinned" : "");
	else
		out_emit(stdout, o, ctx->format, "verification");
	out_free(o);
	free(extra);
	smsaudit_state_free(st);
	smsaudit_store_free(store);
	return np ? EXIT_CHECK : EXIT_OK;
}
