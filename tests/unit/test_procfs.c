// SPDX-License-Identifier: GPL-2.0
/*
 * procfs probe against the recorded tree in tests/fixtures/proc (see its README), against
 * copies of it changed between samples (full scans, and light samples between them), and
 * against the live /proc.
 *
 * The binary has two more modes, for the end-to-end tests and for measuring:
 *   test_procfs --dump [ROOT]    one line per VM thread: pid name kind index tid comm
 *   test_procfs --bench N [ROOT] times N samples, prints the median and the spread
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmuevent.h"
#include "procfs.h"
#include "snapshot.h"
#include "unit.h"

#define PROC_FIXTURE FIXTURES "/proc"

/* Returns ticks as nanoseconds the way the probe must convert them. */
static uint64_t tick_ns(uint64_t ticks)
{
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* Returns the VM with pid in s, or NULL. */
static const struct proc_vm *find_vm(const struct procfs_sample *s, int pid)
{
	int i;

	for (i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid)
			return &s->vms[i];
	return NULL;
}

/* Returns the thread tid of vm, or NULL. */
static const struct proc_thread *find_thread(const struct proc_vm *vm, int tid)
{
	int i;

	for (i = 0; vm && i < vm->nthreads; i++)
		if (vm->threads[i].tid == tid)
			return &vm->threads[i];
	return NULL;
}

/* Asserts the kind and index of thread tid of vm. */
static void check_thread(const struct proc_vm *vm, int tid, const char *comm, enum proc_kind kind,
			 int index)
{
	const struct proc_thread *t = find_thread(vm, tid);

	ck_assert_msg(t != NULL, "thread %d missing", tid);
	ck_assert_str_eq(t->comm, comm);
	ck_assert_msg(t->kind == kind, "thread %d: kind %d, want %d", tid, t->kind, kind);
	ck_assert_msg(t->index == index, "thread %d: index %d, want %d", tid, t->index, index);
}

/* The temporary tree of the running test: removed at exit, also when an assertion fails. */
static char tmp_tree[64];

/* Returns nothing; removes the temporary tree if there is one. */
static void tmp_tree_remove(void)
{
	char cmd[192];

	if (!*tmp_tree)
		return;
	/* A test may have shut directories: open them again first. */
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwX '%s'; rm -rf '%s'", tmp_tree, tmp_tree);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp_tree);
	*tmp_tree = '\0';
}

/* Returns a fresh copy of the fixture tree under a new temporary directory (caller frees). */
static char *fixture_copy(void)
{
	static int registered;
	char cmd[256], *root;

	snprintf(tmp_tree, sizeof(tmp_tree), "/tmp/kvmscope-procfs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_tree));
	if (!registered++)
		atexit(tmp_tree_remove);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s/proc'", PROC_FIXTURE, tmp_tree);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_ne(asprintf(&root, "%s/proc", tmp_tree), -1);
	return root;
}

/* Removes the temporary tree made by fixture_copy() and frees its name. */
static void fixture_drop(char *root)
{
	tmp_tree_remove();
	free(root);
}

/* Writes len bytes to root/rel, replacing the file. */
static void put_bytes(const char *root, const char *rel, const char *bytes, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	fclose(f);
}

/* Writes text to root/rel, replacing the file. */
static void put(const char *root, const char *rel, const char *text)
{
	put_bytes(root, rel, text, strlen(text));
}

/*
 * Replaces field (1-based, counted as in proc(5)) of the stat file root/rel; field 2, the
 * comm, is given without its parentheses.
 */
static void stat_set(const char *root, const char *rel, int field, const char *value)
{
	char path[512], buf[2048], out[2048], *c, *tok;
	size_t n;
	int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	c = strrchr(buf, ')');
	ck_assert_ptr_nonnull(c);
	c += 2; /* at field 3 */
	if (field == 2)
		snprintf(out, sizeof(out), "%.*s(%s) ", (int)(strchr(buf, '(') - buf), buf, value);
	else
		snprintf(out, sizeof(out), "%.*s", (int)(c - buf), buf);
	for (i = 3, tok = strtok(c, " \n"); tok; i++, tok = strtok(NULL, " \n")) {
		strcat(out, i == field ? value : tok);
		strcat(out, " ");
	}
	out[strlen(out) - 1] = '\n';
	put(root, rel, out);
}

/* Replaces directory root/rel by a copy of itself: the same content under a new inode. */
static void dir_renew(const char *root, const char *rel)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && cp -a '%s' '%s.new' && rm -rf '%s' && mv '%s.new' '%s'", root, rel,
		 rel, rel, rel, rel);
	ck_assert_int_eq(system(cmd), 0);
}

/* Makes root/rel a symbolic link whose text is target. */
static void link_put(const char *root, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	ck_assert_int_eq(symlink(target, path), 0);
}

START_TEST(test_fixture_vms)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(s.nvms, 3);
	/* Sorted by pid; the non-VM process 4300 and kernel thread 2 are not VMs. */
	ck_assert_int_eq(s.vms[0].pid, 4100);
	ck_assert_int_eq(s.vms[1].pid, 4200);
	ck_assert_int_eq(s.vms[2].pid, 4400);
	ck_assert_uint_gt(s.ts_ns, 0);

	vm = find_vm(&s, 4100);
	ck_assert_str_eq(vm->comm, "qemu-system-x86");
	ck_assert_str_eq(vm->name, "web01");
	ck_assert_str_eq(vm->uuid, "6f1c9a2e-3b7d-4e85-9c40-1a2b3c4d5e6f");
	ck_assert_int_eq(vm->nvcpu_fds, 2);
	ck_assert_uint_eq(vm->starttime, 838482);

	vm = find_vm(&s, 4200);
	ck_assert_str_eq(vm->comm, "qemu-system-x86");
	ck_assert_str_eq(vm->name, "db02");
	ck_assert_str_eq(vm->uuid, "");
	ck_assert_int_eq(vm->nvcpu_fds, 2);

	vm = find_vm(&s, 4400);
	ck_assert_int_eq(vm->nvcpu_fds, 1);
	ck_assert_str_eq(vm->uuid, "");
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);
	ck_assert_str_eq(procfs_status(p)->name, "procfs");
	ck_assert_str_eq(procfs_status(p)->why, "");
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_fixture_named_threads)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	struct procfs *p;
	int i;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, 4100);
	ck_assert_ptr_nonnull(vm);
	/* 4199 is a thread directory without files: gone, not listed. */
	ck_assert_int_eq(vm->nthreads, 8);
	for (i = 1; i < vm->nthreads; i++)
		ck_assert_int_lt(vm->threads[i - 1].tid, vm->threads[i].tid);
	check_thread(vm, 4100, "qemu-system-x86", PROC_OTHER, -1);
	check_thread(vm, 4101, "call_rcu", PROC_OTHER, -1);
	check_thread(vm, 4102, "IO iothread0", PROC_IOTHREAD, -1);
	check_thread(vm, 4103, "CPU 0/KVM", PROC_VCPU, 0);
	check_thread(vm, 4104, "CPU 1/KVM", PROC_VCPU, 1);
	check_thread(vm, 4105, "worker", PROC_OTHER, -1);
	/* KVM's own worker shows the KVM_RUN of the vCPU it was forked from: not a vCPU. */
	check_thread(vm, 4106, "kvm-nx-lpage-re", PROC_OTHER, -1);
	check_thread(vm, 4107, "worker", PROC_OTHER, -1);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_fixture_syscall_vcpus)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	/* No debug-threads: every thread is qemu-system-x86; vCPUs from syscall + fd link. */
	vm = find_vm(&s, 4200);
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm->nthreads, 5);
	check_thread(vm, 4200, "qemu-system-x86", PROC_OTHER, -1);
	check_thread(vm, 4201, "qemu-system-x86", PROC_OTHER, -1);
	check_thread(vm, 4202, "qemu-system-x86", PROC_VCPU, 0); /* fd 0x9 */
	check_thread(vm, 4203, "qemu-system-x86", PROC_VCPU, 1); /* fd 0xb = 11 */
	check_thread(vm, 4204, "kvm-nx-lpage-re", PROC_OTHER, -1);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_fixture_raw_bytes)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, 4400);
	ck_assert_ptr_nonnull(vm);
	/* The binary was started as "q\e[1;31m)\n(x": ')' and '\n' inside the comm. */
	ck_assert_str_eq(vm->comm, "q\x1b[1;31m)\n(x");
	ck_assert_str_eq(vm->name, "\x1b]0;owned\x07\x1b[2J,x");
	ck_assert_int_eq(vm->nthreads, 4);
	check_thread(vm, 4400, "q\x1b[1;31m)\n(x", PROC_OTHER, -1);
	check_thread(vm, 4401, "q\x1b[1;31m)\n(x", PROC_OTHER, -1);
	check_thread(vm, 4402, "CPU 0/KVM", PROC_VCPU, 0);
	check_thread(vm, 4403, "kvm-nx-lpage-re", PROC_OTHER, -1);
	/* The fields after the odd comm are read from the right place. */
	ck_assert_int_eq(find_thread(vm, 4400)->state, 'S');
	ck_assert_uint_eq(find_thread(vm, 4400)->utime_ns, tick_ns(1));
	ck_assert_uint_eq(find_thread(vm, 4400)->stime_ns, tick_ns(1));
	ck_assert_int_eq(find_thread(vm, 4400)->last_cpu, 1);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_fixture_times)
{
	struct procfs_sample s = { 0 };
	const struct proc_thread *t;
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	t = find_thread(find_vm(&s, 4100), 4103);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->run_ns, 2915473067ull);
	ck_assert_uint_eq(t->wait_ns, 1586017441ull);
	ck_assert_uint_eq(t->slices, 703);
	ck_assert_uint_eq(t->utime_ns, 0);
	ck_assert_uint_eq(t->stime_ns, tick_ns(291));
	ck_assert_uint_eq(t->stime_ns, 2910000000ull); /* USER_HZ is 100 on Linux */
	/* Recorded on a host whose KVM never enters hardware guest mode. */
	ck_assert_uint_eq(t->guest_ns, 0);
	ck_assert_int_eq(t->last_cpu, 1);
	ck_assert_int_eq(t->state, 'S');
	t = find_thread(find_vm(&s, 4200), 4203);
	ck_assert_uint_eq(t->run_ns, 11389404ull);
	ck_assert_uint_eq(t->wait_ns, 19416112ull);
	ck_assert_uint_eq(t->slices, 69);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_fixture_vanished)
{
	struct procfs_sample s = { 0 };
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	/* Thread 4199 (no files), process 4600 (no fd dir), process 4700 (no stat). */
	ck_assert_int_eq(s.scan_errors, 3);
	ck_assert_ptr_null(find_vm(&s, 4600));
	ck_assert_ptr_null(find_vm(&s, 4700));
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

/*
 * Out of fds: processes that cannot be looked at are counted and named in the status, so
 * that an empty VM list says why rather than "no VMs"; with fds again, the VMs are back.
 */
START_TEST(test_fixture_out_of_fds)
{
	struct procfs_sample s = { 0 };
	struct rlimit rl, low;
	struct procfs *p;
	int fd;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	/* The lowest free fd goes to the process list; the next open fails. */
	fd = dup(0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = (rlim_t)fd + 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(s.nvms, 0);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_DEGRADED);
	ck_assert_msg(strstr(procfs_status(p)->why, "cannot read ") &&
			      strstr(procfs_status(p)->why, strerror(EMFILE)),
		      "%s", procfs_status(p)->why);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(s.nvms, 3);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_second_sample)
{
	struct procfs_sample a = { 0 }, b = { 0 };
	struct procfs *p;
	int i, j, round;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &a), 0);
	/* Later samples, from the memory of the first or after a fresh look, find the same. */
	for (round = 0; round < 2 * 10 + 1; round++) {
		ck_assert_int_eq(procfs_sample(p, &b), 0);
		ck_assert_int_eq(b.nvms, a.nvms);
		ck_assert_int_eq(b.scan_errors, a.scan_errors);
		for (i = 0; i < a.nvms; i++) {
			ck_assert_int_eq(b.vms[i].pid, a.vms[i].pid);
			ck_assert_str_eq(b.vms[i].name, a.vms[i].name);
			ck_assert_str_eq(b.vms[i].uuid, a.vms[i].uuid);
			ck_assert_int_eq(b.vms[i].nvcpu_fds, a.vms[i].nvcpu_fds);
			ck_assert_int_eq(b.vms[i].nthreads, a.vms[i].nthreads);
			for (j = 0; j < a.vms[i].nthreads; j++) {
				ck_assert_int_eq(b.vms[i].threads[j].tid, a.vms[i].threads[j].tid);
				ck_assert_int_eq(b.vms[i].threads[j].kind,
						 a.vms[i].threads[j].kind);
				ck_assert_int_eq(b.vms[i].threads[j].index,
						 a.vms[i].threads[j].index);
			}
		}
	}
	ck_assert_uint_ge(b.ts_ns, a.ts_ns);
	procfs_sample_free(&a);
	procfs_sample_free(&b);
	procfs_sample_free(&b); /* twice is harmless */
	procfs_close(p);
}
END_TEST

START_TEST(test_nonvm_cache)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy();
	struct procfs *p;
	int i, found_at = 0;

	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	/* Samples 1-3: 4300 is new, then young; its fds are read each time. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, 4300));

	/*
	 * 4300 creates a VM. Its fd table is not read again every sample: only every ~10th
	 * (for pid 4300, samples 10, 20 ...), or at once if the process changes.
	 */
	link_put(root, "4300/fd/7", "anon_inode:kvm-vm");
	for (i = 4; i <= 14 && !found_at; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		if (find_vm(&s, 4300))
			found_at = i;
	}
	ck_assert_int_eq(found_at, 10);
	ck_assert_str_eq(find_vm(&s, 4300)->name, ""); /* no cmdline: comm + pid it is */

	/* A process that closes its VM is noticed at its next look. */
	link_put(root, "4300/fd/7", "/dev/null");
	for (i = 0; i < 9; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert_ptr_nonnull(find_vm(&s, 4300));
	}
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, 4300));

	/* An exec (new comm, new command line, a VM) is seen at the next look, sample 30. */
	link_put(root, "4300/fd/7", "anon_inode:kvm-vm");
	put_bytes(root, "4300/cmdline", "qemu-kvm\0-name\0late\0", 20);
	stat_set(root, "4300/stat", 2, "qemu-kvm");
	for (i = 21; i < 30; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert_ptr_null(find_vm(&s, 4300));
	}
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_nonnull(find_vm(&s, 4300));
	ck_assert_str_eq(find_vm(&s, 4300)->comm, "qemu-kvm");
	ck_assert_str_eq(find_vm(&s, 4300)->name, "late");

	/*
	 * The kernel gives a new process a new /proc/PID inode, even under a reused pid: here
	 * a new directory, another starttime. Looked at at once, nothing of the old one kept.
	 */
	stat_set(root, "4300/stat", 22, "900000");
	put_bytes(root, "4300/cmdline", "qemu-kvm\0-name\0fresh\0", 21);
	dir_renew(root, "4300");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_nonnull(find_vm(&s, 4300));
	ck_assert_str_eq(find_vm(&s, 4300)->name, "fresh");
	ck_assert_uint_eq(find_vm(&s, 4300)->starttime, 900000);
	link_put(root, "4300/fd/7", "/dev/null");
	stat_set(root, "4300/stat", 22, "900001");
	dir_renew(root, "4300");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, 4300));

	/* A new inode for the same process (its dentry was evicted) is no new process. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0); /* past its young samples */
	link_put(root, "4300/fd/7", "anon_inode:kvm-vm");
	dir_renew(root, "4300");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, 4300));

	/* The kernel thread (pid 2) has no fd directory in the tree: never looked at. */
	ck_assert_int_eq(s.scan_errors, 3);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/*
 * Returns nothing; leaves this test's process without the capabilities that let root read
 * whatever it likes (its forked test process only), so a shut fd directory is refused as
 * the kernel refuses another namespace's or an LSM-guarded process's fds. Not root, the
 * mode of the directory is enough.
 */
static void drop_dac_override(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (geteuid())
		return;
	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	data[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
	ck_assert_int_eq(syscall(SYS_capset, &hdr, data), 0);
}

/* Returns the status after one sample of a fresh probe on root; s gets the sample. */
static const struct source_status *fresh_sample(const char *root, struct procfs **p,
						struct procfs_sample *s)
{
	if (*p)
		procfs_close(*p);
	*p = procfs_open(root);
	ck_assert_ptr_nonnull(*p);
	ck_assert_int_eq(procfs_sample(*p, s), 0);
	return procfs_status(*p);
}

/*
 * Processes whose fds cannot be read (pid 1 in another namespace, an LSM): one that cannot be
 * a VM is counted, not a reason to doubt the VM list; one that looks like a VMM, by its
 * command line or its exe, degrades the source and is named.
 */
START_TEST(test_unreadable_fds)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy(), path[512];
	const struct source_status *st;
	struct procfs *p = NULL;

	drop_dac_override();
	/* init: unreadable, not a VMM. */
	snprintf(path, sizeof(path), "%s/1/fd", root);
	ck_assert_int_eq(chmod(path, 0), 0);
	st = fresh_sample(root, &p, &s);
	ck_assert_int_eq(s.nvms, 3);
	ck_assert_int_eq(s.unreadable, 1);
	ck_assert_int_eq(s.unreadable_vmms, 0);
	ck_assert(!s.others_hidden);
	ck_assert_msg(st->state == SOURCE_OK, "%s", st->why);

	/* A QEMU (-machine accel=kvm) whose fds are shut: it may hold a VM. */
	snprintf(path, sizeof(path), "%s/4800/fd", root);
	ck_assert_int_eq(chmod(path, 0), 0);
	st = fresh_sample(root, &p, &s);
	ck_assert_int_eq(s.unreadable, 2);
	ck_assert_int_eq(s.unreadable_vmms, 1);
	ck_assert_int_eq(st->state, SOURCE_DEGRADED);
	ck_assert_str_eq(st->why, "cannot read the fds of pid 4800, which looks like a VMM");

	/* Started as "api-server", its exe is firecracker's. */
	snprintf(path, sizeof(path), "%s/4900/fd", root);
	ck_assert_int_eq(chmod(path, 0), 0);
	st = fresh_sample(root, &p, &s);
	ck_assert_int_eq(s.unreadable, 3);
	ck_assert_int_eq(s.unreadable_vmms, 2);
	ck_assert_str_eq(st->why, "cannot read the fds of 2 VMM processes (pid 4800 and more)");

	/* Readable again, each is what its fds say: none holds a VM. */
	snprintf(path, sizeof(path), "chmod 755 '%s/1/fd' '%s/4800/fd' '%s/4900/fd'", root, root,
		 root);
	ck_assert_int_eq(system(path), 0);
	st = fresh_sample(root, &p, &s);
	ck_assert_int_eq(s.nvms, 3);
	ck_assert_int_eq(s.unreadable, 0);
	ck_assert_int_eq(st->state, SOURCE_OK);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

START_TEST(test_syscall_memory)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy(), cmd[512];
	const struct proc_vm *vm;
	struct procfs *p;

	/* vCPU 0 of the no-debug-threads VM is running when first seen: not known yet. */
	put(root, "4200/task/4202/syscall", "running\n");
	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, 4200);
	check_thread(vm, 4202, "qemu-system-x86", PROC_OTHER, -1);
	check_thread(vm, 4203, "qemu-system-x86", PROC_VCPU, 1);

	/* It blocks in KVM_RUN: identified. */
	put(root, "4200/task/4202/syscall",
	    "16 0x9 0xae80 0x0 0x0 0x5636932d8290 0x0 0x7f0b2bffe530 0x7f0b3338cd6b\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);

	/* Running again, or blocked elsewhere: still vCPU 0. */
	put(root, "4200/task/4202/syscall", "running\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);
	put(root, "4200/task/4202/syscall", "202 0x5636932da7a8 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);

	/* Another thread under the same tid (another starttime) is not the old vCPU. */
	stat_set(root, "4200/task/4202/stat", 22, "840000");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);

	/* An ioctl that is not KVM_RUN, or KVM_RUN on an fd that is no vCPU, says nothing. */
	put(root, "4200/task/4202/syscall", "16 0x8 0xae80 0x0 0x0 0x0 0x0 0x0 0x0\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	put(root, "4200/task/4202/syscall", "16 0x9 0xae86 0x0 0x0 0x0 0x0 0x0 0x0\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	put(root, "4200/task/4202/syscall", "16 0xzz 0xae80\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	put(root, "4200/task/4202/syscall", "-1 0x7ffc0 0x7f0b3338cd6b\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);

	/* The thread goes away: the probe forgets it. */
	put(root, "4200/task/4202/syscall",
	    "16 0x9 0xae80 0x0 0x0 0x5636932d8290 0x0 0x7f0b2bffe530 0x7f0b3338cd6b\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);
	snprintf(cmd, sizeof(cmd), "mv '%s/4200/task/4202' '%s/../4202'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_thread(find_vm(&s, 4200), 4202));
	/* Were it back, running, it would not be known: nothing was kept of it. */
	snprintf(cmd, sizeof(cmd), "mv '%s/../4202' '%s/4200/task/4202'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	put(root, "4200/task/4202/syscall", "running\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

START_TEST(test_guest_time)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy();
	const struct proc_thread *t;
	struct procfs *p;

	/* On a VMX or SVM host guest time is part of utime; give the vCPU some of both. */
	stat_set(root, "4100/task/4103/stat", 14, "260");
	stat_set(root, "4100/task/4103/stat", 43, "250");
	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	t = find_thread(find_vm(&s, 4100), 4103);
	ck_assert_uint_eq(t->utime_ns, tick_ns(260));
	ck_assert_uint_eq(t->guest_ns, tick_ns(250));
	ck_assert_uint_eq(t->stime_ns, tick_ns(291));
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

START_TEST(test_vm_goes_away)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy(), cmd[512];
	struct procfs *p;
	int i;

	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(s.nvms, 3);
	/* Its task directory vanishes first (counted), then the whole process. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/4100/task'", root);
	ck_assert_int_eq(system(cmd), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert_int_eq(s.nvms, 2);
		ck_assert_int_eq(s.scan_errors, 3); /* 4100 instead of its thread 4199 */
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/4100' '%s/4200/task/4203'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(s.nvms, 2);
	ck_assert_int_eq(s.scan_errors, 2);
	ck_assert_int_eq(find_vm(&s, 4200)->nthreads, 4);
	/* Threads and VMs are not kept past their going; counts stay exact on reuse. */
	ck_assert_int_eq(s.vms[0].pid, 4200);
	ck_assert_int_eq(s.vms[1].pid, 4400);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

START_TEST(test_host_fixture)
{
	struct proc_host h;
	struct procfs *p;

	p = procfs_open(PROC_FIXTURE);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_str_eq(h.hostname, "vm");
	ck_assert_str_eq(h.release, "6.18.44-fc-v669");
	ck_assert_str_eq(h.kvm_module, "kvm_intel");
	ck_assert_int_eq(h.ncpus, 2);
	procfs_close(p);
}
END_TEST

START_TEST(test_host_sysfs)
{
	static const struct {
		const char *text;
		bool unregistered;
	} misc[] = {
		{ "242 vsock\n 58 tun\n237 loop-control\n 63 vga_arbiter\n", true },
		{ "242 vsock\n232 kvm\n 58 tun\n", false },
		{ "242 vsock\n232 kvm", false },
		{ "242 vsock\n123 kvmfoo\n", true },
	};
	char *root = fixture_copy(), path[512];
	struct proc_host h;
	struct procfs *p;
	size_t i;

	/* A kernel without module support has no modules file: sysfs still lists kvm_pvm. */
	snprintf(path, sizeof(path), "%s/modules", root);
	ck_assert_int_eq(unlink(path), 0);
	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_str_eq(h.kvm_module, "");
	snprintf(path, sizeof(path),
		 "mkdir -p '%s/../sys/module/kvm/parameters' "
		 "'%s/../sys/module/kvm_pvm/parameters' '%s/../sys/module/vhost'",
		 root, root, root);
	ck_assert_int_eq(system(path), 0);
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_str_eq(h.kvm_module, "kvm_pvm");
	/* The trailing slash of a root does not change where sysfs is. */
	procfs_close(p);
	snprintf(path, sizeof(path), "%s/", root);
	p = procfs_open(path);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_str_eq(h.kvm_module, "kvm_pvm");
	ck_assert(!h.kvm_unregistered);
	/*
	 * A module loaded that did not bind leaves /proc/misc without "kvm": no /dev/kvm. A
	 * device whose name only starts with "kvm" is not /dev/kvm.
	 */
	for (i = 0; i < sizeof(misc) / sizeof(misc[0]); i++) {
		put(root, "misc", misc[i].text);
		ck_assert_int_eq(procfs_host(p, &h), 0);
		ck_assert_msg(h.kvm_unregistered == misc[i].unregistered, "misc %zu", i);
	}
	/* No KVM module at all. */
	put(root, "modules", "vhost_net 32768 0 - Live 0x0000000000000000\n");
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_str_eq(h.kvm_module, "");
	ck_assert_str_eq(h.hostname, "vm");
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

START_TEST(test_open_errors)
{
	struct procfs *p;

	errno = 0;
	p = procfs_open(FIXTURES "/no-such-root");
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, ENOENT);
	procfs_close(NULL);
	procfs_sample_free(NULL);
}
END_TEST

START_TEST(test_live)
{
	struct procfs_sample s = { 0 };
	struct proc_host h;
	struct procfs *p;
	int i;

	p = procfs_open(NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_host(p, &h), 0);
	ck_assert_uint_gt(strlen(h.release), 0);
	ck_assert_int_eq(h.ncpus, (int)sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, getpid()));
	/* Even root may be refused a process's fds (an LSM, another user namespace). */
	if (!geteuid() && procfs_status(p)->state != SOURCE_OK) {
		ck_assert_int_eq(procfs_status(p)->state, SOURCE_DEGRADED);
		ck_assert_msg(!strncmp(procfs_status(p)->why, "cannot read the fds of ", 23), "%s",
			      procfs_status(p)->why);
	}
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

START_TEST(test_live_own_vm)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	int kvm, vmfd, vcpu;
	struct procfs *p;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		unit_skip("cannot open /dev/kvm: %s", strerror(errno));
	p = procfs_open(NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_ptr_null(find_vm(&s, getpid()));

	/* This process becomes a VM with one vCPU: seen at its next look (it is young). */
	vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	ck_assert_int_ge(vmfd, 0);
	vcpu = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(vcpu, 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, getpid());
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm->nvcpu_fds, 1);
	ck_assert_str_eq(vm->name, "");
	ck_assert_int_ge(vm->nthreads, 1);
	check_thread(vm, getpid(), vm->comm, PROC_OTHER, -1);
	ck_assert_uint_gt(find_thread(vm, getpid())->run_ns, 0);
	close(vcpu);
	close(vmfd);
	close(kvm);
	procfs_sample_free(&s);
	procfs_close(p);
}
END_TEST

/* A procfs with hidepid, read by another user: the status says other users are hidden. */
START_TEST(test_live_hidepid)
{
	char dir[] = "/tmp/kvmscope-hidepid.XXXXXX";
	struct procfs_sample s = { 0 };
	struct procfs *p;
	pid_t child;
	int status;

	if (geteuid() || !mkdtemp(dir)) {
		fprintf(stderr, "test_live_hidepid: needs root and /tmp: not checked\n");
		return;
	}
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		int rc = 0;

		/* A mount of our own, gone with this process: the host's /proc is untouched. */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(77);
		if (mount("proc", dir, "proc", 0, "hidepid=2"))
			_exit(77);
		if (setgid(65534) || setuid(65534))
			_exit(10);
		p = procfs_open(dir);
		if (!p)
			_exit(11);
		if (procfs_sample(p, &s))
			rc = 12;
		else if (procfs_status(p)->state != SOURCE_DEGRADED)
			rc = 13;
		else if (!strstr(procfs_status(p)->why, " has hidepid=") ||
			 !strstr(procfs_status(p)->why, "other users' processes are hidden"))
			rc = 14;
		procfs_sample_free(&s);
		procfs_close(p);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	rmdir(dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		fprintf(stderr, "test_live_hidepid: cannot mount procfs here: not checked\n");
		return;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		      WEXITSTATUS(status));
}
END_TEST

START_TEST(test_live_not_root)
{
	struct procfs_sample s = { 0 };
	struct procfs *p;
	pid_t child;
	int status;

	/* Run as nobody: root's processes keep their fds to themselves. */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		int rc = 0;

		if (!geteuid() && (setgid(65534) || setuid(65534)))
			_exit(10);
		p = procfs_open(NULL);
		if (!p)
			_exit(11);
		if (procfs_sample(p, &s))
			rc = 12;
		else if (procfs_status(p)->state != SOURCE_DEGRADED)
			rc = 13;
		else if (strncmp(procfs_status(p)->why,
				 "other users' VMs are not visible without root", 45))
			rc = 14;
		else if (!s.others_hidden || !s.unreadable)
			rc = 16;
		/* And it stays so on the samples in which nothing is looked at again. */
		if (!rc && (procfs_sample(p, &s) || procfs_sample(p, &s) || procfs_sample(p, &s) ||
			    procfs_status(p)->state != SOURCE_DEGRADED))
			rc = 15;
		procfs_sample_free(&s);
		procfs_close(p);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		      WEXITSTATUS(status));
}
END_TEST

/* Ends thread or process root/rel as a procfs does: reads through open fds fail, then it goes. */
static void proc_end(const char *root, const char *rel)
{
	char cmd[1024];

	/* A kept fd reads the file it was opened on: empty, it reads as a procfs file of a
	 * task that is gone does (it fails). */
	snprintf(cmd, sizeof(cmd),
		 "find '%s/%s' -type f -exec truncate -s 0 {} + && rm -rf '%s/%s'", root, rel, root,
		 rel);
	ck_assert_int_eq(system(cmd), 0);
}

/* Sets the thread count (stat field 20) in the stat of process pid and of each of its threads. */
static void nr_threads_set(const char *root, int pid, int n)
{
	char rel[512], path[1024], val[16];
	struct dirent *de;
	DIR *dir;

	snprintf(val, sizeof(val), "%d", n);
	snprintf(rel, sizeof(rel), "%d/stat", pid);
	stat_set(root, rel, 20, val);
	snprintf(path, sizeof(path), "%s/%d/task", root, pid);
	dir = opendir(path);
	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir))) {
		snprintf(rel, sizeof(rel), "%d/task/%s/stat", pid, de->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, rel);
		/* Dot entries, and the thread directory without files, have no stat. */
		if (de->d_name[0] != '.' && !access(path, F_OK))
			stat_set(root, rel, 20, val);
	}
	closedir(dir);
}

/* Returns the number of fds this process has open. */
static int fds_open(void)
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n - 1; /* the directory's own */
}

/* Returns the lowest fd free now. */
static int fd_lowest(void)
{
	int fd = dup(0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/* Copies process directory from of the tree at root to to: another process, the same files. */
static void copy_process(const char *root, const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s' '%s/%s'", root, from, root, to);
	ck_assert_int_eq(system(cmd), 0);
}

/* Returns a probe on root whose samples are light after the first (a full scan into s). */
static struct procfs *light_open(const char *root, struct procfs_sample *s)
{
	struct procfs *p = procfs_open(root);

	ck_assert_ptr_nonnull(p);
	procfs_set_discovery(p, UINT64_MAX);
	ck_assert_int_eq(procfs_sample(p, s), 0);
	ck_assert(!s->light);
	return p;
}

/* Asserts that b lists the VMs and threads of a, the same kinds, names and times. */
static void check_same(const struct procfs_sample *a, const struct procfs_sample *b)
{
	int i, j;

	ck_assert_int_eq(b->nvms, a->nvms);
	ck_assert_int_eq(b->unreadable, a->unreadable);
	for (i = 0; i < a->nvms; i++) {
		const struct proc_vm *x = &a->vms[i], *y = &b->vms[i];

		ck_assert_int_eq(y->pid, x->pid);
		ck_assert_uint_eq(y->starttime, x->starttime);
		ck_assert_str_eq(y->comm, x->comm);
		ck_assert_str_eq(y->name, x->name);
		ck_assert_str_eq(y->uuid, x->uuid);
		ck_assert_int_eq(y->nvcpu_fds, x->nvcpu_fds);
		ck_assert_int_eq(y->nthreads, x->nthreads);
		for (j = 0; j < x->nthreads; j++) {
			const struct proc_thread *t = &x->threads[j], *u = &y->threads[j];

			ck_assert_int_eq(u->tid, t->tid);
			ck_assert_str_eq(u->comm, t->comm);
			ck_assert_int_eq(u->kind, t->kind);
			ck_assert_int_eq(u->index, t->index);
			ck_assert_uint_eq(u->run_ns, t->run_ns);
			ck_assert_uint_eq(u->wait_ns, t->wait_ns);
			ck_assert_uint_eq(u->slices, t->slices);
			ck_assert_uint_eq(u->guest_ns, t->guest_ns);
			ck_assert_uint_eq(u->utime_ns, t->utime_ns);
			ck_assert_uint_eq(u->stime_ns, t->stime_ns);
			ck_assert_int_eq(u->state, t->state);
			ck_assert_int_eq(u->last_cpu, t->last_cpu);
		}
	}
}

/*
 * Between full scans a sample reads the threads the last scan found, through their kept
 * files: the same VMs, threads and figures; schedstat of every thread, stat of the vCPUs.
 * A new VM process waits for the next scan.
 */
START_TEST(test_light_samples)
{
	struct procfs_sample a = { 0 }, s = { 0 };
	char *root = fixture_copy();
	const struct proc_thread *t;
	struct procfs *p;
	int i;

	/* On a tree that is not a procfs, every sample is a full scan unless asked. */
	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	procfs_close(p);

	p = light_open(root, &a);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert(s.light);
		check_same(&a, &s);
	}
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);

	put(root, "4100/task/4103/schedstat", "3000000000 1600000000 710\n");
	stat_set(root, "4100/task/4103/stat", 15, "300");
	put(root, "4100/task/4101/schedstat", "4300000000 13288860 52\n");
	stat_set(root, "4100/task/4101/stat", 15, "77");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	t = find_thread(find_vm(&s, 4100), 4103);
	ck_assert_uint_eq(t->run_ns, 3000000000ull);
	ck_assert_uint_eq(t->wait_ns, 1600000000ull);
	ck_assert_uint_eq(t->slices, 710);
	ck_assert_uint_eq(t->stime_ns, tick_ns(300));
	/* call_rcu has no guest time to read: its stat is as the scan read it. */
	t = find_thread(find_vm(&s, 4100), 4101);
	ck_assert_uint_eq(t->run_ns, 4300000000ull);
	ck_assert_uint_eq(t->slices, 52);
	ck_assert_uint_eq(t->stime_ns, find_thread(find_vm(&a, 4100), 4101)->stime_ns);

	/* A new VM process: at the next sample, a light one (the listing of the root). */
	copy_process(root, "4100", "5100");
	put_bytes(root, "5100/cmdline", "qemu-kvm\0-name\0late\0", 20);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_str_eq(find_vm(&s, 5100)->name, "late");
	ck_assert_int_eq(s.nvms, 4);
	procfs_set_discovery(p, 1);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	ck_assert_str_eq(find_vm(&s, 5100)->name, "late");
	ck_assert_int_eq(s.nvms, 4);
	t = find_thread(find_vm(&s, 4100), 4101);
	ck_assert_uint_eq(t->stime_ns, tick_ns(77));

	/* The period is a time: once it has passed, the next sample is a full scan. */
	procfs_set_discovery(p, 100 * 1000000ull);
	copy_process(root, "4100", "5200");
	usleep(150 * 1000);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	ck_assert_ptr_nonnull(find_vm(&s, 5200));
	procfs_sample_free(&a);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/*
 * Where the root is our own procfs ("self" is this process), a light sample lists it only
 * when the last pid given out (loadavg's last field) moved since the last listing: a
 * process that appears without it moving is not looked for; once it moves, it is found.
 * A root whose "self" is another process is listed at every sample.
 */
START_TEST(test_light_last_pid)
{
	struct procfs_sample a = { 0 }, s = { 0 };
	char *root = fixture_copy(), self[64], pid[32];
	struct procfs *p;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(self, sizeof(self), "%s/self", root);
	ck_assert_int_eq(symlink(pid, self), 0);
	put(root, "loadavg", "0.00 0.01 0.05 1/123 4999\n");
	p = light_open(root, &a);
	ck_assert_int_eq(a.nvms, 3);
	copy_process(root, "4100", "5100");
	put_bytes(root, "5100/cmdline", "qemu-kvm\0-name\0late\0", 20);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_int_eq(s.nvms, 3);
	ck_assert_ptr_null(find_vm(&s, 5100));
	put(root, "loadavg", "0.00 0.01 0.05 1/124 5100\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_int_eq(s.nvms, 4);
	ck_assert_str_eq(find_vm(&s, 5100)->name, "late");
	procfs_close(p);

	/* Another process's procfs: its loadavg says nothing of the pids listed. */
	ck_assert_int_eq(unlink(self), 0);
	ck_assert_int_eq(symlink("1", self), 0);
	p = light_open(root, &a);
	copy_process(root, "4100", "5200");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_ptr_nonnull(find_vm(&s, 5200));
	procfs_sample_free(&a);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/*
 * A thread that ends, one that is born, a tid taken by another thread: seen by the next
 * light sample, which lists that VM's threads again; a VM that ends makes it a full scan.
 */
START_TEST(test_light_threads_change)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy(), cmd[512];
	const struct proc_vm *vm;
	struct procfs *p;
	int i;

	p = light_open(root, &s);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(find_vm(&s, 4100)->nthreads, 8);

	/* A worker ends (only its schedstat is read). */
	proc_end(root, "4100/task/4105");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	vm = find_vm(&s, 4100);
	ck_assert_int_eq(vm->nthreads, 7);
	ck_assert_ptr_null(find_thread(vm, 4105));
	ck_assert_int_eq(s.nvms, 3);
	/* Listed again (4199, a directory without files, counted), then read light, whole. */
	ck_assert_int_eq(s.scan_errors, 1);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);

	/* A thread is born: the process's thread count, in a vCPU's stat, moves. */
	snprintf(cmd, sizeof(cmd), "cp -a '%s/4100/task/4107' '%s/4100/task/4108'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	nr_threads_set(root, 4100, 9);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	vm = find_vm(&s, 4100);
	ck_assert_int_eq(vm->nthreads, 8);
	check_thread(vm, 4108, "worker", PROC_OTHER, -1);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(find_vm(&s, 4100)->nthreads, 8);

	/* A vCPU ends (its stat is read too). */
	proc_end(root, "4100/task/4104");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	vm = find_vm(&s, 4100);
	ck_assert_int_eq(vm->nthreads, 7);
	ck_assert_ptr_null(find_thread(vm, 4104));
	check_thread(vm, 4103, "CPU 0/KVM", PROC_VCPU, 0);

	/* Another thread under a vCPU's tid (another start time): what it is is asked again. */
	stat_set(root, "4100/task/4103/stat", 22, "840000");
	stat_set(root, "4100/task/4103/stat", 2, "worker");
	put(root, "4100/task/4103/syscall", "202 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	check_thread(find_vm(&s, 4100), 4103, "worker", PROC_OTHER, -1);

	/* A counter that goes back is another thread too. */
	put(root, "4200/task/4201/schedstat", "1 1 1\n");
	stat_set(root, "4200/task/4201/stat", 2, "renamed");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	check_thread(find_vm(&s, 4200), 4201, "renamed", PROC_OTHER, -1);
	ck_assert_uint_eq(find_thread(find_vm(&s, 4200), 4201)->run_ns, 1);

	/* The VM ends: gone at once, in a full scan. */
	proc_end(root, "4100");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	ck_assert_ptr_null(find_vm(&s, 4100));
	ck_assert_int_eq(s.nvms, 2);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_int_eq(s.nvms, 2);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/*
 * A VM's pid taken by a new process: never the old VM's name or start time on the new
 * process's threads. As the kernel does it (a new /proc/PID inode), the new one shows in
 * the same sample; even where the entry stays the same, it shows as itself a sample later.
 */
START_TEST(test_light_pid_reuse)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy(), cmd[1024];
	const struct proc_vm *vm;
	struct procfs *p;
	int i;

	p = light_open(root, &s);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_str_eq(find_vm(&s, 4100)->name, "web01");

	/* The next process under pid 4100, made aside from the old one before it ends. */
	snprintf(cmd, sizeof(cmd), "cp -a '%s/4100' '%s/../next'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	stat_set(root, "../next/stat", 22, "900000");
	stat_set(root, "../next/task/4100/stat", 22, "900000");
	stat_set(root, "../next/task/4103/stat", 22, "900001");
	stat_set(root, "../next/task/4104/stat", 22, "900001");
	put_bytes(root, "../next/cmdline", "qemu-kvm\0-name\0fresh\0", 21);
	proc_end(root, "4100");
	snprintf(cmd, sizeof(cmd), "mv '%s/../next' '%s/4100'", root, root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	vm = find_vm(&s, 4100);
	ck_assert_ptr_nonnull(vm);
	ck_assert_uint_eq(vm->starttime, 900000);
	ck_assert_str_eq(vm->name, "fresh");
	check_thread(vm, 4103, "CPU 0/KVM", PROC_VCPU, 0);

	/*
	 * The same entry, another start time: skipped once, then read as the new process (in
	 * samples 11 and 12, when no look at 4100's fds is due anyway).
	 */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	stat_set(root, "4100/stat", 22, "950000");
	stat_set(root, "4100/task/4103/stat", 22, "950001");
	put_bytes(root, "4100/cmdline", "qemu-kvm\0-name\0other\0", 21);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, 4100);
	ck_assert_msg(!vm || (vm->starttime == 950000 && !strcmp(vm->name, "other")),
		      "the old VM's identity on the new process");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	vm = find_vm(&s, 4100);
	ck_assert_ptr_nonnull(vm);
	ck_assert_uint_eq(vm->starttime, 950000);
	ck_assert_str_eq(vm->name, "other");
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/*
 * Kept fds are a budget: never in the upper half of the fd table; a thread without them is
 * read by path; with no fd left at all, what cannot be read is counted and said, and the
 * next sample is whole again.
 */
START_TEST(test_light_fd_shortage)
{
	struct procfs_sample a = { 0 }, s = { 0 };
	char *root = fixture_copy();
	int i, low, before, pad[8];
	struct rlimit rl, lim;
	struct procfs *p;

	/* Room below the first free fd, so that half the table is all taken. */
	for (i = 0; i < 8; i++)
		pad[i] = dup(0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	p = procfs_open(root);
	ck_assert_ptr_nonnull(p);
	procfs_set_discovery(p, UINT64_MAX);
	low = fd_lowest();
	ck_assert_int_ge(low, 8);
	before = fds_open();

	/* Half the table is below the first free fd: nothing is kept, all is read by path. */
	lim = rl;
	lim.rlim_cur = (rlim_t)(2 * low);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	ck_assert_int_eq(procfs_sample(p, &a), 0);
	ck_assert_int_eq(fds_open(), before);
	ck_assert_int_eq(a.nvms, 3);
	put(root, "4200/task/4203/schedstat", "21389404 29416112 79\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_int_eq(fds_open(), before);
	ck_assert_uint_eq(find_thread(find_vm(&s, 4200), 4203)->slices, 79);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);

	/* A few fds of room: some threads kept, the rest by path, the same figures. */
	lim.rlim_cur = (rlim_t)(2 * (low + 6));
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	procfs_set_discovery(p, 1);
	ck_assert_int_eq(procfs_sample(p, &a), 0);
	procfs_set_discovery(p, UINT64_MAX);
	ck_assert_int_gt(fds_open(), before);
	ck_assert_int_le(fds_open(), before + 6);
	put(root, "4100/task/4103/schedstat", "3000000000 1600000000 710\n");
	put(root, "4400/task/4402/schedstat", "5 6 7\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_uint_eq(find_thread(find_vm(&s, 4100), 4103)->slices, 710);
	ck_assert_uint_eq(find_thread(find_vm(&s, 4400), 4402)->run_ns, 5);
	ck_assert_uint_eq(find_thread(find_vm(&s, 4200), 4203)->slices, 79);

	/* No fd left: the threads with kept fds are read, the others counted, and said. */
	lim.rlim_cur = (rlim_t)fd_lowest();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert(s.light);
	ck_assert_int_gt(s.scan_errors, 0);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_DEGRADED);
	ck_assert_msg(strstr(procfs_status(p)->why, strerror(EMFILE)), "%s", procfs_status(p)->why);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_int_eq(s.scan_errors, 0);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);
	ck_assert_int_eq(s.nvms, 3);

	/* A scan that missed processes for want of fds is made again at the next sample. */
	lim.rlim_cur = (rlim_t)fd_lowest() + 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	procfs_set_discovery(p, 1);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	procfs_set_discovery(p, UINT64_MAX);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_DEGRADED);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	ck_assert_int_eq(s.nvms, 3);
	ck_assert_int_eq(procfs_status(p)->state, SOURCE_OK);
	procfs_sample_free(&a);
	procfs_sample_free(&s);
	procfs_close(p);
	ck_assert_int_eq(fds_open(), before - 2); /* the probe's root and its listing */
	for (i = 0; i < 8; i++)
		close(pad[i]);
	fixture_drop(root);
}
END_TEST

/*
 * A VM whose vCPUs are not all known (not blocked in KVM_RUN when looked at) has its
 * threads listed in every sample, light or not, until they are.
 */
START_TEST(test_light_unsettled)
{
	struct procfs_sample s = { 0 };
	char *root = fixture_copy();
	struct procfs *p;
	int i;

	put(root, "4200/task/4202/syscall", "running\n");
	p = light_open(root, &s);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert(s.light);
		check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_OTHER, -1);
	}
	put(root, "4200/task/4202/syscall",
	    "16 0x9 0xae80 0x0 0x0 0x5636932d8290 0x0 0x7f0b2bffe530 0x7f0b3338cd6b\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);
	put(root, "4200/task/4202/syscall", "running\n");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	check_thread(find_vm(&s, 4200), 4202, "qemu-system-x86", PROC_VCPU, 0);
	procfs_sample_free(&s);
	procfs_close(p);
	fixture_drop(root);
}
END_TEST

/* A thread of this process that takes a name and sleeps until its pipe is closed. */
struct named_thread {
	pthread_t th;
	int pipe[2], ready[2];
	const char *name;
};

static void *named_thread_run(void *arg)
{
	struct named_thread *nt = arg;
	char c;

	prctl(PR_SET_NAME, nt->name);
	if (write(nt->ready[1], "x", 1) != 1)
		return NULL;
	while (read(nt->pipe[0], &c, 1) > 0)
		;
	return NULL;
}

/* Starts a thread named name; it has the name when this returns. */
static void named_thread_start(struct named_thread *nt, const char *name)
{
	char c;

	nt->name = name;
	ck_assert_int_eq(pipe(nt->pipe), 0);
	ck_assert_int_eq(pipe(nt->ready), 0);
	ck_assert_int_eq(pthread_create(&nt->th, NULL, named_thread_run, nt), 0);
	ck_assert_int_eq(read(nt->ready[0], &c, 1), 1);
	close(nt->ready[0]);
	close(nt->ready[1]);
}

/* Ends a thread started by named_thread_start and waits for it. */
static void named_thread_stop(struct named_thread *nt)
{
	close(nt->pipe[1]);
	ck_assert_int_eq(pthread_join(nt->th, NULL), 0);
	close(nt->pipe[0]);
}

/* Returns the first thread of vm named name, or NULL. */
static const struct proc_thread *thread_named(const struct proc_vm *vm, const char *name)
{
	int i;

	for (i = 0; vm && i < vm->nthreads; i++)
		if (!strcmp(vm->threads[i].comm, name))
			return &vm->threads[i];
	return NULL;
}

/*
 * On the live procfs, between full scans: a VM thread that ends is gone from the next
 * sample, one that is born is in it, and the kept files read fresh values, no full scan.
 */
START_TEST(test_live_light)
{
	struct procfs_sample s = { 0 };
	struct named_thread vcpu, io;
	const struct proc_thread *t;
	int kvm, vmfd, vcpufd, i;
	uint64_t run;
	struct procfs *p;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		unit_skip("cannot open /dev/kvm: %s", strerror(errno));
	vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	ck_assert_int_ge(vmfd, 0);
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(vcpufd, 0);
	named_thread_start(&vcpu, "CPU 0/KVM");
	p = procfs_open(NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(!s.light);
	t = thread_named(find_vm(&s, getpid()), "CPU 0/KVM");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->kind, PROC_VCPU);
	/* Past the samples in which newcomers (this process among them) are looked at again. */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		ck_assert(s.light);
	}
	run = find_thread(find_vm(&s, getpid()), getpid())->run_ns;
	for (i = 0; i < 200000; i++)
		(void)getppid(); /* some run time of the main thread */
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_uint_gt(find_thread(find_vm(&s, getpid()), getpid())->run_ns, run);
	ck_assert_ptr_nonnull(thread_named(find_vm(&s, getpid()), "CPU 0/KVM"));

	named_thread_start(&io, "IO iothread0");
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	t = thread_named(find_vm(&s, getpid()), "IO iothread0");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->kind, PROC_IOTHREAD);

	named_thread_stop(&vcpu);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_ptr_null(thread_named(find_vm(&s, getpid()), "CPU 0/KVM"));
	ck_assert_ptr_nonnull(thread_named(find_vm(&s, getpid()), "IO iothread0"));
	named_thread_stop(&io);
	ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert(s.light);
	ck_assert_ptr_null(thread_named(find_vm(&s, getpid()), "IO iothread0"));
	ck_assert_int_eq(find_vm(&s, getpid())->nthreads, 1);
	procfs_sample_free(&s);
	procfs_close(p);
	close(vcpufd);
	close(vmfd);
	close(kvm);
}
END_TEST

/*
 * Returns the exit status of a child that, on each byte from cmd, makes a VM with a vCPU
 * ('v'), or ends it and opens as many fds on /dev/null ('n'), answering each on done.
 */
static int fd_counts_child(int cmd, int done)
{
	int kvm = -1, vmfd = -1, vcpu = -1;
	char c;

	while (read(cmd, &c, 1) == 1) {
		if (c == 'v') {
			kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
			vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
			vcpu = vmfd < 0 ? -1 : ioctl(vmfd, KVM_CREATE_VCPU, 0);
			if (vcpu < 0)
				return 1;
		} else if (c == 'n') {
			close(vcpu);
			close(vmfd);
			close(kvm);
			if (open("/dev/null", O_RDONLY) < 0 || open("/dev/null", O_RDONLY) < 0 ||
			    open("/dev/null", O_RDONLY) < 0)
				return 2;
		}
		if (write(done, &c, 1) != 1)
			return 3;
	}
	return 0;
}

/*
 * On a live procfs, a look at a process's fds whose number has not moved since its table
 * was read reads nothing more, for at most 6 looks (Linux 6.2 on: the fd directory's size).
 * A process that makes a VM is seen at its next look; one that ends its VM and opens as
 * many fds again, at the latest at the 7th. Where the probe hears KVM's uevents (heard),
 * both are seen at the next sample, whatever the fd counts.
 */
static void live_fd_counts(bool heard)
{
	int cmd[2], done[2], i, found = -1, gone = -1, status;
	struct procfs_sample s = { 0 };
	struct procfs *p;
	pid_t child;
	char c;

	/* The VM is a child's: this process's own table moves with the fds the probe keeps. */
	ck_assert_int_eq(pipe(cmd), 0);
	ck_assert_int_eq(pipe(done), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		close(cmd[1]);
		close(done[0]);
		_exit(fd_counts_child(cmd[0], done[1]));
	}
	close(cmd[0]);
	close(done[1]);
	p = procfs_open(NULL);
	ck_assert_ptr_nonnull(p);
	procfs_set_discovery(p, 1); /* a full scan each sample: a look every 10th */
	ck_assert(procfs_set_watch(p, heard) == heard);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(write(cmd[1], "v", 1), 1);
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	for (i = 0; i < 12 && found < 0; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		if (find_vm(&s, child))
			found = i;
	}
	ck_assert_msg(found >= 0, "the VM was not seen at the next look");
	ck_assert_msg(!heard || found == 0, "announced, the VM was seen %d samples late", found);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(procfs_sample(p, &s), 0);
	ck_assert_int_eq(write(cmd[1], "n", 1), 1);
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	for (i = 0; i < 90 && gone < 0; i++) {
		ck_assert_int_eq(procfs_sample(p, &s), 0);
		if (!find_vm(&s, child))
			gone = i;
	}
	if (heard) {
		ck_assert_msg(gone == 0, "announced, the VM's end was seen %d samples late", gone);
	} else {
		ck_assert_msg(gone > 10, "gone after %d samples: the first look read the table",
			      gone);
		ck_assert_msg(gone <= 80, "still a VM after %d samples", i);
	}
	close(cmd[1]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status), "child status %d", status);
	close(done[0]);
	procfs_sample_free(&s);
	procfs_close(p);
}

START_TEST(test_live_fd_counts)
{
	struct stat st;

	if (stat("/proc/self/fd", &st) || st.st_size <= 0)
		unit_skip("procfs gives no fd count as the size of /proc/PID/fd (Linux < 6.2)");
	if (access("/dev/kvm", R_OK | W_OK))
		unit_skip("cannot open /dev/kvm: %s", strerror(errno));
	live_fd_counts(false);
	/* The uevents of this host, where it sends them here (not in a container). */
	if (kvmuevent_heard())
		live_fd_counts(true);
	else
		printf("test_live_fd_counts: device uevents do not reach this network namespace: "
		       "announced VMs not checked\n");
}
END_TEST

/*
 * Returns the pid of a child that holds a VM with one vCPU (its only thread named
 * "CPU 0/KVM") until *ctl, the write end of its pipe, is closed.
 */
static pid_t vm_child(int kvm, int *ctl)
{
	int go[2], ready[2];
	pid_t pid;
	char c;

	if (pipe(go) || pipe(ready))
		_exit(20);
	pid = fork();
	if (pid < 0)
		_exit(21);
	if (!pid) {
		int vmfd = ioctl(kvm, KVM_CREATE_VM, 0);

		if (vmfd < 0 || ioctl(vmfd, KVM_CREATE_VCPU, 0) < 0)
			_exit(1);
		prctl(PR_SET_NAME, "CPU 0/KVM");
		close(go[1]);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		_exit(22);
	close(ready[0]);
	*ctl = go[1];
	return pid;
}

/*
 * Returns the exit status of pid 1 of a new pid namespace: a VM child, light samples of
 * it, its end and a new VM child under the same pid (ns_last_pid), read from procdir, a
 * procfs of this namespace. 0 when the new process shows as itself in the next sample.
 */
static int pid_reuse_init(const char *procdir, int kvm)
{
	struct procfs_sample s = { 0 };
	const struct proc_vm *vm;
	uint64_t start;
	struct procfs *p;
	int ctl, fd, i, rc = 0;
	pid_t a, b;

	if (mount("proc", procdir, "proc", 0, NULL))
		return 77;
	p = procfs_open(procdir);
	if (!p)
		return 30;
	a = vm_child(kvm, &ctl);
	if (procfs_sample(p, &s) || s.light || !(vm = find_vm(&s, a)))
		return 31;
	start = vm->starttime;
	for (i = 0; i < 3; i++)
		if (procfs_sample(p, &s) || !s.light || !find_vm(&s, a))
			return 32;
	close(ctl);
	if (waitpid(a, NULL, 0) != a)
		return 33;
	usleep(30 * 1000); /* start times count clock ticks */
	fd = openat(AT_FDCWD, "/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dprintf(fd, "%d", a - 1) < 0)
		return 77;
	close(fd);
	b = vm_child(kvm, &ctl);
	if (b != a)
		return 77;
	/* The old VM's kept files fail; its pid is another process's: a full scan. */
	if (procfs_sample(p, &s))
		return 34;
	vm = find_vm(&s, b);
	if (s.light)
		rc = 35;
	else if (!vm)
		rc = 36;
	else if (vm->starttime == start)
		rc = 37;
	close(ctl);
	waitpid(b, NULL, 0);
	procfs_sample_free(&s);
	procfs_close(p);
	umount(procdir);
	return rc;
}

/*
 * Runs fn(procdir, arg) as pid 1 of a new pid namespace, in a mount namespace of its own (the
 * host's /proc and pids are untouched), procdir an empty directory for its procfs; asserts
 * that it returned 0, and skips the test where it returned 77 (no such namespace here).
 */
static void in_pid_ns(int (*fn)(const char *procdir, int arg), int arg)
{
	char dir[] = "/tmp/kvmscope-pidns.XXXXXX";
	int status;
	pid_t child;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child) {
		pid_t init;

		if (unshare(CLONE_NEWNS | CLONE_NEWPID) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(77);
		init = fork();
		if (init < 0)
			_exit(77);
		if (!init)
			_exit(fn(dir, arg));
		if (waitpid(init, &status, 0) != init || !WIFEXITED(status))
			_exit(40);
		_exit(WEXITSTATUS(status));
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	rmdir(dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		unit_skip("cannot make a pid namespace with its own procfs here");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		      WEXITSTATUS(status));
}

/* A VM's pid taken by a new VM process, for real: a pid namespace and its ns_last_pid. */
START_TEST(test_live_pid_reuse)
{
	int kvm;

	if (geteuid())
		unit_skip("needs root: a pid namespace and its ns_last_pid");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		unit_skip("cannot open /dev/kvm: %s", strerror(errno));
	in_pid_ns(pid_reuse_init, kvm);
	close(kvm);
}
END_TEST

/* Returns a child of this process that waits for its end (SIGKILL), or -1. */
static pid_t idle_child(void)
{
	pid_t pid = fork();

	if (!pid) {
		for (;;)
			pause();
	}
	return pid;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Returns 0 after making the next pid given out in this pid namespace next, else 77. */
static int next_pid_is(int next)
{
	int fd = openat(AT_FDCWD, "/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	int rc = fd < 0 || dprintf(fd, "%d", next - 1) < 0 ? 77 : 0;

	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Returns the exit status of pid 1 of a new pid namespace, whose procfs is procdir: 0 when
 * its light samples list only the processes above the last pid of the last listing, find
 * each newcomer there, list all again after the pids wrapped, and see a known pid given to
 * another process above the last pid (a full scan).
 */
static int newcomers_init(const char *procdir, int unused)
{
	struct procfs_sample s = { 0 };
	struct procfs *p;
	pid_t a, b, c, d, e, f, g, h;

	(void)unused;
	if (mount("proc", procdir, "proc", 0, NULL))
		return 77;
	p = procfs_open(procdir);
	if (!p)
		return 30;
	procfs_set_discovery(p, UINT64_MAX);
	a = idle_child();
	b = idle_child();
	/* The first sample lists all: this process, a and b. */
	if (procfs_sample(p, &s) || s.light || s.listed != 3 || s.newcomers != 3)
		return 31;
	/* No pid given out since: no listing. */
	if (procfs_sample(p, &s) || !s.light || s.listed || s.newcomers)
		return 32;
	/* One born: listed alone, from its pid on. */
	c = idle_child();
	if (procfs_sample(p, &s) || !s.light || s.listed != 1 || s.newcomers != 1)
		return 33;
	/*
	 * The pids wrap: b's is given again, below the last one. Listed from the start, it is
	 * another process under a known pid: a full scan (its listing counted too).
	 */
	end_child(b);
	usleep(30 * 1000); /* start times count clock ticks: d's must differ from b's */
	if (next_pid_is(b))
		return 77;
	d = idle_child();
	if (d != b)
		return 77;
	if (procfs_sample(p, &s) || s.light || s.listed < 4 || s.newcomers != 1)
		return 34;
	/* c's pid, above the last one given out, given again: seen in the short listing. */
	end_child(c);
	usleep(30 * 1000);
	if (next_pid_is(c))
		return 77;
	e = idle_child();
	if (e != c)
		return 77;
	if (procfs_sample(p, &s) || s.light || s.newcomers != 1)
		return 35;
	/*
	 * A process high up (f), then the pids wrap below it: listed from the start once (g),
	 * then from the last pid on up to the last one given out (h), not on to f.
	 */
	if (next_pid_is(100))
		return 77;
	f = idle_child();
	if (f != 100)
		return 77;
	if (procfs_sample(p, &s) || !s.light || s.listed != 1 || s.newcomers != 1)
		return 36;
	if (next_pid_is(50))
		return 77;
	g = idle_child();
	if (procfs_sample(p, &s) || !s.light || s.listed < 6 || s.newcomers != 1)
		return 37;
	h = idle_child();
	if (h != g + 1)
		return 77;
	if (procfs_sample(p, &s) || !s.light || s.listed != 1 || s.newcomers != 1)
		return 38;
	end_child(f);
	end_child(g);
	end_child(h);
	end_child(a);
	end_child(d);
	end_child(e);
	procfs_sample_free(&s);
	procfs_close(p);
	umount(procdir);
	return 0;
}

/*
 * Newcomers on a busy host: the last pid moves at every tick, and a light sample lists only
 * the processes above the one of its last listing (a procfs lists from a pid on), for real
 * in a pid namespace whose next pid is set (ns_last_pid).
 */
START_TEST(test_live_newcomers)
{
	if (geteuid())
		unit_skip("needs root: a pid namespace and its ns_last_pid");
	in_pid_ns(newcomers_init, 0);
}
END_TEST

/* KVM's uevents as the kernel sends them (virt/kvm/kvm_main.c), less SEQNUM. */
static const char UEVENT_CREATE[] =
	KVMUEVENT_HEAD "\0ACTION=change\0DEVPATH=/devices/virtual/"
		       "misc/kvm\0SUBSYSTEM=misc\0CREATED=3\0COUNT=2\0EVENT=create"
		       "\0PID=%d\0STATS_PATH=/%d-12";
static const char UEVENT_DESTROY[] =
	KVMUEVENT_HEAD "\0ACTION=change\0DEVPATH=/devices/virtual/"
		       "misc/kvm\0SUBSYSTEM=misc\0CREATED=3\0COUNT=1\0EVENT=destroy"
		       "\0PID=%d\0STATS_PATH=/%d-12";

/* Returns the length of a uevent made of fmt (NUL-separated, see above) with pid in it. */
static size_t uevent_fill(char *buf, size_t size, const char *fmt, size_t fmtlen, int pid)
{
	size_t len = 0, i;
	int n;

	for (i = 0; i < fmtlen; i += strlen(fmt + i) + 1) {
		n = snprintf(buf + len, size - len, fmt + i, pid, pid);
		ck_assert(n >= 0 && (size_t)n < size - len);
		len += (size_t)n + 1; /* with its NUL */
	}
	return len;
}

START_TEST(test_uevent_parse)
{
	struct kvmuevent_vm vm = { 0 };
	char buf[512], bad[512];
	size_t len;

	len = uevent_fill(buf, sizeof(buf), UEVENT_CREATE, sizeof(UEVENT_CREATE), 4321);
	ck_assert_int_eq(kvmuevent_parse(buf, len, &vm), 1);
	ck_assert_int_eq(vm.tid, 4321);
	ck_assert(vm.create);
	/* The kernel appends SEQNUM; the last string may lack its NUL in a cut message. */
	ck_assert_int_eq(kvmuevent_parse(buf, len - 1, &vm), 1);
	len = uevent_fill(buf, sizeof(buf), UEVENT_DESTROY, sizeof(UEVENT_DESTROY), 77);
	ck_assert_int_eq(kvmuevent_parse(buf, len, &vm), 1);
	ck_assert_int_eq(vm.tid, 77);
	ck_assert(!vm.create);

	/* Not KVM's: another device's, a head that only begins like KVM's. */
	memcpy(bad, buf, len);
	memcpy(bad, "change@/devices/virtual/misc/kvn", 32);
	ck_assert_int_eq(kvmuevent_parse(bad, len, &vm), 0);
#define PARSE(lit) kvmuevent_parse(lit, sizeof(lit), &vm)
	ck_assert_int_eq(PARSE("change@/devices/virtual/misc/kvm2\0EVENT=create\0PID=5"), 0);
	/* KVM's, but no VM in it, or no task, or a task id that is not one. */
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0PID=5"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=create"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=create\0PID=12x"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=create\0PID=99999999999"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=create\0PID=-3"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=created\0PID=3"), 0);
	ck_assert_int_eq(PARSE(KVMUEVENT_HEAD "\0EVENT=destroy\0PID=3"), 1);
#undef PARSE
	ck_assert_int_eq(kvmuevent_parse(KVMUEVENT_HEAD, sizeof(KVMUEVENT_HEAD) - 1, &vm), 0);
}
END_TEST

/*
 * Returns 0 after sending msg (len bytes) into this network namespace's uevent socket as a
 * uevent: the kernel (Linux 4.18 on) passes it to the listeners of the namespace, as from
 * itself, with SEQNUM appended. Root only; a namespace of the test's own, not the host's.
 */
static int uevent_inject(int fd, const char *msg, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (NLMSG_LENGTH(len) > sizeof(buf))
		return -1;
	memset(h, 0, sizeof(*h));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = NLMSG_MIN_TYPE;
	h->nlmsg_flags = NLM_F_REQUEST;
	memcpy(NLMSG_DATA(h), msg, len);
	return sendto(fd, buf, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
			       (ssize_t)h->nlmsg_len
		       ? 0
		       : -1;
}

/* Returns the processes of the live /proc that are not kernel threads. */
static int user_processes(void)
{
	char path[300], buf[1024];
	struct dirent *de;
	int n = 0, fd;
	ssize_t len;
	DIR *d = opendir("/proc");
	const char *c;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		c = strrchr(buf, ')'); /* then: state ppid pgrp session tty tpgid flags */
		unsigned long flags = 0;
		if (c && sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
		    !(flags & 0x00200000ul))
			n++;
	}
	closedir(d);
	return n;
}

static void *sleeper(void *arg)
{
	int *tid = arg;

	*tid = (int)syscall(SYS_gettid);
	pause();
	return NULL;
}

/* Returns the samples that walked /proc in ms milliseconds of samples 10 ms apart. */
static int walks_in(struct procfs *p, struct procfs_sample *s, int ms)
{
	int i, walks = 0;

	for (i = 0; i < ms / 10; i++) {
		if (procfs_sample(p, s))
			return -1;
		walks += !s->light;
		usleep(10000);
	}
	return walks;
}

#define WATCH_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr,                                                            \
				"%s:%d: %s (sample: light %d listed %d newcomers %d "              \
				"announced %d looked %d)\n",                                       \
				__FILE__, __LINE__, #cond, s.light, s.listed, s.newcomers,         \
				s.announced, s.looked);                                            \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/*
 * Returns the exit status of a process in a network namespace of its own: a live procfs
 * probe that hears KVM's uevents, sent into that namespace as the kernel sends them (no
 * VM can be made here: /dev/kvm may be missing, so the uevents are made, and what the probe
 * does with the processes they name is what is checked); 77 when uevents cannot be heard.
 */
static int watch_child(void)
{
	struct procfs_sample s = { 0 };
	char msg[512];
	struct procfs *p;
	pid_t born, gone;
	pthread_t th;
	int tx, i, tid = 0, users;
	size_t len;

	if (unshare(CLONE_NEWNET))
		return 77;
	if (!kvmuevent_heard())
		return 78;
	tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (tx < 0 || pthread_create(&th, NULL, sleeper, &tid))
		return 2;
	p = procfs_open(NULL);
	WATCH_CHECK(p && procfs_set_watch(p, true));
	/* A full scan, then light samples past those in which its newcomers are looked at. */
	WATCH_CHECK(!procfs_sample(p, &s) && !s.light && s.looked > 0);
	for (i = 0; i < 3; i++)
		WATCH_CHECK(!procfs_sample(p, &s) && s.light);
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.looked && !s.announced);

	/* A birth: no listing of /proc for it (a VMM's VM would be announced). */
	born = fork();
	if (!born) {
		pause();
		_exit(0);
	}
	WATCH_CHECK(born > 0);
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.listed && !s.newcomers && !s.looked);

	/* Announced: a newcomer, looked at now. */
	len = uevent_fill(msg, sizeof(msg), UEVENT_CREATE, sizeof(UEVENT_CREATE), born);
	WATCH_CHECK(!uevent_inject(tx, msg, len));
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && s.announced == 1 && s.newcomers == 1 &&
		    s.looked == 1);
	for (i = 0; i < 3; i++)
		WATCH_CHECK(!procfs_sample(p, &s) && s.light);
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.looked);

	/* By a thread's id: its process, known, is looked at again (not a newcomer). */
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	WATCH_CHECK(tid != getpid());
	len = uevent_fill(msg, sizeof(msg), UEVENT_DESTROY, sizeof(UEVENT_DESTROY), tid);
	WATCH_CHECK(!uevent_inject(tx, msg, len));
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && s.announced == 1 && !s.newcomers &&
		    s.looked == 1);
	for (i = 0; i < 3; i++)
		WATCH_CHECK(!procfs_sample(p, &s) && s.light);

	/*
	 * Read at once, by a loop waiting on the socket: the process that made a VM, once for
	 * two uevents naming it (a thread's id, its own), not one whose VM ended; its threads
	 * listed. The next sample still has them, as if it had read them itself.
	 */
	WATCH_CHECK(procfs_watch_fd(p) >= 0);
	{
		int pids[4] = { 0 }, makers[4] = { 0 }, tids[8] = { 0 }, nt;
		pid_t dead = fork();

		if (!dead)
			_exit(0);
		WATCH_CHECK(dead > 0 && waitpid(dead, NULL, 0) == dead);

		len = uevent_fill(msg, sizeof(msg), UEVENT_CREATE, sizeof(UEVENT_CREATE), tid);
		WATCH_CHECK(!uevent_inject(tx, msg, len));
		len = uevent_fill(msg, sizeof(msg), UEVENT_CREATE, sizeof(UEVENT_CREATE), getpid());
		WATCH_CHECK(!uevent_inject(tx, msg, len));
		len = uevent_fill(msg, sizeof(msg), UEVENT_DESTROY, sizeof(UEVENT_DESTROY), born);
		WATCH_CHECK(!uevent_inject(tx, msg, len));
		WATCH_CHECK(procfs_watch_now(p, pids, makers, 4) == 1 && pids[0] == getpid() &&
			    makers[0] == tid);
		WATCH_CHECK(procfs_watch_now(p, pids, makers, 4) == 0);
		nt = procfs_tids(p, getpid(), tids, 8);
		WATCH_CHECK(nt == 2 && (tids[0] == tid || tids[1] == tid));
		WATCH_CHECK(procfs_tids(p, dead, tids, 8) == -ENOENT);
	}
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && s.announced == 3 && !s.newcomers &&
		    s.looked == 2);
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.announced);
	for (i = 0; i < 3; i++)
		WATCH_CHECK(!procfs_sample(p, &s) && s.light);

	/*
	 * By a task gone already: a VM's end, its process's going is seen by itself (no VM
	 * here: nothing looked at); a VM made, it could be any process: all are looked at.
	 */
	gone = fork();
	if (!gone)
		_exit(0);
	WATCH_CHECK(gone > 0 && waitpid(gone, NULL, 0) == gone);
	len = uevent_fill(msg, sizeof(msg), UEVENT_DESTROY, sizeof(UEVENT_DESTROY), gone);
	WATCH_CHECK(!uevent_inject(tx, msg, len));
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && s.announced == 1 && !s.looked);
	len = uevent_fill(msg, sizeof(msg), UEVENT_CREATE, sizeof(UEVENT_CREATE), gone);
	WATCH_CHECK(!uevent_inject(tx, msg, len));
	users = user_processes();
	WATCH_CHECK(!procfs_sample(p, &s) && !s.light && s.announced == 1 &&
		    s.looked >= users * 9 / 10);
	for (i = 0; i < 3; i++)
		WATCH_CHECK(!procfs_sample(p, &s) && s.light);

	/*
	 * Other devices' uevents by the thousand (a VM's start adds tap devices, udevadm trigger
	 * adds all): filtered in the kernel, they neither fill the queue nor count.
	 */
	for (i = 0; i < 20000; i++) {
		char tap[128];
		int n = snprintf(tap, sizeof(tap),
				 "add@/devices/virtual/net/tap%d%cACTION=add%cSUBSYSTEM=net", i,
				 '\0', '\0');

		WATCH_CHECK(!uevent_inject(tx, tap, (size_t)n + 1));
	}
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.announced && !s.looked);

	/* More of KVM's than the queue holds: the next sample looks at every process. */
	len = uevent_fill(msg, sizeof(msg), UEVENT_CREATE, sizeof(UEVENT_CREATE), born);
	for (i = 0; i < 20000; i++)
		WATCH_CHECK(!uevent_inject(tx, msg, len));
	users = user_processes();
	WATCH_CHECK(!procfs_sample(p, &s) && !s.light && s.looked >= users * 9 / 10);
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && !s.announced);

	/*
	 * Walks of /proc (samples that are not light) every 6 discovery periods while heard,
	 * every period when not: over 0.9 s of samples 10 ms apart, periods of 40 ms.
	 */
	procfs_set_discovery(p, 40 * 1000000ull);
	WATCH_CHECK(walks_in(p, &s, 900) <= 5);
	procfs_set_watch(p, false);
	WATCH_CHECK(walks_in(p, &s, 900) >= 12);
	procfs_set_watch(p, true);
	procfs_set_discovery(p, PROCFS_DISCOVERY_NS);

	/* Off: a birth is listed again. */
	procfs_set_watch(p, false);
	WATCH_CHECK(procfs_watch_fd(p) == -1);
	kill(born, SIGKILL);
	waitpid(born, NULL, 0);
	born = fork();
	if (!born) {
		pause();
		_exit(0);
	}
	WATCH_CHECK(born > 0);
	/* At least it: the host's other births are listed as well. */
	WATCH_CHECK(!procfs_sample(p, &s) && s.light && s.listed >= 1 && s.newcomers >= 1);
	kill(born, SIGKILL);
	waitpid(born, NULL, 0);
	procfs_sample_free(&s);
	procfs_close(p);
	close(tx);
	return 0;
}

/*
 * KVM's uevents name the process that made or ended a VM: the probe looks at it in the
 * next sample and lists no newcomers between full scans; lost uevents make it look at all.
 */
START_TEST(test_live_uevents)
{
	int status;
	pid_t child;

	if (geteuid())
		unit_skip("needs root: a network namespace to send uevents into");
	child = fork();
	ck_assert_int_ge(child, 0);
	if (!child)
		_exit(watch_child());
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		unit_skip("cannot make a network namespace here");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 78)
		unit_skip("device uevents do not reach this network namespace (a container's)");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		      WEXITSTATUS(status));
}
END_TEST

static Suite *procfs_suite(void)
{
	Suite *s = suite_create("procfs");
	TCase *tc = tcase_create("fixture");

	tcase_add_test(tc, test_fixture_vms);
	tcase_add_test(tc, test_fixture_named_threads);
	tcase_add_test(tc, test_fixture_syscall_vcpus);
	tcase_add_test(tc, test_fixture_raw_bytes);
	tcase_add_test(tc, test_fixture_times);
	tcase_add_test(tc, test_fixture_vanished);
	tcase_add_test(tc, test_fixture_out_of_fds);
	tcase_add_test(tc, test_second_sample);
	tcase_add_test(tc, test_nonvm_cache);
	tcase_add_test(tc, test_unreadable_fds);
	tcase_add_test(tc, test_syscall_memory);
	tcase_add_test(tc, test_guest_time);
	tcase_add_test(tc, test_vm_goes_away);
	tcase_add_test(tc, test_host_fixture);
	tcase_add_test(tc, test_host_sysfs);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_uevent_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("light");
	tcase_add_test(tc, test_light_samples);
	tcase_add_test(tc, test_light_last_pid);
	tcase_add_test(tc, test_light_threads_change);
	tcase_add_test(tc, test_light_pid_reuse);
	tcase_add_test(tc, test_light_fd_shortage);
	tcase_add_test(tc, test_light_unsettled);
	suite_add_tcase(s, tc);
	tc = tcase_create("live");
	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_live_own_vm);
	tcase_add_test(tc, test_live_not_root);
	tcase_add_test(tc, test_live_hidepid);
	tcase_add_test(tc, test_live_light);
	tcase_add_test(tc, test_live_pid_reuse);
	tcase_add_test(tc, test_live_fd_counts);
	tcase_add_test(tc, test_live_newcomers);
	tcase_add_test(tc, test_live_uevents);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

/* Prints s with bytes outside printable ASCII (and, if sp, spaces) as \xNN; "" as "-". */
static void put_escaped(const char *str, int sp)
{
	const unsigned char *c = (const unsigned char *)str;

	if (!*c)
		putchar('-');
	for (; *c; c++) {
		if (*c < 0x21 || *c > 0x7e || *c == '\\') {
			if (*c == ' ' && !sp)
				putchar(' ');
			else
				printf("\\x%02x", *c);
		} else {
			putchar(*c);
		}
	}
}

/* Returns the exit status of --dump: the live (or given) tree, one line per VM thread. */
static int dump(const char *root)
{
	static const char *const kinds[] = { "other", "vcpu", "iothread" };
	struct procfs_sample s = { 0 };
	struct procfs *p;
	int i, j, ret;

	p = procfs_open(root);
	if (!p) {
		fprintf(stderr, "procfs_open: %s\n", strerror(errno));
		return 1;
	}
	/* Two samples, as a monitor takes them: the second one rides on the first's memory. */
	ret = procfs_sample(p, &s);
	if (!ret)
		ret = procfs_sample(p, &s);
	if (ret) {
		fprintf(stderr, "procfs_sample: %s\n", strerror(-ret));
		goto out;
	}
	printf("# status %s%s%s scan_errors %d vms %d\n",
	       snap_state_name(procfs_status(p)->state), *procfs_status(p)->why ? ": " : "",
	       procfs_status(p)->why, s.scan_errors, s.nvms);
	for (i = 0; i < s.nvms; i++) {
		const struct proc_vm *vm = &s.vms[i];

		printf("# vm %d name ", vm->pid);
		put_escaped(vm->name, 1);
		printf(" uuid %s vcpu_fds %d threads %d\n", *vm->uuid ? vm->uuid : "-",
		       vm->nvcpu_fds, vm->nthreads);
		for (j = 0; j < vm->nthreads; j++) {
			const struct proc_thread *t = &vm->threads[j];

			printf("%d ", vm->pid);
			put_escaped(vm->name, 1);
			printf(" %s %d %d ", kinds[t->kind], t->index, t->tid);
			put_escaped(t->comm, 0);
			putchar('\n');
		}
	}
out:
	procfs_sample_free(&s);
	procfs_close(p);
	return ret ? 1 : 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Returns the exit status of --bench: times n samples after a first (cold) one. */
static int bench(int n, const char *root)
{
	struct procfs_sample s = { 0 };
	struct timespec t0, t1;
	struct procfs *p;
	uint64_t *ns;
	int i, ret = 1;

	ns = calloc((size_t)n, sizeof(*ns));
	p = procfs_open(root);
	if (!ns || !p || procfs_sample(p, &s))
		goto out;
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (procfs_sample(p, &s))
			goto out;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[i] = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull +
			(uint64_t)(t1.tv_nsec - t0.tv_nsec);
	}
	qsort(ns, (size_t)n, sizeof(*ns), u64_cmp);
	printf("procfs_sample: %d samples, %d vms, median %.1f us, min %.1f us, p90 %.1f us, "
	       "max %.1f us\n",
	       n, s.nvms, ns[n / 2] / 1e3, ns[0] / 1e3, ns[n * 9 / 10] / 1e3, ns[n - 1] / 1e3);
	ret = 0;
out:
	procfs_sample_free(&s);
	procfs_close(p);
	free(ns);
	return ret;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc > 1 && !strcmp(argv[1], "--dump"))
		return dump(argc > 2 ? argv[2] : NULL);
	if (argc > 2 && !strcmp(argv[1], "--bench") && atoi(argv[2]) > 0)
		return bench(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--dump [ROOT] | --bench N [ROOT]]\n", argv[0]);
		return 2;
	}
	sr = srunner_create(procfs_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
