# lab-timeout: 900
# xs-crash: requests that make Xen 4.17's C xenstored abort ("Assertion
# conn->in == NULL"), sent by a guest's root through /dev/xen/xenbus, and
# from dom0's.  Each is a single-path request whose path is not exactly one
# NUL-terminated string, or a SET_PERMS on an "@" path xenstored refuses;
# xs-badreq sends it right after a WATCH, which leaves xenstored's errno 0.
# Documentation/design.rst ("Requests that crash xenstored 4.17") has the
# daemon's code paths.
#
# Ours answers each in the kernel with the error a current xenstored gives
# (EINVAL, or EACCES for "@" paths from a guest), and xenstored lives:
#   guest/<trigger>          the guest got that error, and its store
#                            still answers right after
#   dom0/<trigger>           the same from dom0 (privileged: a known "@"
#                            path passes, an unknown one gets ENOENT)
#   write-binary             a WRITE value holding NULs and high bytes
#                            reaches the store unchanged
#   guest/no-backend-device  the guest has no /dev/xen/xenbus_backend
#   xenstored-alive          the same xenstored process at the end
#   after-vbd-*, after-vif-* a new guest's disk and network still
#                            connect
# Beyond Linux: stock forwards every trigger, and each kills xenstored.  On
# stock each trigger gets a guest of its own, xenstored and xenconsoled are
# started again after each death, and it is reported as
#   <trigger>/kills-xenstored-as-expected-on-linux
# Stock's dom0 keeps no backend watches after a restart, so this runs last
# in stock's boot.
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-badreq || exit 0
lab_prog xs-backend || exit 0
xsd_pid() { pidof xenstored 2>/dev/null; }
xsd_dead() { [ -z "$(xsd_pid)" ]; }

# restart_toolstack: after stock's xenstored died, a fresh one (and a
# xenconsoled connected to it) for the next trigger's guest.
restart_toolstack() {
	_pids=$(pidof xenconsoled)
	[ -n "$_pids" ] && kill $_pids
	wait_until 10 sh -c '! pidof xenconsoled > /dev/null'
	rm -f /run/xenstored/socket /run/xenstored/socket_ro
	toolstack_up || fail restart "the toolstack did not come up again"
}

if [ "$LAB_VARIANT" = stock ] || [ "$LAB_VARIANT" = stock-debug ]; then
	for t in $(xs-badreq list); do
		xsd_dead && restart_toolstack
		LAB_GUEST_EXTRA="lab.badreq=$t" guest_create "bad-$t" badreq || continue
		id=$GUEST_ID
		if wait_until 90 xsd_dead; then
			pass "$t/kills-xenstored-as-expected-on-linux" \
				"$(grep -o 'xenstored_core.c:[0-9]*: .*Assertion.*' /var/log/xen/xenstored.log | head -1)"
		else
			fail "$t/kills-xenstored-as-expected-on-linux" \
				"stock's xenstored survived: $(guest_text "bad-$t" | grep -m1 "^BADREQ $t")"
		fi
		xsd_dead && restart_toolstack
		timeout 60 xl destroy "$id" > /dev/null 2>&1 ||
			note "xl destroy $id failed after the restart"
	done
	exit 0
fi

pid0=$(xsd_pid)
[ -n "$pid0" ] || { fail setup "no xenstored running"; exit 0; }

# dom0 first: the privileged domain's answers.
for t in $(xs-badreq list); do
	want=$(xs-badreq expect "$t" priv)
	case "$want" in
	OK) want="REPLY OK" ;;
	*) want="REPLY ERROR $want" ;;
	esac
	got=$(xs-badreq send "$t" 5000 2>&1)
	if [ "$got" = "$want" ]; then
		pass "dom0/$t" "$got"
	else
		fail "dom0/$t" "got '$got', want '$want'"
	fi
	xsd_dead && { fail dom0/xenstored "xenstored died after $t"; exit 0; }
done

g=badreq
LAB_GUEST_EXTRA="lab.badreq=all" guest_create $g badreq || exit 0
if ! wait_log $g 'LAB-JOB-END' 300; then
	fail guest-finished "the guest's triggers did not finish"
fi
for t in $(xs-badreq list); do
	want="REPLY ERROR $(xs-badreq expect "$t")"
	got=$(guest_text $g | sed -n "s/^BADREQ $t //p" | head -1)
	alive=$(guest_text $g | sed -n "s/^BADREQ-ALIVE $t //p" | head -1)
	if [ "$got" = "$want" ] && [ "$alive" = yes ]; then
		pass "guest/$t" "$got"
	else
		fail "guest/$t" "got '$got' (store answering after it: '$alive'), want '$want'"
	fi
done
got=$(guest_text $g | sed -n 's/^BADREQ-WRITE //p' | head -1)
[ "$got" = SAME ] && pass write-binary || fail write-binary "read back: '$got'"
got=$(guest_text $g | sed -n 's/^BADREQ-NOBACKEND //p' | head -1)
case "$got" in
"PASS "*) pass guest/no-backend-device ;;
*) fail guest/no-backend-device "xs-backend absent: '$got'" ;;
esac
wait_gone $g 120 || fail guest-poweroff "$g did not power off"

if [ "$(xsd_pid)" = "$pid0" ]; then
	pass xenstored-alive "pid $pid0"
else
	fail xenstored-alive "xenstored was pid $pid0, now '$(xsd_pid)'"
	tail -5 /var/log/xen/xenstored.log | sed 's/^/  | /'
fi
if dmesg | grep -q "xenbus_dev: .*refusing request type"; then
	pass dom0-logged "$(dmesg | grep -m1 'refusing request type')"
else
	fail dom0-logged "dom0's kernel logged no refusal"
fi

# The store still serves a new guest, devices and all.
g=badreq-after
guest_create $g idle disk vif || exit 0
check_connected "$GUEST_ID" vbd 51712 90 after-
check_connected "$GUEST_ID" vif 0 90 after-
exit 0
