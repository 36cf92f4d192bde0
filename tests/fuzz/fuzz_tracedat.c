// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the trace.dat reader path: arbitrary bytes as a file through the
 * layout check, libtracecmd's open, the page streams, the decoder, the thread learning and
 * the sample, in ticks and again after a rewind. The file is a memfd, so that libtracecmd
 * maps and reads it as it would a file on disk. Built by `make fuzz` (clang,
 * -fsanitize=fuzzer,address,undefined); seeds in tests/fuzz/corpus/tracedat/ (regress-*: what
 * it found). Run on a copy of the corpus:
 *
 *   ASAN_OPTIONS=allocator_may_return_null=1 LSAN_OPTIONS=suppressions=tests/lsan.supp \
 *	build/fuzz/fuzz_tracedat -max_total_time=300 -malloc_limit_mb=4096 CORPUS_COPY
 *
 * libtracecmd allocates what a file's sizes say (the reader checks those it can reach): a
 * failed allocation is an error it handles, so large ones may fail rather than end the run;
 * and it and libtraceevent leak on some paths of theirs, which tests/lsan.supp names.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event-parse.h>

#include "procfs.h"
#include "tracedat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libtraceevent's warnings on broken formats would flood the fuzzer's output. */
int tep_vprint(const char *name, enum tep_loglevel level, bool print_err, const char *fmt,
	       va_list ap)
{
	(void)name;
	(void)level;
	(void)print_err;
	(void)fmt;
	(void)ap;
	return 0;
}

static void count(void *arg, const struct kvm_event *ev)
{
	uint64_t *n = arg;

	/* Touch what the model would read. */
	*n += ev->type + ev->tid + (ev->ts_ns & 1);
}

/* Returns 0 after releasing a sample's arrays (procfs_sample_free without the procfs probe). */
static int sample_free(struct procfs_sample *s)
{
	int v;

	for (v = 0; v < s->vms_cap; v++)
		free(s->vms[v].threads);
	free(s->vms);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	struct procfs_sample ps = { 0 };
	struct tracedat *td;
	char why[256];
	uint64_t n = 0, t0, comm;
	char name[16];
	int i;

	if (fd < 0) {
		fd = memfd_create("fuzz.dat", MFD_CLOEXEC);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		return 0;
	td = tracedat_open(path, NULL, why, sizeof(why));
	if (!td)
		return 0;
	for (i = 0; i < 2; i++) {
		t0 = tracedat_next_ns(td);
		/* A few ticks, then the rest: the bounded merge and its resumption. */
		tracedat_read(td, t0 + 1000, count, &n);
		tracedat_read(td, t0 + 1000000, count, &n);
		tracedat_read(td, ~0ull, count, &n);
		tracedat_sample(td, &ps);
		for (comm = 0; comm < 4; comm++)
			tracedat_comm(td, (int)comm, name, sizeof(name));
		tracedat_lost(td);
		tracedat_records(td, &n);
		tracedat_status(td, 0);
		tracedat_rewind(td);
	}
	sample_free(&ps);
	tracedat_close(td);
	return 0;
}
