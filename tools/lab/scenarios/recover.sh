# lab-timeout: 600
# recover: a corrupt store ring in dom0, and the ring reset that brings the
# store back, served by a real xenstored.
#
# Xen 4.17's C xenstored offers no ring reset; its OCaml xenstored does.  So
# the toolstack is started again on oxenstored (toolstack_up oxenstored),
# whose store starts empty: dom0's kernel watches were registered with the
# C xenstored and are gone.  Then, with the ring idle, "xs-hostile corrupt"
# appends a reply header announcing 5000 bytes, and the first of them, to
# dom0's response ring; the kernel meets it with the next reply.  Clients
# use the kernel's path (XENSTORED_PATH=/dev/xen/xenbus) except where a
# step says otherwise.
#
#   oxenstored-up, oxenstored-offers-reconnection (server_features bit 0)
#   kernel-path          a write and a read through /dev/xen/xenbus
# Beyond Linux (stock has no ring reset), twice:
#   reset-<n>/client-error    the request in flight gets an error, not a
#                             hang
#   reset-<n>/store-restored  a write and a read work again
#   reset-<n>/server-reset    oxenstored logged the reconnection
# After reset 1, which also registered dom0's watches with oxenstored for
# the first time (its store never had them):
#   guest1-vbd-*, guest1-vif-*  a new guest's disk and network connect (the
#                               backend bus's watches work)
# Reset 2 comes with that guest running and a watch open in dom0's user
# space:
#   watch-survives       the watch fires for a write made after the reset
#   backend-removed      xl destroy: dom0's backend sees the devices go
#   guest2-vbd-*, guest2-vif-*  a second guest connects
#   logged               the kernel logged the failures and the resets
#   oxenstored-alive     the same oxenstored process at the end
# On stock the first corruption ends it, reported as
#   corrupt/store-lost-as-expected-on-linux
# with what the clients got.  Last in the boot on both kernels: dom0's
# store is left on oxenstored (and on stock, broken).
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-hostile || exit 0
toolstack_down || { fail setup "xenstored did not exit"; exit 0; }
mkdir -p /run/xen
if ! toolstack_up oxenstored; then
	fail oxenstored-up "$(tail -5 /var/log/xen/oxenstored.log 2>/dev/null | tr '\n' '|')"
	exit 0
fi
oxpid=$(pidof oxenstored)
pass oxenstored-up "pid $oxpid"
f=$(xs-hostile features 2>&1)
case "$f" in
"server_features 0x1") pass oxenstored-offers-reconnection "$f" ;;
*) fail oxenstored-offers-reconnection "xs-hostile features: $f" ;;
esac

h=/local/domain/0/lab-recover
# kx CMD...: a xenstore client through dom0's kernel, bounded (kx_secs).
kx_secs=15
kx() { XENSTORED_PATH=/dev/xen/xenbus timeout $kx_secs "$@" 2>&1; }
kstore_works() {
	kx xenstore-write $h/probe "$1" > /dev/null &&
		[ "$(kx xenstore-read $h/probe)" = "$1" ]
}
check kernel-path kstore_works first
reconnects() { grep -c "requests a reconnect" /var/log/xen/oxenstored.log; }

# corrupt N: the oversized header, then a read through the kernel that
# meets it; sets got and rc to what the client got.
corrupt() {
	_c=$(xs-hostile corrupt 2>&1) || { fail "reset-$1/corrupt" "$_c"; return 1; }
	note "$_c"
	got=$(kx xenstore-read $h/probe)
	rc=$?
	got=$(echo "$got" | tr '\n' ' ')
	return 0
}

if on_stock; then
	# Its clients hang: no need to wait long for that.
	kx_secs=5
	corrupt 1 || exit 0
	after=$(kx xenstore-read $h/probe)
	rc2=$?
	if [ $rc2 = 0 ]; then
		fail corrupt/store-lost-as-expected-on-linux \
			"stock's store still works after the corrupt reply (the client got '$got', rc $rc; then read '$after')"
	else
		pass corrupt/store-lost-as-expected-on-linux \
			"the client got '$got', the next read rc $rc2 ('$after'); 124 and up: its timeout; oxenstored saw $(reconnects) reconnection requests"
	fi
	dmesg | grep -i xenbus | tail -3 | sed 's/^/  | /'
	exit 0
fi

# reset N: corrupt the ring, then check the client, the store and the
# server.
reset() {
	_n0=$(reconnects)
	t0=$(date +%s)
	corrupt "$1" || return 1
	if [ $rc = 0 ] || [ $rc -ge 124 ]; then
		fail "reset-$1/client-error" "rc $rc after $(( $(date +%s) - t0 ))s: '$got'"
	else
		pass "reset-$1/client-error" "$got"
	fi
	if wait_until 30 kstore_works "r$1"; then
		pass "reset-$1/store-restored" "after $(( $(date +%s) - t0 ))s"
	else
		fail "reset-$1/store-restored" "the store does not work 30 s later: $(kx xenstore-read $h/probe)"
	fi
	if [ "$(reconnects)" -gt "$_n0" ]; then
		pass "reset-$1/server-reset"
	else
		fail "reset-$1/server-reset" "oxenstored logged no reconnection"
	fi
}

reset 1
guest_create recover-1 idle disk vif || exit 0
id1=$GUEST_ID
check_connected "$id1" vbd 51712 90 guest1-
check_connected "$id1" vif 0 90 guest1-

XENSTORED_PATH=/dev/xen/xenbus timeout 300 xenstore-watch $h/w \
	> /run/lab/recover-watch.out 2>&1 &
wpid=$!
wait_until 10 grep -q "$h/w" /run/lab/recover-watch.out ||
	fail watch-setup "no initial watch event"
reset 2
# The write goes through oxenstored's socket: the event must come from
# the server, not from the kernel.
check_watch_fires watch-survives /run/lab/recover-watch.out $h/w
kill $wpid 2>/dev/null

timeout 60 xl destroy "$id1" > /dev/null 2>&1 || fail destroy "xl destroy $id1 failed"
if wait_until 30 sh -c "! ls -d /sys/bus/xen-backend/devices/vbd-$id1-* /sys/bus/xen-backend/devices/vif-$id1-* > /dev/null 2>&1"; then
	pass backend-removed
else
	fail backend-removed "still there: $(ls /sys/bus/xen-backend/devices | tr '\n' ' ')"
fi
guest_create recover-2 idle disk vif || exit 0
check_connected "$GUEST_ID" vbd 51712 90 guest2-
check_connected "$GUEST_ID" vif 0 90 guest2-

if [ "$(dmesg | grep -c 'connection to xenstored broken: oversized message')" -ge 2 ] &&
   [ "$(dmesg | grep -c 'store connection restored after a ring reset')" -ge 2 ]; then
	pass logged
else
	fail logged "missing lines in: $(dmesg | grep -i 'xenstored\|xenbus' | tail -8 | tr '\n' '|')"
fi
if [ "$(pidof oxenstored)" = "$oxpid" ]; then
	pass oxenstored-alive "pid $oxpid"
else
	fail oxenstored-alive "oxenstored was pid $oxpid, now '$(pidof oxenstored)'"
fi
exit 0
