#!/bin/bash
# Show what our xenbus finds: boot Xen, dom0, a PV guest with a disk and a
# network interface and a PVH guest with a disk, and print each guest's
# /sys/bus/xen/devices and the devices' store entries at both ends.
#
#   demo.sh            build and boot ours (the grafted xenbus)
#   demo.sh --stock    the same with Linux's own xenbus, for comparison
#   demo.sh KERNEL     an existing bzImage
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
--stock) kernel=$("$LAB_DIR/build.sh" --stock | tail -1) ;;
"") kernel=$("$LAB_DIR/build.sh" | tail -1) ;;
-*) echo "usage: $0 [--stock|KERNEL]" >&2; exit 2 ;;
*) kernel=$1 ;;
esac
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
LAB_TIMEOUT=${LAB_TIMEOUT:-600} "$LAB_DIR/boot.sh" "$kernel" demo > "$out" 2>&1 || rc=$?
log=$(sed -n 's/^lab: boot\[[a-z]*\]: log: //p' "$out" | tail -1)
grep '^lab:' "$out" | grep -v ': log: ' | head -20
echo
if [ -n "$log" ] && grep -q '^DEMO-BEGIN' "$log"; then
	tr -d '\r' < "$log" | sed -n '/^DEMO-BEGIN/,/^DEMO-END/p' | grep -v '^DEMO-'
else
	echo "lab: demo: the demo did not get as far as the guest (see the log)"
fi
echo
grep -E '^FAIL' "$out" || echo "lab: demo: all checks passed"
echo "lab: demo: log: $log"
exit $rc
