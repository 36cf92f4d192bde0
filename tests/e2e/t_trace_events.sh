#!/bin/bash
# Tracing end to end: kvmscope starts tracing, then a timer storm (port 0x608 answered in
# userspace) starts in a VM; the JSON records count its events, lose none, and say the
# tracefs source is ok.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (make)"
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"

out=$E2E_TMP/out.json
# Every event traced (--budget 0): the storm is faster than the default budget, which would
# trace it in bursts (t_detail checks that).
"$KVMSCOPE" -b --format json -d 0.5 -n 10 --budget 0 >"$out" 2>"$E2E_TMP/err" &
kpid=$!
track "$kpid"
wait_until 5 test -d "$TRACEFS/instances/kvmscope-$kpid" || fail "no instance kvmscope-$kpid"
note "tracing in kvmscope-$kpid"

storm_start "$E2E_TMP/storm.out" --vcpus 1 --duration 2 --start-delay 0.5 -name guest=e2e-trace timer
wait "$STORM_PID" || fail "storm failed: $(cat "$E2E_TMP/storm.out")"
wait "$kpid" || fail "kvmscope failed: $(cat "$E2E_TMP/err")"
[ -s "$E2E_TMP/err" ] && fail "kvmscope wrote to stderr: $(cat "$E2E_TMP/err")"
reads=$(sed -n 's/^total .*pio_0x608=\([0-9]*\).*/\1/p' "$E2E_TMP/storm.out")
[ -n "$reads" ] && [ "$reads" -gt 1000 ] || fail "storm made no port 0x608 reads: $(cat "$E2E_TMP/storm.out")"
note "storm: $reads reads of port 0x608"

python3 - "$out" "$reads" <<'EOF' || fail "JSON checks failed"
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
reads = int(sys.argv[2])
assert len(docs) == 10, "%d records, not 10" % len(docs)
total = 0
for d in docs:
    src = {s["name"]: s for s in d["sources"]}
    assert "tracefs" in src, "no tracefs source in record %d" % d["seq"]
    assert src["tracefs"]["state"] == "ok", "tracefs %s: %s" % (src["tracefs"]["state"], src["tracefs"]["why"])
    assert d["events"]["lost"] == 0, "record %d: %d events lost" % (d["seq"], d["events"]["lost"])
    total += d["events"]["count"]
# Each read is a kvm_pio and a kvm_userspace_exit at least (other VMs may add more).
assert total >= 2 * reads, "%d events for %d reads" % (total, reads)
assert any(v["name"] == "e2e-trace" for d in docs for v in d["vms"]), "VM e2e-trace not seen"
print("  %d events over %d records, none lost, for %d reads" % (total, len(docs), reads))
EOF
[ -d "$TRACEFS/instances/kvmscope-$kpid" ] && fail "instance kvmscope-$kpid left behind"
exit 0
