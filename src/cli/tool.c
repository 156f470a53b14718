/*
 * The tool's basics, shared by every command: one-line errors and the exit
 * code for each library error, usage errors, output formats, colour, the
 * catalogue in use. Nothing here knows the command table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int map_error_code(int rc)
{
	switch (rc) {
	case SMSAUDIT_EINVALID:
	case SMSAUDIT_ENOTFOUND:
	case SMSAUDIT_EEXISTS:
		return EXIT_DATA;
	case SMSAUDIT_EUSAGE:
		return EXIT_USAGE;
	case SMSAUDIT_EVERIFY:
	case SMSAUDIT_EDAMAGED:
		return EXIT_CHECK;
	default:
		return EXIT_ENV;
	}
}

/* ---- showing text as it is ---- */

static void vis_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *b = realloc(*buf, want);
		if (!b) {
			fputs("smsaudit: out of memory\n", stderr);
			exit(EXIT_ENV);
		}
		*buf = b;
		*cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

char *cli_visible(const char *s, unsigned flags)
{
	/* Most text is printable ASCII and shows as it is: one copy. */
	const unsigned char *q = (const unsigned char *)(s ? s : "");
	while (*q >= 0x20 && *q < 0x7f)
		q++;
	if (!*q) {
		size_t n = (size_t)(q - (const unsigned char *)(s ? s : ""));
		char *copy = malloc(n + 1);
		if (!copy) {
			fputs("smsaudit: out of memory\n", stderr);
			exit(EXIT_ENV);
		}
		memcpy(copy, s ? s : "", n + 1);
		return copy;
	}
	char *buf = NULL, esc[16];
	size_t len = 0, cap = 0;
	vis_put(&buf, &len, &cap, "", 0);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		if (*p < 0x80) {
			int layout = (flags & CLI_VIS_LAYOUT) && (*p == '\n' || *p == '\t');
			if ((*p < 0x20 || *p == 0x7f) && !layout) {
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
				vis_put(&buf, &len, &cap, esc, strlen(esc));
			} else {
				vis_put(&buf, &len, &cap, (const char *)p, 1);
			}
			p++;
			continue;
		}
		size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		size_t avail = 1;
		while (avail < n && p[avail])
			avail++;
		if (avail < n || !smsaudit_utf8_valid((const char *)p, n)) {
			/* Not UTF-8 (a file name, an argument): the byte, in hex. */
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			vis_put(&buf, &len, &cap, esc, strlen(esc));
			p++;
			continue;
		}
		unsigned cp = n == 2 ? ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu)
		            : n == 3 ? ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu)
		                     : ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
		if (cp <= 0x9f || smsaudit_char_hidden(cp, !!(flags & CLI_VIS_LAYOUT))) {
			snprintf(esc, sizeof(esc), "\\u{%x}", cp);
			vis_put(&buf, &len, &cap, esc, strlen(esc));
		} else {
			vis_put(&buf, &len, &cap, (const char *)p, n);
		}
		p += n;
	}
	return buf;
}

const char *cli_escape(char *buf, size_t size, const char *s)
{
	char *v = cli_visible(s, 0);
	size_t n = strlen(v);
	if (n < size)
		memcpy(buf, v, n + 1);
	else if (size > 4)
		snprintf(buf, size, "%.*s...", (int)(size - 4), v);
	else if (size)
		buf[0] = '\0';
	free(v);
	return buf;
}

const char *cli_safe(const char *s)
{
	/* A few at once, so that one printf can show several; each lives until
	 * the ring comes round again. */
	static char *ring[8];
	static unsigned next;
	unsigned i = next++ % 8;
	free(ring[i]);
	ring[i] = cli_visible(s, 0);
	return ring[i];
}

/* "smsaudit: <message><tail>" on stderr as one line, whatever the message
 * holds: an argument or a file name may carry escapes or newlines. */
static void put_message(const char *message, const char *tail)
{
	char *v = cli_visible(message, 0);
	fprintf(stderr, "smsaudit: %s%s\n", v, tail);
	free(v);
}

static void vput_message(const char *tail, const char *fmt, va_list ap)
{
	char small[1024];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n >= 0 && (size_t)n >= sizeof(small)) {
		char *big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			put_message(big, tail);
			free(big);
			return;
		}
	}
	put_message(n < 0 ? "(message cannot be formatted)" : small, tail);
}

int cli_fail(int rc)
{
	const smsaudit_error *e = smsaudit_error_last();
	if (rc == SMSAUDIT_EDAMAGED)
		put_message(e && e->message[0] ? e->message : "an object cannot be read",
		            "; the repository is damaged: run 'smsaudit verify'");
	else
		put_message(e && e->message[0] ? e->message : "unexpected error", "");
	return map_error_code(rc);
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput_message("", fmt, ap);
	va_end(ap);
	return code;
}

void cli_warning(const char *fmt, ...)
{
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	char *v = cli_visible(m, 0);
	fprintf(stderr, "smsaudit: warning: %s\n", v);
	free(v);
}

int cli_usage(const char *command, const char *fmt, ...)
{
	char tail[200];
	snprintf(tail, sizeof(tail), " (see 'smsaudit %s --help')", command);
	va_list ap;
	va_start(ap, fmt);
	vput_message(tail, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_parse_format(out_format *out, const char *s)
{
	static const struct { const char *name; out_format f; } fmts[] = {
		{ "text", OUT_TEXT }, { "csv", OUT_CSV }, { "json", OUT_JSON }, { "xml", OUT_XML }, { "xlsx", OUT_XLSX }
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (s && strcmp(s, fmts[i].name) == 0) {
			*out = fmts[i].f;
			return 0;
		}
	return -1;
}

const char *cli_sgr(const cli_ctx *ctx, const char *code)
{
	static const char *const known[][2] = {
		{ "0", "\033[0m" }, { "1", "\033[1m" }, { "2", "\033[2m" },
		{ "31", "\033[31m" }, { "32", "\033[32m" }, { "33", "\033[33m" },
	};
	if (ctx->color)
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(code, known[i][0]) == 0)
				return known[i][1];
	return "";
}

int cli_load_catalogue(cli_ctx *ctx, smsaudit_catalogue **out)
{
	if (ctx->catalogue_path)
		return smsaudit_catalogue_load_file(out, ctx->catalogue_path);
	return smsaudit_catalogue_load_default(out);
}

