#!/bin/bash
# Compile single xenbus objects with W=1 and sparse, for a quick check
# while editing:   tools/lab/compile-one.sh xenbus_xs.c ...
# Uses a grafted tree of its own with the debug configuration (build.sh
# --check), so the KUnit suites the .c files include are compiled too and
# a kernel build running meanwhile never sees these files.  Copies only
# the named files and the headers, so several people can use it at once
# without stepping on each other's half-written files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/xenbus-lab}
src=$LAB_CACHE/src/grafted-check
out=$LAB_CACHE/out-check
[ -f "$out/include/generated/autoconf.h" ] || "$here/build.sh" --check --prepare >&2
dst=$src/drivers/xen/xenbus
mkdir -p "$dst/kunit"
for h in "$repo"/*.h "$repo"/Makefile "$repo"/Kconfig "$repo"/kunit/*.[ch]; do
	cmp -s "$h" "$dst/${h#"$repo"/}" || cp "$h" "$dst/${h#"$repo"/}"
done
for f in "$@"; do
	f=${f#./}
	mkdir -p "$dst/$(dirname "$f")"
	cp "$repo/$f" "$dst/$f"
	make -s -C "$src" O="$out" CC="ccache gcc" W=1 C=2 "drivers/xen/xenbus/${f%.c}.o"
done
