# lab-timeout: 600
# pvh-basic: guest-basic with a PVH guest, an HVM container: its xenbus
# finds the store through HVM params (XS_HVM) and its frontends connect to
# dom0's PV backends.  Needs QEMU's SVM with nested paging (boot.sh).
LAB_GUEST_TYPE=pvh
. /lab/scenarios/guest-basic.sh
