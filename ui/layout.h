/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Screen arithmetic, apart from any terminal so it can be tested: how many header lines a
 * screen has room for, how the lines left are shared between panes, where a list scrolls,
 * how a long line wraps, the refresh delay steps.
 */
#ifndef KVMSCOPE_UI_LAYOUT_H
#define KVMSCOPE_UI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Lines of each part of the header; the caller's, filled by layout_header(). */
struct lay_header {
	int host;    /* 0 or 1: time, host, kernel, KVM, refresh, markers */
	int sources; /* 0 to 2: data sources and their state, wrapped */
	int events;  /* 0 or 1: VMs, exits/s, events, lost */
	int status;  /* 0 or 1: the bottom line */
	int total;   /* header lines (status not included) */
};

/* Screens at least this tall show everything in the header; smaller ones lose parts. */
#define LAY_FULL_HEADER_H     20
#define LAY_TWO_LINE_HEADER_H 14

/* Fills hd for a screen h lines tall whose sources line wraps to src_lines lines. */
void layout_header(int h, int src_lines, struct lay_header *hd);

/* Lines every shown pane spends on its title bar and column titles. */
#define LAY_PANE_CHROME 2

/* One pane as the layout sees it; the caller's array, h filled by layout_panes(). */
struct lay_pane {
	bool avail; /* has something to show in this scope (or has the focus) */
	int want;   /* lines of content: rows, and one more for a note */
	int rank;   /* when lines are short, lower ranks are shown first */
	bool whole; /* a picture: focused, it has the lines it wants first (up to half) */
	int h;	    /* out: lines given, chrome included; 0 = not shown */
};

/*
 * Returns the lines used after sharing lines between n panes. The focused pane is shown
 * first, then the others by rank (then order) while each can have its chrome and one row;
 * what is left goes one line at a time, round robin in pane order, to panes that want
 * more, so small panes are shown whole and big ones share the rest evenly. A screen too
 * small for the focused pane's chrome and a row gives it what there is. A focused pane that
 * is a picture (whole) first has the lines it wants, up to half of them: a histogram
 * cut short shows no shape.
 */
int layout_panes(struct lay_pane *p, int n, int focus, int lines);

/* Returns the first row to show so that sel is among the visible rows of nrows. */
int layout_scroll(int sel, int top, int nrows, int visible);

/*
 * Returns the number of lines text takes when wrapped to width at each occurrence of sep
 * (the separator stays at the end of its line), at most max lines; start[i] and len[i] say
 * where each line is in text. Widths count bytes (the header text is ASCII); a piece longer
 * than width is left for the caller to cut.
 */
int layout_wrap(const char *text, const char *sep, int width, int max, int *start, int *len);

/* Returns the next refresh delay up (dir > 0) or down (dir < 0) the steps from cur. */
double layout_delay_step(double cur, int dir);

#define LAY_DELAY_MIN 0.05
#define LAY_DELAY_MAX 3600.0

#endif
