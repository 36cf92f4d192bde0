#!/bin/bash
# The live screen against a real storm guest, in tmux: the first screen without a key, the
# filter, Enter on the VM and on a vCPU, the help, resizing to 60x20 and 40x12, and q
# leaving the terminal as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui

vm="tscreen$$"
storm_start "$E2E_TMP/storm.out" --vcpus 2 --duration 120 -name "guest=$vm,debug-threads=on" timer
wait_until 5 bash -c "grep -q 'CPU 1/KVM' /proc/$STORM_PID/task/*/comm" || fail "storm did not start"

S="tscreen$$"
tui_shell "$S" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tui_run "$S" -d 0.5

# The first screen, no key: the header and the VM's row (two refreshes are 1 s).
tmux_wait_text "$S" 5 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
[ "$(tmux_fmt "$S" '#{alternate_on}')" = 1 ] || fail "not on the alternate screen"
tmux_capture "$S" | head -1 | grep -Eq '^kvmscope [0-9]{2}:[0-9]{2}:[0-9]{2} .*every [0-9.]+s' ||
	fail "header: $(tmux_capture "$S" | head -1)"
tmux_capture "$S" | grep -q '^sources: .*procfs' || fail "no sources line"
tmux_capture "$S" | grep -Eq '^VMs [0-9]+ +exits/s .* lost ' || fail "no events line"
note "first screen ok"

# Only this VM, then Enter: its two vCPUs.
tmux_keys "$S" / "^$vm\$" Enter
tmux_wait_text "$S" 3 "filter /\\^$vm\\$/" || fail "filter not shown: $(tmux_capture "$S")"
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 "Threads of $vm" || fail "Enter did not open the VM: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 'CPU 1/KVM' || fail "no CPU 1/KVM"
tmux_capture "$S" | grep -q 'CPU 0/KVM' || fail "no CPU 0/KVM"
tmux_capture "$S" | tail -1 | grep -q "host > $vm" || fail "breadcrumb: $(tmux_capture "$S" | tail -1)"
note "Enter shows the two vCPUs"

# Down, Enter: narrowed to CPU 1; Esc twice: the host again.
tmux_keys "$S" Down Enter
tmux_wait_text "$S" 3 "host > $vm > CPU 1/KVM" || fail "vCPU scope: $(tmux_capture "$S")"
! tmux_capture "$S" | grep -q 'CPU 0/KVM' || fail "CPU 0 still shown in CPU 1's view"
tmux_keys "$S" Escape
sleep 0.2
tmux_keys "$S" Left
tmux_wait_text "$S" 3 '^ host  ' || fail "Esc/Left did not go back: $(tmux_capture "$S" | tail -1)"
note "vCPU scope and back"

# Help, and back.
tmux_keys "$S" '?'
tmux_wait_text "$S" 3 'kvmscope keys' || fail "no help"
tmux_capture "$S" | grep -q 'Tab Shift-Tab' || fail "help lacks Tab"
tmux_keys "$S" Escape
tmux_wait_text "$S" 3 "$vm +$STORM_PID " || fail "help did not close"
note "help"

# Resizing: nothing wider than the window, the header and the row still there.
for size in 60x20 40x12 80x24; do
	tmux resize-window -t "$S" -x "${size%x*}" -y "${size#*x}"
	wait_until 3 bash -c "[ \"\$(tmux display -p -t '$S' '#{pane_width}x#{pane_height}')\" = $size ]" ||
		fail "tmux did not resize to $size"
	sleep 0.7
	tmux_wait_text "$S" 3 "^$vm +$STORM_PID " || fail "no VM row at $size: $(tmux_capture "$S")"
	tmux_capture "$S" | head -1 | grep -q '^kvmscope ' || fail "no header at $size"
	tui_check_fits "$S"
	note "$size ok"
done

tui_quit "$S"
note "q restored the terminal"

# NO_COLOR: attributes only; colours there are not.
tmux_keys "$S" "clear; NO_COLOR=1 $KS -d 0.5; echo kvmscope-exit=\$?" Enter
tmux_wait_text "$S" 5 "$vm +$STORM_PID " || fail "no row with NO_COLOR"
! tmux capture-pane -p -e -t "$S" | grep -Eq $'\e\\[([0-9;]*;)?([34][0-7]|[34]8;5;[0-9]+)(;[0-9;]*)?m' ||
	fail "colours with NO_COLOR set: $(tmux capture-pane -p -e -t "$S" | cat -v | head -5)"
tui_quit "$S"
note "NO_COLOR: no colours"
exit 0
