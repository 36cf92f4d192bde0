/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hot addresses of one kind (I/O ports, MMIO addresses or MSRs) of one VM, in a fixed-size
 * table: a guest touching a million addresses cannot grow it. Which addresses keep a slot is
 * decided by space-saving (Metwally et al.): an address not in a full table takes the slot of
 * the one with the smallest weight and starts from that weight plus one, so anything hit more
 * often than 1/HOT_CAP of the time is always in the table. Weights halve at every snapshot,
 * so a storm that starts late still wins a slot. Counts shown are exact for the time an
 * address held its slot; what evicted addresses had goes to the "other" bucket, so the rows
 * and the bucket always sum to every access. Updates are O(1) on average: a hash from address
 * to slot, and a min-heap of slots by weight (an access moves its slot down a few levels).
 */
#ifndef KVMSCOPE_HOTSPOTS_H
#define KVMSCOPE_HOTSPOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "acc.h"

#define HOT_CAP	  64  /* addresses tracked per VM and kind */
#define HOT_INDEX 256 /* hash slots: the load stays at or below 1/4 */

/* One tracked address. Part of its table. */
struct hot_slot {
	/* What an access reads and writes comes first: one cache line with the window. */
	uint64_t addr;
	uint64_t weight; /* space-saving estimate of recent accesses: orders eviction */
	uint8_t rw;	 /* HOT_READ | HOT_WRITE seen */
	uint8_t size;	 /* access size in bytes; 0 when mixed or unknown */
	bool user;	 /* some access went to the VMM (userspace) */
	bool fast;	 /* seen through kvm_fast_mmio (an ioeventfd) */
	bool kern;	 /* some access was answered in the kernel */
	uint8_t heap;	 /* position in the heap */
	struct acc2 a;	 /* accesses; timed: those whose handling time was measured */
};

/* Owned by the per-VM state of the exits module (exits.c), which frees it. */
struct hot_table {
	struct hot_slot slot[HOT_CAP];
	uint8_t heap[HOT_CAP];		     /* slot numbers, a min-heap by weight */
	int16_t index[HOT_INDEX];	     /* open addressing by address: slot number or -1 */
	int n;				     /* slots in use */
	struct acc2 other; /* accesses of addresses that lost their slot */
	uint64_t evictions;
};

void hot_init(struct hot_table *t);
/* Empties the table (start of the first interval). */
void hot_clear(struct hot_table *t);

/*
 * Returns the slot of addr after counting one access (rw: HOT_READ or HOT_WRITE; size 0 if
 * unknown); a new address takes a free slot or the lightest one's. Never fails.
 */
int hot_touch(struct hot_table *t, uint64_t addr, uint8_t rw, uint8_t size);
/* Returns the slot holding addr, or -1. */
int hot_find(const struct hot_table *t, uint64_t addr);
/* Adds a handling time to slot i if it still holds addr (it may have been given away since). */
void hot_time(struct hot_table *t, int i, uint64_t addr, uint64_t ns);
/* Marks slot i, if it still holds addr, as handled in userspace. */
void hot_mark_user(struct hot_table *t, int i, uint64_t addr);
/* Marks slot i, if it still holds addr, as handled in the kernel. */
void hot_mark_kernel(struct hot_table *t, int i, uint64_t addr);

/* Returns slot i's counts for view (ACC_WIN | ACC_TOT) summed into *out. */
void hot_slot_acc(const struct hot_table *t, int i, unsigned int view, struct acc *out);
/* Returns every access in view (slots and the other bucket) summed into *out. */
void hot_total(const struct hot_table *t, unsigned int view, struct acc *out);
/*
 * Returns how many slot numbers were written to idx (at most max): the slots with accesses in
 * view, the most accessed first (ties by address).
 */
int hot_top(const struct hot_table *t, unsigned int view, int *idx, int max);

/* Ends a window: WIN is added to TOT unless drop_win (it predates a reset); weights halve. */
void hot_fold(struct hot_table *t, bool drop_win);
/* Starts the cumulative window again: TOT is emptied. */
void hot_reset(struct hot_table *t);

#endif
