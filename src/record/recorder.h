/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's policy over recwriter.h: where the ticks go (one file, or a
 * directory of files named by their start time), when a new file starts (local midnight, a
 * size), which old ones go (age, total size), and reopening on request (SIGHUP, logrotate).
 */
#ifndef KVMSCOPE_RECORDER_H
#define KVMSCOPE_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "recwriter.h"
#include "snapshot.h"

/* Where recordings go when no path is given. */
#define RECORDER_DIR "/var/log/kvmscope"

/* Owned by the caller; read at recorder_open() and kept by the recorder. */
struct recorder_config {
	const char *path;   /* a file, or a directory (one that exists, or a path ending in /) */
	bool never_rotate;  /* directory: no new file at local midnight */
	uint64_t max_size;  /* directory: a new file once one has this many bytes; 0: no limit */
	int keep_days;	    /* directory: remove recordings not written for this long; 0: keep */
	uint64_t max_total; /* directory: remove the oldest while all take more; 0: no cap */
	struct recwriter_info info;
	/* Told of each file started and removed, one line (may be NULL). */
	void (*note)(void *arg, const char *line);
	void *note_arg;
};

/* Opaque; recorder_close() frees it. */
struct recorder;

/*
 * Returns 0 with *out a recorder whose first file is open (a directory is made if missing),
 * or -errno with one line in why (-EINVAL: a directory option for a file).
 */
int recorder_open(const struct recorder_config *c, struct recorder **out, char *why, size_t whysz);

/*
 * Returns 0 after s is recorded (starting a new file first when one is due), or -errno with
 * why. After a failure the next tick tries again, reopening the file if it had to close it.
 */
int recorder_tick(struct recorder *r, const struct snapshot *s, char *why, size_t whysz);

/* Closes the file and opens it again: the same path (logrotate moved the old one), or a
 * new file of the directory. Returns 0 or -errno with why. */
int recorder_reopen(struct recorder *r, char *why, size_t whysz);

/* Returns the file being written, "" when none is open. */
const char *recorder_file(const struct recorder *r);

void recorder_close(struct recorder *r);

#endif
