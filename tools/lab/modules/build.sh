#!/bin/bash
# Build the lab-only kernel modules (tools/lab/modules/*/, each with a
# Kbuild file) for one kernel, and copy them where dom0 will find them:
#
#   modules/build.sh KERNEL DESTDIR
#
# KERNEL is a bzImage inside a build.sh output directory (out-<variant>/
# arch/x86/boot/bzImage); the modules are built against that very tree.
# boot.sh calls this for every boot, so a module always matches the kernel
# it is booted with: the build is redone only when the module's sources or
# the kernel (bzImage, .config, exported symbols) changed, and costs a few
# seconds then.  The objects live in $LAB_CACHE/modules/<variant>/, never in
# the repository.
#
# A module that does not build is left out and DESTDIR/<name>.build-failed
# holds the compiler's complaint, so the scenario that needs it reports a
# FAIL with the reason instead of every boot failing (as mkimages.sh does
# for progs/).  Exits non-zero only on wrong usage.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ $# = 2 ] || { echo "usage: $0 KERNEL DESTDIR" >&2; exit 2; }
kernel=$(realpath "$1")
dest=$2
say() { lab_say "modules: $*"; }

out=${kernel%/arch/x86/boot/bzImage}
# The kernel's exports: Module.symvers in a tree built with its modules
# (build.sh's), only vmlinux.symvers in one built without.
symvers=$out/Module.symvers
[ -f "$symvers" ] || symvers=$out/vmlinux.symvers
if [ "$out" = "$kernel" ] || [ ! -f "$out/.config" ] || [ ! -f "$symvers" ]; then
	say "warning: $kernel is not in a built kernel tree; no lab modules"
	exit 0
fi
# The out tree's Makefile (made by O=) knows its source tree: "make -C out"
# works like "make -C src O=out".  Same compiler and ccache as build.sh.
export CCACHE_DIR=$LAB_CACHE/ccache CCACHE_BASEDIR=$LAB_CACHE CCACHE_NOHASHDIR=1
mk() { make -s -C "$out" CC="ccache gcc" "$@"; }

work=$LAB_CACHE/modules/$(basename "$out")
mkdir -p "$work" "$dest"
# Two boots of the same kernel would build in the same place.
exec 7> "$work/.lock"
flock 7

# A tree built with "make bzImage" alone lacks the modules' linker script.
if [ ! -f "$out/scripts/module.lds" ]; then
	say "preparing $out for external modules"
	mk modules_prepare > "$work/prepare.log" 2>&1 ||
		{ say "warning: modules_prepare failed (see $work/prepare.log)"; exit 0; }
fi

for kb in "$LAB_DIR"/modules/*/Kbuild; do
	[ -f "$kb" ] || continue
	srcdir=${kb%/Kbuild}
	name=${srcdir##*/}
	bdir=$work/$name
	# The sources only: a hand build (its Makefile) leaves objects there.
	srcs=$(cd "$srcdir" && find . -maxdepth 1 -type f \( -name Kbuild -o \
		-name Makefile -o -name '*.[ch]' \) ! -name '*.mod.c' | LC_ALL=C sort)
	# shellcheck disable=SC2086
	stamp=$(cd "$srcdir" && lab_hash $srcs "$kernel" "$out/.config" "$symvers")
	if [ "$(cat "$bdir/.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$bdir"
		mkdir -p "$bdir"
		# shellcheck disable=SC2086
		(cd "$srcdir" && cp $srcs "$bdir/")
		# A tree built with its modules has Module.symvers; one
		# built without has only vmlinux's own list, which then
		# resolves the exports (modpost still warns; the log keeps it).
		extra=""
		[ "$symvers" = "$out/Module.symvers" ] ||
			extra="KBUILD_EXTRA_SYMBOLS=$symvers"
		# shellcheck disable=SC2086 # $extra: empty or one word
		if mk M="$bdir" $extra modules > "$bdir/build.log" 2>&1; then
			echo "$stamp" > "$bdir/.stamp"
			say "built $name for $(basename "$out")"
		else
			say "warning: $name does not build, left out:"
			{ grep -E 'error|ERROR' "$bdir/build.log" || true; } |
				sed -n '1,20s/^/lab:   /p'
		fi
	else
		say "$name for $(basename "$out"): up to date"
	fi
	rm -f "$dest/$name.build-failed"
	if [ -f "$bdir/.stamp" ]; then
		cp "$bdir"/*.ko "$dest/"
	else
		tail -20 "$bdir/build.log" > "$dest/$name.build-failed"
	fi
done
