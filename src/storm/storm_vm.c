// SPDX-License-Identifier: GPL-2.0
/*
 * The VM and its vCPU threads. Each vCPU thread loops on KVM_RUN and answers what the
 * guest asks of userspace: PM timer reads (timer) and the pacing exits (pit, apic). The
 * in-kernel storms count themselves in guest registers, read once the vCPU has stopped,
 * so that the storm pays for no extra exit to keep exact counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "storm_guest.h"
#include "storm_vm.h"

#define PM_TIMER_HZ    3579545ull
#define NSEC_PER_SEC   1000000000ull
#define MSI_GSI_BASE   24	  /* above the IOAPIC's pins, as QEMU numbers MSI routes */
#define APIC_TIMER_CNT 0x10000000 /* 268 ms at KVM's 1 GHz APIC bus: rewritten long before */
#define APIC_ICR_SELF  (0x40000 | 0x4000 | STORM_VEC_SELF) /* self, assert, fixed */

/* Returns err after recording why, the whole line main prints after the program name. */
static int vm_why(struct storm_vm *vm, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int vm_why(struct storm_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
	va_end(ap);
	return err;
}

/* Returns the ioctl's result, or -errno with why naming the request. */
static int vm_ioctl(struct storm_vm *vm, int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		return vm_why(vm, -errno, "%s: %s", name, strerror(errno));
	return r;
}

#define VM_IOCTL(vm, fd, req, arg) vm_ioctl(vm, fd, req, (void *)(arg), #req)

uint64_t storm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t storm_vm_due_ns(const struct storm_vm *vm, uint64_t done)
{
	uint64_t rate = vm->opts->rate;

	return vm->t_go_ns + done / rate * NSEC_PER_SEC + done % rate * NSEC_PER_SEC / rate;
}

/* Returns the ACPI PM timer: 24 bits counting at 3.579545 MHz from CLOCK_MONOTONIC. */
static uint32_t pm_timer_now(void)
{
	unsigned __int128 ticks = (unsigned __int128)storm_now_ns() * PM_TIMER_HZ / NSEC_PER_SEC;

	return (uint32_t)ticks & 0xffffff;
}

/* Returns 0 with guest memory mapped, the guest code copied and the IVT filled in. */
static int vm_memory(struct storm_vm *vm)
{
	struct kvm_userspace_memory_region region;
	size_t code = (size_t)(storm_guest_end - storm_guest_start);
	uint16_t *ivt;
	unsigned int vec;
	int err = 0;

	if (code > STORM_CODE_MAX) {
		err = vm_why(vm, -E2BIG, "guest code is %zu bytes, more than %d", code,
			     STORM_CODE_MAX);
		goto out;
	}
	vm->mem = mmap(NULL, STORM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		err = vm_why(vm, -errno, "guest memory: %s", strerror(errno));
		goto out;
	}
	memcpy(vm->mem + STORM_CODE_GPA, storm_guest_start, code);
	/* Real-mode IVT at 0: offset, segment. Segment 0 matches CS, whose base is 0. */
	ivt = (uint16_t *)vm->mem;
	for (vec = 0; vec < 256; vec++) {
		ivt[vec * 2] = (uint16_t)storm_guest_addr(storm_guest_unexpected);
		ivt[vec * 2 + 1] = 0;
	}
	ivt[STORM_VEC_VIRTIO * 2] = (uint16_t)storm_guest_addr(storm_guest_irq);
	ivt[STORM_VEC_IDLE * 2] = (uint16_t)storm_guest_addr(storm_guest_idle_irq);

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = STORM_MEM_SIZE,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	err = VM_IOCTL(vm, vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (err > 0)
		err = 0;
out:
	return err;
}

/* Returns nothing; fills r with the registers that start v on its scenario's loop. */
static void vcpu_initial_regs(struct storm_vm *vm, struct storm_vcpu *v, struct kvm_regs *r)
{
	uint64_t idle_rate = vm->opts->rate ? vm->opts->rate : STORM_IDLE_RATE;

	memset(r, 0, sizeof(*r));
	r->rflags = 0x2;
	r->rsp = STORM_STACK_SIZE;
	switch (vm->opts->scenario) {
	case STORM_TIMER:
		r->rip = storm_guest_addr(storm_guest_timer);
		r->rdx = STORM_PORT_PMTMR;
		break;
	case STORM_PIT:
		r->rip = storm_guest_addr(storm_guest_pit);
		r->rdx = STORM_PORT_CTL;
		r->rdi = vm->batch & 0xffff;
		break;
	case STORM_APIC:
		r->rip = storm_guest_addr(storm_guest_apic);
		r->rbx = APIC_ICR_SELF;
		r->rcx = APIC_TIMER_CNT;
		r->rdx = STORM_PORT_CTL;
		r->rdi = vm->batch & 0xffff;
		break;
	case STORM_VIRTIO:
		r->rip = storm_guest_addr(storm_guest_virtio);
		r->rax = v->index;
		r->rdx = STORM_PORT_NOTIFY;
		break;
	case STORM_IDLE:
		r->rip = storm_guest_addr(storm_guest_idle);
		r->rcx = NSEC_PER_SEC / idle_rate; /* bus cycles of 1 ns, divide by 1 */
		break;
	}
}

/* Returns 0 with v's vCPU created, its kvm_run mapped and its registers set. */
static int vcpu_create(struct storm_vm *vm, struct storm_vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t ss;
	int err;

	err = v->fd = VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->index);
	if (err < 0)
		goto out;
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		err = vm_why(vm, -errno, "mmap of kvm_run: %s", strerror(errno));
		goto out;
	}
	err = VM_IOCTL(vm, v->fd, KVM_GET_SREGS, &sregs);
	if (err < 0)
		goto out;
	/* Real mode; DS reaches the LAPIC page so that its registers are plain offsets. */
	ss = STORM_STACK_GPA + (uint64_t)v->index * STORM_STACK_SIZE;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = STORM_LAPIC_GPA;
	sregs.ds.selector = 0;
	sregs.es.base = sregs.fs.base = sregs.gs.base = 0;
	sregs.es.selector = sregs.fs.selector = sregs.gs.selector = 0;
	sregs.ss.base = ss;
	sregs.ss.selector = (uint16_t)(ss >> 4);
	err = VM_IOCTL(vm, v->fd, KVM_SET_SREGS, &sregs);
	if (err < 0)
		goto out;
	vcpu_initial_regs(vm, v, &regs);
	err = VM_IOCTL(vm, v->fd, KVM_SET_REGS, &regs);
	if (err < 0)
		goto out;
	/* With an in-kernel LAPIC the APs would wait for INIT/SIPI; start them all at once. */
	err = VM_IOCTL(vm, v->fd, KVM_SET_MP_STATE, &mp);
	if (err > 0)
		err = 0;
out:
	return err < 0 ? err : 0;
}

/*
 * Returns 0 with each vCPU's notify bound to an ioeventfd (port STORM_PORT_NOTIFY, data =
 * the queue index = the vCPU index) and its completion to an irqfd on an MSI route. MSI,
 * not an IOAPIC pin: an irqfd on an MSI route injects in the context of the thread that
 * writes it, so the iothread itself wakes the halted vCPU, where a pin would defer the
 * injection to a kworker.
 */
static int vm_virtio(struct storm_vm *vm)
{
	unsigned int i, n = vm->opts->vcpus;
	struct kvm_irq_routing *routing;
	int err = 0;

	routing = calloc(1, sizeof(*routing) + n * sizeof(routing->entries[0]));
	if (!routing) {
		err = vm_why(vm, -ENOMEM, "GSI routing table: %s", strerror(ENOMEM));
		goto out;
	}
	routing->nr = n;
	for (i = 0; i < n; i++) {
		struct kvm_irq_routing_entry *e = &routing->entries[i];

		e->gsi = MSI_GSI_BASE + i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = STORM_LAPIC_GPA | (i << 12); /* physical, APIC ID i */
		e->u.msi.address_hi = 0;
		e->u.msi.data = STORM_VEC_VIRTIO; /* fixed, edge */
	}
	err = VM_IOCTL(vm, vm->vm_fd, KVM_SET_GSI_ROUTING, routing);
	if (err < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct storm_vcpu *v = &vm->vcpus[i];
		struct kvm_ioeventfd ioev;
		struct kvm_irqfd irqfd;

		v->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		v->irq_fd = eventfd(0, EFD_CLOEXEC);
		if (v->notify_fd < 0 || v->irq_fd < 0) {
			err = vm_why(vm, -errno, "eventfd: %s", strerror(errno));
			goto out;
		}
		ioev = (struct kvm_ioeventfd){
			.datamatch = i,
			.addr = STORM_PORT_NOTIFY,
			.len = 2,
			.fd = v->notify_fd,
			.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		err = VM_IOCTL(vm, vm->vm_fd, KVM_IOEVENTFD, &ioev);
		if (err < 0)
			goto out;
		irqfd = (struct kvm_irqfd){ .fd = (uint32_t)v->irq_fd, .gsi = MSI_GSI_BASE + i };
		err = VM_IOCTL(vm, vm->vm_fd, KVM_IRQFD, &irqfd);
		if (err < 0)
			goto out;
	}
	err = 0;
out:
	free(routing);
	return err;
}

/* Returns nothing; sets how many iterations the pit and apic loops run per control exit. */
static void vm_batch(struct storm_vm *vm)
{
	uint64_t rate = vm->opts->rate, per_exit = 1000;
	unsigned int unroll = 1;

	if (vm->opts->scenario == STORM_PIT) {
		unroll = STORM_PIT_UNROLL;
		per_exit *= STORM_PIT_UNROLL;
	}
	/* Unpaced: one exit per 65536 passes. Paced: about 1000 exits per second at most. */
	vm->batch = 65536;
	if (rate && rate / per_exit < 65536)
		vm->batch = rate < per_exit ? 1 : (unsigned int)(rate / per_exit);
	vm->batch_iters = (uint64_t)vm->batch * unroll;
}

int storm_vm_create(struct storm_vm *vm, const struct storm_opts *opts)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_enable_cap cap;
	unsigned int i;
	int err, max;

	memset(vm, 0, sizeof(*vm));
	vm->opts = opts;
	vm->kvm_fd = vm->vm_fd = vm->stop_fd = vm->go_fd = -1;
	storm_io_init(&vm->io);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->main_thread = pthread_self();
	vm_batch(vm);

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		err = vm_why(vm, -errno, "/dev/kvm: %s", strerror(errno));
		goto out;
	}
	err = VM_IOCTL(vm, vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (err >= 0 && err != KVM_API_VERSION)
		err = vm_why(vm, -EINVAL, "KVM_GET_API_VERSION: %d, expected %d", err,
			     KVM_API_VERSION);
	if (err < 0)
		goto out;
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
		err = vm_why(vm, -ENOTSUP, "KVM_CHECK_EXTENSION: KVM lacks KVM_CAP_IMMEDIATE_EXIT");
		goto out;
	}
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max > 0 && opts->vcpus > (unsigned int)max) {
		err = vm_why(vm, -EINVAL, "--vcpus %u: this KVM allows at most %d", opts->vcpus,
			     max);
		goto out;
	}
	err = vm->vm_fd = VM_IOCTL(vm, vm->kvm_fd, KVM_CREATE_VM, 0);
	if (err < 0)
		goto out;
	err = VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (err < 0)
		goto out;
	if (opts->scenario == STORM_PIT) {
		err = VM_IOCTL(vm, vm->vm_fd, KVM_CREATE_PIT2, &pit);
		if (err < 0)
			goto out;
	}
	/*
	 * Halt polling would let a halted vCPU notice its interrupt by spinning, and the
	 * iothread's wakeup of it would never show as sched_waking.
	 */
	if (opts->halt_poll_ns >= 0 &&
	    ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) > 0) {
		cap = (struct kvm_enable_cap){ .cap = KVM_CAP_HALT_POLL };
		cap.args[0] = (uint64_t)opts->halt_poll_ns;
		err = VM_IOCTL(vm, vm->vm_fd, KVM_ENABLE_CAP, &cap);
		if (err < 0)
			goto out;
	}
	err = vm_memory(vm);
	if (err < 0)
		goto out;
	err = VM_IOCTL(vm, vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (err < 0)
		goto out;
	vm->run_size = (size_t)err;
	vm->vcpus = calloc(opts->vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		err = vm_why(vm, -ENOMEM, "vCPU table: %s", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < opts->vcpus; i++) {
		vm->vcpus[i] = (struct storm_vcpu){
			.vm = vm, .index = i, .fd = -1, .notify_fd = -1, .irq_fd = -1
		};
	}
	for (i = 0; i < opts->vcpus; i++) {
		err = vcpu_create(vm, &vm->vcpus[i]);
		if (err < 0)
			goto out;
	}
	if (opts->scenario == STORM_VIRTIO) {
		err = vm_virtio(vm);
		if (err < 0)
			goto out;
		err = storm_io_open(&vm->io, opts->io_file, vm->why, sizeof(vm->why));
		if (err < 0)
			goto out;
	}
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	vm->go_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_fd < 0 || vm->go_fd < 0) {
		err = vm_why(vm, -errno, "eventfd: %s", strerror(errno));
		goto out;
	}
	err = 0;
out:
	return err;
}

bool storm_vm_stopping(struct storm_vm *vm)
{
	return __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
}

void storm_vm_fail(struct storm_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (!vm->fail_err) {
		vm->fail_err = err;
		va_start(ap, fmt);
		vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&vm->lock);
	__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	pthread_kill(vm->main_thread, SIGUSR2);
}

void storm_vm_ready(struct storm_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->ready++;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

bool storm_vm_wait_go(struct storm_vm *vm)
{
	struct pollfd pfd = { .fd = vm->go_fd, .events = POLLIN };

	/*
	 * An eventfd rather than a condition variable: all threads wake at once, where a
	 * broadcast has each wait its turn for the mutex, which on a busy host can take the
	 * last of many vCPUs a good part of a second.
	 */
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	return __atomic_load_n(&vm->go, __ATOMIC_ACQUIRE) && !storm_vm_stopping(vm);
}

/* Returns 0 after sleeping until the done-th iteration is due (or a kick), when paced. */
static int vcpu_pace(struct storm_vm *vm, uint64_t done)
{
	uint64_t due;
	struct timespec ts;

	if (!vm->opts->rate)
		return 0;
	due = storm_vm_due_ns(vm, done);
	ts.tv_sec = (time_t)(due / NSEC_PER_SEC);
	ts.tv_nsec = (long)(due % NSEC_PER_SEC);
	/* A kick ends the sleep early with EINTR; the caller then sees the stop. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return 0;
}

/* Returns 0 after answering a port access of the guest, -EIO (reported) for a stray one. */
static int vcpu_io(struct storm_vcpu *v)
{
	struct storm_vm *vm = v->vm;
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool in = run->io.direction == KVM_EXIT_IO_IN;
	uint32_t pm;

	if (run->io.port == STORM_PORT_PMTMR && in && run->io.size == 4 && run->io.count == 1 &&
	    vm->opts->scenario == STORM_TIMER) {
		pm = pm_timer_now();
		memcpy(data, &pm, sizeof(pm));
		v->st.pio_pmtmr++;
		return vcpu_pace(vm, v->st.pio_pmtmr);
	}
	if (run->io.port == STORM_PORT_CTL && !in) {
		v->st.ctl_exits++;
		return vcpu_pace(vm, v->st.ctl_exits * vm->batch_iters);
	}
	if (run->io.port == STORM_PORT_FAULT) {
		storm_vm_fail(vm, -EIO, "vCPU %u: the guest took an unexpected interrupt",
			      v->index);
		return -EIO;
	}
	storm_vm_fail(vm, -EIO, "vCPU %u: unexpected %s of port 0x%x", v->index,
		      in ? "read" : "write", run->io.port);
	return -EIO;
}

/* Returns 0 after handling one return from KVM_RUN, or -errno (reported). */
static int vcpu_exit(struct storm_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return vcpu_io(v);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_MMIO:
		storm_vm_fail(v->vm, -EIO, "vCPU %u: unexpected MMIO %s at 0x%llx", v->index,
			      run->mmio.is_write ? "write" : "read",
			      (unsigned long long)run->mmio.phys_addr);
		return -EIO;
	case KVM_EXIT_SHUTDOWN:
		storm_vm_fail(v->vm, -EIO, "vCPU %u: the guest shut down (triple fault)", v->index);
		return -EIO;
	case KVM_EXIT_INTERNAL_ERROR:
		storm_vm_fail(v->vm, -EIO, "vCPU %u: KVM internal error, suberror %u", v->index,
			      run->internal.suberror);
		return -EIO;
	case KVM_EXIT_FAIL_ENTRY:
		storm_vm_fail(v->vm, -EIO, "vCPU %u: KVM entry failure, reason 0x%llx", v->index,
			      (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -EIO;
	default:
		storm_vm_fail(v->vm, -EIO, "vCPU %u: unexpected exit reason %u", v->index,
			      run->exit_reason);
		return -EIO;
	}
}

/* Returns the 64-bit count whose low 32 bits are reg, given that it is at least base. */
static uint64_t unwrap32(uint64_t base, uint64_t reg)
{
	return base + (uint32_t)((uint32_t)reg - (uint32_t)base);
}

/* Returns 1 when the operation at op ran but the counter increment at inc has not. */
static uint64_t in_flight(uint64_t rip, const char *op, const char *inc)
{
	return rip > storm_guest_addr(op) && rip <= storm_guest_addr(inc);
}

/* Returns nothing; turns the stopped guest's registers into v's counts. */
static void vcpu_count(struct storm_vcpu *v, const struct kvm_regs *r)
{
	struct storm_vm *vm = v->vm;
	uint64_t rip = r->rip, base = v->st.ctl_exits * vm->batch_iters, loop, it;
	uint32_t esi = (uint32_t)r->rsi, edi = (uint32_t)r->rdi;
	struct storm_stats *st = &v->st;

	switch (vm->opts->scenario) {
	case STORM_TIMER:
		st->iterations = st->pio_pmtmr;
		break;
	case STORM_PIT:
		/* Each IN is two bytes; those before RIP in the current pass have run. */
		loop = storm_guest_addr(storm_guest_pit_loop);
		st->pio_pit = unwrap32(base, esi);
		if (rip > loop && rip <= storm_guest_addr(storm_guest_pit_add))
			st->pio_pit += (rip - loop) / 2;
		st->iterations = st->pio_pit;
		break;
	case STORM_APIC:
		it = unwrap32(base, esi);
		st->mmio_eoi = it + in_flight(rip, storm_guest_apic_eoi, storm_guest_apic_inc);
		st->mmio_icr = it + in_flight(rip, storm_guest_apic_icr, storm_guest_apic_inc);
		st->mmio_tmict = it + in_flight(rip, storm_guest_apic_tmict, storm_guest_apic_inc);
		st->iterations = it;
		break;
	case STORM_VIRTIO:
		st->notifies = edi + (rip == storm_guest_addr(storm_guest_virtio_inc));
		st->irqs = esi;
		st->iterations = st->irqs;
		break;
	case STORM_IDLE:
		st->halts = edi + (rip == storm_guest_addr(storm_guest_idle_inc));
		st->irqs = esi;
		st->iterations = st->irqs;
		break;
	}
}

/*
 * Returns 0 once v's last exit is complete and its counts are read. KVM finishes an IN
 * answered by userspace only on the next KVM_RUN, and only then traces its kvm_pio; one
 * more KVM_RUN with immediate_exit set completes it without running the guest further.
 */
static int vcpu_finish(struct storm_vcpu *v)
{
	struct kvm_regs regs;
	int err = 0;

	v->run->immediate_exit = 1;
	v->st.userspace_exits++;
	if (ioctl(v->fd, KVM_RUN, 0) < 0 && errno != EINTR) {
		err = -errno;
		storm_vm_fail(v->vm, err, "vCPU %u: KVM_RUN: %s", v->index, strerror(-err));
		goto out;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		err = -errno;
		storm_vm_fail(v->vm, err, "vCPU %u: KVM_GET_REGS: %s", v->index, strerror(-err));
		goto out;
	}
	vcpu_count(v, &regs);
out:
	return err;
}

/* Returns NULL; the body of the thread named "CPU N/KVM". */
static void *vcpu_main(void *arg)
{
	struct storm_vcpu *v = arg;
	struct storm_vm *vm = v->vm;
	char name[16];
	int err = 0;

	snprintf(name, sizeof(name), "CPU %u/KVM", v->index);
	pthread_setname_np(pthread_self(), name);
	storm_vm_ready(vm);
	if (!storm_vm_wait_go(vm))
		goto out;
	while (!storm_vm_stopping(vm)) {
		int r = ioctl(v->fd, KVM_RUN, 0);

		v->st.userspace_exits++;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			storm_vm_fail(vm, err, "vCPU %u: KVM_RUN: %s", v->index, strerror(-err));
			goto out;
		}
		err = vcpu_exit(v);
		if (err)
			goto out;
	}
	v->t_end_ns = storm_now_ns();
	vcpu_finish(v);
out:
	return NULL;
}

/* Returns nothing; only there so that the kick signal interrupts KVM_RUN with EINTR. */
static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

/*
 * Returns NULL; an idle thread of the VMM's pool, named as QEMU names its own, that sleeps
 * until the stop. It gives monitors a VM with many threads besides its vCPUs.
 */
static void *worker_main(void *arg)
{
	struct storm_vm *vm = arg;
	struct pollfd pfd = { .fd = vm->stop_fd, .events = POLLIN };

	pthread_setname_np(pthread_self(), "worker");
	storm_vm_ready(vm);
	/* stop_fd is never read, so it stays readable for every thread once written. */
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Returns 0 with the --threads workers started, or -errno with vm->why set. */
static int workers_start(struct storm_vm *vm)
{
	unsigned int n = vm->opts->threads;
	pthread_attr_t attr;
	int err = 0;

	if (!n)
		return 0;
	vm->workers = calloc(n, sizeof(*vm->workers));
	if (!vm->workers)
		return vm_why(vm, -ENOMEM, "--threads: %s", strerror(ENOMEM));
	/* They only sleep: a small stack each, so that thousands cost little memory. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; vm->nworkers < n; vm->nworkers++) {
		err = -pthread_create(&vm->workers[vm->nworkers], &attr, worker_main, vm);
		if (err) {
			vm_why(vm, err, "--threads: pthread_create: %s", strerror(-err));
			break;
		}
	}
	pthread_attr_destroy(&attr);
	return err;
}

int storm_vm_start(struct storm_vm *vm)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	unsigned int i, n = vm->opts->vcpus;
	int err = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		err = vm_why(vm, -errno, "sigaction: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		err = -pthread_create(&vm->vcpus[i].thread, NULL, vcpu_main, &vm->vcpus[i]);
		if (err) {
			vm_why(vm, err, "pthread_create: %s", strerror(-err));
			goto out;
		}
		vm->vcpus[i].started = true;
	}
	err = -pthread_create(&vm->io.thread, NULL, storm_iothread, vm);
	if (err) {
		vm_why(vm, err, "pthread_create: %s", strerror(-err));
		goto out;
	}
	vm->io.started = true;
	err = workers_start(vm);
	if (err)
		goto out;
	pthread_mutex_lock(&vm->lock);
	while (vm->ready < n + 1 + vm->nworkers)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
out:
	return err;
}

/* Returns nothing; makes go_fd readable for good, which wakes every waiting thread. */
static void vm_open_gate(struct storm_vm *vm)
{
	uint64_t one = 1;
	ssize_t r;

	/* Written twice at most, the counter is far from its maximum: it cannot fail. */
	if (vm->go_fd >= 0) {
		r = write(vm->go_fd, &one, sizeof(one));
		(void)r;
	}
}

void storm_vm_go(struct storm_vm *vm)
{
	vm->t_go_ns = storm_now_ns();
	__atomic_store_n(&vm->go, true, __ATOMIC_RELEASE);
	vm_open_gate(vm);
}

/* Returns nothing; waits for v's thread, kicking it again every 10 ms. */
static void vcpu_join(struct storm_vcpu *v)
{
	struct timespec limit;

	/* Kick until joined: a kick that lands just before a pacing sleep is lost. */
	do {
		pthread_kill(v->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_nsec += 10000000;
		if (limit.tv_nsec >= (long)NSEC_PER_SEC) {
			limit.tv_sec++;
			limit.tv_nsec -= (long)NSEC_PER_SEC;
		}
	} while (pthread_timedjoin_np(v->thread, NULL, &limit) == ETIMEDOUT);
	v->started = false;
}

void storm_vm_stop(struct storm_vm *vm)
{
	unsigned int i, n = vm->vcpus ? vm->opts->vcpus : 0;
	uint64_t one = 1;

	if (!vm->t_stop_ns)
		vm->t_stop_ns = storm_now_ns();
	__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	vm_open_gate(vm);

	/* All kicked before any is waited for, so that none runs on while another stops. */
	for (i = 0; i < n; i++) {
		if (!vm->vcpus[i].started)
			continue;
		__atomic_store_n(&vm->vcpus[i].run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(vm->vcpus[i].thread, SIGUSR1);
	}
	for (i = 0; i < n; i++) {
		if (vm->vcpus[i].started)
			vcpu_join(&vm->vcpus[i]);
		/* The guest ran until its last vCPU left KVM_RUN. */
		if (vm->vcpus[i].t_end_ns > vm->t_stop_ns)
			vm->t_stop_ns = vm->vcpus[i].t_end_ns;
	}
	if ((vm->io.started || vm->nworkers) &&
	    write(vm->stop_fd, &one, sizeof(one)) != sizeof(one) && vm->io.started)
		pthread_kill(vm->io.thread, SIGUSR1);
	if (vm->io.started) {
		pthread_join(vm->io.thread, NULL);
		vm->io.started = false;
	}
	for (i = 0; i < vm->nworkers; i++)
		pthread_join(vm->workers[i], NULL);
	vm->nworkers = 0;
}

void storm_vm_destroy(struct storm_vm *vm)
{
	unsigned int i;

	storm_vm_stop(vm);
	for (i = 0; vm->vcpus && i < vm->opts->vcpus; i++) {
		struct storm_vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		if (v->notify_fd >= 0)
			close(v->notify_fd);
		if (v->irq_fd >= 0)
			close(v->irq_fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	free(vm->workers);
	vm->workers = NULL;
	storm_io_close(&vm->io);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->go_fd >= 0)
		close(vm->go_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->mem)
		munmap(vm->mem, STORM_MEM_SIZE);
	vm->stop_fd = vm->go_fd = vm->vm_fd = vm->kvm_fd = -1;
	vm->mem = NULL;
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
}
