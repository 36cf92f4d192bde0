#!/bin/bash
# The first screen answers without a key: a timer storm's VM, its exit, and port 0x608
# named "ACPI PM timer" (case 1 of the design). Then Enter on the exit reason lists the
# ports behind it. Needs tracing and the exits/hot panes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs

vm="ttimer$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --duration 120 -name "guest=$vm,debug-threads=on" timer
wait_until 5 bash -c "grep -q 'CPU 0/KVM' /proc/$STORM_PID/task/*/comm" || fail "storm did not start"

# The hot-address pane is what this test is for: a build without it fails here.
"$KS" -b -n 2 -d 0.5 -f "^$vm\$" >"$E2E_TMP/batch.txt" 2>&1 || fail "batch: $(tail -3 "$E2E_TMP/batch.txt")"
grep -q '^Hot ' "$E2E_TMP/batch.txt" || fail "no hot-address pane in batch output: $(cat "$E2E_TMP/batch.txt")"

S="ttimer$$"
tui_shell "$S" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
# Only this VM: other tests' guests may storm harder on a shared host.
tui_run "$S" -d 0.5 -f "'^$vm\$'"

# Two refreshes are 1 s; startup (the trace instance) is allowed a little more.
tmux_wait_text "$S" 4 '0x608 +ACPI PM timer' || fail "no port 0x608 on the first screen: $(tmux_capture "$S")"
tmux_capture "$S" | grep -Eq "^$vm +$STORM_PID +1 " || fail "no VM row: $(tmux_capture "$S")"
# Thousands of exits a second (about 74k untraced), and the remedy named.
tmux_capture "$S" | grep -Eq "^$vm +$STORM_PID +1 +[0-9]+ +~?[0-9.]+k " ||
	fail "the VM row shows no thousands of exits/s: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 'Hyper-V' || fail "no hint naming the Hyper-V clock: $(tmux_capture "$S")"
note "first screen: VM, its exits/s, ACPI PM timer and the Hyper-V clock hint"

# Tab to the exits pane (the next one shown), Enter on its top row: the ports behind it.
tmux_keys "$S" Tab
sleep 0.2
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 "host > $vm > PIO" || fail "Enter on the exit: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 '^pio +0x608 +ACPI PM timer' || fail "no 0x608 in the VM's ports: $(tmux_capture "$S")"
note "Enter on the exit lists port 0x608"

tui_quit "$S"
exit 0
