// SPDX-License-Identifier: GPL-2.0
/*
 * The span merge: two ticks as one window, as a replay's cumulative mode and the incident
 * summary see them. Counts add, rates and shares follow the span, quantiles are upper
 * bounds, rows keep their identity across ticks, tables stay bounded, and a merged snapshot
 * is one the JSON schema writes and reads back as itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapcmp.h"
#include "snapjson.h"
#include "snapmerge.h"
#include "snapread.h"
#include "spantick.h"
#include "unit.h"

START_TEST(counts_add_rates_follow_the_span)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 20000, 90);
	struct snapshot *b = span_tick(2, 100, 500, 510, 12000, 15000, 60), *m;
	const struct snap_vm *v;

	m = snapmerge(a, b);
	ck_assert(m->cumulative);
	ck_assert_uint_eq(m->seq, 2);
	ck_assert_int_eq(m->wall_s, b->wall_s);
	ck_assert_uint_eq(m->window_ns, 1500000000ull);
	ck_assert_uint_eq(m->interval_ns, b->interval_ns);
	ck_assert_uint_eq(m->events, 3040);
	ck_assert_int_eq(m->nvms, 1);
	v = &m->vms[0];
	ck_assert(!v->gone);
	ck_assert_uint_eq(v->exits_count, 1520);
	ck_assert_double_eq_tol(v->exits_rate, 1520 / 1.5, 1e-9);
	ck_assert_double_eq_tol(m->exits_rate, 1520 / 1.5, 1e-9);
	/* CPU% over the span: the ticks weighted by their windows. */
	ck_assert_double_eq_tol(v->cpu.cpu, (90 * 1.0 + 60 * 0.5) / 1.5, 1e-9);
	ck_assert_double_eq(v->cpu.steal, -1);
	ck_assert_int_eq(v->nexits, 2);
	ck_assert_str_eq(v->exits[0].name, "IO_INSTRUCTION");
	ck_assert_uint_eq(v->exits[0].count, 1500);
	ck_assert_double_eq_tol(v->exits[0].rate, 1000, 1e-9);
	ck_assert_double_eq_tol(v->exits[0].share, 100.0 * 1500 / 1520, 1e-9);
	/* P99: the largest tick's, an upper bound; MAX: the largest. */
	ck_assert_uint_eq(v->exits[0].p99_ns, 12000);
	ck_assert_uint_eq(v->exits[0].max_ns, 20000);
	ck_assert_uint_eq(v->exits[0].total_ns, 1500 * 5000);
	ck_assert_double_eq_tol(v->exits[0].mean_ns, 5000, 1e-9);
	/* The VMM's part of the row adds up as the row does. */
	ck_assert_uint_eq(v->exits[0].vmm_count, 1500);
	ck_assert_uint_eq(v->exits[0].vmm_total_ns, 1500 * 1000);
	ck_assert_uint_eq(v->exits[0].vmm_max_ns, 10000);
	ck_assert_double_eq_tol(v->exits[0].vmm_mean_ns, 1000, 1e-9);
	ck_assert_double_eq_tol(v->exits[0].vmm_share, 100, 1e-9);
	ck_assert_double_eq(v->exits[1].vmm_mean_ns, -1);
	ck_assert_double_eq(v->exits[1].vmm_share, 0);
	ck_assert_str_eq(v->top_exit, "IO_INSTRUCTION");
	ck_assert_double_eq_tol(v->top_exit_share, 100.0 * 1500 / 1520, 1e-9);
	ck_assert_int_eq(v->nhot, 1);
	ck_assert_uint_eq(v->hot[0].addr, 0x608);
	ck_assert_uint_eq(v->hot[0].count, 1500);
	ck_assert_double_eq_tol(v->hot[0].share, 100, 1e-9);
	ck_assert(v->hot[0].pattern && v->hot[0].user);
	ck_assert_int_eq(v->nhints, 1);
	ck_assert_int_eq(v->nthreads, 1);
	ck_assert_uint_eq(v->threads[0].exits_count, 1520);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* A P99 above the span's MAX cannot be: the bound is clipped to it. */
START_TEST(quantile_bound_never_above_max)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 9000, 90);
	struct snapshot *b = span_tick(2, 100, 1000, 1010, 8000, 8500, 60), *m;

	m = snapmerge(a, b);
	ck_assert_uint_eq(m->vms[0].exits[0].p99_ns, 9000);
	ck_assert_uint_le(m->vms[0].exits[0].p99_ns, m->vms[0].exits[0].max_ns);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* A VM is the same VM by pid and start time; one that went is shown gone, one new added. */
START_TEST(vms_by_identity)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 20000, 90);
	struct snapshot *b = span_tick(2, 200, 1000, 2010, 9000, 20000, 60), *m;

	m = snapmerge(a, b);
	ck_assert_int_eq(m->nvms, 2);
	ck_assert_int_eq(m->vms[0].pid, 100);
	ck_assert(m->vms[0].gone);
	ck_assert(m->vms[0].threads[0].gone == false || m->vms[0].gone);
	/* Its rate is over the span, not over the tick it was seen in. */
	ck_assert_double_eq_tol(m->vms[0].exits_rate, 1010 / 2.0, 1e-9);
	ck_assert_int_eq(m->vms[1].pid, 200);
	ck_assert(!m->vms[1].gone);
	ck_assert_double_eq_tol(m->vms[1].exits_rate, 2010 / 2.0, 1e-9);
	/* Same pid, another start time: another VM. */
	b->vms[0].pid = 100;
	b->vms[0].starttime = 78;
	snapshot_free(m);
	m = snapmerge(a, b);
	ck_assert_int_eq(m->nvms, 2);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* An exit reason one tick lacks counts as none there: its time share is diluted. */
START_TEST(rows_missing_count_as_none)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 20000, 90);
	struct snapshot *b = span_tick(2, 100, 1000, 1010, 9000, 20000, 90), *m;

	b->vms[0].nexits = 1; /* no HLT in b */
	m = snapmerge(a, b);
	ck_assert_int_eq(m->vms[0].nexits, 2);
	ck_assert_str_eq(m->vms[0].exits[1].name, "HLT");
	ck_assert_uint_eq(m->vms[0].exits[1].count, 10);
	ck_assert_double_eq_tol(m->vms[0].exits[1].time_share, 0.5, 1e-9);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* Ten minutes of a guest touching new addresses every tick: the table stays bounded. */
START_TEST(hot_table_bounded)
{
	struct snapshot *m = NULL, *t, *n;
	uint64_t want = 0, got = 0;
	int i, k, other = 0, pio = 0;

	for (i = 0; i < 600; i++) {
		t = span_tick((unsigned int)i + 1, 100, 1000, 1010, 9000, 20000, 90);
		free(t->vms[0].hot);
		t->vms[0].hot = xcalloc(8, sizeof(*t->vms[0].hot));
		t->vms[0].nhot = 8;
		for (k = 0; k < 8; k++) {
			struct snap_hot *h = &t->vms[0].hot[k];

			h->kind = HOT_PIO;
			h->other = k == 7;
			h->addr = h->other ? 0 : 0x1000 + (uint64_t)i * 7 + (uint64_t)k;
			h->count = (uint64_t)(k + 1);
			h->time_share = -1;
			want += h->count;
		}
		n = m ? snapmerge(m, t) : snapmerge_copy(t);
		snapshot_free(m);
		snapshot_free(t);
		m = n;
	}
	for (k = 0; k < m->vms[0].nhot; k++) {
		got += m->vms[0].hot[k].count;
		other += m->vms[0].hot[k].other;
		pio += !m->vms[0].hot[k].other;
	}
	ck_assert_int_eq(pio, SNAPMERGE_HOT_MAX);
	ck_assert_int_eq(other, 1);
	ck_assert(m->vms[0].hot[m->vms[0].nhot - 1].other);
	/* Nothing is lost: what is not a row of its own is in the other row. */
	ck_assert_uint_eq(got, want);
	ck_assert_uint_eq(m->window_ns, 600000000000ull);
	snapshot_free(m);
}
END_TEST

/* Wake edges and round trips: counts add, latencies bound, the table capped. */
START_TEST(wake_merge_and_cap)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 20000, 90);
	struct snapshot *b = span_tick(2, 100, 1000, 1010, 9000, 20000, 90), *m;
	struct snap_wake *w;
	uint64_t total = 0;
	int i;

	w = xcalloc(1, sizeof(*w) + 40 * sizeof(*w->edges) + sizeof(*w->rts));
	w->edges = (struct snap_wake_edge *)(w + 1);
	w->rts = (struct snap_wake_rt *)(w->edges + 40);
	w->nedges = 40;
	w->nrts = 1;
	for (i = 0; i < 40; i++)
		w->edges[i] = (struct snap_wake_edge){ .waker = 1000 + i,
						       .wakee = 101,
						       .cls = WAKE_IRQFD,
						       .count = 10,
						       .timed = 10,
						       .mean_ns = 2000,
						       .p99_ns = 4000,
						       .max_ns = 5000 };
	w->rts[0] = (struct snap_wake_rt){ .kind = HOT_PIO,
					   .addr = 0xc050,
					   .count = 10,
					   .p50_ns = 80000,
					   .p99_ns = 90000,
					   .max_ns = 95000,
					   .notify_run_ns = 10000,
					   .run_inject_ns = 60000,
					   .inject_run_ns = 12000 };
	w->rts[0].mean_ns = snapjson_rt_mean(&w->rts[0]);
	a->vms[0].wake = w;
	w = xcalloc(1, sizeof(*w) + 40 * sizeof(*w->edges) + sizeof(*w->rts));
	memcpy(w, a->vms[0].wake, sizeof(*w) + 40 * sizeof(*w->edges) + sizeof(*w->rts));
	w->edges = (struct snap_wake_edge *)(w + 1);
	w->rts = (struct snap_wake_rt *)(w->edges + 40);
	for (i = 0; i < 40; i++)
		w->edges[i].waker = 2000 + i; /* 40 other wakers: 80 edges in all */
	w->edges[0].waker = 1000;	      /* but one the same as a's */
	w->edges[0].p99_ns = 4500;
	w->rts[0].p50_ns = 70000;
	w->rts[0].max_ns = 99000;
	b->vms[0].wake = w;
	m = snapmerge(a, b);
	w = m->vms[0].wake;
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(w->nedges, SNAPMERGE_EDGES_MAX + 1);
	ck_assert(w->edges[w->nedges - 1].other);
	for (i = 0; i < w->nedges; i++)
		total += w->edges[i].count;
	ck_assert_uint_eq(total, 800);
	/* The shared edge first: twice the count, the larger P99. */
	ck_assert_int_eq(w->edges[0].waker, 1000);
	ck_assert_uint_eq(w->edges[0].count, 20);
	ck_assert_int_eq(w->edges[0].p99_ns, 4500);
	ck_assert_double_eq_tol(w->edges[0].rate, 10, 1e-9);
	ck_assert_int_eq(w->nrts, 1);
	ck_assert_uint_eq(w->rts[0].count, 20);
	ck_assert_int_eq(w->rts[0].p50_ns, 80000);
	ck_assert_int_eq(w->rts[0].max_ns, 99000);
	ck_assert_double_eq_tol(w->rts[0].mean_ns, 82000, 1e-9);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* A recording made with -c has counts since start in each tick: the later one is the span. */
START_TEST(cumulative_ticks_not_added)
{
	struct snapshot *a = span_tick(1, 100, 1000, 1010, 9000, 20000, 90);
	struct snapshot *b = span_tick(2, 100, 1000, 2020, 9000, 20000, 90), *m;
	char why[256];

	a->cumulative = b->cumulative = true;
	b->window_ns = 2000000000ull; /* since start: over a's tick too */
	m = snapmerge(a, b);
	ck_assert_msg(!snapcmp(b, m, why, sizeof(why)), "%s", why);
	snapshot_free(m);
	/* A merge of the ticks after a (a chunk of a span) is added, not taken for a's. */
	b->window_ns = 1000000000ull;
	m = snapmerge(a, b);
	ck_assert_uint_eq(m->vms[0].exits_count, 1010 + 2020);
	snapshot_free(m);
	b->window_ns = 2000000000ull;
	m = snapmerge(a, b);
	ck_assert_msg(!snapcmp(b, m, why, sizeof(why)), "%s", why);
	snapshot_free(a);
	snapshot_free(b);
	snapshot_free(m);
}
END_TEST

/* A merge is a snapshot like any: the compact JSON of a recording gives it back exactly. */
START_TEST(merged_reads_back)
{
	struct snapshot *m = NULL, *t, *n, *back = NULL;
	char *doc = NULL, why[512];
	size_t len = 0;
	int i, schema;
	FILE *f;

	for (i = 0; i < 5; i++) {
		t = span_tick((unsigned int)i + 1, 100 + 100 * (i % 2), 900 + 100 * i,
			      1000 + 37 * i, 9000 + 100 * i, 20000, 50 + i);
		n = m ? snapmerge(m, t) : snapmerge_copy(t);
		snapshot_free(m);
		snapshot_free(t);
		m = n;
	}
	f = open_memstream(&doc, &len);
	snapjson_write_form(f, m, NULL, SNAPJSON_COMPACT);
	fclose(f);
	ck_assert_int_eq(snapread_parse(doc, len, &back, &schema, why, sizeof(why)), 0);
	ck_assert_msg(!snapcmp(m, back, why, sizeof(why)), "%s", why);
	free(doc);
	snapshot_free(back);
	snapshot_free(m);
}
END_TEST

/* A copy is the same snapshot, in memory of its own. */
START_TEST(copy_is_deep)
{
	struct snapshot *s = snapfull(), *c = snapmerge_copy(s);
	char why[512];

	ck_assert_msg(!snapcmp(s, c, why, sizeof(why)), "%s", why);
	ck_assert_ptr_ne(s->vms, c->vms);
	snapshot_free(s);
	ck_assert_int_gt(c->nvms, 0);
	snapshot_free(c);
}
END_TEST

static Suite *snapmerge_suite(void)
{
	Suite *s = suite_create("snapmerge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, counts_add_rates_follow_the_span);
	tcase_add_test(tc, quantile_bound_never_above_max);
	tcase_add_test(tc, vms_by_identity);
	tcase_add_test(tc, rows_missing_count_as_none);
	tcase_add_test(tc, hot_table_bounded);
	tcase_add_test(tc, wake_merge_and_cap);
	tcase_add_test(tc, cumulative_ticks_not_added);
	tcase_add_test(tc, merged_reads_back);
	tcase_add_test(tc, copy_is_deep);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(snapmerge_suite)
