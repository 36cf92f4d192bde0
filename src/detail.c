// SPDX-License-Identifier: GPL-2.0
#include "detail.h"

void detail_init(struct detail_ctl *d, double budget, uint32_t seed)
{
	*d = (struct detail_ctl){ .budget = budget, .rate = -1, .duty = 1, .seed = seed | 1 };
}

bool detail_update(struct detail_ctl *d, uint64_t events, uint64_t traced_ns, double floor)
{
	bool was = d->sampled;
	double r;

	if (d->budget <= 0) {
		d->sampled = false;
		d->duty = 1;
		return was;
	}
	/* Under a millisecond of trace says little: keep what is known. */
	if (traced_ns >= 1000000ull) {
		r = (double)events * 1e9 / (double)traced_ns;
		/* Storms start at once: a rise is followed at once, a fall halves the way each
		 * tick. */
		d->rate = d->rate < 0 || r > d->rate ? r : (d->rate + r) / 2;
	}
	if (floor > d->rate)
		d->rate = floor;
	if (d->rate < 0)
		return false;
	if (!d->sampled && d->rate > d->budget)
		d->sampled = true;
	else if (d->sampled && d->rate < DETAIL_FULL_BELOW * d->budget)
		d->sampled = false;
	d->duty = d->sampled ? d->budget / d->rate : 1;
	return d->sampled != was;
}

bool detail_steady(struct detail_steady *st, double rate, int vms, uint64_t now_ns)
{
	double ref = st->ref > DETAIL_STEADY_FLOOR ? st->ref : DETAIL_STEADY_FLOOR;
	double off = rate - st->ref;
	bool out;

	off = off < 0 ? -off : off;
	out = off > DETAIL_STEADY_NEAR * ref;
	if (rate < 0 || !st->since || vms != st->vms || off > DETAIL_STEADY_FAR * ref ||
	    (out && st->out)) {
		*st = (struct detail_steady){ .ref = rate, .vms = vms, .since = now_ns };
		if (rate < 0)
			st->since = 0;
		return false;
	}
	st->out = out;
	return now_ns - st->since >= DETAIL_STEADY_NS;
}

/* Returns a pseudo-random number (xorshift32): the jitter only. */
static uint32_t next(uint32_t *seed)
{
	uint32_t x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *seed = x;
}

int detail_windows(uint32_t *seed, double duty, uint64_t interval_ns, uint64_t min_ns,
		   uint64_t max_ns, struct detail_burst *b, int max)
{
	double want = duty * (double)interval_ns;
	uint64_t len, slot;
	int n, i;

	if (!interval_ns || max < 1)
		return 0;
	/* At least one window an interval, of the minimum length: the figures need a sample. */
	n = want > (double)max_ns ? (int)(want / (double)max_ns + 0.999) : 1;
	n = n > max ? max : n;
	len = (uint64_t)(want / n);
	if (len < min_ns)
		len = min_ns;
	slot = interval_ns / (uint64_t)n;
	if (len > slot)
		len = slot;
	for (i = 0; i < n; i++) {
		uint64_t room = slot - len;

		b[i].at_ns = (uint64_t)i * slot + (room ? next(seed) % room : 0);
		b[i].len_ns = len;
	}
	return n;
}

int detail_plan(struct detail_ctl *d, uint64_t interval_ns, struct detail_burst *b, int max)
{
	return detail_windows(&d->seed, d->duty, interval_ns, DETAIL_BURST_MIN_NS,
			      DETAIL_BURST_MAX_NS, b, max);
}

void detail_follow(const struct detail_vm *prev, int np, const struct detail_vm *now, int n,
		   int skip, int pick[2])
{
	int top[2] = { 0, 0 }, i, j = 0;
	double rate[2] = { -1, -1 };

	for (i = 0; i < n; i++) {
		double cs = 0;

		if (now[i].pid == skip)
			continue;
		while (j < np && prev[j].pid < now[i].pid)
			j++;
		if (j < np && prev[j].pid == now[i].pid && now[i].slices >= prev[j].slices)
			cs = (double)(now[i].slices - prev[j].slices);
		if (now[i].pid == pick[0] || now[i].pid == pick[1])
			cs *= DETAIL_FOLLOW_KEEP;
		if (cs > rate[0]) {
			top[1] = top[0], rate[1] = rate[0];
			top[0] = now[i].pid, rate[0] = cs;
		} else if (cs > rate[1]) {
			top[1] = now[i].pid, rate[1] = cs;
		}
	}
	pick[0] = top[0];
	pick[1] = top[1];
}
