/*
 * Page layout over libharu. Every string goes through clean_text() first:
 * invalid UTF-8 becomes U+FFFD, control characters become spaces, and a code
 * point the embedded fonts cannot draw becomes "[U+XXXX]" — visible and
 * lossless, never silently dropped.
 */
#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_streams.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdf.h"

#define PAGE_W 595.276
#define PAGE_H 841.89
#define MARGIN_L 50.0
#define MARGIN_R 50.0
#define TOP (PAGE_H - 62.0)
#define BOTTOM 58.0
#define TEXT_W (PAGE_W - MARGIN_L - MARGIN_R)
#define CELL_PAD 3.0
#define MAX_COLS 12

typedef struct {
	int level;
	char *title;
	int page;
} toc_entry;

/* A named place (pdf_anchor) and a link to one, resolved when the PDF is saved. */
typedef struct {
	char *name;
	HPDF_Destination dst;
} anchor;

typedef struct {
	HPDF_Page page;
	HPDF_Rect rect;
	char *target;
} pending_link;

struct pdf_doc {
	HPDF_Doc pdf;
	anchor *anchors;
	size_t nanchors, canchors;
	pending_link *links;
	size_t nlinks, clinks;
	HPDF_Font regular, bold, mono;
	HPDF_FontDef regular_def, mono_def;
	HPDF_Encoder utf8;
	HPDF_Page page;
	int npages;
	double y;
	pdf_options o;
	char *header, *footer;
	HPDF_STATUS error;
	HPDF_Outline outline[4];
	toc_entry *toc;
	size_t ntoc, captoc;
	size_t replaced;
	smsaudit_buf scratch;
	/* the open table */
	size_t ncols;
	double widths[MAX_COLS];
	char *headers[MAX_COLS];
};

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
	pdf_doc *d = user;
	(void)detail_no;
	if (!d->error)
		d->error = error_no;
}

/* ---------------------------------------------------------------- text */

static int utf8_next(const unsigned char **p, const unsigned char *end, unsigned *cp)
{
	const unsigned char *s = *p;
	unsigned c = *s;
	int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	if (n == 0 || s + n > end) {
		*p = s + 1;
		return -1;
	}
	unsigned v = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + 1;
			return -1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	*p = s + n;
	if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return -1;
	*cp = v;
	return 0;
}

static void put_utf8(smsaudit_buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	}
	buf_put(b, u, n);
}

/* The text as the fonts can draw it, in d->scratch (NUL-terminated). */
static const char *clean_text(pdf_doc *d, const char *text, HPDF_FontDef def)
{
	smsaudit_buf *b = &d->scratch;
	b->size = 0;
	const unsigned char *p = (const unsigned char *)(text ? text : ""), *end = p + strlen((const char *)p);
	while (p < end) {
		unsigned cp = 0;
		if (utf8_next(&p, end, &cp) < 0)
			cp = 0xFFFD;
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			cp = ' ';
		if (cp >= 0x80 && (cp > 0xFFFF || HPDF_TTFontDef_GetGlyphid(def, (HPDF_UINT16)cp) == 0)) {
			buf_printf(b, "[U+%04X]", cp);
			d->replaced++;
			continue;
		}
		put_utf8(b, cp);
	}
	buf_put(b, "", 1);
	b->size--;
	return b->ptr;
}

static HPDF_Font font_of(pdf_doc *d, pdf_style s, double *size)
{
	switch (s) {
	case PDF_BOLD: *size = 9; return d->bold;
	case PDF_MONO: *size = 7.5; return d->mono;
	case PDF_SMALL: *size = 7.5; return d->regular;
	case PDF_MUTED: *size = 7.5; return d->regular;
	case PDF_TITLE: *size = 22; return d->bold;
	case PDF_REGULAR: break;
	}
	*size = 9;
	return d->regular;
}

static HPDF_FontDef def_of(pdf_doc *d, HPDF_Font f)
{
	return f == d->mono ? d->mono_def : d->regular_def;
}

static double width_of(pdf_doc *d, HPDF_Font f, double size, const char *s, size_t len)
{
	HPDF_TextWidth w = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)len);
	(void)d;
	return w.width * size / 1000.0;
}

/* Bytes of `s` that fit in `width`, breaking after a space if possible. */
static size_t fit(pdf_doc *d, HPDF_Font f, double size, const char *s, size_t len, double width)
{
	HPDF_REAL real = 0;
	HPDF_UINT n = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s, (HPDF_UINT)len, (HPDF_REAL)width, (HPDF_REAL)size, 0,
	                                    0, HPDF_TRUE, &real);
	if (n == 0 || n > len) {
		/* One word wider than the column: break inside it, on a character boundary. */
		n = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s, (HPDF_UINT)len, (HPDF_REAL)width, (HPDF_REAL)size, 0, 0,
		                          HPDF_FALSE, &real);
		while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		if (n == 0) {
			n = 1;
			while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
				n++;
		}
	}
	(void)d;
	return n;
}

typedef struct {
	const char *p;
	size_t len;
} span;

/* Wrap cleaned text (one paragraph: callers split at '\n') into lines of at most `width`. */
static size_t wrap(pdf_doc *d, HPDF_Font f, double size, const char *s, double width, span **lines)
{
	size_t n = 0, cap = 0, len = strlen(s);
	*lines = NULL;
	while (len > 0 || n == 0) {
		size_t take = len ? fit(d, f, size, s, len, width) : 0;
		size_t shown = take;
		while (shown > 0 && s[shown - 1] == ' ')
			shown--;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			span *l = realloc(*lines, cap * sizeof(*l));
			if (!l)
				break;
			*lines = l;
		}
		(*lines)[n].p = s;
		(*lines)[n++].len = shown;
		s += take;
		len -= take;
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
		if (take == 0)
			break;
	}
	return n;
}

static void draw_text(pdf_doc *d, HPDF_Font f, double size, double x, double y, const char *s, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, s, len);
	copy[len] = '\0';
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, f, (HPDF_REAL)size);
	HPDF_Page_TextOut(d->page, (HPDF_REAL)x, (HPDF_REAL)y, copy);
	HPDF_Page_EndText(d->page);
	free(copy);
}

static void set_fill(pdf_doc *d, double r, double g, double b)
{
	HPDF_Page_SetRGBFill(d->page, (HPDF_REAL)r, (HPDF_REAL)g, (HPDF_REAL)b);
}

/* ---------------------------------------------------------------- pages */

static void draw_footer(pdf_doc *d)
{
	double size = 7;
	char right[64];
	if (d->o.total_pages > 0)
		snprintf(right, sizeof(right), "page %d of %d", d->npages, d->o.total_pages);
	else
		snprintf(right, sizeof(right), "page %d of ?", d->npages);
	set_fill(d, 0.35, 0.35, 0.35);
	HPDF_Page_SetLineWidth(d->page, 0.4);
	HPDF_Page_SetRGBStroke(d->page, 0.6, 0.6, 0.6);
	HPDF_Page_MoveTo(d->page, MARGIN_L, 44);
	HPDF_Page_LineTo(d->page, PAGE_W - MARGIN_R, 44);
	HPDF_Page_Stroke(d->page);
	const char *left = clean_text(d, d->footer, d->regular_def);
	draw_text(d, d->regular, size, MARGIN_L, 32, left, strlen(left));
	double w = width_of(d, d->regular, size, right, strlen(right));
	draw_text(d, d->regular, size, PAGE_W - MARGIN_R - w, 32, right, strlen(right));
	if (d->npages > 1 && d->header && *d->header) {
		const char *h = clean_text(d, d->header, d->regular_def);
		size_t n = fit(d, d->regular, size, h, strlen(h), TEXT_W);
		draw_text(d, d->regular, size, MARGIN_L, PAGE_H - 36, h, n);
		HPDF_Page_MoveTo(d->page, MARGIN_L, PAGE_H - 42);
		HPDF_Page_LineTo(d->page, PAGE_W - MARGIN_R, PAGE_H - 42);
		HPDF_Page_Stroke(d->page);
	}
	if (d->o.stamp && *d->o.stamp) {
		/* Above the header on every page, and across the foot of it: unmistakable on screen and paper. */
		const char *st = clean_text(d, d->o.stamp, d->regular_def);
		double big = 16, sw = width_of(d, d->bold, big, st, strlen(st));
		set_fill(d, 0.8, 0.1, 0.1);
		draw_text(d, d->bold, big, PAGE_W - MARGIN_R - sw, PAGE_H - 28, st, strlen(st));
		draw_text(d, d->bold, 9, MARGIN_L, 48, st, strlen(st));
	}
	set_fill(d, 0, 0, 0);
}

void pdf_new_page(pdf_doc *d)
{
	d->page = HPDF_AddPage(d->pdf);
	HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	d->npages++;
	d->y = TOP;
	draw_footer(d);
}

void pdf_need(pdf_doc *d, double points)
{
	if (!d->page || d->y - points < BOTTOM)
		pdf_new_page(d);
}

void pdf_space(pdf_doc *d, double points)
{
	d->y -= points;
	if (d->y < BOTTOM)
		pdf_new_page(d);
}

/*
 * libharu 2.3 gives a UTF-8 font an Identity-H encoding, so a character's
 * code in the text is its Unicode code point, but writes a ToUnicode CMap
 * with a `begincidrange` (an operator of CID CMaps, not of ToUnicode ones),
 * which poppler warns about on every page. Its stream is rewritten here with
 * the identity mapping as the PDF reference defines it: bfranges whose
 * bounds differ in the last byte only, the surrogates left out.
 */
static int fix_to_unicode(HPDF_Font font)
{
	HPDF_FontAttr attr = font ? (HPDF_FontAttr)font->attr : NULL;
	if (!attr || !attr->cmap_stream || !attr->cmap_stream->stream)
		return -1;
	HPDF_Stream st = attr->cmap_stream->stream;
	HPDF_MemStream_FreeData(st);
	char line[64];
	HPDF_STATUS rc = HPDF_Stream_WriteStr(st, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
	                                          "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
	                                          "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
	                                          "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	/* 0x00..0xD7 and 0xE0..0xFF as high bytes: 248 ranges, at most 100 per block. */
	int hi[248], n = 0;
	for (int h = 0; h < 256; h++)
		if (h < 0xD8 || h > 0xDF)
			hi[n++] = h;
	for (int i = 0; rc == HPDF_OK && i < n; i += 100) {
		int k = n - i < 100 ? n - i : 100;
		snprintf(line, sizeof(line), "%d beginbfrange\n", k);
		rc = HPDF_Stream_WriteStr(st, line);
		for (int j = 0; rc == HPDF_OK && j < k; j++) {
			snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi[i + j], hi[i + j], hi[i + j]);
			rc = HPDF_Stream_WriteStr(st, line);
		}
		if (rc == HPDF_OK)
			rc = HPDF_Stream_WriteStr(st, "endbfrange\n");
	}
	if (rc == HPDF_OK)
		rc = HPDF_Stream_WriteStr(st, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
	return rc == HPDF_OK ? 0 : -1;
}

static char *load_font(pdf_doc *d, const char *dir, const char *file, HPDF_FontDef *def, HPDF_Font *font)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	struct stat sb;
	if (stat(path, &sb) < 0)
		return strdup(path);
	const char *name = HPDF_LoadTTFontFromFile(d->pdf, path, HPDF_TRUE);
	if (!name)
		return strdup(path);
	*font = HPDF_GetFont(d->pdf, name, "UTF-8");
	if (fix_to_unicode(*font) < 0)
		return strdup(path);
	if (def)
		*def = HPDF_GetFontDef(d->pdf, name);
	return NULL;
}

int pdf_open(pdf_doc **out, const pdf_options *o)
{
	*out = NULL;
	pdf_doc *d = calloc(1, sizeof(*d));
	if (!d)
		return error_oom();
	d->o = *o;
	d->header = strdup(o->header ? o->header : "");
	d->footer = strdup(o->footer_left ? o->footer_left : "");
	d->pdf = HPDF_New(on_error, d);
	if (!d->pdf || !d->header || !d->footer) {
		pdf_close(d);
		return error_oom();
	}
	HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(d->pdf);
	HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
	d->utf8 = HPDF_GetEncoder(d->pdf, "UTF-8");
	const char *dir = o->font_dir ? o->font_dir : getenv("SMSAUDIT_FONT_DIR");
	if (!dir || !*dir)
		dir = "/usr/share/fonts/truetype/dejavu";
	char *missing = load_font(d, dir, "DejaVuSans.ttf", &d->regular_def, &d->regular);
	if (!missing)
		missing = load_font(d, dir, "DejaVuSans-Bold.ttf", NULL, &d->bold);
	if (!missing)
		missing = load_font(d, dir, "DejaVuSansMono.ttf", &d->mono_def, &d->mono);
	if (missing || d->error || !d->regular || !d->bold || !d->mono) {
		int rc = error_set(SMSAUDIT_EIO, "%s: cannot load the font (package fonts-dejavu-core, or set SMSAUDIT_FONT_DIR)",
		                   missing ? missing : dir);
		free(missing);
		pdf_close(d);
		return rc;
	}
	HPDF_SetPageMode(d->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
	if (o->title)
		HPDF_SetInfoAttr(d->pdf, HPDF_INFO_TITLE, clean_text(d, o->title, d->regular_def));
	if (o->subject)
		HPDF_SetInfoAttr(d->pdf, HPDF_INFO_SUBJECT, clean_text(d, o->subject, d->regular_def));
	if (o->author)
		HPDF_SetInfoAttr(d->pdf, HPDF_INFO_AUTHOR, clean_text(d, o->author, d->regular_def));
	if (o->keywords)
		HPDF_SetInfoAttr(d->pdf, HPDF_INFO_KEYWORDS, clean_text(d, o->keywords, d->regular_def));
	HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, "smsaudit " SMSAUDIT_VERSION);
	HPDF_SetInfoAttr(d->pdf, HPDF_INFO_PRODUCER, "smsaudit " SMSAUDIT_VERSION " with libharu");
	struct tm tm;
	time_t t = o->created;
	gmtime_r(&t, &tm);
	HPDF_Date date = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, '+', 0, 0 };
	HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_CREATION_DATE, date);
	HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_MOD_DATE, date);
	*out = d;
	return 0;
}

void pdf_close(pdf_doc *d)
{
	if (!d)
		return;
	if (d->pdf)
		HPDF_Free(d->pdf);
	for (size_t i = 0; i < d->ntoc; i++)
		free(d->toc[i].title);
	for (size_t i = 0; i < MAX_COLS; i++)
		free(d->headers[i]);
	free(d->toc);
	free(d->header);
	free(d->footer);
	for (size_t i = 0; i < d->nanchors; i++)
		free(d->anchors[i].name);
	free(d->anchors);
	for (size_t i = 0; i < d->nlinks; i++)
		free(d->links[i].target);
	free(d->links);
	smsaudit_buf_dispose(&d->scratch);
	free(d);
}

void pdf_anchor(pdf_doc *d, const char *name)
{
	if (!d->page)
		pdf_new_page(d);
	if (d->nanchors == d->canchors) {
		size_t cap = d->canchors ? d->canchors * 2 : 64;
		anchor *a = realloc(d->anchors, cap * sizeof(*a));
		if (!a)
			return;
		d->anchors = a;
		d->canchors = cap;
	}
	HPDF_Destination dst = HPDF_Page_CreateDestination(d->page);
	char *n = strdup(name);
	if (!dst || !n) {
		free(n);
		return;
	}
	HPDF_Destination_SetFitH(dst, (HPDF_REAL)(d->y + 20));
	d->anchors[d->nanchors].name = n;
	d->anchors[d->nanchors++].dst = dst;
}

/* A link over `rect` of the current page: "#name" to an anchor (resolved at
 * save, so it may come later), anything else a relative URI (a file of the pack). */
static void add_link(pdf_doc *d, HPDF_Rect rect, const char *target)
{
	if (target[0] != '#') {
		HPDF_Annotation an = HPDF_Page_CreateURILinkAnnot(d->page, rect, target);
		if (an)
			HPDF_LinkAnnot_SetBorderStyle(an, 0, 0, 0);
		return;
	}
	if (d->nlinks == d->clinks) {
		size_t cap = d->clinks ? d->clinks * 2 : 64;
		pending_link *l = realloc(d->links, cap * sizeof(*l));
		if (!l)
			return;
		d->links = l;
		d->clinks = cap;
	}
	char *t = strdup(target + 1);
	if (!t)
		return;
	d->links[d->nlinks].page = d->page;
	d->links[d->nlinks].rect = rect;
	d->links[d->nlinks++].target = t;
}

static void resolve_links(pdf_doc *d)
{
	for (size_t i = 0; i < d->nlinks; i++)
		for (size_t k = 0; k < d->nanchors; k++)
			if (strcmp(d->links[i].target, d->anchors[k].name) == 0) {
				HPDF_Annotation an = HPDF_Page_CreateLinkAnnot(d->links[i].page, d->links[i].rect, d->anchors[k].dst);
				if (an)
					HPDF_LinkAnnot_SetBorderStyle(an, 0, 0, 0);
				break;
			}
}

int pdf_page_count(const pdf_doc *d)
{
	return d->npages;
}

size_t pdf_replaced_count(const pdf_doc *d)
{
	return d->replaced;
}

/* ---------------------------------------------------------------- blocks */

/* Draw wrapped text in a column, starting new pages as needed. */
static void lines_out(pdf_doc *d, HPDF_Font f, double size, double x, double width, const char *text, double leading)
{
	const char *clean = clean_text(d, text, def_of(d, f));
	char *copy = strdup(clean);
	if (!copy)
		return;
	span *lines = NULL;
	size_t n = wrap(d, f, size, copy, width, &lines);
	for (size_t i = 0; i < n; i++) {
		if (d->y - leading < BOTTOM)
			pdf_new_page(d);
		d->y -= leading;
		draw_text(d, f, size, x, d->y + (leading - size) * 0.5 + 1, lines[i].p, lines[i].len);
	}
	free(lines);
	free(copy);
}

void pdf_para(pdf_doc *d, pdf_style style, const char *text)
{
	double size;
	HPDF_Font f = font_of(d, style, &size);
	if (!d->page)
		pdf_new_page(d);
	if (style == PDF_MUTED)
		set_fill(d, 0.4, 0.4, 0.4);
	/* Paragraph breaks are the caller's '\n'. */
	const char *s = text ? text : "";
	do {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = strndup(s, len);
		if (line)
			lines_out(d, f, size, MARGIN_L, TEXT_W, line, size * 1.35);
		free(line);
		s = nl ? nl + 1 : NULL;
	} while (s);
	set_fill(d, 0, 0, 0);
	d->y -= size * 0.4;
}

void pdf_code(pdf_doc *d, const char *line)
{
	double size;
	HPDF_Font f = font_of(d, PDF_MONO, &size);
	if (!d->page)
		pdf_new_page(d);
	const char *t = clean_text(d, line ? line : "", d->mono_def);
	/* One line whatever its length: smaller rather than wrapped inside a command. */
	double w = width_of(d, f, size, t, strlen(t));
	if (w > TEXT_W && w > 0)
		size = size * TEXT_W / w * 0.98;
	double leading = 7.5 * 1.35;
	if (d->y - leading < BOTTOM)
		pdf_new_page(d);
	d->y -= leading;
	draw_text(d, f, size, MARGIN_L, d->y + 1, t, strlen(t));
}

void pdf_paraf(pdf_doc *d, pdf_style style, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pdf_para(d, style, buf);
}

void pdf_field(pdf_doc *d, const char *label, const char *value)
{
	static const double w[] = { 0.28, 0.72 };
	/* A borderless two-column row. */
	double size = 9, leading = size * 1.35;
	if (!d->page)
		pdf_new_page(d);
	char *l = strdup(clean_text(d, label, d->regular_def));
	span *ll = NULL;
	size_t nl = l ? wrap(d, d->bold, size, l, TEXT_W * w[0] - 6, &ll) : 0;
	char *v = strdup(clean_text(d, value && *value ? value : "—", d->regular_def));
	span *vl = NULL;
	size_t nv = v ? wrap(d, d->regular, size, v, TEXT_W * w[1], &vl) : 0;
	size_t n = nl > nv ? nl : nv;
	for (size_t i = 0; i < n; i++) {
		if (d->y - leading < BOTTOM)
			pdf_new_page(d);
		d->y -= leading;
		double base = d->y + (leading - size) * 0.5 + 1;
		if (i < nl)
			draw_text(d, d->bold, size, MARGIN_L, base, ll[i].p, ll[i].len);
		if (i < nv)
			draw_text(d, d->regular, size, MARGIN_L + TEXT_W * w[0], base, vl[i].p, vl[i].len);
	}
	free(ll);
	free(vl);
	free(l);
	free(v);
	d->y -= 2;
}

void pdf_part_end(pdf_doc *d)
{
	memset(d->outline, 0, sizeof(d->outline));
}

void pdf_heading(pdf_doc *d, int level, const char *text)
{
	double size = level == 0 ? 22 : level == 1 ? 15 : level == 2 ? 11.5 : 10;
	if (level <= 1)
		pdf_new_page(d);
	else
		pdf_need(d, size * 4);
	if (level == 0)
		d->y = TOP - 180; /* a part's title stands alone, a third down its page */
	if (d->y < TOP)
		d->y -= size * 0.6;
	/* Bookmark to this spot. */
	const char *clean = clean_text(d, text, d->regular_def);
	int lv = level < 0 ? 0 : level > 3 ? 3 : level;
	/* Under the nearest heading above it (a clause heading straight under its
	 * section, with no level 2 between, nests there; a section under its
	 * part); NULL: the root outline. */
	HPDF_Outline parent = NULL;
	for (int up = lv - 1; up >= 0 && !parent; up--)
		parent = d->outline[up];
	HPDF_Outline o = HPDF_CreateOutline(d->pdf, parent, clean, d->utf8);
	if (o) {
		HPDF_Destination dst = HPDF_Page_CreateDestination(d->page);
		HPDF_Destination_SetFitH(dst, (HPDF_REAL)(d->y + 14));
		HPDF_Outline_SetDestination(o, dst);
		HPDF_Outline_SetOpened(o, lv <= 1 ? HPDF_TRUE : HPDF_FALSE);
		d->outline[lv] = o;
		for (int below = lv + 1; below < 4; below++)
			d->outline[below] = NULL;
	}
	if (level <= 2) {
		if (d->ntoc == d->captoc) {
			size_t cap = d->captoc ? d->captoc * 2 : 32;
			toc_entry *t = realloc(d->toc, cap * sizeof(*t));
			if (t) {
				d->toc = t;
				d->captoc = cap;
			}
		}
		if (d->ntoc < d->captoc) {
			d->toc[d->ntoc].level = level;
			d->toc[d->ntoc].title = strdup(clean);
			d->toc[d->ntoc++].page = d->npages;
		}
	}
	set_fill(d, 0.08, 0.2, 0.4);
	lines_out(d, d->bold, size, MARGIN_L, TEXT_W, text, size * 1.3);
	set_fill(d, 0, 0, 0);
	if (level <= 1) {
		HPDF_Page_SetLineWidth(d->page, 0.8);
		HPDF_Page_SetRGBStroke(d->page, 0.08, 0.2, 0.4);
		HPDF_Page_MoveTo(d->page, MARGIN_L, d->y - 3);
		HPDF_Page_LineTo(d->page, PAGE_W - MARGIN_R, d->y - 3);
		HPDF_Page_Stroke(d->page);
	}
	d->y -= size * 0.7;
}

size_t pdf_toc_count(const pdf_doc *d)
{
	return d->ntoc;
}

void pdf_toc_at(const pdf_doc *d, size_t i, int *level, const char **title, int *page)
{
	*level = d->toc[i].level;
	*title = d->toc[i].title ? d->toc[i].title : "";
	*page = d->toc[i].page;
}

void pdf_contents_line(pdf_doc *d, int level, const char *title, int page)
{
	double size = level == 0 ? 10.5 : level == 1 ? 9.5 : 8.5, leading = size * (level == 0 ? 2.0 : 1.5);
	HPDF_Font f = level <= 1 ? d->bold : d->regular;
	double indent = level <= 1 ? 0 : 14;
	char num[16];
	if (page > 0)
		snprintf(num, sizeof(num), "%d", page);
	else
		snprintf(num, sizeof(num), "?");
	pdf_need(d, leading);
	d->y -= leading;
	double nw = width_of(d, f, size, num, strlen(num));
	const char *clean = clean_text(d, title, d->regular_def);
	double avail = TEXT_W - indent - nw - 20;
	size_t n = fit(d, f, size, clean, strlen(clean), avail);
	draw_text(d, f, size, MARGIN_L + indent, d->y, clean, n);
	double tw = width_of(d, f, size, clean, n);
	/* dot leader */
	set_fill(d, 0.55, 0.55, 0.55);
	char dots[256];
	double dw = width_of(d, d->regular, size, ".", 1);
	size_t nd = (size_t)((TEXT_W - indent - tw - nw - 8) / dw);
	if (nd > sizeof(dots) - 1)
		nd = sizeof(dots) - 1;
	memset(dots, '.', nd);
	draw_text(d, d->regular, size, MARGIN_L + indent + tw + 4, d->y, dots, nd);
	set_fill(d, 0, 0, 0);
	draw_text(d, f, size, PAGE_W - MARGIN_R - nw, d->y, num, strlen(num));
}

/* ---------------------------------------------------------------- tables */

#define T_SIZE 7.2
#define T_LEAD (T_SIZE * 1.3)
#define T_MIN 4.5   /* the smallest a cell or header is set in to keep its words whole */

static void table_header(pdf_doc *d)
{
	double h = T_LEAD + 2 * CELL_PAD;
	pdf_need(d, h + T_LEAD * 2);
	set_fill(d, 0.85, 0.89, 0.95);
	HPDF_Page_Rectangle(d->page, MARGIN_L, (HPDF_REAL)(d->y - h), TEXT_W, (HPDF_REAL)h);
	HPDF_Page_Fill(d->page);
	set_fill(d, 0, 0, 0);
	double x = MARGIN_L;
	for (size_t c = 0; c < d->ncols; c++) {
		double w = d->widths[c] * TEXT_W;
		const char *t = clean_text(d, d->headers[c], d->regular_def);
		/* A header is one line: smaller rather than cut ("Evidenc"). */
		double size = T_SIZE, tw = width_of(d, d->bold, T_SIZE, t, strlen(t));
		if (tw > w - 2 * CELL_PAD && tw > 0)
			size = T_SIZE * (w - 2 * CELL_PAD) / tw * 0.97;
		if (size < T_MIN)
			size = T_MIN;
		size_t n = fit(d, d->bold, size, t, strlen(t), w - 2 * CELL_PAD);
		draw_text(d, d->bold, size, x + CELL_PAD, d->y - CELL_PAD - T_SIZE, t, n);
		x += w;
	}
	d->y -= h;
}

void pdf_table_begin(pdf_doc *d, size_t ncols, const char *const *headers, const double *widths)
{
	if (ncols > MAX_COLS)
		ncols = MAX_COLS;
	d->ncols = ncols;
	for (size_t c = 0; c < MAX_COLS; c++) {
		free(d->headers[c]);
		d->headers[c] = c < ncols ? strdup(headers[c] ? headers[c] : "") : NULL;
		d->widths[c] = c < ncols ? widths[c] : 0;
	}
	if (!d->page)
		pdf_new_page(d);
	table_header(d);
}

static void row_rule(pdf_doc *d)
{
	HPDF_Page_SetLineWidth(d->page, 0.3);
	HPDF_Page_SetRGBStroke(d->page, 0.75, 0.75, 0.75);
	HPDF_Page_MoveTo(d->page, MARGIN_L, (HPDF_REAL)d->y);
	HPDF_Page_LineTo(d->page, PAGE_W - MARGIN_R, (HPDF_REAL)d->y);
	HPDF_Page_Stroke(d->page);
}

/*
 * The size a cell's text is set in: the table's, or smaller until its widest
 * word fits the column (down to T_MIN), so that cells wrap between words and
 * an id, a number or a date is never split. A word too wide even then is
 * broken, as a last resort.
 */
static double cell_size(pdf_doc *d, HPDF_Font f, double size, const char *s, double width)
{
	double widest = 0;
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n) {
			double w = width_of(d, f, size, s, n);
			if (w > widest)
				widest = w;
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	if (widest <= width || widest <= 0)
		return size;
	double fitted = size * width / widest * 0.97;
	return fitted < T_MIN ? T_MIN : fitted;
}

/* Lays a row out; returns its lines of text (the tallest cell's). */
static size_t row_out(pdf_doc *d, const char *const *cells, size_t marked_col, const pdf_rgb *colour)
{
	char *text[MAX_COLS] = { 0 };
	span *lines[MAX_COLS] = { 0 };
	size_t nlines[MAX_COLS] = { 0 }, done[MAX_COLS] = { 0 }, most = 0;
	double sizes[MAX_COLS];
	for (size_t c = 0; c < d->ncols; c++) {
		double w = d->widths[c] * TEXT_W - 2 * CELL_PAD;
		text[c] = strdup(clean_text(d, cells[c] ? cells[c] : "", d->regular_def));
		sizes[c] = text[c] ? cell_size(d, d->regular, T_SIZE, text[c], w) : T_SIZE;
		if (text[c])
			nlines[c] = wrap(d, d->regular, sizes[c], text[c], w, &lines[c]);
		if (nlines[c] > most)
			most = nlines[c];
	}
	/* Whole rows move to the next page when they fit on one; taller rows split. */
	double need = most * T_LEAD + 2 * CELL_PAD;
	if (d->y - need < BOTTOM && need < TOP - BOTTOM - 40) {
		pdf_new_page(d);
		table_header(d);
	}
	size_t left = most;
	while (left > 0) {
		size_t fits = (size_t)((d->y - BOTTOM - 2 * CELL_PAD) / T_LEAD);
		if (fits == 0) {
			pdf_new_page(d);
			table_header(d);
			continue;
		}
		size_t take = left < fits ? left : fits;
		double x = MARGIN_L;
		for (size_t c = 0; c < d->ncols; c++) {
			if (c == marked_col && colour)
				set_fill(d, colour->r, colour->g, colour->b);
			for (size_t i = 0; i < take && done[c] < nlines[c]; i++, done[c]++) {
				double base = d->y - CELL_PAD - T_SIZE - i * T_LEAD;
				draw_text(d, d->regular, sizes[c], x + CELL_PAD, base, lines[c][done[c]].p, lines[c][done[c]].len);
			}
			if (c == marked_col && colour)
				set_fill(d, 0, 0, 0);
			x += d->widths[c] * TEXT_W;
		}
		d->y -= take * T_LEAD + 2 * CELL_PAD;
		row_rule(d);
		left -= take;
		if (left > 0) {
			pdf_new_page(d);
			table_header(d);
		}
	}
	for (size_t c = 0; c < d->ncols; c++) {
		free(lines[c]);
		free(text[c]);
	}
	return most;
}

void pdf_table_row_marked(pdf_doc *d, const char *const *cells, size_t marked_col, const pdf_rgb *colour)
{
	row_out(d, cells, marked_col, colour);
}

void pdf_table_row(pdf_doc *d, const char *const *cells)
{
	pdf_table_row_marked(d, cells, 0, NULL);
}

void pdf_table_row_linked(pdf_doc *d, const char *const *cells, const char *const *links)
{
	/* Lay the row out as usual, then lay links over its cells where the row
	 * ended up (rows that fit move to the next page whole: see above). */
	size_t most = row_out(d, cells, 0, NULL);
	if (!d->page)
		return;
	/* A row taller than a page was split: the link covers its last part. */
	double bottom = d->y, top = d->y + 2 * CELL_PAD + (double)most * T_LEAD;
	if (top > TOP)
		top = TOP;
	double x = MARGIN_L;
	for (size_t c = 0; c < d->ncols; c++) {
		double w = d->widths[c] * TEXT_W;
		if (links[c] && *links[c]) {
			HPDF_Rect r = { (HPDF_REAL)x, (HPDF_REAL)bottom, (HPDF_REAL)(x + w), (HPDF_REAL)top };
			add_link(d, r, links[c]);
		}
		x += w;
	}
}

void pdf_table_end(pdf_doc *d)
{
	d->ncols = 0;
	d->y -= 8;
}

/* ---------------------------------------------------------------- charts */

void pdf_bar(pdf_doc *d, const char *label, const double *parts, const pdf_rgb *colours, size_t nparts,
             const char *caption)
{
	double h = 11, label_w = 150, cap_w = 110, bar_w = TEXT_W - label_w - cap_w;
	pdf_need(d, h + 6);
	d->y -= h + 4;
	const char *l = clean_text(d, label, d->regular_def);
	draw_text(d, d->regular, 8, MARGIN_L, d->y + 2.5, l, fit(d, d->regular, 8, l, strlen(l), label_w - 6));
	double x = MARGIN_L + label_w;
	HPDF_Page_SetRGBFill(d->page, 0.93, 0.93, 0.93);
	HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)d->y, (HPDF_REAL)bar_w, (HPDF_REAL)h);
	HPDF_Page_Fill(d->page);
	for (size_t i = 0; i < nparts; i++) {
		double w = parts[i] < 0 ? 0 : parts[i] > 1 ? bar_w : parts[i] * bar_w;
		if (w <= 0)
			continue;
		set_fill(d, colours[i].r, colours[i].g, colours[i].b);
		HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)d->y, (HPDF_REAL)w, (HPDF_REAL)h);
		HPDF_Page_Fill(d->page);
		x += w;
	}
	set_fill(d, 0, 0, 0);
	const char *c = clean_text(d, caption, d->regular_def);
	draw_text(d, d->regular, 7.5, MARGIN_L + label_w + bar_w + 6, d->y + 2.5, c,
	          fit(d, d->regular, 7.5, c, strlen(c), cap_w - 6));
}

/* ---------------------------------------------------------------- output */

int pdf_save(pdf_doc *d, smsaudit_buf *out)
{
	resolve_links(d);
	if (!d->error && HPDF_SaveToStream(d->pdf) == HPDF_OK) {
		HPDF_UINT32 size = HPDF_GetStreamSize(d->pdf);
		if (buf_grow(out, size + 1) < 0)
			return error_oom();
		HPDF_ResetStream(d->pdf);
		while (size > 0 && !d->error) {
			HPDF_UINT32 n = size;
			HPDF_STATUS s = HPDF_ReadFromStream(d->pdf, (HPDF_BYTE *)out->ptr + out->size, &n);
			out->size += n;
			size -= n;
			if (s == HPDF_STREAM_EOF || n == 0)
				break;
		}
	}
	if (d->error)
		return error_set(SMSAUDIT_EIO, "the PDF library failed (libharu error 0x%04X)", (unsigned)d->error);
	return 0;
}
