// SPDX-License-Identifier: GPL-2.0
/*
 * The recording: snapshots written and read back the same, every field, across key and
 * prefixed ticks and appended segments; the index (count, times, find); a file cut at every
 * byte, damaged, foreign, empty, of a newer version; batch JSON read as a recording; a
 * directory; the recorder's rotation and retention; the replay's times.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "recformat.h"
#include "recorder.h"
#include "recording.h"
#include "recwriter.h"
#include "replay.h"
#include "snapcmp.h"
#include "snapjson.h"
#include "unit.h"

#define NTICKS 7
#define WALL0  1700000000

static char tmpdir[64];

static void setup(void)
{
	/* tmpfs where there is one: the cut-at-every-byte test writes many files. */
	snprintf(tmpdir, sizeof(tmpdir), "/dev/shm/kvmscope-rec.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/kvmscope-rec.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* Returns tick k of a made-up run: the every-field snapshot, its clocks and counts moved on. */
static struct snapshot *tick_snap(int k)
{
	struct snapshot *s = snapfull();

	s->seq = 100 + (unsigned int)k;
	s->wall_s = WALL0 + k;
	s->ts_ns = 5000000000ull + (uint64_t)k * 1000000000ull;
	s->events = (uint64_t)k * 12345;
	s->vms[0].exits_count += (uint64_t)k;
	s->vms[0].exits_rate = (double)s->vms[0].exits_count * 1e9 / (double)s->window_ns;
	s->vms[1].cpu.cpu = 50.0 + k / 3.0;
	s->vms[2].gone = k % 2; /* a VM that comes and goes */
	return s;
}

static const struct recwriter_info info = {
	.kvmscope = "test", .interval_s = 1, .no_sync = true, .key_every = 3
};

/* Writes ticks from..to-1 to path with a new writer (appending a segment). */
static void write_ticks(const char *path, int from, int to)
{
	struct recwriter *w;
	int k;

	ck_assert_int_eq(recwriter_open(path, &info, &w), 0);
	for (k = from; k < to; k++) {
		struct snapshot *s = tick_snap(k);

		ck_assert_int_eq(recwriter_tick(w, s), 0);
		snapshot_free(s);
	}
	recwriter_close(w);
}

/* Checks that tick i of r is tick k of the run, field by field. */
static void check_tick(struct recording *r, size_t i, int k)
{
	struct snapshot *got, *want = tick_snap(k);
	char why[512];
	int err;

	err = recording_read(r, i, &got, why, sizeof(why));
	ck_assert_msg(!err, "tick %zu: %s", i, why);
	ck_assert_msg(!snapcmp(want, got, why, sizeof(why)), "tick %zu: %s", i, why);
	snapshot_free(got);
	snapshot_free(want);
}

static struct recording *open_ok(const char *path)
{
	struct recording *r;
	char why[512];
	int err = recording_open(path, &r, why, sizeof(why));

	ck_assert_msg(!err, "%s (%d)", why, err);
	return r;
}

START_TEST(every_field_every_tick)
{
	const char *path = tmp("a.rec");
	struct recording *r;
	struct snapshot *s;
	size_t i;

	write_ticks(path, 0, NTICKS);
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	ck_assert_int_eq(recording_nwarnings(r), 0);
	for (i = 0; i < NTICKS; i++) {
		struct rec_tick_info ti = recording_tick(r, i);

		ck_assert_uint_eq(ti.seq, 100 + i);
		ck_assert_int_eq(ti.wall_s, WALL0 + (int64_t)i);
		ck_assert_int_eq(ti.key, i % 3 == 0); /* key_every 3 */
		check_tick(r, i, (int)i);
	}
	/* Backwards and at random: the same. */
	for (i = NTICKS; i-- > 0;)
		check_tick(r, i, (int)i);
	check_tick(r, 5, 5);
	check_tick(r, 1, 1);
	ck_assert_str_eq(recording_segment(r, 0)->kvmscope, "test");
	s = snapfull();
	ck_assert_str_eq(recording_segment(r, 0)->hostname, s->host.hostname);
	snapshot_free(s);
	ck_assert_int_eq(recording_segment(r, 0)->schema, SNAPJSON_SCHEMA);
	ck_assert_int_eq(recording_segment(r, 0)->version, REC_VERSION);
	recording_close(r);
}
END_TEST

START_TEST(find_by_time)
{
	const char *path = tmp("a.rec");
	struct recording *r;

	write_ticks(path, 0, NTICKS);
	r = open_ok(path);
	ck_assert_uint_eq(recording_find(r, 0), 0);
	ck_assert_uint_eq(recording_find(r, WALL0 + 3), 3);
	ck_assert_uint_eq(recording_find(r, WALL0 + NTICKS - 1), NTICKS - 1);
	ck_assert_uint_eq(recording_find(r, WALL0 + NTICKS), NTICKS);
	ck_assert(recording_sorted(r));
	recording_close(r);
}
END_TEST

START_TEST(appended_segments)
{
	const char *path = tmp("a.rec");
	struct recording *r;
	size_t i;

	write_ticks(path, 0, 4);
	write_ticks(path, 4, NTICKS);
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	ck_assert(recording_tick(r, 4).key); /* a segment starts with a key tick */
	ck_assert_uint_ne(recording_segment(r, 3)->offset, recording_segment(r, 4)->offset);
	for (i = 0; i < NTICKS; i++)
		check_tick(r, i, (int)i);
	recording_close(r);
}
END_TEST

/* Returns the contents of path (caller frees), its length in *len. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = xmalloc((size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Returns the offsets of the index frames of a recording in buf. */
static int index_frames(const uint8_t *buf, size_t len, size_t *at)
{
	size_t off = 0;
	int n = 0;

	while (off + 8 <= len) {
		if (recformat_le32(buf + off) == REC_MAGIC_INDEX)
			at[n++] = off;
		off += 8 + recformat_le32(buf + off + 4) +
		       (recformat_le32(buf + off) == REC_MAGIC_TICK ? recformat_le32(buf + off + 8)
								    : 0);
	}
	return n;
}

/* Returns the offsets where each tick's entry starts, and where its frame ends. */
static int tick_spans(const uint8_t *buf, size_t len, size_t *start, size_t *end)
{
	size_t off = 0;
	int n = 0;

	while (off + 8 <= len) {
		uint32_t magic = recformat_le32(buf + off), l = recformat_le32(buf + off + 4);

		if (magic == REC_MAGIC_TICK) {
			start[n] = off;
			off += 8 + l + recformat_le32(buf + off + 8);
			end[n++] = off;
		} else {
			off += 8 + l;
		}
	}
	return n;
}

/* A recording cut at every byte: never a crash; the whole ticks before the cut are read. */
START_TEST(cut_at_every_byte)
{
	const char *path = tmp("a.rec"), *cut = tmp("cut.rec");
	size_t len, l, start[NTICKS], end[NTICKS], idx[NTICKS], i;
	uint8_t *buf;
	int n, whole, ni, k;

	write_ticks(path, 0, 5);
	buf = slurp(path, &len);
	n = tick_spans(buf, len, start, end);
	ck_assert_int_eq(n, 5);
	ni = index_frames(buf, len, idx);
	ck_assert_int_eq(ni, 2);
	for (l = 0; l < len; l++) {
		struct recording *r;
		char why[512];
		int err;

		spill(cut, buf, l);
		for (whole = 0; whole < n && end[whole] <= l; whole++)
			;
		err = recording_open(cut, &r, why, sizeof(why));
		if (!whole) {
			ck_assert_msg(err == -ENODATA, "cut at %zu: %d %s", l, err, why);
			ck_assert_ptr_nonnull(strstr(why, cut));
			continue;
		}
		ck_assert_msg(!err, "cut at %zu: %s", l, why);
		ck_assert_uint_eq(recording_count(r), (size_t)whole);
		ck_assert(!recording_damaged(r));
		/* Whole up to the cut: the end of a tick, or of the index frame after it. */
		for (k = 0; k < ni; k++)
			if (l == idx[k] + 8 + recformat_le32(buf + idx[k] + 4))
				break;
		if (l != end[whole - 1] && k == ni) {
			/* One line: the file, the byte, what. */
			ck_assert_int_eq(recording_nwarnings(r), 1);
			ck_assert_ptr_nonnull(strstr(recording_warning(r, 0), cut));
			ck_assert_ptr_nonnull(strstr(recording_warning(r, 0), "byte"));
			ck_assert_ptr_nonnull(strstr(recording_warning(r, 0), "cut short"));
		}
		/* The last whole tick is the one at risk; all of them now and then. */
		for (i = l % 97 ? (size_t)whole - 1 : 0; i < (size_t)whole; i++)
			check_tick(r, i, (int)i);
		recording_close(r);
	}
	free(buf);
}
END_TEST

/* A byte changed in a frame: that tick and those decoded from it fail, the rest read. */
START_TEST(damaged_frame)
{
	const char *path = tmp("a.rec");
	size_t len, start[NTICKS], end[NTICKS];
	struct snapshot *s;
	struct recording *r;
	uint8_t *buf;
	char why[512], where[64];

	write_ticks(path, 0, NTICKS);
	buf = slurp(path, &len);
	ck_assert_int_eq(tick_spans(buf, len, start, end), NTICKS);
	/* Tick 4 (prefixed on 3): a byte in the middle of its frame. */
	buf[(start[4] + 48 + end[4]) / 2] ^= 0x55;
	spill(path, buf, len);
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	check_tick(r, 3, 3);
	ck_assert_int_eq(recording_read(r, 4, &s, why, sizeof(why)), -EBADMSG);
	snprintf(where, sizeof(where), "byte %zu: tick seq 104", start[4] + 48);
	ck_assert_msg(strstr(why, path) && strstr(why, where), "%s", why);
	ck_assert_int_eq(recording_read(r, 5, &s, why, sizeof(why)), -EBADMSG);
	check_tick(r, 6, 6); /* the next key tick */
	recording_close(r);
	free(buf);
}
END_TEST

/* A byte changed in an entry an index frame covers: the index has it right, nothing lost. */
START_TEST(damaged_entry_indexed)
{
	const char *path = tmp("a.rec");
	size_t len, start[NTICKS], end[NTICKS], i;
	struct recording *r;
	uint8_t *buf;

	write_ticks(path, 0, NTICKS);
	buf = slurp(path, &len);
	ck_assert_int_eq(tick_spans(buf, len, start, end), NTICKS);
	buf[start[1] + 20] ^= 1; /* tick 1's seq: its check fails */
	spill(path, buf, len);
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	ck_assert_int_eq(recording_nwarnings(r), 0);
	for (i = 0; i < NTICKS; i++)
		check_tick(r, i, (int)i);
	recording_close(r);
	free(buf);
}
END_TEST

/* A damaged entry and the index frame of its group: walked, skipped to the next key tick. */
START_TEST(damaged_entry)
{
	const char *path = tmp("a.rec");
	size_t len, start[NTICKS], end[NTICKS], idx[NTICKS];
	struct recording *r;
	uint8_t *buf;

	write_ticks(path, 0, NTICKS);
	buf = slurp(path, &len);
	ck_assert_int_eq(tick_spans(buf, len, start, end), NTICKS);
	ck_assert_int_eq(index_frames(buf, len, idx), 3); /* ticks 0-2, 3-5, 6 */
	buf[start[1] + 20] ^= 1;
	buf[idx[0] + 8 + 40] ^= 1; /* in its compressed entries: its check fails */
	spill(path, buf, len);
	r = open_ok(path);
	/* Ticks 1 and 2 are lost (2 needs 1 as its prefix); 0 and 3.. remain. */
	ck_assert_uint_eq(recording_count(r), NTICKS - 2);
	ck_assert(recording_damaged(r));
	ck_assert_int_eq(recording_nwarnings(r), 1);
	ck_assert_msg(strstr(recording_warning(r, 0), "damaged: skipped"), "%s",
		      recording_warning(r, 0));
	check_tick(r, 0, 0);
	check_tick(r, 1, 3);
	check_tick(r, 4, 6);
	recording_close(r);
	free(buf);
}
END_TEST

/* Killed while writing (no clean close): the last group has no index; its entries walk. */
START_TEST(unindexed_tail)
{
	const char *path = tmp("a.rec");
	size_t len, start[NTICKS], end[NTICKS], idx[NTICKS], i;
	struct recording *r;
	uint8_t *buf;

	write_ticks(path, 0, NTICKS - 2);
	buf = slurp(path, &len);
	ck_assert_int_eq(index_frames(buf, len, idx), 2); /* ticks 0-2 and 3-4 */
	ck_assert_int_eq(tick_spans(buf, len, start, end), NTICKS - 2);
	spill(path, buf, idx[1]);	       /* as if killed before the close */
	write_ticks(path, NTICKS - 2, NTICKS); /* and started again: a segment appended */
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	ck_assert_int_eq(recording_nwarnings(r), 0);
	for (i = 0; i < NTICKS; i++)
		check_tick(r, i, (int)i);
	recording_close(r);
	free(buf);
}
END_TEST

/* Returns the error of opening a file with these bytes, its message in why. */
static int open_bytes(const void *bytes, size_t len, char *why, size_t n)
{
	const char *path = tmp("x.rec");
	struct recording *r = NULL;
	int err;

	spill(path, bytes, len);
	err = recording_open(path, &r, why, n);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(why, path));
	return err;
}

START_TEST(foreign_and_empty)
{
	char why[512], zbuf[64];
	size_t z;

	ck_assert_int_eq(open_bytes("", 0, why, sizeof(why)), -ENODATA);
	ck_assert_ptr_nonnull(strstr(why, "empty: no tick was recorded"));
	ck_assert_int_eq(open_bytes("\x7f"
				    "ELF\x02\x01\x01",
				    7, why, sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "byte 0: a program, not a kvmscope recording"));
	ck_assert_int_eq(open_bytes("\x1f\x8b\x08\x00", 4, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "gzip data"));
	z = ZSTD_compress(zbuf, sizeof(zbuf), "hello", 5, 1);
	ck_assert(!ZSTD_isError(z));
	ck_assert_int_eq(open_bytes(zbuf, z, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "zstd data, but not a kvmscope recording"));
	ck_assert_int_eq(open_bytes("hello\n", 6, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "byte 0: not a kvmscope recording"));
	/* Batch JSON that is not JSON: no tick. */
	ck_assert_int_eq(open_bytes("{nope\n", 6, why, sizeof(why)), -ENODATA);
	ck_assert_ptr_nonnull(strstr(why, "no tick can be read"));
}
END_TEST

START_TEST(header_only)
{
	const char *path = tmp("a.rec");
	size_t len, start[NTICKS], end[NTICKS];
	struct recording *r;
	uint8_t *buf;
	char why[512];

	write_ticks(path, 0, 1);
	buf = slurp(path, &len);
	ck_assert_int_eq(tick_spans(buf, len, start, end), 1);
	spill(path, buf, start[0]);
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), -ENODATA);
	ck_assert_msg(strstr(why, "no tick was recorded (a header only)"), "%s", why);
	free(buf);
}
END_TEST

/* A newer format or schema is refused with what it is. */
START_TEST(newer_version)
{
	const char *path = tmp("a.rec");
	struct recording *r;
	size_t len;
	uint8_t *buf;
	char why[512], *schema;

	write_ticks(path, 0, 2);
	buf = slurp(path, &len);
	recformat_put32(buf + REC_SKIP_HDR + REC_HEADER_TAG_LEN, REC_VERSION + 1);
	spill(path, buf, len);
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), -EPROTONOSUPPORT);
	ck_assert_msg(strstr(why, "byte 0: recording format version 2 is newer than this kvmscope "
				  "reads (1)"),
		      "%s", why);
	recformat_put32(buf + REC_SKIP_HDR + REC_HEADER_TAG_LEN, REC_VERSION);
	schema = memmem(buf, len, "\"schema\":2", 10);
	ck_assert_ptr_nonnull(schema);
	schema[9] = '3';
	spill(path, buf, len);
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), -EPROTONOSUPPORT);
	ck_assert_msg(strstr(why, "snapshot schema 3 is newer than this kvmscope reads (1 to 2)"),
		      "%s", why);
	free(buf);
}
END_TEST

/* Batch JSON, one document a line, reads like a recording; a bad line is skipped. */
START_TEST(batch_json_as_recording)
{
	const char *path = tmp("batch.json");
	struct recording *r;
	FILE *f = fopen(path, "w");
	int k;

	ck_assert_ptr_nonnull(f);
	for (k = 0; k < 3; k++) {
		struct snapshot *s = tick_snap(k);

		snapjson_write(f, s, NULL);
		if (k == 1)
			fputs("{\"seq\": broken\n", f);
		snapshot_free(s);
	}
	fclose(f);
	r = open_ok(path);
	ck_assert_uint_eq(recording_count(r), 3);
	ck_assert_int_eq(recording_nwarnings(r), 1);
	ck_assert_msg(strstr(recording_warning(r, 0), "(line 3)"), "%s", recording_warning(r, 0));
	for (k = 0; k < 3; k++)
		check_tick(r, (size_t)k, k);
	ck_assert_int_eq(recording_segment(r, 0)->version, 0);
	recording_close(r);
}
END_TEST

START_TEST(directory_of_recordings)
{
	struct recording *r;
	size_t i;

	write_ticks(tmp("kvmscope-20231114-221320.rec"), 0, 3);
	write_ticks(tmp("kvmscope-20231114-221323.rec"), 3, NTICKS);
	spill(tmp("notes.txt"), "not ours", 8);
	r = open_ok(tmpdir);
	ck_assert_uint_eq(recording_count(r), NTICKS);
	for (i = 0; i < NTICKS; i++)
		check_tick(r, i, (int)i);
	recording_close(r);
}
END_TEST

/* Counts the recorder's files in the directory. */
static int count_files(const char *dir)
{
	char cmd[256], line[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^kvmscope-.*\\.rec$'", dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	pclose(p);
	return atoi(line);
}

static int notes;
static void count_note(void *arg, const char *line)
{
	(void)arg;
	(void)line;
	notes++;
}

/* Size rotation starts a file per tick here; a total size cap keeps only the newest. */
START_TEST(recorder_rotates_and_retains)
{
	struct recorder_config c = { .max_size = 1,
				     .max_total = 1,
				     .never_rotate = true,
				     .info = info,
				     .note = count_note };
	struct recorder *rec;
	struct recording *r;
	char dir[128], why[512];
	int k;

	snprintf(dir, sizeof(dir), "%s/recs/", tmpdir);
	c.path = dir;
	notes = 0;
	ck_assert_int_eq(recorder_open(&c, &rec, why, sizeof(why)), 0);
	for (k = 0; k < 4; k++) {
		struct snapshot *s = tick_snap(k);

		ck_assert_msg(!recorder_tick(rec, s, why, sizeof(why)), "%s", why);
		snapshot_free(s);
	}
	recorder_close(rec);
	/* 4 files started, 3 removed: the one being written is never removed. */
	ck_assert_int_eq(count_files(dir), 1);
	ck_assert_int_eq(notes, 7);
	r = open_ok(dir);
	ck_assert_uint_eq(recording_count(r), 1);
	check_tick(r, 0, 3);
	recording_close(r);
	/* A directory's option on a file is refused. */
	c.path = tmp("one.rec");
	ck_assert_int_eq(recorder_open(&c, &rec, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "need a directory"), "%s", why);
}
END_TEST

/* Files not written for --keep-days go, and only files named as the recorder names them. */
START_TEST(recorder_keep_days)
{
	struct recorder_config c = { .keep_days = 1, .info = info };
	struct timespec old[2] = { { .tv_sec = 946684800 }, { .tv_sec = 946684800 } };
	struct recorder *rec;
	char why[512];

	c.path = tmpdir;
	spill(tmp("kvmscope-20000101-000000.rec"), "x", 1);
	spill(tmp("kvmscope-notes.rec"), "x", 1);
	spill(tmp("other.txt"), "x", 1);
	ck_assert_int_eq(utimensat(AT_FDCWD, tmp("kvmscope-20000101-000000.rec"), old, 0), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, tmp("kvmscope-notes.rec"), old, 0), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, tmp("other.txt"), old, 0), 0);
	ck_assert_int_eq(recorder_open(&c, &rec, why, sizeof(why)), 0);
	recorder_close(rec);
	ck_assert_int_ne(access(tmp("kvmscope-20000101-000000.rec"), F_OK), 0);
	ck_assert_int_eq(access(tmp("kvmscope-notes.rec"), F_OK), 0);
	ck_assert_int_eq(access(tmp("other.txt"), F_OK), 0);
}
END_TEST

/* SIGHUP after logrotate moved the file: the path is opened again, both files read. */
START_TEST(recorder_reopens)
{
	struct recorder_config c = { .info = info };
	struct recorder *rec;
	struct recording *r;
	char why[512];
	int k;

	c.path = tmp("live.rec");
	ck_assert_int_eq(recorder_open(&c, &rec, why, sizeof(why)), 0);
	for (k = 0; k < 3; k++) {
		struct snapshot *s = tick_snap(k);

		if (k == 2) {
			ck_assert_int_eq(rename(tmp("live.rec"), tmp("live.rec.1")), 0);
			ck_assert_int_eq(recorder_reopen(rec, why, sizeof(why)), 0);
		}
		ck_assert_msg(!recorder_tick(rec, s, why, sizeof(why)), "%s", why);
		snapshot_free(s);
	}
	recorder_close(rec);
	r = open_ok(tmp("live.rec.1"));
	ck_assert_uint_eq(recording_count(r), 2);
	recording_close(r);
	r = open_ok(tmp("live.rec"));
	ck_assert_uint_eq(recording_count(r), 1);
	check_tick(r, 0, 2);
	recording_close(r);
}
END_TEST

START_TEST(replay_times)
{
	int64_t t;
	struct tm tm;
	time_t day = WALL0;

	ck_assert_int_eq(replay_time("@1700000000", 0, &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(replay_time("2023-11-14T22:13:20Z", 0, &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(replay_time("2023-11-14 23:13:20+01:00", 0, &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(replay_time("2023-11-14 22:13Z", 0, &t), 0);
	ck_assert_int_eq(t, 1700000000 - 20);
	/* A time of day is the last one at or before the recording's end, local time. */
	localtime_r(&day, &tm);
	tm.tm_hour = 3;
	tm.tm_min = 12;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	day = mktime(&tm);
	ck_assert_int_eq(replay_time("03:12", day + 3600, &t), 0);
	ck_assert_int_eq(t, (int64_t)day);
	ck_assert_int_eq(replay_time("03:12", day, &t), 0);
	ck_assert_int_eq(t, (int64_t)day);
	ck_assert_int_eq(replay_time("03:12", day - 60, &t), 0);
	tm.tm_mday--;
	tm.tm_isdst = -1;
	ck_assert_int_eq(t, (int64_t)mktime(&tm));
	ck_assert_int_eq(replay_time("03:12:30Z", WALL0, &t), 0);
	ck_assert_int_eq(replay_time("3 pm", 0, &t), -EINVAL);
	ck_assert_int_eq(replay_time("@", 0, &t), -EINVAL);
	ck_assert_int_eq(replay_time("2023-11-14 25:00", 0, &t), -EINVAL);
	ck_assert_int_eq(replay_time("12:00 trailing", 0, &t), -EINVAL);
}
END_TEST

static Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_field_every_tick);
	tcase_add_test(tc, find_by_time);
	tcase_add_test(tc, appended_segments);
	tcase_add_test(tc, cut_at_every_byte);
	tcase_add_test(tc, damaged_frame);
	tcase_add_test(tc, damaged_entry_indexed);
	tcase_add_test(tc, damaged_entry);
	tcase_add_test(tc, unindexed_tail);
	tcase_add_test(tc, foreign_and_empty);
	tcase_add_test(tc, header_only);
	tcase_add_test(tc, newer_version);
	tcase_add_test(tc, batch_json_as_recording);
	tcase_add_test(tc, directory_of_recordings);
	tcase_add_test(tc, recorder_rotates_and_retains);
	tcase_add_test(tc, recorder_keep_days);
	tcase_add_test(tc, recorder_reopens);
	tcase_add_test(tc, replay_times);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(record_suite)
