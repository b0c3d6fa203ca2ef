# Guest half of nobackend: init got here, so the boot wait let go.  The
# real disk and network must work; the dead devices stay as they were.
. /lab/lib.sh

echo "GUEST-NOBACKEND-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
# The boot wait's messages with their log levels, for dom0 to check.
dmesg -r | grep -E 'Waiting for devices|Device with no driver|Timeout connecting' |
	sed 's/^/GUEST-KMSG /'
echo "GUEST-KMSG-END"
sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }
sys=/sys/bus/xen/devices

for d in $sys/vbd-51712 $sys/vif-0; do
	n=${d##*/}
	if wait_until 60 sys_connected "$d"; then
		pass "${n%%-*}-state"
	else
		fail "${n%%-*}-state" "$d/state: $(cat "$d/state" 2>&1)"
	fi
done

# dead_dev NAME STATE: the dead device is bound to its driver and still
# where its backend left it.
dead_dev() {
	_d=$sys/$1
	_s=$(cat "$_d/state" 2>/dev/null)
	_drv=none
	[ -L "$_d/driver" ] && _drv=$(basename "$(readlink "$_d/driver")")
	if [ "$_s" = "$2" ] && [ "$_drv" != none ]; then
		pass "$1" "state $_s, driver $_drv"
	else
		fail "$1" "state '${_s:-no device}', driver $_drv; expected $2"
	fi
}
dead_dev console-1 Initialised
[ -d $sys/vbd-51728 ] && dead_dev vbd-51728 Initialising

if wait_until 30 test -b /dev/xvda; then
	tok=$(dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
	echo "GUEST-DISK-READ $tok"
	case "$tok" in
	LAB-DISK:*) pass disk-read ;;
	*) fail disk-read "sector 0 holds '$tok'" ;;
	esac
else
	fail disk-read "no /dev/xvda"
fi

guest_ping_dom0

wait_flag end 180 || fail dom0-done "dom0 never said it was done"
exit 0
