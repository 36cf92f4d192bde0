/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builds ring-buffer sub-buffers in memory in the kernel's layout (see events/header_page
 * and header_event): a header of a u64 timestamp and a long commit word (data length in the
 * low 27 bits, RB_MISSED_EVENTS at bit 31, RB_MISSED_STORED at bit 30, the missed count
 * stored after the data), then events of a 32-bit header (type_len:5, time_delta:27) and
 * their payload. type_len 1..28 gives the payload length in words; 0 means the next word
 * holds length + 4; 29 is padding (a discarded event), 30 a time extend (delta bits 27 and
 * up in the next word). Shared by the decoder tests and the ingest benchmark; header-only.
 */
#ifndef KVMSCOPE_RBPAGE_H
#define KVMSCOPE_RBPAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RB_TYPE_PADDING	    29
#define RB_TYPE_TIME_EXTEND 30
#define RB_DELTA_BITS	    27
#define RB_HDR		    16 /* u64 timestamp + 64-bit local_t commit */

/* One sub-buffer being written. Owned by the test; mem is the caller's. */
struct rbpage {
	uint8_t *mem;
	unsigned int size; /* sub-buffer size, header included */
	unsigned int used; /* data bytes written after the header */
	uint64_t last_ts;  /* timestamp of the last event written */
};

static inline void rbpage_put32(struct rbpage *p, uint32_t v)
{
	memcpy(p->mem + RB_HDR + p->used, &v, 4);
	p->used += 4;
}

/* Starts an empty sub-buffer whose events count from ts. */
static inline void rbpage_start(struct rbpage *p, void *mem, unsigned int size, uint64_t ts)
{
	p->mem = mem;
	p->size = size;
	p->used = 0;
	p->last_ts = ts;
	memset(mem, 0, size);
	memcpy(p->mem, &ts, 8);
}

/* Returns the bytes an event takes on the page, time extend included. */
static inline unsigned int rbpage_cost(const struct rbpage *p, uint64_t ts, unsigned int len,
				       bool long_form)
{
	unsigned int n = 4 + ((len + 3) & ~3u);

	if (long_form || len > 28 * 4)
		n += 4;
	if (ts - p->last_ts >= (1ull << RB_DELTA_BITS))
		n += 8;
	return n;
}

/* Returns true when an event fits, keeping 8 bytes for a stored missed count. */
static inline bool rbpage_fits(const struct rbpage *p, uint64_t ts, unsigned int len,
			       bool long_form)
{
	return RB_HDR + p->used + rbpage_cost(p, ts, len, long_form) + 8 <= p->size;
}

/*
 * Returns 0 after writing an event of len payload bytes at time ts, -1 when it does not
 * fit. long_form forces the type_len 0 header (as kernels with 8-byte alignment write).
 */
static inline int rbpage_add(struct rbpage *p, uint64_t ts, const void *payload, unsigned int len,
			     bool long_form)
{
	uint64_t delta = ts - p->last_ts;
	unsigned int words = (len + 3) / 4;

	if (!rbpage_fits(p, ts, len, long_form))
		return -1;
	if (delta >= (1ull << RB_DELTA_BITS)) {
		rbpage_put32(p, RB_TYPE_TIME_EXTEND |
					(uint32_t)(delta & ((1u << RB_DELTA_BITS) - 1)) << 5);
		rbpage_put32(p, (uint32_t)(delta >> RB_DELTA_BITS));
		delta = 0;
	}
	if (long_form || words > 28) {
		rbpage_put32(p, (uint32_t)delta << 5);
		rbpage_put32(p, words * 4 + 4);
	} else {
		rbpage_put32(p, words | (uint32_t)delta << 5);
	}
	memset(p->mem + RB_HDR + p->used, 0, words * 4);
	memcpy(p->mem + RB_HDR + p->used, payload, len);
	p->used += words * 4;
	p->last_ts = ts;
	return 0;
}

/*
 * Returns 0 after writing a discarded event of len payload bytes at time ts: the kernel
 * turns it into padding that keeps its time delta and its length in the next word.
 */
static inline int rbpage_discarded(struct rbpage *p, uint64_t ts, unsigned int len)
{
	uint64_t delta = ts - p->last_ts;
	unsigned int words = (len + 3) / 4;

	if (delta >= (1ull << RB_DELTA_BITS) || !delta ||
	    RB_HDR + p->used + 4 + words * 4 + 8 > p->size)
		return -1;
	rbpage_put32(p, RB_TYPE_PADDING | (uint32_t)delta << 5);
	/* The length word is the payload's first word. */
	memcpy(p->mem + RB_HDR + p->used, &(uint32_t){ words * 4 }, 4);
	p->used += words * 4;
	p->last_ts = ts;
	return 0;
}

/*
 * Finishes the sub-buffer: writes the commit word with the data length; missed > 0 sets
 * RB_MISSED_EVENTS and stores the count, missed < 0 sets the flag alone.
 */
static inline void rbpage_finish(struct rbpage *p, long long missed)
{
	uint64_t commit = p->used;

	if (missed) {
		commit |= 1ull << 31;
		if (missed > 0) {
			uint64_t m = (uint64_t)missed;

			commit |= 1ull << 30;
			memcpy(p->mem + RB_HDR + p->used, &m, 8);
		}
	}
	memcpy(p->mem + 8, &commit, 8);
}

#endif
