/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's uevents: the kernel announces each VM it makes or ends (Linux 4.13 and later) as a
 * "change" uevent of the kvm misc device, with the id of the task that made it (PID=, a
 * thread id). A listener on the kernel's uevent socket hears them as they happen, so VM
 * discovery need not look at every process's fds to find a VM made by a process that was
 * already running.
 */
#ifndef KVMSCOPE_KVMUEVENT_H
#define KVMSCOPE_KVMUEVENT_H

#include <stdbool.h>
#include <stddef.h>

/* The header of KVM's uevents: action "change", the kvm misc device's path. */
#define KVMUEVENT_HEAD "change@/devices/virtual/misc/kvm"

struct kvmuevent;

/*
 * Returns a listener on the kernel's uevent socket that hears only KVM's (a socket filter
 * drops the rest in the kernel), or NULL with errno set. Its network namespace must be one
 * the kernel broadcasts device uevents to (see kvmuevent_heard()).
 */
struct kvmuevent *kvmuevent_open(void);
void kvmuevent_close(struct kvmuevent *u);

/* Returns the listener's socket, readable when a uevent waits: for a loop's poll. */
int kvmuevent_fd(const struct kvmuevent *u);

/*
 * Returns whether the kernel sends its device uevents where this process listens: a
 * network namespace owned by the initial user namespace, on Linux 4.13 or later.
 */
bool kvmuevent_heard(void);

/* A VM made or ended, as its uevent says. */
struct kvmuevent_vm {
	int tid;     /* the task that made it (a thread id; maybe gone since) */
	bool create; /* made; else ended */
};

/*
 * Returns the number of VMs made or ended since the last call, at most n into vms. *lost
 * is set when some may be missing: the kernel dropped some (the socket's queue overflowed)
 * or more than n were there. Messages that are not KVM's, or not from the kernel, are
 * skipped.
 */
int kvmuevent_read(struct kvmuevent *u, struct kvmuevent_vm *vms, int n, bool *lost);

/*
 * Returns 1 with what a KVM VM uevent says (EVENT=create or EVENT=destroy, PID=N) in *vm,
 * or 0 when buf (len bytes, NUL-terminated strings as the kernel sends them) is not one.
 * Pure.
 */
int kvmuevent_parse(const char *buf, size_t len, struct kvmuevent_vm *vm);

#endif
