// SPDX-License-Identifier: GPL-2.0
/*
 * Exit reasons: the busiest across VMs (host scope, with a VM column), one VM's, or one
 * vCPU's. A row stands for its exit reason and the kind of addresses behind it, so Enter can
 * open them.
 */
#include "pane.h"

enum {
	X_VM,
	X_REASON,
	X_COUNT,
	X_RATE,
	X_HIST,
	X_SHARE,
	X_TIME,
	X_MEAN,
	X_P99,
	X_MAX,
	X_VMM,
	X_VMM_MEAN,
	X_VMM_P99,
	X__N
};
/* Hidden keys: ties go by these, never shown. */
enum { XK_USER = X__N, XK_PID, XK__N };

/*
 * A narrow screen drops COUNT first (EXITS/S says as much), then P99 before MAX: a MEAN above
 * P99 (a few long exits) always shows the MAX that explains it. VMM% is the share of a
 * reason's exits that went on to the VMM (kvm_userspace_exit), VMM their mean time there,
 * VMM P99 its P99: part of the row, never rows of their own, so SHARE% sums to 100. HISTORY
 * is the reason's exits/s over the last minutes, the first to go when narrow.
 */
static const struct table_col exit_cols[X__N] = {
	[X_VM] = PANE_COL_VM(3),
	[X_REASON] = TABLE_TEXT("REASON", 24, 10, 0),
	[X_COUNT] = TABLE_NUMBER("COUNT", 7, 7),
	[X_RATE] = TABLE_NUMBER("EXITS/S", 7, 0),
	[X_HIST] = PANE_COL_SPARK(8),
	[X_SHARE] = TABLE_NUMBER("SHARE%", 6, 1),
	[X_TIME] = TABLE_NUMBER("TIME%", 6, 2),
	[X_MEAN] = TABLE_NUMBER("MEAN", 7, 4),
	[X_P99] = TABLE_NUMBER("P99", 7, 6),
	[X_MAX] = TABLE_NUMBER("MAX", 7, 5),
	[X_VMM] = TABLE_NUMBER("VMM%", 6, 3),
	[X_VMM_MEAN] = TABLE_NUMBER("VMM", 7, 4),
	[X_VMM_P99] = TABLE_NUMBER("VMM P99", 7, 7),
};

/* Ties by count, a userspace exit after the exit it follows, then by name, then by VM. */
static const struct table_spec exit_table = {
	.cols = exit_cols,
	.ncols = X__N,
	.nkeys = XK__N,
	.sort = X_RATE,
	.ties = (const struct table_tie[]){ { X_COUNT }, { XK_USER }, { X_REASON }, { XK_PID },
					    { -1 } },
};

/* An exit is shown as storming from the hint rate and this share of its scope's exits. */
#define EXITS_HOT_SHARE 25.0

/* Returns the note for the rows shown: where they come from. */
static const char *source_note(bool hw, bool event)
{
	if (event)
		return "kvm_exit does not fire here: rows count kvm_pio/kvm_mmio/kvm_msr events; "
		       "VMM%: of them, answered by the VMM (kvm_userspace_exit), VMM its time; "
		       "Enter: its distribution";
	if (hw)
		return "source: kvm_exit to kvm_entry (handling time); VMM%: of those exits, "
		       "the ones that went to the VMM, VMM its time until back in KVM_RUN; Enter: "
		       "its distribution";
	return "";
}

/* Adds the rows of one VM's (or vCPU's, tid) exits; sets *hw and *event by their kinds. */
static void add_rows(struct table *t, const struct pane_opts *o, const struct snap_vm *v, int tid,
		     const struct snap_exit *e, int ne, bool *hw, bool *event)
{
	char lb[SNAP_LABEL_MAX], esc[TABLE_CELL_MAX];
	const char *label = snap_vm_label(v, lb, sizeof(lb));
	int i;

	/* Escaped once for all its rows. */
	pane_escape(label, o, esc, sizeof(esc));
	for (i = 0; i < ne; i++, e++) {
		enum row_attr attr = ROW_NORMAL;

		if (v->gone)
			attr = ROW_DIM;
		else if (e->kind != EXIT_KIND_USER && e->rate >= HINT_MIN_RATE &&
			 e->share >= EXITS_HOT_SHARE)
			attr = ROW_HOT;
		table_row(t, attr, v->gone ? TABLE_ROW_GONE : 0,
			  &(struct table_ref){ .kind = REF_EXIT,
					       .pid = v->pid,
					       .tid = tid,
					       .id = (uint64_t)e->kind << 32 | e->reason,
					       .hot = (uint8_t)(e->hot >= 0 ? e->hot + 1 : 0) });
		table_put(t, X_VM, esc);
		table_key_text(t, X_VM, label);
		table_set_raw(t, X_REASON, e->name, o->utf8);
		table_key_text(t, X_REASON, e->name);
		table_si(t, X_COUNT, (double)e->count);
		table_mark(t, X_COUNT, e->est);
		/* The rate sorts by the count: the same order over one window, exactly. */
		table_si(t, X_RATE, e->rate);
		table_mark(t, X_RATE, e->est);
		table_key_num(t, X_RATE, (double)e->count);
		/* The history is the VM's: a vCPU's rows have none of their own. */
		if (!tid)
			pane_spark(t, X_HIST, o, v, SPARK_EXIT, 0,
				   (uint64_t)e->kind << 32 | e->reason);
		table_pct(t, X_SHARE, e->share);
		table_mark(t, X_SHARE, e->est);
		table_pct(t, X_TIME, e->time_share);
		table_mark(t, X_TIME, e->est && e->time_share >= 0);
		table_ns(t, X_MEAN, e->mean_ns);
		table_ns(t, X_P99, (double)e->p99_ns);
		table_ns(t, X_MAX, (double)e->max_ns);
		if (e->kind == EXIT_KIND_USER) {
			/* A row of its own: all of it went to the VMM, its times are the VMM's. */
			table_put(t, X_VMM, "-");
			table_put(t, X_VMM_MEAN, "-");
			table_put(t, X_VMM_P99, "-");
		} else {
			table_pct(t, X_VMM, e->vmm_share);
			table_ns(t, X_VMM_MEAN, e->vmm_mean_ns);
			table_ns(t, X_VMM_P99, (double)e->vmm_p99_ns);
		}
		table_key_id(t, XK_USER, e->kind == EXIT_KIND_USER);
		table_key_id(t, XK_PID, (uint64_t)v->pid);
		*hw |= e->kind == EXIT_KIND_HW;
		*event |= e->kind == EXIT_KIND_EVENT;
	}
}

static void fill_exits(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char lb[SNAP_LABEL_MAX], why[SNAP_WHY_MAX + 32], esc[4 * (SNAP_LABEL_MAX)];
	const char *off = pane_trace_why(s, why, sizeof(why)), *label;
	bool hw = false, event = false, gone;
	const struct snap_thread *th;
	const struct snap_vm *v;
	int i;

	v = pane_begin(s, o, t, &exit_table, "Exits", &gone);
	if (gone)
		return;
	if (!v) {
		for (i = 0; i < s->nvms; i++)
			if (pane_vm_visible(&s->vms[i], o))
				add_rows(t, o, &s->vms[i], 0, s->vms[i].exits, s->vms[i].nexits,
					 &hw, &event);
	} else if (o->scope.kind == SCOPE_VCPU) {
		th = snapshot_thread(v, o->scope.tid);
		if (!th) {
			table_begin(t, &exit_table, 0, "Exits");
			table_note(t, "thread %d is gone", o->scope.tid);
			return;
		}
		/* The history is kept per VM: a vCPU's rows have none, nor the column. */
		t->hide |= TABLE_COL_SPARK;
		label = pane_thread_label(th, lb, sizeof(lb));
		table_retitle(t, "Exits of %s", pane_escape(label, o, esc, sizeof(esc)));
		add_rows(t, o, v, th->tid, th->exits, th->nexits, &hw, &event);
	} else {
		add_rows(t, o, v, 0, v->exits, v->nexits, &hw, &event);
	}
	if (off && !t->nrows)
		table_note(t, "%s", off);
	else if (!t->nrows)
		table_note(t, "no exits in the window");
	else
		table_note(t, "%s", source_note(hw, event));
}

const struct pane pane_exits = {
	.name = "exits",
	.title = "Exits",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.table = &exit_table,
	.rank = 3,
	.open = { [SCOPE_HOST] = PANE_OPEN_LAT,
		  [SCOPE_VM] = PANE_OPEN_LAT,
		  [SCOPE_VCPU] = PANE_OPEN_LAT },
	.fill = fill_exits,
};
