/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file replaced whole at every tick (-o FILE with the metrics formats), for readers that
 * poll it, like node_exporter's textfile collector: they see the old contents or the new,
 * never half of one.
 */
#ifndef KVMSCOPE_TEXTFILE_H
#define KVMSCOPE_TEXTFILE_H

#include <stdio.h>

/*
 * Returns 0 after write (which returns 0 or -errno) filled a new hidden file beside path
 * (mode 0644, so another user's collector can read it) and it was renamed over path; or
 * -errno, leaving path as it was and no temporary file behind.
 */
int textfile_replace(const char *path, int (*write)(FILE *f, void *arg), void *arg);

#endif
