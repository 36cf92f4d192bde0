#!/bin/sh
# Prints the figures of every benchmark: the built ones ($BENCH_DIR/bench_*) and the
# scripts (tests/bench/*.sh other than this one). Figures, not pass/fail; a benchmark that
# fails is named and makes the exit status non-zero. Runs from the repository root.
cd "$(dirname "$0")/../.." || exit 1
: "${BENCH_DIR:=build/bench}" "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
export BENCH_DIR KVMSCOPE STORM
status=0
for b in "$BENCH_DIR"/bench_* tests/bench/*.sh; do
	[ -f "$b" ] || continue
	[ "$b" = tests/bench/run.sh ] && continue
	echo "== $(basename "$b")"
	case $b in
	*.sh) bash "$b" ;;
	*) "$b" ;;
	esac || { echo "FAILED: $b"; status=1; }
done
exit $status
