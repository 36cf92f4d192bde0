// SPDX-License-Identifier: GPL-2.0
/*
 * kvmstat probe: the debugfs reader against tests/fixtures/debugfs and against trees made
 * here (files that vanish between the listing and the read, garbage, wraps), finding
 * debugfs by filesystem type, and the tracepoint fallback on this process's own threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counters.h"
#include "kvmstat.h"
#include "proc.h"
#include "unit.h"

static const struct ctr_raw *get(const struct ctr_set *s, const char *name)
{
	const struct ctr_raw *c = ctr_set_find(s, name);

	ck_assert_msg(c != NULL, "%s missing", name);
	return c;
}

static const struct kstat_vcpu *vcpu(const struct kstat_vm *vm, int index)
{
	int i;

	for (i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].index == index)
			return &vm->vcpus[i];
	ck_abort_msg("vcpu%d missing", index);
	return NULL;
}

START_TEST(fixture_tree)
{
	struct kvmstat *k = kvmstat_open(FIXTURES "/debugfs", NULL, false, NULL);
	struct kvmstat_sample s = { 0 };
	const struct ctr_raw *h;

	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_OK);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_str_eq(s.source, "debugfs");
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert_uint_eq(get(&s.host, "exits")->value, 1500000);
	ck_assert_int_eq(get(&s.host, "exits")->kind, CTR_COUNT);
	ck_assert_int_eq(get(&s.host, "halt_wait_ns")->kind, CTR_TIME_NS);
	ck_assert_int_eq(get(&s.host, "halt_poll_fail_ns")->kind, CTR_TIME_NS);
	ck_assert_int_eq(get(&s.host, "online_vcpus")->kind, CTR_GAUGE);
	ck_assert_int_eq(get(&s.host, "pages_4k")->kind, CTR_GAUGE);
	/* debugfs shows a histogram as its first bucket: a count, named for what it is. */
	h = get(&s.host, "halt_poll_success_hist[0]");
	ck_assert_int_eq(h->kind, CTR_COUNT);
	ck_assert_uint_eq(h->value, 5);
	ck_assert_ptr_null(ctr_set_find(&s.host, "halt_poll_success_hist"));
	ck_assert_int_eq(s.host.n, 12);
	ck_assert_int_eq(s.nvms, 1);
	ck_assert_int_eq(s.vms[0].pid, 4242);
	ck_assert_int_eq(s.vms[0].fd, 12);
	/* The VM's stats and its vCPUs' summed; mmu_rmaps_stat is a table, no stat. */
	ck_assert_int_eq(s.vms[0].set.n, 12);
	ck_assert_uint_eq(get(&s.vms[0].set, "remote_tlb_flush")->value, 4);
	ck_assert_uint_eq(get(&s.vms[0].set, "exits")->value, 1500000);
	ck_assert_ptr_null(ctr_set_find(&s.vms[0].set, "mmu_rmaps_stat"));
	/* vcpuN/ holds the vCPU's state: gauges; its pid and signed tsc-offset are left out. */
	ck_assert_int_eq(s.vms[0].nvcpus, 2);
	ck_assert_int_eq(vcpu(&s.vms[0], 0)->set.n, 4);
	ck_assert_int_eq(get(&vcpu(&s.vms[0], 0)->set, "guest_mode")->kind, CTR_GAUGE);
	ck_assert_int_eq(get(&vcpu(&s.vms[0], 0)->set, "tsc-scaling-ratio-frac-bits")->kind,
			 CTR_GAUGE);
	ck_assert_uint_eq(get(&vcpu(&s.vms[0], 1)->set, "lapic_timer_advance_ns")->value, 1500);
	ck_assert_int_eq(get(&vcpu(&s.vms[0], 1)->set, "lapic_timer_advance_ns")->kind,
			 CTR_GAUGE);
	ck_assert_ptr_null(ctr_set_find(&vcpu(&s.vms[0], 0)->set, "tsc-offset"));
	ck_assert_ptr_null(ctr_set_find(&vcpu(&s.vms[0], 0)->set, "pid"));
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert(s.host.ts_ns > 0 && s.vms[0].set.ts_ns == s.host.ts_ns);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
}
END_TEST

/* A temporary tree: dir/kvm with a VM 77-5 and its vcpu0. */
static char tree[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kvm/%s", tree, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void make_tree(void)
{
	char path[256];

	strcpy(tree, "/tmp/kvmstat-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	snprintf(path, sizeof(path), "%s/kvm", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/kvm/77-5", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/kvm/77-5/vcpu0", tree);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("exits", "10\n");
	put("io_exits", "4\n");
	put("77-5/exits", "10\n");
	put("77-5/vcpu0/exits", "10\n");
	put("77-5/vcpu0/io_exits", "4\n");
	put("77-5/vcpu0/mmio_exits", "6\n");
}

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(cmd), 0);
}

/* Deletes vcpu0/io_exits when the probe is about to read it, as a VM exiting would. */
static void vanish(void *arg, const char *path)
{
	int *hits = arg;

	if (strstr(path, "/77-5/vcpu0/io_exits")) {
		ck_assert_int_eq(unlink(path), 0);
		(*hits)++;
	}
}

START_TEST(files_vanish_while_read)
{
	struct kvmstat *k;
	struct kvmstat_sample s = { 0 };
	int hits = 0;

	make_tree();
	k = kvmstat_open(tree, NULL, false, NULL);
	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_OK);
	kvmstat_set_read_hook(k, vanish, &hits);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_int_eq(hits, 1);
	/* Listed, gone when read: skipped and counted; the rest read. */
	ck_assert_int_eq(s.scan_errors, 1);
	ck_assert_int_eq(s.nvms, 1);
	ck_assert_ptr_null(ctr_set_find(&vcpu(&s.vms[0], 0)->set, "io_exits"));
	ck_assert_uint_eq(get(&vcpu(&s.vms[0], 0)->set, "mmio_exits")->value, 6);
	ck_assert_uint_eq(get(&s.host, "io_exits")->value, 4);
	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_OK);
	ck_assert_str_eq(kvmstat_status(k)->why, "1 file vanished or unreadable in the last scan");
	/* The next scan finds the tree whole again. */
	kvmstat_set_read_hook(k, NULL, NULL);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert_str_eq(kvmstat_status(k)->why, "");
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	rm_tree();
}
END_TEST

/* Removes the VM directory when its first file is about to be read. */
static void vm_exits(void *arg, const char *path)
{
	char cmd[300];

	(void)arg;
	if (strstr(path, "/77-5/exits")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/kvm/77-5'", tree);
		ck_assert_int_eq(system(cmd), 0);
	}
}

START_TEST(vm_vanishes_while_read)
{
	struct kvmstat *k;
	struct kvmstat_sample s = { 0 };

	make_tree();
	k = kvmstat_open(tree, NULL, false, NULL);
	kvmstat_set_read_hook(k, vm_exits, NULL);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_int_ge(s.scan_errors, 1);
	/* What was read of it stays consistent; the host totals are whole. */
	ck_assert_int_le(s.nvms, 1);
	if (s.nvms)
		ck_assert_int_eq(s.vms[0].nvcpus, 0);
	ck_assert_uint_eq(get(&s.host, "exits")->value, 10);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	rm_tree();
}
END_TEST

START_TEST(garbage_and_wraps)
{
	struct ctr_hist h = { .source = "debugfs" };
	struct snap_counter *out = NULL;
	struct kvmstat *k;
	struct kvmstat_sample s = { 0 };
	int n = 0, i;

	make_tree();
	put("exits", "18446744073709551610\n");
	put("io_exits", "abc\n");
	put("77-5/exits", "");
	put("77-5/vcpu0/exits", "99999999999999999999999\n");
	put("77-5/vcpu0/io_exits", "12 junk\n");
	k = kvmstat_open(tree, NULL, false, NULL);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_uint_eq(get(&s.host, "exits")->value, 18446744073709551610ull);
	ck_assert_int_eq(get(&s.host, "io_exits")->err, -EINVAL);
	ck_assert_int_eq(get(&s.vms[0].set, "exits")->err, -EINVAL);
	ck_assert_int_eq(get(&vcpu(&s.vms[0], 0)->set, "exits")->err, -EINVAL);
	ck_assert_int_eq(get(&vcpu(&s.vms[0], 0)->set, "io_exits")->err, -EINVAL);
	ck_assert_uint_eq(get(&vcpu(&s.vms[0], 0)->set, "mmio_exits")->value, 6);
	ctr_hist_push(&h, &s.host);

	/* The host counter wraps past 2^64 between two samples a second apart. */
	usleep(20000);
	put("exits", "4\n");
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ctr_hist_push(&h, &s.host);
	ck_assert_int_eq(ctr_hist_snap(&h, false, &out, &n), 2);
	for (i = 0; i < n; i++) {
		if (!strcmp(out[i].name, "exits")) {
			ck_assert_uint_eq(out[i].count, 10);
			ck_assert(out[i].rate > 0);
		} else {
			ck_assert_str_eq(out[i].name, "io_exits");
			ck_assert_str_eq(out[i].why, "invalid");
			ck_assert(out[i].rate < 0);
		}
	}
	free(out);
	ctr_hist_free(&h);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	rm_tree();
}
END_TEST

/*
 * A VM or vCPU directory the kernel is still creating or already removing lists no files:
 * read as a scope with no counters, and the rest of the tree as usual.
 */
START_TEST(empty_dirs)
{
	struct kvmstat_sample s = { 0 };
	const struct kstat_vm *vm = NULL;
	char cmd[512];
	struct kvmstat *k;
	int i;

	strcpy(tree, "/tmp/kvmstat-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	snprintf(cmd, sizeof(cmd),
		 "cp -r '%s/kvm' '%s/' && mkdir '%s/kvm/4242-12/vcpu2' '%s/kvm/4243-7'",
		 FIXTURES "/debugfs", tree, tree, tree);
	ck_assert_int_eq(system(cmd), 0);
	k = kvmstat_open(tree, NULL, false, NULL);
	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_OK);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert_int_eq(s.host.n, 12);
	ck_assert_int_eq(s.nvms, 2);
	for (i = 0; i < s.nvms; i++) {
		if (s.vms[i].pid == 4243) {
			ck_assert_int_eq(s.vms[i].set.n, 0);
			ck_assert_int_eq(s.vms[i].nvcpus, 0);
		} else {
			vm = &s.vms[i];
		}
	}
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm->set.n, 12);
	ck_assert_int_eq(vm->nvcpus, 3);
	ck_assert_int_eq(vcpu(vm, 2)->set.n, 0);
	ck_assert_int_eq(vcpu(vm, 0)->set.n, 4);
	ck_assert_uint_eq(get(&vcpu(vm, 1)->set, "lapic_timer_advance_ns")->value, 1500);
	/* And again: an empty scope in the previous sample too. */
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_int_eq(s.nvms, 2);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	rm_tree();
}
END_TEST

START_TEST(kinds)
{
	ck_assert_int_eq(kvmstat_kind("exits", 1), CTR_COUNT);
	ck_assert_int_eq(kvmstat_kind("halt_poll_success_ns", 1), CTR_TIME_NS);
	ck_assert_int_eq(kvmstat_kind("halt_wait_ns", 1), CTR_TIME_NS);
	ck_assert_int_eq(kvmstat_kind("halt_poll_fail_hist[0]", 1), CTR_COUNT);
	ck_assert_int_eq(kvmstat_kind("halt_wait_hist", 32), CTR_HIST);
	ck_assert_int_eq(kvmstat_kind("pages_2m", 1), CTR_GAUGE);
	ck_assert_int_eq(kvmstat_kind("max_mmu_page_hash_collisions", 1), CTR_GAUGE);
}
END_TEST

/* A FUSE filesystem at the usual path is not debugfs; the real one is found by type. */
START_TEST(debugfs_by_type)
{
	char mounts[] = "/tmp/kvmstat-mounts.XXXXXX", buf[256];
	struct kvmstat *k;
	int fd = mkstemp(mounts);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("sysfs /sys sysfs rw,nosuid 0 0\n"
	      "fake /sys/kernel/debug fuse.fake rw,nosuid 0 0\n",
	      f);
	fclose(f);
	ck_assert_ptr_null(kvmstat_find_mount(mounts, "debugfs", buf, sizeof(buf)));
	k = kvmstat_open(NULL, mounts, false, NULL);
	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_UNAVAILABLE);
	ck_assert_str_eq(kvmstat_status(k)->why, "debugfs: not mounted");
	kvmstat_close(k);

	f = fopen(mounts, "a");
	fprintf(f, "debugfs %s debugfs rw,relatime 0 0\n", FIXTURES "/debugfs");
	fclose(f);
	ck_assert_str_eq(kvmstat_find_mount(mounts, "debugfs", buf, sizeof(buf)),
			 FIXTURES "/debugfs");
	k = kvmstat_open(NULL, mounts, false, NULL);
	ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_OK);
	kvmstat_close(k);
	unlink(mounts);
}
END_TEST

/* Without a readable debugfs and with tracepoints allowed: counted, and the status says so. */
START_TEST(tracepoint_fallback_status)
{
	char mounts[] = "/tmp/kvmstat-mounts.XXXXXX";
	struct kvmstat *k;
	int fd = mkstemp(mounts);

	ck_assert_int_ge(fd, 0);
	close(fd);
	k = kvmstat_open(NULL, mounts, true, NULL);
	/* No tracefs in this mounts file: the default path is tried. */
	if (access("/sys/kernel/tracing/events/kvm/kvm_pio/id", R_OK)) {
		ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_UNAVAILABLE);
	} else {
		ck_assert_int_eq(kvmstat_status(k)->state, SOURCE_DEGRADED);
		ck_assert_str_eq(kvmstat_status(k)->why,
				 "tracepoint counters (debugfs: not mounted)");
	}
	kvmstat_close(k);
	unlink(mounts);
}
END_TEST

/*
 * Every KVM tracepoint counted per CPU for the host; a costly one dropped (not a needed one),
 * keeping its count, or counted part-time; exit reasons as filtered children.
 */
START_TEST(host_tracepoints_per_cpu)
{
	char mounts[] = "/tmp/kvmstat-mounts.XXXXXX";
	static const struct kstat_reason io[] = {
		{ "kvm_userspace_exit", "reason", 2, "KVM_EXIT_IO" },
	};
	struct kvmstat_sample s = { 0 };
	const struct ctr_raw *c;
	struct kvmstat *k;
	int fd;

	if (geteuid())
		unit_skip("needs root: per-CPU counters");
	if (access("/sys/kernel/tracing/events/kvm/kvm_pio/id", R_OK))
		unit_skip("no KVM tracepoints in /sys/kernel/tracing");
	fd = mkstemp(mounts);
	ck_assert_int_ge(fd, 0);
	close(fd);
	k = kvmstat_open(NULL, mounts, true, NULL);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_uint_ne(s.tp_host.ts_ns, 0);
	ck_assert_int_gt(s.tp_host.n, 20);
	ck_assert_int_eq(get(&s.tp_host, "kvm_pio")->err, 0);
	ck_assert_int_eq(get(&s.tp_host, "kvm_fpu")->err, 0);
	ck_assert(kvmstat_droppable("kvm_emulate_insn"));
	ck_assert(!kvmstat_droppable("kvm_pio"));
	ck_assert_int_eq(kvmstat_drop(k, "kvm_pio"), -EPERM);
	ck_assert_int_eq(kvmstat_drop(k, "kvm_fpu"), 0);
	ck_assert_int_eq(kvmstat_drop(k, "kvm_fpu"), -ENOENT);
	/* Part-time: a group of its own, on until the loop plans its window. */
	{
		static const char *const some[] = { "kvm_pio", "kvm_fpu", "kvm_age_hva", "nope" };

		/* Only kvm_age_hva: kvm_pio is needed, kvm_fpu dropped, nope unknown. */
		ck_assert_int_eq(kvmstat_part_time(k, some, 4), 1);
		ck_assert_int_eq(kvmstat_part_time(k, some + 2, 1), 0);
	}
	ck_assert_int_eq(kvmstat_part_on(k, false), 1);
	ck_assert_int_eq(kvmstat_part_on(k, true), 1);
	ck_assert_int_eq(kvmstat_exit_reasons(k, io, 1), 0);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	c = get(&s.tp_host, "kvm_fpu");
	ck_assert_int_eq(c->err, -ECANCELED);
	ck_assert_str_eq(ctr_why(c->err, false), "dropped: too frequent to count cheaply");
	ck_assert_int_eq(get(&s.tp_host, "kvm_pio")->err, 0);
	ck_assert_int_eq(get(&s.tp_host, "kvm_age_hva")->err, 0);
	ck_assert_int_eq(get(&s.tp_host, "kvm_userspace_exit(KVM_EXIT_IO)")->err, 0);
	/* Per vCPU: only under lockdown or without debugfs, on vCPU threads (none here). */
	ck_assert_int_eq(kvmstat_focus(k, 0), 0);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	unlink(mounts);
}
END_TEST

/* The VMM of made_vm_counted_early: pipes in (go), out (a thread's tid), on (go on). */
static int made_in[2], made_out[2], made_on[2];

static void hits(int n)
{
	while (n--)
		syscall(SYS_getppid);
}

static void *made_worker(void *arg)
{
	hits(300);
	return arg;
}

/* The "vCPU": hits, says its tid, waits, hits again, says so. */
static void *made_vcpu(void *arg)
{
	int tid = (int)syscall(SYS_gettid);
	char c;

	hits(1000);
	if (write(made_out[1], &tid, sizeof(tid)) != sizeof(tid) || read(made_on[0], &c, 1) != 1)
		_exit(2);
	hits(100);
	if (write(made_out[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(2);
	pause();
	return arg;
}

/* A VMM's start: 200 hits of its own, a thread of 300 that ends, then its vCPU's 1000. */
static void made_vmm(void)
{
	pthread_t w, v;
	char c;

	if (read(made_in[0], &c, 1) != 1)
		_exit(2);
	hits(200);
	if (pthread_create(&w, NULL, made_worker, NULL) || pthread_join(w, NULL) ||
	    pthread_create(&v, NULL, made_vcpu, NULL))
		_exit(2);
	pause();
	_exit(0);
}

static const struct kstat_vm *vm_of(const struct kvmstat_sample *s, int pid)
{
	int i;

	for (i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid)
			return &s->vms[i];
	return NULL;
}

/* Writes dir/events/kvm/name/id holding the id of tracefs tracepoint sys/real. */
static void fake_tracepoint(const char *dir, const char *name, const char *real)
{
	char path[PATH_MAX], id[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", real);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(id, sizeof(id), f));
	fclose(f);
	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/kvm", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/kvm/%s", dir, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/events/kvm/%s/id", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(id, f);
	fclose(f);
}

/*
 * A process that has just made a VM (KVM's uevent) is counted from then on, the threads it
 * makes since included, those that end too; once a sync shows the VM with its vCPUs, those
 * counts are the VM's and its vCPUs' own counters go on, nothing counted twice. No KVM
 * tracepoint fires on demand here, so the test's own tracefs tree gives kvm_pio and kvm_mmio
 * the ids of the getppid and getpgrp syscalls' tracepoints: a fake of the ids only, the
 * counting is the kernel's.
 */
START_TEST(made_vm_counted_early)
{
	char dir[] = "/tmp/kvmstat-made.XXXXXX", mounts[PATH_MAX], c = 'x';
	struct kvmstat_sample s = { 0 };
	struct proc_thread th = { 0 };
	struct proc_vm pv[2] = { 0 };
	struct procfs_sample ps = { 0 };
	const struct kstat_vm *vm;
	struct kvmstat *k;
	pid_t vmm, idle, novcpu;
	int tid = 0, i;
	FILE *f;

	if (geteuid())
		unit_skip("needs root: tracepoint counters on another process");
	if (access("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id", R_OK))
		unit_skip("no syscall tracepoints in /sys/kernel/tracing");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	fake_tracepoint(dir, "kvm_pio", "syscalls/sys_enter_getppid");
	fake_tracepoint(dir, "kvm_mmio", "syscalls/sys_enter_getpgrp");
	snprintf(mounts, sizeof(mounts), "%s/mounts", dir);
	f = fopen(mounts, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "tracefs %s tracefs rw,nosuid 0 0\n", dir);
	fclose(f);
	ck_assert_int_eq(pipe(made_in) | pipe(made_out) | pipe(made_on), 0);
	vmm = fork();
	ck_assert_int_ge(vmm, 0);
	if (!vmm)
		made_vmm();
	idle = fork();
	ck_assert_int_ge(idle, 0);
	if (!idle) {
		pause();
		_exit(0);
	}
	/* A VMM whose vCPUs are never found (always running, no thread names): 50 hits. */
	novcpu = fork();
	ck_assert_int_ge(novcpu, 0);
	if (!novcpu) {
		if (read(made_on[0], &c, 1) != 1)
			_exit(2);
		hits(50);
		if (write(made_out[1], &c, 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}

	/* No debugfs: per vCPU thread. */
	k = kvmstat_open(dir, mounts, true, NULL);
	ck_assert(kvmstat_per_thread(k));
	ck_assert_int_eq(kvmstat_follow_made(k, vmm, &vmm, 1), 0);
	/* Told twice (two VMs, or a uevent read late): counted once. */
	ck_assert_int_eq(kvmstat_follow_made(k, vmm, &vmm, 1), 0);
	ck_assert_int_eq(kvmstat_follow_made(k, idle, &idle, 1), 0);
	ck_assert_int_eq(kvmstat_follow_made(k, novcpu, &novcpu, 1), 0);
	ck_assert_int_eq(write(made_on[1], &c, 1), 1);
	ck_assert_int_eq(read(made_out[0], &c, 1), 1);
	ck_assert_int_eq(write(made_in[1], &c, 1), 1);
	ck_assert_int_eq(read(made_out[0], &tid, sizeof(tid)), (ssize_t)sizeof(tid));

	/* Not shown by a sync yet: the process's counts, from zero. */
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	vm = vm_of(&s, vmm);
	ck_assert_ptr_nonnull(vm);
	ck_assert(vm->fresh);
	ck_assert_uint_eq(get(&vm->set, "kvm_pio")->value, 1500);
	ck_assert_uint_eq(get(&vm->set, "kvm_mmio")->value, 0);
	ck_assert_int_eq(vm->nvcpus, 0);
	ck_assert_ptr_nonnull(vm_of(&s, idle));

	/* Shown with its vCPU: the counts so far are the VM's; the vCPU's own start at 0. */
	th.tid = tid;
	th.kind = PROC_VCPU;
	th.index = 0;
	pv[0].pid = vmm;
	pv[0].threads = &th;
	pv[0].nthreads = 1;
	pv[1].pid = novcpu;
	ps.vms = pv;
	ps.nvms = 2;
	ck_assert_int_eq(kvmstat_sync(k, &ps), 0);
	/* Followed already: nothing opened twice. */
	ck_assert_int_eq(kvmstat_follow_made(k, vmm, &tid, 1), 0);
	ck_assert_int_eq(write(made_on[1], &c, 1), 1);
	ck_assert_int_eq(read(made_out[0], &tid, sizeof(tid)), (ssize_t)sizeof(tid));
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	vm = vm_of(&s, vmm);
	ck_assert_ptr_nonnull(vm);
	ck_assert_uint_eq(get(&vm->set, "kvm_pio")->value, 1600);
	ck_assert_uint_eq(get(&vcpu(vm, 0)->set, "kvm_pio")->value, 100);

	ck_assert_uint_eq(get(&vm_of(&s, novcpu)->set, "kvm_pio")->value, 50);

	/*
	 * Let go after a while: a process that made a VM never shown, and the threads of one
	 * whose vCPUs are never found (their counts kept as the VM's).
	 */
	ck_assert_ptr_nonnull(vm_of(&s, idle));
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(kvmstat_sync(k, &ps), 0);
	ck_assert_int_eq(kvmstat_sample(k, &s), 0);
	ck_assert_ptr_null(vm_of(&s, idle));
	ck_assert_uint_eq(get(&vm_of(&s, vmm)->set, "kvm_pio")->value, 1600);
	ck_assert_uint_eq(get(&vm_of(&s, novcpu)->set, "kvm_pio")->value, 50);

	kvmstat_sample_free(&s);
	kvmstat_close(k);
	kill(vmm, SIGKILL);
	kill(idle, SIGKILL);
	kill(novcpu, SIGKILL);
	waitpid(vmm, NULL, 0);
	waitpid(idle, NULL, 0);
	waitpid(novcpu, NULL, 0);
	unlink(mounts);
	snprintf(mounts, sizeof(mounts), "rm -rf %s", dir);
	ck_assert_int_eq(system(mounts), 0);
}
END_TEST

static Suite *kvmstat_suite(void)
{
	Suite *s = suite_create("kvmstat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fixture_tree);
	tcase_add_test(tc, files_vanish_while_read);
	tcase_add_test(tc, vm_vanishes_while_read);
	tcase_add_test(tc, garbage_and_wraps);
	tcase_add_test(tc, empty_dirs);
	tcase_add_test(tc, kinds);
	tcase_add_test(tc, debugfs_by_type);
	tcase_add_test(tc, tracepoint_fallback_status);
	tcase_add_test(tc, host_tracepoints_per_cpu);
	tcase_add_test(tc, made_vm_counted_early);
	/* Closing every KVM tracepoint's counters costs the kernel a grace period each. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(kvmstat_suite)
