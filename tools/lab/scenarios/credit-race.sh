# lab-timeout: 420
# credit-race: netback's rate watch ("credit watch", backend/vif/D/0/rate)
# against its connect().  connect() registers the credit watch before it
# maps the rings; when the mapping fails its error path sets num_queues to
# 0 and frees the queues, while the watch callback walks them.  On Linux
# both run on the one xenwatch thread, so they never overlap; a xenbus that
# runs watches concurrently must keep them apart.
#
# The guest (job creditrace) unbinds netfront from vif-0 and binds it
# again, $rounds times; every even round it first plays a broken frontend
# by hand (ring references 99999/99998 that were never granted, then
# Connected), so netback's connect() fails and takes its error path.
# Meanwhile dom0 rewrites the backend's "rate" in a tight loop (xs-flood
# rate: one write after another through /dev/xen/xenbus).
#
# Checks: every round done (the guest's "rounds"), every bogus round made
# netback report its mapping error in error/... (bogus-connect-errors), the
# backend device was there through the rounds and is Connected at the end,
# the interface works (ping both ways), and after the guest is gone nothing
# is left (store, backend device, the rate writer).  The error and the
# kernel's log lines of the first bogus round are printed as notes.
. /lab/lib.sh
. /lab/dom0.sh

g="credit-race"
rounds=${LAB_CREDIT_ROUNDS:-12}
flood=/lab/bin/xs-flood
count=/run/lab/credit-writes
if [ -f $flood.build-failed ] || [ ! -x $flood ]; then
	fail build "progs/xs-flood.c did not compile: $(grep -m1 error $flood.build-failed 2>/dev/null)"
	exit 0
fi
guest_create $g creditrace vif || exit 0
id=$GUEST_ID
be=$(be_path "$id" vif 0)
fe=$(fe_path "$id" vif 0)
bedev=/sys/bus/xen-backend/devices/vif-$id-0

check_connected "$id" vif 0 120
set_flag "$id" rounds "$rounds"
if ! wait_log $g 'GUEST-CREDIT-READY' 120; then
	fail guest-ready "the guest did not start its rounds"
	exit 0
fi

# The rate writer (progs/xs-flood): one rewrite after another, with
# changing values ("bytes,usec"), until SIGTERM; it prints its count.
# The 5 ms pause after each write keeps it at about a hundred writes a
# second under TCG: flat out (several hundred) it slows the rounds more
# than twofold and adds little to the race.
$flood rate "$be/rate" 240 5000 > $count 2>&1 &
rpid=$!

# Where xenbus_dev_fatal() puts the backend's error: dom0's error/ tree
# mirrors the device's (relative) path.
err_at=/local/domain/0/error/backend/vif/$id/0/error
err_read() { xenstore-read $err_at 2>/dev/null; }
err_has() { err_read | grep -q "$1"; }

t0=$(date +%s)
i=1 done=0 errs=0 lost=""
while [ $i -le "$rounds" ]; do
	lines=$(dmesg | wc -l)
	if [ $((i % 2)) = 0 ]; then
		port=$((100 + i))
		if ! wait_log $g "GUEST-CREDIT-BOGUS $i " 90; then
			fail round-$i "the guest did not finish the bogus connect"
			break
		fi
		# netback's message names the round's port.
		if wait_until 15 err_has "port tx $port"; then
			errs=$((errs + 1))
		fi
		note "bogus round $i: $(guest_text $g | grep "GUEST-CREDIT-BOGUS $i " |
			sed 's/.*GUEST-CREDIT-BOGUS [0-9]* //'), error: '$(err_read)'"
		[ -d "$bedev" ] || lost="$lost $i"
		if [ $i = 2 ]; then
			# Stock's exact lines for a failed ring mapping, for the
			# record: everything the kernel logged in this round.
			note "dom0 kernel lines of bogus round $i:"
			dmesg | tail -n +$((lines + 1)) | grep -v 'lab-note' |
				head -20 | sed 's/^/lab-note:   | /'
		fi
		set_flag "$id" "bogus-$i"
	fi
	if ! wait_log $g "GUEST-CREDIT-ROUND $i " 90; then
		fail round-$i "the guest did not finish round $i"
		break
	fi
	[ -d "$bedev" ] || lost="$lost $i"
	done=$i
	i=$((i + 1))
done
secs=$(( $(date +%s) - t0 ))
kill -TERM $rpid 2>/dev/null
wait $rpid
writes=$(sed -n 's/^xs-flood: \([0-9]*\) rate writes$/\1/p' $count)
[ -n "$writes" ] || note "the rate writer: $(tr '\n' ' ' < $count)"
if [ "$done" = "$rounds" ]; then
	pass rounds-done "$rounds rounds ($((rounds / 2)) bogus) in ${secs}s, ${writes:-?} rate writes"
else
	fail rounds-done "$done of $rounds rounds (${writes:-?} rate writes)"
fi
nbogus=$((done / 2))
if [ $errs = $nbogus ] && [ $nbogus -gt 0 ]; then
	pass bogus-connect-errors "$errs bogus connects, each reported in ${err_at#/local/domain/0/}"
else
	fail bogus-connect-errors "$errs of $nbogus bogus connects reported an error" \
		"naming their port (last: '$(err_read)')"
fi
if [ -z "$lost" ]; then
	pass backend-device-kept
else
	fail backend-device-kept "$bedev was missing after rounds$lost"
fi

# The end state: the device is there and Connected at both ends, and the
# interface carries packets.
if [ -d "$bedev" ] && state_is 4 "$(cat "$bedev/state" 2>/dev/null)" &&
   xs_connected "$be"; then
	pass backend-connected
else
	fail backend-connected "device: $(cat "$bedev/state" 2>&1), store: '$(xs_state "$be")'"
fi
if xs_connected "$fe"; then
	pass frontend-connected
else
	fail frontend-connected "$fe/state is '$(xs_state "$fe")'"
fi
if wait_log $g 'GUEST-NET-UP' 90 && wait_until 30 ping -c 1 -W 2 10.0.0.2 > /dev/null; then
	pass ping-guest
else
	fail ping-guest "10.0.0.2 does not answer after the rounds"
fi

set_flag "$id" end
wait_gone $g 120 || fail guest-poweroff "$g did not power off"

# Nothing may be left: the rate writer is gone (it would re-create the
# backend directory), and so are the store nodes and the backend device.
sleep 2
left=""
kill -0 $rpid 2>/dev/null && left="$left rate-writer"
xenstore-exists "/local/domain/0/backend/vif/$id" 2>/dev/null &&
	left="$left backend/vif/$id"
[ -e "$bedev" ] && left="$left $bedev"
ip link show "vif$id.0" > /dev/null 2>&1 && left="$left vif$id.0"
if [ -z "$left" ]; then
	pass no-leftover
else
	fail no-leftover "still there:$left"
fi
# The error node is the toolstack's to clear (libxl does not): not a
# check, but it must not leak into the next scenario.
if xenstore-exists "/local/domain/0/error/backend/vif/$id" 2>/dev/null; then
	note "error/backend/vif/$id outlived the domain; removed"
	xenstore-rm "/local/domain/0/error/backend/vif/$id"
fi
rm -f $count
relay $g rounds ping-dom0
exit 0
