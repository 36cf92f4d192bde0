#!/bin/bash
# Hostile host: a procfs mounted with hidepid=2, read by an unprivileged user while root
# runs a VM. The VM list says the VMs are not visible and why, never "no KVM VMs on this
# host"; root reading the same procfs sees the VM. The procfs is mounted only inside a
# private mount namespace (gone with it); the user is the existing "nobody".
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
need_cmd unshare "apt-get install util-linux"
need_cmd setpriv "apt-get install util-linux"
[ -x "$KVMSCOPE" ] && [ -x "$STORM" ] || skip "needs $KVMSCOPE and $STORM (run make)"
id nobody >/dev/null 2>&1 || skip "needs the user nobody"
KS=$(readlink -f "$KVMSCOPE")
GROUP=$(id -gn nobody)
setpriv --reuid=nobody --regid="$GROUP" --clear-groups test -x "$KS" ||
	skip "nobody cannot run $KS (a directory on the way is not searchable)"

vm="hpid$$"
storm_start "$E2E_TMP/storm.out" --vcpus 1 --rate 100 -name "guest=$vm" idle
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start: $(cat "$E2E_TMP/storm.out")"

# The mount point must be reachable by nobody.
chmod 755 "$E2E_TMP"
mkdir "$E2E_TMP/proc"

# hp_run USER OUT ARGS...: kvmscope ARGS as USER (root or nobody) with --proc on a fresh
# procfs mounted with hidepid=2 in a namespace of its own; sets RC and KP.
hp_run() {
	local user=$1 out=$2 as=""
	shift 2
	[ "$user" = nobody ] && as="setpriv --reuid=nobody --regid=$GROUP --clear-groups"
	unshare -m sh -c 'mount -t proc -o hidepid=2 proc "$1" && shift && exec "$@"' sh \
		"$E2E_TMP/proc" $as "$KS" --proc "$E2E_TMP/proc" "$@" >"$out" 2>"$out.err" &
	KP=$!
	track "$KP"
	wait "$KP"
	RC=$?
	! kvmscope_instances | grep -qx "kvmscope-$KP" || fail "kvmscope-$KP left ($user)"
}

hp_run nobody "$E2E_TMP/nobody.out" -b -n 2 -d 0.3
[ "$RC" -eq 0 ] || fail "nobody: exit $RC: $(cat "$E2E_TMP/nobody.out.err")"
[ -s "$E2E_TMP/nobody.out.err" ] && fail "nobody: stderr: $(cat "$E2E_TMP/nobody.out.err")"
grep -q 'no KVM VMs on this host' "$E2E_TMP/nobody.out" &&
	fail "nobody under hidepid=2 is told there are no VMs: $(cat "$E2E_TMP/nobody.out")"
line=$(grep -m1 '^no VM visible: ' "$E2E_TMP/nobody.out")
echo "$line" | grep -Eq "^no VM visible: $E2E_TMP/proc has hidepid=(2|invisible): other users' processes are hidden: run as root$" ||
	fail "nobody: the VM list does not say why: $(sed -n '1,8p' "$E2E_TMP/nobody.out")"
grep -q "^sources: .*procfs degraded: $E2E_TMP/proc has hidepid=" "$E2E_TMP/nobody.out" ||
	fail "nobody: procfs does not say hidepid: $(grep -m1 '^sources' "$E2E_TMP/nobody.out")"
note "nobody, hidepid=2: $line"

# The same as JSON: the VM list empty, procfs degraded with the reason.
hp_run nobody "$E2E_TMP/nobody.json" -b -n 1 -d 0.3 --format json
[ "$RC" -eq 0 ] || fail "nobody json: exit $RC"
jq_py "$E2E_TMP/nobody.json" '
d = docs[-1]
assert not d["vms"], d["vms"]
src = {s["name"]: s for s in d["sources"]}["procfs"]
assert src["state"] == "degraded" and "hidepid" in src["why"], src
' || fail "nobody json: $(cat "$E2E_TMP/nobody.json")"

# Root reading the same kind of procfs sees the VM.
hp_run root "$E2E_TMP/root.out" -b -n 2 -d 0.3 -p "$STORM_PID"
[ "$RC" -eq 0 ] || fail "root: exit $RC: $(cat "$E2E_TMP/root.out.err")"
grep -Eq "^$vm +$STORM_PID +1 +1 " "$E2E_TMP/root.out" ||
	fail "root under hidepid=2 does not see $vm: $(cat "$E2E_TMP/root.out")"
note "root, hidepid=2: $vm seen"

# nobody on the ordinary /proc: other users' fds are closed to it; it says so too.
setpriv --reuid=nobody --regid="$GROUP" --clear-groups "$KS" -b -n 2 -d 0.3 \
	>"$E2E_TMP/plain.out" 2>"$E2E_TMP/plain.err" || fail "nobody on /proc: $(cat "$E2E_TMP/plain.err")"
grep -q "^no VM visible: cannot read other users' fds: run as root$" "$E2E_TMP/plain.out" ||
	fail "nobody on /proc: $(sed -n '1,8p' "$E2E_TMP/plain.out")"
note "nobody, /proc: no VM visible: cannot read other users' fds: run as root"
exit 0
