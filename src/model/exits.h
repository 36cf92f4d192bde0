/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit reasons and hot addresses from normalized KVM events. Per vCPU thread and per VM:
 * hardware exits (kvm_exit paired with the next kvm_entry of the same thread, for handling
 * times), exits to the VMM (kvm_userspace_exit, timed until the VMM is back in KVM_RUN), and
 * the accesses behind them (kvm_pio, kvm_mmio, kvm_fast_mmio, kvm_msr) in bounded hot tables.
 * Where kvm_exit does not fire, the accesses themselves become the exit rows (EXIT_KIND_EVENT).
 *
 * Each access is counted once, whatever the trace shows: a userspace-handled MMIO read is
 * traced as "unsatisfied-read" before the exit and "read" when it completes; kvm_pio traces a
 * userspace-handled IN once, when it completes after the exit (an OUT before it; kernels
 * without kvm_pio's val field an IN before it too, and never at completion).
 *
 * An exit to the VMM is paired with what ends it by rule, never by what came first in the
 * trace, so a loop on one port gives the same answer wherever the trace starts: the VMM's
 * part ends at its ioctl(KVM_RUN) (KE_KVM_RUN) when that is traced, else at the completion
 * (or kvm_entry); an IN after an IO exit is that exit's completion unless the exit was for
 * an OUT (traced just before it), the kernel traces INs early, or the kernel answers the port.
 *
 * Counting allocates nothing except, once per exit reason seen, that reason's histograms.
 */
#ifndef KVMSCOPE_EXITS_H
#define KVMSCOPE_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "exitnames.h"
#include "acc.h"
#include "hotspots.h"
#include "kvm_event.h"
#include "module.h"
#include "snapshot.h"

#define EXITS_ROWS  64 /* reasons per table; a table that fills up counts the rest as "other" */
#define EXITS_HASH  128
#define EXITS_OTHER 0xffffffffu /* reason of the "other" row */
#define HOT_SHOW    16		/* hot rows per kind in a snapshot, then the "other" row */

/*
 * Exact counts the kernel keeps (tracepoint counters, debugfs) of a VM or vCPU, to which the
 * trace's counts are scaled when the trace is sampled (bursts) or lost events.
 */
enum { EXACT_EXIT = 0, EXACT_PIO, EXACT_MMIO, EXACT__N };

/* One sample of them: cumulative values; have: the EXACT_* bits read. A plain value. */
struct exits_exact {
	uint64_t v[EXACT__N];
	unsigned int have;
	bool fresh; /* counters opened since the last sample: counting from zero since then */
};

/* The exact counts of a scope over the two windows; embedded in the module's state. */
struct exits_exact_acc {
	uint64_t cur[EXACT__N];	 /* the latest sample */
	uint64_t win0[EXACT__N]; /* at the start of WIN */
	uint64_t tot0[EXACT__N]; /* at start or reset */
	unsigned int have;	 /* bits sampled at least once */
	unsigned int win_ok;	 /* bits whose WIN start is known (a sample before it) */
};

/* Reasons of kvm_userspace_exit rows when KVM_RUN failed rather than exited. */
#define EXITS_USER_RESTART 0x10000u /* -EINTR: a signal kicked the vCPU out */
#define EXITS_USER_ERROR   0x10001u /* any other error */

/* One reason in a table. Histograms are allocated on its first timed exit, freed with it. */
struct exit_row {
	uint32_t reason;
	uint8_t kind; /* enum exit_kind */
	uint8_t isa;  /* KE_ISA_* for hardware exits */
	struct acc2 a;	 /* exits; timed: those whose handling time was measured */
	struct acc2 vmm; /* of them, those that went to the VMM, and the VMM's time */
};

/* Reasons of one scope (a VM or a vCPU thread). Embedded in its owner. */
struct exit_table {
	struct exit_row rows[EXITS_ROWS];
	int n;
	int16_t hash[EXITS_HASH]; /* row number or -1 */
};

/*
 * An access remembered for attribution: which hot table slot, for which address. A plain
 * value; the slot may have been given to another address since, hence the address.
 */
struct exits_ref {
	bool valid;
	uint8_t kind; /* enum hot_kind */
	uint8_t rw;
	int16_t slot;
	uint64_t addr;
};

/* Per-thread state of the exits module; created on the first event, freed by the model. */
struct exits_thread {
	struct exit_table tab;
	struct acc2 ev[HOT__KINDS]; /* accesses by enum hot_kind (EXIT_KIND_EVENT rows) */
	struct acc2 ev_vmm[HOT__KINDS]; /* of them, those the VMM answered (a userspace exit) */
	bool in_exit;		       /* between kvm_exit and kvm_entry */
	int16_t exit_row_t, exit_row_v;
	uint64_t exit_ts;
	bool in_user; /* between kvm_userspace_exit and the VMM's return to KVM_RUN */
	bool io_pending; /* after a KVM_EXIT_IO: its completing IN may come next */
	bool early_in;	 /* the last kvm_pio said this kernel traces INs before their exit */
	bool traced;	 /* an event of the thread was seen before this one */
	/*
	 * Where the userspace exit in progress counts: the VMM's part of the exit it belongs to
	 * (the kvm_exit in progress: user_vmm; where kvm_exit does not fire, the access kind
	 * user_ev), else a row of its own, user_row_* (an exit seen only as it reached the VMM).
	 */
	int16_t user_row_t, user_row_v;
	bool user_vmm;
	int8_t user_ev; /* enum hot_kind, or -1 */
	uint64_t user_ts;
	uint64_t vmm_ns; /* the VMM's time of an IO exit, for the access its completion names */
	struct exits_ref acc;	/* first access of the current exit (or the last access) */
	struct exits_ref fresh; /* the access that was this thread's previous event */
	struct exits_ref cand;	/* the access a userspace exit may have been for */
	bool mmio_unsat;	/* a read went to the VMM; its completion is not a new access */
	uint64_t mmio_unsat_gpa;
	struct exits_exact_acc exact;
};

/* Per-VM state of the exits module; created on the VM's first event, freed by the model. */
struct exits_vm {
	struct exit_table tab;
	struct acc2 ev[HOT__KINDS];
	struct acc2 ev_vmm[HOT__KINDS];
	struct hot_table hot[HOT__KINDS]; /* by enum hot_kind */
	bool hw_seen;		 /* kvm_exit fired for this VM: no EXIT_KIND_EVENT rows */
	struct exits_exact_acc exact;
};

/* What exits_event tells the per-vCPU time split (vcpustate.c). */
enum {
	EXITS_REENTRY = 1u,	 /* the VMM re-entered KVM_RUN at this event (a completion) */
	EXITS_USER_DROPPED = 2u, /* a userspace exit ended at an unknown time */
};

struct exits_vm *exits_vm_new(void);
void exits_vm_free(struct exits_vm *v);
struct exits_thread *exits_thread_new(void);
void exits_thread_free(struct exits_thread *t);

/* Returns EXITS_* flags after counting one event of thread t of VM v. The hot path. */
unsigned int exits_event(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev);

/*
 * Fills sv's exits, exits_rate/count, top_exit(_share), hot and hints from v (NULL: none seen);
 * nvcpus scales handling time into a share of the VM's vCPU time.
 */
void exits_snap_vm(const struct exits_vm *v, const struct model_view *w, int nvcpus,
		   struct snap_vm *sv);
/* Fills st's exits and exits_rate/count from t (NULL: none); v says whether kvm_exit fires. */
void exits_snap_thread(const struct exits_thread *t, const struct exits_vm *v,
		       const struct model_view *w, struct snap_thread *st);

/* Record a sample of exact counts of a VM / of a vCPU thread. */
void exits_set_exact_vm(struct exits_vm *v, const struct exits_exact *x);
void exits_set_exact_thread(struct exits_thread *t, const struct exits_exact *x);

/* Ends a window (see hot_fold). */
void exits_fold_vm(struct exits_vm *v, bool drop_win);
void exits_fold_thread(struct exits_thread *t, bool drop_win);
/* Empties the cumulative window. */
void exits_reset_vm(struct exits_vm *v);
void exits_reset_thread(struct exits_thread *t);
/* Empties both windows (the first interval starts). */
void exits_clear_vm(struct exits_vm *v);
void exits_clear_thread(struct exits_thread *t);

/* Returns the hot kind behind an exit reason's name (IO_INSTRUCTION, npf...), or -1. */
int exits_hot_kind(const char *name);

#endif
