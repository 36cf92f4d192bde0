// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memrec.h"
#include "offline.h"
#include "recording.h"
#include "replay.h"
#include "snapmerge.h"
#include "timeline.h"
#include "util.h"

/* Spans kept for steps back in the cumulative mode; older ones are merged again. */
#define TL_SPANS 8

/* A span made: the merge of ticks from .. to. Owned by the timeline. */
struct tl_span {
	long from, to, skipped;
	struct snapshot *s;
};

/* Owns the recording (or the trace.dat and the recording of its ticks) and the spans made. */
struct timeline {
	struct recording *rec; /* a recording's ticks; NULL for a trace.dat */
	size_t lo, n;	       /* the ticks of rec within --begin/--end */
	/* A trace.dat: */
	struct offline *off;
	struct memrec *mem;    /* its ticks so far */
	struct tl_tick *ticks; /* their times */
	int cap_ticks;
	bool complete;
	uint64_t tick_ns;
	struct tl_span spans[TL_SPANS]; /* newest first */
};

/* Returns buf holding wall clock t as local "YYYY-MM-DD HH:MM:SS". */
static const char *local(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "@%lld", (long long)t);
	return buf;
}

int timeline_open_recording(const char *path, const char *begin, const char *end,
			    void (*warn)(void *arg, const char *line), void *warn_arg,
			    struct timeline **out, char *why, size_t whysz)
{
	int64_t b = INT64_MIN, e = INT64_MAX, last;
	struct timeline *t = xcalloc(1, sizeof(*t));
	char t0[32], t1[32], t2[32], t3[32];
	size_t count, hi;
	int err, k;

	*out = NULL;
	err = recording_open(path, &t->rec, why, whysz);
	if (err) {
		free(t);
		return err;
	}
	for (k = 0; warn && k < recording_nwarnings(t->rec); k++)
		warn(warn_arg, recording_warning(t->rec, k));
	count = recording_count(t->rec);
	last = recording_tick(t->rec, count - 1).wall_s;
	if ((begin && replay_time(begin, last, &b)) || (end && replay_time(end, last, &e))) {
		snprintf(why, whysz, "%s: '%s' is not a time",
			 begin && b == INT64_MIN ? "--begin" : "--end",
			 begin && b == INT64_MIN ? begin : end);
		timeline_close(t);
		return -EINVAL;
	}
	/* 23:50 to 00:10: over midnight. */
	if (e < b && end && !strchr(end, '-') && end[0] != '@')
		e += 86400;
	t->lo = b == INT64_MIN ? 0 : recording_find(t->rec, b);
	hi = e == INT64_MAX ? count : recording_find(t->rec, e + 1);
	if (!recording_sorted(t->rec)) {
		/* The clock went back while recording: a range cannot be cut; all of it. */
		t->lo = 0;
		hi = count;
	}
	if (t->lo >= hi) {
		snprintf(why, whysz, "%s: no tick from %s to %s (it holds %s to %s)", path,
			 b == INT64_MIN ? "its start" : local(b, t0, sizeof(t0)),
			 e == INT64_MAX ? "its end" : local(e, t1, sizeof(t1)),
			 local(recording_tick(t->rec, 0).wall_s, t2, sizeof(t2)),
			 local(last, t3, sizeof(t3)));
		timeline_close(t);
		return -ENODATA;
	}
	t->n = hi - t->lo;
	t->complete = true;
	*out = t;
	return 0;
}

/* Returns 1 after making the trace.dat's next tick, 0 at its end, or -errno with why. */
static int make_tick(struct timeline *t, char *why, size_t whysz)
{
	long i = (long)t->n;
	struct snapshot *s;
	int err = 0;

	if (t->complete)
		return 0;
	s = offline_tick(t->off, i, false, &err, why, whysz);
	if (!s) {
		t->complete = true;
		return err;
	}
	err = memrec_tick(t->mem, s);
	if (err) {
		snprintf(why, whysz, "keeping tick %ld in memory: %s", i + 1, strerror(-err));
		snapshot_free(s);
		t->complete = true;
		return err;
	}
	t->ticks = xgrow(t->ticks, &t->cap_ticks, (int)t->n + 1, sizeof(*t->ticks));
	t->ticks[t->n++] = (struct tl_tick){ .trace_ns = s->trace_ns, .ts_ns = s->ts_ns };
	snapshot_free(s);
	return 1;
}

int timeline_open_tracedat(const struct options *opt, struct timeline **out, char *why,
			   size_t whysz)
{
	const struct recwriter_info info = { .kvmscope = "", .interval_s = opt->delay_s };
	struct timeline *t = xcalloc(1, sizeof(*t));
	int err;

	*out = NULL;
	t->tick_ns = (uint64_t)(opt->delay_s * 1e9);
	t->off = offline_open(opt, why, whysz);
	if (!t->off) {
		err = errno ? -errno : -EINVAL;
		free(t);
		return err;
	}
	err = memrec_open(&info, &t->mem);
	if (err) {
		snprintf(why, whysz, "a recording in memory: %s", strerror(-err));
		timeline_close(t);
		return err;
	}
	err = make_tick(t, why, whysz);
	if (err <= 0) {
		if (!err)
			snprintf(why, whysz, "%s: no events in the file", opt->input);
		timeline_close(t);
		return err ? err : -ENODATA;
	}
	*out = t;
	return 0;
}

static void span_drop(struct tl_span *sp)
{
	snapshot_free(sp->s);
	memset(sp, 0, sizeof(*sp));
}

void timeline_close(struct timeline *t)
{
	int k;

	if (!t)
		return;
	for (k = 0; k < TL_SPANS; k++)
		span_drop(&t->spans[k]);
	recording_close(t->rec);
	memrec_close(t->mem);
	offline_close(t->off);
	free(t->ticks);
	free(t);
}

long timeline_count(const struct timeline *t)
{
	return (long)t->n;
}

bool timeline_complete(const struct timeline *t)
{
	return t->complete;
}

bool timeline_trace_clock(const struct timeline *t)
{
	return !t->rec;
}

int timeline_grow(struct timeline *t, char *why, size_t whysz)
{
	return make_tick(t, why, whysz);
}

struct tl_tick timeline_tick(const struct timeline *t, long i)
{
	struct rec_tick_info ti;

	if (!t->rec)
		return t->ticks[i];
	ti = recording_tick(t->rec, t->lo + (size_t)i);
	return (struct tl_tick){ .wall_s = ti.wall_s, .ts_ns = ti.ts_ns };
}

uint64_t timeline_gap_ns(const struct timeline *t, long i)
{
	const struct rec_segment_info *sg;
	uint64_t a, b;

	if (!t->rec)
		return t->tick_ns;
	if (i + 1 < (long)t->n) {
		a = timeline_tick(t, i).ts_ns;
		b = timeline_tick(t, i + 1).ts_ns;
		/* Within a run of the recorder: its own pace, pauses included, up to a minute. */
		if (b > a && b - a <= 60000000000ull)
			return b - a;
	}
	sg = recording_segment(t->rec, t->lo + (size_t)i);
	return sg->interval_s > 0 ? (uint64_t)(sg->interval_s * 1e9) : 1000000000ull;
}

int timeline_read(struct timeline *t, long i, struct snapshot **out, char *why, size_t whysz)
{
	struct recording *r;

	*out = NULL;
	if (i < 0 || (i >= (long)t->n && t->complete)) {
		snprintf(why, whysz, "no tick %ld: %zu ticks", i + 1, t->n);
		return -ERANGE;
	}
	while (i >= (long)t->n) {
		int err = make_tick(t, why, whysz);

		if (err < 0)
			return err;
		if (!err) {
			snprintf(why, whysz, "no tick %ld: the file ends at tick %zu", i + 1, t->n);
			return -ERANGE;
		}
	}
	if (t->rec)
		return recording_read(t->rec, t->lo + (size_t)i, out, why, whysz);
	r = memrec_reader(t->mem, why, whysz);
	return r ? recording_read(r, (size_t)i, out, why, whysz) : -EIO;
}

/* Returns the kept span from .. that ends nearest before or at to, or NULL. */
static struct tl_span *span_near(struct timeline *t, long from, long to)
{
	struct tl_span *best = NULL;
	int k;

	for (k = 0; k < TL_SPANS; k++) {
		struct tl_span *sp = &t->spans[k];

		if (sp->s && sp->from == from && sp->to <= to && (!best || sp->to > best->to))
			best = sp;
	}
	return best;
}

/* Keeps a span made: newest first, the oldest given up. */
static void span_keep(struct timeline *t, long from, long to, long skipped,
		      const struct snapshot *s)
{
	int k;

	for (k = 0; k < TL_SPANS; k++)
		if (t->spans[k].s && t->spans[k].from == from && t->spans[k].to == to)
			return;
	span_drop(&t->spans[TL_SPANS - 1]);
	memmove(&t->spans[1], &t->spans[0], (TL_SPANS - 1) * sizeof(t->spans[0]));
	t->spans[0] = (struct tl_span){ from, to, skipped, snapmerge_copy(s) };
}

int timeline_span(struct timeline *t, long from, long to, struct snapshot **out, long *skipped,
		  char *why, size_t whysz)
{
	struct tl_span *near = span_near(t, from, to);
	struct snapshot *m = NULL, *s, *n;
	long i = from, skip = 0;
	char msg[256];
	int err;

	*out = NULL;
	*skipped = 0;
	if (from > to) {
		snprintf(why, whysz, "the mark is after the cursor");
		return -EINVAL;
	}
	if (near) {
		m = snapmerge_copy(near->s);
		skip = near->skipped;
		i = near->to + 1;
	}
	for (; i <= to; i++) {
		err = timeline_read(t, i, &s, msg, sizeof(msg));
		if (err == -ERANGE || err == -EIO) {
			snapshot_free(m);
			snprintf(why, whysz, "%s", msg);
			return err;
		}
		if (err) {
			/* Damage is left out of the span, and counted. */
			skip++;
			continue;
		}
		n = m ? snapmerge(m, s) : snapmerge_copy(s);
		snapshot_free(m);
		snapshot_free(s);
		m = n;
	}
	if (!m) {
		snprintf(why, whysz, "no tick of the span can be read");
		return -EBADMSG;
	}
	span_keep(t, from, to, skip, m);
	*out = m;
	*skipped = skip;
	return 0;
}

/* Returns 0 with *ns the offset "+[H:]MM:SS[.frac]" or "+SECONDS[.frac]" names, or -EINVAL. */
static int parse_offset(const char *text, uint64_t *ns)
{
	double part[3], v = 0;
	const char *p = text;
	int n = 0, i;
	char *end;

	if (*p == '+')
		p++;
	while (n < 3) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		part[n++] = strtod(p, &end);
		p = end;
		if (*p != ':')
			break;
		p++;
	}
	if (*p || !n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* Only the last part has a fraction; minutes and seconds stay below 60. */
		if ((i < n - 1 && part[i] != (double)(long)part[i]) || (i && part[i] >= 60))
			return -EINVAL;
		v = v * 60 + part[i];
	}
	*ns = (uint64_t)(v * 1e9 + 0.5);
	return 0;
}

/* Returns the first tick at or after trace time ns (reading on as needed), or -ERANGE. */
static long find_trace(struct timeline *t, uint64_t ns, char *why, size_t whysz)
{
	long i;
	int err;

	for (i = 0;; i++) {
		while (i >= (long)t->n) {
			err = make_tick(t, why, whysz);
			if (err < 0)
				return err;
			if (!err) {
				snprintf(why, whysz, "the trace ends at +%.1f s",
					 t->n ? (double)t->ticks[t->n - 1].trace_ns / 1e9 : 0.0);
				return -ERANGE;
			}
		}
		if (t->ticks[i].trace_ns >= ns)
			return i;
	}
}

long timeline_find(struct timeline *t, const char *text, char *why, size_t whysz)
{
	char t0[32], t1[32];
	int64_t wall, last, first;
	uint64_t off;
	long i, n;
	char *end;

	while (isspace((unsigned char)*text))
		text++;
	if (!strcmp(text, "start") || !strcmp(text, "first"))
		return 0;
	if (!strcmp(text, "end") || !strcmp(text, "last")) {
		while (!t->complete && make_tick(t, why, whysz) > 0)
			;
		return (long)t->n - 1;
	}
	if (text[0] == '#') {
		errno = 0;
		n = strtol(text + 1, &end, 10);
		if (errno || end == text + 1 || *end || n < 1) {
			snprintf(why, whysz, "'%s': a tick is #1 to #%zu", text, t->n);
			return -EINVAL;
		}
		if (n > (long)t->n && !t->rec) {
			while (n > (long)t->n && make_tick(t, why, whysz) > 0)
				;
		}
		if (n > (long)t->n) {
			snprintf(why, whysz, "no tick #%ld: there are %zu", n, t->n);
			return -ERANGE;
		}
		return n - 1;
	}
	if (!t->rec || text[0] == '+') {
		if (parse_offset(text, &off)) {
			snprintf(why, whysz, "'%s' is not a time: +MM:SS, +SECONDS, #TICK%s", text,
				 t->rec ? ", HH:MM[:SS] or a date" : "");
			return -EINVAL;
		}
		if (!t->rec)
			return find_trace(t, off, why, whysz);
		/* After the first tick. */
		first = timeline_tick(t, 0).wall_s;
		wall = first + (int64_t)(off / 1000000000ull);
	} else {
		last = timeline_tick(t, (long)t->n - 1).wall_s;
		if (replay_time(text, last, &wall)) {
			snprintf(why, whysz,
				 "'%s' is not a time: HH:MM[:SS], YYYY-MM-DD HH:MM[:SS], @SECONDS, "
				 "+MM:SS or #TICK",
				 text);
			return -EINVAL;
		}
	}
	i = (long)recording_find(t->rec, wall) - (long)t->lo;
	if (i < 0)
		i = 0;
	if (i >= (long)t->n) {
		snprintf(why, whysz, "no tick at %s or after: the last is at %s",
			 local(wall, t0, sizeof(t0)),
			 local(timeline_tick(t, (long)t->n - 1).wall_s, t1, sizeof(t1)));
		return -ERANGE;
	}
	return i;
}
