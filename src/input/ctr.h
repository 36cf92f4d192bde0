/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters as the perf and kvmstat probes return them: raw and cumulative, never a rate, in
 * sets per scope (a thread, a vCPU, a VM, the host). Neutral types: the probes fill them,
 * the model turns two samples and the interval between them into rates (model/counters.h).
 */
#ifndef KVMSCOPE_CTR_H
#define KVMSCOPE_CTR_H

#include <stdbool.h>
#include <stdint.h>

#define CTR_NAME_MAX 40

enum ctr_kind {
	CTR_COUNT = 0, /* events: a rate per second */
	CTR_TIME_NS,   /* nanoseconds: a share of the window (task-clock, halt_wait_ns) */
	CTR_HIST,      /* a histogram file: value = the sum of its buckets, p50 = median bucket */
	CTR_GAUGE,     /* an instant value (pages_4k, online_vcpus): shown as is, no rate */
	CTR_RATIO,     /* derived: instructions per cycle */
};

/* One counter as a probe read it: raw and cumulative, never a rate. */
struct ctr_raw {
	char name[CTR_NAME_MAX];
	uint8_t kind;	  /* enum ctr_kind */
	bool hw;	  /* a hardware PMU event: an open failure means "no PMU" */
	int err;	  /* 0, or -errno: could not be opened or read (value meaningless) */
	uint64_t value;	  /* cumulative count, ns, bucket sum or gauge */
	uint64_t enabled; /* perf: time enabled and running, for multiplex scaling; 0 otherwise */
	uint64_t running;
	uint64_t p50; /* histogram: upper bound of the median bucket (cumulative) */
	double scale; /* > 1: counted part of the time, value an estimate (x this, last sample) */
};

/* A set of counters of one scope at one time. Owned by whoever declared it. */
struct ctr_set {
	uint64_t ts_ns; /* CLOCK_MONOTONIC when read; 0 = empty */
	struct ctr_raw *v;
	int n, cap;
};

/* Returns a new counter appended to s (zeroed, named). */
struct ctr_raw *ctr_set_add(struct ctr_set *s, const char *name, enum ctr_kind kind);
/* Returns the counter named name in s, or NULL. */
const struct ctr_raw *ctr_set_find(const struct ctr_set *s, const char *name);
void ctr_set_copy(struct ctr_set *dst, const struct ctr_set *src);
void ctr_set_clear(struct ctr_set *s);
void ctr_set_free(struct ctr_set *s);

/* Returns the words for why a counter cannot be read: "no PMU", "perf_event_paranoid"... */
const char *ctr_why(int err, bool hw);

/* One thread's (or, tid -1, one CPU's) counters at the sample time. */
struct perf_thread_sample {
	int pid, tid;
	int cpu;    /* -1 for a thread's counters */
	bool fresh; /* opened by the last perf_sync(): the counts are since then */
	struct ctr_set set; /* one counter per event, in the order of the defs */
};

/* Filled by perf_sample(); owned by the caller, grown by the probe, freed by perf_sample_free(). */
struct perf_sample {
	uint64_t ts_ns;
	struct perf_thread_sample *threads;
	int nthreads, cap;
};

/* One vCPU's counters (vcpuN/, or the vCPU thread's tracepoint counts). */
struct kstat_vcpu {
	int index;
	bool fresh; /* tracepoints: opened at the last sync, the counts are since then */
	struct ctr_set set;
};

/* One VM's counters; vcpus owned. */
struct kstat_vm {
	int pid;
	int fd;	   /* the kvm-vm fd of the <pid>-<fd> directory; -1 for tracepoints */
	bool gone;  /* tracepoints: the process has gone; these are its final counts */
	bool focus; /* tracepoints: every KVM tracepoint counted on its vCPUs (the VM in focus) */
	bool fresh; /* tracepoints: counted from zero: first followed at the last sync, or a
		     * process that made a VM, counted since (kvmstat_follow_made) */
	struct ctr_set set;
	struct kstat_vcpu *vcpus;
	int nvcpus, vcpus_cap;
};

/* Filled by kvmstat_sample(); owned by the caller, freed by kvmstat_sample_free(). */
struct kvmstat_sample {
	uint64_t ts_ns;
	const char *source; /* of host, vms: "debugfs" or "tracepoint" (per vCPU thread) */
	struct ctr_set host; /* debugfs */
	/* Every KVM tracepoint counted per CPU, and "kvm_exit(REASON)" children; ts_ns 0: none */
	struct ctr_set tp_host;
	struct kstat_vm *vms;
	int nvms, vms_cap;
	int scan_errors; /* files that vanished or could not be read */
};

#endif
