// SPDX-License-Identifier: GPL-2.0
/*
 * A row's latency distribution (scope.lat: an exit reason, a wake edge, a round trip), by
 * powers of two as the snapshot keeps them: a bar per bucket, its count and share, and where
 * P50, P99 and MAX fall, each marked with the value its own row's columns show.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "fmt.h"
#include "pane.h"
#include "util.h"

enum { L_RANGE, L_COUNT, L_PCT, L_CUM, L_BAR, L_MARK, L__N };

/* The bar takes what the screen leaves: it is the column that shrinks. */
static const struct table_col lat_cols[L__N] = {
	[L_RANGE] = TABLE_TEXT("LATENCY", 16, 0, 0),
	[L_COUNT] = TABLE_NUMBER("COUNT", 7, 2),
	[L_PCT] = TABLE_NUMBER("%", 5, 1),
	[L_CUM] = TABLE_NUMBER("CUM%", 5, 3),
	[L_BAR] = { "", 40, 8, ALIGN_LEFT, 0, TABLE_COL_BAR },
	[L_MARK] = TABLE_TEXT("MARKS", 30, 0, 0),
};

/* Buckets stay in order: the shape is the point. */
static const struct table_spec lat_table = {
	.cols = lat_cols,
	.ncols = L__N,
	.sort = -1,
};

/* What pane_lat_find() found: the distribution and the numbers its row shows. */
struct lat_src {
	const struct snap_lat *lat;
	int64_t p50, p99, max; /* < 0 or (exits) 0: unknown */
	char what[4 * SNAP_NAME_MAX + 16];
	const char *of; /* what the times are */
};

/* Returns true with *src filled when the row ref of VM v has a distribution. */
static bool find_src(const struct snap_vm *v, const struct table_ref *ref, bool utf8,
		     struct lat_src *src)
{
	const struct snap_exit *e = NULL;
	const struct snap_thread *th;
	char b1[FMT_MAX], esc[4 * SNAP_COMM_MAX], esc2[4 * SNAP_COMM_MAX];
	int i, n = 0;

	memset(src, 0, sizeof(*src));
	switch (ref->kind) {
	case REF_EXIT:
		if (ref->tid) {
			th = snapshot_thread(v, ref->tid);
			if (th) {
				e = th->exits;
				n = th->nexits;
			}
		} else {
			e = v->exits;
			n = v->nexits;
		}
		for (i = 0; i < n; i++, e++)
			if (((uint64_t)e->kind << 32 | e->reason) == ref->id)
				break;
		if (i >= n)
			return false;
		escape_text(esc, sizeof(esc), e->name, (size_t)-1, utf8);
		snprintf(src->what, sizeof(src->what), "%s", esc);
		if (snap_lat_count(&e->lat)) {
			src->lat = &e->lat;
			src->p50 = (int64_t)e->p50_ns;
			src->p99 = (int64_t)e->p99_ns;
			src->max = (int64_t)e->max_ns;
			src->of = "handling times (P50, P99, MAX)";
		} else {
			/* Without kvm_entry the VMM's part is the time there is to see. */
			src->lat = &e->vmm_lat;
			src->p50 = (int64_t)e->vmm_p50_ns;
			src->p99 = (int64_t)e->vmm_p99_ns;
			src->max = (int64_t)e->vmm_max_ns;
			src->of = "the VMM's times (VMM P99 in Exits)";
		}
		return true;
	case REF_EDGE:
		for (i = 0; v->wake && i < v->wake->nedges; i++) {
			const struct snap_wake_edge *w = &v->wake->edges[i];

			if (w->wakee != ref->tid || (uint64_t)(int64_t)w->waker != ref->id ||
			    w->other != ref->other)
				continue;
			escape_text(esc, sizeof(esc), w->waker_comm, (size_t)-1, utf8);
			escape_text(esc2, sizeof(esc2), w->wakee_comm, (size_t)-1, utf8);
			if (w->other)
				snprintf(src->what, sizeof(src->what), "the other wakeups");
			else
				snprintf(src->what, sizeof(src->what), "%s -> %s", esc, esc2);
			src->lat = &w->lat;
			src->p50 = w->p50_ns;
			src->p99 = w->p99_ns;
			src->max = w->max_ns;
			src->of = "wake latencies";
			return true;
		}
		return false;
	case REF_ROUNDTRIP:
		for (i = 0; v->wake && i < v->wake->nrts; i++) {
			const struct snap_wake_rt *r = &v->wake->rts[i];

			if (r->addr != ref->id || r->other != ref->other ||
			    (uint8_t)(r->kind + 1) != ref->hot)
				continue;
			if (r->other)
				snprintf(src->what, sizeof(src->what), "the other round trips");
			else
				snprintf(src->what, sizeof(src->what), "notify %s %s",
					 snap_hot_kind_name(r->kind), fmt_hex(b1, r->addr));
			src->lat = &r->lat;
			src->p50 = r->p50_ns;
			src->p99 = r->p99_ns;
			src->max = r->max_ns;
			src->of = "notify to vCPU running";
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* Appends "NAME value" to the marks of the row whose bucket holds v. */
static void mark(char (*marks)[48], int lo, int hi, const char *name, int64_t v)
{
	char b[FMT_MAX];
	int k;
	size_t len;

	if (v <= 0)
		return;
	k = snap_lat_bucket((uint64_t)v);
	if (k < lo || k > hi)
		return;
	len = strlen(marks[k]);
	snprintf(marks[k] + len, 48 - len, "%s%s %s", len ? "  " : "", name, fmt_ns(b, (double)v));
}

/* Returns buf holding a bucket's range: "1.02us-2.05us", "<2ns", ">=137s". */
static char *range(char *buf, size_t n, int k)
{
	char a[FMT_MAX], b[FMT_MAX];

	if (k == 0)
		snprintf(buf, n, "<2ns");
	else if (k == SNAP_LAT_BUCKETS - 1)
		snprintf(buf, n, ">=%s", fmt_ns(a, (double)snap_lat_low(k)));
	else
		snprintf(buf, n, "%s-%s", fmt_ns(a, (double)snap_lat_low(k)),
			 fmt_ns(b, (double)snap_lat_low(k + 1)));
	return buf;
}

static void fill_lat(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	char marks[SNAP_LAT_BUCKETS][48], buf[64], lb[SNAP_LABEL_MAX], esc[4 * SNAP_LABEL_MAX];
	const struct table_ref *ref = &o->scope.lat;
	const struct snap_vm *v = snapshot_vm(s, ref->pid);
	uint64_t total, peak = 0, cum = 0;
	struct lat_src src;
	int k, lo = -1, hi = -1;

	table_begin(t, &lat_table, 0, "Latency");
	if (ref->kind == REF_NONE)
		return;
	if (!v) {
		table_note(t, "VM %d is gone", ref->pid);
		return;
	}
	if (!find_src(v, ref, o->utf8, &src)) {
		table_note(t, "no such row in this tick");
		return;
	}
	pane_escape(snap_vm_label(v, lb, sizeof(lb)), o, esc, sizeof(esc));
	total = snap_lat_count(src.lat);
	table_retitle(t, "Latency of %s in %s", src.what, esc);
	if (!total) {
		table_note(t, "none timed in the window%s",
			   s->cumulative ? "" : " (c: since start)");
		return;
	}
	memset(marks, 0, sizeof(marks));
	for (k = 0; k < SNAP_LAT_BUCKETS; k++) {
		if (!src.lat->b[k])
			continue;
		if (lo < 0)
			lo = k;
		hi = k;
		peak = MAX(peak, src.lat->b[k]);
	}
	mark(marks, lo, hi, "P50", src.p50);
	mark(marks, lo, hi, "P99", src.p99);
	mark(marks, lo, hi, "MAX", src.max);
	for (k = lo; k <= hi; k++) {
		uint64_t c = src.lat->b[k];

		cum += c;
		table_row(
			t, marks[k][0] ? ROW_HOT : ROW_NORMAL, 0,
			&(struct table_ref){ .kind = REF_NONE, .pid = v->pid, .id = (uint64_t)k });
		table_put(t, L_RANGE, range(buf, sizeof(buf), k));
		table_si(t, L_COUNT, (double)c);
		table_pct(t, L_PCT, 100.0 * (double)c / (double)total);
		table_pct(t, L_CUM, 100.0 * (double)cum / (double)total);
		table_bar(t, L_BAR, (double)c / (double)peak, o->utf8);
		table_put(t, L_MARK, marks[k]);
	}
	table_note(t,
		   "%s: %s timed; bars by count, the fullest bucket full; marks: the bucket "
		   "each value falls in",
		   src.of, fmt_si(buf, (double)total));
}

int pane_lat_refs(const struct snap_vm *v, struct table_ref *out, int max)
{
	struct lat_src src;
	int i, n = 0;

	for (i = 0; i < v->nexits && n < max; i++) {
		out[n] = (struct table_ref){ .kind = REF_EXIT,
					     .pid = v->pid,
					     .id = (uint64_t)v->exits[i].kind << 32 |
						   v->exits[i].reason };
		if (find_src(v, &out[n], false, &src) && snap_lat_count(src.lat))
			n++;
	}
	for (i = 0; v->wake && i < v->wake->nrts && n < max; i++) {
		const struct snap_wake_rt *r = &v->wake->rts[i];

		out[n] = (struct table_ref){ .kind = REF_ROUNDTRIP,
					     .pid = v->pid,
					     .id = r->addr,
					     .hot = (uint8_t)(r->kind + 1),
					     .other = r->other };
		if (snap_lat_count(&r->lat))
			n++;
	}
	return n;
}

const struct pane pane_lat = {
	.name = "latency",
	.title = "Latency",
	.scopes = SCOPE_F(SCOPE_HOST) | SCOPE_F(SCOPE_VM) | SCOPE_F(SCOPE_VCPU),
	.lat_only = true,
	.whole = true,
	.table = &lat_table,
	.rank = 1,
	.fill = fill_lat,
};
