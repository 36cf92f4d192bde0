/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An in-memory screen: a grid of one-column cells, each a code point and a named colour.
 * A frame is drawn here first and handed to the terminal in one go, so nothing ever lands
 * outside the window and tests can read a frame back as text without a terminal.
 */
#ifndef KVMSCOPE_UI_SCREEN_H
#define KVMSCOPE_UI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One cell of a struct screen, part of it. */
struct screen_cell {
	uint32_t cp;   /* a code point one column wide; never a control character */
	uint8_t color; /* enum ui_color */
};

/* Owned by the TUI (or a test); screen_free() releases the cells. */
struct screen {
	int w, h;
	bool utf8; /* otherwise only ASCII is stored */
	struct screen_cell *cells;
	int cap;
	int cur_x, cur_y; /* where the cursor goes when shown */
	bool cursor;	  /* show the cursor (a prompt is open) */
};

/* Sets the size (contents are lost) and the character set. */
void screen_resize(struct screen *s, int w, int h, bool utf8);
/* Blanks every cell and hides the cursor. */
void screen_clear(struct screen *s);
void screen_free(struct screen *s);

/*
 * Returns the columns written: text (UTF-8) at x, y in color, clipped to max columns and to
 * the line. Control characters, invalid UTF-8, characters not one column wide and (without
 * utf8) anything beyond ASCII are drawn as '?': nothing from here can drive a terminal.
 */
int screen_put(struct screen *s, int x, int y, int max, const char *text, uint8_t color);
/* Returns the columns written: n copies of cp from x, y, clipped to the line. */
int screen_fill(struct screen *s, int x, int y, int n, uint32_t cp, uint8_t color);
/* Recolours n cells from x, y, keeping their characters. */
void screen_paint(struct screen *s, int x, int y, int n, uint8_t color);

/* Returns the cell at x, y, or NULL outside the screen. */
const struct screen_cell *screen_cell(const struct screen *s, int x, int y);
/* Returns buf holding line y as UTF-8 without trailing blanks ("" outside the screen). */
char *screen_line(const struct screen *s, int y, char *buf, size_t n);

#endif
