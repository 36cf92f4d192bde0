// SPDX-License-Identifier: GPL-2.0
/*
 * Hot I/O ports, MMIO addresses and MSRs: the busiest across VMs (host scope, with a VM
 * column), or one VM's top addresses of each kind with the "other" bucket of the rest;
 * scope.hot_only keeps one kind. And the hints: remedies for the patterns that dominate.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fmt.h"
#include "pane.h"

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
	H_HIST,
	H_SHARE,
	H_TIME,
	H_MEAN,
	H__N
};

/* Hidden keys: ties go by these, never shown. */
enum { HK_PID = H__N, HK__N };

static const struct table_col hot_cols[H__N] = {
	[H_VM] = PANE_COL_VM(4),
	[H_KIND] = TABLE_TEXT("KIND", 4, 0, 5),
	[H_ADDR] = TABLE_TEXT("ADDR", 18, 0, 0),
	[H_NAME] = TABLE_TEXT("NAME", 24, 8, 1),
	[H_RW] = TABLE_TEXT("RW", 2, 0, 6),
	[H_SIZE] = TABLE_NUMBER("SIZE", 4, 8),
	[H_BY] = TABLE_TEXT("BY", 3, 0, 7),
	[H_COUNT] = TABLE_NUMBER("COUNT", 7, 9),
	[H_RATE] = TABLE_NUMBER("RATE/S", 7, 0),
	[H_HIST] = PANE_COL_SPARK(10),
	[H_SHARE] = TABLE_NUMBER("SHARE%", 6, 2),
	[H_TIME] = TABLE_NUMBER("TIME%", 6, 3),
	[H_MEAN] = TABLE_NUMBER("MEAN", 7, 6),
};

/* Ties by count, then by kind and address, then by VM. */
static const struct table_spec hot_table = {
	.cols = hot_cols,
	.ncols = H__N,
	.nkeys = HK__N,
	.sort = H_RATE,
	.ties = (const struct table_tie[]){ { H_COUNT }, { H_KIND }, { H_ADDR }, { HK_PID },
					    { -1 } },
};

static bool kvm_exit_fires(const struct snap_vm *v)
{
	int i;

	for (i = 0; i < v->nexits; i++)
		if (v->exits[i].kind == EXIT_KIND_HW)
			return true;
	return false;
}

/* What the RW column says of the accesses seen: HOT_READ | HOT_WRITE. */
static const char *const rw_names[] = { "", "R", "W", "RW" };

/* Adds the rows of one VM's hot addresses: of the kind scope.hot_only asks, if it does. */
static void add_rows(struct table *t, const struct snap_vm *v, const struct pane_opts *o,
		     bool *timed_user)
{
	char lb[SNAP_LABEL_MAX], esc[TABLE_CELL_MAX], b[FMT_MAX];
	const char *label = snap_vm_label(v, lb, sizeof(lb));
	int i;

	/* Escaped once for all its rows. */
	pane_escape(label, o, esc, sizeof(esc));
	for (i = 0; i < v->nhot; i++) {
		const struct snap_hot *h = &v->hot[i];
		enum row_attr attr = ROW_NORMAL;

		if (o->scope.hot_only && h->kind != o->scope.hot_only - 1)
			continue;
		/* Across VMs, the addresses themselves; a VM's own table shows its bucket. */
		if (h->other && o->scope.kind == SCOPE_HOST)
			continue;
		if (v->gone)
			attr = ROW_DIM;
		else if (h->other)
			attr = ROW_TOTAL;
		else if (v->nhints && h->rate >= HINT_MIN_RATE && h->pattern)
			attr = ROW_HOT;
		table_row(t, attr, v->gone ? TABLE_ROW_GONE : 0,
			  &(struct table_ref){ .kind = REF_HOT,
					       .pid = v->pid,
					       .id = h->addr,
					       .hot = (uint8_t)(h->kind + 1),
					       .other = h->other });
		table_put(t, H_VM, esc);
		table_key_text(t, H_VM, label);
		table_put(t, H_KIND, snap_hot_kind_name(h->kind));
		table_key_id(t, H_KIND, h->kind);
		if (h->other) {
			table_put(t, H_ADDR, "-");
		} else {
			table_put(t, H_ADDR, fmt_hex(b, h->addr));
			table_put(t, H_RW, rw_names[h->rw & (HOT_READ | HOT_WRITE)]);
			if (h->size)
				table_put(t, H_SIZE, fmt_int(b, h->size));
			table_put(t, H_BY, h->user ? "vmm" : "kvm");
		}
		table_key_id(t, H_ADDR, h->addr);
		table_key_id(t, H_RW, h->rw);
		table_key_num(t, H_SIZE, h->size);
		table_key_id(t, H_BY, h->user);
		table_set_raw(t, H_NAME, h->name, o->utf8);
		table_key_text(t, H_NAME, h->name);
		table_si(t, H_COUNT, (double)h->count);
		table_mark(t, H_COUNT, h->est);
		/* The rate sorts by the count: the same order over one window, exactly. */
		table_si(t, H_RATE, h->rate);
		table_mark(t, H_RATE, h->est);
		table_key_num(t, H_RATE, (double)h->count);
		pane_spark(t, H_HIST, o, v, SPARK_HOT, h->kind, h->other ? UINT64_MAX : h->addr);
		table_pct(t, H_SHARE, h->share);
		table_mark(t, H_SHARE, h->est);
		table_pct(t, H_TIME, h->time_share);
		table_mark(t, H_TIME, h->est && h->time_share >= 0);
		table_ns(t, H_MEAN, h->mean_ns);
		table_key_id(t, HK_PID, (uint64_t)v->pid);
		*timed_user |= h->user && h->total_ns;
	}
}

static void fill_hot(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	static const char *const whats[] = { "ports", "MMIO addresses", "MSRs" };
	char why[SNAP_WHY_MAX + 32], what[32];
	const char *off = pane_trace_why(s, why, sizeof(why));
	bool hw = false, timed_user = false, gone;
	const struct snap_vm *v;
	int i;

	snprintf(what, sizeof(what), "Hot %s",
		 o->scope.hot_only > 0 && o->scope.hot_only <= 3 ? whats[o->scope.hot_only - 1]
								  : "addresses");
	v = pane_begin(s, o, t, &hot_table, what, &gone);
	if (gone)
		return;
	if (!v) {
		for (i = 0; i < s->nvms; i++) {
			if (!pane_vm_visible(&s->vms[i], o))
				continue;
			add_rows(t, &s->vms[i], o, &timed_user);
			hw |= kvm_exit_fires(&s->vms[i]);
		}
	} else {
		add_rows(t, v, o, &timed_user);
		hw = kvm_exit_fires(v);
	}
	if (!t->nrows)
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
}

const struct pane pane_hot = {
	.name = "hot",
	.title = "Hot addresses",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.table = &hot_table,
	.rank = 4,
	.open = { [SCOPE_HOST] = PANE_OPEN_HOT },
	.fill = fill_hot,
};

enum { N_HINT, N__N };

static const struct table_col hint_cols[N__N] = {
	[N_HINT] = TABLE_TEXT("HINT", 0, 20, 0),
};

static const struct table_spec hint_table = {
	.cols = hint_cols,
	.ncols = N__N,
	.sort = -1,
};

/* One column, the VM named in it across VMs: a long hint never pushes the VM out. */
static void fill_hints(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char lb[SNAP_LABEL_MAX], buf[SNAP_LABEL_MAX + sizeof(s->vms->hints->text)];
	int i, k, n = 0;

	table_begin(t, &hint_table, 0, "Hints");
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];

		if (o->scope.kind == SCOPE_HOST ? !pane_vm_visible(v, o) || v->gone
						: v != snapshot_vm(s, o->scope.pid))
			continue;
		for (k = 0; k < v->nhints; k++, n++) {
			table_row(t, ROW_HOT, 0,
				  &(struct table_ref){ .kind = REF_HINT, .pid = v->pid, .id = k });
			if (o->scope.kind == SCOPE_HOST)
				snprintf(buf, sizeof(buf), "%s: %s",
					 snap_vm_label(v, lb, sizeof(lb)), v->hints[k].text);
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
	.table = &hint_table,
	.rank = 6,
	.open = { [SCOPE_HOST] = PANE_OPEN_VM },
	.fill = fill_hints,
};
