/*
 * Output for people and for programs. Commands build a small tree (objects,
 * arrays, strings, numbers, booleans) and hand it here; this file alone knows
 * how to write text tables, CSV, JSON and XML, so every command formats alike.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cli.h"

/* N_DATE and N_TIME keep the formatted text in `str` and the time in `num`. */
typedef enum { N_OBJ, N_ARR, N_STR, N_INT, N_BOOL, N_NULL, N_DATE, N_TIME } ntype;

struct out_node {
	ntype type;
	char *key;        /* field name inside an object */
	char *item_name;  /* element name of array items (XML) */
	char *str;
	long long num;
	out_node *first, *last, *next;
	int inline_text;  /* key and str live in the node's own allocation */
	/* A streamed row's scalars come from its stream's arena, let go of all
	 * at once when the row is written (set on the row, taken by its fields). */
	struct node_arena *arena;
	int in_arena;
};

/* Blocks that scalars are carved from, emptied (the first kept) once a row is
 * written: 100,000 rows of 16 fields were 1.6 million callocs and frees. */
typedef struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t bytes[];
} arena_block;

typedef struct node_arena {
	arena_block *head;
	/* A text listing shows these fields only (NULL: every field is kept):
	 * the others are not made at all. */
	const char *const *keys;
	size_t nkeys;
	/* Rows set their fields in the same order: the answer for the n-th
	 * field is remembered with its key's address. */
	const char *field_key[32];
	int field_shown[32];
	size_t nfield;
} node_arena;

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		fputs("smsaudit: out of memory\n", stderr);
		exit(EXIT_ENV);
	}
	return p;
}

static char *xdup(const char *s)
{
	size_t n = strlen(s);
	char *d = xcalloc(1, n + 1);
	memcpy(d, s, n);
	return d;
}

static out_node *node_new(ntype t)
{
	out_node *n = xcalloc(1, sizeof(*n));
	n->type = t;
	return n;
}

static void *arena_take(node_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!a->head || a->head->size - a->head->used < n) {
		size_t size = n > 60000 ? n : 60000;
		arena_block *b = xcalloc(1, sizeof(*b) + size);
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	char *p = (char *)a->head->bytes + a->head->used;
	a->head->used += n;
	memset(p, 0, n);
	return p;
}

/* Empty, keeping one block for the next row. */
static void arena_reset(node_arena *a)
{
	a->nfield = 0;
	while (a->head && a->head->next) {
		arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	if (a->head)
		a->head->used = 0;
}

static void arena_free(node_arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}

/* A scalar with its key and text in one allocation: a listing of 100,000
 * rows makes a million of them, and three allocations each showed. In a
 * streamed row (`parent` has an arena) it comes from the arena. */
static out_node *scalar_new(const out_node *parent, ntype t, const char *key, const char *str)
{
	size_t kn = key ? strlen(key) + 1 : 0, sn = str ? strlen(str) + 1 : 0;
	out_node *n = parent->arena ? arena_take(parent->arena, sizeof(*n) + kn + sn) : xcalloc(1, sizeof(*n) + kn + sn);
	char *text = (char *)(n + 1);
	n->type = t;
	n->inline_text = 1;
	n->in_arena = parent->arena != NULL;
	if (key) {
		n->key = memcpy(text, key, kn);
		text += kn;
	}
	if (str)
		n->str = memcpy(text, str, sn);
	return n;
}

static void append(out_node *parent, out_node *child, const char *key)
{
	if (key && !child->key)
		child->key = xdup(key);
	if (parent->last)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
}

out_node *out_object(void)
{
	return node_new(N_OBJ);
}

out_node *out_array(const char *item_name)
{
	out_node *n = node_new(N_ARR);
	n->item_name = xdup(item_name ? item_name : "item");
	return n;
}

/* Whether a field of `obj` is kept: every one, but in a streamed text
 * listing's row only those of its columns. */
static int shown(const out_node *obj, const char *key)
{
	node_arena *a = obj->arena;
	if (!a || !a->keys || !key)
		return 1;
	size_t n = a->nfield++;
	if (n < 32 && a->field_key[n] == key)
		return a->field_shown[n];
	int yes = 0;
	for (size_t i = 0; i < a->nkeys && !yes; i++)
		yes = strcmp(a->keys[i], key) == 0;
	if (n < 32) {
		a->field_key[n] = key;
		a->field_shown[n] = yes;
	}
	return yes;
}

void out_set_str(out_node *obj, const char *key, const char *value)
{
	if (!shown(obj, key))
		return;
	append(obj, scalar_new(obj, value ? N_STR : N_NULL, key, value), key);
}

void out_set_int(out_node *obj, const char *key, long long value)
{
	if (!shown(obj, key))
		return;
	out_node *n = scalar_new(obj, N_INT, key, NULL);
	n->num = value;
	append(obj, n, key);
}

void out_set_bool(out_node *obj, const char *key, int value)
{
	if (!shown(obj, key))
		return;
	out_node *n = scalar_new(obj, N_BOOL, key, NULL);
	n->num = value ? 1 : 0;
	append(obj, n, key);
}

static void set_when(out_node *obj, const char *key, time_t t, int with_time)
{
	if (!shown(obj, key))
		return;
	if (!t) {
		out_set_str(obj, key, "");
		return;
	}
	char buf[21];
	if (with_time)
		smsaudit_time_format(buf, t);
	else
		smsaudit_date_format(buf, t);
	out_node *n = scalar_new(obj, with_time ? N_TIME : N_DATE, key, buf);
	n->num = (long long)t;
	append(obj, n, key);
}

void out_set_date(out_node *obj, const char *key, time_t t)
{
	set_when(obj, key, t, 0);
}

void out_set_time(out_node *obj, const char *key, time_t t)
{
	set_when(obj, key, t, 1);
}

out_node *out_set_obj(out_node *obj, const char *key)
{
	out_node *n = out_object();
	append(obj, n, key);
	return n;
}

out_node *out_set_arr(out_node *obj, const char *key, const char *item_name)
{
	out_node *n = out_array(item_name);
	append(obj, n, key);
	return n;
}

out_node *out_push_obj(out_node *arr)
{
	out_node *n = out_object();
	append(arr, n, NULL);
	return n;
}

void out_push_str(out_node *arr, const char *value)
{
	out_node *n = node_new(N_STR);
	n->str = xdup(value ? value : "");
	append(arr, n, NULL);
}

void out_free(out_node *node)
{
	while (node) {
		out_node *next = node->next;
		out_free(node->first);
		if (!node->inline_text) {
			free(node->key);
			free(node->str);
		}
		free(node->item_name);
		if (node->in_arena) {
			node = next; /* the arena lets it go */
			continue;
		}
		free(node);
		node = next;
	}
}

static const out_node *field(const out_node *obj, const char *key)
{
	for (const out_node *c = obj ? obj->first : NULL; c; c = c->next)
		if (c->key && strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

/* Scalar as text into buf (arrays of strings joined with a space). */
static const char *scalar_text_for(const out_node *n, char *buf, size_t size, int human)
{
	if (!n)
		return "";
	switch (n->type) {
	case N_STR:
	case N_DATE:
	case N_TIME:
		return n->str;
	case N_INT:
		snprintf(buf, size, "%lld", n->num);
		return buf;
	case N_BOOL:
		if (human)
			return n->num ? "yes" : "no";
		return n->num ? "true" : "false";
	case N_ARR: {
		size_t used = 0;
		buf[0] = '\0';
		for (const out_node *c = n->first; c; c = c->next) {
			if (c->type != N_STR)
				continue;
			int w = snprintf(buf + used, size - used, "%s%s", used ? " " : "", c->str);
			if (w < 0 || (size_t)w >= size - used)
				break;
			used += (size_t)w;
		}
		return buf;
	}
	default:
		return "";
	}
}

static const char *scalar_text(const out_node *n, char *buf, size_t size)
{
	return scalar_text_for(n, buf, size, 0);
}

/* ---- JSON ---- */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void json_indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", f);
}

static void json_node(FILE *f, const out_node *n, int depth)
{
	switch (n->type) {
	case N_STR:
	case N_DATE:
	case N_TIME: json_string(f, n->str); break;
	case N_INT: fprintf(f, "%lld", n->num); break;
	case N_BOOL: fputs(n->num ? "true" : "false", f); break;
	case N_NULL: fputs("null", f); break;
	case N_OBJ:
	case N_ARR: {
		int obj = n->type == N_OBJ;
		if (!n->first) {
			fputs(obj ? "{}" : "[]", f);
			break;
		}
		fputs(obj ? "{\n" : "[\n", f);
		for (const out_node *c = n->first; c; c = c->next) {
			json_indent(f, depth + 1);
			if (obj) {
				json_string(f, c->key);
				fputs(": ", f);
			}
			json_node(f, c, depth + 1);
			fputs(c->next ? ",\n" : "\n", f);
		}
		json_indent(f, depth);
		fputc(obj ? '}' : ']', f);
		break;
	}
	}
}

/* ---- XML ---- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void xml_node(FILE *f, const out_node *n, const char *name, int depth)
{
	json_indent(f, depth);
	char buf[64];
	switch (n->type) {
	case N_NULL:
		fprintf(f, "<%s/>\n", name);
		return;
	case N_STR:
	case N_DATE:
	case N_TIME:
	case N_INT:
	case N_BOOL:
		fprintf(f, "<%s>", name);
		xml_text(f, scalar_text(n, buf, sizeof(buf)));
		fprintf(f, "</%s>\n", name);
		return;
	case N_OBJ:
	case N_ARR:
		if (!n->first) {
			fprintf(f, "<%s/>\n", name);
			return;
		}
		fprintf(f, "<%s>\n", name);
		for (const out_node *c = n->first; c; c = c->next)
			xml_node(f, c, n->type == N_OBJ ? c->key : n->item_name, depth + 1);
		json_indent(f, depth);
		fprintf(f, "</%s>\n", name);
		return;
	}
}

/* ---- CSV (RFC 4180 quoting, LF line ends) ---- */

/* --raw: CSV cells exactly as recorded. The CSV writer is reached from every
 * command through out_emit, whose callers know nothing of CSV, so the choice
 * is one setting of this module, made while the options are parsed. */
static int csv_raw;

void out_csv_raw(int raw)
{
	csv_raw = raw;
}

/* A spreadsheet opening the file runs a cell that starts with one of these
 * as a formula (=HYPERLINK(...), -2+3, @SUM(A1)); tab and CR can start one
 * after the spreadsheet trims them. */
int out_formula_like(const char *s)
{
	return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* `text`: a cell holding text (recorded data), which a leading ' keeps a
 * spreadsheet from running; numbers the tool computes are written as they are. */
static void csv_cell_of(FILE *f, const char *s, int text)
{
	int neutralise = text && !csv_raw && out_formula_like(s);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		if (neutralise)
			fputc('\'', f);
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (neutralise)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_cell(FILE *f, const char *s)
{
	csv_cell_of(f, s, 1);
}

static int csv_is_text(const out_node *n)
{
	/* Dates are the tool's own text: they never start with a formula character. */
	return n && (n->type == N_STR || n->type == N_ARR);
}

static void csv_flatten(FILE *f, const out_node *n, const char *path)
{
	char buf[4096];
	if (n->type == N_OBJ || (n->type == N_ARR && n->first && n->first->type == N_OBJ)) {
		size_t i = 0;
		for (const out_node *c = n->first; c; c = c->next, i++) {
			char sub[512];
			if (n->type == N_OBJ)
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", c->key);
			else
				snprintf(sub, sizeof(sub), "%s.%zu", path, i + 1);
			csv_flatten(f, c, sub);
		}
		return;
	}
	csv_cell(f, path);
	fputc(',', f);
	csv_cell_of(f, scalar_text(n, buf, sizeof(buf)), csv_is_text(n));
	fputc('\n', f);
}

static void csv_rows(FILE *f, const out_node *arr)
{
	const out_node *first = arr->first;
	if (!first)
		return;
	char buf[4096];
	for (const out_node *c = first->first; c; c = c->next) {
		csv_cell(f, c->key);
		fputc(c->next ? ',' : '\n', f);
	}
	for (const out_node *row = first; row; row = row->next) {
		for (const out_node *h = first->first; h; h = h->next) {
			const out_node *v = field(row, h->key);
			csv_cell_of(f, scalar_text(v, buf, sizeof(buf)), csv_is_text(v));
			fputc(h->next ? ',' : '\n', f);
		}
	}
}

/* ---- xlsx (libxlsxwriter) ---- */

static const char *output_path;
static int emit_failed;

void out_output(const char *path)
{
	output_path = path;
}

int out_failed(void)
{
	return emit_failed;
}

typedef struct {
	lxw_workbook *wb;
	lxw_format *header, *date, *time, *text;
	int sheets;
	lxw_error err;
} xlsx_book;

#define XLSX_MAX_WIDTH 60
#define XLSX_MAX_TEXT 32767

/* Sheet names: at most 31 characters, none of []:*?/\, unique in the book. */
static lxw_worksheet *xlsx_sheet(xlsx_book *b, const char *name)
{
	char clean[32];
	size_t n = 0;
	for (const char *p = name; *p && n < 28; p++)
		clean[n++] = strchr("[]:*?/\\'", *p) ? '_' : *p;
	clean[n] = '\0';
	if (!n)
		snprintf(clean, sizeof(clean), "sheet");
	if (workbook_get_worksheet_by_name(b->wb, clean)) {
		char alt[48];
		snprintf(alt, sizeof(alt), "%.24s_%d", clean, b->sheets % 1000 + 1);
		snprintf(clean, sizeof(clean), "%.31s", alt);
	}
	b->sheets++;
	return workbook_add_worksheet(b->wb, clean);
}

static void xlsx_note(xlsx_book *b, lxw_error e)
{
	if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
		b->err = e;
}

static double xlsx_serial(time_t t)
{
	/* Days since 1899-12-30, the serial dates of the 1900 date system. */
	return (double)t / 86400.0 + 25569.0;
}

/* One cell of a value node, and the width it wants. */
static size_t xlsx_cell(xlsx_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const out_node *n)
{
	char buf[4096];
	if (!n || n->type == N_NULL)
		return 0;
	switch (n->type) {
	case N_INT:
		xlsx_note(b, worksheet_write_number(ws, r, c, (double)n->num, NULL));
		return (size_t)snprintf(buf, sizeof(buf), "%lld", n->num);
	case N_BOOL:
		xlsx_note(b, worksheet_write_boolean(ws, r, c, (int)n->num, NULL));
		return 5;
	case N_DATE:
		xlsx_note(b, worksheet_write_number(ws, r, c, xlsx_serial((time_t)n->num), b->date));
		return 10;
	case N_TIME:
		xlsx_note(b, worksheet_write_number(ws, r, c, xlsx_serial((time_t)n->num), b->time));
		return 19;
	default: {
		const char *v = scalar_text(n, buf, sizeof(buf));
		if (!*v)
			return 0;
		char *cut = NULL;
		if (strlen(v) > XLSX_MAX_TEXT) {
			/* A cell holds at most 32,767 characters: cut at a character boundary. */
			size_t k = XLSX_MAX_TEXT;
			while (k && ((unsigned char)v[k] & 0xc0) == 0x80)
				k--;
			cut = xcalloc(1, k + 1);
			memcpy(cut, v, k);
			v = cut;
		}
		/* Always a text cell (never a formula); the formula-like ones also
		 * get the text format, so that editing them keeps them text. */
		xlsx_note(b, worksheet_write_string(ws, r, c, v, !csv_raw && out_formula_like(v) ? b->text : NULL));
		size_t w = smsaudit_utf8_width(v);
		free(cut);
		return w;
	}
	}
}

static void xlsx_finish(xlsx_book *b, lxw_worksheet *ws, lxw_row_t rows, lxw_col_t cols, const size_t *width)
{
	for (lxw_col_t c = 0; c < cols; c++) {
		double w = (double)(width[c] + 2);
		xlsx_note(b, worksheet_set_column(ws, c, c, w > XLSX_MAX_WIDTH ? XLSX_MAX_WIDTH : w, NULL));
	}
	worksheet_freeze_panes(ws, 1, 0);
	if (cols)
		xlsx_note(b, worksheet_autofilter(ws, 0, 0, rows, (lxw_col_t)(cols - 1)));
}

/* An array of flat objects: a header row from the first object's keys. */
static void xlsx_table(xlsx_book *b, const out_node *arr, const char *name)
{
	lxw_worksheet *ws = xlsx_sheet(b, name);
	if (!ws) {
		xlsx_note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	const out_node *first = arr->first;
	lxw_col_t ncols = 0;
	for (const out_node *h = first ? first->first : NULL; h; h = h->next)
		ncols++;
	size_t *width = xcalloc(ncols ? ncols : 1, sizeof(*width));
	lxw_col_t c = 0;
	for (const out_node *h = first ? first->first : NULL; h; h = h->next, c++) {
		xlsx_note(b, worksheet_write_string(ws, 0, c, h->key, b->header));
		width[c] = smsaudit_utf8_width(h->key);
	}
	lxw_row_t r = 1;
	for (const out_node *row = first; row; row = row->next, r++) {
		c = 0;
		for (const out_node *h = first->first; h; h = h->next, c++) {
			size_t w = xlsx_cell(b, ws, r, c, field(row, h->key));
			if (w > width[c])
				width[c] = w;
		}
	}
	xlsx_finish(b, ws, r - 1, ncols, width);
	free(width);
}

static int is_table(const out_node *n)
{
	return n->type == N_ARR && n->first && n->first->type == N_OBJ;
}

/* The scalars of an object as (field, value) rows with dotted paths, leaving
 * out the top-level tables, which get sheets of their own. */
static void xlsx_flatten(xlsx_book *b, lxw_worksheet *ws, lxw_row_t *r, size_t width[2], const out_node *n,
                         const char *path, int top)
{
	if (n->type == N_OBJ || is_table(n)) {
		size_t i = 0;
		for (const out_node *c = n->first; c; c = c->next, i++) {
			if (top && is_table(c))
				continue;
			char sub[512];
			if (n->type == N_OBJ)
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", c->key);
			else
				snprintf(sub, sizeof(sub), "%s.%zu", path, i + 1);
			xlsx_flatten(b, ws, r, width, c, sub, 0);
		}
		return;
	}
	xlsx_note(b, worksheet_write_string(ws, *r, 0, path, NULL));
	size_t w = smsaudit_utf8_width(path);
	if (w > width[0])
		width[0] = w;
	w = xlsx_cell(b, ws, *r, 1, n);
	if (w > width[1])
		width[1] = w;
	(*r)++;
}

static void xlsx_book_write(xlsx_book *b, const out_node *root, const char *root_name)
{
	b->header = workbook_add_format(b->wb);
	format_set_bold(b->header);
	b->date = workbook_add_format(b->wb);
	format_set_num_format(b->date, "yyyy-mm-dd");
	b->time = workbook_add_format(b->wb);
	format_set_num_format(b->time, "yyyy-mm-dd hh:mm:ss");
	b->text = workbook_add_format(b->wb);
	format_set_num_format(b->text, "@");
	if (root->type == N_ARR) {
		xlsx_table(b, root, root_name);
		return;
	}
	lxw_worksheet *ws = xlsx_sheet(b, "summary");
	if (!ws) {
		xlsx_note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	size_t width[2] = { 5, 5 };
	xlsx_note(b, worksheet_write_string(ws, 0, 0, "field", b->header));
	xlsx_note(b, worksheet_write_string(ws, 0, 1, "value", b->header));
	lxw_row_t r = 1;
	xlsx_flatten(b, ws, &r, width, root, "", 1);
	xlsx_finish(b, ws, r - 1, 2, width);
	for (const out_node *c = root->first; c; c = c->next)
		if (is_table(c))
			xlsx_table(b, c, c->key);
}

static int xlsx_fail(const char *what, const char *detail)
{
	fprintf(stderr, "smsaudit: %s: %s\n", what, detail);
	emit_failed = 1;
	return -1;
}

/* Write the workbook to a new file beside its destination (or in TMPDIR for
 * standard output), then rename it into place or copy it out: nothing is
 * half-written. */
static int xlsx_emit(FILE *f, const out_node *root, const char *root_name)
{
	char tmp[4096];
	const char *dest = output_path;
	if (dest) {
		if (snprintf(tmp, sizeof(tmp), "%s.partial-XXXXXX", dest) >= (int)sizeof(tmp))
			return xlsx_fail(dest, "path too long");
	} else {
		const char *dir = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/smsaudit-xlsx-XXXXXX", dir && *dir ? dir : "/tmp");
	}
	int fd = mkstemp(tmp);
	if (fd < 0)
		return xlsx_fail(dest ? dest : tmp, strerror(errno));
	close(fd);
	lxw_workbook_options wo = { .constant_memory = 0, .tmpdir = NULL };
	xlsx_book b = { .wb = workbook_new_opt(tmp, &wo) };
	if (!b.wb) {
		unlink(tmp);
		return xlsx_fail(dest ? dest : tmp, "cannot create the workbook");
	}
	/* The file's creation date from the tool's clock (SMSAUDIT_NOW), so that
	 * the same repository and date give the same workbook. */
	lxw_doc_properties props = { .title = (char *)root_name, .created = smsaudit_now() };
	workbook_set_properties(b.wb, &props);
	xlsx_book_write(&b, root, root_name);
	lxw_error e = workbook_close(b.wb);
	if (b.err != LXW_NO_ERROR || e != LXW_NO_ERROR) {
		unlink(tmp);
		return xlsx_fail(dest ? dest : "xlsx", lxw_strerror(b.err != LXW_NO_ERROR ? b.err : e));
	}
	if (dest) {
		mode_t um = umask(0);
		umask(um);
		if (chmod(tmp, 0666 & ~um) < 0 || rename(tmp, dest) < 0) {
			int er = errno;
			unlink(tmp);
			return xlsx_fail(dest, strerror(er));
		}
		return 0;
	}
	FILE *in = fopen(tmp, "rb");
	unlink(tmp);
	if (!in)
		return xlsx_fail(tmp, strerror(errno));
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	int bad = ferror(in) || ferror(f);
	fclose(in);
	if (bad) {
		emit_failed = 1;
		return -1;
	}
	return 0;
}

int out_emit(FILE *f, const out_node *root, out_format fmt, const char *root_name)
{
	switch (fmt) {
	case OUT_XLSX:
		return xlsx_emit(f, root, root_name);
	case OUT_JSON:
		json_node(f, root, 0);
		fputc('\n', f);
		break;
	case OUT_XML:
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
		xml_node(f, root, root_name, 0);
		break;
	case OUT_CSV:
		if (root->type == N_ARR) {
			csv_rows(f, root);
		} else {
			fputs("field,value\n", f);
			csv_flatten(f, root, "");
		}
		break;
	case OUT_TEXT:
		break;
	}
	return ferror(f) ? -1 : 0;
}

/* ---- text ---- */

int out_term_width(const cli_ctx *ctx)
{
	if (ctx && ctx->tty) {
		struct winsize ws;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
			return ws.ws_col;
	}
	const char *cols = getenv("COLUMNS");
	if (cols && atoi(cols) >= 20)
		return atoi(cols);
	return 80;
}

/* Print the first `width` display columns of s (cutting with an ellipsis). */
static void put_cut(FILE *f, const char *s, size_t width)
{
	size_t w = smsaudit_utf8_width(s);
	if (w <= width) {
		fputs(s, f);
		return;
	}
	size_t shown = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && shown + 1 < width) {
		const unsigned char *q = p + 1;
		while ((*q & 0xc0) == 0x80)
			q++;
		fwrite(p, 1, (size_t)(q - p), f);
		p = q;
		shown++;
	}
	fputs("\xe2\x80\xa6", f); /* … */
}

struct out_stream {
	FILE *f;
	const cli_ctx *ctx;
	out_format fmt;
	const char *root_name;
	out_node *arr;          /* xlsx: every row; else the row being filled */
	out_node *row;
	size_t rows;
	char **csv_keys;        /* CSV: the first row's keys, the header */
	size_t ncsv_keys;
	const char *const *keys, *const *headers;  /* text */
	size_t ncols;
	char *cells;            /* text: each row's cells, NUL after each */
	size_t cells_used, cells_size;
	node_arena arena;       /* the row's scalars (not for xlsx, which keeps every row) */
};

static void cells_put(out_stream *s, const char *v)
{
	size_t n = strlen(v) + 1;
	if (s->cells_size - s->cells_used < n) {
		size_t size = s->cells_size ? s->cells_size * 2 : 65536;
		while (size - s->cells_used < n)
			size *= 2;
		char *c = realloc(s->cells, size);
		if (!c) {
			fputs("smsaudit: out of memory\n", stderr);
			exit(EXIT_ENV);
		}
		s->cells = c;
		s->cells_size = size;
	}
	memcpy(s->cells + s->cells_used, v, n);
	s->cells_used += n;
}

/* The table of `nrows` rows whose cells (already made visible) follow one
 * another in `cells`, each with its NUL. */
/* `n` spaces (a table's padding: half a million cells in a listing of
 * 100,000 rows, where a printf each showed). */
static void pad(FILE *f, size_t n)
{
	static const char spaces[] = "                                                                ";
	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		fwrite(spaces, 1, k, f);
		n -= k;
	}
}

static void text_table(FILE *f, const cli_ctx *ctx, const char *cells, size_t nrows, const char *const *headers,
                       size_t ncols)
{
	size_t *width = xcalloc(ncols, sizeof(*width));
	for (size_t c = 0; c < ncols; c++)
		width[c] = smsaudit_utf8_width(headers[c]);
	const char *p = cells;
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			size_t w = smsaudit_utf8_width(p);
			if (w > width[c])
				width[c] = w;
			p += strlen(p) + 1;
		}
	/* On a terminal, cut the last column rather than wrap the whole table. */
	size_t last_max = (size_t)-1;
	if (ctx->tty) {
		size_t used = 0;
		for (size_t c = 0; c + 1 < ncols; c++)
			used += width[c] + 2;
		size_t tw = (size_t)out_term_width(ctx);
		last_max = used + 10 < tw ? tw - used : 10;
	}
	const char *bold = cli_sgr(ctx, "1"), *reset = cli_sgr(ctx, "0");
	fputs(bold, f);
	for (size_t c = 0; c < ncols; c++) {
		if (c + 1 < ncols)
			fprintf(f, "%s%*s", headers[c], (int)(width[c] - smsaudit_utf8_width(headers[c]) + 2), "");
		else
			fputs(headers[c], f);
	}
	fprintf(f, "%s\n", reset);
	p = cells;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t n = strlen(p);
			if (c + 1 < ncols) {
				fwrite(p, 1, n, f);
				pad(f, width[c] - smsaudit_utf8_width(p) + 2);
			} else {
				put_cut(f, p, last_max);
			}
			p += n + 1;
		}
		fputc('\n', f);
	}
	free(width);
}

void out_table(FILE *f, const cli_ctx *ctx, const out_node *arr, const char *const *keys,
               const char *const *headers, size_t ncols)
{
	/* Cells are shown as cli_visible makes them: a title cannot move the
	 * cursor or reorder its row. */
	out_stream s = { 0 };
	char buf[4096];
	size_t nrows = 0;
	for (const out_node *row = arr->first; row; row = row->next, nrows++)
		for (size_t c = 0; c < ncols; c++) {
			char *v = cli_visible(scalar_text_for(field(row, keys[c]), buf, sizeof(buf), 1), 0);
			cells_put(&s, v);
			free(v);
		}
	text_table(f, ctx, s.cells ? s.cells : "", nrows, headers, ncols);
	free(s.cells);
}

void out_wrap(FILE *f, const char *raw, int indent, int width)
{
	/* Free text keeps its newlines and tabs (they separate words here) and
	 * shows everything else that could act on the terminal escaped. */
	char *text = cli_visible(raw, CLI_VIS_LAYOUT);
	int col = indent;
	int avail = width > indent + 20 ? width : indent + 20;
	const char *p = text;
	int first = 1;
	while (*p) {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\n' && *e != '\t')
			e++;
		size_t bytes = (size_t)(e - p);
		char word[1024];
		size_t n = bytes < sizeof(word) - 1 ? bytes : sizeof(word) - 1;
		memcpy(word, p, n);
		word[n] = '\0';
		int w = (int)smsaudit_utf8_width(word);
		if (!first && col + 1 + w > avail) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, bytes, f);
		col += w;
		first = 0;
		p = e;
	}
	fputc('\n', f);
	free(text);
}

/* ---- lists written as they are made ---- */

/*
 * A listing of 100,000 evidence records built as one tree held about 1.6 KB a
 * row before anything was written. A stream takes one row at a time and
 * writes it (CSV, JSON, XML) in the same bytes out_emit would have; text
 * keeps only the cells it shows (the columns' widths need every row), and
 * xlsx, whose writer needs the whole sheet, keeps the tree.
 */
out_stream *out_stream_begin(FILE *f, const cli_ctx *ctx, const char *root_name, const char *item_name,
                             const char *const *keys, const char *const *headers, size_t ncols)
{
	out_stream *s = xcalloc(1, sizeof(*s));
	s->f = f;
	s->ctx = ctx;
	s->fmt = ctx->format;
	s->root_name = root_name;
	s->arr = out_array(item_name);
	s->keys = keys;
	s->headers = headers;
	s->ncols = ncols;
	return s;
}

/* The row filled last, written (or kept) and let go. */
static void stream_flush_row(out_stream *s)
{
	out_node *row = s->row;
	if (!row)
		return;
	s->row = NULL;
	char buf[4096];
	switch (s->fmt) {
	case OUT_XLSX:
		return; /* stays in s->arr */
	case OUT_TEXT:
		for (size_t c = 0; c < s->ncols; c++) {
			char *v = cli_visible(scalar_text_for(field(row, s->keys[c]), buf, sizeof(buf), 1), 0);
			cells_put(s, v);
			free(v);
		}
		break;
	case OUT_JSON:
		fputs(s->rows == 1 ? "[\n" : ",\n", s->f);
		json_indent(s->f, 1);
		json_node(s->f, row, 1);
		break;
	case OUT_XML:
		if (s->rows == 1)
			fprintf(s->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s>\n", s->root_name);
		xml_node(s->f, row, s->arr->item_name, 1);
		break;
	case OUT_CSV:
		if (s->rows == 1) {
			for (const out_node *c = row->first; c; c = c->next)
				s->ncsv_keys++;
			s->csv_keys = xcalloc(s->ncsv_keys ? s->ncsv_keys : 1, sizeof(*s->csv_keys));
			size_t i = 0;
			for (const out_node *c = row->first; c; c = c->next, i++) {
				s->csv_keys[i] = xdup(c->key);
				csv_cell(s->f, c->key);
				fputc(c->next ? ',' : '\n', s->f);
			}
		}
		for (size_t i = 0; i < s->ncsv_keys; i++) {
			const out_node *v = field(row, s->csv_keys[i]);
			csv_cell_of(s->f, scalar_text(v, buf, sizeof(buf)), csv_is_text(v));
			fputc(i + 1 < s->ncsv_keys ? ',' : '\n', s->f);
		}
		break;
	}
	/* Unlink and free it: the array keeps nothing. */
	s->arr->first = s->arr->last = NULL;
	out_free(row);
	arena_reset(&s->arena);
}

out_node *out_stream_row(out_stream *s)
{
	stream_flush_row(s);
	s->rows++;
	if (s->fmt == OUT_XLSX)
		return s->row = out_push_obj(s->arr);
	s->row = out_push_obj(s->arr);
	s->row->arena = &s->arena;
	if (s->fmt == OUT_TEXT) {
		s->arena.keys = s->keys;
		s->arena.nkeys = s->ncols;
	}
	return s->row;
}

int out_stream_end(out_stream *s, size_t *rows)
{
	stream_flush_row(s);
	FILE *f = s->f;
	int rc = 0;
	switch (s->fmt) {
	case OUT_XLSX:
		rc = out_emit(f, s->arr, OUT_XLSX, s->root_name);
		break;
	case OUT_JSON:
		fputs(s->rows ? "\n]\n" : "[]\n", f);
		break;
	case OUT_XML:
		if (s->rows)
			fprintf(f, "</%s>\n", s->root_name);
		else
			fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s/>\n", s->root_name);
		break;
	case OUT_CSV:
		break;
	case OUT_TEXT:
		if (s->rows)
			text_table(f, s->ctx, s->cells, s->rows, s->headers, s->ncols);
		break;
	}
	if (rows)
		*rows = s->rows;
	if (rc == 0 && ferror(f))
		rc = -1;
	for (size_t i = 0; i < s->ncsv_keys; i++)
		free(s->csv_keys[i]);
	free(s->csv_keys);
	free(s->cells);
	out_free(s->arr);
	arena_free(&s->arena);
	free(s);
	return rc;
}
