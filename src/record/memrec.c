// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memrec.h"
#include "util.h"

/* Owns the memory file, its writer and the reader last made of it. */
struct memrec {
	int fd;		     /* the memfd: read and copied through it */
	char path[48];	     /* /proc/self/fd/N: the writer and the reader open it by name */
	struct recwriter *w; /* NULL once sealed */
	size_t count;
	uint64_t bytes;
	struct recording *r;
	size_t r_count; /* the ticks r indexed */
};

int memrec_open(const struct recwriter_info *info, struct memrec **out)
{
	struct recwriter_info wi = *info;
	struct memrec *m;
	int err;

	*out = NULL;
	m = xcalloc(1, sizeof(*m));
	m->fd = memfd_create("kvmscope-rec", MFD_CLOEXEC);
	if (m->fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
	snprintf(m->path, sizeof(m->path), "/proc/self/fd/%d", m->fd);
	wi.no_sync = true;
	err = recwriter_open(m->path, &wi, &m->w);
	if (err) {
		close(m->fd);
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

int memrec_tick(struct memrec *m, const struct snapshot *s)
{
	int err;

	if (!m->w)
		return -EROFS;
	err = recwriter_tick(m->w, s);
	if (err)
		return err;
	m->count++;
	m->bytes = recwriter_size(m->w);
	return 0;
}

size_t memrec_count(const struct memrec *m)
{
	return m->count;
}

uint64_t memrec_bytes(const struct memrec *m)
{
	return m->bytes;
}

struct recording *memrec_reader(struct memrec *m, char *why, size_t whysz)
{
	int err;

	if (m->r && m->r_count == m->count)
		return m->r;
	recording_close(m->r);
	m->r = NULL;
	if (!m->count) {
		snprintf(why, whysz, "no tick yet");
		return NULL;
	}
	err = recording_open(m->path, &m->r, why, whysz);
	if (err)
		return NULL;
	m->r_count = m->count;
	return m->r;
}

int memrec_copy(const struct memrec *m, int fd)
{
	char buf[65536];
	uint64_t off = 0;
	ssize_t n, w;

	while (off < m->bytes) {
		n = pread(m->fd, buf, MIN(sizeof(buf), (size_t)(m->bytes - off)), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		for (w = 0; w < n;) {
			ssize_t k = write(fd, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k ? -errno : -ENOSPC;
			w += k;
		}
		off += (uint64_t)n;
	}
	return 0;
}

void memrec_seal(struct memrec *m)
{
	struct stat st;

	if (!m->w)
		return;
	recwriter_close(m->w);
	m->w = NULL;
	if (!fstat(m->fd, &st))
		m->bytes = (uint64_t)st.st_size;
}

void memrec_close(struct memrec *m)
{
	if (!m)
		return;
	recording_close(m->r);
	recwriter_close(m->w);
	close(m->fd);
	free(m);
}
