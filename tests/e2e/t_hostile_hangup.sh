#!/bin/bash
# Hostile host: the terminal closed under kvmscope. The kernel sends SIGHUP on a hangup to
# the session leader only (an interactive shell passes it on to its jobs; a script that
# ignores it does not), and writes then fail with EIO. Whichever way it learns, kvmscope
# ends within a second or two with status 0 and no instance left: the live screen under an
# interactive shell (SIGHUP), under a script that ignores SIGHUP (input at end of file),
# the same with input not from the terminal (only the hangup of its output), batch output
# on the terminal; and batch output into a pipe whose reader exits (head -1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs

vm="hhu$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --rate 1000 -name "guest=$vm" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start: $(cat "$E2E_TMP/storm.out")"

# gone_soon PID WHAT: PID ends within 6 s of the hangup and leaves no instance. Removing an
# instance whose events carry soft-mode triggers (detail within the budget) costs the kernel
# a grace period per trigger: ~2 s of the 6 on this machine, a fraction of that on bare metal.
gone_soon() {
	if ! wait_until 6 bash -c "! kill -0 $1 2>/dev/null"; then
		kill -KILL "$1"
		fail "$2: kvmscope $1 still runs 6 s after the terminal closed"
	fi
	! kvmscope_instances | grep -qx "kvmscope-$1" || fail "$2: kvmscope-$1 left"
}

# An interactive shell: it gets the SIGHUP and sends it on to kvmscope.
S="hhu$$a"
tui_shell "$S" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tui_run "$S" -d 0.5 -p "$STORM_PID"
tmux_wait_text "$S" 10 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
kp=$(tui_pid "$S")
[ -n "$kp" ] || fail "no kvmscope pid"
tmux kill-session -t "$S"
gone_soon "$kp" "interactive shell"
note "interactive shell: SIGHUP ends kvmscope"

# hup_case NAME WHAT ARGS...: kvmscope ARGS run by a script that ignores SIGHUP in a pane
# that then closes; the script writes kvmscope's exit status, which must be 0.
hup_case() {
	local name=$1 what=$2 kp
	shift 2
	tmux_start "$name" 80 24 env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen bash -c \
		"trap '' HUP; echo \$\$ >'$E2E_TMP/$name.sh'; $*; echo \$? >'$E2E_TMP/$name.rc'; sleep 3"
	wait_until 5 test -s "$E2E_TMP/$name.sh" || fail "$what: the script did not start"
	wait_until 5 bash -c "pgrep -P $(cat "$E2E_TMP/$name.sh") >/dev/null" || fail "$what: no kvmscope"
	kp=$(pgrep -P "$(cat "$E2E_TMP/$name.sh")")
	track "$kp"
	wait_until 10 test -d "$TRACEFS/instances/kvmscope-$kp" || fail "$what: no instance"
	sleep 1.5
	tmux kill-session -t "$name"
	gone_soon "$kp" "$what"
	wait_until 2 test -s "$E2E_TMP/$name.rc" || fail "$what: no exit status written"
	[ "$(cat "$E2E_TMP/$name.rc")" = 0 ] || fail "$what: exit status $(cat "$E2E_TMP/$name.rc")"
	note "$what: ends, status 0"
}

hup_case "hhu$$b" "screen, SIGHUP ignored by its script" "'$KS' -d 0.5 -p $STORM_PID"
hup_case "hhu$$c" "screen, input not the terminal" "'$KS' -d 0.5 -p $STORM_PID </dev/null"
hup_case "hhu$$d" "batch on the terminal" "'$KS' -b -d 0.5 -p $STORM_PID"

# A pipe whose reader leaves after the first line: kvmscope ends then, not a record later.
start=$(date +%s%N)
{
	"$KS" -b -d 5 -p "$STORM_PID" &
	echo $! >"$E2E_TMP/pipe.pid"
	wait $!
	echo $? >"$E2E_TMP/pipe.rc"
} | head -1 >"$E2E_TMP/pipe.out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kp=$(cat "$E2E_TMP/pipe.pid")
grep -q '^kvmscope ' "$E2E_TMP/pipe.out" || fail "pipe: no header line: $(cat "$E2E_TMP/pipe.out")"
[ "$(cat "$E2E_TMP/pipe.rc")" = 0 ] || fail "pipe: exit status $(cat "$E2E_TMP/pipe.rc")"
! kvmscope_instances | grep -qx "kvmscope-$kp" || fail "pipe: kvmscope-$kp left"
# The first record comes after one refresh (5 s); the next write would be 5 s later.
[ "$ms" -lt 8500 ] || fail "pipe: kvmscope ran on $ms ms after its reader left at the first record"
note "head -1: kvmscope ended with its reader (${ms} ms for one 5 s record)"
exit 0
