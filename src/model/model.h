/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model: pure C over what the probes return. It keeps the VM registry and the
 * accumulators of the event-driven modules, and builds one immutable snapshot per tick.
 * It opens no file; every input is passed in, with explicit timestamps.
 */
#ifndef KVMSCOPE_MODEL_H
#define KVMSCOPE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "exitnames.h"
#include "kvm_event.h"
#include "ctr.h"
#include "proc.h"
#include "source.h"
#include "snapshot.h"
#include "vmreg.h"

/*
 * The trace's detail as the loop runs it, fed every tick by model_set_detail(): running
 * totals, so that the model takes each window's share itself.
 */
struct model_detail {
	uint8_t mode;		/* enum snap_detail_mode */
	uint64_t traced_ns;	/* time traced since start */
	uint64_t exact_events;	/* KVM tracepoint hits counted by the kernel since start */
	bool have_exact;	/* exact_events is known */
	double budget;		/* traced events per second allowed; 0: no limit */
	int focus_pid;		/* the VM traced in full on demand; 0: none */
	uint64_t focus_events;	/* events read for it from its own trace since start */
	uint64_t own_cpu_ns;	/* kvmscope's CPU time since start; 0: unknown */
};

/*
 * Owned by the tick loop (or a test). The modules that keep state per VM and thread are
 * listed in model.c (see module.h); their own inputs (perf and KVM stats, wakers' names)
 * have functions here, implemented in their files.
 */
struct model {
	struct vmreg reg;
	struct proc_host host_facts; /* what model_set_host() was given */
	struct snap_procfs procfs;   /* what the last procfs scan could not look into */
	struct source_status sources[SNAP_SOURCES_MAX];
	int nsources;
	unsigned int seq;
	uint64_t start_ns;	/* first tick or last reset: the cumulative window start */
	uint64_t last_tick_ns;	/* previous snapshot: the interval window start */
	uint64_t events, events_base, events_last;
	uint64_t lost;		/* total reported by the trace source */
	uint64_t unattributed, unattributed_base, unattributed_last;
	struct exit_names names; /* exit-reason names from the trace source; owned copy */
	bool win_predates_reset; /* a reset came since the last snapshot: WIN is not cumulative */
	uint64_t nev[KE__COUNT]; /* events of the VMs' threads by type, since start */
	struct vm_thread *last;	 /* the thread of the last event looked up, or NULL */
	void *host[VMREG_SLOTS]; /* the model modules' host state, by module; owned */
	uint8_t by_type[KE__COUNT][VMREG_SLOTS + 1]; /* modules taking each event type: 1 + index, 0 ends */
	struct model_detail detail, detail_last, detail_base; /* now, at the last snapshot, reset */
	uint64_t lost_last, lost_base;
	bool sampled_since_base; /* detail was sampled at some time since start or reset */
	bool sampled_since_last; /* ... since the last snapshot */
};

void model_init(struct model *m, uint64_t now);
void model_free(struct model *m);
void model_set_host(struct model *m, const struct proc_host *host);
/* Records a source's status (by name; replaces an earlier one of the same name), in the
 * order sources are shown (the model's, not the order they report in). */
void model_set_source(struct model *m, const struct source_status *st);

/* Copies the exit-reason names the trace source read from the kernel's kvm_exit format. */
void model_set_exit_names(struct model *m, const struct exit_names *names);

/* Applies a procfs scan: VMs and threads appear, update, or are swept. */
void model_update_procfs(struct model *m, const struct procfs_sample *s);

struct perf_sample;
struct kvmstat_sample;
/* Applies per-thread perf counters (after model_update_procfs; unknown tids are skipped). */
void model_update_perf(struct model *m, const struct perf_sample *s);
/* Applies KVM stats: host totals, per VM by pid, per vCPU by index. */
void model_update_kvmstat(struct model *m, const struct kvmstat_sample *s);
/*
 * Counts tracepoint (a static name) of event type from the trace stream, adding it to the
 * tracepoint counters kvmstat samples (which then leave it out).
 */
void model_count_traced(struct model *m, unsigned int type, const char *tracepoint);

/* Feeds one normalized event. The hot path: no allocation once a VM's tables exist. */
void model_event(struct model *m, const struct kvm_event *ev);
/*
 * Returns how many tids of host threads in wake edges, still without a name, were written to
 * tids (at most max): the caller reads their names and passes them to model_wake_name().
 */
int model_wake_unnamed(struct model *m, int *tids, int max);
void model_wake_name(struct model *m, int tid, const char *comm);

/* Records the trace source's running total of lost events. */
void model_set_lost(struct model *m, uint64_t total);

/* Records the detail the trace runs at (see struct model_detail). */
void model_set_detail(struct model *m, const struct model_detail *d);

/* Starts the first interval at now, after the first sample (rates need two). */
void model_prime(struct model *m, uint64_t now);

/* Starts the cumulative window again at now (the `r` key). */
void model_reset(struct model *m, uint64_t now);

/*
 * Returns a new snapshot for the tick at now (CLOCK_MONOTONIC ns; wall_s the same moment in
 * seconds since the epoch, only shown), which the caller frees with snapshot_free(), and
 * starts the next interval. With cumulative, counts cover start/reset to now, else the
 * interval.
 */
struct snapshot *model_snapshot(struct model *m, uint64_t now, int64_t wall_s, bool cumulative);

#endif
