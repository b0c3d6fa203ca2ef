# shellcheck shell=sh
# dom0 helpers for the scenarios: toolstack bring-up, guests, disks, flags
# and guest console logs.  Sourced after /lab/lib.sh.

LAB_CONSOLE_DIR=/var/log/xen/console

# The modules dom0's init loads before the toolstack comes up: the device
# files xenstored, xl and the backends' scripts use, and the backends.
LAB_DOM0_MODULES="xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback"

# toolstack_up [oxenstored]: xenstored (C, or OCaml's oxenstored), dom0's
# store entries, xenconsoled.
toolstack_up() {
	if [ "${1:-}" = oxenstored ]; then
		oxenstored --no-fork --config-file=/etc/xen/oxenstored.conf \
			> /var/log/xen/xenstored.log 2>&1 &
	else
		xenstored -N > /var/log/xen/xenstored.log 2>&1 &
	fi
	# Wait for the socket, not for an answer: before xenstored runs, a
	# client would fall back to the kernel device and block there.
	if ! wait_until 60 test -S /run/xenstored/socket; then
		echo "lab-note: xenstored did not create its socket"
		cat /var/log/xen/xenstored.log
		return 1
	fi
	if ! timeout 60 xen-init-dom0; then
		echo "lab-note: xen-init-dom0 failed"
		return 1
	fi
	xenconsoled -i --log=guest --log-dir="$LAB_CONSOLE_DIR" \
		> /var/log/xen/xenconsoled.log 2>&1 &
	LAB_XENCONSOLED=$!
	sleep 1
	if ! kill -0 "$LAB_XENCONSOLED" 2>/dev/null; then
		echo "lab-note: xenconsoled exited"
		cat /var/log/xen/xenconsoled.log
		return 1
	fi
	return 0
}

# toolstack_down: stop xenconsoled and xenstored (C or OCaml), and remove
# the store's sockets, so that clients fall back to /dev/xen/xenbus.
toolstack_down() {
	for _p in xenconsoled xenstored oxenstored; do
		_pids=$(pidof $_p)
		# shellcheck disable=SC2086
		[ -n "$_pids" ] && kill $_pids
	done
	wait_until 10 sh -c '! pidof xenconsoled xenstored oxenstored > /dev/null' ||
		return 1
	rm -f /run/xenstored/socket /run/xenstored/socket_ro
}

# on_stock: true when dom0 runs Linux's own xenbus (stock, stock-debug).
on_stock() {
	case "${LAB_VARIANT:-}" in stock*) return 0 ;; esac
	return 1
}

# check_watch_fires NAME FILE PATH: PASS NAME when a write below PATH
# (through xenstored's socket if there is one, else the kernel) adds an
# event for PATH to FILE, which a "xenstore-watch PATH" fills.
check_watch_fires() {
	_before=$(grep -c "$3" "$2")
	timeout 15 xenstore-write "$3/x" 1 > /dev/null 2>&1
	if wait_until 10 sh -c "[ \$(grep -c '$3' '$2') -gt $_before ]"; then
		pass "$1"
	else
		fail "$1" "no event for a write below $3 ($_before before it)"
	fi
}

# lab_prog NAME: 0 if /lab/bin/NAME (tools/lab/progs/NAME.c) is there;
# else FAIL build with the compiler's first error, and 1.
lab_prog() {
	[ -x "/lab/bin/$1" ] && return 0
	fail build "progs/$1.c did not compile: $(grep -m1 error "/lab/bin/$1.build-failed" 2>/dev/null)"
	return 1
}

# guest_ids: the domids of every running guest (not dom0).
guest_ids() {
	timeout 30 xl list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $2 }'
}

# cleanup_guests: after each scenario, destroy what it left running and
# free its loop devices, so the next scenario starts from a clean dom0.
cleanup_guests() {
	for _id in $(guest_ids); do
		note "destroying leftover domain $_id"
		timeout 60 xl destroy "$_id" || note "xl destroy $_id failed"
	done
	if [ -f /run/lab/loops ]; then
		for _l in $(cat /run/lab/loops); do
			losetup -d "$_l" 2>/dev/null
		done
		rm -f /run/lab/loops
	fi
}

guest_log() { echo "$LAB_CONSOLE_DIR/guest-$1.log"; }

# guest_text NAME: the guest's console so far, without carriage returns.
guest_text() { tr -d '\r' < "$(guest_log "$1")" 2>/dev/null; }

# wait_log NAME PATTERN SECS: wait for an (extended) regex in a guest's log.
# A guest that is gone will print nothing more: stop waiting then (checked
# every 10 s, as xl is slow under TCG).
wait_log() {
	_wl_n=0
	wait_until "$3" _log_or_gone "$1" "$2"
	_log_has "$1" "$2"
}
_log_has() { guest_text "$1" | grep -Eq "$2"; }
_log_or_gone() {
	_log_has "$1" "$2" && return 0
	_wl_n=$((_wl_n + 1))
	[ $((_wl_n % 20)) = 0 ] || return 1
	! timeout 30 xl domid "$1" > /dev/null 2>&1
}

# wait_log_count NAME PATTERN N SECS: wait until PATTERN matched N lines.
wait_log_count() {
	wait_until "$4" _log_count_ge "$1" "$2" "$3"
}
_log_count_ge() { [ "$(guest_text "$1" | grep -Ec "$2")" -ge "$3" ]; }

# new_disk FILE: a 16 MiB sparse image whose first line is a fresh token;
# prints the token.
new_disk() {
	_tok=LAB-DISK:$(cat /proc/sys/kernel/random/uuid)
	rm -f "$1"
	dd if=/dev/zero of="$1" bs=1M count=0 seek=16 2>/dev/null
	printf '%s\n' "$_tok" | dd of="$1" conv=notrunc 2>/dev/null
	echo "$_tok"
}

# loop_attach FILE: bind a free loop device to FILE; prints the device.
loop_attach() {
	_l=$(losetup -f) || return 1
	losetup "$_l" "$1" || return 1
	echo "$_l" >> /run/lab/loops
	echo "$_l"
}

# disk_at FILE OFFSET: the line stored at byte OFFSET of FILE.
disk_at() {
	dd if="$1" bs=512 skip=$(( $2 / 512 )) count=1 2>/dev/null |
		tr -d '\000' | head -1
}

# guest_create NAME JOB [disk] [disk=SPEC]... [vif] [mem=MB] [paused]: start
# a guest running /lab/jobs/JOB.sh, with the same kernel as dom0: PV, or of
# the type $LAB_GUEST_TYPE names ("pvh": an HVM container).  Sets
# GUEST_ID, GUEST_DISK (image file), GUEST_LOOP and GUEST_TOKEN.  The guest
# may write under /local/domain/ID/xenstore-test (what test-xenstore uses)
# and data/.  "disk" makes a fresh xvda; each "disk=SPEC" adds an xl disk
# spec the caller prepared (e.g. "phy:/dev/loop3,xvdb,w,script=lab-block").
# "paused": xl create -p, so the caller can edit the guest's store area
# before its kernel looks at it; the caller runs "xl unpause".  "modules":
# the kernel's modules in the guest's image too (a driver domain's
# backends).  "altkernel": boot.sh's second kernel (LAB_GUEST_KERNEL) with
# its modules.
guest_create() {
	_name=$1 _job=$2
	shift 2
	_disks="" _vifs="" _mem=128 _pause="" _ramdisk=/lab/guest.cpio.gz
	_kernel=/lab/kernel/bzImage
	# A PVH kernel also sets up ACPI and an emulated local APIC.  QEMU's
	# emulated SVM does not survive Xen trapping RDTSC for an HVM guest
	# (the guest triple-faults in random_get_entropy()), and Xen traps it
	# here because the emulated TSC is not invariant: let the guest read
	# the TSC itself.
	_extra_cfg=""
	if [ "${LAB_GUEST_TYPE:-pv}" = pvh ]; then
		_mem=192
		_extra_cfg='tsc_mode = "native"'
	fi
	GUEST_ID="" GUEST_DISK="" GUEST_LOOP="" GUEST_TOKEN=""
	for _o in "$@"; do
		case "$_o" in
		disk)
			GUEST_DISK=/run/lab/$_name.img
			GUEST_TOKEN=$(new_disk "$GUEST_DISK")
			GUEST_LOOP=$(loop_attach "$GUEST_DISK") || {
				fail create "no loop device for $GUEST_DISK"
				return 1
			}
			_disks="${_disks:+$_disks, }'phy:$GUEST_LOOP,xvda,w,script=lab-block'" ;;
		disk=*)
			_disks="${_disks:+$_disks, }'${_o#disk=}'" ;;
		vif)
			_vifs="'mac=00:16:3e:1a:b0:02,script=lab-vif'" ;;
		mem=*)
			_mem=${_o#mem=} ;;
		paused)
			_pause=-p ;;
		modules)
			_ramdisk=/run/lab/$_name.cpio.gz
			cat /lab/guest.cpio.gz /lab/guest-modules.cpio.gz > "$_ramdisk" ;;
		altkernel)
			_kernel=/lab/kernel/guest-bzImage
			_ramdisk=/run/lab/$_name.cpio.gz
			cat /lab/guest.cpio.gz /lab/guest-alt-modules.cpio.gz > "$_ramdisk" ;;
		esac
	done
	cat > "/run/lab/$_name.cfg" <<-CFG
		name = "$_name"
		type = "${LAB_GUEST_TYPE:-pv}"
		$_extra_cfg
		kernel = "$_kernel"
		ramdisk = "$_ramdisk"
		extra = "console=hvc0 lab.job=$_job kunit.enable=0 ${LAB_GUEST_EXTRA:-}"
		memory = $_mem
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
		disk = [ $_disks ]
		vif = [ $_vifs ]
	CFG
	note "xl create ${_pause:+-p }$_name (job $_job${GUEST_LOOP:+, disk $GUEST_LOOP})"
	_guest_xl_create "$_name" $_pause || return 1
	# A PVH guest created running is checked at once (guest_start does it
	# for one created paused).
	if [ "${LAB_GUEST_TYPE:-pv}" = pvh ] && [ -z "$_pause" ]; then
		_pvh_booted "$_name" || return 1
	fi
	return 0
}

# _guest_xl_create NAME [-p]: xl create from /run/lab/NAME.cfg; sets
# GUEST_ID and lets the guest use xenstore-test.
_guest_xl_create() {
	rm -f "$(guest_log "$1")"
	# shellcheck disable=SC2086 # $2: empty or -p
	if ! timeout 180 xl create ${2:-} "/run/lab/$1.cfg" > "/run/lab/$1.create.log" 2>&1; then
		fail create "xl create $1 failed"
		sed 's/^/  | /' "/run/lab/$1.create.log"
		return 1
	fi
	GUEST_ID=$(xl domid "$1" 2>/dev/null)
	if [ -z "$GUEST_ID" ]; then
		fail create "$1 has no domid after xl create"
		return 1
	fi
	xenstore-write "/local/domain/$GUEST_ID/xenstore-test" "" &&
		xenstore-chmod "/local/domain/$GUEST_ID/xenstore-test" "n$GUEST_ID" ||
		note "could not open xenstore-test to domain $GUEST_ID"
	note "$1 is domain $GUEST_ID"
	return 0
}

# QEMU's emulated SVM (TCG) now and then gets an intercepted instruction
# of an HVM guest wrong, and the guest triple-faults early in its boot (seen
# about once in a dozen PVH boots, at a PIT read or an RDTSC, on stock and
# ours alike).  That is the emulator, not the guest's xenbus: such a boot is
# noted, counted in /run/lab/pvh-retries and done again once.  A guest that
# fails so twice, or dies any other way, fails.
#
# _pvh_booted NAME [-p]: 0 once NAME's kernel reached init (its console's
# LAB-GUEST-BOOTED); after an early triple fault, recreate it (paused with
# -p, then unpaused) and look again; 1 if it still did not boot.
_pvh_booted() {
	_try=1
	while :; do
		if wait_until 120 _pvh_up "$1" "$GUEST_ID"; then
			_log_has "$1" 'LAB-GUEST-BOOTED' && return 0
		fi
		if [ $_try = 1 ] && xl dmesg | grep -q "d${GUEST_ID}v0 Triple fault"; then
			note "$1 (d$GUEST_ID) triple-faulted in QEMU's emulated SVM: booting it again"
			echo "$1 d$GUEST_ID" >> /run/lab/pvh-retries
			timeout 60 xl destroy "$1" 2>/dev/null
			_try=2
			_guest_xl_create "$1" "${2:-}" || return 1
			if [ "${2:-}" = -p ] && ! timeout 60 xl unpause "$1"; then
				fail unpause "xl unpause $1 failed"
				return 1
			fi
			continue
		fi
		fail boot "$1 (d$GUEST_ID) did not reach init"
		return 1
	done
}
_pvh_up() { _log_has "$1" 'LAB-GUEST-BOOTED' || ! timeout 30 xl list "$2" > /dev/null 2>&1; }

# guest_start NAME: unpause a guest guest_create made paused; for a PVH
# guest, as guest_create would, wait for it to boot (GUEST_ID may change).
guest_start() {
	if ! timeout 60 xl unpause "$1"; then
		fail unpause "xl unpause $1 failed"
		return 1
	fi
	[ "${LAB_GUEST_TYPE:-pv}" = pvh ] || return 0
	_pvh_booted "$1" -p
}

# set_flag ID NAME [VALUE]: what a guest's wait_flag waits for.
set_flag() {
	xenstore-write "/local/domain/$1/data/lab-$2" "${3:-1}"
}

# wait_gone NAME SECS: wait until no domain is called NAME.
wait_gone() { wait_until "$2" _gone "$1"; }
_gone() { ! timeout 30 xl domid "$1" > /dev/null 2>&1; }

# relay NAME CHECK...: report the guest's GUEST-PASS/FAIL/SKIP lines as
# "<scenario>/guest/<check>", and FAIL every CHECK it did not report.
relay() {
	_rn=$1
	shift
	guest_text "$_rn" | sed -n 's/.*GUEST-\(PASS\|FAIL\|SKIP\) \(.*\)/\1 \2/p' > /run/lab/relay.$$
	while read -r _k _rest; do
		case "$_k" in
		PASS) pass "guest/$_rest" ;;
		FAIL) fail "guest/$_rest" ;;
		SKIP) skip "guest/$_rest" ;;
		esac
	done < /run/lab/relay.$$
	for _c in "$@"; do
		grep -Eq "^(PASS|FAIL|SKIP) $_c(:|\$)" /run/lab/relay.$$ ||
			fail "guest/$_c" "the guest did not report this check"
	done
	rm -f /run/lab/relay.$$
}

# check_guest_type NAME: PASS guest-type when the guest's kernel says it
# booted as the type guest_create gave it ($LAB_GUEST_TYPE, pv by default).
check_guest_type() {
	case "${LAB_GUEST_TYPE:-pv}" in
	pvh) _banner='Booting kernel on Xen PVH' ;;
	*) _banner='Booting kernel on Xen$' ;;
	esac
	if wait_log "$1" "$_banner" 60; then
		pass guest-type "${LAB_GUEST_TYPE:-pv}: $_banner"
	else
		fail guest-type "no '$_banner' in the guest's console"
	fi
}

# check_no_store_nodes PATH...: PASS no-store-nodes when none of the
# PATHs is left in the store, else FAIL naming those that are.
check_no_store_nodes() {
	_left=""
	for _p in "$@"; do
		xenstore-exists "$_p" 2>/dev/null && _left="$_left $_p"
	done
	if [ -z "$_left" ]; then
		pass no-store-nodes
	else
		fail no-store-nodes "still in the store:$_left"
	fi
}

# The store paths of a guest's device at both ends.
fe_path() { echo "/local/domain/$1/device/$2/$3"; }
be_path() { echo "/local/domain/0/backend/$2/$1/$3"; }

# check_connected ID TYPE DEVID SECS [PREFIX]: PASS [PREFIX]<type>-frontend-state
# and [PREFIX]<type>-backend-state once each end's state is 4 (Connected).
check_connected() {
	for _end in frontend backend; do
		if [ $_end = frontend ]; then
			_p=$(fe_path "$1" "$2" "$3")
		else
			_p=$(be_path "$1" "$2" "$3")
		fi
		if wait_until "$4" xs_connected "$_p"; then
			pass "${5:-}$2-$_end-state"
		else
			fail "${5:-}$2-$_end-state" "$_p/state is '$(xs_state "$_p")', not 4"
		fi
	done
}

# check_disk_token NAME SECS: PASS disk-to-guest once guest NAME reports
# (GUEST-DISK-READ) the token dom0 wrote on its disk (GUEST_TOKEN).
check_disk_token() {
	if wait_log "$1" 'GUEST-DISK-READ ' "$2"; then
		_seen=$(guest_text "$1" | sed -n 's/.*GUEST-DISK-READ //p' | head -1)
		if [ "$_seen" = "$GUEST_TOKEN" ]; then
			pass disk-to-guest
		else
			fail disk-to-guest "guest read '$_seen', dom0 wrote '$GUEST_TOKEN'"
		fi
	else
		fail disk-to-guest "the guest never read its disk"
	fi
}
