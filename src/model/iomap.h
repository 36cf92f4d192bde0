/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for what a guest touches: I/O ports of the PC platform (QEMU's i440fx and q35
 * defaults), LAPIC / IOAPIC / HPET registers by address, and MSRs (architectural, x2APIC,
 * kvmclock, Hyper-V). Also the remedies worth naming when one kind of access dominates a VM's
 * exits. Used when a snapshot is built, never per event.
 */
#ifndef KVMSCOPE_IOMAP_H
#define KVMSCOPE_IOMAP_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define IOMAP_LAPIC_BASE  0xfee00000ull
#define IOMAP_IOAPIC_BASE 0xfec00000ull
#define IOMAP_HPET_BASE	  0xfed00000ull

/* What an address is, for hints: the patterns with a known remedy. */
enum io_class {
	IOC_NONE = 0,
	IOC_PM_TIMER,	  /* ACPI PM timer port */
	IOC_PIT,	  /* i8254 PIT ports 0x40-0x43 */
	IOC_RTC,	  /* RTC/CMOS ports 0x70/0x71 */
	IOC_LAPIC,	  /* LAPIC page, x2APIC MSRs, Hyper-V EOI/ICR/TPR MSRs */
	IOC_HPET_COUNTER, /* HPET main counter */
	IOC_TSC_DEADLINE, /* IA32_TSC_DEADLINE */
	IOC_HV_REFCOUNT,  /* Hyper-V reference counter MSR */
	IOC__COUNT
};

/* Returns the class of addr of this kind (enum hot_kind). */
enum io_class iomap_class(unsigned int kind, uint64_t addr);

/* Returns buf holding the name of addr of this kind, "" when unknown. */
const char *iomap_name(unsigned int kind, uint64_t addr, char *buf, size_t bufsz);

/* Returns the KVM_EXIT_* name of a userspace exit reason, or NULL (linux/kvm.h, a stable ABI). */
const char *iomap_user_exit_name(uint32_t reason);

/*
 * Hints fire when the accesses of one class reach HINT_MIN_RATE per second and HINT_MIN_SHARE
 * percent of the VM's exits (exits_rate: kvm_exit, or the traced accesses where kvm_exit does
 * not fire). Rows are a VM's hot rows; other buckets are ignored.
 */
#define HINT_MIN_RATE  2000.0
#define HINT_MIN_SHARE 10.0

/* Returns the number of hints written to out (at most max), the busiest pattern first. */
int iomap_hints(const struct snap_hot *hot, int nhot, double exits_rate, struct snap_hint *out,
		int max);

#endif
