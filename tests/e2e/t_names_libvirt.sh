#!/bin/bash
# Names from a real libvirt: a libvirtd of the test's own runs a domain as OpenStack nova
# defines one (tests/fixtures/libvirt/web-3.xml: a <title>, nova's <metadata> with the
# instance name, flavor, user and project; QEMU with KVM, no disk, idle in SeaBIOS), and
# kvmscope, reading libvirt's live XML where libvirt keeps it (/run/libvirt/qemu), shows the
# title as the VM's name and the nova names beside it, in batch text, JSON and the live
# screen; -f and g find the VM by its nova name; a title changed while kvmscope runs
# (virsh desc --live --title) is shown from the next tick on.
#
# The host is left as found, however the test ends: it runs in mount and pid namespaces of
# its own (the script runs itself again under unshare), where /run, /etc/libvirt and
# /var/{lib,cache,log}/libvirt are empty tmpfs: libvirtd's sockets, config, state and logs
# go there and vanish with the namespace. qemu.conf runs QEMU as root without cgroups,
# namespaces, a security driver or virtlogd, and no network is defined: nothing outside is
# touched. When the test's shell, init of the pid namespace, ends (even killed), the kernel
# kills libvirtd and QEMU with it.
if [ -z "${KVMSCOPE_NAMES_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	KVMSCOPE_NAMES_NS=1 exec unshare --mount --propagation private --pid --fork --kill-child \
		--mount-proc bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_cmd qemu-system-x86_64 "apt-get install qemu-system-x86"
need_cmd virsh "apt-get install libvirt-clients"
need_cmd python3
need_cmd tmux
LIBVIRTD=/usr/sbin/libvirtd
[ -x "$LIBVIRTD" ] || skip "needs $LIBVIRTD (apt-get install libvirt-daemon-system)"
[ "${KVMSCOPE_NAMES_NS:-}" = 1 ] || fail "not in a namespace of its own (unshare failed)"
[ "$$" = 1 ] || fail "not the init of a pid namespace: libvirtd and QEMU would outlive it"
KS=$(readlink -f "$KVMSCOPE")
DOMAIN=instance-0000a3f1
VIRSH=(virsh -q -c qemu:///system)

# Empty and private: what libvirtd writes goes here and nowhere else.
mount -t tmpfs -o mode=755 kvmscope-e2e /run || fail "cannot mount a tmpfs on /run"
for d in /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	[ -d "$d" ] || fail "$d is missing: libvirt-daemon-system is not installed whole"
	mount -t tmpfs -o mode=755 kvmscope-e2e "$d" || fail "cannot mount a tmpfs on $d"
done
cat >/etc/libvirt/qemu.conf <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
EOF
echo 'log_outputs = "3:stderr"' >/etc/libvirt/libvirtd.conf

"$LIBVIRTD" --config /etc/libvirt/libvirtd.conf >"$E2E_TMP/libvirtd.log" 2>&1 &
LIBVIRTD_PID=$!
track "$LIBVIRTD_PID"
# Before libvirtd stops: the domain (its QEMU is libvirtd's child only in name: it
# daemonizes), then the tmux server of the live screen.
# A tmux server of its own, its socket in E2E_TMP: gone with it, whatever ends the server.
TM=(tmux -S "$E2E_TMP/tmux.sock")
at_exit "${TM[*]} kill-server 2>/dev/null"
at_exit "timeout 20 ${VIRSH[*]} destroy $DOMAIN >/dev/null 2>&1; \
	[ -n \"\${QEMU_PID:-}\" ] && kill -KILL \"\$QEMU_PID\" 2>/dev/null"
wait_until 30 test -S /run/libvirt/libvirt-sock || {
	cat "$E2E_TMP/libvirtd.log"
	fail "libvirtd did not start"
}
note "libvirtd $(${LIBVIRTD} --version | awk '{ print $NF }'), pid $LIBVIRTD_PID"

timeout 120 "${VIRSH[@]}" create tests/fixtures/libvirt/web-3.xml >"$E2E_TMP/virsh.log" 2>&1 || {
	cat "$E2E_TMP/virsh.log"
	tail -20 "$E2E_TMP/libvirtd.log"
	fail "virsh create failed"
}
QEMU_PID=$(cat "/run/libvirt/qemu/$DOMAIN.pid" 2>/dev/null)
[ -n "$QEMU_PID" ] || fail "no pid file for $DOMAIN"
note "domain $DOMAIN running: QEMU pid $QEMU_PID"
grep -q "<domstatus .*pid='$QEMU_PID'" "/run/libvirt/qemu/$DOMAIN.xml" ||
	fail "libvirt's live XML does not name pid $QEMU_PID"

# kvmscope as an admin runs it: no option for libvirt, its files where libvirt keeps them.
has_vm() { "$KS" -b --no-trace -n 1 --format json -p "$QEMU_PID" | grep -q '"pid":'"$QEMU_PID"; }
wait_until 30 has_vm || fail "kvmscope does not see QEMU pid $QEMU_PID"
timeout 30 "$KS" -b --no-trace -n 2 -d 0.5 --format json >"$E2E_TMP/all.json" ||
	fail "kvmscope -b --format json failed"
jq_py "$E2E_TMP/all.json" "
want = {'title': 'Customer web-3', 'nova_name': 'web-3', 'nova_project': 'acme',
        'nova_user': 'alice', 'nova_flavor': 'm1.small', 'name': '$DOMAIN',
        'uuid': '6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b', 'source': 'libvirt', 'state': 'ok',
        'why': ''}
for d in docs:
    v = [v for v in d['vms'] if v['pid'] == $QEMU_PID]
    assert len(v) == 1, 'pid $QEMU_PID in %r' % [v['pid'] for v in d['vms']]
    v = v[0]
    assert v['label'] == 'Customer web-3', v['label']
    assert v['name'] == '$DOMAIN', v['name']
    for k, x in want.items():
        assert v['mgmt'][k] == x, (k, v['mgmt'][k], x)
print('json: label %r, nova %r of %r' % (v['label'], v['mgmt']['nova_name'],
      v['mgmt']['nova_project']))
" || fail "JSON does not show libvirt's and nova's names"

# -f by the nova name alone (anchored: the title holds it too, the -name does not).
timeout 30 "$KS" -b --no-trace -n 1 -f '^web-3$' --format json >"$E2E_TMP/f.json" ||
	fail "kvmscope -f failed"
jq_py "$E2E_TMP/f.json" "
pids = [v['pid'] for v in docs[0]['vms']]
assert pids == [$QEMU_PID], pids
" || fail "-f '^web-3\$' does not select exactly the nova instance web-3"
for re in '^acme$' "^$DOMAIN\$" '^6f1e3c2a-'; do
	timeout 30 "$KS" -b --no-trace -n 1 -f "$re" --format json | grep -q "\"pid\":$QEMU_PID," ||
		fail "-f '$re' does not find the domain"
done
timeout 30 "$KS" -b --no-trace -n 1 -f '^web-3-nope$' --format json |
	grep -q "\"pid\":$QEMU_PID," && fail "-f '^web-3-nope\$' finds the domain"

# Text: the VM list shows the title with the other names beside it; -H its Names pane.
timeout 30 "$KS" -b --no-trace -n 1 -H -f '^web-3$' >"$E2E_TMP/text" || fail "kvmscope -b -H failed"
sed 's/^/    /' "$E2E_TMP/text" | sed -n '/^    VMs$/,/^    $/p;/^    Names of/,/^    $/p'
grep -Eq "^NAME .* ALSO KNOWN AS\$" "$E2E_TMP/text" || fail "the VM list has no ALSO KNOWN AS column"
grep -Eq "^Customer web-3 +$QEMU_PID " "$E2E_TMP/text" || fail "the VM list does not show the title"
grep -E "^Customer web-3 +$QEMU_PID .* nova name web-3, libvirt name $DOMAIN, nova project acme" \
	"$E2E_TMP/text" >/dev/null || fail "the VM list does not show the nova and libvirt names"
sed -n '/^Names of Customer web-3$/,/^$/p' "$E2E_TMP/text" >"$E2E_TMP/names"
for row in "title +Customer web-3" "nova name +web-3" "libvirt name +$DOMAIN" \
	"nova project +acme" "nova user +alice" "nova flavor +m1.small"; do
	grep -Eq "^$row\$" "$E2E_TMP/names" || fail "the Names pane has no row '$row'"
done
grep -q "^from libvirt's live domain XML and OpenStack nova's metadata in it$" "$E2E_TMP/names" ||
	fail "the Names pane does not say where the names come from"

# A title changed while kvmscope runs: libvirt rewrites its live XML, kvmscope reads it again.
"$KS" -b --no-trace -n 8 -d 0.5 --format json -p "$QEMU_PID" >"$E2E_TMP/change.json" &
KS_PID=$!
track "$KS_PID"
sleep 1.2
timeout 30 "${VIRSH[@]}" desc "$DOMAIN" --live --title "Customer web-3 (moved)" >/dev/null ||
	fail "virsh desc --title failed"
wait "$KS_PID" || fail "kvmscope -b -n 8 failed"
jq_py "$E2E_TMP/change.json" "
labels = [d['vms'][0]['label'] for d in docs]
print('labels over 4 s: %s' % ', '.join('%s x%d' % (l, labels.count(l)) for l in sorted(set(labels))))
assert labels[0] == 'Customer web-3', labels
assert labels[-1] == 'Customer web-3 (moved)', labels
k = labels.index('Customer web-3 (moved)')
assert all(l == 'Customer web-3 (moved)' for l in labels[k:]), labels
" || fail "the new title was not picked up while kvmscope ran"

# The live screen, in a tmux server started here (so inside the namespaces): g and the nova
# name go to the VM, whose Names pane shows.
"${TM[@]}" new-session -d -s names -x 200 -y 50 "$KS --no-trace" || fail "tmux new-session"
screen() { "${TM[@]}" capture-pane -p -t names; }
screen_has() { screen | grep -Eq -- "$1"; }
no_session() { ! "${TM[@]}" has-session -t names 2>/dev/null; }
wait_until 15 screen_has 'Customer web-3 ' ||
	{ screen; fail "the live screen does not show 'Customer web-3'"; }
"${TM[@]}" send-keys -t names g
sleep 0.3
"${TM[@]}" send-keys -t names -l 'web-3'
"${TM[@]}" send-keys -t names Enter
wait_until 10 screen_has 'Names of Customer web-3' ||
	{ screen; fail "g web-3 did not open the VM with its Names pane"; }
screen | grep -Eq '^nova name +web-3' || { screen; fail "the live Names pane has no nova name"; }
screen | grep -Eq '^nova project +acme' || { screen; fail "the live Names pane has no project"; }
note "live screen after g web-3:"
screen | grep -E 'Names of|^title|^nova|^libvirt|host >' | sed 's/^/    /'
"${TM[@]}" send-keys -t names q
wait_until 10 no_session || fail "kvmscope did not quit on q"

# Down: the domain goes, libvirtd stops; the namespaces take the rest with them.
timeout 30 "${VIRSH[@]}" destroy "$DOMAIN" >/dev/null || fail "virsh destroy failed"
wait_until 10 bash -c "! kill -0 $QEMU_PID 2>/dev/null" || fail "QEMU $QEMU_PID outlived destroy"
kill -TERM "$LIBVIRTD_PID"
wait_until 20 bash -c "! kill -0 $LIBVIRTD_PID 2>/dev/null" || fail "libvirtd did not stop"
echo "ok: title and nova names shown, -f and g find the VM by its nova name"
