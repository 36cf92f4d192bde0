// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat probe. Three parts:
 *
 * - A check of the file's layout before libtracecmd opens it (td_layout): the header, the
 *   options, every section of metadata (decompressed when need be) and where each CPU's
 *   data lies, down to the first page of each CPU. It gives the one clear line for a file
 *   that is not a trace.dat, is truncated, or uses what this build cannot read, and it keeps
 *   libtracecmd from allocating or mapping what a corrupt file's sizes say. Only the
 *   container is walked; libtracecmd then parses the contents.
 * - Reading: libtracecmd opens the file and parses its event formats, cmdlines and the
 *   rest into a tep; the decoder takes the formats it needs from that tep. Each CPU's data
 *   is read from the layout the check found, a block of plain pages or one zstd chunk at a
 *   time, and the pages go whole through kvmdecode's streams and merge, as the live
 *   trace's do. (libtracecmd 1.3 keeps every decompressed chunk it reads and scans them all
 *   for each page: its memory grows to the uncompressed size of the trace, its time with the
 *   square of it.)
 * - Threads: every tid met is named from the saved cmdlines and classified as procfs does
 *   ("CPU n/KVM", "IO name"); a thread recording vCPU-only KVM events is a vCPU whatever its
 *   name; with a tgids file (the kernel's saved_tgids) threads are grouped by process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h> /* trace-cmd.h uses cpu_set_t without it */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <trace-cmd.h>
#include <zstd.h>

#include "kvmdecode.h"
#include "tracedat.h"
#include "util.h"

#define TD_MAGIC	  "\027\010\104tracing"
#define TD_MAGIC_LEN	  10
#define TD_BUFFERS_MAX	  16
#define TD_CPUS_MAX	  4096	       /* CPUs of one buffer */
#define TD_TID_MAX	  (1 << 22)    /* PID_MAX_LIMIT on 64-bit kernels */
#define TD_OPTIONS_MAX	  64	       /* options sections followed (v7), against loops */
#define TD_SECTION_MAX	  (256u << 20) /* uncompressed metadata we believe: kallsyms ~10 MiB */
#define TD_CHUNK_MAX	  (64u << 20)  /* uncompressed CPU data in one chunk we believe */
#define TD_TGIDS_LINE_MAX 64

/* Option ids of the trace.dat format (trace-cmd.dat.v6(5), .v7(5)). */
enum {
	OPT_DONE = 0,
	OPT_CPUSTAT = 2,
	OPT_BUFFER = 3,
	OPT_TRACECLOCK = 4,
	OPT_UNAME = 5,
	OPT_CPUCOUNT = 8,
	OPT_TIME_SHIFT = 12,
	OPT_TSC2NSEC = 14,
	OPT_HEADER_INFO = 16, /* 16 to 21: offsets of sections of metadata (v7) */
	OPT_CMDLINES = 21,
	OPT_BUFFER_TEXT = 22,
};

/* Where one CPU's data lies in the file. */
struct td_span {
	uint32_t cpu;
	uint64_t off, size;
	uint64_t chunks; /* compressed data: chunks in it */
};

/* One buffer (trace instance) of the file. Owned by its struct td_layout. */
struct td_buffer {
	char name[64]; /* "" for the top instance */
	bool latency;  /* text, not ring-buffer pages: no events for us */
	bool compressed;
	uint32_t page_size;
	int long_size;
	int ncpus;
	struct td_span *cpus;
};

/* What the layout check found. Owned by the struct tracedat; td_layout_free() releases it. */
struct td_layout {
	uint64_t fsize;
	unsigned int version;
	bool big;
	int long_size;
	uint32_t page_size;
	char comp[32], comp_ver[32]; /* "none" for v6 and uncompressed v7 */
	char uname[160];
	char clock[32];
	uint32_t cpucount;
	/*
	 * CPUSTAT: overrun + commit overrun + dropped events, by buffer: trace-cmd saves each
	 * buffer's CPUs after a "Buffer: NAME" entry (the top instance's first).
	 */
	struct {
		char name[64];
		uint64_t lost;
	} stats[TD_BUFFERS_MAX];
	int nstats;
	bool tsc2nsec, time_shift;
	struct td_buffer buf[TD_BUFFERS_MAX];
	int nbuf;
};

/* A positioned reader over the file (or a decompressed part of it, mem), every read
 * bounds-checked against its size. */
struct rd {
	int fd;
	const uint8_t *mem; /* read from here instead of fd when set */
	uint64_t pos, size;
	bool big;
	char *why;
	size_t whysz;
};

/* States of a tid in struct tracedat's map. */
enum {
	TID_NEW = 0,	/* not met yet */
	TID_HOST,	/* a host thread (or of no VM we know) */
	TID_VM,		/* a VM's iothread or other thread */
	TID_VCPU,	/* a vCPU with its index */
	TID_VCPU_NOIDX, /* a vCPU whose index no name or kvm_exit/kvm_entry told yet */
};

/* A thread of a VM, as learnt from the file. */
struct td_thread {
	int tid, tgid; /* tgid 0: unknown */
	enum proc_kind kind;
	int index;
	char comm[PROC_COMM_MAX];
};

/*
 * One CPU of one buffer, read a page at a time from a block of its plain data or from one
 * decompressed chunk. Owned by its struct tracedat.
 */
struct td_stream {
	struct kvmdecode_stream s; /* first: the refill callback gets &s */
	const struct td_span *span;
	const struct td_buffer *buf;
	uint64_t pos;	     /* next byte of the file to read: data, or a chunk's header */
	uint64_t end;	     /* end of the CPU's data in the file */
	uint64_t chunks;     /* compressed: chunks not read yet */
	uint8_t *block;	     /* plain data read, or a chunk decompressed; owned */
	size_t cap, len, at; /* its size, bytes in it, next page in it */
	bool started;
};

/* Owned by whoever called tracedat_open(); tracedat_close() frees it and all in it. */
struct tracedat {
	char path[PATH_MAX];
	struct td_layout lay;
	int fd;
	struct tracecmd_input *main; /* the formats and cmdlines, through its tep */
	struct tep_handle *tep;	     /* the main handle's */
	ZSTD_DCtx *zctx;	     /* for compressed CPU data */
	uint8_t *zbuf;		     /* a chunk as it is in the file */
	size_t zcap;
	uint64_t bad_chunks; /* compressed chunks that could not be decompressed */
	struct kvmdecode dec;
	struct exit_names names;
	unsigned int types;
	struct td_stream *streams;
	struct kvmdecode_stream **sp; /* for the merge, which reorders it */
	int nstreams;
	uint64_t page_lost; /* missed events flagged in the pages read */
	uint64_t stat_lost; /* the saved ring-buffer statistics of the buffers read */
	uint64_t last_ns;
	/* Threads. */
	uint8_t *tid_state; /* TD_TID_MAX entries of TID_* */
	struct td_thread *threads;
	int nthreads, threads_cap;
	int *vm_tgids; /* processes known to be VMs */
	int nvm_tgids, vm_tgids_cap;
	int (*tgids)[2]; /* tid, tgid, sorted by tid; NULL without a tgids file */
	int ntgids;
	char tgids_path[PATH_MAX];
	unsigned int gen;
	/* The call in progress. */
	tracedat_event_fn fn;
	void *arg;
	struct source_status st[TRACEDAT_SOURCES];
};

/*
 * libtracecmd reports through these, which it defines weak so that applications may take
 * them over: the last message is kept for the line an open failure prints, and nothing
 * reaches the terminal under the screen.
 */
static char lib_msg[SOURCE_WHY_MAX];

/* Keeps a library message as one line, for the open failure to quote. */
static void keep_msg(const char *fmt, va_list ap)
{
	size_t n;

	vsnprintf(lib_msg, sizeof(lib_msg), fmt, ap);
	n = strlen(lib_msg);
	while (n && (lib_msg[n - 1] == '\n' || lib_msg[n - 1] == ' '))
		lib_msg[--n] = '\0';
}

void tracecmd_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tracecmd_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep_msg(fmt, ap);
	va_end(ap);
}

void tracecmd_critical(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tracecmd_critical(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep_msg(fmt, ap);
	va_end(ap);
}

void tracecmd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tracecmd_info(const char *fmt, ...)
{
	(void)fmt;
}

/* Returns -err after writing a printf-formatted reason to r->why. */
static int rd_fail(struct rd *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rd_fail(struct rd *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, r->whysz, fmt, ap);
	va_end(ap);
	return -err;
}

/* Returns 0 after reading n bytes at the current position, or -ENODATA past the end. */
static int rd_bytes(struct rd *r, void *buf, size_t n, const char *what)
{
	ssize_t got;

	if (n > r->size || r->pos > r->size - n)
		return rd_fail(r, ENODATA, "truncated: it ends in %s (byte %llu)", what,
			       (unsigned long long)r->size);
	if (r->mem) {
		memcpy(buf, r->mem + r->pos, n);
		r->pos += n;
		return 0;
	}
	got = pread(r->fd, buf, n, (off_t)r->pos);
	if (got < 0)
		return rd_fail(r, errno, "cannot read it: %s", strerror(errno));
	if ((size_t)got != n)
		return rd_fail(r, ENODATA, "truncated: it ends in %s", what);
	r->pos += n;
	return 0;
}

/* Returns 0 after skipping n bytes, or -ENODATA when they go past the end. */
static int rd_skip(struct rd *r, uint64_t n, const char *what)
{
	if (n > r->size || r->pos > r->size - n)
		return rd_fail(r, ENODATA, "truncated: it ends in %s (byte %llu)", what,
			       (unsigned long long)r->size);
	r->pos += n;
	return 0;
}

/* Returns a number of size bytes in the file's byte order. */
static uint64_t num(const struct rd *r, const uint8_t *p, int size)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[r->big ? size - 1 - i : i] << (8 * i);
	return v;
}

/* Returns 0 after reading a number of size bytes (2, 4 or 8) into *v, or -errno. */
static int rd_num(struct rd *r, int size, uint64_t *v, const char *what)
{
	uint8_t b[8];
	int err = rd_bytes(r, b, (size_t)size, what);

	if (!err)
		*v = num(r, b, size);
	return err;
}

/* Returns 0 after reading a NUL-terminated string of at most n - 1 bytes, or -errno. */
static int rd_str(struct rd *r, char *s, size_t n, const char *what)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = rd_bytes(r, s + i, 1, what);
		if (err)
			return err;
		if (!s[i])
			return 0;
	}
	s[n - 1] = '\0';
	return rd_fail(r, EINVAL, "not a trace.dat: %s is not a string", what);
}

/* Returns the number after "key" in text, or 0. */
static uint64_t stat_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * Returns 0 after checking that the first page of a CPU's plain data holds no more than a
 * page: libtracecmd loads it while opening the file, and a bad one there leaves it to crash
 * in its own clean-up (libtracecmd 1.3). Or -EINVAL.
 */
static int check_first_page(struct rd *r, const struct td_span *c, uint32_t page_size,
			    int long_size)
{
	struct rd s = *r;
	uint64_t commit;
	int hdr = long_size == 4 ? 12 : 16, err;

	if (c->size < (uint64_t)hdr)
		return 0;
	s.pos = c->off + 8;
	err = rd_num(&s, hdr - 8, &commit, "CPU data");
	if (err)
		return err;
	commit &= (1u << 27) - 1; /* the length; the flags sit above */
	if (commit > page_size - (uint32_t)hdr)
		return rd_fail(r, EINVAL, "not a trace.dat: CPU %u's first page holds %llu bytes",
			       c->cpu, (unsigned long long)commit);
	return 0;
}

static int unzstd(struct rd *r, uint64_t csize, uint64_t usize, uint8_t **out, size_t *len,
		  const char *what);

/*
 * Returns 0 after decompressing the first chunk of CPU c (csize bytes at the reader's place,
 * which it passes) and checking the first page in it, as check_first_page() does for plain
 * data; or -errno with why.
 */
static int first_chunk(struct rd *r, const struct td_span *c, const struct td_buffer *b,
		       uint64_t csize, uint64_t usize)
{
	struct td_span page = { .cpu = c->cpu, .off = 0 };
	struct rd m = *r;
	uint8_t *mem;
	size_t len;
	int err;

	err = unzstd(r, csize, usize, &mem, &len, "compressed CPU data");
	if (err)
		return err;
	m.mem = mem;
	m.pos = 0;
	m.size = page.size = len;
	err = check_first_page(&m, &page, b->page_size, b->long_size);
	free(mem);
	return err;
}

/* Returns 0 after checking that every CPU of b lies inside the file, or -errno. */
static int check_spans(struct rd *r, const struct td_buffer *b)
{
	int i, err;

	for (i = 0; i < b->ncpus; i++) {
		const struct td_span *c = &b->cpus[i];

		if (c->size > r->size || c->off > r->size - c->size)
			return rd_fail(
				r, ENODATA,
				"truncated: CPU %u%s%s%s needs bytes up to %llu, the file has %llu",
				c->cpu, b->name[0] ? " of buffer '" : "", b->name,
				b->name[0] ? "'" : "",
				(unsigned long long)c->off + (unsigned long long)c->size,
				(unsigned long long)r->size);
		if (!b->compressed) {
			err = check_first_page(r, c, b->page_size, b->long_size);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Returns the new buffer of the layout, or NULL when there are too many. */
static struct td_buffer *add_buffer(struct td_layout *l, const char *name)
{
	struct td_buffer *b;

	if (l->nbuf == TD_BUFFERS_MAX)
		return NULL;
	b = &l->buf[l->nbuf++];
	memset(b, 0, sizeof(*b));
	strlcpy0(b->name, name, sizeof(b->name));
	b->page_size = l->page_size;
	b->long_size = l->long_size;
	return b;
}

/* Returns 0 after reading ncpus (offset, size) pairs of a v6 flyrecord, or -errno. */
static int v6_spans(struct rd *r, struct td_buffer *b, uint64_t ncpus)
{
	uint64_t off, size;
	uint64_t i;
	int err;

	if (ncpus > TD_CPUS_MAX)
		return rd_fail(r, EINVAL, "not a trace.dat: %llu CPUs", (unsigned long long)ncpus);
	b->cpus = xcalloc(ncpus + 1, sizeof(*b->cpus));
	for (i = 0; i < ncpus; i++) {
		err = rd_num(r, 8, &off, "the CPU data offsets");
		if (!err)
			err = rd_num(r, 8, &size, "the CPU data offsets");
		if (err)
			return err;
		b->cpus[b->ncpus++] =
			(struct td_span){ .cpu = (uint32_t)i, .off = off, .size = size };
	}
	return check_spans(r, b);
}

/* Returns 0 after reading the 10-byte data kind of a v6 buffer and its CPU spans, or -errno. */
static int v6_data(struct rd *r, struct td_buffer *b, uint64_t ncpus)
{
	char kind[10];
	int err = rd_bytes(r, kind, sizeof(kind), "the data header");

	if (err)
		return err;
	if (!memcmp(kind, "latency  ", 10)) {
		b->latency = true;
		return 0;
	}
	if (memcmp(kind, "flyrecord", 10))
		return rd_fail(r, EINVAL, "not a trace.dat: no flyrecord or latency data");
	return v6_spans(r, b, ncpus);
}

/* Records what an option says; buf holds its size bytes. Returns 0 or -errno. */
static int take_option(struct rd *r, struct td_layout *l, unsigned int id, const uint8_t *buf,
		       uint32_t size, uint64_t v6_ncpus)
{
	struct td_buffer *b;
	struct rd o;
	int err;

	char text[512], *p, *q;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, buf, n);
	text[n] = '\0';
	switch (id) {
	case OPT_CPUSTAT:
		p = strstr(text, "Buffer: ");
		if (p && l->nstats < TD_BUFFERS_MAX) {
			p += 8;
			p[strcspn(p, "\n")] = '\0';
			strlcpy0(l->stats[l->nstats++].name, p, sizeof(l->stats[0].name));
		} else if (!l->nstats) {
			l->nstats = 1; /* the top instance's CPUs come first, unnamed */
		}
		if (l->nstats)
			l->stats[l->nstats - 1].lost += stat_value(text, "\noverrun:") +
							stat_value(text, "\ncommit overrun:") +
							stat_value(text, "\ndropped events:");
		break;
	case OPT_UNAME:
		strlcpy0(l->uname, text, sizeof(l->uname));
		break;
	case OPT_TRACECLOCK:
		/* The clocks the kernel offers, the one in use in brackets. */
		p = strchr(text, '[');
		q = p ? strchr(p, ']') : NULL;
		if (p && q) {
			*q = '\0';
			strlcpy0(l->clock, p + 1, sizeof(l->clock));
		}
		break;
	case OPT_CPUCOUNT:
		if (size >= 4)
			l->cpucount = (uint32_t)num(r, buf, 4);
		break;
	case OPT_TSC2NSEC:
		l->tsc2nsec = true;
		break;
	case OPT_TIME_SHIFT:
		l->time_shift = true;
		break;
	case OPT_BUFFER:
		/* v6: the offset of the buffer's own flyrecord header, then its name. */
		if (l->version >= 7 || size < 9 || !(b = add_buffer(l, text + 8)))
			break;
		o = *r;
		o.pos = num(r, buf, 8);
		err = v6_data(&o, b, v6_ncpus);
		if (err)
			return err;
		break;
	}
	return 0;
}

/* Returns 0 after reading v6 options up to the end marker, or -errno. */
static int v6_options(struct rd *r, struct td_layout *l, uint64_t ncpus)
{
	uint64_t id, size;
	uint8_t *buf;
	int err;

	for (;;) {
		err = rd_num(r, 2, &id, "the options");
		if (err || !id)
			return err;
		err = rd_num(r, 4, &size, "the options");
		if (err)
			return err;
		if (size > r->size - r->pos)
			return rd_fail(r, ENODATA, "truncated: it ends in the options");
		buf = xmalloc(size + 1);
		err = rd_bytes(r, buf, size, "the options");
		if (!err)
			err = take_option(r, l, (unsigned int)id, buf, (uint32_t)size, ncpus);
		free(buf);
		if (err)
			return err;
	}
}

/* Pieces of metadata, as v6 lays them out one after the other and v7 in sections. */
enum { PIECE_HEADERS, PIECE_FTRACE, PIECE_EVENTS, PIECE_KALLSYMS, PIECE_PRINTK, PIECE_CMDLINES };

/*
 * Returns 0 after walking one piece of metadata from the current position, every size in it
 * checked against the end of the file (or of its section), or -errno with why. libtracecmd
 * allocates what these sizes say before reading: a lying size must not get that far.
 */
static int walk_piece(struct rd *r, int piece)
{
	uint64_t v, n, i, k;
	char s[256];
	int err = 0;

	switch (piece) {
	case PIECE_HEADERS:
		err = rd_bytes(r, s, 12, "the header page");
		if (!err && memcmp(s, "header_page", 12))
			return rd_fail(r, EINVAL, "not a trace.dat: no header page");
		if (!err)
			err = rd_num(r, 8, &v, "the header page");
		if (!err)
			err = rd_skip(r, v, "the header page");
		if (!err)
			err = rd_bytes(r, s, 13, "the event header");
		if (!err && memcmp(s, "header_event", 13))
			return rd_fail(r, EINVAL, "not a trace.dat: no event header");
		if (!err)
			err = rd_num(r, 8, &v, "the event header");
		if (!err)
			err = rd_skip(r, v, "the event header");
		return err;
	case PIECE_FTRACE:
		err = rd_num(r, 4, &n, "the ftrace formats");
		for (i = 0; !err && i < n; i++) {
			err = rd_num(r, 8, &v, "the ftrace formats");
			if (!err)
				err = rd_skip(r, v, "the ftrace formats");
		}
		return err;
	case PIECE_EVENTS:
		err = rd_num(r, 4, &n, "the event formats");
		for (i = 0; !err && i < n; i++) {
			err = rd_str(r, s, sizeof(s), "the event formats");
			if (!err)
				err = rd_num(r, 4, &k, "the event formats");
			while (!err && k--) {
				err = rd_num(r, 8, &v, "the event formats");
				if (!err)
					err = rd_skip(r, v, "the event formats");
			}
		}
		return err;
	case PIECE_KALLSYMS:
	case PIECE_PRINTK:
		err = rd_num(r, 4, &v, piece == PIECE_KALLSYMS ? "kallsyms" : "the printk formats");
		return err ? err
			   : rd_skip(r, v,
				     piece == PIECE_KALLSYMS ? "kallsyms" : "the printk formats");
	case PIECE_CMDLINES:
		err = rd_num(r, 8, &v, "the saved cmdlines");
		return err ? err : rd_skip(r, v, "the saved cmdlines");
	}
	return 0;
}

static const char *const piece_names[] = {
	[PIECE_HEADERS] = "the headers",       [PIECE_FTRACE] = "the ftrace formats",
	[PIECE_EVENTS] = "the event formats",  [PIECE_KALLSYMS] = "kallsyms",
	[PIECE_PRINTK] = "the printk formats", [PIECE_CMDLINES] = "the saved cmdlines",
};

/* Returns the piece of metadata whose section a v7 option points to, or -1. */
static int piece_of_option(unsigned int id)
{
	return id >= OPT_HEADER_INFO && id <= OPT_CMDLINES ? (int)(id - OPT_HEADER_INFO) : -1;
}

/*
 * Returns 0 after reading a compressed block of csize bytes from r into a buffer of usize
 * (malloc'd, *out; its length *len), or -errno with why. zstd only: the one algorithm this
 * libtracecmd has (a file compressed otherwise fails to open before this matters).
 */
static int unzstd(struct rd *r, uint64_t csize, uint64_t usize, uint8_t **out, size_t *len,
		  const char *what)
{
	uint8_t *in = xmalloc(csize + 1);
	size_t got;
	int err;

	*out = xmalloc(usize + 1);
	err = rd_bytes(r, in, csize, what);
	if (!err) {
		got = ZSTD_decompress(*out, usize, in, csize);
		if (ZSTD_isError(got))
			err = rd_fail(r, EINVAL, "not a trace.dat: %s do not decompress (zstd: %s)",
				      what, ZSTD_getErrorName(got));
		*len = got;
	}
	free(in);
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}

/*
 * Returns 0 after checking the v7 section at off that holds piece: inside the file and its
 * contents walked, decompressed first when it is compressed; or -errno with why.
 */
static int v7_section(struct rd *r, const struct td_layout *l, uint64_t off, int piece)
{
	const char *what = piece_names[piece];
	uint64_t flags, size, csize, usize;
	struct rd s = *r;
	uint8_t *mem;
	size_t len;
	int err;

	s.pos = off;
	err = rd_skip(&s, 2, what);
	if (!err)
		err = rd_num(&s, 2, &flags, what);
	if (!err)
		err = rd_skip(&s, 4, what);
	if (!err)
		err = rd_num(&s, 8, &size, what);
	if (err)
		return err;
	if (size > s.size - s.pos)
		return rd_fail(r, ENODATA, "truncated: it ends in %s (byte %llu)", what,
			       (unsigned long long)s.size);
	/* What is in a section stays in it. */
	s.size = s.pos + size;
	if (!(flags & 1))
		return walk_piece(&s, piece);
	err = rd_num(&s, 4, &csize, what);
	if (!err)
		err = rd_num(&s, 4, &usize, what);
	if (err)
		return err;
	if (csize > s.size - s.pos || usize > TD_SECTION_MAX)
		return rd_fail(r, EINVAL, "not a trace.dat: %s claim %llu bytes compressed in %llu",
			       what, (unsigned long long)usize, (unsigned long long)csize);
	if (strcmp(l->comp, "zstd"))
		return 0;
	err = unzstd(&s, csize, usize, &mem, &len, what);
	if (err)
		return err;
	s.mem = mem;
	s.pos = 0;
	s.size = len;
	err = walk_piece(&s, piece);
	free(mem);
	return err;
}

/*
 * Returns 0 after checking the chunks of each CPU's compressed data in b: their count and
 * sizes, which libtracecmd allocates as they say, fit the CPU's data, and the first page
 * of the first chunk, which it loads while opening the file, is sound; or -errno with why.
 */
static int check_chunks(struct rd *r, const struct td_layout *l, struct td_buffer *b)
{
	uint64_t count, i, csize, usize;
	int k, err;

	for (k = 0; k < b->ncpus; k++) {
		const struct td_span *c = &b->cpus[k];
		struct rd s = *r;

		if (!c->size)
			continue;
		/* trace-cmd's size leaves out the chunk count that leads the data. */
		s.pos = c->off;
		s.size = c->size > r->size - c->off - 4 ? r->size : c->off + 4 + c->size;
		err = rd_num(&s, 4, &count, "compressed CPU data");
		if (err)
			return err;
		if (count > c->size / 8)
			return rd_fail(r, EINVAL,
				       "not a trace.dat: CPU %u claims %llu chunks in %llu bytes",
				       c->cpu, (unsigned long long)count,
				       (unsigned long long)c->size);
		for (i = 0; i < count; i++) {
			err = rd_num(&s, 4, &csize, "compressed CPU data");
			if (!err)
				err = rd_num(&s, 4, &usize, "compressed CPU data");
			if (!err && usize > TD_CHUNK_MAX)
				return rd_fail(r, EINVAL,
					       "not a trace.dat: CPU %u has a chunk of %llu bytes",
					       c->cpu, (unsigned long long)usize);
			if (!err && !i && !strcmp(l->comp, "zstd"))
				err = first_chunk(&s, c, b, csize, usize);
			else if (!err)
				err = rd_skip(&s, csize, "compressed CPU data");
			if (err)
				return err;
		}
		b->cpus[k].chunks = count;
	}
	return 0;
}

/* Returns 0 after walking a v6 file's header to its CPU data, or -errno with why. */
static int v6_layout(struct rd *r, struct td_layout *l)
{
	struct td_buffer *b;
	uint64_t ncpus;
	char kind[10];
	int err = 0, piece;

	for (piece = PIECE_HEADERS; !err && piece <= PIECE_CMDLINES; piece++)
		err = walk_piece(r, piece);
	if (!err)
		err = rd_num(r, 4, &ncpus, "the CPU count");
	if (!err)
		err = rd_bytes(r, kind, sizeof(kind), "the options");
	if (err)
		return err;
	if (!memcmp(kind, "options  ", 10)) {
		err = v6_options(r, l, ncpus);
		if (err)
			return err;
	} else {
		r->pos -= sizeof(kind);
	}
	/* The top instance's data, after the options that gave the other buffers'. */
	b = add_buffer(l, "");
	return b ? v6_data(r, b, ncpus) : 0;
}

/* Returns 0 after reading a v7 BUFFER option (buf, size) into a new buffer, or -errno. */
static int v7_buffer(struct rd *r, struct td_layout *l, const uint8_t *buf, uint32_t size,
		     bool text)
{
	struct rd o = *r; /* the option's bytes, read as a file of their own */
	struct td_buffer *b;
	uint64_t off, v, ncpus, i, cpu, coff, csize;
	char name[64], clock[32];
	uint8_t hdr[4];
	int err;

	(void)buf;
	o.pos = r->pos - size;
	o.size = r->pos;
	err = rd_num(&o, 8, &off, "a buffer option");
	if (!err)
		err = rd_str(&o, name, sizeof(name), "a buffer option");
	if (!err)
		err = rd_str(&o, clock, sizeof(clock), "a buffer option");
	if (err)
		return err;
	b = add_buffer(l, name);
	if (!b)
		return 0; /* more buffers than we read: libtracecmd still checks them */
	if (clock[0] && !l->clock[0])
		strlcpy0(l->clock, clock, sizeof(l->clock));
	if (text) {
		b->latency = true;
		return 0;
	}
	err = rd_num(&o, 4, &v, "a buffer option"); /* page size */
	if (!err)
		err = rd_num(&o, 4, &ncpus, "a buffer option");
	if (err)
		return err;
	if (v < 64 || v > (1u << 24) || (v & (v - 1)))
		return rd_fail(r, EINVAL, "not a trace.dat: buffer '%s' has pages of %llu bytes",
			       name, (unsigned long long)v);
	b->page_size = (uint32_t)v;
	if (ncpus > TD_CPUS_MAX)
		return rd_fail(r, EINVAL, "not a trace.dat: buffer '%s' has %llu CPUs", name,
			       (unsigned long long)ncpus);
	b->cpus = xcalloc(ncpus + 1, sizeof(*b->cpus));
	for (i = 0; i < ncpus; i++) {
		err = rd_num(&o, 4, &cpu, "a buffer option");
		if (!err)
			err = rd_num(&o, 8, &coff, "a buffer option");
		if (!err)
			err = rd_num(&o, 8, &csize, "a buffer option");
		if (err)
			return err;
		b->cpus[b->ncpus++] =
			(struct td_span){ .cpu = (uint32_t)cpu, .off = coff, .size = csize };
	}
	/* The section header at off says whether the data is compressed. */
	o.size = r->size;
	o.pos = off;
	err = rd_skip(&o, 2, "a buffer's section");
	if (!err)
		err = rd_bytes(&o, hdr, 2, "a buffer's section");
	if (err)
		return err;
	b->compressed = num(r, hdr, 2) & 1;
	err = check_spans(r, b);
	return err || !b->compressed ? err : check_chunks(r, l, b);
}

/* Returns 0 after reading the chain of v7 options sections from off, or -errno with why. */
static int v7_options(struct rd *r, struct td_layout *l, uint64_t off)
{
	uint64_t id, flags, size, end, oid, osize;
	int sections, err;
	uint8_t *buf;

	for (sections = 0; off && sections < TD_OPTIONS_MAX; sections++) {
		/* trace-cmd writes the options last: a cut file loses them first. */
		if (off > r->size || r->size - off < 16)
			return rd_fail(r, ENODATA,
				       "truncated: %llu bytes, and its options are at byte %llu",
				       (unsigned long long)r->size, (unsigned long long)off);
		r->pos = off;
		err = rd_num(r, 2, &id, "the options");
		if (!err)
			err = rd_num(r, 2, &flags, "the options");
		if (!err)
			err = rd_skip(r, 4, "the options");
		if (!err)
			err = rd_num(r, 8, &size, "the options");
		if (err)
			return err;
		if (id != OPT_DONE)
			return rd_fail(r, EINVAL, "not a trace.dat: no options section at %llu",
				       (unsigned long long)off);
		if (flags & 1)
			/* trace-cmd never writes one so; its buffers could not be found. */
			return rd_fail(r, EPROTONOSUPPORT,
				       "its options are compressed: not supported");
		if (size > r->size - r->pos)
			return rd_fail(r, ENODATA, "truncated: it ends in the options");
		end = r->pos + size;
		off = 0;
		for (;;) {
			/* libtracecmd reads options until DONE, whatever the section's size. */
			if (end - r->pos < 6)
				return rd_fail(
					r, EINVAL,
					"not a trace.dat: an options section without its end");
			err = rd_num(r, 2, &oid, "the options");
			if (!err)
				err = rd_num(r, 4, &osize, "the options");
			if (err)
				return err;
			if (osize > end - r->pos)
				return rd_fail(r, EINVAL,
					       "not a trace.dat: an option overruns its section");
			buf = xmalloc(osize + 1);
			err = rd_bytes(r, buf, osize, "the options");
			if (!err && oid == OPT_DONE) {
				off = osize >= 8 ? num(r, buf, 8) : 0;
				free(buf);
				break;
			}
			if (!err && (oid == OPT_BUFFER || oid == OPT_BUFFER_TEXT))
				err = v7_buffer(r, l, buf, (uint32_t)osize, oid == OPT_BUFFER_TEXT);
			else if (!err && piece_of_option((unsigned int)oid) >= 0 && osize >= 8)
				err = v7_section(r, l, num(r, buf, 8),
						 piece_of_option((unsigned int)oid));
			else if (!err)
				err = take_option(r, l, (unsigned int)oid, buf, (uint32_t)osize, 0);
			free(buf);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Returns 0 after checking the file's layout, or -errno with a reason in why. */
static int td_layout_read(int fd, struct td_layout *l, char *why, size_t whysz)
{
	struct rd r = { .fd = fd, .why = why, .whysz = whysz };
	char magic[TD_MAGIC_LEN], ver[16];
	uint64_t v, off;
	struct stat sb;
	uint8_t b[2];
	int err;

	if (fstat(fd, &sb))
		return rd_fail(&r, errno, "%s", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return rd_fail(&r, EINVAL, "not a regular file");
	r.size = l->fsize = (uint64_t)sb.st_size;
	if (r.size < TD_MAGIC_LEN || rd_bytes(&r, magic, TD_MAGIC_LEN, "the header") ||
	    memcmp(magic, TD_MAGIC, TD_MAGIC_LEN))
		return rd_fail(&r, EINVAL, "not a trace.dat (no trace-cmd magic at its start)");
	err = rd_str(&r, ver, sizeof(ver), "the version");
	if (err)
		return err;
	l->version = (unsigned int)strtoul(ver, NULL, 10);
	if (l->version < 6 || l->version > 7)
		return rd_fail(&r, EPROTONOSUPPORT,
			       "trace.dat version '%s': kvmscope reads versions 6 and 7", ver);
	err = rd_bytes(&r, b, 2, "the header");
	if (err)
		return err;
	l->big = b[0];
	l->long_size = b[1];
	r.big = l->big;
	err = rd_num(&r, 4, &v, "the header");
	if (err)
		return err;
	l->page_size = (uint32_t)v;
	if (l->page_size < 64 || l->page_size > (1u << 24) || (l->page_size & (l->page_size - 1)))
		return rd_fail(&r, EINVAL, "not a trace.dat: page size %u", l->page_size);
	if (l->version < 7) {
		strlcpy0(l->comp, "none", sizeof(l->comp));
		return v6_layout(&r, l);
	}
	err = rd_str(&r, l->comp, sizeof(l->comp), "the compression header");
	if (!err)
		err = rd_str(&r, l->comp_ver, sizeof(l->comp_ver), "the compression header");
	if (!err)
		err = rd_num(&r, 8, &off, "the header");
	if (err)
		return err;
	return v7_options(&r, l, off);
}

/* Releases what the layout check allocated (the buffers' CPU spans). */
static void td_layout_free(struct td_layout *l)
{
	int i;

	for (i = 0; i < l->nbuf; i++)
		free(l->buf[i].cpus);
	l->nbuf = 0;
}

/* Returns the index of a "CPU n/KVM" thread name, or -1 (as the procfs probe reads it). */
static int vcpu_index(const char *comm)
{
	char *end;
	long v;

	if (strncmp(comm, "CPU ", 4) || comm[4] < '0' || comm[4] > '9')
		return -1;
	v = strtol(comm + 4, &end, 10);
	return strcmp(end, "/KVM") || v > INT_MAX ? -1 : (int)v;
}

/* Returns the tgid of tid from the tgids file, or 0 when it does not say. */
static int tgid_of(const struct tracedat *td, int tid)
{
	int lo = 0, hi = td->ntgids - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (td->tgids[mid][0] == tid)
			return td->tgids[mid][1];
		if (td->tgids[mid][0] < tid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

int tracedat_comm(const struct tracedat *td, int tid, char *out, size_t outsz)
{
	const char *comm;

	if (!tep_is_pid_registered(td->tep, tid))
		return -ENOENT;
	comm = tep_data_comm_from_pid(td->tep, tid);
	strlcpy0(out, comm, outsz);
	return 0;
}

/* Returns the VM thread tid, or NULL. */
static struct td_thread *find_thread(struct tracedat *td, int tid)
{
	int i;

	for (i = 0; i < td->nthreads; i++)
		if (td->threads[i].tid == tid)
			return &td->threads[i];
	return NULL;
}

/* Returns the state of tid after adding it as a VM thread of kind and index. */
static uint8_t add_thread(struct tracedat *td, int tid, enum proc_kind kind, int index);

/*
 * Returns the state of tid after classifying it by its name in the saved cmdlines, as the
 * procfs probe does: a vCPU with its index, an iothread, or else a thread of a VM when
 * in_vm (its process is one) or a host thread.
 */
static uint8_t classify(struct tracedat *td, int tid, bool in_vm)
{
	char comm[PROC_COMM_MAX];
	int index;

	if (tid <= 0 || tracedat_comm(td, tid, comm, sizeof(comm)))
		comm[0] = '\0';
	index = vcpu_index(comm);
	if (index >= 0)
		return add_thread(td, tid, PROC_VCPU, index);
	if (!strncmp(comm, "IO ", 3))
		return add_thread(td, tid, PROC_IOTHREAD, -1);
	if (in_vm)
		return add_thread(td, tid, PROC_OTHER, -1);
	return td->tid_state[tid] = TID_HOST;
}

/* Makes tgid a VM: its other threads in the tgids file become its threads too. */
static void add_vm(struct tracedat *td, int tgid)
{
	int i;

	for (i = 0; i < td->nvm_tgids; i++)
		if (td->vm_tgids[i] == tgid)
			return;
	td->vm_tgids =
		xgrow(td->vm_tgids, &td->vm_tgids_cap, td->nvm_tgids + 1, sizeof(*td->vm_tgids));
	td->vm_tgids[td->nvm_tgids++] = tgid;
	for (i = 0; i < td->ntgids; i++) {
		int tid = td->tgids[i][0];

		if (td->tgids[i][1] == tgid && tid > 0 && tid < TD_TID_MAX &&
		    td->tid_state[tid] <= TID_HOST)
			classify(td, tid, true);
	}
}

static uint8_t add_thread(struct tracedat *td, int tid, enum proc_kind kind, int index)
{
	struct td_thread *t = find_thread(td, tid);
	uint8_t st;

	if (!t) {
		td->threads = xgrow(td->threads, &td->threads_cap, td->nthreads + 1,
				    sizeof(*td->threads));
		t = &td->threads[td->nthreads++];
		memset(t, 0, sizeof(*t));
		t->tid = tid;
		t->tgid = td->tgids ? tgid_of(td, tid) : 0;
		if (tracedat_comm(td, tid, t->comm, sizeof(t->comm)))
			t->comm[0] = '\0';
	}
	/* A vCPU's index from its name stands; events only fill one in. */
	if (kind == PROC_VCPU && index < 0 && t->kind == PROC_VCPU)
		index = t->index;
	if (kind == PROC_VCPU && index < 0)
		index = vcpu_index(t->comm);
	t->kind = kind;
	t->index = index;
	st = kind == PROC_VCPU ? (index >= 0 ? TID_VCPU : TID_VCPU_NOIDX) : TID_VM;
	td->tid_state[tid] = st;
	td->gen++;
	if (kind != PROC_OTHER && t->tgid > 0)
		add_vm(td, t->tgid);
	return st;
}

/* Returns the state of a tid met for the first time. */
static uint8_t learn(struct tracedat *td, int tid)
{
	int tgid = td->tgids && tid > 0 ? tgid_of(td, tid) : 0;
	int i;

	for (i = 0; tgid && i < td->nvm_tgids; i++)
		if (td->vm_tgids[i] == tgid)
			return classify(td, tid, true);
	return classify(td, tid, false);
}

/* Event types only a vCPU thread records: whoever records one is a vCPU. */
static const bool vcpu_only[KE__COUNT] = {
	[KE_EXIT] = true,      [KE_ENTRY] = true,   [KE_PIO] = true,	   [KE_MMIO] = true,
	[KE_FAST_MMIO] = true, [KE_MSR] = true,	    [KE_USER_EXIT] = true, [KE_VCPU_WAKEUP] = true,
	[KE_APIC] = true,      [KE_EMULATE] = true,
};

/* Returns the state of tid, learning it when new (tids past TD_TID_MAX are host threads). */
static inline uint8_t tid_state(struct tracedat *td, uint32_t tid)
{
	if (tid >= TD_TID_MAX)
		return TID_HOST;
	return td->tid_state[tid] != TID_NEW ? td->tid_state[tid] : learn(td, (int)tid);
}

/* Learns what one event tells of its threads, then hands it on. The hot path. */
static void on_event(void *arg, const struct kvm_event *ev)
{
	struct tracedat *td = arg;
	uint8_t st = tid_state(td, ev->tid);

	if (vcpu_only[ev->type] && ev->tid < TD_TID_MAX) {
		if (st < TID_VCPU) {
			uint32_t v = ev->type == KE_EXIT ? ev->exit.vcpu : ev->entry.vcpu;
			bool idx = ev->type == KE_EXIT || ev->type == KE_ENTRY;

			/* Whatever its name says, a thread that runs a vCPU is one. */
			add_thread(td, (int)ev->tid, PROC_VCPU, idx && v <= INT_MAX ? (int)v : -1);
		} else if (st == TID_VCPU_NOIDX && (ev->type == KE_EXIT || ev->type == KE_ENTRY)) {
			uint32_t v = ev->type == KE_EXIT ? ev->exit.vcpu : ev->entry.vcpu;

			if (v <= INT_MAX)
				add_thread(td, (int)ev->tid, PROC_VCPU, (int)v);
		}
	} else if (ev->type == KE_SCHED_SWITCH) {
		tid_state(td, ev->sw.prev_tid);
		tid_state(td, ev->sw.next_tid);
	} else if (ev->type == KE_SCHED_WAKING) {
		tid_state(td, ev->waking.target);
	}
	td->last_ns = ev->ts_ns;
	td->fn(td->arg, ev);
}

#define TD_BLOCK (256u << 10) /* plain CPU data read at a time */

/* Returns 0 after reading n bytes at off, or -errno (-ENODATA: the file ended). */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t got = pread(fd, buf, n, (off_t)off);

	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -ENODATA;
}

/* Returns p grown to hold at least need bytes; updates *cap. */
static uint8_t *grow(uint8_t *p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return p;
	*cap = need;
	return xrealloc(p, need);
}

/*
 * Returns 1 after filling c's block with its next plain data or decompressed chunk, 0 when
 * the CPU has no more, or -errno when the file cannot be read.
 */
static int next_block(struct tracedat *td, struct td_stream *c)
{
	uint32_t hdr[2];
	size_t n, got;
	int err;

	c->len = c->at = 0;
	if (!c->buf->compressed) {
		if (c->pos >= c->end)
			return 0;
		n = c->end - c->pos < TD_BLOCK ? (size_t)(c->end - c->pos) : TD_BLOCK;
		c->block = grow(c->block, &c->cap, n);
		err = read_at(td->fd, c->block, n, c->pos);
		if (err)
			return err;
		c->pos += n;
		c->len = n;
		return 1;
	}
	if (!c->chunks)
		return 0;
	/* The layout check walked these headers; a file changed since is not believed either. */
	err = read_at(td->fd, hdr, sizeof(hdr), c->pos);
	if (err)
		return err;
	if (hdr[1] > TD_CHUNK_MAX || c->pos + sizeof(hdr) + hdr[0] > c->end + 4)
		return -EIO;
	c->chunks--;
	td->zbuf = grow(td->zbuf, &td->zcap, hdr[0]);
	c->block = grow(c->block, &c->cap, hdr[1]);
	err = read_at(td->fd, td->zbuf, hdr[0], c->pos + sizeof(hdr));
	if (err)
		return err;
	c->pos += sizeof(hdr) + hdr[0];
	got = ZSTD_decompressDCtx(td->zctx, c->block, hdr[1], td->zbuf, hdr[0]);
	if (ZSTD_isError(got)) {
		td->bad_chunks++; /* a corrupt chunk: its pages are lost, the next ones go on */
		return 1;
	}
	c->len = got;
	return 1;
}

/* Refills a CPU's stream with its next page: 1 loaded, 0 when the CPU has no more. */
static int refill(void *arg, struct kvmdecode_stream *s)
{
	struct td_stream *c = (struct td_stream *)s;
	struct tracedat *td = arg;
	uint32_t ps = c->buf->page_size;
	int ret;

	if (!c->started) {
		c->started = true;
		c->pos = c->span->off + (c->buf->compressed ? 4 : 0);
	}
	while (c->at + ps > c->len) {
		ret = next_block(td, c);
		if (ret <= 0)
			return ret;
	}
	/* kvmdecode checks the page against its size and cuts a malformed one short (s->bad). */
	ret = kvmdecode_stream_load(s, c->block + c->at);
	c->at += ps;
	if (ret)
		return ret;
	if (s->missed)
		td->page_lost += s->missed > 0 ? (uint64_t)s->missed : 1;
	return 1;
}

/* Returns 1 when some stream has a record (refilled if need be), 0 when all are done. */
static int prime(struct tracedat *td)
{
	int i, any = 0, ret;

	for (i = 0; i < td->nstreams; i++) {
		struct td_stream *c = &td->streams[i];

		while (!c->s.rec) {
			ret = refill(td, &c->s);
			if (ret < 0)
				return ret;
			if (!ret)
				break;
		}
		any |= !!c->s.rec;
	}
	return any;
}

uint64_t tracedat_next_ns(struct tracedat *td)
{
	uint64_t best = 0;
	int i;

	if (prime(td) <= 0)
		return 0;
	for (i = 0; i < td->nstreams; i++)
		if (td->streams[i].s.rec && (!best || td->streams[i].s.ts < best))
			best = td->streams[i].s.ts;
	return best;
}

uint64_t tracedat_last_ns(const struct tracedat *td)
{
	return td->last_ns;
}

int tracedat_done(struct tracedat *td)
{
	return prime(td) == 0;
}

/* Writes the statuses of the file, its threads and the sched events. */
static void update_status(struct tracedat *td)
{
	const char *base = strrchr(td->path, '/') ? strrchr(td->path, '/') + 1 : td->path;
	uint64_t bad, recs = tracedat_records(td, &bad), bad_pages = td->bad_chunks;
	char lacks[96] = "";
	unsigned int type;
	size_t n = 0;
	int i, unknown = 0;

	/* Pages kvmdecode cut short, and chunks of pages that could not be decompressed. */
	for (i = 0; i < td->nstreams; i++)
		bad_pages += td->streams[i].s.bad;

	for (type = KE_NONE + 1; type < KE__COUNT && n < sizeof(lacks); type++)
		if (td->dec.unusable & KVMDECODE_BIT(type))
			n += (size_t)snprintf(lacks + n, sizeof(lacks) - n, "%s%s has no '%s'",
					      n ? ", " : "", kvmdecode_event_name(type, NULL),
					      td->dec.lacks[type]);
	td->st[0].name = "tracedat";
	if (bad_pages)
		source_set(&td->st[0], SOURCE_DEGRADED,
			   "%s: %llu pages malformed; %llu of %llu records undecodable%s%s", base,
			   (unsigned long long)bad_pages, (unsigned long long)bad,
			   (unsigned long long)recs, lacks[0] ? ": " : "", lacks);
	else if (bad || lacks[0])
		source_set(&td->st[0], SOURCE_DEGRADED, "%s: %llu of %llu records undecodable%s%s",
			   base, (unsigned long long)bad, (unsigned long long)recs,
			   lacks[0] ? ": " : "", lacks);
	else
		source_set(&td->st[0], SOURCE_OK, "%s: trace-cmd v%u%s%s, clock %s, %llu records",
			   base, td->lay.version, strcmp(td->lay.comp, "none") ? ", " : "",
			   strcmp(td->lay.comp, "none") ? td->lay.comp : "",
			   td->lay.clock[0] ? td->lay.clock : "?", (unsigned long long)recs);

	for (i = 0; i < td->nthreads; i++)
		unknown += !td->threads[i].tgid;
	td->st[1].name = "threads";
	if (!td->nthreads)
		source_set(&td->st[1], SOURCE_DEGRADED, "no VM thread in the file yet");
	else if (!td->tgids)
		source_set(&td->st[1], SOURCE_DEGRADED,
			   "saved cmdlines; no tgids: %d threads of unknown VMs (--tgids)",
			   unknown);
	else if (unknown)
		source_set(&td->st[1], SOURCE_DEGRADED,
			   "saved cmdlines and tgids; %d threads of unknown VMs", unknown);
	else
		source_set(&td->st[1], SOURCE_OK, "saved cmdlines and tgids (%s)",
			   strrchr(td->tgids_path, '/') ? strrchr(td->tgids_path, '/') + 1
							: td->tgids_path);

	td->st[2].name = "sched";
	if ((td->types & KVMDECODE_BIT(KE_SCHED_SWITCH)) &&
	    (td->types & KVMDECODE_BIT(KE_SCHED_WAKING)))
		source_set(&td->st[2], SOURCE_OK, "from the file");
	else
		source_set(&td->st[2], SOURCE_UNAVAILABLE,
			   "no sched_switch and sched_waking in the file: no wake graph");
}

int tracedat_read(struct tracedat *td, uint64_t until, tracedat_event_fn fn, void *arg)
{
	int n;

	td->fn = fn;
	td->arg = arg;
	n = kvmdecode_merge_until(&td->dec, td->sp, td->nstreams, refill, td, until, on_event, td);
	update_status(td);
	return n;
}

uint64_t tracedat_lost(const struct tracedat *td)
{
	/* Both count the same overruns; the saved stats also count what no page flagged. */
	return td->page_lost > td->stat_lost ? td->page_lost : td->stat_lost;
}

uint64_t tracedat_records(const struct tracedat *td, uint64_t *undecodable)
{
	uint64_t recs = 0, bad = 0;
	int i;

	for (i = 0; i < td->nstreams; i++) {
		recs += td->streams[i].s.records;
		bad += td->streams[i].s.undecodable;
	}
	if (undecodable)
		*undecodable = bad;
	return recs;
}

unsigned int tracedat_types(const struct tracedat *td)
{
	return td->types;
}

const struct exit_names *tracedat_exit_names(const struct tracedat *td)
{
	return &td->names;
}

unsigned int tracedat_threads_gen(const struct tracedat *td)
{
	return td->gen;
}

const struct source_status *tracedat_status(struct tracedat *td, int i)
{
	return i >= 0 && i < TRACEDAT_SOURCES ? &td->st[i] : NULL;
}

void tracedat_host(const struct tracedat *td, struct proc_host *host)
{
	char uname[sizeof(td->lay.uname)], *save = NULL, *w;
	int i, cpus = 0;

	memset(host, 0, sizeof(*host));
	/* trace-cmd saves "sysname nodename release machine". */
	strlcpy0(uname, td->lay.uname, sizeof(uname));
	w = strtok_r(uname, " ", &save);
	for (i = 0; w && i < 3; i++, w = strtok_r(NULL, " ", &save)) {
		if (i == 1)
			strlcpy0(host->hostname, w, sizeof(host->hostname));
		else if (i == 2)
			strlcpy0(host->release, w, sizeof(host->release));
	}
	if (!host->hostname[0])
		strlcpy0(host->hostname, "?", sizeof(host->hostname));
	if (!host->release[0])
		strlcpy0(host->release, "?", sizeof(host->release));
	/* Which vendor module ran is not in the file. */
	strlcpy0(host->kvm_module, "?", sizeof(host->kvm_module));
	for (i = 0; i < td->lay.nbuf; i++) {
		int k;

		for (k = 0; k < td->lay.buf[i].ncpus; k++)
			if ((int)td->lay.buf[i].cpus[k].cpu + 1 > cpus)
				cpus = (int)td->lay.buf[i].cpus[k].cpu + 1;
	}
	host->ncpus = td->lay.cpucount ? (int)td->lay.cpucount : cpus;
}

void tracedat_sample(const struct tracedat *td, struct procfs_sample *s)
{
	int i, v;

	for (v = 0; v < s->nvms; v++)
		s->vms[v].nthreads = 0;
	s->nvms = 0;
	s->ts_ns = 0;
	s->scan_errors = 0;
	for (i = 0; i < td->nthreads; i++) {
		const struct td_thread *t = &td->threads[i];
		struct proc_thread *pt;
		struct proc_vm *vm = NULL;

		for (v = 0; v < s->nvms && !vm; v++)
			if (s->vms[v].pid == t->tgid)
				vm = &s->vms[v];
		if (!vm) {
			s->vms = xgrow(s->vms, &s->vms_cap, s->nvms + 1, sizeof(*s->vms));
			vm = &s->vms[s->nvms++];
			/* Keep the thread array a reused sample already owns. */
			pt = vm->threads;
			v = vm->threads_cap;
			memset(vm, 0, sizeof(*vm));
			vm->threads = pt;
			vm->threads_cap = v;
			vm->pid = t->tgid;
			if (!t->tgid || tracedat_comm(td, t->tgid, vm->comm, sizeof(vm->comm)))
				strlcpy0(vm->comm, "?", sizeof(vm->comm));
		}
		vm->threads = xgrow(vm->threads, &vm->threads_cap, vm->nthreads + 1,
				    sizeof(*vm->threads));
		pt = &vm->threads[vm->nthreads++];
		memset(pt, 0, sizeof(*pt));
		pt->tid = t->tid;
		memcpy(pt->comm, t->comm, sizeof(pt->comm));
		pt->kind = t->kind;
		pt->index = t->index;
		pt->last_cpu = -1;
		pt->state = '?';
	}
}

/* Returns 0 after reading a tgids file ("TID TGID" lines, as saved_tgids), or -errno. */
static int read_tgids(struct tracedat *td, const char *path, char *why, size_t whysz)
{
	char line[TD_TGIDS_LINE_MAX];
	int cap = 0, lineno = 0;
	long tid, tgid = 0;
	char *end;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		snprintf(why, whysz, "--tgids %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		errno = 0;
		tid = strtol(line, &end, 10);
		if (!errno && end != line && (*end == ' ' || *end == '\t'))
			tgid = strtol(end, &end, 10);
		else
			errno = EINVAL;
		if (errno || (*end && *end != '\n') || tid <= 0 || tid >= TD_TID_MAX || tgid < 0 ||
		    tgid >= TD_TID_MAX) {
			fclose(f);
			snprintf(why, whysz,
				 "--tgids %s: line %d is not 'TID TGID' (the kernel's saved_tgids)",
				 path, lineno);
			return -EINVAL;
		}
		td->tgids = xgrow(td->tgids, &cap, td->ntgids + 1, sizeof(*td->tgids));
		td->tgids[td->ntgids][0] = (int)tid;
		td->tgids[td->ntgids++][1] = (int)tgid;
	}
	fclose(f);
	if (!td->tgids)
		td->tgids = xcalloc(1, sizeof(*td->tgids)); /* an empty file still says "tgids" */
	strlcpy0(td->tgids_path, path, sizeof(td->tgids_path));
	return 0;
}

/* Returns the order of two (tid, tgid) pairs by tid, for qsort. */
static int tgid_cmp(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Returns whether a buffer has ring-buffer data to read. */
static bool has_data(const struct td_buffer *b)
{
	int k;

	for (k = 0; !b->latency && k < b->ncpus; k++)
		if (b->cpus[k].size)
			return true;
	return false;
}

/* Returns 0 after setting up a stream per CPU with data, or -errno. */
static int open_streams(struct tracedat *td)
{
	int b, k, n = 0, compressed = 0, err;

	for (b = 0; b < td->lay.nbuf; b++)
		n += td->lay.buf[b].ncpus;
	td->streams = xcalloc((size_t)n + 1, sizeof(*td->streams));
	td->sp = xcalloc((size_t)n + 1, sizeof(*td->sp));
	for (b = 0; b < td->lay.nbuf; b++) {
		const struct td_buffer *buf = &td->lay.buf[b];

		for (k = 0; !buf->latency && k < buf->ncpus; k++) {
			struct td_stream *c = &td->streams[td->nstreams];

			if (!buf->cpus[k].size)
				continue;
			c->span = &buf->cpus[k];
			c->buf = buf;
			c->end = c->span->off + c->span->size;
			c->chunks = buf->compressed ? c->span->chunks : 0;
			/* -EINVAL: the file's header page gives a commit word of no known size. */
			err = kvmdecode_stream_init(&c->s, td->tep, buf->page_size,
						    buf->cpus[k].cpu);
			if (err)
				return err;
			compressed |= buf->compressed;
			td->sp[td->nstreams++] = &c->s;
		}
	}
	if (compressed && !(td->zctx = ZSTD_createDCtx()))
		return -ENOMEM;
	/* The saved statistics of the buffers read, not of the others in the file. */
	for (k = 0; k < td->lay.nstats; k++)
		for (b = 0; b < td->lay.nbuf; b++)
			if (!strcmp(td->lay.stats[k].name, td->lay.buf[b].name) &&
			    has_data(&td->lay.buf[b])) {
				td->stat_lost += td->lay.stats[k].lost;
				break;
			}
	return 0;
}

int tracedat_rewind(struct tracedat *td)
{
	int i;

	for (i = 0; i < td->nstreams; i++) {
		struct td_stream *c = &td->streams[i];

		c->started = false;
		c->len = c->at = 0;
		c->chunks = c->buf->compressed ? c->span->chunks : 0;
		c->s.rec = NULL;
		c->s.records = c->s.undecodable = c->s.bad = 0;
		td->sp[i] = &c->s;
	}
	td->page_lost = 0;
	td->bad_chunks = 0;
	td->last_ns = 0;
	memset(td->tid_state, 0, TD_TID_MAX);
	td->nthreads = 0;
	td->nvm_tgids = 0;
	td->gen++;
	update_status(td);
	return 0;
}

/* How long libtracecmd may take to open a file's headers before it is taken as stuck. */
#define TD_PREFLIGHT_NS (10ull * 1000000000ull)

/*
 * Returns 0 when libtracecmd opens (or refuses) path in a child process, -EPROTO when the
 * child dies doing so, -ETIMEDOUT when it has not finished in TD_PREFLIGHT_NS (it is
 * killed). The layout check cannot see into every part: libtraceevent 1.7's parser of event
 * formats and libtracecmd 1.3's clean-up after a failed open crash on some corrupt files, and
 * its open loops forever on others; either must cost the user one line, not the program.
 * Costs one more parse of the file's formats.
 */
static int preflight(const char *path)
{
	const struct timespec nap = { .tv_nsec = 5000000 };
	uint64_t end;
	pid_t got;
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct tracecmd_input *h;
	int status = 0;
	size_t i;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0; /* cannot check: the open itself will tell */
	if (!pid) {
		/* A crash kills the child by its signal, whatever handler the parent had. */
		for (i = 0; i < ARRAY_SIZE(fatal); i++)
			sigaction(fatal[i], &dfl, NULL);
		/* The open is what can crash; the child exits without a close. */
		h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
		(void)h;
		_exit(0);
	}
	end = now_ns() + TD_PREFLIGHT_NS;
	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			return 0;
		if (now_ns() > end) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		nanosleep(&nap, NULL);
	}
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EPROTO;
}

/* Writes the one line for a file libtracecmd would not open. */
static void open_failed(struct tracedat *td, char *why, size_t whysz)
{
	snprintf(why, whysz, "%s: libtracecmd cannot read it%s%s", td->path, lib_msg[0] ? ": " : "",
		 lib_msg);
}

struct tracedat *tracedat_open(const char *path, const char *tgids_path, char *why, size_t whysz)
{
	struct tracedat *td = xcalloc(1, sizeof(*td));
	char reason[SOURCE_WHY_MAX + 64];
	unsigned int type;
	int err;

	strlcpy0(td->path, path, sizeof(td->path));
	lib_msg[0] = '\0';
	/* Kept open: the CPU data is read from it, in the layout checked here. */
	td->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (td->fd < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	err = td_layout_read(td->fd, &td->lay, reason, sizeof(reason));
	if (err) {
		snprintf(why, whysz, "%s: %s", path, reason);
		goto fail;
	}
	err = -EPROTONOSUPPORT;
	/* The CPU data is decompressed here, with zstd: what trace-cmd uses by default. */
	if (strcmp(td->lay.comp, "none") && strcmp(td->lay.comp, "zstd")) {
		snprintf(why, whysz,
			 "%s: compressed with %s %s, which kvmscope cannot decompress (it reads "
			 "zstd "
			 "and uncompressed files: trace-cmd convert --compression zstd)",
			 path, td->lay.comp, td->lay.comp_ver);
		goto fail;
	}
	if (td->lay.big != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)) {
		snprintf(why, whysz, "%s: written on a host of the other byte order: not supported",
			 path);
		goto fail;
	}
	if (td->lay.time_shift || td->lay.tsc2nsec) {
		snprintf(why, whysz, "%s: %s: kvmscope reads host traces in nanoseconds (-C mono)",
			 path,
			 td->lay.time_shift ? "a guest's trace with time shifts"
					    : "timestamps in TSC cycles to convert");
		goto fail;
	}
	if (tgids_path) {
		err = read_tgids(td, tgids_path, why, whysz);
		if (err)
			goto fail;
		qsort(td->tgids, (size_t)td->ntgids, sizeof(*td->tgids), tgid_cmp);
	}
	err = preflight(path);
	if (err) {
		snprintf(why, whysz, "%s: libtracecmd %s reading it (a corrupt header or event format)",
			 path, err == -ETIMEDOUT ? "does not finish" : "crashes");
		goto fail;
	}
	td->main = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!td->main) {
		err = errno ? -errno : -EINVAL;
		open_failed(td, why, whysz);
		goto fail;
	}
	td->tep = tracecmd_get_tep(td->main);
	err = kvmdecode_init(&td->dec, td->tep);
	if (err == -ENOENT) {
		snprintf(why, whysz,
			 "%s: no KVM or scheduler events in the file's formats "
			 "(record with -e kvm -e sched:sched_switch -e sched:sched_waking)",
			 path);
		goto fail;
	}
	if (err)
		goto fail;
	for (type = KE_NONE + 1; type < KE__COUNT; type++)
		if (kvmdecode_has(&td->dec, type))
			td->types |= KVMDECODE_BIT(type);
	kvmdecode_exit_names(td->tep, &td->names);
	td->tid_state = xcalloc(TD_TID_MAX, 1);
	err = open_streams(td);
	if (err) {
		snprintf(why, whysz, "%s: %s", path, strerror(-err));
		goto fail;
	}
	update_status(td);
	return td;
fail:
	tracedat_close(td);
	errno = -err;
	return NULL;
}

void tracedat_close(struct tracedat *td)
{
	int i;

	if (!td)
		return;
	for (i = 0; i < td->nstreams; i++) {
		free(td->streams[i].block);
	}
	free(td->streams);
	free(td->sp);
	if (td->main)
		tracecmd_close(td->main);
	if (td->fd >= 0)
		close(td->fd);
	ZSTD_freeDCtx(td->zctx);
	free(td->zbuf);
	kvmdecode_free(&td->dec);
	exit_names_free(&td->names);
	td_layout_free(&td->lay);
	free(td->tid_state);
	free(td->threads);
	free(td->vm_tgids);
	free(td->tgids);
	free(td);
}
