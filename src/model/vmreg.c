// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vmreg.h"

void vmreg_init(struct vmreg *r)
{
	memset(r, 0, sizeof(*r));
}

static void thread_release(struct vm_thread *t, const struct vmreg_release *rel)
{
	if (rel && rel->thread)
		rel->thread(t, rel->arg);
	free(t);
}

static void vm_release(struct vm *vm, const struct vmreg_release *rel)
{
	int i;

	for (i = 0; i < vm->nthreads; i++)
		thread_release(vm->threads[i], rel);
	if (rel && rel->vm)
		rel->vm(vm, rel->arg);
	free(vm->threads);
	free(vm);
}

void vmreg_free(struct vmreg *r, const struct vmreg_release *rel)
{
	int i;

	for (i = 0; i < r->nvms; i++)
		vm_release(r->vms[i], rel);
	free(r->vms);
	free(r->tids);
	memset(r, 0, sizeof(*r));
}

void vmreg_begin(struct vmreg *r)
{
	r->gen++;
}

struct vm *vmreg_vm(struct vmreg *r, int pid, uint64_t starttime, uint64_t now)
{
	struct vm *vm;
	int i;

	for (i = 0; i < r->nvms; i++) {
		vm = r->vms[i];
		/* A reused pid is a new VM; the old one is swept as gone. */
		if (vm->pid == pid && vm->starttime == starttime && !vm->gone) {
			vm->seen = r->gen;
			return vm;
		}
	}
	vm = xcalloc(1, sizeof(*vm));
	vm->pid = pid;
	vm->starttime = starttime;
	vm->seen = r->gen;
	vm->first_ts = now;
	r->vms = xgrow(r->vms, &r->vms_cap, r->nvms + 1, sizeof(*r->vms));
	r->vms[r->nvms++] = vm;
	return vm;
}

struct vm_thread *vmreg_thread(struct vmreg *r, struct vm *vm, int tid)
{
	struct vm_thread *t;
	int i;

	for (i = 0; i < vm->nthreads; i++) {
		t = vm->threads[i];
		if (t->tid == tid && !t->gone) {
			t->seen = r->gen;
			return t;
		}
	}
	t = xcalloc(1, sizeof(*t));
	t->tid = tid;
	t->index = -1;
	t->vm = vm;
	t->seen = r->gen;
	vm->threads = xgrow(vm->threads, &vm->threads_cap, vm->nthreads + 1, sizeof(*vm->threads));
	vm->threads[vm->nthreads++] = t;
	return t;
}

static unsigned int tid_slot(unsigned int tid, unsigned int mask)
{
	return (tid * 2654435761u) & mask;
}

static void index_rebuild(struct vmreg *r)
{
	unsigned int n = 0, size = 64, s;
	int v, k;

	for (v = 0; v < r->nvms; v++)
		n += (unsigned int)r->vms[v]->nthreads;
	while (size < n * 2)
		size *= 2;
	if (size - 1 != r->tids_mask) {
		free(r->tids);
		r->tids = xcalloc(size, sizeof(*r->tids));
		r->tids_mask = size - 1;
	} else {
		memset(r->tids, 0, size * sizeof(*r->tids));
	}
	for (v = 0; v < r->nvms; v++) {
		for (k = 0; k < r->vms[v]->nthreads; k++) {
			struct vm_thread *t = r->vms[v]->threads[k];

			if (t->gone)
				continue;
			for (s = tid_slot((unsigned int)t->tid, r->tids_mask); r->tids[s];
			     s = (s + 1) & r->tids_mask)
				;
			r->tids[s] = t;
		}
	}
}

void vmreg_sweep(struct vmreg *r, const struct vmreg_release *rel)
{
	int v, k, keep_v = 0;

	for (v = 0; v < r->nvms; v++) {
		struct vm *vm = r->vms[v];
		int keep_t = 0;

		if (vm->gone) {
			vm_release(vm, rel);
			continue;
		}
		if (vm->seen != r->gen)
			vm->gone = true;
		for (k = 0; k < vm->nthreads; k++) {
			struct vm_thread *t = vm->threads[k];

			if (t->gone) {
				thread_release(t, rel);
				continue;
			}
			if (t->seen != r->gen || vm->gone)
				t->gone = true;
			vm->threads[keep_t++] = t;
		}
		vm->nthreads = keep_t;
		r->vms[keep_v++] = vm;
	}
	r->nvms = keep_v;
	index_rebuild(r);
}

struct vm_thread *vmreg_find_tid(const struct vmreg *r, int tid)
{
	unsigned int s;
	struct vm_thread *t;

	if (!r->tids)
		return NULL;
	for (s = tid_slot((unsigned int)tid, r->tids_mask); (t = r->tids[s]);
	     s = (s + 1) & r->tids_mask)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct vm *vmreg_find_pid(const struct vmreg *r, int pid)
{
	struct vm *found = NULL;
	int i;

	/* A live VM wins over a gone one that had the same pid. */
	for (i = 0; i < r->nvms; i++)
		if (r->vms[i]->pid == pid && (!found || found->gone))
			found = r->vms[i];
	return found;
}
