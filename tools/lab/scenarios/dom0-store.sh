# lab-timeout: 600
# dom0-store: Xen's test-xenstore in dom0, through the kernel's
# /dev/xen/xenbus instead of xenstored's unix socket.
#
# How we know the device was used (there is no strace in the image):
#  1. client-fd: a long-lived libxenstore client (xenstore-watch) started
#     with XENSTORED_PATH=/dev/xen/xenbus holds that device open, and no
#     socket; a watch it set fires through the device.
#  2. socket-hidden: while test-xenstore runs, xenstored's socket is renamed,
#     and a client pointed at the socket path fails: the socket was out of
#     reach, so test-xenstore's requests can only have gone through the
#     kernel.
#  3. irq-delta: every reply xenstored puts on dom0's ring raises the
#     kernel's "xenbus" interrupt (/proc/interrupts).  test-xenstore through
#     the device must raise it hundreds of times; the same run through the
#     socket (the control) must not.
. /lab/lib.sh
. /lab/dom0.sh

dev=/dev/xen/xenbus
sock=/run/xenstored/socket
iters=${LAB_STORE_ITERS:-50}

check device-node test -c $dev

# The kernel's xenbus interrupt count, summed over the CPUs.
xb_irqs() {
	awk '$NF == "xenbus" { s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
		print s; f = 1 }
	     END { if (!f) print "none" }' /proc/interrupts
}
# fds_of PID: where the process's file descriptors point.
fds_of() { for _f in /proc/"$1"/fd/*; do readlink "$_f"; done 2>/dev/null; }
has_dev_fd() { fds_of "$1" | grep -qx "$dev"; }

# 1. A client holds the device, not a socket; a watch fires through it.
probe=/local/domain/0/lab-store-probe
xenstore-write $probe 0
XENSTORED_PATH=$dev xenstore-watch -n 2 $probe > /run/lab/watch.out 2>&1 &
wpid=$!
if wait_until 20 has_dev_fd $wpid; then
	if fds_of $wpid | grep -q '^socket:'; then
		fail client-fd "xenstore-watch holds a socket too: $(fds_of $wpid | tr '\n' ' ')"
	else
		pass client-fd
	fi
else
	fail client-fd "xenstore-watch never held $dev: $(fds_of $wpid | tr '\n' ' ')"
fi
usleep 500000
xenstore-write $probe 1
if wait_until 30 sh -c "! kill -0 $wpid 2>/dev/null"; then
	if [ "$(grep -c "^$probe" /run/lab/watch.out)" -ge 2 ]; then
		pass watch-via-device
	else
		fail watch-via-device "watch output: $(tr '\n' ' ' < /run/lab/watch.out)"
	fi
else
	kill $wpid 2>/dev/null
	fail watch-via-device "no watch event within 30s: $(tr '\n' ' ' < /run/lab/watch.out)"
fi

# 2 and 3. test-xenstore with the socket out of reach.
if [ "$(xb_irqs)" = none ]; then
	fail irq-line "no 'xenbus' line in /proc/interrupts"
fi
mv $sock $sock.away
if XENSTORED_PATH=$sock timeout 20 xenstore-read /local/domain/0/name > /dev/null 2>&1; then
	fail socket-hidden "a client still reached xenstored through $sock"
else
	pass socket-hidden
fi
a=$(xb_irqs)
t0=$(date +%s)
XENSTORED_PATH=$dev timeout 300 test-xenstore -i "$iters" > /run/lab/txs-dev.out 2>&1
rc=$?
t1=$(date +%s)
b=$(xb_irqs)
mv $sock.away $sock
sed 's/^/  | /' /run/lab/txs-dev.out
if [ $rc = 0 ] && ! grep -q 'failed' /run/lab/txs-dev.out; then
	pass test-xenstore "$iters iterations in $((t1 - t0))s"
else
	fail test-xenstore "rc=$rc: $(grep -m3 -E 'failed|could not' /run/lab/txs-dev.out | tr '\n' ' ')"
fi

# The control: a shorter run through the socket (a fifth of the
# iterations; its count is scaled up).
citers=$(( (iters + 4) / 5 ))
c=$(xb_irqs)
XENSTORED_PATH=$sock timeout 300 test-xenstore -i "$citers" > /run/lab/txs-sock.out 2>&1
rc2=$?
d=$(xb_irqs)
if [ "$a" = none ]; then
	fail irq-delta "cannot count the xenbus interrupt"
else
	dd=$((b - a))
	ds=$(( (d - c) * iters / citers ))
	note "xenbus interrupts: $dd via the device, $ds via the socket (scaled; rc $rc2)"
	if [ $dd -ge $((iters * 4)) ] && [ $dd -gt $((ds * 10)) ]; then
		pass irq-delta "device $dd, socket $ds"
	else
		fail irq-delta "device $dd, socket $ds: the device run did not go through the ring"
	fi
fi
xenstore-rm $probe
exit 0
