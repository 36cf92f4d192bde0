#!/bin/bash
# Sourced by the cost benchmarks (live_overhead.sh, fidelity.sh, starvation.sh): CPU time
# from schedstat, idle fleets of storm guests, medians. Not run by run.sh (not tests/bench/*.sh).

# CPU time (ns) all threads of process $1 have run so far; 0 when it is gone.
cpu_ns() {
	local s=0 f a b c
	for f in /proc/"$1"/task/*/schedstat; do
		read -r a b c <"$f" 2>/dev/null && s=$((s + a))
	done
	echo "$s"
}

# CPU time (ns) of every process listed in file $1 (one pid a line).
cpu_ns_all() {
	local s=0 p
	for p in $(cat "$1"); do s=$((s + $(cpu_ns "$p"))); done
	echo "$s"
}

# percent of one CPU: pct NS0 NS1 WALL0 WALL1
pct() { awk -v a="$1" -v b="$2" -v w0="$3" -v w1="$4" 'BEGIN { printf "%.3f", 100 * (b - a) / (w1 - w0) }'; }

# median of the numbers in file $1 (one a line); "-" when empty.
median() {
	[ -s "$1" ] || { echo -; return; }
	sort -g "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# fleet_start PIDFILE N VCPUS PREFIX: N idle storm guests, each a process of its own.
fleet_start() {
	local f=$1 n=$2 v=$3 prefix=$4 i
	: >"$f"
	for ((i = 1; i <= n; i++)); do
		setsid "$STORM" --vcpus "$v" -name "guest=$prefix$i,debug-threads=on" idle \
			>/dev/null 2>&1 &
		echo $! >>"$f"
	done
}

# fleet_stop PIDFILE: stops the guests it lists and waits for them.
fleet_stop() {
	local p
	[ -f "$1" ] || return 0
	for p in $(cat "$1"); do kill -TERM "$p" 2>/dev/null; done
	for p in $(cat "$1"); do
		for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -f "$1"
}

# Storm report field: storm_field FILE KEY (from the "total" line), e.g. iterations.
storm_field() {
	awk -v k="$2=" '/^total/ { for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$1"
}

# VMs on this host (processes holding a kvm-vm fd) other than the pids in file $1: a count.
# Other people's guests skew own-CPU figures (kvmscope watches every VM); benches print it.
foreign_vms() {
	local n=0 d p
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		ls -l "$d/fd" 2>/dev/null | grep -q 'kvm-vm' || continue
		grep -qx "$p" "$1" 2>/dev/null || n=$((n + 1))
	done
	echo "$n"
}

# need_kvm_tracing: root, /dev/kvm and KVM's trace events (tracefs mounted if it is not),
# else a "skipped: why" line and exit 0. Sets T, the tracefs root.
need_kvm_tracing() {
	T=/sys/kernel/tracing
	[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
	[ -c /dev/kvm ] || { echo "skipped: needs /dev/kvm"; exit 0; }
	[ -d $T/instances ] || mount -t tracefs nodev $T 2>/dev/null
	[ -d $T/events/kvm ] || { echo "skipped: no kvm events in $T"; exit 0; }
}

# stop_pids SIGNAL PID...: sends SIGNAL to each, gives each 3 s to go, then SIGKILL.
stop_pids() {
	local sig=$1 p
	shift
	for p in "$@"; do kill -"$sig" "$p" 2>/dev/null; done
	for p in "$@"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
}
