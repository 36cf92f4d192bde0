// SPDX-License-Identifier: GPL-2.0
/*
 * Rates from two samples of raw cumulative counters and the measured interval. Counters
 * are matched by name, so a counter that appears, vanishes or moves within a set (a thread
 * that came or went, a debugfs file that was missing once) never takes another's delta.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "util.h"

/* A counter's kind passes into the snapshot as it is. */
_Static_assert(CTR_COUNT == (int)SNAP_CTR_COUNT && CTR_TIME_NS == (int)SNAP_CTR_TIME_NS &&
		       CTR_HIST == (int)SNAP_CTR_HIST && CTR_GAUGE == (int)SNAP_CTR_GAUGE &&
		       CTR_RATIO == (int)SNAP_CTR_RATIO,
	       "counter kinds");

uint64_t ctr_delta(uint64_t prev, uint64_t cur)
{
	if (cur >= prev)
		return cur - prev;
	if (prev > UINT64_MAX / 2)
		return cur - prev; /* unsigned: counts across the wrap */
	return cur;
}

double ctr_scaled_delta(const struct ctr_raw *prev, const struct ctr_raw *cur)
{
	double d = (double)ctr_delta(prev->value, cur->value);
	uint64_t en, run;

	if (!cur->enabled && !prev->enabled)
		return d;
	en = ctr_delta(prev->enabled, cur->enabled);
	run = ctr_delta(prev->running, cur->running);
	if (!run)
		return en ? -1 : d;
	if (run >= en)
		return d;
	return d * (double)en / (double)run;
}

void ctr_hist_push(struct ctr_hist *h, const struct ctr_set *s)
{
	struct ctr_set t = h->prev;

	/* Swap buffers instead of reallocating: prev takes cur, cur takes the copy. */
	h->prev = h->cur;
	h->cur = t;
	ctr_set_copy(&h->cur, s);
	if (!h->base.ts_ns)
		ctr_set_copy(&h->base, s);
}

void ctr_hist_reset(struct ctr_hist *h)
{
	ctr_set_copy(&h->base, &h->cur);
}

void ctr_hist_free(struct ctr_hist *h)
{
	ctr_set_free(&h->cur);
	ctr_set_free(&h->prev);
	ctr_set_free(&h->base);
}

/* Returns the name without a "perf::" PMU prefix. */
static const char *bare(const char *name)
{
	return strncmp(name, "perf::", 6) ? name : name + 6;
}


/* Fills one row from the window's two samples (from may be NULL: no earlier sample). */
static void snap_one(struct snap_counter *sc, const struct ctr_raw *from, const struct ctr_raw *to,
		     uint64_t window_ns, const char *source)
{
	double d;

	memset(sc, 0, sizeof(*sc));
	strlcpy0(sc->name, to->name, sizeof(sc->name));
	strlcpy0(sc->source, source ? source : "", sizeof(sc->source));
	sc->kind = to->kind;
	sc->value = to->value;
	sc->p50 = to->p50;
	sc->rate = sc->share = sc->ratio = -1;
	sc->scale = 1;
	if (to->err) {
		snprintf(sc->why, sizeof(sc->why), "%s", ctr_why(to->err, to->hw));
		return;
	}
	if (to->kind == CTR_GAUGE || !from || from->err || !window_ns)
		return;
	d = ctr_scaled_delta(from, to);
	if (d < 0) {
		snprintf(sc->why, sizeof(sc->why), "not scheduled (multiplexed)");
		return;
	}
	sc->count = (uint64_t)(d + 0.5);
	if (to->running && to->running != to->enabled) {
		uint64_t run = ctr_delta(from->running, to->running);

		sc->scale = run ? (double)ctr_delta(from->enabled, to->enabled) / (double)run : 1;
	}
	if (to->scale > 1)
		sc->scale = to->scale;
	sc->rate = d * 1e9 / (double)window_ns;
	if (to->kind == CTR_TIME_NS)
		sc->share = 100.0 * d / (double)window_ns;
}

/* Appends "ipc<suffix>" for each instructions<suffix> with a cycles<suffix> beside it. */
static void add_ipc(struct snap_counter **out, int *n, int first)
{
	int i, last = *n;

	for (i = first; i < last; i++) {
		const char *in = bare((*out)[i].name);
		const struct snap_counter *cyc;
		struct snap_counter *r;
		char name[SNAP_NAME_MAX], suffix[SNAP_NAME_MAX - 12];

		if (strncmp(in, "instructions", 12))
			continue;
		/* Copied: the realloc below moves the names. */
		strlcpy0(suffix, in + 12, sizeof(suffix));
		snprintf(name, sizeof(name), "cycles%s", suffix);
		cyc = snap_counter_find(*out + first, last - first, name);
		if (!cyc)
			continue;
		*out = xrealloc(*out, (size_t)(*n + 1) * sizeof(**out));
		cyc = snap_counter_find(*out + first, last - first, name);
		r = &(*out)[(*n)++];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "ipc%s", suffix);
		memcpy(r->source, (*out)[i].source, sizeof(r->source));
		r->kind = CTR_RATIO;
		r->rate = r->share = r->ratio = -1;
		r->scale = 1;
		if ((*out)[i].why[0] || cyc->why[0]) {
			memcpy(r->why, (*out)[i].why[0] ? (*out)[i].why : cyc->why, sizeof(r->why));
			continue;
		}
		if ((*out)[i].rate >= 0 && cyc->count)
			r->ratio = (double)(*out)[i].count / (double)cyc->count;
	}
}

int ctr_hist_snap(const struct ctr_hist *h, bool cumulative, struct snap_counter **out, int *n)
{
	const struct ctr_set *from = cumulative ? &h->base : &h->prev;
	uint64_t window = 0;
	int i, first = *n;

	if (!h->cur.ts_ns)
		return 0;
	if (from->ts_ns && h->cur.ts_ns > from->ts_ns)
		window = h->cur.ts_ns - from->ts_ns;
	*out = xrealloc(*out, (size_t)(*n + h->cur.n + 1) * sizeof(**out));
	for (i = 0; i < h->cur.n; i++) {
		const struct ctr_raw *to = &h->cur.v[i];
		const struct ctr_raw *fr = NULL;

		/* Same position is the usual case; else look the name up. */
		if (from->ts_ns && i < from->n && !strcmp(from->v[i].name, to->name))
			fr = &from->v[i];
		else if (from->ts_ns)
			fr = ctr_set_find(from, to->name);
		snap_one(&(*out)[(*n)++], fr, to, window, h->source);
	}
	add_ipc(out, n, first);
	return *n - first;
}
