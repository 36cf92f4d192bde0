#!/usr/bin/env python3
# Writes the seeds of the fuzz targets that are made rather than captured, from the test
# fixtures, into tests/fuzz/corpus/<target>/ (run from anywhere; overwrites only its own
# files). fuzz_decode's real pages come from capture-pages.sh; here are its hand-made
# sub-buffers: the kernel's layouts (time extend, padding, long form, missed count) and the
# malformed ones of the hardening issue, as regression inputs.
import os
import re
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
SEP = b"\n--8<--\n"
PAGE = 4096


def read(*path):
    with open(os.path.join(*path), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# fuzz_decode: records laid out by the fixture formats.
def fields(system, event):
    text = read(FIX, "events", system, event, "format").decode()
    ident = int(re.search(r"^ID: (\d+)", text, re.M).group(1))
    f = {m[0]: (int(m[1]), int(m[2])) for m in
         re.findall(r"field:[^;]*?(\w+)(?:\[\d*\])?;\s*offset:(\d+);\s*size:(\d+);", text)}
    return ident, f


def record(system, event, pid, **vals):
    ident, f = fields(system, event)
    size = max(o + s for o, s in f.values())
    rec = bytearray(size)
    vals.update(common_type=ident, common_pid=pid)
    for name, v in vals.items():
        o, s = f[name]
        rec[o:o + s] = (v & ((1 << (8 * s)) - 1)).to_bytes(s, "little")
    return bytes(rec)


def page(ts, commit, data):
    p = bytearray(PAGE)
    p[0:16] = struct.pack("<QQ", ts, commit)
    p[16:16 + len(data)] = data
    return bytes(p[:PAGE])


def short(rec, delta):
    words = (len(rec) + 3) // 4
    return struct.pack("<I", words | delta << 5) + rec.ljust(words * 4, b"\0")


def long_form(rec, delta):
    words = (len(rec) + 3) // 4
    return struct.pack("<II", delta << 5, words * 4 + 4) + rec.ljust(words * 4, b"\0")


pio = record("kvm", "kvm_pio", 10, port=0x608, size=4, count=1)
mmio = record("kvm", "kvm_mmio", 10, type=1, len=4, gpa=0xfee000b0)
switch = record("sched", "sched_switch", 0, prev_pid=10, prev_state=1, next_pid=0)
exit_ = record("kvm", "kvm_exit", 10, exit_reason=48, isa=1, vcpu_id=0)

# The kernel's layouts: a time extend, a discarded event (padding), the long form, and a
# stored missed count after the data.
data = short(pio, 100)
data += struct.pack("<II", 30 | (17 << 5), 3) + short(mmio, 0)
data += struct.pack("<II", 29 | (3 << 5), 28) + bytes(24)
data += long_form(switch, 5) + short(exit_, 0)
put("fuzz_decode", "layout-extend-padding-long",
    b"\0" + page(5000000000, len(data), data))
put("fuzz_decode", "layout-missed-stored",
    b"\0" + page(7000000000, len(data) | 3 << 30, data + struct.pack("<Q", 42)))

# Regressions. A last record claiming more than the page: commit 4080, a long-form record of
# 4072 bytes at data offset 0 (a header word at 4076 whose length word lies past the page).
data = struct.pack("<II", 0, 4072) + pio
put("fuzz_decode", "regress-record-past-page", b"\0" + page(1000, PAGE - 16, data))
# A commit past the page.
data = short(pio, 1) * 3
put("fuzz_decode", "regress-commit-past-page", b"\0" + page(1000, 2 * PAGE, data))
# A long-form length word of 0x80000000 or more: kbuffer steps backwards, from 348 to 224.
data = bytearray(512)
for off in (0, 116, 232):
    data[off:off + 4] = struct.pack("<I", 0x3c)
data[348:356] = bytes([0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff])
put("fuzz_decode", "regress-length-backwards", b"\0" + page(1000, 512, bytes(data)))
# Padding whose length word points back at itself: kbuffer loops inside one call.
data = short(pio, 1) + struct.pack("<II", 29 | 1 << 5, 0xfffffffc)
put("fuzz_decode", "regress-padding-backwards", b"\0" + page(1000, len(data) + 56, data))

# fuzz_procfs: sections in the order of its files[], then fds 4..7, then a module name.
PROC = os.path.join(FIX, "proc")


def renumber(stat, pid):
    return re.sub(rb"^\d+", str(pid).encode(), stat)


def procfs_seed(pid, tids, fds, module=b"kvm_pvm"):
    main, other = tids
    t = lambda tid, f: read(PROC, str(pid), "task", str(tid), f)
    secs = [
        renumber(read(PROC, str(pid), "stat"), 100),
        read(PROC, str(pid), "cmdline"),
        renumber(t(main, "stat"), 100), t(main, "schedstat"), t(main, "syscall"),
        renumber(t(other, "stat"), 101), t(other, "schedstat"),
        # The vCPU's KVM_RUN is on fd 4 here.
        re.sub(rb"^16 0x[0-9a-f]+ ", b"16 0x4 ", t(other, "syscall")),
        re.sub(rb"\).*", b"", read(PROC, str(pid), "stat").split(b"(", 1)[1]) + b"\n",
        read(PROC, "modules"), read(PROC, "stat"), b"232 kvm\n196 vfio\n",
        read(PROC, "sys", "kernel", "hostname"), read(PROC, "sys", "kernel", "osrelease"),
    ] + fds + [module]
    return SEP.join(secs)


vcpus = [b"anon_inode:kvm-vcpu:0", b"anon_inode:kvm-vcpu:1", b"/dev/kvm", b"anon_inode:[eventfd]"]
put("fuzz_procfs", "web01", procfs_seed(4100, (4100, 4103), vcpus))
put("fuzz_procfs", "db02-syscall", procfs_seed(4200, (4200, 4202), vcpus))
put("fuzz_procfs", "escape-name", procfs_seed(4400, (4400, 4402), vcpus[:1], b"kvm_intel"))

# fuzz_debugfs: the fixture tree as sections, and with the empty directories of D1.
DBG = os.path.join(FIX, "debugfs", "kvm")
secs = []
for where, rel in ((b"0", ""), (b"1", "4242-12"), (b"2", "4242-12/vcpu0"),
                   (b"3", "4242-12/vcpu1")):
    d = os.path.join(DBG, rel)
    for name in sorted(os.listdir(d)):
        if os.path.isfile(os.path.join(d, name)):
            secs.append(where + name.encode() + b"=" + read(d, name))
secs.append(b"6sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n")
put("fuzz_debugfs", "fixture-tree", SEP.join(secs))
put("fuzz_debugfs", "regress-empty-dirs", SEP.join(secs + [b"5vcpu2", b"44243-7"]))

# fuzz_vmname: name buffer size, then a command line.
for pid, name in ((4100, "web01"), (4200, "db02"), (4400, "escape")):
    put("fuzz_vmname", name, b"\x7f" + read(PROC, str(pid), "cmdline"))
put("fuzz_vmname", "short-buffer", b"\x04" + read(PROC, "4100", "cmdline"))
put("fuzz_vmname", "commas", b"\x7f" + b"qemu\0-name\0guest=a,,b,,,debug-threads=on\0"
    b"--name\0c\0-uuid\0" + b"6f1c9a2e-3b7d-4e85-9c40-1a2b3c4d5e6f")

# fuzz_vmmeta: a byte (even: libvirt's XML, odd: a Proxmox config), then the file.
LIBVIRT = os.path.join(FIX, "libvirt")
live = read(LIBVIRT, "qemu", "instance-0000a3f1.xml")
put("fuzz_vmmeta", "libvirt-live", b"\0" + live)
put("fuzz_vmmeta", "nova-domain", b"\0" + read(LIBVIRT, "web-3.xml"))
put("fuzz_vmmeta", "truncated", b"\0" + live[:3000])
put("fuzz_vmmeta", "pve-100", b"\1" + read(FIX, "pve", "qemu-server", "100.conf"))
put("fuzz_vmmeta", "small-live", b"\0" + "<domstatus pid='4242'><domain><name>vm</name>"
    "<title>t\u00e9</title><metadata><nova:instance xmlns:nova='http://openstack.org/xmlns/"
    "libvirt/nova/1.1'><nova:name>n</nova:name><nova:flavor name='f'/><nova:owner>"
    "<nova:user>u</nova:user><nova:project>p</nova:project></nova:owner></nova:instance>"
    "</metadata></domain></domstatus>".encode())
put("fuzz_vmmeta", "billion-laughs", b"\0" + b'<?xml version="1.0"?>\n<!DOCTYPE d [\n'
    b' <!ENTITY a "aaaaaaaaaa">\n <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
    b' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<domain><title>&c;</title></domain>\n')
put("fuzz_vmmeta", "xxe", b"\0" + b'<!DOCTYPE domain [<!ENTITY xxe SYSTEM "file:///etc/shadow">'
    b']>\n<domain><title>&xxe;</title></domain>\n')
put("fuzz_vmmeta", "deep", b"\0" + b"<domain>" + b"<a>" * 200 + b"</a>" * 200 + b"</domain>")

# fuzz_escape: setup byte (bit 0 UTF-8, bit 1 NUL-terminated), buffer size, width, text.
name4400 = re.search(rb"guest=([^\0]*)", read(PROC, "4400", "cmdline")).group(1)
put("fuzz_escape", "vm-name-ansi", b"\x01\x80\x10" + name4400)
put("fuzz_escape", "vm-name-ansi-ascii", b"\x00\x80\x10" + name4400)
put("fuzz_escape", "utf8", b"\x01\x40\x08" + "naïve — 日本語 ✓ \\ tab\t".encode())
put("fuzz_escape", "utf8-bidi-c1", b"\x03\x20\x06" + "a\u202eb\u2066c\x85d\u2028".encode())
put("fuzz_escape", "invalid-utf8", b"\x01\x10\x05" + b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82")

# fuzz_http: the method, the path, the Accept header (no section: no header), then the
# scrape-time counts (struct om_scrape: two doubles, then counts).


def scrape(lag, render, scrapes, ns, *http):
    return struct.pack("<ddQQ5Q", lag, render, scrapes, ns, *(list(http) + [0] * 5)[:5])


def http(name, method, path, accept=None, counts=b""):
    secs = [method, path] + ([] if accept is None else [accept])
    if counts:
        secs += [b""] * (3 - len(secs)) + [counts]
    put("fuzz_http", name, SEP.join(secs))


PROM = b"application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
    b"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
http("prometheus", b"GET", b"/metrics", PROM, scrape(0.25, 0.002, 41, 123456789, 41, 2, 1, 1))
http("no-accept", b"GET", b"/metrics")
http("curl", b"GET", b"/metrics", b"*/*", scrape(1.5, 0.01, 0, 0, 0, 0, 0, 0, 0))
http("head-text", b"HEAD", b"/metrics", b"text/plain;version=0.0.4",
     scrape(float("nan"), float("inf"), 2**64 - 1, 2**64 - 1, 2**64 - 1))
http("openmetrics-q0", b"GET", b"/metrics", b"application/openmetrics-text; q=0")
http("tie", b"GET", b"/metrics", b" text/plain ; q=0.5 ,\tapplication/openmetrics-text;Q=0.500")
http("index", b"GET", b"/")
http("post-metrics", b"POST", b"/metrics", b"application/openmetrics-text")
http("delete-index", b"DELETE", b"/")
http("lowercase-get", b"get", b"/metrics")
http("not-found", b"GET", b"/../etc/passwd", b"text/plain")
# Regression: a weight strtod() read as 5.5 outranked OpenMetrics at q=1 (and "nan" broke
# every comparison).
http("regress-q-above-1", b"GET", b"/metrics", b"text/plain;q=5.5, application/openmetrics-text")
http("regress-q-nan", b"GET", b"/metrics", b"text/plain;q=nan, application/openmetrics-text")

# fuzz_uevent: messages as a uevent socket delivers them (KVM's from virt/kvm/kvm_main.c,
# SEQNUM appended by the kernel), and another device's, which the parser must refuse.
KVM_HEAD = b"change@/devices/virtual/misc/kvm\0ACTION=change\0DEVPATH=/devices/virtual/misc/kvm" \
    b"\0SUBSYSTEM=misc\0"
put("fuzz_uevent", "create", KVM_HEAD + b"CREATED=1\0COUNT=1\0EVENT=create\0PID=4242\0"
    b"STATS_PATH=/4242-12\0SEQNUM=836\0")
put("fuzz_uevent", "destroy", KVM_HEAD + b"CREATED=1\0COUNT=0\0EVENT=destroy\0PID=4242\0"
    b"SEQNUM=837\0")
put("fuzz_uevent", "other-device", b"add@/devices/virtual/net/tap0\0ACTION=add\0"
    b"DEVPATH=/devices/virtual/net/tap0\0SUBSYSTEM=net\0INTERFACE=tap0\0IFINDEX=7\0SEQNUM=838\0")
