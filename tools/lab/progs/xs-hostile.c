// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-hostile: a store server for dom0's own kernel ring that misbehaves
 * on request (for tools/lab/scenarios/hostile.sh).
 *
 * It takes xenstored's place the way xenstored itself reaches the ring:
 * the store page through an mmap of /dev/xen/xenbus_backend, the store
 * event channel through IOCTL_XENBUS_BACKEND_EVTCHN, bound with
 * /dev/xen/evtchn.  xenstored must be gone first (its binding of the port
 * must be closed).  It then serves a small store of its own correctly:
 * READ, WRITE, MKDIR, RM, DIRECTORY, GET/SET_PERMS, WATCH (with the
 * initial event), UNWATCH, transactions (without isolation),
 * GET_DOMAIN_PATH and RESET_WATCHES; any other type gets ENOSYS.
 *
 * A READ of /lab-hostile/<case> makes it misbehave once, in that reply:
 *   oversize       a reply header announcing 5000 bytes
 *   wrong-type     a DIRECTORY reply to the READ
 *   stray          a reply to a req_id never sent, then the real one
 *   duplicate      the real reply twice
 *   bad-events     before the reply: watch events with no NUL, with an
 *                  empty path, and with a 4000-byte token
 *   rsp-backwards  rsp_prod moved back by 64 bytes
 *   rsp-beyond     rsp_prod moved 2 ring sizes ahead of rsp_cons
 *   error-field    the page's error field set, then no reply
 *   silence        no reply at all (later requests are served)
 *   short          a reply whose body comes a second after its header
 *   fuzz-<seed>    the reply ("fuzzvalue") mutated 1 to 4 times, chosen
 *                  by an xorshift generator seeded with <seed>: a bit
 *                  flipped in the type, req_id or body, the type or
 *                  req_id replaced, a length over 4096, the frame sent
 *                  twice, or a random frame with a length over 4096 after
 *                  it.  The same seed always sends the same bytes, so a
 *                  failure replays.  A wrong length that is still
 *                  plausible is left out: it shifts every later frame,
 *                  which no reader of the byte stream can tell until a
 *                  later header is impossible.
 * Every case is printed ("xs-hostile: case <name>") when done.
 *
 * It offers XENSTORE_SERVER_FEATURE_RECONNECTION and honours it: when the
 * kernel sets ->connection to XENSTORE_RECONNECT, it drops any partial
 * request, its watches and transactions, empties both rings, clears
 * ->error, sets XENSTORE_CONNECTED and signals ("xs-hostile: ring reset
 * <n>").  The store's contents stay.
 *
 *   xs-hostile serve [SECONDS]
 *       Serve until SIGTERM or SECONDS (default 600) pass.
 *   xs-hostile features
 *       Print the page's server_features (xenstored may still run).
 *   xs-hostile corrupt
 *       While another server (oxenstored) serves the ring and it is idle,
 *       append to the response ring a reply header announcing 5000 bytes
 *       and the first of them, as "oversize" does, without an event: the
 *       kernel meets it with the next reply the server sends (for
 *       tools/lab/scenarios/recover.sh).  (A header with nothing after it
 *       would not do for stock: it drops the 16 bytes and reads on.)
 *
 * When serving ends, the page stops offering the reconnection: the
 * xenstored that comes back may not honour it.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xen/xen.h>		/* domid_t, for evtchn.h */
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/xenbus_dev.h>

#define MAX_NODES	512
#define MAX_WATCHES	128
#define HOME		"/local/domain/0"

struct node {
	char *path;
	char *val;
	unsigned int len;
};

struct watch {
	char *path;		/* absolute, or "@..." */
	char *token;
};

static struct node nodes[MAX_NODES];
static struct watch watches[MAX_WATCHES];
static volatile struct xenstore_domain_interface *intf;
static int evfd;
static unsigned int local_port;
static volatile sig_atomic_t stop;
static uint32_t next_tx = 1;
static unsigned int req_have;		/* bytes of the request being read */
static unsigned int nr_resets;
static unsigned int nr_watch_reqs;	/* WATCH requests served */

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "xs-hostile: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void notify(void)
{
	struct ioctl_evtchn_notify n = { .port = local_port };

	if (ioctl(evfd, IOCTL_EVTCHN_NOTIFY, &n))
		die("notify");
}

/* ---- the response ring ---- */

static void rsp_put(const void *data, unsigned int len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = intf->rsp_prod;
		unsigned int off = MASK_XENSTORE_IDX(prod);
		unsigned int room = XENSTORE_RING_SIZE - (prod - intf->rsp_cons);
		unsigned int n = XENSTORE_RING_SIZE - off;

		if (n > room)
			n = room;
		if (n > len)
			n = len;
		if (!n) {
			/* Full: let the kernel consume, then look again. */
			notify();
			usleep(1000);
			if (stop)
				return;
			continue;
		}
		memcpy((char *)intf->rsp + off, p, n);
		__sync_synchronize();
		intf->rsp_prod = prod + n;
		p += n;
		len -= n;
	}
}

static void send_raw(uint32_t type, uint32_t req_id, uint32_t tx_id,
		     uint32_t hdr_len, const void *body, unsigned int len)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = hdr_len,
	};

	rsp_put(&h, sizeof(h));
	rsp_put(body, len);
	notify();
}

static void reply(const struct xsd_sockmsg *req, uint32_t type,
		  const void *body, unsigned int len)
{
	send_raw(type, req->req_id, req->tx_id, len, body, len);
}

static void reply_str(const struct xsd_sockmsg *req, const char *s)
{
	reply(req, req->type, s, strlen(s) + 1);
}

static void reply_err(const struct xsd_sockmsg *req, const char *err)
{
	reply(req, XS_ERROR, err, strlen(err) + 1);
}

/* ---- the store ---- */

static char *absolute(const char *path)
{
	char *p;

	if (path[0] == '/' || path[0] == '@')
		return strdup(path);
	if (asprintf(&p, "%s/%s", HOME, path) < 0)
		return NULL;
	return p;
}

static struct node *find(const char *path)
{
	int i;

	for (i = 0; i < MAX_NODES; i++)
		if (nodes[i].path && !strcmp(nodes[i].path, path))
			return &nodes[i];
	return NULL;
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static void fire(const char *path)
{
	int i;

	for (i = 0; i < MAX_WATCHES; i++) {
		char body[XENSTORE_PAYLOAD_MAX];
		size_t pl, tl;

		if (!watches[i].path)
			continue;
		if (!under(path, watches[i].path) && !under(watches[i].path, path))
			continue;
		pl = strlen(path) + 1;
		tl = strlen(watches[i].token) + 1;
		if (pl + tl > sizeof(body))
			continue;
		memcpy(body, path, pl);
		memcpy(body + pl, watches[i].token, tl);
		send_raw(XS_WATCH_EVENT, 0, 0, pl + tl, body, pl + tl);
	}
}

/* Create @path and its missing parents; 0 or -1 when the store is full. */
static struct node *make(const char *path)
{
	struct node *n = find(path);
	char *parent, *slash;
	int i;

	if (n)
		return n;
	parent = strdup(path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (!make(parent)) {
			free(parent);
			return NULL;
		}
	}
	free(parent);
	for (i = 0; i < MAX_NODES; i++) {
		if (!nodes[i].path) {
			nodes[i].path = strdup(path);
			nodes[i].val = strdup("");
			nodes[i].len = 0;
			return &nodes[i];
		}
	}
	return NULL;
}

static void do_directory(const struct xsd_sockmsg *req, const char *path)
{
	char body[XENSTORE_PAYLOAD_MAX];
	size_t plen = strlen(path), len = 0;
	int i;

	if (!find(path)) {
		reply_err(req, "ENOENT");
		return;
	}
	for (i = 0; i < MAX_NODES; i++) {
		const char *p = nodes[i].path, *name;
		size_t nl;

		if (!p || !under(p, path) || !strcmp(p, path))
			continue;
		name = p + plen + (strcmp(path, "/") ? 1 : 0);
		if (strchr(name, '/'))
			continue;
		nl = strlen(name) + 1;
		if (len + nl > sizeof(body))
			break;
		memcpy(body + len, name, nl);
		len += nl;
	}
	reply(req, XS_DIRECTORY, body, len);
}

static void do_rm(const struct xsd_sockmsg *req, const char *path)
{
	int i;

	if (!find(path)) {
		reply_err(req, "ENOENT");
		return;
	}
	for (i = 0; i < MAX_NODES; i++) {
		if (nodes[i].path && under(nodes[i].path, path)) {
			free(nodes[i].path);
			free(nodes[i].val);
			nodes[i].path = NULL;
		}
	}
	reply_str(req, "OK");
	fire(path);
}

static void do_watch(const struct xsd_sockmsg *req, const char *body,
		     unsigned int len)
{
	const char *token = body + strlen(body) + 1;
	char *path;
	int i;

	if (token >= body + len) {
		reply_err(req, "EINVAL");
		return;
	}
	path = absolute(body);
	for (i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].path)
			continue;
		watches[i].path = path;
		watches[i].token = strdup(token);
		reply_str(req, "OK");
		fire(path);
		return;
	}
	free(path);
	reply_err(req, "E2BIG");
}

static void do_unwatch(const struct xsd_sockmsg *req, const char *body)
{
	const char *token = body + strlen(body) + 1;
	char *path = absolute(body);
	int i;

	for (i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].path && !strcmp(watches[i].path, path) &&
		    !strcmp(watches[i].token, token)) {
			free(watches[i].path);
			free(watches[i].token);
			watches[i].path = NULL;
			break;
		}
	}
	free(path);
	reply_str(req, "OK");
}

/* ---- misbehaviour ---- */

static uint32_t xorshift(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

/* Send @req's reply mutated as <seed> says; prints what it did. */
static void fuzz(const struct xsd_sockmsg *req, uint32_t seed)
{
	struct xsd_sockmsg h = {
		.type = XS_READ, .req_id = req->req_id, .tx_id = req->tx_id,
		.len = 9,
	};
	unsigned char frame[sizeof(h) + 9], junk[64];
	uint32_t st = seed * 2654435761u + 1;
	unsigned int n, i, k, copies = 1, extra = 0;

	memcpy(frame, &h, sizeof(h));
	memcpy(frame + sizeof(h), "fuzzvalue", 9);
	n = 1 + xorshift(&st) % 4;
	printf("xs-hostile: fuzz seed %u:", seed);
	for (i = 0; i < n; i++) {
		struct xsd_sockmsg *fh = (struct xsd_sockmsg *)frame;

		switch (xorshift(&st) % 6) {
		case 0:
			/* Any bit but the length's (bytes 12 to 15). */
			do {
				k = xorshift(&st) % (sizeof(frame) * 8);
			} while (k / 8 >= 12 && k / 8 < 16);
			frame[k / 8] ^= 1u << (k % 8);
			printf(" flip bit %u;", k);
			break;
		case 1:
			fh->len = XENSTORE_PAYLOAD_MAX + 1 +
				  xorshift(&st) % 65536;
			printf(" len %u;", fh->len);
			break;
		case 2:
			fh->type = xorshift(&st) % 32;
			printf(" type %u;", fh->type);
			break;
		case 3:
			fh->req_id = xorshift(&st);
			printf(" req_id %u;", fh->req_id);
			break;
		case 4:
			copies = 2;
			printf(" twice;");
			break;
		default: {
			struct xsd_sockmsg *jh = (struct xsd_sockmsg *)junk;

			extra = sizeof(*jh) + xorshift(&st) %
				(sizeof(junk) - sizeof(*jh));
			for (k = 0; k < extra; k++)
				junk[k] = xorshift(&st);
			jh->len |= 0x10000;
			printf(" a %u-byte random frame after;", extra);
			break;
		}
		}
	}
	printf("\n");
	for (i = 0; i < copies; i++)
		rsp_put(frame, sizeof(frame));
	rsp_put(junk, extra);
	notify();
}

static void misbehave(const struct xsd_sockmsg *req, const char *name)
{
	static char big[4000];
	char buf[64];

	printf("xs-hostile: case %s\n", name);
	if (!strcmp(name, "oversize")) {
		send_raw(XS_READ, req->req_id, req->tx_id, 5000, "x", 1);
	} else if (!strcmp(name, "wrong-type")) {
		reply(req, XS_DIRECTORY, "a\0b", 4);
	} else if (!strcmp(name, "stray")) {
		send_raw(XS_READ, req->req_id + 1000, 0, 2, "x", 2);
		reply(req, XS_READ, "stray", 5);
	} else if (!strcmp(name, "duplicate")) {
		reply(req, XS_READ, "dup", 3);
		reply(req, XS_READ, "dup", 3);
	} else if (!strcmp(name, "bad-events")) {
		send_raw(XS_WATCH_EVENT, 0, 0, 4, "abcd", 4);
		send_raw(XS_WATCH_EVENT, 0, 0, 5, "\0tok", 5);
		memset(big, 'T', sizeof(big) - 1);
		snprintf(buf, sizeof(buf), "%s/lab", HOME);
		{
			char ev[sizeof(buf) + sizeof(big)];
			size_t pl = strlen(buf) + 1;

			memcpy(ev, buf, pl);
			memcpy(ev + pl, big, sizeof(big));
			send_raw(XS_WATCH_EVENT, 0, 0, pl + sizeof(big), ev,
				 pl + sizeof(big));
		}
		reply(req, XS_READ, "events", 6);
	} else if (!strcmp(name, "rsp-backwards")) {
		intf->rsp_prod -= 64;
		notify();
	} else if (!strcmp(name, "rsp-beyond")) {
		intf->rsp_prod = intf->rsp_cons + 2 * XENSTORE_RING_SIZE;
		notify();
	} else if (!strcmp(name, "error-field")) {
		intf->error = XENSTORE_ERROR_COMM;
		notify();
	} else if (!strncmp(name, "fuzz-", 5)) {
		fuzz(req, strtoul(name + 5, NULL, 10));
	} else if (!strcmp(name, "silence")) {
		/* nothing */
	} else if (!strcmp(name, "short")) {
		/* The header promises 100 bytes; the rest comes a second later. */
		static char rest[90];
		struct xsd_sockmsg h = {
			.type = XS_READ, .req_id = req->req_id,
			.tx_id = req->tx_id, .len = 100,
		};

		rsp_put(&h, sizeof(h));
		rsp_put("0123456789", 10);
		notify();
		sleep(1);
		memset(rest, 'r', sizeof(rest));
		rsp_put(rest, sizeof(rest));
		notify();
	} else {
		reply_err(req, "EINVAL");
	}
	printf("xs-hostile: case %s done\n", name);
}

/* ---- requests ---- */

static void handle(const struct xsd_sockmsg *req, char *body)
{
	unsigned int len = req->len;
	char *path = NULL;
	struct node *n;

	/* Every body handled below starts with a NUL-terminated string. */
	if (req->type != XS_TRANSACTION_START && req->type != XS_RESET_WATCHES &&
	    (!len || !memchr(body, '\0', len))) {
		reply_err(req, "EINVAL");
		return;
	}
	switch (req->type) {
	case XS_READ:
		if (!strncmp(body, "/lab-hostile/", 13)) {
			misbehave(req, body + 13);
			return;
		}
		path = absolute(body);
		n = find(path);
		if (n)
			reply(req, XS_READ, n->val, n->len);
		else
			reply_err(req, "ENOENT");
		break;
	case XS_WRITE:
		path = absolute(body);
		n = make(path);
		if (!n) {
			reply_err(req, "ENOSPC");
			break;
		}
		free(n->val);
		n->len = len - (strlen(body) + 1);
		n->val = malloc(n->len + 1);
		memcpy(n->val, body + strlen(body) + 1, n->len);
		reply_str(req, "OK");
		fire(path);
		break;
	case XS_MKDIR:
		path = absolute(body);
		if (!make(path)) {
			reply_err(req, "ENOSPC");
			break;
		}
		reply_str(req, "OK");
		fire(path);
		break;
	case XS_RM:
		path = absolute(body);
		do_rm(req, path);
		break;
	case XS_DIRECTORY:
		path = absolute(body);
		do_directory(req, path);
		break;
	case XS_GET_PERMS:
		path = absolute(body);
		if (find(path))
			reply(req, XS_GET_PERMS, "n0", 3);
		else
			reply_err(req, "ENOENT");
		break;
	case XS_SET_PERMS:
		reply_str(req, "OK");
		break;
	case XS_WATCH:
		nr_watch_reqs++;
		do_watch(req, body, len);
		break;
	case XS_UNWATCH:
		do_unwatch(req, body);
		break;
	case XS_TRANSACTION_START: {
		char id[16];

		snprintf(id, sizeof(id), "%u", next_tx++);
		reply_str(req, id);
		break;
	}
	case XS_TRANSACTION_END:
		reply_str(req, "OK");
		break;
	case XS_GET_DOMAIN_PATH: {
		char dp[64];

		snprintf(dp, sizeof(dp), "/local/domain/%s", body);
		reply_str(req, dp);
		break;
	}
	case XS_RESET_WATCHES:
		reply_str(req, "OK");
		break;
	default:
		reply_err(req, "ENOSYS");
		break;
	}
	free(path);
}

/*
 * The kernel asked for a ring reset: forget the connection's state (not
 * the store's contents), empty both rings, and say it is connected again.
 */
static void maybe_reset(void)
{
	int i;

	if (intf->connection != XENSTORE_RECONNECT)
		return;
	__sync_synchronize();
	req_have = 0;
	for (i = 0; i < MAX_WATCHES; i++) {
		if (!watches[i].path)
			continue;
		free(watches[i].path);
		free(watches[i].token);
		watches[i].path = NULL;
	}
	intf->req_cons = intf->req_prod;
	intf->rsp_prod = intf->rsp_cons;
	intf->error = 0;
	__sync_synchronize();
	intf->connection = XENSTORE_CONNECTED;
	notify();
	printf("xs-hostile: ring reset %u (%u WATCH requests so far)\n",
	       ++nr_resets, nr_watch_reqs);
}

/* Take every complete request off the request ring. */
static void serve_ring(void)
{
	static char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	unsigned int have = req_have;

	for (;;) {
		XENSTORE_RING_IDX cons = intf->req_cons;
		XENSTORE_RING_IDX prod = intf->req_prod;
		struct xsd_sockmsg *h = (struct xsd_sockmsg *)buf;
		unsigned int want, avail, off, n;

		__sync_synchronize();
		if (prod - cons > XENSTORE_RING_SIZE) {
			fprintf(stderr, "xs-hostile: the kernel's indexes are corrupt\n");
			exit(1);
		}
		want = have < sizeof(*h) ? sizeof(*h) - have
					 : sizeof(*h) + h->len - have;
		if (have >= sizeof(*h) && h->len > XENSTORE_PAYLOAD_MAX) {
			fprintf(stderr, "xs-hostile: the kernel sent %u bytes\n", h->len);
			exit(1);
		}
		avail = prod - cons;
		if (!avail) {
			req_have = have;
			return;
		}
		off = MASK_XENSTORE_IDX(cons);
		n = XENSTORE_RING_SIZE - off;
		if (n > avail)
			n = avail;
		if (n > want)
			n = want;
		memcpy(buf + have, (char *)intf->req + off, n);
		__sync_synchronize();
		intf->req_cons = cons + n;
		notify();
		have += n;
		if (have >= sizeof(*h) && have == sizeof(*h) + h->len) {
			buf[have] = '\0';
			handle(h, buf + sizeof(*h));
			have = 0;
		}
	}
}

static void *map_page(int *fd_out)
{
	int fd = open("/dev/xen/xenbus_backend", O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		die("open /dev/xen/xenbus_backend");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap the store page");
	*fd_out = fd;
	return p;
}

int main(int argc, char **argv)
{
	struct ioctl_evtchn_bind_interdomain bind = { .remote_domain = 0 };
	long seconds = 600, port;
	time_t end;
	int bfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "features")) {
		intf = map_page(&bfd);
		printf("server_features 0x%x\n", intf->server_features);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "corrupt")) {
		struct xsd_sockmsg h = {
			.type = XS_READ, .req_id = 0x7fff0000, .len = 5000,
		};
		XENSTORE_RING_IDX prod;

		intf = map_page(&bfd);
		prod = intf->rsp_prod;
		if (prod != intf->rsp_cons ||
		    intf->req_prod != intf->req_cons) {
			fprintf(stderr, "xs-hostile: the ring is busy (req %u/%u rsp %u/%u)\n",
				intf->req_cons, intf->req_prod,
				intf->rsp_cons, prod);
			return 1;
		}
		rsp_put(&h, sizeof(h));
		rsp_put("x", 1);
		printf("xs-hostile: oversized frame at rsp %u\n", prod);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "serve")) {
		fprintf(stderr, "usage: xs-hostile serve [SECONDS] | features | corrupt\n");
		return 2;
	}
	if (argc == 3)
		seconds = atol(argv[2]);

	intf = map_page(&bfd);
	port = ioctl(bfd, IOCTL_XENBUS_BACKEND_EVTCHN, 0);
	if (port <= 0)
		die("IOCTL_XENBUS_BACKEND_EVTCHN");
	evfd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (evfd < 0)
		die("open /dev/xen/evtchn");
	bind.remote_port = port;
	local_port = ioctl(evfd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
	if ((int)local_port < 0)
		die("bind the store port");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	make(HOME);
	/* Offered before the rings are touched, as xenstore-ring.txt asks. */
	intf->server_features |= XENSTORE_SERVER_FEATURE_RECONNECTION;
	__sync_synchronize();
	printf("xs-hostile: serving port %ld (local %u)\n", port, local_port);

	end = time(NULL) + seconds;
	/* Whatever the kernel sent while nobody served. */
	serve_ring();
	notify();
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = evfd, .events = POLLIN };
		unsigned int ev;

		if (poll(&p, 1, 100) > 0 &&
		    read(evfd, &ev, sizeof(ev)) == sizeof(ev) &&
		    write(evfd, &ev, sizeof(ev)) != sizeof(ev))
			die("unmask");
		maybe_reset();
		/* During a reset the kernel expects nothing else of us. */
		if (intf->connection == XENSTORE_CONNECTED)
			serve_ring();
	}
	intf->server_features &= ~XENSTORE_SERVER_FEATURE_RECONNECTION;
	printf("xs-hostile: stopped\n");
	return 0;
}
