/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Panes: each turns a snapshot into a table for one scope (the host, one VM, one vCPU).
 * The TUI draws the tables and batch mode prints them, so both show the same text.
 */
#ifndef KVMSCOPE_PANE_H
#define KVMSCOPE_PANE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "table.h"

enum scope_kind { SCOPE_HOST = 0, SCOPE_VM, SCOPE_VCPU };
#define SCOPE_F(k) (1u << (k))

/* What is being looked at: the host, the VM pid, or the vCPU tid of VM pid. */
struct scope {
	enum scope_kind kind;
	int pid;
	int tid;
	int hot_only; /* 0: every kind of hot address; else 1 + enum hot_kind (from an exit row) */
};

/* How to build: set by the output from its view state. Owned by the caller. */
struct pane_opts {
	struct scope scope;
	bool utf8;		/* pass printable UTF-8 through escaping */
	bool show_zero;		/* keep rows with nothing in the window */
	int sort;		/* column to sort by, -1 for the pane's default */
	bool reverse;		/* ascending instead of the pane's natural order */
	const regex_t *filter;	/* VMs whose label does not match are left out; NULL: all */
};

struct pane {
	const char *name;	/* "vms", "threads", "exits", "hot", ... */
	const char *title;
	unsigned int scopes;	/* SCOPE_F() of the scopes it has something to show for */
	const struct table_col *cols;
	int ncols;
	int sort;		/* default sort column */
	/* Fills t (table_begin() first) from s for o->scope. */
	void (*build)(const struct snapshot *s, const struct pane_opts *o, struct table *t);
};

/* Every pane, in screen order; NULL-terminated. */
extern const struct pane *const panes[];

/* Returns the pane with this name, or NULL. */
const struct pane *pane_find(const char *name);

/* Returns true when the VM's label matches o->filter (or there is none). */
bool pane_vm_visible(const struct snap_vm *vm, const struct pane_opts *o);

/*
 * Returns why there are no trace events ("tracing off (--no-trace)", "tracing unavailable:
 * why") written to buf, or NULL when the trace source runs.
 */
const char *pane_trace_why(const struct snapshot *s, char *buf, int bufsz);

/* Returns buf holding raw (a name) escaped for a title, as cells are (o->utf8). */
const char *pane_title_text(const char *raw, const struct pane_opts *o, char *buf, size_t n);

/* Thread label: "CPU 0/KVM", "IO iothread0", "other (5)"; raw comm for one thread. */
const char *pane_thread_label(const struct snap_thread *t, char *buf, int bufsz);

#endif
