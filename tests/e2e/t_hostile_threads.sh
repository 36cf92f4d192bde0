#!/bin/bash
# Hostile host: one VM with 500 threads besides its vCPUs (kvmscope-storm --threads). Its
# vCPUs and iothread are found among them, the rest grouped; the ticks keep their interval;
# the scheduler events stay filtered to the VMs' threads however many there are (the
# instance's set_event_pid), and the sched source says how many.
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
need_tracefs
need_cmd python3
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (run make)"

vm="hth$$"
storm_start "$E2E_TMP/storm.out" --vcpus 2 --threads 500 --rate 1000 -name "guest=$vm" timer
wait_until 10 bash -c "[ \$(ls /proc/$STORM_PID/task 2>/dev/null | wc -l) -ge 503 ]" ||
	fail "storm did not start 500 threads: $(cat "$E2E_TMP/storm.out")"

start=$(date +%s%N)
"$KVMSCOPE" -b --format json -n 5 -d 0.3 -p "$STORM_PID" >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
kp=$!
track "$kp"
wait "$kp"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 0 ] || fail "kvmscope exited with $rc: $(cat "$E2E_TMP/err")"
[ -s "$E2E_TMP/err" ] && fail "kvmscope wrote to stderr: $(cat "$E2E_TMP/err")"
! kvmscope_instances | grep -qx "kvmscope-$kp" || fail "kvmscope-$kp left"
[ "$ms" -lt 10000 ] || fail "5 ticks of 0.3 s took $ms ms"
jq_py "$E2E_TMP/out" "
iv = sorted(d['interval_s'] for d in docs)
assert len(iv) == 5 and iv[2] < 0.6 and iv[-1] < 1.5, ('intervals', iv)
d = docs[-1]
v = vm(d, '$vm')
assert v, 'no VM'
assert v['vcpus'] == 2 and v['iothreads'] == 1 and v['other_threads'] >= 500, (
    v['vcpus'], v['iothreads'], v['other_threads'])
assert v['exits_rate'] > 0, 'no exits counted'
src = {s['name']: s for s in d['sources']}
assert src['tracefs']['state'] == 'ok', src['tracefs']
s = src['sched']
assert s['state'] == 'ok' and s['why'].startswith('filtered to ') and \
    int(s['why'].split()[2]) >= 503, s
print('intervals %s; %d other threads; sched: %s' % (' '.join('%.2f' % i for i in iv),
      v['other_threads'], s['why']))
" >"$E2E_TMP/verdict" || fail "$(cat "$E2E_TMP/verdict")"
note "$(cat "$E2E_TMP/verdict") (${ms} ms)"

# The same in text: the sources line says how many threads the filter names.
"$KVMSCOPE" -b -n 1 -d 0.3 -p "$STORM_PID" >"$E2E_TMP/text" 2>"$E2E_TMP/err" || fail "text: $(cat "$E2E_TMP/err")"
grep -Eq "^sources: .*sched ok: filtered to [0-9]{3,} threads" \
	"$E2E_TMP/text" || fail "text: sched state not shown: $(grep -m1 '^sources' "$E2E_TMP/text")"
exit 0
