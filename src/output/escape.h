/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Untrusted text (process names, command lines, VM names) made safe for a terminal:
 * control bytes, DEL, C1 controls, backslashes and invalid UTF-8 become visible escapes.
 */
#ifndef KVMSCOPE_ESCAPE_H
#define KVMSCOPE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Returns the length written to dst (always NUL-terminated when dstsz > 0). Copies src
 * (srclen bytes, or up to its NUL when srclen is (size_t)-1) with \n \t \e \\ and \xNN for
 * other unsafe bytes. With utf8, valid printable UTF-8 sequences pass through; without,
 * every byte >= 0x80 is escaped. A sequence that does not fit is left out whole.
 */
size_t escape_text(char *dst, size_t dstsz, const char *src, size_t srclen, bool utf8);

#endif
