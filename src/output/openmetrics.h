/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots as a metrics exposition, in the Prometheus text format (0.0.4) and in
 * OpenMetrics 1.0. A snapshot holds counts over one window; a scraper needs counters that
 * only grow. So this keeps a running total per series, adding each tick's window to it:
 * every snapshot of a run must pass through openmetrics_update() once, in order. Series
 * are kept per VM (by pid and start time, so a restarted VM is a new one) and dropped with
 * their VM; a scraper then sees them end (Prometheus marks them stale).
 *
 * Cardinality is bounded: exit reasons by the model's tables, hot addresses and virtio
 * round trips by a sticky top-N per VM and kind plus an "other" series, wake classes and
 * hints by fixed sets, per-vCPU series only when asked for. The man page lists every
 * family and its labels.
 */
#ifndef KVMSCOPE_OPENMETRICS_H
#define KVMSCOPE_OPENMETRICS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

enum om_format {
	OM_TEXT = 0,	/* Prometheus text 0.0.4: what node_exporter's textfile collector reads */
	OM_OPENMETRICS, /* OpenMetrics 1.0.0: what Prometheus asks for first */
	OM__FORMATS,
};

#define OM_HOT_TOP_MAX	   16 /* the snapshot shows at most this many addresses per kind */
#define OM_HOT_TOP_DEFAULT 5
#define OM_RT_TOP	   8 /* virtio notify addresses per VM (the model keeps as many) */

/* Content types of the formats, for HTTP. */
#define OM_CTYPE_TEXT	     "text/plain; version=0.0.4; charset=utf-8"
#define OM_CTYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* What to export. Copied by openmetrics_new(). */
struct om_config {
	bool per_vcpu;	       /* exits, perf and KVM stats per vCPU too */
	int hot_top;	       /* hot addresses per VM and kind, 1..OM_HOT_TOP_MAX; 0: default */
	const regex_t *filter; /* VMs to export (the caller keeps it); NULL: all */
	const char *version;   /* kvmscope's, for kvmscope_build_info (the caller keeps it) */
};

/* A growing text buffer. Owned by whoever holds it; om_buf_free() releases it. */
struct om_buf {
	char *p;
	size_t len, cap;
};

void om_buf_free(struct om_buf *b);

/* The running totals. Owned by the output that made it; openmetrics_free() releases it. */
struct openmetrics;

/* Returns new running totals (never NULL: allocation failure ends the program). */
struct openmetrics *openmetrics_new(const struct om_config *cfg);
void openmetrics_free(struct openmetrics *m);

/*
 * Returns 0 after adding s's window to the totals, or -EINVAL when s is cumulative (its
 * counts repeat earlier windows). delay_s is the configured tick, for the tick metrics.
 */
int openmetrics_update(struct openmetrics *m, const struct snapshot *s, double delay_s);

/*
 * Appends the exposition of the totals as of the last update to out[f] for each format f
 * whose buffer is not NULL; the sample lines are formatted once. The OpenMetrics text is
 * left open: openmetrics_tail() ends it.
 */
void openmetrics_render(const struct openmetrics *m, struct om_buf *out[OM__FORMATS]);

/* What the HTTP server knows at the time of a scrape. */
struct om_scrape {
	double sample_lag_s; /* from the tick the exposition came from to now */
	double render_s;     /* time the loop spent on the last update and render */
	uint64_t scrapes;    /* /metrics requests completed before this one */
	uint64_t scrape_ns;  /* their total time, from request to the last byte queued */
	uint64_t http[5];    /* responses by code: 200, 404, 405, 503, other */
};

/*
 * Returns the length of the scrape-time families (with s) and, for OpenMetrics, the final
 * "# EOF" written to buf (NUL-terminated; cut short if n is too small, so give 4 KiB). s
 * NULL writes only the end of the exposition.
 */
size_t openmetrics_tail(char *buf, size_t n, enum om_format f, const struct om_scrape *s);

/*
 * Returns 0 after writing one whole exposition of s (update, render, end) to f, or -EINVAL
 * for a cumulative snapshot, -EIO when f fails: the batch formats.
 */
int openmetrics_write(FILE *f, struct openmetrics *m, const struct snapshot *s, double delay_s,
		      enum om_format fmt);

/* One metric family: its name as sampled (counters end in _total), type and help. */
struct om_family {
	const char *name;
	const char *type; /* "counter", "gauge", "summary", "histogram", "info" */
	const char *help;
};

/* Returns the families this module writes (for the manual's test), *n set to their count. */
const struct om_family *openmetrics_families(int *n);

/*
 * Returns the format a scraper's Accept header asks for: OpenMetrics when it accepts
 * application/openmetrics-text with a quality above 0 and at least that of text/plain and
 * its wildcards, else text. A q that is not a qvalue (0 to 1, three decimals at most) counts
 * as 0. Ranges are split at every comma: quoted parameter values are not read.
 */
enum om_format openmetrics_negotiate(const char *accept);

#endif
