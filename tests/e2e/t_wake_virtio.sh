#!/bin/bash
# The wake graph end to end, against the virtio storm's own counts: the vCPU wakes the
# iothread through the ioeventfd on port 0xc050 once per notify, the iothread wakes the vCPU
# through the irqfd once per interrupt; both edges are there with counts within 10% of the
# storm's, classified so, and the notify -> interrupt round trip of port 0xc050 takes at
# least the storm's mean I/O time, its parts adding up to it. Sched events are filtered by
# tid. kvmscope (-c, cumulative) traces before the guest starts looping (--start-delay).
# Sampled beside two pit storms with a hundred times its exits, the virtio VM's wakes are
# still timed: the sched events go to the VMs whose threads switch most, not those that exit
# most.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"
[ -d "$TRACEFS/events/sched/sched_waking" ] || skip "no sched_waking event in $TRACEFS"

name=e2e-wake-$$
storm_start "$E2E_TMP/storm.out" --vcpus 1 --start-delay 1.5 --duration 6 -name "guest=$name" virtio
VIRTIO=$STORM_PID
# Within the default budget the storm is traced in bursts: the wake counts are estimates,
# scaled like the exits to the kernel's exact count, marked so, and still within 10% of the
# storm's, in the record that shows the VM gone too (a VMM exit reason seen as it goes, an
# estimate itself, once made that record fall back to the share of time traced: -30%).
"$KVMSCOPE" -b -c --format json -d 1 -n 10 -f "^$name\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" &
MON=$!
track $MON
wait "$VIRTIO" || fail "virtio storm: $(cat "$E2E_TMP/storm.out")"
wait "$MON" || fail "kvmscope: $(cat "$E2E_TMP/err")"
sed 's/^/  storm: /' "$E2E_TMP/storm.out"

get() { sed -n "s/^total .*[ ]$1=\([0-9]*\).*/\1/p" "$E2E_TMP/storm.out"; }
jq_py "$E2E_TMP/out.json" "
notifies, irqs, io_mean = $(get notifies), $(get irqs), $(get io_ns_mean)
assert notifies > 1000 and irqs > 1000 and io_mean > 0, (notifies, irqs, io_mean)
for d in docs:
    assert d['events']['lost'] == 0, 'lost events in record %d' % d['seq']
    src = {s['name']: s for s in d['sources']}
    assert src['sched']['state'] == 'ok' and 'filtered to' in src['sched']['why'], src['sched']
# The record that shows the VM gone holds its final cumulative counts.
last = None
for d in docs:
    for v in d['vms']:
        if v['name'] == '$name':
            last = v
assert last, 'VM never seen'
assert last['gone'], 'storm still running when kvmscope stopped'
w = last['wake']
def edge(waker, wakee, how):
    got = [e for e in w['edges'] if not e['other'] and e['waker'] == waker and
           e['wakee'] == wakee and e['how'] == how]
    assert len(got) == 1, (waker, wakee, how, w['edges'])
    return got[0]
def within(got, exp, what):
    print('  %-36s kvmscope %8d  storm %8d  (%+.2f%%)' % (what, got, exp, 100.0 * (got - exp) / exp))
    assert abs(got - exp) <= 0.10 * exp, what
e = edge('CPU 0/KVM', 'IO iothread0', 'ioeventfd')
assert e['waker_kind'] == 'vcpu' and e['wakee_kind'] == 'iothread', e
within(e['count'], notifies, 'CPU 0/KVM -> IO iothread0 ioeventfd')
sampled = any(d['detail']['mode'] == 'sampled' for d in docs)
print('  detail sampled in some record: %s; edge marked an estimate: %s' % (sampled, e['estimate']))
assert e['estimate'] == sampled, 'an edge from bursts must be marked, one from the full trace not'
assert e['timed'] > 0 and e['lat_mean_ns'] > 0 and e['lat_p99_ns'] >= e['lat_mean_ns'], e
i = edge('IO iothread0', 'CPU 0/KVM', 'irqfd')
within(i['count'], irqs, 'IO iothread0 -> CPU 0/KVM irqfd')
assert i['timed'] > 0 and i['lat_mean_ns'] > 0, i
print('  found awake (no sched_waking): ioeventfd %d, irqfd %d' % (e['awake'], i['awake']))
print('  wake latency: ioeventfd mean %.1f us p99 %.1f us; irqfd mean %.1f us p99 %.1f us' %
      (e['lat_mean_ns'] / 1e3, e['lat_p99_ns'] / 1e3, i['lat_mean_ns'] / 1e3, i['lat_p99_ns'] / 1e3))
rts = [r for r in w['round_trips'] if not r['other'] and r['addr'] == '0xc050']
assert len(rts) == 1 and rts[0]['kind'] == 'pio', w['round_trips']
r = rts[0]
print('  round trip port 0xc050: %d, p50 %.1f us, p99 %.1f us, mean %.1f us = %.1f + %.1f + %.1f us; storm I/O mean %.1f us' %
      (r['count'], r['p50_ns'] / 1e3, r['p99_ns'] / 1e3, r['mean_ns'] / 1e3,
       r['notify_to_iothread_ns'] / 1e3, r['iothread_to_inject_ns'] / 1e3,
       r['inject_to_vcpu_ns'] / 1e3, io_mean / 1e3))
# Most requests are followed whole (a notify that finds the iothread runnable wakes nobody).
assert r['count'] >= 0.5 * notifies and r['count'] <= notifies, (r['count'], notifies)
assert r['mean_ns'] >= io_mean, 'round trip shorter than the I/O inside it'
assert r['p99_ns'] >= r['p50_ns'] > 0, r
parts = r['notify_to_iothread_ns'] + r['iothread_to_inject_ns'] + r['inject_to_vcpu_ns']
assert abs(parts - r['mean_ns']) <= 0.01 * r['mean_ns'], (parts, r['mean_ns'])
" || fail "wake graph does not match the storm"

# The same tables in batch text, for a running storm.
storm_start "$E2E_TMP/again.out" --vcpus 1 --duration 4 -name "guest=$name" virtio
wait_until 5 has_thread "$STORM_PID" "IO iothread0" || fail "storm did not start"
"$KVMSCOPE" -b -d 0.5 -n 3 -p "$STORM_PID" >"$E2E_TMP/out.txt" 2>&1 || fail "kvmscope text"
awk '/^Wakeups/{f=1} f && !NF {exit} f' "$E2E_TMP/out.txt" | sed 's/^/    /'
grep -Eq "^$name +CPU 0/KVM +IO iothread0 +ioeventfd " "$E2E_TMP/out.txt" ||
	fail "text Wakeups pane lacks the ioeventfd edge"
grep -Eq "^$name +IO iothread0 +CPU 0/KVM +irqfd " "$E2E_TMP/out.txt" ||
	fail "text Wakeups pane lacks the irqfd edge"
grep -Eq "^$name +pio 0xc050 " "$E2E_TMP/out.txt" || fail "text Round trips pane lacks port 0xc050"

# More threads than a per-event filter string can name (about 150): set_event_pid names
# them all, so the sched events stay filtered, and the wake graph goes on (each idle vCPU
# woken by its timer).
big=()
for i in 1 2 3; do
	storm_start "$E2E_TMP/big$i.out" --vcpus 60 --duration 4 -name "guest=$name-big$i" idle
	big+=("$STORM_PID")
done
for p in "${big[@]}"; do wait_until 5 has_thread "$p" "CPU 59/KVM" || fail "big storm did not start"; done
"$KVMSCOPE" -b --format json -d 0.5 -n 3 -f "^$name-big" >"$E2E_TMP/big.json" 2>"$E2E_TMP/err" ||
	fail "kvmscope: $(cat "$E2E_TMP/err")"
jq_py "$E2E_TMP/big.json" "
d = docs[-1]
src = {s['name']: s for s in d['sources']}
print('  sched source with 3 x 61 threads: %s: %s' % (src['sched']['state'], src['sched']['why']))
assert src['sched']['state'] == 'ok', src['sched']
assert int(src['sched']['why'].split()[2]) >= 3 * 61, src['sched']
timers = [e for v in d['vms'] for e in v['wake']['edges'] if e['how'] == 'timer' and
          e['waker'] == 'hardirq' and e['wakee_kind'] == 'vcpu']
assert len(timers) >= 10, timers
" || fail "sched events not filtered to 183 threads and more"

# Sampled, with two pit storms beside it (each ~50 times its exits, never asleep): the sched
# events are narrowed to two VMs, and the virtio VM is one of them.
storm_start "$E2E_TMP/v2.out" --vcpus 1 --duration 5 -name "guest=$name-v" virtio
V2=$STORM_PID
for i in 1 2; do
	storm_start "$E2E_TMP/pit$i.out" --vcpus 1 --duration 5 -name "guest=$name-pit$i" pit
done
wait_until 5 has_thread "$V2" "IO iothread0" || fail "virtio storm did not start"
"$KVMSCOPE" -b --format json -d 1 -n 4 -f "^$name-" >"$E2E_TMP/mix.json" 2>"$E2E_TMP/err" ||
	fail "kvmscope: $(cat "$E2E_TMP/err")"
jq_py "$E2E_TMP/mix.json" "
samp = [d for d in docs if d['detail']['mode'] == 'sampled' and vm(d, '$name-v')]
assert len(samp) >= 2, [d['detail'] for d in docs]
for d in samp[-2:]:
    v, p = vm(d, '$name-v'), vm(d, '$name-pit1')
    # Edges come from the KVM events too; their times need the sched events.
    timed = {e['how']: e['timed'] for e in v['wake']['edges'] if e['how'] in ('ioeventfd', 'irqfd')}
    print('  sampled: virtio %.0f exits/s, wakes timed %s; pit %.0f exits/s' %
          (v['exits_rate'], timed, p['exits_rate'] if p else -1))
    assert timed.get('ioeventfd', 0) > 0 and timed.get('irqfd', 0) > 0, v['wake']['edges']
    # One notify, one interrupt: the two edges count alike (an EOI write taken for a notify
    # once made the first twice the second).
    n = {e['how']: e['count'] for e in v['wake']['edges'] if e['how'] in ('ioeventfd', 'irqfd')}
    print('  counts %s' % n)
    assert abs(n['ioeventfd'] - n['irqfd']) <= 0.2 * n['irqfd'], n
" || fail "the virtio VM's wakes while sampled beside two pit storms"
exit 0
