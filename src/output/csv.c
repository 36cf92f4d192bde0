// SPDX-License-Identifier: GPL-2.0
/* The CSV batch format: the columns are documented in the manual (FORMATS). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "escape.h"
#include "pane.h"

static const char header_row[] =
	"time,row,vm,pid,thread,tid,vcpus,iothreads,exits_per_s,top_exit,top_exit_pct,exit_pct,"
	"cpu_pct,guest_pct,host_pct,steal_pct,csw_per_s,top_addr_kind,top_addr,top_addr_name,"
	"top_addr_per_s\n";

/* Writes raw text as one field: escaped as on screen, quoted when it holds , or ". */
static void field_text(FILE *f, const char *raw)
{
	char esc[4 * SNAP_LABEL_MAX + 8];
	const char *p;

	escape_text(esc, sizeof(esc), raw, (size_t)-1, true);
	fputc(',', f);
	if (!strpbrk(esc, ",\"")) {
		fputs(esc, f);
		return;
	}
	fputc('"', f);
	for (p = esc; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* Writes a number with one decimal, or an empty field when v < 0 (no data). */
static void field_num(FILE *f, double v)
{
	if (!isfinite(v) || v < 0)
		fputc(',', f);
	else
		fprintf(f, ",%.1f", v);
}

static void field_int(FILE *f, long v)
{
	fprintf(f, ",%ld", v);
}

/* Returns the percent of the time spent handling exits (kernel and VMM), -1 unknown. */
static double exit_pct(const struct exit_split *sp)
{
	if (sp->source == SPLIT_NONE || sp->kernel < 0)
		return -1;
	return sp->kernel + (sp->user > 0 ? sp->user : 0);
}

/* Returns the busiest hot address of v (the other bucket never), or NULL. */
static const struct snap_hot *top_hot(const struct snap_vm *v)
{
	const struct snap_hot *best = NULL;
	int i;

	for (i = 0; i < v->nhot; i++)
		if (!v->hot[i].other && v->hot[i].count && (!best || v->hot[i].rate > best->rate))
			best = &v->hot[i];
	return best;
}

static void vm_row(FILE *f, const char *when, const struct snap_vm *v, bool traced)
{
	const struct snap_hot *h = top_hot(v);
	char lb[SNAP_LABEL_MAX], addr[24];

	fprintf(f, "%s,vm", when);
	field_text(f, snap_vm_label(v, lb, sizeof(lb)));
	field_int(f, v->pid);
	fputs(",,", f); /* thread, tid */
	field_int(f, v->nvcpus);
	field_int(f, v->niothreads);
	field_num(f, traced ? v->exits_rate : -1);
	field_text(f, v->top_exit);
	field_num(f, v->top_exit[0] ? v->top_exit_share : -1);
	field_num(f, exit_pct(&v->split));
	field_num(f, v->cpu.cpu);
	field_num(f, v->cpu.guest);
	field_num(f, v->cpu.host);
	field_num(f, v->cpu.steal);
	field_num(f, v->cpu.cs);
	if (h) {
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)h->addr);
		field_text(f, snap_hot_kind_name(h->kind));
		field_text(f, addr);
		field_text(f, h->name);
		field_num(f, h->rate);
	} else {
		fputs(",,,,", f);
	}
	fputc('\n', f);
}

static void thread_row(FILE *f, const char *when, const struct snap_vm *v,
		       const struct snap_thread *t, bool traced)
{
	static const char *const kinds[] = {
		[THREAD_OTHER] = "other", [THREAD_VCPU] = "vcpu", [THREAD_IOTHREAD] = "iothread"
	};
	char lb[SNAP_LABEL_MAX];
	bool vcpu = t->kind == THREAD_VCPU;

	fprintf(f, "%s,%s", when, t->kind <= THREAD_IOTHREAD ? kinds[t->kind] : "other");
	field_text(f, snap_vm_label(v, lb, sizeof(lb)));
	field_int(f, v->pid);
	field_text(f, pane_thread_label(t, lb, sizeof(lb)));
	if (t->tid)
		field_int(f, t->tid);
	else
		fputc(',', f);
	fputs(",,", f); /* vcpus, iothreads */
	field_num(f, vcpu && traced ? t->exits_rate : -1);
	field_text(f, vcpu && t->nexits ? t->exits[0].name : "");
	field_num(f, vcpu && t->nexits ? t->exits[0].share : -1);
	field_num(f, vcpu ? exit_pct(&t->split) : -1);
	field_num(f, t->cpu.cpu);
	field_num(f, t->cpu.guest);
	field_num(f, t->cpu.host);
	field_num(f, t->cpu.steal);
	field_num(f, t->cpu.cs);
	fputs(",,,,\n", f); /* hot addresses are the VM's */
}

int csv_write(FILE *f, const struct snapshot *s, const regex_t *filter, bool detail, bool header)
{
	struct pane_opts po = { .utf8 = true, .filter = filter };
	const struct snap_source *tr = snapshot_source(s, "tracefs");
	bool traced = tr && (tr->state == SNAP_SRC_OK || tr->state == SNAP_SRC_DEGRADED);
	time_t wall = (time_t)s->wall_s;
	char when[32];
	struct tm tm;
	int i, k;

	gmtime_r(&wall, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (header)
		fputs(header_row, f);
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];

		if (v->gone || !pane_vm_visible(v, &po))
			continue;
		vm_row(f, when, v, traced);
		for (k = 0; detail && k < v->nthreads; k++)
			thread_row(f, when, v, &v->threads[k], traced);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
