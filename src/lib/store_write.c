/*
 * Writing the store: creating a repository, and adding signed records (people,
 * revocations, evidence, supersessions, withdrawals, assessments, new SMS
 * descriptions). Each writer checks what verify would check on the state the
 * ledger derives, signs, and commits one commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "ingest.h"
#include "internal.h"
#include "packwrite.h"
#include "repo_internal.h"
#include "smsaudit/stamp.h"
#include "store_internal.h"
#include "treewrite.h"

static int email_ok(const char *e)
{
	if (!smsaudit_text_ok(e, 254) || strchr(e, ' ') || strchr(e, '/'))
		return 0;
	const char *at = strchr(e, '@');
	return at && at != e && at[1] && !strchr(at + 1, '@') && e[0] != '.';
}

/* ---- signing helpers ---- */

/* Sign `bytes` and add `path` and `path`.p7s to the transaction (the
 * signature's SHA-256 in `sig_sha` unless NULL). */
static int add_signed(smsaudit_txn *txn, const char *path, const smsaudit_buf *bytes,
                      const smsaudit_cert *cert, const smsaudit_key *key, time_t when, char sig_sha[65])
{
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	char sig_path[256];
	snprintf(sig_path, sizeof(sig_path), "%s.p7s", path);
	int rc = smsaudit_sign_detached(&sig, bytes->ptr, bytes->size, cert, key, when);
	if (rc == 0)
		rc = smsaudit_txn_add(txn, path, bytes->ptr, bytes->size);
	if (rc == 0)
		rc = smsaudit_txn_add(txn, sig_path, sig.ptr, sig.size);
	if (rc == 0 && sig_sha)
		rc = sha256_hex(sig_sha, sig.ptr, sig.size);
	smsaudit_buf_dispose(&sig);
	return rc;
}

/* The records a commit adds, for its time-stamp. */
typedef struct {
	smsaudit_stamp_list list;
	size_t alloc;
} stamp_acc;

/* One more record for the commit's time-stamp. */
static int stamp_push(stamp_acc *acc, const char *id, const char sig_sha[65])
{
	if (acc->list.n == acc->alloc) {
		size_t na = acc->alloc ? acc->alloc * 2 : 8;
		smsaudit_stamp_entry *e = realloc(acc->list.entries, na * sizeof(*e));
		if (!e)
			return error_oom();
		acc->list.entries = e;
		acc->alloc = na;
	}
	smsaudit_stamp_entry *e = &acc->list.entries[acc->list.n++];
	snprintf(e->id, sizeof(e->id), "%s", id);
	memcpy(e->signature_sha256, sig_sha, 65);
	return 0;
}

static int add_record(smsaudit_txn *txn, const smsaudit_record *rec, const smsaudit_cert *cert,
                      const smsaudit_key *key, stamp_acc *acc)
{
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	char path[160], sig_sha[65];
	int rc = smsaudit_record_path(path, sizeof(path), rec->id);
	if (rc == 0)
		rc = smsaudit_record_to_xml(&xml, rec);
	if (rc == 0)
		rc = add_signed(txn, path, &xml, cert, key, rec->made_at, sig_sha);
	if (rc == 0)
		rc = stamp_push(acc, rec->id, sig_sha);
	smsaudit_buf_dispose(&xml);
	return rc;
}

typedef struct {
	smsaudit_tsa *v;
	size_t n;
} tsa_set;

/* The time-stamping authorities configured at head, in path order. */
static int tsa_at_head(tsa_set *out, smsaudit_store *store)
{
	return smsaudit_tsa_list(&out->v, &out->n, store->repo, NULL);
}

static void tsa_set_free(tsa_set *t)
{
	smsaudit_tsa_list_free(t->v, t->n);
}

/*
 * Once a TSA is configured, a commit that adds records carries a token over
 * the list of them, from the first TSA that answers. When none does, the
 * work is committed without (a notice says so); `smsaudit stamp` adds it.
 * The list (at `path`) and its token when `*stamped`.
 */
static int stamp_make(smsaudit_store *store, stamp_acc *acc, time_t when, char path[200], smsaudit_buf *list,
                      smsaudit_buf *token, int *stamped)
{
	*stamped = 0;
	tsa_set tsas;
	int rc = tsa_at_head(&tsas, store);
	if (rc < 0 || tsas.n == 0 || acc->list.n == 0) {
		tsa_set_free(&tsas);
		return rc;
	}
	char why[600] = "";
	if ((rc = smsaudit_stamp_new_id(acc->list.id, when)) == 0 && (rc = smsaudit_stamp_path(path, 200,
	                                                                                   acc->list.id)) == 0)
		rc = smsaudit_stamp_write(list, &acc->list);
	if (rc == 0) {
		*stamped = smsaudit_tsa_stamp_first(token, tsas.v, tsas.n, list->ptr, list->size) == 0;
		if (!*stamped)
			snprintf(why, sizeof(why), "%s", smsaudit_error_last()->message);
		smsaudit_error_clear();
	}
	if (rc == 0 && !*stamped)
		notice("committed without a time-stamp: %s; run `smsaudit stamp` once the time-stamping authority answers "
		       "(within %ld hours of signing)", why, tsas.v[0].tolerance / 3600);
	tsa_set_free(&tsas);
	return rc;
}

static int add_stamp(smsaudit_store *store, smsaudit_txn *txn, stamp_acc *acc, time_t when)
{
	smsaudit_buf list = SMSAUDIT_BUF_INIT, token = SMSAUDIT_BUF_INIT;
	char path[200] = "", tsr[220];
	int stamped = 0;
	int rc = stamp_make(store, acc, when, path, &list, &token, &stamped);
	snprintf(tsr, sizeof(tsr), "%s.tsr", path);
	if (rc == 0 && stamped && (rc = smsaudit_txn_add(txn, path, list.ptr, list.size)) == 0)
		rc = smsaudit_txn_add(txn, tsr, token.ptr, token.size);
	smsaudit_buf_dispose(&list);
	smsaudit_buf_dispose(&token);
	return rc;
}

/* Commit the transaction, time-stamped when a TSA is configured. */
static int commit_stamped(smsaudit_store *store, smsaudit_txn *txn, stamp_acc *acc, const char *msg,
                          const char *name, const char *email, time_t when)
{
	smsaudit_oid commit;
	int rc = add_stamp(store, txn, acc, when);
	if (rc == 0)
		rc = smsaudit_txn_commit(&commit, txn, msg, name, email, when);
	smsaudit_stamp_dispose(&acc->list);
	return rc;
}

/* The structured commit message every change carries. */
static int commit_message(smsaudit_buf *msg, const char *summary, const char *action,
                          char (*ids)[SMSAUDIT_ID_MAX], size_t n, const char *name, const char *email,
                          const char *fp)
{
	int rc = buf_printf(msg, "%s\n\nSmsaudit-Action: %s\n", summary, action);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(msg, "Smsaudit-Record: %s\n", ids[i]);
	if (rc == 0)
		rc = buf_printf(msg, "Smsaudit-Signer: %s <%s> %s\n", name, email, fp);
	return rc;
}

/* ---- init ---- */

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
	struct stat st;
	if (stat(tmp, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(SMSAUDIT_EIO, "%s: not a directory", tmp);
	return 0;
}

static int sms_document(smsaudit_buf *out, const smsaudit_init_options *o, const char *cat_path,
                        const char *ca_fp, time_t now)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"sms");
	xmlDocSetRootElement(doc, root);
	xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)RECORD_NS, NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, (const xmlChar *)"version", (const xmlChar *)"1");
	xmlNewTextChild(root, ns, (const xmlChar *)"organisation", (const xmlChar *)o->organisation);
	xmlNewTextChild(root, ns, (const xmlChar *)"scope", (const xmlChar *)o->scope);
	xmlNodePtr sv = xmlNewChild(root, ns, (const xmlChar *)"services", NULL);
	for (size_t i = 0; i < o->nservices; i++)
		xmlNewTextChild(sv, ns, (const xmlChar *)"service", (const xmlChar *)o->services[i]);
	xmlNodePtr st = xmlNewChild(root, ns, (const xmlChar *)"sites", NULL);
	for (size_t i = 0; i < o->nsites; i++)
		xmlNewTextChild(st, ns, (const xmlChar *)"site", (const xmlChar *)o->sites[i]);
	if (o->certification_body)
		xmlNewTextChild(root, ns, (const xmlChar *)"certification-body", (const xmlChar *)o->certification_body);
	xmlNewChild(root, ns, (const xmlChar *)"cycle", NULL);
	xmlNodePtr dp = xmlNewChild(root, ns, (const xmlChar *)"deadline-policy", NULL);
	xmlNewTextChild(dp, ns, (const xmlChar *)"major-verify-days", (const xmlChar *)"90");
	xmlNewTextChild(dp, ns, (const xmlChar *)"major-after-stage2-months", (const xmlChar *)"6");
	xmlNewTextChild(dp, ns, (const xmlChar *)"minor-plan-days", (const xmlChar *)"30");
	const smsaudit_catalogue_info *ci = smsaudit_catalogue_info_get(o->catalogue);
	xmlNodePtr c = xmlNewChild(root, ns, (const xmlChar *)"catalogue", NULL);
	xmlNewProp(c, (const xmlChar *)"id", (const xmlChar *)ci->id);
	xmlNewProp(c, (const xmlChar *)"version", (const xmlChar *)ci->version);
	xmlNewProp(c, (const xmlChar *)"path", (const xmlChar *)cat_path);
	xmlNewProp(c, (const xmlChar *)"sha256", (const xmlChar *)ci->sha256);
	xmlNodePtr ta = xmlNewChild(root, ns, (const xmlChar *)"trust-anchor", NULL);
	xmlNewProp(ta, (const xmlChar *)"path", (const xmlChar *)CA_PATH);
	xmlNewProp(ta, (const xmlChar *)"fingerprint", (const xmlChar *)ca_fp);
	char t[21];
	smsaudit_time_format(t, now);
	xmlNewTextChild(root, ns, (const xmlChar *)"created-at", (const xmlChar *)t);
	xmlNewTextChild(root, ns, (const xmlChar *)"created-by", (const xmlChar *)o->email);
	int rc = record_schema_validate(doc, SMS_PATH);
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(out, doc);
	xmlFreeDoc(doc);
	return rc;
}

static int check_init_options(const smsaudit_init_options *o)
{
	if (!o->path || !*o->path)
		return error_set(SMSAUDIT_EUSAGE, "init needs a directory");
	int rc;
	/* Each name is checked by the one text check, which names the fault. */
	if ((rc = smsaudit_text_check("--org", o->organisation, 500)) < 0)
		return rc;
	if (!o->scope || !*o->scope)
		return error_set(SMSAUDIT_EINVALID, "--scope: give the scope statement (valid UTF-8 text)");
	/* Free text, like a note: it is shown on every pack's cover. */
	if ((rc = smsaudit_note_check("--scope", o->scope, 20000)) < 0)
		return rc;
	if ((rc = smsaudit_text_check("--name", o->name, 500)) < 0)
		return rc;
	if (!email_ok(o->email))
		return error_set(SMSAUDIT_EINVALID, "--email: '%s' is not an email address", o->email ? o->email : "");
	for (size_t i = 0; i < o->nservices; i++)
		if ((rc = smsaudit_text_check("--service", o->services[i], 500)) < 0)
			return rc;
	for (size_t i = 0; i < o->nsites; i++)
		if ((rc = smsaudit_text_check("--site", o->sites[i], 500)) < 0)
			return rc;
	if (o->certification_body && (rc = smsaudit_text_check("--cb", o->certification_body, 500)) < 0)
		return rc;
	if (!o->ca_cert_path != !o->ca_key_path)
		return error_set(SMSAUDIT_EUSAGE, "--ca and --ca-key go together");
	if (!o->keys_dir || !*o->keys_dir)
		return error_set(SMSAUDIT_EUSAGE, "no keys directory");
	if (!o->catalogue)
		return error_set(SMSAUDIT_EUSAGE, "no catalogue");
	return 0;
}

static int load_or_create_key(smsaudit_key **key, int *created, const char *path, const char *passphrase)
{
	struct stat st;
	*created = 0;
	if (lstat(path, &st) == 0)
		return smsaudit_key_load(key, path, passphrase);
	int rc = smsaudit_key_generate(key);
	if (rc == 0 && (rc = smsaudit_key_save(*key, path, passphrase)) == 0)
		*created = 1;
	return rc;
}

int smsaudit_store_init(smsaudit_store **out, const smsaudit_init_options *o, smsaudit_init_result *res)
{
	*out = NULL;
	memset(res, 0, sizeof(*res));
	int rc = check_init_options(o);
	if (rc < 0)
		return rc;
	struct stat st;
	if (stat(o->path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return error_set(SMSAUDIT_EEXISTS, "%s: exists and is not a directory", o->path);
		if (rmdir(o->path) < 0) /* only an empty directory may be used */
			return error_set(SMSAUDIT_EEXISTS, "%s: exists and is not empty; choose a new directory", o->path);
	}
	if ((rc = mkdir_p(o->keys_dir, 0700)) < 0)
		return rc;

	time_t now = smsaudit_now();
	smsaudit_key *ca_key = NULL, *key = NULL;
	smsaudit_cert *ca = NULL, *cert = NULL;
	smsaudit_repo *repo = NULL;
	smsaudit_txn *txn = NULL;
	smsaudit_buf sms = SMSAUDIT_BUF_INIT, pem = SMSAUDIT_BUF_INIT, msg = SMSAUDIT_BUF_INIT;
	int ca_created = 0, repo_created = 0;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));

	if (o->ca_cert_path) {
		if ((rc = smsaudit_cert_load(&ca, o->ca_cert_path)) < 0 ||
		    (rc = smsaudit_key_load(&ca_key, o->ca_key_path, o->passphrase)) < 0)
			goto fail;
		if (!smsaudit_cert_is_ca(ca)) {
			rc = error_set(SMSAUDIT_EINVALID, "%s: not a CA certificate", o->ca_cert_path);
			goto fail;
		}
		if (!smsaudit_cert_matches_key(ca, ca_key)) {
			rc = error_set(SMSAUDIT_EINVALID, "%s: does not belong to %s", o->ca_key_path, o->ca_cert_path);
			goto fail;
		}
	} else {
		char cn[SMSAUDIT_CERT_NAME_MAX * 4 + 1];
		/* A long legal name is shortened, not the words saying what the
		 * certificate is; smsaudit.xml keeps the name whole. */
		smsaudit_cert_name_fit(cn, sizeof(cn), o->organisation, " SMS Evidence CA");
		if ((rc = smsaudit_key_generate(&ca_key)) < 0 ||
		    (rc = smsaudit_cert_new_ca(&ca, ca_key, cn, now - 60, 3650)) < 0)
			goto fail;
	}
	if ((rc = smsaudit_cert_fingerprint(res->ca_fingerprint, ca)) < 0)
		goto fail;
	if (!o->ca_cert_path) {
		smsaudit_keys_ca_path(res->ca_key_path, sizeof(res->ca_key_path), o->keys_dir, res->ca_fingerprint);
		if ((rc = smsaudit_key_save(ca_key, res->ca_key_path, o->passphrase)) < 0)
			goto fail;
		ca_created = 1;
	}
	smsaudit_keys_person_path(res->person_key_path, sizeof(res->person_key_path), o->keys_dir, o->email);
	if ((rc = load_or_create_key(&key, &res->person_key_created, res->person_key_path, o->passphrase)) < 0)
		goto fail;
	if ((rc = smsaudit_cert_issue(&cert, ca, ca_key, key, o->name, o->email, now - 60, o->cert_days)) < 0)
		goto fail;

	/* The genesis grant: the first quality manager, signed by themselves. */
	rec.type = SMSAUDIT_REC_PERSON;
	rec.made_at = now;
	rec.made_by = (char *)o->email;
	if ((rc = smsaudit_record_new_id(rec.id, rec.type, now)) < 0 ||
	    (rc = smsaudit_cert_to_pem(&pem, cert)) < 0 ||
	    (rc = smsaudit_cert_fingerprint(rec.person.fingerprint, cert)) < 0)
		goto fail;
	rec.person.name = (char *)o->name;
	rec.person.email = (char *)o->email;
	rec.person.roles = SMSAUDIT_ROLE_QUALITY_MANAGER;
	rec.person.valid_from = now;
	rec.person.certificate = pem.ptr;

	const smsaudit_catalogue_info *ci = smsaudit_catalogue_info_get(o->catalogue);
	char cat_path[160];
	snprintf(cat_path, sizeof(cat_path), "catalogue/%s.xml", ci->id);
	if ((rc = sms_document(&sms, o, cat_path, res->ca_fingerprint, now)) < 0)
		goto fail;

	if ((rc = smsaudit_repo_init(&repo, o->path)) < 0)
		goto fail;
	repo_created = 1;
	size_t cat_len = 0;
	const char *cat_bytes = smsaudit_catalogue_bytes(o->catalogue, &cat_len);
	smsaudit_buf ca_pem = SMSAUDIT_BUF_INIT;
	/* No TSA can be configured before the repository exists: the first commit
	 * is never stamped. */
	stamp_acc init_acc;
	memset(&init_acc, 0, sizeof(init_acc));
	if ((rc = smsaudit_txn_new(&txn, repo)) < 0 || (rc = smsaudit_cert_to_pem(&ca_pem, ca)) < 0 ||
	    (rc = add_signed(txn, CA_PATH, &ca_pem, cert, key, now, NULL)) < 0 ||
	    (rc = add_signed(txn, SMS_PATH, &sms, cert, key, now, NULL)) < 0 ||
	    (rc = smsaudit_txn_add(txn, cat_path, cat_bytes, cat_len)) < 0 ||
	    (rc = add_record(txn, &rec, cert, key, &init_acc)) < 0) {
		smsaudit_buf_dispose(&ca_pem);
		smsaudit_stamp_dispose(&init_acc.list);
		goto fail;
	}
	smsaudit_buf_dispose(&ca_pem);
	smsaudit_stamp_dispose(&init_acc.list);
	char summary[700];
	snprintf(summary, sizeof(summary), "init: %s", o->organisation);
	char fp[65];
	smsaudit_oid commit;
	char ids[1][SMSAUDIT_ID_MAX];
	memcpy(ids[0], rec.id, SMSAUDIT_ID_MAX);
	if ((rc = smsaudit_cert_fingerprint(fp, cert)) < 0 ||
	    (rc = commit_message(&msg, summary, "init", ids, 1, o->name, o->email, fp)) < 0 ||
	    (rc = smsaudit_txn_commit(&commit, txn, msg.ptr, o->name, o->email, now)) < 0)
		goto fail;
	smsaudit_txn_free(txn);
	txn = NULL;
	smsaudit_repo_free(repo);
	repo = NULL;
	rc = smsaudit_store_open(out, o->path);
	goto done;

fail:
	/* Leave nothing behind that claims to be a repository or a key. */
	smsaudit_txn_free(txn);
	txn = NULL;
	smsaudit_repo_free(repo);
	repo = NULL;
	if (repo_created)
		remove_tree(o->path);
	if (ca_created)
		unlink(res->ca_key_path);
	if (res->person_key_created)
		unlink(res->person_key_path);
done:
	smsaudit_txn_free(txn);
	smsaudit_repo_free(repo);
	smsaudit_key_free(ca_key);
	smsaudit_key_free(key);
	smsaudit_cert_free(ca);
	smsaudit_cert_free(cert);
	smsaudit_buf_dispose(&sms);
	smsaudit_buf_dispose(&pem);
	smsaudit_buf_dispose(&msg);
	return rc;
}

int smsaudit_identity_load(smsaudit_identity **out, smsaudit_store *store, const char *key_path,
                           const char *passphrase)
{
	*out = NULL;
	smsaudit_identity *id = calloc(1, sizeof(*id));
	if (!id)
		return error_oom();
	int rc = smsaudit_key_load(&id->key, key_path, passphrase);
	smsaudit_state *st = NULL;
	if (rc == 0)
		rc = smsaudit_state_load(&st, store, NULL, STATE_PEOPLE_ONLY | STATE_FOR_WRITE);
	const smsaudit_person_entry *match = NULL;
	for (size_t i = 0; rc == 0 && i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		smsaudit_cert *c = NULL;
		const char *pem = pe->record->person.certificate;
		if (smsaudit_cert_from_pem(&c, pem, strlen(pem), "grant") == 0 && smsaudit_cert_matches_key(c, id->key)) {
			match = pe; /* grants are in time order: the last match is the latest */
			smsaudit_cert_free(id->cert);
			id->cert = c;
		} else {
			smsaudit_cert_free(c);
		}
	}
	if (rc == 0 && !match)
		rc = error_set(SMSAUDIT_ENOTFOUND, "%s: this key belongs to nobody in the repository %s", key_path,
		               smsaudit_repo_path(store->repo));
	if (rc == 0) {
		const smsaudit_person_body *p = &match->record->person;
		time_t now = smsaudit_now();
		id->email = xstrdup(p->email);
		id->name = xstrdup(p->name);
		snprintf(id->fingerprint, sizeof(id->fingerprint), "%s", p->fingerprint);
		/* Roles count only while the grant is in force. */
		int in_force = (!match->revoked_at || now < match->revoked_at) && now >= p->valid_from &&
		               (!p->valid_until || now < p->valid_until);
		time_t nb, na;
		smsaudit_cert_validity(id->cert, &nb, &na);
		if (now < nb || now >= na) {
			char d[11];
			smsaudit_date_format(d, na);
			rc = error_set(SMSAUDIT_EINVALID, "the certificate of %s expired on %s (or is not valid yet); ask a "
			               "quality manager for a new one", p->email, d);
		} else if (match->revoked_at && now >= match->revoked_at) {
			rc = error_set(SMSAUDIT_EINVALID, "the certificate of %s has been revoked", p->email);
		}
		id->roles = in_force ? p->roles : 0;
		if (!id->email || !id->name)
			rc = SMSAUDIT_ENOMEM;
	}
	smsaudit_state_free(st);
	if (rc < 0) {
		smsaudit_identity_free(id);
		return rc;
	}
	*out = id;
	return 0;
}

static int require_role(const smsaudit_identity *signer, smsaudit_record_type type)
{
	unsigned need = smsaudit_record_signer_roles(type);
	if (signer->roles & need)
		return 0;
	char have[200], want[200];
	smsaudit_roles_format(have, sizeof(have), signer->roles);
	smsaudit_roles_format(want, sizeof(want), need);
	return error_set(SMSAUDIT_EINVALID, "%s may not sign %s %s record (roles: %s; needs one of: %s)",
	                 signer->email, smsaudit_article(smsaudit_record_type_name(type)),
	                 smsaudit_record_type_name(type), *have ? have : "none", want);
}

/* Sign one record (and optionally one more signed file) and commit them. */
static int commit_signed(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *rec,
                         const char *summary, const char *action, const char *extra_path,
                         const smsaudit_buf *extra)
{
	smsaudit_txn *txn = NULL;
	smsaudit_buf msg = SMSAUDIT_BUF_INIT;
	stamp_acc acc;
	memset(&acc, 0, sizeof(acc));
	char ids[1][SMSAUDIT_ID_MAX];
	memcpy(ids[0], rec->id, SMSAUDIT_ID_MAX);
	int rc = smsaudit_txn_new(&txn, store->repo);
	if (rc == 0 && extra_path)
		rc = add_signed(txn, extra_path, extra, signer->cert, signer->key, rec->made_at, NULL);
	if (rc == 0)
		rc = add_record(txn, rec, signer->cert, signer->key, &acc);
	if (rc == 0)
		rc = commit_message(&msg, summary, action, ids, 1, signer->name, signer->email, signer->fingerprint);
	if (rc == 0)
		rc = commit_stamped(store, txn, &acc, msg.ptr, signer->name, signer->email, rec->made_at);
	smsaudit_stamp_dispose(&acc.list);
	smsaudit_txn_free(txn);
	smsaudit_buf_dispose(&msg);
	return rc;
}

int store_rewrite_sms(smsaudit_store *store, smsaudit_identity *signer, sms_edit_fn edit, void *u,
                      const char *summary, const char *action)
{
	if (!(signer->roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
		return error_set(SMSAUDIT_EINVALID, "%s may not change the SMS description: only a quality manager signs it",
		                 signer->email);
	smsaudit_buf b = SMSAUDIT_BUF_INIT, out = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	smsaudit_state *st = NULL;
	/* The description in force now: the latest sms record, else smsaudit.xml. */
	int rc = smsaudit_state_load(&st, store, NULL, STATE_PEOPLE_ONLY | SMSAUDIT_STATE_USE_CACHE);
	if (rc == 0)
		rc = smsaudit_state_sms(&b, store, st);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&doc, b.ptr, b.size, SMS_PATH);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	/* A reason belongs to the version that states it, never to the next. */
	xmlNodePtr old_reason = root ? smsaudit_xml_child(root, "change-reason") : NULL;
	if (old_reason) {
		xmlUnlinkNode(old_reason);
		xmlFreeNode(old_reason);
	}
	if (rc == 0)
		rc = edit(doc, root, root ? root->ns : NULL, u);
	/* What verify would refuse is never written. */
	if (rc == 0)
		rc = record_schema_validate(doc, SMS_PATH);
	if (rc == 0)
		rc = smsaudit_xml_write_canonical(&out, doc);
	if (rc == 0 && out.size == b.size && memcmp(out.ptr, b.ptr, b.size) == 0)
		rc = error_set(SMSAUDIT_EINVALID, "the SMS description already says that; nothing to change");
	/* A new version is a new record, never an edit of smsaudit.xml: two people
	 * changing it offline add two records, and the later one counts. */
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_SMS;
	rec.made_at = smsaudit_now();
	rec.made_by = signer->email;
	if (rc == 0 && (rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at)) == 0 && (rc = buf_put(&out, "", 1)) == 0) {
		rec.sms.xml = out.ptr;
		rc = commit_signed(store, signer, &rec, summary, action, NULL, NULL);
	}
	smsaudit_state_free(st);
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
	smsaudit_buf_dispose(&out);
	return rc;
}

int store_commit_record(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *rec,
                        const char *summary, const char *action)
{
	return commit_signed(store, signer, rec, summary, action, NULL, NULL);
}

static int commit_one(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *rec,
                      const char *summary, const char *action)
{
	return commit_signed(store, signer, rec, summary, action, NULL, NULL);
}

/* The valid anchor record naming a certification body's CA at head, or NULL
 * (`st` must outlive the result). */
static const smsaudit_record *body_anchor(const smsaudit_state *st, const char *fingerprint)
{
	const smsaudit_record *found = NULL;
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (e.record && e.valid && e.record->type == SMSAUDIT_REC_ANCHOR &&
		    (!fingerprint || strcmp(e.record->anchor.fingerprint, fingerprint) == 0))
			found = e.record;
	}
	return found;
}

/* The same rule as the replay's (state.c, check_external_grant), at the door:
 * a certificate from a body's CA holds the external-auditor role alone, and
 * once a body's CA is named, external auditors' certificates come from one. */
static int check_external_grant_input(smsaudit_store *store, const smsaudit_cert *cert, const char *email,
                                      unsigned roles, time_t now)
{
	smsaudit_trust *org = NULL;
	int rc = smsaudit_trust_new(&org);
	if (rc == 0)
		rc = smsaudit_trust_add(org, store->ca);
	int from_org = rc == 0 && smsaudit_trust_check_cert(org, cert, now) == 0;
	smsaudit_trust_free(org);
	smsaudit_error_clear();
	if (rc < 0)
		return rc;
	if (!from_org && roles != SMSAUDIT_ROLE_EXTERNAL_AUDITOR)
		return error_set(SMSAUDIT_EINVALID, "the certificate for %s comes from a certification body's CA, which may "
		                 "hold the external-auditor role only", email);
	if (!from_org || !(roles & SMSAUDIT_ROLE_EXTERNAL_AUDITOR))
		return 0;
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_record *a = body_anchor(st, NULL);
	if (a)
		rc = error_set(SMSAUDIT_EINVALID, "the certificate for %s comes from the organisation's CA; external auditors' "
		               "certificates come from a certification body's CA since %s named %s's (%.16s): ask the "
		               "auditor for theirs (smsaudit key request)", email, a->id, a->anchor.name,
		               a->anchor.fingerprint);
	smsaudit_state_free(st);
	return rc;
}

int smsaudit_store_add_anchor(char id_out[SMSAUDIT_ID_MAX], char fingerprint_out[65], smsaudit_store *store,
                              smsaudit_identity *signer, const smsaudit_cert *ca, const char *name)
{
	int rc = require_role(signer, SMSAUDIT_REC_ANCHOR);
	if (rc < 0)
		return rc;
	if (!name || !*name)
		return error_set(SMSAUDIT_EINVALID, "--name: name the certification body");
	if ((rc = smsaudit_text_check("--name", name, 500)) < 0)
		return rc;
	if (!smsaudit_cert_is_ca(ca))
		return error_set(SMSAUDIT_EINVALID, "--ca: not a CA certificate (basicConstraints CA:TRUE)");
	char fp[65], org[65];
	if ((rc = smsaudit_cert_fingerprint(fp, ca)) < 0 || (rc = smsaudit_cert_fingerprint(org, store->ca)) < 0)
		return rc;
	if (strcmp(fp, org) == 0)
		return error_set(SMSAUDIT_EINVALID, "--ca: that is the organisation's own CA, not a certification body's");
	time_t nb, na, now = smsaudit_now();
	smsaudit_cert_validity(ca, &nb, &na);
	if (now < nb || now >= na)
		return error_set(SMSAUDIT_EINVALID, "--ca: the certificate is not valid now");
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_record *have = body_anchor(st, fp);
	if (have)
		rc = error_set(SMSAUDIT_EEXISTS, "%s's CA (%.16s) is already an anchor (%s)", have->anchor.name, fp, have->id);
	smsaudit_state_free(st);
	if (rc < 0)
		return rc;
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	char anchor_path[200];
	snprintf(anchor_path, sizeof(anchor_path), "%s/%s.pem", ANCHORS_DIR, fp);
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_ANCHOR;
	rec.made_at = now;
	rec.made_by = signer->email;
	rec.anchor.name = (char *)name;
	rec.anchor.roles = SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	snprintf(rec.anchor.fingerprint, sizeof(rec.anchor.fingerprint), "%s", fp);
	if ((rc = smsaudit_cert_to_pem(&pem, ca)) == 0 && (rc = smsaudit_record_new_id(rec.id, rec.type, now)) == 0) {
		/* The record says what the anchor is for; the file beside it is what
		 * signatures are checked against (trust/anchors/, signed too). */
		rec.anchor.certificate = pem.ptr;
		int have_file = smsaudit_repo_exists(store->repo, NULL, anchor_path);
		smsaudit_error_clear();
		char summary[700];
		snprintf(summary, sizeof(summary), "anchor add: %s's CA %.16s for the external-auditor role", name, fp);
		rc = commit_signed(store, signer, &rec, summary, "anchor-add", have_file ? NULL : anchor_path, &pem);
	}
	if (rc == 0) {
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
		memcpy(fingerprint_out, fp, 65);
	}
	smsaudit_buf_dispose(&pem);
	return rc;
}

int smsaudit_store_add_person(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                              smsaudit_identity *signer, const smsaudit_cert *cert,
                              const smsaudit_cert *issuer, const char *name, const char *email,
                              unsigned roles, time_t valid_until)
{
	int rc = require_role(signer, SMSAUDIT_REC_PERSON);
	if (rc < 0)
		return rc;
	if ((rc = smsaudit_text_check("--name", name, 500)) < 0)
		return rc;
	if (!email_ok(email))
		return error_set(SMSAUDIT_EINVALID, "--email: '%s' is not an email address", email ? email : "");
	time_t now = smsaudit_now();
	char cert_email[256];
	smsaudit_cert_email(cert_email, sizeof(cert_email), cert);
	if (strcmp(cert_email, email) != 0)
		return error_set(SMSAUDIT_EINVALID, "the certificate is for '%s', not '%s'", *cert_email ? cert_email : "no email",
		                 email);
	char anchor_path[200] = "";
	smsaudit_buf anchor_pem = SMSAUDIT_BUF_INIT;
	if (smsaudit_trust_check_cert(store->trust, cert, now) < 0) {
		if (!issuer)
			return error_set(SMSAUDIT_EINVALID, "the certificate for %s was not issued by the organisation's CA; "
			                 "give its issuing CA with --issuer FILE", email);
		if (!smsaudit_cert_is_ca(issuer))
			return error_set(SMSAUDIT_EINVALID, "the issuer given for %s is not a CA certificate", email);
		if ((rc = smsaudit_trust_add(store->trust, issuer)) < 0 || (rc = store_note_anchor(store, issuer)) < 0)
			return rc;
		if ((rc = smsaudit_trust_check_cert(store->trust, cert, now)) < 0)
			return error_prefix(SMSAUDIT_EINVALID, "the certificate for %s is not usable here", email);
		char ifp[65];
		if ((rc = smsaudit_cert_fingerprint(ifp, issuer)) < 0 || (rc = smsaudit_cert_to_pem(&anchor_pem, issuer)) < 0)
			return rc;
		snprintf(anchor_path, sizeof(anchor_path), "%s/%s.pem", ANCHORS_DIR, ifp);
		if (smsaudit_repo_exists(store->repo, NULL, anchor_path))
			anchor_path[0] = '\0'; /* already an anchor */
		smsaudit_error_clear();
	}
	if (valid_until && valid_until <= now)
		return error_set(SMSAUDIT_EINVALID, "--valid-until is in the past");
	if ((rc = check_external_grant_input(store, cert, email, roles, now)) < 0) {
		smsaudit_buf_dispose(&anchor_pem);
		return rc;
	}
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	rec.type = SMSAUDIT_REC_PERSON;
	rec.made_at = now;
	rec.made_by = signer->email;
	rec.person.name = (char *)name;
	rec.person.email = (char *)email;
	rec.person.roles = roles;
	rec.person.valid_from = now;
	rec.person.valid_until = valid_until;
	if ((rc = smsaudit_record_new_id(rec.id, rec.type, now)) == 0 &&
	    (rc = smsaudit_cert_to_pem(&pem, cert)) == 0 &&
	    (rc = smsaudit_cert_fingerprint(rec.person.fingerprint, cert)) == 0) {
		rec.person.certificate = pem.ptr;
		char summary[700], rl[200];
		smsaudit_roles_format(rl, sizeof(rl), roles);
		snprintf(summary, sizeof(summary), "person add: %s <%s> as %s", name, email, rl);
		rc = commit_signed(store, signer, &rec, summary, "person-add", anchor_path[0] ? anchor_path : NULL,
		                   &anchor_pem);
	}
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	smsaudit_buf_dispose(&pem);
	smsaudit_buf_dispose(&anchor_pem);
	return rc;
}

int smsaudit_store_revoke_person(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                                 smsaudit_identity *signer, const char *email, const char *reason,
                                 time_t effective)
{
	int rc = require_role(signer, SMSAUDIT_REC_REVOCATION);
	if (rc < 0)
		return rc;
	if ((rc = smsaudit_text_check("--reason", reason, 500)) < 0)
		return rc;
	if (strcmp(email, signer->email) == 0)
		return error_set(SMSAUDIT_EINVALID, "you cannot revoke your own certificate; ask another quality manager");
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_PEOPLE_ONLY | STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_person_entry *cur = NULL;
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (pe->current && strcmp(pe->record->person.email, email) == 0)
			cur = pe;
	}
	if (!cur) {
		smsaudit_state_free(st);
		return error_set(SMSAUDIT_ENOTFOUND, "no person '%s' in this repository", email);
	}
	if (cur->revoked_at) {
		smsaudit_state_free(st);
		return error_set(SMSAUDIT_EINVALID, "the certificate of %s is already revoked", email);
	}
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_REVOCATION;
	rec.made_at = smsaudit_now();
	rec.made_by = signer->email;
	rec.revocation.email = (char *)email;
	snprintf(rec.revocation.fingerprint, sizeof(rec.revocation.fingerprint), "%s", cur->record->person.fingerprint);
	rec.revocation.effective = effective ? effective : rec.made_at;
	rec.revocation.reason = (char *)reason;
	smsaudit_state_free(st);
	if ((rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at)) < 0)
		return rc;
	char summary[600];
	snprintf(summary, sizeof(summary), "person revoke: %s", email);
	rc = commit_one(store, signer, &rec, summary, "person-revoke");
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	return rc;
}

/* ---- evidence ---- */

static const char *where_of(const smsaudit_evidence_input *in)
{
	return in->where ? in->where : in->file;
}

static int check_input(smsaudit_store *store, const smsaudit_evidence_input *in)
{
	const char *w = where_of(in);
	if (smsaudit_text_check("title", in->title, 500) < 0)
		return error_prefix(SMSAUDIT_EINVALID, "%s", w);
	if (in->ncontrols == 0)
		return error_set(SMSAUDIT_EINVALID, "%s: give at least one control (clause id)", w);
	for (size_t i = 0; i < in->ncontrols; i++) {
		const smsaudit_clause *c = NULL;
		if (smsaudit_catalogue_find(&c, store->catalogue, in->controls[i]) < 0)
			return error_prefix(SMSAUDIT_EINVALID, "%s", w);
		if (!c->assessable)
			return error_set(SMSAUDIT_EINVALID, "%s: clause %s is a heading; give one of its sub-clauses (%s to %s)",
			                 w, c->id, c->children[0]->id, c->children[c->nchildren - 1]->id);
		for (size_t k = 0; k < i; k++)
			if (strcmp(in->controls[k], in->controls[i]) == 0)
				return error_set(SMSAUDIT_EINVALID, "%s: control %s is given twice", w, in->controls[i]);
	}
	if ((unsigned)in->kind >= SMSAUDIT_KIND__COUNT)
		return error_set(SMSAUDIT_EINVALID, "%s: unknown evidence kind", w);
	char from[11], to[11], until[11];
	smsaudit_date_format(from, in->period_from);
	smsaudit_date_format(to, in->period_to);
	smsaudit_date_format(until, in->valid_until);
	if (in->has_period && in->period_to < in->period_from)
		return error_set(SMSAUDIT_EINVALID, "%s: the period %s..%s ends before it starts", w, from, to);
	if (in->valid_until && in->has_period && in->valid_until < in->period_from)
		return error_set(SMSAUDIT_EINVALID, "%s: valid-until %s is before the period it covers (%s..%s)", w, until,
		                 from, to);
	if (in->note && smsaudit_note_check("note", in->note, 20000) < 0)
		return error_prefix(SMSAUDIT_EINVALID, "%s", w);
	/* A file name that hides or reorders characters is refused, not escaped:
	 * the name is what people read in lists and packs, and --name gives a
	 * better one while the content keeps its digest. */
	if (in->name && smsaudit_filename_check("--name", in->name) < 0)
		return error_prefix(SMSAUDIT_EINVALID, "%s", w);
	return 0;
}

/* Open an evidence file safely: no symlinks, only a non-empty regular file
 * (file_open_input: a FIFO or device cannot hang us). */
static int open_evidence(int *fd_out, const smsaudit_evidence_input *in)
{
	const char *w = where_of(in);
	struct stat st;
	int exists = lstat(in->file, &st) == 0;
	if (exists && S_ISLNK(st.st_mode))
		return error_set(SMSAUDIT_EINVALID, "%s: is a symbolic link; give the file itself", w);
	int fd;
	if (file_open_input(&fd, in->file, FILE_INPUT_NOFOLLOW) < 0) {
		/* A folder or a FIFO given as evidence is bad input; a missing or
		 * unreadable file is the environment's. */
		char msg[1100];
		snprintf(msg, sizeof(msg), "%s", smsaudit_error_last()->message);
		int code = exists && !S_ISREG(st.st_mode) ? SMSAUDIT_EINVALID : SMSAUDIT_EIO;
		return in->where ? error_set(code, "%s: %s", in->where, msg) : error_set(code, "%s", msg);
	}
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return error_set(SMSAUDIT_EINVALID, "%s: is empty; evidence must be a non-empty regular file", w);
	}
	*fd_out = fd;
	return 0;
}

static int find_active_with_sha(char *id_out, char *title_out, size_t tsize, smsaudit_store *store,
                                const char *sha)
{
	smsaudit_state *st = NULL;
	int found = 0;
	if (smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE) == 0) {
		for (size_t i = 0; i < smsaudit_state_evidence_count(st) && !found; i++) {
			const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
			if (e->status == SMSAUDIT_EV_ACTIVE && strcmp(e->record->evidence.sha256, sha) == 0) {
				snprintf(id_out, SMSAUDIT_ID_MAX, "%s", e->record->id);
				snprintf(title_out, tsize, "%s", e->record->evidence.title);
				found = 1;
			}
		}
	}
	smsaudit_state_free(st);
	smsaudit_error_clear();
	return found;
}

/* Private key material in evidence: the one refusal, whichever check found it. */
static int secret_refused(const char *where, const char *what)
{
	return error_set(SMSAUDIT_EINVALID, "%s: holds %s; private keys never go into the repository, which is shared "
	                 "with auditors (--allow-secret adds it anyway)", where, what);
}

typedef struct {
	secret_scan scan;
	const char *where;
} secret_check;

/* The store's look at each piece of content (content_check_fn). */
static int secret_seen(void *payload, const unsigned char *data, size_t len)
{
	secret_check *c = payload;
	return secret_scan_feed(&c->scan, data, len) ? secret_refused(c->where, c->scan.what) : 0;
}

/*
 * `evidence add` and `import` of many files (bench/RESULTS.md, "Ingest"). The
 * inputs come one at a time (an array, or a stream such as a CSV read as it
 * goes) into a ring of slots; the files are prepared on every core (ingest.c)
 * — read, looked at for key material, hashed, their record written and
 * signed, content, record and signature made into pack entries (packwrite.c)
 * — and taken back here in their order, where the checks against the batch
 * and the repository run and the entries are appended to the one pack the
 * command writes. What is kept of a file until the commit is its ev_kept (104
 * bytes) and its objects' index entries (packwrite.c); the commit's trees and
 * the commit itself are written into the same pack from those (treewrite.c),
 * not held in libgit2's tree builders and in-memory object store. Each check
 * and its message come in the order of the sequential loop this replaced, so
 * the first bad input in the order given is the one reported, whatever the
 * number of threads (SMSAUDIT_JOBS=1 is that loop).
 */

/* Where an input's failure is raised: the input itself (the stream's own
 * failure, or a field check), before the checks against the batch and the
 * repository (reading the file), after them (its name, its id), or when it is
 * added (its record). */
enum { EV_OK, EV_FAIL_INPUT, EV_FAIL_READ, EV_FAIL_NAME, EV_FAIL_RECORD };

typedef struct {
	int fail, fail_code;
	char fail_msg[1024];
	smsaudit_evidence_input in;     /* the input, its strings copied into `arena` */
	smsaudit_buf arena;
	const char **controls;
	size_t controls_alloc;
	char sha[65];
	uint64_t size;
	smsaudit_oid blob;
	int packed;                 /* content is in `content` (else a loose object) */
	smsaudit_buf content, xml, sig;
	uint32_t content_crc, xml_crc, sig_crc;
	unsigned char xml_id[20], sig_id[20];
	char id[SMSAUDIT_ID_MAX];
	char sig_sha[65];
	smsaudit_buf whole, raw_xml, raw_sig;   /* working buffers, reused */
} ev_slot;

/* What is kept of each file until the commit: its record's path and id follow
 * from `rnd` (all ids of a batch share their date), its content's path from
 * `sha`. */
typedef struct {
	uint32_t item;              /* its place in the order given */
	unsigned char rnd[8];       /* the random part of its record id */
	unsigned char sha[32];      /* its content's SHA-256 */
	unsigned char blob[20], xml[20], sig[20];
} ev_kept;

/* Content digests seen in this batch: the first file with each, by the
 * first 128 bits of the SHA-256 (24 bytes a file). */
#define SEEN_BYTES 16
typedef struct {
	unsigned char sha[SEEN_BYTES];
	uint32_t item;              /* plus one; 0: empty */
	uint32_t packed;            /* its content was appended to the pack */
} seen_entry;

typedef struct {
	seen_entry *e;
	size_t cap, n;
} seen_set;

typedef struct {
	smsaudit_store *store;
	smsaudit_identity *signer;
	const smsaudit_evidence_stream *src;
	int ended;                  /* the stream ended, or failed */
	size_t total;               /* inputs when known in advance (progress), else 0 */
	unsigned flags;
	smsaudit_progress_fn progress;
	void *payload;
	time_t now;
	char id_prefix[24];         /* "ev-YYYYMMDD-": every record id of the batch */
	packw_maker **makers;
	sign_batch *signs;          /* NULL: each signature by CMS_sign */
	sign_batch_ctx **sign_ctx;  /* per worker */
	packw *pack;
	smsaudit_oid head;          /* main when the batch started */
	int have_head;
	stamp_acc *acc;             /* NULL: no time-stamping authority configured */
	seen_set seen;
	ev_kept *kept;
	size_t nkept, akept;
	char summary[700];          /* the commit's first line for one file */
	/* The new tree entries, in path order (ev_tree_next): content, records,
	 * then the time-stamp's list and token. */
	int phase, half, sorted;
	size_t pos;
	char path[300];
	char extra_path[2][220];
	unsigned char extra_id[2][20];
	size_t nextra;
} ev_batch;

static void unhex(unsigned char *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex[2 * i], lo = hex[2 * i + 1];
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
}

static void tohex(char *out, const unsigned char *in, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The record id of a kept file. */
static void kept_id(char out[SMSAUDIT_ID_MAX], const ev_batch *b, const ev_kept *k)
{
	char hex[17];
	tohex(hex, k->rnd, 8);
	snprintf(out, SMSAUDIT_ID_MAX, "%s%s", b->id_prefix, hex);
}

/* The entry for `sha`: the one holding it, or the empty one it would go in. */
static seen_entry *seen_slot(seen_set *s, const unsigned char *sha)
{
	size_t h;
	memcpy(&h, sha, sizeof(h));
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
		if (!s->e[i].item || memcmp(s->e[i].sha, sha, SEEN_BYTES) == 0)
			return &s->e[i];
}

/* Room for one more at most half full; `want` entries in all when first made. */
static int seen_grow(seen_set *s, size_t want)
{
	if (s->cap && s->n * 2 < s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 1024;
	while (!s->cap && cap < want * 2)
		cap *= 2;
	seen_set t = { calloc(cap, sizeof(seen_entry)), cap, s->n };
	if (!t.e)
		return error_oom();
	for (size_t i = 0; i < s->cap; i++)
		if (s->e[i].item)
			*seen_slot(&t, s->e[i].sha) = s->e[i];
	free(s->e);
	*s = t;
	return 0;
}

/* Keep this thread's error in the slot, to be raised in order. */
static void ev_fail(ev_slot *sl, int stage)
{
	const smsaudit_error *e = smsaudit_error_last();
	sl->fail = stage;
	sl->fail_code = e ? e->code : SMSAUDIT_ERROR;
	snprintf(sl->fail_msg, sizeof(sl->fail_msg), "%s", e && e->message ? e->message : "unknown error");
	smsaudit_error_clear();
}

/* A copy of `in` in the slot (the stream's own is gone at its next call). */
static int slot_set_input(ev_slot *sl, const smsaudit_evidence_input *in)
{
	const char *from[5] = { in->file, in->name, in->title, in->note, in->where };
	size_t need = 0;
	for (int k = 0; k < 5; k++)
		need += from[k] ? strlen(from[k]) + 1 : 0;
	for (size_t c = 0; c < in->ncontrols; c++)
		need += strlen(in->controls[c]) + 1;
	if (in->ncontrols > sl->controls_alloc) {
		const char **v = realloc(sl->controls, in->ncontrols * sizeof(*v));
		if (!v)
			return error_oom();
		sl->controls = v;
		sl->controls_alloc = in->ncontrols;
	}
	sl->arena.size = 0;
	int rc = buf_grow(&sl->arena, need);
	if (rc < 0)
		return rc;
	sl->in = *in;
	const char **to[5] = { &sl->in.file, &sl->in.name, &sl->in.title, &sl->in.note, &sl->in.where };
	char *p = sl->arena.ptr;
	for (int k = 0; k < 5; k++)
		if (from[k]) {
			size_t len = strlen(from[k]) + 1;
			memcpy(p, from[k], len);
			*to[k] = p;
			p += len;
		}
	for (size_t c = 0; c < in->ncontrols; c++) {
		size_t len = strlen(in->controls[c]) + 1;
		memcpy(p, in->controls[c], len);
		sl->controls[c] = p;
		p += len;
	}
	sl->in.controls = sl->controls;
	return 0;
}

/* The next input into its slot (the caller's thread, in order). */
static int ev_fetch(void *ctx, size_t item, void *slot)
{
	ev_batch *b = ctx;
	ev_slot *sl = slot;
	(void)item;
	if (b->ended)
		return 1;
	const smsaudit_evidence_input *in = NULL;
	char why[1024] = "";
	int rc = b->src->next(&in, why, sizeof(why), b->src->payload);
	if (rc > 0) {
		b->ended = 1;
		return 1;
	}
	sl->fail = EV_OK;
	if (rc < 0)
		error_set(rc, "%s", why[0] ? why : "the list of files cannot be read");
	else if (!in || !in->file)
		rc = error_set(SMSAUDIT_EUSAGE, "an evidence input without a file");
	else if ((rc = check_input(b->store, in)) == 0)
		rc = slot_set_input(sl, in);
	if (rc < 0) {
		/* Raised when its turn comes, after the inputs before it. */
		ev_fail(sl, EV_FAIL_INPUT);
		b->ended = 1;
	}
	return 0;
}

/* Read the file, and its content, record and signature into pack entries
 * (any thread); a failure is kept in the slot at the stage it is raised. */
static int ev_prepare_one(void *ctx, size_t worker, void *slot)
{
	ev_batch *b = ctx;
	ev_slot *sl = slot;
	const smsaudit_evidence_input *in = &sl->in;
	packw_maker *mk = b->makers[worker];
	sl->packed = 0;
	int fd = -1, rc;
	if ((rc = open_evidence(&fd, in)) < 0)
		return EV_FAIL_READ;
	/* Keys in binary form are judged on the whole (small) file first;
	 * armour is looked for on the way in, in the one pass that stores
	 * the content, and content refused there is never stored. */
	int allow = b->flags & SMSAUDIT_ADD_ALLOW_SECRET;
	secret_check sc = { .where = where_of(in) };
	secret_scan_init(&sc.scan);
	int secret = allow ? 0 : secret_sniff_binary(sc.scan.what, sizeof(sc.scan.what), fd, in->file);
	struct stat st;
	if (secret != 0) {
		if (secret > 0)
			secret_refused(sc.where, sc.scan.what);
	} else if (fstat(fd, &st) < 0) {
		rc = error_set(SMSAUDIT_EIO, "%s: %s", where_of(in), strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = error_set(SMSAUDIT_EINVALID, "%s: not a regular file", where_of(in));
	} else if ((uint64_t)st.st_size > REPO_PACK_CONTENT_MAX) {
		rc = repo_store_loose(&sl->blob, sl->sha, &sl->size, b->store->repo, fd, (uint64_t)st.st_size,
		                      where_of(in), allow ? NULL : secret_seen, &sc);
	} else if ((rc = repo_read_content(&sl->whole, sl->sha, fd, (uint64_t)st.st_size, where_of(in),
	                                   allow ? NULL : secret_seen, &sc)) == 0) {
		sl->size = sl->whole.size;
		sl->packed = 1;
		rc = packw_blob_entry(mk, &sl->content, &sl->content_crc, sl->blob.id, sl->whole.ptr, sl->whole.size);
	}
	close(fd);
	if (secret != 0 || rc < 0)
		return EV_FAIL_READ;

	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_EVIDENCE;
	rec.made_at = b->now;
	rec.made_by = b->signer->email;
	smsaudit_evidence_body *body = &rec.evidence;
	body->title = (char *)in->title;
	body->kind = in->kind;
	body->controls = (char **)in->controls;
	body->ncontrols = in->ncontrols;
	body->has_period = in->has_period;
	body->period_from = in->period_from;
	body->period_to = in->period_to;
	body->valid_until = in->valid_until;
	body->note = (char *)in->note;
	memcpy(body->sha256, sl->sha, 65);
	body->size = sl->size;
	const char *slash = strrchr(in->file, '/');
	body->name = (char *)(in->name ? in->name : slash ? slash + 1 : in->file);
	if (smsaudit_filename_check("the file name", body->name) < 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", smsaudit_error_last()->message);
		error_set(SMSAUDIT_EINVALID, "%s: %s; give a name with --name", where_of(in), why);
		return EV_FAIL_NAME;
	}
	body->media_type = (char *)smsaudit_media_type(body->name);
	if (smsaudit_record_new_id(rec.id, rec.type, b->now) < 0)
		return EV_FAIL_NAME;
	/* What is kept of the file names its record by the id's random part. */
	size_t pl = strlen(b->id_prefix);
	if (strncmp(rec.id, b->id_prefix, pl) != 0 || strlen(rec.id) != pl + 16) {
		error_set(SMSAUDIT_ERROR, "%s: record id %s is not of the batch's form", where_of(in), rec.id);
		return EV_FAIL_NAME;
	}
	memcpy(sl->id, rec.id, SMSAUDIT_ID_MAX);
	sl->raw_xml.size = sl->raw_sig.size = 0;
	rc = smsaudit_record_to_xml(&sl->raw_xml, &rec);
	if (rc == 0 && b->signs)
		rc = sign_batch_sign(b->signs, b->sign_ctx[worker], &sl->raw_sig, sl->raw_xml.ptr, sl->raw_xml.size);
	else if (rc == 0)
		rc = smsaudit_sign_detached(&sl->raw_sig, sl->raw_xml.ptr, sl->raw_xml.size, b->signer->cert, b->signer->key,
		                            rec.made_at);
	if (rc == 0 && b->acc)
		rc = sha256_hex(sl->sig_sha, sl->raw_sig.ptr, sl->raw_sig.size);
	if (rc == 0)
		rc = packw_blob_entry(mk, &sl->xml, &sl->xml_crc, sl->xml_id, sl->raw_xml.ptr, sl->raw_xml.size);
	if (rc == 0)
		rc = packw_blob_entry(mk, &sl->sig, &sl->sig_crc, sl->sig_id, sl->raw_sig.ptr, sl->raw_sig.size);
	if (rc < 0) {
		error_prefix(rc, "%s", where_of(in));
		return EV_FAIL_RECORD;
	}
	return EV_OK;
}

static void ev_prepare(void *ctx, size_t worker, size_t item, void *slot)
{
	ev_slot *sl = slot;
	(void)item;
	if (sl->fail == EV_FAIL_INPUT)
		return;
	int stage = ev_prepare_one(ctx, worker, slot);
	if (stage != EV_OK)
		ev_fail(sl, stage);
}

static int ev_raise(const ev_slot *sl)
{
	return error_set(sl->fail_code, "%s", sl->fail_msg);
}

/* What names input `i` in a message about a later one. */
static void ev_describe(char *out, size_t size, const ev_batch *b, size_t i)
{
	if (b->src->describe)
		b->src->describe(out, size, i, b->src->payload);
	else
		snprintf(out, size, "input %zu", i + 1);
}

static int kept_push(ev_batch *b, const ev_kept *k)
{
	if (b->nkept == b->akept) {
		size_t na = b->akept ? b->akept * 2 : 1024;
		ev_kept *v = realloc(b->kept, na * sizeof(*v));
		if (!v)
			return error_oom();
		b->kept = v;
		b->akept = na;
	}
	b->kept[b->nkept++] = *k;
	return 0;
}

/* Check a prepared file against the batch and the repository and add it
 * (this thread, in order). */
static int ev_take(void *ctx, size_t i, void *slot)
{
	ev_batch *b = ctx;
	ev_slot *sl = slot;
	const smsaudit_evidence_input *in = &sl->in;
	if (sl->fail == EV_FAIL_INPUT || sl->fail == EV_FAIL_READ)
		return ev_raise(sl);
	if (i >= UINT32_MAX)
		return error_set(SMSAUDIT_EINVALID, "%s: too many files for one commit", where_of(in));
	int rc = seen_grow(&b->seen, b->total);
	if (rc < 0)
		return rc;
	ev_kept k;
	unhex(k.sha, sl->sha, 32);
	seen_entry *se = seen_slot(&b->seen, k.sha);
	if (se->item && !(b->flags & SMSAUDIT_ADD_ALLOW_DUPLICATE)) {
		char other[1024];
		ev_describe(other, sizeof(other), b, se->item - 1);
		return error_set(SMSAUDIT_EINVALID, "%s: same content as %s in this batch (use --allow-duplicate to "
		                 "record it twice)", where_of(in), other);
	}
	char cpath[100];
	snprintf(cpath, sizeof(cpath), "content/%.2s/%s", sl->sha, sl->sha);
	if (!(b->flags & SMSAUDIT_ADD_ALLOW_DUPLICATE) &&
	    smsaudit_repo_exists(b->store->repo, b->have_head ? &b->head : NULL, cpath)) {
		char other[SMSAUDIT_ID_MAX], title[512];
		if (find_active_with_sha(other, title, sizeof(title), b->store, sl->sha))
			return error_set(SMSAUDIT_EINVALID, "%s: duplicate content: already recorded as %s (\"%s\"); "
			                 "use --allow-duplicate to record it again", where_of(in), other, title);
	}
	smsaudit_error_clear();
	if (sl->fail)
		return ev_raise(sl);
	if (!se->item) {
		memcpy(se->sha, k.sha, SEEN_BYTES);
		se->item = (uint32_t)(i + 1);
		b->seen.n++;
	}
	/* Equal content (--allow-duplicate) is one object, in the pack once. */
	if (sl->packed && !se->packed) {
		if ((rc = packw_put(b->pack, sl->blob.id, &sl->content, sl->content_crc)) < 0)
			return rc;
		se->packed = 1;
	}
	if ((rc = packw_put(b->pack, sl->xml_id, &sl->xml, sl->xml_crc)) < 0 ||
	    (rc = packw_put(b->pack, sl->sig_id, &sl->sig, sl->sig_crc)) < 0)
		return rc;
	k.item = (uint32_t)i;
	unhex(k.rnd, sl->id + strlen(b->id_prefix), 8);
	memcpy(k.blob, sl->blob.id, 20);
	memcpy(k.xml, sl->xml_id, 20);
	memcpy(k.sig, sl->sig_id, 20);
	if ((rc = kept_push(b, &k)) < 0 || (b->acc && (rc = stamp_push(b->acc, sl->id, sl->sig_sha)) < 0))
		return error_prefix(rc, "%s", where_of(in));
	if (i == 0)
		snprintf(b->summary, sizeof(b->summary), "evidence add: %s (%s)", in->title, in->controls[0]);
	if (b->progress)
		b->progress(i + 1, b->total, b->payload);
	return 0;
}

static void ev_slot_dispose(ev_slot *sl)
{
	smsaudit_buf_dispose(&sl->arena);
	free(sl->controls);
	smsaudit_buf_dispose(&sl->content);
	smsaudit_buf_dispose(&sl->xml);
	smsaudit_buf_dispose(&sl->sig);
	smsaudit_buf_dispose(&sl->whole);
	smsaudit_buf_dispose(&sl->raw_xml);
	smsaudit_buf_dispose(&sl->raw_sig);
}

static int cmp_kept_sha(const void *a, const void *b)
{
	return memcmp(((const ev_kept *)a)->sha, ((const ev_kept *)b)->sha, 32);
}

static int cmp_kept_rnd(const void *a, const void *b)
{
	return memcmp(((const ev_kept *)a)->rnd, ((const ev_kept *)b)->rnd, 8);
}

static int cmp_kept_item(const void *a, const void *b)
{
	uint32_t x = ((const ev_kept *)a)->item, y = ((const ev_kept *)b)->item;
	return x < y ? -1 : x > y;
}

/* The batch's new tree entries in path order (treew_next_fn): content by its
 * digest, records (each then its signature) by their id, then the
 * time-stamp's files ("content" < "records" < "stamps"). */
static int ev_tree_next(void *ctx, const char **path, unsigned char id[20])
{
	ev_batch *b = ctx;
	for (;;) {
		if (b->phase == 0) {
			if (!b->sorted) {
				qsort(b->kept, b->nkept, sizeof(*b->kept), cmp_kept_sha);
				b->sorted = 1;
			}
			if (b->pos < b->nkept) {
				const ev_kept *k = &b->kept[b->pos++];
				char hex[65];
				tohex(hex, k->sha, 32);
				snprintf(b->path, sizeof(b->path), "content/%.2s/%s", hex, hex);
				memcpy(id, k->blob, 20);
				*path = b->path;
				return 0;
			}
			b->phase = 1, b->pos = 0, b->sorted = 0, b->half = 0;
		} else if (b->phase == 1) {
			if (!b->sorted) {
				qsort(b->kept, b->nkept, sizeof(*b->kept), cmp_kept_rnd);
				b->sorted = 1;
			}
			if (b->pos < b->nkept) {
				const ev_kept *k = &b->kept[b->pos];
				char rid[SMSAUDIT_ID_MAX];
				kept_id(rid, b, k);
				int rc = smsaudit_record_path(b->path, sizeof(b->path) - 8, rid);
				if (rc < 0)
					return error_set(SMSAUDIT_ERROR, "no path for record id %s", rid);
				if (b->half) {
					strcat(b->path, ".p7s");
					memcpy(id, k->sig, 20);
					b->half = 0;
					b->pos++;
				} else {
					memcpy(id, k->xml, 20);
					b->half = 1;
				}
				*path = b->path;
				return 0;
			}
			b->phase = 2, b->pos = 0;
		} else if (b->pos < b->nextra) {
			memcpy(id, b->extra_id[b->pos], 20);
			*path = b->extra_path[b->pos++];
			return 0;
		} else {
			return 1;
		}
	}
}

/* A blob made on this thread and appended to the pack. */
static int pack_blob(unsigned char id[20], ev_batch *b, const smsaudit_buf *data)
{
	smsaudit_buf entry = SMSAUDIT_BUF_INIT;
	uint32_t crc;
	int rc = packw_blob_entry(b->makers[0], &entry, &crc, id, data->ptr, data->size);
	if (rc == 0)
		rc = packw_put(b->pack, id, &entry, crc);
	smsaudit_buf_dispose(&entry);
	return rc;
}

/* The commit object of the batch, its message naming every record in the
 * order given (as git_commit_create writes one: author and committer alike,
 * UTF-8 said). */
static int ev_commit_object(smsaudit_buf *out, const ev_batch *b, const git_signature *sig,
                            const unsigned char tree[20], const smsaudit_oid *parent)
{
	char hex[41];
	tohex(hex, tree, 20);
	int rc = buf_printf(out, "tree %s\n", hex);
	if (rc == 0 && parent) {
		tohex(hex, parent->id, 20);
		rc = buf_printf(out, "parent %s\n", hex);
	}
	for (int k = 0; rc == 0 && k < 2; k++)
		rc = buf_printf(out, "%s %s <%s> %lld +0000\n", k ? "committer" : "author", sig->name, sig->email,
		                (long long)sig->when.time);
	if (rc == 0)
		rc = buf_printf(out, "encoding UTF-8\n\n");
	if (rc == 0 && b->nkept == 1)
		rc = buf_printf(out, "%s", b->summary);
	else if (rc == 0)
		rc = buf_printf(out, "evidence add: %zu files", b->nkept);
	if (rc == 0)
		rc = buf_printf(out, "\n\nSmsaudit-Action: evidence-add\n");
	for (size_t i = 0; rc == 0 && i < b->nkept; i++) {
		char rid[SMSAUDIT_ID_MAX];
		kept_id(rid, b, &b->kept[i]);
		rc = buf_printf(out, "Smsaudit-Record: %s\n", rid);
	}
	if (rc == 0)
		rc = buf_printf(out, "Smsaudit-Signer: %s <%s> %s\n", b->signer->name, b->signer->email,
		                b->signer->fingerprint);
	return rc;
}

/* The trees and the commit on `head` (NULL: none) into the pack, and the
 * pack into place: every object is on disk and known before main names it. */
static int ev_build(smsaudit_oid *commit, ev_batch *b, const git_signature *sig, const smsaudit_oid *head)
{
	smsaudit_repo *repo = b->store->repo;
	const char *where = smsaudit_repo_path(repo);
	git_repository *g = repo_git(repo);
	git_commit *parent = NULL;
	git_tree *base = NULL;
	int rc = 0;
	if (head) {
		git_oid hid;
		memcpy(hid.id, head->id, 20);
		if (git_commit_lookup(&parent, g, &hid) < 0 || git_commit_tree(&base, parent) < 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot read head: %s", where,
			               git_error_last() ? git_error_last()->message : "");
	}
	unsigned char root[20];
	b->phase = b->half = b->sorted = 0;
	b->pos = 0;
	if (rc == 0)
		rc = treew_write(root, g, base, ev_tree_next, b, b->pack, b->makers[0], where);
	/* The message names the records in the order given. */
	qsort(b->kept, b->nkept, sizeof(*b->kept), cmp_kept_item);
	smsaudit_buf obj = SMSAUDIT_BUF_INIT, entry = SMSAUDIT_BUF_INIT;
	if (rc == 0)
		rc = ev_commit_object(&obj, b, sig, root, head);
	uint32_t crc;
	if (rc == 0 && (rc = packw_object_entry(b->makers[0], GIT_OBJECT_COMMIT, &entry, &crc, commit->id, obj.ptr,
	                                        obj.size)) == 0)
		rc = packw_put(b->pack, commit->id, &entry, crc);
	smsaudit_buf_dispose(&obj);
	smsaudit_buf_dispose(&entry);
	git_tree_free(base);
	git_commit_free(parent);
	if (rc == 0 && (rc = packw_finish(b->pack)) == 0)
		repo_objects_added(repo);
	return rc;
}

/*
 * The time-stamp, the trees and the commit into the pack, the pack into
 * place, then main moved to the commit. When main moved meanwhile, the trees
 * and commit are built again on the new head, in a pack of their own (the
 * files' objects are on disk already); when it was only locked a moment, the
 * same commit is offered again.
 */
static int ev_commit(ev_batch *b, stamp_acc *acc, const char *objects)
{
	smsaudit_repo *repo = b->store->repo;
	const char *where = smsaudit_repo_path(repo);
	smsaudit_buf list = SMSAUDIT_BUF_INIT, token = SMSAUDIT_BUF_INIT;
	int rc = 0, stamped = 0;
	if (b->acc && (rc = stamp_make(b->store, acc, b->now, b->extra_path[0], &list, &token, &stamped)) == 0 &&
	    stamped) {
		snprintf(b->extra_path[1], sizeof(b->extra_path[1]), "%.200s.tsr", b->extra_path[0]);
		if ((rc = pack_blob(b->extra_id[0], b, &list)) == 0 && (rc = pack_blob(b->extra_id[1], b, &token)) == 0)
			b->nextra = 2;
	}
	git_signature *sig = NULL;
	if (rc == 0 && git_signature_new(&sig, b->signer->name, b->signer->email, (git_time_t)b->now, 0) < 0)
		rc = error_set(SMSAUDIT_EINVALID, "cannot use '%s <%s>' as commit author: %s", b->signer->name,
		               b->signer->email, git_error_last() ? git_error_last()->message : "");
	/* Built once; again only when main moved (not for a lock held a moment). */
	int built = 0, built_had_head = 0;
	smsaudit_oid built_on, commit;
	memset(&built_on, 0, sizeof(built_on));
	for (int attempt = 0; rc == 0; attempt++) {
		smsaudit_oid head;
		memset(&head, 0, sizeof(head));
		int have_head = smsaudit_repo_head(&head, repo) == 0;
		smsaudit_error_clear();
		if (!built || have_head != built_had_head || memcmp(head.id, built_on.id, 20) != 0) {
			if (built && (rc = packw_begin(&b->pack, objects, 0, where)) < 0)
				break;
			rc = ev_build(&commit, b, sig, have_head ? &head : NULL);
			/* Finished (its objects on disk) or failed: no more of it. */
			packw_free(b->pack);
			b->pack = NULL;
			if (rc < 0)
				break;
			built = 1;
			built_had_head = have_head;
			built_on = head;
		}
		rc = repo_main_move(repo, &commit, have_head ? &head : NULL, attempt);
		if (rc > 0)
			rc = 0;
		else
			break;
	}
	git_signature_free(sig);
	smsaudit_buf_dispose(&list);
	smsaudit_buf_dispose(&token);
	smsaudit_stamp_dispose(&acc->list);
	return rc;
}

static int add_evidence(smsaudit_store *store, smsaudit_identity *signer, const smsaudit_evidence_stream *src,
                        size_t total, unsigned flags, size_t *count, smsaudit_progress_fn progress, void *payload)
{
	*count = 0;
	int rc = require_role(signer, SMSAUDIT_REC_EVIDENCE);
	if (rc < 0)
		return rc;
	stamp_acc acc;
	memset(&acc, 0, sizeof(acc));
	ev_batch b;
	memset(&b, 0, sizeof(b));
	b.store = store;
	b.signer = signer;
	b.src = src;
	b.total = total;
	b.flags = flags;
	b.progress = progress;
	b.payload = payload;
	b.now = smsaudit_now();
	char probe[SMSAUDIT_ID_MAX];
	if ((rc = smsaudit_record_new_id(probe, SMSAUDIT_REC_EVIDENCE, b.now)) < 0)
		return rc;
	snprintf(b.id_prefix, sizeof(b.id_prefix), "%.*s", (int)(strrchr(probe, '-') + 1 - probe), probe);
	/* The list a time-stamp covers is kept only when a TSA is configured
	 * (113 bytes a file). */
	tsa_set tsas;
	if (tsa_at_head(&tsas, store) < 0 || tsas.n > 0)
		b.acc = &acc;
	tsa_set_free(&tsas);
	smsaudit_error_clear();
	size_t jobs = ingest_jobs();
	size_t nslots = ingest_slots(jobs);
	ev_slot *slots = calloc(nslots, sizeof(*slots));
	b.makers = calloc(jobs, sizeof(*b.makers));
	char objects[4200];
	rc = slots && b.makers ? 0 : error_oom();
	b.sign_ctx = calloc(jobs, sizeof(*b.sign_ctx));
	if (rc == 0 && !b.sign_ctx)
		rc = error_oom();
	for (size_t w = 0; rc == 0 && w < jobs; w++)
		rc = packw_maker_new(&b.makers[w]);
	/* A batch of more than one file signs from a template (sign.c); any
	 * trouble with it and every file is signed the usual way. */
	if (rc == 0 && total != 1 && sign_batch_new(&b.signs, signer->cert, signer->key, b.now) == 0)
		for (size_t w = 0; b.signs && w < jobs; w++)
			if (sign_batch_ctx_new(&b.sign_ctx[w], b.signs) < 0) {
				sign_batch_free(b.signs);
				b.signs = NULL;
			}
	smsaudit_error_clear();
	if (rc == 0)
		rc = repo_objects_dir(objects, sizeof(objects), store->repo);
	b.have_head = smsaudit_repo_head(&b.head, store->repo) == 0;
	smsaudit_error_clear();
	/* The number of objects is not known until the trees are written: the
	 * pack is hashed once when finished. */
	if (rc == 0)
		rc = packw_begin(&b.pack, objects, 0, smsaudit_repo_path(store->repo));
	size_t n = 0;
	if (rc == 0)
		rc = ingest_run_stream(&n, jobs, slots, sizeof(*slots), ev_fetch, ev_prepare, ev_take, NULL, &b);
	if (rc == 0 && n == 0)
		rc = error_set(SMSAUDIT_EUSAGE, "no evidence files given");
	/* What only the ingest needed goes before the commit's trees are built. */
	for (size_t k = 0; slots && k < nslots; k++)
		ev_slot_dispose(&slots[k]);
	free(slots);
	free(b.seen.e);
	b.seen.e = NULL;
	if (rc == 0)
		rc = ev_commit(&b, &acc, objects);
	if (rc == 0) {
		*count = b.nkept;
		for (size_t i = 0; src->added && i < b.nkept; i++) {
			char rid[SMSAUDIT_ID_MAX];
			kept_id(rid, &b, &b.kept[i]);
			src->added(b.kept[i].item, rid, src->payload);
		}
	}
	/* On failure the objects written so far are unreferenced, which git
	 * treats as garbage (an unfinished pack is removed); no ref moved, so
	 * nothing half-done is visible. */
	smsaudit_stamp_dispose(&acc.list);
	packw_free(b.pack);
	for (size_t w = 0; b.makers && w < jobs; w++)
		packw_maker_free(b.makers[w]);
	free(b.makers);
	for (size_t w = 0; b.sign_ctx && w < jobs; w++)
		sign_batch_ctx_free(b.sign_ctx[w]);
	free(b.sign_ctx);
	sign_batch_free(b.signs);
	free(b.kept);
	return rc;
}

/* An array as a stream. */
typedef struct {
	const smsaudit_evidence_input *v;
	size_t n, next;
	char (*ids)[SMSAUDIT_ID_MAX];
} input_array;

static int array_next(const smsaudit_evidence_input **in, char *why, size_t why_size, void *payload)
{
	input_array *a = payload;
	(void)why, (void)why_size;
	if (a->next >= a->n)
		return 1;
	*in = &a->v[a->next++];
	return 0;
}

static void array_describe(char *out, size_t size, size_t index, void *payload)
{
	input_array *a = payload;
	snprintf(out, size, "%s", where_of(&a->v[index]));
}

static void array_added(size_t index, const char *id, void *payload)
{
	input_array *a = payload;
	snprintf(a->ids[index], SMSAUDIT_ID_MAX, "%s", id);
}

int smsaudit_store_add_evidence(smsaudit_store *store, smsaudit_identity *signer,
                                const smsaudit_evidence_input *inputs, size_t n, unsigned flags,
                                char (*ids_out)[SMSAUDIT_ID_MAX], smsaudit_progress_fn progress,
                                void *payload)
{
	if (n == 0)
		return error_set(SMSAUDIT_EUSAGE, "no evidence files given");
	input_array a = { inputs, n, 0, ids_out };
	smsaudit_evidence_stream s = { array_next, array_describe, array_added, &a };
	size_t count;
	return add_evidence(store, signer, &s, n, flags, &count, progress, payload);
}

int smsaudit_store_add_evidence_stream(smsaudit_store *store, smsaudit_identity *signer,
                                       const smsaudit_evidence_stream *in, unsigned flags, size_t *count,
                                       smsaudit_progress_fn progress, void *payload)
{
	return add_evidence(store, signer, in, 0, flags, count, progress, payload);
}

static int load_active(const smsaudit_evidence_entry **out, smsaudit_state *st, const char *id)
{
	int rc = smsaudit_state_find_evidence(out, st, id);
	if (rc < 0)
		return rc;
	if (!(*out)->valid)
		return error_set(SMSAUDIT_EINVALID, "evidence %s does not verify; fix or withdraw it first", (*out)->record->id);
	if ((*out)->status == SMSAUDIT_EV_WITHDRAWN)
		return error_set(SMSAUDIT_EINVALID, "evidence %s is already withdrawn (%s)", (*out)->record->id, (*out)->changed_by);
	if ((*out)->status == SMSAUDIT_EV_SUPERSEDED)
		return error_set(SMSAUDIT_EINVALID, "evidence %s is already superseded by %s", (*out)->record->id,
		                 (*out)->superseded_by);
	return 0;
}

int smsaudit_store_supersede(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                             smsaudit_identity *signer, const char *old_id, const char *new_id,
                             const char *reason)
{
	int rc = require_role(signer, SMSAUDIT_REC_SUPERSEDE);
	if (rc < 0)
		return rc;
	if ((rc = smsaudit_text_check("--reason", reason, 500)) < 0)
		return rc;
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_evidence_entry *o = NULL, *nw = NULL;
	if ((rc = load_active(&o, st, old_id)) == 0 && (rc = load_active(&nw, st, new_id)) == 0 && o == nw)
		rc = error_set(SMSAUDIT_EINVALID, "evidence cannot supersede itself");
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	if (rc == 0) {
		rec.type = SMSAUDIT_REC_SUPERSEDE;
		rec.made_at = smsaudit_now();
		rec.made_by = signer->email;
		snprintf(rec.supersede.old_id, SMSAUDIT_ID_MAX, "%s", o->record->id);
		snprintf(rec.supersede.new_id, SMSAUDIT_ID_MAX, "%s", nw->record->id);
		rec.supersede.reason = (char *)reason;
		rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	}
	if (rc == 0) {
		char summary[300];
		snprintf(summary, sizeof(summary), "evidence supersede: %s by %s", rec.supersede.old_id, rec.supersede.new_id);
		rc = commit_one(store, signer, &rec, summary, "evidence-supersede");
	}
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	smsaudit_state_free(st);
	return rc;
}

/* Sign two records and commit them together (an amendment: the new
 * evidence record and the supersede record that points to it). */
static int commit_two(smsaudit_store *store, smsaudit_identity *signer, smsaudit_record *a, smsaudit_record *b,
                      const char *summary, const char *action)
{
	smsaudit_txn *txn = NULL;
	smsaudit_buf msg = SMSAUDIT_BUF_INIT;
	stamp_acc acc;
	memset(&acc, 0, sizeof(acc));
	char ids[2][SMSAUDIT_ID_MAX];
	memcpy(ids[0], a->id, SMSAUDIT_ID_MAX);
	memcpy(ids[1], b->id, SMSAUDIT_ID_MAX);
	int rc = smsaudit_txn_new(&txn, store->repo);
	if (rc == 0)
		rc = add_record(txn, a, signer->cert, signer->key, &acc);
	if (rc == 0)
		rc = add_record(txn, b, signer->cert, signer->key, &acc);
	if (rc == 0)
		rc = commit_message(&msg, summary, action, ids, 2, signer->name, signer->email, signer->fingerprint);
	if (rc == 0)
		rc = commit_stamped(store, txn, &acc, msg.ptr, signer->name, signer->email, a->made_at);
	smsaudit_stamp_dispose(&acc.list);
	smsaudit_txn_free(txn);
	smsaudit_buf_dispose(&msg);
	return rc;
}

int smsaudit_store_amend_evidence(char new_id_out[SMSAUDIT_ID_MAX], char supersede_id_out[SMSAUDIT_ID_MAX],
                                  smsaudit_store *store, smsaudit_identity *signer, const char *evidence_id,
                                  const smsaudit_evidence_amendment *am)
{
	int rc = require_role(signer, SMSAUDIT_REC_EVIDENCE);
	if (rc == 0)
		rc = require_role(signer, SMSAUDIT_REC_SUPERSEDE);
	if (rc < 0)
		return rc;
	if (!am->title && !am->ncontrols && !am->set_kind && !am->set_period && !am->set_valid_until)
		return error_set(SMSAUDIT_EINVALID, "nothing to amend: give --title, --control, --kind, --period or "
		                 "--valid-until");
	if (!am->reason || !*am->reason)
		return error_set(SMSAUDIT_EINVALID, "--reason: say why the metadata is corrected");
	if ((rc = smsaudit_text_check("--reason", am->reason, 500)) < 0)
		return rc;
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_evidence_entry *e = NULL;
	smsaudit_record ev, sup;
	memset(&ev, 0, sizeof(ev));
	memset(&sup, 0, sizeof(sup));
	char where[80] = "";
	if ((rc = load_active(&e, st, evidence_id)) == 0) {
		const smsaudit_evidence_body *o = &e->record->evidence;
		ev.type = SMSAUDIT_REC_EVIDENCE;
		/* After the record it corrects, so the order of the two is sure. */
		time_t now = smsaudit_now();
		ev.made_at = now > e->record->made_at ? now : e->record->made_at + 1;
		ev.made_by = signer->email;
		ev.evidence = *o;
		smsaudit_evidence_body *n = &ev.evidence;
		if (am->title)
			n->title = (char *)am->title;
		if (am->ncontrols) {
			n->controls = (char **)am->controls;
			n->ncontrols = am->ncontrols;
		}
		if (am->set_kind)
			n->kind = am->kind;
		if (am->set_period) {
			n->has_period = am->has_period;
			n->period_from = am->has_period ? smsaudit_date_of(am->period_from) : 0;
			n->period_to = am->has_period ? smsaudit_date_of(am->period_to) : 0;
		}
		if (am->set_valid_until)
			n->valid_until = am->valid_until ? smsaudit_date_of(am->valid_until) : 0;
		snprintf(where, sizeof(where), "evidence %s", e->record->id);
		smsaudit_evidence_input in;
		memset(&in, 0, sizeof(in));
		in.where = where;
		in.title = n->title;
		in.kind = n->kind;
		in.controls = (const char *const *)n->controls;
		in.ncontrols = n->ncontrols;
		in.has_period = n->has_period;
		in.period_from = n->period_from;
		in.period_to = n->period_to;
		in.valid_until = n->valid_until;
		in.note = n->note;
		rc = check_input(store, &in);
	}
	if (rc == 0)
		rc = smsaudit_record_new_id(ev.id, ev.type, ev.made_at);
	if (rc == 0) {
		sup.type = SMSAUDIT_REC_SUPERSEDE;
		sup.made_at = ev.made_at;
		sup.made_by = signer->email;
		snprintf(sup.supersede.old_id, SMSAUDIT_ID_MAX, "%s", e->record->id);
		snprintf(sup.supersede.new_id, SMSAUDIT_ID_MAX, "%s", ev.id);
		sup.supersede.reason = (char *)am->reason;
		rc = smsaudit_record_new_id(sup.id, sup.type, sup.made_at);
	}
	if (rc == 0) {
		char summary[700];
		snprintf(summary, sizeof(summary), "evidence amend: %s by %s (%s)", e->record->id, ev.id, am->reason);
		rc = commit_two(store, signer, &ev, &sup, summary, "evidence-amend");
	}
	if (rc == 0) {
		memcpy(new_id_out, ev.id, SMSAUDIT_ID_MAX);
		memcpy(supersede_id_out, sup.id, SMSAUDIT_ID_MAX);
	}
	smsaudit_state_free(st);
	return rc;
}

int smsaudit_store_withdraw(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store,
                            smsaudit_identity *signer, const char *evidence_id, const char *reason)
{
	int rc = require_role(signer, SMSAUDIT_REC_WITHDRAW);
	if (rc < 0)
		return rc;
	if ((rc = smsaudit_text_check("--reason", reason, 500)) < 0)
		return rc;
	smsaudit_state *st = NULL;
	if ((rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE)) < 0)
		return rc;
	const smsaudit_evidence_entry *e = NULL;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	if ((rc = load_active(&e, st, evidence_id)) == 0) {
		rec.type = SMSAUDIT_REC_WITHDRAW;
		rec.made_at = smsaudit_now();
		rec.made_by = signer->email;
		snprintf(rec.withdraw.evidence_id, SMSAUDIT_ID_MAX, "%s", e->record->id);
		rec.withdraw.reason = (char *)reason;
		rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at);
	}
	if (rc == 0) {
		char summary[300];
		snprintf(summary, sizeof(summary), "evidence withdraw: %s", rec.withdraw.evidence_id);
		rc = commit_one(store, signer, &rec, summary, "evidence-withdraw");
	}
	if (rc == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	smsaudit_state_free(st);
	return rc;
}

int smsaudit_store_assess(char id_out[SMSAUDIT_ID_MAX], smsaudit_store *store, smsaudit_identity *signer,
                          const char *clause, smsaudit_assessment_result result, const char *other_party,
                          const char *note)
{
	int rc = require_role(signer, SMSAUDIT_REC_ASSESSMENT);
	if (rc < 0)
		return rc;
	const smsaudit_clause *cl = NULL;
	if ((rc = smsaudit_catalogue_find(&cl, store->catalogue, clause)) < 0)
		return rc;
	if (!cl->assessable)
		return error_set(SMSAUDIT_EINVALID, "clause %s (%s) is a heading; assess its sub-clauses", cl->id,
		                 cl->title);
	if ((unsigned)result > SMSAUDIT_RESULT_NONCONFORMANT)
		return error_set(SMSAUDIT_EINVALID, "unknown assessment result %d", (int)result);
	if (smsaudit_note_check("--note", note, 20000) < 0)
		return SMSAUDIT_EINVALID;
	if (other_party && smsaudit_text_check("--other-party", other_party, 500) < 0)
		return SMSAUDIT_EINVALID;
	smsaudit_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.type = SMSAUDIT_REC_ASSESSMENT;
	rec.made_at = smsaudit_now();
	rec.made_by = signer->email;
	snprintf(rec.assessment.clause, sizeof(rec.assessment.clause), "%s", cl->id);
	rec.assessment.result = result;
	rec.assessment.other_party = (char *)other_party;
	rec.assessment.note = (char *)note;
	if ((rc = smsaudit_record_new_id(rec.id, rec.type, rec.made_at)) < 0)
		return rc;
	char summary[300];
	snprintf(summary, sizeof(summary), "assess %s: %s", cl->id, smsaudit_assessment_result_name(result));
	if ((rc = commit_one(store, signer, &rec, summary, "assess")) == 0)
		memcpy(id_out, rec.id, SMSAUDIT_ID_MAX);
	return rc;
}

/* ---- trusted time ---- */

int smsaudit_store_add_tsa(smsaudit_store *store, smsaudit_identity *signer, const char *url,
                           const smsaudit_cert *ca, long tolerance_hours, int check)
{
	if (!(signer->roles & SMSAUDIT_ROLE_QUALITY_MANAGER))
		return error_set(SMSAUDIT_EINVALID, "%s may not configure a time-stamping authority: only a quality "
		                 "manager signs it", signer->email);
	smsaudit_buf xml = SMSAUDIT_BUF_INIT, token = SMSAUDIT_BUF_INIT, msg = SMSAUDIT_BUF_INIT;
	char path[64];
	int rc = smsaudit_tsa_write(&xml, path, url, ca, tolerance_hours);
	if (rc == 0 && smsaudit_repo_exists(store->repo, NULL, path))
		rc = error_set(SMSAUDIT_EEXISTS, "a time-stamping authority with that CA is configured already (%s)", path);
	smsaudit_error_clear();
	if (rc == 0 && check) {
		static const char probe[] = "smsaudit: checking a time-stamping authority";
		rc = smsaudit_tsa_stamp(&token, url, ca, probe, sizeof(probe) - 1, 0);
		if (rc < 0)
			rc = error_prefix(rc, "not configured");
	}
	smsaudit_txn *txn = NULL;
	time_t now = smsaudit_now();
	if (rc == 0)
		rc = smsaudit_txn_new(&txn, store->repo);
	if (rc == 0)
		rc = add_signed(txn, path, &xml, signer->cert, signer->key, now, NULL);
	if (rc == 0)
		rc = buf_printf(&msg, "tsa add: %s\n\nSmsaudit-Action: tsa-add\nSmsaudit-Signer: %s <%s> %s\n", url,
		                signer->name, signer->email, signer->fingerprint);
	smsaudit_oid commit;
	if (rc == 0)
		rc = smsaudit_txn_commit(&commit, txn, msg.ptr, signer->name, signer->email, now);
	smsaudit_txn_free(txn);
	smsaudit_buf_dispose(&xml);
	smsaudit_buf_dispose(&token);
	smsaudit_buf_dispose(&msg);
	return rc;
}

int smsaudit_store_stamp(smsaudit_store *store, smsaudit_identity *signer, size_t *stamped)
{
	*stamped = 0;
	tsa_set tsas;
	int rc = tsa_at_head(&tsas, store);
	if (rc == 0 && tsas.n == 0)
		rc = error_set(SMSAUDIT_ENOTFOUND, "no time-stamping authority is configured (smsaudit tsa add)");
	long tolerance = 0;
	for (size_t i = 0; i < tsas.n; i++)
		if (!tolerance || tsas.v[i].tolerance < tolerance)
			tolerance = tsas.v[i].tolerance;
	smsaudit_state *st = NULL;
	if (rc == 0)
		rc = smsaudit_state_load(&st, store, NULL, STATE_FOR_WRITE);
	stamp_acc acc;
	memset(&acc, 0, sizeof(acc));
	time_t now = smsaudit_now();
	for (size_t i = 0; rc == 0 && st && i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		/* Past its tolerance a token would only prove it late. */
		if (!e.record || !e.valid || e.stamped_at || now - e.record->made_at > tolerance)
			continue;
		char sig_path[200], sha[65];
		uint64_t size;
		smsaudit_oid sig;
		snprintf(sig_path, sizeof(sig_path), "%s.p7s", e.path);
		if ((rc = smsaudit_repo_path_oid(&sig, store->repo, NULL, sig_path)) < 0 ||
		    (rc = smsaudit_repo_blob_sha256(sha, &size, store->repo, &sig)) < 0)
			break;
		if (acc.list.n == acc.alloc) {
			size_t na = acc.alloc ? acc.alloc * 2 : 16;
			smsaudit_stamp_entry *v = realloc(acc.list.entries, na * sizeof(*v));
			if (!v) {
				rc = error_oom();
				break;
			}
			acc.list.entries = v;
			acc.alloc = na;
		}
		smsaudit_stamp_entry *se = &acc.list.entries[acc.list.n++];
		snprintf(se->id, sizeof(se->id), "%s", e.record->id);
		memcpy(se->signature_sha256, sha, 65);
	}
	smsaudit_state_free(st);
	smsaudit_txn *txn = NULL;
	smsaudit_buf list = SMSAUDIT_BUF_INIT, token = SMSAUDIT_BUF_INIT, msg = SMSAUDIT_BUF_INIT;
	char path[200], tsr[220];
	if (rc == 0 && acc.list.n) {
		if ((rc = smsaudit_stamp_new_id(acc.list.id, now)) == 0 &&
		    (rc = smsaudit_stamp_path(path, sizeof(path), acc.list.id)) == 0)
			rc = smsaudit_stamp_write(&list, &acc.list);
		if (rc == 0)
			rc = smsaudit_tsa_stamp_first(&token, tsas.v, tsas.n, list.ptr, list.size);
		snprintf(tsr, sizeof(tsr), "%s.tsr", path);
		if (rc == 0 && (rc = smsaudit_txn_new(&txn, store->repo)) == 0 &&
		    (rc = smsaudit_txn_add(txn, path, list.ptr, list.size)) == 0 &&
		    (rc = smsaudit_txn_add(txn, tsr, token.ptr, token.size)) == 0)
			rc = buf_printf(&msg, "stamp: %zu records\n\nSmsaudit-Action: stamp\nSmsaudit-Signer: %s <%s> %s\n",
			                acc.list.n, signer->name, signer->email, signer->fingerprint);
		smsaudit_oid commit;
		if (rc == 0 && (rc = smsaudit_txn_commit(&commit, txn, msg.ptr, signer->name, signer->email, now)) == 0)
			*stamped = acc.list.n;
	}
	smsaudit_txn_free(txn);
	smsaudit_buf_dispose(&list);
	smsaudit_buf_dispose(&token);
	smsaudit_buf_dispose(&msg);
	smsaudit_stamp_dispose(&acc.list);
	tsa_set_free(&tsas);
	return rc;
}
