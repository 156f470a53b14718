/* smsaudit key request: an external auditor's own key and signing request */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { O_NAME = 1, O_EMAIL, O_KEY, O_CSR, O_PASS };

typedef struct {
	const char *name, *email, *key, *csr;
	int passphrase;
} key_args;

static int on_opt(int id, const char *arg, void *u)
{
	key_args *a = u;
	switch (id) {
	case O_NAME: a->name = arg; break;
	case O_EMAIL: a->email = arg; break;
	case O_KEY: a->key = arg; break;
	case O_CSR: a->csr = arg; break;
	case O_PASS: a->passphrase = 1; break;
	default: break;
	}
	return -1;
}

/* The key stays on this machine (0600, in the keys folder by default, where
 * --as EMAIL finds it); the request goes to the certification body. */
static int key_request(cli_ctx *ctx, const key_args *a, int npos)
{
	if (npos)
		return cli_usage("key", "'key request' takes options only");
	if (!a->name || !a->email)
		return cli_usage("key", "'key request' needs --name and --email");
	if (smsaudit_text_check("--name", a->name, 500) < 0)
		return cli_fail(SMSAUDIT_EINVALID);
	if (!smsaudit_text_ok(a->email, 254) || !strchr(a->email, '@'))
		return cli_error(EXIT_DATA, "--email: '%s' is not an email address", a->email);
	char key_path[1024], csr_path[1024];
	if (a->key) {
		snprintf(key_path, sizeof(key_path), "%s", a->key);
	} else {
		if (mkdir(ctx->keys_dir, 0700) < 0 && errno != EEXIST)
			return cli_error(EXIT_ENV, "%s: %s", ctx->keys_dir, strerror(errno));
		smsaudit_keys_person_path(key_path, sizeof(key_path), ctx->keys_dir, a->email);
	}
	snprintf(csr_path, sizeof(csr_path), "%s", a->csr ? a->csr : a->email);
	if (!a->csr)
		snprintf(csr_path + strlen(csr_path), sizeof(csr_path) - strlen(csr_path), ".csr");
	struct stat st;
	if (lstat(key_path, &st) == 0)
		return cli_error(EXIT_DATA, "%s exists already; a new request needs a new key (--key FILE)", key_path);
	if (lstat(csr_path, &st) == 0)
		return cli_error(EXIT_DATA, "%s exists already (--csr FILE)", csr_path);
	char *pass = NULL;
	if (a->passphrase && !(pass = smsaudit_passphrase_read("the new key")))
		return cli_error(EXIT_DATA, "no passphrase given");
	smsaudit_key *key = NULL;
	smsaudit_buf csr = SMSAUDIT_BUF_INIT;
	int r = smsaudit_key_generate(&key);
	if (r == 0)
		r = smsaudit_csr_new(&csr, key, a->name, a->email);
	if (r == 0)
		r = smsaudit_key_save(key, key_path, pass);
	smsaudit_passphrase_free(pass);
	smsaudit_key_free(key);
	int rc = EXIT_OK;
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		FILE *f = fopen(csr_path, "wx");
		if (!f || fwrite(csr.ptr, 1, csr.size, f) != csr.size || fclose(f) != 0) {
			rc = cli_error(EXIT_ENV, "%s: %s", csr_path, strerror(errno));
			unlink(key_path);
		} else {
			printf("Key       %s (keep it here; it never leaves this machine)\n", cli_safe(key_path));
			printf("Request   %s: send it to your certification body, whose CA signs it\n", cli_safe(csr_path));
		}
	}
	smsaudit_buf_dispose(&csr);
	return rc;
}

static const cli_option request_opts[] = {
	{ "name", 1, O_NAME, 0 }, { "email", 1, O_EMAIL, 0 }, { "key", 1, O_KEY, 0 }, { "csr", 1, O_CSR, 0 },
	{ "passphrase", 0, O_PASS, 0 }, { NULL, 0, 0, 0 }
};

const cli_sub cmd_key_subs[] = {
	{ "request",
	  "smsaudit key request --name NAME --email EMAIL [--key FILE] [--csr FILE] [--passphrase]\n",
	  request_opts },
	{ NULL, NULL, NULL }
};

const char cmd_key_help[] =
	"For an external auditor, on their own machine: 'request' makes a P-256 key\n"
	"(0600; in the keys folder, where --as EMAIL finds it, unless --key FILE) and a\n"
	"certificate signing request (EMAIL.csr unless --csr FILE) naming NAME and EMAIL.\n"
	"The certification body signs the request with its own CA and returns the\n"
	"certificate; the organisation's quality manager grants it the external-auditor\n"
	"role (smsaudit person add --cert) once the body's CA is an anchor (smsaudit\n"
	"anchor add). No repository is needed and nothing is written to one. See\n"
	"docs/guide-external-auditor-keys.md.\n"
	"\n"
	"example:\n"
	"  smsaudit key request --name \"Eve Cole\" --email eve@cb.example\n"
	"  openssl x509 -req -in eve@cb.example.csr -CA cbca.pem -CAkey cbca.key -days 730 \\\n"
	"      -copy_extensions copy -out eve.pem     # at the certification body\n";

int cmd_key(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("key", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	char **pos = NULL;
	int npos = 0;
	key_args a;
	memset(&a, 0, sizeof(a));
	rc = cli_parse_sub(ctx, "key", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	rc = key_request(ctx, &a, npos);
	free(pos);
	return rc;
}
