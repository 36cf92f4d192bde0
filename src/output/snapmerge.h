/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two snapshots as one: the span of a replay's cumulative mode (counts from a mark to the
 * cursor) and the incident summary of the live screen's rolling buffer are merges of the
 * ticks of the span, one after the other, each over the span so far.
 *
 * Counts are summed and rates computed again over the span's window (the sum of the
 * windows); shares are computed again from the summed counts; times of a VM or a thread
 * (CPU%, the time split) are weighted by the windows of the ticks it was seen in, and shares
 * of handling time by every tick of a VM (a tick without the row counts as 0). The largest
 * MAX wins. Quantiles cannot be merged without the histograms behind them, which a snapshot
 * does not carry: a merged P50 or P99 is the largest of the ticks', an upper bound of the
 * span's (at least (1 - q) of every tick's values lie at or below it), never above the MAX.
 *
 * A row is the same row across ticks by its identity: a VM by pid and start time, a thread by
 * tid, an exit by kind and reason, a hot address by kind and address, a counter by name and
 * source, a wake edge by waker, wakee and class, a round trip by kind and address. Tables
 * that grow with what guests do stay bounded: beyond SNAPMERGE_HOT_MAX addresses per kind,
 * SNAPMERGE_EDGES_MAX edges and SNAPMERGE_RTS_MAX round trips, the least counted go to the
 * "other" row.
 */
#ifndef KVMSCOPE_SNAPMERGE_H
#define KVMSCOPE_SNAPMERGE_H

#include "snapshot.h"

#define SNAPMERGE_HOT_MAX   128 /* per VM and kind, besides the other row */
#define SNAPMERGE_EDGES_MAX 64
#define SNAPMERGE_RTS_MAX   32
#define SNAPMERGE_HINTS_MAX 8

/*
 * Returns a new snapshot (the caller frees it) of a and b as one window, b the later: its
 * tick (seq, times, host, sources) is b's, its window the sum of both, and it is marked
 * cumulative. Each is a tick or a merge of ticks that follow each other; when b's window
 * reaches back over a's tick (b counts since start, as a recording made with -c does), b
 * holds a already and the result is a copy of b.
 */
struct snapshot *snapmerge(const struct snapshot *a, const struct snapshot *b);

/* Returns a deep copy of s (the caller frees it). */
struct snapshot *snapmerge_copy(const struct snapshot *s);

#endif
