#!/bin/bash
# The trace pipeline end to end, against the storm's own exact counts:
# - timer: port 0x608 "ACPI PM timer" is the top hot address, with a count within 10% of
#   the storm's reads, and the hint names the Hyper-V clock remedy;
# - apic: the LAPIC registers it writes (EOI, ICR, timer initial count) are named, with
#   counts within 10% of the storm's.
# kvmscope (-c, cumulative) traces before the guests start looping (--start-delay).
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"

timer=e2e-timer-$$
apic=e2e-apic-$$
storm_start "$E2E_TMP/timer.out" --vcpus 2 --start-delay 1.5 --duration 2 -name "guest=$timer" timer
TIMER=$STORM_PID
storm_start "$E2E_TMP/apic.out" --vcpus 1 --start-delay 1.5 --duration 2 -name "guest=$apic" apic
APIC=$STORM_PID
"$KVMSCOPE" -b -c --format json -d 0.5 -n 16 -f "^e2e-(timer|apic)-$$\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" &
MON=$!
track $MON
wait "$TIMER" || fail "timer storm: $(cat "$E2E_TMP/timer.out")"
wait "$APIC" || fail "apic storm: $(cat "$E2E_TMP/apic.out")"
wait "$MON" || fail "kvmscope: $(cat "$E2E_TMP/err")"
cat "$E2E_TMP/timer.out" "$E2E_TMP/apic.out" | sed 's/^/  storm: /'

get() { sed -n "s/^total .*$2=\([0-9]*\).*/\1/p" "$1"; }
jq_py "$E2E_TMP/out.json" "
want = {'timer': $(get "$E2E_TMP/timer.out" pio_0x608),
        'eoi': $(get "$E2E_TMP/apic.out" mmio_0xfee000b0),
        'icr': $(get "$E2E_TMP/apic.out" mmio_0xfee00300),
        'tmict': $(get "$E2E_TMP/apic.out" mmio_0xfee00380)}
assert min(want.values()) > 1000, want
# The storms exit while kvmscope still runs: the record that shows a VM gone holds its final
# cumulative counts (the trace is drained before each scan).
def last_live(name):
    found = None
    for d in docs:
        for v in d['vms']:
            if v['name'] == name:
                found = v
    assert found, name + ' never seen'
    assert found['gone'], name + ' still running when kvmscope stopped'
    return found
def within(got, exp, what):
    print('  %-28s kvmscope %8d  storm %8d  (%+.2f%%)' % (what, got, exp, 100.0 * (got - exp) / exp))
    assert abs(got - exp) <= 0.10 * exp, what
for d in docs:
    assert d['events']['lost'] == 0, 'lost events in record %d' % d['seq']

t = last_live('$timer')
hot = [h for h in t['hot'] if not h['other']]
assert hot[0]['addr'] == '0x608' and hot[0]['kind'] == 'pio', hot[0]
assert hot[0]['name'] == 'ACPI PM timer', hot[0]['name']
assert hot[0]['rw'] == 'r' and hot[0]['user'], hot[0]
within(hot[0]['count'], want['timer'], 'port 0x608 ACPI PM timer')
assert any('hv-time' in h for h in t['hints']), t['hints']

a = last_live('$apic')
regs = {h['addr']: h for h in a['hot'] if h['kind'] == 'mmio'}
for addr, key, name in (('0xfee000b0', 'eoi', 'LAPIC EOI'), ('0xfee00300', 'icr', 'LAPIC ICR'),
                        ('0xfee00380', 'tmict', 'LAPIC timer init count')):
    assert addr in regs, addr + ' missing: %s' % sorted(regs)
    assert regs[addr]['name'] == name, (addr, regs[addr]['name'])
    assert regs[addr]['rw'] == 'w' and not regs[addr]['user'], regs[addr]
    within(regs[addr]['count'], want[key], addr + ' ' + name)
assert any('APICv' in h for h in a['hints']), a['hints']
" || fail "hot addresses do not match the storms"

# On the first screen's text too: the host view's hot pane names the timer port.
storm_start "$E2E_TMP/again.out" --vcpus 1 --duration 4 -name "guest=$timer" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start"
"$KVMSCOPE" -b -d 0.5 -n 2 -p "$STORM_PID" >"$E2E_TMP/out.txt" 2>&1 || fail "kvmscope text"
awk '/^Hot addresses/{f=1; next} f && NF {print; n++} n == 3 {exit}' "$E2E_TMP/out.txt" | sed 's/^/    /'
grep -Eq "^$timer +pio +0x608 +ACPI PM timer " "$E2E_TMP/out.txt" || fail "text hot pane lacks the timer port"
exit 0
