# Guest half of xs-crash: send the triggers named by lab.badreq= on the
# kernel command line ("all": every one xs-badreq knows) through this
# guest's /dev/xen/xenbus, one after another, and print for each what came
# back and whether the store still answers.  No PASS/FAIL here: dom0
# judges, since on stock the expected outcome is a dead xenstored.
. /lab/lib.sh
list=$(sed -n 's/.*lab\.badreq=\([^ ]*\).*/\1/p' /proc/cmdline)
[ "$list" = all ] && list=$(xs-badreq list)
for t in $list; do
	r=$(xs-badreq send "$t" 5000 2>&1)
	echo "BADREQ $t $r"
	if timeout 10 xenstore-read domid > /dev/null 2>&1; then
		echo "BADREQ-ALIVE $t yes"
	else
		echo "BADREQ-ALIVE $t no"
	fi
done
echo "BADREQ-WRITE $(xs-badreq write-binary data/badreq-bin 2>&1)"
# Only the initial domain has the store's back end.
echo "BADREQ-NOBACKEND $(xs-backend absent 2>&1)"
exit 0
