// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-bench: xenstore throughput through /dev/xen/xenbus.
 *
 * The program speaks the xenstore wire protocol itself (raw xsd_sockmsg
 * frames, nothing but libc) on the kernel's device, so what it measures
 * is the kernel's xenbus core (the device file, the request queue, the
 * ring and the watch thread) plus xenstored, never libxenstore; with -S,
 * xenstored alone through its unix socket.
 *
 * usage: xs-bench [-b BASE] [-t SECS] [-w WRITES] [-n EVENTS] [-p DEPTH]
 *                 [-s SIZE] [-r | -W] [-S SOCKET]
 *   -b BASE    a store path this domain may write and remove
 *              (default /local/domain/0/xs-bench)
 *   -t SECS    length of each timed workload (default 3)
 *   -w WRITES  distinct nodes written by the write workload (default
 *              3000); the watch workload overwrites them
 *   -n EVENTS  writes under the watched subtree (default 2000); they go
 *              round the WRITES nodes, so with EVENTS <= WRITES every
 *              event is for a different node
 *   -p DEPTH   requests kept in flight when pipelining (default 32)
 *   -s SIZE    the read workloads' node holds SIZE bytes (up to 3900)
 *              instead of 16, and write-pipeD writes that many: with SIZE
 *              over the ring's 1024, xenstored fills the response ring
 *              several times per reply and waits for room each time, and
 *              the kernel fills the request ring several times per write
 *              (a soak for lost wake-ups in both directions)
 *   -r         the read workloads only
 *   -W         write-pipeD only
 *   -S SOCKET  talk to xenstored through its unix socket (in its own
 *              domain: /run/xenstored/socket) instead of the kernel: the
 *              ceiling the kernel's numbers are measured against
 *
 * Workloads, in this order:
 *   read-seq        XS_READ of one small node, one request at a time
 *   read-pipeD      the same read with DEPTH requests in flight
 *   write-distinct  XS_WRITE of WRITES distinct small nodes, one at a time
 *   write-pipeD     XS_WRITE of the read value round DEPTH nodes, DEPTH
 *                   requests in flight; each node read back at the end
 *                   (write-readback-wrong counts those that differ,
 *                   write-pipe-failed the writes xenstored refused)
 *   watch-*         a watch on BASE/w (one file) while another file writes
 *                   EVENTS nodes under it, DEPTH writes in flight; the time
 *                   from the first write until the last event was read
 *   tx-cycles       START, one WRITE, END "T", one cycle at a time
 *
 * Output: one line "bench <name> <value> <unit>" per measurement,
 * "info ..." lines, and "xs-bench: ok, N measurements" last.  Any
 * protocol error, unexpected reply, short read or write, or a workload
 * not finished within WATCHDOG_SECS prints "ERROR <workload>: ..." and
 * exits non-zero; a workload that fails prints no numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The wire format: struct xsd_sockmsg and the XS_* message types. */
#include <xen/io/xs_wire.h>

#define PAYLOAD_MAX	4096
#define DEV_PATH	"/dev/xen/xenbus"
#define HDR_SIZE	sizeof(struct xsd_sockmsg)
/* Received bytes are buffered so that one read() can take many replies. */
#define RBUF_SIZE	65536
#define PATH_LEN	256
#define MAX_DEPTH	256
/* Nodes per directory of the write workload: keeps directories small. */
#define FANOUT		100
/* Transactions go round this many nodes. */
#define TX_NODES	16
#define WATCH_TOKEN	"xs-bench"
/* A workload that takes longer than this is stuck, not slow. */
#define WATCHDOG_SECS	90
/* After the last write is answered, events may trail for this long. */
#define EVENT_IDLE_MS	3000
#define READ_VALUE	"0123456789abcdef"
#define READ_SIZE_MAX	3900

struct msg {
	struct xsd_sockmsg h;
	char body[PAYLOAD_MAX + 1];	/* NUL added after h.len bytes */
};

/* One open /dev/xen/xenbus and the bytes read from it, not yet parsed. */
struct conn {
	int fd;
	size_t head;			/* first unparsed byte in @buf */
	size_t tail;			/* end of the bytes read into @buf */
	char buf[RBUF_SIZE];
};

static struct options {
	const char *base;
	double secs;
	unsigned int writes;
	unsigned int events;
	unsigned int depth;
	unsigned int size;		/* of the read node's value; 0: READ_VALUE */
	bool reads_only;
	bool writes_only;		/* only write-pipeD */
	const char *socket;		/* xenstored's socket instead of DEV_PATH */
} opt = {
	.base = "/local/domain/0/xs-bench",
	.secs = 3.0,
	.writes = 3000,
	.events = 2000,
	.depth = 32,
};

/*
 * What the system did during a workload, to explain a number: the
 * kernel's "xenbus" interrupts, CPU time of the whole domain, and this
 * process's context switches.  Zero where the kernel does not tell.
 */
struct sys_snap {
	unsigned long long irqs;	/* the kernel's "xenbus" interrupt */
	unsigned long long xsd_irqs;	/* xenstored's, in its domain */
	unsigned long long busy;	/* clock ticks not idle, all CPUs */
	unsigned long long total;
	long csw;			/* voluntary + involuntary */
};

/* The workload running now: errors and the watchdog name it. */
static const char *workload = "setup";
static char watchdog_msg[160];
static struct sys_snap snap_begin;
static uint32_t next_req_id = 1;
static unsigned int nr_reported;
/* What the read workloads read: READ_VALUE, or opt.size bytes. */
static char read_value[READ_SIZE_MAX + 1] = READ_VALUE;

/* ------------------------------------------------------------------ */
/* Reporting                                                          */
/* ------------------------------------------------------------------ */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	printf("ERROR %s: ", workload);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	printf("info %s: ", workload);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void report(const char *name, double value, const char *unit)
{
	printf("bench %s %.1f %s\n", name, value, unit);
	nr_reported++;
}

/*
 * Interrupts counted in /proc/interrupts, summed over the CPUs: of the
 * kernel's "xenbus" line (xenstored -> kernel) in *@xb, and of the lines
 * of xenstored's own event channels in *@xsd (kernel -> xenstored: only
 * seen in the domain xenstored runs in).
 */
static void count_irqs(unsigned long long *xb, unsigned long long *xsd)
{
	FILE *f = fopen("/proc/interrupts", "r");
	unsigned long long sum, v, *to;
	char line[1024], *p, *end;

	*xb = 0;
	*xsd = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " xenbus\n"))
			to = xb;
		else if (strstr(line, "evtchn:xenstored"))
			to = xsd;
		else
			continue;
		sum = 0;
		p = strchr(line, ':');
		while (p) {
			v = strtoull(p + 1, &end, 10);
			if (end == p + 1)
				break;
			sum += v;
			p = end;
		}
		*to += sum;
	}
	fclose(f);
}

static void take_snap(struct sys_snap *s)
{
	unsigned long long v[8] = { 0 };
	struct rusage ru;
	FILE *f;
	int i;

	count_irqs(&s->irqs, &s->xsd_irqs);
	s->busy = 0;
	s->total = 0;
	f = fopen("/proc/stat", "r");
	if (f) {
		/* cpu user nice system idle iowait irq softirq steal */
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8) {
			for (i = 0; i < 8; i++)
				s->total += v[i];
			s->busy = s->total - v[3] - v[4];
		}
		fclose(f);
	}
	s->csw = 0;
	if (!getrusage(RUSAGE_SELF, &ru))
		s->csw = ru.ru_nvcsw + ru.ru_nivcsw;
}

/* One line on what the system did for the @ops operations just timed. */
static void diag(unsigned long ops)
{
	struct sys_snap e;
	double busy = 0;

	take_snap(&e);
	if (!ops)
		ops = 1;
	if (e.total > snap_begin.total)
		busy = 100.0 * (e.busy - snap_begin.busy) /
		       (e.total - snap_begin.total);
	printf("info %s: per operation %.2f xenbus irqs, %.2f xenstored irqs, ",
	       workload, (double)(e.irqs - snap_begin.irqs) / ops,
	       (double)(e.xsd_irqs - snap_begin.xsd_irqs) / ops);
	printf("%.2f context switches; cpus %.0f%% busy\n",
	       (double)(e.csw - snap_begin.csw) / ops, busy);
}

/* async-signal-safe: the message was formatted when the workload began. */
static void on_watchdog(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(STDOUT_FILENO, watchdog_msg, strlen(watchdog_msg));
	_exit(n < 0 ? 3 : 2);
}

/* Name the workload that starts now and give it WATCHDOG_SECS. */
static void begin(const char *name)
{
	workload = name;
	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "ERROR %s: not finished within %d s (timeout)\n", name,
		 WATCHDOG_SECS);
	alarm(WATCHDOG_SECS);
	take_snap(&snap_begin);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* The device                                                         */
/* ------------------------------------------------------------------ */

static void conn_open(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	c->head = 0;
	c->tail = 0;
	if (!opt.socket) {
		c->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
		if (c->fd < 0)
			die("cannot open %s: %s", DEV_PATH, strerror(errno));
		return;
	}
	if (strlen(opt.socket) >= sizeof(sa.sun_path))
		die("socket path %s is too long", opt.socket);
	memcpy(sa.sun_path, opt.socket, strlen(opt.socket) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot connect to %s: %s", opt.socket, strerror(errno));
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
}

/* One read(): waits until the device has something, takes what it has. */
static void conn_fill(struct conn *c)
{
	ssize_t n;

	/* Keep room for a whole message after what is still unparsed. */
	if (RBUF_SIZE - c->tail < HDR_SIZE + PAYLOAD_MAX) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	n = read(c->fd, c->buf + c->tail, RBUF_SIZE - c->tail);
	if (n < 0 && errno == EINTR)
		return;
	if (n < 0)
		die("read: %s", strerror(errno));
	if (n == 0)
		die("read: end of file with %zu bytes of a message pending",
		    c->tail - c->head);
	c->tail += n;
}

/* Take one complete message out of the buffer; false if there is none. */
static bool conn_take(struct conn *c, struct msg *m)
{
	size_t have = c->tail - c->head;

	if (have < HDR_SIZE)
		return false;
	memcpy(&m->h, c->buf + c->head, HDR_SIZE);
	if (m->h.len > PAYLOAD_MAX)
		die("message of type %u announces %u bytes", m->h.type,
		    m->h.len);
	if (have < HDR_SIZE + m->h.len)
		return false;
	memcpy(m->body, c->buf + c->head + HDR_SIZE, m->h.len);
	m->body[m->h.len] = '\0';
	c->head += HDR_SIZE + m->h.len;
	if (c->head == c->tail) {
		c->head = 0;
		c->tail = 0;
	}
	return true;
}

static void conn_recv(struct conn *c, struct msg *m)
{
	while (!conn_take(c, m))
		conn_fill(c);
}

/*
 * Send one request in one write(): Linux's device takes one request per
 * write, so requests in flight are separate writes.  Returns its req_id.
 */
static uint32_t conn_send(struct conn *c, uint32_t type, uint32_t tx_id,
			  const void *body, uint32_t len)
{
	char buf[HDR_SIZE + PAYLOAD_MAX];
	struct xsd_sockmsg h = {
		.type = type, .req_id = next_req_id++, .tx_id = tx_id,
		.len = len,
	};
	ssize_t n;

	if (len > PAYLOAD_MAX - HDR_SIZE)
		die("request body of %u bytes is too big", len);
	memcpy(buf, &h, HDR_SIZE);
	memcpy(buf + HDR_SIZE, body, len);
	n = write(c->fd, buf, HDR_SIZE + len);
	if (n != (ssize_t)(HDR_SIZE + len))
		die("write of a %zu-byte request (type %u) returned %zd: %s",
		    HDR_SIZE + len, type, n, n < 0 ? strerror(errno) : "short");
	return h.req_id;
}

/* ------------------------------------------------------------------ */
/* Requests and replies                                               */
/* ------------------------------------------------------------------ */

/* Body "path\0". */
static uint32_t body_path(char *out, const char *path)
{
	size_t n = strlen(path) + 1;

	memcpy(out, path, n);
	return n;
}

/* Body "path\0value" (XS_WRITE: the value has no NUL). */
static uint32_t body_write(char *out, const char *path, const char *val)
{
	size_t n = strlen(path) + 1;
	size_t v = strlen(val);

	memcpy(out, path, n);
	memcpy(out + n, val, v);
	return n + v;
}

/* Body "path\0token\0". */
static uint32_t body_watch(char *out, const char *path, const char *token)
{
	uint32_t n = body_path(out, path);

	return n + body_path(out + n, token);
}

/* A reply must answer @id with @type; anything else ends the run. */
static void expect(const struct msg *m, uint32_t id, uint32_t type,
		   const char *what)
{
	if (m->h.type == XS_WATCH_EVENT)
		die("%s: watch event \"%.80s\" on a file without watches", what,
		    m->body);
	if (m->h.req_id != id)
		die("%s: reply has req_id %u, expected %u", what, m->h.req_id,
		    id);
	if (m->h.type == XS_ERROR)
		die("%s: xenstored answered %.40s", what, m->body);
	if (m->h.type != type)
		die("%s: reply of type %u, expected %u", what, m->h.type, type);
}

static void expect_ok(const struct msg *m, uint32_t id, uint32_t type,
		      const char *what)
{
	expect(m, id, type, what);
	if (m->h.len != 3 || memcmp(m->body, "OK", 3))
		die("%s: reply body \"%.40s\" (%u bytes), expected \"OK\"",
		    what, m->body, m->h.len);
}

static void xs_write(struct conn *c, uint32_t tx_id, const char *path,
		     const char *val)
{
	char body[PAYLOAD_MAX];
	uint32_t id = conn_send(c, XS_WRITE, tx_id, body,
				body_write(body, path, val));
	struct msg m;

	conn_recv(c, &m);
	expect_ok(&m, id, XS_WRITE, "write");
}

/* Remove @path; ENOENT is fine (a clean store). */
static void xs_rm(struct conn *c, const char *path)
{
	char body[PATH_LEN];
	uint32_t id = conn_send(c, XS_RM, 0, body, body_path(body, path));
	struct msg m;

	conn_recv(c, &m);
	if (m.h.type == XS_ERROR && m.h.req_id == id &&
	    !strcmp(m.body, "ENOENT"))
		return;
	expect_ok(&m, id, XS_RM, "rm");
}

static void path_of(char *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* BASE/ followed by @fmt; a path that does not fit ends the run. */
static void path_of(char *out, const char *fmt, ...)
{
	int n = snprintf(out, PATH_LEN, "%s/", opt.base);
	va_list ap;

	if (n < 0 || n >= PATH_LEN)
		die("base path too long");
	va_start(ap, fmt);
	n += vsnprintf(out + n, PATH_LEN - n, fmt, ap);
	va_end(ap);
	if (n >= PATH_LEN)
		die("path too long");
}

/* Node @i of the write workload: BASE/w/<i / FANOUT>/<i % FANOUT>. */
static void node_path(char *out, unsigned int i)
{
	path_of(out, "w/%u/%u", i / FANOUT, i % FANOUT);
}

/* ------------------------------------------------------------------ */
/* Workloads                                                          */
/* ------------------------------------------------------------------ */

static void check_read(const struct msg *m, uint32_t id)
{
	size_t len = strlen(read_value);

	expect(m, id, XS_READ, "read");
	if (m->h.len != len || memcmp(m->body, read_value, len))
		die("read returned \"%.40s\" (%u bytes), expected \"%.40s\" (%zu bytes)",
		    m->body, m->h.len, read_value, len);
}

static void bench_read_seq(struct conn *c)
{
	char path[PATH_LEN], body[PATH_LEN];
	unsigned long ops = 0;
	double t0, t;
	uint32_t len, id;
	struct msg m;

	begin("read-seq");
	path_of(path, "r");
	xs_write(c, 0, path, read_value);
	len = body_path(body, path);

	t0 = now();
	do {
		id = conn_send(c, XS_READ, 0, body, len);
		conn_recv(c, &m);
		check_read(&m, id);
		ops++;
		t = now();
	} while (t - t0 < opt.secs);
	info("%lu reads in %.3f s", ops, t - t0);
	diag(ops);
	report("read-seq", ops / (t - t0), "ops/s");
}

/*
 * Take the request that @m answers out of @inflight (@nr of them, oldest
 * first); returns its place, 0 for the oldest.  A reply to no request in
 * flight ends the run.
 */
static unsigned int inflight_take(uint32_t *inflight, unsigned int *nr,
				  const struct msg *m)
{
	unsigned int i;

	for (i = 0; i < *nr && inflight[i] != m->h.req_id; i++)
		;
	if (i == *nr)
		die("reply with req_id %u, type %u: no such request in flight",
		    m->h.req_id, m->h.type);
	memmove(&inflight[i], &inflight[i + 1],
		(*nr - i - 1) * sizeof(inflight[0]));
	(*nr)--;
	return i;
}

static void bench_read_pipe(struct conn *c)
{
	char path[PATH_LEN], body[PATH_LEN], name[32];
	uint32_t inflight[MAX_DEPTH];
	unsigned int nr = 0, reordered = 0;
	unsigned long ops = 0;
	bool more = true;
	double t0, t;
	uint32_t len;
	struct msg m;

	snprintf(name, sizeof(name), "read-pipe%u", opt.depth);
	begin(name);
	path_of(path, "r");
	len = body_path(body, path);

	t0 = now();
	t = t0;
	while (nr < opt.depth)
		inflight[nr++] = conn_send(c, XS_READ, 0, body, len);
	while (nr) {
		conn_recv(c, &m);
		/* Replies come back in order in practice; accept any order. */
		if (inflight_take(inflight, &nr, &m))
			reordered++;
		check_read(&m, m.h.req_id);
		ops++;
		t = now();
		if (more && t - t0 >= opt.secs)
			more = false;
		if (more)
			inflight[nr++] = conn_send(c, XS_READ, 0, body, len);
	}
	info("%lu reads in %.3f s, %u requests in flight, %u replies out of order",
	     ops, t - t0, opt.depth, reordered);
	diag(ops);
	report(name, ops / (t - t0), "ops/s");
}

static void bench_write(struct conn *c)
{
	char path[PATH_LEN], val[16];
	unsigned int i;
	double t0, t;

	begin("write-distinct");
	t0 = now();
	for (i = 0; i < opt.writes; i++) {
		node_path(path, i);
		snprintf(val, sizeof(val), "v%u", i);
		xs_write(c, 0, path, val);
	}
	t = now();
	info("%u writes of distinct nodes in %.3f s", opt.writes, t - t0);
	diag(opt.writes);
	report("write-distinct", opt.writes / (t - t0), "ops/s");
}

/*
 * XS_WRITE of the read workloads' value (-s SIZE bytes) with DEPTH
 * requests in flight, round DEPTH nodes.  With SIZE over the ring's 1024
 * bytes, every request fills the request ring several times: the kernel
 * writes it in pieces as xenstored reads, so every piece after the first
 * needs xenstored to notice it, told or by looking again (a soak for lost
 * wake-ups in the request direction).  Each node is read back at the end.
 */
static void bench_write_pipe(struct conn *c)
{
	static char body[PAYLOAD_MAX];
	uint32_t inflight[MAX_DEPTH];
	unsigned int nr = 0, i, next = 0, wrong = 0, failed = 0;
	char path[PATH_LEN], name[32];
	unsigned long ops = 0;
	bool more = true;
	double t0, t;
	uint32_t len, id;
	struct msg m;

	snprintf(name, sizeof(name), "write-pipe%u", opt.depth);
	begin(name);
	t0 = now();
	t = t0;
	while (nr < opt.depth) {
		path_of(path, "p/%u", next++ % opt.depth);
		len = body_write(body, path, read_value);
		inflight[nr++] = conn_send(c, XS_WRITE, 0, body, len);
	}
	while (nr) {
		conn_recv(c, &m);
		inflight_take(inflight, &nr, &m);
		/* Linux 6.12 garbles some (see below): counted, not fatal. */
		if (m.h.type == XS_ERROR && !opt.writes_only) {
			info("write answered %.40s", m.body);
			failed++;
		} else {
			expect_ok(&m, m.h.req_id, XS_WRITE, "write");
		}
		ops++;
		t = now();
		if (more && t - t0 >= opt.secs)
			more = false;
		if (more) {
			path_of(path, "p/%u", next++ % opt.depth);
			len = body_write(body, path, read_value);
			inflight[nr++] = conn_send(c, XS_WRITE, 0, body, len);
		}
	}
	info("%lu writes of %zu bytes in %.3f s, %u requests in flight",
	     ops, strlen(read_value), t - t0, opt.depth);
	diag(ops);
	report(name, ops / (t - t0), "ops/s");

	/*
	 * Every node must hold exactly what was written to it.  Linux 6.12
	 * fails this: with requests in flight, some nodes hold a value one
	 * byte longer, or were never written, as if a request went out with
	 * its own header and a later request's body and path (seen in the
	 * lab); now and then xenstored refuses such a write (EINVAL).  The
	 * soak (-W) stops at the first such node; the benchmark counts them.
	 */
	for (i = 0; i < opt.depth && i < next; i++) {
		path_of(path, "p/%u", i);
		id = conn_send(c, XS_READ, 0, body, body_path(body, path));
		conn_recv(c, &m);
		if (opt.writes_only) {
			check_read(&m, id);
			continue;
		}
		if (m.h.type == XS_ERROR && m.h.req_id == id &&
		    !strcmp(m.body, "ENOENT")) {
			info("%s was never written", path);
			wrong++;
			continue;
		}
		expect(&m, id, XS_READ, "read back");
		if (m.h.len != strlen(read_value) ||
		    memcmp(m.body, read_value, m.h.len)) {
			info("%s holds %u bytes, %zu written", path, m.h.len,
			     strlen(read_value));
			wrong++;
		}
	}
	if (!opt.writes_only) {
		report("write-pipe-failed", failed, "writes");
		report("write-readback-wrong", wrong, "nodes");
	}
}

/* What the watch workload has seen so far. */
struct watch_run {
	char prefix[PATH_LEN];		/* BASE/w/ */
	unsigned char *seen;		/* per node of the write workload */
	unsigned int received;		/* events for our nodes */
	unsigned int distinct;		/* different nodes among them */
	unsigned int unwritten;		/* events for nodes not written now */
	double t_last;			/* when the last event was read */
};

/* Check one event and count it. */
static void watch_event(struct watch_run *wr, const struct msg *m)
{
	const char *path = m->body;
	size_t plen = strnlen(path, m->h.len);
	const char *token = path + plen + 1;
	size_t pre = strlen(wr->prefix);
	unsigned int dir, leaf, i;
	char end;

	if (plen + 1 >= m->h.len ||
	    strnlen(token, m->h.len - plen - 1) + plen + 2 != m->h.len)
		die("malformed watch event (%u bytes)", m->h.len);
	if (strcmp(token, WATCH_TOKEN))
		die("watch event with token \"%.40s\"", token);
	if (strncmp(path, wr->prefix, pre) ||
	    sscanf(path + pre, "%u/%u%c", &dir, &leaf, &end) != 2 ||
	    leaf >= FANOUT || dir * FANOUT + leaf >= opt.writes)
		die("watch event for \"%.120s\", not a node that was written",
		    path);
	i = dir * FANOUT + leaf;
	/* Only nodes below min(events, writes) are written under the watch. */
	if (i >= opt.events)
		wr->unwritten++;
	if (!wr->seen[i])
		wr->distinct++;
	wr->seen[i] = 1;
	wr->received++;
	wr->t_last = now();
}

/* Register the watch and wait for its OK and its initial event. */
static void watch_start(struct conn *cw, const char *wpath)
{
	char body[PATH_LEN * 2];
	bool ok = false, initial = false;
	uint32_t id, len;
	struct msg m;

	len = body_watch(body, wpath, WATCH_TOKEN);
	id = conn_send(cw, XS_WATCH, 0, body, len);
	while (!ok || !initial) {
		conn_recv(cw, &m);
		if (m.h.type == XS_WATCH_EVENT) {
			if (strcmp(m.body, wpath) ||
			    strcmp(m.body + strlen(m.body) + 1, WATCH_TOKEN))
				die("event \"%.120s\" before any write", m.body);
			initial = true;
			continue;
		}
		expect_ok(&m, id, XS_WATCH, "watch");
		ok = true;
	}
}

/* Unregister; events still arriving are counted as late. */
static unsigned int watch_stop(struct conn *cw, const char *wpath)
{
	char body[PATH_LEN * 2];
	unsigned int late = 0;
	uint32_t id, len;
	struct msg m;

	len = body_watch(body, wpath, WATCH_TOKEN);
	id = conn_send(cw, XS_UNWATCH, 0, body, len);
	for (;;) {
		conn_recv(cw, &m);
		if (m.h.type != XS_WATCH_EVENT)
			break;
		late++;
	}
	expect_ok(&m, id, XS_UNWATCH, "unwatch");
	return late;
}

/* Reap what the writer's buffer holds: each must be an OK for a write. */
static unsigned int watch_acks(struct conn *c, uint32_t *inflight,
			       unsigned int *nr)
{
	unsigned int acked = 0;
	struct msg m;

	while (conn_take(c, &m)) {
		inflight_take(inflight, nr, &m);
		expect_ok(&m, m.h.req_id, XS_WRITE, "write");
		acked++;
	}
	return acked;
}

static void bench_watch(struct conn *c)
{
	char wpath[PATH_LEN], path[PATH_LEN], body[PAYLOAD_MAX], val[16];
	struct watch_run wr = { .received = 0 };
	uint32_t inflight[MAX_DEPTH];
	unsigned int nr = 0, sent = 0, acked = 0, late, expect, hit = 0, i;
	double t0, t_acked = 0;
	struct conn *cw;
	struct msg m;

	begin("watch");
	cw = malloc(sizeof(*cw));
	wr.seen = calloc(opt.writes, 1);
	if (!cw || !wr.seen)
		die("out of memory");
	path_of(wpath, "w");
	path_of(wr.prefix, "w/");
	conn_open(cw);
	watch_start(cw, wpath);

	t0 = now();
	wr.t_last = t0;
	while (wr.received < opt.events) {
		struct pollfd p[2] = {
			{ .fd = cw->fd, .events = POLLIN },
			{ .fd = c->fd, .events = POLLIN },
		};
		int r;

		while (nr < opt.depth && sent < opt.events) {
			node_path(path, sent % opt.writes);
			snprintf(val, sizeof(val), "e%u", sent);
			inflight[nr++] = conn_send(c, XS_WRITE, 0, body,
						   body_write(body, path, val));
			sent++;
		}
		/* Events may coalesce or be dropped: stop when they dry up. */
		r = poll(p, 2, acked == opt.events ? EVENT_IDLE_MS : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r == 0)
			break;
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL) ||
		    p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			die("poll: error on the device");
		if (p[0].revents & POLLIN) {
			conn_fill(cw);
			while (conn_take(cw, &m)) {
				if (m.h.type != XS_WATCH_EVENT)
					die("reply of type %u on the watching file",
					    m.h.type);
				watch_event(&wr, &m);
			}
		}
		if (p[1].revents & POLLIN) {
			conn_fill(c);
			acked += watch_acks(c, inflight, &nr);
			if (acked == opt.events)
				t_acked = now();
		}
	}
	/* All events in while writes were still being answered. */
	while (acked < opt.events) {
		conn_fill(c);
		acked += watch_acks(c, inflight, &nr);
		t_acked = now();
	}
	late = watch_stop(cw, wpath);
	conn_close(cw);
	free(cw);
	expect = opt.events < opt.writes ? opt.events : opt.writes;
	for (i = 0; i < expect; i++)
		hit += wr.seen[i];
	free(wr.seen);

	if (!wr.received)
		die("%u writes under a watched node, no event", opt.events);
	info("%u writes answered in %.3f s; %u events (%u distinct nodes) read in %.3f s; %u late",
	     opt.events, t_acked - t0, wr.received, wr.distinct,
	     wr.t_last - t0, late);
	info("%u of %u nodes written had an event; %u repeats; %u for nodes not written under the watch",
	     hit, expect, wr.received - wr.distinct, wr.unwritten);
	diag(opt.events);
	report("watch-events", wr.received / (wr.t_last - t0), "events/s");
	report("watch-time", (wr.t_last - t0) * 1000, "ms");
	report("watch-received", wr.received, "events");
	report("watch-distinct", wr.distinct, "nodes");
}

static void bench_tx(struct conn *c)
{
	char path[PATH_LEN], val[16];
	unsigned long cycles = 0, conflicts = 0, txl;
	double t0, t;
	uint32_t id, tx;
	struct msg m;
	char *end;

	begin("tx-cycles");
	t0 = now();
	do {
		id = conn_send(c, XS_TRANSACTION_START, 0, "", 1);
		conn_recv(c, &m);
		expect(&m, id, XS_TRANSACTION_START, "transaction start");
		txl = strtoul(m.body, &end, 10);
		if (!txl || txl > UINT32_MAX || end == m.body || *end)
			die("transaction start answered \"%.40s\"", m.body);
		tx = txl;

		path_of(path, "t/%lu", cycles % TX_NODES);
		snprintf(val, sizeof(val), "t%lu", cycles);
		xs_write(c, tx, path, val);

		id = conn_send(c, XS_TRANSACTION_END, tx, "T", 2);
		conn_recv(c, &m);
		if (m.h.type == XS_ERROR && m.h.req_id == id &&
		    !strcmp(m.body, "EAGAIN"))
			conflicts++;
		else
			expect_ok(&m, id, XS_TRANSACTION_END, "transaction end");
		cycles++;
		t = now();
	} while (t - t0 < opt.secs);
	if (conflicts == cycles)
		die("all %lu commits conflicted", cycles);
	info("%lu start/write/commit cycles in %.3f s, %lu conflicts",
	     cycles, t - t0, conflicts);
	diag(cycles);
	report("tx-cycles", (cycles - conflicts) / (t - t0), "cycles/s");
	report("tx-conflicts", conflicts, "commits");
}

/* ------------------------------------------------------------------ */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-b BASE] [-t SECS] [-w WRITES] [-n EVENTS] [-p DEPTH]\n"
		"       [-s SIZE] [-r | -W] [-S SOCKET]\n",
		prog);
	exit(2);
}

static unsigned int arg_uint(const char *s, unsigned int lo, unsigned int hi,
			     const char *prog)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v < lo || v > hi)
		usage(prog);
	return v;
}

int main(int argc, char **argv)
{
	static struct conn c;
	struct utsname u;
	char *end;
	int o;

	while ((o = getopt(argc, argv, "b:t:w:n:p:s:rWS:")) != -1) {
		switch (o) {
		case 'b':
			opt.base = optarg;
			break;
		case 't':
			opt.secs = strtod(optarg, &end);
			if (end == optarg || *end || opt.secs <= 0 ||
			    opt.secs > 60)
				usage(argv[0]);
			break;
		case 'w':
			opt.writes = arg_uint(optarg, 1, 1000000, argv[0]);
			break;
		case 'n':
			opt.events = arg_uint(optarg, 1, 1000000, argv[0]);
			break;
		case 'p':
			opt.depth = arg_uint(optarg, 1, MAX_DEPTH, argv[0]);
			break;
		case 's':
			opt.size = arg_uint(optarg, 1, READ_SIZE_MAX, argv[0]);
			break;
		case 'r':
			opt.reads_only = true;
			break;
		case 'W':
			opt.writes_only = true;
			break;
		case 'S':
			opt.socket = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || strlen(opt.base) > PATH_LEN / 2 ||
	    (opt.reads_only && opt.writes_only))
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_watchdog);
	if (opt.size) {
		unsigned int i;

		for (i = 0; i < opt.size; i++)
			read_value[i] = 'a' + i % 26;
		read_value[opt.size] = '\0';
	}

	begin("setup");
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	info("kernel %s, base %s, %.1f s per timed workload, %u writes, %u events, depth %u, read size %zu%s",
	     u.release, opt.base, opt.secs, opt.writes, opt.events,
	     opt.depth, strlen(read_value), opt.reads_only ? ", reads only" :
	     opt.writes_only ? ", pipelined writes only" : "");
	conn_open(&c);
	xs_rm(&c, opt.base);

	if (!opt.writes_only) {
		bench_read_seq(&c);
		bench_read_pipe(&c);
	}
	if (!opt.reads_only) {
		if (!opt.writes_only)
			bench_write(&c);
		bench_write_pipe(&c);
		if (!opt.writes_only) {
			bench_watch(&c);
			bench_tx(&c);
		}
	}

	begin("cleanup");
	xs_rm(&c, opt.base);
	conn_close(&c);
	alarm(0);
	printf("xs-bench: ok, %u measurements\n", nr_reported);
	return 0;
}
