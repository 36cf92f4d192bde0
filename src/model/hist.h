/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-bucket latency histogram: values below 16 have a bucket each, larger ones fall in
 * one of 8 sub-buckets per power of two, so a bucket is at most 1/8 (12.5%) as wide as its
 * lower edge. Fixed size: adding a value never allocates. Values from 2^37 ns (about 137 s)
 * up share the last bucket; callers keep the exact maximum apart.
 */
#ifndef KVMSCOPE_HIST_H
#define KVMSCOPE_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 3
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_MAX_POW  36
#define HIST_BUCKETS  (HIST_SUB * (HIST_MAX_POW - HIST_SUB_BITS + 2))

/*
 * Owned by whoever embeds or allocates it; plain memory, nothing to release inside. Buckets
 * outside lo..hi are zero (lo > hi when empty): a window's times fill a few dozen of the 280,
 * and emptying, merging and reading it touch only those.
 */
struct hist {
	uint64_t n;
	uint16_t lo, hi;
	uint64_t b[HIST_BUCKETS];
};

/* Returns the bucket index of v. */
static inline unsigned int hist_bucket(uint64_t v)
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
/* Returns the smallest value that falls in bucket i. */
uint64_t hist_bucket_low(unsigned int i);
/* Returns the largest value that falls in bucket i. */
uint64_t hist_bucket_high(unsigned int i);

/* Makes h empty, whatever its memory held. */
void hist_clear(struct hist *h);
/* Makes h (cleared before) empty again, touching only the buckets it used. */
void hist_empty(struct hist *h);

static inline void hist_add(struct hist *h, uint64_t v)
{
	unsigned int i = hist_bucket(v);

	h->n++;
	h->b[i]++;
	if (i < h->lo)
		h->lo = (uint16_t)i;
	if (i > h->hi)
		h->hi = (uint16_t)i;
}

/* Adds every count of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * Returns the q-quantile (0 < q <= 1) of the values in a and b together (b may be NULL): the
 * largest value of the bucket holding the ceil(q * n)-th smallest value, so it is never below
 * the true quantile and at most 12.5% above it. 0 when there are no values.
 */
uint64_t hist_quantile(const struct hist *a, const struct hist *b, double q);

#endif
