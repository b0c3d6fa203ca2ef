# Guest half of bench: xs-bench in the area dom0 opened to us.  The store
# limits a guest to 1000 nodes, so the write workload writes 400 distinct
# nodes and the watch workload's 2000 writes go round them.  Every output
# line goes to the console as "GUEST-BENCH <line>" for dom0 to check.
. /lab/lib.sh
wait_until 60 xenstore-read xenstore-test > /dev/null 2>&1 ||
	fail setup "dom0 never opened xenstore-test to this guest"
id=$(xenstore-read domid)
timeout 300 /lab/bin/xs-bench -b "/local/domain/$id/xenstore-test/xs-bench" \
	-w 400 -n 2000 > /tmp/bench.out 2>&1
rc=$?
sed 's/^/GUEST-BENCH /' /tmp/bench.out
if [ $rc = 0 ] && grep -q '^xs-bench: ok' /tmp/bench.out &&
   ! grep -q '^ERROR' /tmp/bench.out; then
	pass run
else
	fail run "xs-bench exited with $rc: $(grep -m1 '^ERROR' /tmp/bench.out)"
fi
exit 0
