/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf probe: per-thread counters with perf_event_open, from event names that libpfm4
 * encodes ("task-clock", "cycles:mg"...) or from ready attributes (KVM tracepoints, for the
 * kvmstat fallback). Counters are opened when a thread is first handed in and closed when
 * it is no longer; hardware and software events are read as two groups, with the times
 * enabled and running so the model can scale multiplexed counts. An event that cannot be
 * opened is reported with its errno and the rest go on.
 */
#ifndef KVMSCOPE_PERF_H
#define KVMSCOPE_PERF_H

#include <perfmon/pfmlib_perf_event.h> /* its own copy of linux/perf_event.h */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr.h"
#include "source.h"

#define PERF_EVENTS_MAX 16
#define PERF_DEFAULT_EVENTS                                                                        \
	"task-clock,context-switches,cpu-migrations,cycles:mg,instructions:mg,cycles:mh,"          \
	"instructions:mh"

/* One event of a set: its name as given and how to open it. Owned by the caller. */
struct perf_event_def {
	char name[CTR_NAME_MAX];
	struct perf_event_attr attr;
	uint8_t kind; /* enum ctr_kind: task-clock counts ns */
	bool hw;      /* needs a hardware PMU: opened in the hardware group */
};

/*
 * Returns 0 after encoding one libpfm4 event name into def, or -errno with why set
 * ("event not found").
 */
int perf_encode(const char *name, struct perf_event_def *def, char *why, size_t whysz);

/*
 * Returns the number of events in a comma-separated list encoded into defs (at most max),
 * or -errno with why naming the bad entry.
 */
int perf_parse_list(const char *list, struct perf_event_def *defs, int max, char *why,
		    size_t whysz);

struct perf;

/* Returns a probe counting defs on each thread it is given, or NULL with errno set. */
struct perf *perf_open(const struct perf_event_def *defs, int n);
void perf_close(struct perf *p);

/*
 * Returns 0 after opening counters on the threads in tids (of process pids[i]) not yet
 * counted and closing those of threads not in the list; a closed thread's final values are
 * handed to gone(arg, pid, tid, set) first when gone is not NULL. -errno only on allocation.
 */
int perf_sync(struct perf *p, const int *pids, const int *tids, int n,
	      void (*gone)(void *arg, int pid, int tid, const struct ctr_set *set), void *arg);

/* Returns 0 after reading every counted thread into s, or -errno. */
int perf_sample(struct perf *p, struct perf_sample *s);
void perf_sample_free(struct perf_sample *s);

/* Returns the probe's status: ok, degraded (which events and why), unavailable. */
const struct source_status *perf_status(const struct perf *p);

/*
 * Raises RLIMIT_NOFILE's soft limit toward the hard one so that need more fds fit; returns
 * 0, or -EMFILE when the hard limit is in the way.
 */
int perf_raise_nofile(int need);

#endif
