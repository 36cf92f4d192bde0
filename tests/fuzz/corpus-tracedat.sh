#!/bin/bash
# Re-makes the seeds of the trace.dat fuzz target, from the repository root after
# `make tests`: the small synthetic files of test_tracedat (every event type; a format lacking
# a field), the same converted by trace-cmd to v7 (zstd, and uncompressed), and the first
# 8 KiB of one (cut). Real recordings (tests/fixtures/tracedat) are larger than seeds should be.
set -eu
cd "$(dirname "$0")/../.."
D=tests/fuzz/corpus/fuzz_tracedat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TRACEDAT_SEEDS=$tmp build/tests/test_tracedat >/dev/null
cp "$tmp/seed-all-events.dat" "$D/v6-all-events.dat"
cp "$tmp/seed-noport.dat" "$D/v6-noport.dat"
trace-cmd convert -i "$D/v6-all-events.dat" -o "$D/v7-zstd.dat" --file-version 7 \
	--compression zstd >/dev/null 2>&1
trace-cmd convert -i "$D/v6-all-events.dat" -o "$D/v7-none.dat" --file-version 7 \
	--compression none >/dev/null 2>&1
head -c 8192 "$D/v6-all-events.dat" >"$D/v6-cut.dat"
ls -l "$D"
