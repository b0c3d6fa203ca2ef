/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw xsd_sockmsg frames on /dev/xen/xenbus, with nothing but libc: what
 * the lab's programs (xs-devtest, xs-flood) share.  Header-only, so that
 * mkimages.sh can keep building each program from its one .c file.
 *
 * A program may set xs_raw_stop (from a signal handler) to make a wait
 * for input give up at its next interruption.
 */
#ifndef XS_RAW_H
#define XS_RAW_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The wire format: struct xsd_sockmsg and the XS_* message types. */
#include <xen/io/xs_wire.h>

#define PAYLOAD_MAX	4096
#define DEV_PATH	"/dev/xen/xenbus"

struct msg {
	struct xsd_sockmsg h;
	char body[PAYLOAD_MAX + 1];	/* NUL added after h.len bytes */
};

static volatile sig_atomic_t xs_raw_stop;
static uint32_t xs_raw_next_req = 1;

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read exactly @len bytes; -1 with errno ETIMEDOUT after @timeout_ms. */
static inline int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t n;
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR && !xs_raw_stop)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPIPE;
			return -1;
		}
		got += n;
	}
	return 0;
}

/* One whole message, its body NUL-terminated; 0 or -1 (errno set). */
static inline int recv_msg(int fd, struct msg *m, int timeout_ms)
{
	if (read_full(fd, &m->h, sizeof(m->h), timeout_ms))
		return -1;
	if (m->h.len > PAYLOAD_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (read_full(fd, m->body, m->h.len, timeout_ms))
		return -1;
	m->body[m->h.len] = '\0';
	return 0;
}

/* The device, or exit(1) with a message naming program @who. */
static inline int xs_open_dev(const char *who)
{
	int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, DEV_PATH,
			strerror(errno));
		exit(1);
	}
	return fd;
}

/* One write() of header and body; returns the request id or 0. */
static inline uint32_t send_msg(int fd, uint32_t type, uint32_t tx_id,
				const void *body, uint32_t len)
{
	static char buf[sizeof(struct xsd_sockmsg) + PAYLOAD_MAX];
	struct xsd_sockmsg h = {
		.type = type, .req_id = xs_raw_next_req++, .tx_id = tx_id,
		.len = len,
	};
	ssize_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	n = write(fd, buf, sizeof(h) + len);
	if (n != (ssize_t)(sizeof(h) + len))
		return 0;
	return h.req_id;
}

#endif /* XS_RAW_H */
