#!/bin/bash
# The flight recorder's figures with 20 storm guests of mixed kinds (timer, apic, pit,
# virtio, idle; one vCPU each at RATE iterations/s), at a 1 s interval for DURATION
# seconds, three monitors side by side on the same guests:
#   batch    kvmscope -b                      (the monitor alone, printing text)
#   both     kvmscope -b --record FILE        (the same, recording too)
#   record   kvmscope record -o FILE          (recording only)
# Size: bytes per VM-hour of the record command's file (its -f keeps the 20 guests only).
# CPU: each process's own utime + stime (from /proc/PID/stat just before it is stopped),
# as percent of one CPU over the run: robust to other load on the machine; the recorder's
# cost is both - batch. Then bench_replay builds a 24-hour recording from the recorded
# ticks and times opening it, jumping in it and stepping through it.
# Targets: at most 1 MB per VM-hour; at most 1% of a CPU above kvmscope -b; open and jump
# in 200 ms, a step in 20 ms.
#   DURATION=600 RATE=20000 HOURS=24 tests/bench/record.sh
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}" "${BENCH_DIR:=build/bench}"
: "${DURATION:=600}" "${RATE:=20000}" "${HOURS:=24}" "${GUESTS:=20}"
[ "$(id -u)" = 0 ] || { echo "  skipped: needs root"; exit 0; }
[ -c /dev/kvm ] || { echo "  skipped: needs /dev/kvm"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-bench-rec.XXXXXX)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

kinds=(timer apic pit virtio idle)
for i in $(seq 0 $((GUESTS - 1))); do
	k=${kinds[$((i % 5))]}
	# idle takes interrupts per second, at most 5000: its default, 100.
	r=$RATE
	[ "$k" = idle ] && r=100
	"$STORM" --rate "$r" -name "guest=brec-$k-$i-$$,debug-threads=on" "$k" >/dev/null 2>&1 &
	pids+=($!)
done
sleep 2
F="^brec-.*-$$\$"

# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

"$KVMSCOPE" -b -d 1 -f "$F" >/dev/null 2>"$tmp/batch.err" &
batch=$!
"$KVMSCOPE" -b -d 1 -f "$F" --record "$tmp/both.rec" >/dev/null 2>"$tmp/both.err" &
both=$!
"$KVMSCOPE" record -d 1 -f "$F" -o "$tmp/record.rec" 2>"$tmp/record.err" &
record=$!
pids+=("$batch" "$both" "$record")
start=$(date +%s.%N)
sleep "$DURATION"
declare -A cpu
for p in batch both record; do
	cpu[$p]=$(cpu_ticks "${!p}")
done
end=$(date +%s.%N)
kill -INT "$batch" "$both" "$record"
wait "$batch" "$both" "$record"

hz=$(getconf CLK_TCK)
ticks=$("$KVMSCOPE" -r "$tmp/record.rec" --format json | wc -l)
vms=$("$KVMSCOPE" -r "$tmp/record.rec" --format json | python3 -c "
import json, sys
n = [len([v for v in json.loads(l)['vms'] if not v['gone']]) for l in sys.stdin]
print('%.2f' % (sum(n) / len(n)))")
size=$(stat -c %s "$tmp/record.rec")
python3 - "$size" "$ticks" "$vms" "$start" "$end" "$hz" "${cpu[batch]}" "${cpu[both]}" "${cpu[record]}" <<'EOF'
import sys
size, ticks, vms, start, end, hz, batch, both, record = (float(x) for x in sys.argv[1:])
secs = end - start
print('  recording: %d ticks at 1 s of %.1f VMs: %d bytes = %.0f bytes per VM-hour (%.2f MB)'
      % (ticks, vms, size, size / vms / (ticks / 3600), size / vms / (ticks / 3600) / 1e6))
pct = lambda t: 100 * t / hz / secs
print('  cpu over %.0f s (utime + stime, %% of one CPU): kvmscope -b %.2f%%, -b --record %.2f%%, '
      'record %.2f%%' % (secs, pct(batch), pct(both), pct(record)))
print('  the recorder costs %.2f%% of a CPU above kvmscope -b (-b --record minus -b)'
      % (pct(both) - pct(batch)))
EOF
for p in batch both record; do
	[ -s "$tmp/$p.err" ] && sed "s/^/  $p: /" "$tmp/$p.err"
done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()
"$BENCH_DIR/bench_replay" "$tmp/record.rec" "$HOURS" "$tmp/replay.rec"
