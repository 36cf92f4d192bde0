#!/bin/bash
# `make demo`: two storm guests (an ACPI PM timer storm and a LAPIC storm) and the live
# monitor on them. The guests stop when the monitor quits.
: "${KVMSCOPE:=build/kvmscope}" "${STORM:=build/kvmscope-storm}"
[ "$(id -u)" = 0 ] || { echo "make demo: run as root (it starts KVM guests and traces them)" >&2; exit 1; }
if [ ! -c /dev/kvm ]; then
	if [ -r /proc/misc ] && ! grep -qE "^ *[0-9]+ kvm$" /proc/misc && [ -d /sys/module/kvm ]; then
		echo "make demo: /dev/kvm is missing: the kvm module is loaded but no vendor module bound (no VMX/SVM, or nested virtualization off)" >&2
	else
		echo "make demo: /dev/kvm is missing: load kvm_intel or kvm_amd" >&2
	fi
	exit 1
fi
pids=()
stop() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap stop EXIT INT TERM HUP
"$STORM" --vcpus 2 -name guest=win-timer,debug-threads=on timer >/dev/null &
pids+=($!)
"$STORM" --vcpus 1 --rate 20000 -name guest=apic-ipi,debug-threads=on apic >/dev/null &
pids+=($!)
sleep 0.5
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { echo "make demo: a storm guest failed to start" >&2; exit 1; }
done
if [ -t 0 ] && [ -t 1 ]; then
	"$KVMSCOPE" "$@"
else
	echo "make demo: no terminal; printing 3 batch records instead" >&2
	"$KVMSCOPE" -b -n 3 -H "$@"
fi
