# Guest job "femod": this guest runs xcompile.sh's x86_64 kernel, whose
# frontend bus (xenbus_probe_frontend), blkfront and netfront are modules,
# loaded here as a distribution's initramfs loads them.
#  1. before any load there is no xen bus;
#  2. modprobe xen-blkfront brings the bus in (modules.dep), the vbd binds
#     and connects, and the disk reads; the state right after modprobe
#     returns is reported (GUEST-FEMOD-AT-RETURN), for dom0 to compare
#     with stock's boot-wait behaviour; netfront likewise, then a ping;
#  3. rmmod of a frontend whose device is bound ends (refused on stock);
#     with the devices unbound through sysfs both frontends unload; rmmod
#     of the bus ends (refused: it has no module exit, in 6.12 as here);
#  4. modprobe again: both devices bind again and the vif connects and
#     pings (the vbd's state is reported: blkback waits for the toolstack
#     once a frontend closed).
. /lab/lib.sh

vbd=/sys/bus/xen/devices/vbd-51712
vif=/sys/bus/xen/devices/vif-0
sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }
loaded() { grep -q "^$1 " /proc/modules; }
read_token() { dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1; }

if [ -d /sys/bus/xen ] || loaded xenbus_probe_frontend; then
	fail bus-absent "the frontend bus is there before any modprobe"
else
	pass bus-absent
fi

# load ROUND: load blkfront and netfront, check they connect and work.
load() {
	if modprobe xen-blkfront; then
		st=$(cat $vbd/state 2>/dev/null)
		echo "GUEST-FEMOD-AT-RETURN $1 vbd ${st:-none}"
		loaded xenbus_probe_frontend && pass "$1-bus-loaded" ||
			fail "$1-bus-loaded" "xenbus_probe_frontend not in /proc/modules"
	else
		fail "$1-modprobe-blkfront" "modprobe xen-blkfront failed"
	fi
	if wait_until 60 sys_connected $vbd && wait_until 30 test -b /dev/xvda; then
		tok=$(read_token)
		echo "GUEST-DISK-READ $tok"
		case "$tok" in
		LAB-DISK:*) pass "$1-vbd" ;;
		*) fail "$1-vbd" "sector 0 holds '$tok'" ;;
		esac
	else
		fail "$1-vbd" "$vbd: state '$(cat $vbd/state 2>&1)', /dev/xvda $(test -b /dev/xvda && echo there || echo missing)"
	fi
	if modprobe xen-netfront; then
		st=$(cat $vif/state 2>/dev/null)
		echo "GUEST-FEMOD-AT-RETURN $1 vif ${st:-none}"
	else
		fail "$1-modprobe-netfront" "modprobe xen-netfront failed"
	fi
	if wait_until 60 sys_connected $vif && wait_until 30 test -d /sys/class/net/eth0; then
		ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0 2>/dev/null
		if wait_until 30 ping -c 1 -W 2 10.0.0.1 > /dev/null; then
			pass "$1-vif"
		else
			fail "$1-vif" "10.0.0.1 does not answer"
		fi
	else
		fail "$1-vif" "$vif: state '$(cat $vif/state 2>&1)'"
	fi
}

load first
echo "GUEST-FEMOD-LOADED"
# dom0 looks at both ends first.
wait_flag unload 120 || fail unload "dom0 never said to unload"

# rmmod of a frontend while its device is bound must end, unloading or
# refused (stock refuses: a bound device keeps its driver's module in use).
for m in xen-netfront xen-blkfront; do
	timeout 60 rmmod "$m" > /tmp/rmmod.out 2>&1
	case $? in
	0) pass "rmmod-bound-$m" "unloaded" ;;
	124 | 137) fail "rmmod-bound-$m" "rmmod still running after 60s" ;;
	*) pass "rmmod-bound-$m" "refused: $(tr '\n' ' ' < /tmp/rmmod.out)" ;;
	esac
done
# Unload as an administrator would: unbind the devices, then unload the
# frontends.
for d in $vbd:vbd $vif:vif; do
	[ -e "${d%:*}/driver" ] && echo "${d%:*}" | sed 's#.*/##' > "/sys/bus/xen/drivers/${d#*:}/unbind"
done
for m in xen_netfront xen_blkfront; do
	loaded $m && rmmod $m
done
if loaded xen_netfront || loaded xen_blkfront; then
	fail unload-frontends "still loaded: $(grep -E '^xen_(blk|net)front ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"
elif [ -e $vbd/driver ] || [ -e $vif/driver ]; then
	fail unload-frontends "a device still has a driver"
else
	pass unload-frontends
fi
# The bus itself has no module exit in 6.12: rmmod must be refused
# cleanly (EBUSY), and the bus stays usable; should it unload, it must
# take /sys/bus/xen with it.
timeout 60 rmmod xenbus_probe_frontend > /tmp/rmmod.out 2>&1
case $? in
0) if [ -d /sys/bus/xen ]; then
	fail rmmod-bus "unloaded, but /sys/bus/xen stayed"
   else
	pass rmmod-bus "unloaded"
   fi ;;
124 | 137) fail rmmod-bus "rmmod still running after 60s" ;;
*) pass rmmod-bus "refused: $(tr '\n' ' ' < /tmp/rmmod.out)" ;;
esac
echo "GUEST-FEMOD-UNLOADED"
wait_flag reload 120 || fail reload "dom0 never said to reload"

# Load again: both devices bind again.  The vif reconnects (netback goes
# back to InitWait when a frontend starts over); a vbd whose frontend
# closed stays Closed, on stock as here, as blkback waits for the
# toolstack: its state is only reported.
if modprobe xen-blkfront && modprobe xen-netfront; then
	pass again-modprobe
else
	fail again-modprobe "modprobe failed"
fi
if wait_until 30 test -e $vbd/driver && wait_until 30 test -e $vif/driver; then
	pass again-bound
else
	fail again-bound "vbd driver $(test -e $vbd/driver && echo bound || echo unbound), vif $(test -e $vif/driver && echo bound || echo unbound)"
fi
echo "GUEST-FEMOD-AGAIN vbd $(cat $vbd/state 2>/dev/null)"
if wait_until 60 sys_connected $vif && wait_until 30 test -d /sys/class/net/eth0; then
	ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0 2>/dev/null
	if wait_until 30 ping -c 1 -W 2 10.0.0.1 > /dev/null; then
		pass again-vif
	else
		fail again-vif "10.0.0.1 does not answer"
	fi
else
	fail again-vif "$vif: state '$(cat $vif/state 2>&1)'"
fi
echo "GUEST-FEMOD-DONE"
wait_flag end 300
exit 0
