// SPDX-License-Identifier: GPL-2.0
/*
 * Exit reasons: the busiest across VMs (host scope, with a VM column), one VM's, or one
 * vCPU's. A row's key is the VM's pid (host scope) or the reason; key2 is the hot kind whose
 * addresses lie behind it (enum hot_kind), -1 for none, so Enter can open them.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { X_VM, X_REASON, X_COUNT, X_RATE, X_SHARE, X_TIME, X_MEAN, X_P99, X_MAX, X__N };

/*
 * A narrow screen drops COUNT first (EXITS/S says as much), then P99 before MAX: a MEAN above
 * P99 (a few long exits) always shows the MAX that explains it.
 */
static const struct table_col exit_cols[X__N] = {
	[X_VM] = { "VM", 16, 6, ALIGN_LEFT, 3 },
	[X_REASON] = { "REASON", 24, 10, ALIGN_LEFT, 0 },
	[X_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 7 },
	[X_RATE] = { "EXITS/S", 7, 0, ALIGN_RIGHT, 0 },
	[X_SHARE] = { "SHARE%", 6, 0, ALIGN_RIGHT, 1 },
	[X_TIME] = { "TIME%", 6, 0, ALIGN_RIGHT, 2 },
	[X_MEAN] = { "MEAN", 7, 0, ALIGN_RIGHT, 4 },
	[X_P99] = { "P99", 7, 0, ALIGN_RIGHT, 6 },
	[X_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 5 },
};

/* Inside one VM the VM column stays empty: untitled, it takes no width. */
static const struct table_col exit_cols_vm[X__N] = {
	[X_VM] = { "", 16, 0, ALIGN_LEFT, 3 },
	[X_REASON] = { "REASON", 24, 10, ALIGN_LEFT, 0 },
	[X_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 7 },
	[X_RATE] = { "EXITS/S", 7, 0, ALIGN_RIGHT, 0 },
	[X_SHARE] = { "SHARE%", 6, 0, ALIGN_RIGHT, 1 },
	[X_TIME] = { "TIME%", 6, 0, ALIGN_RIGHT, 2 },
	[X_MEAN] = { "MEAN", 7, 0, ALIGN_RIGHT, 4 },
	[X_P99] = { "P99", 7, 0, ALIGN_RIGHT, 6 },
	[X_MAX] = { "MAX", 7, 0, ALIGN_RIGHT, 5 },
};

/* An exit is shown as storming from the hint rate and this share of its scope's exits. */
#define EXITS_HOT_SHARE 25.0

/* A row to show: an exit of a VM. */
struct exit_ref {
	const struct snap_vm *vm;
	const struct snap_exit *e;
};

/* How qsort_r orders rows: the column and direction. */
struct exit_sort {
	int col;
	bool reverse;
};

static double exit_key(const struct snap_exit *e, int col)
{
	switch (col) {
	case X_SHARE:
		return e->share;
	case X_TIME:
		return e->time_share;
	case X_MEAN:
		return e->mean_ns;
	case X_P99:
		return (double)e->p99_ns;
	case X_MAX:
		return (double)e->max_ns;
	default:
		return (double)e->count;
	}
}

static int exit_cmp(const void *pa, const void *pb, void *arg)
{
	const struct exit_ref *a = pa, *b = pb;
	const struct exit_sort *by = arg;
	char la[SNAP_LABEL_MAX], lb[SNAP_LABEL_MAX];
	double ka, kb;
	int c = 0;

	if (a->vm->gone != b->vm->gone)
		return a->vm->gone ? 1 : -1;
	if (by->col == X_VM)
		c = strcmp(snap_vm_label(a->vm, la, sizeof(la)),
			   snap_vm_label(b->vm, lb, sizeof(lb)));
	else if (by->col == X_REASON)
		c = strcmp(a->e->name, b->e->name);
	if (!c) {
		/* Numbers biggest first; ties by count, then by name. */
		ka = exit_key(a->e, by->col);
		kb = exit_key(b->e, by->col);
		if (ka == kb) {
			ka = (double)a->e->count;
			kb = (double)b->e->count;
		}
		c = ka > kb ? -1 : ka < kb ? 1 : 0;
	}
	if (!c) {
		/* A userspace exit after the exit it follows, then names. */
		c = (a->e->kind == EXIT_KIND_USER) - (b->e->kind == EXIT_KIND_USER);
		if (!c)
			c = strcmp(a->e->name, b->e->name);
	}
	if (!c)
		c = a->vm->pid < b->vm->pid ? -1 : a->vm->pid > b->vm->pid;
	return by->reverse ? -c : c;
}

/* Returns the note for the rows shown: where they come from. */
static const char *source_note(bool hw, bool event)
{
	if (event)
		return "kvm_exit does not fire here: rows count kvm_pio/kvm_mmio/kvm_msr events; "
		       "KVM_EXIT_* from kvm_userspace_exit, timed to the completing access";
	if (hw)
		return "source: kvm_exit to kvm_entry (handling time); KVM_EXIT_* rows: "
		       "kvm_userspace_exit until back in KVM_RUN";
	return "";
}

static void add_vm_rows(struct exit_ref **rows, int *n, int *cap, const struct snap_vm *v,
			const struct snap_exit *e, int ne)
{
	int i;

	*rows = xgrow(*rows, cap, *n + ne, sizeof(**rows));
	for (i = 0; i < ne; i++) {
		(*rows)[*n].vm = v;
		(*rows)[*n].e = &e[i];
		(*n)++;
	}
}

static void build_exits(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v = NULL;
	const struct snap_thread *th = NULL;
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], why[SNAP_WHY_MAX + 32];
	char esc[4 * (SNAP_LABEL_MAX)];
	struct exit_ref *rows = NULL;
	int i, n = 0, cap = 0;
	bool hw = false, event = false;
	struct exit_sort by;
	const char *off = pane_trace_why(s, why, sizeof(why));

	table_begin(t, exit_cols, X__N, "Exits");
	if (o->scope.kind == SCOPE_HOST) {
		for (i = 0; i < s->nvms; i++)
			if (pane_vm_visible(&s->vms[i], o))
				add_vm_rows(&rows, &n, &cap, &s->vms[i], s->vms[i].exits,
					    s->vms[i].nexits);
	} else {
		v = snapshot_vm(s, o->scope.pid);
		if (!v) {
			table_note(t, "VM %d is gone", o->scope.pid);
			return;
		}
		if (o->scope.kind == SCOPE_VCPU) {
			th = snapshot_thread(v, o->scope.tid);
			if (!th) {
				table_note(t, "thread %d is gone", o->scope.tid);
				return;
			}
			table_begin(t, exit_cols_vm, X__N, "Exits of %s",
				    pane_title_text(pane_thread_label(th, lb, sizeof(lb)), o, esc,
						    sizeof(esc)));
			add_vm_rows(&rows, &n, &cap, v, th->exits, th->nexits);
		} else {
			table_begin(t, exit_cols_vm, X__N, "Exits of %s",
				    pane_title_text(snap_vm_label(v, lb, sizeof(lb)), o, esc,
						    sizeof(esc)));
			add_vm_rows(&rows, &n, &cap, v, v->exits, v->nexits);
		}
	}
	by.col = o->sort >= 0 && o->sort < X__N ? o->sort : X_RATE;
	by.reverse = o->reverse;
	if (n)
		qsort_r(rows, (size_t)n, sizeof(*rows), exit_cmp, &by);
	for (i = 0; i < n; i++) {
		const struct snap_exit *e = rows[i].e;
		enum row_attr attr = ROW_NORMAL;

		if (rows[i].vm->gone)
			attr = ROW_DIM;
		else if (e->kind != EXIT_KIND_USER && e->rate >= HINT_MIN_RATE &&
			 e->share >= EXITS_HOT_SHARE)
			attr = ROW_HOT;
		table_row(t, attr,
			  o->scope.kind == SCOPE_HOST ? rows[i].vm->pid : (int64_t)e->reason,
			  e->hot);
		if (o->scope.kind == SCOPE_HOST)
			table_set_raw(t, X_VM, snap_vm_label(rows[i].vm, lb, sizeof(lb)), o->utf8);
		table_set_raw(t, X_REASON, e->name, o->utf8);
		table_set(t, X_COUNT, "%s", fmt_si(b, (double)e->count));
		table_set(t, X_RATE, "%s", fmt_si(b, e->rate));
		table_set(t, X_SHARE, "%s", fmt_pct(b, e->share));
		table_set(t, X_TIME, "%s", fmt_pct(b, e->time_share));
		table_set(t, X_MEAN, "%s", fmt_ns(b, e->mean_ns));
		table_set(t, X_P99, "%s", fmt_ns(b, (double)e->p99_ns));
		table_set(t, X_MAX, "%s", fmt_ns(b, (double)e->max_ns));
		hw |= e->kind == EXIT_KIND_HW;
		event |= e->kind == EXIT_KIND_EVENT;
	}
	if (off && !n)
		table_note(t, "%s", off);
	else if (!n)
		table_note(t, "no exits in the window");
	else
		table_note(t, "%s", source_note(hw, event));
	free(rows);
}

const struct pane pane_exits = {
	.name = "exits",
	.title = "Exits",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.cols = exit_cols,
	.ncols = X__N,
	.sort = X_RATE,
	.build = build_exits,
};
