// SPDX-License-Identifier: GPL-2.0
/* The latency histogram and the bounded hot-address table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "hotspots.h"
#include "snapshot.h"
#include "unit.h"

START_TEST(hist_buckets_cover_every_value)
{
	uint64_t v;
	unsigned int i;

	/* Exact below 16, then 8 sub-buckets per power of two. */
	for (v = 0; v < 16; v++)
		ck_assert_uint_eq(hist_bucket_low(hist_bucket(v)), v);
	ck_assert_uint_eq(hist_bucket(16), 16);
	ck_assert_uint_eq(hist_bucket(17), 16);
	ck_assert_uint_eq(hist_bucket(18), 17);
	/* Buckets tile the range with no gap: each starts right after the one before. */
	for (i = 1; i < HIST_BUCKETS - 1; i++)
		ck_assert_uint_eq(hist_bucket_low(i), hist_bucket_high(i - 1) + 1);
	/* Every value lands in the bucket whose edges hold it; width at most 1/8 of the edge. */
	for (v = 1; v < (1ull << 40); v = v * 3 / 2 + 1) {
		i = hist_bucket(v);
		ck_assert_uint_le(hist_bucket_low(i), v);
		if (i < HIST_BUCKETS - 1) {
			ck_assert_uint_ge(hist_bucket_high(i), v);
			ck_assert_uint_le((hist_bucket_high(i) - hist_bucket_low(i) + 1) * 8,
					  hist_bucket_low(i) >= 8 ? hist_bucket_low(i) : 8);
		}
	}
	ck_assert_uint_eq(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
}
END_TEST

START_TEST(hist_quantiles)
{
	struct hist a, b;
	uint64_t p;
	int i;

	hist_clear(&a);
	hist_clear(&b);
	ck_assert_uint_eq(hist_quantile(&a, NULL, 0.99), 0);
	/* 1..1000 us: p99 is 990 us, reported as the top of its bucket, within 12.5%. */
	for (i = 1; i <= 1000; i++)
		hist_add(&a, (uint64_t)i * 1000);
	p = hist_quantile(&a, NULL, 0.99);
	ck_assert_uint_ge(p, 990000);
	ck_assert_uint_le(p, 990000 + 990000 / 8);
	/* p50 likewise. */
	p = hist_quantile(&a, NULL, 0.5);
	ck_assert_uint_ge(p, 500000);
	ck_assert_uint_le(p, 500000 + 500000 / 8);
	/* Small values are exact: 99 of 100 at 5 ns, one at 9 ns. */
	hist_clear(&a);
	for (i = 0; i < 99; i++)
		hist_add(&a, 5);
	hist_add(&a, 9);
	ck_assert_uint_eq(hist_quantile(&a, NULL, 0.99), 5);
	ck_assert_uint_eq(hist_quantile(&a, NULL, 1.0), 9);
	/* Two windows read together; merge gives the same. */
	for (i = 0; i < 100; i++)
		hist_add(&b, 9);
	ck_assert_uint_eq(hist_quantile(&a, &b, 0.5), 9);
	ck_assert_uint_eq(hist_quantile(&a, &b, 0.49), 5);
	hist_merge(&a, &b);
	ck_assert_uint_eq(a.n, 200);
	ck_assert_uint_eq(hist_quantile(&a, NULL, 0.5), 9);
}
END_TEST

/* Returns the q-quantile of the values counted in ref (a bucket per value's bucket). */
static uint64_t ref_quantile(const uint64_t *ref, uint64_t n, double q)
{
	uint64_t rank = (uint64_t)ceil(q * (double)n - 1e-9), seen = 0;
	unsigned int i;

	rank = rank < 1 ? 1 : rank > n ? n : rank;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += ref[i];
		if (seen >= rank)
			return hist_bucket_high(i);
	}
	return 0;
}

/*
 * Windows emptied, refilled, merged and read in pairs, as a row's are tick after tick: every
 * quantile is the one of the values counted, bucket by bucket, and what lies outside the
 * used buckets stays zero.
 */
START_TEST(hist_windows_reused)
{
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 1.0 };
	uint64_t ref_a[HIST_BUCKETS], ref_b[HIST_BUCKETS], both[HIST_BUCKETS];
	unsigned int x = 7, i, round, k;
	struct hist a, b;

	hist_clear(&a);
	hist_clear(&b);
	memset(ref_b, 0, sizeof(ref_b));
	for (round = 0; round < 200; round++) {
		/* Each round's values at a scale of their own: few ns to minutes, or none. */
		unsigned int shift = (round * 7) % 40, n = round % 9 ? 1 + round % 50 : 0;
		uint64_t na = 0, nb = b.n;

		hist_empty(&a);
		memset(ref_a, 0, sizeof(ref_a));
		for (i = 0; i < n; i++) {
			uint64_t v;

			x = x * 1103515245u + 12345u;
			v = ((uint64_t)(x >> 8) & 0xff) << shift;
			hist_add(&a, v);
			ref_a[hist_bucket(v)]++;
			na++;
		}
		ck_assert_uint_eq(a.n, na);
		for (i = 0; i < HIST_BUCKETS; i++) {
			ck_assert_uint_eq(a.b[i], ref_a[i]);
			both[i] = ref_a[i] + ref_b[i];
		}
		for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			ck_assert_uint_eq(hist_quantile(&a, NULL, qs[k]),
					  na ? ref_quantile(ref_a, na, qs[k]) : 0);
			if (nb)
				ck_assert_uint_eq(hist_quantile(&b, NULL, qs[k]),
						  ref_quantile(ref_b, nb, qs[k]));
			if (na + nb)
				ck_assert_uint_eq(hist_quantile(na ? &a : &b, na ? &b : NULL, qs[k]),
						  ref_quantile(both, na + nb, qs[k]));
			if (na && nb)
				ck_assert_uint_eq(hist_quantile(&b, &a, qs[k]),
						  ref_quantile(both, na + nb, qs[k]));
		}
		/* The window folds into the total; every few rounds the total starts again. */
		if (round % 17 == 16) {
			hist_empty(&b);
			memset(ref_b, 0, sizeof(ref_b));
		}
		hist_merge(&b, &a);
		for (i = 0; i < HIST_BUCKETS; i++) {
			ref_b[i] += ref_a[i];
			ck_assert_uint_eq(b.b[i], ref_b[i]);
		}
	}
}
END_TEST

static uint64_t table_sum(const struct hot_table *t, unsigned int view)
{
	struct acc a;

	hot_total(t, view, &a);
	return a.count;
}

START_TEST(hot_counts_exact)
{
	struct hot_table *t = malloc(sizeof(*t));
	struct acc a;
	int idx[HOT_CAP], n, s;

	hot_init(t);
	for (int i = 0; i < 500; i++)
		hot_touch(t, 0x608, HOT_READ, 4);
	for (int i = 0; i < 200; i++)
		hot_touch(t, 0x40, HOT_READ, 1);
	s = hot_touch(t, 0x40, HOT_WRITE, 2);
	ck_assert_int_eq(hot_find(t, 0x40), s);
	ck_assert_int_eq(hot_find(t, 0x41), -1);
	n = hot_top(t, ACC_WIN, idx, HOT_CAP);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(t->slot[idx[0]].addr, 0x608);
	ck_assert_uint_eq(t->slot[idx[0]].a.win.count, 500);
	ck_assert_uint_eq(t->slot[idx[0]].size, 4);
	ck_assert_uint_eq(t->slot[idx[1]].a.win.count, 201);
	/* Both directions seen; sizes differ: mixed. */
	ck_assert_uint_eq(t->slot[idx[1]].rw, HOT_READ | HOT_WRITE);
	ck_assert_uint_eq(t->slot[idx[1]].size, 0);
	/* Handling time attaches to the slot only while it holds the address. */
	hot_time(t, s, 0x40, 1500);
	hot_time(t, s, 0x41, 99999);
	hot_mark_user(t, s, 0x40);
	hot_slot_acc(t, s, ACC_WIN, &a);
	ck_assert_uint_eq(a.timed, 1);
	ck_assert_uint_eq(a.total_ns, 1500);
	ck_assert(t->slot[s].user);
	ck_assert(!t->slot[idx[0]].user);

	/* Fold: the interval empties, the cumulative view keeps everything. */
	hot_fold(t, false);
	ck_assert_uint_eq(table_sum(t, ACC_WIN), 0);
	ck_assert_uint_eq(table_sum(t, ACC_TOT), 701);
	hot_touch(t, 0x608, HOT_READ, 4);
	ck_assert_uint_eq(table_sum(t, ACC_WIN), 1);
	ck_assert_uint_eq(table_sum(t, ACC_WIN | ACC_TOT), 702);
	/* A fold after a reset drops what the interval held before it. */
	hot_reset(t);
	ck_assert_uint_eq(table_sum(t, ACC_TOT), 0);
	hot_fold(t, true);
	ck_assert_uint_eq(table_sum(t, ACC_WIN | ACC_TOT), 0);
	free(t);
}
END_TEST

START_TEST(hot_million_addresses_bounded)
{
	struct hot_table *t = malloc(sizeof(*t));
	size_t size = sizeof(*t);
	int idx[HOT_CAP], n, i;
	uint64_t rows = 0;

	hot_init(t);
	/* A guest sweeping a million distinct MMIO addresses, with a tick every 100k. */
	for (i = 0; i < 1000000; i++) {
		hot_touch(t, 0x100000000ull + (uint64_t)i * 8, HOT_READ, 8);
		if (i % 100000 == 99999)
			hot_fold(t, false);
	}
	/* The table never grows: fixed capacity, one struct, every access accounted. */
	ck_assert_int_eq(t->n, HOT_CAP);
	ck_assert_uint_eq(sizeof(*t), size);
	ck_assert_uint_eq(table_sum(t, ACC_TOT | ACC_WIN), 1000000);
	ck_assert_uint_eq(t->evictions, 1000000 - HOT_CAP);

	/* A late storm: one register hit at a quarter of the stream reaches the top at once. */
	for (i = 0; i < 40000; i++) {
		hot_touch(t, 0x200000000ull + (uint64_t)i * 8, HOT_READ, 8);
		if (i % 3 == 0)
			hot_touch(t, 0xfee00300, HOT_WRITE, 4);
	}
	n = hot_top(t, ACC_WIN, idx, HOT_CAP);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(t->slot[idx[0]].addr, 0xfee00300);
	/* It was never evicted: its count is exact. */
	ck_assert_uint_eq(t->slot[idx[0]].a.win.count, 13334);
	/* Rows plus the other bucket sum to every access of the interval. */
	for (i = 0; i < n; i++)
		rows += t->slot[idx[i]].a.win.count;
	ck_assert_uint_eq(rows + t->other.win.count, 40000 + 13334);
	ck_assert_uint_eq(table_sum(t, ACC_WIN), 40000 + 13334);
	free(t);
}
END_TEST

START_TEST(hot_heap_and_index_stay_consistent)
{
	struct hot_table *t = malloc(sizeof(*t));
	unsigned int x = 12345;
	int i, k;

	hot_init(t);
	/* Skewed random addresses with colliding hashes; check the invariants as we go. */
	for (i = 0; i < 200000; i++) {
		uint64_t addr;

		x = x * 1103515245u + 12345u;
		addr = (x >> 16) % ((x & 1) ? 16 : 4096) * 4096;
		hot_touch(t, addr, HOT_READ, 4);
		if (i % 997)
			continue;
		for (k = 0; k < t->n; k++) {
			ck_assert_int_eq(hot_find(t, t->slot[k].addr), k);
			ck_assert_uint_eq(t->heap[t->slot[k].heap], k);
			if (k)
				ck_assert_uint_le(t->slot[t->heap[(k - 1) / 2]].weight,
						  t->slot[t->heap[k]].weight);
		}
		if (i % 10 == 0)
			hot_fold(t, false);
	}
	free(t);
}
END_TEST

static Suite *hotspots_suite(void)
{
	Suite *s = suite_create("hotspots");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hist_buckets_cover_every_value);
	tcase_add_test(tc, hist_quantiles);
	tcase_add_test(tc, hist_windows_reused);
	tcase_add_test(tc, hot_counts_exact);
	tcase_add_test(tc, hot_million_addresses_bounded);
	tcase_add_test(tc, hot_heap_and_index_stay_consistent);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(hotspots_suite)
