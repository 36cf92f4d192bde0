/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pane's content as text: a title, columns and rows of cells. Pane builders fill one
 * from a snapshot; batch mode prints it and the TUI draws it, so both show the same text.
 */
#ifndef KVMSCOPE_TABLE_H
#define KVMSCOPE_TABLE_H

#include <stdint.h>
#include <stdio.h>

enum table_align { ALIGN_LEFT = 0, ALIGN_RIGHT };

/* Row attributes: the TUI maps each to a named colour; text output ignores them. */
enum row_attr {
	ROW_NORMAL = 0,
	ROW_DIM,   /* gone since the last tick, shown once */
	ROW_HOT,   /* the thing storming */
	ROW_WARN,  /* lost events, unavailable source */
	ROW_TOTAL, /* "other" buckets and totals */
};

/* Static description of a column; tables point at const arrays of these. */
struct table_col {
	const char *title;
	short width;	/* widest a cell may show (longer text is cut), 0 = no limit */
	short min;	/* narrowest before the column is dropped on small screens */
	unsigned char align;
	unsigned char prio; /* 0 = never dropped; higher numbers are dropped first */
};

/* Columns of this prio or higher are extras: they go before a long name is cut. */
#define TABLE_PRIO_EXTRA 3

struct table_row {
	uint32_t cell0;	    /* index of this row's first cell in cells */
	unsigned short attr; /* enum row_attr */
	int64_t key;	    /* what Enter selects: pid, tid, reason, address... */
	int64_t key2;
};

#define TABLE_NOTE_MAX 192

/* Owned by whoever declared it; table_free() releases rows and text. Reused across ticks. */
struct table {
	char title[96];
	const struct table_col *cols;
	int ncols;
	struct table_row *rows;
	int nrows, rows_cap;
	uint32_t *cells; /* nrows * ncols offsets into text */
	int cells_cap;
	char *text;
	uint32_t text_len, text_cap;
	char note[TABLE_NOTE_MAX]; /* a line under the table: "unavailable: why", "source: ..." */
};

/* Starts (or restarts, keeping memory) a table with these columns and a printf title. */
void table_begin(struct table *t, const struct table_col *cols, int ncols, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Returns the index of a new row whose cells are all empty. */
int table_row(struct table *t, enum row_attr attr, int64_t key, int64_t key2);
/* Sets a cell of the last row from a printf format. */
void table_set(struct table *t, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets a cell of the last row to untrusted text, escaped for display. */
void table_set_raw(struct table *t, int col, const char *raw, int utf8);
/* Sets the note line from a printf format. */
void table_note(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the text of a cell ("" when unset). */
const char *table_cell(const struct table *t, int row, int col);
void table_free(struct table *t);

/*
 * Returns the total width used, after choosing each column's width for a screen width
 * (widths[i] = 0: column dropped). Columns are as wide as their widest cell or title, up to
 * their limit. On a narrow screen extra columns (prio >= TABLE_PRIO_EXTRA) go first, highest
 * prio first; then the name (the first shown left-aligned column with a min) is cut to twice
 * its min; then the other columns go by prio; then the name shrinks to its min. Room a drop
 * left goes back to the name, then to dropped columns, the last dropped first, while they
 * fit (a left-aligned one with a min may come back narrower).
 */
int table_layout(const struct table *t, int width, int *widths);

/* Writes a cell padded or cut to width w, aligned per col, into buf (size >= w + 1). */
void table_fit(char *buf, const char *text, int w, enum table_align align);

/* Prints the table as plain text: title line, header, rows, note. */
void table_print(FILE *f, const struct table *t);

#endif
