#!/bin/bash
# Clean-room check: list places where our C files share six or more lines
# (verbatim or in shape) with Linux 6.12's own drivers/xen/xenbus.  Only the
# tool's location rows are printed; nobody needs to read Linux's files.
# Exit status 1 when a non-boilerplate row is found.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/xenbus-lab}
ref=$LAB_CACHE/src/linux-source-6.12/drivers/xen/xenbus
cmp=$(mktemp -d)
trap 'rm -rf "$cmp"' EXIT
mkdir -p "$cmp/ours" "$cmp/linux"
(cd "$repo" && git ls-files --cached --others --exclude-standard -- '*.c' '*.h') |
	while read -r f; do
		[ -f "$repo/$f" ] || continue
		mkdir -p "$cmp/ours/$(dirname "$f")"
		cp "$repo/$f" "$cmp/ours/$f"
	done
cp "$ref"/*.[ch] "$cmp/linux/"
rows=$(duplicates --repo "$cmp" --most 200 --seconds 60 2>/dev/null |
	grep 'ours/' | grep 'linux/' | grep -v boilerplate || true)
if [ -n "$rows" ]; then
	echo "$rows"
	exit 1
fi
exit 0
