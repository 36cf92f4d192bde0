// SPDX-License-Identifier: GPL-2.0
/*
 * Every MEAN / P99 / MAX a snapshot carries, over random samples: the mean and the maximum
 * are exact, the 99th percentile comes from the log histogram, never below the true value
 * (the ceil(0.99 n)-th smallest sample), at most 12.5% above it and never above the maximum.
 * A mean above the P99 is then real (a few long samples), and the maximum shows why.
 * Through the accumulator itself, an exit row (both windows) and a wake edge.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acc.h"
#include "model.h"
#include "synth.h"
#include "unit.h"
#include "util.h"

#define C0  101 /* vCPU 0 of VM 100 */
#define IO1 103 /* its iothread */

/* A small deterministic generator (xorshift64*), so a failure reproduces. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* Returns a sample of distribution kind, in ns. */
static uint64_t sample(int kind)
{
	double u = (double)(rng() >> 11) / 9007199254740992.0;

	switch (kind) {
	case 0: /* uniform, 1-50 us */
		return 1000 + rng() % 49000;
	case 1: /* exponential around 20 us: a long tail */
		return (uint64_t)(-20000.0 * log(1.0 - u)) + 1;
	case 2: /* 20 us, with 0.5% of outliers near 3 ms: the mean above P99 */
		return rng() % 200 ? 19000 + rng() % 2000 : 2000000 + rng() % 2000000;
	default: /* log-uniform over 100 ns .. 100 ms */
		return (uint64_t)(100.0 * pow(1e6, u));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The exact figures of n samples. */
struct truth {
	double mean;
	uint64_t p99, max;
};

static struct truth truth_of(uint64_t *v, int n)
{
	struct truth t = { 0 };
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += (double)v[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	t.mean = sum / n;
	t.p99 = v[(int)ceil(0.99 * n - 1e-9) - 1];
	t.max = v[n - 1];
	return t;
}

/* Asserts a snapshot's triple against the truth; what names it in a failure. */
static void check(const char *what, double mean, uint64_t p99, uint64_t max, const struct truth *t)
{
	ck_assert_msg(fabs(mean - t->mean) <= 1e-9 * t->mean, "%s: mean %.3f, exact %.3f", what,
		      mean, t->mean);
	ck_assert_msg(max == t->max, "%s: max %llu, exact %llu", what, (unsigned long long)max,
		      (unsigned long long)t->max);
	ck_assert_msg(p99 >= t->p99 && p99 <= t->p99 + t->p99 / 8,
		      "%s: p99 %llu, true %llu (+12.5%%: %llu)", what, (unsigned long long)p99,
		      (unsigned long long)t->p99, (unsigned long long)(t->p99 + t->p99 / 8));
	ck_assert_msg(p99 <= max, "%s: p99 %llu above max %llu", what, (unsigned long long)p99,
		      (unsigned long long)max);
}

static const int sizes[] = { 1, 7, 100, 1000, 20000 };

START_TEST(accumulator_triples)
{
	uint64_t *v = xcalloc(20000, sizeof(*v));
	int kind, k, i, n;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (kind = 0; kind < 4; kind++) {
		for (k = 0; k < (int)ARRAY_SIZE(sizes); k++) {
			struct acc2 a = { 0 };
			struct truth t;
			struct acc sum;
			uint64_t p99;

			n = sizes[k];
			/* Half in a window folded into TOT, half in the new WIN: both views. */
			for (i = 0; i < n; i++) {
				v[i] = sample(kind);
				acc_time(&a.win, v[i], true);
				if (i == n / 2)
					acc2_fold(&a, false);
			}
			t = truth_of(v, n);
			acc2_view(&a, ACC_WIN | ACC_TOT, &sum);
			ck_assert_uint_eq(sum.timed, (uint64_t)n);
			p99 = MIN(acc2_quantile(&a, ACC_WIN | ACC_TOT, 0.99), sum.max_ns);
			check("accumulator", (double)sum.total_ns / (double)sum.timed, p99,
			      sum.max_ns, &t);
			acc2_free(&a);
		}
	}
	free(v);
}
END_TEST

/* Exits to the VMM timed to its ioctl(KVM_RUN): the VMM part's mean and maximum. */
START_TEST(exit_row_triples)
{
	uint64_t *v = xcalloc(20000, sizeof(*v));
	int kind, k, i, n;

	rng_state = 0x2545f4914f6cdd1dull;
	for (kind = 0; kind < 4; kind++) {
		for (k = 0; k < (int)ARRAY_SIZE(sizes); k++) {
			const struct snap_exit *e;
			struct synth_host h;
			struct snapshot *s;
			struct truth t;
			struct model m;
			uint64_t ts = 1 * S;

			n = sizes[k];
			synth_model(&m, &h, 1);
			for (i = 0; i < n; i++) {
				v[i] = sample(kind);
				ev_user(&m, ts, C0, 2, 0);
				ev_kvm_run(&m, ts + v[i], C0);
				ev_pio(&m, ts + v[i] + 500, C0, 0x608, 0);
				ts += v[i] + 1000;
				/* The first half in the interval before: the cumulative view. */
				if (i == n / 2) {
					snapshot_free(model_snapshot(&m, ts, 0, false));
					ts += 1000;
				}
			}
			t = truth_of(v, n);
			s = model_snapshot(&m, ts, 0, true);
			/* The VMM's part of the PIO exits: its mean and maximum, exact. */
			e = find_exit(s->vms[0].exits, s->vms[0].nexits, "io (pio)");
			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq(e->vmm_count, (uint64_t)n);
			ck_assert_msg(fabs(e->vmm_mean_ns - t.mean) <= 1e-9 * t.mean,
				      "VMM mean %.3f, exact %.3f", e->vmm_mean_ns, t.mean);
			ck_assert_uint_eq(e->vmm_max_ns, t.max);
			snapshot_free(s);
			model_free(&m);
		}
	}
	free(v);
}
END_TEST

/* The iothread woken by the vCPU, running after a random latency: the edge's triple. */
START_TEST(wake_edge_triples)
{
	uint64_t *v = xcalloc(20000, sizeof(*v));
	int kind, k, i, n;

	rng_state = 0x853c49e6748fea9bull;
	for (kind = 0; kind < 4; kind++) {
		for (k = 0; k < (int)ARRAY_SIZE(sizes); k++) {
			const struct snap_wake_edge *e = NULL;
			struct synth_host h;
			struct snapshot *s;
			struct truth t;
			struct model m;
			uint64_t ts = 1 * S;
			int j;

			n = sizes[k];
			/* No more than the wake graph times: a wakee waits at most a second. */
			synth_model(&m, &h, 1);
			for (i = 0; i < n; i++) {
				v[i] = MIN(sample(kind), 900 * MS);
				ev_waking(&m, ts, C0, IO1, 0);
				ev_switch(&m, ts + v[i], C0, IO1, KE_TASK_RUNNING);
				ev_switch(&m, ts + v[i] + 1000, IO1, C0, 1);
				ts += v[i] + 2000;
			}
			t = truth_of(v, n);
			s = model_snapshot(&m, ts, 0, false);
			for (j = 0; s->vms[0].wake && j < s->vms[0].wake->nedges; j++)
				if (s->vms[0].wake->edges[j].wakee == IO1)
					e = &s->vms[0].wake->edges[j];
			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq(e->timed, (uint64_t)n);
			check("wake edge", e->mean_ns, (uint64_t)e->p99_ns, (uint64_t)e->max_ns,
			      &t);
			snapshot_free(s);
			model_free(&m);
		}
	}
	free(v);
}
END_TEST

static Suite *latency_suite(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("triples");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, accumulator_triples);
	tcase_add_test(tc, exit_row_triples);
	tcase_add_test(tc, wake_edge_triples);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(latency_suite)
