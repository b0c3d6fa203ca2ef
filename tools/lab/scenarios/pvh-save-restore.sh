# lab-timeout: 600
# pvh-save-restore: xl save and xl restore of a PVH guest; its devices
# reconnect on the restored side (HVM save records, XS_HVM resume).
LAB_GUEST_TYPE=pvh
. /lab/scenarios/save-restore.sh
