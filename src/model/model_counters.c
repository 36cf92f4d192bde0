// SPDX-License-Identifier: GPL-2.0
/*
 * The counters module: each scope's samples of perf counters and KVM stats (host, VM,
 * thread), and the KVM tracepoints counted from the trace stream instead of by the kvmstat
 * probe; their rates go into the snapshot (counters.c does the math). Fed by samples through
 * model_update_perf() and model_update_kvmstat(); the events come counted by the registry.
 */
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "exits.h"
#include "model.h"
#include "module.h"
#include "util.h"

/* A thread's counters from both sources; owned by the model through its vm_thread. */
struct thread_ctr {
	struct ctr_hist perf;	 /* perf_event_open counters of the thread */
	struct ctr_hist kstat;	 /* KVM stats of the vCPU (debugfs vcpuN/ or tracepoints) */
};

/* A VM's KVM stats; owned through its struct vm. */
struct vm_ctr {
	struct ctr_hist kstat;
};

/* The host's KVM stats; owned by the model. */
struct host_ctr {
	struct ctr_hist kstat;
	struct ctr_hist tp; /* every KVM tracepoint, counted per CPU */
	/*
	 * Tracepoints counted from the trace stream (the registry's event counts) instead of by
	 * the kvmstat probe, by event type (static names, NULL: not counted here).
	 */
	const char *traced[KE__COUNT];
	struct ctr_set scratch; /* a sample with those counters added */
};

static void *host_new(void)
{
	return xcalloc(1, sizeof(struct host_ctr));
}

static void *vm_new(void)
{
	return xcalloc(1, sizeof(struct vm_ctr));
}

static void *thread_new(void *vm_state, const struct vm_thread *t)
{
	(void)vm_state;
	(void)t;
	return xcalloc(1, sizeof(struct thread_ctr));
}

static void host_free(void *st)
{
	struct host_ctr *h = st;

	ctr_hist_free(&h->kstat);
	ctr_hist_free(&h->tp);
	ctr_set_free(&h->scratch);
	free(h);
}

static void vm_free(void *st)
{
	struct vm_ctr *vc = st;

	ctr_hist_free(&vc->kstat);
	free(vc);
}

static void thread_free(void *st)
{
	struct thread_ctr *tc = st;

	ctr_hist_free(&tc->perf);
	ctr_hist_free(&tc->kstat);
	free(tc);
}

void model_update_perf(struct model *m, const struct perf_sample *s)
{
	int i;

	for (i = 0; i < s->nthreads; i++) {
		struct vm_thread *t = vmreg_find_tid(&m->reg, s->threads[i].tid);
		struct thread_ctr *tc;

		if (!t || t->vm->pid != s->threads[i].pid)
			continue;
		tc = model_thread_state(m, t, &counters_module);
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
	struct host_ctr *h = model_host_state(m, &counters_module);

	if (type < KE__COUNT)
		h->traced[type] = tracepoint;
}

/*
 * Returns set, or with tracepoint counters the copy of it in the host's scratch with the
 * tracepoints counted from the trace stream added (nev: the scope's events by type), those
 * the kernel does not count per thread. Only while the trace records every event: sampled
 * detail counts a part of them, so those rows go until it is full again.
 */
static const struct ctr_set *with_traced(struct host_ctr *h, const struct kvmstat_sample *s,
					 const struct ctr_set *set, const uint64_t *nev, bool full)
{
	unsigned int type;

	if (strcmp(s->source, "tracepoint") || !full)
		return set;
	ctr_set_copy(&h->scratch, set);
	for (type = 0; type < KE__COUNT; type++)
		if (h->traced[type] && !ctr_set_find(set, h->traced[type]))
			ctr_set_add(&h->scratch, h->traced[type], CTR_COUNT)->value = nev[type];
	return &h->scratch;
}

/* The exact counts the exits module scales sampled detail to, from a VM's or vCPU's set. */
static void exact_of(const struct ctr_set *set, const char *source, bool fresh,
		     struct exits_exact *x)
{
	static const char *const tp[EXACT__N] = {
		[EXACT_EXIT] = "kvm_exit", [EXACT_PIO] = "kvm_pio", [EXACT_MMIO] = "kvm_mmio"
	};
	bool debugfs = !strcmp(source, "debugfs");
	int k;

	memset(x, 0, sizeof(*x));
	x->fresh = fresh;
	for (k = 0; k < EXACT__N; k++) {
		const struct ctr_raw *c;

		/* debugfs counts every exit as "exits"; its io/mmio counts mean other things. */
		if (debugfs && k != EXACT_EXIT)
			continue;
		c = ctr_set_find(set, debugfs ? "exits" : tp[k]);
		if (c && !c->err) {
			x->v[k] = c->value;
			x->have |= 1u << k;
		}
	}
}

void model_update_kvmstat(struct model *m, const struct kvmstat_sample *s)
{
	struct host_ctr *h = model_host_state(m, &counters_module);
	bool full = m->detail.mode != SNAP_DETAIL_SAMPLED;
	struct exits_exact x;
	int v, c;

	if (s->tp_host.ts_ns) {
		h->tp.source = "tracepoint";
		ctr_hist_push(&h->tp, &s->tp_host);
	}
	if (!s->source)
		return;
	h->kstat.source = s->source;
	if (s->host.n || h->kstat.cur.n)
		ctr_hist_push(&h->kstat, &s->host);
	for (v = 0; v < s->nvms; v++) {
		const struct kstat_vm *kv = &s->vms[v];
		struct vm *vm = vmreg_find_pid(&m->reg, kv->pid);
		struct vm_ctr *vc;

		if (!vm)
			continue; /* not a VM procfs shows: in the host totals only */
		vc = model_vm_state(m, vm, &counters_module);
		vc->kstat.source = s->source;
		ctr_hist_push(&vc->kstat, with_traced(h, s, &kv->set, vm->nev, full));
		exact_of(&kv->set, s->source, kv->fresh, &x);
		exits_set_exact_vm(model_vm_state(m, vm, &exits_module), &x);
		for (c = 0; c < kv->nvcpus; c++) {
			struct vm_thread *t = vcpu_by_index(vm, kv->vcpus[c].index);
			struct thread_ctr *tc;

			if (!t)
				continue;
			tc = model_thread_state(m, t, &counters_module);
			tc->kstat.source = s->source;
			ctr_hist_push(&tc->kstat, with_traced(h, s, &kv->vcpus[c].set, t->nev, full));
			exact_of(&kv->vcpus[c].set, s->source, kv->vcpus[c].fresh, &x);
			exits_set_exact_thread(model_thread_state(m, t, &exits_module), &x);
		}
	}
}

static void host_window(void *st, enum model_win op, uint64_t now)
{
	(void)now;
	if (op != MODEL_RESET)
		return;
	ctr_hist_reset(&((struct host_ctr *)st)->kstat);
	ctr_hist_reset(&((struct host_ctr *)st)->tp);
}

static void vm_window(void *st, enum model_win op, uint64_t now)
{
	(void)now;
	if (op == MODEL_RESET)
		ctr_hist_reset(&((struct vm_ctr *)st)->kstat);
}

static void thread_window(void *st, enum model_win op, uint64_t now)
{
	struct thread_ctr *tc = st;

	(void)now;
	if (op != MODEL_RESET)
		return;
	ctr_hist_reset(&tc->perf);
	ctr_hist_reset(&tc->kstat);
}

static void snap_thread(const void *st, const void *vm_st, const struct vm_thread *t,
			const struct model_view *w, struct snap_thread *out)
{
	const struct thread_ctr *tc = st;

	(void)vm_st;
	if (!tc || t->gone)
		return;
	ctr_hist_snap(&tc->perf, w->cumulative, &out->counters, &out->ncounters);
	ctr_hist_snap(&tc->kstat, w->cumulative, &out->counters, &out->ncounters);
}

static void snap_vm(const void *st, const struct vm *vm, const struct model_view *w,
		    struct snap_vm *out)
{
	const struct vm_ctr *vc = st;

	(void)vm;
	if (vc)
		ctr_hist_snap(&vc->kstat, w->cumulative, &out->counters, &out->ncounters);
}

static void snap_host(const void *st, const struct model_view *w, struct snapshot *out)
{
	const struct host_ctr *h = st;

	ctr_hist_snap(&h->kstat, w->cumulative, &out->counters, &out->ncounters);
	ctr_hist_snap(&h->tp, w->cumulative, &out->counters, &out->ncounters);
}

const struct model_module counters_module = {
	.name = "counters",
	.host_new = host_new,
	.vm_new = vm_new,
	.thread_new = thread_new,
	.host_free = host_free,
	.vm_free = vm_free,
	.thread_free = thread_free,
	.host_window = host_window,
	.vm_window = vm_window,
	.thread_window = thread_window,
	.snap_thread = snap_thread,
	.snap_vm = snap_vm,
	.snap_host = snap_host,
};
