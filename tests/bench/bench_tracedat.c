// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a trace.dat, in events per CPU-second: the file opened (libtracecmd parses every
 * format in it), then read through the probe alone (pages, decode, merge, thread learning)
 * and through the probe and the model (what kvmscope -i does per event), each best of a few
 * passes. Usage: bench_tracedat FILE [TGIDS]. tests/bench/tracedat.sh records real files and
 * puts these figures beside trace-cmd report's on them.
 *
 * bench_tracedat --write-vmx N FILE writes a synthetic file (tests/unit/tdwrite.h) of a VMX
 * host: N exits of two vCPUs (I/O, EPT, MSR) with their accesses and entries, and an
 * iothread waking a vCPU now and then: the kvm_exit/kvm_entry stream of a real host, at a
 * size the storms of the build machine do not reach.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "procfs.h"
#include "tdwrite.h"
#include "tracedat.h"
#include "util.h"

#define PASSES 3

struct run {
	struct tracedat *td;
	struct model model;
	struct procfs_sample ps;
	unsigned int gen;
	uint64_t n;
};

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count(void *arg, const struct kvm_event *ev)
{
	struct run *r = arg;

	(void)ev;
	r->n++;
}

/* As src/offline.c: the threads the file reveals go to the model before the event. */
static void to_model(void *arg, const struct kvm_event *ev)
{
	struct run *r = arg;

	if (tracedat_threads_gen(r->td) != r->gen) {
		r->gen = tracedat_threads_gen(r->td);
		tracedat_sample(r->td, &r->ps);
		model_update_procfs(&r->model, &r->ps);
	}
	model_event(&r->model, ev);
	r->n++;
}

/* Returns the CPU seconds of the best of PASSES reads of the whole file through fn. */
static double best_pass(struct run *r, tracedat_event_fn fn, bool model)
{
	double best = 1e30, t;
	struct snapshot *s;
	int i;

	for (i = 0; i < PASSES; i++) {
		tracedat_rewind(r->td);
		r->n = 0;
		t = cpu_s();
		if (model) {
			model_init(&r->model, tracedat_next_ns(r->td));
			r->gen = ~0u;
		}
		if (tracedat_read(r->td, ~0ull, fn, r) < 0) {
			fprintf(stderr, "bench_tracedat: read failed\n");
			exit(1);
		}
		if (model) {
			s = model_snapshot(&r->model, tracedat_last_ns(r->td) + 1, 0, false);
			snapshot_free(s);
		}
		t = cpu_s() - t;
		if (model)
			model_free(&r->model);
		if (t < best)
			best = t;
	}
	return best;
}

/* Writes the access an exit of kind k stands for, at t on cpu c by vCPU thread tid. */
static void access(struct tdw *w, int k, int c, uint64_t t, int tid)
{
	switch (k) {
	case 0: /* IO_INSTRUCTION: an ACPI PM timer read */
		tdw_event(w, c, t, KE_PIO, tid, "rw", 0ull, "port", 0x608ull, "size", 4ull, "count",
			  1ull, NULL);
		break;
	case 1: /* EPT_VIOLATION of the LAPIC: an ICR write */
		tdw_event(w, c, t, KE_MMIO, tid, "type", 2ull, "len", 4ull, "gpa", 0xfee00300ull,
			  NULL);
		break;
	default: /* MSR_WRITE: the TSC deadline */
		tdw_event(w, c, t, KE_MSR, tid, "write", 1ull, "ecx", 0x6e0ull, NULL);
	}
}

/* Returns 0 after writing n exits of a synthetic VMX host to path (from the repository root). */
static int write_vmx(long n, const char *path)
{
	static const uint64_t reasons[] = { 30, 48, 32 };
	uint64_t t = 1000000000ull;
	struct tdw w;
	long i;
	int c, k;

	if (tdw_init(&w, 2))
		return -1;
	tdw_comm(&w, 1001, "CPU 0/KVM");
	tdw_comm(&w, 1002, "CPU 1/KVM");
	tdw_comm(&w, 1003, "IO iothread0");
	for (i = 0; i < n; i++) {
		c = (int)(i & 1);
		k = (int)(i % 3);
		t += 700;
		tdw_event(&w, c, t, KE_EXIT, 1001 + c, "exit_reason", reasons[k], "isa", 1ull,
			  "vcpu_id", (uint64_t)c, NULL);
		access(&w, k, c, t + 100, 1001 + c);
		tdw_event(&w, c, t + 400 + (uint64_t)(i % 7) * 50, KE_ENTRY, 1001 + c, "vcpu_id",
			  (uint64_t)c, NULL);
		if (!(i % 64)) {
			tdw_event(&w, c, t + 500, KE_SCHED_WAKING, 1003, "pid", 1001ull + (uint64_t)c,
				  "target_cpu", (uint64_t)c, NULL);
			tdw_event(&w, c, t + 600, KE_SCHED_SWITCH, 1003, "prev_pid", 1003ull,
				  "prev_state", 1ull, "next_pid", 1001ull + (uint64_t)c, NULL);
		}
	}
	k = tdw_write(&w, path, 0);
	tdw_free(&w);
	return k;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	char why[512];
	double t_open, t_read, t_model;
	uint64_t records;

	if (argc == 4 && !strcmp(argv[1], "--write-vmx")) {
		if (write_vmx(atol(argv[2]), argv[3])) {
			fprintf(stderr, "bench_tracedat: cannot write %s\n", argv[3]);
			return 1;
		}
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_tracedat FILE [TGIDS] | --write-vmx N FILE\n");
		return 2;
	}
	t_open = cpu_s();
	r.td = tracedat_open(argv[1], argc > 2 ? argv[2] : NULL, why, sizeof(why));
	if (!r.td) {
		fprintf(stderr, "bench_tracedat: %s\n", why);
		return 1;
	}
	t_open = cpu_s() - t_open;
	t_read = best_pass(&r, count, false);
	records = tracedat_records(r.td, NULL);
	t_model = best_pass(&r, to_model, true);
	printf("tracedat %s: %llu records, %llu events decoded\n", argv[1],
	       (unsigned long long)records, (unsigned long long)r.n);
	printf("  open (libtracecmd parses the formats; a child opens it first): %.3f CPU-s\n",
	       t_open);
	printf("  read (pages, decode, merge, threads):  %6.3f CPU-s  %5.1f M records per CPU-s\n",
	       t_read, (double)records / t_read / 1e6);
	printf("  read + model (kvmscope -i per event):  %6.3f CPU-s  %5.1f M records per CPU-s\n",
	       t_model, (double)records / t_model / 1e6);
	procfs_sample_free(&r.ps);
	tracedat_close(r.td);
	return 0;
}
