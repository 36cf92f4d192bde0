// SPDX-License-Identifier: GPL-2.0
#include <curses.h>

#include "color.h"

const struct ui_color_def ui_colors[UC__N] = {
	[UC_NORMAL] = { "normal", -1, -1, A_NORMAL, A_NORMAL },
	[UC_HEADER] = { "header", COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[UC_HEADER_BAD] = { "header-bad", COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[UC_MARKER] = { "marker", COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[UC_TITLE] = { "title", COLOR_BLUE, -1, A_BOLD, A_BOLD },
	[UC_TITLE_FOCUS] = { "title-focus", COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[UC_COLHDR] = { "column-header", COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_UNDERLINE },
	[UC_COLHDR_SORT] = { "column-header-sort", COLOR_BLACK, COLOR_CYAN, A_BOLD,
			     A_UNDERLINE | A_BOLD },
	[UC_SELECT] = { "selected", COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[UC_DIM] = { "gone", COLOR_BLACK, -1, A_BOLD, A_DIM },
	[UC_HOT] = { "hot", COLOR_RED, -1, A_BOLD, A_BOLD },
	[UC_WARN] = { "warning", COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[UC_TOTAL] = { "total", COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[UC_NOTE] = { "note", COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[UC_STATUS] = { "status", COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[UC_MESSAGE] = { "message", COLOR_BLACK, COLOR_GREEN, A_BOLD, A_REVERSE | A_BOLD },
	[UC_ERROR] = { "error", COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[UC_PROMPT] = { "prompt", -1, -1, A_BOLD, A_BOLD },
	[UC_HELP_KEY] = { "help-key", COLOR_CYAN, -1, A_BOLD, A_BOLD },
};

/* What color_attr() returns, filled by color_start(). */
static unsigned int attrs[UC__N];

enum ui_color color_for_row(unsigned int row_attr)
{
	switch (row_attr) {
	case ROW_DIM:
		return UC_DIM;
	case ROW_HOT:
		return UC_HOT;
	case ROW_WARN:
		return UC_WARN;
	case ROW_TOTAL:
		return UC_TOTAL;
	default:
		return UC_NORMAL;
	}
}

bool color_start(bool color)
{
	bool defaults = false;
	int i;

	for (i = 0; i < UC__N; i++)
		attrs[i] = ui_colors[i].mono;
	if (!color || !has_colors() || start_color() == ERR)
		return false;
	defaults = use_default_colors() == OK;
	for (i = 1; i < UC__N && i < COLOR_PAIRS; i++) {
		short fg = ui_colors[i].fg, bg = ui_colors[i].bg;

		/* Without default colours, -1 means white on black. */
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (init_pair((short)i, fg, bg) == ERR)
			continue;
		attrs[i] = ui_colors[i].attr | (unsigned int)COLOR_PAIR(i);
	}
	return true;
}

unsigned int color_attr(enum ui_color c)
{
	return (unsigned int)c < UC__N ? attrs[c] : A_NORMAL;
}
