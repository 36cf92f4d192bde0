// SPDX-License-Identifier: GPL-2.0
/*
 * Counter math (src/counters.c) and the model's counters: rates from two samples and the
 * interval, wraps and resets, multiplex scaling, IPC, and threads that come and go.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "counters.h"
#include "kvmstat.h"
#include "model.h"
#include "pane.h"
#include "perf.h"
#include "synth.h"
#include "unit.h"


static struct ctr_raw *add(struct ctr_set *s, const char *name, enum ctr_kind kind, uint64_t v)
{
	struct ctr_raw *c = ctr_set_add(s, name, kind);

	c->value = v;
	return c;
}

START_TEST(delta_wrap_and_reset)
{
	ck_assert_uint_eq(ctr_delta(100, 250), 150);
	ck_assert_uint_eq(ctr_delta(7, 7), 0);
	/* Across the top of the range: 6 to reach 0, then 4 more. */
	ck_assert_uint_eq(ctr_delta(UINT64_MAX - 5, 4), 10);
	/* A counter that went back to near zero from the low half was reset. */
	ck_assert_uint_eq(ctr_delta(1000, 10), 10);
	ck_assert_uint_eq(ctr_delta(1000, 0), 0);
}
END_TEST

START_TEST(multiplex_scaling)
{
	struct ctr_raw a = { .value = 100, .enabled = 1000, .running = 1000 };
	struct ctr_raw b = { .value = 200, .enabled = 2000, .running = 1500 };

	/* Ran half of the interval: 100 counted stands for 200. */
	ck_assert(ctr_scaled_delta(&a, &b) > 199.99 && ctr_scaled_delta(&a, &b) < 200.01);
	/* Not multiplexed: as counted. */
	b.running = 2000;
	ck_assert(ctr_scaled_delta(&a, &b) == 100);
	/* Enabled but never scheduled in the interval: unknown, not zero. */
	b.running = 1000;
	ck_assert(ctr_scaled_delta(&a, &b) < 0);
	/* No perf times at all (debugfs, tracepoints): the plain delta. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	b.value = 42;
	ck_assert(ctr_scaled_delta(&a, &b) == 42);
}
END_TEST

static const struct snap_counter *find(const struct snap_counter *c, int n, const char *name)
{
	const struct snap_counter *r = snap_counter_find(c, n, name);

	ck_assert_msg(r != NULL, "%s missing", name);
	return r;
}

START_TEST(rates_from_two_samples)
{
	struct ctr_hist h = { .source = "debugfs" };
	struct ctr_set s = { 0 };
	struct snap_counter *out = NULL;
	int n = 0;

	s.ts_ns = 10 * S;
	add(&s, "exits", CTR_COUNT, 1000);
	add(&s, "halt_wait_ns", CTR_TIME_NS, 0);
	add(&s, "pages_4k", CTR_GAUGE, 512);
	ctr_hist_push(&h, &s);
	/* One sample: values, no rates. */
	ck_assert_int_eq(ctr_hist_snap(&h, false, &out, &n), 3);
	ck_assert(find(out, n, "exits")->rate < 0);
	ck_assert_uint_eq(find(out, n, "exits")->value, 1000);

	/* Two seconds later, in another order, with a newcomer. */
	ctr_set_clear(&s);
	s.ts_ns = 12 * S;
	add(&s, "pages_4k", CTR_GAUGE, 300);
	add(&s, "halt_wait_ns", CTR_TIME_NS, S / 2);
	add(&s, "exits", CTR_COUNT, 5000);
	add(&s, "new_stat", CTR_COUNT, 77);
	ctr_hist_push(&h, &s);
	free(out);
	out = NULL;
	n = 0;
	ck_assert_int_eq(ctr_hist_snap(&h, false, &out, &n), 4);
	ck_assert_uint_eq(find(out, n, "exits")->count, 4000);
	ck_assert(find(out, n, "exits")->rate > 1999.9 && find(out, n, "exits")->rate < 2000.1);
	ck_assert_str_eq(find(out, n, "exits")->source, "debugfs");
	/* Half a second waited in two: 25% of the window. */
	ck_assert(find(out, n, "halt_wait_ns")->share > 24.99 &&
		  find(out, n, "halt_wait_ns")->share < 25.01);
	ck_assert(find(out, n, "pages_4k")->rate < 0);
	ck_assert_uint_eq(find(out, n, "pages_4k")->value, 300);
	ck_assert(find(out, n, "new_stat")->rate < 0);

	/* Cumulative: from the first sample; after a reset, from the reset. */
	ctr_set_clear(&s);
	s.ts_ns = 14 * S;
	add(&s, "exits", CTR_COUNT, 9000);
	ctr_hist_push(&h, &s);
	free(out);
	out = NULL;
	n = 0;
	ctr_hist_snap(&h, true, &out, &n);
	ck_assert_uint_eq(find(out, n, "exits")->count, 8000);
	ck_assert(find(out, n, "exits")->rate > 1999.9 && find(out, n, "exits")->rate < 2000.1);
	ctr_hist_reset(&h);
	free(out);
	out = NULL;
	n = 0;
	ctr_hist_snap(&h, true, &out, &n);
	ck_assert_uint_eq(find(out, n, "exits")->count, 0);
	free(out);
	ctr_set_free(&s);
	ctr_hist_free(&h);
}
END_TEST

START_TEST(wrap_between_samples)
{
	struct ctr_hist h = { .source = "debugfs" };
	struct ctr_set s = { 0 };
	struct snap_counter *out = NULL;
	int n = 0;

	s.ts_ns = 1 * S;
	add(&s, "exits", CTR_COUNT, UINT64_MAX - 9);
	ctr_hist_push(&h, &s);
	s.ts_ns = 2 * S;
	s.v[0].value = 10;
	ctr_hist_push(&h, &s);
	ctr_hist_snap(&h, false, &out, &n);
	ck_assert_uint_eq(out[0].count, 20);
	ck_assert(out[0].rate > 19.99 && out[0].rate < 20.01);
	free(out);
	ctr_set_free(&s);
	ctr_hist_free(&h);
}
END_TEST

START_TEST(ipc_and_no_pmu)
{
	struct ctr_hist h = { .source = "perf" };
	struct ctr_set s = { 0 };
	struct snap_counter *out = NULL;
	struct ctr_raw *c;
	int n = 0;

	s.ts_ns = 1 * S;
	add(&s, "instructions:mg", CTR_COUNT, 0)->hw = true;
	add(&s, "cycles:mg", CTR_COUNT, 0)->hw = true;
	c = add(&s, "cycles:mh", CTR_COUNT, 0);
	c->hw = true;
	c->err = -ENOENT;
	c = add(&s, "instructions:mh", CTR_COUNT, 0);
	c->hw = true;
	c->err = -ENOENT;
	c = add(&s, "task-clock", CTR_TIME_NS, 0);
	c->err = -EACCES;
	ctr_hist_push(&h, &s);
	s.ts_ns = 2 * S;
	s.v[0].value = 3000;
	s.v[1].value = 1000;
	ctr_hist_push(&h, &s);
	ctr_hist_snap(&h, false, &out, &n);
	ck_assert_int_eq(n, 7);
	ck_assert(find(out, n, "ipc:mg")->ratio > 2.999 && find(out, n, "ipc:mg")->ratio < 3.001);
	ck_assert_str_eq(find(out, n, "ipc:mg")->why, "");
	ck_assert(find(out, n, "ipc:mh")->ratio < 0);
	ck_assert_str_eq(find(out, n, "ipc:mh")->why, "no PMU");
	ck_assert_str_eq(find(out, n, "cycles:mh")->why, "no PMU");
	ck_assert_str_eq(find(out, n, "task-clock")->why, "perf_event_paranoid");
	/* A "perf::" prefix names the same counter. */
	ck_assert_ptr_eq(snap_counter_find(out, n, "perf::cycles:mg"), find(out, n, "cycles:mg"));
	free(out);
	ctr_set_free(&s);
	ctr_hist_free(&h);
}
END_TEST

/* A procfs sample of VM 9 with the threads in tids (the first a vCPU, the rest iothreads). */
static void scan(struct model *m, uint64_t ts, const int *tids, int n)
{
	struct proc_thread th[8];
	struct procfs_sample s = { .ts_ns = ts, .nvms = 1 };
	struct proc_vm vm = { .pid = 9, .starttime = 5, .threads = th, .nthreads = n };
	int i;

	memset(th, 0, sizeof(th));
	for (i = 0; i < n; i++) {
		th[i].tid = tids[i];
		th[i].kind = i ? PROC_IOTHREAD : PROC_VCPU;
		th[i].index = i ? -1 : 0;
		snprintf(th[i].comm, sizeof(th[i].comm), i ? "IO t%d" : "CPU 0/KVM", tids[i]);
		th[i].run_ns = ts / 2;
	}
	s.vms = &vm;
	model_update_procfs(m, &s);
}

/* Perf counts of threads: task-clock = ts * share / 100, cs = ts / 1e7. */
static void perf(struct model *m, uint64_t ts, const int *tids, int n, uint64_t share)
{
	struct perf_sample ps = { .ts_ns = ts, .nthreads = n };
	struct perf_thread_sample th[8];
	int i;

	memset(th, 0, sizeof(th));
	ps.threads = th;
	for (i = 0; i < n; i++) {
		th[i].pid = 9;
		th[i].tid = tids[i];
		th[i].set.ts_ns = ts;
		add(&th[i].set, "task-clock", CTR_TIME_NS, ts * share / 100);
		add(&th[i].set, "context-switches", CTR_COUNT, ts / 10000000);
	}
	model_update_perf(m, &ps);
	for (i = 0; i < n; i++)
		ctr_set_free(&th[i].set);
}

static const struct snap_thread *thread(const struct snapshot *s, int tid)
{
	return snapshot_thread(&s->vms[0], tid);
}

START_TEST(threads_come_and_go)
{
	struct snapshot *snap;
	struct model m;
	const struct snap_thread *t;

	model_init(&m, 0);
	scan(&m, 1 * S, (const int[]){ 101, 102 }, 2);
	perf(&m, 1 * S, (const int[]){ 101, 102 }, 2, 50);
	model_prime(&m, 1 * S);
	scan(&m, 2 * S, (const int[]){ 101, 102 }, 2);
	perf(&m, 2 * S, (const int[]){ 101, 102 }, 2, 50);
	snap = model_snapshot(&m, 2 * S, 0, false);
	t = thread(snap, 101);
	ck_assert_ptr_nonnull(t);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share > 49.9);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share < 50.1);
	ck_assert(find(t->counters, t->ncounters, "context-switches")->rate > 99.9);
	snapshot_free(snap);

	/* 102 goes, 103 comes: 102 is shown gone without counters, 103 has no rate yet. */
	scan(&m, 3 * S, (const int[]){ 101, 103 }, 2);
	perf(&m, 3 * S, (const int[]){ 101, 103 }, 2, 50);
	snap = model_snapshot(&m, 3 * S, 0, false);
	t = thread(snap, 102);
	ck_assert_ptr_nonnull(t);
	ck_assert(t->gone);
	ck_assert_int_eq(t->ncounters, 0);
	t = thread(snap, 103);
	ck_assert_ptr_nonnull(t);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share < 0);
	t = thread(snap, 101);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share > 49.9);
	snapshot_free(snap);

	/* A tick later 102 is released and 103 has its first rate. */
	scan(&m, 4 * S, (const int[]){ 101, 103 }, 2);
	perf(&m, 4 * S, (const int[]){ 101, 103 }, 2, 50);
	snap = model_snapshot(&m, 4 * S, 0, false);
	ck_assert_ptr_null(thread(snap, 102));
	t = thread(snap, 103);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share > 49.9);
	ck_assert(find(t->counters, t->ncounters, "task-clock")->share < 50.1);
	snapshot_free(snap);
	model_free(&m);
}
END_TEST

START_TEST(kvmstat_scopes_in_model)
{
	struct kvmstat_sample ks = { .source = "tracepoint" };
	struct kstat_vcpu vc = { .index = 0 };
	struct kstat_vm kv = { .pid = 9, .fd = -1, .vcpus = &vc, .nvcpus = 1 };
	struct snapshot *snap;
	struct model m;
	uint64_t t;

	model_init(&m, 0);
	ks.vms = &kv;
	ks.nvms = 1;
	add(&ks.host, "kvm_pio", CTR_COUNT, 0);
	add(&kv.set, "kvm_pio", CTR_COUNT, 0);
	add(&vc.set, "kvm_pio", CTR_COUNT, 0);
	for (t = 1; t <= 2; t++) {
		scan(&m, t * S, (const int[]){ 101 }, 1);
		ks.ts_ns = ks.host.ts_ns = kv.set.ts_ns = vc.set.ts_ns = t * S;
		ks.host.v[0].value = t * 3000;
		kv.set.v[0].value = t * 2000;
		vc.set.v[0].value = t * 1000;
		model_update_kvmstat(&m, &ks);
		if (t == 1)
			model_prime(&m, S);
	}
	snap = model_snapshot(&m, 2 * S, 0, false);
	ck_assert(find(snap->counters, snap->ncounters, "kvm_pio")->rate > 2999.9);
	ck_assert(find(snap->vms[0].counters, snap->vms[0].ncounters, "kvm_pio")->rate > 1999.9);
	ck_assert(find(thread(snap, 101)->counters, thread(snap, 101)->ncounters, "kvm_pio")->rate >
		  999.9);
	ck_assert_str_eq(snap->vms[0].counters[0].source, "tracepoint");
	snapshot_free(snap);
	ctr_set_free(&ks.host);
	ctr_set_free(&kv.set);
	ctr_set_free(&vc.set);
	model_free(&m);
}
END_TEST

/*
 * Tracepoints the trace records are counted from its stream (model_count_traced) and added
 * to kvmstat's tracepoint counters, per vCPU, VM and host; a debugfs sample is left alone.
 */
START_TEST(traced_tracepoints_from_stream)
{
	struct kvmstat_sample ks = { .source = "tracepoint" };
	struct kstat_vcpu vc = { .index = 0 };
	struct kstat_vm kv = { .pid = 9, .fd = -1, .vcpus = &vc, .nvcpus = 1 };
	const struct snap_counter *c;
	struct snapshot *snap;
	struct model m;
	uint64_t t;
	int i;

	model_init(&m, 0);
	model_count_traced(&m, KE_PIO, "kvm_pio");
	ks.vms = &kv;
	ks.nvms = 1;
	add(&ks.host, "kvm_fpu", CTR_COUNT, 0);
	add(&kv.set, "kvm_fpu", CTR_COUNT, 0);
	add(&vc.set, "kvm_fpu", CTR_COUNT, 0);
	for (t = 1; t <= 2; t++) {
		scan(&m, t * S, (const int[]){ 101, 102 }, 2);
		/* 500 port reads by the vCPU, 100 by the iothread, 7 by a thread of no VM. */
		for (i = 0; i < 500; i++)
			ev_pio(&m, t * S + (uint64_t)i, 101, 0x40, 0);
		for (i = 0; i < 100; i++)
			ev_pio(&m, t * S + (uint64_t)i, 102, 0x40, 0);
		for (i = 0; i < 7; i++)
			ev_pio(&m, t * S + (uint64_t)i, 999, 0x40, 0);
		ks.ts_ns = ks.host.ts_ns = kv.set.ts_ns = vc.set.ts_ns = t * S;
		ks.host.v[0].value = kv.set.v[0].value = vc.set.v[0].value = t * 10;
		model_update_kvmstat(&m, &ks);
		if (t == 1)
			model_prime(&m, S);
	}
	snap = model_snapshot(&m, 2 * S, 0, false);
	/* The host's come from the per-CPU counters (tp_host), never from the stream. */
	ck_assert_ptr_null(snap_counter_find(snap->counters, snap->ncounters, "kvm_pio"));
	c = find(snap->vms[0].counters, snap->vms[0].ncounters, "kvm_pio");
	ck_assert_uint_eq(c->value, 1200);
	ck_assert_uint_eq(c->count, 600);
	ck_assert_str_eq(c->source, "tracepoint");
	ck_assert_uint_eq(find(thread(snap, 101)->counters, thread(snap, 101)->ncounters, "kvm_pio")
				  ->count,
			  500);
	/* What the probe counted is still there beside it. */
	ck_assert_uint_eq(find(snap->counters, snap->ncounters, "kvm_fpu")->count, 10);
	snapshot_free(snap);

	/* From debugfs, KVM's own stats: nothing is added. */
	ks.source = "debugfs";
	ks.ts_ns = ks.host.ts_ns = kv.set.ts_ns = vc.set.ts_ns = 3 * S;
	scan(&m, 3 * S, (const int[]){ 101, 102 }, 2);
	model_update_kvmstat(&m, &ks);
	snap = model_snapshot(&m, 3 * S, 0, false);
	ck_assert_ptr_null(snap_counter_find(snap->counters, snap->ncounters, "kvm_pio"));
	snapshot_free(snap);
	ctr_set_free(&ks.host);
	ctr_set_free(&kv.set);
	ctr_set_free(&vc.set);
	model_free(&m);
}
END_TEST

/* Returns the hot row of port in vm, or fails. */
static const struct snap_hot *hot_port(const struct snap_vm *vm, uint64_t port)
{
	int i;

	for (i = 0; i < vm->nhot; i++)
		if (vm->hot[i].kind == HOT_PIO && !vm->hot[i].other && vm->hot[i].addr == port)
			return &vm->hot[i];
	ck_abort_msg("port 0x%llx missing", (unsigned long long)port);
	return NULL;
}

/*
 * Detail in bursts: 1% of the window traced, the counts exact from the kernel's counters,
 * the accesses' breakdown scaled to them and marked; the same with a trace that lost events.
 */
START_TEST(sampled_detail_scaled_to_exact)
{
	struct kvmstat_sample ks = { .source = "tracepoint" };
	struct kstat_vcpu vc = { .index = 0 };
	struct kstat_vm kv = { .pid = 9, .fd = -1, .vcpus = &vc, .nvcpus = 1 };
	struct model_detail d = { .mode = SNAP_DETAIL_SAMPLED, .budget = 20000 };
	const struct snap_vm *vm;
	struct snapshot *snap;
	struct model m;
	uint64_t t;
	int i, k;

	model_init(&m, 0);
	ks.vms = &kv;
	ks.nvms = 1;
	add(&kv.set, "kvm_pio", CTR_COUNT, 0);
	add(&kv.set, "kvm_mmio", CTR_COUNT, 0);
	add(&vc.set, "kvm_pio", CTR_COUNT, 0);
	add(&vc.set, "kvm_mmio", CTR_COUNT, 0);
	for (t = 1; t <= 3; t++) {
		scan(&m, t * S, (const int[]){ 101 }, 1);
		/* 200 of port 0x40 and 100 of 0x61 traced in 10 ms; the kernel counted 30000. */
		for (i = 0; t > 1 && i < 300; i++)
			ev_pio(&m, t * S + (uint64_t)i * 1000, 101, i % 3 ? 0x40 : 0x61, 0);
		for (k = 0; k < 2; k++)
			kv.set.v[k].value = vc.set.v[k].value = k ? 0 : (t - 1) * 30000;
		ks.ts_ns = kv.set.ts_ns = vc.set.ts_ns = t * S;
		d.traced_ns = (t - 1) * S / 100;
		model_set_detail(&m, &d);
		if (t == 3) {
			/* The last window: a full trace that lost events. */
			d.mode = SNAP_DETAIL_FULL;
			d.traced_ns = 3 * S;
			model_set_detail(&m, &d);
			model_set_lost(&m, 29700);
		}
		model_update_kvmstat(&m, &ks);
		if (t == 1) {
			model_prime(&m, S);
			continue;
		}
		snap = model_snapshot(&m, t * S, 0, false);
		vm = &snap->vms[0];
		ck_assert_int_eq(snap->detail.mode, t == 2 ? SNAP_DETAIL_SAMPLED : SNAP_DETAIL_FULL);
		ck_assert(t == 3 || (snap->detail.ratio > 0.0099 && snap->detail.ratio < 0.0101));
		ck_assert_uint_eq(snap->detail.lost, t == 3 ? 29700 : 0);
		ck_assert_uint_eq(vm->exits_count, 30000);
		ck_assert(!vm->exits_est);
		ck_assert_str_eq(vm->exits[0].name, "io (pio)");
		ck_assert_uint_eq(vm->exits[0].count, 30000);
		ck_assert_uint_eq(vm->exits[0].traced, 300);
		ck_assert(!vm->exits[0].est);
		ck_assert_uint_eq(hot_port(vm, 0x40)->count, 20000);
		ck_assert_uint_eq(hot_port(vm, 0x40)->traced, 200);
		ck_assert(hot_port(vm, 0x40)->est);
		ck_assert_uint_eq(hot_port(vm, 0x61)->count, 10000);
		ck_assert(hot_port(vm, 0x40)->share > 66.6 && hot_port(vm, 0x40)->share < 66.7);
		ck_assert_uint_eq(vm->threads[0].exits_count, 30000);
		snapshot_free(snap);
	}
	ctr_set_free(&kv.set);
	ctr_set_free(&vc.set);
	model_free(&m);
}
END_TEST

/* Returns the column of title in t, or -1. */
static int col(const struct table *t, const char *title)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].title, title))
			return i;
	return -1;
}

/* The threads table's perf columns and the vCPU's Counters pane, as text. */
START_TEST(panes_show_counters)
{
	struct pane_opts o = { .sort = -1, .scope = { .kind = SCOPE_VM, .pid = 9 } };
	struct perf_sample ps = { .nthreads = 1 };
	struct perf_thread_sample th = { .pid = 9, .tid = 101 };
	struct table t = { 0 };
	struct snapshot *snap;
	struct model m;
	struct ctr_raw *c;
	uint64_t ts;
	int r;

	model_init(&m, 0);
	ps.threads = &th;
	for (ts = 1; ts <= 2; ts++) {
		scan(&m, ts * S, (const int[]){ 101 }, 1);
		th.set.n = 0;
		th.set.ts_ns = ts * S;
		add(&th.set, "task-clock", CTR_TIME_NS, ts * S * 3 / 4);
		add(&th.set, "context-switches", CTR_COUNT, ts * 40);
		add(&th.set, "cpu-migrations", CTR_COUNT, ts * 2);
		c = add(&th.set, "cycles:mg", CTR_COUNT, 0);
		c->hw = true;
		c->err = -ENOENT;
		c = add(&th.set, "instructions:mg", CTR_COUNT, 0);
		c->hw = true;
		c->err = -ENOENT;
		model_update_perf(&m, &ps);
		if (ts == 1)
			model_prime(&m, S);
	}
	snap = model_snapshot(&m, 2 * S, 0, false);
	pane_build(pane_find("threads"), snap, &o, &t);
	ck_assert_int_eq(t.nrows, 1);
	/* Software counters are not columns of their own any more: schedstat has them. */
	ck_assert_int_eq(col(&t, "TASK%"), -1);
	ck_assert_str_eq(table_cell(&t, 0, col(&t, "IPC")), "n/a: no PMU");

	o.scope.kind = SCOPE_VCPU;
	o.scope.tid = 101;
	pane_build(pane_find("counters"), snap, &o, &t);
	ck_assert_int_eq(t.nrows, 6);
	for (r = 0; r < t.nrows; r++)
		if (!strcmp(table_cell(&t, r, col(&t, "COUNTER")), "ipc:mg"))
			break;
	ck_assert_int_lt(r, t.nrows);
	ck_assert_str_eq(table_cell(&t, r, col(&t, "NOTE")), "n/a: no PMU");
	for (r = 0; r < t.nrows; r++)
		if (!strcmp(table_cell(&t, r, col(&t, "COUNTER")), "task-clock"))
			break;
	ck_assert_str_eq(table_cell(&t, r, col(&t, "SHARE%")), "75.0");
	ck_assert_str_eq(table_cell(&t, r, col(&t, "SOURCE")), "perf");
	table_free(&t);
	ctr_set_free(&th.set);
	snapshot_free(snap);
	model_free(&m);
}
END_TEST

/*
 * A VM idle through a second traced in full, then storming through a second in bursts that
 * traced a tenth of it (100 notifies, each waking the iothread; the kernel counted 1000).
 * The cumulative wake edge is scaled like the exits, by the VM's exact count over its traced
 * one (1000), not by the share of the two seconds traced (1.1 s: 182).
 */
START_TEST(sampled_wakes_scaled_like_exits)
{
	struct kvmstat_sample ks = { .source = "tracepoint" };
	struct kstat_vcpu vc = { .index = 0 };
	struct kstat_vm kv = { .pid = 9, .fd = -1, .vcpus = &vc, .nvcpus = 1 };
	struct model_detail d = { .mode = SNAP_DETAIL_FULL, .budget = 20000 };
	const struct snap_wake_edge *e = NULL;
	struct snapshot *snap;
	struct model m;
	uint64_t t;
	int i;

	model_init(&m, 0);
	ks.vms = &kv;
	ks.nvms = 1;
	add(&kv.set, "kvm_pio", CTR_COUNT, 0);
	add(&vc.set, "kvm_pio", CTR_COUNT, 0);
	for (t = 1; t <= 3; t++) {
		scan(&m, t * S, (const int[]){ 101, 102 }, 2);
		for (i = 0; t == 3 && i < 100; i++) {
			uint64_t b = 2 * S + (uint64_t)i * 1000 * US;

			ev_pio(&m, b, 101, 0xc050, 1);
			ev_waking(&m, b + 1 * US, 101, 102, 0);
			ev_switch(&m, b + 4 * US, 101, 102, KE_TASK_RUNNING);
			ev_switch(&m, b + 20 * US, 102, 101, 1);
		}
		kv.set.v[0].value = vc.set.v[0].value = t == 3 ? 1000 : 0;
		ks.ts_ns = kv.set.ts_ns = vc.set.ts_ns = t * S;
		d.mode = t == 3 ? SNAP_DETAIL_SAMPLED : SNAP_DETAIL_FULL;
		d.traced_ns = t == 3 ? 1100 * MS : (t - 1) * S;
		model_set_detail(&m, &d);
		model_update_kvmstat(&m, &ks);
		if (t == 1) {
			model_prime(&m, S);
			continue;
		}
		snap = model_snapshot(&m, t * S, 0, t == 3);
		if (t == 3) {
			const struct snap_vm *vm = &snap->vms[0];

			ck_assert_double_eq_tol(snap->detail.ratio, 0.55, 1e-9);
			ck_assert_uint_eq(vm->exits_count, 1000);
			for (i = 0; vm->wake && i < vm->wake->nedges; i++)
				if (vm->wake->edges[i].waker == 101 && vm->wake->edges[i].wakee == 102)
					e = &vm->wake->edges[i];
			ck_assert_ptr_nonnull(e);
			ck_assert(e->est);
			ck_assert_uint_eq(e->count, 1000);
		}
		snapshot_free(snap);
	}
	ctr_set_free(&kv.set);
	ctr_set_free(&vc.set);
	model_free(&m);
}
END_TEST

/*
 * A VM's counters first read in the window after they were opened (fresh) counted from zero
 * over it: its first window is exact. Read first without that (opened long before, say),
 * the first reading is only a baseline and the window's count an estimate from the trace.
 */
START_TEST(fresh_counters_count_the_first_window)
{
	int fresh;

	for (fresh = 0; fresh < 2; fresh++) {
		struct kvmstat_sample ks = { .source = "tracepoint" };
		struct kstat_vcpu vc = { .index = 0, .fresh = fresh };
		struct kstat_vm kv = { .pid = 9, .fd = -1, .vcpus = &vc, .nvcpus = 1,
				       .fresh = fresh };
		struct model_detail d = { .mode = SNAP_DETAIL_SAMPLED, .budget = 20000 };
		const struct snap_vm *vm;
		struct snapshot *snap;
		struct model m;
		int i;

		model_init(&m, 0);
		scan(&m, S, (const int[]){ 101 }, 1);
		model_set_detail(&m, &d);
		model_prime(&m, S);
		/* The kernel counted 25000 in the window, 250 traced (1%). */
		scan(&m, 2 * S, (const int[]){ 101 }, 1);
		for (i = 0; i < 250; i++)
			ev_pio(&m, 2 * S - S / 2 + (uint64_t)i * 1000, 101, 0x40, 0);
		add(&kv.set, "kvm_pio", CTR_COUNT, 25000);
		add(&vc.set, "kvm_pio", CTR_COUNT, 25000);
		ks.vms = &kv;
		ks.nvms = 1;
		ks.ts_ns = kv.set.ts_ns = vc.set.ts_ns = 2 * S;
		d.traced_ns = S / 100;
		model_set_detail(&m, &d);
		model_update_kvmstat(&m, &ks);
		snap = model_snapshot(&m, 2 * S, 0, false);
		vm = &snap->vms[0];
		ck_assert_str_eq(vm->exits[0].name, "io (pio)");
		if (fresh) {
			ck_assert_uint_eq(vm->exits_count, 25000);
			ck_assert(!vm->exits[0].est);
			ck_assert_uint_eq(vm->threads[0].exits_count, 25000);
		} else {
			ck_assert(vm->exits[0].est);
		}
		snapshot_free(snap);
		ctr_set_free(&kv.set);
		ctr_set_free(&vc.set);
		model_free(&m);
	}
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, delta_wrap_and_reset);
	tcase_add_test(tc, multiplex_scaling);
	tcase_add_test(tc, rates_from_two_samples);
	tcase_add_test(tc, wrap_between_samples);
	tcase_add_test(tc, ipc_and_no_pmu);
	tcase_add_test(tc, threads_come_and_go);
	tcase_add_test(tc, kvmstat_scopes_in_model);
	tcase_add_test(tc, traced_tracepoints_from_stream);
	tcase_add_test(tc, panes_show_counters);
	tcase_add_test(tc, sampled_detail_scaled_to_exact);
	tcase_add_test(tc, sampled_wakes_scaled_like_exits);
	tcase_add_test(tc, fresh_counters_count_the_first_window);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(counters_suite)
