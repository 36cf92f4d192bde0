// SPDX-License-Identifier: GPL-2.0
/*
 * What the exporter costs on a full host: 100 VMs of 10 vCPUs with every table full
 * (tests/unit/fleet.h). Per tick, in the loop: adding the window to the running totals and
 * rendering both formats (wall and process CPU time). Per scrape, over loopback HTTP from the
 * running server: the whole request, from connect to the last byte. And the series a VM
 * costs a Prometheus server, with the defaults and with --per-vcpu.
 *
 *   build/bench/bench_export [TICKS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "openmetrics.h"
#include "serve.h"
#include "tickctl.h"
#include "util.h"

#define NVMS  100
#define VCPUS 10

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Returns the median of v[0..n) (sorted in place). */
static double median_ms(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return (double)v[n / 2] / 1e6;
}

/* Returns how many sample lines of text name VM 0 of the fleet. */
static int series_of_vm0(const char *text)
{
	static const char vm0[] = "vm=\"vm-000.fleet.example\"";
	const char *p = text;
	int n = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		/* Within the line: a search to the text's end for each line took most of the
		 * bench's own time. */
		if (*p != '#' && memmem(p, len, vm0, sizeof(vm0) - 1))
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Returns the sample lines of text (not comments). */
static int samples(const char *text, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++)
		if ((i == 0 || text[i - 1] == '\n') && text[i] != '#')
			n++;
	return n;
}

/* Returns the wall time in ns of one GET /metrics on port, or 0 on error; *bytes read. */
static uint64_t get(int port, bool om, size_t *bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[256], buf[65536];
	uint64_t t0 = now_ns();
	ssize_t r;
	int fd, n;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	n = snprintf(req, sizeof(req),
		     "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: %s\r\n\r\n",
		     om ? "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
			: "text/plain;version=0.0.4");
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return 0;
	}
	*bytes = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		*bytes += (size_t)r;
	close(fd);
	return now_ns() - t0;
}

static void per_tick(int ticks, bool per_vcpu)
{
	const struct om_config cfg = { .per_vcpu = per_vcpu, .version = "bench" };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *s[2] = { fleet_snapshot(NVMS, VCPUS, 1), fleet_snapshot(NVMS, VCPUS, 2) };
	uint64_t *wall = xcalloc((size_t)ticks, sizeof(*wall));
	uint64_t *cpu = xcalloc((size_t)ticks, sizeof(*cpu));
	struct om_buf b[OM__FORMATS] = { 0 };
	struct om_buf *out[OM__FORMATS] = { &b[0], &b[1] };
	int i, f, vm0 = 0, lines = 0;
	size_t bytes[OM__FORMATS] = { 0 };

	for (i = 0; i < ticks; i++) {
		uint64_t w0 = now_ns(), c0 = cpu_ns();

		for (f = 0; f < OM__FORMATS; f++)
			b[f].len = 0;
		openmetrics_update(m, s[i % 2], 1.0);
		openmetrics_render(m, out);
		wall[i] = now_ns() - w0;
		cpu[i] = cpu_ns() - c0;
	}
	vm0 = series_of_vm0(b[OM_TEXT].p);
	lines = samples(b[OM_TEXT].p, b[OM_TEXT].len);
	for (f = 0; f < OM__FORMATS; f++)
		bytes[f] = b[f].len;
	printf("  %-10s update + render both formats: median %.2f ms wall, %.2f ms CPU "
	       "(%d ticks)\n",
	       per_vcpu ? "per-vcpu" : "defaults", median_ms(wall, ticks), median_ms(cpu, ticks),
	       ticks);
	printf("  %-10s %d series in all, %d per VM (the VM's vCPUs included); %zu KiB text, "
	       "%zu KiB OpenMetrics\n",
	       "", lines, vm0, bytes[OM_TEXT] / 1024, bytes[OM_OPENMETRICS] / 1024);
	for (f = 0; f < OM__FORMATS; f++)
		om_buf_free(&b[f]);
	free(wall);
	free(cpu);
	snapshot_free(s[0]);
	snapshot_free(s[1]);
	openmetrics_free(m);
}

static void per_scrape(int n)
{
	const struct serve_config cfg = { .listen = "127.0.0.1:0", .om = { .version = "bench" } };
	struct tick_ctl ctl = { .delay_s = 1 };
	struct snapshot *s = fleet_snapshot(NVMS, VCPUS, 1);
	uint64_t *t = xcalloc((size_t)n, sizeof(*t));
	char why[256];
	struct serve *sv = serve_start(&cfg, why, sizeof(why));
	size_t bytes = 0;
	int i, om;

	if (!sv) {
		printf("  cannot start the server: %s\n", why);
		exit(1);
	}
	serve_show(sv, s, &ctl);
	for (om = 0; om < 2; om++) {
		for (i = 0; i < n; i++)
			t[i] = get(serve_port(sv), om, &bytes);
		printf("  scrape over loopback HTTP (%s, %zu KiB): median %.2f ms wall (%d "
		       "scrapes)\n",
		       om ? "OpenMetrics" : "text 0.0.4", bytes / 1024, median_ms(t, n), n);
	}
	serve_stop(sv);
	snapshot_free(s);
	free(t);
}

int main(int argc, char **argv)
{
	int ticks = argc > 1 ? atoi(argv[1]) : 40;

	if (ticks < 3)
		ticks = 3;
	printf("exporter, %d VMs x %d vCPUs, every table full (tests/unit/fleet.h):\n", NVMS,
	       VCPUS);
	per_tick(ticks, false);
	per_tick(ticks, true);
	per_scrape(ticks);
	return 0;
}
