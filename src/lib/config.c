/* The user's configuration directory and the secrets kept in it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "internal.h"
#include "smsaudit/config.h"

int smsaudit_config_dir(char *out, size_t size)
{
	const char *env = getenv("SMSAUDIT_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (env && *env)
		n = snprintf(out, size, "%s", env);
	else if (xdg && *xdg == '/')
		n = snprintf(out, size, "%s/smsaudit", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.config/smsaudit", home);
	else
		return error_set(SMSAUDIT_EIO, "no configuration directory: set SMSAUDIT_CONFIG or HOME");
	if (n < 0 || (size_t)n >= size)
		return error_set(SMSAUDIT_EIO, "the configuration directory's path is too long");
	return 0;
}

static int mkdirs(const char *dir)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
	return 0;
}

int smsaudit_config_dir_make(char *out, size_t size)
{
	int rc = smsaudit_config_dir(out, size);
	return rc < 0 ? rc : mkdirs(out);
}

int smsaudit_config_secret(unsigned char out[32], const char *name)
{
	char dir[4096], path[4200];
	int rc = smsaudit_config_dir_make(dir, sizeof(dir));
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* Whatever is at the path (a link, dangling or not, a FIFO) is opened by
	 * file_open_input and refused unless it is a regular file; only when
	 * nothing is there is a secret made. */
	int fd = -1;
	struct stat st;
	if (lstat(path, &st) == 0 && file_open_input(&fd, path, FILE_INPUT_NOFOLLOW) < 0)
		return error_prefix(SMSAUDIT_EIO, "the cache secret");
	if (fd >= 0) {
		ssize_t got = read(fd, out, 32);
		close(fd);
		if (got == 32)
			return 0;
		return error_set(SMSAUDIT_EIO, "%s: not a 32-byte secret; remove it to make a new one", path);
	}
	if (errno != ENOENT)
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	unsigned char key[32];
	if (RAND_bytes(key, sizeof(key)) != 1)
		return error_set(SMSAUDIT_ERROR, "no random bytes for %s", path);
	/* Made beside and linked into place: two processes never both win, and
	 * the loser reads the winner's secret. */
	char tmp[4300];
	temp_path_for(tmp, sizeof(tmp), path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(errno));
	int ok = write(fd, key, sizeof(key)) == (ssize_t)sizeof(key);
	ok = close(fd) == 0 && ok;
	int linked = ok && link(tmp, path) == 0;
	unlink(tmp);
	if (!linked && !(ok && errno == EEXIST))
		return error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(errno));
	if (!linked)
		return smsaudit_config_secret(out, name);
	memcpy(out, key, sizeof(key));
	return 0;
}

struct hmac_stream {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

int hmac_stream_begin(hmac_stream **out, const unsigned char key[32])
{
	hmac_stream *h = calloc(1, sizeof(*h));
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		                OSSL_PARAM_construct_end() };
	int ok = h && (h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) && (h->ctx = EVP_MAC_CTX_new(h->mac)) &&
	         EVP_MAC_init(h->ctx, key, 32, params);
	if (!ok) {
		hmac_stream_end(NULL, h);
		*out = NULL;
		return error_set(SMSAUDIT_ERROR, "cannot compute a MAC");
	}
	*out = h;
	return 0;
}

int hmac_stream_update(hmac_stream *h, const void *p, size_t len)
{
	return !len || EVP_MAC_update(h->ctx, p, len) ? 0 : error_set(SMSAUDIT_ERROR, "cannot compute a MAC");
}

int hmac_stream_end(char out[65], hmac_stream *h)
{
	if (!h)
		return 0;
	unsigned char md[32];
	size_t mdlen = 0;
	int ok = !out || (EVP_MAC_final(h->ctx, md, &mdlen, sizeof(md)) && mdlen == 32);
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	free(h);
	if (!ok)
		return error_set(SMSAUDIT_ERROR, "cannot compute a MAC");
	for (int i = 0; out && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int hmac_sha256_hex(char out[65], const unsigned char key[32], const void *a, size_t alen, const void *b,
                    size_t blen)
{
	hmac_stream *h = NULL;
	int rc = hmac_stream_begin(&h, key);
	rc = rc ? rc : hmac_stream_update(h, a, alen);
	rc = rc ? rc : hmac_stream_update(h, b, blen);
	if (rc) {
		hmac_stream_end(NULL, h);
		return rc;
	}
	return hmac_stream_end(out, h);
}

int config_mac(char out[65], const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char key[32];
	int rc = smsaudit_config_secret(key, "cache.key");
	return rc < 0 ? rc : hmac_sha256_hex(out, key, a, alen, b, blen);
}
