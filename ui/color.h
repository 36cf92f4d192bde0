/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Colours by name. Everything the TUI draws carries one of these; the terminal layer turns
 * it into colour and attributes from one table, so no drawing code knows a pair number and
 * a monochrome terminal (or --no-color, NO_COLOR) gets attributes only.
 */
#ifndef KVMSCOPE_UI_COLOR_H
#define KVMSCOPE_UI_COLOR_H

#include <stdbool.h>

#include "table.h"

enum ui_color {
	UC_NORMAL = 0,
	UC_HEADER,	/* host, sources and event lines */
	UC_HEADER_BAD,	/* a source unavailable, events lost */
	UC_MARKER,	/* PAUSED, CUMULATIVE, filter */
	UC_TITLE,	/* a pane's title bar */
	UC_TITLE_FOCUS, /* the focused pane's title bar */
	UC_COLHDR,	/* column titles */
	UC_COLHDR_SORT, /* the column rows are sorted by */
	UC_SELECT,	/* the selected row of the focused pane */
	UC_DIM,		/* ROW_DIM: gone since the last tick */
	UC_HOT,		/* ROW_HOT: the thing storming */
	UC_WARN,	/* ROW_WARN */
	UC_TOTAL,	/* ROW_TOTAL: other buckets, totals */
	UC_NOTE,	/* the line under a table */
	UC_STATUS,	/* the bottom line: where you are, key hints */
	UC_MESSAGE,	/* the answer to a key */
	UC_ERROR,	/* a key that could not be done */
	UC_PROMPT,	/* a line being typed */
	UC_HELP_KEY,	/* key names in the help */
	UC__N
};

/* One entry of the table: colours for a colour terminal, attributes for every terminal. */
struct ui_color_def {
	const char *name;
	short fg, bg;	   /* curses colour numbers; -1 = the terminal's default */
	unsigned int attr; /* curses attributes with colour */
	unsigned int mono; /* curses attributes without colour */
};

extern const struct ui_color_def ui_colors[UC__N];

/* Returns the colour for a table row attribute (enum row_attr). */
enum ui_color color_for_row(unsigned int row_attr);

/* Sets up colour pairs when color and the terminal has colours; returns whether it did. */
bool color_start(bool color);
/* Returns the curses attributes (pair included) for a named colour. */
unsigned int color_attr(enum ui_color c);

#endif
