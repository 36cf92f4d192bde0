// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP side. The loop thread owns the running totals and renders both
 * formats at each tick into a new exposition; the server threads only take a reference to
 * the current one under a mutex (a pointer copy and a count) and send it from memory with
 * a few lines of their own (sample lag, scrape times), so a scrape costs the loop nothing
 * and 50 scrapers cost it a lock held for nanoseconds. An exposition lives until the last
 * response that sends it is done, whether the scraper read it all or went away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "route.h"
#include "serve.h"
#include "util.h"

/* One rendered exposition, shared by the responses that send it. Freed at refs 0. */
struct expo {
	int refs;	 /* under serve.lock: the server's one while current, one per response */
	uint64_t ts_ns;	 /* the tick it came from (CLOCK_MONOTONIC) */
	double render_s; /* what updating and rendering it cost the loop */
	struct om_buf fmt[OM__FORMATS];
};

enum { HTTP_200, HTTP_404, HTTP_405, HTTP_503, HTTP_OTHER };

struct serve {
	struct MHD_Daemon *d;
	int fd;
	int port;
	struct openmetrics *om;
	long iterations, shown;
	pthread_mutex_t lock; /* guards cur, spare, the refs of every expo, the counts below */
	struct expo *cur;     /* NULL until the first tick */
	struct expo *spare;   /* one no response holds: its buffers are reused, not refaulted */
	uint64_t scrapes, scrape_ns;
	uint64_t http[5];
};

/* One request: when it came, and whether it is a scrape (its time is counted). */
struct request {
	uint64_t start_ns;
	bool scrape;
};

/* One response of /metrics: the exposition it holds and its own last lines. */
struct scrape {
	struct serve *sv;
	struct expo *e;
	size_t tail_len;
	char tail[4096];
};

static void expo_free(struct expo *e)
{
	int f;

	for (f = 0; f < OM__FORMATS; f++)
		om_buf_free(&e->fmt[f]);
	free(e);
}

/*
 * Drops a reference. The last one keeps the exposition as the spare, whose megabytes of
 * buffer the next tick writes into again, or frees it (outside the lock) when there is one.
 */
static void expo_unref(struct serve *sv, struct expo *e)
{
	bool last;

	if (!e)
		return;
	pthread_mutex_lock(&sv->lock);
	last = --e->refs == 0;
	if (last && !sv->spare) {
		sv->spare = e;
		last = false;
	}
	pthread_mutex_unlock(&sv->lock);
	if (last)
		expo_free(e);
}

int serve_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		     size_t whysz)
{
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon;
	char *end;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if ((size_t)(colon - spec) >= sizeof(host) || colon == spec)
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtol(port, &end, 10);
	if (!*port || *end || errno || p < 0 || p > 65535)
		goto bad;
	if (spec[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
		*len = sizeof(*a);
	}
	return 0;
bad:
	snprintf(why, whysz,
		 "'%s' is not [ADDR:]PORT (a numeric IPv4 address, or IPv6 in brackets; a port "
		 "from 0 to 65535)",
		 spec);
	return -EINVAL;
}

/* Returns the listening socket on addr, or -errno. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: an IPv4 address is asked for on its own. */
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void count_code(struct serve *sv, unsigned int code)
{
	int i = code == 200   ? HTTP_200
		: code == 404 ? HTTP_404
		: code == 405 ? HTTP_405
		: code == 503 ? HTTP_503
			      : HTTP_OTHER;

	pthread_mutex_lock(&sv->lock);
	sv->http[i]++;
	pthread_mutex_unlock(&sv->lock);
}

/* Returns MHD's verdict after queueing a short text answer (not the exposition). */
static enum MHD_Result answer(struct serve *sv, struct MHD_Connection *c,
			      const struct route_answer *a)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(a->text), (void *)a->text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype);
	if (a->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, a->allow);
	if (a->code == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, a->code, r);
	MHD_destroy_response(r);
	count_code(sv, a->code);
	return ret;
}

static void scrape_free(void *cls)
{
	struct scrape *sc = cls;

	expo_unref(sc->sv, sc->e);
	free(sc);
}

/* Returns MHD's verdict after queueing the current exposition in the format a chose. */
static enum MHD_Result metrics(struct serve *sv, struct MHD_Connection *c,
			       const struct route_answer *a)
{
	enum om_format f = a->format;
	struct om_scrape st = { 0 };
	struct MHD_Response *r;
	struct MHD_IoVec iov[2];
	struct scrape *sc;
	enum MHD_Result ret;

	/* Not xmalloc: running out of memory here answers nothing, it does not end kvmscope. */
	sc = malloc(sizeof(*sc));
	if (!sc)
		return MHD_NO;
	sc->sv = sv;
	pthread_mutex_lock(&sv->lock);
	sc->e = sv->cur;
	if (sc->e)
		sc->e->refs++;
	st.scrapes = sv->scrapes;
	st.scrape_ns = sv->scrape_ns;
	memcpy(st.http, sv->http, sizeof(st.http));
	pthread_mutex_unlock(&sv->lock);
	if (!sc->e) {
		struct route_answer none = route_not_ready();

		free(sc);
		return answer(sv, c, &none);
	}
	st.sample_lag_s = (double)(now_ns() - sc->e->ts_ns) / 1e9;
	st.render_s = sc->e->render_s;
	/* This response is counted before it goes: the next scrape sees it. */
	st.http[HTTP_200]++;
	sc->tail_len = openmetrics_tail(sc->tail, sizeof(sc->tail), f, &st);
	iov[0].iov_base = sc->e->fmt[f].p;
	iov[0].iov_len = sc->e->fmt[f].len;
	iov[1].iov_base = sc->tail;
	iov[1].iov_len = sc->tail_len;
	r = MHD_create_response_from_iovec(iov, 2, scrape_free, sc);
	if (!r) {
		scrape_free(sc);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, a->vary);
	ret = MHD_queue_response(c, a->code, r);
	MHD_destroy_response(r);
	count_code(sv, a->code);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct serve *sv = cls;
	struct request *rq = *con_cls;
	struct route_answer a;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (rq)
		return MHD_YES; /* a body arriving after the answer: MHD drops it */
	rq = malloc(sizeof(*rq));
	if (!rq)
		return MHD_NO;
	rq->start_ns = now_ns();
	rq->scrape = false;
	*con_cls = rq;
	a = route_request(method, url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"));
	if (a.page != ROUTE_METRICS)
		return answer(sv, c, &a);
	rq->scrape = true;
	return metrics(sv, c, &a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct serve *sv = cls;
	struct request *rq = *con_cls;

	(void)c;
	if (!rq)
		return;
	if (rq->scrape && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		uint64_t ns = now_ns() - rq->start_ns;

		pthread_mutex_lock(&sv->lock);
		sv->scrapes++;
		sv->scrape_ns += ns;
		pthread_mutex_unlock(&sv->lock);
	}
	free(rq);
	*con_cls = NULL;
}

/*
 * Lowers each server thread's priority once, at its first connection: on a busy host the
 * sampling loop gets the CPU first, and scrapes wait instead (Prometheus allows seconds).
 */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	static __thread bool niced;

	(void)cls;
	(void)c;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED || niced)
		return;
	niced = true;
	/* On Linux, a thread's own nice value: who 0 is the calling thread. */
	setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + 10);
}

/* Drops MHD's messages: a client's bad request is not worth a line on stderr. */
static void quiet(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

struct serve *serve_start(const struct serve_config *cfg, char *why, size_t whysz)
{
	struct sockaddr_storage ss;
	struct sockaddr_storage bound;
	socklen_t len, blen = sizeof(bound);
	sigset_t all, old;
	struct serve *sv;
	int fd;

	if (serve_parse_addr(cfg->listen, &ss, &len, why, whysz))
		return NULL;
	fd = listen_on(&ss, len);
	if (fd < 0) {
		snprintf(why, whysz, "cannot listen on %s: %s", cfg->listen, strerror(-fd));
		return NULL;
	}
	sv = xcalloc(1, sizeof(*sv));
	sv->fd = fd;
	sv->iterations = cfg->iterations;
	pthread_mutex_init(&sv->lock, NULL);
	if (!getsockname(fd, (struct sockaddr *)&bound, &blen))
		sv->port = ntohs(bound.ss_family == AF_INET6
					 ? ((struct sockaddr_in6 *)&bound)->sin6_port
					 : ((struct sockaddr_in *)&bound)->sin_port);
	sv->om = openmetrics_new(&cfg->om);
	/* Threads inherit the mask: signals stay with the loop, which waits for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	sv->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
				 on_request, sv, MHD_OPTION_LISTEN_SOCKET, fd,
				 MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)SERVE_THREADS,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_CONNECTIONS,
				 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)SERVE_PER_IP,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT_S,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_REQUEST_MEMORY,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
				 MHD_OPTION_NOTIFY_CONNECTION, on_connection, sv,
				 MHD_OPTION_EXTERNAL_LOGGER, quiet, NULL, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!sv->d) {
		snprintf(why, whysz, "cannot start the HTTP server on %s", cfg->listen);
		serve_stop(sv);
		return NULL;
	}
	return sv;
}

int serve_port(const struct serve *sv)
{
	return sv->port;
}

int serve_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct serve *sv = arg;
	struct om_buf *out[OM__FORMATS];
	uint64_t t0 = now_ns();
	struct expo *e, *old;
	int f, err;

	err = openmetrics_update(sv->om, s, ctl->delay_s);
	if (err)
		return err;
	pthread_mutex_lock(&sv->lock);
	e = sv->spare;
	sv->spare = NULL;
	pthread_mutex_unlock(&sv->lock);
	if (!e)
		e = xcalloc(1, sizeof(*e));
	for (f = 0; f < OM__FORMATS; f++) {
		e->fmt[f].len = 0;
		out[f] = &e->fmt[f];
	}
	openmetrics_render(sv->om, out);
	e->ts_ns = s->ts_ns;
	e->render_s = (double)(now_ns() - t0) / 1e9;
	e->refs = 1;
	pthread_mutex_lock(&sv->lock);
	old = sv->cur;
	sv->cur = e;
	pthread_mutex_unlock(&sv->lock);
	expo_unref(sv, old);
	sv->shown++;
	return sv->iterations && sv->shown >= sv->iterations ? 1 : 0;
}

void serve_stop(struct serve *sv)
{
	if (!sv)
		return;
	if (sv->d)
		MHD_stop_daemon(sv->d);
	/* MHD closes a listen socket it was given only when it ran. */
	else if (sv->fd >= 0)
		close(sv->fd);
	expo_unref(sv, sv->cur);
	if (sv->spare)
		expo_free(sv->spare);
	openmetrics_free(sv->om);
	pthread_mutex_destroy(&sv->lock);
	free(sv);
}
