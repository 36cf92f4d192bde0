#!/bin/bash
# The procfs probe finds real QEMU guests: one with debug-threads (vCPUs and iothread named),
# one without (every thread carries the process name; vCPUs only show as blocked in
# ioctl(KVM_RUN) on a kvm-vcpu fd). Reads the probe through `test_procfs --dump`, whose
# lines are "pid name kind index tid comm".
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd qemu-system-x86_64 "apt-get install qemu-system-x86"

DUMP=${BUILD:-build}/tests/test_procfs
make -s "$DUMP" >"$E2E_TMP/make.log" 2>&1 || { cat "$E2E_TMP/make.log"; fail "cannot build $DUMP"; }

qemu() {
	qemu-system-x86_64 -accel kvm -m 64 -smp 2 -display none -nodefaults \
		-object iothread,id=iothread0 "$@" </dev/null >>"$E2E_TMP/qemu.log" 2>&1 &
}
qemu -name guest=e2e-dbg,debug-threads=on
DBG=$!
track "$DBG"
qemu -name e2e-nodbg
NODBG=$!
track "$NODBG"
note "QEMU with debug-threads: pid $DBG; without: pid $NODBG"

# Lines of the dump for one pid and kind.
lines() { awk -v pid="$1" -v kind="$2" '$1 == pid && $3 == kind' "$E2E_TMP/dump"; }
dump() { "$DUMP" --dump >"$E2E_TMP/dump" 2>&1; }

# Both guests up with both vCPUs: the one without names needs its vCPUs blocked in KVM_RUN,
# which they are once SeaBIOS has found nothing to boot and halts.
ready() {
	dump || return 1
	[ "$(lines "$DBG" vcpu | wc -l)" = 2 ] && [ "$(lines "$NODBG" vcpu | wc -l)" = 2 ]
}
start=$(date +%s%N)
for _ in $(seq 900); do
	kill -0 "$DBG" 2>/dev/null && kill -0 "$NODBG" 2>/dev/null || {
		cat "$E2E_TMP/qemu.log"
		fail "QEMU exited"
	}
	ready && break
	if [ ! -s "$E2E_TMP/first" ] && grep -q "^$NODBG " "$E2E_TMP/dump"; then
		cp "$E2E_TMP/dump" "$E2E_TMP/first"
	fi
	sleep 0.1
done
note "all vCPUs found after $(( ($(date +%s%N) - start) / 1000000 )) ms"
if [ -s "$E2E_TMP/first" ]; then
	note "first sight of the guest without debug-threads (a running vCPU is not known yet):"
	awk -v pid="$NODBG" '$1 == pid' "$E2E_TMP/first" | sed 's/^/    /'
fi
sed 's/^/    /' "$E2E_TMP/dump"
ready || fail "vCPUs not all found within 90 s"

# Degraded is allowed: a process whose fds even root may not read (an LSM, another user
# namespace) makes it so. The guests themselves must have been read, which follows.
grep -Eq '^# status (ok|degraded)' "$E2E_TMP/dump" || fail "probe unavailable"
grep -q "^# vm $DBG name e2e-dbg .* vcpu_fds 2 " "$E2E_TMP/dump" || fail "guest e2e-dbg not found"
grep -q "^# vm $NODBG name e2e-nodbg .* vcpu_fds 2 " "$E2E_TMP/dump" ||
	fail "guest e2e-nodbg not found"

# With debug-threads: names give kind and index.
for i in 0 1; do
	[ "$(lines "$DBG" vcpu | awk -v i="$i" '$4 == i { $1 = $2 = $3 = $4 = $5 = ""; print }' |
		sed 's/^ *//')" = "CPU $i/KVM" ] || fail "e2e-dbg: vCPU $i is not 'CPU $i/KVM'"
done
[ "$(lines "$DBG" iothread | awk '{ print $4, $6, $7 }')" = "-1 IO iothread0" ] ||
	fail "e2e-dbg: iothread0 not found"

# The syscall method agrees with the names on the guest that has both (once each vCPU is
# blocked: one still in the BIOS shows "running").
in_kvm_run() {
	local nr req
	read -r nr _ req _ <"/proc/$DBG/task/$1/syscall"
	[ "$nr" = 16 ] && [ "$req" = 0xae80 ]
}
for tid in $(lines "$DBG" vcpu | awk '{ print $5 }'); do
	comm=$(cat "/proc/$DBG/task/$tid/comm")
	wait_until 30 in_kvm_run "$tid" ||
		fail "'$comm' never blocked in KVM_RUN: $(cat "/proc/$DBG/task/$tid/syscall")"
	read -r _ fd _ <"/proc/$DBG/task/$tid/syscall"
	link=$(readlink "/proc/$DBG/fd/$((fd))")
	[ "$link" = "anon_inode:kvm-vcpu:${comm//[^0-9]/}" ] ||
		fail "'$comm' is in KVM_RUN on fd $fd = $link"
done

# Without debug-threads: vCPUs 0 and 1, found through syscall and fd, on distinct threads
# that all carry the process name; KVM's worker thread is not among them.
[ "$(lines "$NODBG" vcpu | awk '{ print $4 }' | sort | tr '\n' ' ')" = "0 1 " ] ||
	fail "e2e-nodbg: vCPU indexes are not 0 and 1"
[ "$(lines "$NODBG" vcpu | awk '{ print $5 }' | sort -u | wc -l)" = 2 ] ||
	fail "e2e-nodbg: two vCPUs on one thread"
lines "$NODBG" vcpu | awk '$6 != "qemu-system-x86" { exit 1 }' ||
	fail "e2e-nodbg: a vCPU thread with another name"
[ -z "$(lines "$NODBG" iothread)" ] || fail "e2e-nodbg: an iothread without a name?"
for tid in $(lines "$NODBG" vcpu | awk '{ print $5 }'); do
	[ -d "/proc/$NODBG/task/$tid" ] || fail "e2e-nodbg: vCPU tid $tid is not a thread of $NODBG"
done
if grep -q kvm-nx-lpage "/proc/$NODBG/task/"*/comm 2>/dev/null; then
	lines "$NODBG" other | grep -q ' kvm-nx-lpage-re$' ||
		fail "e2e-nodbg: KVM's worker taken for a vCPU"
fi
echo "ok: both guests, vCPUs 0 and 1 each, iothread0"
