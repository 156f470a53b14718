/* The TSA configuration and stamp list files (stamp.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "internal.h"
#include "smsaudit/record.h"
#include "smsaudit/stamp.h"
#include "smsaudit/xml.h"

#define TSA_NS "urn:smsaudit:tsa:1"
#define STAMP_NS "urn:smsaudit:stamp:1"
#define STAMP_MAX_ENTRIES 1000000

static int xml_escape_put(smsaudit_buf *b, const char *s)
{
	int rc = 0;
	for (; rc == 0 && *s; s++) {
		if (*s == '&')
			rc = buf_puts(b, "&amp;");
		else if (*s == '<')
			rc = buf_puts(b, "&lt;");
		else if (*s == '>')
			rc = buf_puts(b, "&gt;");
		else if (*s == '"')
			rc = buf_puts(b, "&quot;");
		else
			rc = buf_put(b, s, 1);
	}
	return rc;
}

static int is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int smsaudit_tsa_write(smsaudit_buf *out, char path[64], const char *url, const smsaudit_cert *ca,
                       long tolerance_hours)
{
	char fp[65];
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	if (!url || strncmp(url, "http://", 7) != 0 || strlen(url) > 2000 || strpbrk(url, " \t\r\n<>\"&"))
		return error_set(SMSAUDIT_EINVALID, "'%s' is not an http:// URL", url ? url : "");
	if (tolerance_hours < 1 || tolerance_hours > 24 * 366)
		return error_set(SMSAUDIT_EINVALID, "a tolerance of %ld hours is outside 1 to %d", tolerance_hours, 24 * 366);
	int rc = smsaudit_cert_fingerprint(fp, ca);
	if (rc == 0)
		rc = smsaudit_cert_to_pem(&pem, ca);
	if (rc == 0)
		rc = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tsa xmlns=\"" TSA_NS "\">\n  <url>");
	if (rc == 0)
		rc = xml_escape_put(out, url);
	if (rc == 0)
		rc = buf_printf(out, "</url>\n  <tolerance-hours>%ld</tolerance-hours>\n  <ca fingerprint=\"%s\">\n%.*s  </ca>\n"
		                "</tsa>\n", tolerance_hours, fp, (int)pem.size, pem.ptr);
	if (rc == 0)
		snprintf(path, 64, SMSAUDIT_TSA_DIR "/%.16s.xml", fp);
	smsaudit_buf_dispose(&pem);
	return rc;
}

void smsaudit_tsa_dispose(smsaudit_tsa *tsa)
{
	free(tsa->url);
	smsaudit_cert_free(tsa->ca);
	memset(tsa, 0, sizeof(*tsa));
}

static int in_ns(xmlNodePtr n, const char *ns)
{
	return n && n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

int smsaudit_tsa_parse(smsaudit_tsa *out, const char *xml, size_t len, const char *name)
{
	memset(out, 0, sizeof(out[0]));
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, xml, len, name);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *tol = NULL, *pem = NULL, *fp = NULL;
	if (!root || !smsaudit_xml_is(root, "tsa") || !in_ns(root, TSA_NS))
		rc = error_set(SMSAUDIT_EINVALID, "%s: not a time-stamping authority (<tsa> in %s)", name, TSA_NS);
	if (rc == 0 && (!(out->url = smsaudit_xml_text(smsaudit_xml_child(root, "url"))) ||
	                strncmp(out->url, "http://", 7) != 0))
		rc = error_set(SMSAUDIT_EINVALID, "%s: <url> is not an http:// URL", name);
	char *end = NULL;
	if (rc == 0 && (tol = smsaudit_xml_text(smsaudit_xml_child(root, "tolerance-hours"))) != NULL)
		out->tolerance = strtol(tol, &end, 10) * 3600;
	if (rc == 0 && (!tol || !end || *end || out->tolerance < 3600 || out->tolerance > 24L * 366 * 3600))
		rc = error_set(SMSAUDIT_EINVALID, "%s: <tolerance-hours> is not a number of hours from 1 to %d", name,
		               24 * 366);
	xmlNodePtr ca = rc == 0 ? smsaudit_xml_child(root, "ca") : NULL;
	if (rc == 0 && (!ca || !(pem = smsaudit_xml_text(ca)) || !(fp = smsaudit_xml_attr(ca, "fingerprint"))))
		rc = error_set(SMSAUDIT_EINVALID, "%s: <ca> with its fingerprint is missing", name);
	if (rc == 0)
		rc = smsaudit_cert_from_pem(&out->ca, pem, strlen(pem), name);
	if (rc == 0)
		rc = smsaudit_cert_fingerprint(out->ca_fingerprint, out->ca);
	if (rc == 0 && strcmp(out->ca_fingerprint, fp) != 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: the CA's fingerprint is %s, not %s as the file says", name,
		               out->ca_fingerprint, fp);
	free(tol);
	free(pem);
	xmlFree(fp);
	xmlFreeDoc(doc);
	if (rc < 0)
		smsaudit_tsa_dispose(out);
	return rc;
}

int smsaudit_stamp_new_id(char id[64], time_t when)
{
	unsigned char r[8];
	char day[21];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return error_set(SMSAUDIT_ERROR, "no random bytes for a stamp id");
	smsaudit_time_format(day, when);
	snprintf(id, 64, "stamp-%.4s%.2s%.2s-%02x%02x%02x%02x%02x%02x%02x%02x", day, day + 5, day + 8, r[0], r[1], r[2],
	         r[3], r[4], r[5], r[6], r[7]);
	return 0;
}

/* stamp-YYYYMMDD-<16 hex> */
static int stamp_id_ok(const char *id)
{
	if (strlen(id) != 6 + 8 + 1 + 16 || strncmp(id, "stamp-", 6) != 0 || id[14] != '-')
		return 0;
	for (int i = 6; i < 14; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	for (int i = 15; i < 31; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int smsaudit_stamp_path(char *out, size_t size, const char *id)
{
	if (!stamp_id_ok(id))
		return error_set(SMSAUDIT_EINVALID, "'%s' is not a stamp id", id);
	/* stamps/YYYY/MM/XX/: by month, then by the first random byte, as records
	 * are: a folder that took every stamp of a month would grow to thousands of
	 * entries, and every commit would write it again (the history walk reads
	 * each version of it). */
	snprintf(out, size, SMSAUDIT_STAMPS_DIR "/%.4s/%.2s/%.2s/%s.xml", id + 6, id + 10, id + 15, id);
	return 0;
}

int smsaudit_stamp_write(smsaudit_buf *out, const smsaudit_stamp_list *list)
{
	int rc = buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<stamp xmlns=\"" STAMP_NS "\" id=\"%s\">\n",
	                    list->id);
	for (size_t i = 0; rc == 0 && i < list->n; i++)
		rc = buf_printf(out, "  <record id=\"%s\" signature-sha256=\"%s\"/>\n", list->entries[i].id,
		                list->entries[i].signature_sha256);
	if (rc == 0)
		rc = buf_puts(out, "</stamp>\n");
	return rc;
}

void smsaudit_stamp_dispose(smsaudit_stamp_list *list)
{
	free(list->entries);
	memset(list, 0, sizeof(*list));
}

int smsaudit_stamp_parse(smsaudit_stamp_list *out, const char *xml, size_t len, const char *name)
{
	memset(out, 0, sizeof(*out));
	xmlDocPtr doc = NULL;
	int rc = smsaudit_xml_parse_memory(&doc, xml, len, name);
	if (rc < 0)
		return rc;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *id = root ? smsaudit_xml_attr(root, "id") : NULL;
	if (!root || !smsaudit_xml_is(root, "stamp") || !in_ns(root, STAMP_NS))
		rc = error_set(SMSAUDIT_EINVALID, "%s: not a stamp (<stamp> in %s)", name, STAMP_NS);
	else if (!id || !stamp_id_ok(id))
		rc = error_set(SMSAUDIT_EINVALID, "%s: the stamp's id is missing or malformed", name);
	else
		snprintf(out->id, sizeof(out->id), "%s", id);
	xmlFree(id);
	size_t alloc = 0;
	for (xmlNodePtr n = rc == 0 ? smsaudit_xml_first_element(root) : NULL; rc == 0 && n; n = smsaudit_xml_next_element(n)) {
		char *rid = smsaudit_xml_attr(n, "id"), *sha = smsaudit_xml_attr(n, "signature-sha256");
		smsaudit_record_type type;
		if (!smsaudit_xml_is(n, "record") || !in_ns(n, STAMP_NS) || !rid || !is_hex64(sha) ||
		    smsaudit_record_id_type(&type, rid) < 0) {
			smsaudit_error_clear();
			rc = error_set(SMSAUDIT_EINVALID, "%s:%d: not a <record id=\"…\" signature-sha256=\"…\"/>", name,
			               (int)xmlGetLineNo(n));
		} else if (out->n == STAMP_MAX_ENTRIES) {
			rc = error_set(SMSAUDIT_EINVALID, "%s: more than %d records", name, STAMP_MAX_ENTRIES);
		} else if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			smsaudit_stamp_entry *e = realloc(out->entries, na * sizeof(*e));
			if (!e)
				rc = error_oom();
			else {
				out->entries = e;
				alloc = na;
			}
		}
		if (rc == 0) {
			snprintf(out->entries[out->n].id, sizeof(out->entries[out->n].id), "%s", rid);
			memcpy(out->entries[out->n].signature_sha256, sha, 65);
			out->n++;
		}
		xmlFree(rid);
		xmlFree(sha);
	}
	if (rc == 0 && out->n == 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s: the stamp lists no record", name);
	xmlFreeDoc(doc);
	if (rc < 0)
		smsaudit_stamp_dispose(out);
	return rc;
}

typedef struct {
	smsaudit_repo *repo;
	smsaudit_tsa *v;
	size_t n;
} tsa_walk;

static int collect_tsa(const char *path, const smsaudit_oid *blob, void *u)
{
	tsa_walk *t = u;
	size_t len = strlen(path);
	if (len < 4 || strcmp(path + len - 4, ".xml") != 0)
		return 0;
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	smsaudit_tsa tsa;
	int rc = 0;
	if (smsaudit_repo_read_blob(&b, t->repo, blob) == 0 && smsaudit_tsa_parse(&tsa, b.ptr, b.size, path) == 0) {
		smsaudit_tsa *v = realloc(t->v, (t->n + 1) * sizeof(*v));
		if (v) {
			t->v = v;
			t->v[t->n++] = tsa;
		} else {
			smsaudit_tsa_dispose(&tsa);
			rc = error_oom();
		}
	}
	if (rc == 0)
		smsaudit_error_clear(); /* a broken configuration is verify's to report */
	smsaudit_buf_dispose(&b);
	return rc;
}

int smsaudit_tsa_list(smsaudit_tsa **out, size_t *n, smsaudit_repo *repo, const smsaudit_oid *commit)
{
	tsa_walk t = { repo, NULL, 0 };
	int rc = smsaudit_repo_walk(repo, commit, SMSAUDIT_TSA_DIR, collect_tsa, &t);
	if (rc < 0) {
		smsaudit_tsa_list_free(t.v, t.n);
		t.v = NULL;
		t.n = 0;
	}
	*out = t.v;
	*n = t.n;
	return rc;
}

void smsaudit_tsa_list_free(smsaudit_tsa *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		smsaudit_tsa_dispose(&v[i]);
	free(v);
}

int smsaudit_tsa_stamp_first_digest(smsaudit_buf *token, const smsaudit_tsa *v, size_t n, const unsigned char md[32])
{
	int rc = error_set(SMSAUDIT_ENOTFOUND, "no time-stamping authority is configured (smsaudit tsa add)");
	for (size_t i = 0; i < n; i++) {
		smsaudit_error_clear();
		if ((rc = smsaudit_tsa_stamp_digest(token, v[i].url, v[i].ca, md, 0)) == 0)
			return 0;
	}
	return rc;
}

int smsaudit_tsa_stamp_first(smsaudit_buf *token, const smsaudit_tsa *v, size_t n, const void *data, size_t len)
{
	int rc = error_set(SMSAUDIT_ENOTFOUND, "no time-stamping authority is configured (smsaudit tsa add)");
	for (size_t i = 0; i < n; i++) {
		smsaudit_error_clear();
		if ((rc = smsaudit_tsa_stamp(token, v[i].url, v[i].ca, data, len, 0)) == 0)
			return 0;
	}
	return rc;
}
