/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracefs probe: KVM and scheduler events from a private tracefs instance named after our
 * pid, read per CPU from trace_pipe_raw, walked and decoded by kvmdecode (cached field
 * offsets) into struct kvm_event. Only the events asked for are enabled.
 */
#ifndef KVMSCOPE_TRACEFS_H
#define KVMSCOPE_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "exitnames.h"
#include "kvm_event.h"
#include "source.h"

/* Event groups a caller can ask for (each pane enables only what it needs). */
enum {
	TRACE_EXIT = 1u << 0,	 /* kvm_exit, kvm_entry */
	TRACE_IO = 1u << 1,	 /* kvm_pio, kvm_mmio, kvm_fast_mmio, kvm_msr */
	TRACE_USER = 1u << 2,	 /* kvm_userspace_exit */
	TRACE_WAKEUP = 1u << 3,	 /* kvm_vcpu_wakeup */
	TRACE_IRQ = 1u << 4,	 /* kvm_set_irq, kvm_msi_set_irq */
	TRACE_APIC = 1u << 5,	 /* kvm_apic */
	TRACE_SCHED = 1u << 6,	 /* sched_waking, sched_switch */
	TRACE_EMULATE = 1u << 7, /* kvm_emulate_insn: fires per emulated instruction; costly */
	/*
	 * raw_syscalls:sys_enter, for the VMM's return into KVM_RUN: enabled only by
	 * trace_set_vcpus(), filtered to the vCPU threads' ioctls. While it is enabled every
	 * syscall on the host takes the kernel's slower traced path.
	 */
	TRACE_RUN = 1u << 8,
};

/* Owned by the caller. */
struct trace_config {
	unsigned int groups;	/* TRACE_* */
	unsigned int buffer_kb;	/* per-CPU ring buffer; 0 = the probe's default */
	const char *prefix;	/* instance name prefix, "kvmscope" */
	const char *suffix;	/* "focus": prefix-PID-focus, a second instance; NULL: none */
	/*
	 * Events recorded in bursts (trace_burst): registered in soft mode where the kernel has
	 * event triggers, so that switching them on and off costs ~15 us and leaves the guests'
	 * cost of an off event at nothing measurable; else by their enable files (~0.25 ms per
	 * event and switch). Off until trace_burst() switches them on.
	 */
	bool bursts;
};

struct trace;

/* Called for each decoded event, in timestamp order within one drain. */
typedef void (*trace_event_fn)(void *arg, const struct kvm_event *ev);

/*
 * Returns an open, enabled trace, or NULL with st set to unavailable and why (not root,
 * no tracefs, no kvm events...). Removes stale instances of dead kvmscope processes first.
 */
struct trace *trace_open(const struct trace_config *cfg, struct source_status *st);

/* Returns the number of fds written (one per CPU) for the caller's epoll set. */
int trace_fds(const struct trace *t, int *fds, int max);

/* Returns the number of events delivered to fn from what is in the buffers now, or -errno. */
int trace_drain(struct trace *t, trace_event_fn fn, void *arg);

/* Returns the KVMDECODE_BIT() mask of the event types the trace records (0 for NULL). */
unsigned int trace_types(const struct trace *t);

/* Returns the events lost so far (ring-buffer overruns and missed events). */
uint64_t trace_lost(const struct trace *t);

/* Returns the exit-reason names from the running kernel's kvm_exit format. */
const struct exit_names *trace_exit_names(const struct trace *t);

/*
 * Returns 0 after restricting what the instance records to events of these tids (sched
 * events: by, of, from or to them), or -errno (-E2BIG: too many for an old kernel's filter,
 * which then records every thread's sched events). n = 0: no sched event at all.
 */
int trace_set_pids(struct trace *t, const int *tids, int n);

/*
 * Returns 0 after restricting the KVM_RUN events to ioctls of these vCPU threads and enabling
 * them; n = 0 disables them. -EOPNOTSUPP when the trace was opened without TRACE_RUN or the
 * kernel lacks the event, -E2BIG when the tids do not fit the kernel's filter (then they stay
 * disabled: never every syscall of the host), or another -errno.
 */
int trace_set_vcpus(struct trace *t, const int *tids, int n);

/*
 * Returns 0 after switching the recording of the trace's events on or off (a trace opened
 * with bursts; others always record), or -errno. Soft mode writes a marker (on) or sends
 * ourselves TRACE_SOFT_SIG (off, ignored), which triggers in the instance act on.
 */
int trace_burst(struct trace *t, bool on);

/*
 * Soft mode: the event types of types (KVMDECODE_BIT()s) that fire at storm rates are
 * switched by their enable files from the end of the burst going on (now, when none is), so
 * that between bursts their tracepoints carry no probe of ours: an event soft-disabled still
 * costs each hit a call (~3-5% of a PIT storm's speed here); a switch by the enable file
 * costs ~0.15 ms of our CPU. The others stay with the triggers. Returns how many types are
 * switched so (0 without soft mode: all are), or -errno.
 */
int trace_set_hot(struct trace *t, unsigned int types);

/*
 * Sets when the fds wake the reader: early (after ~128 KiB per CPU; while every event is
 * recorded under a budget, so that a storm is seen at its onset) or at a quarter of the
 * buffer (the default). Returns 1 when that changed (a reader polling already waits for the
 * fill it polled with: it polls again), 0 when it had not, or -errno (before 5.2: every page).
 */
int trace_wake_early(struct trace *t, bool early);

/* Returns whether bursts switch by triggers (soft mode) rather than by the enable files. */
bool trace_soft(const struct trace *t);

/* The signal whose generation by us soft-disables a bursting trace's events (ignored). */
#define TRACE_SOFT_SIG 40

/*
 * Returns 0 after narrowing the sched events further, in the kernel, to those of these tids
 * (n > 0; events of or by them), to none (n == 0), or lifting that (n < 0): beside
 * trace_set_pids(), which names every VM thread. -E2BIG when they do not fit a filter.
 */
int trace_set_sched(struct trace *t, const int *tids, int n);

/* Disables tracing, removes the instance and frees t. */
void trace_close(struct trace *t);

/*
 * Removes our instance without allocating: for the fatal path (out of memory) and for
 * signals that end the process. Safe to call when no trace is open.
 */
void trace_emergency_cleanup(void);

#endif
