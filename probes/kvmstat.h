/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmstat probe: KVM's own statistics, host-wide, per VM and per vCPU.
 *
 * From debugfs (<debugfs>/kvm/: host totals, <pid>-<fd>/ per VM, vcpuN/ per vCPU; one
 * number per file, several in a histogram file) where it can be read; else, under kernel
 * lockdown or without debugfs, from KVM tracepoints counted with perf_event_open on each
 * VM thread, the way kvm_stat does. The status names the source in use and why.
 */
#ifndef KVMSCOPE_KVMSTAT_H
#define KVMSCOPE_KVMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr.h"
#include "proc.h"
#include "source.h"

struct kvmstat;

/*
 * Returns a probe reading dir/kvm (dir NULL: the debugfs mount found in mounts_path, or
 * /proc/mounts when NULL), falling back to tracepoint counters when debugfs cannot be read
 * and tracepoints is set, except those in counted (a NULL-terminated list of tracepoint
 * names, or NULL): the caller counts them from its trace stream, so each event is not paid
 * for twice. Never NULL: a probe with no source says why in its status.
 */
struct kvmstat *kvmstat_open(const char *dir, const char *mounts_path, bool tracepoints,
			     const char *const *counted);
void kvmstat_close(struct kvmstat *k);

/* Returns 0 after following the VM threads of ps (tracepoint counters), or -errno. */
int kvmstat_sync(struct kvmstat *k, const struct procfs_sample *ps);

/* Returns 0 after reading every counter into s, or -errno when the source is gone. */
int kvmstat_sample(struct kvmstat *k, struct kvmstat_sample *s);
void kvmstat_sample_free(struct kvmstat_sample *s);

const struct source_status *kvmstat_status(const struct kvmstat *k);

/* Tests: hook called with each file's path between listing its directory and reading it. */
void kvmstat_set_read_hook(struct kvmstat *k, void (*hook)(void *arg, const char *path), void *arg);

/*
 * Returns the kind of a debugfs stat file from its name and the numbers it held: a
 * histogram, a time in ns, an instant value, or a count.
 */
enum ctr_kind kvmstat_kind(const char *name, int nnumbers);

/* Returns the mount point of the first filesystem of type fstype in mounts into buf, or NULL. */
const char *kvmstat_find_mount(const char *mounts, const char *fstype, char *buf, size_t n);

#endif
