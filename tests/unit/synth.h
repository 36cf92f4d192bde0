/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic inputs for the model's event tests: normalized events and a procfs sample with
 * one or two VMs, built in the test so every count is known exactly.
 */
#ifndef KVMSCOPE_SYNTH_H
#define KVMSCOPE_SYNTH_H

#include <string.h>

#include "kvm_event.h"
#include "model.h"

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

/* VMX basic exit reasons the tests use, with the names the kernel prints. */
enum {
	VMX_EXTERNAL_INTERRUPT = 1,
	VMX_HLT = 12,
	VMX_IO_INSTRUCTION = 30,
	VMX_MSR_READ = 31,
	VMX_MSR_WRITE = 32,
	VMX_APIC_ACCESS = 44,
	VMX_EPT_VIOLATION = 48,
	VMX_EPT_MISCONFIG = 49,
};

static inline void synth_names(struct exit_names *n)
{
	memset(n, 0, sizeof(*n));
	exit_names_add(n, KE_ISA_VMX, VMX_EXTERNAL_INTERRUPT, "EXTERNAL_INTERRUPT");
	exit_names_add(n, KE_ISA_VMX, VMX_HLT, "HLT");
	exit_names_add(n, KE_ISA_VMX, VMX_IO_INSTRUCTION, "IO_INSTRUCTION");
	exit_names_add(n, KE_ISA_VMX, VMX_MSR_READ, "MSR_READ");
	exit_names_add(n, KE_ISA_VMX, VMX_MSR_WRITE, "MSR_WRITE");
	exit_names_add(n, KE_ISA_VMX, VMX_APIC_ACCESS, "APIC_ACCESS");
	exit_names_add(n, KE_ISA_VMX, VMX_EPT_VIOLATION, "EPT_VIOLATION");
	exit_names_add(n, KE_ISA_VMX, VMX_EPT_MISCONFIG, "EPT_MISCONFIG");
	exit_names_add(n, KE_ISA_SVM, 0x7b, "io");
	exit_names_sort(n);
}

static inline struct kvm_event synth_ev(uint64_t ts, int tid, int type)
{
	struct kvm_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.tid = (uint32_t)tid;
	e.type = (uint16_t)type;
	return e;
}

static inline void ev_exit(struct model *m, uint64_t ts, int tid, uint32_t reason)
{
	struct kvm_event e = synth_ev(ts, tid, KE_EXIT);

	e.exit.reason = reason;
	e.exit.isa = KE_ISA_VMX;
	model_event(m, &e);
}

static inline void ev_entry(struct model *m, uint64_t ts, int tid)
{
	struct kvm_event e = synth_ev(ts, tid, KE_ENTRY);

	model_event(m, &e);
}

/* kvm_pio; early: from a kernel whose kvm_pio has no val, which traces an IN before its exit. */
static inline void ev_pio_as(struct model *m, uint64_t ts, int tid, uint32_t port, int write,
			     int early)
{
	struct kvm_event e = synth_ev(ts, tid, KE_PIO);

	e.pio.port = port;
	e.pio.size = 1;
	e.pio.count = 1;
	e.pio.write = (uint8_t)write;
	e.pio.early_in = (uint8_t)early;
	model_event(m, &e);
}

static inline void ev_pio(struct model *m, uint64_t ts, int tid, uint32_t port, int write)
{
	ev_pio_as(m, ts, tid, port, write, 0);
}

/* The VMM's ioctl(KVM_RUN) on tid: it is back in KVM. */
static inline void ev_kvm_run(struct model *m, uint64_t ts, int tid)
{
	struct kvm_event e = synth_ev(ts, tid, KE_KVM_RUN);

	model_event(m, &e);
}

static inline void ev_mmio(struct model *m, uint64_t ts, int tid, uint64_t gpa, int kind)
{
	struct kvm_event e = synth_ev(ts, tid, KE_MMIO);

	e.mmio.gpa = gpa;
	e.mmio.len = 4;
	e.mmio.kind = (uint8_t)kind;
	model_event(m, &e);
}

static inline void ev_fast_mmio(struct model *m, uint64_t ts, int tid, uint64_t gpa)
{
	struct kvm_event e = synth_ev(ts, tid, KE_FAST_MMIO);

	e.fast_mmio.gpa = gpa;
	model_event(m, &e);
}

static inline void ev_msr(struct model *m, uint64_t ts, int tid, uint32_t index, int write)
{
	struct kvm_event e = synth_ev(ts, tid, KE_MSR);

	e.msr.index = index;
	e.msr.write = (uint8_t)write;
	model_event(m, &e);
}

static inline void ev_user(struct model *m, uint64_t ts, int tid, uint32_t reason, int err)
{
	struct kvm_event e = synth_ev(ts, tid, KE_USER_EXIT);

	e.user_exit.reason = reason;
	e.user_exit.err = err;
	model_event(m, &e);
}

static inline void ev_wakeup(struct model *m, uint64_t ts, int tid, uint64_t wait_ns)
{
	struct kvm_event e = synth_ev(ts, tid, KE_VCPU_WAKEUP);

	e.wakeup.wait_ns = wait_ns;
	e.wakeup.waited = 1;
	e.wakeup.valid = 1;
	model_event(m, &e);
}

static inline void ev_switch(struct model *m, uint64_t ts, int prev, int next, uint64_t state)
{
	struct kvm_event e = synth_ev(ts, prev, KE_SCHED_SWITCH);

	e.sw.prev_tid = (uint32_t)prev;
	e.sw.next_tid = (uint32_t)next;
	e.sw.prev_state = state;
	model_event(m, &e);
}

/* sched_waking of target by tid; ctx: KE_CTX_* when recorded in an interrupt, else 0. */
static inline void ev_waking(struct model *m, uint64_t ts, int tid, int target, int ctx)
{
	struct kvm_event e = synth_ev(ts, tid, KE_SCHED_WAKING);

	e.ctx = (uint8_t)ctx;
	e.waking.target = (uint32_t)target;
	model_event(m, &e);
}

/* kvm_msi_set_irq by tid (an irqfd injection); gsi < 0: kvm_msi_set_irq, else kvm_set_irq. */
static inline void ev_irq(struct model *m, uint64_t ts, int tid, int gsi)
{
	struct kvm_event e = synth_ev(ts, tid, gsi < 0 ? KE_MSI_SET_IRQ : KE_SET_IRQ);

	if (gsi < 0) {
		e.msi.address = 0xfee00000;
		e.msi.data = 0x41;
	} else {
		e.set_irq.gsi = (uint32_t)gsi;
		e.set_irq.level = 1;
	}
	model_event(m, &e);
}

/* kvm_set_irq of gsi by tid lowering the line (level 0). */
static inline void ev_irq_low(struct model *m, uint64_t ts, int tid, int gsi)
{
	struct kvm_event e = synth_ev(ts, tid, KE_SET_IRQ);

	e.set_irq.gsi = (uint32_t)gsi;
	model_event(m, &e);
}

/* Thread layout of synthetic VMs: VM pid P has vCPUs P+1, P+2 and iothread P+3. */
struct synth_host {
	struct procfs_sample s;
	struct proc_vm vm[2];
	struct proc_thread th[2][3];
};

/*
 * Fills a scan at ts with nvms VMs (pids 100 and 200), times growing with step: vCPUs run
 * 50% of the time (20% in guest), 10% waiting; the iothread runs 5%.
 */
static inline void synth_scan(struct synth_host *h, int nvms, uint64_t ts, uint64_t step)
{
	int v, k;

	memset(h, 0, sizeof(*h));
	h->s.ts_ns = ts;
	h->s.vms = h->vm;
	h->s.nvms = nvms;
	for (v = 0; v < nvms; v++) {
		struct proc_vm *pv = &h->vm[v];

		pv->pid = 100 * (v + 1);
		pv->starttime = 1;
		strcpy(pv->name, v ? "db02" : "win01");
		strcpy(pv->comm, "qemu-system-x86");
		pv->threads = h->th[v];
		pv->nthreads = 3;
		for (k = 0; k < 3; k++) {
			struct proc_thread *t = &h->th[v][k];

			t->tid = pv->pid + k + 1;
			t->kind = k < 2 ? PROC_VCPU : PROC_IOTHREAD;
			t->index = k < 2 ? k : -1;
			strcpy(t->comm, k == 0	 ? "CPU 0/KVM"
					: k == 1 ? "CPU 1/KVM"
						 : "IO iothread0");
			t->run_ns = step * (k < 2 ? 500 : 50) * MS;
			t->guest_ns = step * (k < 2 ? 200 : 0) * MS;
			t->wait_ns = step * (k < 2 ? 100 : 0) * MS;
		}
	}
}

/* Starts a model with nvms VMs whose first interval begins at 1 s. */
static inline void synth_model(struct model *m, struct synth_host *h, int nvms)
{
	struct exit_names n;

	model_init(m, 0);
	synth_names(&n);
	model_set_exit_names(m, &n);
	exit_names_free(&n);
	synth_scan(h, nvms, 1 * S, 1);
	model_update_procfs(m, &h->s);
	model_prime(m, 1 * S);
}

/* Returns the exit row named name in rows, or NULL. */
static inline const struct snap_exit *find_exit(const struct snap_exit *rows, int n,
						const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* Returns the hot row of kind at addr (not the other bucket), or NULL. */
static inline const struct snap_hot *find_hot(const struct snap_vm *v, int kind, uint64_t addr)
{
	for (int i = 0; i < v->nhot; i++)
		if (v->hot[i].kind == kind && v->hot[i].addr == addr && !v->hot[i].other)
			return &v->hot[i];
	return NULL;
}

#endif
