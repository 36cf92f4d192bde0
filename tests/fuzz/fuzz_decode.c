// SPDX-License-Identifier: GPL-2.0
/*
 * The trace decoder and the cross-CPU merge over sub-buffers as trace_pipe_raw hands them
 * over, or as a trace.dat or a recording could hold them: anything.
 *
 * Input: one byte of setup (bits 0-1: CPUs - 1; bits 2-3: sub-buffer size 4096, 1024, 256
 * or 64 bytes; bit 4: a 32-bit kernel's 4-byte commit word; bit 5: written big-endian), then
 * the sub-buffers, dealt to the CPUs in turn; a short last one is padded with zeros. Each
 * sub-buffer is a heap block of its own size, so ASan sees any read past it. The decoder is
 * built from the committed formats (tests/fixtures/events, or the directory in
 * KVMSCOPE_FUZZ_EVENTS), never from the running kernel.
 *
 * Oracles: on every sub-buffer the decoder's walker reads the records kbuffer reads, with
 * the same times and sizes, up to where kbuffer would loop or read past the page's data
 * (rbref.h models its steps, and kbuffer reads only the part the model clears) or the
 * kernel's records end (a padding with no time delta); where kbuffer would read unsafely
 * first, the walker counted the page bad. The merge ends (libFuzzer's -timeout catches a
 * hang); every event has a known type and one of the CPUs; no more events than the
 * sub-buffers have room for; and a second merge over the same sub-buffers delivers the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <kbuffer.h>

#include "fuzz.h"
#include "kvm_event.h"
#include "kvmdecode.h"
#include "rbref.h"

#ifndef FUZZ_FIXTURES
#define FUZZ_FIXTURES "tests/fixtures"
#endif

#define MAX_CPUS  4
#define MAX_PAGES 64
#define MAX_RECS  1024 /* records in the largest sub-buffer: 4096 bytes, 8 a record at least */

static const unsigned int subbuf_sizes[4] = { 4096, 1024, 256, 64 };

static struct kvmdecode dec;
static struct tep_handle *tep;
static struct rbref_rec rec_w[MAX_RECS], rec_k[MAX_RECS];

/* One CPU: its sub-buffers, loaded in turn. s is first: refill casts back. */
struct cpu {
	struct kvmdecode_stream s;
	uint8_t *pages[MAX_PAGES];
	int npages, next;
};

struct run {
	int ncpus;
	long events; /* trace events: what the merge counts */
	long lost;   /* KE_LOST markers, not counted */
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("KVMSCOPE_FUZZ_EVENTS");
	unsigned int missing = 0;

	(void)argc;
	(void)argv;
	if (!dir)
		dir = FUZZ_FIXTURES "/events";
	tep = kvmdecode_load_tep(dir, ~0u, &missing);
	if (!tep || kvmdecode_init(&dec, tep)) {
		fprintf(stderr, "fuzz_decode: cannot build the decoder from %s\n", dir);
		exit(1);
	}
	return 0;
}

static int refill(void *arg, struct kvmdecode_stream *s)
{
	struct cpu *c = (struct cpu *)s;

	(void)arg;
	if (c->next >= c->npages)
		return 0;
	/* As the probe does: an unreadable sub-buffer leaves s without a record, and on. */
	kvmdecode_stream_load(s, c->pages[c->next++]);
	return 1;
}

/* Checks that the walker reads page as kbuffer does, where kbuffer reads it safely. */
static void check_page(const struct kvmdecode_stream *proto, struct kbuffer *kb,
		       const uint8_t *page)
{
	struct kvmdecode_stream s = *proto;
	uint8_t *scratch = malloc(s.subbuf_size);
	struct rbref_result r;

	FUZZ_CHECK(scratch);
	s.bad = 0;
	if (!rbref_compare(&s, kb, page, scratch, rec_w, rec_k, MAX_RECS, &r)) {
		fprintf(stderr,
			"fuzz_decode: walker %d records, kbuffer %d, first differing %d; kbuffer "
			"unsafe at %u, records end at %u, walker cut %d\n",
			r.walker, r.kbuffer, r.first_diff, r.unsafe, r.empty_at, r.walker_cut);
		FUZZ_CHECK(!"the walker reads the page as kbuffer does");
	}
	free(scratch);
}

static void on_event(void *arg, const struct kvm_event *ev)
{
	struct run *r = arg;

	FUZZ_CHECK(ev->type > KE_NONE && ev->type < KE__COUNT);
	FUZZ_CHECK(ev->cpu < (uint32_t)r->ncpus);
	if (ev->type == KE_LOST)
		r->lost++;
	else
		r->events++;
}

/* Returns the events one merge over every CPU delivered. */
static long merge(struct cpu *cpus, int ncpus, int npages)
{
	struct kvmdecode_stream *sp[MAX_CPUS];
	struct run r = { .ncpus = ncpus };
	int i, n;

	for (i = 0; i < ncpus; i++) {
		cpus[i].next = 0;
		cpus[i].s.rec = NULL;
		sp[i] = &cpus[i].s;
	}
	n = kvmdecode_merge(&dec, sp, ncpus, refill, NULL, on_event, &r);
	FUZZ_CHECK(n >= 0 && n == r.events);
	/* A loss is told before a record, once however many sub-buffers in a row said so. */
	FUZZ_CHECK(r.lost <= npages);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu cpus[MAX_CPUS];
	unsigned int subbuf, room;
	struct kbuffer *kb;
	int ncpus, npages, i;
	bool commit4, big;
	long first;

	if (size < 2)
		return 0;
	ncpus = (data[0] & 3) + 1;
	subbuf = subbuf_sizes[(data[0] >> 2) & 3];
	commit4 = data[0] & 0x10;
	big = data[0] & 0x20;
	data++;
	size--;
	npages = (int)((size + subbuf - 1) / subbuf);
	if (npages > MAX_PAGES)
		npages = MAX_PAGES;
	memset(cpus, 0, sizeof(cpus));
	for (i = 0; i < ncpus; i++) {
		FUZZ_CHECK(!kvmdecode_stream_init(&cpus[i].s, tep, subbuf, (uint32_t)i));
		/* Another kernel's layout: the fields' bytes then read as garbage, safely. */
		if (commit4)
			cpus[i].s.commit_size = 4;
		if (big != cpus[i].s.big) {
			cpus[i].s.big = big;
			cpus[i].s.swap = !cpus[i].s.swap;
		}
	}
	kb = rbref_kbuffer(&cpus[0].s);
	FUZZ_CHECK(kb);
	for (i = 0; i < npages; i++) {
		struct cpu *c = &cpus[i % ncpus];
		size_t off = (size_t)i * subbuf, n = size - off < subbuf ? size - off : subbuf;
		uint8_t *page = calloc(1, subbuf);

		FUZZ_CHECK(page);
		memcpy(page, data + off, n);
		c->pages[c->npages++] = page;
		check_page(&c->s, kb, page);
	}
	first = merge(cpus, ncpus, npages);
	room = subbuf - 8 - (unsigned int)cpus[0].s.commit_size;
	FUZZ_CHECK(first <= (long)npages * (room / 4));
	/* Loads neither change a sub-buffer nor depend on the one before: the same again. */
	FUZZ_CHECK(merge(cpus, ncpus, npages) == first);
	for (i = 0; i < ncpus; i++)
		while (cpus[i].npages)
			free(cpus[i].pages[--cpus[i].npages]);
	kbuffer_free(kb);
	return 0;
}
