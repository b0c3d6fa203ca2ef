# lab-timeout: 600
# pvh-disks16: a PVH guest with 16 disks; time to all Connected recorded
# (files/pvh-disks16-timing.txt) for stock and ours.
LAB_GUEST_TYPE=pvh
. /lab/scenarios/disks16.sh
