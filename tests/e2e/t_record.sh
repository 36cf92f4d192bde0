#!/bin/bash
# The flight recorder against real guests. One process prints batch records and records the
# same snapshots (--record); `kvmscope -r` over the recording prints the same records, tick
# for tick, byte for byte, in JSON and text, per interval and cumulative, in a --begin/--end
# window. `kvmscope record` killed with -9 leaves a readable recording; SIGHUP after the
# file was moved (logrotate) starts it again at the path; a torn last tick, damage in the
# middle and files that are no recording get one line naming the file and the byte. The
# live screen with --record records every tick, those taken while it is paused too.
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_tracefs
need_cmd python3

for s in timer apic virtio; do
	storm_start "$E2E_TMP/$s.out" --vcpus 2 --rate 20000 --duration 120 \
		-name "guest=rec-$s-$$,debug-threads=on" $s
done
wait_until 5 has_thread "$STORM_PID" "CPU 1/KVM" || fail "storm threads not named"
F="^rec-.*-$$\$"

# strip_lat FILE [any]: FILE without the latency distributions, which batch JSON
# (lat_buckets) and -H text (the "Latency of" tables) carry and a recording leaves out
# (kvmscope(8), HISTORY AND DISTRIBUTIONS; a replay of one writes them empty); unless "any",
# they must be there to be taken out.
strip_lat() {
	python3 - "$1" "${2:-}" <<'PY' || fail "no latency distributions in $1"
import re, sys
path, any_ = sys.argv[1], sys.argv[2] == "any"
text = open(path).read()
out = re.sub(r',"(vmm_)?lat_buckets":\[(\[[0-9]+,[0-9]+\],?)*\]', "", text)
out = re.sub(r"(?m)^Latency of .*\n(?:.+\n)*\n", "", out)
open(path, "w").write(out)
sys.exit(0 if out != text or any_ else 1)
PY
}

# replay_same NAME ARGS...: records while printing, then replays; the two must be equal, but
# for the latency distributions, which a recording does not keep.
replay_same() {
	local name=$1; shift
	"$KVMSCOPE" -b -d 0.4 -f "$F" --record "$E2E_TMP/$name.rec" "$@" >"$E2E_TMP/$name.live" \
		2>"$E2E_TMP/$name.err" || { cat "$E2E_TMP/$name.err"; fail "$name: kvmscope exited $?"; }
	strip_lat "$E2E_TMP/$name.live"
	local fmt=() a
	for a in "$@"; do case $a in --format|json|text|-H) fmt+=("$a");; esac; done
	"$KVMSCOPE" -r "$E2E_TMP/$name.rec" -f "$F" "${fmt[@]}" >"$E2E_TMP/$name.replay" \
		2>"$E2E_TMP/$name.rerr" || { cat "$E2E_TMP/$name.rerr"; fail "$name: -r exited $?"; }
	[ -s "$E2E_TMP/$name.rerr" ] && { cat "$E2E_TMP/$name.rerr"; fail "$name: -r warned"; }
	strip_lat "$E2E_TMP/$name.replay" any
	cmp "$E2E_TMP/$name.live" "$E2E_TMP/$name.replay" ||
		{ diff "$E2E_TMP/$name.live" "$E2E_TMP/$name.replay" | head -c 3000; fail "$name: replay differs"; }
	note "$name: $(wc -l <"$E2E_TMP/$name.live") lines, recording $(stat -c %s "$E2E_TMP/$name.rec") bytes: replay identical"
}

replay_same json --format json -n 8
jq_py "$E2E_TMP/json.live" "
assert len(docs) == 8, len(docs)
assert all(d['schema'] == 2 for d in docs)
names = sorted(v['name'] for v in docs[-1]['vms'])
assert names == sorted('rec-%s-$$' % s for s in ('timer', 'apic', 'virtio')), names
v = vm(docs[-1], 'rec-timer-$$')
assert v['exits_count'] > 0 and v['hot'], 'the timer storm shows no exits'
" || fail "the recorded run does not show the guests"
replay_same text -H -n 5
replay_same cumulative --format json -c -n 5

# A window of ticks: exactly the live records whose time is in it (the first second, the last).
for which in 0 -1; do
	t=$(python3 -c "import json; print([json.loads(l)['wall_s'] for l in open('$E2E_TMP/json.live')][$which])")
	"$KVMSCOPE" -r "$E2E_TMP/json.rec" -f "$F" --format json --begin "@$t" --end "@$t" \
		>"$E2E_TMP/window" || fail "-r with --begin/--end failed"
	strip_lat "$E2E_TMP/window" any
	python3 -c "
import json
live = open('$E2E_TMP/json.live').readlines()
want = [l for l in live if json.loads(l)['wall_s'] == $t]
got = open('$E2E_TMP/window').readlines()
assert got == want and 0 < len(got) < len(live), (len(got), len(want))
print('  --begin/--end @$t: %d of %d ticks' % (len(got), len(live)))" ||
		fail "the window is not the live records of that time"
done

# kill -9 mid-run: the recording is readable, at most its last tick lost.
mkdir -p "$E2E_TMP/dir"
"$KVMSCOPE" record -o "$E2E_TMP/dir/" -d 0.2 -f "$F" 2>"$E2E_TMP/rec.err" &
REC=$!
track "$REC"
count_ticks() { "$KVMSCOPE" -r "$1" --format json 2>/dev/null | wc -l; }
wait_until 20 bash -c "[ \$('$KVMSCOPE' -r '$E2E_TMP/dir' --format json 2>/dev/null | wc -l) -ge 10 ]" ||
	{ cat "$E2E_TMP/rec.err"; fail "kvmscope record did not record 10 ticks"; }
kill -KILL "$REC"
wait "$REC" 2>/dev/null
"$KVMSCOPE" -r "$E2E_TMP/dir" --format json >"$E2E_TMP/killed.json" 2>"$E2E_TMP/killed.err" ||
	{ cat "$E2E_TMP/killed.err"; fail "-r after kill -9 exited $?"; }
n=$(wc -l <"$E2E_TMP/killed.json")
[ "$n" -ge 10 ] || fail "only $n ticks after kill -9"
grep -v 'cut short' "$E2E_TMP/killed.err" | grep . && fail "-r after kill -9 warned of more than a torn tick"
jq_py "$E2E_TMP/killed.json" "assert [d['seq'] for d in docs] == list(range(1, len(docs) + 1))" ||
	fail "ticks missing after kill -9"
note "kill -9: $n ticks readable$(sed 's/^kvmscope:/;/' "$E2E_TMP/killed.err")"

# A tick torn as a crash while writing tears it: skipped, with one line; exit status 0.
f=$(ls "$E2E_TMP"/dir/kvmscope-*.rec | head -1)
cp "$f" "$E2E_TMP/torn.rec"
truncate -s -7 "$E2E_TMP/torn.rec"
"$KVMSCOPE" -r "$E2E_TMP/torn.rec" --format json >"$E2E_TMP/torn.json" 2>"$E2E_TMP/torn.err" ||
	fail "-r of a torn recording exited $?"
[ "$(wc -l <"$E2E_TMP/torn.err")" = 1 ] || { cat "$E2E_TMP/torn.err"; fail "expected one line"; }
grep -Eq "^kvmscope: $E2E_TMP/torn.rec: byte [0-9]+: the last tick \(seq [0-9]+\) is cut short" \
	"$E2E_TMP/torn.err" || fail "torn: $(cat "$E2E_TMP/torn.err")"
[ "$(wc -l <"$E2E_TMP/torn.json")" = $(($(count_ticks "$f") - 1)) ] || fail "torn: not every whole tick replayed"
note "torn: $(cat "$E2E_TMP/torn.err")"

# Damage in the middle: skipped with the bytes named, the rest replayed, exit status 1.
cp "$f" "$E2E_TMP/bad.rec"
size=$(stat -c %s "$f")
printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of="$E2E_TMP/bad.rec" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$KVMSCOPE" -r "$E2E_TMP/bad.rec" --format json >"$E2E_TMP/bad.json" 2>"$E2E_TMP/bad.err"
rc=$?
[ "$rc" = 1 ] || fail "damaged recording: exit status $rc, not 1"
grep -Eq "^kvmscope: $E2E_TMP/bad.rec: (bytes? [0-9]+)" "$E2E_TMP/bad.err" || fail "damaged: $(cat "$E2E_TMP/bad.err")"
[ -s "$E2E_TMP/bad.json" ] || fail "damaged: nothing replayed"
note "damaged: $(wc -l <"$E2E_TMP/bad.json") ticks replayed; $(head -1 "$E2E_TMP/bad.err")"

# Files that are no recording: one line, the file and the byte.
: >"$E2E_TMP/empty.rec"
for what in "$E2E_TMP/empty.rec:empty: no tick was recorded" "/bin/ls:byte 0: a program, not a kvmscope recording"; do
	file=${what%%:*}
	"$KVMSCOPE" -r "$file" >/dev/null 2>"$E2E_TMP/x.err" && fail "$file: exit status 0"
	[ "$(cat "$E2E_TMP/x.err")" = "kvmscope: $file: ${what#*:}" ] || fail "$file: $(cat "$E2E_TMP/x.err")"
done

# SIGHUP after logrotate moved the file: a new file at the path; SIGTERM ends cleanly.
"$KVMSCOPE" record -o "$E2E_TMP/live.rec" -d 0.2 -f "$F" 2>"$E2E_TMP/hup.err" &
REC=$!
track "$REC"
wait_until 10 bash -c "[ \$('$KVMSCOPE' -r '$E2E_TMP/live.rec' --format json 2>/dev/null | wc -l) -ge 3 ]" ||
	fail "kvmscope record -o FILE did not record"
mv "$E2E_TMP/live.rec" "$E2E_TMP/live.rec.1"
kill -HUP "$REC"
wait_until 10 bash -c "[ \$('$KVMSCOPE' -r '$E2E_TMP/live.rec' --format json 2>/dev/null | wc -l) -ge 3 ]" ||
	{ cat "$E2E_TMP/hup.err"; fail "SIGHUP did not start a new file at the path"; }
kill -TERM "$REC"
wait "$REC"
rc=$?
[ "$rc" = 0 ] || fail "kvmscope record exited $rc on SIGTERM"
for x in live.rec.1 live.rec; do
	"$KVMSCOPE" -r "$E2E_TMP/$x" --format json >/dev/null 2>"$E2E_TMP/x.err" || fail "$x unreadable"
	[ -s "$E2E_TMP/x.err" ] && fail "$x: $(cat "$E2E_TMP/x.err")"
done
note "SIGHUP: $(count_ticks "$E2E_TMP/live.rec.1") ticks in the moved file, $(count_ticks "$E2E_TMP/live.rec") in the new one"

# The live screen with --record: paused for a while, then quit; no tick is missing.
need_cmd tmux
S=rec$$
tmux_start "$S" 100 30 env LANG=C.UTF-8 TERM=screen bash --norc --noprofile -c \
	"$(readlink -f "$KVMSCOPE") -d 0.3 -f '$F' --record $E2E_TMP/tui.rec; echo kvmscope-exit=\$?; sleep 30"
wait_until 10 bash -c "[ \$('$KVMSCOPE' -r '$E2E_TMP/tui.rec' --format json 2>/dev/null | wc -l) -ge 3 ]" ||
	fail "the live screen did not record: $(tmux_capture "$S")"
tmux_keys "$S" p
sleep 2.5
tmux_keys "$S" p
sleep 0.7
tmux_keys "$S" q
tmux_wait_text "$S" 5 'kvmscope-exit=0' || fail "the live screen did not end cleanly: $(tmux_capture "$S")"
"$KVMSCOPE" -r "$E2E_TMP/tui.rec" --format json >"$E2E_TMP/tui.json" || fail "-r of the screen's recording"
jq_py "$E2E_TMP/tui.json" "
# Ticks taken while paused have their seq too: one missing would leave a gap.
seqs = [d['seq'] for d in docs]
assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 5, seqs
print('  live screen: ticks %d to %d recorded, a pause of 2.5 s among them' % (seqs[0], seqs[-1]))
" || fail "the live screen's recording misses ticks"
exit 0
