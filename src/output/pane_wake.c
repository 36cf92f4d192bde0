// SPDX-License-Identifier: GPL-2.0
/*
 * Wakeups: who wakes whom (edges waker -> wakee, how, rate, wake latency), across VMs (host
 * scope, with a VM column) or one VM's with its "other" bucket; and the notify -> interrupt
 * round trips of each notify address with their parts.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pane.h"

enum { W_VM, W_WAKER, W_WAKEE, W_HOW, W_COUNT, W_RATE, W_MEAN, W_P99, W_MAX, W__N };

static const struct table_col wake_cols[W__N] = {
	[W_VM] = PANE_COL_VM(3),
	[W_WAKER] = TABLE_TEXT("WAKER", 20, 8, 0),
	[W_WAKEE] = TABLE_TEXT("WAKEE", 20, 8, 0),
	[W_HOW] = TABLE_TEXT("HOW", 9, 0, 1),
	[W_COUNT] = TABLE_NUMBER("COUNT", 7, 5),
	[W_RATE] = TABLE_NUMBER("WAKES/S", 7, 0),
	[W_MEAN] = TABLE_NUMBER("LAT", 7, 2),
	[W_P99] = TABLE_NUMBER("P99", 7, 4),
	/* Dropped after P99, before LAT: a LAT above P99 always shows the outlier behind it. */
	[W_MAX] = TABLE_NUMBER("MAX", 7, 3),
};

/* Ties by count, then by VM (its pid). */
static const struct table_spec wake_table = {
	.cols = wake_cols,
	.ncols = W__N,
	.sort = W_RATE,
	.ties = (const struct table_tie[]){ { W_COUNT }, { W_VM }, { -1 } },
};

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

/* Adds the rows of a VM's wake edges; v: the VM of the scope, NULL across VMs. */
static void add_edges(struct table *t, const struct pane_opts *o, const struct snap_vm *sv,
		      const struct snap_vm *v)
{
	char lb[SNAP_LABEL_MAX], esc[TABLE_CELL_MAX], nb[32];
	const char *label = snap_vm_label(sv, lb, sizeof(lb));
	int k;

	pane_escape(label, o, esc, sizeof(esc));
	for (k = 0; k < sv->wake->nedges; k++) {
		const struct snap_wake_edge *e = &sv->wake->edges[k];

		/* Across VMs, the edges themselves; a VM's own table shows its bucket. */
		if (!v && e->other)
			continue;
		table_row(t,
			  sv->gone   ? ROW_DIM
			  : e->other ? ROW_TOTAL
				     : ROW_NORMAL,
			  sv->gone ? TABLE_ROW_GONE : 0,
			  &(struct table_ref){ .kind = REF_EDGE,
					       .pid = sv->pid,
					       .tid = e->wakee,
					       .id = (uint64_t)(int64_t)e->waker,
					       .other = e->other });
		table_put(t, W_VM, esc);
		table_key_id(t, W_VM, (uint64_t)sv->pid);
		if (e->other) {
			table_put(t, W_WAKER, "other");
		} else {
			table_set_raw(t, W_WAKER,
				      node_label(e->waker, e->waker_comm, nb, sizeof(nb)), o->utf8);
			table_set_raw(t, W_WAKEE,
				      node_label(e->wakee, e->wakee_comm, nb, sizeof(nb)), o->utf8);
			table_put(t, W_HOW, snap_wake_class_name(e->cls));
		}
		table_key_text(t, W_WAKER, e->waker_comm);
		table_key_text(t, W_WAKEE, e->wakee_comm);
		table_key_id(t, W_HOW, e->cls);
		table_si(t, W_COUNT, (double)e->count);
		table_mark(t, W_COUNT, e->est);
		/* The rate sorts by the count: the same order over one window, exactly. */
		table_si(t, W_RATE, e->rate);
		table_mark(t, W_RATE, e->est);
		table_key_num(t, W_RATE, (double)e->count);
		if (e->timed) {
			table_ns(t, W_MEAN, e->mean_ns);
			table_ns(t, W_P99, (double)e->p99_ns);
			table_ns(t, W_MAX, (double)e->max_ns);
		} else {
			table_put(t, W_MEAN, "-");
			table_put(t, W_P99, "-");
			table_put(t, W_MAX, "-");
		}
		table_key_num(t, W_MEAN, e->mean_ns);
		table_key_num(t, W_P99, (double)e->p99_ns);
		table_key_num(t, W_MAX, (double)e->max_ns);
	}
}

static void fill_wake(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v;
	uint64_t unmatched = 0;
	bool gone;
	int i;

	v = pane_begin(s, o, t, &wake_table, "Wakeups", &gone);
	if (gone)
		return;
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];

		if (v ? sv != v : !pane_vm_visible(sv, o))
			continue;
		if (!sv->wake)
			continue;
		unmatched += sv->wake->unmatched;
		add_edges(t, o, sv, v);
	}
	/* Empty, the pane takes no room; trouble with the trace is told by the other panes. */
	if (!t->nrows && filter_note(s)[0])
		table_note(t, "%s", filter_note(s));
	else if (t->nrows)
		table_note(t,
			   "COUNT has signals that found the wakee awake; LAT: waking to running; "
			   "%" PRIu64 " never seen running%s%s",
			   unmatched, filter_note(s)[0] ? "; " : "", filter_note(s));
}

const struct pane pane_wake = {
	.name = "wake",
	.title = "Wakeups",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.table = &wake_table,
	.open = { [SCOPE_HOST] = PANE_OPEN_VM, [SCOPE_VM] = PANE_OPEN_LAT },
	.fill = fill_wake,
};

enum { R_VM, R_NOTIFY, R_COUNT, R_RATE, R_P50, R_P99, R_MAX, R_RUN, R_INJECT, R_VCPU, R__N };

/* Hidden keys: ties go by these, never shown. */
enum { RK_PID = R__N, RK__N };

static const struct table_col rt_cols[R__N] = {
	[R_VM] = PANE_COL_VM(3),
	[R_NOTIFY] = TABLE_TEXT("NOTIFY", 18, 8, 0),
	[R_COUNT] = TABLE_NUMBER("COUNT", 7, 5),
	[R_RATE] = TABLE_NUMBER("RT/S", 7, 0),
	[R_P50] = TABLE_NUMBER("P50", 7, 0),
	[R_P99] = TABLE_NUMBER("P99", 7, 1),
	/* Dropped after the parts' means, before P99: means above P99 show their outlier. */
	[R_MAX] = TABLE_NUMBER("MAX", 7, 1),
	[R_RUN] = TABLE_NUMBER("->IOTHR", 7, 2),
	[R_INJECT] = TABLE_NUMBER("->IRQ", 7, 2),
	[R_VCPU] = TABLE_NUMBER("->VCPU", 7, 2),
};

/* Ties by count, then by VM. */
static const struct table_spec rt_table = {
	.cols = rt_cols,
	.ncols = R__N,
	.nkeys = RK__N,
	.sort = R_COUNT,
	.ties = (const struct table_tie[]){ { R_COUNT }, { RK_PID }, { -1 } },
};

/* Adds the rows of a VM's round trips. */
static void add_rts(struct table *t, const struct pane_opts *o, const struct snap_vm *sv)
{
	char lb[SNAP_LABEL_MAX], esc[TABLE_CELL_MAX];
	const char *label = snap_vm_label(sv, lb, sizeof(lb));
	int k;

	pane_escape(label, o, esc, sizeof(esc));
	for (k = 0; k < sv->wake->nrts; k++) {
		const struct snap_wake_rt *r = &sv->wake->rts[k];

		table_row(t,
			  sv->gone   ? ROW_DIM
			  : r->other ? ROW_TOTAL
				     : ROW_NORMAL,
			  sv->gone ? TABLE_ROW_GONE : 0,
			  &(struct table_ref){ .kind = REF_ROUNDTRIP,
					       .pid = sv->pid,
					       .id = r->addr,
					       .hot = (uint8_t)(r->kind + 1),
					       .other = r->other });
		table_put(t, R_VM, esc);
		/* By count, as the rows of every VM are ranked. */
		table_key_num(t, R_VM, (double)r->count);
		if (r->other)
			table_put(t, R_NOTIFY, "other");
		else
			table_set(t, R_NOTIFY, "%s 0x%" PRIx64, snap_hot_kind_name(r->kind),
				  r->addr);
		table_key_id(t, R_NOTIFY, r->addr);
		table_si(t, R_COUNT, (double)r->count);
		table_mark(t, R_COUNT, r->est);
		table_si(t, R_RATE, r->rate);
		table_mark(t, R_RATE, r->est);
		table_key_num(t, R_RATE, (double)r->count);
		table_ns(t, R_P50, (double)r->p50_ns);
		table_ns(t, R_P99, (double)r->p99_ns);
		table_ns(t, R_MAX, (double)r->max_ns);
		table_ns(t, R_RUN, r->notify_run_ns);
		table_ns(t, R_INJECT, r->run_inject_ns);
		table_ns(t, R_VCPU, r->inject_run_ns);
		table_key_id(t, RK_PID, (uint64_t)sv->pid);
	}
}

static void fill_rt(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v;
	bool gone;
	int i;

	v = pane_begin(s, o, t, &rt_table, "Notify to interrupt round trips", &gone);
	if (gone)
		return;
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];

		if (v ? sv != v : !pane_vm_visible(sv, o))
			continue;
		if (sv->wake)
			add_rts(t, o, sv);
	}
	if (t->nrows)
		table_note(t,
			   "means of the parts: notify -> iothread running -> interrupt injected "
			   "-> vCPU running");
}

const struct pane pane_roundtrip = {
	.name = "roundtrip",
	.title = "Round trips",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM),
	.table = &rt_table,
	.open = { [SCOPE_HOST] = PANE_OPEN_VM, [SCOPE_VM] = PANE_OPEN_LAT },
	.fill = fill_rt,
};
