# lab-timeout: 900
# hostile: dom0's kernel against a store server that breaks the protocol.
#
# progs/xs-hostile takes xenstored's place on dom0's own ring, the way
# xenstored reaches it (an mmap of /dev/xen/xenbus_backend, the store port
# bound through /dev/xen/evtchn), serves a small store correctly, and
# misbehaves once on each "xenstore-read /lab-hostile/<case>".  Clients in
# dom0 reach it through /dev/xen/xenbus (xenstored's socket is gone).  It
# offers XENSTORE_SERVER_FEATURE_RECONNECTION and resets the ring when
# asked.  First the page's server_features is read while the real
# xenstored (C, 4.17) still runs: it offers no reconnection.
#
# Every case must end, with no hang (each client is bounded by timeout):
#   serve-*          the server works: write, read, list, a watch
#   stray            a reply to a req_id never sent, then the real one:
#                    the client gets the real one
#   duplicate        the reply twice: the client gets one, the next
#                    request works
#   wrong-type       a DIRECTORY reply to a READ: the client gets an
#                    answer, the next request works
#   bad-events       watch events with no NUL, an empty path, a
#                    4000-byte token: dropped, the reply arrives
#   short            a reply whose body arrives a second after its header:
#                    read whole (100 bytes)
#   silence          no reply: the client's timeout ends it, the next
#                    request works
# Beyond Linux (stock has no ring reset: these run on ours only), each a
# protocol failure the kernel must fail closed on, then recover from with
# a ring reset: the client gets an error, not a hang; the store works
# again (write and read); the server saw the reset:
#   oversize, rsp-backwards, rsp-beyond, error-field
#   fuzz             8 seeds of random mutations of a reply (see
#                    xs-hostile.c); after each the store works again
# and then:
#   watch-survives   a watch registered before the resets still fires
#   slab             dom0's slab grew by less than 4 MiB over the cases
#   logged           the kernel logged the failures and the resets
# Stock skips them: its store would be lost for the rest of the boot, and
# recover, which runs after this, shows that loss against oxenstored.
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-hostile || exit 0
prog=/lab/bin/xs-hostile

f=$($prog features 2>&1)
case "$f" in
"server_features 0x"*)
	pass xenstored-features "$f (bit 0: reconnection)" ;;
*)	fail xenstored-features "xs-hostile features: $f" ;;
esac

# Stop the toolstack; clients then fall back to /dev/xen/xenbus.
toolstack_down || { fail setup "xenstored did not exit"; exit 0; }

slab0=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
$prog serve 800 > /run/lab/hostile.log 2>&1 &
srv=$!
if ! wait_until 10 grep -q serving /run/lab/hostile.log; then
	fail setup "xs-hostile did not start: $(cat /run/lab/hostile.log)"
	exit 0
fi

# finish_hostile: the watcher first (closing its file unregisters the
# watch, which needs a server), then the server; xenstored comes back for
# whatever runs after this scenario.
finish_hostile() {
	kill $wpid 2>/dev/null
	sleep 1
	kill $srv 2>/dev/null
	sed 's/^/  | /' /run/lab/hostile.log | tail -20
	toolstack_up > /dev/null 2>&1 || note "the toolstack did not come back"
}

h=/local/domain/0/lab-h
rd() { timeout 15 xenstore-read "$@" 2>&1; }
# store_works: a write and a read back through the kernel.
store_works() {
	timeout 15 xenstore-write $h/probe "$1" > /dev/null 2>&1 &&
		[ "$(rd $h/probe)" = "$1" ]
}

check serve-write timeout 15 xenstore-write $h/a hello
got=$(rd $h/a)
[ "$got" = hello ] && pass serve-read || fail serve-read "read '$got'"
got=$(timeout 15 xenstore-list $h 2>&1 | tr '\n' ' ')
[ "$got" = "a " ] && pass serve-list || fail serve-list "listed '$got'"
# A watch that stays for the whole scenario: its events go to a file.
timeout 700 xenstore-watch $h/w > /run/lab/hostile-watch.out 2>&1 &
wpid=$!
wait_until 10 grep -q "$h/w" /run/lab/hostile-watch.out &&
	pass serve-watch || fail serve-watch "no initial watch event"

# stray, duplicate: the client gets the real reply, once.
got=$(rd /lab-hostile/stray)
[ "$got" = stray ] && pass stray || fail stray "read '$got'"
got=$(rd /lab-hostile/duplicate)
if [ "$got" = dup ] && store_works dup; then
	pass duplicate
else
	fail duplicate "read '$got', then the store: $(rd $h/probe)"
fi
got=$(rd /lab-hostile/wrong-type)
rc=$?
if [ $rc -lt 124 ] && store_works wt; then
	pass wrong-type "the client got: '$(echo "$got" | tr '\n\0' '  ')' (rc $rc)"
else
	fail wrong-type "rc $rc, read '$got', then the store: $(rd $h/probe)"
fi
got=$(rd /lab-hostile/bad-events)
if [ "$got" = events ] && store_works ev; then
	pass bad-events
else
	fail bad-events "read '$got', then the store: $(rd $h/probe)"
fi
got=$(rd /lab-hostile/short)
if [ ${#got} = 100 ]; then
	pass short
else
	fail short "read ${#got} bytes: '$got'"
fi
timeout 5 xenstore-read /lab-hostile/silence > /dev/null 2>&1
rc=$?
if [ $rc -ge 124 ] && store_works si; then
	pass silence "the client was ended by its timeout (rc $rc)"
else
	fail silence "rc $rc, then the store: $(rd $h/probe)"
fi

if on_stock; then
	finish_hostile
	exit 0
fi

n=0
for c in oversize rsp-backwards rsp-beyond error-field; do
	n=$((n + 1))
	t0=$(date +%s)
	got=$(rd /lab-hostile/$c)
	rc=$?
	if [ $rc = 0 ] || [ $rc -ge 124 ]; then
		fail $c/client-error "rc $rc after $(( $(date +%s) - t0 ))s: '$got'"
	else
		pass $c/client-error "$got"
	fi
	if wait_until 30 store_works "$c"; then
		pass $c/store-restored "after $(( $(date +%s) - t0 ))s"
	else
		fail $c/store-restored "the store does not work 30 s later: $(rd $h/probe)"
	fi
	if grep -q "ring reset $n " /run/lab/hostile.log; then
		pass $c/server-reset
	else
		fail $c/server-reset "the server saw no reset $n"
	fi
done

# Random mutations of a reply, seeds 1 to 8 (xs-hostile's fuzz-<seed>
# replays one): whatever the client gets, the store works again after.
bad=""
for seed in $(seq 1 8); do
	timeout 5 xenstore-read /lab-hostile/fuzz-$seed > /dev/null 2>&1
	wait_until 30 store_works "fz$seed" || bad="$bad $seed"
done
if [ -z "$bad" ]; then
	pass fuzz "8 seeds; $(grep -c 'ring reset' /run/lab/hostile.log) resets in all"
else
	fail fuzz "the store did not come back after seed(s)$bad (replay: xenstore-read /lab-hostile/fuzz-<seed>)"
fi
grep 'fuzz seed' /run/lab/hostile.log | sed 's/^/  | /'

# The long-lived watch was registered again after each reset.
check_watch_fires watch-survives /run/lab/hostile-watch.out $h/w

slab1=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
if [ $((slab1 - slab0)) -lt 4096 ]; then
	pass slab "${slab0} kB before, ${slab1} kB after"
else
	fail slab "${slab0} kB before, ${slab1} kB after"
fi

if dmesg | grep -q "connection to xenstored broken: oversized message" &&
   dmesg | grep -q "xenstored reset the ring (reset 4)" &&
   dmesg | grep -q "store connection restored after a ring reset"; then
	pass logged
else
	fail logged "missing lines in: $(dmesg | grep -i 'xenstored\|xenbus' | tail -8 | tr '\n' '|')"
fi

finish_hostile
exit 0
