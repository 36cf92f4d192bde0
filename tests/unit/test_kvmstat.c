// SPDX-License-Identifier: GPL-2.0
/*
 * kvmstat probe: the debugfs reader against tests/fixtures/debugfs and against trees made
 * here (files that vanish between the listing and the read, garbage, wraps), finding
 * debugfs by filesystem type, and the tracepoint fallback on this process's own threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "kvmstat.h"
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
	/* Closing every KVM tracepoint's counters costs the kernel a grace period each. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(kvmstat_suite)
