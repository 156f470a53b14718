/*
 * Private key material recognised by content, whatever the file is called:
 * evidence goes into a repository that is shared with auditors, and a key
 * that lands there stays in its history for ever.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "internal.h"
#include "loose.h"
#include "smsaudit/sign.h"

/* Keys in binary form are small; larger files are only scanned for armour. */
#define DER_MAX (1024 * 1024)
#define CHUNK (64 * 1024)

/* "-----BEGIN <label>PRIVATE KEY" (PEM of any kind: PKCS#8, encrypted,
 * traditional RSA/EC/DSA, OpenSSH; "PGP PRIVATE KEY BLOCK") or
 * "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY", anywhere in a line: `hit` points
 * at "PRIVATE KEY" in buf. */
static int armoured(const char *buf, const char *hit, char *what, size_t size)
{
	const char *line = hit;
	while (line > buf && line[-1] != '\n' && hit - line < 64)
		line--;
	const char *begin = NULL;
	for (const char *p = line; p + 6 <= hit && !begin; p++)
		if (memcmp(p, "BEGIN ", 6) == 0)
			begin = p;
	if (!begin || begin - line < 4 || (memcmp(begin - 4, "--- ", 4) != 0 && memcmp(begin - 4, "----", 4) != 0))
		return 0;
	/* The label is named only when it looks like one: the file is not ours. */
	int plain = 1;
	for (const char *p = begin + 6; p < hit; p++)
		plain &= (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == ' ';
	if (plain)
		snprintf(what, size, "a PEM private key ('%.*sPRIVATE KEY')", (int)(hit - begin - 6), begin + 6);
	else
		snprintf(what, size, "an armoured private key");
	return 1;
}

/* memmem is not in POSIX. */
static const char *find(const char *p, const char *end, const char *s, size_t n)
{
	while ((size_t)(end - p) >= n && (p = memchr(p, s[0], (size_t)(end - p) - n + 1)) != NULL) {
		if (memcmp(p, s, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* A hit found in the fresh bytes themselves needs this much before it for
 * armoured()'s look back to the line start and "BEGIN" (at most 68 bytes);
 * hits nearer the start are found in the join of the previous tail and the
 * fresh bytes, which carries SECRET_CARRY bytes of that context. */
#define JOIN 96

void secret_scan_init(secret_scan *s)
{
	memset(s, 0, sizeof(*s));
}

static int scan_hits(const char *buf, const char *from, const char *end, char *what, size_t size)
{
	static const char needle[] = "PRIVATE KEY";
	const char *p = from;
	while ((p = find(p, end, needle, sizeof(needle) - 1)) != NULL) {
		if (armoured(buf, p, what, size))
			return 1;
		p++;
	}
	return 0;
}

int secret_scan_feed(secret_scan *s, const unsigned char *data, size_t n)
{
	const char *p = (const char *)data;
	if (s->head_len < sizeof(s->head)) {
		size_t take = n < sizeof(s->head) - s->head_len ? n : sizeof(s->head) - s->head_len;
		memcpy(s->head + s->head_len, p, take);
		s->head_len += take;
		if (s->head_len == sizeof(s->head) && memcmp(s->head, "PuTTY-User-Key-File-", 20) == 0) {
			snprintf(s->what, sizeof(s->what), "a PuTTY private key");
			return 1;
		}
	}
	/* Where the fresh bytes meet the previous ones. */
	char join[SECRET_CARRY + JOIN + 16];
	size_t lead = n < JOIN + 10 ? n : JOIN + 10;
	memcpy(join, s->tail, s->tail_len);
	memcpy(join + s->tail_len, p, lead);
	if (scan_hits(join, join, join + s->tail_len + lead, s->what, sizeof(s->what)))
		return 1;
	if (n > JOIN && scan_hits(p, p + JOIN, p + n, s->what, sizeof(s->what)))
		return 1;
	/* Keep the tail: a marker may straddle two pieces. */
	if (n >= SECRET_CARRY) {
		memcpy(s->tail, p + n - SECRET_CARRY, SECRET_CARRY);
		s->tail_len = SECRET_CARRY;
	} else {
		size_t keep = s->tail_len + n > SECRET_CARRY ? SECRET_CARRY - n : s->tail_len;
		memmove(s->tail, s->tail + s->tail_len - keep, keep);
		memcpy(s->tail + keep, p, n);
		s->tail_len = keep + n;
	}
	return 0;
}

static int scan_armour(int fd, const char *path, char *what, size_t size)
{
	secret_scan s;
	secret_scan_init(&s);
	char buf[CHUNK];
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
		if (n == 0)
			return 0;
		off += n;
		if (secret_scan_feed(&s, (const unsigned char *)buf, (size_t)n)) {
			snprintf(what, size, "%s", s.what);
			return 1;
		}
	}
}

/* Does all of p..p+len decode as a key in binary form? */
/* Whether the bytes can be one SEQUENCE, header and content, exactly: each
 * decoder below accepts only that, and asking them costs a millisecond (a
 * random file starts with 0x30 once in 256). An indefinite length (BER, as
 * some PKCS#12 writers use) is left to the decoders. */
static int der_spans(const unsigned char *p, size_t len)
{
	if (len < 2 || p[0] != 0x30)
		return 0;
	size_t n = p[1], h = 2;
	if (n == 0x80)
		return 1;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 4 || len < 2 + k)
			return 0;
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | p[2 + i];
		h += k;
	}
	return len - h == n;
}

static int binary_key(const unsigned char *p, size_t len, char *what, size_t size)
{
	const unsigned char *q = p;
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &q, (long)len);
	int hit = pk && q == p + len;
	EVP_PKEY_free(pk);
	if (hit) {
		snprintf(what, size, "a private key in DER form (PKCS#8 or traditional)");
		return 1;
	}
	q = p;
	X509_SIG *sig = d2i_X509_SIG(NULL, &q, (long)len);
	if (sig && q == p + len) {
		const X509_ALGOR *alg = NULL;
		X509_SIG_get0(sig, &alg, NULL);
		const ASN1_OBJECT *obj = NULL;
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		int nid = OBJ_obj2nid(obj);
		hit = nid == NID_pbes2 || EVP_PBE_find(EVP_PBE_TYPE_OUTER, nid, NULL, NULL, NULL);
	}
	X509_SIG_free(sig);
	if (hit) {
		snprintf(what, size, "an encrypted private key in DER form (PKCS#8)");
		return 1;
	}
	q = p;
	PKCS12 *p12 = d2i_PKCS12(NULL, &q, (long)len);
	hit = p12 && q == p + len;
	PKCS12_free(p12);
	if (hit) {
		snprintf(what, size, "a PKCS#12 key store");
		return 1;
	}
	return 0;
}

int smsaudit_secret_sniff(char *what, size_t size, int fd, const char *path)
{
	what[0] = '\0';
	int rc = scan_armour(fd, path, what, size);
	if (rc != 0)
		return rc < 0 ? rc : 1;
	return secret_sniff_binary(what, size, fd, path);
}

int secret_sniff_binary(char *what, size_t size, int fd, const char *path)
{
	what[0] = '\0';
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	if (st.st_size <= 0 || st.st_size > DER_MAX)
		return 0;
	/* A key in DER is a SEQUENCE: a file that starts otherwise is not read
	 * further (most evidence; the whole read cost an ingest 5 %). */
	unsigned char first;
	ssize_t r;
	while ((r = pread(fd, &first, 1, 0)) < 0 && errno == EINTR)
		;
	if (r != 1 || first != 0x30)
		return 0;
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	if (buf_grow(&b, (size_t)st.st_size) < 0)
		return SMSAUDIT_ENOMEM;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, b.ptr + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int hit = der_spans((const unsigned char *)b.ptr, got) && binary_key((const unsigned char *)b.ptr, got, what, size);
	ERR_clear_error();
	OPENSSL_cleanse(b.ptr, got);
	smsaudit_buf_dispose(&b);
	return hit;
}
