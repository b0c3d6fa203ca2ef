#!/bin/bash
# Compile Xen's drivers and every in-tree user of <xen/xenbus.h> against
# Linux's own xenbus (stock, the control) and against ours, on several
# architectures and configurations, with W=1:
#
#   arm64    ARCH=arm64, Debian's aarch64-linux-gnu-gcc; Xen on arm64
#            (HVM-style, no PV) with backends
#   i386     ARCH=i386 with the host's gcc (the kernel passes -m32 itself):
#            PAE, a PVHVM guest with backends (no 32-bit PV in 6.12)
#   x86_64   a PV guest with backends and every consumer as a module, the
#            frontend bus too (XEN_XENBUS_FRONTEND=m), built whole (vmlinux
#            and all modules) so that modpost checks every consumer
#            module's symbols against vmlinux and the bus, ours included
#
# Each architecture has a source tree of its own, $LAB_CACHE/src/xc-ARCH
# (hard links to linux-source-6.12, drivers/xen/Kconfig sourcing
# drivers/xen/xenbus/Kconfig, as build.sh does), in which stock's or our
# xenbus is swapped in (rsync -c), and one out directory per variant,
# $LAB_CACHE/xc-out-ARCH-VARIANT.  Stock is built first, then ours: the
# configurations and paths are the same, so ours takes every object but
# xenbus's from ccache ($LAB_CACHE/ccache, as build.sh).
#
# Per architecture and variant: tinyconfig + config/xcompile/common.config
# + config/xcompile/ARCH.config, make prepare, then only drivers/xen/, the
# architecture's Xen directory and the consumers' directories or objects
# (their objects are removed first, so that ccache replays their
# warnings on every run).  x86_64 then builds vmlinux and modules.
#
# Results ("PASS xcompile/ARCH/VARIANT/CHECK" or "FAIL ...: why"):
#   config    every option of the fragments survived olddefconfig
#   compile   the targeted directories compile, every consumer object exists
#   w1        stock: how many W=1 warnings (the control, never fails);
#             ours: no warning in drivers/xen/xenbus, no warning stock lacks
#   link      (x86_64) vmlinux and all modules link, every consumer .ko exists
#   modpost   (x86_64) no modpost report about a Xen module or a xenbus
#             symbol, and (ours) no modpost line that stock lacks
# Exits 1 if anything failed.
#
#   xcompile.sh [--stock-only] [ARCH...]      (default: arm64 i386 x86_64)
#
# Environment: LAB_XC_CCACHE_DIR (another ccache, e.g. an empty one to
# measure a cold run), LAB_XC_JOBS (default: CPUs + 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
repo=$LAB_REPO
variants="stock ours"
arches=()
for a in "$@"; do
	case "$a" in
	--stock-only) variants=stock ;;
	arm64 | i386 | x86_64) arches+=("$a") ;;
	*) echo "usage: $0 [--stock-only] [arm64] [i386] [x86_64]" >&2; exit 2 ;;
	esac
done
[ ${#arches[@]} -gt 0 ] || arches=(arm64 i386 x86_64)

export CCACHE_DIR=${LAB_XC_CCACHE_DIR:-$LAB_CACHE/ccache}
export CCACHE_BASEDIR=$LAB_CACHE
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2026-01-01"
export KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab
jobs=${LAB_XC_JOBS:-$(($(nproc) + 1))}
frag_dir=$here/config/xcompile
pristine=$LAB_CACHE/src/linux-source-6.12

nfail=0
say() { lab_say "xcompile: $*"; }
res() { # PASS|FAIL NAME [WHY]
	echo "$1 xcompile/$2${3:+: $3}"
	if [ "$1" = FAIL ]; then nfail=$((nfail + 1)); fi
	return 0
}

# What each architecture compiles: directories (trailing /) or objects.
# Every user of <xen/xenbus.h> outside drivers/xen/xenbus that the
# architecture can build (drivers/xen/ covers the bus's own users: the
# SCSI and PV calls backends and frontend, privcmd, xenfs, the balloon,
# manage, cpu_hotplug, events, sys-hypervisor, the PCI backend, the
# platform PCI device, xen-front-pgdir-shbuf).
common_targets="drivers/xen/ drivers/block/xen-blkfront.o drivers/block/xen-blkback/
drivers/net/xen-netfront.o drivers/net/xen-netback/ drivers/char/tpm/xen-tpmfront.o
drivers/gpu/drm/xen/ drivers/input/misc/xen-kbdfront.o drivers/scsi/xen-scsifront.o
drivers/tty/hvc/hvc_xen.o drivers/usb/host/xen-hcd.o drivers/video/fbdev/xen-fbfront.o
net/9p/trans_xen.o sound/xen/"
# Objects that must exist afterwards (the consumers, and xenbus itself).
common_objs="drivers/xen/xenbus/built-in.a drivers/block/xen-blkfront.o
drivers/block/xen-blkback/xen-blkback.o drivers/net/xen-netfront.o
drivers/net/xen-netback/xen-netback.o drivers/char/tpm/xen-tpmfront.o
drivers/gpu/drm/xen/drm_xen_front.o drivers/input/misc/xen-kbdfront.o
drivers/scsi/xen-scsifront.o drivers/tty/hvc/hvc_xen.o drivers/usb/host/xen-hcd.o
drivers/video/fbdev/xen-fbfront.o net/9p/trans_xen.o sound/xen/snd_xen_front.o
drivers/xen/xen-scsiback.o drivers/xen/pvcalls-front.o drivers/xen/pvcalls-back.o
drivers/xen/xen-privcmd.o drivers/xen/xenfs/xenfs.o drivers/xen/xen-front-pgdir-shbuf.o
drivers/xen/cpu_hotplug.o drivers/xen/manage.o drivers/xen/events/events_base.o
drivers/xen/sys-hypervisor.o drivers/xen/xen-balloon.o drivers/xen/xen-gntdev.o
drivers/xen/xen-gntalloc.o drivers/xen/xen-evtchn.o"
# x86_64's modules (the .ko files link and pass modpost).
x86_64_kos="drivers/block/xen-blkfront.ko drivers/block/xen-blkback/xen-blkback.ko
drivers/net/xen-netfront.ko drivers/net/xen-netback/xen-netback.ko
drivers/char/tpm/xen-tpmfront.ko drivers/gpu/drm/xen/drm_xen_front.ko
drivers/input/misc/xen-kbdfront.ko drivers/scsi/xen-scsifront.ko
drivers/usb/host/xen-hcd.ko drivers/video/fbdev/xen-fbfront.ko net/9p/9pnet_xen.ko
sound/xen/snd_xen_front.ko drivers/xen/xen-scsiback.ko drivers/xen/pvcalls-front.ko
drivers/xen/pvcalls-back.ko drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko
drivers/xen/xen-front-pgdir-shbuf.ko drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko
drivers/xen/xen-evtchn.ko drivers/pci/xen-pcifront.ko drivers/xen/xen-pciback/xen-pciback.ko
drivers/xen/xenbus/xenbus_probe_frontend.ko"

arch_setup() { # ARCH: sets karch, cross, cc, targets, objs
	karch=$1 cross="" cc="ccache gcc"
	targets=$common_targets objs=$common_objs
	case "$1" in
	arm64)
		cross=aarch64-linux-gnu- cc="ccache aarch64-linux-gnu-gcc"
		targets="$targets arch/arm64/xen/"
		objs="$objs arch/arm/xen/enlighten.o drivers/xen/xenfs/xenstored.o" ;;
	i386)
		targets="$targets arch/x86/xen/"
		objs="$objs drivers/xen/platform-pci.o drivers/xen/xen-pciback/xen-pciback.o" ;;
	x86_64)
		targets="$targets arch/x86/xen/ drivers/pci/xen-pcifront.o"
		objs="$objs drivers/xen/platform-pci.o drivers/xen/xen-pciback/xen-pciback.o
			drivers/pci/xen-pcifront.o" ;;
	esac
}

# graft SRC: the architecture's tree, hard links to the pristine one.
graft() {
	local src=$1
	[ -f "$src/.linked" ] && return 0
	say "creating $src"
	rm -rf "$src"
	cp -al "$pristine" "$src"
	rm -f "$src/.extracted"
	cp --remove-destination "$pristine/drivers/xen/Kconfig" "$src/drivers/xen/Kconfig"
	printf '\nsource "drivers/xen/xenbus/Kconfig"\n' >> "$src/drivers/xen/Kconfig"
	touch "$src/.linked"
}

# swap SRC VARIANT: put stock's or our xenbus into SRC (as build.sh does).
swap() {
	local src=$1 v=$2 new=$1/drivers/xen/xenbus.new
	rm -rf "$new"; mkdir -p "$new"
	if [ "$v" = stock ]; then
		cp "$pristine"/drivers/xen/xenbus/* "$new/"
		cp "$repo/Kconfig" "$new/"
	else
		(cd "$repo" && git ls-files --cached --others --exclude-standard -- \
			Kconfig Makefile '*.c' '*.h' 'kunit/*' ':!:tools/**' ':!:tests/**' ':!:bench/**') |
			while read -r f; do
				mkdir -p "$new/$(dirname "$f")"
				cp "$repo/$f" "$new/$f"
			done
	fi
	rsync -rc --delete "$new/" "$src/drivers/xen/xenbus/"
	rm -rf "$new"
}

# norm: paths made relative to the tree (make prints ../src/xc-ARCH/...).
norm() { sed -E -e "s#($LAB_CACHE/|(\.\./)+)src/xc-[a-z0-9_]+/##g" -e "s#$LAB_CACHE/xc-out-[a-z0-9_]+-[a-z]+/##g"; }
# warnings LOG: the compiler's warning and error lines, normalised, sorted.
warnings() {
	grep -E ':[0-9]+(:[0-9]+)?: (warning|error): ' "$1" | norm | sort -u || true
}

build_one() { # ARCH VARIANT
	local arch=$1 v=$2 src=$LAB_CACHE/src/xc-$1 out=$LAB_CACHE/xc-out-$1-$2
	local name=$arch/$v t0 frags stamp missing log f
	arch_setup "$arch"
	mkdir -p "$out"
	mk() { make -s -C "$src" O="$out" ARCH="$karch" ${cross:+CROSS_COMPILE=$cross} \
		CC="$cc" -j"$jobs" "$@"; }
	t0=$(date +%s)
	swap "$src" "$v"

	frags=("$frag_dir/common.config" "$frag_dir/$arch.config")
	stamp=$(cat "${frags[@]}" | sha1sum | cut -c1-12)
	if [ ! -f "$out/.config" ] || [ "$(cat "$out/.frag-stamp" 2>/dev/null)" != "$stamp" ]; then
		say "$name: configuring (tinyconfig + common.config + $arch.config)"
		rm -f "$out/.frag-stamp"
		if ! { mk tinyconfig && (cd "$out" && "$src/scripts/kconfig/merge_config.sh" \
				-m -O "$out" .config "${frags[@]}") && mk olddefconfig; } > "$out/xc-config.log" 2>&1; then
			tail -20 "$out/xc-config.log"
			res FAIL "$name/config" "configuration failed (see $out/xc-config.log)"
			return 1
		fi
		echo "$stamp" > "$out/.frag-stamp"
	fi
	# What the fragments ask for, a later fragment's word winning (x86_64
	# turns off an option common.config sets): "CONFIG_X=y|m" must be in
	# .config, "CONFIG_X=n" (from "is not set") must not be y or m there.
	missing=$(awk '/^CONFIG_[A-Z0-9_]+=/ { split($0, a, "="); v[a[1]] = $0 }
		/^# CONFIG_[A-Z0-9_]+ is not set$/ { v[$2] = $2 "=n" }
		END { for (k in v) print v[k] }' "${frags[@]}" | sort |
		while read -r l; do
			case "$l" in
			*=[ym]) grep -qxF "$l" "$out/.config" || echo "$l" ;;
			*=n) ! grep -qE "^${l%=n}=[ym]\$" "$out/.config" || echo "$l" ;;
			esac
		done)
	if [ -n "$missing" ]; then
		res FAIL "$name/config" "did not stick: ${missing//$'\n'/ }"
		return 1
	fi
	res PASS "$name/config"

	log=$out/xc-compile.log
	if ! mk prepare > "$out/xc-prepare.log" 2>&1; then
		grep -E 'error|Error' "$out/xc-prepare.log" | head -20
		res FAIL "$name/compile" "make prepare failed (see $out/xc-prepare.log)"
		return 1
	fi
	# Remove the objects we check, so that their warnings (replayed by
	# ccache when nothing changed) are in this run's log.
	for f in $targets; do
		case "$f" in
		*/) [ -d "$out/$f" ] && find "$out/$f" -name '*.o' -delete ;;
		*) rm -f "$out/$f" ;;
		esac
	done
	# -k: one broken object does not hide the others.
	# shellcheck disable=SC2086
	if ! mk -k W=1 $targets > "$log" 2>&1; then
		grep -E 'error:' "$log" | norm | sort -u | head -20
		res FAIL "$name/compile" "$(grep -oE '[^ ]+\.o\] Error' "$log" | sed 's/\] Error//' |
			sort -u | tr '\n' ' ')does not compile: $(grep -m1 -E ': error:' "$log" | norm ||
			echo "make failed") (see $log)"
		return 1
	fi
	missing=""
	for f in $objs; do [ -f "$out/$f" ] || missing="$missing $f"; done
	if [ -n "$missing" ]; then
		res FAIL "$name/compile" "not built:$missing"
		return 1
	fi
	res PASS "$name/compile" "$(wc -w <<< "$objs") consumer objects, $(( $(date +%s) - t0 ))s"

	warnings "$log" > "$out/xc-warnings.txt"
	local nw xb new
	nw=$(grep -c . "$out/xc-warnings.txt" || true)
	if [ "$v" = stock ]; then
		res PASS "$name/w1" "$nw W=1 warnings in stock (the control)"
	else
		xb=$(grep '^drivers/xen/xenbus/' "$out/xc-warnings.txt" || true)
		local sw=$LAB_CACHE/xc-out-$arch-stock/xc-warnings.txt
		if [ -n "$xb" ]; then
			echo "$xb" | head -20
			res FAIL "$name/w1" "$(echo "$xb" | grep -c .) warnings in drivers/xen/xenbus: $(echo "$xb" | head -1)"
		elif [ ! -f "$sw" ]; then
			res FAIL "$name/w1" "no stock build to compare with"
		elif new=$(comm -23 "$out/xc-warnings.txt" "$sw") && [ -n "$new" ]; then
			echo "$new" | head -20
			res FAIL "$name/w1" "$(echo "$new" | grep -c .) warnings that stock lacks: $(echo "$new" | head -1)"
		else
			res PASS "$name/w1" "$nw W=1 warnings, all also in stock"
		fi
	fi

	[ "$arch" = x86_64 ] || return 0
	# The whole kernel: every module's undefined symbols checked by
	# modpost against vmlinux.o and the other modules.  The same W=1
	# flags, so the objects above are not compiled again, but without
	# W=1's kernel-doc run on every source file of the kernel (a perl
	# process per file, not cached: minutes).  The bzImage and the
	# modules, installed stripped in $out/modinst, are the fe-modules
	# scenario's guest kernel (run-suite.sh boots it after this).
	log=$out/xc-link.log
	t0=$(date +%s)
	rm -f "$out/arch/x86/boot/bzImage"
	if ! { mk W=1 cmd_checkdoc= bzImage modules && rm -rf "$out/modinst" &&
	       mk INSTALL_MOD_PATH="$out/modinst" INSTALL_MOD_STRIP=1 modules_install; } \
			> "$log" 2>&1; then
		grep -E 'error|Error|undefined' "$log" | head -20
		res FAIL "$name/link" "$(grep -m1 -E 'error:|ERROR:|undefined reference' "$log" | norm || echo "make failed") (see $log)"
		return 1
	fi
	missing=""
	for f in $x86_64_kos; do [ -f "$out/$f" ] || missing="$missing $f"; done
	if [ -n "$missing" ]; then
		res FAIL "$name/link" "not built:$missing"
		return 1
	fi
	res PASS "$name/link" "vmlinux and $(wc -w <<< "$x86_64_kos") consumer modules, $(( $(date +%s) - t0 ))s"
	grep -E '^(WARNING|ERROR): modpost: ' "$log" | norm | sort -u > "$out/xc-modpost.txt" || true
	local bad
	bad=$(grep -Ei 'xen|xs_|9pnet_xen' "$out/xc-modpost.txt" | grep -v 'missing MODULE_DESCRIPTION' || true)
	if [ "$v" = ours ] && [ -f "$LAB_CACHE/xc-out-$arch-stock/xc-modpost.txt" ]; then
		bad=$(printf '%s\n%s\n' "$bad" "$(comm -23 "$out/xc-modpost.txt" \
			"$LAB_CACHE/xc-out-$arch-stock/xc-modpost.txt")" | grep . | sort -u || true)
	fi
	if [ -n "$bad" ]; then
		echo "$bad" | head -20
		res FAIL "$name/modpost" "$(echo "$bad" | head -1)"
	else
		res PASS "$name/modpost" "$(grep -c . "$out/xc-modpost.txt" || true) modpost lines, none about Xen"
	fi
}

[ -f "$pristine/.extracted" ] || "$here/build.sh" --extract
t_all=$(date +%s)
for arch in "${arches[@]}"; do
	if [ "$arch" = arm64 ] && ! command -v aarch64-linux-gnu-gcc >/dev/null; then
		res FAIL "arm64/toolchain" "aarch64-linux-gnu-gcc missing (setup.sh installs gcc-aarch64-linux-gnu)"
		continue
	fi
	graft "$LAB_CACHE/src/xc-$arch"
	for v in $variants; do
		t=$(date +%s)
		say "$arch/$v: building"
		build_one "$arch" "$v" || true
		say "$arch/$v: $(( $(date +%s) - t ))s"
	done
done
say "done in $(( $(date +%s) - t_all ))s, $nfail failed"
[ "$nfail" = 0 ]
