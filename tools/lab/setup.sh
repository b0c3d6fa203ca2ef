#!/bin/bash
# Install what the lab needs from Debian's packages.  Skips apt entirely when
# every package is already installed, so repeated runs cost nothing.
set -euo pipefail

PKGS="qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils
libxen-dev busybox-static cpio linux-source-6.12 flex bison bc libelf-dev
libssl-dev ccache sparse xz-utils rsync kmod python3 gcc make perl
gcc-aarch64-linux-gnu"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "lab: setup: all packages present"
	exit 0
fi

echo "lab: setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Xen's and QEMU's maintainer scripts try to start services; a container
# has none to start, so refuse politely instead of failing the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
echo "lab: setup: done"
