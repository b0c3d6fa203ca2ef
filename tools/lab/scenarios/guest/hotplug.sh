# Guest half of hotplug: watch xvdb come and go until dom0 is done.
. /lab/lib.sh

dev=/sys/bus/xen/devices/vbd-51728
wait_flag token 60 || fail token "dom0 gave no token"
tok=$(xenstore-read data/lab-token 2>/dev/null)
echo "GUEST-HOTPLUG-READY"
appear=0 gone=0 present=0 badtok=0 tick=0
end=$(( $(date +%s) + 1200 ))
while [ "$(date +%s)" -lt $end ]; do
	if [ $present = 0 ] && [ -b /dev/xvdb ] && [ -d $dev ]; then
		present=1
		appear=$((appear + 1))
		got=$(dd if=/dev/xvdb bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
		[ "$got" = "$tok" ] || badtok=$((badtok + 1))
		echo "GUEST-HOTPLUG appear $appear state=$(cat $dev/state 2>/dev/null) token=${got:-none}"
	elif [ $present = 1 ] && [ ! -d $dev ]; then
		present=0
		gone=$((gone + 1))
		echo "GUEST-HOTPLUG gone $gone"
	elif [ $present = 0 ] && [ $((tick % 10)) = 0 ] &&
	     xenstore-read data/lab-end > /dev/null 2>&1; then
		break
	fi
	tick=$((tick + 1))
	usleep 200000
done
[ "$appear" -gt 0 ] && pass appear-count "$appear" || fail appear-count "xvdb never appeared"
[ "$gone" = "$appear" ] && pass gone-count "$gone" || fail gone-count "$appear appearances, $gone disappearances"
[ $badtok = 0 ] && pass token || fail token "$badtok reads of xvdb did not return dom0's token"
if [ -e /sys/block/xvdb ] || [ -d $dev ]; then
	fail no-frontend-device "xvdb is still there"
else
	pass no-frontend-device
fi
exit 0
