// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-flood: fill the kernel's queue of watch events, with raw xsd_sockmsg
 * frames on /dev/xen/xenbus and nothing but libc (for
 * tools/lab/scenarios/flood-stall.sh).
 *
 *   xs-flood watch N PATH SECS
 *       Opens N files on the device, registers a watch on PATH on each
 *       (token "flood<i>") and reads nothing but the WATCH replies; prints
 *       "xs-flood: N watches registered", then sleeps SECS seconds without
 *       ever reading again, and closes.  Every event for PATH stays queued
 *       in the kernel, for N readers that never come.
 *   xs-flood write PATH COUNT
 *       Writes COUNT distinct nodes PATH/p<i>, pipelined (up to 64
 *       requests in flight), and checks every reply is OK; prints
 *       "xs-flood: COUNT writes in MS ms".
 *   xs-flood rate PATH SECS [PAUSE_US]
 *       Rewrites PATH with a netback rate ("BYTES,USEC", changing values)
 *       one write after another, each waiting for its reply and then
 *       PAUSE_US microseconds (default 0), until SECS have passed or
 *       SIGTERM comes; prints "xs-flood: N rate writes".
 *
 * Exits 0 on success, 1 with a message on stderr otherwise.
 */
#define _GNU_SOURCE
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

#include "xs-raw.h"

#define TIMEOUT_MS	30000
#define BATCH		64

/* The reply to @req_id; watch events met on the way are skipped. */
static int recv_reply(int fd, uint32_t req_id, struct msg *m)
{
	for (;;) {
		if (recv_msg(fd, m, TIMEOUT_MS))
			return -1;
		if (m->h.type == XS_WATCH_EVENT)
			continue;
		if (m->h.req_id == req_id)
			return 0;
		fprintf(stderr, "xs-flood: stray reply req_id %u type %u\n",
			m->h.req_id, m->h.type);
	}
}

static int is_ok(const struct msg *m, uint32_t type)
{
	return m->h.type == type && m->h.len == 3 &&
	       !memcmp(m->body, "OK", 3);
}

/* Body "a\0b" (no trailing NUL: a write's value) or "a\0b\0" (@nul). */
static uint32_t pair(char *out, const char *a, const char *b, int nul)
{
	size_t la = strlen(a) + 1, lb = strlen(b);

	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	if (nul)
		out[la + lb++] = '\0';
	return la + lb;
}

static int do_watch(unsigned int n, const char *path, unsigned int secs)
{
	char body[PAYLOAD_MAX], token[32];
	unsigned int i;
	struct msg m;
	int *fds;

	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < n; i++) {
		uint32_t id;

		fds[i] = xs_open_dev("xs-flood");
		snprintf(token, sizeof(token), "flood%u", i);
		id = send_msg(fds[i], XS_WATCH, 0, body, pair(body, path, token, 1));
		if (!id) {
			fprintf(stderr, "xs-flood: watch %u: write: %s\n", i,
				strerror(errno));
			return 1;
		}
		/* The reply only: the initial event may follow, unread. */
		if (recv_reply(fds[i], id, &m) || !is_ok(&m, XS_WATCH)) {
			fprintf(stderr, "xs-flood: watch %u: no OK (%s)\n", i,
				strerror(errno));
			return 1;
		}
	}
	printf("xs-flood: %u watches registered\n", n);
	fflush(stdout);
	sleep(secs);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static int do_write(const char *path, unsigned int count)
{
	char body[PAYLOAD_MAX], node[512], val[16];
	uint32_t ids[BATCH];
	unsigned int done, k, j;
	long long t0 = now_ms();
	struct msg m;
	int fd = xs_open_dev("xs-flood");

	/* Something printable if a reply never comes. */
	m.h.type = 0xffff;
	m.body[0] = '\0';
	for (done = 0; done < count; done += k) {
		for (k = 0; k < BATCH && done + k < count; k++) {
			snprintf(node, sizeof(node), "%s/p%u", path, done + k);
			snprintf(val, sizeof(val), "%u", done + k);
			ids[k] = send_msg(fd, XS_WRITE, 0, body,
					  pair(body, node, val, 0));
			if (!ids[k]) {
				fprintf(stderr, "xs-flood: write %u: %s\n",
					done + k, strerror(errno));
				return 1;
			}
		}
		for (j = 0; j < k; j++) {
			if (recv_reply(fd, ids[j], &m) || !is_ok(&m, XS_WRITE)) {
				fprintf(stderr,
					"xs-flood: reply to write %u: type %u \"%.40s\" (%s)\n",
					done + j, m.h.type, m.body,
					strerror(errno));
				return 1;
			}
		}
	}
	close(fd);
	printf("xs-flood: %u writes in %lld ms\n", count, now_ms() - t0);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	xs_raw_stop = 1;
}

static int do_rate(const char *path, unsigned int secs, unsigned int pause_us)
{
	struct sigaction sa = { .sa_handler = on_term };
	long long end = now_ms() + secs * 1000LL;
	char body[PAYLOAD_MAX], val[32];
	unsigned int n = 0;
	struct msg m;
	uint32_t id;
	int fd = xs_open_dev("xs-flood");

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	while (!xs_raw_stop && now_ms() < end) {
		snprintf(val, sizeof(val), "%u,%u", 10000 + n % 7 * 1000,
			 20000 + n % 5 * 1000);
		id = send_msg(fd, XS_WRITE, 0, body, pair(body, path, val, 0));
		if (!id) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xs-flood: rate write %u: %s\n", n,
				strerror(errno));
			return 1;
		}
		m.h.type = 0xffff;
		m.body[0] = '\0';
		if (recv_reply(fd, id, &m) || !is_ok(&m, XS_WRITE)) {
			/* SIGTERM during the wait: the reply no longer matters. */
			if (xs_raw_stop)
				break;
			fprintf(stderr, "xs-flood: rate write %u: type %u \"%.40s\"\n",
				n, m.h.type, m.body);
			return 1;
		}
		n++;
		if (pause_us)
			usleep(pause_us);
	}
	close(fd);
	printf("xs-flood: %u rate writes\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "watch"))
		return do_watch(strtoul(argv[2], NULL, 10), argv[3],
				strtoul(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtoul(argv[3], NULL, 10));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "rate"))
		return do_rate(argv[2], strtoul(argv[3], NULL, 10),
			       argc == 5 ? strtoul(argv[4], NULL, 10) : 0);
	fprintf(stderr, "usage: xs-flood watch N PATH SECS | write PATH COUNT |"
		" rate PATH SECS [PAUSE_US]\n");
	return 2;
}
