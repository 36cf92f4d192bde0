// SPDX-License-Identifier: GPL-2.0
/*
 * Golden outputs: batch text, JSON, header lines and TUI frames of snapshots built from fixed
 * inputs, compared byte for byte with the files in tests/golden/ (see its README). They pin
 * what every output shows today, so that a change of the code's shape cannot change what a
 * user sees without a golden file changing with it, in the same commit, for a reason.
 *
 * Inputs are deterministic and need no root: procfs from the recorded tree tests/fixtures/proc
 * (its times grown by the test from tick to tick), KVM stats from tests/fixtures/debugfs,
 * synthetic trace events, perf samples and tracepoint counts, and explicit timestamps. The
 * host facts are set here; the locale (C numbers, C.UTF-8 characters) and the time zone (UTC)
 * too; the wall clock of each snapshot is passed in like the monotonic one.
 *
 * Three worlds, each with the same VMs (web01, a VM without a name, one with control bytes
 * and UTF-8 in its name, and one that goes away):
 *   vmx      kvm_exit/kvm_entry fire (VMX): exit storms, userspace exits, hot addresses,
 *            wakeup chains and round trips, halts and preemption, perf and debugfs counters;
 *   novmx    kvm_exit does not fire (only kvm_pio/kvm_mmio/kvm_msr/kvm_userspace_exit, as
 *            on a kernel without VMX/SVM tracing), sched events off, tracepoint counters,
 *            perf refused;
 *   notrace  --no-trace: procfs and perf only, debugfs under lockdown, no /dev/kvm.
 *
 * Update the expected files (then read the diff before committing it):
 *   GOLDEN_UPDATE=1 build/tests/test_golden
 * A mismatch fails with the file, the first differing line (expected and got), and leaves
 * what was written in tests/golden/<name>.actual.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "color.h"
#include "counters.h"
#include "header.h"
#include "kvmstat.h"
#include "model.h"
#include "pane.h"
#include "perf.h"
#include "procfs.h"
#include "screen.h"
#include "snapcmp.h"
#include "snapjson.h"
#include "snapread.h"
#include "sparkhist.h"
#include "synth.h"
#include "unit.h"
#include "util.h"
#include "view.h"
#include "wakegraph.h"

#define GOLDEN_DIR "tests/golden"

/* ---- comparing with the expected files ---- */

/* Returns the contents of path, NUL-terminated (caller frees), its length in *len; or NULL. */
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

static void spill(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_msg(fwrite(text, 1, len, f) == len && !fclose(f), "cannot write %s", path);
}

/*
 * Returns buf holding the line of text that starts at line, around byte at (a JSON document
 * is one long line): at most 100 bytes, "..." where it is cut, "<end of file>" past the end.
 */
static char *excerpt(const char *text, size_t len, size_t line, size_t at, char *buf, size_t n)
{
	size_t from = at > line + 40 ? at - 40 : line, to = from;

	while (to < len && text[to] != '\n' && to - from < 100)
		to++;
	if (from >= len)
		snprintf(buf, n, "<end of file>");
	else
		snprintf(buf, n, "%s%.*s%s", from > line ? "..." : "", (int)(to - from),
			 text + from, to < len && text[to] != '\n' ? "..." : "");
	return buf;
}

/*
 * Compares got with tests/golden/name; with GOLDEN_UPDATE=1 in the environment writes it
 * there instead. On a mismatch writes got to name.actual and fails at the first differing
 * line.
 */
static void golden(const char *name, const char *got, size_t glen)
{
	char path[256], actual[300], want_x[160], got_x[160];
	const char *upd = getenv("GOLDEN_UPDATE");
	size_t wlen = 0, i, line = 0;
	int lineno = 1;
	char *want;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	snprintf(actual, sizeof(actual), "%s.actual", path);
	if (upd && !strcmp(upd, "1")) {
		spill(path, got, glen);
		unlink(actual);
		fprintf(stderr, "golden: wrote %s\n", path);
		return;
	}
	want = slurp(path, &wlen);
	if (want && wlen == glen && !memcmp(want, got, glen)) {
		free(want);
		unlink(actual);
		return;
	}
	spill(actual, got, glen);
	ck_assert_msg(want != NULL, "%s: missing (GOLDEN_UPDATE=1 writes it; output in %s)", path,
		      actual);
	for (i = 0; i < wlen && i < glen && want[i] == got[i]; i++) {
		if (want[i] == '\n') {
			lineno++;
			line = i + 1;
		}
	}
	excerpt(want, wlen, line, i, want_x, sizeof(want_x));
	excerpt(got, glen, line, i, got_x, sizeof(got_x));
	free(want);
	ck_abort_msg("%s differs from line %d, column %zu (output in %s; GOLDEN_UPDATE=1 "
		     "rewrites the file)\n  expected: %s\n  got:      %s",
		     path, lineno, i - line + 1, actual, want_x, got_x);
}

/* An output being written to memory, then compared with its golden file. */
struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	ck_assert_ptr_nonnull(o->f);
	return o->f;
}

static void out_golden(struct out *o, const char *name)
{
	ck_assert_int_eq(fclose(o->f), 0);
	golden(name, o->buf, o->len);
	free(o->buf);
}

/* ---- the world: VMs, threads, clocks ---- */

/* Threads of the fixture's VMs (tests/fixtures/proc/README) and of the one the test adds. */
enum {
	WEB = 4100, /* web01: named, two vCPUs by name, an iothread, five others */
	WEB_IO = 4102,
	WEB_C0 = 4103,
	WEB_C1 = 4104,
	ANON = 4200, /* its -name dropped here; vCPUs found by their KVM_RUN syscall */
	ANON_C0 = 4202,
	ANON_C1 = 4203,
	EVIL = 4400, /* control bytes in name and comm; UTF-8 added to the name here */
	EVIL_MAIN = 4401,
	EVIL_C0 = 4402,
	GONE = 5000, /* added here; its process is gone from the scan at GONE_TICK */
	GONE_C0 = 5001,
	KWORKER = 9001, /* host threads met by the wake graph */
	PREEMPTER = 9003,
	STRANGER = 31337, /* a thread of no VM: its events are unattributed */
};

#define GONE_TICK 3
#define WALL_T0	  1700000000 /* 2023-11-14T22:13:20Z; a snapshot at k s has wall_s WALL_T0 + k */
#define VMS_MAX	  6
#define THR_MAX	  16
#define TICKS_MAX 6

/*
 * Load of second k (from k s to k + 1 s) in percent of the base rates: it changes, so that a
 * cumulative window differs from the last interval and a hint can come and go.
 */
static const int load[TICKS_MAX] = { 0, 100, 80, 120, 90, 110 };

/* Returns how far cumulative values have grown at tick k, in percent of one base second. */
static uint64_t grown(int k)
{
	uint64_t g = 0;
	int j;

	for (j = 1; j < k && j < TICKS_MAX; j++)
		g += (uint64_t)load[j];
	return g;
}

enum flavour { VMX, NOVMX, NOTRACE };

/* One world: the model and what feeds it. Owned by a test: world_init(), world_free(). */
struct world {
	enum flavour fl;
	struct model m;
	struct procfs *pfs;
	struct procfs_sample fixture; /* the recorded tree's one scan; never changed */
	struct kvmstat *kstat;
	struct kvmstat_sample kfixture; /* the recorded debugfs tree's one sample */
	struct procfs_sample scan;	/* a tick's: the fixture's, times grown */
	struct proc_vm vms[VMS_MAX];
	struct proc_thread th[VMS_MAX][THR_MAX];
	struct kvm_event *ev; /* a second's events, sorted before the model sees them */
	uint32_t *seq;	      /* indices of ev in time order, for feed() */
	int nev, cap, cap_seq;
};

/* ---- events: built per second, fed in time order as the decoder merges the CPUs ---- */

static struct kvm_event *put(struct world *w, uint64_t ts, int tid, int type)
{
	w->ev = xgrow(w->ev, &w->cap, w->nev + 1, sizeof(*w->ev));
	w->ev[w->nev] = synth_ev(ts, tid, type);
	return &w->ev[w->nev++];
}

static void add_exit(struct world *w, uint64_t ts, int tid, uint32_t reason)
{
	struct kvm_event *e = put(w, ts, tid, KE_EXIT);

	e->exit.reason = reason;
	e->exit.isa = KE_ISA_VMX;
}

static void add_entry(struct world *w, uint64_t ts, int tid)
{
	put(w, ts, tid, KE_ENTRY);
}

static void add_pio(struct world *w, uint64_t ts, int tid, uint32_t port, int size, int write)
{
	struct kvm_event *e = put(w, ts, tid, KE_PIO);

	e->pio.port = port;
	e->pio.size = (uint8_t)size;
	e->pio.count = 1;
	e->pio.write = (uint8_t)write;
}

static void add_mmio(struct world *w, uint64_t ts, int tid, uint64_t gpa, int kind)
{
	struct kvm_event *e = put(w, ts, tid, KE_MMIO);

	e->mmio.gpa = gpa;
	e->mmio.len = 4;
	e->mmio.kind = (uint8_t)kind;
}

static void add_fast_mmio(struct world *w, uint64_t ts, int tid, uint64_t gpa)
{
	put(w, ts, tid, KE_FAST_MMIO)->fast_mmio.gpa = gpa;
}

static void add_msr(struct world *w, uint64_t ts, int tid, uint32_t index, int write)
{
	struct kvm_event *e = put(w, ts, tid, KE_MSR);

	e->msr.index = index;
	e->msr.write = (uint8_t)write;
}

static void add_user(struct world *w, uint64_t ts, int tid, uint32_t reason, int err)
{
	struct kvm_event *e = put(w, ts, tid, KE_USER_EXIT);

	e->user_exit.reason = reason;
	e->user_exit.err = err;
}

static void add_wakeup(struct world *w, uint64_t ts, int tid, uint64_t wait_ns)
{
	struct kvm_event *e = put(w, ts, tid, KE_VCPU_WAKEUP);

	e->wakeup.wait_ns = wait_ns;
	e->wakeup.waited = 1;
	e->wakeup.valid = 1;
}

static void add_switch(struct world *w, uint64_t ts, int prev, int next, uint64_t state)
{
	struct kvm_event *e = put(w, ts, prev, KE_SCHED_SWITCH);

	e->sw.prev_tid = (uint32_t)prev;
	e->sw.next_tid = (uint32_t)next;
	e->sw.prev_state = state;
}

static void add_waking(struct world *w, uint64_t ts, int tid, int target, int ctx)
{
	struct kvm_event *e = put(w, ts, tid, KE_SCHED_WAKING);

	e->ctx = (uint8_t)ctx;
	e->waking.target = (uint32_t)target;
}

static void add_msi(struct world *w, uint64_t ts, int tid)
{
	struct kvm_event *e = put(w, ts, tid, KE_MSI_SET_IRQ);

	e->msi.address = 0xfee00000;
	e->msi.data = 0x41;
}

static struct world *sort_world; /* qsort has no argument: the array being sorted */

/* Orders events by time, then as they were added (the sort is not stable by itself). */
static int ev_order(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	uint64_t ta = sort_world->ev[a].ts_ns, tb = sort_world->ev[b].ts_ns;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Feeds the second's events to the model in time order, then forgets them. */
static void feed(struct world *w)
{
	int i;

	w->seq = xgrow(w->seq, &w->cap_seq, w->nev + 1, sizeof(*w->seq));
	for (i = 0; i < w->nev; i++)
		w->seq[i] = (uint32_t)i;
	sort_world = w;
	qsort(w->seq, (size_t)w->nev, sizeof(*w->seq), ev_order);
	for (i = 0; i < w->nev; i++)
		model_event(&w->m, &w->ev[w->seq[i]]);
	w->nev = 0;
}

/* Returns the time of i of n events spread over span from start (in second t0). */
static uint64_t spread(uint64_t t0, uint64_t start, uint64_t span, int i, int n)
{
	return t0 + start + (uint64_t)i * (span / (uint64_t)n);
}

/*
 * One virtio request of web01 from b: vCPU 0 notifies through an ioeventfd (kvm_fast_mmio)
 * and wakes the iothread, halts; the iothread blocks on the disk, is woken by the completion
 * (softirq, or a kworker), injects an MSI and wakes the vCPU (irqfd), which writes the EOI.
 */
static void vmx_virtio(struct world *w, uint64_t b, bool kworker)
{
	add_exit(w, b, WEB_C0, VMX_EPT_MISCONFIG);
	add_fast_mmio(w, b + 1 * US, WEB_C0, 0xfe003000);
	add_waking(w, b + 2 * US, WEB_C0, WEB_IO, 0);
	add_entry(w, b + 3 * US, WEB_C0);
	add_switch(w, b + 6 * US, 0, WEB_IO, KE_TASK_RUNNING);
	add_exit(w, b + 10 * US, WEB_C0, VMX_HLT);
	add_switch(w, b + 12 * US, WEB_C0, 0, 1 /* S */);
	add_switch(w, b + 25 * US, WEB_IO, 0, 2 /* D */);
	if (kworker)
		add_waking(w, b + 40 * US, KWORKER, WEB_IO, 0);
	else
		add_waking(w, b + 40 * US, 0, WEB_IO, KE_CTX_SOFTIRQ);
	add_switch(w, b + 44 * US, 0, WEB_IO, KE_TASK_RUNNING);
	add_msi(w, b + 48 * US, WEB_IO);
	add_waking(w, b + 49 * US, WEB_IO, WEB_C0, 0);
	add_switch(w, b + 52 * US, WEB_IO, 0, 1);
	add_switch(w, b + 55 * US, 0, WEB_C0, KE_TASK_RUNNING);
	add_wakeup(w, b + 56 * US, WEB_C0, 44 * US);
	add_entry(w, b + 57 * US, WEB_C0);
	add_exit(w, b + 60 * US, WEB_C0, VMX_APIC_ACCESS);
	add_mmio(w, b + 61 * US, WEB_C0, 0xfee000b0, KE_MMIO_WRITE);
	add_entry(w, b + 62 * US, WEB_C0);
}

/*
 * web01 at full load (p = 100): vCPU 0 polls the ACPI PM timer (2000/s, answered by the VMM,
 * every 50th slow), writes the LAPIC EOI (2500/s), the TSC deadline (500/s), reads the
 * Hyper-V reference counter (50/s) and does 200 virtio requests; vCPU 1 drives the PIT
 * (3000/s), the LAPIC ICR (1500/s), reads 20 virtio ports (210/s: more than HOT_SHOW),
 * writes a device BAR the VMM handles (100/s), is preempted once and halts once.
 */
static void vmx_web(struct world *w, uint64_t t0, int p)
{
	int i, n;

	for (n = 20 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 400 * MS, i, n);

		add_exit(w, b, WEB_C0, VMX_IO_INSTRUCTION);
		add_user(w, b + 2 * US, WEB_C0, KVM_EXIT_IO, 0);
		add_pio(w, b + 9 * US, WEB_C0, 0x608, 4, 0);
		add_entry(w, b + (i % 50 == 49 ? 120 : 12) * US, WEB_C0);
	}
	for (n = 30 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS + 50 * US, 400 * MS, i, n);

		add_exit(w, b, WEB_C1, VMX_IO_INSTRUCTION);
		add_pio(w, b + 1 * US, WEB_C1, 0x40, 1, 1);
		add_entry(w, b + 3 * US, WEB_C1);
	}
	for (n = 25 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 420 * MS, 200 * MS, i, n);

		add_exit(w, b, WEB_C0, VMX_APIC_ACCESS);
		add_mmio(w, b + 1 * US, WEB_C0, 0xfee000b0, KE_MMIO_WRITE);
		add_entry(w, b + 1500, WEB_C0);
	}
	for (n = 15 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 420 * MS, 200 * MS, i, n);

		add_exit(w, b, WEB_C1, VMX_APIC_ACCESS);
		add_mmio(w, b + 1 * US, WEB_C1, 0xfee00300, KE_MMIO_WRITE);
		add_entry(w, b + 4 * US, WEB_C1);
	}
	/* Port 0xc100 + 4q read q + 1 times, each answered by the VMM. */
	for (n = 0, i = 0; i < 20; i++) {
		int r;

		for (r = 0; r <= i; r++, n++) {
			uint64_t b = spread(t0, 640 * MS, 60 * MS, n, 210);

			add_exit(w, b, WEB_C1, VMX_IO_INSTRUCTION);
			add_user(w, b + 2 * US, WEB_C1, KVM_EXIT_IO, 0);
			add_pio(w, b + 20 * US, WEB_C1, 0xc100 + 4 * (uint32_t)i, 2, 0);
			add_entry(w, b + 22 * US, WEB_C1);
		}
	}
	for (n = 100, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 700 * MS, 10 * MS, i, n);

		add_exit(w, b, WEB_C1, VMX_EPT_MISCONFIG);
		add_mmio(w, b + 1 * US, WEB_C1, 0xfebf1000, KE_MMIO_WRITE);
		add_user(w, b + 2 * US, WEB_C1, KVM_EXIT_MMIO, 0);
		add_entry(w, b + 30 * US, WEB_C1);
	}
	for (n = 5 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 720 * MS, 20 * MS, i, n);

		add_exit(w, b, WEB_C0, VMX_MSR_WRITE);
		add_msr(w, b + 1 * US, WEB_C0, 0x6e0, 1);
		add_entry(w, b + 2 * US, WEB_C0);
	}
	for (n = 50, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 740 * MS, 5 * MS, i, n);

		add_exit(w, b, WEB_C0, VMX_MSR_READ);
		add_msr(w, b + 1 * US, WEB_C0, 0x40000020, 0);
		add_entry(w, b + 3 * US, WEB_C0);
	}
	for (n = 2 * p, i = 0; i < n; i++)
		vmx_virtio(w, spread(t0, 750 * MS, 200 * MS, i, n), i % 4 == 3);
	/* Preempted in the guest by a host thread for 5 ms, then a halt woken by its timer. */
	add_switch(w, t0 + 800 * MS, WEB_C1, PREEMPTER, KE_TASK_RUNNING);
	add_switch(w, t0 + 805 * MS, PREEMPTER, WEB_C1, 1);
	add_exit(w, t0 + 960 * MS, WEB_C1, VMX_HLT);
	add_switch(w, t0 + 960 * MS + 2 * US, WEB_C1, 0, 1);
	add_waking(w, t0 + 980 * MS, 0, WEB_C1, KE_CTX_HARDIRQ);
	add_switch(w, t0 + 980 * MS + 10 * US, 0, WEB_C1, KE_TASK_RUNNING);
	add_wakeup(w, t0 + 980 * MS + 11 * US, WEB_C1, 20 * MS);
	add_entry(w, t0 + 980 * MS + 12 * US, WEB_C1);
}

/*
 * The VM without a name: vCPU 0 rewrites its TSC deadline (2200/s at full load), takes
 * external interrupts (800/s), is preempted for 1 ms and writes the RTC index through the VMM
 * (50/s); vCPU 1 halts 100 times, woken by its timer (interrupt context), and is preempted
 * for 10 ms.
 */
static void vmx_anon(struct world *w, uint64_t t0, int p)
{
	int i, n;

	for (n = 22 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 400 * MS, i, n);

		add_exit(w, b, ANON_C0, VMX_MSR_WRITE);
		add_msr(w, b + 1 * US, ANON_C0, 0x6e0, 1);
		add_entry(w, b + 1500, ANON_C0);
	}
	for (n = 8 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 420 * MS, 200 * MS, i, n);

		add_exit(w, b, ANON_C0, VMX_EXTERNAL_INTERRUPT);
		add_entry(w, b + 800, ANON_C0);
	}
	add_switch(w, t0 + 650 * MS, ANON_C0, PREEMPTER, KE_TASK_RUNNING);
	add_switch(w, t0 + 651 * MS, PREEMPTER, ANON_C0, 1);
	for (n = 50, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 700 * MS, 10 * MS, i, n);

		add_exit(w, b, ANON_C0, VMX_IO_INSTRUCTION);
		add_pio(w, b + 1 * US, ANON_C0, 0x70, 1, 1);
		add_user(w, b + 2 * US, ANON_C0, KVM_EXIT_IO, 0);
		add_entry(w, b + 40 * US, ANON_C0);
	}
	for (n = 100, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 900 * MS, i, n);

		add_exit(w, b, ANON_C1, VMX_HLT);
		add_switch(w, b + 2 * US, ANON_C1, 0, 1);
		add_waking(w, b + 5 * MS, 0, ANON_C1, KE_CTX_HARDIRQ);
		add_switch(w, b + 5 * MS + 8 * US, 0, ANON_C1, KE_TASK_RUNNING);
		add_wakeup(w, b + 5 * MS + 9 * US, ANON_C1, 5 * MS);
		add_entry(w, b + 5 * MS + 10 * US, ANON_C1);
	}
	add_switch(w, t0 + 950 * MS, ANON_C1, PREEMPTER, KE_TASK_RUNNING);
	add_switch(w, t0 + 960 * MS, PREEMPTER, ANON_C1, 1);
}

/*
 * The VM with control bytes in its name: EPT violations (300/s at full load), 20 halts each
 * ended by its main thread (whose comm has control bytes too), 10 KVM_RUN interrupted.
 */
static void vmx_evil(struct world *w, uint64_t t0, int p)
{
	int i, n;

	for (n = 3 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 400 * MS, i, n);

		add_exit(w, b, EVIL_C0, VMX_EPT_VIOLATION);
		add_entry(w, b + 3 * US, EVIL_C0);
	}
	for (n = 20, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 420 * MS, 400 * MS, i, n);

		add_exit(w, b, EVIL_C0, VMX_HLT);
		add_switch(w, b + 1 * US, EVIL_C0, 0, 1);
		add_waking(w, b + 1 * MS, EVIL_MAIN, EVIL_C0, 0);
		add_switch(w, b + 1 * MS + 20 * US, 0, EVIL_C0, KE_TASK_RUNNING);
		add_wakeup(w, b + 1 * MS + 21 * US, EVIL_C0, 1 * MS);
		add_entry(w, b + 1 * MS + 22 * US, EVIL_C0);
	}
	for (n = 10, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 850 * MS, 10 * MS, i, n);

		add_exit(w, b, EVIL_C0, VMX_EXTERNAL_INTERRUPT);
		add_user(w, b + 1 * US, EVIL_C0, 0, -EINTR);
		add_entry(w, b + 5 * US, EVIL_C0);
	}
}

/* Second k of the vmx world: every VM, the one that goes away, and a stranger. */
static void vmx_second(struct world *w, int k)
{
	uint64_t t0 = (uint64_t)k * S;
	int i, p = load[k];

	vmx_web(w, t0, p);
	vmx_anon(w, t0, p);
	vmx_evil(w, t0, p);
	/* The VM that goes away runs 300 exits/s, then only 50 before its process ends. */
	for (i = 0; k < GONE_TICK && i < (k + 1 < GONE_TICK ? 300 : 50); i++) {
		uint64_t b = spread(t0, 1 * MS, 300 * MS, i, 300);

		add_exit(w, b, GONE_C0, VMX_EPT_VIOLATION);
		add_entry(w, b + 2 * US, GONE_C0);
	}
	for (i = 0; i < 5; i++)
		add_exit(w, t0 + 990 * MS + (uint64_t)i * US, STRANGER, VMX_HLT);
}

/*
 * Second k where kvm_exit does not fire and sched events are off: web01's vCPU 0 polls the
 * PM timer through the VMM (2000/s at full load, completions timed), rewrites its TSC
 * deadline and notifies through an ioeventfd; vCPU 1 writes the LAPIC ICR (2500/s) and EOI
 * in the kernel, the PIT, and halts. The VM without a name reads the HPET counter through
 * the VMM (2100/s); the other one writes the debug console port through the VMM.
 */
static void novmx_second(struct world *w, int k)
{
	uint64_t t0 = (uint64_t)k * S;
	int i, n, p = load[k];

	for (n = 20 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 400 * MS, i, n);

		add_user(w, b, WEB_C0, KVM_EXIT_IO, 0);
		add_pio(w, b + 9 * US, WEB_C0, 0x608, 4, 0);
	}
	for (n = p, i = 0; i < n; i++)
		add_msr(w, spread(t0, 420 * MS, 20 * MS, i, n), WEB_C0, 0x6e0, 1);
	for (n = 2 * p, i = 0; i < n; i++)
		add_fast_mmio(w, spread(t0, 450 * MS, 200 * MS, i, n), WEB_C0, 0xfe003000);
	for (n = 25 * p, i = 0; i < n; i++)
		add_mmio(w, spread(t0, 1 * MS, 400 * MS, i, n) + 30 * US, WEB_C1, 0xfee00300,
			 KE_MMIO_WRITE);
	for (n = 5 * p, i = 0; i < n; i++)
		add_mmio(w, spread(t0, 420 * MS, 200 * MS, i, n), WEB_C1, 0xfee000b0,
			 KE_MMIO_WRITE);
	for (n = 3 * p, i = 0; i < n; i++)
		add_pio(w, spread(t0, 640 * MS, 50 * MS, i, n), WEB_C1, 0x40, 1, 1);
	for (n = 50, i = 0; i < n; i++)
		add_wakeup(w, spread(t0, 700 * MS, 250 * MS, i, n), WEB_C1, 3 * MS);
	for (n = 21 * p, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 1 * MS, 400 * MS, i, n);

		add_mmio(w, b, ANON_C0, 0xfed000f0, KE_MMIO_READ_UNSATISFIED);
		add_user(w, b + 1 * US, ANON_C0, KVM_EXIT_MMIO, 0);
		add_mmio(w, b + 6 * US, ANON_C0, 0xfed000f0, KE_MMIO_READ);
	}
	for (n = 30, i = 0; i < n; i++) {
		uint64_t b = spread(t0, 420 * MS, 300 * MS, i, n);

		add_pio(w, b, EVIL_C0, 0x402, 1, 1);
		add_user(w, b + 1 * US, EVIL_C0, KVM_EXIT_IO, 0);
	}
	for (i = 0; k < GONE_TICK && i < (k + 1 < GONE_TICK ? 100 : 20); i++)
		add_pio(w, spread(t0, 1 * MS, 100 * MS, i, 100), GONE_C0, 0x70, 1, 1);
	for (i = 0; i < 3; i++)
		add_pio(w, t0 + 990 * MS + (uint64_t)i * US, STRANGER, 0x80, 1, 1);
}

/* ---- samples: procfs, perf, KVM stats ---- */

/*
 * What procfs shows of each thread in a second, to agree with its events: the vCPUs are on a
 * CPU but for their halts and preemptions, whatever the load, mostly in the guest; the
 * iothread runs a few microseconds per request, so with the load. ms of run, guest and wait
 * time, and switches in.
 */
static const struct thread_load {
	int tid;
	unsigned int run, guest, wait, slices;
} loads[] = {
	{ WEB_C0, 990, 950, 0, 200 },	{ WEB_C1, 975, 930, 5, 2 },   { ANON_C0, 994, 980, 1, 1 },
	{ ANON_C1, 490, 470, 11, 101 }, { EVIL_C0, 980, 960, 1, 20 }, { GONE_C0, 995, 980, 0, 1 },
};

/*
 * Grows a thread's cumulative times from the fixture's to tick k: vCPUs from loads[], the
 * iothread (6 ms a second at full load) and other threads (a few ms) with the load. Without
 * VMX the guest time stays 0, as on the host the fixture was recorded on, whose guest never
 * enters hardware guest mode.
 */
static void grow_thread(struct proc_thread *t, enum flavour fl, int k)
{
	struct thread_load l = { t->tid, 2 + (unsigned int)t->tid % 3, 0, 0, 4 };
	uint64_t g = grown(k);
	size_t i;

	if (t->kind == PROC_IOTHREAD)
		l = (struct thread_load){ t->tid, 6, 0, 1, 400 };
	for (i = 0; i < ARRAY_SIZE(loads); i++)
		if (loads[i].tid == t->tid) {
			l = loads[i];
			g = 100 * (uint64_t)(k - 1);
		}
	t->run_ns += l.run * MS * g / 100;
	t->guest_ns += fl == NOVMX ? 0 : l.guest * MS * g / 100;
	t->wait_ns += l.wait * MS * g / 100;
	t->slices += l.slices * g / 100;
}

/* The VM the test adds to the fixture's: named scratch, one vCPU, gone at GONE_TICK. */
static void scratch_vm(struct world *w, int v, int k)
{
	struct proc_vm *pv = &w->vms[v];
	struct proc_thread *th = w->th[v];
	int i;

	memset(pv, 0, sizeof(*pv));
	pv->pid = GONE;
	pv->starttime = 900000;
	strcpy(pv->comm, "qemu-system-x86");
	strcpy(pv->name, "scratch");
	pv->nvcpu_fds = 1;
	pv->threads = th;
	pv->nthreads = 2;
	memset(th, 0, 2 * sizeof(*th));
	for (i = 0; i < 2; i++) {
		th[i].tid = GONE + i;
		th[i].kind = i ? PROC_VCPU : PROC_OTHER;
		th[i].index = i ? 0 : -1;
		strcpy(th[i].comm, i ? "CPU 0/KVM" : "qemu-system-x86");
		th[i].run_ns = 40 * MS;
		grow_thread(&th[i], w->fl, k);
	}
}

/*
 * Fills w->scan for tick k from the fixture's scan. Two names are changed so that every
 * kind of label shows: db02 loses its name (a VMM started without -name shows comm:pid), and
 * the name with control bytes gets UTF-8 after them: an accent (passes), a wide character
 * and a bidi override (escaped or replaced), a byte that is not UTF-8.
 */
static void scan_build(struct world *w, int k)
{
	int v, i, n = 0;

	for (v = 0; v < w->fixture.nvms; v++, n++) {
		const struct proc_vm *src = &w->fixture.vms[v];
		struct proc_vm *pv = &w->vms[n];

		ck_assert_int_le(src->nthreads, THR_MAX);
		*pv = *src;
		pv->threads = w->th[n];
		memcpy(pv->threads, src->threads, (size_t)src->nthreads * sizeof(*src->threads));
		if (pv->pid == ANON)
			pv->name[0] = '\0';
		if (pv->pid == EVIL)
			strcat(pv->name, " caf\xc3\xa9 \xe6\x97\xa5 \xe2\x80\xae\xff");
		for (i = 0; i < pv->nthreads; i++)
			grow_thread(&pv->threads[i], w->fl, k);
	}
	if (k < GONE_TICK)
		scratch_vm(w, n++, k);
	w->scan.ts_ns = (uint64_t)k * S;
	w->scan.vms = w->vms;
	w->scan.nvms = n;
}

static struct ctr_raw *ctr(struct ctr_set *s, const char *name, enum ctr_kind kind, uint64_t value,
			   int err)
{
	struct ctr_raw *c = ctr_set_add(s, name, kind);

	c->value = value;
	c->err = err;
	return c;
}

/*
 * A thread's perf counters at tick k: task-clock follows its run time, context switches its
 * slices; guest IPC 1.25 (an iothread has no guest cycles), host IPC 0.5. The VM without a
 * name has its hardware group
 * multiplexed (running half the time it is enabled); the one with control bytes may not
 * count hardware events (perf_event_paranoid); in the novmx world nothing may be counted.
 */
static void perf_thread(struct perf_thread_sample *ts, const struct proc_vm *pv,
			const struct proc_thread *t, enum flavour fl, int k)
{
	static const char *const hw[] = { "cycles:mg", "instructions:mg", "cycles:mh",
					  "instructions:mh" };
	uint64_t g = grown(k), cyc = 25 * MS * g; /* 2.5 GHz at full load */
	uint64_t guest = t->kind == PROC_VCPU ? cyc * 9 / 10 : 0;
	uint64_t host = t->kind == PROC_VCPU ? cyc / 10 : cyc / 100;
	uint64_t vals[] = { guest, guest * 5 / 4, host, host / 2 };
	int i, err = fl == NOVMX ? -EACCES : 0;

	ts->pid = pv->pid;
	ts->tid = t->tid;
	ts->set.ts_ns = (uint64_t)k * S;
	ctr(&ts->set, "task-clock", CTR_TIME_NS, t->run_ns * 97 / 100, err);
	ctr(&ts->set, "context-switches", CTR_COUNT, t->slices, err);
	ctr(&ts->set, "cpu-migrations", CTR_COUNT, g * (uint64_t)(t->tid % 7) / 25, err);
	for (i = 0; i < 4; i++) {
		struct ctr_raw *c =
			ctr(&ts->set, hw[i], CTR_COUNT, vals[i], pv->pid == EVIL ? -EACCES : err);

		c->hw = true;
		if (pv->pid == ANON) {
			c->enabled = 10 * MS * (g + 1);
			c->running = c->enabled / 2;
		}
	}
}

/* Hands the model perf counts of every vCPU and iothread in the scan, as the tick loop does. */
static void perf_update(struct world *w, int k)
{
	struct perf_thread_sample th[VMS_MAX * THR_MAX];
	struct perf_sample ps = { .ts_ns = (uint64_t)k * S, .threads = th };
	int v, i;

	memset(th, 0, sizeof(th));
	for (v = 0; v < w->scan.nvms; v++)
		for (i = 0; i < w->scan.vms[v].nthreads; i++) {
			const struct proc_thread *t = &w->scan.vms[v].threads[i];

			if (t->kind != PROC_OTHER)
				perf_thread(&th[ps.nthreads++], &w->scan.vms[v], t, w->fl, k);
		}
	model_update_perf(&w->m, &ps);
	for (i = 0; i < ps.nthreads; i++)
		ctr_set_free(&th[i].set);
}

/* Copies a recorded set to tick k: counts and times grow by a tenth of the value a second. */
static void grow_set(struct ctr_set *dst, const struct ctr_set *src, int k)
{
	int i;

	ctr_set_copy(dst, src);
	dst->ts_ns = (uint64_t)k * S;
	for (i = 0; i < dst->n; i++) {
		struct ctr_raw *c = &dst->v[i];

		/* Small values stay: quiet counters are hidden until `x`. */
		if ((c->kind == CTR_COUNT || c->kind == CTR_TIME_NS) && c->value >= 10)
			c->value += c->value / 10 * grown(k) / 100;
	}
}

/*
 * KVM stats at tick k. vmx: the recorded debugfs tree, its VM (4242-12 there) taken as
 * web01's. novmx: tracepoint counters, as under lockdown, with the tracepoints the trace
 * records counted from its stream by the model.
 */
static void kvmstat_update(struct world *w, int k)
{
	struct kvmstat_sample ks = { .ts_ns = (uint64_t)k * S };
	struct kstat_vcpu vc[2] = { { .index = 0 }, { .index = 1 } };
	struct kstat_vm kv[2] = { { .pid = WEB, .fd = 12, .vcpus = vc, .nvcpus = 2 },
				  { .pid = ANON, .fd = -1 } };
	uint64_t g = grown(k);
	int i;

	if (w->fl == VMX) {
		ks.source = w->kfixture.source;
		ck_assert_int_eq(w->kfixture.nvms, 1);
		ck_assert_int_eq(w->kfixture.vms[0].nvcpus, 2);
		grow_set(&ks.host, &w->kfixture.host, k);
		grow_set(&kv[0].set, &w->kfixture.vms[0].set, k);
		for (i = 0; i < 2; i++) {
			vc[i].index = w->kfixture.vms[0].vcpus[i].index;
			grow_set(&vc[i].set, &w->kfixture.vms[0].vcpus[i].set, k);
		}
		ks.nvms = 1;
	} else {
		/* The host's: every tracepoint counted per CPU (two of them here). */
		ks.source = "tracepoint";
		ks.tp_host.ts_ns = kv[0].set.ts_ns = kv[1].set.ts_ns = ks.ts_ns;
		vc[0].set.ts_ns = vc[1].set.ts_ns = ks.ts_ns;
		ctr(&ks.tp_host, "kvm_fpu", CTR_COUNT, 20 * g, 0);
		ctr(&ks.tp_host, "kvm_set_irq", CTR_COUNT, 5 * g, 0);
		ctr(&kv[0].set, "kvm_fpu", CTR_COUNT, 15 * g, 0);
		ctr(&kv[0].set, "kvm_set_irq", CTR_COUNT, 3 * g, 0);
		ctr(&vc[0].set, "kvm_fpu", CTR_COUNT, 10 * g, 0);
		ctr(&vc[1].set, "kvm_fpu", CTR_COUNT, 5 * g, 0);
		ctr(&kv[1].set, "kvm_fpu", CTR_COUNT, 2 * g, 0);
		ctr(&kv[1].set, "kvm_set_irq", CTR_COUNT, 0, 0);
		ks.nvms = 2;
	}
	ks.vms = kv;
	model_update_kvmstat(&w->m, &ks);
	ctr_set_free(&ks.host);
	ctr_set_free(&ks.tp_host);
	for (i = 0; i < 2; i++) {
		ctr_set_free(&kv[i].set);
		ctr_set_free(&vc[i].set);
	}
}

/* Names of host threads the wake graph meets, as /proc/TID/comm would give them. */
static void name_wakers(struct world *w)
{
	int tids[16], i, n = model_wake_unnamed(&w->m, tids, (int)ARRAY_SIZE(tids));

	for (i = 0; i < n; i++)
		model_wake_name(&w->m, tids[i], tids[i] == KWORKER ? "kworker/u8:3" : "?");
}

/* The probes' part of tick k, in the tick loop's order: procfs, counters, host names. */
static void world_sample(struct world *w, int k)
{
	scan_build(w, k);
	model_update_procfs(&w->m, &w->scan);
	perf_update(w, k);
	if (w->fl != NOTRACE)
		kvmstat_update(w, k);
	name_wakers(w);
	/* Ring-buffer overruns, as the trace source reports its running total. */
	model_set_lost(&w->m, w->fl == NOTRACE ? 0 : k < 3 ? 0 : 37 + 15 * (uint64_t)(k - 3));
	if (w->fl == NOTRACE)
		model_set_detail(&w->m, &(struct model_detail){ .mode = SNAP_DETAIL_OFF });
}

static void set_source(struct model *m, const char *name, enum source_state state, const char *why)
{
	struct source_status st = { .name = name, .state = state };

	strlcpy0(st.why, why, sizeof(st.why));
	model_set_source(m, &st);
}

/* Sources as the tick loop records them: the trace first, then procfs, perf, kvmstat, sched. */
static void world_sources(struct world *w)
{
	struct model *m = &w->m;

	switch (w->fl) {
	case VMX:
		set_source(m, "tracefs", SOURCE_OK, "");
		model_set_source(m, procfs_status(w->pfs));
		set_source(m, "perf", SOURCE_DEGRADED,
			   "cycles:mg, instructions:mg, cycles:mh, instructions:mh: "
			   "perf_event_paranoid");
		model_set_source(m, kvmstat_status(w->kstat));
		set_source(m, "sched", SOURCE_OK, "filtered to 19 threads");
		break;
	case NOVMX:
		set_source(m, "tracefs", SOURCE_OK, "");
		model_set_source(m, procfs_status(w->pfs));
		set_source(m, "perf", SOURCE_UNAVAILABLE,
			   "task-clock, context-switches, cpu-migrations, cycles:mg, "
			   "instructions:mg, cycles:mh, instructions:mh: perf_event_paranoid");
		set_source(m, "kvmstat", SOURCE_DEGRADED,
			   "tracepoint counters (debugfs: kernel lockdown)");
		set_source(m, "sched", SOURCE_OFF, "--sched off");
		break;
	case NOTRACE:
		set_source(m, "tracefs", SOURCE_OFF, "--no-trace");
		model_set_source(m, procfs_status(w->pfs));
		set_source(m, "perf", SOURCE_DEGRADED,
			   "cycles:mg, instructions:mg, cycles:mh, instructions:mh: "
			   "perf_event_paranoid");
		set_source(m, "kvmstat", SOURCE_UNAVAILABLE, "debugfs: kernel lockdown");
		break;
	}
}

/* Host facts of each world, set rather than read: nothing depends on the machine. */
static void world_host(struct world *w)
{
	struct proc_host h = { .ncpus = 16 };

	strcpy(h.hostname, "hv-golden");
	strcpy(h.release, "6.18.0-golden");
	strcpy(h.kvm_module, "kvm_intel");
	if (w->fl == NOVMX) {
		strcpy(h.hostname, "pvm-host");
		strcpy(h.release, "6.18.0-pvm");
		strcpy(h.kvm_module, "kvm_pvm");
		h.ncpus = 4;
	} else if (w->fl == NOTRACE) {
		/* A hostile hostname, escaped in the header; /dev/kvm not registered. */
		strcpy(h.hostname, "hv\x1b[31m-caf\xc3\xa9");
		h.kvm_unregistered = true;
	}
	model_set_host(&w->m, &h);
}

/* Starts a world at tick 1 (1 s): the first scan and counter samples, then the first interval. */
static void world_init(struct world *w, enum flavour fl)
{
	struct exit_names names;

	memset(w, 0, sizeof(*w));
	w->fl = fl;
	model_init(&w->m, 0);
	if (fl != NOTRACE) {
		synth_names(&names);
		model_set_exit_names(&w->m, &names);
		exit_names_free(&names);
	}
	if (fl == NOVMX) {
		model_count_traced(&w->m, KE_PIO, "kvm_pio");
		model_count_traced(&w->m, KE_MMIO, "kvm_mmio");
		model_count_traced(&w->m, KE_FAST_MMIO, "kvm_fast_mmio");
		model_count_traced(&w->m, KE_MSR, "kvm_msr");
		model_count_traced(&w->m, KE_USER_EXIT, "kvm_userspace_exit");
		model_count_traced(&w->m, KE_VCPU_WAKEUP, "kvm_vcpu_wakeup");
	}
	world_host(w);
	w->pfs = procfs_open(FIXTURES "/proc");
	ck_assert_ptr_nonnull(w->pfs);
	ck_assert_int_eq(procfs_sample(w->pfs, &w->fixture), 0);
	ck_assert_int_eq(w->fixture.nvms, 3);
	ck_assert_int_eq(w->fixture.vms[0].pid, WEB);
	ck_assert_int_eq(w->fixture.vms[1].pid, ANON);
	ck_assert_int_eq(w->fixture.vms[2].pid, EVIL);
	w->kstat = kvmstat_open(FIXTURES "/debugfs", NULL, false, NULL);
	ck_assert_int_eq(kvmstat_sample(w->kstat, &w->kfixture), 0);
	world_sources(w);
	world_sample(w, 1);
	model_prime(&w->m, 1 * S);
}

/* Runs the world to tick k: the events of second k - 1, then the probes' samples at k s. */
static void world_tick(struct world *w, int k)
{
	if (w->fl == VMX)
		vmx_second(w, k - 1);
	else if (w->fl == NOVMX)
		novmx_second(w, k - 1);
	feed(w);
	world_sample(w, k);
}

/* Returns the snapshot of tick k, its wall clock at WALL_T0 + k. */
static struct snapshot *world_snap(struct world *w, int k, bool cumulative)
{
	return model_snapshot(&w->m, (uint64_t)k * S, WALL_T0 + k, cumulative);
}

static void world_free(struct world *w)
{
	model_free(&w->m);
	procfs_sample_free(&w->fixture);
	procfs_close(w->pfs);
	kvmstat_sample_free(&w->kfixture);
	kvmstat_close(w->kstat);
	free(w->ev);
	free(w->seq);
}

/* ---- outputs ---- */

/*
 * Checks that the model's snapshot s reads back from its JSON the same, field by field, in
 * both forms: what batch JSON prints and what a recording holds.
 */
static void read_back(const struct snapshot *s)
{
	enum snapjson_form form;
	struct snapshot *back;
	char *buf, why[512];
	size_t len;
	FILE *f;

	for (form = SNAPJSON_FULL; form <= SNAPJSON_COMPACT; form++) {
		f = open_memstream(&buf, &len);
		snapjson_write_form(f, s, NULL, form);
		ck_assert_int_eq(fclose(f), 0);
		ck_assert_msg(!snapread_parse(buf, len, &back, NULL, why, sizeof(why)), "%s", why);
		ck_assert_msg(!snapcmp_lat(s, back, why, sizeof(why), form == SNAPJSON_FULL),
			      "tick %u, form %d: %s", s->seq, form, why);
		snapshot_free(back);
		free(buf);
	}
}

/*
 * Writes batch records of snapshots s[0..n) as `kvmscope -b` would, in text or JSON: text in
 * one table kept from record to record, as kvmscope does; each record the same with a
 * table of its own.
 */
static void batch_golden(const char *name, struct snapshot *const *s, int n,
			 enum batch_format format, bool detail, bool utf8)
{
	struct table kept = { 0 };
	const struct batch_opts o = {
		.format = format, .detail = detail, .utf8 = utf8, .table = &kept
	};
	struct batch_opts fresh = o;
	struct out out, each;
	int i;

	fresh.table = NULL;
	out_open(&out);
	out_open(&each);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(batch_print(out.f, s[i], &o), 0);
		ck_assert_int_eq(batch_print(each.f, s[i], &fresh), 0);
		if (format == BATCH_JSON)
			read_back(s[i]);
	}
	table_free(&kept);
	ck_assert_int_eq(fclose(each.f), 0);
	ck_assert_int_eq(fflush(out.f), 0);
	ck_assert_uint_eq(each.len, out.len);
	ck_assert(!memcmp(each.buf, out.buf, out.len));
	free(each.buf);
	out_golden(&out, name);
}

/* Writes every header line of s, UTF-8 and ASCII, under a title. */
static void headers_of(FILE *f, const char *title, const struct snapshot *s)
{
	struct header h;
	int u;

	for (u = 1; u >= 0; u--) {
		fprintf(f, "# %s (%s)\n", title, u ? "utf8" : "ascii");
		header_fill(&h, s, u);
		header_print(f, &h);
	}
}

/* A TUI frame to compose: size, character set, the keys pressed first, what it shows. */
struct frame_spec {
	const char *file;
	int w, h;
	bool utf8;
	const char *keys; /* each byte one key, as view_key() takes it */
	const char *what;
};

/* The history frames draw sparklines from (frame_golden()); NULL: none. */
static const struct sparkhist *frame_hist;

/* Dumps a screen: each line's text, then each line's colours as runs "name*cells". */
static void dump_screen(FILE *f, const struct screen *scr)
{
	char line[4 * 512 + 1];
	int x, y, e;

	for (y = 0; y < scr->h; y++)
		fprintf(f, "%02d|%s\n", y, screen_line(scr, y, line, sizeof(line)));
	fputs("-- colours\n", f);
	for (y = 0; y < scr->h; y++) {
		fprintf(f, "%02d", y);
		for (x = 0; x < scr->w; x = e) {
			uint8_t c = screen_cell(scr, x, y)->color;

			for (e = x; e < scr->w && screen_cell(scr, e, y)->color == c; e++)
				;
			fprintf(f, " %s*%d", c < UC__N ? ui_colors[c].name : "?", e - x);
		}
		fputc('\n', f);
	}
	if (scr->cursor)
		fprintf(f, "-- cursor %d,%d\n", scr->cur_x, scr->cur_y);
}

/* Returns the colour of the first cell of the line showing text in scr, or -1. */
static int color_of(const struct screen *scr, const char *text)
{
	char line[4 * 512 + 1];
	int y;

	for (y = 0; y < scr->h; y++)
		if (strstr(screen_line(scr, y, line, sizeof(line)), text))
			return screen_cell(scr, 0, y)->color;
	return -1;
}

/*
 * Composes the frame of fs from s after its keys, each acting on the frame before it as in
 * the TUI, and compares it with its golden file. Leaves the frame in scr for more checks
 * (the caller frees it with screen_free).
 */
static void frame_golden(const struct frame_spec *fs, const struct snapshot *s,
			 const struct tick_ctl *ctl0, struct screen *scr)
{
	struct tick_ctl ctl = *ctl0;
	const char *k;
	struct view v;
	struct out out;
	char why[128];

	ck_assert_int_eq(view_init(&v, fs->utf8, NULL, why, sizeof(why)), 0);
	v.hist = frame_hist;
	memset(scr, 0, sizeof(*scr));
	screen_resize(scr, fs->w, fs->h, fs->utf8);
	view_compose(&v, s, &ctl, scr);
	for (k = fs->keys; *k; k++) {
		view_key(&v, (unsigned char)*k, &ctl);
		view_compose(&v, s, &ctl, scr);
	}
	out_open(&out);
	fprintf(out.f, "# %s: %dx%d %s, keys:", fs->what, fs->w, fs->h,
		fs->utf8 ? "utf8" : "ascii");
	for (k = fs->keys; *k; k++)
		fprintf(out.f, " %s", *k == '\n' ? "Enter" : *k == '\t' ? "Tab" : (char[2]){ *k });
	fprintf(out.f, "%s\n", *fs->keys ? "" : " none");
	dump_screen(out.f, scr);
	out_golden(&out, fs->file);
	view_free(&v);
}

/* ---- the vmx world ---- */

/* Returns the VM pid of s, asserted present. */
static const struct snap_vm *vm_of(const struct snapshot *s, int pid)
{
	const struct snap_vm *v = snapshot_vm(s, pid);

	ck_assert_msg(v != NULL, "VM %d missing", pid);
	return v;
}

static const struct snap_hot *hot_of(const struct snap_vm *v, int kind, uint64_t addr)
{
	const struct snap_hot *h = find_hot(v, kind, addr);

	ck_assert_msg(h != NULL, "hot address 0x%llx missing", (unsigned long long)addr);
	return h;
}

static const struct snap_exit *exit_of(const struct snap_vm *v, const char *name)
{
	const struct snap_exit *e = find_exit(v->exits, v->nexits, name);

	ck_assert_msg(e != NULL, "exit %s missing", name);
	return e;
}

/*
 * Checks that each exit is counted once in every scope of s: the rows of a VM or a vCPU add
 * up to its exits and their rate, and their shares to 100.
 */
static void exits_once(const struct snapshot *s)
{
	int v, k, i;

	for (v = 0; v < s->nvms; v++) {
		const struct snap_vm *vm = &s->vms[v];

		for (k = -1; k < vm->nthreads; k++) {
			const struct snap_exit *e = k < 0 ? vm->exits : vm->threads[k].exits;
			int n = k < 0 ? vm->nexits : vm->threads[k].nexits;
			uint64_t count = 0;
			double rate = 0, share = 0;

			for (i = 0; i < n; i++) {
				count += e[i].count;
				rate += e[i].rate;
				share += e[i].share;
			}
			ck_assert_uint_eq(count, k < 0 ? vm->exits_count : vm->threads[k].exits_count);
			ck_assert_double_eq_tol(rate, k < 0 ? vm->exits_rate : vm->threads[k].exits_rate,
						1e-6);
			if (n)
				ck_assert_double_eq_tol(share, 100.0, 1e-6);
		}
	}
}

/* Returns whether one of v's hints starts with prefix. */
static bool has_hint(const struct snap_vm *v, const char *prefix)
{
	int i;

	for (i = 0; i < v->nhints; i++)
		if (!strncmp(v->hints[i].text, prefix, strlen(prefix)))
			return true;
	return false;
}

/* What the vmx stream must show at tick 2 (second 1 at full load), by hand from the stream. */
static void check_vmx_tick2(const struct snapshot *s)
{
	const struct snap_vm *web = vm_of(s, WEB), *anon = vm_of(s, ANON);
	const struct snap_exit *e;
	const struct snap_hot *h;
	int i, other = 0;

	ck_assert_uint_eq(s->interval_ns, 1 * S);
	ck_assert_int_eq(s->nvms, 4);
	/*
	 * IO_INSTRUCTION 2000 + 3000 + 210, APIC_ACCESS 2500 + 1500 + 200 (virtio EOIs),
	 * EPT_MISCONFIG 100 + 200, MSR_WRITE 500, MSR_READ 50, HLT 200 + 1.
	 */
	ck_assert_uint_eq(web->exits_count, 10461);
	exits_once(s);
	e = exit_of(web, "IO_INSTRUCTION");
	ck_assert_uint_eq(e->count, 5210);
	ck_assert_double_eq_tol(e->rate, 5210.0, 1e-9);
	ck_assert_uint_eq(exit_of(web, "APIC_ACCESS")->count, 4200);
	/* Of those, the ones that went on to the VMM: part of the row, not a row. */
	ck_assert_uint_eq(e->vmm_count, 2210);
	for (i = 0; i < web->nexits; i++)
		ck_assert_str_ne(web->exits[i].name, "KVM_EXIT_IO");
	h = hot_of(web, HOT_PIO, 0x608);
	ck_assert_str_eq(h->name, "ACPI PM timer");
	ck_assert_double_eq_tol(h->rate, 2000.0, 1e-9);
	ck_assert(h->user);
	/* 1960 exits of 12 us and 40 of 120 us over 1 s of two vCPUs. */
	ck_assert_uint_eq(h->total_ns, 1960 * 12 * US + 40 * 120 * US);
	ck_assert_double_eq_tol(h->time_share, 100.0 * 28320 * US / 2e9, 1e-9);
	ck_assert_double_eq_tol(hot_of(web, HOT_PIO, 0x40)->rate, 3000.0, 1e-9);
	ck_assert_double_eq_tol(hot_of(web, HOT_MMIO, 0xfee000b0)->rate, 2700.0, 1e-9);
	ck_assert_double_eq_tol(hot_of(web, HOT_MMIO, 0xfee00300)->rate, 1500.0, 1e-9);
	for (i = 0; i < web->nhot; i++)
		other += web->hot[i].other;
	ck_assert_int_eq(other, 1);
	ck_assert(has_hint(web, "guest polls the ACPI PM timer (port 0x608)"));
	ck_assert(has_hint(web, "LAPIC register traffic"));
	ck_assert(has_hint(web, "guest drives the PIT"));
	ck_assert(has_hint(anon, "guest rewrites IA32_TSC_DEADLINE"));
	ck_assert_ptr_nonnull(web->wake);
	ck_assert_int_eq(web->wake->nrts, 1);
	ck_assert_uint_eq(web->wake->rts[0].count, 200);
	ck_assert_uint_eq(s->events_unattributed, 5);
	ck_assert(!vm_of(s, GONE)->gone);
}

static void vmx_run(struct world *w, struct snapshot **s)
{
	world_init(w, VMX);
	world_tick(w, 2);
	s[0] = world_snap(w, 2, false);
	world_tick(w, 3);
	s[1] = world_snap(w, 3, false);
}

START_TEST(vmx_batch)
{
	struct snapshot *s[2];
	struct world w;

	vmx_run(&w, s);
	check_vmx_tick2(s[0]);
	/* Second 2 at 80%: the PM timer at 1600/s no longer earns its hint; scratch is gone. */
	ck_assert(!has_hint(vm_of(s[1], WEB), "guest polls the ACPI PM timer"));
	ck_assert(vm_of(s[1], GONE)->gone);
	ck_assert_uint_eq(s[1]->events_lost, 37);
	batch_golden("vmx-host.txt", s, 2, BATCH_TEXT, false, true);
	batch_golden("vmx-detail.txt", s, 2, BATCH_TEXT, true, true);
	batch_golden("vmx.json", s, 2, BATCH_JSON, false, true);
	snapshot_free(s[0]);
	snapshot_free(s[1]);
	world_free(&w);
}
END_TEST

/*
 * Cumulative: ticks 2 and 3 since start, a reset at tick 4 (its snapshot covers nothing yet),
 * tick 5 the second after the reset only. Printed in ASCII, as into a pipe in the C locale.
 */
START_TEST(vmx_cumulative)
{
	struct tick_ctl ctl = { .delay_s = 1, .cumulative = true, .paused = true };
	const struct frame_spec fs = { .file = "frame-cumulative-80x24.txt",
				       .w = 80,
				       .h = 24,
				       .utf8 = true,
				       .keys = "",
				       .what = "cumulative after a reset, paused" };
	struct snapshot *s[4];
	struct screen scr;
	struct world w;
	int i;

	world_init(&w, VMX);
	world_tick(&w, 2);
	s[0] = world_snap(&w, 2, true);
	world_tick(&w, 3);
	s[1] = world_snap(&w, 3, true);
	world_tick(&w, 4);
	model_reset(&w.m, 4 * S);
	s[2] = world_snap(&w, 4, true);
	world_tick(&w, 5);
	s[3] = world_snap(&w, 5, true);

	/* 2000 + 1600 PM timer reads over 2 s; none in the empty window; then 1800 in 1 s. */
	ck_assert_uint_eq(hot_of(vm_of(s[1], WEB), HOT_PIO, 0x608)->count, 3600);
	ck_assert_double_eq_tol(hot_of(vm_of(s[1], WEB), HOT_PIO, 0x608)->rate, 1800.0, 1e-9);
	ck_assert_uint_eq(s[2]->window_ns, 0);
	ck_assert_int_eq(vm_of(s[2], WEB)->nhot, 0);
	ck_assert_uint_eq(s[3]->window_ns, 1 * S);
	ck_assert_uint_eq(hot_of(vm_of(s[3], WEB), HOT_PIO, 0x608)->count, 1800);
	ck_assert_ptr_null(snapshot_vm(s[3], GONE));
	batch_golden("vmx-cumulative.txt", s, 4, BATCH_TEXT, true, false);
	batch_golden("vmx-cumulative.json", s, 4, BATCH_JSON, false, false);
	frame_golden(&fs, s[3], &ctl, &scr);
	screen_free(&scr);
	for (i = 0; i < 4; i++)
		snapshot_free(s[i]);
	world_free(&w);
}
END_TEST

/* Frames of the vmx world's tick 3 (the scratch VM just gone), one view each. */
static const struct frame_spec vmx_frames[] = {
	{ "frame-host-200x60.txt", 200, 60, true, "", "host" },
	{ "frame-host-80x24.txt", 80, 24, true, "", "host" },
	{ "frame-host-80x24-ascii.txt", 80, 24, false, "", "host without UTF-8" },
	{ "frame-vm-200x60.txt", 200, 60, true, "\n", "the busiest VM" },
	{ "frame-vm-80x24.txt", 80, 24, true, "\n", "the busiest VM" },
	{ "frame-vcpu-200x60.txt", 200, 60, true, "\n\n", "its first vCPU" },
	{ "frame-vcpu-80x24.txt", 80, 24, true, "\n\n", "its first vCPU" },
	{ "frame-vm-hot-200x60.txt", 200, 60, true, "\n\t\n",
	  "the addresses behind the VM's busiest exit" },
	{ "frame-sorted-200x60.txt", 200, 60, true, "\tsR",
	  "host exits sorted by the next column, reversed" },
	{ "frame-filter-prompt-80x24.txt", 80, 24, true, "/web", "the filter being typed" },
	{ "frame-filter-200x60.txt", 200, 60, true, "/web\n", "host filtered to /web/" },
	{ "frame-zeros-200x60.txt", 200, 60, true, "\n\nx",
	  "its first vCPU with quiet rows shown" },
};

START_TEST(vmx_frames_tick3)
{
	const struct tick_ctl ctl = { .delay_s = 1 };
	struct snapshot *s[2];
	struct screen scr;
	struct world w;
	size_t i;

	vmx_run(&w, s);
	for (i = 0; i < ARRAY_SIZE(vmx_frames); i++) {
		const struct frame_spec *fs = &vmx_frames[i];

		frame_golden(fs, s[1], &ctl, &scr);
		/* What the colours must say, whatever else changes. */
		if (!strncmp(fs->file, "frame-host-", 11))
			ck_assert_msg(color_of(&scr, "web01") == UC_SELECT, "%s", fs->file);
		if (!strcmp(fs->file, "frame-host-200x60.txt"))
			ck_assert_int_eq(color_of(&scr, "scratch"), UC_DIM);
		if (!strcmp(fs->file, "frame-vm-200x60.txt"))
			ck_assert_int_eq(color_of(&scr, "vCPU mean"), UC_TOTAL);
		if (!strcmp(fs->file, "frame-vcpu-200x60.txt"))
			ck_assert_int_ge(color_of(&scr, "host > web01 > CPU 0/KVM"), 0);
		if (!strcmp(fs->file, "frame-filter-200x60.txt"))
			ck_assert_int_lt(color_of(&scr, "scratch"), 0);
		if (!strcmp(fs->file, "frame-filter-prompt-80x24.txt"))
			ck_assert(scr.cursor);
		screen_free(&scr);
	}
	snapshot_free(s[0]);
	snapshot_free(s[1]);
	world_free(&w);
}
END_TEST

/*
 * The rows' recent past: five seconds of the vmx world fed to a history of 1 s slots, the
 * sparklines drawn from it (the load goes 100, 80, 120, 90, 110%); and a latency
 * distribution on small screens.
 */
START_TEST(vmx_history_frames)
{
	static const struct frame_spec frames[] = {
		{ "frame-history-host-200x60.txt", 200, 60, true, "", "host, with history" },
		{ "frame-history-host-120x30-ascii.txt", 120, 30, false, "",
		  "host, with history, without UTF-8" },
		{ "frame-history-vm-200x60.txt", 200, 60, true, "\n", "the busiest VM, with history" },
		{ "frame-latency-80x24.txt", 80, 24, true, "\n\t\n",
		  "the distribution of the VM's busiest exit" },
		{ "frame-latency-40x12-ascii.txt", 40, 12, false, "\n\t\n",
		  "the distribution of the VM's busiest exit, on a tiny screen" },
	};
	const struct tick_ctl ctl = { .delay_s = 1 };
	struct sparkhist *h = sparkhist_new(SPARK_SLOTS);
	struct snapshot *s = NULL;
	struct screen scr;
	struct world w;
	size_t i;
	int k;

	world_init(&w, VMX);
	for (k = 1; k < TICKS_MAX; k++) {
		world_tick(&w, k);
		snapshot_free(s);
		s = world_snap(&w, k, false);
		sparkhist_feed(h, s);
	}
	frame_hist = h;
	for (i = 0; i < ARRAY_SIZE(frames); i++) {
		frame_golden(&frames[i], s, &ctl, &scr);
		screen_free(&scr);
	}
	frame_hist = NULL;
	sparkhist_free(h);
	snapshot_free(s);
	world_free(&w);
}
END_TEST

/* ---- the novmx world: kvm_exit does not fire ---- */

START_TEST(novmx)
{
	static const struct frame_spec frames[] = {
		{ "frame-novmx-host-200x60.txt", 200, 60, true, "", "host, no kvm_exit" },
		{ "frame-novmx-vm-200x60.txt", 200, 60, true, "\n", "the busiest VM, no kvm_exit" },
	};
	const struct tick_ctl ctl = { .delay_s = 1 };
	const struct snap_vm *web;
	struct snapshot *s[2];
	struct screen scr;
	struct world w;
	size_t i;

	world_init(&w, NOVMX);
	world_tick(&w, 2);
	s[0] = world_snap(&w, 2, false);
	world_tick(&w, 3);
	s[1] = world_snap(&w, 3, false);
	web = vm_of(s[0], WEB);
	exits_once(s[0]);
	exits_once(s[1]);
	/* The accesses are the exits: 2000 + 100 + 200 + 2500 + 500 + 300 of web01. */
	ck_assert_uint_eq(web->exits_count, 5600);
	ck_assert_uint_eq(exit_of(web, "io (pio)")->count, 2300);
	ck_assert_int_eq(exit_of(web, "io (pio)")->kind, EXIT_KIND_EVENT);
	ck_assert_uint_eq(exit_of(web, "io (pio)")->vmm_count, 2000);
	ck_assert_double_eq_tol(hot_of(web, HOT_PIO, 0x608)->rate, 2000.0, 1e-9);
	ck_assert(has_hint(web, "guest polls the ACPI PM timer (port 0x608)"));
	ck_assert(has_hint(web, "LAPIC register traffic"));
	ck_assert(has_hint(vm_of(s[0], ANON), "guest reads the HPET main counter"));
	ck_assert_int_eq(snapshot_thread(web, WEB_C0)->split.source, SPLIT_PROCFS);
	/* Without sched events nobody is seen waking anybody. */
	ck_assert_int_eq(web->wake ? web->wake->nedges : 0, 0);
	batch_golden("novmx-detail.txt", s, 2, BATCH_TEXT, true, true);
	batch_golden("novmx.json", s, 2, BATCH_JSON, false, true);
	for (i = 0; i < ARRAY_SIZE(frames); i++) {
		frame_golden(&frames[i], s[1], &ctl, &scr);
		screen_free(&scr);
	}
	snapshot_free(s[0]);
	snapshot_free(s[1]);
	world_free(&w);
}
END_TEST

/* ---- the notrace world: procfs and perf only ---- */

START_TEST(notrace)
{
	const struct frame_spec fs = { .file = "frame-notrace-80x24.txt",
				       .w = 80,
				       .h = 24,
				       .utf8 = true,
				       .keys = "",
				       .what = "host with tracing off" };
	const struct tick_ctl ctl = { .delay_s = 1 };
	struct snapshot *s[1];
	struct screen scr;
	struct world w;

	world_init(&w, NOTRACE);
	world_tick(&w, 2);
	s[0] = world_snap(&w, 2, false);
	ck_assert_uint_eq(s[0]->events, 0);
	ck_assert_int_eq(vm_of(s[0], WEB)->nexits, 0);
	/* vCPU 0 of web01 runs 99% of a CPU, 95% in the guest, from the grown schedstat. */
	ck_assert_double_eq_tol(snapshot_thread(vm_of(s[0], WEB), WEB_C0)->cpu.cpu, 99.0, 1e-6);
	ck_assert_double_eq_tol(snapshot_thread(vm_of(s[0], WEB), WEB_C0)->cpu.guest, 95.0, 1e-6);
	batch_golden("notrace-detail.txt", s, 1, BATCH_TEXT, true, true);
	batch_golden("notrace.json", s, 1, BATCH_JSON, false, true);
	frame_golden(&fs, s[0], &ctl, &scr);
	screen_free(&scr);
	snapshot_free(s[0]);
	world_free(&w);
}
END_TEST

/* ---- header lines of every world ---- */

START_TEST(headers)
{
	static const enum flavour fls[] = { VMX, NOVMX, NOTRACE };
	static const char *const names[] = { "vmx", "novmx", "notrace" };
	struct snapshot *s;
	struct world w;
	struct out out;
	char title[64], line[1024];
	struct header h;
	size_t f;
	int k;

	out_open(&out);
	for (f = 0; f < ARRAY_SIZE(fls); f++) {
		world_init(&w, fls[f]);
		for (k = 2; k <= (fls[f] == NOTRACE ? 2 : 4); k++) {
			world_tick(&w, k);
			if (k == 4)
				model_reset(&w.m, 4 * S);
			s = world_snap(&w, k, k == 4);
			snprintf(title, sizeof(title), "%s tick %d%s", names[f], k,
				 k == 4 ? " cumulative after a reset" : "");
			headers_of(out.f, title, s);
			header_fill(&h, s, true);
			header_events_text(&h, line, sizeof(line));
			if (fls[f] == VMX && k == 3)
				ck_assert_ptr_nonnull(strstr(line, "lost 37"));
			snapshot_free(s);
		}
		world_free(&w);
	}
	out_golden(&out, "headers.txt");
}
END_TEST

/* Numbers in C, characters in UTF-8, times in UTC: whatever the environment says. */
static void golden_env(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
	tzset();
}

static Suite *golden_suite(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("golden");

	tcase_add_checked_fixture(tc, golden_env, NULL);
	tcase_add_test(tc, vmx_batch);
	tcase_add_test(tc, vmx_cumulative);
	tcase_add_test(tc, vmx_frames_tick3);
	tcase_add_test(tc, vmx_history_frames);
	tcase_add_test(tc, novmx);
	tcase_add_test(tc, notrace);
	tcase_add_test(tc, headers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(golden_suite)
