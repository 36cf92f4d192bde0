#!/bin/bash
# Fidelity of detail within the budget: storms faster than the budget (timer: exits to the
# VMM, timed; apic: three LAPIC registers, shares; virtio: wakes and round trips) watched at
# once by kvmscope with full detail (--budget 0) and by kvmscope as it runs by default
# (sampled in bursts), both -c (cumulative) JSON at -d 1. Printed, against the targets:
# - counts: each VM's exits, and its top address, against what its storm reports (the
#   final cumulative count, shown the tick the VM goes; target within 0.1%);
# - top-address shares, sampled against full (target within 2 points);
# - exit-time P50/P99 (the timer's KVM_EXIT_IO) and wake P50/P99 (the virtio VM's busiest
#   edges), sampled against full (target within 10%), with the samples n they rest on;
# - events lost by each (target 0), their detail and own CPU.
# Usage: fidelity.sh [SECONDS] [ROUNDS]   (root; figures, not pass/fail)
#   KVMSCOPE_ARGS: more options for the sampled run (e.g. --budget 50k);
#   STORM_DELAY: seconds the storms wait after creating their VM (default 0: they storm at
#   once, and the exits before kvmscope has found the VM's threads, up to a tick, are
#   counted per thread by neither run: the sampled run's counts miss them, the full run's
#   trace has them).
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
. tests/bench/lib/cost.sh
SECS=${1:-20}
ROUNDS=${2:-1}
read -r -a kargs <<<"${KVMSCOPE_ARGS:-}"
sd=()
[ -n "$STORM_DELAY" ] && sd=(--start-delay "$STORM_DELAY")
need_kvm_tracing
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
bg=()
cleanup() {
	stop_pids TERM "${bg[@]}"
	rm -rf "$tmp"
}
trap cleanup EXIT

for r in $(seq "$ROUNDS"); do
	tag=fid$$r
	bg=()
	"$KVMSCOPE" -b -c --format json -d 1 --budget 0 -f "^$tag-" >"$tmp/full.json" 2>"$tmp/full.err" &
	full=$!
	"$KVMSCOPE" -b -c --format json -d 1 "${kargs[@]}" -f "^$tag-" >"$tmp/samp.json" 2>"$tmp/samp.err" &
	samp=$!
	bg+=("$full" "$samp")
	sleep 2
	"$STORM" --vcpus 1 "${sd[@]}" --duration "$SECS" -name "guest=$tag-timer" timer >"$tmp/timer.out" 2>&1 &
	s1=$!
	"$STORM" --vcpus 1 "${sd[@]}" --rate 30000 --duration "$SECS" -name "guest=$tag-apic" apic >"$tmp/apic.out" 2>&1 &
	s2=$!
	"$STORM" --vcpus 1 "${sd[@]}" --duration "$SECS" -name "guest=$tag-virtio" virtio \
		>"$tmp/virtio.out" 2>&1 &
	s3=$!
	bg+=("$s1" "$s2" "$s3")
	c0f=$(cpu_ns "$full"); c0s=$(cpu_ns "$samp"); w0=$(date +%s%N)
	wait "$s1" "$s2" "$s3"
	c1f=$(cpu_ns "$full"); c1s=$(cpu_ns "$samp"); w1=$(date +%s%N)
	sleep 3
	kill -INT "$full" "$samp"
	wait "$full" "$samp"
	bg=()
	echo "round $r: ${SECS}s; own CPU over the storms: full $(pct "$c0f" "$c1f" "$w0" "$w1")%, sampled $(pct "$c0s" "$c1s" "$w0" "$w1")%"
	python3 - "$tmp" "$tag" <<'EOF'
import json, re, sys
tmp, tag = sys.argv[1], sys.argv[2]
def docs(f):
    return [json.loads(l) for l in open(f) if l.strip()]
full, samp = docs(tmp + '/full.json'), docs(tmp + '/samp.json')

def storm(name):
    txt = open('%s/%s.out' % (tmp, name)).read()
    m = re.search(r'^total (.*)$', txt, re.M)
    kv = dict(x.split('=') for x in m.group(1).split()) if m else {}
    return {k: int(v) for k, v in kv.items() if v.isdigit()}

def final(ds, name):
    """The VM's last row: the tick it shows gone holds its final counts."""
    last = None
    for d in ds:
        for v in d['vms']:
            if v['name'] == name:
                last = (d, v)
    return last

def alive(ds, name):
    """The last row with the VM still running (its latencies and shares)."""
    last = None
    for d in ds:
        for v in d['vms']:
            if v['name'] == name and not v['gone']:
                last = (d, v)
    return last

def rel(a, b):
    return 100.0 * (a - b) / b if b else float('nan')

worst = {'count': 0, 'share': 0, 'p': 0}
print('  detail of the sampled run: %s' % ', '.join(sorted({d['detail']['mode'] for d in samp})))
r = [d['detail']['ratio'] for d in samp if d['detail']['mode'] == 'sampled']
if r:
    print('  traced share of the time (cumulative, last): %.2f%%' % (100 * r[-1]))
print('  lost: full %d, sampled %d' % (max([d['events']['lost'] for d in full] or [0]),
                                      max([d['events']['lost'] for d in samp] or [0])))
print('  %-7s %12s %12s %12s %9s %9s' % ('storm', 'reports', 'sampled', 'full', 'sampled', 'full'))
for s in ('timer', 'apic', 'virtio'):
    st = storm(s)
    want = sum(v for k, v in st.items() if k.startswith(('pio_', 'mmio_'))) + st.get('ctl_exits', 0)
    if s == 'virtio':
        want = st.get('notifies', 0)
    fs, ff = final(samp, tag + '-' + s), final(full, tag + '-' + s)
    if not fs or not ff:
        print('  %s: not seen' % s)
        continue
    cs, cf = fs[1]['exits_count'], ff[1]['exits_count']
    if s == 'virtio':
        cs = sum(h['count'] for h in fs[1]['hot'] if h['addr'] == '0xc050')
        cf = sum(h['count'] for h in ff[1]['hot'] if h['addr'] == '0xc050')
    worst['count'] = max(worst['count'], abs(rel(cs, want)))
    print('  %-7s %12d %12d %12d %+8.3f%% %+8.3f%%' % (s, want, cs, cf, rel(cs, want), rel(cf, want)))

print('  top-address shares (sampled vs full, points):')
for s in ('timer', 'apic', 'virtio'):
    a, b = alive(samp, tag + '-' + s), alive(full, tag + '-' + s)
    if not a or not b:
        continue
    fh = {(h['kind'], h['addr']): h for h in b[1]['hot']}
    for h in a[1]['hot'][:3]:
        g = fh.get((h['kind'], h['addr']))
        if not g:
            continue
        d = h['share_pct'] - g['share_pct']
        worst['share'] = max(worst['share'], abs(d))
        print('    %-7s %-4s %-10s %6.2f%% %6.2f%% %+6.2f' % (s, h['kind'], h['addr'], h['share_pct'], g['share_pct'], d))

print('  P50/P99 (sampled vs full):')
a, b = alive(samp, tag + '-timer'), alive(full, tag + '-timer')
if a and b:
    ea = [e for e in a[1]['exits'] if e['name'] == 'KVM_EXIT_IO']
    eb = [e for e in b[1]['exits'] if e['name'] == 'KVM_EXIT_IO']
    if ea and eb:
        for q in ('p50_ns', 'p99_ns'):
            d = rel(ea[0][q], eb[0][q])
            worst['p'] = max(worst['p'], abs(d))
            print('    timer KVM_EXIT_IO %s %8d %8d %+6.1f%% (n %d, %d)' % (q, ea[0][q], eb[0][q], d, ea[0]['timed'], eb[0]['timed']))
a, b = alive(samp, tag + '-virtio'), alive(full, tag + '-virtio')
if a and b and a[1]['wake'] and b[1]['wake']:
    fe = {(e['waker'], e['wakee'], e['how']): e for e in b[1]['wake']['edges'] if not e['other']}
    for e in [e for e in a[1]['wake']['edges'] if not e['other']][:3]:
        g = fe.get((e['waker'], e['wakee'], e['how']))
        if not g or e['lat_p50_ns'] is None or g['lat_p50_ns'] is None:
            continue
        for q in ('lat_p50_ns', 'lat_p99_ns'):
            d = rel(e[q], g[q])
            worst['p'] = max(worst['p'], abs(d))
            print('    wake %s->%s %-9s %s %8d %8d %+6.1f%% (n %d, %d)' % (e['waker'], e['wakee'], e['how'], q[4:7], e[q], g[q], d, e['timed'], g['timed']))
    fr = {r['addr']: r for r in b[1]['wake']['round_trips']}
    for r in a[1]['wake']['round_trips'][:1]:
        g = fr.get(r['addr'])
        if g and r['p50_ns'] and g['p50_ns']:
            for q in ('p50_ns', 'p99_ns'):
                print('    round trip %s %s %8d %8d %+6.1f%% (n %d, %d)' % (r['addr'], q[:3], r[q], g[q], rel(r[q], g[q]), r['count'], g['count']))
print('  worst: counts %.3f%% (target 0.1%%), shares %.2f points (target 2), P50/P99 %.1f%% (target 10%%)' %
      (worst['count'], worst['share'], worst['p']))
EOF
done
