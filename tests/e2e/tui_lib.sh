#!/bin/bash
# Sourced by the t_tui_*.sh tests after lib.sh: the live screen in a tmux shell.

need_tui() {
	need_root
	need_kvm
	need_cmd tmux
	need_cmd python3
	[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (run make)"
	KS=$(readlink -f "$KVMSCOPE")
	ST=$(readlink -f "$STORM")
}

# tui_shell NAME COLS ROWS [VAR=VALUE...]: a tmux session running a plain shell with the
# environment given, its prompt "e2e-prompt$ ".
tui_shell() {
	local name=$1 cols=$2 rows=$3; shift 3
	tmux_start "$name" "$cols" "$rows" env "$@" PS1='e2e-prompt$ ' bash --norc --noprofile
	wait_until 5 bash -c "tmux capture-pane -p -t '$name' | grep -q 'e2e-prompt'" ||
		fail "no shell prompt in tmux"
}

# tui_run NAME ARGS...: types the kvmscope command line into the shell of NAME; it echoes
# its exit status when it ends.
tui_run() {
	local name=$1; shift
	tmux_keys "$name" "clear; $KS $* ; echo kvmscope-exit=\$?" Enter
}

# Pid of what runs in the shell of NAME (kvmscope), or nothing.
tui_pid() { pgrep -P "$(tmux display -p -t "$1" '#{pane_pid}')" 2>/dev/null | head -1; }

tmux_fmt() { tmux display -p -t "$1" "$2"; }

# tui_check_fits NAME: every captured line fits the pane's width, counted in characters.
tui_check_fits() {
	local w
	w=$(tmux_fmt "$1" '#{pane_width}')
	tmux capture-pane -p -t "$1" | python3 -c '
import sys
w = int(sys.argv[1])
for n, line in enumerate(sys.stdin.buffer.read().decode("utf-8", "replace").split("\n")):
    if len(line) > w:
        print("line %d is %d wide in %d: %r" % (n, len(line), w, line))
        sys.exit(1)
' "$w" || fail "a line is wider than the pane"
}

# tui_no_raw_esc NAME: the pane text holds no ESC byte and tmux shows no text in red, so
# no escape sequence from a name reached the terminal.
tui_no_raw_esc() {
	! tmux capture-pane -p -t "$1" | grep -q $'\e' || fail "a raw ESC in the pane"
	! tmux capture-pane -p -e -t "$1" | grep -Eq $'\e\\[([0-9]+;)*31(;[0-9]+)*m' ||
		fail "red text in the pane: an escape sequence from a name was drawn"
}

# tui_quit NAME: q, then the shell is back: exit status 0, the alternate screen left, the
# cursor shown, no tracefs instance of ours left.
tui_quit() {
	local name=$1
	TUI_PID=$(tui_pid "$name")
	tmux_keys "$name" q
	tmux_wait_text "$name" 5 'kvmscope-exit=' || fail "q did not end kvmscope"
	tmux capture-pane -p -t "$name" | grep -q 'kvmscope-exit=0' ||
		fail "kvmscope exited: $(tmux capture-pane -p -t "$name" | grep kvmscope-exit=)"
	tui_check_restored "$name"
}

# tui_check_restored NAME: the shell is back as it was and kvmscope (TUI_PID) left no
# tracefs instance (others' may run beside this test: only ours is looked for).
tui_check_restored() {
	local name=$1
	[ "$(tmux_fmt "$name" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
	[ "$(tmux_fmt "$name" '#{cursor_flag}')" = 1 ] || fail "the cursor is still hidden"
	tmux capture-pane -p -t "$name" | grep -q '^e2e-prompt\$ *$' || fail "no shell prompt after"
	[ -n "$TUI_PID" ] || fail "no kvmscope pid seen"
	! kvmscope_instances | grep -qx "kvmscope-$TUI_PID" ||
		fail "tracefs instance kvmscope-$TUI_PID left"
}
