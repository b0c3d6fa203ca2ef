# shellcheck shell=sh
# Helpers for the lab's scripts inside dom0 and the guests (busybox ash).
#
# Results are lines on the console.  In dom0 they read
#   PASS <scenario>/<check>          FAIL <scenario>/<check>: <reason>
# and are also appended to $LAB_RESULTS, which /init prints again at the end
# of the run (a clean copy, in case kernel messages garbled a console line).
# In a guest they read "GUEST-PASS <check>" etc.: the dom0 side of the
# scenario relays them, so the host never has to trust a guest's word about
# which scenario it belongs to.

export PATH=/lab/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
: "${LAB_SCENARIO:=adhoc}"
: "${LAB_RESULTS:=/run/lab/results}"
: "${LAB_ROLE:=dom0}"

_result() { # KIND NAME [REASON...]
	_k=$1 _n=$2
	shift 2
	_line="$_k $LAB_SCENARIO/$_n${*:+: $*}"
	if [ "$LAB_ROLE" = guest ]; then
		echo "GUEST-$_k $_n${*:+: $*}"
		return 0
	fi
	echo "$_line"
	mkdir -p "${LAB_RESULTS%/*}"
	echo "$_line" >> "$LAB_RESULTS"
}
pass() { _result PASS "$@"; }
fail() { _result FAIL "$@"; }
skip() { _result SKIP "$@"; }
note() { echo "lab-note: $*"; }

# relay_results FILE [PREFIX]: a lab program's "PASS name" and "FAIL name:
# why" lines as results (PREFIX/name), its other lines as context.
relay_results() {
	while IFS= read -r _l; do
		case "$_l" in
		"PASS "*) pass "${2:+$2/}${_l#PASS }" ;;
		"FAIL "*) fail "${2:+$2/}${_l#FAIL }" ;;
		*) echo "  | $_l" ;;
		esac
	done < "$1"
}

# check NAME CMD...: PASS if CMD succeeds, else FAIL with its exit code.
check() {
	_cn=$1
	shift
	if "$@"; then
		pass "$_cn"
	else
		fail "$_cn" "'$*' failed (rc=$?)"
	fi
}

# wait_until SECS CMD...: run CMD every half second until it succeeds.
# Returns 1 if it has not succeeded after SECS seconds.  Every wait in the
# lab goes through here (or busybox timeout), so nothing can hang forever.
wait_until() {
	_wu_end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_wu_end" ] && return 1
		usleep 500000
	done
	return 0
}

# Xenbus states, as the store writes them (the numbers) and as sysfs shows
# them (the strings); a check accepts either.
state_is() { # WANT(number) ACTUAL
	case "$2" in
	"$1") return 0 ;;
	Connected) [ "$1" = 4 ] ;;
	*) return 1 ;;
	esac
}

# xs_state PATH: the state node under a store directory ("" if absent).
xs_state() { xenstore-read "$1/state" 2>/dev/null || true; }
xs_connected() { [ "$(xs_state "$1")" = 4 ]; }

# Print a sysfs device directory as "key=value" lines: its attributes and
# those of its xenbus/ group.  Values that count events are replaced by <n>.
dump_xendev() { # DIR PREFIX
	for _f in "$1"/* "$1"/xenbus/*; do
		[ -f "$_f" ] || continue
		_a=${_f#"$1"/}
		case "$_a" in
		uevent) continue ;;
		xenbus/events | xenbus/spurious_events | xenbus/jiffies_eoi_delayed)
			_v="<n>" ;;
		*) _v=$(cat "$_f" 2>/dev/null | tr '\n' ' ' | sed 's/ $//') || _v="<unreadable>" ;;
		esac
		echo "$2 $_a=$_v"
	done
	if [ -L "$1/driver" ]; then
		echo "$2 driver=$(basename "$(readlink "$1/driver")")"
	else
		echo "$2 driver=<none>"
	fi
	for _u in $(cat "$1/uevent" 2>/dev/null); do
		echo "$2 uevent:$_u"
	done
}

# Guest side: wait_flag NAME SECS waits for dom0's set_flag (a node under
# the guest's own data/ directory, read over /dev/xen/xenbus).
wait_flag() { wait_until "$2" xenstore-read "data/lab-$1" > /dev/null 2>&1; }

# Guest side: guest_ping_dom0 brings eth0 up as 10.0.0.2 (dom0 is 10.0.0.1
# on the backend vif), checks ping-dom0 and prints GUEST-NET-UP for dom0.
guest_ping_dom0() {
	ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0
	if wait_until 30 ping -c 1 -W 2 10.0.0.1 > /dev/null; then
		pass ping-dom0
	else
		fail ping-dom0 "10.0.0.1 does not answer"
	fi
	echo "GUEST-NET-UP"
}
