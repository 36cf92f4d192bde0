#!/bin/bash
# The live screen's w key: with a timer storm on screen, w writes the last minutes as a
# recording and an incident summary, named after the host and the time, in the current
# directory, and the bottom line says where. The recording replays and holds the storm's VM
# with port 0x608 on top; the summary names the VM, port 0x608 and the Hyper-V hint.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs

vm="tinc$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --duration 60 -name "guest=$vm,debug-threads=on" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start"
mkdir -p "$E2E_TMP/w"

S="tinc$$"
tui_shell "$S" 100 40 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tmux_keys "$S" "cd '$E2E_TMP/w'; clear; $KS -d 0.5 -f '^$vm\$' ; echo kvmscope-exit=\$?" Enter
tmux_wait_text "$S" 5 '0x608 +ACPI PM timer' || fail "no port 0x608: $(tmux_capture "$S")"
sleep 2
tmux_keys "$S" w
tmux_wait_text "$S" 5 "wrote $E2E_TMP/w/kvmscope-.*\\.rec and \\.txt" ||
	fail "w: $(tmux_capture "$S" | tail -2)"
note "w: $(tmux_capture "$S" | grep -o 'wrote .*')"
# Time keys on the live screen say what they are for.
tmux_keys "$S" .
tmux_wait_text "$S" 3 'a time key, for a replay' || fail ". live: $(tmux_capture "$S" | tail -1)"
tui_quit "$S"

rec=$(ls "$E2E_TMP"/w/kvmscope-*.rec)
txt=${rec%.rec}.txt
[ "$(echo "$rec" | wc -l)" = 1 ] || fail "one recording expected: $rec"
[ -f "$txt" ] || fail "no summary beside $rec"
host=$(hostname | tr -c 'A-Za-z0-9._\n-' _)
[[ $(basename "$rec") =~ ^kvmscope-.+-[0-9]{8}-[0-9]{6}\.rec$ ]] || fail "name: $rec"
"$KS" -r "$rec" --format json >"$E2E_TMP/w.json" 2>"$E2E_TMP/w.err" ||
	{ cat "$E2E_TMP/w.err"; fail "-r of the w recording"; }
jq_py "$E2E_TMP/w.json" "
assert len(docs) >= 4, len(docs)
v = vm(docs[-1], '$vm')
assert v, 'no $vm in the last tick'
top = max((h for h in v['hot'] if not h['other']), key=lambda h: h['count'])
assert top['kind'] == 'pio' and top['addr'] == '0x608', top
print('  recording: %d ticks, %s on port %s' % (len(docs), '$vm', top['addr']))" ||
	fail "the recording does not hold the storm"
grep -Eq "^$vm +pio +0x608 +ACPI PM timer" "$txt" || fail "summary: no 0x608 row of $vm: $(cat "$txt")"
grep -Eq "^  $vm \\(pid $STORM_PID\\): .*Hyper-V" "$txt" || fail "summary: no hint: $(cat "$txt")"
grep -q '^window: ' "$txt" && grep -q '^Sources' "$txt" || fail "summary: $(cat "$txt")"
note "summary: $vm, pio 0x608 ACPI PM timer, the Hyper-V hint"
exit 0
