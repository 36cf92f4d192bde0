#!/bin/bash
# How soon a VM made while kvmscope runs is counted: the time from KVM's uevent that a VM was
# made to kvmscope's counters on its VMM's threads (their perf fds open), which the vCPU
# threads the VMM makes after inherit. Before that moment a storming VM's exits are counted
# by no per-VM counter. The uevents are sent by this script, in a network namespace of its
# own, worded as KVM's, each for a fresh idle process (no VM is made: this runs without
# /dev/kvm). Only where VMs are counted per vCPU thread (debugfs locked down or not
# mounted); with debugfs, a VM's counts start with it. Figures, not pass/fail.
# Usage: made_latency.sh [N]   (default 20 uevents; root)
#   env: KVMSCOPE, KVMSCOPE_BASE (another build, run the same way after it: "never" where it
#        opens nothing before the sample that finds the vCPUs)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}"
N=${1:-20}
[ -x "$KVMSCOPE" ] || { echo "skipped: build $KVMSCOPE first"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (a network namespace, counters)"; exit 0; }
[ "$(stat -L -c %i /proc/self/ns/user)" = 4026531837 ] ||
	{ echo "skipped: not in the initial user namespace: device uevents are not heard here"; exit 0; }
unshare -n true 2>/dev/null || { echo "skipped: cannot make a network namespace here"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-made.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/made.py" <<'EOF'
# made.py KVMSCOPE N OUT: in this network namespace, the time from KVM's create uevent to
# kvmscope's first new perf fd, for N fresh processes; kvmscope at -d 1, its records to OUT.
import os, subprocess, sys, time
sys.path.insert(0, "tests/e2e")
import kvm_uevent  # KVM's uevent as the kernel words it
out = sys.argv[3]
k = subprocess.Popen([sys.argv[1], "-b", "--format", "json", "-d", "1", "-o", out],
                     stderr=subprocess.DEVNULL)
while not os.path.exists(out) or not os.path.getsize(out):
    time.sleep(0.1)
def perf_fds():
    n = 0
    for f in os.listdir("/proc/%d/fd" % k.pid):
        try:
            n += "perf_event" in os.readlink("/proc/%d/fd/%s" % (k.pid, f))
        except OSError:
            pass
    return n
s = kvm_uevent.sender()
lat = []
for i in range(int(sys.argv[2])):
    p = subprocess.Popen(["sleep", "1000"])
    time.sleep(0.3)
    base = perf_fds()
    t0 = time.monotonic()
    kvm_uevent.send(s, "create", p.pid)
    while perf_fds() == base and time.monotonic() - t0 < 2:
        pass
    t = time.monotonic() - t0
    lat.append(t * 1000 if t < 2 else None)
    p.kill()
    p.wait()
k.terminate()
k.wait()
src = ""
for line in open(out):
    src = line
got = sorted(x for x in lat if x is not None)
never = len(lat) - len(got)
import json
why = [x["why"] for x in json.loads(src)["sources"] if x["name"] == "kvmstat"][0] if src else "?"
if got:
    print("counted %.2f ms after the uevent: median; min %.2f, max %.2f (%d of %d)%s; kvmstat: %s"
          % (got[len(got) // 2], got[0], got[-1], len(got), len(lat),
             ", never within 2 s: %d" % never if never else "", why))
else:
    print("never counted within 2 s of the uevent (%d of %d); kvmstat: %s" % (never, len(lat), why))
EOF
echo "kvmscope: $(unshare -n python3 "$tmp/made.py" "$KVMSCOPE" "$N" "$tmp/out.json")"
[ -n "$KVMSCOPE_BASE" ] && echo "base:     $(unshare -n python3 "$tmp/made.py" "$KVMSCOPE_BASE" "$N" "$tmp/base.json")"
exit 0
