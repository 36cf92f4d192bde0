// SPDX-License-Identifier: GPL-2.0
/*
 * Detail within a budget (src/detail.c): full below the budget, bursts above it, back to
 * full below 80% of it, the kernel's count as a floor of the rate, and plans whose bursts
 * add up to the budget's share of the interval, inside their slots, jittered; the steady
 * time: one noisy interval kept, two in a row, a far one or a VM that comes or goes not.
 */
#include <stdint.h>

#include <string.h>

#include "detail.h"
#include "unit.h"

#define MS 1000000ull
#define S  1000000000ull

START_TEST(modes_and_hysteresis)
{
	struct detail_ctl d;
	int i;

	detail_init(&d, 20000, 1);
	ck_assert(!d.sampled);
	/* 10k events in a second traced: below the budget, full. */
	ck_assert(!detail_update(&d, 10000, S, -1));
	ck_assert(!d.sampled);
	/* 1M/s: bursts, at 2% of the time. */
	ck_assert(detail_update(&d, 1000000, S, -1));
	ck_assert(d.sampled);
	ck_assert(d.duty > 0.0199 && d.duty < 0.0201);
	/* A fall halves the way each tick; under the budget but above 80% of it: still bursts. */
	for (i = 0; i < 20; i++)
		detail_update(&d, 18000 / 50, 20 * MS, -1);
	ck_assert(d.sampled);
	for (i = 0; i < 10 && d.sampled; i++)
		detail_update(&d, 12000 / 50, 20 * MS, -1);
	ck_assert(!d.sampled);
	ck_assert(d.duty == 1);
	/* A storm the kernel counted, though nothing was traced yet: bursts at once. */
	ck_assert(detail_update(&d, 0, 0, 2e6));
	ck_assert(d.duty > 0.0099 && d.duty < 0.0101);
	/* Under a millisecond traced teaches nothing. */
	detail_update(&d, 1, 1000, -1);
	ck_assert(d.rate >= 2e6);
	/* No budget: always full. */
	detail_init(&d, 0, 1);
	ck_assert(!detail_update(&d, 5000000, S, 5e6));
	ck_assert(!d.sampled);
}
END_TEST

START_TEST(plans)
{
	struct detail_burst b[DETAIL_PLAN_MAX];
	struct detail_ctl d;
	uint64_t sum;
	int n, i, round;

	detail_init(&d, 20000, 7);
	detail_update(&d, 1000000, S, -1); /* duty 2% */
	for (round = 0; round < 100; round++) {
		n = detail_plan(&d, S, b, DETAIL_PLAN_MAX);
		ck_assert_int_eq(n, 1);
		ck_assert_uint_eq(b[0].len_ns, 20 * MS);
		ck_assert_uint_le(b[0].at_ns + b[0].len_ns, S);
	}
	/* 10% of 1 s: 100 ms in two bursts of 50 ms, each inside its slot. */
	detail_init(&d, 20000, 7);
	detail_update(&d, 200000, S, -1);
	n = detail_plan(&d, S, b, DETAIL_PLAN_MAX);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(b[0].len_ns, DETAIL_BURST_MAX_NS);
	ck_assert_uint_le(b[0].at_ns + b[0].len_ns, S / 2);
	ck_assert_uint_ge(b[1].at_ns, S / 2);
	/* 50% of 1 s: 500 ms in DETAIL_PLAN_MAX longer bursts (each costs a switch), each inside
	 * its slot, in order. */
	detail_init(&d, 20000, 7);
	detail_update(&d, 40000, S, -1);
	ck_assert(d.duty > 0.49 && d.duty < 0.51);
	n = detail_plan(&d, S, b, DETAIL_PLAN_MAX);
	ck_assert_int_eq(n, DETAIL_PLAN_MAX);
	for (i = 0, sum = 0; i < n; i++) {
		ck_assert_uint_gt(b[i].len_ns, DETAIL_BURST_MAX_NS);
		ck_assert_uint_ge(b[i].at_ns, (uint64_t)i * (S / DETAIL_PLAN_MAX));
		ck_assert_uint_le(b[i].at_ns + b[i].len_ns,
				  (uint64_t)(i + 1) * (S / DETAIL_PLAN_MAX));
		sum += b[i].len_ns;
	}
	ck_assert(sum > 490 * MS && sum <= 510 * MS);
	/* A tiny share: one burst of the minimum length, never past the interval. */
	detail_update(&d, 100000000, S, -1);
	n = detail_plan(&d, 200 * MS, b, DETAIL_PLAN_MAX);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(b[0].len_ns, DETAIL_BURST_MIN_NS);
	/* The jitter moves the burst from interval to interval. */
	{
		uint64_t first = b[0].at_ns;
		bool moved = false;

		for (round = 0; round < 10 && !moved; round++) {
			detail_plan(&d, 200 * MS, b, DETAIL_PLAN_MAX);
			moved = b[0].at_ns != first;
		}
		ck_assert(moved);
	}
}
END_TEST

/* Feeds the tracker ticks of 1 s from t (seconds) on at rate; returns the last verdict. */
static bool hold(struct detail_steady *st, uint64_t *t, int ticks, double rate, int vms)
{
	bool v = false;

	while (ticks-- > 0) {
		*t += S;
		v = detail_steady(st, rate, vms, *t);
	}
	return v;
}

START_TEST(steady_time)
{
	struct detail_steady st = { 0 };
	uint64_t t = 100 * S;

	/* Unknown rates never hold. */
	ck_assert(!hold(&st, &t, 20, -1, 1));
	/* 10 s at 18k/s, give or take 20%: steady 10 s after the first interval. */
	ck_assert(!hold(&st, &t, 9, 18000, 30));
	ck_assert(!hold(&st, &t, 1, 21000, 30));
	ck_assert(hold(&st, &t, 1, 15000, 30));
	/* One interval 40% off (a busy host's noise) and back: still steady. */
	ck_assert(hold(&st, &t, 1, 25000, 30));
	ck_assert(hold(&st, &t, 1, 18000, 30));
	/* Two in a row: the time starts again, from the second one's rate. */
	ck_assert(hold(&st, &t, 1, 25000, 30));
	ck_assert(!hold(&st, &t, 1, 25500, 30));
	ck_assert(!hold(&st, &t, 9, 25000, 30));
	ck_assert(hold(&st, &t, 1, 25000, 30));
	/* A storm's onset (or its end) is far: at once. */
	ck_assert(!hold(&st, &t, 1, 1e6, 30));
	ck_assert(hold(&st, &t, 10, 1e6, 30));
	ck_assert(!hold(&st, &t, 1, 200, 30));
	ck_assert(hold(&st, &t, 10, 200, 30));
	/* Under the floor, rates move freely. */
	ck_assert(hold(&st, &t, 1, 600, 30));
	/* A VM that comes or goes: at once, whatever the rate. */
	ck_assert(!hold(&st, &t, 1, 200, 31));
	ck_assert(hold(&st, &t, 10, 200, 31));
	/* An unknown rate ends it too. */
	ck_assert(!hold(&st, &t, 1, -1, 31));
	ck_assert(!hold(&st, &t, 10, 200, 31));
	ck_assert(hold(&st, &t, 1, 200, 31));
}
END_TEST

/*
 * A host of four VMs, their switches in so far: each tick adds per[] to them and the follow
 * picks again; returns the pick after ticks ticks (pick[] kept from the last call).
 */
static void follow(struct detail_vm *vms, const uint64_t *per, int ticks, int skip, int pick[2])
{
	struct detail_vm prev[4];

	while (ticks-- > 0) {
		int i;

		memcpy(prev, vms, sizeof(prev));
		for (i = 0; i < 4; i++)
			vms[i].slices += per[i];
		detail_follow(prev, 4, vms, 4, skip, pick);
	}
}

static bool picked(const int pick[2], int a, int b)
{
	return (pick[0] == a && pick[1] == b) || (pick[0] == b && pick[1] == a);
}

START_TEST(follow_interval)
{
	/* VM 40 switched in a million times before: an old storm, quiet now. */
	struct detail_vm vms[4] = { { 10, 0 }, { 20, 0 }, { 30, 0 }, { 40, 1000000 } };
	const uint64_t busy[4] = { 500, 400, 300, 0 };
	const uint64_t near[4] = { 300, 300, 360, 0 }; /* 30 at 1.2 times 10 and 20 */
	const uint64_t far[4] = { 300, 280, 400, 0 };  /* 30 at 1.33 times 10, 1.43 times 20 */
	const uint64_t back[4] = { 0, 0, 0, 900 };
	int pick[2] = { 0, 0 };

	/* By the interval's switches, not by what was counted before. */
	follow(vms, busy, 1, 0, pick);
	ck_assert(picked(pick, 10, 20));
	follow(vms, busy, 30, 0, pick);
	ck_assert(picked(pick, 10, 20));
	/* One a little busier than one followed does not take its place... */
	follow(vms, near, 5, 0, pick);
	ck_assert(picked(pick, 10, 20));
	/* ...one busier by more than DETAIL_FOLLOW_KEEP does, from the least busy. */
	follow(vms, far, 1, 0, pick);
	ck_assert(picked(pick, 30, 10));
	/* The quiet one that storms again is followed the interval it does. */
	follow(vms, back, 1, 0, pick);
	ck_assert_int_eq(pick[0], 40);
	/* The VM in focus (its own trace) is never picked. */
	follow(vms, back, 1, 40, pick);
	ck_assert_int_ne(pick[0], 40);
	ck_assert_int_ne(pick[1], 40);
	/* A VM new since the last tick counts nothing yet; one gone is not picked. */
	{
		struct detail_vm prev[3] = { { 10, 5 }, { 20, 5 }, { 30, 5 } };
		struct detail_vm now[3] = { { 20, 15 }, { 30, 8 }, { 50, 900000 } };
		int p[2] = { 10, 0 };

		detail_follow(prev, 3, now, 3, 0, p);
		ck_assert(picked(p, 20, 30));
	}
}
END_TEST

static Suite *detail_suite(void)
{
	Suite *s = suite_create("detail");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, modes_and_hysteresis);
	tcase_add_test(tc, plans);
	tcase_add_test(tc, steady_time);
	tcase_add_test(tc, follow_interval);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(detail_suite)
