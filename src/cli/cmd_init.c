/* smsaudit init DIR --org NAME --scope TEXT --name NAME --email EMAIL [...] */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/pin.h"

enum { O_ORG = 1, O_SCOPE, O_NAME, O_EMAIL, O_SERVICE, O_SITE, O_CB, O_CA, O_CA_KEY, O_PASS, O_DAYS };

typedef struct {
	smsaudit_init_options o;
	const char *services[64], *sites[64];
	int passphrase;
} init_args;

static int on_opt(int id, const char *arg, void *u)
{
	init_args *a = u;
	switch (id) {
	case O_ORG: a->o.organisation = arg; break;
	case O_SCOPE: a->o.scope = arg; break;
	case O_NAME: a->o.name = arg; break;
	case O_EMAIL: a->o.email = arg; break;
	case O_CB: a->o.certification_body = arg; break;
	case O_CA: a->o.ca_cert_path = arg; break;
	case O_CA_KEY: a->o.ca_key_path = arg; break;
	case O_PASS: a->passphrase = 1; break;
	case O_DAYS:
		a->o.cert_days = atoi(arg);
		if (a->o.cert_days < 1 || a->o.cert_days > 3650)
			return cli_usage("init", "--cert-days takes 1 to 3650");
		break;
	case O_SERVICE:
		if (a->o.nservices == 64)
			return cli_usage("init", "at most 64 --service options");
		a->services[a->o.nservices++] = arg;
		break;
	case O_SITE:
		if (a->o.nsites == 64)
			return cli_usage("init", "at most 64 --site options");
		a->sites[a->o.nsites++] = arg;
		break;
	}
	return -1;
}

const char cmd_init_help[] =
	"usage: smsaudit init DIR --org NAME --scope TEXT --name NAME --email EMAIL\n"
	"                [--service NAME]... [--site NAME]... [--cb NAME]\n"
	"                [--ca CERT --ca-key KEY] [--passphrase] [--cert-days N]\n"
	"\n"
	"Creates a git repository (bare) holding smsaudit.xml (the SMS: organisation,\n"
	"scope, services, sites, certification body, deadline policy), a pinned copy of\n"
	"the catalogue with its SHA-256, the trust anchor trust/ca.pem, and a signed\n"
	"grant making you (--name, --email) the first quality manager.\n"
	"\n"
	"A new P-256 CA is made unless --ca/--ca-key name an existing corporate CA.\n"
	"Private keys never enter the repository: they are written with mode 0600 to\n"
	"the keys directory (--keys DIR, SMSAUDIT_KEYS, or ~/.config/smsaudit/keys).\n"
	"--passphrase encrypts new keys (asked on the terminal, or SMSAUDIT_PASSPHRASE).\n"
	"\n"
	"example:\n"
	"  smsaudit init evidence.git --org \"Example Services Ltd\" \\\n"
	"      --scope \"Managed hosting and service desk for business customers\" \\\n"
	"      --service \"Managed hosting\" --site Leeds --name \"Ada Quinn\" --email ada@example.org\n";


int cmd_init(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = {
		{ "org", 1, O_ORG, 0 }, { "scope", 1, O_SCOPE, 0 }, { "name", 1, O_NAME, 0 }, { "email", 1, O_EMAIL, 0 },
		{ "service", 1, O_SERVICE, 0 }, { "site", 1, O_SITE, 0 }, { "cb", 1, O_CB, 0 }, { "ca", 1, O_CA, 0 },
		{ "ca-key", 1, O_CA_KEY, 0 }, { "passphrase", 0, O_PASS, 0 }, { "cert-days", 1, O_DAYS, 0 }, { NULL, 0, 0, 0 }
	};
	init_args a;
	memset(&a, 0, sizeof(a));
	smsaudit_init_options defaults = SMSAUDIT_INIT_OPTIONS_INIT;
	a.o = defaults;
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "init", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1) {
		free(pos);
		return cli_usage("init", "give exactly one directory for the new repository");
	}
	a.o.path = pos[0];
	free(pos);
	const char *missing = !a.o.organisation ? "--org" : !a.o.scope ? "--scope" : !a.o.name ? "--name"
	                    : !a.o.email ? "--email" : NULL;
	if (missing)
		return cli_usage("init", "init needs %s", missing);
	a.o.services = a.services;
	a.o.sites = a.sites;
	a.o.keys_dir = ctx->keys_dir;

	smsaudit_catalogue *cat = NULL;
	if ((rc = cli_load_catalogue(ctx, &cat)) < 0)
		return cli_fail(rc);
	a.o.catalogue = cat;
	char *pass = NULL;
	if (a.passphrase) {
		pass = smsaudit_passphrase_read("the new keys");
		if (!pass) {
			smsaudit_catalogue_free(cat);
			return cli_fail(SMSAUDIT_EINVALID);
		}
		a.o.passphrase = pass;
	} else if (a.o.ca_key_path && smsaudit_key_file_encrypted(a.o.ca_key_path)) {
		char what[600];
		snprintf(what, sizeof(what), "CA key %s", a.o.ca_key_path);
		pass = smsaudit_passphrase_read(what);
		a.o.passphrase = pass;
	}
	smsaudit_store *store = NULL;
	smsaudit_init_result res;
	rc = smsaudit_store_init(&store, &a.o, &res);
	smsaudit_passphrase_free(pass);
	smsaudit_catalogue_free(cat);
	if (rc < 0)
		return cli_fail(rc);
	/* Pin the new repository's trust anchor on this machine: a history later
	 * rebuilt under another anchor fails verify here. */
	smsaudit_oid root;
	if (smsaudit_repo_head(&root, smsaudit_store_repo(store)) < 0 || smsaudit_pin_save(store, NULL, &root) < 0)
		cli_warning("the trust anchor was not pinned: %s", smsaudit_error_last()->message);
	smsaudit_store_free(store);

	out_node *o = out_object();
	out_set_str(o, "repository", a.o.path);
	out_set_str(o, "organisation", a.o.organisation);
	out_set_str(o, "quality_manager", a.o.email);
	out_set_str(o, "trust_anchor_sha256", res.ca_fingerprint);
	out_set_str(o, "ca_key", res.ca_key_path[0] ? res.ca_key_path : NULL);
	out_set_str(o, "personal_key", res.person_key_path);
	if (ctx->format != OUT_TEXT) {
		out_emit(stdout, o, ctx->format, "init");
	} else {
		printf("Created evidence repository %s for %s.\n", cli_safe(a.o.path), cli_safe(a.o.organisation));
		printf("  trust anchor SHA-256  %s\n", res.ca_fingerprint);
		printf("                        (give this fingerprint to your auditors)\n");
		if (res.ca_key_path[0])
			printf("  CA key                %s (issues personal certificates; keep it offline)\n", cli_safe(res.ca_key_path));
		printf("  your key              %s%s\n", cli_safe(res.person_key_path),
		       res.person_key_created ? "" : " (existing key reused)");
		printf("\nNext: smsaudit --repo %s person add --name NAME --email EMAIL --role process-owner\n", cli_safe(a.o.path));
	}
	out_free(o);
	return EXIT_OK;
}
