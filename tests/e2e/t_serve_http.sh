#!/bin/bash
# The exporter's HTTP side against bad input, on the real binary with a storm guest: unknown
# paths get 404, other methods 405, an oversized request 431, a request sent too slowly is cut
# off, scrapers that reset the connection mid-response harm nothing; the trace instance goes
# with the process. A bad --serve address or a port in use is one clear line.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd curl
need_cmd python3

PORT=$(free_port)
name=e2e-http-$$

out=$("$KVMSCOPE" --serve 127.0.0.1:99999 2>&1) && fail "a bad port was accepted"
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "not \[ADDR:\]PORT" || fail "bad port: '$out'"
out=$("$KVMSCOPE" --serve 9477 -b 2>&1) && fail "--serve with -b was accepted"
note "$out"

storm_start "$E2E_TMP/storm.out" --duration 40 --vcpus 2 -name "guest=$name" timer
"$KVMSCOPE" --serve "127.0.0.1:$PORT" -d 0.5 --per-vcpu -f "^$name\$" 2>"$E2E_TMP/err" &
KS=$!
track $KS
wait_until 5 curl -sf "http://127.0.0.1:$PORT/metrics" || fail "no metrics: $(cat "$E2E_TMP/err")"

out=$("$KVMSCOPE" --serve "127.0.0.1:$PORT" 2>&1) && fail "a port in use was accepted"
echo "$out" | grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" || fail "port in use: '$out'"
note "$out"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$PORT/metrics")" = 200 ] || fail "GET /metrics"
[ "$(code -I "http://127.0.0.1:$PORT/metrics")" = 200 ] || fail "HEAD /metrics"
[ "$(code "http://127.0.0.1:$PORT/nope")" = 404 ] || fail "unknown path not 404"
[ "$(code "http://127.0.0.1:$PORT/metrics/../etc/passwd")" = 404 ] || fail "path not 404"
[ "$(code -X POST -d x=1 "http://127.0.0.1:$PORT/metrics")" = 405 ] || fail "POST not 405"
[ "$(code -X PUT "http://127.0.0.1:$PORT/")" = 405 ] || fail "PUT not 405"
curl -s -D - -o /dev/null -X DELETE "http://127.0.0.1:$PORT/metrics" | grep -qi '^Allow: GET, HEAD' ||
	fail "405 without Allow"
note "200 GET and HEAD, 404 unknown paths, 405 other methods with Allow"

python3 - "$PORT" <<'EOF' || fail "bad requests were not cut off"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(('127.0.0.1', port))
    s.settimeout(15)
    return s
# Oversized: headers past 16 KiB.
s = conn()
s.sendall(b'GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: ' + b'a' * 100000 + b'\r\n\r\n')
r = s.recv(100)
assert r.startswith(b'HTTP/1.1 431'), r
print('  oversized request: %s' % r.split(b'\r\n')[0].decode())
# Slow: half a request, then nothing: closed after the idle limit (5 s).
s = conn()
s.sendall(b'GET /metr')
t0 = time.time()
r = s.recv(100)
took = time.time() - t0
assert took < 10, took
print('  a request left half sent: closed after %.1f s (%r)' % (took, r[:12]))
# Scrapers that read a little and reset the connection.
import struct
for i in range(50):
    s = conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.sendall(b'GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n')
    s.recv(64)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
print('  50 scrapers reset their connections mid-response')
EOF

# Still serving, still sampling, nothing lost, and well-formed after all that.
sleep 1.5
curl -sf "http://127.0.0.1:$PORT/metrics" >"$E2E_TMP/m1" || fail "not serving after bad clients"
kill -0 $KS || fail "kvmscope died"
grep -q "^kvmscope_vcpu_exits_total{vm=\"$name\",pid=\"$STORM_PID\",vcpu=\"1\",reason=\"io (pio)\"} [1-9]" "$E2E_TMP/m1" ||
	fail "no per-vCPU exits for vCPU 1"
grep -q '^kvmscope_http_requests_total{code="404"} 2$' "$E2E_TMP/m1" || fail "404s not counted"
if command -v promtool >/dev/null; then
	promtool check metrics <"$E2E_TMP/m1" >"$E2E_TMP/pt" 2>&1 || fail "promtool: $(cat "$E2E_TMP/pt")"
	[ -s "$E2E_TMP/pt" ] && fail "promtool: $(cat "$E2E_TMP/pt")"
fi
kill -TERM $KS
wait $KS || fail "kvmscope exited $? after SIGTERM: $(cat "$E2E_TMP/err")"
[ -z "$(kvmscope_instances | grep "kvmscope-$KS\$")" ] || fail "trace instance left behind"
note "SIGTERM: clean exit, trace instance removed"
exit 0
