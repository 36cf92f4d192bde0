// SPDX-License-Identifier: GPL-2.0
/*
 * Recordings in memory: ticks appended and read back (as a replay of a trace.dat keeps its
 * ticks), and the live screen's rolling buffer: bounded to its span, written out as one
 * recording the reader opens, and summed up as one merged window.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memrec.h"
#include "recording.h"
#include "recring.h"
#include "snapcmp.h"
#include "spantick.h"
#include "unit.h"

static const struct recwriter_info info = { .kvmscope = "test", .interval_s = 1 };

static char dir[64];

/* Returns an fd of a new file name in a directory of its own, its name in path. */
static int scratch(const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	unlink(path);
	return open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
}

START_TEST(memrec_appends_and_reads)
{
	struct snapshot *s[8], *back;
	struct recording *r;
	struct memrec *m;
	char why[256], path[128];
	int i, fd;

	ck_assert_int_eq(memrec_open(&info, &m), 0);
	ck_assert_ptr_null(memrec_reader(m, why, sizeof(why)));
	for (i = 0; i < 8; i++)
		s[i] = span_tick((unsigned int)i + 1, 100, 1000, 1000 + 10 * (uint64_t)i, 9000,
				 20000, 50);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(memrec_tick(m, s[i]), 0);
	r = memrec_reader(m, why, sizeof(why));
	ck_assert_msg(r, "%s", why);
	ck_assert_uint_eq(recording_count(r), 5);
	ck_assert_int_eq(recording_read(r, 3, &back, why, sizeof(why)), 0);
	ck_assert_msg(!snapcmp(s[3], back, why, sizeof(why)), "%s", why);
	snapshot_free(back);
	/* Ticks appended after a read: the next reader has them too. */
	for (; i < 8; i++)
		ck_assert_int_eq(memrec_tick(m, s[i]), 0);
	r = memrec_reader(m, why, sizeof(why));
	ck_assert_uint_eq(recording_count(r), 8);
	ck_assert_int_eq(recording_read(r, 7, &back, why, sizeof(why)), 0);
	ck_assert_msg(!snapcmp(s[7], back, why, sizeof(why)), "%s", why);
	snapshot_free(back);
	ck_assert_ptr_eq(memrec_reader(m, why, sizeof(why)), r);
	/* Copied into a file, it is a recording like any. */
	fd = scratch("copy.rec", path, sizeof(path));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(memrec_copy(m, fd), 0);
	close(fd);
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), 0);
	ck_assert_uint_eq(recording_count(r), 8);
	ck_assert(!recording_damaged(r));
	recording_close(r);
	unlink(path);
	memrec_close(m);
	for (i = 0; i < 8; i++)
		snapshot_free(s[i]);
}
END_TEST

/* Ten minutes of ticks into a buffer of two: two minutes and a part kept, bounded. */
START_TEST(ring_keeps_its_span)
{
	struct recring_config c = { .info = info, .span_s = 120 };
	struct recring *ring = recring_new(&c);
	struct recring_stats st;
	struct snapshot *s, *m, *back;
	struct recording *r;
	uint64_t held_exits = 0, max_bytes = 0;
	char why[256], path[128];
	size_t i;
	int fd, k;

	for (k = 0; k < 600; k++) {
		s = span_tick((unsigned int)k + 1, 100, 1000, 1000 + (uint64_t)k, 9000, 20000, 50);
		ck_assert_int_eq(recring_tick(ring, s), 0);
		snapshot_free(s);
		recring_stats(ring, &st);
		max_bytes = MAX(max_bytes, st.bytes);
		ck_assert_double_le(st.seconds, 120 + 120.0 / RECRING_CHUNKS + 1);
		if (k >= 120)
			ck_assert_double_ge(st.seconds, 120);
	}
	recring_stats(ring, &st);
	ck_assert_uint_ge(st.ticks, 120);
	ck_assert_uint_le(st.ticks, 120 + 120 / RECRING_CHUNKS + 1);
	/* Written out: one recording of every tick held, the newest last. */
	fd = scratch("ring.rec", path, sizeof(path));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(recring_write(ring, fd), 0);
	close(fd);
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), 0);
	ck_assert_msg(!recording_damaged(r) && !recording_nwarnings(r), "%s",
		      recording_nwarnings(r) ? recording_warning(r, 0) : "");
	ck_assert_uint_eq(recording_count(r), st.ticks);
	ck_assert_uint_eq(recording_tick(r, st.ticks - 1).seq, 600);
	unlink(path);
	for (i = 0; i < st.ticks; i++) {
		ck_assert_int_eq(recording_read(r, i, &back, why, sizeof(why)), 0);
		held_exits += back->vms[0].exits_count;
		snapshot_free(back);
	}
	recording_close(r);
	/* Its summary: every tick held as one window. */
	m = recring_merged(ring);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->seq, 600);
	ck_assert_uint_eq(m->window_ns, (uint64_t)st.ticks * 1000000000ull);
	ck_assert_uint_eq(m->vms[0].exits_count, held_exits);
	snapshot_free(m);
	recring_free(ring);
}
END_TEST

START_TEST(ring_empty)
{
	struct recring_config c = { .info = info, .span_s = 60 };
	struct recring *ring = recring_new(&c);
	struct recring_stats st;

	recring_stats(ring, &st);
	ck_assert_uint_eq(st.ticks, 0);
	ck_assert_ptr_null(recring_merged(ring));
	ck_assert_int_eq(recring_write(ring, 1), -ENODATA);
	recring_free(ring);
}
END_TEST

/* Made and removed by the runner, around the tests it forks. */
static void make_dir(void)
{
	strcpy(dir, "/tmp/kvmscope-recring.XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static void remove_dir(void)
{
	if (dir[0])
		rmdir(dir);
}

static Suite *recring_suite(void)
{
	Suite *s = suite_create("recring");
	TCase *tc = tcase_create("memory");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, memrec_appends_and_reads);
	tcase_add_test(tc, ring_keeps_its_span);
	tcase_add_test(tc, ring_empty);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(recring_suite)
