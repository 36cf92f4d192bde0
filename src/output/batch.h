/* SPDX-License-Identifier: GPL-2.0 */
/* Batch output: one record per tick, as text (the panes' tables) or one JSON document. */
#ifndef KVMSCOPE_BATCH_H
#define KVMSCOPE_BATCH_H

#include <stdio.h>

#include "pane.h"
#include "snapshot.h"

enum batch_format { BATCH_TEXT = 0, BATCH_JSON, BATCH_CSV, BATCH_OPENMETRICS, BATCH_PROMETHEUS };

struct openmetrics;

/* Owned by the caller. */
struct batch_opts {
	enum batch_format format;
	bool detail;		/* -H: each VM's own panes (threads, ...) */
	bool utf8;
	const regex_t *filter;	/* VMs to show; NULL: all */
	/* The CSV and metrics formats (csv.h, openmetrics.h): */
	bool header;		/* csv: the header row first (the first record) */
	struct openmetrics *metrics; /* openmetrics, prometheus: running totals; the caller's */
	double delay_s;		/* openmetrics, prometheus: the configured tick */
	/* text: the table every pane is built in, kept from record to record so that its
	 * arrays grow once (a fleet's reach megabytes: each growth faults pages in again);
	 * NULL: one for the record. The caller's, freed with table_free(). */
	struct table *table;
};

/*
 * Writes one record for s to f; returns 0, or -EIO when f fails (e.g. a closed pipe), -EINVAL
 * for a cumulative snapshot in a metrics format (its counters need per-interval windows).
 */
int batch_print(FILE *f, const struct snapshot *s, const struct batch_opts *o);

/* Writes the header lines shared with the TUI's header: host, sources, events. */
void batch_header(FILE *f, const struct snapshot *s);

#endif
