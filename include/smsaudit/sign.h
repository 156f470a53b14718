/*
 * smsaudit — keys, certificates and detached CMS signatures (OpenSSL 3).
 *
 * Every record is signed with ECDSA P-256 as a detached CMS SignedData in DER,
 * verifiable with stock `openssl cms -verify -binary -inform DER`. Private keys
 * never enter the repository: they live in files of mode 0600, optionally
 * encrypted with a passphrase; a key file readable by group or others is
 * refused, as ssh does.
 */
#ifndef SMSAUDIT_SIGN_H
#define SMSAUDIT_SIGN_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "xml.h"

typedef struct smsaudit_key smsaudit_key;
typedef struct smsaudit_cert smsaudit_cert;
typedef struct smsaudit_trust smsaudit_trust;

/* A new ECDSA P-256 private key. */
int smsaudit_key_generate(smsaudit_key **out);

/*
 * Write the key as PKCS#8 PEM to a new file of mode 0600 (never overwriting),
 * encrypted with AES-256 when `passphrase` is non-NULL and non-empty.
 * SMSAUDIT_EEXISTS when the file exists.
 */
int smsaudit_key_save(const smsaudit_key *key, const char *path, const char *passphrase);

/*
 * Load a private key. Refuses (SMSAUDIT_EIO) a file that group or others can
 * read or write. A wrong or missing passphrase is SMSAUDIT_EINVALID.
 */
int smsaudit_key_load(smsaudit_key **out, const char *path, const char *passphrase);

void smsaudit_key_free(smsaudit_key *key);

/* The most characters X.509 allows in a certificate's common name. */
#define SMSAUDIT_CERT_NAME_MAX 64

/* `name` then `suffix` (may be NULL) as a common name within
 * SMSAUDIT_CERT_NAME_MAX characters: when too long, `name` is cut at a UTF-8
 * character boundary and ends with an ellipsis (U+2026); the suffix stays
 * whole. `size` of at least SMSAUDIT_CERT_NAME_MAX * 4 + 1 always fits. */
void smsaudit_cert_name_fit(char *out, size_t size, const char *name, const char *suffix);

/* A self-signed CA certificate for `key` (the organisation's trust anchor).
 * A common name longer than X.509 allows is shortened (smsaudit_cert_name_fit). */
int smsaudit_cert_new_ca(smsaudit_cert **out, const smsaudit_key *key, const char *common_name,
                         time_t not_before, int days);

/* A personal signing certificate for `subject_key`, issued by the CA. The
 * common name is `name`, shortened to what X.509 allows; `email`, in the
 * subjectAltName, is the identity and is never shortened. */
int smsaudit_cert_issue(smsaudit_cert **out, const smsaudit_cert *ca, const smsaudit_key *ca_key,
                        const smsaudit_key *subject_key, const char *name, const char *email,
                        time_t not_before, int days);

/* A certificate signing request (PEM, appended to `out`) for `key`: the
 * common name `name` (shortened as a certificate's), the emailAddress and a
 * subjectAltName email `email`, signed with the key. What an external auditor
 * sends the certification body, whose CA signs it. */
int smsaudit_csr_new(smsaudit_buf *out, const smsaudit_key *key, const char *name, const char *email);

int smsaudit_cert_from_pem(smsaudit_cert **out, const char *pem, size_t len, const char *name);
int smsaudit_cert_load(smsaudit_cert **out, const char *path);
int smsaudit_cert_to_pem(smsaudit_buf *out, const smsaudit_cert *cert);
int smsaudit_cert_save(const smsaudit_cert *cert, const char *path);

/* Lowercase hex SHA-256 of the DER certificate. */
int smsaudit_cert_fingerprint(char out[65], const smsaudit_cert *cert);
/* "CN=..., emailAddress=..." style one-line subject into buf. */
void smsaudit_cert_subject(char *buf, size_t size, const smsaudit_cert *cert);
/* The first email address (subjectAltName or subject), "" if none. */
void smsaudit_cert_email(char *buf, size_t size, const smsaudit_cert *cert);
void smsaudit_cert_validity(const smsaudit_cert *cert, time_t *not_before, time_t *not_after);
/* 1 if `key` is the private key of `cert`. */
int smsaudit_cert_matches_key(const smsaudit_cert *cert, const smsaudit_key *key);
/* 1 if the certificate is a CA (basicConstraints CA:TRUE). */
int smsaudit_cert_is_ca(const smsaudit_cert *cert);
smsaudit_cert *smsaudit_cert_dup(const smsaudit_cert *cert);
void smsaudit_cert_free(smsaudit_cert *cert);

/*
 * Sign `data` as a detached CMS SignedData (DER) with signingTime `when`
 * (so a test or a replay can fix the clock). Appends to `sig`.
 */
int smsaudit_sign_detached(smsaudit_buf *sig, const void *data, size_t len,
                           const smsaudit_cert *cert, const smsaudit_key *key, time_t when);

/*
 * The same signature over content known only by its SHA-256 (computed while
 * it was written, for content too large to hold): the signed attributes
 * carry that digest as messageDigest, exactly as smsaudit_sign_detached
 * would put it, so smsaudit_verify_detached accepts it over the content.
 */
int smsaudit_sign_detached_digest(smsaudit_buf *sig, const unsigned char sha256[32], const smsaudit_cert *cert,
                                  const smsaudit_key *key, time_t when);

/* A set of trust anchors (CA certificates). */
int smsaudit_trust_new(smsaudit_trust **out);
int smsaudit_trust_add(smsaudit_trust *trust, const smsaudit_cert *ca);
void smsaudit_trust_free(smsaudit_trust *trust);
/* Check that `cert` chains to a trust anchor and is valid at `when`. */
int smsaudit_trust_check_cert(smsaudit_trust *trust, const smsaudit_cert *cert, time_t when);

/*
 * Verify a detached signature over `data`: the signature matches, and the
 * signer's certificate chains to a trust anchor and was valid at the signing
 * time written in the signature. On success returns the signer certificate
 * (caller frees) and the signing time. SMSAUDIT_EINVALID with the reason when
 * anything fails.
 */
/*
 * Is the open file `fd` private key material? Recognised by content, not name:
 * armoured keys anywhere in the file (PEM "... PRIVATE KEY" of any kind,
 * including encrypted and OpenSSH ones, PGP and SSH2 key blocks, PuTTY key
 * files) and, for files up to 1 MiB, a key in binary form (DER PKCS#8,
 * encrypted PKCS#8, traditional RSA/EC/DSA, PKCS#12). Reads with pread, so
 * the file offset is left where it was. Returns 1 and describes the key in
 * `what` ("a PKCS#12 key store"), 0 when none is found, or a negative error.
 */
int smsaudit_secret_sniff(char *what, size_t size, int fd, const char *path);

int smsaudit_verify_detached(smsaudit_cert **signer, time_t *signed_at, const void *data,
                             size_t len, const void *sig, size_t siglen, smsaudit_trust *trust);
/*
 * The same check over the content of the open file `fd`, read from its
 * current offset to its end in blocks (never held whole); `sha256` receives
 * the SHA-256 of exactly the bytes checked, so a caller that reads the file
 * again can tell whether it read the same bytes.
 */
int smsaudit_verify_detached_fd(smsaudit_cert **signer, time_t *signed_at, unsigned char sha256[32], int fd,
                                const void *sig, size_t siglen, smsaudit_trust *trust);

/*
 * RFC 3161 time-stamps (SHA-256 message imprint).
 *
 * smsaudit_tsa_stamp asks the time-stamping authority at `url` (http://; a
 * token is signed, so plain HTTP gives away nothing but privacy) for a token
 * over `data`, with a fresh nonce and the TSA's certificate requested, and
 * accepts the answer only when it is granted, answers this request and
 * verifies against `ca`: `out` gets the response (DER, what `openssl ts
 * -verify -in` reads). SMSAUDIT_EIO when the TSA cannot be reached or answers
 * nonsense, SMSAUDIT_EINVALID when the answer does not verify. `timeout` in
 * seconds (0: $SMSAUDIT_TSA_TIMEOUT, else 10).
 *
 * smsaudit_tsa_check verifies a response against `ca` and `data` (signature
 * and chain at the token's own time, SHA-256 imprint over the data, status
 * granted) and gives the token's time. SMSAUDIT_EINVALID with OpenSSL's
 * reason ("message imprint mismatch", "certificate verify error") otherwise.
 */
int smsaudit_tsa_stamp(smsaudit_buf *out, const char *url, const smsaudit_cert *ca, const void *data, size_t len,
                       int timeout);
int smsaudit_tsa_check(time_t *stamped_at, const void *response, size_t rlen, const void *data, size_t len,
                       const smsaudit_cert *ca);
/* The same, for content known by its SHA-256 (`md`). */
int smsaudit_tsa_stamp_digest(smsaudit_buf *out, const char *url, const smsaudit_cert *ca, const unsigned char md[32],
                              int timeout);
int smsaudit_tsa_check_digest(time_t *stamped_at, const void *response, size_t rlen, const unsigned char md[32],
                              const smsaudit_cert *ca);

/*
 * Read a passphrase for `what`: from the environment variable SMSAUDIT_PASSPHRASE
 * if set, else from the terminal without echo. Returns NULL (with an error)
 * when neither is available. Caller frees (the buffer is wiped first).
 */
char *smsaudit_passphrase_read(const char *what);
void smsaudit_passphrase_free(char *pass);

#endif
