# Guest half of guest-basic.
. /lab/lib.sh

vbd=/sys/bus/xen/devices/vbd-51712
vif=/sys/bus/xen/devices/vif-0
sys_connected() { [ -f "$1/state" ] && state_is 4 "$(cat "$1/state")"; }

for d in $vbd $vif; do
	n=${d##*/}
	if wait_until 90 sys_connected $d; then
		pass "${n%%-*}-state"
	else
		fail "${n%%-*}-state" "$d/state: $(cat $d/state 2>&1)"
	fi
done

# The disk: read dom0's token from sector 0, write it back 1 MiB in.
if wait_until 30 test -b /dev/xvda; then
	tok=$(dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
	echo "GUEST-DISK-READ $tok"
	case "$tok" in
	LAB-DISK:*) pass disk-read ;;
	*) fail disk-read "sector 0 holds '$tok'" ;;
	esac
	if printf 'GUEST-WROTE:%s\n' "$tok" |
	   dd of=/dev/xvda bs=512 seek=2048 conv=sync,fsync 2>/dev/null; then
		pass disk-write
	else
		fail disk-write "dd to /dev/xvda failed"
	fi
else
	fail disk-read "no /dev/xvda"
fi

# The network: dom0 is 10.0.0.1 on the backend vif.
guest_ping_dom0

# The store, through /dev/xen/xenbus (the only way a guest has).
if wait_until 60 xenstore-read xenstore-test > /dev/null 2>&1; then
	t0=$(date +%s)
	timeout 300 test-xenstore -i "${LAB_GUEST_STORE_ITERS:-15}" > /tmp/txs.out 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -q failed /tmp/txs.out; then
		pass test-xenstore "$(( $(date +%s) - t0 ))s"
	else
		sed 's/^/  | /' /tmp/txs.out
		fail test-xenstore "rc=$rc"
	fi
else
	fail test-xenstore "dom0 never opened xenstore-test to this guest"
fi

echo "GUEST-XENDEVS-BEGIN"
n=0
for d in /sys/bus/xen/devices/*; do
	[ -d "$d" ] || continue
	n=$((n + 1))
	drv=none
	[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	echo "${d##*/}: nodename=$(cat "$d/nodename") devtype=$(cat "$d/devtype")" \
		"state=$(cat "$d/state") driver=$drv"
done
echo "GUEST-XENDEVS-END"
if [ -d $vbd ] && [ -d $vif ]; then
	pass xendevs "$n devices"
else
	fail xendevs "vbd-51712 or vif-0 missing from /sys/bus/xen/devices"
fi

wait_flag end 180 || fail dom0-done "dom0 never said it was done"
exit 0
