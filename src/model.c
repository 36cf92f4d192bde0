// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "util.h"

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
	(void)t;
}

static void release_vm(struct vm *vm, void *arg)
{
	(void)arg;
	(void)vm;
}

static const struct vmreg_release model_release = {
	.vm = release_vm,
	.thread = release_thread,
};

void model_free(struct model *m)
{
	vmreg_free(&m->reg, &model_release);
	exit_names_free(&m->names);
}

void model_set_host(struct model *m, const struct proc_host *host)
{
	m->host = *host;
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
	if (pt->kind != THREAD_OTHER || t->kind == THREAD_OTHER) {
		t->kind = pt->kind;
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

void model_event(struct model *m, const struct kvm_event *ev)
{
	m->events++;
	if (!vmreg_find_tid(&m->reg, (int)ev->tid))
		m->unattributed++;
}

void model_set_lost(struct model *m, uint64_t total)
{
	m->lost = total;
}

void model_set_exit_names(struct model *m, const struct exit_names *names)
{
	exit_names_copy(&m->names, names);
}

void model_prime(struct model *m, uint64_t now)
{
	m->start_ns = now;
	m->last_tick_ns = now;
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

static void snap_fill_vm(struct snap_vm *sv, const struct vm *vm, bool cumulative)
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
		if (t->kind == THREAD_VCPU)
			sv->nvcpus += !t->gone;
		else
			sv->niothreads += !t->gone;
	}
	qsort(sv->threads, (size_t)n, sizeof(*sv->threads), thread_cmp);
	if (other)
		sv->threads[n++] = *other;
	sv->nthreads = n;
	if (vm->gone || !have)
		cputime_none(&sv->cpu);
}

struct snapshot *model_snapshot(struct model *m, uint64_t now, bool cumulative)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	int v;

	s->seq = ++m->seq;
	s->ts_ns = now;
	s->wall_s = (int64_t)time(NULL);
	s->interval_ns = now - m->last_tick_ns;
	s->cumulative = cumulative;
	s->window_ns = cumulative ? now - m->start_ns : s->interval_ns;
	s->host = m->host;
	memcpy(s->sources, m->sources, sizeof(s->sources));
	s->nsources = m->nsources;
	s->events = m->events - (cumulative ? m->events_base : m->events_last);
	s->events_unattributed =
		m->unattributed - (cumulative ? m->unattributed_base : m->unattributed_last);
	s->events_lost = m->lost;
	s->vms = xcalloc((size_t)m->reg.nvms + 1, sizeof(*s->vms));
	for (v = 0; v < m->reg.nvms; v++)
		snap_fill_vm(&s->vms[v], m->reg.vms[v], cumulative);
	s->nvms = m->reg.nvms;

	m->last_tick_ns = now;
	m->events_last = m->events;
	m->unattributed_last = m->unattributed;
	return s;
}
