// SPDX-License-Identifier: GPL-2.0
/*
 * Trace ingest: events per CPU-second through kvmdecode's sub-buffer walker, the decoder
 * and the cross-CPU merge, on sub-buffers in the kernel's layout built in memory from the
 * fixture formats (mostly kvm_pio and kvm_mmio, a few kvm_exit/kvm_entry), into a callback
 * that counts per type as cheaply as the model does. Prints the median of several runs.
 * Runs from the repository root (it reads tests/fixtures/events).
 *
 *   bench_ingest [--mib N] [--runs N] [--cpus N] [--apart]
 *
 * By default two CPUs' streams are interleaved event by event, the merge's worst case;
 * --apart gives each CPU long runs, as one storming vCPU does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event-parse.h>

#include "kvmdecode.h"
#include "../unit/rbpage.h"

#define EVENTS_DIR "tests/fixtures/events"
#define POOL_MIB   64 /* distinct sub-buffers per CPU, cycled through */
#define MAX_CPUS   64

/* One CPU's pool of sub-buffers, replayed as a stream until its share is read. */
struct bench_cpu {
	struct kvmdecode_stream s; /* first: refill casts back */
	uint8_t *pool;
	size_t npages, next;
	size_t left;   /* sub-buffers still to hand out this run */
	uint64_t span; /* time the pool covers; added per replay */
	uint64_t cycle;
};

struct bench {
	int subbuf;
	uint64_t counts[KE__COUNT];
	uint64_t ports; /* folded port and address bits, so nothing is optimised away */
};

static struct bench bench;

static void count(void *arg, const struct kvm_event *ev)
{
	struct bench *b = arg;

	b->counts[ev->type]++;
	b->ports += ev->type == KE_PIO ? ev->pio.port : ev->mmio.gpa;
}

static int refill(void *arg, struct kvmdecode_stream *s)
{
	struct bench_cpu *c = (struct bench_cpu *)s;
	uint8_t *page;
	uint64_t ts;

	(void)arg;
	if (!c->left)
		return 0;
	c->left--;
	page = c->pool + c->next * (size_t)bench.subbuf;
	/* Each replay of the pool moves on in time, as a live buffer would. */
	if (c->cycle) {
		memcpy(&ts, page, 8);
		ts += c->span;
		memcpy(page, &ts, 8);
	}
	if (++c->next == c->npages) {
		c->next = 0;
		c->cycle++;
	}
	return kvmdecode_stream_load(s, page) ? -EINVAL : 1;
}

/* A record of type from pid with fields set by name; returns its size. */
static unsigned int make_rec(struct tep_handle *tep, unsigned int type, int pid,
			     const char *const *names, const uint64_t *vals, uint8_t *out)
{
	const char *sys, *name = kvmdecode_event_name(type, &sys);
	struct tep_event *ev = tep_find_event_by_name(tep, sys, name);
	struct tep_format_field *f;
	unsigned int size = 0;
	int i;

	memset(out, 0, 256);
	for (f = ev->format.fields; f; f = f->next)
		if ((unsigned int)(f->offset + f->size) > size)
			size = (unsigned int)(f->offset + f->size);
	f = tep_find_common_field(ev, "common_type");
	memcpy(out + f->offset, &(uint16_t){ (uint16_t)ev->id }, 2);
	f = tep_find_common_field(ev, "common_pid");
	memcpy(out + f->offset, &(int32_t){ pid }, 4);
	for (i = 0; names[i]; i++) {
		f = tep_find_field(ev, names[i]);
		memcpy(out + f->offset, &vals[i], (size_t)f->size); /* little-endian hosts */
	}
	return size;
}

/*
 * Fills a pool with events of one CPU: 60% kvm_pio, 36% kvm_mmio, 4% kvm_exit/kvm_entry
 * pairs, step ns apart starting at t0; returns the time the pool covers.
 */
static uint64_t fill_pool(struct bench_cpu *c, struct tep_handle *tep, uint64_t t0, uint64_t step)
{
	static const char *const pio_f[] = { "rw", "port", "size", "count", NULL };
	static const char *const mmio_f[] = { "type", "len", "gpa", NULL };
	static const char *const exit_f[] = { "exit_reason", "isa", "vcpu_id", NULL };
	static const char *const entry_f[] = { "vcpu_id", NULL };
	uint8_t pio[256], mmio[256], ex[256], en[256];
	unsigned int npio, nmmio, nex, nen, i = 0;
	struct rbpage p;
	uint64_t ts = t0;
	size_t pg;

	npio = make_rec(tep, KE_PIO, 1234, pio_f, (const uint64_t[]){ 0, 0x608, 4, 1 }, pio);
	nmmio = make_rec(tep, KE_MMIO, 1234, mmio_f,
			 (const uint64_t[]){ KE_MMIO_WRITE, 4, 0xfee00300 }, mmio);
	nex = make_rec(tep, KE_EXIT, 1234, exit_f, (const uint64_t[]){ 30, KE_ISA_VMX, 0 }, ex);
	nen = make_rec(tep, KE_ENTRY, 1234, entry_f, (const uint64_t[]){ 0 }, en);
	for (pg = 0; pg < c->npages; pg++) {
		rbpage_start(&p, c->pool + pg * (size_t)bench.subbuf, (unsigned int)bench.subbuf,
			     ts);
		for (;; i++) {
			unsigned int k = i % 50;
			const uint8_t *rec = k < 30 ? pio : k < 48 ? mmio : k == 48 ? ex : en;
			unsigned int len = k < 30 ? npio : k < 48 ? nmmio : k == 48 ? nex : nen;

			if (!rbpage_fits(&p, ts, len, false))
				break;
			rbpage_add(&p, ts, rec, len, false);
			ts += step;
		}
		rbpage_finish(&p, 0);
	}
	return ts - t0;
}

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fputs("usage: bench_ingest [--mib N] [--runs N] [--cpus N] [--apart]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct kvmdecode_stream *sp[MAX_CPUS];
	struct bench_cpu cpus[MAX_CPUS];
	unsigned int missing;
	long mib = 1024, runs = 5, ncpu = 2;
	int interleave = 1, i, r, k;
	struct tep_handle *tep;
	struct kvmdecode d;
	double *rates, t;
	uint64_t events;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			mib = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
			ncpu = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--apart"))
			interleave = 0;
		else
			usage();
	}
	if (mib < 1 || runs < 1 || ncpu < 1 || ncpu > MAX_CPUS)
		usage();

	tep = kvmdecode_load_tep(
		EVENTS_DIR,
		KVMDECODE_BIT(KE_PIO) | KVMDECODE_BIT(KE_MMIO) | KVMDECODE_BIT(KE_ENTRY), &missing);
	if (!tep || missing || kvmdecode_init(&d, tep)) {
		fprintf(stderr,
			"bench_ingest: cannot load the formats under %s (run from the "
			"repository root)\n",
			EVENTS_DIR);
		return 1;
	}
	bench.subbuf = tep_get_sub_buffer_size(tep);
	rates = calloc((size_t)runs, sizeof(*rates));
	for (k = 0; k < ncpu; k++) {
		struct bench_cpu *c = &cpus[k];

		memset(c, 0, sizeof(*c));
		c->npages = (size_t)((mib < POOL_MIB ? mib : POOL_MIB) << 20) /
			    (size_t)bench.subbuf / (size_t)ncpu;
		c->pool = malloc(c->npages * (size_t)bench.subbuf);
		if (!rates || !c->pool ||
		    kvmdecode_stream_init(&c->s, tep, (unsigned int)bench.subbuf, (uint32_t)k)) {
			fputs("bench_ingest: out of memory\n", stderr);
			return 1;
		}
		/*
		 * Apart, each CPU's events follow each other in long runs (a storm on one
		 * CPU); interleaved, every next event is on another CPU, the merge's worst case.
		 */
		c->span = interleave ? fill_pool(c, tep, 1000000 + (uint64_t)k, (uint64_t)ncpu)
				     : fill_pool(c, tep, 1000000 + (uint64_t)k * 1000003, 37);
	}

	for (r = 0; r < runs; r++) {
		memset(bench.counts, 0, sizeof(bench.counts));
		for (k = 0; k < ncpu; k++) {
			cpus[k].left = (size_t)(mib << 20) / (size_t)bench.subbuf / (size_t)ncpu;
			cpus[k].s.rec = NULL;
			sp[k] = &cpus[k].s;
		}
		t = cpu_seconds();
		i = kvmdecode_merge(&d, sp, (int)ncpu, refill, NULL, count, &bench);
		t = cpu_seconds() - t;
		if (i < 0) {
			fprintf(stderr, "bench_ingest: merge failed: %s\n", strerror(-i));
			return 1;
		}
		for (events = 0, k = 0; k < KE__COUNT; k++)
			events += bench.counts[k];
		if (events != (uint64_t)i) {
			fputs("bench_ingest: events counted and delivered differ\n", stderr);
			return 1;
		}
		rates[r] = (double)events / t;
		fprintf(stderr,
			"  run %d: %llu events (pio %llu, mmio %llu, exit %llu, entry %llu)"
			" in %.3f CPU-s: %.1f M/s [%llx]\n",
			r + 1, (unsigned long long)events, (unsigned long long)bench.counts[KE_PIO],
			(unsigned long long)bench.counts[KE_MMIO],
			(unsigned long long)bench.counts[KE_EXIT],
			(unsigned long long)bench.counts[KE_ENTRY], t, rates[r] / 1e6,
			(unsigned long long)(bench.ports & 0xf));
	}
	qsort(rates, (size_t)runs, sizeof(*rates), cmp_double);
	printf("ingest: %.1f M events per CPU-second (median of %ld runs; %ld MiB of sub-buffers "
	       "per run, %ld CPU%s %s; walk + decode + merge + count)\n",
	       rates[runs / 2] / 1e6, runs, mib, ncpu, ncpu > 1 ? "s" : "",
	       ncpu > 1 ? (interleave ? "interleaved" : "in runs") : "stream");
	for (k = 0; k < ncpu; k++) {
		free(cpus[k].pool);
	}
	free(rates);
	kvmdecode_free(&d);
	tep_free(tep);
	return 0;
}
