/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters: the raw cumulative values the perf and kvmstat probes return, and the pure math
 * that turns two samples and the interval between them into rates, shares of time and
 * ratios (IPC). Nothing here opens a file; the model keeps the samples and calls in.
 */
#ifndef KVMSCOPE_COUNTERS_H
#define KVMSCOPE_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctr.h"
#include "snapshot.h"

/* What the model keeps per scope and source: the sample now, the one before, and at reset. */
struct ctr_hist {
	struct ctr_set cur, prev, base;
	const char *source; /* "perf", "debugfs", "tracepoint" (static strings) */
};


/*
 * Returns the increase from prev to cur. A counter that went down wrapped when prev was in
 * the top half of the range (counted across the wrap), else it was reset (counted from 0).
 */
uint64_t ctr_delta(uint64_t prev, uint64_t cur);

/*
 * Returns the increase from prev to cur scaled for multiplexing (times the enabled time over
 * the running time of the interval), or -1 when the counter never ran in the interval.
 */
double ctr_scaled_delta(const struct ctr_raw *prev, const struct ctr_raw *cur);

/* Records a new sample: cur becomes prev; the first one is also the base. */
void ctr_hist_push(struct ctr_hist *h, const struct ctr_set *s);
/* Starts the cumulative window again at the current sample. */
void ctr_hist_reset(struct ctr_hist *h);
void ctr_hist_free(struct ctr_hist *h);

/*
 * Appends h's counters for the window (prev to cur, or base to cur when cumulative) to
 * *out (grown; *n entries), with the derived IPC rows; returns the number appended.
 */
int ctr_hist_snap(const struct ctr_hist *h, bool cumulative, struct snap_counter **out, int *n);


#endif
