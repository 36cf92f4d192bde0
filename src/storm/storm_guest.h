/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The storm guest's memory layout, ports and vectors, shared by the VMM (C) and the guest
 * code (storm_guest.S, which includes this file through the preprocessor). The guest runs in
 * real mode; the VMM copies storm_guest_start..storm_guest_end to STORM_CODE_GPA and points
 * each vCPU at one of the entry labels.
 */
#ifndef KVMSCOPE_STORM_GUEST_H
#define KVMSCOPE_STORM_GUEST_H

/* Ports. The notify port is where legacy virtio-pci puts QUEUE_NOTIFY in a BAR at 0xc040. */
#define STORM_PORT_PIT0	  0x40	 /* in-kernel PIT channel 0 */
#define STORM_PORT_PMTMR  0x608	 /* ACPI PM timer, answered by the VMM */
#define STORM_PORT_NOTIFY 0xc050 /* virtio queue notify, bound to an ioeventfd */
#define STORM_PORT_CTL	  0xf00	 /* one exit per batch, so the VMM can pace in-kernel loops */
#define STORM_PORT_FAULT  0xf01	 /* the guest took an interrupt or exception it did not expect */

/* Guest physical layout; everything below 1 MiB so that real mode reaches it. */
#define STORM_MEM_SIZE	 0x100000
#define STORM_CODE_GPA	 0x1000
#define STORM_CODE_MAX	 0x3000
#define STORM_STACK_GPA	 0x10000 /* one 4 KiB stack per vCPU from here */
#define STORM_STACK_SIZE 0x1000
#define STORM_LAPIC_GPA	 0xfee00000

/* LAPIC register offsets the guest writes. */
#define STORM_APIC_EOI	 0xb0
#define STORM_APIC_SVR	 0xf0
#define STORM_APIC_ICR	 0x300
#define STORM_APIC_LVTT	 0x320
#define STORM_APIC_TMICT 0x380
#define STORM_APIC_TDCR	 0x3e0

/* Vectors. STORM_VEC_SELF is only ever left pending: the apic guest runs with IF clear. */
#define STORM_VEC_VIRTIO 0x41
#define STORM_VEC_IDLE	 0x42
#define STORM_VEC_SELF	 0x50

#define STORM_PIT_UNROLL 8 /* port 0x40 reads per pass of the pit loop */

#ifndef __ASSEMBLER__
/*
 * Labels in storm_guest.S. The code is data to the host (it lives in .rodata); only the
 * offsets of these labels from storm_guest_start matter.
 */
extern const char storm_guest_start[], storm_guest_end[];
extern const char storm_guest_timer[];
extern const char storm_guest_pit[], storm_guest_pit_loop[], storm_guest_pit_add[];
extern const char storm_guest_apic[], storm_guest_apic_eoi[], storm_guest_apic_icr[],
	storm_guest_apic_tmict[], storm_guest_apic_inc[];
extern const char storm_guest_virtio[], storm_guest_virtio_inc[];
extern const char storm_guest_idle[], storm_guest_idle_hlt[], storm_guest_idle_inc[];
extern const char storm_guest_irq[], storm_guest_idle_irq[], storm_guest_unexpected[];

/* Returns the guest address of a label in the guest code. */
static inline unsigned long storm_guest_addr(const char *label)
{
	return STORM_CODE_GPA + (unsigned long)(label - storm_guest_start);
}
#endif

#endif
