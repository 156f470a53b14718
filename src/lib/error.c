/* The per-thread last error, in the manner of libgit2's git_error_last(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MESSAGE_MAX 1024

static _Thread_local char last_message[MESSAGE_MAX];
static _Thread_local smsaudit_error last_error;
static _Thread_local int have_error;

const smsaudit_error *smsaudit_error_last(void)
{
	return have_error ? &last_error : NULL;
}

void smsaudit_error_clear(void)
{
	have_error = 0;
	last_message[0] = '\0';
}

static void store(int code, const char *msg)
{
	size_t n = strlen(msg);
	if (n >= MESSAGE_MAX)
		n = MESSAGE_MAX - 1;
	memmove(last_message, msg, n);
	last_message[n] = '\0';
	/* One line: a newline in a message (e.g. from a library) would break the
	 * "one clear line" promise of every error. */
	for (char *p = last_message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (n > 0 && last_message[n - 1] == ' ')
		last_message[--n] = '\0';
	last_error.code = code;
	last_error.message = last_message;
	have_error = 1;
}

int error_set(int code, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	store(code, msg);
	return code;
}

int error_prefix(int code, const char *fmt, ...)
{
	char prefix[MESSAGE_MAX], msg[2 * MESSAGE_MAX + 4];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (have_error)
		snprintf(msg, sizeof(msg), "%s: %s", prefix, last_message);
	else
		snprintf(msg, sizeof(msg), "%s", prefix);
	store(code, msg);
	return code;
}

int error_text_length(const char *s, size_t max, const char *fmt, ...)
{
	size_t bytes = s ? strlen(s) : 0;
	if (bytes <= max)
		return 0;
	char field[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	/* Limits are in bytes of UTF-8; for text that is not all ASCII both
	 * counts are given, so that nobody counts characters and wonders. */
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars == bytes)
		return error_set(SMSAUDIT_EINVALID, "%s is %zu characters, at most %zu", field, bytes, max);
	return error_set(SMSAUDIT_EINVALID, "%s is %zu bytes of UTF-8 (%zu characters), at most %zu bytes", field, bytes,
	                 chars, max);
}

int error_oom(void)
{
	return error_set(SMSAUDIT_ENOMEM, "out of memory");
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		error_oom();
	return d;
}

const char *smsaudit_version(void)
{
	return SMSAUDIT_VERSION;
}

static smsaudit_notice_fn notice_fn;
static void *notice_payload;

void smsaudit_notice_set(smsaudit_notice_fn fn, void *payload)
{
	notice_fn = fn;
	notice_payload = payload;
}

void notice(const char *fmt, ...)
{
	if (!notice_fn)
		return;
	char m[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	notice_fn(m, notice_payload);
}

static smsaudit_progress_hook progress_fn;
static void *progress_payload;

void smsaudit_progress_set(smsaudit_progress_hook fn, void *payload)
{
	progress_fn = fn;
	progress_payload = payload;
}

void progress_report(const char *what, size_t done, size_t total)
{
	if (progress_fn)
		progress_fn(what, done, total, progress_payload);
}
