// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: KVM's statistics (debugfs, or tracepoint counts under lockdown) of the host, a
 * VM or a vCPU, and a vCPU's perf counters, busiest first. The note names the source and,
 * when degraded, why.
 */
#include <string.h>

#include "fmt.h"
#include "pane.h"

enum { C_NAME, C_SOURCE, C_VALUE, C_RATE, C_SHARE, C_NOTE, C__N };
/* Hidden keys: a child row ("kvm_exit(HLT)") sorts under its parent, by its own rate. */
enum { K_GROUP = C__N, K_CHILD, K_OWN, K__N };

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
	.nkeys = K__N,
	.sort = C_RATE,
	.ties = (const struct table_tie[]){ { K_GROUP }, { K_CHILD }, { K_OWN }, { C_NAME }, { -1 } },
};

/*
 * Returns the index of c's parent in cs[0..n) when c is a child ("kvm_exit(HLT)" under
 * "kvm_exit": an exit reason counted on its own), else -1; *child gets the child's part.
 */
static int parent_of(const struct snap_counter *cs, int n, const struct snap_counter *c,
		     const char **child)
{
	const char *open = strchr(c->name, '(');
	size_t len = open ? (size_t)(open - c->name) : 0;
	int i;

	if (!open || !len || c->name[strlen(c->name) - 1] != ')')
		return -1;
	for (i = 0; i < n; i++)
		if (strlen(cs[i].name) == len && !strncmp(cs[i].name, c->name, len) &&
		    !strcmp(cs[i].source, c->source)) {
			*child = open + 1;
			return i;
		}
	return -1;
}

/* Returns how many children c (at index i) has in cs[0..n). */
static int children_of(const struct snap_counter *cs, int n, int i)
{
	const char *child;
	int k, kids = 0;

	for (k = 0; k < n; k++)
		if (k != i && parent_of(cs, n, &cs[k], &child) == i)
			kids++;
	return kids;
}

/* Sets the sort keys of the last row from counter c (a child takes its parent's). */
static void ctr_keys(struct table *t, const struct snap_counter *c)
{
	table_key_text(t, C_NAME, c->name);
	table_key_text(t, C_SOURCE, c->name);
	table_key_text(t, C_NOTE, c->name);
	table_key_num(t, C_VALUE, (double)c->value);
	table_key_num(t, C_RATE, c->rate);
	table_key_num(t, C_SHARE, c->share);
}

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
	else if (c->scale > 1.001 && !strcmp(c->source, "tracepoint"))
		table_set(t, C_NOTE, "counted part-time (x%.0f)", c->scale);
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
		const char *child = NULL;
		int parent = parent_of(cs, n, c, &child), kids;

		/* Quiet counters only with show_zero: debugfs has dozens per scope. */
		if (!o->show_zero && !c->why[0] && c->rate <= 0 && c->ratio < 0 &&
		    !(c->kind == SNAP_CTR_GAUGE && c->value))
			continue;
		if (parent >= 0 && o->fold)
			continue;
		table_row(t, c->why[0] ? ROW_WARN : ROW_NORMAL, 0,
			  &(struct table_ref){ .kind = REF_COUNTER,
					       .pid = v ? v->pid : 0,
					       .tid = th ? th->tid : 0,
					       .id = (uint64_t)i });
		kids = parent < 0 ? children_of(cs, n, i) : 0;
		if (parent >= 0)
			table_set(t, C_NAME, "  %.*s", (int)strlen(child) - 1, child);
		else if (kids && o->fold)
			table_set(t, C_NAME, "%s (+%d)", c->name, kids);
		else
			table_put(t, C_NAME, c->name);
		table_put(t, C_SOURCE, c->source[0] ? c->source : "-");
		ctr_keys(t, parent >= 0 ? &cs[parent] : c);
		table_key_text(t, K_GROUP, parent >= 0 ? cs[parent].name : c->name);
		table_key_id(t, K_CHILD, parent >= 0);
		table_key_num(t, K_OWN, c->rate);
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
