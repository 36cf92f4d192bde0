/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A synthetic snapshot of a busy fleet host, built by hand (no model): nvms VMs of nvcpus
 * vCPUs, each with every table full (exit reasons, 16 hot addresses per kind and the other
 * bucket, 32 wake edges, 8 round trips, perf and KVM counters, two hints). For the exporter's
 * benchmark and the HTTP server's tests: the largest exposition a host can make.
 */
#ifndef KVMSCOPE_FLEET_H
#define KVMSCOPE_FLEET_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

#define FLEET_REASONS  12
#define FLEET_UREASONS 3
#define FLEET_HOT      16
#define FLEET_EDGES    32
#define FLEET_RTS      8

static inline void *fleet_alloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

static inline void fleet_exits(struct snap_exit *e, int n, int nuser, uint64_t scale)
{
	static const char *const hw[FLEET_REASONS] = {
		"EXTERNAL_INTERRUPT",
		"HLT",
		"IO_INSTRUCTION",
		"MSR_READ",
		"MSR_WRITE",
		"APIC_ACCESS",
		"EPT_VIOLATION",
		"EPT_MISCONFIG",
		"CPUID",
		"PAUSE_INSTRUCTION",
		"PREEMPTION_TIMER",
		"APIC_WRITE",
	};
	static const char *const user[FLEET_UREASONS] = { "KVM_EXIT_IO", "KVM_EXIT_MMIO",
							  "KVM_EXIT_HLT" };
	int i;

	for (i = 0; i < n + nuser; i++) {
		bool u = i >= n;

		snprintf(e[i].name, sizeof(e[i].name), "%s", u ? user[i - n] : hw[i]);
		e[i].reason = u ? (uint32_t)(2 + i - n) : (uint32_t)(i + 1);
		e[i].kind = u ? EXIT_KIND_USER : EXIT_KIND_HW;
		e[i].count = scale * (uint64_t)(1000 / (i + 1) + 1);
		e[i].rate = (double)e[i].count;
		e[i].share = 5;
		e[i].total_ns = e[i].count * 2500;
		e[i].mean_ns = 2500;
		e[i].p99_ns = 9000;
		e[i].max_ns = 40000 + (uint64_t)i;
		e[i].time_share = 1.5;
		e[i].hot = -1;
	}
}

static inline void fleet_counters(struct snap_counter *c, int n, const char *source)
{
	static const char *const perf[] = { "task-clock",     "context-switches", "cpu-migrations",
					    "cycles:mg",      "instructions:mg",  "cycles:mh",
					    "instructions:mh" };
	int i;

	for (i = 0; i < n; i++) {
		bool p = !strcmp(source, "perf");

		if (p)
			snprintf(c[i].name, sizeof(c[i].name), "%s", perf[i % 7]);
		else
			snprintf(c[i].name, sizeof(c[i].name), "stat_%02d", i);
		snprintf(c[i].source, sizeof(c[i].source), "%s", source);
		c[i].kind = p ? (i == 0 ? SNAP_CTR_TIME_NS : SNAP_CTR_COUNT)
			      : (i % 4 == 3   ? SNAP_CTR_GAUGE
				 : i % 4 == 2 ? SNAP_CTR_TIME_NS
					      : SNAP_CTR_COUNT);
		c[i].value = 1000000u * (uint64_t)(i + 1);
		c[i].count = 1000u * (uint64_t)(i + 1);
		c[i].rate = (double)c[i].count;
		c[i].share = c[i].ratio = -1;
		c[i].scale = 1;
	}
}

/* Returns a new snapshot (free with snapshot_free) of tick seq; counts grow with seq. */
static inline struct snapshot *fleet_snapshot(int nvms, int nvcpus, unsigned int seq)
{
	struct snapshot *s = fleet_alloc(1, sizeof(*s));
	uint64_t scale = 1 + seq % 3;
	int v, k;

	s->seq = seq;
	s->ts_ns = (uint64_t)seq * 1000000000u;
	s->wall_s = 1700000000 + seq;
	s->interval_ns = s->window_ns = 1000000000u;
	snprintf(s->host.hostname, sizeof(s->host.hostname), "hv042");
	snprintf(s->host.release, sizeof(s->host.release), "6.1.0-fleet");
	snprintf(s->host.kvm_module, sizeof(s->host.kvm_module), "kvm_intel");
	s->host.ncpus = 128;
	s->nsources = 5;
	snprintf(s->sources[0].name, 16, "tracefs");
	snprintf(s->sources[1].name, 16, "procfs");
	snprintf(s->sources[2].name, 16, "perf");
	snprintf(s->sources[3].name, 16, "kvmstat");
	snprintf(s->sources[4].name, 16, "sched");
	for (k = 0; k < 5; k++)
		s->sources[k].state = SNAP_SRC_OK;
	s->events = 1000000;
	s->exits_rate = 1e6;
	s->nvms = nvms;
	s->vms = fleet_alloc((size_t)nvms, sizeof(*s->vms));
	for (v = 0; v < nvms; v++) {
		struct snap_vm *vm = &s->vms[v];
		struct snap_wake *w;
		int t, i, kind;

		vm->pid = 10000 + 100 * v;
		vm->starttime = 4242;
		snprintf(vm->name, sizeof(vm->name), "vm-%03d.fleet.example", v);
		snprintf(vm->comm, sizeof(vm->comm), "qemu-system-x86");
		snprintf(vm->uuid, sizeof(vm->uuid), "6f1c2a4e-0000-4000-8000-%012d", v);
		vm->nvcpus = nvcpus;
		vm->niothreads = 1;
		vm->nother = 4;
		vm->cpu = (struct cpu_split){ 95.0 * nvcpus, 90.0 * nvcpus, 5.0 * nvcpus, 1, 100 };
		vm->split = (struct exit_split){ SPLIT_EVENTS, 90, 5, 2, 2, 1, true };
		vm->nthreads = nvcpus + 2;
		vm->threads = fleet_alloc((size_t)vm->nthreads, sizeof(*vm->threads));
		for (t = 0; t < vm->nthreads; t++) {
			struct snap_thread *th = &vm->threads[t];
			bool vcpu = t < nvcpus, io = t == nvcpus;

			th->tid = t <= nvcpus ? vm->pid + 1 + t : 0;
			th->kind = vcpu ? THREAD_VCPU : io ? THREAD_IOTHREAD : THREAD_OTHER;
			th->index = vcpu ? t : -1;
			th->nthreads = vcpu || io ? 1 : 4;
			snprintf(th->comm, sizeof(th->comm), vcpu ? "CPU %d/KVM" : "IO iothread0",
				 t);
			th->cpu = (struct cpu_split){ 95, 90, 5, 0.5, 100 };
			th->split = vm->split;
			if (!vcpu && !io)
				continue;
			th->ncounters = 7 + (vcpu ? 4 : 0);
			th->counters = fleet_alloc((size_t)th->ncounters, sizeof(*th->counters));
			fleet_counters(th->counters, 7, "perf");
			if (vcpu) {
				fleet_counters(th->counters + 7, 4, "debugfs");
				th->nexits = 8;
				th->exits = fleet_alloc(8, sizeof(*th->exits));
				fleet_exits(th->exits, 7, 1, scale);
				th->exits_count = 1000 * scale;
				th->exits_rate = (double)th->exits_count;
			}
		}
		vm->nexits = FLEET_REASONS + FLEET_UREASONS;
		vm->exits = fleet_alloc((size_t)vm->nexits, sizeof(*vm->exits));
		fleet_exits(vm->exits, FLEET_REASONS, FLEET_UREASONS, scale);
		vm->exits_count = 10000 * scale;
		vm->exits_rate = (double)vm->exits_count;
		snprintf(vm->top_exit, sizeof(vm->top_exit), "EXTERNAL_INTERRUPT");
		vm->top_exit_share = 20;
		vm->nhot = HOT__KINDS * (FLEET_HOT + 1);
		vm->hot = fleet_alloc((size_t)vm->nhot, sizeof(*vm->hot));
		for (kind = 0, i = 0; kind < HOT__KINDS; kind++) {
			for (k = 0; k <= FLEET_HOT; k++, i++) {
				struct snap_hot *h = &vm->hot[i];

				h->kind = (uint8_t)kind;
				h->other = k == FLEET_HOT;
				h->addr = kind == HOT_MMIO ? 0xfee00000u + 0x10u * (unsigned)k
							   : 0x600u + (unsigned)k;
				if (!k)
					snprintf(h->name, sizeof(h->name), "ACPI PM timer");
				h->rw = HOT_READ;
				h->count = scale * (uint64_t)(5000 / (k + 1));
				h->rate = (double)h->count;
				h->total_ns = h->count * 3000;
				h->mean_ns = 3000;
				h->time_share = 0.5;
			}
		}
		w = fleet_alloc(1, sizeof(*w) + (FLEET_EDGES + 1) * sizeof(*w->edges) +
					   (FLEET_RTS + 1) * sizeof(*w->rts));
		w->edges = (struct snap_wake_edge *)(w + 1);
		w->nedges = FLEET_EDGES + 1;
		w->rts = (struct snap_wake_rt *)(w->edges + w->nedges);
		w->nrts = FLEET_RTS + 1;
		for (i = 0; i < w->nedges; i++) {
			struct snap_wake_edge *e = &w->edges[i];

			e->other = i == FLEET_EDGES;
			e->waker = vm->pid + 1 + i % (nvcpus + 1);
			e->wakee = vm->pid + 1 + (i + 1) % (nvcpus + 1);
			e->cls = (uint8_t)(e->other ? WAKE_OTHER : i % WAKE__CLASSES);
			e->count = scale * 100;
			e->rate = (double)e->count;
			e->timed = e->count;
			e->mean_ns = 5000;
			e->p99_ns = 12000 + i;
		}
		for (i = 0; i < w->nrts; i++) {
			struct snap_wake_rt *r = &w->rts[i];

			r->other = i == FLEET_RTS;
			r->kind = HOT_MMIO;
			r->addr = 0xfe003000u + 0x1000u * (unsigned)i;
			r->count = scale * 200;
			r->rate = (double)r->count;
			r->p50_ns = 50000;
			r->p99_ns = 90000;
			r->notify_run_ns = 5000;
			r->run_inject_ns = 40000;
			r->inject_run_ns = 7000;
			r->mean_ns = 52000;
		}
		w->unmatched = 3;
		vm->wake = w;
		vm->nhints = 2;
		vm->hints = fleet_alloc(2, sizeof(*vm->hints));
		snprintf(vm->hints[0].text, sizeof(vm->hints[0].text),
			 "guest polls the ACPI PM timer (port 0x608): ...");
		snprintf(vm->hints[1].text, sizeof(vm->hints[1].text), "LAPIC register traffic");
		vm->ncounters = 12;
		vm->counters = fleet_alloc(12, sizeof(*vm->counters));
		fleet_counters(vm->counters, 12, "debugfs");
	}
	s->ncounters = 12;
	s->counters = fleet_alloc(12, sizeof(*s->counters));
	fleet_counters(s->counters, 12, "debugfs");
	return s;
}

#endif
