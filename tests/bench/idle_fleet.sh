#!/bin/bash
# Idle fleet: what watching costs when nothing happens. Starts GUESTS idle guests of VCPUS
# vCPUs each (kvmscope-storm ... idle: HLT, woken by the LAPIC timer 100 times a second;
# one process each, like QEMU), then measures over WINDOW-second windows, in rounds whose
# configurations alternate:
#   - kvmscope's own CPU at -d 1 (schedstat run time of all its threads, and utime+stime
#     ticks beside it) for -b --format json, -b (text), and --no-trace of each;
#   - kvm_stat's stand-in, `perf stat -a -I 1000` counting every kvm:* tracepoint (per-CPU
#     counters read each second, kvm_stat's mechanism), its own CPU likewise;
#   - the guests' own CPU (the sum of their threads' schedstat run time) in each window,
#     and with nothing watching ("none").
# Then, in windows of their own (counting perturbs the guests), kvmscope's syscalls per
# tick (raw_syscalls:sys_enter counted on its threads). Medians over the rounds; each
# round's figures are printed as they come. Figures, not pass/fail.
# Usage: idle_fleet.sh [ROUNDS] [WINDOW]   (root, /dev/kvm; defaults 3 rounds of 30 s)
#   env: GUESTS (30), VCPUS (2), IDLE_WARM (15 s), KVMSCOPE, STORM, IDLE_CONFIGS (a subset, in order),
#        KVMSCOPE_BASE (another build: its configurations alternate with KVMSCOPE's)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
: "${GUESTS:=30}" "${VCPUS:=2}"
ROUNDS=${1:-3}
WINDOW=${2:-30}
# Seconds before a window: kvmscope's first scans, perf's setup, and kvmscope's steady state
# (a quarter of its budget is in force once the host has held for 10 s).
WARM=${IDLE_WARM:-15}
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -c /dev/kvm ] && [ -w /dev/kvm ] || { echo "skipped: needs /dev/kvm"; exit 0; }
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || { echo "skipped: build $KVMSCOPE and $STORM first"; exit 0; }

tmp=$(mktemp -d /tmp/kvmscope-idle.XXXXXX)
fleet=()   # the guests' pids
watcher="" # the kvmscope or perf of the window in progress
kvmscopes=()

# Stops what this script started, by pid, on every way out; a kvmscope stopped by a signal
# removes its own tracing instance, and one that could not is removed here.
cleanup() {
	local p
	trap - EXIT INT TERM HUP
	[ -n "$watcher" ] && kill -TERM "$watcher" 2>/dev/null
	for p in "${fleet[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${fleet[@]}" $watcher; do
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for p in "${kvmscopes[@]}"; do
		[ -d "$T/instances/kvmscope-$p" ] && rmdir "$T/instances/kvmscope-$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Prints the schedstat run time (ns) of all threads of the given processes.
run_ns() {
	local s=0 p f a rest
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r a rest <"$f" 2>/dev/null && s=$((s + a))
		done
	done
	echo "$s"
}

# Prints utime + stime (clock ticks) of a process, all its threads.
ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; }

now_ns() { date +%s%N; }

echo "starting $GUESTS idle guests x $VCPUS vCPUs"
for i in $(seq "$GUESTS"); do
	"$STORM" --vcpus "$VCPUS" -name "guest=idle$i" idle >/dev/null 2>&1 &
	fleet+=("$!")
done
for p in "${fleet[@]}"; do
	for _ in $(seq 50); do
		[ "$(cat /proc/"$p"/task/*/comm 2>/dev/null | grep -c '^CPU .*/KVM$')" -ge "$VCPUS" ] && break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null || { echo "a guest did not start"; exit 1; }
done
fleet_re="^idle($(seq -s '|' "$GUESTS"))\$"

# Other VMs on the host are scanned too (their threads are read every tick): say how many.
"$KVMSCOPE" -b --no-trace --format json -n 2 -d 0.5 >"$tmp/probe.json" 2>/dev/null
others=$(python3 -c '
import json, re, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
vms = docs[-1]["vms"] if docs else []
print(sum(1 for v in vms if not re.match(sys.argv[2], v.get("name", ""))))' \
	"$tmp/probe.json" "$fleet_re" 2>/dev/null)
echo "other VMs on this host: ${others:-?} (scanned, not printed: -f selects the fleet)"

kvm_events=$(ls "$T/events/kvm" 2>/dev/null | grep -v -e '^enable$' -e '^filter$' | sed 's/^/kvm:/' |
	paste -sd, -)
have_perf=0
[ -n "$kvm_events" ] && perf stat -a -e "$kvm_events" true >/dev/null 2>&1 && have_perf=1

# Starts the watcher of configuration $1 in the background; sets watcher. "base-X" is X
# with the binary $KVMSCOPE_BASE, to compare two builds in the same alternating rounds.
start_watcher() {
	local k=$KVMSCOPE c=$1
	case $c in base-*) k=$KVMSCOPE_BASE; c=${c#base-} ;; esac
	case $c in
	json) "$k" -b -d 1 --format json -f "$fleet_re" >"$tmp/out" 2>"$tmp/err" & ;;
	text) "$k" -b -d 1 -f "$fleet_re" >"$tmp/out" 2>"$tmp/err" & ;;
	json-notrace) "$k" -b -d 1 --format json --no-trace -f "$fleet_re" >"$tmp/out" 2>"$tmp/err" & ;;
	text-notrace) "$k" -b -d 1 --no-trace -f "$fleet_re" >"$tmp/out" 2>"$tmp/err" & ;;
	# No workload: it counts until stopped, and leaves no child behind.
	perf-stat) perf stat -a -I 1000 -x, -e "$kvm_events" -o "$tmp/out" 2>"$tmp/err" & ;;
	none) watcher=""; return ;;
	esac
	watcher=$!
	case $c in perf-stat) ;; *) kvmscopes+=("$watcher") ;; esac
}

stop_watcher() {
	[ -n "$watcher" ] || return 0
	kill -TERM "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	watcher=""
}

configs="none json text json-notrace text-notrace"
[ -n "$KVMSCOPE_BASE" ] && configs="none json base-json text base-text json-notrace base-json-notrace text-notrace base-text-notrace"
[ $have_perf = 1 ] && configs="$configs perf-stat"
configs=${IDLE_CONFIGS:-$configs}

echo "rounds: $ROUNDS, windows of ${WINDOW}s after ${WARM}s, configurations alternating"
for r in $(seq "$ROUNDS"); do
	for c in $configs; do
		start_watcher "$c"
		sleep "$WARM"
		if [ -n "$watcher" ] && ! kill -0 "$watcher" 2>/dev/null; then
			echo "  $c: the watcher stopped: $(head -c 300 "$tmp/err")"
			exit 1
		fi
		w0=$(now_ns); g0=$(run_ns "${fleet[@]}")
		o0=0; t0=0
		[ -n "$watcher" ] && { o0=$(run_ns "$watcher"); t0=$(ticks "$watcher"); }
		sleep "$WINDOW"
		o1=0; t1=0
		[ -n "$watcher" ] && { o1=$(run_ns "$watcher"); t1=$(ticks "$watcher"); }
		g1=$(run_ns "${fleet[@]}"); w1=$(now_ns)
		stop_watcher
		read -r own tk gst < <(awk -v o0="$o0" -v o1="$o1" -v t0="$t0" -v t1="$t1" \
			-v g0="$g0" -v g1="$g1" -v w0="$w0" -v w1="$w1" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { w = w1 - w0; printf "%.3f %.3f %.2f\n", 100 * (o1 - o0) / w,
				 100 * (t1 - t0) / hz * 1e9 / w, 100 * (g1 - g0) / w }')
		echo "$own" >>"$tmp/own.$c"
		echo "$tk" >>"$tmp/ticks.$c"
		echo "$gst" >>"$tmp/guests.$c"
		printf '  round %d %-18s own %7s%% (ticks %6s%%)  guests %7s%%\n' "$r" "$c" \
			"$([ "$c" = none ] && echo - || echo "$own")" "$([ "$c" = none ] && echo - || echo "$tk")" "$gst"
	done
done

# Syscalls per tick at -d 1: one window per kvmscope configuration, counted on its threads.
if perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
	for c in $configs; do
		case $c in none | perf-stat) continue ;; esac
		start_watcher "$c"
		sleep "$WARM"
		perf stat -x, -e raw_syscalls:sys_enter -p "$watcher" -o "$tmp/sys.txt" sleep "$WINDOW" 2>/dev/null
		stop_watcher
		awk -F, -v w="$WINDOW" '$3 == "raw_syscalls:sys_enter" { printf "%.0f\n", $1 / w }' \
			"$tmp/sys.txt" >"$tmp/sys.$c"
	done
fi

median() {
	[ -s "$1" ] || { echo -; return; }
	sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
range() { [ -s "$1" ] && sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s", lo, hi }'; }

echo
echo "$GUESTS idle guests x $VCPUS vCPUs, -d 1, windows of ${WINDOW}s, medians of $ROUNDS rounds"
echo "(own CPU: % of one core, schedstat run time; guests: % of one core, all their threads)"
printf '%-45s %9s %15s %9s %10s %10s\n' configuration "own CPU" "(range)" ticks syscalls/s guests
for c in $configs; do
	case ${c#base-} in
	none) label="nothing watching" ;;
	json) label="kvmscope -b --format json" ;;
	text) label="kvmscope -b" ;;
	json-notrace) label="kvmscope -b --format json --no-trace" ;;
	text-notrace) label="kvmscope -b --no-trace" ;;
	perf-stat) label="perf stat -a -I 1000 -e kvm:* ($(echo "$kvm_events" | tr ',' '\n' | wc -l))" ;;
	esac
	case $c in base-*) label="$label (base)" ;; esac
	if [ "$c" = none ]; then
		printf '%-45s %9s %15s %9s %10s %9s%%\n' "$label" - "" - - "$(median "$tmp/guests.$c")"
	else
		printf '%-45s %8s%% %15s %8s%% %10s %9s%%\n' "$label" "$(median "$tmp/own.$c")" \
			"($(range "$tmp/own.$c"))" "$(median "$tmp/ticks.$c")" \
			"$(median "$tmp/sys.$c")" "$(median "$tmp/guests.$c")"
	fi
done
exit 0
