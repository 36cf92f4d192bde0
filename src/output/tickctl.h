/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an output may ask of the tick loop (quit, refresh, pause...), written by the TUI's keys
 * and read by the loop after each one. Outputs see this, never the loop itself.
 */
#ifndef KVMSCOPE_TICKCTL_H
#define KVMSCOPE_TICKCTL_H

#include <stdbool.h>

/*
 * A replay's clock (a recording, a trace.dat): where its loop is, for the screen to show, and
 * what the time keys ask of it. All zero on the live screen. Part of struct tick_ctl.
 */
struct tick_time {
	bool replay;  /* stepping through ticks: the time keys work */
	bool trace;   /* ticks on a trace's own clock (a trace.dat), not the wall clock */
	long pos;     /* the tick shown, from 0 */
	long count;   /* the ticks known */
	bool more;    /* more may come: a trace.dat not read through yet */
	double speed; /* playing (not paused): times the recorded pace */
	long mark;    /* cumulative: the span starts here (r sets it at the cursor) */
	/* Requests, done and cleared by the loop: */
	long step;  /* ticks to move */
	int faster; /* +1: twice as fast, -1: half */
	bool jump;  /* to the tick jump_to names */
	char jump_to[64];
};

/* Requests an output makes of the loop (from keys). Owned by the loop. */
struct tick_ctl {
	bool quit;
	bool redraw;	 /* show the current snapshot again */
	bool paused;	 /* keep sampling, keep showing the frozen snapshot */
	bool reset;	 /* restart the cumulative window */
	bool cumulative; /* counts since start/reset instead of per interval */
	bool refresh;	 /* take a tick now */
	double delay_s;	 /* refresh interval; the loop re-arms its timer when it changes */
	/*
	 * The VM looked at (a VM or vCPU scope), 0: the host. Its vCPUs get hardware counters
	 * and, with full_detail (asked for it), a trace of every event, outside the budget.
	 */
	int focus_pid;
	bool full_detail;
	bool save;	 /* w: write the live screen's recent ticks out */
	struct tick_time time; /* a replay's */
	/* The loop's answer to a request, for the bottom line: a new one each note_seq. */
	unsigned int note_seq;
	bool note_error;
	char note[256];
};

#endif
