// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: KVM's statistics (debugfs, or tracepoint counts under lockdown) of the host, a
 * VM or a vCPU, and a vCPU's perf counters, busiest first. A row's key is its index in the
 * scope's counter array. The note names the source and, when degraded, why.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { C_NAME, C_SOURCE, C_VALUE, C_RATE, C_SHARE, C_NOTE, C__N };

static const struct table_col ctr_cols[C__N] = {
	[C_NAME] = { "COUNTER", 28, 10, ALIGN_LEFT, 0 },
	[C_SOURCE] = { "SOURCE", 10, 0, ALIGN_LEFT, 4 },
	[C_VALUE] = { "TOTAL", 7, 0, ALIGN_RIGHT, 3 },
	[C_RATE] = { "RATE/S", 7, 0, ALIGN_RIGHT, 0 },
	[C_SHARE] = { "SHARE%", 6, 0, ALIGN_RIGHT, 1 },
	[C_NOTE] = { "NOTE", 24, 0, ALIGN_LEFT, 2 },
};

struct ctr_sort {
	int col;
	bool reverse;
};

static double ctr_key(const struct snap_counter *c, int col)
{
	switch (col) {
	case C_VALUE:
		return (double)c->value;
	case C_SHARE:
		return c->share;
	default:
		return c->rate;
	}
}

static int ctr_cmp(const void *pa, const void *pb, void *arg)
{
	const struct snap_counter *a = *(const struct snap_counter *const *)pa;
	const struct snap_counter *b = *(const struct snap_counter *const *)pb;
	const struct ctr_sort *by = arg;
	double ka, kb;
	int c;

	if (by->col == C_NAME || by->col == C_SOURCE || by->col == C_NOTE) {
		c = strcmp(a->name, b->name);
	} else {
		ka = ctr_key(a, by->col);
		kb = ctr_key(b, by->col);
		c = ka > kb ? -1 : ka < kb ? 1 : strcmp(a->name, b->name);
	}
	return by->reverse ? -c : c;
}

/* Fills the note cell: why not, a ratio, a histogram's median, or a multiplexing scale. */
static void ctr_note(struct table *t, const struct snap_counter *c)
{
	char b[FMT_MAX];

	if (c->why[0])
		table_set(t, C_NOTE, "n/a: %s", c->why);
	else if (c->kind == SNAP_CTR_RATIO)
		table_set(t, C_NOTE, "%s", c->ratio >= 0 ? "" : "no cycles");
	else if (c->kind == SNAP_CTR_HIST && c->value)
		table_set(t, C_NOTE, "median < %s", fmt_ns(b, (double)c->p50));
	else if (c->kind == SNAP_CTR_GAUGE)
		table_set(t, C_NOTE, "instant value");
	else if (c->scale > 1.001)
		table_set(t, C_NOTE, "scaled x%.2f (multiplexed)", c->scale);
}

static void build_counters(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_source *ks = snapshot_source(s, "kvmstat");
	const struct snap_counter *cs = s->counters, **order;
	const struct snap_vm *v = NULL;
	char b[FMT_MAX], lb[SNAP_LABEL_MAX], esc[4 * sizeof(lb)];
	struct ctr_sort by;
	int n = s->ncounters, i, rows = 0;

	table_begin(t, ctr_cols, C__N, "Counters");
	if (o->scope.kind != SCOPE_HOST) {
		const struct snap_thread *th;

		v = snapshot_vm(s, o->scope.pid);
		if (!v) {
			table_note(t, "VM %d is gone", o->scope.pid);
			return;
		}
		cs = v->counters;
		n = v->ncounters;
		table_begin(t, ctr_cols, C__N, "Counters of %s",
			    pane_title_text(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc)));
		if (o->scope.kind == SCOPE_VCPU) {
			th = snapshot_thread(v, o->scope.tid);
			cs = th ? th->counters : NULL;
			n = th ? th->ncounters : 0;
			if (th)
				table_begin(t, ctr_cols, C__N, "Counters of %s",
					    pane_title_text(pane_thread_label(th, lb, sizeof(lb)),
							    o, esc, sizeof(esc)));
		}
	}
	order = xcalloc((size_t)n + 1, sizeof(*order));
	for (i = 0; i < n; i++) {
		/* Quiet counters only with show_zero: debugfs has dozens per scope. */
		if (!o->show_zero && !cs[i].why[0] && cs[i].rate <= 0 && cs[i].ratio < 0 &&
		    !(cs[i].kind == SNAP_CTR_GAUGE && cs[i].value))
			continue;
		order[rows++] = &cs[i];
	}
	by.col = o->sort >= 0 && o->sort < C__N ? o->sort : C_RATE;
	by.reverse = o->reverse;
	qsort_r(order, (size_t)rows, sizeof(*order), ctr_cmp, &by);
	for (i = 0; i < rows; i++) {
		const struct snap_counter *c = order[i];

		table_row(t, c->why[0] ? ROW_WARN : ROW_NORMAL, c - cs, 0);
		table_set(t, C_NAME, "%s", c->name);
		table_set(t, C_SOURCE, "%s", c->source[0] ? c->source : "-");
		/* Times read as durations and shares; a counter not read has no total. */
		if (c->why[0] || c->kind == SNAP_CTR_RATIO)
			table_set(t, C_VALUE, "-");
		else if (c->kind == SNAP_CTR_TIME_NS)
			table_set(t, C_VALUE, "%s", fmt_ns(b, (double)c->value));
		else
			table_set(t, C_VALUE, "%s", fmt_si(b, (double)c->value));
		if (c->kind == SNAP_CTR_RATIO || c->kind == SNAP_CTR_TIME_NS)
			table_set(t, C_RATE, "%s", "");
		else
			table_set(t, C_RATE, "%s", c->rate >= 0 ? fmt_si(b, c->rate) : "-");
		if (c->kind == SNAP_CTR_RATIO && c->ratio >= 0)
			table_set(t, C_SHARE, "%.2f", c->ratio);
		else if (c->share >= 0)
			table_set(t, C_SHARE, "%s", fmt_pct(b, c->share));
		ctr_note(t, c);
	}
	if (!n && ks && ks->state == SNAP_SRC_UNAVAILABLE)
		table_note(t, "kvmstat unavailable: %s", ks->why);
	else if (ks && ks->why[0])
		table_note(t, "kvmstat: %s", ks->why);
	free(order);
}

const struct pane pane_counters = {
	.name = "counters",
	.title = "Counters",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.cols = ctr_cols,
	.ncols = C__N,
	.sort = C_RATE,
	.build = build_counters,
};
