#!/bin/bash
# Reading a trace.dat: events per CPU-second of kvmscope -i beside trace-cmd report on the
# same file in the same run. Records real storms with tests/fixtures/tracedat/record.sh (a
# pit storm, mostly kvm_pio; a virtio storm, mostly scheduler events and wakeups) into
# trace-cmd's default v7 zstd files, and a plain copy of each (trace-cmd convert); writes a
# synthetic VMX host's file of 6 M records (kvm_exit/kvm_entry, which never fire here, and
# only the formats it needs); then, for each file:
#   bench_tracedat            the open, and the best of 3 reads through the probe alone and
#                             through the probe and the model (the per-event pipeline)
#   kvmscope -b -i --summary  the whole command: the child's check, libtracecmd's parse of
#                             every format in the file, reading, model, one JSON record
#   trace-cmd report          the whole command, output to /dev/null
# Whole commands in user + system CPU seconds (children included), median of 3.
# Usage: tracedat.sh [PIT_SECONDS]   (root; figures, not pass/fail)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}" "${BENCH_DIR:=build/bench}"
SECS=${1:-3}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -c /dev/kvm ] || { echo "skipped: needs /dev/kvm"; exit 0; }
command -v trace-cmd >/dev/null || { echo "skipped: needs trace-cmd"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export STORM

# Prints the median user+system CPU seconds of three runs of a command.
cpu3() {
	local i t
	for i in 1 2 3; do
		t=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
		echo "$t" | awk '{ printf "%.3f\n", $1 + $2 }'
	done | sort -n | sed -n 2p
}

echo "recording: pit storm ${SECS} s, virtio storm ${SECS} s (buffers large enough to lose nothing)"
tests/fixtures/tracedat/record.sh -b 393216 "$tmp/pit.dat" --duration "$SECS" pit ||
	{ echo "cannot record"; exit 1; }
tests/fixtures/tracedat/record.sh -b 131072 "$tmp/virtio.dat" --duration "$SECS" virtio ||
	{ echo "cannot record"; exit 1; }
for f in pit virtio; do
	trace-cmd convert -i "$tmp/$f.dat" -o "$tmp/$f-plain.dat" --file-version 7 \
		--compression none >/dev/null 2>&1
done
"$BENCH_DIR/bench_tracedat" --write-vmx 2000000 "$tmp/vmx-synth.dat" || exit 1
: >"$tmp/vmx-synth.dat.tgids"

printf '%-14s %9s %8s | %-26s | %-26s | %-22s | %s\n' file records MiB \
	"read+model (per event)" "kvmscope -i (whole)" "trace-cmd report" "faster"
for f in pit pit-plain virtio virtio-plain vmx-synth; do
	F=$tmp/$f.dat
	out=$("$BENCH_DIR/bench_tracedat" "$F" "$tmp/${f%-plain}.dat.tgids") || { echo "$out"; continue; }
	recs=$(echo "$out" | sed -n 's/^tracedat .*: \([0-9]*\) records.*/\1/p')
	model=$(echo "$out" | sed -n 's/.*read + model.*: *\([0-9.]*\) CPU-s.*/\1/p')
	ks=$(cpu3 "$KVMSCOPE" -b -i "$F" --tgids "$tmp/${f%-plain}.dat.tgids" --summary --format json)
	tc=$(cpu3 trace-cmd report "$F")
	awk -v f="$f" -v n="$recs" -v mb="$(stat -c %s "$F")" -v m="$model" -v k="$ks" -v t="$tc" \
		'BEGIN { printf "%-14s %9d %8.1f | %6.3f s %7.1f M ev/s  | %6.3f s %7.1f M ev/s  | %6.3f s %5.2f M ev/s | %5.1fx\n",
			 f, n, mb / 1048576, m, n / m / 1e6, k, n / k / 1e6, t, n / t / 1e6, t / k }'
	echo "$out" | sed -n 's/^  /    /p'
done
