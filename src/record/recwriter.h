/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes snapshots to one recording file (recformat.h): a segment header at the first tick,
 * then each tick's compact JSON document, compressed against the tick before, as one write
 * followed by fdatasync().
 */
#ifndef KVMSCOPE_RECWRITER_H
#define KVMSCOPE_RECWRITER_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

/* The zstd level of recordings: measured in tests/bench/record_size.sh. */
#define REC_LEVEL 9

/* What the writer puts in each segment's header, and how it writes. Owned by the caller. */
struct recwriter_info {
	const char *kvmscope;	  /* its version */
	double interval_s;	  /* -d */
	bool cumulative;	  /* -c */
	const char *filter;	  /* -p/-f as given; NULL: every VM */
	const regex_t *filter_re; /* the same compiled: VMs it does not match are left out */
	int level;		  /* zstd level; 0: REC_LEVEL */
	int key_every;		  /* a key tick at least this often; 0: REC_KEY_EVERY */
	bool no_sync;		  /* no fdatasync() after each tick (tests and benchmarks) */
};

/* Opaque; recwriter_close() frees it. */
struct recwriter;

/*
 * Returns 0 with *out a writer appending to path (created 0640 if missing; appending to a
 * recording starts a new segment), or -errno.
 */
int recwriter_open(const char *path, const struct recwriter_info *info, struct recwriter **out);

/*
 * Returns 0 after s is in the file (and on disk unless no_sync), or -errno. After a failed
 * write the file is cut back to the last whole tick where possible, and the next tick is a
 * key tick, so what is in the file stays readable.
 */
int recwriter_tick(struct recwriter *w, const struct snapshot *s);

/*
 * As recwriter_tick(), with s's compact JSON document already written (doc, len bytes, its
 * newline included): for a caller that has it, such as a benchmark writing many ticks. s
 * gives the index entry (seq, times) and, for a segment's header, the host and sources.
 */
int recwriter_doc(struct recwriter *w, const struct snapshot *s, const char *doc, size_t len);

/* Returns the bytes in the file: what was there at open and every whole tick since. */
uint64_t recwriter_size(const struct recwriter *w);

/* Returns the bytes of compact JSON the writer compressed, for figures. */
uint64_t recwriter_doc_bytes(const struct recwriter *w);

/* Indexes the last group and closes; removes the file it made if no tick reached it. */
void recwriter_close(struct recwriter *w);

#endif
