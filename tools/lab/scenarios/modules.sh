# lab-timeout: 900
# modules: dom0's backends are modules, loaded by init with modprobe and
# the kernel's modules.dep, as a distribution's xencommons loads them.
#  1. every module init was asked for is loaded, and blkback and netback
#     have registered their drivers on the backend bus;
#  2. a guest's vbd and vif reach Connected through them;
#  3. rmmod of each while that guest's devices are Connected ends within
#     two minutes, either unloading or refused with a message (stock's
#     behaviour is the baseline; a hang here is design.rst's known
#     hazard 1: driver_unregister() against a callback of the device);
#  4. once the guest is gone no backend device of it is left;
#  5. both unload, load again, and a new guest connects through them and
#     moves data both ways.
. /lab/lib.sh
. /lab/dom0.sh

# 1. loaded by init
missing=""
for m in $LAB_DOM0_MODULES; do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules || missing="$missing $m"
done
if [ -z "$missing" ]; then
	pass loaded "$(echo $LAB_DOM0_MODULES | wc -w) modules: $LAB_DOM0_MODULES"
else
	fail loaded "not loaded:$missing"
fi
drivers_there() { [ -d /sys/bus/xen-backend/drivers/vbd ] && [ -d /sys/bus/xen-backend/drivers/vif ]; }
if drivers_there; then
	pass drivers-registered
else
	fail drivers-registered "/sys/bus/xen-backend/drivers has: $(ls /sys/bus/xen-backend/drivers | tr '\n' ' ')"
fi

# 2. a guest through the modules
guest_create modules-a idle disk vif || exit 0
ida=$GUEST_ID
check_connected "$ida" vbd 51712 120 busy-
check_connected "$ida" vif 0 120 busy-

# 3. rmmod under a connected guest: it must end, one way or the other.
for m in xen-blkback xen-netback; do
	t0=$(date +%s)
	timeout 120 rmmod "$m" > /run/lab/rmmod.out 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	msg=$(tr '\n' ' ' < /run/lab/rmmod.out)
	case $rc in
	0) pass "rmmod-busy-$m" "unloaded in ${secs}s with domain $ida's device connected" ;;
	124 | 137) fail "rmmod-busy-$m" "rmmod still running after 120s (deadlock?)" ;;
	*) pass "rmmod-busy-$m" "refused in ${secs}s: $msg" ;;
	esac
done

# 4. the guest goes; its backend devices go with it.
timeout 120 xl destroy modules-a || fail destroy "xl destroy modules-a failed"
wait_gone modules-a 60 || fail destroy "modules-a still in xl list"
no_be_devs() { ! ls /sys/bus/xen-backend/devices/ | grep -Eq "^(vbd|vif)-$ida-"; }
if wait_until 60 no_be_devs; then
	pass no-backend-devices
else
	fail no-backend-devices "left: $(ls /sys/bus/xen-backend/devices/ | grep -E "^(vbd|vif)-$ida-" | tr '\n' ' ')"
fi
check_no_store_nodes "/local/domain/0/backend/vbd/$ida" "/local/domain/0/backend/vif/$ida"
[ -n "$GUEST_LOOP" ] && losetup -d "$GUEST_LOOP" 2>/dev/null

# 5. unload (whatever step 3 left loaded), load again, connect again.
unloaded=1
for m in xen-blkback xen-netback; do
	mod=$(echo "$m" | tr - _)
	grep -q "^$mod " /proc/modules || continue
	if ! timeout 120 rmmod "$m" > /run/lab/rmmod.out 2>&1; then
		fail "rmmod-idle-$m" "$(tr '\n' ' ' < /run/lab/rmmod.out)"
		unloaded=0
	fi
done
gone=1
for m in xen_blkback xen_netback; do
	grep -q "^$m " /proc/modules && gone=0
done
[ -d /sys/bus/xen-backend/drivers/vbd ] && gone=0
[ -d /sys/bus/xen-backend/drivers/vif ] && gone=0
if [ $unloaded = 1 ] && [ $gone = 1 ]; then
	pass unloaded "blkback and netback unloaded, their drivers gone from the bus"
else
	fail unloaded "still there: $(grep -E '^xen_(blk|net)back ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')$(ls /sys/bus/xen-backend/drivers | tr '\n' ' ')"
fi
if modprobe xen-blkback && modprobe xen-netback && wait_until 10 drivers_there; then
	pass reloaded
else
	fail reloaded "modprobe failed or the drivers did not register"
fi

guest_create modules-b basic disk vif || exit 0
idb=$GUEST_ID
check_connected "$idb" vbd 51712 120
check_connected "$idb" vif 0 120
check_disk_token modules-b 120
wait_log modules-b 'GUEST-XENDEVS-END' 400 || note "the guest did not list its devices"
set_flag "$idb" end
if wait_gone modules-b 120; then
	pass guest-poweroff
else
	fail guest-poweroff "modules-b still running 120s after it was told to finish"
	timeout 60 xl destroy modules-b
fi
got=$(disk_at "$GUEST_DISK" 1048576)
if [ "$got" = "GUEST-WROTE:$GUEST_TOKEN" ]; then
	pass disk-from-guest
else
	fail disk-from-guest "found '$got' at 1 MiB"
fi
relay modules-b vbd-state vif-state disk-read disk-write
exit 0
