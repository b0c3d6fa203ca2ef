# lab-timeout: 600
# devtest: progs/xs-devtest (raw frames on /dev/xen/xenbus: partial
# writes, size limits, bad transactions, mass watches, floods, a client
# killed inside a transaction) in dom0 and in a guest.
. /lab/lib.sh
. /lab/dom0.sh

prog=/lab/bin/xs-devtest
if [ -f $prog.build-failed ]; then
	fail build "progs/xs-devtest.c did not compile: $(grep -m1 error $prog.build-failed)"
	exit 0
fi
if [ ! -x $prog ]; then
	skip dom0 "tools/lab/progs/xs-devtest.c is not there yet"
	exit 0
fi

# xs-devtest prints "PASS name" / "FAIL name: why" / "INFO ..." lines.
timeout 300 $prog /local/domain/0/lab-devtest > /run/lab/devtest.out 2>&1
rc=$?
relay_results /run/lab/devtest.out dom0
[ $rc = 0 ] && pass dom0/exit || fail dom0/exit "xs-devtest exited with $rc"
xenstore-rm /local/domain/0/lab-devtest 2>/dev/null

g=devtest
guest_create $g devtest || exit 0
if wait_log $g 'LAB-JOB-END' 400; then
	:
else
	fail guest-finished "the guest's xs-devtest did not finish"
fi
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g exit
exit 0
