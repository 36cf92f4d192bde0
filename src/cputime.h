/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a thread's time goes, as shares of wall time (percent of one CPU), from two samples
 * of its cumulative procfs times and the interval between them.
 */
#ifndef KVMSCOPE_CPUTIME_H
#define KVMSCOPE_CPUTIME_H

#include <stdint.h>

#include "vmreg.h"

/* Percent of one CPU over an interval; every field is -1 when there is no data. */
struct cpu_split {
	double cpu;   /* on a CPU: run time */
	double guest; /* of which in guest mode (stat guest_time) */
	double host;  /* of which in the host: cpu - guest (exit handling, the VMM, the rest) */
	double steal; /* runnable but waiting for a CPU */
	double cs;    /* times scheduled in, per second */
};

/*
 * Returns 0 and fills out from samples a (older) and b taken dt_ns apart, or -EINVAL (out
 * all -1) when there is no interval or a counter went backwards (a reused tid).
 */
int cputime_split(const struct thread_times *a, const struct thread_times *b, uint64_t dt_ns,
		  struct cpu_split *out);

/* Adds b into a; fields that are -1 in b leave a unchanged. a starts from cputime_zero(). */
void cputime_add(struct cpu_split *a, const struct cpu_split *b);
void cputime_zero(struct cpu_split *a);
void cputime_none(struct cpu_split *a);

#endif
