#!/bin/bash
# 50 concurrent scrapers for 30 s, each scraping again as soon as it has its answer, against
# the exporter sampling a max-rate timer storm every half second: no sample comes more than
# one tick late (the tick interval histogram's bucket at twice the delay holds every tick of
# the load) and no trace event is lost. Prints the figures: scrapes, their latency, the
# exporter's CPU time, the tick lag. The scrapers run at nice 19: on a real host they are
# remote, and their own CPU is not the exporter's doing.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd curl
need_cmd python3

PORT=$(free_port)
name=e2e-load-$$
DELAY=0.5
LOAD=${LOAD_SECONDS:-30}
SCRAPERS=${SCRAPERS:-50} # tests/bench/export_load.sh runs it with 0 too, for a baseline

storm_start "$E2E_TMP/storm.out" --duration $((LOAD + 20)) -name "guest=$name" timer
"$KVMSCOPE" --serve "127.0.0.1:$PORT" -d $DELAY -f "^$name\$" 2>"$E2E_TMP/err" &
KS=$!
track $KS
wait_until 5 curl -sf "http://127.0.0.1:$PORT/metrics" || fail "no metrics: $(cat "$E2E_TMP/err")"
sleep 3

nice -n 19 python3 - "$PORT" "$KS" "$LOAD" "$DELAY" "$SCRAPERS" <<'EOF' || fail "under load"
import http.client, re, sys, threading, time
port, pid, load, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
nscrapers = int(sys.argv[5])

def metrics():
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    c.request('GET', '/metrics')
    body = c.getresponse().read().decode()
    c.close()
    m = {}
    for line in body.splitlines():
        if line and not line.startswith('#'):
            k, v = line.rsplit(' ', 1)
            m[k] = float(v)
    return m

def cpu():
    f = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0

stop = time.time() + load
done, lat, errors = [0] * nscrapers, [[] for _ in range(nscrapers)], [0] * nscrapers
def scraper(i):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    while time.time() < stop:
        t0 = time.time()
        try:
            c.request('GET', '/metrics')
            r = c.getresponse()
            r.read()
            if r.status != 200:
                errors[i] += 1
            done[i] += 1
            lat[i].append(time.time() - t0)
        except Exception:
            errors[i] += 1
            c.close()
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    c.close()

before, c0 = metrics(), cpu()
th = [threading.Thread(target=scraper, args=(i,)) for i in range(nscrapers)]
for t in th:
    t.start()
for t in th:
    t.join()
if not th:
    time.sleep(load)
after, c1 = metrics(), cpu()

le2 = 'kvmscope_tick_interval_seconds_bucket{le="%s"}' % ('%.1f' % (2 * delay))
le11 = 'kvmscope_tick_interval_seconds_bucket{le="%s"}' % ('%g' % (1.1 * delay) if (1.1 * delay) % 1 else '%.1f' % (1.1 * delay))
ticks = after['kvmscope_ticks_total'] - before['kvmscope_ticks_total']
late1 = ticks - (after[le11] - before[le11])
late2 = ticks - (after[le2] - before[le2])
lost = after['kvmscope_events_lost_total'] - before['kvmscope_events_lost_total']
events = after['kvmscope_events_total'] - before['kvmscope_events_total']
n = sum(done)
all_lat = sorted(x for l in lat for x in l) or [0]
print('  %d scrapes in %.0f s by %d scrapers (%.0f/s), %d errors; latency median %.1f ms, '
      'p99 %.1f ms' % (n, load, nscrapers, n / load, sum(errors),
                       1e3 * all_lat[len(all_lat) // 2], 1e3 * all_lat[int(len(all_lat) * 0.99)]))
print('  kvmscope CPU time during the load: %.2f s (%.0f%% of one CPU), sampling and serving' %
      (c1 - c0, 100 * (c1 - c0) / load))
print('  ticks: %d of %.0f expected; later than 1.1 x delay: %d; later than 2 x delay '
      '(a tick missed): %d; longest lag since start %.0f ms' %
      (ticks, load / delay, late1, late2, 1e3 * after['kvmscope_tick_lag_max_seconds']))
print('  trace events: %d read, %d lost' % (events, lost))
assert late2 == 0, 'a tick came more than one tick late'
assert ticks >= 0.9 * load / delay, 'ticks missing'
assert lost == 0, 'events lost'
assert (n > 50 or not nscrapers) and sum(errors) == 0, 'scrapes failed'
EOF
kill -0 $KS || fail "kvmscope died"
exit 0
