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

/*
 * Time between two full scans on a live procfs: the walk of /proc that finds new VM
 * processes and reads fd tables, command lines (VM names) and task directories. The
 * samples between read only the known VMs' threads, through files kept open; a vanished
 * thread or VM, a new thread of a known VM, a reused pid or a new process (one listing of
 * /proc a sample; a newcomer's fds are looked at in its first three samples, as a VMM makes
 * its VM just after it starts) is noticed by the next sample; where KVM's uevents are heard,
 * a process that makes or ends a VM is (see procfs_set_watch).
 */
#define PROCFS_DISCOVERY_NS (10 * 1000000000ull)

struct procfs;

/*
 * Returns a probe reading under root ("/proc" if NULL), or NULL with errno set. On a
 * procfs it scans in full every PROCFS_DISCOVERY_NS; on another tree (a recording) every
 * sample.
 */
struct procfs *procfs_open(const char *root);
void procfs_close(struct procfs *p);

/*
 * Returns nothing; sets the time between two full scans, 0 for a full scan in every sample
 * (and no fds kept). For tests on a recorded tree, where a thread's end must be shown by
 * emptying its files: a kept fd reads the file it was opened on.
 */
void procfs_set_discovery(struct procfs *p, uint64_t period_ns);

/*
 * Returns whether the probe hears KVM's uevents after turning that on or off. On (the
 * default where it can be: a live procfs of the initial pid namespace, in a network
 * namespace that device uevents reach, see kvmuevent.h), the process a uevent names as
 * having made or ended a VM is looked at in the next sample, as a newcomer is; so no
 * newcomer needs a listing of /proc between two full scans, and a known process is looked
 * at every 60 samples (a safety net) instead of every 10, and the full scan comes every 6
 * periods (the known VMs' threads still listed every period). Off, for tests.
 */
bool procfs_set_watch(struct procfs *p, bool on);

/* Returns the socket KVM's uevents come in on while they are heard, for a poll; else -1. */
int procfs_watch_fd(const struct procfs *p);

/*
 * Returns how many processes made a VM by the uevents waiting (at most n, each once: its
 * pid into pids, the task that made it into tids), reading them now: for a loop that acts
 * before the next sample, at which they are handled as ever (procfs_set_watch). 0 when
 * none are heard.
 */
int procfs_watch_now(struct procfs *p, int *pids, int *tids, int n);

/* Returns the number of threads of process pid listed into tids (at most n), or -errno. */
int procfs_tids(struct procfs *p, int pid, int *tids, int n);

/* Returns 0 and fills host facts, or -errno. */
int procfs_host(struct procfs *p, struct proc_host *host);

/*
 * Returns 0 after a sample of all VMs into s, or -errno when root cannot be read at all.
 * VMs and threads that vanish mid-scan are skipped and counted in scan_errors. A light
 * sample (s->light) reads the VMs the last full scan found; see PROCFS_DISCOVERY_NS.
 */
int procfs_sample(struct procfs *p, struct procfs_sample *s);

void procfs_sample_free(struct procfs_sample *s);

/* Returns 0 with the name (comm) of any thread tid in out, raw, or -errno (gone: -ENOENT). */
int procfs_comm(struct procfs *p, int tid, char *out, size_t outsz);

/* Returns the probe's source status (state and reason). */
const struct source_status *procfs_status(const struct procfs *p);

#endif
