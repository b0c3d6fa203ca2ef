# Guest job "ddfront": the other side of a driver domain's disk.  Reads
# the token dom0 gave the driver domain from xvda, writes its own 1 MiB
# in, and waits for dom0 to finish.
. /lab/lib.sh

wait_flag token 60 || fail token "dom0 gave no token"
tok=$(xenstore-read data/lab-token 2>/dev/null)
if wait_until 60 test -b /dev/xvda; then
	got=$(dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\000' | head -1)
	if [ "$got" = "$tok" ]; then
		pass fe-disk-read
	else
		fail fe-disk-read "read '$got', the driver domain wrote '$tok'"
	fi
	printf 'GUEST-WROTE:%s\n' "$tok" |
		dd of=/dev/xvda bs=512 seek=2048 conv=notrunc,fsync 2>/dev/null &&
		pass fe-disk-write || fail fe-disk-write "dd to xvda failed"
else
	fail fe-disk-read "no /dev/xvda"
fi
echo "GUEST-DDFRONT-DONE"
wait_flag end 300
exit 0
