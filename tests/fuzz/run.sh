#!/bin/sh
# Runs libFuzzer targets, one at a time, from the repository root:
#   tests/fuzz/run.sh SECONDS TARGET...          fuzz each target for SECONDS
#   tests/fuzz/run.sh --check SECONDS TARGET...  each target over its seeds first, then fuzz
# A target reads its seeds and regression inputs from tests/fuzz/corpus/<name>/ (never
# written) and keeps what it finds in <dir of target>/corpus/<name>/; a crash is saved as
# <dir of target>/crash-<name>-<sha1>: add it to tests/fuzz/corpus/<name>/ once fixed.
# Prints executions and seconds per target; exits non-zero if any target failed.
cd "$(dirname "$0")/../.." || exit 1
check=0
if [ "$1" = --check ]; then
	check=1
	shift
fi
secs=${1:?usage: tests/fuzz/run.sh [--check] SECONDS TARGET...}
shift
status=0
count() { find "$1" -type f | wc -l; }
for t in "$@"; do
	name=$(basename "$t")
	seeds=tests/fuzz/corpus/$name
	found=$(dirname "$t")/corpus/$name
	log=$(dirname "$t")/$name.log
	mkdir -p "$found" "$seeds"
	if [ "$check" = 1 ] && [ "$(count "$seeds")" -gt 0 ]; then
		# Each seed once, as a regression test: no mutation, stops at the first failure.
		if ! "$t" -timeout=25 "$seeds"/* >"$log" 2>&1; then
			echo "FAIL  $name: a seed or regression input fails (log: $log)"
			tail -30 "$log" | sed 's/^/    | /'
			status=1
			continue
		fi
		echo "PASS  $name: $(count "$seeds") seeds and regression inputs"
	fi
	start=$(date +%s)
	"$t" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$(dirname "$t")/crash-$name-" "$found" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	elapsed=$(( $(date +%s) - start ))
	if [ "$rc" = 0 ]; then
		echo "PASS  $name: ${execs:-?} executions in ${elapsed}s, corpus $(count "$found") (+ $(count "$seeds") seeds)"
	else
		echo "FAIL  $name (rc $rc, ${execs:-?} executions in ${elapsed}s; log: $log)"
		grep -E 'ERROR|runtime error|check failed|Test unit written' "$log" | head -5 | sed 's/^/    | /'
		status=1
	fi
done
exit $status
