// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-backend: checks of /dev/xen/xenbus_backend, the device a local
 * xenstored (or the lab's own store server) uses to reach the kernel's
 * end of the store connection (for tools/lab/scenarios/xb-backend.sh).
 *
 *   xs-backend check [--no-setup]
 *       In the initial domain, with xenstored running: the EVTCHN ioctl
 *       gives the port /proc/xen/xsd_port shows; one page at offset 0
 *       maps, and its indexes are sane; a larger mapping, an offset, an
 *       unknown ioctl and a reserved domid are refused; SETUP is refused
 *       with EEXIST, since xenstored already answered; a caller without
 *       CAP_SYS_ADMIN cannot open the device.  Prints the page's
 *       server_features as "INFO server_features 0x<n>".  --no-setup
 *       leaves out both SETUP calls: Linux's own SETUP first waits for
 *       the store to be quiet, uninterruptibly, and after a busy boot
 *       that wait can last for ever.
 *   xs-backend absent
 *       Outside the initial domain: there is no such device.
 *
 * Prints "PASS name" / "FAIL name: why" / "INFO ..." lines; exits 0 when
 * every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>
#include <xen/sys/xenbus_dev.h>

#define BACKEND_DEV	"/dev/xen/xenbus_backend"

/* Reserved domids start here (xen.h's DOMID_FIRST_RESERVED). */
#define FIRST_RESERVED	0x7ff0

static int failed;

static void result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	failed = 1;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static long read_xsd_port(void)
{
	FILE *f = fopen("/proc/xen/xsd_port", "r");
	long port = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &port) != 1)
		port = -1;
	fclose(f);
	return port;
}

static void check_evtchn(int fd)
{
	long want = read_xsd_port();
	long port = ioctl(fd, IOCTL_XENBUS_BACKEND_EVTCHN, 0);

	result(port > 0 && port == want, "evtchn-ioctl",
	       "ioctl gave %ld (errno %d), /proc/xen/xsd_port %ld",
	       port, port < 0 ? errno : 0, want);
}

static void check_mmap(int fd)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct xenstore_domain_interface *intf;
	void *p;
	int e;

	intf = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	if (intf == MAP_FAILED) {
		result(0, "mmap-page", "mmap of one page: %s", strerror(errno));
	} else {
		uint32_t rq = intf->req_prod - intf->req_cons;
		uint32_t rs = intf->rsp_prod - intf->rsp_cons;

		/* xenstored is idle: neither ring holds more than its size. */
		result(rq <= XENSTORE_RING_SIZE && rs <= XENSTORE_RING_SIZE,
		       "mmap-page", "indexes req %u/%u rsp %u/%u",
		       intf->req_cons, intf->req_prod,
		       intf->rsp_cons, intf->rsp_prod);
		printf("INFO server_features 0x%x connection %u error %u\n",
		       intf->server_features, intf->connection, intf->error);
		munmap(intf, pg);
	}

	p = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	e = errno;
	result(p == MAP_FAILED && e == EINVAL, "mmap-two-pages-refused",
	       "%s", p == MAP_FAILED ? strerror(e) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 2 * pg);

	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pg);
	e = errno;
	result(p == MAP_FAILED && e == EINVAL, "mmap-offset-refused",
	       "%s", p == MAP_FAILED ? strerror(e) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, pg);
}

static void check_ioctls(int fd, int setup)
{
	long r;
	int e;

	r = ioctl(fd, _IOC(_IOC_NONE, 'B', 7, 0), 0);
	e = errno;
	result(r < 0 && e == ENOTTY, "unknown-ioctl-refused",
	       "returned %ld (%s)", r, r < 0 ? strerror(e) : "-");
	if (!setup)
		return;

	/*
	 * Refused: EINVAL for the domid (ours looks at it first) or EEXIST
	 * for the store being served already (stock looks at that first).
	 */
	r = ioctl(fd, IOCTL_XENBUS_BACKEND_SETUP, FIRST_RESERVED);
	e = errno;
	result(r < 0 && (e == EINVAL || e == EEXIST),
	       "setup-reserved-domid-refused",
	       "returned %ld (%s)", r, r < 0 ? strerror(e) : "-");

	/*
	 * A second hand-over: xenstored already serves the store, so
	 * giving the store to domain 1 must be refused and change nothing.
	 */
	r = ioctl(fd, IOCTL_XENBUS_BACKEND_SETUP, 1);
	e = errno;
	result(r < 0 && e == EEXIST, "setup-refused-when-served",
	       "returned %ld (%s)", r, r < 0 ? strerror(e) : "-");
	r = ioctl(fd, IOCTL_XENBUS_BACKEND_EVTCHN, 0);
	result(r == read_xsd_port() && r > 0, "setup-left-port-alone",
	       "port now %ld, xsd_port %ld", r, read_xsd_port());
}

/* A child without CAP_SYS_ADMIN (uid nobody, no capabilities left). */
static void check_unprivileged(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		fd = open(BACKEND_DEV, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			_exit(1);
		_exit(errno == EPERM || errno == EACCES ? 0 : 2);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		result(0, "unprivileged-open-refused", "fork: %s", strerror(errno));
		return;
	}
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "unprivileged-open-refused", "child exit status %d (1: opened)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "absent")) {
		fd = open(BACKEND_DEV, O_RDWR | O_CLOEXEC);
		result(fd < 0 && errno == ENOENT, "no-device-outside-dom0",
		       "open gave %d (%s)", fd, fd < 0 ? strerror(errno) : "-");
		return failed;
	}
	if (argc < 2 || argc > 3 || strcmp(argv[1], "check") ||
	    (argc == 3 && strcmp(argv[2], "--no-setup"))) {
		fprintf(stderr, "usage: xs-backend check [--no-setup] | absent\n");
		return 2;
	}
	fd = open(BACKEND_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(0, "open", "%s: %s", BACKEND_DEV, strerror(errno));
		return 1;
	}
	check_evtchn(fd);
	check_mmap(fd);
	check_ioctls(fd, argc == 2);
	close(fd);
	check_unprivileged();
	return failed;
}
