/* SPDX-License-Identifier: GPL-2.0 */
/* Number formatting shared by every pane, in batch text and on screen. */
#ifndef KVMSCOPE_FMT_H
#define KVMSCOPE_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_MAX 24

/* Each returns buf: a count or rate in at most 6 columns ("870k", "74.1k", "1.20M", "12"). */
char *fmt_si(char *buf, double v);
/* A percentage with one decimal ("93.1"), "-" when v < 0 (no data). */
char *fmt_pct(char *buf, double v);
/* A duration from nanoseconds ("850ns", "12.3us", "4.56ms", "1.20s"), "-" for 0. */
char *fmt_ns(char *buf, double ns);
/* An integer, as "%" PRId64 writes it. */
char *fmt_int(char *buf, int64_t v);
/* An unsigned integer, as "%" PRIu64 writes it. */
char *fmt_uint(char *buf, uint64_t v);
/* An address or port, as "0x%" PRIx64 writes it ("0x608"). */
char *fmt_hex(char *buf, uint64_t v);

#endif
