/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference for kvmdecode's sub-buffer walker: libtraceevent's kbuffer, which the
 * decoder used before it walked sub-buffers itself, and a model of kbuffer's steps that says
 * where kbuffer, reading a page as it stands, would first loop or read past the page's data.
 * The unit tests run both readers over real and built pages and require the same records;
 * fuzz_decode does it on arbitrary pages, running kbuffer only over the part of a page the
 * model says it can read. Header-only; shared by test_decode and fuzz_decode.
 */
#ifndef KVMSCOPE_RBREF_H
#define KVMSCOPE_RBREF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kbuffer.h>

#include "kvmdecode.h"

/* One record as a reader saw it: its time, where its payload starts in the data, its size. */
struct rbref_rec {
	uint64_t ts;
	unsigned int off;
	unsigned int size;
};

/* Returns a kbuffer that reads the sub-buffers s reads (free with kbuffer_free), or NULL. */
static inline struct kbuffer *rbref_kbuffer(const struct kvmdecode_stream *s)
{
	return kbuffer_alloc(s->commit_size == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
			     s->big ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
}

/* Returns the data offset of a sub-buffer: after the timestamp and the commit word. */
static inline unsigned int rbref_hdr(const struct kvmdecode_stream *s)
{
	return 8 + (unsigned int)s->commit_size;
}

/* Returns a 32-bit word of the page in the host's byte order. */
static inline uint32_t rbref_rd32(const struct kvmdecode_stream *s, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return s->swap ? __builtin_bswap32(v) : v;
}

/* Returns the commit word of a sub-buffer in the host's byte order. */
static inline uint64_t rbref_commit(const struct kvmdecode_stream *s, const uint8_t *page)
{
	uint64_t v;

	if (s->commit_size == 4)
		return rbref_rd32(s, page + 8);
	memcpy(&v, page + 8, 8);
	return s->swap ? __builtin_bswap64(v) : v;
}

/* Writes a sub-buffer's commit word in the page's byte order. */
static inline void rbref_set_commit(const struct kvmdecode_stream *s, uint8_t *page,
				    uint64_t commit)
{
	uint32_t c4 = (uint32_t)commit;

	if (s->commit_size == 4) {
		c4 = s->swap ? __builtin_bswap32(c4) : c4;
		memcpy(page + 8, &c4, 4);
		return;
	}
	commit = s->swap ? __builtin_bswap64(commit) : commit;
	memcpy(page + 8, &commit, 8);
}

/* Returns the records kbuffer reads from page, at most max of them into out. */
static inline int rbref_kbuffer_read(const struct kvmdecode_stream *s, struct kbuffer *kb,
				     void *page, struct rbref_rec *out, int max)
{
	unsigned long long ts;
	uint8_t *data = (uint8_t *)page + rbref_hdr(s);
	void *rec;
	int n = 0;

	if (kbuffer_load_subbuffer(kb, page))
		return -1;
	for (rec = kbuffer_read_event(kb, &ts); rec && n < max;
	     rec = kbuffer_next_event(kb, &ts), n++) {
		out[n].ts = ts;
		out[n].off = (unsigned int)((uint8_t *)rec - data);
		out[n].size = (unsigned int)kbuffer_event_size(kb);
	}
	return n;
}

/* Returns the records kvmdecode's walker reads from page, at most max of them into out. */
static inline int rbref_walker_read(struct kvmdecode_stream *s, const void *page,
				    struct rbref_rec *out, int max)
{
	int n = 0;

	if (kvmdecode_stream_load(s, page))
		return -1;
	for (; s->rec && n < max; kvmdecode_stream_next(s), n++) {
		out[n].ts = s->ts;
		out[n].off = (unsigned int)((const uint8_t *)s->rec - s->data);
		out[n].size = s->size;
	}
	return n;
}

/*
 * Returns the data offset of the first item kbuffer cannot read safely in a page whose
 * data is data, committed bytes long (the commit word's length bits), in a page with room
 * bytes after the header; UINT_MAX when it reads the whole page safely. Unsafe: a header,
 * or the length word that every item but a short record has, past the committed data or the
 * page; a record of negative size or past them; a padding whose length takes kbuffer back
 * or nowhere (it skips padding inside one call, so it loops there). The steps are kbuffer's
 * own (kbuffer-parse.c translate_data, update_pointers, __next_event), in its 32-bit
 * unsigned arithmetic. *empty_at is set to the offset of the first padding with no time
 * delta kbuffer meets, which it reads as any padding and the kernel as the end of the
 * records (UINT_MAX: none).
 */
static inline unsigned int rbref_kbuffer_limit(const struct kvmdecode_stream *s,
					       const uint8_t *data, uint32_t committed,
					       uint32_t room, unsigned int *empty_at)
{
	uint32_t curr, next = 0, limit = committed < room ? committed : room, w, w2, type_len,
		       delta;
	int64_t length;

	*empty_at = UINT_MAX;
	for (;;) {
		curr = next;
		if (next >= committed)
			return UINT_MAX;
		if ((uint64_t)curr + 4 > limit)
			return curr;
		w = rbref_rd32(s, data + curr);
		type_len = s->big ? w >> 27 : w & 31;
		delta = s->big ? w & ((1u << 27) - 1) : w >> 5;
		if (type_len == 29 && !delta && *empty_at == UINT_MAX)
			*empty_at = curr;
		if (type_len >= 1 && type_len <= 28) {
			if ((uint64_t)curr + 4 + type_len * 4 > limit)
				return curr;
			next = curr + 4 + type_len * 4;
			continue;
		}
		if ((uint64_t)curr + 8 > limit)
			return curr;
		w2 = rbref_rd32(s, data + curr + 4);
		switch (type_len) {
		case 0:
			length = (((int64_t)(int32_t)(w2 - 4)) + 3) & ~(int64_t)3;
			if (length < 0 || (uint64_t)curr + 8 + (uint64_t)length > limit)
				return curr;
			next = curr + 8 + (uint32_t)length;
			break;
		case 29:
			next = curr + 4 + w2;
			if (next <= curr)
				return curr;
			break;
		default:
			next = curr + 8;
			break;
		}
	}
}

/* How the walker and kbuffer read one page, as rbref_compare() finds it. */
struct rbref_result {
	int walker, kbuffer;   /* records each read (-1: the load failed) */
	unsigned int unsafe;   /* rbref_kbuffer_limit(), UINT_MAX: none */
	unsigned int empty_at; /* its *empty_at */
	bool walker_cut;       /* the walker counted the page bad */
	int first_diff;	       /* index of the first record that differs; -1: none */
};

/*
 * Returns true when the walker reads page (s->subbuf_size bytes) as kbuffer does: the same
 * records, times and sizes, up to where the kernel's records end (a padding with no time
 * delta) or kbuffer would read unsafely; and when kbuffer would read unsafely before the
 * records end, the walker counted the page bad. kbuffer reads a copy of page (in scratch,
 * s->subbuf_size bytes) whose commit word is cut to that point with its loss flags cleared,
 * so it never reads past what the model cleared. rec_w and rec_k hold max records each.
 */
static inline bool rbref_compare(struct kvmdecode_stream *s, struct kbuffer *kb,
				 const uint8_t *page, uint8_t *scratch, struct rbref_rec *rec_w,
				 struct rbref_rec *rec_k, int max, struct rbref_result *r)
{
	unsigned int hdr = rbref_hdr(s), room = s->subbuf_size - hdr, upto;
	uint64_t commit = rbref_commit(s, page), committed = commit & ((1u << 27) - 1);
	unsigned long long bad = s->bad;
	int i, n;

	memset(r, 0, sizeof(*r));
	r->first_diff = -1;
	r->walker = rbref_walker_read(s, page, rec_w, max);
	r->walker_cut = s->bad != bad;
	r->unsafe = rbref_kbuffer_limit(s, page + hdr, (uint32_t)committed, room, &r->empty_at);
	upto = r->unsafe < r->empty_at ? r->unsafe : r->empty_at;
	memcpy(scratch, page, s->subbuf_size);
	rbref_set_commit(s, scratch, upto < committed ? upto : committed);
	r->kbuffer = rbref_kbuffer_read(s, kb, scratch, rec_k, max);
	n = r->walker < r->kbuffer ? r->walker : r->kbuffer;
	for (i = 0; i < n && r->first_diff < 0; i++)
		if (rec_w[i].ts != rec_k[i].ts || rec_w[i].off != rec_k[i].off ||
		    rec_w[i].size != rec_k[i].size)
			r->first_diff = i;
	if (r->first_diff < 0 && r->walker != r->kbuffer)
		r->first_diff = n > 0 ? n : 0;
	if (r->first_diff >= 0)
		return false;
	return !(r->unsafe != UINT_MAX && r->unsafe < r->empty_at && !r->walker_cut);
}

#endif
