// SPDX-License-Identifier: GPL-2.0
/* The registry's mark-and-sweep, the CPU split rate math, and snapshots built from scans. */
#include <errno.h>
#include <string.h>

#include "cputime.h"
#include "model.h"
#include "unit.h"
#include "vmreg.h"

#define MS 1000000ull
#define S  1000000000ull

START_TEST(split_rates)
{
	struct thread_times a = { .run_ns = 1 * S, .wait_ns = 0, .guest_ns = 0, .slices = 10 };
	struct thread_times b = { .run_ns = 1 * S + 900 * MS, .wait_ns = 50 * MS,
				  .guest_ns = 600 * MS, .slices = 110 };
	struct cpu_split c;

	ck_assert_int_eq(cputime_split(&a, &b, 1 * S, &c), 0);
	ck_assert_double_eq_tol(c.cpu, 90.0, 1e-9);
	ck_assert_double_eq_tol(c.guest, 60.0, 1e-9);
	ck_assert_double_eq_tol(c.host, 30.0, 1e-9);
	ck_assert_double_eq_tol(c.steal, 5.0, 1e-9);
	ck_assert_double_eq_tol(c.cs, 100.0, 1e-9);

	/* Over half a second the same deltas are twice the share. */
	ck_assert_int_eq(cputime_split(&a, &b, S / 2, &c), 0);
	ck_assert_double_eq_tol(c.cpu, 180.0, 1e-9);
	ck_assert_double_eq_tol(c.cs, 200.0, 1e-9);
}
END_TEST

START_TEST(split_guards)
{
	struct thread_times a = { .run_ns = 5 * S, .guest_ns = 2 * S };
	struct thread_times b = { .run_ns = 4 * S, .guest_ns = 2 * S };
	struct thread_times g = { .run_ns = 5 * S + 10 * MS, .guest_ns = 2 * S + 20 * MS };
	struct cpu_split c;

	/* A counter going backwards (tid reused) gives no data, not a huge number. */
	ck_assert_int_eq(cputime_split(&a, &b, S, &c), -EINVAL);
	ck_assert(c.cpu < 0 && c.guest < 0 && c.steal < 0);
	/* No interval, no rate. */
	ck_assert_int_eq(cputime_split(&a, &a, 0, &c), -EINVAL);
	/* guest_time (clock ticks) ahead of run time is capped: guest <= cpu, host >= 0. */
	ck_assert_int_eq(cputime_split(&a, &g, S, &c), 0);
	ck_assert_double_eq_tol(c.guest, c.cpu, 1e-9);
	ck_assert_double_eq_tol(c.host, 0.0, 1e-9);
}
END_TEST

/* Counts release callbacks so a test can see what was freed. */
struct released {
	int vms, threads;
};

static void rel_vm(struct vm *vm, void *arg)
{
	(void)vm;
	((struct released *)arg)->vms++;
}

static void rel_thread(struct vm_thread *t, void *arg)
{
	(void)t;
	((struct released *)arg)->threads++;
}

START_TEST(sweep_marks_then_frees)
{
	struct released r = { 0 };
	const struct vmreg_release rel = { rel_vm, rel_thread, &r };
	struct vmreg reg;
	struct vm *a, *b;

	vmreg_init(&reg);
	vmreg_begin(&reg);
	a = vmreg_vm(&reg, 100, 7, 1);
	vmreg_thread(&reg, a, 101);
	vmreg_thread(&reg, a, 102);
	b = vmreg_vm(&reg, 200, 9, 1);
	vmreg_thread(&reg, b, 201);
	vmreg_sweep(&reg, &rel);
	ck_assert_int_eq(reg.nvms, 2);
	ck_assert_ptr_eq(vmreg_find_tid(&reg, 102), a->threads[1]);
	ck_assert_ptr_eq(vmreg_find_tid(&reg, 201)->vm, b);
	ck_assert_ptr_null(vmreg_find_tid(&reg, 999));

	/* Scan 2: VM b vanished, thread 102 of a vanished. Both are kept, marked gone. */
	vmreg_begin(&reg);
	ck_assert_ptr_eq(vmreg_vm(&reg, 100, 7, 2), a);
	vmreg_thread(&reg, a, 101);
	vmreg_sweep(&reg, &rel);
	ck_assert_int_eq(reg.nvms, 2);
	ck_assert(b->gone);
	ck_assert(b->threads[0]->gone);
	ck_assert(a->threads[1]->gone);
	ck_assert(!a->threads[0]->gone);
	/* Gone threads no longer receive events. */
	ck_assert_ptr_null(vmreg_find_tid(&reg, 102));
	ck_assert_ptr_null(vmreg_find_tid(&reg, 201));
	ck_assert_ptr_nonnull(vmreg_find_tid(&reg, 101));
	ck_assert_int_eq(r.vms, 0);

	/* Scan 3: what was gone is freed. */
	vmreg_begin(&reg);
	vmreg_thread(&reg, vmreg_vm(&reg, 100, 7, 3), 101);
	vmreg_sweep(&reg, &rel);
	ck_assert_int_eq(reg.nvms, 1);
	ck_assert_int_eq(a->nthreads, 1);
	ck_assert_int_eq(r.vms, 1);
	ck_assert_int_eq(r.threads, 2);

	vmreg_free(&reg, &rel);
	ck_assert_int_eq(r.vms, 2);
	ck_assert_int_eq(r.threads, 3);
}
END_TEST

START_TEST(reused_pid_is_a_new_vm)
{
	struct vmreg reg;
	struct vm *old, *new;

	vmreg_init(&reg);
	vmreg_begin(&reg);
	old = vmreg_vm(&reg, 300, 1000, 1);
	vmreg_thread(&reg, old, 301);
	vmreg_sweep(&reg, NULL);
	/* Same pid, new start time: a different process. */
	vmreg_begin(&reg);
	new = vmreg_vm(&reg, 300, 5000, 2);
	vmreg_thread(&reg, new, 301);
	vmreg_sweep(&reg, NULL);
	ck_assert_ptr_ne(old, new);
	ck_assert(old->gone);
	ck_assert(!new->gone);
	ck_assert_ptr_eq(vmreg_find_pid(&reg, 300), new);
	ck_assert_ptr_eq(vmreg_find_tid(&reg, 301)->vm, new);
	vmreg_free(&reg, NULL);
}
END_TEST

START_TEST(many_threads_index)
{
	struct vmreg reg;
	struct vm *vm;
	int i;

	vmreg_init(&reg);
	vmreg_begin(&reg);
	vm = vmreg_vm(&reg, 1, 1, 1);
	for (i = 0; i < 5000; i++)
		vmreg_thread(&reg, vm, 10000 + i * 64);
	vmreg_sweep(&reg, NULL);
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(vmreg_find_tid(&reg, 10000 + i * 64)->tid, 10000 + i * 64);
	ck_assert_ptr_null(vmreg_find_tid(&reg, 10001));
	vmreg_free(&reg, NULL);
}
END_TEST

/* A procfs sample with one VM: 2 vCPUs (listed out of order), an iothread, two others. */
static void fill_sample(struct procfs_sample *s, struct proc_vm *vm, struct proc_thread *th,
			uint64_t ts, uint64_t step)
{
	static const struct {
		int tid;
		const char *comm;
		enum thread_kind kind;
		int index;
	} t[] = {
		{ 11, "CPU 1/KVM", THREAD_VCPU, 1 },
		{ 10, "CPU 0/KVM", THREAD_VCPU, 0 },
		{ 12, "IO iothread0", THREAD_IOTHREAD, -1 },
		{ 13, "worker", THREAD_OTHER, -1 },
		{ 14, "call_rcu", THREAD_OTHER, -1 },
	};
	int i;

	memset(s, 0, sizeof(*s));
	memset(vm, 0, sizeof(*vm));
	s->ts_ns = ts;
	s->vms = vm;
	s->nvms = 1;
	vm->pid = 9;
	vm->starttime = 77;
	strcpy(vm->name, "web01");
	strcpy(vm->comm, "qemu-system-x86");
	vm->threads = th;
	vm->nthreads = 5;
	for (i = 0; i < 5; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].tid = t[i].tid;
		strcpy(th[i].comm, t[i].comm);
		th[i].kind = (enum proc_kind)t[i].kind;
		th[i].index = t[i].index;
		/* vCPU 0 runs 80% (60% guest), vCPU 1 40%, the others 10% each. */
		th[i].run_ns = step * (t[i].tid == 10 ? 800 : t[i].tid == 11 ? 400 : 100) * MS;
		th[i].guest_ns = step * (t[i].tid == 10 ? 600 : 0) * MS;
		th[i].wait_ns = step * (t[i].tid == 11 ? 200 : 0) * MS;
		th[i].slices = step * 50;
	}
}

START_TEST(snapshot_from_scans)
{
	struct proc_thread th[5];
	struct procfs_sample s;
	struct proc_vm pv;
	struct snapshot *snap;
	const struct snap_vm *v;
	struct model m;

	model_init(&m, 0);
	fill_sample(&s, &pv, th, 1 * S, 1);
	model_update_procfs(&m, &s);
	model_prime(&m, 1 * S);
	fill_sample(&s, &pv, th, 2 * S, 2);
	model_update_procfs(&m, &s);
	snap = model_snapshot(&m, 2 * S, 0, false);

	ck_assert_int_eq(snap->nvms, 1);
	ck_assert_uint_eq(snap->interval_ns, 1 * S);
	v = &snap->vms[0];
	ck_assert_str_eq(v->name, "web01");
	ck_assert_int_eq(v->nvcpus, 2);
	ck_assert_int_eq(v->niothreads, 1);
	ck_assert_int_eq(v->nother, 2);
	/* Rows: vCPU 0, vCPU 1, the iothread, then the two others grouped. */
	ck_assert_int_eq(v->nthreads, 4);
	ck_assert_int_eq(v->threads[0].index, 0);
	ck_assert_int_eq(v->threads[1].index, 1);
	ck_assert_int_eq(v->threads[2].kind, THREAD_IOTHREAD);
	ck_assert_int_eq(v->threads[3].nthreads, 2);
	ck_assert_double_eq_tol(v->threads[0].cpu.cpu, 80.0, 1e-6);
	ck_assert_double_eq_tol(v->threads[0].cpu.guest, 60.0, 1e-6);
	ck_assert_double_eq_tol(v->threads[0].cpu.host, 20.0, 1e-6);
	ck_assert_double_eq_tol(v->threads[1].cpu.steal, 20.0, 1e-6);
	ck_assert_double_eq_tol(v->threads[3].cpu.cpu, 20.0, 1e-6);
	ck_assert_double_eq_tol(v->cpu.cpu, 80.0 + 40.0 + 10.0 + 20.0, 1e-6);
	ck_assert_double_eq_tol(v->cpu.guest, 60.0, 1e-6);
	snapshot_free(snap);

	/* Cumulative: from the first sample to now, here the same rates over 1 s. */
	snap = model_snapshot(&m, 2 * S, 0, true);
	ck_assert_double_eq_tol(snap->vms[0].threads[0].cpu.cpu, 80.0, 1e-6);
	snapshot_free(snap);

	/* The VM goes: one snapshot shows it gone, the next does not have it. */
	s.nvms = 0;
	model_update_procfs(&m, &s);
	snap = model_snapshot(&m, 3 * S, 0, false);
	ck_assert_int_eq(snap->nvms, 1);
	ck_assert(snap->vms[0].gone);
	ck_assert(snap->vms[0].cpu.cpu < 0);
	snapshot_free(snap);
	model_update_procfs(&m, &s);
	snap = model_snapshot(&m, 4 * S, 0, false);
	ck_assert_int_eq(snap->nvms, 0);
	snapshot_free(snap);
	model_free(&m);
}
END_TEST

START_TEST(vcpu_identity_is_sticky)
{
	struct proc_thread th[5];
	struct procfs_sample s;
	struct proc_vm pv;
	struct snapshot *snap;
	struct model m;

	model_init(&m, 0);
	fill_sample(&s, &pv, th, 1 * S, 1);
	model_update_procfs(&m, &s);
	/* Next scan caught vCPU 1 running in the guest: not identifiable by its syscall. */
	fill_sample(&s, &pv, th, 2 * S, 2);
	th[0].kind = PROC_OTHER;
	th[0].index = -1;
	model_update_procfs(&m, &s);
	snap = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_int_eq(snap->vms[0].nvcpus, 2);
	ck_assert_int_eq(snap->vms[0].threads[1].index, 1);
	snapshot_free(snap);
	model_free(&m);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, split_rates);
	tcase_add_test(tc, split_guards);
	tcase_add_test(tc, sweep_marks_then_frees);
	tcase_add_test(tc, reused_pid_is_a_new_vm);
	tcase_add_test(tc, many_threads_index);
	tcase_add_test(tc, snapshot_from_scans);
	tcase_add_test(tc, vcpu_identity_is_sticky);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(model_suite)
