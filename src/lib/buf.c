/* Growable buffers and whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

void smsaudit_buf_dispose(smsaudit_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->size = b->asize = 0;
}

int buf_grow(smsaudit_buf *b, size_t extra)
{
	if (b->size + extra + 1 <= b->asize)
		return 0;
	if (extra > (size_t)-1 / 2 - b->size)
		return error_oom();
	size_t want = b->asize ? b->asize : 256;
	while (want < b->size + extra + 1)
		want *= 2;
	char *p = realloc(b->ptr, want);
	if (!p)
		return error_oom();
	b->ptr = p;
	b->asize = want;
	return 0;
}

int buf_put(smsaudit_buf *b, const char *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return SMSAUDIT_ENOMEM;
	if (len)
		memcpy(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return 0;
}

int smsaudit_buf_put(smsaudit_buf *b, const char *data, size_t len)
{
	return buf_put(b, data, len);
}

int buf_puts(smsaudit_buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int buf_printf(smsaudit_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return error_set(SMSAUDIT_ERROR, "cannot format output");
	if (buf_grow(b, (size_t)n) < 0)
		return SMSAUDIT_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->size += (size_t)n;
	return 0;
}

int fd_read_all(smsaudit_buf *out, int fd, const char *path, size_t max)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(SMSAUDIT_EIO, "%s: %s, not a regular file", path, file_type_name((unsigned)st.st_mode));
	if ((unsigned long long)st.st_size > max)
		return error_set(SMSAUDIT_EINVALID, "%s: file is too large (%lld bytes, limit %zu)",
		                 path, (long long)st.st_size, max);
	/* Exactly the file's size (caches run to tens of MB: growing by doubling
	 * would hold up to twice that); more only if the file grows meanwhile. */
	out->size = 0;
	if (out->asize < (size_t)st.st_size + 1) {
		char *p = realloc(out->ptr, (size_t)st.st_size + 1);
		if (!p)
			return error_oom();
		out->ptr = p;
		out->asize = (size_t)st.st_size + 1;
	}
	for (;;) {
		char more[4096];
		int full = out->size + 1 >= out->asize;
		ssize_t n = full ? read(fd, more, sizeof(more)) : read(fd, out->ptr + out->size, out->asize - out->size - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		if (!full)
			out->size += (size_t)n;
		else if (buf_put(out, more, (size_t)n) < 0)
			return SMSAUDIT_ENOMEM;
		if (out->size > max)
			return error_set(SMSAUDIT_EINVALID, "%s: file is too large (limit %zu bytes)", path, max);
	}
	out->ptr[out->size] = '\0';
	return 0;
}

int file_read_all(smsaudit_buf *out, const char *path, size_t max)
{
	int fd;
	int rc = file_open_input(&fd, path, 0);
	if (rc < 0)
		return rc;
	rc = fd_read_all(out, fd, path, max);
	close(fd);
	return rc;
}

int sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return error_set(SMSAUDIT_ERROR, "SHA-256 failed");
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int smsaudit_file_read(smsaudit_buf *out, const char *path, size_t max)
{
	return file_read_all(out, path, max);
}

size_t text_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}
