# lab-timeout: 900
# hotplug: attach and detach a disk on a running guest, again and again.
# The guest reports each appearance (and reads the disk's token through it)
# and each disappearance; dom0 waits for each report before the next step.
# In the end no store node, backend device or frontend device may remain.
. /lab/lib.sh
. /lab/dom0.sh

# The guest is named after the scenario: pvh-hotplug runs this script too.
g=${LAB_SCENARIO:-hotplug}
rounds=${LAB_HOTPLUG_ROUNDS:-20}
guest_create $g hotplug || exit 0
id=$GUEST_ID
img=/run/lab/hotplug-extra.img
tok=$(new_disk $img)
loop=$(loop_attach $img) || { fail setup "no loop device"; exit 0; }
set_flag "$id" token "$tok"

if ! wait_log $g 'GUEST-HOTPLUG-READY' 120; then
	fail guest-ready "the guest did not start watching"
	exit 0
fi

ok=0
t0=$(date +%s)
i=1
while [ $i -le "$rounds" ]; do
	if ! timeout 120 xl block-attach $g "phy:$loop,xvdb,w,script=lab-block"; then
		fail "attach-$i" "xl block-attach failed"
		break
	fi
	if ! wait_log_count $g 'GUEST-HOTPLUG appear ' $i 90; then
		fail "appear-$i" "the guest did not see xvdb appear"
		break
	fi
	if ! timeout 120 xl block-detach $g xvdb; then
		fail "detach-$i" "xl block-detach failed"
		break
	fi
	if ! wait_log_count $g 'GUEST-HOTPLUG gone ' $i 90; then
		fail "gone-$i" "the guest did not see xvdb go"
		break
	fi
	ok=$i
	i=$((i + 1))
done
if [ $ok = "$rounds" ]; then
	pass cycles "$rounds attach/detach cycles in $(( $(date +%s) - t0 ))s"
else
	fail cycles "$ok of $rounds cycles completed"
fi

# Nothing may be left behind, at either end.
sleep 2
left=$(xenstore-list "/local/domain/0/backend/vbd/$id" 2>/dev/null | tr '\n' ' ')
[ -z "$left" ] && pass no-backend-nodes ||
	fail no-backend-nodes "backend/vbd/$id still has: $left"
if xenstore-exists "/local/domain/$id/device/vbd/51728" 2>/dev/null; then
	fail no-frontend-nodes "device/vbd/51728 is still in the store"
else
	pass no-frontend-nodes
fi
left=$(ls /sys/bus/xen-backend/devices/ | grep "^vbd-$id-" | tr '\n' ' ')
[ -z "$left" ] && pass no-backend-devices ||
	fail no-backend-devices "left in /sys/bus/xen-backend/devices: $left"

set_flag "$id" end
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g appear-count gone-count token no-frontend-device
exit 0
