#!/bin/bash
# The terminal is restored however the live screen ends: Ctrl-C (SIGINT from the terminal),
# SIGTERM, and SIGHUP when the terminal goes away (then only the tracefs instance is left
# to check).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui

vm="tsig$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --rate 1000 --duration 120 -name "guest=$vm" timer
wait_until 5 bash -c "grep -q 'CPU 0/KVM' /proc/$STORM_PID/task/*/comm" || fail "storm did not start"

S="tsig$$"
tui_shell "$S" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen

# Each ending is a clean stop: exit status 0.
for how in ctrl-c sigterm; do
	tui_run "$S" -d 0.5
	tmux_wait_text "$S" 5 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
	TUI_PID=$(tui_pid "$S")
	case $how in
	ctrl-c) tmux_keys "$S" C-c;;
	sigterm) kill -TERM "$TUI_PID";;
	esac
	tmux_wait_text "$S" 5 'kvmscope-exit=' || fail "$how did not end kvmscope"
	tmux_capture "$S" | grep -q 'kvmscope-exit=0' ||
		fail "$how: $(tmux_capture "$S" | grep kvmscope-exit=)"
	tui_check_restored "$S"
	note "$how: terminal restored"
done

# The terminal goes away (ssh drop): SIGHUP ends kvmscope, which removes its instance.
tui_run "$S" -d 0.5
tmux_wait_text "$S" 5 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
TUI_PID=$(tui_pid "$S")
tmux kill-session -t "$S"
wait_until 5 bash -c "! kill -0 $TUI_PID" || { kill -KILL "$TUI_PID"; fail "SIGHUP did not end kvmscope"; }
! kvmscope_instances | grep -qx "kvmscope-$TUI_PID" || fail "instance kvmscope-$TUI_PID left"
note "hangup: kvmscope ended"
exit 0
