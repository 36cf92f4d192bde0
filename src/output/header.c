// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "fmt.h"
#include "header.h"

/* Appends a printf to buf at *o, never past n. */
static void put(char *buf, size_t n, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t n, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*o >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *o, n - *o, fmt, ap);
	va_end(ap);
	if (w > 0)
		*o = *o + (size_t)w < n ? *o + (size_t)w : n - 1;
}

char *header_line(const struct snapshot *s, int line, char *buf, size_t n, bool utf8)
{
	char host[4 * sizeof(s->host.hostname)], tbuf[16];
	char b1[FMT_MAX], b2[FMT_MAX], b3[FMT_MAX], b4[FMT_MAX];
	time_t wall = (time_t)s->wall_s;
	struct tm tm;
	size_t o = 0;
	int i;

	buf[0] = '\0';
	switch (line) {
	case HEADER_HOST:
		escape_text(host, sizeof(host), s->host.hostname, (size_t)-1, utf8);
		localtime_r(&wall, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		put(buf, n, &o, "kvmscope %s  host %s  kernel %s  kvm %s%s  %d CPUs  every %.1fs%s",
		    tbuf, host, s->host.release, s->host.kvm_module[0] ? s->host.kvm_module : "none",
		    s->host.kvm_unregistered ? " (no /dev/kvm)" : "",
		    s->host.ncpus, (double)s->interval_ns / 1e9,
		    s->cumulative ? "  cumulative" : "");
		break;
	case HEADER_SOURCES:
		put(buf, n, &o, "sources:");
		for (i = 0; i < s->nsources; i++) {
			const struct snap_source *st = &s->sources[i];

			put(buf, n, &o, "%s %s %s%s%s", i ? "," : "", st->name,
			    snap_state_name(st->state), st->why[0] ? ": " : "", st->why);
		}
		break;
	case HEADER_EVENTS:
		put(buf, n, &o, "VMs %d  exits/s %s  events %s  lost %s  unattributed %s", s->nvms,
		    fmt_si(b1, s->exits_rate), fmt_si(b2, (double)s->events),
		    fmt_si(b3, (double)s->events_lost), fmt_si(b4, (double)s->events_unattributed));
		break;
	}
	return buf;
}
