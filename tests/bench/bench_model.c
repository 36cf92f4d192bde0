// SPDX-License-Identifier: GPL-2.0
/*
 * model_event throughput on a synthetic stream shaped like a busy VMX host: 4 VMs of 8
 * vCPUs; each exit is kvm_exit, often an access (port, MMIO, MSR), sometimes a trip to the
 * VMM, then kvm_entry; context switches now and then. Prints the median of several runs.
 * A second stream touches a new MMIO address on every access (the worst case for the hot
 * tables: an eviction each time). Target: the model must not be what stops 10 M events/s.
 *
 * Then a fleet's tick: 30 VMs of 2 vCPUs, FLEET_TICK events (a quarter of the default
 * budget: what a steady host traces) then a snapshot made and freed, as the tick loop does
 * once a second; prints the median snapshot time over FLEET_TICKS ticks. That is the model's
 * share of an idle fleet's own CPU, paid whatever the output.
 *
 *   build/bench/bench_model [events (default 2000000)] [runs (default 7)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "model.h"

/* How many VMs of how many vCPUs a stream's events come from. */
struct shape {
	int nvms, nvcpus;
};

static const struct shape busy = { 4, 8 }, fleet = { 30, 2 };

#define FLEET_TICK  5000
#define FLEET_TICKS 201

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns the procfs sample the model was set up with (free with free_setup()). */
static struct procfs_sample setup(struct model *m, struct shape sh)
{
	struct proc_vm *vm = calloc((size_t)sh.nvms, sizeof(*vm));
	struct procfs_sample s = { .ts_ns = 1, .vms = vm, .nvms = sh.nvms };
	int v, k;

	model_init(m, 0);
	for (v = 0; vm && v < sh.nvms; v++) {
		vm[v].pid = 1000 * (v + 1);
		vm[v].starttime = 1;
		snprintf(vm[v].name, sizeof(vm[v].name), "bench%d", v);
		vm[v].threads = calloc((size_t)sh.nvcpus, sizeof(*vm[v].threads));
		vm[v].nthreads = vm[v].threads ? sh.nvcpus : 0;
		for (k = 0; k < vm[v].nthreads; k++) {
			struct proc_thread *t = &vm[v].threads[k];

			t->tid = vm[v].pid + k + 1;
			t->kind = PROC_VCPU;
			t->index = k;
			snprintf(t->comm, sizeof(t->comm), "CPU %hhu/KVM", (unsigned char)k);
		}
	}
	model_update_procfs(m, &s);
	model_prime(m, 1);
	return s;
}

static void free_setup(struct procfs_sample *s)
{
	int v;

	for (v = 0; v < s->nvms; v++)
		free(s->vms[v].threads);
	free(s->vms);
}

static unsigned int rnd(unsigned int *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

/* Returns the number of events written to ev (at most n). worst: a new address each time. */
static size_t stream(struct kvm_event *ev, size_t n, struct shape sh, bool worst)
{
	static const uint32_t reasons[] = { 30, 49, 32, 1, 12, 48, 44, 31 };
	int ncpu = sh.nvms * sh.nvcpus;
	uint64_t *ts = calloc((size_t)ncpu, sizeof(*ts));
	unsigned int x = 42, r;
	size_t i = 0;
	uint64_t fresh = 0;

	while (ts && i + 8 < n) {
		int c = (int)(rnd(&x) % (unsigned int)ncpu);
		uint32_t tid = (uint32_t)(1000 * (c / sh.nvcpus + 1) + c % sh.nvcpus + 1);
		struct kvm_event *e;

		ts[c] += 1000 + rnd(&x) % 4000;
		r = reasons[rnd(&x) % 8];
		e = &ev[i++];
		memset(e, 0, sizeof(*e));
		e->ts_ns = ts[c];
		e->tid = tid;
		e->type = KE_EXIT;
		e->exit.reason = r;
		e->exit.isa = KE_ISA_VMX;
		e = &ev[i];
		memset(e, 0, sizeof(*e));
		e->ts_ns = ts[c] + 200;
		e->tid = tid;
		if (worst) {
			e->type = KE_MMIO;
			e->mmio.gpa = 0x100000000ull + 64 * fresh++;
			e->mmio.len = 4;
			e->mmio.kind = KE_MMIO_WRITE;
			i++;
		} else if (r == 30) {
			e->type = KE_PIO;
			e->pio.port = rnd(&x) % 4 ? 0x608 : 0x40 + rnd(&x) % 4;
			e->pio.size = 4;
			i++;
		} else if (r == 49 || r == 44) {
			e->type = KE_MMIO;
			e->mmio.gpa = 0xfee00000 + (rnd(&x) % 64) * 16;
			e->mmio.len = 4;
			e->mmio.kind = KE_MMIO_WRITE;
			i++;
		} else if (r == 32) {
			e->type = KE_MSR;
			e->msr.index = rnd(&x) % 2 ? 0x6e0 : 0x830;
			e->msr.write = 1;
			i++;
		}
		if (r == 30 && rnd(&x) % 4 == 0) {
			e = &ev[i++];
			memset(e, 0, sizeof(*e));
			e->ts_ns = ts[c] + 300;
			e->tid = tid;
			e->type = KE_USER_EXIT;
			e->user_exit.reason = 2;
		}
		if (rnd(&x) % 16 == 0) {
			e = &ev[i++];
			memset(e, 0, sizeof(*e));
			e->ts_ns = ts[c] + 400;
			e->tid = tid;
			e->type = KE_SCHED_SWITCH;
			e->sw.prev_tid = tid;
			e->sw.next_tid = tid;
		}
		e = &ev[i++];
		memset(e, 0, sizeof(*e));
		e->ts_ns = ts[c] + 500;
		e->tid = tid;
		e->type = KE_ENTRY;
	}
	free(ts);
	return i;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns the median time of writing s as a batch record (o) to f, over 101 writes. */
static uint64_t record_ns(FILE *f, const struct snapshot *s, const struct batch_opts *o)
{
	double t[101];
	int i;

	for (i = 0; i < 101; i++) {
		uint64_t t0 = mono_ns();

		batch_print(f, s, o);
		t[i] = (double)(mono_ns() - t0);
	}
	qsort(t, 101, sizeof(*t), cmp_double);
	return (uint64_t)t[50];
}

/* Returns the length of s as a batch record (o). */
static long record_len(const struct snapshot *s, const struct batch_opts *o)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&doc, &len);

	if (!mem)
		return 0;
	batch_print(mem, s, o);
	fclose(mem);
	free(doc);
	return (long)len;
}

/* Returns the median events per second over runs passes of the stream, printing the spread. */
static double run(const char *what, const struct kvm_event *ev, size_t n, int runs)
{
	double *rate = calloc((size_t)runs, sizeof(*rate)), med;
	struct table table = { 0 };
	const struct batch_opts text = { .table = &table }, json = { .format = BATCH_JSON };
	uint64_t snap_ns = 0, text_ns = 0, json_ns = 0;
	FILE *null = fopen("/dev/null", "w");
	long text_len = 0, json_len = 0;
	struct model m;
	struct procfs_sample ps = setup(&m, busy);
	int r;

	for (r = 0; r < runs; r++) {
		uint64_t t0 = mono_ns(), t1;
		struct snapshot *s;
		size_t i;

		for (i = 0; i < n; i++)
			model_event(&m, &ev[i]);
		t1 = mono_ns();
		rate[r] = (double)n * 1e9 / (double)(t1 - t0);
		/* One tick per pass, as the tick loop does once a second. */
		s = model_snapshot(&m, 1 + (uint64_t)(r + 1) * 1000000000ull, 0, false);
		snap_ns += mono_ns() - t1;
		if (null) {
			text_ns += record_ns(null, s, &text);
			json_ns += record_ns(null, s, &json);
			text_len = record_len(s, &text);
			json_len = record_len(s, &json);
		}
		snapshot_free(s);
	}
	qsort(rate, (size_t)runs, sizeof(*rate), cmp_double);
	med = rate[runs / 2];
	printf("%-14s median %6.1f M events/s (min %.1f, max %.1f) over %d runs of %zu events; "
	       "snapshot %.2f ms; as a text record %.3f ms (%ld bytes), JSON %.3f ms (%ld bytes)\n",
	       what, med / 1e6, rate[0] / 1e6, rate[runs - 1] / 1e6, runs, n,
	       (double)snap_ns / runs / 1e6, (double)text_ns / runs / 1e6, text_len,
	       (double)json_ns / runs / 1e6, json_len);
	table_free(&table);
	if (null)
		fclose(null);
	model_free(&m);
	free_setup(&ps);
	free(rate);
	return med;
}

/*
 * Prints the median time of a fleet's snapshot, made and freed after each FLEET_TICK events
 * of ev (n of them, their times moved on at each pass), and the time and size of the last
 * one's records.
 */
static void fleet_ticks(const struct kvm_event *ev, size_t n)
{
	struct table table = { 0 };
	const struct batch_opts text = { .table = &table }, json = { .format = BATCH_JSON };
	FILE *null = fopen("/dev/null", "w");
	double t[FLEET_TICKS];
	uint64_t shift = 0, text_ns = 0, json_ns = 0;
	struct model m;
	struct procfs_sample ps = setup(&m, fleet);
	size_t at = 0;
	long text_len = 0, json_len = 0;
	int r, i;

	for (r = 0; r < FLEET_TICKS && n; r++) {
		struct snapshot *s;
		uint64_t t0;

		for (i = 0; i < FLEET_TICK; i++) {
			struct kvm_event e = ev[at];

			e.ts_ns += shift;
			model_event(&m, &e);
			if (++at == n) {
				at = 0;
				shift += ev[n - 1].ts_ns + 1000;
			}
		}
		t0 = mono_ns();
		s = model_snapshot(&m, 1 + (uint64_t)(r + 1) * 1000000000ull, 0, false);
		t[r] = (double)(mono_ns() - t0);
		if (r == FLEET_TICKS - 1 && null) {
			text_ns = record_ns(null, s, &text);
			json_ns = record_ns(null, s, &json);
			text_len = record_len(s, &text);
			json_len = record_len(s, &json);
		}
		t0 = mono_ns();
		snapshot_free(s);
		t[r] += (double)(mono_ns() - t0);
	}
	qsort(t, FLEET_TICKS, sizeof(*t), cmp_double);
	printf("fleet tick     %d VMs x %d vCPUs, %d events a tick: snapshot %.3f ms (median of "
	       "%d; min %.3f); the last as a text record %.3f ms (%ld bytes), JSON %.3f ms (%ld "
	       "bytes)\n",
	       fleet.nvms, fleet.nvcpus, FLEET_TICK, t[FLEET_TICKS / 2] / 1e6, FLEET_TICKS,
	       t[0] / 1e6, (double)text_ns / 1e6, text_len, (double)json_ns / 1e6, json_len);
	if (null)
		fclose(null);
	table_free(&table);
	model_free(&m);
	free_setup(&ps);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000000;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	struct kvm_event *ev = calloc(n, sizeof(*ev));
	double mixed;
	size_t got;

	if (!ev || runs < 1)
		return 1;
	got = stream(ev, n, busy, false);
	mixed = run("mixed stream", ev, got, runs);
	got = stream(ev, n, busy, true);
	run("new address", ev, got, runs);
	got = stream(ev, n < FLEET_TICK * 20 ? n : FLEET_TICK * 20, fleet, false);
	fleet_ticks(ev, got);
	free(ev);
	printf("model_event %s the 10 M events/s target (mixed stream)\n",
	       mixed >= 10e6 ? "meets" : "misses");
	return 0;
}
