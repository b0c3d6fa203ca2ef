# Guest half of disks16: count the xvd disks, read each one's token.
. /lab/lib.sh

n=16
disks() {
	for _b in /sys/block/xvd*; do
		[ -e "$_b" ] && printf '%s ' "${_b##*/}"
	done
}
ndisks() { disks | wc -w; }
have_all() { [ "$(ndisks)" -ge "$n" ]; }

# The boot wait held init until every vbd connected, so they should all
# be there already; the wait covers a kernel that let go too early.
if wait_until 60 have_all; then
	pass block-devices "$(ndisks) xvd disks: $(disks)"
else
	fail block-devices "$(ndisks) of $n: $(disks)"
fi

bad=0
for l in a b c d e f g h i j k l m n o p; do
	dev=/dev/xvd$l
	tok=none
	if wait_until 10 test -b $dev; then
		tok=$(dd if=$dev bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
	fi
	echo "GUEST-DISK16 xvd$l ${tok:-empty}"
	case "$tok" in
	LAB-DISK:*) ;;
	*) bad=$((bad + 1)) ;;
	esac
done
echo "GUEST-DISKS16-DONE"
if [ $bad = 0 ]; then
	pass disk-reads "$n disks read"
else
	fail disk-reads "$bad of $n disks gave no token"
fi

wait_flag end 180 || fail dom0-done "dom0 never said it was done"
exit 0
