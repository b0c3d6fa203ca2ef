# lab-timeout: 180
# selftest (not part of "all"; run-suite.sh's harness step runs it): makes
# the harness see failures it must report, so a harness that stopped
# noticing them would be caught.  Expected from boot.sh, and nothing else
# failing:
#   FAIL <variant>/selftest/deliberate            a scenario's own FAIL
#   FAIL <variant>/selftest/kernel-sanity         a "WARNING:" in dom0's kernel
#                                                 log and a "BUG:" in the guest's
#   FAIL <variant>/selftest/guest/deliberate      a guest's FAIL, relayed
. /lab/lib.sh
. /lab/dom0.sh

pass deliberate-pass
fail deliberate "this check always fails"
echo "<4>WARNING: lab selftest: a kernel warning the harness must catch" > /dev/kmsg
guest_create selftest selftest || exit 0
wait_log selftest 'LAB-JOB-END' 120 || fail guest "the guest job did not end"
wait_gone selftest 60
relay selftest deliberate
exit 0
