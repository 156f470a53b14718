/* smsaudit anchor add|list: certification bodies' CAs as trust anchors */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_NAME = 1, O_CA, O_AT };

typedef struct {
	const char *name, *ca, *at;
} anchor_args;

static int on_opt(int id, const char *arg, void *u)
{
	anchor_args *a = u;
	switch (id) {
	case O_NAME: a->name = arg; break;
	case O_CA: a->ca = arg; break;
	case O_AT: a->at = arg; break;
	default: break;
	}
	return -1;
}

static int anchor_add(cli_ctx *ctx, const anchor_args *a, int npos)
{
	if (npos)
		return cli_usage("anchor", "'anchor add' takes options only");
	if (!a->name || !a->ca)
		return cli_usage("anchor", "'anchor add' needs --name (the certification body) and --ca FILE (its CA)");
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
	char id[SMSAUDIT_ID_MAX], fp[65];
	r = smsaudit_store_add_anchor(id, fp, s.store, s.me, ca, a->name);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("%s's CA is a trust anchor for the external-auditor role only (%s).\n", cli_safe(a->name), id);
		printf("Fingerprint  %s\n", fp);
		printf("Compare it with the fingerprint the certification body gives you.\n");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	smsaudit_cert_free(ca);
	return rc;
}

static int anchor_list(cli_ctx *ctx, const anchor_args *a, int npos)
{
	if (npos)
		return cli_usage("anchor", "'anchor list' takes no arguments");
	cli_view v;
	int rc = cli_view_open(ctx, &v, "anchor", a->at, NULL, 0);
	if (rc >= 0)
		return rc;
	out_node *rows = out_array("anchor");
	for (size_t i = 0; i < smsaudit_state_record_count(v.st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, v.st, i);
		if (!e.record || !e.valid || e.record->type != SMSAUDIT_REC_ANCHOR)
			continue;
		char roles[200], when[21];
		smsaudit_roles_format(roles, sizeof(roles), e.record->anchor.roles);
		smsaudit_time_format(when, e.record->made_at);
		out_node *o = out_push_obj(rows);
		out_set_str(o, "id", e.record->id);
		out_set_str(o, "body", e.record->anchor.name);
		out_set_str(o, "role", roles);
		out_set_str(o, "fingerprint", e.record->anchor.fingerprint);
		out_set_str(o, "added_by", e.record->made_by);
		out_set_str(o, "added_at", when);
	}
	if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, rows, ctx->format, "anchors") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		static const char *const keys[] = { "body", "role", "fingerprint", "added_by" };
		static const char *const heads[] = { "BODY", "ROLE", "FINGERPRINT", "ADDED BY" };
		out_table(stdout, ctx, rows, keys, heads, 4);
		rc = EXIT_OK;
	}
	out_free(rows);
	cli_view_close(&v);
	return rc;
}

static const cli_option add_opts[] = { { "name", 1, O_NAME, 0 }, { "ca", 1, O_CA, 0 }, { NULL, 0, 0, 0 } };
static const cli_option list_opts[] = { { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_anchor_subs[] = {
	{ "add",
	  "smsaudit anchor add --name BODY --ca FILE\n",
	  add_opts },
	{ "list",
	  "smsaudit anchor list [--at DATE] [--format F]\n",
	  list_opts },
	{ NULL, NULL, NULL }
};

const char cmd_anchor_help[] =
	"'add' names a certification body's CA (a PEM certificate, CA:TRUE) as a\n"
	"trust anchor for the external-auditor role only: a record signed by a quality\n"
	"manager, with the body's name and the CA's SHA-256 fingerprint, which it\n"
	"prints; compare it with the one the body gives you. From then on:\n"
	"  - an external auditor's certificate must come from a body's CA: one the\n"
	"    organisation's CA issued is refused (here and by verify);\n"
	"  - a certificate from a body's CA holds the external-auditor role alone, so\n"
	"    the body's CA cannot make anyone who signs grants, evidence or the\n"
	"    organisation's steps.\n"
	"Internal roles keep their certificates from the organisation's CA. 'list'\n"
	"shows the bodies' anchors.\n"
	"\n"
	"example:\n"
	"  smsaudit --as ada@example.org anchor add --name \"Example Certification Ltd\" --ca cb-ca.pem\n"
	"  smsaudit --as ada@example.org person add --name \"Eve Cole\" --email eve@cb.example \\\n"
	"      --role external-auditor --cert eve.pem\n";

int cmd_anchor(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("anchor", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	anchor_args a;
	memset(&a, 0, sizeof(a));
	rc = cli_parse_sub(ctx, "anchor", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	rc = strcmp(sub->name, "add") == 0 ? anchor_add(ctx, &a, npos) : anchor_list(ctx, &a, npos);
	free(pos);
	return rc;
}
