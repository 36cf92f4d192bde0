// SPDX-License-Identifier: GPL-2.0
/*
 * The timeline a replay's screen steps through: a recording's ticks within a range, found by
 * time, offset or number; a trace.dat's ticks made as it is read on, kept in memory and read
 * back the same; the span of the cumulative mode, merged forwards and found again on a step
 * back; the pace of playing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "offline.h"
#include "recwriter.h"
#include "snapcmp.h"
#include "spantick.h"
#include "timeline.h"
#include "unit.h"

#define NTICKS 20
#define TIMER  FIXTURES "/tracedat/timer.dat"

static char path[] = "/tmp/kvmscope-timeline.XXXXXX";

/* A recording of NTICKS ticks a second apart, tick k with 1000 + k exits. */
static void make_recording(void)
{
	const struct recwriter_info info = { .kvmscope = "test", .interval_s = 1, .no_sync = true };
	struct recwriter *w;
	struct snapshot *s;
	int fd = mkstemp(path), k;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	ck_assert_int_eq(recwriter_open(path, &info, &w), 0);
	for (k = 0; k < NTICKS; k++) {
		s = span_tick((unsigned int)k + 1, 100, 1000, 1000 + (uint64_t)k, 9000 + 10 * k,
			      20000, 50);
		ck_assert_int_eq(recwriter_tick(w, s), 0);
		snapshot_free(s);
	}
	recwriter_close(w);
}

/* Returns the local "HH:MM:SS" of wall clock t. */
static const char *hms(int64_t t)
{
	static char buf[16];
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	return buf;
}

START_TEST(recording_ticks_and_times)
{
	struct timeline *t;
	struct snapshot *s;
	char why[256];
	long i;

	make_recording();
	ck_assert_int_eq(
		timeline_open_recording(path, NULL, NULL, NULL, NULL, &t, why, sizeof(why)), 0);
	ck_assert_int_eq(timeline_count(t), NTICKS);
	ck_assert(timeline_complete(t));
	ck_assert(!timeline_trace_clock(t));
	ck_assert_int_eq(timeline_grow(t, why, sizeof(why)), 0);
	ck_assert_int_eq(timeline_tick(t, 4).wall_s, 1700000005);
	ck_assert_uint_eq(timeline_gap_ns(t, 4), 1000000000ull);
	/* The last tick plays at the recorder's interval. */
	ck_assert_uint_eq(timeline_gap_ns(t, NTICKS - 1), 1000000000ull);
	ck_assert_int_eq(timeline_read(t, 7, &s, why, sizeof(why)), 0);
	ck_assert_uint_eq(s->seq, 8);
	snapshot_free(s);
	ck_assert_int_eq(timeline_read(t, NTICKS, &s, why, sizeof(why)), -ERANGE);

	/* Found by time of day, by offset, by number, by name. */
	ck_assert_int_eq(timeline_find(t, hms(1700000008), why, sizeof(why)), 7);
	ck_assert_int_eq(timeline_find(t, "+00:05", why, sizeof(why)), 5);
	ck_assert_int_eq(timeline_find(t, "+5", why, sizeof(why)), 5);
	ck_assert_int_eq(timeline_find(t, "#3", why, sizeof(why)), 2);
	ck_assert_int_eq(timeline_find(t, "@1700000010", why, sizeof(why)), 9);
	ck_assert_int_eq(timeline_find(t, "start", why, sizeof(why)), 0);
	ck_assert_int_eq(timeline_find(t, "end", why, sizeof(why)), NTICKS - 1);
	ck_assert_int_eq(timeline_find(t, "#0", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(timeline_find(t, "#99", why, sizeof(why)), -ERANGE);
	ck_assert_int_eq(timeline_find(t, "soon", why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "is not a time"));
	ck_assert_int_eq(timeline_find(t, "+1:00", why, sizeof(why)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(why, "no tick at"));
	timeline_close(t);

	/* Within --begin and --end. */
	ck_assert_int_eq(timeline_open_recording(path, "@1700000005", "@1700000009", NULL, NULL, &t,
						 why, sizeof(why)),
			 0);
	ck_assert_int_eq(timeline_count(t), 5);
	ck_assert_int_eq(timeline_tick(t, 0).wall_s, 1700000005);
	i = timeline_find(t, "#2", why, sizeof(why));
	ck_assert_int_eq(timeline_tick(t, i).wall_s, 1700000006);
	timeline_close(t);
	ck_assert_int_eq(timeline_open_recording(path, "@1800000000", NULL, NULL, NULL, &t, why,
						 sizeof(why)),
			 -ENODATA);
	ck_assert_ptr_nonnull(strstr(why, "no tick from"));
	unlink(path);
}
END_TEST

/* The span: ticks from the mark to the cursor as one window, forwards and back. */
START_TEST(span_moves_with_the_cursor)
{
	struct snapshot *s, *again;
	struct timeline *t;
	char why[512];
	long skipped, k;

	make_recording();
	ck_assert_int_eq(
		timeline_open_recording(path, NULL, NULL, NULL, NULL, &t, why, sizeof(why)), 0);
	for (k = 2; k < NTICKS; k++) {
		ck_assert_int_eq(timeline_span(t, 2, k, &s, &skipped, why, sizeof(why)), 0);
		ck_assert_int_eq(skipped, 0);
		ck_assert_uint_eq(s->seq, (unsigned int)k + 1);
		ck_assert_uint_eq(s->window_ns, (uint64_t)(k - 1) * 1000000000ull);
		/* Ticks 2 .. k: 1002 + ... + 1000 + k exits. */
		ck_assert_uint_eq(s->vms[0].exits_count,
				  (uint64_t)(k - 1) * 1000 + (uint64_t)(k * (k + 1) / 2 - 1));
		ck_assert_uint_eq(s->vms[0].exits[0].p99_ns, 9000 + 10 * (uint64_t)k);
		snapshot_free(s);
	}
	/* A step back is the same span as made forwards. */
	ck_assert_int_eq(timeline_span(t, 2, 9, &s, &skipped, why, sizeof(why)), 0);
	ck_assert_int_eq(timeline_span(t, 0, NTICKS - 1, &again, &skipped, why, sizeof(why)), 0);
	snapshot_free(again);
	ck_assert_int_eq(timeline_span(t, 2, 9, &again, &skipped, why, sizeof(why)), 0);
	ck_assert_msg(!snapcmp(s, again, why, sizeof(why)), "%s", why);
	snapshot_free(s);
	snapshot_free(again);
	ck_assert_int_eq(timeline_span(t, 5, 4, &s, &skipped, why, sizeof(why)), -EINVAL);
	timeline_close(t);
	unlink(path);
}
END_TEST

/* A trace.dat: ticks made as it is read on, read back from memory the same. */
START_TEST(tracedat_ticks)
{
	struct options opt = {
		.batch = true, .delay_s = 0.1, .input = TIMER, .tgids = TIMER ".tgids"
	};
	struct snapshot *s, *direct, *span, *sum;
	const struct snap_hot *h;
	struct offline *o;
	struct timeline *t;
	char why[512];
	long n, k, skipped;
	uint64_t pio = 0;
	int err;

	ck_assert_msg(!timeline_open_tracedat(&opt, &t, why, sizeof(why)), "%s", why);
	ck_assert(timeline_trace_clock(t));
	ck_assert_int_eq(timeline_count(t), 1);
	ck_assert_uint_eq(timeline_tick(t, 0).trace_ns, 100000000ull);
	ck_assert_uint_eq(timeline_gap_ns(t, 0), 100000000ull);
	/* Found by trace time: tick 2 ends at +0.3 s. */
	ck_assert_int_eq(timeline_find(t, "+0.25", why, sizeof(why)), 2);
	ck_assert_int_eq(timeline_find(t, "0:00.3", why, sizeof(why)), 2);
	ck_assert_int_ge(timeline_count(t), 3);
	while ((err = timeline_grow(t, why, sizeof(why))) > 0)
		;
	ck_assert_int_eq(err, 0);
	ck_assert(timeline_complete(t));
	n = timeline_count(t);
	ck_assert_int_eq(n, 5); /* the file holds 0.41 s */
	ck_assert_int_eq(timeline_find(t, "end", why, sizeof(why)), n - 1);
	ck_assert_int_eq(timeline_find(t, "+1:00", why, sizeof(why)), -ERANGE);
	ck_assert_int_eq(timeline_find(t, "03:12", why, sizeof(why)), -ERANGE);
	ck_assert_int_eq(timeline_find(t, "noon", why, sizeof(why)), -EINVAL);

	/* Read back from memory as the file made it, in any order. */
	o = offline_open(&opt, why, sizeof(why));
	ck_assert_ptr_nonnull(o);
	for (k = n - 1; k >= 0; k--) {
		ck_assert_int_eq(timeline_read(t, k, &s, why, sizeof(why)), 0);
		direct = offline_tick(o, k, false, &err, why, sizeof(why));
		ck_assert_ptr_nonnull(direct);
		ck_assert_msg(!snapcmp(direct, s, why, sizeof(why)), "tick %ld: %s", k, why);
		ck_assert_uint_eq(s->trace_ns, timeline_tick(t, k).trace_ns);
		snapshot_free(direct);
		snapshot_free(s);
	}
	/* The span of every tick counts what the whole file does. */
	sum = offline_summary(o, &err, why, sizeof(why));
	ck_assert_ptr_nonnull(sum);
	ck_assert_int_eq(timeline_span(t, 0, n - 1, &span, &skipped, why, sizeof(why)), 0);
	for (k = 0; k < span->nvms; k++)
		for (h = span->vms[k].hot; h < span->vms[k].hot + span->vms[k].nhot; h++)
			if (h->kind == HOT_PIO && h->addr == 0x608 && !h->other)
				pio += h->count;
	ck_assert_uint_eq(pio, 20144);
	ck_assert_uint_eq(span->window_ns, sum->window_ns);
	snapshot_free(span);
	snapshot_free(sum);
	offline_close(o);
	timeline_close(t);
}
END_TEST

static Suite *timeline_suite(void)
{
	Suite *s = suite_create("timeline");
	TCase *tc = tcase_create("timeline");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, recording_ticks_and_times);
	tcase_add_test(tc, span_moves_with_the_cursor);
	tcase_add_test(tc, tracedat_ticks);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(timeline_suite)
