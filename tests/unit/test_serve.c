// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP server against a real socket on 127.0.0.1 (an ephemeral port): what it
 * answers to good and bad requests, the format a scraper's Accept header picks, scrapers
 * that go away mid-response, and scrapes racing the ticks that replace the exposition. Every
 * test stops its server on every path (the fixture), so a failing check leaves no thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fleet.h"
#include "serve.h"
#include "unit.h"
#include "util.h"

static struct serve *sv;
static const struct tick_ctl ctl = { .delay_s = 1 };

static void start(void)
{
	const struct serve_config cfg = { .listen = "127.0.0.1:0", .om = { .version = "t" } };
	char why[256];

	sv = serve_start(&cfg, why, sizeof(why));
	ck_assert_msg(sv != NULL, "%s", why);
}

static void stop(void)
{
	serve_stop(sv);
	sv = NULL;
}

/* Returns a socket connected to the server, with a receive timeout so no test hangs. */
static int dial(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)serve_port(sv)) };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Returns the whole response to req (caller frees), read until the server closes. */
static char *ask(const char *req, size_t *len)
{
	size_t n = 0, cap = 65536;
	char *buf = xmalloc(cap + 1);
	int fd = dial();
	ssize_t r;

	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = xrealloc(buf, (cap *= 2) + 1);
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static char *get(const char *path, const char *accept)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s%s%s\r\n",
		 path, accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	return ask(req, NULL);
}

/* Returns the status code of a response. */
static int status(const char *resp)
{
	return strncmp(resp, "HTTP/1.1 ", 9) ? -1 : atoi(resp + 9);
}

/* Returns the body of a response (after the blank line). */
static const char *body(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

static void show(int nvms, unsigned int seq)
{
	struct snapshot *s = fleet_snapshot(nvms, 2, seq);

	ck_assert_int_eq(serve_show(sv, s, &ctl), 0);
	snapshot_free(s);
}

START_TEST(answers)
{
	char *r;

	r = get("/metrics", NULL);
	ck_assert_int_eq(status(r), 503);
	ck_assert_ptr_nonnull(strstr(r, "Retry-After: 1"));
	free(r);
	show(2, 1);
	r = get("/metrics", NULL);
	ck_assert_int_eq(status(r), 200);
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/plain; version=0.0.4"));
	ck_assert_ptr_nonnull(strstr(body(r), "# TYPE kvmscope_exits_total counter\n"));
	ck_assert_ptr_nonnull(strstr(body(r), "\nkvmscope_sample_lag_seconds "));
	ck_assert_ptr_null(strstr(body(r), "# EOF"));
	free(r);
	r = get("/metrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
	ck_assert_int_eq(status(r), 200);
	ck_assert_ptr_nonnull(
		strstr(r, "Content-Type: application/openmetrics-text; version=1.0.0"));
	ck_assert_ptr_nonnull(strstr(body(r), "# TYPE kvmscope_exits counter\n"));
	/* The scrape's own lines come before the end. */
	ck_assert_ptr_nonnull(strstr(body(r), "kvmscope_http_requests_total{code=\"200\"} 2\n"));
	ck_assert_str_eq(body(r) + strlen(body(r)) - 6, "# EOF\n");
	free(r);
	r = get("/", NULL);
	ck_assert_int_eq(status(r), 200);
	free(r);
	r = get("/metricsx", NULL);
	ck_assert_int_eq(status(r), 404);
	free(r);
	r = get("/../etc/passwd", NULL);
	ck_assert_int_eq(status(r), 404);
	free(r);
	r = ask("POST /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n"
		"\r\nhello",
		NULL);
	ck_assert_int_eq(status(r), 405);
	ck_assert_ptr_nonnull(strstr(r, "Allow: GET, HEAD"));
	free(r);
	r = ask("DELETE / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", NULL);
	ck_assert_int_eq(status(r), 405);
	free(r);
	/* HEAD: the headers, no body. */
	r = ask("HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", NULL);
	ck_assert_int_eq(status(r), 200);
	ck_assert_str_eq(body(r), "");
	free(r);
	/* The counts of what was answered, as the next scrape shows them. */
	r = get("/metrics", NULL);
	ck_assert_ptr_nonnull(strstr(body(r), "kvmscope_http_requests_total{code=\"404\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(body(r), "kvmscope_http_requests_total{code=\"405\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(body(r), "kvmscope_http_requests_total{code=\"503\"} 1\n"));
	free(r);
}
END_TEST

/* A request line and headers past the library's memory limit are refused, not buffered. */
START_TEST(oversized)
{
	size_t n = 64 * 1024, len;
	char *req = xmalloc(n + 128), *r;

	show(1, 1);
	strcpy(req, "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(req + strlen(req), 'a', n);
	strcpy(req + strlen(req) - 1, "\r\n\r\n");
	r = ask(req, &len);
	/* libmicrohttpd answers 431 (or closes when it cannot even say so). */
	ck_assert_msg(len == 0 || status(r) == 431 || status(r) == 413 || status(r) == 414, "%.40s",
		      r);
	free(r);
	free(req);
	r = get("/metrics", NULL);
	ck_assert_int_eq(status(r), 200);
	free(r);
}
END_TEST

/*
 * Scrapers that read a little of a large exposition and reset the connection: the server
 * drops them, frees what they held (ASan checks it in `make asan`), and answers the next.
 */
START_TEST(disconnect_mid_response)
{
	const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[256], *r;
	int i, fd, rcv = 4096;
	size_t len;

	show(200, 1);
	for (i = 0; i < 30; i++) {
		fd = dial();
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		ck_assert_int_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
		ck_assert_int_gt(read(fd, buf, sizeof(buf)), 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		/* A new tick while responses of the old exposition may still be in flight. */
		if (i % 10 == 9)
			show(200, (unsigned int)i);
	}
	r = ask("GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &len);
	ck_assert_int_eq(status(r), 200);
	ck_assert_int_gt(len, 1000000);
	ck_assert_ptr_nonnull(strstr(body(r), "kvmscope_http_requests_total{code=\"200\"}"));
	free(r);
}
END_TEST

static volatile int racing;

/* Scrapes until told to stop; every response must be whole: its own last lines present. */
static void *scraper(void *arg)
{
	long bad = 0;

	(void)arg;
	while (racing) {
		char *r = get("/metrics", (rand() & 1) ? "application/openmetrics-text" : NULL);

		if (status(r) != 200 ||
		    !strstr(body(r), "kvmscope_http_requests_total{code=\"other\"}"))
			bad++;
		free(r);
	}
	return (void *)bad;
}

/* Ticks replace the exposition while eight scrapers read it: no torn or lost response. */
START_TEST(scrapes_race_ticks)
{
	pthread_t th[8];
	unsigned int i;
	void *bad;
	long total = 0;

	show(20, 1);
	racing = 1;
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, scraper, NULL), 0);
	for (i = 2; i < 60; i++) {
		show(20, i);
		usleep(5000);
	}
	racing = 0;
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], &bad);
		total += (long)bad;
	}
	ck_assert_int_eq(total, 0);
}
END_TEST

START_TEST(addresses)
{
	struct sockaddr_storage ss;
	char why[256];
	socklen_t len;

	ck_assert_int_eq(serve_parse_addr("9477", &ss, &len, why, sizeof(why)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	ck_assert_int_eq(serve_parse_addr("0.0.0.0:1", &ss, &len, why, sizeof(why)), 0);
	ck_assert_int_eq(serve_parse_addr("[::1]:9477", &ss, &len, why, sizeof(why)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(serve_parse_addr("[::1]9477", &ss, &len, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(serve_parse_addr("localhost:9477", &ss, &len, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(serve_parse_addr("1.2.3.4:65536", &ss, &len, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(serve_parse_addr(":9477", &ss, &len, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(serve_parse_addr("", &ss, &len, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "[ADDR:]PORT"));
}
END_TEST

/* A port in use is one clear line, not a crash. */
START_TEST(port_in_use)
{
	struct serve_config cfg = { .om = { .version = "t" } };
	char spec[32], why[256];

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", serve_port(sv));
	cfg.listen = spec;
	ck_assert_ptr_null(serve_start(&cfg, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "Address already in use"));
}
END_TEST

static Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("serve");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, answers);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, disconnect_mid_response);
	tcase_add_test(tc, scrapes_race_ticks);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, port_in_use);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(serve_suite)
