# Guest half of sysfs-abi: print the frontends' sysfs between markers.
. /lab/lib.sh

sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }
for d in /sys/bus/xen/devices/vbd-51712 /sys/bus/xen/devices/vif-0; do
	wait_until 90 sys_connected $d || fail "${d##*/}" "not connected"
done
{
	echo "# guest: /sys/bus/xen"
	ls /sys/bus/xen | sed 's/^/guest bus: /'
	for drv in /sys/bus/xen/drivers/*; do
		ls "$drv" | grep -v -e '^vbd-' -e '^vif-' | sed "s#^#guest driver ${drv##*/}: #"
	done
	for d in /sys/bus/xen/devices/*; do
		[ -d "$d" ] || continue
		dump_xendev "$d" "guest ${d##*/}"
	done
} > /tmp/abi.txt
echo "GUEST-ABI-BEGIN"
cat /tmp/abi.txt
echo "GUEST-ABI-END"
wait_flag end 120
exit 0
