// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "header.h"
#include "pane.h"
#include "summary.h"
#include "util.h"

/* Returns buf holding wall clock t as local "YYYY-MM-DD HH:MM:SS". */
static const char *local(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "@%lld", (long long)t);
	return buf;
}

/* Prints the top rows of pane name at host scope, as batch text prints the pane. */
static void top_rows(FILE *f, const struct snapshot *s, const char *name, struct table *t)
{
	const struct pane_opts po = { .scope.kind = SCOPE_HOST, .sort = -1 };
	const struct pane *p = pane_find(name);
	char note[TABLE_NOTE_MAX];
	int n;

	if (!p)
		return;
	pane_build(p, s, &po, t);
	if (!t->nrows)
		return;
	n = t->nrows;
	/* The rows are sorted: the first are the busiest; the note goes after the count. */
	t->nrows = MIN(n, SUMMARY_ROWS);
	strlcpy0(note, t->note, sizeof(note));
	t->note[0] = '\0';
	table_print(f, t);
	if (n > t->nrows)
		fprintf(f, "(%d more rows)\n", n - t->nrows);
	if (note[0])
		fprintf(f, "%s\n", note);
	t->nrows = n;
	fputc('\n', f);
}

int summary_write(FILE *f, const struct snapshot *s, const struct summary_info *si)
{
	char t0[32], t1[32], lb[SNAP_LABEL_MAX], esc[4 * (SNAP_LABEL_MAX + 160)];
	double window = (double)s->window_ns / 1e9;
	struct table t = { 0 };
	struct header h;
	int i, k, hints = 0;

	header_fill(&h, s, false);
	fprintf(f, "kvmscope %s incident summary: host %s\n", si->version ? si->version : "",
		h.host);
	if (s->wall_s)
		fprintf(f, "window: %s to %s (%.0f s, %zu ticks)\n",
			local(s->wall_s - (int64_t)(window + 0.5), t0, sizeof(t0)),
			local(s->wall_s, t1, sizeof(t1)), window, si->ticks);
	else
		fprintf(f, "window: %.1f s of trace time up to %s (%zu ticks)\n", window, h.time,
			si->ticks);
	fprintf(f, "kernel %s, kvm %s, %d CPUs\n", h.kernel, h.kvm, h.ncpus);
	if (si->recording)
		fprintf(f, "recording: %s (replay it: kvmscope -r %s)\n", si->recording,
			si->recording);
	fprintf(f, "counts and rates are over the whole window; P99 and P50 are the largest of "
		   "its ticks', upper bounds\n\n");

	fprintf(f, "Hints\n");
	for (i = 0; i < s->nvms; i++)
		for (k = 0; k < s->vms[i].nhints; k++, hints++) {
			char line[SNAP_LABEL_MAX + 200];

			snprintf(line, sizeof(line), "%s (pid %d): %s",
				 snap_vm_label(&s->vms[i], lb, sizeof(lb)), s->vms[i].pid,
				 s->vms[i].hints[k].text);
			escape_text(esc, sizeof(esc), line, (size_t)-1, false);
			fprintf(f, "  %s\n", esc);
		}
	if (!hints)
		fprintf(f, "  none: no known storm pattern in the window\n");
	fputc('\n', f);

	top_rows(f, s, "vms", &t);
	top_rows(f, s, "exits", &t);
	top_rows(f, s, "hot", &t);
	table_free(&t);

	fprintf(f, "Sources\n");
	for (i = 0; i < h.nsources; i++)
		fprintf(f, "  %s %s%s%s\n", h.sources[i].name, h.sources[i].state,
			h.sources[i].why[0] ? ": " : "", h.sources[i].why);
	fprintf(f, "events %llu in the window, %llu lost since start, %llu unattributed\n",
		(unsigned long long)s->events, (unsigned long long)s->events_lost,
		(unsigned long long)s->events_unattributed);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
