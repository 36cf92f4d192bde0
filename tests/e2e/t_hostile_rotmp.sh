#!/bin/bash
# Hostile host: a read-only /tmp. kvmscope needs no writable place of its own: batch output
# and the live screen work; -o into /tmp says why at once (one line, nothing traced). /tmp
# is made read-only only inside private mount namespaces (unshare -m), so the host's stays
# as it is; this test's own files live in the host's /tmp and reach the namespaces as
# inherited file descriptors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs
need_cmd unshare "apt-get install util-linux"

# A fresh tmpfs on /tmp, read-only, in the namespace of the shell that runs it.
RO_TMP='mount -t tmpfs -o size=64k,mode=1777 kvmscope-e2e-ro /tmp && mount -o remount,ro /tmp && ! touch /tmp/.w 2>/dev/null'

vm="hro$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --rate 1000 -name "guest=$vm" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start: $(cat "$E2E_TMP/storm.out")"

# ro_run OUT ERR ARGS...: kvmscope ARGS in a namespace with /tmp read-only; sets RC and KP.
ro_run() {
	local out=$1 err=$2
	shift 2
	unshare -m sh -c "$RO_TMP"' && exec "$@"' sh "$KS" "$@" >"$out" 2>"$err" &
	KP=$!
	track "$KP"
	wait "$KP"
	RC=$?
	! kvmscope_instances | grep -qx "kvmscope-$KP" || fail "kvmscope-$KP left (args: $*)"
}

ro_run "$E2E_TMP/b.out" "$E2E_TMP/b.err" -b -n 2 -d 0.3 -p "$STORM_PID"
[ "$RC" -eq 0 ] || fail "batch: exit $RC: $(cat "$E2E_TMP/b.err")"
[ -s "$E2E_TMP/b.err" ] && fail "batch: stderr: $(cat "$E2E_TMP/b.err")"
grep -Eq "^$vm +$STORM_PID +1 +1 " "$E2E_TMP/b.out" || fail "batch: no row for $vm: $(cat "$E2E_TMP/b.out")"
grep -q '^sources: tracefs ok' "$E2E_TMP/b.out" || fail "batch: not tracing"
note "batch: works with /tmp read-only"

# -o into the read-only /tmp: one line naming the file and why, before anything is traced.
for fmt in text prometheus; do
	start=$(date +%s%N)
	ro_run "$E2E_TMP/o.out" "$E2E_TMP/o.err" -b -n 2 -d 1 --format "$fmt" -o "/tmp/kvmscope.$fmt"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$RC" -eq 2 ] || fail "-o /tmp (--format $fmt): exit $RC: $(cat "$E2E_TMP/o.err")"
	[ "$(cat "$E2E_TMP/o.err")" = "kvmscope: -o: /tmp/kvmscope.$fmt: Read-only file system" ] ||
		fail "-o /tmp (--format $fmt): $(cat "$E2E_TMP/o.err")"
	[ "$ms" -lt 900 ] || fail "-o /tmp (--format $fmt): took $ms ms: a tick ran before the error"
	note "-o /tmp/kvmscope.$fmt: $(cat "$E2E_TMP/o.err") (${ms} ms)"
done

# The live screen in a shell whose /tmp is read-only.
S="hro$$"
tmux_start "$S" 100 30 unshare -m sh -c "$RO_TMP"' && exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen PS1="e2e-prompt$ " bash --norc --noprofile'
wait_until 5 bash -c "tmux capture-pane -p -t '$S' | grep -q 'e2e-prompt'" ||
	fail "no shell prompt in tmux: $(tmux_capture "$S")"
tmux_keys "$S" 'touch /tmp/x || echo tmp-is-read-only' Enter
tmux_wait_text "$S" 5 '^tmp-is-read-only' || fail "/tmp is writable in the pane"
tui_run "$S" -d 0.5 -p "$STORM_PID"
tmux_wait_text "$S" 10 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
tui_check_fits "$S"
tui_quit "$S"
note "live screen: works with /tmp read-only, quits cleanly"
exit 0
