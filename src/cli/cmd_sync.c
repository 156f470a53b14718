/* smsaudit clone URL [DIR]; smsaudit sync */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A problem of a verification, as verify prints it. */
static void print_problems(cli_ctx *ctx, const smsaudit_verification *v)
{
	for (size_t i = 0; i < v->nproblems; i++) {
		const smsaudit_problem *p = &v->problems[i];
		const char *where = p->path[0] ? p->path : p->id[0] ? p->id : "history";
		printf("%sFAIL%s %s%s%s: %s\n", cli_sgr(ctx, "31"), cli_sgr(ctx, "0"), cli_safe(where),
		       p->path[0] && p->id[0] ? ": " : "", cli_safe(p->path[0] ? p->id : ""), cli_safe(p->message));
	}
}

const char cmd_clone_help[] =
	"usage: smsaudit clone URL [DIR]\n"
	"\n"
	"Copies the evidence repository at URL (a path, file://, git://, ssh:// or\n"
	"https://, as far as this system's libgit2 allows) into DIR (default: the\n"
	"URL's last part, ending in .git), as a bare repository with its audit tags,\n"
	"then verifies it: the first verify of a clone prints the trust anchor's\n"
	"fingerprint (compare it with the one the organisation gave you) and pins it\n"
	"with every record it accepted. Exit 1 when the clone fails verification (it\n"
	"stays, for you to look at); nothing is left behind when the copy fails.\n"
	"\n"
	"example:\n"
	"  smsaudit clone ssh://git.example.net/sms/evidence.git\n";

int cmd_clone(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { NULL, 0, 0, 0 } };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "clone", argc, argv, opts, NULL, NULL, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (npos < 1 || npos > 2) {
		free(pos);
		return cli_usage("clone", "give the URL to clone, and the folder to clone into if you like");
	}
	char dir[4096];
	if (npos == 2) {
		snprintf(dir, sizeof(dir), "%s", pos[1]);
	} else {
		const char *u = pos[0];
		size_t n = strlen(u);
		while (n > 1 && u[n - 1] == '/')
			n--;
		const char *b = u + n;
		while (b > u && b[-1] != '/' && b[-1] != ':')
			b--;
		int has_git = (size_t)(u + n - b) > 4 && strncmp(u + n - 4, ".git", 4) == 0;
		snprintf(dir, sizeof(dir), "%.*s%s", (int)(u + n - b), b, has_git ? "" : ".git");
	}
	smsaudit_repo *repo = NULL;
	int r = smsaudit_repo_clone(&repo, pos[0], dir);
	free(pos);
	if (r < 0)
		return cli_fail(r);
	smsaudit_repo_free(repo);
	printf("Cloned into %s.\n", cli_safe(dir));
	smsaudit_store *store = NULL;
	if ((r = smsaudit_store_open(&store, dir)) < 0)
		return cli_fail(r);
	smsaudit_verification v;
	smsaudit_verify_options vo = SMSAUDIT_VERIFY_OPTIONS_INIT;
	r = smsaudit_verify(&v, store, &vo);
	smsaudit_store_free(store);
	if (r < 0)
		return cli_fail(r);
	print_problems(ctx, &v);
	printf("trust anchor: %s (compare it with the fingerprint the organisation gave you)\n", v.anchor);
	printf("%s: %zu records at %s%s\n", v.nproblems ? "verify failed" : "verify ok", v.records, cli_safe(dir),
	       v.pinned_now ? "; pinned" : "");
	rc = v.nproblems ? EXIT_CHECK : EXIT_OK;
	smsaudit_verification_dispose(&v);
	return rc;
}

const char cmd_sync_help[] =
	"usage: smsaudit sync\n"
	"\n"
	"Shares this clone's work with the server it was cloned from: fetches the\n"
	"server's main and audit tags, joins main with it (a fast forward, or a merge\n"
	"commit: two people's work never touches one file, so it never conflicts),\n"
	"verifies what main would become exactly as verify does, and only then moves\n"
	"main and pushes it with the audit tags. Refuses, moving nothing, when the\n"
	"joined history fails verification (each problem printed) or when the\n"
	"server's main no longer contains what this clone fetched from it before\n"
	"(its history was rewritten). Exit 1 for those, 4 when the server cannot be\n"
	"reached or refuses the push (run sync again when someone pushed meanwhile).\n"
	"\n"
	"example:\n"
	"  smsaudit --repo evidence.git sync\n";

int cmd_sync(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { NULL, 0, 0, 0 } };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "sync", argc, argv, opts, NULL, NULL, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("sync", "unexpected argument");
	smsaudit_store *store = NULL;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	smsaudit_sync_result res;
	smsaudit_verify_options vo = SMSAUDIT_VERIFY_OPTIONS_INIT;
	/* A merge commit carries who ran sync when they said (--as), else the tool. */
	const char *email = ctx->as_email ? ctx->as_email : "sync@smsaudit.invalid";
	int r = smsaudit_sync(&res, store, ctx->as_email ? ctx->as_email : "smsaudit sync", email, &vo);
	print_problems(ctx, &res.check);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		char before[41], after[41];
		smsaudit_oid_fmt(before, &res.before);
		smsaudit_oid_fmt(after, &res.after);
		static const char *const what[] = { "already up to date", "pushed this clone's work",
			                            "took the server's work (fast forward)",
			                            "merged both, verified, pushed" };
		printf("sync: %s; main %.12s -> %.12s (%zu records verified)\n", what[res.kind], before, after,
		       res.check.records);
		rc = EXIT_OK;
	}
	smsaudit_verification_dispose(&res.check);
	smsaudit_store_free(store);
	return rc;
}
