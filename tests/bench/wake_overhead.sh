#!/bin/bash
# Wake-graph overhead on a host busy scheduling: the `pit` storm's guest loop rate (one vCPU
# pinned to the first CPU) while a context-switch load (a pair of processes ping-ponging
# through a pipe: `perf bench sched pipe`, else a python pair) runs pinned to the last CPU,
# with kvmscope (pinned there too, so it takes no time from the vCPU) running (a) without
# sched events (--sched off), (b) with sched events filtered in the kernel to the VMs'
# threads (--sched tid, the default), (c) unfiltered (--sched all). The cost of recording and
# reading the load's scheduler events falls on the load's CPU: its switch rate is the second
# figure. Configurations alternate round by round; medians and ratios are printed, with the
# events kvmscope read per second and its own CPU time.
# Usage: wake_overhead.sh [ROUNDS] [SECONDS]   (root; figures, not pass/fail)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
ROUNDS=${1:-5}
SECS=${2:-3}
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -d $T/instances ] || mount -t tracefs nodev $T 2>/dev/null
[ -d $T/events/kvm ] || { echo "skipped: no kvm events in $T"; exit 0; }
command -v taskset >/dev/null || { echo "skipped: needs taskset (util-linux)"; exit 0; }
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || { echo "skipped: needs two CPUs"; exit 0; }
vcpu_cpu=0
load_cpu=$((ncpu - 1))
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
bg=()
lgroup=()
cleanup() {
	for p in "${bg[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${lgroup[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The context-switch load: two processes waking each other through pipes, on one CPU.
if perf bench sched pipe -l 1000 >/dev/null 2>&1; then
	load_cmd=(perf bench sched pipe -l 2000000000)
	load_name="perf bench sched pipe"
else
	load_cmd=(python3 -c '
import os
a, b = os.pipe(), os.pipe()
if os.fork() == 0:
    while True:
        os.read(a[0], 1); os.write(b[1], b"x")
while True:
    os.write(a[1], b"x"); os.read(b[0], 1)')
	load_name="python pipe ping-pong"
fi

# Context switches per second of a process tree rooted at pid over secs.
csw() {
	local pid=$1 n=0 t
	for t in /proc/"$pid"/task/* $(pgrep -P "$pid" | sed 's|^|/proc/|; s|$|/task/*|'); do
		[ -r "$t/status" ] || continue
		n=$((n + $(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")))
	done
	echo "$n"
}

# CPU seconds (user + system) of pid.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"; }

storm_rate() {
	taskset -c "$vcpu_cpu" "$STORM" --vcpus 1 --duration "$SECS" -name guest=bench-wake pit \
		>"$tmp/storm.out" 2>&1 || return 1
	awk '/^total/ { for (i = 1; i <= NF; i++) if ($i ~ /^iterations=/) it = substr($i, 12) }
	     /^storm/ { for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) s = substr($i, 9) }
	     END { if (s > 0) printf "%.0f\n", it / s }' "$tmp/storm.out"
}

run() {
	local cfg=$1 p rate c0 c1 cpu ev
	# In a session of its own: the pair is stopped as one process group.
	setsid taskset -c "$load_cpu" "${load_cmd[@]}" >/dev/null 2>&1 &
	lp=$!
	lgroup+=("$lp")
	taskset -c "$load_cpu" "$KVMSCOPE" -b --format json -d 0.5 --sched "$cfg" >"$tmp/k.json" \
		2>"$tmp/k.err" &
	p=$!
	bg+=("$p")
	sleep 0.5
	c0=$(csw "$lp")
	rate=$(storm_rate)
	c1=$(csw "$lp")
	cpu=$(cpu_s "$p")
	kill -TERM "$p"
	kill -TERM -- "-$lp"
	wait "$p" "$lp" 2>/dev/null
	bg=()
	lgroup=()
	# Events read per second while the storm ran, and lost, from kvmscope's own records.
	ev=$(python3 -c "
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
busy = [d for d in docs if any(v['name'] == 'bench-wake' for v in d['vms'])] or docs
rate = sorted(d['events']['count'] / d['interval_s'] for d in busy if d['interval_s'] > 0)
sched = set(s['state'] + ': ' + s['why'] for d in docs for s in d['sources'] if s['name'] == 'sched')
bad = [x for x in sched if not x.startswith(('ok', 'off'))]
if bad:
    print('sched source: ' + '; '.join(sorted(bad)), file=sys.stderr)
print('%.0f %d' % (rate[len(rate) // 2] if rate else 0, max([d['events']['lost'] for d in docs] or [0])))" "$tmp/k.json")
	echo "$rate" >>"$tmp/$cfg.rate"
	echo "${ev% *}" >>"$tmp/$cfg.events"
	echo "${ev#* }" >>"$tmp/$cfg.lost"
	echo "$cpu" >>"$tmp/$cfg.cpu"
	awk -v a="$c0" -v b="$c1" -v s="$SECS" 'BEGIN { printf "%.0f\n", (b - a) / s }' >>"$tmp/$cfg.csw"
	printf '  round %d %-4s %10s loops/s  kvmscope %8s events/s, %5s CPU s, lost %s\n' \
		"$r" "$cfg" "$rate" "${ev% *}" "$cpu" "${ev#* }"
}

configs="off tid all"
echo "load: $load_name on CPU $load_cpu; pit storm vCPU on CPU $vcpu_cpu; ${SECS}s runs"
for r in $(seq "$ROUNDS"); do
	for cfg in $configs; do run "$cfg"; done
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base=$(median "$tmp/off.rate")
echo
lbase=$(median "$tmp/off.csw")
echo "medians over $ROUNDS rounds; slowdowns against --sched off (vCPU loops, load switches):"
for cfg in $configs; do
	awk -v c="$cfg" -v m="$(median "$tmp/$cfg.rate")" -v b="$base" -v e="$(median "$tmp/$cfg.events")" \
		-v u="$(median "$tmp/$cfg.cpu")" -v w="$(median "$tmp/$cfg.csw")" -v lb="$lbase" \
		'BEGIN { printf "  --sched %-4s %8.0f loops/s %.3fx  load %7.0f csw/s %.3fx  kvmscope %8.0f events/s %5.2f CPU s\n", c, m, b / m, w, lb / w, e, u }'
done
echo "events lost per run: off $(tr '\n' ' ' <"$tmp/off.lost")| tid $(tr '\n' ' ' <"$tmp/tid.lost")| all $(tr '\n' ' ' <"$tmp/all.lost")"
