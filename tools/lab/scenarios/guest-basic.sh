# lab-timeout: 600
# guest-basic: a PV guest with a disk and a network interface.  Both reach
# Connected at both ends, data crosses the disk both ways, the two domains
# ping each other, and test-xenstore runs inside the guest.
. /lab/lib.sh
. /lab/dom0.sh

# The guest is named after the scenario: pvh-basic runs this script too.
g=${LAB_SCENARIO:-guest-basic}
guest_create $g basic disk vif || exit 0
id=$GUEST_ID

check_guest_type $g
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120

check_disk_token $g 120

if wait_log $g 'GUEST-NET-UP' 120; then
	if wait_until 30 ping -c 1 -W 2 10.0.0.2 > /dev/null; then
		pass ping-guest
	else
		fail ping-guest "10.0.0.2 does not answer"
	fi
else
	fail ping-guest "the guest never brought its network up"
fi

# The guest runs test-xenstore and lists its devices, then waits for us.
wait_log $g 'GUEST-XENDEVS-END' 400 || note "the guest did not list its devices"
set_flag "$id" end
if wait_gone $g 120; then
	pass guest-poweroff
else
	fail guest-poweroff "$g still running 120s after it was told to finish"
	timeout 60 xl destroy $g
fi
# The guest wrote "GUEST-WROTE:<token>" 1 MiB into its disk before it left.
got=$(disk_at "$GUEST_DISK" 1048576)
if [ "$got" = "GUEST-WROTE:$GUEST_TOKEN" ]; then
	pass disk-from-guest
else
	fail disk-from-guest "found '$got' at 1 MiB"
fi
echo "lab-note: the guest's xenbus devices:"
guest_text $g | sed -n '/GUEST-XENDEVS-BEGIN/,/GUEST-XENDEVS-END/p' | sed 's/^/  | /'
relay $g vbd-state vif-state disk-read disk-write ping-dom0 test-xenstore xendevs
exit 0
