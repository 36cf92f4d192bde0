#!/bin/bash
# Runs every tests/e2e/t_*.sh (or those named) against the real binaries.
# A test exits 0 to pass, 77 to skip (after printing "skipped: why"), anything else fails.
# On a machine that can run them all (root, /dev/kvm, tracefs: tests/machine.sh) a skip is
# a failure; elsewhere each skip is shown with its reason and counted. The summary line
# always says how many passed, failed and skipped.
cd "$(dirname "$0")/.." || exit 1
. tests/machine.sh
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
export KVMSCOPE STORM
why_not=$(machine_can_test_all)
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(tests/e2e/t_*.sh)
pass=0 fail=0 skip=0 failed=()
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$(mktemp)
	start=$(date +%s)
	timeout -k 5 "${E2E_TIMEOUT:-300}" bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	why=$(grep -m1 '^skipped:' "$log" | cut -c10-)
	if [ "$rc" = 77 ] && [ -z "$why_not" ]; then
		echo "skipped on a machine that can run it: ${why:-no reason given}" >>"$log"
		rc=1
	fi
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)";;
	77) skip=$((skip + 1)); echo "SKIP  $name: ${why:-no reason given}";;
	*) fail=$((fail + 1)); failed+=("$name"); echo "FAIL  $name (rc $rc, ${secs}s)"; sed 's/^/    | /' "$log" | tail -40;;
	esac
	rm -f "$log"
done
echo "e2e: $pass passed, $fail failed, $skip skipped${why_not:+ (this machine: $why_not)}"
[ "$fail" -eq 0 ]
