/* smsaudit person add|revoke|list */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { O_NAME = 1, O_EMAIL, O_ROLE, O_CERT, O_UNTIL, O_CA_KEY, O_PASS, O_REASON, O_EFFECTIVE, O_ALL, O_DAYS, O_ISSUER };

typedef struct {
	const char *name, *email, *roles, *cert, *until, *ca_key, *reason, *effective, *issuer;
	int passphrase, all, days;
} person_args;

static int on_opt(int id, const char *arg, void *u)
{
	person_args *a = u;
	switch (id) {
	case O_NAME: a->name = arg; break;
	case O_EMAIL: a->email = arg; break;
	case O_ROLE: a->roles = arg; break;
	case O_CERT: a->cert = arg; break;
	case O_UNTIL: a->until = arg; break;
	case O_CA_KEY: a->ca_key = arg; break;
	case O_PASS: a->passphrase = 1; break;
	case O_REASON: a->reason = arg; break;
	case O_EFFECTIVE: a->effective = arg; break;
	case O_ALL: a->all = 1; break;
	case O_ISSUER: a->issuer = arg; break;
	case O_DAYS:
		a->days = atoi(arg);
		if (a->days < 1 || a->days > 3650)
			return cli_usage("person", "--cert-days takes 1 to 3650");
		break;
	}
	return -1;
}

/* Issue a certificate from the store's CA for a new or existing key in the keys dir. */
static int issue_cert(cli_ctx *ctx, smsaudit_store *store, person_args *a, smsaudit_cert **cert,
                      char *key_path, size_t ksize, int *key_created)
{
	char ca_fp[65], ca_key_path[1024];
	smsaudit_cert_fingerprint(ca_fp, smsaudit_store_ca(store));
	if (a->ca_key)
		snprintf(ca_key_path, sizeof(ca_key_path), "%s", a->ca_key);
	else
		smsaudit_keys_ca_path(ca_key_path, sizeof(ca_key_path), ctx->keys_dir, ca_fp);
	if (access(ca_key_path, F_OK) != 0)
		return cli_error(EXIT_ENV, "no CA key at %s: give --ca-key FILE, or --cert FILE for a certificate "
		                 "issued by the organisation's CA", ca_key_path);
	char *pass = NULL;
	int rc = cli_key_passphrase(ca_key_path, &pass);
	if (rc >= 0)
		return rc;
	smsaudit_key *ca_key = NULL, *key = NULL;
	rc = smsaudit_key_load(&ca_key, ca_key_path, pass);
	smsaudit_passphrase_free(pass);
	pass = NULL;
	if (rc < 0)
		return cli_fail(rc);
	smsaudit_keys_person_path(key_path, ksize, ctx->keys_dir, a->email);
	struct stat st;
	*key_created = 0;
	if (lstat(key_path, &st) == 0) {
		if ((rc = cli_key_passphrase(key_path, &pass)) >= 0) {
			smsaudit_key_free(ca_key);
			return rc;
		}
		rc = smsaudit_key_load(&key, key_path, pass);
	} else {
		if (a->passphrase && !(pass = smsaudit_passphrase_read("the new key")))
			rc = SMSAUDIT_EINVALID;
		else if ((rc = smsaudit_key_generate(&key)) == 0 && (rc = smsaudit_key_save(key, key_path, pass)) == 0)
			*key_created = 1;
	}
	smsaudit_passphrase_free(pass);
	if (rc == 0)
		rc = smsaudit_cert_issue(cert, smsaudit_store_ca(store), ca_key, key, a->name, a->email,
		                         smsaudit_now() - 60, a->days ? a->days : 825);
	smsaudit_key_free(ca_key);
	smsaudit_key_free(key);
	if (rc < 0 && *key_created)
		unlink(key_path);
	return rc < 0 ? cli_fail(rc) : -1;
}

static int person_add(cli_ctx *ctx, person_args *a)
{
	if (!a->name || !a->email || !a->roles)
		return cli_usage("person", "'person add' needs --name, --email and --role");
	unsigned roles = 0;
	int rc = smsaudit_roles_parse(&roles, a->roles);
	if (rc < 0)
		return cli_fail(rc);
	time_t until = 0;
	if (a->until && (rc = smsaudit_date_parse(&until, a->until)) < 0)
		return cli_fail(rc);
	smsaudit_store *store = NULL;
	smsaudit_identity *me = NULL;
	smsaudit_cert *cert = NULL, *issuer = NULL;
	char key_path[1024] = "";
	int key_created = 0;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	if ((rc = cli_identity(ctx, store, &me)) >= 0)
		goto out;
	/* Fail early on authority, before a key or certificate is made. */
	if (!(smsaudit_identity_roles(me) & SMSAUDIT_ROLE_QUALITY_MANAGER)) {
		rc = cli_error(EXIT_DATA, "%s may not add people: only a quality manager can", smsaudit_identity_email(me));
		goto out;
	}
	if (a->issuer && !a->cert) {
		rc = cli_usage("person", "--issuer goes with --cert");
		goto out;
	}
	if (a->cert) {
		int r = smsaudit_cert_load(&cert, a->cert);
		if (r == 0 && a->issuer)
			r = smsaudit_cert_load(&issuer, a->issuer);
		if (r < 0) {
			rc = cli_fail(r);
			goto out;
		}
	} else if ((rc = issue_cert(ctx, store, a, &cert, key_path, sizeof(key_path), &key_created)) >= 0) {
		goto out;
	}
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_add_person(id, store, me, cert, issuer, a->name, a->email, roles, until);
	if (r < 0) {
		if (key_created)
			unlink(key_path);
		rc = cli_fail(r);
		goto out;
	}
	char rl[200];
	smsaudit_roles_format(rl, sizeof(rl), roles);
	if (ctx->format != OUT_TEXT) {
		out_node *o = out_object();
		out_set_str(o, "id", id);
		out_set_str(o, "email", a->email);
		out_set_str(o, "roles", rl);
		out_set_str(o, "key", key_path[0] ? key_path : NULL);
		out_emit(stdout, o, ctx->format, "person");
		out_free(o);
	} else {
		printf("%s <%s> may now sign as %s (%s).\n", cli_safe(a->name), cli_safe(a->email), rl, id);
		if (key_path[0])
			printf("  key: %s%s — hand it over privately\n", cli_safe(key_path), key_created ? "" : " (existing key)");
	}
	rc = EXIT_OK;
out:
	smsaudit_cert_free(cert);
	smsaudit_cert_free(issuer);
	smsaudit_identity_free(me);
	smsaudit_store_free(store);
	return rc;
}

static int person_revoke(cli_ctx *ctx, person_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("person", "'person revoke' takes one email address");
	if (!a->reason)
		return cli_usage("person", "'person revoke' needs --reason");
	time_t eff = 0;
	int rc;
	if (a->effective && (rc = smsaudit_time_parse(&eff, a->effective)) < 0)
		return cli_fail(rc);
	smsaudit_store *store = NULL;
	smsaudit_identity *me = NULL;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	if ((rc = cli_identity(ctx, store, &me)) < 0) {
		char id[SMSAUDIT_ID_MAX];
		int r = smsaudit_store_revoke_person(id, store, me, pos[0], a->reason, eff);
		rc = r < 0 ? cli_fail(r) : EXIT_OK;
		if (r == 0)
			printf("Revoked the certificate of %s (%s).\n", cli_safe(pos[0]), id);
	}
	smsaudit_identity_free(me);
	smsaudit_store_free(store);
	return rc;
}

static int person_list(cli_ctx *ctx, person_args *a)
{
	smsaudit_store *store = NULL;
	smsaudit_state *st = NULL;
	int rc;
	if ((rc = cli_open_store(ctx, &store)) >= 0)
		return rc;
	if ((rc = smsaudit_state_load(&st, store, NULL, ctx->no_cache ? 0 : SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX)) < 0) {
		smsaudit_store_free(store);
		return cli_fail(rc);
	}
	time_t now = smsaudit_now();
	out_node *arr = out_array("person");
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (!pe->current && !a->all)
			continue;
		const smsaudit_person_body *p = &pe->record->person;
		out_node *o = out_push_obj(arr);
		char rl[200], from[11], until[11] = "", fp[17];
		smsaudit_roles_format(rl, sizeof(rl), p->roles);
		smsaudit_date_format(from, p->valid_from);
		if (p->valid_until)
			smsaudit_date_format(until, p->valid_until);
		snprintf(fp, sizeof(fp), "%.16s", p->fingerprint);
		const char *status = !pe->current ? "replaced"
		                   : pe->revoked_at && pe->revoked_at <= now ? "revoked"
		                   : p->valid_until && p->valid_until <= now ? "expired" : "active";
		out_set_str(o, "name", p->name);
		out_set_str(o, "email", p->email);
		out_set_str(o, "roles", rl);
		out_set_str(o, "valid_from", from);
		out_set_str(o, "valid_until", until[0] ? until : NULL);
		out_set_str(o, "status", status);
		out_set_str(o, "fingerprint", fp);
		out_set_str(o, "record", pe->record->id);
	}
	if (ctx->format == OUT_TEXT) {
		static const char *const keys[] = { "name", "email", "roles", "status", "valid_from", "fingerprint" };
		static const char *const heads[] = { "NAME", "EMAIL", "ROLES", "STATUS", "SINCE", "CERTIFICATE" };
		out_table(stdout, ctx, arr, keys, heads, 6);
	} else {
		out_emit(stdout, arr, ctx->format, "people");
	}
	out_free(arr);
	smsaudit_state_free(st);
	smsaudit_store_free(store);
	return EXIT_OK;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option add_opts[] = {
	{ "name", 1, O_NAME, 0 }, { "email", 1, O_EMAIL, 0 }, { "role", 1, O_ROLE, 0 }, { "cert", 1, O_CERT, 0 },
	{ "valid-until", 1, O_UNTIL, 0 }, { "ca-key", 1, O_CA_KEY, 0 }, { "passphrase", 0, O_PASS, 0 },
	{ "cert-days", 1, O_DAYS, 0 }, { "issuer", 1, O_ISSUER, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option revoke_opts[] = {
	{ "reason", 1, O_REASON, 0 }, { "effective", 1, O_EFFECTIVE, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option list_opts[] = { { "all", 0, O_ALL, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_person_subs[] = {
	{ "add",
	  "smsaudit person add --name NAME --email EMAIL --role ROLE[,ROLE]\n"
	  "                           [--cert FILE [--issuer CA.pem]] [--valid-until DATE]\n"
	  "                           [--ca-key FILE] [--passphrase]\n",
	  add_opts },
	{ "revoke",
	  "smsaudit person revoke EMAIL --reason TEXT [--effective TIME]\n",
	  revoke_opts },
	{ "list",
	  "smsaudit person list [--all]\n",
	  list_opts },
	{ NULL, NULL, NULL }
};

const char cmd_person_help[] =
	"Roles: quality-manager, process-owner, internal-auditor, external-auditor, viewer.\n"
	"Only a quality manager may add or revoke people. 'add' issues a personal\n"
	"certificate from the organisation's CA (the CA key in the keys directory, or\n"
	"--ca-key) for a new key written to KEYS/EMAIL.key, or records --cert FILE. A\n"
	"certificate issued by another CA (an external auditor's) needs --issuer CA.pem:\n"
	"that CA becomes an extra trust anchor (trust/anchors/), signed by you.\n"
	"Adding an existing email replaces its roles.\n"
	"'revoke' ends a certificate: records it signs afterwards do not verify.\n"
	"Who you are is taken from --key FILE, --as EMAIL, or the only personal key in\n"
	"the keys directory. The repository is --repo DIR, SMSAUDIT_REPO or '.'.\n"
	"\n"
	"examples:\n"
	"  smsaudit --repo evidence.git person add --name \"Ben Ortiz\" --email ben@example.org \\\n"
	"      --role process-owner\n"
	"  smsaudit --repo evidence.git person add --name \"Dana Kim\" --email dana@cb.example \\\n"
	"      --role external-auditor --cert dana.pem --issuer cb-ca.pem\n"
	"  smsaudit --repo evidence.git person revoke ben@example.org --reason \"left the company\"\n";


int cmd_person(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("person", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	person_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "person", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (strcmp(sub->name, "add") == 0)
		rc = npos ? cli_usage("person", "unexpected argument '%s'", pos[0]) : person_add(ctx, &a);
	else if (strcmp(sub->name, "revoke") == 0)
		rc = person_revoke(ctx, &a, pos, npos);
	else
		rc = npos ? cli_usage("person", "unexpected argument '%s'", pos[0]) : person_list(ctx, &a);
	free(pos);
	return rc;
}
