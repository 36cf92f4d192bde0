// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's answers as route_request() decides them, without a socket: every path and
 * method pair the server tells apart, the headers each answer carries, and the format the
 * Accept headers of real scrapers pick (and of broken ones: a weight that is not a qvalue).
 * test_serve.c checks that the server sends what is decided here.
 */
#include <string.h>

#include "route.h"
#include "unit.h"

START_TEST(paths_and_methods)
{
	static const struct {
		const char *method, *path;
		unsigned int code;
		enum route_page page;
	} cases[] = {
		{ "GET", "/metrics", 200, ROUTE_METRICS },
		{ "HEAD", "/metrics", 200, ROUTE_METRICS },
		{ "GET", "/", 200, ROUTE_INDEX },
		{ "HEAD", "/", 200, ROUTE_INDEX },
		{ "POST", "/metrics", 405, ROUTE_NOT_ALLOWED },
		{ "DELETE", "/", 405, ROUTE_NOT_ALLOWED },
		/* Methods are case-sensitive. */
		{ "get", "/metrics", 405, ROUTE_NOT_ALLOWED },
		{ "", "/metrics", 405, ROUTE_NOT_ALLOWED },
		/* An unknown path is not found whatever the method. */
		{ "GET", "/metricsx", 404, ROUTE_NOT_FOUND },
		{ "POST", "/metricsx", 404, ROUTE_NOT_FOUND },
		{ "GET", "/metrics/", 404, ROUTE_NOT_FOUND },
		{ "GET", "//metrics", 404, ROUTE_NOT_FOUND },
		{ "GET", "/METRICS", 404, ROUTE_NOT_FOUND },
		{ "GET", "/../etc/passwd", 404, ROUTE_NOT_FOUND },
		{ "GET", "", 404, ROUTE_NOT_FOUND },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route_answer a = route_request(cases[i].method, cases[i].path, NULL);

		ck_assert_msg(a.code == cases[i].code && a.page == cases[i].page,
			      "%s %s: %u, page %d", cases[i].method, cases[i].path, a.code, a.page);
		if (a.page == ROUTE_METRICS) {
			ck_assert_ptr_null(a.text);
			ck_assert_str_eq(a.vary, "Accept");
			ck_assert_ptr_null(a.allow);
			continue;
		}
		ck_assert_str_eq(a.ctype, ROUTE_CTYPE_PLAIN);
		ck_assert_ptr_nonnull(a.text);
		ck_assert_ptr_null(a.vary);
		if (a.code == 405)
			ck_assert_str_eq(a.allow, "GET, HEAD");
		else
			ck_assert_ptr_null(a.allow);
	}
}
END_TEST

START_TEST(not_ready)
{
	struct route_answer a = route_not_ready();

	ck_assert_uint_eq(a.code, 503);
	ck_assert_int_eq(a.page, ROUTE_NOT_READY);
	ck_assert_str_eq(a.ctype, ROUTE_CTYPE_PLAIN);
	ck_assert_ptr_null(a.allow);
}
END_TEST

/* Returns the format a scrape of /metrics with Accept accept gets, checking its type. */
static enum om_format scrape_format(const char *accept)
{
	struct route_answer a = route_request("GET", "/metrics", accept);

	ck_assert_int_eq(a.page, ROUTE_METRICS);
	ck_assert_str_eq(a.ctype,
			 a.format == OM_OPENMETRICS ? OM_CTYPE_OPENMETRICS : OM_CTYPE_TEXT);
	ck_assert_int_eq(a.format, openmetrics_negotiate(accept));
	return a.format;
}

START_TEST(negotiation)
{
	ck_assert_int_eq(scrape_format(NULL), OM_TEXT);
	ck_assert_int_eq(scrape_format(""), OM_TEXT);
	/* curl's, then Prometheus 2.42's. */
	ck_assert_int_eq(scrape_format("*/*"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;version=1.0.0,"
				       "application/openmetrics-text;version=0.0.1;q=0.75,"
				       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 OM_OPENMETRICS);
	/* A tie goes to OpenMetrics; q=0 is "not acceptable". */
	ck_assert_int_eq(scrape_format("text/plain, application/openmetrics-text"), OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=0"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=0.000"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=0.001"), OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("text/*;q=0.9, application/openmetrics-text;q=0.8"),
			 OM_TEXT);
	ck_assert_int_eq(scrape_format("text/plain;q=0.8, application/openmetrics-text;Q=0.9"),
			 OM_OPENMETRICS);
	/* Whitespace around the parameters, and parameters after the weight. */
	ck_assert_int_eq(scrape_format(" text/plain ; q=0.5 ,\tapplication/openmetrics-text ; "
				       "q=0.6 ; x=y"),
			 OM_OPENMETRICS);
	/* Weights that are not qvalues count as 0: none outranks a real one. */
	ck_assert_int_eq(scrape_format("text/plain;q=5.5, application/openmetrics-text"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("text/plain;q=nan, application/openmetrics-text;q=0.1"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("text/plain;q=1e9, application/openmetrics-text;q=0.1"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("text/plain;q=1.001, application/openmetrics-text;q=0.1"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=1.5"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=0.5000"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q="), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=-1"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-text;q=1.000"), OM_OPENMETRICS);
	/* Only the media type names the format, not a parameter. */
	ck_assert_int_eq(scrape_format("text/plain;x=application/openmetrics-text"), OM_TEXT);
	ck_assert_int_eq(scrape_format("application/openmetrics-textx"), OM_TEXT);
}
END_TEST

static Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, paths_and_methods);
	tcase_add_test(tc, not_ready);
	tcase_add_test(tc, negotiation);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(route_suite)
