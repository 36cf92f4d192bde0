// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "sparkhist.h"
#include "util.h"

/* One row followed: its rate times seconds per slot, in a ring of absolute slots. */
struct series {
	int pid;
	uint64_t starttime;
	uint8_t what, kind;
	bool used;
	uint64_t id;
	int64_t first, last; /* the first slot followed, the last written */
	float sum[SPARK_SLOTS];
	/* Its sparkline as of the last feed: per slot 0-7, or -1 blank; drawn on every redraw. */
	signed char level[SPARK_CELLS];
};

/* Returns the place of absolute slot k in a ring (k may be below 0 near the clock's start). */
static inline int ring(int64_t k)
{
	int64_t r = k % SPARK_SLOTS;

	return (int)(r < 0 ? r + SPARK_SLOTS : r);
}

/* Slots of the hash of series: twice as many as series, a power of two. */
#define SPARK_HASH 8192

/* Owns its series. */
struct sparkhist {
	uint64_t slot_ns;
	uint64_t span_ns;
	int64_t head; /* the newest slot fed; -1: none yet */
	uint64_t last_ts;
	double dt[SPARK_SLOTS]; /* seconds fed into each slot */
	struct series *pool;
	int npool, pool_cap;
	int *idx; /* of used series in pool */
	int nidx;
	int *hash; /* SPARK_HASH slots: a series' index in pool, -1 empty; linear probing */
	int *free_list;
	int nfree;
};

struct sparkhist *sparkhist_new(double span_s)
{
	struct sparkhist *h = xcalloc(1, sizeof(*h));
	double slot_s = span_s / SPARK_SLOTS;

	if (slot_s < 1e-3)
		slot_s = 1e-3;
	h->slot_ns = (uint64_t)(slot_s * 1e9);
	h->span_ns = h->slot_ns * SPARK_SLOTS;
	h->head = -1;
	h->idx = xcalloc(SPARK_SERIES_MAX, sizeof(*h->idx));
	h->hash = xmalloc(SPARK_HASH * sizeof(*h->hash));
	memset(h->hash, 0xff, SPARK_HASH * sizeof(*h->hash));
	h->free_list = xcalloc(SPARK_SERIES_MAX, sizeof(*h->free_list));
	return h;
}

void sparkhist_free(struct sparkhist *h)
{
	if (!h)
		return;
	free(h->pool);
	free(h->idx);
	free(h->hash);
	free(h->free_list);
	free(h);
}

double sparkhist_slot_s(const struct sparkhist *h)
{
	return (double)h->slot_ns / 1e9;
}

/* What a series is looked up by. */
struct skey {
	int pid;
	uint64_t starttime;
	uint8_t what, kind;
	uint64_t id;
};

/* Returns 0 when s is the series of k, else its order against k. */
static int key_cmp(const struct skey *k, const struct series *s)
{
	if (k->pid != s->pid)
		return k->pid < s->pid ? -1 : 1;
	if (k->starttime != s->starttime)
		return k->starttime < s->starttime ? -1 : 1;
	if (k->what != s->what)
		return k->what < s->what ? -1 : 1;
	if (k->kind != s->kind)
		return k->kind < s->kind ? -1 : 1;
	return k->id < s->id ? -1 : k->id > s->id;
}

/* Returns the hash slot where the search for k starts. */
static unsigned int key_hash(const struct skey *k)
{
	uint64_t x = (uint64_t)(uint32_t)k->pid * 0x9e3779b97f4a7c15ull ^ k->starttime ^
		     ((uint64_t)k->what << 56 | (uint64_t)k->kind << 48) ^
		     k->id * 0xff51afd7ed558ccdull;

	x ^= x >> 29;
	x *= 0xc4ceb9fe1a85ec53ull;
	return (unsigned int)(x >> 32) & (SPARK_HASH - 1);
}

/* Returns the hash slot of k: where it is, or the empty one where it would go. */
static unsigned int find(const struct sparkhist *h, const struct skey *k)
{
	unsigned int i = key_hash(k);

	while (h->hash[i] >= 0 && key_cmp(k, &h->pool[h->hash[i]]))
		i = (i + 1) & (SPARK_HASH - 1);
	return i;
}

/* Puts every series followed in the hash again (after a sweep or a reset). */
static void rehash(struct sparkhist *h)
{
	int i;

	memset(h->hash, 0xff, SPARK_HASH * sizeof(*h->hash));
	for (i = 0; i < h->nidx; i++) {
		const struct series *s = &h->pool[h->idx[i]];
		struct skey k = { s->pid, s->starttime, s->what, s->kind, s->id };

		h->hash[find(h, &k)] = h->idx[i];
	}
}

/*
 * Returns the series of k, made when new (followed from slot a: it is 0/s until written);
 * NULL when SPARK_SERIES_MAX are full.
 */
static struct series *get(struct sparkhist *h, const struct skey *k, int64_t a)
{
	unsigned int pos = find(h, k);
	struct series *s;
	int i;

	if (h->hash[pos] >= 0)
		return &h->pool[h->hash[pos]];
	if (h->nidx >= SPARK_SERIES_MAX)
		return NULL;
	if (h->nfree) {
		i = h->free_list[--h->nfree];
	} else {
		h->pool = xgrow(h->pool, &h->pool_cap, h->npool + 1, sizeof(*h->pool));
		i = h->npool++;
	}
	s = &h->pool[i];
	s->pid = k->pid;
	s->starttime = k->starttime;
	s->what = k->what;
	s->kind = k->kind;
	s->id = k->id;
	s->used = true;
	s->first = a;
	s->last = a - 1;
	h->idx[h->nidx++] = i;
	h->hash[pos] = i;
	return s;
}

/* Adds rate over slots a..b (ov: the seconds of each in the snapshot's interval). */
static void series_add(struct series *s, double rate, int64_t a, int64_t b, const double *ov)
{
	int64_t k;

	/* Slots passed since it was last written held none of it: a row absent is 0/s. */
	for (k = MAX(s->last + 1, b - SPARK_SLOTS + 1); k <= b; k++)
		s->sum[ring(k)] = 0;
	if (b > s->last)
		s->last = b;
	for (k = a; k <= b; k++)
		s->sum[ring(k)] += (float)(rate * ov[k - a]);
}

/* Forgets every series not written for the whole span. */
static void sweep(struct sparkhist *h)
{
	int i, n = 0;

	for (i = 0; i < h->nidx; i++) {
		struct series *s = &h->pool[h->idx[i]];

		if (s->last > h->head - SPARK_SLOTS) {
			h->idx[n++] = h->idx[i];
		} else {
			s->used = false;
			h->free_list[h->nfree++] = h->idx[i];
		}
	}
	if (n != h->nidx) {
		h->nidx = n;
		rehash(h);
	}
}

static void reset(struct sparkhist *h)
{
	int i;

	for (i = 0; i < h->nidx; i++) {
		h->pool[h->idx[i]].used = false;
		h->free_list[h->nfree++] = h->idx[i];
	}
	h->nidx = 0;
	rehash(h);
	h->head = -1;
	memset(h->dt, 0, sizeof(h->dt));
}

static void series_values(const struct sparkhist *h, const struct series *s, double *out, int n);
static void spark_levels(const double *v, int n, double floor, signed char *level);

void sparkhist_feed(struct sparkhist *h, const struct snapshot *s)
{
	uint64_t iv = s->window_ns ? s->window_ns : s->interval_ns, ts = s->ts_ns, start, lo, hi;
	double ov[SPARK_SLOTS];
	int64_t a, b, k;
	int i, j;

	if (s->cumulative || !iv || !ts)
		return;
	if (h->head >= 0 && (ts < h->last_ts || ts - h->last_ts > h->span_ns))
		reset(h);
	start = ts > iv ? ts - iv : 0;
	/* The slot holding the interval's last nanosecond: a tick on a boundary ends a slot. */
	b = (int64_t)((ts - 1) / h->slot_ns);
	a = (int64_t)(start / h->slot_ns);
	if (a < b - SPARK_SLOTS + 1)
		a = b - SPARK_SLOTS + 1;
	/* Slots newly begun hold nothing yet. */
	for (k = h->head < 0 ? b - SPARK_SLOTS + 1 : MAX(h->head + 1, b - SPARK_SLOTS + 1); k <= b;
	     k++)
		h->dt[ring(k)] = 0;
	if (a < h->head - SPARK_SLOTS + 1)
		a = h->head - SPARK_SLOTS + 1;
	for (k = a; k <= b; k++) {
		lo = MAX(start, (uint64_t)k * h->slot_ns);
		hi = MIN(ts, (uint64_t)(k + 1) * h->slot_ns);
		ov[k - a] = hi > lo ? (double)(hi - lo) / 1e9 : 0;
		h->dt[ring(k)] += ov[k - a];
	}
	if (b > h->head)
		h->head = b;
	h->last_ts = ts;

	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *v = &s->vms[i];
		struct skey key = { .pid = v->pid, .starttime = v->starttime };
		struct series *se;
		int64_t since = a;

		if (v->gone)
			continue;
		key.what = SPARK_VM;
		if ((se = get(h, &key, a))) {
			series_add(se, v->exits_rate, a, b, ov);
			/* A row new in a VM followed before: it was at 0/s all along. */
			since = se->first;
		}
		key.what = SPARK_EXIT;
		for (j = 0; j < v->nexits; j++) {
			key.id = (uint64_t)v->exits[j].kind << 32 | v->exits[j].reason;
			if ((se = get(h, &key, since)))
				series_add(se, v->exits[j].rate, a, b, ov);
		}
		key.what = SPARK_HOT;
		for (j = 0; j < v->nhot; j++) {
			key.kind = v->hot[j].kind;
			key.id = v->hot[j].other ? UINT64_MAX : v->hot[j].addr;
			if ((se = get(h, &key, since)))
				series_add(se, v->hot[j].rate, a, b, ov);
		}
	}
	sweep(h);
	/* Levels once a tick, so that a redraw only looks them up. */
	for (i = 0; i < h->nidx; i++) {
		struct series *se = &h->pool[h->idx[i]];
		double v[SPARK_CELLS];

		series_values(h, se, v, SPARK_CELLS);
		spark_levels(v, SPARK_CELLS, HINT_MIN_RATE, se->level);
	}
}

/* Writes the mean rate of each of the newest n slots of s to out (-1: not followed then). */
static void series_values(const struct sparkhist *h, const struct series *s, double *out, int n)
{
	int64_t k;
	int i;

	for (i = 0; i < n; i++) {
		k = h->head - (n - 1) + i;
		if (k < s->first || k <= h->head - SPARK_SLOTS || h->dt[ring(k)] <= 0)
			out[i] = -1;
		else if (k > s->last)
			out[i] = 0;
		else
			out[i] = s->sum[ring(k)] / h->dt[ring(k)];
	}
}

/* Returns the series of a row, or NULL. */
static const struct series *lookup(const struct sparkhist *h, const struct snap_vm *vm,
				   enum spark_what what, unsigned int kind, uint64_t id)
{
	struct skey key = { .pid = vm->pid,
			    .starttime = vm->starttime,
			    .what = (uint8_t)what,
			    .kind = (uint8_t)(what == SPARK_HOT ? kind : 0),
			    .id = what == SPARK_VM ? 0 : id };
	int i;

	if (!h || h->head < 0)
		return NULL;
	i = h->hash[find(h, &key)];
	return i < 0 ? NULL : &h->pool[i];
}

int sparkhist_get(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		  unsigned int kind, uint64_t id, double *out, int n)
{
	const struct series *s = lookup(h, vm, what, kind, id);

	if (!s || n <= 0)
		return 0;
	n = MIN(n, SPARK_SLOTS);
	series_values(h, s, out, n);
	return n;
}

/* Sets level[i] to the level of v[i] (0-7, -1 for no data), scaled as spark_render() says. */
static void spark_levels(const double *v, int n, double floor, signed char *level)
{
	double top = floor;
	int i, lv;

	for (i = 0; i < n; i++)
		if (v[i] > top)
			top = v[i];
	for (i = 0; i < n; i++) {
		lv = v[i] < 0 ? -1 : top > 0 ? (int)(8 * v[i] / top) : 0;
		level[i] = (signed char)(lv > 7 ? 7 : lv);
	}
}

/* Returns the bytes written to buf: the glyphs of level[0..n), NUL-terminated. */
static size_t draw(const signed char *level, int n, bool utf8, char *buf, size_t bufsz)
{
	static const char ascii[8] = { '_', '.', '-', '~', '=', '+', '*', '#' };
	size_t o = 0;
	int i;

	for (i = 0; i < n && o + 4 < bufsz; i++) {
		if (level[i] < 0) {
			buf[o++] = ' ';
		} else if (!utf8) {
			buf[o++] = ascii[level[i]];
		} else {
			/* U+2581 + level in UTF-8: E2 96 81+level. */
			buf[o++] = (char)0xe2;
			buf[o++] = (char)0x96;
			buf[o++] = (char)(0x81 + level[i]);
		}
	}
	if (!bufsz)
		return 0;
	o = o < bufsz ? o : bufsz - 1;
	buf[o] = '\0';
	return o;
}

char *spark_render(const double *v, int n, double floor, bool utf8, char *buf, size_t bufsz)
{
	signed char level[SPARK_SLOTS];

	n = MIN(n, SPARK_SLOTS);
	spark_levels(v, n, floor, level);
	draw(level, n, utf8, buf, bufsz);
	return buf;
}

int sparkhist_levels(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		     unsigned int kind, uint64_t id, const signed char **level)
{
	const struct series *s = lookup(h, vm, what, kind, id);

	if (!s)
		return 0;
	*level = s->level;
	return SPARK_CELLS;
}

char *sparkhist_line(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		     unsigned int kind, uint64_t id, bool utf8, char *buf, size_t bufsz)
{
	const signed char *level;

	if (!sparkhist_levels(h, vm, what, kind, id, &level)) {
		if (bufsz)
			buf[0] = '\0';
		return buf;
	}
	draw(level, SPARK_CELLS, utf8, buf, bufsz);
	return buf;
}
