#!/bin/bash
# kvmscope -b finds the storm guest by its -name, with vCPUs 0 and 1 and one iothread, in JSON
# and text; a max-rate storm shows its vCPU threads busy, an idle one does not.
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd python3

busy=e2e-busy-$$
idle=e2e-idle-$$
storm_start "$E2E_TMP/busy.out" --vcpus 2 --duration 20 -name "guest=$busy,debug-threads=on" timer
BUSY=$STORM_PID
storm_start "$E2E_TMP/idle.out" --vcpus 2 --duration 20 --rate 50 -name "guest=$idle" idle
IDLE=$STORM_PID
wait_until 5 has_thread "$BUSY" "CPU 1/KVM" || fail "storm threads not named"
wait_until 5 has_thread "$IDLE" "CPU 1/KVM" || fail "storm threads not named"

"$KVMSCOPE" -b --format json -d 0.5 -n 4 -f "^e2e-(busy|idle)-$$\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" || { cat "$E2E_TMP/err"; fail "kvmscope -b exited $?"; }
[ "$(wc -l <"$E2E_TMP/out.json")" = 4 ] || fail "expected 4 JSON documents, got $(wc -l <"$E2E_TMP/out.json")"

jq_py "$E2E_TMP/out.json" "
last = docs[-1]
names = sorted(v['name'] for v in last['vms'])
assert names == sorted(['$busy', '$idle']), 'the filter let through %s' % names
for name, pid in (('$busy', $BUSY), ('$idle', $IDLE)):
    v = vm(last, name)
    assert v and v['pid'] == pid, 'VM %s (pid %d) not found: %s' % (name, pid, v)
    assert v['vcpus'] == 2 and v['iothreads'] == 1, (v['vcpus'], v['iothreads'])
    cpus = vcpus(v)
    assert [t['index'] for t in cpus] == [0, 1], [t['index'] for t in cpus]
    assert [t['comm'] for t in cpus] == ['CPU 0/KVM', 'CPU 1/KVM']
    io = [t for t in v['threads'] if t['kind'] == 'iothread']
    assert len(io) == 1 and io[0]['comm'] == 'IO iothread0', io
busy = [t['cpu']['cpu_pct'] for t in vcpus(vm(last, '$busy'))]
idle = [t['cpu']['cpu_pct'] for t in vcpus(vm(last, '$idle'))]
print('  busy vCPU cpu%%: %s, idle vCPU cpu%%: %s' % (busy, idle))
# Two cores are shared with the monitor and the idle guest: busy means clearly busy.
assert all(c is not None and c > 20 for c in busy), busy
assert all(c is not None and c < 15 for c in idle), idle
assert sum(busy) > 5 * (sum(idle) + 1), (busy, idle)
# Shares add up: host + guest = cpu for every row with data.
for t in vcpus(vm(last, '$busy')):
    c = t['cpu']
    assert abs(c['host_pct'] + c['guest_pct'] - c['cpu_pct']) < 0.01, c
" || fail "JSON records do not show the two guests as expected"

# The text record shows the same, with a row per thread under -H.
"$KVMSCOPE" -b -H -d 0.3 -n 1 -p "$BUSY" >"$E2E_TMP/out.txt" 2>&1 || fail "kvmscope -b -H failed"
sed 's/^/    /' "$E2E_TMP/out.txt"
grep -Eq "^$busy +$BUSY +2 +1 " "$E2E_TMP/out.txt" || fail "text VM row for $busy missing"
grep -q "^CPU 0/KVM " "$E2E_TMP/out.txt" || fail "no CPU 0/KVM row"
grep -q "^CPU 1/KVM " "$E2E_TMP/out.txt" || fail "no CPU 1/KVM row"
grep -q "^IO iothread0 " "$E2E_TMP/out.txt" || fail "no iothread row"
grep -q "$idle" "$E2E_TMP/out.txt" && fail "-p $BUSY also showed $idle"

# A VM that goes mid-run is shown gone once, then dropped; kvmscope does not fail.
"$KVMSCOPE" -b --format json -d 0.4 -n 5 -p "$IDLE" >"$E2E_TMP/gone.json" 2>"$E2E_TMP/err" &
MON=$!
# Gone after the first record, however long setting up took under the busy storm.
wait_until 10 test -s "$E2E_TMP/gone.json" || fail "no first record in 10 s"
kill -TERM "$IDLE"
wait "$MON" || { cat "$E2E_TMP/err"; fail "kvmscope failed when the VM went"; }
jq_py "$E2E_TMP/gone.json" "
seen = [[v['gone'] for v in d['vms']] for d in docs]
print('  gone flags per record:', seen)
assert seen[0] == [False], seen
assert [True] in seen, 'never shown gone: %s' % seen
assert seen[-1] == [], 'still listed at the end: %s' % seen
" || fail "vanishing VM not handled"
exit 0
