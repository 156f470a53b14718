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

int cli_fail(int rc)
{
	const smsaudit_error *e = smsaudit_error_last();
	if (rc == SMSAUDIT_EDAMAGED)
		fprintf(stderr, "smsaudit: %s; the repository is damaged: run 'smsaudit verify'\n",
		        e && e->message[0] ? e->message : "an object cannot be read");
	else
		fprintf(stderr, "smsaudit: %s\n", e && e->message[0] ? e->message : "unexpected error");
	return map_error_code(rc);
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("smsaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_usage(const char *command, const char *fmt, ...)
{
	va_list ap;
	fputs("smsaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'smsaudit %s --help')\n", command);
	return EXIT_USAGE;
}

int cli_parse_format(out_format *out, const char *s)
{
	static const struct { const char *name; out_format f; } fmts[] = {
		{ "text", OUT_TEXT }, { "csv", OUT_CSV }, { "json", OUT_JSON }, { "xml", OUT_XML }
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

