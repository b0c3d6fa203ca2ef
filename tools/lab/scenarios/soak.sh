# lab-timeout: 300
# soak: clients that keep dom0's rings full, to catch a lost wake-up
# between the kernel and xenstored, in either direction.
#
# Eight xs-bench clients through /dev/xen/xenbus, 8 s per workload.  Four
# (-r -s 3900) read a 3900-byte node, one request at a time and then 32
# in flight: every reply is almost four rings long, so xenstored fills
# the response ring, waits for room, and goes on only when the kernel
# tells it that it consumed.  Four (-W -s 3900) write 3900-byte values,
# 32 in flight: every request is almost four rings long, so the kernel
# writes it in pieces as xenstored reads, and xenstored must see every
# piece.  The kernel tells xenstored only when it may be waiting (see
# xb_comms_tell_peer()), so a wrong test there stalls a client for good:
# xs-bench's watchdog (90 s) or this scenario's timeout ends it, and
#   clients        every client ended with "xs-bench: ok" (the writers
#                  read every node back)
#   store-works    a write and a read through the kernel after them
# fail.  On stock (the control) a writer may instead end on a write that
# xenstored refused, or on a node that reads back one byte longer than
# written, or was never written: Linux 6.12 sends some pipelined writes
# with a later request's body (and so to the later request's path).
# Nothing stalled there; it is counted as
#   pipelined-writes-corrupted-as-expected-on-linux
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-bench || exit 0
n=8
i=0
while [ $i -lt $n ]; do
	mode=-r
	[ $((i % 2)) = 1 ] && mode=-W
	timeout 200 xs-bench $mode -s 3900 -t 8 \
		-b /local/domain/0/soak-$i > /run/lab/soak-$i.out 2>&1 &
	i=$((i + 1))
done
wait
bad=""
corrupt=""
reads=0
writes=0
i=0
while [ $i -lt $n ]; do
	if grep -q '^xs-bench: ok' /run/lab/soak-$i.out; then
		r=$(sed -n 's/^info [a-z0-9-]*: \([0-9]*\) reads in .*/\1/p' /run/lab/soak-$i.out |
			awk '{ s += $1 } END { print s + 0 }')
		reads=$((reads + r))
		w=$(sed -n 's/^info [a-z0-9-]*: \([0-9]*\) writes of .*/\1/p' /run/lab/soak-$i.out |
			awk '{ s += $1 } END { print s + 0 }')
		writes=$((writes + w))
	elif on_stock && grep -Eq '^ERROR write-pipe[0-9]*: (read|write: xenstored answered)' \
			/run/lab/soak-$i.out; then
		# Linux 6.12's /dev/xen/xenbus sends some pipelined writes with
		# a later request's body (xs-bench.c, bench_write_pipe()):
		# nothing stalled, but xenstored refused a garbled write, or a
		# node holds the wrong value or was never written (ENOENT).
		corrupt="$corrupt $i"
	else
		bad="$bad $i: $(grep -m1 '^ERROR' /run/lab/soak-$i.out || tail -1 /run/lab/soak-$i.out)"
	fi
	xenstore-rm /local/domain/0/soak-$i 2>/dev/null
	i=$((i + 1))
done
if [ -n "$corrupt" ]; then
	note "clients$corrupt had a write refused or read back a node" \
		"that differs from what they wrote (Linux's /dev/xen/xenbus)"
	pass pipelined-writes-corrupted-as-expected-on-linux "clients$corrupt"
fi
if [ -z "$bad" ]; then
	pass clients "$n clients, $reads reads and $writes writes of 3900 bytes"
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
