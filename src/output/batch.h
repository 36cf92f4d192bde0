/* SPDX-License-Identifier: GPL-2.0 */
/* Batch output: one record per tick, as text (the panes' tables) or one JSON document. */
#ifndef KVMSCOPE_BATCH_H
#define KVMSCOPE_BATCH_H

#include <stdio.h>

#include "pane.h"
#include "snapshot.h"

enum batch_format { BATCH_TEXT = 0, BATCH_JSON };

/* Owned by the caller. */
struct batch_opts {
	enum batch_format format;
	bool detail;		/* -H: each VM's own panes (threads, ...) */
	bool utf8;
	const regex_t *filter;	/* VMs to show; NULL: all */
};

/* Writes one record for s to f; returns 0, or -EIO when f fails (e.g. a closed pipe). */
int batch_print(FILE *f, const struct snapshot *s, const struct batch_opts *o);

/* Writes the header lines shared with the TUI's header: host, sources, events. */
void batch_header(FILE *f, const struct snapshot *s);

#endif
