// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-badreq: the requests that make Xen 4.17's C xenstored abort, sent
 * through /dev/xen/xenbus with raw xsd_sockmsg frames (for
 * tools/lab/scenarios/xs-crash.sh).
 *
 * Xenstored 4.17 asserts "conn->in == NULL" after each request: a handler
 * that fails without setting errno returns errno's stale value, and when
 * that is 0 no reply goes out and the daemon dies.  A successful WATCH
 * sets errno to 0, so every trigger here is sent right after one (on a
 * path of its own, so that the kernel really sends it to xenstored).
 *
 *   xs-badreq list
 *       The triggers' names, one per line.
 *   xs-badreq expect NAME [priv]
 *       The error a current xenstored (4.18 and later) answers to NAME
 *       from an unprivileged domain, or from the privileged one with
 *       "priv"; "OK" when it is a valid request.
 *   xs-badreq send NAME [WAIT_MS]
 *       Sends the WATCH, then NAME, and prints one line: "REPLY ERROR
 *       <string>", "REPLY OK", "REPLY <type> <n> bytes" for any other
 *       answer, or "NOREPLY" when nothing came in WAIT_MS (default 5000)
 *       milliseconds.
 *   xs-badreq write-binary PATH
 *       WRITE of a value holding NULs and high bytes, then READ back:
 *       prints "SAME" when the store returns those bytes unchanged.
 *
 * Exits 0 when it could say what happened, 1 (message on stderr) if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs-raw.h"

struct trigger {
	const char *name;
	uint32_t type;
	const char *body;
	uint32_t len;		/* bytes of @body sent: NULs included */
	const char *user;	/* what a current xenstored answers a domU */
	const char *priv;	/* ... and the privileged domain */
};

#define B(s)	s, sizeof(s) - 1

/* "data" is the guest's own store area, relative to its home. */
static const struct trigger triggers[] = {
	/* The one seen in the lab: READ of a path without its NUL. */
	{ "read-nonul",		XS_READ,	B("data"),	  "EINVAL", "EINVAL" },
	{ "read-empty",		XS_READ,	"", 0,		  "EINVAL", "EINVAL" },
	{ "read-extranul",	XS_READ,	B("data\0\0"),  "EINVAL", "EINVAL" },
	{ "directory-nonul",	XS_DIRECTORY,	B("data"),	  "EINVAL", "EINVAL" },
	{ "get-perms-nonul",	XS_GET_PERMS,	B("data"),	  "EINVAL", "EINVAL" },
	{ "mkdir-nonul",	XS_MKDIR,	B("data/badreq"), "EINVAL", "EINVAL" },
	{ "rm-nonul",		XS_RM,		B("data/badreq"), "EINVAL", "EINVAL" },
	/* 4.17 drops the refusal of set_perms_special() on the floor. */
	{ "set-perms-release",	XS_SET_PERMS,	B("@releaseDomain\0n0\0"),
								  "EACCES", "OK" },
	{ "set-perms-unknown",	XS_SET_PERMS,	B("@lab-badreq\0n0\0"),
								  "EACCES", "ENOENT" },
};

static const struct trigger *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
		if (!strcmp(triggers[i].name, name))
			return &triggers[i];
	fprintf(stderr, "xs-badreq: no trigger '%s'\n", name);
	exit(1);
}

/* The reply to @req_id (watch events skipped): 0, or -1 on timeout. */
static int reply_to(int fd, uint32_t req_id, struct msg *m, int wait_ms)
{
	long long end = now_ms() + wait_ms;

	for (;;) {
		long long left = end - now_ms();

		if (left <= 0 || recv_msg(fd, m, (int)left))
			return -1;
		if (m->h.type != XS_WATCH_EVENT && m->h.req_id == req_id)
			return 0;
	}
}

static int do_send(const char *name, int wait_ms)
{
	const struct trigger *t = find(name);
	char wpath[64];
	struct msg m;
	uint32_t id;
	int fd, n;

	fd = xs_open_dev("xs-badreq");
	/* A watch of its own, so that xenstored sees (and acts on) it. */
	n = snprintf(wpath, sizeof(wpath), "data/badreq-%d", (int)getpid());
	memcpy(wpath + n + 1, "tok", 4);
	id = send_msg(fd, XS_WATCH, 0, wpath, n + 5);
	if (!id || reply_to(fd, id, &m, 10000) || m.h.type != XS_WATCH) {
		fprintf(stderr, "xs-badreq: the WATCH before %s failed\n", name);
		return 1;
	}
	id = send_msg(fd, t->type, 0, t->body, t->len);
	if (!id) {
		fprintf(stderr, "xs-badreq: write of %s failed: %s\n", name,
			strerror(errno));
		return 1;
	}
	if (reply_to(fd, id, &m, wait_ms))
		printf("NOREPLY\n");
	else if (m.h.type == XS_ERROR)
		printf("REPLY ERROR %s\n", m.body);
	else if (m.h.type == t->type && !strcmp(m.body, "OK"))
		printf("REPLY OK\n");
	else
		printf("REPLY %u %u bytes\n", m.h.type, m.h.len);
	/* Closing drops the watch, answered or not. */
	close(fd);
	return 0;
}

static int do_write_binary(const char *path)
{
	static const char value[] = "a\0\xff\x01\0z";
	char body[256];
	struct msg m;
	size_t plen = strlen(path) + 1;
	uint32_t id;
	int fd;

	if (plen + sizeof(value) > sizeof(body)) {
		fprintf(stderr, "xs-badreq: path too long\n");
		return 1;
	}
	fd = xs_open_dev("xs-badreq");
	memcpy(body, path, plen);
	memcpy(body + plen, value, sizeof(value));
	id = send_msg(fd, XS_WRITE, 0, body, plen + sizeof(value));
	if (!id || reply_to(fd, id, &m, 10000) || m.h.type != XS_WRITE) {
		fprintf(stderr, "xs-badreq: WRITE %s failed\n", path);
		return 1;
	}
	id = send_msg(fd, XS_READ, 0, path, plen);
	if (!id || reply_to(fd, id, &m, 10000) || m.h.type != XS_READ) {
		fprintf(stderr, "xs-badreq: READ %s failed\n", path);
		return 1;
	}
	if (m.h.len == sizeof(value) && !memcmp(m.body, value, sizeof(value)))
		printf("SAME\n");
	else
		printf("CHANGED (%u bytes back)\n", m.h.len);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
			printf("%s\n", triggers[i].name);
		return 0;
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "expect")) {
		const struct trigger *t = find(argv[2]);

		printf("%s\n", argc == 4 && !strcmp(argv[3], "priv") ?
		       t->priv : t->user);
		return 0;
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "send"))
		return do_send(argv[2], argc == 4 ? atoi(argv[3]) : 5000);
	if (argc == 3 && !strcmp(argv[1], "write-binary"))
		return do_write_binary(argv[2]);
	fprintf(stderr, "usage: xs-badreq list | expect NAME [priv] |"
		" send NAME [WAIT_MS] | write-binary PATH\n");
	return 2;
}
