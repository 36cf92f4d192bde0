// SPDX-License-Identifier: GPL-2.0
/*
 * Exit reasons and hot addresses through the model, from synthetic event sequences: counts,
 * shares and rates over an explicit interval, handling times, pairing across vCPUs,
 * userspace exits, accesses counted once, names, hints, windows, vanishing threads.
 *
 * Percentiles come from a log-bucket histogram: p99 is the top of the bucket holding the true
 * p99, never below it, at most 12.5% above it, and never above the exact maximum.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "exits.h"
#include "model.h"
#include "pane.h"
#include "synth.h"
#include "unit.h"
#include "util.h"

#define VM1 100
#define C0  101 /* vCPU 0 of VM1 */
#define C1  102 /* vCPU 1 of VM1 */
#define IO1 103 /* iothread of VM1 */
#define C0B 201 /* vCPU 0 of VM2 */

/* Returns the thread row of tid in v. */
static const struct snap_thread *thr(const struct snap_vm *v, int tid)
{
	const struct snap_thread *t = snapshot_thread(v, tid);

	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(hw_exits_paired_across_vcpus)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_exit *e;
	const struct snap_hot *hot;
	struct model m;
	int i, j;

	synth_model(&m, &h, 1);
	for (i = 0; i < 100; i++) {
		uint64_t b = 1 * S + (uint64_t)i * MS;

		/* Interleaved: C1's exit starts and ends inside C0's. */
		ev_exit(&m, b, C0, VMX_IO_INSTRUCTION);
		ev_pio(&m, b + 100, C0, 0x608, 0);
		ev_exit(&m, b + 500, C1, VMX_EPT_MISCONFIG);
		ev_mmio(&m, b + 600, C1, 0xfee00300, KE_MMIO_WRITE);
		ev_entry(&m, b + 1500, C1);
		ev_entry(&m, b + (i == 99 ? 100000 : 2000), C0);
		for (j = 0; j < 3; j++) {
			ev_exit(&m, b + 200000 + (uint64_t)j * 10000, C1, VMX_EXTERNAL_INTERRUPT);
			ev_entry(&m, b + 200050 + (uint64_t)j * 10000, C1);
		}
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_uint_eq(s->interval_ns, 1 * S);
	v = &s->vms[0];
	ck_assert_int_eq(v->nexits, 3);
	ck_assert_uint_eq(v->exits_count, 500);
	ck_assert_double_eq_tol(v->exits_rate, 500.0, 1e-9);
	ck_assert_double_eq_tol(s->exits_rate, 500.0, 1e-9);
	ck_assert_str_eq(v->top_exit, "EXTERNAL_INTERRUPT");
	ck_assert_double_eq_tol(v->top_exit_share, 60.0, 1e-9);

	/* Sorted by count; shares of the VM's exits. */
	e = &v->exits[0];
	ck_assert_str_eq(e->name, "EXTERNAL_INTERRUPT");
	ck_assert_uint_eq(e->count, 300);
	ck_assert_double_eq_tol(e->rate, 300.0, 1e-9);
	ck_assert_uint_eq(e->total_ns, 300 * 50);
	ck_assert_uint_eq(e->max_ns, 50);
	ck_assert_uint_eq(e->p99_ns, 50);
	ck_assert_int_eq(e->hot, -1);

	e = find_exit(v->exits, v->nexits, "IO_INSTRUCTION");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, EXIT_KIND_HW);
	ck_assert_uint_eq(e->reason, VMX_IO_INSTRUCTION);
	ck_assert_uint_eq(e->count, 100);
	ck_assert_double_eq_tol(e->share, 20.0, 1e-9);
	ck_assert_uint_eq(e->total_ns, 99 * 2000 + 100000);
	ck_assert_double_eq_tol(e->mean_ns, 2980.0, 1e-9);
	ck_assert_uint_eq(e->max_ns, 100000);
	/* The true p99 is 2000 ns; its bucket is [1920, 2047]. */
	ck_assert_uint_eq(e->p99_ns, 2047);
	ck_assert_uint_ge(e->p99_ns, 2000);
	ck_assert_uint_le(e->p99_ns, 2000 + 2000 / 8);
	/* Share of the VM's vCPU time: 298 us over 1 s of 2 vCPUs. */
	ck_assert_double_eq_tol(e->time_share, 100.0 * 298000 / 2e9, 1e-12);
	ck_assert_int_eq(e->hot, HOT_PIO);

	e = find_exit(v->exits, v->nexits, "EPT_MISCONFIG");
	ck_assert_uint_eq(e->count, 100);
	ck_assert_uint_eq(e->total_ns, 100 * 1000);
	ck_assert_uint_eq(e->p99_ns, 1000); /* bucket [960, 1023], capped at the maximum */
	ck_assert_int_eq(e->hot, HOT_MMIO);

	/* Per vCPU: each thread's own exits. */
	ck_assert_int_eq(thr(v, C0)->nexits, 1);
	ck_assert_uint_eq(thr(v, C0)->exits_count, 100);
	ck_assert_double_eq_tol(thr(v, C0)->exits[0].share, 100.0, 1e-9);
	ck_assert_double_eq_tol(thr(v, C0)->exits[0].time_share, 100.0 * 298000 / 1e9, 1e-12);
	ck_assert_int_eq(thr(v, C1)->nexits, 2);
	ck_assert_uint_eq(thr(v, C1)->exits_count, 400);
	ck_assert_double_eq_tol(thr(v, C1)->exits_rate, 400.0, 1e-9);
	ck_assert_double_eq_tol(thr(v, C1)->exits[0].share, 75.0, 1e-9);
	ck_assert_int_eq(thr(v, IO1)->nexits, 0);

	/* The access inside each exit carries the exit's handling time. */
	hot = find_hot(v, HOT_PIO, 0x608);
	ck_assert_ptr_nonnull(hot);
	ck_assert_str_eq(hot->name, "ACPI PM timer");
	ck_assert_uint_eq(hot->count, 100);
	ck_assert_uint_eq(hot->rw, HOT_READ);
	ck_assert(!hot->user);
	ck_assert_uint_eq(hot->total_ns, 298000);
	ck_assert_double_eq_tol(hot->mean_ns, 2980.0, 1e-9);
	ck_assert_double_eq_tol(hot->share, 100.0, 1e-9);
	ck_assert_double_eq_tol(hot->time_share, 100.0 * 298000 / 2e9, 1e-12);
	hot = find_hot(v, HOT_MMIO, 0xfee00300);
	ck_assert_str_eq(hot->name, "LAPIC ICR");
	ck_assert_uint_eq(hot->total_ns, 100000);
	ck_assert_uint_eq(hot->size, 4);
	/* kvm_exit fires: the accesses are not exits of their own. */
	ck_assert_ptr_null(find_exit(v->exits, v->nexits, "io (pio)"));
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(userspace_in_counted_once)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_exit *e;
	const struct snap_hot *hot;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	/*
	 * What this kernel traces for an IN answered by the VMM: the exit to userspace, then
	 * kvm_pio when KVM_RUN completes it. No kvm_exit/kvm_entry here.
	 */
	for (i = 0; i < 3000; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 300 * US;

		ev_user(&m, b, C0, 2 /* KVM_EXIT_IO */, 0);
		ev_pio(&m, b + 3000, C0, 0x608, 0);
	}
	/* An OUT the VMM handles is traced before its exit. */
	for (i = 0; i < 10; i++) {
		uint64_t b = 1 * S + 950 * MS + (uint64_t)i * US;

		ev_pio(&m, b, C0, 0x402, 1);
		ev_user(&m, b + 100, C0, 2, 0);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	/* 6020 trace lines, 3010 accesses. */
	ck_assert_uint_eq(s->events, 6020);
	ck_assert_uint_eq(v->exits_count, 3010);
	e = find_exit(v->exits, v->nexits, "io (pio)");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, EXIT_KIND_EVENT);
	ck_assert_int_eq(e->hot, HOT_PIO);
	ck_assert_uint_eq(e->count, 3010);
	ck_assert_double_eq_tol(e->share, 100.0, 1e-9);
	ck_assert_double_eq(e->time_share, -1);
	ck_assert_str_eq(v->top_exit, "io (pio)");

	/* Each of them went to the VMM: its part of the row, not a row of its own. */
	ck_assert_ptr_null(find_exit(v->exits, v->nexits, "KVM_EXIT_IO"));
	ck_assert_int_eq(v->nexits, 1);
	ck_assert_uint_eq(e->vmm_count, 3010);
	ck_assert_double_eq_tol(e->vmm_share, 100.0, 1e-9);
	/* Only the INs have a completion: 3000 timed, 3 us each. */
	ck_assert_uint_eq(e->vmm_total_ns, 3000 * 3000);
	ck_assert_double_eq_tol(e->vmm_mean_ns, 3000, 1e-9);
	ck_assert_uint_eq(e->vmm_max_ns, 3000);

	hot = find_hot(v, HOT_PIO, 0x608);
	ck_assert_uint_eq(hot->count, 3000);
	ck_assert(hot->user);
	ck_assert_uint_eq(hot->rw, HOT_READ);
	/* Without kvm_entry, the VMM's part is the handling time shown. */
	ck_assert_uint_eq(hot->total_ns, 3000 * 3000);
	ck_assert_double_eq_tol(hot->time_share, 100.0 * 9e6 / 2e9, 1e-12);
	hot = find_hot(v, HOT_PIO, 0x402);
	ck_assert_uint_eq(hot->count, 10);
	ck_assert(hot->user);
	ck_assert_uint_eq(hot->rw, HOT_WRITE);
	ck_assert_str_eq(hot->name, "debug console");
	ck_assert_uint_eq(hot->total_ns, 0);
	ck_assert_double_eq(hot->time_share, -1);
	/* 3000/s and 99.7% of exits: the remedy is named. */
	ck_assert_int_eq(v->nhints, 1);
	ck_assert_ptr_nonnull(strstr(v->hints[0].text, "ACPI PM timer (port 0x608)"));
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(userspace_out_then_kernel_in)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_hot *hot;
	const struct snap_exit *e;
	struct model m;
	int i, k;

	/*
	 * A guest reading the in-kernel PIT, pacing itself with an OUT the VMM answers: the IN
	 * right after that exit is the guest's next read, not the completion of an IN.
	 */
	synth_model(&m, &h, 1);
	for (i = 0; i < 100; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 100 * US;

		for (k = 0; k < 10; k++)
			ev_pio(&m, b + (uint64_t)k * US, C0, 0x40, 0);
		ev_pio(&m, b + 20 * US, C0, 0xf00, 1);
		ev_user(&m, b + 21 * US, C0, 2, 0);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	hot = find_hot(&s->vms[0], HOT_PIO, 0x40);
	ck_assert_uint_eq(hot->count, 1000);
	ck_assert(!hot->user);
	ck_assert_uint_eq(hot->total_ns, 0);
	hot = find_hot(&s->vms[0], HOT_PIO, 0xf00);
	ck_assert_uint_eq(hot->count, 100);
	ck_assert(hot->user);
	e = find_exit(s->vms[0].exits, s->vms[0].nexits, "io (pio)");
	ck_assert_uint_eq(e->count, 1100);
	ck_assert_uint_eq(e->vmm_count, 100);
	ck_assert_uint_eq(e->vmm_total_ns, 0);
	ck_assert_double_eq(e->vmm_mean_ns, -1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(userspace_in_traced_before_exit)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_hot *hot;
	const struct snap_exit *e;
	struct model m;
	int i;

	/* Kernels that trace the IN before exiting to the VMM, and not at completion. */
	synth_model(&m, &h, 1);
	for (i = 0; i < 100; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 10 * US;

		ev_pio_as(&m, b, C0, 0x608, 0, 1);
		ev_user(&m, b + 100, C0, 2, 0);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	hot = find_hot(&s->vms[0], HOT_PIO, 0x608);
	ck_assert_uint_eq(hot->count, 100);
	ck_assert(hot->user);
	e = find_exit(s->vms[0].exits, s->vms[0].nexits, "io (pio)");
	ck_assert_uint_eq(e->count, 100);
	ck_assert_uint_eq(e->vmm_count, 100);
	/* No completion event: the VMM's time is not known. */
	ck_assert_uint_eq(e->vmm_total_ns, 0);
	ck_assert_double_eq(e->vmm_mean_ns, -1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(mmio_unsatisfied_read_counted_once)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_hot *hot;
	const struct snap_exit *e;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 50; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 100 * US;

		ev_mmio(&m, b, C0, 0xfed000f0, KE_MMIO_READ_UNSATISFIED);
		ev_user(&m, b + 100, C0, 6 /* KVM_EXIT_MMIO */, 0);
		ev_mmio(&m, b + 5100, C0, 0xfed000f0, KE_MMIO_READ);
	}
	for (i = 0; i < 20; i++) {
		uint64_t b = 1 * S + 500 * MS + (uint64_t)i * 100 * US;

		ev_mmio(&m, b, C1, 0xfe000010, KE_MMIO_WRITE);
		ev_user(&m, b + 100, C1, 6, 0);
	}
	/* A read KVM answers itself is one access too. */
	ev_mmio(&m, 1 * S + 900 * MS, C1, 0xfec00010, KE_MMIO_READ);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	e = find_exit(v->exits, v->nexits, "mmio");
	ck_assert_uint_eq(e->count, 71);
	hot = find_hot(v, HOT_MMIO, 0xfed000f0);
	ck_assert_str_eq(hot->name, "HPET main counter");
	ck_assert_uint_eq(hot->count, 50);
	ck_assert(hot->user);
	ck_assert_uint_eq(hot->total_ns, 50 * 5000);
	hot = find_hot(v, HOT_MMIO, 0xfe000010);
	ck_assert_uint_eq(hot->count, 20);
	ck_assert(hot->user);
	ck_assert_uint_eq(hot->rw, HOT_WRITE);
	hot = find_hot(v, HOT_MMIO, 0xfec00010);
	ck_assert_uint_eq(hot->count, 1);
	ck_assert(!hot->user);
	ck_assert_ptr_null(find_exit(v->exits, v->nexits, "KVM_EXIT_MMIO"));
	e = find_exit(v->exits, v->nexits, "mmio");
	ck_assert_uint_eq(e->vmm_count, 70);
	ck_assert_uint_eq(e->vmm_total_ns, 50 * 5000);
	ck_assert_int_eq(e->hot, HOT_MMIO);
	/* HPET counter: 50/s is far below the hint rate. */
	ck_assert_int_eq(v->nhints, 0);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(fast_mmio_and_msr)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_hot *hot;
	const struct snap_exit *e;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 40; i++)
		ev_fast_mmio(&m, 1 * S + (uint64_t)i * US, C0, 0xfe003000);
	for (i = 0; i < 30; i++)
		ev_msr(&m, 1 * S + 100 * US + (uint64_t)i * US, C1, 0x6e0, 1);
	for (i = 0; i < 5; i++)
		ev_msr(&m, 1 * S + 200 * US + (uint64_t)i * US, C1, 0x10, 0);
	s = model_snapshot(&m, 1 * S + 500 * MS, 0, false);
	v = &s->vms[0];
	ck_assert_uint_eq(v->exits_count, 75);
	/* Half a second: rates are twice the counts. */
	ck_assert_double_eq_tol(v->exits_rate, 150.0, 1e-9);
	e = find_exit(v->exits, v->nexits, "mmio");
	ck_assert_uint_eq(e->count, 40);
	ck_assert_int_eq(e->hot, HOT_MMIO);
	ck_assert_double_eq_tol(e->rate, 80.0, 1e-9);
	e = find_exit(v->exits, v->nexits, "msr");
	ck_assert_uint_eq(e->count, 35);
	ck_assert_int_eq(e->hot, HOT_MSR);
	ck_assert_double_eq_tol(e->share, 100.0 * 35 / 75, 1e-9);
	hot = find_hot(v, HOT_MMIO, 0xfe003000);
	ck_assert_str_eq(hot->name, "ioeventfd (notify)");
	ck_assert_uint_eq(hot->rw, HOT_WRITE);
	hot = find_hot(v, HOT_MSR, 0x6e0);
	ck_assert_str_eq(hot->name, "IA32_TSC_DEADLINE");
	ck_assert_uint_eq(hot->count, 30);
	ck_assert_double_eq_tol(hot->share, 100.0 * 30 / 35, 1e-9);
	hot = find_hot(v, HOT_MSR, 0x10);
	ck_assert_str_eq(hot->name, "TSC");
	ck_assert_uint_eq(hot->rw, HOT_READ);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(hot_other_bucket_sums_the_rest)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	struct model m;
	double shares = 0;
	uint64_t sum = 0;
	int p, i, rows = 0;

	synth_model(&m, &h, 1);
	/* Port 0x1000 + p read p + 1 times: 210 accesses over 20 ports. */
	for (p = 0; p < 20; p++)
		for (i = 0; i <= p; i++)
			ev_pio(&m, 1 * S + (uint64_t)(p * 100 + i) * US, C0, 0x1000 + (uint32_t)p,
			       0);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	ck_assert_int_eq(v->nhot, HOT_SHOW + 1);
	for (i = 0; i < v->nhot; i++) {
		sum += v->hot[i].count;
		shares += v->hot[i].share;
		rows += !v->hot[i].other;
	}
	ck_assert_int_eq(rows, HOT_SHOW);
	ck_assert_uint_eq(sum, 210);
	ck_assert_double_eq_tol(shares, 100.0, 1e-9);
	/* The busiest first, the bucket last with ports 0x1000-0x1003: 1 + 2 + 3 + 4. */
	ck_assert_uint_eq(v->hot[0].addr, 0x1013);
	ck_assert_uint_eq(v->hot[0].count, 20);
	ck_assert(v->hot[v->nhot - 1].other);
	ck_assert_str_eq(v->hot[v->nhot - 1].name, "other");
	ck_assert_uint_eq(v->hot[v->nhot - 1].count, 10);
	ck_assert_double_eq_tol(v->hot[v->nhot - 1].share, 100.0 * 10 / 210, 1e-9);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(million_addresses_do_not_grow_the_model)
{
	struct synth_host h;
	struct snapshot *s;
	const struct exits_vm *ev;
	struct model m;
	uint64_t sum = 0;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 1000000; i++) {
		ev_mmio(&m, 1 * S + (uint64_t)i * 100, C0, 0x100000000ull + (uint64_t)i * 64,
			KE_MMIO_WRITE);
		/* A LAPIC ICR storm starts late, at one access in eight. */
		if (i > 900000 && !(i % 8))
			ev_mmio(&m, 1 * S + (uint64_t)i * 100 + 50, C1, 0xfee00300, KE_MMIO_WRITE);
	}
	ev = model_vm_state_of(&m, m.reg.vms[0], &exits_module);
	ck_assert_int_eq(ev->hot[HOT_MMIO].n, HOT_CAP);
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_uint_eq(s->vms[0].hot[0].addr, 0xfee00300);
	ck_assert_uint_eq(s->vms[0].hot[0].count, 12499);
	ck_assert_int_le(s->vms[0].nhot, HOT_SHOW + 1);
	for (i = 0; i < s->vms[0].nhot; i++)
		sum += s->vms[0].hot[i].count;
	ck_assert_uint_eq(sum, 1000000 + 12499);
	ck_assert_uint_eq(s->vms[0].exits_count, 1000000 + 12499);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(cumulative_and_interval)
{
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 10; i++) {
		ev_exit(&m, 1 * S + (uint64_t)i * MS, C0, VMX_HLT);
		ev_entry(&m, 1 * S + (uint64_t)i * MS + 400, C0);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_uint_eq(s->vms[0].exits[0].count, 10);
	snapshot_free(s);
	for (i = 0; i < 30; i++) {
		ev_exit(&m, 2 * S + (uint64_t)i * MS, C0, VMX_HLT);
		ev_entry(&m, 2 * S + (uint64_t)i * MS + 800, C0);
	}
	/* Cumulative: both intervals, over 2 s since the start. */
	s = model_snapshot(&m, 3 * S, 0, true);
	ck_assert(s->cumulative);
	ck_assert_uint_eq(s->window_ns, 2 * S);
	ck_assert_uint_eq(s->vms[0].exits[0].count, 40);
	ck_assert_double_eq_tol(s->vms[0].exits[0].rate, 20.0, 1e-9);
	ck_assert_uint_eq(s->vms[0].exits[0].total_ns, 10 * 400 + 30 * 800);
	ck_assert_uint_eq(s->vms[0].exits[0].max_ns, 800);
	ck_assert_uint_eq(s->vms[0].exits[0].p99_ns, 800);
	ck_assert_uint_eq(thr(&s->vms[0], C0)->exits_count, 40);
	snapshot_free(s);
	/* Seven more, then a reset and a snapshot at once (the tick's order): nothing since. */
	for (i = 0; i < 7; i++)
		ev_exit(&m, 3 * S + 200 * MS + (uint64_t)i * MS, C0, VMX_HLT);
	model_reset(&m, 4 * S);
	s = model_snapshot(&m, 4 * S, 0, true);
	ck_assert_int_eq(s->vms[0].nexits, 0);
	ck_assert_uint_eq(s->vms[0].exits_count, 0);
	snapshot_free(s);
	for (i = 0; i < 5; i++)
		ev_exit(&m, 4 * S + 500 * MS + (uint64_t)i * MS, C0, VMX_HLT);
	s = model_snapshot(&m, 5 * S, 0, true);
	ck_assert_uint_eq(s->vms[0].exits[0].count, 5);
	ck_assert_double_eq_tol(s->vms[0].exits[0].rate, 5.0, 1e-9);
	snapshot_free(s);
	/* The interval view is unaffected by resets. */
	for (i = 0; i < 3; i++)
		ev_exit(&m, 5 * S + (uint64_t)i * MS, C0, VMX_HLT);
	s = model_snapshot(&m, 5 * S + 500 * MS, 0, false);
	ck_assert_uint_eq(s->vms[0].exits[0].count, 3);
	ck_assert_double_eq_tol(s->vms[0].exits[0].rate, 6.0, 1e-9);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(vanishing_vm_and_unknown_tids)
{
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	int i;

	synth_model(&m, &h, 2);
	for (i = 0; i < 10; i++) {
		ev_exit(&m, 1 * S + (uint64_t)i * MS, C0B, VMX_HLT);
		ev_pio(&m, 1 * S + (uint64_t)i * MS + 10, 999, 0x608, 0);
	}
	/* VM2 leaves mid-stream, with an exit in flight. */
	synth_scan(&h, 1, 1 * S + 500 * MS, 1);
	model_update_procfs(&m, &h.s);
	for (i = 0; i < 4; i++)
		ev_entry(&m, 1 * S + 600 * MS + (uint64_t)i, C0B);
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_uint_eq(s->events, 24);
	ck_assert_uint_eq(s->events_unattributed, 14);
	ck_assert_int_eq(s->nvms, 2);
	ck_assert(s->vms[1].gone);
	ck_assert_uint_eq(s->vms[1].exits_count, 10);
	ck_assert_uint_eq(s->vms[1].exits[0].total_ns, 0);
	ck_assert_double_eq(s->exits_rate, 0.0);
	snapshot_free(s);
	/* Next scan frees it; its tids stay unknown. */
	model_update_procfs(&m, &h.s);
	ev_exit(&m, 2 * S + 1, C0B, VMX_HLT);
	s = model_snapshot(&m, 3 * S, 0, false);
	ck_assert_int_eq(s->nvms, 1);
	ck_assert_uint_eq(s->events_unattributed, 1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(names_and_overflow)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_exit *e;
	struct model m;
	uint64_t sum = 0;
	int i;

	synth_model(&m, &h, 1);
	ev_user(&m, 1 * S + 1 * MS, C1, 0, -EINTR);
	ev_user(&m, 1 * S + 2 * MS, C1, 0, -EFAULT);
	ev_user(&m, 1 * S + 3 * MS, C1, 99, 0);
	/* 70 reasons the name table does not know: the VM's table fills (3 + 60), then "other". */
	for (i = 0; i < 70; i++)
		ev_exit(&m, 1 * S + 10 * MS + (uint64_t)i * US, C0, 100 + (uint32_t)i);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	ck_assert_ptr_nonnull(find_exit(v->exits, v->nexits, "reason 100"));
	e = find_exit(v->exits, v->nexits, "other");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 70 - 60);
	ck_assert_int_eq(v->nexits, EXITS_ROWS);
	for (i = 0; i < v->nexits; i++)
		if (v->exits[i].kind == EXIT_KIND_HW)
			sum += v->exits[i].count;
	ck_assert_uint_eq(sum, 70);
	ck_assert_ptr_nonnull(find_exit(v->exits, v->nexits, "KVM_RUN interrupted"));
	ck_assert_ptr_nonnull(find_exit(v->exits, v->nexits, "KVM_RUN error"));
	ck_assert_ptr_nonnull(find_exit(v->exits, v->nexits, "KVM_EXIT 99"));
	/* vCPU 1 has only exits seen as they reached the VMM: rows, and exits, of their own. */
	ck_assert_int_eq(thr(v, C1)->nexits, 3);
	ck_assert_double_eq_tol(thr(v, C1)->exits[0].share, 100.0 / 3, 1e-9);
	ck_assert_uint_eq(thr(v, C1)->exits_count, 3);
	/* Without a name table at all. */
	ck_assert_int_eq(exits_hot_kind("npf"), HOT_MMIO);
	ck_assert_int_eq(exits_hot_kind("msr"), HOT_MSR);
	ck_assert_int_eq(exits_hot_kind("io"), HOT_PIO);
	ck_assert_int_eq(exits_hot_kind("APIC_ACCESS"), HOT_MMIO);
	ck_assert_int_eq(exits_hot_kind("MSR_READ"), HOT_MSR);
	ck_assert_int_eq(exits_hot_kind("HLT"), -1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(hints_case1_in_snapshot)
{
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	int i;

	synth_model(&m, &h, 2);
	/* VM1: the incident, where kvm_exit does not fire. VM2: a quiet guest. */
	for (i = 0; i < 3000; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 300 * US;

		ev_user(&m, b, C0, 2, 0);
		ev_pio(&m, b + 2000, C0, 0x608, 0);
		if (i < 2500)
			ev_mmio(&m, b + 100 * US, C1, 0xfee00300, KE_MMIO_WRITE);
		if (i < 100)
			ev_pio(&m, b, C0B, 0x608, 0);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_int_eq(s->vms[0].nhints, 2);
	ck_assert_ptr_nonnull(strstr(s->vms[0].hints[0].text, "ACPI PM timer"));
	ck_assert_ptr_nonnull(strstr(s->vms[0].hints[1].text, "APICv"));
	ck_assert_str_eq(s->vms[0].hot[0].name, "ACPI PM timer");
	ck_assert_str_eq(s->vms[0].hot[1].name, "LAPIC ICR");
	ck_assert_int_eq(s->vms[1].nhints, 0);
	ck_assert_double_eq_tol(s->exits_rate, 5500.0 + 100.0, 1e-9);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/* The incident on a host where kvm_exit fires: PM timer reads and LAPIC ICR writes. */
static struct snapshot *case1(struct model *m, struct synth_host *h)
{
	int i;

	synth_model(m, h, 2);
	for (i = 0; i < 5000; i++) {
		uint64_t b = 1 * S + (uint64_t)i * 200 * US;

		if (i < 4000) {
			ev_exit(m, b, C0, VMX_IO_INSTRUCTION);
			ev_user(m, b + 1 * US, C0, 2, 0);
			ev_pio(m, b + 9 * US, C0, 0x608, 0);
			ev_entry(m, b + 10 * US, C0);
		}
		ev_exit(m, b + 50 * US, C1, VMX_APIC_ACCESS);
		ev_mmio(m, b + 50 * US + 200, C1, 0xfee00300, KE_MMIO_WRITE);
		ev_entry(m, b + 52 * US, C1);
		if (i < 50) {
			ev_exit(m, b + 100 * US, C1, VMX_HLT);
			ev_entry(m, b + 150 * US, C1);
		}
		if (i < 10) {
			ev_exit(m, b, C0B, VMX_EPT_MISCONFIG);
			ev_fast_mmio(m, b + 100, C0B, 0xfe003000);
			ev_entry(m, b + 500, C0B);
		}
	}
	return model_snapshot(m, 2 * S, 0, false);
}

START_TEST(panes_show_case1)
{
	struct pane_opts po = { .sort = -1 };
	struct synth_host h;
	struct table t = { 0 };
	struct snapshot *s;
	struct model m;
	int i;

	s = case1(&m, &h);
	/* Host scope: the two storms at the top, each with its VM and the kind behind it. */
	pane_build(pane_find("exits"), s, &po, &t);
	ck_assert_int_eq(t.nrows, 4);
	ck_assert_str_eq(table_cell(&t, 0, 0), "win01");
	ck_assert_str_eq(table_cell(&t, 0, 1), "APIC_ACCESS");
	ck_assert_int_eq(t.rows[0].ref.pid, VM1);
	ck_assert_int_eq(t.rows[0].ref.hot, 1 + HOT_MMIO);
	ck_assert_int_eq(t.rows[0].attr, ROW_HOT);
	ck_assert_str_eq(table_cell(&t, 1, 1), "IO_INSTRUCTION");
	ck_assert_int_eq(t.rows[1].ref.hot, 1 + HOT_PIO);
	ck_assert_str_eq(table_cell(&t, 1, 3), "4000");
	ck_assert_str_eq(table_cell(&t, 1, 5), "44.2");
	/* 4000 x 10 us over 1 s of 2 vCPUs. */
	ck_assert_str_eq(table_cell(&t, 1, 6), "2.0");
	ck_assert_str_eq(table_cell(&t, 1, 7), "10.0us");
	/* Every one of them went on to the VMM, 8 us each: its part, not a row. */
	ck_assert_str_eq(table_cell(&t, 1, 10), "100.0");
	ck_assert_str_eq(table_cell(&t, 1, 11), "8.00us");
	ck_assert_str_eq(table_cell(&t, 2, 1), "HLT");
	ck_assert_str_eq(table_cell(&t, 2, 10), "0.0");
	ck_assert_int_eq(t.rows[2].ref.hot, 0);
	ck_assert_str_eq(table_cell(&t, 3, 0), "db02");
	ck_assert_str_eq(table_cell(&t, 3, 1), "EPT_MISCONFIG");
	ck_assert_ptr_nonnull(strstr(t.note, "kvm_exit to kvm_entry"));

	/* Hot addresses across VMs: no other buckets; hot_only keeps one kind. */
	pane_build(pane_find("hot"), s, &po, &t);
	ck_assert_str_eq(table_cell(&t, 0, 3), "LAPIC ICR");
	ck_assert_str_eq(table_cell(&t, 1, 2), "0x608");
	ck_assert_str_eq(table_cell(&t, 1, 3), "ACPI PM timer");
	ck_assert_str_eq(table_cell(&t, 1, 6), "vmm");
	ck_assert_str_eq(table_cell(&t, 1, 11), "2.0");
	ck_assert_int_eq(t.rows[1].attr, ROW_HOT);
	ck_assert_str_eq(table_cell(&t, 2, 3), "ioeventfd (notify)");
	po.scope.hot_only = 1 + HOT_PIO;
	pane_build(pane_find("hot"), s, &po, &t);
	ck_assert_int_eq(t.nrows, 1);
	ck_assert_int_eq(t.rows[0].ref.hot, 1 + HOT_PIO);
	ck_assert_str_eq(t.title, "Hot ports");
	po.scope.hot_only = 0;

	pane_build(pane_find("hints"), s, &po, &t);
	ck_assert_int_eq(t.nrows, 2);
	ck_assert_ptr_nonnull(strstr(table_cell(&t, 0, 0), "win01: LAPIC register traffic"));
	ck_assert_ptr_nonnull(strstr(table_cell(&t, 1, 0), "win01: guest polls the ACPI PM timer"));

	/* VM scope: rows stand for reasons and addresses; the VM column is empty and untitled. */
	po.scope.kind = SCOPE_VM;
	po.scope.pid = VM1;
	pane_build(pane_find("exits"), s, &po, &t);
	ck_assert_int_eq(t.nrows, 3);
	ck_assert_str_eq(table_col_title(&t, 0), "");
	ck_assert_str_eq(table_cell(&t, 0, 0), "");
	ck_assert_int_eq(t.rows[0].ref.id, VMX_APIC_ACCESS);
	pane_build(pane_find("hot"), s, &po, &t);
	ck_assert_int_eq(t.rows[0].ref.id, 0xfee00300);
	ck_assert_int_eq(t.rows[0].ref.hot, 1 + HOT_MMIO);
	pane_build(pane_find("split"), s, &po, &t);
	ck_assert_str_eq(table_cell(&t, 0, 0), "vCPU mean (2)");
	ck_assert_str_eq(table_cell(&t, 1, 0), "CPU 0/KVM");
	ck_assert_str_eq(table_cell(&t, 1, 7), "events");
	/* vCPU 0: 4000 exits of 10 us, 8 of them in the VMM: 0.8% kernel, 3.2% user. */
	ck_assert_str_eq(table_cell(&t, 1, 2), "96.0");
	ck_assert_str_eq(table_cell(&t, 1, 3), "0.8");
	ck_assert_str_eq(table_cell(&t, 1, 4), "3.2");
	ck_assert_str_eq(table_cell(&t, 1, 5), "0.0");
	ck_assert_ptr_nonnull(strstr(t.note, "no sched events"));
	/* vCPU scope: that vCPU's exits only. */
	po.scope.kind = SCOPE_VCPU;
	po.scope.tid = C1;
	pane_build(pane_find("exits"), s, &po, &t);
	ck_assert_int_eq(t.nrows, 2);
	ck_assert_str_eq(t.title, "Exits of CPU 1/KVM");
	for (i = 0; i < t.nrows; i++)
		ck_assert_str_ne(table_cell(&t, i, 1), "IO_INSTRUCTION");
	/* The VM list: exits per second, the top exit, time in exit handling. */
	po.scope.kind = SCOPE_HOST;
	pane_build(pane_find("vms"), s, &po, &t);
	ck_assert_str_eq(table_cell(&t, 0, 6), "APIC_ACCESS");
	table_free(&t);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

START_TEST(json_sections)
{
	struct batch_opts bo = { .format = BATCH_JSON };
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	s = case1(&m, &h);
	f = open_memstream(&buf, &len);
	batch_print(f, s, &bo);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"exits_rate\":9060,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"top_exit\":\"APIC_ACCESS\""));
	ck_assert_ptr_nonnull(strstr(buf, "{\"name\":\"IO_INSTRUCTION\",\"reason\":30,"
					  "\"kind\":\"hw\",\"hot\":\"pio\",\"count\":4000,"
					  "\"estimate\":false,\"traced\":4000,\"rate\":4000,"));
	/* The distributions by powers of two: 10 us in [8192, 16383], 8 us in [4096, 8191]. */
	ck_assert_ptr_nonnull(strstr(buf, "\"total_ns\":40000000,\"mean_ns\":10000,"
					  "\"timed\":4000,\"p50_ns\":10000,\"p99_ns\":10000,"
					  "\"max_ns\":10000,\"lat_buckets\":[[8192,4000]],\"vmm_count\":4000,"
					  "\"vmm_pct\":100,\"vmm_total_ns\":32000000,"
					  "\"vmm_max_ns\":8000,\"vmm_mean_ns\":8000,"
					  "\"vmm_p50_ns\":8000,\"vmm_p99_ns\":8000,"
					  "\"vmm_lat_buckets\":[[4096,4000]]}"));
	ck_assert_ptr_nonnull(strstr(buf, "{\"kind\":\"pio\",\"other\":false,"
					  "\"addr\":\"0x608\",\"name\":\"ACPI PM timer\","
					  "\"rw\":\"r\",\"size\":1,\"user\":true,"
					  "\"pattern\":true,\"count\":4000,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"hints\":[\"LAPIC register traffic"));
	ck_assert_ptr_nonnull(strstr(buf, "\"split\":{\"source\":\"events\","
					  "\"sched\":false,\"guest_pct\":96,"));
	free(buf);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * A timer storm's vCPU as each kernel traces it: a userspace IN of port 0x608 every 100 us
 * answered in 20 us, a kernel-handled IN of 0x40 every 10th pass and an OUT to the VMM's
 * debug port every 50th. early: the kernel traces INs before their exit (kvm_pio without val),
 * else at completion. run: the VMM's ioctl(KVM_RUN) is traced too, 5 us after each exit.
 * Returns the number of events written to evs (at most max).
 */
static int timer_stream(struct kvm_event *evs, int max, int tid, bool early, bool run)
{
	int i, n = 0;

#define PUT(ts_, type_) (evs[n] = synth_ev((ts_), tid, (type_)), &evs[n++])
	for (i = 0; i < 9990 && n + 8 <= max; i++) {
		uint64_t b = 1 * S + 50 * US + (uint64_t)i * 100 * US;
		struct kvm_event *e;

		if (i % 10 == 3) {
			e = PUT(b - 10 * US, KE_PIO);
			e->pio = (typeof(e->pio)){
				.port = 0x40, .size = 1, .count = 1, .early_in = early
			};
		}
		if (i % 50 == 7) {
			e = PUT(b - 30 * US, KE_PIO);
			e->pio = (typeof(e->pio)){
				.port = 0x402, .size = 1, .count = 1, .write = 1, .early_in = early
			};
			PUT(b - 29 * US, KE_USER_EXIT)->user_exit.reason = 2;
			if (run)
				PUT(b - 25 * US, KE_KVM_RUN);
		}
		if (early) {
			e = PUT(b - US / 2, KE_PIO);
			e->pio = (typeof(e->pio)){
				.port = 0x608, .size = 4, .count = 1, .early_in = 1
			};
		}
		PUT(b, KE_USER_EXIT)->user_exit.reason = 2;
		if (run)
			PUT(b + 5 * US, KE_KVM_RUN);
		if (!early) {
			e = PUT(b + 20 * US, KE_PIO);
			e->pio = (typeof(e->pio)){ .port = 0x608, .size = 4, .count = 1 };
		}
	}
#undef PUT
	return n;
}

/* Asserts a and b within tol, or both unknown (-1). */
static void near(double a, double b, double tol, const char *what, int k)
{
	ck_assert_msg((a < 0 && b < 0) || (a >= 0 && b >= 0 && a - b <= tol && b - a <= tol),
		      "%s: %g vs %g with the trace starting at event %d", what, a, b, k);
}

/*
 * Two vCPUs of one VM doing the same work, one traced from its first event and the other
 * from each of the next 50: the time split, the KVM_EXIT_IO row and port 0x608 agree, for
 * both kernel behaviours, with and without the VMM's ioctl(KVM_RUN) in the trace.
 */
START_TEST(pairing_wherever_the_trace_starts)
{
	enum { MAXEV = 40000 };
	/* USER% expected, with procfs saying the vCPUs spend 30% in the host. */
	static const struct {
		bool early, run;
		double user, vmm_ns;
	} cases[] = {
		{ false, false, 100.0 * 9990 * 20e3 / 1e9, 20e3 }, /* exit to completion */
		{ false, true, 100.0 * (9990 * 5e3 + 200 * 4e3) / 1e9, 5e3 },
		{ true, false, -1, -1 }, /* nothing tells when the VMM is done */
		{ true, true, 100.0 * (9990 * 5e3 + 200 * 4e3) / 1e9, 5e3 },
	};
	struct kvm_event *evs = xcalloc(MAXEV, sizeof(*evs)), *evs1 = xcalloc(MAXEV, sizeof(*evs));
	size_t c;
	int k, i, n, n1;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		n = timer_stream(evs, MAXEV, C0, cases[c].early, cases[c].run);
		n1 = timer_stream(evs1, MAXEV, C1, cases[c].early, cases[c].run);
		ck_assert_int_eq(n, n1);
		for (k = 0; k < 50; k++) {
			const struct snap_thread *t0, *t1;
			const struct snap_exit *x0, *x1;
			const struct snap_hot *hot;
			struct synth_host h;
			struct snapshot *s;
			struct model m;

			synth_model(&m, &h, 1);
			for (i = 0; i < n; i++)
				model_event(&m, &evs[i]);
			for (i = k; i < n; i++)
				model_event(&m, &evs1[i]);
			synth_scan(&h, 1, 2 * S, 2);
			model_update_procfs(&m, &h.s);
			s = model_snapshot(&m, 2 * S, 0, false);
			t0 = thr(&s->vms[0], C0);
			t1 = thr(&s->vms[0], C1);
			ck_assert_int_eq(t0->split.source, SPLIT_PROCFS);
			near(t0->split.user, cases[c].user, 1e-6, "USER% of the whole trace", k);
			near(t1->split.user, t0->split.user, 1.0, "USER%", k);
			near(t1->split.kernel, t0->split.kernel, 1.0, "KERNEL%", k);
			/* The VMM's part of the PIO exits: its time over the 1 s window. */
			x0 = find_exit(t0->exits, t0->nexits, "io (pio)");
			x1 = find_exit(t1->exits, t1->nexits, "io (pio)");
			ck_assert_ptr_nonnull(x0);
			ck_assert_ptr_nonnull(x1);
			near(100.0 * (double)x1->vmm_total_ns / S, 100.0 * (double)x0->vmm_total_ns / S,
			     1.0, "VMM TIME%", k);
			near(x0->vmm_mean_ns, cases[c].vmm_ns, 200, "VMM MEAN", k);
			near(x1->vmm_mean_ns, x0->vmm_mean_ns, 0.01 * x0->vmm_mean_ns, "VMM MEAN", k);
			/* Each access counted once, the IN as the VMM's, its time the VMM's. */
			hot = find_hot(&s->vms[0], HOT_PIO, 0x608);
			ck_assert_ptr_nonnull(hot);
			ck_assert(hot->user);
			ck_assert_uint_ge(hot->count, 2 * 9990 - 50);
			ck_assert_uint_le(hot->count, 2 * 9990);
			near(hot->time_share,
			     cases[c].user < 0 ? -1 : 100.0 * 2 * 9990 * cases[c].vmm_ns / 2e9, 0.5,
			     "0x608 TIME%", k);
			hot = find_hot(&s->vms[0], HOT_PIO, 0x40);
			ck_assert(!hot->user);
			hot = find_hot(&s->vms[0], HOT_PIO, 0x402);
			ck_assert(hot->user);
			snapshot_free(s);
			model_free(&m);
		}
	}
	free(evs);
	free(evs1);
}
END_TEST

/* Events lost in the middle of an exit to the VMM: no time is made up across the gap. */
START_TEST(loss_ends_spans)
{
	struct kvm_event lost = synth_ev(0, 0, KE_LOST);
	const struct snap_exit *e;
	const struct snap_thread *t;
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 100; i++) {
		uint64_t b = 1 * S + (uint64_t)i * MS;

		ev_user(&m, b, C0, 2, 0);
		if (i == 50) {
			/*
			 * The ring overflowed: this exit's KVM_RUN and completion, and the next
			 * exit, are gone; the KVM_RUN after the gap is that next exit's.
			 */
			lost.ts_ns = b + 400 * US;
			model_event(&m, &lost);
		}
		ev_kvm_run(&m, b + (i == 50 ? 510 : 10) * US, C0);
		ev_pio(&m, b + (i == 50 ? 520 : 20) * US, C0, 0x608, 0);
	}
	synth_scan(&h, 1, 2 * S, 2);
	model_update_procfs(&m, &h.s);
	s = model_snapshot(&m, 2 * S, 0, false);
	/* The loss is no trace event; the exit across it is counted, not timed as 510 us. */
	ck_assert_uint_eq(s->events, 300);
	e = find_exit(s->vms[0].exits, s->vms[0].nexits, "io (pio)");
	ck_assert_uint_eq(e->vmm_count, 100);
	ck_assert_uint_eq(e->vmm_total_ns, 99 * 10 * US);
	ck_assert_uint_eq(e->vmm_max_ns, 10 * US);
	t = thr(&s->vms[0], C0);
	ck_assert_double_eq_tol(t->split.user, 100.0 * 99 * 10 * US / S, 1e-9);
	/* Still every access counted once, the port the VMM's. */
	ck_assert(find_hot(&s->vms[0], HOT_PIO, 0x608)->user);
	ck_assert_uint_eq(find_hot(&s->vms[0], HOT_PIO, 0x608)->count, 100);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

static Suite *exits_suite(void)
{
	Suite *s = suite_create("exits");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hw_exits_paired_across_vcpus);
	tcase_add_test(tc, userspace_in_counted_once);
	tcase_add_test(tc, userspace_out_then_kernel_in);
	tcase_add_test(tc, userspace_in_traced_before_exit);
	tcase_add_test(tc, pairing_wherever_the_trace_starts);
	tcase_add_test(tc, loss_ends_spans);
	tcase_add_test(tc, mmio_unsatisfied_read_counted_once);
	tcase_add_test(tc, fast_mmio_and_msr);
	tcase_add_test(tc, hot_other_bucket_sums_the_rest);
	tcase_add_test(tc, million_addresses_do_not_grow_the_model);
	tcase_add_test(tc, cumulative_and_interval);
	tcase_add_test(tc, vanishing_vm_and_unknown_tids);
	tcase_add_test(tc, names_and_overflow);
	tcase_add_test(tc, hints_case1_in_snapshot);
	tcase_add_test(tc, panes_show_case1);
	tcase_add_test(tc, json_sections);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(exits_suite)
