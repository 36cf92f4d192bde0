#!/bin/bash
# A trace.dat on the replay screen: `kvmscope -i` on the timer fixture, in ticks of 0.1 s of
# its own time. The first screen shows port 0x608 "ACPI PM timer" and its hint, the header
# the trace time; the time keys move it (a tick, a jump, the end); Enter drills into the VM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_cmd tmux
[ -x "$KVMSCOPE" ] || skip "needs $KVMSCOPE (run make)"
KS=$(readlink -f "$KVMSCOPE")
F=$(readlink -f "$(dirname "$0")/../fixtures/tracedat/timer.dat")
[ -f "$F" ] || fail "no fixture $F"

S="ttdat$$"
tui_shell "$S" 100 40 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tui_run "$S" -i "$F" --tgids "$F.tgids" -d 0.1
tmux_wait_text "$S" 10 '^kvmscope \+00:00\.1 trace time' || fail "no first tick: $(tmux_capture "$S")"
tmux_wait_text "$S" 5 'REPLAY 1/5$' || fail "not read through: $(tmux_capture "$S" | head -1)"
tmux_capture "$S" | grep -Eq 'pio +0x608 +ACPI PM timer' || fail "no 0x608 row: $(tmux_capture "$S")"
tmux_capture "$S" | grep -q 'Hyper-V' || fail "no hint: $(tmux_capture "$S")"
note "first tick: +00:00.1 trace time, 0x608 ACPI PM timer, the Hyper-V hint"

tmux_keys "$S" .
tmux_wait_text "$S" 3 '^kvmscope \+00:00\.2 trace time.*REPLAY 2/5' || fail ". : $(tmux_capture "$S" | head -1)"
tmux_keys "$S" b +0.4 Enter
tmux_wait_text "$S" 3 '^kvmscope \+00:00\.4 trace time.*REPLAY 4/5' || fail "b +0.4: $(tmux_capture "$S" | head -1)"
tmux_keys "$S" ,
tmux_wait_text "$S" 3 '^kvmscope \+00:00\.3 trace time.*REPLAY 3/5' || fail ", : $(tmux_capture "$S" | head -1)"
# -l: "end" is also the name of a key for tmux.
tmux_keys "$S" b
tmux_keys "$S" -l end
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 'REPLAY 5/5' || fail "b end: $(tmux_capture "$S" | head -1)"
tmux_keys "$S" b 03:12 Enter
tmux_wait_text "$S" 3 'the trace ends at' || fail "b 03:12: $(tmux_capture "$S" | tail -1)"
note "time keys: . to +00:00.2, b +0.4, , back to +00:00.3, b end, b 03:12 said to be past the end"

tmux_keys "$S" b
tmux_keys "$S" -l start
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 'REPLAY 1/5' || fail "b start: $(tmux_capture "$S" | head -1)"
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 'host > kvmscope-storm:15396' || fail "Enter: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 'Threads of kvmscope-storm:15396' || fail "no threads: $(tmux_capture "$S")"
note "Enter opens the storm's VM"

tmux_keys "$S" q
tmux_wait_text "$S" 5 'kvmscope-exit=0' || fail "q: $(tmux_capture "$S" | tail -3)"
[ "$(tmux_fmt "$S" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
exit 0
