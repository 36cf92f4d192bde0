// SPDX-License-Identifier: GPL-2.0
/*
 * The iothread and its file. Each notify costs one real O_DIRECT read, so the round trip
 * a monitor measures (notify to interrupt) holds real host I/O, as in the virtio-blk case
 * it is meant to show.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "storm_io.h"

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

int storm_io_read(struct storm_io *io, uint64_t block, uint64_t *ns)
{
	struct timespec t0, t1;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = pread(io->fd, io->buf, STORM_IO_BLOCK, (off_t)(block % io->blocks * STORM_IO_BLOCK));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	      (uint64_t)t0.tv_nsec;
	if (n < 0)
		return -errno;
	return n == STORM_IO_BLOCK ? 0 : -EIO;
}
