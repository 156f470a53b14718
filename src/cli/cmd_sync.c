/* smsaudit clone URL [DIR]; smsaudit sync; smsaudit hook install|pre-receive|post-receive */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	printf("%s: %zu record%s at %s%s\n", v.nproblems ? "verify failed" : "verify ok", v.records,
	       v.records == 1 ? "" : "s", cli_safe(dir),
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
		printf("sync: %s; main %.12s -> %.12s (%zu record%s verified)\n", what[res.kind], before, after,
		       res.check.records, res.check.records == 1 ? "" : "s");
		rc = EXIT_OK;
	}
	smsaudit_verification_dispose(&res.check);
	smsaudit_store_free(store);
	return rc;
}

static const cli_option hook_opts[] = { { NULL, 0, 0, 0 } };

const cli_sub cmd_hook_subs[] = {
	{ "install",
	  "smsaudit hook install BARE_REPO\n",
	  hook_opts },
	{ "pre-receive",
	  "smsaudit --repo . hook pre-receive   (run by git, with the ref updates on standard input)\n",
	  hook_opts },
	{ "post-receive",
	  "smsaudit --repo . hook post-receive  (run by git once a push is taken)\n",
	  hook_opts },
	{ NULL, NULL, NULL }
};

const char cmd_hook_help[] =
	"'install' makes the bare repository a server that enforces the ledger: it\n"
	"writes its hooks/pre-receive, which runs this smsaudit on every push before\n"
	"git accepts it. main may only move forward, never be deleted, and only to\n"
	"a history that verifies (the pusher sees each problem); an audit tag may be\n"
	"created or moved forward, never deleted or moved back; no other ref is\n"
	"taken. hooks/post-receive then pins the new main's checkpoint, so the next\n"
	"push is judged from it (only the pushed commits are replayed). The\n"
	"server's own pin lives in the configuration of the user the server runs\n"
	"as. For Gitea/Forgejo put the same lines in the repository's server-side\n"
	"pre-receive and post-receive hooks; for GitLab in custom server hooks\n"
	"(custom_hooks/pre-receive, post-receive). See docs/team.md.\n"
	"\n"
	"example:\n"
	"  smsaudit hook install /srv/git/evidence.git\n";

/* Write hooks/NAME running `smsaudit --repo . hook NAME`, atomically. */
static int write_hook(const char *dir, const char *self, const char *name, const char *why)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof(path), "%s/hooks/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.smsaudit-tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return cli_error(EXIT_ENV, "%s: cannot write", cli_safe(tmp));
	int ok = fprintf(f, "#!/bin/sh\n# Installed by smsaudit hook install: %s\nexec '%s' --repo . hook %s\n", why,
	                 self, name) > 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || chmod(tmp, 0755) < 0 || rename(tmp, path) < 0) {
		remove(tmp);
		return cli_error(EXIT_ENV, "%s: cannot install the hook", cli_safe(path));
	}
	return -1;
}

static int hook_install(const char *dir)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return cli_error(EXIT_ENV, "cannot tell where this smsaudit is installed");
	self[n] = '\0';
	if (strchr(self, '\'') || strchr(self, '\n'))
		return cli_error(EXIT_ENV, "%s: a path with a quote or a newline cannot go into a hook", cli_safe(self));
	smsaudit_repo *repo = NULL;
	int r = smsaudit_repo_open(&repo, dir);
	if (r < 0)
		return cli_fail(r);
	smsaudit_repo_free(repo);
	int rc = write_hook(dir, self, "pre-receive", "every push is verified before git takes it.");
	if (rc >= 0)
		return rc;
	if ((rc = write_hook(dir, self, "post-receive", "the new main's checkpoint is pinned.")) >= 0)
		return rc;
	printf("Installed %s/hooks/pre-receive and post-receive: pushes to %s are verified before they are taken.\n",
	       cli_safe(dir), cli_safe(dir));
	return EXIT_OK;
}

/* After a push was taken: verify main from the checkpoint and pin it, so the
 * next push is judged from there. Nothing here can undo the push, so it only
 * says what went wrong. */
static int hook_post_receive(cli_ctx *ctx)
{
	char line[1024];
	while (fgets(line, sizeof(line), stdin))
		; /* git waits for the hook to read what it sends */
	smsaudit_store *store = NULL;
	int rc = cli_open_store(ctx, &store);
	if (rc >= 0)
		return rc;
	/* With content digests, as the pre-receive check does: a checkpoint that
	 * vouches for no digest would make the next push replay everything. */
	smsaudit_verify_options vo = SMSAUDIT_VERIFY_OPTIONS_INIT;
	smsaudit_verification v;
	int r = smsaudit_verify(&v, store, &vo);
	if (r < 0)
		rc = cli_fail(r);
	else if (v.nproblems)
		rc = cli_error(EXIT_CHECK, "post-receive: main fails verification (%zu problems): run smsaudit verify on "
		               "the server", v.nproblems);
	else
		rc = EXIT_OK;
	if (r == 0)
		smsaudit_verification_dispose(&v);
	smsaudit_store_free(store);
	return rc;
}

static int hook_pre_receive(cli_ctx *ctx)
{
	smsaudit_store *store = NULL;
	int rc = cli_open_store(ctx, &store);
	if (rc >= 0)
		return rc;
	char line[1024];
	rc = EXIT_OK;
	while (fgets(line, sizeof(line), stdin)) {
		char old_hex[65], new_hex[65], ref[800];
		if (sscanf(line, "%64s %64s %799s", old_hex, new_hex, ref) != 3) {
			rc = cli_error(EXIT_DATA, "pre-receive: not a ref update: %s", cli_safe(line));
			break;
		}
		smsaudit_verification v;
		int r = smsaudit_receive_check(&v, store, old_hex, new_hex, ref);
		/* git shows what a hook prints to the pusher (as "remote: ..."). */
		for (size_t i = 0; i < v.nproblems; i++) {
			const smsaudit_problem *p = &v.problems[i];
			fprintf(stderr, "FAIL %s%s%s: %s\n", cli_safe(p->path[0] ? p->path : p->id[0] ? p->id : "history"),
			        p->path[0] && p->id[0] ? ": " : "", cli_safe(p->path[0] ? p->id : ""), cli_safe(p->message));
		}
		smsaudit_verification_dispose(&v);
		if (r < 0) {
			rc = r == SMSAUDIT_EVERIFY ? (cli_fail(r), EXIT_CHECK) : cli_fail(r);
			break;
		}
	}
	smsaudit_store_free(store);
	return rc;
}

int cmd_hook(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("hook", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "hook", sub, argc - 1, argv + 1, NULL, NULL, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (strcmp(sub->name, "install") == 0) {
		rc = npos == 1 ? hook_install(pos[0]) : cli_usage("hook", "'hook install' takes the bare repository's folder");
	} else if (strcmp(sub->name, "post-receive") == 0) {
		rc = npos == 0 ? hook_post_receive(ctx) : cli_usage("hook", "'hook post-receive' takes no arguments");
	} else {
		rc = npos == 0 ? hook_pre_receive(ctx) : cli_usage("hook", "'hook pre-receive' takes no arguments");
	}
	free(pos);
	return rc;
}
