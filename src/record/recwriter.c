// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include "json.h"
#include "recformat.h"
#include "recwriter.h"
#include "snapjson.h"
#include "util.h"

/* One open recording. Owns its fd, the compressor and the previous tick's document. */
struct recwriter {
	struct recwriter_info info;
	char *path;
	bool created; /* by this writer: removed again if no tick reaches it */
	int fd;
	uint64_t size;	  /* bytes in the file that are whole */
	bool need_header; /* the next tick starts a segment */
	ZSTD_CCtx *cctx;
	char *prev; /* the previous tick's document: the next one's prefix */
	size_t prev_len, prev_cap;
	int since_key;	    /* ticks since the last key tick */
	uint64_t key_bytes; /* document bytes since the last key tick */
	uint8_t *out;	    /* compressed frame */
	size_t out_cap;
	uint64_t doc_bytes;
	/* The group being written: its entries, for its index frame when it is complete. */
	uint8_t *grp; /* REC_ENTRY_LEN bytes each */
	int ngrp, cap_grp;
	uint64_t grp_first;  /* offset of its first entry */
	uint64_t last_index; /* offset of the segment's last index frame, or of its header */
};

int recwriter_open(const char *path, const struct recwriter_info *info, struct recwriter **out)
{
	struct recwriter *w;
	struct stat st;
	bool created;
	int fd, err;

	*out = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	w = xcalloc(1, sizeof(*w));
	w->info = *info;
	if (!w->info.level)
		w->info.level = REC_LEVEL;
	if (w->info.key_every <= 0 || w->info.key_every > REC_GROUP_MAX)
		w->info.key_every = w->info.key_every > 0 ? REC_GROUP_MAX : REC_KEY_EVERY;
	w->path = xstrdup(path);
	w->created = created;
	w->fd = fd;
	w->size = (uint64_t)st.st_size;
	w->need_header = true;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		close(fd);
		free(w->path);
		free(w);
		return -ENOMEM;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->info.level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	*out = w;
	return 0;
}

/* Returns the segment header (a skippable frame) for a recording of s (caller frees), or NULL. */
static char *header_frame(const struct recwriter *w, const struct snapshot *s, size_t *len)
{
	char *doc = NULL, *buf;
	size_t dlen = 0;
	struct json j;
	FILE *f = open_memstream(&doc, &dlen);
	int i;

	if (!f)
		return NULL;
	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "format", "kvmscope-recording");
	json_int(&j, "version", REC_VERSION);
	json_int(&j, "schema", SNAPJSON_SCHEMA);
	json_str(&j, "kvmscope", w->info.kvmscope ? w->info.kvmscope : "");
	json_int(&j, "created", s->wall_s);
	json_real(&j, "interval_s", w->info.interval_s);
	json_bool(&j, "cumulative", w->info.cumulative);
	if (w->info.filter)
		json_str(&j, "filter", w->info.filter);
	else
		json_null(&j, "filter");
	json_int(&j, "key_every", w->info.key_every);
	json_int(&j, "zstd_level", w->info.level);
	json_obj(&j, "host");
	json_str(&j, "hostname", s->host.hostname);
	json_str(&j, "kernel", s->host.release);
	json_str(&j, "kvm", s->host.kvm_module);
	json_bool(&j, "kvm_dev", !s->host.kvm_unregistered);
	json_int(&j, "cpus", s->host.ncpus);
	json_obj_end(&j);
	json_arr(&j, "sources");
	for (i = 0; i < s->nsources && i < SNAP_SOURCES_MAX; i++) {
		const char *state = snapjson_state(s->sources[i].state);

		json_obj(&j, NULL);
		json_str(&j, "name", s->sources[i].name);
		if (state)
			json_str(&j, "state", state);
		else
			json_uint(&j, "state", s->sources[i].state);
		json_str(&j, "why", s->sources[i].why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	if (fclose(f)) {
		free(doc);
		return NULL;
	}
	*len = REC_SKIP_HDR + REC_HEADER_TAG_LEN + 4 + dlen;
	buf = xmalloc(*len);
	recformat_put32((uint8_t *)buf, REC_MAGIC_HEADER);
	recformat_put32((uint8_t *)buf + 4, (uint32_t)(*len - REC_SKIP_HDR));
	memcpy(buf + REC_SKIP_HDR, REC_HEADER_TAG, REC_HEADER_TAG_LEN);
	recformat_put32((uint8_t *)buf + REC_SKIP_HDR + REC_HEADER_TAG_LEN, REC_VERSION);
	memcpy(buf + REC_SKIP_HDR + REC_HEADER_TAG_LEN + 4, doc, dlen);
	free(doc);
	return buf;
}

/* Returns 0 after writing every byte of iov, or -errno (-ENOSPC for a short write). */
static int write_all(int fd, struct iovec *iov, int n)
{
	ssize_t got;

	while (n) {
		got = writev(fd, iov, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (!got)
			return -ENOSPC;
		while (n && (size_t)got >= iov->iov_len) {
			got -= (ssize_t)iov->iov_len;
			iov++, n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + got;
			iov->iov_len -= (size_t)got;
		}
	}
	return 0;
}

int recwriter_tick(struct recwriter *w, const struct snapshot *s)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&doc, &len);
	if (!f)
		return -ENOMEM;
	snapjson_write_form(f, s, w->info.filter_re, SNAPJSON_COMPACT);
	if (fclose(f)) {
		free(doc);
		return -ENOMEM;
	}
	err = recwriter_doc(w, s, doc, len);
	free(doc);
	return err;
}

/*
 * Returns the index frame of the group being written, to go at offset off (caller frees;
 * its length in *len), or NULL.
 */
static uint8_t *index_frame(const struct recwriter *w, uint64_t off, size_t *len)
{
	size_t raw = (size_t)w->ngrp * REC_ENTRY_LEN, bound = ZSTD_compressBound(raw), z;
	uint8_t *buf = xmalloc(REC_SKIP_HDR + REC_INDEX_FIXED + bound), *p = buf + REC_SKIP_HDR;

	z = ZSTD_compress(p + REC_INDEX_FIXED, bound, w->grp, raw, 3);
	if (ZSTD_isError(z)) {
		free(buf);
		return NULL;
	}
	recformat_put32(buf, REC_MAGIC_INDEX);
	recformat_put32(buf + 4, (uint32_t)(REC_INDEX_FIXED + z));
	recformat_put64(p, off);
	recformat_put64(p + 8, w->last_index);
	recformat_put64(p + 16, w->grp_first);
	recformat_put32(p + 24, (uint32_t)w->ngrp);
	recformat_put32(p + 28, (uint32_t)z);
	recformat_put32(p + 32,
			recformat_fnv(recformat_fnv(REC_FNV0, p, 32), p + REC_INDEX_FIXED, z));
	*len = REC_SKIP_HDR + REC_INDEX_FIXED + z;
	return buf;
}

int recwriter_doc(struct recwriter *w, const struct snapshot *s, const char *doc, size_t len)
{
	uint8_t entry[REC_SKIP_HDR + REC_ENTRY_LEN], *idx = NULL;
	struct rec_entry e = { .seq = s->seq, .ts_ns = s->ts_ns, .wall_s = s->wall_s };
	char *hdr = NULL;
	size_t hlen = 0, ilen = 0, z;
	struct iovec iov[4];
	bool key;
	int n = 0, err;

	if (len > REC_DOC_MAX || !len)
		return -EFBIG;
	key = w->need_header || !w->prev_len || w->since_key + 1 >= w->info.key_every ||
	      w->key_bytes + len > REC_KEY_BYTES;
	if (w->out_cap < ZSTD_compressBound(len)) {
		w->out_cap = ZSTD_compressBound(len);
		w->out = xrealloc(w->out, w->out_cap);
	}
	ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
	if (!key)
		ZSTD_CCtx_refPrefix(w->cctx, w->prev, w->prev_len);
	z = ZSTD_compress2(w->cctx, w->out, w->out_cap, doc, len);
	if (ZSTD_isError(z))
		return -EIO;
	e.frame_len = (uint32_t)z;
	e.doc_len = (uint32_t)len;
	e.flags = key ? REC_KEY : 0;
	recformat_put_entry(entry, &e);
	if (w->need_header) {
		hdr = header_frame(w, s, &hlen);
		if (!hdr)
			return -ENOMEM;
		iov[n++] = (struct iovec){ hdr, hlen };
	} else if (key && w->ngrp) {
		/* The group before this key tick is complete: its index goes first. */
		idx = index_frame(w, w->size, &ilen);
		if (!idx)
			return -ENOMEM;
		iov[n++] = (struct iovec){ idx, ilen };
	}
	iov[n++] = (struct iovec){ entry, sizeof(entry) };
	iov[n++] = (struct iovec){ w->out, z };
	err = write_all(w->fd, iov, n);
	if (!err && !w->info.no_sync && fdatasync(w->fd))
		err = -errno;
	free(hdr);
	free(idx);
	if (err) {
		/* Cut the partial tick off; if that fails, start a segment past it. */
		w->need_header = ftruncate(w->fd, (off_t)w->size) != 0 || w->need_header;
		w->prev_len = 0;
		return err;
	}
	if (hlen || ilen) {
		/* The header or the index just written is what the next index points back to. */
		w->last_index = w->size;
		w->ngrp = 0;
	}
	if (!w->ngrp)
		w->grp_first = w->size + hlen + ilen;
	w->grp = xgrow(w->grp, &w->cap_grp, (w->ngrp + 1) * REC_ENTRY_LEN, 1);
	memcpy(w->grp + (size_t)w->ngrp * REC_ENTRY_LEN, entry + REC_SKIP_HDR, REC_ENTRY_LEN);
	w->ngrp++;
	w->size += hlen + ilen + sizeof(entry) + z;
	w->need_header = false;
	w->since_key = key ? 0 : w->since_key + 1;
	w->key_bytes = key ? len : w->key_bytes + len;
	w->doc_bytes += len;
	if (w->prev_cap < len) {
		w->prev_cap = len;
		w->prev = xrealloc(w->prev, len);
	}
	memcpy(w->prev, doc, len);
	w->prev_len = len;
	return 0;
}

uint64_t recwriter_size(const struct recwriter *w)
{
	return w->size;
}

uint64_t recwriter_doc_bytes(const struct recwriter *w)
{
	return w->doc_bytes;
}

void recwriter_close(struct recwriter *w)
{
	struct iovec iov;
	size_t ilen;

	if (!w)
		return;
	/* A clean close indexes the last group too, so that a reader walks no entry. */
	if (w->ngrp && !w->need_header && (iov.iov_base = index_frame(w, w->size, &ilen))) {
		iov.iov_len = ilen;
		if (!write_all(w->fd, &iov, 1) && !w->info.no_sync)
			fdatasync(w->fd);
		free(iov.iov_base);
	}
	close(w->fd);
	/* Stopped before its first tick: no empty file for readers to trip over. */
	if (w->created && !w->size)
		unlink(w->path);
	ZSTD_freeCCtx(w->cctx);
	free(w->prev);
	free(w->out);
	free(w->grp);
	free(w->path);
	free(w);
}
