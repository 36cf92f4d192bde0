/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pane's content as a table: a title, columns and rows of cells. Each cell holds the text
 * shown and the key it sorts by (a number or a text, set by the pane as it fills the row);
 * each row says what it stands for (struct table_ref). Panes fill a table from a snapshot in
 * any order; the table sorts its rows (table_sort), lays its columns out for a width and
 * prints itself. Batch mode prints it and the TUI draws it, so both show the same text.
 */
#ifndef KVMSCOPE_TABLE_H
#define KVMSCOPE_TABLE_H

#include <stdbool.h>
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

/* Column flags. */
enum {
	/* Only in tables across VMs: in one VM's table its title and cells are blank. */
	TABLE_COL_ACROSS = 1,
	/* Shown only when its pane has something for it in this table (table_begin's hide). */
	TABLE_COL_OPTIONAL = 2,
	/*
	 * A sparkline (sparkhist.h): its text is one character per slot of time, the newest
	 * last; a narrow column keeps the newest. Left blank in a table begun hiding it (no
	 * history to draw from).
	 */
	TABLE_COL_SPARK = 4,
	/* A bar (table_bar()): drawn as long as the column is wide times its fraction. */
	TABLE_COL_BAR = 8,
};

/* Static description of a column; tables point at const arrays of these. */
struct table_col {
	const char *title;
	short width;	/* widest a cell may show (longer text is cut), 0 = no limit */
	short min;	/* narrowest before the column is dropped on small screens */
	unsigned char align;
	unsigned char prio;  /* 0 = never dropped; higher numbers are dropped first */
	unsigned char flags; /* TABLE_COL_* */
};

/* A column of text, left-aligned: cut to width, dropped below min (0: it never shrinks). */
#define TABLE_TEXT(title, width, min, prio) { title, width, min, ALIGN_LEFT, prio }
/* A column of numbers, right-aligned, width wide at most. */
#define TABLE_NUMBER(title, width, prio) { title, width, 0, ALIGN_RIGHT, prio }

/* Columns of this prio or higher are extras: they go before a long name is cut. */
#define TABLE_PRIO_EXTRA 3
/* A table has at most this many columns and keys. */
#define TABLE_COLS_MAX 32
/* A cell's text is cut to this many bytes, NUL included. */
#define TABLE_CELL_MAX 512

/*
 * A key that breaks ties of the sort column: a column, or a key after the columns that is
 * never shown. Panes declare const lists of them, ending with key -1, in their table_spec.
 */
struct table_tie {
	signed char key;
	bool after_number; /* only when the sort column holds numbers */
};

/*
 * A table's shape, declared once by its pane: its columns and how its rows are ordered.
 * Rows of gone VMs, then "other" buckets, stay last whatever the order. Then rows go by the
 * sort column's key (numbers biggest first, ids smallest first, texts in strcmp order), ties
 * by the keys in ties in turn, all of it reversed on demand; rows still equal keep the order
 * they were added in.
 */
struct table_spec {
	const struct table_col *cols;
	int ncols;
	int nkeys; /* the columns and the hidden keys after them (0: ncols) */
	int sort;  /* the default sort column; -1: rows keep the order they were added in */
	const struct table_tie *ties; /* NULL: none */
};

/* What a row stands for, so the selection and Enter follow the thing, not the line. */
enum table_ref_kind {
	REF_NONE = 0,
	REF_VM,	       /* pid */
	REF_THREAD,    /* pid, tid (0: a group of threads, or the vCPUs' mean), thread */
	REF_EXIT,      /* pid, tid (a vCPU's; 0: the VM's), id: reason | exit kind << 32, hot */
	REF_HOT,       /* pid, id: the port, MMIO address or MSR, hot; other: the rest of a kind */
	REF_EDGE,      /* pid, tid: the wakee, id: the waker (as unsigned); other: the rest */
	REF_ROUNDTRIP, /* pid, id: the notify address, hot; other: the rest */
	REF_COUNTER,   /* pid, tid (0: the VM's; both 0: the host's), id: index in its scope */
	REF_HINT,      /* pid, id: index among the VM's hints */
};

/* A row's reference; part of struct table_row, copied into the view's selection. */
struct table_ref {
	uint8_t kind;	/* enum table_ref_kind */
	uint8_t hot;	/* 1 + the enum hot_kind of the addresses behind the row; 0: none */
	uint8_t thread; /* REF_THREAD: its enum thread_kind */
	bool other;	/* the bucket of the rest beyond the top-K, not one thing */
	int pid;	/* the VM's; 0: none */
	int tid;
	uint64_t id;
};

/* Returns true when a and b stand for the same thing. */
bool table_ref_same(const struct table_ref *a, const struct table_ref *b);

/* Row flags. */
enum {
	TABLE_ROW_GONE = 1, /* of a VM gone since the last tick: after the others in any order */
};

/* What a cell sorts by. */
enum table_key_type {
	TABLE_KEY_NONE = 0,
	TABLE_KEY_NUM,	/* a number: biggest first (rates, shares, times) */
	TABLE_KEY_ID,	/* an unsigned number: smallest first (pids, addresses, kinds) */
	TABLE_KEY_TEXT, /* text: in strcmp order (names) */
};

/* One cell (or hidden key) of a row; in struct table. */
struct table_cell {
	uint32_t text;	/* offset of the text shown in the table's text; 0: "" */
	uint16_t width; /* columns the text takes */
	uint8_t key_type; /* enum table_key_type */
	union {
		double num;
		uint64_t id;
		uint32_t text; /* an offset in the table's text */
	} key;
};

/* One row; in struct table. */
struct table_row {
	uint32_t cell0; /* index of this row's first cell in cells: rows sort, cells stay */
	uint8_t attr;	/* enum row_attr */
	uint8_t flags;	/* TABLE_ROW_* */
	struct table_ref ref;
};

#define TABLE_NOTE_MAX 192

/* Owned by whoever declared it; table_free() releases rows and text. Reused across ticks. */
struct table {
	char title[96];
	const struct table_spec *spec;
	const struct table_col *cols; /* spec->cols */
	int ncols;		      /* spec->ncols */
	int nkeys;		      /* cells a row has: columns, then hidden keys */
	unsigned int hide;	      /* TABLE_COL_* flags of columns left blank here */
	struct table_row *rows;
	int nrows, rows_cap;
	struct table_cell *cells; /* nrows * nkeys */
	int cells_cap;
	char *text;
	uint32_t text_len, text_cap;
	uint16_t widest[TABLE_COLS_MAX]; /* the widest cell of each column */
	char note[TABLE_NOTE_MAX]; /* a line under the table: "unavailable: why", "source: ..." */
};

/*
 * Starts (or restarts, keeping memory) a table of this shape with a printf title; columns
 * with a flag in hide are left blank (no title, no text, no width).
 */
void table_begin(struct table *t, const struct table_spec *spec, unsigned int hide,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets the title from a printf format. */
void table_retitle(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the index of a new row whose cells are all empty and keys unset. */
int table_row(struct table *t, enum row_attr attr, unsigned int flags, const struct table_ref *ref);

/* Set a cell of the last row: text as is, a printf, or untrusted text escaped for display. */
void table_put(struct table *t, int col, const char *text);
void table_set(struct table *t, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void table_set_raw(struct table *t, int col, const char *raw, bool utf8);
/*
 * Sets a sparkline cell of the last row: level[0..n) (0-7, below 0 for a blank slot, the
 * newest last), drawn in block elements U+2581..U+2588 with utf8, else in "_.-~=+*#". Kept as
 * levels and drawn only when the cell is (table_fit_cell()): most rows are never shown.
 */
void table_spark(struct table *t, int col, const signed char *level, int n, bool utf8);

/* Set a sort key (a column, or a hidden key after them) of the last row. */
void table_key_num(struct table *t, int key, double v);
void table_key_id(struct table *t, int key, uint64_t v);
void table_key_text(struct table *t, int key, const char *s);

/* Set a cell of the last row to a number (fmt.h's forms) and its key to the number. */
void table_si(struct table *t, int col, double v);
void table_pct(struct table *t, int col, double v);
void table_ns(struct table *t, int col, double ns);

/*
 * Marks a cell of the last row as an estimate (est): "~" before its text, its key kept. The
 * figure rests on sampled detail (bursts, a trace that lost events) scaled to a whole count.
 */
void table_mark(struct table *t, int col, bool est);

/*
 * Sets a bar cell of the last row: frac (0 to 1) of the column's width, in eighths of a
 * character with utf8 (block elements), else in '#'. Its key is frac.
 */
void table_bar(struct table *t, int col, double frac, bool utf8);

/* Sets the note line from a printf format. */
void table_note(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Orders the rows (see struct table_spec) by column col, or the spec's default when col is
 * out of range; a spec without a default keeps the order rows were added in.
 */
void table_sort(struct table *t, int col, bool reverse);
/* Returns the column a table of this spec sorts by when asked for col, -1 for none. */
int table_sort_col(const struct table_spec *spec, int col);

/* Returns the text of a cell ("" when unset). */
const char *table_cell(const struct table *t, int row, int col);
/* Returns a column's title as this table shows it: "" when hidden here. */
const char *table_col_title(const struct table *t, int col);
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

/*
 * Writes cell (row, col) as drawn w columns wide into buf (size >= 4 * w + 1): text padded
 * or cut per the column's alignment, a sparkline's newest part, a bar of its length.
 */
void table_fit_cell(const struct table *t, int row, int col, int w, char *buf);

/* Prints the table as plain text: title line, header, rows, note. */
void table_print(FILE *f, const struct table *t);

#endif
