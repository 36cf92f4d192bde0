#!/bin/bash
# Live overhead, against the issue's targets ("Cost"), in two parts. Configurations alternate
# round by round in one run; medians are printed with each round's figures.
#
# 1. The `pit` storm (one vCPU reading the in-kernel PIT, one kvm_pio per loop) with nothing
#    watching; with the events kvmscope traces enabled in an instance nobody reads; with
#    kvmscope (batch JSON at 1 s); and with perf on the same events: counting (`perf stat -a`,
#    kvm_stat's mechanism, its stand-in here), recording, `perf kvm stat live`. The guest's
#    cost is its loops per CPU-second of the storm process (the kernel's work in the vCPU
#    thread: tracepoints, probes, buffers, counters), which other load on the machine does
#    not move as it moves the wall-clock rate (printed too); the monitor's own CPU is its
#    threads' schedstat run time over the storm. The storm starts after a delay
#    (--start-delay), so that the monitor has found its VM before the loop runs.
# 2. An idle fleet (FLEET guests, 2 vCPUs each, HLT woken 100 times a second): the fleet's CPU
#    and the monitor's own CPU over FLEET_SECS at -d 1, with nothing, nothing again (an A/A
#    pair: the noise), kvmscope (text, JSON) and perf stat. Other people's VMs on the host are
#    counted and printed: kvmscope watches them too. The windows start FLEET_WARM seconds
#    (default 15) after the monitor: its steady state (a quarter of the budget is in force
#    once the host has held for 10 s).
#
# Usage: live_overhead.sh [ROUNDS] [SECONDS] [FLEET_SECONDS]   (root; figures, not pass/fail)
#   FLEET=N guests (default 30, 0 skips part 2); FLEET_ROUNDS (default 3); FLEET_WARM
#   (seconds before each window, default 15); PIT=0 skips part 1;
#   KVMSCOPE_ARGS extra options for kvmscope (e.g. --budget 0);
#   KVMSCOPE_BASE another build (the one before a change): its configurations
#   (kvmscope-base, kvmscope-base-text) alternate with the others, the before and after
#   of one run; KVM_STAT: the Linux tree's kvm_stat (tools/kvm/kvm_stat), run with
#   -t -l -s 1 as a configuration of both parts;
#   PIT_CONFIGS, FLEET_CONFIGS: the configurations, in order, instead of all
#   (kvmscope-notrace: --no-trace; kvmscope-counters: the trace's detail at a minimum).
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
. tests/bench/lib/cost.sh
ROUNDS=${1:-5}
SECS=${2:-4}
FLEET_SECS=${3:-10}
: "${FLEET:=30}" "${FLEET_ROUNDS:=3}" "${FLEET_WARM:=15}"
read -r -a kargs <<<"${KVMSCOPE_ARGS:-}"
DELAY=1.5
need_kvm_tracing
[ -x /usr/bin/time ] || { echo "skipped: needs /usr/bin/time (apt-get install time)"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
inst=$T/instances/bench-tp-$$
bg=()
cleanup() {
	stop_pids INT "${bg[@]}"
	fleet_stop "$tmp/fleet.pids"
	[ -d "$inst" ] && { echo 0 >"$inst/tracing_on"; echo >"$inst/set_event"; rmdir "$inst"; }
	rm -rf "$tmp"
}
trap cleanup EXIT

# The events kvmscope traces, read from its own instance (set_event, or the enable files).
"$KVMSCOPE" -b -d 0.2 -n 3 "${kargs[@]}" >/dev/null 2>&1 &
kp=$!
bg+=("$kp")
ki=$T/instances/kvmscope-$kp
for _ in $(seq 50); do grep -q . "$ki/set_event" 2>/dev/null && break; sleep 0.05; done
events=$( (cat "$ki/set_event"; grep -l '1' "$ki"/events/*/*/enable | awk -F/ '{ print $(NF-2) ":" $(NF-1) }') \
	2>/dev/null | sort -u)
wait $kp
bg=()
[ -n "$events" ] || events=$(printf 'kvm:%s\n' kvm_exit kvm_entry kvm_pio kvm_mmio kvm_fast_mmio \
	kvm_msr kvm_userspace_exit kvm_vcpu_wakeup kvm_set_irq kvm_msi_set_irq)
# kvm_stat counts KVM tracepoints only: perf's stand-in counts the kvm:* ones kvmscope traces.
perf_events=$(echo "$events" | grep '^kvm:' | sed 's/^/-e /' | tr '\n' ' ')
echo "events: $(echo $events)"
have_perf=0
perf stat -e kvm:kvm_pio true >/dev/null 2>&1 && have_perf=1

# Starts a monitor for configuration $1 in the background; sets mon (its pid, or empty).
monitor_start() {
	mon=
	case $1 in
	none | none2) ;;
	events)
		mkdir "$inst"
		echo "$events" >"$inst/set_event"
		echo 1 >"$inst/tracing_on"
		;;
	kvmscope)
		"$KVMSCOPE" -b --format json -d 1 "${kargs[@]}" >"$tmp/k.json" 2>"$tmp/k.err" &
		mon=$!
		;;
	kvmscope-text)
		"$KVMSCOPE" -b -d 1 "${kargs[@]}" >"$tmp/k.txt" 2>"$tmp/k.err" &
		mon=$!
		;;
	kvmscope-notrace)
		"$KVMSCOPE" -b --format json -d 1 --no-trace "${kargs[@]}" >"$tmp/k.json" 2>"$tmp/k.err" &
		mon=$!
		;;
	kvmscope-counters)
		# The kernel's counters without the trace's detail (--sched off, a budget of 1/s).
		"$KVMSCOPE" -b --format json -d 1 --budget 1 --sched off --no-syscalls "${kargs[@]}" \
			>"$tmp/k.json" 2>"$tmp/k.err" &
		mon=$!
		;;
	kvmscope-base)
		"$KVMSCOPE_BASE" -b --format json -d 1 >"$tmp/k.json" 2>"$tmp/k.err" &
		mon=$!
		;;
	kvmscope-base-text)
		"$KVMSCOPE_BASE" -b -d 1 >"$tmp/k.txt" 2>"$tmp/k.err" &
		mon=$!
		;;
	# kvm_stat itself where given (not packaged here): tracepoint mode, logging each second.
	kvm-stat) "$KVM_STAT" -t -l -s 1 >/dev/null 2>&1 & mon=$! ;;
	perf-stat) perf stat $perf_events -a -o "$tmp/perf.txt" sleep 600 & mon=$! ;;
	perf-record) perf record $perf_events -a -q -o "$tmp/perf.data" sleep 600 2>/dev/null & mon=$! ;;
	# perf kvm leaves a perf.data in its working directory: keep it in tmp.
	perf-kvm) (cd "$tmp" && exec perf kvm stat live --event=ioport -d 1) >/dev/null 2>&1 & mon=$! ;;
	esac
	[ -n "$mon" ] && bg+=("$mon")
	return 0
}

monitor_stop() {
	case $1 in
	events)
		echo 0 >"$inst/tracing_on"
		echo >"$inst/set_event"
		rmdir "$inst"
		;;
	esac
	if [ -n "$mon" ]; then
		# perf's workload (sleep 600) would outlive it, holding what the bench holds
		# (the machine-wide lock of whoever runs it under flock): it goes first.
		pkill -TERM -P "$mon" -x sleep 2>/dev/null
		# kvm_stat's logging mode goes on after SIGINT: it gets SIGTERM.
		[ "$1" = kvm-stat ] && kill -TERM "$mon" 2>/dev/null
		kill -INT "$mon" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$mon" 2>/dev/null
		wait "$mon" 2>/dev/null
		bg=()
	fi
	rm -f "$tmp/perf.data"
}

# Part 1: one pit storm run under configuration $1.
pit_run() {
	local cfg=$1 sp c0 c1 w0 w1 it cpu secs own=-
	monitor_start "$cfg"
	sleep 1
	/usr/bin/time -f 'cpu %U %S' -o "$tmp/time" \
		"$STORM" --vcpus 1 --start-delay "$DELAY" --duration "$SECS" -name guest=bench-pit \
		pit >"$tmp/storm.out" 2>&1 &
	sp=$!
	sleep "$DELAY"
	if [ -n "$mon" ]; then c0=$(cpu_ns "$mon"); fi
	w0=$(date +%s%N)
	wait "$sp"
	w1=$(date +%s%N)
	[ -n "$mon" ] && { c1=$(cpu_ns "$mon"); own=$(pct "$c0" "$c1" "$w0" "$w1"); }
	monitor_stop "$cfg"
	it=$(storm_field "$tmp/storm.out" iterations)
	secs=$(awk '/^storm/ { for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) print substr($i, 9) }' "$tmp/storm.out")
	cpu=$(awk '/^cpu/ { print $2 + $3 }' "$tmp/time")
	if [ -z "$it" ] || [ -z "$cpu" ]; then
		echo "  storm failed: $(head -3 "$tmp/storm.out")"
		return
	fi
	awk -v i="$it" -v s="$secs" 'BEGIN { printf "%.0f\n", i / s }' >>"$tmp/$cfg.wall"
	awk -v i="$it" -v c="$cpu" 'BEGIN { printf "%.0f\n", i / c }' >>"$tmp/$cfg.cpus"
	[ "$own" != - ] && echo "$own" >>"$tmp/$cfg.own"
	if [ "$cfg" = kvmscope ] || [ "$cfg" = kvmscope-base ]; then
		python3 -c "
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(max([x['events']['lost'] for x in d] or [0]))" "$tmp/k.json" >>"$tmp/$cfg.lost"
	fi
	printf '  round %d %-12s %9s loops/s %9s loops/CPU-s  own CPU %s%%\n' "$r" "$cfg" \
		"$(tail -1 "$tmp/$cfg.wall")" "$(tail -1 "$tmp/$cfg.cpus")" "$own"
}

configs="none events kvmscope"
[ $have_perf = 1 ] && configs="$configs perf-stat perf-record perf-kvm"
[ -n "$KVMSCOPE_BASE" ] && configs="$configs kvmscope-base"
[ -n "$KVM_STAT" ] && configs="$configs kvm-stat"
[ -n "$PIT_CONFIGS" ] && configs=$PIT_CONFIGS
[ "${PIT:-1}" = 0 ] && configs=
[ -n "$configs" ] && echo "part 1: pit storm, 1 vCPU, ${SECS}s runs, $ROUNDS rounds; VMs of others on the host: $(foreign_vms /dev/null)"
for r in $(seq "$ROUNDS"); do
	for cfg in $configs; do pit_run "$cfg"; done
done

[ -n "$configs" ] && {
base_c=$(median "$tmp/none.cpus")
base_w=$(median "$tmp/none.wall")
echo
echo "pit storm, medians: loops/s (wall), loops per CPU-second of the storm, own CPU; slowdown vs nothing"
for cfg in $configs; do
	awk -v c="$cfg" -v w="$(median "$tmp/$cfg.wall")" -v p="$(median "$tmp/$cfg.cpus")" \
		-v bw="$base_w" -v bc="$base_c" -v o="$(median "$tmp/$cfg.own")" \
		'BEGIN { printf "  %-12s %10.0f %10.0f  slowdown %.3fx (wall %.3fx)  own CPU %s%%\n",
			c, w, p, bc / p, bw / w, o }'
done
k=$(median "$tmp/kvmscope.cpus")
if [ -s "$tmp/perf-stat.cpus" ]; then
	ps=$(median "$tmp/perf-stat.cpus")
	awk -v b="$base_c" -v k="$k" -v p="$ps" 'BEGIN {
		printf "pit: kvmscope slowdown %.3fx, perf stat counting %.3fx: %+.1f points (target <= +2)\n",
			b / k, b / p, 100 * (b / k - b / p) }'
fi
echo "pit: kvmscope own CPU $(median "$tmp/kvmscope.own")% of a CPU (target <= 1%)"
echo "pit: events lost by kvmscope per run: $(tr '\n' ' ' <"$tmp/kvmscope.lost")"
if [ -s "$tmp/kvmscope-base.cpus" ]; then
	awk -v b="$base_c" -v k="$(median "$tmp/kvmscope-base.cpus")" 'BEGIN {
		printf "pit: before (KVMSCOPE_BASE): slowdown %.3fx, ", b / k }'
	echo "own CPU $(median "$tmp/kvmscope-base.own")%, lost per run: $(tr '\n' ' ' <"$tmp/kvmscope-base.lost")"
fi

}
[ "$FLEET" -gt 0 ] || exit 0
# Part 2: the idle fleet.
echo
fleet_start "$tmp/fleet.pids" "$FLEET" 2 "bench-idle-$$-"
sleep 3
echo "part 2: idle fleet, $FLEET guests x 2 vCPUs, ${FLEET_SECS}s windows at -d 1 after ${FLEET_WARM}s, $FLEET_ROUNDS rounds; VMs of others on the host: $(foreign_vms "$tmp/fleet.pids")"
fleet_run() {
	local cfg=$1 c0 c1 f0 f1 w0 w1 own=-
	monitor_start "$cfg"
	sleep "$FLEET_WARM"
	[ -n "$mon" ] && c0=$(cpu_ns "$mon")
	f0=$(cpu_ns_all "$tmp/fleet.pids")
	w0=$(date +%s%N)
	sleep "$FLEET_SECS"
	[ -n "$mon" ] && c1=$(cpu_ns "$mon")
	f1=$(cpu_ns_all "$tmp/fleet.pids")
	w1=$(date +%s%N)
	monitor_stop "$cfg"
	[ -n "$mon" ] && own=$(pct "$c0" "$c1" "$w0" "$w1") && echo "$own" >>"$tmp/f-$cfg.own"
	echo "$(pct "$f0" "$f1" "$w0" "$w1")" >>"$tmp/f-$cfg.fleet"
	printf '  round %d %-14s fleet CPU %7s%%  own CPU %s%%\n' "$r" "$cfg" \
		"$(tail -1 "$tmp/f-$cfg.fleet")" "$own"
}
fconfigs="none kvmscope-text none2 kvmscope"
[ $have_perf = 1 ] && fconfigs="$fconfigs perf-stat"
[ -n "$KVMSCOPE_BASE" ] && fconfigs="$fconfigs kvmscope-base-text kvmscope-base"
[ -n "$KVM_STAT" ] && fconfigs="$fconfigs kvm-stat"
[ -n "$FLEET_CONFIGS" ] && fconfigs=$FLEET_CONFIGS
for r in $(seq "$FLEET_ROUNDS"); do
	for cfg in $fconfigs; do fleet_run "$cfg"; done
done
fb=$(median "$tmp/f-none.fleet")
echo
# The fleet's CPU moves by several points from round to round here (the host's other load):
# each round's figure less that round's "nothing" is steadier than a difference of medians.
paired() {
	paste "$tmp/f-none.fleet" "$tmp/f-$1.fleet" | awk '{ print $2 - $1 }' >"$tmp/paired"
	median "$tmp/paired"
}
echo "idle fleet, medians: the fleet's CPU (percent of one CPU), added vs nothing (medians;"
echo "and paired: each round's less that round's nothing); own CPU"
for cfg in $fconfigs; do
	awk -v c="$cfg" -v f="$(median "$tmp/f-$cfg.fleet")" -v b="$fb" -v o="$(median "$tmp/f-$cfg.own")" \
		-v p="$(paired "$cfg")" \
		'BEGIN { printf "  %-14s fleet %6.2f%%  added %+5.2f points (paired %+5.2f)  own CPU %s%%\n", c, f, f - b, p, o }'
done
echo "idle fleet: kvmscope own CPU $(median "$tmp/f-kvmscope-text.own")% text, $(median "$tmp/f-kvmscope.own")% JSON (target <= 0.2%)"
[ -s "$tmp/f-kvmscope-base.own" ] &&
	echo "idle fleet: before (KVMSCOPE_BASE): own CPU $(median "$tmp/f-kvmscope-base-text.own")% text, $(median "$tmp/f-kvmscope-base.own")% JSON"
awk -v a="$(median "$tmp/f-none2.fleet")" -v b="$fb" -v k="$(median "$tmp/f-kvmscope-text.fleet")" \
	'BEGIN { printf "idle fleet: guests CPU added by kvmscope %+.2f points; A/A noise (nothing vs nothing) %+.2f (target: not measurable)\n", k - b, a - b }'
[ -s "$tmp/f-kvmscope-text.fleet" ] && [ -s "$tmp/f-none2.fleet" ] &&
	echo "idle fleet: paired: kvmscope (text) adds $(paired kvmscope-text) points, nothing again $(paired none2)"
