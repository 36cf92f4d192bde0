// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "batch.h"
#include "csv.h"
#include "header.h"
#include "openmetrics.h"
#include "snapjson.h"

/* Distributions printed per VM at most: a VM's exit reasons and round trips are few. */
#define BATCH_LATS_MAX 16

void batch_header(FILE *f, const struct snapshot *s)
{
	struct header h;

	header_fill(&h, s, false);
	header_print(f, &h);
}

/* Prints every pane that has something for scope, each followed by a blank line. */
static void print_panes(FILE *f, const struct snapshot *s, const struct pane_opts *po,
			struct table *t)
{
	int i;

	for (i = 0; panes[i]; i++) {
		if (!pane_shown(panes[i], &po->scope))
			continue;
		pane_build(panes[i], s, po, t);
		if (!t->nrows && !t->note[0])
			continue;
		table_print(f, t);
		fputc('\n', f);
	}
}

/* Prints the latency distribution of each row of v that has one (pane_lat_refs()). */
static void print_lats(FILE *f, const struct snapshot *s, struct pane_opts *po,
		       const struct snap_vm *v, struct table *t)
{
	const struct pane *lat = pane_find("latency");
	struct table_ref refs[BATCH_LATS_MAX];
	int i, n = pane_lat_refs(v, refs, BATCH_LATS_MAX);

	for (i = 0; lat && i < n; i++) {
		po->scope.lat = refs[i];
		pane_build(lat, s, po, t);
		table_print(f, t);
		fputc('\n', f);
	}
}

int batch_print(FILE *f, const struct snapshot *s, const struct batch_opts *o)
{
	struct pane_opts po = { .sort = -1, .utf8 = o->utf8, .filter = o->filter };
	struct table own = { 0 }, *t = o->table ? o->table : &own;
	int i;

	if (o->format == BATCH_CSV)
		return csv_write(f, s, o->filter, o->detail, o->header);
	if (o->format == BATCH_OPENMETRICS || o->format == BATCH_PROMETHEUS)
		return openmetrics_write(f, o->metrics, s, o->delay_s,
					 o->format == BATCH_OPENMETRICS ? OM_OPENMETRICS : OM_TEXT);
	if (o->format == BATCH_JSON) {
		snapjson_write(f, s, o->filter);
	} else {
		batch_header(f, s);
		fputc('\n', f);
		po.scope.kind = SCOPE_HOST;
		print_panes(f, s, &po, t);
		for (i = 0; o->detail && i < s->nvms; i++) {
			if (s->vms[i].gone || !pane_vm_visible(&s->vms[i], &po))
				continue;
			po.scope.kind = SCOPE_VM;
			po.scope.pid = s->vms[i].pid;
			print_panes(f, s, &po, t);
			print_lats(f, s, &po, &s->vms[i], t);
			po.scope.lat.kind = REF_NONE;
		}
		table_free(&own);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
