#!/bin/bash
# The flight recorder's recording on the replay screen: a timer storm recorded for 8 s, the
# recorder killed with -9, then `kvmscope -r` on a terminal. At the recorded time of second
# 5 (b and the time) the screen shows the storm's VM, port 0x608 "ACPI PM timer" on top and
# the Hyper-V clock hint; a tick forward and back changes the header's time and brings it
# back; c shows the span; Enter drills into the VM; q leaves the shell as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs

vm="treplay$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --duration 60 -name "guest=$vm,debug-threads=on" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start"

# Only this VM is recorded: other tests' guests may storm on a shared host.
"$KS" record -o "$E2E_TMP/storm.rec" -d 1 -f "^$vm\$" 2>"$E2E_TMP/rec.err" &
REC=$!
track "$REC"
# kill -9 leaves the recorder's tracing instance: this test removes it, as the next start would.
at_exit "rmdir '$TRACEFS/instances/kvmscope-$REC' 2>/dev/null"
ticks() { "$KS" -r "$E2E_TMP/storm.rec" --format json 2>/dev/null | wc -l; }
wait_until 20 bash -c "[ \$('$KS' -r '$E2E_TMP/storm.rec' --format json 2>/dev/null | wc -l) -ge 9 ]" ||
	{ cat "$E2E_TMP/rec.err"; fail "the recorder did not record 8 s"; }
kill -KILL "$REC"
wait "$REC" 2>/dev/null
rmdir "$TRACEFS/instances/kvmscope-$REC" 2>/dev/null
n=$(ticks)
note "recorded $n ticks, the recorder killed with -9"

# The recorded time of second 5: five seconds after the first tick. k5 is the tick then (or
# the first after it: a loaded host can skip a second between two ticks), k6 the next tick of
# another second (two ticks can share one).
"$KS" -r "$E2E_TMP/storm.rec" --format json >"$E2E_TMP/ticks.json" 2>/dev/null
read -r t0 k5 w5 k6 w6 < <(jq_py "$E2E_TMP/ticks.json" "
w = [d['wall_s'] for d in docs]
k5 = next(i for i, t in enumerate(w) if t >= w[0] + 5)
k6 = next(i for i in range(k5 + 1, len(w)) if w[i] != w[k5])
print(w[0], k5, w[k5], k6, w[k6])") || fail "no ticks after second 5: $(head -c 300 "$E2E_TMP/ticks.json")"
at=$(date -d "@$((t0 + 5))" +%H:%M:%S)
t5=$(date -d "@$w5" +%H:%M:%S)
t6=$(date -d "@$w6" +%H:%M:%S)
steps=$((k6 - k5))

S="treplay$$"
tui_shell "$S" 100 40 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
tui_run "$S" -r "$E2E_TMP/storm.rec"
tmux_wait_text "$S" 5 "REPLAY 1/$n" || fail "no replay screen: $(tmux_capture "$S")"

hdr() { tmux_capture "$S" | head -1; }
tmux_keys "$S" b
tmux_wait_text "$S" 2 'Jump to' || fail "b: no prompt: $(tmux_capture "$S")"
tmux_keys "$S" "$at" Enter
tmux_wait_text "$S" 3 "^kvmscope [0-9-]+ $t5 " || fail "b $at: header $(hdr)"
tmux_capture "$S" | grep -q "REPLAY $((k5 + 1))/$n" || fail "b $at: not tick $((k5 + 1)): $(hdr)"
tmux_capture "$S" | grep -Eq "^$vm +$STORM_PID +1 +1 +~?[0-9.]+k " ||
	fail "no storm VM with thousands of exits/s: $(tmux_capture "$S")"
# Port 0x608 on top: the first row of the hot addresses.
tmux_capture "$S" | grep -A2 'Hot addresses' | tail -1 | grep -Eq "^$vm +pio +0x608 +ACPI PM timer" ||
	fail "0x608 is not on top: $(tmux_capture "$S")"
tmux_capture "$S" | grep -q 'Hyper-V' || fail "no Hyper-V clock hint: $(tmux_capture "$S")"
note "b $at (second 5): tick $((k5 + 1)) at $t5: $vm, port 0x608 ACPI PM timer on top, the hint"

# A tick forward: the next second; back again: the same time.
for _ in $(seq $steps); do tmux_keys "$S" .; done
tmux_wait_text "$S" 3 "^kvmscope [0-9-]+ $t6 .*REPLAY $((k6 + 1))/$n" || fail ". : header $(hdr)"
for _ in $(seq $steps); do tmux_keys "$S" ,; done
tmux_wait_text "$S" 3 "^kvmscope [0-9-]+ $t5 .*REPLAY $((k5 + 1))/$n" || fail ", : header $(hdr)"
note "., step the header from $t5 to $t6 and back"

# The span from the first tick to the cursor, then from a mark.
tmux_keys "$S" c
tmux_wait_text "$S" 3 "SPAN 1-$((k5 + 1)) P99<=" || fail "c: no span: $(hdr)"
tmux_keys "$S" . r
tmux_wait_text "$S" 3 "mark at tick $((k5 + 2))" || fail "r: no mark: $(tmux_capture "$S" | tail -1)"
tmux_wait_text "$S" 3 "SPAN $((k5 + 2))-$((k5 + 2)) P99<=" || fail "r: span not from the mark: $(hdr)"
tmux_keys "$S" c ,
tmux_wait_text "$S" 3 "REPLAY $((k5 + 1))/$n" || fail "back to tick $((k5 + 1)): $(hdr)"

# Enter on the VM list's top row: the VM.
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 "host > $vm" || fail "Enter did not open the VM: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 "Threads of $vm" || fail "no threads of the VM: $(tmux_capture "$S")"
note "Enter opens $vm"

# Space plays to the end and pauses there.
tmux_keys "$S" ']' ']' ' '
tmux_wait_text "$S" 8 "the end: paused at the last tick" || fail "Space: $(tmux_capture "$S")"
tmux_capture "$S" | grep -q "REPLAY $n/$n" || fail "not at the last tick: $(hdr)"
note "Space plays at 4x to the end"

TUI_PID=$(tui_pid "$S")
tmux_keys "$S" q
tmux_wait_text "$S" 5 'kvmscope-exit=0' || fail "q: $(tmux_capture "$S" | tail -3)"
[ "$(tmux_fmt "$S" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
exit 0
