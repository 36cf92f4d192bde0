// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition: running totals per series, fed one snapshot window at a time, written in
 * the Prometheus text format and OpenMetrics at once (the sample lines are the same; only
 * the family metadata and the end differ). Rendering is on the tick loop's time, so it
 * formats numbers by hand and copies pre-rendered label text: the labels of a series are
 * escaped once, when the series is born, not at every tick.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "openmetrics.h"
#include "pane.h"
#include "util.h"

/* ---- the families ---- */

enum fam {
	F_BUILD_INFO,
	F_HOST_INFO,
	F_HOST_CPUS,
	F_SOURCE_UP,
	F_EVENTS,
	F_EVENTS_LOST,
	F_EVENTS_UNATTR,
	F_TICKS,
	F_TICK_INTERVAL,
	F_TICK_LAG_MAX,
	F_VMS,
	F_HOST_KVM_EVENTS,
	F_HOST_KVM_SECONDS,
	F_HOST_KVM_STAT,
	F_VM_INFO,
	F_VM_VCPUS,
	F_VM_IOTHREADS,
	F_VM_CPU,
	F_VM_WAIT,
	F_EXITS,
	F_UEXITS,
	F_EXIT_TIME,
	F_UEXIT_TIME,
	F_VCPU_SECONDS,
	F_HOT,
	F_HOT_TIME,
	F_WAKES,
	F_WAKE_LAT,
	F_WAKES_UNMATCHED,
	F_RT,
	F_RT_PART,
	F_PERF_EVENTS,
	F_PERF_SECONDS,
	F_KVM_EVENTS,
	F_KVM_SECONDS,
	F_KVM_STAT,
	F_HINT,
	F_VCPU_EXITS,
	F_VCPU_UEXITS,
	F_VCPU_PERF_EVENTS,
	F_VCPU_PERF_SECONDS,
	F_VCPU_KVM_EVENTS,
	F_VCPU_KVM_SECONDS,
	F_VCPU_KVM_STAT,
	/* Written by openmetrics_tail() at scrape time. */
	F_SAMPLE_LAG,
	F_RENDER,
	F_SCRAPE,
	F_HTTP,
	F__N
};

static const struct om_family fams[F__N] = {
	[F_BUILD_INFO] = { "kvmscope_build_info", "info", "kvmscope's version" },
	[F_HOST_INFO] = { "kvmscope_host_info", "info", "The host's kernel and KVM module" },
	[F_HOST_CPUS] = { "kvmscope_host_cpus", "gauge", "Online CPUs of the host" },
	[F_SOURCE_UP] = { "kvmscope_source_up", "gauge",
			  "1 when a data source works (state ok or degraded), else 0; reason "
			  "is a word from a fixed set" },
	[F_EVENTS] = { "kvmscope_events_total", "counter", "Trace events read" },
	[F_EVENTS_LOST] = { "kvmscope_events_lost_total", "counter",
			    "Trace events lost to ring-buffer overruns" },
	[F_EVENTS_UNATTR] = { "kvmscope_events_unattributed_total", "counter",
			      "Trace events of threads of no known VM" },
	[F_TICKS] = { "kvmscope_ticks_total", "counter", "Samples taken (ticks of the loop)" },
	[F_TICK_INTERVAL] = { "kvmscope_tick_interval_seconds", "histogram",
			      "Time between two samples; buckets are multiples of the configured "
			      "delay" },
	[F_TICK_LAG_MAX] = { "kvmscope_tick_lag_max_seconds", "gauge",
			     "Longest time a sample came after its schedule, since start" },
	[F_VMS] = { "kvmscope_vms", "gauge", "VMs exported" },
	[F_HOST_KVM_EVENTS] = { "kvmscope_host_kvm_events_total", "counter",
				"Host-wide KVM statistics that count events" },
	[F_HOST_KVM_SECONDS] = { "kvmscope_host_kvm_seconds_total", "counter",
				 "Host-wide KVM statistics that count time" },
	[F_HOST_KVM_STAT] = { "kvmscope_host_kvm_stat", "gauge",
			      "Host-wide KVM statistics that are instant values" },
	[F_VM_INFO] = { "kvmscope_vm_info", "info", "A VM and its VMM's process name" },
	[F_VM_VCPUS] = { "kvmscope_vm_vcpus", "gauge", "vCPU threads of the VM" },
	[F_VM_IOTHREADS] = { "kvmscope_vm_iothreads", "gauge", "Iothreads of the VM" },
	[F_VM_CPU] = { "kvmscope_vm_cpu_seconds_total", "counter",
		       "CPU time of the VM's threads, in guest mode or in the host (procfs)" },
	[F_VM_WAIT] = { "kvmscope_vm_wait_seconds_total", "counter",
			"Time the VM's threads were runnable but waiting for a CPU (procfs)" },
	[F_EXITS] = { "kvmscope_exits_total", "counter",
		      "Exits by reason (kvm_exit), or accesses where kvm_exit does not fire" },
	[F_UEXITS] = { "kvmscope_userspace_exits_total", "counter",
		       "Exits handled by the VMM in userspace, by the reason of the exit they "
		       "belong to (a KVM_EXIT_ reason when none was seen)" },
	[F_EXIT_TIME] = { "kvmscope_exit_handling_seconds", "summary",
			  "Time from kvm_exit to the next kvm_entry; quantiles over the last "
			  "interval" },
	[F_UEXIT_TIME] = { "kvmscope_userspace_exit_handling_seconds", "summary",
			   "Time the VMM took to handle an exit; quantiles over the last "
			   "interval" },
	[F_VCPU_SECONDS] = { "kvmscope_vcpu_seconds_total", "counter",
			     "Wall time of each vCPU by state: guest, kernel (KVM), user (the "
			     "VMM), halted, waiting" },
	[F_HOT] = { "kvmscope_hot_accesses_total", "counter",
		    "Accesses to the busiest I/O ports, MMIO addresses and MSRs of each VM; "
		    "addr=\"other\" sums the rest" },
	[F_HOT_TIME] = { "kvmscope_hot_handling_seconds_total", "counter",
			 "Time spent handling the accesses of kvmscope_hot_accesses_total" },
	[F_WAKES] = { "kvmscope_wakes_total", "counter",
		      "Wakeups of the VM's threads by how they were woken" },
	[F_WAKE_LAT] = { "kvmscope_wake_latency_seconds", "summary",
			 "Time from sched_waking to the wakee running; the quantile is the "
			 "largest 0.99 quantile of the class's edges over the last interval" },
	[F_WAKES_UNMATCHED] = { "kvmscope_wakes_unmatched_total", "counter",
				"Wakeups whose wakee was never seen running" },
	[F_RT] = { "kvmscope_virtio_round_trip_seconds", "summary",
		   "Virtio round trips, notify to the vCPU running after the interrupt, by "
		   "notify address; quantiles over the last interval" },
	[F_RT_PART] = { "kvmscope_virtio_round_trip_part_seconds_total", "counter",
			"Time of the round trips by part: notify_to_iothread, "
			"iothread_to_inject, inject_to_vcpu" },
	[F_PERF_EVENTS] = { "kvmscope_perf_events_total", "counter",
			    "perf counters of the VM's vCPUs and iothreads, summed" },
	[F_PERF_SECONDS] = { "kvmscope_perf_seconds_total", "counter",
			     "perf time counters (task-clock) of the VM's vCPUs and iothreads, "
			     "summed" },
	[F_KVM_EVENTS] = { "kvmscope_kvm_events_total", "counter",
			   "KVM statistics of the VM that count events (debugfs, or tracepoint "
			   "counters)" },
	[F_KVM_SECONDS] = { "kvmscope_kvm_seconds_total", "counter",
			    "KVM statistics of the VM that count time" },
	[F_KVM_STAT] = { "kvmscope_kvm_stat", "gauge",
			 "KVM statistics of the VM that are instant values" },
	[F_HINT] = { "kvmscope_hint_active", "gauge",
		     "1 while a pattern with a known remedy storms in the VM (see the manual)" },
	[F_VCPU_EXITS] = { "kvmscope_vcpu_exits_total", "counter",
			   "Exits by reason per vCPU (--per-vcpu)" },
	[F_VCPU_UEXITS] = { "kvmscope_vcpu_userspace_exits_total", "counter",
			    "Exits handled by the VMM per vCPU (--per-vcpu)" },
	[F_VCPU_PERF_EVENTS] = { "kvmscope_vcpu_perf_events_total", "counter",
				 "perf counters per vCPU (--per-vcpu)" },
	[F_VCPU_PERF_SECONDS] = { "kvmscope_vcpu_perf_seconds_total", "counter",
				  "perf time counters per vCPU (--per-vcpu)" },
	[F_VCPU_KVM_EVENTS] = { "kvmscope_vcpu_kvm_events_total", "counter",
				"KVM statistics per vCPU that count events (--per-vcpu)" },
	[F_VCPU_KVM_SECONDS] = { "kvmscope_vcpu_kvm_seconds_total", "counter",
				 "KVM statistics per vCPU that count time (--per-vcpu)" },
	[F_VCPU_KVM_STAT] = { "kvmscope_vcpu_kvm_stat", "gauge",
			      "KVM statistics per vCPU that are instant values (--per-vcpu)" },
	[F_SAMPLE_LAG] = { "kvmscope_sample_lag_seconds", "gauge",
			   "Age of the sample this scrape reads" },
	[F_RENDER] = { "kvmscope_render_seconds", "gauge",
		       "Time the loop took to update the totals and render the exposition" },
	[F_SCRAPE] = { "kvmscope_scrape_duration_seconds", "summary",
		       "Time of completed /metrics requests, from request to the last byte "
		       "queued" },
	[F_HTTP] = { "kvmscope_http_requests_total", "counter",
		     "HTTP requests answered, by status code" },
};

const struct om_family *openmetrics_families(int *n)
{
	*n = F__N;
	return fams;
}

/* Hints by the words the model starts them with: a fixed set, so a bounded label. */
static const struct {
	const char *prefix;
	const char *id;
} hint_ids[] = {
	{ "guest polls the ACPI PM timer", "pm_timer" },
	{ "LAPIC register traffic", "lapic" },
	{ "guest drives the PIT", "pit" },
	{ "guest reads the HPET", "hpet" },
	{ "guest rewrites IA32_TSC_DEADLINE", "tsc_deadline" },
	{ "guest reads the Hyper-V reference counter", "hv_refcount" },
	{ "guest hammers the RTC", "rtc" },
};
#define HINT_OTHER ARRAY_SIZE(hint_ids)

static const char *const wake_how[WAKE__CLASSES] = {
	[WAKE_IOEVENTFD] = "ioeventfd", [WAKE_IRQFD] = "irqfd", [WAKE_IO] = "io",
	[WAKE_TIMER] = "timer",		[WAKE_OTHER] = "other",
};

enum { ST_GUEST, ST_KERNEL, ST_USER, ST_HALTED, ST_WAITING, ST__N };
static const char *const state_names[ST__N] = { "guest", "kernel", "user", "halted", "waiting" };
static const char *const rt_parts[3] = { "notify_to_iothread", "iothread_to_inject",
					 "inject_to_vcpu" };

/* Buckets of the tick interval, in multiples of the delay: on time is between 0.9 and 1.1. */
static const double tick_buckets[] = { 0.5, 0.9, 1.1, 1.5, 2, 3 };
#define TICK_BUCKETS ARRAY_SIZE(tick_buckets)

#define SOURCES_MAX SNAP_SOURCES_MAX

/* ---- series state ---- */

/* Pre-rendered label text of a series ("reason=\"HLT\""), owned by the series. */
struct frag {
	char *s;
	size_t n;
};

/* One exit reason of a scope, by the name it is shown with (the series' label). */
struct om_exit {
	uint8_t kind; /* enum exit_kind */
	char name[SNAP_NAME_MAX];
	struct frag f;
	uint64_t count, timed, sum_ns;
	uint64_t vmm; /* of count, those that went to the VMM (rows of an exit, not KVM_EXIT_*) */
	uint64_t vmm_timed, vmm_sum_ns;
	int64_t vmm_max_ns; /* over the last window; -1 when none was timed in it */
	int64_t p99_ns, max_ns; /* over the last window; -1 when nothing was timed in it */
};

struct om_exits {
	struct om_exit *v;
	int n, cap;
};

/* Which family a counter of a snapshot goes to. */
enum { C_EVENTS, C_SECONDS, C_STAT };

/* One counter: a running total, or (C_STAT) the latest value. */
struct om_ctr {
	char name[SNAP_NAME_MAX];
	char source[12];
	uint8_t cls; /* C_* */
	struct frag f;
	uint64_t total;
	bool seen; /* in the last update (a stat is shown only then) */
};

struct om_ctrs {
	struct om_ctr *v;
	int n, cap;
};

/* One vCPU of a VM, by index: threads that come and go under one index add up. */
struct om_vcpu {
	int index;
	struct frag f; /* vcpu="N" */
	uint64_t ns[ST__N];
	uint8_t known; /* states ever measured, by bit */
	bool seen;
	struct om_exits ex;
	struct om_ctrs perf, kvm;
};

/* One address that holds an exported slot: a hot address or a virtio notify address. */
struct om_slot {
	bool used;
	bool timed; /* some handling time was measured */
	uint8_t kind;
	uint64_t addr;
	struct frag f;
	uint64_t count, sum_ns;
	uint64_t part_ns[3];
	int64_t q50_ns, q99_ns; /* round trips: over the last window, -1 when none */
	uint64_t weight;	/* recent accesses, halved every tick: who keeps a slot */
};

/* The slots of one kind and what goes past them. */
struct om_slots {
	struct om_slot s[OM_HOT_TOP_MAX];
	struct om_slot other; /* used once anything went to it */
};

/* One VM, by pid and start time. */
struct om_vm {
	int pid;
	uint64_t starttime;
	bool seen;
	char label[SNAP_LABEL_MAX], uuid[SNAP_UUID_MAX], comm[SNAP_COMM_MAX];
	struct frag prefix; /* vm="...",pid="..."[,uuid="..."] */
	struct frag info;   /* comm="..." */
	int nvcpus, niothreads;
	uint64_t cpu_ns[2], wait_ns;
	bool cpu_known;
	struct om_exits ex;
	struct om_vcpu *vcpus;
	int nv, capv;
	struct om_slots hot[HOT__KINDS];
	struct om_slots rt;
	bool wake_known;
	uint64_t wakes[WAKE__CLASSES], wtimed[WAKE__CLASSES], wlat_ns[WAKE__CLASSES];
	int64_t wp99_ns[WAKE__CLASSES];
	uint64_t unmatched;
	struct om_ctrs perf, kvm;
	uint32_t hints; /* bit per hint_ids entry, HINT_OTHER for one of none */
	bool traced;	/* the trace runs: exits and hints mean something */
};

struct om_source {
	char name[16];
	uint8_t state;
	const char *reason;
};

struct openmetrics {
	struct om_config cfg;
	struct om_vm **vms; /* in the order of the last snapshot */
	int nvms, cap;
	bool updated;
	struct frag build, host;
	int ncpus;
	struct om_source src[SOURCES_MAX];
	int nsrc;
	uint64_t events, lost, unattributed;
	uint64_t ticks;
	uint64_t delay_ns;
	uint64_t tick_bucket[TICK_BUCKETS];
	uint64_t tick_sum_ns, lag_max_ns;
	struct om_ctrs host_ctr;
};

/* ---- text ---- */

void om_buf_free(struct om_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void buf_put(struct om_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Returns the length of raw written to dst as a label value: visible, then escaped. */
static size_t label_esc(char *dst, size_t dstsz, const char *raw)
{
	char vis[4 * SNAP_VMNAME_MAX + 8];
	size_t n = escape_text(vis, sizeof(vis), raw, (size_t)-1, true), i, o = 0;

	/* escape_text made newlines and quotes-free controls visible; backslashes and quotes
	 * remain for the exposition's own escaping. */
	for (i = 0; i < n && o + 3 < dstsz; i++) {
		if (vis[i] == '\\' || vis[i] == '"')
			dst[o++] = '\\';
		dst[o++] = vis[i];
	}
	dst[o] = '\0';
	return o;
}

/* Returns nothing; sets f to the formatted text (replacing what it held). */
static void frag_set(struct frag *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void frag_set(struct frag *f, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	free(f->s);
	f->s = xmalloc((size_t)n + 1);
	memcpy(f->s, buf, (size_t)n + 1);
	f->n = (size_t)n;
}

static void frag_free(struct frag *f)
{
	free(f->s);
	f->s = NULL;
	f->n = 0;
}

/* Returns the number of characters of v in decimal written to p (24 bytes are enough). */
static size_t put_u64(char *p, uint64_t v)
{
	char t[24];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

/*
 * Returns the number of characters of ns as seconds written to p (32 bytes): exact, with
 * trailing zeros dropped; with dot, at least one digit after the point ("2.0"), as the
 * canonical numbers OpenMetrics wants in le and quantile labels.
 */
static size_t put_secs(char *p, uint64_t ns, bool dot)
{
	size_t n = put_u64(p, ns / 1000000000u);
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	int i;

	if (!frac) {
		if (dot) {
			p[n++] = '.';
			p[n++] = '0';
		}
		return n;
	}
	p[n++] = '.';
	for (i = 8; i >= 0; i--) {
		p[n + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 9;
	while (p[n - 1] == '0')
		n--;
	return n;
}

/* ---- the writer: one line at a time, into every buffer asked for ---- */

#define LINE_MAX 4096

struct om_w {
	struct om_buf **b; /* [OM__FORMATS], NULL entries skipped */
	enum fam pending;  /* family whose metadata is due before its first sample */
	bool has_pending;
	char line[LINE_MAX];
	size_t n;
	bool open;  /* a '{' was written */
	bool trunc; /* the line did not fit: it is dropped */
};

static void w_put(struct om_w *w, const char *s, size_t n)
{
	if (w->n + n >= LINE_MAX) {
		w->trunc = true;
		return;
	}
	memcpy(w->line + w->n, s, n);
	w->n += n;
}

static void w_puts(struct om_w *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* Returns nothing; writes the HELP and TYPE lines of f in format fmt to b. */
static void meta(struct om_buf *b, const struct om_family *f, enum om_format fmt)
{
	const char *type = f->type;
	size_t n = strlen(f->name);
	char buf[512];
	int len;

	if (fmt == OM_OPENMETRICS) {
		/* OpenMetrics names a family without the suffix its samples carry. */
		if (!strcmp(type, "counter") && n > 6 && !strcmp(f->name + n - 6, "_total"))
			n -= 6;
		else if (!strcmp(type, "info") && n > 5 && !strcmp(f->name + n - 5, "_info"))
			n -= 5;
	} else if (!strcmp(type, "info")) {
		type = "gauge";
	}
	len = snprintf(buf, sizeof(buf), "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, f->name,
		       f->help, (int)n, f->name, type);
	buf_put(b, buf, (size_t)MIN(len, (int)sizeof(buf) - 1));
}

static void w_family(struct om_w *w, enum fam f)
{
	w->pending = f;
	w->has_pending = true;
}

/* Starts a sample line of the pending family, name + suffix ("_sum", "_count", ""). */
static void w_start(struct om_w *w, const char *suffix)
{
	w->n = 0;
	w->open = false;
	w->trunc = false;
	w_puts(w, fams[w->pending].name);
	w_puts(w, suffix);
}

/* Adds pre-rendered label text (no leading comma); empty text adds nothing. */
static void w_frag(struct om_w *w, const struct frag *f)
{
	if (!f->n)
		return;
	w_put(w, w->open ? "," : "{", 1);
	w->open = true;
	w_put(w, f->s, f->n);
}

/* Adds one label whose value needs no escaping (constants, numbers). */
static void w_label(struct om_w *w, const char *key, const char *val)
{
	w_put(w, w->open ? "," : "{", 1);
	w->open = true;
	w_puts(w, key);
	w_put(w, "=\"", 2);
	w_puts(w, val);
	w_put(w, "\"", 1);
}

/* Ends the line with its value text and hands it to every buffer. */
static void w_end(struct om_w *w, const char *val, size_t vn)
{
	int f;

	if (w->open)
		w_put(w, "}", 1);
	w_put(w, " ", 1);
	w_put(w, val, vn);
	w_put(w, "\n", 1);
	if (w->trunc)
		return;
	for (f = 0; f < OM__FORMATS; f++) {
		if (!w->b[f])
			continue;
		if (w->has_pending)
			meta(w->b[f], &fams[w->pending], (enum om_format)f);
		buf_put(w->b[f], w->line, w->n);
	}
	w->has_pending = false;
}

static void w_u64(struct om_w *w, uint64_t v)
{
	char t[24];

	w_end(w, t, put_u64(t, v));
}

static void w_secs(struct om_w *w, uint64_t ns)
{
	char t[32];

	w_end(w, t, put_secs(t, ns, false));
}

/* A quantile in ns, NaN when nothing was measured (ns < 0). */
static void w_qsecs(struct om_w *w, int64_t ns)
{
	if (ns < 0)
		w_end(w, "NaN", 3);
	else
		w_secs(w, (uint64_t)ns);
}

/* ---- counters of a snapshot ---- */

/* Returns the family class of a counter, or -1 for one not exported (ratios, unread). */
static int ctr_class(const struct snap_counter *c)
{
	if (c->why[0])
		return -1;
	switch (c->kind) {
	case SNAP_CTR_COUNT:
	case SNAP_CTR_HIST:
		return C_EVENTS;
	case SNAP_CTR_TIME_NS:
		return C_SECONDS;
	case SNAP_CTR_GAUGE:
		return C_STAT;
	default:
		return -1;
	}
}

/*
 * Returns the record of counter c (class cls) in t, made on first sight; with_source puts
 * the source in its labels (KVM statistics come from debugfs or tracepoints).
 */
static struct om_ctr *ctr_get(struct om_ctrs *t, const struct snap_counter *c, int cls,
			      bool with_source)
{
	char name[6 * SNAP_NAME_MAX], src[64];
	struct om_ctr *r;
	int i;

	for (i = 0; i < t->n; i++) {
		r = &t->v[i];
		if (r->cls == cls && !strcmp(r->name, c->name) && !strcmp(r->source, c->source))
			return r;
	}
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	r = &t->v[t->n++];
	memset(r, 0, sizeof(*r));
	strlcpy0(r->name, c->name, sizeof(r->name));
	strlcpy0(r->source, c->source, sizeof(r->source));
	r->cls = (uint8_t)cls;
	label_esc(name, sizeof(name), c->name);
	if (with_source) {
		label_esc(src, sizeof(src), c->source);
		frag_set(&r->f, "stat=\"%s\",source=\"%s\"", name, src);
	} else {
		frag_set(&r->f, "event=\"%s\"", name);
	}
	return r;
}

/* Adds a window's counters c[0..n) to t; perf selects perf counters, else the others. */
static void ctrs_add(struct om_ctrs *t, const struct snap_counter *c, int n, bool perf)
{
	int i, cls;

	for (i = 0; i < n; i++, c++) {
		struct om_ctr *r;

		if (!strcmp(c->source, "perf") != perf || (cls = ctr_class(c)) < 0)
			continue;
		/* perf counts nothing instant: its gauges (none today) are left out. */
		if (perf && cls == C_STAT)
			continue;
		r = ctr_get(t, c, cls, !perf);
		if (cls == C_STAT)
			r->total = c->value;
		else
			r->total += c->count;
		r->seen = true;
	}
}

static void ctrs_unsee(struct om_ctrs *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		t->v[i].seen = false;
}

static void ctrs_free(struct om_ctrs *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		frag_free(&t->v[i].f);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- exits ---- */

static struct om_exit *exit_get(struct om_exits *t, const struct snap_exit *e)
{
	char name[6 * SNAP_NAME_MAX];
	struct om_exit *r;
	int i;

	/*
	 * By name within its family (exits to the VMM apart): rows of two kinds named alike
	 * (two "other" rows of full tables) would otherwise make one series twice.
	 */
	for (i = 0; i < t->n; i++)
		if ((t->v[i].kind == EXIT_KIND_USER) == (e->kind == EXIT_KIND_USER) &&
		    !strcmp(t->v[i].name, e->name))
			return &t->v[i];
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	r = &t->v[t->n++];
	memset(r, 0, sizeof(*r));
	r->kind = e->kind;
	strlcpy0(r->name, e->name, sizeof(r->name));
	r->p99_ns = r->max_ns = r->vmm_max_ns = -1;
	label_esc(name, sizeof(name), e->name);
	frag_set(&r->f, "reason=\"%s\"", name);
	return r;
}

/* Adds a window's exit rows to t; quantiles of rows not in the window become unknown. */
static void exits_add(struct om_exits *t, const struct snap_exit *e, int n)
{
	int i;

	for (i = 0; i < t->n; i++)
		t->v[i].p99_ns = t->v[i].max_ns = t->v[i].vmm_max_ns = -1;
	for (i = 0; i < n; i++, e++) {
		struct om_exit *r = exit_get(t, e);

		r->count += e->count;
		r->vmm += e->vmm_count;
		if (e->vmm_mean_ns > 0) {
			r->vmm_timed += (uint64_t)llround((double)e->vmm_total_ns / e->vmm_mean_ns);
			r->vmm_sum_ns += e->vmm_total_ns;
			r->vmm_max_ns = MAX(r->vmm_max_ns, (int64_t)e->vmm_max_ns);
		}
		/* The snapshot has the time and the mean, not how many were timed. */
		if (e->time_share >= 0 && e->mean_ns > 0 && e->count) {
			r->timed += (uint64_t)llround((double)e->total_ns / e->mean_ns);
			r->sum_ns += e->total_ns;
			/* Two rows under one name: the larger quantile bounds both. */
			r->p99_ns = MAX(r->p99_ns, (int64_t)e->p99_ns);
			r->max_ns = MAX(r->max_ns, (int64_t)e->max_ns);
		}
	}
}

static void exits_free(struct om_exits *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		frag_free(&t->v[i].f);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- slots: hot addresses and round trips, top N per VM and kind ---- */

static void slot_name(struct om_slot *sl, const char *kind, const char *name)
{
	char esc[6 * SNAP_NAME_MAX];

	if (name && name[0]) {
		label_esc(esc, sizeof(esc), name);
		frag_set(&sl->f, "kind=\"%s\",addr=\"0x%llx\",name=\"%s\"", kind,
			 (unsigned long long)sl->addr, esc);
	} else {
		frag_set(&sl->f, "kind=\"%s\",addr=\"0x%llx\"", kind, (unsigned long long)sl->addr);
	}
}

/*
 * Returns the slot of (kind, addr) among the first top, taking a free one, or the quietest
 * one's when count is more than its recent weight (about twice its rate per tick, so two
 * addresses of like rates do not take turns); NULL: the address goes to other.
 */
static struct om_slot *slot_take(struct om_slots *t, int top, uint8_t kind, uint64_t addr,
				 uint64_t count, const char *kname, const char *name)
{
	struct om_slot *free_sl = NULL, *min = NULL;
	int i;

	for (i = 0; i < top; i++) {
		struct om_slot *sl = &t->s[i];

		if (sl->used && sl->kind == kind && sl->addr == addr)
			return sl;
		if (!sl->used && !free_sl)
			free_sl = sl;
		else if (sl->used && (!min || sl->weight < min->weight))
			min = sl;
	}
	if (!free_sl) {
		if (!min || count <= min->weight)
			return NULL;
		/* Its series ends; what it counted stays counted in it, not moved to other. */
		frag_free(&min->f);
		free_sl = min;
	}
	memset(free_sl, 0, sizeof(*free_sl));
	free_sl->used = true;
	free_sl->kind = kind;
	free_sl->addr = addr;
	free_sl->q50_ns = free_sl->q99_ns = -1;
	slot_name(free_sl, kname, name);
	return free_sl;
}

static void slots_decay(struct om_slots *t, int top)
{
	int i;

	for (i = 0; i < top; i++) {
		t->s[i].weight /= 2;
		t->s[i].q50_ns = t->s[i].q99_ns = -1;
	}
	t->other.q50_ns = t->other.q99_ns = -1;
}

static void slots_free(struct om_slots *t)
{
	int i;

	for (i = 0; i < OM_HOT_TOP_MAX; i++)
		frag_free(&t->s[i].f);
	frag_free(&t->other.f);
}

static struct om_slot *slot_other(struct om_slots *t, const char *kind)
{
	if (!t->other.used) {
		t->other.used = true;
		t->other.q50_ns = t->other.q99_ns = -1;
		frag_set(&t->other.f, "kind=\"%s\",addr=\"other\"", kind);
	}
	return &t->other;
}

/* Adds a window's hot rows to the VM's slots: a slot's address first, then newcomers. */
static void hot_add(struct om_vm *v, const struct snap_vm *sv, int top)
{
	int k, i, pass;

	for (k = 0; k < HOT__KINDS; k++)
		slots_decay(&v->hot[k], top);
	/* Addresses that hold a slot count first, so newcomers are weighed against them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sv->nhot; i++) {
			const struct snap_hot *h = &sv->hot[i];
			struct om_slots *t;
			struct om_slot *sl = NULL;
			int j;

			if (h->kind >= HOT__KINDS)
				continue;
			t = &v->hot[h->kind];
			if (h->other) {
				if (pass)
					continue;
				sl = slot_other(t, snap_hot_kind_name(h->kind));
			} else {
				for (j = 0; j < top; j++)
					if (t->s[j].used && t->s[j].addr == h->addr)
						sl = &t->s[j];
				if (!pass && !sl)
					continue;
				if (pass && sl)
					continue;
				if (!sl)
					sl = slot_take(t, top, h->kind, h->addr, h->count,
						       snap_hot_kind_name(h->kind), h->name);
				if (!sl)
					sl = slot_other(t, snap_hot_kind_name(h->kind));
			}
			sl->count += h->count;
			sl->weight += h->count;
			if (h->time_share >= 0) {
				sl->sum_ns += h->total_ns;
				sl->timed = true;
			}
		}
	}
}

static void rt_add(struct om_vm *v, const struct snap_wake *w)
{
	int i, pass, j;

	slots_decay(&v->rt, OM_RT_TOP);
	for (pass = 0; pass < 2 && w; pass++) {
		for (i = 0; i < w->nrts; i++) {
			const struct snap_wake_rt *r = &w->rts[i];
			const char *kname = snap_hot_kind_name(r->kind);
			struct om_slot *sl = NULL;

			if (r->other) {
				if (pass)
					continue;
				sl = slot_other(&v->rt, "any");
			} else {
				for (j = 0; j < OM_RT_TOP; j++)
					if (v->rt.s[j].used && v->rt.s[j].kind == r->kind &&
					    v->rt.s[j].addr == r->addr)
						sl = &v->rt.s[j];
				if (!pass && !sl)
					continue;
				if (pass && sl)
					continue;
				if (!sl)
					sl = slot_take(&v->rt, OM_RT_TOP, r->kind, r->addr,
						       r->count, kname, NULL);
				if (!sl)
					sl = slot_other(&v->rt, "any");
			}
			sl->count += r->count;
			sl->weight += r->count;
			if (r->count && r->mean_ns >= 0) {
				double c = (double)r->count;

				sl->sum_ns += (uint64_t)llround(r->mean_ns * c);
				sl->part_ns[0] += (uint64_t)llround(MAX(r->notify_run_ns, 0) * c);
				sl->part_ns[1] += (uint64_t)llround(MAX(r->run_inject_ns, 0) * c);
				sl->part_ns[2] += (uint64_t)llround(MAX(r->inject_run_ns, 0) * c);
				sl->q50_ns = r->p50_ns;
				sl->q99_ns = r->p99_ns;
				sl->timed = true;
			}
		}
	}
}

/* ---- VMs ---- */

static void vcpu_free(struct om_vcpu *c)
{
	frag_free(&c->f);
	exits_free(&c->ex);
	ctrs_free(&c->perf);
	ctrs_free(&c->kvm);
}

static void vm_free(struct om_vm *v)
{
	int i;

	if (!v)
		return;
	frag_free(&v->prefix);
	frag_free(&v->info);
	exits_free(&v->ex);
	for (i = 0; i < v->nv; i++)
		vcpu_free(&v->vcpus[i]);
	free(v->vcpus);
	for (i = 0; i < HOT__KINDS; i++)
		slots_free(&v->hot[i]);
	slots_free(&v->rt);
	ctrs_free(&v->perf);
	ctrs_free(&v->kvm);
	free(v);
}

/* Renders the labels that name the VM, again when what they show changed. */
static void vm_labels(struct om_vm *v, const struct snap_vm *sv)
{
	char lb[SNAP_LABEL_MAX], name[6 * SNAP_LABEL_MAX], uuid[6 * SNAP_UUID_MAX];
	char comm[6 * SNAP_COMM_MAX];
	const char *label = snap_vm_label(sv, lb, sizeof(lb));

	/* The label, not -name: a title or nova name may come, change or go. */
	if (v->prefix.s && !strcmp(v->label, label) && !strcmp(v->uuid, sv->uuid) &&
	    !strcmp(v->comm, sv->comm))
		return;
	strlcpy0(v->label, label, sizeof(v->label));
	strlcpy0(v->uuid, sv->uuid, sizeof(v->uuid));
	strlcpy0(v->comm, sv->comm, sizeof(v->comm));
	label_esc(name, sizeof(name), label);
	if (sv->uuid[0]) {
		label_esc(uuid, sizeof(uuid), sv->uuid);
		frag_set(&v->prefix, "vm=\"%s\",pid=\"%d\",uuid=\"%s\"", name, sv->pid, uuid);
	} else {
		frag_set(&v->prefix, "vm=\"%s\",pid=\"%d\"", name, sv->pid);
	}
	label_esc(comm, sizeof(comm), sv->comm);
	frag_set(&v->info, "comm=\"%s\"", comm);
}

static struct om_vcpu *vcpu_get(struct om_vm *v, int index)
{
	struct om_vcpu *c;
	int i;

	for (i = 0; i < v->nv; i++)
		if (v->vcpus[i].index == index)
			return &v->vcpus[i];
	v->vcpus = xgrow(v->vcpus, &v->capv, v->nv + 1, sizeof(*v->vcpus));
	/* Kept in index order, so the series come out in it. */
	for (i = v->nv; i > 0 && v->vcpus[i - 1].index > index; i--)
		v->vcpus[i] = v->vcpus[i - 1];
	c = &v->vcpus[i];
	v->nv++;
	memset(c, 0, sizeof(*c));
	c->index = index;
	frag_set(&c->f, "vcpu=\"%d\"", index);
	return c;
}

/* Returns ns of a percentage of the window, 0 for no data. */
static uint64_t pct_ns(double pct, uint64_t window_ns)
{
	return pct > 0 ? (uint64_t)llround(pct / 100.0 * (double)window_ns) : 0;
}

static void vcpus_add(struct om_vm *v, const struct snap_vm *sv, uint64_t win, bool per_vcpu)
{
	int i, k;

	for (i = 0; i < v->nv; i++) {
		v->vcpus[i].seen = false;
		ctrs_unsee(&v->vcpus[i].kvm);
	}
	for (i = 0; i < sv->nthreads; i++) {
		const struct snap_thread *t = &sv->threads[i];
		const struct exit_split *sp = &t->split;
		double pct[ST__N] = { sp->guest, sp->kernel, sp->user, sp->halted, sp->waiting };
		struct om_vcpu *c;

		if (t->kind != THREAD_VCPU || t->index < 0)
			continue;
		c = vcpu_get(v, t->index);
		c->seen = true;
		if (sp->source != SPLIT_NONE)
			for (k = 0; k < ST__N; k++) {
				if (pct[k] < 0)
					continue;
				c->ns[k] += pct_ns(pct[k], win);
				c->known |= (uint8_t)(1u << k);
			}
		if (!per_vcpu)
			continue;
		exits_add(&c->ex, t->exits, t->nexits);
		ctrs_add(&c->perf, t->counters, t->ncounters, true);
		ctrs_add(&c->kvm, t->counters, t->ncounters, false);
	}
	/* A vCPU whose threads are all gone (unplugged) ends its series. */
	for (i = 0; i < v->nv;) {
		if (v->vcpus[i].seen) {
			i++;
			continue;
		}
		vcpu_free(&v->vcpus[i]);
		memmove(&v->vcpus[i], &v->vcpus[i + 1],
			(size_t)(v->nv - i - 1) * sizeof(*v->vcpus));
		v->nv--;
	}
}

static void wake_add(struct om_vm *v, const struct snap_wake *w)
{
	int i;

	for (i = 0; i < WAKE__CLASSES; i++)
		v->wp99_ns[i] = -1;
	if (!w)
		return;
	v->wake_known = true;
	v->unmatched += w->unmatched;
	for (i = 0; i < w->nedges; i++) {
		const struct snap_wake_edge *e = &w->edges[i];
		int c = e->other || e->cls >= WAKE__CLASSES ? WAKE_OTHER : e->cls;

		v->wakes[c] += e->count;
		if (e->timed && e->mean_ns >= 0) {
			v->wtimed[c] += e->timed;
			v->wlat_ns[c] += (uint64_t)llround(e->mean_ns * (double)e->timed);
			if (e->p99_ns > v->wp99_ns[c])
				v->wp99_ns[c] = e->p99_ns;
		}
	}
}

static uint32_t hints_of(const struct snap_vm *sv)
{
	uint32_t bits = 0;
	size_t h;
	int i;

	for (i = 0; i < sv->nhints; i++) {
		for (h = 0; h < ARRAY_SIZE(hint_ids); h++)
			if (!strncmp(sv->hints[i].text, hint_ids[h].prefix,
				     strlen(hint_ids[h].prefix)))
				break;
		bits |= 1u << h;
	}
	return bits;
}

static void vm_add(struct openmetrics *m, struct om_vm *v, const struct snap_vm *sv, uint64_t win,
		   bool traced)
{
	vm_labels(v, sv);
	v->nvcpus = sv->nvcpus;
	v->niothreads = sv->niothreads;
	v->traced = traced;
	if (sv->cpu.cpu >= 0) {
		v->cpu_known = true;
		v->cpu_ns[0] += pct_ns(sv->cpu.guest, win);
		v->cpu_ns[1] += pct_ns(sv->cpu.host, win);
		v->wait_ns += pct_ns(sv->cpu.steal, win);
	}
	exits_add(&v->ex, sv->exits, sv->nexits);
	vcpus_add(v, sv, win, m->cfg.per_vcpu);
	hot_add(v, sv, m->cfg.hot_top);
	wake_add(v, sv->wake);
	rt_add(v, sv->wake);
	for (int i = 0; i < sv->nthreads; i++)
		if (sv->threads[i].kind != THREAD_OTHER)
			ctrs_add(&v->perf, sv->threads[i].counters, sv->threads[i].ncounters, true);
	ctrs_unsee(&v->kvm);
	ctrs_add(&v->kvm, sv->counters, sv->ncounters, false);
	v->hints = hints_of(sv);
}

/* Returns the record of sv, looked for first where it was last time, made on first sight. */
static struct om_vm *vm_find(struct openmetrics *m, const struct snap_vm *sv, int hint)
{
	struct om_vm *v;
	int i;

	if (hint < m->nvms && m->vms[hint]->pid == sv->pid &&
	    m->vms[hint]->starttime == sv->starttime)
		return m->vms[hint];
	for (i = 0; i < m->nvms; i++)
		if (m->vms[i]->pid == sv->pid && m->vms[i]->starttime == sv->starttime)
			return m->vms[i];
	v = xcalloc(1, sizeof(*v));
	v->pid = sv->pid;
	v->starttime = sv->starttime;
	m->vms = xgrow(m->vms, &m->cap, m->nvms + 1, sizeof(*m->vms));
	m->vms[m->nvms++] = v;
	return v;
}

/* Returns a word from a fixed set for why a source is in its state: a bounded label. */
static const char *source_reason(const struct snap_source *src)
{
	static const struct {
		const char *word, *reason;
	} words[] = {
		{ "lockdown", "lockdown" },
		{ "needs root", "permission" },
		{ "paranoid", "permission" },
		{ "permission denied", "permission" },
		{ "not permitted", "permission" },
		{ "no PMU", "no_pmu" },
		{ "not mounted", "not_mounted" },
		{ "cannot mount", "not_mounted" },
		{ "unfiltered", "unfiltered" },
		{ "fd limit", "fd_limit" },
		{ "too many open files", "fd_limit" },
		{ "out of memory", "no_memory" },
		{ "cannot allocate", "no_memory" },
		{ "no kvm events", "unsupported" },
		{ "no usable kvm events", "unsupported" },
		{ "tracepoints", "unsupported" },
		{ "on this kernel", "unsupported" },
	};
	size_t i;

	if (src->state == SNAP_SRC_OK)
		return "none";
	if (src->state == SNAP_SRC_OFF)
		return "disabled";
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasestr(src->why, words[i].word))
			return words[i].reason;
	return "other";
}

/* ---- the public side ---- */

struct openmetrics *openmetrics_new(const struct om_config *cfg)
{
	struct openmetrics *m = xcalloc(1, sizeof(*m));

	m->cfg = *cfg;
	if (m->cfg.hot_top <= 0)
		m->cfg.hot_top = OM_HOT_TOP_DEFAULT;
	if (m->cfg.hot_top > OM_HOT_TOP_MAX)
		m->cfg.hot_top = OM_HOT_TOP_MAX;
	return m;
}

void openmetrics_free(struct openmetrics *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->nvms; i++)
		vm_free(m->vms[i]);
	free(m->vms);
	frag_free(&m->build);
	frag_free(&m->host);
	ctrs_free(&m->host_ctr);
	free(m);
}

static void host_add(struct openmetrics *m, const struct snapshot *s, double delay_s)
{
	char kernel[6 * 65], kvm[6 * 32], ver[64];
	uint64_t lag;
	int i;

	if (!m->build.s) {
		label_esc(ver, sizeof(ver), m->cfg.version ? m->cfg.version : "");
		frag_set(&m->build, "version=\"%s\"", ver);
	}
	label_esc(kernel, sizeof(kernel), s->host.release);
	label_esc(kvm, sizeof(kvm), s->host.kvm_module);
	frag_set(&m->host, "kernel=\"%s\",kvm_module=\"%s\"", kernel, kvm);
	m->ncpus = s->host.ncpus;
	m->nsrc = MIN(s->nsources, SOURCES_MAX);
	for (i = 0; i < m->nsrc; i++) {
		strlcpy0(m->src[i].name, s->sources[i].name, sizeof(m->src[i].name));
		m->src[i].state = s->sources[i].state;
		m->src[i].reason = source_reason(&s->sources[i]);
	}
	m->events += s->events;
	/* A running total from the trace source: kept monotonic should it ever restart. */
	if (s->events_lost > m->lost)
		m->lost = s->events_lost;
	m->unattributed += s->events_unattributed;
	ctrs_unsee(&m->host_ctr);
	ctrs_add(&m->host_ctr, s->counters, s->ncounters, false);

	m->ticks++;
	m->delay_ns = (uint64_t)llround(delay_s * 1e9);
	for (i = 0; i < (int)TICK_BUCKETS; i++)
		if ((double)s->interval_ns <= tick_buckets[i] * (double)m->delay_ns)
			m->tick_bucket[i]++;
	m->tick_sum_ns += s->interval_ns;
	lag = s->interval_ns > m->delay_ns ? s->interval_ns - m->delay_ns : 0;
	if (lag > m->lag_max_ns)
		m->lag_max_ns = lag;
}

int openmetrics_update(struct openmetrics *m, const struct snapshot *s, double delay_s)
{
	struct pane_opts po = { .utf8 = true, .filter = m->cfg.filter };
	const struct snap_source *tr = snapshot_source(s, "tracefs");
	bool traced = tr && (tr->state == SNAP_SRC_OK || tr->state == SNAP_SRC_DEGRADED);
	int i, n = 0;

	if (s->cumulative)
		return -EINVAL;
	host_add(m, s, delay_s);
	for (i = 0; i < m->nvms; i++)
		m->vms[i]->seen = false;
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];
		struct om_vm *v;

		/*
		 * A VM shown gone holds its last counts: they are added and shown once, then
		 * its series end. Unless a new process has its pid already: the two would
		 * make the same series.
		 */
		if (!pane_vm_visible(sv, &po) || (sv->gone && snapshot_vm(s, sv->pid) != sv))
			continue;
		v = vm_find(m, sv, n);
		if (v->seen)
			continue; /* the same process twice: keep the first */
		v->seen = true;
		vm_add(m, v, sv, s->window_ns, traced);
		n++;
	}
	/* Sweep, keeping the snapshot's order for the output. */
	for (i = 0; i < m->nvms; i++)
		if (!m->vms[i]->seen) {
			vm_free(m->vms[i]);
			m->vms[i] = NULL;
		}
	for (i = 0, n = 0; i < m->nvms; i++)
		if (m->vms[i])
			m->vms[n++] = m->vms[i];
	m->nvms = n;
	m->updated = true;
	return 0;
}

/* ---- rendering ---- */

static void render_ctrs(struct om_w *w, const struct openmetrics *m, enum fam f, int cls,
			bool per_vcpu, bool perf)
{
	int i, j, k;

	w_family(w, f);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (k = 0; k < (per_vcpu ? v->nv : 1); k++) {
			const struct om_vcpu *c = per_vcpu ? &v->vcpus[k] : NULL;
			const struct om_ctrs *t = per_vcpu ? (perf ? &c->perf : &c->kvm)
							   : (perf ? &v->perf : &v->kvm);

			for (j = 0; j < t->n; j++) {
				const struct om_ctr *r = &t->v[j];

				if (r->cls != cls || (cls == C_STAT && !r->seen))
					continue;
				w_start(w, "");
				w_frag(w, &v->prefix);
				if (c)
					w_frag(w, &c->f);
				w_frag(w, &r->f);
				if (cls == C_SECONDS)
					w_secs(w, r->total);
				else
					w_u64(w, r->total);
			}
		}
	}
}

static void render_exits(struct om_w *w, const struct openmetrics *m, enum fam f, bool user,
			 bool per_vcpu)
{
	int i, j, k;

	w_family(w, f);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (k = 0; k < (per_vcpu ? v->nv : 1); k++) {
			const struct om_vcpu *c = per_vcpu ? &v->vcpus[k] : NULL;
			const struct om_exits *t = c ? &c->ex : &v->ex;

			for (j = 0; j < t->n; j++) {
				const struct om_exit *r = &t->v[j];
				bool own = r->kind == EXIT_KIND_USER;

				/*
				 * Exits to the VMM: a KVM_EXIT_* row of its own, or the VMM's part
				 * of an exit's row, by that exit's reason, once it has one.
				 */
				if (user ? !own && !r->vmm : own)
					continue;
				w_start(w, "");
				w_frag(w, &v->prefix);
				if (c)
					w_frag(w, &c->f);
				w_frag(w, &r->f);
				w_u64(w, user && !own ? r->vmm : r->count);
			}
		}
	}
}

/* The quantile label values: canonical numbers, the same text in both formats. */
static void render_exit_times(struct om_w *w, const struct openmetrics *m, enum fam f, bool user)
{
	int i, j;

	w_family(w, f);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (j = 0; j < v->ex.n; j++) {
			const struct om_exit *r = &v->ex.v[j];
			bool own = r->kind == EXIT_KIND_USER;
			/* The VMM's part of an exit's row: its sum, count and longest, no P99. */
			bool part = user && !own;

			if (part ? !r->vmm_timed : (own != user || !r->timed))
				continue;
			if (!part) {
				w_start(w, "");
				w_frag(w, &v->prefix);
				w_frag(w, &r->f);
				w_label(w, "quantile", "0.99");
				w_qsecs(w, r->p99_ns);
			}
			w_start(w, "");
			w_frag(w, &v->prefix);
			w_frag(w, &r->f);
			w_label(w, "quantile", "1.0");
			w_qsecs(w, part ? r->vmm_max_ns : r->max_ns);
			w_start(w, "_sum");
			w_frag(w, &v->prefix);
			w_frag(w, &r->f);
			w_secs(w, part ? r->vmm_sum_ns : r->sum_ns);
			w_start(w, "_count");
			w_frag(w, &v->prefix);
			w_frag(w, &r->f);
			w_u64(w, part ? r->vmm_timed : r->timed);
		}
	}
}

static void render_slots(struct om_w *w, const struct openmetrics *m, enum fam f, bool time)
{
	int i, k, j;

	w_family(w, f);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (k = 0; k < HOT__KINDS; k++) {
			const struct om_slots *t = &v->hot[k];

			for (j = 0; j <= m->cfg.hot_top; j++) {
				const struct om_slot *sl =
					j < m->cfg.hot_top ? &t->s[j] : &t->other;

				if (!sl->used || (time && !sl->timed))
					continue;
				w_start(w, "");
				w_frag(w, &v->prefix);
				w_frag(w, &sl->f);
				if (time)
					w_secs(w, sl->sum_ns);
				else
					w_u64(w, sl->count);
			}
		}
	}
}

static void render_rts(struct om_w *w, const struct openmetrics *m)
{
	int i, j, p;

	w_family(w, F_RT);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (j = 0; j <= OM_RT_TOP; j++) {
			const struct om_slot *sl = j < OM_RT_TOP ? &v->rt.s[j] : &v->rt.other;

			if (!sl->used)
				continue;
			w_start(w, "");
			w_frag(w, &v->prefix);
			w_frag(w, &sl->f);
			w_label(w, "quantile", "0.5");
			w_qsecs(w, sl->q50_ns);
			w_start(w, "");
			w_frag(w, &v->prefix);
			w_frag(w, &sl->f);
			w_label(w, "quantile", "0.99");
			w_qsecs(w, sl->q99_ns);
			w_start(w, "_sum");
			w_frag(w, &v->prefix);
			w_frag(w, &sl->f);
			w_secs(w, sl->sum_ns);
			w_start(w, "_count");
			w_frag(w, &v->prefix);
			w_frag(w, &sl->f);
			w_u64(w, sl->count);
		}
	}
	w_family(w, F_RT_PART);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (j = 0; j <= OM_RT_TOP; j++) {
			const struct om_slot *sl = j < OM_RT_TOP ? &v->rt.s[j] : &v->rt.other;

			if (!sl->used)
				continue;
			for (p = 0; p < 3; p++) {
				w_start(w, "");
				w_frag(w, &v->prefix);
				w_frag(w, &sl->f);
				w_label(w, "part", rt_parts[p]);
				w_secs(w, sl->part_ns[p]);
			}
		}
	}
}

static void render_wakes(struct om_w *w, const struct openmetrics *m)
{
	int i, c;

	w_family(w, F_WAKES);
	for (i = 0; i < m->nvms; i++)
		for (c = 0; m->vms[i]->wake_known && c < WAKE__CLASSES; c++) {
			w_start(w, "");
			w_frag(w, &m->vms[i]->prefix);
			w_label(w, "how", wake_how[c]);
			w_u64(w, m->vms[i]->wakes[c]);
		}
	w_family(w, F_WAKE_LAT);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (c = 0; c < WAKE__CLASSES; c++) {
			if (!v->wtimed[c])
				continue;
			w_start(w, "");
			w_frag(w, &v->prefix);
			w_label(w, "how", wake_how[c]);
			w_label(w, "quantile", "0.99");
			w_qsecs(w, v->wp99_ns[c]);
			w_start(w, "_sum");
			w_frag(w, &v->prefix);
			w_label(w, "how", wake_how[c]);
			w_secs(w, v->wlat_ns[c]);
			w_start(w, "_count");
			w_frag(w, &v->prefix);
			w_label(w, "how", wake_how[c]);
			w_u64(w, v->wtimed[c]);
		}
	}
	w_family(w, F_WAKES_UNMATCHED);
	for (i = 0; i < m->nvms; i++)
		if (m->vms[i]->wake_known) {
			w_start(w, "");
			w_frag(w, &m->vms[i]->prefix);
			w_u64(w, m->vms[i]->unmatched);
		}
}

static void render_host(struct om_w *w, const struct openmetrics *m)
{
	char t[32];
	int i;

	w_family(w, F_BUILD_INFO);
	w_start(w, "");
	w_frag(w, &m->build);
	w_u64(w, 1);
	w_family(w, F_HOST_INFO);
	w_start(w, "");
	w_frag(w, &m->host);
	w_u64(w, 1);
	w_family(w, F_HOST_CPUS);
	w_start(w, "");
	w_u64(w, (uint64_t)MAX(m->ncpus, 0));
	w_family(w, F_SOURCE_UP);
	for (i = 0; i < m->nsrc; i++) {
		char name[6 * 16];

		label_esc(name, sizeof(name), m->src[i].name);
		w_start(w, "");
		w_label(w, "source", name);
		w_label(w, "state", snap_state_name(m->src[i].state));
		w_label(w, "reason", m->src[i].reason);
		w_u64(w, m->src[i].state == SNAP_SRC_OK || m->src[i].state == SNAP_SRC_DEGRADED);
	}
	w_family(w, F_EVENTS);
	w_start(w, "");
	w_u64(w, m->events);
	w_family(w, F_EVENTS_LOST);
	w_start(w, "");
	w_u64(w, m->lost);
	w_family(w, F_EVENTS_UNATTR);
	w_start(w, "");
	w_u64(w, m->unattributed);
	w_family(w, F_TICKS);
	w_start(w, "");
	w_u64(w, m->ticks);
	w_family(w, F_TICK_INTERVAL);
	for (i = 0; i < (int)TICK_BUCKETS; i++) {
		w_start(w, "_bucket");
		t[put_secs(t, (uint64_t)llround(tick_buckets[i] * (double)m->delay_ns), true)] = 0;
		w_label(w, "le", t);
		w_u64(w, m->tick_bucket[i]);
	}
	w_start(w, "_bucket");
	w_label(w, "le", "+Inf");
	w_u64(w, m->ticks);
	w_start(w, "_sum");
	w_secs(w, m->tick_sum_ns);
	w_start(w, "_count");
	w_u64(w, m->ticks);
	w_family(w, F_TICK_LAG_MAX);
	w_start(w, "");
	w_secs(w, m->lag_max_ns);
	w_family(w, F_VMS);
	w_start(w, "");
	w_u64(w, (uint64_t)m->nvms);
	for (i = 0; i < 3; i++) {
		static const enum fam hf[3] = { F_HOST_KVM_EVENTS, F_HOST_KVM_SECONDS,
						F_HOST_KVM_STAT };
		int j;

		w_family(w, hf[i]);
		for (j = 0; j < m->host_ctr.n; j++) {
			const struct om_ctr *r = &m->host_ctr.v[j];

			if (r->cls != i || (i == C_STAT && !r->seen))
				continue;
			w_start(w, "");
			w_frag(w, &r->f);
			if (i == C_SECONDS)
				w_secs(w, r->total);
			else
				w_u64(w, r->total);
		}
	}
}

static void render_vms(struct om_w *w, const struct openmetrics *m)
{
	int i, k, h;

	w_family(w, F_VM_INFO);
	for (i = 0; i < m->nvms; i++) {
		w_start(w, "");
		w_frag(w, &m->vms[i]->prefix);
		w_frag(w, &m->vms[i]->info);
		w_u64(w, 1);
	}
	w_family(w, F_VM_VCPUS);
	for (i = 0; i < m->nvms; i++) {
		w_start(w, "");
		w_frag(w, &m->vms[i]->prefix);
		w_u64(w, (uint64_t)MAX(m->vms[i]->nvcpus, 0));
	}
	w_family(w, F_VM_IOTHREADS);
	for (i = 0; i < m->nvms; i++) {
		w_start(w, "");
		w_frag(w, &m->vms[i]->prefix);
		w_u64(w, (uint64_t)MAX(m->vms[i]->niothreads, 0));
	}
	w_family(w, F_VM_CPU);
	for (i = 0; i < m->nvms; i++)
		for (k = 0; m->vms[i]->cpu_known && k < 2; k++) {
			w_start(w, "");
			w_frag(w, &m->vms[i]->prefix);
			w_label(w, "mode", k ? "host" : "guest");
			w_secs(w, m->vms[i]->cpu_ns[k]);
		}
	w_family(w, F_VM_WAIT);
	for (i = 0; i < m->nvms; i++)
		if (m->vms[i]->cpu_known) {
			w_start(w, "");
			w_frag(w, &m->vms[i]->prefix);
			w_secs(w, m->vms[i]->wait_ns);
		}
	render_exits(w, m, F_EXITS, false, false);
	render_exits(w, m, F_UEXITS, true, false);
	render_exit_times(w, m, F_EXIT_TIME, false);
	render_exit_times(w, m, F_UEXIT_TIME, true);
	w_family(w, F_VCPU_SECONDS);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];
		int c;

		for (c = 0; c < v->nv; c++)
			for (k = 0; k < ST__N; k++) {
				if (!(v->vcpus[c].known & (1u << k)))
					continue;
				w_start(w, "");
				w_frag(w, &v->prefix);
				w_frag(w, &v->vcpus[c].f);
				w_label(w, "state", state_names[k]);
				w_secs(w, v->vcpus[c].ns[k]);
			}
	}
	render_slots(w, m, F_HOT, false);
	render_slots(w, m, F_HOT_TIME, true);
	render_wakes(w, m);
	render_rts(w, m);
	render_ctrs(w, m, F_PERF_EVENTS, C_EVENTS, false, true);
	render_ctrs(w, m, F_PERF_SECONDS, C_SECONDS, false, true);
	render_ctrs(w, m, F_KVM_EVENTS, C_EVENTS, false, false);
	render_ctrs(w, m, F_KVM_SECONDS, C_SECONDS, false, false);
	render_ctrs(w, m, F_KVM_STAT, C_STAT, false, false);
	/* Every known hint of a traced VM, 0 or 1: an alert can tell quiet from unknown. */
	w_family(w, F_HINT);
	for (i = 0; i < m->nvms; i++) {
		const struct om_vm *v = m->vms[i];

		for (h = 0; v->traced && h <= (int)HINT_OTHER; h++) {
			if (h == (int)HINT_OTHER && !(v->hints & (1u << h)))
				continue;
			w_start(w, "");
			w_frag(w, &v->prefix);
			w_label(w, "hint", h < (int)HINT_OTHER ? hint_ids[h].id : "other");
			w_u64(w, !!(v->hints & (1u << h)));
		}
	}
	if (!m->cfg.per_vcpu)
		return;
	render_exits(w, m, F_VCPU_EXITS, false, true);
	render_exits(w, m, F_VCPU_UEXITS, true, true);
	render_ctrs(w, m, F_VCPU_PERF_EVENTS, C_EVENTS, true, true);
	render_ctrs(w, m, F_VCPU_PERF_SECONDS, C_SECONDS, true, true);
	render_ctrs(w, m, F_VCPU_KVM_EVENTS, C_EVENTS, true, false);
	render_ctrs(w, m, F_VCPU_KVM_SECONDS, C_SECONDS, true, false);
	render_ctrs(w, m, F_VCPU_KVM_STAT, C_STAT, true, false);
}

void openmetrics_render(const struct openmetrics *m, struct om_buf *out[OM__FORMATS])
{
	struct om_w *w = xcalloc(1, sizeof(*w));

	w->b = out;
	if (m->updated) {
		render_host(w, m);
		render_vms(w, m);
	}
	free(w);
}

size_t openmetrics_tail(char *buf, size_t n, enum om_format f, const struct om_scrape *s)
{
	static const char *const codes[5] = { "200", "404", "405", "503", "other" };
	struct om_buf b = { 0 };
	struct om_buf *out[OM__FORMATS] = { 0 };
	struct om_w *w;
	size_t len;
	int i;

	out[f] = &b;
	if (s) {
		w = xcalloc(1, sizeof(*w));
		w->b = out;
		w_family(w, F_SAMPLE_LAG);
		w_start(w, "");
		w_secs(w, (uint64_t)llround(MAX(s->sample_lag_s, 0) * 1e9));
		w_family(w, F_RENDER);
		w_start(w, "");
		w_secs(w, (uint64_t)llround(MAX(s->render_s, 0) * 1e9));
		w_family(w, F_SCRAPE);
		w_start(w, "_sum");
		w_secs(w, s->scrape_ns);
		w_start(w, "_count");
		w_u64(w, s->scrapes);
		w_family(w, F_HTTP);
		for (i = 0; i < 5; i++) {
			w_start(w, "");
			w_label(w, "code", codes[i]);
			w_u64(w, s->http[i]);
		}
		free(w);
	}
	if (f == OM_OPENMETRICS)
		buf_put(&b, "# EOF\n", 6);
	len = MIN(b.len, n ? n - 1 : 0);
	if (n) {
		memcpy(buf, b.p ? b.p : "", len);
		buf[len] = '\0';
	}
	om_buf_free(&b);
	return len;
}

int openmetrics_write(FILE *f, struct openmetrics *m, const struct snapshot *s, double delay_s,
		      enum om_format fmt)
{
	struct om_buf b = { 0 };
	struct om_buf *out[OM__FORMATS] = { 0 };
	char end[16];
	size_t n;
	int err;

	err = openmetrics_update(m, s, delay_s);
	if (err)
		return err;
	out[fmt] = &b;
	openmetrics_render(m, out);
	n = openmetrics_tail(end, sizeof(end), fmt, NULL);
	if (b.len)
		fwrite(b.p, 1, b.len, f);
	fwrite(end, 1, n, f);
	om_buf_free(&b);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

/*
 * Returns the weight of the media range at p (up to end) in thousandths: its q parameter,
 * 1000 without one, 0 when that is not a qvalue (RFC 9110: "0" to "1", at most three
 * decimals). A weight that cannot be read is never preferred; strtod() would take "5.5",
 * "nan" or "1e9", and one such range outranked every other.
 */
static int media_q(const char *p, const char *end)
{
	const char *q = p;
	int w, scale;

	while ((q = memchr(q, ';', (size_t)(end - q)))) {
		q++;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (end - q < 2 || (q[0] != 'q' && q[0] != 'Q') || q[1] != '=')
			continue;
		q += 2;
		if (q == end || (*q != '0' && *q != '1'))
			return 0;
		w = (*q++ - '0') * 1000;
		scale = 100;
		if (q < end && *q == '.')
			while (++q < end && scale && *q >= '0' && *q <= '9') {
				w += (*q - '0') * scale;
				scale /= 10;
			}
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		return (q == end || *q == ';') && w <= 1000 ? w : 0;
	}
	return 1000;
}

enum om_format openmetrics_negotiate(const char *accept)
{
	int om = 0, text = 0;
	const char *p = accept, *end;

	if (!accept)
		return OM_TEXT;
	while (*p) {
		size_t n;
		int q;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		n = strcspn(p, ";, \t");
		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		q = media_q(p, end);
		if (n == 28 && !strncasecmp(p, "application/openmetrics-text", n))
			om = MAX(om, q);
		else if ((n == 10 && !strncasecmp(p, "text/plain", n)) ||
			 (n == 6 && !strncasecmp(p, "text/*", n)) ||
			 (n == 3 && !strncmp(p, "*/*", n)))
			text = MAX(text, q);
		p = end;
	}
	return om > 0 && om >= text ? OM_OPENMETRICS : OM_TEXT;
}
