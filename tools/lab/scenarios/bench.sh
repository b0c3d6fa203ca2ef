# lab-timeout: 420
# bench: xenstore throughput through /dev/xen/xenbus, measured by
# bench/progs/xs-bench in dom0 and in a guest; in dom0 also through
# xenstored's socket (the ceiling, no kernel involved) and from kernel
# threads (tools/lab/modules/xb-bench, K = 1, 4, 16).  Not part of "all":
# bench/run.sh boots it on stock and on ours and compares the numbers.
#
# The checks are about the run being correct, never about speed: the
# program checks every reply and stops with "ERROR ..." on anything
# unexpected, so a run/ PASS means every number below it was measured on
# a run that went right.  Each measurement is a PASS line whose detail is
# the value ("PASS bench/dom0/read-seq: 1234.5 ops/s") and a line of
# files/bench-dom0.txt or files/bench-guest.txt in the log directory
# ("bench <name> <value> <unit>").  Passes on stock.
. /lab/lib.sh
. /lab/dom0.sh

prog=/lab/bin/xs-bench
if [ -f $prog.build-failed ]; then
	fail build "bench/progs/xs-bench.c did not compile: $(grep -m1 error $prog.build-failed)"
	exit 0
fi
if [ ! -x $prog ]; then
	fail build "no $prog: is tools/lab/progs/xs-bench.c linked to bench/progs/?"
	exit 0
fi

# to_files NAME FILE: copy FILE to the log directory's files/NAME (boot.sh
# splits the console at these markers).
to_files() {
	echo "LAB-FILE-BEGIN $1"
	cat "$2"
	echo "LAB-FILE-END $1"
}

# measured ROLE FILE: FILE holds "bench ..." lines and the program's own
# count of them; PASS each, and copy them out.
measured() {
	_want=$(sed -n 's/^xs-bench: ok, \([0-9]*\) measurements$/\1/p' "$2")
	grep -E '^bench [a-z0-9-]+ [0-9]+\.[0-9] [a-z/]+$' "$2" > "/run/lab/bench-$1.txt"
	_got=$(wc -l < "/run/lab/bench-$1.txt")
	if [ -z "$_want" ] || [ "$_got" != "$_want" ]; then
		fail "$1/measurements" "$_got well-formed bench lines, the program reported '${_want:-nothing}'"
		return
	fi
	while read -r _b _name _value _unit; do
		pass "$1/$_name" "$_value $_unit"
	done < "/run/lab/bench-$1.txt"
	to_files "bench-$1.txt" "/run/lab/bench-$1.txt"
}

# dom0: the kernel's store connection in local mode, xenstored alongside.
note "xs-bench in dom0"
timeout 300 $prog -b /local/domain/0/xs-bench > /run/lab/bench-dom0.out 2>&1
rc=$?
sed 's/^/  | /' /run/lab/bench-dom0.out
if [ $rc = 0 ] && grep -q '^xs-bench: ok' /run/lab/bench-dom0.out &&
   ! grep -q '^ERROR' /run/lab/bench-dom0.out; then
	pass dom0/run
	measured dom0 /run/lab/bench-dom0.out
else
	fail dom0/run "xs-bench exited with $rc: $(grep -m1 '^ERROR' /run/lab/bench-dom0.out)"
fi
xenstore-rm /local/domain/0/xs-bench 2>/dev/null

# The ceiling: the same reads through xenstored's unix socket, no kernel
# in the way (ours/socket and stock/socket show the kernel's own cost).
note "xs-bench through xenstored's socket"
timeout 120 $prog -r -S /run/xenstored/socket -b /local/domain/0/xs-bench-sock \
	> /run/lab/bench-socket.out 2>&1
rc=$?
sed 's/^/  | /' /run/lab/bench-socket.out
if [ $rc = 0 ] && grep -q '^xs-bench: ok' /run/lab/bench-socket.out; then
	pass socket/run
	measured socket /run/lab/bench-socket.out
else
	fail socket/run "xs-bench -S exited with $rc: $(grep -m1 '^ERROR' /run/lab/bench-socket.out)"
fi
xenstore-rm /local/domain/0/xs-bench-sock 2>/dev/null

# The kernel itself: tools/lab/modules/xb-bench runs xenbus_read(),
# xenbus_write() and transaction cycles from K kernel threads at once.
ko=/lab/modules/xb_bench.ko
if [ -f $ko ]; then
	: > /run/lab/bench-kernel.out
	nk=0
	for k in 1 4 16; do
		n=$((1600 / k))
		[ $n -gt 400 ] && n=400
		dmesg -c > /dev/null
		if ! timeout 240 busybox insmod $ko threads=$k ops=$n; then
			fail kernel/k$k "insmod $ko threads=$k ops=$n failed"
			continue
		fi
		dmesg | sed 's/^\[[^]]*\] //' | sed 's/^/  | /'
		for ph in read write tx; do
			v=$(dmesg | sed -n "s/.*xb_bench: $ph threads $k ops $n: [0-9]* us, \([0-9]*\) ops\/s.*/\1/p")
			if [ -n "$v" ]; then
				echo "bench $ph-k$k $v.0 ops/s" >> /run/lab/bench-kernel.out
				nk=$((nk + 1))
			else
				fail kernel/$ph-k$k "no result: $(dmesg | grep -m1 "xb_bench: $ph")"
			fi
		done
		busybox rmmod xb_bench || fail kernel/rmmod "rmmod xb_bench failed"
	done
	echo "xs-bench: ok, $nk measurements" >> /run/lab/bench-kernel.out
	measured kernel /run/lab/bench-kernel.out
else
	fail kernel/module "no $ko: $(tail -3 /lab/modules/xb-bench.build-failed 2>/dev/null | tr '\n' ' ')"
fi

# A guest: the frontend's ring to dom0's xenstored.
g=bench
guest_create $g bench || exit 0
if ! wait_log $g 'LAB-JOB-END' 360; then
	fail guest-finished "the guest's xs-bench did not finish"
fi
wait_gone $g 120 || fail guest-poweroff "$g did not power off"
relay $g run
if guest_text $g | grep -q 'GUEST-PASS run'; then
	guest_text $g | sed -n 's/^GUEST-BENCH //p' > /run/lab/bench-guest.out
	measured guest /run/lab/bench-guest.out
fi
exit 0
