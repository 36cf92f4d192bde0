// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"
#include "util.h"

int textfile_replace(const char *path, int (*write)(FILE *f, void *arg), void *arg)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	/* Hidden and without the .prom ending: the collector never reads it half written. */
	size_t n = strlen(path) + 16;
	char *tmp = xmalloc(n);
	FILE *f = NULL;
	int fd, err;

	snprintf(tmp, n, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = write(f, arg);
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		goto fail;
	if (rename(tmp, path)) {
		err = -errno;
		goto fail;
	}
	goto out;
fail:
	unlink(tmp);
out:
	free(tmp);
	return err;
}
