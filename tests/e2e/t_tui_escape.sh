#!/bin/bash
# Names are untrusted: a VMM whose process name and -name carry escape sequences is shown
# escaped (\e[31m...), in a UTF-8 and in a plain locale, on a colour terminal and on a
# vt100, and nothing from the names reaches the terminal: no raw ESC in the pane, no red
# text, no window title set by an OSC sequence.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui

# A process name with ESC: the storm through a symlink so named, without -name (its label
# is comm:pid). A -name with ESC, BEL and an OSC title sequence.
mkdir -p "$E2E_TMP/bin"
evil_comm=$'\e[31mevil-vmm'
ln -s "$ST" "$E2E_TMP/bin/$evil_comm"
STORM="$E2E_TMP/bin/$evil_comm" storm_start "$E2E_TMP/storm1.out" --rate 100 --duration 120 idle
comm_pid=$STORM_PID
storm_start "$E2E_TMP/storm2.out" --rate 100 --duration 120 -name $'guest=\e[31mevil\e]2;pwned\a' idle
name_pid=$STORM_PID
wait_until 5 bash -c "grep -q 'CPU 0/KVM' /proc/$comm_pid/task/*/comm /proc/$name_pid/task/*/comm" ||
	fail "storms did not start"
grep -qF "$evil_comm" "/proc/$comm_pid/comm" || fail "the symlink did not name the process"

comm_shown="\\e[31mevil-vmm:$comm_pid"
name_shown='\e[31mevil\e]2;pwned\x07'

check_pane() {
	local s=$1
	tmux_wait_text "$s" 5 "$comm_pid" || fail "no row for pid $comm_pid: $(tmux_capture "$s")"
	tmux_wait_text "$s" 5 "$name_pid" || fail "no row for pid $name_pid: $(tmux_capture "$s")"
	sleep 0.6
	tmux_capture "$s" | grep -qF "$comm_shown" || fail "comm not shown escaped: $(tmux_capture "$s")"
	tmux_capture "$s" | grep -qF "$name_shown" || fail "-name not shown escaped: $(tmux_capture "$s")"
	tui_no_raw_esc "$s"
	[ "$(tmux_fmt "$s" '#{pane_title}')" != pwned ] || fail "a name set the window title"
}

# UTF-8 locale, colour terminal, colours off (so any red would come from a name).
S="tui-escape-$$"
tui_shell "$S" 100 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tui_run "$S" -d 0.5 --no-color -f evil
check_pane "$S"
# Into the VM with the worst name: its title and the bottom line are escaped too.
tmux_keys "$S" g "$name_pid" Enter
tmux_wait_text "$S" 3 'Threads of ' || fail "g did not open the VM"
tmux_capture "$S" | grep -qF "Threads of $name_shown" || fail "title: $(tmux_capture "$S")"
# The bottom line answers g first, then says where you are.
tmux_capture "$S" | tail -1 | grep -qF "guest $name_shown" || fail "answer to g not escaped"
wait_until 4 bash -c "tmux capture-pane -p -t '$S' | tail -1 | grep -qF 'host > $name_shown'" ||
	fail "breadcrumb not escaped: $(tmux_capture "$S" | tail -1)"
tui_no_raw_esc "$S"
tui_quit "$S"
note "UTF-8 locale: escaped"

# Plain locale on a vt100: ASCII only, the same escapes.
tui_shell "$S-vt" 100 24 LANG=C LC_ALL=C TERM=vt100
tui_run "$S-vt" -d 0.5 -f evil
check_pane "$S-vt"
tmux_capture "$S-vt" | grep -q '^-- VMs ' || fail "no ASCII title bar: $(tmux_capture "$S-vt")"
! tmux_capture "$S-vt" | LC_ALL=C grep -q $'[\x80-\xff]' || fail "non-ASCII in a plain locale"
tui_quit "$S-vt"
note "plain locale, vt100: escaped, ASCII"
exit 0
