// SPDX-License-Identifier: GPL-2.0
/*
 * The wake graph through the model, from synthetic sched_waking / sched_switch sequences and
 * the KVM events around them: exact edges and their classes, wake latencies, the notify ->
 * interrupt round trip and its parts, wakees already running, pending wakes that age out,
 * the edge cap with its other bucket, windows, host thread names, and the pane's text.
 *
 * Latency percentiles come from the log-bucket histogram: never below the true value, at
 * most 12.5% above it.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "pane.h"
#include "synth.h"
#include "unit.h"
#include "wakegraph.h"

#define VM1 100
#define C0  101 /* vCPU 0 of VM1 */
#define C1  102 /* vCPU 1 of VM1 */
#define IO1 103 /* iothread of VM1 */
#define C0B 201 /* vCPU 0 of VM2 */

/* Returns the edge waker -> wakee of class cls in v, or NULL. */
static const struct snap_wake_edge *edge(const struct snap_vm *v, int waker, int wakee, int cls)
{
	int i;

	ck_assert_ptr_nonnull(v->wake);
	for (i = 0; i < v->wake->nedges; i++) {
		const struct snap_wake_edge *e = &v->wake->edges[i];

		if (!e->other && e->waker == waker && e->wakee == wakee && e->cls == cls)
			return e;
	}
	return NULL;
}

static const struct snap_wake_edge *other_edge(const struct snap_vm *v)
{
	int i;

	for (i = 0; v->wake && i < v->wake->nedges; i++)
		if (v->wake->edges[i].other)
			return &v->wake->edges[i];
	return NULL;
}

static void check_within(int64_t got, uint64_t exact)
{
	ck_assert_int_ge(got, (int64_t)exact);
	ck_assert_int_le(got, (int64_t)(exact + exact / 8));
}

/*
 * One virtio request as the storm's trace shows it, from b: the vCPU writes the notify port
 * and wakes the iothread (ioeventfd), which runs at +4 us, blocks on the disk at +25 us, is
 * woken from softirq context at +40 us (the interrupted thread is the vCPU) and runs at
 * +44 us, injects an MSI at +48 us, wakes the vCPU (irqfd), which runs at +55 us and writes
 * the EOI.
 */
static void virtio_round(struct model *m, uint64_t b)
{
	ev_pio(m, b, C0, 0xc050, 1);
	ev_waking(m, b + 1 * US, C0, IO1, 0);
	ev_switch(m, b + 4 * US, C0, IO1, KE_TASK_RUNNING);
	ev_switch(m, b + 25 * US, IO1, C0, 2 /* D */);
	ev_waking(m, b + 40 * US, C0, IO1, KE_CTX_SOFTIRQ);
	ev_switch(m, b + 44 * US, C0, IO1, 1 /* S */);
	ev_irq(m, b + 48 * US, IO1, -1);
	ev_waking(m, b + 49 * US, IO1, C0, 0);
	ev_switch(m, b + 55 * US, IO1, C0, 1);
	ev_wakeup(m, b + 56 * US, C0, 30 * US);
	ev_mmio(m, b + 60 * US, C0, 0xfee000b0, KE_MMIO_WRITE);
}

START_TEST(virtio_chain_edges_and_round_trip)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *e;
	const struct snap_wake_rt *r;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < 100; i++)
		virtio_round(&m, 1 * S + (uint64_t)i * 100 * US);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	ck_assert_ptr_nonnull(v->wake);
	ck_assert_int_eq(v->wake->nedges, 3);
	ck_assert_int_eq(v->wake->unmatched, 0);

	e = edge(v, C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 100);
	ck_assert_int_eq(e->awake, 0);
	ck_assert_double_eq_tol(e->rate, 100.0, 1e-9);
	ck_assert_int_eq(e->timed, 100);
	ck_assert_double_eq_tol(e->mean_ns, 3000.0, 1e-6);
	check_within(e->p99_ns, 3000);
	ck_assert_str_eq(e->waker_comm, "CPU 0/KVM");
	ck_assert_str_eq(e->wakee_comm, "IO iothread0");
	ck_assert_int_eq(e->waker_node, WAKE_NODE_VCPU);
	ck_assert_int_eq(e->wakee_node, WAKE_NODE_IOTHREAD);

	/* The disk completion comes from softirq: the vCPU it interrupted is not the waker. */
	e = edge(v, WAKE_TID_SOFTIRQ, IO1, WAKE_IO);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 100);
	ck_assert_str_eq(e->waker_comm, "softirq");
	ck_assert_double_eq_tol(e->mean_ns, 4000.0, 1e-6);
	ck_assert_ptr_null(edge(v, C0, IO1, WAKE_OTHER));

	e = edge(v, IO1, C0, WAKE_IRQFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 100);
	ck_assert_double_eq_tol(e->mean_ns, 6000.0, 1e-6);

	ck_assert_int_eq(v->wake->nrts, 1);
	r = &v->wake->rts[0];
	ck_assert(!r->other);
	ck_assert_int_eq(r->kind, HOT_PIO);
	ck_assert_uint_eq(r->addr, 0xc050);
	ck_assert_int_eq(r->count, 100);
	ck_assert_double_eq_tol(r->notify_run_ns, 4000.0, 1e-6);
	ck_assert_double_eq_tol(r->run_inject_ns, 44000.0, 1e-6);
	ck_assert_double_eq_tol(r->inject_run_ns, 7000.0, 1e-6);
	ck_assert_double_eq_tol(r->mean_ns, 55000.0, 1e-6);
	check_within(r->p50_ns, 55000);
	check_within(r->p99_ns, 55000);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * Detail in bursts, then every event: a storm's second sampled (100 requests traced in the
 * tenth of it that bursts covered), then a second in full (1000). The cumulative window
 * still rests on bursts for its first half: its counts are scaled by the share of the time
 * traced (1.1 s of 2), not taken as they are because the detail is full at its end.
 */
START_TEST(sampled_then_full_scaled)
{
	struct model_detail d = { .mode = SNAP_DETAIL_SAMPLED, .budget = 20000 };
	struct synth_host h;
	struct snapshot *s;
	const struct snap_wake_edge *e;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	model_set_detail(&m, &d);
	for (i = 0; i < 100; i++)
		virtio_round(&m, 1 * S + (uint64_t)i * 100 * US);
	d.traced_ns = 100 * MS;
	model_set_detail(&m, &d);
	s = model_snapshot(&m, 2 * S, 0, false);
	e = edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->est);
	ck_assert_int_eq(e->count, 1000);
	snapshot_free(s);
	d.mode = SNAP_DETAIL_FULL;
	d.traced_ns = 1100 * MS;
	model_set_detail(&m, &d);
	for (i = 0; i < 1000; i++)
		virtio_round(&m, 2 * S + (uint64_t)i * 100 * US);
	s = model_snapshot(&m, 3 * S, 0, true);
	ck_assert_double_eq_tol(s->detail.ratio, 0.55, 1e-9);
	e = edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->est);
	ck_assert_int_eq(e->count, 2000);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * A burst ends (the gap marker, KE_LOST) between the vCPU waking the iothread and the
 * iothread running: the wake counts, but no latency is taken across the 300 ms nothing was
 * recorded, nor a round trip.
 */
START_TEST(no_latency_across_the_gap)
{
	struct synth_host h;
	struct kvm_event gap;
	struct snapshot *s;
	const struct snap_wake_edge *e;
	struct model m;

	synth_model(&m, &h, 1);
	virtio_round(&m, 1 * S);
	ev_pio(&m, 1 * S + 100 * US, C0, 0xc050, 1);
	ev_waking(&m, 1 * S + 101 * US, C0, IO1, 0);
	gap = synth_ev(1 * S + 102 * US, 0, KE_LOST);
	model_event(&m, &gap);
	ev_switch(&m, 1 * S + 300 * MS, C0, IO1, KE_TASK_RUNNING);
	s = model_snapshot(&m, 2 * S, 0, false);
	e = edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 2);
	ck_assert_int_eq(e->timed, 1);
	ck_assert_double_eq_tol(e->mean_ns, 3000.0, 1e-6);
	ck_assert_int_eq(s->vms[0].wake->rts[0].count, 1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * A wakee already on a CPU is never switched in: its next event says it runs. The notify
 * that finds the iothread runnable wakes nobody, and the chain of that request is lost
 * rather than pinned on a later, unrelated wake.
 */
START_TEST(wakee_running_without_switch)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *e;
	struct model m;

	synth_model(&m, &h, 1);
	/* The iothread is woken and, still on its CPU, injects 7 us later. */
	ev_pio(&m, 1 * S, C0, 0xc050, 1);
	ev_waking(&m, 1 * S + 1 * US, C0, IO1, 0);
	ev_irq(&m, 1 * S + 8 * US, IO1, 24);
	e = NULL;
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	e = edge(v, C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->timed, 1);
	ck_assert_double_eq_tol(e->mean_ns, 7000.0, 1e-6);
	snapshot_free(s);

	/* A write, then the vCPU leaves its CPU: a later wake by it is not that notify's. */
	ev_pio(&m, 2 * S + 10 * US, C0, 0xc050, 1);
	ev_switch(&m, 2 * S + 11 * US, C0, C1, KE_TASK_RUNNING);
	ev_switch(&m, 2 * S + 12 * US, C1, C0, 1);
	ev_waking(&m, 2 * S + 13 * US, C0, IO1, 0);
	/* A write too old to have caused the wake. */
	ev_pio(&m, 2 * S + 100 * US, C0, 0xc050, 1);
	ev_waking(&m, 2 * S + 100 * US + WAKE_CAUSE_NS + 1, C0, IO1, 0);
	/* A wake of a vCPU by a thread that injected nothing. */
	ev_waking(&m, 2 * S + 200 * US, IO1, C1, 0);
	ev_switch(&m, 2 * S + 210 * US, IO1, C1, 1);
	s = model_snapshot(&m, 3 * S, 0, false);
	v = &s->vms[0];
	/* Both writes woke nobody: counted on the edge the port's notifies took, untimed. */
	e = edge(v, C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 2);
	ck_assert_int_eq(e->awake, 2);
	ck_assert_int_eq(e->timed, 0);
	e = edge(v, C0, IO1, WAKE_OTHER);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 2);
	e = edge(v, IO1, C1, WAKE_OTHER);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 1);
	ck_assert_double_eq_tol(e->mean_ns, 10000.0, 1e-6);
	ck_assert_int_eq(v->wake->nrts, 0);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * A notify that finds the iothread runnable, or an injection that finds the vCPU running,
 * wakes nobody: no sched_waking. Once the port (the interrupt source) is known to wake that
 * thread, such signals count on its edge, untimed. Lowering an irq line signals nobody.
 */
START_TEST(signals_to_awake_threads)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *e;
	struct model m;
	uint64_t b;
	int i;

	synth_model(&m, &h, 1);
	/* A port never seen waking anyone: a write to it alone counts nowhere. */
	ev_pio(&m, 1 * S, C0, 0xc060, 1);
	ev_mmio(&m, 1 * S + 1 * US, C0, 0xfee000b0, KE_MMIO_WRITE);
	virtio_round(&m, 1 * S + 10 * US);
	for (i = 0; i < 4; i++) {
		b = 1 * S + 200 * US + (uint64_t)i * 100 * US;
		/* The iothread is runnable: the notify wakes nobody; the vCPU runs on, then halts.
		 */
		ev_pio(&m, b, C0, 0xc050, 1);
		ev_switch(&m, b + 5 * US, C0, IO1, 1);
		/* The vCPU is woken by a legacy irqfd: level 1 then 0. */
		ev_irq(&m, b + 40 * US, IO1, 24);
		ev_waking(&m, b + 41 * US, IO1, C0, 0);
		ev_irq_low(&m, b + 42 * US, IO1, 24);
		ev_switch(&m, b + 45 * US, IO1, C0, 1);
		ev_wakeup(&m, b + 46 * US, C0, 10 * US);
	}
	/* The vCPU running when injected: no wake. */
	ev_irq(&m, 1 * S + 900 * US, IO1, 24);
	ev_switch(&m, 1 * S + 905 * US, IO1, 0, 1);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	e = edge(v, C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 5);
	ck_assert_int_eq(e->awake, 4);
	ck_assert_int_eq(e->timed, 1);
	ck_assert_double_eq_tol(e->mean_ns, 3000.0, 1e-6);
	/* The MSI of the virtio round and GSI 24 are two sources, each learnt on its own. */
	e = edge(v, IO1, C0, WAKE_IRQFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 6);
	ck_assert_int_eq(e->awake, 1);
	ck_assert_int_eq(e->timed, 5);
	ck_assert_int_eq(v->wake->nedges, 3);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * Some kernels do not trace a switch away from the idle task: the woken iothread's first
 * event is then its switch-out. The wake counts, untimed; the round trip takes the
 * switch-out as the iothread's running time (an upper bound).
 */
START_TEST(switch_in_not_traced)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *e;
	const struct snap_wake_rt *r;
	struct model m;

	synth_model(&m, &h, 1);
	ev_pio(&m, 1 * S, C0, 0xc050, 1);
	ev_waking(&m, 1 * S + 1 * US, C0, IO1, 0);
	/* The iothread runs unseen, submits its read and blocks at +20 us. */
	ev_switch(&m, 1 * S + 20 * US, IO1, 0, 2);
	ev_waking(&m, 1 * S + 60 * US, 0, IO1, KE_CTX_SOFTIRQ);
	ev_irq(&m, 1 * S + 65 * US, IO1, -1);
	ev_waking(&m, 1 * S + 66 * US, IO1, C0, 0);
	ev_wakeup(&m, 1 * S + 70 * US, C0, 60 * US);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	e = edge(v, C0, IO1, WAKE_IOEVENTFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 1);
	ck_assert_int_eq(e->timed, 0);
	e = edge(v, WAKE_TID_SOFTIRQ, IO1, WAKE_IO);
	ck_assert_ptr_nonnull(e);
	ck_assert_double_eq_tol(e->mean_ns, 5000.0, 1e-6);
	e = edge(v, IO1, C0, WAKE_IRQFD);
	ck_assert_ptr_nonnull(e);
	ck_assert_double_eq_tol(e->mean_ns, 4000.0, 1e-6);
	ck_assert_int_eq(v->wake->nrts, 1);
	r = &v->wake->rts[0];
	ck_assert_int_eq(r->count, 1);
	ck_assert_double_eq_tol(r->notify_run_ns, 20000.0, 1e-6);
	ck_assert_double_eq_tol(r->run_inject_ns, 45000.0, 1e-6);
	ck_assert_double_eq_tol(r->inject_run_ns, 5000.0, 1e-6);
	ck_assert_int_eq(v->wake->unmatched, 0);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/* A wakee never seen running is dropped after WAKE_PENDING_NS and counted, not timed. */
START_TEST(pending_wakes_age_out)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_wake_edge *e;
	struct model m;

	synth_model(&m, &h, 1);
	ev_waking(&m, 1 * S, IO1, C1, 0);
	s = model_snapshot(&m, 1 * S + WAKE_PENDING_NS / 2, 0, false);
	ck_assert_int_eq(s->vms[0].wake->unmatched, 0);
	snapshot_free(s);
	s = model_snapshot(&m, 1 * S + WAKE_PENDING_NS + 1, 0, false);
	ck_assert_int_eq(s->vms[0].wake->unmatched, 1);
	snapshot_free(s);
	/* Running much later: the wake was already given up, so no 1 s latency appears. */
	ev_switch(&m, 3 * S, C0, C1, 1);
	s = model_snapshot(&m, 4 * S, 0, true);
	e = edge(&s->vms[0], IO1, C1, WAKE_OTHER);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->count, 1);
	ck_assert_int_eq(e->timed, 0);
	ck_assert_double_eq(e->mean_ns, -1);
	ck_assert_int_eq(e->p99_ns, -1);
	ck_assert_int_eq(s->vms[0].wake->unmatched, 1);
	snapshot_free(s);

	/* A second wake before the first took effect: the first is unmatched, the second timed. */
	ev_waking(&m, 5 * S, IO1, C1, 0);
	ev_waking(&m, 5 * S + 10 * US, IO1, C1, 0);
	ev_switch(&m, 5 * S + 12 * US, C0, C1, 1);
	s = model_snapshot(&m, 6 * S, 0, false);
	e = edge(&s->vms[0], IO1, C1, WAKE_OTHER);
	ck_assert_int_eq(e->count, 2);
	ck_assert_int_eq(e->timed, 1);
	ck_assert_double_eq_tol(e->mean_ns, 2000.0, 1e-6);
	ck_assert_int_eq(s->vms[0].wake->unmatched, 1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * Host threads: a kworker waking the iothread is I/O completion once it has a name (the tick
 * loop reads names; the model only lists the tids it lacks). A hardirq waking a vCPU is its
 * timer. Wakes between host threads are nobody's; a wake across VMs is the wakee's VM's.
 */
START_TEST(host_threads_and_interrupts)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *e;
	struct model m;
	int tids[8], n;
	uint64_t unattributed;

	synth_model(&m, &h, 2);
	ev_waking(&m, 1 * S, 555, IO1, 0);
	ev_switch(&m, 1 * S + 3 * US, 555, IO1, 1);
	ev_waking(&m, 1 * S + 10 * US, 0, C1, KE_CTX_HARDIRQ);
	ev_switch(&m, 1 * S + 12 * US, 0, C1, KE_TASK_RUNNING);
	ev_waking(&m, 1 * S + 20 * US, C0, 777, 0);
	ev_waking(&m, 1 * S + 30 * US, C0B, IO1, 0);
	unattributed = m.unattributed;
	ev_waking(&m, 1 * S + 40 * US, 555, 777, 0);
	/* From an interrupt of a VM's thread, waking a host thread: the VM's business neither. */
	ev_waking(&m, 1 * S + 50 * US, C0, 778, KE_CTX_SOFTIRQ);
	ck_assert_int_eq(m.unattributed, unattributed + 2);

	n = model_wake_unnamed(&m, tids, 8);
	ck_assert_int_eq(n, 2);
	ck_assert(tids[0] == 555 || tids[1] == 555);
	ck_assert(tids[0] == 777 || tids[1] == 777);
	model_wake_name(&m, 555, "kworker/1:1H");
	model_wake_name(&m, 777, "nfsd");
	ck_assert_int_eq(model_wake_unnamed(&m, tids, 8), 0);

	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	e = edge(v, 555, IO1, WAKE_IO);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->waker_comm, "kworker/1:1H");
	ck_assert_int_eq(e->waker_node, WAKE_NODE_HOST);
	ck_assert_double_eq_tol(e->mean_ns, 3000.0, 1e-6);
	e = edge(v, WAKE_TID_HARDIRQ, C1, WAKE_TIMER);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->waker_comm, "hardirq");
	ck_assert_double_eq_tol(e->mean_ns, 2000.0, 1e-6);
	e = edge(v, C0, 777, WAKE_OTHER);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->wakee_comm, "nfsd");
	ck_assert_int_eq(e->timed, 0);
	e = edge(v, C0B, IO1, WAKE_OTHER);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->waker_comm, "CPU 0/KVM");
	ck_assert_int_eq(v->wake->nedges, 4);
	ck_assert_ptr_null(s->vms[1].wake ? other_edge(&s->vms[1]) : NULL);
	ck_assert(!s->vms[1].wake || s->vms[1].wake->nedges == 0);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/*
 * The cap: WAKE_EDGES edges, the rest in the other bucket, rows and bucket summing to every
 * wake. An edge idle for a window gives its slot to a new one; its counts go to the bucket.
 */
START_TEST(edge_cap_and_other_bucket)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	const struct snap_wake_edge *o;
	struct model m;
	uint64_t sum = 0;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < WAKE_EDGES + 10; i++) {
		ev_waking(&m, 1 * S + (uint64_t)i * 10 * US, 1000 + i, IO1, 0);
		ev_switch(&m, 1 * S + (uint64_t)i * 10 * US + 1 * US, 1000 + i, IO1, 1);
	}
	/* Busy edges keep their slots: 1000 wakes 3 more times. */
	for (i = 0; i < 3; i++)
		ev_waking(&m, 1 * S + 500 * US + (uint64_t)i * US, 1000, IO1, 0);
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	ck_assert_int_eq(v->wake->nedges, WAKE_EDGES + 1);
	o = other_edge(v);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(o->count, 10);
	ck_assert_int_eq(o->timed, 10);
	ck_assert_double_eq_tol(o->mean_ns, 1000.0, 1e-6);
	ck_assert_ptr_eq(o, &v->wake->edges[v->wake->nedges - 1]);
	ck_assert_int_eq(v->wake->edges[0].waker, 1000);
	ck_assert_int_eq(v->wake->edges[0].count, 4);
	for (i = 0; i < v->wake->nedges; i++)
		sum += v->wake->edges[i].count;
	ck_assert_int_eq(sum, WAKE_EDGES + 13);
	snapshot_free(s);

	/* Two quiet windows halve the weights to 0: a new waker takes a slot. */
	s = model_snapshot(&m, 3 * S, 0, false);
	snapshot_free(s);
	ev_waking(&m, 3 * S + 10 * US, 5000, IO1, 0);
	s = model_snapshot(&m, 4 * S, 0, true);
	v = &s->vms[0];
	ck_assert_ptr_nonnull(edge(v, 5000, IO1, WAKE_OTHER));
	sum = 0;
	for (i = 0; i < v->wake->nedges; i++)
		sum += v->wake->edges[i].count;
	ck_assert_int_eq(sum, WAKE_EDGES + 14);
	ck_assert_int_eq(other_edge(v)->count, 11);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/* Interval and cumulative windows, and a reset. */
START_TEST(wake_windows)
{
	struct synth_host h;
	struct snapshot *s;
	struct model m;
	int i;

	synth_model(&m, &h, 1);
	/* Before the first interval: belongs to no window. */
	ev_waking(&m, 1 * S - 10 * US, IO1, C0, 0);
	model_prime(&m, 1 * S);
	for (i = 0; i < 10; i++)
		virtio_round(&m, 1 * S + (uint64_t)i * 100 * US);
	s = model_snapshot(&m, 2 * S, 0, false);
	ck_assert_int_eq(edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD)->count, 10);
	ck_assert_int_eq(s->vms[0].wake->rts[0].count, 10);
	snapshot_free(s);
	for (i = 0; i < 5; i++)
		virtio_round(&m, 2 * S + (uint64_t)i * 100 * US);
	s = model_snapshot(&m, 3 * S, 0, false);
	ck_assert_int_eq(edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD)->count, 5);
	snapshot_free(s);
	s = model_snapshot(&m, 4 * S, 0, true);
	ck_assert_int_eq(edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD)->count, 15);
	ck_assert_int_eq(s->vms[0].wake->rts[0].count, 15);
	ck_assert_double_eq_tol(edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD)->rate, 5.0, 1e-9);
	snapshot_free(s);
	/* A reset comes just before a snapshot (the loop applies it at a tick). */
	virtio_round(&m, 4 * S + 100 * US);
	model_reset(&m, 5 * S);
	s = model_snapshot(&m, 5 * S, 0, true);
	ck_assert(!s->vms[0].wake->nedges);
	snapshot_free(s);
	virtio_round(&m, 5 * S + 100 * US);
	s = model_snapshot(&m, 6 * S, 0, true);
	ck_assert_int_eq(edge(&s->vms[0], C0, IO1, WAKE_IOEVENTFD)->count, 1);
	ck_assert_int_eq(s->vms[0].wake->rts[0].count, 1);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/* Round trips are kept per notify address, WAKE_RTS of them, then the other bucket. */
START_TEST(round_trips_per_address)
{
	struct synth_host h;
	struct snapshot *s;
	const struct snap_vm *v;
	struct model m;
	uint64_t b, sum = 0;
	int i;

	synth_model(&m, &h, 1);
	for (i = 0; i < WAKE_RTS + 2; i++) {
		b = 1 * S + (uint64_t)i * 100 * US;
		ev_mmio(&m, b, C1, 0xfe000000 + (uint64_t)i * 0x1000, KE_MMIO_WRITE);
		ev_waking(&m, b + 1 * US, C1, IO1, 0);
		ev_switch(&m, b + 2 * US, 0, IO1, KE_TASK_RUNNING);
		ev_irq(&m, b + 10 * US, IO1, 24);
		ev_waking(&m, b + 11 * US, IO1, C1, 0);
		ev_switch(&m, b + 20 * US, IO1, C1, 1);
	}
	s = model_snapshot(&m, 2 * S, 0, false);
	v = &s->vms[0];
	ck_assert_int_eq(v->wake->nrts, WAKE_RTS + 1);
	ck_assert(v->wake->rts[WAKE_RTS].other);
	ck_assert_int_eq(v->wake->rts[WAKE_RTS].count, 2);
	ck_assert_int_eq(v->wake->rts[0].kind, HOT_MMIO);
	for (i = 0; i < v->wake->nrts; i++) {
		sum += v->wake->rts[i].count;
		ck_assert_double_eq_tol(v->wake->rts[i].notify_run_ns, 2000.0, 1e-6);
		ck_assert_double_eq_tol(v->wake->rts[i].run_inject_ns, 8000.0, 1e-6);
		ck_assert_double_eq_tol(v->wake->rts[i].inject_run_ns, 10000.0, 1e-6);
	}
	ck_assert_int_eq(sum, WAKE_RTS + 2);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

/* The pane: host scope has a VM column and leaves the bucket out; VM scope shows it. */
START_TEST(wake_pane_text)
{
	struct synth_host h;
	struct snapshot *s;
	struct table t = { 0 };
	struct pane_opts o = { .sort = -1 };
	const struct pane *p = pane_find("wake"), *rp = pane_find("roundtrip");
	struct model m;
	int i, found = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(rp);
	synth_model(&m, &h, 1);
	for (i = 0; i < 10; i++)
		virtio_round(&m, 1 * S + (uint64_t)i * 100 * US);
	s = model_snapshot(&m, 2 * S, 0, false);
	o.scope.kind = SCOPE_HOST;
	pane_build(p, s, &o, &t);
	ck_assert_int_eq(t.nrows, 3);
	for (i = 0; i < t.nrows; i++) {
		ck_assert_str_eq(table_cell(&t, i, 0), "win01");
		if (!strcmp(table_cell(&t, i, 1), "CPU 0/KVM") &&
		    !strcmp(table_cell(&t, i, 2), "IO iothread0")) {
			ck_assert_str_eq(table_cell(&t, i, 3), "ioeventfd");
			ck_assert_str_eq(table_cell(&t, i, 4), "10");
			ck_assert_str_eq(table_cell(&t, i, 6), "3.00us");
			found++;
		}
	}
	ck_assert_int_eq(found, 1);
	/* Sorted by waker name, and reversed. */
	o.sort = 1;
	pane_build(p, s, &o, &t);
	ck_assert_str_eq(table_cell(&t, 0, 1), "CPU 0/KVM");
	ck_assert_str_eq(table_cell(&t, 2, 1), "softirq");
	o.reverse = true;
	pane_build(p, s, &o, &t);
	ck_assert_str_eq(table_cell(&t, 0, 1), "softirq");
	o.sort = -1;
	o.reverse = false;
	o.scope.kind = SCOPE_VM;
	o.scope.pid = VM1;
	pane_build(rp, s, &o, &t);
	ck_assert_int_eq(t.nrows, 1);
	ck_assert_str_eq(table_cell(&t, 0, 1), "pio 0xc050");
	/* P50, P99 and MAX of the whole, then the means of the parts. */
	ck_assert_str_eq(table_cell(&t, 0, 4), "55.0us");
	ck_assert_str_eq(table_cell(&t, 0, 5), "55.0us");
	ck_assert_str_eq(table_cell(&t, 0, 6), "55.0us");
	ck_assert_str_eq(table_cell(&t, 0, 7), "4.00us");
	ck_assert_str_eq(table_cell(&t, 0, 8), "44.0us");
	ck_assert_str_eq(table_cell(&t, 0, 9), "7.00us");
	ck_assert(strstr(t.title, "win01"));
	table_free(&t);
	snapshot_free(s);
	model_free(&m);
}
END_TEST

static Suite *wakegraph_suite(void)
{
	Suite *s = suite_create("wakegraph");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, virtio_chain_edges_and_round_trip);
	tcase_add_test(tc, sampled_then_full_scaled);
	tcase_add_test(tc, no_latency_across_the_gap);
	tcase_add_test(tc, wakee_running_without_switch);
	tcase_add_test(tc, signals_to_awake_threads);
	tcase_add_test(tc, switch_in_not_traced);
	tcase_add_test(tc, pending_wakes_age_out);
	tcase_add_test(tc, host_threads_and_interrupts);
	tcase_add_test(tc, edge_cap_and_other_bucket);
	tcase_add_test(tc, wake_windows);
	tcase_add_test(tc, round_trips_per_address);
	tcase_add_test(tc, wake_pane_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wakegraph_suite)
