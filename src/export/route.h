/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the exporter answers to a request, decided from the request alone: no socket, no
 * exposition, no lock, so a unit test or a fuzzer can ask it anything. The server (serve.c)
 * sends what it decides and holds the state (the current exposition, the counts).
 */
#ifndef KVMSCOPE_ROUTE_H
#define KVMSCOPE_ROUTE_H

#include "openmetrics.h"

/* The content type of the short answers (the index, 404, 405, 503). */
#define ROUTE_CTYPE_PLAIN "text/plain; charset=utf-8"

enum route_page {
	ROUTE_METRICS,	   /* the exposition */
	ROUTE_INDEX,	   /* "/": a line saying where the metrics are */
	ROUTE_NOT_FOUND,   /* any other path */
	ROUTE_NOT_ALLOWED, /* "/" or "/metrics" with a method other than GET or HEAD */
	ROUTE_NOT_READY,   /* /metrics before the first tick */
};

/* An answer. Every string is static: the caller keeps none and frees none. */
struct route_answer {
	enum route_page page;
	unsigned int code;     /* 200, 404, 405 or 503 */
	enum om_format format; /* of the exposition (ROUTE_METRICS); OM_TEXT otherwise */
	const char *ctype;     /* the Content-Type */
	const char *allow;     /* the Allow header, or NULL */
	const char *vary;      /* the Vary header, or NULL */
	const char *text;      /* the body of a short answer, a line; NULL for the exposition */
};

/*
 * Returns the answer to method on path with the Accept header accept (NULL when the request
 * has none). path is what the HTTP library hands over: percent-decoded, the query string cut
 * off (the exporter takes no arguments, so a scraper's are ignored); it must match whole.
 * Methods are case-sensitive (RFC 9110); HEAD is answered as GET, less the body.
 */
struct route_answer route_request(const char *method, const char *path, const char *accept);

/* Returns the answer to a scrape that comes before the first exposition. */
struct route_answer route_not_ready(void);

#endif
