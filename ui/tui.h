/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live screen: the only code that talks to the terminal (through curses). It plugs
 * into the tick loop as a struct tick_output: tui_show() draws a snapshot, tui_input()
 * reads keys, tui_resize() follows the window. Frames are composed by view.h into an
 * in-memory screen and sent once per tick, key or resize.
 */
#ifndef KVMSCOPE_UI_TUI_H
#define KVMSCOPE_UI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"
#include "sparkhist.h"
#include "tickctl.h"

/* How to start; owned by the caller. */
struct tui_config {
	bool color;		/* false for --no-color and NO_COLOR */
	bool utf8;		/* the locale's charset is UTF-8 */
	const char *filter_src; /* -f / -p: the VM filter to start with, NULL for none */
	long iterations;	/* -n: stop after this many snapshots, 0 = never */
	double delay_s;		/* what the first frame says it waits for */
	FILE *out, *in;		/* the terminal; NULL: stdout and stdin */
};

struct tui;

/*
 * Returns the screen set up (alternate screen, keys, colours), or NULL with why filled
 * (no usable terminal, a bad filter).
 */
struct tui *tui_start(const struct tui_config *cfg, char *why, size_t whysz);
/* Puts the terminal back as it was and frees t. */
void tui_stop(struct tui *t);
/* Puts the terminal back if a screen is up: for the fatal path. Allocates nothing. */
void tui_abort(void);

/* Draws sparklines from h (not owned; it outlives t), or none when NULL. */
void tui_set_history(struct tui *t, const struct sparkhist *h);

/*
 * Keeps a history of span_s seconds of its own, fed with each snapshot shown (a replay, as
 * it plays: going back starts it again), and draws sparklines from it.
 */
void tui_keep_history(struct tui *t, double span_s);

/* Returns the fd the loop watches for keys, -1 when input is not a terminal. */
int tui_input_fd(const struct tui *t);
/*
 * Returns the terminal's fd the screen is written to, for the loop to watch for a hangup:
 * with input not from it, or a SIGHUP that never comes, writes only fail with EIO.
 */
int tui_output_fd(const struct tui *t);

/* struct tick_output hooks; arg is the struct tui. */
int tui_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl);
int tui_input(void *arg, struct tick_ctl *ctl);
void tui_resize(void *arg);

#endif
