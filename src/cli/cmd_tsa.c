/* smsaudit tsa add --url URL --ca FILE [--tolerance HOURS] [--no-check]; smsaudit stamp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_URL = 1, O_CA, O_TOLERANCE, O_NO_CHECK };

typedef struct {
	const char *url, *ca, *tolerance;
	int no_check;
} tsa_args;

static int on_opt(int id, const char *arg, void *u)
{
	tsa_args *a = u;
	switch (id) {
	case O_URL: a->url = arg; break;
	case O_CA: a->ca = arg; break;
	case O_TOLERANCE: a->tolerance = arg; break;
	case O_NO_CHECK: a->no_check = 1; break;
	default: break;
	}
	return -1;
}

static const cli_option add_opts[] = {
	{ "url", 1, O_URL, 0 }, { "ca", 1, O_CA, 0 }, { "tolerance", 1, O_TOLERANCE, 0 }, { "no-check", 0, O_NO_CHECK, 0 },
	{ NULL, 0, 0, 0 }
};

const cli_sub cmd_tsa_subs[] = {
	{ "add",
	  "smsaudit tsa add --url URL --ca FILE [--tolerance HOURS] [--no-check]\n",
	  add_opts },
	{ NULL, NULL, NULL }
};

const char cmd_tsa_help[] =
	"A time-stamping authority (RFC 3161) vouches for when each record existed,\n"
	"which no clock of the organisation's can. 'add' configures one, signed by a\n"
	"quality manager: its http:// URL, the CA certificate its tokens must chain to\n"
	"(PEM) and the tolerance, the longest a record may wait for its token (hours,\n"
	"default {tsa-tolerance}). A token is asked for first (--no-check skips that).\n"
	"From then on every command that commits records also commits a token over\n"
	"them (stamps/); when no TSA answers, the work is committed without one and a\n"
	"warning says so: run 'smsaudit stamp' within the tolerance. verify fails a\n"
	"record whose token came later than the tolerance allows, one signed after its\n"
	"token, one by a certificate revoked before its token, and one still without a\n"
	"token after the tolerance. An auditor checks a token with stock openssl:\n"
	"  openssl ts -verify -data stamps/Y/M/XX/ID.xml -in stamps/Y/M/XX/ID.xml.tsr -CAfile tsa-ca.pem\n"
	"\n"
	"example:\n"
	"  smsaudit --as ada@example.org tsa add --url http://tsa.example.net/ --ca tsa-ca.pem\n";

static int tsa_add(cli_ctx *ctx, const tsa_args *a, int npos)
{
	if (npos)
		return cli_usage("tsa", "'tsa add' takes options only");
	if (!a->url || !a->ca)
		return cli_usage("tsa", "'tsa add' needs --url and --ca");
	long hours = SMSAUDIT_TSA_TOLERANCE_HOURS;
	if (a->tolerance) {
		char *end = NULL;
		hours = strtol(a->tolerance, &end, 10);
		if (!*a->tolerance || *end || hours < 1 || hours > 24 * 366)
			return cli_usage("tsa", "--tolerance: expected hours from 1 to %d, not '%s'", 24 * 366, a->tolerance);
	}
	smsaudit_cert *ca = NULL;
	int r = smsaudit_cert_load(&ca, a->ca);
	if (r < 0)
		return cli_fail(r);
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0) {
		smsaudit_cert_free(ca);
		return rc;
	}
	r = smsaudit_store_add_tsa(s.store, s.me, a->url, ca, hours, !a->no_check);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		char fp[65];
		smsaudit_cert_fingerprint(fp, ca);
		printf("Time-stamping authority added: %s (CA %.16s, tolerance %ld hours).\n", cli_safe(a->url), fp, hours);
		rc = EXIT_OK;
	}
	smsaudit_cert_free(ca);
	cli_session_close(&s);
	return rc;
}

int cmd_tsa(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("tsa", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	tsa_args a = { NULL, NULL, NULL, 0 };
	rc = cli_parse_sub(ctx, "tsa", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	return tsa_add(ctx, &a, npos);
}

const char cmd_stamp_help[] =
	"usage: smsaudit stamp\n"
	"\n"
	"Asks the configured time-stamping authority for one token over every valid\n"
	"record that has none yet and is still within its tolerance, and commits it.\n"
	"Run it when a command said it could not time-stamp (the TSA did not answer).\n"
	"Prints how many records it stamped; exit 4 when no TSA answers.\n"
	"\n"
	"example:\n"
	"  smsaudit --as ada@example.org stamp\n";

int cmd_stamp(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { NULL, 0, 0, 0 } };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "stamp", argc, argv, opts, NULL, NULL, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("stamp", "unexpected argument");
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	size_t n = 0;
	int r = smsaudit_store_stamp(s.store, s.me, &n);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		if (n)
			printf("Time-stamped %zu record%s.\n", n, n == 1 ? "" : "s");
		else
			printf("Nothing to time-stamp.\n");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}
