/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wakeup chains of a VM, from sched_waking and sched_switch with the KVM events around them:
 * who wakes whom (edges waker -> wakee, with rates and wake latencies: sched_waking to the
 * wakee running), how (ioeventfd, irqfd, I/O completion, timer, other), and per notify
 * address the round trip notify -> iothread running -> interrupt injected -> vCPU running.
 *
 * A wake is classified by what the events around it show:
 * - ioeventfd: a vCPU wakes another thread of its VM shortly after a PIO/MMIO write, without
 *   leaving its CPU in between;
 * - irqfd: a thread wakes a vCPU shortly after kvm_set_irq or kvm_msi_set_irq, likewise;
 * - I/O completion: a wake of an iothread from interrupt context (hardirq or softirq), or a
 *   wake of a VM's non-vCPU thread by a host kworker, irq thread or io_uring worker (by name);
 * - timer: a wake of a vCPU from interrupt context (its LAPIC timer's hrtimer);
 * - other: anything else.
 * A notify or injection that wakes nobody (the wakee was awake or runnable: no sched_waking)
 * still counts on the edge its earlier ones took (WAKE_CAUSES per thread), untimed.
 * A wakee is running at its next switch-in or at any event it records (a wakee already on a
 * CPU is never switched in, and some kernels do not trace a switch away from the idle task).
 * When the first sign is its switch-out, it ran at an unknown time: that wake is counted
 * but not timed, and a round trip takes the switch-out as its iothread running time (an
 * upper bound). A wake still waiting after WAKE_PENDING_NS is dropped and counted as
 * unmatched, so nothing pending leaks.
 *
 * Memory is bounded: WAKE_EDGES edges and WAKE_RTS notify addresses per VM, each with an
 * "other" bucket for what does not fit; one pending wake and one chain per thread. State is
 * created once per VM and thread, a slot's histograms on its first timed wake (and kept
 * when the slot is reused); counting allocates nothing else.
 */
#ifndef KVMSCOPE_WAKEGRAPH_H
#define KVMSCOPE_WAKEGRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "acc.h"
#include "kvm_event.h"
#include "module.h"
#include "snapshot.h"

#define WAKE_EDGES	32	       /* edges per VM, then the other bucket */
#define WAKE_RTS	8	       /* notify addresses per VM, then the other bucket */
#define WAKE_CAUSE_NS	(20 * 1000ull) /* a write or injection this recent caused a wake */
#define WAKE_CAUSES	4	       /* notify addresses / interrupt sources kept per thread */
#define WAKE_PENDING_NS (1000 * 1000000ull) /* a wakee not running after this is unmatched */

/*
 * What the accumulators count. An edge: wakes (count), those timed with their latency (timed,
 * total_ns, the histogram) and signals that found the wakee awake (part[WAKE_AWAKE]). A
 * notify address's round trips: count, the sums of their parts (part[WAKE_NOTIFY_RUN]...)
 * and the histogram of the whole. Histograms come on first use and stay with their slot.
 */
enum { WAKE_AWAKE = 0 };
enum { WAKE_NOTIFY_RUN = 0, WAKE_RUN_INJECT, WAKE_INJECT_RUN };

/* One edge waker -> wakee of a class. Part of its VM's table. */
struct wake_edge {
	bool used;
	int waker, wakee;					   /* tids, or WAKE_TID_* */
	uint8_t cls;						   /* enum wake_class */
	uint8_t waker_node, wakee_node;				   /* enum wake_node */
	char waker_comm[SNAP_COMM_MAX], wakee_comm[SNAP_COMM_MAX]; /* raw; "" until named */
	uint64_t weight; /* recent wakes, halved at every snapshot: orders reuse */
	struct acc2 a;
};

/* Round trips of one notify address. Part of its VM's table. */
struct wake_rt {
	bool used;
	uint8_t kind; /* HOT_PIO or HOT_MMIO */
	uint64_t addr;
	uint64_t weight;
	struct acc2 a;
};

/* Per-VM state of the wake module; created on the VM's first event, freed by wake_vm_free(). */
struct wake_vm {
	struct wake_edge edges[WAKE_EDGES];
	struct acc2 other;
	struct wake_rt rts[WAKE_RTS];
	struct acc2 rt_other;
	struct acc2 unmatched; /* wakes whose wakee was never seen running (count) */
};

/*
 * A notify address or interrupt source of a thread and the thread it woke last: when the
 * same signal later wakes nobody (its wakee was awake, so no sched_waking), it is counted on
 * that edge all the same. A plain value.
 */
struct wake_cause {
	uint8_t cls;  /* WAKE_IOEVENTFD or WAKE_IRQFD */
	uint8_t kind; /* write: enum hot_kind; injection: 0 GSI, 1 MSI */
	uint64_t key; /* address, GSI, or MSI address and data */
	int wakee;
};

/* A round trip under way. A plain value. */
struct wake_chain {
	bool active;
	uint8_t kind;
	uint64_t addr;
	uint64_t notify_ts, run_ts, inject_ts;
};

/* Per-thread state of the wake module; created on its first event, freed by the model. */
struct wake_thread {
	int tid;
	struct wake_vm *vm; /* its VM's state (not owned) */
	uint64_t write_ts;  /* last PIO/MMIO write (a notify, if a wake follows) */
	uint8_t write_kind;
	uint64_t write_addr;
	bool write_open;    /* that write has not yet been seen to wake anyone */
	uint64_t inject_ts; /* last kvm_set_irq / kvm_msi_set_irq */
	uint8_t inject_kind;
	uint64_t inject_key; /* GSI, or MSI address and data */
	bool inject_open;
	struct wake_cause causes[WAKE_CAUSES]; /* what its notifies and injections woke before */
	uint8_t ncauses, next_cause;
	uint64_t pend_ts;  /* a wake of this thread waiting for it to run; 0 = none */
	int16_t pend_edge; /* edge slot, or -1 for the other bucket */
	int pend_waker;	   /* the slot's waker and class, in case it was reused since */
	uint8_t pend_cls;
	struct wake_chain chain; /* iothread: notify seen, injection to come */
	struct wake_chain rt;	 /* vCPU: injected, waiting to run */
};

/* A thread as the graph sees it: NULL when it is not a VM's. */
struct wake_who {
	struct wake_vm *vm;	/* the VM's state, created by the caller */
	struct wake_thread *th; /* the thread's state, created by the caller */
	int tid;
	uint8_t node;	  /* enum wake_node */
	const char *comm; /* raw, for a VM thread */
};

void wake_vm_init(struct wake_vm *w);
/* Frees w and the histograms it holds. */
void wake_vm_free(struct wake_vm *w);
/* Starts the state of thread tid; vm is its VM's. */
void wake_thread_init(struct wake_thread *t, struct wake_vm *vm, int tid);

/* Records a PIO/MMIO write or an injection by a VM thread (other events: nothing). */
void wake_thread_event(struct wake_thread *t, const struct kvm_event *ev);
/*
 * The thread is running at ts (leaving: it is switched out at ts, so it ran at some time
 * before): completes its pending wake (timed unless leaving) and the round trip it carries.
 */
void wake_running(struct wake_thread *t, uint64_t ts, bool leaving);
/*
 * Counts a sched_waking: by the thread that recorded it (waker; its vm NULL when not a VM's)
 * of wakee (vm NULL when not a VM's). One of them is a VM thread.
 */
void wake_waking(const struct wake_who *waker, const struct wake_who *wakee,
		 const struct kvm_event *ev);
/* The thread left its CPU: a write or injection before it caused no later wake. */
void wake_switch_out(struct wake_thread *t);
/* Drops a pending wake older than WAKE_PENDING_NS at now (a wakee never seen running). */
void wake_age(struct wake_thread *t, uint64_t now);

/* Returns how many host tids of edges still without a name were written to tids (max). */
int wake_unnamed(const struct wake_vm *w, int *tids, int max);
/* Names host thread tid in every edge of w. */
void wake_name(struct wake_vm *w, int tid, const char *comm);

/* Returns a new snap_wake, one block (free() or wake_snap_free), for view over window_ns. */
struct snap_wake *wake_snap(const struct wake_vm *w, unsigned int view, uint64_t window_ns);
void wake_snap_free(struct snap_wake *s);
/*
 * Marks s's wakes and round trips as estimates from sampled detail, their counts and rates
 * multiplied by f (the window's time over the time traced).
 */
void wake_snap_scale(struct snap_wake *s, double f, uint64_t window_ns);

/* Ends a window: WIN into TOT unless drop_win; weights halve; idle slots are released. */
void wake_fold(struct wake_vm *w, bool drop_win);
/* Starts the cumulative window again. */
void wake_reset(struct wake_vm *w);
/* Empties the VM's tables (the start of the first interval). */
void wake_clear(struct wake_vm *w);

#endif
