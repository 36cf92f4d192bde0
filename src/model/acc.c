// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "acc.h"
#include "util.h"

struct hist *acc_hist(struct acc *a)
{
	if (!a->h) {
		a->h = xmalloc(sizeof(*a->h));
		hist_clear(a->h);
	}
	return a->h;
}

void acc_free(struct acc *a)
{
	free(a->h);
	memset(a, 0, sizeof(*a));
}

void acc2_fold(struct acc2 *a, bool drop_win)
{
	if (!drop_win)
		acc_add(&a->tot, &a->win);
	acc_zero(&a->win);
}

void acc2_reset(struct acc2 *a)
{
	acc_zero(&a->tot);
}

void acc2_free(struct acc2 *a)
{
	acc_free(&a->win);
	acc_free(&a->tot);
}

void acc2_view(const struct acc2 *a, unsigned int view, struct acc *out)
{
	memset(out, 0, sizeof(*out));
	if (view & ACC_WIN)
		acc_add_counts(out, &a->win);
	if (view & ACC_TOT)
		acc_add_counts(out, &a->tot);
}

uint64_t acc2_quantile(const struct acc2 *a, unsigned int view, double q)
{
	const struct hist *x = view & ACC_WIN ? a->win.h : NULL;
	const struct hist *y = view & ACC_TOT ? a->tot.h : NULL;

	if (!x) {
		x = y;
		y = NULL;
	}
	return x ? hist_quantile(x, y, q) : 0;
}

/* Adds h's buckets into out's powers of two: each log bucket lies within one of them. */
static void lat_add(const struct hist *h, struct snap_lat *out)
{
	unsigned int i;

	if (!h || !h->n)
		return;
	for (i = h->lo; i <= h->hi; i++)
		if (h->b[i])
			out->b[snap_lat_bucket(hist_bucket_low(i))] += h->b[i];
}

void acc2_lat(const struct acc2 *a, unsigned int view, struct snap_lat *out)
{
	memset(out, 0, sizeof(*out));
	if (view & ACC_WIN)
		lat_add(a->win.h, out);
	if (view & ACC_TOT)
		lat_add(a->tot.h, out);
}
