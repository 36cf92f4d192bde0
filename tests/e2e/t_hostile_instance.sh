#!/bin/bash
# Hostile host: tracefs instance names that are taken. The stale sweep at start never
# removes the instance of a live process (kvmscope-N with N alive and older than it), and
# removes those of dead ones (kvmscope-N, kvmscope-N-M). A kvmscope whose own name is held
# by a live process (a kvmscope with the same pid in another pid namespace) neither removes
# nor reuses it: it traces in kvmscope-PID-2 and says so. Other kvmscope processes may run on
# the host meanwhile: only the instances made here are judged.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_cmd unshare "apt-get install util-linux"
[ -x "$KVMSCOPE" ] || skip "needs $KVMSCOPE (make)"
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"
INST=$TRACEFS/instances

# mkinst NAME: an instance made by the test, removed at exit whatever happens.
mkinst() {
	mkdir "$INST/$1" || fail "mkdir $INST/$1"
	at_exit "rmdir '$INST/$1' 2>/dev/null"
}

# A live process older than its instance, and a dead one.
sleep 300 &
live=$!
track "$live"
sleep 0.2
mkinst "kvmscope-$live"
sleep 0 &
dead=$!
wait "$dead"
kill -0 "$dead" 2>/dev/null && fail "pid $dead still alive"
mkinst "kvmscope-$dead"
mkinst "kvmscope-$dead-3"

"$KVMSCOPE" -b -n 2 -d 0.2 >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
kp=$!
track "$kp"
wait "$kp"
rc=$?
[ "$rc" -eq 0 ] || fail "kvmscope exited with $rc: $(cat "$E2E_TMP/err")"
[ -s "$E2E_TMP/err" ] && fail "kvmscope wrote to stderr: $(cat "$E2E_TMP/err")"
grep -q '^sources: tracefs ok' "$E2E_TMP/out" || fail "not tracing: $(grep -m1 '^sources' "$E2E_TMP/out")"
[ -d "$INST/kvmscope-$live" ] || fail "kvmscope-$live of a live process was removed"
[ -d "$INST/kvmscope-$dead" ] && fail "stale kvmscope-$dead (pid dead) not removed"
[ -d "$INST/kvmscope-$dead-3" ] && fail "stale kvmscope-$dead-3 (pid dead) not removed"
[ -d "$INST/kvmscope-$kp" ] && fail "kvmscope-$kp left behind"
note "live foreign kvmscope-$live kept; dead kvmscope-$dead, kvmscope-$dead-3 removed"

# The same pid in two pid namespaces: each kvmscope there is pid 1, named kvmscope-1.
if ls "$INST" | grep -qE '^kvmscope-1(-[0-9]+)?$'; then
	note "a kvmscope-1 instance exists already (another pid namespace): collision not checked"
	exit 0
fi
at_exit "rmdir '$INST/kvmscope-1' '$INST/kvmscope-1-2' 2>/dev/null"
unshare -p -f --mount-proc "$KVMSCOPE" -b -d 0.3 >"$E2E_TMP/a.out" 2>"$E2E_TMP/a.err" &
ua=$!
track "$ua"
wait_until 5 test -d "$INST/kvmscope-1" || fail "no kvmscope-1 from the first: $(cat "$E2E_TMP/a.err")"
a=$(pgrep -P "$ua")
[ -n "$a" ] && track "$a"
# Past the pid-reuse slack: by age alone the first one's instance would now look stale.
sleep 2.5
unshare -p -f --mount-proc "$KVMSCOPE" -b -n 2 -d 0.3 --format json >"$E2E_TMP/b.json" \
	2>"$E2E_TMP/b.err" || fail "second kvmscope failed: $(cat "$E2E_TMP/b.err")"
[ -d "$INST/kvmscope-1" ] || fail "the live kvmscope-1 was removed by a kvmscope with the same pid"
[ -d "$INST/kvmscope-1-2" ] && fail "kvmscope-1-2 left behind"
jq_py "$E2E_TMP/b.json" '
src = {s["name"]: s for s in docs[-1]["sources"]}["tracefs"]
assert src["state"] == "ok", src
assert src["why"] == "instance kvmscope-1-2: kvmscope-1 is taken", src
' || fail "the second kvmscope does not say it traced beside the taken name"
note "same pid in another pid namespace: kvmscope-1 kept, the second traced in kvmscope-1-2"

# An instance with our name but no process using it, made just before we start: kept too.
kill -TERM "$a" 2>/dev/null
wait "$ua"
rc=$?
[ "$rc" -eq 0 ] || fail "first kvmscope exited with $rc: $(cat "$E2E_TMP/a.err")"
[ -d "$INST/kvmscope-1" ] && fail "kvmscope-1 left behind by its kvmscope"
mkdir "$INST/kvmscope-1" || fail "mkdir kvmscope-1"
unshare -p -f --mount-proc "$KVMSCOPE" -b -n 1 -d 0.3 >"$E2E_TMP/c.out" 2>"$E2E_TMP/c.err" ||
	fail "third kvmscope failed: $(cat "$E2E_TMP/c.err")"
[ -d "$INST/kvmscope-1" ] || fail "a fresh kvmscope-1 (not ours) was removed"
grep -q '^sources: tracefs ok: instance kvmscope-1-2: kvmscope-1 is taken' "$E2E_TMP/c.out" ||
	fail "taken name not said: $(grep -m1 '^sources' "$E2E_TMP/c.out")"
rmdir "$INST/kvmscope-1"
note "a fresh foreign kvmscope-1 kept"
exit 0
