// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "cputime.h"

void cputime_none(struct cpu_split *a)
{
	a->cpu = a->guest = a->host = a->steal = a->cs = -1;
}

void cputime_zero(struct cpu_split *a)
{
	a->cpu = a->guest = a->host = a->steal = a->cs = 0;
}

int cputime_split(const struct thread_times *a, const struct thread_times *b, uint64_t dt_ns,
		  struct cpu_split *out)
{
	double dt = (double)dt_ns, run, guest;

	cputime_none(out);
	if (!dt_ns || b->run_ns < a->run_ns || b->wait_ns < a->wait_ns ||
	    b->guest_ns < a->guest_ns || b->slices < a->slices)
		return -EINVAL;
	run = (double)(b->run_ns - a->run_ns);
	/*
	 * guest_time is kept in clock ticks while run time is in ns: over a short interval
	 * the guest share can exceed the run share by a tick; it cannot really.
	 */
	guest = (double)(b->guest_ns - a->guest_ns);
	if (guest > run)
		guest = run;
	out->cpu = 100.0 * run / dt;
	out->guest = 100.0 * guest / dt;
	out->host = out->cpu - out->guest;
	out->steal = 100.0 * (double)(b->wait_ns - a->wait_ns) / dt;
	out->cs = (double)(b->slices - a->slices) * 1e9 / dt;
	return 0;
}

void cputime_add(struct cpu_split *a, const struct cpu_split *b)
{
	if (b->cpu < 0)
		return;
	a->cpu += b->cpu;
	a->guest += b->guest;
	a->host += b->host;
	a->steal += b->steal;
	a->cs += b->cs;
}
