#!/bin/bash
# Boot Xen + a PV dom0 under QEMU (TCG) and run scenarios inside it.
#
#   boot.sh KERNEL SCENARIO...      (or "all": every scenario, in order)
#
# KERNEL is a bzImage from build.sh; it runs as dom0 and as every guest.
# Results are printed as "PASS <variant>/<scenario>/<check>" and
# "FAIL <variant>/<scenario>/<check>: <reason>"; <variant> is stock, ours or
# debug (from build.sh's output directory; $LAB_VARIANT overrides).
# Exits 0 only if nothing failed.
#
# "none" boots dom0 and starts the toolstack without running a scenario.
#
# Environment:
#   LAB_TIMEOUT=900     hard limit for the whole boot, in seconds
#   LAB_VERBOSE=1       stream the whole console instead of progress lines
#   LAB_GUEST_EXTRA=... more guest kernel parameters
#   LAB_DOM0_EXTRA=...  more dom0 kernel parameters
#   LAB_XEN_EXTRA=...   more Xen parameters
#   LAB_GUEST_KERNEL=.. a second bzImage (modules from its build's modinst/)
#                       for guests created with "altkernel"
#   LAB_QEMU_EXTRA=...  more QEMU arguments (e.g. -device amd-iommu)
#   LAB_QEMU_CPU=...    QEMU's -cpu (default qemu64,+svm,+npt: SVM with
#                       nested paging for PVH guests)
#
# Logs: $LAB_CACHE/logs/<time>-<variant>-<scenarios>/
#   console.log         everything QEMU's serial port printed
#   guest-<name>.log    each guest's console, as xenconsoled logged it
#   files/              other logs copied out of dom0 (xl, xenstored)
#   abi.txt             the sysfs-abi scenario's normalised ABI record
#   results.txt         the results, as printed
#   timing.txt          seconds per scenario
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || { echo "usage: $0 KERNEL SCENARIO...|all" >&2; exit 2; }
kernel=$(realpath "$1")
shift
[ -f "$kernel" ] || lab_die "no kernel at $kernel"
scenarios=()
for s in "$@"; do
	if [ "$s" = none ]; then
		# Boot and bring the toolstack up, nothing more.
		continue
	elif [ "$s" = all ]; then
		# shellcheck disable=SC2206
		scenarios+=($LAB_ALL_SCENARIOS)
	else
		[ -f "$LAB_DIR/scenarios/$s.sh" ] || lab_die "no scenario $s (see $LAB_DIR/scenarios)"
		scenarios+=("$s")
	fi
done
variant=$(lab_variant "$kernel")
timeout_s=${LAB_TIMEOUT:-900}

say() { echo "lab: boot[$variant]: $*"; }

imgout=$("$LAB_DIR/mkimages.sh")
echo "$imgout" | sed '$d'
dom0img=$(echo "$imgout" | tail -1)

# Xen: QEMU's multiboot loader wants the plain ELF, so unpack it once.
xengz=/boot/xen-4.17-amd64.gz
xen=$LAB_CACHE/xen/xen-4.17-amd64
if [ ! -f "$xen" ] || [ "$xengz" -nt "$xen" ]; then
	mkdir -p "${xen%/*}"
	gunzip -c "$xengz" > "$xen.tmp"
	mv "$xen.tmp" "$xen"
fi

if [ ${#scenarios[@]} = 0 ]; then
	tag=none
elif [ ${#scenarios[@]} -le 3 ]; then
	tag=$(IFS=+; echo "${scenarios[*]}")
else
	tag=${#scenarios[@]}-scenarios
fi
logdir=$LAB_CACHE/logs/$(date +%Y%m%d-%H%M%S)-$variant-$tag
mkdir -p "$logdir/files"
console=$logdir/console.log

# The run's own files go in a second cpio archive appended to dom0's image
# (the kernel unpacks concatenated archives in order): the kernel, which
# dom0 hands to every guest, its modules with their modules.dep (build.sh's
# modinst; under usr/lib, as /lib is a link to it), the lab's modules built
# for that very kernel (tools/lab/modules/, rebuilt only when stale), and
# the scenario list.
ov=$logdir/overlay
mkdir -p "$ov/lab/kernel"
cp "$kernel" "$ov/lab/kernel/bzImage"
kout=${kernel%/arch/x86/boot/bzImage}
if [ -d "$kout/modinst/lib/modules" ]; then
	mkdir -p "$ov/usr/lib"
	cp -a "$kout/modinst/lib/modules" "$ov/usr/lib/"
	# The same for a guest that needs them (a driver domain): an archive
	# dom0 appends to the guest image (guest_create's "modules").
	(cd "$ov" && find usr | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1n > "$logdir/guest-modules.cpio.gz"
	mv "$logdir/guest-modules.cpio.gz" "$ov/lab/guest-modules.cpio.gz"
else
	say "warning: no modules next to $kernel (build.sh installs them in modinst/)"
fi
# A second kernel for the guests that ask for it (guest_create's
# "altkernel"), with its own modules as an archive for their images.
if [ -n "${LAB_GUEST_KERNEL:-}" ]; then
	[ -f "$LAB_GUEST_KERNEL" ] || lab_die "no guest kernel $LAB_GUEST_KERNEL"
	cp "$LAB_GUEST_KERNEL" "$ov/lab/kernel/guest-bzImage"
	gout=${LAB_GUEST_KERNEL%/arch/x86/boot/bzImage}
	if [ -d "$gout/modinst/lib/modules" ]; then
		gm=$logdir/alt-modules
		mkdir -p "$gm/usr/lib"
		cp -a "$gout/modinst/lib/modules" "$gm/usr/lib/"
		(cd "$gm" && find usr | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
			gzip -1n > "$ov/lab/guest-alt-modules.cpio.gz"
		rm -rf "$gm"
	else
		say "warning: no modules next to $LAB_GUEST_KERNEL"
	fi
fi
"$LAB_DIR/modules/build.sh" "$kernel" "$ov/lab/modules"
{
	echo "LAB_VARIANT=$variant"
	echo "LAB_SCENARIOS=\"${scenarios[*]:-none}\""
	echo "LAB_GUEST_EXTRA=\"${LAB_GUEST_EXTRA:-}\""
	echo "export LAB_GUEST_EXTRA"
} > "$ov/lab/run.conf"
(cd "$ov" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1n > "$logdir/overlay.cpio.gz"
rm -rf "$ov"
cat "$dom0img" "$logdir/overlay.cpio.gz" > "$logdir/dom0-initrd.gz"
rm -f "$logdir/overlay.cpio.gz"

# One QEMU at a time: two would share the machine's two cores and both
# crawl.  A second boot waits here for the first.
exec 8> "$LAB_CACHE/.qemu.lock"
if ! flock -n 8; then
	say "waiting for another boot to finish"
	flock 8
fi
say "scenarios: ${scenarios[*]:-none}"
say "log: $console"
: > "$console"
start=$(date +%s)
# Progress: the markers dom0 prints, with the time since QEMU started
# (polled, so there is one plain child process to stop at the end).
progress() {
	local shown=0 i
	local -a m
	while sleep 2; do
		mapfile -t m < <(tr -d '\r' < "$console" | grep -E \
			'^(LAB-DOM0-UP|LAB-SCENARIO-|LAB-END)|Kernel panic|Dom0 crashed' || true)
		for ((i = shown; i < ${#m[@]}; i++)); do
			echo "lab: boot[$variant]: +$(( $(date +%s) - start ))s ${m[i]:0:160}"
		done
		shown=${#m[@]}
	done
}
if [ "${LAB_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$console" &
else
	progress &
fi
tailer=$!
qpid=""
cleanup() {
	kill $tailer 2>/dev/null || true
	# timeout(1) runs in a process group of its own: stop it by its pid.
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bootscrub=0: Xen would otherwise scrub all free memory in the background,
# which under TCG competes with dom0 for the emulated CPUs.
# shellcheck disable=SC2086 # LAB_QEMU_EXTRA: more arguments, split
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-machine q35 -cpu "${LAB_QEMU_CPU:-qemu64,+svm,+npt}" -m 3072 -smp 2 -nographic -no-reboot \
	${LAB_QEMU_EXTRA:-} \
	-kernel "$xen" \
	-append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 bootscrub=0 ${LAB_XEN_EXTRA:-}" \
	-initrd "$kernel console=hvc0 earlyprintk=xen ${LAB_DOM0_EXTRA:-},$logdir/dom0-initrd.gz" \
	< /dev/null > "$console" 2>&1 &
qpid=$!
set +e
wait $qpid
qrc=$?
set -e
qpid=""
elapsed=$(( $(date +%s) - start ))
sleep 2
kill $tailer 2>/dev/null || true
wait $tailer 2>/dev/null || true
rm -f "$logdir/dom0-initrd.gz"
say "QEMU exited with $qrc after ${elapsed}s"

# ---- Everything below reads console.log only. ----
clean=$logdir/.console.clean
tr -d '\r' < "$console" > "$clean"

# Split out the guests' consoles and the files dom0 printed.
awk -v dir="$logdir" '
	/^LAB-GUESTLOG-BEGIN / { out = dir "/guest-" $2 ".log"; next }
	/^LAB-GUESTLOG-END / { close(out); out = ""; next }
	/^LAB-FILE-BEGIN / { out = dir "/files/" $2; next }
	/^LAB-FILE-END / { close(out); out = ""; next }
	out != "" { print > out }' "$clean"
# The ABI record (normalised by dom0).
awk '/^ABI-BEGIN/ { on = 1; next } /^ABI-END/ { on = 0 } on' "$clean" > "$logdir/abi.txt"
[ -s "$logdir/abi.txt" ] || rm -f "$logdir/abi.txt"

# dom0's own console: everything outside the copied files.
main=$logdir/.console.main
awk '/^LAB-(GUESTLOG|FILE)-BEGIN / { skip = 1 } !skip { print }
     /^LAB-(GUESTLOG|FILE)-END / { skip = 0 }' "$clean" > "$main"

results=$logdir/results.txt
: > "$results"
emit() { echo "$1" >> "$results"; }

# 1. What the scenarios reported.  The copy dom0 prints at the end is
# authoritative; if the run died before that, use the live lines.
if grep -q '^LAB-RESULTS-END' "$main"; then
	awk '/^LAB-RESULTS-BEGIN/ { on = 1; next } /^LAB-RESULTS-END/ { on = 0 } on' "$main"
else
	grep -E '^(PASS|FAIL|SKIP) ' "$main" || true
fi | grep -E '^(PASS|FAIL|SKIP) ' | sed -E "s#^(PASS|FAIL|SKIP) #\1 $variant/#" >> "$results" || true

# 2. Scenarios that did not finish, and the end marker.
for s in "${scenarios[@]}"; do
	grep -q "^LAB-SCENARIO-END $s " "$main" ||
		emit "FAIL $variant/$s/finished: the scenario did not finish (timeout or crash; see console.log)"
done
if grep -q '^LAB-END' "$main"; then
	emit "PASS $variant/boot/end-marker"
else
	why="no end marker"
	[ $qrc = 124 ] || [ $qrc = 137 ] && why="$why: killed after LAB_TIMEOUT=${timeout_s}s"
	emit "FAIL $variant/boot/end-marker: $why (QEMU rc $qrc)"
fi

# 3. Kernel sanity, in dom0's console and in every guest's.  A kernel line
# carries a printk timestamp; lines that tools/lab/sanity-allow.txt matches
# are known and harmless.
sanity_re='\[ *[0-9]+\.[0-9]+\].*(BUG:|BUG [^ ]+ \(|WARNING:|Oops|possible circular locking|KASAN:|Kernel panic|general protection fault|INFO: task .* blocked)'
allow=$LAB_DIR/sanity-allow.txt
sanity_hits() { # FILE
	grep -E "$sanity_re" "$1" | { if [ -s "$allow" ]; then grep -Evf <(grep -Ev '^(#|$)' "$allow"); else cat; fi; } || true
}
# Reports whose cause lies wholly in code we do not touch and that stock
# prints too, under the same debug configuration (stock-debug).  Only such
# a report block is discounted, never the pattern in general: a report
# that names any other function still fails.
#   gntdev: gntdev_ioctl() copies to user space under priv->lock while
#   gntdev_mmap() takes priv->lock under mmap_lock; xenstored hits it when
#   it maps a guest's store ring (drivers/xen/gntdev.c, not xenbus).
#   grant-table: gnttab_unmap_refs_sync() puts the delayed work of
#   gnttab_unmap_refs_async() on its stack without the _ONSTACK init, so
#   DEBUG_OBJECTS objects when blkback frees its persistent grants
#   (drivers/xen/grant-table.c; our frames only call it).
#   netfront: xennet_remove() reads the store inside a wait_event()
#   condition, a sleep in !TASK_RUNNING that DEBUG_ATOMIC_SLEEP reports
#   when netfront is unbound (drivers/net/xen-netfront.c).
discount_known() { # FILE -> FILE with known blocks defused
	awk '
	function known_what(   w) {
		if (kind == "lockdep")
			return (buf ~ /gntdev_mmap/ && buf ~ /gntdev_ioctl/ &&
				buf !~ /xenbus|[^a-z]xs_|[^a-z]xb_/) ? "gntdev" : ""
		if (buf ~ /ODEBUG: object [0-9a-f]+ is on stack/ &&
		    buf ~ /\] +gnttab_unmap_refs_async\+/ &&
		    buf ~ /\] +gnttab_unmap_refs_sync\+/)
			return "grant-table"
		if (buf ~ /do not call blocking ops when !TASK_RUNNING/ &&
		    buf ~ /\] +xennet_remove\+/)
			return "netfront"
		return ""
	}
	function flush(   i, what) {
		what = known_what()
		for (i = 1; i <= n; i++) {
			if (what != "") {
				sub(/WARNING: possible circular locking dependency detected/,
				    "known stock lockdep report (" what ", not xenbus)", line[i])
				sub(/WARNING: CPU:/, "known stock warning (" what ", not xenbus): CPU:", line[i])
				sub(/ODEBUG: object/, "known stock debug-objects report (" what ", not xenbus): object", line[i])
			}
			print line[i]
		}
		n = 0; buf = ""; inblk = 0; kind = ""
	}
	/possible circular locking dependency detected/ {
		if (inblk) flush()
		inblk = 1; kind = "lockdep"
	}
	/ODEBUG: object [0-9a-f]+ is on stack|do not call blocking ops when !TASK_RUNNING/ {
		if (inblk) flush()
		inblk = 1; kind = "warning"
	}
	inblk {
		line[++n] = $0; buf = buf "\n" $0
		if ((kind == "lockdep" && /stack backtrace:/) ||
		    (kind == "warning" && /---\[ end trace/))
			flush()
		next
	}
	{ print }
	END { if (inblk) flush() }' "$1"
}
discount_known "$main" > "$logdir/.console.scan"
main_scan=$logdir/.console.scan

# Which scenario was running when each dom0 line was printed.
RE="$sanity_re" awk '
	/^LAB-SCENARIO-BEGIN / { s = $2 } /^LAB-SCENARIO-END / { s = "boot" }
	$0 ~ ENVIRON["RE"] { print (s == "" ? "boot" : s) "\t" $0 }' "$main_scan" > "$logdir/.sanity.dom0"
if [ -s "$allow" ]; then
	grep -Evf <(grep -Ev '^(#|$)' "$allow") "$logdir/.sanity.dom0" > "$logdir/.sanity.tmp" || true
	mv "$logdir/.sanity.tmp" "$logdir/.sanity.dom0"
fi
for s in boot "${scenarios[@]}"; do
	hit=$(awk -F'\t' -v s="$s" '$1 == s { print $2; exit }' "$logdir/.sanity.dom0")
	if [ -n "$hit" ]; then
		emit "FAIL $variant/$s/kernel-sanity: dom0: ${hit:0:200}"
	fi
done
# A guest belongs to the scenario whose name starts its own.
for g in "$logdir"/guest-*.log; do
	[ -f "$g" ] || continue
	gname=${g##*/guest-}
	gname=${gname%.log}
	owner=guests
	for s in "${scenarios[@]}"; do
		case "$gname" in "$s"*) owner=$s ;; esac
	done
	hit=$(sanity_hits <(discount_known "$g") | head -1)
	[ -n "$hit" ] && emit "FAIL $variant/$owner/kernel-sanity: guest $gname: ${hit:0:200}"
done
for s in boot "${scenarios[@]}"; do
	grep -q "^FAIL $variant/$s/kernel-sanity" "$results" ||
		emit "PASS $variant/$s/kernel-sanity"
done
rm -f "$logdir/.sanity.dom0"

# 4. KUnit's KTAP report from dom0's boot, if the kernel has KUnit.
# KTAP nests by four spaces: suites at 4 (their result line at 0), cases at
# 4, parameters at 8.
sed -E 's/^.*\[ *[0-9]+\.[0-9]+\] //' "$main" | awk -v v="$variant" '
	function indent(s) { match(s, /^ */); return RLENGTH }
	/^ *# Subtest: / { d = indent($0); sub(/^ *# Subtest: /, ""); name[d] = $0; next }
	/^ *(not )?ok [0-9]+ / {
		d = indent($0); line = $0; sub(/^ */, "", line)
		res = (line ~ /^ok/) ? "PASS" : "FAIL"
		sub(/^(not )?ok [0-9]+ /, "", line)
		if (line ~ /# SKIP/) res = "SKIP"
		sub(/ *#.*$/, "", line)
		if (d == 0) {
			# A suite: reported on its own only if none of its cases was.
			if (!cases[line]) print res " " v "/kunit/" line
		} else if (d == 4 && name[4] != "") {
			if (!params[name[4] "/" line])
				print res " " v "/kunit/" name[4] "/" line
			cases[name[4]] = 1
		} else if (d == 8 && name[4] != "" && name[8] != "") {
			print res " " v "/kunit/" name[4] "/" name[8] "/" line
			params[name[4] "/" name[8]] = 1
			cases[name[4]] = 1
		}
	}' >> "$results"

# Timing per scenario.
awk '/^LAB-SCENARIO-END / { sub(/secs=/, "", $4); print $2 "\t" $4 "s\t" $3 }' "$main" > "$logdir/timing.txt"
rm -f "$clean" "$main"

cat "$results"
if [ -s "$logdir/timing.txt" ]; then
	say "timing: $(awk '{ printf "%s %s, ", $1, $2 }' "$logdir/timing.txt")total ${elapsed}s"
fi
say "log: $console"
npass=$(grep -c '^PASS' "$results" || true)
nfail=$(grep -c '^FAIL' "$results" || true)
say "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
