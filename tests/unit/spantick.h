/* SPDX-License-Identifier: GPL-2.0 */
/* A small synthetic tick for the tests of spans: the merge, the rolling buffer, the timeline. */
#ifndef KVMSCOPE_SPANTICK_H
#define KVMSCOPE_SPANTICK_H

#include <stdio.h>
#include <string.h>

#include "snapjson.h"
#include "snapshot.h"
#include "util.h"

/*
 * A tick ending at seq seconds, of window ms, with one VM (pid) whose one vCPU exits exits
 * times, most of them reads of port 0x608 with the P99 and MAX given; the caller frees it.
 */
static inline struct snapshot *span_tick(unsigned int seq, int pid, double window_ms,
					 uint64_t exits, uint64_t p99, uint64_t max, double cpu)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	struct snap_vm *v;
	struct snap_thread *t;
	uint64_t w = (uint64_t)(window_ms * 1e6);

	s->seq = seq;
	s->wall_s = 1700000000 + seq;
	s->ts_ns = seq * 1000000000ull;
	s->interval_ns = s->window_ns = w;
	strcpy(s->host.hostname, "hv");
	s->nsources = 1;
	strcpy(s->sources[0].name, "procfs");
	s->sources[0].state = SNAP_SRC_OK;
	s->events = exits * 2;
	s->exits_rate = snapjson_per_s(exits, w);
	s->vms = xcalloc(1, sizeof(*s->vms));
	s->nvms = 1;
	v = &s->vms[0];
	v->pid = pid;
	v->starttime = 77;
	snprintf(v->name, sizeof(v->name), "vm%d", pid);
	strcpy(v->comm, "qemu");
	v->nvcpus = 1;
	v->cpu = (struct cpu_split){ cpu, cpu / 2, cpu / 2, -1, 10 };
	v->split = (struct exit_split){ SPLIT_EVENTS, 50, 30, 10, 10, 0, true };
	v->exits_count = exits;
	v->exits_rate = snapjson_per_s(exits, w);
	v->threads = xcalloc(1, sizeof(*v->threads));
	v->nthreads = 1;
	t = &v->threads[0];
	t->tid = pid + 1;
	t->kind = THREAD_VCPU;
	t->nthreads = 1;
	strcpy(t->comm, "CPU 0/KVM");
	t->cpu = v->cpu;
	t->split = v->split;
	t->exits_count = exits;
	t->exits_rate = v->exits_rate;
	v->exits = xcalloc(2, sizeof(*v->exits));
	v->nexits = 2;
	v->exits[0] = (struct snap_exit){ .name = "IO_INSTRUCTION",
					  .reason = 30,
					  .count = exits - 10,
					  .rate = snapjson_per_s(exits - 10, w),
					  .total_ns = (exits - 10) * 5000,
					  .mean_ns = 5000,
					  .p99_ns = p99,
					  .max_ns = max,
					  .time_share = 40,
					  .hot = HOT_PIO,
					  .vmm_count = exits - 10,
					  .vmm_total_ns = (exits - 10) * 1000,
					  .vmm_max_ns = max / 2,
					  .vmm_mean_ns = 1000,
					  .vmm_share = 100 };
	v->exits[1] = (struct snap_exit){ .name = "HLT",
					  .reason = 12,
					  .count = 10,
					  .rate = snapjson_per_s(10, w),
					  .total_ns = 10 * 1000,
					  .mean_ns = 1000,
					  .p99_ns = 1000,
					  .max_ns = 1000,
					  .time_share = 1,
					  .hot = -1,
					  .vmm_mean_ns = -1,
					  .vmm_share = 0 };
	v->hot = xcalloc(1, sizeof(*v->hot));
	v->nhot = 1;
	v->hot[0] = (struct snap_hot){ .kind = HOT_PIO,
				       .rw = HOT_READ,
				       .size = 4,
				       .user = true,
				       .pattern = true,
				       .addr = 0x608,
				       .name = "ACPI PM timer",
				       .count = exits - 10,
				       .rate = snapjson_per_s(exits - 10, w),
				       .share = 100,
				       .mean_ns = 5000,
				       .total_ns = (exits - 10) * 5000,
				       .time_share = 40 };
	v->hints = xcalloc(1, sizeof(*v->hints));
	v->nhints = 1;
	strcpy(v->hints[0].text, "guest polls the ACPI PM timer (port 0x608)");
	return s;
}

#endif
