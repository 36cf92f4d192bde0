/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording in memory: ticks written by the recorder's writer (recwriter.h) into an
 * anonymous memory file (memfd), read back by the recording reader (recording.h), and copied
 * whole into a file when asked. So the ticks a replay has made of a trace.dat, and the live
 * screen's rolling buffer, cost what a recording costs (about 1 MB per VM-hour), and what is
 * saved is a recording like any other.
 */
#ifndef KVMSCOPE_MEMREC_H
#define KVMSCOPE_MEMREC_H

#include <stddef.h>
#include <stdint.h>

#include "recording.h"
#include "recwriter.h"
#include "snapshot.h"

/* Opaque; memrec_close() frees it. */
struct memrec;

/*
 * Returns 0 with *out an empty in-memory recording whose segment header says info (its
 * no_sync is forced: memory needs no sync), or -errno (no memfd, no memory).
 */
int memrec_open(const struct recwriter_info *info, struct memrec **out);

/* Returns 0 after appending s, or -errno. */
int memrec_tick(struct memrec *m, const struct snapshot *s);

/* Returns the ticks appended. */
size_t memrec_count(const struct memrec *m);

/* Returns the bytes it holds. */
uint64_t memrec_bytes(const struct memrec *m);

/*
 * Returns the reader of every tick appended so far (owned by m, valid until the next call
 * or memrec_close()): indexed again only when ticks were appended since the last call. NULL
 * with why when there is no tick or it cannot be read.
 */
struct recording *memrec_reader(struct memrec *m, char *why, size_t whysz);

/* Returns 0 after writing every byte it holds to fd (at fd's offset), or -errno. */
int memrec_copy(const struct memrec *m, int fd);

/* Indexes the last group, so that a copy after it is read without walking; no tick after. */
void memrec_seal(struct memrec *m);

void memrec_close(struct memrec *m);

#endif
