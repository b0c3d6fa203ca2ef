# Guest job "driverdom": a driver domain.  It loads blkback and serves a
# disk of its own (a loop device on a file in its tmpfs) to another guest,
# doing itself what xl devd and the hotplug script do in dom0: when the
# toolstack puts a vbd under backend/, write physical-device, its path and
# hotplug-status.  Prints GUEST-DD-READY loop=DEV once it serves.
. /lab/lib.sh

if modprobe xen-blkback && [ -d /sys/bus/xen-backend/drivers/vbd ]; then
	pass dd-blkback
else
	fail dd-blkback "modprobe xen-blkback failed"
	exit 0
fi
wait_flag token 60 || { fail dd-token "dom0 gave no token"; exit 0; }
tok=$(xenstore-read data/lab-token)
img=/run/dd.img
dd if=/dev/zero of=$img bs=1M count=0 seek=16 2>/dev/null
printf '%s\n' "$tok" | dd of=$img conv=notrunc 2>/dev/null
loop=$(losetup -f)
if ! losetup "$loop" $img; then
	fail dd-loop "losetup $loop failed"
	exit 0
fi
mm=$(stat -L -c '%t:%T' "$loop")
echo "GUEST-DD-READY loop=$loop"

served=0
end=$(( $(date +%s) + 500 ))
while [ "$(date +%s)" -lt $end ]; do
	for fe in $(xenstore-list backend/vbd 2>/dev/null); do
		for dev in $(xenstore-list "backend/vbd/$fe" 2>/dev/null); do
			b=backend/vbd/$fe/$dev
			xenstore-read "$b/physical-device" > /dev/null 2>&1 && continue
			xenstore-read "$b/state" > /dev/null 2>&1 || continue
			xenstore-write "$b/physical-device" "$mm" \
				"$b/physical-device-path" "$loop" \
				"$b/hotplug-status" connected &&
				served=$((served + 1)) &&
				echo "GUEST-DD-SERVES $b"
		done
	done
	xenstore-read data/lab-end > /dev/null 2>&1 && break
	usleep 200000
done
[ $served -gt 0 ] && pass dd-served "$served vbd(s)" || fail dd-served "no vbd ever came"
# What the other guest wrote 1 MiB into the disk, through this blkback.
got=$(dd if=$img bs=512 skip=2048 count=1 2>/dev/null | tr -d '\000' | head -1)
if [ "$got" = "GUEST-WROTE:$tok" ]; then
	pass dd-data-from-frontend
else
	fail dd-data-from-frontend "found '$got' at 1 MiB"
fi
exit 0
