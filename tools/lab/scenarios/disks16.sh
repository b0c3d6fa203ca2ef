# lab-timeout: 300
# disks16: a PV guest with 16 disks, xvda..xvdp.  All 32 ends reach
# Connected (4), the guest sees 16 block devices and reads from each the
# token dom0 wrote on that disk alone.  Passes on stock Linux.
#
# Two timings, reported in PASS texts and not tested (TCG timings vary with
# the machine's load): from "xl create" to the last of the 32 ends at
# Connected, seen from dom0; and, on the guest's clock, from its first to
# its last "blkfront: xvdX:" line (blkfront prints it as each disk
# connects, in both kernels).  Both also go to files/disks16-timing.txt,
# one "key value" line each, for a benchmark to collect, with the time
# "xl create -p" itself took (dom0's backend side runs the kernel under
# test too).
. /lab/lib.sh
. /lab/dom0.sh

# The guest is named after the scenario: pvh-disks16 runs this script too.
g=${LAB_SCENARIO:-disks16}
letters="a b c d e f g h i j k l m n o p"
n=16

# Seconds since boot, to the centisecond: date(1) only has whole seconds.
now() { cut -d' ' -f1 /proc/uptime; }
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# CONFIG_BLK_DEV_LOOP_MIN_COUNT=8 makes loop0..7 only.  Opening the node
# of a missing minor makes the kernel create that loop device
# (BLOCK_LEGACY_AUTOLOAD), so nodes are all losetup needs to go past 8.
i=0
while [ $i -lt 24 ]; do
	[ -b /dev/loop$i ] || mknod /dev/loop$i b 7 $i
	i=$((i + 1))
done

# One disk per letter, each with its own token; the xl disk specs become
# guest_create's arguments.
: > /run/lab/$g.tokens
set --
for l in $letters; do
	img=/run/lab/$g-xvd$l.img
	tok=$(new_disk "$img")
	if ! loop=$(loop_attach "$img"); then
		fail setup "no loop device for xvd$l ($(losetup -a | wc -l) in use)"
		exit 0
	fi
	echo "xvd$l $tok" >> /run/lab/$g.tokens
	set -- "$@" "disk=phy:$loop,xvd$l,w,script=lab-block"
done

# Created paused and unpaused at once: the clock starts before xl create,
# and the first look at the store cannot come after the guest connected.
t0=$(now)
guest_create $g disks16 "$@" mem=256 paused || exit 0
xl_s=$(secs_between "$t0" "$(now)")
guest_start $g || exit 0
id=$GUEST_ID

# Both ends of every vbd; device number 202 << 8 | index << 4.
paths=""
i=0
for l in $letters; do
	d=$((51712 + 16 * i))
	paths="$paths $(fe_path "$id" vbd $d)/state $(be_path "$id" vbd $d)/state"
	i=$((i + 1))
done
# One xenstore-read for all 32 nodes: a process per node would make each
# look take longer than the connection itself.
n_connected() {
	# shellcheck disable=SC2086 # $paths: a list of store paths
	xenstore-read $paths 2>/dev/null | grep -cx 4
}
t_conn=""
end=$(( $(date +%s) + 180 ))
while [ "$(date +%s)" -lt $end ]; do
	if [ "$(n_connected)" = $((2 * n)) ]; then
		t_conn=$(now)
		break
	fi
	usleep 200000
done
if [ -n "$t_conn" ]; then
	create_s=$(secs_between "$t0" "$t_conn")
	pass all-connected "$((2 * n)) ends at Connected ${create_s}s after xl create" \
		"(xl create -p itself: ${xl_s}s)"
else
	bad=""
	for p in $paths; do
		s=$(xenstore-read "$p" 2>/dev/null) || s=none
		[ "$s" = 4 ] || bad="$bad ${p%/state}=$s"
	done
	fail all-connected "after 180s, not Connected:$bad"
fi

# The guest prints "GUEST-DISK16 xvdX <token>" for each disk.
if wait_log $g 'GUEST-DISKS16-DONE' 180; then
	guest_text $g | sed -n 's/.*GUEST-DISK16 \(xvd[a-p]\) \(.*\)$/\1 \2/p' > /run/lab/$g.read
	bad=""
	while read -r dev tok; do
		got=$(awk -v d="$dev" '$1 == d { print $2; exit }' /run/lab/$g.read)
		[ "$got" = "$tok" ] || bad="$bad $dev:'${got:-nothing}'"
	done < /run/lab/$g.tokens
	distinct=$(awk '{ print $2 }' /run/lab/$g.read | grep '^LAB-DISK:' | sort -u | wc -l)
	if [ -z "$bad" ] && [ "$distinct" = $n ]; then
		pass tokens "$n disks, $distinct distinct tokens, each on its own disk"
	else
		fail tokens "wrong or missing:${bad:- none}; $distinct distinct tokens"
	fi
else
	fail tokens "the guest did not finish reading its disks"
fi

# blkfront's line per disk, on the guest's clock.
guest_text $g | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] blkfront: \(xvd[a-p]\): .*/\1 \2/p' \
	> /run/lab/$g.blkfront
nlines=$(awk '{ print $2 }' /run/lab/$g.blkfront | sort -u | wc -l)
if [ "$nlines" = $n ]; then
	span_s=$(awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 }
		END { printf "%.3f", hi - lo }' /run/lab/$g.blkfront)
	pass blkfront-lines "$n disks connected within ${span_s}s of each other (guest clock)"
else
	fail blkfront-lines "$nlines of $n disks printed a 'blkfront: xvdX:' line"
fi

set_flag "$id" end
if wait_gone $g 120; then
	pass guest-poweroff
else
	fail guest-poweroff "$g still running 120s after it was told to finish"
fi

# boot.sh copies what lies between these markers to files/.
{
	echo "LAB-FILE-BEGIN $g-timing.txt"
	[ -n "${create_s:-}" ] && echo "create_to_all_connected_s $create_s"
	[ -n "${span_s:-}" ] && echo "blkfront_first_to_last_s $span_s"
	echo "xl_create_s $xl_s"
	echo "LAB-FILE-END $g-timing.txt"
}
relay $g block-devices disk-reads
exit 0
