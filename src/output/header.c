// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "fmt.h"
#include "header.h"

/* Lines are cut here in batch text and on screen alike. */
#define LINE_MAX_BYTES 1024

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

/*
 * Adds the trace's detail to the sources, when there is something to say: sampled (the share
 * of the time traced, traced and exact event rates), the budget, the VM traced in full and
 * what it adds, and kvmscope's own CPU.
 */
static void detail_source(struct header *h, const struct snapshot *s, bool utf8)
{
	const struct snap_detail *d = &s->detail;
	char b1[FMT_MAX], b2[FMT_MAX], b3[FMT_MAX];
	size_t o = 0, n = sizeof(h->detail_why);
	char *w = h->detail_why;

	if (d->mode == SNAP_DETAIL_OFF || h->nsources >= HEADER_SOURCES_MAX ||
	    (d->mode == SNAP_DETAIL_FULL && !d->budget && !d->focus_pid))
		return;
	w[0] = '\0';
	snprintf(h->detail_state, sizeof(h->detail_state), "%s",
		 d->mode == SNAP_DETAIL_SAMPLED ? "sampled" : "full");
	if (d->mode == SNAP_DETAIL_SAMPLED)
		put(w, n, &o, "%.1f%% of the time, ~ figures scaled, ", 100.0 * d->ratio);
	put(w, n, &o, "%s events/s", fmt_si(b1, d->traced_rate));
	if (d->exact_rate >= 0)
		put(w, n, &o, " of %s", fmt_si(b2, d->exact_rate));
	if (d->budget > 0)
		put(w, n, &o, ", budget %s/s", fmt_si(b3, d->budget));
	if (d->focus_pid) {
		const struct snap_vm *vm = snapshot_vm(s, d->focus_pid);
		char lb[SNAP_LABEL_MAX], esc[HEADER_HOST_MAX];

		escape_text(esc, sizeof(esc), vm ? snap_vm_label(vm, lb, sizeof(lb)) : "?", (size_t)-1,
			    utf8);
		put(w, n, &o, "; %s in full: %s events/s", esc, fmt_si(b1, d->focus_rate));
	}
	if (d->own_cpu >= 0)
		put(w, n, &o, "; kvmscope %.2f%% CPU", d->own_cpu);
	h->sources[h->nsources++] = (struct header_source){
		.name = "detail",
		.state = h->detail_state,
		.why = h->detail_why,
		.bad = false,
	};
}

void header_fill(struct header *h, const struct snapshot *s, bool utf8)
{
	time_t wall = (time_t)s->wall_s;
	struct tm tm;
	int i;

	memset(h, 0, sizeof(*h));
	if (!s->wall_s && s->trace_ns) {
		uint64_t ds = s->trace_ns / 100000000ull; /* tenths of a second */

		h->trace_clock = true;
		if (ds >= 36000)
			snprintf(h->time, sizeof(h->time), "+%llu:%02u:%02u.%u",
				 (unsigned long long)(ds / 36000), (unsigned)(ds / 600 % 60),
				 (unsigned)(ds / 10 % 60), (unsigned)(ds % 10));
		else
			snprintf(h->time, sizeof(h->time), "+%02u:%02u.%u", (unsigned)(ds / 600),
				 (unsigned)(ds / 10 % 60), (unsigned)(ds % 10));
	} else {
		localtime_r(&wall, &tm);
		strftime(h->time, sizeof(h->time), "%H:%M:%S", &tm);
		strftime(h->date, sizeof(h->date), "%Y-%m-%d", &tm);
	}
	escape_text(h->host, sizeof(h->host), s->host.hostname, (size_t)-1, utf8);
	h->kernel = s->host.release;
	h->kvm = s->host.kvm_module[0] ? s->host.kvm_module : "none";
	h->kvm_unregistered = s->host.kvm_unregistered;
	h->ncpus = s->host.ncpus;
	h->interval_s = (double)s->interval_ns / 1e9;
	h->cumulative = s->cumulative;
	for (i = 0; i < s->nsources && i < SNAP_SOURCES_MAX; i++) {
		const struct snap_source *st = &s->sources[i];

		h->sources[i] = (struct header_source){
			.name = st->name,
			.state = snap_state_name(st->state),
			.why = st->why,
			.bad = st->state == SNAP_SRC_DEGRADED || st->state == SNAP_SRC_UNAVAILABLE,
		};
	}
	h->nsources = i;
	detail_source(h, s, utf8);
	h->nvms = s->nvms;
	h->exits_rate = s->exits_rate;
	h->events = s->events;
	h->lost = s->events_lost;
	h->unattributed = s->events_unattributed;
	h->events_bad = s->events_lost > 0;
	h->lost_now = s->detail.lost;
	h->lost_share = s->detail.lost_share;
}

char *header_host_text(const struct header *h, bool tail, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	put(buf, n, &o, "kvmscope %s%s%s%s  host %s  kernel %s  kvm %s%s  %d CPUs",
	    h->dated && h->date[0] ? h->date : "", h->dated && h->date[0] ? " " : "", h->time,
	    h->trace_clock ? " trace time" : "", h->host, h->kernel, h->kvm,
	    h->kvm_unregistered ? " (no /dev/kvm)" : "", h->ncpus);
	if (tail)
		put(buf, n, &o, "  every %.1fs%s", h->interval_s,
		    h->cumulative ? "  cumulative" : "");
	return buf;
}

char *header_every_text(const struct header *h, char *buf, size_t n)
{
	snprintf(buf, n, "every %.1fs", h->interval_s);
	return buf;
}

char *header_sources_text(const struct header *h, char *buf, size_t n, size_t *starts)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	put(buf, n, &o, "sources:");
	for (i = 0; i < h->nsources; i++) {
		const struct header_source *src = &h->sources[i];

		put(buf, n, &o, "%s ", i ? "," : "");
		if (starts)
			starts[i] = o + 1 < n ? o : n;
		put(buf, n, &o, "%s %s%s%s", src->name, src->state, src->why[0] ? ": " : "",
		    src->why);
	}
	return buf;
}

char *header_events_text(const struct header *h, char *buf, size_t n)
{
	char b1[FMT_MAX], b2[FMT_MAX], b3[FMT_MAX], b4[FMT_MAX];
	size_t o = 0;

	buf[0] = '\0';
	put(buf, n, &o, "VMs %d  exits/s %s  events %s  lost %s", h->nvms,
	    fmt_si(b1, h->exits_rate), fmt_si(b2, (double)h->events), fmt_si(b3, (double)h->lost));
	/* Lost now: the figures from events are marked ~, the counts corrected by counters. */
	if (h->lost_now)
		put(buf, n, &o, " (+%s now, %.1f%%)", fmt_si(b3, (double)h->lost_now),
		    h->lost_share);
	put(buf, n, &o, "  unattributed %s", fmt_si(b4, (double)h->unattributed));
	return buf;
}

void header_print(FILE *f, const struct header *h)
{
	char buf[LINE_MAX_BYTES];

	fprintf(f, "%s\n", header_host_text(h, true, buf, sizeof(buf)));
	fprintf(f, "%s\n", header_sources_text(h, buf, sizeof(buf), NULL));
	fprintf(f, "%s\n", header_events_text(h, buf, sizeof(buf)));
}
