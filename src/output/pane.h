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
#include "sparkhist.h"
#include "table.h"

enum scope_kind { SCOPE_HOST = 0, SCOPE_VM, SCOPE_VCPU, SCOPE__N };
#define SCOPE_F(k) (1u << (k))

/* What is being looked at: the host, the VM pid, or the vCPU tid of VM pid. */
struct scope {
	enum scope_kind kind;
	int pid;
	int tid;
	int hot_only; /* 0: every kind of hot address; else 1 + enum hot_kind (from an exit row) */
	/* The row whose latency distribution the Latency pane shows; kind REF_NONE: none. */
	struct table_ref lat;
};

/* How to build: set by the output from its view state. Owned by the caller. */
struct pane_opts {
	struct scope scope;
	bool utf8;		/* pass printable UTF-8 through escaping */
	bool show_zero;		/* keep counters with nothing in the window */
	bool fold;		/* counters: children ("kvm_exit(HLT)") folded into their parent */
	int sort;		/* column to sort by, -1 for the pane's default */
	bool reverse;		/* the pane's order reversed */
	const regex_t *filter;	/* VMs whose label does not match are left out; NULL: all */
	const struct sparkhist *hist; /* the rows' recent past for sparklines; NULL: none */
};

/* What Enter on a row of a pane opens; a pane declares one for each scope. */
enum pane_open {
	PANE_OPEN_NONE = 0, /* nothing */
	PANE_OPEN_VM,	    /* the row's VM */
	PANE_OPEN_VCPU,	    /* the row's vCPU; other threads do not narrow the view */
	PANE_OPEN_HOT,	    /* the row's VM's hot addresses of the row's kind; none: the VM */
	PANE_OPEN_LAT,	    /* the row's latency distribution (and, for an exit, PANE_OPEN_HOT) */
};

/* A line of the help for a key a pane has of its own; in a const list the pane declares. */
struct pane_key {
	const char *keys; /* "a b": the keys, as the help shows them */
	const char *what;
};

/*
 * A pane declares itself, statically: the registry (panes[]) is all a screen or batch text
 * needs to show it, sort it, lay it out and open its rows.
 */
struct pane {
	const char *name;	/* "vms", "threads", "exits", "hot", ... */
	const char *title;
	unsigned int scopes;	/* SCOPE_F() of the scopes it has something to show for */
	const struct table_spec *table; /* its columns and order */
	/*
	 * When lines are short, panes of lower rank are shown first: 1 for what answers "which
	 * VM, which exit, which address, how much CPU"; 0: after every ranked pane.
	 */
	int rank;
	/* Shown only at a level opened on a row's distribution (scope.lat set). */
	bool lat_only;
	/* A picture: in focus, shown whole before other panes share the lines. */
	bool whole;
	unsigned char open[SCOPE__N];	/* enum pane_open: what Enter on a row does, per scope */
	const struct pane_key *keys;	/* its own keys for the help, ending with NULL keys */
	/*
	 * Fills t (table_begin() first) from s for o->scope, in any order: pane_build() has the
	 * table sort the rows.
	 */
	void (*fill)(const struct snapshot *s, const struct pane_opts *o, struct table *t);
};

/* The VM a row is of, in tables across VMs; blank in one VM's. */
#define PANE_COL_VM(prio) { "VM", 16, 6, ALIGN_LEFT, prio, TABLE_COL_ACROSS }

/*
 * A row's recent past (sparkhist.h), its newest slots on the right: only with a history to
 * draw from (pane_begin() hides it otherwise), and the first to go on a narrow screen.
 */
#define PANE_COL_SPARK(prio) { "HISTORY", SPARK_CELLS, 8, ALIGN_LEFT, prio, TABLE_COL_SPARK }

/* Every pane, in screen order; NULL-terminated. */
extern const struct pane *const panes[];

/* Returns the pane with this name, or NULL. */
const struct pane *pane_find(const char *name);
/* Returns the index of p in panes[], or -1. */
int pane_index(const struct pane *p);

/* Returns true when pane p has something to show for scope sc. */
bool pane_shown(const struct pane *p, const struct scope *sc);

/*
 * Returns how many refs of rows of VM v that have a latency distribution were put in out (max
 * at most): its exit reasons, then its round trips; for batch text.
 */
int pane_lat_refs(const struct snap_vm *v, struct table_ref *out, int max);

/* Fills t with pane p's rows for o->scope, in o's order. */
void pane_build(const struct pane *p, const struct snapshot *s, const struct pane_opts *o,
		struct table *t);

/* Returns pane p's rank for the layout at index i of panes[]: lower ranks are shown first. */
int pane_rank(const struct pane *p, int i);

/* Where Enter on a row leads: filled by pane_open(); the caller's. */
struct pane_goto {
	struct scope scope;	  /* the level to open */
	const struct pane *focus; /* the pane to focus there; NULL: the first with rows */
	char msg[96];		  /* when there is nowhere to go: why */
	bool error;		  /* msg tells of a failure, not of a no-op */
};

/*
 * Returns true with to->scope and to->focus set when Enter on the row ref of pane p, seen
 * from scope cur, opens something; else false with to->msg saying why not.
 */
bool pane_open(const struct pane *p, const struct scope *cur, const struct table_ref *ref,
	       struct pane_goto *to);

/*
 * Returns the VM of o->scope with t begun as "<what> of <the VM>", the columns that are
 * only across VMs left blank; or NULL with t begun as what: at host scope, or for a VM
 * gone (*gone set, a note saying so).
 */
const struct snap_vm *pane_begin(const struct snapshot *s, const struct pane_opts *o,
				 struct table *t, const struct table_spec *spec, const char *what,
				 bool *gone);

/*
 * Returns true when o->filter matches the VM's label, any of its other names
 * (snap_vm_names(): titles, nova's, libvirt's and Proxmox's names, nova project and user,
 * uuids, -id), each escaped as shown, or its pid; or when there is no filter.
 */
bool pane_vm_visible(const struct snap_vm *vm, const struct pane_opts *o);

/*
 * Returns true when the label or another name of the VM, escaped as shown, is want (any
 * case), or with part set holds it.
 */
bool pane_vm_named(const struct snap_vm *vm, const char *want, bool part, bool utf8);

/*
 * Returns why there are no trace events ("tracing off (--no-trace)", "tracing unavailable:
 * why") written to buf, or NULL when the trace source runs.
 */
const char *pane_trace_why(const struct snapshot *s, char *buf, int bufsz);

/* Sets cell col of the last row of t to the sparkline of a row of VM v (o->hist), if any. */
void pane_spark(struct table *t, int col, const struct pane_opts *o, const struct snap_vm *v,
		enum spark_what what, unsigned int kind, uint64_t id);

/* Returns buf holding raw (a name) escaped for a title or a cell (o->utf8). */
const char *pane_escape(const char *raw, const struct pane_opts *o, char *buf, size_t n);

/* Adds a row for thread th of VM v, its label (escaped) in column col. */
void pane_thread_row(struct table *t, const struct pane_opts *o, const struct snap_vm *v,
		     const struct snap_thread *th, int col);

/* Thread label: "CPU 0/KVM", "IO iothread0", "other (5)"; raw comm for one thread. */
const char *pane_thread_label(const struct snap_thread *t, char *buf, int bufsz);

#endif
