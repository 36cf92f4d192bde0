// SPDX-License-Identifier: GPL-2.0
/*
 * procfs probe against the recorded tree in tests/fixtures/proc (see its README), against
 * copies of it changed between samples, and against the live /proc.
 *
 * The binary has two more modes, for the end-to-end tests and for measuring:
 *   test_procfs --dump [ROOT]    one line per VM thread: pid name kind index tid comm
 *   test_procfs --bench N [ROOT] times N samples, prints the median and the spread
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	char cmd[128];

	if (!*tmp_tree)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_tree);
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
	if (kvm < 0) {
		fprintf(stderr, "test_live_own_vm: no /dev/kvm (%s): not checked\n",
			strerror(errno));
		return;
	}
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
		else if (strcmp(procfs_status(p)->why, "cannot read other users' fds: run as root"))
			rc = 14;
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
	tcase_add_test(tc, test_syscall_memory);
	tcase_add_test(tc, test_guest_time);
	tcase_add_test(tc, test_vm_goes_away);
	tcase_add_test(tc, test_host_fixture);
	tcase_add_test(tc, test_host_sysfs);
	tcase_add_test(tc, test_open_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("live");
	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_live_own_vm);
	tcase_add_test(tc, test_live_not_root);
	tcase_add_test(tc, test_live_hidepid);
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
