/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording opened for reading: what a replay loop asks of it.
 *
 *   recording_open()    walks the file(s) once and keeps an index of every tick (its time,
 *                       where its frame is, which key tick it decodes from); nothing is
 *                       decompressed. Damage is skipped and said in recording_warning().
 *   recording_count()   the number of ticks, O(1).
 *   recording_tick()    tick i's seq, wall clock and monotonic time, O(1), no decompression.
 *   recording_find()    the first tick at or after a wall-clock time, O(log n).
 *   recording_read()    tick i as a snapshot: decompresses from its key tick (at most
 *                       REC_KEY_EVERY frames; the ticks of the key group last read are kept,
 *                       so stepping either way within it decompresses one frame or none).
 *   recording_segment() the header of the segment tick i belongs to (host, version...).
 *
 * Also reads batch JSON (one document per line, as `kvmscope -b --format json` prints, any
 * schema), so a capture replays like a recording. A directory means every recording in it
 * (kvmscope-*.rec, as `kvmscope record` names them), in time order.
 *
 * Ticks are indexed 0 .. count - 1 in file order, which is time order unless the clock was
 * set back while recording.
 */
#ifndef KVMSCOPE_RECORDING_H
#define KVMSCOPE_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* Opaque; recording_close() frees it. */
struct recording;

/* A tick as the index knows it. */
struct rec_tick_info {
	unsigned int seq;
	int64_t wall_s;
	uint64_t ts_ns;
	bool key; /* decodes alone */
};

/* A segment's header: who wrote it, where and how. Owned by the recording. */
struct rec_segment_info {
	const char *path;  /* the file */
	uint64_t offset;   /* of the header */
	int version;	   /* format version (recformat.h), 0 for batch JSON */
	int schema;	   /* of its documents */
	char kvmscope[32]; /* the writer's version; "" for batch JSON */
	int64_t created;   /* wall clock of its first tick */
	double interval_s; /* -d of the writer; 0 unknown */
	bool cumulative;
	char filter[128]; /* -p/-f of the writer, "" for every VM */
	char hostname[65];
	char kernel[65];
	char kvm[32];
};

/*
 * Returns 0 with *out the recording at path (a file or a directory), or -errno with one line
 * in why naming the file, the byte offset and what is wrong: -ENOENT and the like from the
 * system, -ENODATA for a recording with no tick (empty, or only damage), -EINVAL for a file
 * that is not a recording, -EPROTONOSUPPORT for one of a newer format or schema.
 */
int recording_open(const char *path, struct recording **out, char *why, size_t whysz);

/* Returns the number of ticks. */
size_t recording_count(const struct recording *r);

/* Returns what the index knows of tick i (< count). */
struct rec_tick_info recording_tick(const struct recording *r, size_t i);

/* Returns the first tick whose wall clock is at or after wall_s, or count when none is. */
size_t recording_find(const struct recording *r, int64_t wall_s);

/*
 * Returns 0 with *out tick i as a snapshot the caller frees (snapshot_free()), or -errno
 * with why naming the file, the byte offset and the damage (-EBADMSG).
 */
int recording_read(struct recording *r, size_t i, struct snapshot **out, char *why, size_t whysz);

/* Returns the header of the segment tick i is in. */
const struct rec_segment_info *recording_segment(const struct recording *r, size_t i);

/* Returns true when damage, not only a last tick cut short, was skipped at open. */
bool recording_damaged(const struct recording *r);

/* Returns true when no tick's wall clock is before the one of the tick before it. */
bool recording_sorted(const struct recording *r);

/* Returns warning k (< recording_nwarnings()): damage skipped at open, one line each. */
int recording_nwarnings(const struct recording *r);
const char *recording_warning(const struct recording *r, int k);

void recording_close(struct recording *r);

#endif
