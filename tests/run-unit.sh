#!/bin/sh
# Runs each Check suite binary given; exits non-zero if any fails.
failed=0
for t in "$@"; do
	if ! "$t"; then
		echo "FAIL: $t" >&2
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ] && echo "unit: all $# suites passed" || echo "unit: $failed of $# suites failed" >&2
exit "$failed"
