# lab-timeout: 420
# demo (not part of "all"; demo.sh runs it): a PV guest with a disk and a
# network interface, and a PVH guest (an HVM container) with a disk, side
# by side, and what their xenbus found, from both sides.
. /lab/lib.sh
. /lab/dom0.sh

g=demo
guest_create $g demo disk vif || exit 0
id=$GUEST_ID
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120
gh=demo-pvh
LAB_GUEST_TYPE=pvh guest_create $gh demo disk || exit 0
hid=$GUEST_ID
check_connected "$hid" vbd 51712 120

# show NAME ID TYPE: one guest's view of its xen bus.
show() {
	wait_log "$1" 'GUEST-DEMO-END' 120 || fail guest-view "$1 printed nothing"
	echo "== The $3 guest $1 (domain $2) sees on its xen bus:"
	guest_text "$1" | sed -n '/GUEST-DEMO-BEGIN/,/GUEST-DEMO-END/p' | grep -v 'GUEST-DEMO-'
	echo
	echo "== Its devices in the store: /local/domain/$2/device"
	xenstore-ls -f "/local/domain/$2/device" | sed 's#^/local/domain/[0-9]*/##'
	echo
}
echo "DEMO-BEGIN"
show $g "$id" PV
show $gh "$hid" PVH
echo "== Their backends in dom0's part of the store: /local/domain/0/backend"
xenstore-ls -f /local/domain/0/backend | sed 's#^/local/domain/0/##'
echo
echo "== dom0's backend bus: /sys/bus/xen-backend/devices"
for d in /sys/bus/xen-backend/devices/*; do
	drv=none
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	printf '%-18s nodename=%-24s state=%-13s driver=%s\n' "${d##*/}" \
		"$(cat "$d/nodename")" "$(cat "$d/state")" "$drv"
done
echo "DEMO-END"
set_flag "$id" end
set_flag "$hid" end
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
wait_gone $gh 120 || fail guest-poweroff "$gh did not power off"
relay $g
relay $gh
exit 0
