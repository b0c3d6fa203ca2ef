# lab-timeout: 300
# pvh-shutdown: xl shutdown of a PVH guest through control/shutdown.
LAB_GUEST_TYPE=pvh
. /lab/scenarios/shutdown.sh
