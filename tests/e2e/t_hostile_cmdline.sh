#!/bin/bash
# Hostile host: a VM whose /proc/PID/cmdline is about 1 MB (no one argument may pass 128 KiB,
# so it is many). With -name first (as libvirt writes it), holding escape sequences and
# 120 KiB of name, the name is cut to 127 bytes and shown escaped; with -name after the
# first 256 KiB (what kvmscope reads of a command line) the VM is shown by comm:pid. Either
# way a tick stays short.
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
need_tracefs
need_cmd python3
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (run make)"

# big_storm FIRST|LAST: starts the storm with a ~1 MB command line; sets STORM_PID.
big_storm() {
	python3 - "$STORM" "$1" "hcl$$" >"$E2E_TMP/storm.$1" 2>&1 <<'EOF' &
import os, sys
storm, where, tag = sys.argv[1:4]
pad = "u" * (120 * 1024)
name = ["-name", "guest=" + tag + "\x1b[31mRED\x07" + "N" * (120 * 1024) + ",debug-threads=on"]
args = [storm, "--vcpus", "1", "--rate", "1000"]
args += name if where == "first" else []
for _ in range(7):
    args += ["-uuid", pad]
args += name if where == "last" else []
os.execv(storm, args + ["timer"])
EOF
	STORM_PID=$!
	track "$STORM_PID"
	wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" ||
		fail "storm ($1) did not start: $(cat "$E2E_TMP/storm.$1")"
	local size
	size=$(wc -c <"/proc/$STORM_PID/cmdline")
	[ "$size" -gt 900000 ] || fail "cmdline is only $size bytes"
	note "storm $STORM_PID, -name $1: cmdline $size bytes"
}

# timed_run ARGS...: kvmscope -b -p STORM_PID ARGS; sets RC, MS, KP; output in out, err.
timed_run() {
	local start
	start=$(date +%s%N)
	"$KVMSCOPE" -b -p "$STORM_PID" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
	KP=$!
	track "$KP"
	wait "$KP"
	RC=$?
	MS=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$RC" -eq 0 ] || fail "kvmscope $*: exit $RC: $(cat "$E2E_TMP/err")"
	[ -s "$E2E_TMP/err" ] && fail "kvmscope $*: stderr: $(cat "$E2E_TMP/err")"
	! kvmscope_instances | grep -qx "kvmscope-$KP" || fail "kvmscope-$KP left"
}

# Each tick's interval close to the 0.3 s asked for: none stalled on the command line.
check_ticks() {
	jq_py "$E2E_TMP/out" '
iv = [d["interval_s"] for d in docs]
assert len(iv) == 4 and max(iv) < 1.0, iv
print(" ".join("%.2f" % i for i in iv))
' || fail "$1: a tick stalled: $(cat "$E2E_TMP/out" | head -c 300)"
}

big_storm first
timed_run -n 3 -d 0.3
[ "$MS" -lt 6000 ] || fail "-name first: 3 ticks of 0.3 s took $MS ms"
row=$(grep -m1 -E "^hcl$$.* $STORM_PID +1 +1 " "$E2E_TMP/out") ||
	fail "-name first: no row: $(sed -n '1,8p' "$E2E_TMP/out")"
case $row in
"hcl$$\\e[31mRED\\x07NNN"*"~ $STORM_PID "*) ;;
*) fail "-name first: the name is not cut and escaped: $row" ;;
esac
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$E2E_TMP/out" && fail "-name first: a raw control byte in the output"
timed_run -n 4 -d 0.3 --format json
jq_py "$E2E_TMP/out" "
v = vm(docs[-1], 'hcl$$\x1b[31mRED\x07' + 'N' * (127 - len('hcl$$\x1b[31mRED\x07')))
assert v is not None, [x['name'][:20] for x in docs[-1]['vms']]
assert len(v['name'].encode()) == 127
" || fail "-name first: the JSON name is not the first 127 bytes"
check_ticks "-name first"
note "-name first: $row"
kill "$STORM_PID"
wait "$STORM_PID" 2>/dev/null

big_storm last
timed_run -n 3 -d 0.3
[ "$MS" -lt 6000 ] || fail "-name last: 3 ticks of 0.3 s took $MS ms"
grep -Eq "^kvmscope-storm:$STORM_PID +$STORM_PID +1 +1 " "$E2E_TMP/out" ||
	fail "-name last: not shown as comm:pid: $(grep -m1 -A2 '^NAME' "$E2E_TMP/out")"
timed_run -n 4 -d 0.3 --format json
check_ticks "-name last"
note "-name last: kvmscope-storm:$STORM_PID"
exit 0
