/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a vCPU thread's wall time goes, from its events: a state machine over a timeline.
 *   guest    kvm_entry .. kvm_exit
 *   kernel   kvm_exit .. kvm_entry, or .. kvm_userspace_exit (KVM handling the exit)
 *   user     kvm_userspace_exit .. the VMM back in KVM_RUN (kvm_entry, or the completion of
 *            the access it answered); blocked in the VMM counts here too (a lock, I/O), as
 *            part of handling the exit, except after KVM_EXIT_HLT
 *   halted   blocked off-CPU after an exit (a halt), and halt polling: kvm_vcpu_wakeup says
 *            how long the halt lasted, which moves that time from kernel to halted even
 *            without sched events
 *   waiting  preempted (sched_switch with prev_state running) until switched in again
 * Without sched_switch, "waiting" comes from schedstat (the procfs split) and is taken from
 * kernel, then user time, where a preempted vCPU thread is.
 *
 * Where kvm_exit/kvm_entry do not fire, the split is the coarse one from procfs (guest_time,
 * run and wait times), with user time from measured userspace exits where there are some:
 * from kvm_userspace_exit to the VMM's ioctl(KVM_RUN) (or the completion, when that is not
 * traced), less the time sched_switch shows the thread preempted in between (a return to
 * userspace is where a busy host preempts a vCPU thread; that wait is the procfs WAIT%).
 */
#ifndef KVMSCOPE_VCPUSTATE_H
#define KVMSCOPE_VCPUSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "acc.h"
#include "cputime.h"
#include "kvm_event.h"
#include "module.h"
#include "snapshot.h"

enum vstate { VS_NONE = 0, VS_GUEST, VS_KERNEL, VS_USER, VS_HALTED, VS_WAITING, VS__N };

/* Per-thread state of the vcpustate module; created on its first event, freed by the model. */
struct vcpustate {
	uint8_t state;	      /* enum vstate now; VS_NONE before the thread's first event */
	uint8_t resume;	      /* the state it goes back to when switched in */
	bool exits_seen;      /* kvm_exit/kvm_entry drive the timeline */
	bool sched_seen;      /* sched_switch drives the off-CPU states */
	bool in_user;	      /* a userspace exit is being handled */
	bool user_preempted;  /* ...and the thread is off its CPU, preempted: not the VMM's time */
	bool user_hlt;	      /* ...and it is KVM_EXIT_HLT: blocking there is a halt */
	uint64_t user_ts;     /* when it began */
	uint64_t since;	      /* start of the current stretch */
	uint64_t exit_kernel; /* kernel ns since the last kvm_exit, in this window */
	uint64_t exit_halted; /* halted ns since the last kvm_exit */
	struct acc2 ns[VS__N]; /* time in each state (total_ns) */
	struct acc2 user;      /* measured userspace exits (total_ns), for the coarse split */
};

void vcpustate_init(struct vcpustate *v);
/* Applies a kvm event of the thread; flags are what exits_event() returned for it. */
void vcpustate_event(struct vcpustate *v, const struct kvm_event *ev, unsigned int flags);
/* The thread left its CPU at ts: preempted (still runnable) or blocked. */
void vcpustate_switch_out(struct vcpustate *v, uint64_t ts, bool preempted);
/* The thread got a CPU again at ts. */
void vcpustate_switch_in(struct vcpustate *v, uint64_t ts);
/* Accounts the stretch in progress up to now: call before reading a window. */
void vcpustate_close(struct vcpustate *v, uint64_t now);

/*
 * Fills out for one thread over a window of window_ns read through view (ACC_*): from events
 * when kvm_exit/kvm_entry drive v, else from cpu (its procfs split); SPLIT_NONE without either.
 * v may be NULL (no events).
 */
void vcpustate_split(const struct vcpustate *v, unsigned int view, uint64_t window_ns,
		     const struct cpu_split *cpu, struct exit_split *out);
/* Fills out with the mean of n splits (those with a source); the coarsest source wins. */
void vcpustate_mean(const struct exit_split *splits, int n, struct exit_split *out);

void vcpustate_fold(struct vcpustate *v, bool drop_win);
void vcpustate_reset(struct vcpustate *v);
/* Empties both windows; the timeline goes on from now. */
void vcpustate_clear(struct vcpustate *v, uint64_t now);

#endif
