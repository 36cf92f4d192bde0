#!/bin/bash
# A VMM that was already running makes its VM late, as a Firecracker or Cloud Hypervisor
# does when its API tells it to: kvmscope shows the VM at its next tick, told by KVM's
# uevent, not at its next look at old processes (a full scan every 10 s, and a look at a
# known process every 60 samples where the uevents are heard).
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd python3

name=e2e-late-$$
# kvmscope first: the VMM is a process it has seen (and looked at) before its VM exists.
"$KVMSCOPE" -b --format json -d 0.5 -n 30 -f "^$name\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" &
MON=$!
track "$MON"
wait_until 10 test -s "$E2E_TMP/out.json" || { cat "$E2E_TMP/err"; fail "no first record in 10 s"; }
# Its VM 4 s after it starts: past the three samples in which a newcomer is looked at.
storm_start "$E2E_TMP/storm.out" --create-delay 4 --duration 6 -name "guest=$name" idle
VMM=$STORM_PID
wait_until 10 has_thread "$VMM" "CPU 0/KVM" || fail "the VMM made no VM in 10 s"
made=$(date +%s%N)
wait_until 5 grep -q "\"$name\"" "$E2E_TMP/out.json" || fail "the late VM not shown in 5 s"
shown=$(( ($(date +%s%N) - made) / 1000000 ))
note "VM made by pid $VMM, shown $shown ms later (ticks of 500 ms)"
# The next tick, and the one after it where that tick was taken while the VM was being made.
[ "$shown" -le 1500 ] || fail "the late VM was shown $shown ms after it was made, not at the next tick"
wait "$MON" || { cat "$E2E_TMP/err"; fail "kvmscope -b exited $?"; }
jq_py "$E2E_TMP/out.json" "
seen = [d for d in docs if vm(d, '$name')]
assert seen, 'never shown'
v = vm(seen[-1], '$name')
assert v['pid'] == $VMM and v['vcpus'] == 1, (v['pid'], v['vcpus'])
" || fail "the late VM is not shown as the VMM's, with its vCPU"
exit 0
