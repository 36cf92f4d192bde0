// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "pane.h"

extern const struct pane pane_vms, pane_threads, pane_exits, pane_hot, pane_split, pane_hints;
extern const struct pane pane_counters, pane_names;
extern const struct pane pane_wake, pane_roundtrip, pane_lat;

const struct pane *const panes[] = {
	&pane_lat,
	&pane_vms,
	&pane_threads,
	&pane_names,
	&pane_exits,
	&pane_hot,
	&pane_split,
	&pane_hints,
	&pane_counters,
	&pane_wake,
	&pane_roundtrip,
	NULL,
};

const struct pane *pane_find(const char *name)
{
	int i;

	for (i = 0; panes[i]; i++)
		if (!strcmp(panes[i]->name, name))
			return panes[i];
	return NULL;
}

int pane_index(const struct pane *p)
{
	int i;

	for (i = 0; panes[i]; i++)
		if (panes[i] == p)
			return i;
	return -1;
}

bool pane_shown(const struct pane *p, const struct scope *sc)
{
	return (p->scopes & SCOPE_F(sc->kind)) && (!p->lat_only || sc->lat.kind != REF_NONE);
}

void pane_build(const struct pane *p, const struct snapshot *s, const struct pane_opts *o,
		struct table *t)
{
	p->fill(s, o, t);
	table_sort(t, o->sort, o->reverse);
}

/* Unranked panes come after every ranked one, in registry order. */
#define RANK_UNRANKED 1000

int pane_rank(const struct pane *p, int i)
{
	return p->rank > 0 ? p->rank : RANK_UNRANKED + i;
}

/* Fills to with a message and returns false: Enter goes nowhere. */
static bool nowhere(struct pane_goto *to, bool error, const char *msg)
{
	snprintf(to->msg, sizeof(to->msg), "%s", msg);
	to->error = error;
	return false;
}

bool pane_open(const struct pane *p, const struct scope *cur, const struct table_ref *ref,
	       struct pane_goto *to)
{
	struct scope sc = *cur;

	memset(to, 0, sizeof(*to));
	/* A level opened on a row's distribution shows it alone: what opens from it does not. */
	sc.lat = (struct table_ref){ .kind = REF_NONE };
	switch (cur->kind < SCOPE__N ? p->open[cur->kind] : PANE_OPEN_NONE) {
	case PANE_OPEN_VM:
		if (ref->pid <= 0)
			return nowhere(to, true, "no VM on this row");
		to->scope = (struct scope){ .kind = SCOPE_VM, .pid = ref->pid };
		return true;
	case PANE_OPEN_VCPU:
		if (ref->kind != REF_THREAD || ref->thread != THREAD_VCPU || ref->tid <= 0)
			return nowhere(to, true, "only a vCPU row narrows the view");
		if (cur->kind == SCOPE_VCPU && cur->tid == ref->tid)
			return nowhere(to, false, "already on this vCPU (Esc goes back)");
		sc.kind = SCOPE_VCPU;
		sc.tid = ref->tid;
		sc.hot_only = 0;
		to->scope = sc;
		return true;
	case PANE_OPEN_LAT:
		sc.lat = *ref;
		if (ref->kind != REF_EXIT) {
			if (cur->kind == SCOPE_HOST)
				return nowhere(to, true, "nothing to open here");
			to->scope = sc;
			to->focus = &pane_lat;
			return true;
		}
		/* An exit: its distribution, above the addresses behind it. */
		if (cur->kind == SCOPE_HOST) {
			sc.kind = SCOPE_VM;
			sc.pid = ref->pid;
		}
		if (ref->hot && ref->hot <= HOT__KINDS) {
			sc.hot_only = ref->hot;
			if (!(pane_hot.scopes & SCOPE_F(sc.kind))) {
				sc.kind = SCOPE_VM;
				sc.tid = 0;
			}
		}
		to->scope = sc;
		to->focus = &pane_lat;
		return true;
	case PANE_OPEN_HOT:
		if (cur->kind == SCOPE_HOST) {
			sc.kind = SCOPE_VM;
			sc.pid = ref->pid;
		}
		if (!ref->hot || ref->hot > HOT__KINDS) {
			if (cur->kind != SCOPE_HOST)
				return nowhere(to, true,
					       "no ports, addresses or MSRs behind this row");
			/* Nothing behind it: the VM, with this pane in focus. */
			to->scope = sc;
			to->focus = p;
			return true;
		}
		sc.hot_only = ref->hot;
		/* Hot addresses are kept per VM: a vCPU's exit lists its VM's. */
		if (!(pane_hot.scopes & SCOPE_F(sc.kind))) {
			sc.kind = SCOPE_VM;
			sc.tid = 0;
		}
		to->scope = sc;
		to->focus = &pane_hot;
		return true;
	default:
		snprintf(to->msg, sizeof(to->msg), "%s: nothing to open here", p->title);
		to->error = true;
		return false;
	}
}

const struct snap_vm *pane_begin(const struct snapshot *s, const struct pane_opts *o,
				 struct table *t, const struct table_spec *spec, const char *what,
				 bool *gone)
{
	char lb[SNAP_LABEL_MAX], esc[4 * SNAP_LABEL_MAX];
	const struct snap_vm *v;

	unsigned int hide = o->hist ? 0 : TABLE_COL_SPARK;

	table_begin(t, spec, hide, "%s", what);
	*gone = false;
	if (o->scope.kind == SCOPE_HOST)
		return NULL;
	v = snapshot_vm(s, o->scope.pid);
	if (!v) {
		table_note(t, "VM %d is gone", o->scope.pid);
		*gone = true;
		return NULL;
	}
	table_begin(t, spec, hide | TABLE_COL_ACROSS, "%s of %s", what,
		    pane_escape(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc)));
	return v;
}

bool pane_vm_visible(const struct snap_vm *vm, const struct pane_opts *o)
{
	struct snap_vm_name names[SNAP_VM_NAMES_MAX];
	char buf[SNAP_LABEL_MAX], esc[4 * sizeof(buf)];
	int i, n;

	if (!o->filter)
		return true;
	/* Match what the user sees: the escaped label, any other name the VM has, or the pid. */
	escape_text(esc, sizeof(esc), snap_vm_label(vm, buf, sizeof(buf)), (size_t)-1, o->utf8);
	if (!regexec(o->filter, esc, 0, NULL, 0))
		return true;
	n = snap_vm_names(vm, names, SNAP_VM_NAMES_MAX);
	for (i = 0; i < n; i++) {
		escape_text(esc, sizeof(esc), names[i].value, (size_t)-1, o->utf8);
		if (!regexec(o->filter, esc, 0, NULL, 0))
			return true;
	}
	snprintf(buf, sizeof(buf), "%d", vm->pid);
	return !regexec(o->filter, buf, 0, NULL, 0);
}

bool pane_vm_named(const struct snap_vm *vm, const char *want, bool part, bool utf8)
{
	struct snap_vm_name names[SNAP_VM_NAMES_MAX + 1];
	char lb[SNAP_LABEL_MAX], esc[4 * SNAP_LABEL_MAX];
	int i, n;

	/* The label first: for a VM without a name it is "comm:pid", which is no other name. */
	names[0].value = snap_vm_label(vm, lb, sizeof(lb));
	n = 1 + snap_vm_names(vm, names + 1, SNAP_VM_NAMES_MAX);
	for (i = 0; i < n; i++) {
		escape_text(esc, sizeof(esc), names[i].value, (size_t)-1, utf8);
		if (part ? strcasestr(esc, want) != NULL : !strcasecmp(esc, want))
			return true;
	}
	return false;
}

void pane_spark(struct table *t, int col, const struct pane_opts *o, const struct snap_vm *v,
		enum spark_what what, unsigned int kind, uint64_t id)
{
	const signed char *level;
	int n = o->hist ? sparkhist_levels(o->hist, v, what, kind, id, &level) : 0;

	if (n)
		table_spark(t, col, level, n, o->utf8);
}

const char *pane_escape(const char *raw, const struct pane_opts *o, char *buf, size_t n)
{
	/* Titles are printed and drawn like cells: a name's control bytes never reach a tty. */
	escape_text(buf, n, raw, (size_t)-1, o->utf8);
	return buf;
}

const char *pane_thread_label(const struct snap_thread *t, char *buf, int bufsz)
{
	if (t->nthreads > 1 || (t->kind == THREAD_OTHER && !t->tid))
		snprintf(buf, (size_t)bufsz, "other (%d)", t->nthreads);
	else if (t->kind == THREAD_VCPU && t->index >= 0 && strncmp(t->comm, "CPU ", 4))
		/* A vCPU found by its KVM_RUN fd, not its name: say which one it is. */
		snprintf(buf, (size_t)bufsz, "vCPU %d (%s)", t->index, t->comm);
	else
		return t->comm;
	return buf;
}

void pane_thread_row(struct table *t, const struct pane_opts *o, const struct snap_vm *v,
		     const struct snap_thread *th, int col)
{
	char lb[SNAP_LABEL_MAX];

	table_row(t, th->gone ? ROW_DIM : ROW_NORMAL, 0,
		  &(struct table_ref){ .kind = REF_THREAD,
				       .pid = v->pid,
				       .tid = th->tid,
				       .thread = (uint8_t)th->kind });
	table_set_raw(t, col, pane_thread_label(th, lb, sizeof(lb)), o->utf8);
}

const char *pane_trace_why(const struct snapshot *s, char *buf, int bufsz)
{
	const struct snap_source *st = snapshot_source(s, "tracefs");

	if (!st)
		return s->events ? NULL : "no trace source";
	switch (st->state) {
	case SNAP_SRC_OK:
	case SNAP_SRC_DEGRADED:
		return NULL;
	case SNAP_SRC_OFF:
		snprintf(buf, (size_t)bufsz, "tracing off%s%s", st->why[0] ? ": " : "", st->why);
		return buf;
	default:
		snprintf(buf, (size_t)bufsz, "tracing unavailable%s%s", st->why[0] ? ": " : "",
			 st->why);
		return buf;
	}
}
