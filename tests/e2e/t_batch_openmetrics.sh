#!/bin/bash
# --format openmetrics -o FILE on a timer storm: the file is replaced whole at every tick
# (a reader polling it meanwhile never sees half of an exposition, and no temporary file is
# left), its counters grow, the PM-timer hint is 1; --format prometheus passes `promtool check
# metrics`, and OpenMetrics to standard output ends each exposition with # EOF.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3
need_cmd promtool "apt-get install prometheus"

name=e2e-om-$$
mkdir "$E2E_TMP/textfile"
F=$E2E_TMP/textfile/kvmscope.prom
storm_start "$E2E_TMP/storm.out" --start-delay 1 --duration 20 -name "guest=$name" timer
sleep 1.5
"$KVMSCOPE" --format openmetrics -d 0.2 -n 20 -f "^$name\$" -o "$F" 2>"$E2E_TMP/err" &
KS=$!
track $KS
python3 - "$F" "$KS" <<'PYEOF' || fail "a reader saw a partial exposition"
import os, sys
path, pid = sys.argv[1], int(sys.argv[2])
reads = 0
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    try:
        data = open(path).read()
    except FileNotFoundError:
        continue
    reads += 1
    assert data.endswith('\n# EOF\n'), data[-200:]
    for line in data.splitlines():
        assert line.startswith('#') or line.startswith('kvmscope_'), line
print('  %d reads while it was rewritten every 0.2 s: each one whole' % reads)
assert reads > 10
PYEOF
wait $KS || fail "kvmscope -o: $(cat "$E2E_TMP/err")"
[ "$(ls -A "$E2E_TMP/textfile")" = kvmscope.prom ] || fail "left behind: $(ls -A "$E2E_TMP/textfile")"
[ "$(stat -c %a "$F")" = 644 ] || fail "mode $(stat -c %a "$F"), not 644"
grep -q "^kvmscope_hint_active{vm=\"$name\",pid=\"$STORM_PID\",hint=\"pm_timer\"} 1$" "$F" ||
	fail "PM-timer hint not 1: $(grep hint_active "$F")"
grep -q "^kvmscope_hot_accesses_total{vm=\"$name\",pid=\"$STORM_PID\",kind=\"pio\",addr=\"0x608\",name=\"ACPI PM timer\"} [1-9]" "$F" ||
	fail "no 0x608 accesses"
note "$(grep "^kvmscope_exits_total{vm=\"$name\"" "$F")"

"$KVMSCOPE" --format prometheus -d 0.3 -n 3 -f "^$name\$" -o "$E2E_TMP/p.prom" 2>"$E2E_TMP/err" ||
	fail "--format prometheus: $(cat "$E2E_TMP/err")"
promtool check metrics <"$E2E_TMP/p.prom" >"$E2E_TMP/pt" 2>&1 || fail "promtool: $(cat "$E2E_TMP/pt")"
[ -s "$E2E_TMP/pt" ] && fail "promtool: $(cat "$E2E_TMP/pt")"
note "promtool check metrics: no problems ($(grep -vc '^#' "$E2E_TMP/p.prom") series)"

"$KVMSCOPE" -b --format openmetrics -d 0.3 -n 3 -f "^$name\$" >"$E2E_TMP/stdout.om" 2>"$E2E_TMP/err" ||
	fail "openmetrics to stdout: $(cat "$E2E_TMP/err")"
[ "$(grep -c '^# EOF$' "$E2E_TMP/stdout.om")" = 3 ] || fail "expected 3 expositions"
python3 - "$E2E_TMP/stdout.om" "$name" <<'PYEOF' || fail "counters went down between expositions"
import sys
docs = open(sys.argv[1]).read().split('# EOF\n')[:-1]
vals = []
for d in docs:
    v = [float(l.rsplit(' ', 1)[1]) for l in d.splitlines()
         if l.startswith('kvmscope_exits_total{vm="%s"' % sys.argv[2])]
    vals.append(sum(v))
print('  exits_total over three ticks:', vals)
assert vals == sorted(vals) and vals[-1] > 0, vals
PYEOF
exit 0
