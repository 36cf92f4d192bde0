#!/bin/bash
# The time split of a 2-vCPU timer storm, run after run: both vCPUs do the same work, so
# their USER% should agree whatever the trace saw first, and come near the figure the storm
# measures itself (user_pct: its vCPU threads' time between a return from KVM_RUN and the
# next call). For each of RUNS runs: the storm for SECONDS with kvmscope -b -H --format json
# started beside it once the guest runs; printed are each vCPU's mean USER% over the records
# with the guest running (the first record, which has no interval, left out), the
# largest difference between the two in one record, and the storm's figures.
# Usage: split_timer.sh [RUNS] [SECONDS] [-- KVMSCOPE OPTIONS]   (root; figures, not pass/fail)
cd "$(dirname "$0")/../.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
RUNS=${1:-10}
SECS=${2:-5}
shift 2 2>/dev/null
[ "$1" = -- ] && shift
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -c /dev/kvm ] || { echo "skipped: needs /dev/kvm"; exit 0; }
[ -d $T/instances ] || mount -t tracefs nodev $T 2>/dev/null
[ -d $T/events/kvm ] || { echo "skipped: no kvm events in $T"; exit 0; }
tmp=$(mktemp -d /tmp/kvmscope-bench.XXXXXX)
bg=()
cleanup() {
	for p in "${bg[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

printf '%-4s %18s %8s %18s\n' run "USER% vCPU0 vCPU1" "max diff" "storm vCPU0 vCPU1"
agree=0
for ((r = 1; r <= RUNS; r++)); do
	vm=split-bench-$$-$r
	"$STORM" --vcpus 2 --duration "$SECS" -name "guest=$vm" timer >"$tmp/storm.out" 2>&1 &
	sp=$!
	bg=("$sp")
	# Attached to a storm already running, as an admin does: the trace starts anywhere.
	sleep 0.3
	"$KVMSCOPE" -b -H --format json -d 1 -n "$SECS" -f "^$vm\$" "$@" >"$tmp/out.json" \
		2>"$tmp/err" &
	mp=$!
	bg+=("$mp")
	wait "$sp" || { echo "storm failed: $(cat "$tmp/storm.out")"; exit 1; }
	wait "$mp" || { echo "kvmscope failed: $(cat "$tmp/err")"; exit 1; }
	bg=()
	line=$(python3 - "$tmp/out.json" "$tmp/storm.out" <<'EOF'
import json, re, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
storm = {int(m.group(1)): float(m.group(2)) for m in
         re.finditer(r'^vcpu=(\d+) .*user_pct=([0-9.]+)', open(sys.argv[2]).read(), re.M)}
pairs = []
for d in docs[1:]:
    for v in d['vms']:
        if v['gone']:
            continue
        cpus = sorted((t for t in v['threads'] if t['kind'] == 'vcpu'), key=lambda t: t['index'])
        if len(cpus) == 2 and any(t['exits_rate'] for t in cpus):
            pairs.append([t['split']['user_pct'] for t in cpus])
if not pairs:
    print('no records with the storm running')
    sys.exit(0)
def show(x):
    return '%8s' % '-' if x is None else '%8.1f' % x
known = [p for p in pairs if None not in p]
# USER% unknown for one vCPU (shown -) is no agreement.
mean = [sum(p[i] for p in known) / len(known) if len(known) == len(pairs) else None
        for i in (0, 1)]
diff = max(abs(a - b) for a, b in known) if len(known) == len(pairs) else None
print('%s %s %s %s %s' % (show(mean[0]), show(mean[1]), show(diff), show(storm.get(0)),
                          show(storm.get(1))))
EOF
)
	printf '%-4s %s\n' "$r" "$line"
	awk -v l="$line" 'BEGIN { split(l, f, " "); exit !(f[3] ~ /^[0-9.]+$/ && f[3] <= 10) }' &&
		agree=$((agree + 1))
done
echo "runs with both vCPUs' USER% within 10 points in every record: $agree of $RUNS"
