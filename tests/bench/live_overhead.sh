#!/bin/bash
# Live overhead: the `pit` storm's guest loop rate (in-kernel port 0x40 reads, one kvm_pio
# each) with nothing tracing; with the events kvmscope enables switched on in an instance
# nobody reads (the cost of the tracepoints themselves); with kvmscope running; and with
# perf on the same events (counting, recording, `perf kvm stat live`). The configurations
# alternate round by round on the same machine; medians and ratios are printed, plus the
# events kvmscope lost at the storm's maximum rate with its default buffer.
# Usage: live_overhead.sh [ROUNDS] [SECONDS]   (root; figures, not pass/fail)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
ROUNDS=${1:-5}
SECS=${2:-2}
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -d $T/instances ] || mount -t tracefs nodev $T 2>/dev/null
[ -d $T/events/kvm ] || { echo "skipped: no kvm events in $T"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
inst=$T/instances/bench-tp-$$
bg=()
cleanup() {
	for p in "${bg[@]}"; do kill -INT "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -d "$inst" ] && { echo 0 >"$inst/tracing_on"; echo >"$inst/set_event"; rmdir "$inst"; }
	rm -rf "$tmp"
}
trap cleanup EXIT

# The events kvmscope enables, read from its own instance.
"$KVMSCOPE" -b -d 0.2 -n 3 >/dev/null &
kp=$!
for _ in $(seq 50); do grep -q . $T/instances/kvmscope-$kp/set_event 2>/dev/null && break; sleep 0.05; done
events=$(cat $T/instances/kvmscope-$kp/set_event 2>/dev/null)
wait $kp
[ -n "$events" ] || { echo "cannot read the events kvmscope enables"; exit 1; }
perf_events=$(echo "$events" | sed 's/^/-e /' | tr '\n' ' ')
echo "events: $(echo $events)"

have_perf=0
perf stat -e kvm:kvm_pio true >/dev/null 2>&1 && have_perf=1

# One storm run under a configuration; prints iterations per second.
storm_rate() {
	"$STORM" --vcpus 1 --duration "$SECS" -name guest=bench-pit pit >"$tmp/storm.out" 2>&1 || return 1
	awk '/^total/ { for (i = 1; i <= NF; i++) if ($i ~ /^iterations=/) it = substr($i, 12) }
	     /^storm/ { for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) s = substr($i, 9) }
	     END { if (s > 0) printf "%.0f\n", it / s }' "$tmp/storm.out"
}

run() {
	local cfg=$1 p rate lost
	case $cfg in
	none) rate=$(storm_rate) ;;
	events)
		mkdir "$inst"
		echo "$events" >"$inst/set_event"
		echo 1 >"$inst/tracing_on"
		rate=$(storm_rate)
		echo 0 >"$inst/tracing_on"
		echo >"$inst/set_event"
		rmdir "$inst"
		;;
	kvmscope)
		"$KVMSCOPE" -b --format json -d 1 >"$tmp/k.json" 2>"$tmp/k.err" &
		p=$!
		bg+=("$p")
		sleep 0.5
		rate=$(storm_rate)
		kill -TERM "$p"
		wait "$p"
		lost=$(python3 -c "
import json, sys
print(max([json.loads(l)['events']['lost'] for l in open(sys.argv[1]) if l.strip()] or [0]))" "$tmp/k.json")
		echo "$lost" >>"$tmp/lost"
		;;
	perf-stat | perf-record | perf-kvm)
		case $cfg in
		perf-stat) perf stat $perf_events -a -o "$tmp/perf.txt" sleep 60 & ;;
		perf-record) perf record $perf_events -a -q -o "$tmp/perf.data" sleep 60 2>/dev/null & ;;
		perf-kvm) perf kvm stat live --event=ioport -d 1 >/dev/null 2>&1 & ;;
		esac
		p=$!
		bg+=("$p")
		sleep 0.5
		rate=$(storm_rate)
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		rm -f "$tmp/perf.data"
		;;
	esac
	echo "$rate" >>"$tmp/$cfg"
	printf '  round %d %-12s %10s loops/s\n' "$r" "$cfg" "$rate"
}

configs="none events kvmscope"
[ $have_perf = 1 ] && configs="$configs perf-stat perf-record perf-kvm"
for r in $(seq "$ROUNDS"); do
	for cfg in $configs; do run "$cfg"; done
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base=$(median "$tmp/none")
tp=$(median "$tmp/events")
echo
echo "pit storm, 1 vCPU, ${SECS}s runs, $ROUNDS rounds; medians (loops/s) and slowdown vs nothing traced:"
for cfg in $configs; do
	m=$(median "$tmp/$cfg")
	awk -v c="$cfg" -v m="$m" -v b="$base" 'BEGIN { printf "  %-12s %10.0f  slowdown %.3fx\n", c, m, b / m }'
done
k=$(median "$tmp/kvmscope")
awk -v t="$tp" -v k="$k" 'BEGIN { printf "kvmscope vs the tracepoints alone: %.3fx (target <= 1.2x)\n", t / k }'
echo "events lost by kvmscope per run (default buffer): $(tr '\n' ' ' <"$tmp/lost")"
