// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memrec.h"
#include "recring.h"
#include "snapmerge.h"
#include "util.h"

/* Room for the chunks of a span, the one being filled, and one the clock has not let go. */
#define RING_SLOTS (RECRING_CHUNKS + 2)

/* A part of the span: its ticks as a recording segment, and their merge. Owned by the ring. */
struct chunk {
	struct memrec *rec;
	struct snapshot *merged;
	uint64_t start_ns; /* where its first tick's window starts */
	uint64_t last_ns;  /* its last tick */
};

struct recring {
	struct recring_config c;
	struct chunk ch[RING_SLOTS]; /* oldest first */
	int n;
	struct sparkhist *hist;
};

struct recring *recring_new(const struct recring_config *c)
{
	struct recring *r = xcalloc(1, sizeof(*r));

	r->c = *c;
	r->hist = sparkhist_new(c->span_s);
	return r;
}

const struct sparkhist *recring_history(const struct recring *r)
{
	return r->hist;
}

static void chunk_free(struct chunk *ch)
{
	memrec_close(ch->rec);
	snapshot_free(ch->merged);
	memset(ch, 0, sizeof(*ch));
}

static void drop_oldest(struct recring *r)
{
	chunk_free(&r->ch[0]);
	memmove(&r->ch[0], &r->ch[1], (size_t)(r->n - 1) * sizeof(r->ch[0]));
	memset(&r->ch[r->n - 1], 0, sizeof(r->ch[0]));
	r->n--;
}

void recring_free(struct recring *r)
{
	if (!r)
		return;
	while (r->n)
		drop_oldest(r);
	sparkhist_free(r->hist);
	free(r);
}

int recring_tick(struct recring *r, const struct snapshot *s)
{
	uint64_t span = (uint64_t)(r->c.span_s * 1e9), part = span / RECRING_CHUNKS;
	uint64_t window = s->window_ns && !s->cumulative ? s->window_ns : s->interval_ns;
	struct chunk *cur = r->n ? &r->ch[r->n - 1] : NULL;
	struct snapshot *m;
	int err;

	sparkhist_feed(r->hist, s);
	/* The chunks after the oldest cover the span: the oldest is not needed any more. */
	while (r->n >= 2 && s->ts_ns - r->ch[1].start_ns >= span)
		drop_oldest(r);
	cur = r->n ? &r->ch[r->n - 1] : NULL;
	if (!cur || s->ts_ns - cur->start_ns >= part || s->ts_ns < cur->last_ns) {
		if (cur)
			memrec_seal(cur->rec);
		if (r->n == RING_SLOTS)
			drop_oldest(r);
		cur = &r->ch[r->n];
		err = memrec_open(&r->c.info, &cur->rec);
		if (err)
			return err;
		r->n++;
		cur->start_ns = s->ts_ns - MIN(window, s->ts_ns);
	}
	err = memrec_tick(cur->rec, s);
	if (err)
		return err;
	m = cur->merged ? snapmerge(cur->merged, s) : snapmerge_copy(s);
	snapshot_free(cur->merged);
	cur->merged = m;
	cur->last_ns = s->ts_ns;
	return 0;
}

uint64_t recring_snapshot_bytes(const struct snapshot *s)
{
	uint64_t b = sizeof(*s) + (uint64_t)s->nvms * sizeof(*s->vms) +
		     (uint64_t)s->ncounters * sizeof(*s->counters);
	int i, k;

	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];

		b += (uint64_t)v->nthreads * sizeof(*v->threads) +
		     (uint64_t)v->nexits * sizeof(*v->exits) + (uint64_t)v->nhot * sizeof(*v->hot) +
		     (uint64_t)v->nhints * sizeof(*v->hints) +
		     (uint64_t)v->ncounters * sizeof(*v->counters);
		for (k = 0; k < v->nthreads; k++)
			b += (uint64_t)v->threads[k].nexits * sizeof(*v->threads[k].exits) +
			     (uint64_t)v->threads[k].ncounters * sizeof(*v->threads[k].counters);
		if (v->wake)
			b += sizeof(*v->wake) +
			     (uint64_t)v->wake->nedges * sizeof(*v->wake->edges) +
			     (uint64_t)v->wake->nrts * sizeof(*v->wake->rts);
	}
	return b;
}

void recring_stats(const struct recring *r, struct recring_stats *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < r->n; i++) {
		st->ticks += memrec_count(r->ch[i].rec);
		st->bytes += memrec_bytes(r->ch[i].rec);
		st->merged_bytes += recring_snapshot_bytes(r->ch[i].merged);
	}
	if (r->n)
		st->seconds = (double)(r->ch[r->n - 1].last_ns - r->ch[0].start_ns) / 1e9;
}

struct snapshot *recring_merged(const struct recring *r)
{
	struct snapshot *m = NULL, *n;
	int i;

	for (i = 0; i < r->n; i++) {
		if (!r->ch[i].merged)
			continue;
		n = m ? snapmerge(m, r->ch[i].merged) : snapmerge_copy(r->ch[i].merged);
		snapshot_free(m);
		m = n;
	}
	return m;
}

int recring_write(struct recring *r, int fd)
{
	int i, err;

	if (!r->n)
		return -ENODATA;
	for (i = 0; i < r->n; i++) {
		err = memrec_copy(r->ch[i].rec, fd);
		if (err)
			return err;
	}
	return 0;
}
