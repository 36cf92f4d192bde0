// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recording.h"
#include "replay.h"

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
