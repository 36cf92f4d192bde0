/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay loops: batch mode's, the ticks of a recording (recording.h) in a time range
 * printed as the live batch printed them; and the replay screen's, the ticks of a timeline
 * (a recording or a trace.dat, timeline.h) shown through the live screen, moved by the time
 * keys.
 */
#ifndef KVMSCOPE_REPLAY_H
#define KVMSCOPE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tick.h"
#include "timeline.h"

/* Owned by the caller. */
struct replay_config {
	const char *path;	 /* -r: a recording, a directory of them, or batch JSON */
	const char *begin, *end; /* --begin, --end as given; NULL: the first, the last tick */
	/* Told each problem skipped over, one line naming the file and the byte. */
	void (*warn)(const char *line);
	/* Set to the recorder's interval (-d) before the first record, if it is known. */
	double *interval_s;
};

/*
 * Returns 0 after showing the ticks through out (the batch printer of live batch mode, so
 * the records are the same) until the range ends or show says it is done; 1 when damage
 * was skipped on the way (each said through warn); or -errno with one line in why: the
 * recording cannot be opened, a time cannot be read, no tick is in the range.
 */
int replay_run(const struct replay_config *c, const struct tick_output *out, char *why,
	       size_t whysz);

/*
 * Returns 0 after the replay screen quit (q, a signal, the terminal gone): the ticks of t
 * shown through out (the live screen's hooks) with tick_ctl.time saying where they are,
 * moved as the time keys ask (one tick, a jump, playing at the recorded pace), the span of
 * the cumulative mode from the mark to the cursor (from the start with cumulative, -c).
 * note (NULL: none) is said on the bottom line at first. Or -errno with one line in why.
 */
int replay_screen_run(struct timeline *t, const struct tick_output *out, bool cumulative,
		      const char *note, char *why, size_t whysz);

/*
 * Returns 0 with *t the wall clock text names, or -EINVAL: "YYYY-MM-DD HH:MM[:SS]" (or with
 * a T), "HH:MM[:SS]" the last time it was that time of day at or before last (the end of
 * the recording: "03:12" is the last 03:12 it holds), "@SECONDS"; local time unless it ends
 * in Z or +HH:MM / -HH:MM.
 */
int replay_time(const char *text, int64_t last, int64_t *t);

#endif
