/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.dat probe: a trace-cmd recording as an event source beside the live trace. The file
 * is opened with libtracecmd; the event formats, the exit-reason names and the field offsets
 * come from the file itself, and its sub-buffers go through the same decoder and merge as
 * the live trace (kvmdecode), so the model gets the same struct kvm_event. The VMs and
 * threads are what the file holds: thread names from its saved cmdlines, vCPUs from the KVM
 * events they record, and, given the kernel's saved_tgids of the recording, the process of
 * each thread. What the file cannot tell (a VM's pid without tgids, its name, per-thread CPU
 * times) is left unknown, and the sources say so.
 */
#ifndef KVMSCOPE_TRACEDAT_H
#define KVMSCOPE_TRACEDAT_H

#include <stddef.h>
#include <stdint.h>

#include "exitnames.h"
#include "kvm_event.h"
#include "proc.h"
#include "source.h"

struct tracedat;

/* Called for each decoded event, in timestamp order across the file's CPUs and buffers. */
typedef void (*tracedat_event_fn)(void *arg, const struct kvm_event *ev);

/*
 * Returns the open file, or NULL with errno set and one line in why saying what is wrong
 * with which file: not a trace.dat, truncated, compressed with an algorithm this
 * libtracecmd lacks, no KVM event it can decode, a tgids file that is not the kernel's
 * saved_tgids. tgids_path may be NULL.
 */
struct tracedat *tracedat_open(const char *path, const char *tgids_path, char *why, size_t whysz);
void tracedat_close(struct tracedat *td);

/*
 * Returns the number of events delivered to fn whose timestamp is before until, or -errno:
 * the file is read on from where the last call stopped. Returns 0 once nothing is left
 * (see tracedat_done()).
 */
int tracedat_read(struct tracedat *td, uint64_t until, tracedat_event_fn fn, void *arg);

/* Returns 1 once every record has been read, else 0. */
int tracedat_done(struct tracedat *td);

/* Returns the timestamp of the next record (the first one after open or rewind), 0 if none. */
uint64_t tracedat_next_ns(struct tracedat *td);

/* Returns the timestamp of the last record delivered, 0 before the first. */
uint64_t tracedat_last_ns(const struct tracedat *td);

/*
 * Returns 0 after going back to the first record: threads learnt from events are forgotten
 * too, so a second pass sees the file exactly as the first did. Or -errno.
 */
int tracedat_rewind(struct tracedat *td);

/* Returns the events the file says were lost: missed-event flags and the saved CPU stats. */
uint64_t tracedat_lost(const struct tracedat *td);

/* Returns the records read so far, and through *undecodable those of our events we could not
 * decode (too short, or a format lacking a field). */
uint64_t tracedat_records(const struct tracedat *td, uint64_t *undecodable);

/* Returns the KVMDECODE_BIT() mask of the event types the file's formats let us decode. */
unsigned int tracedat_types(const struct tracedat *td);

/* Returns the exit-reason names from the file's kvm_exit format (empty when it has none). */
const struct exit_names *tracedat_exit_names(const struct tracedat *td);

/* Fills host facts from the file: hostname and kernel from its uname, CPUs; "?" for KVM. */
void tracedat_host(const struct tracedat *td, struct proc_host *host);

/* Returns a number that changes whenever the VMs and threads learnt from the file change. */
unsigned int tracedat_threads_gen(const struct tracedat *td);

/*
 * Fills s (owned by the caller, released with procfs_sample_free()) with the VMs and threads
 * known so far: each VM is a process (pid from the tgids, or 0 when unknown) with its vCPUs,
 * iothreads and, with tgids, its other threads. Times are unknown: ts_ns and every time 0.
 */
void tracedat_sample(const struct tracedat *td, struct procfs_sample *s);

/* Returns 0 with the comm of any tid as the file's saved cmdlines have it, or -ENOENT. */
int tracedat_comm(const struct tracedat *td, int tid, char *out, size_t outsz);

/*
 * The statuses to show: [0] "tracedat" (the file, its format, what could not be decoded),
 * [1] "threads" (where VMs and threads came from), [2] "sched" (whether the wake graph has
 * its events). Refreshed by each tracedat_read(); owned by the probe.
 */
#define TRACEDAT_SOURCES 3
const struct source_status *tracedat_status(struct tracedat *td, int i);

#endif
