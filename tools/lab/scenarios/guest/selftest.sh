# Guest half of selftest: a deliberate FAIL and a kernel "BUG:" line.
. /lab/lib.sh
echo "<2>BUG: lab selftest: a guest kernel line the harness must catch" > /dev/kmsg
fail deliberate "this guest check always fails"
exit 0
