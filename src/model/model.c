// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "cputime.h"
#include "model.h"
#include "module.h"
#include "util.h"
#include "vcpustate.h"

/*
 * The snapshot declares its own types, so that outputs see nothing of the probes; where the
 * probes' values pass through unchanged, they must mean the same.
 */
_Static_assert(PROC_OTHER == (int)THREAD_OTHER && PROC_VCPU == (int)THREAD_VCPU &&
		       PROC_IOTHREAD == (int)THREAD_IOTHREAD,
	       "thread kinds");
_Static_assert(SOURCE_OFF == (int)SNAP_SRC_OFF && SOURCE_OK == (int)SNAP_SRC_OK &&
		       SOURCE_DEGRADED == (int)SNAP_SRC_DEGRADED &&
		       SOURCE_UNAVAILABLE == (int)SNAP_SRC_UNAVAILABLE,
	       "source states");
_Static_assert(PROC_COMM_MAX == SNAP_COMM_MAX && PROC_NAME_MAX == SNAP_VMNAME_MAX &&
		       PROC_UUID_MAX == SNAP_UUID_MAX && SOURCE_WHY_MAX == SNAP_WHY_MAX &&
		       PROC_ID_MAX == SNAP_ID_MAX && PROC_WHY_MAX <= SNAP_WHY_MAX,
	       "name sizes");
_Static_assert(PROC_MGMT_NONE == (int)SNAP_MGMT_NONE &&
		       PROC_MGMT_LIBVIRT == (int)SNAP_MGMT_LIBVIRT &&
		       PROC_MGMT_PROXMOX == (int)SNAP_MGMT_PROXMOX,
	       "management layers");

/* Copies what vmmeta read of a VM's management layer into its snapshot; returns nothing. */
static void snap_mgmt_of(struct snap_mgmt *to, const struct proc_meta *from)
{
	memset(to, 0, sizeof(*to));
	to->source = from->mgmt;
	to->state = from->unavailable ? SNAP_SRC_UNAVAILABLE
		    : from->mgmt      ? SNAP_SRC_OK
				      : SNAP_SRC_OFF;
	memcpy(to->why, from->why, sizeof(from->why));
	memcpy(to->name, from->name, sizeof(to->name));
	memcpy(to->title, from->title, sizeof(to->title));
	memcpy(to->uuid, from->uuid, sizeof(to->uuid));
	memcpy(to->nova_name, from->nova_name, sizeof(to->nova_name));
	memcpy(to->nova_project, from->nova_project, sizeof(to->nova_project));
	memcpy(to->nova_user, from->nova_user, sizeof(to->nova_user));
	memcpy(to->nova_flavor, from->nova_flavor, sizeof(to->nova_flavor));
}

static void snap_host_of(struct snap_host *to, const struct proc_host *from)
{
	_Static_assert(sizeof(to->hostname) == sizeof(from->hostname) &&
			       sizeof(to->release) == sizeof(from->release) &&
			       sizeof(to->kvm_module) == sizeof(from->kvm_module),
		       "host fields");
	memcpy(to->hostname, from->hostname, sizeof(to->hostname));
	memcpy(to->release, from->release, sizeof(to->release));
	memcpy(to->kvm_module, from->kvm_module, sizeof(to->kvm_module));
	to->kvm_unregistered = from->kvm_unregistered;
	to->ncpus = from->ncpus;
}

static void snap_source_of(struct snap_source *to, const struct source_status *from)
{
	strlcpy0(to->name, from->name ? from->name : "", sizeof(to->name));
	to->state = (uint8_t)from->state;
	memcpy(to->why, from->why, sizeof(to->why));
}

/*
 * The modules, in the order they see each event and fill each snapshot: the time split reads
 * what the exits module found of an event (model_ev.flags).
 */
static const struct model_module *const modules[] = {
	&exits_module,
	&vcpustate_module,
	&wake_module,
	&counters_module,
};
#define NMODULES ((int)ARRAY_SIZE(modules))
_Static_assert(ARRAY_SIZE(modules) <= MODEL_MODULES_MAX, "module slots");

/* Returns the slot of mod in modules[]. */
static int slot_of(const struct model_module *mod)
{
	int i;

	for (i = 0; i < NMODULES && modules[i] != mod; i++)
		;
	return i;
}

void *model_vm_state_new(struct vm *vm, int i)
{
	if (!vm->st[i] && modules[i]->vm_new)
		vm->st[i] = modules[i]->vm_new();
	return vm->st[i];
}

void *model_thread_state_new(struct vm_thread *t, int i)
{
	if (!t->st[i] && modules[i]->thread_new)
		t->st[i] = modules[i]->thread_new(model_vm_state_new(t->vm, i), t);
	return t->st[i];
}

void *model_host_state(struct model *m, const struct model_module *mod)
{
	return m->host[slot_of(mod)];
}

void *model_vm_state(struct model *m, struct vm *vm, const struct model_module *mod)
{
	(void)m;
	return model_vm_state_new(vm, slot_of(mod));
}

void *model_thread_state(struct model *m, struct vm_thread *t, const struct model_module *mod)
{
	(void)m;
	return model_thread_state_new(t, slot_of(mod));
}

void *model_vm_state_of(const struct model *m, const struct vm *vm,
			const struct model_module *mod)
{
	(void)m;
	return vm->st[slot_of(mod)];
}

void model_init(struct model *m, uint64_t now)
{
	unsigned int type;
	int i, n;

	memset(m, 0, sizeof(*m));
	vmreg_init(&m->reg);
	m->start_ns = now;
	m->last_tick_ns = now;
	/* Until told otherwise (a file, a test): every event, nothing sampled. */
	m->detail.mode = SNAP_DETAIL_FULL;
	m->detail_last = m->detail_base = m->detail;
	for (i = 0; i < NMODULES; i++)
		if (modules[i]->host_new)
			m->host[i] = modules[i]->host_new();
	/* Which modules take each event type, in list order. */
	for (type = 0; type < KE__COUNT; type++) {
		n = 0;
		for (i = 0; i < NMODULES; i++)
			if (modules[i]->events & MODEL_EV(type))
				m->by_type[type][n++] = (uint8_t)(i + 1);
	}
}

static void release_thread(struct vm_thread *t, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NMODULES; i++) {
		if (t->st[i] && modules[i]->thread_free)
			modules[i]->thread_free(t->st[i]);
		t->st[i] = NULL;
	}
}

static void release_vm(struct vm *vm, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NMODULES; i++) {
		if (vm->st[i] && modules[i]->vm_free)
			modules[i]->vm_free(vm->st[i]);
		vm->st[i] = NULL;
	}
}

static const struct vmreg_release model_release = {
	.vm = release_vm,
	.thread = release_thread,
};

void model_free(struct model *m)
{
	int i;

	vmreg_free(&m->reg, &model_release);
	exit_names_free(&m->names);
	for (i = 0; i < NMODULES; i++)
		if (m->host[i] && modules[i]->host_free)
			modules[i]->host_free(m->host[i]);
}

void model_set_host(struct model *m, const struct proc_host *host)
{
	m->host_facts = *host;
}

void model_set_exit_names(struct model *m, const struct exit_names *names)
{
	exit_names_copy(&m->names, names);
}

/*
 * The order sources are shown in, whatever order they report in: the trace and the VMs
 * first, so that a narrow screen's first line of sources names them (a trace.dat and the
 * threads read from it in their place). Others follow.
 */
static const char *const source_order[] = { "tracefs", "tracedat", "procfs", "threads",
					    "perf",    "kvmstat",  "sched",  "kvm_run" };

/* Returns the place of a source by name in source_order, the others after them. */
static int source_rank(const char *name)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(source_order); i++)
		if (!strcmp(source_order[i], name))
			return i;
	return (int)ARRAY_SIZE(source_order);
}

void model_set_source(struct model *m, const struct source_status *st)
{
	int i, rank = source_rank(st->name);

	for (i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].name, st->name)) {
			m->sources[i] = *st;
			return;
		}
	if (m->nsources == SNAP_SOURCES_MAX)
		return;
	for (i = m->nsources; i > 0 && source_rank(m->sources[i - 1].name) > rank; i--)
		m->sources[i] = m->sources[i - 1];
	m->sources[i] = *st;
	m->nsources++;
}

static void thread_update(struct vm_thread *t, const struct proc_thread *pt, uint64_t ts)
{
	memcpy(t->comm, pt->comm, sizeof(t->comm));
	/* An identified vCPU stays one: a scan may catch it running, not blocked in KVM_RUN. */
	if (pt->kind != PROC_OTHER || t->kind == THREAD_OTHER) {
		t->kind = (enum thread_kind)pt->kind;
		t->index = pt->index;
	}
	t->prev = t->cur;
	t->prev_ts = t->cur_ts;
	t->cur.run_ns = pt->run_ns;
	t->cur.wait_ns = pt->wait_ns;
	t->cur.guest_ns = pt->guest_ns;
	t->cur.slices = pt->slices;
	t->cur_ts = ts;
	if (!t->base_ts) {
		t->base = t->cur;
		t->base_ts = ts;
	}
}

void model_update_procfs(struct model *m, const struct procfs_sample *s)
{
	int i, k;

	m->procfs.unreadable = s->unreadable;
	m->procfs.unreadable_vmms = s->unreadable_vmms;
	m->procfs.others_hidden = s->others_hidden;
	vmreg_begin(&m->reg);
	for (i = 0; i < s->nvms; i++) {
		const struct proc_vm *pv = &s->vms[i];
		struct vm *vm = vmreg_vm(&m->reg, pv->pid, pv->starttime, s->ts_ns);

		memcpy(vm->comm, pv->comm, sizeof(vm->comm));
		memcpy(vm->name, pv->name, sizeof(vm->name));
		memcpy(vm->uuid, pv->uuid, sizeof(vm->uuid));
		memcpy(vm->id, pv->id, sizeof(vm->id));
		vm->meta = pv->meta;
		vm->nvcpu_fds = pv->nvcpu_fds;
		for (k = 0; k < pv->nthreads; k++)
			thread_update(vmreg_thread(&m->reg, vm, pv->threads[k].tid),
				      &pv->threads[k], s->ts_ns);
	}
	m->last = NULL; /* it may be swept */
	vmreg_sweep(&m->reg, &model_release);
}

/*
 * Returns false (counted as unattributed) when the event concerns no VM's thread; else true
 * with the threads it concerns in e. A sched_switch concerns prev and next; a sched_waking
 * the thread that recorded it and the wakee (a wake from an interrupt has no waker thread,
 * though the interrupted thread is still seen running).
 */
static bool attribute(struct model *m, struct model_ev *e)
{
	const struct kvm_event *ev = e->ev;

	switch (ev->type) {
	case KE_SCHED_SWITCH:
		e->self = vmreg_find_tid(&m->reg, (int)ev->sw.prev_tid);
		e->other = vmreg_find_tid(&m->reg, (int)ev->sw.next_tid);
		break;
	case KE_SCHED_WAKING:
		e->self = vmreg_find_tid(&m->reg, (int)ev->tid);
		e->other = vmreg_find_tid(&m->reg, (int)ev->waking.target);
		if (!e->other && (!e->self || ev->ctx))
			m->unattributed++;
		return e->self || e->other;
	default:
		/* A thread's events come in runs (exit, access, entry): look a tid up once a run. */
		if (!m->last || m->last->tid != (int)ev->tid)
			m->last = vmreg_find_tid(&m->reg, (int)ev->tid);
		e->self = m->last;
		if (e->self) {
			e->self->nev[ev->type]++;
			e->self->vm->nev[ev->type]++;
			m->nev[ev->type]++;
		}
		break;
	}
	if (!e->self && !e->other)
		m->unattributed++;
	return e->self || e->other;
}

/*
 * The trace lost events: every thread's span in progress may have ended in the gap. Each
 * module taking KE_LOST sees it once per thread it keeps state for (no state is made).
 */
static void lost_event(struct model *m, const struct kvm_event *ev)
{
	struct model_ev e = { .ev = ev };
	const uint8_t *mod;
	int v, k;

	for (v = 0; v < m->reg.nvms; v++) {
		struct vm *vm = m->reg.vms[v];

		for (k = 0; k < vm->nthreads; k++) {
			e.self = vm->threads[k];
			e.flags = 0;
			for (mod = m->by_type[KE_LOST]; *mod; mod++) {
				e.slot = *mod - 1;
				if (!e.self->st[e.slot])
					continue;
				e.host = m->host[e.slot];
				modules[e.slot]->event(&e);
			}
		}
	}
}

void model_event(struct model *m, const struct kvm_event *ev)
{
	struct model_ev e = { .ev = ev };
	const uint8_t *mod;

	/* A marker, not a trace event: counted where the trace counts its losses. */
	if (ev->type == KE_LOST) {
		lost_event(m, ev);
		return;
	}
	m->events++;
	if (ev->type >= KE__COUNT || !attribute(m, &e))
		return;
	for (mod = m->by_type[ev->type]; *mod; mod++) {
		e.slot = *mod - 1;
		e.host = m->host[e.slot];
		modules[e.slot]->event(&e);
	}
}

/* Applies a window operation to every module's state: host, VMs and threads (gone ones too). */
static void window(struct model *m, enum model_win op, uint64_t now)
{
	const struct model_module *mod;
	int i, v, k;

	for (i = 0; i < NMODULES; i++) {
		mod = modules[i];
		if (mod->host_window && m->host[i])
			mod->host_window(m->host[i], op, now);
		for (v = 0; v < m->reg.nvms; v++) {
			struct vm *vm = m->reg.vms[v];

			if (mod->vm_window && vm->st[i])
				mod->vm_window(vm->st[i], op, now);
			for (k = 0; mod->thread_window && k < vm->nthreads; k++)
				if (vm->threads[k]->st[i])
					mod->thread_window(vm->threads[k]->st[i], op, now);
		}
	}
}

void model_set_lost(struct model *m, uint64_t total)
{
	m->lost = total;
}

void model_set_detail(struct model *m, const struct model_detail *d)
{
	m->detail = *d;
	if (d->mode == SNAP_DETAIL_SAMPLED)
		m->sampled_since_base = m->sampled_since_last = true;
}

/* Fills s->detail for the window from the running totals (base: the window's start). */
static void snap_detail(const struct model *m, const struct model_detail *base, uint64_t lost0,
			bool sampled, struct snapshot *s)
{
	const struct model_detail *d = &m->detail;
	struct snap_detail *o = &s->detail;
	double win = (double)s->window_ns;

	o->mode = d->mode;
	o->budget = d->budget;
	o->focus_pid = d->focus_pid;
	o->ratio = 1;
	/*
	 * Of a window sampled in part (full detail before or after bursts, or a cumulative
	 * window that had bursts) too: what the trace saw is scaled by the share it covered.
	 */
	if ((d->mode == SNAP_DETAIL_SAMPLED || (sampled && d->mode != SNAP_DETAIL_OFF)) &&
	    win > 0 && d->traced_ns >= base->traced_ns)
		o->ratio = MIN(1.0, (double)(d->traced_ns - base->traced_ns) / win);
	o->traced_rate = win > 0 ? (double)s->events * 1e9 / win : 0;
	o->exact_rate = d->have_exact && base->have_exact && win > 0
				? (double)(d->exact_events - base->exact_events) * 1e9 / win
				: -1;
	o->focus_rate = d->focus_pid && win > 0
				? (double)(d->focus_events - base->focus_events) * 1e9 / win
				: 0;
	o->own_cpu = d->own_cpu_ns && base->own_cpu_ns && win > 0
			     ? 100.0 * (double)(d->own_cpu_ns - base->own_cpu_ns) / win
			     : -1;
	o->lost = m->lost > lost0 ? m->lost - lost0 : 0;
	o->lost_share = o->lost ? 100.0 * (double)o->lost / (double)(o->lost + s->events) : 0;
}

void model_prime(struct model *m, uint64_t now)
{
	m->start_ns = now;
	m->last_tick_ns = now;
	m->detail_last = m->detail_base = m->detail;
	m->lost_last = m->lost_base = m->lost;
	m->sampled_since_base = m->sampled_since_last = m->detail.mode == SNAP_DETAIL_SAMPLED;
	/* Events before the first interval belong to no window. */
	window(m, MODEL_CLEAR, now);
	m->win_predates_reset = false;
}

void model_reset(struct model *m, uint64_t now)
{
	int v, k;

	m->start_ns = now;
	m->events_base = m->events;
	m->unattributed_base = m->unattributed;
	m->detail_base = m->detail;
	m->lost_base = m->lost;
	m->sampled_since_base = m->detail.mode == SNAP_DETAIL_SAMPLED;
	for (v = 0; v < m->reg.nvms; v++) {
		struct vm *vm = m->reg.vms[v];

		for (k = 0; k < vm->nthreads; k++) {
			vm->threads[k]->base = vm->threads[k]->cur;
			vm->threads[k]->base_ts = vm->threads[k]->cur_ts;
		}
	}
	window(m, MODEL_RESET, now);
	m->win_predates_reset = true;
}

/* Returns the order of thread rows: vCPUs by index, then iothreads by name. */
static int thread_cmp(const void *pa, const void *pb)
{
	const struct snap_thread *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind == THREAD_VCPU	? -1
		       : b->kind == THREAD_VCPU ? 1
						: (int)a->kind - (int)b->kind;
	if (a->kind == THREAD_VCPU && a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->kind == THREAD_IOTHREAD) {
		int c = strcmp(a->comm, b->comm);

		if (c)
			return c;
	}
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static void thread_split(const struct vm_thread *t, bool cumulative, struct cpu_split *out)
{
	if (cumulative)
		cputime_split(&t->base, &t->cur, t->cur_ts - t->base_ts, out);
	else if (t->prev_ts)
		cputime_split(&t->prev, &t->cur, t->cur_ts - t->prev_ts, out);
	else
		cputime_none(out);
}

/* Fills a thread's row from the modules, or the row grouping other threads (t NULL). */
static void snap_modules(const struct vm *vm, const struct vm_thread *t,
			 const struct model_view *w, struct snap_thread *st)
{
	int i;

	for (i = 0; i < NMODULES; i++)
		if (modules[i]->snap_thread)
			modules[i]->snap_thread(t ? t->st[i] : NULL, t ? vm->st[i] : NULL, t, w, st);
}

static void snap_fill_vm(struct snap_vm *sv, const struct vm *vm, const struct model_view *vw,
			 int focus_pid)
{
	struct snap_thread *other = NULL;
	struct model_view own = *vw;
	const struct model_view *w = &own;
	int k, n = 0, have = 0, i;

	/* The VM in focus is traced in full, whatever the others are. */
	if (focus_pid && vm->pid == focus_pid && !vw->cumulative) {
		own.sampled = false;
		own.ratio = 1;
	}
	sv->pid = vm->pid;
	sv->starttime = vm->starttime;
	memcpy(sv->name, vm->name, sizeof(sv->name));
	memcpy(sv->comm, vm->comm, sizeof(sv->comm));
	memcpy(sv->uuid, vm->uuid, sizeof(sv->uuid));
	memcpy(sv->id, vm->id, sizeof(sv->id));
	snap_mgmt_of(&sv->mgmt, &vm->meta);
	sv->gone = vm->gone;
	cputime_zero(&sv->cpu);
	sv->threads = xcalloc((size_t)vm->nthreads + 1, sizeof(*sv->threads));
	for (k = 0; k < vm->nthreads; k++) {
		const struct vm_thread *t = vm->threads[k];
		struct snap_thread *st;
		struct cpu_split cs;

		thread_split(t, w->cumulative, &cs);
		if (!t->gone && cs.cpu >= 0) {
			cputime_add(&sv->cpu, &cs);
			have = 1;
		}
		if (t->kind == THREAD_OTHER) {
			sv->nother += !t->gone;
			if (!other) {
				other = &sv->threads[vm->nthreads];
				other->kind = THREAD_OTHER;
				other->index = -1;
				strlcpy0(other->comm, "other", sizeof(other->comm));
				cputime_zero(&other->cpu);
			}
			if (!t->gone) {
				other->nthreads++;
				cputime_add(&other->cpu, &cs);
			}
			continue;
		}
		st = &sv->threads[n++];
		st->tid = t->tid;
		st->kind = t->kind;
		st->index = t->index;
		st->nthreads = 1;
		memcpy(st->comm, t->comm, sizeof(st->comm));
		st->gone = t->gone;
		st->cpu = cs;
		snap_modules(vm, t, w, st);
		if (t->kind == THREAD_VCPU)
			sv->nvcpus += !t->gone;
		else
			sv->niothreads += !t->gone;
	}
	qsort(sv->threads, (size_t)n, sizeof(*sv->threads), thread_cmp);
	if (other) {
		snap_modules(vm, NULL, w, other);
		sv->threads[n++] = *other;
	}
	sv->nthreads = n;
	if (vm->gone || !have)
		cputime_none(&sv->cpu);
	for (i = 0; i < NMODULES; i++)
		if (modules[i]->snap_vm)
			modules[i]->snap_vm(vm->st[i], vm, w, sv);
}

struct snapshot *model_snapshot(struct model *m, uint64_t now, int64_t wall_s, bool cumulative)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	bool drop_win = m->win_predates_reset, sampled;
	struct model_view w = { .names = &m->names, .cumulative = cumulative };
	int v, i;

	s->seq = ++m->seq;
	s->ts_ns = now;
	s->wall_s = wall_s;
	s->interval_ns = now - m->last_tick_ns;
	s->cumulative = cumulative;
	s->window_ns = cumulative ? now - m->start_ns : s->interval_ns;
	snap_host_of(&s->host, &m->host_facts);
	s->procfs = m->procfs;
	for (v = 0; v < m->nsources; v++)
		snap_source_of(&s->sources[v], &m->sources[v]);
	s->nsources = m->nsources;
	s->events = m->events - (cumulative ? m->events_base : m->events_last);
	s->events_unattributed =
		m->unattributed - (cumulative ? m->unattributed_base : m->unattributed_last);
	s->events_lost = m->lost;
	sampled = m->detail.mode == SNAP_DETAIL_SAMPLED ||
		  (cumulative ? m->sampled_since_base : m->sampled_since_last);
	snap_detail(m, cumulative ? &m->detail_base : &m->detail_last,
		    cumulative ? m->lost_base : m->lost_last, sampled, s);
	w.window_ns = s->window_ns;
	w.view = cumulative ? ACC_TOT | (drop_win ? 0 : ACC_WIN) : ACC_WIN;
	w.sampled = sampled;
	w.lost = s->detail.lost > 0;
	w.nlost = s->detail.lost;
	w.ratio = s->detail.ratio;
	window(m, MODEL_CLOSE, now);
	s->vms = xcalloc((size_t)m->reg.nvms + 1, sizeof(*s->vms));
	for (v = 0; v < m->reg.nvms; v++) {
		snap_fill_vm(&s->vms[v], m->reg.vms[v], &w, m->detail.focus_pid);
		if (!s->vms[v].gone)
			s->exits_rate += s->vms[v].exits_rate;
	}
	s->nvms = m->reg.nvms;
	for (i = 0; i < NMODULES; i++)
		if (modules[i]->snap_host)
			modules[i]->snap_host(m->host[i], &w, s);
	window(m, drop_win ? MODEL_FOLD_DROP : MODEL_FOLD, now);
	m->win_predates_reset = false;

	m->last_tick_ns = now;
	m->events_last = m->events;
	m->unattributed_last = m->unattributed;
	m->detail_last = m->detail;
	m->lost_last = m->lost;
	m->sampled_since_last = m->detail.mode == SNAP_DETAIL_SAMPLED;
	return s;
}
