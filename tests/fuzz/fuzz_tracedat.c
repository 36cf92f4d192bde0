// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the trace.dat reader: arbitrary bytes as a file through the layout
 * check, libtracecmd's open (in the child the probe forks, then for real), the page
 * streams, the decoder, the thread learning and the sample, in ticks and again after a
 * rewind. The file is a memfd, so libtracecmd maps and reads it as it would a file on disk.
 * Seeds (tests/fuzz/corpus-tracedat.sh) and the inputs that once crashed kvmscope inside
 * libtracecmd or libtraceevent (regress-*) are in tests/fuzz/corpus/fuzz_tracedat/.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "procfs.h"
#include "tracedat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

/*
 * libtracecmd allocates what a file's sizes say wherever the probe's check cannot reach
 * (inside compressed or parsed contents): an allocation too large fails, and it handles
 * that, as it would outside the sanitizers.
 */
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* The libraries' own leaks (see tests/lsan.supp): ours are still reported. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracecmd.so\n";
}

static void count(void *arg, const struct kvm_event *ev)
{
	uint64_t *n = arg;

	/* Touch what the model would read. */
	*n += ev->type + ev->tid + (ev->ts_ns & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	struct procfs_sample ps = { 0 };
	struct tracedat *td;
	char why[256], name[16];
	uint64_t n = 0, t0;
	int i, tid;

	if (fd < 0) {
		fd = memfd_create("fuzz.dat", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		return 0;
	td = tracedat_open(path, NULL, why, sizeof(why));
	if (!td) {
		/* Refused: one line, never more. */
		FUZZ_CHECK(why[0] && !strchr(why, '\n'));
		return 0;
	}
	for (i = 0; i < 2; i++) {
		t0 = tracedat_next_ns(td);
		/* A few ticks, then the rest: the bounded merge and its resumption. */
		tracedat_read(td, t0 + 1000, count, &n);
		tracedat_read(td, t0 + 1000000, count, &n);
		/* Read to the end, everything is read, unless the file failed a read. */
		FUZZ_CHECK(tracedat_read(td, ~0ull, count, &n) < 0 || tracedat_done(td));
		tracedat_sample(td, &ps);
		for (tid = 0; tid < 4; tid++)
			tracedat_comm(td, tid, name, sizeof(name));
		tracedat_lost(td);
		tracedat_records(td, &n);
		FUZZ_CHECK(tracedat_status(td, 0)->why[0]);
		tracedat_rewind(td);
	}
	procfs_sample_free(&ps);
	tracedat_close(td);
	return 0;
}
