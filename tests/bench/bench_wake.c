// SPDX-License-Identifier: GPL-2.0
/*
 * model_event throughput on a stream of virtio requests as the wake graph sees them: 4 VMs of
 * 4 vCPUs and 2 iothreads; each request is a notify write, the vCPU waking an iothread, the
 * iothread switched in and out, a softirq completion waking it, an MSI, the iothread waking
 * the vCPU, the vCPU switched in, kvm_vcpu_wakeup and an EOI write (11 events). Now and then a
 * host kworker wakes an iothread. Prints the median of several runs.
 *
 *   build/bench/bench_wake [events (default 2000000)] [runs (default 7)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "wakegraph.h"

#define NVMS   4
#define NVCPUS 4
#define NIO    2
#define NTH    (NVCPUS + NIO)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void setup(struct model *m)
{
	static struct proc_thread th[NVMS][NTH];
	static struct proc_vm vm[NVMS];
	struct procfs_sample s = { .ts_ns = 1, .vms = vm, .nvms = NVMS };
	int v, k;

	model_init(m, 0);
	for (v = 0; v < NVMS; v++) {
		vm[v].pid = 1000 * (v + 1);
		vm[v].starttime = 1;
		snprintf(vm[v].name, sizeof(vm[v].name), "bench%d", v);
		vm[v].threads = th[v];
		vm[v].nthreads = NTH;
		for (k = 0; k < NTH; k++) {
			th[v][k].tid = vm[v].pid + k + 1;
			th[v][k].kind = k < NVCPUS ? PROC_VCPU : PROC_IOTHREAD;
			th[v][k].index = k < NVCPUS ? k : -1;
			if (k < NVCPUS)
				snprintf(th[v][k].comm, sizeof(th[v][k].comm), "CPU %d/KVM", k);
			else
				snprintf(th[v][k].comm, sizeof(th[v][k].comm), "IO iothread%d",
					 k - NVCPUS);
		}
	}
	model_update_procfs(m, &s);
	model_prime(m, 1);
}

static unsigned int rnd(unsigned int *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static struct kvm_event *put(struct kvm_event *ev, size_t *i, uint64_t ts, uint32_t tid, int type)
{
	struct kvm_event *e = &ev[(*i)++];

	memset(e, 0, sizeof(*e));
	e->ts_ns = ts;
	e->tid = tid;
	e->type = (uint16_t)type;
	return e;
}

/* Returns the number of events written to ev (at most n). */
static size_t stream(struct kvm_event *ev, size_t n)
{
	unsigned int x = 42;
	uint64_t ts = 1000;
	size_t i = 0;

	while (i + 12 < n) {
		unsigned int v = rnd(&x) % NVMS, c = rnd(&x) % NVCPUS, io = rnd(&x) % NIO;
		uint32_t vcpu = 1000 * (v + 1) + c + 1, iot = 1000 * (v + 1) + NVCPUS + io + 1;
		struct kvm_event *e;

		/* One request after the other: timestamps only move forward. */
		ts += 75000 + rnd(&x) % 2000;
		e = put(ev, &i, ts, vcpu, KE_PIO);
		e->pio.port = 0xc050 + 4 * io;
		e->pio.write = 1;
		e = put(ev, &i, ts + 1000, vcpu, KE_SCHED_WAKING);
		e->waking.target = iot;
		e = put(ev, &i, ts + 3000, 0, KE_SCHED_SWITCH);
		e->sw.next_tid = iot;
		e = put(ev, &i, ts + 20000, iot, KE_SCHED_SWITCH);
		e->sw.prev_tid = iot;
		e->sw.prev_state = 2;
		if (rnd(&x) % 16) {
			e = put(ev, &i, ts + 60000, 0, KE_SCHED_WAKING);
			e->ctx = KE_CTX_SOFTIRQ;
		} else {
			e = put(ev, &i, ts + 60000, 77 + rnd(&x) % 8, KE_SCHED_WAKING);
		}
		e->waking.target = iot;
		e = put(ev, &i, ts + 62000, 0, KE_SCHED_SWITCH);
		e->sw.next_tid = iot;
		e = put(ev, &i, ts + 65000, iot, KE_MSI_SET_IRQ);
		e->msi.address = 0xfee00000 | c << 12;
		e->msi.data = 0x41;
		e = put(ev, &i, ts + 66000, iot, KE_SCHED_WAKING);
		e->waking.target = vcpu;
		e = put(ev, &i, ts + 70000, iot, KE_SCHED_SWITCH);
		e->sw.prev_tid = iot;
		e->sw.next_tid = vcpu;
		e->sw.prev_state = 1;
		e = put(ev, &i, ts + 71000, vcpu, KE_VCPU_WAKEUP);
		e->wakeup.valid = 1;
		e = put(ev, &i, ts + 72000, vcpu, KE_MMIO);
		e->mmio.gpa = 0xfee000b0;
		e->mmio.kind = KE_MMIO_WRITE;
	}
	return i;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000000;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	struct kvm_event *ev = calloc(n, sizeof(*ev));
	double *rate = calloc((size_t)(runs > 0 ? runs : 1), sizeof(*rate));
	uint64_t snap_ns = 0, off = 0, rts = 0;
	int edges = 0;
	struct model m;
	size_t got, i;
	int r;

	if (!ev || !rate || runs < 1)
		return 1;
	got = stream(ev, n);
	setup(&m);
	for (r = 0; r < runs; r++) {
		uint64_t t0, t1, last = 0;
		struct snapshot *s;

		/* Each pass later than the last, so that the trace clock only moves forward. */
		for (i = 0; i < got; i++)
			ev[i].ts_ns += off;
		t0 = mono_ns();
		for (i = 0; i < got; i++)
			model_event(&m, &ev[i]);
		t1 = mono_ns();
		rate[r] = (double)got * 1e9 / (double)(t1 - t0);
		last = ev[got - 1].ts_ns;
		s = model_snapshot(&m, last + 1, 0, false);
		snap_ns += mono_ns() - t1;
		/* What the last pass built: proof that the stream went through the wake graph. */
		edges = s->vms[0].wake ? s->vms[0].wake->nedges : 0;
		rts = s->vms[0].wake && s->vms[0].wake->nrts ? s->vms[0].wake->rts[0].count : 0;
		snapshot_free(s);
		off = last + 1000000 - ev[0].ts_ns + 1000;
	}
	qsort(rate, (size_t)runs, sizeof(*rate), cmp_double);
	printf("virtio wakes   median %6.1f M events/s (min %.1f, max %.1f) over %d runs of %zu "
	       "events; snapshot %.2f ms\n",
	       rate[runs / 2] / 1e6, rate[0] / 1e6, rate[runs - 1] / 1e6, runs, got,
	       (double)snap_ns / runs / 1e6);
	printf("last pass, VM 0: %d edges, %llu round trips on its busiest notify address\n", edges,
	       (unsigned long long)rts);
	model_free(&m);
	free(rate);
	free(ev);
	return 0;
}
