// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU time split: a synthetic timeline with guest, exit handling in the kernel and in
 * the VMM, a halt and preemptions, read as shares of the window; without sched events; the
 * coarse procfs split where kvm_exit/kvm_entry do not fire; windows; through the model.
 */
#include <string.h>

#include "exits.h"
#include "hist.h"
#include "model.h"
#include "synth.h"
#include "unit.h"
#include "vcpustate.h"

static void ev(struct vcpustate *v, uint64_t ts, int type, unsigned int flags)
{
	struct kvm_event e = synth_ev(ts, 1, type);

	if (type == KE_USER_EXIT)
		e.user_exit.reason = 2;
	vcpustate_event(v, &e, flags);
}

static void wake(struct vcpustate *v, uint64_t ts, uint64_t wait_ns)
{
	struct kvm_event e = synth_ev(ts, 1, KE_VCPU_WAKEUP);

	e.wakeup.wait_ns = wait_ns;
	vcpustate_event(v, &e, 0);
}

#define T(ms) (1 * S + (uint64_t)(ms)*MS)

/*
 * One second of a vCPU, in ms from 1 s:
 *   0-100 guest; 100 exit (IO) -> kernel; 110 to the VMM -> user, preempted 115-125;
 *   130 the access completes -> kernel; 135 entry -> guest; 300 exit (HLT) -> kernel,
 *   blocked 302-700, wakeup at 701 (halt of 401 ms); 701 entry -> guest; 900 exit -> kernel,
 *   preempted 905-950; 960 entry -> guest until 1000.
 * guest 504, kernel 30, user 10, halted 401, waiting 55.
 */
static void timeline(struct vcpustate *v, bool sched)
{
	vcpustate_init(v);
	ev(v, T(0), KE_ENTRY, 0);
	ev(v, T(100), KE_EXIT, 0);
	ev(v, T(110), KE_USER_EXIT, 0);
	if (sched) {
		vcpustate_switch_out(v, T(115), true);
		vcpustate_switch_in(v, T(125));
	}
	ev(v, T(130), KE_PIO, EXITS_REENTRY);
	ev(v, T(135), KE_ENTRY, 0);
	ev(v, T(300), KE_EXIT, 0);
	if (sched) {
		vcpustate_switch_out(v, T(302), false);
		vcpustate_switch_in(v, T(700));
	}
	wake(v, T(701), 401 * MS);
	ev(v, T(701), KE_ENTRY, 0);
	ev(v, T(900), KE_EXIT, 0);
	if (sched) {
		vcpustate_switch_out(v, T(905), true);
		vcpustate_switch_in(v, T(950));
	}
	ev(v, T(960), KE_ENTRY, 0);
	vcpustate_close(v, T(1000));
}

static double sum(const struct exit_split *s)
{
	return s->guest + s->kernel + s->user + s->halted + s->waiting;
}

START_TEST(split_with_sched_events)
{
	struct vcpustate v;
	struct exit_split s;

	timeline(&v, true);
	vcpustate_split(&v, ACC_WIN, 1 * S, NULL, &s);
	ck_assert_int_eq(s.source, SPLIT_EVENTS);
	ck_assert(s.sched);
	ck_assert_double_eq_tol(s.guest, 50.4, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 3.0, 1e-9);
	ck_assert_double_eq_tol(s.user, 1.0, 1e-9);
	ck_assert_double_eq_tol(s.halted, 40.1, 1e-9);
	ck_assert_double_eq_tol(s.waiting, 5.5, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);
	/*
	 * The VMM's span is measured too (for the coarse split): 20 ms less the 10 ms it waited
	 * preempted, which procfs counts as waiting already.
	 */
	ck_assert_uint_eq(v.user.win.total_ns, 10 * MS);
	/* Without sched events nothing says it waited: the whole span. */
	timeline(&v, false);
	ck_assert_uint_eq(v.user.win.total_ns, 20 * MS);
}
END_TEST

/*
 * The VMM back in KVM_RUN (its ioctl traced) ends its part of the exit: what KVM does from
 * there to the completion and the entry is kernel time, in both splits.
 */
START_TEST(user_ends_at_kvm_run)
{
	struct cpu_split cpu = { .cpu = 50.0, .guest = 20.0, .host = 30.0, .steal = 0, .cs = 0 };
	struct vcpustate v;
	struct exit_split s;
	int i;

	vcpustate_init(&v);
	ev(&v, T(0), KE_ENTRY, 0);
	ev(&v, T(100), KE_EXIT, 0);
	ev(&v, T(110), KE_USER_EXIT, 0);
	ev(&v, T(115), KE_KVM_RUN, EXITS_REENTRY);
	ev(&v, T(130), KE_PIO, 0); /* the completion: nothing more for the VMM */
	ev(&v, T(135), KE_ENTRY, 0);
	vcpustate_close(&v, T(1000));
	vcpustate_split(&v, ACC_WIN, 1 * S, NULL, &s);
	ck_assert_int_eq(s.source, SPLIT_EVENTS);
	ck_assert_double_eq_tol(s.guest, 96.5, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 3.0, 1e-9);
	ck_assert_double_eq_tol(s.user, 0.5, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);

	/* No kvm_exit: the coarse split's VMM time is exit to KVM_RUN, 2 ms of each 10. */
	vcpustate_init(&v);
	for (i = 0; i < 100; i++) {
		ev(&v, T(i * 10), KE_USER_EXIT, 0);
		ev(&v, T(i * 10 + 2), KE_KVM_RUN, EXITS_REENTRY);
		ev(&v, T(i * 10 + 3), KE_PIO, 0);
	}
	vcpustate_close(&v, T(1000));
	vcpustate_split(&v, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_int_eq(s.source, SPLIT_PROCFS);
	ck_assert_double_eq_tol(s.user, 20.0, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 10.0, 1e-9);
}
END_TEST

START_TEST(split_without_sched_events)
{
	struct cpu_split cpu = { .cpu = 54.0, .guest = 50.0, .host = 4.0, .steal = 5.5, .cs = 0 };
	struct vcpustate v;
	struct exit_split s;

	/* The wakeup alone moves the 401 ms halt out of kernel time. */
	timeline(&v, false);
	vcpustate_split(&v, ACC_WIN, 1 * S, NULL, &s);
	ck_assert(!s.sched);
	ck_assert_double_eq_tol(s.guest, 50.4, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 7.5, 1e-9);
	ck_assert_double_eq_tol(s.user, 2.0, 1e-9);
	ck_assert_double_eq_tol(s.halted, 40.1, 1e-9);
	ck_assert_double_eq_tol(s.waiting, 0.0, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);
	/* With schedstat's wait time: taken from kernel time, then the VMM's. */
	vcpustate_split(&v, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_double_eq_tol(s.waiting, 5.5, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 2.0, 1e-9);
	ck_assert_double_eq_tol(s.user, 2.0, 1e-9);
	cpu.steal = 8.5;
	vcpustate_split(&v, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_double_eq_tol(s.kernel, 0.0, 1e-9);
	ck_assert_double_eq_tol(s.user, 1.0, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);
}
END_TEST

START_TEST(split_coarse_from_procfs)
{
	struct cpu_split cpu = { .cpu = 90.0, .guest = 20.0, .host = 70.0, .steal = 4.0, .cs = 0 };
	struct vcpustate v;
	struct exit_split s;
	int i;

	/* No kvm_exit/kvm_entry: exits to the VMM and completions only, 3 ms each, 100 times. */
	vcpustate_init(&v);
	for (i = 0; i < 100; i++) {
		ev(&v, T(i * 10), KE_USER_EXIT, 0);
		ev(&v, T(i * 10 + 3), KE_PIO, EXITS_REENTRY);
	}
	/* A span that ends at an unknown time is not counted. */
	ev(&v, T(999), KE_USER_EXIT, 0);
	vcpustate_close(&v, T(1000));
	vcpustate_split(&v, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_int_eq(s.source, SPLIT_PROCFS);
	ck_assert_double_eq_tol(s.guest, 20.0, 1e-9);
	ck_assert_double_eq_tol(s.user, 30.0, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 40.0, 1e-9);
	ck_assert_double_eq_tol(s.halted, 6.0, 1e-9);
	ck_assert_double_eq_tol(s.waiting, 4.0, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);
	/* The VMM cannot take more than the host time. */
	cpu.host = 10.0;
	cpu.guest = 80.0;
	vcpustate_split(&v, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_double_eq_tol(s.user, 10.0, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 0.0, 1e-9);
	/* Nothing measured: user is unknown, the host time all in kernel. */
	vcpustate_split(NULL, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_double_eq(s.user, -1);
	ck_assert_double_eq_tol(s.kernel, 10.0, 1e-9);
	/* Run plus wait beyond the interval (sampling jitter): scaled to a split of 100%. */
	cpu.cpu = 60.0;
	cpu.guest = 20.0;
	cpu.host = 40.0;
	cpu.steal = 60.0;
	vcpustate_split(NULL, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_double_eq_tol(s.guest, 100.0 / 6, 1e-9);
	ck_assert_double_eq_tol(s.kernel, 100.0 / 3, 1e-9);
	ck_assert_double_eq_tol(s.waiting, 50.0, 1e-9);
	ck_assert_double_eq_tol(s.halted, 0.0, 1e-9);
	ck_assert_double_eq(s.user, -1);
	/* No procfs data either: nothing. */
	cpu.cpu = -1;
	vcpustate_split(NULL, ACC_WIN, 1 * S, &cpu, &s);
	ck_assert_int_eq(s.source, SPLIT_NONE);
	ck_assert_double_eq(s.guest, -1);
}
END_TEST

START_TEST(split_windows)
{
	struct vcpustate v;
	struct exit_split s;

	timeline(&v, true);
	vcpustate_fold(&v, false);
	/* Second second: all guest. */
	vcpustate_close(&v, T(2000));
	vcpustate_split(&v, ACC_WIN, 1 * S, NULL, &s);
	ck_assert_double_eq_tol(s.guest, 100.0, 1e-9);
	vcpustate_split(&v, ACC_WIN | ACC_TOT, 2 * S, NULL, &s);
	ck_assert_double_eq_tol(s.guest, 75.2, 1e-9);
	ck_assert_double_eq_tol(s.halted, 20.05, 1e-9);
	ck_assert_double_eq_tol(sum(&s), 100.0, 1e-9);
	/* After a reset the cumulative window holds nothing; clear empties both. */
	vcpustate_reset(&v);
	vcpustate_split(&v, ACC_TOT, 1 * S, NULL, &s);
	ck_assert_double_eq_tol(sum(&s), 0.0, 1e-9);
	vcpustate_clear(&v, T(2500));
	vcpustate_close(&v, T(3000));
	vcpustate_split(&v, ACC_WIN, 500 * MS, NULL, &s);
	ck_assert_double_eq_tol(s.guest, 100.0, 1e-9);
}
END_TEST

START_TEST(split_mean)
{
	struct exit_split sp[3] = {
		{ SPLIT_EVENTS, 50, 10, 10, 20, 10, true },
		{ SPLIT_PROCFS, 30, 30, -1, 30, 10, false },
		{ SPLIT_NONE, -1, -1, -1, -1, -1, false },
	};
	struct exit_split m;

	vcpustate_mean(sp, 3, &m);
	ck_assert_int_eq(m.source, SPLIT_PROCFS);
	ck_assert(!m.sched);
	ck_assert_double_eq_tol(m.guest, 40.0, 1e-9);
	ck_assert_double_eq_tol(m.kernel, 20.0, 1e-9);
	ck_assert_double_eq(m.user, -1);
	ck_assert_double_eq_tol(m.halted, 25.0, 1e-9);
	vcpustate_mean(sp, 1, &m);
	ck_assert_int_eq(m.source, SPLIT_EVENTS);
	ck_assert_double_eq_tol(m.user, 10.0, 1e-9);
	vcpustate_mean(&sp[2], 1, &m);
	ck_assert_int_eq(m.source, SPLIT_NONE);
}
END_TEST

START_TEST(split_through_the_model)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_thread *t;
	struct model m;

	synth_model(&m, &h, 1);
	/* vCPU 0: the timeline above, with sched_switch (1 = sleeping, 0 = preempted). */
	ev_entry(&m, T(0), 101);
	ev_exit(&m, T(100), 101, VMX_IO_INSTRUCTION);
	ev_user(&m, T(110), 101, 2, 0);
	ev_switch(&m, T(115), 101, 0, 0);
	ev_switch(&m, T(125), 0, 101, 0);
	ev_pio(&m, T(130), 101, 0x608, 0);
	ev_entry(&m, T(135), 101);
	ev_exit(&m, T(300), 101, VMX_HLT);
	ev_switch(&m, T(302), 101, 0, 1);
	ev_switch(&m, T(700), 0, 101, 0);
	ev_wakeup(&m, T(701), 101, 401 * MS);
	ev_entry(&m, T(701), 101);
	ev_exit(&m, T(900), 101, VMX_EXTERNAL_INTERRUPT);
	/* "R+": preempted, with the kernel's report bit above the state bits. */
	ev_switch(&m, T(905), 101, 0, 0x100);
	ev_switch(&m, T(950), 0, 101, 0);
	ev_entry(&m, T(960), 101);
	/* Two unrelated tasks switching: not ours. */
	ev_switch(&m, T(970), 5, 6, 0);
	synth_scan(&h, 1, 2 * S, 2);
	model_update_procfs(&m, &h.s);
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_uint_eq(s->events_unattributed, 1);
	v = &s->vms[0];
	t = snapshot_thread(v, 101);
	ck_assert_int_eq(t->split.source, SPLIT_EVENTS);
	ck_assert_double_eq_tol(t->split.guest, 50.4, 1e-9);
	ck_assert_double_eq_tol(t->split.kernel, 3.0, 1e-9);
	ck_assert_double_eq_tol(t->split.user, 1.0, 1e-9);
	ck_assert_double_eq_tol(t->split.halted, 40.1, 1e-9);
	ck_assert_double_eq_tol(t->split.waiting, 5.5, 1e-9);
	/* vCPU 1 has no events: procfs (50% on CPU, 20% guest, 10% waiting). */
	t = snapshot_thread(v, 102);
	ck_assert_int_eq(t->split.source, SPLIT_PROCFS);
	ck_assert_double_eq_tol(t->split.guest, 20.0, 1e-6);
	ck_assert_double_eq_tol(t->split.kernel, 30.0, 1e-6);
	ck_assert_double_eq(t->split.user, -1);
	ck_assert_double_eq_tol(t->split.halted, 40.0, 1e-6);
	ck_assert_double_eq_tol(t->split.waiting, 10.0, 1e-6);
	/* The iothread: running 5%, idle the rest. */
	t = snapshot_thread(v, 103);
	ck_assert_double_eq_tol(t->split.kernel, 5.0, 1e-6);
	ck_assert_double_eq_tol(t->split.halted, 95.0, 1e-6);
	/* The VM: the mean of its vCPUs, labelled with the coarser source. */
	ck_assert_int_eq(v->split.source, SPLIT_PROCFS);
	ck_assert_double_eq_tol(v->split.guest, (50.4 + 20.0) / 2, 1e-6);
	ck_assert_double_eq_tol(v->split.halted, (40.1 + 40.0) / 2, 1e-6);
	ck_assert_double_eq(v->split.user, -1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * Detail in bursts: the trace records 0-100 ms and 500-600 ms of the second, each burst
 * ending with the gap marker (KE_LOST) while the vCPU is in an exit. The time between bursts
 * is no state's, nor is a burst's start before the vCPU's first event in it: the split is of
 * the 180 ms the timeline knew, guest 140 and kernel 40 (less procfs's wait, as ever).
 */
START_TEST(split_in_bursts)
{
	struct model_detail d = { .mode = SNAP_DETAIL_SAMPLED, .budget = 20000 };
	struct kvm_event gap;
	struct synth_host h;
	struct snapshot *s;
	const struct snap_thread *t;
	struct model m;

	synth_model(&m, &h, 1);
	model_set_detail(&m, &d);
	ev_entry(&m, T(0), 101);
	ev_exit(&m, T(60), 101, VMX_IO_INSTRUCTION);
	ev_entry(&m, T(70), 101);
	ev_exit(&m, T(90), 101, VMX_IO_INSTRUCTION);
	gap = synth_ev(T(100), 0, KE_LOST);
	model_event(&m, &gap);
	/* The second burst: the vCPU's first event says it is in the guest. */
	ev_entry(&m, T(520), 101);
	ev_exit(&m, T(580), 101, VMX_IO_INSTRUCTION);
	gap = synth_ev(T(600), 0, KE_LOST);
	model_event(&m, &gap);
	d.traced_ns = 200 * MS;
	model_set_detail(&m, &d);
	synth_scan(&h, 1, 2 * S, 2);
	model_update_procfs(&m, &h.s);
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_double_eq_tol(s->detail.ratio, 0.2, 1e-9);
	t = snapshot_thread(&s->vms[0], 101);
	ck_assert_int_eq(t->split.source, SPLIT_EVENTS);
	ck_assert(t->split.est);
	ck_assert_double_eq_tol(t->split.guest, 100.0 * 140 / 180, 1e-6);
	/* Without sched events, procfs's wait is taken from the kernel time. */
	ck_assert_double_eq_tol(t->split.kernel + t->split.waiting, 100.0 * 40 / 180, 1e-6);
	ck_assert_double_eq_tol(sum(&t->split), 100.0, 1e-6);
	/* vCPU 1 had no event in any burst: its coarse split from procfs, not 0% of all. */
	t = snapshot_thread(&s->vms[0], 102);
	ck_assert_int_eq(t->split.source, SPLIT_PROCFS);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

static Suite *vcpustate_suite(void)
{
	Suite *s = suite_create("vcpustate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, split_with_sched_events);
	tcase_add_test(tc, split_without_sched_events);
	tcase_add_test(tc, user_ends_at_kvm_run);
	tcase_add_test(tc, split_coarse_from_procfs);
	tcase_add_test(tc, split_windows);
	tcase_add_test(tc, split_mean);
	tcase_add_test(tc, split_through_the_model);
	tcase_add_test(tc, split_in_bursts);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vcpustate_suite)
