#!/bin/bash
# A host of many processes: what kvmscope costs for them alone, guests or not. Starts PROCS
# idle processes (default 2000: agents, containers, workers) and, in the "births" windows, a
# loop that starts a short-lived process every BIRTH seconds (default 0.5: cron, health
# checks; a VMM's worker threads move the last pid given out the same way). Then kvmscope's
# own CPU at -d 1 (schedstat run time of its threads) over WINDOW-second windows, in rounds
# whose configurations alternate: -b --no-trace and -b, each quiet and with births.
# Medians over the rounds; each round's figures as they come. Figures, not pass/fail.
# Usage: busy_host.sh [ROUNDS] [WINDOW]   (defaults 3 rounds of 20 s; as root, kvmscope traces)
#   env: PROCS (2000), BIRTH (0.5 s), KVMSCOPE, KVMSCOPE_BASE (another build: its
#        configurations alternate with KVMSCOPE's, the before and after of one run)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${PROCS:=2000}" "${BIRTH:=0.5}"
. tests/bench/lib/cost.sh
ROUNDS=${1:-3}
WINDOW=${2:-20}
WARM=5
[ -x "$KVMSCOPE" ] || { echo "skipped: build $KVMSCOPE first"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-busy.XXXXXX)
idle=()
births=""
mon=""
cleanup() {
	[ -n "$births" ] && kill -TERM "$births" 2>/dev/null
	[ -n "$mon" ] && stop_pids INT "$mon"
	[ ${#idle[@]} -gt 0 ] && kill -KILL "${idle[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ((i = 0; i < PROCS; i++)); do
	sleep 100000 &
	idle+=("$!")
done
echo "$PROCS idle processes started; $(ls -d /proc/[0-9]* | wc -l) processes on the host," \
	"VMs on it: $(foreign_vms /dev/null)"

builds=("$KVMSCOPE")
[ -n "${KVMSCOPE_BASE:-}" ] && builds+=("$KVMSCOPE_BASE")
for ((r = 1; r <= ROUNDS; r++)); do
	for load in quiet births; do
		if [ "$load" = births ]; then
			(while :; do /bin/true; sleep "$BIRTH"; done) &
			births=$!
		fi
		for b in "${builds[@]}"; do
			for mode in --no-trace default; do
				cfg="$load$([ "$b" = "$KVMSCOPE" ] || echo -base)-${mode#--}"
				args=(-b -d 1)
				[ "$mode" = default ] || args+=("$mode")
				"$b" "${args[@]}" >/dev/null 2>&1 &
				mon=$!
				sleep "$WARM"
				c0=$(cpu_ns "$mon") w0=$(date +%s%N)
				sleep "$WINDOW"
				c1=$(cpu_ns "$mon") w1=$(date +%s%N)
				stop_pids INT "$mon"
				mon=""
				own=$(pct "$c0" "$c1" "$w0" "$w1")
				echo "$own" >>"$tmp/own.$cfg"
				printf '  round %d %-26s own CPU %s%%\n' "$r" "$cfg" "$own"
			done
		done
		if [ -n "$births" ]; then
			kill -TERM "$births"
			wait "$births" 2>/dev/null
			births=""
		fi
	done
done
echo "host of $PROCS idle processes, kvmscope -d 1, own CPU (percent of one CPU), medians:"
for f in "$tmp"/own.*; do
	printf '  %-26s %s%%\n' "${f##*/own.}" "$(median "$f")"
done
