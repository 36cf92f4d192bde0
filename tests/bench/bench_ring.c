// SPDX-License-Identifier: GPL-2.0
/*
 * What the live screen's rolling buffer costs on a big host: NVMS synthetic VMs (fleet.h: 4
 * vCPUs each, every table full), their counts and times jittered each tick so that the
 * recording compresses as a real one would rather than as a repeated document, MINUTES of
 * ticks at 1 s into a buffer of MINUTES.
 *   tick      recring_tick(): the compact JSON, zstd against the tick before, the chunk's merge
 *   memory    the recording in memory and the chunks' merged snapshots, at the end
 *   summary   recring_merged(), what the w key adds to writing the file
 *   write     recring_write() into a file
 * per zstd level. Each time is the thread's CPU time.
 *
 *   build/bench/bench_ring [nvms (100)] [minutes (10)]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "recring.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rnd_state = 88172645463325252ull;

/* Returns a factor from 0.5 to 1.5 (xorshift: the same figures every run). */
static double jitter(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return 0.5 + (double)(rnd_state % 1000) / 1000.0;
}

/* Counts and times of a live host change every tick: so they do here. */
static void shake(struct snapshot *s)
{
	int v, i, t;

	for (v = 0; v < s->nvms; v++) {
		struct snap_vm *vm = &s->vms[v];

		vm->cpu.cpu *= jitter();
		for (i = 0; i < vm->nexits; i++) {
			vm->exits[i].count = (uint64_t)((double)vm->exits[i].count * jitter());
			vm->exits[i].rate = (double)vm->exits[i].count;
			vm->exits[i].p99_ns = (uint64_t)((double)vm->exits[i].p99_ns * jitter());
			vm->exits[i].mean_ns *= jitter();
			vm->exits[i].time_share *= jitter();
		}
		for (i = 0; i < vm->nhot; i++) {
			vm->hot[i].count = (uint64_t)((double)vm->hot[i].count * jitter());
			vm->hot[i].rate = (double)vm->hot[i].count;
		}
		for (t = 0; t < vm->nthreads; t++) {
			struct snap_thread *th = &vm->threads[t];

			th->cpu.cpu *= jitter();
			th->split.guest *= jitter();
			for (i = 0; i < th->ncounters; i++)
				th->counters[i].value += (uint64_t)(1e6 * jitter());
			for (i = 0; i < th->nexits; i++)
				th->exits[i].count =
					(uint64_t)((double)th->exits[i].count * jitter());
		}
		if (vm->wake)
			for (i = 0; i < vm->wake->nedges; i++)
				vm->wake->edges[i].count =
					(uint64_t)((double)vm->wake->edges[i].count * jitter());
	}
}

static int run(int nvms, int minutes, int level)
{
	struct recring_config c = {
		.info = { .kvmscope = "bench", .interval_s = 1, .level = level },
		.span_s = minutes * 60.0
	};
	struct recring *r = recring_new(&c);
	struct recring_stats st;
	struct snapshot *s, *m;
	double t0, tick_ms = 0, worst = 0, sum_ms, write_ms;
	char path[] = "/tmp/kvmscope-bench-ring.XXXXXX";
	int k, fd, n = minutes * 60;

	for (k = 0; k < n; k++) {
		s = fleet_snapshot(nvms, 4, (unsigned int)k + 1);
		shake(s);
		t0 = cpu_ms();
		if (recring_tick(r, s)) {
			fprintf(stderr, "bench_ring: recring_tick failed\n");
			return 1;
		}
		t0 = cpu_ms() - t0;
		tick_ms += t0;
		worst = t0 > worst ? t0 : worst;
		snapshot_free(s);
	}
	recring_stats(r, &st);
	t0 = cpu_ms();
	m = recring_merged(r);
	sum_ms = cpu_ms() - t0;
	snapshot_free(m);
	fd = mkstemp(path);
	t0 = cpu_ms();
	if (fd < 0 || recring_write(r, fd)) {
		fprintf(stderr, "bench_ring: write failed\n");
		return 1;
	}
	write_ms = cpu_ms() - t0;
	close(fd);
	unlink(path);
	printf("level %d: tick %.2f ms mean (%.1f ms worst, %.2f%% of a CPU at 1 s); memory %.1f "
	       "MB "
	       "recording (%.2f MB per VM-hour) + %.1f MB merged snapshots; summary %.0f ms; "
	       "write %.0f ms; %zu ticks, %.0f s\n",
	       level, tick_ms / n, worst, tick_ms / n / 10.0, (double)st.bytes / 1e6,
	       (double)st.bytes / 1e6 / nvms / (st.seconds / 3600), (double)st.merged_bytes / 1e6,
	       sum_ms, write_ms, st.ticks, st.seconds);
	recring_free(r);
	return 0;
}

int main(int argc, char **argv)
{
	int nvms = argc > 1 ? atoi(argv[1]) : 100, minutes = argc > 2 ? atoi(argv[2]) : 10;

	printf("rolling buffer of %d min, %d VMs of 4 vCPUs (fleet.h, jittered), 1 s ticks\n",
	       minutes, nvms);
	return run(nvms, minutes, 3) || run(nvms, minutes, 9);
}
