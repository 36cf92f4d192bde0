// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "table.h"
#include "utf8.h"
#include "util.h"

#define GAP 1

void table_begin(struct table *t, const struct table_col *cols, int ncols, const char *fmt, ...)
{
	va_list ap;

	t->cols = cols;
	t->ncols = ncols;
	t->nrows = 0;
	t->text_len = 0;
	t->note[0] = '\0';
	t->title[0] = '\0';
	if (!t->text) {
		t->text_cap = 4096;
		t->text = xmalloc(t->text_cap);
	}
	/* Offset 0 is the empty string every unset cell points at. */
	t->text[t->text_len++] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(t->title, sizeof(t->title), fmt, ap);
		va_end(ap);
	}
}

int table_row(struct table *t, enum row_attr attr, int64_t key, int64_t key2)
{
	struct table_row *r;
	int need = (t->nrows + 1) * t->ncols;

	t->rows = xgrow(t->rows, &t->rows_cap, t->nrows + 1, sizeof(*t->rows));
	t->cells = xgrow(t->cells, &t->cells_cap, need, sizeof(*t->cells));
	r = &t->rows[t->nrows];
	r->cell0 = (uint32_t)(t->nrows * t->ncols);
	r->attr = attr;
	r->key = key;
	r->key2 = key2;
	memset(&t->cells[r->cell0], 0, (size_t)t->ncols * sizeof(*t->cells));
	return t->nrows++;
}

/* Returns the offset of len + 1 fresh bytes in the table's text. */
static uint32_t text_alloc(struct table *t, size_t len)
{
	uint32_t off;

	while (t->text_len + len + 1 > t->text_cap) {
		t->text_cap *= 2;
		t->text = xrealloc(t->text, t->text_cap);
	}
	off = t->text_len;
	t->text_len += (uint32_t)len + 1;
	return off;
}

static void set_cell(struct table *t, int col, const char *s, size_t len)
{
	uint32_t off;

	if (!t->nrows || col < 0 || col >= t->ncols)
		return;
	off = text_alloc(t, len);
	memcpy(t->text + off, s, len);
	t->text[off + len] = '\0';
	t->cells[t->rows[t->nrows - 1].cell0 + col] = off;
}

void table_set(struct table *t, int col, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	set_cell(t, col, buf, MIN((size_t)n, sizeof(buf) - 1));
}

void table_set_raw(struct table *t, int col, const char *raw, int utf8)
{
	char buf[512];
	size_t n = escape_text(buf, sizeof(buf), raw, (size_t)-1, utf8);

	set_cell(t, col, buf, n);
}

void table_note(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
}

const char *table_cell(const struct table *t, int row, int col)
{
	if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols)
		return "";
	return t->text + t->cells[t->rows[row].cell0 + col];
}

void table_free(struct table *t)
{
	free(t->rows);
	free(t->cells);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

#define LAYOUT_COLS_MAX 64

/* Returns the width of the shown columns (widths[i] > 0) with the gaps between them. */
static int shown_width(const struct table *t, const int *widths)
{
	int i, total = 0, n = 0;

	for (i = 0; i < t->ncols; i++)
		if (widths[i])
			total += widths[i] + (n++ ? GAP : 0);
	return total;
}

/*
 * Returns the total after dropping shown columns of prio >= from, highest first, until the
 * table fits width; appends each dropped column to order[*n].
 */
static int drop_columns(const struct table *t, int *widths, int width, int from, int *order,
			int *n)
{
	int i, worst, total = shown_width(t, widths);

	while (total > width) {
		worst = -1;
		for (i = 0; i < t->ncols; i++)
			if (widths[i] && t->cols[i].prio >= from &&
			    (worst < 0 || t->cols[i].prio >= t->cols[worst].prio))
				worst = i;
		if (worst < 0)
			break;
		widths[worst] = 0;
		order[(*n)++] = worst;
		total = shown_width(t, widths);
	}
	return total;
}

/* Returns the column that shrinks: the first shown left-aligned one with a min, or -1. */
static int flex_column(const struct table *t, const int *widths)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (widths[i] && t->cols[i].align == ALIGN_LEFT && t->cols[i].min > 0)
			return i;
	return -1;
}

/* Returns the total after cutting the flexible column down to minw (or less) to fit width. */
static int shrink_flex(const struct table *t, int *widths, int width, int mult)
{
	int total = shown_width(t, widths), f = flex_column(t, widths), cut;

	if (f < 0 || total <= width)
		return total;
	cut = MIN(total - width, widths[f] - mult * t->cols[f].min);
	if (cut > 0)
		widths[f] -= cut;
	return shown_width(t, widths);
}

int table_layout(const struct table *t, int width, int *widths)
{
	int natural[LAYOUT_COLS_MAX], order[LAYOUT_COLS_MAX], ndropped = 0;
	int total, i, r, f, room;

	for (i = 0; i < t->ncols; i++) {
		const struct table_col *c = &t->cols[i];
		int w = utf8_width(c->title);

		for (r = 0; r < t->nrows; r++)
			w = MAX(w, utf8_width(table_cell(t, r, i)));
		if (c->width && w > c->width)
			w = c->width;
		widths[i] = w;
		if (i < LAYOUT_COLS_MAX)
			natural[i] = w;
	}
	total = shown_width(t, widths);
	if (width <= 0 || t->ncols > LAYOUT_COLS_MAX)
		return total;
	/*
	 * Narrow screen: extra columns go first, then a long name gives up its tail down to
	 * twice its minimum, then the other columns go by priority, then the name shrinks to
	 * its minimum.
	 */
	drop_columns(t, widths, width, TABLE_PRIO_EXTRA, order, &ndropped);
	shrink_flex(t, widths, width, 2);
	drop_columns(t, widths, width, 1, order, &ndropped);
	total = shrink_flex(t, widths, width, 1);
	/* Room a drop left: the name's tail first, then columns back, the last dropped first. */
	f = flex_column(t, widths);
	if (f >= 0 && total < width && widths[f] < natural[f]) {
		widths[f] += MIN(width - total, natural[f] - widths[f]);
		total = shown_width(t, widths);
	}
	while (ndropped > 0) {
		i = order[ndropped - 1];
		room = width - total - GAP;
		if (natural[i] <= room)
			widths[i] = natural[i];
		else if (t->cols[i].align == ALIGN_LEFT && t->cols[i].min > 0 &&
			 room >= t->cols[i].min)
			widths[i] = room;
		else
			break;
		ndropped--;
		total = shown_width(t, widths);
	}
	return total;
}

void table_fit(char *buf, const char *text, int w, enum table_align align)
{
	int tw = utf8_width(text), pad, i;
	const char *p = text;
	char *o = buf;

	if (tw > w) {
		/* Cut at a code-point boundary; mark the cut with '~'. */
		int keep = w > 1 ? w - 1 : w, n = 0;

		while (*p && n < keep) {
			do
				*o++ = *p++;
			while (((unsigned char)*p & 0xc0) == 0x80);
			n++;
		}
		if (w > 1)
			*o++ = '~';
		*o = '\0';
		return;
	}
	pad = w - tw;
	if (align == ALIGN_RIGHT)
		for (i = 0; i < pad; i++)
			*o++ = ' ';
	while (*p)
		*o++ = *p++;
	if (align == ALIGN_LEFT)
		for (i = 0; i < pad; i++)
			*o++ = ' ';
	*o = '\0';
}

void table_print(FILE *f, const struct table *t)
{
	int widths[64], i, r, first;
	char buf[2048];

	if (t->ncols > (int)ARRAY_SIZE(widths))
		return;
	table_layout(t, 0, widths);
	if (t->title[0])
		fprintf(f, "%s\n", t->title);
	for (first = 1, i = 0; i < t->ncols; i++) {
		if (i == t->ncols - 1 && t->cols[i].align == ALIGN_LEFT)
			snprintf(buf, sizeof(buf), "%s", t->cols[i].title);
		else
			table_fit(buf, t->cols[i].title, widths[i], t->cols[i].align);
		fprintf(f, "%s%s", first ? "" : " ", buf);
		first = 0;
	}
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		int last = t->ncols - 1;

		for (first = 1, i = 0; i < t->ncols; i++) {
			const char *cell = table_cell(t, r, i);

			/* No trailing blanks: the last left-aligned cell is not padded. */
			if (i == last && t->cols[i].align == ALIGN_LEFT)
				snprintf(buf, sizeof(buf), "%s", cell);
			else
				table_fit(buf, cell, MIN(widths[i], (int)sizeof(buf) / 4 - 1),
					  t->cols[i].align);
			fprintf(f, "%s%s", first ? "" : " ", buf);
			first = 0;
		}
		fputc('\n', f);
	}
	if (t->note[0])
		fprintf(f, "%s\n", t->note);
}
