// SPDX-License-Identifier: GPL-2.0
/*
 * What one redraw of the live screen costs with 100 VMs and 1000 vCPUs, each VM with 5 exit
 * reasons and 8 hot addresses: the whole path (compose the frame, hand it to curses, curses writes
 * the changes to a terminal that is /dev/null) and the composing alone, host view and one VM's
 * view. Two snapshots with different numbers alternate, so every redraw changes most of the screen.
 * Each is measured without a history and with one (every VM, exit and hot address with a full
 * sparkline, as after two minutes of ticks), in alternating blocks of redraws, so that both
 * run side by side under the same load.
 *
 *   build/bench/bench_redraw [COLSxLINES] [REDRAWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen.h"
#include "sparkhist.h"
#include "tui.h"
#include "util.h"
#include "view.h"

#define NVMS	     100
#define VCPUS_PER_VM 10
#define NEXITS	     5
#define NHOT	     8
#define BLOCK	     25 /* redraws in a row with the same history setting */

static const char *const exit_names[NEXITS] = { "IO_INSTRUCTION", "EPT_MISCONFIG", "MSR_WRITE",
						"HLT", "EXTERNAL_INTERRUPT" };

/* Returns a synthetic snapshot of NVMS VMs with VCPUS_PER_VM vCPUs and an iothread each. */
static struct snapshot *make_snapshot(unsigned int seq)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	char comm[32];
	int i, k;

	s->seq = seq;
	s->wall_s = 1700000000 + seq;
	s->interval_ns = 1000000000ull;
	strcpy(s->host.hostname, "hv-bench");
	strcpy(s->host.release, "6.18.0");
	strcpy(s->host.kvm_module, "kvm_intel");
	s->host.ncpus = 128;
	s->sources[0] = (struct snap_source){ .name = "procfs", .state = SNAP_SRC_OK };
	s->sources[1] = (struct snap_source){ .name = "tracefs", .state = SNAP_SRC_OK };
	s->sources[2] = (struct snap_source){ .name = "debugfs",
						.state = SNAP_SRC_UNAVAILABLE,
						.why = "kernel lockdown" };
	s->nsources = 3;
	s->nvms = NVMS;
	s->vms = xcalloc(NVMS, sizeof(*s->vms));
	for (i = 0; i < NVMS; i++) {
		struct snap_vm *v = &s->vms[i];
		/* Rates that move between the two snapshots, and reorder the list. */
		double r = (double)((i * 7919 + seq * 104729) % 100000);

		v->pid = 10000 + i;
		snprintf(v->name, sizeof(v->name), "guest-%03d.example.net", i);
		strcpy(v->comm, "qemu-system-x86");
		v->nvcpus = VCPUS_PER_VM;
		v->niothreads = 1;
		v->exits_rate = r;
		v->cpu = (struct cpu_split){ r / 1000, r / 3000, r / 1500, r / 50000, r / 10 };
		strcpy(v->top_exit, exit_names[i % 2]);
		v->nexits = NEXITS;
		v->exits = xcalloc(NEXITS, sizeof(*v->exits));
		for (k = 0; k < NEXITS; k++) {
			struct snap_exit *e = &v->exits[k];

			snprintf(e->name, sizeof(e->name), "%s", exit_names[k]);
			e->reason = (uint32_t)k;
			e->count = (uint64_t)(r / (k + 1));
			e->rate = r / (k + 1);
			e->share = 100.0 / (k + 2);
			e->time_share = 10.0 / (k + 1);
			e->mean_ns = 1000.0 * (k + 1);
			e->p99_ns = e->max_ns = 5000u * (unsigned int)(k + 1);
			e->hot = k < 3 ? (int8_t)k : -1;
		}
		v->nhot = NHOT;
		v->hot = xcalloc(NHOT, sizeof(*v->hot));
		for (k = 0; k < NHOT; k++) {
			struct snap_hot *h = &v->hot[k];

			h->kind = (uint8_t)(k % 3);
			h->rw = HOT_READ;
			h->size = 4;
			h->addr = k % 3 == HOT_MMIO ? 0xfee00000u + 0x10u * (unsigned int)k
						    : 0x600u + (unsigned int)k;
			snprintf(h->name, sizeof(h->name), "register %d", k);
			h->count = (uint64_t)(r / (k + 1));
			h->rate = r / (k + 1);
			h->share = 100.0 / (k + 2);
			h->time_share = -1;
		}
		v->nthreads = VCPUS_PER_VM + 1;
		v->threads = xcalloc((size_t)v->nthreads, sizeof(*v->threads));
		for (k = 0; k < v->nthreads; k++) {
			struct snap_thread *t = &v->threads[k];

			t->tid = v->pid + 1 + k;
			t->nthreads = 1;
			t->kind = k < VCPUS_PER_VM ? THREAD_VCPU : THREAD_IOTHREAD;
			t->index = k < VCPUS_PER_VM ? k : -1;
			if (k < VCPUS_PER_VM)
				snprintf(comm, sizeof(comm), "CPU %d/KVM", k);
			else
				strcpy(comm, "IO iothread0");
			strlcpy0(t->comm, comm, sizeof(t->comm));
			t->cpu = (struct cpu_split){ r / 10000 + k, 1, 2, 0.5, 100 + k };
		}
	}
	return s;
}

static double now_ms(void)
{
	return (double)now_ns() / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns the median of n samples (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Returns the median ms of composing n frames at scope kind into a w x h screen, without a
 * history (*off) and with h (the result), in alternating blocks.
 */
static double bench_compose(struct snapshot *const *snap, int n, int w, int h, enum scope_kind kind,
			    const struct sparkhist *hist, double *off, double *samples)
{
	struct tick_ctl ctl = { .delay_s = 1 };
	struct screen scr[2] = { 0 };
	struct view v[2];
	char why[64];
	int i, k, c[2] = { 0, 0 };
	double *on = samples + n;

	for (k = 0; k < 2; k++) {
		view_init(&v[k], true, NULL, why, sizeof(why));
		v[k].hist = k ? hist : NULL;
		screen_resize(&scr[k], w, h, true);
		if (kind != SCOPE_HOST) {
			struct scope sc = { .kind = SCOPE_VM, .pid = snap[0]->vms[0].pid };

			view_push(&v[k], &sc, -1);
		}
	}
	for (i = 0; i < 2 * n; i++) {
		double t0;

		k = (i / BLOCK) % 2;
		t0 = now_ms();
		view_compose(&v[k], snap[i % 2], &ctl, &scr[k]);
		(k ? on : samples)[c[k]++ % n] = now_ms() - t0;
	}
	for (k = 0; k < 2; k++) {
		view_free(&v[k]);
		screen_free(&scr[k]);
	}
	*off = median(samples, MIN(c[0], n));
	return median(on, MIN(c[1], n));
}

/* Returns a history fed with 130 s of ticks of the benchmark's VMs: every row has 24 slots. */
static struct sparkhist *make_history(void)
{
	struct sparkhist *h = sparkhist_new(SPARK_SLOTS); /* slots of 1 s */
	struct snapshot *s;
	unsigned int k;

	for (k = 1; k <= 130; k++) {
		s = make_snapshot(k);
		s->ts_ns = (uint64_t)k * 1000000000ull;
		sparkhist_feed(h, s);
		snapshot_free(s);
	}
	return h;
}

int main(int argc, char **argv)
{
	int w = 200, h = 60, n = 500, i, c[2] = { 0, 0 }, k;
	struct snapshot *snap[2];
	struct tick_ctl ctl = { .delay_s = 1 };
	struct tui_config cfg = { .color = true, .utf8 = true, .delay_s = 1 };
	double *samples, full[2], host[2], vm[2];
	struct sparkhist *hist;
	char why[256], num[16];
	struct tui *t;

	if (argc > 1 && sscanf(argv[1], "%dx%d", &w, &h) != 2) {
		fprintf(stderr, "usage: %s [COLSxLINES] [REDRAWS]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		n = atoi(argv[2]);
	if (w < 1 || h < 1 || n < 1)
		return 2;
	samples = xcalloc(2 * (size_t)n, sizeof(*samples));
	snap[0] = make_snapshot(1);
	snap[1] = make_snapshot(2);
	hist = make_history();

	/* curses sizes a terminal that is a file from LINES and COLUMNS. */
	snprintf(num, sizeof(num), "%d", h);
	setenv("LINES", num, 1);
	snprintf(num, sizeof(num), "%d", w);
	setenv("COLUMNS", num, 1);
	setenv("TERM", "xterm-256color", 0);
	cfg.out = fopen("/dev/null", "w");
	cfg.in = fopen("/dev/null", "r");
	if (!cfg.out || !cfg.in) {
		perror("/dev/null");
		return 1;
	}
	t = tui_start(&cfg, why, sizeof(why));
	if (!t) {
		fprintf(stderr, "bench_redraw: %s\n", why);
		return 1;
	}
	/* Blocks without and with the history, alternating: the first of a block repaints more. */
	for (i = 0; i < 2 * n; i++) {
		double t0;

		k = (i / BLOCK) % 2;
		tui_set_history(t, k ? hist : NULL);
		t0 = now_ms();
		tui_show(t, snap[i % 2], &ctl);
		samples[k * n + c[k]++ % n] = now_ms() - t0;
	}
	tui_stop(t);
	full[0] = median(samples, MIN(c[0], n));
	full[1] = median(samples + n, MIN(c[1], n));
	host[1] = bench_compose(snap, n, w, h, SCOPE_HOST, hist, &host[0], samples);
	vm[1] = bench_compose(snap, n, w, h, SCOPE_VM, hist, &vm[0], samples);

	for (k = 0; k < 2; k++)
		printf("redraw %dx%d, %d VMs, %d vCPUs, %d redraws, %s: median %.3f ms per redraw "
		       "(composing alone: host view %.3f ms, VM view %.3f ms)\n",
		       w, h, NVMS, NVMS * VCPUS_PER_VM, n, k ? "sparklines on" : "no history",
		       full[k], host[k], vm[k]);
	snapshot_free(snap[0]);
	snapshot_free(snap[1]);
	sparkhist_free(hist);
	fclose(cfg.out);
	fclose(cfg.in);
	free(samples);
	return 0;
}
