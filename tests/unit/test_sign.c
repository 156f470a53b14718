/* Unit tests for keys, certificates, CMS signatures and UTC time handling. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "internal.h"
#include "testutil.h"
#include "internal.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/smsaudit-sign-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static const time_t T0 = 1767225600; /* 2026-01-01T00:00:00Z */

static void key_save_load(void **state)
{
	(void)state;
	smsaudit_key *k = NULL, *k2 = NULL;
	assert_int_equal(smsaudit_key_generate(&k), 0);
	assert_int_equal(smsaudit_key_save(k, path_in("a.key"), NULL), 0);
	struct stat st;
	assert_int_equal(stat(path_in("a.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(smsaudit_key_save(k, path_in("a.key"), NULL), SMSAUDIT_EEXISTS);
	assert_int_equal(smsaudit_key_load(&k2, path_in("a.key"), NULL), 0);
	smsaudit_cert *ca = NULL;
	assert_int_equal(smsaudit_cert_new_ca(&ca, k, "Test CA", T0, 365), 0);
	assert_true(smsaudit_cert_matches_key(ca, k2));
	smsaudit_cert_free(ca);
	smsaudit_key_free(k);
	smsaudit_key_free(k2);
}

static void key_passphrase(void **state)
{
	(void)state;
	smsaudit_key *k = NULL, *k2 = NULL;
	assert_int_equal(smsaudit_key_generate(&k), 0);
	assert_int_equal(smsaudit_key_save(k, path_in("p.key"), "correct horse"), 0);
	assert_int_equal(smsaudit_key_load(&k2, path_in("p.key"), "wrong"), SMSAUDIT_EINVALID);
	assert_error_contains("wrong passphrase");
	assert_null(k2);
	assert_int_equal(smsaudit_key_load(&k2, path_in("p.key"), NULL), SMSAUDIT_EINVALID);
	assert_error_contains("passphrase");
	assert_int_equal(smsaudit_key_load(&k2, path_in("p.key"), "correct horse"), 0);
	smsaudit_key_free(k);
	smsaudit_key_free(k2);
}

static void key_loose_permissions_and_links(void **state)
{
	(void)state;
	smsaudit_key *k = NULL, *k2 = NULL;
	assert_int_equal(smsaudit_key_generate(&k), 0);
	assert_int_equal(smsaudit_key_save(k, path_in("l.key"), NULL), 0);
	assert_int_equal(chmod(path_in("l.key"), 0644), 0);
	assert_int_equal(smsaudit_key_load(&k2, path_in("l.key"), NULL), SMSAUDIT_EIO);
	assert_error_contains("accessible by others (mode 0644)");
	assert_error_contains("chmod 600");
	assert_int_equal(chmod(path_in("l.key"), 0640), 0);
	assert_int_equal(smsaudit_key_load(&k2, path_in("l.key"), NULL), SMSAUDIT_EIO);
	assert_int_equal(chmod(path_in("l.key"), 0600), 0);
	char target[256];
	snprintf(target, sizeof(target), "%s", path_in("l.key"));
	assert_int_equal(symlink(target, path_in("link.key")), 0);
	assert_int_equal(smsaudit_key_load(&k2, path_in("link.key"), NULL), SMSAUDIT_EIO);
	assert_error_contains("symbolic link");
	assert_int_equal(smsaudit_key_load(&k2, path_in("missing.key"), NULL), SMSAUDIT_EIO);
	FILE *f = fopen(path_in("junk.key"), "w");
	fputs("not a key\n", f);
	fclose(f);
	chmod(path_in("junk.key"), 0600);
	assert_int_equal(smsaudit_key_load(&k2, path_in("junk.key"), NULL), SMSAUDIT_EINVALID);
	smsaudit_key_free(k);
}

typedef struct {
	smsaudit_key *ca_key, *key;
	smsaudit_cert *ca, *cert;
	smsaudit_trust *trust;
} pki;

static void pki_make(pki *p, int days)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(smsaudit_key_generate(&p->ca_key), 0);
	assert_int_equal(smsaudit_key_generate(&p->key), 0);
	assert_int_equal(smsaudit_cert_new_ca(&p->ca, p->ca_key, "Example Org Evidence CA", T0, 3650), 0);
	assert_int_equal(smsaudit_cert_issue(&p->cert, p->ca, p->ca_key, p->key, "Jürgen Çelik",
	                                     "jurgen@example.org", T0, days), 0);
	assert_int_equal(smsaudit_trust_new(&p->trust), 0);
	assert_int_equal(smsaudit_trust_add(p->trust, p->ca), 0);
}

static void pki_free(pki *p)
{
	smsaudit_key_free(p->ca_key);
	smsaudit_key_free(p->key);
	smsaudit_cert_free(p->ca);
	smsaudit_cert_free(p->cert);
	smsaudit_trust_free(p->trust);
}

static void certificates(void **state)
{
	(void)state;
	pki p;
	pki_make(&p, 365);
	assert_true(smsaudit_cert_is_ca(p.ca));
	assert_false(smsaudit_cert_is_ca(p.cert));
	char email[128], subj[256], fp[65];
	smsaudit_cert_email(email, sizeof(email), p.cert);
	assert_string_equal(email, "jurgen@example.org");
	smsaudit_cert_subject(subj, sizeof(subj), p.cert);
	assert_non_null(strstr(subj, "Jürgen Çelik"));
	assert_int_equal(smsaudit_cert_fingerprint(fp, p.cert), 0);
	assert_int_equal(strlen(fp), 64);
	time_t a, b;
	smsaudit_cert_validity(p.cert, &a, &b);
	assert_int_equal(a, T0);
	assert_int_equal(b, T0 + 365 * 86400);
	/* PEM round trip keeps the fingerprint. */
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_cert_to_pem(&pem, p.cert), 0);
	smsaudit_cert *back = NULL;
	assert_int_equal(smsaudit_cert_from_pem(&back, pem.ptr, pem.size, "pem"), 0);
	char fp2[65];
	assert_int_equal(smsaudit_cert_fingerprint(fp2, back), 0);
	assert_string_equal(fp, fp2);
	smsaudit_cert_free(back);
	assert_int_equal(smsaudit_cert_from_pem(&back, "junk", 4, "junk.pem"), SMSAUDIT_EINVALID);
	assert_null(back);
	assert_error_contains("junk.pem");
	/* Issuing with a key that is not the CA's is refused. */
	smsaudit_cert *bad = NULL;
	assert_int_equal(smsaudit_cert_issue(&bad, p.ca, p.key, p.key, "X", "x@example.org", T0, 10),
	                 SMSAUDIT_EINVALID);
	/* A personal certificate cannot be a trust anchor. */
	assert_int_equal(smsaudit_trust_add(p.trust, p.cert), SMSAUDIT_EINVALID);
	smsaudit_buf_dispose(&pem);
	smsaudit_cert_free(back);
	pki_free(&p);
}

static void sign_and_verify(void **state)
{
	(void)state;
	pki p;
	pki_make(&p, 365);
	const char *msg = "<record>evidence</record>\n";
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	time_t when = T0 + 86400 * 10;
	assert_int_equal(smsaudit_sign_detached(&sig, msg, strlen(msg), p.cert, p.key, when), 0);
	smsaudit_cert *signer = NULL;
	time_t at = 0;
	assert_int_equal(smsaudit_verify_detached(&signer, &at, msg, strlen(msg), sig.ptr, sig.size, p.trust), 0);
	assert_int_equal(at, when);
	char e1[128];
	smsaudit_cert_email(e1, sizeof(e1), signer);
	assert_string_equal(e1, "jurgen@example.org");
	smsaudit_cert_free(signer);

	/* One changed byte. */
	const char *tampered = "<record>evidencE</record>\n";
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, tampered, strlen(tampered), sig.ptr, sig.size,
	                                          p.trust), SMSAUDIT_EINVALID);
	assert_error_contains("does not match");
	/* Garbage signature. */
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, msg, strlen(msg), "xx", 2, p.trust), SMSAUDIT_EINVALID);
	assert_error_contains("not a CMS signature");
	/* A trust store with another CA. */
	pki other;
	pki_make(&other, 365);
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, msg, strlen(msg), sig.ptr, sig.size, other.trust),
	                 SMSAUDIT_EINVALID);
	assert_error_contains("chain");
	pki_free(&other);
	smsaudit_buf_dispose(&sig);
	pki_free(&p);
}

/* Content too large to hold is signed by the digest taken while it was
 * written and verified from its file: the same signatures as over the bytes. */
static void sign_digest_and_verify_file(void **state)
{
	(void)state;
	pki p;
	pki_make(&p, 365);
	const char *msg = "<manifest>every file</manifest>\n";
	unsigned char d[32];
	char hex[65];
	assert_int_equal(sha256_hex(hex, msg, strlen(msg)), 0);
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		d[i] = (unsigned char)v;
	}
	smsaudit_buf sig = SMSAUDIT_BUF_INIT;
	time_t when = T0 + 86400 * 3;
	assert_int_equal(smsaudit_sign_detached_digest(&sig, d, p.cert, p.key, when), 0);
	/* A signature over the digest verifies over the bytes, as any other. */
	time_t at = 0;
	assert_int_equal(smsaudit_verify_detached(NULL, &at, msg, strlen(msg), sig.ptr, sig.size, p.trust), 0);
	assert_int_equal(at, when);
	const char *other = "<manifest>every file</manifest>\n\n";
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, other, strlen(other), sig.ptr, sig.size, p.trust),
	                 SMSAUDIT_EINVALID);

	/* From a file: the digest returned is that of the bytes checked, read
	 * from the file's start to its end. */
	const char *path = path_in("manifest.xml");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(msg, f);
	fclose(f);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	smsaudit_cert *signer = NULL;
	unsigned char got[32];
	assert_int_equal(smsaudit_verify_detached_fd(&signer, &at, got, fd, sig.ptr, sig.size, p.trust), 0);
	assert_memory_equal(got, d, 32);
	assert_non_null(signer);
	smsaudit_cert_free(signer);
	close(fd);
	/* One byte more at the end, and the file fails; no signer is returned. */
	f = fopen(path, "ab");
	fputs("x", f);
	fclose(f);
	fd = open(path, O_RDONLY);
	signer = NULL;
	assert_int_equal(smsaudit_verify_detached_fd(&signer, NULL, got, fd, sig.ptr, sig.size, p.trust),
	                 SMSAUDIT_EINVALID);
	assert_null(signer);
	close(fd);
	smsaudit_buf_dispose(&sig);
	pki_free(&p);
}

static void validity_judged_at_signing_time(void **state)
{
	(void)state;
	pki p;
	pki_make(&p, 30);
	const char *msg = "data";
	smsaudit_buf inside = SMSAUDIT_BUF_INIT, after = SMSAUDIT_BUF_INIT, before = SMSAUDIT_BUF_INIT;
	/* Signed while valid: verifies, whatever today's date is. */
	assert_int_equal(smsaudit_sign_detached(&inside, msg, 4, p.cert, p.key, T0 + 86400), 0);
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, msg, 4, inside.ptr, inside.size, p.trust), 0);
	/* Signed after expiry, or before the certificate existed: refused. */
	assert_int_equal(smsaudit_sign_detached(&after, msg, 4, p.cert, p.key, T0 + 40 * 86400), 0);
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, msg, 4, after.ptr, after.size, p.trust),
	                 SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_sign_detached(&before, msg, 4, p.cert, p.key, T0 - 86400), 0);
	assert_int_equal(smsaudit_verify_detached(NULL, NULL, msg, 4, before.ptr, before.size, p.trust),
	                 SMSAUDIT_EINVALID);
	smsaudit_buf_dispose(&inside);
	smsaudit_buf_dispose(&after);
	smsaudit_buf_dispose(&before);
	pki_free(&p);
}

/* ---- signatures of a learnt shape (sign.c) ----
 *
 * A signature the full path accepted teaches its shape; later ones of that
 * shape are checked without CMS_verify. That is a shortcut only: whatever a
 * signature is, it must get the verdict, signer, time and message that a
 * trust set which never learnt a shape gives (CMS_verify every time). */

typedef struct {
	int rc;
	char message[512];
	char signer_fp[65];
	time_t at;
} verdict;

static verdict verdict_of(smsaudit_trust *trust, const void *data, size_t len, const void *sig, size_t siglen)
{
	verdict v;
	memset(&v, 0, sizeof(v));
	smsaudit_cert *signer = NULL;
	smsaudit_error_clear();
	v.rc = smsaudit_verify_detached(&signer, &v.at, data, len, sig, siglen, trust);
	if (v.rc < 0)
		snprintf(v.message, sizeof(v.message), "%s", smsaudit_error_last()->message);
	else
		assert_int_equal(smsaudit_cert_fingerprint(v.signer_fp, signer), 0);
	smsaudit_cert_free(signer);
	return v;
}

/* A trust set for p's CA that has learnt no shape: one that accepted a
 * signature may have, and is made again. */
static smsaudit_trust *never_learnt;

/* Verify with p's trust set (which may have learnt shapes) and with one
 * that has not; both must say the same. Returns the verdict. */
static verdict same_as_full_path(const pki *p, const void *data, size_t len, const void *sig, size_t siglen)
{
	if (!never_learnt) {
		assert_int_equal(smsaudit_trust_new(&never_learnt), 0);
		assert_int_equal(smsaudit_trust_add(never_learnt, p->ca), 0);
	}
	verdict full = verdict_of(never_learnt, data, len, sig, siglen);
	assert_int_equal(trust_shape_hits(never_learnt), 0);
	if (full.rc == 0) {
		smsaudit_trust_free(never_learnt);
		never_learnt = NULL;
	}
	verdict learnt = verdict_of(p->trust, data, len, sig, siglen);
	assert_int_equal(learnt.rc, full.rc);
	assert_string_equal(learnt.message, full.message);
	assert_string_equal(learnt.signer_fp, full.signer_fp);
	assert_int_equal(learnt.at, full.at);
	return full;
}

static EVP_PKEY *key_of(const smsaudit_key *key, const char *name)
{
	assert_int_equal(smsaudit_key_save(key, path_in(name), NULL), 0);
	FILE *f = fopen(path_in(name), "r");
	assert_non_null(f);
	EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(pk);
	return pk;
}

static X509 *x509_of(const smsaudit_cert *cert)
{
	smsaudit_buf pem = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_cert_to_pem(&pem, cert), 0);
	BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.size);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	smsaudit_buf_dispose(&pem);
	assert_non_null(x);
	return x;
}

/* A detached signature made with OpenSSL's CMS API by `cert` with `key` and,
 * when `cert2` is not NULL, a second signer; each with signingTime `when`
 * and, when `extra_attr`, one more signed attribute. */
static void cms_sign_with(smsaudit_buf *out, const char *data, X509 *cert, EVP_PKEY *key, X509 *cert2, EVP_PKEY *key2,
                          time_t when, int extra_attr)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	BIO *in = BIO_new_mem_buf(data, (int)strlen(data));
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	ASN1_TIME *t = ASN1_TIME_set(NULL, when);
	assert_non_null(cms);
	for (int i = 0; i < (cert2 ? 2 : 1); i++) {
		CMS_SignerInfo *si = CMS_add1_signer(cms, i ? cert2 : cert, i ? key2 : key, EVP_sha256(), flags);
		assert_non_null(si);
		assert_true(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1));
		if (extra_attr)
			assert_true(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_unstructuredName, V_ASN1_UTF8STRING,
			                                        "extra", 5));
	}
	assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	out->size = 0;
	assert_int_equal(buf_put(out, (const char *)der, (size_t)n), 0);
	OPENSSL_free(der);
	ASN1_TIME_free(t);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

static unsigned char *find_bytes(const smsaudit_buf *b, const void *what, size_t n)
{
	for (size_t i = 0; i + n <= b->size; i++)
		if (memcmp(b->ptr + i, what, n) == 0)
			return (unsigned char *)b->ptr + i;
	fail_msg("bytes not found in the signature");
	return NULL;
}

static void sha256_of(unsigned char out[32], const void *data, size_t len)
{
	unsigned int n = 0;
	assert_true(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) && n == 32);
}

/* Where the signature value (the last TLV: no unsigned attributes), an
 * ECDSA-Sig-Value of `vlen` bytes, starts; 0 when it is another length. */
static size_t value_at(const smsaudit_buf *sig, size_t vlen)
{
	const unsigned char *s = (const unsigned char *)sig->ptr + sig->size - vlen;
	return s[-2] == 0x04 && s[-1] == vlen && s[0] == 0x30 && s[1] == vlen - 2 ? sig->size - vlen : 0;
}

static void learnt_shape_is_only_a_shortcut(void **state)
{
	(void)state;
	pki p;
	pki_make(&p, 365);
	const char *d1 = "<record>one</record>\n", *d2 = "<record>two</record>\n";
	smsaudit_buf s1 = SMSAUDIT_BUF_INIT, s2 = SMSAUDIT_BUF_INIT, m = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_sign_detached(&s1, d1, strlen(d1), p.cert, p.key, T0 + 100), 0);
	/* ECDSA signatures vary in length: one of 71 bytes, the most common. */
	for (int tries = 0; tries < 64 && (s2.size == 0 || !value_at(&s2, 71)); tries++) {
		s2.size = 0;
		assert_int_equal(smsaudit_sign_detached(&s2, d2, strlen(d2), p.cert, p.key, T0 + 200), 0);
	}
	assert_true(value_at(&s2, 71) > 0);

	/* The first teaches the shape; the second is verified by it. */
	assert_int_equal(same_as_full_path(&p, d1, strlen(d1), s1.ptr, s1.size).rc, 0);
	size_t hits = trust_shape_hits(p.trust);
	verdict v = same_as_full_path(&p, d2, strlen(d2), s2.ptr, s2.size);
	assert_int_equal(v.rc, 0);
	assert_int_equal(v.at, T0 + 200);
	assert_int_equal(trust_shape_hits(p.trust), hits + 1);

	smsaudit_key *k2 = NULL;
	assert_int_equal(smsaudit_key_generate(&k2), 0);
	EVP_PKEY *pk2 = key_of(k2, "k2.key");

	/* Two signers; one with an extra signed attribute (valid: a shape of
	 * its own, learnt and then used). Before the changed bytes below, some
	 * of which OpenSSL accepts and whose shapes fill the table. */
	X509 *x = x509_of(p.cert);
	EVP_PKEY *pk = key_of(p.key, "k1.key");
	smsaudit_cert *c2 = NULL;
	assert_int_equal(smsaudit_cert_issue(&c2, p.ca, p.ca_key, k2, "Other Person", "other@example.org", T0, 365), 0);
	X509 *x2 = x509_of(c2);
	cms_sign_with(&m, d2, x, pk, x2, pk2, T0 + 300, 0);
	v = same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "exactly one signer"));
	cms_sign_with(&m, d2, x, pk, NULL, NULL, T0 + 300, 1);
	assert_int_equal(same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size).rc, 0);
	hits = trust_shape_hits(p.trust);
	cms_sign_with(&m, d1, x, pk, NULL, NULL, T0 + 400, 1);
	assert_int_equal(same_as_full_path(&p, d1, strlen(d1), m.ptr, m.size).rc, 0);
	assert_int_equal(trust_shape_hits(p.trust), hits + 1);

	/* Every byte changed, one at a time, two ways. */
	for (size_t i = 0; i < s2.size; i++)
		for (int k = 0; k < 2; k++) {
			m.size = 0;
			assert_int_equal(buf_put(&m, s2.ptr, s2.size), 0);
			m.ptr[i] ^= (char)(k ? 0x80 : 0x01);
			same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
		}
	/* Cut short, or with bytes after the DER. */
	for (size_t cut = 1; cut < s2.size; cut += 97)
		same_as_full_path(&p, d2, strlen(d2), s2.ptr, s2.size - cut);
	m.size = 0;
	assert_int_equal(buf_put(&m, s2.ptr, s2.size), 0);
	assert_int_equal(buf_put(&m, "\0junk", 5), 0);
	same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);

	/* Other content. */
	v = same_as_full_path(&p, d1, strlen(d1), s2.ptr, s2.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "content does not match the signature"));

	/* The digest attribute of other bytes (d1's) put in: matches d1, but the
	 * signed attributes are no longer what was signed. */
	unsigned char md1[32], md2[32];
	sha256_of(md1, d1, strlen(d1));
	sha256_of(md2, d2, strlen(d2));
	m.size = 0;
	assert_int_equal(buf_put(&m, s2.ptr, s2.size), 0);
	memcpy((char *)find_bytes(&m, md2, 32), md1, 32);
	v = same_as_full_path(&p, d1, strlen(d1), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "content does not match the signature"));

	/* The signing time changed in the signed attributes (a day later). */
	m.size = 0;
	assert_int_equal(buf_put(&m, s2.ptr, s2.size), 0);
	unsigned char *utc = (unsigned char *)find_bytes(&m, "260101000320Z", 13);
	utc[5] = '2';
	v = same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "content does not match the signature"));

	/* The right signed attributes, signed by another key (a replaced or
	 * revoked one) under the learnt certificate. */
	static const unsigned char content_type_attr[] = { 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
		                                           0x0d, 0x01, 0x09, 0x03 };
	const unsigned char *attrs = find_bytes(&s2, content_type_attr, sizeof(content_type_attr)) - 3;
	assert_true(attrs[0] == 0xa0 && attrs[1] == 0x81);
	size_t alen = 3 + attrs[2];
	unsigned char tbs[300], h[32], value[80];
	assert_true(alen <= sizeof(tbs));
	memcpy(tbs, attrs, alen);
	tbs[0] = 0x31;
	sha256_of(h, tbs, alen);
	size_t at = value_at(&s2, 71), want = 71, vlen = 0;
	for (int tries = 0; tries < 64 && vlen != want; tries++) {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk2, NULL);
		vlen = sizeof(value);
		assert_true(pc && EVP_PKEY_sign_init(pc) > 0 && EVP_PKEY_sign(pc, value, &vlen, h, 32) > 0);
		EVP_PKEY_CTX_free(pc);
	}
	assert_int_equal(vlen, want);
	m.size = 0;
	assert_int_equal(buf_put(&m, s2.ptr, s2.size), 0);
	memcpy(m.ptr + at, value, vlen);
	v = same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "content does not match the signature"));

	/* Signed by the learnt key and certificate, but after it expired. */
	m.size = 0;
	assert_int_equal(smsaudit_sign_detached(&m, d2, strlen(d2), p.cert, p.key, T0 + 400 * 86400), 0);
	v = same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "does not chain to the trust anchor"));

	/* A certificate with the same subject from another CA. */
	pki other;
	pki_make(&other, 365);
	m.size = 0;
	assert_int_equal(smsaudit_sign_detached(&m, d2, strlen(d2), other.cert, other.key, T0 + 300), 0);
	v = same_as_full_path(&p, d2, strlen(d2), m.ptr, m.size);
	assert_int_equal(v.rc, SMSAUDIT_EINVALID);
	assert_non_null(strstr(v.message, "does not chain to the trust anchor"));

	X509_free(x);
	X509_free(x2);
	smsaudit_cert_free(c2);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pk2);
	smsaudit_key_free(k2);
	pki_free(&other);
	smsaudit_buf_dispose(&s1);
	smsaudit_buf_dispose(&s2);
	smsaudit_buf_dispose(&m);
	smsaudit_trust_free(never_learnt);
	never_learnt = NULL;
	pki_free(&p);
}

static void time_parsing(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(smsaudit_date_parse(&t, "2026-01-01"), 0);
	assert_int_equal(t, T0);
	assert_int_equal(smsaudit_date_parse(&t, "2024-02-29"), 0);
	assert_int_equal(smsaudit_date_parse(&t, "2026-02-29"), SMSAUDIT_EINVALID);
	assert_error_contains("2026-02-29 is not a date: February 2026 has 28 days");
	assert_int_equal(smsaudit_date_parse(&t, "2100-02-29"), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_date_parse(&t, "2000-02-29"), 0);
	assert_int_equal(smsaudit_date_parse(&t, "2026-13-01"), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_date_parse(&t, "2026-1-01"), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_date_parse(&t, "2026-01-01x"), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_date_parse(&t, ""), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_time_parse(&t, "2026-01-01T12:30:05Z"), 0);
	assert_int_equal(t, T0 + 12 * 3600 + 30 * 60 + 5);
	assert_int_equal(smsaudit_time_parse(&t, "2026-01-01T24:00:00Z"), SMSAUDIT_EINVALID);
	assert_int_equal(smsaudit_time_parse(&t, "2026-01-01T12:30:05+01:00"), SMSAUDIT_EINVALID);
	char d[11], s[21];
	smsaudit_date_format(d, T0 + 59 * 86400);
	assert_string_equal(d, "2026-03-01");
	smsaudit_time_format(s, T0 + 12 * 3600 + 30 * 60 + 5);
	assert_string_equal(s, "2026-01-01T12:30:05Z");
	smsaudit_date_format(d, smsaudit_utc_mktime(2099, 12, 31, 23, 59, 59));
	assert_string_equal(d, "2099-12-31");
	setenv("SMSAUDIT_NOW", "2027-06-15T08:00:00Z", 1);
	smsaudit_time_format(s, smsaudit_now());
	assert_string_equal(s, "2027-06-15T08:00:00Z");
	unsetenv("SMSAUDIT_NOW");
	assert_true(smsaudit_now() > T0);
}

/* Characters (not bytes) in a UTF-8 string. */
static size_t chars_of(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void cert_name_fit(void **state)
{
	(void)state;
	char out[SMSAUDIT_CERT_NAME_MAX * 4 + 1], name[1024];
	/* Short names pass unchanged, with the suffix. */
	smsaudit_cert_name_fit(out, sizeof(out), "Example Ltd", " SMS Evidence CA");
	assert_string_equal(out, "Example Ltd SMS Evidence CA");
	/* Exactly 64 characters: unchanged; 65: 63 and an ellipsis. */
	memset(name, 'a', 64);
	name[64] = '\0';
	smsaudit_cert_name_fit(out, sizeof(out), name, NULL);
	assert_string_equal(out, name);
	name[64] = 'b';
	name[65] = '\0';
	smsaudit_cert_name_fit(out, sizeof(out), name, NULL);
	assert_int_equal(chars_of(out), 64);
	assert_memory_equal(out, name, 63);
	assert_string_equal(out + 63, "\xe2\x80\xa6");
	/* Multi-byte characters are never cut inside: 200 x U+00D1, 100 x U+20AC. */
	name[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(name, "\xc3\x91\xe2\x82\xac");
	smsaudit_cert_name_fit(out, sizeof(out), name, " SMS Evidence CA");
	assert_true(smsaudit_utf8_valid(out, strlen(out)));
	assert_int_equal(chars_of(out), 64);
	assert_non_null(strstr(out, "\xe2\x80\xa6 SMS Evidence CA"));
	/* The certificate takes the shortened name; the email is the identity. */
	smsaudit_key *ca_key = NULL, *key = NULL;
	smsaudit_cert *ca = NULL, *cert = NULL;
	assert_int_equal(smsaudit_key_generate(&ca_key), 0);
	assert_int_equal(smsaudit_key_generate(&key), 0);
	assert_int_equal(smsaudit_cert_new_ca(&ca, ca_key, name, time(NULL) - 60, 10), 0);
	assert_int_equal(smsaudit_cert_issue(&cert, ca, ca_key, key, name, "n@example.org", time(NULL) - 60, 10), 0);
	char email[256];
	smsaudit_cert_email(email, sizeof(email), cert);
	assert_string_equal(email, "n@example.org");
	smsaudit_cert_free(cert);
	smsaudit_cert_free(ca);
	smsaudit_key_free(key);
	smsaudit_key_free(ca_key);
}

/* sniff(text, len): smsaudit_secret_sniff over a file holding those bytes. */
static int sniff(const char *data, size_t len, char *what, size_t size)
{
	FILE *f = fopen(path_in("sniff"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	int fd = open(path_in("sniff"), O_RDONLY);
	assert_true(fd >= 0);
	int rc = smsaudit_secret_sniff(what, size, fd, "sniff");
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0); /* the storing pass starts at 0 */
	close(fd);
	return rc;
}

static void secrets_by_content(void **state)
{
	(void)state;
	char what[128];
	smsaudit_key *k = NULL;
	assert_int_equal(smsaudit_key_generate(&k), 0);
	assert_int_equal(smsaudit_key_save(k, path_in("s.key"), NULL), 0);
	assert_int_equal(smsaudit_key_save(k, path_in("e.key"), "pw"), 0);
	smsaudit_key_free(k);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_file_read(&b, path_in("s.key"), 1 << 20), 0);
	assert_int_equal(sniff(b.ptr, b.size, what, sizeof(what)), 1);
	assert_string_equal(what, "a PEM private key ('PRIVATE KEY')");
	/* Straddling every read boundary near 64 KiB: found wherever it falls. */
	for (size_t at = 65536 - 40; at <= 65536 + 4; at += 4) {
		char *big = malloc(at + b.size);
		memset(big, 'x', at);
		big[at - 1] = '\n';
		memcpy(big + at, b.ptr, b.size);
		assert_int_equal(sniff(big, at + b.size, what, sizeof(what)), 1);
		free(big);
	}
	smsaudit_buf_dispose(&b);
	assert_int_equal(smsaudit_file_read(&b, path_in("e.key"), 1 << 20), 0);
	assert_int_equal(sniff(b.ptr, b.size, what, sizeof(what)), 1);
	assert_string_equal(what, "a PEM private key ('ENCRYPTED PRIVATE KEY')");
	smsaudit_buf_dispose(&b);
	/* Words about keys are not keys; a label that is not one is not echoed. */
	const char *prose = "Our policy: a PRIVATE KEY never leaves the HSM. BEGIN audit.\n";
	assert_int_equal(sniff(prose, strlen(prose), what, sizeof(what)), 0);
	const char *odd = "-----BEGIN \033[2J PRIVATE KEY-----\n";
	assert_int_equal(sniff(odd, strlen(odd), what, sizeof(what)), 1);
	assert_string_equal(what, "an armoured private key");
	const char *ssh2 = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n";
	assert_int_equal(sniff(ssh2, strlen(ssh2), what, sizeof(what)), 1);
	const char *putty = "PuTTY-User-Key-File-3: ssh-ed25519\n";
	assert_int_equal(sniff(putty, strlen(putty), what, sizeof(what)), 1);
	/* DER that is not a key (a bare SEQUENCE), and an empty file. */
	const char der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	assert_int_equal(sniff(der, sizeof(der), what, sizeof(what)), 0);
	assert_int_equal(sniff("", 0, what, sizeof(what)), 0);
}

static void inputs_never_block(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(path_in("fifo"), 0600), 0);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	assert_int_equal(smsaudit_file_read(&b, path_in("fifo"), 1024), SMSAUDIT_EIO);
	assert_error_contains("fifo: a FIFO, not a regular file");
	assert_int_equal(smsaudit_file_read(&b, dir, 1024), SMSAUDIT_EIO);
	assert_error_contains(": a directory, not a regular file");
	assert_int_equal(smsaudit_file_read(&b, "/dev/null", 1024), SMSAUDIT_EIO);
	assert_error_contains("/dev/null: a character device, not a regular file");
	smsaudit_key *k = NULL;
	assert_int_equal(smsaudit_key_load(&k, path_in("fifo"), NULL), SMSAUDIT_EIO);
	assert_error_contains("a FIFO, not a regular file");
	smsaudit_buf_dispose(&b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_save_load),
		cmocka_unit_test(key_passphrase),
		cmocka_unit_test(key_loose_permissions_and_links),
		cmocka_unit_test(certificates),
		cmocka_unit_test(sign_and_verify),
		cmocka_unit_test(sign_digest_and_verify_file),
		cmocka_unit_test(validity_judged_at_signing_time),
		cmocka_unit_test(learnt_shape_is_only_a_shortcut),
		cmocka_unit_test(time_parsing),
		cmocka_unit_test(cert_name_fit),
		cmocka_unit_test(secrets_by_content),
		cmocka_unit_test(inputs_never_block),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
