// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/* Returns the length of a valid, printable UTF-8 sequence at s, or 0. */
static size_t utf8_printable(const char *s, size_t n)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, &cp);

	/* C1 controls, line/paragraph separators, bidi overrides and isolates. */
	if (!len || cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return len;
}

size_t escape_text(char *dst, size_t dstsz, const char *src, size_t srclen, bool utf8)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;
	char tmp[8];

	if (!dstsz)
		return 0;
	if (srclen == (size_t)-1)
		srclen = strlen(src);
	while (i < srclen) {
		unsigned char c = s[i];
		const char *piece = tmp;
		size_t plen;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			/* Most text is plain: it goes as it is, without the copy below. */
			if (o + 1 >= dstsz)
				break;
			dst[o++] = (char)c;
			i++;
			continue;
		}
		n = 1;
		if (c == '\\') {
			piece = "\\\\";
			plen = 2;
		} else if (c == '\n') {
			piece = "\\n";
			plen = 2;
		} else if (c == '\t') {
			piece = "\\t";
			plen = 2;
		} else if (c == 0x1b) {
			piece = "\\e";
			plen = 2;
		} else if (c >= 0x80 && utf8 && (n = utf8_printable(src + i, srclen - i))) {
			piece = (const char *)s + i;
			plen = n;
		} else {
			n = 1;
			plen = snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		}
		if (o + plen >= dstsz)
			break;
		memcpy(dst + o, piece, plen);
		o += plen;
		i += n;
	}
	dst[o] = '\0';
	return o;
}
