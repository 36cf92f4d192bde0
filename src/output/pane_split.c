// SPDX-License-Identifier: GPL-2.0
/*
 * Where each vCPU's and iothread's wall time goes: in the guest, handling exits in the
 * kernel and in the VMM, halted, waiting for a CPU; the VM's mean over its vCPUs first.
 */
#include <string.h>

#include "fmt.h"
#include "pane.h"

enum { S_THREAD, S_TID, S_GUEST, S_KERNEL, S_USER, S_HALT, S_WAIT, S_SRC, S__N };

static const struct table_col split_cols[S__N] = {
	[S_THREAD] = TABLE_TEXT("THREAD", 24, 8, 0),
	[S_TID] = TABLE_NUMBER("TID", 8, 5),
	[S_GUEST] = TABLE_NUMBER("GUEST%", 6, 0),
	[S_KERNEL] = TABLE_NUMBER("KERNEL%", 7, 1),
	[S_USER] = TABLE_NUMBER("USER%", 6, 2),
	[S_HALT] = TABLE_NUMBER("HALT%", 6, 1),
	[S_WAIT] = TABLE_NUMBER("WAIT%", 6, 2),
	[S_SRC] = TABLE_TEXT("SOURCE", 6, 0, 4),
};

static const struct table_spec split_table = {
	.cols = split_cols,
	.ncols = S__N,
	.sort = -1,
};

static const char *source_name(uint8_t src)
{
	return src == SPLIT_EVENTS ? "events" : src == SPLIT_PROCFS ? "procfs" : "-";
}

static void split_row(struct table *t, const struct exit_split *sp)
{
	char b[FMT_MAX];

	table_put(t, S_GUEST, fmt_pct(b, sp->guest));
	table_put(t, S_KERNEL, fmt_pct(b, sp->kernel));
	table_put(t, S_USER, fmt_pct(b, sp->user));
	table_put(t, S_HALT, fmt_pct(b, sp->halted));
	table_put(t, S_WAIT, fmt_pct(b, sp->waiting));
	if (sp->est) {
		table_mark(t, S_GUEST, sp->guest >= 0);
		table_mark(t, S_KERNEL, sp->kernel >= 0);
		table_mark(t, S_USER, sp->user >= 0);
		table_mark(t, S_HALT, sp->halted >= 0);
		table_mark(t, S_WAIT, sp->waiting >= 0);
	}
	table_put(t, S_SRC, source_name(sp->source));
}

/* Returns the note for the sources used in the rows shown. */
static const char *split_note(bool events, bool procfs, bool sched)
{
	if (events && !sched)
		return "from kvm_exit/kvm_entry/kvm_userspace_exit; no sched events: WAIT% from "
		       "schedstat, taken from KERNEL% then USER%; HALT% includes halt polling";
	if (events && !procfs)
		return "from kvm_exit/kvm_entry/kvm_userspace_exit and sched_switch; HALT% "
		       "includes "
		       "halt polling; blocked in the VMM counts as USER%";
	if (events)
		return "events where kvm_exit/kvm_entry fire, else coarse (procfs); HALT% includes "
		       "halt polling";
	if (procfs)
		return "coarse (no kvm_exit/kvm_entry here): schedstat and guest_time; USER% where "
		       "VMM exits complete, else in KERNEL%; HALT% = blocked or idle";
	return "";
}

static void fill_split(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	bool events = false, procfs = false, sched = true, gone;
	const struct snap_vm *v;
	char b[FMT_MAX];
	int i;

	v = pane_begin(s, o, t, &split_table, "Time split", &gone);
	if (!v)
		return;
	if (o->scope.kind == SCOPE_VM && v->nvcpus > 1 && v->split.source != SPLIT_NONE) {
		/* The mean stands for no thread: tid 0. */
		table_row(t, ROW_TOTAL, 0,
			  &(struct table_ref){ .kind = REF_THREAD,
					       .pid = v->pid,
					       .thread = THREAD_VCPU });
		table_set(t, S_THREAD, "vCPU mean (%d)", v->nvcpus);
		split_row(t, &v->split);
	}
	for (i = 0; i < v->nthreads; i++) {
		const struct snap_thread *th = &v->threads[i];

		/* The grouped others have no single timeline to split. */
		if (th->kind == THREAD_OTHER)
			continue;
		if (o->scope.kind == SCOPE_VCPU && th->tid != o->scope.tid)
			continue;
		pane_thread_row(t, o, v, th, S_THREAD);
		table_put(t, S_TID, fmt_int(b, th->tid));
		split_row(t, &th->split);
		if (th->kind == THREAD_VCPU) {
			events |= th->split.source == SPLIT_EVENTS;
			procfs |= th->split.source == SPLIT_PROCFS;
			if (th->split.source == SPLIT_EVENTS)
				sched = sched && th->split.sched;
		}
	}
	table_note(t, "%s", split_note(events, procfs, sched));
}

const struct pane pane_split = {
	.name = "split",
	.title = "Time split",
	.scopes = SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.table = &split_table,
	.rank = 5,
	.open = { [SCOPE_VM] = PANE_OPEN_VCPU, [SCOPE_VCPU] = PANE_OPEN_VCPU },
	.fill = fill_split,
};
