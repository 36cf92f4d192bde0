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
/*
 * Hardware counters only: per-thread software counters (task-clock, context switches,
 * migrations) duplicate schedstat and cost each thread at every context switch. Opened only
 * where a PMU exists, and by default on the vCPUs of the VM in focus only.
 */
#define PERF_DEFAULT_EVENTS "cycles:mg,instructions:mg,cycles:mh,instructions:mh"

/* One event of a set: its name as given and how to open it. Owned by the caller. */
struct perf_event_def {
	char name[CTR_NAME_MAX];
	struct perf_event_attr attr;
	uint8_t kind;	 /* enum ctr_kind: task-clock counts ns */
	bool hw;	 /* needs a hardware PMU: opened in the hardware group */
	char filter[96]; /* a tracepoint's filter ("exit_reason == 12"); "" for none */
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

/*
 * Returns 0 after filling def to count tracepoint sys:name (its id read from tracing_dir's
 * events/), counting without sampling; -errno when the kernel has no such event.
 */
int perf_tracepoint(const char *tracing_dir, const char *sys, const char *name,
		    struct perf_event_def *def);

struct perf;

/* Returns a probe counting defs on each thread it is given, or NULL with errno set. */
struct perf *perf_open(const struct perf_event_def *defs, int n);
void perf_close(struct perf *p);

/*
 * Returns nothing; with on, each thread's counters opened from now on also count every
 * thread it makes from then on (perf's inherit), and read as the sum of them all, those
 * exited included. For the threads of a process about to start its vCPUs.
 */
void perf_set_inherit(struct perf *p, bool on);

/*
 * Returns 0 after opening counters on the threads in tids (of process pids[i]) not yet
 * counted and closing those of threads not in the list; a closed thread's final values are
 * handed to gone(arg, pid, tid, set) first when gone is not NULL. -errno only on allocation.
 */
int perf_sync(struct perf *p, const int *pids, const int *tids, int n,
	      void (*gone)(void *arg, int pid, int tid, const struct ctr_set *set), void *arg);

/*
 * Returns 0 after opening the events on each of CPUs 0..ncpus-1, whatever thread runs there
 * (one group, one read per CPU and sample; CPUs that are offline are left out), or -errno
 * when no CPU could count (the status says why). For a probe that follows no threads.
 */
int perf_open_cpus(struct perf *p, int ncpus);

/* Returns 0 after reading every counted thread (or CPU) into s, or -errno. */
int perf_sample(struct perf *p, struct perf_sample *s);
void perf_sample_free(struct perf_sample *s);

/* Returns the probe's status: ok, degraded (which events and why), unavailable. */
const struct source_status *perf_status(const struct perf *p);

/*
 * Returns 0 after closing event i on every thread or CPU (a group's leader cannot go while
 * it leads: -EBUSY); it reads as -ECANCELED from then on.
 */
int perf_drop_event(struct perf *p, int i);

/*
 * Returns 0 after switching every group of the probe on or off (PERF_EVENT_IOC_ENABLE or
 * _DISABLE): an event switched off costs the thread that fires it next to nothing (a
 * tracepoint is no longer on the CPU's list). Groups whose first event has attr.disabled
 * set start off. -errno of the last ioctl that failed.
 */
int perf_enable(struct perf *p, bool on);

/*
 * Returns 0 when a hardware PMU counts cycles for this thread, else -errno (-ENOENT: no PMU,
 * as in a VM without a virtual PMU).
 */
int perf_pmu_check(void);

/*
 * Raises RLIMIT_NOFILE's soft limit toward the hard one so that need more fds fit; returns
 * 0, or -EMFILE when the hard limit is in the way.
 */
int perf_raise_nofile(int need);

#endif
