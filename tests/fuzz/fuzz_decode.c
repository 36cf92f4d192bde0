// SPDX-License-Identifier: GPL-2.0
/*
 * The trace decoder and the cross-CPU merge over sub-buffers as trace_pipe_raw hands them
 * over, or as a trace.dat or a recording could hold them: anything.
 *
 * Input: one byte of setup (bits 0-1: CPUs - 1; bits 2-3: sub-buffer size 4096, 1024, 256
 * or 64 bytes), then the sub-buffers, dealt to the CPUs in turn; a short last one is padded
 * with zeros. Each sub-buffer is a heap block of its own size, so ASan sees any read past it.
 * The decoder is built from the committed formats (tests/fixtures/events, or the directory
 * in KVMSCOPE_FUZZ_EVENTS), never from the running kernel.
 *
 * Oracles: the merge ends (libFuzzer's -timeout catches a hang); every event has a known
 * type and one of the CPUs; no more events than the sub-buffers have room for; every
 * malformed sub-buffer is found when it is loaded; and a second merge over the same
 * sub-buffers delivers the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "fuzz.h"
#include "kvm_event.h"
#include "kvmdecode.h"

#ifndef FUZZ_FIXTURES
#define FUZZ_FIXTURES "tests/fixtures"
#endif

#define MAX_CPUS  4
#define MAX_PAGES 64

static const unsigned int subbuf_sizes[4] = { 4096, 1024, 256, 64 };

static struct kvmdecode dec;
static struct tep_handle *tep;

/* One CPU: its sub-buffers, loaded in turn. s is first: refill casts back. */
struct cpu {
	struct kvmdecode_stream s;
	uint8_t *pages[MAX_PAGES];
	int npages, next;
	unsigned long long bad_at_load; /* s.bad counted by the loads alone */
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
	unsigned long long bad = s->bad;

	(void)arg;
	if (c->next >= c->npages)
		return 0;
	/* As the probe does: an unreadable sub-buffer leaves s without a record, and on. */
	kvmdecode_stream_load(s, c->pages[c->next++]);
	c->bad_at_load += s->bad - bad;
	return 1;
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
	/* Every malformed sub-buffer was found at its load, none during the walk. */
	for (i = 0; i < ncpus; i++)
		FUZZ_CHECK(cpus[i].s.bad == cpus[i].bad_at_load);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu cpus[MAX_CPUS];
	unsigned int subbuf, room;
	int ncpus, npages, i;
	long first;

	if (size < 2)
		return 0;
	ncpus = (data[0] & 3) + 1;
	subbuf = subbuf_sizes[(data[0] >> 2) & 3];
	data++;
	size--;
	npages = (int)((size + subbuf - 1) / subbuf);
	if (npages > MAX_PAGES)
		npages = MAX_PAGES;
	memset(cpus, 0, sizeof(cpus));
	for (i = 0; i < ncpus; i++)
		FUZZ_CHECK(!kvmdecode_stream_init(&cpus[i].s, tep, subbuf, (uint32_t)i));
	for (i = 0; i < npages; i++) {
		struct cpu *c = &cpus[i % ncpus];
		size_t off = (size_t)i * subbuf, n = size - off < subbuf ? size - off : subbuf;
		uint8_t *page = calloc(1, subbuf);

		FUZZ_CHECK(page);
		memcpy(page, data + off, n);
		c->pages[c->npages++] = page;
	}
	first = merge(cpus, ncpus, npages);
	room = subbuf - 8 - (unsigned int)tep_get_header_page_size(tep);
	FUZZ_CHECK(first <= (long)npages * (room / 4));
	/* Loads neither change a sub-buffer nor depend on the one before: the same again. */
	FUZZ_CHECK(merge(cpus, ncpus, npages) == first);
	for (i = 0; i < ncpus; i++)
		while (cpus[i].npages)
			free(cpus[i].pages[--cpus[i].npages]);
	return 0;
}
