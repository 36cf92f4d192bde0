/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live screen's rolling buffer: the last minutes of ticks, kept as a recording in memory
 * (memrec.h), so that a key can write them out as a recording for the ticket. The ticks are
 * held in RECRING_CHUNKS chunks of a part of the span each, every chunk a recording segment of
 * its own: the oldest chunk goes as a whole once the others cover the span, so memory stays
 * bounded (the span and one chunk at most) and what is written is segments one after the
 * other, which the reader takes as one recording. Each chunk also keeps the merge of its
 * ticks (snapmerge.h), so the whole buffer's summary costs a few merges, not a read of every
 * tick. Beside the ticks it keeps each row's rates over the same span in slots
 * (sparkhist.h), what the screen draws its sparklines from without reading a tick again.
 */
#ifndef KVMSCOPE_RECRING_H
#define KVMSCOPE_RECRING_H

#include <stddef.h>
#include <stdint.h>

#include "recwriter.h"
#include "sparkhist.h"
#include "snapshot.h"

#define RECRING_CHUNKS 4 /* chunks in a span; one more is being filled */

/* Owned by the caller; copied at recring_new(). */
struct recring_config {
	struct recwriter_info info; /* each chunk's segment header; the level of its frames */
	double span_s;		    /* ticks kept: at least this many seconds of them */
};

/* Opaque; recring_free() frees it. */
struct recring;

struct recring *recring_new(const struct recring_config *c);
void recring_free(struct recring *r);

/* Returns 0 after keeping s (and dropping the oldest chunk when it is due), or -errno. */
int recring_tick(struct recring *r, const struct snapshot *s);

/* What the buffer holds. */
struct recring_stats {
	size_t ticks;
	double seconds;	       /* from the start of its first tick's window to its last tick */
	uint64_t bytes;	       /* of the recording in memory */
	uint64_t merged_bytes; /* of the chunks' merged snapshots, estimated */
};
void recring_stats(const struct recring *r, struct recring_stats *st);

/*
 * Returns the merge of every tick held (the caller frees it): the buffer's span as one
 * window; NULL when it holds none.
 */
struct snapshot *recring_merged(const struct recring *r);

/* Returns the rows' recent past over the span, fed with every tick kept; r owns it. */
const struct sparkhist *recring_history(const struct recring *r);

/* Returns 0 after writing every tick held to fd as one recording, or -errno (-ENODATA: none). */
int recring_write(struct recring *r, int fd);

/* Returns an estimate of the bytes s takes in memory. */
uint64_t recring_snapshot_bytes(const struct snapshot *s);

#endif
