/*
 * A small page-layout layer over libharu for the audit pack report: A4
 * pages, embedded DejaVu fonts (UTF-8), headings that become bookmarks and
 * contents entries, wrapped paragraphs, tables that break across pages with
 * their header repeated, and a footer on every page.
 *
 * The report is laid out twice: the first pass learns the page of every
 * heading and the page count, the second draws the contents and the
 * "page X of Y" footers with them. Nothing here reads the clock.
 */
#ifndef SMSAUDIT_PDF_H
#define SMSAUDIT_PDF_H

#include <stddef.h>
#include <time.h>

#include "internal.h"

typedef struct pdf_doc pdf_doc;

typedef struct {
	const char *title;
	const char *subject;
	const char *author;
	const char *keywords;
	time_t created;           /* written as CreationDate and ModDate */
	const char *header;       /* top of every page but the first */
	const char *footer_left;  /* "PACK-... · SHA256SUMS 1a2b..." */
	int total_pages;          /* from the first pass; 0: unknown yet */
	const char *font_dir;     /* NULL: SMSAUDIT_FONT_DIR or the Debian path */
	const char *stamp;        /* NULL, or drawn large on every page ("DRAFT — NOT SEALED") */
} pdf_options;

typedef enum { PDF_REGULAR, PDF_BOLD, PDF_MONO, PDF_SMALL, PDF_TITLE, PDF_MUTED } pdf_style;

typedef struct {
	double r, g, b;
} pdf_rgb;

int pdf_open(pdf_doc **out, const pdf_options *o);
void pdf_close(pdf_doc *d);

/* Pages so far; the current page number (1-based). */
int pdf_page_count(const pdf_doc *d);
/* Code points the fonts have no glyph for, shown as [U+XXXX]. */
size_t pdf_replaced_count(const pdf_doc *d);

void pdf_new_page(pdf_doc *d);
/* Level 0 is a part's title, alone on a new page; level 1 starts a new page.
 * Every heading is a bookmark under the nearest one above it (sections under
 * their part, clauses under their section); levels 0 to 2 are contents entries. */
void pdf_heading(pdf_doc *d, int level, const char *text);
/* What follows belongs to no part: its bookmarks go back to the top level. */
void pdf_part_end(pdf_doc *d);
void pdf_para(pdf_doc *d, pdf_style style, const char *text);
/* One line of a command in the monospaced font, never wrapped: set smaller when it is too long. */
void pdf_code(pdf_doc *d, const char *line);
void pdf_paraf(pdf_doc *d, pdf_style style, const char *fmt, ...) SMSAUDIT_PRINTF(3, 4);
/* A label and a wrapped value in two columns. */
void pdf_field(pdf_doc *d, const char *label, const char *value);
void pdf_space(pdf_doc *d, double points);
/* Ensure `points` of height remain on the page, else start a new one. */
void pdf_need(pdf_doc *d, double points);

/* Widths are fractions of the text width; they should add up to 1. */
void pdf_table_begin(pdf_doc *d, size_t ncols, const char *const *headers, const double *widths);
void pdf_table_row(pdf_doc *d, const char *const *cells);
/* A row whose first cell is drawn in `colour` (status cells). */
void pdf_table_row_marked(pdf_doc *d, const char *const *cells, size_t marked_col, const pdf_rgb *colour);
void pdf_table_end(pdf_doc *d);
/* A row whose cells link: links[c] NULL for none, "#name" to a pdf_anchor (which
 * may come later in the document), else a relative URI such as a file of the pack.
 * The link covers the whole cell. */
void pdf_table_row_linked(pdf_doc *d, const char *const *cells, const char *const *links);
/* A place links can point to ("#name"), at the current position. */
void pdf_anchor(pdf_doc *d, const char *name);

/* A horizontal stacked bar: segments are fractions 0..1 in the given colours. */
void pdf_bar(pdf_doc *d, const char *label, const double *parts, const pdf_rgb *colours, size_t nparts,
             const char *caption);

/* One line in the contents: title and page, dots between. */
void pdf_contents_line(pdf_doc *d, int level, const char *title, int page);

/* Headings seen so far (for the contents of the next pass). */
size_t pdf_toc_count(const pdf_doc *d);
void pdf_toc_at(const pdf_doc *d, size_t i, int *level, const char **title, int *page);

/* Render into memory; a libharu failure is SMSAUDIT_EIO with its code. */
int pdf_save(pdf_doc *d, smsaudit_buf *out);

#endif
