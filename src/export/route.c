// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's answers as data. Two paths and two methods, so a table would be longer
 * than the test that reads it: the order below is the one a client sees, the path first
 * (an unknown path is 404 whatever the method), then the method.
 */
#include <stdbool.h>
#include <string.h>

#include "route.h"

static struct route_answer plain(enum route_page page, unsigned int code, const char *text)
{
	return (struct route_answer){
		.page = page,
		.code = code,
		.format = OM_TEXT,
		.ctype = ROUTE_CTYPE_PLAIN,
		.allow = page == ROUTE_NOT_ALLOWED ? "GET, HEAD" : NULL,
		.text = text,
	};
}

struct route_answer route_request(const char *method, const char *path, const char *accept)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	enum om_format f;

	if (strcmp(path, "/metrics") && strcmp(path, "/"))
		return plain(ROUTE_NOT_FOUND, 404, "not found: metrics are at /metrics\n");
	if (!get)
		return plain(ROUTE_NOT_ALLOWED, 405, "only GET and HEAD\n");
	if (!strcmp(path, "/"))
		return plain(ROUTE_INDEX, 200, "kvmscope exporter: metrics at /metrics\n");
	f = openmetrics_negotiate(accept);
	return (struct route_answer){
		.page = ROUTE_METRICS,
		.code = 200,
		.format = f,
		.ctype = f == OM_OPENMETRICS ? OM_CTYPE_OPENMETRICS : OM_CTYPE_TEXT,
		.vary = "Accept",
	};
}

struct route_answer route_not_ready(void)
{
	return plain(ROUTE_NOT_READY, 503, "no sample yet: the first comes one tick after start\n");
}
