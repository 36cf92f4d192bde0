// SPDX-License-Identifier: GPL-2.0
/*
 * The iothread and its file. Each notify costs one real O_DIRECT read, so the round trip
 * a monitor measures (notify to interrupt) holds real host I/O, as in the virtio-blk case
 * it is meant to show.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "storm_io.h"
#include "storm_vm.h"

void storm_io_init(struct storm_io *io)
{
	memset(io, 0, sizeof(*io));
	io->fd = -1;
}

/* Returns 0 when dir's filesystem is not tmpfs or ramfs, else -errno with why set. */
static int io_check_fs(const char *path, char *why, size_t whysz)
{
	struct statfs sfs;

	if (statfs(path, &sfs) < 0) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC) {
		snprintf(why, whysz,
			 "%s: on tmpfs, where O_DIRECT reads reach no disk; use a file on a disk "
			 "filesystem",
			 path);
		return -EINVAL;
	}
	return 0;
}

int storm_io_check(const char *path, char *why, size_t whysz)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < STORM_IO_BLOCK) {
		snprintf(why, whysz, "%s: not a regular file of at least %d bytes", path,
			 STORM_IO_BLOCK);
		return -EINVAL;
	}
	return io_check_fs(path, why, whysz);
}

/* Returns 0 with a new file of STORM_IO_TMP_BLOCKS blocks written out, its name in path. */
static int io_make_tmp(char *path, size_t pathsz, char *why, size_t whysz)
{
	char block[STORM_IO_BLOCK];
	int fd = -1, err = 0;
	unsigned int i;

	snprintf(path, pathsz, "%s/kvmscope-storm.XXXXXX", STORM_IO_TMP_DIR);
	err = io_check_fs(STORM_IO_TMP_DIR, why, whysz);
	if (err)
		goto out;
	fd = mkstemp(path);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < STORM_IO_TMP_BLOCKS; i++) {
		memset(block, 'a' + i % 26, sizeof(block));
		errno = 0;
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			err = errno ? -errno : -EIO;
			snprintf(why, whysz, "%s: write: %s", path, strerror(-err));
			goto out;
		}
	}
	/* Written back now, so that the O_DIRECT reads go to the disk, not to dirty pages. */
	if (fdatasync(fd) < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: fdatasync: %s", path, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (err && fd >= 0)
		unlink(path);
	return err;
}

int storm_io_open(struct storm_io *io, const char *path, char *why, size_t whysz)
{
	char tmp[PATH_MAX];
	bool made = false;
	struct stat st;
	int err = 0;

	if (!path) {
		err = io_make_tmp(tmp, sizeof(tmp), why, whysz);
		if (err)
			goto out;
		made = true;
	}
	io->fd = open(path ? path : tmp, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (io->fd < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: open with O_DIRECT: %s", path ? path : tmp,
			 strerror(errno));
		goto out;
	}
	if (fstat(io->fd, &st) < 0) {
		err = -errno;
		snprintf(why, whysz, "%s: %s", path ? path : tmp, strerror(errno));
		goto out;
	}
	io->blocks = (uint64_t)st.st_size / STORM_IO_BLOCK;
	err = -posix_memalign(&io->buf, STORM_IO_BLOCK, STORM_IO_BLOCK);
	if (err) {
		snprintf(why, whysz, "I/O buffer: %s", strerror(-err));
		goto out;
	}
out:
	/* The open descriptor keeps the temporary file alive; even kill -9 leaves nothing. */
	if (made)
		unlink(tmp);
	return err;
}

void storm_io_close(struct storm_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	free(io->buf);
	io->fd = -1;
	io->buf = NULL;
}

/* Returns 0 after one block read for v's request, timed into v's stats, or -errno. */
static int io_read(struct storm_vm *vm, struct storm_vcpu *v, const char **what)
{
	struct storm_io *io = &vm->io;
	uint64_t block, t0, ns;
	ssize_t n;

	/* Spread the vCPUs and their requests over the file so reads rarely repeat. */
	block = (v->st.completions + (uint64_t)v->index * 37) % io->blocks;
	t0 = storm_now_ns();
	n = pread(io->fd, io->buf, STORM_IO_BLOCK, (off_t)(block * STORM_IO_BLOCK));
	ns = storm_now_ns() - t0;
	*what = "pread of the I/O file";
	if (n < 0)
		return -errno;
	if (n != STORM_IO_BLOCK)
		return -EIO;
	v->st.io_ns_total += ns;
	if (ns > v->st.io_ns_max)
		v->st.io_ns_max = ns;
	return 0;
}

/* Returns 0 once v's interrupt is injected through its irqfd, or -errno. */
static int io_complete(struct storm_vcpu *v, const char **what)
{
	uint64_t one = 1;

	v->held = false;
	v->st.completions++;
	*what = "irqfd write";
	if (write(v->irq_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

/* Returns 0 after serving one notify of v: read, then complete now or when --rate says. */
static int io_serve(struct storm_vm *vm, struct storm_vcpu *v, const char **what)
{
	uint64_t rate = vm->opts->rate, due;
	int err;

	err = io_read(vm, v, what);
	if (err)
		return err;
	if (rate) {
		due = storm_vm_due_ns(vm, v->st.completions + 1);
		if (storm_now_ns() < due) {
			v->held = true;
			v->held_until_ns = due;
			return 0;
		}
	}
	return io_complete(v, what);
}

/* Returns the ppoll timeout until the next held completion, or NULL when none is held. */
static struct timespec *io_timeout(struct storm_vm *vm, struct timespec *ts)
{
	uint64_t next = UINT64_MAX, now;
	unsigned int i;

	for (i = 0; i < vm->opts->vcpus; i++)
		if (vm->vcpus[i].held && vm->vcpus[i].held_until_ns < next)
			next = vm->vcpus[i].held_until_ns;
	if (next == UINT64_MAX)
		return NULL;
	now = storm_now_ns();
	next = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(next / 1000000000);
	ts->tv_nsec = (long)(next % 1000000000);
	return ts;
}

void *storm_iothread(void *arg)
{
	struct storm_vm *vm = arg;
	struct pollfd pfd[1 + STORM_MAX_VCPUS];
	unsigned int i, n = vm->opts->vcpus;
	bool virtio = vm->opts->scenario == STORM_VIRTIO;
	const char *what = "";
	struct timespec ts;
	uint64_t count;
	int err = 0;

	pthread_setname_np(pthread_self(), "IO iothread0");
	storm_vm_ready(vm);
	if (!storm_vm_wait_go(vm))
		goto out;
	pfd[0] = (struct pollfd){ .fd = vm->stop_fd, .events = POLLIN };
	for (i = 0; i < n; i++)
		pfd[1 + i] = (struct pollfd){ .fd = virtio ? vm->vcpus[i].notify_fd : -1,
					      .events = POLLIN };
	for (;;) {
		if (ppoll(pfd, 1 + n, io_timeout(vm, &ts), NULL) < 0 && errno != EINTR) {
			err = -errno;
			storm_vm_fail(vm, err, "iothread: ppoll: %s", strerror(-err));
			goto out;
		}
		if (pfd[0].revents || storm_vm_stopping(vm))
			goto out;
		for (i = 0; i < n; i++) {
			struct storm_vcpu *v = &vm->vcpus[i];

			if (v->held && storm_now_ns() >= v->held_until_ns) {
				err = io_complete(v, &what);
				if (err)
					break;
			}
			if (!(pfd[1 + i].revents & POLLIN))
				continue;
			if (read(v->notify_fd, &count, sizeof(count)) != sizeof(count)) {
				err = -errno;
				what = "ioeventfd read";
				break;
			}
			/* The guest waits for each interrupt, so count is 1 but for a stray. */
			while (count-- && !err)
				err = io_serve(vm, v, &what);
			if (err)
				break;
		}
		if (err) {
			storm_vm_fail(vm, err, "iothread: %s: %s", what, strerror(-err));
			goto out;
		}
	}
out:
	return NULL;
}
