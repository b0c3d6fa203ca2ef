# lab-timeout: 300
# soak: clients that keep dom0's response ring full, to catch a lost
# wake-up between the kernel and xenstored.
#
# Eight xs-bench clients (-r -s 3900) read a 3900-byte node through
# /dev/xen/xenbus, one request at a time and then 32 in flight, for 8 s
# each.  Every reply is almost four rings long: xenstored fills the
# response ring, waits for room, and goes on only when the kernel tells it
# that it consumed.  The kernel tells it only when it may be waiting (see
# xb_comms_tell_peer()), so a wrong test there stalls a client for good:
# xs-bench's watchdog (90 s) or this scenario's timeout ends it, and
#   clients        every client ended with "xs-bench: ok"
#   store-works    a write and a read through the kernel after them
# fail.  Passes on stock (the control).
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-bench || exit 0
n=8
i=0
while [ $i -lt $n ]; do
	timeout 200 xs-bench -r -s 3900 -t 8 \
		-b /local/domain/0/soak-$i > /run/lab/soak-$i.out 2>&1 &
	i=$((i + 1))
done
wait
bad=""
reads=0
i=0
while [ $i -lt $n ]; do
	if grep -q '^xs-bench: ok' /run/lab/soak-$i.out; then
		r=$(sed -n 's/^info [a-z0-9-]*: \([0-9]*\) reads in .*/\1/p' /run/lab/soak-$i.out |
			awk '{ s += $1 } END { print s + 0 }')
		reads=$((reads + r))
	else
		bad="$bad $i: $(grep -m1 '^ERROR' /run/lab/soak-$i.out || tail -1 /run/lab/soak-$i.out)"
	fi
	xenstore-rm /local/domain/0/soak-$i 2>/dev/null
	i=$((i + 1))
done
if [ -z "$bad" ]; then
	pass clients "$n clients, $reads reads of 3900 bytes"
else
	fail clients "stalled or failed:$bad"
fi
h=/local/domain/0/soak-probe
if XENSTORED_PATH=/dev/xen/xenbus timeout 15 xenstore-write $h ok &&
   [ "$(XENSTORED_PATH=/dev/xen/xenbus timeout 15 xenstore-read $h)" = ok ]; then
	pass store-works
else
	fail store-works "a write and a read through the kernel failed after the clients"
fi
xenstore-rm $h 2>/dev/null
exit 0
