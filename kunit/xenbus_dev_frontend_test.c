// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for /dev/xen/xenbus: assembling requests from write()
 * calls, the replies the kernel makes up itself, the per-file transaction
 * table and its generation rule, watch events and their bound.
 *
 * #included at the end of xenbus_dev_frontend.c so it can reach the static
 * pieces.  Every case runs on its own struct xsdev_file, written and read
 * through kvec iterators the way write() and read() would, and only takes
 * paths that never reach xenstored: nothing here touches the live store
 * connection of the kernel under test.  Replies from xenstored are played
 * by handing a made-up struct xb_msg to the reply callback.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>

struct xt_ctx {
	struct xsdev_file *f;
	unsigned int saved_event_cap;
	unsigned int saved_request_cap;
	unsigned int saved_reply_cap;
	unsigned int gen;		/* what "entering the store" returns */
};

static struct xsdev_file *xt_file(struct kunit *test)
{
	return ((struct xt_ctx *)test->priv)->f;
}

/* The store's suspend gate, played: no suspend, the case's generation. */
static int xt_store_enter(unsigned int *gen)
{
	struct kunit *test = kunit_get_current_test();

	*gen = ((struct xt_ctx *)test->priv)->gen;
	return 0;
}

static void xt_store_exit(void)
{
}

static int xt_init(struct kunit *test)
{
	struct xt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->f = xsdev_file_alloc();
	KUNIT_ASSERT_NOT_NULL(test, ctx->f);
	ctx->saved_event_cap = max_user_watch_events;
	ctx->saved_request_cap = max_user_requests;
	ctx->saved_reply_cap = max_user_reply_bytes;
	test->priv = ctx;
	kunit_activate_static_stub(test, xsdev_store_enter, xt_store_enter);
	kunit_activate_static_stub(test, xsdev_store_exit, xt_store_exit);
	return 0;
}

static void xt_exit(struct kunit *test)
{
	struct xt_ctx *ctx = test->priv;
	struct xsdev_trans *t, *tn;

	max_user_watch_events = ctx->saved_event_cap;
	max_user_requests = ctx->saved_request_cap;
	max_user_reply_bytes = ctx->saved_reply_cap;
	/* Forget transactions rather than abort them: there is no store. */
	list_for_each_entry_safe(t, tn, &ctx->f->trans, list) {
		list_del(&t->list);
		kfree(t);
	}
	xsdev_file_destroy(ctx->f);
}

/* Build header + body in @buf; returns the message's size. */
static size_t xt_msg(void *buf, u32 type, u32 req_id, u32 tx_id,
		     const void *body, u32 len)
{
	struct xsd_sockmsg hdr = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = len,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), body, len);
	return sizeof(hdr) + len;
}

/* write() @buf while the store is in generation @gen. */
static ssize_t xt_write(struct xsdev_file *f, const void *buf, size_t len,
			unsigned int gen)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct kunit *test = kunit_get_current_test();
	struct iov_iter it;

	((struct xt_ctx *)test->priv)->gen = gen;
	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, len);
	return xsdev_write(f, &it, true);
}

static ssize_t xt_read(struct xsdev_file *f, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter it;

	iov_iter_kvec(&it, ITER_DEST, &kv, 1, len);
	return xsdev_read(f, &it, true);
}

static int xt_feed(struct xsdev_msgbuf *mb, const void *buf, size_t len,
		   size_t *left)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter it;
	int ret;

	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, len);
	ret = xsdev_msg_feed(mb, &it);
	if (left)
		*left = iov_iter_count(&it);
	return ret;
}

static struct xsdev_trans *xt_add_trans(struct kunit *test,
					struct xsdev_file *f, u32 id,
					unsigned int gen)
{
	struct xsdev_trans *t = kzalloc(sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->id = id;
	t->gen = gen;
	list_add_tail(&t->list, &f->trans);
	return t;
}

static unsigned int xt_nr_trans(struct xsdev_file *f)
{
	return list_count_nodes(&f->trans);
}

/* The next message read must be exactly this one. */
static void xt_expect_reply(struct kunit *test, struct xsdev_file *f,
			    u32 type, u32 req_id, u32 tx_id, const char *body,
			    u32 len)
{
	char expect[64], got[64];
	size_t size = xt_msg(expect, type, req_id, tx_id, body, len);

	KUNIT_ASSERT_EQ(test, xt_read(f, got, size), (ssize_t)size);
	KUNIT_EXPECT_MEMEQ(test, got, expect, size);
}

static void xsdev_feed_assembles_request_written_one_byte_at_a_time(struct kunit *test)
{
	struct xsdev_msgbuf *mb = kunit_kzalloc(test, sizeof(*mb), GFP_KERNEL);
	char msg[64];
	size_t size = xt_msg(msg, XS_READ, 7, 3, "a/b\0", 4);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, mb);
	for (i = 0; i < size - 1; i++)
		KUNIT_ASSERT_EQ(test, xt_feed(mb, msg + i, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, xt_feed(mb, msg + size - 1, 1, NULL), 1);
	KUNIT_EXPECT_EQ(test, mb->have, (unsigned int)size);
	KUNIT_EXPECT_MEMEQ(test, mb->m.raw, msg, size);
}

static void xsdev_feed_splits_two_requests_in_one_write(struct kunit *test)
{
	struct xsdev_msgbuf *mb = kunit_kzalloc(test, sizeof(*mb), GFP_KERNEL);
	char msg[96];
	size_t first = xt_msg(msg, XS_READ, 1, 0, "x\0", 2);
	size_t second = xt_msg(msg + first, XS_DIRECTORY, 2, 0, "dir/y\0", 6);
	size_t left;

	KUNIT_ASSERT_NOT_NULL(test, mb);
	KUNIT_ASSERT_EQ(test, xt_feed(mb, msg, first + second, &left), 1);
	KUNIT_EXPECT_EQ(test, left, second);
	KUNIT_EXPECT_EQ(test, mb->m.hdr.req_id, 1U);
	KUNIT_EXPECT_MEMEQ(test, mb->m.raw, msg, first);

	xsdev_msg_reset(mb);
	KUNIT_ASSERT_EQ(test, xt_feed(mb, msg + first, second, &left), 1);
	KUNIT_EXPECT_EQ(test, left, (size_t)0);
	KUNIT_EXPECT_EQ(test, mb->m.hdr.type, (u32)XS_DIRECTORY);
	KUNIT_EXPECT_MEMEQ(test, mb->m.raw, msg + first, second);
}

static void xsdev_feed_accepts_4080_byte_body(struct kunit *test)
{
	struct xsdev_msgbuf *mb = kunit_kzalloc(test, sizeof(*mb), GFP_KERNEL);
	char *msg = kunit_kzalloc(test, XSDEV_MSG_SIZE, GFP_KERNEL);
	struct xsd_sockmsg hdr = { .type = XS_WRITE, .len = 4080 };

	KUNIT_ASSERT_NOT_NULL(test, mb);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	memcpy(msg, &hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, xt_feed(mb, msg, XSDEV_MSG_SIZE, NULL), 1);
	KUNIT_EXPECT_EQ(test, mb->have, (unsigned int)XSDEV_MSG_SIZE);
}

static void xsdev_write_len_over_4096_is_e2big(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsd_sockmsg hdr = { .type = XS_WRITE, .req_id = 1, .len = 4097 };

	KUNIT_EXPECT_EQ(test, xt_write(f, &hdr, sizeof(hdr), 0), (ssize_t)-E2BIG);
	KUNIT_EXPECT_EQ(test, f->mb.have, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->out));
}

static void xsdev_write_body_over_4080_is_einval(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	size_t size = sizeof(struct xsd_sockmsg) + 4081;
	char *msg = kunit_kzalloc(test, size, GFP_KERNEL);
	struct xsd_sockmsg hdr = { .type = XS_WRITE, .req_id = 1, .len = 4081 };

	KUNIT_ASSERT_NOT_NULL(test, msg);
	memcpy(msg, &hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)-EINVAL);
	KUNIT_EXPECT_EQ(test, f->mb.have, 0U);

	/* The same in two writes: the header is taken, the body refused. */
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, sizeof(hdr), 0),
			(ssize_t)sizeof(hdr));
	KUNIT_EXPECT_EQ(test, xt_write(f, msg + sizeof(hdr), 4081, 0),
			(ssize_t)-EINVAL);
	KUNIT_EXPECT_EQ(test, f->mb.have, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->out));
}

static void xsdev_unknown_tx_id_gets_enoent_reply(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);

	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	xt_expect_reply(test, f, XS_ERROR, 9, 42, "ENOENT\0", 7);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->out));
}

/*
 * A body that would make xenstored 4.17 abort is answered here, before
 * anything else looks at the request (here: its unknown transaction).
 */
static void xsdev_path_without_nul_gets_local_einval(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "data", 4);

	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	xt_expect_reply(test, f, XS_ERROR, 9, 42, "EINVAL\0", 7);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->out));
	KUNIT_EXPECT_EQ(test, f->nr_inflight, 0U);
}

static void xsdev_two_requests_in_one_write_get_two_replies(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[96];
	size_t size = xt_msg(msg, XS_READ, 1, 77, "x\0", 2);

	size += xt_msg(msg + size, XS_RM, 2, 78, "y\0", 2);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	xt_expect_reply(test, f, XS_ERROR, 1, 77, "ENOENT\0", 7);
	xt_expect_reply(test, f, XS_ERROR, 2, 78, "ENOENT\0", 7);
}

static void xsdev_transaction_end_bad_body_gets_einval(struct kunit *test)
{
	static const struct { const char *body; u32 len; } bad[] = {
		{ "X\0", 2 }, { "T", 1 }, { "T\0\0", 3 }, { "", 0 },
	};
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size, i;

	xt_add_trans(test, f, 5, 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		size = xt_msg(msg, XS_TRANSACTION_END, 20 + i, 5, bad[i].body,
			      bad[i].len);
		KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 1), (ssize_t)size);
		xt_expect_reply(test, f, XS_ERROR, 20 + i, 5, "EINVAL\0", 7);
	}
	/* A refused END leaves the transaction open. */
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 1U);
}

static void xsdev_stale_transaction_commit_gets_eagain(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_TRANSACTION_END, 11, 5, "T\0", 2);

	xt_add_trans(test, f, 5, 1);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 2), (ssize_t)size);
	xt_expect_reply(test, f, XS_ERROR, 11, 5, "EAGAIN\0", 7);
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 0U);
}

static void xsdev_stale_transaction_abort_gets_ok(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_TRANSACTION_END, 12, 5, "F\0", 2);

	xt_add_trans(test, f, 5, 1);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 2), (ssize_t)size);
	xt_expect_reply(test, f, XS_TRANSACTION_END, 12, 5, "OK\0", 3);
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 0U);
}

static void xsdev_stale_transaction_request_gets_eagain_locally(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_READ, 13, 5, "a/b\0", 4);

	/* Started in generation 1; the file writes in generation 2. */
	xt_add_trans(test, f, 5, 1);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 2), (ssize_t)size);
	xt_expect_reply(test, f, XS_ERROR, 13, 5, "EAGAIN\0", 7);
	/* Only END forgets the transaction; the client must still end it. */
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 1U);
}

/* Admit @msg as xsdev_send() would, up to the point it calls the store. */
static struct xsdev_req *xt_sent(struct kunit *test, struct xsdev_file *f,
				 u32 type, u32 req_id, u32 tx_id,
				 unsigned int gen)
{
	struct xsdev_req *req = kzalloc(sizeof(*req), GFP_KERNEL);
	struct xsdev_trans *fresh = NULL;
	char msg[32] __aligned(4);
	int err = 0;

	KUNIT_ASSERT_NOT_NULL(test, req);
	xt_msg(msg, type, req_id, tx_id,
	       type == XS_TRANSACTION_END ? "T" : "\0", 2);
	memcpy(&req->hdr, msg, sizeof(req->hdr));
	if (type == XS_TRANSACTION_START) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, fresh);
	}
	KUNIT_ASSERT_EQ(test, xsdev_tx_admit(f, (struct xsd_sockmsg *)msg, gen,
					     fresh, &err),
			XSDEV_SEND);
	req->file = f;
	req->start = fresh;
	kref_get(&f->kref);
	f->nr_inflight++;
	return req;
}

static struct xb_msg *xt_reply(struct kunit *test, u32 type, u32 req_id,
			       const char *body, u32 len)
{
	struct xb_msg *m = kzalloc(struct_size(m, body, len + 1), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->hdr.type = type;
	m->hdr.req_id = req_id;
	m->hdr.len = len;
	memcpy(m->body, body, len);
	return m;
}

static void xsdev_start_reply_fills_transaction_id(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_req *req = xt_sent(test, f, XS_TRANSACTION_START, 3, 0, 4);
	struct xsdev_trans *t;

	KUNIT_ASSERT_EQ(test, xt_nr_trans(f), 1U);
	xsdev_req_done(req, xt_reply(test, XS_TRANSACTION_START, 3, "17\0", 3));

	t = list_first_entry(&f->trans, struct xsdev_trans, list);
	KUNIT_EXPECT_EQ(test, t->id, 17U);
	KUNIT_EXPECT_EQ(test, t->gen, 4U);
	xt_expect_reply(test, f, XS_TRANSACTION_START, 3, 0, "17\0", 3);
	KUNIT_EXPECT_EQ(test, kref_read(&f->kref), 1U);
}

static void xsdev_start_error_reply_drops_holder(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_req *req = xt_sent(test, f, XS_TRANSACTION_START, 3, 0, 4);

	xsdev_req_done(req, xt_reply(test, XS_ERROR, 3, "ENOSPC\0", 7));
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 0U);
	xt_expect_reply(test, f, XS_ERROR, 3, 0, "ENOSPC\0", 7);
}

static void xsdev_start_reply_replaces_stale_holder_with_same_id(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_req *req;
	struct xsdev_trans *t;

	xt_add_trans(test, f, 17, 1);
	req = xt_sent(test, f, XS_TRANSACTION_START, 3, 0, 2);
	xsdev_req_done(req, xt_reply(test, XS_TRANSACTION_START, 3, "17\0", 3));

	KUNIT_ASSERT_EQ(test, xt_nr_trans(f), 1U);
	t = list_first_entry(&f->trans, struct xsdev_trans, list);
	KUNIT_EXPECT_EQ(test, t->id, 17U);
	KUNIT_EXPECT_EQ(test, t->gen, 2U);
}

static void xsdev_end_reply_removes_holder(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_req *req;

	xt_add_trans(test, f, 8, 1);
	req = xt_sent(test, f, XS_TRANSACTION_END, 4, 8, 1);
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 1U);
	xsdev_req_done(req, xt_reply(test, XS_TRANSACTION_END, 4, "OK\0", 3));
	KUNIT_EXPECT_EQ(test, xt_nr_trans(f), 0U);
}

static void xsdev_watch_event_header_is_zeroed_and_has_user_token(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_watch *w = xsdev_watch_new(f, "/tool/x", "usertok");
	char got[64];
	struct xsd_sockmsg hdr;
	static const char body[] = "/tool/x/y\0usertok";

	KUNIT_ASSERT_NOT_NULL(test, w);
	xsdev_watch_fired(&w->watch, "/tool/x/y", "W1f");
	kfree(w);

	KUNIT_ASSERT_EQ(test, xt_read(f, got, sizeof(got)),
			(ssize_t)(sizeof(hdr) + sizeof(body)));
	memcpy(&hdr, got, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, hdr.type, (u32)XS_WATCH_EVENT);
	KUNIT_EXPECT_EQ(test, hdr.req_id, 0U);
	KUNIT_EXPECT_EQ(test, hdr.tx_id, 0U);
	KUNIT_EXPECT_EQ(test, hdr.len, (u32)sizeof(body));
	KUNIT_EXPECT_MEMEQ(test, got + sizeof(hdr), body, sizeof(body));
}

static void xsdev_watch_events_beyond_bound_are_dropped(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_watch *w = xsdev_watch_new(f, "/a", "t");
	char got[256];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	max_user_watch_events = 3;
	for (i = 0; i < 5; i++)
		xsdev_watch_fired(&w->watch, "/a", "W1");
	KUNIT_EXPECT_EQ(test, f->nr_events, 3U);
	KUNIT_EXPECT_EQ(test, f->nr_dropped, 2UL);
	KUNIT_EXPECT_FALSE(test, xsdev_watch_will_handle(&w->watch, "/a", "W1"));

	/* Each event is 16 + "/a\0t\0" = 21 bytes; three were kept. */
	KUNIT_EXPECT_EQ(test, xt_read(f, got, sizeof(got)), (ssize_t)(3 * 21));
	KUNIT_EXPECT_EQ(test, f->nr_events, 0U);
	KUNIT_EXPECT_TRUE(test, xsdev_watch_will_handle(&w->watch, "/a", "W1"));
	kfree(w);
}

static void xsdev_partial_read_keeps_the_rest(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64], got[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);
	char expect[64];
	size_t esize = xt_msg(expect, XS_ERROR, 9, 42, "ENOENT\0", 7);

	KUNIT_ASSERT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	KUNIT_EXPECT_EQ(test, xt_read(f, got, 5), (ssize_t)5);
	KUNIT_EXPECT_EQ(test, xt_read(f, got + 5, sizeof(got) - 5),
			(ssize_t)(esize - 5));
	KUNIT_EXPECT_MEMEQ(test, got, expect, esize);
	KUNIT_EXPECT_EQ(test, xt_read(f, got, sizeof(got)), (ssize_t)-EAGAIN);
}

/*
 * Linux's write() never waits for the client to read: a single-threaded
 * client may pipeline any number of requests before reading a reply.
 */
static void xsdev_unread_replies_do_not_block_writes(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64], got[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);
	int i;

	max_user_requests = 1;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_GT(test, xt_read(f, got, 23), (ssize_t)0);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->out));
}

/*
 * A write() that faults part-way through a request must not lose the
 * bytes earlier write() calls gave: the client retries the failed one
 * and expects the request to continue where it was.
 */
static void xsdev_fault_mid_request_keeps_earlier_bytes(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);
	struct iov_iter it;
	ssize_t ret;

	KUNIT_ASSERT_EQ(test, xt_write(f, msg, 16, 0), (ssize_t)16);
	KUNIT_ASSERT_EQ(test, f->mb.have, 16U);

	/* A kernel thread has no user mappings: any user address faults. */
	iov_iter_ubuf(&it, ITER_SOURCE, (void __user *)16, size - 16);
	ret = xsdev_write(f, &it, true);
	KUNIT_EXPECT_EQ(test, ret, (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, f->mb.have, 16U);

	/* The retry completes the request as first written. */
	KUNIT_EXPECT_EQ(test, xt_write(f, msg + 16, size - 16, 0),
			(ssize_t)(size - 16));
	xt_expect_reply(test, f, XS_ERROR, 9, 42, "ENOENT\0", 7);
}

/* Requests in flight to xenstored are bounded; only its answers free room. */
static void xsdev_requests_in_flight_are_bounded(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_req *req;
	char msg[64], got[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);

	max_user_requests = 1;
	req = xt_sent(test, f, XS_READ, 5, 0, 0);
	KUNIT_EXPECT_FALSE(test, xsdev_has_room(f));
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, f->mb.have, 0U);

	/* xenstored answers: room again, though the reply lies unread. */
	xsdev_req_done(req, xt_reply(test, XS_READ, 5, "v", 1));
	KUNIT_EXPECT_EQ(test, f->nr_inflight, 0U);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	KUNIT_EXPECT_EQ(test, xt_read(f, got, 17), (ssize_t)17);
	xt_expect_reply(test, f, XS_ERROR, 9, 42, "ENOENT\0", 7);
	KUNIT_EXPECT_EQ(test, f->reply_bytes, 0U);
}

/* A client that never reads is stopped with a clear error, not a hang. */
static void xsdev_unread_reply_bytes_are_bounded(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	char msg[64], got[64];
	size_t size = xt_msg(msg, XS_READ, 9, 42, "x\0", 2);
	unsigned int i, n;

	max_user_reply_bytes = 0;	/* the floor: one largest reply */
	n = DIV_ROUND_UP(xsdev_reply_bytes_cap(), 23);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
	KUNIT_EXPECT_TRUE(test, xsdev_replies_piled_up(f));
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)-ENOBUFS);
	KUNIT_EXPECT_EQ(test, f->mb.have, 0U);
	/* poll() says "writable", so a writer learns why from write(). */
	KUNIT_EXPECT_GT(test, xt_read(f, got, 23), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, xt_write(f, msg, size, 0), (ssize_t)size);
}

/* The event bound is per file, however many watches the file has. */
static void xsdev_watch_event_bound_is_per_file(struct kunit *test)
{
	struct xsdev_file *f = xt_file(test);
	struct xsdev_watch *w1 = xsdev_watch_new(f, "/a", "t1");
	struct xsdev_watch *w2 = xsdev_watch_new(f, "/b", "t2");

	KUNIT_ASSERT_NOT_NULL(test, w1);
	KUNIT_ASSERT_NOT_NULL(test, w2);
	max_user_watch_events = 4;
	/* As the watch layer counts them: three waiting for w1, none for w2. */
	f->group.queued = 3;
	w1->watch.nr_pending = 3;
	KUNIT_EXPECT_TRUE(test, xsdev_watch_will_handle(&w2->watch, "/b", "W2"));
	f->group.queued = 4;
	KUNIT_EXPECT_FALSE(test, xsdev_watch_will_handle(&w2->watch, "/b", "W2"));
	KUNIT_EXPECT_EQ(test, f->group.dropped, 1UL);
	/* Delivered events count on the read queue instead. */
	f->group.queued = 1;
	xsdev_watch_fired(&w1->watch, "/a", "W1");
	xsdev_watch_fired(&w1->watch, "/a", "W1");
	xsdev_watch_fired(&w1->watch, "/a", "W1");
	KUNIT_EXPECT_FALSE(test, xsdev_watch_will_handle(&w2->watch, "/b", "W2"));
	f->group.queued = 0;
	kfree(w1);
	kfree(w2);
}

static struct kunit_case xsdev_test_cases[] = {
	KUNIT_CASE(xsdev_feed_assembles_request_written_one_byte_at_a_time),
	KUNIT_CASE(xsdev_feed_splits_two_requests_in_one_write),
	KUNIT_CASE(xsdev_feed_accepts_4080_byte_body),
	KUNIT_CASE(xsdev_write_len_over_4096_is_e2big),
	KUNIT_CASE(xsdev_write_body_over_4080_is_einval),
	KUNIT_CASE(xsdev_unknown_tx_id_gets_enoent_reply),
	KUNIT_CASE(xsdev_path_without_nul_gets_local_einval),
	KUNIT_CASE(xsdev_two_requests_in_one_write_get_two_replies),
	KUNIT_CASE(xsdev_transaction_end_bad_body_gets_einval),
	KUNIT_CASE(xsdev_stale_transaction_commit_gets_eagain),
	KUNIT_CASE(xsdev_stale_transaction_abort_gets_ok),
	KUNIT_CASE(xsdev_stale_transaction_request_gets_eagain_locally),
	KUNIT_CASE(xsdev_start_reply_fills_transaction_id),
	KUNIT_CASE(xsdev_start_error_reply_drops_holder),
	KUNIT_CASE(xsdev_start_reply_replaces_stale_holder_with_same_id),
	KUNIT_CASE(xsdev_end_reply_removes_holder),
	KUNIT_CASE(xsdev_watch_event_header_is_zeroed_and_has_user_token),
	KUNIT_CASE(xsdev_watch_events_beyond_bound_are_dropped),
	KUNIT_CASE(xsdev_partial_read_keeps_the_rest),
	KUNIT_CASE(xsdev_unread_replies_do_not_block_writes),
	KUNIT_CASE(xsdev_fault_mid_request_keeps_earlier_bytes),
	KUNIT_CASE(xsdev_requests_in_flight_are_bounded),
	KUNIT_CASE(xsdev_unread_reply_bytes_are_bounded),
	KUNIT_CASE(xsdev_watch_event_bound_is_per_file),
	{}
};

static struct kunit_suite xsdev_test_suite = {
	.name = "xenbus_dev_frontend",
	.init = xt_init,
	.exit = xt_exit,
	.test_cases = xsdev_test_cases,
};

kunit_test_suite(xsdev_test_suite);
