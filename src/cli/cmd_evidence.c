/* smsaudit evidence add|import|list|show|get|supersede|withdraw */
/* realpath() is X/Open. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
	O_CONTROL = 1, O_KIND, O_TITLE, O_PERIOD, O_UNTIL, O_NOTE, O_NAME, O_DUP, O_EXPIRING, O_ALL,
	O_OUT, O_FORCE, O_REASON, O_AT, O_COMMIT, O_SECRET, O_BASE, O_PACK, O_DELIM
};

typedef struct {
	const char *control, *kind, *title, *period, *until, *note, *name, *out, *reason, *at, *commit, *base, *pack,
		*delimiter;
	int allow_dup, allow_secret, all, force, expiring;
} ev_args;

static int on_opt(int id, const char *arg, void *u)
{
	ev_args *a = u;
	switch (id) {
	case O_CONTROL: a->control = arg; break;
	case O_KIND: a->kind = arg; break;
	case O_TITLE: a->title = arg; break;
	case O_PERIOD: a->period = arg; break;
	case O_UNTIL: a->until = arg; break;
	case O_NOTE: a->note = arg; break;
	case O_NAME: a->name = arg; break;
	case O_DUP: a->allow_dup = 1; break;
	case O_SECRET: a->allow_secret = 1; break;
	case O_BASE: a->base = arg; break;
	case O_DELIM: a->delimiter = arg; break;
	case O_ALL: a->all = 1; break;
	case O_OUT: a->out = arg; break;
	case O_FORCE: a->force = 1; break;
	case O_REASON: a->reason = arg; break;
	case O_AT: a->at = arg; break;
	case O_COMMIT: a->commit = arg; break;
	case O_PACK: a->pack = arg; break;
	case O_EXPIRING: {
		char *end = NULL;
		long d = strtol(arg, &end, 10);
		if (!*arg || *end || d < 0 || d > 3650)
			return cli_usage("evidence", "--expiring takes a number of days (0 to 3650)");
		a->expiring = (int)d + 1; /* 0 means "not given" */
		break;
	}
	}
	return -1;
}

/* Fill the descriptive fields of an input from strings; messages name `where`. */
static int fill_input(smsaudit_evidence_input *in, char ***controls, const char *control, const char *kind,
                      const char *title, const char *period, const char *until, const char *note,
                      const char *name)
{
	int rc;
	if ((rc = smsaudit_evidence_kind_parse(&in->kind, kind)) < 0)
		return rc;
	size_t n = 0;
	*controls = cli_split_list(control ? control : "", &n);
	if (!*controls)
		return SMSAUDIT_ENOMEM;
	in->controls = (const char *const *)*controls;
	in->ncontrols = n;
	in->title = title;
	in->note = note && *note ? note : NULL;
	in->name = name && *name ? name : NULL;
	if (period && *period && (rc = smsaudit_period_parse(&in->period_from, &in->period_to, period)) < 0)
		return rc;
	in->has_period = period && *period;
	if (until && *until && (rc = smsaudit_date_parse(&in->valid_until, until)) < 0)
		return rc;
	return 0;
}

static void print_added(cli_ctx *ctx, const smsaudit_evidence_input *in, char (*ids)[SMSAUDIT_ID_MAX], size_t n)
{
	out_node *arr = out_array("evidence");
	for (size_t i = 0; i < n; i++) {
		out_node *o = out_push_obj(arr);
		out_set_str(o, "id", ids[i]);
		out_set_str(o, "file", in[i].file);
		out_set_str(o, "title", in[i].title);
	}
	if (ctx->format == OUT_TEXT) {
		static const char *const keys[] = { "id", "file" };
		static const char *const heads[] = { "RECORD", "FILE" };
		out_table(stdout, ctx, arr, keys, heads, 2);
		printf("%zu file%s added in one commit.\n", n, n == 1 ? "" : "s");
	} else {
		out_emit(stdout, arr, ctx->format, "added");
	}
	out_free(arr);
}

static unsigned add_flags(const ev_args *a)
{
	return (a->allow_dup ? SMSAUDIT_ADD_ALLOW_DUPLICATE : 0) | (a->allow_secret ? SMSAUDIT_ADD_ALLOW_SECRET : 0);
}

static int ev_add(cli_ctx *ctx, ev_args *a, char **files, int nfiles)
{
	if (nfiles < 1)
		return cli_usage("evidence", "'evidence add' needs at least one file");
	if (!a->control || !a->kind || !a->title)
		return cli_usage("evidence", "'evidence add' needs --control, --kind and --title");
	if (a->name && nfiles > 1)
		return cli_usage("evidence", "--name can only be used with one file");
	smsaudit_evidence_input *in = calloc((size_t)nfiles, sizeof(*in));
	char (*ids)[SMSAUDIT_ID_MAX] = calloc((size_t)nfiles, sizeof(*ids));
	char **controls = NULL;
	if (!in || !ids) {
		free(in);
		free(ids);
		return cli_error(EXIT_ENV, "out of memory");
	}
	smsaudit_evidence_input proto;
	memset(&proto, 0, sizeof(proto));
	int rc = fill_input(&proto, &controls, a->control, a->kind, a->title, a->period, a->until, a->note, a->name);
	if (rc < 0) {
		rc = cli_fail(rc);
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		in[i] = proto;
		in[i].file = files[i];
	}
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		goto out;
	int r = smsaudit_store_add_evidence(s.store, s.me, in, (size_t)nfiles, add_flags(a), ids, cli_progress, ctx);
	if (r < 0)
		rc = cli_fail(r);
	else {
		print_added(ctx, in, ids, (size_t)nfiles);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
out:
	cli_free_list(controls);
	free(in);
	free(ids);
	return rc;
}

/* ---- import ---- */

/* One CSV field (RFC 4180, fields separated by `sep`); advances *p. Returns a
 * malloc'd string or NULL at end of line. */
static char *csv_field(const char **p, int *eol, char sep)
{
	const char *s = *p;
	size_t cap = 64, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	int quoted = *s == '"';
	if (quoted)
		s++;
	for (;;) {
		char c = *s;
		if (c == '\0' || (!quoted && (c == sep || c == '\n' || c == '\r')))
			break;
		if (quoted && c == '"') {
			if (s[1] == '"') {
				s++;
			} else {
				s++;
				quoted = 0;
				continue;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(out, cap *= 2);
			if (!t) {
				free(out);
				return NULL;
			}
			out = t;
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
	if (*s == sep) {
		s++;
		*eol = 0;
	} else {
		while (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
		*eol = 1;
	}
	*p = s;
	return out;
}

enum { C_FILE, C_CONTROLS, C_KIND, C_TITLE, C_FROM, C_TO, C_UNTIL, C_NOTE, C_NAME, C__N };
static const char *const csv_cols[C__N] = {
	"file", "controls", "kind", "title", "period_from", "period_to", "valid_until", "note", "name"
};

/* A row as read (one at a time: csv_stream). */
typedef struct {
	char *cell[C__N];
	char **controls;
	char *where;
	char *file;
	char period[32];
} import_row;

static void free_row(import_row *r)
{
	for (int i = 0; i < C__N; i++)
		free(r->cell[i]);
	cli_free_list(r->controls);
	free(r->where);
	free(r->file);
}

/* One CSV must be text: a NUL byte or a byte sequence that is not UTF-8 is
 * named by its line and column (in characters), not silently cut short.
 * `text` starts line `line`. Returns 0, or a negative code with the message
 * in `why`. */
static int csv_check_text(char *why, size_t why_size, const char *csv, int line, const char *text, size_t len)
{
	int col = 1;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)text[i];
		size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		           : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (c == 0) {
			snprintf(why, why_size, "%s:%d: column %d: a NUL byte; a CSV file is text", csv, line, col);
			return SMSAUDIT_EINVALID;
		}
		if (n == 0 || i + n > len || !smsaudit_utf8_valid(text + i, n)) {
			snprintf(why, why_size, "%s:%d: column %d: byte 0x%02x is not valid UTF-8", csv, line, col, c);
			return SMSAUDIT_EINVALID;
		}
		if (c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	return 0;
}

/* The separator of a CSV: --delimiter, else the header line's own (spreadsheets
 * set to a locale with a decimal comma write ';'). The header names columns
 * without either, so whichever it holds separates them. Returns -1 to go on,
 * or the exit code. */
static int csv_separator(char *out, const char *opt, const char *header)
{
	if (opt) {
		if (strcmp(opt, ",") == 0 || strcmp(opt, "comma") == 0)
			*out = ',';
		else if (strcmp(opt, ";") == 0 || strcmp(opt, "semicolon") == 0)
			*out = ';';
		else if (strcmp(opt, "tab") == 0 || strcmp(opt, "\t") == 0)
			*out = '\t';
		else
			return cli_usage("evidence", "--delimiter: expected ',', ';' or tab, not '%s'", opt);
		return -1;
	}
	size_t commas = 0, semis = 0;
	int quoted = 0;
	for (const char *p = header; *p && (quoted || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted)
			commas += *p == ',', semis += *p == ';';
	}
	*out = semis && !commas ? ';' : ',';
	return -1;
}

/* Rows longer than this are refused (an unclosed quote would otherwise read
 * the rest of the file as one field). */
#define CSV_ROW_MAX (1u << 20)

/*
 * The CSV read as it goes: the library asks for one row at a time
 * (smsaudit_evidence_stream), so memory holds the row being read, not the
 * file; of the rows before it only their line (for a message naming an
 * earlier row) and, for --format json or csv, their file, title and id.
 */
typedef struct {
	const char *csv;
	FILE *f;
	char sep;
	int col_of[C__N];
	int ncols;
	const char *base, *inside, *base_opt;
	int line;                   /* the last physical line read */
	int at;                     /* the line the current row starts on */
	char *raw;                  /* the current row's text */
	size_t raw_len, raw_cap;
	import_row row;
	smsaudit_evidence_input in;
	uint32_t *lines;            /* the line of each row given */
	size_t rows, alines;
	int keep;                   /* keep each row's file and title (machine output) */
	char **files, **titles;     /* of the first `nkeep` rows */
	size_t nkeep;
	out_node *added;
} csv_stream;

/* The next physical line onto the row's text: 1 with one, 0 at the end, or a
 * negative code. Read a byte at a time, so that a line without an end (or
 * with NUL bytes) is bounded by CSV_ROW_MAX and checked as it is. */
static int csv_read_line(csv_stream *s, char *why, size_t why_size)
{
	size_t from = s->raw_len;
	int c = EOF;
	while ((c = getc_unlocked(s->f)) != EOF) {
		if (s->raw_len + 2 > CSV_ROW_MAX) {
			snprintf(why, why_size, "%s:%d: a row over %u bytes (a quote not closed?)", s->csv, s->at,
			         CSV_ROW_MAX);
			return SMSAUDIT_EINVALID;
		}
		if (s->raw_len + 2 > s->raw_cap) {
			size_t cap = s->raw_cap ? s->raw_cap * 2 : 1024;
			char *r = realloc(s->raw, cap);
			if (!r) {
				snprintf(why, why_size, "out of memory");
				return SMSAUDIT_ENOMEM;
			}
			s->raw = r;
			s->raw_cap = cap;
		}
		s->raw[s->raw_len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (ferror(s->f)) {
		snprintf(why, why_size, "%s:%d: cannot read: %s", s->csv, s->line + 1, strerror(errno));
		return SMSAUDIT_EIO;
	}
	if (s->raw_len == from)
		return 0;
	s->raw[s->raw_len] = '\0';
	s->line++;
	return csv_check_text(why, why_size, s->csv, s->line, s->raw + from, s->raw_len - from) < 0 ? SMSAUDIT_EINVALID
	                                                                                          : 1;
}

/* Whether `t` ends inside a quoted field, as csv_field reads it: a quote
 * opens one only at the start of a field, and "" inside it is a quote. */
static int csv_open_quote(const char *t, size_t len, char sep)
{
	int quoted = 0, start = 1;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (quoted) {
			if (c == '"' && i + 1 < len && t[i + 1] == '"')
				i++;
			else if (c == '"')
				quoted = 0;
		} else if (start && c == '"') {
			quoted = 1;
			start = 0;
		} else {
			start = c == sep || c == '\n' || c == '\r';
		}
	}
	return quoted;
}

/* The next row's text (a quoted field may span lines; blank lines are
 * skipped): 1 with one, 0 at the end, or a negative code. */
static int csv_read_row(csv_stream *s, char *why, size_t why_size)
{
	s->raw_len = 0;
	int rc;
	for (;;) {
		if (s->raw_len == 0)
			s->at = s->line + 1;
		if ((rc = csv_read_line(s, why, why_size)) <= 0)
			return rc < 0 ? rc : s->raw_len > 0;
		if (csv_open_quote(s->raw, s->raw_len, s->sep))
			continue;
		if (strspn(s->raw, "\r\n") == s->raw_len) {
			s->raw_len = 0; /* a blank line */
			continue;
		}
		return 1;
	}
}

/* Where row `r`'s file really is (symbolic links and '..' resolved) must lie
 * inside the folder `inside`. Returns 0, or a negative code with the message
 * in `why`. */
static int csv_path_inside(char *why, size_t why_size, const import_row *r, const char *file, const char *inside,
                           const char *base_opt)
{
	char real[4096];
	if (!realpath(r->file, real)) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(why, why_size, "%s: file '%s' does not exist (looked for %s)", r->where, file, r->file);
		else
			snprintf(why, why_size, "%s: file '%s' (%s): %s", r->where, file, r->file, strerror(errno));
		return SMSAUDIT_EIO;
	}
	size_t n = strlen(inside);
	if (strcmp(inside, "/") == 0 || (strncmp(real, inside, n) == 0 && real[n] == '/'))
		return 0;
	if (base_opt)
		snprintf(why, why_size, "%s: '%s' is outside --base %s", r->where, file, base_opt);
	else
		snprintf(why, why_size, "%s: '%s' leaves the CSV's folder (it is %s); give --base DIR to allow files "
		         "under DIR", r->where, file, real);
	return SMSAUDIT_EINVALID;
}

/* The next row as an input (smsaudit_evidence_stream.next). */
static int csv_next(const smsaudit_evidence_input **out, char *why, size_t why_size, void *payload)
{
	csv_stream *s = payload;
	free_row(&s->row);
	memset(&s->row, 0, sizeof(s->row));
	memset(&s->in, 0, sizeof(s->in));
	int rc = csv_read_row(s, why, why_size);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (s->rows > 0)
			return 1;
		snprintf(why, why_size, "%s: no rows after the header", s->csv);
		return SMSAUDIT_EINVALID;
	}
	if (s->rows == s->alines) {
		size_t na = s->alines ? s->alines * 2 : 1024;
		uint32_t *l = realloc(s->lines, na * sizeof(*l));
		if (l)
			s->lines = l;
		char **fv = s->keep ? realloc(s->files, na * sizeof(*fv)) : NULL;
		if (fv)
			s->files = fv;
		char **tv = s->keep ? realloc(s->titles, na * sizeof(*tv)) : NULL;
		if (tv)
			s->titles = tv;
		if (!l || (s->keep && (!fv || !tv))) {
			snprintf(why, why_size, "out of memory");
			return SMSAUDIT_ENOMEM;
		}
		s->alines = na;
	}
	s->lines[s->rows++] = (uint32_t)s->at;
	import_row *r = &s->row;
	char where[600];
	snprintf(where, sizeof(where), "%s:%d", s->csv, s->at);
	if (!(r->where = strdup(where))) {
		snprintf(why, why_size, "out of memory");
		return SMSAUDIT_ENOMEM;
	}
	const char *p = s->raw;
	int c = 0, eol = 0;
	while (!eol) {
		char *v = csv_field(&p, &eol, s->sep);
		if (!v) {
			snprintf(why, why_size, "out of memory");
			return SMSAUDIT_ENOMEM;
		}
		int used = 0;
		for (int i = 0; i < C__N; i++)
			if (s->col_of[i] == c) {
				r->cell[i] = v;
				used = 1;
			}
		if (!used)
			free(v);
		c++;
	}
	if (c != s->ncols) {
		snprintf(why, why_size, "%s: %d fields, the header has %d", r->where, c, s->ncols);
		return SMSAUDIT_EINVALID;
	}
	const char *file = r->cell[C_FILE] ? r->cell[C_FILE] : "";
	if (!*file) {
		snprintf(why, why_size, "%s: the 'file' column is empty", r->where);
		return SMSAUDIT_EINVALID;
	}
	if (file[0] == '/' && !s->base_opt) {
		snprintf(why, why_size, "%s: '%s' is an absolute path; files are named relative to the CSV's folder "
		         "(--base DIR allows files under DIR)", r->where, file);
		return SMSAUDIT_EINVALID;
	}
	char path[4096];
	int plen = file[0] == '/' ? snprintf(path, sizeof(path), "%s", file)
	                          : snprintf(path, sizeof(path), "%s/%s", s->base, file);
	if (plen < 0 || (size_t)plen >= sizeof(path)) {
		snprintf(why, why_size, "%s: the file path is too long", r->where);
		return SMSAUDIT_EINVALID;
	}
	if (!(r->file = strdup(path))) {
		snprintf(why, why_size, "out of memory");
		return SMSAUDIT_ENOMEM;
	}
	if ((rc = csv_path_inside(why, why_size, r, file, s->inside, s->base_opt)) < 0)
		return rc;
	const char *from = r->cell[C_FROM], *to = r->cell[C_TO];
	if ((from && *from) != (to && *to)) {
		snprintf(why, why_size, "%s: give both period_from and period_to, or neither", r->where);
		return SMSAUDIT_EINVALID;
	}
	if (from && *from)
		snprintf(r->period, sizeof(r->period), "%.10s..%.10s", from, to);
	s->in.where = r->where;
	s->in.file = r->file;
	if (fill_input(&s->in, &r->controls, r->cell[C_CONTROLS], r->cell[C_KIND], r->cell[C_TITLE], r->period,
	               r->cell[C_UNTIL], r->cell[C_NOTE], r->cell[C_NAME]) < 0) {
		const smsaudit_error *err = smsaudit_error_last();
		snprintf(why, why_size, "%s: %s", r->where, err ? err->message : "invalid row");
		return SMSAUDIT_EINVALID;
	}
	if (s->keep) {
		char *fc = strdup(r->file), *tc = strdup(s->in.title ? s->in.title : "");
		if (!fc || !tc) {
			free(fc);
			free(tc);
			snprintf(why, why_size, "out of memory");
			return SMSAUDIT_ENOMEM;
		}
		s->files[s->nkeep] = fc;
		s->titles[s->nkeep++] = tc;
	}
	*out = &s->in;
	return 0;
}

static void csv_describe(char *out, size_t size, size_t index, void *payload)
{
	csv_stream *s = payload;
	snprintf(out, size, "%s:%u", s->csv, index < s->rows ? s->lines[index] : 0);
}

static void csv_added(size_t index, const char *id, void *payload)
{
	csv_stream *s = payload;
	if (!s->keep || index >= s->nkeep)
		return;
	out_node *o = out_push_obj(s->added);
	out_set_str(o, "id", id);
	out_set_str(o, "file", s->files[index]);
	out_set_str(o, "title", s->titles[index]);
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* The CSV opened safely: a FIFO or a device cannot hang us. Returns -1 to go
 * on, or the exit code. */
static int csv_open(FILE **out, const char *csv)
{
	int fd = open(csv, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return cli_error(EXIT_ENV, "%s: %s", csv, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(fd);
		if (e && !S_ISREG(st.st_mode) && st.st_mode == 0)
			return cli_error(EXIT_ENV, "%s: %s", csv, strerror(e));
		return cli_error(EXIT_ENV, "%s: %s, not a regular file", csv, file_kind(st.st_mode));
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (!(*out = fdopen(fd, "r"))) {
		close(fd);
		return cli_error(EXIT_ENV, "%s: %s", csv, strerror(errno));
	}
	return -1;
}

static int ev_import(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("evidence", "'evidence import' takes one CSV file");
	csv_stream s;
	memset(&s, 0, sizeof(s));
	s.csv = pos[0];
	const char *csv = s.csv;
	int rc = csv_open(&s.f, csv);
	if (rc >= 0)
		return rc;
	/* Paths in the CSV are relative to the CSV's folder, and must stay in it
	 * (or in --base DIR): a spreadsheet from elsewhere cannot pull in
	 * /etc/passwd or ../../keys. */
	char base[4096] = ".", inside[4096];
	const char *slash = strrchr(csv, '/');
	if (slash)
		snprintf(base, sizeof(base), "%.*s", slash == csv ? 1 : (int)(slash - csv), csv);
	const char *fence = a->base ? a->base : base;
	struct stat fst;
	char why[1200] = "";
	if (stat(fence, &fst) < 0 || !S_ISDIR(fst.st_mode) || !realpath(fence, inside)) {
		if (a->base)
			rc = cli_usage("evidence import", "--base: '%s' is not a folder", a->base);
		else
			rc = cli_error(EXIT_ENV, "%s: cannot resolve the CSV's folder", csv);
	}
	s.base = base;
	s.inside = inside;
	s.base_opt = a->base;
	/* The header. */
	int got = rc < 0 ? csv_read_row(&s, why, sizeof(why)) : 0;
	if (got < 0)
		rc = cli_error(got == SMSAUDIT_EINVALID ? EXIT_DATA : EXIT_ENV, "%s", why);
	const char *p = got > 0 ? s.raw : "";
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* spreadsheet BOM */
	if (rc < 0)
		rc = csv_separator(&s.sep, a->delimiter, p);
	for (int i = 0; i < C__N; i++)
		s.col_of[i] = -1;
	int eol = got <= 0;
	while (rc < 0 && !eol) {
		char *h = csv_field(&p, &eol, s.sep);
		if (!h)
			break;
		for (int i = 0; i < C__N; i++)
			if (strcmp(h, csv_cols[i]) == 0)
				s.col_of[i] = s.ncols;
		int known = 0;
		for (int i = 0; i < C__N; i++)
			known |= s.col_of[i] == s.ncols;
		if (!known && *h)
			rc = cli_error(EXIT_DATA, "%s:1: unknown column '%s' (columns: file, controls, kind, title, "
			               "period_from, period_to, valid_until, note, name)", csv, h);
		free(h);
		s.ncols++;
	}
	for (int i = 0; rc < 0 && i < 4; i++)
		if (s.col_of[i] < 0)
			rc = cli_error(EXIT_DATA, "%s:1: the header must name the column '%s'", csv, csv_cols[i]);
	s.keep = ctx->format != OUT_TEXT;
	if (s.keep)
		s.added = out_array("evidence");
	cli_session ses;
	if (rc < 0 && (rc = cli_session_open(ctx, &ses, 1)) < 0) {
		smsaudit_evidence_stream in = { csv_next, csv_describe, csv_added, &s };
		size_t n = 0;
		int r = smsaudit_store_add_evidence_stream(ses.store, ses.me, &in, add_flags(a), &n, cli_progress, ctx);
		if (r < 0) {
			rc = cli_fail(r);
		} else {
			if (s.keep)
				out_emit(stdout, s.added, ctx->format, "added");
			else
				printf("Imported %zu evidence file%s from %s in one commit.\n", n, n == 1 ? "" : "s", csv);
			rc = EXIT_OK;
		}
		cli_session_close(&ses);
	}
	free_row(&s.row);
	for (size_t i = 0; i < s.nkeep; i++) {
		free(s.files[i]);
		free(s.titles[i]);
	}
	free(s.files);
	free(s.titles);
	if (s.added)
		out_free(s.added);
	free(s.lines);
	free(s.raw);
	fclose(s.f);
	return rc;
}

/* ---- list / show / get ---- */

static const char *status_name(const smsaudit_evidence_entry *e)
{
	if (!e->valid)
		return "INVALID";
	switch (e->status) {
	case SMSAUDIT_EV_SUPERSEDED: return "superseded";
	case SMSAUDIT_EV_WITHDRAWN: return "withdrawn";
	default: return "active";
	}
}

static void join_controls(char *buf, size_t size, const smsaudit_evidence_body *b, const char *sep)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < b->ncontrols; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? sep : "", b->controls[i]);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

static void evidence_fields(out_node *o, const smsaudit_evidence_entry *e)
{
	const smsaudit_evidence_body *b = &e->record->evidence;
	char controls[1024], period[32] = "";
	join_controls(controls, sizeof(controls), b, " ");
	if (b->has_period) {
		char f[11], t[11];
		smsaudit_date_format(f, b->period_from);
		smsaudit_date_format(t, b->period_to);
		snprintf(period, sizeof(period), "%s..%s", f, t);
	}
	out_set_str(o, "id", e->record->id);
	out_set_str(o, "kind", smsaudit_evidence_kind_name(b->kind));
	out_set_str(o, "controls", controls);
	out_set_str(o, "title", b->title);
	out_set_str(o, "period", period[0] ? period : NULL);
	if (b->valid_until)
		out_set_date(o, "valid_until", b->valid_until);
	else
		out_set_str(o, "valid_until", NULL);
	out_set_time(o, "collected_at", e->record->made_at);
	out_set_str(o, "collected_by", e->record->made_by);
	char stamped[21];
	if (e->stamped_at)
		smsaudit_time_format(stamped, e->stamped_at);
	out_set_str(o, "stamped_at", e->stamped_at ? stamped : NULL);
	out_set_str(o, "signer", e->signer_name);
	out_set_str(o, "status", status_name(e));
	out_set_str(o, "name", b->name);
	out_set_str(o, "media_type", b->media_type);
	out_set_int(o, "size", (long long)b->size);
	out_set_str(o, "sha256", b->sha256);
}

/* The evidence as of --at DATE (the commit current at the end of that day),
 * or at --commit REV, or today at head: the same view gap and status open, so
 * that a date means the same to all of them. Returns -1 to go on. */
/* The repository as of --at or --commit, or with --pack DIR a pack folder read as
 * one (its files checked against its manifest, imported into a scratch repository
 * that close_view removes). */
static int open_view(cli_ctx *ctx, const ev_args *a, cli_view *v, smsaudit_pack_view **pv)
{
	*pv = NULL;
	time_t t;
	if (a->pack) {
		if (a->at || a->commit)
			return cli_usage("evidence", "--pack reads the pack as of its own date: give no --at or --commit");
		memset(v, 0, sizeof(*v));
		int r = smsaudit_pack_view_open(pv, a->pack);
		if (r < 0)
			return cli_fail(r);
		v->store = smsaudit_pack_view_store(*pv);
		v->st = (smsaudit_state *)smsaudit_pack_view_state(*pv);
		v->as_of = smsaudit_pack_view_as_of(*pv);
		return -1;
	}
	if (a->at && smsaudit_date_parse(&t, a->at) < 0)
		return cli_usage("evidence", "--at: %s; a revision is --commit REV", smsaudit_error_last()->message);
	return cli_view_open(ctx, v, "evidence", a->at, a->commit, 0);
}

static void close_view(cli_view *v, smsaudit_pack_view *pv)
{
	if (pv) {
		memset(v, 0, sizeof(*v)); /* the pack view owns its store and state */
		smsaudit_pack_view_free(pv);
		return;
	}
	cli_view_close(v);
}

typedef struct {
	const smsaudit_evidence_entry *e;
	long days_left;
} listed;

/* --expiring lists by valid-until, as status does; ties by id. */
static int cmp_listed(const void *x, const void *y)
{
	const smsaudit_evidence_entry *a = ((const listed *)x)->e, *b = ((const listed *)y)->e;
	time_t ta = a->record->evidence.valid_until, tb = b->record->evidence.valid_until;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(a->record->id, b->record->id);
}

static int ev_list(cli_ctx *ctx, ev_args *a)
{
	if (a->kind) {
		smsaudit_evidence_kind k;
		if (smsaudit_evidence_kind_parse(&k, a->kind) < 0)
			return cli_fail(SMSAUDIT_EINVALID);
	}
	cli_view v;
	smsaudit_pack_view *pv = NULL;
	int rc = open_view(ctx, a, &v, &pv);
	if (rc >= 0)
		return rc;
	const smsaudit_clause *want = NULL;
	size_t n = smsaudit_state_evidence_count(v.st), shown = 0, invalid = 0;
	listed *rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		rc = cli_error(EXIT_ENV, "out of memory");
		goto out;
	}
	if (a->control && (rc = smsaudit_catalogue_find(&want, smsaudit_store_catalogue(v.store), a->control)) < 0) {
		rc = cli_fail(rc);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(v.st, i);
		const smsaudit_evidence_body *b = &e->record->evidence;
		invalid += !e->valid;
		/* --expiring has its own test of what is in force, at the as-of date. */
		if (!a->all && !a->expiring && e->status != SMSAUDIT_EV_ACTIVE)
			continue;
		if (a->kind && strcmp(smsaudit_evidence_kind_name(b->kind), a->kind) != 0)
			continue;
		if (want) {
			int hit = 0;
			size_t wl = strlen(want->id);
			for (size_t k = 0; k < b->ncontrols; k++)
				hit |= strcmp(b->controls[k], want->id) == 0 ||
				       (strncmp(b->controls[k], want->id, wl) == 0 && b->controls[k][wl] == '.');
			if (!hit)
				continue;
		}
		/* What is expiring is status's rule, judged at the as-of date. */
		long left = 0;
		if (a->expiring && !smsaudit_status_is_expiring(&left, e, v.as_of, a->expiring - 1))
			continue;
		rows[shown].e = e;
		rows[shown++].days_left = left;
	}
	if (a->expiring && shown > 1)
		qsort(rows, shown, sizeof(*rows), cmp_listed);
	static const char *const keys[] = { "id", "kind", "controls", "valid_until", "status", "title" };
	static const char *const heads[] = { "ID", "KIND", "CONTROLS", "VALID UNTIL", "STATUS", "TITLE" };
	static const char *const xkeys[] = { "id", "kind", "controls", "valid_until", "days_left", "title" };
	static const char *const xheads[] = { "ID", "KIND", "CONTROLS", "VALID UNTIL", "DAYS LEFT", "TITLE" };
	if (ctx->format == OUT_TEXT && a->expiring) {
		char d[11];
		smsaudit_date_format(d, v.as_of);
		printf("Evidence expiring within %d days of %s (commit %.12s):\n", a->expiring - 1, d, v.hex);
	}
	/* Row by row: 100,000 records are listed without a tree of them all. */
	out_stream *os = out_stream_begin(stdout, ctx, "evidence", "evidence", a->expiring ? xkeys : keys,
	                                  a->expiring ? xheads : heads, 6);
	for (size_t i = 0; i < shown; i++) {
		out_node *o = out_stream_row(os);
		evidence_fields(o, rows[i].e);
		if (a->expiring)
			out_set_int(o, "days_left", rows[i].days_left);
	}
	out_stream_end(os, NULL);
	if (ctx->format == OUT_TEXT) {
		if (!shown)
			printf("No evidence matches.\n");
		if (invalid)
			fprintf(stderr, "smsaudit: %zu evidence record%s fail verification and count for nothing; run "
			        "'smsaudit verify'\n", invalid, invalid == 1 ? "" : "s");
	}
	rc = EXIT_OK;
out:
	free(rows);
	close_view(&v, pv);
	return rc;
}

/* The reason the supersede or withdraw record `id` gives; NULL if none. */
static const char *change_reason(const smsaudit_state *st, const char *id)
{
	for (size_t i = 0; *id && i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry r;
		smsaudit_state_record_at(&r, st, i);
		if (!r.record || strcmp(r.record->id, id) != 0)
			continue;
		if (r.record->type == SMSAUDIT_REC_SUPERSEDE)
			return r.record->supersede.reason;
		if (r.record->type == SMSAUDIT_REC_WITHDRAW)
			return r.record->withdraw.reason;
	}
	return NULL;
}

static int ev_show(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("evidence", "'evidence show' takes one evidence id");
	cli_view v;
	smsaudit_pack_view *pv = NULL;
	int rc = open_view(ctx, a, &v, &pv);
	if (rc >= 0)
		return rc;
	const smsaudit_evidence_entry *e = NULL;
	if ((rc = smsaudit_state_find_evidence(&e, v.st, pos[0])) < 0) {
		rc = cli_fail(rc);
	} else {
		out_node *o = out_object();
		evidence_fields(o, e);
		out_set_str(o, "note", e->record->evidence.note);
		out_set_str(o, "record_path", e->path);
		out_set_str(o, "superseded_by", e->superseded_by[0] ? e->superseded_by : NULL);
		out_set_str(o, "changed_by", e->changed_by[0] ? e->changed_by : NULL);
		const char *why = change_reason(v.st, e->changed_by);
		out_set_str(o, "change_reason", why);
		if (ctx->format != OUT_TEXT) {
			out_emit(stdout, o, ctx->format, "evidence");
		} else {
			const smsaudit_evidence_body *b = &e->record->evidence;
			char made[21], controls[1024];
			smsaudit_time_format(made, e->record->made_at);
			join_controls(controls, sizeof(controls), b, ", ");
			printf("%s%s%s  %s\n", cli_sgr(ctx, "1"), e->record->id, cli_sgr(ctx, "0"), cli_safe(b->title));
			printf("Status:        %s%s%s%s%s\n", status_name(e), e->superseded_by[0] ? " by " : "", e->superseded_by,
			       why ? ": " : "", why ? cli_safe(why) : "");
			printf("Kind:          %s\nControls:      %s\n", smsaudit_evidence_kind_name(b->kind), controls);
			if (b->has_period) {
				char f[11], t[11];
				smsaudit_date_format(f, b->period_from);
				smsaudit_date_format(t, b->period_to);
				printf("Period:        %s to %s\n", f, t);
			}
			if (b->valid_until) {
				char u[11];
				smsaudit_date_format(u, b->valid_until);
				printf("Valid until:   %s\n", u);
			}
			printf("Collected:     %s by %s <%s>\n", made, cli_safe(e->signer_name), cli_safe(e->record->made_by));
			if (e->stamped_at) {
				char stamped[21];
				smsaudit_time_format(stamped, e->stamped_at);
				printf("Time-stamped:  %s (RFC 3161 token: it existed by then)\n", stamped);
			}
			printf("File:          %s (%s, %llu bytes)\n", cli_safe(b->name), cli_safe(b->media_type),
			       (unsigned long long)b->size);
			printf("SHA-256:       %s\n", b->sha256);
			printf("Record:        %s (+ .p7s)\n", e->path);
			if (b->note) {
				printf("Note:          ");
				out_wrap(stdout, b->note, 15, out_term_width(ctx));
			}
		}
		out_free(o);
		rc = EXIT_OK;
	}
	close_view(&v, pv);
	return rc;
}

static int ev_get(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 1 || !a->out)
		return cli_usage("evidence", "'evidence get' takes one evidence id and -o FILE");
	struct stat st_out;
	if (!a->force && lstat(a->out, &st_out) == 0)
		return cli_error(EXIT_ENV, "%s: already exists (use --force to replace it)", a->out);
	cli_view v;
	smsaudit_pack_view *pv = NULL;
	int rc = open_view(ctx, a, &v, &pv);
	if (rc >= 0)
		return rc;
	const smsaudit_evidence_entry *e = NULL;
	char tmp[4200] = "";
	if ((rc = smsaudit_state_find_evidence(&e, v.st, pos[0])) < 0) {
		rc = cli_fail(rc);
		goto out;
	}
	const smsaudit_evidence_body *b = &e->record->evidence;
	char cpath[100];
	snprintf(cpath, sizeof(cpath), "content/%.2s/%s", b->sha256, b->sha256);
	smsaudit_oid blob;
	int r = smsaudit_repo_path_oid(&blob, smsaudit_store_repo(v.store), NULL, cpath);
	if (r < 0) {
		rc = cli_fail(r);
		goto out;
	}
	/* Write beside the target and rename: a failed digest check leaves nothing. */
	snprintf(tmp, sizeof(tmp), "%s.smsaudit-XXXXXX", a->out);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = cli_error(EXIT_ENV, "%s: %s", a->out, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	fchmod(fd, 0644);
	uint64_t size = 0;
	r = smsaudit_repo_blob_to_fd(smsaudit_store_repo(v.store), &blob, fd, b->sha256, NULL, &size);
	if (close(fd) < 0 && r == 0)
		r = SMSAUDIT_EIO;
	if (r == 0 && size != b->size)
		rc = cli_error(EXIT_CHECK, "%s: content is %llu bytes, the record says %llu", e->record->id,
		               (unsigned long long)size, (unsigned long long)b->size);
	else if (r == SMSAUDIT_EINVALID)
		rc = cli_error(EXIT_CHECK, "%s: %s", e->record->id, smsaudit_error_last()->message);
	else if (r < 0)
		rc = cli_fail(r);
	else if (rename(tmp, a->out) < 0)
		rc = cli_error(EXIT_ENV, "%s: %s", a->out, strerror(errno));
	else {
		tmp[0] = '\0';
		if (!e->valid)
			cli_warning("%s fails verification; the file matches its record's digest but "
			        "the record itself is not trustworthy", e->record->id);
		printf("%s: %llu bytes, SHA-256 %s verified\n", cli_safe(a->out), (unsigned long long)size, b->sha256);
		rc = EXIT_OK;
	}
out:
	if (tmp[0])
		unlink(tmp);
	close_view(&v, pv);
	return rc;
}

static int ev_supersede(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 2 || !a->reason)
		return cli_usage("evidence", "'evidence supersede' takes OLD NEW and --reason TEXT");
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_supersede(id, s.store, s.me, pos[0], pos[1], a->reason);
	if (r < 0)
		rc = cli_fail(r);
	else {
		printf("%s supersedes %s (%s).\n", pos[1], pos[0], id);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

/* evidence amend ID [--title T] [--control IDS] [--kind K] [--period FROM..TO|none]
 * [--valid-until DATE|none] --reason TEXT */
static int ev_amend(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 1)
		return cli_usage("evidence", "'evidence amend' takes one evidence id");
	if (!a->reason)
		return cli_usage("evidence", "--reason is required: why the metadata is corrected");
	smsaudit_evidence_amendment am;
	memset(&am, 0, sizeof(am));
	am.title = a->title;
	am.reason = a->reason;
	if (a->kind) {
		if (smsaudit_evidence_kind_parse(&am.kind, a->kind) < 0)
			return cli_usage("evidence", "--kind: %s", smsaudit_error_last()->message);
		am.set_kind = 1;
	}
	if (a->period) {
		am.set_period = 1;
		am.has_period = strcmp(a->period, "none") != 0;
		if (am.has_period && smsaudit_period_parse(&am.period_from, &am.period_to, a->period) < 0)
			return cli_usage("evidence", "--period: %s", smsaudit_error_last()->message);
	}
	if (a->until) {
		am.set_valid_until = 1;
		if (strcmp(a->until, "none") != 0 && smsaudit_date_parse(&am.valid_until, a->until) < 0)
			return cli_usage("evidence", "--valid-until: %s", smsaudit_error_last()->message);
	}
	char **controls = NULL;
	if (a->control) {
		size_t n = 0;
		if (!(controls = cli_split_list(a->control, &n)))
			return cli_error(EXIT_ENV, "out of memory");
		am.controls = (const char *const *)controls;
		am.ncontrols = n;
		if (!n) {
			cli_free_list(controls);
			return cli_usage("evidence", "--control: give at least one clause id");
		}
	}
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc < 0) {
		char nid[SMSAUDIT_ID_MAX], sid[SMSAUDIT_ID_MAX];
		int r = smsaudit_store_amend_evidence(nid, sid, s.store, s.me, pos[0], &am);
		if (r < 0) {
			rc = cli_fail(r);
		} else {
			printf("%s amends %s (%s); the content is unchanged.\n", nid, cli_safe(pos[0]), sid);
			rc = EXIT_OK;
		}
		cli_session_close(&s);
	}
	cli_free_list(controls);
	return rc;
}

static int ev_withdraw(cli_ctx *ctx, ev_args *a, char **pos, int npos)
{
	if (npos != 1 || !a->reason)
		return cli_usage("evidence", "'evidence withdraw' takes one evidence id and --reason TEXT");
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_withdraw(id, s.store, s.me, pos[0], a->reason);
	if (r < 0)
		rc = cli_fail(r);
	else {
		printf("Withdrew %s (%s); its content stays in history.\n", pos[0], id);
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

#define OPT_END { NULL, 0, 0, 0 }
static const cli_option add_opts[] = {
	{ "control", 1, O_CONTROL, 0 }, { "kind", 1, O_KIND, 0 }, { "title", 1, O_TITLE, 0 }, { "period", 1, O_PERIOD, 0 },
	{ "valid-until", 1, O_UNTIL, 0 }, { "note", 1, O_NOTE, 0 }, { "name", 1, O_NAME, 0 },
	{ "allow-duplicate", 0, O_DUP, 0 }, { "allow-secret", 0, O_SECRET, 0 }, OPT_END
};
static const cli_option import_opts[] = {
	{ "allow-duplicate", 0, O_DUP, 0 }, { "allow-secret", 0, O_SECRET, 0 }, { "base", 1, O_BASE, 0 },
	{ "delimiter", 1, O_DELIM, 0 }, OPT_END
};
static const cli_option list_opts[] = {
	{ "control", 1, O_CONTROL, 0 }, { "kind", 1, O_KIND, 0 }, { "expiring", 1, O_EXPIRING, 0 }, { "all", 0, O_ALL, 0 },
	{ "at", 1, O_AT, 0 }, { "commit", 1, O_COMMIT, 0 }, OPT_END
};
static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { "commit", 1, O_COMMIT, 0 }, { "pack", 1, O_PACK, 0 },
	                                   OPT_END };
static const cli_option get_opts[] = {
	{ "output", 1, O_OUT, 'o' }, { "force", 0, O_FORCE, 0 }, { "at", 1, O_AT, 0 }, { "commit", 1, O_COMMIT, 0 },
	{ "pack", 1, O_PACK, 0 }, OPT_END
};
static const cli_option supersede_opts[] = { { "reason", 1, O_REASON, 0 }, OPT_END };
static const cli_option withdraw_opts[] = { { "reason", 1, O_REASON, 0 }, OPT_END };
static const cli_option amend_opts[] = {
	{ "title", 1, O_TITLE, 0 }, { "control", 1, O_CONTROL, 0 }, { "kind", 1, O_KIND, 0 },
	{ "period", 1, O_PERIOD, 0 }, { "valid-until", 1, O_UNTIL, 0 }, { "reason", 1, O_REASON, 0 }, OPT_END
};

const cli_sub cmd_evidence_subs[] = {
	{ "add",
	  "smsaudit evidence add FILE... --control ID[,ID] --kind KIND --title TEXT\n"
	  "                [--period FROM..TO] [--valid-until DATE] [--note TEXT] [--name NAME]\n"
	  "                [--allow-duplicate] [--allow-secret]\n",
	  add_opts },
	{ "import",
	  "smsaudit evidence import FILE.csv [--base DIR] [--delimiter ,|;|tab] [--allow-duplicate]\n"
	  "                           [--allow-secret]\n",
	  import_opts },
	{ "list",
	  "smsaudit evidence list [--control ID] [--kind KIND] [--expiring DAYS] [--all]\n"
	  "                [--at DATE] [--commit REV]\n",
	  list_opts },
	{ "show",
	  "smsaudit evidence show ID [--at DATE | --commit REV | --pack DIR]\n",
	  show_opts },
	{ "get",
	  "smsaudit evidence get ID -o FILE [--force] [--at DATE | --commit REV | --pack DIR]\n",
	  get_opts },
	{ "supersede",
	  "smsaudit evidence supersede OLD NEW --reason TEXT\n",
	  supersede_opts },
	{ "withdraw",
	  "smsaudit evidence withdraw ID --reason TEXT\n",
	  withdraw_opts },
	{ "amend",
	  "smsaudit evidence amend ID --reason TEXT [--title T] [--control IDS] [--kind K]\n"
	  "                           [--period FROM..TO|none] [--valid-until DATE|none]\n",
	  amend_opts },
	{ NULL, NULL, NULL }
};

const char cmd_evidence_help[] =
	"'add' streams each file once (SHA-256 and size), stores it content-addressed, and\n"
	"writes one signed record per file; all files of one call are one commit. KIND is\n"
	"scope, policy, plan, procedure, register, agreement, record or report. Content that\n"
	"is already recorded is refused (pointing at the existing record) unless\n"
	"--allow-duplicate. A private key (PEM, DER, PKCS#8, PKCS#12, OpenSSH, PuTTY, PGP;\n"
	"recognised by its content, whatever its name) is refused: the repository is shared\n"
	"with auditors; --allow-secret adds it anyway. Nothing is ever deleted: 'withdraw'\n"
	"and 'supersede' add records. IDs may be shortened to a unique prefix.\n"
	"'amend' corrects metadata without re-adding the file: a new record for the same\n"
	"content with the given title, controls, kind, period or valid-until (none\n"
	"removes a period or an expiry), superseding the old one with --reason, in one\n"
	"commit; the old record stays in history.\n"
	"\n"
	"'import' reads a CSV with a header row. Columns: file, controls, kind, title\n"
	"(required), period_from, period_to, valid_until, note, name (optional). Paths are\n"
	"relative to the CSV file's folder and must stay in it (no absolute paths, no '..' or\n"
	"symbolic link leading out) unless --base DIR names a folder that holds them; then\n"
	"absolute paths under DIR are taken too. Several controls are separated by ';' or\n"
	"spaces. The CSV must be UTF-8 text without NUL bytes. Fields are separated by ','\n"
	"or, as spreadsheets in many locales save them, ';': the header line says which\n"
	"(--delimiter sets it: ',', ';' or tab). A file the CSV names that does not exist\n"
	"is reported with its line and the path looked for.\n"
	"\n"
	"'list', 'show' and 'get' read the repository as of --at DATE: the commit current\n"
	"at the end of that day (default: today, at head); --commit REV reads another\n"
	"commit. 'show' and 'get' read a pack folder instead with --pack DIR (no\n"
	"repository needed): its files are checked against its manifest and its records'\n"
	"signatures as verify-pack does, as of the pack's date.\n"
	"'list' shows evidence in force (--all: superseded and withdrawn too).\n"
	"--expiring DAYS lists instead, by valid-until, the evidence that counts at that\n"
	"date (verifies, made by then, not yet withdrawn or superseded) and whose last\n"
	"valid day is at most DAYS days after it: the rule of 'status', so --expiring {status-horizon}\n"
	"lists what status shows as expiring. Evidence is valid through its last day.\n"
	"\n"
	"examples:\n"
	"  smsaudit evidence add sm-policy.pdf --control 5.2.1 --kind policy \\\n"
	"      --title \"Service management policy v3\" --valid-until 2027-12-31\n"
	"  smsaudit evidence add inc-2026-h1.csv --control 8.6.1 --kind record \\\n"
	"      --title \"Incident records H1\" --period 2026-01-01..2026-06-30\n"
	"  smsaudit evidence list --expiring 90 --at 2027-03-01\n"
	"  smsaudit evidence get ev-20261121-3fa9 -o policy.pdf\n"
	"  smsaudit evidence get ev-20261121-3fa9 --pack stage2-pack -o policy.pdf\n";


int cmd_evidence(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int rc = cli_sub_find("evidence", argc, argv, &sub);
	if (rc >= 0)
		return rc;
	ev_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "evidence", sub, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	const char *name = sub->name;
	if (strcmp(name, "add") == 0)
		rc = ev_add(ctx, &a, pos, npos);
	else if (strcmp(name, "import") == 0)
		rc = ev_import(ctx, &a, pos, npos);
	else if (strcmp(name, "list") == 0)
		rc = npos ? cli_usage("evidence", "unexpected argument '%s'", pos[0]) : ev_list(ctx, &a);
	else if (strcmp(name, "show") == 0)
		rc = ev_show(ctx, &a, pos, npos);
	else if (strcmp(name, "get") == 0)
		rc = ev_get(ctx, &a, pos, npos);
	else if (strcmp(name, "supersede") == 0)
		rc = ev_supersede(ctx, &a, pos, npos);
	else if (strcmp(name, "amend") == 0)
		rc = ev_amend(ctx, &a, pos, npos);
	else
		rc = ev_withdraw(ctx, &a, pos, npos);
	free(pos);
	return rc;
}
