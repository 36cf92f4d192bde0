/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recent past of each row, small enough to draw on every redraw: exits/s of each VM, of
 * each of its exit reasons and of each of its hot addresses, over the last minutes, in
 * SPARK_SLOTS slots of time (a slot: the span / SPARK_SLOTS, at least 1 ms). Fed one
 * snapshot a tick by whoever keeps the span (the live screen's rolling buffer, a replay as it
 * plays), read by the panes as sparklines. Bounded: at most SPARK_SERIES_MAX rows are
 * followed; a row not seen for the whole span is forgotten.
 */
#ifndef KVMSCOPE_SPARKHIST_H
#define KVMSCOPE_SPARKHIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define SPARK_SLOTS	 120  /* slots kept per row */
#define SPARK_SERIES_MAX 4096 /* rows followed at most */
#define SPARK_CELLS	 24   /* slots a sparkline shows at most: the widest column */

/* What a row of history follows. */
enum spark_what { SPARK_VM = 0, SPARK_EXIT, SPARK_HOT };

/* Opaque; sparkhist_free() frees it. */
struct sparkhist;

/* Returns a history of span_s seconds. */
struct sparkhist *sparkhist_new(double span_s);
void sparkhist_free(struct sparkhist *h);

/*
 * Adds a snapshot's rates: each holds over the snapshot's interval before its tick. A
 * cumulative snapshot (its rates are over a longer window) adds nothing; one before the last
 * fed (a replay went back), or after a gap longer than the span, starts the history again.
 */
void sparkhist_feed(struct sparkhist *h, const struct snapshot *s);

/* Returns the seconds a slot covers. */
double sparkhist_slot_s(const struct sparkhist *h);

/*
 * Returns the slots written to out (n at most, the newest last): each slot's mean rate per
 * second, -1 where the row was not followed yet; 0 when the row is not followed at all.
 * VM: the VM's exits; EXIT: id = exit kind << 32 | reason; HOT: id = the address, kind its
 * enum hot_kind (the other bucket: id UINT64_MAX).
 */
int sparkhist_get(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		  unsigned int kind, uint64_t id, double *out, int n);

/*
 * Returns buf holding a sparkline of v[0..n) (the newest last), one character a slot: a
 * blank where v < 0, else one of eight levels (U+2581..U+2588 with utf8, else "_.-~=+*#"),
 * linear from 0 to the row's peak, or to floor when the peak is below it (a quiet row stays
 * low). The level of v is floor(8 v / top), the top one for v = top.
 */
char *spark_render(const double *v, int n, double floor, bool utf8, char *buf, size_t bufsz);

/*
 * Returns buf holding the sparkline of a row (sparkhist_get() then spark_render() at the
 * storm threshold HINT_MIN_RATE), SPARK_CELLS slots; "" when the row is not followed.
 */
char *sparkhist_line(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		     unsigned int kind, uint64_t id, bool utf8, char *buf, size_t bufsz);

/*
 * Returns the slots of a row's sparkline in *level (SPARK_CELLS of them, 0-7, -1 blank, as
 * sparkhist_line() draws them: worked out when a snapshot is fed), 0 when it is not followed.
 */
int sparkhist_levels(const struct sparkhist *h, const struct snap_vm *vm, enum spark_what what,
		     unsigned int kind, uint64_t id, const signed char **level);

#endif
