/* SPDX-License-Identifier: GPL-2.0 */
/* The header: host, data sources and trace health, as lines shared by batch text and TUI. */
#ifndef KVMSCOPE_HEADER_H
#define KVMSCOPE_HEADER_H

#include <stddef.h>

#include "snapshot.h"

enum { HEADER_HOST = 0, HEADER_SOURCES, HEADER_EVENTS, HEADER_LINES };

/*
 * Returns buf holding header line `line` (HEADER_*) for s, cut to n bytes. Host names are
 * escaped here.
 */
char *header_line(const struct snapshot *s, int line, char *buf, size_t n, bool utf8);

#endif
