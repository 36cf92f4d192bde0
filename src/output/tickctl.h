/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an output may ask of the tick loop (quit, refresh, pause...), written by the TUI's keys
 * and read by the loop after each one. Outputs see this, never the loop itself.
 */
#ifndef KVMSCOPE_TICKCTL_H
#define KVMSCOPE_TICKCTL_H

#include <stdbool.h>

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
};

#endif
