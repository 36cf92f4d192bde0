#!/bin/sh
# Runs each Check suite binary given; exits non-zero if any fails. A case that cannot check
# what it is for here says so with unit_skip() (tests/unit/unit.h): its "UNIT-SKIP:" line is
# counted and shown with its reason, and on a machine that can run everything (root,
# /dev/kvm, tracefs: tests/machine.sh) it fails the suite. Never a silent pass.
. "$(dirname "$0")/machine.sh"
why_not=$(machine_can_test_all)
failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	"$t" >"$log" 2>&1
	rc=$?
	grep -v '^UNIT-SKIP: ' "$log"
	n=$(grep -c '^UNIT-SKIP: ' "$log")
	if [ "$n" -gt 0 ] && [ -z "$why_not" ]; then
		sed -n 's/^UNIT-SKIP: /FAIL (skipped on a machine that can run it): /p' "$log" >&2
		rc=1
	elif [ "$n" -gt 0 ]; then
		sed -n 's/^UNIT-SKIP: /SKIP: /p' "$log"
		skipped=$((skipped + n))
	fi
	if [ "$rc" != 0 ]; then
		echo "FAIL: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $(($# - failed)) suites passed, $failed failed, $skipped cases skipped${why_not:+ (this machine: $why_not)}"
exit "$failed"
