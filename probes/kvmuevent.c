// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's uevents, heard on the kernel's uevent netlink socket (group 1, where the kernel
 * itself sends; udev's rebroadcast is group 2). A kernel uevent is a buffer of
 * NUL-terminated strings: "ACTION@DEVPATH", then KEY=VALUE lines. KVM's, from
 * kvm_uevent_notify_change() in virt/kvm/kvm_main.c:
 *
 *   change@/devices/virtual/misc/kvm  ACTION=change  DEVPATH=...  SUBSYSTEM=misc
 *   CREATED=<VMs made so far>  COUNT=<VMs alive>  EVENT=create|destroy  PID=<task id>
 *   [STATS_PATH=/<pid>-<fd>]  SEQNUM=<n>
 *
 * PID is the id of the task that made the VM (task_pid_nr: a thread id, in the initial pid
 * namespace), the same in its "destroy". The create uevent is sent just before the VM's fd
 * is installed: whoever reads it looks at the process a little later (at its next sample),
 * not at once.
 *
 * A host sends many other uevents (a VM's start alone adds its tap devices, for one): a
 * classic BPF filter on the socket keeps only those whose header is KVM's, so the others
 * neither wake us nor fill the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvmuevent.h"
#include "util.h"

/* The queue asked for (root may pass rmem_max): room for a few thousand uevents. */
#define KVMUEVENT_RCVBUF (1 << 20)
/* The inode of the initial user namespace (PROC_USER_INIT_INO, include/linux/proc_ns.h). */
#define USER_INIT_INO 0xEFFFFFFDu

struct kvmuevent {
	int fd;
};

/*
 * Returns 0 after attaching to fd a filter that passes a message only when it begins with
 * KVMUEVENT_HEAD and its NUL: the head's bytes compared four at a time (network order, as
 * BPF loads them), then the last ones one by one; or -1 with errno set.
 */
static int attach_filter(int fd)
{
	static const char head[] = KVMUEVENT_HEAD; /* with its NUL */
	struct sock_filter code[2 * sizeof(head) + 2];
	struct sock_fprog prog;
	unsigned int n = 0, i = 0, k, fail;
	uint32_t word;

	/* Instructions before the final "drop": 2 a compare, then "accept". */
	fail = 2 * (sizeof(head) / 4 + sizeof(head) % 4) + 1;
	while (i < sizeof(head)) {
		if (sizeof(head) - i >= 4) {
			word = (uint32_t)(unsigned char)head[i] << 24 |
			       (uint32_t)(unsigned char)head[i + 1] << 16 |
			       (uint32_t)(unsigned char)head[i + 2] << 8 |
			       (unsigned char)head[i + 3];
			code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, i);
			i += 4;
		} else {
			word = (unsigned char)head[i];
			code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, i);
			i++;
		}
		k = fail - n - 1; /* from the next instruction to the "drop" */
		code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, word, 0, k);
	}
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog.len = (unsigned short)n;
	prog.filter = code;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

struct kvmuevent *kvmuevent_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, size = KVMUEVENT_RCVBUF, err;
	struct kvmuevent *u;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)); /* as it may */
	/* The filter before the bind: no other message is ever queued. */
	if (attach_filter(fd) || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	u = xcalloc(1, sizeof(*u));
	u->fd = fd;
	return u;
}

void kvmuevent_close(struct kvmuevent *u)
{
	if (!u)
		return;
	close(u->fd);
	free(u);
}

bool kvmuevent_heard(void)
{
	struct utsname un;
	unsigned int major, minor;
	struct stat st;
	int fd, owner;

	/* KVM's uevents came with Linux 4.13. */
	if (uname(&un) || sscanf(un.release, "%u.%u", &major, &minor) != 2 ||
	    (major < 4 || (major == 4 && minor < 13)))
		return false;
	/*
	 * The kernel sends device uevents into the network namespaces owned by the initial user
	 * namespace only (uevent_net_init); a container's own namespace hears none.
	 */
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	owner = ioctl(fd, NS_GET_USERNS);
	close(fd);
	if (owner < 0)
		return false;
	if (fstat(owner, &st))
		st.st_ino = 0;
	close(owner);
	return st.st_ino == USER_INIT_INO;
}

int kvmuevent_parse(const char *buf, size_t len, struct kvmuevent_vm *vm)
{
	const char *s, *end = buf + len, *next;
	int event = 0; /* 1 create, 2 destroy */
	long pid = 0;
	char *stop;

	if (len < sizeof(KVMUEVENT_HEAD) || memcmp(buf, KVMUEVENT_HEAD, sizeof(KVMUEVENT_HEAD)))
		return 0;
	for (s = buf + sizeof(KVMUEVENT_HEAD); s < end; s = next + 1) {
		next = memchr(s, '\0', (size_t)(end - s));
		if (!next)
			break; /* a string cut short: not the kernel's */
		if (!strcmp(s, "EVENT=create")) {
			event = 1;
		} else if (!strcmp(s, "EVENT=destroy")) {
			event = 2;
		} else if (!strncmp(s, "PID=", 4) && s[4] >= '0' && s[4] <= '9') {
			errno = 0;
			pid = strtol(s + 4, &stop, 10);
			if (*stop || errno || pid > INT32_MAX)
				pid = 0;
		}
	}
	if (!event || pid <= 0)
		return 0;
	vm->tid = (int)pid;
	vm->create = event == 1;
	return 1;
}

int kvmuevent_fd(const struct kvmuevent *u)
{
	return u->fd;
}

int kvmuevent_read(struct kvmuevent *u, struct kvmuevent_vm *vms, int n, bool *lost)
{
	struct kvmuevent_vm vm;
	struct sockaddr_nl from;
	char buf[4096];
	socklen_t len;
	ssize_t got;
	int count = 0;

	*lost = false;
	for (;;) {
		len = sizeof(from);
		got = recvfrom(u->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			       &len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == ENOBUFS) {
			*lost = true; /* said once; what is queued after it is read on */
			continue;
		}
		if (got < 0)
			break; /* EAGAIN: none left */
		/* Only the kernel's (port 0); a uevent is far shorter than the buffer. */
		if (len != sizeof(from) || from.nl_pid || (size_t)got >= sizeof(buf) ||
		    !kvmuevent_parse(buf, (size_t)got, &vm))
			continue;
		if (count == n)
			*lost = true;
		else
			vms[count++] = vm;
	}
	return count;
}
