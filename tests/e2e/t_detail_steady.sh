#!/bin/bash
# Detail while nothing changes, end to end, on a pit storm far faster than the budget:
# - the budget in force falls to a quarter of --budget (20k -> 5000 traced events/s) once
#   the host's counted KVM rates have held for 10 s, and the counts stay exact meanwhile;
# - it is back to the whole budget within two ticks of the storm's stop (SIGSTOP: the VM is
#   still there, only its rate moves; the tick the stop falls in may see most of the rate);
# - with cumulative figures (-c): the loop decides by each interval's rates, not by the
#   rates since the start shown, which would still read as the storm for seconds.
. "$(dirname "$0")/lib.sh"
need_kvm
need_tracefs
[ -r "$TRACEFS/events/kvm/kvm_pio/id" ] || skip "no kvm_pio tracepoint in $TRACEFS"

name=e2e-steady-$$
storm_start "$E2E_TMP/storm.out" --vcpus 1 --start-delay 1 --duration 70 -name "guest=$name" pit
SPID=$STORM_PID
wait_until 5 has_thread "$SPID" "CPU 0/KVM" || fail "storm did not start"
"$KVMSCOPE" -b -c --format json -d 1 -f "^$name\$" >"$E2E_TMP/out.json" 2>"$E2E_TMP/err" &
MON=$!
track $MON
budget_of_last() {
	tail -n 1 "$E2E_TMP/out.json" | python3 -c '
import json, sys
print(int(json.loads(sys.stdin.read())["detail"]["budget"]))' 2>/dev/null
}
# Each tick's budget in force and the host's counted KVM rate the loop judges it by (the
# tracepoints counted all the time), for a failure to show why.
ticks() {
	python3 -c '
import json, sys
prev = None
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    tot = sum(c["value"] for c in d["counters"] if c["source"] == "tracepoint" and
              c["kind"] == "count" and not c["why"] and (c["scale"] or 1) <= 1 and
              "(" not in c["name"])
    rate = (tot - prev) / d["interval_s"] if prev is not None and tot >= prev else -1
    prev = tot
    print("tick %d: budget %d, host %.0f/s" % (d["seq"], d["detail"]["budget"], rate))
' "$E2E_TMP/out.json" | tail -n 40
}
steady() { [ "$(budget_of_last)" = 5000 ]; }
wait_until 45 steady || fail "the budget in force never fell while the storm held:" \
	"$(ticks)"
t0=$(date +%s%N)
kill -STOP "$SPID"
at_exit "kill -CONT $SPID 2>/dev/null"
# A tick that sees the rate fall by half or more ends the steady time (one the stop falls
# late in may not: the next does); the budget of a tick is the one in force over its
# interval, so the tick after shows the change.
whole() { [ "$(budget_of_last)" = 20000 ]; }
wait_until 5 whole || fail "the budget did not come back after the storm stopped:" "$(ticks)"
t1=$(date +%s%N)
kill -CONT "$SPID"
kill -INT "$MON"
wait "$MON" || fail "kvmscope: $(cat "$E2E_TMP/err")"
kill -INT "$SPID"
wait "$SPID"
note "back to the whole budget $(((t1 - t0) / 1000000)) ms after the storm stopped"

jq_py "$E2E_TMP/out.json" "
run = [d for d in docs if vm(d, '$name')]
seq = [(d['detail']['budget'], d['detail']['mode']) for d in run]
print('  budget in force, tick by tick: %s' % ' '.join('%d' % b for b, m in seq))
first = [i for i, (b, m) in enumerate(seq) if b == 5000]
assert first, seq
# Not before the storm has held 10 s (1 s ticks; the storm starts after ~1 s).
assert first[0] >= 10, (first[0], seq)
# Sampled all the while, the counts exact from the kernel: the rate at the steady budget
# traces a quarter as much as at the whole one.
low = [d for d in run if d['detail']['budget'] == 5000 and d['detail']['mode'] == 'sampled']
assert low, seq
v = vm(low[-1], '$name')
assert v['exits_count'] > 0 and not v['exits_estimate'], v['exits_count']
" || fail "steady budget"
