// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat reader: synthetic files (tdwrite.h) of a VMX host, whose kvm_exit and
 * kvm_entry records the build machine cannot produce, read through the probe and through the
 * offline loop into snapshots (exit reasons named from the file's format, handling times,
 * VMs and threads from cmdlines, events and tgids, ticks); and every kind of bad input: not
 * a trace.dat, another version, truncated anywhere, compressed with an algorithm the library
 * lacks, TSC timestamps, a format lacking a field, broken records, missed events, a bad tgids
 * file. With TRACEDAT_SEEDS=DIR set, the files written are kept there (the fuzz corpus).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offline.h"
#include "procfs.h"
#include "snapshot.h"
#include "tdwrite.h"
#include "tracedat.h"
#include "unit.h"
#include "util.h"

#define VMX 1

static char tmpdir[] = "/tmp/kvmscope-tracedat.XXXXXX";

/*
 * Returns the path of a scratch file called name, kept under TRACEDAT_SEEDS if set; valid
 * until the fourth call after.
 */
static const char *scratch(const char *name)
{
	static char paths[4][512];
	static int next;
	const char *seeds = getenv("TRACEDAT_SEEDS");
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", seeds ? seeds : tmpdir, name);
	return path;
}

enum { QEMU = 1000, VCPU0 = 1001, VCPU1 = 1002, IOTH = 1003, OTHER_VM = 2000, BARE = 2001 };

#define T0    1000000000ull /* the first record, in ns */
#define N_IO  1000	    /* IO_INSTRUCTION exits of vCPU 0, 2 us each, every 10 us */
#define N_EPT 500	    /* EPT_VIOLATION exits of vCPU 1, 1 us each, every 20 us */
#define N_CPU 200	    /* CPUID exits of the other VM's unnamed vCPU, 500 ns each */

/* Writes the events of a small VMX host: two VMs, exits with known handling times. */
static void vmx_host(struct tdw *w)
{
	uint64_t t;
	int i;

	ck_assert_int_eq(tdw_init(w, 2), 0);
	tdw_comm(w, QEMU, "qemu-system-x86");
	tdw_comm(w, VCPU0, "CPU 0/KVM");
	tdw_comm(w, VCPU1, "CPU 1/KVM");
	tdw_comm(w, IOTH, "IO iothread0");
	tdw_comm(w, OTHER_VM, "qemu-system-x86");
	tdw_comm(w, BARE, "qemu-system-x86"); /* no debug-threads: a vCPU by its events only */
	tdw_option(w, 5, "Linux synth 6.18.0-test x86_64", 31);
	for (i = 0; i < N_IO; i++) {
		t = T0 + (uint64_t)i * 10000;
		tdw_event(w, 0, t, KE_EXIT, VCPU0, "exit_reason", 30ull, "isa", (uint64_t)VMX,
			  "vcpu_id", 0ull, NULL);
		tdw_event(w, 0, t + 300, KE_PIO, VCPU0, "rw", 0ull, "port", 0x608ull, "size", 4ull,
			  "count", 1ull, NULL);
		tdw_event(w, 0, t + 2000, KE_ENTRY, VCPU0, "vcpu_id", 0ull, NULL);
	}
	for (i = 0; i < N_EPT; i++) {
		t = T0 + 5 + (uint64_t)i * 20000;
		tdw_event(w, 1, t, KE_EXIT, VCPU1, "exit_reason", 48ull, "isa", (uint64_t)VMX,
			  "vcpu_id", 1ull, NULL);
		tdw_event(w, 1, t + 1000, KE_ENTRY, VCPU1, "vcpu_id", 1ull, NULL);
		if (i < N_CPU) {
			tdw_event(w, 1, t + 5000, KE_EXIT, BARE, "exit_reason", 10ull, "isa",
				  (uint64_t)VMX, "vcpu_id", 0ull, NULL);
			tdw_event(w, 1, t + 5500, KE_ENTRY, BARE, "vcpu_id", 0ull, NULL);
		}
	}
	/* The iothread wakes vCPU 0 once: sched events are in the file. */
	tdw_event(w, 1, T0 + 9999000, KE_SCHED_WAKING, IOTH, "pid", (uint64_t)VCPU0, "target_cpu",
		  0ull, NULL);
}

static void write_tgids(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "%d %d\n%d %d\n%d %d\n%d %d\n%d %d\n%d %d\n", QEMU, QEMU, VCPU0, QEMU, VCPU1,
		QEMU, IOTH, QEMU, OTHER_VM, OTHER_VM, BARE, OTHER_VM);
	ck_assert_int_eq(fclose(f), 0);
}

/* Counts of what the probe delivered. */
struct seen {
	uint64_t n[KE__COUNT];
	uint64_t last;
	int out_of_order;
};

static void count(void *arg, const struct kvm_event *ev)
{
	struct seen *s = arg;

	s->n[ev->type]++;
	s->out_of_order += ev->ts_ns < s->last;
	s->last = ev->ts_ns;
}

/* Returns the thread tid of the sample, or NULL; its VM's pid through *pid. */
static const struct proc_thread *sample_thread(const struct procfs_sample *s, int tid, int *pid)
{
	int v, k;

	for (v = 0; v < s->nvms; v++)
		for (k = 0; k < s->vms[v].nthreads; k++)
			if (s->vms[v].threads[k].tid == tid) {
				*pid = s->vms[v].pid;
				return &s->vms[v].threads[k];
			}
	return NULL;
}

START_TEST(reads_vmx_host)
{
	struct procfs_sample ps = { 0 };
	const struct proc_thread *t;
	struct seen seen = { 0 };
	struct proc_host host;
	struct tracedat *td;
	char why[256] = "";
	uint64_t bad;
	struct tdw w;
	int pid;

	vmx_host(&w);
	ck_assert_int_eq(tdw_write(&w, scratch("vmx.dat"), 0), 0);
	tdw_free(&w);
	td = tracedat_open(scratch("vmx.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_uint_eq(tracedat_next_ns(td), T0);
	/* Exit-reason names come from the file's kvm_exit format. */
	ck_assert_str_eq(exit_names_lookup(tracedat_exit_names(td), VMX, 30), "IO_INSTRUCTION");
	ck_assert_str_eq(exit_names_lookup(tracedat_exit_names(td), VMX, 48), "EPT_VIOLATION");
	ck_assert(tracedat_types(td) & KVMDECODE_BIT(KE_EXIT));
	ck_assert_int_ge(tracedat_read(td, ~0ull, count, &seen), 0);
	ck_assert(tracedat_done(td));
	ck_assert_int_eq(seen.out_of_order, 0);
	ck_assert_uint_eq(seen.n[KE_EXIT], N_IO + N_EPT + N_CPU);
	ck_assert_uint_eq(seen.n[KE_ENTRY], N_IO + N_EPT + N_CPU);
	ck_assert_uint_eq(seen.n[KE_PIO], N_IO);
	ck_assert_uint_eq(tracedat_records(td, &bad), 2 * (N_IO + N_EPT + N_CPU) + N_IO + 1);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(tracedat_lost(td), 0);
	ck_assert_uint_eq(tracedat_last_ns(td), T0 + 9999000);

	/* Without tgids every VM thread is of one VM of unknown process. */
	tracedat_sample(td, &ps);
	ck_assert_int_eq(ps.nvms, 1);
	ck_assert_int_eq(ps.vms[0].pid, 0);
	ck_assert_str_eq(ps.vms[0].comm, "?");
	t = sample_thread(&ps, VCPU1, &pid);
	ck_assert(t && t->kind == PROC_VCPU && t->index == 1);
	t = sample_thread(&ps, IOTH, &pid);
	ck_assert(t && t->kind == PROC_IOTHREAD);
	/* Named like its main thread, it is a vCPU by its events, its index from kvm_exit. */
	t = sample_thread(&ps, BARE, &pid);
	ck_assert(t && t->kind == PROC_VCPU && t->index == 0);
	ck_assert_ptr_null(sample_thread(&ps, QEMU, &pid));
	ck_assert_str_eq(tracedat_status(td, 0)->name, "tracedat");
	ck_assert_int_eq(tracedat_status(td, 0)->state, SOURCE_OK);
	ck_assert_int_eq(tracedat_status(td, 1)->state, SOURCE_DEGRADED);
	ck_assert_ptr_nonnull(strstr(tracedat_status(td, 1)->why, "no tgids"));
	tracedat_host(td, &host);
	ck_assert_str_eq(host.hostname, "synth");
	ck_assert_str_eq(host.release, "6.18.0-test");
	ck_assert_str_eq(host.kvm_module, "?");

	/* A second pass sees the same, from the start. */
	ck_assert_int_eq(tracedat_rewind(td), 0);
	memset(&seen, 0, sizeof(seen));
	ck_assert_uint_eq(tracedat_next_ns(td), T0);
	/* Before T0 + 10 us: an IO exit, its pio and entry, an EPT and a CPUID exit and entry. */
	ck_assert_int_eq(tracedat_read(td, T0 + 10000, count, &seen), 7);
	ck_assert_uint_eq(seen.n[KE_EXIT], 3);
	ck_assert_int_gt(tracedat_read(td, ~0ull, count, &seen), 0);
	ck_assert_uint_eq(seen.n[KE_EXIT], N_IO + N_EPT + N_CPU);
	procfs_sample_free(&ps);
	tracedat_close(td);

	/* With tgids each VM is its process, with all its threads. */
	write_tgids(scratch("vmx.tgids"));
	td = tracedat_open(scratch("vmx.dat"), scratch("vmx.tgids"), why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_int_ge(tracedat_read(td, ~0ull, count, &seen), 0);
	tracedat_sample(td, &ps);
	ck_assert_int_eq(ps.nvms, 2);
	t = sample_thread(&ps, QEMU, &pid);
	ck_assert(t && t->kind == PROC_OTHER && pid == QEMU);
	t = sample_thread(&ps, VCPU0, &pid);
	ck_assert(t && t->kind == PROC_VCPU && t->index == 0 && pid == QEMU);
	t = sample_thread(&ps, BARE, &pid);
	ck_assert(t && t->kind == PROC_VCPU && pid == OTHER_VM);
	t = sample_thread(&ps, OTHER_VM, &pid);
	ck_assert(t && t->kind == PROC_OTHER && pid == OTHER_VM);
	ck_assert_int_eq(tracedat_status(td, 1)->state, SOURCE_OK);
	procfs_sample_free(&ps);
	tracedat_close(td);
}
END_TEST

/* Returns the exit row called name of a VM, or NULL. */
static const struct snap_exit *exit_row(const struct snap_vm *v, const char *name)
{
	int i;

	for (i = 0; i < v->nexits; i++)
		if (!strcmp(v->exits[i].name, name))
			return &v->exits[i];
	return NULL;
}

/* Through the offline loop: the snapshots a live VMX host would have given. */
START_TEST(offline_snapshots)
{
	struct options opt = { .batch = true, .delay_s = 0.002 };
	const struct snap_vm *a, *b;
	const struct snap_exit *e;
	struct snapshot *s;
	struct offline *o;
	char why[256] = "";
	uint64_t exits = 0;
	struct tdw w;
	long i;
	int err;

	vmx_host(&w);
	ck_assert_int_eq(tdw_write(&w, scratch("vmx.dat"), 0), 0);
	tdw_free(&w);
	write_tgids(scratch("vmx.tgids"));
	opt.input = scratch("vmx.dat");
	opt.tgids = scratch("vmx.tgids");
	o = offline_open(&opt, why, sizeof(why));
	ck_assert_msg(o, "%s", why);

	s = offline_summary(o, &err, why, sizeof(why));
	ck_assert_msg(s, "%d %s", err, why);
	ck_assert_uint_eq(s->window_ns, 9999000 + 1);
	a = snapshot_vm(s, QEMU);
	b = snapshot_vm(s, OTHER_VM);
	ck_assert(a && b);
	ck_assert_int_eq(a->nvcpus, 2);
	ck_assert_int_eq(a->niothreads, 1);
	e = exit_row(a, "IO_INSTRUCTION");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, N_IO);
	ck_assert_int_eq(e->kind, EXIT_KIND_HW);
	ck_assert_double_eq_tol(e->mean_ns, 2000, 1);
	/* P99 from a log histogram: at most 12.5% above the true value. */
	ck_assert_uint_ge(e->p99_ns, 2000);
	ck_assert_uint_le(e->p99_ns, 2250);
	e = exit_row(a, "EPT_VIOLATION");
	ck_assert(e && e->count == N_EPT);
	ck_assert_double_eq_tol(e->mean_ns, 1000, 1);
	e = exit_row(b, "CPUID");
	ck_assert(e && e->count == N_CPU);
	ck_assert_double_eq_tol(e->mean_ns, 500, 1);
	ck_assert_int_eq(a->hot[0].kind, HOT_PIO);
	ck_assert_uint_eq(a->hot[0].addr, 0x608);
	ck_assert_str_eq(a->hot[0].name, "ACPI PM timer");
	ck_assert_uint_eq(a->hot[0].count, N_IO);
	/* CPU% cannot be known from a file. */
	ck_assert_double_eq(a->threads[0].cpu.cpu, -1);
	ck_assert_ptr_nonnull(snapshot_source(s, "tracedat"));
	ck_assert_ptr_nonnull(snapshot_source(s, "threads"));
	ck_assert_str_eq(s->host.hostname, "synth");
	snapshot_free(s);

	/* Ticks of 2 ms of trace time: five of them, adding up to the whole. */
	for (i = 0;; i++) {
		s = offline_tick(o, i, false, &err, why, sizeof(why));
		if (!s)
			break;
		if (i < 4)
			ck_assert_uint_eq(s->interval_ns, 2000000);
		/* Dated on the file's own clock: where the tick ends after the first record. */
		ck_assert_int_eq(s->wall_s, 0);
		if (i < 4)
			ck_assert_uint_eq(s->trace_ns, (uint64_t)(i + 1) * 2000000);
		a = snapshot_vm(s, QEMU);
		e = a ? exit_row(a, "IO_INSTRUCTION") : NULL;
		exits += e ? e->count : 0;
		snapshot_free(s);
	}
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(i, 5);
	ck_assert_uint_eq(exits, N_IO);
	/* Going back gives tick 1 again; cumulative at tick 4 holds everything. */
	s = offline_tick(o, 1, false, &err, why, sizeof(why));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(exit_row(snapshot_vm(s, QEMU), "IO_INSTRUCTION")->count, 200);
	snapshot_free(s);
	s = offline_tick(o, 4, true, &err, why, sizeof(why));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(exit_row(snapshot_vm(s, QEMU), "IO_INSTRUCTION")->count, N_IO);
	snapshot_free(s);
	offline_close(o);
}
END_TEST

/* Returns the reason tracedat_open() gives for path (NULL when it opens). */
static const char *open_error(const char *path, const char *tgids)
{
	static char why[512];
	struct tracedat *td;

	why[0] = '\0';
	td = tracedat_open(path, tgids, why, sizeof(why));
	if (td) {
		tracedat_close(td);
		return NULL;
	}
	ck_assert_msg(why[0] && !strchr(why, '\n'), "not one line: '%s'", why);
	return why;
}

#define assert_error(path, tgids, text)                                                            \
	do {                                                                                       \
		const char *why_ = open_error(path, tgids);                                        \
		ck_assert_msg(why_ &&strstr(why_, text), "%s: got '%s', want '%s'", path,          \
			      why_ ? why_ : "(opened)", text);                                     \
	} while (0)

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(bad_files)
{
	uint8_t *bytes;
	struct tdw w;
	size_t len, cut;

	write_bytes(scratch("text.dat"), "hello, world\n", 13);
	assert_error(scratch("text.dat"), NULL, "not a trace.dat");
	write_bytes(scratch("empty.dat"), "", 0);
	assert_error(scratch("empty.dat"), NULL, "not a trace.dat");
	assert_error(scratch("nonesuch.dat"), NULL, "No such file");
	assert_error(tmpdir, NULL, "not a regular file");

	vmx_host(&w);
	w.version = "9";
	ck_assert_int_eq(tdw_write(&w, scratch("v9.dat"), 0), 0);
	assert_error(scratch("v9.dat"), NULL, "version '9'");
	w.version = NULL;

	/* Cut anywhere: in the header, the formats, the options, the CPU data. */
	bytes = tdw_bytes(&w, &len);
	for (cut = 11; cut < len; cut = cut * 3 / 2 + 7) {
		char name[64];

		snprintf(name, sizeof(name), "cut%zu.dat", cut);
		write_bytes(scratch(name), bytes, cut);
		assert_error(scratch(name), NULL, "truncated");
	}
	write_bytes(scratch("cut.dat"), bytes, len - 100);
	assert_error(scratch("cut.dat"), NULL, "truncated: CPU 1 needs bytes up to");
	free(bytes);

	/* A TSC clock converted by trace-cmd: not nanoseconds. */
	tdw_option(&w, 14, "\1\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0", 16);
	ck_assert_int_eq(tdw_write(&w, scratch("tsc.dat"), 0), 0);
	assert_error(scratch("tsc.dat"), NULL, "TSC");
	tdw_free(&w);
}
END_TEST

/* A v7 file compressed with an algorithm this libtracecmd lacks: the name, patched in. */
START_TEST(unknown_compression)
{
	uint8_t head[64];
	size_t n, i;
	FILE *f = fopen(FIXTURES "/tracedat/virtio.dat", "r");
	char *all;

	ck_assert_ptr_nonnull(f);
	fclose(f);
	all = tdw_slurp(FIXTURES "/tracedat/virtio.dat", &n);
	ck_assert_ptr_nonnull(all);
	memcpy(head, all, sizeof(head));
	for (i = 0; i + 4 < sizeof(head) && memcmp(head + i, "zstd", 4); i++)
		;
	ck_assert_uint_lt(i + 4, sizeof(head));
	memcpy(all + i, "lz4x", 4);
	write_bytes(scratch("lz4x.dat"), all, n);
	free(all);
	assert_error(scratch("lz4x.dat"), NULL, "compressed with lz4x");
	assert_error(scratch("lz4x.dat"), NULL, "cannot decompress");
}
END_TEST

/* kvm_pio as a kernel might have it with its port field named otherwise. */
static void rename_port(unsigned int type, char *text, size_t size)
{
	char *p = strstr(text, " port;");

	(void)size;
	if (type == KE_PIO && p)
		memcpy(p, " prt; ", 6);
}

START_TEST(undecodable_records)
{
	struct seen seen = { 0 };
	struct tracedat *td;
	char why[256] = "";
	uint8_t junk[12] = { 0 };
	uint64_t bad;
	struct tdw w;

	vmx_host(&w);
	/* A record of kvm_exit's id too short for its fields. */
	memcpy(junk, &(uint16_t){ (uint16_t)tep_find_event_by_name(w.tep, "kvm", "kvm_exit")->id },
	       2);
	tdw_raw(&w, 0, T0 + 20000000, junk, sizeof(junk));
	w.patch_format = rename_port;
	ck_assert_int_eq(tdw_write(&w, scratch("noport.dat"), 0), 0);
	tdw_free(&w);

	td = tracedat_open(scratch("noport.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert(!(tracedat_types(td) & KVMDECODE_BIT(KE_PIO)));
	ck_assert_int_ge(tracedat_read(td, ~0ull, count, &seen), 0);
	/* The rest is decoded and shown. */
	ck_assert_uint_eq(seen.n[KE_EXIT], N_IO + N_EPT + N_CPU);
	ck_assert_uint_eq(seen.n[KE_PIO], 0);
	tracedat_records(td, &bad);
	ck_assert_uint_eq(bad, N_IO + 1);
	ck_assert_int_eq(tracedat_status(td, 0)->state, SOURCE_DEGRADED);
	ck_assert_msg(strstr(tracedat_status(td, 0)->why, "1001 of") &&
			      strstr(tracedat_status(td, 0)->why, "kvm_pio has no 'port'"),
		      "%s", tracedat_status(td, 0)->why);
	tracedat_close(td);
}
END_TEST

/*
 * A page that says it holds more than a page: kvmdecode keeps the records that lie inside
 * it, the page is counted as malformed and its unknown loss as one lost event.
 */
START_TEST(bad_page)
{
	struct seen seen = { 0 };
	struct tracedat *td;
	char why[256] = "";
	uint64_t commit = 0xffffff;
	uint8_t *bytes;
	struct tdw w;
	size_t len;

	vmx_host(&w);
	bytes = tdw_bytes(&w, &len);
	ck_assert_uint_gt(w.npages[0], 3);
	memcpy(bytes + w.data_off[0] + 2 * TDW_PAGE + 8, &commit, 8);
	write_bytes(scratch("badpage.dat"), bytes, len);
	free(bytes);
	tdw_free(&w);
	td = tracedat_open(scratch("badpage.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_int_gt(tracedat_read(td, ~0ull, count, &seen), 0);
	ck_assert_uint_eq(seen.n[KE_PIO], N_IO);
	ck_assert_uint_eq(seen.n[KE_EXIT], N_IO + N_EPT + N_CPU);
	ck_assert_uint_eq(tracedat_lost(td), 1);
	ck_assert_int_eq(tracedat_status(td, 0)->state, SOURCE_DEGRADED);
	ck_assert_msg(strstr(tracedat_status(td, 0)->why, "1 pages malformed"), "%s",
		      tracedat_status(td, 0)->why);
	tracedat_close(td);
}
END_TEST

START_TEST(lost_events)
{
	static const char stats[] = "CPU: 1\nentries: 0\noverrun: 70\ncommit overrun: 5\n"
				    "bytes: 0\ndropped events: 2\nread events: 9\n";
	static const char ghost[] = "\nBuffer: ghost\n\n";
	static const char ghost_stats[] = "CPU: 0\noverrun: 1000\n";
	struct seen seen = { 0 };
	struct tracedat *td;
	char why[256] = "";
	struct tdw w;
	int i;

	ck_assert_int_eq(tdw_init(&w, 2), 0);
	tdw_comm(&w, VCPU0, "CPU 0/KVM");
	for (i = 0; i < 400; i++) {
		/* The kernel overwrote 1234 events before the second page, some before the 5th. */
		if (i == 150)
			tdw_missed(&w, 0, 1234);
		if (i == 300)
			tdw_missed(&w, 0, -1);
		tdw_event(&w, 0, T0 + (uint64_t)i * 100, KE_PIO, VCPU0, "port", 0x40ull, "size",
			  1ull, NULL);
	}
	ck_assert_int_eq(tdw_write(&w, scratch("missed.dat"), 0), 0);
	td = tracedat_open(scratch("missed.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_int_eq(tracedat_read(td, ~0ull, count, &seen), 400);
	ck_assert_uint_eq(tracedat_lost(td), 1235);
	tracedat_close(td);

	/*
	 * The ring buffer's saved statistics count what no page flagged: those of the buffer
	 * read (the top instance's, first), not those of another buffer the file does not hold.
	 */
	tdw_option(&w, 2, stats, sizeof(stats));
	tdw_option(&w, 2, stats, sizeof(stats));
	tdw_option(&w, 2, ghost, sizeof(ghost));
	tdw_option(&w, 2, ghost_stats, sizeof(ghost_stats));
	ck_assert_int_eq(tdw_write(&w, scratch("stats.dat"), 0), 0);
	tdw_free(&w);
	td = tracedat_open(scratch("stats.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_uint_eq(tracedat_lost(td), 2 * 77);
	ck_assert_int_eq(tracedat_read(td, ~0ull, count, &seen), 400);
	ck_assert_uint_eq(tracedat_lost(td), 1235);
	tracedat_close(td);
}
END_TEST

START_TEST(bad_tgids)
{
	struct tdw w;

	vmx_host(&w);
	ck_assert_int_eq(tdw_write(&w, scratch("vmx.dat"), 0), 0);
	tdw_free(&w);
	write_bytes(scratch("bad.tgids"), "1000 1000\n1001 x\n", 18);
	assert_error(scratch("vmx.dat"), scratch("bad.tgids"), "line 2 is not 'TID TGID'");
	assert_error(scratch("vmx.dat"), scratch("none.tgids"), "--tgids");
	write_bytes(scratch("empty.tgids"), "", 0);
	ck_assert_ptr_null(open_error(scratch("vmx.dat"), scratch("empty.tgids")));
}
END_TEST

/* The committed recordings of real storms open and hold their storm's VM. */
START_TEST(real_fixtures)
{
	static const char *const names[] = { "timer", "apic", "pit", "virtio" };
	char path[256], tgids[300], why[256];
	struct procfs_sample ps = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct seen seen = { 0 };
		struct tracedat *td;
		int v, vcpus = 0;

		snprintf(path, sizeof(path), FIXTURES "/tracedat/%s.dat", names[i]);
		snprintf(tgids, sizeof(tgids), "%s.tgids", path);
		td = tracedat_open(path, tgids, why, sizeof(why));
		ck_assert_msg(td, "%s", why);
		ck_assert_int_gt(tracedat_read(td, ~0ull, count, &seen), 1000);
		ck_assert_int_eq(seen.out_of_order, 0);
		tracedat_sample(td, &ps);
		for (v = 0; v < ps.nvms; v++)
			vcpus += ps.vms[v].pid > 0;
		ck_assert_int_gt(vcpus, 0);
		tracedat_close(td);
	}
	procfs_sample_free(&ps);
}
END_TEST

/*
 * Small files with every event type, for the fuzz corpus (tests/fuzz/corpus-tracedat.sh runs
 * this suite with TRACEDAT_SEEDS set); read back here so the seeds are known good.
 */
START_TEST(small_seeds)
{
	struct seen seen = { 0 };
	struct tracedat *td;
	char why[256] = "";
	struct tdw w;
	uint64_t t = T0;
	int i, c;

	ck_assert_int_eq(tdw_init(&w, 2), 0);
	tdw_comm(&w, VCPU0, "CPU 0/KVM");
	tdw_comm(&w, IOTH, "IO iothread0");
	for (i = 0; i < 4; i++) {
		c = i & 1;
		if (i == 2)
			tdw_missed(&w, 0, 3);
		tdw_event(&w, c, t += 10, KE_EXIT, VCPU0, "exit_reason", 30ull, "isa", 1ull, NULL);
		tdw_event(&w, c, t += 10, KE_PIO, VCPU0, "rw", 1ull, "port", 0xc050ull, "size", 2ull,
			  "count", 1ull, NULL);
		tdw_event(&w, c, t += 10, KE_MMIO, VCPU0, "type", 2ull, "len", 4ull, "gpa",
			  0xfee000b0ull, NULL);
		tdw_event(&w, c, t += 10, KE_FAST_MMIO, VCPU0, "gpa", 0xfe003000ull, NULL);
		tdw_event(&w, c, t += 10, KE_MSR, VCPU0, "write", 1ull, "ecx", 0x6e0ull, NULL);
		tdw_event(&w, c, t += 10, KE_USER_EXIT, VCPU0, "reason", 2ull, NULL);
		tdw_event(&w, c, t += 10, KE_APIC, VCPU0, "rw", 1ull, "reg", 0x300ull, NULL);
		tdw_event(&w, c, t += 10, KE_EMULATE, VCPU0, "rip", 0xfff0ull, NULL);
		tdw_event(&w, c, t += 10, KE_SCHED_WAKING, VCPU0, "pid", (uint64_t)IOTH, NULL);
		tdw_event(&w, c, t += 10, KE_SCHED_SWITCH, VCPU0, "prev_pid", (uint64_t)VCPU0,
			  "prev_state", 1ull, "next_pid", (uint64_t)IOTH, NULL);
		tdw_event(&w, c, t += 10, KE_MSI_SET_IRQ, IOTH, "address", 0xfee00000ull, "data",
			  0x41ull, NULL);
		tdw_event(&w, c, t += 10, KE_SET_IRQ, IOTH, "gsi", 5ull, "level", 1ull, NULL);
		tdw_event(&w, c, t += 10, KE_VCPU_WAKEUP, VCPU0, "ns", 1000ull, "valid", 1ull, NULL);
		tdw_event(&w, c, t += 10, KE_ENTRY, VCPU0, "vcpu_id", 0ull, NULL);
	}
	tdw_option(&w, 5, "Linux seed 6.18.0 x86_64", 25);
	ck_assert_int_eq(tdw_write(&w, scratch("seed-all-events.dat"), 0), 0);
	w.patch_format = rename_port;
	ck_assert_int_eq(tdw_write(&w, scratch("seed-noport.dat"), 0), 0);
	tdw_free(&w);
	td = tracedat_open(scratch("seed-all-events.dat"), NULL, why, sizeof(why));
	ck_assert_msg(td, "%s", why);
	ck_assert_int_eq(tracedat_read(td, ~0ull, count, &seen), 4 * 14);
	/* Every type the seed writes (not the VMM's KVM_RUN syscall); the loss is marked. */
	for (c = KE_NONE + 1; c < KE__COUNT; c++)
		ck_assert_msg(c == KE_LOST || seen.n[c] == (c == KE_KVM_RUN ? 0 : 4), "%s: %llu",
			      kvm_event_type_name((unsigned int)c), (unsigned long long)seen.n[c]);
	ck_assert_uint_ge(seen.n[KE_LOST], 1);
	ck_assert_uint_eq(tracedat_lost(td), 3);
	tracedat_close(td);
}
END_TEST

/* The fuzz corpus, its regressions included: each file opens and reads, or gets its line. */
START_TEST(fuzz_corpus)
{
	static const char dir[] = "tests/fuzz/corpus/fuzz_tracedat";
	struct dirent *de;
	char path[512], why[256];
	int files = 0, opened = 0;
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		struct seen seen = { 0 };
		struct tracedat *td;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		why[0] = '\0';
		td = tracedat_open(path, NULL, why, sizeof(why));
		files++;
		if (!td) {
			ck_assert_msg(why[0] && !strchr(why, '\n'), "%s: '%s'", path, why);
			continue;
		}
		opened++;
		ck_assert_int_ge(tracedat_read(td, ~0ull, count, &seen), 0);
		tracedat_close(td);
	}
	closedir(d);
	ck_assert_int_ge(files, 5);
	ck_assert_int_ge(opened, 4);
}
END_TEST

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/kvmscope-tracedat.XXXXXX");
}

static Suite *tracedat_suite(void)
{
	Suite *s = suite_create("tracedat");
	TCase *tc = tcase_create("tracedat");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reads_vmx_host);
	tcase_add_test(tc, offline_snapshots);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, unknown_compression);
	tcase_add_test(tc, undecodable_records);
	tcase_add_test(tc, bad_page);
	tcase_add_test(tc, lost_events);
	tcase_add_test(tc, bad_tgids);
	tcase_add_test(tc, real_fixtures);
	tcase_add_test(tc, small_seeds);
	tcase_add_test(tc, fuzz_corpus);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(tracedat_suite)
