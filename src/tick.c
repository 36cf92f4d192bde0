// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

#include "kvmdecode.h"
#include "kvmstat.h"
#include "model.h"
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
	struct trace *trace;	 /* NULL when not tracing */
	struct source_status trace_st;
	struct source_status sched_st; /* the kernel-side tid filter of sched events */
	int *pids;		       /* the tids it names, sorted; NULL before the first */
	int npids;
	struct source_status run_st; /* the vCPU filter of the KVM_RUN events */
	int *vcpus;		     /* the vCPU tids it names, sorted; NULL before the first */
	int nvcpus;
	struct snapshot *shown;	 /* what the output shows (frozen while paused) */
	struct snapshot *latest; /* the newest, when paused */
	struct tick_ctl ctl;
	int epfd, tfd;
	sigset_t waitmask;
};

enum { EV_TIMER = 1, EV_INPUT, EV_TRACE, EV_OUTPUT };

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

static void on_event(void *arg, const struct kvm_event *ev)
{
	model_event(arg, ev);
}

/* Feeds the model what the trace buffers hold; a failing trace is closed, not fatal. */
static void drain(struct loop *l)
{
	int n;

	if (!l->trace)
		return;
	n = trace_drain(l->trace, on_event, &l->model);
	model_set_lost(&l->model, trace_lost(l->trace));
	if (n < 0) {
		source_set(&l->trace_st, SOURCE_UNAVAILABLE, "reading the trace: %s", strerror(-n));
		trace_close(l->trace);
		l->trace = NULL;
	}
	model_set_source(&l->model, &l->trace_st);
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
			if (l->ps.vms[v].threads[k].kind == PROC_OTHER)
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
	if (!kvmstat_sync(l->kstat, &l->ps) && !kvmstat_sample(l->kstat, &l->kstat_s))
		model_update_kvmstat(&l->model, &l->kstat_s);
	model_set_source(&l->model, kvmstat_status(l->kstat));
}

static int tid_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
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
			tids[n++] = ps->vms[i].threads[k].tid;
	qsort(tids, (size_t)n, sizeof(*tids), tid_cmp);
	if (l->pids && n == l->npids && (!n || !memcmp(tids, l->pids, (size_t)n * sizeof(*tids)))) {
		free(tids);
		return;
	}
	err = trace_set_pids(l->trace, tids, n);
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

/* Returns 0 after one sample of every probe into the model. */
static int sample(struct loop *l)
{
	int err;

	drain(l);
	err = procfs_sample(l->procfs, &l->ps);

	model_set_source(&l->model, procfs_status(l->procfs));
	if (err)
		return err;
	vmmeta_sample(l->meta, &l->ps);
	model_update_procfs(&l->model, &l->ps);
	sample_counters(l);
	update_filter(l);
	update_run_filter(l);
	if (l->sched_st.name)
		model_set_source(&l->model, &l->sched_st);
	name_wakers(l);
	return 0;
}

/* Returns the output's verdict after a tick: sample, snapshot, show. */
static int tick(struct loop *l)
{
	uint64_t now;
	int err;

	err = sample(l);
	if (err)
		return err;
	if (l->ctl.reset) {
		model_reset(&l->model, now_ns());
		l->ctl.reset = false;
	}
	now = now_ns();
	if (l->ctl.paused) {
		snapshot_free(l->latest);
		l->latest = model_snapshot(&l->model, now, (int64_t)time(NULL), l->ctl.cumulative);
		return l->out->taken ? l->out->taken(l->out->rec, l->latest) : 0;
	}
	snapshot_free(l->latest);
	l->latest = NULL;
	snapshot_free(l->shown);
	l->shown = model_snapshot(&l->model, now, (int64_t)time(NULL), l->ctl.cumulative);
	err = l->out->taken ? l->out->taken(l->out->rec, l->shown) : 0;
	return err ? err : l->out->show(l->out->arg, l->shown, &l->ctl);
}

/* Returns 0 with the trace open and watched, or not tracing and saying why; -errno on epoll. */
static int setup_trace(struct loop *l)
{
	const struct trace_config cfg = {
		.groups = TICK_TRACE_GROUPS & ~(l->opt->sched == SCHED_OFF ? TRACE_SCHED : 0u) &
			  ~(l->opt->no_syscalls ? TRACE_RUN : 0u),
		.buffer_kb = l->opt->buffer_kb,
		.prefix = "kvmscope",
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
	return err;
}

/*
 * Opens the counter probes; a source that cannot work says why in its status. The KVM
 * tracepoints the trace records are counted from its stream, not by perf counters too:
 * each such event would otherwise be paid for twice in the guest's exit path.
 */
static void setup_counters(struct loop *l)
{
	struct perf_event_def defs[PERF_EVENTS_MAX];
	const char *counted[KE__COUNT + 1], *name, *sys;
	unsigned int types = trace_types(l->trace), type;
	char why[SOURCE_WHY_MAX];
	int n, nc = 0;

	l->perf_st.name = "perf";
	n = perf_parse_list(l->opt->events ? l->opt->events : PERF_DEFAULT_EVENTS, defs,
			    PERF_EVENTS_MAX, why, sizeof(why));
	if (n < 0)
		source_set(&l->perf_st, SOURCE_UNAVAILABLE, "%s", why);
	else if (!(l->perf = perf_open(defs, n)))
		source_set(&l->perf_st, SOURCE_UNAVAILABLE, "%s", strerror(errno));
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		if (!(types & KVMDECODE_BIT(type)))
			continue;
		name = kvmdecode_event_name(type, &sys);
		if (!name || strcmp(sys, "kvm"))
			continue;
		counted[nc++] = name;
		model_count_traced(&l->model, type, name);
	}
	counted[nc] = NULL;
	l->kstat = kvmstat_open(l->opt->debugfs, NULL, !l->opt->no_trace, counted);
}

static int setup(struct loop *l, char *why, size_t whysz)
{
	struct sigaction sa = { 0 };
	struct proc_host host;
	int err;

	l->epfd = l->tfd = -1;
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
		err = arm_timer(l->tfd, l->ctl.delay_s);
	if (!err)
		err = setup_trace(l);
	if (err) {
		snprintf(why, whysz, "event loop setup: %s", strerror(-err));
		return err;
	}
	setup_counters(l);
	return 0;
}

static void teardown(struct loop *l)
{
	trace_close(l->trace);
	perf_close(l->perf);
	perf_sample_free(&l->perf_s);
	kvmstat_close(l->kstat);
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
	model_prime(&l.model, now_ns());
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
				trace_ready = true;
				break;
			case EV_OUTPUT:
				/* Nobody reads the records any more: stop quietly, as on EPIPE. */
				err = 1;
				break;
			}
		}
		/* A buffer filled past its watermark: one drain serves every CPU. */
		if (trace_ready && !err)
			drain(&l);
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
