#!/bin/bash
# Hostile host: kvmscope stopped (SIGSTOP) for seconds in the middle of a PIT storm, then
# continued. In batch mode the records go on where they stopped: no record repeated, the
# gap shown as a long interval, the events lost meanwhile counted. On the live screen under
# an interactive shell, which takes the terminal back and prints over it while kvmscope is
# stopped, `fg` gives a whole, clean screen again with keys that work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs

vm="hst$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 -name "guest=$vm" pit
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start: $(cat "$E2E_TMP/storm.out")"

records() { grep -c . "$E2E_TMP/out" 2>/dev/null || echo 0; }

# A small ring buffer, so that a stop of 4 s loses events for sure; every event traced
# (--budget 0): within the budget a stop between bursts records nothing, so loses nothing.
"$KS" -b --format json -d 0.5 --buffer-kb 512 --budget 0 -p "$STORM_PID" >"$E2E_TMP/out" \
	2>"$E2E_TMP/err" &
kp=$!
track "$kp"
wait_until 10 bash -c "[ \$(grep -c . '$E2E_TMP/out') -ge 3 ]" || fail "no records: $(cat "$E2E_TMP/err")"
kill -STOP "$kp"
before=$(records)
sleep 4
kill -CONT "$kp"
wait_until 10 bash -c "[ \$(grep -c . '$E2E_TMP/out') -ge $((before + 3)) ]" ||
	fail "ticks did not resume after SIGCONT ($(records) records)"
kill -TERM "$kp"
wait "$kp"
rc=$?
[ "$rc" -eq 0 ] || fail "batch: exit $rc after SIGTERM: $(cat "$E2E_TMP/err")"
[ -s "$E2E_TMP/err" ] && fail "batch: stderr: $(cat "$E2E_TMP/err")"
! kvmscope_instances | grep -qx "kvmscope-$kp" || fail "kvmscope-$kp left"
jq_py "$E2E_TMP/out" "
seqs = [d['seq'] for d in docs]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), ('seq', seqs)
n = $before
# The record under way when stopped may have come out only after the stop.
gap = max(docs[n - 1:n + 2], key=lambda d: d['interval_s'])
assert gap['interval_s'] >= 3.5, ('the stop is not in an interval', gap['interval_s'])
assert docs[-1]['events']['lost'] > docs[n - 2]['events']['lost'], ('no loss counted',
    docs[n - 2]['events'], docs[-1]['events'])
assert all(vm(d, '$vm') and vm(d, '$vm')['exits_rate'] > 0 for d in docs[n + 2:]), 'no exits after'
print('interval %.1f s, lost %d' % (gap['interval_s'], docs[-1]['events']['lost']))
" >"$E2E_TMP/verdict" || fail "batch: $(cat "$E2E_TMP/verdict")"
note "batch: $(cat "$E2E_TMP/verdict"), records go on"

# The live screen under an interactive shell: SIGSTOP, the shell takes over, fg.
S="hst$$"
tui_shell "$S" 100 30 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tmux_keys "$S" "clear; $KS -d 0.5 --buffer-kb 512 --budget 0 -p $STORM_PID" Enter
tmux_wait_text "$S" 10 "$vm +$STORM_PID " || fail "no row for $vm: $(tmux_capture "$S")"
TUI_PID=$(tui_pid "$S")
[ -n "$TUI_PID" ] || fail "no kvmscope pid"
kill -STOP "$TUI_PID"
tmux_wait_text "$S" 5 'Stopped' || fail "the shell did not take the stopped job: $(tmux_capture "$S")"
sleep 2
tmux_keys "$S" fg Enter
# The whole screen is kvmscope's again: no job line, no prompt left over it.
wait_until 5 bash -c "! tmux capture-pane -p -t '$S' | grep -Eq 'Stopped|e2e-prompt'" ||
	fail "the shell's lines stay on the screen after fg: $(tmux_capture "$S")"
tmux_wait_text "$S" 5 "$vm +$STORM_PID " || fail "no row for $vm after fg: $(tmux_capture "$S")"
tmux_wait_text "$S" 5 ' lost [1-9]' || fail "no lost events shown: $(tmux_capture "$S" | head -4)"
modes=$(stty -a -F "$(tmux_fmt "$S" '#{pane_tty}')")
echo "$modes" | grep -qw -- -icanon && echo "$modes" | grep -qw -- -echo ||
	fail "the terminal is left in the shell's modes after fg: $modes"
tui_check_fits "$S"
! tmux capture-pane -p -t "$S" | grep -q $'\e' || fail "a raw ESC in the pane"
# Keys work: q quits, with status 0.
tmux_keys "$S" q
wait_until 5 bash -c "! kill -0 $TUI_PID" || fail "q did not end kvmscope after fg"
tmux_keys "$S" 'echo kvmscope-exit=$?' Enter
tmux_wait_text "$S" 5 '^kvmscope-exit=0' || fail "exit: $(tmux_capture "$S" | grep kvmscope-exit=)"
[ "$(tmux_fmt "$S" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
! kvmscope_instances | grep -qx "kvmscope-$TUI_PID" || fail "kvmscope-$TUI_PID left"
note "live screen: clean after SIGSTOP and fg, lost events shown, q works"
exit 0
