# lab-timeout: 600
# pvh-driverdom: a PVH guest is the driver domain of another guest's disk.
# blkback runs in an auto-translated domain, so that domain's xenbus maps
# the frontend's ring the auto-translated way (xenbus_map_ring_valloc()
# onto unpopulated pages, then vmap), on real Xen; a PV dom0 never takes
# that path.  The driver domain (job driverdom) serves a loop device of its
# own and plays xl devd's part for it; the frontend (a PV guest, job
# ddfront) reads the token the driver domain put on the disk and writes
# one back, which the driver domain then finds in its image.
. /lab/lib.sh
. /lab/dom0.sh

be=$LAB_SCENARIO
fe=$LAB_SCENARIO-fe
LAB_GUEST_TYPE=pvh
guest_create $be driverdom modules mem=256 || exit 0
beid=$GUEST_ID
check_guest_type $be
tok=LAB-DISK:$(cat /proc/sys/kernel/random/uuid)
set_flag "$beid" token "$tok"
if ! wait_log $be 'GUEST-DD-READY' 120; then
	fail dd-ready "the driver domain did not start serving"
	relay $be dd-blkback
	exit 0
fi
pass dd-ready
loop=$(guest_text $be | sed -n 's/.*GUEST-DD-READY loop=//p' | head -1)

LAB_GUEST_TYPE=pv
guest_create $fe ddfront "disk=phy:$loop,xvda,w,backend=$be" || exit 0
feid=$GUEST_ID
set_flag "$feid" token "$tok"
# The frontend in the guest, the backend in the driver domain's store area.
fs="/local/domain/$feid/device/vbd/51712"
bs="/local/domain/$beid/backend/vbd/$feid/51712"
if wait_until 120 xs_connected "$fs" && wait_until 60 xs_connected "$bs"; then
	pass vbd-connected "frontend $fs and backend $bs are Connected"
else
	fail vbd-connected "frontend state '$(xs_state "$fs")', backend state '$(xs_state "$bs")'"
fi
wait_log $fe 'GUEST-DDFRONT-DONE' 120 || fail fe-done "the frontend did not finish"
set_flag "$feid" end
wait_gone $fe 120 || { fail fe-poweroff "$fe did not power off"; timeout 60 xl destroy $fe; }
set_flag "$beid" end
wait_gone $be 120 || { fail dd-poweroff "$be did not power off"; timeout 60 xl destroy $be; }
relay $be dd-blkback dd-served dd-data-from-frontend
relay $fe fe-disk-read fe-disk-write
exit 0
