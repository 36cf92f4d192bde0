// SPDX-License-Identifier: GPL-2.0
/*
 * Reads recordings (recformat.h) and batch JSON captures: an index of every tick at open,
 * documents decompressed and parsed on demand. Nothing in a file is trusted: every length
 * is checked against the file and REC_DOC_MAX, entries carry a check, zstd checks each
 * frame's content, and a document is parsed by snapread.c, which checks every value's type.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "recformat.h"
#include "recording.h"
#include "snapjson.h"
#include "snapread.h"
#include "util.h"

#define RBUF_CHUNK  (1u << 20)
#define ZHDR_MAX    18		/* the longest zstd frame header (ZSTD_FRAMEHEADERSIZE_MAX) */
#define CACHE_BYTES (64u << 20) /* decoded documents kept for stepping back */
#define REC_GLOB    "kvmscope-*.rec"
/* An index frame, at most: the fixed part and what the entries of a group compress to. */
#define REC_INDEX_MAX (REC_INDEX_FIXED + REC_GROUP_MAX * REC_ENTRY_LEN + 4096)
/* How far back from the end an index frame is looked for: more than a group takes. */
#define REC_INDEX_SCAN (64ull << 20)

/* A file of the recording. */
struct rfile {
	char *path;
	int fd;
	uint64_t size; /* at open: what was written later is not read */
	bool jsonl;    /* batch JSON lines, not a recording */
};

/* A tick of the index. */
struct rtick {
	uint64_t off;	    /* of its zstd frame, or of its line */
	uint32_t frame_len; /* or the line's length */
	uint32_t doc_len;
	uint32_t seq;
	uint32_t file;
	uint32_t seg;
	uint32_t key_back; /* how many ticks back its key tick is */
	int64_t wall_s;
	uint64_t ts_ns;
};

/* Owns its files, the index, the warnings and the decoded documents of one key group. */
struct recording {
	struct rfile *files;
	int nfiles, cap_files;
	struct rec_segment_info *segs;
	int nsegs, cap_segs;
	struct rtick *ticks;
	size_t nticks, cap_ticks;
	char **warn;
	int nwarn, cap_warn;
	bool sorted;  /* wall clocks never go back: binary search */
	bool damaged; /* more than a last tick cut short was skipped */
	/* The key group last read: documents lo .. hi - 1 of it decoded (indices of ticks). */
	size_t gkey, glen, lo, hi;
	char **docs; /* docs[j - gkey] */
	uint64_t cached;
	ZSTD_DCtx *dctx;
	uint8_t *zbuf;
	size_t zcap;
};

/* A window of a file being walked: reads in big chunks, so an index is one pass. */
struct rbuf {
	int fd;
	uint64_t size;
	uint8_t *buf;
	size_t cap;
	uint64_t boff; /* file offset of buf[0] */
	size_t blen;
};

/* Returns the n bytes of the file at off (off + n <= size), or NULL on a read error. */
static const uint8_t *rb_get(struct rbuf *rb, uint64_t off, size_t n)
{
	size_t want;
	ssize_t got;

	if (off >= rb->boff && off + n <= rb->boff + rb->blen)
		return rb->buf + (off - rb->boff);
	want = n > RBUF_CHUNK ? n : RBUF_CHUNK;
	if (want > rb->size - off)
		want = (size_t)(rb->size - off);
	if (rb->cap < want) {
		rb->buf = xrealloc(rb->buf, want);
		rb->cap = want;
	}
	rb->boff = off;
	rb->blen = 0;
	while (rb->blen < want) {
		got = pread(rb->fd, rb->buf + rb->blen, want - rb->blen, (off_t)(off + rb->blen));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		rb->blen += (size_t)got;
	}
	return rb->blen >= n ? rb->buf : NULL;
}

static void warn(struct recording *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct recording *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->warn = xgrow(r->warn, &r->cap_warn, r->nwarn + 1, sizeof(*r->warn));
	r->warn[r->nwarn++] = xstrdup(line);
}

static struct rtick *add_tick(struct recording *r)
{
	if (r->nticks == r->cap_ticks) {
		r->cap_ticks = r->cap_ticks ? 2 * r->cap_ticks : 1024;
		r->ticks = xrealloc(r->ticks, r->cap_ticks * sizeof(*r->ticks));
	}
	memset(&r->ticks[r->nticks], 0, sizeof(*r->ticks));
	return &r->ticks[r->nticks++];
}

static struct rec_segment_info *add_seg(struct recording *r, const struct rfile *f, uint64_t off)
{
	struct rec_segment_info *sg;

	r->segs = xgrow(r->segs, &r->cap_segs, r->nsegs + 1, sizeof(*r->segs));
	sg = &r->segs[r->nsegs++];
	memset(sg, 0, sizeof(*sg));
	sg->path = f->path;
	sg->offset = off;
	return sg;
}

/* Returns the value of a hex digit, or -1. */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Copies the string member key of o into dst (n bytes), or the bytes of its KEY_hex twin
 * (snapjson.h); "" when absent or not a string.
 */
static void hdr_str(json_object *o, const char *key, char *dst, size_t n)
{
	json_object *v, *h;
	char hkey[64];
	const char *x;
	size_t k = 0;

	dst[0] = '\0';
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	strlcpy0(dst, json_object_get_string(v), n);
	snprintf(hkey, sizeof(hkey), "%s_hex", key);
	if (!json_object_object_get_ex(o, hkey, &h) || !json_object_is_type(h, json_type_string))
		return;
	for (x = json_object_get_string(h); x[0] && x[1] && k + 1 < n; x += 2) {
		int hi = hexval(x[0]), lo = hexval(x[1]);

		if (hi < 0 || lo < 0 || !(hi | lo))
			break;
		dst[k++] = (char)(hi << 4 | lo);
	}
	dst[k] = '\0';
}

static int64_t hdr_int(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return json_object_get_int64(v);
	return 0;
}

/*
 * Returns 0 with sg filled from a header's payload (len bytes), -EPROTONOSUPPORT for a
 * newer format or schema, -EINVAL for damage; why says which.
 */
static int parse_header(const uint8_t *p, uint32_t len, struct rec_segment_info *sg, char *why,
			size_t whysz)
{
	const char *doc = (const char *)p + REC_HEADER_TAG_LEN + 4;
	size_t dlen = len - REC_HEADER_TAG_LEN - 4;
	struct json_tokener *tok;
	json_object *o, *host, *v;
	char format[32];

	if (len < REC_HEADER_TAG_LEN + 4 || memcmp(p, REC_HEADER_TAG, REC_HEADER_TAG_LEN)) {
		snprintf(why, whysz, "a header without its tag (damaged)");
		return -EINVAL;
	}
	sg->version = (int)recformat_le32(p + REC_HEADER_TAG_LEN);
	if (sg->version > REC_VERSION) {
		snprintf(why, whysz,
			 "recording format version %d is newer than this kvmscope reads "
			 "(%d)",
			 sg->version, REC_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (sg->version < 1) {
		snprintf(why, whysz, "recording format version %d does not exist", sg->version);
		return -EINVAL;
	}
	while (dlen && (doc[dlen - 1] == '\n' || doc[dlen - 1] == '\0'))
		dlen--;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = dlen < INT32_MAX ? json_tokener_parse_ex(tok, doc, (int)dlen) : NULL;
	if (o &&
	    (json_tokener_get_parse_end(tok) < dlen || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (!o) {
		snprintf(why, whysz, "a header that is not JSON (damaged)");
		return -EINVAL;
	}
	hdr_str(o, "format", format, sizeof(format));
	sg->schema = (int)hdr_int(o, "schema");
	hdr_str(o, "kvmscope", sg->kvmscope, sizeof(sg->kvmscope));
	sg->created = hdr_int(o, "created");
	if (json_object_object_get_ex(o, "interval_s", &v))
		sg->interval_s = json_object_get_double(v);
	sg->cumulative =
		json_object_object_get_ex(o, "cumulative", &v) && json_object_get_boolean(v);
	hdr_str(o, "filter", sg->filter, sizeof(sg->filter));
	host = json_object_object_get_ex(o, "host", &host) ? host : NULL;
	hdr_str(host, "hostname", sg->hostname, sizeof(sg->hostname));
	hdr_str(host, "kernel", sg->kernel, sizeof(sg->kernel));
	hdr_str(host, "kvm", sg->kvm, sizeof(sg->kvm));
	json_object_put(o);
	if (strcmp(format, "kvmscope-recording") || sg->schema < 1) {
		snprintf(why, whysz, "a header of another format (\"%s\", schema %d)", format,
			 sg->schema);
		return -EINVAL;
	}
	if (sg->schema > SNAPJSON_SCHEMA) {
		snprintf(why, whysz,
			 "snapshot schema %d is newer than this kvmscope reads (1 to %d), "
			 "written by kvmscope %s",
			 sg->schema, SNAPJSON_SCHEMA, sg->kvmscope);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Returns true when a valid entry or header of ours starts at off (for finding the way back). */
static bool resync_ok(struct rbuf *rb, uint64_t off)
{
	const uint8_t *p;
	struct rec_entry e;
	uint32_t magic, len;

	if (rb->size - off < REC_SKIP_HDR + REC_ENTRY_LEN ||
	    !(p = rb_get(rb, off, REC_SKIP_HDR + REC_ENTRY_LEN)))
		return false;
	magic = recformat_le32(p);
	len = recformat_le32(p + 4);
	if (magic == REC_MAGIC_HEADER)
		return len >= REC_HEADER_TAG_LEN + 4 && len <= REC_HEADER_MAX &&
		       !memcmp(p + REC_SKIP_HDR, REC_HEADER_TAG, REC_HEADER_TAG_LEN);
	/* After damage only a key tick can be decoded. */
	return magic == REC_MAGIC_TICK && len == REC_ENTRY_LEN &&
	       recformat_get_entry(p + REC_SKIP_HDR, &e) && (e.flags & REC_KEY);
}

/* Returns the offset of the next header or key tick after from, or size when there is none. */
static uint64_t resync(struct rbuf *rb, uint64_t from)
{
	static const uint8_t tail[3] = { 0x2a, 0x4d, 0x18 }; /* of both magics, little-endian */
	uint64_t off = from + 1;

	while (off + 4 <= rb->size) {
		size_t n = rb->size - off > RBUF_CHUNK ? RBUF_CHUNK : (size_t)(rb->size - off);
		const uint8_t *p = rb_get(rb, off, n), *hit;

		if (!p)
			break;
		hit = memmem(p + 1, n - 1, tail, sizeof(tail));
		if (!hit) {
			off += n - 3; /* a magic may straddle the chunks */
			if (n <= 3)
				break;
			continue;
		}
		off += (uint64_t)(hit - 1 - p);
		if ((p[hit - 1 - p] == 0x5c || p[hit - 1 - p] == 0x5d) && resync_ok(rb, off))
			return off;
		off++;
	}
	return rb->size;
}

/* Returns what the first bytes of a file that is no recording look like. */
static const char *what_is(const uint8_t *p, size_t n)
{
	if (n >= 4 && recformat_le32(p) == REC_MAGIC_ZSTD)
		return "zstd data, but not a kvmscope recording";
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip data, not a kvmscope recording";
	if (n >= 4 && !memcmp(p,
			      "\x7f"
			      "ELF",
			      4))
		return "a program, not a kvmscope recording";
	return "not a kvmscope recording";
}

/*
 * Indexes bytes from .. to - 1 of the recording file f (index fi) by walking its entries
 * forwards; *seg is the segment they continue (-1: none yet) and is left at the last.
 * Returns 0, or -errno with why for a file that cannot be read at all (damage after a good
 * start is a warning). first: the index's ticks before this file's.
 */
static int walk_range(struct recording *r, struct rfile *f, uint32_t fi, struct rbuf *rbp,
		      uint64_t from, uint64_t to, int *segp, size_t first, char *why, size_t whysz)
{
	struct rbuf rb = { .fd = rbp->fd, .size = to };
	uint64_t off = from, bad_from = UINT64_MAX;
	size_t last_key = SIZE_MAX;
	uint32_t magic, len;
	bool chain = false, end = to == f->size;
	char what[256];
	const uint8_t *p;
	int seg = *segp, err = 0;

	while (off < to) {
		struct rec_entry e;
		uint64_t frame;
		size_t n;

		if (off == 0 && f->size < REC_SKIP_HDR) {
			uint8_t head[REC_SKIP_HDR], magic_le[4];

			recformat_put32(magic_le, REC_MAGIC_HEADER);
			n = (size_t)f->size;
			if (pread(f->fd, head, n, 0) != (ssize_t)n ||
			    memcmp(head, magic_le, n < 4 ? n : 4)) {
				snprintf(why, whysz, "%s: byte 0: %s", f->path, what_is(head, n));
				err = -EINVAL;
				break;
			}
		}
		if (to - off < REC_SKIP_HDR && end) {
			warn(r, "%s: byte %llu: the last tick is cut short (%llu bytes): skipped",
			     f->path, (unsigned long long)off, (unsigned long long)(to - off));
			break;
		}
		n = to - off < 64 ? (size_t)(to - off) : 64;
		if (!(p = rb_get(&rb, off, n))) {
			err = -EIO;
			snprintf(why, whysz, "%s: byte %llu: %s", f->path, (unsigned long long)off,
				 strerror(errno ? errno : EIO));
			break;
		}
		magic = n >= REC_SKIP_HDR ? recformat_le32(p) : 0;
		len = n >= REC_SKIP_HDR ? recformat_le32(p + 4) : 0;
		if (off == 0 && magic != REC_MAGIC_HEADER) {
			snprintf(why, whysz, "%s: byte 0: %s", f->path, what_is(p, n));
			err = -EINVAL;
			break;
		}
		if (magic == REC_MAGIC_INDEX && len >= REC_INDEX_FIXED && len <= REC_INDEX_MAX &&
		    to - off - REC_SKIP_HDR < len && end) {
			/* Written at a clean close, or before a key tick: nothing whole follows. */
			warn(r, "%s: byte %llu: the last group's index is cut short: skipped",
			     f->path, (unsigned long long)off);
			break;
		}
		if (magic == REC_MAGIC_INDEX && len >= REC_INDEX_FIXED && len <= REC_INDEX_MAX &&
		    to - off - REC_SKIP_HDR >= len) {
			/* A group's index: what it says is in the entries walked here too. */
			off += REC_SKIP_HDR + len;
			continue;
		}
		if (magic == REC_MAGIC_HEADER && len >= REC_HEADER_TAG_LEN + 4 &&
		    len <= REC_HEADER_MAX) {
			struct rec_segment_info sg = { 0 };

			if (to - off - REC_SKIP_HDR < len && end) {
				warn(r, "%s: byte %llu: the last header is cut short: skipped",
				     f->path, (unsigned long long)off);
				break;
			}
			p = rb_get(&rb, off + REC_SKIP_HDR, len);
			err = p && to - off - REC_SKIP_HDR >= len
				      ? parse_header(p, len, &sg, what, sizeof(what))
				      : -EINVAL;
			if (err == -EPROTONOSUPPORT && r->nticks == first) {
				snprintf(why, whysz, "%s: byte %llu: %s", f->path,
					 (unsigned long long)off, what);
				break;
			}
			if (err == -EPROTONOSUPPORT) {
				warn(r, "%s: byte %llu: %s: the rest of the file is not read",
				     f->path, (unsigned long long)off, what);
				r->damaged = true;
				err = 0;
				break;
			}
			if (!err) {
				if (bad_from != UINT64_MAX) {
					warn(r, "%s: bytes %llu to %llu: damaged: skipped", f->path,
					     (unsigned long long)bad_from, (unsigned long long)off);
					r->damaged = true;
				}
				bad_from = UINT64_MAX;
				sg.path = f->path;
				sg.offset = off;
				*add_seg(r, f, off) = sg;
				seg = r->nsegs - 1;
				chain = false;
				off += REC_SKIP_HDR + len;
				continue;
			}
			err = 0;
		} else if (magic == REC_MAGIC_TICK && len == REC_ENTRY_LEN && seg >= 0) {
			if (to - off < REC_SKIP_HDR + REC_ENTRY_LEN && end) {
				warn(r,
				     "%s: byte %llu: the last tick is cut short (%llu bytes): "
				     "skipped",
				     f->path, (unsigned long long)off,
				     (unsigned long long)(f->size - off));
				break;
			}
			if (to - off >= REC_SKIP_HDR + REC_ENTRY_LEN &&
			    recformat_get_entry(p + REC_SKIP_HDR, &e)) {
				frame = off + REC_SKIP_HDR + REC_ENTRY_LEN;
				if (to - frame < e.frame_len && end) {
					warn(r,
					     "%s: byte %llu: the last tick (seq %u) is cut short "
					     "(%llu of %u bytes): skipped",
					     f->path, (unsigned long long)off, e.seq,
					     (unsigned long long)(f->size - frame), e.frame_len);
					break;
				}
				p = to - frame >= e.frame_len
					    ? rb_get(&rb, frame,
						     e.frame_len < ZHDR_MAX ? e.frame_len
									    : ZHDR_MAX)
					    : NULL;
				if (p && recformat_le32(p) == REC_MAGIC_ZSTD &&
				    ZSTD_getFrameContentSize(p, e.frame_len < ZHDR_MAX
									? e.frame_len
									: ZHDR_MAX) == e.doc_len &&
				    ((e.flags & REC_KEY) || chain)) {
					struct rtick *t = add_tick(r);

					if (bad_from != UINT64_MAX) {
						warn(r, "%s: bytes %llu to %llu: damaged: skipped",
						     f->path, (unsigned long long)bad_from,
						     (unsigned long long)off);
						r->damaged = true;
					}
					bad_from = UINT64_MAX;
					if (e.flags & REC_KEY)
						last_key = r->nticks - 1;
					t->off = frame;
					t->frame_len = e.frame_len;
					t->doc_len = e.doc_len;
					t->seq = e.seq;
					t->file = fi;
					t->seg = (uint32_t)seg;
					t->key_back = (uint32_t)(r->nticks - 1 - last_key);
					t->wall_s = e.wall_s;
					t->ts_ns = e.ts_ns;
					chain = true;
					off = frame + e.frame_len;
					continue;
				}
			}
		}
		/* Damage: find the next header or key tick. */
		if (bad_from == UINT64_MAX)
			bad_from = off;
		chain = false;
		off = resync(&rb, off);
		if (off >= to) {
			warn(r, "%s: bytes %llu to %llu%s: damaged: skipped", f->path,
			     (unsigned long long)bad_from, (unsigned long long)to,
			     end ? " (the end)" : "");
			r->damaged = true;
			break;
		}
	}
	free(rb.buf);
	*segp = seg;
	return err;
}

/* A group as its index frame gives it. */
struct igroup {
	uint64_t off, end; /* of the index frame */
	uint64_t prev, first;
	uint32_t count;
	uint8_t *entries; /* count * REC_ENTRY_LEN */
};

/*
 * Returns true with g loaded from a valid index frame at off (g->entries to free); dctx
 * decompresses its entries.
 */
static bool load_index(const struct rfile *f, ZSTD_DCtx *dctx, uint64_t off, uint64_t from,
		       struct igroup *g)
{
	uint8_t buf[8192], *head = buf, *z = NULL;
	uint32_t len, zlen, k;
	uint64_t at;
	size_t got, want;
	ssize_t n;

	memset(g, 0, sizeof(*g));
	/* One read for the usual index frame (a group of 60 ticks takes about 1 KiB). */
	want = f->size - off < sizeof(buf) ? (size_t)(f->size - off) : sizeof(buf);
	if (off < from || want < REC_SKIP_HDR + REC_INDEX_FIXED ||
	    pread(f->fd, buf, want, (off_t)off) != (ssize_t)want)
		return false;
	len = recformat_le32(head + 4);
	zlen = recformat_le32(head + REC_SKIP_HDR + 28);
	g->off = off;
	g->end = off + REC_SKIP_HDR + len;
	g->prev = recformat_le64(head + REC_SKIP_HDR + 8);
	g->first = recformat_le64(head + REC_SKIP_HDR + 16);
	g->count = recformat_le32(head + REC_SKIP_HDR + 24);
	if (recformat_le32(head) != REC_MAGIC_INDEX || len > REC_INDEX_MAX ||
	    len != REC_INDEX_FIXED + zlen || g->end > f->size ||
	    recformat_le64(head + REC_SKIP_HDR) != off || !g->count || g->count > REC_GROUP_MAX ||
	    g->first >= off || g->first < from || g->prev >= g->first)
		return false;
	g->entries = xmalloc((size_t)g->count * REC_ENTRY_LEN);
	if (REC_SKIP_HDR + (size_t)len <= want) {
		z = NULL;
		n = (ssize_t)zlen;
	} else {
		z = xmalloc(zlen + 1u);
		n = pread(f->fd, z, zlen, (off_t)(off + REC_SKIP_HDR + REC_INDEX_FIXED));
	}
	if (n != (ssize_t)zlen || recformat_fnv(recformat_fnv(REC_FNV0, head + REC_SKIP_HDR, 32),
						z ? z : buf + REC_SKIP_HDR + REC_INDEX_FIXED,
						zlen) != recformat_le32(head + REC_SKIP_HDR + 32))
		goto bad;
	got = ZSTD_decompressDCtx(dctx, g->entries, (size_t)g->count * REC_ENTRY_LEN,
				  z ? z : buf + REC_SKIP_HDR + REC_INDEX_FIXED, zlen);
	if (ZSTD_isError(got) || got != (size_t)g->count * REC_ENTRY_LEN)
		goto bad;
	/* A key tick, then the ticks decoded from it, filling the bytes up to the index. */
	for (k = 0, at = g->first; k < g->count; k++) {
		struct rec_entry e;

		if (!recformat_get_entry(g->entries + (size_t)k * REC_ENTRY_LEN, &e) ||
		    !(e.flags & REC_KEY) != (k > 0))
			goto bad;
		at += REC_SKIP_HDR + REC_ENTRY_LEN + e.frame_len;
	}
	if (at != off)
		goto bad;
	free(z);
	return true;
bad:
	free(z);
	free(g->entries);
	g->entries = NULL;
	return false;
}

/* Returns the offset of the last valid index frame in from .. to - 1, or UINT64_MAX. */
static uint64_t last_index(const struct rfile *f, ZSTD_DCtx *dctx, struct rbuf *rb, uint64_t from,
			   uint64_t to)
{
	static const uint8_t magic[4] = { 0x5e, 0x2a, 0x4d, 0x18 };
	uint64_t lo =
		to > REC_INDEX_SCAN && to - REC_INDEX_SCAN > from ? to - REC_INDEX_SCAN : from;
	uint64_t hi = to;

	while (hi > lo + 3) {
		uint64_t start = hi - lo > RBUF_CHUNK ? hi - RBUF_CHUNK : lo;
		const uint8_t *p = rb_get(rb, start, (size_t)(hi - start));
		size_t i;

		if (!p)
			break;
		for (i = (size_t)(hi - start) - 3; i-- > 0;) {
			struct igroup g;

			if (memcmp(p + i, magic, 4))
				continue;
			if (load_index(f, dctx, start + i, from, &g)) {
				free(g.entries);
				return start + i;
			}
			p = rb_get(rb, start,
				   (size_t)(hi - start)); /* load_index used pread only */
		}
		/* A magic may straddle the chunks. */
		hi = start + 3 > lo ? start + 3 : lo;
		if (start == lo)
			break;
	}
	return UINT64_MAX;
}

/*
 * Indexes bytes from .. to - 1 of file f: from the last index frame in them, back along
 * the index frames to the segment's header, then what lies before that (the same way),
 * then the entries after the last index (walked). Where the frames do not agree with each
 * other the bytes are walked instead. depth bounds the recursion over segments.
 */
static int index_range(struct recording *r, struct rfile *f, uint32_t fi, struct rbuf *rb,
		       uint64_t from, uint64_t to, int *seg, size_t first, int depth, char *why,
		       size_t whysz)
{
	struct igroup *gs = NULL, g;
	uint64_t at, before, hdr = UINT64_MAX;
	uint64_t idx = depth < 16 ? last_index(f, r->dctx, rb, from, to) : UINT64_MAX;
	int ng = 0, cap = 0, k, err = 0;
	uint32_t t;

	if (idx == UINT64_MAX)
		return walk_range(r, f, fi, rb, from, to, seg, first, why, whysz);
	/* Back along the chain while each index ends where the next group starts. */
	for (at = idx; load_index(f, r->dctx, at, from, &g); at = g.prev) {
		if (ng && g.end != gs[ng - 1].first) {
			free(g.entries);
			break;
		}
		gs = xgrow(gs, &cap, ng + 1, sizeof(*gs));
		gs[ng++] = g;
	}
	before = gs[ng - 1].first;
	at = gs[ng - 1].prev;
	if (at >= from && at < before && f->size - at >= REC_SKIP_HDR) {
		uint8_t h[REC_SKIP_HDR];

		if (pread(f->fd, h, sizeof(h), (off_t)at) == (ssize_t)sizeof(h) &&
		    recformat_le32(h) == REC_MAGIC_HEADER &&
		    at + REC_SKIP_HDR + recformat_le32(h + 4) == before)
			hdr = before = at;
	}
	/* What comes before: other segments, damage, or a chain that did not reach its start. */
	if (before > from)
		err = index_range(r, f, fi, rb, from, before, seg, first, depth + 1, why, whysz);
	if (!err && hdr != UINT64_MAX)
		err = walk_range(r, f, fi, rb, hdr, gs[ng - 1].first, seg, first, why, whysz);
	for (k = ng; k-- > 0 && !err;) {
		if (*seg < 0) {
			warn(r, "%s: bytes %llu to %llu: ticks of no segment: skipped", f->path,
			     (unsigned long long)gs[k].first, (unsigned long long)gs[k].end);
			r->damaged = true;
			continue;
		}
		for (t = 0, at = gs[k].first; t < gs[k].count; t++) {
			struct rtick *tk = add_tick(r);
			struct rec_entry e;

			recformat_get_entry(gs[k].entries + (size_t)t * REC_ENTRY_LEN, &e);
			tk->off = at + REC_SKIP_HDR + REC_ENTRY_LEN;
			tk->frame_len = e.frame_len;
			tk->doc_len = e.doc_len;
			tk->seq = e.seq;
			tk->file = fi;
			tk->seg = (uint32_t)*seg;
			tk->key_back = t;
			tk->wall_s = e.wall_s;
			tk->ts_ns = e.ts_ns;
			at = tk->off + e.frame_len;
		}
	}
	if (!err && gs[0].end < to)
		err = walk_range(r, f, fi, rb, gs[0].end, to, seg, first, why, whysz);
	for (k = 0; k < ng; k++)
		free(gs[k].entries);
	free(gs);
	return err;
}

/* Indexes the recording file f (index fi); returns 0, or -errno with why. */
static int walk_rec(struct recording *r, struct rfile *f, uint32_t fi, char *why, size_t whysz)
{
	struct rbuf rb = { .fd = f->fd, .size = f->size };
	int seg = -1, err;

	err = index_range(r, f, fi, &rb, 0, f->size, &seg, r->nticks, 0, why, whysz);
	free(rb.buf);
	return err;
}

/* Indexes a batch JSON file: one document per line, each a tick. */
static int walk_jsonl(struct recording *r, struct rfile *f, uint32_t fi, char *why, size_t whysz)
{
	struct rbuf rb = { .fd = f->fd, .size = f->size };
	struct rec_segment_info *sg = NULL;
	uint64_t off = 0;
	unsigned int line = 0;
	char msg[256];
	int err = 0;

	while (off < f->size && !err) {
		const uint8_t *p = NULL, *nl = NULL;
		size_t n = 0, want = RBUF_CHUNK;
		struct snapshot *s;
		int schema = 0;

		/* A line longer than a chunk: read more until its newline. */
		while (!nl) {
			n = f->size - off < want ? (size_t)(f->size - off) : want;
			if (!(p = rb_get(&rb, off, n)))
				break;
			nl = memchr(p, '\n', n);
			if (nl || n < want || want >= REC_DOC_MAX)
				break;
			want *= 4;
		}
		line++;
		if (!p) {
			err = -EIO;
			snprintf(why, whysz, "%s: byte %llu: %s", f->path, (unsigned long long)off,
				 strerror(EIO));
			break;
		}
		n = nl ? (size_t)(nl - p) : n;
		if (!nl && n >= REC_DOC_MAX) {
			warn(r,
			     "%s: byte %llu (line %u): a line longer than %u bytes: the rest of "
			     "the file is not read",
			     f->path, (unsigned long long)off, line, REC_DOC_MAX);
			r->damaged = true;
			break;
		}
		err = snapread_parse((const char *)p, n, &s, &schema, msg, sizeof(msg));
		if (err == -EPROTONOSUPPORT && !r->nticks) {
			snprintf(why, whysz, "%s: byte %llu (line %u): %s", f->path,
				 (unsigned long long)off, line, msg);
			break;
		}
		if (!err) {
			struct rtick *t = add_tick(r);

			if (!sg) {
				sg = add_seg(r, f, 0);
				sg->schema = schema;
				sg->created = s->wall_s;
				strlcpy0(sg->hostname, s->host.hostname, sizeof(sg->hostname));
				strlcpy0(sg->kernel, s->host.release, sizeof(sg->kernel));
				strlcpy0(sg->kvm, s->host.kvm_module, sizeof(sg->kvm));
				sg->interval_s = (double)s->interval_ns / 1e9;
				sg->cumulative = s->cumulative;
			}
			t->off = off;
			t->frame_len = (uint32_t)n;
			t->doc_len = (uint32_t)n;
			t->seq = s->seq;
			t->file = fi;
			t->seg = (uint32_t)(r->nsegs - 1);
			t->wall_s = s->wall_s;
			t->ts_ns = s->ts_ns;
			snapshot_free(s);
		} else if (n || nl) {
			warn(r, "%s: byte %llu (line %u): %s%s: skipped", f->path,
			     (unsigned long long)off, line, msg,
			     nl ? "" : " (the last line, cut short)");
			r->damaged = r->damaged || nl;
		}
		err = err == -ENOMEM ? err : 0;
		off += n + (nl ? 1 : 0);
	}
	free(rb.buf);
	return err;
}

/* Opens and indexes one file; returns 0 or -errno with why. */
static int add_file(struct recording *r, const char *path, char *why, size_t whysz)
{
	struct rfile *f;
	struct stat st;
	uint8_t first = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(why, whysz, "%s: not a regular file", path);
		close(fd);
		return err;
	}
	if (!st.st_size) {
		snprintf(why, whysz, "%s: empty: no tick was recorded", path);
		close(fd);
		return -ENODATA;
	}
	r->files = xgrow(r->files, &r->cap_files, r->nfiles + 1, sizeof(*r->files));
	f = &r->files[r->nfiles];
	f->path = xstrdup(path);
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	if (pread(fd, &first, 1, 0) == 1 && (first == '{' || first == ' ' || first == '\n'))
		f->jsonl = true;
	r->nfiles++;
	return f->jsonl ? walk_jsonl(r, f, (uint32_t)(r->nfiles - 1), why, whysz)
			: walk_rec(r, f, (uint32_t)(r->nfiles - 1), why, whysz);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Indexes every recording of a directory, in name order (their names start with the time). */
static int add_dir(struct recording *r, const char *path, char *why, size_t whysz)
{
	char **names = NULL, full[4096], msg[512];
	int n = 0, cap = 0, i, err;
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		err = -errno;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return err;
	}
	while ((de = readdir(d)))
		if (!fnmatch(REC_GLOB, de->d_name, 0)) {
			names = xgrow(names, &cap, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		err = add_file(r, full, msg, sizeof(msg));
		if (err) {
			warn(r, "%s: skipped", msg);
			r->damaged = r->damaged || err != -ENODATA;
		}
		free(names[i]);
	}
	free(names);
	if (!n)
		snprintf(why, whysz, "%s: no recordings in it (%s)", path, REC_GLOB);
	return n ? 0 : -ENOENT;
}

int recording_open(const char *path, struct recording **out, char *why, size_t whysz)
{
	struct recording *r = xcalloc(1, sizeof(*r));
	struct stat st;
	size_t i;
	int err;

	*out = NULL;
	why[0] = '\0';
	r->gkey = SIZE_MAX;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		free(r);
		return -ENOMEM;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		err = add_dir(r, path, why, whysz);
	else
		err = add_file(r, path, why, whysz);
	if (!err && !r->nticks) {
		err = -ENODATA;
		if (r->nwarn)
			snprintf(why, whysz, "%s: no tick can be read (%s)", path, r->warn[0]);
		else
			snprintf(why, whysz, "%s: no tick was recorded%s", path,
				 r->nsegs ? " (a header only)" : "");
	}
	if (err) {
		recording_close(r);
		return err;
	}
	r->sorted = true;
	for (i = 1; i < r->nticks; i++)
		if (r->ticks[i].wall_s < r->ticks[i - 1].wall_s)
			r->sorted = false;
	*out = r;
	return 0;
}

size_t recording_count(const struct recording *r)
{
	return r->nticks;
}

struct rec_tick_info recording_tick(const struct recording *r, size_t i)
{
	const struct rtick *t = &r->ticks[i];

	return (struct rec_tick_info){
		.seq = t->seq, .wall_s = t->wall_s, .ts_ns = t->ts_ns, .key = !t->key_back
	};
}

size_t recording_find(const struct recording *r, int64_t wall_s)
{
	size_t lo = 0, hi = r->nticks, i;

	if (!r->sorted) {
		for (i = 0; i < r->nticks; i++)
			if (r->ticks[i].wall_s >= wall_s)
				return i;
		return r->nticks;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->ticks[mid].wall_s < wall_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rec_segment_info *recording_segment(const struct recording *r, size_t i)
{
	return &r->segs[r->ticks[i].seg];
}

bool recording_damaged(const struct recording *r)
{
	return r->damaged;
}

bool recording_sorted(const struct recording *r)
{
	return r->sorted;
}

int recording_nwarnings(const struct recording *r)
{
	return r->nwarn;
}

const char *recording_warning(const struct recording *r, int k)
{
	return r->warn[k];
}

/* Forgets the decoded documents. */
static void cache_drop(struct recording *r)
{
	size_t j;

	for (j = r->lo; j < r->hi; j++)
		free(r->docs[j - r->gkey]);
	free(r->docs);
	r->docs = NULL;
	r->gkey = SIZE_MAX;
	r->lo = r->hi = 0;
	r->cached = 0;
}

/* Returns 0 after reading n bytes at off of file f, or -errno. */
static int read_at(const struct rfile *f, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;
	ssize_t got;

	while (done < n) {
		got = pread(f->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (!got)
			return -EIO; /* the file shrank since it was indexed */
		done += (size_t)got;
	}
	return 0;
}

/* Returns 0 after decoding tick j (the next of the group) into the cache, or -errno with why. */
static int decode(struct recording *r, size_t j, char *why, size_t whysz)
{
	const struct rtick *t = &r->ticks[j];
	const struct rfile *f = &r->files[t->file];
	char *doc;
	size_t got;
	int err;

	if (r->zcap < t->frame_len) {
		r->zcap = t->frame_len;
		r->zbuf = xrealloc(r->zbuf, r->zcap);
	}
	err = read_at(f, t->off, r->zbuf, t->frame_len);
	if (err) {
		snprintf(why, whysz, "%s: byte %llu: tick seq %u: %s", f->path,
			 (unsigned long long)t->off, t->seq, strerror(-err));
		return err;
	}
	doc = xmalloc(t->doc_len);
	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	if (j > r->gkey)
		ZSTD_DCtx_refPrefix(r->dctx, r->docs[j - 1 - r->gkey], r->ticks[j - 1].doc_len);
	got = ZSTD_decompressDCtx(r->dctx, doc, t->doc_len, r->zbuf, t->frame_len);
	if (ZSTD_isError(got) || got != t->doc_len) {
		snprintf(why, whysz, "%s: byte %llu: tick seq %u: a damaged frame (%s%s)", f->path,
			 (unsigned long long)t->off, t->seq, ZSTD_isError(got) ? "zstd: " : "",
			 ZSTD_isError(got) ? ZSTD_getErrorName(got)
					   : "shorter than its entry says");
		free(doc);
		return -EBADMSG;
	}
	r->docs[j - r->gkey] = doc;
	r->hi = j + 1;
	r->cached += t->doc_len;
	/* Bounded memory: the oldest go first, the newest stays as the next one's prefix. */
	while (r->cached > CACHE_BYTES && r->lo + 1 < r->hi) {
		r->cached -= r->ticks[r->lo].doc_len;
		free(r->docs[r->lo - r->gkey]);
		r->docs[r->lo - r->gkey] = NULL;
		r->lo++;
	}
	return 0;
}

int recording_read(struct recording *r, size_t i, struct snapshot **out, char *why, size_t whysz)
{
	const struct rtick *t = &r->ticks[i];
	const struct rfile *f = &r->files[t->file];
	size_t key = i - t->key_back, j;
	char msg[256], *line;
	const char *doc;
	int err;

	*out = NULL;
	if (f->jsonl) {
		line = xmalloc(t->doc_len + 1u);
		err = read_at(f, t->off, line, t->doc_len);
		if (!err)
			err = snapread_parse(line, t->doc_len, out, NULL, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "%s", strerror(-err));
		free(line);
		if (err)
			snprintf(why, whysz, "%s: byte %llu: %s", f->path,
				 (unsigned long long)t->off, msg);
		return err;
	}
	if (r->gkey != key || i < r->lo) {
		cache_drop(r);
		for (j = key + 1; j < r->nticks && r->ticks[j].key_back == j - key; j++)
			;
		r->gkey = key;
		r->glen = j - key;
		r->docs = xcalloc(r->glen, sizeof(*r->docs));
		r->lo = r->hi = key;
	}
	while (r->hi <= i) {
		err = decode(r, r->hi, why, whysz);
		if (err)
			return err;
	}
	doc = r->docs[i - r->gkey];
	err = snapread_parse(doc, t->doc_len, out, NULL, msg, sizeof(msg));
	if (!err && (*out)->seq != t->seq) {
		snprintf(msg, sizeof(msg), "the document is of seq %u", (*out)->seq);
		snapshot_free(*out);
		*out = NULL;
		err = -EBADMSG;
	}
	if (err) {
		snprintf(why, whysz, "%s: byte %llu: tick seq %u: %s", f->path,
			 (unsigned long long)t->off, t->seq, msg);
		return err == -ENOMEM ? err : -EBADMSG;
	}
	return 0;
}

void recording_close(struct recording *r)
{
	int k;

	if (!r)
		return;
	cache_drop(r);
	for (k = 0; k < r->nfiles; k++) {
		close(r->files[k].fd);
		free(r->files[k].path);
	}
	for (k = 0; k < r->nwarn; k++)
		free(r->warn[k]);
	free(r->files);
	free(r->segs);
	free(r->ticks);
	free(r->warn);
	free(r->zbuf);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}
