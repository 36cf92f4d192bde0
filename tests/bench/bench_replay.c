// SPDX-License-Identifier: GPL-2.0
/*
 * What a replay loop gets from a long recording, and what the codec costs per tick.
 *
 * From the ticks of a real recording (TEMPLATE, e.g. what tests/bench/record.sh records of
 * 20 storm guests), writes a synthetic one of HOURS hours at one tick a second: the
 * template's ticks played forwards and backwards over and over (so that each tick follows
 * one much like it, as in a real run), their seq and clocks those of the new tick. Then:
 *   open     recording_open(): the index of every tick
 *   jump     recording_find() of a random time and recording_read() of that tick (from its
 *            key tick: the worst case a jump has), 200 times
 *   step     recording_read() of the next tick, and of the one before, 1000 times each
 * Target: open and jump in 200 ms at most; a step in 20 ms at most. Each is timed twice:
 * the thread's CPU time, which other load on the machine does not change, and wall time.
 * And the codec on the template's ticks: per zstd level, bytes and milliseconds a tick.
 *
 *   build/bench/bench_replay TEMPLATE.rec [hours (24)] [output (BENCH_DIR/replay.rec)]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "recording.h"
#include "recwriter.h"
#include "snapjson.h"
#include "snapread.h"

#define TPL_MAX 600

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints the median, 99th percentile and largest of n CPU and wall times (sorted here). */
static void figures(const char *what, double *cpu, double *wall, int n)
{
	qsort(cpu, (size_t)n, sizeof(*cpu), dbl_cmp);
	qsort(wall, (size_t)n, sizeof(*wall), dbl_cmp);
	printf("  %-24s cpu median %6.2f ms, p99 %6.2f, max %6.2f; wall median %6.2f, p99 %6.2f, "
	       "max %6.2f (%d)\n",
	       what, cpu[n / 2], cpu[n * 99 / 100], cpu[n - 1], wall[n / 2], wall[n * 99 / 100],
	       wall[n - 1], n);
}

/*
 * Returns tick i of the synthetic recording as its document (caller frees): the template's
 * document with the tick's seq and clocks in place of its own, which lead every document.
 */
static char *patched(const char *doc, size_t len, const struct snapshot *s, size_t *out)
{
	const char *rest = strstr(doc, ",\"interval_ns\":");
	char head[160], *buf;
	int h;

	h = snprintf(head, sizeof(head), "{\"schema\":%d,\"seq\":%u,\"wall_s\":%lld,\"ts_ns\":%llu",
		     SNAPJSON_SCHEMA, s->seq, (long long)s->wall_s, (unsigned long long)s->ts_ns);
	*out = (size_t)h + len - (size_t)(rest - doc);
	buf = malloc(*out);
	memcpy(buf, head, (size_t)h);
	memcpy(buf + h, rest, len - (size_t)(rest - doc));
	return buf;
}

/* Returns s as its compact document (caller frees), the length in *len. */
static char *doc_of(const struct snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	snapjson_write_form(f, s, NULL, SNAPJSON_COMPACT);
	fclose(f);
	return buf;
}

/* The codec on the template's ticks: bytes and time a tick, per level. */
static void codec(struct snapshot **tpl, int n)
{
	static const int levels[] = { 1, 3, 6, 9, 12, 15 };
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_DCtx *d = ZSTD_createDCtx();
	double t0, tw = 0, tp = 0, td = 0;
	char **docs = calloc((size_t)n, sizeof(*docs)), *out, *back, why[256];
	size_t *lens = calloc((size_t)n, sizeof(*lens)), cap = 0, bytes, z, li;
	struct snapshot *s;
	int i;

	for (i = 0; i < n; i++) {
		t0 = mono_ms();
		docs[i] = doc_of(tpl[i], &lens[i]);
		tw += mono_ms() - t0;
		cap = lens[i] > cap ? lens[i] : cap;
		t0 = mono_ms();
		if (!snapread_parse(docs[i], lens[i], &s, NULL, why, sizeof(why)))
			snapshot_free(s);
		tp += mono_ms() - t0;
	}
	printf("  a tick of the template: %zu bytes of compact JSON; written in %.2f ms, "
	       "read (json-c) in %.2f ms\n",
	       lens[0], tw / n, tp / n);
	out = malloc(ZSTD_compressBound(cap));
	back = malloc(cap);
	for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		double tc = 0;

		bytes = 0;
		td = 0;
		ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, levels[li]);
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
		for (i = 1; i < n; i++) {
			ZSTD_CCtx_reset(c, ZSTD_reset_session_only);
			ZSTD_CCtx_refPrefix(c, docs[i - 1], lens[i - 1]);
			t0 = mono_ms();
			z = ZSTD_compress2(c, out, ZSTD_compressBound(cap), docs[i], lens[i]);
			tc += mono_ms() - t0;
			bytes += z;
			ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
			ZSTD_DCtx_refPrefix(d, docs[i - 1], lens[i - 1]);
			t0 = mono_ms();
			ZSTD_decompressDCtx(d, back, cap, out, z);
			td += mono_ms() - t0;
		}
		printf("  zstd %2d, prefix the tick before: %6.0f bytes a tick (%.1f per VM), "
		       "%.2f ms to compress, %.3f ms to decompress%s\n",
		       levels[li], (double)bytes / (n - 1), (double)bytes / (n - 1) / tpl[0]->nvms,
		       tc / (n - 1), td / (n - 1),
		       levels[li] == REC_LEVEL ? "  <- recordings" : "");
	}
	for (i = 0; i < n; i++)
		free(docs[i]);
	free(docs);
	free(lens);
	free(out);
	free(back);
	ZSTD_freeCCtx(c);
	ZSTD_freeDCtx(d);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "build/bench";
	struct recwriter_info info = { .kvmscope = "bench", .interval_s = 1, .no_sync = true };
	struct snapshot *tpl[TPL_MAX], *s;
	char *docs[TPL_MAX], why[512], out[512], *doc;
	size_t lens[TPL_MAX], cnt, j, len;
	double t0, c0, tgen, t[1000], c[1000];
	struct recording *r;
	struct recwriter *w;
	long hours, i, nt;
	int n = 0, k, err;

	if (argc < 2) {
		printf("  skipped: needs a recording to take ticks from (tests/bench/record.sh "
		       "gives it one)\n");
		return 0;
	}
	hours = argc > 2 ? atol(argv[2]) : 24;
	snprintf(out, sizeof(out), "%s", argc > 3 ? argv[3] : "");
	if (!out[0])
		snprintf(out, sizeof(out), "%s/replay.rec", dir);
	err = recording_open(argv[1], &r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "bench_replay: %s\n", why);
		return 1;
	}
	for (j = 0; j < recording_count(r) && n < TPL_MAX; j++)
		if (!recording_read(r, j, &tpl[n], why, sizeof(why)))
			n++;
	recording_close(r);
	if (n < 2) {
		fprintf(stderr, "bench_replay: %s: fewer than 2 ticks\n", argv[1]);
		return 1;
	}
	printf("  template: %d ticks of %s, %d VMs\n", n, argv[1], tpl[0]->nvms);
	codec(tpl, n);

	/* The synthetic recording: the template there and back, one tick a second. */
	unlink(out);
	err = recwriter_open(out, &info, &w);
	if (err) {
		fprintf(stderr, "bench_replay: %s: %s\n", out, strerror(-err));
		return 1;
	}
	nt = hours * 3600;
	for (k = 0; k < n; k++)
		docs[k] = doc_of(tpl[k], &lens[k]);
	t0 = mono_ms();
	for (i = 0; i < nt; i++) {
		long p = i % (2 * n - 2);

		p = p < n ? p : 2 * n - 2 - p;
		s = tpl[p];
		s->seq = (unsigned int)(i + 1);
		s->wall_s = 1700000000 + i;
		s->ts_ns = 1000000000ull * (uint64_t)(i + 1);
		doc = patched(docs[p], lens[p], s, &len);
		err = recwriter_doc(w, s, doc, len);
		free(doc);
		if (err) {
			fprintf(stderr, "bench_replay: %s: %s\n", out, strerror(-err));
			return 1;
		}
	}
	tgen = mono_ms() - t0;
	printf("  wrote %s: %ld ticks (%ld h at 1 s), %.1f MB (%.0f bytes a VM-hour), in %.0f s\n",
	       out, nt, hours, (double)recwriter_size(w) / 1e6,
	       (double)recwriter_size(w) / tpl[0]->nvms / (double)hours, tgen / 1e3);
	recwriter_close(w);
	for (k = 0; k < n; k++) {
		snapshot_free(tpl[k]);
		free(docs[k]);
	}

	/* Open: the index of every tick. Twice: the second with the file in the page cache. */
	for (k = 0; k < 2; k++) {
		t0 = mono_ms();
		c0 = cpu_ms();
		err = recording_open(out, &r, why, sizeof(why));
		c[k] = cpu_ms() - c0;
		t[k] = mono_ms() - t0;
		if (err) {
			fprintf(stderr, "bench_replay: %s\n", why);
			return 1;
		}
		if (!k)
			recording_close(r);
	}
	cnt = recording_count(r);
	printf("  open (%zu ticks indexed): cpu %.1f ms, wall %.1f ms; again: cpu %.1f ms, wall "
	       "%.1f ms\n",
	       cnt, c[0], t[0], c[1], t[1]);
	srand(42);
	for (k = 0; k < 200; k++) {
		int64_t when = 1700000000 + (int64_t)((double)rand() / RAND_MAX * (double)(nt - 1));

		t0 = mono_ms();
		c0 = cpu_ms();
		j = recording_find(r, when);
		err = recording_read(r, j, &s, why, sizeof(why));
		c[k] = cpu_ms() - c0;
		t[k] = mono_ms() - t0;
		if (err) {
			fprintf(stderr, "bench_replay: %s\n", why);
			return 1;
		}
		snapshot_free(s);
	}
	figures("jump to a time, read:", c, t, 200);
	j = recording_find(r, 1700000000 + nt / 2);
	for (k = 0; k < 1000; k++) {
		t0 = mono_ms();
		c0 = cpu_ms();
		err = recording_read(r, j + (size_t)k, &s, why, sizeof(why));
		c[k] = cpu_ms() - c0;
		t[k] = mono_ms() - t0;
		if (err)
			return 1;
		snapshot_free(s);
	}
	figures("step to the next tick:", c, t, 1000);
	for (k = 0; k < 1000; k++) {
		t0 = mono_ms();
		c0 = cpu_ms();
		err = recording_read(r, j + 999 - (size_t)k, &s, why, sizeof(why));
		c[k] = cpu_ms() - c0;
		t[k] = mono_ms() - t0;
		if (err)
			return 1;
		snapshot_free(s);
	}
	figures("step to the tick before:", c, t, 1000);
	recording_close(r);
	return 0;
}
