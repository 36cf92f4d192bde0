#!/bin/bash
# Runs every tests/e2e/t_*.sh (or those named) against the real binaries.
# A test exits 0 to pass, 77 to skip (after printing "skipped: why"), anything else fails.
cd "$(dirname "$0")/.." || exit 1
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
export KVMSCOPE STORM
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
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)";;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(grep -m1 '^skipped:' "$log" | cut -c10-)";;
	*) fail=$((fail + 1)); failed+=("$name"); echo "FAIL  $name (rc $rc, ${secs}s)"; sed 's/^/    | /' "$log" | tail -40;;
	esac
	rm -f "$log"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
