// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite "xenbus_proto" for the pure wire-protocol functions.
 *
 * This file owns the in-kernel checks of xenbus_proto.c: ring framing on
 * a kzalloc()ed fake store page (wrap-around, full ring, index wrap,
 * corrupt indexes left untouched), header checks, the error table,
 * directory splitting, path joining, watch events, watch tokens and the
 * checks on messages from /dev/xen/xenbus.  No Xen is needed.  Bodies
 * are copied into heap blocks of exactly their length so that KASAN
 * flags any read past the length the function was given.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../xenbus_proto.h"

static struct xenstore_domain_interface *fake_page(struct kunit *test)
{
	struct xenstore_domain_interface *intf;

	intf = kunit_kzalloc(test, sizeof(*intf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, intf);
	return intf;
}

static void *page_copy(struct kunit *test,
		       const struct xenstore_domain_interface *intf)
{
	void *copy = kunit_kmalloc(test, sizeof(*intf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	memcpy(copy, intf, sizeof(*intf));
	return copy;
}

/* A heap copy of exactly @len bytes of @s. */
static char *body(struct kunit *test, const char *s, size_t len)
{
	char *b = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	memcpy(b, s, len);
	return b;
}

static u8 pattern(unsigned int i)
{
	return i * 7 + 3;
}

/* ------------------------------------------------------------------ */
/* Ring framing                                                        */
/* ------------------------------------------------------------------ */

static void xb_test_write_copies_into_empty_ring(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);

	KUNIT_EXPECT_EQ(test, xb_ring_write(intf, "hello", 5), 5);
	KUNIT_EXPECT_EQ(test, intf->req_prod, 5U);
	KUNIT_EXPECT_EQ(test, intf->req_cons, 0U);
	KUNIT_EXPECT_MEMEQ(test, intf->req, "hello", 5);
}

static void xb_test_write_stops_when_ring_is_full(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	char data[100] = { 0 };

	intf->req_cons = 10;
	intf->req_prod = 10 + 1000;
	KUNIT_EXPECT_EQ(test, xb_ring_write(intf, data, sizeof(data)), 24);
	KUNIT_EXPECT_EQ(test, intf->req_prod, 10U + XENSTORE_RING_SIZE);
	KUNIT_EXPECT_EQ(test, xb_ring_write(intf, data, sizeof(data)), 0);
	KUNIT_EXPECT_FALSE(test, xb_ring_can_write(intf));
}

/* A 100-byte message written from every ring offset lands masked. */
static void xb_test_write_wraps_at_every_offset(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	unsigned int off, i;
	char data[100];

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);

	for (off = 0; off < XENSTORE_RING_SIZE; off++) {
		u32 start = 0x12345000 + off;

		intf->req_cons = start;
		intf->req_prod = start;
		KUNIT_ASSERT_EQ_MSG(test, xb_ring_write(intf, data, sizeof(data)),
				    100, "offset %u", off);
		KUNIT_ASSERT_EQ(test, intf->req_prod, start + 100);
		for (i = 0; i < sizeof(data); i++)
			KUNIT_ASSERT_EQ_MSG(test,
					    (u8)intf->req[MASK_XENSTORE_IDX(off + i)],
					    pattern(i), "offset %u byte %u", off, i);
	}
}

static void xb_test_write_index_wraps_past_u32_max(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);

	intf->req_cons = 0xfffffffe;
	intf->req_prod = 0xfffffffe;
	KUNIT_EXPECT_EQ(test, xb_ring_write(intf, "abcd", 4), 4);
	KUNIT_EXPECT_EQ(test, intf->req_prod, 2U);
	KUNIT_EXPECT_MEMEQ(test, &intf->req[1022], "ab", 2);
	KUNIT_EXPECT_MEMEQ(test, &intf->req[0], "cd", 2);
}

static void xb_test_read_copies_published_bytes(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	char buf[16] = { 0 };

	memcpy(intf->rsp, "reply", 5);
	intf->rsp_prod = 5;
	KUNIT_EXPECT_TRUE(test, xb_ring_can_read(intf));
	KUNIT_EXPECT_EQ(test, xb_ring_read(intf, buf, sizeof(buf)), 5);
	KUNIT_EXPECT_MEMEQ(test, buf, "reply", 5);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 5U);
	KUNIT_EXPECT_FALSE(test, xb_ring_can_read(intf));
	KUNIT_EXPECT_EQ(test, xb_ring_read(intf, buf, sizeof(buf)), 0);
}

static void xb_test_read_never_exceeds_request(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	char buf[4] = { 'x', 'x', 'x', 'x' };

	memcpy(intf->rsp, "abcdef", 6);
	intf->rsp_prod = 6;
	KUNIT_EXPECT_EQ(test, xb_ring_read(intf, buf, 3), 3);
	KUNIT_EXPECT_MEMEQ(test, buf, "abcx", 4);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 3U);
}

/* A full ring read from every offset comes out in order. */
static void xb_test_read_wraps_at_every_offset(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	unsigned int off, i;
	u8 *buf;

	buf = kunit_kmalloc(test, XENSTORE_RING_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);

	for (off = 0; off < XENSTORE_RING_SIZE; off++) {
		u32 start = 0xabc00000 + off;

		for (i = 0; i < XENSTORE_RING_SIZE; i++)
			intf->rsp[MASK_XENSTORE_IDX(off + i)] = pattern(i);
		intf->rsp_cons = start;
		intf->rsp_prod = start + XENSTORE_RING_SIZE;
		KUNIT_ASSERT_EQ_MSG(test,
				    xb_ring_read(intf, buf, XENSTORE_RING_SIZE),
				    XENSTORE_RING_SIZE, "offset %u", off);
		KUNIT_ASSERT_EQ(test, intf->rsp_cons, start + XENSTORE_RING_SIZE);
		for (i = 0; i < XENSTORE_RING_SIZE; i++)
			KUNIT_ASSERT_EQ_MSG(test, buf[i], pattern(i),
					    "offset %u byte %u", off, i);
	}
}

static void xb_test_read_index_wraps_past_u32_max(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	char buf[8];

	memcpy(&intf->rsp[1022], "ab", 2);
	memcpy(&intf->rsp[0], "cd", 2);
	intf->rsp_cons = 0xfffffffe;
	intf->rsp_prod = 2;
	KUNIT_EXPECT_EQ(test, xb_ring_read(intf, buf, sizeof(buf)), 4);
	KUNIT_EXPECT_MEMEQ(test, buf, "abcd", 4);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 2U);
}

static const u32 corrupt_idx[][2] = {	/* { cons, prod } */
	{ 0, XENSTORE_RING_SIZE + 1 },
	{ 1, 0 },
	{ 0xfffffff0, XENSTORE_RING_SIZE },
	{ 0, 0x80000000 },
};

static void xb_test_write_leaves_corrupt_page_untouched(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	unsigned int i;
	void *before;

	memset(intf, 0x5a, sizeof(*intf));
	for (i = 0; i < ARRAY_SIZE(corrupt_idx); i++) {
		intf->req_cons = corrupt_idx[i][0];
		intf->req_prod = corrupt_idx[i][1];
		before = page_copy(test, intf);
		KUNIT_EXPECT_EQ(test, xb_ring_write(intf, "hello", 5), -EIO);
		KUNIT_EXPECT_MEMEQ(test, intf, before, sizeof(*intf));
	}
}

static void xb_test_read_leaves_corrupt_page_untouched(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);
	char buf[8] = "unset";
	unsigned int i;
	void *before;

	memset(intf, 0xa5, sizeof(*intf));
	for (i = 0; i < ARRAY_SIZE(corrupt_idx); i++) {
		intf->rsp_cons = corrupt_idx[i][0];
		intf->rsp_prod = corrupt_idx[i][1];
		before = page_copy(test, intf);
		KUNIT_EXPECT_EQ(test, xb_ring_read(intf, buf, sizeof(buf)), -EIO);
		KUNIT_EXPECT_MEMEQ(test, intf, before, sizeof(*intf));
		KUNIT_EXPECT_STREQ(test, buf, "unset");
	}
}

/* Corrupt indexes report "ready" so the transfer gets to say -EIO. */
static void xb_test_can_read_write_on_corrupt_ring(struct kunit *test)
{
	struct xenstore_domain_interface *intf = fake_page(test);

	KUNIT_EXPECT_FALSE(test, xb_ring_can_read(intf));
	KUNIT_EXPECT_TRUE(test, xb_ring_can_write(intf));
	intf->rsp_prod = 5000;
	intf->req_prod = 5000;
	KUNIT_EXPECT_TRUE(test, xb_ring_can_read(intf));
	KUNIT_EXPECT_TRUE(test, xb_ring_can_write(intf));
}

/* ------------------------------------------------------------------ */
/* Headers                                                             */
/* ------------------------------------------------------------------ */

static int hdr_check(u32 type, u32 len)
{
	struct xsd_sockmsg hdr = { .type = type, .len = len };

	return xb_hdr_check(&hdr);
}

static void xb_test_hdr_accepts_every_reply_type(struct kunit *test)
{
	u32 type;

	for (type = XS_CONTROL; type <= XB_TYPE_MAX; type++)
		KUNIT_EXPECT_EQ_MSG(test, hdr_check(type, XB_PAYLOAD_MAX), 0,
				    "type %u", type);
}

static void xb_test_hdr_rejects_oversized_body(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hdr_check(XS_READ, XB_PAYLOAD_MAX + 1), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, hdr_check(XS_INVALID, 0xffffffff), -EMSGSIZE);
}

/*
 * A newer xenstored answers a request of a type we have no name for with
 * a reply of that type: only the length decides whether a header is good.
 */
static void xb_test_hdr_accepts_types_newer_than_ours(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hdr_check(XB_TYPE_MAX + 1, 8), 0);
	KUNIT_EXPECT_EQ(test, hdr_check(0x1234, XB_PAYLOAD_MAX), 0);
	KUNIT_EXPECT_EQ(test, hdr_check(0xffffffff, 0), 0);
	KUNIT_EXPECT_EQ(test, hdr_check(0x1234, XB_PAYLOAD_MAX + 1), -EMSGSIZE);
}

/* Even XS_INVALID is framed like any other: the length finds the next. */
static void xb_test_hdr_accepts_invalid_type(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hdr_check(XB_TYPE_MAX + 1, 0), 0);
	KUNIT_EXPECT_EQ(test, hdr_check(XS_INVALID, 4), 0);
}

/* ------------------------------------------------------------------ */
/* Error strings                                                       */
/* ------------------------------------------------------------------ */

/* The protocol's table, spelled out again rather than taken from it. */
#define WIRE_ERR(e)	{ "E" #e, E##e }
static const struct {
	const char *name;
	int err;
} wire_errors[] = {
	WIRE_ERR(INVAL), WIRE_ERR(ACCES), WIRE_ERR(EXIST), WIRE_ERR(ISDIR),
	WIRE_ERR(NOENT), WIRE_ERR(NOMEM), WIRE_ERR(NOSPC), WIRE_ERR(IO),
	WIRE_ERR(NOTEMPTY), WIRE_ERR(NOSYS), WIRE_ERR(ROFS), WIRE_ERR(BUSY),
	WIRE_ERR(AGAIN), WIRE_ERR(ISCONN), WIRE_ERR(2BIG), WIRE_ERR(PERM),
};

static void xs_test_errno_maps_whole_table(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wire_errors); i++) {
		const char *s = wire_errors[i].name;
		size_t len = strlen(s);

		KUNIT_EXPECT_EQ_MSG(test, xs_errno(body(test, s, len + 1), len + 1),
				    wire_errors[i].err, "%s with NUL", s);
		KUNIT_EXPECT_EQ_MSG(test, xs_errno(body(test, s, len), len),
				    wire_errors[i].err, "%s without NUL", s);
	}
}

static void xs_test_errno_maps_eperm(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "EPERM", 6), 6), EPERM);
}

static void xs_test_errno_unknown_gives_zero(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "EIOX", 5), 5), 0);
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "EI", 3), 3), 0);
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "eio", 4), 4), 0);
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "EIO\0\0", 5), 5), 0);
	KUNIT_EXPECT_EQ(test, xs_errno(body(test, "", 0), 0), 0);
}

static void xs_test_errstr_round_trips(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wire_errors); i++)
		KUNIT_EXPECT_STREQ(test, xs_errstr(wire_errors[i].err),
				   wire_errors[i].name);
	KUNIT_EXPECT_NULL(test, xs_errstr(0));
	KUNIT_EXPECT_NULL(test, xs_errstr(-EINVAL));
	KUNIT_EXPECT_NULL(test, xs_errstr(EDOM));
}

/* ------------------------------------------------------------------ */
/* Directories and paths                                               */
/* ------------------------------------------------------------------ */

static void xs_test_split_dir_empty_body_is_empty_dir(struct kunit *test)
{
	const char *out[2] = { NULL, NULL };

	KUNIT_EXPECT_EQ(test, xs_split_dir(body(test, "", 0), 0, out, 2), 0);
	KUNIT_EXPECT_NULL(test, out[0]);
}

static void xs_test_split_dir_returns_entries_in_order(struct kunit *test)
{
	const char *out[4];
	char *b = body(test, "vbd\0vif\0vkbd", 13);

	KUNIT_EXPECT_EQ(test, xs_split_dir(b, 13, out, 4), 3);
	KUNIT_EXPECT_PTR_EQ(test, out[0], (const char *)b);
	KUNIT_EXPECT_STREQ(test, out[0], "vbd");
	KUNIT_EXPECT_STREQ(test, out[1], "vif");
	KUNIT_EXPECT_STREQ(test, out[2], "vkbd");
}

static void xs_test_split_dir_rejects_missing_trailing_nul(struct kunit *test)
{
	const char *out[4];

	KUNIT_EXPECT_EQ(test, xs_split_dir(body(test, "a\0b", 3), 3, out, 4),
			-EINVAL);
}

static void xs_test_split_dir_keeps_empty_entries(struct kunit *test)
{
	const char *out[4];

	KUNIT_EXPECT_EQ(test, xs_split_dir(body(test, "a\0\0b", 5), 5, out, 4), 3);
	KUNIT_EXPECT_STREQ(test, out[1], "");
	KUNIT_EXPECT_STREQ(test, out[2], "b");
}

static void xs_test_split_dir_counts_past_max(struct kunit *test)
{
	const char *out[3] = { NULL, NULL, "sentinel" };
	char *b = body(test, "a\0b\0c\0d", 8);

	KUNIT_EXPECT_EQ(test, xs_split_dir(b, 8, out, 2), 4);
	KUNIT_EXPECT_STREQ(test, out[1], "b");
	KUNIT_EXPECT_STREQ(test, out[2], "sentinel");
	KUNIT_EXPECT_EQ(test, xs_split_dir(b, 8, NULL, 0), 4);
}

static void xs_test_join_path_joins_dir_and_node(struct kunit *test)
{
	char out[32];

	KUNIT_EXPECT_EQ(test, xs_join_path(out, sizeof(out), "device/vbd", "51712"),
			16);
	KUNIT_EXPECT_STREQ(test, out, "device/vbd/51712");
}

static void xs_test_join_path_empty_node_gives_dir(struct kunit *test)
{
	char out[32];

	KUNIT_EXPECT_EQ(test, xs_join_path(out, sizeof(out), "control", ""), 7);
	KUNIT_EXPECT_STREQ(test, out, "control");
}

static void xs_test_join_path_rejects_too_long(struct kunit *test)
{
	char small[5], *dir, *out;

	/* "a/bcd" needs 6 bytes with its NUL. */
	KUNIT_EXPECT_EQ(test, xs_join_path(small, sizeof(small), "a", "bcd"),
			-ENAMETOOLONG);
	KUNIT_EXPECT_STREQ(test, small, "");
	KUNIT_EXPECT_EQ(test, xs_join_path(small, sizeof(small), "a", "bc"), 4);

	dir = kunit_kmalloc(test, XENSTORE_ABS_PATH_MAX, GFP_KERNEL);
	out = kunit_kmalloc(test, 2 * XENSTORE_ABS_PATH_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dir);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, out);
	memset(dir, 'd', XENSTORE_ABS_PATH_MAX);
	dir[XENSTORE_ABS_PATH_MAX - 3] = '\0';
	/* dir + '/' + "x" + NUL is exactly XENSTORE_ABS_PATH_MAX bytes. */
	KUNIT_EXPECT_EQ(test, xs_join_path(out, 2 * XENSTORE_ABS_PATH_MAX, dir, "x"),
			XENSTORE_ABS_PATH_MAX - 1);
	KUNIT_EXPECT_EQ(test, xs_join_path(out, 2 * XENSTORE_ABS_PATH_MAX, dir, "xy"),
			-ENAMETOOLONG);
}

/* ------------------------------------------------------------------ */
/* Watch events and tokens                                             */
/* ------------------------------------------------------------------ */

static void xs_test_watch_event_splits_path_and_token(struct kunit *test)
{
	const char *path, *token;
	char *b = body(test, "device/vbd\0W1f\0extra", 21);

	KUNIT_EXPECT_EQ(test, xs_parse_watch_event(b, 21, &path, &token), 0);
	KUNIT_EXPECT_STREQ(test, path, "device/vbd");
	KUNIT_EXPECT_STREQ(test, token, "W1f");
}

static void xs_test_watch_event_needs_two_strings(struct kunit *test)
{
	const char *path = NULL, *token = NULL;

	KUNIT_EXPECT_EQ(test, xs_parse_watch_event(body(test, "", 0), 0,
						   &path, &token), -EINVAL);
	KUNIT_EXPECT_EQ(test, xs_parse_watch_event(body(test, "path", 5), 5,
						   &path, &token), -EINVAL);
	KUNIT_EXPECT_EQ(test, xs_parse_watch_event(body(test, "path\0tok", 8), 8,
						   &path, &token), -EINVAL);
	KUNIT_EXPECT_NULL(test, path);
	KUNIT_EXPECT_NULL(test, token);
}

static void xs_test_watch_event_rejects_empty_path(struct kunit *test)
{
	const char *path, *token;

	KUNIT_EXPECT_EQ(test, xs_parse_watch_event(body(test, "\0W1", 4), 4,
						   &path, &token), -EINVAL);
}

static void xs_test_token_is_lowercase_hex_without_zeros(struct kunit *test)
{
	char out[XS_TOKEN_LEN];

	KUNIT_EXPECT_EQ(test, xs_format_token(out, sizeof(out), 0), 2);
	KUNIT_EXPECT_STREQ(test, out, "W0");
	KUNIT_EXPECT_EQ(test, xs_format_token(out, sizeof(out), 0xabc), 4);
	KUNIT_EXPECT_STREQ(test, out, "Wabc");
	KUNIT_EXPECT_EQ(test, xs_format_token(out, sizeof(out), 0xffffffff), 9);
	KUNIT_EXPECT_STREQ(test, out, "Wffffffff");
	KUNIT_EXPECT_EQ(test, xs_format_token(out, 2, 0), -ENOSPC);
}

static void xs_test_token_round_trips(struct kunit *test)
{
	static const u32 ids[] = { 0, 1, 0xf, 0x10, 0xdeadbeef, 0xffffffff };
	char out[XS_TOKEN_LEN];
	unsigned int i;
	u32 id;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		KUNIT_ASSERT_GT(test, xs_format_token(out, sizeof(out), ids[i]), 0);
		KUNIT_EXPECT_EQ(test, xs_parse_token(out, &id), 0);
		KUNIT_EXPECT_EQ(test, id, ids[i]);
	}
}

static void xs_test_token_rejects_non_canonical(struct kunit *test)
{
	static const char *const bad[] = {
		"", "W", "w1", "X1", "WA", "W00", "W0a", "W123456789",
		"W1g", "W-1", "W1 ", "0x1",
	};
	unsigned int i;
	u32 id = 42;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, xs_parse_token(bad[i], &id), -EINVAL,
				    "token \"%s\"", bad[i]);
	KUNIT_EXPECT_EQ(test, id, 42U);
}

/* ------------------------------------------------------------------ */
/* Messages from user space                                            */
/* ------------------------------------------------------------------ */

static int user_check_as(struct kunit *test, unsigned int flags, u32 type,
			 const char *s, u32 len)
{
	struct xsd_sockmsg hdr = { .type = type, .len = len };

	return xs_user_msg_check(&hdr, body(test, s, len), flags);
}

static int user_check(struct kunit *test, u32 type, const char *s, u32 len)
{
	return user_check_as(test, 0, type, s, len);
}

static void xs_test_user_msg_limits_body_size(struct kunit *test)
{
	struct xsd_sockmsg hdr = { .type = XS_WRITE };
	char *big;

	big = kunit_kzalloc(test, XS_USER_BODY_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, big);
	hdr.len = XS_USER_BODY_MAX;
	KUNIT_EXPECT_EQ(test, xs_user_msg_check(&hdr, big, 0), 0);
	/* Refused on size alone: the body is not read. */
	hdr.len = XS_USER_BODY_MAX + 1;
	KUNIT_EXPECT_EQ(test, xs_user_msg_check(&hdr, NULL, 0), E2BIG);
}

static void xs_test_user_msg_watch_bodies(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "dev\0tok", 8), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_UNWATCH, "dev\0tok", 8), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "dev", 4), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "dev\0tok", 7), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "\0tok", 5), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_UNWATCH, "", 0), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "dev\0tok\0001", 10), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH, "dev\0tok\0z", 10), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_UNWATCH, "dev\0tok\0001", 10), EINVAL);
}

/*
 * Bodies that make xenstored 4.17 abort instead of answering: the kernel
 * answers them itself, with the error a current xenstored gives.
 */
static void xs_test_user_msg_single_path_bodies(struct kunit *test)
{
	static const u32 types[] = {
		XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_MKDIR, XS_RM,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		u32 t = types[i];

		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "data", 5), 0, "type %u", t);
		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "", 1), 0, "type %u", t);
		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "data", 4), EINVAL, "type %u", t);
		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "", 0), EINVAL, "type %u", t);
		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "data\0", 6), EINVAL, "type %u", t);
		KUNIT_EXPECT_EQ_MSG(test, user_check(test, t, "a\0b", 4), EINVAL, "type %u", t);
	}
	/* WRITE's value is opaque: any bytes after the path's NUL. */
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WRITE, "data\0\0x\0", 9), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WRITE, "data", 5), 0);
}

static void xs_test_user_msg_set_perms_special(struct kunit *test)
{
	static const char rel[] = "@releaseDomain\0n0";
	static const char odd[] = "@other\0n0";

	KUNIT_EXPECT_EQ(test, user_check(test, XS_SET_PERMS, "data\0n0", 8), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_SET_PERMS, rel, sizeof(rel)), EACCES);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_SET_PERMS, odd, sizeof(odd)), EACCES);
	KUNIT_EXPECT_EQ(test, user_check_as(test, XS_USER_PRIVILEGED, XS_SET_PERMS,
					    rel, sizeof(rel)), 0);
	KUNIT_EXPECT_EQ(test, user_check_as(test, XS_USER_PRIVILEGED, XS_SET_PERMS,
					    odd, sizeof(odd)), ENOENT);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_SET_PERMS, "data", 5), EINVAL);
}

static void xs_test_user_msg_transaction_end_body(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, user_check(test, XS_TRANSACTION_END, "T", 2), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_TRANSACTION_END, "F", 2), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_TRANSACTION_END, "T", 1), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_TRANSACTION_END, "X", 2), EINVAL);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_TRANSACTION_END, "TT", 2), EINVAL);
}

/* As on Linux, a request of any type is forwarded to xenstored. */
static void xs_test_user_msg_forwards_unknown_types(struct kunit *test)
{
	struct xsd_sockmsg hdr = { .type = 0x1234, .len = XS_USER_BODY_MAX + 1 };

	KUNIT_EXPECT_EQ(test, user_check(test, XB_TYPE_MAX + 1, "", 1), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, 0x1234, "abc", 3), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, 0xffffffff, "", 0), 0);
	/* The size limit holds whatever the type. */
	KUNIT_EXPECT_EQ(test, xs_user_msg_check(&hdr, NULL, 0), E2BIG);
}

/* Not even reply-only or invalid types are refused: xenstored judges. */
static void xs_test_user_msg_type_check(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, user_check(test, XS_READ, "a", 2), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XB_TYPE_SET_QUOTA, "", 1), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_WATCH_EVENT, "a\0b", 4), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_ERROR, "EIO", 4), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XB_TYPE_MAX + 1, "", 1), 0);
	KUNIT_EXPECT_EQ(test, user_check(test, XS_INVALID, "", 1), 0);
}

static struct kunit_case xenbus_proto_cases[] = {
	KUNIT_CASE(xb_test_write_copies_into_empty_ring),
	KUNIT_CASE(xb_test_write_stops_when_ring_is_full),
	KUNIT_CASE(xb_test_write_wraps_at_every_offset),
	KUNIT_CASE(xb_test_write_index_wraps_past_u32_max),
	KUNIT_CASE(xb_test_read_copies_published_bytes),
	KUNIT_CASE(xb_test_read_never_exceeds_request),
	KUNIT_CASE(xb_test_read_wraps_at_every_offset),
	KUNIT_CASE(xb_test_read_index_wraps_past_u32_max),
	KUNIT_CASE(xb_test_write_leaves_corrupt_page_untouched),
	KUNIT_CASE(xb_test_read_leaves_corrupt_page_untouched),
	KUNIT_CASE(xb_test_can_read_write_on_corrupt_ring),
	KUNIT_CASE(xb_test_hdr_accepts_every_reply_type),
	KUNIT_CASE(xb_test_hdr_rejects_oversized_body),
	KUNIT_CASE(xb_test_hdr_accepts_types_newer_than_ours),
	KUNIT_CASE(xb_test_hdr_accepts_invalid_type),
	KUNIT_CASE(xs_test_errno_maps_whole_table),
	KUNIT_CASE(xs_test_errno_maps_eperm),
	KUNIT_CASE(xs_test_errno_unknown_gives_zero),
	KUNIT_CASE(xs_test_errstr_round_trips),
	KUNIT_CASE(xs_test_split_dir_empty_body_is_empty_dir),
	KUNIT_CASE(xs_test_split_dir_returns_entries_in_order),
	KUNIT_CASE(xs_test_split_dir_rejects_missing_trailing_nul),
	KUNIT_CASE(xs_test_split_dir_keeps_empty_entries),
	KUNIT_CASE(xs_test_split_dir_counts_past_max),
	KUNIT_CASE(xs_test_join_path_joins_dir_and_node),
	KUNIT_CASE(xs_test_join_path_empty_node_gives_dir),
	KUNIT_CASE(xs_test_join_path_rejects_too_long),
	KUNIT_CASE(xs_test_watch_event_splits_path_and_token),
	KUNIT_CASE(xs_test_watch_event_needs_two_strings),
	KUNIT_CASE(xs_test_watch_event_rejects_empty_path),
	KUNIT_CASE(xs_test_token_is_lowercase_hex_without_zeros),
	KUNIT_CASE(xs_test_token_round_trips),
	KUNIT_CASE(xs_test_token_rejects_non_canonical),
	KUNIT_CASE(xs_test_user_msg_limits_body_size),
	KUNIT_CASE(xs_test_user_msg_watch_bodies),
	KUNIT_CASE(xs_test_user_msg_single_path_bodies),
	KUNIT_CASE(xs_test_user_msg_set_perms_special),
	KUNIT_CASE(xs_test_user_msg_transaction_end_body),
	KUNIT_CASE(xs_test_user_msg_forwards_unknown_types),
	KUNIT_CASE(xs_test_user_msg_type_check),
	{}
};

static struct kunit_suite xenbus_proto_suite = {
	.name = "xenbus_proto",
	.test_cases = xenbus_proto_cases,
};

kunit_test_suite(xenbus_proto_suite);

MODULE_DESCRIPTION("KUnit tests for the xenstore wire protocol helpers");
MODULE_LICENSE("GPL");
