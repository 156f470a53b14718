/*
 * The system's CA certificates for libgit2's HTTPS, read when a command first
 * talks to a remote rather than by every command at start-up.
 *
 * Debian's libgit2 1.5.1 is built with mbedTLS, and its git_libgit2_init
 * parses the whole CA bundle (some 140 certificates, 200 KiB of base64) into
 * its TLS configuration: a quarter of the CPU of a small command (measured
 * with perf), three quarters of which every command that never leaves the
 * machine throws away. libgit2 1.5.1 offers no switch for this: the bundle is
 * its build's GIT_DEFAULT_CERT_LOCATION, read by mbedtls_x509_crt_parse_file
 * during the global init, and GIT_OPT_SET_SSL_CERT_LOCATIONS can only replace
 * the chain afterwards.
 *
 * So the program defines mbedtls_x509_crt_parse_file itself (the Makefile
 * exports it from the executable, so that libgit2's call resolves here ahead
 * of libmbedx509's). While cacerts_defer_begin/end bracket git_libgit2_init,
 * a call only notes the file's name and leaves the chain empty; at any other
 * time it passes the call on to mbedTLS's own function. Before a clone, fetch
 * or push, cacerts_load hands the noted file back to libgit2 through
 * GIT_OPT_SET_SSL_CERT_LOCATIONS, which parses it then.
 *
 * Fails safe: a remote operation that somehow ran without cacerts_load would
 * find no trusted certificate and refuse the connection; a program linked
 * without the export, or a libgit2 built with OpenSSL, never calls this
 * function and loads its certificates as it always did.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cacerts.h"

/* mbedTLS's signature; the chain is opaque here, so no mbedTLS header is
 * needed to build against a libgit2 that does not use it. */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

typedef int (*parse_file_fn)(void *chain, const char *path);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int deferring;          /* inside git_libgit2_init */
static char *deferred_file;    /* the bundle libgit2 asked for then */
static int loaded;             /* handed back to libgit2 already */
static unsigned parses;        /* bundles really parsed (for the tests) */

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	pthread_mutex_lock(&lock);
	int noted = 0;
	if (deferring && path) {
		/* Out of memory: parse now, as libgit2 would have. */
		char *copy = strdup(path);
		if (copy) {
			free(deferred_file);
			deferred_file = copy;
			noted = 1;
		}
	}
	if (!noted)
		parses++;
	pthread_mutex_unlock(&lock);
	if (noted)
		return 0;
	parse_file_fn real = (parse_file_fn)(uintptr_t)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	/* mbedTLS's "bad input data", which libgit2 reports as a failed load. */
	return real ? real(chain, path) : -0x2800;
}

void cacerts_defer_begin(void)
{
	pthread_mutex_lock(&lock);
	deferring = 1;
	pthread_mutex_unlock(&lock);
}

void cacerts_defer_end(void)
{
	pthread_mutex_lock(&lock);
	deferring = 0;
	pthread_mutex_unlock(&lock);
}

int cacerts_load(void)
{
	pthread_mutex_lock(&lock);
	char *file = loaded ? NULL : deferred_file;
	loaded = 1;
	deferred_file = NULL;
	pthread_mutex_unlock(&lock);
	if (!file)
		return 0;
	int rc = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL) < 0 ? -1 : 0;
	/* Not left behind for a later, unrelated libgit2 failure to report. */
	git_error_clear();
	free(file);
	return rc;
}

unsigned cacerts_parses(void)
{
	pthread_mutex_lock(&lock);
	unsigned n = parses;
	pthread_mutex_unlock(&lock);
	return n;
}

int cacerts_deferred(void)
{
	pthread_mutex_lock(&lock);
	int d = deferred_file != NULL;
	pthread_mutex_unlock(&lock);
	return d;
}
