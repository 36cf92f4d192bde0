// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "pane.h"

extern const struct pane pane_vms, pane_threads, pane_exits, pane_hot, pane_split, pane_hints;
extern const struct pane pane_counters;
extern const struct pane pane_wake, pane_roundtrip;

const struct pane *const panes[] = {
	&pane_vms,
	&pane_threads,
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

bool pane_vm_visible(const struct snap_vm *vm, const struct pane_opts *o)
{
	char buf[SNAP_LABEL_MAX], esc[4 * sizeof(buf)];

	if (!o->filter)
		return true;
	/* Match what the user sees: the escaped label, or the pid. */
	escape_text(esc, sizeof(esc), snap_vm_label(vm, buf, sizeof(buf)), (size_t)-1, o->utf8);
	if (!regexec(o->filter, esc, 0, NULL, 0))
		return true;
	snprintf(buf, sizeof(buf), "%d", vm->pid);
	return !regexec(o->filter, buf, 0, NULL, 0);
}

const char *pane_title_text(const char *raw, const struct pane_opts *o, char *buf, size_t n)
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
