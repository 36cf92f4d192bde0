/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM names from a VMM's command line. QEMU takes -name NAME or -name guest=NAME[,opt=...]
 * (also with two dashes), where ",," stands for a literal comma, -uuid UUID and -id ID
 * (Proxmox VE passes its vmid there).
 * Pure parsing over caller-owned buffers: no allocation.
 */
#ifndef KVMSCOPE_VMNAME_H
#define KVMSCOPE_VMNAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Returns 1 when a name was found and written to name (NUL-terminated, cut to namesz - 1
 * bytes), 0 when the command line has none, -EINVAL on malformed input (e.g. -name as the
 * last argument). argv is the raw /proc/PID/cmdline: arguments separated by NUL bytes, len
 * bytes long, not necessarily NUL-terminated. The result is raw bytes: it may hold control
 * characters, which the caller escapes before display.
 */
int vmname_parse(const char *argv, size_t len, char *name, size_t namesz);

/* Returns 1 and copies the -uuid argument to uuid, 0 when absent, -EINVAL if malformed. */
int vmname_uuid(const char *argv, size_t len, char *uuid, size_t uuidsz);

/*
 * Returns 1 and copies the last -id argument to id (raw, cut to idsz - 1 bytes), 0 when
 * absent or empty, -EINVAL when -id is the last argument.
 */
int vmname_id(const char *argv, size_t len, char *id, size_t idsz);

/*
 * Returns whether a process could be a VMM, from what anyone may read of it: the base name of
 * its program (argv[0], the exe link's target when readable, or its comm) is one (qemu*,
 * kvm, lkvm, kvmtool, crosvm, firecracker, cloud-hypervisor, kvmscope-storm), or an argument
 * asks for KVM (-enable-kvm, -accel kvm, accel=kvm). exe and comm may be NULL or "". Such a
 * process whose fds cannot be read may hide a VM; any other holds none that matters here.
 */
bool vmname_vmm_like(const char *argv, size_t len, const char *exe, const char *comm);

#endif
