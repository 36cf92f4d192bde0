/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation that cannot fail: on exhaustion the fatal hook main registered runs (it
 * restores the terminal and removes tracing state) and the program ends.
 */
#ifndef KVMSCOPE_UTIL_H
#define KVMSCOPE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)     ((a) < (b) ? (a) : (b))
#define MAX(a, b)     ((a) > (b) ? (a) : (b))

/* Registers what runs before exit when memory runs out; it must not return. */
void util_set_fatal_hook(void (*hook)(const char *what));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
/* Returns p grown so that at least need elements of size fit; updates *cap. */
void *xgrow(void *p, int *cap, int need, size_t size);

/* Returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* Returns the NUL-terminated copy of src into dst, cut to dstsz - 1 bytes. */
char *strlcpy0(char *dst, const char *src, size_t dstsz);

#endif
