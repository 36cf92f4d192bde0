// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's request path without a socket: the answer route_request() decides for a
 * method, a path and an Accept header (what the HTTP library hands the server), and the body
 * the server would send with it: the exposition of a small fixed snapshot, rendered once, and
 * the scrape-time lines openmetrics_tail() writes from counts taken from the input.
 *
 * Input: sections (FUZZ_SEP): the method, the path, the Accept header (a request without the
 * section has no Accept header), then the bytes of a struct om_scrape. Each string is a heap
 * copy of its exact size, NUL-terminated as the library gives it.
 *
 * Oracles: ASan/UBSan; the code is 200, 404 or 405 and follows from the path and the method
 * alone; the content type is the chosen format's, Vary names Accept, Allow comes with 405
 * only; the negotiation picks text when no range names openmetrics, OpenMetrics when a range
 * of it with q=1 is added, the same with a range of q=0 added, and the same whatever the
 * case of the header; the body in the chosen format is well-formed (every line a comment the
 * format knows or a sample with a number, "# EOF" last and only in OpenMetrics) and counts
 * the answers the input says.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "fuzz.h"
#include "openmetrics.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK FUZZ_CHECK

/* The exposition of the fixed snapshot in each format, rendered once (left open). */
static struct om_buf expo[OM__FORMATS];

/* Returns a NUL-terminated heap copy of exactly len bytes (it ends at an inner NUL). */
static char *cstr(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	CHECK(s);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* Returns a copy of s with tail appended (caller frees). */
static char *cat(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	char *r = malloc(n + m + 1);

	CHECK(r);
	memcpy(r, s, n);
	memcpy(r + n, tail, m + 1);
	return r;
}

/* Returns whether s names openmetrics anywhere, in any case. */
static bool names_openmetrics(const char *s)
{
	return strcasestr(s, "openmetrics") != NULL;
}

/* Returns the end of the metric name at p, or p when none starts there. */
static const char *metric_name(const char *p, const char *end)
{
	if (p < end && (isalpha((unsigned char)*p) || *p == '_' || *p == ':'))
		for (p++; p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == ':'); p++)
			;
	return p;
}

/* Returns whether [p, end) is a sample value: a float, +Inf, -Inf or NaN. */
static bool sample_value(const char *p, const char *end)
{
	char num[64], *stop;
	size_t n = (size_t)(end - p);

	if (!n || n >= sizeof(num))
		return false;
	if ((n == 4 && (!memcmp(p, "+Inf", 4) || !memcmp(p, "-Inf", 4))) ||
	    (n == 3 && !memcmp(p, "NaN", 3)))
		return true;
	if (strspn(p, "0123456789.eE+-") < n)
		return false;
	memcpy(num, p, n);
	num[n] = '\0';
	strtod(num, &stop);
	return *stop == '\0';
}

/* Checks one line (without its '\n') of an exposition in format f. */
static void check_line(const char *p, const char *end, enum om_format f)
{
	const char *q;

	if (*p == '#') {
		if (end - p > 7 && (!memcmp(p, "# HELP ", 7) || !memcmp(p, "# TYPE ", 7) ||
				    (f == OM_OPENMETRICS && !memcmp(p, "# UNIT ", 7)))) {
			q = metric_name(p + 7, end);
			CHECK(q > p + 7 && (q == end || *q == ' '));
			return;
		}
		/* "# EOF" is checked by the caller: it ends the body, once. */
		CHECK(f == OM_OPENMETRICS && end - p == 5 && !memcmp(p, "# EOF", 5));
		return;
	}
	q = metric_name(p, end);
	CHECK(q > p);
	if (q < end && *q == '{') {
		/* name="value" pairs, values escaped: \\, \" and \n only. */
		for (q++; q < end && *q != '}';) {
			const char *n = metric_name(q, end);

			CHECK(n > q && n + 1 < end && n[0] == '=' && n[1] == '"');
			for (q = n + 2; q < end && *q != '"'; q++)
				if (*q == '\\') {
					CHECK(q + 1 < end && strchr("\\\"n", q[1]));
					q++;
				}
			CHECK(q < end);
			q++;
			if (q < end && *q == ',')
				q++;
		}
		CHECK(q < end);
		q++;
	}
	CHECK(q < end && *q == ' ');
	p = q + 1;
	q = memchr(p, ' ', (size_t)(end - p));
	CHECK(sample_value(p, q ? q : end));
}

/* Checks that the body [p, p + len) is a whole exposition in format f. */
static void check_body(const char *p, size_t len, enum om_format f)
{
	const char *end = p + len, *nl, *eof = NULL;

	CHECK(len && p[len - 1] == '\n');
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		CHECK(nl && nl > p);
		CHECK(!eof);
		check_line(p, nl, f);
		if (*p == '#' && nl - p == 5 && !memcmp(p, "# EOF", 5))
			eof = p;
	}
	CHECK(!eof == (f == OM_TEXT));
}

/* Checks the body the server sends for a: the exposition, then the scrape's own lines. */
static void check_scrape(const struct route_answer *a, const uint8_t *p, size_t len)
{
	struct om_scrape st = { 0 };
	const struct om_buf *e = &expo[a->format];
	char tail[4096], line[96], *body;
	size_t n;

	if (len)
		memcpy(&st, p, len < sizeof(st) ? len : sizeof(st));
	n = openmetrics_tail(tail, sizeof(tail), a->format, &st);
	CHECK(n < sizeof(tail) && strlen(tail) == n);
	snprintf(line, sizeof(line), "\nkvmscope_http_requests_total{code=\"200\"} %llu\n",
		 (unsigned long long)st.http[0]);
	CHECK(strstr(tail, line));
	snprintf(line, sizeof(line), "\nkvmscope_http_requests_total{code=\"405\"} %llu\n",
		 (unsigned long long)st.http[2]);
	CHECK(strstr(tail, line));
	body = malloc(e->len + n);
	CHECK(body);
	memcpy(body, e->p, e->len);
	memcpy(body + e->len, tail, n);
	check_body(body, e->len + n, a->format);
	free(body);
}

/* Checks the answer's own fields against each other and against the request. */
static void check_answer(const struct route_answer *a, const char *method, const char *path)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool known = !strcmp(path, "/metrics") || !strcmp(path, "/");

	CHECK(a->code == 200 || a->code == 404 || a->code == 405);
	CHECK(a->code == (!known ? 404u : !get ? 405u : 200u));
	CHECK((a->page == ROUTE_METRICS) == (a->code == 200 && !strcmp(path, "/metrics")));
	CHECK((a->page == ROUTE_INDEX) == (a->code == 200 && !strcmp(path, "/")));
	CHECK((a->page == ROUTE_NOT_FOUND) == (a->code == 404));
	CHECK((a->page == ROUTE_NOT_ALLOWED) == (a->code == 405));
	CHECK(a->format == OM_TEXT || a->format == OM_OPENMETRICS);
	CHECK(a->ctype);
	CHECK(!a->allow == (a->code != 405));
	CHECK(!a->allow || !strcmp(a->allow, "GET, HEAD"));
	if (a->page == ROUTE_METRICS) {
		CHECK(!a->text);
		CHECK(a->vary && !strcmp(a->vary, "Accept"));
		CHECK(!strcmp(a->ctype,
			      a->format == OM_OPENMETRICS ? OM_CTYPE_OPENMETRICS : OM_CTYPE_TEXT));
	} else {
		CHECK(a->format == OM_TEXT && !a->vary);
		CHECK(!strcmp(a->ctype, ROUTE_CTYPE_PLAIN));
		CHECK(a->text && *a->text && a->text[strlen(a->text) - 1] == '\n');
	}
}

/* Checks the properties of the negotiation of accept (NULL: no header). */
static void check_negotiate(const char *accept)
{
	enum om_format f = openmetrics_negotiate(accept);
	char *more, *other;
	size_t i;

	CHECK(f == OM_TEXT || f == OM_OPENMETRICS);
	if (!accept || !names_openmetrics(accept))
		CHECK(f == OM_TEXT);
	if (!accept)
		return;
	/* q=1 is the most a range can have, and a tie goes to OpenMetrics. */
	more = cat(accept, ",application/openmetrics-text");
	CHECK(openmetrics_negotiate(more) == OM_OPENMETRICS);
	free(more);
	/* A range of q=0 is "not acceptable": it changes nothing. */
	more = cat(accept, ",application/openmetrics-text;q=0");
	CHECK(openmetrics_negotiate(more) == f);
	free(more);
	more = cat(accept, ",text/plain;q=0");
	CHECK(openmetrics_negotiate(more) == f);
	free(more);
	/* Media types, parameter names and the numbers are case-insensitive. */
	other = cat(accept, "");
	for (i = 0; other[i]; i++)
		other[i] = (char)toupper((unsigned char)other[i]);
	CHECK(openmetrics_negotiate(other) == f);
	for (i = 0; other[i]; i++)
		other[i] = (char)tolower((unsigned char)other[i]);
	CHECK(openmetrics_negotiate(other) == f);
	free(other);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct om_config cfg = { .version = "fuzz" };
	struct snapshot *s = fleet_snapshot(1, 1, 1);
	struct om_buf *out[OM__FORMATS];
	struct openmetrics *m = openmetrics_new(&cfg);
	struct om_scrape st = { 0 };
	char tail[4096];
	int f;

	(void)argc;
	(void)argv;
	CHECK(!openmetrics_update(m, s, 1));
	for (f = 0; f < OM__FORMATS; f++)
		out[f] = &expo[f];
	openmetrics_render(m, out);
	openmetrics_free(m);
	snapshot_free(s);
	/* The fixed part alone is whole, and the oracle knows its formats' lines. */
	for (f = 0; f < OM__FORMATS; f++) {
		size_t n = openmetrics_tail(tail, sizeof(tail), f, &st);
		char *body = malloc(expo[f].len + n);

		CHECK(body && expo[f].len);
		memcpy(body, expo[f].p, expo[f].len);
		memcpy(body + expo[f].len, tail, n);
		check_body(body, expo[f].len + n, f);
		free(body);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_section sec[4];
	struct route_answer a;
	char *method, *path, *accept = NULL;
	int n = fuzz_sections(data, size, sec, 4);

	method = cstr(sec[0].p, sec[0].len);
	path = n > 1 ? cstr(sec[1].p, sec[1].len) : cstr((const uint8_t *)"/metrics", 8);
	if (n > 2)
		accept = cstr(sec[2].p, sec[2].len);
	a = route_request(method, path, accept);
	check_answer(&a, method, path);
	check_negotiate(accept);
	if (a.page == ROUTE_METRICS) {
		CHECK(a.format == openmetrics_negotiate(accept));
		check_scrape(&a, n > 3 ? sec[3].p : NULL, n > 3 ? sec[3].len : 0);
	}
	a = route_not_ready();
	CHECK(a.code == 503 && a.page == ROUTE_NOT_READY && a.text && !a.allow);
	free(method);
	free(path);
	free(accept);
	return 0;
}
