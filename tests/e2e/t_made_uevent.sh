#!/bin/bash
# KVM's uevent that a VM was made starts counting on its VMM at once, in the live loop: the
# exits of its vCPUs, which start before a sample can find them, are counted from the first
# (kvmstat_follow_made; t_counts_made checks the counts on a real VM, with /dev/kvm). Here
# the uevent is sent by the test, in a network namespace of its own, worded as KVM's, for a
# process that made no VM (none can be made without /dev/kvm): kvmscope opens the VM's
# per-vCPU tracepoint counters on that process's thread at once, between two ticks, and
# closes them when no VM has shown after 30 syncs. Only where VMs are counted per vCPU
# thread (debugfs locked down or not mounted): where debugfs is read, VMs' counts start
# with them.
. "$(dirname "$0")/lib.sh"

need_root
need_tracefs
need_cmd python3
need_cmd unshare
[ -r "$TRACEFS/events/kvm/kvm_pio/id" ] || skip "no kvm_pio tracepoint in $TRACEFS"
# The kernel sends device uevents only to network namespaces of the initial user namespace.
[ "$(stat -L -c %i /proc/self/ns/user)" = 4026531837 ] ||
	skip "not in the initial user namespace: device uevents are not heard here"
unshare -n true 2>/dev/null || skip "cannot make a network namespace here"

inject=$(cd "$(dirname "$0")" && pwd)/kvm_uevent.py
sleep 1000 &
VMM=$!
track "$VMM"
# In the namespace: kvmscope's perf fds before the uevent, just after it (before the next
# tick's sample could have looked), and once 30 ticks at -d 0.2 have passed.
cat >"$E2E_TMP/run.sh" <<EOF
"$KVMSCOPE" -b --format json -d 0.2 >"$E2E_TMP/out.json" 2>"$E2E_TMP/err" &
K=\$!
perf_fds() { ls -l /proc/\$K/fd 2>/dev/null | grep -c perf_event; }
sleep 2
echo "before \$(perf_fds)"
python3 "$inject" create $VMM || exit 3
sleep 0.1
echo "uevent \$(perf_fds)"
sleep 8
echo "later \$(perf_fds)"
kill -INT \$K
wait \$K
echo "rc \$?"
EOF
unshare -n bash "$E2E_TMP/run.sh" >"$E2E_TMP/out" 2>&1 || fail "in the namespace: $(cat "$E2E_TMP/out")"
grep -qx 'rc 0' "$E2E_TMP/out" || fail "kvmscope: $(cat "$E2E_TMP/out" "$E2E_TMP/err")"
src=$(tail -n 1 "$E2E_TMP/out.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([s["why"] or s["state"] for s in d["sources"] if s["name"] == "kvmstat"][0])')
case $src in
*"tracepoint counters"*) ;;
*) skip "VMs not counted per vCPU thread here (kvmstat: $src)";;
esac
before=$(sed -n 's/^before //p' "$E2E_TMP/out")
uevent=$(sed -n 's/^uevent //p' "$E2E_TMP/out")
later=$(sed -n 's/^later //p' "$E2E_TMP/out")
note "kvmscope's perf fds: $before before the uevent, $uevent 0.1 s after it, $later 8 s later"
[ "$before" -gt 0 ] || fail "no perf counters at all: $(cat "$E2E_TMP/err")"
# kvm_pio and kvm_mmio, or kvm_exit, on the process's one thread.
{ [ "$uevent" -ge $((before + 1)) ] && [ "$uevent" -le $((before + 2)) ]; } ||
	fail "the VMM's thread not counted at the uevent: $before perf fds before it, $uevent after"
[ "$later" = "$before" ] || fail "the counters of a process that showed no VM stayed: $later, not $before"
exit 0
