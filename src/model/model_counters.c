// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "model_counters.h"
#include "util.h"

/* A thread's counters from both sources; owned by its vm_thread (ext[EXT_PERF]). */
struct thread_ctr {
	struct ctr_hist perf;  /* perf_event_open counters of the thread */
	struct ctr_hist kstat; /* KVM stats of the vCPU (debugfs vcpuN/ or tracepoints) */
};

static struct thread_ctr *thread_ctr(struct vm_thread *t)
{
	if (!t->ext[EXT_PERF])
		t->ext[EXT_PERF] = xcalloc(1, sizeof(struct thread_ctr));
	return t->ext[EXT_PERF];
}

static struct ctr_hist *vm_ctr(struct vm *vm)
{
	if (!vm->ext[EXT_PERF])
		vm->ext[EXT_PERF] = xcalloc(1, sizeof(struct ctr_hist));
	return vm->ext[EXT_PERF];
}

void model_counters_release_thread(struct vm_thread *t)
{
	struct thread_ctr *tc = t->ext[EXT_PERF];

	if (!tc)
		return;
	ctr_hist_free(&tc->perf);
	ctr_hist_free(&tc->kstat);
	free(tc);
	t->ext[EXT_PERF] = NULL;
}

void model_counters_release_vm(struct vm *vm)
{
	if (!vm->ext[EXT_PERF])
		return;
	ctr_hist_free(vm->ext[EXT_PERF]);
	free(vm->ext[EXT_PERF]);
	vm->ext[EXT_PERF] = NULL;
}

void model_counters_free(struct model *m)
{
	ctr_set_free(&m->ctr_scratch);
	if (!m->host_ctr)
		return;
	ctr_hist_free(m->host_ctr);
	free(m->host_ctr);
	m->host_ctr = NULL;
}

void model_update_perf(struct model *m, const struct perf_sample *s)
{
	int i;

	for (i = 0; i < s->nthreads; i++) {
		struct vm_thread *t = vmreg_find_tid(&m->reg, s->threads[i].tid);
		struct thread_ctr *tc;

		if (!t || t->vm->pid != s->threads[i].pid)
			continue;
		tc = thread_ctr(t);
		tc->perf.source = "perf";
		ctr_hist_push(&tc->perf, &s->threads[i].set);
	}
}

/* Returns the live vCPU thread of vm with this index, or NULL. */
static struct vm_thread *vcpu_by_index(struct vm *vm, int index)
{
	int k;

	for (k = 0; k < vm->nthreads; k++)
		if (vm->threads[k]->kind == THREAD_VCPU && vm->threads[k]->index == index &&
		    !vm->threads[k]->gone)
			return vm->threads[k];
	return NULL;
}

void model_count_traced(struct model *m, unsigned int type, const char *tracepoint)
{
	if (type < KE__COUNT)
		m->traced[type] = tracepoint;
}

/*
 * Returns set, or with tracepoint counters the copy of it in m's scratch with the
 * tracepoints counted from the trace stream added (nev: the scope's events by type).
 */
static const struct ctr_set *with_traced(struct model *m, const struct kvmstat_sample *s,
					 const struct ctr_set *set, const uint64_t *nev)
{
	unsigned int type;

	if (strcmp(s->source, "tracepoint"))
		return set;
	ctr_set_copy(&m->ctr_scratch, set);
	for (type = 0; type < KE__COUNT; type++)
		if (m->traced[type])
			ctr_set_add(&m->ctr_scratch, m->traced[type], CTR_COUNT)->value = nev[type];
	return &m->ctr_scratch;
}

void model_update_kvmstat(struct model *m, const struct kvmstat_sample *s)
{
	int v, c;

	if (!s->source)
		return;
	if (!m->host_ctr)
		m->host_ctr = xcalloc(1, sizeof(*m->host_ctr));
	m->host_ctr->source = s->source;
	ctr_hist_push(m->host_ctr, with_traced(m, s, &s->host, m->nev));
	for (v = 0; v < s->nvms; v++) {
		const struct kstat_vm *kv = &s->vms[v];
		struct vm *vm = vmreg_find_pid(&m->reg, kv->pid);
		struct ctr_hist *h;

		if (!vm)
			continue; /* not a VM procfs shows: in the host totals only */
		h = vm_ctr(vm);
		h->source = s->source;
		ctr_hist_push(h, with_traced(m, s, &kv->set, vm->nev));
		for (c = 0; c < kv->nvcpus; c++) {
			struct vm_thread *t = vcpu_by_index(vm, kv->vcpus[c].index);
			struct thread_ctr *tc;

			if (!t)
				continue;
			tc = thread_ctr(t);
			tc->kstat.source = s->source;
			ctr_hist_push(&tc->kstat, with_traced(m, s, &kv->vcpus[c].set, t->nev));
		}
	}
}

void model_counters_reset(struct model *m)
{
	int v, k;

	if (m->host_ctr)
		ctr_hist_reset(m->host_ctr);
	for (v = 0; v < m->reg.nvms; v++) {
		struct vm *vm = m->reg.vms[v];

		if (vm->ext[EXT_PERF])
			ctr_hist_reset(vm->ext[EXT_PERF]);
		for (k = 0; k < vm->nthreads; k++) {
			struct thread_ctr *tc = vm->threads[k]->ext[EXT_PERF];

			if (tc) {
				ctr_hist_reset(&tc->perf);
				ctr_hist_reset(&tc->kstat);
			}
		}
	}
}

void model_counters_snap_thread(const struct vm_thread *t, bool cumulative, struct snap_thread *st)
{
	const struct thread_ctr *tc = t->ext[EXT_PERF];

	if (!tc || t->gone)
		return;
	ctr_hist_snap(&tc->perf, cumulative, &st->counters, &st->ncounters);
	ctr_hist_snap(&tc->kstat, cumulative, &st->counters, &st->ncounters);
}

void model_counters_snap_vm(const struct vm *vm, bool cumulative, struct snap_vm *sv)
{
	if (vm->ext[EXT_PERF])
		ctr_hist_snap(vm->ext[EXT_PERF], cumulative, &sv->counters, &sv->ncounters);
}

void model_counters_snap_host(const struct model *m, bool cumulative, struct snapshot *s)
{
	if (m->host_ctr)
		ctr_hist_snap(m->host_ctr, cumulative, &s->counters, &s->ncounters);
}
