# lab-timeout: 300
# shutdown-timeout: at poweroff a guest's frontends close one by one, each
# waiting up to 5 s for its backend to follow to Closing.  Here the
# backend never does: dom0 unbinds netback from the guest's vif first
# (netback allows a rebind, so the store is left Connected, with no driver
# to answer).  The guest must still power off, after logging the timeout
# the way stock Linux 6.12 does; log readers grep for that line.
. /lab/lib.sh
. /lab/dom0.sh

g=shutdown-timeout
# What stock 6.12 prints, as seen in this lab.
want='xenbus_probe_frontend: xenbus_frontend_dev_shutdown: device/vif/0 timeout closing device'

guest_create $g idle vif || exit 0
id=$GUEST_ID
if ! wait_log $g 'GUEST-IDLE' 120; then
	fail guest-ready "the guest did not come up"
	exit 0
fi
check_connected "$id" vif 0 60
be=vif-$id-0
if echo "$be" > /sys/bus/xen-backend/drivers/vif/unbind &&
   [ ! -e "/sys/bus/xen-backend/devices/$be/driver" ]; then
	pass unbind "netback let go of $be; backend state $(xs_state "$(be_path "$id" vif 0)")"
else
	fail unbind "could not unbind netback from $be"
fi

t0=$(date +%s)
timeout 60 xl shutdown $g || fail xl-shutdown "xl shutdown failed"
if wait_gone $g 90; then
	pass gone "in $(( $(date +%s) - t0 ))s"
else
	fail gone "$g still in xl list 90s after xl shutdown"
fi
line=$(guest_text $g | grep -F 'timeout closing device' | head -1 |
	sed 's/^\[[^]]*\] //')
note "the guest said: '${line:-nothing about a timeout}'"
if [ "$line" = "$want" ]; then
	pass timeout-line "$want"
else
	fail timeout-line "'${line:-none}', stock prints '$want'"
fi
# Rebind, so the backend device does not outlive the scenario unnoticed.
echo "$be" > /sys/bus/xen-backend/drivers/vif/bind 2>/dev/null || true
exit 0
