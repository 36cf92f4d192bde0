/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM registry: every VM and thread the probes have reported, found again by pid or
 * tid, and reaped by mark-and-sweep. A VM or thread missing from a scan is marked gone and
 * kept for one more tick (shown dimmed), then released.
 */
#ifndef KVMSCOPE_VMREG_H
#define KVMSCOPE_VMREG_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm_event.h"
#include "proc.h"
#include "snapshot.h"

/* Cumulative per-thread times from procfs. */
struct thread_times {
	uint64_t run_ns, wait_ns, guest_ns, slices;
};

#define VMREG_SLOTS 8 /* per VM and thread: state of that many model modules */

struct vm;

/* A thread of a VM. Owned by its struct vm; released by vmreg_sweep(). */
struct vm_thread {
	int tid;
	enum thread_kind kind;
	int index;		  /* vCPU index, -1 if none */
	char comm[PROC_COMM_MAX]; /* raw, untrusted */
	struct vm *vm;
	struct thread_times cur, prev, base; /* this sample, the one before, at start/reset */
	uint64_t cur_ts, prev_ts, base_ts;   /* their CLOCK_MONOTONIC times; 0 = none */
	unsigned int seen;		     /* generation of the last scan that found it */
	bool gone;
	uint64_t nev[KE__COUNT]; /* trace events it recorded, by type, since found */
	void *st[VMREG_SLOTS];	 /* the model modules' state of it, by module (module.h) */
};

/* A VM: one process holding a kvm-vm fd. Owned by the registry. */
struct vm {
	int pid;
	uint64_t starttime;
	char comm[PROC_COMM_MAX];
	char name[PROC_NAME_MAX];
	char uuid[PROC_UUID_MAX];
	char id[PROC_ID_MAX];
	struct proc_meta meta; /* its management layer's names, as vmmeta found them */
	int nvcpu_fds;
	struct vm_thread **threads; /* owned */
	int nthreads, threads_cap;
	unsigned int seen;
	bool gone;
	uint64_t first_ts;
	uint64_t nev[KE__COUNT]; /* trace events its threads recorded, by type, since found */
	void *st[VMREG_SLOTS];
};

/* Called for each VM and thread just before it is freed, to release ext state. */
struct vmreg_release {
	void (*vm)(struct vm *vm, void *arg);
	void (*thread)(struct vm_thread *t, void *arg);
	void *arg;
};

/* Owned by the model. */
struct vmreg {
	struct vm **vms; /* owned, in order of discovery */
	int nvms, vms_cap;
	unsigned int gen;
	struct vm_thread **tids; /* open-addressing hash by tid, rebuilt by each sweep */
	unsigned int tids_mask;
};

void vmreg_init(struct vmreg *r);
/* Frees everything, calling rel for each VM and thread first (rel may be NULL). */
void vmreg_free(struct vmreg *r, const struct vmreg_release *rel);

/* Starts a scan: VMs and threads not marked before vmreg_sweep() are gone. */
void vmreg_begin(struct vmreg *r);
/* Returns the VM with this pid and start time, created if new, marked seen. */
struct vm *vmreg_vm(struct vmreg *r, int pid, uint64_t starttime, uint64_t now);
/* Returns the thread tid of vm, created if new, marked seen. */
struct vm_thread *vmreg_thread(struct vmreg *r, struct vm *vm, int tid);
/* Ends a scan: marks the unseen gone, frees what was already gone, rebuilds the tid index. */
void vmreg_sweep(struct vmreg *r, const struct vmreg_release *rel);

/* Returns the live thread with this tid, or NULL. The hot path: no allocation. */
struct vm_thread *vmreg_find_tid(const struct vmreg *r, int tid);
/* Returns the VM with this pid (gone ones included), or NULL. */
struct vm *vmreg_find_pid(const struct vmreg *r, int pid);

#endif
