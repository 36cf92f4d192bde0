// SPDX-License-Identifier: GPL-2.0
#include "recformat.h"

uint32_t recformat_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t recformat_le64(const uint8_t *p)
{
	return (uint64_t)recformat_le32(p) | (uint64_t)recformat_le32(p + 4) << 32;
}

void recformat_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void recformat_put64(uint8_t *p, uint64_t v)
{
	recformat_put32(p, (uint32_t)v);
	recformat_put32(p + 4, (uint32_t)(v >> 32));
}

uint32_t recformat_fnv(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	return recformat_fnv(REC_FNV0, p, n);
}

void recformat_put_entry(uint8_t *buf, const struct rec_entry *e)
{
	uint8_t *p = buf + REC_SKIP_HDR;

	recformat_put32(buf, REC_MAGIC_TICK);
	recformat_put32(buf + 4, REC_ENTRY_LEN);
	recformat_put32(p, e->frame_len);
	recformat_put32(p + 4, e->doc_len);
	recformat_put32(p + 8, e->seq);
	recformat_put32(p + 12, e->flags);
	recformat_put64(p + 16, e->ts_ns);
	recformat_put64(p + 24, (uint64_t)e->wall_s);
	recformat_put32(p + 32, 0);
	recformat_put32(p + 36, fnv1a(p, 36));
}

bool recformat_get_entry(const uint8_t *p, struct rec_entry *e)
{
	if (recformat_le32(p + 36) != fnv1a(p, 36))
		return false;
	e->frame_len = recformat_le32(p);
	e->doc_len = recformat_le32(p + 4);
	e->seq = recformat_le32(p + 8);
	e->flags = recformat_le32(p + 12);
	e->ts_ns = recformat_le64(p + 16);
	e->wall_s = (int64_t)recformat_le64(p + 24);
	return e->frame_len >= 4 && e->frame_len <= REC_DOC_MAX && e->doc_len &&
	       e->doc_len <= REC_DOC_MAX && !(e->flags & ~REC_KEY);
}
