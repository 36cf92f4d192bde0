#!/bin/bash
# Bad input gets one clear line and exit status 2; --help, the manual and README agree on
# the options; a closed pipe ends batch output quietly.
. "$(dirname "$0")/lib.sh"

bad() {
	local out rc
	out=$("$KVMSCOPE" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc = 2 ] || fail "kvmscope $* exited $rc, not 2"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "kvmscope $*: more than one line: $out"
	printf '%s\n' "$out" | grep -q '^kvmscope: ' || fail "kvmscope $*: no 'kvmscope:' prefix: $out"
	note "$* -> $out"
}
bad --bogus
bad -Z
bad -d
bad -d abc
bad -d 0
bad -d 1e9
bad -n 0
bad -n -3
bad -n 12x
bad --format xml
bad -f '('
bad -p notapid
bad -p 1 -f x
bad stray-argument
bad -e no-such-event
bad -e task-clock,cycles:zz
bad --debugfs /nonexistent
bad --debugfs /tmp
bad --serve nowhere
bad --serve 1.2.3.4:70000
bad --serve 9477 -b
bad --serve 9477 --format json
bad --serve 9477 -c
bad --per-vcpu
bad --hot-top 0
bad --format openmetrics --hot-top 17
bad --format prometheus -c
bad -o ''

out=$("$KVMSCOPE" --proc /nonexistent -b -n 1 2>&1)
[ $? = 1 ] || fail "--proc /nonexistent should exit 1"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "--proc /nonexistent: $out"

"$KVMSCOPE" -V | grep -Eq '^kvmscope [0-9]' || fail "-V"
"$KVMSCOPE" --help >"$E2E_TMP/help" || fail "--help exit status"
# Every long option in --help is in the manual and in README.
opts=$(grep -oE -- '--[a-z][a-z-]+' "$E2E_TMP/help" | sort -u)
[ -n "$opts" ] || fail "no options in --help"
for o in $opts; do
	grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" man/kvmscope.8 || fail "$o missing from man/kvmscope.8"
	grep -q -- "\`$o" README.md || fail "$o missing from README.md"
done
note "options documented in --help, man page and README: $(echo $opts)"

# Batch into a pipe that closes: ends promptly, exit 0, nothing on stderr.
start=$(date +%s%N)
"$KVMSCOPE" -b -d 0.1 2>"$E2E_TMP/err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 0 ] || fail "closed pipe: exit $rc"
[ -s "$E2E_TMP/err" ] && fail "closed pipe: stderr: $(cat "$E2E_TMP/err")"
[ $ms -lt 3000 ] || fail "closed pipe: took $ms ms"
exit 0
