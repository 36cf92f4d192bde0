// SPDX-License-Identifier: GPL-2.0
/*
 * The recording reader (src/record/recording.c) and, through it, the snapshot JSON reader
 * (src/output/snapread.c) over any file: a recording, batch JSON, or anything else.
 *
 * Input: the bytes of the file, written to tmpfs and opened with recording_open().
 * Oracles: ASan/UBSan; an error or warning is one line naming the file; an open recording
 * has ticks, each read or failing with a line naming the file; a snapshot read back writes
 * (compact JSON) and reads again as the same snapshot, field by field.
 *
 * Seeds: FUZZ_MAKE_SEEDS=DIR build/fuzz/fuzz_recording writes the made ones (a recording
 * of a snapshot with every field set, cut and damaged variants, batch JSON) to DIR and
 * exits; tests/fuzz/corpus/fuzz_recording/README says where the others come from.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "recformat.h"
#include "recording.h"
#include "recwriter.h"
#include "snapcmp.h"
#include "snapjson.h"
#include "snapread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK FUZZ_CHECK

static char path[160]; /* the input as a file, in the target's private directory */

/* Writes len bytes to file p, replacing it. */
static void put_file(const char *p, const void *buf, size_t len)
{
	fuzz_put_file(p, buf, len, true);
}

/* A snapshot read back writes and reads again as itself. */
static void check_stable(const struct snapshot *s)
{
	struct snapshot *again;
	char *buf = NULL, why[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f);
	snapjson_write_form(f, s, NULL, SNAPJSON_COMPACT);
	CHECK(!fclose(f));
	if (snapread_parse(buf, len, &again, NULL, why, sizeof(why))) {
		fprintf(stderr, "written again, it does not read: %s\n", why);
		abort();
	}
	if (snapcmp(s, again, why, sizeof(why))) {
		fprintf(stderr, "written again, it reads different: %s\n", why);
		abort();
	}
	snapshot_free(again);
	free(buf);
}

/* Writes the made seeds into dir. */
static void make_seeds(const char *dir)
{
	const struct recwriter_info info = {
		.kvmscope = "seed", .interval_s = 1, .no_sync = true, .key_every = 2
	};
	char p[512], q[512];
	struct recwriter *w;
	uint8_t *buf;
	FILE *f;
	long n;
	int k;

	snprintf(p, sizeof(p), "%s/every-field.rec", dir);
	unlink(p);
	CHECK(!recwriter_open(p, &info, &w));
	for (k = 0; k < 3; k++) {
		struct snapshot *s = snapfull();

		s->seq += (unsigned int)k;
		s->wall_s += k;
		s->vms[1].cpu.cpu += k;
		CHECK(!recwriter_tick(w, s));
		snapshot_free(s);
	}
	recwriter_close(w);
	/* Cut in its last tick, and with a byte of its second tick's frame changed. */
	f = fopen(p, "rb");
	CHECK(f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET));
	buf = malloc((size_t)n);
	CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	snprintf(q, sizeof(q), "%s/every-field-cut.rec", dir);
	put_file(q, buf, (size_t)n - 100);
	buf[n / 2] ^= 0x20;
	snprintf(q, sizeof(q), "%s/every-field-damaged.rec", dir);
	put_file(q, buf, (size_t)n);
	free(buf);
	snprintf(p, sizeof(p), "%s/every-field.json", dir);
	f = fopen(p, "w");
	CHECK(f);
	for (k = 0; k < 2; k++) {
		struct snapshot *s = snapfull();

		snapjson_write_form(f, s, NULL, k ? SNAPJSON_COMPACT : SNAPJSON_FULL);
		snapshot_free(s);
	}
	fclose(f);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("FUZZ_MAKE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds)
		make_seeds(seeds);
	snprintf(path, sizeof(path), "%s/input.rec", fuzz_dir_get());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recording *r;
	char why[1024];
	size_t i, n;
	int k;

	put_file(path, data, size);
	if (recording_open(path, &r, why, sizeof(why))) {
		CHECK(strstr(why, path) && !strchr(why, '\n'));
		return 0;
	}
	n = recording_count(r);
	CHECK(n > 0);
	for (k = 0; k < recording_nwarnings(r); k++)
		CHECK(strstr(recording_warning(r, k), path));
	/* Forwards, then the first again (back to its key tick): at most 64 of them. */
	for (i = 0; i < n && i < 64; i++) {
		struct snapshot *s;

		if (recording_read(r, i, &s, why, sizeof(why))) {
			CHECK(strstr(why, path) && !strchr(why, '\n'));
			continue;
		}
		CHECK(s->seq == recording_tick(r, i).seq);
		check_stable(s);
		snapshot_free(s);
	}
	if (n > 1) {
		struct snapshot *s;

		if (!recording_read(r, 0, &s, why, sizeof(why)))
			snapshot_free(s);
	}
	CHECK(recording_find(r, INT64_MIN) == 0);
	CHECK(recording_find(r, INT64_MAX) <= n);
	CHECK(recording_segment(r, n - 1)->path);
	recording_close(r);
	return 0;
}
