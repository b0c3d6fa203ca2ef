# lab-timeout: 300
# demo (not part of "all"; demo.sh runs it): one guest with a disk and a
# network interface, and what its xenbus found, from both sides.
. /lab/lib.sh
. /lab/dom0.sh

g=demo
guest_create $g demo disk vif || exit 0
id=$GUEST_ID
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120
wait_log $g 'GUEST-DEMO-END' 120 || fail guest-view "the guest printed nothing"
echo "DEMO-BEGIN"
echo "== The guest (domain $id) sees on its xen bus:"
guest_text $g | sed -n '/GUEST-DEMO-BEGIN/,/GUEST-DEMO-END/p' | grep -v 'GUEST-DEMO-'
echo
echo "== The guest's devices in the store: /local/domain/$id/device"
xenstore-ls -f "/local/domain/$id/device" | sed 's#^/local/domain/[0-9]*/##'
echo
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
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g
exit 0
