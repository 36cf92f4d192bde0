/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the procfs probe returns: VMs, their threads and each thread's cumulative times, and
 * the host's facts. Raw values only; comm and names are untrusted bytes. Neutral types: the
 * probe fills them, the model reads them.
 */
#ifndef KVMSCOPE_PROC_H
#define KVMSCOPE_PROC_H

#include <stdbool.h>
#include <stdint.h>

enum proc_kind {
	PROC_OTHER = 0, /* worker, call_rcu, main loop ... */
	PROC_VCPU,	/* "CPU n/KVM", or blocked in KVM_RUN on a kvm-vcpu:n fd */
	PROC_IOTHREAD,	/* "IO <id>" */
};

#define PROC_COMM_MAX 16   /* kernel TASK_COMM_LEN, NUL included */
#define PROC_NAME_MAX 128  /* VM name, NUL included; longer names are cut */
#define PROC_UUID_MAX 40
#define PROC_ID_MAX   64  /* QEMU -id, NUL included */
#define PROC_WHY_MAX  128 /* why a VM's metadata is unavailable, NUL included */

/* One thread of a VM process: raw cumulative values at the sample time. */
struct proc_thread {
	int tid;
	char comm[PROC_COMM_MAX]; /* raw /proc/TID/comm, NUL-terminated, untrusted */
	enum proc_kind kind;
	int index;		  /* vCPU index, or -1 when not a vCPU / not yet known */
	uint64_t run_ns;	  /* schedstat: time on a CPU */
	uint64_t wait_ns;	  /* schedstat: time runnable, waiting for a CPU */
	uint64_t slices;	  /* schedstat: times scheduled in (context switches in) */
	uint64_t guest_ns;	  /* stat field 43 guest_time, converted from clock ticks */
	uint64_t utime_ns;	  /* stat field 14, converted */
	uint64_t stime_ns;	  /* stat field 15, converted */
	int last_cpu;		  /* stat field 39 */
	char state;		  /* stat field 3: R, S, D ... */
};

/* Where the names of a VM's management layer come from (probes/vmmeta.c). */
enum proc_mgmt {
	PROC_MGMT_NONE = 0, /* none found: a VMM started by hand, or by something unknown */
	PROC_MGMT_LIBVIRT,  /* libvirt's live domain XML (/run/libvirt/qemu/NAME.xml) */
	PROC_MGMT_PROXMOX,  /* a Proxmox VE guest config (/etc/pve/qemu-server/VMID.conf) */
};

/*
 * The names a VM's management layer gives it, read from that layer's files. Raw bytes from
 * files others write: untrusted like every name. "" where the layer gives none.
 */
struct proc_meta {
	uint8_t mgmt;		    /* enum proc_mgmt: whose file this VM has */
	bool unavailable;	    /* the file is there but was not read: why says */
	char why[PROC_WHY_MAX];	    /* "file.xml: 104857600 bytes, over the 1 MiB cap" */
	char name[PROC_NAME_MAX];   /* libvirt's domain <name>; Proxmox's name: */
	char title[PROC_NAME_MAX];  /* libvirt's <title> */
	char uuid[PROC_UUID_MAX];   /* libvirt's <uuid>; Proxmox's smbios1 uuid= */
	/* OpenStack nova's <metadata> in the libvirt domain (nova:instance): */
	char nova_name[PROC_NAME_MAX];	  /* the instance's display name */
	char nova_project[PROC_NAME_MAX]; /* nova:owner/nova:project */
	char nova_user[PROC_NAME_MAX];	  /* nova:owner/nova:user */
	char nova_flavor[PROC_NAME_MAX];  /* nova:flavor name= */
};

/* One VM process. */
struct proc_vm {
	int pid;
	uint64_t starttime;	  /* stat field 22: tells a reused pid from the old one */
	char comm[PROC_COMM_MAX]; /* raw, untrusted */
	char name[PROC_NAME_MAX]; /* from -name (guest=X / X, ",," unescaped); "" if none */
	char uuid[PROC_UUID_MAX]; /* from -uuid; "" if none */
	char id[PROC_ID_MAX];	  /* from -id (Proxmox VE: the vmid); "" if none */
	struct proc_meta meta;	  /* filled by vmmeta_sample(); zero from procfs_sample() */
	int nvcpu_fds;		  /* anon_inode:kvm-vcpu:N fds held */
	struct proc_thread *threads; /* nthreads entries, owned by the sample */
	int nthreads;
	int threads_cap;
};

/* Host facts read once at open. */
struct proc_host {
	char hostname[65];
	char release[65];	/* kernel release */
	char kvm_module[32];	/* "kvm_intel", "kvm_amd", "kvm_pvm"..., "" if none loaded */
	bool kvm_unregistered;	/* /proc/misc readable and without "kvm": no /dev/kvm */
	int ncpus;		/* online CPUs */
};

/*
 * Filled by procfs_sample(). The caller owns the struct; the probe grows the arrays it
 * points to and procfs_sample_free() releases them. A sample is reused across ticks.
 */
struct procfs_sample {
	uint64_t ts_ns;		/* CLOCK_MONOTONIC when the scan started */
	struct proc_vm *vms;	/* nvms entries */
	int nvms;
	int vms_cap;
	int scan_errors;	/* processes or threads that vanished or could not be read */
	/* Processes whose fds could not be read: whether they hold a VM is unknown. */
	int unreadable;
	int unreadable_vmms; /* of them, those that look like a VMM (qemu, crosvm, -enable-kvm) */
	bool others_hidden;  /* not root: other users' processes, VMs among them, are hidden */
	int listed;	     /* processes the sample's listings of the root read; 0: none */
	int newcomers;	     /* processes first seen in this sample */
	int announced;	     /* VMs made or ended, as KVM's uevents said since the last sample */
	int looked;	     /* processes whose fds the sample looked at (at least a stat) */
	/*
	 * No discovery in this sample: the VMs of the last full scan, their threads read
	 * through files kept open. schedstat is read for every thread, stat only for vCPUs
	 * and threads with guest time: for the others, what stat gives (comm, utime, stime,
	 * state, last_cpu) is as the last scan read it.
	 */
	bool light;
};

#endif
