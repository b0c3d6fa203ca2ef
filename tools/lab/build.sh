#!/bin/bash
# Build a Xen-enabled Linux 6.12 for the lab.
#
#   build.sh            ours:   this repository grafted over drivers/xen/xenbus
#   build.sh --stock    stock:  Linux's own drivers/xen/xenbus (control and
#                       baseline), in the same grafted tree with our
#                       Kconfig beside it (it only defines the KUnit
#                       option, which stock's Makefile ignores): the two
#                       configurations are then identical, and every
#                       object but xenbus's is shared through ccache, so
#                       ours costs little more than its own files
#   build.sh --debug    ours, plus lockdep, DEBUG_ATOMIC_SLEEP, SLUB and
#                       object debugging, and KUnit (no KASAN: lab.rst)
#   build.sh --stock-debug
#                       Linux's own xenbus with the debug configuration,
#                       the control for checks under the debug kernel,
#                       grafted as --stock is (its objects are debug's)
#   build.sh --check    the debug configuration in a tree of its own, for
#                       compile-one.sh: checking a file never changes the
#                       sources a kernel build is compiling
#   --prepare           sync and configure only (for compile-one.sh)
#   --extract           only unpack linux-source-6.12 into the cache
#
# Source and objects live in $LAB_CACHE (default ~/.cache/xenbus-lab), never
# in the repository.  ccache and incremental make keep rebuilds cheap: after a
# change to xenbus only, a rebuild takes well under a minute.
# Prints the path of the resulting bzImage on its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/xenbus-lab}
variant=ours
prepare_only=0
extract_only=0
for a in "$@"; do
	case "$a" in
	--stock) variant=stock ;;
	--debug) variant=debug ;;
	--check) variant=check ;;
	--stock-debug) variant=stock-debug ;;
	--prepare) prepare_only=1 ;;
	--extract) extract_only=1 ;;
	*) echo "usage: $0 [--stock|--debug|--stock-debug|--check] [--prepare|--extract]" >&2; exit 2 ;;
	esac
done

say() { echo "lab: build[$variant]: $*"; }

pristine=$LAB_CACHE/src/linux-source-6.12
if [ ! -f "$pristine/.extracted" ]; then
	say "extracting linux-source-6.12"
	rm -rf "$LAB_CACHE/src"; mkdir -p "$LAB_CACHE/src"
	tar xJf /usr/src/linux-source-6.12.tar.xz -C "$LAB_CACHE/src"
	touch "$pristine/.extracted"
fi
[ $extract_only = 1 ] && exit 0

# The grafted tree shares unchanged files with the pristine one through hard
# links, so it costs almost no disk; only drivers/xen/xenbus and
# drivers/xen/Kconfig are real copies.  Every variant builds there, each
# in an out directory of its own, one at a time: the same paths are what
# lets ccache share their objects.
src=$LAB_CACHE/src/grafted
[ "$variant" = check ] && src=$LAB_CACHE/src/grafted-check
if [ ! -f "$src/.linked" ]; then
	say "creating grafted source tree"
	rm -rf "$src"
	cp -al "$pristine" "$src"
	rm -f "$src/.extracted"
	cp --remove-destination "$pristine/drivers/xen/Kconfig" "$src/drivers/xen/Kconfig"
	printf '\nsource "drivers/xen/xenbus/Kconfig"\n' >> "$src/drivers/xen/Kconfig"
	touch "$src/.linked"
fi
# Kbuild files and sources only: tests, lab and docs stay out of the tree.
mkdir -p "$src/drivers/xen/xenbus.new"
if [ "$variant" = stock ] || [ "$variant" = stock-debug ]; then
	cp "$pristine"/drivers/xen/xenbus/* "$src/drivers/xen/xenbus.new/"
	cp "$repo/Kconfig" "$src/drivers/xen/xenbus.new/"
else
	(cd "$repo" && git ls-files --cached --others --exclude-standard -- \
		Kconfig Makefile '*.c' '*.h' 'kunit/*' ':!:tools/**' ':!:tests/**' ':!:bench/**') |
		while read -r f; do
			mkdir -p "$src/drivers/xen/xenbus.new/$(dirname "$f")"
			cp "$repo/$f" "$src/drivers/xen/xenbus.new/$f"
		done
fi
# Replace only files whose content changed, so make rebuilds only those.
rsync -rc --delete "$src/drivers/xen/xenbus.new/" "$src/drivers/xen/xenbus/"
rm -rf "$src/drivers/xen/xenbus.new"

out=$LAB_CACHE/out-$variant
mkdir -p "$out"
export CCACHE_DIR=$LAB_CACHE/ccache
export CCACHE_BASEDIR=$LAB_CACHE
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2026-01-01"
export KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab
jobs=$(($(nproc) + 1))
mk() { make -s -C "$src" O="$out" CC="ccache gcc" -j"$jobs" "$@"; }

frags="$here/config/xen.config"
case "$variant" in
debug | stock-debug | check) frags="$frags $here/config/debug.config" ;;
esac
stamp=$(cat $frags | sha1sum | cut -c1-12)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.frag-stamp" 2>/dev/null)" != "$stamp" ]; then
	say "configuring (tinyconfig + $(basename -a $frags | tr '\n' ' '))"
	mk tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config $frags >/dev/null)
	mk olddefconfig >/dev/null
	# Every option we asked for must have survived olddefconfig.
	for f in $frags; do
		grep -E '^CONFIG_[A-Z0-9_]+=[ym]' "$f" | while read -r l; do
			grep -qx "$l" "$out/.config" || say "warning: $l did not stick"
		done
	done
	echo "$stamp" > "$out/.frag-stamp"
fi

if [ $prepare_only = 1 ]; then
	mk prepare > "$out/prepare.log" 2>&1 || { tail -20 "$out/prepare.log" >&2; exit 1; }
	say "prepared $out"
	exit 0
fi

say "compiling in $out (log: $out/build.log)"
start=$(date +%s)
# A heartbeat so a cold build (several minutes) visibly makes progress.
( while sleep 60; do say "still compiling ($(( $(date +%s) - start ))s)"; done ) &
beat=$!
trap 'kill $beat 2>/dev/null || true' EXIT
# modules_prepare: the lab's own modules (tools/lab/modules) build against
# this tree.  The kernel's modules go, stripped and with their modules.dep,
# to $out/modinst, which boot.sh puts in dom0's /lib/modules.
if ! { mk bzImage modules modules_prepare &&
       rm -rf "$out/modinst" &&
       mk INSTALL_MOD_PATH="$out/modinst" INSTALL_MOD_STRIP=1 modules_install; } \
	> "$out/build.log" 2>&1; then
	kill $beat 2>/dev/null || true
	grep -E 'error|Error' "$out/build.log" | head -40 >&2
	say "FAILED (see $out/build.log)"
	exit 1
fi
kill $beat 2>/dev/null || true
say "done in $(( $(date +%s) - start ))s"
echo "$out/arch/x86/boot/bzImage"
