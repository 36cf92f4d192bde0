// SPDX-License-Identifier: GPL-2.0
/*
 * procfs probe: VM discovery and per-thread times from /proc (or a recorded tree).
 *
 * A VM is a process holding an anon_inode:kvm-vm fd. Looking at every process's fd table
 * every tick would cost thousands of readlinks on a busy host, so the probe remembers each
 * process it has looked at by (pid, starttime, comm) and looks again only at a new process
 * (also under a reused pid), in the first samples of a process (a VMM creates its VM just
 * after starting), and every PROCFS_RECHECK samples anyway (a process may create a VM
 * later, or exec). Kernel threads are never looked at. Between looks, the inode number of
 * the /proc/PID entry (from readdir, free) tells that a pid is still the same process, so a
 * quiet process costs nothing but its directory entry.
 *
 * vCPU threads are named "CPU n/KVM" when QEMU runs with debug-threads=on. Without it they
 * carry the process name, and the only sign is /proc/TID/syscall: blocked in ioctl(fd,
 * KVM_RUN) on an anon_inode:kvm-vcpu:n fd. A vCPU that is running at scan time shows
 * "running" instead, so what was learned is kept per thread (tid, starttime) for as long
 * as the thread lives.
 *
 * Anything may vanish between two reads: ENOENT or ESRCH skips the process or thread and
 * counts it; nothing here is an error but an unreadable root or a failed allocation. What
 * cannot be read for another reason (out of fds), and a procfs whose hidepid keeps other
 * users' processes from us, are named in the status: the VMs they hide are missing, not
 * absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "vmname.h"

#define PROCFS_RECHECK	   10		/* samples between two looks at a known process */
#define PROCFS_YOUNG	   2		/* samples after the first in which a newcomer is re-read */
#define PROCFS_CMDLINE_MAX (256 * 1024) /* libvirt command lines run to a few KiB */

/* task->flags bits (include/linux/sched.h): threads that are not the VMM's own code. */
#define PF_IO_WORKER_BIT   0x00000010u
#define PF_USER_WORKER_BIT 0x00004000u /* e.g. KVM's "kvm-nx-lpage-recovery" worker */
#define PF_KTHREAD_BIT	   0x00200000u

static const char KVM_VM_LINK[] = "anon_inode:kvm-vm";
static const char KVM_VCPU_LINK[] = "anon_inode:kvm-vcpu:";

/* A vCPU thread learned from its syscall; owned by its struct vm_memo. */
struct vcpu_memo {
	int tid;
	uint64_t starttime;
	int index;
};

/* What the probe remembers of a VM between samples; owned by its struct proc_seen. */
struct vm_memo {
	char name[PROC_NAME_MAX];
	char uuid[PROC_UUID_MAX];
	char id[PROC_ID_MAX];
	int nvcpu_fds;
	struct vcpu_memo *vcpus;
	int nvcpus;
	int vcpus_cap;
};

enum seen_kind {
	SEEN_OTHER = 0, /* looked at: no VM (or its fds could not be read) */
	SEEN_VM,
	SEEN_KTHREAD, /* never holds a VM: never looked at again */
};

/* One process found by the last scan; owned by the probe's seen array. */
struct proc_seen {
	int pid;
	enum seen_kind kind;
	uint64_t starttime;
	uint64_t ino;	    /* of the /proc/PID directory entry */
	uint64_t first_seq; /* sample in which this (pid, starttime, comm) first showed */
	int denied;	    /* its fds could not be read at the last look */
	bool vmm_like;	    /* ...and its exe, command line or comm is a VMM's */
	bool foreign;	    /* ...and it is another user's (we are not root) */
	char comm[PROC_COMM_MAX];
	struct vm_memo *vm; /* SEEN_VM only; owned */
};

/* The fields of /proc/TID/stat the probe uses. */
struct pstat {
	char comm[PROC_COMM_MAX];
	char state;
	unsigned int flags;
	uint64_t utime, stime, starttime, guest_time;
	int processor;
};

/* What vm_scan() needs of a thread beyond struct proc_thread; the probe's scratch. */
struct thread_extra {
	uint64_t starttime;
	unsigned int flags; /* task flags, stat field 9 */
};

/* The probe; owned by whoever called procfs_open(), freed by procfs_close(). */
struct procfs {
	char *sysdir; /* "<parent of root>/sys/module": used when there is no modules file */
	int rootfd;
	long clk_tck;
	uint64_t seq;
	int have_schedstat; /* a schedstat file was read once: a missing one means vanished */
	int denied;	    /* processes whose fds could not be read in this scan */
	int denied_vmms;    /* of them, those that look like a VMM */
	int denied_foreign; /* of them, other users' (we are not root) */
	int denied_pid;	    /* the lowest pid of those */
	int failed;	    /* processes not looked at for another reason (out of fds) */
	int failed_err;	    /* -errno of the first of them */
	char hidden[128];   /* why other users' processes are not listed at all, or "" */
	struct source_status status;
	struct proc_seen *seen; /* sorted by pid: what the last scan found */
	int nseen, seen_cap;
	struct proc_seen *next; /* being filled by this scan */
	int nnext, next_cap;
	struct thread_extra *extra; /* scratch: per thread of the VM being scanned */
	int extra_cap;
	char *buf; /* scratch for cmdline, modules, stat */
	size_t buf_cap;
};

/* Returns 1 for the errors that mean "it went away while we looked". */
static int vanished(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

/*
 * Returns nothing; counts a process that could not be looked at for a reason that is not
 * its going away (out of fds, say), so that the status says why VMs may be missing.
 */
static void scan_failed(struct procfs *p, int err)
{
	if (!p->failed++)
		p->failed_err = err;
}

/* Returns 0 after growing *arr to hold at least want elements of size sz, or -ENOMEM. */
static int grow(void **arr, int *cap, int want, size_t sz)
{
	int ncap = *cap ? *cap : 8;
	void *p;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * sz);
	if (!p)
		return -ENOMEM;
	memset((char *)p + (size_t)*cap * sz, 0, (size_t)(ncap - *cap) * sz);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Returns the bytes read from path under dirfd into buf (NUL-terminated), or -errno. */
static ssize_t read_small(int dirfd, const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return n;
}

/*
 * Returns the bytes of a whole file under dirfd read into p->buf (NUL-terminated, at most
 * PROCFS_CMDLINE_MAX), or -errno.
 */
static ssize_t read_big(struct procfs *p, int dirfd, const char *path)
{
	size_t len = 0;
	ssize_t n, ret;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= p->buf_cap) {
			size_t ncap = p->buf_cap ? p->buf_cap * 2 : 4096;
			char *nb;

			if (p->buf_cap >= PROCFS_CMDLINE_MAX)
				break;
			nb = realloc(p->buf, ncap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			p->buf = nb;
			p->buf_cap = ncap;
		}
		n = read(fd, p->buf + len, p->buf_cap - 1 - len);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p->buf[len] = '\0';
	ret = (ssize_t)len;
out:
	close(fd);
	return ret;
}

/* Returns nothing; copies len bytes of src to out as a string cut to outsz - 1 bytes. */
static void copy_str(char *out, size_t outsz, const char *src, size_t len)
{
	if (len > outsz - 1)
		len = outsz - 1;
	memcpy(out, src, len);
	out[len] = '\0';
}

/* Returns a clock-tick count as nanoseconds, without overflowing on large counts. */
static uint64_t ticks_ns(const struct procfs *p, uint64_t ticks)
{
	uint64_t hz = (uint64_t)p->clk_tck;

	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

/* Returns 1 and the decimal number at *s (moving *s past it), 0 if there is none. */
static int parse_u64(const char **s, uint64_t *v)
{
	const char *c = *s;
	uint64_t x = 0;

	if (*c < '0' || *c > '9')
		return 0;
	while (*c >= '0' && *c <= '9')
		x = x * 10 + (uint64_t)(*c++ - '0');
	*s = c;
	*v = x;
	return 1;
}

/*
 * Returns 0 with the fields of a /proc/TID/stat line in st, or -EINVAL. The comm sits
 * between the first '(' and the LAST ')': it may itself hold ')', spaces or newlines.
 */
static int stat_parse(const char *buf, size_t len, struct pstat *st)
{
	const char *open, *close = NULL, *c, *end = buf + len;
	size_t n;
	int field;

	memset(st, 0, sizeof(*st));
	open = memchr(buf, '(', len);
	if (!open)
		return -EINVAL;
	for (c = end; c > open; c--) {
		if (c[-1] == ')') {
			close = c - 1;
			break;
		}
	}
	if (!close || close + 2 >= end)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n > PROC_COMM_MAX - 1)
		n = PROC_COMM_MAX - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';
	st->state = close[2];

	/* Fields 4 and on are numbers (some may be negative, e.g. tty_nr, exit_signal). */
	c = close + 3;
	for (field = 4; c < end && *c; field++) {
		uint64_t v = 0;
		int neg = 0;

		while (*c == ' ')
			c++;
		if (*c == '-') {
			neg = 1;
			c++;
		}
		if (!parse_u64(&c, &v))
			break;
		switch (field) {
		case 9:
			st->flags = (unsigned int)v;
			break;
		case 14:
			st->utime = v;
			break;
		case 15:
			st->stime = v;
			break;
		case 22:
			st->starttime = v;
			break;
		case 39:
			st->processor = neg ? -1 : (int)v;
			break;
		case 43:
			st->guest_time = v;
			break;
		}
	}
	return field > 22 ? 0 : -EINVAL;
}

/* Returns the N of "anon_inode:kvm-vcpu:N", or -1 for any other link. */
static int vcpu_link_index(const char *link)
{
	const char *c = link + sizeof(KVM_VCPU_LINK) - 1;
	uint64_t v;

	if (strncmp(link, KVM_VCPU_LINK, sizeof(KVM_VCPU_LINK) - 1) || !parse_u64(&c, &v) || *c ||
	    v > INT_MAX)
		return -1;
	return (int)v;
}

/* Returns the N of a "CPU N/KVM" thread name, or -1. */
static int vcpu_name_index(const char *comm)
{
	const char *c = comm + 4;
	uint64_t v;

	if (strncmp(comm, "CPU ", 4) || !parse_u64(&c, &v) || strcmp(c, "/KVM") || v > INT_MAX)
		return -1;
	return (int)v;
}

/* Returns the pid a /proc directory entry names, or -1 for anything else. */
static int entry_pid(const char *name)
{
	const char *c = name;
	uint64_t v;

	if (!parse_u64(&c, &v) || *c || v == 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/*
 * Returns 0 after counting kvm-vm and kvm-vcpu fds of pid, or -errno when its fd directory
 * cannot be read (-EACCES: another user's process and we are not root).
 */
static int fds_count(struct procfs *p, int pid, int *nvm, int *nvcpu)
{
	char path[32], link[64];
	struct dirent *de;
	DIR *dir;
	ssize_t n;
	int fd, ret = 0;

	*nvm = *nvcpu = 0;
	snprintf(path, sizeof(path), "%d/fd", pid);
	fd = openat(p->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		goto out;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fd, de->d_name, link, sizeof(link) - 1);
		if (n < 0 && (errno == EACCES || errno == EPERM)) {
			/* Access is checked per process: no link of this table will read. */
			ret = -errno;
			break;
		}
		/* An fd closed since readdir is simply gone: not an error. */
		if (n <= 0 || (size_t)n >= sizeof(link) - 1)
			continue;
		link[n] = '\0';
		if (!strcmp(link, KVM_VM_LINK))
			(*nvm)++;
		else if (vcpu_link_index(link) >= 0)
			(*nvcpu)++;
	}
	closedir(dir);
out:
	return ret;
}

/* Returns the vCPU index behind fd of pid, or -1 when it is not a kvm-vcpu fd. */
static int fd_vcpu_index(struct procfs *p, int pid, uint64_t fdnum)
{
	char path[48], link[64];
	ssize_t n;

	if (fdnum > INT_MAX)
		return -1;
	snprintf(path, sizeof(path), "%d/fd/%d", pid, (int)fdnum);
	n = readlinkat(p->rootfd, path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	return vcpu_link_index(link);
}

/*
 * Returns the vCPU index of a thread blocked in ioctl(fd, KVM_RUN) on a kvm-vcpu fd, as
 * /proc/PID/task/TID/syscall shows it ("16 0xd 0xae80 ..." on x86-64), or -1.
 */
static int syscall_vcpu_index(struct procfs *p, int pid, int taskfd, int tid)
{
	char path[32], buf[256];
	const char *c = buf;
	unsigned long long fdnum, req;
	uint64_t nr;
	char *e;

	snprintf(path, sizeof(path), "%d/syscall", tid);
	if (read_small(taskfd, path, buf, sizeof(buf)) <= 0)
		return -1;
	if (!parse_u64(&c, &nr) || nr != SYS_ioctl || *c != ' ')
		return -1;
	fdnum = strtoull(c, &e, 16);
	if (e == c || *e != ' ')
		return -1;
	c = e;
	req = strtoull(c, &e, 16);
	/* ioctl's request is an unsigned int in the kernel: bits above 31 are ignored. */
	if (e == c || (req & 0xffffffffull) != KVM_RUN)
		return -1;
	return fd_vcpu_index(p, pid, fdnum);
}

/* Returns the learned vCPU index of (tid, starttime), or -1. */
static int memo_vcpu(const struct vm_memo *vm, int tid, uint64_t starttime)
{
	int i;

	for (i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].tid == tid && vm->vcpus[i].starttime == starttime)
			return vm->vcpus[i].index;
	return -1;
}

/* Returns nothing; frees what the probe remembered of a VM (NULL is fine). */
static void memo_free(struct vm_memo *vm)
{
	if (!vm)
		return;
	free(vm->vcpus);
	free(vm);
}

/*
 * Returns 0 after remembering the vCPU threads of this sample (and only those: threads
 * that are gone are forgotten), or -ENOMEM.
 */
static int memo_learn(struct vm_memo *vm, const struct proc_vm *pv,
		      const struct thread_extra *extra)
{
	int i, ret;

	vm->nvcpus = 0;
	for (i = 0; i < pv->nthreads; i++) {
		const struct proc_thread *t = &pv->threads[i];

		if (t->kind != PROC_VCPU)
			continue;
		ret = grow((void **)&vm->vcpus, &vm->vcpus_cap, vm->nvcpus + 1, sizeof(*vm->vcpus));
		if (ret)
			return ret;
		vm->vcpus[vm->nvcpus++] =
			(struct vcpu_memo){ t->tid, extra[i].starttime, t->index };
	}
	return 0;
}

/* Returns 0 after reading name, uuid and id of a VM from its command line, or -ENOMEM. */
static int memo_cmdline(struct procfs *p, int pid, struct vm_memo *vm)
{
	char path[32];
	ssize_t n;

	vm->name[0] = vm->uuid[0] = vm->id[0] = '\0';
	snprintf(path, sizeof(path), "%d/cmdline", pid);
	n = read_big(p, p->rootfd, path);
	if (n == -ENOMEM)
		return -ENOMEM;
	if (n <= 0)
		return 0; /* gone, or a zombie: the caller falls back to comm and pid */
	if (vmname_parse(p->buf, (size_t)n, vm->name, sizeof(vm->name)) <= 0)
		vm->name[0] = '\0';
	if (vmname_uuid(p->buf, (size_t)n, vm->uuid, sizeof(vm->uuid)) <= 0)
		vm->uuid[0] = '\0';
	if (vmname_id(p->buf, (size_t)n, vm->id, sizeof(vm->id)) <= 0)
		vm->id[0] = '\0';
	return 0;
}

/*
 * Returns whether process pid looks like a VMM (see vmname_vmm_like) from what anyone may
 * read of it, or -ENOMEM. Only asked of a process whose fds could not be read.
 */
static int vmm_like(struct procfs *p, int pid, const char *comm)
{
	char path[32], exe[PATH_MAX];
	ssize_t n, e;

	snprintf(path, sizeof(path), "%d/exe", pid);
	e = readlinkat(p->rootfd, path, exe, sizeof(exe) - 1);
	exe[e > 0 ? e : 0] = '\0';
	snprintf(path, sizeof(path), "%d/cmdline", pid);
	n = read_big(p, p->rootfd, path);
	if (n == -ENOMEM)
		return -ENOMEM;
	return vmname_vmm_like(n > 0 ? p->buf : "", n > 0 ? (size_t)n : 0, exe, comm);
}

/* Returns a zeroed slot for one more VM in s (kept by bumping nvms), or NULL. */
static struct proc_vm *vm_slot(struct procfs_sample *s)
{
	struct proc_thread *threads;
	struct proc_vm *vm;
	int cap;

	if (grow((void **)&s->vms, &s->vms_cap, s->nvms + 1, sizeof(*s->vms)))
		return NULL;
	vm = &s->vms[s->nvms];
	/* A reused slot keeps its thread array: the sample is reused across ticks. */
	threads = vm->threads;
	cap = vm->threads_cap;
	memset(vm, 0, sizeof(*vm));
	vm->threads = threads;
	vm->threads_cap = cap;
	return vm;
}

/*
 * Returns 0 after reading one thread into t (*start gets its starttime, *flags its task
 * flags), -ENOENT/-ESRCH when it vanished, or another -errno.
 */
static int thread_read(struct procfs *p, int taskfd, int tid, struct proc_thread *t,
		       uint64_t *start, unsigned int *flags)
{
	char path[32], buf[1024];
	unsigned long long run, wait, slices;
	struct pstat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", tid);
	n = read_small(taskfd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (stat_parse(buf, (size_t)n, &st))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	memcpy(t->comm, st.comm, sizeof(t->comm));
	t->kind = PROC_OTHER;
	t->index = -1;
	t->utime_ns = ticks_ns(p, st.utime);
	t->stime_ns = ticks_ns(p, st.stime);
	t->guest_ns = ticks_ns(p, st.guest_time);
	t->last_cpu = st.processor;
	t->state = st.state;
	*start = st.starttime;
	*flags = st.flags;

	snprintf(path, sizeof(path), "%d/schedstat", tid);
	n = read_small(taskfd, path, buf, sizeof(buf));
	if (n < 0) {
		/* No schedstat at all (CONFIG_SCHED_INFO=n) leaves zeros; else it vanished. */
		if (p->have_schedstat || !vanished((int)n))
			return (int)n;
		return 0;
	}
	p->have_schedstat = 1;
	if (sscanf(buf, "%llu %llu %llu", &run, &wait, &slices) == 3) {
		t->run_ns = run;
		t->wait_ns = wait;
		t->slices = slices;
	}
	return 0;
}

/* Returns the qsort order of two threads: by tid. */
static int thread_cmp(const void *a, const void *b)
{
	const struct proc_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * Returns 0 after adding VM seen to s with its threads (or skipping it, counted, when it
 * vanished), or -ENOMEM.
 */
static int vm_scan(struct procfs *p, struct procfs_sample *s, const struct proc_seen *seen)
{
	struct vm_memo *memo = seen->vm;
	int taskfd = -1, i, nvcpu = 0, tid, ret = 0;
	struct proc_vm *vm;
	struct dirent *de;
	DIR *dir = NULL;
	char path[32];

	vm = vm_slot(s);
	if (!vm)
		return -ENOMEM;
	vm->pid = seen->pid;
	vm->starttime = seen->starttime;
	memcpy(vm->comm, seen->comm, sizeof(vm->comm));
	memcpy(vm->name, memo->name, sizeof(vm->name));
	memcpy(vm->uuid, memo->uuid, sizeof(vm->uuid));
	memcpy(vm->id, memo->id, sizeof(vm->id));
	vm->nvcpu_fds = memo->nvcpu_fds;

	snprintf(path, sizeof(path), "%d/task", seen->pid);
	taskfd = openat(p->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskfd < 0) {
		s->scan_errors++;
		if (!vanished(-errno))
			scan_failed(p, -errno);
		goto out;
	}
	dir = fdopendir(taskfd);
	if (!dir) {
		s->scan_errors++;
		close(taskfd);
		goto out;
	}
	while ((de = readdir(dir))) {
		struct proc_thread *t;
		uint64_t start = 0;
		unsigned int flags = 0;
		int err;

		tid = entry_pid(de->d_name);
		if (tid < 0)
			continue;
		if (grow((void **)&vm->threads, &vm->threads_cap, vm->nthreads + 1,
			 sizeof(*vm->threads)) ||
		    grow((void **)&p->extra, &p->extra_cap, vm->nthreads + 1, sizeof(*p->extra))) {
			ret = -ENOMEM;
			goto out;
		}
		t = &vm->threads[vm->nthreads];
		err = thread_read(p, taskfd, tid, t, &start, &flags);
		if (err) {
			s->scan_errors++;
			if (!vanished(err))
				scan_failed(p, err);
			continue;
		}
		t->index = vcpu_name_index(t->comm);
		if (t->index >= 0)
			t->kind = PROC_VCPU;
		else if (!strncmp(t->comm, "IO ", 3))
			t->kind = PROC_IOTHREAD;
		else if ((t->index = memo_vcpu(memo, tid, start)) >= 0)
			t->kind = PROC_VCPU;
		if (t->kind == PROC_VCPU)
			nvcpu++;
		p->extra[vm->nthreads] = (struct thread_extra){ start, flags };
		vm->nthreads++;
	}

	/*
	 * vCPUs neither named nor learned: ask the syscall files. Kernel workers forked from a
	 * vCPU thread (kvm-nx-lpage-recovery) show its KVM_RUN too, so they are left out.
	 */
	for (i = 0; i < vm->nthreads && nvcpu < vm->nvcpu_fds; i++) {
		struct proc_thread *t = &vm->threads[i];

		if (t->kind != PROC_OTHER ||
		    (p->extra[i].flags & (PF_KTHREAD_BIT | PF_USER_WORKER_BIT | PF_IO_WORKER_BIT)))
			continue;
		t->index = syscall_vcpu_index(p, seen->pid, taskfd, t->tid);
		if (t->index >= 0) {
			t->kind = PROC_VCPU;
			nvcpu++;
		}
	}
	ret = memo_learn(memo, vm, p->extra);
	if (ret)
		goto out;
	if (!vm->nthreads)
		goto out; /* each thread that vanished is counted already */
	qsort(vm->threads, (size_t)vm->nthreads, sizeof(*vm->threads), thread_cmp);
	s->nvms++;
out:
	if (dir)
		closedir(dir);
	return ret;
}

/* Returns the qsort and bsearch order of two remembered processes: by pid. */
static int seen_cmp(const void *a, const void *b)
{
	const struct proc_seen *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Returns what the last scan remembered of pid, or NULL. */
static struct proc_seen *seen_find(struct procfs *p, int pid)
{
	struct proc_seen key = { .pid = pid };

	if (!p->nseen)
		return NULL;
	return bsearch(&key, p->seen, (size_t)p->nseen, sizeof(*p->seen), seen_cmp);
}

/* Returns 1 when a process is due for a look at its fds in this sample. */
static int seen_due(const struct procfs *p, const struct proc_seen *e)
{
	if (p->seq - e->first_seq <= PROCFS_YOUNG)
		return 1;
	/* Spread by pid, so that the looks do not all fall on the same tick. */
	return (p->seq + (uint64_t)e->pid) % PROCFS_RECHECK == 0;
}

/*
 * Returns 1 with what is known of pid in *ep (appended to p->next), 0 when it vanished
 * (counted), or -ENOMEM. The /proc entry's inode number tells cheaply that nothing changed:
 * the kernel gives a new process (even under a reused pid) a new /proc/PID inode, so stat is
 * read only for newcomers, processes due for a look, and when the inode changed.
 */
static int seen_add(struct procfs *p, struct procfs_sample *s, int pid, uint64_t ino,
		    struct proc_seen **ep)
{
	struct proc_seen *e, *old;
	char path[32], buf[1024];
	struct pstat st;
	ssize_t n;

	if (grow((void **)&p->next, &p->next_cap, p->nnext + 1, sizeof(*p->next)))
		return -ENOMEM;
	e = &p->next[p->nnext];
	old = seen_find(p, pid);
	if (old && ino > 1 && old->ino == ino && (old->kind == SEEN_KTHREAD || !seen_due(p, old))) {
		*e = *old;
		old->vm = NULL; /* moved */
		goto out;
	}
	snprintf(path, sizeof(path), "%d/stat", pid);
	n = read_small(p->rootfd, path, buf, sizeof(buf));
	if (n < 0 || stat_parse(buf, (size_t)n, &st)) {
		s->scan_errors++;
		if (n < 0 && !vanished((int)n))
			scan_failed(p, (int)n);
		return 0;
	}
	if (old && old->starttime == st.starttime && !strcmp(old->comm, st.comm)) {
		*e = *old;
		old->vm = NULL;
	} else {
		memset(e, 0, sizeof(*e));
		e->pid = pid;
		e->starttime = st.starttime;
		e->first_seq = p->seq;
		memcpy(e->comm, st.comm, sizeof(e->comm));
		e->kind = (st.flags & PF_KTHREAD_BIT) ? SEEN_KTHREAD : SEEN_OTHER;
	}
	e->ino = ino;
out:
	p->nnext++;
	*ep = e;
	return 1;
}

/* Returns 0 after looking at one process (adding it to s if it is a VM), or -ENOMEM. */
static int pid_scan(struct procfs *p, struct procfs_sample *s, int pid, uint64_t ino)
{
	struct proc_seen *e;
	int nvm, nvcpu, ret;
	char path[32];

	ret = seen_add(p, s, pid, ino, &e);
	if (ret <= 0)
		return ret;
	if (e->kind == SEEN_KTHREAD)
		return 0;

	if (seen_due(p, e)) {
		ret = fds_count(p, pid, &nvm, &nvcpu);
		if (vanished(ret)) {
			s->scan_errors++;
			memo_free(e->vm);
			p->nnext--;
			return 0;
		}
		e->denied = ret == -EACCES || ret == -EPERM;
		e->vmm_like = e->foreign = false;
		if (e->denied) {
			int like = vmm_like(p, pid, e->comm);
			struct stat st;

			if (like < 0)
				return like;
			e->vmm_like = like;
			/* Not root, another user's fds are out of reach whatever they hold. */
			snprintf(path, sizeof(path), "%d", pid);
			e->foreign = geteuid() && !fstatat(p->rootfd, path, &st, 0) &&
				     st.st_uid != geteuid();
		}
		if (ret && !e->denied) {
			/* Out of fds, say: keep what was known until a look succeeds. */
			s->scan_errors++;
			scan_failed(p, ret);
		} else if (ret || !nvm) {
			memo_free(e->vm);
			e->vm = NULL;
			e->kind = SEEN_OTHER;
		} else if (!e->vm) {
			e->vm = calloc(1, sizeof(*e->vm));
			if (!e->vm)
				return -ENOMEM;
		}
		if (e->vm && !ret) {
			e->kind = SEEN_VM;
			e->vm->nvcpu_fds = nvcpu;
			ret = memo_cmdline(p, pid, e->vm);
			if (ret)
				return ret;
		}
	}
	p->denied += e->denied;
	p->denied_foreign += e->denied && e->foreign;
	/* Only a process that could be a VM makes the VM list doubtful. */
	/* The lowest pid is named, whatever order readdir gives. */
	if (e->denied && e->vmm_like && (!p->denied_vmms++ || pid < p->denied_pid))
		p->denied_pid = pid;
	if (e->kind != SEEN_VM)
		return 0;
	return vm_scan(p, s, e);
}

/* Returns the qsort order of two VMs: by pid. */
static int vm_cmp(const void *a, const void *b)
{
	const struct proc_vm *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Returns nothing; forgets what the last scan saw and keeps what this one saw. */
static void seen_swap(struct procfs *p)
{
	struct proc_seen *t;
	int i, cap;

	for (i = 0; i < p->nseen; i++)
		memo_free(p->seen[i].vm); /* left behind: the process is gone or changed */
	if (p->nnext > 1)
		qsort(p->next, (size_t)p->nnext, sizeof(*p->next), seen_cmp);
	t = p->seen;
	cap = p->seen_cap;
	p->seen = p->next;
	p->seen_cap = p->next_cap;
	p->nseen = p->nnext;
	p->next = t;
	p->next_cap = cap;
	p->nnext = 0;
}

int procfs_sample(struct procfs *p, struct procfs_sample *s)
{
	struct timespec ts;
	struct dirent *de;
	DIR *dir = NULL;
	int fd, pid, ret = 0;

	s->nvms = 0;
	s->scan_errors = 0;
	s->unreadable = s->unreadable_vmms = 0;
	s->others_hidden = false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	p->seq++;
	p->nnext = 0;
	p->denied = p->denied_vmms = p->denied_foreign = 0;
	p->failed = 0;

	fd = openat(p->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		source_set(&p->status, SOURCE_UNAVAILABLE, "cannot read the process list: %s",
			   strerror(-ret));
		goto out;
	}
	while ((de = readdir(dir))) {
		pid = entry_pid(de->d_name);
		if (pid < 0)
			continue;
		ret = pid_scan(p, s, pid, (uint64_t)de->d_ino);
		if (ret)
			break;
	}
	/* Even after a failure: what was moved to the new array must not be lost. */
	seen_swap(p);
	if (ret)
		goto out;
	if (s->nvms > 1)
		qsort(s->vms, (size_t)s->nvms, sizeof(*s->vms), vm_cmp);
	s->unreadable = p->denied;
	s->unreadable_vmms = p->denied_vmms;
	s->others_hidden = p->denied_foreign > 0;
	/*
	 * What hides the most VMs first: a process list without others, then failed looks.
	 * Not root, no other user's VM can be seen, whatever its program; as root, a process
	 * that cannot be a VM (init in another namespace, say) hides nothing worth a word.
	 */
	if (p->hidden[0])
		source_set(&p->status, SOURCE_DEGRADED, "%s", p->hidden);
	else if (p->failed)
		source_set(&p->status, SOURCE_DEGRADED, "cannot read %d process%s or threads: %s",
			   p->failed, p->failed > 1 ? "es" : "", strerror(-p->failed_err));
	else if (s->others_hidden && p->denied_vmms)
		source_set(&p->status, SOURCE_DEGRADED,
			   "other users' VMs are not visible without root (%d %s like %s)",
			   p->denied_vmms, p->denied_vmms == 1 ? "process looks" : "processes look",
			   p->denied_vmms == 1 ? "a VMM" : "VMMs");
	else if (s->others_hidden)
		source_set(&p->status, SOURCE_DEGRADED,
			   "other users' VMs are not visible without root");
	else if (p->denied_vmms == 1)
		source_set(&p->status, SOURCE_DEGRADED,
			   "cannot read the fds of pid %d, which looks like a VMM", p->denied_pid);
	else if (p->denied_vmms)
		source_set(&p->status, SOURCE_DEGRADED,
			   "cannot read the fds of %d VMM processes (pid %d and more)",
			   p->denied_vmms, p->denied_pid);
	else
		source_set(&p->status, SOURCE_OK, NULL);
out:
	if (dir)
		closedir(dir);
	return ret;
}

void procfs_sample_free(struct procfs_sample *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->vms_cap; i++)
		free(s->vms[i].threads);
	free(s->vms);
	memset(s, 0, sizeof(*s));
}

/* Returns 0 after copying the first line of a file under root to out, or -errno. */
static int read_line(struct procfs *p, const char *path, char *out, size_t outsz)
{
	char buf[256];
	ssize_t n;

	n = read_small(p->rootfd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	copy_str(out, outsz, buf, strcspn(buf, "\n"));
	return 0;
}

int procfs_comm(struct procfs *p, int tid, char *out, size_t outsz)
{
	char path[32];

	snprintf(path, sizeof(path), "%d/comm", tid);
	return read_line(p, path, out, outsz);
}

/* Vendor modules, most specific first; "kvm" alone is only the common core. */
static const char *const kvm_modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm", "kvm_hv", "kvm_pr" };

/* Returns the rank of a known KVM vendor module name (lower is preferred), or -1. */
static int kvm_module_rank(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_modules) / sizeof(kvm_modules[0]); i++)
		if (strlen(kvm_modules[i]) == len && !memcmp(kvm_modules[i], name, len))
			return (int)i;
	if (len > 4 && !memcmp(name, "kvm_", 4))
		return (int)(sizeof(kvm_modules) / sizeof(kvm_modules[0]));
	return -1;
}

/*
 * Returns 0 with the loaded KVM vendor module in out ("" if none), or -errno when neither
 * <root>/modules nor the sysfs module directory can be read (a kernel built without module
 * support has no modules file; built-in modules with parameters still show in sysfs).
 */
static int kvm_module(struct procfs *p, char *out, size_t outsz)
{
	int best = -1, rank, ret = 0, dfd;
	const char *line, *end;
	struct dirent *de;
	DIR *dir = NULL;
	ssize_t n;
	size_t len;

	out[0] = '\0';
	n = read_big(p, p->rootfd, "modules");
	if (n >= 0) {
		for (line = p->buf; line < p->buf + n; line = end + 1) {
			end = strchr(line, '\n');
			if (!end)
				end = p->buf + n;
			len = strcspn(line, " \n");
			rank = kvm_module_rank(line, len);
			if (rank >= 0 && (best < 0 || rank < best)) {
				best = rank;
				copy_str(out, outsz, line, len);
			}
		}
		goto out;
	}
	if (n == -ENOMEM) {
		ret = -ENOMEM;
		goto out;
	}
	dfd = openat(AT_FDCWD, p->sysdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		ret = -errno;
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		rank = kvm_module_rank(de->d_name, len);
		if (rank >= 0 && (best < 0 || rank < best)) {
			best = rank;
			copy_str(out, outsz, de->d_name, len);
		}
	}
out:
	if (dir)
		closedir(dir);
	return ret;
}

/* Returns the number of "cpuN" lines of <root>/stat (online CPUs), or -errno. */
static int online_cpus(struct procfs *p)
{
	const char *c;
	ssize_t n;
	int count = 0;

	n = read_big(p, p->rootfd, "stat");
	if (n < 0)
		return (int)n;
	for (c = p->buf; c; c = strchr(c, '\n')) {
		if (*c == '\n')
			c++;
		if (!strncmp(c, "cpu", 3) && c[3] >= '0' && c[3] <= '9')
			count++;
	}
	return count;
}

/*
 * Returns 1 when <root>/misc is readable and lists no "kvm" device: a vendor module can be
 * loaded and still not bind (no VMX/SVM, or a nested guest), and then there is no /dev/kvm.
 */
static int kvm_unregistered(struct procfs *p)
{
	const char *line, *end;
	ssize_t n;

	n = read_big(p, p->rootfd, "misc");
	if (n < 0)
		return n == -ENOMEM ? -ENOMEM : 0;
	for (line = p->buf; line < p->buf + n; line = end + 1) { /* "<minor> <name>" lines */
		end = strchrnul(line, '\n');
		line += strspn(line, " 0123456789");
		if (end - line == 3 && !memcmp(line, "kvm", 3))
			return 0;
	}
	return 1;
}

int procfs_host(struct procfs *p, struct proc_host *host)
{
	int ret;

	memset(host, 0, sizeof(*host));
	ret = read_line(p, "sys/kernel/hostname", host->hostname, sizeof(host->hostname));
	if (ret)
		goto out;
	ret = read_line(p, "sys/kernel/osrelease", host->release, sizeof(host->release));
	if (ret)
		goto out;
	ret = kvm_module(p, host->kvm_module, sizeof(host->kvm_module));
	if (ret == -ENOMEM)
		goto out;
	ret = kvm_unregistered(p);
	if (ret < 0)
		goto out;
	host->kvm_unregistered = ret;
	ret = online_cpus(p);
	if (ret == -ENOMEM)
		goto out;
	host->ncpus = ret > 0 ? ret : (int)sysconf(_SC_NPROCESSORS_ONLN);
	ret = 0;
out:
	return ret;
}

/* Returns "<parent of root>/sys/module" ("/sys/module" for "/proc"), allocated, or NULL. */
static char *sysdir_of(const char *root)
{
	size_t len = strlen(root);
	char *dir;

	while (len > 1 && root[len - 1] == '/')
		len--;
	while (len > 0 && root[len - 1] != '/')
		len--;
	if (asprintf(&dir, "%.*ssys/module", (int)len, root) < 0)
		return NULL;
	return dir;
}

/* Returns whether the caller is in group gid (its own or a supplementary one). */
static bool in_group(gid_t gid)
{
	gid_t groups[256];
	int i, n;

	if (getegid() == gid)
		return true;
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Returns nothing; fills p->hidden when root is a procfs mounted with hidepid that keeps
 * other users' processes from us: their VMs are then missing from the list, not absent
 * from the host. The mount is found in self/mountinfo by its mount id.
 */
static void find_hidden(struct procfs *p, const char *root)
{
	char line[4096], hide[32] = "", *opt, *save = NULL;
	unsigned long long id;
	bool exempt = false;
	struct statfs sfs;
	struct statx stx;
	FILE *f;
	int fd;

	/* Root passes the ptrace check hidepid makes. */
	if (!geteuid() || fstatfs(p->rootfd, &sfs) || sfs.f_type != PROC_SUPER_MAGIC)
		return;
	if (statx(p->rootfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return;
	fd = openat(p->rootfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE SUPER_OPTS" */
		opt = strstr(line, " - ");
		if (sscanf(line, "%llu", &id) != 1 || id != stx.stx_mnt_id || !opt)
			continue;
		opt = strchr(opt + 3, ' ');
		opt = opt ? strchr(opt + 1, ' ') : NULL;
		if (!opt)
			break;
		opt[strcspn(opt, "\n")] = '\0';
		for (opt = strtok_r(opt + 1, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
			if (!strncmp(opt, "hidepid=", 8))
				snprintf(hide, sizeof(hide), "%s", opt + 8);
			else if (!strncmp(opt, "gid=", 4))
				exempt = in_group((gid_t)strtoul(opt + 4, NULL, 10));
		}
		break;
	}
	fclose(f);
	if (hide[0] && strcmp(hide, "0") && strcmp(hide, "off") && !exempt)
		snprintf(p->hidden, sizeof(p->hidden),
			 "%s has hidepid=%s: other users' processes are hidden: run as root", root,
			 hide);
}

struct procfs *procfs_open(const char *root)
{
	struct procfs *p;
	int err;

	if (!root)
		root = "/proc";
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->rootfd < 0)
		goto fail;
	p->sysdir = sysdir_of(root);
	if (!p->sysdir)
		goto fail;
	p->clk_tck = sysconf(_SC_CLK_TCK);
	if (p->clk_tck <= 0)
		p->clk_tck = 100;
	p->status.name = "procfs";
	source_set(&p->status, SOURCE_OK, NULL);
	find_hidden(p, root);
	return p;
fail:
	err = errno;
	if (p->rootfd >= 0)
		close(p->rootfd);
	free(p);
	errno = err;
	return NULL;
}

void procfs_close(struct procfs *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nseen; i++)
		memo_free(p->seen[i].vm);
	free(p->seen);
	free(p->next);
	free(p->extra);
	free(p->buf);
	free(p->sysdir);
	close(p->rootfd);
	free(p);
}

const struct source_status *procfs_status(const struct procfs *p)
{
	return &p->status;
}
