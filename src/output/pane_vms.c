// SPDX-License-Identifier: GPL-2.0
/* The VM list (host scope) and a VM's threads (VM scope). */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { V_NAME, V_PID, V_VCPUS, V_IOTH, V_EXITS, V_TOP, V_EXITPCT, V_CPU, V_GUEST, V_HOST, V_STEAL,
       V__N };

static const struct table_col vm_cols[V__N] = {
	[V_NAME] = { "NAME", 32, 8, ALIGN_LEFT, 0 },
	[V_PID] = { "PID", 8, 0, ALIGN_RIGHT, 0 },
	[V_VCPUS] = { "VCPU", 5, 0, ALIGN_RIGHT, 3 },
	[V_IOTH] = { "IOTH", 5, 0, ALIGN_RIGHT, 5 },
	[V_EXITS] = { "EXITS/S", 7, 0, ALIGN_RIGHT, 0 },
	[V_TOP] = { "TOP EXIT", 20, 0, ALIGN_LEFT, 2 },
	[V_EXITPCT] = { "EXIT%", 6, 0, ALIGN_RIGHT, 3 },
	[V_CPU] = { "CPU%", 6, 0, ALIGN_RIGHT, 0 },
	[V_GUEST] = { "GUEST%", 6, 0, ALIGN_RIGHT, 4 },
	[V_HOST] = { "HOST%", 6, 0, ALIGN_RIGHT, 1 },
	[V_STEAL] = { "STEAL%", 6, 0, ALIGN_RIGHT, 2 },
};

/* How qsort_r orders VMs: the column and direction. */
struct vm_sort {
	int col;
	bool reverse;
};

/* Returns the percent of a vCPU's time spent handling exits (kernel and VMM), -1 unknown. */
static double exit_pct(const struct snap_vm *v)
{
	if (v->split.source == SPLIT_NONE || v->split.kernel < 0)
		return -1;
	return v->split.kernel + (v->split.user > 0 ? v->split.user : 0);
}

static double vm_key(const struct snap_vm *v, int col)
{
	switch (col) {
	case V_PID:
		return v->pid;
	case V_VCPUS:
		return v->nvcpus;
	case V_IOTH:
		return v->niothreads;
	case V_EXITPCT:
		return exit_pct(v);
	case V_CPU:
		return v->cpu.cpu;
	case V_GUEST:
		return v->cpu.guest;
	case V_HOST:
		return v->cpu.host;
	case V_STEAL:
		return v->cpu.steal;
	default:
		return v->exits_rate;
	}
}

static int vm_cmp(const void *pa, const void *pb, void *arg)
{
	const struct snap_vm *a = *(const struct snap_vm *const *)pa;
	const struct snap_vm *b = *(const struct snap_vm *const *)pb;
	const struct vm_sort *by = arg;
	int col = by->col, c = 0;
	char ba[64], bb[64];
	double ka, kb;

	if (a->gone != b->gone)
		return a->gone ? 1 : -1;
	if (col == V_NAME || col == V_TOP) {
		c = col == V_NAME ? strcmp(snap_vm_label(a, ba, sizeof(ba)), snap_vm_label(b, bb, sizeof(bb)))
				  : strcmp(a->top_exit, b->top_exit);
	} else {
		/* Numbers sort biggest first; ties fall back to CPU%, then pid. */
		ka = vm_key(a, col);
		kb = vm_key(b, col);
		if (ka == kb && col != V_CPU) {
			ka = a->cpu.cpu;
			kb = b->cpu.cpu;
		}
		c = ka > kb ? -1 : ka < kb ? 1 : 0;
		if (col == V_PID)
			c = -c;
	}
	if (!c)
		c = a->pid < b->pid ? -1 : a->pid > b->pid;
	return by->reverse ? -c : c;
}

static void build_vms(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm **order = xcalloc((size_t)s->nvms + 1, sizeof(*order));
	const struct snap_source *tr = snapshot_source(s, "tracefs");
	bool traced = tr && (tr->state == SNAP_SRC_OK || tr->state == SNAP_SRC_DEGRADED);
	char b[FMT_MAX], lb[SNAP_LABEL_MAX];
	struct vm_sort by;
	int i, n = 0;

	table_begin(t, vm_cols, V__N, "VMs");
	for (i = 0; i < s->nvms; i++)
		if (pane_vm_visible(&s->vms[i], o))
			order[n++] = &s->vms[i];
	by.col = o->sort >= 0 && o->sort < V__N ? o->sort : V_EXITS;
	by.reverse = o->reverse;
	qsort_r(order, (size_t)n, sizeof(*order), vm_cmp, &by);
	for (i = 0; i < n; i++) {
		const struct snap_vm *v = order[i];

		table_row(t, v->gone ? ROW_DIM : ROW_NORMAL, v->pid, 0);
		table_set_raw(t, V_NAME, snap_vm_label(v, lb, sizeof(lb)), o->utf8);
		if (v->gone) {
			/* Dimmed on screen; plain text needs a word. */
			table_set(t, V_TOP, "(gone)");
			continue;
		}
		table_set(t, V_PID, "%d", v->pid);
		table_set(t, V_VCPUS, "%d", v->nvcpus);
		table_set(t, V_IOTH, "%d", v->niothreads);
		table_set(t, V_EXITS, "%s", traced ? fmt_si(b, v->exits_rate) : "-");
		table_set(t, V_TOP, "%s", v->top_exit[0] ? v->top_exit : "-");
		table_set(t, V_EXITPCT, "%s", fmt_pct(b, exit_pct(v)));
		table_set(t, V_CPU, "%s", fmt_pct(b, v->cpu.cpu));
		table_set(t, V_GUEST, "%s", fmt_pct(b, v->cpu.guest));
		table_set(t, V_HOST, "%s", fmt_pct(b, v->cpu.host));
		table_set(t, V_STEAL, "%s", fmt_pct(b, v->cpu.steal));
	}
	/* Not seeing a VM is not knowing there is none: say what procfs could not read. */
	if (n && s->procfs.others_hidden)
		table_note(t, "other users' VMs are not visible without root");
	else if (s->nvms && !n)
		table_note(t, "no VM matches the filter");
	else if (!n && s->procfs.others_hidden)
		table_note(t, "no KVM VMs of this user; other users' VMs are not visible without root");
	else if (!n && s->procfs.unreadable_vmms == 1)
		table_note(t, "no KVM VMs found; a process that looks like a VMM could not be read");
	else if (!n && s->procfs.unreadable_vmms)
		table_note(t, "no KVM VMs found; %d processes that look like VMMs could not be read",
			   s->procfs.unreadable_vmms);
	else if (!n)
		table_note(t, "no KVM VMs on this host");
	free(order);
}

const struct pane pane_vms = {
	.name = "vms",
	.title = "VMs",
	.scopes = SCOPE_F(SCOPE_HOST),
	.cols = vm_cols,
	.ncols = V__N,
	.sort = V_EXITS,
	.build = build_vms,
};

enum { T_NAME, T_TID, T_CPU, T_GUEST, T_HOST, T_STEAL, T_CS, T_TASK, T_PCS, T_MIGR, T_IPC, T__N };

static const struct table_col thread_cols[T__N] = {
	[T_NAME] = { "THREAD", 24, 8, ALIGN_LEFT, 0 },
	[T_TID] = { "TID", 8, 0, ALIGN_RIGHT, 3 },
	[T_CPU] = { "CPU%", 6, 0, ALIGN_RIGHT, 0 },
	[T_GUEST] = { "GUEST%", 6, 0, ALIGN_RIGHT, 2 },
	[T_HOST] = { "HOST%", 6, 0, ALIGN_RIGHT, 1 },
	[T_STEAL] = { "STEAL%", 6, 0, ALIGN_RIGHT, 1 },
	[T_CS] = { "CSW/S", 7, 0, ALIGN_RIGHT, 4 },
	/* perf counters (probes/perf.c) */
	[T_TASK] = { "TASK%", 6, 0, ALIGN_RIGHT, 5 },
	[T_PCS] = { "CS/S", 6, 0, ALIGN_RIGHT, 6 },
	[T_MIGR] = { "MIGR/S", 6, 0, ALIGN_RIGHT, 7 },
	[T_IPC] = { "IPC", 11, 0, ALIGN_RIGHT, 6 },
};

/* Fills the perf columns of a thread row: "-" where a counter is not counted. */
static void perf_cells(struct table *t, const struct snap_thread *th)
{
	const struct snap_counter *c;
	char b[FMT_MAX];

	if (th->kind == THREAD_OTHER)
		return;
	c = snap_counter_find(th->counters, th->ncounters, "task-clock");
	table_set(t, T_TASK, "%s", c && !c->why[0] ? fmt_pct(b, c->share) : "-");
	c = snap_counter_find(th->counters, th->ncounters, "context-switches");
	table_set(t, T_PCS, "%s", c && c->rate >= 0 ? fmt_si(b, c->rate) : "-");
	c = snap_counter_find(th->counters, th->ncounters, "cpu-migrations");
	table_set(t, T_MIGR, "%s", c && c->rate >= 0 ? fmt_si(b, c->rate) : "-");
	c = snap_counter_find(th->counters, th->ncounters, "ipc:mg");
	if (!c)
		c = snap_counter_find(th->counters, th->ncounters, "ipc");
	if (c && c->why[0])
		table_set(t, T_IPC, "n/a: %s", c->why);
	else if (c && c->ratio >= 0)
		table_set(t, T_IPC, "%.2f", c->ratio);
	else
		table_set(t, T_IPC, "-");
}

static void build_threads(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v = snapshot_vm(s, o->scope.pid);
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], esc[4 * sizeof(lb)];
	int i;

	table_begin(t, thread_cols, T__N, "Threads");
	if (!v) {
		table_note(t, "VM %d is gone", o->scope.pid);
		return;
	}
	table_begin(t, thread_cols, T__N, "Threads of %s",
		    pane_title_text(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc)));
	for (i = 0; i < v->nthreads; i++) {
		const struct snap_thread *th = &v->threads[i];

		if (o->scope.kind == SCOPE_VCPU && th->tid != o->scope.tid)
			continue;
		table_row(t, th->gone ? ROW_DIM : ROW_NORMAL, th->tid, th->kind);
		table_set_raw(t, T_NAME, pane_thread_label(th, lb, sizeof(lb)), o->utf8);
		if (th->tid)
			table_set(t, T_TID, "%d", th->tid);
		table_set(t, T_CPU, "%s", fmt_pct(b, th->cpu.cpu));
		table_set(t, T_GUEST, "%s", fmt_pct(b, th->cpu.guest));
		table_set(t, T_HOST, "%s", fmt_pct(b, th->cpu.host));
		table_set(t, T_STEAL, "%s", fmt_pct(b, th->cpu.steal));
		table_set(t, T_CS, "%s", fmt_si(b, th->cpu.cs));
		perf_cells(t, th);
	}
}

const struct pane pane_threads = {
	.name = "threads",
	.title = "Threads",
	.scopes = SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.cols = thread_cols,
	.ncols = T__N,
	.sort = -1,
	.build = build_threads,
};
