/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options, parsed by main.c; read by the tick loop and the outputs. */
#ifndef KVMSCOPE_OPTIONS_H
#define KVMSCOPE_OPTIONS_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "batch.h"

/* --sched: which scheduler events feed the wake graph. */
enum sched_mode {
	SCHED_TID = 0, /* the VMs' threads only, filtered in the kernel (default) */
	SCHED_ALL,     /* every thread: no kernel filter */
	SCHED_OFF,     /* none: no wake graph */
};

/* Owned by main(). */
struct options {
	bool batch;		/* -b */
	long iterations;	/* -n: records to print, 0 = until stopped */
	double delay_s;		/* -d: refresh interval */
	enum batch_format format; /* --format */
	bool detail;		/* -H */
	bool cumulative;	/* -c: since start, not per interval */
	bool no_color;		/* --no-color, NO_COLOR */
	bool no_trace;		/* --no-trace: no trace events, no tracepoint counters */
	unsigned int buffer_kb;	/* --buffer-kb: trace ring buffer per CPU, 0 = default */
	enum sched_mode sched;	/* --sched */
	bool no_syscalls;	/* --no-syscalls: no sys_enter events for the VMM's time */
	double budget;		/* --budget: traced events per second, 0 = no limit */
	bool full_detail;	/* --full-detail: the VM -p/-f names is traced in full */
	bool utf8;		/* the locale's charset is UTF-8 */
	const char *filter_src;	/* -f REGEX, or pid_re */
	char pid_re[24];	/* -p PID as a regex: "^PID$" */
	regex_t filter;
	bool have_filter;
	const char *proc_root;	/* where procfs is ("/proc") */
	const char *libvirt_dir; /* --libvirt: libvirt's live XML, NULL = /run/libvirt/qemu */
	const char *pve_dir;	/* --pve: Proxmox's guest configs, NULL = /etc/pve/qemu-server */
	const char *events;	/* -e: perf events (libpfm4 names), NULL = the default set */
	const char *debugfs;	/* --debugfs: read DIR/kvm, NULL = the mounted debugfs */
	/* The exporter and the metrics formats: */
	const char *serve;	/* --serve [ADDR:]PORT: the exporter mode, NULL = not */
	bool per_vcpu;		/* --per-vcpu: exits, perf and KVM stats per vCPU too */
	int hot_top;		/* --hot-top: hot addresses per VM and kind, 0 = default */
	const char *output;	/* -o: write batch records to FILE, NULL = stdout */
	/* A recording instead of the live host: */
	const char *input;	/* -i: a trace.dat to read instead of the live host, or NULL */
	const char *tgids;	/* --tgids: "TID TGID" lines of that recording, or NULL */
	bool summary;		/* --summary: one record for the whole file */
	/* Recording: `kvmscope record`, or --record beside the live output. */
	bool record;		/* the record command: record, print nothing */
	const char *record_path; /* record -o, or --record; NULL = the default directory */
	bool never_rotate;	/* --rotate never */
	uint64_t max_size;	/* --max-size */
	int keep_days;		/* --keep-days */
	uint64_t max_total;	/* --max-total */
	bool daemon;		/* --daemon */
	const char *pidfile;	/* --pidfile */
	/* Replay: -r. */
	const char *replay;	/* -r PATH */
	const char *begin, *end; /* --begin, --end as given */
	double history_min;	 /* --history: minutes the live screen keeps for w; 0: none */
};

#endif
