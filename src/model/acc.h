/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accumulator every event-driven module counts into, in two windows: WIN, since the last
 * snapshot, and TOT, everything folded in before it since start or reset. A snapshot reads
 * WIN (interval view), both (cumulative view) or TOT alone (cumulative, right after a reset:
 * what WIN holds predates it). Exit reasons, hot addresses, wake edges, round trips and the
 * vCPU time split all count this way; the windows are folded, reset and cleared here only.
 */
#ifndef KVMSCOPE_ACC_H
#define KVMSCOPE_ACC_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"
#include "snapshot.h"

enum { ACC_WIN = 1u, ACC_TOT = 2u };

#define ACC_PARTS 3

/*
 * Counts over one window: events, those of them timed, their total and longest time, sums a
 * module gives its own meaning (ACC_PARTS), and a log histogram of the times, allocated on
 * the first timed event and kept (cleared, not freed) until acc_free(). A plain value
 * otherwise; whoever embeds it calls acc_free().
 */
struct acc {
	uint64_t count;
	uint64_t timed;
	uint64_t total_ns;
	uint64_t max_ns;
	uint64_t part[ACC_PARTS];
	struct hist *h;
};

/* The two windows of one thing counted. Embedded in its owner, released with acc2_free(). */
struct acc2 {
	struct acc win, tot;
};

/* Returns a's histogram, allocated on first use (once per accumulator, never per event). */
struct hist *acc_hist(struct acc *a);

/* Counts a timed event of ns into a: timed, total, maximum and, with hist, the histogram. */
static inline void acc_time(struct acc *a, uint64_t ns, bool hist)
{
	a->timed++;
	a->total_ns += ns;
	if (ns > a->max_ns)
		a->max_ns = ns;
	if (hist)
		hist_add(a->h ? a->h : acc_hist(a), ns);
}
/* Adds the counts of src into dst (the maximum as a maximum), not the histogram. */
static inline void acc_add_counts(struct acc *dst, const struct acc *src)
{
	int i;

	dst->count += src->count;
	dst->timed += src->timed;
	dst->total_ns += src->total_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (i = 0; i < ACC_PARTS; i++)
		dst->part[i] += src->part[i];
}

/* Adds src into dst, histograms merged. */
static inline void acc_add(struct acc *dst, const struct acc *src)
{
	acc_add_counts(dst, src);
	if (src->h && src->h->n)
		hist_merge(dst->h ? dst->h : acc_hist(dst), src->h);
}

/* Empties a; its histogram is kept for reuse. */
static inline void acc_zero(struct acc *a)
{
	struct hist *h = a->h;

	*a = (struct acc){ .h = h };
	if (h && h->n)
		hist_empty(h);
}

void acc_free(struct acc *a);

/* Ends a window: WIN is added to TOT unless drop_win (it predates a reset), then emptied. */
void acc2_fold(struct acc2 *a, bool drop_win);
/* Starts the cumulative window again: TOT is emptied. */
void acc2_reset(struct acc2 *a);
/* Empties both windows, keeping the histograms. */
static inline void acc2_zero(struct acc2 *a)
{
	acc_zero(&a->win);
	acc_zero(&a->tot);
}

/* Adds both windows of src into dst's (a slot given up into an "other" bucket). */
static inline void acc2_merge(struct acc2 *dst, const struct acc2 *src)
{
	acc_add(&dst->win, &src->win);
	acc_add(&dst->tot, &src->tot);
}
void acc2_free(struct acc2 *a);

/* Fills out with the sum of the windows in view (ACC_WIN | ACC_TOT), without a histogram. */
void acc2_view(const struct acc2 *a, unsigned int view, struct acc *out);
/*
 * Returns the q-quantile of the times in view (see hist_quantile: at most 12.5% above the
 * true value), 0 when none was timed with a histogram.
 */
uint64_t acc2_quantile(const struct acc2 *a, unsigned int view, double q);

/* Fills out with the times in view by powers of two (all zero when none had a histogram). */
void acc2_lat(const struct acc2 *a, unsigned int view, struct snap_lat *out);

#endif
