#!/bin/bash
# The time split holds up against the storm's own figure: two vCPUs of one timer storm do the
# same work, so their USER% agree within 10 points in every interval, and each is within 15
# points of the time the storm's vCPU threads measured themselves spending in userspace
# answering exits (user_pct, from timestamps around the handler). The pairing of an exit to
# the VMM with what ends it must not depend on where the trace started, nor count KVM's way
# out to the VMM and back as the VMM's.
. "$(dirname "$0")/lib.sh"
need_tracefs
need_kvm
need_cmd python3

vm=e2e-split-$$
# 8 s: five records of -d 1 after setting up (slower under a sanitizer) while it storms.
storm_start "$E2E_TMP/storm.out" --vcpus 2 --duration 8 -name "guest=$vm" timer
STORM=$STORM_PID
# Attached to a guest already storming: the trace starts wherever each vCPU is.
wait_until 5 has_thread "$STORM" "CPU 1/KVM" || fail "storm did not start"
sleep 0.3
# Every event traced (--budget 0): this checks the split of the full trace. Within the
# default budget the steady windows agree with the full trace (USER% 4-10% here, as the
# full trace gives it: kvm_userspace_exit to ioctl(KVM_RUN) includes the kernel's way out
# and back, which the storm's own figure does not), but a window that turns to bursts
# still comes out at ~30% now and then (seen once in four runs): not yet explained.
"$KVMSCOPE" -b -H --format json -d 1 -n 5 --budget 0 -f "^$vm\$" >"$E2E_TMP/out.json" \
	2>"$E2E_TMP/err" &
MON=$!
track $MON
wait "$STORM" || fail "storm: $(cat "$E2E_TMP/storm.out")"
wait "$MON" || fail "kvmscope: $(cat "$E2E_TMP/err")"
sed 's/^/  storm: /' "$E2E_TMP/storm.out"

pct() { sed -n "s/^vcpu=$1 .* user_pct=\([0-9.]*\).*/\1/p" "$E2E_TMP/storm.out"; }
jq_py "$E2E_TMP/out.json" "
storm = [$(pct 0), $(pct 1)]
run = [s for s in docs[-1]['sources'] if s['name'] == 'kvm_run']
assert run and run[0]['state'] == 'ok', 'the VMM return is not traced: %s' % run
pairs = []
for d in docs[1:]:
    v = vm(d, '$vm')
    if not v:
        continue
    cpus = vcpus(v)
    assert len(cpus) == 2, [t['comm'] for t in cpus]
    user = [t['split']['user_pct'] for t in cpus]
    # A second with the guest stopped or not yet started has nothing to split.
    if None in user and all(t['exits_rate'] == 0 for t in cpus):
        continue
    assert None not in user, 'USER%% unknown: %s' % [t['split'] for t in cpus]
    pairs.append(user)
    src = {s['name']: s['state'] for s in d['sources']}
    print('  record %d: USER%% %5.1f %5.1f   storm %4.1f %4.1f   KERNEL%% %5.1f %5.1f   '
          'WAIT%% %5.1f %5.1f   lost %d  sched %s  kvm_run %s' % (
              d['seq'], user[0], user[1], storm[0], storm[1], cpus[0]['split']['kernel_pct'],
              cpus[1]['split']['kernel_pct'], cpus[0]['split']['waiting_pct'],
              cpus[1]['split']['waiting_pct'], d['events']['lost'], src.get('sched'),
              src.get('kvm_run')))
assert len(pairs) >= 3, 'only %d records with the storm running' % len(pairs)
for a, b in pairs:
    assert abs(a - b) <= 10, 'the two vCPUs differ: %.1f and %.1f' % (a, b)
    for got, own in zip((a, b), storm):
        assert abs(got - own) <= 15, 'USER%% %.1f, the storm measured %.1f' % (got, own)
" || fail "the time split does not match the storm's"
exit 0
