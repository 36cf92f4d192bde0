/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UTF-8 as every output meets it: one decoder (escaping, the in-memory screen) and one way
 * to count columns (tables, the frame), so what a table measures is what the screen draws.
 */
#ifndef KVMSCOPE_UTF8_H
#define KVMSCOPE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the length of the valid UTF-8 sequence at s, at most n bytes, with its code point
 * in *cp; 0 for an invalid, overlong, surrogate or cut sequence (a NUL ends a cut one).
 * ASCII, NUL included, is a sequence of one byte.
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Returns the columns text takes: one per code point, as tables and the screen count. */
int utf8_width(const char *s);

/* Returns the first byte of text that leaves at most w columns, dropping from the left. */
const char *utf8_tail(const char *text, int w);

#endif
