/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A timeline: the ticks a replay's screen steps through, of a recording (-r) or of a
 * trace.dat (-i), one replay loop for both. Ticks are numbered 0 .. count - 1 in time order.
 *
 * A recording is its own timeline (recording.h), within --begin/--end. A trace.dat is read
 * forwards a tick at a time (offline.h), each tick's snapshot kept as it is made in a
 * recording in memory (memrec.h): going back reads it from there, not the file again from
 * its start, and memory is what a recording of it costs. Its count grows as the loop reads
 * on (timeline_grow()) until the file is read through.
 *
 * The span of the cumulative mode is the merge of the ticks from a mark to the cursor
 * (snapmerge.h), kept as the cursor moves: a step forward merges one tick into it, a step
 * back finds it among the last few spans made.
 */
#ifndef KVMSCOPE_TIMELINE_H
#define KVMSCOPE_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "snapshot.h"

/* Opaque; timeline_close() frees it. */
struct timeline;

/* What the timeline knows of a tick without reading it. */
struct tl_tick {
	int64_t wall_s;	   /* wall clock (a recording); 0 for a trace.dat */
	uint64_t trace_ns; /* a trace.dat's tick: where it ends after the first record */
	uint64_t ts_ns;	   /* the monotonic (or trace) clock of the tick: the pace of playing */
};

/*
 * Returns 0 with *out the timeline of the recording at path (a file, a directory, batch
 * JSON), within begin and end (--begin, --end as given; NULL: its first and last tick); or
 * -errno with one line in why. Damage skipped at open is said through warn, one line each.
 */
int timeline_open_recording(const char *path, const char *begin, const char *end,
			    void (*warn)(void *arg, const char *line), void *warn_arg,
			    struct timeline **out, char *why, size_t whysz);

/*
 * Returns 0 with *out the timeline of the trace.dat opt->input in ticks of opt->delay_s of
 * its time, its first tick read; or -errno with one line in why.
 */
int timeline_open_tracedat(const struct options *opt, struct timeline **out, char *why,
			   size_t whysz);

void timeline_close(struct timeline *t);

/* Returns the ticks known; more may come until timeline_complete(). */
long timeline_count(const struct timeline *t);
/* Returns true when every tick is known. */
bool timeline_complete(const struct timeline *t);
/* Returns true when ticks are dated on a trace's own clock (a trace.dat), not a wall clock. */
bool timeline_trace_clock(const struct timeline *t);

/*
 * Returns 1 after learning one more tick (a trace.dat read one tick further), 0 when every
 * tick is known, or -errno with why (the file cannot be read on: it is then complete).
 */
int timeline_grow(struct timeline *t, char *why, size_t whysz);

/* Returns what is known of tick i (< count). */
struct tl_tick timeline_tick(const struct timeline *t, long i);

/* Returns the time from tick i to the next, in ns, for playing at the recorded pace. */
uint64_t timeline_gap_ns(const struct timeline *t, long i);

/*
 * Returns 0 with *out tick i's snapshot (the caller frees it), or -errno with why: a tick of
 * a recording that cannot be read (-EBADMSG), past the end (-ERANGE).
 */
int timeline_read(struct timeline *t, long i, struct snapshot **out, char *why, size_t whysz);

/*
 * Returns 0 with *out the merge of ticks from .. to (the caller frees it), or -errno with
 * why. Ticks that cannot be read are left out, and *skipped says how many.
 */
int timeline_span(struct timeline *t, long from, long to, struct snapshot **out, long *skipped,
		  char *why, size_t whysz);

/*
 * Returns the tick text names (>= 0), reading a trace.dat on as far as needed; or -EINVAL
 * (not a time) or -ERANGE (no tick then) with why. Text is one of: a time of a recording
 * (replay.h's replay_time(): "03:12", "2026-12-06 03:12:05", ISO, "@SECONDS", the last such
 * time it holds), "+[H:]MM:SS[.d]" or "+SECONDS" after the first tick (a trace.dat's times are
 * all of that kind, "+" or not: after its first record), "#N" the N-th tick (from 1), "start",
 * "end".
 */
long timeline_find(struct timeline *t, const char *text, char *why, size_t whysz);

#endif
