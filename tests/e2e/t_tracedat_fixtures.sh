#!/bin/bash
# kvmscope -i on the committed trace.dat fixtures of real storms (tests/fixtures/tracedat):
# the port and MMIO counts and the virtio wake edges of `--summary --format json` are within
# 1% of the counts each storm printed when it was recorded, fewer only by the events the file
# says were lost. With the recording's tgids the storm is its own VM (its pid); without, its
# threads are in the VM of unknown process and the threads source says why. Ticks (-d) add
# up to the summary, and batch text shows the same.
. "$(dirname "$0")/lib.sh"
need_cmd python3
D=tests/fixtures/tracedat
[ -f "$D/virtio.dat" ] || fail "no fixtures in $D"

for f in timer apic pit virtio; do
	F=$D/$f.dat
	"$KVMSCOPE" -b -i "$F" --summary --format json --tgids "$F.tgids" >"$E2E_TMP/$f.json" \
		2>"$E2E_TMP/err" || fail "$f: kvmscope: $(cat "$E2E_TMP/err")"
	"$KVMSCOPE" -b -i "$F" --summary --format json >"$E2E_TMP/$f-notgids.json" \
		2>"$E2E_TMP/err" || fail "$f: kvmscope without tgids: $(cat "$E2E_TMP/err")"
	"$KVMSCOPE" -b -i "$F" -d 0.1 --format json --tgids "$F.tgids" >"$E2E_TMP/$f-ticks.json" \
		2>"$E2E_TMP/err" || fail "$f: kvmscope -d 0.1: $(cat "$E2E_TMP/err")"
	jq_py "$E2E_TMP/$f.json" "
import re
storm = open('$F.storm').read()
total = dict(kv.split('=') for kv in re.search(r'^total (.*)$', storm, re.M).group(1).split())
pid = int(re.search(r'^storm .* pid=(\d+)', storm, re.M).group(1))
d = docs[0]
lost = d['events']['lost']
src = {s['name']: s for s in d['sources']}
assert src['tracedat']['state'] == 'ok', src['tracedat']
assert src['threads']['state'] == 'ok', src['threads']
vms = [v for v in d['vms'] if v['pid'] == pid]
assert len(vms) == 1, ('storm pid %d not a VM' % pid, [v['pid'] for v in d['vms']])
v = vms[0]
assert v['comm'] == 'kvmscope-storm', v['comm']
idx = sorted(t['index'] for t in v['threads'] if t['kind'] == 'vcpu')
assert idx == list(range(len(idx))) and idx, idx
hot = {(h['kind'], h['addr']): h['count'] for h in v['hot'] if not h['other']}
def within(got, key, what):
    exp = int(total[key])
    print('  %-7s %-40s kvmscope %7d  storm %7d  lost %6d' % ('$f', what, got, exp, lost))
    assert exp > 500, (what, exp)
    assert exp * 0.99 - lost <= got <= exp * 1.01, what
for key, n in total.items():
    m = re.match(r'(pio|mmio)_(0x[0-9a-f]+)$', key)
    if m:
        within(hot.get((m.group(1), m.group(2)), 0), key, '%s %s' % (m.group(1), m.group(2)))
if '$f' == 'virtio':
    edges = {(e['waker'], e['wakee'], e['how']): e for e in v['wake']['edges'] if not e['other']}
    within(edges[('CPU 0/KVM', 'IO iothread0', 'ioeventfd')]['count'], 'notifies',
           'CPU 0/KVM -> IO iothread0 ioeventfd')
    within(edges[('IO iothread0', 'CPU 0/KVM', 'irqfd')]['count'], 'irqs',
           'IO iothread0 -> CPU 0/KVM irqfd')
    rt = [r for r in v['wake']['round_trips'] if r['addr'] == '0xc050']
    assert rt and rt[0]['count'] >= 0.5 * int(total['notifies']), v['wake']['round_trips']
    assert rt[0]['mean_ns'] >= int(total['io_ns_mean']) * 0.9, (rt[0], total['io_ns_mean'])
if '$f' == 'pit':
    assert lost > 0, 'the pit fixture was recorded to lose events'
" || fail "$f: counts do not match the storm's"
	jq_py "$E2E_TMP/$f-notgids.json" "
d = docs[0]
src = {s['name']: s for s in d['sources']}
assert src['threads']['state'] == 'degraded' and 'no tgids' in src['threads']['why'], src['threads']
unknown = [v for v in d['vms'] if v['pid'] == 0]
assert len(unknown) == 1 and unknown[0]['comm'] == '?', [(v['pid'], v['comm']) for v in d['vms']]
with_tgids = json.loads(open('$E2E_TMP/$f.json').read())
a = sum(h['count'] for v in with_tgids['vms'] for h in v['hot'])
b = sum(h['count'] for h in unknown[0]['hot'])
assert a == b, (a, b)
" || fail "$f: without tgids"
	jq_py "$E2E_TMP/$f-ticks.json" "
one = json.loads(open('$E2E_TMP/$f.json').read())
assert len(docs) >= 3, len(docs)
assert all(abs(d['interval_s'] - 0.1) < 1e-6 for d in docs[:-1]), [d['interval_s'] for d in docs]
assert sum(d['events']['count'] for d in docs) == one['events']['count']
a = sum(h['count'] for d in docs for v in d['vms'] for h in v['hot'])
b = sum(h['count'] for v in one['vms'] for h in v['hot'])
assert a == b, (a, b)
" || fail "$f: ticks do not add up to the summary"
done

# A bad file: exit status 1, one line on stderr naming it, nothing on stdout.
printf 'not a trace\n' >"$E2E_TMP/bad.dat"
head -c 150000 "$D/virtio.dat" >"$E2E_TMP/cut.dat"
for f in bad cut; do
	"$KVMSCOPE" -b -i "$E2E_TMP/$f.dat" --summary >"$E2E_TMP/$f.out" 2>"$E2E_TMP/$f.err"
	rc=$?
	[ $rc -eq 1 ] || fail "$f.dat: exit status $rc"
	[ ! -s "$E2E_TMP/$f.out" ] || fail "$f.dat: printed a record"
	[ "$(wc -l <"$E2E_TMP/$f.err")" -eq 1 ] && grep -q "^kvmscope: $E2E_TMP/$f.dat: " \
		"$E2E_TMP/$f.err" || fail "$f.dat: not one line: $(cat "$E2E_TMP/$f.err")"
	note "$(cat "$E2E_TMP/$f.err")"
done

# Batch text of the same: the header names the file, the hot port is there with its name.
"$KVMSCOPE" -b -i "$D/timer.dat" --summary --tgids "$D/timer.dat.tgids" >"$E2E_TMP/timer.txt" ||
	fail "batch text"
grep -q "tracedat ok: timer.dat" "$E2E_TMP/timer.txt" || fail "no tracedat source in the header"
grep -Eq "^kvmscope-storm:[^ ]* +pio +0x608 +ACPI PM timer " "$E2E_TMP/timer.txt" ||
	fail "no ACPI PM timer row: $(cat "$E2E_TMP/timer.txt")"
exit 0
