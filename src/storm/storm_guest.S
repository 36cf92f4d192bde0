/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The storm guest: real-mode loops, one per scenario, copied into guest memory by the VMM.
 * The host never executes this code, so it lives in a read-only data section.
 *
 * Every guest instruction is emulated on the build machine, so the loops are short: each
 * costs a handful of emulated instructions per exit. Counters live in registers the VMM
 * reads with KVM_GET_REGS once the vCPU has stopped: ESI counts iterations (or interrupts),
 * EDI counts notifies or halts. An operation that precedes its counter's increment is
 * counted by the VMM from RIP when the vCPU stops between the two.
 *
 * Inputs, set by the VMM in the vCPU's registers:
 *   timer   DX = PM timer port
 *   pit     DX = control port, DI = passes per control exit (0 means 65536)
 *   apic    EAX = EOI value, EBX = ICR value, ECX = timer count, DX = control port, DI = batch
 *   virtio  AX = queue index, DX = notify port
 *   idle    ECX = LAPIC timer count, in bus cycles (1 ns each) per interrupt
 * DS has its base at the LAPIC (0xfee00000), SS a stack of its own per vCPU.
 */
#include "storm_guest.h"

	.section .rodata.storm_guest, "a", @progbits
	.code16

	.globl storm_guest_start, storm_guest_end
	.globl storm_guest_timer
	.globl storm_guest_pit, storm_guest_pit_loop, storm_guest_pit_add
	.globl storm_guest_apic, storm_guest_apic_eoi, storm_guest_apic_icr
	.globl storm_guest_apic_tmict, storm_guest_apic_inc
	.globl storm_guest_virtio, storm_guest_virtio_inc
	.globl storm_guest_idle, storm_guest_idle_hlt, storm_guest_idle_inc
	.globl storm_guest_irq, storm_guest_idle_irq, storm_guest_unexpected

storm_guest_start:

/* Each 32-bit read of the PM timer exits to the VMM, which counts it: no guest counter. */
storm_guest_timer:
1:	inl	(%dx), %eax
	jmp	1b

/*
 * Reads of PIT channel 0, handled in the kernel. Unrolled because the loop overhead is
 * emulated too; the control exit after DI passes lets the VMM pace the loop.
 */
storm_guest_pit:
1:	movw	%di, %bp
storm_guest_pit_loop:
2:	.rept	STORM_PIT_UNROLL
	inb	$STORM_PORT_PIT0, %al
	.endr
storm_guest_pit_add:
	addl	$STORM_PIT_UNROLL, %esi
	decw	%bp
	jnz	2b
	outb	%al, (%dx)
	jmp	1b

/*
 * LAPIC writes by MMIO, handled in the kernel: EOI with nothing in service, a fixed self-IPI
 * that stays pending because IF is clear, and a timer count while LVTT stays masked.
 */
storm_guest_apic:
	movl	$0x1ff, STORM_APIC_SVR
	cli
1:	movw	%di, %bp
storm_guest_apic_eoi:
2:	movl	%eax, STORM_APIC_EOI
storm_guest_apic_icr:
	movl	%ebx, STORM_APIC_ICR
storm_guest_apic_tmict:
	movl	%ecx, STORM_APIC_TMICT
storm_guest_apic_inc:
	incl	%esi
	decw	%bp
	jnz	2b
	outb	%al, (%dx)
	jmp	1b

/*
 * One virtio-like request at a time: notify, then halt until the completion interrupt.
 * STI's one-instruction shadow keeps the interrupt from landing between the notify and the
 * HLT, where it would leave the HLT waiting for an interrupt that already came.
 */
storm_guest_virtio:
	movl	$0x1ff, STORM_APIC_SVR
1:	cli
	outw	%ax, (%dx)
storm_guest_virtio_inc:
	incl	%edi
	sti
	hlt
	jmp	1b

/*
 * Halts; the LAPIC timer wakes it, one-shot and re-armed by the handler. (Periodic mode
 * fires only once on the kvm_pvm build machine, halted or not.)
 */
storm_guest_idle:
	movl	$0x1ff, STORM_APIC_SVR
	movl	$0xb, STORM_APIC_TDCR
	movl	$STORM_VEC_IDLE, STORM_APIC_LVTT
	movl	%ecx, STORM_APIC_TMICT
	sti
storm_guest_idle_hlt:
1:	hlt
storm_guest_idle_inc:
	incl	%edi
	jmp	1b

/* The idle timer interrupt. Re-armed first, so the period grows only by the latency. */
storm_guest_idle_irq:
	movl	%ecx, STORM_APIC_TMICT
	movl	%eax, STORM_APIC_EOI
	incl	%esi
	iret

/* The virtio completion interrupt. */
storm_guest_irq:
	movl	%eax, STORM_APIC_EOI
	incl	%esi
	iret

/* Every other vector: tell the VMM and stop. */
storm_guest_unexpected:
	movw	$STORM_PORT_FAULT, %dx
	outb	%al, (%dx)
	cli
1:	hlt
	jmp	1b

storm_guest_end:

	.code64
	.section .note.GNU-stack, "", @progbits
