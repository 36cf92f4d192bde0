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

#include "snapshot.h"

#define CTR_NAME_MAX 40

enum ctr_kind {
	CTR_COUNT = 0, /* events: a rate per second */
	CTR_TIME_NS,   /* nanoseconds: a share of the window (task-clock, halt_wait_ns) */
	CTR_HIST,      /* a histogram file: value = the sum of its buckets, p50 = median bucket */
	CTR_GAUGE,     /* an instant value (pages_4k, online_vcpus): shown as is, no rate */
	CTR_RATIO,     /* derived: instructions per cycle */
};

/* One counter as a probe read it: raw and cumulative, never a rate. */
struct ctr_raw {
	char name[CTR_NAME_MAX];
	uint8_t kind;	  /* enum ctr_kind */
	bool hw;	  /* a hardware PMU event: an open failure means "no PMU" */
	int err;	  /* 0, or -errno: could not be opened or read (value meaningless) */
	uint64_t value;	  /* cumulative count, ns, bucket sum or gauge */
	uint64_t enabled; /* perf: time enabled and running, for multiplex scaling; 0 otherwise */
	uint64_t running;
	uint64_t p50; /* histogram: upper bound of the median bucket (cumulative) */
};

/* A set of counters of one scope at one time. Owned by whoever declared it. */
struct ctr_set {
	uint64_t ts_ns; /* CLOCK_MONOTONIC when read; 0 = empty */
	struct ctr_raw *v;
	int n, cap;
};

/* What the model keeps per scope and source: the sample now, the one before, and at reset. */
struct ctr_hist {
	struct ctr_set cur, prev, base;
	const char *source; /* "perf", "debugfs", "tracepoint" (static strings) */
};

/* Returns a new counter appended to s (zeroed, named). */
struct ctr_raw *ctr_set_add(struct ctr_set *s, const char *name, enum ctr_kind kind);
/* Returns the counter named name in s, or NULL. */
const struct ctr_raw *ctr_set_find(const struct ctr_set *s, const char *name);
void ctr_set_copy(struct ctr_set *dst, const struct ctr_set *src);
void ctr_set_clear(struct ctr_set *s);
void ctr_set_free(struct ctr_set *s);

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

/* Returns the counter named name (a "perf::" prefix ignored) in c[0..n), or NULL. */
const struct snap_counter *snap_counter_find(const struct snap_counter *c, int n, const char *name);

/* Returns the words for why a counter cannot be read: "no PMU", "perf_event_paranoid"... */
const char *ctr_why(int err, bool hw);

#endif
