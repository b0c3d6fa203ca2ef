# lab-timeout: 600
# fe-modules (run by run-suite.sh's fe-modules step, with LAB_GUEST_KERNEL
# set to xcompile.sh's x86_64 build of the same variant): a PV guest whose
# frontend bus, blkfront and netfront are modules (guest job femod).  Both
# ends Connected after the guest loads them, the frontends Closed once it
# unbinds and unloads them, the vif Connected again after it loads them
# again; the disk reads, the vif pings.  GUEST-FEMOD-AT-RETURN lines (noted) say how far a
# device had got when modprobe returned: the boot-wait behaviour of a
# modular bus, to compare between stock and ours.
. /lab/lib.sh
. /lab/dom0.sh

g=${LAB_SCENARIO:-fe-modules}
if [ ! -f /lab/kernel/guest-bzImage ]; then
	fail guest-kernel "no second kernel in this boot (LAB_GUEST_KERNEL)"
	exit 0
fi
guest_create $g femod disk vif altkernel || exit 0
id=$GUEST_ID
check_guest_type $g
if ! wait_log $g 'GUEST-FEMOD-LOADED' 180; then
	fail loaded "the guest did not load its frontends"
else
	check_connected "$id" vbd 51712 60 first-
	check_connected "$id" vif 0 60 first-
	check_disk_token $g 10
	set_flag "$id" unload
fi
if wait_log $g 'GUEST-FEMOD-UNLOADED' 180; then
	# The frontends closed their ends on the way out.
	fe_closed() { [ "$(xs_state "$(fe_path "$id" "$1" "$2")")" = 6 ]; }
	if wait_until 30 fe_closed vbd 51712 && wait_until 30 fe_closed vif 0; then
		pass frontends-closed
	else
		fail frontends-closed "vbd '$(xs_state "$(fe_path "$id" vbd 51712)")', vif '$(xs_state "$(fe_path "$id" vif 0)")'"
	fi
	set_flag "$id" reload
else
	fail unloaded "the guest did not unload its frontends"
fi
if wait_log $g 'GUEST-FEMOD-DONE' 240; then
	check_connected "$id" vif 0 60 again-
fi
guest_text $g | sed -n -e 's/.*GUEST-FEMOD-AT-RETURN /at modprobe return: /p' \
	-e 's/.*GUEST-FEMOD-AGAIN /after loading again: /p' | while read -r l; do note "$l"; done
set_flag "$id" end
wait_gone $g 120 || { fail guest-poweroff "$g did not power off"; timeout 60 xl destroy $g; }
relay $g bus-absent first-bus-loaded first-vbd first-vif rmmod-bound-xen-netfront \
	rmmod-bound-xen-blkfront unload-frontends rmmod-bus again-modprobe again-bound again-vif
exit 0
