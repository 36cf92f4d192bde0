/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot as JSON: one document on one line holding every field of the snapshot, so that
 * a reader (snapread.h) gets the same snapshot back; the schema the manual documents, shared
 * by batch JSON and the recording. Written with the streaming writer of json.h.
 *
 * Two forms of the one schema. The full form (batch JSON) also writes what a script wants
 * without arithmetic: rates and shares, labels, the time as text, a thread's perf summary.
 * The compact form (the recording) leaves out each number a reader can compute from the
 * others of the same document when the computation below gives it back bit for bit; it
 * keeps the number where it does not. Either form reads back as the same snapshot.
 */
#ifndef KVMSCOPE_SNAPJSON_H
#define KVMSCOPE_SNAPJSON_H

#include <regex.h>
#include <stdio.h>

#include "snapshot.h"

/* The schema's version, "schema" in every document; 1 was kvmscope 0.1's batch JSON. */
#define SNAPJSON_SCHEMA 2

enum snapjson_form { SNAPJSON_FULL = 0, SNAPJSON_COMPACT };

/* Writes s as one full-form document and a newline to f; VMs not matching filter left out. */
void snapjson_write(FILE *f, const struct snapshot *s, const regex_t *filter);
/* The same in either form. */
void snapjson_write_form(FILE *f, const struct snapshot *s, const regex_t *filter,
			 enum snapjson_form form);

/*
 * The computations of the derived numbers, shared by the writer (which leaves a number out
 * only when one of these gives it exactly) and the reader (which fills in what is left out).
 */

/* Returns total_ns / count, or -1 for no count: the means of exits, accesses, the VMM's part. */
double snapjson_mean(uint64_t total_ns, uint64_t count);
/* Returns count per second over window_ns (0 for no window): rates of exits, hot addresses. */
double snapjson_per_s(uint64_t count, uint64_t window_ns);
/* Returns count per second as the wake graph computes it (over window_ns / 1e9 seconds). */
double snapjson_wake_rate(uint64_t count, uint64_t window_ns);
/* Returns 100 * count / denom, 0 for no denom: shares of exits and hot addresses. */
double snapjson_share(uint64_t count, uint64_t denom);
/* Returns the percent of an exit row's count that went to the VMM; -1 for no count. */
double snapjson_vmm_share(uint64_t vmm, uint64_t count);
/* Returns what an exit row's share is of: the scope's exits, else its userspace exits. */
uint64_t snapjson_exit_denom(const struct snap_exit *e, int n);
/* Returns the VM's accesses of one hot kind: the sum of its rows of that kind. */
uint64_t snapjson_hot_denom(const struct snap_hot *h, int n, unsigned int kind);
/* Returns the share of the top exit: the first row not a userspace exit, else the first. */
double snapjson_top_exit_share(const struct snap_exit *e, int n);
/* Returns host = cpu - guest, -1 when both are unknown. */
double snapjson_host_pct(const struct cpu_split *c);
/* Returns the round trip's mean: the sum of its parts, -1 when none was counted. */
double snapjson_rt_mean(const struct snap_wake_rt *r);
/* Returns a counter's rate over window_ns, 0 without a window. */
double snapjson_ctr_rate(uint64_t count, uint64_t window_ns);
/* Returns a time counter's share of window_ns (0 without one); -1 for other kinds. */
double snapjson_ctr_share(unsigned int kind, uint64_t count, uint64_t window_ns);
/* Returns the host's exits/s: the sum over the live VMs written (those filter matches). */
double snapjson_host_exits_rate(const struct snapshot *s, const regex_t *filter);

/* Names of enum values in the schema; NULL past the end. */
const char *snapjson_thread_kind(unsigned int v);
const char *snapjson_split_source(unsigned int v);
const char *snapjson_exit_kind(unsigned int v);
const char *snapjson_hot_kind(unsigned int v);
const char *snapjson_rw(unsigned int v);
const char *snapjson_ctr_kind(unsigned int v);
const char *snapjson_state(unsigned int v);
const char *snapjson_wake_node(unsigned int v);
const char *snapjson_wake_how(unsigned int v);
const char *snapjson_detail_mode(unsigned int v);
const char *snapjson_mgmt_source(unsigned int v);

#endif
