// SPDX-License-Identifier: GPL-2.0
/*
 * The pictures on screen: sparklines (their scale, the history they are drawn from, what it
 * keeps and forgets) and latency distributions (the buckets, the bars, the marks, which must
 * say what the rows' own P50/P99/MAX columns say).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pane.h"
#include "snapshot.h"
#include "sparkhist.h"
#include "table.h"
#include "unit.h"
#include "util.h"

#define S 1000000000ull

/* ---- sparklines ---- */

START_TEST(spark_scale_floor_and_peak)
{
	const double quiet[] = { 0, 1000, 2000, 250 };
	const double storm[] = { -1, 0, 50000, 100000, 12500 };
	char buf[64];

	/* Below the floor the scale is the floor: a quiet row stays low. */
	ck_assert_str_eq(spark_render(quiet, 4, 2000, false, buf, sizeof(buf)), "_=#.");
	/* Above it the row's own peak is the top; no data is a blank. */
	ck_assert_str_eq(spark_render(storm, 5, 2000, false, buf, sizeof(buf)), " _=#.");
	/* The same levels in block elements. */
	ck_assert_str_eq(spark_render(storm, 5, 2000, true, buf, sizeof(buf)),
			 " \u2581\u2585\u2588\u2582");
	/* A buffer too small is cut, never overrun. */
	ck_assert_str_eq(spark_render(storm, 5, 2000, true, buf, 8), " \u2581");
}
END_TEST

/* A snapshot of one VM (pid 100) at second sec: rate exits/s of one exit reason at port 0x608. */
static struct snapshot *one_vm(int sec, double rate, bool cumulative)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	struct snap_vm *v;

	s->ts_ns = (uint64_t)sec * S;
	s->interval_ns = S;
	s->window_ns = S;
	s->cumulative = cumulative;
	s->vms = v = xcalloc(1, sizeof(*v));
	s->nvms = 1;
	v->pid = 100;
	v->starttime = 7;
	snprintf(v->name, sizeof(v->name), "web1");
	v->exits_rate = rate;
	v->exits_count = (uint64_t)rate;
	if (rate > 0) {
		v->exits = xcalloc(1, sizeof(*v->exits));
		v->nexits = 1;
		snprintf(v->exits->name, sizeof(v->exits->name), "IO_INSTRUCTION");
		v->exits->reason = 30;
		v->exits->rate = rate;
		v->exits->count = (uint64_t)rate;
		v->hot = xcalloc(1, sizeof(*v->hot));
		v->nhot = 1;
		v->hot->kind = HOT_PIO;
		v->hot->addr = 0x608;
		v->hot->rate = rate;
	}
	return s;
}

/* Feeds seconds from..to-1 at rate; returns the last snapshot (the caller frees it). */
static struct snapshot *feed(struct sparkhist *h, int from, int to, double rate)
{
	struct snapshot *s = NULL;
	int k;

	for (k = from; k < to; k++) {
		snapshot_free(s);
		s = one_vm(k, rate, false);
		sparkhist_feed(h, s);
	}
	return s;
}

START_TEST(spark_flat_then_storm)
{
	struct sparkhist *h = sparkhist_new(SPARK_SLOTS); /* slots of 1 s */
	struct snapshot *s;
	char line[4 * SPARK_CELLS + 1];
	double v[SPARK_CELLS];

	ck_assert_double_eq(sparkhist_slot_s(h), 1.0);
	snapshot_free(feed(h, 1, 11, 0));
	s = feed(h, 11, 21, 80000);
	/* 24 slots: 4 before the VM was seen, 10 quiet, 10 storming. */
	ck_assert_str_eq(sparkhist_line(h, &s->vms[0], SPARK_VM, 0, 0, false, line, sizeof(line)),
			 "    __________##########");
	/* The exit and its port came with the storm, in a VM followed since 0: flat before. */
	ck_assert_str_eq(
		sparkhist_line(h, &s->vms[0], SPARK_EXIT, 0, 30, false, line, sizeof(line)),
		"    __________##########");
	ck_assert_str_eq(
		sparkhist_line(h, &s->vms[0], SPARK_HOT, HOT_PIO, 0x608, false, line, sizeof(line)),
		"    __________##########");
	ck_assert_int_eq(sparkhist_get(h, &s->vms[0], SPARK_VM, 0, 0, v, SPARK_CELLS), SPARK_CELLS);
	ck_assert_double_eq(v[0], -1);
	ck_assert_double_eq_tol(v[SPARK_CELLS - 1], 80000, 1e-6);
	/* A row never seen has no line at all. */
	ck_assert_str_eq(sparkhist_line(h, &s->vms[0], SPARK_HOT, HOT_MMIO, 0xfee00300, false, line,
					sizeof(line)),
			 "");
	snapshot_free(s);
	sparkhist_free(h);
}
END_TEST

/* Returns true when line is blanks, then tail, SPARK_CELLS columns in all (ASCII). */
static bool blanks_then(const char *line, const char *tail)
{
	size_t n = strlen(line), t = strlen(tail), i;

	if (n != SPARK_CELLS || t > n || strcmp(line + n - t, tail))
		return false;
	for (i = 0; i < n - t; i++)
		if (line[i] != ' ')
			return false;
	return true;
}

START_TEST(spark_absent_cumulative_and_back)
{
	struct sparkhist *h = sparkhist_new(SPARK_SLOTS);
	struct snapshot *s, *c;
	char line[4 * SPARK_CELLS + 1];

	s = feed(h, 1, 6, 80000);
	/* A second without the exit (the VM quiet): its slot is 0, not what came before. */
	snapshot_free(feed(h, 6, 7, 0));
	/* A cumulative tick adds nothing. */
	c = one_vm(7, 1e6, true);
	sparkhist_feed(h, c);
	snapshot_free(c);
	sparkhist_line(h, &s->vms[0], SPARK_EXIT, 0, 30, false, line, sizeof(line));
	ck_assert_msg(blanks_then(line, "#####_"), "'%s'", line);
	/* Going back in time (a replay's jump) starts the history again. */
	snapshot_free(feed(h, 3, 4, 80000));
	sparkhist_line(h, &s->vms[0], SPARK_EXIT, 0, 30, false, line, sizeof(line));
	ck_assert_msg(blanks_then(line, "#"), "'%s'", line);
	/* A row not seen for the whole span is forgotten; its VM, seen, is not. */
	snapshot_free(feed(h, 4, 4 + SPARK_SLOTS + 2, 0));
	ck_assert_str_eq(
		sparkhist_line(h, &s->vms[0], SPARK_EXIT, 0, 30, false, line, sizeof(line)), "");
	sparkhist_line(h, &s->vms[0], SPARK_VM, 0, 0, false, line, sizeof(line));
	ck_assert_str_eq(line, "________________________");
	snapshot_free(s);
	sparkhist_free(h);
}
END_TEST

START_TEST(spark_bounded)
{
	struct sparkhist *h = sparkhist_new(600);
	struct snapshot *s = one_vm(1, 0, false);
	struct snap_vm *many = xcalloc(SPARK_SERIES_MAX + 10, sizeof(*many));
	char line[4 * SPARK_CELLS + 1];
	int i, followed = 0;

	/* More VMs than rows followed: the first ones are, the rest have no line. */
	free(s->vms);
	for (i = 0; i < SPARK_SERIES_MAX + 10; i++) {
		many[i].pid = 1000 + i;
		many[i].exits_rate = 10;
	}
	s->vms = many;
	s->nvms = SPARK_SERIES_MAX + 10;
	sparkhist_feed(h, s);
	for (i = 0; i < s->nvms; i++)
		followed += sparkhist_line(h, &many[i], SPARK_VM, 0, 0, false, line,
					   sizeof(line))[0] != '\0';
	ck_assert_int_eq(followed, SPARK_SERIES_MAX);
	/* 10 minutes in 120 slots: 5 s each. */
	ck_assert_double_eq(sparkhist_slot_s(h), 5.0);
	snapshot_free(s);
	sparkhist_free(h);
}
END_TEST

START_TEST(spark_column_keeps_newest)
{
	static const struct table_col cols[] = { TABLE_TEXT("NAME", 8, 4, 0), PANE_COL_SPARK(5) };
	static const struct table_spec spec = { .cols = cols, .ncols = 2, .sort = -1 };
	static const signed char level[12] = { -1, -1, 0, 0, 0, 0, 1, 7, 7, 7, 6, 7 };
	struct table t = { 0 };
	char buf[256];

	table_begin(&t, &spec, 0, "t");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_put(&t, 0, "vm");
	table_spark(&t, 1, level, 12, false);
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_spark(&t, 1, level, 12, true);
	/* Measured as the slots it has; drawn newest last, a narrow column keeping the newest. */
	ck_assert_int_eq(t.widest[1], 12);
	table_fit_cell(&t, 0, 1, 6, buf);
	ck_assert_str_eq(buf, ".###*#");
	table_fit_cell(&t, 0, 1, 14, buf);
	ck_assert_str_eq(buf, "  ____.###*#  ");
	table_fit_cell(&t, 1, 1, 3, buf);
	ck_assert_str_eq(buf, "\u2588\u2587\u2588");
	/* Hidden without a history: no title, no text. */
	table_begin(&t, &spec, TABLE_COL_SPARK, "t");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_spark(&t, 1, level, 12, false);
	ck_assert_str_eq(table_cell(&t, 0, 1), "");
	ck_assert_str_eq(table_col_title(&t, 1), "");
	table_free(&t);
}
END_TEST

/* ---- distributions ---- */

START_TEST(lat_buckets_by_power_of_two)
{
	ck_assert_int_eq(snap_lat_bucket(0), 0);
	ck_assert_int_eq(snap_lat_bucket(1), 0);
	ck_assert_int_eq(snap_lat_bucket(2), 1);
	ck_assert_int_eq(snap_lat_bucket(1023), 9);
	ck_assert_int_eq(snap_lat_bucket(1024), 10);
	ck_assert_int_eq(snap_lat_bucket(UINT64_MAX), SNAP_LAT_BUCKETS - 1);
	ck_assert_uint_eq(snap_lat_low(10), 1024);
	ck_assert_uint_eq(snap_lat_high(10), 2047);
	ck_assert_uint_eq(snap_lat_high(SNAP_LAT_BUCKETS - 1), UINT64_MAX);
}
END_TEST

START_TEST(bar_at_any_width)
{
	static const struct table_col cols[] = { { "", 40, 8, ALIGN_LEFT, 0, TABLE_COL_BAR } };
	static const struct table_spec spec = { .cols = cols, .ncols = 1, .sort = -1 };
	struct table t = { 0 };
	char buf[256];

	table_begin(&t, &spec, 0, "t");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_bar(&t, 0, 0.53, true);
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_bar(&t, 0, 0.53, false);
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_bar(&t, 0, 0.001, false);
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_bar(&t, 0, 0, true);
	/* Measured at the column's width: 0.53 of 40 is 21 columns and a fifth. */
	ck_assert_int_eq(t.widest[0], 22);
	/* 0.53 of 10 columns: 5 full and 2 eighths (U+258E), padded. */
	table_fit_cell(&t, 0, 0, 10, buf);
	ck_assert_str_eq(buf, "\u2588\u2588\u2588\u2588\u2588\u258e    ");
	table_fit_cell(&t, 1, 0, 10, buf);
	ck_assert_str_eq(buf, "#####     ");
	/* Anything above nothing shows. */
	table_fit_cell(&t, 2, 0, 10, buf);
	ck_assert_str_eq(buf, "#         ");
	table_fit_cell(&t, 3, 0, 4, buf);
	ck_assert_str_eq(buf, "    ");
	table_free(&t);
}
END_TEST

/* A VM whose exit 30 took 2400 times of 3 us, 1568 of 12 us, 210 of 22.5 us, 32 of 120 us. */
static struct snapshot *lat_vm(void)
{
	struct snapshot *s = one_vm(1, 4210, false);
	struct snap_exit *e = s->vms[0].exits;

	e->count = 4210;
	e->lat.b[snap_lat_bucket(3000)] = 2400;
	e->lat.b[snap_lat_bucket(12000)] = 1568;
	e->lat.b[snap_lat_bucket(22500)] = 210;
	e->lat.b[snap_lat_bucket(120000)] = 32;
	e->p50_ns = 3072;
	e->p99_ns = 22528;
	e->max_ns = 120000;
	e->mean_ns = 8190;
	e->time_share = 1;
	e->total_ns = 4210 * 8190;
	return s;
}

/* Returns the row of t whose cell col holds text, or -1. */
static int row_with(const struct table *t, int col, const char *text)
{
	int r;

	for (r = 0; r < t->nrows; r++)
		if (strstr(table_cell(t, r, col), text))
			return r;
	return -1;
}

START_TEST(histogram_rows_and_marks)
{
	struct snapshot *s = lat_vm();
	struct pane_opts o = { .sort = -1, .utf8 = true };
	struct table t = { 0 }, ex = { 0 };
	char want[64], buf[256];
	int r, p99col;

	o.scope = (struct scope){ .kind = SCOPE_VM, .pid = 100 };
	o.scope.lat = (struct table_ref){ .kind = REF_EXIT, .pid = 100, .id = 30 };
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_str_eq(t.title, "Latency of IO_INSTRUCTION in web1");
	/* From the first bucket with a count to the last, the empty ones between shown. */
	ck_assert_int_eq(t.nrows, 6);
	ck_assert_str_eq(table_cell(&t, 0, 0), "2.05us-4.10us");
	ck_assert_str_eq(table_cell(&t, 5, 0), "65.5us-131us");
	ck_assert_str_eq(table_cell(&t, 0, 1), "2400");
	ck_assert_str_eq(table_cell(&t, 1, 1), "0");
	ck_assert_str_eq(table_cell(&t, 5, 3), "100.0");
	/* The fullest bucket is a full bar; the others in proportion. */
	table_fit_cell(&t, 0, 4, 8, buf);
	ck_assert_str_eq(buf, "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588");
	table_fit_cell(&t, 2, 4, 8, buf);
	ck_assert_str_eq(buf, "\u2588\u2588\u2588\u2588\u2588\u258e  ");
	ck_assert_str_eq(table_cell(&t, 0, 5), "P50 3.07us");
	ck_assert_str_eq(table_cell(&t, 5, 5), "MAX 120us");
	ck_assert_int_eq(t.rows[5].attr, ROW_HOT);

	/* The P99 mark says what the Exits pane's P99 column says, in the bucket holding it. */
	pane_build(pane_find("exits"), s, &o, &ex);
	for (p99col = 0; p99col < ex.ncols && strcmp(ex.cols[p99col].title, "P99"); p99col++)
		;
	ck_assert_int_lt(p99col, ex.ncols);
	snprintf(want, sizeof(want), "P99 %s", table_cell(&ex, 0, p99col));
	r = row_with(&t, 5, want);
	ck_assert_int_eq(r, 3);
	ck_assert_str_eq(table_cell(&t, r, 0), "16.4us-32.8us");
	table_free(&ex);
	table_free(&t);
	snapshot_free(s);
}
END_TEST

START_TEST(histogram_vmm_times_and_none)
{
	struct snapshot *s = lat_vm();
	struct snap_exit *e = s->vms[0].exits;
	struct pane_opts o = { .sort = -1 };
	struct table t = { 0 };
	struct table_ref refs[4];

	/* Without kvm_entry only the VMM's part is timed: its distribution, its VMM P99. */
	e->vmm_lat = e->lat;
	memset(&e->lat, 0, sizeof(e->lat));
	e->vmm_p99_ns = 22528;
	e->vmm_max_ns = 120000;
	e->vmm_mean_ns = 8000;
	o.scope = (struct scope){ .kind = SCOPE_VM, .pid = 100 };
	o.scope.lat = (struct table_ref){ .kind = REF_EXIT, .pid = 100, .id = 30 };
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_int_eq(row_with(&t, 5, "P99 22.5us"), 3);
	ck_assert_ptr_nonnull(strstr(t.note, "VMM"));
	/* Batch text prints each row that has a distribution. */
	ck_assert_int_eq(pane_lat_refs(&s->vms[0], refs, 4), 1);
	/* None timed: a note, no rows. */
	memset(&e->vmm_lat, 0, sizeof(e->vmm_lat));
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_int_eq(t.nrows, 0);
	ck_assert_ptr_nonnull(strstr(t.note, "none timed"));
	ck_assert_int_eq(pane_lat_refs(&s->vms[0], refs, 4), 0);
	/* A row gone from this tick. */
	o.scope.lat.id = 31;
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_ptr_nonnull(strstr(t.note, "no such row"));
	/* Without a row to show, the pane is not shown at all. */
	o.scope.lat.kind = REF_NONE;
	ck_assert(!pane_shown(pane_find("latency"), &o.scope));
	table_free(&t);
	snapshot_free(s);
}
END_TEST

START_TEST(histogram_of_wake_edge_and_round_trip)
{
	struct snapshot *s = one_vm(1, 0, false);
	struct snap_vm *v = &s->vms[0];
	struct pane_opts o = { .sort = -1 };
	struct table_ref refs[4];
	struct snap_wake *w;
	struct table t = { 0 };

	/* One allocation, as snapshot_free() releases a wake graph. */
	w = xcalloc(1, sizeof(*w) + sizeof(*w->edges) + sizeof(*w->rts));
	w->edges = (struct snap_wake_edge *)(w + 1);
	w->rts = (struct snap_wake_rt *)(w->edges + 1);
	w->nedges = w->nrts = 1;
	v->wake = w;
	*w->edges = (struct snap_wake_edge){ .waker = 101,
					     .wakee = 102,
					     .count = 10,
					     .timed = 10,
					     .p50_ns = 5000,
					     .p99_ns = 9000,
					     .max_ns = 9000 };
	snprintf(w->edges->waker_comm, sizeof(w->edges->waker_comm), "IO iothread0");
	snprintf(w->edges->wakee_comm, sizeof(w->edges->wakee_comm), "CPU 0/KVM");
	w->edges->lat.b[snap_lat_bucket(5000)] = 9;
	w->edges->lat.b[snap_lat_bucket(9000)] = 1;
	*w->rts = (struct snap_wake_rt){ .kind = HOT_PIO,
					 .addr = 0xc050,
					 .count = 4,
					 .p50_ns = 40000,
					 .p99_ns = 60000,
					 .max_ns = 60000 };
	w->rts->lat.b[snap_lat_bucket(40000)] = 3;
	w->rts->lat.b[snap_lat_bucket(60000)] = 1;

	o.scope = (struct scope){ .kind = SCOPE_VM, .pid = 100 };
	/* Enter on the edge's row (as pane_wake refers to it) opens its distribution. */
	o.scope.lat = (struct table_ref){ .kind = REF_EDGE, .pid = 100, .tid = 102, .id = 101 };
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_str_eq(t.title, "Latency of IO iothread0 -> CPU 0/KVM in web1");
	ck_assert_int_eq(t.nrows, 2);
	ck_assert_str_eq(table_cell(&t, 0, 5), "P50 5.00us");
	ck_assert_str_eq(table_cell(&t, 1, 5), "P99 9.00us  MAX 9.00us");
	o.scope.lat = (struct table_ref){
		.kind = REF_ROUNDTRIP, .pid = 100, .id = 0xc050, .hot = 1 + HOT_PIO
	};
	pane_build(pane_find("latency"), s, &o, &t);
	ck_assert_str_eq(t.title, "Latency of notify pio 0xc050 in web1");
	ck_assert_str_eq(table_cell(&t, 0, 5), "P50 40.0us  P99 60.0us  MAX 60.0us");
	ck_assert_str_eq(table_cell(&t, 0, 0), "32.8us-65.5us");
	/* Batch text prints the round trip; wake edges are many, left to the screen. */
	ck_assert_int_eq(pane_lat_refs(v, refs, 4), 1);
	ck_assert_int_eq(refs[0].kind, REF_ROUNDTRIP);
	table_free(&t);
	snapshot_free(s);
}
END_TEST

static Suite *pictures_suite(void)
{
	Suite *s = suite_create("pictures");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, spark_scale_floor_and_peak);
	tcase_add_test(tc, spark_flat_then_storm);
	tcase_add_test(tc, spark_absent_cumulative_and_back);
	tcase_add_test(tc, spark_bounded);
	tcase_add_test(tc, spark_column_keeps_newest);
	tcase_add_test(tc, lat_buckets_by_power_of_two);
	tcase_add_test(tc, bar_at_any_width);
	tcase_add_test(tc, histogram_rows_and_marks);
	tcase_add_test(tc, histogram_vmm_times_and_none);
	tcase_add_test(tc, histogram_of_wake_edge_and_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pictures_suite)
