// SPDX-License-Identifier: GPL-2.0
/*
 * Wakeups: who wakes whom (edges waker -> wakee, how, rate, wake latency), across VMs (host
 * scope, with a VM column) or one VM's with its "other" bucket; and the notify -> interrupt
 * round trips of each notify address with their parts. A row's key is the VM's pid (host
 * scope) or the wakee's tid (round trips: the address); key2 the waker's tid (the kind).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { W_VM, W_WAKER, W_WAKEE, W_HOW, W_COUNT, W_RATE, W_MEAN, W_P99, W_MAX, W__N };

static const struct table_col wake_cols[W__N] = {
	[W_VM] = { "VM", 16, 6, ALIGN_LEFT, 3 },
	[W_WAKER] = { "WAKER", 20, 8, ALIGN_LEFT, 0 },
	[W_WAKEE] = { "WAKEE", 20, 8, ALIGN_LEFT, 0 },
	[W_HOW] = { "HOW", 9, 0, ALIGN_LEFT, 1 },
	[W_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 5 },
	[W_RATE] = { "WAKES/S", 7, 0, ALIGN_RIGHT, 0 },
	[W_MEAN] = { "LAT", 7, 0, ALIGN_RIGHT, 2 },
	[W_P99] = { "P99", 7, 0, ALIGN_RIGHT, 4 },
	/* Dropped after P99, before LAT: a LAT above P99 always shows the outlier behind it. */
	[W_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 3 },
};

/* Inside one VM the VM column stays empty: untitled, it takes no width. */
static const struct table_col wake_cols_vm[W__N] = {
	[W_VM] = { "", 16, 0, ALIGN_LEFT, 3 },
	[W_WAKER] = { "WAKER", 20, 8, ALIGN_LEFT, 0 },
	[W_WAKEE] = { "WAKEE", 20, 8, ALIGN_LEFT, 0 },
	[W_HOW] = { "HOW", 9, 0, ALIGN_LEFT, 1 },
	[W_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 5 },
	[W_RATE] = { "WAKES/S", 7, 0, ALIGN_RIGHT, 0 },
	[W_MEAN] = { "LAT", 7, 0, ALIGN_RIGHT, 2 },
	[W_P99] = { "P99", 7, 0, ALIGN_RIGHT, 4 },
	/* Dropped after P99, before LAT: a LAT above P99 always shows the outlier behind it. */
	[W_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 3 },
};

/* A row to show: an edge of a VM, or a round trip. */
struct wake_ref {
	const struct snap_vm *vm;
	const struct snap_wake_edge *e;
	const struct snap_wake_rt *r;
};

struct wake_sort {
	int col;
	bool reverse;
};

static double edge_key(const struct snap_wake_edge *e, int col)
{
	switch (col) {
	case W_MEAN:
		return e->mean_ns;
	case W_P99:
		return (double)e->p99_ns;
	case W_MAX:
		return (double)e->max_ns;
	default:
		return (double)e->count;
	}
}

static int edge_cmp(const void *pa, const void *pb, void *arg)
{
	const struct wake_ref *a = pa, *b = pb;
	const struct wake_sort *by = arg;
	double ka, kb;
	int c;

	/* Gone VMs and other buckets stay at the bottom whatever the order. */
	if (a->vm->gone != b->vm->gone)
		return a->vm->gone ? 1 : -1;
	if (a->e->other != b->e->other)
		return a->e->other ? 1 : -1;
	if (by->col == W_WAKER)
		c = strcmp(a->e->waker_comm, b->e->waker_comm);
	else if (by->col == W_WAKEE)
		c = strcmp(a->e->wakee_comm, b->e->wakee_comm);
	else if (by->col == W_HOW)
		c = (int)a->e->cls - (int)b->e->cls;
	else if (by->col == W_VM)
		c = a->vm->pid < b->vm->pid ? -1 : a->vm->pid > b->vm->pid;
	else {
		ka = edge_key(a->e, by->col);
		kb = edge_key(b->e, by->col);
		c = ka > kb ? -1 : ka < kb ? 1 : 0;
	}
	if (!c)
		c = a->e->count > b->e->count ? -1 : a->e->count < b->e->count;
	if (!c)
		c = a->vm->pid < b->vm->pid ? -1 : a->vm->pid > b->vm->pid;
	return by->reverse ? -c : c;
}

/* Returns a node's label: its name, else "tid N" while unnamed. Raw bytes. */
static const char *node_label(int tid, const char *comm, char *buf, int bufsz)
{
	if (comm[0])
		return comm;
	snprintf(buf, (size_t)bufsz, "tid %d", tid);
	return buf;
}

/* Returns why sched events are not filtered by tid, or "" when they are. */
static const char *filter_note(const struct snapshot *s)
{
	const struct snap_source *st = snapshot_source(s, "sched");

	return st && st->state != SNAP_SRC_OK ? st->why : "";
}

/*
 * Returns the VM of scope with the table begun on its title, or NULL for the host scope (or
 * a gone VM, with a note said).
 */
static const struct snap_vm *scope_vm(const struct snapshot *s, const struct pane_opts *o,
				      struct table *t, const struct table_col *cols, int ncols,
				      const char *what, bool *gone)
{
	char lb[SNAP_LABEL_MAX], esc[4 * (SNAP_LABEL_MAX)];
	const struct snap_vm *v;

	*gone = false;
	if (o->scope.kind == SCOPE_HOST)
		return NULL;
	v = snapshot_vm(s, o->scope.pid);
	if (!v) {
		table_note(t, "VM %d is gone", o->scope.pid);
		*gone = true;
		return NULL;
	}
	table_begin(t, cols, ncols, "%s of %s", what,
		    pane_title_text(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc)));
	return v;
}

static void build_wake(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], nb[32];
	struct wake_ref *rows = NULL;
	const struct snap_vm *v;
	int i, k, n = 0, cap = 0;
	uint64_t unmatched = 0;
	struct wake_sort by;
	bool gone;

	table_begin(t, wake_cols, W__N, "Wakeups");
	v = scope_vm(s, o, t, wake_cols_vm, W__N, "Wakeups", &gone);
	if (gone)
		return;
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];

		if (v ? sv != v : !pane_vm_visible(sv, o))
			continue;
		if (!sv->wake)
			continue;
		unmatched += sv->wake->unmatched;
		rows = xgrow(rows, &cap, n + sv->wake->nedges, sizeof(*rows));
		for (k = 0; k < sv->wake->nedges; k++) {
			/* Across VMs, the edges themselves; a VM's own table shows its bucket. */
			if (!v && sv->wake->edges[k].other)
				continue;
			rows[n].vm = sv;
			rows[n].e = &sv->wake->edges[k];
			rows[n++].r = NULL;
		}
	}
	by.col = o->sort >= 0 && o->sort < W__N ? o->sort : W_RATE;
	by.reverse = o->reverse;
	if (n)
		qsort_r(rows, (size_t)n, sizeof(*rows), edge_cmp, &by);
	for (i = 0; i < n; i++) {
		const struct snap_wake_edge *e = rows[i].e;

		table_row(t,
			  rows[i].vm->gone ? ROW_DIM
			  : e->other	   ? ROW_TOTAL
					   : ROW_NORMAL,
			  v ? e->wakee : rows[i].vm->pid, e->waker);
		if (!v)
			table_set_raw(t, W_VM, snap_vm_label(rows[i].vm, lb, sizeof(lb)), o->utf8);
		if (e->other) {
			table_set(t, W_WAKER, "other");
		} else {
			table_set_raw(t, W_WAKER,
				      node_label(e->waker, e->waker_comm, nb, sizeof(nb)), o->utf8);
			table_set_raw(t, W_WAKEE,
				      node_label(e->wakee, e->wakee_comm, nb, sizeof(nb)), o->utf8);
			table_set(t, W_HOW, "%s", snap_wake_class_name(e->cls));
		}
		table_set(t, W_COUNT, "%s", fmt_si(b, (double)e->count));
		table_set(t, W_RATE, "%s", fmt_si(b, e->rate));
		table_set(t, W_MEAN, "%s", e->timed ? fmt_ns(b, e->mean_ns) : "-");
		table_set(t, W_P99, "%s", e->timed ? fmt_ns(b, (double)e->p99_ns) : "-");
		table_set(t, W_MAX, "%s", e->timed ? fmt_ns(b, (double)e->max_ns) : "-");
	}
	/* Empty, the pane takes no room; trouble with the trace is told by the other panes. */
	if (!n && filter_note(s)[0])
		table_note(t, "%s", filter_note(s));
	else if (n)
		table_note(t,
			   "COUNT has signals that found the wakee awake; LAT: waking to running; "
			   "%" PRIu64 " never seen running%s%s",
			   unmatched, filter_note(s)[0] ? "; " : "", filter_note(s));
	free(rows);
}

const struct pane pane_wake = {
	.name = "wake",
	.title = "Wakeups",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.cols = wake_cols,
	.ncols = W__N,
	.sort = W_RATE,
	.build = build_wake,
};

enum { R_VM, R_NOTIFY, R_COUNT, R_RATE, R_P50, R_P99, R_MAX, R_RUN, R_INJECT, R_VCPU, R__N };

static const struct table_col rt_cols[R__N] = {
	[R_VM] = { "VM", 16, 6, ALIGN_LEFT, 3 },
	[R_NOTIFY] = { "NOTIFY", 18, 8, ALIGN_LEFT, 0 },
	[R_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 5 },
	[R_RATE] = { "RT/S", 7, 0, ALIGN_RIGHT, 0 },
	[R_P50] = { "P50", 7, 0, ALIGN_RIGHT, 0 },
	[R_P99] = { "P99", 7, 0, ALIGN_RIGHT, 1 },
	/* Dropped after the parts' means, before P99: means above P99 show their outlier. */
	[R_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 1 },
	[R_RUN] = { "->IOTHR", 7, 0, ALIGN_RIGHT, 2 },
	[R_INJECT] = { "->IRQ", 7, 0, ALIGN_RIGHT, 2 },
	[R_VCPU] = { "->VCPU", 7, 0, ALIGN_RIGHT, 2 },
};

static const struct table_col rt_cols_vm[R__N] = {
	[R_VM] = { "", 16, 0, ALIGN_LEFT, 3 },
	[R_NOTIFY] = { "NOTIFY", 18, 8, ALIGN_LEFT, 0 },
	[R_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 5 },
	[R_RATE] = { "RT/S", 7, 0, ALIGN_RIGHT, 0 },
	[R_P50] = { "P50", 7, 0, ALIGN_RIGHT, 0 },
	[R_P99] = { "P99", 7, 0, ALIGN_RIGHT, 1 },
	/* Dropped after the parts' means, before P99: means above P99 show their outlier. */
	[R_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 1 },
	[R_RUN] = { "->IOTHR", 7, 0, ALIGN_RIGHT, 2 },
	[R_INJECT] = { "->IRQ", 7, 0, ALIGN_RIGHT, 2 },
	[R_VCPU] = { "->VCPU", 7, 0, ALIGN_RIGHT, 2 },
};

static double rt_key(const struct snap_wake_rt *r, int col)
{
	switch (col) {
	case R_NOTIFY:
		return -(double)r->addr; /* ascending */
	case R_P50:
		return (double)r->p50_ns;
	case R_P99:
		return (double)r->p99_ns;
	case R_MAX:
		return (double)r->max_ns;
	case R_RUN:
		return r->notify_run_ns;
	case R_INJECT:
		return r->run_inject_ns;
	case R_VCPU:
		return r->inject_run_ns;
	default:
		return (double)r->count;
	}
}

static int rt_cmp(const void *pa, const void *pb, void *arg)
{
	const struct wake_ref *a = pa, *b = pb;
	const struct wake_sort *by = arg;
	double ka = rt_key(a->r, by->col), kb = rt_key(b->r, by->col);
	int c;

	if (a->vm->gone != b->vm->gone)
		return a->vm->gone ? 1 : -1;
	if (a->r->other != b->r->other)
		return a->r->other ? 1 : -1;
	c = ka > kb ? -1 : ka < kb ? 1 : 0;
	if (!c)
		c = a->r->count > b->r->count ? -1 : a->r->count < b->r->count;
	if (!c)
		c = a->vm->pid < b->vm->pid ? -1 : a->vm->pid > b->vm->pid;
	return by->reverse ? -c : c;
}

static void build_rt(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char b[FMT_MAX], lb[SNAP_LABEL_MAX];
	struct wake_ref *rows = NULL;
	const struct snap_vm *v;
	int i, k, n = 0, cap = 0;
	struct wake_sort by = { .col = o->sort >= 0 && o->sort < R__N ? o->sort : R_COUNT,
				.reverse = o->reverse };
	bool gone;

	table_begin(t, rt_cols, R__N, "Notify to interrupt round trips");
	v = scope_vm(s, o, t, rt_cols_vm, R__N, "Notify to interrupt round trips", &gone);
	if (gone)
		return;
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];

		if (v ? sv != v : !pane_vm_visible(sv, o))
			continue;
		if (!sv->wake)
			continue;
		rows = xgrow(rows, &cap, n + sv->wake->nrts, sizeof(*rows));
		for (k = 0; k < sv->wake->nrts; k++) {
			rows[n].vm = sv;
			rows[n].e = NULL;
			rows[n++].r = &sv->wake->rts[k];
		}
	}
	if (n)
		qsort_r(rows, (size_t)n, sizeof(*rows), rt_cmp, &by);
	for (i = 0; i < n; i++) {
		const struct snap_wake_rt *r = rows[i].r;

		table_row(t,
			  rows[i].vm->gone ? ROW_DIM
			  : r->other	   ? ROW_TOTAL
					   : ROW_NORMAL,
			  v ? (int64_t)r->addr : rows[i].vm->pid, r->kind);
		if (!v)
			table_set_raw(t, R_VM, snap_vm_label(rows[i].vm, lb, sizeof(lb)), o->utf8);
		if (r->other)
			table_set(t, R_NOTIFY, "other");
		else
			table_set(t, R_NOTIFY, "%s 0x%" PRIx64, r->kind == HOT_PIO ? "pio" : "mmio",
				  r->addr);
		table_set(t, R_COUNT, "%s", fmt_si(b, (double)r->count));
		table_set(t, R_RATE, "%s", fmt_si(b, r->rate));
		table_set(t, R_P50, "%s", fmt_ns(b, (double)r->p50_ns));
		table_set(t, R_P99, "%s", fmt_ns(b, (double)r->p99_ns));
		table_set(t, R_MAX, "%s", fmt_ns(b, (double)r->max_ns));
		table_set(t, R_RUN, "%s", fmt_ns(b, r->notify_run_ns));
		table_set(t, R_INJECT, "%s", fmt_ns(b, r->run_inject_ns));
		table_set(t, R_VCPU, "%s", fmt_ns(b, r->inject_run_ns));
	}
	if (n)
		table_note(t,
			   "means of the parts: notify -> iothread running -> interrupt injected "
			   "-> vCPU running");
	free(rows);
}

const struct pane pane_roundtrip = {
	.name = "roundtrip",
	.title = "Round trips",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.cols = rt_cols,
	.ncols = R__N,
	.sort = R_COUNT,
	.build = build_rt,
};
