#!/bin/bash
# kvmscope -b finds real QEMU 7.2 guests by -name: with debug-threads=on (vCPUs and iothread
# named) and without (every thread named after the binary; vCPUs found blocked in KVM_RUN).
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd qemu-system-x86_64 "apt-get install qemu-system-x86"
need_cmd python3

dbg=e2e-qdbg-$$
nodbg=e2e-qnodbg-$$
qemu() {
	qemu-system-x86_64 -accel kvm -m 64 -smp 2 -display none -nodefaults \
		-object iothread,id=iothread0 "$@" </dev/null >>"$E2E_TMP/qemu.log" 2>&1 &
	track $!
}
qemu -name "guest=$dbg,debug-threads=on" -uuid 6a1f3c2e-0d5b-4b8e-9c1a-2f4e5d6c7b8a
DBG=$!
qemu -name "$nodbg"
NODBG=$!

# SeaBIOS runs for a few seconds under emulation, then halts: poll until both guests show
# two vCPUs, for at most 90 s (SeaBIOS under emulation is slow on a loaded host).
found=0
for _ in $(seq 90); do
	kill -0 "$DBG" 2>/dev/null && kill -0 "$NODBG" 2>/dev/null || { cat "$E2E_TMP/qemu.log"; fail "QEMU exited"; }
	"$KVMSCOPE" -b --format json -d 0.5 -n 1 -f "^e2e-q(no)?dbg-$$\$" >"$E2E_TMP/out.json" 2>"$E2E_TMP/err" ||
		{ cat "$E2E_TMP/err"; fail "kvmscope -b failed"; }
	if jq_py "$E2E_TMP/out.json" "
d = docs[-1]
assert all(vm(d, n) and vm(d, n)['vcpus'] == 2 for n in ('$dbg', '$nodbg'))
" 2>/dev/null; then
		found=1
		break
	fi
done
[ $found = 1 ] || { cat "$E2E_TMP/out.json"; fail "both QEMU guests with 2 vCPUs not found in 90 s"; }

jq_py "$E2E_TMP/out.json" "
d = docs[-1]
a = vm(d, '$dbg'); b = vm(d, '$nodbg')
assert a['pid'] == $DBG and b['pid'] == $NODBG, (a['pid'], b['pid'])
assert a['uuid'] == '6a1f3c2e-0d5b-4b8e-9c1a-2f4e5d6c7b8a', a['uuid']
assert [t['index'] for t in vcpus(a)] == [0, 1]
assert [t['comm'] for t in vcpus(a)] == ['CPU 0/KVM', 'CPU 1/KVM']
assert a['iothreads'] == 1 and any(t['comm'] == 'IO iothread0' for t in a['threads'])
# Without debug-threads the vCPUs carry the binary's name and are known by their KVM_RUN fd.
assert [t['index'] for t in vcpus(b)] == [0, 1]
assert all(t['comm'].startswith('qemu-system') for t in vcpus(b)), [t['comm'] for t in vcpus(b)]
print('  %s: vcpus %s iothreads %d; %s: vcpus %s' % (a['name'], [t['tid'] for t in vcpus(a)],
      a['iothreads'], b['name'], [t['tid'] for t in vcpus(b)]))
" || fail "QEMU guests not shown as expected"

# In text, the unnamed vCPUs are labelled by index.
"$KVMSCOPE" -b -H -d 0.3 -n 1 -p "$NODBG" >"$E2E_TMP/out.txt" 2>&1 || fail "kvmscope -b -H failed"
sed 's/^/    /' "$E2E_TMP/out.txt"
grep -q "^vCPU 0 (qemu-system-x86) " "$E2E_TMP/out.txt" || fail "vCPU 0 of $nodbg not labelled"
grep -q "^vCPU 1 (qemu-system-x86) " "$E2E_TMP/out.txt" || fail "vCPU 1 of $nodbg not labelled"
exit 0
