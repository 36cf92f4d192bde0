#!/bin/bash
# The pictures on the live screen: a timer storm that starts 20 s after kvmscope shows in the
# VM list's HISTORY sparkline as flat, then high; Enter on its exit reason shows its latency
# distribution, whose P99 mark is what the exit row's P99 column says (without kvm_entry, as
# here: the VMM's times and its VMM P99 column; with it: the handling times and P99).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
need_tui
need_tracefs
# The sparklines and the bars are block elements: grep and bash read them as characters.
export LC_ALL=C.UTF-8

vm="thist$$"
S="thist$$"
tui_shell "$S" 132 40 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen
# --history 2: slots of 1 s, so 24 slots of sparkline are the last 24 s.
tui_run "$S" -d 0.5 --history 2 -f "'^$vm\$'"
tmux_wait_text "$S" 5 'VMs' || fail "no screen: $(tmux_capture "$S")"
# The VM comes now, idle; its guest starts storming 20 s after kvmscope did.
storm_start "$E2E_TMP/storm.out" --vcpus 1 --start-delay 19 --duration 60 \
	-name "guest=$vm,debug-threads=on" timer
wait_until 5 bash -c "grep -q 'CPU 0/KVM' /proc/$STORM_PID/task/*/comm" || fail "storm did not start"

# spark LINE: the sparkline of the VM row (block elements only), from a capture.
spark() { grep -E "^$vm +$STORM_PID " | grep -o '[▁▂▃▄▅▆▇█]*' | head -1; }

# Flat while the guest idles: a few slots, all of the lowest level.
tmux_wait_text "$S" 10 "^$vm +$STORM_PID .*▁▁▁▁▁" || fail "no flat sparkline: $(tmux_capture "$S")"
line=$(tmux_capture "$S" | spark)
[[ $line =~ ^▁+$ ]] || fail "the idle VM's sparkline is not flat: '$line'"
note "idle: $line"

# Then high: the storm's slots at the top levels after the flat ones, on the same line.
tmux_wait_text "$S" 30 "^$vm +$STORM_PID .*▁▁▁▁▁.*(▇|█)(▇|█)(▇|█)" ||
	fail "no storm in the sparkline: $(tmux_capture "$S")"
line=$(tmux_capture "$S" | spark)
[[ $line =~ ^▁{5,}[▁▂▃▄▅▆▇█]*[▇█]{3}$ ]] || fail "not flat then high: '$line'"
note "storm: $line"
tui_check_fits "$S"

# Tab to the exits pane, Enter on the storm's exit reason: its distribution.
tmux_keys "$S" Tab
sleep 0.3
tmux_keys "$S" Enter
tmux_wait_text "$S" 3 "host > $vm > PIO > latency" || fail "Enter on the exit: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 'Latency of io \(pio\)' || fail "no distribution: $(tmux_capture "$S")"
tmux_wait_text "$S" 3 ' P99 [0-9.]+[nmu]?s' || fail "no P99 mark: $(tmux_capture "$S")"

# The mark and the column, read from the same frame (a frame is a snapshot: retry a frame
# caught mid-redraw).
check_p99() {
	tmux_capture "$S" | python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")
mark = [m.group(1) for l in lines for m in [re.search(r" P99 ([0-9.]+[nmu]?s)", l)] if m]
vmm = any("VMM times" in l or "the VMM" in l for l in lines)
for i, l in enumerate(lines):
    if l.startswith("REASON") and "VMM P99" in l:
        col = "VMM P99" if vmm else " P99"
        end = l.index(col) + len(col)
        for r in lines[i + 1:]:
            if r.startswith("io (pio)"):
                val = r[:end].split()[-1]
                print("mark", mark, "column", col.strip(), val)
                sys.exit(0 if mark and mark[0] == val else 1)
sys.exit(2)
'
}
for try in 1 2 3 4 5; do
	out=$(check_p99) && break
	sleep 0.3
done
check_p99 >/dev/null || fail "the P99 mark is not the P99 column: $out: $(tmux_capture "$S")"
note "$out"
tui_check_fits "$S"

tui_quit "$S"
exit 0
