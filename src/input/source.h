/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every probe shares: the state of its source, as the model copies it into each
 * snapshot (struct snap_source, whose states have the same values). A probe reads one source
 * and nothing else; it returns raw cumulative values into a struct its caller owns, or a
 * stream of struct kvm_event; it never computes rates, never draws, never exits. Functions
 * return 0 or -errno.
 */
#ifndef KVMSCOPE_SOURCE_H
#define KVMSCOPE_SOURCE_H

enum source_state {
	SOURCE_OFF = 0,	    /* not asked for (e.g. --no-trace) */
	SOURCE_OK,	    /* working */
	SOURCE_DEGRADED,    /* working with less than asked (e.g. software counters only) */
	SOURCE_UNAVAILABLE, /* not working; why says so */
};

#define SOURCE_WHY_MAX 160

/* Owned by the probe that reports it; copied into each snapshot. */
struct source_status {
	const char *name; /* "procfs", "tracefs", "sched", "perf", "kvmstat" */
	enum source_state state;
	char why[SOURCE_WHY_MAX]; /* "" when ok; else e.g. "kernel lockdown" */
};

/* Sets state and a printf-formatted reason; returns nothing. */
void source_set(struct source_status *st, enum source_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
