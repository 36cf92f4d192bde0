// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "obuf.h"
#include "fmt.h"
#include "table.h"
#include "utf8.h"
#include "util.h"

#define GAP 1

bool table_ref_same(const struct table_ref *a, const struct table_ref *b)
{
	return a->kind == b->kind && a->hot == b->hot && a->thread == b->thread &&
	       a->other == b->other && a->pid == b->pid && a->tid == b->tid && a->id == b->id;
}

void table_begin(struct table *t, const struct table_spec *spec, unsigned int hide,
		 const char *fmt, ...)
{
	va_list ap;

	t->spec = spec;
	t->cols = spec->cols;
	t->ncols = MIN(spec->ncols, TABLE_COLS_MAX);
	t->nkeys = MAX(MIN(spec->nkeys, TABLE_COLS_MAX), t->ncols);
	t->hide = hide;
	t->nrows = 0;
	t->text_len = 0;
	t->note[0] = '\0';
	t->title[0] = '\0';
	memset(t->widest, 0, sizeof(t->widest));
	if (!t->text) {
		t->text_cap = 4096;
		t->text = xmalloc(t->text_cap);
	}
	/* Offset 0 is the empty string every unset cell points at. */
	t->text[t->text_len++] = '\0';
	va_start(ap, fmt);
	vsnprintf(t->title, sizeof(t->title), fmt, ap);
	va_end(ap);
}

void table_retitle(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->title, sizeof(t->title), fmt, ap);
	va_end(ap);
}

int table_row(struct table *t, enum row_attr attr, unsigned int flags, const struct table_ref *ref)
{
	struct table_row *r;
	int need = (t->nrows + 1) * t->nkeys;

	t->rows = xgrow(t->rows, &t->rows_cap, t->nrows + 1, sizeof(*t->rows));
	t->cells = xgrow(t->cells, &t->cells_cap, need, sizeof(*t->cells));
	r = &t->rows[t->nrows];
	r->cell0 = (uint32_t)(t->nrows * t->nkeys);
	r->attr = (uint8_t)attr;
	r->flags = (uint8_t)flags;
	if (ref)
		r->ref = *ref;
	else
		memset(&r->ref, 0, sizeof(r->ref));
	memset(&t->cells[r->cell0], 0, (size_t)t->nkeys * sizeof(*t->cells));
	return t->nrows++;
}

/* Returns key (a column or a hidden key) of the last row, or NULL. */
static struct table_cell *last_cell(struct table *t, int key)
{
	if (!t->nrows || key < 0 || key >= t->nkeys)
		return NULL;
	return &t->cells[t->rows[t->nrows - 1].cell0 + (uint32_t)key];
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

/* Returns the offset of a copy of s (len bytes) in the table's text. */
static uint32_t text_copy(struct table *t, const char *s, size_t len)
{
	uint32_t off = text_alloc(t, len);

	memcpy(t->text + off, s, len);
	t->text[off + len] = '\0';
	return off;
}

/*
 * Makes s (len bytes) the text of a shown cell of the last row; ascii: s is known to be
 * ASCII (numbers), so its width is its length. A cell is set once.
 */
static void set_text_w(struct table *t, int col, const char *s, size_t len, bool ascii, int known)
{
	struct table_cell *c = col < t->ncols ? last_cell(t, col) : NULL;
	size_t i;
	int w = 0;

	if (!c || (t->cols[col].flags & t->hide))
		return;
	len = MIN(len, TABLE_CELL_MAX - 1);
	/* Columns are code points: continuation bytes add none. */
	if (known >= 0)
		w = known;
	else if (ascii)
		w = (int)len;
	else
		for (i = 0; i < len; i++)
			w += ((unsigned char)s[i] & 0xc0) != 0x80;
	c->text = text_copy(t, s, len);
	c->width = (uint16_t)MIN(w, UINT16_MAX);
	if (c->width > t->widest[col])
		t->widest[col] = c->width;
}

static void set_text(struct table *t, int col, const char *s, size_t len, bool ascii)
{
	set_text_w(t, col, s, len, ascii, -1);
}

void table_spark(struct table *t, int col, const signed char *level, int n, bool utf8)
{
	char buf[TABLE_CELL_MAX];
	int i;

	n = MIN(n, (int)sizeof(buf) - 2);
	/* A mark for the character set, then a byte a slot: '0' + level, ' ' for none. */
	buf[0] = utf8 ? 'U' : 'A';
	for (i = 0; i < n; i++)
		buf[i + 1] = level[i] < 0 ? ' ' : (char)('0' + MIN(level[i], 7));
	set_text_w(t, col, buf, (size_t)n + 1, true, n);
}

void table_put(struct table *t, int col, const char *text)
{
	set_text(t, col, text, strlen(text), false);
}

void table_set(struct table *t, int col, const char *fmt, ...)
{
	char buf[TABLE_CELL_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	set_text(t, col, buf, MIN((size_t)n, sizeof(buf) - 1), false);
}

void table_set_raw(struct table *t, int col, const char *raw, bool utf8)
{
	char buf[TABLE_CELL_MAX];
	size_t n = escape_text(buf, sizeof(buf), raw, (size_t)-1, utf8);

	set_text(t, col, buf, n, false);
}

void table_key_num(struct table *t, int key, double v)
{
	struct table_cell *c = last_cell(t, key);

	if (c) {
		c->key_type = TABLE_KEY_NUM;
		c->key.num = v;
	}
}

void table_key_id(struct table *t, int key, uint64_t v)
{
	struct table_cell *c = last_cell(t, key);

	if (c) {
		c->key_type = TABLE_KEY_ID;
		c->key.id = v;
	}
}

void table_key_text(struct table *t, int key, const char *s)
{
	struct table_cell *c = last_cell(t, key);

	if (c) {
		c->key_type = TABLE_KEY_TEXT;
		c->key.text = text_copy(t, s, strlen(s));
	}
}

/* Sets a cell to a number fmt.h wrote (ASCII) and its key to the number. */
static void set_number(struct table *t, int col, const char *text, double v)
{
	set_text(t, col, text, strlen(text), true);
	table_key_num(t, col, v);
}

void table_si(struct table *t, int col, double v)
{
	char b[FMT_MAX];

	set_number(t, col, fmt_si(b, v), v);
}

void table_pct(struct table *t, int col, double v)
{
	char b[FMT_MAX];

	set_number(t, col, fmt_pct(b, v), v);
}

void table_ns(struct table *t, int col, double ns)
{
	char b[FMT_MAX];

	set_number(t, col, fmt_ns(b, ns), ns);
}

void table_mark(struct table *t, int col, bool est)
{
	char buf[TABLE_CELL_MAX];

	if (!est || t->nrows < 1)
		return;
	snprintf(buf, sizeof(buf), "~%s", table_cell(t, t->nrows - 1, col));
	set_text(t, col, buf, strlen(buf), false);
}

void table_note(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
}

int table_sort_col(const struct table_spec *spec, int col)
{
	if (spec->sort < 0)
		return -1;
	return col >= 0 && col < spec->ncols ? col : spec->sort;
}

/* How rows compare: the table, its sort column and direction. */
struct sort_by {
	const struct table *t;
	int col;
	bool reverse;
};

/* Returns how two keys order: numbers biggest first, ids smallest first, texts by strcmp. */
static int key_cmp(const struct table *t, const struct table_cell *a, const struct table_cell *b)
{
	if (a->key_type != b->key_type)
		return a->key_type < b->key_type ? -1 : 1;
	switch (a->key_type) {
	case TABLE_KEY_NUM:
		return a->key.num > b->key.num ? -1 : a->key.num < b->key.num;
	case TABLE_KEY_ID:
		return a->key.id < b->key.id ? -1 : a->key.id > b->key.id;
	case TABLE_KEY_TEXT:
		return strcmp(t->text + a->key.text, t->text + b->key.text);
	default:
		return 0;
	}
}

/* Returns a row's place among the pinned: 0 for most, then "other" buckets, then gone VMs'. */
static int pinned(const struct table_row *r)
{
	return (r->flags & TABLE_ROW_GONE ? 2 : 0) + (r->ref.other ? 1 : 0);
}

static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct table_row *a = pa, *b = pb;
	const struct sort_by *by = arg;
	const struct table *t = by->t;
	const struct table_cell *ca = &t->cells[a->cell0], *cb = &t->cells[b->cell0];
	const struct table_tie *tie = t->spec->ties;
	bool number = ca[by->col].key_type == TABLE_KEY_NUM;
	int c = pinned(a) - pinned(b);

	if (c)
		return c;
	c = key_cmp(t, &ca[by->col], &cb[by->col]);
	for (; !c && tie && tie->key >= 0; tie++)
		if (tie->key < t->nkeys && (number || !tie->after_number))
			c = key_cmp(t, &ca[tie->key], &cb[tie->key]);
	if (by->reverse)
		c = -c;
	/* Stable: rows still equal keep the order the pane added them in. */
	return c ? c : a->cell0 < b->cell0 ? -1 : a->cell0 > b->cell0;
}

void table_sort(struct table *t, int col, bool reverse)
{
	struct sort_by by = { .t = t, .col = table_sort_col(t->spec, col), .reverse = reverse };

	if (by.col < 0 || t->nrows < 2)
		return;
	qsort_r(t->rows, (size_t)t->nrows, sizeof(*t->rows), row_cmp, &by);
}

const char *table_cell(const struct table *t, int row, int col)
{
	if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols)
		return "";
	return t->text + t->cells[t->rows[row].cell0 + (uint32_t)col].text;
}

const char *table_col_title(const struct table *t, int col)
{
	if (col < 0 || col >= t->ncols || (t->cols[col].flags & t->hide))
		return "";
	return t->cols[col].title;
}

void table_free(struct table *t)
{
	free(t->rows);
	free(t->cells);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

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
	int natural[TABLE_COLS_MAX], order[TABLE_COLS_MAX], ndropped = 0;
	int total, i, f, room;

	for (i = 0; i < t->ncols; i++) {
		const struct table_col *c = &t->cols[i];
		int w = MAX(utf8_width(table_col_title(t, i)), t->widest[i]);

		if (c->width && w > c->width)
			w = c->width;
		widths[i] = w;
		natural[i] = w;
	}
	total = shown_width(t, widths);
	if (width <= 0)
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

/* Returns the cell (row, col). */
static const struct table_cell *cell_at(const struct table *t, int row, int col)
{
	return &t->cells[t->rows[row].cell0 + (uint32_t)col];
}

/* Eighths of a block, from one eighth to a full one (U+258F .. U+2588), UTF-8. */
static const char *const bar_eighths[8] = { "\u258f", "\u258e", "\u258d", "\u258c",
					    "\u258b", "\u258a", "\u2589", "\u2588" };

void table_bar(struct table *t, int col, double frac, bool utf8)
{
	const struct table_col *c = col < t->ncols ? &t->cols[col] : NULL;
	char buf[TABLE_CELL_MAX];
	int w, n, i, o = 0;

	if (!c || !t->nrows)
		return;
	frac = frac > 1 ? 1 : frac > 0 ? frac : 0;
	w = MIN(c->width ? c->width : 40, (int)(sizeof(buf) - 1) / 3);
	/* The text is the bar at the column's full width: what the layout measures. */
	n = (int)(frac * w * 8 + 0.5);
	if (frac > 0 && !n)
		n = 1;
	for (i = 0; i + 8 <= n; i += 8)
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "%s", utf8 ? bar_eighths[7] : "#");
	if (i < n)
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "%s",
			      utf8 ? bar_eighths[n - i - 1] : n - i >= 4 || !o ? "#" : "");
	buf[o] = '\0';
	table_put(t, col, buf);
	table_key_num(t, col, frac);
}

void table_fit_cell(const struct table *t, int row, int col, int w, char *buf)
{
	const struct table_col *c = &t->cols[col];
	const struct table_cell *cell = cell_at(t, row, col);
	const char *text = table_cell(t, row, col);
	int i, n, o = 0, full;
	bool utf8;

	if (w <= 0) {
		buf[0] = '\0';
		return;
	}
	if ((c->flags & TABLE_COL_SPARK) && (text[0] == 'U' || text[0] == 'A')) {
		static const char ascii[8] = { '_', '.', '-', '~', '=', '+', '*', '#' };
		const char *lv = text + 1;

		/* The newest slots are the last: a narrow column keeps them. */
		n = (int)strlen(lv);
		if (n > w) {
			lv += n - w;
			n = w;
		}
		for (i = 0; i < n; i++) {
			if (lv[i] == ' ') {
				buf[o++] = ' ';
			} else if (text[0] == 'A') {
				buf[o++] = ascii[(lv[i] - '0') & 7];
			} else {
				/* U+2581 + level in UTF-8: E2 96 81+level. */
				buf[o++] = (char)0xe2;
				buf[o++] = (char)0x96;
				buf[o++] = (char)(0x81 + ((lv[i] - '0') & 7));
			}
		}
		for (; i < w; i++)
			buf[o++] = ' ';
		buf[o] = '\0';
		return;
	}
	if ((c->flags & TABLE_COL_BAR) && cell->key_type == TABLE_KEY_NUM && text[0]) {
		/* Drawn again for the width given: the bar keeps its proportion. */
		utf8 = (unsigned char)text[0] >= 0x80;
		n = (int)(cell->key.num * w * 8 + 0.5);
		if (cell->key.num > 0 && !n)
			n = 1;
		full = n / 8;
		for (i = 0; i < full; i++)
			o += sprintf(buf + o, "%s", utf8 ? bar_eighths[7] : "#");
		if (n % 8)
			o += sprintf(buf + o, "%s",
				     utf8 ? bar_eighths[n % 8 - 1] : n % 8 >= 4 || !full ? "#" : "");
		for (i = utf8_width(buf); i < w; i++)
			buf[o++] = ' ';
		buf[o] = '\0';
		return;
	}
	table_fit(buf, text, w, c->align);
}

void table_print(FILE *f, const struct table *t)
{
	int widths[TABLE_COLS_MAX], i, r, first, last;
	struct obuf o;
	char buf[2048];

	obuf_init(&o, f);
	table_layout(t, 0, widths);
	/* Hidden columns at the end are not printed at all: no gap, no trailing blank. */
	for (last = t->ncols - 1; last > 0 && (t->cols[last].flags & t->hide); last--)
		;
	if (t->title[0]) {
		obuf_puts(&o, t->title);
		obuf_putc(&o, '\n');
	}
	for (first = 1, i = 0; i <= last; i++) {
		if (!first)
			obuf_putc(&o, ' ');
		if (i == last && t->cols[i].align == ALIGN_LEFT) {
			obuf_puts(&o, table_col_title(t, i));
		} else {
			table_fit(buf, table_col_title(t, i), widths[i], t->cols[i].align);
			obuf_puts(&o, buf);
		}
		first = 0;
	}
	obuf_putc(&o, '\n');
	for (r = 0; r < t->nrows; r++) {
		for (first = 1, i = 0; i <= last; i++) {
			const char *cell = table_cell(t, r, i);
			size_t len;
			int k = 0;

			/* No trailing blanks: the last left-aligned cell is not padded. */
			if (i == last && t->cols[i].align == ALIGN_LEFT &&
			    !(t->cols[i].flags & (TABLE_COL_SPARK | TABLE_COL_BAR))) {
				if (!first)
					obuf_putc(&o, ' ');
				obuf_put(&o, cell, strnlen(cell, sizeof(buf) - 1));
				break;
			}
			table_fit_cell(t, r, i, MIN(widths[i], (int)sizeof(buf) / 4 - 1), buf);
			len = strlen(buf);
			/* A picture with nothing after it: its padding is no blanks. */
			for (k = i + 1; k <= last && !table_cell(t, r, k)[0]; k++)
				;
			if (k > last && (t->cols[i].flags & (TABLE_COL_SPARK | TABLE_COL_BAR))) {
				while (len && buf[len - 1] == ' ')
					len--;
				if (!first && len)
					obuf_putc(&o, ' ');
				obuf_put(&o, buf, len);
				break;
			}
			if (!first)
				obuf_putc(&o, ' ');
			obuf_put(&o, buf, len);
			first = 0;
		}
		obuf_putc(&o, '\n');
	}
	if (t->note[0]) {
		obuf_puts(&o, t->note);
		obuf_putc(&o, '\n');
	}
	obuf_flush(&o);
}
