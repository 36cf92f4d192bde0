// SPDX-License-Identifier: GPL-2.0
/*
 * The replay screen without a terminal: the time keys as view_key() records them for the
 * loop, the live keys a replay refuses and the time keys the live screen refuses (each
 * saying so), the header's REPLAY and SPAN markers, the date and the trace clock, the loop's
 * answers on the bottom line; and the w key of the live screen.
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "header.h"
#include "keys.h"
#include "screen.h"
#include "spantick.h"
#include "unit.h"
#include "util.h"
#include "view.h"

/* A view, a screen and a snapshot, as the TUI has them. */
struct rig {
	struct view v;
	struct screen scr;
	struct snapshot *s;
	struct tick_ctl ctl;
	char line[64][1024];
};

static void rig_init(struct rig *r, int w, int h, bool replay)
{
	char why[128];

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(view_init(&r->v, false, NULL, why, sizeof(why)), 0);
	screen_resize(&r->scr, w, h, false);
	r->s = span_tick(5, 100, 1000, 50000, 9000, 20000, 90);
	r->ctl.delay_s = 1;
	if (replay) {
		r->ctl.paused = true;
		r->ctl.time = (struct tick_time){
			.replay = true, .pos = 4, .count = 8, .speed = 1, .mark = 0
		};
	}
}

static void rig_free(struct rig *r)
{
	view_free(&r->v);
	screen_free(&r->scr);
	snapshot_free(r->s);
}

static void rig_draw(struct rig *r)
{
	int y;

	view_compose(&r->v, r->s, &r->ctl, &r->scr);
	for (y = 0; y < r->scr.h && y < 64; y++)
		screen_line(&r->scr, y, r->line[y], sizeof(r->line[y]));
	if (getenv("TEST_LAYOUT_SHOW"))
		for (y = 0; y < r->scr.h && y < 64; y++)
			fprintf(stderr, "%2d|%s\n", y, r->line[y]);
}

static void rig_keys(struct rig *r, const int *keys)
{
	for (; *keys; keys++) {
		view_key(&r->v, *keys, &r->ctl);
		view_compose(&r->v, r->s, &r->ctl, &r->scr);
	}
	rig_draw(r);
}

static const char *bottom(const struct rig *r)
{
	return r->line[r->scr.h - 1];
}

START_TEST(time_keys_ask_the_loop)
{
	struct rig r;

	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ ',', 0 });
	ck_assert_int_eq(r.ctl.time.step, -1);
	rig_keys(&r, (const int[]){ '.', '.', 0 });
	ck_assert_int_eq(r.ctl.time.step, 1);
	rig_keys(&r, (const int[]){ ']', 0 });
	ck_assert_int_eq(r.ctl.time.faster, 1);
	rig_keys(&r, (const int[]){ '[', 0 });
	ck_assert_int_eq(r.ctl.time.faster, -1);
	/* Space and p both play and pause a replay. */
	rig_keys(&r, (const int[]){ ' ', 0 });
	ck_assert(!r.ctl.paused);
	ck_assert_ptr_nonnull(strstr(bottom(&r), "playing at 1x"));
	ck_assert_ptr_nonnull(strstr(r.line[0], "REPLAY 5/8 playing 1x"));
	rig_keys(&r, (const int[]){ 'p', 0 });
	ck_assert(r.ctl.paused);
	ck_assert_ptr_null(strstr(r.line[0], "PAUSED"));
	/* b: a prompt, its text for the loop to find. */
	rig_keys(&r, (const int[]){ 'b', 0 });
	ck_assert_int_eq(r.v.prompt, PROMPT_JUMP);
	ck_assert_ptr_nonnull(strstr(bottom(&r), "Jump to"));
	rig_keys(&r, (const int[]){ '0', '3', ':', '1', '2', '\r', 0 });
	ck_assert(r.ctl.time.jump);
	ck_assert_str_eq(r.ctl.time.jump_to, "03:12");
	/* Esc drops a jump being typed. */
	r.ctl.time.jump = false;
	rig_keys(&r, (const int[]){ 'b', '#', '2', 27, 0 });
	ck_assert(!r.ctl.time.jump);
	/* r marks, c shows the span: said on the bottom line and in the header. */
	rig_keys(&r, (const int[]){ 'r', 0 });
	ck_assert(r.ctl.reset);
	ck_assert_ptr_null(strstr(bottom(&r), "counters reset"));
	r.ctl.time.mark = 2;
	rig_keys(&r, (const int[]){ 'c', 0 });
	ck_assert(r.ctl.cumulative && r.ctl.refresh);
	ck_assert_ptr_nonnull(strstr(bottom(&r), "upper bounds"));
	ck_assert_ptr_nonnull(strstr(r.line[0], "SPAN 3-5 P99<="));
	ck_assert_ptr_null(strstr(r.line[0], "CUMULATIVE"));
	rig_free(&r);
}
END_TEST

/* Keys of the other screen say where they work, and ask nothing. */
START_TEST(wrong_screen_keys_say_so)
{
	struct rig r;
	const int live_only[] = { '+', '-', 'd', 'w', 0 };
	const int time_keys[] = { ',', '.', ' ', '[', ']', 'b', 0 };
	const int *k;

	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	for (k = live_only; *k; k++) {
		rig_keys(&r, (const int[]){ *k, 0 });
		ck_assert_msg(r.v.msg_error && strstr(r.v.msg, "for the live screen"), "%c: %s", *k,
			      r.v.msg);
	}
	ck_assert_double_eq(r.ctl.delay_s, 1);
	ck_assert(!r.ctl.save);
	ck_assert_int_eq(r.v.prompt, PROMPT_NONE);
	rig_keys(&r, (const int[]){ '+', 0 });
	ck_assert_ptr_nonnull(strstr(r.v.msg, "[ ] set the pace"));
	rig_free(&r);

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	for (k = time_keys; *k; k++) {
		rig_keys(&r, (const int[]){ *k, 0 });
		ck_assert_msg(r.v.msg_error && strstr(r.v.msg, "a time key"), "%c: %s", *k,
			      r.v.msg);
		ck_assert_ptr_nonnull(strstr(bottom(&r), "for a replay"));
	}
	ck_assert_int_eq(r.ctl.time.step, 0);
	ck_assert_int_eq(r.ctl.time.faster, 0);
	ck_assert(!r.ctl.paused && !r.ctl.time.jump);
	ck_assert_int_eq(r.v.prompt, PROMPT_NONE);
	/* The live keys keep their meaning. */
	rig_keys(&r, (const int[]){ 'p', 'r', 0 });
	ck_assert(r.ctl.paused && r.ctl.reset);
	ck_assert_ptr_nonnull(strstr(r.line[0], "PAUSED"));
	ck_assert_ptr_null(strstr(r.line[0], "REPLAY"));
	rig_free(&r);
}
END_TEST

/* w on the live screen asks for the files; the loop's answer shows on the bottom line. */
START_TEST(w_and_the_loops_answer)
{
	struct rig r;

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ 'w', 0 });
	ck_assert(r.ctl.save);
	snprintf(r.ctl.note, sizeof(r.ctl.note), "wrote /root/kvmscope-hv-20261206-031205.rec");
	r.ctl.note_seq++;
	rig_draw(&r);
	ck_assert_ptr_nonnull(strstr(bottom(&r), "wrote /root/kvmscope-hv-"));
	ck_assert(!r.v.msg_error);
	/* The same answer is not said again once a key cleared it. */
	rig_keys(&r, (const int[]){ KEY_DOWN, 0 });
	ck_assert_ptr_null(strstr(bottom(&r), "wrote"));
	r.ctl.note_error = true;
	snprintf(r.ctl.note, sizeof(r.ctl.note), "w: cannot write in /x: Read-only file system");
	r.ctl.note_seq++;
	rig_draw(&r);
	ck_assert_ptr_nonnull(strstr(bottom(&r), "Read-only"));
	ck_assert(r.v.msg_error);
	rig_free(&r);
}
END_TEST

/* The header: where the replay is, the date where there is room, a trace's own clock. */
START_TEST(replay_header)
{
	char date[32], want[64];
	time_t t = 1700000005;
	struct header h;
	struct tm tm;
	struct rig r;
	char buf[512];

	rig_init(&r, 120, 30, true);
	r.ctl.time.more = true;
	rig_draw(&r);
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(want, sizeof(want), "kvmscope %s  host hv", date);
	ck_assert_msg(!strncmp(r.line[0], want, strlen(want)), "%s", r.line[0]);
	ck_assert_ptr_nonnull(strstr(r.line[0], "REPLAY 5/8+"));
	ck_assert_ptr_nonnull(strstr(bottom(&r), ", . step  b jump"));
	rig_free(&r);

	/* 80 columns: the time of day, not the date. */
	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	strftime(date, sizeof(date), "%H:%M:%S", &tm);
	snprintf(want, sizeof(want), "kvmscope %s  host hv", date);
	ck_assert_msg(!strncmp(r.line[0], want, strlen(want)), "%s", r.line[0]);
	ck_assert_int_le((int)strlen(r.line[0]), 80);
	ck_assert_ptr_nonnull(strstr(r.line[0], "REPLAY 5/8"));
	ck_assert_ptr_null(strstr(r.line[0], "5/8+"));
	rig_free(&r);

	/* A trace.dat's tick. */
	rig_init(&r, 80, 24, true);
	r.s->wall_s = 0;
	r.s->trace_ns = 5050000000ull;
	rig_draw(&r);
	ck_assert_msg(!strncmp(r.line[0], "kvmscope +00:05.0 trace time  host hv", 37), "%s",
		      r.line[0]);
	header_fill(&h, r.s, false);
	ck_assert_str_eq(header_host_text(&h, true, buf, sizeof(buf)),
			 "kvmscope +00:05.0 trace time  host hv  kernel   kvm none  0 CPUs  "
			 "every 1.0s");
	r.s->trace_ns = 3723400000000ull;
	header_fill(&h, r.s, false);
	ck_assert_str_eq(h.time, "+1:02:03.4");
	rig_free(&r);
}
END_TEST

/* The help lists the time keys and what they are for. */
START_TEST(help_lists_time_keys)
{
	static const char *const want[] = { "  , . ", "  Space ", "  [ ] ", "  b ", "  w " };
	struct rig r;
	size_t i;
	int y;
	bool found;

	rig_init(&r, 100, 60, true);
	rig_keys(&r, (const int[]){ '?', 0 });
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		for (found = false, y = 0; y < r.scr.h; y++)
			found |= !strncmp(r.line[y], want[i], strlen(want[i]));
		ck_assert_msg(found, "help lacks %s", want[i]);
	}
	rig_free(&r);
}
END_TEST

static void utf8_locale(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
}

static Suite *replaykeys_suite(void)
{
	Suite *s = suite_create("replaykeys");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, utf8_locale, NULL);
	tcase_add_test(tc, time_keys_ask_the_loop);
	tcase_add_test(tc, wrong_screen_keys_say_so);
	tcase_add_test(tc, w_and_the_loops_answer);
	tcase_add_test(tc, replay_header);
	tcase_add_test(tc, help_lists_time_keys);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(replaykeys_suite)
