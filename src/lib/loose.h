/*
 * The one pass that stores content (internal to the library): big files as
 * loose objects (loose.c), the look at their bytes on the way (secret.c's
 * scan for key material). The repository's entry to both is in repo_internal.h.
 */
#ifndef SMSAUDIT_LOOSE_H
#define SMSAUDIT_LOOSE_H

#include <stddef.h>
#include <stdint.h>

/* A look at content while it is being stored, piece by piece in order
 * (secret.c's scan for key material): a negative return (an error_set code)
 * stops the store, which then leaves nothing behind. */
typedef int (*content_check_fn)(void *payload, const unsigned char *data, size_t len);

/*
 * Store `size` bytes read from `fd` as a loose blob in the object folder
 * `objects` (loose.c): one pass reads, checks (`check` may be NULL), hashes
 * (git's SHA-1 of the object into `id`, SHA-256 of the bytes into `sha256`),
 * deflates or stores and writes them, in memory of a few MiB whatever the
 * size. A file that is not `size` bytes long is refused (SMSAUDIT_EINVALID);
 * on any failure nothing is left in `objects` but, at worst, an empty folder.
 * `name` is for messages.
 */
int loose_blob_store(unsigned char id[20], unsigned char sha256[32], int fd, uint64_t size, const char *objects,
                     const char *name, content_check_fn check, void *payload);

/*
 * Read the loose blob `id` from the object folder `objects` in chunks handed
 * to `sink`, in memory of 512 KiB whatever its size (loose.c). Returns 1 when
 * there is no loose file for it (packed, or missing: ask libgit2), 0, the
 * sink's error, or, with *bad set and `reason` saying why, SMSAUDIT_EDAMAGED
 * for a damaged object (the caller names it). *total counts the bytes read.
 */
int loose_blob_read(uint64_t *total, int *bad, char *reason, size_t rsize, const char *objects,
                    const unsigned char id[20], int (*sink)(const char *data, size_t len, void *u), void *u);

/*
 * The scan for armoured key material (secret.c) over bytes that arrive in
 * pieces, so that it rides along the one pass that stores a file: feed every
 * piece in order; 1 once key material was found (`what` describes it).
 * smsaudit_secret_sniff is this scan over a whole file, then
 * secret_sniff_binary, its check of files up to 1 MiB for keys in binary
 * form (same returns as smsaudit_secret_sniff).
 */
#define SECRET_CARRY 128
typedef struct {
	char tail[SECRET_CARRY];
	size_t tail_len;
	char head[20];
	size_t head_len;
	char what[128];
} secret_scan;
void secret_scan_init(secret_scan *s);
int secret_scan_feed(secret_scan *s, const unsigned char *data, size_t n);
int secret_sniff_binary(char *what, size_t size, int fd, const char *path);

#endif
