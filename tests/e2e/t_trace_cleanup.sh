#!/bin/bash
# kvmscope leaves tracefs as it found it: its instance kvmscope-PID goes away after
# SIGTERM, SIGINT and SIGHUP, the top-level buffer's settings never change, an instance
# left by kill -9 is removed by the next start, and a live kvmscope's instance is never
# removed by another. Other kvmscope processes may run on the host meanwhile: only the
# instances of the processes started here are judged.
. "$(dirname "$0")/lib.sh"
need_tracefs
[ -x "$KVMSCOPE" ] || skip "needs $KVMSCOPE (make)"
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"

TOP_FILES="tracing_on set_event buffer_size_kb buffer_percent trace_clock current_tracer"
top_state() {
	local f
	for f in $TOP_FILES; do
		[ -r "$TRACEFS/$f" ] && printf '%s: %s\n' "$f" "$(tr '\n' ' ' <"$TRACEFS/$f")"
	done
}
before=$(top_state)

# start_kvmscope: a batch kvmscope in the background; sets KPID once its instance exists.
start_kvmscope() {
	"$KVMSCOPE" -b -d 0.2 "$@" >"$E2E_TMP/out.$RANDOM" 2>>"$E2E_TMP/err" &
	KPID=$!
	track "$KPID"
	wait_until 5 test -d "$TRACEFS/instances/kvmscope-$KPID" ||
		fail "kvmscope $KPID made no instance: $(cat "$E2E_TMP/err")"
}

for sig in TERM INT HUP; do
	start_kvmscope
	sleep 0.5
	kill -"$sig" "$KPID"
	wait "$KPID"
	rc=$?
	[ "$rc" -eq 0 ] || fail "SIG$sig: kvmscope exited with $rc: $(cat "$E2E_TMP/err")"
	[ -d "$TRACEFS/instances/kvmscope-$KPID" ] && fail "SIG$sig: kvmscope-$KPID left behind"
	[ "$(top_state)" = "$before" ] || fail "SIG$sig: top-level buffer changed:
$before
--- now:
$(top_state)"
	note "SIG$sig: instance removed, top level unchanged"
done

# kill -9 leaves the instance; the next start removes it.
start_kvmscope
dead=$KPID
kill -KILL "$dead"
wait "$dead" 2>/dev/null
[ -d "$TRACEFS/instances/kvmscope-$dead" ] || fail "kill -9: no instance left to clean up"
"$KVMSCOPE" -b -n 1 -d 0.1 >/dev/null 2>>"$E2E_TMP/err" || fail "second start failed: $(cat "$E2E_TMP/err")"
[ -d "$TRACEFS/instances/kvmscope-$dead" ] && fail "stale kvmscope-$dead not removed by the next start"
note "kill -9: stale instance removed by the next start"

# A live kvmscope's instance survives another kvmscope's start and exit.
start_kvmscope
live=$KPID
"$KVMSCOPE" -b -n 2 -d 0.1 >/dev/null 2>>"$E2E_TMP/err" || fail "second kvmscope failed"
[ -d "$TRACEFS/instances/kvmscope-$live" ] || fail "live kvmscope-$live removed by another kvmscope"
kill -0 "$live" 2>/dev/null || fail "live kvmscope $live died"
note "live instance kept"

# An instance named after a live process that started before it (it may be a kvmscope
# between creating and opening it) is kept; one whose pid now belongs to a process started
# after it (the pid was reused) is removed.
older=$$
mkdir "$TRACEFS/instances/kvmscope-$older" || fail "mkdir kvmscope-$older"
if [ -w /proc/sys/kernel/ns_last_pid ]; then
	target=$(( $(cat /proc/sys/kernel/ns_last_pid) + 200 ))
	mkdir "$TRACEFS/instances/kvmscope-$target" || fail "mkdir kvmscope-$target"
	sleep 3
	echo $((target - 1)) >/proc/sys/kernel/ns_last_pid
	sleep 30 &
	reused=$!
	track "$reused"
fi
"$KVMSCOPE" -b -n 1 -d 0.1 >/dev/null 2>>"$E2E_TMP/err" || fail "third kvmscope failed"
[ -d "$TRACEFS/instances/kvmscope-$older" ] || fail "kvmscope-$older of a live, older process removed"
rmdir "$TRACEFS/instances/kvmscope-$older"
if [ -n "${reused:-}" ]; then
	if [ "$reused" = "$target" ]; then
		[ -d "$TRACEFS/instances/kvmscope-$target" ] &&
			fail "kvmscope-$target of a reused pid not removed"
		note "reused pid: stale instance removed; live older process: kept"
	else
		# Another process took the pid first; nothing to judge.
		rmdir "$TRACEFS/instances/kvmscope-$target" 2>/dev/null
		note "reused pid: pid $target taken by another process, not checked"
	fi
	kill "$reused"
fi

kill -TERM "$live"
wait "$live" || fail "live kvmscope exited with $?"
[ -d "$TRACEFS/instances/kvmscope-$live" ] && fail "kvmscope-$live left behind"
[ "$(top_state)" = "$before" ] || fail "top-level buffer changed"
[ -s "$E2E_TMP/err" ] && fail "kvmscope wrote to stderr: $(cat "$E2E_TMP/err")"
exit 0
