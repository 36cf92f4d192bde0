/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmeta probe: the names a VM's management layer gives it, read from that layer's files,
 * with no connection to any daemon. libvirt keeps each running domain's live XML in
 * /run/libvirt/qemu/NAME.xml (NAME is QEMU's -name guest=, the domain's pid is in
 * <domstatus pid=...>): <name>, <title>, <uuid> and, under OpenStack, nova's <metadata>
 * (instance name, flavor, user and project). Proxmox VE keeps each guest's config in
 * /etc/pve/qemu-server/VMID.conf, VMID being QEMU's -id: its name: line.
 *
 * The files are written by others and read as root: each is read only when the VM is new
 * or the file changed (inode, size, times), through a size cap, and the XML with expat with
 * no DTD, no entity and no external reference allowed and a depth cap, so a hostile file
 * costs a line saying why ("unavailable: ...") and never a hang.
 */
#ifndef KVMSCOPE_VMMETA_H
#define KVMSCOPE_VMMETA_H

#include <stddef.h>

#include "proc.h"

#define VMMETA_FILE_MAX	 (1 << 20) /* bytes: a big domain's live XML is ~100 KiB */
#define VMMETA_DEPTH_MAX 64	   /* XML elements nested; libvirt's go ~8 deep */

#define VMMETA_LIBVIRT_DIR "/run/libvirt/qemu"
#define VMMETA_PVE_DIR	   "/etc/pve/qemu-server"

struct vmmeta;

/*
 * Returns a probe reading libvirt's live XML under libvirt_dir and Proxmox's configs under
 * pve_dir (NULL: the defaults above; either may be missing now and appear later).
 * Allocation cannot fail (util.h).
 */
struct vmmeta *vmmeta_open(const char *libvirt_dir, const char *pve_dir);
void vmmeta_close(struct vmmeta *m);

/*
 * Returns 0 after filling the meta of every VM in s (by pid, comm, -name, -uuid and -id,
 * as procfs_sample() left them), reading a file only for a VM not seen before, when its
 * file changed, or when its directory changed for a VM that had none.
 */
int vmmeta_sample(struct vmmeta *m, struct procfs_sample *s);

/* Returns how many files the probe opened to read since it was opened (for tests). */
unsigned long vmmeta_reads(const struct vmmeta *m);

/*
 * Returns 0 with the names of a libvirt domain XML (len bytes; live: <domstatus> around
 * <domain>; or a bare <domain>) in meta and its <domstatus pid=...> in *pid (0 when none),
 * or -EINVAL (not a domain, not well-formed, a DTD or entity, nested too deep) or -EFBIG
 * (over VMMETA_FILE_MAX) with why in meta->why. meta->mgmt is set to libvirt either way.
 */
int vmmeta_parse_libvirt(const char *buf, size_t len, struct proc_meta *meta, int *pid);

/*
 * Returns 0 with the names of a Proxmox VE guest config (len bytes) in meta, or -EFBIG
 * (over VMMETA_FILE_MAX) with why in meta->why. Only the current config counts: the
 * sections of snapshots ([name]) that follow it are not read.
 */
int vmmeta_parse_pve(const char *buf, size_t len, struct proc_meta *meta);

#endif
