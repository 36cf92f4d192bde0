/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live screen's recent past: every tick taken goes into a rolling buffer of the last
 * minutes (recring.h), and the w key writes it out as a recording and a plain-text incident
 * summary (summary.h) named after the host and the time, for the admin to attach to the
 * ticket; the bottom line says where they went. It wraps the screen's output hooks (struct
 * tick_output): the loop and the screen know nothing of it.
 */
#ifndef KVMSCOPE_INCIDENT_H
#define KVMSCOPE_INCIDENT_H

#include "sparkhist.h"
#include "tick.h"

/* The default of --history: minutes of ticks kept. */
#define INCIDENT_MINUTES 10

/* Owned by the caller. */
struct incident_config {
	double minutes;	     /* kept: at least this many minutes of ticks */
	double interval_s;   /* -d, for the recording's header */
	const char *version; /* kvmscope's */
};

/* Opaque; incident_free() frees it. */
struct incident;

/*
 * Returns the buffer set up around out: out's hooks (show, input, resize, taken) now go
 * through it to those it had, which it keeps. Free it after the loop has ended.
 */
struct incident *incident_wrap(const struct incident_config *c, struct tick_output *out);
void incident_free(struct incident *inc);

/* Returns the rows' recent past the buffer keeps, for the screen's sparklines. */
const struct sparkhist *incident_history(const struct incident *inc);

/*
 * Returns 0 after writing what the buffer holds to dir (NULL: the current directory if it
 * takes files, else $TMPDIR, else /var/tmp), the names in the message msg; or -errno with
 * why in msg.
 */
int incident_save(struct incident *inc, const char *dir, char *msg, size_t n);

#endif
