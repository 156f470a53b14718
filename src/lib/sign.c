/*
 * Keys, certificates and CMS signatures with OpenSSL 3. Small on purpose: one
 * curve (P-256), one digest (SHA-256), one signature format (detached CMS, DER).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "smsaudit/sign.h"

struct smsaudit_key { EVP_PKEY *pkey; };
struct smsaudit_cert {
	X509 *x509;
	char fingerprint[65];   /* "" until known (a learnt shape knows its signer's) */
};
/* A signer certificate whose chain to an anchor was verified, and the window
 * (the intersection of the chain's validity periods) in which it holds. */
typedef struct {
	unsigned char der_sha[32];
	time_t from, until;
} verified_cert;

/* A certificate met inside a signature, decoded once (see split_certs). */
typedef struct {
	unsigned char *der;
	size_t len;
	X509 *x509;
} seen_cert;

/* At most this many signature shapes are learnt per trust set: one per
 * signer and signing tool in practice; past that, CMS_verify does the work. */
#define SHAPES_MAX 32
struct verify_shape;
static void shape_free(struct verify_shape *s);

struct smsaudit_trust {
	pthread_mutex_t lock;   /* the caches below are shared by verifying threads */
	X509_STORE *store;
	STACK_OF(X509) *anchors;
	verified_cert *verified;
	size_t nverified, averified;
	seen_cert *seen;
	size_t nseen, aseen;
	struct verify_shape *shapes[SHAPES_MAX]; /* see "signatures of a known shape" */
	size_t nshapes;
	EVP_MD *sha256;         /* fetched once: EVP_sha256() is fetched again at every use */
	size_t shape_hits;      /* signatures verified by a learnt shape (for the tests) */
};

/* The most useful OpenSSL reason for a failure, for one-line messages. */
static const char *ossl_reason(void)
{
	static _Thread_local char buf[256];
	unsigned long e = ERR_peek_last_error();
	if (!e)
		return "unknown OpenSSL error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	const char *r = ERR_reason_error_string(e);
	if (r) {
		snprintf(buf, sizeof(buf), "%s", r);
		return buf;
	}
	return buf;
}

/* Take ownership of `pk` in a new handle. */
static int wrap_key(smsaudit_key **out, EVP_PKEY *pk)
{
	smsaudit_key *k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pk);
		return error_oom();
	}
	k->pkey = pk;
	*out = k;
	return 0;
}

int smsaudit_key_generate(smsaudit_key **out)
{
	*out = NULL;
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	if (!pk)
		return error_set(SMSAUDIT_ERROR, "cannot generate a P-256 key: %s", ossl_reason());
	return wrap_key(out, pk);
}

void smsaudit_key_free(smsaudit_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* Write `data` to a new file of mode `mode`, atomically: a temporary file in
 * the same directory, fsync, then link() so an existing file is never replaced
 * and a crash never leaves a half-written key. */
static int write_new_file(const char *path, const void *data, size_t len, mode_t mode)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	if (!tmp)
		return error_oom();
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return error_set(SMSAUDIT_EIO, "%s: cannot create: %s", path, strerror(e));
	}
	int rc = 0;
	if (fchmod(fd, mode) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	const char *p = data;
	size_t left = len;
	while (rc == 0 && left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", path, strerror(errno));
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (rc == 0 && link(tmp, path) < 0) {
		if (errno == EEXIST)
			rc = error_set(SMSAUDIT_EEXISTS, "%s: already exists; not overwriting it", path);
		else
			rc = error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	}
	unlink(tmp);
	free(tmp);
	return rc;
}

int smsaudit_key_save(const smsaudit_key *key, const char *path, const char *passphrase)
{
	BIO *mem = BIO_new(BIO_s_mem());
	if (!mem)
		return error_oom();
	int ok;
	if (passphrase && *passphrase)
		ok = PEM_write_bio_PKCS8PrivateKey(mem, key->pkey, EVP_aes_256_cbc(), passphrase,
		                                   (int)strlen(passphrase), NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(mem, key->pkey, NULL, NULL, 0, NULL, NULL);
	if (!ok) {
		BIO_free(mem);
		return error_set(SMSAUDIT_ERROR, "%s: cannot encode the key: %s", path, ossl_reason());
	}
	char *data = NULL;
	long n = BIO_get_mem_data(mem, &data);
	int rc = write_new_file(path, data, (size_t)n, 0600);
	BIO_free_all(mem); /* BIO_s_mem frees and clears its buffer */
	return rc;
}

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *p = u;
	if (!p)
		return -1;
	int n = (int)strlen(p);
	if (n > size)
		n = size;
	memcpy(buf, p, (size_t)n);
	return n;
}

int smsaudit_key_load(smsaudit_key **out, const char *path, const char *passphrase)
{
	*out = NULL;
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return error_set(SMSAUDIT_EIO, "%s: key file is a symbolic link; refusing it", path);
	int fd;
	int rc = file_open_input(&fd, path, FILE_INPUT_NOFOLLOW);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	}
	if (st.st_mode & 077) {
		close(fd);
		return error_set(SMSAUDIT_EIO,
		                 "%s: private key is accessible by others (mode %04o); run 'chmod 600 %s'",
		                 path, (unsigned)(st.st_mode & 07777), path);
	}
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	rc = fd_read_all(&pem, fd, path, 64 * 1024);
	close(fd);
	if (rc < 0) {
		smsaudit_buf_dispose(&pem);
		return rc;
	}
	int encrypted = strstr(pem.ptr, "ENCRYPTED") != NULL;
	BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.size);
	EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, pass_cb, (void *)passphrase) : NULL;
	BIO_free(b);
	OPENSSL_cleanse(pem.ptr, pem.size);
	smsaudit_buf_dispose(&pem);
	if (!pk) {
		ERR_clear_error();
		if (encrypted)
			return error_set(SMSAUDIT_EINVALID, "%s: cannot read the private key: %s", path,
			                 passphrase ? "wrong passphrase" : "it is encrypted and no passphrase was given");
		return error_set(SMSAUDIT_EINVALID, "%s: not a PEM private key", path);
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC) {
		EVP_PKEY_free(pk);
		return error_set(SMSAUDIT_EINVALID, "%s: not an ECDSA key (smsaudit signs with P-256)", path);
	}
	return wrap_key(out, pk);
}

static smsaudit_cert *wrap_cert(X509 *x)
{
	smsaudit_cert *c = calloc(1, sizeof(*c));
	if (!c) {
		X509_free(x);
		error_oom();
		return NULL;
	}
	c->x509 = x;
	return c;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return 0;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok;
}

static int random_serial(X509 *x)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7f; /* positive */
	BIGNUM *bn = BN_bin2bn(b, sizeof(b), NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static X509 *new_cert_skeleton(const smsaudit_key *subject_key, time_t not_before, int days)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	if (!X509_set_version(x, 2) || !random_serial(x) ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), not_before + (time_t)days * 86400) ||
	    !X509_set_pubkey(x, subject_key->pkey)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

void smsaudit_cert_name_fit(char *out, size_t size, const char *name, const char *suffix)
{
	/* X.509 (RFC 5280's ub-common-name) allows 64 characters in a common
	 * name, and OpenSSL counts characters, not bytes. People's and companies'
	 * names are longer; the records keep them whole, the certificate gets a
	 * prefix cut at a character boundary and marked with an ellipsis. */
	size_t room = SMSAUDIT_CERT_NAME_MAX, nsuffix = 0;
	for (const unsigned char *p = (const unsigned char *)suffix; p && *p; p++)
		nsuffix += (*p & 0xc0) != 0x80;
	room = nsuffix < room ? room - nsuffix : 1;
	size_t chars = 0, cut = 0, len = strlen(name);
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)name[i] & 0xc0) != 0x80 && ++chars == room)
			cut = i; /* where the last character that fits with an ellipsis ends */
	const char *ellipsis = "";
	if (chars > room) {
		len = cut;
		ellipsis = "\xe2\x80\xa6"; /* U+2026, one character */
	}
	if (len + strlen(ellipsis) + (suffix ? strlen(suffix) : 0) >= size)
		len = 0; /* a caller's buffer too small for any name: an empty CN fails loudly */
	snprintf(out, size, "%.*s%s%s", (int)len, name, ellipsis, suffix ? suffix : "");
}

int smsaudit_cert_new_ca(smsaudit_cert **out, const smsaudit_key *key, const char *common_name,
                         time_t not_before, int days)
{
	*out = NULL;
	char cn[SMSAUDIT_CERT_NAME_MAX * 4 + 1];
	smsaudit_cert_name_fit(cn, sizeof(cn), common_name, NULL);
	X509 *x = new_cert_skeleton(key, not_before, days);
	X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
	if (!x || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) ||
	    !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    !X509_sign(x, key->pkey, EVP_sha256())) {
		X509_free(x);
		return error_set(SMSAUDIT_ERROR, "cannot create the CA certificate: %s", ossl_reason());
	}
	*out = wrap_cert(x);
	return *out ? 0 : SMSAUDIT_ENOMEM;
}

int smsaudit_cert_issue(smsaudit_cert **out, const smsaudit_cert *ca, const smsaudit_key *ca_key,
                        const smsaudit_key *subject_key, const char *name, const char *email,
                        time_t not_before, int days)
{
	*out = NULL;
	if (!smsaudit_cert_matches_key(ca, ca_key))
		return error_set(SMSAUDIT_EINVALID, "the CA key does not belong to the CA certificate");
	X509 *x = new_cert_skeleton(subject_key, not_before, days);
	X509_NAME *sn = x ? X509_get_subject_name(x) : NULL;
	char san[512], cn[SMSAUDIT_CERT_NAME_MAX * 4 + 1];
	snprintf(san, sizeof(san), "email:%s", email);
	smsaudit_cert_name_fit(cn, sizeof(cn), name, NULL);
	/* The subject's emailAddress is limited to 128 characters; the
	 * subjectAltName, which is what identifies the signer, is not. A longer
	 * address is left out of the subject rather than cut. */
	int subject_email = strlen(email) <= 128;
	if (!x || !X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
	    (subject_email &&
	     !X509_NAME_add_entry_by_txt(sn, "emailAddress", MBSTRING_ASC, (const unsigned char *)email, -1, -1, 0)) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->x509)) ||
	    !add_ext(x, ca->x509, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, ca->x509, NID_key_usage, "critical,digitalSignature,nonRepudiation") ||
	    !add_ext(x, ca->x509, NID_ext_key_usage, "emailProtection") ||
	    !add_ext(x, ca->x509, NID_subject_alt_name, san) ||
	    !add_ext(x, ca->x509, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(x, ca_key->pkey, EVP_sha256())) {
		X509_free(x);
		return error_set(SMSAUDIT_EINVALID, "cannot issue a certificate for %s <%s>: %s", name, email,
		                 ossl_reason());
	}
	*out = wrap_cert(x);
	return *out ? 0 : SMSAUDIT_ENOMEM;
}

int smsaudit_csr_new(smsaudit_buf *out, const smsaudit_key *key, const char *name, const char *email)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *sn = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	char san[512], cn[SMSAUDIT_CERT_NAME_MAX * 4 + 1];
	snprintf(san, sizeof(san), "email:%s", email);
	smsaudit_cert_name_fit(cn, sizeof(cn), name, NULL);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	int ok = req && sn && exts && ext && X509_REQ_set_version(req, 0) &&
	         X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
	         (strlen(email) > 128 ||
	          X509_NAME_add_entry_by_txt(sn, "emailAddress", MBSTRING_ASC, (const unsigned char *)email, -1, -1, 0)) &&
	         X509_REQ_set_subject_name(req, sn) && X509_REQ_set_pubkey(req, key->pkey) &&
	         sk_X509_EXTENSION_push(exts, ext);
	if (ok)
		ext = NULL;   /* the stack owns it */
	ok = ok && X509_REQ_add_extensions(req, exts) && X509_REQ_sign(req, key->pkey, EVP_sha256());
	BIO *b = ok ? BIO_new(BIO_s_mem()) : NULL;
	char *p = NULL;
	long n = 0;
	ok = b && PEM_write_bio_X509_REQ(b, req) && (n = BIO_get_mem_data(b, &p)) > 0;
	int rc = ok ? buf_put(out, p, (size_t)n) : error_set(SMSAUDIT_EINVALID, "cannot make a signing request for %s: %s",
	                                                      email, ossl_reason());
	BIO_free(b);
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(sn);
	X509_REQ_free(req);
	return rc;
}

int smsaudit_cert_from_pem(smsaudit_cert **out, const char *pem, size_t len, const char *name)
{
	*out = NULL;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return error_oom();
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x) {
		ERR_clear_error();
		return error_set(SMSAUDIT_EINVALID, "%s: not a PEM certificate", name);
	}
	*out = wrap_cert(x);
	return *out ? 0 : SMSAUDIT_ENOMEM;
}

int smsaudit_cert_load(smsaudit_cert **out, const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = file_read_all(&b, path, 1024 * 1024);
	if (rc == 0)
		rc = smsaudit_cert_from_pem(out, b.ptr, b.size, path);
	smsaudit_buf_dispose(&b);
	return rc;
}

int smsaudit_cert_to_pem(smsaudit_buf *out, const smsaudit_cert *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b || !PEM_write_bio_X509(b, cert->x509)) {
		BIO_free(b);
		return error_oom();
	}
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	int rc = buf_put(out, data, (size_t)n);
	BIO_free(b);
	return rc;
}

int smsaudit_cert_save(const smsaudit_cert *cert, const char *path)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = smsaudit_cert_to_pem(&b, cert);
	if (rc == 0)
		rc = write_new_file(path, b.ptr, b.size, 0644);
	smsaudit_buf_dispose(&b);
	return rc;
}

int smsaudit_cert_fingerprint(char out[65], const smsaudit_cert *cert)
{
	if (cert->fingerprint[0]) {
		memcpy(out, cert->fingerprint, 65);
		return 0;
	}
	unsigned char *der = NULL;
	int n = i2d_X509(cert->x509, &der);
	if (n <= 0)
		return error_set(SMSAUDIT_ERROR, "cannot encode certificate");
	int rc = sha256_hex(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

void smsaudit_cert_subject(char *buf, size_t size, const smsaudit_cert *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, X509_get_subject_name(cert->x509), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	int n = BIO_read(b, buf, (int)size - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

void smsaudit_cert_email(char *buf, size_t size, const smsaudit_cert *cert)
{
	buf[0] = '\0';
	STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(cert->x509);
	if (emails && sk_OPENSSL_STRING_num(emails) > 0)
		snprintf(buf, size, "%s", sk_OPENSSL_STRING_value(emails, 0));
	X509_email_free(emails);
}

static time_t asn1_to_time(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return smsaudit_utc_mktime(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                           tm.tm_sec);
}

void smsaudit_cert_validity(const smsaudit_cert *cert, time_t *not_before, time_t *not_after)
{
	if (not_before)
		*not_before = asn1_to_time(X509_get0_notBefore(cert->x509));
	if (not_after)
		*not_after = asn1_to_time(X509_get0_notAfter(cert->x509));
}

int smsaudit_cert_matches_key(const smsaudit_cert *cert, const smsaudit_key *key)
{
	return X509_check_private_key(cert->x509, key->pkey) == 1 ? 1 : (ERR_clear_error(), 0);
}

int smsaudit_cert_is_ca(const smsaudit_cert *cert)
{
	return X509_check_ca(cert->x509) > 0;
}

smsaudit_cert *smsaudit_cert_dup(const smsaudit_cert *cert)
{
	X509_up_ref(cert->x509);
	return wrap_cert(cert->x509);
}

void smsaudit_cert_free(smsaudit_cert *cert)
{
	if (!cert)
		return;
	X509_free(cert->x509);
	free(cert);
}

int smsaudit_sign_detached(smsaudit_buf *sig, const void *data, size_t len,
                           const smsaudit_cert *cert, const smsaudit_key *key, time_t when)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	int rc = 0;
	BIO *in = BIO_new_mem_buf(data, (int)len);
	BIO *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, cert->x509, key->pkey, EVP_sha256(), flags) : NULL;
	ASN1_TIME *t = ASN1_TIME_set(NULL, when);
	/* Our own signingTime first: CMS_final only adds "now" when none is there. */
	if (!in || !out || !si || !t ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1) ||
	    !CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY) || !i2d_CMS_bio(out, cms)) {
		rc = error_set(SMSAUDIT_ERROR, "cannot sign: %s", ossl_reason());
	} else {
		char *p = NULL;
		long n = BIO_get_mem_data(out, &p);
		rc = buf_put(sig, p, (size_t)n);
	}
	ASN1_TIME_free(t);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	return rc;
}

/* ---- many signatures by one signer at one time (evidence ingest) ----
 *
 * CMS_sign builds, encodes and frees a whole ASN.1 tree per signature, about
 * five times the cost of the ECDSA signature itself (bench/RESULTS.md,
 * "Ingest"). Signatures of one batch differ only in the messageDigest
 * attribute and the signature value: the signer, certificate, signing time
 * and attributes are the same. So one signature is made by CMS_sign as a
 * template, and each further one copies it with the digest put in, the
 * signed attributes hashed and signed, and the lengths of the structures
 * around the signature value (whose DER length varies) written anew. The
 * template is checked by signing and verifying a probe through that path
 * with CMS_verify; when anything about it is unexpected, the caller falls
 * back to smsaudit_sign_detached. */

#define BATCH_DEPTH 5

static const unsigned char oid_message_digest[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	                                            0x01, 0x09, 0x04, 0x31, 0x22, 0x04, 0x20 };

/* One structure on the way from the outside to the signature value: its tag
 * and what its content holds before and after the next one in. */
typedef struct {
	unsigned char tag;
	size_t before_off, before_len, after_off, after_len;
} der_level;

struct sign_batch {
	EVP_PKEY *pkey;
	unsigned char *der;          /* the template */
	size_t len;
	der_level lv[BATCH_DEPTH];   /* ContentInfo, [0], SignedData, signerInfos, SignerInfo */
	size_t attrs_off, attrs_len; /* the signed attributes ([0] IMPLICIT SET) */
	size_t md_off;               /* the 32 bytes of messageDigest */
};

struct sign_batch_ctx {
	EVP_PKEY_CTX *pctx;
	EVP_MD *sha256;      /* fetched once: EVP_sha256() is fetched again at every use */
	EVP_MD_CTX *md;
	smsaudit_buf attrs;
};

static int der_tlv(const unsigned char *p, const unsigned char *end, unsigned char *tag, size_t *hdr, size_t *len);

/* Within the content [c, end) of the structure at level `d`, the child with
 * `want` (the last one with it when `last`). */
static int der_child(const unsigned char *c, const unsigned char *end, unsigned char want, int last,
                     const unsigned char **child, size_t *clen_total)
{
	const unsigned char *found = NULL;
	size_t found_len = 0;
	while (c < end) {
		unsigned char tag;
		size_t h, n;
		if (der_tlv(c, end, &tag, &h, &n) < 0)
			return -1;
		if (tag == want && (!found || last)) {
			found = c;
			found_len = h + n;
		}
		c += h + n;
	}
	if (!found)
		return -1;
	*child = found;
	*clen_total = found_len;
	return 0;
}

static int der_put_tlv(smsaudit_buf *out, unsigned char tag, size_t len)
{
	unsigned char h[5];
	size_t n = 0;
	h[n++] = tag;
	if (len < 0x80)
		h[n++] = (unsigned char)len;
	else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = (unsigned char)len;
	} else if (len < 0x10000) {
		h[n++] = 0x82;
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	} else {
		h[n++] = 0x83;
		h[n++] = (unsigned char)(len >> 16);
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	}
	return buf_put(out, (const char *)h, n);
}

static size_t der_size(size_t len)
{
	return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4) + len;
}

/* Find the levels of the template; -1 when it is not shaped as expected. */
static int der_signer_path(der_level lv[BATCH_DEPTH], const unsigned char **si, const unsigned char **sig,
                           const unsigned char *der, size_t len, int minimal);

static int batch_parse(sign_batch *b, const unsigned char digest[32])
{
	const unsigned char *base = b->der, *si, *sig;
	if (der_signer_path(b->lv, &si, &sig, b->der, b->len, 0) < 0)
		return -1;
	const unsigned char *attrs;
	size_t alen;
	if (der_child(si, sig, 0xa0, 0, &attrs, &alen) < 0)
		return -1;
	b->attrs_off = (size_t)(attrs - base);
	b->attrs_len = alen;
	const unsigned char *at = attrs, *aend = attrs + alen, *md = NULL;
	for (; at + sizeof(oid_message_digest) + 32 <= aend; at++)
		if (memcmp(at, oid_message_digest, sizeof(oid_message_digest)) == 0) {
			if (md)
				return -1;
			md = at + sizeof(oid_message_digest);
		}
	if (!md || memcmp(md, digest, 32) != 0)
		return -1;
	b->md_off = (size_t)(md - base);
	return 0;
}

int sign_batch_ctx_new(sign_batch_ctx **out, const sign_batch *b)
{
	sign_batch_ctx *c = calloc(1, sizeof(*c));
	if (!c || !(c->pctx = EVP_PKEY_CTX_new(b->pkey, NULL)) || EVP_PKEY_sign_init(c->pctx) <= 0 ||
	    !(c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) || !(c->md = EVP_MD_CTX_new()) ||
	    EVP_PKEY_CTX_set_signature_md(c->pctx, c->sha256) <= 0) {
		sign_batch_ctx_free(c);
		*out = NULL;
		return error_set(SMSAUDIT_ERROR, "cannot sign: %s", ossl_reason());
	}
	*out = c;
	return 0;
}

void sign_batch_ctx_free(sign_batch_ctx *c)
{
	if (!c)
		return;
	EVP_PKEY_CTX_free(c->pctx);
	EVP_MD_CTX_free(c->md);
	EVP_MD_free(c->sha256);
	smsaudit_buf_dispose(&c->attrs);
	free(c);
}

int sign_batch_sign(const sign_batch *b, sign_batch_ctx *c, smsaudit_buf *sig, const void *data, size_t len)
{
	unsigned char digest[32];
	unsigned int dl = 0;
	if (!EVP_DigestInit_ex(c->md, c->sha256, NULL) || !EVP_DigestUpdate(c->md, data, len) ||
	    !EVP_DigestFinal_ex(c->md, digest, &dl) || dl != 32)
		return error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	return sign_batch_sign_digest(b, c, sig, digest);
}

int sign_batch_sign_digest(const sign_batch *b, sign_batch_ctx *c, smsaudit_buf *sig, const unsigned char digest[32])
{
	unsigned char h[32], value[160];
	size_t vlen = sizeof(value);
	unsigned int dl = 0;
	/* The signed attributes with this content's digest, hashed as a SET. */
	c->attrs.size = 0;
	int rc = buf_put(&c->attrs, (const char *)b->der + b->attrs_off, b->attrs_len);
	if (rc < 0)
		return rc;
	memcpy(c->attrs.ptr + (b->md_off - b->attrs_off), digest, 32);
	c->attrs.ptr[0] = 0x31;
	if (!EVP_DigestInit_ex(c->md, c->sha256, NULL) || !EVP_DigestUpdate(c->md, c->attrs.ptr, c->attrs.size) ||
	    !EVP_DigestFinal_ex(c->md, h, &dl) || dl != 32)
		return error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	if (EVP_PKEY_sign(c->pctx, value, &vlen, h, sizeof(h)) <= 0)
		return error_set(SMSAUDIT_ERROR, "cannot sign: %s", ossl_reason());
	/* From the inside out: the lengths of every level around the value. */
	size_t inner = der_size(vlen);
	size_t sizes[BATCH_DEPTH];
	for (int d = BATCH_DEPTH - 1; d >= 0; d--) {
		sizes[d] = b->lv[d].before_len + inner + b->lv[d].after_len;
		inner = der_size(sizes[d]);
	}
	sig->size = 0;
	if ((rc = buf_grow(sig, inner)) < 0)
		return rc;
	for (int d = 0; d < BATCH_DEPTH && rc == 0; d++) {
		rc = der_put_tlv(sig, b->lv[d].tag, sizes[d]);
		if (rc == 0)
			rc = buf_put(sig, (const char *)b->der + b->lv[d].before_off, b->lv[d].before_len);
		if (rc == 0 && d == BATCH_DEPTH - 1)
			memcpy(sig->ptr + sig->size - b->lv[d].before_len + (b->md_off - b->lv[d].before_off), digest, 32);
	}
	if (rc == 0)
		rc = der_put_tlv(sig, 0x04, vlen);
	if (rc == 0)
		rc = buf_put(sig, (const char *)value, vlen);
	for (int d = BATCH_DEPTH - 1; d >= 0 && rc == 0; d--)
		rc = buf_put(sig, (const char *)b->der + b->lv[d].after_off, b->lv[d].after_len);
	return rc;
}

/* A probe signed through the template must verify as any CMS signature. */
static int batch_probe(const sign_batch *b, const smsaudit_cert *cert)
{
	static const char probe[] = "smsaudit signature probe";
	sign_batch_ctx *c = NULL;
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	int ok = sign_batch_ctx_new(&c, b) == 0 && sign_batch_sign(b, c, &sig, probe, sizeof(probe) - 1) == 0;
	sign_batch_ctx_free(c);
	if (ok) {
		const unsigned char *p = (const unsigned char *)sig.ptr;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig.size);
		BIO *in = BIO_new_mem_buf(probe, (int)(sizeof(probe) - 1));
		STACK_OF(X509) *certs = sk_X509_new_null();
		ok = cms && in && certs && p == (const unsigned char *)sig.ptr + sig.size && sk_X509_push(certs, cert->x509) &&
		     CMS_verify(cms, certs, NULL, in, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN) == 1;
		sk_X509_free(certs);
		BIO_free(in);
		CMS_ContentInfo_free(cms);
	}
	smsaudit_buf_dispose(&sig);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int sign_batch_new(sign_batch **out, const smsaudit_cert *cert, const smsaudit_key *key, time_t when)
{
	*out = NULL;
	sign_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return error_oom();
	smsaudit_buf t = SMSAUDIT_BUF_INIT;
	unsigned char digest[32];
	unsigned int dl = 0;
	int rc = smsaudit_sign_detached(&t, "", 0, cert, key, when);
	if (rc == 0 && (!EVP_Digest("", 0, digest, &dl, EVP_sha256(), NULL) || dl != 32))
		rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	b->der = (unsigned char *)t.ptr;
	b->len = t.size;
	if (rc == 0 && (batch_parse(b, digest) < 0 || !EVP_PKEY_up_ref(key->pkey)))
		rc = error_set(SMSAUDIT_ERROR, "unexpected signature layout");
	else if (rc == 0)
		b->pkey = key->pkey;
	if (rc == 0 && batch_probe(b, cert) < 0)
		rc = error_set(SMSAUDIT_ERROR, "the signature template does not verify");
	if (rc < 0) {
		sign_batch_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

void sign_batch_free(sign_batch *b)
{
	if (!b)
		return;
	EVP_PKEY_free(b->pkey);
	free(b->der);
	free(b);
}

int smsaudit_sign_detached_digest(smsaudit_buf *sig, const unsigned char sha256[32], const smsaudit_cert *cert,
                                  const smsaudit_key *key, time_t when)
{
	/* The template is the signature smsaudit_sign_detached makes, checked by
	 * CMS_verify on a probe before use, with this digest put in. */
	sign_batch *b = NULL;
	sign_batch_ctx *c = NULL;
	int rc = sign_batch_new(&b, cert, key, when);
	if (rc == 0)
		rc = sign_batch_ctx_new(&c, b);
	if (rc == 0)
		rc = sign_batch_sign_digest(b, c, sig, sha256);
	sign_batch_ctx_free(c);
	sign_batch_free(b);
	return rc;
}

int smsaudit_trust_new(smsaudit_trust **out)
{
	*out = NULL;
	smsaudit_trust *t = calloc(1, sizeof(*t));
	if (!t)
		return error_oom();
	pthread_mutex_init(&t->lock, NULL);
	t->store = X509_STORE_new();
	t->anchors = sk_X509_new_null();
	t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!t->store || !t->anchors || !t->sha256) {
		smsaudit_trust_free(t);
		return error_oom();
	}
	*out = t;
	return 0;
}

int smsaudit_trust_add(smsaudit_trust *trust, const smsaudit_cert *ca)
{
	if (!smsaudit_cert_is_ca(ca))
		return error_set(SMSAUDIT_EINVALID, "a trust anchor must be a CA certificate");
	if (!X509_STORE_add_cert(trust->store, ca->x509)) {
		ERR_clear_error(); /* already present is fine */
	}
	X509_up_ref(ca->x509);
	sk_X509_push(trust->anchors, ca->x509);
	return 0;
}

void smsaudit_trust_free(smsaudit_trust *trust)
{
	if (!trust)
		return;
	free(trust->verified);
	for (size_t i = 0; i < trust->nseen; i++) {
		free(trust->seen[i].der);
		X509_free(trust->seen[i].x509);
	}
	free(trust->seen);
	for (size_t i = 0; i < trust->nshapes; i++)
		shape_free(trust->shapes[i]);
	EVP_MD_free(trust->sha256);
	pthread_mutex_destroy(&trust->lock);
	X509_STORE_free(trust->store);
	sk_X509_pop_free(trust->anchors, X509_free);
	free(trust);
}

static int chain_verify(smsaudit_trust *trust, X509 *cert, time_t when, time_t *from, time_t *until)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, cert, NULL)) {
		X509_STORE_CTX_free(ctx);
		return error_oom();
	}
	X509_STORE_CTX_set_time(ctx, 0, when);
	int ok = X509_verify_cert(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	if (ok == 1 && from && until) {
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		*from = 0;
		*until = (time_t)1 << 62;
		for (int i = 0; i < sk_X509_num(chain); i++) {
			X509 *c = sk_X509_value(chain, i);
			time_t nb = asn1_to_time(X509_get0_notBefore(c)), na = asn1_to_time(X509_get0_notAfter(c));
			if (nb > *from)
				*from = nb;
			if (na < *until)
				*until = na;
		}
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1)
		return error_set(SMSAUDIT_EINVALID, "certificate does not chain to the trust anchor: %s",
		                 X509_verify_cert_error_string(err));
	return 0;
}

int smsaudit_trust_check_cert(smsaudit_trust *trust, const smsaudit_cert *cert, time_t when)
{
	return chain_verify(trust, cert->x509, when, NULL, NULL);
}

/* Chain check with a cache: the same few certificates sign thousands of
 * records, and without CRLs the answer only depends on the validity windows. */
static int signer_chain_ok_sha(smsaudit_trust *trust, X509 *cert, const unsigned char md[32], time_t when)
{
	pthread_mutex_lock(&trust->lock);
	for (size_t i = 0; i < trust->nverified; i++)
		if (memcmp(trust->verified[i].der_sha, md, 32) == 0 && when >= trust->verified[i].from &&
		    when <= trust->verified[i].until) {
			pthread_mutex_unlock(&trust->lock);
			return 0;
		}
	pthread_mutex_unlock(&trust->lock);
	time_t from = 0, until = 0;
	int rc = chain_verify(trust, cert, when, &from, &until);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&trust->lock);
	if (trust->nverified == trust->averified) {
		size_t n = trust->averified ? trust->averified * 2 : 8;
		verified_cert *v = realloc(trust->verified, n * sizeof(*v));
		if (v) {
			trust->verified = v;
			trust->averified = n;
		}
	}
	if (trust->nverified < trust->averified) {
		verified_cert *v = &trust->verified[trust->nverified++];
		memcpy(v->der_sha, md, 32);
		v->from = from;
		v->until = until;
	}
	pthread_mutex_unlock(&trust->lock);
	return 0;
}

static int signer_chain_ok(smsaudit_trust *trust, X509 *cert, time_t when)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!X509_digest(cert, EVP_sha256(), md, &mdlen))
		return error_oom();
	return signer_chain_ok_sha(trust, cert, md, when);
}

/*
 * Why the certificates are taken out of a signature before OpenSSL decodes it:
 * OpenSSL 3.0 decodes every certificate's public key through its provider
 * decoders, behind process-wide locks, which made decoding the one certificate
 * each signature carries 60 % of the time of a whole-repository check. The
 * same few certificates sign every record, so each distinct one is decoded
 * once and handed to CMS_verify; what is verified is unchanged (the
 * certificates are not covered by the signature, and exactly the carried ones
 * are offered). Any structure other than the plain one we write falls back to
 * decoding the signature as it is.
 */

/* One DER TLV with a one-byte tag and a definite length: header and content sizes. */
static int der_tlv(const unsigned char *p, const unsigned char *end, unsigned char *tag, size_t *hdr, size_t *len)
{
	if (end - p < 2)
		return -1;
	*tag = p[0];
	if ((p[0] & 0x1f) == 0x1f)
		return -1;
	size_t n = p[1], h = 2;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - p) < 2 + k)
			return -1;
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = (n << 8) | p[2 + i];
		h += k;
	}
	if ((size_t)(end - p) - h < n)
		return -1;
	*hdr = h;
	*len = n;
	return 0;
}

static size_t der_put_header(unsigned char *out, unsigned char tag, size_t len)
{
	out[0] = tag;
	if (len < 0x80) {
		out[1] = (unsigned char)len;
		return 2;
	}
	size_t k = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
	out[1] = (unsigned char)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[2 + i] = (unsigned char)(len >> (8 * (k - 1 - i)));
	return 2 + k;
}

static size_t der_header_size(size_t len)
{
	return len < 0x80 ? 2 : len > 0xffffff ? 6 : len > 0xffff ? 5 : len > 0xff ? 4 : 3;
}

/*
 * ContentInfo { OID, [0] { SignedData { version, digestAlgorithms, encapContentInfo,
 * [0] certificates, signerInfos } } }: copy it without the certificates field
 * into *out (malloc'd) and point *certs at that field's content. 0 on success,
 * -1 when the signature has another shape.
 */
static int split_certs(const unsigned char *der, size_t len, unsigned char **out, size_t *outlen,
                       const unsigned char **certs, size_t *certslen)
{
	const unsigned char *end = der + len;
	unsigned char tag;
	size_t h1, l1, ho, lo, h2, l2, h3, l3;
	if (der_tlv(der, end, &tag, &h1, &l1) < 0 || tag != 0x30 || h1 + l1 != len)
		return -1;
	const unsigned char *oid = der + h1;
	if (der_tlv(oid, end, &tag, &ho, &lo) < 0 || tag != 0x06)
		return -1;
	const unsigned char *wrap = oid + ho + lo;
	if (der_tlv(wrap, end, &tag, &h2, &l2) < 0 || tag != 0xa0 || wrap + h2 + l2 != end)
		return -1;
	const unsigned char *sd = wrap + h2;
	if (der_tlv(sd, end, &tag, &h3, &l3) < 0 || tag != 0x30 || sd + h3 + l3 != end)
		return -1;
	/* The fields of SignedData up to the certificates. */
	const unsigned char *f = sd + h3, *cf = NULL;
	size_t cfh = 0, cfl = 0;
	static const unsigned char before[] = { 0x02, 0x31, 0x30 };
	for (int i = 0; i < 4; i++) {
		size_t fh, fl;
		if (der_tlv(f, end, &tag, &fh, &fl) < 0)
			return -1;
		if (i < 3 && tag != before[i])
			return -1;
		if (i == 3) {
			if (tag != 0xa0)
				return -1;
			cf = f;
			cfh = fh;
			cfl = fl;
			break;
		}
		f += fh + fl;
	}
	size_t new_l3 = l3 - (cfh + cfl);
	size_t new_l2 = der_header_size(new_l3) + new_l3;
	size_t new_l1 = ho + lo + der_header_size(new_l2) + new_l2;
	size_t total = der_header_size(new_l1) + new_l1;
	unsigned char *o = malloc(total);
	if (!o)
		return -1;
	size_t k = der_put_header(o, 0x30, new_l1);
	memcpy(o + k, oid, ho + lo);
	k += ho + lo;
	k += der_put_header(o + k, 0xa0, new_l2);
	k += der_put_header(o + k, 0x30, new_l3);
	memcpy(o + k, sd + h3, (size_t)(cf - (sd + h3)));
	k += (size_t)(cf - (sd + h3));
	memcpy(o + k, cf + cfh + cfl, (size_t)(end - (cf + cfh + cfl)));
	k += (size_t)(end - (cf + cfh + cfl));
	*out = o;
	*outlen = k;
	*certs = cf + cfh;
	*certslen = cfl;
	return k == total ? 0 : (free(o), -1);
}

/* The decoded certificate for these DER bytes (decoded once per trust set). */
static X509 *seen_cert_get(smsaudit_trust *trust, const unsigned char *der, size_t len)
{
	pthread_mutex_lock(&trust->lock);
	for (size_t i = 0; i < trust->nseen; i++)
		if (trust->seen[i].len == len && memcmp(trust->seen[i].der, der, len) == 0) {
			X509 *x = trust->seen[i].x509;
			X509_up_ref(x);
			pthread_mutex_unlock(&trust->lock);
			return x;
		}
	pthread_mutex_unlock(&trust->lock);
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	X509_check_purpose(x, -1, 0); /* fill OpenSSL's lazy caches before threads share it */
	unsigned char *copy = malloc(len);
	pthread_mutex_lock(&trust->lock);
	if (copy && trust->nseen == trust->aseen && trust->nseen < 4096) {
		size_t n = trust->aseen ? trust->aseen * 2 : 16;
		seen_cert *s = realloc(trust->seen, n * sizeof(*s));
		if (s) {
			trust->seen = s;
			trust->aseen = n;
		}
	}
	if (copy && trust->nseen < trust->aseen) {
		memcpy(copy, der, len);
		X509_up_ref(x);
		trust->seen[trust->nseen++] = (seen_cert){ copy, len, x };
		copy = NULL;
	}
	pthread_mutex_unlock(&trust->lock);
	free(copy);
	return x;
}

/* Decode a signature, its carried certificates separately when it has the plain shape. */
static CMS_ContentInfo *decode_signature(smsaudit_trust *trust, const void *sig, size_t siglen,
                                         STACK_OF(X509) **certs)
{
	*certs = NULL;
	unsigned char *stripped = NULL;
	size_t slen = 0, clen = 0;
	const unsigned char *c = NULL;
	if (split_certs(sig, siglen, &stripped, &slen, &c, &clen) == 0) {
		STACK_OF(X509) *sk = sk_X509_new_null();
		const unsigned char *p = c, *end = c + clen;
		int ok = sk != NULL;
		while (ok && p < end) {
			unsigned char tag;
			size_t h, l;
			X509 *x = NULL;
			ok = der_tlv(p, end, &tag, &h, &l) == 0 && tag == 0x30 &&
			     (x = seen_cert_get(trust, p, h + l)) != NULL && sk_X509_push(sk, x) > 0;
			if (!ok)
				X509_free(x);
			p += ok ? h + l : 0;
		}
		const unsigned char *q = stripped;
		CMS_ContentInfo *cms = ok ? d2i_CMS_ContentInfo(NULL, &q, (long)slen) : NULL;
		int whole = cms && q == stripped + slen;
		free(stripped);
		if (whole) {
			*certs = sk;
			return cms;
		}
		CMS_ContentInfo_free(cms);
		sk_X509_pop_free(sk, X509_free);
		ERR_clear_error();
	}
	const unsigned char *q = sig;
	return d2i_CMS_ContentInfo(NULL, &q, (long)siglen);
}

/* ---- signatures of a known shape ----
 *
 * CMS_verify decodes the whole SignedData into an ASN.1 tree, encodes the
 * signed attributes again, fetches digests and keys through the providers and
 * frees it all: per record nearly as much CPU again as the ECDSA
 * verification itself (bench/RESULTS.md). The signatures of one signer made
 * by one tool differ in three places only: the signingTime value, the
 * messageDigest value and the signature value (whose DER length varies by a
 * byte or two, and with it the lengths of the five structures around it).
 *
 * So a signature that the full path below (CMS_verify, then the chain)
 * accepts teaches a shape: its bytes with those three holes. A later
 * signature whose every other byte is the same, with lengths in minimal DER
 * and nothing after it, is checked here as CMS_verify would check it:
 *   - the messageDigest attribute against the SHA-256 of the content;
 *   - the ECDSA signature, with the key of the certificate the signer info
 *     names (the same bytes, so the same certificate CMS_verify picked), over
 *     the signed attributes as they are encoded: CMS_verify re-encodes them in
 *     the order received, and a shape is only learnt when that re-encoding is
 *     the received bytes (shape_learn checks its own signature this way);
 *   - the signing time, read from the attribute's value as before, and the
 *     certificate's chain to an anchor at that time (signer_chain_ok).
 * What else CMS_verify checks (one signer, the digest and signature
 * algorithms, the content type, which signed attributes there are and how
 * many of each, the certificates carried, no unsigned attributes) lies in
 * the bytes that must be equal. A signature of any other shape, and one that
 * fails any step here, goes through the full path as before, so what fails
 * reads exactly as it did.
 */

static const unsigned char oid_signing_time[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05 };
static const unsigned char oid_digest_attr[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04 };

enum { HOLE_TIME, HOLE_DIGEST };

/* Verification contexts kept per shape: one per verifying thread is enough. */
#define SHAPE_CTX_IDLE 8

struct verify_shape {
	unsigned char *der;                /* the signature it was learnt from */
	size_t len;
	der_level lv[BATCH_DEPTH];         /* ContentInfo, [0], SignedData, signerInfos, SignerInfo */
	size_t hole_off[2], hole_len[2];   /* HOLE_TIME, HOLE_DIGEST: offsets in der */
	int time_type;                     /* V_ASN1_UTCTIME or V_ASN1_GENERALIZEDTIME */
	size_t attrs_off, attrs_len;       /* the signed attributes, [0] IMPLICIT SET OF, whole */
	X509 *signer;                      /* the certificate the signer info names */
	unsigned char signer_sha[32];      /* SHA-256 of its DER */
	char signer_fp[65];                /* the same in hex (smsaudit_cert_fingerprint) */
	struct shape_ctx *idle[SHAPE_CTX_IDLE]; /* contexts between uses, under the trust's lock */
	size_t nidle;
};

/* What one verification needs, made ready once and reused: creating and
 * initialising an EVP_PKEY_CTX fetches the algorithm from the provider
 * behind locks, a fifth of the cost of the verification itself. */
struct shape_ctx {
	EVP_PKEY_CTX *pkey;   /* verify-initialised with the signer's key, SHA-256 */
	EVP_MD_CTX *md;
};

static void shape_ctx_free(struct shape_ctx *c)
{
	if (!c)
		return;
	EVP_PKEY_CTX_free(c->pkey);
	EVP_MD_CTX_free(c->md);
	free(c);
}

static struct shape_ctx *shape_ctx_take(smsaudit_trust *trust, struct verify_shape *s)
{
	struct shape_ctx *c = NULL;
	pthread_mutex_lock(&trust->lock);
	if (s->nidle)
		c = s->idle[--s->nidle];
	pthread_mutex_unlock(&trust->lock);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->md = EVP_MD_CTX_new()) || !(c->pkey = EVP_PKEY_CTX_new(X509_get0_pubkey(s->signer), NULL)) ||
	    EVP_PKEY_verify_init(c->pkey) <= 0 || EVP_PKEY_CTX_set_signature_md(c->pkey, trust->sha256) <= 0) {
		shape_ctx_free(c);
		ERR_clear_error();
		return NULL;
	}
	return c;
}

static void shape_ctx_give_back(smsaudit_trust *trust, struct verify_shape *s, struct shape_ctx *c)
{
	pthread_mutex_lock(&trust->lock);
	if (c && s->nidle < SHAPE_CTX_IDLE) {
		s->idle[s->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&trust->lock);
	shape_ctx_free(c);
}

/* A TLV whose length is written in the fewest bytes, as DER requires. */
static int der_tlv_minimal(const unsigned char *p, const unsigned char *end, unsigned char *tag, size_t *hdr,
                           size_t *len)
{
	return der_tlv(p, end, tag, hdr, len) == 0 && *hdr == der_header_size(*len) ? 0 : -1;
}

/* In the signed attributes [a, end), the value of the single-valued
 * attribute `oid`, which must be there exactly once. */
static int attr_value(const unsigned char *a, const unsigned char *end, const unsigned char *oid, size_t oidlen,
                      const unsigned char **value, unsigned char *vtag, size_t *vlen)
{
	int found = 0;
	while (a < end) {
		unsigned char tag;
		size_t h, l, sh, sl, vh, vl;
		if (der_tlv_minimal(a, end, &tag, &h, &l) < 0 || tag != 0x30)
			return -1;
		const unsigned char *c = a + h, *cend = a + h + l;
		if ((size_t)(cend - c) > oidlen && memcmp(c, oid, oidlen) == 0) {
			const unsigned char *set = c + oidlen, *v;
			if (found++ || der_tlv_minimal(set, cend, &tag, &sh, &sl) < 0 || tag != 0x31 || set + sh + sl != cend)
				return -1;
			v = set + sh;
			if (der_tlv_minimal(v, cend, vtag, &vh, &vl) < 0 || v + vh + vl != cend)
				return -1;
			*value = v + vh;
			*vlen = vl;
		}
		a = cend;
	}
	return found == 1 ? 0 : -1;
}

/* Find the levels and holes of a signature; -1 when it has another shape. */
/*
 * A CMS signature's DER walked down to its SignerInfo (ContentInfo, [0],
 * SignedData, signerInfos, SignerInfo): for each level the bytes before and
 * after the child the walk takes; `*si` the SignerInfo's content and `*sig`
 * its signature value (its only OCTET STRING). With `minimal`, every length
 * must be in its shortest form. One walk for the signing template and the
 * verification shapes. 0, or -1 for any other structure.
 */
static int der_signer_path(der_level lv[BATCH_DEPTH], const unsigned char **si, const unsigned char **sig,
                           const unsigned char *der, size_t len, int minimal)
{
	static const unsigned char tags[BATCH_DEPTH + 1] = { 0x30, 0xa0, 0x30, 0x31, 0x30, 0x04 };
	int (*tlv)(const unsigned char *, const unsigned char *, unsigned char *, size_t *, size_t *) =
		minimal ? der_tlv_minimal : der_tlv;
	const unsigned char *p = der, *end = der + len;
	unsigned char tag;
	size_t h, n;
	if (tlv(p, end, &tag, &h, &n) < 0 || tag != tags[0] || h + n != len)
		return -1;
	for (int d = 0; d < BATCH_DEPTH; d++) {
		const unsigned char *c = p + h, *cend = p + h + n, *child;
		size_t total;
		/* In SignedData the signerInfos are its last SET (the first is the
		 * digest algorithms). */
		if (der_child(c, cend, tags[d + 1], d == 2, &child, &total) < 0)
			return -1;
		lv[d].tag = tags[d];
		lv[d].before_off = (size_t)(c - der);
		lv[d].before_len = (size_t)(child - c);
		lv[d].after_off = (size_t)(child + total - der);
		lv[d].after_len = (size_t)(cend - (child + total));
		if (d == BATCH_DEPTH - 1) {
			*si = c;
			*sig = child;
		}
		p = child;
		if (tlv(p, end, &tag, &h, &n) < 0)
			return -1;
	}
	return 0;
}

static int shape_parse(struct verify_shape *s, const unsigned char *der, size_t len)
{
	const unsigned char *si, *sig, *attrs, *v;
	size_t alen, ah, al, vlen;
	unsigned char tag;
	if (der_signer_path(s->lv, &si, &sig, der, len, 1) < 0 || der_child(si, sig, 0xa0, 0, &attrs, &alen) < 0 ||
	    der_tlv_minimal(attrs, sig, &tag, &ah, &al) < 0)
		return -1;
	s->attrs_off = (size_t)(attrs - der);
	s->attrs_len = alen;
	if (attr_value(attrs + ah, attrs + alen, oid_signing_time, sizeof(oid_signing_time), &v, &tag, &vlen) < 0 ||
	    (tag != V_ASN1_UTCTIME && tag != V_ASN1_GENERALIZEDTIME))
		return -1;
	s->time_type = tag;
	s->hole_off[HOLE_TIME] = (size_t)(v - der);
	s->hole_len[HOLE_TIME] = vlen;
	if (attr_value(attrs + ah, attrs + alen, oid_digest_attr, sizeof(oid_digest_attr), &v, &tag, &vlen) < 0 ||
	    tag != V_ASN1_OCTET_STRING || vlen != 32)
		return -1;
	s->hole_off[HOLE_DIGEST] = (size_t)(v - der);
	s->hole_len[HOLE_DIGEST] = vlen;
	return 0;
}

/* The bytes [off, off + len) of the shape's signature equal `q`'s, but for
 * the holes that fall inside them. */
static int same_but_holes(const struct verify_shape *s, size_t off, size_t len, const unsigned char *q)
{
	size_t at = off, stop = off + len;
	int first = s->hole_off[HOLE_TIME] < s->hole_off[HOLE_DIGEST] ? HOLE_TIME : HOLE_DIGEST;
	for (int k = 0; k < 2; k++) {
		int i = k == 0 ? first : 1 - first;
		size_t ho = s->hole_off[i], he = ho + s->hole_len[i];
		if (ho < at || he > stop)
			continue; /* holes lie wholly inside one segment (shape_parse) */
		if (memcmp(s->der + at, q + (at - off), ho - at) != 0)
			return 0;
		at = he;
	}
	return memcmp(s->der + at, q + (at - off), stop - at) == 0;
}

/* Does `sig` have the shape? Then *info is where its SignerInfo's content
 * starts and the signature value is at *value, *vlen bytes. */
static int shape_match(const struct verify_shape *s, const unsigned char *sig, size_t len, const unsigned char **info,
                       const unsigned char **value, size_t *vlen)
{
	const unsigned char *p = sig, *end = sig + len;
	unsigned char tag;
	size_t h, n;
	if (der_tlv_minimal(p, end, &tag, &h, &n) < 0 || h + n != len)
		return 0;
	for (int d = 0; d < BATCH_DEPTH; d++) {
		const der_level *lv = &s->lv[d];
		const unsigned char *c = p + h, *cend = p + h + n;
		if (tag != lv->tag || n < lv->before_len + lv->after_len ||
		    !same_but_holes(s, lv->before_off, lv->before_len, c) ||
		    memcmp(s->der + lv->after_off, cend - lv->after_len, lv->after_len) != 0)
			return 0;
		if (d == BATCH_DEPTH - 1)
			*info = c;
		p = c + lv->before_len;
		end = cend - lv->after_len;
		if (der_tlv_minimal(p, end, &tag, &h, &n) < 0 || p + h + n != end)
			return 0;
	}
	if (tag != V_ASN1_OCTET_STRING)
		return 0;
	*value = p + h;
	*vlen = n;
	return 1;
}

/* The checks of CMS_verify and the chain for a signature of shape `s`
 * (see above). 0 when it verifies; -1 for anything else, with no error set:
 * the caller then runs the full path, which names the failure. */
static int shape_verify(smsaudit_trust *trust, struct verify_shape *s, const void *data, size_t len,
                        const unsigned char *sig, size_t siglen, time_t *when)
{
	const unsigned char *info, *value;
	size_t vlen;
	if (!shape_match(s, sig, siglen, &info, &value, &vlen))
		return -1;
	const unsigned char *base = info - s->lv[BATCH_DEPTH - 1].before_off;   /* shape offsets into sig */
	ASN1_STRING *t = ASN1_STRING_type_new(s->time_type);
	int ok = t && ASN1_STRING_set(t, base + s->hole_off[HOLE_TIME], (int)s->hole_len[HOLE_TIME]);
	*when = ok ? asn1_to_time(t) : 0;
	ASN1_STRING_free(t);
	unsigned char digest[32], attrs_digest[32];
	unsigned int dl = 0;
	static const unsigned char set_tag = 0x31;
	struct shape_ctx *c = *when ? shape_ctx_take(trust, s) : NULL;
	/* CMS hashes the signed attributes with their universal SET tag, not the
	 * [0] they are carried under (RFC 5652, 5.4). */
	ok = c && EVP_DigestInit_ex(c->md, trust->sha256, NULL) && EVP_DigestUpdate(c->md, data, len) &&
	     EVP_DigestFinal_ex(c->md, digest, &dl) && dl == 32 &&
	     memcmp(digest, base + s->hole_off[HOLE_DIGEST], 32) == 0 &&
	     EVP_DigestInit_ex(c->md, trust->sha256, NULL) && EVP_DigestUpdate(c->md, &set_tag, 1) &&
	     EVP_DigestUpdate(c->md, base + s->attrs_off + 1, s->attrs_len - 1) &&
	     EVP_DigestFinal_ex(c->md, attrs_digest, &dl) && dl == 32 &&
	     EVP_PKEY_verify(c->pkey, value, vlen, attrs_digest, sizeof(attrs_digest)) == 1;
	shape_ctx_give_back(trust, s, c);
	ERR_clear_error();
	if (ok && signer_chain_ok_sha(trust, s->signer, s->signer_sha, *when) < 0) {
		smsaudit_error_clear();
		ok = 0;
	}
	return ok ? 0 : -1;
}

static void shape_free(struct verify_shape *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nidle; i++)
		shape_ctx_free(s->idle[i]);
	X509_free(s->signer);
	free(s->der);
	free(s);
}

/* 0 when the signature has a learnt shape and verifies under it (see
 * shape_verify), with its signer (not up-referenced: the shape keeps it), the
 * signer's fingerprint and the signing time; -1 otherwise. */
static int shapes_verify(smsaudit_trust *trust, const void *data, size_t len, const void *sig, size_t siglen,
                         X509 **signer, char signer_fp[65], time_t *when)
{
	pthread_mutex_lock(&trust->lock);
	size_t n = trust->nshapes;   /* shapes are only ever added, and never change */
	pthread_mutex_unlock(&trust->lock);
	for (size_t i = 0; i < n; i++)
		if (shape_verify(trust, trust->shapes[i], data, len, sig, siglen, when) == 0) {
			*signer = trust->shapes[i]->signer;
			memcpy(signer_fp, trust->shapes[i]->signer_fp, 65);
			pthread_mutex_lock(&trust->lock);
			trust->shape_hits++;
			pthread_mutex_unlock(&trust->lock);
			return 0;
		}
	return -1;
}

/* Learn the shape of a signature the full path accepted, signed by `signer`. */
static void shape_learn(smsaudit_trust *trust, const void *data, size_t len, const unsigned char *sig, size_t siglen,
                        X509 *signer)
{
	pthread_mutex_lock(&trust->lock);
	int room = trust->nshapes < SHAPES_MAX;
	pthread_mutex_unlock(&trust->lock);
	struct verify_shape *s = room ? calloc(1, sizeof(*s)) : NULL;
	unsigned int dl = 0;
	time_t when;
	if (!s || !(s->der = malloc(siglen)) || !X509_digest(signer, trust->sha256, s->signer_sha, &dl) || dl != 32 ||
	    !X509_up_ref(signer)) {
		shape_free(s);
		ERR_clear_error();
		return;
	}
	s->signer = signer;
	for (int k = 0; k < 32; k++)
		snprintf(s->signer_fp + 2 * k, 3, "%02x", s->signer_sha[k]);
	memcpy(s->der, sig, siglen);
	s->len = siglen;
	/* It must check its own signature: then its holes are where CMS_verify
	 * read the time and digest, and the signed attributes as carried are
	 * what CMS_verify hashed. */
	if (shape_parse(s, s->der, s->len) < 0 || shape_verify(trust, s, data, len, sig, siglen, &when) < 0) {
		shape_free(s);
		return;
	}
	pthread_mutex_lock(&trust->lock);
	for (size_t i = 0; s && i < trust->nshapes; i++) {
		const unsigned char *info, *value;
		size_t vlen;
		if (shape_match(trust->shapes[i], sig, siglen, &info, &value, &vlen)) {
			shape_free(s); /* another thread learnt it meanwhile */
			s = NULL;
		}
	}
	if (s && trust->nshapes < SHAPES_MAX) {
		trust->shapes[trust->nshapes++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&trust->lock);
	shape_free(s);
}

size_t trust_shape_hits(smsaudit_trust *trust)
{
	pthread_mutex_lock(&trust->lock);
	size_t n = trust->shape_hits;
	pthread_mutex_unlock(&trust->lock);
	return n;
}

static int verify_detached_bio(smsaudit_cert **signer, time_t *signed_at, BIO *db, const void *data, size_t len,
                               const void *sig, size_t siglen, smsaudit_trust *trust);

int smsaudit_verify_detached(smsaudit_cert **signer, time_t *signed_at, const void *data,
                             size_t len, const void *sig, size_t siglen, smsaudit_trust *trust)
{
	if (signer)
		*signer = NULL;
	X509 *known = NULL;
	time_t known_when = 0;
	char known_fp[65];
	if (shapes_verify(trust, data, len, sig, siglen, &known, known_fp, &known_when) == 0) {
		if (signer && !(X509_up_ref(known) && (*signer = wrap_cert(known)) != NULL))
			return SMSAUDIT_ENOMEM;
		if (signer)   /* the replay asks for it next, for every record */
			memcpy((*signer)->fingerprint, known_fp, sizeof(known_fp));
		if (signed_at)
			*signed_at = known_when;
		return 0;
	}
	if (len > INT_MAX)
		return error_set(SMSAUDIT_EINVALID, "signed content too large to hold in memory; verify it from its file");
	/* The content behind a pass-through filter: given a memory BIO itself,
	 * CMS_verify (OpenSSL 3.0) copies it into a new one that it leaks when
	 * the signature names a digest it cannot set up. */
	BIO *mem = BIO_new_mem_buf(data, (int)len), *filter = mem ? BIO_new(BIO_f_null()) : NULL;
	BIO *db = filter ? BIO_push(filter, mem) : NULL;
	if (!db) {
		BIO_free(filter);
		BIO_free(mem);
		return error_oom();
	}
	int rc = verify_detached_bio(signer, signed_at, db, data, len, sig, siglen, trust);
	BIO_free_all(db);
	return rc;
}

int smsaudit_verify_detached_fd(smsaudit_cert **signer, time_t *signed_at, unsigned char sha256[32], int fd,
                                const void *sig, size_t siglen, smsaudit_trust *trust)
{
	if (signer)
		*signer = NULL;
	/* The content is read once, by CMS_verify, through a SHA-256 filter: the
	 * digest of exactly the bytes the signature was checked against. */
	BIO *file = BIO_new_fd(fd, BIO_NOCLOSE);
	BIO *md = BIO_new(BIO_f_md());
	if (!file || !md || BIO_set_md(md, EVP_sha256()) != 1) {
		BIO_free(file);
		BIO_free(md);
		return error_oom();
	}
	BIO_push(md, file);
	int rc = verify_detached_bio(signer, signed_at, md, NULL, 0, sig, siglen, trust);
	if (rc == 0 && BIO_gets(md, (char *)sha256, 32) != 32)
		rc = error_set(SMSAUDIT_ERROR, "SHA-256 failed: %s", ossl_reason());
	if (rc == 0 && BIO_eof(file) != 1)
		rc = error_set(SMSAUDIT_EIO, "the signed file could not be read to its end");
	if (rc < 0 && signer && *signer) {
		smsaudit_cert_free(*signer);
		*signer = NULL;
	}
	BIO_free_all(md);
	return rc;
}

/* The full check, CMS_verify, of the content in `db`; when the content is
 * also in memory (`data`), a signature that passes teaches its shape. The
 * caller frees db. */
static int verify_detached_bio(smsaudit_cert **signer, time_t *signed_at, BIO *db, const void *data, size_t len,
                               const void *sig, size_t siglen, smsaudit_trust *trust)
{
	if (signer)
		*signer = NULL;
	int rc = 0;
	STACK_OF(X509) *certs = NULL;
	CMS_ContentInfo *cms = decode_signature(trust, sig, siglen, &certs);
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	if (!cms || !sis || sk_CMS_SignerInfo_num(sis) != 1) {
		ERR_clear_error();
		rc = error_set(SMSAUDIT_EINVALID, "not a CMS signature with exactly one signer");
		goto done;
	}
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *attr = idx >= 0 ? CMS_signed_get_attr(si, idx) : NULL;
	ASN1_TYPE *at = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	time_t when = 0;
	if (at && (at->type == V_ASN1_UTCTIME || at->type == V_ASN1_GENERALIZEDTIME))
		when = asn1_to_time((const ASN1_TIME *)at->value.asn1_string);
	if (!when) {
		rc = error_set(SMSAUDIT_EINVALID, "signature carries no signing time");
		goto done;
	}
	/* The signature itself, against the certificate it carries ... */
	if (CMS_verify(cms, certs, trust->store, db, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		unsigned long e = ERR_peek_last_error();
		const char *why = ERR_reason_error_string(e);
		int lib = ERR_GET_LIB(e);
		int reason = ERR_GET_REASON(e);
		ERR_clear_error();
		if (lib == ERR_LIB_CMS &&
		    (reason == CMS_R_VERIFICATION_FAILURE || reason == CMS_R_CONTENT_VERIFY_ERROR))
			why = "content does not match the signature";
		rc = error_set(SMSAUDIT_EINVALID, "signature does not verify: %s", why ? why : "unknown reason");
		goto done;
	}
	STACK_OF(X509) *signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		sk_X509_free(signers);
		rc = error_set(SMSAUDIT_EINVALID, "signature has no signer certificate");
		goto done;
	}
	X509 *sx = sk_X509_value(signers, 0);
	sk_X509_free(signers);
	/* ... then that certificate's chain to the anchor, judged at the signing
	 * time, so a signature made while the certificate was valid stays valid. */
	if (signer_chain_ok(trust, sx, when) < 0) {
		rc = error_set(SMSAUDIT_EINVALID, "signature does not verify: signer certificate does not chain to the "
		               "trust anchor or was not valid at signing time");
		goto done;
	}
	if (signer) {
		X509_up_ref(sx);
		*signer = wrap_cert(sx);
		if (!*signer)
			rc = SMSAUDIT_ENOMEM;
	}
	if (signed_at)
		*signed_at = when;
	if (data)
		shape_learn(trust, data, len, sig, siglen, sx);
done:
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

char *smsaudit_passphrase_read(const char *what)
{
	const char *env = getenv("SMSAUDIT_PASSPHRASE");
	if (env) {
		char *p = strdup(env);
		if (!p)
			error_oom();
		return p;
	}
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		error_set(SMSAUDIT_EINVALID, "%s needs a passphrase: set SMSAUDIT_PASSPHRASE or run on a terminal", what);
		return NULL;
	}
	struct termios old, quiet;
	int have_term = tcgetattr(fd, &old) == 0;
	if (have_term) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	char prompt[512];
	int pn = snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", what);
	if (write(fd, prompt, (size_t)pn) < 0) {
		/* no terminal to talk to: fall through to reading */
	}
	char buf[1024];
	size_t n = 0;
	while (n + 1 < sizeof(buf)) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	if (have_term)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* ignore */
	}
	close(fd);
	char *p = strdup(buf);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!p)
		error_oom();
	return p;
}

void smsaudit_passphrase_free(char *pass)
{
	if (!pass)
		return;
	OPENSSL_cleanse(pass, strlen(pass));
	free(pass);
}

/* ---- RFC 3161 time-stamps ---- */

/* A store holding only `ca`, verifying at `when` (0: now). */
static X509_STORE *tsa_store(const smsaudit_cert *ca, time_t when)
{
	X509_STORE *store = X509_STORE_new();
	if (!store || X509_STORE_add_cert(store, ca->x509) != 1) {
		X509_STORE_free(store);
		return NULL;
	}
	if (when)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), when);
	return store;
}

/* Seconds to wait for a TSA: SMSAUDIT_TSA_TIMEOUT (1 to 300), else 10.
 * OpenSSL keeps retrying a refused connection until then. */
static int tsa_timeout(void)
{
	const char *v = getenv("SMSAUDIT_TSA_TIMEOUT");
	char *end = NULL;
	long t = v ? strtol(v, &end, 10) : 0;
	return v && *v && !*end && t >= 1 && t <= 300 ? (int)t : 10;
}

/* Granted (0) or granted with modifications (1). */
static int tsa_granted(TS_RESP *resp)
{
	const ASN1_INTEGER *status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp));
	long v = status ? ASN1_INTEGER_get(status) : -1;
	return v == 0 || v == 1;
}

static TS_REQ *tsa_request(const unsigned char md[32])
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char rnd[8];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *nonce = NULL;
	int ok = req && mi && alg && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
	         TS_MSG_IMPRINT_set_algo(mi, alg) == 1 && TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)md, 32) == 1 &&
	         TS_REQ_set_msg_imprint(req, mi) == 1 && TS_REQ_set_version(req, 1) == 1 &&
	         RAND_bytes(rnd, sizeof(rnd)) == 1 && (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) != NULL &&
	         (nonce = BN_to_ASN1_INTEGER(bn, NULL)) != NULL && TS_REQ_set_nonce(req, nonce) == 1 &&
	         TS_REQ_set_cert_req(req, 1) == 1;
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

int smsaudit_tsa_stamp(smsaudit_buf *out, const char *url, const smsaudit_cert *ca, const void *data, size_t len,
                       int timeout)
{
	unsigned char md[32];
	if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		return error_set(SMSAUDIT_ERROR, "SHA-256 failed: %s", ossl_reason());
	return smsaudit_tsa_stamp_digest(out, url, ca, md, timeout);
}

int smsaudit_tsa_stamp_digest(smsaudit_buf *out, const char *url, const smsaudit_cert *ca, const unsigned char md[32],
                              int timeout)
{
	out->size = 0;
	char *host = NULL, *port = NULL, *path = NULL;
	int ssl = 0, rc = 0;
	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) != 1)
		rc = error_set(SMSAUDIT_EINVALID, "'%s' is not an http:// URL", url);
	else if (ssl)
		rc = error_set(SMSAUDIT_EINVALID, "%s: https is not supported for time-stamping; use http:// (the token is "
		               "signed, so plain HTTP gives away nothing but privacy)", url);
	TS_REQ *req = rc == 0 ? tsa_request(md) : NULL;
	if (rc == 0 && !req)
		rc = error_set(SMSAUDIT_ERROR, "cannot build a time-stamp request: %s", ossl_reason());
	BIO *body = rc == 0 ? BIO_new(BIO_s_mem()) : NULL;
	if (rc == 0 && (!body || i2d_TS_REQ_bio(body, req) != 1))
		rc = error_set(SMSAUDIT_ERROR, "cannot encode a time-stamp request: %s", ossl_reason());
	BIO *answer = NULL;
	if (rc == 0) {
		answer = OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
		                            "application/timestamp-query", body, "application/timestamp-reply", 1,
		                            (size_t)1 << 20, timeout > 0 ? timeout : tsa_timeout(), 0);
		if (!answer)
			rc = error_set(SMSAUDIT_EIO, "cannot reach the time-stamping authority at %s: %s", url, ossl_reason());
	}
	TS_RESP *resp = rc == 0 ? d2i_TS_RESP_bio(answer, NULL) : NULL;
	if (rc == 0 && !resp)
		rc = error_set(SMSAUDIT_EIO, "%s answered with no time-stamp response", url);
	if (rc == 0 && !tsa_granted(resp))
		rc = error_set(SMSAUDIT_EIO, "%s refused to time-stamp", url);
	if (rc == 0) {
		/* The answer must be to this request (imprint, nonce) and signed under `ca`. */
		TS_VERIFY_CTX *vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
		X509_STORE *store = vctx ? tsa_store(ca, 0) : NULL;
		if (!vctx || !store) {
			X509_STORE_free(store);
			rc = error_set(SMSAUDIT_ERROR, "cannot check a time-stamp: %s", ossl_reason());
		} else {
			TS_VERIFY_CTX_add_flags(vctx, TS_VFY_SIGNATURE);
			TS_VERIFY_CTX_set_store(vctx, store); /* the context owns it now */
			if (TS_RESP_verify_response(vctx, resp) != 1)
				rc = error_set(SMSAUDIT_EINVALID, "the time-stamp from %s does not verify: %s", url, ossl_reason());
		}
		TS_VERIFY_CTX_free(vctx);
	}
	unsigned char *der = NULL;
	int dlen = rc == 0 ? i2d_TS_RESP(resp, &der) : 0;
	if (rc == 0 && dlen <= 0)
		rc = error_set(SMSAUDIT_ERROR, "cannot encode a time-stamp: %s", ossl_reason());
	if (rc == 0)
		rc = buf_put(out, (const char *)der, (size_t)dlen);
	OPENSSL_free(der);
	TS_RESP_free(resp);
	BIO_free_all(answer);
	BIO_free(body);
	TS_REQ_free(req);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	ERR_clear_error();
	return rc;
}

static int tsa_check(time_t *stamped_at, const void *response, size_t rlen, const void *data, size_t len,
                     const unsigned char *md, const smsaudit_cert *ca);

int smsaudit_tsa_check(time_t *stamped_at, const void *response, size_t rlen, const void *data, size_t len,
                       const smsaudit_cert *ca)
{
	return tsa_check(stamped_at, response, rlen, data, len, NULL, ca);
}

int smsaudit_tsa_check_digest(time_t *stamped_at, const void *response, size_t rlen, const unsigned char md[32],
                              const smsaudit_cert *ca)
{
	return tsa_check(stamped_at, response, rlen, NULL, 0, md, ca);
}

/* Against the data (hashed by OpenSSL) or, when `md` is given, against its SHA-256. */
static int tsa_check(time_t *stamped_at, const void *response, size_t rlen, const void *data, size_t len,
                     const unsigned char *md, const smsaudit_cert *ca)
{
	*stamped_at = 0;
	const unsigned char *p = response;
	TS_RESP *resp = rlen <= LONG_MAX ? d2i_TS_RESP(NULL, &p, (long)rlen) : NULL;
	int rc = 0;
	if (!resp || p != (const unsigned char *)response + rlen)
		rc = error_set(SMSAUDIT_EINVALID, "not a time-stamp response");
	else if (!tsa_granted(resp))
		rc = error_set(SMSAUDIT_EINVALID, "the time-stamp response is not a granted token");
	TS_TST_INFO *tst = rc == 0 ? TS_RESP_get_tst_info(resp) : NULL;
	const ASN1_GENERALIZEDTIME *gt = tst ? TS_TST_INFO_get_time(tst) : NULL;
	struct tm tm;
	if (rc == 0 && (!gt || ASN1_TIME_to_tm(gt, &tm) != 1))
		rc = error_set(SMSAUDIT_EINVALID, "the time-stamp token has no time");
	const X509_ALGOR *alg = NULL;
	if (rc == 0) {
		alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
		const ASN1_OBJECT *obj = NULL;
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if (!obj || OBJ_obj2nid(obj) != NID_sha256)
			rc = error_set(SMSAUDIT_EINVALID, "the time-stamp token is not over a SHA-256 digest");
	}
	if (rc == 0) {
		*stamped_at = smsaudit_utc_mktime(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		TS_VERIFY_CTX *vctx = TS_VERIFY_CTX_new();
		X509_STORE *store = vctx ? tsa_store(ca, *stamped_at) : NULL;
		BIO *b = store && !md ? BIO_new_mem_buf(data, (int)len) : NULL;
		unsigned char *imprint = store && md ? OPENSSL_memdup(md, 32) : NULL;
		if (!vctx || !store || (md ? !imprint : !b || len > INT_MAX)) {
			X509_STORE_free(store);
			BIO_free(b);
			OPENSSL_free(imprint);
			rc = error_set(SMSAUDIT_ERROR, "cannot check a time-stamp: %s", ossl_reason());
		} else if (md) {
			/* The token's algorithm was checked to be SHA-256 above. */
			TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
			TS_VERIFY_CTX_set_store(vctx, store); /* the context owns both now */
			TS_VERIFY_CTX_set_imprint(vctx, imprint, 32);
			if (TS_RESP_verify_response(vctx, resp) != 1)
				rc = error_set(SMSAUDIT_EINVALID, "%s", ossl_reason());
		} else {
			TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
			TS_VERIFY_CTX_set_store(vctx, store); /* the context owns both now */
			TS_VERIFY_CTX_set_data(vctx, b);
			if (TS_RESP_verify_response(vctx, resp) != 1)
				rc = error_set(SMSAUDIT_EINVALID, "%s", ossl_reason());
		}
		TS_VERIFY_CTX_free(vctx);
	}
	TS_RESP_free(resp);
	ERR_clear_error();
	if (rc < 0)
		*stamped_at = 0;
	return rc;
}
