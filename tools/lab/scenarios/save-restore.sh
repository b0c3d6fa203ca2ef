# lab-timeout: 600
# save-restore: "xl save" suspends the guest (its kernel answers the
# suspend request on control/shutdown and closes down its devices), "xl
# restore" brings it back as a new domain; the guest's xenbus must then
# reconnect its disk and network (state 4 at both ends) and serve the store.
. /lab/lib.sh
. /lab/dom0.sh

# The guest is named after the scenario: pvh-save-restore runs this script too.
g=${LAB_SCENARIO:-save-restore}
img=/tmp/save-restore.save
guest_create $g saverestore disk vif || exit 0
id=$GUEST_ID
check_connected "$id" vbd 51712 120
if ! wait_log $g 'GUEST-SR-READY' 180; then
	fail guest-ready "the guest did not get ready"
	exit 0
fi

t0=$(date +%s)
if timeout 300 xl save $g $img > /run/lab/save.log 2>&1; then
	pass save "in $(( $(date +%s) - t0 ))s, $(( $(stat -c %s $img) / 1048576 )) MiB"
else
	fail save "xl save failed: $(tail -3 /run/lab/save.log | tr '\n' ' ')"
	exit 0
fi
wait_gone $g 30 || fail saved-gone "$g still running after xl save"

t0=$(date +%s)
if timeout 300 xl restore $img > /run/lab/restore.log 2>&1; then
	pass restore "in $(( $(date +%s) - t0 ))s"
else
	fail restore "xl restore failed: $(tail -3 /run/lab/restore.log | tr '\n' ' ')"
	exit 0
fi
rm -f $img
nid=$(xl domid $g 2>/dev/null)
if [ -z "$nid" ] || [ "$nid" = "$id" ]; then
	fail new-domain "restored domid '$nid' (was $id)"
	exit 0
fi
note "$g restored as domain $nid"
xenstore-write "/local/domain/$nid/xenstore-test" "" &&
	xenstore-chmod "/local/domain/$nid/xenstore-test" "n$nid"
check_connected "$nid" vbd 51712 120
check_connected "$nid" vif 0 120
set_flag "$nid" restored

if wait_log $g 'GUEST-SR-AFTER-END' 180; then
	:
else
	fail guest-after "the guest did not finish its post-restore checks"
fi
if wait_until 30 ping -c 1 -W 2 10.0.0.2 > /dev/null; then
	pass ping-after-restore
else
	fail ping-after-restore "10.0.0.2 does not answer"
fi
set_flag "$nid" end
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g vbd-after vif-after store-roundtrip disk-after ping-after
exit 0
