/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmscope-storm's VM: one KVM VM in real mode, its vCPU threads ("CPU N/KVM") and its
 * iothread ("IO iothread0"), shaped like QEMU's so that kvmscope finds it the same way.
 * Functions return 0 or -errno; on failure they leave in the VM the line to print.
 */
#ifndef KVMSCOPE_STORM_VM_H
#define KVMSCOPE_STORM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "storm_io.h"

#define STORM_MAX_VCPUS	    64
#define STORM_MAX_THREADS   4096 /* --threads: idle "worker" threads beside the vCPUs */
#define STORM_IDLE_RATE	    100	 /* idle interrupts per second when --rate is 0 */
#define STORM_IDLE_RATE_MAX 5000 /* KVM's min_timer_period_us is 200 by default */
#define STORM_WHY_MAX	    256

enum storm_scenario {
	STORM_TIMER,
	STORM_APIC,
	STORM_PIT,
	STORM_VIRTIO,
	STORM_IDLE,
};

/* The command line; owned by main, read-only once the VM exists. */
struct storm_opts {
	enum storm_scenario scenario;
	unsigned int vcpus;
	unsigned int threads; /* idle "worker" threads, as a VMM's thread pool has */
	uint64_t rate;	      /* iterations per vCPU per second, 0 = unpaced */
	double duration;      /* seconds, 0 = until signalled */
	double start_delay;   /* seconds between the threads' creation and the guest's start */
	double create_delay;  /* seconds from the start of the process to the VM's creation */
	long halt_poll_ns;    /* the VM's halt polling limit, -1 = the kernel's default */
	const char *name;     /* -name argument, kept for the command line only */
	const char *io_file;  /* NULL: a temporary file in /var/tmp */
};

/*
 * What one vCPU did. Its vCPU thread writes the exit counts and, once stopped, the counts
 * read from guest registers; the iothread writes completions and io_ns_*. main reads them
 * after joining both.
 */
struct storm_stats {
	uint64_t iterations;
	uint64_t userspace_exits; /* KVM_RUN returns, as kvm_userspace_exit counts them */
	uint64_t ctl_exits;	  /* pacing exits on STORM_PORT_CTL */
	uint64_t pio_pmtmr;
	uint64_t pio_pit;
	uint64_t mmio_eoi;
	uint64_t mmio_icr;
	uint64_t mmio_tmict;
	uint64_t notifies; /* notify port writes by the guest */
	uint64_t irqs;	   /* interrupts taken by the guest */
	uint64_t halts;
	uint64_t completions; /* irqfd writes by the iothread */
	uint64_t io_ns_total;
	uint64_t io_ns_max;
	uint64_t user_ns; /* wall time from each KVM_RUN return to the next call: the VMM's part */
	uint64_t run_ns;  /* wall time from the start to this vCPU's leaving its KVM_RUN loop */
};

/* One vCPU; owned by its struct storm_vm, which closes and unmaps it. */
struct storm_vcpu {
	struct storm_vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	int notify_fd; /* ioeventfd on the notify port (virtio), else -1 */
	int irq_fd;    /* irqfd on this vCPU's MSI route (virtio), else -1 */
	struct storm_stats st;
	uint64_t t_end_ns; /* when the thread left its KVM_RUN loop */
	/* The iothread's: a completion held back by --rate, and when it is due. */
	bool held;
	uint64_t held_until_ns;
};

/* The VM; owned by main (it lives on main's stack), torn down by storm_vm_destroy(). */
struct storm_vm {
	const struct storm_opts *opts;
	int kvm_fd;
	int vm_fd;
	uint8_t *mem;
	size_t run_size;
	struct storm_vcpu *vcpus;
	struct storm_io io;
	pthread_t *workers; /* --threads idle threads; nworkers of them started */
	unsigned int nworkers;
	int stop_fd; /* eventfd that wakes the iothread and the workers at stop */
	int go_fd;   /* eventfd, readable once the guest may start or the VM stops */
	pthread_t main_thread;

	/* Iterations between two control exits of the pit and apic loops. */
	unsigned int batch;   /* the guest's DI: loop passes per control exit */
	uint64_t batch_iters; /* iterations per control exit */

	pthread_mutex_t lock; /* guards ready and the failure fields */
	pthread_cond_t cond;
	unsigned int ready; /* threads named and waiting for go */
	bool go;	    /* read and written with __atomic builtins, as is stop */
	int stop;
	uint64_t t_go_ns;
	uint64_t t_stop_ns; /* the stop, or the last vCPU's leaving KVM_RUN if later */

	int fail_err; /* first failure in a thread: -errno, or -EIO for a guest failure */
	char why[STORM_WHY_MAX]; /* the failure as one line, without the program name */
};

/* Returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t storm_now_ns(void);

/* Returns NULL; the iothread's body, started by storm_vm_start() with the struct storm_vm. */
void *storm_iothread(void *vm);

/* Returns when the done-th iteration of a vCPU paced at --rate is due, in ns. */
uint64_t storm_vm_due_ns(const struct storm_vm *vm, uint64_t done);

/* Returns 0 with the VM, its vCPUs and devices created, or -errno with vm->why set. */
int storm_vm_create(struct storm_vm *vm, const struct storm_opts *opts);

/* Returns 0 once every thread exists, is named and waits for storm_vm_go(). */
int storm_vm_start(struct storm_vm *vm);

/* Returns nothing; lets the guest loops run from now. */
void storm_vm_go(struct storm_vm *vm);

/* Returns nothing; stops the vCPUs and the iothread and joins them. Safe to call twice. */
void storm_vm_stop(struct storm_vm *vm);

/* Returns nothing; closes and frees everything storm_vm_create() made. */
void storm_vm_destroy(struct storm_vm *vm);

/* Returns true once a stop was asked for. */
bool storm_vm_stopping(struct storm_vm *vm);

/* Returns true when the guest may start, false when the VM stopped before it did. */
bool storm_vm_wait_go(struct storm_vm *vm);

/* Returns nothing; a thread announces it is named and about to wait for go. */
void storm_vm_ready(struct storm_vm *vm);

/* Returns nothing; records a thread's fatal error as one line (the first wins), wakes main. */
void storm_vm_fail(struct storm_vm *vm, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
