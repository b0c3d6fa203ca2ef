# lab-timeout: 300
# stall: one device's xenbus state callback sleeps; how long does another
# device's handshake wait?  Linux runs every watch callback on the single
# "xenwatch" thread, so one backend whose otherend_changed() blocks holds up
# the state changes of every other device; ours runs each device's watches
# on a lane of its own.
#
# The lab-only module tools/lab/modules/xb-stall (driver "labstall", built
# for the booted kernel by boot.sh) is the backend; its frontends are plain
# directories in dom0's own store area, so no guest is needed for that part.
#   0. Baselines without a stall: the same handshake on a device C, and a
#      disk hot-attached to a running guest (attached, then detached).
#   1. Devices A (backend key stall=1) and B.  A's frontend says Initialised
#      and A's callback sleeps $stall_ms; right after, B's frontend says
#      Initialised.  Measured: B's handshake (frontend Initialised -> backend
#      Connected) and A's (which includes the stall).
#   2. The real-driver check: during a second, shorter stall of A
#      ($stall2_ms: libxl gives a new disk's backend 10 s to reach InitWait),
#      a disk is hot-attached to a running guest.  Measured: xl block-attach
#      to its backend Connected.
#   3. The same disk attached again while the module's plain watch (not a
#      device's: register_xenbus_watch()) sleeps $stall2_ms.  On Linux it
#      shares xenwatch with the backend bus's root watch, which creates the
#      disk's backend device.
# Times (ms) go to files/stall-timing.txt as "key value" lines.
#
# Checks that hold on both kernels: A and B end Connected, A really stalled
# (twice), the disk connects, nothing is left in the store or on the bus
# after removal, rmmod works.
# Beyond Linux (stock FAILs them, so they run on every variant but stock):
#   isolated-beyond-linux       B finishes in under half the stall, while A
#                               is still stalled
#   disk-isolated-beyond-linux  the disk's backend is Connected before A's
#                               second stall is over
#   disk-beside-plain-stall-beyond-linux
#                               and before the plain watch's stall is over
# On stock they are replaced by the opposite assertions, reported as
#   shared-lane-stalls-as-expected-on-linux       B waited for A's stall
#   shared-lane-delays-disk-as-expected-on-linux  so did the disk
#   plain-stall-delays-disk-as-expected-on-linux  and for the plain stall
# which show that the measurement works and what Linux's weakness costs.
. /lab/lib.sh
. /lab/dom0.sh

stall_ms=10000
stall2_ms=6000
ko=/lab/modules/xb_stall.ko
fe_root=/local/domain/0/lab-fe
be_root=/local/domain/0/backend/labstall
times=/run/lab/stall-timing.txt
g=stall-guest
: > $times

# now_ms: milliseconds since boot (/proc/uptime has two decimals; busybox
# date has no sub-second format).
now_ms() {
	read -r _up _rest < /proc/uptime
	echo $(( ${_up%.*} * 1000 + 1${_up#*.} * 10 - 1000 ))
}
secs() { printf '%d.%02ds' $(( $1 / 1000 )) $(( $1 % 1000 / 10 )); }
record() { echo "$1 $2" >> $times; }
fe_dir() { echo "$fe_root/labstall/$1"; }
be_dir() { echo "$be_root/0/$1"; }
state_of() { xenstore-read "$1/state" 2>/dev/null; }
# stalls N: how many "stalling" lines the module printed for device N.
stalls() { dmesg | grep -c "labstall-0-$1: stalling"; }
stalls_ge() { [ "$(stalls "$1")" -ge "$2" ]; }
# slept N K: how long device N's K-th stall lasted, as the module measured it.
slept() { dmesg | sed -n "s/.*labstall-0-$1: stall $2 over after \([0-9]*\) ms\$/\1/p"; }
state_is_2() { [ "$(state_of "$1")" = 2 ]; }

# new_dev N STALL: a labstall backend with its frontend, written the way a
# toolstack would: frontend first, the backend's state last.
new_dev() {
	xenstore-write "$(fe_dir "$1")/backend" "$(be_dir "$1")" \
		"$(fe_dir "$1")/backend-id" 0 "$(fe_dir "$1")/state" 1 &&
	xenstore-write "$(be_dir "$1")/frontend" "$(fe_dir "$1")" \
		"$(be_dir "$1")/frontend-id" 0 "$(be_dir "$1")/stall" "$2" \
		"$(be_dir "$1")/state" 1
}

# Print the timing file so boot.sh saves it as files/stall-timing.txt.
emit_times() {
	echo "LAB-FILE-BEGIN stall-timing.txt"
	cat $times
	echo "LAB-FILE-END stall-timing.txt"
}

if [ ! -f $ko ]; then
	fail module "no $ko: $(tail -3 /lab/modules/xb-stall.build-failed 2>/dev/null |
		tr '\n' ' ')"
	exit 0
fi
if ! busybox insmod $ko stall_ms=$stall_ms; then
	fail insmod "busybox insmod $ko failed"
	exit 0
fi
pass insmod
record variant "$LAB_VARIANT"
record stall-ms $stall_ms

# connect_ms PATH SECS: poll PATH/state (about every 50 ms) until it is 4;
# prints the ms since boot when it was, nothing on timeout.
connect_ms() {
	_end=$(( $(now_ms) + $2 * 1000 ))
	while [ "$(now_ms)" -lt $_end ]; do
		[ "$(state_of "$1")" = 4 ] && { now_ms; return 0; }
		usleep 50000
	done
	return 1
}

A=1 B=2 C=3
if new_dev $A 1 && new_dev $B 0 && new_dev $C 0 &&
   wait_until 30 state_is_2 "$(be_dir $A)" && wait_until 30 state_is_2 "$(be_dir $B)" &&
   wait_until 30 state_is_2 "$(be_dir $C)"; then
	pass probe "A, B and C are in InitWait"
else
	fail probe "backend states: A '$(state_of "$(be_dir $A)")'," \
		"B '$(state_of "$(be_dir $B)")', C '$(state_of "$(be_dir $C)")'"
fi

# ---- 0. The handshake with nothing stalled ----
t0=$(now_ms)
xenstore-write "$(fe_dir $C)/state" 3
if t1=$(connect_ms "$(be_dir $C)" 30); then
	pass baseline "C's handshake took $(secs $(( t1 - t0 )))"
	record baseline-handshake-ms $(( t1 - t0 ))
else
	fail baseline "C's backend is in state '$(state_of "$(be_dir $C)")', not 4"
fi

# ---- 1. B's handshake while A's callback sleeps ----

tA0=$(now_ms)
xenstore-write "$(fe_dir $A)/state" 3
# B starts only once A really sleeps, or it would measure nothing.
if ! wait_until 10 stalls_ge $A 1; then
	fail stall-started "device A never started its stall"
fi
tB0=$(now_ms)
xenstore-write "$(fe_dir $B)/state" 3
thread=$(dmesg | sed -n "s/.*labstall-0-$A: stalling .*(thread \(.*\))\$/\1/p" | head -1)
note "A stalls on thread '$thread'; B started $(( tB0 - tA0 )) ms after A"

# Poll both backends (about every 50 ms) until both are Connected.
tA1="" tB1="" aB=""
end=$(( tA0 + stall_ms + 60000 ))
while [ -z "$tA1" ] || [ -z "$tB1" ]; do
	[ -z "$tB1" ] && [ "$(state_of "$(be_dir $B)")" = 4 ] && {
		tB1=$(now_ms)
		# Was A still stalled when B got through?
		aB=$(state_of "$(be_dir $A)")
	}
	[ -z "$tA1" ] && [ "$(state_of "$(be_dir $A)")" = 4 ] && tA1=$(now_ms)
	[ "$(now_ms)" -ge $end ] && break
	usleep 50000
done

if [ -n "$tA1" ]; then
	a_ms=$(( tA1 - tA0 ))
	pass a-connected "A's handshake took $(secs $a_ms)"
	record a-handshake-ms $a_ms
else
	fail a-connected "A's backend is in state '$(state_of "$(be_dir $A)")', not 4"
fi
if [ "$(xenstore-read "$(be_dir $A)/stalled" 2>/dev/null)" = 1 ] &&
   [ -n "$tA1" ] && [ "$a_ms" -ge $(( stall_ms * 9 / 10 )) ]; then
	pass a-stalled "on thread $thread"
else
	fail a-stalled "stalled='$(xenstore-read "$(be_dir $A)/stalled" 2>/dev/null)'," \
		"A took ${a_ms:-?} ms for a $stall_ms ms stall"
fi
record a-thread "${thread:-unknown}"
record a-stall1-ms "$(slept $A 1)"
record b-start-after-a-ms $(( tB0 - tA0 ))
if [ -n "$tB1" ]; then
	b_ms=$(( tB1 - tB0 ))
	pass b-connected "B's handshake took $(secs $b_ms)"
	record b-handshake-ms $b_ms
	# What B would wait on one shared thread: the rest of A's stall.
	left=$(( stall_ms - (tB0 - tA0) ))
	if [ "$LAB_VARIANT" = stock ]; then
		n="shared-lane-stalls-as-expected-on-linux"
		if [ "$aB" = 4 ] && [ $b_ms -ge $(( left - 1000 )) ]; then
			pass "$n" "B took $(secs $b_ms), A's stall had $(secs $left) to go"
		else
			fail "$n" "B took $(secs $b_ms) with $(secs $left) of A's stall to go" \
				"(A's state then: '$aB'): Linux should have held B for it"
		fi
	elif [ "$aB" != 4 ] && [ $b_ms -lt $(( stall_ms / 2 )) ]; then
		pass isolated-beyond-linux "B took $(secs $b_ms) while A stalled"
	else
		fail isolated-beyond-linux "B took $(secs $b_ms) (A's state then: '$aB');" \
			"it must finish in under $(secs $(( stall_ms / 2 ))), during A's stall"
	fi
else
	fail b-connected "B's backend is in state '$(state_of "$(be_dir $B)")', not 4"
fi

# ---- 2. A real driver: hot-attach a disk during A's second stall ----
_vbd_gone() { ! xenstore-exists "$1" 2>/dev/null; }
disk_check() {
	guest_create $g idle || return 0
	id=$GUEST_ID
	if ! wait_log $g 'GUEST-IDLE' 120; then
		fail guest-ready "$g did not start its job"
		return 0
	fi
	img=/run/lab/stall-extra.img
	new_disk $img > /dev/null
	loop=$(loop_attach $img) || { fail disk-setup "no loop device"; return 0; }
	vbd=$(be_path "$id" vbd 51728)
	attach() {
		timeout 60 xl block-attach $g "phy:$loop,xvdb,w,script=lab-block" \
			> /run/lab/stall-attach.log 2>&1 && return 0
		sed 's/^/  | /' /run/lab/stall-attach.log
		return 1
	}

	# The same attach with nothing stalled.
	t0=$(now_ms)
	if attach && t1=$(connect_ms "$vbd" 60); then
		pass disk-baseline "xl block-attach to backend Connected took $(secs $(( t1 - t0 )))"
		record disk-baseline-ms $(( t1 - t0 ))
	else
		fail disk-baseline "the disk's backend is in state '$(state_of "$vbd")', not 4"
	fi
	if ! timeout 60 xl block-detach $g xvdb || ! wait_until 30 _vbd_gone "$vbd"; then
		fail disk-detach "xvdb did not go away"
		return 0
	fi

	xenstore-write "$(be_dir $A)/stall-ms" $stall2_ms
	t0=$(now_ms)
	xenstore-write "$(fe_dir $A)/state" 3
	if ! wait_until 10 stalls_ge $A 2; then
		fail stall2-started "device A never started its second stall"
		return 0
	fi
	tD0=$(now_ms)
	attach || fail disk-attach "xl block-attach failed after $(secs $(( $(now_ms) - tD0 )))"
	tD1="" tA2="" aD=""
	end=$(( t0 + stall2_ms + 60000 ))
	while [ -z "$tD1" ] || [ -z "$tA2" ]; do
		[ -z "$tD1" ] && [ "$(state_of "$vbd")" = 4 ] && {
			tD1=$(now_ms)
			aD=$(xenstore-read "$(be_dir $A)/stalled" 2>/dev/null)
		}
		[ -z "$tA2" ] &&
			[ "$(xenstore-read "$(be_dir $A)/stalled" 2>/dev/null)" = 2 ] &&
			tA2=$(now_ms)
		[ "$(now_ms)" -ge $end ] && break
		usleep 50000
	done
	record stall2-ms $stall2_ms
	record disk-start-after-a-ms $(( tD0 - t0 ))
	if [ -n "$tA2" ]; then
		pass a-stalled-again "A's second stall lasted $(slept $A 2) ms"
		record a-stall2-ms "$(slept $A 2)"
	else
		fail a-stalled-again "A's 'stalled' is not 2 after $(secs $(( $(now_ms) - t0 )))"
	fi
	if [ -z "$tD1" ]; then
		fail disk-connected "the disk's backend is in state '$(state_of "$vbd")', not 4"
		return 0
	fi
	d_ms=$(( tD1 - tD0 ))
	pass disk-connected "xl block-attach to backend Connected took $(secs $d_ms)"
	record disk-attach-ms $d_ms
	left=$(( stall2_ms - (tD0 - t0) ))
	if [ "$LAB_VARIANT" = stock ]; then
		n="shared-lane-delays-disk-as-expected-on-linux"
		if [ "$aD" = 2 ]; then
			pass "$n" "the disk took $(secs $d_ms), A's stall had $(secs $left) to go"
		else
			fail "$n" "the disk connected in $(secs $d_ms) before A's stall ended:" \
				"Linux should have held it"
		fi
	elif [ "$aD" = 1 ]; then
		pass disk-isolated-beyond-linux "the disk took $(secs $d_ms) while A stalled"
	else
		fail disk-isolated-beyond-linux "the disk took $(secs $d_ms), A's stall" \
			"had $(secs $left) to go and ended first"
	fi
	if ! timeout 60 xl block-detach $g xvdb || ! wait_until 30 _vbd_gone "$vbd"; then
		fail disk-detach "xvdb did not go away after A's stall"
		timeout 60 xl destroy $g || note "xl destroy $g failed"
		return 0
	fi
	plain_check
	timeout 60 xl block-detach $g xvdb || note "xl block-detach failed"
	timeout 60 xl destroy $g || note "xl destroy $g failed"
}

# ---- 3. The same disk during a plain watch's stall ----
# The module's plain watch (register_xenbus_watch(), no device) sleeps
# $stall2_ms.  On Linux that is xenwatch, which also runs the backend
# bus's root watch: the new disk's backend device is not even created
# until the sleep ends.  Ours runs each bus's root watch on a lane of its
# own.  Called by disk_check with the guest running and xvdb detached.
plain_check() {
	ps=/local/domain/0/lab-plainstall
	pdone() { xenstore-read $ps/done 2>/dev/null; }
	plain_stalling() { dmesg | grep -q 'xb_stall: plain watch: stalling'; }
	xenstore-rm $ps 2>/dev/null
	xenstore-write $ps/ms $stall2_ms
	t0=$(now_ms)
	xenstore-write $ps/go 1
	if ! wait_until 10 plain_stalling; then
		fail plain-stall-started "the plain watch did not start to sleep"
		xenstore-rm $ps
		return 0
	fi
	tP0=$(now_ms)
	attach || fail plain-disk-attach "xl block-attach failed after $(secs $(( $(now_ms) - tP0 )))"
	tP1="" tS="" sP=""
	end=$(( t0 + stall2_ms + 60000 ))
	while [ -z "$tP1" ] || [ -z "$tS" ]; do
		[ -z "$tP1" ] && [ "$(state_of "$vbd")" = 4 ] && { tP1=$(now_ms); sP=$(pdone); }
		[ -z "$tS" ] && [ "$(pdone)" = 1 ] && tS=$(now_ms)
		[ "$(now_ms)" -ge $end ] && break
		usleep 50000
	done
	record plain-disk-start-after-stall-ms $(( tP0 - t0 ))
	if [ -n "$tS" ]; then
		pass plain-stall-over "the plain watch slept $(secs $(( tS - t0 )))"
	else
		fail plain-stall-over "lab-plainstall/done is '$(pdone)'"
	fi
	xenstore-rm $ps
	if [ -z "$tP1" ]; then
		fail plain-disk-connected "the disk's backend is in state '$(state_of "$vbd")', not 4"
		return 0
	fi
	p_ms=$(( tP1 - tP0 ))
	pass plain-disk-connected "xl block-attach to backend Connected took $(secs $p_ms)"
	record plain-disk-attach-ms $p_ms
	left=$(( stall2_ms - (tP0 - t0) ))
	if [ "$LAB_VARIANT" = stock ]; then
		n="plain-stall-delays-disk-as-expected-on-linux"
		if [ "$sP" = 1 ]; then
			pass "$n" "the disk took $(secs $p_ms), the plain stall had $(secs $left) to go"
		else
			fail "$n" "the disk connected in $(secs $p_ms) during the plain stall:" \
				"Linux should have held it"
		fi
	elif [ -z "$sP" ]; then
		pass disk-beside-plain-stall-beyond-linux "the disk took $(secs $p_ms) while the plain watch slept"
	else
		fail disk-beside-plain-stall-beyond-linux "the disk took $(secs $p_ms), the plain" \
			"stall had $(secs $left) to go and ended first"
	fi
}
disk_check

# ---- Clean-up: nothing may be left ----
# Never remove A in the middle of a sleep: wait until every stall it
# started is counted.
stalls_done() {
	[ "$(xenstore-read "$(be_dir "$A")/stalled" 2>/dev/null || echo 0)" = "$(stalls "$A")" ]
}
wait_until $(( stall2_ms / 1000 + 30 )) stalls_done || note "A may still be stalling"
xenstore-rm "$(be_dir $A)"
xenstore-rm "$(be_dir $B)"
xenstore-rm "$(be_dir $C)"
labstall_devs() {
	for _d in /sys/bus/xen-backend/devices/labstall-*; do
		[ -e "$_d" ] && printf '%s ' "${_d##*/}"
	done
}
bus_clean() { [ -z "$(labstall_devs)" ]; }
if wait_until 30 bus_clean; then
	pass no-devices
else
	fail no-devices "left on the bus: $(labstall_devs)"
fi
xenstore-rm $be_root
xenstore-rm $fe_root
if busybox rmmod xb_stall; then
	if [ -e /sys/bus/xen-backend/drivers/labstall ]; then
		fail rmmod "the labstall driver is still registered"
	else
		pass rmmod
	fi
else
	fail rmmod "busybox rmmod xb_stall failed"
fi
# Give a late write (a remove path re-creating "state") time to show.
sleep 2
check_no_store_nodes $be_root $fe_root
emit_times
exit 0
