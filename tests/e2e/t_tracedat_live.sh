#!/bin/bash
# The live trace and a trace.dat of the same storm agree: kvmscope runs live (batch JSON,
# cumulative) while a tracefs instance records the same virtio storm to a file with trace-cmd
# extract (tests/fixtures/tracedat/record.sh); then kvmscope reads the file. Both name the same
# top port, its count within 2%, and the notify -> interrupt round trip P50 within 10%.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3
need_cmd trace-cmd
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"

name=e2e-tdlive-$$
# Every event traced live (--budget 0), as the file has them all: the same stream both ways.
"$KVMSCOPE" -b -c --format json -d 0.5 -n 16 --budget 0 -f "^$name\$" >"$E2E_TMP/live.json" \
	2>"$E2E_TMP/err" &
MON=$!
track $MON
sleep 0.5
STORM=$STORM tests/fixtures/tracedat/record.sh -d 1.5 "$E2E_TMP/virtio.dat" --vcpus 1 \
	--duration 2 -name "guest=$name" virtio 2>"$E2E_TMP/rec.err" ||
	fail "recording: $(cat "$E2E_TMP/rec.err")"
wait "$MON" || fail "kvmscope live: $(cat "$E2E_TMP/err")"
sed 's/^/  storm: /' "$E2E_TMP/virtio.dat.storm"
ls "$TRACEFS/instances" | grep -q tracedat-fixture && fail "record.sh left its instance"
"$KVMSCOPE" -b -i "$E2E_TMP/virtio.dat" --tgids "$E2E_TMP/virtio.dat.tgids" --summary \
	--format json >"$E2E_TMP/file.json" 2>"$E2E_TMP/err" ||
	fail "kvmscope -i: $(cat "$E2E_TMP/err")"

pid=$(sed -n 's/^storm .* pid=\([0-9]*\).*/\1/p' "$E2E_TMP/virtio.dat.storm")
jq_py "$E2E_TMP/live.json" "
live = None
for d in docs:
    for v in d['vms']:
        if v['pid'] == $pid:
            live = v
assert live, 'live kvmscope never saw the storm'
f = json.loads(open('$E2E_TMP/file.json').read())
files = [v for v in f['vms'] if v['pid'] == $pid]
assert len(files) == 1, [v['pid'] for v in f['vms']]
file = files[0]
def top_port(v):
    ports = [h for h in v['hot'] if h['kind'] == 'pio' and not h['other']]
    return max(ports, key=lambda h: h['count'])
lp, fp = top_port(live), top_port(file)
print('  top port: live %s %d, file %s %d' % (lp['addr'], lp['count'], fp['addr'], fp['count']))
assert lp['addr'] == fp['addr'] == '0xc050', (lp['addr'], fp['addr'])
assert abs(lp['count'] - fp['count']) <= 0.02 * fp['count'], (lp['count'], fp['count'])
def rt(v):
    r = [r for r in v['wake']['round_trips'] if r['addr'] == '0xc050']
    assert r, v['wake']['round_trips']
    return r[0]
lr, fr = rt(live), rt(file)
print('  round trip P50: live %.1f us (%d), file %.1f us (%d)' %
      (lr['p50_ns'] / 1e3, lr['count'], fr['p50_ns'] / 1e3, fr['count']))
assert abs(lr['p50_ns'] - fr['p50_ns']) <= 0.10 * fr['p50_ns'], (lr['p50_ns'], fr['p50_ns'])
" || fail "live and file disagree"
exit 0
