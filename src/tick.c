// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "detail.h"
#include "kvmdecode.h"
#include "kvmstat.h"
#include "model.h"
#include "pane.h"
#include "perf.h"
#include "procfs.h"
#include "tick.h"
#include "tracefs.h"
#include "sig.h"
#include "util.h"
#include "vmmeta.h"

/*
 * The event groups the model uses; sched events are filtered by tid (update_filter), the
 * VMM's returns into KVM_RUN by vCPU thread (update_run_filter).
 */
#define TICK_TRACE_GROUPS                                                                          \
	(TRACE_EXIT | TRACE_IO | TRACE_USER | TRACE_WAKEUP | TRACE_IRQ | TRACE_SCHED | TRACE_RUN)

/* Host threads named per tick for the wake graph (the rest wait for the next tick). */
#define TICK_NAMES_MAX 32

/*
 * Counting a KVM tracepoint costs every guest that fires it at every hit. One that no figure
 * needs is counted part-time above TICK_PART_RATE (an idle fleet's LAPIC events: ~90k/s of
 * them for 30 guests here), and dropped above TICK_DROP_RATE, where even part-time counting
 * costs too much (kvm_emulate_insn fires for every instruction of a guest whose code is
 * emulated: 6.6M/s on a PIT storm here, ~10% of the guest's speed).
 * Part-time, the counters run in one window an interval at a jittered place, as long as
 * TICK_PART_BUDGET hits a second allow (at most TICK_PART_DUTY of the interval), at least
 * TICK_PART_MIN_NS: switching the counters of the other CPUs interrupts their guests (an
 * IPI), which a window of 1 ms shows as a rate 30% low. Each switch costs us ~70 us here
 * (the IPI, under nested virtualization): two windows an interval on two CPUs were a sixth
 * of what an idle fleet cost us. So while the host's counted rates hold within
 * TICK_PART_SHIFT of what they were at the last window, a window every TICK_PART_EVERY
 * intervals does: the estimates go on at the rates of the last one.
 */
#define TICK_DROP_RATE	 200000.0
#define TICK_PART_RATE	 2000.0
#define TICK_PART_BUDGET 5000.0
#define TICK_PART_DUTY	 0.1
#define TICK_PART_MIN_NS 10000000ull
#define TICK_PART_EVERY	 4
#define TICK_PART_SHIFT	 0.25
#define TICK_PART_MAX	 32 /* tracepoints moved at once */

/*
 * While sampled, a traced KVM event counted over TICK_HOT_RATE is switched between bursts by
 * its enable file, not left soft-disabled (trace_set_hot): off, its tracepoint then carries
 * no probe of ours. Each switch costs ~0.15 ms of our CPU, a soft-disabled hit 30-50 ns of
 * the guest's here, so it pays from ~50k/s at four bursts a second. It goes back below a
 * quarter of that (each move costs a grace period or two: not at every tick).
 */
#define TICK_HOT_RATE 100000.0

/*
 * Detail while nothing changes: once the host's counted KVM rates and its VMs have held
 * for DETAIL_STEADY_NS (detail_steady()), the budget in force is TICK_STEADY_SHARE of
 * --budget; the tick they move, the whole budget again. An idle fleet's shares and times
 * settle in seconds, and its events were most of what it cost us (~140 ns each, ~13k/s for
 * 30 guests); a storm's onset, or any change, is traced at the full budget.
 */
#define TICK_STEADY_SHARE  0.25
#define TICK_STEADY_BURSTS 1

/* Processes that made a VM followed at once per wakeup, and threads of each at most. */
#define TICK_MADE_MAX  16
#define TICK_MADE_TIDS 256

/* Exit reasons of each kind (hardware, to the VMM) counted exactly, by filtered counters. */
#define TICK_REASONS 8

/*
 * Set by signal handlers, read by the loop: nothing else happens in a handler. sig_winch
 * also stands for SIGCONT: after a SIGSTOP a job-control shell takes the terminal, sets its
 * own modes and prints over the screen; on continuing the screen is taken back and redrawn.
 */
static volatile sig_atomic_t sig_quit, sig_winch, sig_hup;
/* What the loop handles; each waits blocked until epoll_pwait. */
static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCONT };

static void on_quit(int sig)
{
	sig_quit = sig;
}

static void on_winch(int sig)
{
	(void)sig;
	sig_winch = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	sig_hup = 1;
}

/* Everything the loop holds; torn down in one place. */
struct loop {
	const struct options *opt;
	const struct tick_output *out;
	struct model model;
	struct procfs *procfs;
	struct procfs_sample ps;
	struct vmmeta *meta;	 /* the VMs' names from libvirt's and Proxmox's files */
	struct perf *perf;	 /* per-thread counters, NULL when none could be set up */
	struct perf_sample perf_s;
	struct source_status perf_st; /* when perf is NULL */
	struct kvmstat *kstat;
	struct kvmstat_sample kstat_s;
	bool kstat_ok; /* kstat_s was read this tick */
	int focus_pid;	/* the VM in focus (the screen's, or -p/-f in batch), 0: none */
	bool full;	/* full detail for it on demand (the D key, --full-detail) */
	struct trace *trace;	 /* NULL when not tracing */
	struct source_status trace_st;
	struct source_status sched_st; /* the kernel-side tid filter of sched events */
	int *pids;		       /* the tids it names, sorted; NULL before the first */
	int npids;
	struct source_status run_st; /* the vCPU filter of the KVM_RUN events */
	int *vcpus;		     /* the vCPU tids it names, sorted; NULL before the first */
	int nvcpus;
	struct kstat_reason reasons[KSTAT_REASONS_MAX]; /* exit reasons counted exactly */
	char reason_names[KSTAT_REASONS_MAX][SNAP_NAME_MAX];
	int nreasons;
	uint64_t exact_events; /* the traced KVM tracepoints' hits counted per CPU, last sample */
	bool have_exact;
	uint64_t start_ns;
	struct snapshot *shown;	 /* what the output shows (frozen while paused) */
	struct snapshot *latest; /* the newest, when paused */
	struct tick_ctl ctl;
	int epfd, tfd;
	sigset_t waitmask;
	/* Detail within the budget (detail.h): bursts of the main trace. */
	struct detail_ctl det;
	int bfd;		/* the bursts' timer, -1 when none */
	int pfd;		/* the part-time counters' timer, -1 until needed */
	struct detail_burst part_plan[1]; /* this interval's window */
	int npart, ipart;	/* how many; the one next or on */
	uint64_t part_base;	/* the plan's time 0 */
	bool part_open;		/* that window is on */
	uint32_t part_seed;	/* the windows' jitter */
	int part_skipped;	/* intervals without a window since the last */
	double part_host;	/* the host's counted rate at the last window, -1: none yet */
	/*
	 * The host's counters at the last tick, for rates over the interval when the snapshot
	 * shows them since the start (cumulative): what the loop decides by (window_view).
	 */
	struct snap_counter *wprev;
	int nwprev;
	uint64_t wprev_ts;
	struct detail_steady steady; /* how long the host's counted rate and VMs have held */
	bool burst_on;		/* the main trace records now */
	uint64_t burst_since;	/* since when */
	uint64_t traced_ns;	/* time recorded before burst_since, since start */
	uint64_t tick_events;	/* events read from the main trace since the last tick */
	uint64_t tick_traced0;	/* traced time at the last tick */
	uint64_t early_events;	/* tick_events at the last wakeup (detail_early) */
	uint64_t early_traced;	/* traced time since the tick then */
	bool early_fast;	/* what that wakeup read came faster than the budget */
	unsigned int hot;	/* event types switched by their enable files (hot_events) */
	struct detail_burst plan[DETAIL_PLAN_MAX];
	int nplan, iplan;
	uint64_t plan_base;	/* the plan's time 0 */
	int *sched_tids;	/* the threads sched events are narrowed to while sampled */
	int sched_pid[2];	/* the VMs they are of */
	struct detail_vm *follow; /* the VMs' switches at the last tick, by pid (follow_now) */
	int nfollow;
	int nsched;		/* -1: not narrowed */
	/* The VM in focus with full detail: a trace of its own, its tids left out of the main. */
	struct trace *focus;
	int focus_trace_pid;
	int *ftids;		/* its threads, sorted */
	int nftids;
	uint64_t focus_events;
	uint64_t focus_lost; /* events lost by focus traces closed since */
	int focus_told;	     /* the focus the model was told of at the last tick */
	uint64_t exact_e0, exact_t0; /* exact_events at the last tick, and when (0: unknown) */
};

enum { EV_TIMER = 1, EV_INPUT, EV_TRACE, EV_OUTPUT, EV_BURST, EV_FOCUS, EV_PART, EV_MADE };

/* Returns 0 after arming the refresh timer for delay seconds, or -errno. */
static int arm_timer(int tfd, double delay)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)delay;
	its.it_value.tv_nsec = (long)((delay - floor(delay)) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	its.it_interval = its.it_value;
	return timerfd_settime(tfd, 0, &its, NULL) ? -errno : 0;
}

static int watch(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int tid_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Returns whether tid is one of the VM in focus, traced in full by its own trace. */
static bool focus_tid(const struct loop *l, int tid)
{
	return l->nftids &&
	       bsearch(&tid, l->ftids, (size_t)l->nftids, sizeof(int), tid_cmp) != NULL;
}

static void on_event(void *arg, const struct kvm_event *ev)
{
	struct loop *l = arg;

	/* The VM in focus comes from its own trace: not twice (switches between both, say). */
	if (l->nftids) {
		if (ev->type == KE_SCHED_SWITCH
			    ? focus_tid(l, (int)ev->sw.prev_tid) || focus_tid(l, (int)ev->sw.next_tid)
		    : ev->type == KE_SCHED_WAKING
			    ? focus_tid(l, (int)ev->tid) || focus_tid(l, (int)ev->waking.target)
			    : focus_tid(l, (int)ev->tid))
			return;
	}
	model_event(&l->model, ev);
}

static void on_focus_event(void *arg, const struct kvm_event *ev)
{
	struct loop *l = arg;

	model_event(&l->model, ev);
}

/*
 * Returns the name of the KVM tracepoint (sys "kvm") of event type, when the trace records
 * it (types: trace_types()); NULL otherwise (not traced, or a sched or syscall event).
 */
static const char *traced_kvm(unsigned int types, unsigned int type)
{
	const char *sys, *name;

	if (!(types & KVMDECODE_BIT(type)))
		return NULL;
	name = kvmdecode_event_name(type, &sys);
	return name && !strcmp(sys, "kvm") ? name : NULL;
}

/* Feeds the model what the trace buffers hold; a failing trace is closed, not fatal. */
static void drain(struct loop *l)
{
	int n;

	if (l->focus) {
		n = trace_drain(l->focus, on_focus_event, l);
		if (n > 0)
			l->focus_events += (uint64_t)n;
	}
	if (!l->trace)
		return;
	n = trace_drain(l->trace, on_event, l);
	model_set_lost(&l->model, trace_lost(l->trace) + l->focus_lost +
					  (l->focus ? trace_lost(l->focus) : 0));
	if (n < 0) {
		source_set(&l->trace_st, SOURCE_UNAVAILABLE, "reading the trace: %s", strerror(-n));
		trace_close(l->trace);
		l->trace = NULL;
	} else {
		l->tick_events += (uint64_t)n;
	}
	model_set_source(&l->model, &l->trace_st);
}

/* --- detail within the budget: bursts of the main trace, full detail for the VM in focus --- */

/* Returns the time the main trace has recorded since start, the burst going on included. */
static uint64_t traced_now(const struct loop *l, uint64_t now)
{
	return l->traced_ns + (l->burst_on ? now - l->burst_since : 0);
}

/* Arms timer fd for the absolute time at (CLOCK_MONOTONIC ns); 0 disarms it. */
static void arm_at(int fd, uint64_t at)
{
	struct itimerspec its = { 0 };

	if (fd < 0)
		return;
	its.it_value.tv_sec = (time_t)(at / 1000000000ull);
	its.it_value.tv_nsec = (long)(at % 1000000000ull);
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Arms the bursts' timer for the absolute time at (CLOCK_MONOTONIC ns); 0 disarms it. */
static void arm_burst(struct loop *l, uint64_t at)
{
	arm_at(l->bfd, at);
}

static void burst_on(struct loop *l, uint64_t now)
{
	if (l->burst_on || !l->trace || trace_burst(l->trace, true))
		return;
	l->burst_on = true;
	l->burst_since = now;
}

/*
 * Ends a burst: what it recorded is read at once, then a gap, so that no pair (exit and
 * entry, wake and run, a round trip) is timed across the time nothing was recorded.
 */
static void burst_off(struct loop *l, uint64_t now)
{
	struct kvm_event gap = { .type = KE_LOST };

	if (!l->burst_on)
		return;
	trace_burst(l->trace, false);
	l->burst_on = false;
	l->traced_ns += now - l->burst_since;
	drain(l);
	gap.ts_ns = now;
	model_event(&l->model, &gap);
}

/* The bursts' timer: the burst going on ends, or the next one of the plan starts. */
static void on_burst(struct loop *l)
{
	uint64_t now = now_ns();

	if (!l->det.sampled || !l->trace)
		return;
	if (l->burst_on) {
		burst_off(l, now);
		l->iplan++;
	} else if (l->iplan >= 0 && l->iplan < l->nplan) {
		burst_on(l, now);
		arm_burst(l, now + l->plan[l->iplan].len_ns);
		return;
	}
	if (l->iplan >= 0 && l->iplan < l->nplan)
		arm_burst(l, MAX(now + 1000, l->plan_base + l->plan[l->iplan].at_ns));
}

/*
 * While every event is traced under a budget, the trace wakes the loop early: a storm's
 * onset is seen within a few ms (detail_early), not after ~70 ms of it traced in full.
 * Sampled, it wakes at its usual fill: the bursts are drained as they end.
 */
static void wake_mode(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_TRACE };
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	int *fds, n, i;

	if (!l->trace || l->bfd < 0 ||
	    trace_wake_early(l->trace, !l->det.sampled && l->det.budget > 0) <= 0)
		return;
	/* A reader waiting already waits for the fill it was polled with: polled again. */
	n = conf > 0 ? (int)conf : 1;
	fds = xcalloc((size_t)n, sizeof(*fds));
	n = trace_fds(l->trace, fds, n);
	for (i = 0; i < n; i++)
		epoll_ctl(l->epfd, EPOLL_CTL_MOD, fds[i], &ev);
	free(fds);
}

/* Starts counting what the trace reads afresh, from traced time traced0 on. */
static void tick_window(struct loop *l, uint64_t traced0)
{
	l->tick_events = l->early_events = l->early_traced = 0;
	l->early_fast = false;
	l->tick_traced0 = traced0;
}

/*
 * After each tick: the full rate learnt from what the tick traced, full detail or bursts
 * decided, and the next interval's bursts planned.
 */
static void detail_tick(struct loop *l, uint64_t now)
{
	uint64_t traced = traced_now(l, now);
	bool changed;

	if (!l->trace || l->bfd < 0)
		return;
	changed = detail_update(&l->det, l->tick_events, traced - l->tick_traced0,
				l->have_exact && l->exact_t0 && now > l->exact_t0
					? (double)(l->exact_events - l->exact_e0) * 1e9 /
						  (double)(now - l->exact_t0)
					: -1);
	tick_window(l, traced);
	l->exact_e0 = l->exact_events;
	l->exact_t0 = l->have_exact ? now : 0;
	if (changed)
		wake_mode(l);
	if (!l->det.sampled) {
		/* Below the budget: every event, continuously. */
		burst_on(l, now);
		arm_burst(l, 0);
		return;
	}
	if (changed)
		burst_off(l, now);
	/* Steady: the budget's share in one burst, one switch on and off (~0.1 ms each). */
	l->nplan = detail_plan(&l->det, (uint64_t)(l->ctl.delay_s * 1e9), l->plan,
			       l->det.budget < l->opt->budget ? TICK_STEADY_BURSTS
							      : DETAIL_PLAN_MAX);
	l->plan_base = now;
	/* A burst going on ends as it was planned; the new plan follows it. */
	l->iplan = l->burst_on ? -1 : 0;
	if (!l->burst_on && l->nplan)
		arm_burst(l, MAX(now + 1000, now + l->plan[0].at_ns));
}

/*
 * With the storm that detail_early() saw: a tracepoint that no figure needs and that counts
 * over TICK_DROP_RATE since the last tick is dropped now, not at the tick (on a backend
 * that emulates every instruction, kvm_emulate_insn costs the storming guest ~10%). One to
 * count part-time waits for the tick: its rate here includes the time before the storm.
 */
static void drop_costly_now(struct loop *l, uint64_t now)
{
	const struct ctr_set *a = &l->kstat_s.tp_host;
	struct kvmstat_sample s = { 0 };
	double dt;
	int i;

	if (!l->kstat || !l->kstat_ok || !a->ts_ns || now < a->ts_ns + 10000000ull ||
	    kvmstat_sample(l->kstat, &s) || !s.tp_host.ts_ns)
		goto out;
	dt = (double)(s.tp_host.ts_ns - a->ts_ns) / 1e9;
	for (i = 0; dt > 0 && i < s.tp_host.n; i++) {
		const struct ctr_raw *c = &s.tp_host.v[i], *p = ctr_set_find(a, c->name);
		double rate;

		if (!p || c->err || p->err || c->value < p->value || strchr(c->name, '(') ||
		    !kvmstat_droppable(c->name))
			continue;
		rate = (double)(c->value - p->value) / dt;
		if (rate >= TICK_DROP_RATE)
			kvmstat_drop(l->kstat, c->name);
	}
out:
	kvmstat_sample_free(&s);
}

/*
 * A storm that starts while every event is traced is seen at the buffer's first wakeups (the
 * trace wakes early while in full: ~5 ms of a 1M/s storm), not at the end of the tick: bursts
 * from then on, not up to a whole interval of full tracing (a quarter of the guest's speed
 * while it lasts). It is a storm when the tick has traced more than the budget allows for its
 * time so far (over at least 20 ms), and what was read at two wakeups in a row came faster
 * than the budget: the rate of the second sets the bursts. The first wakeup's events came
 * over the quiet time before the storm, which dilutes its rate (a 1M/s storm read as 40k/s:
 * bursts half the time until the tick). The tick's exact counts come later.
 */
static void detail_early(struct loop *l, uint64_t now)
{
	uint64_t traced, ev, ns;
	double recent;
	bool was;

	if (!l->trace || l->bfd < 0 || l->det.sampled || l->det.budget <= 0)
		return;
	traced = traced_now(l, now) - l->tick_traced0;
	ev = l->tick_events - l->early_events;
	ns = traced - l->early_traced;
	l->early_events = l->tick_events;
	l->early_traced = traced;
	recent = ns >= 1000000ull ? (double)ev * 1e9 / (double)ns : -1;
	was = l->early_fast;
	l->early_fast = recent > l->det.budget;
	if (!was || !l->early_fast || traced < 20000000ull ||
	    (double)l->tick_events * 1e9 / (double)traced <= l->det.budget)
		return;
	if (!detail_update(&l->det, l->tick_events, traced, recent))
		return;
	drop_costly_now(l, now);
	burst_off(l, now);
	wake_mode(l);
	tick_window(l, traced_now(l, now));
	l->nplan = detail_plan(&l->det, (uint64_t)(l->ctl.delay_s * 1e9), l->plan,
			       DETAIL_PLAN_MAX);
	l->plan_base = now;
	l->iplan = 0;
	if (l->nplan)
		arm_burst(l, now + MAX(1000, l->plan[0].at_ns));
}

static int follow_cmp(const void *a, const void *b)
{
	const struct detail_vm *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Returns the last procfs sample's VMs as the sched follow weighs them (n in *n), by pid. */
static struct detail_vm *follow_now(const struct loop *l, int *n)
{
	struct detail_vm *f = xcalloc((size_t)l->ps.nvms + 1, sizeof(*f));
	int v, k;

	for (v = 0; v < l->ps.nvms; v++) {
		f[v].pid = l->ps.vms[v].pid;
		for (k = 0; k < l->ps.vms[v].nthreads; k++)
			f[v].slices += l->ps.vms[v].threads[k].slices;
	}
	*n = l->ps.nvms;
	qsort(f, (size_t)*n, sizeof(*f), follow_cmp);
	return f;
}

/*
 * While sampled, the scheduler events (the wake graph) are narrowed in the kernel to the
 * threads of the two VMs whose threads are switched in most often over the interval (the one
 * in focus has its own trace): on a host of many VMs every thread's switches would be most
 * of the budget. Not the two with the most exits: a VM storming exits it handles in the
 * kernel, its vCPU never asleep, has no wakeups to show, while the one whose vCPUs and
 * iothreads wake each other (virtio) is the one the wake graph is for. Full detail lifts
 * that. One followed keeps its place until another switches DETAIL_FOLLOW_KEEP times as
 * often: among VMs alike (an idle fleet) the two would change at every tick, their filters
 * rewritten, and no VM's wake graph would build up. The interval's switches, not the
 * snapshot's: a cumulative one's are since the start.
 */
static void update_sched(struct loop *l)
{
	struct detail_vm *prev = l->follow;
	int top[2], v, k, n = 0, i, nprev = l->nfollow;
	int *tids;

	if (!l->trace || l->opt->sched != SCHED_TID || l->bfd < 0)
		return;
	/* Each tick, so that the first tick sampled weighs one interval. */
	l->follow = follow_now(l, &l->nfollow);
	if (l->det.sampled)
		detail_follow(prev, nprev, l->follow, l->nfollow, l->focus_trace_pid, l->sched_pid);
	free(prev);
	if (!l->det.sampled) {
		if (l->nsched != -1 && !trace_set_sched(l->trace, NULL, -1))
			l->nsched = -1;
		return;
	}
	top[0] = l->sched_pid[0];
	top[1] = l->sched_pid[1];
	for (v = 0; v < l->ps.nvms; v++)
		if (l->ps.vms[v].pid == top[0] || l->ps.vms[v].pid == top[1])
			n += l->ps.vms[v].nthreads;
	tids = xcalloc((size_t)n + 1, sizeof(*tids));
	n = 0;
	for (v = 0; v < l->ps.nvms; v++)
		if (l->ps.vms[v].pid && (l->ps.vms[v].pid == top[0] || l->ps.vms[v].pid == top[1]))
			for (k = 0; k < l->ps.vms[v].nthreads; k++)
				tids[n++] = l->ps.vms[v].threads[k].tid;
	qsort(tids, (size_t)n, sizeof(*tids), tid_cmp);
	for (i = 0; n == l->nsched && i < n && tids[i] == l->sched_tids[i]; i++)
		;
	if (n == l->nsched && i == n) {
		free(tids);
		return;
	}
	if (trace_set_sched(l->trace, tids, n)) {
		free(tids);
		l->nsched = -1;
		return;
	}
	free(l->sched_tids);
	l->sched_tids = tids;
	l->nsched = n;
}

/* Closes the focus trace, keeping what it lost. */
static void focus_close(struct loop *l)
{
	if (!l->focus)
		return;
	drain(l);
	l->focus_lost += trace_lost(l->focus);
	trace_close(l->focus);
	l->focus = NULL;
	l->focus_trace_pid = 0;
	free(l->ftids);
	l->ftids = NULL;
	l->nftids = 0;
	l->npids = -1; /* the main trace's filter names its threads again */
}

/*
 * Full detail on demand: the VM in focus gets a trace of its own, every event of its
 * threads, continuously, beside the main trace (which leaves its threads out).
 */
static void update_focus(struct loop *l)
{
	const struct trace_config cfg = {
		.groups = TICK_TRACE_GROUPS & ~(l->opt->sched == SCHED_OFF ? TRACE_SCHED : 0u) &
			  ~TRACE_RUN,
		.buffer_kb = 2048,
		.prefix = "kvmscope",
		.suffix = "focus",
	};
	struct source_status st = { 0 };
	const struct proc_vm *vm = NULL;
	int *fds, *tids, n, i;

	if (l->trace && l->full && l->focus_pid)
		for (i = 0; i < l->ps.nvms && !vm; i++)
			if (l->ps.vms[i].pid == l->focus_pid)
				vm = &l->ps.vms[i];
	if (!vm || l->focus_trace_pid != l->focus_pid)
		focus_close(l);
	if (!vm)
		return;
	if (!l->focus) {
		l->focus = trace_open(&cfg, &st);
		if (!l->focus)
			return;
		l->focus_trace_pid = l->focus_pid;
		n = (int)sysconf(_SC_NPROCESSORS_CONF);
		fds = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*fds));
		n = trace_fds(l->focus, fds, n > 0 ? n : 1);
		for (i = 0; i < n; i++)
			watch(l->epfd, fds[i], EV_FOCUS);
		free(fds);
	}
	tids = xcalloc((size_t)vm->nthreads + 1, sizeof(*tids));
	for (i = 0; i < vm->nthreads; i++)
		tids[i] = vm->threads[i].tid;
	qsort(tids, (size_t)vm->nthreads, sizeof(*tids), tid_cmp);
	if (vm->nthreads != l->nftids ||
	    memcmp(tids, l->ftids, (size_t)vm->nthreads * sizeof(*tids))) {
		trace_set_pids(l->focus, tids, vm->nthreads);
		free(l->ftids);
		l->ftids = tids;
		l->nftids = vm->nthreads;
		l->npids = -1; /* the main trace leaves them out */
	} else {
		free(tids);
	}
}

/* Sums the host's exact counts of the KVM tracepoints the trace records. */
static void exact_events(struct loop *l)
{
	const struct ctr_set *h = &l->kstat_s.tp_host;
	unsigned int types = trace_types(l->trace), type;
	const char *name;
	uint64_t sum = 0;

	l->have_exact = false;
	if (!h->ts_ns)
		return;
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		const struct ctr_raw *c;

		if (!(name = traced_kvm(types, type)) || !(c = ctr_set_find(h, name)) || c->err)
			continue;
		sum += c->value;
		l->have_exact = true;
	}
	l->exact_events = sum;
}

/* Counts on the VM threads just scanned: perf on vCPUs and iothreads, KVM stats. */
static void sample_counters(struct loop *l)
{
	int *pids, *tids, n = 0, v, k;

	for (v = 0; v < l->ps.nvms; v++)
		n += l->ps.vms[v].nthreads;
	pids = xcalloc((size_t)n + 1, sizeof(int));
	tids = xcalloc((size_t)n + 1, sizeof(int));
	n = 0;
	for (v = 0; v < l->ps.nvms; v++)
		for (k = 0; k < l->ps.vms[v].nthreads; k++) {
			enum proc_kind kind = l->ps.vms[v].threads[k].kind;

			if (kind == PROC_OTHER)
				continue;
			/* The default hardware counters: the vCPUs of the VM in focus only. */
			if (!l->opt->events && (kind != PROC_VCPU || l->ps.vms[v].pid != l->focus_pid))
				continue;
			pids[n] = l->ps.vms[v].pid;
			tids[n++] = l->ps.vms[v].threads[k].tid;
		}
	if (l->perf && !perf_sync(l->perf, pids, tids, n, NULL, NULL) &&
	    !perf_sample(l->perf, &l->perf_s))
		model_update_perf(&l->model, &l->perf_s);
	free(pids);
	free(tids);
	model_set_source(&l->model, l->perf ? perf_status(l->perf) : &l->perf_st);
	/* Read with the drain (read_exact): here only the threads to count next time. */
	if (l->kstat_ok)
		model_update_kvmstat(&l->model, &l->kstat_s);
	kvmstat_sync(l->kstat, &l->ps);
	model_set_source(&l->model, kvmstat_status(l->kstat));
}

/*
 * Reads the kernel's exact counts right before the trace is drained, so that both cover the
 * same time and sampled detail scales to the count of the same window.
 */
static void read_exact(struct loop *l)
{
	l->kstat_ok = l->kstat && !kvmstat_sample(l->kstat, &l->kstat_s);
	if (l->kstat_ok)
		exact_events(l);
}

/*
 * Keeps the kernel's filter of sched events on the VMs' threads as they come and go, so a
 * busy host's scheduler traffic is dropped before it is recorded. Too many threads for a
 * filter (-E2BIG) lift it: everything is read, and the sched source says so.
 */
static void update_filter(struct loop *l)
{
	const struct procfs_sample *ps = &l->ps;
	int i, k, n = 0, err;
	int *tids;

	if (!l->trace || l->opt->sched != SCHED_TID)
		return;
	for (i = 0; i < ps->nvms; i++)
		n += ps->vms[i].nthreads;
	tids = xcalloc((size_t)n + 1, sizeof(*tids));
	n = 0;
	for (i = 0; i < ps->nvms; i++)
		for (k = 0; k < ps->vms[i].nthreads; k++)
			/* The VM in focus is in a trace of its own. */
			if (!focus_tid(l, ps->vms[i].threads[k].tid))
				tids[n++] = ps->vms[i].threads[k].tid;
	qsort(tids, (size_t)n, sizeof(*tids), tid_cmp);
	if (l->pids && n == l->npids && (!n || !memcmp(tids, l->pids, (size_t)n * sizeof(*tids)))) {
		free(tids);
		return;
	}
	err = trace_set_pids(l->trace, tids, n);
	/* That lifts the narrowing of sched events while sampled: update_sched puts it back. */
	l->nsched = -2;
	free(l->pids);
	l->pids = tids;
	l->npids = n;
	l->sched_st.name = "sched";
	if (!err)
		source_set(&l->sched_st, SOURCE_OK, "filtered to %d threads", n);
	else if (err == -E2BIG)
		source_set(&l->sched_st, SOURCE_DEGRADED,
			   "unfiltered: %d threads are too many for the kernel's filter", n);
	else
		source_set(&l->sched_st, SOURCE_DEGRADED, "unfiltered: filter: %s", strerror(-err));
}

/*
 * Keeps the KVM_RUN events (the VMM's way back into KVM, which ends its part of an exit) on
 * the vCPU threads as they come and go. Enabling them puts every syscall of the host on the
 * kernel's traced path, so they are on only while there are vCPUs to watch.
 */
static void update_run_filter(struct loop *l)
{
	const struct procfs_sample *ps = &l->ps;
	int i, k, n = 0, err;
	int *tids;

	if (!l->trace || l->opt->no_syscalls || l->run_st.state == SOURCE_UNAVAILABLE)
		return;
	for (i = 0; i < ps->nvms; i++)
		n += ps->vms[i].nthreads;
	tids = xcalloc((size_t)n + 1, sizeof(*tids));
	n = 0;
	for (i = 0; i < ps->nvms; i++)
		for (k = 0; k < ps->vms[i].nthreads; k++)
			if (ps->vms[i].threads[k].kind == PROC_VCPU)
				tids[n++] = ps->vms[i].threads[k].tid;
	qsort(tids, (size_t)n, sizeof(*tids), tid_cmp);
	if (l->vcpus && n == l->nvcpus && !memcmp(tids, l->vcpus, (size_t)n * sizeof(*tids))) {
		free(tids);
		return;
	}
	err = trace_set_vcpus(l->trace, tids, n);
	free(l->vcpus);
	l->vcpus = tids;
	l->nvcpus = n;
	if (!err)
		source_set(&l->run_st, SOURCE_OK, "%d vCPU threads", n);
	else if (err == -E2BIG)
		source_set(&l->run_st, SOURCE_DEGRADED,
			   "off: %d vCPU threads are too many for the kernel's filter", n);
	else if (err == -EOPNOTSUPP)
		source_set(&l->run_st, SOURCE_UNAVAILABLE, "no raw_syscalls:sys_enter event");
	else
		source_set(&l->run_st, SOURCE_DEGRADED, "off: filter: %s", strerror(-err));
	model_set_source(&l->model, &l->run_st);
}

/* Names the host threads (kworkers, irq threads) the wake graph found waking VM threads. */
static void name_wakers(struct loop *l)
{
	char comm[PROC_COMM_MAX];
	int tids[TICK_NAMES_MAX];
	int i, n = model_wake_unnamed(&l->model, tids, TICK_NAMES_MAX);

	for (i = 0; i < n; i++) {
		/* A thread gone already keeps a mark, so it is not looked up again. */
		if (procfs_comm(l->procfs, tids[i], comm, sizeof(comm)) || !comm[0])
			strlcpy0(comm, "?", sizeof(comm));
		model_wake_name(&l->model, tids[i], comm);
	}
}

/*
 * Finds the VM in focus: the one the screen looks at, or in batch the busiest VM that -p or
 * -f names (in the last snapshot); and whether it is to be traced in full.
 */
static void resolve_focus(struct loop *l)
{
	const struct snapshot *s = l->latest ? l->latest : l->shown;
	struct pane_opts po = { .filter = l->opt->have_filter ? &l->opt->filter : NULL };
	double best = -1;
	int i, pid = l->ctl.focus_pid;

	l->full = l->ctl.full_detail;
	if (l->out->input_fd < 0) {
		l->full = l->opt->full_detail;
		for (i = 0; s && po.filter && i < s->nvms; i++) {
			const struct snap_vm *vm = &s->vms[i];

			if (vm->gone || !pane_vm_visible(vm, &po) || vm->exits_rate <= best)
				continue;
			best = vm->exits_rate;
			pid = vm->pid;
		}
	}
	l->focus_pid = pid;
	if (!pid)
		l->full = false;
	if (l->kstat)
		kvmstat_focus(l->kstat, l->full ? pid : 0);
}

/* Returns 0 after one sample of every probe into the model. */
static int sample(struct loop *l)
{
	int err;

	resolve_focus(l);
	read_exact(l);
	drain(l);
	err = procfs_sample(l->procfs, &l->ps);

	model_set_source(&l->model, procfs_status(l->procfs));
	if (err)
		return err;
	vmmeta_sample(l->meta, &l->ps);
	model_update_procfs(&l->model, &l->ps);
	sample_counters(l);
	update_focus(l);
	update_filter(l);
	update_run_filter(l);
	if (l->sched_st.name)
		model_set_source(&l->model, &l->sched_st);
	name_wakers(l);
	return 0;
}

/* Returns the CPU time this process has used, in ns. */
static uint64_t own_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Tells the model what detail the trace ran at. */
static void set_detail(struct loop *l, uint64_t now)
{
	struct model_detail d = {
		.mode = !l->trace	   ? SNAP_DETAIL_OFF
			: l->det.sampled ? SNAP_DETAIL_SAMPLED
					 : SNAP_DETAIL_FULL,
		.traced_ns = !l->trace ? 0 : l->bfd >= 0 ? traced_now(l, now) : now - l->start_ns,
		.exact_events = l->exact_events,
		.have_exact = l->have_exact,
		.budget = l->trace ? l->det.budget : 0,
		.focus_events = l->focus_events,
		.own_cpu_ns = own_cpu_ns(),
	};
	int focus = l->focus ? l->focus_trace_pid : 0;

	/*
	 * A focus trace opened during this window saw only its end: the VM's figures are
	 * those of the rest (scaled) until a whole window has been traced in full.
	 */
	d.focus_pid = focus && focus == l->focus_told ? focus : 0;
	l->focus_told = focus;
	model_set_detail(&l->model, &d);
}

/*
 * After a snapshot: KVM tracepoints counted per CPU that fire too often for what they are
 * worth are counted part-time from now on, or dropped (each says so in the Counters pane).
 */
static void drop_costly(struct loop *l, const struct snapshot *s)
{
	const char *names[TICK_PART_MAX];
	int i, n = 0;

	for (i = 0; l->kstat && i < s->ncounters && n < TICK_PART_MAX; i++) {
		const struct snap_counter *c = &s->counters[i];

		if (strcmp(c->source, "tracepoint") || c->kind != SNAP_CTR_COUNT ||
		    c->rate < TICK_PART_RATE || !kvmstat_droppable(c->name) ||
		    strchr(c->name, '(') || (c->scale > 1 && c->rate < TICK_DROP_RATE))
			continue;
		/* Part-time too, a storm over TICK_DROP_RATE costs too much. */
		if (c->rate >= TICK_DROP_RATE)
			kvmstat_drop(l->kstat, c->name);
		else
			names[n++] = c->name;
	}
	/* Their rates are learnt in a window at once. */
	if (n && kvmstat_part_time(l->kstat, names, n) > 0)
		l->part_host = -1;
}

/*
 * After a tick, while sampled: the traced KVM events that fire at storm rates, by the
 * kernel's counts, are switched by their enable files between bursts (TICK_HOT_RATE).
 */
static void hot_events(struct loop *l, const struct snapshot *s)
{
	unsigned int types = trace_types(l->trace), hot = 0, was = l->hot, type;
	const struct snap_counter *c;
	const char *name;

	if (!l->trace || l->bfd < 0 || !l->det.sampled)
		return;
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		if (!(name = traced_kvm(types, type)) ||
		    !(c = snap_counter_find(s->counters, s->ncounters, name)) ||
		    strcmp(c->source, "tracepoint") || c->why[0])
			continue;
		if (c->rate >= ((was & KVMDECODE_BIT(type)) ? TICK_HOT_RATE / 4 : TICK_HOT_RATE))
			hot |= KVMDECODE_BIT(type);
	}
	if (hot != was && trace_set_hot(l->trace, hot) >= 0)
		l->hot = hot;
}

/* Returns the host's KVM tracepoints counted all the time: their rate summed, per second. */
static double counted_rate(const struct snapshot *s)
{
	double sum = 0;
	int i;

	for (i = 0; i < s->ncounters; i++) {
		const struct snap_counter *c = &s->counters[i];

		if (!strcmp(c->source, "tracepoint") && c->kind == SNAP_CTR_COUNT && !c->why[0] &&
		    c->scale <= 1 && !strchr(c->name, '('))
			sum += c->rate;
	}
	return sum;
}

/* Returns true when the host's counted rate host is still within TICK_PART_SHIFT of ref. */
static bool rates_hold(double host, double ref)
{
	return fabs(host - ref) <= TICK_PART_SHIFT * MAX(ref, TICK_PART_RATE);
}

/* After a tick: the budget in force, a share of --budget once the host has held steady. */
static void steady_budget(struct loop *l, const struct snapshot *s, uint64_t now)
{
	double host = counted_rate(s);
	int v, vms = 0;

	if (!l->trace || l->opt->budget <= 0)
		return;
	for (v = 0; v < s->nvms; v++)
		vms += !s->vms[v].gone;
	l->det.budget = detail_steady(&l->steady, l->have_exact ? host : -1, vms, now)
				? l->opt->budget * TICK_STEADY_SHARE
				: l->opt->budget;
}

/*
 * After a tick: the window still open closes, and the next interval's is planned for the
 * part-time counters (none: nothing to do), as long as their rate allows; while the host's
 * counted rates hold steady, only every TICK_PART_EVERY intervals.
 */
static void part_tick(struct loop *l, const struct snapshot *s, uint64_t now)
{
	uint64_t iv = (uint64_t)(l->ctl.delay_s * 1e9);
	double rate, duty, host;
	bool steady;

	if (!l->kstat || kvmstat_part_on(l->kstat, false) <= 0 || !iv)
		return;
	if (l->pfd < 0) {
		l->pfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (l->pfd >= 0 && watch(l->epfd, l->pfd, EV_PART)) {
			close(l->pfd);
			l->pfd = -1;
		}
		if (l->pfd < 0) {
			/* No timer: counted all the time rather than never. */
			kvmstat_part_on(l->kstat, true);
			return;
		}
	}
	/* Its rate not known yet (a storm may be behind the move): the shortest window. */
	rate = kvmstat_part_rate(l->kstat);
	host = counted_rate(s);
	l->ipart = 0;
	l->part_open = false;
	steady = rate >= 0 && l->part_host >= 0 && rates_hold(host, l->part_host);
	if (steady && ++l->part_skipped < TICK_PART_EVERY) {
		l->npart = 0;
		return;
	}
	l->part_skipped = 0;
	l->part_host = host;
	duty = rate > 0 ? MIN(TICK_PART_DUTY, TICK_PART_BUDGET / rate) : 0;
	l->npart = detail_windows(&l->part_seed, duty, iv, TICK_PART_MIN_NS, iv, l->part_plan, 1);
	l->part_base = now + 1000;
	if (l->npart)
		arm_at(l->pfd, l->part_base + l->part_plan[0].at_ns);
}

/* The part-time counters' timer: a window ends (the next is armed), or starts. */
static void on_part(struct loop *l)
{
	if (l->ipart >= l->npart || !l->kstat)
		return;
	if (l->part_open) {
		/* The window that was on has ended: the next one, if any. */
		kvmstat_part_on(l->kstat, false);
		l->part_open = false;
		if (++l->ipart < l->npart)
			arm_at(l->pfd, l->part_base + l->part_plan[l->ipart].at_ns);
		return;
	}
	/* Started late (a busy loop), a window still lasts its length: a short one says little. */
	if (kvmstat_part_on(l->kstat, true) > 0) {
		l->part_open = true;
		arm_at(l->pfd, now_ns() + l->part_plan[l->ipart].len_ns);
	}
}

/* Returns whether the reason (event, value) is counted already. */
static bool reason_known(const struct loop *l, const char *event, uint32_t value)
{
	int i;

	for (i = 0; i < l->nreasons; i++)
		if (!strcmp(l->reasons[i].event, event) && l->reasons[i].value == value)
			return true;
	return false;
}

/*
 * After a snapshot: the busiest exit reasons the trace saw (hardware exits, exits to the
 * VMM), up to TICK_REASONS of each, get an exact count of their own (kvm_exit(REASON)),
 * kept once counted so the counters are not opened again and again.
 */
static void count_reasons(struct loop *l, const struct snapshot *s)
{
	int v, i, kind, n = l->nreasons, before = l->nreasons;

	for (kind = EXIT_KIND_HW; l->kstat && kind <= EXIT_KIND_USER; kind++) {
		const char *event = kind == EXIT_KIND_HW ? "kvm_exit" : "kvm_userspace_exit";
		int have = 0;

		for (i = 0; i < l->nreasons; i++)
			have += !strcmp(l->reasons[i].event, event);
		for (v = 0; v < s->nvms && have < TICK_REASONS && n < KSTAT_REASONS_MAX; v++) {
			const struct snap_vm *vm = &s->vms[v];

			for (i = 0; i < vm->nexits && have < TICK_REASONS &&
				    n < KSTAT_REASONS_MAX; i++) {
				const struct snap_exit *e = &vm->exits[i];

				/* Synthetic rows (KVM_RUN failed, other) have no reason to filter. */
				if (e->kind != kind || e->reason >= 0x10000u ||
				    reason_known(l, event, e->reason))
					continue;
				strlcpy0(l->reason_names[n], e->name, sizeof(l->reason_names[n]));
				l->reasons[n] = (struct kstat_reason){
					.event = event,
					.field = kind == EXIT_KIND_HW ? "exit_reason" : "reason",
					.value = e->reason,
					.name = l->reason_names[n],
				};
				n++;
				have++;
				l->nreasons = n;
			}
		}
	}
	if (n == before || !l->kstat)
		return;
	kvmstat_exit_reasons(l->kstat, l->reasons, l->nreasons);
}

/*
 * Returns s as the loop decides by it: its host counters' rates over the interval. A
 * cumulative snapshot's are since the start (or the reset), which would follow a storm's
 * onset or end over minutes: they are taken again from the values of the last tick, in a
 * view whose counters the loop owns (valid until the next call).
 */
static const struct snapshot *window_view(struct loop *l, const struct snapshot *s,
					  struct snapshot *view)
{
	uint64_t dt = s->ts_ns > l->wprev_ts ? s->ts_ns - l->wprev_ts : 0;
	struct snap_counter *now;
	int i;

	if (!s->cumulative) {
		l->nwprev = 0;
		return s;
	}
	now = s->ncounters ? xmalloc((size_t)s->ncounters * sizeof(*now)) : NULL;
	for (i = 0; i < s->ncounters; i++) {
		const struct snap_counter *c = &s->counters[i], *p = NULL;

		/* The same position is the usual case; else the name is looked up. */
		if (i < l->nwprev && !strcmp(l->wprev[i].name, c->name))
			p = &l->wprev[i];
		else if (l->nwprev)
			p = snap_counter_find(l->wprev, l->nwprev, c->name);
		now[i] = *c;
		if (p && dt && c->kind == SNAP_CTR_COUNT && !c->why[0] && !p->why[0] &&
		    c->value >= p->value)
			now[i].rate = (double)(c->value - p->value) * 1e9 / (double)dt;
	}
	/* Only the rates differ from the snapshot's: these values are the next tick's start. */
	free(l->wprev);
	l->wprev = now;
	l->nwprev = s->ncounters;
	l->wprev_ts = s->ts_ns;
	*view = *s;
	view->counters = now;
	return view;
}

/* Returns the output's verdict after a tick: sample, snapshot, show. */
static int tick(struct loop *l)
{
	struct snapshot view;
	const struct snapshot *w;
	uint64_t now;
	int err;

	err = sample(l);
	if (err)
		return err;
	set_detail(l, now_ns());
	if (l->ctl.reset) {
		model_reset(&l->model, now_ns());
		l->ctl.reset = false;
	}
	now = now_ns();
	if (l->ctl.paused) {
		snapshot_free(l->latest);
		l->latest = model_snapshot(&l->model, now, (int64_t)time(NULL), l->ctl.cumulative);
		w = window_view(l, l->latest, &view);
		drop_costly(l, w);
		steady_budget(l, w, now);
		detail_tick(l, now);
		hot_events(l, w);
		part_tick(l, w, now);
		return l->out->taken ? l->out->taken(l->out->rec, l->latest) : 0;
	}
	snapshot_free(l->latest);
	l->latest = NULL;
	snapshot_free(l->shown);
	l->shown = model_snapshot(&l->model, now, (int64_t)time(NULL), l->ctl.cumulative);
	w = window_view(l, l->shown, &view);
	drop_costly(l, w);
	count_reasons(l, l->shown);
	steady_budget(l, w, now);
	detail_tick(l, now);
	hot_events(l, w);
	part_tick(l, w, now);
	update_sched(l);
	err = l->out->taken ? l->out->taken(l->out->rec, l->shown) : 0;
	return err ? err : l->out->show(l->out->arg, l->shown, &l->ctl);
}

/*
 * Reads KVM's uevents as they come (the next sample handles them). Where VMs are counted per
 * vCPU thread, counts the per-vCPU tracepoints from now on in each process that has made a
 * VM: on its threads and those they make, so its vCPUs, which start at once, are counted
 * from their first exit, before the next sample finds them (kvmstat_follow_made).
 */
static void made_now(struct loop *l)
{
	int pids[TICK_MADE_MAX], maker[TICK_MADE_MAX], tids[TICK_MADE_TIDS], i, j, n, nt;

	n = procfs_watch_now(l->procfs, pids, maker, TICK_MADE_MAX);
	if (!kvmstat_per_thread(l->kstat))
		return;
	for (i = 0; i < n; i++) {
		nt = procfs_tids(l->procfs, pids[i], tids, TICK_MADE_TIDS);
		/* The thread that made the VM first: it makes the vCPUs, maybe as we speak. */
		for (j = 0; j < nt && tids[j] != maker[i]; j++)
			;
		if (j < nt) {
			tids[j] = tids[0];
			tids[0] = maker[i];
		}
		if (nt > 0)
			kvmstat_follow_made(l->kstat, pids[i], tids, nt);
	}
}

/* Returns 0 with the trace open and watched, or not tracing and saying why; -errno on epoll. */
static int setup_trace(struct loop *l)
{
	const struct trace_config cfg = {
		.groups = TICK_TRACE_GROUPS & ~(l->opt->sched == SCHED_OFF ? TRACE_SCHED : 0u) &
			  ~(l->opt->no_syscalls ? TRACE_RUN : 0u),
		.buffer_kb = l->opt->buffer_kb,
		.prefix = "kvmscope",
		.bursts = l->opt->budget > 0,
	};
	int *fds, n, i, err = 0;

	l->trace_st.name = "tracefs";
	if (l->opt->no_trace)
		source_set(&l->trace_st, SOURCE_OFF, "--no-trace");
	else
		l->trace = trace_open(&cfg, &l->trace_st);
	model_set_source(&l->model, &l->trace_st);
	if (!l->trace)
		return 0;
	model_set_exit_names(&l->model, trace_exit_names(l->trace));
	l->sched_st.name = "sched";
	if (l->opt->sched == SCHED_OFF)
		source_set(&l->sched_st, SOURCE_OFF, "--sched off");
	else if (l->opt->sched == SCHED_ALL)
		source_set(&l->sched_st, SOURCE_OK, "every thread (--sched all)");
	else
		source_set(&l->sched_st, SOURCE_OK, "filtered by tid");
	/* No VM is known yet: filter out every thread until the first scan names them. */
	update_filter(l);
	l->run_st.name = "kvm_run";
	if (l->opt->no_syscalls)
		source_set(&l->run_st, SOURCE_OFF, "--no-syscalls");
	else
		source_set(&l->run_st, SOURCE_OK, "no vCPU threads yet");
	model_set_source(&l->model, &l->run_st);
	n = (int)sysconf(_SC_NPROCESSORS_CONF);
	fds = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*fds));
	n = trace_fds(l->trace, fds, n > 0 ? n : 1);
	for (i = 0; i < n && !err; i++)
		err = watch(l->epfd, fds[i], EV_TRACE);
	free(fds);
	/* Within a budget: every event until the rate says otherwise, then bursts. */
	if (!err && cfg.bursts) {
		l->bfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		err = l->bfd < 0 ? -errno : watch(l->epfd, l->bfd, EV_BURST);
		if (!err)
			burst_on(l, now_ns());
		wake_mode(l);
	}
	return err;
}

/*
 * Opens the counter probes; a source that cannot work says why in its status. Every KVM
 * tracepoint is counted per CPU (host totals: exact, nothing at a context switch); per
 * vCPU, under lockdown, one event gives a VM's exits exactly where kvm_exit fires (VMX,
 * SVM), else the two accesses that stand for them (kvm_pio, kvm_mmio): each per-thread event
 * costs the vCPU at every context switch. The trace's other events are counted from its
 * stream for the VM and vCPU rows while it records every event.
 */
static void setup_counters(struct loop *l)
{
	static const char *const exits_fire[] = { "kvm_exit", NULL };
	static const char *const accesses[] = { "kvm_pio", "kvm_mmio", NULL };
	const char *kvm = l->model.host_facts.kvm_module;
	bool hw = !strcmp(kvm, "kvm_intel") || !strcmp(kvm, "kvm_amd");
	struct perf_event_def defs[PERF_EVENTS_MAX];
	unsigned int types = trace_types(l->trace), type;
	const char *name;
	char why[SOURCE_WHY_MAX];
	int n;

	l->perf_st.name = "perf";
	n = perf_parse_list(l->opt->events ? l->opt->events : PERF_DEFAULT_EVENTS, defs,
			    PERF_EVENTS_MAX, why, sizeof(why));
	/* The default is hardware counters: none to open per thread without a PMU. */
	if (n >= 0 && !l->opt->events && perf_pmu_check())
		source_set(&l->perf_st, SOURCE_UNAVAILABLE,
			   "no PMU: no cycles, no IPC (-e names software events)");
	else if (n < 0)
		source_set(&l->perf_st, SOURCE_UNAVAILABLE, "%s", why);
	else if (!(l->perf = perf_open(defs, n)))
		source_set(&l->perf_st, SOURCE_UNAVAILABLE, "%s", strerror(errno));
	for (type = KE_NONE + 1; type < KE__COUNT; type++)
		if ((name = traced_kvm(types, type)))
			model_count_traced(&l->model, type, name);
	l->kstat = kvmstat_open(l->opt->debugfs, NULL, !l->opt->no_trace, hw ? exits_fire : accesses);
}

static int setup(struct loop *l, char *why, size_t whysz)
{
	struct sigaction sa = { 0 };
	struct proc_host host;
	int err;

	l->epfd = l->tfd = l->bfd = l->pfd = -1;
	l->nsched = -1;
	l->start_ns = now_ns();
	detail_init(&l->det, l->opt->budget, (uint32_t)getpid() ^ (uint32_t)l->start_ns);
	l->part_seed = ((uint32_t)getpid() * 2654435761u) | 1;
	l->part_host = -1;
	l->ctl.delay_s = l->opt->delay_s;
	l->ctl.cumulative = l->opt->cumulative;
	model_init(&l->model, now_ns());

	sa.sa_handler = on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A dropped ssh session ends the monitor; a recorder reopens its file instead. */
	sa.sa_handler = l->out->hangup ? on_hup : on_quit;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Signals arrive only inside epoll_pwait, so a flag set is seen at once. */
	signals_block(loop_signals, (int)ARRAY_SIZE(loop_signals), &l->waitmask);

	l->procfs = procfs_open(l->opt->proc_root);
	if (!l->procfs) {
		err = -errno;
		snprintf(why, whysz, "cannot read %s: %s", l->opt->proc_root, strerror(errno));
		return err;
	}
	if (!procfs_host(l->procfs, &host))
		model_set_host(&l->model, &host);
	l->meta = vmmeta_open(l->opt->libvirt_dir, l->opt->pve_dir);

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->tfd < 0) {
		err = -errno;
		snprintf(why, whysz, "epoll/timerfd: %s", strerror(errno));
		return err;
	}
	err = watch(l->epfd, l->tfd, EV_TIMER);
	if (!err && l->out->input_fd >= 0)
		err = watch(l->epfd, l->out->input_fd, EV_INPUT);
	if (!err && l->out->output_fd >= 0) {
		/*
		 * No events asked: only EPOLLERR (a pipe's reader closed it) and EPOLLHUP (the
		 * terminal hung up) come. A file cannot be watched (EPERM) and needs no watch.
		 */
		struct epoll_event ev = { .events = 0, .data.u64 = EV_OUTPUT };

		epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->out->output_fd, &ev);
	}
	if (!err)
		err = setup_trace(l);
	if (err) {
		snprintf(why, whysz, "event loop setup: %s", strerror(-err));
		return err;
	}
	setup_counters(l);
	/*
	 * KVM's uevents read as they come (made_now): the task each names is looked up while
	 * it is surely there, and where VMs are counted per vCPU thread (no debugfs), a VM made
	 * between two samples is counted from then, not from the sample that finds its vCPUs.
	 */
	if (procfs_watch_fd(l->procfs) >= 0)
		watch(l->epfd, procfs_watch_fd(l->procfs), EV_MADE);
	return 0;
}

/*
 * Closes the kvmstat probe. The kernel unregisters a tracepoint when its last counter goes,
 * a grace period or two each: seconds for every KVM tracepoint counted per CPU, which would
 * freeze the screen after q. A child holding the same counters closes them as it exits, once
 * ours are closed (cheaply, as the child's copies keep them), and we go at once.
 */
static void close_counters(struct kvmstat *k)
{
	int fds[2];
	pid_t pid;
	char c;

	if (!k || pipe2(fds, O_CLOEXEC)) {
		kvmstat_close(k);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		/* Until the parent's copies are closed (its end of the pipe goes last). */
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	kvmstat_close(k);
	close(fds[1]);
}

static void teardown(struct loop *l)
{
	focus_close(l);
	trace_close(l->trace);
	if (l->bfd >= 0)
		close(l->bfd);
	if (l->pfd >= 0)
		close(l->pfd);
	free(l->sched_tids);
	free(l->follow);
	free(l->wprev);
	perf_close(l->perf);
	perf_sample_free(&l->perf_s);
	close_counters(l->kstat);
	kvmstat_sample_free(&l->kstat_s);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->procfs)
		procfs_close(l->procfs);
	procfs_sample_free(&l->ps);
	vmmeta_close(l->meta);
	free(l->pids);
	free(l->vcpus);
	snapshot_free(l->shown);
	snapshot_free(l->latest);
	model_free(&l->model);
}

/* Handles what the output asked for after a key; returns 1 to stop, else 0 or -errno. */
static int apply_ctl(struct loop *l, double *armed)
{
	int err = 0;

	if (l->ctl.quit)
		return 1;
	if (l->ctl.delay_s != *armed) {
		err = arm_timer(l->tfd, l->ctl.delay_s);
		*armed = l->ctl.delay_s;
	}
	if (!l->ctl.paused && l->latest) {
		/* Unpaused: show the newest instead of the frozen one. */
		snapshot_free(l->shown);
		l->shown = l->latest;
		l->latest = NULL;
		l->ctl.redraw = true;
	}
	if (l->ctl.refresh) {
		l->ctl.refresh = false;
		err = tick(l);
	} else if (l->ctl.redraw && l->shown) {
		err = l->out->show(l->out->arg, l->shown, &l->ctl);
	}
	l->ctl.redraw = false;
	return err;
}

int tick_run(const struct options *opt, const struct tick_output *out, char *why, size_t whysz)
{
	struct loop l = { .opt = opt, .out = out };
	struct epoll_event evs[16];
	bool trace_ready;
	double armed;
	int err, n, i;

	why[0] = '\0';
	err = setup(&l, why, whysz);
	if (err)
		goto out;
	armed = l.ctl.delay_s;
	/* Prime the model: rates need two samples, so the first record comes one tick later. */
	err = sample(&l);
	if (err) {
		snprintf(why, whysz, "cannot scan %s: %s", opt->proc_root, strerror(-err));
		goto out;
	}
	set_detail(&l, now_ns());
	model_prime(&l.model, now_ns());
	/* From the prime on: the first record's window is a whole interval, however long setup. */
	err = arm_timer(l.tfd, l.ctl.delay_s);
	if (err) {
		snprintf(why, whysz, "event loop setup: %s", strerror(-err));
		goto out;
	}
	while (!sig_quit) {
		if (sig_hup) {
			sig_hup = 0;
			err = out->hangup(out->rec);
			if (err)
				break;
		}
		/* Only a screen redraws: batch output would print the last record again. */
		if (sig_winch && out->resize) {
			sig_winch = 0;
			out->resize(out->arg);
			l.ctl.redraw = true;
			err = apply_ctl(&l, &armed);
			if (err)
				break;
		}
		n = epoll_pwait(l.epfd, evs, ARRAY_SIZE(evs), -1, &l.waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			snprintf(why, whysz, "epoll_pwait: %s", strerror(errno));
			break;
		}
		trace_ready = false;
		for (i = 0; i < n && !err; i++) {
			uint64_t expirations;

			switch (evs[i].data.u64) {
			case EV_TIMER:
				if (read(l.tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
					err = -errno;
				else
					err = tick(&l);
				break;
			case EV_INPUT:
				err = out->input(out->arg, &l.ctl);
				if (!err)
					err = apply_ctl(&l, &armed);
				break;
			case EV_TRACE:
			case EV_FOCUS:
				trace_ready = true;
				break;
			case EV_BURST:
				if (read(l.bfd, &expirations, sizeof(expirations)) > 0)
					on_burst(&l);
				break;
			case EV_PART:
				if (read(l.pfd, &expirations, sizeof(expirations)) > 0)
					on_part(&l);
				break;
			case EV_MADE:
				made_now(&l);
				break;
			case EV_OUTPUT:
				/* Nobody reads the records any more: stop quietly, as on EPIPE. */
				err = 1;
				break;
			}
		}
		/* A buffer filled past its watermark: one drain serves every CPU. */
		if (trace_ready && !err) {
			drain(&l);
			detail_early(&l, now_ns());
		}
		if (err)
			break;
	}
	if (err == 1)
		err = 0;
	if (err < 0 && !why[0])
		snprintf(why, whysz, "%s", strerror(-err));
out:
	teardown(&l);
	return err;
}

void tick_emergency_cleanup(void)
{
	trace_emergency_cleanup();
}
