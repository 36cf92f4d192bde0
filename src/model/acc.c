// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "acc.h"
#include "util.h"

/* Returns *h, allocated empty on first use: once per accumulator, never per event. */
static struct hist *hist_of(struct hist **h)
{
	if (!*h) {
		*h = xmalloc(sizeof(**h));
		hist_clear(*h);
	}
	return *h;
}

void acc_time(struct acc *a, uint64_t ns, bool hist)
{
	a->timed++;
	a->total_ns += ns;
	if (ns > a->max_ns)
		a->max_ns = ns;
	if (hist)
		hist_add(hist_of(&a->h), ns);
}

/* Adds the counts of src into dst, not the histogram. */
static void add_counts(struct acc *dst, const struct acc *src)
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

void acc_add(struct acc *dst, const struct acc *src)
{
	add_counts(dst, src);
	if (src->h && src->h->n)
		hist_merge(hist_of(&dst->h), src->h);
}

void acc_zero(struct acc *a)
{
	struct hist *h = a->h;

	memset(a, 0, sizeof(*a));
	if (h && h->n)
		hist_clear(h);
	a->h = h;
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

void acc2_zero(struct acc2 *a)
{
	acc_zero(&a->win);
	acc_zero(&a->tot);
}

void acc2_merge(struct acc2 *dst, const struct acc2 *src)
{
	acc_add(&dst->win, &src->win);
	acc_add(&dst->tot, &src->tot);
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
		add_counts(out, &a->win);
	if (view & ACC_TOT)
		add_counts(out, &a->tot);
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
