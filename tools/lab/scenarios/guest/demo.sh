# Guest half of the demo: how this guest booted, and its /sys/bus/xen/devices.
. /lab/lib.sh
sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }
for d in /sys/bus/xen/devices/*; do
	[ -e "$d" ] && wait_until 90 sys_connected "$d"
done
echo "GUEST-DEMO-BEGIN"
echo "kernel: $(dmesg | grep -o 'Booting kernel on Xen.*' | head -1)"
for d in /sys/bus/xen/devices/*; do
	[ -e "$d" ] || continue
	drv=none
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	printf '%-10s nodename=%-18s devtype=%-4s state=%-10s driver=%s\n' "${d##*/}" \
		"$(cat "$d/nodename")" "$(cat "$d/devtype")" "$(cat "$d/state")" "$drv"
done
echo "block devices: $(ls /sys/block | tr '\n' ' ')"
echo "network: $(ls /sys/class/net | tr '\n' ' ')"
echo "GUEST-DEMO-END"
wait_flag end 120
exit 0
