/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes synthetic trace.dat files (version 6, trace-cmd.dat.v6(5)) for the reader's tests:
 * the header page, event header and event formats of tests/fixtures/events (a real 6.18
 * kernel's, VMX and SVM exit tables included), saved cmdlines, options, and CPU data as
 * ring-buffer pages built by rbpage.h. libtracecmd has no public writer, and kvm_exit and
 * kvm_entry never fire on the build machine: this is how their records reach a trace.dat
 * here. Header-only, like rbpage.h; owned by the test that fills a struct tdw.
 */
#ifndef KVMSCOPE_TDWRITE_H
#define KVMSCOPE_TDWRITE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "kvm_event.h"
#include "kvmdecode.h"
#include "rbpage.h"

#define TDW_PAGE     4096
#define TDW_CPUS     4
#define TDW_EVENTS   "tests/fixtures/events"
#define TDW_OPTS_MAX 16

/* A file being written. Everything is the test's; tdw_free() releases it. */
struct tdw {
	struct tep_handle *tep; /* the fixture formats: offsets of the records we write */
	int ncpus;
	uint8_t *pages[TDW_CPUS]; /* each CPU's pages, npages[] of them, the last in progress */
	int npages[TDW_CPUS], cap[TDW_CPUS];
	struct rbpage cur[TDW_CPUS];
	long long missed_cur[TDW_CPUS];	 /* flagged on the page in progress when it is finished */
	long long missed_next[TDW_CPUS]; /* for the next page, which tdw_missed() forces */
	bool force_new[TDW_CPUS];
	char cmdlines[8192];
	size_t cmdlen;
	struct {
		uint16_t id;
		uint8_t data[256];
		uint32_t size;
	} opt[TDW_OPTS_MAX];
	int nopts;
	/* Rewrites an event's format text before it goes in the file (NULL: as is). */
	void (*patch_format)(unsigned int type, char *text, size_t size);
	/* Written as the version string instead of "6" when set. */
	const char *version;
	size_t data_off[TDW_CPUS]; /* where tdw_bytes() put each CPU's pages */
};

/* A growing byte buffer: the file before it is written out. */
struct tdw_buf {
	uint8_t *p;
	size_t len, cap;
};

static inline void tdw_put(struct tdw_buf *b, const void *data, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static inline void tdw_u16(struct tdw_buf *b, uint16_t v)
{
	tdw_put(b, &v, 2);
}
static inline void tdw_u32(struct tdw_buf *b, uint32_t v)
{
	tdw_put(b, &v, 4);
}
static inline void tdw_u64(struct tdw_buf *b, uint64_t v)
{
	tdw_put(b, &v, 8);
}

/* Returns the malloc'd contents of a fixture file and its size through *n, or NULL. */
static inline char *tdw_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 256);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Returns 0 after setting up a file of ncpus CPUs, or -1 when the fixtures cannot be read. */
static inline int tdw_init(struct tdw *w, int ncpus)
{
	unsigned int missing = 0, all = ((1u << KE__COUNT) - 1) & ~KVMDECODE_BIT(KE_NONE);

	memset(w, 0, sizeof(*w));
	w->ncpus = ncpus;
	w->tep = kvmdecode_load_tep(TDW_EVENTS, all, &missing);
	return w->tep && !missing ? 0 : -1;
}

static inline void tdw_free(struct tdw *w)
{
	int c;

	for (c = 0; c < TDW_CPUS; c++)
		free(w->pages[c]);
	if (w->tep)
		tep_free(w->tep);
}

/* Adds a saved cmdline: pid's name. */
static inline void tdw_comm(struct tdw *w, int pid, const char *comm)
{
	w->cmdlen += (size_t)snprintf(w->cmdlines + w->cmdlen, sizeof(w->cmdlines) - w->cmdlen,
				      "%d %s\n", pid, comm);
}

/* Adds an option of size bytes. */
static inline void tdw_option(struct tdw *w, uint16_t id, const void *data, uint32_t size)
{
	if (w->nopts == TDW_OPTS_MAX || size > sizeof(w->opt[0].data))
		abort();
	w->opt[w->nopts].id = id;
	memcpy(w->opt[w->nopts].data, data, size);
	w->opt[w->nopts++].size = size;
}

/* Returns the page in progress of cpu, a new one when len bytes at ts do not fit. */
static inline struct rbpage *tdw_page(struct tdw *w, int cpu, uint64_t ts, unsigned int len)
{
	struct rbpage *p = &w->cur[cpu];

	if (w->npages[cpu] && !w->force_new[cpu] && rbpage_fits(p, ts, len, false))
		return p;
	if (w->npages[cpu])
		rbpage_finish(p, w->missed_cur[cpu]);
	if (w->npages[cpu] == w->cap[cpu]) {
		w->cap[cpu] = w->cap[cpu] ? w->cap[cpu] * 2 : 8;
		w->pages[cpu] = realloc(w->pages[cpu], (size_t)w->cap[cpu] * TDW_PAGE);
		if (!w->pages[cpu])
			abort();
	}
	rbpage_start(p, w->pages[cpu] + (size_t)w->npages[cpu]++ * TDW_PAGE, TDW_PAGE, ts);
	w->missed_cur[cpu] = w->missed_next[cpu];
	w->missed_next[cpu] = 0;
	w->force_new[cpu] = false;
	return p;
}

/* Stores v in a record at field name of ev (a common field or the event's own). */
static inline void tdw_field(struct tep_event *ev, uint8_t *data, const char *name, uint64_t v)
{
	struct tep_format_field *f = tep_find_field(ev, name);

	if (!f)
		f = tep_find_common_field(ev, name);
	if (!f)
		abort();
	switch (f->size) {
	case 1:
		data[f->offset] = (uint8_t)v;
		break;
	case 2:
		memcpy(data + f->offset, &(uint16_t){ (uint16_t)v }, 2);
		break;
	case 4:
		memcpy(data + f->offset, &(uint32_t){ (uint32_t)v }, 4);
		break;
	default:
		memcpy(data + f->offset, &v, 8);
	}
}

/*
 * Appends an event of type to cpu at ts, recorded by pid, with fields given as name, value
 * pairs ending with NULL. Events of one CPU must come in time order.
 */
static inline void tdw_event(struct tdw *w, int cpu, uint64_t ts, unsigned int type, int pid, ...)
{
	const char *sys, *name = kvmdecode_event_name(type, &sys);
	struct tep_event *ev = tep_find_event_by_name(w->tep, sys, name);
	struct tep_format_field *f;
	uint8_t data[256] = { 0 };
	unsigned int size = 0;
	const char *field;
	va_list ap;

	if (!ev)
		abort();
	for (f = ev->format.fields; f; f = f->next)
		if ((unsigned int)(f->offset + f->size) > size)
			size = (unsigned int)(f->offset + f->size);
	tdw_field(ev, data, "common_type", (uint64_t)ev->id);
	tdw_field(ev, data, "common_pid", (uint64_t)pid);
	va_start(ap, pid);
	while ((field = va_arg(ap, const char *)))
		tdw_field(ev, data, field, va_arg(ap, uint64_t));
	va_end(ap);
	if (rbpage_add(tdw_page(w, cpu, ts, size), ts, data, size, false))
		abort();
}

/* Appends a record of raw bytes (a broken one, say) to cpu at ts. */
static inline void tdw_raw(struct tdw *w, int cpu, uint64_t ts, const void *data, unsigned int n)
{
	if (rbpage_add(tdw_page(w, cpu, ts, n), ts, data, n, false))
		abort();
}

/* Flags the next page of cpu as following missed events (-1: flag without a count). */
static inline void tdw_missed(struct tdw *w, int cpu, long long missed)
{
	w->missed_next[cpu] = missed;
	w->force_new[cpu] = true;
}

/* Appends one system's event formats, in the v6 layout. */
static inline void tdw_system(struct tdw *w, struct tdw_buf *b, const char *sys)
{
	unsigned int type, n = 0;
	const char *s;

	for (type = KE_NONE + 1; type < KE__COUNT; type++)
		if (kvmdecode_event_name(type, &s) && !strcmp(s, sys))
			n++;
	tdw_put(b, sys, strlen(sys) + 1);
	tdw_u32(b, n);
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		const char *name = kvmdecode_event_name(type, &s);
		char path[256], *text;
		size_t len;

		if (!name || strcmp(s, sys))
			continue;
		snprintf(path, sizeof(path), TDW_EVENTS "/%s/%s/format", sys, name);
		text = tdw_slurp(path, &len);
		if (!text)
			abort();
		if (w->patch_format) {
			w->patch_format(type, text, len + 256);
			len = strlen(text);
		}
		tdw_u64(b, len);
		tdw_put(b, text, len);
		free(text);
	}
}

/*
 * Returns the file's bytes (malloc'd; *len its size) in the v6 layout: header, formats,
 * cmdlines, options, then each CPU's pages at page-aligned offsets.
 */
static inline uint8_t *tdw_bytes(struct tdw *w, size_t *len)
{
	struct tdw_buf b = { 0 };
	char *text;
	size_t n, table, data;
	int c, i;

	/* The pages in progress, finished again if written before: the commit word is the same. */
	for (c = 0; c < w->ncpus; c++)
		if (w->npages[c])
			rbpage_finish(&w->cur[c], w->missed_cur[c]);
	tdw_put(&b, "\027\010\104tracing", 10);
	text = (char *)(w->version ? w->version : "6");
	tdw_put(&b, text, strlen(text) + 1);
	tdw_put(&b, "\0\010", 2); /* little endian, 8-byte longs */
	tdw_u32(&b, TDW_PAGE);
	text = tdw_slurp(TDW_EVENTS "/header_page", &n);
	tdw_put(&b, "header_page", 12);
	tdw_u64(&b, n);
	tdw_put(&b, text, n);
	free(text);
	text = tdw_slurp(TDW_EVENTS "/header_event", &n);
	tdw_put(&b, "header_event", 13);
	tdw_u64(&b, n);
	tdw_put(&b, text, n);
	free(text);
	tdw_u32(&b, 0); /* ftrace formats */
	tdw_u32(&b, 2);
	tdw_system(w, &b, "kvm");
	tdw_system(w, &b, "sched");
	tdw_u32(&b, 0); /* kallsyms */
	tdw_u32(&b, 0); /* printk formats */
	tdw_u64(&b, w->cmdlen);
	tdw_put(&b, w->cmdlines, w->cmdlen);
	tdw_u32(&b, (uint32_t)w->ncpus);
	tdw_put(&b, "options  ", 10);
	for (i = 0; i < w->nopts; i++) {
		tdw_u16(&b, w->opt[i].id);
		tdw_u32(&b, w->opt[i].size);
		tdw_put(&b, w->opt[i].data, w->opt[i].size);
	}
	tdw_u16(&b, 0);
	tdw_put(&b, "flyrecord", 10);
	table = b.len;
	data = (table + (size_t)w->ncpus * 16 + TDW_PAGE - 1) & ~(size_t)(TDW_PAGE - 1);
	for (c = 0; c < w->ncpus; c++) {
		w->data_off[c] = data;
		tdw_u64(&b, data);
		tdw_u64(&b, (uint64_t)w->npages[c] * TDW_PAGE);
		data += (size_t)w->npages[c] * TDW_PAGE;
	}
	while (b.len & (TDW_PAGE - 1))
		tdw_put(&b, "", 1);
	for (c = 0; c < w->ncpus; c++)
		tdw_put(&b, w->pages[c], (size_t)w->npages[c] * TDW_PAGE);
	*len = b.len;
	return b.p;
}

/* Returns 0 after writing the file to path (cut to keep bytes when keep > 0), or -1. */
static inline int tdw_write(struct tdw *w, const char *path, size_t keep)
{
	size_t len;
	uint8_t *p = tdw_bytes(w, &len);
	FILE *f = fopen(path, "w");
	int ok;

	if (keep && keep < len)
		len = keep;
	ok = f && fwrite(p, 1, len, f) == len;
	if (f)
		ok &= !fclose(f);
	free(p);
	return ok ? 0 : -1;
}

#endif
