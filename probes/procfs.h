/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procfs probe: finds every KVM VM on the host (a process holding an anon_inode:kvm-vm fd),
 * its name, its vCPU threads with their index, its iothreads and other threads, and each
 * thread's cumulative times. Reads under a root directory ("/proc" normally; a recorded
 * tree in tests). Everything it returns is raw: comm and names are untrusted bytes.
 */
#ifndef KVMSCOPE_PROCFS_H
#define KVMSCOPE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"
#include "source.h"

struct procfs;

/* Returns a probe reading under root ("/proc" if NULL), or NULL with errno set. */
struct procfs *procfs_open(const char *root);
void procfs_close(struct procfs *p);

/* Returns 0 and fills host facts, or -errno. */
int procfs_host(struct procfs *p, struct proc_host *host);

/*
 * Returns 0 after a scan of all processes into s, or -errno when root cannot be read at
 * all. VMs and threads that vanish mid-scan are skipped and counted in scan_errors.
 */
int procfs_sample(struct procfs *p, struct procfs_sample *s);

void procfs_sample_free(struct procfs_sample *s);

/* Returns 0 with the name (comm) of any thread tid in out, raw, or -errno (gone: -ENOENT). */
int procfs_comm(struct procfs *p, int tid, char *out, size_t outsz);

/* Returns the probe's source status (state and reason). */
const struct source_status *procfs_status(const struct procfs *p);

#endif
