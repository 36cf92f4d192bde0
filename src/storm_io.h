/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmscope-storm's iothread and the file behind its virtio scenario. The iothread waits on
 * one ioeventfd per vCPU, reads 4 KiB of the file with O_DIRECT for each notify, and answers
 * through that vCPU's irqfd, so the wakeup chain is vCPU -> iothread -> vCPU as with QEMU's
 * virtio-blk. In other scenarios it only waits for the stop.
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

/* Returns NULL; the iothread's body, started by storm_vm_start() with the struct storm_vm. */
void *storm_iothread(void *vm);

#endif
