// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "table.h"
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

/* Returns the display width of UTF-8 text, counting each code point as one column. */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Returns the columns taken from *w to save up to excess, keeping at least minw. */
static int shrink(int *w, int excess, int minw)
{
	int cut = MIN(excess, *w - minw);

	if (cut <= 0)
		return 0;
	*w -= cut;
	return cut;
}

/* Returns the total after dropping columns of prio >= from, highest first, to fit width. */
static int drop_columns(const struct table *t, int *widths, int total, int width, int from)
{
	int i, worst;

	while (total > width) {
		worst = -1;
		for (i = 0; i < t->ncols; i++)
			if (widths[i] && t->cols[i].prio >= from &&
			    (worst < 0 || t->cols[i].prio >= t->cols[worst].prio))
				worst = i;
		if (worst < 0)
			break;
		total -= widths[worst] + GAP;
		widths[worst] = 0;
	}
	return total;
}

int table_layout(const struct table *t, int width, int *widths)
{
	int total = 0, i, r, used = 0, flex = -1, natural;

	for (i = 0; i < t->ncols; i++) {
		const struct table_col *c = &t->cols[i];
		int w = text_width(c->title);

		for (r = 0; r < t->nrows; r++)
			w = MAX(w, text_width(table_cell(t, r, i)));
		if (c->width && w > c->width)
			w = c->width;
		widths[i] = w;
		total += w + (used++ ? GAP : 0);
		if (flex < 0 && c->align == ALIGN_LEFT)
			flex = i;
	}
	if (width <= 0)
		return total;
	/*
	 * Narrow screen: extra columns go first, then a long name gives up its tail down to
	 * twice its minimum, then the other columns go by priority, then the name shrinks to
	 * its minimum. Room left after a drop goes back to the name.
	 */
	natural = flex >= 0 ? widths[flex] : 0;
	total = drop_columns(t, widths, total, width, TABLE_PRIO_EXTRA);
	if (flex >= 0)
		total -= shrink(&widths[flex], total - width, 2 * MAX(t->cols[flex].min, 1));
	total = drop_columns(t, widths, total, width, 1);
	if (flex >= 0) {
		total -= shrink(&widths[flex], total - width, MAX(t->cols[flex].min, 1));
		if (total < width && widths[flex] < natural) {
			int back = MIN(width - total, natural - widths[flex]);

			widths[flex] += back;
			total += back;
		}
	}
	return total;
}

void table_fit(char *buf, const char *text, int w, enum table_align align)
{
	int tw = text_width(text), pad, i;
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
