/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The normalized event: every event source (live tracefs, a trace.dat file, a unit test)
 * produces these small fixed-size records, so the model never sees tracefs or
 * libtraceevent. Records are plain values; nobody owns pointers inside them.
 */
#ifndef KVMSCOPE_KVM_EVENT_H
#define KVMSCOPE_KVM_EVENT_H

#include <stdint.h>

enum kvm_event_type {
	KE_NONE = 0,
	KE_EXIT,	 /* kvm_exit: leaving guest mode */
	KE_ENTRY,	 /* kvm_entry: entering guest mode */
	KE_PIO,		 /* kvm_pio */
	KE_MMIO,	 /* kvm_mmio */
	KE_FAST_MMIO,	 /* kvm_fast_mmio (ioeventfd fast path) */
	KE_MSR,		 /* kvm_msr */
	KE_USER_EXIT,	 /* kvm_userspace_exit: KVM_RUN returns to the VMM */
	KE_VCPU_WAKEUP,	 /* kvm_vcpu_wakeup: a halted vCPU resumes */
	KE_SET_IRQ,	 /* kvm_set_irq (GSI) */
	KE_MSI_SET_IRQ,	 /* kvm_msi_set_irq */
	KE_APIC,	 /* kvm_apic: LAPIC register access */
	KE_EMULATE,	 /* kvm_emulate_insn */
	KE_SCHED_WAKING, /* sched_waking: tid wakes target */
	KE_SCHED_SWITCH, /* sched_switch on cpu: prev -> next */
	KE_KVM_RUN,	 /* sys_enter of ioctl(KVM_RUN): the VMM is back in KVM */
	KE_LOST,	 /* the trace lost events on cpu before ts: no span across it holds */
	KE__COUNT
};

/* Values of mmio.kind, as the kernel's KVM_TRACE_MMIO_* */
enum { KE_MMIO_READ_UNSATISFIED = 0, KE_MMIO_READ = 1, KE_MMIO_WRITE = 2 };

/* Values of exit.isa, as the kernel's KVM_ISA_* */
enum { KE_ISA_VMX = 1, KE_ISA_SVM = 2 };

/* Values of ctx, from the common_flags every record carries (TRACE_FLAG_HARDIRQ...) */
enum { KE_CTX_HARDIRQ = 1, KE_CTX_SOFTIRQ = 2, KE_CTX_NMI = 4 };

/* prev_state bits in sched_switch that mean "still runnable" (preempted) */
#define KE_TASK_RUNNING 0u

struct kvm_event {
	uint64_t ts_ns; /* trace clock (the instance uses "mono": CLOCK_MONOTONIC) */
	uint32_t cpu;	/* host CPU the event was recorded on */
	uint32_t tid;	/* common_pid: the thread that was running */
	uint16_t type;	/* enum kvm_event_type */
	uint8_t ctx;	/* KE_CTX_* bits: the interrupt context it was recorded in */
	uint8_t pad;
	union {
		struct {
			uint32_t reason; /* full exit_reason, VMX flags included */
			uint32_t isa;	 /* KE_ISA_VMX or KE_ISA_SVM */
			uint32_t vcpu;
		} exit;
		struct {
			uint32_t vcpu;
		} entry;
		struct {
			uint32_t port;
			uint32_t count;
			uint8_t size;
			uint8_t write;
			/*
			 * 1: this kernel traces an IN before handling it, so an IN the VMM answers
			 * is traced before its exit and never at its completion (kvm_pio without
			 * its val field); 0: an IN is traced once its data is there.
			 */
			uint8_t early_in;
		} pio;
		struct {
			uint64_t gpa;
			uint32_t len;
			uint8_t kind; /* KE_MMIO_* */
		} mmio;
		struct {
			uint64_t gpa;
		} fast_mmio;
		struct {
			uint32_t index;
			uint8_t write;
			uint8_t failed;
		} msr;
		struct {
			uint32_t reason; /* KVM_EXIT_* */
			int32_t err;	 /* 0 or -errno of KVM_RUN */
		} user_exit;
		struct {
			uint64_t wait_ns;
			uint8_t waited;
			uint8_t valid;
		} wakeup;
		struct {
			uint32_t gsi;
			int32_t level;
		} set_irq;
		struct {
			uint64_t address;
			uint64_t data;
		} msi;
		struct {
			uint32_t reg;
			uint32_t val;
			uint8_t write;
		} apic;
		struct {
			uint64_t rip;
			uint8_t failed;
		} emulate;
		struct {
			uint32_t target; /* tid being woken */
			uint32_t target_cpu;
		} waking;
		struct {
			int32_t fd; /* the vCPU's fd in the VMM */
		} kvm_run;
		struct {
			int64_t count; /* events lost, -1 when the kernel did not say */
		} lost;
		struct {
			uint32_t prev_tid;
			uint32_t next_tid;
			uint64_t prev_state; /* KE_TASK_RUNNING: preempted, else blocked */
		} sw;
	};
};

/* Returns the short name of an event type ("pio", "sched_switch"...). */
const char *kvm_event_type_name(unsigned int type);

#endif
