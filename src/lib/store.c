/*
 * The evidence store: an smsaudit repository opened (its SMS description,
 * pinned catalogue and trust anchors), and what every layer above needs of it.
 * Writing is store_write.c; deriving the state is state.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "internal.h"
#include "store_internal.h"


smsaudit_repo *smsaudit_store_repo(smsaudit_store *s) { return s->repo; }
const smsaudit_catalogue *smsaudit_store_catalogue(const smsaudit_store *s) { return s->catalogue; }
const smsaudit_cert *smsaudit_store_ca(const smsaudit_store *s) { return s->ca; }
const char *smsaudit_store_organisation(const smsaudit_store *s) { return s->organisation; }
const char *smsaudit_identity_email(const smsaudit_identity *id) { return id->email; }
const char *smsaudit_identity_name(const smsaudit_identity *id) { return id->name; }
unsigned smsaudit_identity_roles(const smsaudit_identity *id) { return id->roles; }

void smsaudit_store_free(smsaudit_store *s)
{
	if (!s)
		return;
	smsaudit_repo_free(s->repo);
	smsaudit_catalogue_free(s->catalogue);
	smsaudit_cert_free(s->ca);
	smsaudit_trust_free(s->trust);
	smsaudit_buf_dispose(&s->trust_fps);
	free(s->organisation);
	free(s->created_by);
	free(s->catalogue_path);
	free(s);
}

void smsaudit_identity_free(smsaudit_identity *id)
{
	if (!id)
		return;
	smsaudit_key_free(id->key);
	smsaudit_cert_free(id->cert);
	free(id->email);
	free(id->name);
	free(id);
}

void smsaudit_keys_person_path(char *out, size_t size, const char *keys_dir, const char *email)
{
	snprintf(out, size, "%s/%s.key", keys_dir, email);
}

void smsaudit_keys_ca_path(char *out, size_t size, const char *keys_dir, const char *fp)
{
	snprintf(out, size, "%s/ca-%.16s.key", keys_dir, fp);
}

int smsaudit_key_file_encrypted(const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int enc = file_read_all(&b, path, 64 * 1024) == 0 && strstr(b.ptr, "ENCRYPTED") != NULL;
	smsaudit_buf_dispose(&b);
	smsaudit_error_clear();
	return enc;
}

/* ---- open ---- */

int store_note_anchor(smsaudit_store *store, const smsaudit_cert *ca)
{
	char fp[65];
	int rc = smsaudit_cert_fingerprint(fp, ca);
	return rc < 0 ? rc : buf_put(&store->trust_fps, fp, 64);
}

void store_trust_digest(const smsaudit_store *store, char out[65])
{
	sha256_hex(out, store->trust_fps.ptr ? store->trust_fps.ptr : "", store->trust_fps.size);
}

static int load_anchor(const char *path, const smsaudit_oid *blob, void *u)
{
	smsaudit_store *s = u;
	size_t n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".pem") != 0)
		return 0;
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	smsaudit_cert *c = NULL;
	int rc = smsaudit_repo_read_blob(&b, s->repo, blob);
	if (rc == 0 && smsaudit_cert_from_pem(&c, b.ptr, b.size, path) == 0 && smsaudit_cert_is_ca(c) &&
	    smsaudit_trust_add(s->trust, c) == 0)
		rc = store_note_anchor(s, c);
	smsaudit_error_clear();
	smsaudit_cert_free(c);
	smsaudit_buf_dispose(&b);
	return rc < 0 ? rc : 0;
}

int smsaudit_store_open(smsaudit_store **out, const char *path)
{
	*out = NULL;
	smsaudit_store *s = calloc(1, sizeof(*s));
	if (!s)
		return error_oom();
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	int rc = smsaudit_repo_open(&s->repo, path);
	if (rc == 0 && (rc = smsaudit_repo_read(&b, s->repo, NULL, SMS_PATH)) < 0 && rc != SMSAUDIT_EDAMAGED)
		rc = error_prefix(SMSAUDIT_ENOTFOUND, "%s: not an smsaudit repository", path);
	if (rc == 0)
		rc = smsaudit_xml_parse_memory(&doc, b.ptr, b.size, SMS_PATH);
	if (rc == 0)
		rc = record_schema_validate(doc, SMS_PATH);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (rc == 0 && !smsaudit_xml_is(root, "sms"))
		rc = error_set(SMSAUDIT_EINVALID, "%s: %s is not an SMS description", path, SMS_PATH);
	char *cat_path = NULL, *cat_sha = NULL, *ca_fp = NULL;
	if (rc == 0) {
		s->organisation = smsaudit_xml_text(smsaudit_xml_child(root, "organisation"));
		s->created_by = smsaudit_xml_text(smsaudit_xml_child(root, "created-by"));
		xmlNodePtr c = smsaudit_xml_child(root, "catalogue");
		cat_path = smsaudit_xml_attr(c, "path");
		cat_sha = smsaudit_xml_attr(c, "sha256");
		ca_fp = smsaudit_xml_attr(smsaudit_xml_child(root, "trust-anchor"), "fingerprint");
		if (!s->organisation || !s->created_by || !cat_path || !cat_sha || !ca_fp)
			rc = error_oom();
	}
	if (rc == 0 && !(s->catalogue_path = xstrdup(cat_path)))
		rc = SMSAUDIT_ENOMEM;
	if (rc == 0 && (rc = smsaudit_repo_read(&b, s->repo, NULL, cat_path)) == 0) {
		char name[300];
		snprintf(name, sizeof(name), "%s:%s", path, cat_path);
		rc = smsaudit_catalogue_load_memory(&s->catalogue, b.ptr, b.size, name);
		if (rc == 0 && strcmp(smsaudit_catalogue_info_get(s->catalogue)->sha256, cat_sha) != 0)
			rc = error_set(SMSAUDIT_EINVALID, "%s: the pinned catalogue %s does not match its SHA-256 in %s",
			               path, cat_path, SMS_PATH);
	}
	if (rc == 0 && (rc = smsaudit_repo_read(&b, s->repo, NULL, CA_PATH)) == 0)
		rc = smsaudit_cert_from_pem(&s->ca, b.ptr, b.size, CA_PATH);
	char fp[65];
	if (rc == 0 && (rc = smsaudit_cert_fingerprint(fp, s->ca)) == 0 && strcmp(fp, ca_fp) != 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: %s is not the trust anchor named in %s", path, CA_PATH, SMS_PATH);
	if (rc == 0 && (rc = smsaudit_trust_new(&s->trust)) == 0)
		rc = smsaudit_trust_add(s->trust, s->ca);
	if (rc == 0)
		rc = store_note_anchor(s, s->ca);
	/* Extra anchors (external auditors' CAs). Whether each was added by a
	 * quality manager is judged by verify, which checks its signature. */
	if (rc == 0)
		rc = smsaudit_repo_walk(s->repo, NULL, ANCHORS_DIR, load_anchor, s);
	xmlFree(cat_path);
	xmlFree(cat_sha);
	xmlFree(ca_fp);
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
	if (rc < 0) {
		smsaudit_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- identities ---- */

