#!/bin/bash
# A VM made while kvmscope runs, by a VMM that was already running, storms at once: its
# exits are counted from the first, not from the sample that finds its vCPU threads (up to
# a tick later). Where VMs are counted per vCPU thread (debugfs locked down or not mounted),
# kvmscope counts on the VMM's threads from KVM's uevent on, and on every thread they make;
# where debugfs is read, its counts start with the VM. Either way the VM's exits end within
# 0.1% of what the storm reports.
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd python3

name=e2e-made-$$
"$KVMSCOPE" -b -c --format json -d 0.5 -n 24 -f "^$name\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" &
MON=$!
track "$MON"
wait_until 10 test -s "$E2E_TMP/out.json" || { cat "$E2E_TMP/err"; fail "no first record in 10 s"; }
# Made 1.3 s after the VMM starts, so somewhere inside a tick, and at once a storm of
# ~0.5-2M exits/s: a tick's worth missed would be several per cent.
storm_start "$E2E_TMP/storm.out" --vcpus 1 --create-delay 1.3 --duration 4 -name "guest=$name" pit
SPID=$STORM_PID
wait "$SPID" || fail "storm: $(cat "$E2E_TMP/storm.out")"
wait "$MON" || fail "kvmscope -b exited $?: $(cat "$E2E_TMP/err")"
sed 's/^/  storm: /' "$E2E_TMP/storm.out"
get() { sed -n "s/^total .*$1=\([0-9]*\).*/\1/p" "$E2E_TMP/storm.out"; }
src=$(jq_py "$E2E_TMP/out.json" "print([s['state'] + ': ' + (s['why'] or '') for d in docs[-1:] for s in d['sources'] if s['name'] == 'kvmstat'])")
note "kvmstat source: $src"

jq_py "$E2E_TMP/out.json" "
pio, ctl = $(get pio_0x40), $(get ctl_exits)
assert pio > 200000, pio
final = None
for d in docs:
    for v in d['vms']:
        if v['name'] == '$name':
            final = v
assert final and final['gone'], 'the VM never showed gone'
want = pio + ctl
got = final['exits_count']
# Where kvm_exit fires (VMX, SVM) every exit counts, the host's timer interrupts too: a few
# hundred a second over the storm's ~1M; emulated (kvm_pvm), only the storm's.
over = 0.001 if docs[-1]['host']['kvm'] == 'kvm_pvm' else 0.01
print('  exits %d on screen; the storm: %d (%+.3f%%)' % (got, want, 100.0 * (got - want) / want))
assert got >= want * 0.999 and got <= want * (1 + over), (got, want)
" || fail "the exits of a VM made late are not counted from its first"
exit 0
