/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offline loop: a trace.dat read tick by tick of the file's own clock, through the same
 * model the live loop feeds, so each tick gives the snapshot the live loop would have given.
 * Any tick's snapshot can be asked for again: going forward reads on, going back reads the
 * file again from its start (a file is read at millions of events a second). The live
 * screen's time keys are to use offline_tick().
 */
#ifndef KVMSCOPE_OFFLINE_H
#define KVMSCOPE_OFFLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "snapshot.h"
#include "tick.h"

struct offline;

/* Returns the file of opt->input opened for reading, or NULL with one line in why. */
struct offline *offline_open(const struct options *opt, char *why, size_t whysz);
void offline_close(struct offline *o);

/*
 * Returns the snapshot (the caller frees it) of tick i, 0 first: the opt->delay_s seconds of
 * trace time from the first record on, the last tick ending at the last record. NULL past
 * the end of the file; *err then says whether it was an error (-errno, why written) or 0.
 */
struct snapshot *offline_tick(struct offline *o, long i, bool cumulative, int *err, char *why,
			      size_t whysz);

/* Returns the snapshot of the whole file as one interval (the caller frees it), or NULL. */
struct snapshot *offline_summary(struct offline *o, int *err, char *why, size_t whysz);

/*
 * Returns 0 after showing one snapshot per tick (or one for the whole file, opt->summary)
 * through out, until the file or opt->iterations ends; or -errno with one line in why.
 */
int offline_run(const struct options *opt, const struct tick_output *out, char *why, size_t whysz);

#endif
