// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "snapjson.h"
#include "snapmerge.h"
#include "util.h"

/* The windows of the two sides, in ns, and of the span. */
struct mctx {
	double wa, wb;
	uint64_t window;
};

/* Returns a copy of n rows of size bytes (the caller frees it), never NULL. */
static void *rows_dup(const void *src, int n, size_t size)
{
	void *d = xcalloc((size_t)n + 1, size);

	if (n > 0)
		memcpy(d, src, (size_t)n * size);
	return d;
}

/* Copies n rows into dst, none when there are none (src may then be NULL). */
static void rows_copy(void *dst, const void *src, int n, size_t size)
{
	if (n > 0)
		memcpy(dst, src, (size_t)n * size);
}

/* Returns the weighted mean of two values, -1 (unknown) sides left out; -1 when both are. */
static double wmean(double a, double wa, double b, double wb)
{
	if (a < 0 && b < 0)
		return a == b ? a : -1;
	if (a < 0 || wa <= 0)
		return b;
	if (b < 0 || wb <= 0)
		return a;
	return (a * wa + b * wb) / (wa + wb);
}

/* Returns the mean of two means of na and nb values, 0 (none) sides left out. */
static double cmean(double a, uint64_t na, double b, uint64_t nb)
{
	if (a <= 0 || !na)
		return b > 0 && nb ? b : 0;
	if (b <= 0 || !nb)
		return a;
	return (a * (double)na + b * (double)nb) / (double)(na + nb);
}

/* Returns the mean of two means of na and nb values, -1 (none timed) sides left out. */
static double vmean(double a, uint64_t na, double b, uint64_t nb)
{
	bool ka = a >= 0 && na, kb = b >= 0 && nb;

	if (!ka || !kb)
		return ka ? a : kb ? b : -1;
	return (a * (double)na + b * (double)nb) / (double)(na + nb);
}

/* Returns the larger of two quantiles or maxima, -1 (unknown) sides left out. */
static int64_t qmax(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : MAX(a, b);
}

/* The identity of a row of a table (its order: rows of one identity are one row). */
typedef int (*row_cmp)(const void *x, const void *y);
/* Makes a row of the merge of its row in a and in b (NULL where a table has none). */
typedef void (*row_combine)(void *dst, const void *a, const void *b, const struct mctx *m);

/* For qsort of row pointers by a row_cmp: qsort takes no argument for its comparison. */
static row_cmp sort_cmp;

/* Returns the order of two row pointers by sort_cmp. */
static int ptr_cmp(const void *x, const void *y)
{
	return sort_cmp(*(const void *const *)x, *(const void *const *)y);
}

/* Returns n pointers to the rows of list, sorted by cmp (the caller frees them). */
static const void **sorted(const void *list, int n, size_t size, row_cmp cmp)
{
	const void **p = xcalloc((size_t)n + 1, sizeof(*p));
	int i;

	for (i = 0; i < n; i++)
		p[i] = (const char *)list + (size_t)i * size;
	sort_cmp = cmp;
	qsort(p, (size_t)n, sizeof(*p), ptr_cmp);
	return p;
}

/*
 * Returns the merge of two tables of rows of size bytes (the caller frees it), its length in
 * *nout: every row of either, in the order of cmp, the rows of one identity made one by
 * combine().
 */
static void *merge_rows(const void *a, int na, const void *b, int nb, size_t size, row_cmp cmp,
			row_combine combine, const struct mctx *m, int *nout)
{
	const void **pa = sorted(a, na, size, cmp), **pb = sorted(b, nb, size, cmp);
	char *out = xcalloc((size_t)(na + nb) + 1, size);
	int i = 0, j = 0, n = 0, c;

	while (i < na || j < nb) {
		c = i == na ? 1 : j == nb ? -1 : cmp(pa[i], pb[j]);
		combine(out + (size_t)n++ * size, c <= 0 ? pa[i] : NULL, c >= 0 ? pb[j] : NULL, m);
		i += c <= 0;
		j += c >= 0;
	}
	free(pa);
	free(pb);
	*nout = n;
	return out;
}

/* ---- exits ---- */

/* Sets d to the buckets of a and b added up; d may be either. */
static void lat_sum(struct snap_lat *d, const struct snap_lat *a, const struct snap_lat *b)
{
	struct snap_lat l = *a;

	snap_lat_add(&l, b);
	*d = l;
}

static int exit_cmp(const void *x, const void *y)
{
	const struct snap_exit *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->reason < b->reason ? -1 : a->reason > b->reason;
}

static void exit_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	static const struct snap_exit none;
	const struct snap_exit *a = pa ? pa : &none, *b = pb ? pb : &none;
	struct snap_exit *d = dst;

	*d = pb ? *b : *a;
	d->count = a->count + b->count;
	d->rate = snapjson_per_s(d->count, m->window);
	d->total_ns = a->total_ns + b->total_ns;
	d->max_ns = MAX(a->max_ns, b->max_ns);
	/* An upper bound of the span's P99, never above its maximum. */
	d->p99_ns = MIN(MAX(a->p99_ns, b->p99_ns), d->max_ns);
	d->p50_ns = MIN(MAX(a->p50_ns, b->p50_ns), d->max_ns);
	lat_sum(&d->lat, &a->lat, &b->lat);
	d->mean_ns = cmean(a->mean_ns, a->count, b->mean_ns, b->count);
	/* A tick without the row spent none of its time on it. */
	d->time_share = wmean(pa ? a->time_share : 0, m->wa, pb ? b->time_share : 0, m->wb);
	d->hot = b->hot >= 0 ? b->hot : a->hot;
	/* The VMM's part of the row's exits: its count and time add up the same way. */
	d->vmm_count = a->vmm_count + b->vmm_count;
	d->vmm_total_ns = a->vmm_total_ns + b->vmm_total_ns;
	d->vmm_max_ns = MAX(a->vmm_max_ns, b->vmm_max_ns);
	d->vmm_mean_ns = vmean(pa ? a->vmm_mean_ns : -1, a->vmm_count, pb ? b->vmm_mean_ns : -1,
			       b->vmm_count);
	d->vmm_share = snapjson_vmm_share(d->vmm_count, d->count);
	d->vmm_p50_ns = MIN(MAX(a->vmm_p50_ns, b->vmm_p50_ns), d->vmm_max_ns);
	d->vmm_p99_ns = MIN(MAX(a->vmm_p99_ns, b->vmm_p99_ns), d->vmm_max_ns);
	lat_sum(&d->vmm_lat, &a->vmm_lat, &b->vmm_lat);
}

static int exit_by_count(const void *x, const void *y)
{
	const struct snap_exit *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return exit_cmp(x, y);
}

/* Returns the merged exits of a scope with their shares of it. */
static struct snap_exit *merge_exits(const struct snap_exit *a, int na, const struct snap_exit *b,
				     int nb, const struct mctx *m, int *n)
{
	struct snap_exit *e = merge_rows(a, na, b, nb, sizeof(*e), exit_cmp, exit_combine, m, n);
	uint64_t denom;
	int i;

	qsort(e, (size_t)*n, sizeof(*e), exit_by_count);
	denom = snapjson_exit_denom(e, *n);
	for (i = 0; i < *n; i++)
		e[i].share = snapjson_share(e[i].count, denom);
	return e;
}

/* ---- hot addresses ---- */

static int hot_cmp(const void *x, const void *y)
{
	const struct snap_hot *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->other != b->other)
		return a->other ? 1 : -1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void hot_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	static const struct snap_hot none;
	const struct snap_hot *a = pa ? pa : &none, *b = pb ? pb : &none;
	struct snap_hot *d = dst;

	*d = pb ? *b : *a;
	if (pa && pb) {
		d->rw = a->rw | b->rw;
		d->size = a->size == b->size ? a->size : 0;
		d->user = a->user || b->user;
		d->pattern = a->pattern || b->pattern;
		if (!d->name[0])
			strlcpy0(d->name, a->name, sizeof(d->name));
	}
	d->count = a->count + b->count;
	d->rate = snapjson_per_s(d->count, m->window);
	d->total_ns = a->total_ns + b->total_ns;
	d->mean_ns = cmean(a->mean_ns, a->count, b->mean_ns, b->count);
	d->time_share = wmean(pa ? a->time_share : 0, m->wa, pb ? b->time_share : 0, m->wb);
}

/* By count within a kind, the other row last of its kind. */
static int hot_by_count(const void *x, const void *y)
{
	const struct snap_hot *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return hot_cmp(x, y);
}

/* By rate across kinds, as the model orders them, each other row last. */
static int hot_by_rate(const void *x, const void *y)
{
	const struct snap_hot *a = x, *b = y;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return hot_cmp(x, y);
}

/* Folds row src into the other row dst of its kind. */
static void hot_fold(struct snap_hot *dst, const struct snap_hot *src, const struct mctx *m)
{
	dst->mean_ns = cmean(dst->mean_ns, dst->count, src->mean_ns, src->count);
	dst->count += src->count;
	dst->rate = snapjson_per_s(dst->count, m->window);
	dst->total_ns += src->total_ns;
	if (src->time_share >= 0)
		dst->time_share = MAX(dst->time_share, 0) + src->time_share;
	dst->rw |= src->rw;
	dst->size = dst->size == src->size ? dst->size : 0;
}

/*
 * Returns the merged hot addresses of a VM, at most SNAPMERGE_HOT_MAX per kind and the other
 * rows, with their shares of their kind.
 */
static struct snap_hot *merge_hot(const struct snap_hot *a, int na, const struct snap_hot *b,
				  int nb, const struct mctx *m, int *n)
{
	struct snap_hot *h = merge_rows(a, na, b, nb, sizeof(*h), hot_cmp, hot_combine, m, n);
	struct snap_hot *out = xcalloc((size_t)*n + 1, sizeof(*out)), o;
	int i, j, start, kept, no = 0;
	bool have;

	/* By kind, each by count with its other row last. */
	qsort(h, (size_t)*n, sizeof(*h), hot_by_count);
	for (start = 0; start < *n; start = i) {
		for (i = start; i < *n && h[i].kind == h[start].kind; i++)
			;
		have = h[i - 1].other;
		if (have)
			o = h[i - 1];
		for (j = start, kept = 0; j < i - have; j++) {
			if (kept++ < SNAPMERGE_HOT_MAX) {
				out[no++] = h[j];
			} else if (!have) {
				/* The kind's first row past the cap starts its other row. */
				o = h[j];
				o.other = true;
				o.addr = 0;
				o.name[0] = '\0';
				o.user = o.pattern = false;
				have = true;
			} else {
				hot_fold(&o, &h[j], m);
			}
		}
		if (have)
			out[no++] = o;
	}
	free(h);
	for (i = 0; i < no; i++)
		out[i].share =
			snapjson_share(out[i].count, snapjson_hot_denom(out, no, out[i].kind));
	qsort(out, (size_t)no, sizeof(*out), hot_by_rate);
	*n = no;
	return out;
}

/* ---- counters ---- */

static int ctr_cmp(const void *x, const void *y)
{
	const struct snap_counter *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->source, b->source);
}

static void ctr_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	static const struct snap_counter none = { .rate = -1, .share = -1, .ratio = -1 };
	const struct snap_counter *a = pa ? pa : &none, *b = pb ? pb : &none;
	struct snap_counter *d = dst;

	/* The value, the kind and why not are the latest; the window's numbers are the span's. */
	*d = pb ? *b : *a;
	d->count = a->count + b->count;
	d->rate = wmean(pa ? a->rate : 0, m->wa, pb ? b->rate : 0, m->wb);
	if (d->kind == SNAP_CTR_GAUGE || (a->rate < 0 && b->rate < 0))
		d->rate = pb ? b->rate : a->rate;
	d->share = wmean(a->share, m->wa, b->share, m->wb);
	d->ratio = wmean(a->ratio, m->wa, b->ratio, m->wb);
	d->scale = wmean(pa ? a->scale : -1, m->wa, pb ? b->scale : -1, m->wb);
}

/* Returns the merged counters of a scope, by name and source. */
static struct snap_counter *merge_ctrs(const struct snap_counter *a, int na,
				       const struct snap_counter *b, int nb, const struct mctx *m,
				       int *n)
{
	return merge_rows(a, na, b, nb, sizeof(struct snap_counter), ctr_cmp, ctr_combine, m, n);
}

/* ---- threads ---- */

static void cpu_merge(struct cpu_split *d, const struct cpu_split *a, const struct cpu_split *b,
		      const struct mctx *m)
{
	d->cpu = wmean(a->cpu, m->wa, b->cpu, m->wb);
	d->guest = wmean(a->guest, m->wa, b->guest, m->wb);
	d->host = wmean(a->host, m->wa, b->host, m->wb);
	d->steal = wmean(a->steal, m->wa, b->steal, m->wb);
	d->cs = wmean(a->cs, m->wa, b->cs, m->wb);
}

static void split_merge(struct exit_split *d, const struct exit_split *a,
			const struct exit_split *b, const struct mctx *m)
{
	double wa = a->source ? m->wa : 0, wb = b->source ? m->wb : 0;

	d->source = MAX(a->source, b->source);
	d->sched = a->sched || b->sched;
	d->guest = wmean(a->guest, wa, b->guest, wb);
	d->kernel = wmean(a->kernel, wa, b->kernel, wb);
	d->user = wmean(a->user, wa, b->user, wb);
	d->halted = wmean(a->halted, wa, b->halted, wb);
	d->waiting = wmean(a->waiting, wa, b->waiting, wb);
}

static int thread_cmp(const void *x, const void *y)
{
	const struct snap_thread *a = x, *b = y;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	/* The grouped row (tid 0) is one row whatever its kind. */
	return 0;
}

/* vCPUs by index, iothreads, then the rest; as the model orders them. */
static int thread_order(const void *x, const void *y)
{
	const struct snap_thread *a = x, *b = y;
	static const int rank[] = { [THREAD_VCPU] = 0, [THREAD_IOTHREAD] = 1, [THREAD_OTHER] = 2 };
	int ra = a->kind <= THREAD_IOTHREAD ? rank[a->kind] : 3;
	int rb = b->kind <= THREAD_IOTHREAD ? rank[b->kind] : 3;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->kind == THREAD_VCPU && a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (!a->tid != !b->tid)
		return !a->tid ? 1 : -1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static struct snap_exit *exits_copy(const struct snap_exit *e, int n, const struct mctx *m)
{
	struct snap_exit *c = rows_dup(e, n, sizeof(*c));
	int i;

	for (i = 0; m && i < n; i++)
		c[i].rate = snapjson_per_s(c[i].count, m->window);
	return c;
}

static void thread_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	const struct snap_thread *a = pa, *b = pb, *one = b ? b : a;
	struct snap_thread *d = dst;

	*d = *one;
	d->gone = b ? b->gone : true;
	d->exits_count = (a ? a->exits_count : 0) + (b ? b->exits_count : 0);
	d->exits_rate = snapjson_per_s(d->exits_count, m->window);
	if (a && b) {
		cpu_merge(&d->cpu, &a->cpu, &b->cpu, m);
		split_merge(&d->split, &a->split, &b->split, m);
		d->exits = merge_exits(a->exits, a->nexits, b->exits, b->nexits, m, &d->nexits);
		d->counters = merge_ctrs(a->counters, a->ncounters, b->counters, b->ncounters, m,
					 &d->ncounters);
		return;
	}
	/* Seen in one side only: its times are those of the ticks it was seen in. */
	d->exits = exits_copy(one->exits, one->nexits, m);
	d->counters = rows_dup(one->counters, one->ncounters, sizeof(*d->counters));
}

/* ---- wakes ---- */

static int edge_cmp(const void *x, const void *y)
{
	const struct snap_wake_edge *a = x, *b = y;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->waker != b->waker)
		return a->waker < b->waker ? -1 : 1;
	if (a->wakee != b->wakee)
		return a->wakee < b->wakee ? -1 : 1;
	return a->cls < b->cls ? -1 : a->cls > b->cls;
}

static void edge_add(struct snap_wake_edge *d, const struct snap_wake_edge *a,
		     const struct snap_wake_edge *b, const struct mctx *m)
{
	d->count = a->count + b->count;
	d->rate = snapjson_wake_rate(d->count, m->window);
	d->awake = a->awake + b->awake;
	d->timed = a->timed + b->timed;
	d->mean_ns = d->timed ? cmean(a->mean_ns, a->timed, b->mean_ns, b->timed) : -1;
	d->max_ns = qmax(a->max_ns, b->max_ns);
	d->p99_ns = qmax(a->p99_ns, b->p99_ns);
	if (d->p99_ns > d->max_ns)
		d->p99_ns = d->max_ns;
	d->p50_ns = qmax(a->p50_ns, b->p50_ns);
	if (d->p50_ns > d->max_ns)
		d->p50_ns = d->max_ns;
	lat_sum(&d->lat, &a->lat, &b->lat);
}

static void edge_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	static const struct snap_wake_edge none = { .mean_ns = -1,
						    .p50_ns = -1,
						    .p99_ns = -1,
						    .max_ns = -1 };
	const struct snap_wake_edge *a = pa ? pa : &none, *b = pb ? pb : &none;
	struct snap_wake_edge *d = dst;

	*d = pb ? *b : *a;
	edge_add(d, a, b, m);
}

static int edge_by_rate(const void *x, const void *y)
{
	const struct snap_wake_edge *a = x, *b = y;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return edge_cmp(x, y);
}

static int rt_cmp(const void *x, const void *y)
{
	const struct snap_wake_rt *a = x, *b = y;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void rt_add(struct snap_wake_rt *d, const struct snap_wake_rt *a,
		   const struct snap_wake_rt *b, const struct mctx *m)
{
	d->count = a->count + b->count;
	d->rate = snapjson_wake_rate(d->count, m->window);
	d->p50_ns = qmax(a->p50_ns, b->p50_ns);
	d->p99_ns = qmax(a->p99_ns, b->p99_ns);
	d->max_ns = qmax(a->max_ns, b->max_ns);
	d->p50_ns = d->max_ns >= 0 ? MIN(d->p50_ns, d->max_ns) : d->p50_ns;
	d->p99_ns = d->max_ns >= 0 ? MIN(d->p99_ns, d->max_ns) : d->p99_ns;
	lat_sum(&d->lat, &a->lat, &b->lat);
	d->notify_run_ns = cmean(a->notify_run_ns, a->count, b->notify_run_ns, b->count);
	d->run_inject_ns = cmean(a->run_inject_ns, a->count, b->run_inject_ns, b->count);
	d->inject_run_ns = cmean(a->inject_run_ns, a->count, b->inject_run_ns, b->count);
	d->mean_ns = d->count ? d->notify_run_ns + d->run_inject_ns + d->inject_run_ns : -1;
}

static void rt_combine(void *dst, const void *pa, const void *pb, const struct mctx *m)
{
	static const struct snap_wake_rt none = { .p50_ns = -1, .p99_ns = -1, .max_ns = -1 };
	const struct snap_wake_rt *a = pa ? pa : &none, *b = pb ? pb : &none;
	struct snap_wake_rt *d = dst;

	*d = pb ? *b : *a;
	rt_add(d, a, b, m);
}

static int rt_by_count(const void *x, const void *y)
{
	const struct snap_wake_rt *a = x, *b = y;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return rt_cmp(x, y);
}

/*
 * Returns the number of edges left when those past SNAPMERGE_EDGES_MAX (e sorted by count,
 * the other row last) are folded into the other row.
 */
static int cap_edges(struct snap_wake_edge *e, int n, const struct mctx *m)
{
	struct snap_wake_edge o = { .other = true,
				    .cls = WAKE_OTHER,
				    .mean_ns = -1,
				    .p50_ns = -1,
				    .p99_ns = -1,
				    .max_ns = -1 },
			      sum;
	bool have = n && e[n - 1].other;
	int i;

	if (n - have <= SNAPMERGE_EDGES_MAX)
		return n;
	if (have)
		o = e[n - 1];
	for (i = SNAPMERGE_EDGES_MAX; i < n - have; i++) {
		sum = o;
		edge_add(&sum, &o, &e[i], m);
		o = sum;
	}
	e[SNAPMERGE_EDGES_MAX] = o;
	return SNAPMERGE_EDGES_MAX + 1;
}

/* The same for round trips, past SNAPMERGE_RTS_MAX. */
static int cap_rts(struct snap_wake_rt *r, int n, const struct mctx *m)
{
	struct snap_wake_rt o = { .other = true, .p50_ns = -1, .p99_ns = -1, .max_ns = -1 }, sum;
	bool have = n && r[n - 1].other;
	int i;

	if (n - have <= SNAPMERGE_RTS_MAX)
		return n;
	if (have)
		o = r[n - 1];
	for (i = SNAPMERGE_RTS_MAX; i < n - have; i++) {
		sum = o;
		rt_add(&sum, &o, &r[i], m);
		o = sum;
	}
	r[SNAPMERGE_RTS_MAX] = o;
	return SNAPMERGE_RTS_MAX + 1;
}

/* Returns a wake graph in one allocation, as snapshot_free() releases it. */
static struct snap_wake *wake_alloc(int ne, int nr)
{
	struct snap_wake *w = xcalloc(1, sizeof(*w) + (size_t)ne * sizeof(*w->edges) +
						 (size_t)nr * sizeof(*w->rts));

	w->edges = (struct snap_wake_edge *)(w + 1);
	w->rts = (struct snap_wake_rt *)(w->edges + ne);
	w->nedges = ne;
	w->nrts = nr;
	return w;
}

static struct snap_wake *merge_wake(const struct snap_wake *a, const struct snap_wake *b,
				    const struct mctx *m)
{
	static const struct snap_wake none;
	struct snap_wake_edge *e;
	struct snap_wake_rt *r;
	struct snap_wake *w;
	int ne, nr;

	if (!a && !b)
		return NULL;
	a = a ? a : &none;
	b = b ? b : &none;
	e = merge_rows(a->edges, a->nedges, b->edges, b->nedges, sizeof(*e), edge_cmp, edge_combine,
		       m, &ne);
	qsort(e, (size_t)ne, sizeof(*e), edge_by_rate);
	ne = cap_edges(e, ne, m);
	r = merge_rows(a->rts, a->nrts, b->rts, b->nrts, sizeof(*r), rt_cmp, rt_combine, m, &nr);
	qsort(r, (size_t)nr, sizeof(*r), rt_by_count);
	nr = cap_rts(r, nr, m);
	w = wake_alloc(ne, nr);
	rows_copy(w->edges, e, ne, sizeof(*e));
	rows_copy(w->rts, r, nr, sizeof(*r));
	w->unmatched = a->unmatched + b->unmatched;
	free(e);
	free(r);
	return w;
}

static struct snap_wake *wake_copy(const struct snap_wake *s, const struct mctx *m)
{
	struct snap_wake *w;
	int i;

	if (!s)
		return NULL;
	w = wake_alloc(s->nedges, s->nrts);
	rows_copy(w->edges, s->edges, s->nedges, sizeof(*w->edges));
	rows_copy(w->rts, s->rts, s->nrts, sizeof(*w->rts));
	w->unmatched = s->unmatched;
	for (i = 0; m && i < w->nedges; i++)
		w->edges[i].rate = snapjson_wake_rate(w->edges[i].count, m->window);
	for (i = 0; m && i < w->nrts; i++)
		w->rts[i].rate = snapjson_wake_rate(w->rts[i].count, m->window);
	return w;
}

/* ---- VMs ---- */

/* Copies one VM's tables: rates over m's window when given (a VM seen in one side). */
static void vm_copy(struct snap_vm *d, const struct snap_vm *s, const struct mctx *m)
{
	int i;

	*d = *s;
	d->threads = xcalloc((size_t)s->nthreads + 1, sizeof(*d->threads));
	for (i = 0; i < s->nthreads; i++) {
		const struct snap_thread *t = &s->threads[i];
		struct snap_thread *c = &d->threads[i];

		*c = *t;
		if (m)
			c->exits_rate = snapjson_per_s(c->exits_count, m->window);
		c->exits = exits_copy(t->exits, t->nexits, m);
		c->counters = rows_dup(t->counters, t->ncounters, sizeof(*c->counters));
	}
	d->exits = exits_copy(s->exits, s->nexits, m);
	d->hot = rows_dup(s->hot, s->nhot, sizeof(*d->hot));
	for (i = 0; m && i < s->nhot; i++)
		d->hot[i].rate = snapjson_per_s(d->hot[i].count, m->window);
	d->hints = rows_dup(s->hints, s->nhints, sizeof(*d->hints));
	d->counters = rows_dup(s->counters, s->ncounters, sizeof(*d->counters));
	d->wake = wake_copy(s->wake, m);
	if (m)
		d->exits_rate = snapjson_per_s(d->exits_count, m->window);
}

/* The hints of either, b's first, each text once. */
static void merge_hints(struct snap_vm *d, const struct snap_vm *a, const struct snap_vm *b)
{
	const struct snap_vm *side[2] = { b, a };
	int s, i, k;

	d->hints = xcalloc(SNAPMERGE_HINTS_MAX, sizeof(*d->hints));
	d->nhints = 0;
	for (s = 0; s < 2; s++)
		for (i = 0; i < side[s]->nhints && d->nhints < SNAPMERGE_HINTS_MAX; i++) {
			for (k = 0; k < d->nhints; k++)
				if (!strcmp(d->hints[k].text, side[s]->hints[i].text))
					break;
			if (k == d->nhints)
				d->hints[d->nhints++] = side[s]->hints[i];
		}
}

static void vm_merge(struct snap_vm *d, const struct snap_vm *a, const struct snap_vm *b,
		     const struct mctx *m)
{
	int i;

	*d = *b;
	cpu_merge(&d->cpu, &a->cpu, &b->cpu, m);
	split_merge(&d->split, &a->split, &b->split, m);
	d->exits_count = a->exits_count + b->exits_count;
	d->exits_rate = snapjson_per_s(d->exits_count, m->window);
	d->threads = merge_rows(a->threads, a->nthreads, b->threads, b->nthreads,
				sizeof(*d->threads), thread_cmp, thread_combine, m, &d->nthreads);
	qsort(d->threads, (size_t)d->nthreads, sizeof(*d->threads), thread_order);
	d->exits = merge_exits(a->exits, a->nexits, b->exits, b->nexits, m, &d->nexits);
	d->top_exit[0] = '\0';
	d->top_exit_share = 0;
	for (i = 0; i < d->nexits; i++)
		if (d->exits[i].kind != EXIT_KIND_USER)
			break;
	if (d->nexits) {
		i = i < d->nexits ? i : 0;
		strlcpy0(d->top_exit, d->exits[i].name, sizeof(d->top_exit));
		d->top_exit_share = snapjson_top_exit_share(d->exits, d->nexits);
	}
	d->hot = merge_hot(a->hot, a->nhot, b->hot, b->nhot, m, &d->nhot);
	merge_hints(d, a, b);
	d->counters =
		merge_ctrs(a->counters, a->ncounters, b->counters, b->ncounters, m, &d->ncounters);
	d->wake = merge_wake(a->wake, b->wake, m);
}

static bool same_vm(const struct snap_vm *a, const struct snap_vm *b)
{
	return a->pid == b->pid && a->starttime == b->starttime;
}

/* Returns a copy of s's top level, with no VM and no counter yet. */
static struct snapshot *top_copy(const struct snapshot *s)
{
	struct snapshot *d = xmalloc(sizeof(*d));

	*d = *s;
	d->vms = NULL;
	d->nvms = 0;
	d->counters = NULL;
	d->ncounters = 0;
	return d;
}

struct snapshot *snapmerge_copy(const struct snapshot *s)
{
	struct snapshot *d = top_copy(s);
	int i;

	d->vms = xcalloc((size_t)s->nvms + 1, sizeof(*d->vms));
	for (i = 0; i < s->nvms; i++)
		vm_copy(&d->vms[i], &s->vms[i], NULL);
	d->nvms = s->nvms;
	d->counters = rows_dup(s->counters, s->ncounters, sizeof(*d->counters));
	d->ncounters = s->ncounters;
	return d;
}

/* Returns the window a snapshot's counts cover, in ns. */
static uint64_t window_of(const struct snapshot *s)
{
	return s->window_ns ? s->window_ns : s->interval_ns;
}

struct snapshot *snapmerge(const struct snapshot *a, const struct snapshot *b)
{
	struct mctx m = { .wa = (double)window_of(a), .wb = (double)window_of(b) };
	struct snapshot *d;
	int i, k, n = 0;
	bool *used;

	/*
	 * b's window reaching back over a's tick: its counts hold a's already (counts since
	 * start, as a recording made with -c has them), so b says it all.
	 */
	if (b->cumulative && b->ts_ns > a->ts_ns && window_of(b) > b->ts_ns - a->ts_ns)
		return snapmerge_copy(b);
	m.window = window_of(a) + window_of(b);
	d = top_copy(b);
	d->cumulative = true;
	d->window_ns = m.window;
	d->events = a->events + b->events;
	d->events_unattributed = a->events_unattributed + b->events_unattributed;
	d->events_lost = MAX(a->events_lost, b->events_lost);
	d->exits_rate = wmean(a->exits_rate, m.wa, b->exits_rate, m.wb);
	d->counters =
		merge_ctrs(a->counters, a->ncounters, b->counters, b->ncounters, &m, &d->ncounters);

	/* VMs in the order they were first seen: a's, then those b adds. */
	d->vms = xcalloc((size_t)(a->nvms + b->nvms) + 1, sizeof(*d->vms));
	used = xcalloc((size_t)b->nvms + 1, sizeof(*used));
	for (i = 0; i < a->nvms; i++) {
		for (k = 0; k < b->nvms; k++)
			if (!used[k] && same_vm(&a->vms[i], &b->vms[k]))
				break;
		if (k < b->nvms) {
			used[k] = true;
			vm_merge(&d->vms[n++], &a->vms[i], &b->vms[k], &m);
		} else {
			vm_copy(&d->vms[n], &a->vms[i], &m);
			/* Not in the later tick: gone by its end. */
			d->vms[n++].gone = true;
		}
	}
	for (k = 0; k < b->nvms; k++)
		if (!used[k])
			vm_copy(&d->vms[n++], &b->vms[k], &m);
	d->nvms = n;
	free(used);
	return d;
}
