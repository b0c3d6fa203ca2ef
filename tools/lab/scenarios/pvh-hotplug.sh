# lab-timeout: 900
# pvh-hotplug: hotplug's attach/detach cycles with a PVH guest, 8 of them.
LAB_GUEST_TYPE=pvh
LAB_HOTPLUG_ROUNDS=8
. /lab/scenarios/hotplug.sh
