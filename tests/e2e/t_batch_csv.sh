#!/bin/bash
# --format csv on a timer storm: the header row once, a row per VM per tick and, with -H, per
# thread; the VM row names its top exit and its top address (port 0x608, ACPI PM timer) at
# the storm's rate; -o FILE writes the same rows to a file.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3

name=e2e-csv-$$
storm_start "$E2E_TMP/storm.out" --start-delay 1 --duration 20 --vcpus 2 -name "guest=$name" timer
sleep 1.5
"$KVMSCOPE" -b --format csv -H -d 0.5 -n 4 -f "^$name\$" >"$E2E_TMP/out.csv" 2>"$E2E_TMP/err" ||
	fail "kvmscope --format csv: $(cat "$E2E_TMP/err")"
"$KVMSCOPE" --format csv -d 0.5 -n 2 -f "^$name\$" -o "$E2E_TMP/file.csv" 2>"$E2E_TMP/err" ||
	fail "kvmscope --format csv -o: $(cat "$E2E_TMP/err")"
sed 's/^/    /' "$E2E_TMP/out.csv" | head -6
python3 - "$E2E_TMP/out.csv" "$E2E_TMP/file.csv" "$name" "$STORM_PID" <<'PYEOF' || fail "CSV rows"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head = rows[0]
assert head[:6] == ['time', 'row', 'vm', 'pid', 'thread', 'tid'], head
assert sum(1 for r in rows if r == head) == 1, 'header repeated'
assert all(len(r) == len(head) for r in rows), 'ragged rows'
recs = [dict(zip(head, r)) for r in rows[1:]]
vms = [r for r in recs if r['row'] == 'vm']
assert len(vms) == 4 and all(r['vm'] == sys.argv[3] and r['pid'] == sys.argv[4] for r in vms), vms
vcpus = [r for r in recs if r['row'] == 'vcpu']
assert sorted(r['thread'] for r in vcpus[:2]) == ['CPU 0/KVM', 'CPU 1/KVM'], vcpus[:2]
assert any(r['row'] == 'iothread' and r['thread'] == 'IO iothread0' for r in recs)
last = vms[-1]
print('  last VM row: exits %s/s, top exit %s (%s%%), top address %s %s %s at %s/s' %
      (last['exits_per_s'], last['top_exit'], last['top_exit_pct'], last['top_addr_kind'],
       last['top_addr'], last['top_addr_name'], last['top_addr_per_s']))
assert float(last['exits_per_s']) > 2000, last
assert last['top_exit'] in ('io (pio)', 'KVM_EXIT_IO', 'IO_INSTRUCTION'), last
assert (last['top_addr_kind'], last['top_addr'], last['top_addr_name']) == ('pio', '0x608', 'ACPI PM timer')
assert float(last['top_addr_per_s']) > 2000
frows = list(csv.reader(open(sys.argv[2])))
assert frows[0] == head and len(frows) == 3 and all(r[1] == 'vm' for r in frows[1:]), frows
PYEOF
exit 0
