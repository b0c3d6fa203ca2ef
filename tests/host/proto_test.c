// SPDX-License-Identifier: GPL-2.0-only
/*
 * proto_test.c - host unit tests for xenbus_proto.c.
 *
 * Plain C, no framework: each test prints "PASS <name>" or
 * "FAIL <name>: <detail>" (the first failed expectation, with its line),
 * and the run ends with "N passed, N failed" and exits 1 on any failure.
 * Bodies handed to the parsers are copied into heap blocks of exactly
 * their length so that AddressSanitizer catches any read past them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xenbus_proto.h"

typedef struct xenstore_domain_interface intf_t;

static const char *cur_test;
static int cur_failed, n_passed, n_failed;

static void failf(int line, const char *fmt, ...)
{
	va_list ap;

	if (cur_failed++)
		return;		/* report only the first failure of a test */
	printf("FAIL %s: line %d: ", cur_test, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define EXPECT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		failf(__LINE__, "%s is %lld, expected %s = %lld",	\
		      #a, _a, #b, _b);					\
} while (0)

#define EXPECT_TRUE(c) do {						\
	if (!(c))							\
		failf(__LINE__, "expected %s", #c);			\
} while (0)

#define EXPECT_STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || !_b || strcmp(_a, _b))				\
		failf(__LINE__, "%s is \"%s\", expected \"%s\"",	\
		      #a, _a ? _a : "(null)", _b ? _b : "(null)");	\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	cur_test = name;
	cur_failed = 0;
	fn();
	if (cur_failed) {
		n_failed++;
	} else {
		n_passed++;
		printf("PASS %s\n", name);
	}
}

#define RUN(fn) run(#fn, fn)

/* A heap copy of exactly @len bytes: ASan flags any read beyond it. */
static void *dup_exact(const void *src, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, src, len);
	return p;
}

static intf_t *new_page(unsigned char fill)
{
	intf_t *intf = malloc(sizeof(*intf));

	if (!intf)
		abort();
	memset(intf, fill, sizeof(*intf));
	return intf;
}

static unsigned char pattern(unsigned int i)
{
	return (unsigned char)(i * 7 + 3);
}

/* ------------------------------------------------------------------ */
/* Ring transfer                                                       */
/* ------------------------------------------------------------------ */

static void ring_write_empty_ring_copies_all(void)
{
	intf_t *intf = new_page(0), *before;
	char data[100];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	intf->rsp_cons = 5;
	intf->rsp_prod = 9;
	before = dup_exact(intf, sizeof(*intf));

	EXPECT_EQ(xb_ring_write(intf, data, sizeof(data)), 100);
	EXPECT_EQ(intf->req_prod, 100);
	EXPECT_EQ(intf->req_cons, 0);
	EXPECT_TRUE(!memcmp(intf->req, data, sizeof(data)));
	/* Nothing but the written bytes and req_prod changed. */
	before->req_prod = 100;
	memcpy(before->req, data, sizeof(data));
	EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
	free(before);
	free(intf);
}

static void ring_write_full_ring_returns_zero(void)
{
	intf_t *intf = new_page(0x5a), *before;

	intf->req_cons = 4000;
	intf->req_prod = 4000 + XENSTORE_RING_SIZE;
	before = dup_exact(intf, sizeof(*intf));
	EXPECT_EQ(xb_ring_write(intf, "x", 1), 0);
	EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
	free(before);
	free(intf);
}

static void ring_write_zero_len_changes_nothing(void)
{
	intf_t *intf = new_page(0x11), *before;

	intf->req_cons = 7;
	intf->req_prod = 9;
	before = dup_exact(intf, sizeof(*intf));
	EXPECT_EQ(xb_ring_write(intf, "", 0), 0);
	EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
	free(before);
	free(intf);
}

static void ring_write_stops_at_free_space(void)
{
	intf_t *intf = new_page(0);
	char data[100] = { 0 };

	intf->req_cons = 10;
	intf->req_prod = 10 + 1000;
	EXPECT_EQ(xb_ring_write(intf, data, sizeof(data)), 24);
	EXPECT_EQ(intf->req_prod, 10 + 1024);
	free(intf);
}

/*
 * Start at every ring offset with an empty ring and write lengths that
 * fit, fill the ring exactly, and overflow it: each byte must land at
 * its masked offset and no other byte of the ring may change.
 */
static void ring_write_wraps_at_every_offset(void)
{
	static const unsigned int lens[] = { 1, 7, 512, 1023, 1024, 1500 };
	char data[1500];
	unsigned int off, l, i;
	intf_t *intf = new_page(0);

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);

	for (off = 0; off < XENSTORE_RING_SIZE && !cur_failed; off++) {
		for (l = 0; l < ARRAY_SIZE(lens) && !cur_failed; l++) {
			u32 start = 0x12345000u + off;
			unsigned int want = lens[l] < 1024 ? lens[l] : 1024;

			memset(intf->req, 0xaa, sizeof(intf->req));
			intf->req_cons = start;
			intf->req_prod = start;
			EXPECT_EQ(xb_ring_write(intf, data, lens[l]), want);
			EXPECT_EQ(intf->req_prod, start + want);
			EXPECT_EQ(intf->req_cons, start);
			for (i = 0; i < XENSTORE_RING_SIZE && !cur_failed; i++) {
				unsigned int rel = (i - off) & 1023;
				unsigned char expect = rel < want ?
					(unsigned char)data[rel] : 0xaa;

				if ((unsigned char)intf->req[i] != expect)
					failf(__LINE__,
					      "off %u len %u: req[%u]=%#x, expected %#x",
					      off, lens[l], i,
					      (unsigned char)intf->req[i], expect);
			}
		}
	}
	free(intf);
}

static void ring_read_wraps_at_every_offset(void)
{
	static const unsigned int fills[] = { 1, 7, 512, 1024 };
	static const unsigned int asks[] = { 1, 100, 1024, 2000 };
	unsigned int off, f, a, i;
	intf_t *intf = new_page(0);
	char buf[2000];

	for (off = 0; off < XENSTORE_RING_SIZE && !cur_failed; off++) {
		for (f = 0; f < ARRAY_SIZE(fills) && !cur_failed; f++) {
			for (a = 0; a < ARRAY_SIZE(asks) && !cur_failed; a++) {
				u32 start = 0xabc00000u + off;
				unsigned int want = asks[a] < fills[f] ?
						    asks[a] : fills[f];

				for (i = 0; i < XENSTORE_RING_SIZE; i++)
					intf->rsp[(off + i) & 1023] = pattern(i);
				intf->rsp_cons = start;
				intf->rsp_prod = start + fills[f];
				memset(buf, 0xee, sizeof(buf));
				EXPECT_EQ(xb_ring_read(intf, buf, asks[a]), want);
				EXPECT_EQ(intf->rsp_cons, start + want);
				EXPECT_EQ(intf->rsp_prod, start + fills[f]);
				for (i = 0; i < want && !cur_failed; i++)
					if ((unsigned char)buf[i] != pattern(i))
						failf(__LINE__,
						      "off %u fill %u ask %u: buf[%u] wrong",
						      off, fills[f], asks[a], i);
				/* Not a byte more than asked for. */
				if (want < sizeof(buf))
					EXPECT_EQ((unsigned char)buf[want], 0xee);
			}
		}
	}
	free(intf);
}

static void ring_read_empty_returns_zero(void)
{
	intf_t *intf = new_page(0x33), *before;
	char buf[8];

	intf->rsp_cons = 0xfffffff0u;
	intf->rsp_prod = 0xfffffff0u;
	before = dup_exact(intf, sizeof(*intf));
	EXPECT_EQ(xb_ring_read(intf, buf, sizeof(buf)), 0);
	EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
	free(before);
	free(intf);
}

static void ring_read_only_moves_rsp_cons(void)
{
	intf_t *intf = new_page(0x44), *before;
	char buf[40];

	intf->rsp_cons = 1000;
	intf->rsp_prod = 1030;
	before = dup_exact(intf, sizeof(*intf));
	EXPECT_EQ(xb_ring_read(intf, buf, sizeof(buf)), 30);
	before->rsp_cons = 1030;
	EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
	free(before);
	free(intf);
}

static void ring_write_index_wraps_past_u32_max(void)
{
	intf_t *intf = new_page(0);
	char data[600];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);

	intf->req_cons = 0xfffffff0u;
	intf->req_prod = 0xfffffff0u;
	EXPECT_EQ(xb_ring_write(intf, data, 100), 100);
	EXPECT_EQ(intf->req_prod, 100 - 16);
	EXPECT_EQ((unsigned char)intf->req[1023], pattern(15));
	EXPECT_EQ((unsigned char)intf->req[0], pattern(16));

	/* 512 bytes in flight across the wrap: only 512 more fit. */
	intf->req_cons = 0xffffff00u;
	intf->req_prod = 0x00000100u;
	EXPECT_EQ(xb_ring_write(intf, data, sizeof(data)), 512);
	EXPECT_EQ(intf->req_prod, 0x00000300u);
	EXPECT_EQ(xb_ring_write(intf, data, sizeof(data)), 0);
	free(intf);
}

static void ring_read_index_wraps_past_u32_max(void)
{
	intf_t *intf = new_page(0);
	char buf[10];

	intf->rsp[1022] = 'a';
	intf->rsp[1023] = 'b';
	intf->rsp[0] = 'c';
	intf->rsp[1] = 'd';
	intf->rsp_cons = 0xfffffffeu;
	intf->rsp_prod = 0x00000002u;
	EXPECT_EQ(xb_ring_read(intf, buf, sizeof(buf)), 4);
	EXPECT_TRUE(!memcmp(buf, "abcd", 4));
	EXPECT_EQ(intf->rsp_cons, 2);

	/* A full ring whose indexes straddle the wrap is still sane. */
	intf->rsp_cons = 0xfffffe00u;
	intf->rsp_prod = 0x00000200u;
	EXPECT_EQ(xb_ring_read(intf, buf, 1), 1);
	EXPECT_EQ(intf->rsp_cons, 0xfffffe01u);
	free(intf);
}

static const u32 corrupt_pairs[][2] = {	/* { cons, prod } */
	{ 0, 1025 },
	{ 1, 0 },			/* consumer ahead of producer */
	{ 0, 0x80000000u },
	{ 0xfffffff0u, 0x00000400u },	/* 1040 across the wrap */
	{ 0x1000, 0x0fff },
};

static void ring_write_corrupt_indexes_leave_page_untouched(void)
{
	intf_t *intf = new_page(0), *before;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(corrupt_pairs); i++) {
		for (j = 0; j < sizeof(*intf); j++)
			((unsigned char *)intf)[j] = pattern(j + i);
		intf->req_cons = corrupt_pairs[i][0];
		intf->req_prod = corrupt_pairs[i][1];
		before = dup_exact(intf, sizeof(*intf));
		EXPECT_EQ(xb_ring_write(intf, "hello", 5), -EIO);
		EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
		/* Zero bytes does not make a corrupt ring sane. */
		EXPECT_EQ(xb_ring_write(intf, "", 0), -EIO);
		EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
		free(before);
	}
	free(intf);
}

static void ring_read_corrupt_indexes_leave_page_untouched(void)
{
	intf_t *intf = new_page(0), *before;
	unsigned int i, j;
	char buf[64];

	for (i = 0; i < ARRAY_SIZE(corrupt_pairs); i++) {
		for (j = 0; j < sizeof(*intf); j++)
			((unsigned char *)intf)[j] = pattern(j + i);
		intf->rsp_cons = corrupt_pairs[i][0];
		intf->rsp_prod = corrupt_pairs[i][1];
		before = dup_exact(intf, sizeof(*intf));
		memset(buf, 0x77, sizeof(buf));
		EXPECT_EQ(xb_ring_read(intf, buf, sizeof(buf)), -EIO);
		EXPECT_TRUE(!memcmp(intf, before, sizeof(*intf)));
		EXPECT_EQ((unsigned char)buf[0], 0x77);
		free(before);
	}
	free(intf);
}

static void ring_can_read_and_write_follow_fill_level(void)
{
	intf_t *intf = new_page(0);

	intf->rsp_cons = intf->rsp_prod = 0xffffffffu;
	intf->req_cons = intf->req_prod = 0xffffffffu;
	EXPECT_TRUE(!xb_ring_can_read(intf));
	EXPECT_TRUE(xb_ring_can_write(intf));

	intf->rsp_prod = 0;	/* one byte, across the wrap */
	intf->req_prod = 1022;	/* 1023 bytes in flight */
	EXPECT_TRUE(xb_ring_can_read(intf));
	EXPECT_TRUE(xb_ring_can_write(intf));

	intf->req_prod = 1023;	/* full */
	EXPECT_TRUE(!xb_ring_can_write(intf));

	/* Corrupt indexes say "go ahead" so the transfer reports -EIO. */
	intf->rsp_cons = 0;
	intf->rsp_prod = 5000;
	intf->req_cons = 0;
	intf->req_prod = 5000;
	EXPECT_TRUE(xb_ring_can_read(intf));
	EXPECT_TRUE(xb_ring_can_write(intf));
	free(intf);
}

/*
 * Push 100000 bytes through each ring in awkward chunk sizes against a
 * simulated xenstored that drains or fills in other chunk sizes; the
 * stream must come out in order with nothing lost or duplicated.
 */
static void ring_streams_survive_odd_chunking(void)
{
	enum { TOTAL = 100000 };
	intf_t *intf = new_page(0);
	unsigned int sent = 0, got = 0, step = 0;
	char buf[1500];

	intf->req_cons = intf->req_prod = 0xfffff000u;
	while (got < TOTAL && !cur_failed) {
		unsigned int want = (step * 37 + 1) % 1400 + 1, i;
		int n;

		if (want > TOTAL - sent)
			want = TOTAL - sent;
		for (i = 0; i < want; i++)
			buf[i] = pattern(sent + i);
		n = xb_ring_write(intf, buf, want);
		EXPECT_TRUE(n >= 0 && (unsigned int)n <= want);
		sent += n;
		/* The peer consumes a different-sized chunk. */
		for (i = 0; i < (step * 53 + 7) % 900 &&
			    intf->req_cons != intf->req_prod; i++, got++) {
			unsigned char c = intf->req[MASK_XENSTORE_IDX(intf->req_cons)];

			if (c != pattern(got)) {
				failf(__LINE__, "req byte %u wrong", got);
				break;
			}
			intf->req_cons++;
		}
		step++;
	}
	EXPECT_EQ(got, TOTAL);

	got = sent = step = 0;
	intf->rsp_cons = intf->rsp_prod = 0xffffff00u;
	while (got < TOTAL && !cur_failed) {
		unsigned int room = (step * 41 + 3) % 1100, i;
		int n;

		for (i = 0; i < room && sent < TOTAL &&
			    intf->rsp_prod - intf->rsp_cons < 1024; i++, sent++)
			intf->rsp[MASK_XENSTORE_IDX(intf->rsp_prod++)] = pattern(sent);
		n = xb_ring_read(intf, buf, (step * 29 + 1) % 1300 + 1);
		EXPECT_TRUE(n >= 0);
		for (i = 0; n > 0 && i < (unsigned int)n; i++, got++)
			if ((unsigned char)buf[i] != pattern(got)) {
				failf(__LINE__, "rsp byte %u wrong", got);
				break;
			}
		step++;
	}
	EXPECT_EQ(got, TOTAL);
	free(intf);
}

/* ------------------------------------------------------------------ */
/* Message headers                                                     */
/* ------------------------------------------------------------------ */

static int hdr(u32 type, u32 len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = 1, .len = len };

	return xb_hdr_check(&h);
}

static void hdr_accepts_every_reply_type(void)
{
	u32 t;

	for (t = 0; t <= XB_TYPE_MAX; t++) {
		EXPECT_EQ(hdr(t, 0), 0);
		EXPECT_EQ(hdr(t, XENSTORE_PAYLOAD_MAX), 0);
	}
	EXPECT_EQ(hdr(XS_WATCH_EVENT, 20), 0);
	EXPECT_EQ(hdr(XS_ERROR, 7), 0);
}

static void hdr_rejects_oversized_body(void)
{
	EXPECT_EQ(hdr(XS_READ, XENSTORE_PAYLOAD_MAX + 1), -EMSGSIZE);
	EXPECT_EQ(hdr(XS_READ, 0xffffffffu), -EMSGSIZE);
	/* Size wins: the stream is lost whatever the type says. */
	EXPECT_EQ(hdr(XS_INVALID, 5000), -EMSGSIZE);
}

/*
 * A newer xenstored answers a request of a type we have no name for with
 * a reply of that type; the header is as well framed as any other.
 */
static void hdr_accepts_types_newer_than_ours(void)
{
	EXPECT_EQ(hdr(XB_TYPE_MAX + 1, 0), 0);
	EXPECT_EQ(hdr(27, 8), 0);
	EXPECT_EQ(hdr(0x1234, 3), 0);
	EXPECT_EQ(hdr(0x1234, XENSTORE_PAYLOAD_MAX), 0);
	EXPECT_EQ(hdr(0xffffffffu, 4), 0);
	/* Only the length can make a header unusable. */
	EXPECT_EQ(hdr(0x1234, XENSTORE_PAYLOAD_MAX + 1), -EMSGSIZE);
}

/* Not even these: the length still finds the next frame. */
static void hdr_accepts_types_xenstored_never_sends(void)
{
	EXPECT_EQ(hdr(XS_INVALID, 0), 0);
	EXPECT_EQ(hdr(XS_INVALID, XENSTORE_PAYLOAD_MAX), 0);
	EXPECT_EQ(hdr(0xffffffffu, 4), 0);
	EXPECT_EQ(hdr(0x80000000u, 4), 0);
}

/* ------------------------------------------------------------------ */
/* Error strings                                                       */
/* ------------------------------------------------------------------ */

static const struct {
	const char *s;
	int err;
} wire_errors[] = {
	{ "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST },
	{ "EISDIR", EISDIR }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
	{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "ENOTEMPTY", ENOTEMPTY },
	{ "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
	{ "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
	{ "EPERM", EPERM },
};

static int errno_of(const char *s, size_t len)
{
	char *b = dup_exact(s, len);
	int ret = xs_errno(b, len);

	free(b);
	return ret;
}

static void errno_maps_every_wire_string(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wire_errors); i++) {
		size_t l = strlen(wire_errors[i].s);

		EXPECT_EQ(errno_of(wire_errors[i].s, l + 1), wire_errors[i].err);
		EXPECT_EQ(errno_of(wire_errors[i].s, l), wire_errors[i].err);
	}
}

static void errno_maps_eperm(void)
{
	EXPECT_EQ(errno_of("EPERM", 6), EPERM);
}

static void errno_unknown_strings_give_zero(void)
{
	EXPECT_EQ(errno_of("EIOX", 5), 0);
	EXPECT_EQ(errno_of("EIOX", 4), 0);
	EXPECT_EQ(errno_of("EI", 3), 0);
	EXPECT_EQ(errno_of("eio", 4), 0);
	EXPECT_EQ(errno_of("ENOENTS", 8), 0);
	EXPECT_EQ(errno_of("EPERM ", 7), 0);
	EXPECT_EQ(errno_of("EIO\0\0", 5), 0);
	EXPECT_EQ(errno_of("EIO\0X", 5), 0);
	EXPECT_EQ(errno_of("", 1), 0);
	EXPECT_EQ(errno_of("", 0), 0);
	EXPECT_EQ(errno_of("EWHATEVER", 10), 0);
}

static void errno_reads_only_len_bytes(void)
{
	EXPECT_EQ(errno_of("EIOXX", 3), EIO);
	EXPECT_EQ(errno_of("ENOENT", 2), 0);
}

static void errstr_round_trips_every_errno(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wire_errors); i++) {
		const char *s = xs_errstr(wire_errors[i].err);

		EXPECT_STREQ(s, wire_errors[i].s);
		if (s)
			EXPECT_EQ(xs_errno(s, strlen(s) + 1), wire_errors[i].err);
	}
}

static void errstr_unknown_errno_is_null(void)
{
	EXPECT_TRUE(!xs_errstr(0));
	EXPECT_TRUE(!xs_errstr(-EINVAL));
	EXPECT_TRUE(!xs_errstr(EDOM));
	EXPECT_TRUE(!xs_errstr(99999));
}

/* ------------------------------------------------------------------ */
/* Strings and directories                                             */
/* ------------------------------------------------------------------ */

static unsigned int count_of(const char *s, size_t len)
{
	char *b = dup_exact(s, len);
	unsigned int ret = xs_count_strings(b, len);

	free(b);
	return ret;
}

static void count_strings_counts_nul_terminated_only(void)
{
	EXPECT_EQ(count_of("", 0), 0);
	EXPECT_EQ(count_of("abc", 3), 0);
	EXPECT_EQ(count_of("a", 2), 1);
	EXPECT_EQ(count_of("a\0b", 3), 1);
	EXPECT_EQ(count_of("a\0\0b", 5), 3);
	EXPECT_EQ(count_of("\0\0\0", 3), 3);
}

static void split_dir_empty_body_is_empty_dir(void)
{
	const char *out[2] = { "sentinel", "sentinel" };
	char *b = dup_exact("", 0);

	EXPECT_EQ(xs_split_dir(b, 0, out, 2), 0);
	EXPECT_STREQ(out[0], "sentinel");
	free(b);
}

static void split_dir_one_entry(void)
{
	const char *out[4];
	char *b = dup_exact("vbd", 4);

	EXPECT_EQ(xs_split_dir(b, 4, out, 4), 1);
	EXPECT_TRUE(out[0] == b);
	EXPECT_STREQ(out[0], "vbd");
	free(b);
}

static void split_dir_many_entries(void)
{
	char body[1000], name[16];
	const char *out[200];
	unsigned int len = 0, i;
	char *b;

	for (i = 0; i < 150; i++)
		len += sprintf(body + len, "%u", 51712 + i) + 1;
	b = dup_exact(body, len);
	EXPECT_EQ(xs_split_dir(b, len, out, 200), 150);
	for (i = 0; i < 150 && !cur_failed; i++) {
		sprintf(name, "%u", 51712 + i);
		EXPECT_STREQ(out[i], name);
	}
	free(b);
}

static void split_dir_missing_trailing_nul_is_einval(void)
{
	const char *out[4];
	char *b = dup_exact("a\0b", 3);

	EXPECT_EQ(xs_split_dir(b, 3, out, 4), -EINVAL);
	free(b);
	b = dup_exact("abc", 3);
	EXPECT_EQ(xs_split_dir(b, 3, out, 4), -EINVAL);
	EXPECT_EQ(xs_split_dir(b, 3, NULL, 0), -EINVAL);
	free(b);
}

static void split_dir_keeps_embedded_empty_strings(void)
{
	const char *out[4];
	char *b = dup_exact("a\0\0b", 5);

	EXPECT_EQ(xs_split_dir(b, 5, out, 4), 3);
	EXPECT_STREQ(out[0], "a");
	EXPECT_STREQ(out[1], "");
	EXPECT_STREQ(out[2], "b");
	free(b);
	b = dup_exact("", 1);
	EXPECT_EQ(xs_split_dir(b, 1, out, 4), 1);
	EXPECT_STREQ(out[0], "");
	free(b);
}

static void split_dir_counts_beyond_max_without_storing(void)
{
	const char *out[3] = { NULL, NULL, "sentinel" };
	char *b = dup_exact("a\0b\0c\0d\0e", 10);

	EXPECT_EQ(xs_split_dir(b, 10, out, 2), 5);
	EXPECT_STREQ(out[0], "a");
	EXPECT_STREQ(out[1], "b");
	EXPECT_STREQ(out[2], "sentinel");
	EXPECT_EQ(xs_split_dir(b, 10, NULL, 0), 5);
	free(b);
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

static void join_path_dir_and_node(void)
{
	char out[64];

	EXPECT_EQ(xs_join_path(out, sizeof(out), "device/vbd", "51712"), 16);
	EXPECT_STREQ(out, "device/vbd/51712");
}

static void join_path_empty_node_gives_dir(void)
{
	char out[64];

	EXPECT_EQ(xs_join_path(out, sizeof(out), "control/shutdown", ""), 16);
	EXPECT_STREQ(out, "control/shutdown");
}

static void join_path_exact_fit_and_one_short(void)
{
	char *out = malloc(4);

	/* "a/bc" needs 5 bytes with its NUL. */
	EXPECT_EQ(xs_join_path(out, 4, "a", "bc"), -ENAMETOOLONG);
	EXPECT_EQ(out[0], '\0');
	free(out);
	out = malloc(5);
	EXPECT_EQ(xs_join_path(out, 5, "a", "bc"), 4);
	EXPECT_STREQ(out, "a/bc");
	free(out);
	out = malloc(3);
	EXPECT_EQ(xs_join_path(out, 3, "abc", ""), -ENAMETOOLONG);
	EXPECT_EQ(xs_join_path(out, 3, "ab", ""), 2);
	EXPECT_STREQ(out, "ab");
	free(out);
}

static void join_path_zero_size_writes_nothing(void)
{
	char out[1] = { 'z' };

	EXPECT_EQ(xs_join_path(out, 0, "a", "b"), -ENAMETOOLONG);
	EXPECT_EQ(out[0], 'z');
}

static void join_path_caps_at_abs_path_max(void)
{
	char dir[4000], out[8192];

	memset(dir, 'd', sizeof(dir));
	/* 3069 + '/' + "x" = 3071 bytes + NUL = XENSTORE_ABS_PATH_MAX. */
	dir[3069] = '\0';
	EXPECT_EQ(xs_join_path(out, sizeof(out), dir, "x"), 3071);
	EXPECT_EQ(xs_join_path(out, sizeof(out), dir, "xy"), -ENAMETOOLONG);
	EXPECT_EQ(out[0], '\0');
	dir[3069] = 'd';
	dir[3071] = '\0';
	EXPECT_EQ(xs_join_path(out, sizeof(out), dir, ""), 3071);
	dir[3071] = 'd';
	dir[3072] = '\0';
	EXPECT_EQ(xs_join_path(out, sizeof(out), dir, ""), -ENAMETOOLONG);
	dir[3999] = '\0';
	EXPECT_EQ(xs_join_path(out, sizeof(out), "a", dir), -ENAMETOOLONG);
}

/* ------------------------------------------------------------------ */
/* Watch events and tokens                                             */
/* ------------------------------------------------------------------ */

static int watch_of(const char *s, size_t len, const char **path,
		    const char **token, char **keep)
{
	*keep = dup_exact(s, len);
	return xs_parse_watch_event(*keep, len, path, token);
}

static void watch_event_needs_two_strings(void)
{
	const char *path = "untouched", *token = "untouched";
	char *b;

	EXPECT_EQ(watch_of("", 0, &path, &token, &b), -EINVAL);
	free(b);
	EXPECT_EQ(watch_of("path", 4, &path, &token, &b), -EINVAL);
	free(b);
	EXPECT_EQ(watch_of("path", 5, &path, &token, &b), -EINVAL);
	free(b);
	EXPECT_EQ(watch_of("path\0tok", 8, &path, &token, &b), -EINVAL);
	free(b);
	EXPECT_STREQ(path, "untouched");
	EXPECT_STREQ(token, "untouched");
}

static void watch_event_splits_path_and_token(void)
{
	const char *path, *token;
	char *b;

	EXPECT_EQ(watch_of("backend/vbd/1/51712/state\0W1f", 30,
			   &path, &token, &b), 0);
	EXPECT_STREQ(path, "backend/vbd/1/51712/state");
	EXPECT_STREQ(token, "W1f");
	EXPECT_TRUE(path == b);
	free(b);
}

static void watch_event_ignores_extra_strings(void)
{
	const char *path, *token;
	char *b;

	EXPECT_EQ(watch_of("p\0t\0extra", 10, &path, &token, &b), 0);
	EXPECT_STREQ(path, "p");
	EXPECT_STREQ(token, "t");
	free(b);
}

static void watch_event_rejects_empty_path(void)
{
	const char *path, *token;
	char *b;

	EXPECT_EQ(watch_of("\0tok", 5, &path, &token, &b), -EINVAL);
	free(b);
}

static void watch_event_allows_empty_token(void)
{
	const char *path, *token;
	char *b;

	EXPECT_EQ(watch_of("path\0", 6, &path, &token, &b), 0);
	EXPECT_STREQ(token, "");
	free(b);
}

static void token_format_known_values(void)
{
	static const struct { u32 id; const char *s; } v[] = {
		{ 0, "W0" }, { 1, "W1" }, { 0xf, "Wf" }, { 0x10, "W10" },
		{ 0xabc, "Wabc" }, { 0x7fffffff, "W7fffffff" },
		{ 0xffffffffu, "Wffffffff" },
	};
	char out[XS_TOKEN_LEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_EQ(xs_format_token(out, sizeof(out), v[i].id),
			  strlen(v[i].s));
		EXPECT_STREQ(out, v[i].s);
	}
}

static void token_format_refuses_short_buffer(void)
{
	char out[XS_TOKEN_LEN] = "zzzzzzzzz";

	EXPECT_EQ(xs_format_token(out, 2, 0), -ENOSPC);
	EXPECT_EQ(xs_format_token(out, 9, 0xffffffffu), -ENOSPC);
	EXPECT_STREQ(out, "zzzzzzzzz");
	EXPECT_EQ(xs_format_token(out, 3, 0), 2);
	EXPECT_STREQ(out, "W0");
}

static void token_round_trips(void)
{
	char out[XS_TOKEN_LEN];
	u64 x = 0x9e3779b97f4a7c15ull;
	unsigned int i;
	u32 id, back;

	for (i = 0; i < 200000 && !cur_failed; i++) {
		if (i < 64)
			id = (i & 1) ? (1u << (i / 2)) : (1u << (i / 2)) - 1;
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id = (u32)x;
		}
		back = ~id;
		EXPECT_TRUE(xs_format_token(out, sizeof(out), id) > 0);
		EXPECT_EQ(xs_parse_token(out, &back), 0);
		EXPECT_EQ(back, id);
	}
}

static void token_parse_rejects_non_canonical(void)
{
	static const char *const bad[] = {
		"", "W", "w1", "X1", "1", "WA", "W1F", "W0a", "W00", "W01",
		"W123456789", "Wffffffff0", "W1g", "W-1", "W+1", "W 1", "W1 ",
		"Wx1", "W0x1", "W1\n", "WW1", "0x1",
	};
	unsigned int i;
	u32 id = 0xdeadbeef;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *t = dup_exact(bad[i], strlen(bad[i]) + 1);

		if (xs_parse_token(t, &id) != -EINVAL)
			failf(__LINE__, "\"%s\" was accepted", bad[i]);
		free(t);
	}
	EXPECT_EQ(id, 0xdeadbeef);
}

static void token_parse_accepts_limits(void)
{
	u32 id;

	EXPECT_EQ(xs_parse_token("W0", &id), 0);
	EXPECT_EQ(id, 0);
	EXPECT_EQ(xs_parse_token("Wffffffff", &id), 0);
	EXPECT_EQ(id, 0xffffffffu);
	EXPECT_EQ(xs_parse_token("W10000000", &id), 0);
	EXPECT_EQ(id, 0x10000000u);
}

/* ------------------------------------------------------------------ */
/* Messages from user space                                            */
/* ------------------------------------------------------------------ */

static int user_as(unsigned int flags, u32 type, const char *body, u32 len)
{
	struct xsd_sockmsg h = { .type = type, .len = len };
	char *b = dup_exact(body, len);
	int ret = xs_user_msg_check(&h, b, flags);

	free(b);
	return ret;
}

static int user(u32 type, const char *body, u32 len)
{
	return user_as(0, type, body, len);
}

static void user_msg_body_limit_is_e2big(void)
{
	struct xsd_sockmsg h = { .type = XS_WRITE };
	static char big[XS_USER_BODY_MAX];

	EXPECT_EQ(XS_USER_BODY_MAX, 4080);
	EXPECT_EQ(user(XS_WRITE, big, XS_USER_BODY_MAX), 0);
	/* Refused on the size alone: the body is never looked at. */
	h.len = XS_USER_BODY_MAX + 1;
	EXPECT_EQ(xs_user_msg_check(&h, NULL, 0), E2BIG);
	h.len = 0xffffffffu;
	h.type = XS_INVALID;
	EXPECT_EQ(xs_user_msg_check(&h, NULL, 0), E2BIG);
}

static void user_msg_watch_accepts_path_and_token(void)
{
	EXPECT_EQ(user(XS_WATCH, "device\0tok", 11), 0);
	EXPECT_EQ(user(XS_UNWATCH, "device\0tok", 11), 0);
	EXPECT_EQ(user(XS_WATCH, "device\0", 8), 0);		/* empty token */
	/* libxenstore's xs_watch_depth(): the depth is ignored. */
	EXPECT_EQ(user(XS_WATCH, "device\0tok\0" "12", 14), 0);
}

static void user_msg_watch_rejects_malformed_body(void)
{
	EXPECT_EQ(user(XS_WATCH, "", 0), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "device", 7), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "device\0tok", 10), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "\0tok", 5), EINVAL);
	EXPECT_EQ(user(XS_UNWATCH, "device", 6), EINVAL);
	EXPECT_EQ(user(XS_UNWATCH, "\0", 2), EINVAL);
	/* Nothing after the token but xs_watch_depth()'s decimal depth. */
	EXPECT_EQ(user(XS_WATCH, "device\0tok\0" "x", 13), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "device\0tok\0", 12), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "device\0tok\0" "1\0" "2", 15), EINVAL);
	EXPECT_EQ(user(XS_WATCH, "device\0tok\0" "1", 12), EINVAL);
	EXPECT_EQ(user(XS_UNWATCH, "device\0tok\0" "1", 13), EINVAL);
	EXPECT_EQ(user(XS_UNWATCH, "device\0tok\0", 12), EINVAL);
}

/*
 * A single-path request must hold exactly one NUL-terminated path:
 * xenstored 4.17 does not answer any other body and then aborts.
 */
static void user_msg_single_path_needs_one_string(void)
{
	static const u32 types[] = {
		XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_MKDIR, XS_RM,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		u32 t = types[i];

		EXPECT_EQ(user(t, "data", 5), 0);
		EXPECT_EQ(user(t, "/local/domain/1/data", 21), 0);
		EXPECT_EQ(user(t, "", 1), 0);		/* xenstored: EINVAL */
		EXPECT_EQ(user(t, "", 0), EINVAL);	/* no path at all */
		EXPECT_EQ(user(t, "data", 4), EINVAL);	/* no NUL */
		EXPECT_EQ(user(t, "data\0", 6), EINVAL);	/* two NULs */
		EXPECT_EQ(user(t, "a\0b", 4), EINVAL);
		EXPECT_EQ(user(t, "a\0b", 3), EINVAL);	/* bytes after it */
		EXPECT_EQ(user_as(XS_USER_PRIVILEGED, t, "data", 4), EINVAL);
	}
}

/* WRITE's value is opaque: whatever follows the path's NUL passes. */
static void user_msg_write_value_is_opaque(void)
{
	EXPECT_EQ(user(XS_WRITE, "data\0\0x\0", 9), 0);
	EXPECT_EQ(user(XS_WRITE, "data\0\xff\x01", 8), 0);
	EXPECT_EQ(user(XS_WRITE, "data", 5), 0);
	EXPECT_EQ(user(XS_WRITE, "data", 4), 0);	/* xenstored's to judge */
}

/*
 * SET_PERMS on "@" paths: refused for an unprivileged domain (xenstored
 * 4.17 would not answer a refusal); in the privileged domain only the
 * two special paths pass, anything else is what 4.17 would not answer.
 */
static void user_msg_set_perms_on_special_paths(void)
{
	static const char rel[] = "@releaseDomain\0n0";
	static const char intro[] = "@introduceDomain\0n0\0r5";
	static const char odd[] = "@foo\0n0";
	static const char prefix[] = "@releaseDomainX\0n0";

	EXPECT_EQ(user(XS_SET_PERMS, "data\0n0", 8), 0);
	EXPECT_EQ(user(XS_SET_PERMS, rel, sizeof(rel)), EACCES);
	EXPECT_EQ(user(XS_SET_PERMS, intro, sizeof(intro)), EACCES);
	EXPECT_EQ(user(XS_SET_PERMS, odd, sizeof(odd)), EACCES);
	EXPECT_EQ(user_as(XS_USER_PRIVILEGED, XS_SET_PERMS, rel, sizeof(rel)), 0);
	EXPECT_EQ(user_as(XS_USER_PRIVILEGED, XS_SET_PERMS, intro, sizeof(intro)), 0);
	EXPECT_EQ(user_as(XS_USER_PRIVILEGED, XS_SET_PERMS, odd, sizeof(odd)), ENOENT);
	EXPECT_EQ(user_as(XS_USER_PRIVILEGED, XS_SET_PERMS, prefix, sizeof(prefix)),
		  ENOENT);
	/* A path and no permission, or no NUL: xenstored's own EINVAL. */
	EXPECT_EQ(user(XS_SET_PERMS, "data", 5), EINVAL);
	EXPECT_EQ(user(XS_SET_PERMS, "@releaseDomain", 14), EINVAL);
}

static void user_msg_transaction_end_needs_t_or_f(void)
{
	EXPECT_EQ(user(XS_TRANSACTION_END, "T", 2), 0);
	EXPECT_EQ(user(XS_TRANSACTION_END, "F", 2), 0);
	EXPECT_EQ(user(XS_TRANSACTION_END, "T", 1), EINVAL);
	EXPECT_EQ(user(XS_TRANSACTION_END, "t", 2), EINVAL);
	EXPECT_EQ(user(XS_TRANSACTION_END, "X", 2), EINVAL);
	EXPECT_EQ(user(XS_TRANSACTION_END, "TT", 2), EINVAL);
	EXPECT_EQ(user(XS_TRANSACTION_END, "T\0", 3), EINVAL);
	EXPECT_EQ(user(XS_TRANSACTION_END, "", 0), EINVAL);
}

static bool single_path_type(u32 t)
{
	return t == XS_DIRECTORY || t == XS_READ || t == XS_GET_PERMS ||
	       t == XS_MKDIR || t == XS_RM;
}

static void user_msg_accepts_request_types(void)
{
	u32 t;

	for (t = 0; t <= XB_TYPE_MAX; t++) {
		if (t == XS_WATCH || t == XS_UNWATCH ||
		    t == XS_TRANSACTION_END || t == XS_SET_PERMS)
			continue;
		EXPECT_EQ(user(t, "x", 2), 0);
		/* An empty body only for types that take no path. */
		EXPECT_EQ(user(t, "", 0), single_path_type(t) ? EINVAL : 0);
	}
}

/* Linux forwards any type, so a newer xenstored's commands keep working. */
static void user_msg_forwards_unknown_types(void)
{
	struct xsd_sockmsg h = { .type = 0x1234 };

	EXPECT_EQ(user(XB_TYPE_MAX + 1, "", 1), 0);
	EXPECT_EQ(user(27, "x", 2), 0);
	EXPECT_EQ(user(0x1234, "abc", 3), 0);
	EXPECT_EQ(user(0x1234, "", 0), 0);
	EXPECT_EQ(user(0xffffffffu, "a\0b", 4), 0);
	/* The size limit still holds whatever the type. */
	h.len = XS_USER_BODY_MAX + 1;
	EXPECT_EQ(xs_user_msg_check(&h, NULL, 0), E2BIG);
}

/* Reply-only and invalid types too: what they mean is xenstored's call. */
static void user_msg_forwards_reply_only_and_invalid_types(void)
{
	EXPECT_EQ(user(XS_WATCH_EVENT, "p\0t", 4), 0);
	EXPECT_EQ(user(XS_ERROR, "EIO", 4), 0);
	EXPECT_EQ(user(XS_INVALID, "", 1), 0);
	EXPECT_EQ(user(0xffffffffu, "", 0), 0);
}

int main(void)
{
	RUN(ring_write_empty_ring_copies_all);
	RUN(ring_write_full_ring_returns_zero);
	RUN(ring_write_zero_len_changes_nothing);
	RUN(ring_write_stops_at_free_space);
	RUN(ring_write_wraps_at_every_offset);
	RUN(ring_read_wraps_at_every_offset);
	RUN(ring_read_empty_returns_zero);
	RUN(ring_read_only_moves_rsp_cons);
	RUN(ring_write_index_wraps_past_u32_max);
	RUN(ring_read_index_wraps_past_u32_max);
	RUN(ring_write_corrupt_indexes_leave_page_untouched);
	RUN(ring_read_corrupt_indexes_leave_page_untouched);
	RUN(ring_can_read_and_write_follow_fill_level);
	RUN(ring_streams_survive_odd_chunking);

	RUN(hdr_accepts_every_reply_type);
	RUN(hdr_rejects_oversized_body);
	RUN(hdr_accepts_types_newer_than_ours);
	RUN(hdr_accepts_types_xenstored_never_sends);

	RUN(errno_maps_every_wire_string);
	RUN(errno_maps_eperm);
	RUN(errno_unknown_strings_give_zero);
	RUN(errno_reads_only_len_bytes);
	RUN(errstr_round_trips_every_errno);
	RUN(errstr_unknown_errno_is_null);

	RUN(count_strings_counts_nul_terminated_only);
	RUN(split_dir_empty_body_is_empty_dir);
	RUN(split_dir_one_entry);
	RUN(split_dir_many_entries);
	RUN(split_dir_missing_trailing_nul_is_einval);
	RUN(split_dir_keeps_embedded_empty_strings);
	RUN(split_dir_counts_beyond_max_without_storing);

	RUN(join_path_dir_and_node);
	RUN(join_path_empty_node_gives_dir);
	RUN(join_path_exact_fit_and_one_short);
	RUN(join_path_zero_size_writes_nothing);
	RUN(join_path_caps_at_abs_path_max);

	RUN(watch_event_needs_two_strings);
	RUN(watch_event_splits_path_and_token);
	RUN(watch_event_ignores_extra_strings);
	RUN(watch_event_rejects_empty_path);
	RUN(watch_event_allows_empty_token);
	RUN(token_format_known_values);
	RUN(token_format_refuses_short_buffer);
	RUN(token_round_trips);
	RUN(token_parse_rejects_non_canonical);
	RUN(token_parse_accepts_limits);

	RUN(user_msg_body_limit_is_e2big);
	RUN(user_msg_watch_accepts_path_and_token);
	RUN(user_msg_watch_rejects_malformed_body);
	RUN(user_msg_single_path_needs_one_string);
	RUN(user_msg_write_value_is_opaque);
	RUN(user_msg_set_perms_on_special_paths);
	RUN(user_msg_transaction_end_needs_t_or_f);
	RUN(user_msg_accepts_request_types);
	RUN(user_msg_forwards_unknown_types);
	RUN(user_msg_forwards_reply_only_and_invalid_types);

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}
