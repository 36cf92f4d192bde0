// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON schema of a snapshot: what batch JSON prints, one document per tick, and what a
 * recording holds. man/kvmscope.8 (JSON OUTPUT) documents every key; snapread.c reads them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "pane.h"
#include "snapjson.h"

/* What one document is being written with. */
struct ctx {
	struct json j;
	bool full;	    /* the full form: derived numbers and presentation too */
	uint64_t window_ns; /* the snapshot's */
};

/*
 * A latency distribution, in the full form only: [[low_ns, count], ...] for each bucket
 * that counted something, a bucket reaching from low_ns to twice that less one. Recordings
 * go without: their rows carry P50, P99 and MAX, and a distribution's counts change every
 * tick, where the recording's compression lives on what a tick repeats of the one before.
 */
static void json_lat(struct ctx *c, const char *key, const struct snap_lat *l)
{
	struct json *j = &c->j;
	int k;

	if (!c->full)
		return;
	json_arr(j, key);
	for (k = 0; k < SNAP_LAT_BUCKETS; k++) {
		if (!l->b[k])
			continue;
		json_arr(j, NULL);
		json_uint(j, NULL, snap_lat_low(k));
		json_uint(j, NULL, l->b[k]);
		json_arr_end(j);
	}
	json_arr_end(j);
}

/* ---- the derived numbers ---- */

double snapjson_per_s(uint64_t count, uint64_t window_ns)
{
	return window_ns ? (double)count * 1e9 / (double)window_ns : 0;
}

double snapjson_wake_rate(uint64_t count, uint64_t window_ns)
{
	double window_s = (double)window_ns / 1e9;

	return window_s > 0 ? (double)count / window_s : 0;
}

double snapjson_mean(uint64_t total_ns, uint64_t count)
{
	return count ? (double)total_ns / (double)count : -1;
}

double snapjson_vmm_share(uint64_t vmm, uint64_t count)
{
	return count ? 100.0 * (double)vmm / (double)count : -1;
}

double snapjson_share(uint64_t count, uint64_t denom)
{
	return denom ? 100.0 * (double)count / (double)denom : 0;
}

uint64_t snapjson_exit_denom(const struct snap_exit *e, int n)
{
	uint64_t total = 0;
	int i;

	/* Every row is an exit of its own (the VMM's part of one is not a row). */
	for (i = 0; i < n; i++)
		total += e[i].count;
	return total;
}

uint64_t snapjson_hot_denom(const struct snap_hot *h, int n, unsigned int kind)
{
	uint64_t all = 0;
	int i;

	for (i = 0; i < n; i++)
		if (h[i].kind == kind)
			all += h[i].count;
	return all;
}

double snapjson_top_exit_share(const struct snap_exit *e, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].kind != EXIT_KIND_USER)
			break;
	if (i == n)
		i = 0;
	return n ? e[i].share : 0;
}

double snapjson_host_pct(const struct cpu_split *c)
{
	return c->cpu == -1 && c->guest == -1 ? -1 : c->cpu - c->guest;
}

double snapjson_rt_mean(const struct snap_wake_rt *r)
{
	return r->count ? r->notify_run_ns + r->run_inject_ns + r->inject_run_ns : -1;
}

double snapjson_ctr_rate(uint64_t count, uint64_t window_ns)
{
	return window_ns ? (double)count * 1e9 / (double)window_ns : 0;
}

double snapjson_ctr_share(unsigned int kind, uint64_t count, uint64_t window_ns)
{
	if (kind != SNAP_CTR_TIME_NS)
		return -1;
	return window_ns ? 100.0 * (double)count / (double)window_ns : 0;
}

double snapjson_host_exits_rate(const struct snapshot *s, const regex_t *filter)
{
	struct pane_opts po = { .utf8 = true, .filter = filter };
	double sum = 0;
	int i;

	for (i = 0; i < s->nvms; i++)
		if (!s->vms[i].gone && pane_vm_visible(&s->vms[i], &po))
			sum += s->vms[i].exits_rate;
	return sum;
}

/* ---- the words of enum values ---- */

#define WORD(table, v) ((v) < ARRAY_LEN(table) ? table[v] : NULL)
#define ARRAY_LEN(a)   (sizeof(a) / sizeof((a)[0]))

const char *snapjson_thread_kind(unsigned int v)
{
	static const char *const w[] = {
		[THREAD_OTHER] = "other", [THREAD_VCPU] = "vcpu", [THREAD_IOTHREAD] = "iothread"
	};
	return WORD(w, v);
}

const char *snapjson_split_source(unsigned int v)
{
	static const char *const w[] = {
		[SPLIT_NONE] = "none", [SPLIT_PROCFS] = "procfs", [SPLIT_EVENTS] = "events"
	};
	return WORD(w, v);
}

const char *snapjson_exit_kind(unsigned int v)
{
	static const char *const w[] = {
		[EXIT_KIND_HW] = "hw", [EXIT_KIND_USER] = "user", [EXIT_KIND_EVENT] = "event"
	};
	return WORD(w, v);
}

const char *snapjson_hot_kind(unsigned int v)
{
	static const char *const w[] = {
		[HOT_PIO] = "pio", [HOT_MMIO] = "mmio", [HOT_MSR] = "msr"
	};
	return WORD(w, v);
}

const char *snapjson_rw(unsigned int v)
{
	static const char *const w[] = {
		[0] = "", [HOT_READ] = "r", [HOT_WRITE] = "w", [HOT_READ | HOT_WRITE] = "rw"
	};
	return WORD(w, v);
}

const char *snapjson_ctr_kind(unsigned int v)
{
	static const char *const w[] = { [SNAP_CTR_COUNT] = "count",
					 [SNAP_CTR_TIME_NS] = "time_ns",
					 [SNAP_CTR_HIST] = "hist",
					 [SNAP_CTR_GAUGE] = "gauge",
					 [SNAP_CTR_RATIO] = "ratio" };
	return WORD(w, v);
}

const char *snapjson_state(unsigned int v)
{
	static const char *const w[] = { [SNAP_SRC_OFF] = "off",
					 [SNAP_SRC_OK] = "ok",
					 [SNAP_SRC_DEGRADED] = "degraded",
					 [SNAP_SRC_UNAVAILABLE] = "unavailable" };
	return WORD(w, v);
}

const char *snapjson_wake_node(unsigned int v)
{
	static const char *const w[] = { [WAKE_NODE_VCPU] = "vcpu",
					 [WAKE_NODE_IOTHREAD] = "iothread",
					 [WAKE_NODE_VMTHREAD] = "other",
					 [WAKE_NODE_HOST] = "host",
					 [WAKE_NODE_IRQ] = "irq" };
	return WORD(w, v);
}

const char *snapjson_detail_mode(unsigned int v)
{
	static const char *const w[] = { [SNAP_DETAIL_OFF] = "off",
					 [SNAP_DETAIL_FULL] = "full",
					 [SNAP_DETAIL_SAMPLED] = "sampled" };
	return WORD(w, v);
}

const char *snapjson_wake_how(unsigned int v)
{
	return v < WAKE__CLASSES ? snap_wake_class_name(v) : NULL;
}

const char *snapjson_mgmt_source(unsigned int v)
{
	static const char *const w[] = { [SNAP_MGMT_NONE] = "none",
					 [SNAP_MGMT_LIBVIRT] = "libvirt",
					 [SNAP_MGMT_PROXMOX] = "proxmox" };
	return WORD(w, v);
}

/* Writes an enum value as its word, or as a number when it has none (so it reads back). */
static void word(struct ctx *c, const char *key, unsigned int v, const char *(*name)(unsigned int))
{
	const char *w = name(v);

	if (w)
		json_str(&c->j, key, w);
	else
		json_uint(&c->j, key, v);
}

/* Returns true when a and b are the same double, bit for bit. */
static bool same(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

/* Writes a derived double: always in the full form, else only when derived would not give it. */
static void derived(struct ctx *c, const char *key, double v, double derived)
{
	if (c->full || !same(v, derived))
		json_real(&c->j, key, v);
}

/* Writes an estimate mark: always in the full form, only when set in the compact one. */
static void est_mark(struct ctx *c, const char *key, bool est)
{
	if (c->full || est)
		json_bool(&c->j, key, est);
}

/* Writes a count as the trace saw it: in the compact form only when it differs from count. */
static void traced(struct ctx *c, uint64_t v, uint64_t count)
{
	if (c->full || v != count)
		json_uint(&c->j, "traced", v);
}

/*
 * Writes a mean, null when not known; the compact form leaves it out when total / count
 * gives it exactly (count: how many were timed), as most do: a mean's many digits change
 * every tick and would cost a recording more than any other number of the row.
 */
static void mean_known(struct ctx *c, const char *key, double v, bool known, uint64_t total,
		       uint64_t count)
{
	if (!c->full && known && count && same(v, snapjson_mean(total, count)))
		return;
	json_real_known(&c->j, key, v, known);
}

/* ---- the document ---- */

static void json_mgmt(struct ctx *c, const struct snap_mgmt *m)
{
	struct json *j = &c->j;

	json_obj(j, "mgmt");
	word(c, "source", m->source, snapjson_mgmt_source);
	word(c, "state", m->state, snapjson_state);
	json_str(j, "why", m->why);
	json_str(j, "name", m->name);
	json_str(j, "title", m->title);
	json_str(j, "uuid", m->uuid);
	json_str(j, "nova_name", m->nova_name);
	json_str(j, "nova_project", m->nova_project);
	json_str(j, "nova_user", m->nova_user);
	json_str(j, "nova_flavor", m->nova_flavor);
	json_obj_end(j);
}

static void json_cpu(struct ctx *c, const struct cpu_split *cs)
{
	struct json *j = &c->j;

	json_obj(j, "cpu");
	json_real(j, "cpu_pct", cs->cpu);
	json_real(j, "guest_pct", cs->guest);
	derived(c, "host_pct", cs->host, snapjson_host_pct(cs));
	json_real(j, "steal_pct", cs->steal);
	json_real(j, "csw_rate", cs->cs);
	json_obj_end(j);
}

static void json_split(struct ctx *c, const struct exit_split *sp)
{
	struct json *j = &c->j;

	json_obj(j, "split");
	word(c, "source", sp->source, snapjson_split_source);
	json_bool(j, "sched", sp->sched);
	json_real(j, "guest_pct", sp->guest);
	json_real(j, "kernel_pct", sp->kernel);
	json_real(j, "user_pct", sp->user);
	json_real(j, "halted_pct", sp->halted);
	json_real(j, "waiting_pct", sp->waiting);
	est_mark(c, "estimate", sp->est);
	json_obj_end(j);
}

/* Writes an address in hex; null for the other bucket's (none). */
static void json_addr(struct ctx *c, uint64_t addr, bool other)
{
	char buf[24];

	if (other && !addr) {
		json_null(&c->j, "addr");
		return;
	}
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	json_str(&c->j, "addr", buf);
}

static void json_exits(struct ctx *c, const struct snap_exit *e, int n)
{
	uint64_t denom = snapjson_exit_denom(e, n);
	struct json *j = &c->j;
	int i;

	json_arr(j, "exits");
	for (i = 0; i < n; i++, e++) {
		/* Times are 0 when not measured: null then, as a reader takes them. */
		bool timed = e->time_share >= 0;

		json_obj(j, NULL);
		json_str(j, "name", e->name);
		json_uint(j, "reason", e->reason);
		word(c, "kind", e->kind, snapjson_exit_kind);
		if (e->hot == -1)
			json_null(j, "hot");
		else if (e->hot >= 0)
			word(c, "hot", (unsigned int)e->hot, snapjson_hot_kind);
		else
			json_int(j, "hot", e->hot);
		json_uint(j, "count", e->count);
		est_mark(c, "estimate", e->est);
		traced(c, e->traced, e->count);
		derived(c, "rate", e->rate, snapjson_per_s(e->count, c->window_ns));
		derived(c, "share_pct", e->share, snapjson_share(e->count, denom));
		json_real(j, "time_pct", e->time_share);
		json_uint_known(j, "total_ns", e->total_ns, timed);
		mean_known(c, "mean_ns", e->mean_ns, timed, e->total_ns, e->timed);
		if (c->full || e->timed != e->count)
			json_uint(j, "timed", e->timed);
		json_uint_known(j, "p50_ns", e->p50_ns, timed && e->timed);
		json_uint_known(j, "p99_ns", e->p99_ns, timed);
		json_uint_known(j, "max_ns", e->max_ns, timed);
		json_lat(c, "lat_buckets", &e->lat);
		json_uint(j, "vmm_count", e->vmm_count);
		derived(c, "vmm_pct", e->vmm_share, snapjson_vmm_share(e->vmm_count, e->count));
		json_uint_known(j, "vmm_total_ns", e->vmm_total_ns, e->vmm_mean_ns >= 0);
		json_uint_known(j, "vmm_max_ns", e->vmm_max_ns, e->vmm_mean_ns >= 0);
		mean_known(c, "vmm_mean_ns", e->vmm_mean_ns, e->vmm_mean_ns >= 0, e->vmm_total_ns,
			   e->vmm_count);
		json_uint_known(j, "vmm_p50_ns", e->vmm_p50_ns, e->vmm_mean_ns >= 0);
		json_uint_known(j, "vmm_p99_ns", e->vmm_p99_ns, e->vmm_mean_ns >= 0);
		json_lat(c, "vmm_lat_buckets", &e->vmm_lat);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_hot(struct ctx *c, const struct snap_vm *v)
{
	struct json *j = &c->j;
	uint64_t denom[HOT__KINDS];
	unsigned int k;
	int i;

	for (k = 0; k < HOT__KINDS; k++)
		denom[k] = snapjson_hot_denom(v->hot, v->nhot, k);
	json_arr(j, "hot");
	for (i = 0; i < v->nhot; i++) {
		const struct snap_hot *h = &v->hot[i];
		bool timed = h->time_share >= 0;

		json_obj(j, NULL);
		word(c, "kind", h->kind, snapjson_hot_kind);
		json_bool(j, "other", h->other);
		json_addr(c, h->addr, h->other);
		json_str(j, "name", h->name);
		word(c, "rw", h->rw, snapjson_rw);
		json_uint(j, "size", h->size);
		json_bool(j, "user", h->user);
		json_bool(j, "pattern", h->pattern);
		json_uint(j, "count", h->count);
		est_mark(c, "estimate", h->est);
		traced(c, h->traced, h->count);
		derived(c, "rate", h->rate, snapjson_per_s(h->count, c->window_ns));
		derived(c, "share_pct", h->share,
			snapjson_share(h->count, h->kind < HOT__KINDS ? denom[h->kind] : 0));
		json_real(j, "time_pct", h->time_share);
		json_uint_known(j, "total_ns", h->total_ns, timed);
		mean_known(c, "mean_ns", h->mean_ns, timed, h->total_ns, h->count);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/*
 * Returns the interval a counter's rate was computed over, found from its count and rate, or
 * 0 when none gives the rate back exactly. The model keeps each counter set's own interval
 * (its two samples) apart from the snapshot's; the compact form writes it once per array
 * instead of a rate per row.
 */
static uint64_t ctr_window(const struct snap_counter *sc)
{
	double w;
	int64_t d;

	if (!sc->count || !(sc->rate > 0) || !isfinite(sc->rate))
		return 0;
	w = (double)sc->count * 1e9 / sc->rate;
	if (!(w >= 1 && w < 1e19))
		return 0;
	for (d = 0; d <= 4; d++) {
		/* 0, -1, +1, -2, +2: the division rounds either way. */
		int64_t off = d & 1 ? -(d + 1) / 2 : d / 2;
		uint64_t cand = (uint64_t)llround(w) + (uint64_t)off;

		if (cand && same(snapjson_ctr_rate(sc->count, cand), sc->rate))
			return cand;
	}
	return 0;
}

/* Writes counters whose source is (or, with not set, is not) src; all when src is NULL. */
static void json_counters(struct ctx *c, const char *key, const struct snap_counter *sc, int n,
			  const char *src, bool not )
{
	struct json *j = &c->j;
	uint64_t window = 0; /* the compact form's: carried from row to row */
	int i;

	json_arr(j, key);
	for (i = 0; i < n; i++, sc++) {
		if (src && !strcmp(sc->source, src) == not )
			continue;
		json_obj(j, NULL);
		json_str(j, "name", sc->name);
		json_str(j, "source", sc->source);
		word(c, "kind", sc->kind, snapjson_ctr_kind);
		json_str(j, "why", sc->why);
		json_uint(j, "value", sc->value);
		json_uint(j, "count", sc->count);
		if (!c->full && !same(snapjson_ctr_rate(sc->count, window), sc->rate)) {
			uint64_t w = ctr_window(sc);

			if (w) {
				window = w;
				json_uint(j, "window_ns", w);
			}
		}
		derived(c, "rate", sc->rate, snapjson_ctr_rate(sc->count, window));
		derived(c, "share_pct", sc->share, snapjson_ctr_share(sc->kind, sc->count, window));
		json_real(j, "ratio", sc->ratio);
		json_real(j, "scale", sc->scale);
		if (sc->kind == SNAP_CTR_HIST || sc->p50)
			json_uint(j, "p50_ns", sc->p50);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* Returns true when t has a counter whose source is (or, with not set, is not) "perf". */
static bool has_counters(const struct snap_thread *t, bool not )
{
	int i;

	for (i = 0; i < t->ncounters; i++)
		if (!strcmp(t->counters[i].source, "perf") != not )
			return true;
	return false;
}

/* A thread's perf counters; in the full form with the columns of the threads pane. */
static void json_perf(struct ctx *c, const struct snap_thread *t)
{
	const struct snap_counter *sc;
	struct json *j = &c->j;

	json_obj(j, "perf");
	if (c->full) {
		sc = snap_counter_find(t->counters, t->ncounters, "task-clock");
		json_real(j, "task_clock_pct", sc && sc->share >= 0 ? sc->share : -1);
		sc = snap_counter_find(t->counters, t->ncounters, "context-switches");
		json_real(j, "cs_rate", sc && sc->rate >= 0 ? sc->rate : -1);
		sc = snap_counter_find(t->counters, t->ncounters, "cpu-migrations");
		json_real(j, "migrations_rate", sc && sc->rate >= 0 ? sc->rate : -1);
		sc = snap_counter_find(t->counters, t->ncounters, "ipc:mg");
		json_real(j, "ipc_guest", sc && sc->ratio >= 0 ? sc->ratio : -1);
		json_str(j, "ipc_guest_why", sc ? sc->why : "not counted");
		sc = snap_counter_find(t->counters, t->ncounters, "ipc:mh");
		json_real(j, "ipc_host", sc && sc->ratio >= 0 ? sc->ratio : -1);
		json_str(j, "ipc_host_why", sc ? sc->why : "not counted");
	}
	json_counters(c, "counters", t->counters, t->ncounters, "perf", false);
	json_obj_end(j);
}

static void json_thread(struct ctx *c, const struct snap_thread *t)
{
	struct json *j = &c->j;

	json_obj(j, NULL);
	json_int(j, "tid", t->tid);
	word(c, "kind", t->kind, snapjson_thread_kind);
	json_int(j, "index", t->index);
	json_int(j, "threads", t->nthreads);
	json_str(j, "comm", t->comm);
	json_bool(j, "gone", t->gone);
	json_cpu(c, &t->cpu);
	json_split(c, &t->split);
	if (t->kind != THREAD_OTHER || has_counters(t, false))
		json_perf(c, t);
	if (t->kind != THREAD_OTHER || has_counters(t, true))
		json_counters(c, "counters", t->counters, t->ncounters, "perf", true);
	if (t->kind == THREAD_VCPU || t->nexits || t->exits_count || !same(t->exits_rate, 0)) {
		derived(c, "exits_rate", t->exits_rate,
			snapjson_per_s(t->exits_count, c->window_ns));
		json_uint(j, "exits_count", t->exits_count);
		json_exits(c, t->exits, t->nexits);
	}
	json_obj_end(j);
}

/* The VM's wake graph and round trips; empty arrays when nothing woke. */
static void json_wake(struct ctx *c, const struct snap_wake *w)
{
	struct json *j = &c->j;
	int i;

	json_obj(j, "wake");
	json_uint(j, "unmatched", w ? w->unmatched : 0);
	json_arr(j, "edges");
	for (i = 0; w && i < w->nedges; i++) {
		const struct snap_wake_edge *e = &w->edges[i];

		json_obj(j, NULL);
		json_bool(j, "other", e->other);
		json_int(j, "waker_tid", e->waker);
		json_str(j, "waker", e->waker_comm);
		/* The other bucket has no kind of node: "" as before schema 2. */
		if (e->other && !e->waker_node)
			json_str(j, "waker_kind", "");
		else
			word(c, "waker_kind", e->waker_node, snapjson_wake_node);
		json_int(j, "wakee_tid", e->wakee);
		json_str(j, "wakee", e->wakee_comm);
		if (e->other && !e->wakee_node)
			json_str(j, "wakee_kind", "");
		else
			word(c, "wakee_kind", e->wakee_node, snapjson_wake_node);
		word(c, "how", e->cls, snapjson_wake_how);
		json_uint(j, "count", e->count);
		derived(c, "rate", e->rate, snapjson_wake_rate(e->count, c->window_ns));
		json_uint(j, "awake", e->awake);
		json_uint(j, "timed", e->timed);
		json_real(j, "lat_mean_ns", e->mean_ns);
		json_int_unk(j, "lat_p50_ns", e->p50_ns);
		json_int_unk(j, "lat_p99_ns", e->p99_ns);
		json_int_unk(j, "lat_max_ns", e->max_ns);
		est_mark(c, "estimate", e->est);
		json_lat(c, "lat_buckets", &e->lat);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr(j, "round_trips");
	for (i = 0; w && i < w->nrts; i++) {
		const struct snap_wake_rt *r = &w->rts[i];

		json_obj(j, NULL);
		json_bool(j, "other", r->other);
		word(c, "kind", r->kind, snapjson_hot_kind);
		json_addr(c, r->addr, r->other);
		json_uint(j, "count", r->count);
		derived(c, "rate", r->rate, snapjson_wake_rate(r->count, c->window_ns));
		json_int_unk(j, "p50_ns", r->p50_ns);
		json_int_unk(j, "p99_ns", r->p99_ns);
		json_int_unk(j, "max_ns", r->max_ns);
		derived(c, "mean_ns", r->mean_ns, snapjson_rt_mean(r));
		json_real(j, "notify_to_iothread_ns", r->notify_run_ns);
		json_real(j, "iothread_to_inject_ns", r->run_inject_ns);
		json_real(j, "inject_to_vcpu_ns", r->inject_run_ns);
		est_mark(c, "estimate", r->est);
		json_lat(c, "lat_buckets", &r->lat);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_hints(struct ctx *c, const struct snap_vm *v)
{
	struct json *j = &c->j;
	bool raw = false;
	int i, k;

	json_arr(j, "hints");
	for (i = 0; i < v->nhints; i++) {
		const unsigned char *p = (const unsigned char *)v->hints[i].text;
		size_t left = strlen(v->hints[i].text);

		json_str(j, NULL, v->hints[i].text);
		for (; left; p += k, left -= (size_t)k) {
			k = json_utf8_len(p, left);
			if (!k) {
				raw = true;
				break;
			}
		}
	}
	json_arr_end(j);
	if (!raw)
		return;
	/* json_str() cannot add KEY_hex inside an array: the list of them follows it. */
	json_arr(j, "hints_hex");
	for (i = 0; i < v->nhints; i++) {
		char hex[2 * sizeof(v->hints[i].text) + 1];
		const unsigned char *p = (const unsigned char *)v->hints[i].text;

		for (k = 0; p[k] && k < (int)sizeof(v->hints[i].text); k++)
			snprintf(hex + 2 * k, 3, "%02x", p[k]);
		hex[2 * k] = '\0';
		json_str(j, NULL, hex);
	}
	json_arr_end(j);
}

static void json_vm(struct ctx *c, const struct snap_vm *v)
{
	char lb[SNAP_LABEL_MAX];
	struct json *j = &c->j;
	int i;

	json_obj(j, NULL);
	if (c->full)
		json_str(j, "label", snap_vm_label(v, lb, sizeof(lb)));
	json_str(j, "name", v->name);
	json_int(j, "pid", v->pid);
	json_str(j, "comm", v->comm);
	json_str(j, "uuid", v->uuid);
	json_str(j, "id", v->id);
	json_mgmt(c, &v->mgmt);
	json_bool(j, "gone", v->gone);
	json_uint(j, "starttime", v->starttime);
	json_int(j, "vcpus", v->nvcpus);
	json_int(j, "iothreads", v->niothreads);
	json_int(j, "other_threads", v->nother);
	json_cpu(c, &v->cpu);
	json_arr(j, "threads");
	for (i = 0; i < v->nthreads; i++)
		json_thread(c, &v->threads[i]);
	json_arr_end(j);
	derived(c, "exits_rate", v->exits_rate, snapjson_per_s(v->exits_count, c->window_ns));
	json_uint(j, "exits_count", v->exits_count);
	est_mark(c, "exits_estimate", v->exits_est);
	json_str(j, "top_exit", v->top_exit);
	derived(c, "top_exit_share_pct", v->top_exit_share,
		snapjson_top_exit_share(v->exits, v->nexits));
	json_split(c, &v->split);
	json_exits(c, v->exits, v->nexits);
	json_hot(c, v);
	json_counters(c, "counters", v->counters, v->ncounters, NULL, false);
	json_wake(c, v->wake);
	json_hints(c, v);
	json_obj_end(j);
}

void snapjson_write_form(FILE *f, const struct snapshot *s, const regex_t *filter,
			 enum snapjson_form form)
{
	struct pane_opts po = { .utf8 = true, .filter = filter };
	struct ctx c = { .full = form == SNAPJSON_FULL, .window_ns = s->window_ns };
	struct json *j = &c.j;
	time_t wall = (time_t)s->wall_s;
	char tbuf[32];
	struct tm tm;
	int i;

	json_init(j, f);
	json_obj(j, NULL);
	json_int(j, "schema", SNAPJSON_SCHEMA);
	json_uint(j, "seq", s->seq);
	if (c.full && !s->wall_s && s->trace_ns) {
		/* A trace file's tick has no wall clock: its time is trace_ns. */
		json_null(j, "time");
	} else if (c.full) {
		if (gmtime_r(&wall, &tm))
			strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		else
			snprintf(tbuf, sizeof(tbuf), "?");
		json_str(j, "time", tbuf);
	}
	json_int(j, "wall_s", s->wall_s);
	json_uint(j, "ts_ns", s->ts_ns);
	if (s->trace_ns)
		json_uint(j, "trace_ns", s->trace_ns);
	if (c.full)
		json_real(j, "interval_s", (double)s->interval_ns / 1e9);
	json_uint(j, "interval_ns", s->interval_ns);
	json_bool(j, "cumulative", s->cumulative);
	if (c.full)
		json_real(j, "window_s", (double)s->window_ns / 1e9);
	json_uint(j, "window_ns", s->window_ns);
	json_obj(j, "host");
	json_str(j, "hostname", s->host.hostname);
	json_str(j, "kernel", s->host.release);
	json_str(j, "kvm", s->host.kvm_module);
	json_bool(j, "kvm_dev", !s->host.kvm_unregistered);
	json_int(j, "cpus", s->host.ncpus);
	json_obj_end(j);
	json_arr(j, "sources");
	for (i = 0; i < s->nsources && i < SNAP_SOURCES_MAX; i++) {
		json_obj(j, NULL);
		json_str(j, "name", s->sources[i].name);
		word(&c, "state", s->sources[i].state, snapjson_state);
		json_str(j, "why", s->sources[i].why);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj(j, "procfs");
	json_int(j, "unreadable", s->procfs.unreadable);
	json_int(j, "unreadable_vmms", s->procfs.unreadable_vmms);
	json_bool(j, "others_hidden", s->procfs.others_hidden);
	json_obj_end(j);
	json_obj(j, "events");
	json_uint(j, "count", s->events);
	json_uint(j, "lost", s->events_lost);
	json_uint(j, "unattributed", s->events_unattributed);
	json_obj_end(j);
	json_obj(j, "detail");
	word(&c, "mode", s->detail.mode, snapjson_detail_mode);
	json_real(j, "ratio", s->detail.ratio);
	json_real(j, "traced_rate", s->detail.traced_rate);
	json_real(j, "exact_rate", s->detail.exact_rate);
	json_real(j, "budget", s->detail.budget);
	json_int(j, "focus_pid", s->detail.focus_pid);
	json_real(j, "focus_rate", s->detail.focus_rate);
	json_real(j, "own_cpu_pct", s->detail.own_cpu);
	json_uint(j, "lost", s->detail.lost);
	json_real(j, "lost_pct", s->detail.lost_share);
	json_obj_end(j);
	derived(&c, "exits_rate", s->exits_rate, snapjson_host_exits_rate(s, filter));
	json_counters(&c, "counters", s->counters, s->ncounters, NULL, false);
	json_arr(j, "vms");
	for (i = 0; i < s->nvms; i++)
		if (pane_vm_visible(&s->vms[i], &po))
			json_vm(&c, &s->vms[i]);
	json_arr_end(j);
	json_obj_end(j);
}

void snapjson_write(FILE *f, const struct snapshot *s, const regex_t *filter)
{
	snapjson_write_form(f, s, filter, SNAPJSON_FULL);
}
