/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter (--serve): an output of the tick loop that keeps the running totals of
 * openmetrics.h, renders the exposition in the loop at each tick, and hands it to the HTTP
 * server's threads (libmicrohttpd) under a lock held only to swap or take a pointer. A
 * scrape reads the latest exposition: it never waits for a tick, never makes one, never
 * touches the model or the trace. Bad requests are answered by the library's limits.
 */
#ifndef KVMSCOPE_SERVE_H
#define KVMSCOPE_SERVE_H

#include <stddef.h>
#include <sys/socket.h>

#include "openmetrics.h"
#include "snapshot.h"
#include "tickctl.h"

/* Limits on what a client can make the server hold (see the manual). */
#define SERVE_CONNECTIONS    128   /* at once; more are refused */
#define SERVE_PER_IP	     64	   /* from one address: one client cannot take them all */
#define SERVE_TIMEOUT_S	     5	   /* a connection idle this long is closed */
#define SERVE_REQUEST_MEMORY 16384 /* a request's line and headers must fit */
#define SERVE_THREADS	     2

/* What to serve. Owned by the caller; serve_start() copies what it keeps. */
struct serve_config {
	const char *listen; /* "[ADDR:]PORT"; the address is 127.0.0.1 unless given */
	struct om_config om;
	long iterations; /* ticks to serve before the loop stops; 0: until stopped */
};

/* Owned by main(): serve_start() makes it, serve_stop() releases it. */
struct serve;

/*
 * Returns 0 with *ss and *len set from "[ADDR:]PORT" (ADDR a numeric IPv4 address, or an
 * IPv6 one in brackets; 127.0.0.1 when left out), or -EINVAL with a reason in why.
 */
int serve_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		     size_t whysz);

/*
 * Returns the running server, listening, or NULL with a one-line reason in why (a bad
 * address, a port in use, the library refusing to start).
 */
struct serve *serve_start(const struct serve_config *cfg, char *why, size_t whysz);

/* Returns the port the server listens on (the one the kernel chose for port 0). */
int serve_port(const struct serve *sv);

/*
 * The tick loop's show: returns 0, 1 when the configured iterations are done, or -errno.
 * Updates the totals with s, renders, and publishes the result to the scrapers.
 */
int serve_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl);

/* Stops the server (in-flight responses end) and frees it; NULL is fine. */
void serve_stop(struct serve *sv);

#endif
