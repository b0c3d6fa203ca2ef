# lab-timeout: 600
# nobackend: a guest with a frontend whose backend never comes up.  Its
# kernel must hold boot for the documented wait only (30 s: hvc_xen's
# console frontend is not_essential), print the countdown and name the
# device that timed out, then go on: init runs, and the guest's real disk
# and network work.  Passes on stock Linux.
#
# The dead device: dom0 writes device/console/1 into the paused guest's
# store area, with a backend directory (state 1, Initialising) that exists
# but lies outside backend/, where no backend driver looks.  hvc_xen's
# frontend probes it, moves to Initialised (3) and waits for a backend
# that never answers.
#
# A third frontend, device/labnodrv/0, has a type no driver handles: stock
# names it after the wait ("Device with no driver", at info level, on every
# boot that has one), and prints the countdown at warning level, so that it
# shows on a "quiet" console; the guest's dmesg -r shows the levels.
#
# LAB_NOBACKEND_ESSENTIAL=1 (in dom0's environment; from the host:
# LAB_DOM0_EXTRA=LAB_NOBACKEND_ESSENTIAL=1, the kernel hands unknown
# a=b parameters to init) adds a vbd (essential, blkfront) dead the same
# way: boot is then held for the long wait (270 s on stock, see below).
# Too long for the CI list.
. /lab/lib.sh
. /lab/dom0.sh

g=nobackend
dead=/local/domain/0/lab-dead
essential=${LAB_NOBACKEND_ESSENTIAL:-0}
grep -q 'LAB_NOBACKEND_ESSENTIAL=1' /proc/cmdline && essential=1
# What stock Linux 6.12 does, as seen in this lab: every connecting device
# holds boot for 30 s, counting down 25s...0s; if an essential one is still
# connecting, the count goes on from 235s to 0s, and boot goes on 270 s
# after the wait began (not 300 s: xenbus-facts.md's "270 s more" is
# counted from the start of the wait).
countdown="25 20 15 10 5 0"
if [ "$essential" = 1 ]; then
	limit=270
	countdown="$countdown $(seq 235 -5 0 | xargs)"
else
	limit=30
fi
# The wait's messages, as stock Linux prints them.
pfx='xenbus_probe_frontend: '
wait_re="${pfx}Waiting for devices to initialise: "
cons_line="${pfx}Timeout connecting to device: device/console/1 (local state 3, remote state 1)"
nodrv_line="${pfx}Device with no driver: device/labnodrv/0"
vbd_line="${pfx}Timeout connecting to device: device/vbd/51728 (local state 1, remote state 1)"

now() { cut -d' ' -f1 /proc/uptime; }
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

guest_create $g nobackend disk vif paused || exit 0
id=$GUEST_ID

# dead_device TYPE DEVID [KEY VALUE]...: a frontend directory whose backend
# directory exists, readable by the guest, and stays Initialising.
dead_device() {
	_t=$1 _d=$2
	shift 2
	_fe=$(fe_path "$id" "$_t" "$_d")
	_be=$dead/$_t/$id/$_d
	xenstore-write "$_be/state" 1 &&
		xenstore-chmod -r "$dead" n0 "r$id" &&
		xenstore-write "$_fe/backend" "$_be" "$_fe/backend-id" 0 "$@" \
			"$_fe/state" 1 &&
		xenstore-chmod -r "$_fe" "n$id" r0 &&
		xenstore-chmod "${_fe%/*}" "n$id" r0
}
xenstore-rm "$dead" 2>/dev/null
if ! dead_device console 1; then
	fail setup "could not write device/console/1"
	exit 0
fi
if ! dead_device labnodrv 0; then
	fail setup "could not write device/labnodrv/0"
	exit 0
fi
if [ "$essential" = 1 ] &&
   ! dead_device vbd 51728 "$(fe_path "$id" vbd 51728)/virtual-device" 51728 \
		"$(fe_path "$id" vbd 51728)/device-type" disk; then
	fail setup "could not write device/vbd/51728"
	exit 0
fi
note "dead frontends of domain $id:"
xenstore-ls -fp "/local/domain/$id/device" 2>&1 | grep -E 'console/1|vbd/51728|labnodrv' | sed 's/^/  | /'

t_unpause=$(now)
if ! timeout 60 xl unpause $g; then
	fail unpause "xl unpause $g failed"
	exit 0
fi

# The other devices connect while boot waits for the dead one.
check_connected "$id" vbd 51712 120
check_connected "$id" vif 0 120

if wait_log $g 'LAB-GUEST-BOOTED' $((limit + 150)); then
	t_init=$(now)
else
	fail boot-went-on "no init in the guest $((limit + 150))s after unpause"
fi

# Everything below reads the guest's log, once the job has printed the
# wait's lines with their levels.
wait_log $g 'GUEST-KMSG-END' 60 || note "the guest printed no levels"
guest_text $g > /run/lab/$g.log
lineno() { grep -nF "$1" /run/lab/$g.log | head -1 | cut -d: -f1; }
stamp() { sed -n "${1}s/^\[ *\([0-9.]*\)\].*/\1/p" /run/lab/$g.log; }

# The countdown: its first fragment, and the seconds it counted, in order
# (a message printed in between may split it over lines).
w=$(lineno "$wait_re")
c=$(lineno "$cons_line")
if [ -n "$w" ]; then
	ticks=$(sed -n "$w,${c:-\$}p" /run/lab/$g.log | sed "s/.*$wait_re//" |
		grep -oE '[0-9]+s\.\.\.' | sed 's/s\.\.\.//' | xargs)
	if [ "$ticks" = "$countdown" ]; then
		pass countdown "$(sed -n "${w}p" /run/lab/$g.log | sed 's/^\[[^]]*\] //' | cut -c1-200)"
	else
		fail countdown "counted '$ticks', stock counts '$countdown'"
	fi
else
	fail countdown "no '$wait_re' line"
	grep -E 'Waiting|xenbus' /run/lab/$g.log | sed 's/^/  | /'
fi

if [ -n "$c" ]; then
	pass timeout-line "$cons_line"
else
	fail timeout-line "no line '$cons_line'"
	grep -E 'Timeout|no driver' /run/lab/$g.log | sed 's/^/  | /'
fi
if [ "$essential" = 1 ]; then
	v=$(lineno "$vbd_line")
	if [ -n "$v" ]; then
		pass timeout-line-vbd "$vbd_line"
	else
		fail timeout-line-vbd "no line '$vbd_line'"
	fi
fi

# The device nobody drives is named once the wait is over.
if [ -n "$(lineno "$nodrv_line")" ]; then
	pass no-driver-line "$nodrv_line"
else
	fail no-driver-line "no line '$nodrv_line'"
fi
# Levels, from the guest's dmesg -r ("<level>..." lines, relayed as
# GUEST-KMSG): the countdown at warning (4), the driverless device at info
# (6), as stock prints them.
kmsg_level() { # PATTERN
	grep -F 'GUEST-KMSG ' /run/lab/$g.log | grep -F "$1" | head -1 |
		sed -n 's/.*GUEST-KMSG <\([0-9]*\)>.*/\1/p'
}
lv=$(kmsg_level 'Waiting for devices to initialise')
if [ "$lv" = 4 ]; then
	pass countdown-level "warning"
else
	fail countdown-level "level '${lv:-none}', stock prints it at 4 (warning)"
fi
lv=$(kmsg_level 'Device with no driver: device/labnodrv/0')
if [ "$lv" = 6 ]; then
	pass no-driver-level "info"
else
	fail no-driver-level "level '${lv:-none}', stock prints it at 6 (info)"
fi
note "the wait's lines with their levels:"
grep -F 'GUEST-KMSG ' /run/lab/$g.log | sed 's/^/  | /'

# init ran after the wait let go: the job's marker comes after the line.
j=$(lineno GUEST-NOBACKEND-INIT)
if [ -n "$j" ] && [ -n "$c" ] && [ "$j" -gt "$c" ]; then
	pass init-after-wait
else
	fail init-after-wait "job marker at line '${j:-none}', timeout line at '${c:-none}'"
fi

# How long boot was held: on the guest's clock, from the wait's start (its
# first tick is 5 s in) to the timeout line; on dom0's, unpause to init.
if [ -n "$w" ] && [ -n "$c" ] && [ -n "${t_init:-}" ]; then
	held=$(awk -v a="$(stamp "$w")" -v b="$(stamp "$c")" 'BEGIN { printf "%.1f", b - a + 5 }')
	pass wait "held ${held}s (stock: ${limit}s; guest clock, first tick [$(stamp "$w")]," \
		"timeout [$(stamp "$c")]); init $(secs_between "$t_unpause" "$t_init")s after unpause (dom0)"
fi

# The disk and the network work despite the dead device.
check_disk_token $g 60
if wait_log $g 'GUEST-NET-UP' 60 && wait_until 30 ping -c 1 -W 2 10.0.0.2 > /dev/null; then
	pass ping-guest
else
	fail ping-guest "10.0.0.2 does not answer"
fi

set_flag "$id" end
if wait_gone $g 120; then
	pass guest-poweroff
else
	fail guest-poweroff "$g still running 120s after it was told to finish"
fi
xenstore-rm "$dead" 2>/dev/null
if [ "$essential" = 1 ]; then
	relay $g vbd-state vif-state console-1 vbd-51728 disk-read ping-dom0
else
	relay $g vbd-state vif-state console-1 disk-read ping-dom0
fi
exit 0
