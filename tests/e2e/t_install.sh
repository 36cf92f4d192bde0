#!/bin/bash
# make install puts the exporter's systemd unit (with the installed binary's path) and the
# example alert rules where they belong under PREFIX, systemd-analyze finds nothing wrong
# with the unit, and make uninstall takes everything away again.
. "$(dirname "$0")/lib.sh"
need_cmd make

D=$E2E_TMP/root
build=$(dirname "$KVMSCOPE")
make --no-print-directory -s install DESTDIR="$D" PREFIX=/usr/local BUILD="$build" \
	>"$E2E_TMP/make.out" 2>&1 || fail "make install: $(cat "$E2E_TMP/make.out")"
unit=$D/usr/local/lib/systemd/system/kvmscope-exporter.service
rules=$D/usr/local/share/kvmscope/kvmscope-alerts.yml
for f in "$D/usr/local/bin/kvmscope" "$D/usr/local/share/man/man8/kvmscope.8" "$unit" "$rules"; do
	[ -f "$f" ] || fail "not installed: ${f#"$D"}"
done
grep -qx 'ExecStart=/usr/local/bin/kvmscope --serve 127.0.0.1:9477 --delay 1' "$unit" ||
	fail "unit ExecStart: $(grep ExecStart "$unit")"
[ "$(stat -c %a "$unit")" = 644 ] || fail "unit mode $(stat -c %a "$unit")"
note "installed: ${unit#"$D"}, ${rules#"$D"}"

# The unit as systemd reads it, with ExecStart pointing into the staging tree.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/bin/kvmscope|$D/usr/local/bin/kvmscope|" "$unit" >"$E2E_TMP/kvmscope-exporter.service"
	MANPATH="$D/usr/local/share/man" systemd-analyze verify "$E2E_TMP/kvmscope-exporter.service" \
		>"$E2E_TMP/verify" 2>&1 || fail "systemd-analyze verify: $(cat "$E2E_TMP/verify")"
	note "systemd-analyze verify: $( [ -s "$E2E_TMP/verify" ] && cat "$E2E_TMP/verify" || echo "no findings")"
fi
if command -v promtool >/dev/null 2>&1; then
	promtool check rules "$rules" >/dev/null 2>&1 || fail "installed rules do not check"
fi

make --no-print-directory -s uninstall DESTDIR="$D" PREFIX=/usr/local BUILD="$build" \
	>"$E2E_TMP/make.out" 2>&1 || fail "make uninstall: $(cat "$E2E_TMP/make.out")"
left=$(find "$D" -type f)
[ -z "$left" ] || fail "left after uninstall: $left"
exit 0
