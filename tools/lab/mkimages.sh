#!/bin/bash
# Build the lab's two initramfs images from Debian binaries:
#
#   dom0.cpio.gz    busybox, Xen's toolstack (xenstored, oxenstored, xl,
#                   xenconsoled, xen-init-dom0, libxl-save-helper), the
#                   xenstore clients, test-xenstore, our test programs, the
#                   hotplug scripts, the scenarios, and the guest image.
#   guest.cpio.gz   busybox (with busybox init as PID 1), test-xenstore, the
#                   xenstore clients, our test programs and the guest jobs.
#
# The kernel is not in either image: boot.sh appends it (and the run's
# configuration) as a second cpio archive, so one image serves every kernel.
# Images are rebuilt only when an input changes (a hash over every input
# file, including each binary's shared libraries).
#
#   mkimages.sh [--force]      prints the dom0 image's path on its last line
set -euo pipefail
. "$(dirname "$0")/lib.sh"

force=0
[ "${1:-}" = --force ] && force=1

XENBIN=/usr/lib/xen-4.17/bin
DOM0_XEN="xenstored oxenstored xl xenconsoled xen-init-dom0 libxl-save-helper test-xenstore"
GUEST_XEN="test-xenstore"
XS_TOOLS="read write ls list rm chmod exists watch"
# The busybox applets the lab's scripts use; each gets a symlink.
APPLETS="sh ash cat cp mv rm ln ls mkdir rmdir mount umount mknod echo printf
sleep usleep seq grep egrep sed awk cut tr head tail wc sort uniq tee dd sync
poweroff reboot halt init ip ifconfig ping losetup stat timeout kill ps dmesg
date basename dirname readlink realpath find xargs test [ [[ true false env
modprobe insmod rmmod lsmod
hexdump od md5sum sha256sum gzip gunzip zcat cmp diff truncate chmod touch
mktemp expr id hostname uname free df nproc setsid pidof which tac yes"

out=$LAB_CACHE/images
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

# ldd_libs BINARY...: the shared libraries (and the dynamic loader) they load.
ldd_libs() {
	ldd "$@" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u
}

dyn_bins() {
	local b
	for b in $DOM0_XEN; do echo "$XENBIN/$b"; done
	echo /usr/bin/xenstore
}

libs=$( { ldd_libs $(dyn_bins); ldd_libs "$XENBIN/xl"; \
	ls /lib/x86_64-linux-gnu/libgcc_s.so.1; } | sort -u)
progs=$(ls "$LAB_DIR"/progs/*.c 2>/dev/null || true)
# The images depend on: the binaries and their libraries, every file this
# script copies, the script itself, and the compiler that builds the progs.
inputs=$( { echo /usr/bin/busybox; dyn_bins; echo "$libs"; echo "$progs";
	ls "$LAB_DIR"/progs/*.h 2>/dev/null;
	find "$LAB_DIR/rootfs" "$LAB_DIR/scenarios" -type f;
	echo "$LAB_DIR/mkimages.sh"; echo "$LAB_DIR/lib.sh"; } | grep . | sort -u)
# shellcheck disable=SC2086
hash=$( { lab_hash $inputs; gcc --version | head -1; } | sha256sum | cut -c1-16)

if [ $force = 0 ] && [ "$(cat "$out/inputs.hash" 2>/dev/null)" = "$hash" ] &&
   [ -f "$out/dom0.cpio.gz" ] && [ -f "$out/guest.cpio.gz" ]; then
	lab_say "images: up to date ($hash)"
	echo "$out/dom0.cpio.gz"
	exit 0
fi
lab_say "images: building ($hash)"
rm -f "$out/inputs.hash"

work=$out/staging
rm -rf "$work"
mkdir -p "$work/progs"

# Test programs.  Those that use libxenstore are linked against it (and so
# are dynamic); the others are static.  A program that does not compile is
# left out with its errors recorded in the image, so the scenario that needs
# it reports a FAIL with the reason instead of every boot failing.
built_progs=""
for c in $progs; do
	name=$(basename "$c" .c)
	if grep -q '<xenstore.h>' "$c"; then
		set -- -lxenstore
	else
		set -- -static
	fi
	if gcc -O2 -Wall -Wextra -o "$work/progs/$name" "$c" "$@" \
	       2> "$work/progs/$name.log"; then
		built_progs="$built_progs $work/progs/$name"
		[ -s "$work/progs/$name.log" ] && sed "s/^/lab: images: $name: /" "$work/progs/$name.log"
		rm -f "$work/progs/$name.log"
	else
		lab_say "images: warning: progs/$name.c does not compile, left out:"
		sed 's/^/lab:   /' "$work/progs/$name.log" | head -20
		mv "$work/progs/$name.log" "$work/progs/$name.build-failed"
	fi
done

# new_root DIR: an empty merged-/usr tree with busybox and its applets.
new_root() {
	local r=$1 a
	mkdir -p "$r"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc} \
		"$r"/{proc,sys,dev,run,tmp,var/log,var/lib,lab/bin}
	ln -s usr/bin "$r/bin"
	ln -s usr/sbin "$r/sbin"
	ln -s usr/lib "$r/lib"
	ln -s usr/lib64 "$r/lib64"
	ln -s ../run "$r/var/run"
	cp /usr/bin/busybox "$r/usr/bin/busybox"
	for a in $APPLETS; do
		[ -e "$r/usr/bin/$a" ] || ln -s busybox "$r/usr/bin/$a"
	done
	# The kernel runs /sbin/poweroff for an orderly poweroff.
	for a in poweroff reboot halt; do ln -s ../bin/busybox "$r/usr/sbin/$a"; done
	printf 'root:x:0:0:root:/:/bin/sh\n' > "$r/etc/passwd"
	printf 'root:x:0:\n' > "$r/etc/group"
	cp -a "$LAB_DIR/rootfs/common/." "$r/"
}

# add_bin ROOT FILE [DEST]: copy a binary and every library it loads.
add_bin() {
	local r=$1 f=$2 dst=${3:-$2} l
	mkdir -p "$r$(dirname "$dst")"
	cp -L "$f" "$r$dst"
	for l in $(ldd_libs "$f"); do
		[ -e "$r$l" ] && continue
		mkdir -p "$r$(dirname "$l")"
		cp -L "$l" "$r$l"
	done
}

add_common() {
	local r=$1 t p
	add_bin "$r" /usr/bin/xenstore
	for t in $XS_TOOLS; do ln -s xenstore "$r/usr/bin/xenstore-$t"; done
	# xl needs libgcc_s for pthread_cancel; give it to every image.
	cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$r/usr/lib/x86_64-linux-gnu/"
	for p in $built_progs; do add_bin "$r" "$p" "/lab/bin/$(basename "$p")"; done
	cp "$work"/progs/*.build-failed "$r/lab/bin/" 2>/dev/null || true
}

mkcpio() { # DIR OUTPUT
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -6n > "$2.tmp"
	mv "$2.tmp" "$2"
}

# The guest.
g=$work/guest
new_root "$g"
add_common "$g"
for b in $GUEST_XEN; do add_bin "$g" "$XENBIN/$b"; done
cp -a "$LAB_DIR/rootfs/guest/." "$g/"
chmod 755 "$g/lab/guest-init"
mkdir -p "$g/lab/jobs"
cp "$LAB_DIR"/scenarios/guest/*.sh "$g/lab/jobs/"
ln -sf usr/bin/busybox "$g/init"
mkcpio "$g" "$out/guest.cpio.gz"

# dom0.
d=$work/dom0
new_root "$d"
add_common "$d"
for b in $DOM0_XEN; do add_bin "$d" "$XENBIN/$b"; done
cp -a "$LAB_DIR/rootfs/dom0/." "$d/"
chmod 755 "$d/init" "$d"/etc/xen/scripts/*
mkdir -p "$d/lab/scenarios" "$d/var/lib/xen" "$d/var/lib/xenstored" \
	"$d/var/log/xen/console" "$d/etc/xen"
cp "$LAB_DIR"/scenarios/*.sh "$d/lab/scenarios/"
: > "$d/etc/xen/xl.conf"
cp "$out/guest.cpio.gz" "$d/lab/guest.cpio.gz"
mkcpio "$d" "$out/dom0.cpio.gz"

echo "$hash" > "$out/inputs.hash"
lab_say "images: dom0 $(du -k "$out/dom0.cpio.gz" | cut -f1) KiB," \
	"guest $(du -k "$out/guest.cpio.gz" | cut -f1) KiB"
echo "$out/dom0.cpio.gz"
