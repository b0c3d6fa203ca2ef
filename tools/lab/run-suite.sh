#!/bin/bash
# The project's test suite (what .ci/run runs).
#
#   1. setup        the Debian packages the lab needs (setup.sh)
#   2. host         make -C tests/host check
#   3. static       checkpatch --strict and kernel-doc on every *.c/*.h at
#                   the root and in kunit/; W=1 + sparse (compile-one.sh)
#                   on every *.c at the root
#   4. build-stock  Linux's own xenbus: the control
#   5. harness      the harness notices failures: a scenario made to fail
#                   (selftest) and a boot cut short must be reported
#   6. boot-stock   every scenario on stock
#   7. build-ours   our xenbus grafted in
#   8. boot-ours    the scenarios in tools/lab/ours-scenarios.txt (those
#                   that already pass on ours; "none" boots dom0 only)
#   9. debug        ours with lockdep, SLUB and object debugging, the
#                   hung-task and soft-lockup detectors, and KUnit: boot
#                   dom0-store, guest-basic, hotplug, save-restore,
#                   credit-race (the watch lanes' concurrency under lockdep
#                   and DEBUG_OBJECTS), pvh-basic, hostile and recover (a
#                   broken store connection and its ring resets), and
#                   report each KUnit case (kunit/...)
#  9b. stock-debug  the same debug configuration with Linux's xenbus, the
#                   control for credit-race and pvh-basic (built from
#                   ccache: only the xenbus objects differ from debug's)
#  10. abi          stock's and ours' sysfs-abi records must match, save
#                   for the lines tools/lab/abi-allowed-diff.txt allows
#  10b. pvh-dom0    stock, then ours, booted with a PVH dom0 (Xen's dom0=pvh,
#                   QEMU's emulated AMD IOMMU): the pvh-dom0 scenario, whose
#                   backends map rings the auto-translated way (a boot that
#                   QEMU's SVM flake killed is done again, 4 attempts)
#  11. xcompile     drivers/xen/ and every xenbus consumer compiled with W=1
#                   for arm64 and i386, and x86_64 built whole with every
#                   consumer a module (modpost), stock then ours
#                   (tools/lab/xcompile.sh); started at nice 19 right after
#                   build-stock, beside the boots, and reported here
#  12. fe-modules   stock, then ours: a guest running xcompile's x86_64
#                   kernel, whose frontend bus, blkfront and netfront are
#                   modules, loads, unloads and reloads them (fe-modules)
#
# Every result is a line "PASS name" or "FAIL name: why"; a step that cannot
# run FAILs.  The last line is "N passed, N failed"; the exit code is 1 if
# anything failed.
#
# Environment:
#   LAB_ONLY_STOCK=1    skip build-ours, boot-ours, debug, stock-debug, abi
#                       and pvh-dom0's boot of ours
#   LAB_SKIP="a b"      skip these steps (names as above), announced
#   LAB_TIMEOUT=S       limit for each boot (default: 1800 for boot-stock,
#                       boot-ours and stock-debug, 2400 for debug, 600 for
#                       pvh-dom0)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# Under set -e, every command that may fail is tested (if, ||): a failing
# step is a result, never the end of the suite.

skip_steps=" ${LAB_SKIP:-} "
if [ "${LAB_ONLY_STOCK:-0}" = 1 ]; then
	skip_steps="$skip_steps build-ours boot-ours debug stock-debug abi "
fi
pristine=$LAB_CACHE/src/linux-source-6.12
suite_log=$LAB_CACHE/logs/suite-$(date +%Y%m%d-%H%M%S)
mkdir -p "$suite_log"
results=$suite_log/results.txt
: > "$results"
t_suite=$(date +%s)

res() { # PASS|FAIL NAME [WHY]
	local l="$1 $2${3:+: $3}"
	echo "$l"
	echo "$l" >> "$results"
}
# collect FILE: take the PASS/FAIL/SKIP lines a step printed.
collect() { grep -E '^(PASS|FAIL|SKIP) ' "$1" >> "$results" || true; }
skipped() {
	case "$skip_steps" in
	*" $1 "*) lab_say "suite: step $1 skipped (LAB_SKIP / LAB_ONLY_STOCK)"; return 0 ;;
	esac
	return 1
}
step() { lab_say "suite: == $1 ($(( $(date +%s) - t_suite ))s)"; }
cd "$LAB_REPO"

# 1. setup
step setup
if ! skipped setup; then
	if "$LAB_DIR/setup.sh" > "$suite_log/setup.log" 2>&1; then
		res PASS suite/setup
	else
		tail -20 "$suite_log/setup.log"
		res FAIL suite/setup "setup.sh failed (see $suite_log/setup.log)"
	fi
fi

# 2. host tests
step host
if ! skipped host; then
	if [ -d tests/host ]; then
		if make -C tests/host check > "$suite_log/host.log" 2>&1; then
			res PASS host/check
		else
			tail -30 "$suite_log/host.log"
			res FAIL host/check "make -C tests/host check failed (see $suite_log/host.log)"
		fi
	else
		lab_say "suite: no tests/host"
	fi
fi

# 3. static checks on our kernel files
step static
if ! skipped static; then
	mapfile -t srcs < <(git ls-files --cached --others --exclude-standard -- \
		'*.c' '*.h' 'kunit/*.c' 'kunit/*.h' | grep -E '^(kunit/)?[^/]+\.[ch]$' | sort -u)
	# A fresh machine has no tree yet: checkpatch and kernel-doc come
	# from the same linux-source-6.12 the kernels are built from.
	[ -f "$pristine/.extracted" ] || "$LAB_DIR/build.sh" --stock --extract || true
	if [ ! -f "$pristine/scripts/checkpatch.pl" ]; then
		res FAIL static/tools "no kernel tree at $pristine (build.sh extracts it)"
	elif [ ${#srcs[@]} = 0 ]; then
		res FAIL static/sources "no *.c or *.h files in $LAB_REPO"
	else
		# Without a tree, checkpatch flags CamelCase names that the
		# kernel's Xen headers define (XenbusStateClosed...): not ours
		# to rename.  Drop those reports, keep every other one.
		camelcase_filter() {
			perl -e 'my $inc = shift; local $/ = "";
				while (<STDIN>) {
					if (/^CHECK:CAMELCASE: Avoid CamelCase: <(\w+)>/) {
						next if system("grep", "-rqw", "--include=*.h",
							       $1, $inc) == 0;
					}
					print;
				}' "$pristine/include/xen"
		}
		for f in "${srcs[@]}"; do
			# Deliberate exceptions, each justified in checkpatch-allow.txt.
			extra=$(awk -v f="$f" '$1 == f { printf ",%s", $2 }' \
				"$LAB_DIR/checkpatch-allow.txt")
			out=$(perl "$pristine/scripts/checkpatch.pl" --no-tree --strict --quiet \
				--ignore "SPDX_LICENSE_TAG,FILE_PATH_CHANGES$extra" --show-types -f "$f" 2>&1 |
				camelcase_filter) || true
			if ! echo "$out" | grep -qE '^(ERROR|WARNING|CHECK):'; then
				res PASS "static/checkpatch/$f"
			else
				echo "$out" | head -30
				res FAIL "static/checkpatch/$f" \
					"$(echo "$out" | grep -cE '^(ERROR|WARNING|CHECK)') issues"
			fi
			out=$(perl "$pristine/scripts/kernel-doc" -none "$f" 2>&1) || true
			if [ -z "$out" ]; then
				res PASS "static/kernel-doc/$f"
			else
				echo "$out" | head -20
				res FAIL "static/kernel-doc/$f" "$(echo "$out" | wc -l) lines of complaints"
			fi
		done
		# W=1 and sparse, one object at a time.  TODO: once build.sh
		# builds drivers/xen/xenbus with W=1 C=1 itself, this can go.
		for f in "${srcs[@]}"; do
			case "$f" in kunit/* | *.h) continue ;; esac
			rc=0
			out=$("$LAB_DIR/compile-one.sh" "$f" 2>&1) || rc=$?
			warn=$(echo "$out" | grep -E 'warning:|error:' || true)
			if [ $rc = 0 ] && [ -z "$warn" ]; then
				res PASS "static/w1-sparse/$f"
			else
				echo "$out" | grep -v '^lab:' | head -30
				res FAIL "static/w1-sparse/$f" \
					"$([ $rc = 0 ] || echo "does not compile; ")$(echo "$warn" | grep -c .) warnings"
			fi
		done
	fi
fi

# build VARIANT: build.sh's result, and the kernel's path in $kernel.
build() {
	local v=$1 log=$suite_log/build-$1.log arg=""
	[ "$v" = ours ] || arg=--$v
	kernel=""
	# shellcheck disable=SC2086
	if "$LAB_DIR/build.sh" $arg > "$log" 2>&1; then
		kernel=$(tail -1 "$log")
		if [ -f "$kernel" ]; then
			res PASS "build/$v" "$(grep -o 'done in [0-9]*s' "$log" | tail -1)"
			return 0
		fi
	fi
	tail -30 "$log"
	res FAIL "build/$v" "build.sh ${arg:-(ours)} failed (see $log)"
	kernel=""
	return 1
}
# boot VARIANT KERNEL SCENARIO...: boot.sh's results, the log dir in $bootdir.
#
# A PVH dom0 (the pvh-dom0 step) runs under QEMU's emulated SVM, which now
# and then gets an intercepted instruction wrong: the domain triple-faults
# (as a PVH domU's boot does about once in a dozen, which dom0.sh retries).
# dom0 cannot retry itself (seen in 2 of 8 PVH dom0 boots), so a boot
# whose dom0 died that way ("(XEN) d0vN Triple fault") is done again, up to
# three times, and the earlier attempts' logs are kept as
# boot-VARIANT.log.tryN.  Any other failure counts at once.
boot() {
	local v=$1 k=$2 log=$suite_log/boot-$1.log
	shift 2
	local rc try=1
	bootdir=""
	while :; do
		rc=0
		LAB_TIMEOUT=${LAB_TIMEOUT:-$boot_timeout} "$LAB_DIR/boot.sh" "$k" "$@" > "$log" 2>&1 || rc=$?
		bootdir=$(sed -n 's/^lab: boot\[[^]]*\]: log: \(.*\)\/console.log$/\1/p' "$log" | tail -1)
		if [ $rc != 0 ] && [ $try -lt 4 ] && [ -n "$bootdir" ] &&
		   grep -aEq '\(XEN\) d0v[0-9]+ Triple fault' "$bootdir/console.log"; then
			lab_say "suite: $v: dom0 triple-faulted in QEMU's emulated SVM (attempt $try, $bootdir): booting again"
			mv "$log" "$log.try$try"
			try=$((try + 1))
			continue
		fi
		break
	done
	grep -E '^(PASS|FAIL|SKIP) ' "$log" || true
	grep -E '^lab: boot' "$log" | grep -E 'QEMU|timing|passed' || true
	collect "$log"
	lab_say "suite: $v: logs in ${bootdir:-(none)}, boot.sh output in $log"
	if [ $rc != 0 ] && ! grep -q '^FAIL' "$log"; then
		tail -20 "$log"
		res FAIL "$v/boot/run" "boot.sh failed before reporting (see $log)"
	fi
	return 0
}

# kernel_of VARIANT: build.sh's last kernel of that variant, if any (used
# when the build step is skipped).
kernel_of() {
	local k=$LAB_CACHE/out-$1/arch/x86/boot/bzImage
	if [ -f "$k" ]; then echo "$k"; fi
}

# The exported symbols, with their GPL-ness, are the modules' ABI.
if diff <(grep -v '^#' "$LAB_DIR/exports-6.12.txt") \
	<(git ls-files -- '*.c' | grep -E '^[^/]+\.c$' | xargs grep -ho 'EXPORT_SYMBOL[A-Z_]*([a-z_0-9]*)' | sort) \
	> "$suite_log/exports.diff"; then
	res PASS static/exports
else
	cat "$suite_log/exports.diff"
	res FAIL static/exports "exports differ from Linux 6.12 (see $suite_log/exports.diff)"
fi

# Clean room: no six-line run in common with Linux's own xenbus.
if ! command -v duplicates >/dev/null; then
	res FAIL static/cleanroom "the duplicates tool is not installed"
elif rows=$("$LAB_DIR/cleanroom-check.sh" 2>&1); then
	res PASS static/cleanroom
else
	echo "$rows" | head -20
	res FAIL static/cleanroom "$(echo "$rows" | grep -c .) places share 6+ lines with Linux's xenbus"
fi

stock_abi="" ours_abi=""
# 4, 6. stock
step build-stock
kernel=""
if skipped build-stock; then
	kernel=$(kernel_of stock)
else
	build stock || true
fi
# 11 starts here, in the background: xcompile.sh builds in trees and out
# directories of its own, so it can run beside the boots.  A boot keeps
# QEMU busy on about one of the two CPUs on average (a 76 s boot of
# guest-basic and hotplug used 81 s of CPU), and the compiles at nice 19
# take what QEMU leaves: the same boot took 85 s and 80 s with a compile
# beside it.  The cross-compiles' some 600 s (cold) disappear into the
# boots; the xcompile step below waits for them and reports.
#
# Not in a session of its own (setsid): with the scheduler's autogroups
# (sched_autogroup_enabled, on in Debian's kernels) each session is a
# group that gets an equal share of the CPUs whatever its members' nice
# values, and QEMU then ran three to six times slower (seen here).  Job
# control (set -m) gives it a process group of its own in this session,
# which the trap ends if the suite itself is stopped early.
xc_pid=""
xlog=$suite_log/xcompile.log
if ! skipped xcompile; then
	xarg=""
	[ "${LAB_ONLY_STOCK:-0}" = 1 ] && xarg=--stock-only
	set -m
	# shellcheck disable=SC2086
	nice -n 19 "$LAB_DIR/xcompile.sh" $xarg > "$xlog" 2>&1 &
	xc_pid=$!
	set +m
	trap '[ -z "$xc_pid" ] || kill -- -"$xc_pid" 2>/dev/null || true' EXIT
	lab_say "suite: xcompile started in the background (pid $xc_pid, log $xlog)"
fi

# The harness itself: it must notice failures.  A scenario made to fail
# (selftest) and a boot cut short must both come out as FAILs.
step harness
if ! skipped harness; then
	if [ -n "$kernel" ]; then
		hlog=$suite_log/harness-selftest.log
		hrc=0
		LAB_VARIANT=harness LAB_TIMEOUT=300 "$LAB_DIR/boot.sh" "$kernel" selftest > "$hlog" 2>&1 || hrc=$?
		missing=""
		for want in "FAIL harness/selftest/deliberate:" \
			    "FAIL harness/selftest/guest/deliberate:" \
			    "FAIL harness/selftest/kernel-sanity: dom0: .*WARNING: lab selftest" \
			    "FAIL harness/selftest/kernel-sanity: guest selftest: .*BUG: lab selftest" \
			    "PASS harness/selftest/deliberate-pass" \
			    "PASS harness/boot/end-marker"; do
			grep -q "^$want" "$hlog" || missing="$missing [$want]"
		done
		extra=$(grep '^FAIL' "$hlog" | grep -v -e '/deliberate:' -e '/kernel-sanity:' || true)
		if [ $hrc = 1 ] && [ -z "$missing" ] && [ -z "$extra" ]; then
			res PASS harness/catches-failures
		else
			res FAIL harness/catches-failures "rc $hrc; missing:${missing:- none}; unexpected: ${extra:-none} (see $hlog)"
		fi
		hlog=$suite_log/harness-timeout.log
		hrc=0
		LAB_VARIANT=harness LAB_TIMEOUT=3 "$LAB_DIR/boot.sh" "$kernel" none > "$hlog" 2>&1 || hrc=$?
		if [ $hrc = 1 ] && grep -q '^FAIL harness/boot/end-marker: .*killed after' "$hlog"; then
			res PASS harness/catches-timeout
		else
			res FAIL harness/catches-timeout "rc $hrc (see $hlog)"
		fi
	else
		res FAIL harness/selftest "no stock kernel to boot"
	fi
fi

step boot-stock
if ! skipped boot-stock; then
	if [ -n "$kernel" ]; then
		boot_timeout=1800
		boot stock "$kernel" all
		if [ -n "$bootdir" ] && [ -f "$bootdir/abi.txt" ]; then
			stock_abi=$bootdir/abi.txt
		fi
	else
		res FAIL stock/boot "no stock kernel to boot"
	fi
fi

# 7-8. ours
step build-ours
kernel=""
if skipped build-ours; then
	kernel=$(kernel_of ours)
else
	build ours || true
fi
step boot-ours
if ! skipped boot-ours; then
	if [ -n "$kernel" ]; then
		mapfile -t ours_sc < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' \
			"$LAB_DIR/ours-scenarios.txt" 2>/dev/null | grep . || true)
		[ ${#ours_sc[@]} = 0 ] && ours_sc=(none)
		lab_say "suite: ours runs: ${ours_sc[*]}"
		boot_timeout=1800
		boot ours "$kernel" "${ours_sc[@]}"
		if [ -n "$bootdir" ] && [ -f "$bootdir/abi.txt" ]; then
			ours_abi=$bootdir/abi.txt
		fi
	else
		res FAIL ours/boot "no kernel of ours to boot"
	fi
fi

# 9. debug
step debug
if ! skipped debug; then
	if build debug; then
		boot_timeout=2400
		boot debug "$kernel" dom0-store guest-basic hotplug save-restore credit-race pvh-basic hostile recover
		if [ -n "$bootdir" ] && ! grep -q '/kunit/' "$suite_log/boot-debug.log"; then
			res FAIL debug/kunit "no KUnit results on the debug kernel's console"
		fi
	else
		res FAIL debug/boot "no debug kernel to boot"
	fi
fi

# 9b. the control for the debug kernel's lab checks
step stock-debug
if ! skipped stock-debug; then
	if build stock-debug; then
		boot_timeout=1800
		boot stock-debug "$kernel" credit-race pvh-basic
	else
		res FAIL stock-debug/boot "no stock-debug kernel to boot"
	fi
fi

# 10. the sysfs ABI, stock against ours
step abi
if ! skipped abi; then
	allowed=$LAB_DIR/abi-allowed-diff.txt
	if [ -z "$stock_abi" ]; then
		res FAIL abi/compare "no ABI record from stock"
	elif [ -z "$ours_abi" ]; then
		res FAIL abi/compare "no ABI record from ours (is sysfs-abi in ours-scenarios.txt, and did it pass?)"
	else
		diff "$stock_abi" "$ours_abi" | grep -E '^[<>] ' |
			sed -e 's/^< /-/' -e 's/^> /+/' > "$suite_log/abi.diff" || true
		grep -vxFf <(grep -Ev '^(#|$)' "$allowed" 2>/dev/null || true) \
			"$suite_log/abi.diff" > "$suite_log/abi.unexpected" || true
		if [ -s "$suite_log/abi.unexpected" ]; then
			head -40 "$suite_log/abi.unexpected"
			res FAIL abi/compare "$(wc -l < "$suite_log/abi.unexpected") lines differ from stock (- stock, + ours; see $suite_log/abi.unexpected)"
		else
			res PASS abi/compare "$(wc -l < "$suite_log/abi.diff") allowed differences"
		fi
	fi
fi

# 10b. a PVH dom0, stock then ours
step pvh-dom0
if ! skipped pvh-dom0; then
	boot_timeout=600
	for v in stock ours; do
		[ $v = ours ] && [ "${LAB_ONLY_STOCK:-0}" = 1 ] && continue
		k=$(kernel_of $v)
		if [ -z "$k" ]; then
			res FAIL "$v-pvhdom0/boot" "no $v kernel to boot"
			continue
		fi
		LAB_VARIANT=$v-pvhdom0 LAB_XEN_EXTRA="dom0=pvh" LAB_QEMU_EXTRA="-device amd-iommu" \
			boot $v-pvhdom0 "$k" pvh-dom0
	done
fi

# 11. cross-compiles: arm64, i386, x86_64 with every consumer (xcompile.sh)
step xcompile
if ! skipped xcompile; then
	xrc=0
	wait "$xc_pid" || xrc=$?
	xc_pid=""
	lab_say "suite: xcompile: $(grep -o 'done in [0-9]*s.*' "$xlog" || echo "exit code $xrc")"
	if [ $xrc != 0 ] && ! grep -q '^FAIL' "$xlog"; then
		tail -20 "$xlog"
		res FAIL xcompile/run "xcompile.sh failed before reporting (see $xlog)"
	fi
	grep -E '^(PASS|FAIL) ' "$xlog" || true
	collect "$xlog"
fi

# 12. a guest whose frontend bus is a module: xcompile.sh's x86_64 kernel
# (every consumer and the bus modules) as the guest, the same variant's lab
# kernel as dom0.  Only once xcompile has just built it: an old one would
# not be this tree's.
step fe-modules
if ! skipped fe-modules; then
	boot_timeout=600
	for v in stock ours; do
		[ $v = ours ] && [ "${LAB_ONLY_STOCK:-0}" = 1 ] && continue
		k=$(kernel_of $v)
		gk=$LAB_CACHE/xc-out-x86_64-$v/arch/x86/boot/bzImage
		if [ -z "$k" ]; then
			res FAIL "$v-femod/boot" "no $v kernel for dom0"
		elif skipped xcompile || ! grep -q "^PASS xcompile/x86_64/$v/link" "$results"; then
			res FAIL "$v-femod/boot" "no x86_64 kernel of $v from xcompile.sh in this run"
		else
			LAB_VARIANT=$v-femod LAB_GUEST_KERNEL=$gk boot $v-femod "$k" fe-modules
		fi
	done
fi

npass=$(grep -c '^PASS' "$results" || true)
nfail=$(grep -c '^FAIL' "$results" || true)
nskip=$(grep -c '^SKIP' "$results" || true)
lab_say "suite: logs in $suite_log ($(( $(date +%s) - t_suite ))s)"
grep '^FAIL' "$results" | sed 's/^/lab: suite: /' || true
[ "$nskip" = 0 ] || lab_say "suite: $nskip checks skipped: $(grep '^SKIP' "$results" | cut -d' ' -f2 | tr '\n' ' ')"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
