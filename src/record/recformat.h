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
 *   segment  := header tick...
 *   header   := skippable frame, magic REC_MAGIC_HEADER, payload:
 *                 "KVMSCOPE-REC" (12 bytes), u32 format version, then the header: one JSON
 *                 object (format, version, schema, kvmscope, created, interval_s, cumulative,
 *                 filter, key_every, zstd_level, host, sources)
 *   tick     := entry frame
 *   entry    := skippable frame, magic REC_MAGIC_TICK, payload of REC_ENTRY_LEN bytes
 *                 (struct rec_entry, in that order) with an FNV-1a check of the rest
 *   frame    := a zstd frame holding one snapshot document of schema "schema" in the compact
 *                 form and a newline (doc_len bytes), with its content size and checksum. A
 *                 key tick is compressed alone; any other tick with the previous tick's
 *                 document as its prefix (ZSTD_CCtx_refPrefix), so it costs what changed.
 *
 * The entry before each frame is the index: a reader walks the entries (skipping frames by
 * their length) to know every tick's time without decompressing; to read tick i it
 * decompresses from the key tick before it. Each tick is written with one write() and then
 * fdatasync(), so a crash loses at most the tick being written; a reader skips a tick cut
 * short at the end, and over damage in the middle to the next header or key tick.
 */
#ifndef KVMSCOPE_RECFORMAT_H
#define KVMSCOPE_RECFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_VERSION	     1
#define REC_MAGIC_HEADER     0x184D2A5Cu /* zstd skippable frame magics (0x184D2A50-5F) */
#define REC_MAGIC_TICK	     0x184D2A5Du
#define REC_MAGIC_ZSTD	     0xFD2FB528u
#define REC_HEADER_TAG	     "KVMSCOPE-REC"
#define REC_HEADER_TAG_LEN   12
#define REC_HEADER_MAX	     (1u << 20) /* a header's payload, at most */
#define REC_ENTRY_LEN	     40
#define REC_DOC_MAX	     (64u << 20) /* a document, at most: larger is damage */
#define REC_KEY		     0x1u /* entry flag: compressed alone */
#define REC_SKIP_HDR	     8 /* magic and length of a skippable frame */
/* A writer makes a key tick at least this often, and after this much text. */
#define REC_KEY_EVERY	     60
#define REC_KEY_BYTES	     (8u << 20)

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

/* Returns the little-endian u32 / u64 at p. */
uint32_t recformat_le32(const uint8_t *p);
uint64_t recformat_le64(const uint8_t *p);
void recformat_put32(uint8_t *p, uint32_t v);
void recformat_put64(uint8_t *p, uint64_t v);

#endif
