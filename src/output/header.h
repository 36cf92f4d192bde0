/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The header: the host, the data sources and the trace's health, as fields. Batch text prints
 * them as three lines; the TUI lays the same fields out on screen (the interval and markers at
 * the right, sources wrapped and coloured by their state) without reading text back.
 */
#ifndef KVMSCOPE_HEADER_H
#define KVMSCOPE_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

/* The host name escaped: each of its bytes may take four. */
#define HEADER_HOST_MAX (4 * sizeof(((struct snap_host *)0)->hostname))

/* The sources the header shows: the snapshot's, and the trace's detail after them. */
#define HEADER_SOURCES_MAX (SNAP_SOURCES_MAX + 1)

/* A data source as the header shows it; part of struct header. */
struct header_source {
	const char *name;  /* "procfs", "tracefs" ... */
	const char *state; /* "ok", "degraded", "unavailable", "off" */
	const char *why;   /* "" when there is nothing to say */
	bool bad;	   /* degraded or unavailable: the screen marks it */
};

/*
 * The header of one snapshot. Filled by header_fill(); owned by the caller. Its strings point
 * into the snapshot (which must outlive it) or into the struct itself.
 */
struct header {
	/* The host line. */
	char time[24];		    /* the tick's local time, "12:34:56"; trace time "+00:05.0" */
	char date[16];		    /* its local date, "2026-12-06"; "" in trace time */
	bool trace_clock;	    /* a trace file's tick: time is since the file's first record */
	bool dated;		    /* set by the caller: the host line says the date too */
	char host[HEADER_HOST_MAX]; /* escaped */
	const char *kernel;	    /* release */
	const char *kvm;	    /* the KVM module, "none" */
	bool kvm_unregistered;	    /* loaded, but no /dev/kvm */
	int ncpus;
	double interval_s; /* since the previous tick */
	bool cumulative;   /* counts since start or reset */
	/* The sources line. */
	struct header_source sources[HEADER_SOURCES_MAX];
	int nsources;
	char detail_state[16]; /* "full", "sampled": the detail source's */
	char detail_why[160];
	/* The events line. */
	int nvms;
	double exits_rate;
	uint64_t events, lost, unattributed;
	bool events_bad; /* events were lost */
	uint64_t lost_now;  /* of them, in this window */
	double lost_share;  /* percent of the window's events */
};

/* Fills h from s; utf8: the host name's printable UTF-8 passes escaping. */
void header_fill(struct header *h, const struct snapshot *s, bool utf8);

/*
 * Each returns buf holding a line of the header, cut to n bytes. The host line without its
 * tail is what the screen shows at the left: "kvmscope 12:34:56  host h  kernel k  kvm m  2
 * CPUs" ("kvmscope +00:05.0 trace time  host h ..." for a trace file's tick, the date before
 * the time when dated); with it, as batch text prints it: "  every 1.0s", then
 * "  cumulative" in that mode.
 */
char *header_host_text(const struct header *h, bool tail, char *buf, size_t n);
/* "every 1.0s": the interval, which the screen puts at the right end. */
char *header_every_text(const struct header *h, char *buf, size_t n);
/*
 * "sources: procfs ok, tracefs unavailable: why"; starts[i] (nsources entries; NULL: not
 * wanted) is where source i's name begins in buf, n when it did not fit.
 */
char *header_sources_text(const struct header *h, char *buf, size_t n, size_t *starts);
/* "VMs 3  exits/s 74.1k  events 1.2M  lost 0  unattributed 0". */
char *header_events_text(const struct header *h, char *buf, size_t n);

/* Writes the header as batch text: the host, sources and events lines. */
void header_print(FILE *f, const struct header *h);

#endif
