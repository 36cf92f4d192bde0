#!/bin/bash
# kvmscope-storm on its own: every scenario with two vCPUs (threads, exit status, report),
# --rate, stopping by signal, bad command lines, and the report against the kernel's own
# count of the same exits in a private tracefs instance, which later tests rely on.
. "$(dirname "$0")/lib.sh"
need_root
need_kvm
[ -x "$STORM" ] || fail "$STORM is not built (make build/kvmscope-storm)"

INST=
IO_FILE=
t_storm_cleanup() {
	if [ -n "$INST" ] && [ -d "$INST" ]; then
		echo 0 >"$INST/tracing_on"
		rmdir "$INST" || echo "could not remove $INST"
	fi
	[ -n "$IO_FILE" ] && rm -f "$IO_FILE"
	e2e_cleanup
}
trap t_storm_cleanup EXIT

# rval FILE KEY [LINE]: KEY's value on the report line starting with LINE (default "total").
rval() { sed -n "s/^${3:-total}\( .*\)* $2=\([0-9.]*\).*/\2/p" "$1" | head -1; }

# between WHAT VALUE LO HI: fails unless LO <= VALUE <= HI.
between() {
	[[ "$2" =~ ^[0-9]+$ ]] || fail "$1: '$2' is not a number"
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1=$2, expected $3..$4"
}

# named PID N: the storm's main thread and its N vCPU threads and iothread, named as QEMU's.
named() {
	local t i
	t=$(threads_of "$1")
	for ((i = 0; i < $2; i++)); do grep -qx "[0-9]* CPU $i/KVM" <<<"$t" || return 1; done
	grep -qx "[0-9]* IO iothread0" <<<"$t" && grep -qx "$1 kvmscope-storm" <<<"$t"
}

# run OUT VCPUS ARGS...: runs the storm to its end, checking its threads while it runs.
run() {
	local out=$1 n=$2 rc
	shift 2
	storm_start "$out" --vcpus "$n" "$@"
	wait_until 5 named "$STORM_PID" "$n" || fail "threads of '$*': $(threads_of "$STORM_PID")"
	wait "$STORM_PID"
	rc=$?
	[ "$rc" = 0 ] || fail "'$*' exited $rc: $(cat "$out")"
}

# check_report OUT SCENARIO VCPUS: the report's shape, and totals that add up.
check_report() {
	local out=$1 sc=$2 n=$3 v sum=0 it
	[ "$(wc -l <"$out")" = $((n + 2)) ] || fail "$sc: report is not $((n + 2)) lines: $(cat "$out")"
	grep -vqE '^(storm|vcpu=[0-9]+|total)( [a-z0-9_]+=[a-z0-9.]+)+$' "$out" &&
		fail "$sc: not a report: $(cat "$out")"
	grep -qE "^storm scenario=$sc vcpus=$n rate=[0-9]+ seconds=[0-9]+\.[0-9]{3} pid=[0-9]+$" "$out" ||
		fail "$sc: header: $(head -1 "$out")"
	for ((v = 0; v < n; v++)); do
		it=$(rval "$out" iterations "vcpu=$v")
		between "$sc vcpu=$v iterations" "$it" 1 1000000000
		sum=$((sum + it))
	done
	[ "$(rval "$out" iterations)" = "$sum" ] || fail "$sc: total iterations is not the sum"
	# The VMM's own time, and its share of the run.
	for ((v = 0; v < n; v++)); do
		between "$sc vcpu=$v user_ns" "$(rval "$out" user_ns "vcpu=$v")" 0 1000000000000
		[[ "$(rval "$out" user_pct "vcpu=$v")" =~ ^([0-9]|[1-9][0-9]|100)\.[0-9]$ ]] ||
			fail "$sc vcpu=$v: user_pct '$(rval "$out" user_pct "vcpu=$v")'"
	done
}

# each OUT VCPUS KEY LO HI: every vCPU's KEY is within LO..HI.
each() {
	local v
	for ((v = 0; v < $2; v++)); do between "vcpu=$v $3" "$(rval "$1" "$3" "vcpu=$v")" "$4" "$5"; done
}

# close OUT VCPUS KEY1 KEY2 SLACK: on each vCPU, KEY1 and KEY2 differ by at most SLACK.
close() {
	local v a b
	for ((v = 0; v < $2; v++)); do
		a=$(rval "$1" "$3" "vcpu=$v")
		b=$(rval "$1" "$4" "vcpu=$v")
		[ $((a > b ? a - b : b - a)) -le "$5" ] || fail "vcpu=$v: $3=$a but $4=$b"
	done
}

# --- bad command lines: exit 2, one line on stderr, nothing on stdout
bad() {
	local rc
	"$STORM" "$@" >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"
	rc=$?
	[ "$rc" = 2 ] || fail "'$*' exited $rc, expected 2"
	[ "$(wc -l <"$E2E_TMP/bad.err")" = 1 ] || fail "'$*': stderr: $(cat "$E2E_TMP/bad.err")"
	[ -s "$E2E_TMP/bad.out" ] && fail "'$*' wrote on stdout"
	grep -q '^kvmscope-storm: ' "$E2E_TMP/bad.err" || fail "'$*': $(cat "$E2E_TMP/bad.err")"
}
bad --bogus timer
bad -x timer
bad
bad storm
bad timer pit
bad --vcpus 0 timer
bad --vcpus two timer
bad --rate -5 timer
bad --duration 0 timer
bad --start-delay soon timer
bad --rate 9000 idle
bad timer --rate
bad --io-file /nonexistent/file virtio
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	head -c 65536 /dev/zero >/dev/shm/kvmscope-storm-test.$$
	bad --io-file /dev/shm/kvmscope-storm-test.$$ virtio
	grep -q tmpfs "$E2E_TMP/bad.err" || fail "tmpfs --io-file: $(cat "$E2E_TMP/bad.err")"
	rm -f /dev/shm/kvmscope-storm-test.$$
fi
"$STORM" --help | grep -q '^Usage: kvmscope-storm' || fail "--help"
note "bad command lines: exit 2 with one line"

# --- each scenario, two vCPUs, one second, as fast as it goes
out=$E2E_TMP/timer.out
run "$out" 2 -name guest=storm-test,debug-threads=on -uuid 6f1c9a2e-0000-4e85-9c40-1a2b3c4d5e6f \
	--duration 1 timer
check_report "$out" timer 2
each "$out" 2 pio_0x608 1000 10000000
close "$out" 2 pio_0x608 iterations 0
# Every read is answered in userspace: the VMM's time is measured, under a second each.
each "$out" 2 user_ns 1 999999999
note "timer: $(rval "$out" pio_0x608) PM timer reads in $(rval "$out" seconds storm) s, VMM" \
	"$(rval "$out" user_pct vcpu=0)% and $(rval "$out" user_pct vcpu=1)% of each vCPU"

out=$E2E_TMP/pit.out
run "$out" 2 --duration 1 pit
check_report "$out" pit 2
each "$out" 2 pio_0x40 10000 100000000
note "pit: $(rval "$out" pio_0x40) PIT reads"

out=$E2E_TMP/apic.out
run "$out" 2 --duration 1 apic
check_report "$out" apic 2
each "$out" 2 mmio_0xfee000b0 1000 100000000
close "$out" 2 mmio_0xfee000b0 mmio_0xfee00300 1
close "$out" 2 mmio_0xfee00300 mmio_0xfee00380 1
note "apic: $(rval "$out" mmio_0xfee00300) ICR writes"

out=$E2E_TMP/virtio.out
storm_start "$out" --vcpus 2 --duration 1 virtio
wait_until 5 named "$STORM_PID" 2 || fail "virtio threads: $(threads_of "$STORM_PID")"
# Its temporary file is unlinked as soon as it is open, so nothing can be left behind.
tmpf=$(ls -l /proc/"$STORM_PID"/fd 2>/dev/null | sed -n 's/.* -> \(\/var\/tmp\/kvmscope-storm\.[^ ]*\) (deleted)$/\1/p')
[ -n "$tmpf" ] || fail "virtio: no deleted temporary file open: $(ls -l /proc/"$STORM_PID"/fd)"
wait "$STORM_PID" || fail "virtio exited $?: $(cat "$out")"
[ -e "$tmpf" ] && fail "virtio left $tmpf"
check_report "$out" virtio 2
each "$out" 2 notifies 100 10000000
close "$out" 2 notifies completions 1
close "$out" 2 completions irqs 1
close "$out" 2 notifies pio_0xc050 0
for v in 0 1; do
	secs=$(rval "$out" seconds storm)
	irqs=$(rval "$out" irqs "vcpu=$v")
	mean=$(rval "$out" io_ns_mean "vcpu=$v")
	max=$(rval "$out" io_ns_max "vcpu=$v")
	between "vcpu=$v io_ns_mean" "$mean" 1 "$max"
	# A round trip holds one read, so the mean round trip is at least the mean read.
	rt=$(awk -v s="$secs" -v n="$irqs" 'BEGIN { printf "%d", s * 1e9 / n }')
	[ "$rt" -ge "$mean" ] || fail "vcpu=$v: mean round trip $rt ns < mean read $mean ns"
done
note "virtio: $(rval "$out" irqs) round trips, reads of $(rval "$out" io_ns_mean) ns on average"

out=$E2E_TMP/idle.out
run "$out" 2 --duration 1 idle
check_report "$out" idle 2
each "$out" 2 irqs 70 110
close "$out" 2 irqs halts 1
note "idle: $(rval "$out" irqs) interrupts at rate=$(rval "$out" rate storm)"

# --- --rate, per vCPU per second
rate() { # SCENARIO RATE KEY LO HI
	out=$E2E_TMP/rate-$1.out
	run "$out" 2 --duration 1 --rate "$2" "$1"
	check_report "$out" "$1" 2
	each "$out" 2 "$3" "$4" "$5"
	note "$1 --rate $2: $(rval "$out" "$3" vcpu=0) and $(rval "$out" "$3" vcpu=1)"
}
rate timer 1000 pio_0x608 700 1300
rate pit 20000 pio_0x40 14000 26000
rate apic 2000 mmio_0xfee00300 1400 2600
rate virtio 200 irqs 140 260
rate idle 500 irqs 350 550

# --- --io-file, on a disk (not tmpfs), left in place
if [ "$(stat -f -c %T /var/tmp)" != tmpfs ]; then
	IO_FILE=$(mktemp /var/tmp/kvmscope-storm-test.XXXXXX)
	head -c 65536 /dev/urandom >"$IO_FILE"
	out=$E2E_TMP/iofile.out
	run "$out" 1 --duration 0.3 --io-file "$IO_FILE" virtio
	check_report "$out" virtio 1
	[ -f "$IO_FILE" ] || fail "--io-file: the given file was removed"
	note "--io-file: $(rval "$out" completions) reads"
fi

# --- stopped by a signal mid-run: a clean report, exit 0
sig() { # SIGNAL SCENARIO
	out=$E2E_TMP/sig-$2.out
	storm_start "$out" --vcpus 2 "$2"
	wait_until 5 named "$STORM_PID" 2 || fail "$2 threads"
	sleep 0.5
	kill -"$1" "$STORM_PID"
	wait "$STORM_PID" || fail "$2 after SIG$1 exited $?: $(cat "$out")"
	check_report "$out" "$2" 2
	note "SIG$1 on $2 after $(rval "$out" seconds storm) s: clean report"
}
sig TERM timer
sig INT idle
sig TERM virtio

# Before the guest starts (during --start-delay): still a report, of nothing.
out=$E2E_TMP/early.out
storm_start "$out" --vcpus 2 --start-delay 30 timer
wait_until 5 named "$STORM_PID" 2 || fail "threads during --start-delay"
kill -TERM "$STORM_PID"
wait "$STORM_PID" || fail "SIGTERM during --start-delay exited $?"
grep -q '^total iterations=0 ' "$out" || fail "SIGTERM during --start-delay: $(cat "$out")"

# --- the report against the kernel's count, from a private tracefs instance
need_tracefs
INST=$TRACEFS/instances/storm-test-$$
mkdir "$INST" || fail "cannot create $INST"
echo 32768 >"$INST/buffer_size_kb"
echo 1 >"$INST/options/event-fork"

# traced OUT EVENTS ARGS...: runs the storm with EVENTS traced from its own threads only.
traced() {
	local out=$1 events=$2 e
	shift 2
	echo 0 >"$INST/tracing_on"
	echo >"$INST/trace"
	echo >"$INST/set_event"
	for e in $events; do echo 1 >"$INST/events/$e/enable" || fail "cannot enable $e"; done
	echo 1 >"$INST/tracing_on"
	# set_event_pid keeps other VMs on the host out of the buffer; event-fork adds threads.
	(echo "$BASHPID" >"$INST/set_event_pid" && exec "$STORM" "$@") >"$out" 2>&1 &
	STORM_PID=$!
	track "$STORM_PID"
	wait_until 5 named "$STORM_PID" 2 || fail "traced threads"
	threads_of "$STORM_PID" >"$out.tids"
	wait "$STORM_PID" || fail "traced '$*' exited $?: $(cat "$out")"
	echo 0 >"$INST/tracing_on"
	grep -h overrun "$INST"/per_cpu/cpu*/stats | grep -qv ': 0$' && fail "trace buffer overran"
	# "TID EVENT DETAILS" for the storm's threads (the pid filter alone is not airtight).
	sed -nE 's/^.*-([0-9]+) +\[[0-9]+\] [^ ]+ +[0-9.]+: ([a-z_]+): (.*)$/\1 \2 \3/p' \
		"$INST/trace" | awk 'NR == FNR { t[$1] = 1; next } t[$1]' "$out.tids" - >"$out.ev"
}

# tid_of OUT NAME: the thread id of NAME in the traced storm.
tid_of() { sed -n "s/^\([0-9]*\) $2\$/\1/p" "$1.tids"; }

# within WHAT A B PERCENT
within() {
	local d=$(($2 > $3 ? $2 - $3 : $3 - $2))
	[ "$3" -gt 0 ] && [ $((d * 100)) -le $(($3 * $4)) ] || fail "$1: $2 against $3"
}

out=$E2E_TMP/trace-timer.out
traced "$out" "kvm/kvm_pio kvm/kvm_userspace_exit" --vcpus 2 --start-delay 0.5 --duration 1 timer
check_report "$out" timer 2
# One kvm_pio per IN answered by the VMM: KVM traces it when the read completes, on the
# next KVM_RUN, not at the exit; the storm re-enters once more at stop so that none is lost.
for v in 0 1; do
	tid=$(tid_of "$out" "CPU $v\\/KVM")
	kp=$(awk -v t="$tid" '$1 == t && $2 == "kvm_pio" && $5 == "0x608"' "$out.ev" | wc -l)
	ue=$(awk -v t="$tid" '$1 == t && $2 == "kvm_userspace_exit"' "$out.ev" | wc -l)
	within "vcpu=$v kvm_pio 0x608 vs pio_0x608" "$kp" "$(rval "$out" pio_0x608 "vcpu=$v")" 2
	within "vcpu=$v kvm_userspace_exit vs userspace_exits" "$ue" \
		"$(rval "$out" userspace_exits "vcpu=$v")" 2
	note "vcpu=$v: kernel kvm_pio 0x608 $kp, storm $(rval "$out" pio_0x608 "vcpu=$v")"
done

out=$E2E_TMP/trace-pit.out
traced "$out" "kvm/kvm_pio" --vcpus 2 --duration 0.5 pit
kp=$(awk '$2 == "kvm_pio" && $5 == "0x40"' "$out.ev" | wc -l)
within "kvm_pio 0x40 vs pio_0x40" "$kp" "$(rval "$out" pio_0x40)" 2
note "pit: kernel kvm_pio 0x40 $kp, storm $(rval "$out" pio_0x40)"

out=$E2E_TMP/trace-apic.out
traced "$out" "kvm/kvm_mmio" --vcpus 2 --duration 0.5 apic
km=$(awk '$2 == "kvm_mmio" && $8 == "0xfee00300"' "$out.ev" | wc -l)
within "kvm_mmio 0xfee00300 vs mmio_0xfee00300" "$km" "$(rval "$out" mmio_0xfee00300)" 2
note "apic: kernel kvm_mmio 0xfee00300 $km, storm $(rval "$out" mmio_0xfee00300)"

# The virtio chain: the vCPU's notify wakes the iothread (ioeventfd), and the iothread
# itself wakes the halted vCPU (irqfd on an MSI route injects in the writer's context).
out=$E2E_TMP/trace-virtio.out
traced "$out" "kvm/kvm_pio kvm/kvm_msi_set_irq sched/sched_waking" --vcpus 2 --duration 0.5 virtio
io=$(tid_of "$out" "IO iothread0")
for v in 0 1; do
	tid=$(tid_of "$out" "CPU $v\\/KVM")
	kp=$(awk -v t="$tid" '$1 == t && $2 == "kvm_pio" && $5 == "0xc050"' "$out.ev" | wc -l)
	within "vcpu=$v kvm_pio 0xc050 vs notifies" "$kp" "$(rval "$out" notifies "vcpu=$v")" 2
	up=$(awk -v t="$tid" -v i="$io" '$1 == t && $2 == "sched_waking" && $0 ~ " pid=" i " "' \
		"$out.ev" | wc -l)
	down=$(awk -v t="$tid" -v i="$io" '$1 == i && $2 == "sched_waking" && $0 ~ " pid=" t " "' \
		"$out.ev" | wc -l)
	irqs=$(rval "$out" irqs "vcpu=$v")
	# Only a notify that finds the iothread waiting wakes it; one in a read does not.
	between "vcpu=$v: wakeups of the iothread by the vCPU" "$up" 1 $((kp + 1))
	between "vcpu=$v: wakeups of the vCPU by the iothread" "$down" $((irqs / 2)) $((irqs + 1))
	note "vcpu=$v: $kp notifies, $up iothread wakeups by it, $down wakeups of it by the iothread"
done
msi=$(awk -v i="$io" '$1 == i && $2 == "kvm_msi_set_irq"' "$out.ev" | wc -l)
within "kvm_msi_set_irq from the iothread vs completions" "$msi" "$(rval "$out" completions)" 2

exit 0
