// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "hist.h"

unsigned int hist_bucket(uint64_t v)
{
	unsigned int p;

	if (v < HIST_SUB)
		return (unsigned int)v;
	p = 63u - (unsigned int)__builtin_clzll(v);
	if (p > HIST_MAX_POW)
		return HIST_BUCKETS - 1;
	return (p - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned int)((v >> (p - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

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
}

void hist_add(struct hist *h, uint64_t v)
{
	h->n++;
	h->b[hist_bucket(v)]++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (!src->n)
		return;
	dst->n += src->n;
	for (i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t hist_quantile(const struct hist *a, const struct hist *b, double q)
{
	uint64_t n = a->n + (b ? b->n : 0), rank, seen = 0;
	unsigned int i;

	if (!n || q <= 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)n - 1e-9); /* 0.99 * 100 must give 99, not 100 */
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += a->b[i] + (b ? b->b[i] : 0);
		if (seen >= rank)
			return hist_bucket_high(i);
	}
	return hist_bucket_high(HIST_BUCKETS - 1);
}
