// SPDX-License-Identifier: GPL-2.0
/*
 * The procfs probe's parsers (stat, schedstat, syscall, cmdline and the VM name in it, fd
 * links, modules, misc, the host's stat) over a /proc tree written from the input, on
 * tmpfs: what a process can make its own /proc files say is up to whoever started it.
 *
 * Input: sections separated by FUZZ_SEP lines, each the contents of one file of the tree
 * below, in order; a missing section leaves its file out (as a process that exits would).
 * Process 100 holds a kvm-vm fd (fd 3), so it is scanned as a VM, with threads 100 and 101;
 * sections 14 to 17 are the targets of its fds 4 to 7, section 18 names a directory under
 * sys/module. Each input is sampled twice, so the memo of the first scan is used too, then
 * twice more between full scans (the threads' files read through the fds kept open).
 *
 * Oracles: ASan/UBSan, and every string of the sample NUL-terminated inside its array.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "procfs.h"

static const char *const files[] = {
	"proc/100/stat",
	"proc/100/cmdline",
	"proc/100/task/100/stat",
	"proc/100/task/100/schedstat",
	"proc/100/task/100/syscall",
	"proc/100/task/101/stat",
	"proc/100/task/101/schedstat",
	"proc/100/task/101/syscall",
	"proc/100/comm",
	"proc/modules",
	"proc/stat",
	"proc/misc",
	"proc/sys/kernel/hostname",
	"proc/sys/kernel/osrelease",
};

#define NFILES	   (int)(sizeof(files) / sizeof(files[0]))
#define NFDS	   4 /* sections NFILES .. NFILES + 3: fds 4..7 */
#define SEC_MODULE (NFILES + NFDS)
#define NSECTIONS  (SEC_MODULE + 1)

static char root[128];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mkdirs(const char *base, const char *const *dirs)
{
	char path[256];

	for (; *dirs; dirs++) {
		snprintf(path, sizeof(path), "%s/%s", base, *dirs);
		FUZZ_CHECK(!mkdir(path, 0755) || errno == EEXIST);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "proc",
					    "proc/100",
					    "proc/100/fd",
					    "proc/100/task",
					    "proc/100/task/100",
					    "proc/100/task/101",
					    "proc/sys",
					    "proc/sys/kernel",
					    "sys",
					    "sys/module",
					    NULL };
	const char *dir = fuzz_dir_get();
	char path[256];

	(void)argc;
	(void)argv;
	mkdirs(dir, dirs);
	snprintf(path, sizeof(path), "%s/proc/100/fd/3", dir);
	FUZZ_CHECK(!symlink("anon_inode:kvm-vm", path));
	snprintf(root, sizeof(root), "%s/proc", dir);
	return 0;
}

/* Returns whether s is NUL-terminated within n bytes. */
static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* Puts section i's contents, if any, into file rel of the tree; removes it otherwise. */
static void put(const char *rel, const struct fuzz_section *sec, int nsec, int i)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir_get(), rel);
	fuzz_put_file(path, i < nsec ? sec[i].p : NULL, i < nsec ? sec[i].len : 0, i < nsec);
}

/* Points fd (4..7) of process 100 at the section's text, or removes it. */
static void put_fd(int fd, const struct fuzz_section *sec, int nsec, int i)
{
	char path[256], target[256];
	size_t n;

	snprintf(path, sizeof(path), "%s/proc/100/fd/%d", fuzz_dir_get(), fd);
	unlink(path);
	if (i >= nsec)
		return;
	n = sec[i].len < sizeof(target) - 1 ? sec[i].len : sizeof(target) - 1;
	memcpy(target, sec[i].p, n);
	target[n] = '\0';
	if (target[0])
		symlink(target, path); /* an empty target cannot be a link: no fd then */
}

/* Makes sys/module/NAME from the section (a clean name only), after removing the last. */
static void put_module(const struct fuzz_section *sec, int nsec, int i)
{
	char path[256], name[64];
	size_t k, n;

	snprintf(path, sizeof(path), "%s/sys/module", fuzz_dir_get());
	fuzz_rm_tree(path);
	FUZZ_CHECK(!mkdir(path, 0755));
	if (i >= nsec)
		return;
	n = sec[i].len < sizeof(name) - 1 ? sec[i].len : sizeof(name) - 1;
	for (k = 0; k < n; k++)
		name[k] = sec[i].p[k] == '/' || !sec[i].p[k] ? '_' : (char)sec[i].p[k];
	name[n] = '\0';
	if (!n || !strcmp(name, ".") || !strcmp(name, ".."))
		return;
	snprintf(path, sizeof(path), "%s/sys/module/%s", fuzz_dir_get(), name);
	mkdir(path, 0755);
}

static void check_sample(const struct procfs_sample *s)
{
	int i, k;

	FUZZ_CHECK(s->nvms >= 0 && s->nvms <= 1);
	for (i = 0; i < s->nvms; i++) {
		const struct proc_vm *vm = &s->vms[i];

		FUZZ_CHECK(vm->pid == 100);
		FUZZ_CHECK(terminated(vm->comm, sizeof(vm->comm)));
		FUZZ_CHECK(terminated(vm->name, sizeof(vm->name)));
		FUZZ_CHECK(terminated(vm->uuid, sizeof(vm->uuid)));
		FUZZ_CHECK(vm->nthreads >= 0 && vm->nthreads <= 2);
		for (k = 0; k < vm->nthreads; k++) {
			FUZZ_CHECK(terminated(vm->threads[k].comm, sizeof(vm->threads[k].comm)));
			FUZZ_CHECK(vm->threads[k].index >= -1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_section sec[NSECTIONS];
	struct procfs_sample s = { 0 };
	struct proc_host host;
	struct procfs *p;
	char comm[32];
	int nsec, i;

	nsec = fuzz_sections(data, size, sec, NSECTIONS);
	for (i = 0; i < NFILES; i++)
		put(files[i], sec, nsec, i);
	for (i = 0; i < NFDS; i++)
		put_fd(4 + i, sec, nsec, NFILES + i);
	put_module(sec, nsec, SEC_MODULE);

	p = procfs_open(root);
	FUZZ_CHECK(p);
	memset(&host, 0, sizeof(host));
	procfs_host(p, &host);
	FUZZ_CHECK(terminated(host.hostname, sizeof(host.hostname)));
	FUZZ_CHECK(terminated(host.release, sizeof(host.release)));
	FUZZ_CHECK(terminated(host.kvm_module, sizeof(host.kvm_module)));
	for (i = 0; i < 2; i++) {
		procfs_sample(p, &s);
		check_sample(&s);
	}
	procfs_set_discovery(p, UINT64_MAX);
	for (i = 0; i < 2; i++) {
		procfs_sample(p, &s);
		check_sample(&s);
	}
	if (!procfs_comm(p, 100, comm, sizeof(comm)))
		FUZZ_CHECK(terminated(comm, sizeof(comm)));
	procfs_comm(p, 101, comm, sizeof(comm));
	procfs_sample_free(&s);
	procfs_close(p);
	return 0;
}
