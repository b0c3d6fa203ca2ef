# Guest half of save-restore: get ready, then (once dom0 says the guest was
# restored) check that the devices are back and the store answers.
. /lab/lib.sh

vbd=/sys/bus/xen/devices/vbd-51712
vif=/sys/bus/xen/devices/vif-0
sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }
wait_until 90 sys_connected $vbd && wait_until 90 sys_connected $vif ||
	fail devices-before "devices not connected before the save"
wait_until 30 test -b /dev/xvda
tok=$(dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0
echo "GUEST-SR-READY"

# Saved and restored while we wait here.
if ! wait_flag restored 600; then
	fail restored "dom0 never said the guest was restored"
	exit 0
fi
echo "GUEST-SR-AFTER-BEGIN domid=$(xenstore-read domid 2>/dev/null)"
wait_until 60 sys_connected $vbd && pass vbd-after ||
	fail vbd-after "state $(cat $vbd/state 2>&1)"
wait_until 60 sys_connected $vif && pass vif-after ||
	fail vif-after "state $(cat $vif/state 2>&1)"
v=rt-$(cat /proc/sys/kernel/random/uuid)
if xenstore-write xenstore-test/rt "$v" && [ "$(xenstore-read xenstore-test/rt)" = "$v" ]; then
	pass store-roundtrip
else
	fail store-roundtrip "write/read of xenstore-test/rt failed"
fi
# The block cache would hide a dead disk: read past what we read before.
echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
got=$(dd if=/dev/xvda bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\000' | head -1)
[ -n "$got" ] || got=$(dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
if [ "$got" = "$tok" ] && dd if=/dev/xvda of=/dev/null bs=64k count=64 skip=64 2>/dev/null; then
	pass disk-after
else
	fail disk-after "read '$got' (expected '$tok')"
fi
if wait_until 30 ping -c 1 -W 2 10.0.0.1 > /dev/null; then
	pass ping-after
else
	fail ping-after "10.0.0.1 does not answer"
fi
echo "GUEST-SR-AFTER-END"
wait_flag end 120
exit 0
