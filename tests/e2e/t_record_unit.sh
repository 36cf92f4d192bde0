#!/bin/bash
# The systemd unit `make install` installs: it verifies (systemd-analyze), and its service
# works. Under a running systemd the unit itself is started, reloaded and stopped; without
# one (a container) its ExecStart line runs exactly as written, ExecReload's signal is sent
# as systemd sends it, and SIGTERM stops it as systemd stops a service.
. "$(dirname "$0")/lib.sh"

need_root
need_kvm
need_tracefs
need_cmd make
need_cmd systemd-analyze systemd

build=$(dirname "$KVMSCOPE")
prefix=$E2E_TMP/prefix
log=$E2E_TMP/log
make -s -C "$(dirname "$0")/../.." install BUILD="$(realpath "$build")" PREFIX="$prefix" \
	RECORDDIR="$log" >"$E2E_TMP/install.out" 2>&1 || { cat "$E2E_TMP/install.out"; fail "make install"; }
unit=$prefix/lib/systemd/system/kvmscope-record.service
[ -f "$unit" ] || fail "make install did not install $unit"
systemd-analyze verify --man=no "$unit" || fail "systemd-analyze verify: the unit is not valid"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
exec_reload=$(sed -n 's/^ExecReload=//p' "$unit")
[ "${exec_start%% *}" = "$prefix/bin/kvmscope" ] || fail "ExecStart runs ${exec_start%% *}, not the installed kvmscope"
case $exec_start in *" -o $log/ "*) ;; *) fail "ExecStart does not record into $log/: $exec_start";; esac
note "unit: ExecStart=$exec_start"

vm=unit-$$
storm_start "$E2E_TMP/storm.out" --rate 2000 --duration 60 -name "guest=$vm" timer
wait_until 5 has_thread "$STORM_PID" "CPU 0/KVM" || fail "storm did not start"
ticks() { "$KVMSCOPE" -r "$log" --format json 2>/dev/null | wc -l; }
files() { ls "$log" 2>/dev/null | grep -c '^kvmscope-.*\.rec$'; }

if [ -d /run/systemd/system ]; then
	# A real systemd: the unit under a name of its own, in /run (gone at reboot).
	name=kvmscope-record-e2e-$$.service
	cp "$unit" "/run/systemd/system/$name"
	systemctl daemon-reload
	systemctl start "$name" || fail "systemctl start $name"
	wait_until 15 bash -c "[ \$($KVMSCOPE -r $log --format json 2>/dev/null | wc -l) -ge 3 ]" ||
		fail "the service recorded nothing"
	sleep 1.1
	systemctl reload "$name" || fail "systemctl reload"
	wait_until 10 bash -c "[ \$(ls $log | grep -c '\\.rec\$') -ge 2 ]" || fail "reload did not start a new file"
	systemctl stop "$name" || fail "systemctl stop"
	rm -f "/run/systemd/system/$name"
	systemctl daemon-reload
else
	# No systemd here: what the unit says, as systemd would run it (no shell, no terminal).
	note "no running systemd (PID 1 is $(ps -o comm= -p 1)): running ExecStart as written"
	read -r -a argv <<<"$exec_start"
	(cd / && exec "${argv[@]}" </dev/null >"$E2E_TMP/service.log" 2>&1) &
	MAINPID=$!
	track "$MAINPID"
	wait_until 15 bash -c "[ \$($KVMSCOPE -r $log --format json 2>/dev/null | wc -l) -ge 3 ]" ||
		{ cat "$E2E_TMP/service.log"; fail "ExecStart recorded nothing"; }
	# Its files are named by the second they start in: the next one in another second.
	sleep 1.1
	read -r -a argv <<<"${exec_reload//\$MAINPID/$MAINPID}"
	"${argv[@]}" || fail "ExecReload failed"
	wait_until 10 bash -c "[ \$(ls $log | grep -c '\\.rec\$') -ge 2 ]" ||
		{ cat "$E2E_TMP/service.log"; fail "ExecReload did not start a new file"; }
	before=$(ticks)
	wait_until 10 bash -c "[ \$($KVMSCOPE -r $log --format json 2>/dev/null | wc -l) -gt $before ]" ||
		fail "nothing recorded after ExecReload"
	kill -TERM "$MAINPID"
	wait "$MAINPID"
	rc=$?
	[ "$rc" = 0 ] || { cat "$E2E_TMP/service.log"; fail "the service exited $rc on SIGTERM"; }
	sed 's/^/    | /' "$E2E_TMP/service.log"
fi
n=$(ticks)
"$KVMSCOPE" -r "$log" --format json -p "$STORM_PID" >"$E2E_TMP/out.json" 2>"$E2E_TMP/err" ||
	fail "the service's recordings do not replay: $(cat "$E2E_TMP/err")"
[ -s "$E2E_TMP/err" ] && fail "replaying the service's recordings warned: $(cat "$E2E_TMP/err")"
jq_py "$E2E_TMP/out.json" "assert any(vm(d, '$vm') for d in docs), 'the guest is not in the recording'" ||
	fail "the guest is not in the service's recording"
note "the service recorded $n ticks in $(files) files"
exit 0
