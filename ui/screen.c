// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "screen.h"
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

int screen_utf8_next(const char *str, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)str;
	int len, i;
	uint32_t c;

	if (!p[0]) {
		*cp = 0;
		return 0;
	}
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		goto bad;
	}
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
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
	int n = 0, len;
	uint32_t cp;

	if (y < 0 || y >= s->h || x < 0 || x >= s->w)
		return 0;
	if (max < 0 || max > s->w - x)
		max = s->w - x;
	c = &s->cells[y * s->w + x];
	while (n < max && (len = screen_utf8_next(text, &cp)) > 0) {
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
