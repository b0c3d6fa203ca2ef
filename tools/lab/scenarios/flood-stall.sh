# lab-timeout: 300
# flood-stall: the kernel's own watch events must never be dropped, not
# even when user space has flooded the queue of events.
#
# A plain watch of the lab module (modules/xb-stall, lab-plainstall/go)
# sleeps $stall_ms in its callback on the thread that runs plain watches
# ("xenwatch" on Linux), so nothing is handed out meanwhile.  During the
# stall 20 files on /dev/xen/xenbus watch lab-flood and never read, and
# 1200 distinct nodes are written under it: 24000 events for user space
# pile up (more than the 16384 a bounded kernel keeps).  Then a disk is
# hot-attached to a running guest: the backend bus's watch event for it is
# queued behind the flood.  libxl gives the backend 10 s to reach InitWait,
# so xl block-attach may time out on any kernel while the thread sleeps;
# if it did, the hotplug script it never ran is run by hand.
#
# Checks: the stall happened and ended (stall-started, stall-over), the
# flood went in (flood-watchers, flood-writes), and within 60 s of the
# stall's end the disk's backend device exists and is Connected
# (disk-backend-device, disk-backend-connected) and the guest has the disk
# (disk-frontend-connected, the guest's appear-count and token).  On a
# kernel with /sys/kernel/debug/xenbus/counters (not stock) the counters
# and dev_files are printed during the flood and must show dropped user
# events (user-events-dropped).  Clean-up leaves no store node, backend
# device or module behind.
. /lab/lib.sh
. /lab/dom0.sh

g="flood-stall"
ko=/lab/modules/xb_stall.ko
ps=/local/domain/0/lab-plainstall
flood=/local/domain/0/lab-flood
flood_prog=/lab/bin/xs-flood
stall_ms=45000
watchers=20
writes=1200
dbg=/sys/kernel/debug/xenbus

if [ -f $flood_prog.build-failed ] || [ ! -x $flood_prog ]; then
	fail build "progs/xs-flood.c did not compile: $(grep -m1 error $flood_prog.build-failed 2>/dev/null)"
	exit 0
fi
if [ ! -f $ko ]; then
	fail module "no $ko: $(tail -3 /lab/modules/xb-stall.build-failed 2>/dev/null |
		tr '\n' ' ')"
	exit 0
fi
xenstore-rm $ps 2>/dev/null
xenstore-rm $flood 2>/dev/null
if ! busybox insmod $ko; then
	fail insmod "busybox insmod $ko failed"
	exit 0
fi
pass insmod

done_is() { [ "$(xenstore-read $ps/done 2>/dev/null)" = "$1" ]; }
stalling() { dmesg | grep -q 'xb_stall: plain watch: stalling'; }
# now_s: seconds since boot, to the centisecond.
now_s() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1fs", b - a }'; }

finish() {
	# Never unload the module in the middle of its stall.
	wait_until $((stall_ms / 1000 + 30)) done_is 1 || note "the plain watch may still sleep"
	[ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	if busybox rmmod xb_stall; then
		pass rmmod
	else
		fail rmmod "busybox rmmod xb_stall failed"
	fi
	xenstore-rm $ps 2>/dev/null
	xenstore-rm $flood 2>/dev/null
	sleep 1
	check_no_store_nodes $ps $flood
}

guest_create $g hotplug vif || { finish; exit 0; }
id=$GUEST_ID
img=/run/lab/flood-stall-extra.img
tok=$(new_disk $img)
loop=$(loop_attach $img) || { fail setup "no loop device"; finish; exit 0; }
set_flag "$id" token "$tok"
vbd=$(be_path "$id" vbd 51728)
vbd_fe=$(fe_path "$id" vbd 51728)
bedev=/sys/bus/xen-backend/devices/vbd-$id-51728
# The guest's vif must be up before the stall: it is not what is measured.
if ! wait_log $g 'GUEST-HOTPLUG-READY' 120 ||
   ! wait_until 60 xs_connected "$(be_path "$id" vif 0)"; then
	fail guest-ready "the guest did not come up"
	finish
	exit 0
fi

# ---- The stall ----
xenstore-write $ps/ms $stall_ms
xenstore-write $ps/go 1
if wait_until 20 stalling; then
	pass stall-started "$(dmesg | grep -m1 'plain watch: stalling' | sed 's/.*plain watch: //')"
else
	fail stall-started "the plain watch did not start to sleep"
	finish
	exit 0
fi
t_stall=$(now_s)

# ---- The flood: 20 deaf watchers, 1200 distinct nodes ----
$flood_prog watch $watchers $flood 150 > /run/lab/flood-watch.out 2>&1 &
wpid=$!
if wait_until 30 grep -q 'watches registered' /run/lab/flood-watch.out; then
	pass flood-watchers "$watchers files watch $flood, never reading"
else
	fail flood-watchers "$(tr '\n' ' ' < /run/lab/flood-watch.out)"
fi
if timeout 60 $flood_prog write $flood $writes > /run/lab/flood-write.out 2>&1; then
	pass flood-writes "$(cat /run/lab/flood-write.out)," \
		"$((watchers * writes)) events for user space"
else
	fail flood-writes "$(tr '\n' ' ' < /run/lab/flood-write.out)"
fi

# What a kernel that counts them says about the queue now.
[ -d /sys/kernel/debug/xenbus ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -f $dbg/counters ]; then
	note "$dbg/counters during the flood:"
	sed 's/^/  | /' $dbg/counters
	note "$dbg/dev_files during the flood:"
	sed 's/^/  | /' $dbg/dev_files 2>/dev/null | head -40
	# "name value" pairs (also "name: value", "name=value").
	if cat $dbg/counters $dbg/dev_files 2>/dev/null | awk '
		{ for (i = 1; i <= NF; i++) {
			f = $i; sub(/[:=,]+$/, "", f)
			if (f ~ /^(watch_events_user_dropped|events_dropped)$/ &&
			    $(i + 1) ~ /^[:=]?[1-9][0-9]*,?$/)
				hit = 1
			if (f ~ /^(watch_events_user_dropped|events_dropped)[:=][1-9]/)
				hit = 1
		} }
		END { exit !hit }'; then
		pass user-events-dropped
	else
		fail user-events-dropped "no drop counted in $dbg/counters or dev_files" \
			"with $((watchers * writes)) unread events queued"
	fi
else
	note "no $dbg/counters on this kernel (stock has none)"
fi

# ---- The disk, queued behind the flood ----
ta=$(now_s)
if timeout 60 xl block-attach $g "phy:$loop,xvdb,w,script=lab-block" \
	> /run/lab/flood-attach.log 2>&1; then
	note "xl block-attach succeeded after $(since "$ta")"
	attached=1
else
	note "xl block-attach failed after $(since "$ta") (expected while the" \
		"watch thread sleeps):"
	sed 's/^/  | /' /run/lab/flood-attach.log | tail -5
	attached=0
fi
note "disk backend: state '$(xs_state "$vbd")', physical-device" \
	"'$(xenstore-read "$vbd/physical-device" 2>/dev/null)'"
if [ $attached = 0 ] && xenstore-exists "$vbd" 2>/dev/null &&
   ! xenstore-exists "$vbd/physical-device" 2>/dev/null; then
	# libxl gave up before running the hotplug script; do its part.
	note "running lab-block for $vbd by hand"
	XENBUS_PATH=$vbd /etc/xen/scripts/lab-block add ||
		note "lab-block add failed"
fi

if wait_until $((stall_ms / 1000 + 60)) done_is 1; then
	pass stall-over "after $(since "$t_stall"): $(dmesg |
		grep -m1 'plain watch: stall 1 over' | sed 's/.*plain watch: //')"
else
	fail stall-over "lab-plainstall/done is '$(xenstore-read $ps/done 2>/dev/null)'"
fi
t_end=$(now_s)
if ! xenstore-exists "$vbd" 2>/dev/null; then
	fail disk-backend-device "$vbd is not in the store (libxl removed it?)"
elif wait_until 60 test -d "$bedev"; then
	pass disk-backend-device "$(since "$t_end") after the stall"
	if wait_until 60 xs_connected "$vbd"; then
		pass disk-backend-connected "$(since "$t_end") after the stall"
	else
		fail disk-backend-connected "$vbd/state is '$(xs_state "$vbd")'" \
			"60 s after the stall"
	fi
else
	fail disk-backend-device "no $bedev 60 s after the stall (backend" \
		"state '$(xs_state "$vbd")'): the kernel lost its watch event"
fi
if wait_until 30 xs_connected "$vbd_fe"; then
	pass disk-frontend-connected
else
	fail disk-frontend-connected "$vbd_fe/state is '$(xs_state "$vbd_fe")'"
fi
wait_log $g 'GUEST-HOTPLUG appear 1 ' 30 || note "the guest did not report xvdb"

# ---- Clean-up ----
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
wpid=""
if ! timeout 60 xl block-detach $g xvdb; then
	note "xl block-detach failed; the guest goes with its disk"
fi
wait_log $g 'GUEST-HOTPLUG gone 1' 30 || note "the guest did not see xvdb go"
set_flag "$id" end
wait_gone $g 90 || { note "$g did not power off"; timeout 60 xl destroy $g; }
if wait_until 30 test ! -e "$bedev"; then
	pass no-backend-device
else
	fail no-backend-device "$bedev is still there"
fi
relay $g appear-count token
finish
exit 0
