#!/bin/bash
# kvmscope run by an unprivileged user while root's VM runs: it cannot see that VM, and
# says so instead of "no KVM VMs on this host": the VM list's note, the procfs source in the
# header and in JSON, with the VM-looking processes it could not look into counted.
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
need_cmd setpriv "apt-get install util-linux"
need_cmd python3

KS=$(readlink -f "$KVMSCOPE")
vm=e2e-nonroot-$$
storm_start "$E2E_TMP/storm.out" --vcpus 1 --duration 20 -name "guest=$vm" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start"
# The user nobody must reach the binary and its directory.
setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$KS" ||
	fail "nobody cannot run $KS (a directory above it shut to others?)"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$KS" "$@"; }

as_nobody -b -n 2 -d 0.5 >"$E2E_TMP/out.txt" 2>&1 || fail "kvmscope as nobody: $(cat "$E2E_TMP/out.txt")"
sed -n '1,8p' "$E2E_TMP/out.txt" | sed 's/^/    /'
grep -q 'no KVM VMs on this host' "$E2E_TMP/out.txt" && fail "it says there are no VMs"
grep -q "$vm" "$E2E_TMP/out.txt" && fail "root's VM is listed to nobody"
grep -qx "no KVM VMs of this user; other users' VMs are not visible without root" \
	"$E2E_TMP/out.txt" || fail "no note under the VM list"
grep -Eq "procfs degraded: other users' VMs are not visible without root \([1-9][0-9]* process(es)? looks? like" \
	"$E2E_TMP/out.txt" || fail "the header does not say why: $(grep '^sources' "$E2E_TMP/out.txt")"

as_nobody -b -n 1 --format json >"$E2E_TMP/out.json" 2>"$E2E_TMP/err" || fail "json: $(cat "$E2E_TMP/err")"
jq_py "$E2E_TMP/out.json" "
d = docs[-1]
p = d['procfs']
assert p['others_hidden'] is True, p
assert p['unreadable_vmms'] >= 1 and p['unreadable'] >= p['unreadable_vmms'], p
src = [s for s in d['sources'] if s['name'] == 'procfs'][0]
assert src['state'] == 'degraded', src
assert src['why'].startswith(\"other users' VMs are not visible without root\"), src
assert not [v for v in d['vms'] if v['name'] == '$vm'], 'root VM listed'
print('  json procfs:', p)
" || fail "JSON does not say other users' VMs are hidden"

# Root sees it, and no doubt about a VM-looking process.
"$KS" -b -n 1 --no-trace --format json >"$E2E_TMP/root.json" 2>&1 || fail "kvmscope as root"
jq_py "$E2E_TMP/root.json" "
d = docs[-1]
assert vm(d, '$vm'), 'root does not see the VM'
assert d['procfs']['others_hidden'] is False, d['procfs']
" || fail "as root"
exit 0
