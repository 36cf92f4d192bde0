// SPDX-License-Identifier: GPL-2.0
/*
 * kvmscope-storm's iothread: it waits on one ioeventfd per vCPU, reads a block of the I/O
 * file (storm_io.c) for each notify, and answers through that vCPU's irqfd, so the wakeup
 * chain is vCPU -> iothread -> vCPU as with QEMU's virtio-blk. In other scenarios it only
 * waits for the stop.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storm_vm.h"

/* Returns 0 after one block read for v's request, timed into v's stats, or -errno. */
static int io_read(struct storm_vm *vm, struct storm_vcpu *v, const char **what)
{
	uint64_t ns;
	int err;

	/* Spread the vCPUs and their requests over the file so reads rarely repeat. */
	err = storm_io_read(&vm->io, v->st.completions + (uint64_t)v->index * 37, &ns);
	*what = "pread of the I/O file";
	if (err)
		return err;
	v->st.io_ns_total += ns;
	if (ns > v->st.io_ns_max)
		v->st.io_ns_max = ns;
	return 0;
}

/* Returns 0 once v's interrupt is injected through its irqfd, or -errno. */
static int io_complete(struct storm_vcpu *v, const char **what)
{
	uint64_t one = 1;

	v->held = false;
	v->st.completions++;
	*what = "irqfd write";
	if (write(v->irq_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

/* Returns 0 after serving one notify of v: read, then complete now or when --rate says. */
static int io_serve(struct storm_vm *vm, struct storm_vcpu *v, const char **what)
{
	uint64_t rate = vm->opts->rate, due;
	int err;

	err = io_read(vm, v, what);
	if (err)
		return err;
	if (rate) {
		due = storm_vm_due_ns(vm, v->st.completions + 1);
		if (storm_now_ns() < due) {
			v->held = true;
			v->held_until_ns = due;
			return 0;
		}
	}
	return io_complete(v, what);
}

/* Returns the ppoll timeout until the next held completion, or NULL when none is held. */
static struct timespec *io_timeout(struct storm_vm *vm, struct timespec *ts)
{
	uint64_t next = UINT64_MAX, now;
	unsigned int i;

	for (i = 0; i < vm->opts->vcpus; i++)
		if (vm->vcpus[i].held && vm->vcpus[i].held_until_ns < next)
			next = vm->vcpus[i].held_until_ns;
	if (next == UINT64_MAX)
		return NULL;
	now = storm_now_ns();
	next = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(next / 1000000000);
	ts->tv_nsec = (long)(next % 1000000000);
	return ts;
}

void *storm_iothread(void *arg)
{
	struct storm_vm *vm = arg;
	struct pollfd pfd[1 + STORM_MAX_VCPUS];
	unsigned int i, n = vm->opts->vcpus;
	bool virtio = vm->opts->scenario == STORM_VIRTIO;
	const char *what = "";
	struct timespec ts;
	uint64_t count;
	int err = 0;

	pthread_setname_np(pthread_self(), "IO iothread0");
	storm_vm_ready(vm);
	if (!storm_vm_wait_go(vm))
		goto out;
	pfd[0] = (struct pollfd){ .fd = vm->stop_fd, .events = POLLIN };
	for (i = 0; i < n; i++)
		pfd[1 + i] = (struct pollfd){ .fd = virtio ? vm->vcpus[i].notify_fd : -1,
					      .events = POLLIN };
	for (;;) {
		if (ppoll(pfd, 1 + n, io_timeout(vm, &ts), NULL) < 0 && errno != EINTR) {
			err = -errno;
			storm_vm_fail(vm, err, "iothread: ppoll: %s", strerror(-err));
			goto out;
		}
		if (pfd[0].revents || storm_vm_stopping(vm))
			goto out;
		for (i = 0; i < n; i++) {
			struct storm_vcpu *v = &vm->vcpus[i];

			if (v->held && storm_now_ns() >= v->held_until_ns) {
				err = io_complete(v, &what);
				if (err)
					break;
			}
			if (!(pfd[1 + i].revents & POLLIN))
				continue;
			if (read(v->notify_fd, &count, sizeof(count)) != sizeof(count)) {
				err = -errno;
				what = "ioeventfd read";
				break;
			}
			/* The guest waits for each interrupt, so count is 1 but for a stray. */
			while (count-- && !err)
				err = io_serve(vm, v, &what);
			if (err)
				break;
		}
		if (err) {
			storm_vm_fail(vm, err, "iothread: %s: %s", what, strerror(-err));
			goto out;
		}
	}
out:
	return NULL;
}
