#!/bin/bash
# Captures real ring-buffer sub-buffers as seeds for fuzz_decode: runs kvmscope-storm
# scenarios while a private tracefs instance records the events kvmscope enables (sched
# events filtered to the storm's threads, as kvmscope filters them to the VMs' threads),
# then saves the first sub-buffers of each CPU's trace_pipe_raw as fuzz_decode inputs, and
# the format files they were recorded with.
#
# Usage (root, after make): tests/fuzz/capture-pages.sh [OUTDIR [EVENTSDIR]]
#   OUTDIR     the seeds (default tests/fuzz/corpus/fuzz_decode): storm-SCENARIO-cpuN, one
#              CPU's sub-buffers, and storm-SCENARIO-2cpu, two CPUs' for the merge
#   EVENTSDIR  header_page, header_event and SYSTEM/EVENT/format as this kernel has them
#              (default build/fuzz/captured-events), compared with tests/fixtures/events,
#              which fuzz_decode decodes with; where they differ, fuzz these seeds with
#              KVMSCOPE_FUZZ_EVENTS=EVENTSDIR, or refresh the fixtures.
# Environment: STORM (default build/kvmscope-storm), SCENARIOS (default "pit timer apic
# virtio"), SUBBUFS per CPU and scenario (default 2), SECONDS_TRACED (default 1), STORM_OPTS
# (more options for the storm, e.g. "--rate 4" with idle: events far enough apart for the
# kernel to write time extends).
set -u
cd "$(dirname "$0")/../.." || exit 1
out=${1:-tests/fuzz/corpus/fuzz_decode}
evdir=${2:-build/fuzz/captured-events}
storm=${STORM:-build/kvmscope-storm}
scenarios=${SCENARIOS:-pit timer apic virtio}
nsub=${SUBBUFS:-2}
traced=${SECONDS_TRACED:-1}
storm_opts=${STORM_OPTS:-}
kvm_events="kvm_exit kvm_entry kvm_pio kvm_mmio kvm_fast_mmio kvm_msr kvm_userspace_exit
	kvm_vcpu_wakeup kvm_set_irq kvm_msi_set_irq"
sched_events="sched_waking sched_switch"

die() { echo "capture-pages: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (tracefs)"
[ -x "$storm" ] || die "no $storm: run make first"
[ -e /dev/kvm ] || die "no /dev/kvm"
tracefs=/sys/kernel/tracing
[ -d "$tracefs/events" ] || mount -t tracefs nodev "$tracefs" || die "cannot mount tracefs"
[ -d "$tracefs/events/kvm" ] || die "no kvm events in $tracefs/events"

inst=$tracefs/instances/fuzz-capture-$$
storm_pid=
cleanup() {
	[ -n "$storm_pid" ] && kill "$storm_pid" 2>/dev/null && wait "$storm_pid" 2>/dev/null
	if [ -d "$inst" ]; then
		echo 0 >"$inst/tracing_on"
		rmdir "$inst" || echo "capture-pages: could not remove $inst" >&2
	fi
	rm -f "${tmp:-}"*
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir "$inst" || die "cannot create the instance $inst"
tmp=$(mktemp)
mkdir -p "$out" "$evdir"

# The size of a sub-buffer: buffer_subbuf_size_kb from 6.8, else the page size.
subbuf=$(( $(cat "$inst/buffer_subbuf_size_kb" 2>/dev/null || echo 0) * 1024 ))
[ "$subbuf" -gt 0 ] || subbuf=$(getconf PAGESIZE)
# fuzz_decode's first byte: CPUs - 1 in bits 0-1, and sub-buffer size 4096 (0 in bits 2-3).
[ "$subbuf" = 4096 ] || die "sub-buffers of $subbuf bytes: fuzz_decode takes 4096"

echo 0 >"$inst/tracing_on"
echo mono >"$inst/trace_clock"
echo 256 >"$inst/buffer_size_kb"

# Writes pid == T || ... for the storm's threads into the sched events' filters, and the
# threads into set_event_pid where the kernel has it: other guests on a shared host then
# leave no events in the pages.
filter_sched() {
	local tids t w="" s=""

	tids=$(ls "/proc/$1/task" 2>/dev/null) || return 1
	for t in $tids; do
		w="$w${w:+ || }pid == $t"
		s="$s${s:+ || }prev_pid == $t || next_pid == $t"
	done
	if [ -e "$inst/set_event_pid" ]; then
		echo $tids >"$inst/set_event_pid" || return 1
	fi
	echo "$w" >"$inst/events/sched/sched_waking/filter" &&
		echo "$s" >"$inst/events/sched/sched_switch/filter"
}

# Appends sub-buffer $2 of CPU $1's capture to $3.
subbuf_of() {
	dd if="$tmp.cpu$1" bs="$subbuf" skip="$2" count=1 status=none >>"$3"
}

for sc in $scenarios; do
	echo >"$inst/trace" # empty the buffers
	# shellcheck disable=SC2086 # the options are words
	"$storm" --vcpus 2 --start-delay 0.5 --duration $((traced + 2)) $storm_opts \
		-name "guest=capture-$sc,debug-threads=on" "$sc" >/dev/null &
	storm_pid=$!
	sleep 0.3
	filter_sched "$storm_pid" || die "$sc: the storm did not start"
	for e in $kvm_events; do
		[ -d "$inst/events/kvm/$e" ] && echo 1 >"$inst/events/kvm/$e/enable"
	done
	for e in $sched_events; do
		echo 1 >"$inst/events/sched/$e/enable"
	done
	sleep 0.5
	echo 1 >"$inst/tracing_on"
	sleep "$traced"
	echo 0 >"$inst/tracing_on"
	kill "$storm_pid" 2>/dev/null
	wait "$storm_pid" 2>/dev/null
	storm_pid=
	echo 0 >"$inst/events/enable"

	cpus=()
	for d in "$inst"/per_cpu/cpu*; do
		n=${d##*cpu}
		dd if="$d/trace_pipe_raw" of="$tmp.cpu$n" bs="$subbuf" count="$nsub" \
			iflag=nonblock status=none 2>/dev/null
		[ -s "$tmp.cpu$n" ] || continue
		printf '\000' >"$out/storm-$sc-cpu$n"
		cat "$tmp.cpu$n" >>"$out/storm-$sc-cpu$n"
		cpus+=("$n")
		echo "$sc: cpu$n: $(( $(stat -c %s "$tmp.cpu$n") / subbuf )) sub-buffers"
	done
	# Two CPUs, one sub-buffer each, dealt in turn: what the merge interleaves.
	if [ "${#cpus[@]}" -ge 2 ]; then
		printf '\001' >"$out/storm-$sc-2cpu"
		subbuf_of "${cpus[0]}" 0 "$out/storm-$sc-2cpu"
		subbuf_of "${cpus[1]}" 0 "$out/storm-$sc-2cpu"
	fi
done

# The formats the sub-buffers were recorded with.
cat "$tracefs/events/header_page" >"$evdir/header_page"
cat "$tracefs/events/header_event" >"$evdir/header_event"
for e in $kvm_events kvm_apic kvm_emulate_insn; do
	[ -r "$tracefs/events/kvm/$e/format" ] || continue
	mkdir -p "$evdir/kvm/$e"
	cat "$tracefs/events/kvm/$e/format" >"$evdir/kvm/$e/format"
done
for e in $sched_events; do
	mkdir -p "$evdir/sched/$e"
	cat "$tracefs/events/sched/$e/format" >"$evdir/sched/$e/format"
done
if diff -r -x README "$evdir" tests/fixtures/events >/dev/null; then
	echo "formats: as in tests/fixtures/events, which fuzz_decode decodes with"
else
	echo "formats: this kernel's differ from tests/fixtures/events: fuzz these seeds with" \
		"KVMSCOPE_FUZZ_EVENTS=$evdir, or refresh the fixtures" >&2
fi
echo "seeds in $out, formats in $evdir"
