#!/bin/bash
# Sourced by the end-to-end tests. Each test runs the real binaries ($KVMSCOPE, $STORM)
# against real KVM guests. Exit 0 passes, 77 skips (with a "skipped: why" line), other fails.

: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
E2E_TMP=$(mktemp -d /tmp/kvmscope-e2e.XXXXXX)
E2E_PIDS=()
E2E_TMUX=()
E2E_ATEXIT=()
TRACEFS=/sys/kernel/tracing

skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "  $*"; }

e2e_cleanup() {
	local p s
	for s in "${E2E_ATEXIT[@]}"; do eval "$s"; done
	for s in "${E2E_TMUX[@]}"; do tmux kill-session -t "$s" 2>/dev/null; done
	for p in "${E2E_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${E2E_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_kvm() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && return 0
	if [ -e /dev/kvm ]; then
		skip "needs read-write /dev/kvm"
	elif [ -r /proc/misc ] && ! grep -qE "^ *[0-9]+ kvm$" /proc/misc; then
		skip "needs /dev/kvm: no KVM device is registered (/proc/misc; the vendor module did not load or bind)"
	else
		skip "needs /dev/kvm: it is missing"
	fi
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1 (${2:-apt-get install $1})"; }
need_tracefs() {
	need_root
	[ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null
	[ -d "$TRACEFS/instances" ] || skip "needs tracefs at $TRACEFS"
}

# Prints a TCP port free on 127.0.0.1 now (for a server the test starts).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Registers a pid to be stopped at exit.
track() { E2E_PIDS+=("$1"); }

# at_exit CMD: runs the shell command CMD at exit, however the test ends, before the
# tracked processes are stopped (e.g. removing a tracefs instance the test made).
at_exit() { E2E_ATEXIT+=("$1"); }

# storm_start OUT ARGS...: starts the storm guest with its report going to OUT; sets STORM_PID.
storm_start() {
	local out=$1; shift
	"$STORM" "$@" >"$out" 2>&1 &
	STORM_PID=$!
	track "$STORM_PID"
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; returns 1 on timeout.
wait_until() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + ${limit%.*} * 1000000000 ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# Threads of a process, "tid comm" per line.
threads_of() {
	local t
	for t in /proc/"$1"/task/*; do echo "${t##*/} $(cat "$t/comm" 2>/dev/null)"; done
}

# tmux helpers: a detached session of COLSxROWS running CMD.
tmux_start() {
	local name=$1 cols=$2 rows=$3; shift 3
	tmux new-session -d -s "$name" -x "$cols" -y "$rows" "$@" || fail "tmux new-session"
	E2E_TMUX+=("$name")
}
tmux_capture() { tmux capture-pane -p -t "$1" 2>/dev/null; }
tmux_keys() { local n=$1; shift; tmux send-keys -t "$n" "$@"; }
# tmux_wait_text NAME SECONDS REGEX: waits until the pane shows REGEX.
tmux_wait_text() {
	local n=$1 limit=$2 re=$3
	wait_until "$limit" bash -c "tmux capture-pane -p -t '$n' | grep -Eq -- '$re'"
}

# kvmscope instances left in tracefs (names start with "kvmscope-").
kvmscope_instances() { ls "$TRACEFS/instances" 2>/dev/null | grep '^kvmscope' || true; }

# jq_py FILE CODE: runs python3 CODE with `docs` = the JSON documents of FILE (one per line)
# and helpers vm(doc, name) and vcpus(vm); CODE prints or asserts; exit status is its verdict.
jq_py() {
	local file=$1; shift
	python3 - "$file" <<PYEOF
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def vm(doc, name):
    for v in doc["vms"]:
        if v["name"] == name and not v["gone"]:
            return v
    return None
def vcpus(v):
    return sorted((t for t in v["threads"] if t["kind"] == "vcpu"), key=lambda t: t["index"])
$*
PYEOF
}

# has_thread PID NAME: true when process PID has a thread named NAME.
has_thread() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep -qxF -- "$2"; }
