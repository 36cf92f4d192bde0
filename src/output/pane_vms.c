// SPDX-License-Identifier: GPL-2.0
/* The VM list (host scope) and a VM's threads (VM scope). */
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { V_NAME, V_PID, V_VCPUS, V_IOTH, V_EXITS, V_HIST, V_TOP, V_EXITPCT, V_CPU, V_GUEST, V_HOST, V_STEAL,
       V_ALSO, V__N };

static const struct table_col vm_cols[V__N] = {
	[V_NAME] = TABLE_TEXT("NAME", 32, 8, 0),
	[V_PID] = TABLE_NUMBER("PID", 8, 0),
	[V_VCPUS] = TABLE_NUMBER("VCPU", 5, 3),
	[V_IOTH] = TABLE_NUMBER("IOTH", 5, 5),
	[V_EXITS] = TABLE_NUMBER("EXITS/S", 7, 0),
	/* Exits/s over the last minutes: where the screen has room for it. */
	[V_HIST] = PANE_COL_SPARK(5),
	[V_TOP] = TABLE_TEXT("TOP EXIT", 20, 0, 2),
	[V_EXITPCT] = TABLE_NUMBER("EXIT%", 6, 3),
	[V_CPU] = TABLE_NUMBER("CPU%", 6, 0),
	[V_GUEST] = TABLE_NUMBER("GUEST%", 6, 4),
	[V_HOST] = TABLE_NUMBER("HOST%", 6, 1),
	[V_STEAL] = TABLE_NUMBER("STEAL%", 6, 2),
	/* The names other than NAME: only when a VM has some, and the first to go when narrow. */
	[V_ALSO] = { "ALSO KNOWN AS", 0, 16, ALIGN_LEFT, 6, TABLE_COL_OPTIONAL },
};

/*
 * Numbers sort biggest first, ties by CPU%, then by pid; names and top exits in strcmp
 * order, ties by pid.
 */
static const struct table_spec vm_table = {
	.cols = vm_cols,
	.ncols = V__N,
	.sort = V_EXITS,
	.ties = (const struct table_tie[]){ { V_CPU, .after_number = true }, { V_PID }, { -1 } },
};

/* Returns the percent of a vCPU's time spent handling exits (kernel and VMM), -1 unknown. */
static double exit_pct(const struct snap_vm *v)
{
	if (v->split.source == SPLIT_NONE || v->split.kernel < 0)
		return -1;
	return v->split.kernel + (v->split.user > 0 ? v->split.user : 0);
}

/*
 * Returns buf holding the names of v other than label, each after what it is ("nova name
 * web-3, libvirt name instance-0000a3f1, nova project acme"), raw; or why its management
 * layer's file could not be read; "" when there is nothing else. UUIDs are left to the
 * VM's own Names pane: they would crowd out the rest.
 */
static const char *also_known(const struct snap_vm *v, const char *label, char *buf, size_t n)
{
	struct snap_vm_name names[SNAP_VM_NAMES_MAX];
	size_t len = 0;
	int i, k;

	buf[0] = '\0';
	if (v->mgmt.state == SNAP_SRC_UNAVAILABLE)
		len = (size_t)snprintf(buf, n, "%s unavailable: %s", snap_mgmt_name(v->mgmt.source),
				       v->mgmt.why);
	k = snap_vm_names(v, names, SNAP_VM_NAMES_MAX);
	for (i = 0; i < k && len < n; i++) {
		if (!strcmp(names[i].value, label) || strstr(names[i].what, "uuid"))
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s %s", len ? ", " : "",
					names[i].what, names[i].value);
	}
	return buf;
}

static void fill_vms(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_source *tr = snapshot_source(s, "tracefs");
	const struct snap_source *ps = snapshot_source(s, "procfs");
	bool traced = tr && (tr->state == SNAP_SRC_OK || tr->state == SNAP_SRC_DEGRADED);
	char lb[SNAP_LABEL_MAX], b[FMT_MAX], also[TABLE_CELL_MAX];
	unsigned int hide = TABLE_COL_OPTIONAL | (o->hist ? 0 : TABLE_COL_SPARK);
	int i, n = 0;

	/* Other names get a column only when some VM shown has them. */
	for (i = 0; i < s->nvms && (hide & TABLE_COL_OPTIONAL); i++)
		if (pane_vm_visible(&s->vms[i], o) &&
		    also_known(&s->vms[i], snap_vm_label(&s->vms[i], lb, sizeof(lb)), also,
			       sizeof(also))[0])
			hide &= ~(unsigned int)TABLE_COL_OPTIONAL;
	table_begin(t, &vm_table, hide, "VMs");
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];
		const char *label = snap_vm_label(v, lb, sizeof(lb));

		if (!pane_vm_visible(v, o))
			continue;
		n++;
		table_row(t, v->gone ? ROW_DIM : ROW_NORMAL, v->gone ? TABLE_ROW_GONE : 0,
			  &(struct table_ref){ .kind = REF_VM, .pid = v->pid });
		/* Gone VMs keep their keys: they sort among themselves below the others. */
		table_key_text(t, V_NAME, label);
		table_key_id(t, V_PID, (uint64_t)v->pid);
		table_key_num(t, V_VCPUS, v->nvcpus);
		table_key_num(t, V_IOTH, v->niothreads);
		table_key_num(t, V_EXITS, v->exits_rate);
		table_key_text(t, V_TOP, v->top_exit);
		table_key_num(t, V_EXITPCT, exit_pct(v));
		table_key_num(t, V_CPU, v->cpu.cpu);
		table_key_num(t, V_GUEST, v->cpu.guest);
		table_key_num(t, V_HOST, v->cpu.host);
		table_key_num(t, V_STEAL, v->cpu.steal);
		table_set_raw(t, V_NAME, label, o->utf8);
		pane_spark(t, V_HIST, o, v, SPARK_VM, 0, 0);
		if (!(hide & TABLE_COL_OPTIONAL)) {
			also_known(v, label, also, sizeof(also));
			table_key_text(t, V_ALSO, also);
			table_set_raw(t, V_ALSO, also, o->utf8);
		}
		if (v->gone) {
			/* Dimmed on screen; plain text needs a word. */
			table_put(t, V_TOP, "(gone)");
			continue;
		}
		table_put(t, V_PID, fmt_int(b, v->pid));
		table_put(t, V_VCPUS, fmt_int(b, v->nvcpus));
		table_put(t, V_IOTH, fmt_int(b, v->niothreads));
		if (traced) {
			table_si(t, V_EXITS, v->exits_rate);
			table_mark(t, V_EXITS, v->exits_est);
		} else {
			table_put(t, V_EXITS, "-");
		}
		table_put(t, V_TOP, v->top_exit[0] ? v->top_exit : "-");
		table_pct(t, V_EXITPCT, exit_pct(v));
		table_pct(t, V_CPU, v->cpu.cpu);
		table_pct(t, V_GUEST, v->cpu.guest);
		table_pct(t, V_HOST, v->cpu.host);
		table_pct(t, V_STEAL, v->cpu.steal);
	}
	/* Not seeing a VM is not knowing there is none: say what procfs could not read. */
	if (n && s->procfs.others_hidden)
		table_note(t, "other users' VMs are not visible without root");
	if (n)
		return;
	if (s->nvms)
		table_note(t, "no VM matches the filter");
	else if (s->procfs.others_hidden)
		table_note(t, "no KVM VMs of this user; other users' VMs are not visible without root");
	else if (ps && (ps->state == SNAP_SRC_DEGRADED || ps->state == SNAP_SRC_UNAVAILABLE))
		table_note(t, "no VM visible: %s", ps->why);
	else if (s->procfs.unreadable_vmms == 1)
		table_note(t, "no KVM VMs found; a process that looks like a VMM could not be read");
	else if (s->procfs.unreadable_vmms)
		table_note(t, "no KVM VMs found; %d processes that look like VMMs could not be read",
			   s->procfs.unreadable_vmms);
	else
		table_note(t, "no KVM VMs on this host");
}

const struct pane pane_vms = {
	.name = "vms",
	.title = "VMs",
	.scopes = SCOPE_F(SCOPE_HOST),
	.table = &vm_table,
	.rank = 1,
	.open = { [SCOPE_HOST] = PANE_OPEN_VM },
	.fill = fill_vms,
};

enum { T_NAME, T_TID, T_CPU, T_GUEST, T_HOST, T_STEAL, T_CS, T_IPC, T__N };

static const struct table_col thread_cols[T__N] = {
	[T_NAME] = TABLE_TEXT("THREAD", 24, 8, 0),
	[T_TID] = TABLE_NUMBER("TID", 8, 3),
	[T_CPU] = TABLE_NUMBER("CPU%", 6, 0),
	[T_GUEST] = TABLE_NUMBER("GUEST%", 6, 2),
	[T_HOST] = TABLE_NUMBER("HOST%", 6, 1),
	[T_STEAL] = TABLE_NUMBER("STEAL%", 6, 1),
	[T_CS] = TABLE_NUMBER("CSW/S", 7, 4),
	/* perf's hardware counters (probes/perf.c), of the VM in focus where a PMU exists */
	[T_IPC] = TABLE_NUMBER("IPC", 11, 6),
};

/* Fills the perf columns of a thread row: "-" where a counter is not counted. */
static void perf_cells(struct table *t, const struct snap_thread *th)
{
	const struct snap_counter *c;

	if (th->kind == THREAD_OTHER)
		return;
	c = snap_counter_find(th->counters, th->ncounters, "ipc:mg");
	if (!c)
		c = snap_counter_find(th->counters, th->ncounters, "ipc");
	if (c && c->why[0])
		table_set(t, T_IPC, "n/a: %s", c->why);
	else if (c && c->ratio >= 0)
		table_set(t, T_IPC, "%.2f", c->ratio);
	else
		table_put(t, T_IPC, "-");
}

static const struct table_spec thread_table = {
	.cols = thread_cols,
	.ncols = T__N,
	.sort = -1,
};

static void fill_threads(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	const struct snap_vm *v;
	char b[FMT_MAX];
	bool gone;
	int i;

	v = pane_begin(s, o, t, &thread_table, "Threads", &gone);
	if (!v)
		return;
	for (i = 0; i < v->nthreads; i++) {
		const struct snap_thread *th = &v->threads[i];

		if (o->scope.kind == SCOPE_VCPU && th->tid != o->scope.tid)
			continue;
		pane_thread_row(t, o, v, th, T_NAME);
		if (th->tid)
			table_put(t, T_TID, fmt_int(b, th->tid));
		table_put(t, T_CPU, fmt_pct(b, th->cpu.cpu));
		table_put(t, T_GUEST, fmt_pct(b, th->cpu.guest));
		table_put(t, T_HOST, fmt_pct(b, th->cpu.host));
		table_put(t, T_STEAL, fmt_pct(b, th->cpu.steal));
		table_put(t, T_CS, fmt_si(b, th->cpu.cs));
		perf_cells(t, th);
	}
}

const struct pane pane_threads = {
	.name = "threads",
	.title = "Threads",
	.scopes = SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.table = &thread_table,
	.rank = 2,
	.open = { [SCOPE_VM] = PANE_OPEN_VCPU, [SCOPE_VCPU] = PANE_OPEN_VCPU },
	.fill = fill_threads,
};
