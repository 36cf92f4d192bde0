// SPDX-License-Identifier: GPL-2.0
/*
 * Hot I/O ports, MMIO addresses and MSRs: the busiest across VMs (host scope, with a VM
 * column), or one VM's top addresses of each kind with the "other" bucket of the rest;
 * scope.hot_only keeps one kind. And the hints: remedies for the patterns that dominate.
 * A row's key is the VM's pid (host scope) or the address; key2 its enum hot_kind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum {
	H_VM,
	H_KIND,
	H_ADDR,
	H_NAME,
	H_RW,
	H_SIZE,
	H_BY,
	H_COUNT,
	H_RATE,
	H_SHARE,
	H_TIME,
	H_MEAN,
	H__N
};

static const struct table_col hot_cols[H__N] = {
	[H_VM] = { "VM", 16, 6, ALIGN_LEFT, 4 },
	[H_KIND] = { "KIND", 4, 0, ALIGN_LEFT, 5 },
	[H_ADDR] = { "ADDR", 18, 0, ALIGN_LEFT, 0 },
	[H_NAME] = { "NAME", 24, 8, ALIGN_LEFT, 1 },
	[H_RW] = { "RW", 2, 0, ALIGN_LEFT, 6 },
	[H_SIZE] = { "SIZE", 4, 0, ALIGN_RIGHT, 8 },
	[H_BY] = { "BY", 3, 0, ALIGN_LEFT, 7 },
	[H_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 9 },
	[H_RATE] = { "RATE/S", 7, 0, ALIGN_RIGHT, 0 },
	[H_SHARE] = { "SHARE%", 6, 0, ALIGN_RIGHT, 2 },
	[H_TIME] = { "TIME%", 6, 0, ALIGN_RIGHT, 3 },
	[H_MEAN] = { "MEAN", 7, 0, ALIGN_RIGHT, 6 },
};

/* Inside one VM the VM column stays empty: untitled, it takes no width. */
static const struct table_col hot_cols_vm[H__N] = {
	[H_VM] = { "", 16, 0, ALIGN_LEFT, 4 },
	[H_KIND] = { "KIND", 4, 0, ALIGN_LEFT, 5 },
	[H_ADDR] = { "ADDR", 18, 0, ALIGN_LEFT, 0 },
	[H_NAME] = { "NAME", 24, 8, ALIGN_LEFT, 1 },
	[H_RW] = { "RW", 2, 0, ALIGN_LEFT, 6 },
	[H_SIZE] = { "SIZE", 4, 0, ALIGN_RIGHT, 8 },
	[H_BY] = { "BY", 3, 0, ALIGN_LEFT, 7 },
	[H_COUNT] = { "COUNT", 7, 0, ALIGN_RIGHT, 9 },
	[H_RATE] = { "RATE/S", 7, 0, ALIGN_RIGHT, 0 },
	[H_SHARE] = { "SHARE%", 6, 0, ALIGN_RIGHT, 2 },
	[H_TIME] = { "TIME%", 6, 0, ALIGN_RIGHT, 3 },
	[H_MEAN] = { "MEAN", 7, 0, ALIGN_RIGHT, 6 },
};

/* A row to show: a hot address of a VM. */
struct hot_ref {
	const struct snap_vm *vm;
	const struct snap_hot *h;
};

struct hot_sort {
	int col;
	bool reverse;
};

static double hot_key(const struct snap_hot *h, int col)
{
	switch (col) {
	case H_ADDR:
		return -(double)h->addr; /* ascending */
	case H_SIZE:
		return h->size;
	case H_SHARE:
		return h->share;
	case H_TIME:
		return h->time_share;
	case H_MEAN:
		return h->mean_ns;
	default:
		return (double)h->count;
	}
}

static int hot_cmp(const void *pa, const void *pb, void *arg)
{
	const struct hot_ref *a = pa, *b = pb;
	const struct hot_sort *by = arg;
	char la[SNAP_LABEL_MAX], lb[SNAP_LABEL_MAX];
	double ka, kb;
	int c = 0;

	/* Gone VMs and other buckets stay at the bottom whatever the order. */
	if (a->vm->gone != b->vm->gone)
		return a->vm->gone ? 1 : -1;
	if (a->h->other != b->h->other)
		return a->h->other ? 1 : -1;
	if (by->col == H_VM)
		c = strcmp(snap_vm_label(a->vm, la, sizeof(la)),
			   snap_vm_label(b->vm, lb, sizeof(lb)));
	else if (by->col == H_NAME)
		c = strcmp(a->h->name, b->h->name);
	else if (by->col == H_KIND || by->col == H_RW || by->col == H_BY)
		c = by->col == H_KIND ? a->h->kind - b->h->kind
		    : by->col == H_RW ? a->h->rw - b->h->rw
				      : a->h->user - b->h->user;
	if (!c) {
		ka = hot_key(a->h, by->col);
		kb = hot_key(b->h, by->col);
		if (ka == kb) {
			ka = (double)a->h->count;
			kb = (double)b->h->count;
		}
		c = ka > kb ? -1 : ka < kb ? 1 : 0;
	}
	if (!c)
		c = a->h->kind != b->h->kind  ? a->h->kind - b->h->kind
		    : a->h->addr < b->h->addr ? -1
					      : a->h->addr > b->h->addr;
	if (!c)
		c = a->vm->pid < b->vm->pid ? -1 : a->vm->pid > b->vm->pid;
	return by->reverse ? -c : c;
}

static bool kvm_exit_fires(const struct snap_vm *v)
{
	int i;

	for (i = 0; i < v->nexits; i++)
		if (v->exits[i].kind == EXIT_KIND_HW)
			return true;
	return false;
}

static void add_rows(struct hot_ref **rows, int *n, int *cap, const struct snap_vm *v,
		     const struct pane_opts *o)
{
	int i;

	*rows = xgrow(*rows, cap, *n + v->nhot, sizeof(**rows));
	for (i = 0; i < v->nhot; i++) {
		const struct snap_hot *h = &v->hot[i];

		if (o->scope.hot_only && h->kind != o->scope.hot_only - 1)
			continue;
		/* Across VMs, the addresses themselves; a VM's own table shows its bucket. */
		if (h->other && o->scope.kind == SCOPE_HOST)
			continue;
		(*rows)[*n].vm = v;
		(*rows)[*n].h = h;
		(*n)++;
	}
}

static void build_hot(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v;
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], why[SNAP_WHY_MAX + 32];
	char esc[4 * (SNAP_LABEL_MAX)];
	const char *off = pane_trace_why(s, why, sizeof(why));
	static const char *const whats[] = { "ports", "MMIO addresses", "MSRs" };
	const char *what = o->scope.hot_only > 0 && o->scope.hot_only <= 3
				   ? whats[o->scope.hot_only - 1]
				   : "addresses";
	struct hot_ref *rows = NULL;
	int i, n = 0, cap = 0;
	bool hw = false, timed_user = false;
	struct hot_sort by;

	table_begin(t, hot_cols, H__N, "Hot %s", what);
	if (o->scope.kind == SCOPE_HOST) {
		for (i = 0; i < s->nvms; i++) {
			if (!pane_vm_visible(&s->vms[i], o))
				continue;
			add_rows(&rows, &n, &cap, &s->vms[i], o);
			hw |= kvm_exit_fires(&s->vms[i]);
		}
	} else {
		v = snapshot_vm(s, o->scope.pid);
		if (!v) {
			table_note(t, "VM %d is gone", o->scope.pid);
			return;
		}
		table_begin(t, hot_cols_vm, H__N, "Hot %s of %s", what,
			    pane_title_text(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc)));
		add_rows(&rows, &n, &cap, v, o);
		hw = kvm_exit_fires(v);
	}
	by.col = o->sort >= 0 && o->sort < H__N ? o->sort : H_RATE;
	by.reverse = o->reverse;
	if (n)
		qsort_r(rows, (size_t)n, sizeof(*rows), hot_cmp, &by);
	for (i = 0; i < n; i++) {
		const struct snap_hot *h = rows[i].h;
		enum row_attr attr = ROW_NORMAL;

		if (rows[i].vm->gone)
			attr = ROW_DIM;
		else if (h->other)
			attr = ROW_TOTAL;
		else if (rows[i].vm->nhints && h->rate >= HINT_MIN_RATE && h->pattern)
			attr = ROW_HOT;
		table_row(t, attr, o->scope.kind == SCOPE_HOST ? rows[i].vm->pid : (int64_t)h->addr,
			  h->kind);
		if (o->scope.kind == SCOPE_HOST)
			table_set_raw(t, H_VM, snap_vm_label(rows[i].vm, lb, sizeof(lb)), o->utf8);
		table_set(t, H_KIND, "%s", snap_hot_kind_name(h->kind));
		if (h->other) {
			table_set(t, H_ADDR, "-");
		} else {
			table_set(t, H_ADDR, "0x%" PRIx64, h->addr);
			table_set(t, H_RW, "%s%s", h->rw & HOT_READ ? "R" : "",
				  h->rw & HOT_WRITE ? "W" : "");
			if (h->size)
				table_set(t, H_SIZE, "%u", h->size);
			table_set(t, H_BY, "%s", h->user ? "vmm" : "kvm");
		}
		table_set_raw(t, H_NAME, h->name, o->utf8);
		table_set(t, H_COUNT, "%s", fmt_si(b, (double)h->count));
		table_set(t, H_RATE, "%s", fmt_si(b, h->rate));
		table_set(t, H_SHARE, "%s", fmt_pct(b, h->share));
		table_set(t, H_TIME, "%s", fmt_pct(b, h->time_share));
		table_set(t, H_MEAN, "%s", fmt_ns(b, h->mean_ns));
		timed_user |= h->user && h->total_ns;
	}
	if (!n)
		table_note(t, "%s", off ? off : "nothing in the window");
	else if (hw)
		table_note(t,
			   "SHARE%%: of the VM's accesses of the kind; TIME%%: of its vCPU time, "
			   "kvm_exit to kvm_entry; BY vmm: answered in userspace");
	else
		table_note(t,
			   "SHARE%%: of the VM's accesses of the kind; TIME%%: of its vCPU time, "
			   "%s; BY vmm: answered in userspace",
			   timed_user ? "the VMM's part only (no kvm_entry here)"
				      : "unknown without kvm_exit/kvm_entry");
	free(rows);
}

const struct pane pane_hot = {
	.name = "hot",
	.title = "Hot addresses",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.cols = hot_cols,
	.ncols = H__N,
	.sort = H_RATE,
	.build = build_hot,
};

enum { N_HINT, N__N };

static const struct table_col hint_cols[N__N] = {
	[N_HINT] = { "HINT", 0, 20, ALIGN_LEFT, 0 },
};

/* One column, the VM named in it across VMs: a long hint never pushes the VM out. */
static void build_hints(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char lb[SNAP_LABEL_MAX], buf[SNAP_LABEL_MAX + sizeof(s->vms->hints->text)];
	int i, k, n = 0;

	table_begin(t, hint_cols, N__N, "Hints");
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];

		if (o->scope.kind == SCOPE_HOST ? !pane_vm_visible(v, o) || v->gone
						: v != snapshot_vm(s, o->scope.pid))
			continue;
		for (k = 0; k < v->nhints; k++, n++) {
			table_row(t, ROW_HOT, v->pid, k);
			if (o->scope.kind == SCOPE_HOST)
				snprintf(buf, sizeof(buf), "%s: %s", snap_vm_label(v, lb, sizeof(lb)),
					 v->hints[k].text);
			else
				snprintf(buf, sizeof(buf), "%s", v->hints[k].text);
			table_set_raw(t, N_HINT, buf, o->utf8);
		}
	}
}

const struct pane pane_hints = {
	.name = "hints",
	.title = "Hints",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.cols = hint_cols,
	.ncols = N__N,
	.sort = -1,
	.build = build_hints,
};
