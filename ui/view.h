/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's view state and what it draws, apart from the terminal: the drill-down stack of
 * scopes, each pane's selection and scroll, sort orders, the filter, the prompt line and
 * the help. view_compose() draws a frame of a snapshot into an in-memory screen and
 * view_key() acts on one key, so both run in tests without a terminal.
 */
#ifndef KVMSCOPE_UI_VIEW_H
#define KVMSCOPE_UI_VIEW_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pane.h"
#include "screen.h"
#include "snapshot.h"
#include "table.h"
#include "tickctl.h"

#define VIEW_DEPTH_MAX 8
#define VIEW_INPUT_MAX 128
#define VIEW_MSG_MAX   160

/* Selection and scroll of one pane at one level of the drill-down; part of a view_level. */
struct pane_view {
	int sel;	      /* selected row */
	int top;	      /* first row shown */
	struct table_ref ref; /* what the selected row stands for: the selection follows it */
	bool keyed;	      /* ref is set: a row was picked */
};

/* One level of the drill-down: what is looked at and how its panes were left; in struct view. */
struct view_level {
	struct scope scope;
	int focus;	      /* index in panes[]; -1: the first pane with something */
	struct pane_view *pv; /* one per pane; owned by the view */
};

/* What the last frame showed of a pane, for the keys that act on it; in struct view. */
struct pane_frame {
	bool built; /* the table holds this frame's content for the current scope */
	bool shown;
	int visible; /* rows shown */
};

enum view_prompt { PROMPT_NONE = 0, PROMPT_FILTER, PROMPT_GUEST, PROMPT_DELAY, PROMPT_JUMP };

/* Owned by the TUI (or a test): view_init() and view_free(). */
struct view {
	int npanes;
	struct table *tables;	  /* per pane, rebuilt by every frame */
	struct pane_frame *frame; /* per pane */
	struct view_level lv[VIEW_DEPTH_MAX];
	int depth;	/* lv[depth] is what is shown */
	int *sort;	/* per pane: the column rows are sorted by, -1 = default */
	bool *reverse;	/* per pane */
	bool utf8;	/* the terminal takes UTF-8: names pass, lines are drawn */
	bool show_zero; /* the x key */
	bool fold;	/* Enter on a counter: exit reasons folded into kvm_exit */
	bool help;	/* the help is shown instead of the panes */
	int help_top, help_visible;
	enum view_prompt prompt;
	char input[VIEW_INPUT_MAX]; /* what is being typed: raw bytes, escaped when drawn */
	int input_len;
	char msg[VIEW_MSG_MAX]; /* the answer to the last key, shown on the bottom line */
	bool msg_error;
	int msg_frames; /* new snapshots shown since msg was set */
	char filter_src[VIEW_INPUT_MAX];
	regex_t filter;
	bool have_filter;
	char pick[VIEW_INPUT_MAX]; /* g: a guest to go to, found in the next frame */
	bool pick_pending;
	bool clear;	  /* repaint the whole terminal (Ctrl-L, resize) */
	unsigned int seq; /* the last snapshot drawn */
	bool have_seq;
	unsigned int note_seq; /* the loop's last answer shown (tick_ctl.note_seq) */
	const struct sparkhist *hist; /* the rows' recent past, not owned; NULL: no sparklines */
};

/*
 * Returns 0, or -EINVAL with the regex error in why when filter_src (the -f/-p filter;
 * NULL for none) does not compile. utf8: the locale's charset is UTF-8.
 */
int view_init(struct view *v, bool utf8, const char *filter_src, char *why, size_t whysz);
void view_free(struct view *v);

/* Returns the current level. */
struct view_level *view_level(struct view *v);

/* Returns false when the stack is full; else goes one level down to sc, focusing pane focus. */
bool view_push(struct view *v, const struct scope *sc, int focus);
/* Returns false at the top; else goes back one level. */
bool view_pop(struct view *v);
/* Returns the index of the pane with this name in panes[], or -1. */
int view_pane_index(const char *name);

/* Sets the bottom line's message from a printf format; error colours it as a failure. */
void view_message(struct view *v, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Draws one frame into scr (sized by the caller): header, the panes of the current scope,
 * the bottom line, or the help. s may be NULL before the first snapshot. Returns true when
 * s is a snapshot not drawn before.
 */
bool view_compose(struct view *v, const struct snapshot *s, const struct tick_ctl *ctl,
		  struct screen *scr);

/* Acts on one key (a curses key code) and records what the loop must do in ctl. */
void view_key(struct view *v, int key, struct tick_ctl *ctl);

#endif
