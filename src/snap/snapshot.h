/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot: everything an output shows for one tick, built by the model and then never
 * changed. The contract between the model and every output: the TUI, batch text, JSON (and
 * what comes: a recording, an exporter) read only this, plus their own view state. It is
 * self-contained: every type an output reads is declared here, and this header includes
 * nothing of the project. Text from processes is kept raw here; outputs escape it.
 */
#ifndef KVMSCOPE_SNAPSHOT_H
#define KVMSCOPE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#define SNAP_SOURCES_MAX 8
#define SNAP_NAME_MAX	 48  /* exit reasons, counters, hot address names */
#define SNAP_COMM_MAX	 16  /* a thread's comm, NUL included (kernel TASK_COMM_LEN) */
#define SNAP_VMNAME_MAX	 128 /* a VM's name, NUL included */
#define SNAP_UUID_MAX	 40
#define SNAP_ID_MAX	 64  /* QEMU's -id, NUL included */
#define SNAP_WHY_MAX	 160 /* a source's reason */
#define SNAP_LABEL_MAX	 (SNAP_VMNAME_MAX + 32) /* snap_vm_label(): a name or "comm:pid" */

/*
 * A pattern of accesses counts as a storm from this rate: the model's hints and the outputs'
 * highlighting use the same threshold.
 */
#define HINT_MIN_RATE 2000.0

/* The host, as read once at start. */
struct snap_host {
	char hostname[65];
	char release[65];	/* kernel release */
	char kvm_module[32];	/* "kvm_intel", "kvm_amd", "kvm_pvm"..., "" if none loaded */
	bool kvm_unregistered;	/* the module is loaded but /dev/kvm is not registered */
	int ncpus;		/* online CPUs */
};

/* What the last procfs scan could not look into: whether those processes hold VMs. */
struct snap_procfs {
	int unreadable;	     /* processes whose fds could not be read */
	int unreadable_vmms; /* of them, those that look like a VMM (qemu, crosvm, -enable-kvm) */
	bool others_hidden;  /* not root: other users' VMs are not visible */
};

/* A data source's state, as shown on screen and in batch output. */
enum snap_state {
	SNAP_SRC_OFF = 0,	  /* not asked for (e.g. --no-trace) */
	SNAP_SRC_OK,		  /* working */
	SNAP_SRC_DEGRADED,	  /* working with less than asked (e.g. software counters only) */
	SNAP_SRC_UNAVAILABLE,	  /* not working; why says so */
};

struct snap_source {
	char name[16];		  /* "procfs", "tracefs", "sched", "perf", "kvmstat" */
	uint8_t state;		  /* enum snap_state */
	char why[SNAP_WHY_MAX];	  /* "" when ok; else e.g. "kernel lockdown" */
};

/* What a thread of a VM is. */
enum thread_kind {
	THREAD_OTHER = 0, /* worker, call_rcu, main loop ... */
	THREAD_VCPU,	  /* "CPU n/KVM", or blocked in KVM_RUN on a kvm-vcpu:n fd */
	THREAD_IOTHREAD,  /* "IO <id>" */
};

/* Percent of one CPU over an interval; every field is -1 when there is no data. */
struct cpu_split {
	double cpu;   /* on a CPU: run time */
	double guest; /* of which in guest mode (stat guest_time) */
	double host;  /* of which in the host: cpu - guest (exit handling, the VMM, the rest) */
	double steal; /* runnable but waiting for a CPU */
	double cs;    /* times scheduled in, per second */
};

/*
 * A latency distribution by powers of two, from the model's log buckets (8 to a power of
 * two) added up: bucket k holds the values from 2^k ns to 2^(k+1) - 1 (bucket 0 also 0), the
 * last every value from 2^(SNAP_LAT_BUCKETS - 1) ns up. All zero when nothing was timed.
 * Part of the rows that have one; fixed size, so rows copy and merge as plain values.
 */
#define SNAP_LAT_BUCKETS 38
struct snap_lat {
	uint64_t b[SNAP_LAT_BUCKETS];
};

/* Where an exit row comes from. */
enum exit_kind {
	EXIT_KIND_HW = 0, /* kvm_exit: a hardware exit reason */
	EXIT_KIND_USER,	  /* kvm_userspace_exit: the VMM handled it (KVM_EXIT_*) */
	EXIT_KIND_EVENT,  /* no kvm_exit here: counted from pio/mmio/msr/... events */
};

/* One exit reason in a scope (host, VM or vCPU). Times are 0 when unknown. */
struct snap_exit {
	char name[SNAP_NAME_MAX]; /* from the kernel's kvm_exit format, e.g. "EPT_VIOLATION" */
	uint32_t reason;
	uint8_t kind;		  /* enum exit_kind */
	uint64_t count;		  /* in the window: last interval, or since start/reset */
	double rate;		  /* per second over the window */
	double share;		  /* percent of the scope's exits */
	uint64_t total_ns, max_ns, p99_ns;
	uint64_t p50_ns;	  /* 0 when unknown, like p99_ns; never above max_ns */
	double mean_ns;
	struct snap_lat lat;	  /* the times of total_ns; batch JSON only, not in recordings */
	double time_share;	  /* percent of the scope's vCPU time handling them, -1 unknown */
	int8_t hot;		  /* enum hot_kind of the addresses behind it, -1 none */
	/*
	 * Sampled detail (bursts, or a trace that lost events): est is set when count, rate,
	 * share and total_ns are estimates, the traced share scaled to the kernel's exact count;
	 * traced is what the trace saw, timed how many handling times P50 and P99 rest on.
	 */
	bool est;
	uint64_t traced;
	uint64_t timed;
	/*
	 * The VMM's part: of count, the exits that went on to userspace (kvm_userspace_exit),
	 * and the VMM's time on them. An exit is counted once: in its row, never again as a
	 * KVM_EXIT_* row (those are rows only for exits seen just as they reached the VMM).
	 */
	uint64_t vmm_count;
	uint64_t vmm_total_ns;	  /* 0 when none was timed */
	uint64_t vmm_max_ns;	  /* 0 when none was timed */
	double vmm_mean_ns;	  /* -1 when none was timed */
	double vmm_share;	  /* percent of count, -1 when count is 0 */
	uint64_t vmm_p50_ns, vmm_p99_ns; /* 0 when none was timed; never above vmm_max_ns */
	struct snap_lat vmm_lat;  /* the VMM's times; batch JSON only, like lat */
};

enum hot_kind { HOT_PIO = 0, HOT_MMIO, HOT_MSR, HOT__KINDS };
enum { HOT_READ = 1, HOT_WRITE = 2 };

/* One hot I/O port, MMIO address or MSR of a VM; other = the bucket for the rest. */
struct snap_hot {
	uint8_t kind;		  /* enum hot_kind */
	uint8_t rw;		  /* HOT_READ | HOT_WRITE seen */
	uint8_t size;		  /* access size in bytes, 0 if mixed/unknown */
	bool other;		  /* the "other" bucket: addresses beyond the top-K */
	bool user;		  /* handled in userspace (the VMM) */
	bool pattern;		  /* of a class with a known remedy (see the hints) */
	uint64_t addr;
	char name[SNAP_NAME_MAX]; /* "ACPI PM timer", "LAPIC ICR", "" when unknown */
	uint64_t count;
	double rate, share;	  /* share: percent of the VM's accesses of this kind */
	uint64_t total_ns;	  /* handling time, 0 when unknown */
	double mean_ns;
	double time_share;	  /* percent of the VM's vCPU time handling them, -1 unknown */
	bool est;		  /* count is the traced share scaled to the exact count */
	uint64_t traced;	  /* accesses the trace saw */
};

/*
 * Where a thread's wall time goes, in percent; source says how it was measured. A field is -1
 * when that source cannot tell it (user time without kvm_entry or a measured completion).
 */
enum split_source {
	SPLIT_NONE = 0,	 /* no data */
	SPLIT_PROCFS,	 /* coarse: schedstat and guest_time only */
	SPLIT_EVENTS,	 /* kvm_exit/kvm_entry/sched_switch */
};
struct exit_split {
	uint8_t source;	 /* enum split_source */
	double guest;	 /* running guest code */
	double kernel;	 /* handling exits in KVM */
	double user;	 /* handling exits in the VMM (userspace) */
	double halted;	 /* blocked after HLT (or idle) */
	double waiting;	 /* runnable, waiting for a host CPU */
	bool sched;	 /* off-CPU time from sched_switch; else waiting from schedstat */
	bool est;	 /* from sampled detail (bursts, or a trace that lost events) */
};

/* A remedy worth naming, e.g. for an ACPI PM timer storm. */
struct snap_hint {
	char text[160];
};

/* What a counter counts, and so how it is shown. */
enum snap_ctr_kind {
	SNAP_CTR_COUNT = 0, /* events: a rate per second */
	SNAP_CTR_TIME_NS,   /* nanoseconds: a share of the window (task-clock, halt_wait_ns) */
	SNAP_CTR_HIST,	    /* a histogram: value = the sum of its buckets, p50 = median bucket */
	SNAP_CTR_GAUGE,	    /* an instant value (pages_4k, online_vcpus): shown as is, no rate */
	SNAP_CTR_RATIO,	    /* derived: instructions per cycle */
};

/*
 * One counter of a scope (host, VM, thread) from perf or KVM stats (probes/perf.c,
 * probes/kvmstat.c), with what src/counters.c made of it over the window. rate, share and
 * ratio are -1 when unknown (one sample only, or why says the counter cannot be read).
 */
struct snap_counter {
	char name[SNAP_NAME_MAX]; /* as given: "task-clock", "cycles:mg", "exits", "ipc:mg" */
	char source[12];	  /* "perf", "debugfs", "tracepoint" */
	uint8_t kind;		  /* enum snap_ctr_kind */
	uint64_t value;		  /* cumulative, as read (a gauge: its value) */
	uint64_t count;		  /* increase in the window, scaled when multiplexed */
	double rate;		  /* per second over the window */
	double share;		  /* time counters: percent of the window (of one CPU) */
	double ratio;		  /* derived (IPC) */
	double scale;		  /* enabled / running in the window: 1 unless multiplexed */
	uint64_t p50;		  /* histograms: upper bound of the median bucket, cumulative */
	char why[40];		  /* "" when read; else why not: "no PMU", "fd limit" ... */
};
/* Pseudo tids of wakers that are not threads. */
enum { WAKE_TID_HARDIRQ = -1, WAKE_TID_SOFTIRQ = -2 };

enum wake_class { WAKE_IOEVENTFD = 0, WAKE_IRQFD, WAKE_IO, WAKE_TIMER, WAKE_OTHER, WAKE__CLASSES };

/* What a node of the graph is. */
enum wake_node {
	WAKE_NODE_VCPU = 0,
	WAKE_NODE_IOTHREAD,
	WAKE_NODE_VMTHREAD,
	WAKE_NODE_HOST,
	WAKE_NODE_IRQ
};

/* One edge of a snapshot; the other bucket has waker = wakee = 0 and other set. */
struct snap_wake_edge {
	int waker, wakee;		/* tids, or WAKE_TID_* */
	uint8_t waker_node, wakee_node; /* enum wake_node */
	uint8_t cls;			/* enum wake_class */
	bool other;
	char waker_comm[SNAP_COMM_MAX], wakee_comm[SNAP_COMM_MAX]; /* raw */
	uint64_t count;
	double rate;
	uint64_t awake; /* of count: signals that found the wakee awake */
	uint64_t timed; /* wakes with a measured latency */
	double mean_ns; /* latency sched_waking -> running; -1 when none timed */
	int64_t p50_ns; /* -1 when none timed; never above max_ns */
	int64_t p99_ns; /* -1 when none timed; never above max_ns */
	int64_t max_ns; /* -1 when none timed */
	bool est;	/* sampled detail: count and rate scaled by the traced share of time */
	struct snap_lat lat; /* the wake latencies; batch JSON only */
};

/* Round trips of one notify address; other: the addresses beyond WAKE_RTS. */
struct snap_wake_rt {
	uint8_t kind; /* HOT_PIO or HOT_MMIO */
	bool other;
	uint64_t addr;
	uint64_t count;
	double rate;
	int64_t p50_ns, p99_ns, max_ns; /* notify -> vCPU running; quantiles never above max */
	double mean_ns;
	double notify_run_ns; /* means of the parts: notify -> iothread running */
	double run_inject_ns; /* iothread running -> interrupt injected */
	double inject_run_ns; /* injected -> vCPU running */
	bool est;	      /* sampled detail: count and rate scaled by the traced share of time */
	struct snap_lat lat;  /* notify -> vCPU running; batch JSON only */
};

/* A VM's wakeups in a snapshot: snap_vm.wake, owned by the snapshot; edges and rts point
 * into the same allocation. */
struct snap_wake {
	struct snap_wake_edge *edges; /* by rate, the other bucket last */
	int nedges;
	struct snap_wake_rt *rts; /* by count, the other bucket last */
	int nrts;
	uint64_t unmatched; /* wakes whose wakee was never seen running */
};


/* A thread of a VM (vCPU, iothread), or all other threads of the VM grouped in one row. */
struct snap_thread {
	int tid;		  /* 0 for the grouped row */
	enum thread_kind kind;
	int index;		  /* vCPU index, -1 otherwise */
	int nthreads;		  /* threads in the row: 1, or the size of the group */
	char comm[SNAP_COMM_MAX]; /* raw */
	bool gone;
	struct cpu_split cpu;	  /* procfs: cpu, guest, host, steal, context switches */
	struct exit_split split;  /* time in guest / exit handling / halted / waiting */
	double exits_rate;
	uint64_t exits_count;
	struct snap_exit *exits;  /* this vCPU's exit reasons by rate; owned */
	int nexits;
	struct snap_counter *counters; /* owned */
	int ncounters;
};

/* Whose files name a VM. */
enum snap_mgmt_source {
	SNAP_MGMT_NONE = 0, /* nobody's found: a VMM started by hand, or by something unknown */
	SNAP_MGMT_LIBVIRT,  /* libvirt's live domain XML (and OpenStack nova's metadata in it) */
	SNAP_MGMT_PROXMOX,  /* a Proxmox VE guest config */
	SNAP_MGMT__N,
};

/*
 * The names a VM's management layer gives it, from its files: raw, "" where it gives none.
 * state: SNAP_SRC_OK when read, SNAP_SRC_UNAVAILABLE (why says) when the file is there but
 * could not be read (too big, not well-formed, a DTD...), SNAP_SRC_OFF when none was found.
 */
struct snap_mgmt {
	uint8_t source;			    /* enum snap_mgmt_source */
	uint8_t state;			    /* enum snap_state */
	char why[SNAP_WHY_MAX];
	char name[SNAP_VMNAME_MAX];	    /* libvirt's domain <name>; Proxmox's name: */
	char title[SNAP_VMNAME_MAX];	    /* libvirt's <title> */
	char uuid[SNAP_UUID_MAX];	    /* libvirt's <uuid>; Proxmox's smbios1 uuid= */
	char nova_name[SNAP_VMNAME_MAX];    /* OpenStack: the instance's display name */
	char nova_project[SNAP_VMNAME_MAX]; /* its project (nova:owner) */
	char nova_user[SNAP_VMNAME_MAX];    /* its user (nova:owner) */
	char nova_flavor[SNAP_VMNAME_MAX];
};

struct snap_vm {
	int pid;
	uint64_t starttime;
	char name[SNAP_VMNAME_MAX]; /* raw, from -name; "" when the VMM gave none */
	char comm[SNAP_COMM_MAX];
	char uuid[SNAP_UUID_MAX];   /* from -uuid */
	char id[SNAP_ID_MAX];	    /* raw, from -id (Proxmox VE: the vmid) */
	struct snap_mgmt mgmt;
	bool gone;
	int nvcpus, niothreads, nother;
	struct cpu_split cpu;	  /* sums over all threads (percent of one CPU) */
	struct exit_split split;  /* mean over vCPUs */
	double exits_rate;
	uint64_t exits_count;
	char top_exit[SNAP_NAME_MAX]; /* "" when no exits */
	double top_exit_share;
	struct snap_thread *threads; /* vCPUs by index, iothreads, then the grouped others */
	int nthreads;
	struct snap_exit *exits;  /* by rate; owned */
	int nexits;
	struct snap_hot *hot;	  /* by rate, the other bucket last; owned */
	int nhot;
	struct snap_hint *hints;
	int nhints;
	struct snap_counter *counters;
	int ncounters;
	struct snap_wake *wake;
	bool exits_est; /* exits_rate/count: no exact count; the sampled share scaled */
};

/* How much of the trace's detail a snapshot rests on, kept within a cost budget. */
enum snap_detail_mode {
	SNAP_DETAIL_OFF = 0, /* no trace */
	SNAP_DETAIL_FULL,    /* every event traced */
	SNAP_DETAIL_SAMPLED, /* traced in bursts: figures from events are scaled estimates */
};

struct snap_detail {
	uint8_t mode;	    /* enum snap_detail_mode */
	double ratio;	    /* traced share of the window's time, 0..1 (1 when full) */
	double traced_rate; /* events per second read from the trace over the window */
	double exact_rate;  /* KVM tracepoint hits per second, counted by the kernel; -1 unknown */
	double budget;	    /* traced events per second allowed; 0: no limit */
	int focus_pid;	    /* the VM with full detail on demand; 0 none */
	double focus_rate;  /* events per second traced for it beyond the budget */
	double own_cpu;	    /* kvmscope's own CPU over the window, percent of one CPU; -1 unknown */
	uint64_t lost;	    /* events the trace lost in the window */
	double lost_share;  /* percent of the window's events lost */
};

/* Owned by whoever called model_snapshot(); released with snapshot_free(). */
struct snapshot {
	unsigned int seq;	/* tick number */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC at the tick */
	int64_t wall_s;		/* time(NULL) at the tick; 0 for a tick of a trace file */
	/*
	 * A tick of a trace file (trace.dat): where it ends on the file's own clock, in ns after
	 * its first record, as the file holds no wall clock. 0 for the live host.
	 */
	uint64_t trace_ns;
	uint64_t interval_ns;	/* since the previous tick */
	bool cumulative;	/* counts and shares since start or reset, not per interval */
	uint64_t window_ns;	/* length of the window counts cover */
	struct snap_host host;
	struct snap_source sources[SNAP_SOURCES_MAX];
	int nsources;
	struct snap_procfs procfs;
	/* Trace stream health: nothing is lost silently. */
	uint64_t events;	/* events read in the window */
	uint64_t events_lost;	/* ring-buffer overruns and missed events, since start */
	uint64_t events_unattributed; /* events from threads of no known VM, in the window */
	struct snap_detail detail;
	double exits_rate;	/* all VMs */
	struct snap_vm *vms;	/* owned, in discovery order */
	int nvms;
	struct snap_counter *counters; /* host-wide counters; owned */
	int ncounters;
};

void snapshot_free(struct snapshot *s);

/* Returns the VM with this pid, or NULL. */
const struct snap_vm *snapshot_vm(const struct snapshot *s, int pid);
/* Returns the thread with this tid in vm, or NULL. */
const struct snap_thread *snapshot_thread(const struct snap_vm *vm, int tid);
/* Returns the source status by name, or NULL. */
const struct snap_source *snapshot_source(const struct snapshot *s, const char *name);
/* Returns the counter named name (a "perf::" prefix ignored) in c[0..n), or NULL. */
const struct snap_counter *snap_counter_find(const struct snap_counter *c, int n, const char *name);

/* Returns the word for a state: "ok", "degraded", "unavailable", "off". */
const char *snap_state_name(unsigned int state);
/* Returns the short name of a wake class: "ioeventfd", "irqfd", "io", "timer", "other". */
const char *snap_wake_class_name(unsigned int cls);
/* Returns the name of a hot kind: "pio", "mmio", "msr" ("?" for none). */
const char *snap_hot_kind_name(unsigned int kind);

/*
 * Returns a display label for a VM: its best name, the first there is of its title (libvirt),
 * its nova instance name (OpenStack), its management layer's name (libvirt's domain,
 * Proxmox's), its -name, else "comm:pid"; raw bytes (escape before display).
 */
const char *snap_vm_label(const struct snap_vm *vm, char *buf, int bufsz);

/* A name a VM is known by, with what it is; an element of snap_vm_names()'s list. */
struct snap_vm_name {
	const char *what;  /* "title", "nova name", "libvirt name", "-name", "-uuid" ... */
	const char *value; /* raw, never "" */
};

#define SNAP_VM_NAMES_MAX 12

/*
 * Returns how many of the names vm is known by were put in out (at most max): in the order
 * of snap_vm_label(), the best first, then its nova project, user and flavor, its uuids and
 * -id. A value given twice under different names (libvirt's name is also its -name) is
 * listed once, under the first. Pointers into vm.
 */
int snap_vm_names(const struct snap_vm *vm, struct snap_vm_name *out, int max);

/* Returns the bucket of struct snap_lat that a value of ns falls in. */
int snap_lat_bucket(uint64_t ns);
/* Returns the smallest value of bucket k of struct snap_lat. */
uint64_t snap_lat_low(int k);
/* Returns the largest value of bucket k (UINT64_MAX for the last). */
uint64_t snap_lat_high(int k);
/* Returns the values counted in l. */
uint64_t snap_lat_count(const struct snap_lat *l);
/* Adds every count of src into dst. */
void snap_lat_add(struct snap_lat *dst, const struct snap_lat *src);

/* Returns the word for a management layer: "libvirt", "proxmox", "" for none. */
const char *snap_mgmt_name(unsigned int source);

#endif
