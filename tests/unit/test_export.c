// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's formats: the metrics exposition (Prometheus text and OpenMetrics) and CSV.
 * Golden files of a small synthetic world (tests/unit/synth.h, two VMs, events built here),
 * then the properties a scraper relies on whatever the input: counters never go down, a VM
 * that goes takes its series with it, a VM touching a thousand ports gets a bounded number of
 * series that still add up, hostile names stay inside their quotes, both formats carry the
 * same samples, and the manual names every family.
 *
 * Update the expected files (then read the diff before committing it):
 *   GOLDEN_UPDATE=1 build/tests/test_export
 */
#include <errno.h>
#include <locale.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "csv.h"
#include "fleet.h"
#include "openmetrics.h"
#include "synth.h"
#include "unit.h"
#include "util.h"

#define GOLDEN_DIR "tests/golden"

/* ---- golden files: the same contract as test_golden.c's (see tests/golden/README) ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = xmalloc((size_t)n + 1);
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Compares got with tests/golden/name (GOLDEN_UPDATE=1 writes it); fails at the first line. */
static void golden(const char *name, const char *got, size_t glen)
{
	char path[256], actual[300];
	const char *upd = getenv("GOLDEN_UPDATE");
	size_t wlen = 0, i, line = 0;
	int lineno = 1;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	snprintf(actual, sizeof(actual), "%s.actual", path);
	if (upd && !strcmp(upd, "1")) {
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert(fwrite(got, 1, glen, f) == glen && !fclose(f));
		fprintf(stderr, "golden: wrote %s\n", path);
		return;
	}
	want = slurp(path, &wlen);
	if (want && wlen == glen && !memcmp(want, got, glen)) {
		free(want);
		unlink(actual);
		return;
	}
	f = fopen(actual, "wb");
	if (f) {
		fwrite(got, 1, glen, f);
		fclose(f);
	}
	ck_assert_msg(want != NULL, "%s: missing (GOLDEN_UPDATE=1 writes it; output in %s)", path,
		      actual);
	for (i = 0; i < wlen && i < glen && want[i] == got[i]; i++)
		if (want[i] == '\n') {
			lineno++;
			line = i + 1;
		}
	free(want);
	ck_abort_msg("%s differs from line %d, column %zu (output in %s; GOLDEN_UPDATE=1 "
		     "rewrites the file)",
		     path, lineno, i - line + 1, actual);
}

/* ---- the world: win01 storms, db02 (renamed to something hostile) idles, then goes ---- */

enum { WIN = 100, WIN_C0 = 101, WIN_C1 = 102, WIN_IO = 103, DB = 200, DB_C0 = 201, DB_C1 = 202 };

#define DB_NAME "db \"02\"\\\x1b[1m,x"
#define WALL_T0 1700000000

struct world {
	struct model m;
	struct synth_host h;
	struct kvm_event *ev;
	int nev, cap;
};

static struct kvm_event *put(struct world *w, uint64_t ts, int tid, int type)
{
	w->ev = xgrow(w->ev, &w->cap, w->nev + 1, sizeof(*w->ev));
	w->ev[w->nev] = synth_ev(ts, tid, type);
	return &w->ev[w->nev++];
}

static int ev_cmp(const void *a, const void *b)
{
	const struct kvm_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Feeds the second's events in time order, as the decoder merges the CPUs. */
static void feed(struct world *w)
{
	int i;

	/* Timestamps are unique by construction, so an unstable sort is fine. */
	qsort(w->ev, (size_t)w->nev, sizeof(*w->ev), ev_cmp);
	for (i = 0; i < w->nev; i++)
		model_event(&w->m, &w->ev[i]);
	w->nev = 0;
}

/*
 * Second k (from k s) at load p percent: win01's vCPU 0 polls the ACPI PM timer through the
 * VMM (30 p/s) and sends virtio requests (p/2 a second: notify, iothread, MSI, vCPU); its
 * vCPU 1 writes the LAPIC ICR (25 p/s); db02's vCPU 0 halts 10 times, its vCPU 1 drives the
 * PIT (5 p/s).
 */
static void second(struct world *w, int k, int p)
{
	uint64_t t0 = (uint64_t)k * S;
	int i, n;

	for (n = 30 * p, i = 0; i < n; i++) {
		uint64_t b = t0 + 1 * MS + (uint64_t)i * (400 * MS / (uint64_t)n);
		struct kvm_event *e = put(w, b, WIN_C0, KE_EXIT);

		e->exit.reason = VMX_IO_INSTRUCTION;
		e->exit.isa = KE_ISA_VMX;
		e = put(w, b + 1 * US, WIN_C0, KE_USER_EXIT);
		e->user_exit.reason = KVM_EXIT_IO;
		e = put(w, b + 8 * US, WIN_C0, KE_PIO);
		e->pio.port = 0x608;
		e->pio.size = 4;
		e->pio.count = 1;
		put(w, b + 10 * US + (i % 10 == 9 ? 40 * US : 0), WIN_C0, KE_ENTRY);
	}
	for (n = 25 * p, i = 0; i < n; i++) {
		uint64_t b = t0 + 2 * MS + (uint64_t)i * (400 * MS / (uint64_t)n);
		struct kvm_event *e = put(w, b, WIN_C1, KE_EXIT);

		e->exit.reason = VMX_APIC_ACCESS;
		e->exit.isa = KE_ISA_VMX;
		e = put(w, b + 1 * US, WIN_C1, KE_MMIO);
		e->mmio.gpa = 0xfee00300;
		e->mmio.len = 4;
		e->mmio.kind = KE_MMIO_WRITE;
		put(w, b + 3 * US, WIN_C1, KE_ENTRY);
	}
	for (n = p / 2, i = 0; i < n; i++) {
		uint64_t b = t0 + 500 * MS + (uint64_t)i * MS;
		struct kvm_event *e = put(w, b, WIN_C0, KE_EXIT);

		e->exit.reason = VMX_EPT_MISCONFIG;
		e->exit.isa = KE_ISA_VMX;
		put(w, b + 1 * US, WIN_C0, KE_FAST_MMIO)->fast_mmio.gpa = 0xfe003000;
		put(w, b + 2 * US, WIN_C0, KE_SCHED_WAKING)->waking.target = WIN_IO;
		put(w, b + 3 * US, WIN_C0, KE_ENTRY);
		e = put(w, b + 6 * US, 0, KE_SCHED_SWITCH);
		e->sw.next_tid = WIN_IO;
		e = put(w, b + 10 * US, WIN_C0, KE_EXIT);
		e->exit.reason = VMX_HLT;
		e->exit.isa = KE_ISA_VMX;
		e = put(w, b + 12 * US, WIN_C0, KE_SCHED_SWITCH);
		e->sw.prev_tid = WIN_C0;
		e->sw.prev_state = 1;
		e = put(w, b + 48 * US, WIN_IO, KE_MSI_SET_IRQ);
		e->msi.address = 0xfee00000;
		e->msi.data = 0x41;
		put(w, b + 49 * US, WIN_IO, KE_SCHED_WAKING)->waking.target = WIN_C0;
		e = put(w, b + 52 * US, WIN_IO, KE_SCHED_SWITCH);
		e->sw.prev_tid = WIN_IO;
		e->sw.prev_state = 1;
		e = put(w, b + 55 * US, 0, KE_SCHED_SWITCH);
		e->sw.next_tid = WIN_C0;
		e = put(w, b + 56 * US, WIN_C0, KE_VCPU_WAKEUP);
		e->wakeup.wait_ns = 44 * US;
		e->wakeup.waited = e->wakeup.valid = 1;
		put(w, b + 57 * US, WIN_C0, KE_ENTRY);
	}
	for (i = 0; i < 10; i++) {
		uint64_t b = t0 + 600 * MS + (uint64_t)i * 10 * MS;
		struct kvm_event *e = put(w, b, DB_C0, KE_EXIT);

		e->exit.reason = VMX_HLT;
		e->exit.isa = KE_ISA_VMX;
		put(w, b + 1 * MS, DB_C0, KE_ENTRY);
	}
	for (n = 5 * p, i = 0; i < n; i++) {
		struct kvm_event *e =
			put(w, t0 + 3 * MS + (uint64_t)i * (300 * MS / (uint64_t)n), DB_C1, KE_PIO);

		e->pio.port = 0x40;
		e->pio.size = 1;
		e->pio.count = 1;
		e->pio.write = 1;
	}
	feed(w);
}

static void counter(struct ctr_set *s, const char *name, enum ctr_kind kind, uint64_t v, int err)
{
	struct ctr_raw *c = ctr_set_add(s, name, kind);

	c->value = v;
	c->err = err;
	c->hw = err == -ENOENT;
}

/*
 * Counters at tick k: perf on every vCPU and iothread (task-clock, switches; cycles refused:
 * no PMU), KVM stats from debugfs for the host, each VM and its vCPUs.
 */
static void counters(struct world *w, int k)
{
	struct perf_thread_sample th[6];
	struct perf_sample ps = { .ts_ns = (uint64_t)k * S, .threads = th };
	struct kstat_vm vms[2];
	struct kstat_vcpu vc[2][2];
	struct kvmstat_sample ks = { .ts_ns = (uint64_t)k * S, .source = "debugfs", .vms = vms };
	int v, t, i;

	memset(th, 0, sizeof(th));
	memset(vms, 0, sizeof(vms));
	memset(vc, 0, sizeof(vc));
	for (v = 0; v < w->h.s.nvms; v++) {
		const struct proc_vm *pv = &w->h.s.vms[v];

		for (t = 0; t < pv->nthreads; t++) {
			struct perf_thread_sample *p = &th[ps.nthreads++];

			p->pid = pv->pid;
			p->tid = pv->threads[t].tid;
			p->set.ts_ns = ps.ts_ns;
			counter(&p->set, "task-clock", CTR_TIME_NS, pv->threads[t].run_ns, 0);
			counter(&p->set, "context-switches", CTR_COUNT, 150 * (uint64_t)k, 0);
			counter(&p->set, "cycles:mg", CTR_COUNT, 0, -ENOENT);
		}
		vms[v].pid = pv->pid;
		vms[v].fd = 12;
		vms[v].vcpus = vc[v];
		vms[v].nvcpus = 2;
		vms[v].set.ts_ns = ps.ts_ns;
		counter(&vms[v].set, "exits", CTR_COUNT, 40000 * (uint64_t)k * (v ? 1 : 5), 0);
		counter(&vms[v].set, "halt_wait_ns", CTR_TIME_NS, 300 * MS * (uint64_t)k, 0);
		counter(&vms[v].set, "pages_4k", CTR_GAUGE, 262144, 0);
		for (i = 0; i < 2; i++) {
			vc[v][i].index = i;
			vc[v][i].set.ts_ns = ps.ts_ns;
			counter(&vc[v][i].set, "guest_mode", CTR_GAUGE, 1, 0);
		}
		ks.nvms++;
	}
	ks.host.ts_ns = ps.ts_ns;
	counter(&ks.host, "exits", CTR_COUNT, 250000 * (uint64_t)k, 0);
	counter(&ks.host, "halt_wait_ns", CTR_TIME_NS, 700 * MS * (uint64_t)k, 0);
	model_update_perf(&w->m, &ps);
	model_update_kvmstat(&w->m, &ks);
	for (i = 0; i < ps.nthreads; i++)
		ctr_set_free(&th[i].set);
	for (v = 0; v < ks.nvms; v++) {
		ctr_set_free(&vms[v].set);
		for (i = 0; i < 2; i++)
			ctr_set_free(&vc[v][i].set);
	}
	ctr_set_free(&ks.host);
}

static void set_source(struct model *m, const char *name, enum source_state st, const char *why)
{
	struct source_status s = { .name = name, .state = st };

	strlcpy0(s.why, why, sizeof(s.why));
	model_set_source(m, &s);
}

/* Samples tick k (at k s) with nvms VMs: scan, counters; db02 keeps its hostile name. */
static void sample(struct world *w, int k, int nvms)
{
	synth_scan(&w->h, nvms, (uint64_t)k * S, (uint64_t)k);
	if (nvms > 1)
		strcpy(w->h.vm[1].name, DB_NAME);
	strcpy(w->h.vm[0].uuid, "4c4c4544-0042-3510-8052-b2c04f505931");
	model_update_procfs(&w->m, &w->h.s);
	counters(w, k);
}

static void world_init(struct world *w)
{
	struct proc_host host = { .ncpus = 8 };
	struct exit_names n;

	memset(w, 0, sizeof(*w));
	model_init(&w->m, 0);
	synth_names(&n);
	model_set_exit_names(&w->m, &n);
	exit_names_free(&n);
	strcpy(host.hostname, "hv-export");
	strcpy(host.release, "6.1.0-export");
	strcpy(host.kvm_module, "kvm_intel");
	model_set_host(&w->m, &host);
	set_source(&w->m, "tracefs", SOURCE_OK, "");
	set_source(&w->m, "procfs", SOURCE_OK, "");
	set_source(&w->m, "perf", SOURCE_DEGRADED, "cycles:mg: no PMU");
	set_source(&w->m, "kvmstat", SOURCE_UNAVAILABLE, "debugfs: kernel lockdown");
	set_source(&w->m, "sched", SOURCE_OK, "filtered to 6 threads");
	sample(w, 1, 2);
	model_prime(&w->m, 1 * S);
}

/* Returns the snapshot of tick k + 1 after second k at load p with nvms VMs. */
static struct snapshot *world_tick(struct world *w, int k, int p, int nvms)
{
	second(w, k, p);
	sample(w, k + 1, nvms);
	return model_snapshot(&w->m, (uint64_t)(k + 1) * S, WALL_T0 + k + 1, false);
}

static void world_free(struct world *w)
{
	model_free(&w->m);
	free(w->ev);
}

/* ---- exposition helpers ---- */

/* Returns the exposition of m after s (caller frees), in format f. */
static char *expo(struct openmetrics *m, const struct snapshot *s, enum om_format f)
{
	struct om_buf b = { 0 };
	struct om_buf *out[OM__FORMATS] = { 0 };
	char end[16];

	ck_assert_int_eq(openmetrics_update(m, s, 1.0), 0);
	out[f] = &b;
	openmetrics_render(m, out);
	openmetrics_tail(end, sizeof(end), f, NULL);
	if (!b.p)
		return xstrdup(end);
	b.p = xrealloc(b.p, b.len + sizeof(end));
	strcat(b.p, end);
	return b.p;
}

/* Returns the value of the first sample whose line starts with prefix in text, or -1. */
static double value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, prefix, n) && strchr(" {,}", p[n])) {
			const char *sp = p + (nl ? (size_t)(nl - p) : strlen(p));

			while (sp > p && sp[-1] != ' ')
				sp--;
			return strtod(sp, NULL);
		}
		p = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* Returns the sum of the samples whose lines start with prefix in text. */
static double sum_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	double sum = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, prefix, n))
			sum += value_of(p, prefix);
		p = nl ? nl + 1 : NULL;
	}
	return sum;
}

/* Returns how many sample lines of text start with prefix. */
static int count_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	int c = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			c++;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return c;
}

/* ---- goldens ---- */

/* Numbers in C, times in UTC, whatever the environment says. */
static void env(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
	tzset();
}

START_TEST(goldens)
{
	const struct om_config cfg = { .version = "0.1", .hot_top = 2 };
	const struct om_config vcfg = { .version = "0.1", .per_vcpu = true };
	struct openmetrics *text = openmetrics_new(&cfg), *om = openmetrics_new(&cfg);
	struct openmetrics *vc = openmetrics_new(&vcfg);
	struct batch_opts bo = { .format = BATCH_CSV, .detail = true, .header = true };
	struct snapshot *s[2];
	struct world w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int k;
	char *t, *o, *v;

	world_init(&w);
	s[0] = world_tick(&w, 1, 100, 2);
	s[1] = world_tick(&w, 2, 50, 2);
	/* The second tick's expositions, with the first one's counts in their totals. */
	for (k = 0; k < 2; k++) {
		free(expo(text, s[k], OM_TEXT));
		free(expo(om, s[k], OM_OPENMETRICS));
		free(expo(vc, s[k], OM_TEXT));
	}
	openmetrics_free(text);
	openmetrics_free(om);
	openmetrics_free(vc);
	text = openmetrics_new(&cfg);
	om = openmetrics_new(&cfg);
	vc = openmetrics_new(&vcfg);
	t = expo(text, s[0], OM_TEXT);
	/*
	 * The hints are told apart by the model's words: a rewording there must not quietly
	 * turn the PM timer's into "other" (3000 reads/s in the first second).
	 */
	ck_assert_double_eq(value_of(t, "kvmscope_hint_active{vm=\"win01\",pid=\"100\","
					"uuid=\"4c4c4544-0042-3510-8052-b2c04f505931\","
					"hint=\"pm_timer\""),
			    1);
	ck_assert_int_eq(count_of(t,
				  "kvmscope_hint_active{vm=\"win01\",pid=\"100\","
				  "uuid=\"4c4c4544-0042-3510-8052-b2c04f505931\",hint=\"other\""),
			 0);
	free(t);
	free(expo(om, s[0], OM_OPENMETRICS));
	free(expo(vc, s[0], OM_TEXT));
	t = expo(text, s[1], OM_TEXT);
	o = expo(om, s[1], OM_OPENMETRICS);
	v = expo(vc, s[1], OM_TEXT);
	golden("export.prom", t, strlen(t));
	golden("export.om", o, strlen(o));
	golden("export-vcpu.prom", v, strlen(v));

	/* What the world must show, by hand: 3000 + 1500 PM timer reads in two seconds. */
	ck_assert_double_eq(value_of(t,
				     "kvmscope_hot_accesses_total{vm=\"win01\",pid=\"100\","
				     "uuid=\"4c4c4544-0042-3510-8052-b2c04f505931\",kind=\"pio\","
				     "addr=\"0x608\""),
			    4500);
	ck_assert_double_eq(value_of(t, "kvmscope_userspace_exits_total{vm=\"win01\""), 4500);
	ck_assert_double_eq(value_of(t, "kvmscope_hint_active{vm=\"win01\",pid=\"100\","
					"uuid=\"4c4c4544-0042-3510-8052-b2c04f505931\","
					"hint=\"lapic\""),
			    0);

	f = open_memstream(&buf, &len);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(batch_print(f, s[k], &bo), 0);
		bo.header = false;
	}
	fclose(f);
	golden("export.csv", buf, len);
	free(buf);
	free(t);
	free(o);
	free(v);
	openmetrics_free(text);
	openmetrics_free(om);
	openmetrics_free(vc);
	snapshot_free(s[0]);
	snapshot_free(s[1]);
	world_free(&w);
}
END_TEST

/* ---- properties ---- */

/* Every _total and _count of before is in after with a value at least as large. */
static void assert_monotonic(const char *before, const char *after)
{
	const char *p = before;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n), *sp = strrchr(line, ' ');

		if (line[0] != '#' && sp) {
			*sp = '\0';
			if (strstr(line, "_total") || strstr(line, "_count") ||
			    strstr(line, "_sum")) {
				double a = strtod(sp + 1, NULL), b = value_of(after, line);

				ck_assert_msg(b < 0 || b >= a, "%s went from %g to %g", line, a, b);
			}
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
}

START_TEST(totals_grow_and_vms_come_and_go)
{
	const struct om_config cfg = { .version = "0.1" };
	struct openmetrics *m = openmetrics_new(&cfg);
	static const int loads[] = { 100, 20, 150, 0, 80 };
	char *prev = NULL, *cur;
	struct snapshot *s;
	struct world w;
	size_t k;

	world_init(&w);
	for (k = 0; k < ARRAY_SIZE(loads); k++) {
		/* db02's process is gone from the fourth scan. */
		s = world_tick(&w, (int)k + 1, loads[k], k < 3 ? 2 : 1);
		cur = expo(m, s, OM_TEXT);
		if (prev)
			assert_monotonic(prev, cur);
		/* Shown gone once, with its last counts; then its series end. */
		ck_assert_int_eq(count_of(cur, "kvmscope_vm_info{vm=\"db"), k <= 3 ? 1 : 0);
		ck_assert_int_eq(count_of(cur, "kvmscope_vm_info{vm=\"win01\""), 1);
		free(prev);
		prev = cur;
		snapshot_free(s);
	}
	/* A cumulative snapshot repeats earlier windows: refused. */
	second(&w, 6, 10);
	sample(&w, 7, 1);
	s = model_snapshot(&w.m, 7 * S, WALL_T0 + 7, true);
	ck_assert_int_eq(openmetrics_update(m, s, 1.0), -EINVAL);
	snapshot_free(s);
	free(prev);
	openmetrics_free(m);
	world_free(&w);
}
END_TEST

/* A restarted VM (same pid, new start time) is a new one: its counters start again. */
START_TEST(restarted_vm_is_new)
{
	const struct om_config cfg = { .version = "0.1" };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *a = fleet_snapshot(1, 2, 1), *b = fleet_snapshot(1, 2, 1);
	char *t1, *t2, *t3;

	free(expo(m, a, OM_TEXT));
	t1 = expo(m, a, OM_TEXT);
	b->vms[0].starttime++;
	t2 = expo(m, b, OM_TEXT);
	t3 = expo(m, b, OM_TEXT);
	ck_assert_double_eq(value_of(t1, "kvmscope_exits_total{vm=\"vm-000.fleet.example\""),
			    2 * value_of(t2, "kvmscope_exits_total{vm=\"vm-000.fleet.example\""));
	ck_assert_double_eq(value_of(t3, "kvmscope_exits_total{vm=\"vm-000.fleet.example\""),
			    2 * value_of(t2, "kvmscope_exits_total{vm=\"vm-000.fleet.example\""));
	free(t1);
	free(t2);
	free(t3);
	snapshot_free(a);
	snapshot_free(b);
	openmetrics_free(m);
}
END_TEST

#define VM0_PIO                                                                                    \
	"kvmscope_hot_accesses_total{vm=\"vm-000.fleet.example\",pid=\"10000\",uuid=\"6f1c2a4e-"   \
	"0000-4000-8000-000000000000\",kind=\"pio\""

/* Returns a fleet snapshot of one VM whose ports are base + 0..15 (counts 100 down) + other. */
static struct snapshot *ports(uint64_t base, uint64_t *total)
{
	struct snapshot *s = fleet_snapshot(1, 1, 1);
	struct snap_vm *v = &s->vms[0];
	int i;

	free(v->hot);
	v->nhot = 17;
	v->hot = xcalloc(17, sizeof(*v->hot));
	for (i = 0; i < 17; i++) {
		struct snap_hot *h = &v->hot[i];

		h->kind = HOT_PIO;
		h->other = i == 16;
		h->addr = base + (uint64_t)i;
		h->count = i == 16 ? 5000 : 100 - (uint64_t)i;
		h->time_share = -1;
		*total += h->count;
	}
	return s;
}

/*
 * Hot addresses: with the same ports every tick, top N series and other sum to every access;
 * a guest touching new ports every tick still has at most N + 1 series at a time (the quiet
 * ones give way); a late storm on one port takes a slot and counts from then on.
 */
START_TEST(hot_series_bounded)
{
	const struct om_config cfg = { .version = "0.1", .hot_top = 3 };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *s;
	uint64_t total = 0, dummy = 0;
	char *t = NULL;
	int tick;

	for (tick = 0; tick < 3; tick++) {
		s = ports(0x100, &total);
		free(t);
		t = expo(m, s, OM_TEXT);
		snapshot_free(s);
		ck_assert_int_eq(count_of(t, VM0_PIO), 4);
		ck_assert_double_eq(sum_of(t, VM0_PIO), (double)total);
	}
	for (tick = 0; tick < 10; tick++) {
		s = ports(0x1000 * (uint64_t)(tick + 1), &dummy);
		if (tick >= 5) {
			s->vms[0].hot[15].addr = 0x5;
			s->vms[0].hot[15].count = 100000;
		}
		free(t);
		t = expo(m, s, OM_TEXT);
		snapshot_free(s);
		ck_assert_int_le(count_of(t, VM0_PIO), 4);
	}
	ck_assert_msg(value_of(t, VM0_PIO ",addr=\"0x5\"") == 500000, "%s", t);
	free(t);
	openmetrics_free(m);
}
END_TEST

/* Rows of two kinds under one name (the "other" rows of full tables) make one series. */
START_TEST(same_name_once)
{
	const struct om_config cfg = { .version = "0.1" };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *s = fleet_snapshot(1, 1, 1);
	struct snap_exit *e = s->vms[0].exits;
	char *t;

	strcpy(e[0].name, "other");
	strcpy(e[1].name, "other");
	e[1].kind = EXIT_KIND_EVENT;
	t = expo(m, s, OM_TEXT);
	ck_assert_int_eq(
		count_of(t, "kvmscope_exits_total{vm=\"vm-000.fleet.example\",pid=\"10000\","
			    "uuid=\"6f1c2a4e-0000-4000-8000-000000000000\",reason=\"other\"}"),
		1);
	ck_assert_double_eq(
		value_of(t, "kvmscope_exits_total{vm=\"vm-000.fleet.example\",pid=\"10000\","
			    "uuid=\"6f1c2a4e-0000-4000-8000-000000000000\",reason=\"other\""),
		(double)(e[0].count + e[1].count));
	free(t);
	snapshot_free(s);
	openmetrics_free(m);
}
END_TEST

/* Names with quotes, backslashes, newlines, ESC and bad UTF-8 stay inside their quotes. */
START_TEST(hostile_names)
{
	const struct om_config cfg = { .version = "0.1" };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *s = fleet_snapshot(1, 1, 1);
	const char *p;
	char *t;

	strcpy(s->vms[0].name, "a\"b\\c\nd\x1b[2J\xff} 1\nkvmscope_fake 1");
	strcpy(s->vms[0].comm, "q\"\n");
	t = expo(m, s, OM_TEXT);
	ck_assert_ptr_null(strstr(t, "\nkvmscope_fake"));
	ck_assert_ptr_null(strchr(t, '\x1b'));
	ck_assert_ptr_null(strchr(t, '\xff'));
	ck_assert_ptr_nonnull(
		strstr(t, "vm=\"a\\\"b\\\\\\\\c\\\\nd\\\\e[2J\\\\xff} 1\\\\nkvmscope_fake 1\""));
	/* Every sample line: name{...} value, with the value after the last quote. */
	for (p = t; *p; p = strchr(p, '\n') + 1) {
		const char *nl = strchr(p, '\n');

		ck_assert_ptr_nonnull(nl);
		if (*p == '#')
			continue;
		ck_assert_msg(!strncmp(p, "kvmscope_", 9), "%.*s", (int)(nl - p), p);
	}
	free(t);
	snapshot_free(s);
	openmetrics_free(m);
}
END_TEST

/* Both formats carry the same samples; only metadata and the end differ. */
START_TEST(formats_agree)
{
	const struct om_config cfg = { .version = "0.1", .per_vcpu = true };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snapshot *s = fleet_snapshot(3, 4, 1);
	struct om_buf b[OM__FORMATS] = { 0 };
	struct om_buf *out[OM__FORMATS] = { &b[0], &b[1] };
	char tail[4096];
	const char *p, *q;
	size_t n;

	ck_assert_int_eq(openmetrics_update(m, s, 0.5), 0);
	openmetrics_render(m, out);
	for (p = b[0].p, q = b[1].p; *p && *q;) {
		while (*p == '#')
			p = strchr(p, '\n') + 1;
		while (*q == '#')
			q = strchr(q, '\n') + 1;
		n = strcspn(p, "\n") + 1;
		ck_assert_msg(!strncmp(p, q, n), "%.*s", (int)n, p);
		p += n;
		q += n;
	}
	ck_assert(!*p && !*q);
	ck_assert_ptr_nonnull(strstr(b[0].p, "# TYPE kvmscope_exits_total counter\n"));
	ck_assert_ptr_nonnull(strstr(b[1].p, "# TYPE kvmscope_exits counter\n"));
	ck_assert_ptr_nonnull(strstr(b[1].p, "# TYPE kvmscope_vm info\n"));
	ck_assert_ptr_nonnull(strstr(b[0].p, "# TYPE kvmscope_vm_info gauge\n"));
	/* The tick buckets are multiples of the delay, canonical numbers in both formats. */
	ck_assert_ptr_nonnull(
		strstr(b[0].p, "kvmscope_tick_interval_seconds_bucket{le=\"1.0\"} 1\n"));
	n = openmetrics_tail(tail, sizeof(tail), OM_OPENMETRICS, NULL);
	ck_assert_str_eq(tail, "# EOF\n");
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(openmetrics_tail(tail, sizeof(tail), OM_TEXT, NULL), 0);
	om_buf_free(&b[0]);
	om_buf_free(&b[1]);
	snapshot_free(s);
	openmetrics_free(m);
}
END_TEST

/* Only the VMs the filter lets through; per-vCPU series only when asked for. */
START_TEST(filter_and_per_vcpu)
{
	regex_t re;
	struct om_config cfg = { .version = "0.1", .filter = &re };
	struct openmetrics *m;
	struct snapshot *s = fleet_snapshot(3, 4, 1);
	char *t;

	ck_assert_int_eq(regcomp(&re, "^vm-001", REG_EXTENDED | REG_NOSUB), 0);
	m = openmetrics_new(&cfg);
	t = expo(m, s, OM_TEXT);
	ck_assert_int_eq(count_of(t, "kvmscope_vm_info{"), 1);
	ck_assert_double_eq(value_of(t, "kvmscope_vms"), 1);
	ck_assert_int_eq(count_of(t, "kvmscope_vcpu_exits_total{"), 0);
	ck_assert_int_eq(count_of(t, "kvmscope_vcpu_seconds_total{"), 4 * 5);
	free(t);
	openmetrics_free(m);
	cfg.per_vcpu = true;
	cfg.filter = NULL;
	m = openmetrics_new(&cfg);
	t = expo(m, s, OM_TEXT);
	ck_assert_int_eq(count_of(t, "kvmscope_vcpu_exits_total{"), 3 * 4 * 7);
	ck_assert_int_eq(count_of(t, "kvmscope_vcpu_userspace_exits_total{"), 3 * 4 * 1);
	free(t);
	openmetrics_free(m);
	regfree(&re);
	snapshot_free(s);
}
END_TEST

START_TEST(negotiate)
{
	ck_assert_int_eq(openmetrics_negotiate(NULL), OM_TEXT);
	ck_assert_int_eq(openmetrics_negotiate(""), OM_TEXT);
	ck_assert_int_eq(openmetrics_negotiate("*/*"), OM_TEXT);
	ck_assert_int_eq(openmetrics_negotiate("text/plain;version=0.0.4"), OM_TEXT);
	/* What Prometheus 2.42 sends. */
	ck_assert_int_eq(openmetrics_negotiate("application/openmetrics-text;version=1.0.0,"
					       "application/openmetrics-text;version=0.0.1;q=0.75,"
					       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(openmetrics_negotiate("application/openmetrics-text; q=0"), OM_TEXT);
	ck_assert_int_eq(openmetrics_negotiate("text/plain, application/openmetrics-text;q=0.5"),
			 OM_TEXT);
	ck_assert_int_eq(openmetrics_negotiate("Application/OpenMetrics-Text"), OM_OPENMETRICS);
	/* strtod() took these as weights above 1: text outranked OpenMetrics at q=1. */
	ck_assert_int_eq(openmetrics_negotiate("text/plain;q=5.5, application/openmetrics-text"),
			 OM_OPENMETRICS);
	ck_assert_int_eq(openmetrics_negotiate("text/plain;q=nan, application/openmetrics-text"),
			 OM_OPENMETRICS);
}
END_TEST

/* The manual lists every family (man/kvmscope.8, EXPORTER), and the rules use real ones. */
START_TEST(manual_lists_families)
{
	const struct om_family *f;
	size_t mlen = 0, rlen = 0;
	char *man = slurp("man/kvmscope.8", &mlen), *rules;
	int n, i;

	ck_assert_ptr_nonnull(man);
	rules = slurp("src/export/kvmscope-alerts.yml", &rlen);
	ck_assert_ptr_nonnull(rules);
	f = openmetrics_families(&n);
	for (i = 0; i < n; i++) {
		char esc[128], *o = esc;
		const char *p;

		/* The manual writes _ as is and - as \-; names have no -. */
		for (p = f[i].name; *p && o < esc + sizeof(esc) - 1; p++)
			*o++ = *p;
		*o = '\0';
		ck_assert_msg(strstr(man, esc), "man/kvmscope.8 does not list %s", f[i].name);
	}
	for (const char *p = rules; (p = strstr(p, "kvmscope_")); p++) {
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		bool known = false;

		for (i = 0; i < n; i++)
			if (strlen(f[i].name) == len && !strncmp(f[i].name, p, len))
				known = true;
		ck_assert_msg(known, "the rules use %.*s, which is not exported", (int)len, p);
	}
	free(man);
	free(rules);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_add_checked_fixture(tc, env, NULL);
	tcase_add_test(tc, goldens);
	tcase_add_test(tc, totals_grow_and_vms_come_and_go);
	tcase_add_test(tc, restarted_vm_is_new);
	tcase_add_test(tc, hot_series_bounded);
	tcase_add_test(tc, same_name_once);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, formats_agree);
	tcase_add_test(tc, filter_and_per_vcpu);
	tcase_add_test(tc, negotiate);
	tcase_add_test(tc, manual_lists_families);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(export_suite)
