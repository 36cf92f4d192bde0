#!/bin/bash
# The exporter under a real Prometheus server (Debian's, started here on 127.0.0.1 with its
# own storage, scraping kvmscope every second, stopped at the end): during a timer storm, a
# PromQL query over the HTTP API for the storm VM's exit rate is within 10% of the rate the
# storm reports, and the PM-timer hint series is 1. Prometheus scrapes OpenMetrics (its
# Accept header asks for it first); a text scrape passes `promtool check metrics`.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd prometheus "apt-get install prometheus"
need_cmd promtool "apt-get install prometheus"
need_cmd curl
need_cmd python3
[ -d "$TRACEFS/events/kvm" ] || skip "no kvm events in $TRACEFS (kvm module not loaded?)"

EXP=$(free_port)
PROM=$(free_port)
name=e2e-prom-$$

# The exporter, on this test's VM only: other guests on the host are not its business.
"$KVMSCOPE" --serve "127.0.0.1:$EXP" -d 1 -f "^$name\$" 2>"$E2E_TMP/kvmscope.err" &
KS=$!
track $KS
wait_until 5 curl -sf "http://127.0.0.1:$EXP/" || fail "exporter not up: $(cat "$E2E_TMP/kvmscope.err")"

cat >"$E2E_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kvmscope
    static_configs:
      - targets: ['127.0.0.1:$EXP']
EOF
prometheus --config.file="$E2E_TMP/prometheus.yml" --storage.tsdb.path="$E2E_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PROM" --log.level=warn >"$E2E_TMP/prom.log" 2>&1 &
PR=$!
track $PR
wait_until 20 curl -sf "http://127.0.0.1:$PROM/-/ready" || fail "prometheus not ready: $(tail -5 "$E2E_TMP/prom.log")"

# query PROMQL [TIME]: prints the first result's value, or nothing.
query() {
	curl -sf "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "query=$1" \
		${2:+--data-urlencode "time=$2"} |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

# The guest starts looping once kvmscope has found it and opened its counters (which slow
# it down), at a steady 10000 reads/s: a rate any window of the run can be compared with
# (at full speed the rate follows the host's load, and a window of the run would not compare
# with the storm's mean over all of it).
DUR=20
storm_start "$E2E_TMP/storm.out" --start-delay 3 --duration $DUR --rate 10000 \
	-name "guest=$name" -uuid 5d3c6e1a-6f0b-4bde-9a8e-7f1a2b3c4d5e timer
STORM=$STORM_PID
# Half-way through, while it runs: the hint series, and the exposition's own health.
sleep 10
curl -sf "http://127.0.0.1:$EXP/metrics" >"$E2E_TMP/scrape.txt" || fail "scrape failed"
promtool check metrics <"$E2E_TMP/scrape.txt" >"$E2E_TMP/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$E2E_TMP/promtool.out")"
[ -s "$E2E_TMP/promtool.out" ] && fail "promtool check metrics: $(cat "$E2E_TMP/promtool.out")"
note "promtool check metrics: no problems ($(grep -vc '^#' "$E2E_TMP/scrape.txt") series)"
hint=$(query "kvmscope_hint_active{vm=\"$name\",hint=\"pm_timer\"}")
[ "$hint" = 1 ] || fail "PM-timer hint series is '$hint', not 1"
note "kvmscope_hint_active{vm=\"$name\",hint=\"pm_timer\"} = $hint"
grep -q "uuid=\"5d3c6e1a-6f0b-4bde-9a8e-7f1a2b3c4d5e\"" "$E2E_TMP/scrape.txt" || fail "no uuid label"
up=$(query "up{job=\"kvmscope\"}")
[ "$up" = 1 ] || fail "Prometheus does not see the target up ($up)"

wait "$STORM" || fail "storm: $(cat "$E2E_TMP/storm.out")"
end=$(date +%s.%N)
sed 's/^/  storm: /' "$E2E_TMP/storm.out"
iters=$(sed -n 's/^total iterations=\([0-9]*\).*/\1/p' "$E2E_TMP/storm.out")
secs=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$E2E_TMP/storm.out")
# Prometheus stamps a sample when it scrapes; the sample holds the counts of every event up
# to kvmscope's last tick (the trace is drained before each), which is
# kvmscope_sample_lag_seconds old by then. The window: the storm's run but its first 3 s and
# last second (a series' first sample holds up to two seconds of counts, which rate() does
# not extrapolate back), shifted by that lag.
sleep 3
lag=$(query "avg_over_time(kvmscope_sample_lag_seconds[30s])" "$end")
at=$(python3 -c "print('%.3f' % ($end - 1 + $lag))")
win=$(python3 -c "print('%dms' % round(($secs - 4) * 1000))")
rate=$(query "sum(rate(kvmscope_exits_total{vm=\"$name\"}[$win]))" "$at")
total=$(query "sum(max_over_time(kvmscope_exits_total{vm=\"$name\"}[1m]))")
note "window: $win ending 1 s before the storm did, plus the mean sample lag (${lag:0:5} s)"
[ -n "$rate" ] || fail "no exit rate for $name in Prometheus"
# Every exit is counted, but for those of the last moments of a VM whose process is already
# gone from /proc when they are read (the model no longer knows whose they are): at most a
# tick's worth, 5% of this run.
python3 - "$rate" "$iters" "$secs" "${total:-0}" <<'PYEOF' || fail "exit rate or total is off"
import sys
got, iters, secs, total = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print('  exits counted in all: %d, the storm\'s %d (%+.2f%%)' %
      (total, iters, 100 * (total - iters) / iters))
want = iters / secs
print('  PromQL sum(rate(kvmscope_exits_total)) %.0f/s, storm %.0f/s (%+.1f%%)' %
      (got, want, 100 * (got - want) / want))
assert abs(total - iters) <= 0.05 * iters, 'total not within 5%'
assert abs(got - want) <= 0.10 * want, 'rate not within 10%'
PYEOF
# Prometheus asked for OpenMetrics and got it.
curl -sf -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	-D "$E2E_TMP/h" "http://127.0.0.1:$EXP/metrics" >"$E2E_TMP/om.txt" || fail "OpenMetrics scrape"
grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' "$E2E_TMP/h" ||
	fail "not OpenMetrics: $(cat "$E2E_TMP/h")"
[ "$(tail -1 "$E2E_TMP/om.txt")" = "# EOF" ] || fail "OpenMetrics without # EOF"
# No scrape failed while the storm ran (Prometheus' own up series).
up=$(query "min_over_time(up{job=\"kvmscope\"}[${DUR}s])" "$end")
[ "$up" = 1 ] || fail "a scrape failed during the storm (min up $up)"
note "Prometheus scraped kvmscope $(query 'sum(kvmscope_scrape_duration_seconds_count)') times," \
	"none failed; $(query 'sum(scrape_samples_scraped)') samples in the last one"

kill -TERM "$PR" "$KS"
wait "$KS" || fail "kvmscope did not stop cleanly: $(cat "$E2E_TMP/kvmscope.err")"
[ -z "$(kvmscope_instances | grep "kvmscope-$KS\$")" ] || fail "trace instance left behind"
exit 0
