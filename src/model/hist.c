// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "hist.h"

uint64_t hist_bucket_low(unsigned int i)
{
	unsigned int g = i / HIST_SUB, sub = i % HIST_SUB;

	if (g == 0)
		return i;
	return (uint64_t)(HIST_SUB + sub) << (g - 1);
}

uint64_t hist_bucket_high(unsigned int i)
{
	unsigned int g = i / HIST_SUB;

	/* The last bucket also holds everything beyond the range. */
	if (i == HIST_BUCKETS - 1)
		return UINT64_MAX;
	if (g == 0)
		return i;
	return hist_bucket_low(i) + ((uint64_t)1 << (g - 1)) - 1;
}

void hist_clear(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->lo = HIST_BUCKETS;
}

void hist_empty(struct hist *h)
{
	if (h->lo <= h->hi)
		memset(&h->b[h->lo], 0, (size_t)(h->hi - h->lo + 1) * sizeof(h->b[0]));
	h->n = 0;
	h->lo = HIST_BUCKETS;
	h->hi = 0;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (!src->n)
		return;
	dst->n += src->n;
	for (i = src->lo; i <= src->hi; i++)
		dst->b[i] += src->b[i];
	if (src->lo < dst->lo)
		dst->lo = src->lo;
	if (src->hi > dst->hi)
		dst->hi = src->hi;
}

uint64_t hist_quantile(const struct hist *a, const struct hist *b, double q)
{
	uint64_t n = a->n + (b ? b->n : 0), rank, seen = 0;
	unsigned int i, lo, hi;

	if (!n || q <= 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)n - 1e-9); /* 0.99 * 100 must give 99, not 100 */
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	/* An empty one's range is none (lo > hi): the other's. */
	lo = b && b->lo < a->lo ? b->lo : a->lo;
	hi = b && b->hi > a->hi ? b->hi : a->hi;
	for (i = lo; i <= hi; i++) {
		seen += a->b[i] + (b ? b->b[i] : 0);
		if (seen >= rank)
			return hist_bucket_high(i);
	}
	return hist_bucket_high(HIST_BUCKETS - 1);
}
