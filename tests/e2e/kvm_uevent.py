#!/usr/bin/env python3
# KVM's VM uevent as the kernel words it (virt/kvm/kvm_main.c), sent into the caller's network
# namespace's uevent socket: the kernel hands it to that namespace's listeners as its own.
# Root, in a network namespace of the caller's own (never the host's). For tests and benches
# on machines where no VM can be made. Usage: kvm_uevent.py create|destroy PID
import socket
import struct
import sys

NETLINK_KOBJECT_UEVENT = 15


def sender():
    """Returns a socket for send()."""
    return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)


def send(s, event, pid):
    """Sends KVM's uevent that task pid made (create) or ended (destroy) a VM."""
    body = (b"change@/devices/virtual/misc/kvm\0ACTION=change\0DEVPATH=/devices/virtual/misc/kvm\0"
            b"SUBSYSTEM=misc\0MAJOR=10\0MINOR=232\0DEVNAME=kvm\0EVENT=%s\0PID=%d\0"
            % (event.encode(), pid))
    # nlmsghdr: length, type NLMSG_MIN_TYPE, flags NLM_F_REQUEST, seq, port
    s.sendto(struct.pack("=IHHII", 16 + len(body), 16, 1, 0, 0) + body, (0, 0))


if __name__ == "__main__":
    send(sender(), sys.argv[1], int(sys.argv[2]))
