/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a thread's time goes, as shares of wall time (percent of one CPU), from two samples
 * of its cumulative procfs times and the interval between them.
 */
#ifndef KVMSCOPE_CPUTIME_H
#define KVMSCOPE_CPUTIME_H

#include <stdint.h>

#include "snapshot.h"
#include "vmreg.h"


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
