// SPDX-License-Identifier: GPL-2.0
/*
 * procfs probe: VM discovery and per-thread times from /proc (or a recorded tree).
 *
 * A VM is a process holding an anon_inode:kvm-vm fd. Looking at every process's fd table
 * every tick would cost thousands of readlinks on a busy host, so the probe remembers each
 * process it has looked at by (pid, starttime, comm) and looks again only at a new process
 * (also under a reused pid), in the first samples of a process (a VMM creates its VM just
 * after starting), and every PROCFS_RECHECK samples anyway (a process may create a VM
 * later, or exec); a look that finds the table's size unchanged reads no further (see
 * fds_same). Kernel threads are never looked at. Between looks, the inode number of the
 * /proc/PID entry (from readdir, free) tells that a pid is still the same process, so a
 * quiet process costs nothing but its directory entry.
 *
 * vCPU threads are named "CPU n/KVM" when QEMU runs with debug-threads=on. Without it they
 * carry the process name, and the only sign is /proc/TID/syscall: blocked in ioctl(fd,
 * KVM_RUN) on an anon_inode:kvm-vcpu:n fd. A vCPU that is running at scan time shows
 * "running" instead, so what was learned is kept per thread (tid, starttime) for as long
 * as the thread lives.
 *
 * Reading the VMs' threads is the rest of a scan's cost: two small files per thread (stat
 * and schedstat), opened, read and closed, after a listing of each task directory. On a live
 * procfs a full scan (the /proc walk, fd tables, command lines, task listings) is therefore
 * made only every PROCFS_DISCOVERY_NS; the samples between are light: they pread the files
 * of the threads the last scan found through fds kept open, and only what can change a
 * figure (schedstat of every thread; stat, for guest time, of the vCPUs and of threads that
 * have some, plus one per VM for its thread count). A kept fd reads the task it was opened
 * on, never another under a reused tid: once the thread is gone it fails (ESRCH). So a
 * light sample knows at once when a thread vanished (its read fails), when one was born
 * (stat's num_threads moved), or when a tid is not the thread it was (its start time or a
 * cumulative counter went back): it lists that VM's threads again; a VM whose process is
 * gone or reused makes the sample a full scan. A light sample also lists /proc (on our own
 * procfs only when loadavg's last pid has moved since the last listing, as no process was
 * born otherwise, and only from the pid after that one up to the last given out now: see
 * light_newcomers): a process it has not seen is a newcomer, stat read once, its fds looked
 * at in this sample and the next two as in scans (a VMM makes its VM just after it starts),
 * so a new VM shows at the next tick; a known pid under a new /proc inode (reused) makes
 * the sample a full scan. Kept fds are a budget: at most PROCFS_KEEP_MAX, never numbered in
 * the upper half of RLIMIT_NOFILE's soft limit (counters and the trace, which cannot fall
 * back, need the rest); a thread without them is read by path. On a tree that is not a
 * procfs (a recorded fixture) a file outlives its thread, so every sample is a full scan
 * there unless a test asks otherwise (procfs_set_discovery); such a tree ends a thread by
 * emptying its files.
 *
 * Where KVM's uevents can be heard (see kvmuevent.h: a live procfs of the initial pid
 * namespace, whose ids they give), the kernel names the task that made or ended each VM:
 * its process is looked at in the next sample and the two after (watch_read), new or old.
 * Light samples then list no newcomers (none matters but one that makes a VM), a full scan
 * comes every PROCFS_WALK_HEARD periods (the known VMs' threads listed anew every period
 * between: see sample_light), and a known process is looked at every PROCFS_RECHECK_HEARD
 * samples: a safety net (a VM's fd passed to another process, say). Uevents lost make the
 * next sample a full scan that looks at every process. A loop may read them between samples
 * (procfs_watch_now) to act at once; the next sample handles them as ever.
 *
 * Anything may vanish between two reads: ENOENT or ESRCH skips the process or thread and
 * counts it; nothing here is an error but an unreadable root (running out of memory ends
 * the program: see util.h). What cannot be read for another reason (out of fds), and a
 * procfs whose hidepid keeps other users' processes from us, are named in the status: the
 * VMs they hide are missing, not absent.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmuevent.h"
#include "procfs.h"
#include "util.h"
#include "vmname.h"

#define PROCFS_RECHECK	   10		/* samples between two looks at a known process */
#define PROCFS_RECHECK_HEARD 60 /* ...when KVM's uevents name the processes that make VMs */
#define PROCFS_WALK_HEARD    6	/* ...then discovery periods between two walks of /proc */
#define PROCFS_PEND_MAX	     64 /* uevents read between two samples */
#define PROCFS_YOUNG	   2		/* samples after the first in which a newcomer is re-read */
#define PROCFS_CMDLINE_MAX (256 * 1024) /* libvirt command lines run to a few KiB */
/*
 * Fds kept open at most, all VMs together. Each open procfs file also holds a page of kernel
 * memory for its text once read: 4096 of them are 16 MiB. Threads beyond are read by path.
 */
#define PROCFS_KEEP_MAX 4096
/* Looks at most, in a row, that trust an fd table's unchanged size (see fds_same). */
#define PROCFS_RELOOK 6

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

/*
 * A VM thread as the last scan found it, and its files kept open for the light samples;
 * owned by its struct vm_memo, which closes the fds.
 */
struct kept_thread {
	struct proc_thread t; /* kind, index, comm, and each value as last read */
	uint64_t starttime;
	int fd_stat;	/* task/TID/stat kept open, or -1: read by path when needed */
	int fd_sched;	/* task/TID/schedstat kept open, or -1 */
	bool stat_each; /* stat is read in light samples too */
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
	struct kept_thread *threads; /* the threads of the last scan, by tid */
	int nthreads, threads_cap;
	uint64_t nr_threads; /* the process's thread count (stat field 20) before that scan */
	bool settled;	     /* as many vCPU threads known as vCPU fds: light samples may read it */
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
	uint64_t look_seq;  /* sample of the last look at its fds */
	int64_t nfds;	    /* open fds when its table was last read; 0: unknown */
	int same_looks;	    /* looks since then that found the same number and read nothing */
	int denied;	    /* its fds could not be read at the last look */
	bool vmm_like;	    /* ...and its exe, command line or comm is a VMM's */
	bool foreign;	    /* ...and it is another user's (we are not root) */
	char comm[PROC_COMM_MAX];
	struct vm_memo *vm; /* SEEN_VM only; owned */
};

/* A VM made or ended, as a uevent said, with the process of the task named. */
struct watch_vm {
	int pid; /* its thread group; -errno when the task was gone already */
	int tid; /* the task, as the uevent names it */
	bool create;
};

/* The fields of /proc/TID/stat the probe uses. */
struct pstat {
	char comm[PROC_COMM_MAX];
	char state;
	unsigned int flags;
	uint64_t utime, stime, starttime, guest_time, num_threads;
	int processor;
};

/* What vm_scan() needs of a thread beyond struct proc_thread; the probe's scratch. */
struct thread_extra {
	uint64_t starttime;
	unsigned int flags;    /* task flags, stat field 9 */
	int fd_stat, fd_sched; /* kept fds, on their way from the old memo to the new */
};

/* The probe; owned by whoever called procfs_open(), freed by procfs_close(). */
struct procfs {
	char *sysdir; /* "<parent of root>/sys/module": used when there is no modules file */
	int rootfd;
	DIR *listing; /* root, kept open for the light samples' listing of newcomers */
	int loadavg_fd; /* root's loadavg, kept open beside it: the last pid given out; -1 */
	long last_pid;	/* that pid when /proc was last listed; -1 unknown */
	long pid_off;	/* a listing's position of pid P is P + pid_off; 0 unknown */
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
	uint64_t period_ns; /* between two full scans; 0: every sample is one, nothing kept */
	uint64_t scan_ns;   /* when the last full scan began; 0: none yet */
	uint64_t vms_ns;    /* when the VMs' threads were last listed, all of them */
	bool rescan;	    /* the next sample is a full scan: the last one missed processes */
	int nkept;	    /* fds kept open, all VMs together */
	bool fd_counts;	    /* a procfs: an fd directory's size is its number of open fds */
	struct kvmuevent *uevents; /* KVM's VM uevents, heard: see watch_read(); or NULL */
	struct watch_vm pend[PROCFS_PEND_MAX]; /* read early (procfs_watch_now), not yet used */
	int npend;
	bool pend_lost;		   /* some were lost since the last sample */
	bool relook;		   /* the next full scan looks at every process: some were lost */
	int looked;		   /* processes whose fds this sample looked at */
	int fd_cap;	    /* fds numbered from here on are not kept: half the soft limit */
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

			if (p->buf_cap >= PROCFS_CMDLINE_MAX)
				break;
			p->buf = xrealloc(p->buf, ncap);
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

/* Returns nothing; closes a kept fd, if *fd is one, and forgets it. */
static void kept_close(struct procfs *p, int *fd)
{
	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	p->nkept--;
}

/*
 * Returns the bytes of a thread's small file read into buf (NUL-terminated), or -errno:
 * through *fd when one is kept there, else opened by path under dirfd, the fd then kept in
 * *fd while the budget has room. A kept fd that fails (its thread is gone; -ESRCH also
 * when it reads empty, as a procfs file of a live thread never does) is closed; with anew
 * the file is then opened by path, since the tid may be another thread's by now.
 */
static ssize_t thread_file(struct procfs *p, int dirfd, const char *path, int *fd, bool anew,
			   char *buf, size_t size)
{
	ssize_t n;
	int nfd;

	if (*fd >= 0) {
		n = pread(*fd, buf, size - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			return n;
		}
		n = n < 0 ? -errno : -ESRCH;
		kept_close(p, fd);
		if (!anew)
			return n;
	}
	nfd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	n = read(nfd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(nfd);
		return n;
	}
	buf[n] = '\0';
	/* Fds are handed out lowest first: a high one means the table is filling up. */
	if (n > 0 && p->period_ns && nfd < p->fd_cap && p->nkept < PROCFS_KEEP_MAX) {
		*fd = nfd;
		p->nkept++;
	} else {
		close(nfd);
	}
	return n;
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
		case 20:
			st->num_threads = v;
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

/* Returns path under dirfd opened for a listing, or NULL with errno set. */
static DIR *dir_open(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		err = errno;
		close(fd);
		errno = err;
	}
	return dir;
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
	dir = dir_open(p->rootfd, path);
	if (!dir)
		return -errno;
	fd = dirfd(dir);
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

/* Returns nothing; closes the fds kept for a VM's threads and forgets the threads. */
static void kept_drop(struct procfs *p, struct vm_memo *vm)
{
	int i;

	for (i = 0; i < vm->nthreads; i++) {
		kept_close(p, &vm->threads[i].fd_stat);
		kept_close(p, &vm->threads[i].fd_sched);
	}
	vm->nthreads = 0;
}

/* Returns nothing; frees what the probe remembered of a VM (NULL is fine), fds included. */
static void memo_free(struct procfs *p, struct vm_memo *vm)
{
	if (!vm)
		return;
	kept_drop(p, vm);
	free(vm->threads);
	free(vm->vcpus);
	free(vm);
}

/* Returns the qsort and bsearch order of two kept threads: by tid. */
static int kept_cmp(const void *a, const void *b)
{
	const struct kept_thread *x = a, *y = b;

	return (x->t.tid > y->t.tid) - (x->t.tid < y->t.tid);
}

/*
 * Returns nothing; hands the fds kept for thread tid (if the last scan found it) to x, so
 * that this scan reads through them, or -1s.
 */
static void kept_take(struct vm_memo *vm, int tid, struct thread_extra *x)
{
	struct kept_thread key = { .t.tid = tid }, *k = NULL;

	if (vm->nthreads)
		k = bsearch(&key, vm->threads, (size_t)vm->nthreads, sizeof(*vm->threads),
			    kept_cmp);
	x->fd_stat = x->fd_sched = -1;
	if (!k)
		return;
	x->fd_stat = k->fd_stat;
	x->fd_sched = k->fd_sched;
	k->fd_stat = k->fd_sched = -1;
}

/*
 * Returns nothing; remembers the threads of a VM this scan found (pv and extra, in the same
 * order) for the light samples, with the fds to keep; those of threads gone are closed.
 */
static void kept_learn(struct procfs *p, struct vm_memo *vm, const struct proc_vm *pv,
		       struct thread_extra *extra, int nvcpu, uint64_t nr_threads)
{
	int i, nstat = 0;

	kept_drop(p, vm);
	vm->threads = xgrow(vm->threads, &vm->threads_cap, pv->nthreads, sizeof(*vm->threads));
	vm->settled = nvcpu >= vm->nvcpu_fds;
	vm->nr_threads = nr_threads;
	for (i = 0; i < pv->nthreads; i++) {
		struct kept_thread *k = &vm->threads[i];

		k->t = pv->threads[i];
		k->starttime = extra[i].starttime;
		k->fd_stat = extra[i].fd_stat;
		k->fd_sched = extra[i].fd_sched;
		extra[i].fd_stat = extra[i].fd_sched = -1;
		/*
		 * Only a thread that runs the guest has guest time to read; others keep what
		 * the scan read (names and kinds change only at scans anyway). A VM not settled
		 * is scanned each sample: its stat fds save the opens.
		 */
		k->stat_each = k->t.kind == PROC_VCPU || k->t.guest_ns || !vm->settled;
		nstat += k->stat_each;
	}
	vm->nthreads = pv->nthreads;
	if (vm->nthreads > 1)
		qsort(vm->threads, (size_t)vm->nthreads, sizeof(*vm->threads), kept_cmp);
	/* One stat per VM at least: its num_threads tells that a thread was born. */
	if (!nstat && vm->nthreads)
		vm->threads[0].stat_each = true;
	for (i = 0; i < vm->nthreads; i++)
		if (!vm->threads[i].stat_each)
			kept_close(p, &vm->threads[i].fd_stat);
}

/*
 * Returns nothing; remembers the vCPU threads of this sample (and only those: threads that
 * are gone are forgotten).
 */
static void memo_learn(struct vm_memo *vm, const struct proc_vm *pv,
		       const struct thread_extra *extra)
{
	int i;

	vm->nvcpus = 0;
	for (i = 0; i < pv->nthreads; i++) {
		const struct proc_thread *t = &pv->threads[i];

		if (t->kind != PROC_VCPU)
			continue;
		vm->vcpus = xgrow(vm->vcpus, &vm->vcpus_cap, vm->nvcpus + 1, sizeof(*vm->vcpus));
		vm->vcpus[vm->nvcpus++] =
			(struct vcpu_memo){ t->tid, extra[i].starttime, t->index };
	}
}

/*
 * Returns nothing; reads name, uuid and id of a VM from its command line, or leaves them
 * empty when it cannot be read.
 */
static void memo_cmdline(struct procfs *p, int pid, struct vm_memo *vm)
{
	char path[32];
	ssize_t n;

	vm->name[0] = vm->uuid[0] = vm->id[0] = '\0';
	snprintf(path, sizeof(path), "%d/cmdline", pid);
	n = read_big(p, p->rootfd, path);
	if (n <= 0)
		return; /* gone, or a zombie: the caller falls back to comm and pid */
	if (vmname_parse(p->buf, (size_t)n, vm->name, sizeof(vm->name)) <= 0)
		vm->name[0] = '\0';
	if (vmname_uuid(p->buf, (size_t)n, vm->uuid, sizeof(vm->uuid)) <= 0)
		vm->uuid[0] = '\0';
	if (vmname_id(p->buf, (size_t)n, vm->id, sizeof(vm->id)) <= 0)
		vm->id[0] = '\0';
}

/*
 * Returns whether process pid looks like a VMM (see vmname_vmm_like) from what anyone may
 * read of it. Only asked of a process whose fds could not be read.
 */
static bool vmm_like(struct procfs *p, int pid, const char *comm)
{
	char path[32], exe[PATH_MAX];
	ssize_t n, e;

	snprintf(path, sizeof(path), "%d/exe", pid);
	e = readlinkat(p->rootfd, path, exe, sizeof(exe) - 1);
	exe[e > 0 ? e : 0] = '\0';
	snprintf(path, sizeof(path), "%d/cmdline", pid);
	n = read_big(p, p->rootfd, path);
	return vmname_vmm_like(n > 0 ? p->buf : "", n > 0 ? (size_t)n : 0, exe, comm);
}

/*
 * Returns a slot for one more VM in s (kept by bumping nvms) headed with what is known of
 * process seen, without threads.
 */
static struct proc_vm *vm_slot(struct procfs_sample *s, const struct proc_seen *seen)
{
	struct proc_thread *threads;
	struct proc_vm *vm;
	int cap;

	s->vms = xgrow(s->vms, &s->vms_cap, s->nvms + 1, sizeof(*s->vms));
	vm = &s->vms[s->nvms];
	/* A reused slot keeps its thread array: the sample is reused across ticks. */
	threads = vm->threads;
	cap = vm->threads_cap;
	memset(vm, 0, sizeof(*vm));
	vm->threads = threads;
	vm->threads_cap = cap;
	vm->pid = seen->pid;
	vm->starttime = seen->starttime;
	memcpy(vm->comm, seen->comm, sizeof(vm->comm));
	memcpy(vm->name, seen->vm->name, sizeof(vm->name));
	memcpy(vm->uuid, seen->vm->uuid, sizeof(vm->uuid));
	memcpy(vm->id, seen->vm->id, sizeof(vm->id));
	vm->nvcpu_fds = seen->vm->nvcpu_fds;
	return vm;
}

/* Returns nothing; sets the fields of t that a thread's stat gives. */
static void stat_fill(const struct procfs *p, struct proc_thread *t, const struct pstat *st)
{
	memcpy(t->comm, st->comm, sizeof(t->comm));
	t->utime_ns = ticks_ns(p, st->utime);
	t->stime_ns = ticks_ns(p, st->stime);
	t->guest_ns = ticks_ns(p, st->guest_time);
	t->last_cpu = st->processor;
	t->state = st->state;
}

/* Returns 0 with the three numbers of a schedstat line (run, wait, slices), or -EINVAL. */
static int sched_parse(const char *buf, uint64_t *run, uint64_t *wait, uint64_t *slices)
{
	const char *c = buf;

	if (!parse_u64(&c, run) || *c++ != ' ' || !parse_u64(&c, wait) || *c++ != ' ' ||
	    !parse_u64(&c, slices))
		return -EINVAL;
	return 0;
}

/*
 * Returns 0 after reading thread tid (a name in the task directory taskfd) into t and x
 * (its start time and task flags), through the fds x holds if any (see thread_file),
 * -ENOENT/-ESRCH when it vanished, or another -errno. x's fds are what is kept after.
 */
static int thread_read(struct procfs *p, int taskfd, int tid, struct proc_thread *t,
		       struct thread_extra *x)
{
	uint64_t run, wait, slices;
	char path[32], buf[1024];
	struct pstat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", tid);
	n = thread_file(p, taskfd, path, &x->fd_stat, true, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (stat_parse(buf, (size_t)n, &st))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->kind = PROC_OTHER;
	t->index = -1;
	stat_fill(p, t, &st);
	x->starttime = st.starttime;
	x->flags = st.flags;

	snprintf(path, sizeof(path), "%d/schedstat", tid);
	n = thread_file(p, taskfd, path, &x->fd_sched, true, buf, sizeof(buf));
	if (n < 0) {
		/* No schedstat at all (CONFIG_SCHED_INFO=n) leaves zeros; else it vanished. */
		if (p->have_schedstat || !vanished((int)n))
			return (int)n;
		return 0;
	}
	p->have_schedstat = 1;
	if (!sched_parse(buf, &run, &wait, &slices)) {
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
 * Returns 0 with the thread count of process seen (stat field 20) in *nr, -ESTALE when it
 * is gone or its pid is another process's now (another start time), or another -errno.
 */
static int vm_ident(struct procfs *p, const struct proc_seen *seen, uint64_t *nr)
{
	char path[32], buf[1024];
	struct pstat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", seen->pid);
	n = read_small(p->rootfd, path, buf, sizeof(buf));
	if (n < 0)
		return vanished((int)n) ? -ESTALE : (int)n;
	if (stat_parse(buf, (size_t)n, &st) || st.starttime != seen->starttime)
		return -ESTALE;
	*nr = st.num_threads;
	return 0;
}

/*
 * Returns 0 after adding VM seen to s with its threads (or skipping it, counted, when its
 * threads cannot be listed), or -ESTALE (counted) when the process is gone or its pid reused.
 */
static int vm_scan(struct procfs *p, struct procfs_sample *s, const struct proc_seen *seen)
{
	struct vm_memo *memo = seen->vm;
	int taskfd = -1, i, nvcpu = 0, tid, ret;
	struct proc_vm *vm;
	struct dirent *de;
	uint64_t nr = 0;
	DIR *dir = NULL;
	char path[32];

	vm = vm_slot(s, seen);
	/*
	 * The thread count is read before the listing: a thread born after the listing then
	 * shows in a later count, and a light sample looks again.
	 */
	ret = vm_ident(p, seen, &nr);
	if (ret) {
		s->scan_errors++;
		if (ret != -ESTALE) {
			scan_failed(p, ret);
			ret = 0;
		}
		return ret;
	}
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
		struct thread_extra *x;
		struct proc_thread *t;
		int err;

		tid = entry_pid(de->d_name);
		if (tid < 0)
			continue;
		vm->threads = xgrow(vm->threads, &vm->threads_cap, vm->nthreads + 1,
				    sizeof(*vm->threads));
		p->extra = xgrow(p->extra, &p->extra_cap, vm->nthreads + 1, sizeof(*p->extra));
		t = &vm->threads[vm->nthreads];
		x = &p->extra[vm->nthreads];
		kept_take(memo, tid, x);
		err = thread_read(p, taskfd, tid, t, x);
		if (err) {
			kept_close(p, &x->fd_stat);
			kept_close(p, &x->fd_sched);
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
		else if ((t->index = memo_vcpu(memo, tid, x->starttime)) >= 0)
			t->kind = PROC_VCPU;
		if (t->kind == PROC_VCPU)
			nvcpu++;
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
	memo_learn(memo, vm, p->extra);
	kept_learn(p, memo, vm, p->extra, nvcpu, nr);
	if (!vm->nthreads)
		goto out; /* each thread that vanished is counted already */
	qsort(vm->threads, (size_t)vm->nthreads, sizeof(*vm->threads), thread_cmp);
	s->nvms++;
out:
	if (dir)
		closedir(dir);
	return 0;
}

/*
 * Returns 1 after reading a kept thread k of VM seen into t (schedstat; stat when k needs
 * it), 0 when it is not the thread the last scan found (gone, a new thread in the process,
 * its tid another's, its file unreadable as a stat), or another -errno (out of fds, say).
 */
static int thread_light(struct procfs *p, const struct proc_seen *seen, struct kept_thread *k,
			struct proc_thread *t)
{
	uint64_t run, wait, slices;
	char path[48], buf[1024];
	struct pstat st;
	ssize_t n;

	*t = k->t;
	if (p->have_schedstat) {
		snprintf(path, sizeof(path), "%d/task/%d/schedstat", seen->pid, t->tid);
		n = thread_file(p, p->rootfd, path, &k->fd_sched, false, buf, sizeof(buf));
		if (n < 0)
			return vanished((int)n) ? 0 : (int)n;
		/* Cumulative counts never go back in one thread. */
		if (sched_parse(buf, &run, &wait, &slices) || run < t->run_ns ||
		    wait < t->wait_ns || slices < t->slices)
			return 0;
		t->run_ns = run;
		t->wait_ns = wait;
		t->slices = slices;
	}
	if (k->stat_each) {
		snprintf(path, sizeof(path), "%d/task/%d/stat", seen->pid, t->tid);
		n = thread_file(p, p->rootfd, path, &k->fd_stat, false, buf, sizeof(buf));
		if (n < 0)
			return vanished((int)n) ? 0 : (int)n;
		if (stat_parse(buf, (size_t)n, &st) || st.starttime != k->starttime ||
		    st.num_threads != seen->vm->nr_threads)
			return 0;
		stat_fill(p, t, &st);
	}
	k->t = *t;
	return 1;
}

/*
 * Returns 1 after adding VM seen to s from the threads the last scan found, read through
 * their kept files, or 0 when they changed (see thread_light) and the VM must be listed
 * again. A thread that cannot be read for want of fds is skipped and counted.
 */
static int vm_light(struct procfs *p, struct procfs_sample *s, const struct proc_seen *seen)
{
	struct vm_memo *memo = seen->vm;
	struct proc_vm *vm;
	int i, ret;

	if (!memo->nthreads)
		return 0;
	vm = vm_slot(s, seen);
	vm->threads = xgrow(vm->threads, &vm->threads_cap, memo->nthreads, sizeof(*vm->threads));
	for (i = 0; i < memo->nthreads; i++) {
		ret = thread_light(p, seen, &memo->threads[i], &vm->threads[vm->nthreads]);
		if (!ret)
			return 0;
		if (ret < 0) {
			s->scan_errors++;
			scan_failed(p, ret);
			continue;
		}
		vm->nthreads++;
	}
	if (vm->nthreads)
		s->nvms++;
	return 1;
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

/* Returns 1 when a process was first seen so lately that its fds are looked at each sample. */
static int seen_young(const struct procfs *p, const struct proc_seen *e)
{
	return p->seq - e->first_seq <= PROCFS_YOUNG;
}

/* Returns 1 when a process is due for a look at its fds in this (full) sample. */
static int seen_due(const struct procfs *p, const struct proc_seen *e)
{
	/* KVM's uevents name the process that makes a VM: the others are a safety net. */
	uint64_t every = p->uevents ? PROCFS_RECHECK_HEARD : PROCFS_RECHECK;

	if (seen_young(p, e) || p->relook)
		return 1;
	/*
	 * Spread by pid, so that the looks do not all fall on the same tick; where scans are
	 * fewer than samples (light samples between), at the first scan after its turn.
	 */
	return (p->seq + (uint64_t)e->pid) % every == 0 || p->seq - e->look_seq >= every;
}

/*
 * Returns 1 when the fd table of process e holds as many fds as when it was last read, and
 * not PROCFS_RELOOK looks in a row have trusted that: this look (counted) reads nothing
 * more. Else 0, with the number of fds in *size (0: unknown).
 *
 * Reading a table is a readlink per fd, most of what a scan costs. Since Linux 6.2 the size
 * of a procfs fd directory is the number of open fds: a table of the same size is taken to
 * hold the same fds (a VMM that makes a VM adds some; one that ends it closes some), and
 * read again every PROCFS_RELOOK-th look anyway. Size 0 is an older kernel's: always read.
 */
static int fds_same(struct procfs *p, struct proc_seen *e, int64_t *size)
{
	struct stat st;
	char path[32];

	*size = 0;
	if (!p->fd_counts)
		return 0;
	snprintf(path, sizeof(path), "%d/fd", e->pid);
	if (fstatat(p->rootfd, path, &st, 0) || st.st_size <= 0)
		return 0;
	*size = st.st_size;
	if (st.st_size != e->nfds || e->same_looks >= PROCFS_RELOOK)
		return 0;
	e->same_looks++;
	e->look_seq = p->seq;
	p->looked++;
	return 1;
}

/* Returns nothing; makes e a newcomer: process pid as its stat st shows it, first seen now. */
static void seen_new(const struct procfs *p, struct proc_seen *e, int pid, const struct pstat *st)
{
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->starttime = st->starttime;
	e->first_seq = p->seq;
	memcpy(e->comm, st->comm, sizeof(e->comm));
	e->kind = (st->flags & PF_KTHREAD_BIT) ? SEEN_KTHREAD : SEEN_OTHER;
}

/*
 * Returns 1 with what is known of pid in *ep (appended to p->next), or 0 when it vanished
 * (counted). The /proc entry's inode number tells cheaply that nothing changed: the kernel
 * gives a new process (even under a reused pid) a new /proc/PID inode, so stat is read only
 * for newcomers, processes due for a look whose fd table changed (see fds_same), and when
 * the inode changed.
 */
static int seen_add(struct procfs *p, struct procfs_sample *s, int pid, uint64_t ino,
		    struct proc_seen **ep)
{
	struct proc_seen *e, *old;
	char path[32], buf[1024];
	struct pstat st;
	int64_t size;
	ssize_t n;

	p->next = xgrow(p->next, &p->next_cap, p->nnext + 1, sizeof(*p->next));
	e = &p->next[p->nnext];
	old = seen_find(p, pid);
	if (old && ino > 1 && old->ino == ino &&
	    (old->kind == SEEN_KTHREAD || !seen_due(p, old) || fds_same(p, old, &size))) {
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
		seen_new(p, e, pid, &st);
		s->newcomers++;
	}
	e->ino = ino;
out:
	p->nnext++;
	*ep = e;
	return 1;
}

/*
 * Returns 0 after looking at the fds of process e: whether it holds a VM (then its name is
 * read), or that they cannot be read (counted when it is not for want of rights); or 1 when
 * it vanished (counted).
 */
static int seen_look(struct procfs *p, struct procfs_sample *s, struct proc_seen *e)
{
	int nvm, nvcpu, ret;
	int64_t size;
	char path[32];

	if (fds_same(p, e, &size))
		return 0;
	e->look_seq = p->seq;
	p->looked++;
	e->nfds = size;
	e->same_looks = 0;
	ret = fds_count(p, e->pid, &nvm, &nvcpu);
	if (vanished(ret)) {
		s->scan_errors++;
		return 1;
	}
	e->denied = ret == -EACCES || ret == -EPERM;
	e->vmm_like = e->foreign = false;
	if (e->denied) {
		struct stat st;

		e->vmm_like = vmm_like(p, e->pid, e->comm);
		/* Not root, another user's fds are out of reach whatever they hold. */
		snprintf(path, sizeof(path), "%d", e->pid);
		e->foreign =
			geteuid() && !fstatat(p->rootfd, path, &st, 0) && st.st_uid != geteuid();
	}
	if (ret && !e->denied) {
		/* Out of fds, say: keep what was known until a look succeeds. */
		e->nfds = 0;
		s->scan_errors++;
		scan_failed(p, ret);
	} else if (ret || !nvm) {
		memo_free(p, e->vm);
		e->vm = NULL;
		e->kind = SEEN_OTHER;
	} else if (!e->vm) {
		e->vm = xcalloc(1, sizeof(*e->vm));
	}
	if (e->vm && !ret) {
		e->kind = SEEN_VM;
		e->vm->nvcpu_fds = nvcpu;
		memo_cmdline(p, e->pid, e->vm);
	}
	return 0;
}

/* Returns nothing; looks at one process (adding it to s if it is a VM). */
static void pid_scan(struct procfs *p, struct procfs_sample *s, int pid, uint64_t ino)
{
	struct proc_seen *e;

	if (!seen_add(p, s, pid, ino, &e) || e->kind == SEEN_KTHREAD)
		return;

	/* Not when seen_add found its fd table unchanged: that was its look. */
	if (seen_due(p, e) && e->look_seq != p->seq && seen_look(p, s, e)) {
		memo_free(p, e->vm);
		p->nnext--;
		return;
	}
	p->denied += e->denied;
	p->denied_foreign += e->denied && e->foreign;
	/* Only a process that could be a VM makes the VM list doubtful. */
	/* The lowest pid is named, whatever order readdir gives. */
	if (e->denied && e->vmm_like && (!p->denied_vmms++ || pid < p->denied_pid))
		p->denied_pid = pid;
	if (e->kind == SEEN_VM && vm_scan(p, s, e) == -ESTALE) {
		/*
		 * Gone, or another process under its pid since its entry was read: the next
		 * sample is a scan, and reads its stat whatever the inode says.
		 */
		e->ino = 0;
		p->rescan = true;
	}
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
		memo_free(p, p->seen[i].vm); /* left behind: the process is gone or changed */
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

/* Returns nothing; says in the status what the last scan (and this sample) could not see. */
static void status_update(struct procfs *p, struct procfs_sample *s)
{
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
}

/*
 * Returns true when root's "self" is this process: root lists our pid namespace, where
 * its loadavg's last pid moves with every pid given out, ours and those of namespaces below.
 */
static bool root_is_ours(const struct procfs *p)
{
	char link[32];
	ssize_t n = readlinkat(p->rootfd, "self", link, sizeof(link) - 1);

	if (n <= 0)
		return false;
	link[n] = '\0';
	return entry_pid(link) == (int)getpid();
}

/*
 * Returns the last pid the kernel gave out (loadavg's last field), or -1 when unknown. The
 * same one at two listings of /proc: no process or thread was born in between, so nothing
 * the listing looks for (a newcomer, a pid used again) can be there.
 */
static long last_pid(const struct procfs *p)
{
	char buf[128];
	const char *c;
	uint64_t pid;
	ssize_t n;

	if (p->loadavg_fd < 0)
		return -1;
	n = pread(p->loadavg_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	c = strrchr(buf, ' ');
	if (!c)
		return -1;
	c++;
	if (!parse_u64(&c, &pid) || (*c && *c != '\n') || pid > INT_MAX)
		return -1;
	return (long)pid;
}

/*
 * How a listing of the root places pids, learned entry by entry: a procfs lists processes
 * in pid order, each at a position that is its pid plus a constant, and an entry's d_off is
 * the position of the next process then (so a listing may start at a pid: see
 * light_newcomers). One that ended before the listing went on makes the next entry's pid
 * higher: the constant is the largest difference. The listing's state: the last pid entry's
 * d_off (0: none yet) and that constant so far (-1: none yet), which learned_pid_off() keeps.
 */
struct pid_pos {
	long prev_off;
	long off;
};

static void pid_pos_learn(struct pid_pos *pp, long d_off, int pid)
{
	if (pp->prev_off && pp->prev_off - pid > pp->off)
		pp->off = pp->prev_off - pid;
	pp->prev_off = d_off;
}

static void learned_pid_off(struct procfs *p, const struct pid_pos *pp)
{
	if (pp->off != -1)
		p->pid_off = p->fd_counts && pp->off > 0 ? pp->off : 0;
}

/* Returns 0 after opening the root for the light samples' listing, or -1 with errno set. */
static int listing_open(struct procfs *p)
{
	p->listing = dir_open(p->rootfd, ".");
	if (!p->listing)
		return -1;
	if (p->loadavg_fd < 0 && root_is_ours(p))
		p->loadavg_fd = openat(p->rootfd, "loadavg", O_RDONLY | O_CLOEXEC);
	return 0;
}

/*
 * Returns nothing; appends process pid, its /proc entry's inode ino, to p->seen (unsorted
 * then) as a newcomer, looked at in this sample and the next ones; nothing when it vanished
 * already or cannot be read (the next scan counts it).
 */
static void seen_append(struct procfs *p, struct procfs_sample *s, int pid, uint64_t ino)
{
	char path[32], buf[1024];
	struct proc_seen *e;
	struct pstat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", pid);
	n = read_small(p->rootfd, path, buf, sizeof(buf));
	if (n < 0 || stat_parse(buf, (size_t)n, &st))
		return;
	p->seen = xgrow(p->seen, &p->seen_cap, p->nseen + 1, sizeof(*p->seen));
	e = &p->seen[p->nseen++];
	seen_new(p, e, pid, &st);
	e->ino = ino;
	s->newcomers++;
}

/* Returns the process (thread group) of task tid, or -errno (gone: -ENOENT, -ESRCH). */
static int tgid_of(struct procfs *p, int tid)
{
	char path[32], buf[512];
	const char *c;
	uint64_t v;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/status", tid);
	n = read_small(p->rootfd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	c = strstr(buf, "\nTgid:");
	if (!c)
		return -EINVAL;
	c += 6;
	c += strspn(c, " \t");
	if (!parse_u64(&c, &v) || !v || v > INT_MAX)
		return -EINVAL;
	return (int)v;
}

/*
 * Returns nothing; makes e young again. With reread, its fd table is read at its next look
 * whatever its size: a uevent said it changed (a VM ended and as many fds opened since
 * would look the same).
 */
static void seen_renew(const struct procfs *p, struct proc_seen *e, bool reread)
{
	e->first_seq = p->seq;
	if (reread)
		e->nfds = 0;
}

/*
 * Returns nothing; reads the KVM uevents waiting into p->pend, each with the process of the
 * task it names (read now: the task may end soon after). What does not fit is lost.
 */
static void watch_take(struct procfs *p)
{
	struct kvmuevent_vm vms[PROCFS_PEND_MAX];
	int i, n;
	bool lost;

	n = kvmuevent_read(p->uevents, vms, PROCFS_PEND_MAX - p->npend, &lost);
	if (lost)
		p->pend_lost = true;
	for (i = 0; i < n; i++) {
		p->pend[p->npend].pid = tgid_of(p, vms[i].tid);
		p->pend[p->npend].tid = vms[i].tid;
		p->pend[p->npend++].create = vms[i].create;
	}
}

/*
 * Returns nothing; reads the KVM uevents heard since the last sample and makes each process
 * they name young again (its fds looked at in this sample and the next ones, as a
 * newcomer's: the uevent of a new VM comes just before its fd, and its vCPUs after it), or
 * a newcomer when the last scan did not see it. A process under a known pid that is not
 * the one seen makes this sample a full scan, as in light_newcomers(). A made VM whose task
 * is gone already, or uevents lost, make it a full scan that looks at every process; an
 * ended VM whose task is gone, young again every VM (their looks trust the fd counts).
 */
static void watch_read(struct procfs *p, struct procfs_sample *s)
{
	int i, pid, known = p->nseen;
	char path[32];
	struct stat st;
	struct proc_seen *e;

	watch_take(p);
	if (p->pend_lost)
		p->relook = p->rescan = true;
	for (i = 0; i < p->npend; i++) {
		s->announced++;
		pid = p->pend[i].pid;
		if (pid < 0 && p->pend[i].create) {
			p->relook = p->rescan = true;
			continue;
		}
		if (pid < 0) {
			/* Its process gone too, a light sample sees it; else its table shrank. */
			for (int j = 0; j < p->nseen; j++)
				if (p->seen[j].kind == SEEN_VM)
					seen_renew(p, &p->seen[j], false);
			continue;
		}
		snprintf(path, sizeof(path), "%d", pid);
		if (fstatat(p->rootfd, path, &st, 0))
			continue; /* gone since: nothing to look at */
		e = seen_find(p, pid);
		if (e && e->ino == (uint64_t)st.st_ino)
			seen_renew(p, e, true);
		else if (e)
			p->rescan = true;
		else
			seen_append(p, s, pid, (uint64_t)st.st_ino);
		if (p->nseen > known) {
			qsort(p->seen, (size_t)p->nseen, sizeof(*p->seen), seen_cmp);
			known = p->nseen;
		}
	}
	p->npend = 0;
	p->pend_lost = false;
}

int procfs_watch_fd(const struct procfs *p)
{
	return p->uevents ? kvmuevent_fd(p->uevents) : -1;
}

int procfs_watch_now(struct procfs *p, int *pids, int *tids, int n)
{
	int i, j, from = p->npend, count = 0;

	if (!p->uevents)
		return 0;
	watch_take(p);
	for (i = from; i < p->npend; i++) {
		if (!p->pend[i].create || p->pend[i].pid <= 0)
			continue;
		for (j = 0; j < count && pids[j] != p->pend[i].pid; j++)
			;
		if (j == count && count < n) {
			pids[count] = p->pend[i].pid;
			tids[count++] = p->pend[i].tid;
		}
	}
	return count;
}

int procfs_tids(struct procfs *p, int pid, int *tids, int n)
{
	char path[32];
	struct dirent64 *de;
	int count = 0, tid;
	DIR *dir;

	snprintf(path, sizeof(path), "%d/task", pid);
	dir = dir_open(p->rootfd, path);
	if (!dir)
		return -errno;
	while (count < n && (de = readdir64(dir)))
		if ((tid = entry_pid(de->d_name)) > 0)
			tids[count++] = tid;
	closedir(dir);
	return count;
}

/*
 * A listing of the root for light_newcomers(): all of it through the kept DIR, or from a
 * position on in small reads. readdir() asks the kernel for 32 KiB of entries at a time,
 * and a procfs makes each one it hands out (a dentry lookup per process): from a position
 * past which only a few are wanted (after the pids wrapped, thousands of older processes
 * lie above the last pid), that was most of a light sample.
 */
struct listing {
	DIR *dir;
	bool small; /* from a position on, read by hand; else readdir64() */
	ssize_t n, pos;
	union {
		struct dirent64 align;
		char bytes[1024];
	} buf;
};

/* Returns 0 after starting l at position pos (0: all of it), or -1 with errno set. */
static int listing_start(struct listing *l, DIR *dir, long pos)
{
	l->dir = dir;
	l->small = pos > 0;
	l->n = l->pos = 0;
	if (!l->small) {
		rewinddir(dir);
		return 0;
	}
	return lseek(dirfd(dir), pos, SEEK_SET) < 0 ? -1 : 0;
}

/* Returns the listing's next entry, or NULL at its end (or on an error). */
static struct dirent64 *listing_next(struct listing *l)
{
	struct dirent64 *de;

	if (!l->small)
		return readdir64(l->dir);
	if (l->pos >= l->n) {
		l->n = getdents64(dirfd(l->dir), l->buf.bytes, sizeof(l->buf.bytes));
		l->pos = 0;
		if (l->n <= 0)
			return NULL;
	}
	de = (struct dirent64 *)(l->buf.bytes + l->pos);
	l->pos += de->d_reclen;
	return de;
}

/*
 * Returns 0 after adding to p->seen, as newcomers (young: looked at in this sample and the
 * next ones), the processes of /proc that the last scan did not see (none, said in the
 * status, when the listing cannot be opened), or 1 when a known pid is another process's
 * now: a full scan must be made instead. One listing of /proc a sample (through a kept fd),
 * and a stat read per newcomer: a VMM started between two scans shows at the next tick, as
 * it would with a scan in every sample. No listing while the last pid given out is the one
 * of the last listing (a quiet host: most of what a light sample cost after its reads).
 */
static int light_newcomers(struct procfs *p, struct procfs_sample *s)
{
	struct pid_pos pp = { 0, -1 };
	int pid, known = p->nseen, ret = 0;
	long lp = last_pid(p);
	bool from_last;
	struct proc_seen key, *e;
	struct listing l;
	struct dirent64 *de;

	/* KVM's uevents name the processes that make VMs: no other newcomer matters. */
	if (p->uevents)
		return 0;
	if (!p->listing && listing_open(p)) {
		/* Out of fds, say: the known VMs are still read; newcomers wait. */
		scan_failed(p, -errno);
		return 0;
	}
	if (lp >= 0 && lp == p->last_pid)
		return 0;
	/*
	 * Pids are given out upwards until they wrap: with the last one higher than at the last
	 * listing, a process born since (or a known pid given again) is above that one, and a
	 * procfs lists from a pid on. A busy host's last pid moves at every tick (a thread is
	 * a pid too), and a listing of a few thousand processes cost more than the rest of a
	 * light sample. (A host that gives out a whole cycle of pids within a tick shows its
	 * newcomers below the last pid at the next full scan.)
	 */
	from_last = p->pid_off > 0 && p->last_pid >= 0 && lp > p->last_pid;
	if (listing_start(&l, p->listing, from_last ? p->last_pid + 1 + p->pid_off : 0)) {
		scan_failed(p, -errno);
		return 0;
	}
	while ((de = listing_next(&l))) {
		pid = entry_pid(de->d_name);
		if (pid < 0)
			continue;
		/*
		 * Above lp, only processes older than the pids' last wrap, or born during this
		 * listing (the next one starts below them): after a wrap, thousands at each tick.
		 */
		if (from_last && pid > lp)
			break;
		pid_pos_learn(&pp, (long)de->d_off, pid);
		s->listed++;
		key.pid = pid;
		/* Only the sorted part: newcomers are appended after it. */
		e = known ? bsearch(&key, p->seen, (size_t)known, sizeof(*p->seen), seen_cmp) : NULL;
		if (e && (de->d_ino <= 1 || e->ino == (uint64_t)de->d_ino))
			continue;
		if (e) {
			ret = 1; /* a new /proc inode: another process under a known pid */
			break;
		}
		seen_append(p, s, pid, (uint64_t)de->d_ino);
	}
	learned_pid_off(p, &pp);
	if (p->nseen > known)
		qsort(p->seen, (size_t)p->nseen, sizeof(*p->seen), seen_cmp);
	/* Read before the listing: a pid given out during it moves it again. */
	p->last_pid = ret ? -1 : lp;
	return ret;
}

/*
 * Returns 0 after a light sample into s (the VMs the last scan found, read through kept
 * files; processes new since then, and those still young, looked at), or 1 when it found a
 * VM gone or a pid reused and a full scan must be made instead.
 */
static int sample_light(struct procfs *p, struct procfs_sample *s)
{
	/* Between walks of /proc (see procfs_sample), the VMs' threads as a scan lists them. */
	bool relist = s->ts_ns - p->vms_ns >= p->period_ns;
	struct proc_seen *e;
	int i, gone;

	if (relist)
		p->vms_ns = s->ts_ns;
	if (light_newcomers(p, s))
		return 1;
	for (i = 0; i < p->nseen; i++) {
		e = &p->seen[i];
		if (e->kind == SEEN_KTHREAD)
			continue;
		if (seen_young(p, e)) {
			/* As in a scan: a VMM makes its VM and its vCPUs just after it starts. */
			gone = seen_look(p, s, e);
			if (gone && e->kind == SEEN_VM)
				return 1;
			if (gone)
				e->first_seq = 0; /* vanished, counted once: not looked at again */
			if (gone || e->kind != SEEN_VM)
				continue;
		} else if (e->kind != SEEN_VM) {
			continue;
		} else if (!relist && e->vm->settled && vm_light(p, s, e)) {
			continue;
		}
		/* Young, not settled, its threads changed, or due: list them again. */
		if (vm_scan(p, s, e) == -ESTALE)
			return 1;
	}
	status_update(p, s);
	return 0;
}

/* Returns 0 after a full scan of every process into s, or -errno (see procfs_sample). */
static int sample_full(struct procfs *p, struct procfs_sample *s)
{
	struct rlimit rl;
	struct dirent *de;
	DIR *dir = NULL;
	struct pid_pos pp = { 0, -1 };
	int pid, err;

	p->nnext = 0;
	p->denied = p->denied_vmms = p->denied_foreign = 0;
	p->rescan = false;
	p->last_pid = last_pid(p); /* before the walk, as in light_newcomers() */
	/* Kept fds take at most the lower half of the table: see thread_file. */
	p->fd_cap = INT_MAX;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 2 < (rlim_t)INT_MAX)
		p->fd_cap = (int)(rl.rlim_cur / 2);

	dir = dir_open(p->rootfd, ".");
	if (!dir) {
		err = -errno;
		source_set(&p->status, SOURCE_UNAVAILABLE, "cannot read the process list: %s",
			   strerror(-err));
		return err;
	}
	while ((de = readdir(dir))) {
		pid = entry_pid(de->d_name);
		if (pid < 0)
			continue;
		pid_pos_learn(&pp, (long)de->d_off, pid);
		s->listed++;
		pid_scan(p, s, pid, (uint64_t)de->d_ino);
	}
	learned_pid_off(p, &pp);
	seen_swap(p);
	p->relook = false;
	if (s->nvms > 1)
		qsort(s->vms, (size_t)s->nvms, sizeof(*s->vms), vm_cmp);
	/* Processes not looked at for want of fds may hold VMs: look again next time. */
	if (p->failed)
		p->rescan = true;
	status_update(p, s);
	closedir(dir);
	return 0;
}

int procfs_sample(struct procfs *p, struct procfs_sample *s)
{
	struct timespec ts;
	uint64_t walk_ns;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	p->seq++;
	s->listed = s->newcomers = s->announced = 0;
	p->looked = 0;
	if (p->uevents)
		watch_read(p, s);
	/*
	 * Where KVM's uevents name the processes that make VMs, a walk of /proc finds nothing
	 * they did not say: one every PROCFS_WALK_HEARD periods, a safety net, and the VMs'
	 * threads listed anew every period between (sample_light).
	 */
	walk_ns = p->period_ns;
	if (p->uevents)
		walk_ns = walk_ns > UINT64_MAX / PROCFS_WALK_HEARD ? UINT64_MAX
								   : walk_ns * PROCFS_WALK_HEARD;
	if (p->period_ns && p->scan_ns && !p->rescan && s->ts_ns - p->scan_ns < walk_ns) {
		s->nvms = s->scan_errors = 0;
		s->light = true;
		p->failed = 0;
		if (!sample_light(p, s)) {
			s->looked = p->looked;
			return 0;
		}
	}
	s->nvms = s->scan_errors = 0;
	s->unreadable = s->unreadable_vmms = 0;
	s->others_hidden = false;
	s->light = false;
	p->failed = 0;
	p->scan_ns = p->vms_ns = s->ts_ns;
	ret = sample_full(p, s);
	s->looked = p->looked;
	return ret;
}

void procfs_set_discovery(struct procfs *p, uint64_t period_ns)
{
	p->period_ns = period_ns;
	/* Opened now, with the probe's other fds; a failure is tried again when it is used. */
	if (period_ns && !p->listing)
		listing_open(p);
}

/*
 * Returns whether root lists the initial pid namespace, the one whose ids KVM's uevents
 * give: its "self" is this process and its pid namespace is the initial one
 * (PROC_PID_INIT_INO, include/linux/proc_ns.h).
 */
static bool root_is_initial(const struct procfs *p)
{
	struct stat st;

	return root_is_ours(p) && !fstatat(p->rootfd, "self/ns/pid", &st, 0) &&
	       st.st_ino == 0xEFFFFFFCu;
}

bool procfs_set_watch(struct procfs *p, bool on)
{
	if (!on) {
		kvmuevent_close(p->uevents);
		p->uevents = NULL;
		p->npend = 0;
		p->pend_lost = false;
	} else if (!p->uevents && p->fd_counts && root_is_initial(p) && kvmuevent_heard()) {
		p->uevents = kvmuevent_open();
	}
	return p->uevents != NULL;
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
 * Returns nothing; puts the loaded KVM vendor module in out: "" if none, or when neither
 * <root>/modules nor the sysfs module directory can be read (a kernel built without module
 * support has no modules file; built-in modules with parameters still show in sysfs).
 */
static void kvm_module(struct procfs *p, char *out, size_t outsz)
{
	int best = -1, rank;
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
		return;
	}
	dir = dir_open(AT_FDCWD, p->sysdir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		rank = kvm_module_rank(de->d_name, len);
		if (rank >= 0 && (best < 0 || rank < best)) {
			best = rank;
			copy_str(out, outsz, de->d_name, len);
		}
	}
	closedir(dir);
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
 * Returns whether <root>/misc is readable and lists no "kvm" device: a vendor module can be
 * loaded and still not bind (no VMX/SVM, or a nested guest), and then there is no /dev/kvm.
 */
static bool kvm_unregistered(struct procfs *p)
{
	const char *line, *end;
	ssize_t n;

	n = read_big(p, p->rootfd, "misc");
	if (n < 0)
		return false;
	for (line = p->buf; line < p->buf + n; line = end + 1) { /* "<minor> <name>" lines */
		end = strchrnul(line, '\n');
		line += strspn(line, " 0123456789");
		if (end - line == 3 && !memcmp(line, "kvm", 3))
			return false;
	}
	return true;
}

int procfs_host(struct procfs *p, struct proc_host *host)
{
	int ret, ncpus;

	memset(host, 0, sizeof(*host));
	ret = read_line(p, "sys/kernel/hostname", host->hostname, sizeof(host->hostname));
	if (!ret)
		ret = read_line(p, "sys/kernel/osrelease", host->release, sizeof(host->release));
	if (ret)
		return ret;
	kvm_module(p, host->kvm_module, sizeof(host->kvm_module));
	host->kvm_unregistered = kvm_unregistered(p);
	ncpus = online_cpus(p);
	host->ncpus = ncpus > 0 ? ncpus : (int)sysconf(_SC_NPROCESSORS_ONLN);
	return 0;
}

/* Returns "<parent of root>/sys/module" ("/sys/module" for "/proc"), allocated. */
static char *sysdir_of(const char *root)
{
	static const char tail[] = "sys/module";
	size_t len = strlen(root);
	char *dir;

	while (len > 1 && root[len - 1] == '/')
		len--;
	while (len > 0 && root[len - 1] != '/')
		len--;
	dir = xmalloc(len + sizeof(tail));
	memcpy(dir, root, len);
	memcpy(dir + len, tail, sizeof(tail));
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
	struct statfs sfs;
	struct procfs *p;
	int fd;

	if (!root)
		root = "/proc";
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->rootfd = fd;
	p->loadavg_fd = -1;
	p->last_pid = -1;
	p->sysdir = sysdir_of(root);
	p->clk_tck = sysconf(_SC_CLK_TCK);
	if (p->clk_tck <= 0)
		p->clk_tck = 100;
	p->status.name = "procfs";
	source_set(&p->status, SOURCE_OK, NULL);
	/* Only procfs files fail once their thread is gone: see the top of this file. */
	if (!fstatfs(p->rootfd, &sfs) && sfs.f_type == PROC_SUPER_MAGIC) {
		procfs_set_discovery(p, PROCFS_DISCOVERY_NS);
		p->fd_counts = true;
		procfs_set_watch(p, true);
	}
	find_hidden(p, root);
	return p;
}

void procfs_close(struct procfs *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nseen; i++)
		memo_free(p, p->seen[i].vm);
	free(p->seen);
	free(p->next);
	free(p->extra);
	free(p->buf);
	free(p->sysdir);
	if (p->listing)
		closedir(p->listing);
	kvmuevent_close(p->uevents);
	if (p->loadavg_fd >= 0)
		close(p->loadavg_fd);
	close(p->rootfd);
	free(p);
}

const struct source_status *procfs_status(const struct procfs *p)
{
	return &p->status;
}
