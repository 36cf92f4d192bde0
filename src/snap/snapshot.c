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
	/* What an admin was given in a ticket first: a title is set by hand for that. */
	if (vm->mgmt.title[0])
		return vm->mgmt.title;
	if (vm->mgmt.nova_name[0])
		return vm->mgmt.nova_name;
	if (vm->mgmt.name[0])
		return vm->mgmt.name;
	if (vm->name[0])
		return vm->name;
	snprintf(buf, (size_t)bufsz, "%s:%d", vm->comm, vm->pid);
	return buf;
}

/* Appends a name to out unless it is empty or there already; returns the new count. */
static int name_add(struct snap_vm_name *out, int n, int max, const char *what, const char *value)
{
	int i;

	if (!value[0] || n >= max)
		return n;
	for (i = 0; i < n; i++)
		if (!strcmp(out[i].value, value))
			return n;
	out[n].what = what;
	out[n].value = value;
	return n + 1;
}

const char *snap_mgmt_name(unsigned int source)
{
	static const char *const names[SNAP_MGMT__N] = { [SNAP_MGMT_NONE] = "",
							 [SNAP_MGMT_LIBVIRT] = "libvirt",
							 [SNAP_MGMT_PROXMOX] = "proxmox" };
	return source < SNAP_MGMT__N ? names[source] : "";
}

int snap_vm_names(const struct snap_vm *vm, struct snap_vm_name *out, int max)
{
	const struct snap_mgmt *m = &vm->mgmt;
	bool pve = m->source == SNAP_MGMT_PROXMOX;
	int n = 0;

	n = name_add(out, n, max, "title", m->title);
	n = name_add(out, n, max, "nova name", m->nova_name);
	n = name_add(out, n, max, pve ? "proxmox name" : "libvirt name", m->name);
	n = name_add(out, n, max, "-name", vm->name);
	n = name_add(out, n, max, "nova project", m->nova_project);
	n = name_add(out, n, max, "nova user", m->nova_user);
	n = name_add(out, n, max, "nova flavor", m->nova_flavor);
	n = name_add(out, n, max, "-uuid", vm->uuid);
	n = name_add(out, n, max, pve ? "proxmox uuid" : "libvirt uuid", m->uuid);
	n = name_add(out, n, max, pve ? "-id (vmid)" : "-id", vm->id);
	return n;
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

int snap_lat_bucket(uint64_t ns)
{
	int k = ns ? 63 - __builtin_clzll(ns) : 0;

	return k < SNAP_LAT_BUCKETS ? k : SNAP_LAT_BUCKETS - 1;
}

uint64_t snap_lat_low(int k)
{
	return k <= 0 ? 0 : (uint64_t)1 << k;
}

uint64_t snap_lat_high(int k)
{
	return k >= SNAP_LAT_BUCKETS - 1 ? UINT64_MAX : ((uint64_t)2 << k) - 1;
}

uint64_t snap_lat_count(const struct snap_lat *l)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < SNAP_LAT_BUCKETS; k++)
		n += l->b[k];
	return n;
}

void snap_lat_add(struct snap_lat *dst, const struct snap_lat *src)
{
	int k;

	for (k = 0; k < SNAP_LAT_BUCKETS; k++)
		dst->b[k] += src->b[k];
}
