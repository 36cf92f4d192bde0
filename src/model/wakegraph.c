// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "model.h"
#include "vmreg.h"
#include "wakegraph.h"

void wake_vm_init(struct wake_vm *w)
{
	memset(w, 0, sizeof(*w));
}

void wake_thread_init(struct wake_thread *t, struct wake_vm *vm, int tid)
{
	memset(t, 0, sizeof(*t));
	t->vm = vm;
	t->tid = tid;
	t->pend_edge = -1;
}

static void settle(struct wake_thread *t);

/* Frees every histogram of w, leaving the rest as it is. */
static void vm_free_hists(struct wake_vm *w)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++)
		acc2_free(&w->edges[i].a);
	acc2_free(&w->other);
	for (i = 0; i < WAKE_RTS; i++)
		acc2_free(&w->rts[i].a);
	acc2_free(&w->rt_other);
}

void wake_vm_free(struct wake_vm *w)
{
	if (!w)
		return;
	vm_free_hists(w);
	free(w);
}

/* wake_thread_event(), inlined into the module's event hook: the hot path. */
static inline __attribute__((always_inline)) void signal_event(struct wake_thread *t,
							       const struct kvm_event *ev)
{
	/* An interrupt handler's work belongs to no thread it happened to interrupt. */
	if (ev->ctx)
		return;
	/* Whatever the thread does next, a signal it sent before has woken what it woke. */
	settle(t);
	switch (ev->type) {
	case KE_PIO:
		if (!ev->pio.write)
			return;
		t->write_kind = HOT_PIO;
		t->write_addr = ev->pio.port;
		break;
	case KE_MMIO:
		if (ev->mmio.kind != KE_MMIO_WRITE)
			return;
		t->write_kind = HOT_MMIO;
		t->write_addr = ev->mmio.gpa;
		break;
	case KE_FAST_MMIO:
		t->write_kind = HOT_MMIO;
		t->write_addr = ev->fast_mmio.gpa;
		break;
	case KE_SET_IRQ:
		/* Lowering a line (the second half of an edge irqfd) signals nobody. */
		if (!ev->set_irq.level)
			return;
		t->inject_kind = 0;
		t->inject_key = ev->set_irq.gsi;
		goto inject;
	case KE_MSI_SET_IRQ:
		t->inject_kind = 1;
		t->inject_key = ev->msi.address << 32 ^ ev->msi.data;
		goto inject;
	default:
		return;
	}
	t->write_ts = ev->ts_ns;
	t->write_open = true;
	return;
inject:
	t->inject_ts = ev->ts_ns;
	t->inject_open = true;
	if (t->chain.active && t->chain.run_ts && !t->chain.inject_ts)
		t->chain.inject_ts = ev->ts_ns;
}

void wake_thread_event(struct wake_thread *t, const struct kvm_event *ev)
{
	signal_event(t, ev);
}

/* Returns the window accumulator of the round trips of (kind, addr): a slot or the bucket. */
static struct acc *rt_slot(struct wake_vm *w, uint8_t kind, uint64_t addr)
{
	struct wake_rt *free_slot = NULL, *idle = NULL;
	int i;

	for (i = 0; i < WAKE_RTS; i++) {
		struct wake_rt *r = &w->rts[i];

		if (r->used && r->kind == kind && r->addr == addr) {
			r->weight++;
			return &r->a.win;
		}
		if (!r->used && !free_slot)
			free_slot = r;
		else if (r->used && !r->weight && !idle)
			idle = r;
	}
	if (!free_slot && idle) {
		/* An address idle for a whole window gives its slot up; its counts stay summed. */
		acc2_merge(&w->rt_other, &idle->a);
		free_slot = idle;
	}
	if (!free_slot)
		return &w->rt_other.win;
	/* Cleared, not zeroed: the histograms stay with the slot. */
	acc2_zero(&free_slot->a);
	free_slot->used = true;
	free_slot->kind = kind;
	free_slot->addr = addr;
	free_slot->weight = 1;
	return &free_slot->a.win;
}

/* Counts a finished round trip, vCPU running at ts; out-of-order times are not one. */
static void rt_done(struct wake_vm *w, const struct wake_chain *c, uint64_t ts)
{
	struct acc *a;

	if (c->run_ts < c->notify_ts || c->inject_ts < c->run_ts || ts < c->inject_ts)
		return;
	a = rt_slot(w, c->kind, c->addr);
	a->count++;
	a->part[WAKE_NOTIFY_RUN] += c->run_ts - c->notify_ts;
	a->part[WAKE_RUN_INJECT] += c->inject_ts - c->run_ts;
	a->part[WAKE_INJECT_RUN] += ts - c->inject_ts;
	acc_time(a, ts - c->notify_ts, true);
}

/* wake_running(), inlined into the module's event hook: the hot path. */
static inline __attribute__((always_inline)) void running(struct wake_thread *t, uint64_t ts,
							  bool leaving)
{
	/* Leaving its CPU, it ran since some unknown time: no latency, but the chain goes on. */
	if (t->pend_ts && leaving) {
		t->pend_ts = 0;
	} else if (t->pend_ts) {
		struct acc *a = NULL;

		if (t->pend_edge < 0) {
			a = &t->vm->other.win;
		} else {
			struct wake_edge *e = &t->vm->edges[t->pend_edge];

			/* The slot may have been given to another edge since. */
			if (e->used && e->waker == t->pend_waker && e->wakee == t->tid &&
			    e->cls == t->pend_cls)
				a = &e->a.win;
		}
		if (a && ts >= t->pend_ts)
			acc_time(a, ts - t->pend_ts, true);
		t->pend_ts = 0;
	}
	if (t->rt.active) {
		rt_done(t->vm, &t->rt, ts);
		t->rt.active = false;
	}
	if (t->chain.active && !t->chain.run_ts)
		t->chain.run_ts = ts;
}

void wake_running(struct wake_thread *t, uint64_t ts, bool leaving)
{
	running(t, ts, leaving);
}

/* Returns the edge slot for (waker, wakee, cls), taking a free or idle one; -1: the bucket. */
static int edge_slot(struct wake_vm *w, int waker, int wakee, uint8_t cls)
{
	int i, free_slot = -1, idle = -1;

	for (i = 0; i < WAKE_EDGES; i++) {
		struct wake_edge *e = &w->edges[i];

		if (e->used && e->waker == waker && e->wakee == wakee && e->cls == cls)
			return i;
		if (!e->used && free_slot < 0)
			free_slot = i;
		else if (e->used && !e->weight && idle < 0)
			idle = i;
	}
	if (free_slot < 0 && idle >= 0) {
		/* An edge idle for a whole window gives its slot up; its counts stay summed. */
		acc2_merge(&w->other, &w->edges[idle].a);
		free_slot = idle;
	}
	if (free_slot >= 0) {
		struct wake_edge *e = &w->edges[free_slot];

		acc2_zero(&e->a);
		e->used = true;
		e->waker = waker;
		e->wakee = wakee;
		e->cls = cls;
		e->weight = 0;
		e->waker_comm[0] = e->wakee_comm[0] = '\0';
	}
	return free_slot;
}

/* Remembers that t's signal (cls, kind, key) woke wakee. */
static void learn(struct wake_thread *t, uint8_t cls, uint8_t kind, uint64_t key, int wakee)
{
	struct wake_cause *c = NULL;
	int i;

	for (i = 0; i < t->ncauses; i++)
		if (t->causes[i].cls == cls && t->causes[i].kind == kind && t->causes[i].key == key)
			c = &t->causes[i];
	if (!c && t->ncauses < WAKE_CAUSES) {
		c = &t->causes[t->ncauses++];
	} else if (!c) {
		c = &t->causes[t->next_cause];
		t->next_cause = (uint8_t)((t->next_cause + 1) % WAKE_CAUSES);
	}
	*c = (struct wake_cause){ .cls = cls, .kind = kind, .key = key, .wakee = wakee };
}

/* Counts a signal that woke nobody on the edge the same signal took before, if it has one. */
static void signal_awake(struct wake_thread *t, uint8_t cls, uint8_t kind, uint64_t key)
{
	int i, k;

	for (i = 0; i < t->ncauses; i++) {
		const struct wake_cause *c = &t->causes[i];

		if (c->cls != cls || c->kind != kind || c->key != key)
			continue;
		for (k = 0; k < WAKE_EDGES; k++) {
			struct wake_edge *e = &t->vm->edges[k];

			if (e->used && e->waker == t->tid && e->wakee == c->wakee &&
			    e->cls == cls) {
				e->a.win.count++;
				e->a.win.part[WAKE_AWAKE]++;
				e->weight++;
				return;
			}
		}
		return;
	}
}

/* Closes t's open signals: those no sched_waking followed found their wakee awake. */
static void settle(struct wake_thread *t)
{
	if (t->write_open) {
		t->write_open = false;
		signal_awake(t, WAKE_IOEVENTFD, t->write_kind, t->write_addr);
	}
	if (t->inject_open) {
		t->inject_open = false;
		signal_awake(t, WAKE_IRQFD, t->inject_kind, t->inject_key);
	}
}

/* Returns the class of a wake in process context by waker of wakee, both known. */
static uint8_t classify(const struct wake_who *waker, const struct wake_who *wakee, uint64_t ts)
{
	const struct wake_thread *t = waker->th;

	if (!t || waker->vm != wakee->vm)
		return WAKE_OTHER;
	if (waker->node == WAKE_NODE_VCPU && wakee->node != WAKE_NODE_VCPU && t->write_open &&
	    ts >= t->write_ts && ts - t->write_ts <= WAKE_CAUSE_NS)
		return WAKE_IOEVENTFD;
	if (wakee->node == WAKE_NODE_VCPU && t->inject_ts && ts >= t->inject_ts &&
	    ts - t->inject_ts <= WAKE_CAUSE_NS)
		return WAKE_IRQFD;
	return WAKE_OTHER;
}

void wake_waking(const struct wake_who *waker, const struct wake_who *wakee,
		 const struct kvm_event *ev)
{
	struct wake_vm *w = wakee->vm ? wakee->vm : waker->vm;
	uint64_t ts = ev->ts_ns;
	struct wake_edge *e = NULL;
	struct acc *a;
	int wtid = waker->tid, slot;
	uint8_t cls, wnode = waker->node;
	const char *wcomm = waker->comm;

	if (!w)
		return;
	if (ev->ctx) {
		/* From an interrupt: the thread it interrupted is no waker. */
		wtid = ev->ctx & KE_CTX_SOFTIRQ ? WAKE_TID_SOFTIRQ : WAKE_TID_HARDIRQ;
		wnode = WAKE_NODE_IRQ;
		wcomm = wtid == WAKE_TID_SOFTIRQ ? "softirq" : "hardirq";
		cls = wakee->node == WAKE_NODE_VCPU	  ? WAKE_TIMER
		      : wakee->node == WAKE_NODE_IOTHREAD ? WAKE_IO
							  : WAKE_OTHER;
	} else {
		cls = classify(waker, wakee, ts);
		if (!waker->th && wtid == 0)
			wcomm = "swapper";
	}
	slot = edge_slot(w, wtid, wakee->tid, cls);
	if (slot >= 0) {
		e = &w->edges[slot];
		e->weight++;
		a = &e->a.win;
		if (!e->waker_comm[0] && wcomm)
			strlcpy0(e->waker_comm, wcomm, sizeof(e->waker_comm));
		if (!e->wakee_comm[0] && wakee->comm)
			strlcpy0(e->wakee_comm, wakee->comm, sizeof(e->wakee_comm));
		e->waker_node = wnode;
		e->wakee_node = wakee->node;
	} else {
		a = &w->other.win;
	}
	a->count++;

	if (cls == WAKE_IOEVENTFD) {
		struct wake_thread *wt = waker->th;

		learn(wt, cls, wt->write_kind, wt->write_addr, wakee->tid);
		wt->write_open = false;
		/* The notify is spent: a later wake is not caused by it again. */
		if (wakee->th)
			wakee->th->chain = (struct wake_chain){ .active = true,
								.kind = wt->write_kind,
								.addr = wt->write_addr,
								.notify_ts = wt->write_ts };
		wt->write_ts = 0;
	} else if (cls == WAKE_IRQFD) {
		struct wake_thread *wt = waker->th;

		if (wt->inject_open)
			learn(wt, cls, wt->inject_kind, wt->inject_key, wakee->tid);
		wt->inject_open = false;
		if (wt->chain.active && wt->chain.inject_ts && wakee->th) {
			wakee->th->rt = wt->chain;
			wt->chain.active = false;
		}
	}
	/* Any other wake by it: what it signalled before woke nobody. */
	if (waker->th && !ev->ctx)
		settle(waker->th);
	if (wakee->th) {
		struct wake_thread *t = wakee->th;

		if (t->pend_ts)
			t->vm->unmatched.win.count++;
		t->pend_ts = ts;
		t->pend_edge = (int16_t)slot;
		t->pend_waker = wtid;
		t->pend_cls = cls;
	}
}

void wake_switch_out(struct wake_thread *t)
{
	settle(t);
	t->write_ts = t->inject_ts = 0;
}

void wake_age(struct wake_thread *t, uint64_t now)
{
	if (t->pend_ts && now > t->pend_ts && now - t->pend_ts > WAKE_PENDING_NS) {
		t->vm->unmatched.win.count++;
		t->pend_ts = 0;
	}
	if (t->rt.active && now > t->rt.inject_ts && now - t->rt.inject_ts > WAKE_PENDING_NS)
		t->rt.active = false;
	if (t->chain.active && now > t->chain.notify_ts &&
	    now - t->chain.notify_ts > WAKE_PENDING_NS)
		t->chain.active = false;
}

static bool unnamed(int tid, uint8_t node, const char *comm)
{
	return node == WAKE_NODE_HOST && tid > 0 && !comm[0];
}

static int add_tid(int *tids, int n, int max, int tid)
{
	int i;

	for (i = 0; i < n; i++)
		if (tids[i] == tid)
			return n;
	if (n < max)
		tids[n++] = tid;
	return n;
}

int wake_unnamed(const struct wake_vm *w, int *tids, int max)
{
	int i, n = 0;

	for (i = 0; i < WAKE_EDGES; i++) {
		const struct wake_edge *e = &w->edges[i];

		if (!e->used)
			continue;
		if (unnamed(e->waker, e->waker_node, e->waker_comm))
			n = add_tid(tids, n, max, e->waker);
		if (unnamed(e->wakee, e->wakee_node, e->wakee_comm))
			n = add_tid(tids, n, max, e->wakee);
	}
	return n;
}

void wake_name(struct wake_vm *w, int tid, const char *comm)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++) {
		struct wake_edge *e = &w->edges[i];

		if (!e->used)
			continue;
		if (e->waker == tid && e->waker_node == WAKE_NODE_HOST)
			strlcpy0(e->waker_comm, comm, sizeof(e->waker_comm));
		if (e->wakee == tid && e->wakee_node == WAKE_NODE_HOST)
			strlcpy0(e->wakee_comm, comm, sizeof(e->wakee_comm));
	}
}

/* Returns true for host threads that complete I/O: kworkers, irq threads, io_uring workers. */
static bool io_worker(const char *comm)
{
	static const char *const prefixes[] = { "kworker/", "irq/",    "iou-", "io_uring",
						"io_wq",    "kblockd", "nvme" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(comm, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void view_acc(const struct acc2 *acc, unsigned int view, struct snap_wake_edge *se,
		     double window_s)
{
	struct acc a;

	acc2_view(acc, view, &a);
	se->count = a.count;
	se->awake = a.part[WAKE_AWAKE];
	se->timed = a.timed;
	se->rate = window_s > 0 ? (double)se->count / window_s : 0;
	se->mean_ns = se->timed ? (double)a.total_ns / (double)se->timed : -1;
	se->p50_ns = se->timed ? (int64_t)acc2_quantile(acc, view, 0.5) : -1;
	se->p99_ns = se->timed ? (int64_t)acc2_quantile(acc, view, 0.99) : -1;
	se->max_ns = se->timed ? (int64_t)a.max_ns : -1;
	/* A bucket's top may pass the largest value in it: the exact maximum bounds it. */
	if (se->p99_ns > se->max_ns)
		se->p99_ns = se->max_ns;
	if (se->p50_ns > se->max_ns)
		se->p50_ns = se->max_ns;
	acc2_lat(acc, view, &se->lat);
}

static void view_rt(const struct acc2 *acc, unsigned int view, struct snap_wake_rt *sr,
		    double window_s)
{
	struct acc a;

	acc2_view(acc, view, &a);
	sr->count = a.count;
	sr->rate = window_s > 0 ? (double)a.count / window_s : 0;
	if (!a.count) {
		sr->p50_ns = sr->p99_ns = sr->max_ns = -1;
		sr->mean_ns = sr->notify_run_ns = sr->run_inject_ns = sr->inject_run_ns = -1;
		return;
	}
	sr->max_ns = (int64_t)a.max_ns;
	sr->p50_ns = MIN((int64_t)acc2_quantile(acc, view, 0.5), sr->max_ns);
	sr->p99_ns = MIN((int64_t)acc2_quantile(acc, view, 0.99), sr->max_ns);
	acc2_lat(acc, view, &sr->lat);
	sr->notify_run_ns = (double)a.part[WAKE_NOTIFY_RUN] / (double)a.count;
	sr->run_inject_ns = (double)a.part[WAKE_RUN_INJECT] / (double)a.count;
	sr->inject_run_ns = (double)a.part[WAKE_INJECT_RUN] / (double)a.count;
	sr->mean_ns = sr->notify_run_ns + sr->run_inject_ns + sr->inject_run_ns;
}

static int edge_cmp(const void *pa, const void *pb)
{
	const struct snap_wake_edge *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->waker != b->waker)
		return a->waker < b->waker ? -1 : 1;
	if (a->wakee != b->wakee)
		return a->wakee < b->wakee ? -1 : 1;
	return (int)a->cls - (int)b->cls;
}

static int rt_cmp(const void *pa, const void *pb)
{
	const struct snap_wake_rt *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

struct snap_wake *wake_snap(const struct wake_vm *w, unsigned int view, uint64_t window_ns)
{
	/* One block, so that snapshot_free() releases it with one free(). */
	struct snap_wake *s = xcalloc(1, sizeof(*s) + (WAKE_EDGES + 1) * sizeof(*s->edges) +
						 (WAKE_RTS + 1) * sizeof(*s->rts));
	double window_s = (double)window_ns / 1e9;
	struct snap_wake_edge other;
	struct snap_wake_rt rto;
	int i, n = 0;

	s->edges = (struct snap_wake_edge *)(s + 1);
	for (i = 0; i < WAKE_EDGES; i++) {
		const struct wake_edge *e = &w->edges[i];
		struct snap_wake_edge *se = &s->edges[n];

		if (!e->used)
			continue;
		view_acc(&e->a, view, se, window_s);
		if (!se->count)
			continue;
		se->waker = e->waker;
		se->wakee = e->wakee;
		se->waker_node = e->waker_node;
		se->wakee_node = e->wakee_node;
		se->cls = e->cls;
		memcpy(se->waker_comm, e->waker_comm, sizeof(se->waker_comm));
		memcpy(se->wakee_comm, e->wakee_comm, sizeof(se->wakee_comm));
		/* Host threads are named after their wakes were counted: classify them now. */
		if (se->cls == WAKE_OTHER && se->waker_node == WAKE_NODE_HOST &&
		    se->wakee_node != WAKE_NODE_VCPU && io_worker(se->waker_comm))
			se->cls = WAKE_IO;
		n++;
	}
	qsort(s->edges, (size_t)n, sizeof(*s->edges), edge_cmp);
	memset(&other, 0, sizeof(other));
	view_acc(&w->other, view, &other, window_s);
	if (other.count) {
		other.other = true;
		other.cls = WAKE_OTHER;
		s->edges[n++] = other;
	}
	s->nedges = n;

	n = 0;
	s->rts = (struct snap_wake_rt *)(s->edges + WAKE_EDGES + 1);
	for (i = 0; i < WAKE_RTS; i++) {
		const struct wake_rt *r = &w->rts[i];
		struct snap_wake_rt *sr = &s->rts[n];

		if (!r->used)
			continue;
		view_rt(&r->a, view, sr, window_s);
		if (!sr->count)
			continue;
		sr->kind = r->kind;
		sr->addr = r->addr;
		n++;
	}
	qsort(s->rts, (size_t)n, sizeof(*s->rts), rt_cmp);
	memset(&rto, 0, sizeof(rto));
	view_rt(&w->rt_other, view, &rto, window_s);
	if (rto.count) {
		rto.other = true;
		s->rts[n++] = rto;
	}
	s->nrts = n;
	s->unmatched = (view & ACC_WIN ? w->unmatched.win.count : 0) +
		       (view & ACC_TOT ? w->unmatched.tot.count : 0);
	return s;
}

void wake_snap_free(struct snap_wake *s)
{
	free(s);
}

void wake_snap_scale(struct snap_wake *s, double f, uint64_t window_ns)
{
	double window_s = (double)window_ns / 1e9;
	int i;

	for (i = 0; i < s->nedges; i++) {
		struct snap_wake_edge *e = &s->edges[i];

		e->est = true;
		e->count = (uint64_t)((double)e->count * f + 0.5);
		e->awake = (uint64_t)((double)e->awake * f + 0.5);
		e->rate = window_s > 0 ? (double)e->count / window_s : 0;
	}
	for (i = 0; i < s->nrts; i++) {
		struct snap_wake_rt *r = &s->rts[i];

		r->est = true;
		r->count = (uint64_t)((double)r->count * f + 0.5);
		r->rate = window_s > 0 ? (double)r->count / window_s : 0;
	}
	s->unmatched = (uint64_t)((double)s->unmatched * f + 0.5);
}

void wake_fold(struct wake_vm *w, bool drop_win)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++) {
		struct wake_edge *e = &w->edges[i];

		if (!e->used)
			continue;
		acc2_fold(&e->a, drop_win);
		e->weight /= 2;
	}
	acc2_fold(&w->other, drop_win);
	for (i = 0; i < WAKE_RTS; i++) {
		struct wake_rt *r = &w->rts[i];

		if (!r->used)
			continue;
		acc2_fold(&r->a, drop_win);
		r->weight /= 2;
	}
	acc2_fold(&w->rt_other, drop_win);
	acc2_fold(&w->unmatched, drop_win);
}

void wake_reset(struct wake_vm *w)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++)
		acc2_reset(&w->edges[i].a);
	acc2_reset(&w->other);
	for (i = 0; i < WAKE_RTS; i++)
		acc2_reset(&w->rts[i].a);
	acc2_reset(&w->rt_other);
	acc2_reset(&w->unmatched);
}

void wake_clear(struct wake_vm *w)
{
	vm_free_hists(w);
	wake_vm_init(w);
}

/* --- the module --- */

static void *vm_new(void)
{
	struct wake_vm *w = xmalloc(sizeof(*w));

	wake_vm_init(w);
	return w;
}

static void *thread_new(void *vm_state, const struct vm_thread *t)
{
	struct wake_thread *th = xmalloc(sizeof(*th));

	wake_thread_init(th, vm_state, t->tid);
	return th;
}

static void vm_free(void *st)
{
	wake_vm_free(st);
}

/* Fills who for thread tid: a VM's thread t with its states, or a host thread (t NULL). */
static void who_of(struct wake_who *who, const struct model_ev *e, struct vm_thread *t, int tid)
{
	memset(who, 0, sizeof(*who));
	who->tid = tid;
	who->node = WAKE_NODE_HOST;
	if (!t)
		return;
	who->vm = model_ev_vm(e, t->vm);
	who->th = model_ev_thread(e, t);
	who->node = t->kind == THREAD_VCPU	   ? WAKE_NODE_VCPU
		    : t->kind == THREAD_IOTHREAD ? WAKE_NODE_IOTHREAD
						 : WAKE_NODE_VMTHREAD;
	who->comm = t->comm;
}

/* The events a thread's notifies and injections are read from (wake_thread_event). */
#define SIGNAL_EVENTS                                                                              \
	(MODEL_EV(KE_EXIT) | MODEL_EV(KE_ENTRY) | MODEL_EV(KE_PIO) | MODEL_EV(KE_MMIO) |           \
	 MODEL_EV(KE_FAST_MMIO) | MODEL_EV(KE_MSR) | MODEL_EV(KE_USER_EXIT) |                      \
	 MODEL_EV(KE_VCPU_WAKEUP) | MODEL_EV(KE_SET_IRQ) | MODEL_EV(KE_MSI_SET_IRQ))

static void on_event(struct model_ev *e)
{
	const struct kvm_event *ev = e->ev;
	struct wake_thread *self = e->self ? model_ev_thread(e, e->self) : NULL;
	struct wake_who a, b;

	switch (ev->type) {
	case KE_LOST:
		/*
		 * Nothing was recorded from here (lost events, the gap after a burst): a wake
		 * pending stays counted but untimed, and no chain or round trip spans the gap.
		 */
		if (self) {
			self->pend_ts = 0;
			self->rt.active = self->chain.active = false;
			self->write_open = self->inject_open = false;
		}
		return;
	case KE_SCHED_SWITCH:
		if (self) {
			wake_running(self, ev->ts_ns, true);
			wake_switch_out(self);
		}
		if (e->other)
			wake_running(model_ev_thread(e, e->other), ev->ts_ns, false);
		return;
	case KE_SCHED_WAKING:
		if (self)
			wake_running(self, ev->ts_ns, false);
		/* From an interrupt, the interrupted thread is no waker. */
		if (ev->ctx && !e->other)
			return;
		who_of(&a, e, ev->ctx ? NULL : e->self, (int)ev->tid);
		who_of(&b, e, e->other, (int)ev->waking.target);
		wake_waking(&a, &b, ev);
		return;
	default:
		/* Whatever a thread records, it is running: a wake of it has taken effect. */
		running(self, ev->ts_ns, false);
		if (MODEL_EV(ev->type) & SIGNAL_EVENTS)
			signal_event(self, ev);
		return;
	}
}

static void vm_window(void *st, enum model_win op, uint64_t now)
{
	(void)now;
	if (op == MODEL_FOLD || op == MODEL_FOLD_DROP)
		wake_fold(st, op == MODEL_FOLD_DROP);
	else if (op == MODEL_RESET)
		wake_reset(st);
	else if (op == MODEL_CLEAR)
		wake_clear(st);
}

static void thread_window(void *st, enum model_win op, uint64_t now)
{
	if (op == MODEL_CLOSE)
		wake_age(st, now);
}

/*
 * Returns the factor from what the bursts saw of the VM to all of the window. The VM's exits
 * counted by the kernel over those traced say it for the time the VM was busy, as bursts
 * saw it (the exits' own scaling); the share of the window's time traced is right only where
 * the VM's activity was even over the window: a VM that storms in part of a cumulative
 * window traced in full before it would be scaled by a share of mostly idle time. Rows
 * without an exact count (estimates themselves, e.g. a VMM exit reason seen as the VM
 * goes) are left out of the factor; with none exact, the share of time traced it is.
 */
static double sampled_factor(const struct model_view *w, const struct snap_vm *sv)
{
	uint64_t exact = 0, traced = 0;
	int i;

	if (!w->sampled)
		return 1;
	for (i = 0; i < sv->nexits; i++) {
		if (sv->exits[i].est)
			continue;
		exact += sv->exits[i].count;
		traced += sv->exits[i].traced;
	}
	if (traced && exact >= traced)
		return (double)exact / (double)traced;
	return w->ratio > 0 ? 1.0 / w->ratio : 1;
}

static void snap_vm(const void *st, const struct vm *vm, const struct model_view *w,
		    struct snap_vm *out)
{
	(void)vm;
	if (!st)
		return;
	out->wake = wake_snap(st, w->view, w->window_ns);
	/* Detail in bursts: what the bursts saw, for all of the window. */
	if (w->sampled || w->lost)
		wake_snap_scale(out->wake, sampled_factor(w, out), w->window_ns);
}

const struct model_module wake_module = {
	.name = "wake",
	.events = MODEL_EV_OWN | MODEL_EV(KE_SCHED_SWITCH) | MODEL_EV(KE_SCHED_WAKING) |
		  MODEL_EV(KE_LOST),
	.vm_new = vm_new,
	.thread_new = thread_new,
	.vm_free = vm_free,
	.thread_free = free,
	.event = on_event,
	.vm_window = vm_window,
	.thread_window = thread_window,
	.snap_vm = snap_vm,
};

int model_wake_unnamed(struct model *m, int *tids, int max)
{
	const struct wake_vm *w;
	int v, n = 0;

	for (v = 0; v < m->reg.nvms && n < max; v++)
		if ((w = model_vm_state_of(m, m->reg.vms[v], &wake_module)))
			n += wake_unnamed(w, tids + n, max - n);
	return n;
}

void model_wake_name(struct model *m, int tid, const char *comm)
{
	struct wake_vm *w;
	int v;

	for (v = 0; v < m->reg.nvms; v++)
		if ((w = model_vm_state_of(m, m->reg.vms[v], &wake_module)))
			wake_name(w, tid, comm);
}
