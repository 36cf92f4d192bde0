/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tick loop: wait for the refresh timer, trace data, keys or a signal; drain events;
 * sample the probes; update the model; build a snapshot; show it once.
 */
#ifndef KVMSCOPE_TICK_H
#define KVMSCOPE_TICK_H

#include <stdbool.h>

#include "options.h"
#include "snapshot.h"
#include "tickctl.h"

/*
 * The default --budget: events per second traced host-wide. Above it detail comes in bursts
 * (tests/bench/live_overhead.sh, fidelity.sh: the figures behind it).
 */
#define TICK_BUDGET_DEFAULT 20000.0

/* Where snapshots go: batch printing or the TUI. Owned by main(). */
struct tick_output {
	/*
	 * Returns 0, 1 when the output is done (e.g. -n reached), or -errno. s stays valid
	 * until the next show (input may read it).
	 */
	int (*show)(void *arg, const struct snapshot *s, const struct tick_ctl *ctl);
	/* Reads input_fd when readable and records requests in ctl; returns 0 or -errno. */
	int (*input)(void *arg, struct tick_ctl *ctl);
	/* The terminal changed size, or is ours again after a stop: take it back, repaint. */
	void (*resize)(void *arg);
	int input_fd; /* -1: none */
	/*
	 * Where records are written (a pipe, a socket, a terminal), watched for its reader
	 * going away so that the loop stops then, not at the next write; -1: none.
	 */
	int output_fd;
	void *arg;
	/*
	 * A recorder: sees every snapshot taken, once, before it is shown, and while the screen
	 * is paused. Returns 0, or what show returns (1: done, -errno).
	 */
	int (*taken)(void *rec, const struct snapshot *s);
	/*
	 * SIGHUP: when set, called instead of stopping (a recorder reopens its file); returns 0
	 * or -errno to stop the loop.
	 */
	int (*hangup)(void *rec);
	void *rec;
};

/*
 * Returns 0 after a clean stop (signal, quit key, -n reached), or -errno with a one-line
 * reason in why. Removes all tracing state it made before returning.
 */
int tick_run(const struct options *opt, const struct tick_output *out, char *why, size_t whysz);

/* Undoes what tick_run() set up that would outlive the process (tracing instances). */
void tick_emergency_cleanup(void);

#endif
