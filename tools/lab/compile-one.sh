#!/bin/bash
# Compile single xenbus objects in the grafted tree with W=1 and sparse, for
# a quick check while editing:   tools/lab/compile-one.sh xenbus_xs.c ...
# Copies only the named files and the headers, so several people can use it
# at once without stepping on each other's half-written files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/xenbus-lab}
src=$LAB_CACHE/src/grafted
out=$LAB_CACHE/out-ours
[ -f "$out/include/generated/autoconf.h" ] || "$here/build.sh" --prepare >&2
dst=$src/drivers/xen/xenbus
mkdir -p "$dst/kunit"
for h in "$repo"/*.h "$repo"/Makefile "$repo"/Kconfig; do cmp -s "$h" "$dst/${h#"$repo"/}" || cp "$h" "$dst/"; done
for f in "$@"; do
	f=${f#./}
	mkdir -p "$dst/$(dirname "$f")"
	cp "$repo/$f" "$dst/$f"
	make -s -C "$src" O="$out" CC="ccache gcc" W=1 C=2 "drivers/xen/xenbus/${f%.c}.o"
done
