#!/bin/bash
# Hostile host: few file descriptors. Under RLIMIT_NOFILE 64 (soft and hard, so it cannot be
# raised) with a storm of 4 vCPUs, the per-thread counters (perf's, or kvmstat's tracepoint
# counters where perf opens none by default) say "fd limit" and the VM is still
# shown. Lower, whatever runs out first (trace fds, procfs looks, the loop itself) says so:
# a run never hangs, never claims "no KVM VMs on this host" and never leaves its instance.
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
need_tracefs
need_cmd prlimit "apt-get install util-linux"
need_cmd python3

vm="hnf$$"
storm_start "$E2E_TMP/storm.out" --vcpus 4 --rate 2000 -name "guest=$vm" timer
wait_until 5 has_thread "$STORM_PID" "CPU 3/KVM" || fail "storm did not start: $(cat "$E2E_TMP/storm.out")"

# run_limited N: kvmscope under RLIMIT_NOFILE N; sets RC, SECS, KP and the files out.N, err.N.
run_limited() {
	local n=$1 start
	start=$(date +%s%N)
	prlimit --nofile="$n" "$KVMSCOPE" -b -n 2 -d 0.3 -p "$STORM_PID" \
		>"$E2E_TMP/out.$n" 2>"$E2E_TMP/err.$n" &
	KP=$!
	track "$KP"
	# Two records at 0.3 s take about a second; 15 s is a hang (it took 30+ s before).
	if ! wait_until 15 bash -c "! kill -0 $KP"; then
		kill -KILL "$KP"
		fail "RLIMIT_NOFILE $n: kvmscope hung (still running after 15 s)"
	fi
	wait "$KP"
	RC=$?
	SECS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# The limit of the task: 64. The VM is there with its 4 vCPUs; perf says what stopped it.
run_limited 64
[ "$RC" -eq 0 ] || fail "RLIMIT_NOFILE 64: exit $RC: $(cat "$E2E_TMP/err.64")"
[ -s "$E2E_TMP/err.64" ] && fail "RLIMIT_NOFILE 64: stderr: $(cat "$E2E_TMP/err.64")"
grep -Eq "^$vm +$STORM_PID +4 +1 " "$E2E_TMP/out.64" ||
	fail "RLIMIT_NOFILE 64: no row for $vm with 4 vCPUs: $(cat "$E2E_TMP/out.64")"
src=$(grep -m1 '^sources:' "$E2E_TMP/out.64")
# The per-thread counters that run out: perf's where it opens some (-e, or a PMU), else
# kvmstat's tracepoint counters on the vCPUs (where debugfs cannot be read).
echo "$src" | grep -Eq 'perf (degraded|unavailable): .*fd limit.*, kvmstat|kvmstat (degraded|unavailable): .*tracepoints: .*fd limit \(RLIMIT' ||
	fail "RLIMIT_NOFILE 64: no source says fd limit: $src"
echo "$src" | grep -q 'RLIMIT_NOFILE at its hard limit 64' ||
	fail "RLIMIT_NOFILE 64: the limit is not named: $src"
! kvmscope_instances | grep -qx "kvmscope-$KP" || fail "RLIMIT_NOFILE 64: kvmscope-$KP left"
note "RLIMIT_NOFILE 64: VM shown, counters: fd limit (${SECS} ms)"

# Lower: each source that runs out says why; the loop itself may not start (one line).
for n in 32 16 12 10 8 6; do
	run_limited "$n"
	! kvmscope_instances | grep -qx "kvmscope-$KP" || fail "RLIMIT_NOFILE $n: kvmscope-$KP left"
	if [ "$RC" -ne 0 ]; then
		[ "$RC" -eq 1 ] || fail "RLIMIT_NOFILE $n: exit $RC: $(cat "$E2E_TMP/err.$n")"
		[ "$(wc -l <"$E2E_TMP/err.$n")" -eq 1 ] &&
			grep -q '^kvmscope: .*Too many open files$' "$E2E_TMP/err.$n" ||
			fail "RLIMIT_NOFILE $n: not one clear line: $(cat "$E2E_TMP/err.$n")"
		note "RLIMIT_NOFILE $n: $(cat "$E2E_TMP/err.$n")"
		continue
	fi
	[ -s "$E2E_TMP/err.$n" ] && fail "RLIMIT_NOFILE $n: stderr: $(cat "$E2E_TMP/err.$n")"
	grep -q 'no KVM VMs on this host' "$E2E_TMP/out.$n" &&
		fail "RLIMIT_NOFILE $n: claims no VMs: $(grep -m1 '^sources' "$E2E_TMP/out.$n")"
	grep -Eq "^$vm +$STORM_PID " "$E2E_TMP/out.$n" ||
		grep -q '^no VM visible: .*Too many open files' "$E2E_TMP/out.$n" ||
		fail "RLIMIT_NOFILE $n: neither the VM nor why it is missing: $(cat "$E2E_TMP/out.$n")"
	src=$(grep -m1 '^sources:' "$E2E_TMP/out.$n")
	# Every source that failed says why in words that name the cause.
	python3 - "$src" <<'EOF' || fail "RLIMIT_NOFILE $n: a source failed without naming fds: $src"
import re, sys
line = sys.argv[1][len("sources: "):]
for name in ("tracefs", "procfs"):
    m = re.search(r"\b%s (degraded|unavailable): (.*?)(, (procfs|perf|kvmstat|sched) |$)" % name, line)
    if m and "cannot read the fds of" not in m.group(2) and "Too many open files" not in m.group(2):
        sys.exit(1)
EOF
	note "RLIMIT_NOFILE $n: ${SECS} ms; $(echo "$src" | grep -Eo '(tracefs|procfs) [a-z]+[^,]*' | tr '\n' ';')"
done
exit 0
