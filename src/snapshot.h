/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot: everything an output shows for one tick, built by the model and then never
 * changed. The TUI, batch text and JSON read only this (plus their own view state). Text
 * from processes is kept raw here; outputs escape it.
 */
#ifndef KVMSCOPE_SNAPSHOT_H
#define KVMSCOPE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "cputime.h"
#include "probe.h"
#include "procfs.h"

#define SNAP_SOURCES_MAX 8
#define SNAP_NAME_MAX 48

/* Where an exit row comes from. */
enum exit_kind {
	EXIT_KIND_HW = 0, /* kvm_exit: a hardware exit reason */
	EXIT_KIND_USER,	  /* kvm_userspace_exit: the VMM handled it (KVM_EXIT_*) */
	EXIT_KIND_EVENT,  /* no kvm_exit here: counted from pio/mmio/msr/... events */
};

/* One exit reason in a scope (host, VM or vCPU). Times are 0 when unknown. */
struct snap_exit {
	char name[SNAP_NAME_MAX]; /* from the kernel's kvm_exit format, e.g. "EPT_VIOLATION" */
	uint32_t reason;
	uint8_t kind;		  /* enum exit_kind */
	uint64_t count;		  /* in the window: last interval, or since start/reset */
	double rate;		  /* per second over the window */
	double share;		  /* percent of the scope's exits */
	uint64_t total_ns, max_ns, p99_ns;
	double mean_ns;
	double time_share;	  /* percent of the scope's vCPU time handling them, -1 unknown */
	int8_t hot;		  /* enum hot_kind of the addresses behind it, -1 none */
};

enum hot_kind { HOT_PIO = 0, HOT_MMIO, HOT_MSR };
enum { HOT_READ = 1, HOT_WRITE = 2 };

/* One hot I/O port, MMIO address or MSR of a VM; other = the bucket for the rest. */
struct snap_hot {
	uint8_t kind;		  /* enum hot_kind */
	uint8_t rw;		  /* HOT_READ | HOT_WRITE seen */
	uint8_t size;		  /* access size in bytes, 0 if mixed/unknown */
	bool other;		  /* the "other" bucket: addresses beyond the top-K */
	bool user;		  /* handled in userspace (the VMM) */
	uint64_t addr;
	char name[SNAP_NAME_MAX]; /* "ACPI PM timer", "LAPIC ICR", "" when unknown */
	uint64_t count;
	double rate, share;	  /* share: percent of the VM's accesses of this kind */
	uint64_t total_ns;	  /* handling time, 0 when unknown */
	double mean_ns;
	double time_share;	  /* percent of the VM's vCPU time handling them, -1 unknown */
};

/*
 * Where a thread's wall time goes, in percent; source says how it was measured. A field is -1
 * when that source cannot tell it (user time without kvm_entry or a measured completion).
 */
enum split_source {
	SPLIT_NONE = 0,	 /* no data */
	SPLIT_PROCFS,	 /* coarse: schedstat and guest_time only */
	SPLIT_EVENTS,	 /* kvm_exit/kvm_entry/sched_switch */
};
struct exit_split {
	uint8_t source;	 /* enum split_source */
	double guest;	 /* running guest code */
	double kernel;	 /* handling exits in KVM */
	double user;	 /* handling exits in the VMM (userspace) */
	double halted;	 /* blocked after HLT (or idle) */
	double waiting;	 /* runnable, waiting for a host CPU */
	bool sched;	 /* off-CPU time from sched_switch; else waiting from schedstat */
};

/* A remedy worth naming, e.g. for an ACPI PM timer storm. */
struct snap_hint {
	char text[160];
};

/*
 * One counter of a scope (host, VM, thread) from perf or KVM stats (probes/perf.c,
 * probes/kvmstat.c), with what src/counters.c made of it over the window. rate, share and
 * ratio are -1 when unknown (one sample only, or why says the counter cannot be read).
 */
struct snap_counter {
	char name[SNAP_NAME_MAX]; /* as given: "task-clock", "cycles:mg", "exits", "ipc:mg" */
	const char *source;	  /* "perf", "debugfs", "tracepoint" (static) */
	uint8_t kind;		  /* enum ctr_kind (counters.h) */
	uint64_t value;		  /* cumulative, as read (a gauge: its value) */
	uint64_t count;		  /* increase in the window, scaled when multiplexed */
	double rate;		  /* per second over the window */
	double share;		  /* time counters: percent of the window (of one CPU) */
	double ratio;		  /* derived (IPC) */
	double scale;		  /* enabled / running in the window: 1 unless multiplexed */
	uint64_t p50;		  /* histograms: upper bound of the median bucket, cumulative */
	char why[40];		  /* "" when read; else why not: "no PMU", "fd limit" ... */
};
struct snap_wake;     /* wakeup chains: src/wakegraph.c */

/* A thread of a VM (vCPU, iothread), or all other threads of the VM grouped in one row. */
struct snap_thread {
	int tid;		  /* 0 for the grouped row */
	enum thread_kind kind;
	int index;		  /* vCPU index, -1 otherwise */
	int nthreads;		  /* threads in the row: 1, or the size of the group */
	char comm[PROC_COMM_MAX]; /* raw */
	bool gone;
	struct cpu_split cpu;	  /* procfs: cpu, guest, host, steal, context switches */
	struct exit_split split;  /* time in guest / exit handling / halted / waiting */
	double exits_rate;
	uint64_t exits_count;
	struct snap_exit *exits;  /* this vCPU's exit reasons by rate; owned */
	int nexits;
	struct snap_counter *counters; /* owned */
	int ncounters;
};

struct snap_vm {
	int pid;
	uint64_t starttime;
	char name[PROC_NAME_MAX]; /* raw; "" when the VMM gave none (show comm:pid) */
	char comm[PROC_COMM_MAX];
	char uuid[PROC_UUID_MAX];
	bool gone;
	int nvcpus, niothreads, nother;
	struct cpu_split cpu;	  /* sums over all threads (percent of one CPU) */
	struct exit_split split;  /* mean over vCPUs */
	double exits_rate;
	uint64_t exits_count;
	char top_exit[SNAP_NAME_MAX]; /* "" when no exits */
	double top_exit_share;
	struct snap_thread *threads; /* vCPUs by index, iothreads, then the grouped others */
	int nthreads;
	struct snap_exit *exits;  /* by rate; owned */
	int nexits;
	struct snap_hot *hot;	  /* by rate, the other bucket last; owned */
	int nhot;
	struct snap_hint *hints;
	int nhints;
	struct snap_counter *counters;
	int ncounters;
	struct snap_wake *wake;
};

/* Owned by whoever called model_snapshot(); released with snapshot_free(). */
struct snapshot {
	unsigned int seq;	/* tick number */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC at the tick */
	int64_t wall_s;		/* time(NULL) at the tick */
	uint64_t interval_ns;	/* since the previous tick */
	bool cumulative;	/* counts and shares since start or reset, not per interval */
	uint64_t window_ns;	/* length of the window counts cover */
	struct proc_host host;
	struct source_status sources[SNAP_SOURCES_MAX];
	int nsources;
	/* Trace stream health: nothing is lost silently. */
	uint64_t events;	/* events read in the window */
	uint64_t events_lost;	/* ring-buffer overruns and missed events, since start */
	uint64_t events_unattributed; /* events from threads of no known VM, in the window */
	double exits_rate;	/* all VMs */
	struct snap_vm *vms;	/* owned, in discovery order */
	int nvms;
	struct snap_counter *counters; /* host-wide counters; owned */
	int ncounters;
};

void snapshot_free(struct snapshot *s);

/* Returns the VM with this pid, or NULL. */
const struct snap_vm *snapshot_vm(const struct snapshot *s, int pid);
/* Returns the thread with this tid in vm, or NULL. */
const struct snap_thread *snapshot_thread(const struct snap_vm *vm, int tid);
/* Returns the source status by name, or NULL. */
const struct source_status *snapshot_source(const struct snapshot *s, const char *name);

/*
 * Returns a display label for a VM: its name, else "comm:pid"; raw bytes (escape before
 * display).
 */
const char *snap_vm_label(const struct snap_vm *vm, char *buf, int bufsz);

#endif
