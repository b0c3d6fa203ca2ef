# shellcheck shell=bash
# Helpers shared by the lab's host-side scripts (sourced, not run).
#
# Every script prints its progress on lines that start with "lab:", so a CI
# log can be read (or grepped) without the kernel's and Xen's chatter.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-$HOME/.cache/xenbus-lab}
export LAB_CACHE

# The scenarios in the order a full run boots them: cheap, basic checks first
# so a broken kernel fails fast and with the clearest message.
LAB_ALL_SCENARIOS="dom0-store guest-basic sysfs-abi hotplug shutdown save-restore devtest disks16 nobackend shutdown-timeout stall credit-race flood-stall pvh-basic pvh-shutdown pvh-save-restore pvh-hotplug pvh-disks16 pvh-driverdom soak modules xb-backend xs-crash hostile recover"

lab_say() { echo "lab: $*"; }
lab_die() { echo "lab: error: $*" >&2; exit 1; }

# lab_hash FILE...: one short hash over the names and contents of FILEs.
lab_hash() {
	local f
	for f in "$@"; do
		printf '%s\n' "$f"
		sha256sum < "$f"
	done | sha256sum | cut -c1-16
}

# lab_variant KERNEL: the name results are prefixed with (stock, ours,
# debug), taken from build.sh's output directory; $LAB_VARIANT overrides.
lab_variant() {
	if [ -n "${LAB_VARIANT:-}" ]; then
		echo "$LAB_VARIANT"
		return
	fi
	case "$1" in
	*/out-*/arch/x86/boot/bzImage)
		local d=${1%/arch/x86/boot/bzImage}
		echo "${d##*/out-}" ;;
	*) basename "$1" ;;
	esac
}
