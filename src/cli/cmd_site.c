/* smsaudit site: the SMS at a date as a read-only static site (site.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/site.h"

const char cmd_site_help[] =
	"usage: smsaudit site -o DIR [--at DATE] [--commit REV]\n"
	"\n"
	"Write the SMS at a date (default today) as static HTML pages for people who\n"
	"will never install the tool: index.html (readiness, stage verdicts, open\n"
	"findings, overdue deadlines), gap.html (every assessable clause with its\n"
	"status and reasons), evidence.html (each clause's evidence as a pack's\n"
	"index.html shows it, linking readable copies under evidence/, each checked\n"
	"against its signed SHA-256 on the way out), findings.html (each finding with\n"
	"its history), audits.html and cycle.html. No script and nothing loaded from\n"
	"anywhere: put the folder on a file share or behind any web server. DIR must\n"
	"not exist or be empty; the site is written beside it and moved into place,\n"
	"so it is never half there.\n"
	"\n"
	"examples:\n"
	"  smsaudit site -o /srv/www/sms\n"
	"  smsaudit site -o site-2027-03-01 --at 2027-03-01\n";

enum { O_OUT = 1, O_AT, O_COMMIT };

typedef struct {
	const char *out, *at, *commit;
} site_args;

static int on_opt(int id, const char *arg, void *u)
{
	site_args *a = u;
	if (id == O_OUT)
		a->out = arg;
	else if (id == O_AT)
		a->at = arg;
	else if (id == O_COMMIT)
		a->commit = arg;
	return -1;
}

int cmd_site(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "output", 1, O_OUT, 'o' }, { "at", 1, O_AT, 0 },
		                           { "commit", 1, O_COMMIT, 0 }, { NULL, 0, 0, 0 } };
	site_args a = { NULL, NULL, NULL };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "site", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("site", "unexpected argument; the folder goes after -o");
	if (!a.out || !*a.out)
		return cli_usage("site", "-o DIR is required: the folder to write the site into");
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "site", a.at, a.commit, 0)) >= 0)
		return rc;
	smsaudit_site_result res;
	int r = smsaudit_site_write(&res, v.store, v.st, v.as_of, a.out);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Site written to %s: %zu pages, %zu evidence files (%llu bytes), as of %s, commit %.12s.\n",
		       cli_safe(a.out), res.pages, res.files, (unsigned long long)res.bytes, cli_safe(a.at ? a.at : "today"),
		       v.hex);
		rc = EXIT_OK;
	}
	cli_view_close(&v);
	return rc;
}
