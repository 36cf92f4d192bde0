// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "hotspots.h"

#define INDEX_MASK (HOT_INDEX - 1)

/* Returns the home position of addr in the index (Fibonacci hashing). */
static unsigned int home(uint64_t addr)
{
	return (unsigned int)((addr * 0x9e3779b97f4a7c15ull) >> 56) & INDEX_MASK;
}

void hot_init(struct hot_table *t)
{
	hot_clear(t);
}

void hot_clear(struct hot_table *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->index, 0xff, sizeof(t->index));
}

/* Returns the index position holding addr, or -1. */
static int find_pos(const struct hot_table *t, uint64_t addr)
{
	unsigned int p;
	int s;

	for (p = home(addr); (s = t->index[p]) >= 0; p = (p + 1) & INDEX_MASK)
		if (t->slot[s].addr == addr)
			return (int)p;
	return -1;
}

int hot_find(const struct hot_table *t, uint64_t addr)
{
	int p = find_pos(t, addr);

	return p < 0 ? -1 : t->index[p];
}

/* Removes the index entry at p, shifting later entries of the same run back (no tombstones). */
static void index_remove(struct hot_table *t, unsigned int p)
{
	unsigned int i = p, j = p, k;

	for (;;) {
		j = (j + 1) & INDEX_MASK;
		if (t->index[j] < 0)
			break;
		k = home(t->slot[t->index[j]].addr);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->index[i] = t->index[j];
		i = j;
	}
	t->index[i] = -1;
}

static void index_insert(struct hot_table *t, uint64_t addr, int s)
{
	unsigned int p;

	for (p = home(addr); t->index[p] >= 0; p = (p + 1) & INDEX_MASK)
		;
	t->index[p] = (int16_t)s;
}

static void heap_swap(struct hot_table *t, unsigned int a, unsigned int b)
{
	uint8_t x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->slot[t->heap[a]].heap = (uint8_t)a;
	t->slot[t->heap[b]].heap = (uint8_t)b;
}

static uint64_t heap_w(const struct hot_table *t, unsigned int pos)
{
	return t->slot[t->heap[pos]].weight;
}

/* Restores the heap below pos after its weight grew. */
static void sift_down(struct hot_table *t, unsigned int pos)
{
	unsigned int n = (unsigned int)t->n, c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= n)
			return;
		if (c + 1 < n && heap_w(t, c + 1) < heap_w(t, c))
			c++;
		if (heap_w(t, pos) <= heap_w(t, c))
			return;
		heap_swap(t, pos, c);
		pos = c;
	}
}

/* Restores the heap above pos after a light slot was appended. */
static void sift_up(struct hot_table *t, unsigned int pos)
{
	while (pos && heap_w(t, (pos - 1) / 2) > heap_w(t, pos)) {
		heap_swap(t, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
}

int hot_touch(struct hot_table *t, uint64_t addr, uint8_t rw, uint8_t size)
{
	struct hot_slot *sl;
	uint64_t w = 1;
	int s = hot_find(t, addr);

	if (s >= 0) {
		sl = &t->slot[s];
		sl->a.win.count++;
		sl->weight++;
		sl->rw |= rw;
		if (sl->size != size)
			sl->size = 0;
		sift_down(t, sl->heap);
		return s;
	}
	if (t->n < HOT_CAP) {
		s = t->n++;
		sl = &t->slot[s];
		memset(sl, 0, sizeof(*sl));
		sl->heap = (uint8_t)s;
		t->heap[s] = (uint8_t)s;
	} else {
		/* Full: the lightest address gives its slot up and its counts go to other. */
		s = t->heap[0];
		sl = &t->slot[s];
		acc2_merge(&t->other, &sl->a);
		t->evictions++;
		index_remove(t, (unsigned int)find_pos(t, sl->addr));
		w = sl->weight + 1;
		acc2_zero(&sl->a);
		sl->user = sl->fast = sl->kern = false;
	}
	sl->addr = addr;
	sl->weight = w;
	sl->rw = rw;
	sl->size = size;
	sl->a.win.count = 1;
	index_insert(t, addr, s);
	if (w == 1)
		sift_up(t, sl->heap);
	else
		sift_down(t, sl->heap);
	return s;
}

void hot_time(struct hot_table *t, int i, uint64_t addr, uint64_t ns)
{
	struct hot_slot *sl;

	if (i < 0 || i >= t->n || t->slot[i].addr != addr)
		return;
	sl = &t->slot[i];
	acc_time(&sl->a.win, ns, false);
}

void hot_mark_user(struct hot_table *t, int i, uint64_t addr)
{
	if (i >= 0 && i < t->n && t->slot[i].addr == addr)
		t->slot[i].user = true;
}

void hot_mark_kernel(struct hot_table *t, int i, uint64_t addr)
{
	if (i >= 0 && i < t->n && t->slot[i].addr == addr)
		t->slot[i].kern = true;
}

void hot_slot_acc(const struct hot_table *t, int i, unsigned int view, struct acc *out)
{
	acc2_view(&t->slot[i].a, view, out);
}

void hot_total(const struct hot_table *t, unsigned int view, struct acc *out)
{
	struct acc a;
	int i;

	acc2_view(&t->other, view, out);
	for (i = 0; i < t->n; i++) {
		hot_slot_acc(t, i, view, &a);
		acc_add(out, &a);
	}
}

/* How qsort_r orders slot numbers: the table and the view. */
struct top_ctx {
	const struct hot_table *t;
	unsigned int view;
};

static uint64_t view_count(const struct hot_slot *sl, unsigned int view)
{
	return (view & ACC_WIN ? sl->a.win.count : 0) + (view & ACC_TOT ? sl->a.tot.count : 0);
}

static int top_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top_ctx *c = arg;
	const struct hot_slot *a = &c->t->slot[*(const int *)pa],
			      *b = &c->t->slot[*(const int *)pb];
	uint64_t ca = view_count(a, c->view), cb = view_count(b, c->view);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

int hot_top(const struct hot_table *t, unsigned int view, int *idx, int max)
{
	struct top_ctx c = { t, view };
	int all[HOT_CAP], n = 0, i;

	for (i = 0; i < t->n; i++)
		if (view_count(&t->slot[i], view))
			all[n++] = i;
	qsort_r(all, (size_t)n, sizeof(*all), top_cmp, &c);
	if (n > max)
		n = max;
	memcpy(idx, all, (size_t)n * sizeof(*idx));
	return n;
}

void hot_fold(struct hot_table *t, bool drop_win)
{
	int i;

	for (i = 0; i < t->n; i++) {
		acc2_fold(&t->slot[i].a, drop_win);
		/* Halving keeps the heap order: a <= b implies a/2 <= b/2. */
		t->slot[i].weight >>= 1;
	}
	acc2_fold(&t->other, drop_win);
}

void hot_reset(struct hot_table *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		acc2_reset(&t->slot[i].a);
	acc2_reset(&t->other);
}
