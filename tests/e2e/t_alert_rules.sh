#!/bin/bash
# The example alert rules shipped in src/export/ are valid (promtool check rules) and fire on
# the series kvmscope exports in the cases they are written for, and only then (promtool
# test rules, tests/fixtures/prometheus/kvmscope-alerts.test.yml).
. "$(dirname "$0")/lib.sh"
need_cmd promtool "apt-get install prometheus"

promtool check rules src/export/kvmscope-alerts.yml >"$E2E_TMP/check" 2>&1 ||
	fail "promtool check rules: $(cat "$E2E_TMP/check")"
sed 's/^/  /' "$E2E_TMP/check"
promtool test rules tests/fixtures/prometheus/kvmscope-alerts.test.yml >"$E2E_TMP/test" 2>&1 ||
	fail "promtool test rules: $(cat "$E2E_TMP/test")"
sed 's/^/  /' "$E2E_TMP/test"
exit 0
