/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The incident summary: a short plain text of a span of ticks (their merge, snapmerge.h) to
 * attach to a ticket beside the recording it comes with: the host and the window, the hints,
 * the busiest VMs, exits and addresses (the panes' own tables, their top rows), the sources
 * and what was lost.
 */
#ifndef KVMSCOPE_SUMMARY_H
#define KVMSCOPE_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"

#define SUMMARY_ROWS 10 /* rows of each table */

/* What the summary says of where it comes from. Owned by the caller. */
struct summary_info {
	const char *recording; /* the recording written beside it (its name), or NULL */
	size_t ticks;	       /* in the span */
	const char *version;   /* kvmscope's */
};

/* Returns 0 after writing the summary of s (a merge of the span's ticks) to f, or -EIO. */
int summary_write(FILE *f, const struct snapshot *s, const struct summary_info *si);

#endif
