/* The CA certificates for libgit2's HTTPS, read on first use (cacerts.c). */
#ifndef SMSAUDIT_CACERTS_H
#define SMSAUDIT_CACERTS_H

/* Around git_libgit2_init: the CA bundle it asks for is noted, not parsed. */
void cacerts_defer_begin(void);
void cacerts_defer_end(void);

/* Before any operation that may reach a remote (clone, fetch, push): give
 * libgit2 the bundle noted at init. Once per process; cheap after that.
 * -1 when the bundle did not parse: callers go on,
 * as libgit2's own init does, and an HTTPS connection then fails with
 * libgit2's certificate error, the one worth reporting. */
int cacerts_load(void);

/* For the tests: how many bundles were really parsed, and whether one is
 * noted and not yet given to libgit2. */
unsigned cacerts_parses(void);
int cacerts_deferred(void);

#endif
