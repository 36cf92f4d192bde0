// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static void thread_free(struct snap_thread *t)
{
	free(t->exits);
	free(t->counters);
}

static void vm_free(struct snap_vm *vm)
{
	int i;

	for (i = 0; i < vm->nthreads; i++)
		thread_free(&vm->threads[i]);
	free(vm->threads);
	free(vm->exits);
	free(vm->hot);
	free(vm->hints);
	free(vm->counters);
	free(vm->wake);
}

void snapshot_free(struct snapshot *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nvms; i++)
		vm_free(&s->vms[i]);
	free(s->vms);
	free(s->counters);
	free(s);
}

const struct snap_vm *snapshot_vm(const struct snapshot *s, int pid)
{
	const struct snap_vm *found = NULL;
	int i;

	for (i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid && (!found || found->gone))
			found = &s->vms[i];
	return found;
}

const struct snap_thread *snapshot_thread(const struct snap_vm *vm, int tid)
{
	int i;

	for (i = 0; i < vm->nthreads; i++)
		if (vm->threads[i].tid == tid)
			return &vm->threads[i];
	return NULL;
}

const struct snap_source *snapshot_source(const struct snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->nsources; i++)
		if (!strcmp(s->sources[i].name, name))
			return &s->sources[i];
	return NULL;
}

const char *snap_vm_label(const struct snap_vm *vm, char *buf, int bufsz)
{
	if (vm->name[0])
		return vm->name;
	snprintf(buf, (size_t)bufsz, "%s:%d", vm->comm, vm->pid);
	return buf;
}

/* Returns the name without a "perf::" PMU prefix. */
static const char *bare(const char *name)
{
	return strncmp(name, "perf::", 6) ? name : name + 6;
}

const struct snap_counter *snap_counter_find(const struct snap_counter *c, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(bare(c[i].name), bare(name)))
			return &c[i];
	return NULL;
}

const char *snap_state_name(unsigned int state)
{
	switch (state) {
	case SNAP_SRC_OK:
		return "ok";
	case SNAP_SRC_DEGRADED:
		return "degraded";
	case SNAP_SRC_UNAVAILABLE:
		return "unavailable";
	default:
		return "off";
	}
}

const char *snap_wake_class_name(unsigned int cls)
{
	static const char *const names[WAKE__CLASSES] = {
		[WAKE_IOEVENTFD] = "ioeventfd", [WAKE_IRQFD] = "irqfd", [WAKE_IO] = "io",
		[WAKE_TIMER] = "timer",		[WAKE_OTHER] = "other",
	};

	return cls < WAKE__CLASSES ? names[cls] : "?";
}

const char *snap_hot_kind_name(unsigned int kind)
{
	static const char *const names[HOT__KINDS] = {
		[HOT_PIO] = "pio", [HOT_MMIO] = "mmio", [HOT_MSR] = "msr"
	};

	return kind < HOT__KINDS ? names[kind] : "?";
}
