// SPDX-License-Identifier: GPL-2.0
/*
 * The live screen without a terminal: layout arithmetic, column dropping, and whole frames
 * composed from synthetic snapshots into the in-memory screen, read back as text.
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "color.h"
#include "keys.h"
#include "layout.h"
#include "pane.h"
#include "screen.h"
#include "unit.h"
#include "util.h"
#include "view.h"

#define KEY_CTRL(c) ((c)&0x1f)

/* ---- layout arithmetic ---- */

START_TEST(header_lines_by_height)
{
	struct lay_header hd;

	layout_header(24, 1, &hd);
	ck_assert_int_eq(hd.total, 3);
	ck_assert_int_eq(hd.status, 1);
	layout_header(24, 2, &hd);
	ck_assert_int_eq(hd.sources, 2);
	ck_assert_int_eq(hd.total, 4);
	layout_header(20, 5, &hd);
	ck_assert_int_eq(hd.sources, 2);
	layout_header(19, 1, &hd);
	ck_assert_int_eq(hd.total, 2);
	ck_assert_int_eq(hd.events, 1);
	ck_assert_int_eq(hd.sources, 0);
	layout_header(12, 1, &hd);
	ck_assert_int_eq(hd.total, 1);
	ck_assert_int_eq(hd.host, 1);
	ck_assert_int_eq(hd.status, 1);
	layout_header(1, 1, &hd);
	ck_assert_int_eq(hd.total, 1);
	ck_assert_int_eq(hd.status, 0);
	layout_header(0, 1, &hd);
	ck_assert_int_eq(hd.total + hd.status, 0);
}
END_TEST

/* Three panes as at host scope: 2 VMs, 12 exit reasons, 10 hot addresses. */
static void three(struct lay_pane *p, int want0, int want1, int want2)
{
	memset(p, 0, 3 * sizeof(*p));
	p[0].avail = p[1].avail = p[2].avail = true;
	p[0].want = want0;
	p[1].want = want1;
	p[2].want = want2;
	p[0].rank = 0;
	p[1].rank = 1;
	p[2].rank = 2;
}

START_TEST(pane_heights_80x24)
{
	struct lay_pane p[3];

	/* 24 lines: host, sources, events, status: 20 left. */
	three(p, 2, 12, 10);
	ck_assert_int_eq(layout_panes(p, 3, 0, 20), 20);
	ck_assert_int_eq(p[0].h, 4); /* both VMs, whole */
	ck_assert_int_eq(p[1].h, 8); /* the rest shared evenly, the earlier pane first */
	ck_assert_int_eq(p[2].h, 8);
	/* The focus does not change the sizes, only who is sure to be shown. */
	three(p, 2, 12, 10);
	layout_panes(p, 3, 2, 20);
	ck_assert_int_eq(p[0].h, 4);
	ck_assert_int_eq(p[1].h, 8);
	ck_assert_int_eq(p[2].h, 8);
}
END_TEST

START_TEST(pane_heights_60x20)
{
	struct lay_pane p[3];

	/* 20 lines: host, sources, events, status: 16 left. */
	three(p, 2, 12, 10);
	ck_assert_int_eq(layout_panes(p, 3, 0, 16), 16);
	ck_assert_int_eq(p[0].h, 4);
	ck_assert_int_eq(p[1].h, 6);
	ck_assert_int_eq(p[2].h, 6);
}
END_TEST

START_TEST(pane_heights_40x12)
{
	struct lay_pane p[3];

	/* 12 lines: host, status: 10 left, each pane its chrome and a row or two. */
	three(p, 2, 12, 10);
	ck_assert_int_eq(layout_panes(p, 3, 0, 10), 10);
	ck_assert_int_eq(p[0].h, 4);
	ck_assert_int_eq(p[1].h, 3);
	ck_assert_int_eq(p[2].h, 3);
	/* Shorter still: the last pane goes, unless it has the focus. */
	three(p, 2, 12, 10);
	layout_panes(p, 3, 0, 6);
	ck_assert_int_eq(p[0].h, 3);
	ck_assert_int_eq(p[1].h, 3);
	ck_assert_int_eq(p[2].h, 0);
	three(p, 2, 12, 10);
	layout_panes(p, 3, 2, 6);
	ck_assert_int_eq(p[0].h, 3);
	ck_assert_int_eq(p[1].h, 0);
	ck_assert_int_eq(p[2].h, 3);
	/* A pane ranked before another is kept before it, wherever it is on screen. */
	three(p, 2, 12, 10);
	p[1].rank = 5;
	layout_panes(p, 3, 0, 6);
	ck_assert_int_eq(p[0].h, 3);
	ck_assert_int_eq(p[1].h, 0);
	ck_assert_int_eq(p[2].h, 3);
	/* Too small for chrome and a row: the focused pane gets what there is. */
	three(p, 2, 12, 10);
	ck_assert_int_eq(layout_panes(p, 3, 1, 2), 2);
	ck_assert_int_eq(p[1].h, 2);
	ck_assert_int_eq(p[0].h + p[2].h, 0);
	ck_assert_int_eq(layout_panes(p, 3, 1, 0), 0);
	ck_assert_int_eq(layout_panes(p, 3, 1, -3), 0);
}
END_TEST

START_TEST(pane_heights_small_content)
{
	struct lay_pane p[3];

	/* Lines nobody wants stay blank; an unavailable pane gets none. */
	three(p, 1, 2, 0);
	p[2].avail = false;
	ck_assert_int_eq(layout_panes(p, 3, 0, 20), 7);
	ck_assert_int_eq(p[0].h, 3);
	ck_assert_int_eq(p[1].h, 4);
	ck_assert_int_eq(p[2].h, 0);
}
END_TEST

START_TEST(scroll_keeps_selection_visible)
{
	ck_assert_int_eq(layout_scroll(0, 0, 100, 10), 0);
	ck_assert_int_eq(layout_scroll(15, 0, 100, 10), 6);
	ck_assert_int_eq(layout_scroll(3, 6, 100, 10), 3);
	ck_assert_int_eq(layout_scroll(99, 0, 100, 10), 90);
	/* The list shrank under the old scroll position. */
	ck_assert_int_eq(layout_scroll(4, 50, 5, 10), 0);
	ck_assert_int_eq(layout_scroll(0, 5, 0, 10), 0);
	ck_assert_int_eq(layout_scroll(3, 0, 10, 0), 0);
}
END_TEST

START_TEST(wrap_at_separators)
{
	const char *t = "sources: procfs ok, tracefs ok, debugfs unavailable: kernel lockdown";
	int start[4], len[4], n;

	n = layout_wrap(t, ", ", 80, 4, start, len);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(len[0], (int)strlen(t));
	n = layout_wrap(t, ", ", 40, 4, start, len);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(start[1], (int)(strstr(t, "debugfs") - t));
	ck_assert_int_le(len[0], 40);
	/* A piece wider than the line is a line of its own, for the caller to cut. */
	n = layout_wrap(t, ", ", 10, 4, start, len);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(start[2], (int)(strstr(t, "debugfs") - t));
	ck_assert_int_eq(layout_wrap(t, ", ", 10, 1, start, len), 1);
	ck_assert_int_eq(layout_wrap("", ", ", 10, 4, start, len), 0);
}
END_TEST

START_TEST(delay_steps)
{
	ck_assert_double_eq(layout_delay_step(1, 1), 2);
	ck_assert_double_eq(layout_delay_step(1, -1), 0.5);
	ck_assert_double_eq(layout_delay_step(0.7, 1), 1);
	ck_assert_double_eq(layout_delay_step(0.7, -1), 0.5);
	ck_assert_double_eq(layout_delay_step(0.1, -1), 0.05);
	ck_assert_double_eq(layout_delay_step(0.05, -1), LAY_DELAY_MIN);
	ck_assert_double_eq(layout_delay_step(300, 1), 600);
	ck_assert_double_eq(layout_delay_step(3600, 1), LAY_DELAY_MAX);
}
END_TEST

/* ---- the in-memory screen ---- */

START_TEST(screen_never_holds_controls)
{
	struct screen s = { 0 };
	char line[256];
	int x, y;

	screen_resize(&s, 20, 2, true);
	ck_assert_int_eq(screen_put(&s, 0, 0, -1, "a\x1b[2Jb\x07\xc2\x9b\x7f", 0), 9);
	screen_line(&s, 0, line, sizeof(line));
	ck_assert_str_eq(line, "a?[2Jb???");
	/* Wide, combining and invalid characters would shift the line: replaced. */
	screen_put(&s, 0, 1, -1, "\xe6\x97\xa5x\xcc\x81y\xff\xc3(\xc3\xa9", 0);
	screen_line(&s, 1, line, sizeof(line));
	ck_assert_str_eq(line, "?x?y?"
			       "?(\xc3\xa9");
	for (y = 0; y < s.h; y++)
		for (x = 0; x < s.w; x++)
			ck_assert_uint_ge(screen_cell(&s, x, y)->cp, 0x20);
	screen_free(&s);
}
END_TEST

START_TEST(screen_clips)
{
	struct screen s = { 0 };
	char line[64];

	screen_resize(&s, 5, 2, false);
	ck_assert_int_eq(screen_put(&s, 3, 0, -1, "abcdef", 0), 2);
	ck_assert_int_eq(screen_put(&s, 0, 1, 2, "abcdef", 0), 2);
	ck_assert_int_eq(screen_put(&s, 0, 2, -1, "abc", 0), 0);
	ck_assert_int_eq(screen_put(&s, -1, 0, -1, "abc", 0), 0);
	ck_assert_int_eq(screen_fill(&s, 4, 1, 9, '-', 0), 1);
	ck_assert_str_eq(screen_line(&s, 0, line, sizeof(line)), "   ab");
	ck_assert_str_eq(screen_line(&s, 1, line, sizeof(line)), "ab  -");
	/* Without UTF-8 only ASCII is kept. */
	screen_put(&s, 0, 0, -1, "\xc3\xa9!", 0);
	ck_assert_str_eq(screen_line(&s, 0, line, sizeof(line)), "?! ab");
	screen_resize(&s, 0, 0, false);
	ck_assert_int_eq(screen_put(&s, 0, 0, -1, "abc", 0), 0);
	screen_free(&s);
}
END_TEST

/* ---- frames from synthetic snapshots ---- */

#define ESC_NAME "\x1b[31mevil"

static struct snap_thread storm_threads[] = {
	{ .tid = 1001,
	  .kind = THREAD_VCPU,
	  .index = 0,
	  .nthreads = 1,
	  .comm = "CPU 0/KVM",
	  .cpu = { 95, 20, 75, 1, 100 } },
	{ .tid = 1002,
	  .kind = THREAD_VCPU,
	  .index = 1,
	  .nthreads = 1,
	  .comm = "CPU 1/KVM",
	  .cpu = { 94, 20, 74, 2, 100 } },
	{ .tid = 1003,
	  .kind = THREAD_IOTHREAD,
	  .index = -1,
	  .nthreads = 1,
	  .comm = "IO iothread0",
	  .cpu = { 1, 0, 1, 0, 10 } },
	{ .tid = 0,
	  .kind = THREAD_OTHER,
	  .index = -1,
	  .nthreads = 3,
	  .comm = "",
	  .cpu = { 0.5, 0, 0.5, 0, 3 } },
};

static struct snap_thread quiet_threads[] = {
	{ .tid = 2001,
	  .kind = THREAD_VCPU,
	  .index = 0,
	  .nthreads = 1,
	  .comm = "CPU 0/KVM",
	  .cpu = { 1, 0.5, 0.5, 0, 10 } },
};

static struct snap_exit storm_exits[] = {
	{ .name = "IO_INSTRUCTION",
	  .reason = 30,
	  .kind = EXIT_KIND_HW,
	  .count = 74100,
	  .rate = 74100,
	  .share = 99.8,
	  .time_share = 61,
	  .hot = HOT_PIO },
	{ .name = "HLT",
	  .reason = 12,
	  .kind = EXIT_KIND_HW,
	  .count = 120,
	  .rate = 120,
	  .share = 0.2,
	  .time_share = 0.1,
	  .hot = -1 },
};

static struct snap_hot storm_hot[] = {
	{ .kind = HOT_PIO,
	  .rw = HOT_READ,
	  .size = 4,
	  .user = true,
	  .addr = 0x608,
	  .name = "ACPI PM timer",
	  .count = 74100,
	  .rate = 74100,
	  .share = 100,
	  .time_share = 61 },
	{ .kind = HOT_MMIO,
	  .rw = HOT_WRITE,
	  .size = 4,
	  .addr = 0xfee000b0,
	  .name = "LAPIC EOI",
	  .count = 60,
	  .rate = 60,
	  .share = 100,
	  .time_share = -1 },
};

static struct snap_hint storm_hints[] = {
	{ "guest polls the ACPI PM timer (port 0x608): enable the Hyper-V clock" },
};

static struct snap_vm test_vms[] = {
	{ .pid = 2000,
	  .name = "quiet-db",
	  .comm = "qemu-system-x86",
	  .nvcpus = 1,
	  .cpu = { 1, 0.5, 0.5, 0, 10 },
	  .exits_rate = 50,
	  .top_exit = "HLT",
	  .threads = quiet_threads,
	  .nthreads = 1 },
	{ .pid = 1000,
	  .name = "win-timer",
	  .comm = "qemu-system-x86",
	  .nvcpus = 2,
	  .niothreads = 1,
	  .cpu = { 190.5, 40, 150.5, 3, 213 },
	  .exits_rate = 74100,
	  .top_exit = "IO_INSTRUCTION",
	  .threads = storm_threads,
	  .nthreads = 4,
	  .exits = storm_exits,
	  .nexits = 2,
	  .hot = storm_hot,
	  .nhot = 2,
	  .hints = storm_hints,
	  .nhints = 1 },
	{ .pid = 3000,
	  .name = ESC_NAME,
	  .comm = "kvmscope-storm",
	  .nvcpus = 1,
	  .cpu = { 2, 1, 1, 0, 5 },
	  .exits_rate = 10,
	  .threads = quiet_threads,
	  .nthreads = 1 },
};

/* A snapshot of a host with three VMs, one storming, one with escape bytes in its name. */
static void make_snapshot(struct snapshot *s, unsigned int seq)
{
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->wall_s = 1700000000;
	s->interval_ns = 1000000000ull;
	strcpy(s->host.hostname, "hv01");
	strcpy(s->host.release, "6.18.0");
	strcpy(s->host.kvm_module, "kvm_intel");
	s->host.ncpus = 2;
	s->sources[0] = (struct snap_source){ .name = "procfs", .state = SNAP_SRC_OK };
	s->sources[1] = (struct snap_source){ .name = "tracefs", .state = SNAP_SRC_OK };
	s->sources[2] = (struct snap_source){ .name = "debugfs",
						.state = SNAP_SRC_UNAVAILABLE,
						.why = "kernel lockdown" };
	s->nsources = 3;
	s->exits_rate = 74160;
	s->events = 74160;
	s->vms = test_vms;
	s->nvms = (int)ARRAY_SIZE(test_vms);
}

/* A view, a screen and a snapshot, as the TUI has them. */
struct rig {
	struct view v;
	struct screen scr;
	struct snapshot s;
	struct tick_ctl ctl;
	char line[64][1024];
};

static void rig_init(struct rig *r, int w, int h, bool utf8)
{
	char why[128];

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(view_init(&r->v, utf8, NULL, why, sizeof(why)), 0);
	screen_resize(&r->scr, w, h, utf8);
	make_snapshot(&r->s, 1);
	r->ctl.delay_s = 1;
}

static void rig_free(struct rig *r)
{
	view_free(&r->v);
	screen_free(&r->scr);
}

/* Composes a frame and reads every line back. */
static void rig_draw(struct rig *r)
{
	int y;

	view_compose(&r->v, &r->s, &r->ctl, &r->scr);
	for (y = 0; y < r->scr.h && y < 64; y++)
		screen_line(&r->scr, y, r->line[y], sizeof(r->line[y]));
	if (getenv("TEST_LAYOUT_SHOW"))
		for (y = 0; y < r->scr.h && y < 64; y++)
			fprintf(stderr, "%2d|%s\n", y, r->line[y]);
}

/* Returns the first line from `from` showing text, or -1. */
static int rig_find_from(const struct rig *r, const char *text, int from)
{
	int y;

	for (y = MAX(from, 0); y < r->scr.h && y < 64; y++)
		if (strstr(r->line[y], text))
			return y;
	return -1;
}

/* Returns the line showing text, or -1. */
static int rig_find(const struct rig *r, const char *text)
{
	return rig_find_from(r, text, 0);
}

/* Keys as the TUI takes them: each acts on the frame the one before made. */
static void rig_keys(struct rig *r, const int *keys)
{
	for (; *keys; keys++) {
		view_key(&r->v, *keys, &r->ctl);
		view_compose(&r->v, &r->s, &r->ctl, &r->scr);
	}
	rig_draw(r);
}

/* Every cell is printable: nothing drawn can start a terminal sequence. */
static void assert_clean(const struct rig *r)
{
	const struct screen_cell *c;
	int x, y;

	for (y = 0; y < r->scr.h; y++)
		for (x = 0; x < r->scr.w; x++) {
			c = screen_cell(&r->scr, x, y);
			ck_assert(c->cp >= 0x20 && c->cp != 0x7f &&
				  !(c->cp >= 0x80 && c->cp < 0xa0));
		}
}

static void check_first_screen(int w, int h)
{
	struct rig r;
	int y_storm, y_quiet;

	rig_init(&r, w, h, true);
	rig_draw(&r);
	ck_assert_msg(!strncmp(r.line[0], "kvmscope ", 9), "header at %dx%d: %s", w, h, r.line[0]);
	y_storm = rig_find(&r, "win-timer");
	y_quiet = rig_find(&r, "quiet-db");
	ck_assert_msg(y_storm > 0, "storming VM at %dx%d", w, h);
	/* Sorted by exits/s: the storm first, and selected. */
	ck_assert_int_lt(y_storm, y_quiet);
	ck_assert_int_eq(screen_cell(&r.scr, 0, y_storm)->color, UC_SELECT);
	ck_assert_msg(strstr(r.line[y_storm], "74.1k"), "exits/s at %dx%d: %s", w, h,
		      r.line[y_storm]);
	/* Which exit and which address, on the same first screen. */
	ck_assert_msg(rig_find_from(&r, "IO_INSTRUCTION", rig_find(&r, " Exits ")) > 0,
		      "exit at %dx%d", w, h);
	ck_assert_msg(rig_find(&r, "ACPI PM timer") > 0, "address at %dx%d", w, h);
	ck_assert(strstr(r.line[rig_find(&r, "ACPI PM timer")], "0x608"));
	/* When the VM list does not fit, End scrolls to the last. */
	if (rig_find(&r, "\\e[31mevil") < 0)
		rig_keys(&r, (const int[]){ KEY_END, 0 });
	ck_assert_int_ge(rig_find(&r, "\\e[31mevil"), 0);
	ck_assert(strstr(r.line[h - 1], "host"));
	assert_clean(&r);
	rig_free(&r);
}

START_TEST(first_screen_80x24)
{
	struct rig r;

	check_first_screen(80, 24);
	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	/* The whole header: sources with their state, the event counts. */
	ck_assert(strstr(r.line[0], "host hv01"));
	ck_assert(strstr(r.line[0], "every 1.0s"));
	ck_assert(strstr(r.line[1], "debugfs unavailable: kernel lockdown"));
	ck_assert(strstr(r.line[2], "exits/s 74.2k"));
	ck_assert(strstr(r.line[2], "lost 0"));
	/* Every column of the VM list at 80 columns. */
	ck_assert_int_ge(rig_find(&r, "NAME"), 0);
	ck_assert(strstr(r.line[rig_find(&r, "NAME")], "TOP EXIT"));
	ck_assert(strstr(r.line[rig_find(&r, "NAME")], "STEAL%"));
	rig_free(&r);
}
END_TEST

START_TEST(first_screen_60x20)
{
	check_first_screen(60, 20);
}
END_TEST

START_TEST(first_screen_40x12)
{
	check_first_screen(40, 12);
}
END_TEST

START_TEST(tiny_screens_stay_inside)
{
	static const int sizes[][2] = { { 1, 1 }, { 10, 2 }, { 20, 3 }, { 40, 5 }, { 300, 70 } };
	struct rig r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rig_init(&r, sizes[i][0], sizes[i][1], false);
		rig_draw(&r);
		assert_clean(&r);
		/* Help and a prompt too. */
		rig_keys(&r, (const int[]){ '?', 0 });
		rig_keys(&r, (const int[]){ 'q', '/', 'a', 0 });
		ck_assert(r.scr.cursor);
		ck_assert_int_lt(r.scr.cur_x, r.scr.w);
		assert_clean(&r);
		rig_free(&r);
	}
}
END_TEST

START_TEST(plain_locale_is_ascii)
{
	struct rig r;
	const struct screen_cell *c;
	int x, y;

	rig_init(&r, 80, 24, false);
	test_vms[0].name[0] = 'q';
	strcpy(test_vms[0].name, "quiet-db\xc3\xa9");
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "quiet-db\\xc3\\xa9"), 0);
	for (y = 0; y < r.scr.h; y++)
		for (x = 0; x < r.scr.w; x++) {
			c = screen_cell(&r.scr, x, y);
			ck_assert_uint_lt(c->cp, 0x80);
		}
	/* Title bars use '-' for the line. */
	ck_assert(!strncmp(r.line[3], "-- VMs", 6));
	strcpy(test_vms[0].name, "quiet-db");
	rig_free(&r);
}
END_TEST

START_TEST(drill_down_and_back)
{
	struct rig r;

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	/* Enter on the storming VM: its threads, both vCPUs. */
	rig_keys(&r, (const int[]){ '\r', 0 });
	ck_assert_int_eq(r.v.depth, 1);
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 1000);
	ck_assert_int_ge(rig_find(&r, "CPU 0/KVM"), 0);
	ck_assert_int_ge(rig_find(&r, "CPU 1/KVM"), 0);
	ck_assert_int_ge(rig_find(&r, "IO iothread0"), 0);
	ck_assert(strstr(r.line[23], "host > win-timer"));
	/* Down, Enter: narrowed to CPU 1. */
	rig_keys(&r, (const int[]){ KEY_DOWN, KEY_ENTER, 0 });
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VCPU);
	ck_assert_int_eq(view_level(&r.v)->scope.tid, 1002);
	ck_assert_int_lt(rig_find(&r, "CPU 0/KVM"), 0);
	ck_assert(strstr(r.line[23], "host > win-timer > CPU 1/KVM"));
	/* Esc, Left: back to the host, the VM still selected. */
	rig_keys(&r, (const int[]){ 27, 0 });
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert_int_eq(view_level(&r.v)->pv[view_pane_index("threads")].sel, 1);
	rig_keys(&r, (const int[]){ KEY_LEFT, KEY_LEFT, 0 });
	ck_assert_int_eq(r.v.depth, 0);
	ck_assert_int_eq(view_level(&r.v)->pv[view_pane_index("vms")].ref.pid, 1000);
	/* The iothread and the grouped row do not narrow. */
	rig_keys(&r, (const int[]){ '\n', KEY_END, KEY_UP, '\n', 0 });
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert(r.v.msg_error);
	rig_free(&r);
}
END_TEST

START_TEST(exit_opens_its_addresses)
{
	struct rig r;
	int lat = view_pane_index("latency"), exits = view_pane_index("exits");

	rig_init(&r, 100, 40, false);
	rig_draw(&r);
	/* Host scope: Tab to the exits pane, Enter on the storm's exit: its VM's ports. */
	rig_keys(&r, (const int[]){ '\t', 0 });
	ck_assert_int_eq(view_level(&r.v)->focus, exits);
	rig_keys(&r, (const int[]){ '\r', 0 });
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 1000);
	ck_assert_int_eq(view_level(&r.v)->scope.hot_only, 1 + HOT_PIO);
	/* Its latency distribution in focus, above the ports behind it. */
	ck_assert_int_eq(view_level(&r.v)->focus, lat);
	ck_assert_int_eq(view_level(&r.v)->scope.lat.kind, REF_EXIT);
	ck_assert(strstr(r.line[39], "host > win-timer > PIO > latency"));
	ck_assert_int_ge(rig_find(&r, "Latency of IO_INSTRUCTION in win-timer"), 0);
	ck_assert_int_lt(rig_find(&r, "Latency of"), rig_find(&r, "Hot ports of win-timer"));
	ck_assert_int_ge(rig_find(&r, "Hot ports of win-timer"), 0);
	ck_assert_int_lt(rig_find(&r, "LAPIC EOI"), 0);
	ck_assert_int_gt(rig_find(&r, "ACPI PM timer"), rig_find(&r, "Hot ports"));
	/* Back; into the VM; to its exits: HLT has no addresses behind it, only its times. */
	rig_keys(&r, (const int[]){ 27, KEY_BTAB, '\r', 0 });
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert_int_eq(view_level(&r.v)->scope.hot_only, 0);
	while (view_level(&r.v)->focus != exits)
		rig_keys(&r, (const int[]){ '\t', 0 });
	rig_keys(&r, (const int[]){ KEY_DOWN, '\r', 0 });
	ck_assert_int_eq(r.v.depth, 2);
	ck_assert_int_eq(view_level(&r.v)->scope.hot_only, 0);
	ck_assert_int_eq(view_level(&r.v)->focus, lat);
	rig_keys(&r, (const int[]){ 27, 0 });
	ck_assert_int_eq(r.v.depth, 1);
	/* IO_INSTRUCTION: the same VM, ports only. */
	rig_keys(&r, (const int[]){ KEY_UP, KEY_ENTER, 0 });
	ck_assert_int_eq(r.v.depth, 2);
	ck_assert_int_eq(view_level(&r.v)->scope.kind, SCOPE_VM);
	ck_assert_int_eq(view_level(&r.v)->scope.hot_only, 1 + HOT_PIO);
	ck_assert_int_eq(view_level(&r.v)->focus, lat);
	ck_assert_int_ge(rig_find(&r, "Hot ports of win-timer"), 0);
	rig_free(&r);
}
END_TEST

START_TEST(selection_follows_its_row)
{
	struct rig r;
	int vms = view_pane_index("vms");

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ KEY_DOWN, 0 });
	ck_assert_int_eq(view_level(&r.v)->pv[vms].ref.pid, 2000);
	/* quiet-db starts storming and moves to the top: the selection goes with it. */
	test_vms[0].exits_rate = 1e6;
	r.s.seq = 2;
	rig_draw(&r);
	ck_assert_int_eq(view_level(&r.v)->pv[vms].sel, 0);
	ck_assert_int_eq(view_level(&r.v)->pv[vms].ref.pid, 2000);
	test_vms[0].exits_rate = 50;
	/* It goes away: the selection stays at its place. */
	r.s.nvms = 1;
	rig_draw(&r);
	ck_assert_int_eq(view_level(&r.v)->pv[vms].sel, 0);
	ck_assert_int_eq(view_level(&r.v)->pv[vms].ref.pid, 2000);
	r.s.nvms = 0;
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "no KVM VMs on this host"), 0);
	/* procfs could not look at every process: it says why, never "no VMs". */
	r.s.sources[0].state = SNAP_SRC_DEGRADED;
	snprintf(r.s.sources[0].why, sizeof(r.s.sources[0].why), "hidden by hidepid");
	r.s.seq++;
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "no VM visible: hidden by hidepid"), 0);
	ck_assert_int_lt(rig_find(&r, "no KVM VMs"), 0);
	r.s.sources[0].state = SNAP_SRC_OK;
	r.s.sources[0].why[0] = '\0';
	rig_keys(&r, (const int[]){ KEY_DOWN, '\n', 0 });
	ck_assert_int_eq(r.v.depth, 0);
	/* Not root: seeing no VM is not knowing there is none. */
	r.s.procfs.others_hidden = true;
	rig_draw(&r);
	ck_assert_int_lt(rig_find(&r, "no KVM VMs on this host"), 0);
	ck_assert_int_ge(rig_find(&r, "other users' VMs are not visible without root"), 0);
	r.s.nvms = 1;
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "other users' VMs are not visible without root"), 0);
	/* Root, with a VMM-looking process whose fds are shut. */
	r.s.procfs = (struct snap_procfs){ .unreadable = 3, .unreadable_vmms = 1 };
	r.s.nvms = 0;
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "a process that looks like a VMM could not be read"), 0);
	r.s.procfs = (struct snap_procfs){ 0 };
	rig_free(&r);
}
END_TEST

START_TEST(untouched_selection_stays_on_top)
{
	struct rig r;
	int vms = view_pane_index("vms"), y;

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	/* Nobody moved the selection: it stays on the top row, whichever VM that is now. */
	test_vms[0].exits_rate = 1e6;
	r.s.seq = 2;
	rig_draw(&r);
	y = rig_find(&r, "quiet-db");
	ck_assert_int_lt(y, rig_find(&r, "win-timer"));
	ck_assert_int_eq(view_level(&r.v)->pv[vms].sel, 0);
	ck_assert_int_eq(screen_cell(&r.scr, 0, y)->color, UC_SELECT);
	ck_assert_int_eq(view_level(&r.v)->pv[vms].top, 0);
	test_vms[0].exits_rate = 50;
	rig_free(&r);
}
END_TEST

START_TEST(sort_keys)
{
	struct rig r;
	int vms = view_pane_index("vms");

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "sort EXITS/S"), 0);
	/* > and s step right, < left, R reverses. */
	rig_keys(&r, (const int[]){ '>', 0 });
	ck_assert_int_ge(rig_find(&r, "sort TOP EXIT"), 0);
	rig_keys(&r, (const int[]){ '<', '<', 0 });
	ck_assert_int_ge(rig_find(&r, "sort IOTH"), 0);
	/* Columns come and go with the panes' versions: step until CPU%. */
	for (int i = 0; i < 20 && rig_find(&r, "sort CPU%") < 0; i++)
		rig_keys(&r, (const int[]){ 's', 0 });
	ck_assert_int_ge(rig_find(&r, "sort CPU%"), 0);
	ck_assert_int_lt(rig_find(&r, "win-timer"), rig_find(&r, "quiet-db"));
	rig_keys(&r, (const int[]){ 'R', 0 });
	ck_assert_int_ge(rig_find(&r, "sort CPU% reversed"), 0);
	ck_assert_int_gt(rig_find(&r, "win-timer"), rig_find(&r, "quiet-db"));
	ck_assert(r.v.reverse[vms]);
	/* A pane with its own order says so. */
	rig_keys(&r, (const int[]){ '\n', 's', 0 });
	ck_assert(r.v.msg_error);
	rig_free(&r);
}
END_TEST

static void type(struct rig *r, const char *text)
{
	for (; *text; text++) {
		view_key(&r->v, (unsigned char)*text, &r->ctl);
		view_compose(&r->v, &r->s, &r->ctl, &r->scr);
	}
}

START_TEST(filter_prompt)
{
	struct rig r;

	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	/* Typed text is shown escaped; control bytes never enter the line. */
	rig_keys(&r, (const int[]){ '/', 'w', '\\', 1, 0 });
	ck_assert(strstr(r.line[23], "Filter VMs (regex, empty clears): w\\\\"));
	ck_assert(r.scr.cursor);
	rig_keys(&r, (const int[]){ KEY_BACKSPACE, 'I', 'N', '\r', 0 });
	ck_assert(r.v.have_filter);
	ck_assert_int_ge(rig_find(&r, "win-timer"), 0);
	ck_assert_int_lt(rig_find(&r, "quiet-db"), 0);
	ck_assert(strstr(r.line[23], "/wIN/"));
	/* A bad regex keeps the old filter. */
	rig_keys(&r, (const int[]){ 'f', KEY_CTRL('u'), '(', '\r', 0 });
	ck_assert(r.v.msg_error);
	ck_assert_str_eq(r.v.filter_src, "wIN");
	/* The pid matches too; an empty filter clears. */
	rig_keys(&r, (const int[]){ '/', KEY_CTRL('u'), 0 });
	type(&r, "^2000$\r");
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "quiet-db"), 0);
	ck_assert_int_lt(rig_find(&r, "win-timer"), 0);
	rig_keys(&r, (const int[]){ '/', KEY_CTRL('u'), '\r', 0 });
	ck_assert(!r.v.have_filter);
	ck_assert_int_ge(rig_find(&r, "win-timer"), 0);
	/* Esc drops what was typed. */
	rig_keys(&r, (const int[]){ '/', 'z', 27, 0 });
	ck_assert(!r.v.have_filter);
	ck_assert(!r.scr.cursor);
	rig_free(&r);
}
END_TEST

START_TEST(guest_prompt)
{
	struct rig r;

	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ 'g', 0 });
	type(&r, "2000\r");
	rig_draw(&r);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 2000);
	/* By a part of the name, any case, from anywhere. */
	rig_keys(&r, (const int[]){ 'g', 0 });
	type(&r, "TIMER\r");
	rig_draw(&r);
	ck_assert_int_eq(r.v.depth, 1);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 1000);
	/* By the name as shown, escapes included; the answer is escaped too. */
	rig_keys(&r, (const int[]){ 'g', 0 });
	type(&r, "\\e[31m\r");
	rig_draw(&r);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 3000);
	ck_assert_int_ge(rig_find(&r, "\\e[31mevil"), 0);
	rig_keys(&r, (const int[]){ 'g', 0 });
	type(&r, "nosuch\r");
	rig_draw(&r);
	ck_assert(r.v.msg_error);
	ck_assert(strstr(r.line[23], "no guest matches 'nosuch'"));
	assert_clean(&r);
	rig_free(&r);
}
END_TEST

/* Names from the management layer: the VM list shows them, / and g find a VM by any. */
START_TEST(names_on_screen)
{
	struct rig r;

	/* Check runs each case in a process of its own: test_vms is this case's to change. */
	test_vms[0].mgmt = (struct snap_mgmt){ .source = SNAP_MGMT_LIBVIRT,
					       .state = SNAP_SRC_OK,
					       .name = "instance-0000a3f1",
					       .title = "Customer db",
					       .nova_name = "db-7",
					       .nova_project = "acme" };
	rig_init(&r, 200, 50, true);
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "ALSO KNOWN AS"), 0);
	ck_assert(strstr(r.line[rig_find(&r, "Customer db ")],
			 "nova name db-7, libvirt name instance-0000a3f1, -name quiet-db, nova "
			 "project acme"));
	rig_keys(&r, (const int[]){ 'g', 0 });
	type(&r, "db-7\r");
	rig_draw(&r);
	ck_assert_int_eq(view_level(&r.v)->scope.pid, 2000);
	ck_assert_int_ge(rig_find(&r, "Names of Customer db"), 0);
	ck_assert_int_ge(rig_find(&r, "nova project acme"), 0);
	ck_assert_int_ge(rig_find(&r, "from libvirt's live domain XML"), 0);
	/* The filter by project leaves that VM alone in the list. */
	rig_keys(&r, (const int[]){ 27, '/', 0 });
	type(&r, "^acme$\r");
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "Customer db "), 0);
	ck_assert_int_lt(rig_find(&r, "win-timer"), 0);
	assert_clean(&r);
	rig_free(&r);
	/* Less room: the column takes what is left, cut; narrower, it goes first. */
	rig_init(&r, 120, 30, true);
	rig_draw(&r);
	ck_assert_int_ge(rig_find(&r, "ALSO KNOWN AS"), 0);
	ck_assert(strstr(r.line[rig_find(&r, "Customer db ")], " nova name db-7, libvirt"));
	rig_free(&r);
	rig_init(&r, 80, 24, true);
	rig_draw(&r);
	ck_assert_int_lt(rig_find(&r, "ALSO KNOWN AS"), 0);
	ck_assert_int_ge(rig_find(&r, "Customer db "), 0);
	rig_free(&r);
}
END_TEST

START_TEST(loop_requests)
{
	struct rig r;

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ 'p', 0 });
	ck_assert(r.ctl.paused);
	ck_assert(strstr(r.line[0], "PAUSED"));
	rig_keys(&r, (const int[]){ 'c', 0 });
	ck_assert(r.ctl.cumulative && r.ctl.refresh);
	ck_assert(strstr(r.line[0], "CUMULATIVE"));
	rig_keys(&r, (const int[]){ 'r', '+', 0 });
	ck_assert(r.ctl.reset);
	ck_assert_double_eq(r.ctl.delay_s, 2);
	rig_keys(&r, (const int[]){ '-', '-', 0 });
	ck_assert_double_eq(r.ctl.delay_s, 0.5);
	rig_keys(&r, (const int[]){ 'd', KEY_CTRL('u'), '3', '\r', 0 });
	ck_assert_double_eq(r.ctl.delay_s, 3);
	rig_keys(&r, (const int[]){ 'd', KEY_CTRL('u'), '0', '\r', 0 });
	ck_assert_double_eq(r.ctl.delay_s, 3);
	ck_assert(r.v.msg_error);
	rig_keys(&r, (const int[]){ 'x', 0 });
	ck_assert(r.v.show_zero);
	rig_keys(&r, (const int[]){ 'q', 0 });
	ck_assert(r.ctl.quit);
	rig_free(&r);
}
END_TEST

START_TEST(marker_on_narrow_header)
{
	struct rig r;

	rig_init(&r, 40, 12, false);
	r.ctl.paused = true;
	rig_draw(&r);
	/* The host text is cut; the marker is not. */
	ck_assert(strstr(r.line[0], "kvmscope"));
	ck_assert(strstr(r.line[0], "~"));
	ck_assert(strstr(r.line[0], "every 1.0s PAUSED"));
	ck_assert_int_eq((int)strlen(r.line[0]), 39);
	rig_free(&r);
}
END_TEST

START_TEST(help_lists_and_scrolls)
{
	struct rig r;
	int i;

	rig_init(&r, 80, 40, false);
	rig_draw(&r);
	rig_keys(&r, (const int[]){ '?', 0 });
	ck_assert(r.v.help);
	ck_assert(strstr(r.line[0], "kvmscope keys"));
	for (i = 0; key_bindings[i].name; i++) {
		char want[64];

		snprintf(want, sizeof(want), "  %s ", key_bindings[i].name);
		ck_assert_msg(rig_find(&r, want) > 0, "help: %s", key_bindings[i].name);
	}
	rig_keys(&r, (const int[]){ 27, 0 });
	ck_assert(!r.v.help);
	rig_free(&r);

	/* At 40x12 it scrolls, and the last page ends with the last key. */
	rig_init(&r, 40, 12, false);
	rig_keys(&r, (const int[]){ 'h', KEY_END, 0 });
	ck_assert(r.v.help);
	ck_assert_int_ge(rig_find(&r, "Ctrl-L"), 1);
	ck_assert(strstr(r.line[11], "lines"));
	rig_keys(&r, (const int[]){ KEY_HOME, 0 });
	ck_assert_int_eq(rig_find(&r, "  q"), 1);
	rig_keys(&r, (const int[]){ 'q', 0 });
	ck_assert(!r.v.help && !r.ctl.quit);
	rig_free(&r);
}
END_TEST

START_TEST(one_table_of_keys)
{
	const struct key_binding *b, *o;
	const int *c, *d;
	struct rig r;

	/* Each code belongs to one binding, and every one of them is taken. */
	for (b = key_bindings; b->name; b++) {
		ck_assert_msg(b->codes[0] && b->help && b->act, "%s", b->name);
		for (c = b->codes; *c; c++)
			for (o = key_bindings; o->name; o++)
				for (d = o->codes; *d; d++)
					ck_assert_msg(o == b || *d != *c, "%s and %s share a key",
						      b->name, o->name);
	}
	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	for (b = key_bindings; b->name; b++)
		for (c = b->codes; *c; c++) {
			if (*c == 'q' || *c == '\t' || *c == KEY_BTAB)
				continue;
			rig_keys(&r, (const int[]){ *c, 0 });
			ck_assert_msg(!strstr(r.v.msg, "unknown key"), "%s: unknown", b->name);
			/* Back to the host, nothing typed, no help. */
			r.v.prompt = PROMPT_NONE;
			r.v.help = false;
			r.v.depth = 0;
		}
	rig_keys(&r, (const int[]){ 'Z', 0 });
	ck_assert(strstr(r.v.msg, "unknown key"));
	rig_free(&r);
}
END_TEST

START_TEST(focus_cycles_shown_panes)
{
	struct rig r;
	int shown = 0, i, start;

	rig_init(&r, 80, 24, false);
	rig_draw(&r);
	for (i = 0; i < r.v.npanes; i++)
		shown += r.v.frame[i].shown;
	start = view_level(&r.v)->focus;
	ck_assert_int_eq(start, view_pane_index("vms"));
	for (i = 0; i < shown; i++) {
		rig_keys(&r, (const int[]){ '\t', 0 });
		ck_assert(r.v.frame[view_level(&r.v)->focus].shown);
	}
	ck_assert_int_eq(view_level(&r.v)->focus, start);
	rig_keys(&r, (const int[]){ KEY_BTAB, KEY_BTAB, '\t', '\t', 0 });
	ck_assert_int_eq(view_level(&r.v)->focus, start);
	rig_free(&r);
}
END_TEST

/* ---- columns and titles ---- */

START_TEST(columns_drop_by_priority)
{
	const struct pane *p = pane_find("vms");
	struct pane_opts po = { .sort = -1 };
	struct table t = { 0 };
	struct snapshot s;
	int w[32], i;

	make_snapshot(&s, 1);
	pane_build(p, &s, &po, &t);
	ck_assert_int_le(table_layout(&t, 80, w), 80);
	/* No VM has other names: that column is hidden, the others all fit. */
	for (i = 0; i < t.ncols; i++)
		ck_assert_msg((t.cols[i].flags & t.hide) ? !w[i] : w[i] > 0, "column %s at 80",
			      t.cols[i].title);
	/* Narrower: the highest priority numbers go first; prio 0 never goes. */
	for (int width = 79; width >= 30; width--) {
		int dropped_prio = 0, kept_min = 99;

		ck_assert_int_le(table_layout(&t, width, w), width);
		for (i = 0; i < t.ncols; i++) {
			if (t.cols[i].flags & t.hide)
				continue;
			if (!w[i])
				dropped_prio = MAX(dropped_prio, t.cols[i].prio);
			else if (t.cols[i].prio)
				kept_min = MIN(kept_min, t.cols[i].prio);
			if (!t.cols[i].prio)
				ck_assert_int_gt(w[i], 0);
		}
		/* Nothing kept ranks above something dropped. */
		for (i = 0; i < t.ncols; i++)
			if (w[i] && t.cols[i].prio)
				ck_assert_int_le(t.cols[i].prio, dropped_prio ? dropped_prio : 99);
		(void)kept_min;
	}
	table_layout(&t, 40, w);
	ck_assert_int_gt(w[0], 0); /* NAME */
	ck_assert_int_gt(w[1], 0); /* PID */

	/* A name a little too long for every column: extras go, the name stays whole. */
	strcpy(test_vms[1].name, "win-timer-prod-eu-1");
	pane_build(p, &s, &po, &t);
	table_layout(&t, 75, w);
	ck_assert_int_eq(w[0], (int)strlen("win-timer-prod-eu-1"));
	for (i = 0; i < t.ncols; i++)
		if (t.cols[i].prio && t.cols[i].prio < TABLE_PRIO_EXTRA)
			ck_assert_msg(w[i] > 0, "column %s dropped before the extras",
				      t.cols[i].title);
	/* Much too long: cut to twice its minimum before the important columns go. */
	strcpy(test_vms[1].name, "a-very-long-virtual-machine-name-here");
	pane_build(p, &s, &po, &t);
	table_layout(&t, 60, w);
	ck_assert_int_ge(w[0], 2 * t.cols[0].min);
	strcpy(test_vms[1].name, "win-timer");
	table_free(&t);
}
END_TEST

START_TEST(columns_come_back)
{
	static const struct table_col cols[] = {
		{ "VM", 16, 6, ALIGN_LEFT, 3 },	  { "REASON", 24, 10, ALIGN_LEFT, 0 },
		{ "RATE", 7, 0, ALIGN_RIGHT, 0 }, { "MEAN", 7, 0, ALIGN_RIGHT, 4 },
		{ "MAX", 7, 0, ALIGN_RIGHT, 5 },
	};
	static const struct table_spec spec = { .cols = cols, .ncols = 5, .sort = -1 };
	struct table t = { 0 };
	int w[5];

	table_begin(&t, &spec, 0, "Exits");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_set(&t, 0, "win-timer-prod"); /* 14 */
	table_set(&t, 1, "IO_INSTRUCTION"); /* 14 */
	table_set(&t, 2, "74.1k");	    /* RATE: 5 */
	table_set(&t, 3, "13.3us");	    /* 6 */
	table_set(&t, 4, "51.7ms");	    /* 6 */
	/* 14+1+14+1+5+1+6+1+6 = 49 wide. */
	ck_assert_int_eq(table_layout(&t, 0, w), 49);
	/* 42: MAX (prio 5) goes. 40: MEAN too, and then it fits. */
	ck_assert_int_eq(table_layout(&t, 42, w), 42);
	ck_assert_int_eq(w[4], 0);
	ck_assert_int_eq(w[3], 6);
	ck_assert_int_eq(table_layout(&t, 40, w), 35);
	ck_assert_int_eq(w[3] + w[4], 0);
	ck_assert_int_eq(w[0], 14);
	/* 34: VM goes too, then comes back cut into the 13 columns that leaves. */
	ck_assert_int_eq(table_layout(&t, 34, w), 34);
	ck_assert_int_eq(w[0], 13);
	ck_assert_int_eq(w[1], 14);
	/* 26: no room for the VM at its min; REASON stays whole. */
	ck_assert_int_eq(table_layout(&t, 26, w), 20);
	ck_assert_int_eq(w[0], 0);
	ck_assert_int_eq(w[1], 14);
	table_free(&t);
}
END_TEST

START_TEST(titles_escape_names)
{
	struct pane_opts po = { .sort = -1, .scope = { .kind = SCOPE_VM, .pid = 3000 } };
	struct table t = { 0 };
	struct snapshot s;
	int i, named = 0;

	/* Every pane with something for a VM, titles included, escapes its name. */
	make_snapshot(&s, 1);
	for (i = 0; panes[i]; i++) {
		if (!(panes[i]->scopes & SCOPE_F(SCOPE_VM)))
			continue;
		pane_build(panes[i], &s, &po, &t);
		ck_assert_msg(!strchr(t.title, 0x1b), "%s: raw ESC in its title", panes[i]->name);
		if (strstr(t.title, "evil")) {
			ck_assert_msg(strstr(t.title, "\\e[31mevil"), "%s: %s", panes[i]->name,
				      t.title);
			named++;
		}
	}
	ck_assert_int_gt(named, 0);
	table_free(&t);
}
END_TEST

/* ---- the help, README and the manual list the same keys ---- */

/* Returns the file's text (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

START_TEST(docs_list_every_key)
{
	char *readme = slurp("README.md"), *man = slurp("man/kvmscope.8");
	char key[32], want[64], *keys_md, *keys_man;
	int i;

	ck_assert_ptr_nonnull(readme);
	ck_assert_ptr_nonnull(man);
	keys_md = strstr(readme, "\n## Keys");
	keys_man = strstr(man, "\n.SH KEYS");
	ck_assert_ptr_nonnull(keys_md);
	ck_assert_ptr_nonnull(keys_man);
	for (i = 0; key_bindings[i].name; i++) {
		const char *p = key_bindings[i].name;
		int n;

		while (sscanf(p, "%31s%n", key, &n) == 1) {
			char *o = want;

			p += n;
			snprintf(want, sizeof(want), "`%s`", key);
			ck_assert_msg(strstr(keys_md, want), "README Keys lacks %s", want);
			/* roff: a '-' is written "\-". */
			o += sprintf(o, "\\fB");
			for (const char *k = key; *k; k++)
				o += sprintf(o, *k == '-' ? "\\-" : "%c", *k);
			sprintf(o, "\\fR");
			ck_assert_msg(strstr(keys_man, want), "manual KEYS lacks %s", want);
		}
	}
	free(readme);
	free(man);
}
END_TEST

/* Character widths as in a UTF-8 terminal; frames without UTF-8 say so themselves. */
static void utf8_locale(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
}

static Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("layout");

	tcase_add_checked_fixture(tc, utf8_locale, NULL);
	tcase_add_test(tc, header_lines_by_height);
	tcase_add_test(tc, pane_heights_80x24);
	tcase_add_test(tc, pane_heights_60x20);
	tcase_add_test(tc, pane_heights_40x12);
	tcase_add_test(tc, pane_heights_small_content);
	tcase_add_test(tc, scroll_keeps_selection_visible);
	tcase_add_test(tc, wrap_at_separators);
	tcase_add_test(tc, delay_steps);
	tcase_add_test(tc, screen_never_holds_controls);
	tcase_add_test(tc, screen_clips);
	tcase_add_test(tc, first_screen_80x24);
	tcase_add_test(tc, first_screen_60x20);
	tcase_add_test(tc, first_screen_40x12);
	tcase_add_test(tc, tiny_screens_stay_inside);
	tcase_add_test(tc, plain_locale_is_ascii);
	tcase_add_test(tc, drill_down_and_back);
	tcase_add_test(tc, exit_opens_its_addresses);
	tcase_add_test(tc, selection_follows_its_row);
	tcase_add_test(tc, untouched_selection_stays_on_top);
	tcase_add_test(tc, sort_keys);
	tcase_add_test(tc, filter_prompt);
	tcase_add_test(tc, guest_prompt);
	tcase_add_test(tc, names_on_screen);
	tcase_add_test(tc, loop_requests);
	tcase_add_test(tc, marker_on_narrow_header);
	tcase_add_test(tc, help_lists_and_scrolls);
	tcase_add_test(tc, one_table_of_keys);
	tcase_add_test(tc, focus_cycles_shown_panes);
	tcase_add_test(tc, columns_drop_by_priority);
	tcase_add_test(tc, columns_come_back);
	tcase_add_test(tc, titles_escape_names);
	tcase_add_test(tc, docs_list_every_key);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(layout_suite)
