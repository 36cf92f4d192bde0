// SPDX-License-Identifier: GPL-2.0
#include "kvm_event.h"

static const char *const type_names[KE__COUNT] = {
	[KE_NONE] = "none",
	[KE_EXIT] = "exit",
	[KE_ENTRY] = "entry",
	[KE_PIO] = "pio",
	[KE_MMIO] = "mmio",
	[KE_FAST_MMIO] = "fast_mmio",
	[KE_MSR] = "msr",
	[KE_USER_EXIT] = "userspace_exit",
	[KE_VCPU_WAKEUP] = "vcpu_wakeup",
	[KE_SET_IRQ] = "set_irq",
	[KE_MSI_SET_IRQ] = "msi_set_irq",
	[KE_APIC] = "apic",
	[KE_EMULATE] = "emulate",
	[KE_SCHED_WAKING] = "sched_waking",
	[KE_SCHED_SWITCH] = "sched_switch",
	[KE_KVM_RUN] = "kvm_run",
	[KE_LOST] = "lost",
};

const char *kvm_event_type_name(unsigned int type)
{
	return type < KE__COUNT ? type_names[type] : "unknown";
}
