/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-disk format of a recording, version 1; the writer (recwriter.h) and the reader
 * (recording.h) share it. man/kvmscope.8 (RECORDING) says the same for users.
 *
 * A recording is a sequence of zstd frames (RFC 8878): kvmscope's own data in skippable
 * frames, which zstd tools pass over, and the snapshots in zstd frames. Integers are
 * little-endian.
 *
 *   file     := segment...          one per start of the writer (appending starts another)
 *   segment  := header group... [tick...]
 *   group    := tick... index      a key tick and the ticks decoded from it
 *   header   := skippable frame, magic REC_MAGIC_HEADER, payload:
 *                 "KVMSCOPE-REC" (12 bytes), u32 format version, then the header: one JSON
 *                 object (format, version, schema, kvmscope, created, interval_s, cumulative,
 *                 filter, key_every, zstd_level, host, sources)
 *   tick     := entry frame
 *   entry    := skippable frame, magic REC_MAGIC_TICK, payload of REC_ENTRY_LEN bytes
 *                 (struct rec_entry, in that order) with an FNV-1a check of the rest
 *   index    := skippable frame, magic REC_MAGIC_INDEX, payload: u64 its own offset, u64 the
 *                 offset of the segment's previous index (or of its header, for the first
 *                 group), u64 the offset of the group's first entry, u32 its ticks, u32 the
 *                 length of what follows, u32 an FNV-1a check of the rest of the payload,
 *                 then a zstd frame of the group's entry payloads, one after the other.
 *                 Written when the group is complete: before the next key tick, and at a
 *                 clean close.
 *   frame    := a zstd frame holding one snapshot document of schema "schema" in the compact
 *                 form and a newline (doc_len bytes), with its content size and checksum. A
 *                 key tick is compressed alone; any other tick with the previous tick's
 *                 document as its prefix (ZSTD_CCtx_refPrefix), so it costs what changed.
 *
 * A reader knows every tick's time without decompressing a document: from the end of the
 * file it follows the index frames back (a few kilobytes a group, one group a minute at a
 * 1 s interval), and walks the entries of what no index covers (the group being written
 * when the file was last read; damage) forwards, skipping frames by their length. To read
 * tick i it decompresses from the key tick before it. Each tick is written with one write() and
 * then fdatasync(), so a crash loses at most the tick being written; a reader skips a tick cut
 * short at the end, and over damage in the middle to the next header or key tick.
 */
#ifndef KVMSCOPE_RECFORMAT_H
#define KVMSCOPE_RECFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_VERSION	   1
#define REC_MAGIC_HEADER   0x184D2A5Cu /* zstd skippable frame magics (0x184D2A50-5F) */
#define REC_MAGIC_TICK	   0x184D2A5Du
#define REC_MAGIC_INDEX	   0x184D2A5Eu
#define REC_MAGIC_ZSTD	   0xFD2FB528u
#define REC_HEADER_TAG	   "KVMSCOPE-REC"
#define REC_HEADER_TAG_LEN 12
#define REC_HEADER_MAX	   (1u << 20) /* a header's payload, at most */
#define REC_ENTRY_LEN	   40
#define REC_DOC_MAX	   (64u << 20) /* a document, at most: larger is damage */
#define REC_KEY		   0x1u	       /* entry flag: compressed alone */
#define REC_SKIP_HDR	   8	       /* magic and length of a skippable frame */
#define REC_INDEX_FIXED	   36	       /* an index frame's payload before its entries */
#define REC_GROUP_MAX	   4096	       /* ticks in an index frame, at most */
/* A writer makes a key tick at least this often, and after this much text. */
#define REC_KEY_EVERY 60
#define REC_KEY_BYTES (8u << 20)

/* The index entry before a tick's frame. */
struct rec_entry {
	uint32_t frame_len; /* the zstd frame that follows */
	uint32_t doc_len;   /* its content: the document and a newline */
	uint32_t seq;	    /* the snapshot's */
	uint32_t flags;	    /* REC_KEY */
	uint64_t ts_ns;	    /* CLOCK_MONOTONIC of the tick */
	int64_t wall_s;	    /* wall clock of the tick */
};

/* Writes the skippable frame of e (REC_SKIP_HDR + REC_ENTRY_LEN bytes) to buf. */
void recformat_put_entry(uint8_t *buf, const struct rec_entry *e);
/*
 * Returns true with e decoded from the REC_ENTRY_LEN bytes of an entry's payload when its
 * check holds and its lengths are possible.
 */
bool recformat_get_entry(const uint8_t *payload, struct rec_entry *e);

/*
 * Returns the FNV-1a hash of n bytes, continuing from h (2166136261 to start): enough to
 * tell damage from our data, not a MAC.
 */
uint32_t recformat_fnv(uint32_t h, const uint8_t *p, size_t n);
#define REC_FNV0 2166136261u

/* Returns the little-endian u32 / u64 at p. */
uint32_t recformat_le32(const uint8_t *p);
uint64_t recformat_le64(const uint8_t *p);
void recformat_put32(uint8_t *p, uint32_t v);
void recformat_put64(uint8_t *p, uint64_t v);

#endif
