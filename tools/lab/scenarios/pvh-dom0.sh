# lab-timeout: 420
# pvh-dom0: for a boot whose dom0 is PVH (run-suite.sh's pvh-dom0 step:
# Xen's dom0=pvh, and QEMU's emulated AMD IOMMU, which Xen requires for a
# PVH dom0).  dom0 is then an HVM container, so blkback and netback map
# each guest's rings with xenbus_map_ring_valloc() the auto-translated way
# (grant-mapped onto unpopulated pages, then vmap()ed) and unmap them the
# same way, on real Xen.  A PV guest with a disk and a vif connects and
# moves data both ways; dom0's vmap()ed areas grow by the guest's ring
# pages while it runs and shrink back once it is gone.
. /lab/lib.sh
. /lab/dom0.sh

if dmesg | grep -q 'Booting kernel on Xen PVH'; then
	pass dom0-type "dom0 booted as PVH"
else
	fail dom0-type "dom0 is not PVH (no 'Booting kernel on Xen PVH' in dmesg)"
	exit 0
fi
nvmap() { grep -c ' vmap$' /proc/vmallocinfo; }
before=$(nvmap)

g=${LAB_SCENARIO:-pvh-dom0}
guest_create $g basic disk vif || exit 0
id=$GUEST_ID
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120
# blkback maps one ring page (one queue), netback a Tx and an Rx ring.
during=$(nvmap)
if [ $((during - before)) -ge 3 ]; then
	pass rings-mapped "$((during - before)) more vmap()ed areas in dom0 while $g is connected"
else
	fail rings-mapped "vmap()ed areas: $before before $g, $during while connected"
fi
check_disk_token $g 120
wait_log $g 'GUEST-XENDEVS-END' 400 || note "the guest did not list its devices"
set_flag "$id" end
if wait_gone $g 120; then
	pass guest-poweroff
else
	fail guest-poweroff "$g still running 120s after it was told to finish"
	timeout 60 xl destroy $g
fi
got=$(disk_at "$GUEST_DISK" 1048576)
if [ "$got" = "GUEST-WROTE:$GUEST_TOKEN" ]; then
	pass disk-from-guest
else
	fail disk-from-guest "found '$got' at 1 MiB"
fi
back() { [ "$(nvmap)" -le "$before" ]; }
if wait_until 30 back; then
	pass rings-unmapped "vmap()ed areas back to $(nvmap)"
else
	fail rings-unmapped "vmap()ed areas: $before before $g, $(nvmap) after it left"
fi
relay $g vbd-state vif-state disk-read disk-write ping-dom0 test-xenstore
exit 0
