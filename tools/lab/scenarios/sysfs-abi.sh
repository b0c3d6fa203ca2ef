# lab-timeout: 400
# sysfs-abi: record what user space sees of the bus in sysfs, in a guest
# (frontends) and in dom0 (backends), between ABI-BEGIN and ABI-END.
# boot.sh saves the block as abi.txt; run-suite.sh compares stock and ours.
# Unstable parts are normalised: the guest's domid becomes <domid>, event
# counters become <n>, loop device numbers become <dev>.
. /lab/lib.sh
. /lab/dom0.sh

g=sysfs-abi
guest_create $g abi disk vif || exit 0
id=$GUEST_ID
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120

if wait_log $g 'GUEST-ABI-END' 180; then
	pass guest-record
else
	fail guest-record "the guest printed no ABI record"
fi

norm() {
	sed -e "s#/$id/#/<domid>/#g" -e "s#/$id\$#/<domid>#" \
	    -e "s#-$id-#-<domid>-#g" -e "s#-$id\$#-<domid>#" \
	    -e "s#\(_ID=\)$id\$#\1<domid>#" \
	    -e "s#=vif$id\.#=vif<domid>.#" \
	    -e "s#physical_device=[0-9a-f:]*#physical_device=<dev>#"
}

dom0_record() {
	echo "# dom0: /sys/bus/xen-backend"
	ls /sys/bus/xen-backend | sed 's/^/dom0 bus: /'
	for drv in /sys/bus/xen-backend/drivers/*; do
		ls "$drv" | grep -v -e '^vbd-' -e '^vif-' | sed "s#^#dom0 driver ${drv##*/}: #"
	done
	for d in /sys/bus/xen-backend/devices/*; do
		[ -d "$d" ] || continue
		dump_xendev "$d" "dom0 ${d##*/}"
	done
}

{
	echo "ABI-BEGIN"
	guest_text $g | sed -n '/GUEST-ABI-BEGIN/,/GUEST-ABI-END/p' |
		grep -v -e GUEST-ABI-BEGIN -e GUEST-ABI-END
	dom0_record
	echo "ABI-END"
} | norm > /run/lab/abi.txt
if [ "$(grep -c '^dom0 vbd-<domid>-51712 ' /run/lab/abi.txt)" -gt 0 ] &&
   [ "$(grep -c '^guest vbd-51712 ' /run/lab/abi.txt)" -gt 0 ]; then
	pass record
else
	fail record "the record lacks the vbd on one end"
fi
cat /run/lab/abi.txt

set_flag "$id" end
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g
exit 0
