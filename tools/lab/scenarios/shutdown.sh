# lab-timeout: 300
# shutdown: "xl shutdown" asks the guest, through the store (its
# control/shutdown node), to power off; the guest kernel's watch must fire
# and start an orderly poweroff (busybox init runs its shutdown action).
. /lab/lib.sh
. /lab/dom0.sh

# The guest is named after the scenario: pvh-shutdown runs this script too.
g=${LAB_SCENARIO:-shutdown}
guest_create $g idle vif || exit 0
if ! wait_log $g 'GUEST-IDLE' 120; then
	fail guest-ready "the guest did not come up"
	exit 0
fi
t0=$(date +%s)
if ! timeout 60 xl shutdown $g; then
	fail xl-shutdown "xl shutdown failed"
fi
if wait_gone $g 90; then
	pass gone "in $(( $(date +%s) - t0 ))s"
else
	fail gone "$g still in xl list 90s after xl shutdown"
fi
# The guest's console: init's shutdown action ran, then the kernel's last
# words; xl's log: the reason is poweroff (0), not crash (3).
if guest_text $g | grep -q 'LAB-GUEST-SHUTDOWN' &&
   guest_text $g | grep -Eq 'reboot: (Power down|Power off not available)'; then
	pass clean-poweroff
else
	fail clean-poweroff "no orderly poweroff in the guest's console"
fi
if grep -q 'LAB-JOB-END' "$(guest_log $g)"; then
	fail shutdown-source "the guest's job ended by itself: the poweroff was not xl's"
else
	pass shutdown-source
fi
if grep -q 'shut down, reason code 0 ' "/var/log/xen/xl-$g.log" 2>/dev/null; then
	pass reason-poweroff
else
	fail reason-poweroff "xl log: $(tail -3 "/var/log/xen/xl-$g.log" 2>/dev/null | tr '\n' ' ')"
fi
exit 0
