/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A buffer in front of a FILE: the JSON writer and table_print write many short pieces (a
 * key, a number, a cell), and a stdio call for each was most of what writing cost. What is
 * put goes to the FILE when the buffer is full and at obuf_flush(); a piece larger than the
 * buffer goes straight through. Owned by whoever embeds it; nothing to release.
 */
#ifndef KVMSCOPE_OBUF_H
#define KVMSCOPE_OBUF_H

#include <stdio.h>
#include <string.h>

#define OBUF_SIZE 8192

struct obuf {
	FILE *f;
	size_t len; /* bytes in buf not yet written to f */
	char buf[OBUF_SIZE];
};

static inline void obuf_init(struct obuf *o, FILE *f)
{
	o->f = f;
	o->len = 0;
}

/* Hands what is buffered to the FILE. */
static inline void obuf_flush(struct obuf *o)
{
	if (o->len)
		fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

static inline void obuf_put(struct obuf *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		obuf_flush(o);
		if (n > sizeof(o->buf)) {
			fwrite(p, 1, n, o->f);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline void obuf_putc(struct obuf *o, char c)
{
	if (o->len == sizeof(o->buf))
		obuf_flush(o);
	o->buf[o->len++] = c;
}

static inline void obuf_puts(struct obuf *o, const char *s)
{
	obuf_put(o, s, strlen(s));
}

#endif
