// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "recording.h"
#include "replay.h"
#include "sig.h"
#include "util.h"

/* Playing: from this slow to this fast, times the recorded pace. */
#define SPEED_MIN (1.0 / 16)
#define SPEED_MAX 64.0
/* A trace.dat read on while nothing else is asked: the count shown every this many ticks. */
#define GROW_SAY 16

/* Returns the rest of s after an optional zone (Z, +HH:MM, -HH:MM, +HHMM), its offset in *off. */
static const char *zone(const char *s, bool *given, long *off)
{
	int h, m, n = 0;

	*given = false;
	*off = 0;
	if (*s == 'Z' || *s == 'z') {
		*given = true;
		return s + 1;
	}
	if ((*s == '+' || *s == '-') &&
	    (sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) == 2 ||
	     sscanf(s + 1, "%2d%2d%n", &h, &m, &n) == 2) &&
	    h < 24 && m < 60) {
		*given = true;
		*off = (*s == '-' ? -1 : 1) * (h * 3600L + m * 60L);
		return s + 1 + n;
	}
	return s;
}

int replay_time(const char *text, int64_t last, int64_t *t)
{
	static const char *const forms[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
					     "%Y-%m-%d %H:%M",	  "%Y-%m-%dT%H:%M",
					     "%H:%M:%S",	  "%H:%M" };
	time_t day = (time_t)last;
	const char *end;
	struct tm tm;
	bool given;
	size_t i;
	long off;
	char *e;

	if (text[0] == '@') {
		long long v;

		errno = 0;
		v = strtoll(text + 1, &e, 10);
		if (errno || e == text + 1 || *e)
			return -EINVAL;
		*t = v;
		return 0;
	}
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if (forms[i][1] == 'H') {
			/* A time of day: on the day the recording ends. */
			if (!localtime_r(&day, &tm))
				return -EINVAL;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		}
		end = strptime(text, forms[i], &tm);
		if (!end)
			continue;
		end = zone(end, &given, &off);
		if (*end)
			continue;
		tm.tm_isdst = -1;
		*t = given ? (int64_t)timegm(&tm) - off : (int64_t)mktime(&tm);
		if (forms[i][1] == 'H' && *t > last) {
			/* Later than the recording's end: that time the day before. */
			tm.tm_mday--;
			tm.tm_isdst = -1;
			*t = given ? (int64_t)timegm(&tm) - off : (int64_t)mktime(&tm);
		}
		return 0;
	}
	return -EINVAL;
}

/* Returns buf holding wall clock t as local "YYYY-MM-DD HH:MM:SS". */
static const char *local(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "@%lld", (long long)t);
	return buf;
}

int replay_run(const struct replay_config *c, const struct tick_output *out, char *why,
	       size_t whysz)
{
	struct tick_ctl ctl = { 0 };
	int64_t begin = INT64_MIN, end = INT64_MAX, last;
	char msg[512], t0[32], t1[32], t2[32], t3[32];
	struct recording *r = NULL;
	const struct rec_segment_info *sg;
	size_t i, n;
	long printed = 0;
	int err, k, damaged = 0, said_old = 0;

	err = recording_open(c->path, &r, why, whysz);
	if (err)
		return err;
	for (k = 0; k < recording_nwarnings(r); k++)
		c->warn(recording_warning(r, k));
	damaged = recording_damaged(r);
	n = recording_count(r);
	last = recording_tick(r, n - 1).wall_s;
	if ((c->begin && replay_time(c->begin, last, &begin)) ||
	    (c->end && replay_time(c->end, last, &end))) {
		snprintf(why, whysz, "%s: '%s' is not a time",
			 c->begin && begin == INT64_MIN ? "--begin" : "--end",
			 c->begin && begin == INT64_MIN ? c->begin : c->end);
		err = -EINVAL;
		goto out;
	}
	/* 23:50 to 00:10: over midnight. */
	if (end < begin && c->end && !strchr(c->end, '-') && c->end[0] != '@')
		end += 86400;
	for (i = begin == INT64_MIN ? 0 : recording_find(r, begin); i < n; i++) {
		struct rec_tick_info ti = recording_tick(r, i);
		struct snapshot *s;

		if (ti.wall_s < begin)
			continue; /* the clock went back while recording */
		if (ti.wall_s > end) {
			if (recording_sorted(r))
				break;
			continue;
		}
		sg = recording_segment(r, i);
		if (sg->schema < 2 && !said_old++) {
			snprintf(
				msg, sizeof(msg),
				"%s: schema %d (kvmscope 0.1's batch JSON): "
				"replayed as printed then: numbers rounded to 3 decimals, and what "
				"schema 2 added (ts_ns, starttime, pattern) unknown",
				sg->path, sg->schema);
			c->warn(msg);
		}
		err = recording_read(r, i, &s, msg, sizeof(msg));
		if (err) {
			size_t j = i + 1;

			/* The ticks decoded from it cannot be read either: on to a key tick. */
			while (j < n && !recording_tick(r, j).key)
				j++;
			if (j > i + 1)
				snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
					 " (and the %zu ticks after it, decoded from it): skipped",
					 j - i - 1);
			else
				snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": skipped");
			c->warn(msg);
			damaged = 1;
			err = 0;
			i = j - 1;
			continue;
		}
		if (!printed && c->interval_s && sg->interval_s > 0)
			*c->interval_s = sg->interval_s;
		err = out->show(out->arg, s, &ctl);
		snapshot_free(s);
		printed++;
		if (err < 0) {
			snprintf(why, whysz, "%s", strerror(-err));
			goto out;
		}
		/* -n reached, or the reader went away: stop quietly, as live batch does. */
		if (err) {
			err = 0;
			break;
		}
	}
	if (!printed) {
		snprintf(why, whysz, "%s: no tick from %s to %s (it holds %s to %s)", c->path,
			 begin == INT64_MIN ? "its start" : local(begin, t0, sizeof(t0)),
			 end == INT64_MAX ? "its end" : local(end, t1, sizeof(t1)),
			 local(recording_tick(r, 0).wall_s, t2, sizeof(t2)),
			 local(recording_tick(r, n - 1).wall_s, t3, sizeof(t3)));
		err = -ENODATA;
	}
out:
	recording_close(r);
	return err ? err : damaged;
}

/* ---- the replay screen ---- */

/* Set by signal handlers, read by the loop. */
static volatile sig_atomic_t rs_quit, rs_winch;
/* What the replay's loop handles; each waits blocked until epoll_pwait. */
static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCONT };

static void rs_on_quit(int sig)
{
	rs_quit = sig;
}

static void rs_on_winch(int sig)
{
	(void)sig;
	rs_winch = 1;
}

/* What the replay screen's loop holds; torn down in one place. */
struct rloop {
	struct timeline *tl;
	const struct tick_output *out;
	struct tick_ctl ctl;
	struct snapshot *shown; /* the tick (or span) on screen */
	long pos;		/* its tick */
	bool cumulative;	/* shown is a span */
	long mark;
	int epfd, tfd;
	sigset_t waitmask;
};

enum { RS_TIMER = 1, RS_INPUT, RS_OUTPUT };

static void rs_note(struct rloop *l, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rs_note(struct rloop *l, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->ctl.note, sizeof(l->ctl.note), fmt, ap);
	va_end(ap);
	l->ctl.note_error = error;
	l->ctl.note_seq++;
}

/* Returns buf holding when tick i is: its local time, or its trace time. */
static const char *tick_when(const struct rloop *l, long i, char *buf, size_t n)
{
	struct tl_tick tt = timeline_tick(l->tl, i);

	if (timeline_trace_clock(l->tl))
		snprintf(buf, n, "+%.1f s", (double)tt.trace_ns / 1e9);
	else
		local(tt.wall_s, buf, n);
	return buf;
}

/* Arms the playing timer for the time to the next tick at the pace asked; disarms it paused. */
static void rs_arm(struct rloop *l)
{
	struct itimerspec its = { 0 };
	double s;

	if (!l->ctl.paused) {
		s = (double)timeline_gap_ns(l->tl, l->pos) / 1e9 / l->ctl.time.speed;
		s = MAX(s, 0.01);
		its.it_value.tv_sec = (time_t)s;
		its.it_value.tv_nsec = (long)((s - floor(s)) * 1e9);
	}
	timerfd_settime(l->tfd, 0, &its, NULL);
}

/* Returns 0 with the tick (or span) at the cursor made the one shown; else says why. */
static int rs_load(struct rloop *l)
{
	struct snapshot *s = NULL;
	long skipped = 0;
	char why[512];
	int err;

	if (l->ctl.cumulative)
		err = timeline_span(l->tl, MIN(l->mark, l->pos), MAX(l->mark, l->pos), &s, &skipped,
				    why, sizeof(why));
	else
		err = timeline_read(l->tl, l->pos, &s, why, sizeof(why));
	if (err) {
		/* The tick before stays on screen, and the note says which cannot be read. */
		rs_note(l, true, "tick %ld: %s", l->pos + 1, why);
		return err;
	}
	if (skipped)
		rs_note(l, true, "%ld ticks of the span cannot be read: left out", skipped);
	snapshot_free(l->shown);
	l->shown = s;
	l->cumulative = l->ctl.cumulative;
	return 0;
}

/* Returns the output's verdict after showing the tick at the cursor as the screen has it. */
static int rs_show(struct rloop *l)
{
	l->ctl.time.pos = l->pos;
	l->ctl.time.count = timeline_count(l->tl);
	l->ctl.time.more = !timeline_complete(l->tl);
	l->ctl.time.mark = l->mark;
	return l->shown ? l->out->show(l->out->arg, l->shown, &l->ctl) : 0;
}

/* Moves the cursor to tick i (clamped to what there is); returns whether it moved. */
static bool rs_goto(struct rloop *l, long i)
{
	char why[256];
	struct snapshot *s;

	if (i < 0)
		i = 0;
	/* A trace.dat not read that far yet: read on to it, or to its end. */
	if (i >= timeline_count(l->tl) && !timeline_complete(l->tl)) {
		if (!timeline_read(l->tl, i, &s, why, sizeof(why)))
			snapshot_free(s);
	}
	if (i >= timeline_count(l->tl))
		i = timeline_count(l->tl) - 1;
	if (i == l->pos)
		return false;
	l->pos = i;
	rs_load(l);
	return true;
}

/* Does what the keys asked of the clock; returns 1 to quit, else 0. */
static int rs_apply(struct rloop *l, bool *was_paused)
{
	struct tick_time *tt = &l->ctl.time;
	char when[32], why[256];
	bool load = false;
	long i;

	if (l->ctl.quit)
		return 1;
	if (tt->step) {
		i = l->pos + tt->step;
		tt->step = 0;
		if (!rs_goto(l, i))
			rs_note(l, false, "%s tick", i < l->pos ? "the first" : "the last");
	}
	if (tt->jump) {
		tt->jump = false;
		i = timeline_find(l->tl, tt->jump_to, why, sizeof(why));
		if (i < 0) {
			rs_note(l, true, "%s", why);
		} else {
			rs_goto(l, i);
			rs_note(l, false, "tick %ld: %s", l->pos + 1,
				tick_when(l, l->pos, when, sizeof(when)));
		}
	}
	if (tt->faster) {
		tt->speed = tt->faster > 0 ? MIN(tt->speed * 2, SPEED_MAX)
					   : MAX(tt->speed / 2, SPEED_MIN);
		tt->faster = 0;
		rs_note(l, false, "%s at %gx the recorded pace",
			l->ctl.paused ? "will play" : "playing", tt->speed);
	}
	if (l->ctl.reset) {
		l->ctl.reset = false;
		l->mark = l->pos;
		rs_note(l, false, "mark at tick %ld (%s): c counts from here", l->pos + 1,
			tick_when(l, l->pos, when, sizeof(when)));
		load = l->ctl.cumulative;
	}
	if (l->ctl.refresh || l->ctl.cumulative != l->cumulative) {
		l->ctl.refresh = false;
		load = true;
	}
	if (load)
		rs_load(l);
	if (l->ctl.paused != *was_paused) {
		*was_paused = l->ctl.paused;
		/* Play from the end: from the start again. */
		if (!l->ctl.paused && l->pos == timeline_count(l->tl) - 1 &&
		    timeline_complete(l->tl))
			rs_goto(l, 0);
		rs_arm(l);
	}
	l->ctl.delay_s = 1; /* no refresh here: the + - d keys are the live screen's */
	return 0;
}

/* The timer: the next tick when playing; at the end, pause there. */
static void rs_play(struct rloop *l, bool *was_paused)
{
	uint64_t n;

	if (read(l->tfd, &n, sizeof(n)) < 0 || l->ctl.paused)
		return;
	if (!rs_goto(l, l->pos + 1)) {
		l->ctl.paused = *was_paused = true;
		rs_note(l, false, "the end: paused at the last tick");
		return;
	}
	rs_arm(l);
}

static int rs_setup(struct rloop *l, char *why, size_t whysz)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction sa = { 0 };

	sa.sa_handler = rs_on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = rs_on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Signals arrive only inside epoll_pwait, so a flag set is seen at once. */
	signals_block(loop_signals, (int)ARRAY_SIZE(loop_signals), &l->waitmask);

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->tfd < 0)
		goto fail;
	ev.data.u64 = RS_TIMER;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev))
		goto fail;
	if (l->out->input_fd >= 0) {
		ev.data.u64 = RS_INPUT;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->out->input_fd, &ev))
			goto fail;
	}
	if (l->out->output_fd >= 0) {
		/* Only EPOLLHUP (the terminal hung up) and EPOLLERR come. */
		ev.events = 0;
		ev.data.u64 = RS_OUTPUT;
		epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->out->output_fd, &ev);
	}
	return 0;
fail:
	snprintf(why, whysz, "event loop setup: %s", strerror(errno));
	return -errno;
}

int replay_screen_run(struct timeline *t, const struct tick_output *out, bool cumulative,
		      const char *note, char *why, size_t whysz)
{
	struct rloop l = { .tl = t, .out = out, .epfd = -1, .tfd = -1 };
	struct epoll_event evs[8];
	bool was_paused = true;
	char msg[256];
	int err, n, i, grown = 0;

	why[0] = '\0';
	l.ctl.paused = true;
	l.ctl.cumulative = cumulative;
	l.ctl.delay_s = 1;
	l.ctl.time.replay = true;
	l.ctl.time.trace = timeline_trace_clock(t);
	l.ctl.time.speed = 1;
	err = rs_setup(&l, why, whysz);
	if (err)
		goto out;
	err = rs_load(&l);
	if (err) {
		snprintf(why, whysz, "%s", l.ctl.note);
		goto out;
	}
	if (note)
		rs_note(&l, true, "%s", note);
	err = rs_show(&l);
	while (!err && !rs_quit) {
		if (rs_winch) {
			rs_winch = 0;
			if (out->resize)
				out->resize(out->arg);
			err = rs_show(&l);
			if (err)
				break;
		}
		/* A trace.dat is read on while no key waits: each pass, one tick more. */
		n = epoll_pwait(l.epfd, evs, ARRAY_SIZE(evs), timeline_complete(t) ? -1 : 0,
				&l.waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			snprintf(why, whysz, "epoll_pwait: %s", strerror(errno));
			break;
		}
		if (!n) {
			if (timeline_grow(t, msg, sizeof(msg)) < 0)
				rs_note(&l, true, "reading on: %s", msg);
			if (++grown % GROW_SAY == 0 || timeline_complete(t))
				err = rs_show(&l);
			continue;
		}
		for (i = 0; i < n && !err; i++) {
			switch (evs[i].data.u64) {
			case RS_TIMER:
				rs_play(&l, &was_paused);
				err = rs_show(&l);
				break;
			case RS_INPUT:
				err = out->input(out->arg, &l.ctl);
				if (!err && rs_apply(&l, &was_paused))
					err = 1;
				if (!err)
					err = rs_show(&l);
				break;
			case RS_OUTPUT:
				err = 1;
				break;
			}
		}
	}
	if (err == 1)
		err = 0;
	if (err < 0 && !why[0])
		snprintf(why, whysz, "%s", strerror(-err));
out:
	if (l.tfd >= 0)
		close(l.tfd);
	if (l.epfd >= 0)
		close(l.epfd);
	snapshot_free(l.shown);
	return err;
}
