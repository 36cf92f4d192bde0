// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "screen.h"
#include "utf8.h"
#include "util.h"

#define REPLACEMENT '?'

void screen_resize(struct screen *s, int w, int h, bool utf8)
{
	w = MAX(w, 0);
	h = MAX(h, 0);
	if (w * h > s->cap) {
		free(s->cells);
		s->cap = w * h;
		s->cells = xcalloc((size_t)s->cap, sizeof(*s->cells));
	}
	s->w = w;
	s->h = h;
	s->utf8 = utf8;
	screen_clear(s);
}

void screen_clear(struct screen *s)
{
	int i;

	for (i = 0; i < s->w * s->h; i++) {
		s->cells[i].cp = ' ';
		s->cells[i].color = 0;
	}
	s->cursor = false;
	s->cur_x = s->cur_y = 0;
}

void screen_free(struct screen *s)
{
	free(s->cells);
	memset(s, 0, sizeof(*s));
}

/*
 * Returns the bytes of the code point at str, decoded to *cp: 0 at the end of the string, 1
 * with *cp = 0xfffd for an invalid byte.
 */
static size_t next_cp(const char *str, uint32_t *cp)
{
	size_t len;

	if (!*str)
		return 0;
	len = utf8_decode(str, (size_t)-1, cp);
	if (!len) {
		*cp = 0xfffd;
		len = 1;
	}
	return len;
}

/* Returns cp if a terminal can show it in one column as it is, else the replacement. */
static uint32_t safe_cp(const struct screen *s, uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return REPLACEMENT;
	if (cp < 0x80)
		return cp;
	if (!s->utf8 || cp < 0xa0 || cp == 0xfffd)
		return REPLACEMENT;
	/* Wide and combining characters would shift every cell after them. */
	if (wcwidth((wchar_t)cp) != 1)
		return REPLACEMENT;
	return cp;
}

int screen_put(struct screen *s, int x, int y, int max, const char *text, uint8_t color)
{
	struct screen_cell *c;
	uint32_t cp;
	size_t len;
	int n = 0;

	if (y < 0 || y >= s->h || x < 0 || x >= s->w)
		return 0;
	if (max < 0 || max > s->w - x)
		max = s->w - x;
	c = &s->cells[y * s->w + x];
	while (n < max && (len = next_cp(text, &cp)) > 0) {
		text += len;
		c[n].cp = safe_cp(s, cp);
		c[n].color = color;
		n++;
	}
	return n;
}

int screen_fill(struct screen *s, int x, int y, int n, uint32_t cp, uint8_t color)
{
	struct screen_cell *c;
	int i;

	if (y < 0 || y >= s->h || x < 0 || x >= s->w || n <= 0)
		return 0;
	n = MIN(n, s->w - x);
	cp = safe_cp(s, cp);
	c = &s->cells[y * s->w + x];
	for (i = 0; i < n; i++) {
		c[i].cp = cp;
		c[i].color = color;
	}
	return n;
}

void screen_paint(struct screen *s, int x, int y, int n, uint8_t color)
{
	int i;

	if (y < 0 || y >= s->h || x < 0 || x >= s->w || n <= 0)
		return;
	n = MIN(n, s->w - x);
	for (i = 0; i < n; i++)
		s->cells[y * s->w + x + i].color = color;
}

const struct screen_cell *screen_cell(const struct screen *s, int x, int y)
{
	if (y < 0 || y >= s->h || x < 0 || x >= s->w)
		return NULL;
	return &s->cells[y * s->w + x];
}

/* Returns the bytes written: cp as UTF-8 into out (4 bytes of room). */
static int utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *screen_line(const struct screen *s, int y, char *buf, size_t n)
{
	size_t o = 0, end = 0;
	char tmp[4];
	int x, len;

	if (!n)
		return buf;
	buf[0] = '\0';
	if (y < 0 || y >= s->h)
		return buf;
	for (x = 0; x < s->w; x++) {
		len = utf8_put(tmp, s->cells[y * s->w + x].cp);
		if (o + (size_t)len >= n)
			break;
		memcpy(buf + o, tmp, (size_t)len);
		o += (size_t)len;
		if (tmp[0] != ' ')
			end = o;
	}
	buf[end] = '\0';
	return buf;
}
