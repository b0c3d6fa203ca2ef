# lab-timeout: 120
# xb-backend: /dev/xen/xenbus_backend, the device xenstored (and the lab's
# own store server) maps the store page and finds the store's event
# channel through.  progs/xs-backend in dom0, xenstored running: the
# EVTCHN ioctl matches /proc/xen/xsd_port; one page at offset 0 maps with
# sane indexes, two pages or an offset do not; an unknown ioctl gets
# ENOTTY, SETUP of a reserved domid EINVAL; SETUP while xenstored serves
# the store is refused (EEXIST) and leaves the port alone; an open
# without CAP_SYS_ADMIN is refused.  The page's server_features (which
# store features xenstored offers, e.g. reconnection) is printed.
# Outside dom0 there is no such device: checked by xs-crash's guest.
#
# Beyond Linux: the two SETUP checks run on ours only.  Stock's SETUP
# first waits, uninterruptibly, for the store to be quiet; in the lab,
# after the scenarios before this one in "all", it never returned (the
# process could not even be killed) and the store's requests then hung
# behind it.  Ours answers EEXIST at once.
. /lab/lib.sh
. /lab/dom0.sh

lab_prog xs-backend || exit 0
opt=""
case "$LAB_VARIANT" in stock*) opt=--no-setup ;; esac
timeout 60 xs-backend check $opt > /run/lab/xb-backend.out 2>&1
rc=$?
relay_results /run/lab/xb-backend.out
[ $rc = 0 ] && pass exit || fail exit "xs-backend exited with $rc"
# The store still works after the refused hand-over.
check store-works xenstore-write /local/domain/0/lab-xb-backend ok
xenstore-rm /local/domain/0/lab-xb-backend 2>/dev/null
exit 0
