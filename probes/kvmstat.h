/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmstat probe: KVM's own statistics, host-wide, per VM and per vCPU.
 *
 * From debugfs (<debugfs>/kvm/: host totals, <pid>-<fd>/ per VM, vcpuN/ per vCPU; one
 * number per file, several in a histogram file) where it can be read; and KVM's tracepoints
 * counted in the kernel (perf_event_open, counting, never sampling, as kvm_stat does): every
 * one per CPU for the host, with exit reasons as filtered counters; per vCPU thread, under
 * kernel lockdown or without debugfs, the one or two that give the VM's exits exactly
 * (every one for the VM in focus). The status names the source in use and why.
 */
#ifndef KVMSCOPE_KVMSTAT_H
#define KVMSCOPE_KVMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr.h"
#include "proc.h"
#include "source.h"

struct kvmstat;

/* Exit reasons counted by filtered counters at most. */
#define KSTAT_REASONS_MAX 16

/* An exit reason to count: tracepoint event's records whose field equals value. */
struct kstat_reason {
	const char *event; /* "kvm_exit" or "kvm_userspace_exit" */
	const char *field; /* "exit_reason", "reason" */
	uint32_t value;
	const char *name; /* "HLT", "KVM_EXIT_IO": the counter is "event(name)" */
};

/*
 * Returns a probe reading dir/kvm (dir NULL: the debugfs mount found in mounts_path, or
 * /proc/mounts when NULL) and, with tracepoints set, counting every KVM tracepoint per CPU;
 * when debugfs cannot be read, the tracepoints of vcpu_events (a NULL-terminated list; NULL:
 * kvm_exit, kvm_pio, kvm_mmio) per vCPU thread stand in for its per-VM statistics. Never
 * NULL: a probe with no source says why in its status.
 */
struct kvmstat *kvmstat_open(const char *dir, const char *mounts_path, bool tracepoints,
			     const char *const *vcpu_events);
void kvmstat_close(struct kvmstat *k);

/* Returns 0 after following the VM threads of ps (tracepoint counters), or -errno. */
int kvmstat_sync(struct kvmstat *k, const struct procfs_sample *ps);

/* Returns whether VMs are counted per vCPU thread (tracepoint counters, not debugfs). */
bool kvmstat_per_thread(const struct kvmstat *k);

/*
 * Returns 0 after counting the per-vCPU tracepoints on the n threads tids of process pid,
 * which has just made a VM (KVM's uevent said so), and on every thread they make from now
 * on: its vCPUs start before a sample can find them. Opened in the order given: the thread
 * that made the VM first, as it makes the vCPUs. Its counts show as the VM's in each
 * kvmstat_sample(), from zero, until a kvmstat_sync() shows the VM with vCPUs: then they
 * are the VM's for good and its vCPUs' own counters go on. 0 and nothing done with debugfs
 * in use (its counts start with the VM), for a process followed so already (the threads
 * made since carry counters: one more would count them twice), or whose VMs' vCPUs are
 * followed; -errno when nothing could be counted.
 */
int kvmstat_follow_made(struct kvmstat *k, int pid, const int *tids, int n);

/* Returns 0 after reading every counter into s, or -errno when the source is gone. */
int kvmstat_sample(struct kvmstat *k, struct kvmstat_sample *s);
void kvmstat_sample_free(struct kvmstat_sample *s);

const struct source_status *kvmstat_status(const struct kvmstat *k);

/* Returns whether a tracepoint may be dropped for its rate: no figure needs its count. */
bool kvmstat_droppable(const char *name);

/*
 * Returns 0 after no longer counting tracepoint name on the host (the caller judged its rate
 * too costly for the guests): its counter keeps its count and reads as dropped
 * (-ECANCELED). -EPERM for one that is not droppable, -ENOENT for an unknown one.
 */
int kvmstat_drop(struct kvmstat *k, const char *name);

/*
 * Returns how many of the count tracepoints in names are counted on the host part-time from
 * now on (the caller judged their rates too costly to count all the time): in a group of
 * their own per CPU, counting while kvmstat_part_on() says so. Each count goes on as an
 * estimate (the rate while last counted, over the time between samples), with ctr_raw.scale
 * the time since the sample before the last window over the time counted. Unknown ones,
 * those not droppable and those counted part-time already are left as they are. -errno when
 * the group cannot be opened.
 */
int kvmstat_part_time(struct kvmstat *k, const char *const *names, int count);

/*
 * Switches the part-time counters on or off. Returns how many tracepoints are counted
 * part-time (0: none, nothing to switch), or -errno.
 */
int kvmstat_part_on(struct kvmstat *k, bool on);

/* Returns the part-time tracepoints' rate while counted, per second, summed; -1 unknown. */
double kvmstat_part_rate(const struct kvmstat *k);

/*
 * Returns 0 after counting exactly the exit reasons in r (at most KSTAT_REASONS_MAX) on the
 * host, one filtered per-CPU counter each; counts of a reason kept from before go on.
 */
int kvmstat_exit_reasons(struct kvmstat *k, const struct kstat_reason *r, int n);

/*
 * Returns 0 after counting every (not dropped) tracepoint on the vCPUs of the VM pid (0:
 * none), shown in its sets (kstat_vm.focus); with debugfs in use there is no need (0).
 */
int kvmstat_focus(struct kvmstat *k, int pid);

/* Tests: hook called with each file's path between listing its directory and reading it. */
void kvmstat_set_read_hook(struct kvmstat *k, void (*hook)(void *arg, const char *path), void *arg);

/*
 * Returns the kind of a debugfs stat file from its name and the numbers it held: a
 * histogram, a time in ns, an instant value, or a count.
 */
enum ctr_kind kvmstat_kind(const char *name, int nnumbers);

/* Returns the mount point of the first filesystem of type fstype in mounts into buf, or NULL. */
const char *kvmstat_find_mount(const char *mounts, const char *fstype, char *buf, size_t n);

#endif
