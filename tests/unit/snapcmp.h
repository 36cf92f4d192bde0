/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots compared field by field, for the tests of what reads them back (JSON, the
 * recording): snapcmp() names the first field that differs. Doubles compare bit for bit
 * (-0 is not 0), except that any NaN equals any NaN (JSON has one "NaN"); strings compare up
 * to their NUL; a VM's wake graph that is NULL equals one with nothing in it.
 *
 * And snapfull(): a snapshot with every field set, to a value of its own where it can be,
 * including strings with control bytes and bytes that are not UTF-8, the "unknown" -1s, NaN,
 * infinities, -0, the largest integers, and rows that are gone.
 */
#ifndef KVMSCOPE_SNAPCMP_H
#define KVMSCOPE_SNAPCMP_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"
#include "util.h"

struct snapcmp {
	char *why;
	size_t n;
	char path[160];
	bool differ;
	bool lat; /* the latency distributions too: only the full JSON form carries them */
};

/* Compares two distributions bucket by bucket, when c->lat. */
#define SC_LAT(c, pa, pb, f)                                                                       \
	do {                                                                                       \
		int k_;                                                                            \
		for (k_ = 0; (c)->lat && k_ < SNAP_LAT_BUCKETS; k_++)                              \
			if ((pa)->f.b[k_] != (pb)->f.b[k_])                                        \
				SC_AT(c, "." #f "[%d]: %llu != %llu", k_,                          \
				      (unsigned long long)(pa)->f.b[k_],                           \
				      (unsigned long long)(pb)->f.b[k_]);                          \
	} while (0)

static inline bool snapcmp_dbl_eq(double a, double b)
{
	return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof(a));
}

#define SC_AT(c, fmt, ...)                                                                         \
	do {                                                                                       \
		if (!(c)->differ) {                                                                \
			(c)->differ = true;                                                        \
			snprintf((c)->why, (c)->n, "%s" fmt, (c)->path, __VA_ARGS__);              \
		}                                                                                  \
	} while (0)
#define SC_D(c, a, b, f)                                                                           \
	do {                                                                                       \
		if (!snapcmp_dbl_eq((a)->f, (b)->f))                                               \
			SC_AT(c, "." #f ": %.17g != %.17g", (double)(a)->f, (double)(b)->f);       \
	} while (0)
#define SC_I(c, a, b, f)                                                                           \
	do {                                                                                       \
		if ((a)->f != (b)->f)                                                              \
			SC_AT(c, "." #f ": %lld != %lld", (long long)(a)->f, (long long)(b)->f);   \
	} while (0)
#define SC_S(c, a, b, f)                                                                           \
	do {                                                                                       \
		if (strcmp((a)->f, (b)->f))                                                        \
			SC_AT(c, "." #f ": \"%s\" != \"%s\"", (a)->f, (b)->f);                     \
	} while (0)

/* Appends "name[i]" to the path for what follows; returns the old length to restore. */
static inline size_t snapcmp_in(struct snapcmp *c, const char *name, int i)
{
	size_t len = strlen(c->path);

	if (i >= 0)
		snprintf(c->path + len, sizeof(c->path) - len, ".%s[%d]", name, i);
	else
		snprintf(c->path + len, sizeof(c->path) - len, ".%s", name);
	return len;
}

static inline void snapcmp_cpu(struct snapcmp *c, const struct cpu_split *a,
			       const struct cpu_split *b)
{
	SC_D(c, a, b, cpu);
	SC_D(c, a, b, guest);
	SC_D(c, a, b, host);
	SC_D(c, a, b, steal);
	SC_D(c, a, b, cs);
}

static inline void snapcmp_split(struct snapcmp *c, const struct exit_split *a,
				 const struct exit_split *b)
{
	SC_I(c, a, b, source);
	SC_D(c, a, b, guest);
	SC_D(c, a, b, kernel);
	SC_D(c, a, b, user);
	SC_D(c, a, b, halted);
	SC_D(c, a, b, waiting);
	SC_I(c, a, b, sched);
	SC_I(c, a, b, est);
}

static inline void snapcmp_exits(struct snapcmp *c, const struct snap_exit *a, int na,
				 const struct snap_exit *b, int nb)
{
	int i;

	if (na != nb) {
		SC_AT(c, ".nexits: %d != %d", na, nb);
		return;
	}
	for (i = 0; i < na; i++) {
		size_t at = snapcmp_in(c, "exits", i);

		SC_S(c, &a[i], &b[i], name);
		SC_I(c, &a[i], &b[i], reason);
		SC_I(c, &a[i], &b[i], kind);
		SC_I(c, &a[i], &b[i], count);
		SC_D(c, &a[i], &b[i], rate);
		SC_D(c, &a[i], &b[i], share);
		SC_I(c, &a[i], &b[i], total_ns);
		SC_I(c, &a[i], &b[i], max_ns);
		SC_I(c, &a[i], &b[i], p99_ns);
		SC_I(c, &a[i], &b[i], p50_ns);
		SC_LAT(c, &a[i], &b[i], lat);
		SC_D(c, &a[i], &b[i], mean_ns);
		SC_D(c, &a[i], &b[i], time_share);
		SC_I(c, &a[i], &b[i], hot);
		SC_I(c, &a[i], &b[i], est);
		SC_I(c, &a[i], &b[i], traced);
		SC_I(c, &a[i], &b[i], timed);
		SC_I(c, &a[i], &b[i], vmm_count);
		SC_I(c, &a[i], &b[i], vmm_total_ns);
		SC_I(c, &a[i], &b[i], vmm_max_ns);
		SC_D(c, &a[i], &b[i], vmm_mean_ns);
		SC_D(c, &a[i], &b[i], vmm_share);
		SC_I(c, &a[i], &b[i], vmm_p50_ns);
		SC_I(c, &a[i], &b[i], vmm_p99_ns);
		SC_LAT(c, &a[i], &b[i], vmm_lat);
		c->path[at] = '\0';
	}
}

static inline void snapcmp_counters(struct snapcmp *c, const struct snap_counter *a, int na,
				    const struct snap_counter *b, int nb)
{
	int i;

	if (na != nb) {
		SC_AT(c, ".ncounters: %d != %d", na, nb);
		return;
	}
	for (i = 0; i < na; i++) {
		size_t at = snapcmp_in(c, "counters", i);

		SC_S(c, &a[i], &b[i], name);
		SC_S(c, &a[i], &b[i], source);
		SC_I(c, &a[i], &b[i], kind);
		SC_I(c, &a[i], &b[i], value);
		SC_I(c, &a[i], &b[i], count);
		SC_D(c, &a[i], &b[i], rate);
		SC_D(c, &a[i], &b[i], share);
		SC_D(c, &a[i], &b[i], ratio);
		SC_D(c, &a[i], &b[i], scale);
		SC_I(c, &a[i], &b[i], p50);
		SC_S(c, &a[i], &b[i], why);
		c->path[at] = '\0';
	}
}

static inline void snapcmp_wake(struct snapcmp *c, const struct snap_wake *a,
				const struct snap_wake *b)
{
	static const struct snap_wake none;
	int i;

	a = a ? a : &none;
	b = b ? b : &none;
	SC_I(c, a, b, unmatched);
	SC_I(c, a, b, nedges);
	SC_I(c, a, b, nrts);
	for (i = 0; !c->differ && i < a->nedges; i++) {
		const struct snap_wake_edge *x = &a->edges[i], *y = &b->edges[i];
		size_t at = snapcmp_in(c, "wake.edges", i);

		SC_I(c, x, y, waker);
		SC_I(c, x, y, wakee);
		SC_I(c, x, y, waker_node);
		SC_I(c, x, y, wakee_node);
		SC_I(c, x, y, cls);
		SC_I(c, x, y, other);
		SC_S(c, x, y, waker_comm);
		SC_S(c, x, y, wakee_comm);
		SC_I(c, x, y, count);
		SC_D(c, x, y, rate);
		SC_I(c, x, y, awake);
		SC_I(c, x, y, timed);
		SC_D(c, x, y, mean_ns);
		SC_I(c, x, y, p50_ns);
		SC_I(c, x, y, p99_ns);
		SC_I(c, x, y, max_ns);
		SC_I(c, x, y, est);
		SC_LAT(c, x, y, lat);
		c->path[at] = '\0';
	}
	for (i = 0; !c->differ && i < a->nrts; i++) {
		const struct snap_wake_rt *x = &a->rts[i], *y = &b->rts[i];
		size_t at = snapcmp_in(c, "wake.rts", i);

		SC_I(c, x, y, kind);
		SC_I(c, x, y, other);
		SC_I(c, x, y, addr);
		SC_I(c, x, y, count);
		SC_D(c, x, y, rate);
		SC_I(c, x, y, p50_ns);
		SC_I(c, x, y, p99_ns);
		SC_I(c, x, y, max_ns);
		SC_D(c, x, y, mean_ns);
		SC_D(c, x, y, notify_run_ns);
		SC_D(c, x, y, run_inject_ns);
		SC_D(c, x, y, inject_run_ns);
		SC_I(c, x, y, est);
		SC_LAT(c, x, y, lat);
		c->path[at] = '\0';
	}
}

static inline void snapcmp_thread(struct snapcmp *c, const struct snap_thread *a,
				  const struct snap_thread *b)
{
	SC_I(c, a, b, tid);
	SC_I(c, a, b, kind);
	SC_I(c, a, b, index);
	SC_I(c, a, b, nthreads);
	SC_S(c, a, b, comm);
	SC_I(c, a, b, gone);
	snapcmp_cpu(c, &a->cpu, &b->cpu);
	snapcmp_split(c, &a->split, &b->split);
	SC_D(c, a, b, exits_rate);
	SC_I(c, a, b, exits_count);
	snapcmp_exits(c, a->exits, a->nexits, b->exits, b->nexits);
	snapcmp_counters(c, a->counters, a->ncounters, b->counters, b->ncounters);
}

static inline void snapcmp_mgmt(struct snapcmp *c, const struct snap_mgmt *a,
				const struct snap_mgmt *b)
{
	SC_I(c, a, b, source);
	SC_I(c, a, b, state);
	SC_S(c, a, b, why);
	SC_S(c, a, b, name);
	SC_S(c, a, b, title);
	SC_S(c, a, b, uuid);
	SC_S(c, a, b, nova_name);
	SC_S(c, a, b, nova_project);
	SC_S(c, a, b, nova_user);
	SC_S(c, a, b, nova_flavor);
}

static inline void snapcmp_vm(struct snapcmp *c, const struct snap_vm *a, const struct snap_vm *b)
{
	size_t in;
	int i;

	SC_I(c, a, b, pid);
	SC_I(c, a, b, starttime);
	SC_S(c, a, b, name);
	SC_S(c, a, b, comm);
	SC_S(c, a, b, uuid);
	SC_S(c, a, b, id);
	in = snapcmp_in(c, "mgmt", -1);
	snapcmp_mgmt(c, &a->mgmt, &b->mgmt);
	c->path[in] = '\0';
	SC_I(c, a, b, gone);
	SC_I(c, a, b, nvcpus);
	SC_I(c, a, b, niothreads);
	SC_I(c, a, b, nother);
	snapcmp_cpu(c, &a->cpu, &b->cpu);
	snapcmp_split(c, &a->split, &b->split);
	SC_D(c, a, b, exits_rate);
	SC_I(c, a, b, exits_count);
	SC_I(c, a, b, exits_est);
	SC_S(c, a, b, top_exit);
	SC_D(c, a, b, top_exit_share);
	SC_I(c, a, b, nthreads);
	for (i = 0; !c->differ && i < a->nthreads; i++) {
		size_t at = snapcmp_in(c, "threads", i);

		snapcmp_thread(c, &a->threads[i], &b->threads[i]);
		c->path[at] = '\0';
	}
	snapcmp_exits(c, a->exits, a->nexits, b->exits, b->nexits);
	SC_I(c, a, b, nhot);
	for (i = 0; !c->differ && i < a->nhot; i++) {
		const struct snap_hot *x = &a->hot[i], *y = &b->hot[i];
		size_t at = snapcmp_in(c, "hot", i);

		SC_I(c, x, y, kind);
		SC_I(c, x, y, rw);
		SC_I(c, x, y, size);
		SC_I(c, x, y, other);
		SC_I(c, x, y, user);
		SC_I(c, x, y, pattern);
		SC_I(c, x, y, addr);
		SC_S(c, x, y, name);
		SC_I(c, x, y, count);
		SC_D(c, x, y, rate);
		SC_D(c, x, y, share);
		SC_I(c, x, y, total_ns);
		SC_D(c, x, y, mean_ns);
		SC_D(c, x, y, time_share);
		SC_I(c, x, y, est);
		SC_I(c, x, y, traced);
		c->path[at] = '\0';
	}
	SC_I(c, a, b, nhints);
	for (i = 0; !c->differ && i < a->nhints; i++) {
		size_t at = snapcmp_in(c, "hints", i);

		SC_S(c, &a->hints[i], &b->hints[i], text);
		c->path[at] = '\0';
	}
	snapcmp_counters(c, a->counters, a->ncounters, b->counters, b->ncounters);
	snapcmp_wake(c, a->wake, b->wake);
}

/* Returns 0 when a and b are the same snapshot, else 1 with the first difference in why. */
/*
 * Returns 0 when a and b are the same, else 1 with why naming the first field that differs;
 * lat: the latency distributions too (the full JSON form), else they are left out (a
 * recording's compact form has none).
 */
static inline int snapcmp_lat(const struct snapshot *a, const struct snapshot *b, char *why,
			      size_t n, bool lat)
{
	struct snapcmp c = { .why = why, .n = n, .lat = lat };
	int i;

	why[0] = '\0';
	SC_I(&c, a, b, seq);
	SC_I(&c, a, b, ts_ns);
	SC_I(&c, a, b, wall_s);
	SC_I(&c, a, b, trace_ns);
	SC_I(&c, a, b, interval_ns);
	SC_I(&c, a, b, cumulative);
	SC_I(&c, a, b, window_ns);
	SC_S(&c, &a->host, &b->host, hostname);
	SC_S(&c, &a->host, &b->host, release);
	SC_S(&c, &a->host, &b->host, kvm_module);
	SC_I(&c, &a->host, &b->host, kvm_unregistered);
	SC_I(&c, &a->host, &b->host, ncpus);
	SC_I(&c, a, b, nsources);
	for (i = 0; !c.differ && i < a->nsources; i++) {
		size_t at = snapcmp_in(&c, "sources", i);

		SC_S(&c, &a->sources[i], &b->sources[i], name);
		SC_I(&c, &a->sources[i], &b->sources[i], state);
		SC_S(&c, &a->sources[i], &b->sources[i], why);
		c.path[at] = '\0';
	}
	SC_I(&c, a, b, events);
	SC_I(&c, a, b, events_lost);
	SC_I(&c, a, b, procfs.unreadable);
	SC_I(&c, a, b, procfs.unreadable_vmms);
	SC_I(&c, a, b, procfs.others_hidden);
	SC_I(&c, a, b, events_unattributed);
	SC_I(&c, a, b, detail.mode);
	SC_D(&c, a, b, detail.ratio);
	SC_D(&c, a, b, detail.traced_rate);
	SC_D(&c, a, b, detail.exact_rate);
	SC_D(&c, a, b, detail.budget);
	SC_I(&c, a, b, detail.focus_pid);
	SC_D(&c, a, b, detail.focus_rate);
	SC_D(&c, a, b, detail.own_cpu);
	SC_I(&c, a, b, detail.lost);
	SC_D(&c, a, b, detail.lost_share);
	SC_D(&c, a, b, exits_rate);
	snapcmp_counters(&c, a->counters, a->ncounters, b->counters, b->ncounters);
	SC_I(&c, a, b, nvms);
	for (i = 0; !c.differ && i < a->nvms; i++) {
		size_t at = snapcmp_in(&c, "vms", i);

		snapcmp_vm(&c, &a->vms[i], &b->vms[i]);
		c.path[at] = '\0';
	}
	return c.differ;
}

/* Returns snapcmp_lat() without the distributions. */
static inline int snapcmp(const struct snapshot *a, const struct snapshot *b, char *why, size_t n)
{
	return snapcmp_lat(a, b, why, n, false);
}

/* ---- a snapshot with every field set ---- */

/* Fills a counter with values of its own, seeded by k. */
static inline void snapfull_counter(struct snap_counter *c, const char *name, const char *source,
				    int kind, int k)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->source, sizeof(c->source), "%s", source);
	c->kind = (uint8_t)kind;
	c->value = 1000003ull * (uint64_t)(k + 1);
	c->count = 7919ull + (uint64_t)k;
	/* A rate over a window of its own, as the model computes it: the compact form's case. */
	c->rate = (double)c->count * 1e9 / (999999937.0 + k);
	c->share = kind == SNAP_CTR_TIME_NS ? 100.0 * (double)c->count / (999999937.0 + k) : -1;
	c->ratio = k % 3 ? -1 : 1.0 / (k + 3);
	c->scale = k % 2 ? 1 : 1.25 + k;
	c->p50 = kind == SNAP_CTR_HIST ? 4096ull << k : 0;
	if (k % 4 == 3)
		snprintf(c->why, sizeof(c->why), "no PMU %d", k);
}

static inline void snapfull_exit(struct snap_exit *e, int k, uint64_t window_ns)
{
	snprintf(e->name, sizeof(e->name), "EXIT_%d\x01\xfe", k);
	e->reason = 0x80000000u + (uint32_t)k;
	e->kind = (uint8_t)(k % 3);
	e->count = 100003ull * (uint64_t)(k + 1);
	e->rate = (double)e->count * 1e9 / (double)window_ns;
	e->share = 12.5 + k; /* not what a reader computes: kept as it is */
	e->total_ns = k == 1 ? 0 : 5000011ull * (uint64_t)(k + 1);
	e->max_ns = k == 1 ? 0 : UINT64_MAX - (uint64_t)k;
	e->p99_ns = k == 1 ? 0 : 123457ull;
	e->p50_ns = k == 1 ? 0 : 65537ull;
	e->lat.b[0] = k == 1 ? 0 : 1;
	e->lat.b[16] = k == 1 ? 0 : 12345;
	e->lat.b[SNAP_LAT_BUCKETS - 1] = k == 1 ? 0 : UINT64_MAX - 9;
	e->mean_ns = k == 1 ? 0 : 1.0 / 7 + k;
	e->time_share = k == 1 ? -1 : 3.0 / 7;
	e->hot = (int8_t)(k % 4 == 3 ? -1 : k % 3);
	e->est = k % 2;
	e->traced = k % 2 ? e->count / 100 : e->count;
	e->timed = k == 1 ? 5 : 9973ull + (uint64_t)k;
	/* The VMM's part: untimed for k == 1, a share a reader recomputes for k == 2. */
	e->vmm_count = e->count / 3 + (uint64_t)k;
	e->vmm_total_ns = k == 1 ? 0 : 777777ull * (uint64_t)(k + 1);
	e->vmm_max_ns = k == 1 ? 0 : 99999ull + (uint64_t)k;
	e->vmm_mean_ns = k == 1 ? -1 : 2.0 / 9 + k;
	e->vmm_share = k == 2 ? 100.0 * (double)e->vmm_count / (double)e->count : 33.25 + k;
	e->vmm_p50_ns = k == 1 ? 0 : 4097;
	e->vmm_p99_ns = k == 1 ? 0 : 99999ull;
	e->vmm_lat.b[12] = k == 1 ? 0 : 77;
}

/* Returns a snapshot with every field of every struct set; free with snapshot_free(). */
static inline struct snapshot *snapfull(void)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	int v, t, i;

	s->seq = 4000000001u;
	s->ts_ns = 18446744073709551557ull; /* the largest 64-bit prime */
	s->wall_s = -2208988800ll;	    /* 1900-01-01: the time text cannot say it */
	s->trace_ns = 5000000029ull;
	s->interval_ns = 1000000007ull;
	s->cumulative = true;
	s->window_ns = 3600000000011ull;
	snprintf(s->host.hostname, sizeof(s->host.hostname), "hv\x1b[31m-\xff\xfe\xc3\x28");
	snprintf(s->host.release, sizeof(s->host.release), "6.18.0-\xe2\x82\xac");
	snprintf(s->host.kvm_module, sizeof(s->host.kvm_module), "kvm_amd");
	s->host.kvm_unregistered = true;
	s->host.ncpus = 512;
	s->nsources = SNAP_SOURCES_MAX;
	for (i = 0; i < SNAP_SOURCES_MAX; i++) {
		snprintf(s->sources[i].name, sizeof(s->sources[i].name), "src%d\t", i);
		s->sources[i].state = (uint8_t)(i < 4 ? i : 200 + i); /* past the enum: a number */
		snprintf(s->sources[i].why, sizeof(s->sources[i].why), "why %d: \"quoted\" \\ \x7f",
			 i);
	}
	s->events = UINT64_MAX;
	s->events_lost = 1ull << 63;
	s->procfs.unreadable = 7;
	s->procfs.unreadable_vmms = 3;
	s->procfs.others_hidden = true;
	s->events_unattributed = 42;
	s->detail = (struct snap_detail){ .mode = SNAP_DETAIL_SAMPLED,
					  .ratio = 1.0 / 97,
					  .traced_rate = 19999.5,
					  .exact_rate = 2.2e6 + 1.0 / 3,
					  .budget = 20000,
					  .focus_pid = 1001,
					  .focus_rate = 0.125,
					  .own_cpu = 0.3 + 1e-9,
					  .lost = 3370000,
					  .lost_share = 100.0 / 3 };
	s->exits_rate = 0.1 + 0.2; /* not the sum of the VMs' */
	s->ncounters = 5;
	s->counters = xcalloc((size_t)s->ncounters, sizeof(*s->counters));
	for (i = 0; i < s->ncounters; i++)
		snapfull_counter(&s->counters[i], i == 4 ? "halt_poll_success_hist[0]" : "exits",
				 "debugfs", i, i);
	s->nvms = 3;
	s->vms = xcalloc((size_t)s->nvms, sizeof(*s->vms));
	for (v = 0; v < s->nvms; v++) {
		struct snap_vm *vm = &s->vms[v];

		vm->pid = 1000 + v;
		vm->starttime = 98765432100ull + (uint64_t)v;
		if (v == 1)
			snprintf(vm->name, sizeof(vm->name),
				 "web-3\x1b]0;owned\x07 \xed\xa0\x80 \xf4\x90");
		else if (v == 0)
			snprintf(vm->name, sizeof(vm->name), "caf\xc3\xa9 \xe6\x97\xa5");
		snprintf(vm->comm, sizeof(vm->comm), "qemu\x01%d", v);
		snprintf(vm->uuid, sizeof(vm->uuid), "00000000-0000-0000-0000-00000000000%u",
			 (unsigned int)v % 10u);
		/* Names from libvirt, nova and Proxmox: written by others, bytes of any kind. */
		if (v == 0) {
			struct snap_mgmt *m = &vm->mgmt;

			m->source = SNAP_MGMT_LIBVIRT;
			m->state = SNAP_SRC_OK;
			snprintf(m->name, sizeof(m->name), "instance-0000a3f1");
			snprintf(m->title, sizeof(m->title), "web-3 \"acme\" \x1b[2J\xff");
			snprintf(m->uuid, sizeof(m->uuid), "00000000-0000-0000-0000-0000000000aa");
			snprintf(m->nova_name, sizeof(m->nova_name), "web-3 \xc3\xa9\\");
			snprintf(m->nova_project, sizeof(m->nova_project), "acme\x07");
			snprintf(m->nova_user, sizeof(m->nova_user), "alice");
			snprintf(m->nova_flavor, sizeof(m->nova_flavor), "m1.small");
		} else if (v == 1) {
			vm->mgmt.source = SNAP_MGMT_PROXMOX;
			vm->mgmt.state = SNAP_SRC_UNAVAILABLE;
			snprintf(vm->mgmt.why, sizeof(vm->mgmt.why), "101.conf: %s",
				 "over the 1024 KiB cap");
			snprintf(vm->id, sizeof(vm->id), "101\x01\xfe");
		} else {
			vm->mgmt.source = 7; /* a layer without a word: written as its number */
			vm->mgmt.state = SNAP_SRC_OFF;
		}
		vm->gone = v == 2;
		vm->nvcpus = 2;
		vm->niothreads = 1;
		vm->nother = 3 + v;
		vm->cpu = (struct cpu_split){ 150.25 + v, 100.0 / 3, 150.25 + v - 100.0 / 3,
					      v ? -0.0 : 1e-300, 1e6 / 7 };
		if (v == 2)
			vm->cpu = (struct cpu_split){ -1, -1, -1, -1, -1 };
		vm->split = (struct exit_split){ SPLIT_EVENTS, 50.5, 20.25, -1, 10, 19.25, true, v };
		vm->exits_est = v == 1;
		vm->exits_count = 300009ull + (uint64_t)v;
		vm->exits_rate = (double)vm->exits_count * 1e9 / (double)s->window_ns;
		snprintf(vm->top_exit, sizeof(vm->top_exit), "EXIT_0\x01\xfe");
		vm->top_exit_share = v == 1 ? NAN : 77.7;
		vm->nthreads = 4;
		vm->threads = xcalloc(4, sizeof(*vm->threads));
		for (t = 0; t < 4; t++) {
			struct snap_thread *th = &vm->threads[t];

			th->tid = 2000 + 10 * v + t;
			th->kind = t < 2 ? THREAD_VCPU : t == 2 ? THREAD_IOTHREAD : THREAD_OTHER;
			th->index = t < 2 ? t : -1;
			th->nthreads = t == 3 ? 3 + v : 1;
			if (t == 3)
				th->tid = 0;
			snprintf(th->comm, sizeof(th->comm), t < 2 ? "CPU %d/KVM" : "IO \xff%d", t);
			th->gone = t == 1 && v == 0;
			th->cpu =
				(struct cpu_split){ 99.5 - t, INFINITY, -INFINITY, 0.5, 200.0 + t };
			th->split = (struct exit_split){
				(uint8_t)(t % 3), 1.0 / 3, -1, 2.0 / 3, 0, 0, t % 2
			};
			th->exits_count = t < 2 ? 5000ull + (uint64_t)t : 0;
			th->exits_rate =
				t < 2 ? (double)th->exits_count * 1e9 / (double)s->window_ns : 0;
			if (t < 2) {
				th->nexits = 2;
				th->exits = xcalloc(2, sizeof(*th->exits));
				for (i = 0; i < 2; i++)
					snapfull_exit(&th->exits[i], i + t, s->window_ns);
			}
			/* The model's order: a thread's perf counters, then the others. */
			if (t < 3 || v == 1) {
				th->ncounters = 4;
				th->counters = xcalloc(4, sizeof(*th->counters));
				snapfull_counter(&th->counters[0], "task-clock", "perf",
						 SNAP_CTR_TIME_NS, t);
				snapfull_counter(&th->counters[1], "ipc:mg", "perf", SNAP_CTR_RATIO,
						 t + 1);
				snapfull_counter(&th->counters[2], "kvm_pio", "tracepoint",
						 SNAP_CTR_COUNT, t + 2);
				snapfull_counter(&th->counters[3], "pages_4k", "debugfs",
						 SNAP_CTR_GAUGE, t + 3);
				th->counters[3].rate = -1;
				th->counters[3].share = -1;
			}
		}
		vm->nexits = 4;
		vm->exits = xcalloc(4, sizeof(*vm->exits));
		for (i = 0; i < 4; i++)
			snapfull_exit(&vm->exits[i], i, s->window_ns);
		vm->nhot = 4;
		vm->hot = xcalloc(4, sizeof(*vm->hot));
		for (i = 0; i < 4; i++) {
			struct snap_hot *h = &vm->hot[i];

			h->kind = (uint8_t)(i == 3 ? 7 : i % 3);
			h->rw = (uint8_t)(i == 3 ? 9 : i);
			h->size = (uint8_t)(i == 2 ? 255 : 1 << i);
			h->other = i == 2;
			h->user = i % 2;
			h->pattern = i == 0;
			h->addr = i == 2 ? 0 : i == 1 ? UINT64_MAX : 0xfee00300ull + (uint64_t)i;
			snprintf(h->name, sizeof(h->name), "%s", i ? "LAPIC ICR \xc0\x80" : "");
			h->count = 31ull * (uint64_t)(i + 1);
			h->rate = (double)h->count * 1e9 / (double)s->window_ns;
			h->share = i == 1 ? 33.25 : 100.0 * (double)h->count / (double)h->count;
			h->total_ns = i == 2 ? 0 : 777ull + (uint64_t)i;
			h->mean_ns = i == 2 ? 0 : -1; /* -1 measured: not "unknown" here */
			h->time_share = i == 2 ? -1 : 0.001 * i;
			h->est = i % 2;
			h->traced = i % 2 ? h->count / 2 : h->count;
		}
		vm->nhints = 2;
		vm->hints = xcalloc(2, sizeof(*vm->hints));
		snprintf(vm->hints[0].text, sizeof(vm->hints[0].text),
			 "ACPI PM timer: use hv-time");
		snprintf(vm->hints[1].text, sizeof(vm->hints[1].text), "\xff hint %d", v);
		vm->ncounters = 2;
		vm->counters = xcalloc(2, sizeof(*vm->counters));
		snapfull_counter(&vm->counters[0], "kvm_mmio", "tracepoint", SNAP_CTR_COUNT, v);
		snapfull_counter(&vm->counters[1], "halt_wait_ns", "debugfs", SNAP_CTR_TIME_NS, v);
		if (v == 2)
			continue; /* a VM without a wake graph */
		vm->wake = xcalloc(1, sizeof(*vm->wake) + 3 * sizeof(*vm->wake->edges) +
					      2 * sizeof(*vm->wake->rts));
		vm->wake->edges = (struct snap_wake_edge *)(vm->wake + 1);
		vm->wake->rts = (struct snap_wake_rt *)(vm->wake->edges + 3);
		vm->wake->nedges = 3;
		vm->wake->nrts = 2;
		vm->wake->unmatched = 17;
		for (i = 0; i < 3; i++) {
			struct snap_wake_edge *e = &vm->wake->edges[i];

			e->waker = i == 0 ? WAKE_TID_HARDIRQ : i == 1 ? WAKE_TID_SOFTIRQ : 2001;
			e->wakee = i == 2 ? 0 : 2002;
			e->waker_node = (uint8_t)(i == 2 ? 0 : WAKE_NODE_IRQ + i * 3);
			e->wakee_node = (uint8_t)(i == 2 ? 0 : WAKE_NODE_IOTHREAD);
			e->cls = (uint8_t)(i == 1 ? 99 : i);
			e->other = i == 2;
			snprintf(e->waker_comm, sizeof(e->waker_comm),
				 i ? "kworker/\xff" : "hardirq");
			snprintf(e->wakee_comm, sizeof(e->wakee_comm), "IO iothread0");
			e->count = 1000ull + (uint64_t)i;
			e->rate = (double)e->count / ((double)s->window_ns / 1e9);
			e->awake = 3;
			e->timed = 997;
			e->mean_ns = i == 2 ? -1 : 12345.678;
			e->p99_ns = i == 2 ? -1 : INT64_MIN + i;
			e->p50_ns = i == 2 ? -1 : 3 + i;
			e->max_ns = i == 2 ? -1 : INT64_MAX - i;
			e->est = i == 1;
			e->lat.b[i + 3] = i == 2 ? 0 : 997;
		}
		for (i = 0; i < 2; i++) {
			struct snap_wake_rt *r = &vm->wake->rts[i];

			r->kind = (uint8_t)(i ? HOT_MMIO : HOT_PIO);
			r->other = i == 1;
			r->addr = i ? 0 : 0xc050;
			r->count = i ? 0 : 999;
			r->rate = i ? 0.5 : (double)r->count / ((double)s->window_ns / 1e9);
			r->p50_ns = i ? -1 : 40000;
			r->p99_ns = i ? -1 : INT64_MAX;
			r->max_ns = i ? -1 : INT64_MAX - 1;
			r->lat.b[15] = i ? 0 : 999;
			r->notify_run_ns = i ? -1 : 1.5;
			r->run_inject_ns = i ? -1 : 2.25;
			r->inject_run_ns = i ? -1 : 1.0 / 3;
			r->mean_ns =
				i ? -1 : r->notify_run_ns + r->run_inject_ns + r->inject_run_ns;
			r->est = i == 0;
		}
	}
	return s;
}

#endif
