/* Private helpers shared by the library's modules; not part of the public API. */
#ifndef SMSAUDIT_INTERNAL_H
#define SMSAUDIT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "smsaudit/common.h"
#include "smsaudit/xml.h"

#if defined(__GNUC__)
#define SMSAUDIT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SMSAUDIT_PRINTF(a, b)
#endif

/* Record the last error for this thread and return `code`, so callers can write
 * `return error_set(SMSAUDIT_EINVALID, "%s:%d: ...", ...)`. */
int error_set(int code, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

/* Keep the last error's message but prefix it ("context: message"). */
int error_prefix(int code, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

/* SMSAUDIT_EINVALID naming the field, the text's length and the limit
 * ("title is 131072 characters, at most 500") when `s` is longer than `max`
 * bytes; 0 otherwise (NULL included: the caller's own check says what is
 * missing). `fmt` names the field. */
int error_text_length(const char *s, size_t max, const char *fmt, ...) SMSAUDIT_PRINTF(3, 4);

/* Out-of-memory error in one place. */
int error_oom(void);
/* Pass a notice on to the program's notice function, if any (common.h). */
void notice(const char *fmt, ...) SMSAUDIT_PRINTF(1, 2);
/* Pass progress on to the program's progress function, if any (common.h). */
void progress_report(const char *what, size_t done, size_t total);

/* sms.c: merge the SMS description `later` (a whole version made from
 * `base`) into `cur` (the one in force, also made from `base` or later): what
 * only one side changed is kept, lists take both sides' additions and
 * removals, a value both changed is the later one's and is named in
 * `conflicts` (comma-separated element names, "" for none). */
int sms_merge3(smsaudit_buf *out, const char *cur_xml, const char *base_xml, const char *later_xml, char *conflicts,
               size_t size);

/* Buffer helpers (smsaudit_buf). Return 0 or SMSAUDIT_ENOMEM. */
int buf_grow(smsaudit_buf *b, size_t extra);
int buf_put(smsaudit_buf *b, const char *data, size_t len);
int buf_puts(smsaudit_buf *b, const char *s);
int buf_printf(smsaudit_buf *b, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

/*
 * Open an input file for reading: never blocks (a FIFO or device named as
 * input is refused, not waited on), and accepts only a regular file (or, with
 * FILE_INPUT_DIR, a directory). Refusals name the path and what it is
 * ("x.xml: a FIFO, not a regular file"). Every reader of input goes through
 * here or through file_read_all, which does.
 */
enum { FILE_INPUT_DIR = 1, FILE_INPUT_NOFOLLOW = 2 };
int file_open_input(int *out, const char *path, unsigned flags);
/* "a FIFO", "a directory", ... for a st_mode. */
const char *file_type_name(unsigned mode);

/* Read a whole regular file (refusing anything over `max` bytes). */
int file_read_all(smsaudit_buf *out, const char *path, size_t max);
/* The same from an open descriptor; `path` is for messages. */
int fd_read_all(smsaudit_buf *out, int fd, const char *path, size_t max);

/* Remove a directory tree we created (best effort). */
void remove_tree(const char *path);
/* mkdir with mode 0700; an existing directory is fine. */
int mkdir_0700(const char *dir);
/* The temporary file a writer of `path` uses: "<path>.<pid>.tmp". */
void temp_path_for(char *out, size_t size, const char *path);
/* 1 when no process `pid` exists any more (so what it left is stale); 0 when
 * it runs, belongs to another user, or is this process. */
int pid_gone(long pid);
/* Create the temporary file `tmp` (0600) afresh for writing: whatever is at
 * that name first goes (a link planted there is removed, not followed), and
 * the open refuses to follow a link or to reuse a file that appears
 * meanwhile. A descriptor, or -1 with errno set. */
int temp_create(const char *tmp);
/* Remove the temporary files of `path` (as temp_path_for names them) whose
 * process is gone: what a writer killed mid-way left behind. Best effort. */
void remove_stale_temps(const char *path);
/* Make the folder a writer of folder `dir` fills before moving it into place:
 * "<dir>.partial-<pid>-XXXXXX", into `out`. The partial folders of `dir` that
 * killed writers left are removed first (remove_stale_partials). */
int partial_dir_make(char *out, size_t size, const char *dir);
/* Remove the partial folders of `dir` whose writer is gone: by its process id
 * when the name carries one, else when untouched for a day. Best effort. */
void remove_stale_partials(const char *dir);
/* Write `data` to `tmp` (0600), fsync it, and rename it over `path`; nothing
 * half-written is ever at `path`, and stale temporary files of `path` go. */
int file_write_replace(const char *path, const char *tmp, const void *data, size_t len);

/* HMAC-SHA256 of a then b (hex) keyed by this user's cache secret (config.h):
 * local caches carry it so that nobody without the secret can edit them. */
int config_mac(char out[65], const void *a, size_t alen, const void *b, size_t blen);
/* HMAC-SHA256 of a then b (hex) with a 32-byte key. */
int hmac_sha256_hex(char out[65], const unsigned char key[32], const void *a, size_t alen, const void *b,
                    size_t blen);
/* The same MAC over bytes that arrive in pieces (a file written as it grows):
 * begin, update any number of times, end (which frees it). */
typedef struct hmac_stream hmac_stream;
int hmac_stream_begin(hmac_stream **out, const unsigned char key[32]);
int hmac_stream_update(hmac_stream *h, const void *p, size_t len);
int hmac_stream_end(char out[65], hmac_stream *h);  /* out may be NULL: just free */

/* Built-in data compiled into the library (schemas, default catalogue). */
const unsigned char *embedded_get(const char *name, size_t *len);

/* FNV-1a of a string: for hash tables in memory, never for anything kept. */
size_t text_hash(const char *s);

/* Lowercase hex SHA-256 of a buffer into out[65]. */
int sha256_hex(char out[65], const void *data, size_t len);

/* Validate a parsed document against the built-in records schema (cached). */
int record_schema_validate(xmlDocPtr doc, const char *name);

/* strdup that reports ENOMEM through error_set. */
char *xstrdup(const char *s);

/*
 * Many detached CMS signatures by one signer with one signing time (sign.c):
 * the same signatures smsaudit_sign_detached makes, built from a template
 * at a fraction of the cost. sign_batch_new fails (an error is set) when the
 * template cannot be used; sign with smsaudit_sign_detached then. A batch
 * is read-only once made: threads share it, each with its own context.
 */
typedef struct sign_batch sign_batch;
typedef struct sign_batch_ctx sign_batch_ctx;
struct smsaudit_cert;
struct smsaudit_key;
int sign_batch_new(sign_batch **out, const struct smsaudit_cert *cert, const struct smsaudit_key *key, time_t when);
void sign_batch_free(sign_batch *b);
int sign_batch_ctx_new(sign_batch_ctx **out, const sign_batch *b);
void sign_batch_ctx_free(sign_batch_ctx *c);
int sign_batch_sign(const sign_batch *b, sign_batch_ctx *c, smsaudit_buf *sig, const void *data, size_t len);
/* The same for content known by its SHA-256. */
int sign_batch_sign_digest(const sign_batch *b, sign_batch_ctx *c, smsaudit_buf *sig, const unsigned char digest[32]);

/* How many signatures smsaudit_verify_detached verified by a shape learnt
 * from an earlier one (sign.c) rather than by CMS_verify: for the tests. */
struct smsaudit_trust;
size_t trust_shape_hits(struct smsaudit_trust *trust);

#endif
