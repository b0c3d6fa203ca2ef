# Guest half of credit-race: unbind netfront from vif-0 and bind it again,
# round after round.  Every even round plays a broken frontend by hand
# between the two: ring references that were never granted, so netback's
# connect() fails while it maps the rings and takes its error path.
. /lab/lib.sh

fe=device/vif/0
drv=/sys/bus/xen/drivers/vif
dev=/sys/bus/xen/devices/vif-0
be=$(xenstore-read $fe/backend 2>/dev/null)

sys_connected() { [ -f $dev/state ] && state_is 4 "$(cat $dev/state)"; }
be_state() { xenstore-read "$be/state" 2>/dev/null; }
be_is() { [ "$(be_state)" = "$1" ]; }
be_left() { [ "$(be_state)" != "$1" ]; }
# sysfs_write FILE: echo vif-0 into a driver's bind/unbind file, bounded:
# netfront's probe and remove wait for the backend.
sysfs_write() { timeout 60 sh -c "echo vif-0 > $1"; }

if ! wait_until 90 sys_connected; then
	fail vif-state "$dev/state: $(cat $dev/state 2>&1)"
	exit 0
fi
wait_flag rounds 60 || fail rounds "dom0 never said how many rounds"
rounds=$(xenstore-read data/lab-rounds 2>/dev/null || echo 0)
echo "GUEST-CREDIT-READY backend=$be"

i=1 done=0
while [ $i -le "$rounds" ]; do
	# Unbinding closes the frontend (Closing, then Closed); netfront's
	# remove waits until the backend followed it to Closed.
	if ! sysfs_write $drv/unbind || ! wait_until 30 be_is 6; then
		fail round-$i "unbind: the backend is in state '$(be_state)', not 6"
		break
	fi
	kind=good
	if [ $((i % 2)) = 0 ]; then
		kind=bogus
		# A port of its own per round, so dom0 can tell the rounds'
		# error messages apart.
		port=$((100 + i))
		# Initialising: netback goes back to InitWait, ready to connect.
		xenstore-write $fe/state 1
		if ! wait_until 30 be_is 2; then
			fail round-$i "the backend did not go to InitWait (state '$(be_state)')"
			break
		fi
		# netfront's keys from the last connection would be used
		# first (split event channels, queues): only ours may be there.
		for k in event-channel-tx event-channel-rx multi-queue-num-queues \
			 queue-0 queue-1 ctrl-ring-ref event-channel-ctrl; do
			xenstore-rm $fe/$k 2>/dev/null
		done
		xenstore-write $fe/tx-ring-ref 99999 $fe/rx-ring-ref 99998 \
			$fe/event-channel $port $fe/request-rx-copy 1
		xenstore-write $fe/state 4
		# netback answers Connected with connect(), which fails.
		wait_until 30 be_left 2
		echo "GUEST-CREDIT-BOGUS $i port=$port backend-state=$(be_state)"
		wait_flag bogus-$i 60 || note "dom0 did not acknowledge bogus round $i"
		# Closed: netback disconnects and follows to Closed; netfront's
		# probe then says Initialising, and netback prepares again.
		xenstore-write $fe/state 6
		if ! wait_until 30 be_is 6; then
			fail round-$i "the backend did not close after the bogus connect" \
				"(state '$(be_state)')"
			break
		fi
	fi
	if ! sysfs_write $drv/bind || ! wait_until 60 sys_connected ||
	   ! wait_until 30 be_is 4; then
		fail round-$i "bind ($kind round): frontend '$(cat $dev/state 2>&1)'," \
			"backend '$(be_state)'"
		break
	fi
	echo "GUEST-CREDIT-ROUND $i $kind"
	done=$i
	i=$((i + 1))
done
echo "GUEST-CREDIT-DONE $done"
if [ "$done" = "$rounds" ] && [ "$rounds" -gt 0 ]; then
	pass rounds "$done"
else
	fail rounds "$done of $rounds rounds"
fi

# After all that, the interface must carry packets.
guest_ping_dom0
wait_flag end 120 || fail dom0-done "dom0 never said it was done"
exit 0
