/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file behind kvmscope-storm's virtio scenario: the iothread (storm_iothread.c) reads
 * 4 KiB of it with O_DIRECT for each notify, so each request reaches the disk.
 */
#ifndef KVMSCOPE_STORM_IO_H
#define KVMSCOPE_STORM_IO_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORM_IO_BLOCK	    4096
#define STORM_IO_TMP_DIR    "/var/tmp"
#define STORM_IO_TMP_BLOCKS 256 /* 1 MiB, so that reads move around the file */

/* The backing file and the iothread; owned by struct storm_vm. */
struct storm_io {
	int fd;	   /* O_DIRECT, read-only; -1 when closed */
	void *buf; /* one block, aligned for O_DIRECT */
	uint64_t blocks;
	pthread_t thread;
	bool started;
};

/* Returns nothing; marks io closed so that storm_io_close() is always safe. */
void storm_io_init(struct storm_io *io);

/*
 * Returns 0 when path can back the virtio scenario (a regular file of at least one block,
 * not on tmpfs, where O_DIRECT reads reach no disk), else -errno with why set.
 */
int storm_io_check(const char *path, char *why, size_t whysz);

/*
 * Returns 0 with path (or, for NULL, a temporary file already unlinked again) open for
 * O_DIRECT reads, else -errno with why set.
 */
int storm_io_open(struct storm_io *io, const char *path, char *why, size_t whysz);

/* Returns nothing; closes the file and frees the buffer. */
void storm_io_close(struct storm_io *io);

/* Returns 0 after reading block (modulo the file's size) into io->buf in *ns, or -errno. */
int storm_io_read(struct storm_io *io, uint64_t block, uint64_t *ns);

#endif
