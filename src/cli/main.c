/*
 * smsaudit — command-line entry point. One table of commands, one cmd_*
 * function each (in cmd_*.c, with its help text and, for a command group, its
 * sub-commands' usage and option tables beside it); this file parses the
 * global options, dispatches, and turns library errors into one-line messages
 * and documented exit codes.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

static int cmd_help(cli_ctx *ctx, int argc, char **argv);
static int cmd_version(cli_ctx *ctx, int argc, char **argv);

static const char help_help[] =
	"usage: smsaudit help [COMMAND [SUB-COMMAND]]\n"
	"\n"
	"examples:\n"
	"  smsaudit help catalogue\n"
	"  smsaudit help evidence list\n";

static const char version_help[] =
	"usage: smsaudit version\n"
	"\n"
	"example:\n"
	"  smsaudit version\n";

static const cli_command cli_commands[] = {
	{ "catalogue", cmd_catalogue, "Browse and check the ISO/IEC 20000-1:2018 control catalogue",
	  cmd_catalogue_help, cmd_catalogue_subs },
	{ "init", cmd_init, "Create an evidence repository for an organisation",
	  cmd_init_help, NULL },
	{ "person", cmd_person, "Grant, revoke and list the people who sign records",
	  cmd_person_help, cmd_person_subs },
	{ "evidence", cmd_evidence, "Add, import, list, show, extract, supersede and withdraw evidence",
	  cmd_evidence_help, cmd_evidence_subs },
	{ "verify", cmd_verify, "Replay the whole history: every commit, record, signature, role and file",
	  cmd_verify_help, NULL },
	{ "assess", cmd_assess, "Record a signed self-assessment of one clause",
	  cmd_assess_help, NULL },
	{ "gap", cmd_gap, "Gap analysis: the status of every clause, with reasons, and stage readiness",
	  cmd_gap_help, NULL },
	{ "status", cmd_status, "One screen for the quality manager: readiness, gaps, what expires soon",
	  cmd_status_help, NULL },
	{ "finding", cmd_finding, "Raise findings and take them through correction, cause, actions, verification",
	  cmd_finding_help, cmd_finding_subs },
	{ "audit", cmd_audit, "Plan, start and conclude audits (certification and internal)",
	  cmd_audit_help, cmd_audit_subs },
	{ "cycle", cmd_cycle, "The certification cycle: what is due when, and the surveillance rotation",
	  cmd_cycle_help, cmd_cycle_subs },
	{ "pack", cmd_pack, "Seal an audit pack: PDF report, repository snapshot, signed manifest",
	  cmd_pack_help, NULL },
	{ "verify-pack", cmd_verify_pack, "Verify an audit pack offline (for external auditors)",
	  cmd_verify_pack_help, NULL },
	{ "sample", cmd_sample, "Draw a pack's process samples again, and explain each draw",
	  cmd_sample_help, NULL },
	{ "calendar", cmd_calendar, "An iCalendar file of everything due: audits, cycle, deadlines, expiry",
	  cmd_calendar_help, NULL },
	{ "site", cmd_site, "A read-only static site of the SMS at a date, for people without the tool",
	  cmd_site_help, NULL },
	{ "remind", cmd_remind, "What is overdue or due soon, per person; as mails for sendmail -t with --mail",
	  cmd_remind_help, NULL },
	{ "oscal", cmd_oscal, "NIST OSCAL 1.2.2 exports: catalog, assessment results (gap), POA&M (findings)",
	  cmd_oscal_help, cmd_oscal_subs },
	{ "sms", cmd_sms, "Show and change the SMS description: scope, sites, services, body, policy, grades",
	  cmd_sms_help, cmd_sms_subs },
	{ "certificate", cmd_certificate, "Record the certificate the certification body issued, and show it",
	  cmd_certificate_help, cmd_certificate_subs },
	{ "key", cmd_key, "For an external auditor: make your own key and a signing request for your body",
	  cmd_key_help, cmd_key_subs },
	{ "anchor", cmd_anchor, "Name a certification body's CA as the anchor of its external auditors",
	  cmd_anchor_help, cmd_anchor_subs },
	{ "tsa", cmd_tsa, "Configure the time-stamping authority (RFC 3161) that vouches for record times",
	  cmd_tsa_help, cmd_tsa_subs },
	{ "stamp", cmd_stamp, "Time-stamp the records that wait for a token",
	  cmd_stamp_help, NULL },
	{ "clone", cmd_clone, "Copy an evidence repository from a git server, and verify it",
	  cmd_clone_help, NULL },
	{ "sync", cmd_sync, "Share this clone's work with the server: fetch, merge, verify, push",
	  cmd_sync_help, NULL },
	{ "hook", cmd_hook, "Make a bare repository a server that verifies every push",
	  cmd_hook_help, cmd_hook_subs },
	{ "help", cmd_help, "Show help for smsaudit or for one command",
	  help_help, NULL },
	{ "version", cmd_version, "Print the version",
	  version_help, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const char main_usage[] =
	"usage: smsaudit [--format text|csv|json|xml|xlsx] [--raw] [--catalogue FILE] [--no-color]\n"
	"                COMMAND [ARGS...]\n"
	"       smsaudit --version | --help\n";

static const char exit_codes[] =
	"exit codes: 0 ok; 1 a check failed; 2 usage error; 3 bad input data;\n"
	"            4 environment (missing file, permission, disk)\n";

static void print_overview(FILE *f)
{
	fprintf(f, "smsaudit %s - certification evidence for ISO/IEC 20000-1:2018\n\n%s\ncommands:\n",
	        smsaudit_version(), main_usage);
	for (const cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\nglobal options:\n"
	           "  --format F       output as text (default), csv, json, xml or xlsx (a workbook:\n"
	           "                   -o FILE after the command, or standard output when it is\n"
	           "                   not a terminal)\n"
	           "  --raw            CSV cells exactly as recorded (by default a cell starting\n"
	           "                   with = + - @, tab or CR gets a leading ' so that a\n"
	           "                   spreadsheet does not run it as a formula)\n"
	           "  --catalogue FILE use this catalogue instead of the built-in one\n"
	           "                   (also: SMSAUDIT_CATALOGUE)\n"
	           "  --no-color       no colour (also: NO_COLOR set to anything)\n"
	           "  --no-cache       a reading command derives the state afresh, checking\n"
	           "                   every signature again (no state index or verification\n"
	           "                   cache; as a command's own --no-cache where it has one)\n"
	           "  --repo DIR       the evidence repository (also: SMSAUDIT_REPO; default .)\n"
	           "  --keys DIR       private keys (also: SMSAUDIT_KEYS; default ~/.config/smsaudit/keys)\n"
	           "  --as EMAIL       sign as this person (key KEYS/EMAIL.key; also: SMSAUDIT_AS)\n"
	           "  --key FILE       sign with this private key (also: SMSAUDIT_KEY)\n"
	           "\nRun 'smsaudit COMMAND --help' for a command's options and an example.\n\n%s",
	        exit_codes);
}

static int cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_help(cli_find_command("help"), stdout);
		return EXIT_OK;
	}
	if (argc > 1) {
		const cli_command *c = cli_find_command(argv[1]);
		if (!c)
			return cli_error(EXIT_USAGE, "no help for unknown command '%s' (see 'smsaudit help')", argv[1]);
		if (argc > 2) {
			const cli_sub *sub = cli_sub_named(c->name, argv[2]);
			if (!sub)
				return cli_error(EXIT_USAGE, "no help for unknown sub-command '%s %s' (see 'smsaudit help %s')",
				                 argv[1], argv[2], argv[1]);
			cli_print_sub_help(c, sub, stdout);
			return EXIT_OK;
		}
		cli_print_help(c, stdout);
		return EXIT_OK;
	}
	print_overview(stdout);
	return EXIT_OK;
}

static int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			cli_print_help(cli_find_command("version"), stdout);
			return EXIT_OK;
		}
		return cli_usage("version", "unexpected argument '%s'", argv[1]);
	}
	printf("smsaudit %s\n", smsaudit_version());
	return EXIT_OK;
}

/* Suggest a command for a typo: the one sharing the longest prefix. */
static const char *nearest_command(const char *name)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (const cli_command *c = cli_commands; c->name; c++) {
		size_t n = 0;
		while (name[n] && c->name[n] && name[n] == c->name[n])
			n++;
		if (n > best_len) {
			best_len = n;
			best = c->name;
		}
	}
	return best_len >= 2 ? best : NULL;
}

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past the value. */
static int global_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
	} else if (*i + 1 < argc) {
		*out = argv[++*i];
	} else {
		*i = argc;
	}
	return 1;
}

static int run(int argc, char **argv)
{
	cli_ctx ctx = { .format = OUT_TEXT };
	int no_color = getenv("NO_COLOR") != NULL;
	ctx.catalogue_path = env_or_null("SMSAUDIT_CATALOGUE");
	ctx.repo_path = env_or_null("SMSAUDIT_REPO");
	ctx.as_email = env_or_null("SMSAUDIT_AS");
	ctx.key_path = env_or_null("SMSAUDIT_KEY");
	ctx.keys_dir = env_or_null("SMSAUDIT_KEYS");
	if (!ctx.keys_dir) {
		const char *xdg = env_or_null("XDG_CONFIG_HOME"), *home = env_or_null("HOME");
		if (xdg)
			snprintf(ctx.keys_default, sizeof(ctx.keys_default), "%s/smsaudit/keys", xdg);
		else
			snprintf(ctx.keys_default, sizeof(ctx.keys_default), "%s/.config/smsaudit/keys", home ? home : ".");
		ctx.keys_dir = ctx.keys_default;
	}

	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("smsaudit %s\n", smsaudit_version());
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_overview(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = 1;
		} else if (strcmp(a, "--raw") == 0) {
			out_csv_raw(1);
		} else if (strcmp(a, "--no-cache") == 0) {
			ctx.no_cache = 1;
		} else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || cli_parse_format(&ctx.format, v) < 0)
				return cli_error(EXIT_USAGE, "--format takes text, csv, json, xml or xlsx");
		} else if (global_value(argc, argv, &i, "--repo", &ctx.repo_path) ||
		           global_value(argc, argv, &i, "--keys", &ctx.keys_dir) ||
		           global_value(argc, argv, &i, "--as", &ctx.as_email) ||
		           global_value(argc, argv, &i, "--key", &ctx.key_path)) {
			if (i >= argc)
				return cli_error(EXIT_USAGE, "%s needs a value", argv[argc - 1]);
		} else if (strcmp(a, "--catalogue") == 0 || strncmp(a, "--catalogue=", 12) == 0) {
			const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v)
				return cli_error(EXIT_USAGE, "--catalogue needs a file");
			ctx.catalogue_path = v;
		} else {
			/* One line, like every other error: the message points at --help. */
			char safe[160];
			return cli_error(EXIT_USAGE, "unknown option '%s' (see 'smsaudit --help')",
			                 cli_escape(safe, sizeof(safe), a));
		}
	}
	if (i >= argc) {
		fputs(main_usage, stderr);
		return cli_error(EXIT_USAGE, "no command given (see 'smsaudit help')");
	}
	ctx.tty = isatty(STDOUT_FILENO);
	ctx.color = ctx.tty && !no_color && ctx.format == OUT_TEXT;
	cli_progress_start(&ctx);

	/* The clock is an input like any option: a value that is not a time is
	 * refused, never quietly replaced by the real clock. */
	const char *now = getenv("SMSAUDIT_NOW");
	time_t t;
	if (now && *now && smsaudit_time_parse(&t, now) < 0) {
		char safe[160];
		smsaudit_error_clear();
		return cli_error(EXIT_USAGE, "SMSAUDIT_NOW: '%s' is not a time (expected YYYY-MM-DDTHH:MM:SSZ or "
		                 "YYYY-MM-DD, UTC)", cli_escape(safe, sizeof(safe), now));
	}

	/* So is the number of worker threads: a value that is not one is refused. */
	const char *jobs = getenv("SMSAUDIT_JOBS");
	if (jobs && *jobs) {
		char *end;
		long v = strtol(jobs, &end, 10);
		if (*end || v < 1 || v > 64) {
			char safe[160];
			return cli_error(EXIT_USAGE, "SMSAUDIT_JOBS: '%s' is not a number of threads (1 to 64)",
			                 cli_escape(safe, sizeof(safe), jobs));
		}
	}

	const cli_command *cmd = cli_find_command(argv[i]);
	if (!cmd) {
		char safe[160];
		const char *near = nearest_command(argv[i]);
		cli_escape(safe, sizeof(safe), argv[i]);
		if (near)
			return cli_error(EXIT_USAGE, "unknown command '%s'; did you mean '%s'? (see 'smsaudit help')",
			                 safe, near);
		return cli_error(EXIT_USAGE, "unknown command '%s' (see 'smsaudit help')", safe);
	}
	return cmd->fn(&ctx, argc - i, argv + i);
}

/* The library's notices are warnings for the person at the terminal. */
static void show_notice(const char *message, void *payload)
{
	(void)payload;
	cli_warning("%s", message);
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
	/* glibc gives each thread that allocates its own arena and keeps what
	 * they free: verify's walk and signature threads then held about 50 MiB
	 * more at 100,000 records (bench/ledger.sh). Two arenas serve two cores
	 * with little contention. */
	mallopt(M_ARENA_MAX, 2);
#endif
	cli_set_commands(cli_commands);
	smsaudit_notice_set(show_notice, NULL);
	int rc = run(argc, argv);
	if (out_failed() && rc == EXIT_OK)
		rc = EXIT_ENV; /* the message was printed where it failed */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A full disk or closed pipe must not look like success. */
		if (rc == EXIT_OK)
			rc = cli_error(EXIT_ENV, "cannot write output");
	}
	xmlCleanupParser();
	return rc;
}
