// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: KVM's statistics (debugfs, or tracepoint counts under lockdown) of the host, a
 * VM or a vCPU, and a vCPU's perf counters, busiest first. The note names the source and,
 * when degraded, why.
 */
#include "fmt.h"
#include "pane.h"

enum { C_NAME, C_SOURCE, C_VALUE, C_RATE, C_SHARE, C_NOTE, C__N };

static const struct table_col ctr_cols[C__N] = {
	[C_NAME] = TABLE_TEXT("COUNTER", 28, 10, 0),
	[C_SOURCE] = TABLE_TEXT("SOURCE", 10, 0, 4),
	[C_VALUE] = TABLE_NUMBER("TOTAL", 7, 3),
	[C_RATE] = TABLE_NUMBER("RATE/S", 7, 0),
	[C_SHARE] = TABLE_NUMBER("SHARE%", 6, 1),
	[C_NOTE] = TABLE_TEXT("NOTE", 24, 0, 2),
};

/* Numbers biggest first, ties by name; the text columns all go by the name. */
static const struct table_spec ctr_table = {
	.cols = ctr_cols,
	.ncols = C__N,
	.sort = C_RATE,
	.ties = (const struct table_tie[]){ { C_NAME }, { -1 } },
};

/* Fills the note cell: why not, a ratio, a histogram's median, or a multiplexing scale. */
static void ctr_note(struct table *t, const struct snap_counter *c)
{
	char b[FMT_MAX];

	if (c->why[0])
		table_set(t, C_NOTE, "n/a: %s", c->why);
	else if (c->kind == SNAP_CTR_RATIO)
		table_put(t, C_NOTE, c->ratio >= 0 ? "" : "no cycles");
	else if (c->kind == SNAP_CTR_HIST && c->value)
		table_set(t, C_NOTE, "median < %s", fmt_ns(b, (double)c->p50));
	else if (c->kind == SNAP_CTR_GAUGE)
		table_put(t, C_NOTE, "instant value");
	else if (c->scale > 1.001)
		table_set(t, C_NOTE, "scaled x%.2f (multiplexed)", c->scale);
}

static void fill_counters(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_source *ks = snapshot_source(s, "kvmstat");
	const struct snap_counter *cs = s->counters;
	const struct snap_thread *th = NULL;
	const struct snap_vm *v;
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], esc[4 * sizeof(lb)];
	int n = s->ncounters, i;
	bool gone;

	v = pane_begin(s, o, t, &ctr_table, "Counters", &gone);
	if (gone)
		return;
	if (v) {
		cs = v->counters;
		n = v->ncounters;
	}
	if (v && o->scope.kind == SCOPE_VCPU) {
		th = snapshot_thread(v, o->scope.tid);
		cs = th ? th->counters : NULL;
		n = th ? th->ncounters : 0;
		if (th)
			table_retitle(t, "Counters of %s",
				      pane_escape(pane_thread_label(th, lb, sizeof(lb)), o, esc,
						  sizeof(esc)));
	}
	for (i = 0; i < n; i++) {
		const struct snap_counter *c = &cs[i];

		/* Quiet counters only with show_zero: debugfs has dozens per scope. */
		if (!o->show_zero && !c->why[0] && c->rate <= 0 && c->ratio < 0 &&
		    !(c->kind == SNAP_CTR_GAUGE && c->value))
			continue;
		table_row(t, c->why[0] ? ROW_WARN : ROW_NORMAL, 0,
			  &(struct table_ref){ .kind = REF_COUNTER,
					       .pid = v ? v->pid : 0,
					       .tid = th ? th->tid : 0,
					       .id = (uint64_t)i });
		table_put(t, C_NAME, c->name);
		table_put(t, C_SOURCE, c->source[0] ? c->source : "-");
		table_key_text(t, C_NAME, c->name);
		table_key_text(t, C_SOURCE, c->name);
		table_key_text(t, C_NOTE, c->name);
		table_key_num(t, C_VALUE, (double)c->value);
		table_key_num(t, C_RATE, c->rate);
		table_key_num(t, C_SHARE, c->share);
		/* Times read as durations and shares; a counter not read has no total. */
		if (c->why[0] || c->kind == SNAP_CTR_RATIO)
			table_put(t, C_VALUE, "-");
		else if (c->kind == SNAP_CTR_TIME_NS)
			table_put(t, C_VALUE, fmt_ns(b, (double)c->value));
		else
			table_put(t, C_VALUE, fmt_si(b, (double)c->value));
		if (c->kind == SNAP_CTR_RATIO || c->kind == SNAP_CTR_TIME_NS)
			table_put(t, C_RATE, "");
		else
			table_put(t, C_RATE, c->rate >= 0 ? fmt_si(b, c->rate) : "-");
		if (c->kind == SNAP_CTR_RATIO && c->ratio >= 0)
			table_set(t, C_SHARE, "%.2f", c->ratio);
		else if (c->share >= 0)
			table_put(t, C_SHARE, fmt_pct(b, c->share));
		ctr_note(t, c);
	}
	if (!n && ks && ks->state == SNAP_SRC_UNAVAILABLE)
		table_note(t, "kvmstat unavailable: %s", ks->why);
	else if (ks && ks->why[0])
		table_note(t, "kvmstat: %s", ks->why);
}

const struct pane pane_counters = {
	.name = "counters",
	.title = "Counters",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.table = &ctr_table,
	.fill = fill_counters,
};
