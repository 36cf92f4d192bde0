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

/* Owned by whoever embeds or allocates it; plain memory, nothing to release inside. */
struct hist {
	uint64_t n;
	uint64_t b[HIST_BUCKETS];
};

/* Returns the bucket index of v. */
unsigned int hist_bucket(uint64_t v);
/* Returns the smallest value that falls in bucket i. */
uint64_t hist_bucket_low(unsigned int i);
/* Returns the largest value that falls in bucket i. */
uint64_t hist_bucket_high(unsigned int i);

void hist_clear(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
/* Adds every count of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * Returns the q-quantile (0 < q <= 1) of the values in a and b together (b may be NULL): the
 * largest value of the bucket holding the ceil(q * n)-th smallest value, so it is never below
 * the true quantile and at most 12.5% above it. 0 when there are no values.
 */
uint64_t hist_quantile(const struct hist *a, const struct hist *b, double q);

#endif
