# Guest half of devtest: xs-devtest in the area dom0 opened to us.  A guest
# has the store's quota of watches (128 by default), so it sets fewer.
. /lab/lib.sh
wait_until 60 xenstore-read xenstore-test > /dev/null 2>&1 ||
	fail setup "dom0 never opened xenstore-test to this guest"
id=$(xenstore-read domid)
timeout 300 /lab/bin/xs-devtest "/local/domain/$id/xenstore-test/devtest" 100 > /tmp/devtest.out 2>&1
rc=$?
relay_results /tmp/devtest.out
[ $rc = 0 ] && pass exit || fail exit "xs-devtest exited with $rc"
exit 0
