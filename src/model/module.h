/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A model module: one kind of state the model keeps on the host, each VM and each thread,
 * fed by events (or by samples, through functions of its own) and read into snapshots. Each
 * module fills one ops table with designated initialisers; model.c holds the list of them
 * and does the rest: it creates a module's state of a VM or thread on the first event of a
 * type the module takes, calls every module in list order for each event, and at every
 * snapshot, reset, start and sweep. Adding a module means its own file and one line in that
 * list. Hooks a module has no use for stay NULL.
 */
#ifndef KVMSCOPE_MODULE_H
#define KVMSCOPE_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "exitnames.h"
#include "kvm_event.h"
#include "snapshot.h"
#include "vmreg.h"

#define MODEL_MODULES_MAX VMREG_SLOTS

/* Returns the bit of an event type in model_module.events. */
#define MODEL_EV(type) (1u << (type))
/* Every event a thread of a VM records itself (not the scheduler's, not a loss marker). */
#define MODEL_EV_OWN (((1u << KE__COUNT) - 1) & ~MODEL_EV(KE_NONE) & ~MODEL_EV(KE_SCHED_SWITCH) & \
		      ~MODEL_EV(KE_SCHED_WAKING) & ~MODEL_EV(KE_LOST))

/*
 * One event as a module sees it: the VM threads it concerns. A module takes its own state of
 * them with model_ev_thread() and model_ev_vm(), which create it on first use. Built by
 * model_event() on its stack.
 */
struct model_ev {
	const struct kvm_event *ev;
	struct vm_thread *self;	 /* the thread that recorded it (sched_switch: prev); or NULL */
	struct vm_thread *other; /* sched_waking: the wakee; sched_switch: next; or NULL */
	void *host;		 /* the module's host state, or NULL */
	int slot;		 /* the module's place in the list: its st[] in VMs and threads */
	unsigned int flags; /* set by modules earlier in the list for later ones (EXITS_*) */
};

/* Returns a new state of the module in slot for vm (NULL: it keeps none per VM). */
void *model_vm_state_new(struct vm *vm, int slot);
/* Returns a new state of the module in slot for t (NULL: it keeps none per thread). */
void *model_thread_state_new(struct vm_thread *t, int slot);

/* Return the calling module's state of VM vm / thread t, created on first use. The hot path. */
static inline void *model_ev_vm(const struct model_ev *e, struct vm *vm)
{
	return vm->st[e->slot] ? vm->st[e->slot] : model_vm_state_new(vm, e->slot);
}

static inline void *model_ev_thread(const struct model_ev *e, struct vm_thread *t)
{
	return t->st[e->slot] ? t->st[e->slot] : model_thread_state_new(t, e->slot);
}

/* How a snapshot reads the modules' windows. Built by model_snapshot(). */
struct model_view {
	const struct exit_names *names;
	unsigned int view;  /* ACC_WIN | ACC_TOT */
	uint64_t window_ns; /* what the counts cover, for rates */
	bool cumulative;    /* samples: from start or reset, not from the previous sample */
	/*
	 * The detail the window's events rest on: sampled (bursts) or lost (the trace lost some);
	 * then counts from events are estimates, scaled to the kernel's exact counts where they
	 * exist, else by ratio, the share of the window's time traced (1: all of it).
	 */
	bool sampled;
	bool lost;
	uint64_t nlost; /* events the trace lost in the window (lost set) */
	double ratio;
};

/* What happens to a module's windows. */
enum model_win {
	MODEL_CLOSE = 0, /* a snapshot is taken at now: account what is in progress */
	MODEL_FOLD,	 /* the snapshot is taken: WIN goes into TOT */
	MODEL_FOLD_DROP, /* the same, but WIN predates a reset: it is dropped */
	MODEL_RESET,	 /* the cumulative window starts again */
	MODEL_CLEAR,	 /* the first interval starts at now: both windows empty */
};

/* A module's hooks; a static const table in the module's own file. */
struct model_module {
	const char *name;
	unsigned int events; /* MODEL_EV() bits of the event types it takes */

	void *(*host_new)(void);
	void *(*vm_new)(void);
	void *(*thread_new)(void *vm_state, const struct vm_thread *t);
	void (*host_free)(void *st);
	void (*vm_free)(void *st);
	void (*thread_free)(void *st);

	/* One event of a type in events. */
	void (*event)(struct model_ev *e);

	void (*host_window)(void *st, enum model_win op, uint64_t now);
	void (*vm_window)(void *st, enum model_win op, uint64_t now);
	void (*thread_window)(void *st, enum model_win op, uint64_t now);

	/*
	 * Fill a snapshot's rows: a thread's (t and its states NULL for the row that groups a
	 * VM's other threads; st NULL when t has none yet), with its procfs split already in
	 * out->cpu; then its VM's, whose threads are filled; then the host's.
	 */
	void (*snap_thread)(const void *st, const void *vm_st, const struct vm_thread *t,
			    const struct model_view *w, struct snap_thread *out);
	void (*snap_vm)(const void *st, const struct vm *vm, const struct model_view *w,
			struct snap_vm *out);
	void (*snap_host)(const void *st, const struct model_view *w, struct snapshot *out);
};

extern const struct model_module exits_module, vcpustate_module, wake_module, counters_module;

struct model;
/*
 * Return a module's state of the host, a VM or a thread, created if it has none yet (for
 * modules fed by samples rather than events).
 */
void *model_host_state(struct model *m, const struct model_module *mod);
void *model_vm_state(struct model *m, struct vm *vm, const struct model_module *mod);
void *model_thread_state(struct model *m, struct vm_thread *t, const struct model_module *mod);
/* Returns a module's state of a VM, or NULL when it has none. */
void *model_vm_state_of(const struct model *m, const struct vm *vm,
			const struct model_module *mod);

#endif
