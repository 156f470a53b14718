/* smsaudit certificate record|show */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_NUMBER = 1, O_BODY, O_SCOPE, O_ISSUED, O_EXPIRES, O_AT };

typedef struct {
	const char *number, *body, *scope, *issued, *expires, *at;
} cert_args;

static int on_opt(int id, const char *arg, void *u)
{
	cert_args *a = u;
	switch (id) {
	case O_NUMBER: a->number = arg; break;
	case O_BODY: a->body = arg; break;
	case O_SCOPE: a->scope = arg; break;
	case O_ISSUED: a->issued = arg; break;
	case O_EXPIRES: a->expires = arg; break;
	case O_AT: a->at = arg; break;
	default: break;
	}
	return -1;
}

static int cert_record(cli_ctx *ctx, const cert_args *a, int npos)
{
	if (npos)
		return cli_usage("certificate", "'certificate record' takes options only");
	smsaudit_certificate_input in;
	memset(&in, 0, sizeof(in));
	if (!a->number)
		return cli_usage("certificate", "--number is required: the certificate's number");
	if (!a->body)
		return cli_usage("certificate", "--body is required: the certification body that issued it");
	if (!a->scope)
		return cli_usage("certificate", "--scope-statement is required: the scope as the certificate states it");
	if (!a->issued || smsaudit_date_parse(&in.issued, a->issued) < 0)
		return cli_usage("certificate", "--issued DATE is required: the date of issue%s%s",
		                 a->issued ? ": " : "", a->issued ? smsaudit_error_last()->message : "");
	if (!a->expires || smsaudit_date_parse(&in.expires, a->expires) < 0)
		return cli_usage("certificate", "--expires DATE is required: the certificate's last day%s%s",
		                 a->expires ? ": " : "", a->expires ? smsaudit_error_last()->message : "");
	in.number = a->number;
	in.body = a->body;
	in.scope = a->scope;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_record_certificate(id, s.store, s.me, &in);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Recorded certificate %s (%s), valid %s..%s.\n", cli_safe(a->number), id, a->issued, a->expires);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static int cert_show(cli_ctx *ctx, const cert_args *a, int npos)
{
	if (npos)
		return cli_usage("certificate", "'certificate show' takes no arguments");
	cli_view v;
	int rc = cli_view_open(ctx, &v, "certificate", a->at, NULL, 0);
	if (rc >= 0)
		return rc;
	const smsaudit_record *cert = smsaudit_state_certificate(v.st);
	out_node *o = out_object();
	char iss[11] = "", exp[11] = "";
	if (cert) {
		const smsaudit_certificate_body *c = &cert->certificate;
		smsaudit_date_format(iss, c->issued);
		smsaudit_date_format(exp, c->expires);
		out_set_str(o, "id", cert->id);
		out_set_str(o, "number", c->number);
		out_set_str(o, "body", c->body);
		out_set_str(o, "scope_statement", c->scope);
		out_set_str(o, "issued", iss);
		out_set_str(o, "expires", exp);
		out_set_int(o, "days_left", (long long)((c->expires - smsaudit_date_of(v.as_of)) / 86400));
		out_set_str(o, "recorded_by", cert->made_by);
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "certificate") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (!cert) {
		printf("No certificate is recorded (smsaudit certificate record --help).\n");
		rc = EXIT_OK;
	} else {
		const smsaudit_certificate_body *c = &cert->certificate;
		printf("%sCertificate %s%s  %s\n", cli_sgr(ctx, "1"), cli_safe(c->number), cli_sgr(ctx, "0"), cert->id);
		printf("  Body       %s\n  Issued     %s\n  Expires    %s\n  Recorded   by %s\n", cli_safe(c->body), iss, exp,
		       cli_safe(cert->made_by));
		printf("  Scope      ");
		out_wrap(stdout, c->scope, 13, out_term_width(ctx));
		rc = EXIT_OK;
	}
	out_free(o);
	cli_view_close(&v);
	return rc;
}

static const cli_option record_opts[] = {
	{ "number", 1, O_NUMBER, 0 }, { "body", 1, O_BODY, 0 }, { "scope-statement", 1, O_SCOPE, 0 },
	{ "issued", 1, O_ISSUED, 0 }, { "expires", 1, O_EXPIRES, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_certificate_subs[] = {
	{ "record",
	  "smsaudit certificate record --number N --body NAME --scope-statement TEXT --issued DATE --expires DATE\n",
	  record_opts },
	{ "show",
	  "smsaudit certificate show [--at DATE] [--format F]\n",
	  show_opts },
	{ NULL, NULL, NULL }
};

const char cmd_certificate_help[] =
	"'record' records the certificate a certification body issued, from its\n"
	"certification decision: its number, the issuing body, the scope statement as\n"
	"printed, and its issue and expiry dates (a signed record by a quality manager;\n"
	"the issue date not in the future, the expiry after it). The latest recorded\n"
	"certificate is in force: the cycle takes its dates as the certification\n"
	"decision and expiry, 'status' shows it and warns from 180 days before it\n"
	"expires, and the library hands it to packs (smsaudit_state_certificate).\n"
	"After a recertification, record the new certificate. 'show' prints the\n"
	"certificate in force at --at DATE.\n"
	"\n"
	"example:\n"
	"  smsaudit --as ada@example.org certificate record --number ITSM-2027-0042 \\\n"
	"      --body \"Example Certification Ltd\" --scope-statement \"Managed hosting from Leeds\" \\\n"
	"      --issued 2027-04-20 --expires 2030-04-19\n";

int cmd_certificate(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("certificate", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	cert_args a;
	memset(&a, 0, sizeof(a));
	rc = cli_parse_sub(ctx, "certificate", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	rc = strcmp(sub->name, "record") == 0 ? cert_record(ctx, &a, npos) : cert_show(ctx, &a, npos);
	free(pos);
	return rc;
}
