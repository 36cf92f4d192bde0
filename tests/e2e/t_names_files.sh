#!/bin/bash
# Names from the management layer's files, against real guests (kvmscope-storm, which takes
# QEMU's -name and -id): a Proxmox VE config tree (tests/fixtures/pve: --pve) names the guest
# started with -id 100; and a libvirt directory (--libvirt) of hostile files named after
# three more guests (a billion laughs, a FIFO nobody writes, 100 MB) costs each of them a
# line saying why, in JSON, the VM list and the guest's Names pane, and never a hang.
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd python3
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (run make)"
PVE=tests/fixtures/pve/qemu-server
LV=$E2E_TMP/libvirt
TAG=e2e-names-$$
mkdir "$LV" || fail "mkdir $LV"

cat >"$LV/$TAG-bomb.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE domain [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<domain><name>bomb</name><title>&f;</title></domain>
EOF
mkfifo "$LV/$TAG-fifo.xml" || fail "mkfifo"
truncate -s 100M "$LV/$TAG-big.xml" || fail "truncate"

storm_start "$E2E_TMP/pve.out" -id 100 -name "guest=$TAG-vm100,debug-threads=on" idle
PVE_PID=$STORM_PID
for k in bomb fifo big; do
	storm_start "$E2E_TMP/$k.out" -name "guest=$TAG-$k" idle
	eval "${k^^}_PID=\$STORM_PID"
done
note "guests: Proxmox vmid 100 pid $PVE_PID, bomb $BOMB_PID, fifo $FIFO_PID, big $BIG_PID"

ks() { timeout 30 "$KVMSCOPE" -b --no-trace --libvirt "$LV" --pve "$PVE" "$@"; }
seen_all() {
	local p out
	out=$(ks -n 1 --format json -f "$TAG|^web-3\$") || return 1
	for p in "$PVE_PID" "$BOMB_PID" "$FIFO_PID" "$BIG_PID"; do
		grep -q "\"pid\":$p," <<<"$out" || return 1
	done
}
wait_until 30 seen_all || fail "kvmscope does not see the four guests"

start=$(date +%s%N)
ks -n 2 -d 0.5 --format json >"$E2E_TMP/out.json" || fail "kvmscope -b --format json failed"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
note "two records in $ms ms"
[ "$ms" -lt 15000 ] || fail "two records took $ms ms: a file held the loop up"
jq_py "$E2E_TMP/out.json" "
def by_pid(d, pid):
    v = [v for v in d['vms'] if v['pid'] == pid]
    assert len(v) == 1, pid
    return v[0]
for d in docs:
    v = by_pid(d, $PVE_PID)
    assert v['label'] == 'web-3', v['label']
    assert v['id'] == '100' and v['name'] == '$TAG-vm100', (v['id'], v['name'])
    m = v['mgmt']
    assert (m['source'], m['state'], m['name'], m['uuid']) == \
        ('proxmox', 'ok', 'web-3', '4b1f5c3e-2a9d-4e8f-b7c6-1d2e3f4a5b6c'), m
    for k, why in (('bomb', 'a DTD (<!DOCTYPE>) is not allowed'),
                   ('fifo', 'not a regular file'),
                   ('big', '104857600 bytes, over the 1024 KiB cap')):
        v = by_pid(d, {'bomb': $BOMB_PID, 'fifo': $FIFO_PID, 'big': $BIG_PID}[k])
        m = v['mgmt']
        assert v['label'] == '$TAG-' + k, v['label']
        assert (m['source'], m['state']) == ('libvirt', 'unavailable'), m
        assert m['why'] == '$TAG-%s.xml: %s' % (k, why), m['why']
        assert not m['title'] and not m['name'], m
print('json: vmid 100 is web-3; bomb, fifo and big each unavailable, saying why')
" || fail "JSON does not show the Proxmox name and each file's trouble"

# -f by the vmid or the Proxmox name; the text shows both.
ks -n 1 -H -f '^100$' >"$E2E_TMP/text" || fail "kvmscope -f '^100\$' failed"
sed -n '/^Names of/,/^$/p' "$E2E_TMP/text" | sed 's/^/    /'
grep -Eq "^web-3 +$PVE_PID .* -name $TAG-vm100, -id \\(vmid\\) 100\$" "$E2E_TMP/text" ||
	fail "-f '^100\$': the VM list does not show web-3 with its -name and vmid"
for row in "proxmox name +web-3" "-name +$TAG-vm100" "proxmox uuid +4b1f5c3e-2a9d-4e8f-b7c6-1d2e3f4a5b6c" \
	"-id \\(vmid\\) +100"; do
	grep -Eq -- "^$row\$" "$E2E_TMP/text" || fail "the Names pane has no row '$row'"
done
grep -q "^from the Proxmox VE guest config$" "$E2E_TMP/text" || fail "no source line"
[ "$(grep -c "^VMs$" "$E2E_TMP/text")" = 1 ] && ! grep -q "$TAG-bomb" "$E2E_TMP/text" ||
	fail "-f '^100\$' shows other VMs"

ks -n 1 -H -f "^$TAG-bomb\$" >"$E2E_TMP/bomb" || fail "kvmscope -f bomb failed"
grep -Eq "^$TAG-bomb +$BOMB_PID .* libvirt unavailable: $TAG-bomb.xml: a DTD" "$E2E_TMP/bomb" ||
	fail "the VM list does not say the bomb's file is unavailable"
grep -q "^libvirt: unavailable: $TAG-bomb.xml: a DTD (<!DOCTYPE>) is not allowed$" "$E2E_TMP/bomb" ||
	fail "the bomb's Names pane does not say why"
echo "ok: Proxmox names the vmid; hostile files unavailable, each saying why"
