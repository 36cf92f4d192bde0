// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "exits.h"
#include "model.h"
#include "model_counters.h"
#include "util.h"
#include "vcpustate.h"
#include "wakegraph.h"

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
		       PROC_UUID_MAX == SNAP_UUID_MAX && SOURCE_WHY_MAX == SNAP_WHY_MAX,
	       "name sizes");

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

void model_init(struct model *m, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	vmreg_init(&m->reg);
	m->start_ns = now;
	m->last_tick_ns = now;
}

static void release_thread(struct vm_thread *t, void *arg)
{
	(void)arg;
	exits_thread_free(t->ext[EXT_EXITS]);
	free(t->ext[EXT_CPUTIME]);
	free(t->ext[EXT_WAKE]);
	t->ext[EXT_EXITS] = t->ext[EXT_CPUTIME] = t->ext[EXT_WAKE] = NULL;
	model_counters_release_thread(t);
}

static void release_vm(struct vm *vm, void *arg)
{
	(void)arg;
	exits_vm_free(vm->ext[EXT_EXITS]);
	wake_vm_free(vm->ext[EXT_WAKE]);
	vm->ext[EXT_EXITS] = vm->ext[EXT_WAKE] = NULL;
	model_counters_release_vm(vm);
}

static const struct vmreg_release model_release = {
	.vm = release_vm,
	.thread = release_thread,
};

void model_free(struct model *m)
{
	vmreg_free(&m->reg, &model_release);
	exit_names_free(&m->names);
	model_counters_free(m);
}

void model_set_host(struct model *m, const struct proc_host *host)
{
	m->host = *host;
}

void model_set_exit_names(struct model *m, const struct exit_names *names)
{
	exit_names_copy(&m->names, names);
}

void model_set_source(struct model *m, const struct source_status *st)
{
	int i;

	for (i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].name, st->name))
			break;
	if (i == SNAP_SOURCES_MAX)
		return;
	m->sources[i] = *st;
	if (i == m->nsources)
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

	vmreg_begin(&m->reg);
	for (i = 0; i < s->nvms; i++) {
		const struct proc_vm *pv = &s->vms[i];
		struct vm *vm = vmreg_vm(&m->reg, pv->pid, pv->starttime, s->ts_ns);

		memcpy(vm->comm, pv->comm, sizeof(vm->comm));
		memcpy(vm->name, pv->name, sizeof(vm->name));
		memcpy(vm->uuid, pv->uuid, sizeof(vm->uuid));
		vm->nvcpu_fds = pv->nvcpu_fds;
		for (k = 0; k < pv->nthreads; k++)
			thread_update(vmreg_thread(&m->reg, vm, pv->threads[k].tid),
				      &pv->threads[k], s->ts_ns);
	}
	vmreg_sweep(&m->reg, &model_release);
}

/* Returns the VM's exit state, created on its first event (bounded: fixed-size tables). */
static struct exits_vm *vm_exits(struct vm *vm)
{
	if (!vm->ext[EXT_EXITS])
		vm->ext[EXT_EXITS] = exits_vm_new();
	return vm->ext[EXT_EXITS];
}

static struct exits_thread *thread_exits(struct vm_thread *t)
{
	if (!t->ext[EXT_EXITS])
		t->ext[EXT_EXITS] = exits_thread_new();
	return t->ext[EXT_EXITS];
}

static struct vcpustate *thread_state(struct vm_thread *t)
{
	if (!t->ext[EXT_CPUTIME]) {
		t->ext[EXT_CPUTIME] = xmalloc(sizeof(struct vcpustate));
		vcpustate_init(t->ext[EXT_CPUTIME]);
	}
	return t->ext[EXT_CPUTIME];
}

/* Returns the thread's wakeup state (and its VM's), created on its first event. */
static struct wake_thread *thread_wake(struct vm_thread *t)
{
	if (!t->vm->ext[EXT_WAKE]) {
		t->vm->ext[EXT_WAKE] = xmalloc(sizeof(struct wake_vm));
		wake_vm_init(t->vm->ext[EXT_WAKE]);
	}
	if (!t->ext[EXT_WAKE]) {
		t->ext[EXT_WAKE] = xmalloc(sizeof(struct wake_thread));
		wake_thread_init(t->ext[EXT_WAKE], t->vm->ext[EXT_WAKE], t->tid);
	}
	return t->ext[EXT_WAKE];
}

static void wake_who_of(struct wake_who *w, struct vm_thread *t, int tid)
{
	memset(w, 0, sizeof(*w));
	w->tid = tid;
	w->node = WAKE_NODE_HOST;
	if (!t)
		return;
	w->th = thread_wake(t);
	w->vm = t->vm->ext[EXT_WAKE];
	w->node = t->kind == THREAD_VCPU       ? WAKE_NODE_VCPU
		  : t->kind == THREAD_IOTHREAD ? WAKE_NODE_IOTHREAD
					       : WAKE_NODE_VMTHREAD;
	w->comm = t->comm;
}

/* A wakeup: of a VM's thread, or by one (from an interrupt, the interrupted one is none). */
static void model_waking(struct model *m, const struct kvm_event *ev, struct vm_thread *self)
{
	struct vm_thread *wakee = vmreg_find_tid(&m->reg, (int)ev->waking.target);
	struct vm_thread *waker = ev->ctx ? NULL : self;
	struct wake_who a, b;

	if (!wakee && !waker) {
		m->unattributed++;
		return;
	}
	wake_who_of(&a, waker, (int)ev->tid);
	wake_who_of(&b, wakee, (int)ev->waking.target);
	wake_waking(&a, &b, ev);
}

/* A context switch concerns two threads; it is unattributed only when neither is a VM's. */
static void model_switch(struct model *m, const struct kvm_event *ev)
{
	struct vm_thread *prev = vmreg_find_tid(&m->reg, (int)ev->sw.prev_tid);
	struct vm_thread *next = vmreg_find_tid(&m->reg, (int)ev->sw.next_tid);

	if (!prev && !next) {
		m->unattributed++;
		return;
	}
	/*
	 * Runnable means preempted. The low byte holds the sleep states; a preempted task may
	 * also carry the kernel's "preempted" report bit above them ("R+").
	 */
	if (prev) {
		vcpustate_switch_out(thread_state(prev), ev->ts_ns, !(ev->sw.prev_state & 0xff));
		wake_running(thread_wake(prev), ev->ts_ns, true);
		wake_switch_out(thread_wake(prev));
	}
	if (next) {
		vcpustate_switch_in(thread_state(next), ev->ts_ns);
		wake_running(thread_wake(next), ev->ts_ns, false);
	}
}

void model_event(struct model *m, const struct kvm_event *ev)
{
	struct vm_thread *t;
	unsigned int flags;

	m->events++;
	if (ev->type == KE_SCHED_SWITCH) {
		model_switch(m, ev);
		return;
	}
	t = vmreg_find_tid(&m->reg, (int)ev->tid);
	if (ev->type == KE_SCHED_WAKING) {
		if (t)
			wake_running(thread_wake(t), ev->ts_ns, false);
		model_waking(m, ev, t);
		return;
	}
	if (!t) {
		m->unattributed++;
		return;
	}
	if (ev->type < KE__COUNT) {
		t->nev[ev->type]++;
		t->vm->nev[ev->type]++;
		m->nev[ev->type]++;
	}
	/* Whatever a thread records, it is running: a wake of it has taken effect. */
	wake_running(thread_wake(t), ev->ts_ns, false);
	switch (ev->type) {
	case KE_EXIT:
	case KE_ENTRY:
	case KE_PIO:
	case KE_MMIO:
	case KE_FAST_MMIO:
	case KE_MSR:
	case KE_USER_EXIT:
	case KE_VCPU_WAKEUP:
		flags = exits_event(vm_exits(t->vm), thread_exits(t), ev);
		vcpustate_event(thread_state(t), ev, flags);
		wake_thread_event(thread_wake(t), ev);
		break;
	case KE_SET_IRQ:
	case KE_MSI_SET_IRQ:
		wake_thread_event(thread_wake(t), ev);
		break;
	default:
		break;
	}
}

/* Calls fn for every VM's and thread's event state (gone ones too). */
static void for_each_state(struct model *m, void (*vm_fn)(struct exits_vm *, void *),
			   void (*th_fn)(struct vm_thread *, void *), void *arg)
{
	int v, k;

	for (v = 0; v < m->reg.nvms; v++) {
		struct vm *vm = m->reg.vms[v];

		if (vm->ext[EXT_EXITS])
			vm_fn(vm->ext[EXT_EXITS], arg);
		for (k = 0; k < vm->nthreads; k++)
			th_fn(vm->threads[k], arg);
	}
}

static void vm_clear(struct exits_vm *v, void *arg)
{
	(void)arg;
	exits_clear_vm(v);
}

static void thread_clear(struct vm_thread *t, void *arg)
{
	if (t->ext[EXT_EXITS])
		exits_clear_thread(t->ext[EXT_EXITS]);
	if (t->ext[EXT_CPUTIME])
		vcpustate_clear(t->ext[EXT_CPUTIME], *(const uint64_t *)arg);
}

static void vm_reset(struct exits_vm *v, void *arg)
{
	(void)arg;
	exits_reset_vm(v);
}

static void thread_reset(struct vm_thread *t, void *arg)
{
	(void)arg;
	if (t->ext[EXT_EXITS])
		exits_reset_thread(t->ext[EXT_EXITS]);
	if (t->ext[EXT_CPUTIME])
		vcpustate_reset(t->ext[EXT_CPUTIME]);
}

static void vm_fold(struct exits_vm *v, void *arg)
{
	exits_fold_vm(v, *(const bool *)arg);
}

static void thread_fold(struct vm_thread *t, void *arg)
{
	if (t->ext[EXT_EXITS])
		exits_fold_thread(t->ext[EXT_EXITS], *(const bool *)arg);
	if (t->ext[EXT_CPUTIME])
		vcpustate_fold(t->ext[EXT_CPUTIME], *(const bool *)arg);
}

static void vm_none(struct exits_vm *v, void *arg)
{
	(void)v;
	(void)arg;
}

static void thread_close(struct vm_thread *t, void *arg)
{
	if (t->ext[EXT_CPUTIME])
		vcpustate_close(t->ext[EXT_CPUTIME], *(const uint64_t *)arg);
	if (t->ext[EXT_WAKE])
		wake_age(t->ext[EXT_WAKE], *(const uint64_t *)arg);
}

/* Calls fn for every VM's wakeup state. */
static void for_each_wake(struct model *m, void (*fn)(struct wake_vm *, bool), bool arg)
{
	int v;

	for (v = 0; v < m->reg.nvms; v++)
		if (m->reg.vms[v]->ext[EXT_WAKE])
			fn(m->reg.vms[v]->ext[EXT_WAKE], arg);
}

static void wake_clear_vm(struct wake_vm *w, bool arg)
{
	(void)arg;
	wake_clear(w);
}

static void wake_reset_vm(struct wake_vm *w, bool arg)
{
	(void)arg;
	wake_reset(w);
}

int model_wake_unnamed(struct model *m, int *tids, int max)
{
	int v, n = 0;

	for (v = 0; v < m->reg.nvms && n < max; v++)
		if (m->reg.vms[v]->ext[EXT_WAKE])
			n += wake_unnamed(m->reg.vms[v]->ext[EXT_WAKE], tids + n, max - n);
	return n;
}

void model_wake_name(struct model *m, int tid, const char *comm)
{
	int v;

	for (v = 0; v < m->reg.nvms; v++)
		if (m->reg.vms[v]->ext[EXT_WAKE])
			wake_name(m->reg.vms[v]->ext[EXT_WAKE], tid, comm);
}

void model_set_lost(struct model *m, uint64_t total)
{
	m->lost = total;
}

void model_prime(struct model *m, uint64_t now)
{
	m->start_ns = now;
	m->last_tick_ns = now;
	/* Events before the first interval belong to no window. */
	for_each_state(m, vm_clear, thread_clear, &now);
	for_each_wake(m, wake_clear_vm, false);
	m->win_predates_reset = false;
}

void model_reset(struct model *m, uint64_t now)
{
	int v, k;

	m->start_ns = now;
	m->events_base = m->events;
	m->unattributed_base = m->unattributed;
	for (v = 0; v < m->reg.nvms; v++) {
		struct vm *vm = m->reg.vms[v];

		for (k = 0; k < vm->nthreads; k++) {
			vm->threads[k]->base = vm->threads[k]->cur;
			vm->threads[k]->base_ts = vm->threads[k]->cur_ts;
		}
	}
	for_each_state(m, vm_reset, thread_reset, NULL);
	model_counters_reset(m);
	for_each_wake(m, wake_reset_vm, false);
	m->win_predates_reset = true;
}

/* Returns the order of thread rows: vCPUs by index, then iothreads by name. */
static int thread_cmp(const void *pa, const void *pb)
{
	const struct snap_thread *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind == THREAD_VCPU ? -1 : b->kind == THREAD_VCPU ? 1 : (int)a->kind - (int)b->kind;
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

/* Fills the VM's split: the mean of its live vCPUs' splits. */
static void vm_split(struct snap_vm *sv)
{
	struct exit_split *sp = xcalloc((size_t)sv->nthreads + 1, sizeof(*sp));
	int k, n = 0;

	for (k = 0; k < sv->nthreads; k++)
		if (sv->threads[k].kind == THREAD_VCPU && !sv->threads[k].gone)
			sp[n++] = sv->threads[k].split;
	vcpustate_mean(sp, n, &sv->split);
	free(sp);
}

static void snap_fill_vm(struct snap_vm *sv, const struct vm *vm, bool cumulative,
			 const struct exits_view *w)
{
	struct snap_thread *other = NULL;
	int k, n = 0, have = 0;

	sv->pid = vm->pid;
	sv->starttime = vm->starttime;
	memcpy(sv->name, vm->name, sizeof(sv->name));
	memcpy(sv->comm, vm->comm, sizeof(sv->comm));
	memcpy(sv->uuid, vm->uuid, sizeof(sv->uuid));
	sv->gone = vm->gone;
	cputime_zero(&sv->cpu);
	sv->threads = xcalloc((size_t)vm->nthreads + 1, sizeof(*sv->threads));
	for (k = 0; k < vm->nthreads; k++) {
		const struct vm_thread *t = vm->threads[k];
		struct snap_thread *st;
		struct cpu_split cs;

		thread_split(t, cumulative, &cs);
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
		exits_snap_thread(t->ext[EXT_EXITS], vm->ext[EXT_EXITS], w, st);
		vcpustate_split(t->ext[EXT_CPUTIME], w->view, w->window_ns, &cs, &st->split);
		model_counters_snap_thread(t, cumulative, st);
		if (t->kind == THREAD_VCPU)
			sv->nvcpus += !t->gone;
		else
			sv->niothreads += !t->gone;
	}
	qsort(sv->threads, (size_t)n, sizeof(*sv->threads), thread_cmp);
	if (other) {
		/* A group's times sum several threads: no split of one thread's wall time. */
		vcpustate_split(NULL, w->view, w->window_ns, NULL, &other->split);
		sv->threads[n++] = *other;
	}
	sv->nthreads = n;
	if (vm->gone || !have)
		cputime_none(&sv->cpu);
	vm_split(sv);
	exits_snap_vm(vm->ext[EXT_EXITS], w, MAX(sv->nvcpus, 1), sv);
	model_counters_snap_vm(vm, cumulative, sv);
	if (vm->ext[EXT_WAKE])
		sv->wake = wake_snap(vm->ext[EXT_WAKE], w->view, w->window_ns);
}

struct snapshot *model_snapshot(struct model *m, uint64_t now, int64_t wall_s, bool cumulative)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	bool drop_win = m->win_predates_reset;
	struct exits_view w = { .names = &m->names };
	int v;

	s->seq = ++m->seq;
	s->ts_ns = now;
	s->wall_s = wall_s;
	s->interval_ns = now - m->last_tick_ns;
	s->cumulative = cumulative;
	s->window_ns = cumulative ? now - m->start_ns : s->interval_ns;
	snap_host_of(&s->host, &m->host);
	for (v = 0; v < m->nsources; v++)
		snap_source_of(&s->sources[v], &m->sources[v]);
	s->nsources = m->nsources;
	s->events = m->events - (cumulative ? m->events_base : m->events_last);
	s->events_unattributed =
		m->unattributed - (cumulative ? m->unattributed_base : m->unattributed_last);
	s->events_lost = m->lost;
	w.window_ns = s->window_ns;
	w.view = cumulative ? ACC_TOT | (drop_win ? 0 : ACC_WIN) : ACC_WIN;
	for_each_state(m, vm_none, thread_close, &now);
	s->vms = xcalloc((size_t)m->reg.nvms + 1, sizeof(*s->vms));
	for (v = 0; v < m->reg.nvms; v++) {
		snap_fill_vm(&s->vms[v], m->reg.vms[v], cumulative, &w);
		if (!s->vms[v].gone)
			s->exits_rate += s->vms[v].exits_rate;
	}
	s->nvms = m->reg.nvms;
	model_counters_snap_host(m, cumulative, s);
	for_each_state(m, vm_fold, thread_fold, &drop_win);
	for_each_wake(m, wake_fold, drop_win);
	m->win_predates_reset = false;

	m->last_tick_ns = now;
	m->events_last = m->events;
	m->unattributed_last = m->unattributed;
	return s;
}
