// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "exits.h"
#include "hist.h"
#include "vcpustate.h"
#include "util.h"
#include "vmreg.h"

#define KVM_EXIT_HLT_REASON 5 /* KVM_EXIT_HLT in linux/kvm.h */

void vcpustate_init(struct vcpustate *v)
{
	memset(v, 0, sizeof(*v));
}

/* Accounts the current stretch up to ts. Events of one thread come in order; older is ignored. */
static void advance(struct vcpustate *v, uint64_t ts)
{
	uint64_t d;

	if (ts <= v->since) {
		if (!v->since)
			v->since = ts;
		return;
	}
	d = ts - v->since;
	v->since = ts;
	if (v->state == VS_NONE)
		return;
	v->ns[v->state].win.total_ns += d;
	if (v->state == VS_KERNEL)
		v->exit_kernel += d;
	else if (v->state == VS_HALTED)
		v->exit_halted += d;
}

static void user_close(struct vcpustate *v, uint64_t ts)
{
	if (v->in_user && !v->user_preempted && ts >= v->user_ts)
		v->user.win.total_ns += ts - v->user_ts;
	v->in_user = false;
	v->user_preempted = false;
}

/* The halt that just ended lasted ns: what of it was counted as kernel time becomes halted. */
static void halt_claim(struct vcpustate *v, uint64_t ns)
{
	uint64_t claim;

	if (ns <= v->exit_halted)
		return;
	claim = MIN(ns - v->exit_halted, v->exit_kernel);
	claim = MIN(claim, v->ns[VS_KERNEL].win.total_ns);
	v->ns[VS_KERNEL].win.total_ns -= claim;
	v->ns[VS_HALTED].win.total_ns += claim;
	v->exit_kernel -= claim;
	v->exit_halted += claim;
}

/* vcpustate_event(), inlined into the module's event hook: the hot path. */
static inline __attribute__((always_inline)) void
on_kvm_event(struct vcpustate *v, const struct kvm_event *ev, unsigned int flags)
{
	uint64_t ts = ev->ts_ns;

	advance(v, ts);
	switch (ev->type) {
	case KE_EXIT:
		v->exits_seen = true;
		v->in_user = v->user_preempted = false;
		v->state = VS_KERNEL;
		v->exit_kernel = v->exit_halted = 0;
		return;
	case KE_ENTRY:
		v->exits_seen = true;
		user_close(v, ts);
		v->state = VS_GUEST;
		return;
	case KE_USER_EXIT:
		v->in_user = true;
		v->user_preempted = false;
		v->user_ts = ts;
		v->user_hlt = ev->user_exit.err >= 0 && ev->user_exit.reason == KVM_EXIT_HLT_REASON;
		if (v->state != VS_NONE || v->exits_seen)
			v->state = VS_USER;
		return;
	case KE_VCPU_WAKEUP:
		if (v->exits_seen)
			halt_claim(v, ev->wakeup.wait_ns);
		break;
	case KE_LOST:
		/*
		 * Nothing was recorded from here (lost events, or the gap after a burst): the
		 * state is unknown until an event says it, and the time until then is no state's.
		 */
		v->state = v->resume = VS_NONE;
		v->exit_kernel = v->exit_halted = 0;
		break;
	default:
		break;
	}
	if (flags & EXITS_REENTRY) {
		user_close(v, ts);
	} else if (flags & EXITS_USER_DROPPED) {
		v->in_user = false;
		v->user_preempted = false;
	}
	/* Any event in KVM_RUN means the VMM's part is over. */
	if ((flags & (EXITS_REENTRY | EXITS_USER_DROPPED)) && v->state == VS_USER)
		v->state = VS_KERNEL;
}

void vcpustate_event(struct vcpustate *v, const struct kvm_event *ev, unsigned int flags)
{
	on_kvm_event(v, ev, flags);
}

void vcpustate_switch_out(struct vcpustate *v, uint64_t ts, bool preempted)
{
	advance(v, ts);
	v->sched_seen = true;
	/* The VMM's measured time stops while the thread waits for a CPU (blocked, it goes on). */
	if (v->in_user && preempted && !v->user_preempted) {
		if (ts >= v->user_ts)
			v->user.win.total_ns += ts - v->user_ts;
		v->user_preempted = true;
	}
	if (v->state == VS_HALTED || v->state == VS_WAITING)
		return; /* a second switch-out: a lost switch-in */
	v->resume = v->state;
	if (preempted)
		v->state = VS_WAITING;
	else if (v->state == VS_USER && !v->user_hlt)
		v->state = VS_USER; /* the VMM waits on a lock or I/O while handling the exit */
	else
		v->state = VS_HALTED;
}

void vcpustate_switch_in(struct vcpustate *v, uint64_t ts)
{
	advance(v, ts);
	v->sched_seen = true;
	if (v->user_preempted) {
		v->user_preempted = false;
		v->user_ts = ts;
	}
	if (v->state == VS_HALTED || v->state == VS_WAITING)
		v->state = v->resume;
}

void vcpustate_close(struct vcpustate *v, uint64_t now)
{
	advance(v, now);
}

/* Returns the time in acc over the windows in view. */
static uint64_t view_ns(const struct acc2 *a, unsigned int view)
{
	struct acc sum;

	acc2_view(a, view, &sum);
	return sum.total_ns;
}

/* Returns the time in the windows in view that the timeline knew the state of. */
static uint64_t known_ns(const struct vcpustate *v, unsigned int view)
{
	uint64_t ns = 0;
	int s;

	for (s = VS_NONE + 1; s < VS__N; s++)
		ns += view_ns(&v->ns[s], view);
	return ns;
}

static void split_none(struct exit_split *out)
{
	memset(out, 0, sizeof(*out));
	out->source = SPLIT_NONE;
	out->guest = out->kernel = out->user = out->halted = out->waiting = -1;
}

void vcpustate_split(const struct vcpustate *v, unsigned int view, uint64_t window_ns,
		     const struct cpu_split *cpu, struct exit_split *out)
{
	double w = (double)window_ns, user_pct = -1, take;
	bool have_cpu = cpu && cpu->cpu >= 0;

	split_none(out);
	if (!window_ns)
		return;
	if (v && v->exits_seen) {
		out->source = SPLIT_EVENTS;
		out->sched = v->sched_seen;
		out->guest = 100.0 * (double)view_ns(&v->ns[VS_GUEST], view) / w;
		out->kernel = 100.0 * (double)view_ns(&v->ns[VS_KERNEL], view) / w;
		out->user = 100.0 * (double)view_ns(&v->ns[VS_USER], view) / w;
		out->halted = 100.0 * (double)view_ns(&v->ns[VS_HALTED], view) / w;
		out->waiting = 100.0 * (double)view_ns(&v->ns[VS_WAITING], view) / w;
		if (!v->sched_seen && have_cpu && cpu->steal >= 0) {
			/*
			 * A preempted vCPU thread is in the host: take its wait from there, and no
			 * more than the timeline spent there (the sources sample differently).
			 */
			out->waiting = MIN(cpu->steal, out->kernel + out->user);
			take = MIN(out->waiting, out->kernel);
			out->kernel -= take;
			out->user -= MIN(out->waiting - take, out->user);
		}
		return;
	}
	if (!have_cpu)
		return;
	out->source = SPLIT_PROCFS;
	if (v) {
		uint64_t u = view_ns(&v->user, view);

		if (u)
			user_pct = MIN(100.0 * (double)u / w, MAX(cpu->host, 0.0));
	}
	out->guest = MAX(cpu->guest, 0.0);
	out->user = user_pct;
	out->kernel = MAX(cpu->host, 0.0) - MAX(user_pct, 0.0);
	out->waiting = MAX(cpu->steal, 0.0);
	out->halted = MAX(100.0 - cpu->cpu - out->waiting, 0.0);
	/* Run and wait times sampled a little apart can exceed the interval: keep a split. */
	if (cpu->cpu + out->waiting > 100.0) {
		double k = 100.0 / (cpu->cpu + out->waiting);

		out->guest *= k;
		out->kernel *= k;
		if (out->user > 0)
			out->user *= k;
		out->waiting *= k;
	}
}

void vcpustate_mean(const struct exit_split *splits, int n, struct exit_split *out)
{
	int i, m = 0;
	bool user_known = true;

	split_none(out);
	for (i = 0; i < n; i++) {
		const struct exit_split *s = &splits[i];

		if (s->source == SPLIT_NONE)
			continue;
		if (!m) {
			out->guest = out->kernel = out->user = out->halted = out->waiting = 0;
			out->source = s->source;
			out->sched = true;
		}
		m++;
		if (s->source < out->source)
			out->source = s->source;
		out->sched = out->sched && s->sched;
		out->est = out->est || s->est;
		out->guest += s->guest;
		out->kernel += s->kernel;
		if (s->user < 0)
			user_known = false;
		else
			out->user += s->user;
		out->halted += s->halted;
		out->waiting += s->waiting;
	}
	if (!m)
		return;
	out->guest /= m;
	out->kernel /= m;
	out->user = user_known ? out->user / m : -1;
	out->halted /= m;
	out->waiting /= m;
}

void vcpustate_fold(struct vcpustate *v, bool drop_win)
{
	int s;

	for (s = 0; s < VS__N; s++)
		acc2_fold(&v->ns[s], drop_win);
	acc2_fold(&v->user, drop_win);
	/* Kernel time of an exit in progress is now in TOT, out of a wakeup's reach. */
	v->exit_kernel = 0;
}

void vcpustate_reset(struct vcpustate *v)
{
	int s;

	for (s = 0; s < VS__N; s++)
		acc2_reset(&v->ns[s]);
	acc2_reset(&v->user);
}

void vcpustate_clear(struct vcpustate *v, uint64_t now)
{
	int s;

	/* What came before now belongs to no window. */
	if (v->since < now)
		v->since = now;
	for (s = 0; s < VS__N; s++)
		acc2_zero(&v->ns[s]);
	acc2_zero(&v->user);
	v->exit_kernel = 0;
}

/* --- the module --- */

static void *thread_new(void *vm_state, const struct vm_thread *t)
{
	struct vcpustate *v = xmalloc(sizeof(*v));

	(void)vm_state;
	(void)t;
	vcpustate_init(v);
	return v;
}

static void on_event(struct model_ev *e)
{
	const struct kvm_event *ev = e->ev;

	if (ev->type != KE_SCHED_SWITCH) {
		on_kvm_event(model_ev_thread(e, e->self), ev, e->flags);
		return;
	}
	/*
	 * Runnable means preempted. The low byte holds the sleep states; a preempted task may
	 * also carry the kernel's "preempted" report bit above them ("R+").
	 */
	if (e->self)
		vcpustate_switch_out(model_ev_thread(e, e->self), ev->ts_ns,
				     !(ev->sw.prev_state & 0xff));
	if (e->other)
		vcpustate_switch_in(model_ev_thread(e, e->other), ev->ts_ns);
}

static void thread_window(void *st, enum model_win op, uint64_t now)
{
	switch (op) {
	case MODEL_CLOSE:
		vcpustate_close(st, now);
		break;
	case MODEL_FOLD:
	case MODEL_FOLD_DROP:
		vcpustate_fold(st, op == MODEL_FOLD_DROP);
		break;
	case MODEL_RESET:
		vcpustate_reset(st);
		break;
	case MODEL_CLEAR:
		vcpustate_clear(st, now);
		break;
	}
}

static void snap_thread(const void *st, const void *vm_st, const struct vm_thread *t,
			const struct model_view *w, struct snap_thread *out)
{
	uint64_t traced = w->window_ns;

	(void)vm_st;
	/* In bursts the timeline covers the traced time: the split is of that. */
	if (w->sampled && w->ratio > 0 && w->ratio < 1)
		traced = (uint64_t)((double)w->window_ns * w->ratio);
	/*
	 * From kvm_exit/kvm_entry, the timeline knows each state only from an event that says
	 * it to the next gap (the end of a burst, lost events): the shares are of that time.
	 * A vCPU with no event in any burst has none: its coarse split.
	 */
	if (st && ((const struct vcpustate *)st)->exits_seen && (w->sampled || w->lost)) {
		uint64_t known = known_ns(st, w->view);

		if (!known) {
			struct vcpustate coarse = *(const struct vcpustate *)st;

			coarse.exits_seen = false;
			vcpustate_split(&coarse, w->view, traced, t ? &out->cpu : NULL,
					&out->split);
			return;
		}
		traced = MIN(known, w->window_ns);
	}
	/* A group's times sum several threads: no split of one thread's wall time. */
	vcpustate_split(st, w->view, traced, t ? &out->cpu : NULL, &out->split);
	if (out->split.source == SPLIT_EVENTS && (w->sampled || w->lost))
		out->split.est = true;
}

/* The VM's split: the mean of its live vCPUs' splits. */
static void snap_vm(const void *st, const struct vm *vm, const struct model_view *w,
		    struct snap_vm *sv)
{
	struct exit_split *sp = xcalloc((size_t)sv->nthreads + 1, sizeof(*sp));
	int k, n = 0;

	(void)st;
	(void)vm;
	(void)w;
	for (k = 0; k < sv->nthreads; k++)
		if (sv->threads[k].kind == THREAD_VCPU && !sv->threads[k].gone)
			sp[n++] = sv->threads[k].split;
	vcpustate_mean(sp, n, &sv->split);
	free(sp);
}

const struct model_module vcpustate_module = {
	.name = "vcpustate",
	.events = MODEL_EV(KE_EXIT) | MODEL_EV(KE_ENTRY) | MODEL_EV(KE_PIO) | MODEL_EV(KE_MMIO) |
		  MODEL_EV(KE_FAST_MMIO) | MODEL_EV(KE_MSR) | MODEL_EV(KE_USER_EXIT) |
		  MODEL_EV(KE_VCPU_WAKEUP) | MODEL_EV(KE_SCHED_SWITCH) | MODEL_EV(KE_KVM_RUN) |
		  MODEL_EV(KE_LOST),
	.thread_new = thread_new,
	.thread_free = free,
	.event = on_event,
	.thread_window = thread_window,
	.snap_thread = snap_thread,
	.snap_vm = snap_vm,
};
