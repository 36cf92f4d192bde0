// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "util.h"
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

/* Returns *h, allocated (empty) on first use: once per slot, never per event. */
static struct hist *hist_of(struct hist **h)
{
	if (!*h) {
		*h = xmalloc(sizeof(**h));
		hist_clear(*h);
	}
	return *h;
}

static void acc_free(struct wake_acc *a)
{
	free(a->lat);
	a->lat = NULL;
}

static void rt_acc_free(struct wake_rt_acc *a)
{
	free(a->total);
	a->total = NULL;
}

/* Frees every histogram of w, leaving the rest as it is. */
static void vm_free_hists(struct wake_vm *w)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++) {
		acc_free(&w->edges[i].win);
		acc_free(&w->edges[i].tot);
	}
	acc_free(&w->other_win);
	acc_free(&w->other_tot);
	for (i = 0; i < WAKE_RTS; i++) {
		rt_acc_free(&w->rts[i].win);
		rt_acc_free(&w->rts[i].tot);
	}
	rt_acc_free(&w->rt_other_win);
	rt_acc_free(&w->rt_other_tot);
}

void wake_vm_free(struct wake_vm *w)
{
	if (!w)
		return;
	vm_free_hists(w);
	free(w);
}

void wake_thread_event(struct wake_thread *t, const struct kvm_event *ev)
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

static void acc_add(struct wake_acc *a, const struct wake_acc *b)
{
	a->count += b->count;
	a->awake += b->awake;
	a->timed += b->timed;
	a->total_ns += b->total_ns;
	if (b->lat && b->lat->n)
		hist_merge(hist_of(&a->lat), b->lat);
}

static void acc_clear(struct wake_acc *a)
{
	a->count = a->awake = a->timed = a->total_ns = 0;
	if (a->lat)
		hist_clear(a->lat);
}

/* Counts a timed wake of latency ns. */
static void acc_time(struct wake_acc *a, uint64_t ns)
{
	a->timed++;
	a->total_ns += ns;
	hist_add(hist_of(&a->lat), ns);
}

static void rt_acc_add(struct wake_rt_acc *a, const struct wake_rt_acc *b)
{
	a->count += b->count;
	a->notify_run_ns += b->notify_run_ns;
	a->run_inject_ns += b->run_inject_ns;
	a->inject_run_ns += b->inject_run_ns;
	if (b->total && b->total->n)
		hist_merge(hist_of(&a->total), b->total);
}

static void rt_acc_clear(struct wake_rt_acc *a)
{
	a->count = a->notify_run_ns = a->run_inject_ns = a->inject_run_ns = 0;
	if (a->total)
		hist_clear(a->total);
}

/* Returns the window accumulator of the round trips of (kind, addr): a slot or the bucket. */
static struct wake_rt_acc *rt_slot(struct wake_vm *w, uint8_t kind, uint64_t addr)
{
	struct wake_rt *free_slot = NULL, *idle = NULL;
	int i;

	for (i = 0; i < WAKE_RTS; i++) {
		struct wake_rt *r = &w->rts[i];

		if (r->used && r->kind == kind && r->addr == addr) {
			r->weight++;
			return &r->win;
		}
		if (!r->used && !free_slot)
			free_slot = r;
		else if (r->used && !r->weight && !idle)
			idle = r;
	}
	if (!free_slot && idle) {
		/* An address idle for a whole window gives its slot up; its counts stay summed. */
		rt_acc_add(&w->rt_other_win, &idle->win);
		rt_acc_add(&w->rt_other_tot, &idle->tot);
		free_slot = idle;
	}
	if (!free_slot)
		return &w->rt_other_win;
	/* Cleared, not zeroed: the histograms stay with the slot. */
	rt_acc_clear(&free_slot->win);
	rt_acc_clear(&free_slot->tot);
	free_slot->used = true;
	free_slot->kind = kind;
	free_slot->addr = addr;
	free_slot->weight = 1;
	return &free_slot->win;
}

/* Counts a finished round trip, vCPU running at ts; out-of-order times are not one. */
static void rt_done(struct wake_vm *w, const struct wake_chain *c, uint64_t ts)
{
	struct wake_rt_acc *a;

	if (c->run_ts < c->notify_ts || c->inject_ts < c->run_ts || ts < c->inject_ts)
		return;
	a = rt_slot(w, c->kind, c->addr);
	a->count++;
	a->notify_run_ns += c->run_ts - c->notify_ts;
	a->run_inject_ns += c->inject_ts - c->run_ts;
	a->inject_run_ns += ts - c->inject_ts;
	hist_add(hist_of(&a->total), ts - c->notify_ts);
}

void wake_running(struct wake_thread *t, uint64_t ts, bool leaving)
{
	/* Leaving its CPU, it ran since some unknown time: no latency, but the chain goes on. */
	if (t->pend_ts && leaving) {
		t->pend_ts = 0;
	} else if (t->pend_ts) {
		struct wake_acc *a = NULL;

		if (t->pend_edge < 0) {
			a = &t->vm->other_win;
		} else {
			struct wake_edge *e = &t->vm->edges[t->pend_edge];

			/* The slot may have been given to another edge since. */
			if (e->used && e->waker == t->pend_waker && e->wakee == t->tid &&
			    e->cls == t->pend_cls)
				a = &e->win;
		}
		if (a && ts >= t->pend_ts)
			acc_time(a, ts - t->pend_ts);
		t->pend_ts = 0;
	}
	if (t->rt.active) {
		rt_done(t->vm, &t->rt, ts);
		t->rt.active = false;
	}
	if (t->chain.active && !t->chain.run_ts)
		t->chain.run_ts = ts;
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
		acc_add(&w->other_win, &w->edges[idle].win);
		acc_add(&w->other_tot, &w->edges[idle].tot);
		free_slot = idle;
	}
	if (free_slot >= 0) {
		struct wake_edge *e = &w->edges[free_slot];

		acc_clear(&e->win);
		acc_clear(&e->tot);
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
				e->win.count++;
				e->win.awake++;
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
	struct wake_acc *a;
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
		a = &e->win;
		if (!e->waker_comm[0] && wcomm)
			strlcpy0(e->waker_comm, wcomm, sizeof(e->waker_comm));
		if (!e->wakee_comm[0] && wakee->comm)
			strlcpy0(e->wakee_comm, wakee->comm, sizeof(e->wakee_comm));
		e->waker_node = wnode;
		e->wakee_node = wakee->node;
	} else {
		a = &w->other_win;
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
			t->vm->unmatched_win++;
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
		t->vm->unmatched_win++;
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

static void view_acc(const struct wake_acc *win, const struct wake_acc *tot, unsigned int view,
		     struct snap_wake_edge *se, double window_s)
{
	const struct hist *a = view & ACC_WIN ? win->lat : NULL;
	const struct hist *b = view & ACC_TOT ? tot->lat : NULL;
	uint64_t total = 0;

	se->count = se->awake = se->timed = 0;
	if (view & ACC_WIN) {
		se->count += win->count;
		se->awake += win->awake;
		se->timed += win->timed;
		total += win->total_ns;
	}
	if (view & ACC_TOT) {
		se->count += tot->count;
		se->awake += tot->awake;
		se->timed += tot->timed;
		total += tot->total_ns;
	}
	se->rate = window_s > 0 ? (double)se->count / window_s : 0;
	se->mean_ns = se->timed ? (double)total / (double)se->timed : -1;
	if (!a) {
		a = b;
		b = NULL;
	}
	se->p99_ns = se->timed && a ? (int64_t)hist_quantile(a, b, 0.99) : -1;
}

static void view_rt(const struct wake_rt_acc *win, const struct wake_rt_acc *tot, unsigned int view,
		    struct snap_wake_rt *sr, double window_s)
{
	struct wake_rt_acc sum;
	const struct hist *a = view & ACC_WIN ? win->total : NULL;
	const struct hist *b = view & ACC_TOT ? tot->total : NULL;

	memset(&sum, 0, sizeof(sum));
	sum.count = (view & ACC_WIN ? win->count : 0) + (view & ACC_TOT ? tot->count : 0);
	sum.notify_run_ns = (view & ACC_WIN ? win->notify_run_ns : 0) +
			    (view & ACC_TOT ? tot->notify_run_ns : 0);
	sum.run_inject_ns = (view & ACC_WIN ? win->run_inject_ns : 0) +
			    (view & ACC_TOT ? tot->run_inject_ns : 0);
	sum.inject_run_ns = (view & ACC_WIN ? win->inject_run_ns : 0) +
			    (view & ACC_TOT ? tot->inject_run_ns : 0);
	sr->count = sum.count;
	sr->rate = window_s > 0 ? (double)sum.count / window_s : 0;
	if (!sum.count) {
		sr->p50_ns = sr->p99_ns = -1;
		sr->mean_ns = sr->notify_run_ns = sr->run_inject_ns = sr->inject_run_ns = -1;
		return;
	}
	if (!a) {
		a = b;
		b = NULL;
	}
	if (!a) {
		/* Counted without a histogram: cannot happen, but never read a NULL one. */
		sr->p50_ns = sr->p99_ns = -1;
		return;
	}
	sr->p50_ns = (int64_t)hist_quantile(a, b, 0.5);
	sr->p99_ns = (int64_t)hist_quantile(a, b, 0.99);
	sr->notify_run_ns = (double)sum.notify_run_ns / (double)sum.count;
	sr->run_inject_ns = (double)sum.run_inject_ns / (double)sum.count;
	sr->inject_run_ns = (double)sum.inject_run_ns / (double)sum.count;
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
		view_acc(&e->win, &e->tot, view, se, window_s);
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
	view_acc(&w->other_win, &w->other_tot, view, &other, window_s);
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
		view_rt(&r->win, &r->tot, view, sr, window_s);
		if (!sr->count)
			continue;
		sr->kind = r->kind;
		sr->addr = r->addr;
		n++;
	}
	qsort(s->rts, (size_t)n, sizeof(*s->rts), rt_cmp);
	memset(&rto, 0, sizeof(rto));
	view_rt(&w->rt_other_win, &w->rt_other_tot, view, &rto, window_s);
	if (rto.count) {
		rto.other = true;
		s->rts[n++] = rto;
	}
	s->nrts = n;
	s->unmatched =
		(view & ACC_WIN ? w->unmatched_win : 0) + (view & ACC_TOT ? w->unmatched_tot : 0);
	return s;
}

void wake_snap_free(struct snap_wake *s)
{
	free(s);
}

void wake_fold(struct wake_vm *w, bool drop_win)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++) {
		struct wake_edge *e = &w->edges[i];

		if (!e->used)
			continue;
		if (!drop_win)
			acc_add(&e->tot, &e->win);
		acc_clear(&e->win);
		e->weight /= 2;
	}
	if (!drop_win)
		acc_add(&w->other_tot, &w->other_win);
	acc_clear(&w->other_win);
	for (i = 0; i < WAKE_RTS; i++) {
		struct wake_rt *r = &w->rts[i];

		if (!r->used)
			continue;
		if (!drop_win)
			rt_acc_add(&r->tot, &r->win);
		rt_acc_clear(&r->win);
		r->weight /= 2;
	}
	if (!drop_win) {
		rt_acc_add(&w->rt_other_tot, &w->rt_other_win);
		w->unmatched_tot += w->unmatched_win;
	}
	rt_acc_clear(&w->rt_other_win);
	w->unmatched_win = 0;
}

void wake_reset(struct wake_vm *w)
{
	int i;

	for (i = 0; i < WAKE_EDGES; i++)
		acc_clear(&w->edges[i].tot);
	acc_clear(&w->other_tot);
	for (i = 0; i < WAKE_RTS; i++)
		rt_acc_clear(&w->rts[i].tot);
	rt_acc_clear(&w->rt_other_tot);
	w->unmatched_tot = 0;
}

void wake_clear(struct wake_vm *w)
{
	vm_free_hists(w);
	wake_vm_init(w);
}
