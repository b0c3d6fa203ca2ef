// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the ring transport: the receive state machine, the send
 * path, the read budget of a pass, stale responses at connect, failing
 * closed and parking for suspend.
 *
 * #included at the end of xenbus_comms.c so it can reach the static
 * pieces.  Every case runs against its own struct xb_comms and a
 * kzalloc()ed fake store page, with a counter standing in for the event
 * channel: no thread, no irq, no hypercall, and nothing here touches the
 * live connection of the kernel under test.  The test plays xenstored by
 * writing the response ring and reading the request ring directly.
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>

struct xb_fake {
	struct xb_comms comms;
	unsigned int notified;		/* peer notifications */
	unsigned int broken_calls;
	int broken_err;
	bool broken_reset;		/* ops->broken()'s @reset */
	unsigned int nr_msgs;
	struct xb_msg *msgs[8];		/* delivered, freed at exit */
	unsigned int nr_delivered;	/* all of them, kept or not */

	/*
	 * A xenstored that never stops answering: while @refill_left, each
	 * delivery tops the response ring up with more frames (see
	 * xb_fake_refill()).  Every @refill_period-th frame is an XS_READ,
	 * the others are of @refill_type; each has @refill_body body bytes.
	 */
	unsigned int refill_left;
	unsigned int refill_seq;
	unsigned int refill_period;
	u32 refill_type;
	unsigned int refill_body;
};

struct xb_fake_out {
	struct xb_out out;
	struct kvec vec;
	unsigned int sent_calls;
	int sent_err;
};

static struct xb_fake *xb_fake_of(struct kunit *test)
{
	return test->priv;
}

static void xb_fake_notify(struct xb_comms *c)
{
	container_of(c, struct xb_fake, comms)->notified++;
}

static void xb_fake_keep(struct xb_fake *f, struct xb_msg *msg)
{
	if (f->nr_msgs < ARRAY_SIZE(f->msgs))
		f->msgs[f->nr_msgs++] = msg;
	else
		kfree(msg);
}

static void xb_fake_refill(struct xb_fake *f);

static void xb_fake_deliver(struct xb_msg *msg)
{
	struct kunit *test = kunit_get_current_test();
	struct xb_fake *f;

	if (!test) {
		kfree(msg);
		return;
	}
	f = xb_fake_of(test);
	f->nr_delivered++;
	xb_fake_keep(f, msg);
	xb_fake_refill(f);
}

static void xb_fake_broken(int err, bool reset)
{
	struct kunit *test = kunit_get_current_test();
	struct xb_fake *f;

	if (!test)
		return;
	f = xb_fake_of(test);
	f->broken_calls++;
	f->broken_err = err;
	f->broken_reset = reset;
}

static const struct xb_comms_ops xb_fake_ops = {
	.deliver = xb_fake_deliver,
	.broken = xb_fake_broken,
};

static void xb_fake_sent(struct xb_out *out, int err)
{
	struct xb_fake_out *fo = container_of(out, struct xb_fake_out, out);

	fo->sent_calls++;
	fo->sent_err = err;
}

static void xb_fake_out_init(struct xb_fake_out *fo, u32 req_id,
			     const char *body)
{
	fo->vec.iov_base = (void *)body;
	fo->vec.iov_len = strlen(body);
	fo->out.hdr.type = XS_READ;
	fo->out.hdr.req_id = req_id;
	fo->out.hdr.tx_id = 0;
	fo->out.hdr.len = fo->vec.iov_len;
	fo->out.vec = &fo->vec;
	fo->out.nr_vec = 1;
	fo->out.sent = xb_fake_sent;
}

static int xb_comms_test_init(struct kunit *test)
{
	struct xb_fake *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->comms.intf = kunit_kzalloc(test, sizeof(*f->comms.intf), GFP_KERNEL);
	if (!f->comms.intf)
		return -ENOMEM;
	f->comms.ops = &xb_fake_ops;
	f->comms.notify = xb_fake_notify;
	mutex_init(&f->comms.ctl_mutex);
	init_waitqueue_head(&f->comms.wq);
	init_waitqueue_head(&f->comms.pause_wq);
	init_waitqueue_head(&f->comms.reconnect_wq);
	spin_lock_init(&f->comms.lock);
	INIT_LIST_HEAD(&f->comms.queue);
	test->priv = f;
	return 0;
}

static void xb_comms_test_exit(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	unsigned int i;

	for (i = 0; i < f->nr_msgs; i++)
		kfree(f->msgs[i]);
	xb_rx_reset(&f->comms.rx);
}

/* xenstored's side of the response ring: publish bytes. */
static void xb_fake_rsp_push(struct xenstore_domain_interface *intf,
			     const void *data, unsigned int len)
{
	XENSTORE_RING_IDX prod = intf->rsp_prod;
	const u8 *p = data;
	unsigned int i;

	for (i = 0; i < len; i++)
		intf->rsp[MASK_XENSTORE_IDX(prod + i)] = p[i];
	intf->rsp_prod = prod + len;
}

static void xb_fake_rsp_push_msg(struct xenstore_domain_interface *intf,
				 u32 type, u32 req_id, const void *body,
				 unsigned int len)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = req_id, .len = len };

	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, body, len);
}

/*
 * Publish frames while there is room for a whole one and the budget of
 * @f->refill_left frames lasts (it only keeps a broken transport from
 * looping for ever).
 */
static void xb_fake_refill(struct xb_fake *f)
{
	struct xenstore_domain_interface *intf = f->comms.intf;
	unsigned int size = sizeof(struct xsd_sockmsg) + f->refill_body;
	static const u8 body[XENSTORE_RING_SIZE - sizeof(struct xsd_sockmsg)];
	u32 type;

	while (f->refill_left &&
	       XENSTORE_RING_SIZE - (intf->rsp_prod - intf->rsp_cons) >= size) {
		type = f->refill_seq++ % f->refill_period ? f->refill_type :
			XS_READ;
		xb_fake_rsp_push_msg(intf, type, f->refill_seq, body,
				     f->refill_body);
		f->refill_left--;
	}
}

/* xenstored's side of the request ring: consume up to @len bytes. */
static unsigned int xb_fake_req_pull(struct xenstore_domain_interface *intf,
				     void *buf, unsigned int len)
{
	XENSTORE_RING_IDX cons = intf->req_cons;
	u8 *p = buf;
	unsigned int i;

	for (i = 0; i < len && cons != intf->req_prod; i++, cons++)
		p[i] = intf->req[MASK_XENSTORE_IDX(cons)];
	intf->req_cons = cons;
	return i;
}

static void xb_fake_request_pause(struct xb_comms *c)
{
	spin_lock(&c->lock);
	c->pause_req = true;
	spin_unlock(&c->lock);
}

/*
 * Step the receive machine until it hands out a message or stops making
 * progress.  Returns the last step's result; a message is kept for exit.
 */
static int xb_test_rx_next(struct xb_fake *f, struct xb_msg **msg)
{
	int ret;

	do {
		ret = xb_rx_step(&f->comms.rx, f->comms.intf, msg);
		if (*msg)
			xb_fake_keep(f, *msg);
	} while (ret > 0 && !*msg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Receive state machine                                               */
/* ------------------------------------------------------------------ */

static void xb_rx_assembles_message_fed_one_byte_at_a_time(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 7, .len = 5 };
	u8 frame[sizeof(hdr) + 5];
	struct xb_msg *msg;
	unsigned int i;

	memcpy(frame, &hdr, sizeof(hdr));
	memcpy(frame + sizeof(hdr), "hello", 5);

	for (i = 0; i < sizeof(frame); i++) {
		xb_fake_rsp_push(intf, &frame[i], 1);
		KUNIT_ASSERT_EQ(test, xb_rx_step(&f->comms.rx, intf, &msg), 1);
		if (i < sizeof(frame) - 1)
			KUNIT_ASSERT_NULL(test, msg);
	}
	KUNIT_ASSERT_NOT_NULL(test, msg);
	xb_fake_keep(f, msg);

	KUNIT_EXPECT_EQ(test, msg->hdr.type, XS_READ);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 7);
	KUNIT_EXPECT_EQ(test, msg->hdr.len, 5);
	KUNIT_EXPECT_MEMEQ(test, msg->body, "hello", 6);
	KUNIT_EXPECT_TRUE(test, xb_rx_idle(&f->comms.rx));
}

static void xb_rx_returns_back_to_back_messages_in_order(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_msg *msg;

	xb_fake_rsp_push_msg(intf, XS_READ, 1, "first", 5);
	xb_fake_rsp_push_msg(intf, XS_WRITE, 2, "OK", 3);

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 1);
	KUNIT_EXPECT_STREQ(test, msg->body, "first");

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 2);
	KUNIT_EXPECT_EQ(test, msg->hdr.type, XS_WRITE);
	KUNIT_EXPECT_MEMEQ(test, msg->body, "OK", 3);

	KUNIT_EXPECT_EQ(test, xb_test_rx_next(f, &msg), 0);
	KUNIT_EXPECT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
}

static void xb_rx_reads_frame_wrapping_ring_end(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	static const char body[] = "a body that crosses the end of the ring";
	struct xb_msg *msg;

	/* The header itself straddles the end of the ring. */
	intf->rsp_cons = XENSTORE_RING_SIZE - 10;
	intf->rsp_prod = XENSTORE_RING_SIZE - 10;
	xb_fake_rsp_push_msg(intf, XS_DIRECTORY, 3, body, sizeof(body));

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 3);
	KUNIT_EXPECT_EQ(test, msg->hdr.len, sizeof(body));
	KUNIT_EXPECT_STREQ(test, msg->body, body);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons,
			XENSTORE_RING_SIZE - 10 + 16 + sizeof(body));
}

static void xb_rx_reads_frame_across_index_overflow(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_msg *msg;

	/* Indexes are free-running u32s: they wrap to 0 mid-frame. */
	intf->rsp_cons = 0xfffffff8;
	intf->rsp_prod = 0xfffffff8;
	xb_fake_rsp_push_msg(intf, XS_READ, 4, "wrapped", 7);

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 4);
	KUNIT_EXPECT_STREQ(test, msg->body, "wrapped");
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 15);	/* 0xfffffff8 + 23 */
}

static void xb_rx_delivers_empty_body_nul_terminated(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_msg *msg;

	xb_fake_rsp_push_msg(f->comms.intf, XS_RM, 5, NULL, 0);

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.len, 0);
	KUNIT_EXPECT_EQ(test, msg->body[0], '\0');
}

static void xb_rx_stops_at_oversize_frame_without_consuming_body(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .len = XB_PAYLOAD_MAX + 1 };
	u8 body[32] = { 0 };
	struct xb_msg *msg;

	intf->rsp_cons = 100;
	intf->rsp_prod = 100;
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, body, sizeof(body));

	KUNIT_EXPECT_EQ(test, xb_rx_step(&f->comms.rx, intf, &msg), 16);
	KUNIT_EXPECT_EQ(test, xb_rx_step(&f->comms.rx, intf, &msg), -EMSGSIZE);
	KUNIT_EXPECT_NULL(test, msg);
	/* Again: still refused, and nothing more is consumed. */
	KUNIT_EXPECT_EQ(test, xb_rx_step(&f->comms.rx, intf, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 116);
	KUNIT_EXPECT_EQ(test, intf->rsp_prod, 148);
}

/* The type is the request layer's business: any frame is handed up. */
static void xb_rx_hands_up_unknown_type_and_parses_next_frame(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	u8 data[300];
	struct xb_msg *msg;

	memset(data, 'x', sizeof(data));
	xb_fake_rsp_push_msg(intf, XB_TYPE_MAX + 1, 8, data, sizeof(data));
	xb_fake_rsp_push_msg(intf, XS_READ, 9, "next", 4);

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.type, XB_TYPE_MAX + 1);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 8);
	KUNIT_EXPECT_EQ(test, msg->hdr.len, sizeof(data));
	KUNIT_EXPECT_MEMEQ(test, msg->body, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, msg->body[sizeof(data)], '\0');

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 9);
	KUNIT_EXPECT_STREQ(test, msg->body, "next");
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
}

static void xb_rx_hands_up_unknown_type_with_empty_body(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_msg *msg;

	xb_fake_rsp_push_msg(intf, 0xffff, 8, NULL, 0);
	xb_fake_rsp_push_msg(intf, XS_READ, 9, "next", 4);

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.type, 0xffff);
	KUNIT_EXPECT_EQ(test, msg->hdr.len, 0);
	KUNIT_EXPECT_TRUE(test, xb_rx_idle(&f->comms.rx));

	xb_test_rx_next(f, &msg);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->hdr.req_id, 9);
}

/*
 * A newer xenstored answers a request of a type we have no name for with
 * a reply of that type: it goes up like any other, for the request layer
 * to match by req_id.
 */
static void xb_comms_delivers_reply_of_type_newer_than_ours(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;

	xb_fake_rsp_push_msg(intf, XB_TYPE_MAX + 1, 5, "new", 4);
	xb_fake_rsp_push_msg(intf, 0x1234, 6, NULL, 0);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 2);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.type, XB_TYPE_MAX + 1);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.req_id, 5);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.len, 4);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "new");
	KUNIT_EXPECT_EQ(test, f->msgs[1]->hdr.type, 0x1234);
	KUNIT_EXPECT_EQ(test, f->msgs[1]->hdr.req_id, 6);
	KUNIT_EXPECT_EQ(test, f->msgs[1]->body[0], '\0');
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
}

static void xb_rx_reports_corrupt_indexes_and_leaves_page_unchanged(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xenstore_domain_interface *before;
	struct xb_msg *msg;

	memset(intf->rsp, 0x5a, sizeof(intf->rsp));
	intf->rsp_cons = 10;
	intf->rsp_prod = 10 + XENSTORE_RING_SIZE + 1;
	before = kunit_kmalloc(test, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	memcpy(before, intf, sizeof(*before));

	KUNIT_EXPECT_EQ(test, xb_rx_step(&f->comms.rx, intf, &msg), -EIO);
	KUNIT_EXPECT_NULL(test, msg);
	KUNIT_EXPECT_MEMEQ(test, intf, before, sizeof(*before));
}

/* ------------------------------------------------------------------ */
/* The transport's passes, on a private instance                       */
/* ------------------------------------------------------------------ */

/* One frame of @len bytes in all (header included), body all zeroes. */
static void xb_test_push_frame(struct xenstore_domain_interface *intf,
			       u32 req_id, unsigned int len)
{
	static const u8 zeroes[XENSTORE_RING_SIZE];

	xb_fake_rsp_push_msg(intf, XS_READ, req_id, zeroes,
			     len - sizeof(struct xsd_sockmsg));
}

static void xb_comms_tells_peer_of_responses_only_from_a_full_ring(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 1, .len = 3 };

	/* Half a header, then the rest and the body: xenstored never stopped. */
	xb_fake_rsp_push(intf, &hdr, 8);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	xb_fake_rsp_push(intf, (u8 *)&hdr + 8, 8);
	xb_fake_rsp_push(intf, "abc", 3);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 0);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "abc");

	/* A full ring: xenstored may be waiting for room. */
	xb_test_push_frame(intf, 2, XENSTORE_RING_SIZE);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 2);

	/* Nothing read since: nothing to tell. */
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
}

/*
 * The lost wake-up a test of "was the ring full before this read" would
 * miss: xenstored read rsp_cons before our pass moved it, and filled the
 * ring against that older value.
 */
static void xb_comms_tells_peer_that_filled_against_an_older_cons(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;

	/* 100 bytes: read, and not full, so not told; rsp_cons is 100. */
	xb_test_push_frame(intf, 1, 100);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 0);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 100);

	/* xenstored saw rsp_cons 0: it writes up to 0 + the ring and stops. */
	xb_test_push_frame(intf, 2, XENSTORE_RING_SIZE - 100);
	KUNIT_EXPECT_EQ(test, intf->rsp_prod - intf->rsp_cons,
			XENSTORE_RING_SIZE - 100);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 2);
}

static void xb_comms_tells_peer_of_requests_once_per_pass(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out a = { }, b = { };

	xb_fake_out_init(&a, 1, "first");
	xb_fake_out_init(&b, 2, "second");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &a.out), 0);
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &b.out), 0);
	xb_comms_do_writes(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, a.sent_calls + b.sent_calls, 2);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
}

/*
 * Requests are told only when xenstored may have found the request ring
 * empty: it had read everything from before this pass, or it has read
 * into this pass's bytes and may have stopped at a chunk boundary.
 */
static void xb_comms_tells_peer_of_requests_only_when_it_may_wait(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out a = { }, b = { }, c = { };
	XENSTORE_RING_IDX base;

	/* 100 bytes from before, 40 of them read: xenstored reads on. */
	intf->req_prod = 100;
	intf->req_cons = 40;
	xb_fake_out_init(&a, 1, "first");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &a.out), 0);
	xb_comms_do_writes(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, a.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, f->notified, 0);

	/* Read up to where the next pass starts: it may wait there. */
	intf->req_cons = intf->req_prod;
	xb_fake_out_init(&b, 2, "second");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &b.out), 0);
	xb_comms_do_writes(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);

	/* Read into the pass's own bytes: it may have stopped in them. */
	base = intf->req_prod;
	xb_fake_out_init(&c, 3, "third");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &c.out), 0);
	xb_comms_do_writes(&f->comms);
	intf->req_cons = base + 5;
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 2);
}

/* At connect, which rsp_cons xenstored saw is unknown: tell it once. */
static void xb_comms_tells_peer_after_connect(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;

	intf->rsp_cons = 500;
	intf->rsp_prod = 500;
	xb_comms_check_ring(&f->comms, false);
	xb_test_push_frame(intf, 1, 40);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);

	xb_test_push_frame(intf, 2, 40);
	xb_comms_do_reads(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 2);
}

static void xb_comms_send_rejects_length_mismatch(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out fo = { };

	xb_fake_out_init(&fo, 1, "four");
	fo.out.hdr.len = 5;

	KUNIT_EXPECT_EQ(test, xb_comms_queue(&f->comms, &fo.out), -EINVAL);
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->comms.queue));
}

static void xb_comms_send_rejects_oversize_payload(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out fo = { };

	/* Lengths are checked before any byte is looked at. */
	xb_fake_out_init(&fo, 1, "");
	fo.vec.iov_len = XB_PAYLOAD_MAX + 1;
	fo.out.hdr.len = XB_PAYLOAD_MAX + 1;

	KUNIT_EXPECT_EQ(test, xb_comms_queue(&f->comms, &fo.out), -EINVAL);
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 0);
}

static void xb_comms_writes_message_in_pieces_as_ring_drains(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out fo = { };
	u8 wire[32], want[32];

	xb_fake_out_init(&fo, 42, "0123456789abcdef");
	memcpy(want, &fo.out.hdr, 16);
	memcpy(want + 16, "0123456789abcdef", 16);

	/*
	 * Only 10 bytes free: xenstored has not read what is there, so it
	 * will read on and find ours without being told.
	 */
	intf->req_prod = XENSTORE_RING_SIZE - 10;
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &fo.out), 0);

	xb_comms_do_writes(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 0);
	KUNIT_EXPECT_EQ(test, f->notified, 0);
	KUNIT_EXPECT_EQ(test, intf->req_prod, XENSTORE_RING_SIZE);

	/* xenstored drains the old bytes and our first 10. */
	intf->req_cons = XENSTORE_RING_SIZE - 10;
	KUNIT_ASSERT_EQ(test, xb_fake_req_pull(intf, wire, 10), 10);

	/* It has read everything, so it may be waiting: told. */
	xb_comms_do_writes(&f->comms);
	xb_comms_tell_peer(&f->comms);
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, fo.sent_err, 0);
	KUNIT_EXPECT_EQ(test, f->notified, 1);
	KUNIT_ASSERT_EQ(test, xb_fake_req_pull(intf, wire + 10, 22), 22);
	KUNIT_EXPECT_MEMEQ(test, wire, want, sizeof(want));
	KUNIT_EXPECT_NULL(test, f->comms.tx_cur);
}

/*
 * Common set-up for the broken-connection cases: request A is half in the
 * request ring, B is queued behind it, then xenstored sends a frame longer
 * than the protocol allows.
 */
static void xb_test_break_with_oversize(struct kunit *test,
					struct xb_fake_out *a,
					struct xb_fake_out *b)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .len = XB_PAYLOAD_MAX + 1 };

	xb_fake_out_init(a, 1, "request a");
	xb_fake_out_init(b, 2, "request b");
	intf->req_prod = XENSTORE_RING_SIZE - 8;
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &a->out), 0);
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &b->out), 0);
	xb_comms_poll(&f->comms);
	KUNIT_ASSERT_PTR_EQ(test, f->comms.tx_cur, &a->out);

	intf->rsp_cons = 200;
	intf->rsp_prod = 200;
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, "body bytes", 10);
	xb_comms_poll(&f->comms);
}

static void xb_comms_oversize_frame_reports_broken_once(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out a = { }, b = { };

	xb_test_break_with_oversize(test, &a, &b);
	xb_fake_rsp_push_msg(intf, XS_READ, 3, "late", 4);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 1);
	KUNIT_EXPECT_EQ(test, f->broken_err, -EIO);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 0);
	/* Only the bad header was consumed; the peer's index is untouched. */
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 216);
	KUNIT_EXPECT_EQ(test, intf->rsp_prod, 200 + 16 + 10 + 16 + 4);
}

static void xb_comms_broken_fails_queued_and_partly_written_requests(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out a = { }, b = { };

	xb_test_break_with_oversize(test, &a, &b);

	KUNIT_EXPECT_EQ(test, a.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, a.sent_err, -EIO);
	KUNIT_EXPECT_EQ(test, b.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, b.sent_err, -EIO);
	KUNIT_EXPECT_NULL(test, f->comms.tx_cur);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->comms.queue));
}

static void xb_comms_broken_refuses_new_requests(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out a = { }, b = { }, c = { };

	xb_test_break_with_oversize(test, &a, &b);
	xb_fake_out_init(&c, 3, "request c");

	KUNIT_EXPECT_EQ(test, xb_comms_queue(&f->comms, &c.out), -EIO);
	KUNIT_EXPECT_EQ(test, c.sent_calls, 0);
}

/* Without the feature a failure is for good: nothing asks for a reset. */
static void xb_comms_no_reset_without_reconnection_feature(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out a = { }, b = { };

	xb_test_break_with_oversize(test, &a, &b);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 1);
	KUNIT_EXPECT_FALSE(test, f->broken_reset);
	KUNIT_EXPECT_FALSE(test, f->comms.reconnecting);
	KUNIT_EXPECT_EQ(test, f->comms.intf->connection, (u32)XENSTORE_CONNECTED);
	/* A later pass has nothing to wait for. */
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);
}

/*
 * The server's side of a reset, as oxenstored does it: all four indexes
 * zeroed, then CONNECTED.  The protocol does not promise to clear
 * ->error; @error is what the server leaves there.
 */
static void xb_fake_server_reset(struct xenstore_domain_interface *intf,
				 u32 error)
{
	intf->req_cons = 0;
	intf->req_prod = 0;
	intf->rsp_cons = 0;
	intf->rsp_prod = 0;
	intf->error = error;
	intf->connection = XENSTORE_CONNECTED;
}

/* Break the connection of a server that offers resets. */
static void xb_test_break_resettable(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out a = { }, b = { };

	f->comms.intf->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
	xb_test_break_with_oversize(test, &a, &b);
	KUNIT_ASSERT_TRUE(test, f->comms.reconnecting);
	KUNIT_EXPECT_EQ(test, a.sent_err, -EIO);
	KUNIT_EXPECT_EQ(test, b.sent_err, -EIO);
}

static void xb_comms_reset_restores_connection(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out c = { };
	unsigned int notified;
	char buf[64];

	xb_test_break_resettable(test);
	KUNIT_EXPECT_EQ(test, f->broken_calls, 1);
	KUNIT_EXPECT_TRUE(test, f->broken_reset);
	KUNIT_EXPECT_EQ(test, intf->connection, (u32)XENSTORE_RECONNECT);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);

	/* Until the server answers, nothing moves and nothing is sent. */
	xb_fake_out_init(&c, 3, "request c");
	KUNIT_EXPECT_EQ(test, xb_comms_queue(&f->comms, &c.out), -EIO);
	notified = f->notified;
	KUNIT_EXPECT_FALSE(test, xb_comms_has_work(&f->comms));
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_TRUE(test, f->comms.reconnecting);
	KUNIT_EXPECT_EQ(test, f->notified, notified);
	/* A pauser waits for the reset to end. */
	KUNIT_EXPECT_FALSE(test, xb_comms_parked(&f->comms));

	/* Reset at once: still within the gap xb_comms_fail() set. */
	xb_fake_server_reset(intf, 0);
	KUNIT_EXPECT_FALSE(test, xb_comms_has_work(&f->comms));
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_TRUE(test, f->comms.reconnecting);

	f->comms.reconnect_after = jiffies;
	KUNIT_EXPECT_TRUE(test, xb_comms_has_work(&f->comms));
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_FALSE(test, f->comms.reconnecting);
	KUNIT_EXPECT_FALSE(test, f->comms.broken);
	KUNIT_EXPECT_EQ(test, f->comms.nr_resets, 1U);
	KUNIT_EXPECT_EQ(test, f->comms.resets_unproven, 1U);

	/* The connection works again: a request goes out, a reply comes in. */
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &c.out), 0);
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_EQ(test, c.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, c.sent_err, 0);
	KUNIT_EXPECT_EQ(test, xb_fake_req_pull(intf, buf, sizeof(buf)),
			(unsigned int)(sizeof(struct xsd_sockmsg) + 9));
	xb_fake_rsp_push_msg(intf, XS_READ, 3, "value", 5);
	xb_comms_poll(&f->comms);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1U);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.req_id, 3U);
	KUNIT_EXPECT_EQ(test, f->comms.resets_unproven, 0U);
}

static void xb_comms_reset_gives_up_after_deadline(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xb_fake_out c = { };

	xb_test_break_resettable(test);
	f->comms.reconnect_by = jiffies;
	KUNIT_EXPECT_TRUE(test, xb_comms_has_work(&f->comms));
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_FALSE(test, f->comms.reconnecting);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);
	KUNIT_EXPECT_EQ(test, f->comms.nr_resets, 0U);
	KUNIT_EXPECT_TRUE(test, xb_comms_parked(&f->comms));

	/* A reset that comes too late changes nothing. */
	xb_fake_server_reset(f->comms.intf, 0);
	KUNIT_EXPECT_FALSE(test, xb_comms_has_work(&f->comms));
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);
	xb_fake_out_init(&c, 3, "request c");
	KUNIT_EXPECT_EQ(test, xb_comms_queue(&f->comms, &c.out), -EIO);
}

/*
 * A server that resets but leaves ->error set fails again at once; after
 * XB_RESETS_UNPROVEN_MAX resets with no message in between, no more.
 */
static void xb_comms_reset_stops_after_unproven_resets(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	unsigned int i;

	xb_test_break_resettable(test);
	for (i = 1; i <= XB_RESETS_UNPROVEN_MAX; i++) {
		xb_fake_server_reset(intf, XENSTORE_ERROR_COMM);
		f->comms.reconnect_after = jiffies;
		xb_comms_poll(&f->comms);	/* the reset */
		KUNIT_ASSERT_FALSE(test, f->comms.reconnecting);
		KUNIT_EXPECT_EQ(test, f->comms.nr_resets, i);
		xb_comms_poll(&f->comms);	/* the error again */
		KUNIT_EXPECT_EQ(test, f->broken_calls, i + 1);
	}
	/* The last failure asked for no reset. */
	KUNIT_EXPECT_FALSE(test, f->broken_reset);
	KUNIT_EXPECT_FALSE(test, f->comms.reconnecting);
	KUNIT_EXPECT_TRUE(test, f->comms.broken);
	KUNIT_EXPECT_EQ(test, intf->connection, (u32)XENSTORE_CONNECTED);
}

static void xb_comms_error_field_breaks_connection_before_reading(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;

	xb_fake_rsp_push_msg(intf, XS_READ, 1, "value", 5);
	intf->error = XENSTORE_ERROR_PROTO;

	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 1);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 0);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 0);
}

static void xb_comms_corrupt_request_indexes_break_without_writing(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xenstore_domain_interface *before;
	struct xb_fake_out fo = { };

	intf->req_cons = 0;
	intf->req_prod = 2 * XENSTORE_RING_SIZE;
	before = kunit_kmalloc(test, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	memcpy(before, intf, sizeof(*before));
	xb_fake_out_init(&fo, 1, "request");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &fo.out), 0);

	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 1);
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, fo.sent_err, -EIO);
	KUNIT_EXPECT_EQ(test, f->notified, 0);
	KUNIT_EXPECT_MEMEQ(test, intf, before, sizeof(*before));
}

/*
 * Run one pass against a peer that refills the response ring with every
 * delivery, with a request queued: the pass must end after a bounded
 * amount of reading (the budget is four rings' worth, plus the one read
 * in progress) and still write the request.  Returns the bytes read.
 */
static u32 xb_test_endless_pass(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out fo = { };
	u8 wire[16 + 7];
	u32 read;

	xb_fake_out_init(&fo, 77, "request");
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &fo.out), 0);
	f->refill_left = 4096;
	xb_fake_refill(f);

	xb_comms_poll(&f->comms);
	read = intf->rsp_cons;

	KUNIT_EXPECT_LE(test, read, 5 * XENSTORE_RING_SIZE);
	KUNIT_EXPECT_LT(test, f->nr_delivered, 4096);
	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	/* The same pass wrote the request and told the peer. */
	KUNIT_EXPECT_EQ(test, fo.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, fo.sent_err, 0);
	KUNIT_ASSERT_EQ(test, xb_fake_req_pull(intf, wire, sizeof(wire)),
			sizeof(wire));
	KUNIT_EXPECT_MEMEQ(test, wire + 16, "request", 7);
	KUNIT_EXPECT_GE(test, f->notified, 1);
	/* More is waiting: the thread comes back for it. */
	KUNIT_EXPECT_TRUE(test, xb_ring_can_read(intf));
	f->refill_left = 0;
	return read;
}

/*
 * Fifteen frames in sixteen of a type no xenstored sends today (they used
 * to be skipped without counting towards the budget), one XS_READ: every
 * frame counts, so the pass still ends.
 */
static void xb_comms_read_pass_ends_under_endless_frames(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);

	f->refill_period = 16;
	f->refill_type = 0xffff;
	f->refill_body = 48;
	xb_test_endless_pass(test);
}

/* Frames of nearly a ring each: the pass ends on bytes, not frames. */
static void xb_comms_read_pass_ends_after_a_few_rings_of_bytes(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);

	f->refill_period = 1;
	f->refill_type = XS_READ;
	f->refill_body = 1000;
	xb_test_endless_pass(test);
	KUNIT_EXPECT_LT(test, f->nr_delivered, 8);
}

/* ------------------------------------------------------------------ */
/* Stale responses at connect                                          */
/* ------------------------------------------------------------------ */

/*
 * The stale frames went and the connection lived: the one message
 * delivered is the fresh reply (req_id 2, "fresh") pushed after them, and
 * the ring is read to its end.
 */
static void xb_expect_only_fresh(struct kunit *test, struct xb_fake *f)
{
	struct xenstore_domain_interface *intf = f->comms.intf;

	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.req_id, 2);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "fresh");
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
}

/*
 * After a kexec xenstored may have published the header of its answer to
 * the previous kernel but not the body yet.  The body arrives after we
 * connected; it must be dropped with its header, not read as a header.
 */
static void xb_comms_stale_header_at_connect_drops_late_body(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 1, .len = 40 };
	u8 late[40];

	memset(late, 'z', sizeof(late));
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_comms_check_ring(&f->comms, false);
	/* Connecting reads nothing and writes no index. */
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 0);
	KUNIT_EXPECT_EQ(test, intf->rsp_prod, 16);

	xb_fake_rsp_push(intf, late, sizeof(late));
	xb_fake_rsp_push_msg(intf, XS_READ, 2, "fresh", 5);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	KUNIT_EXPECT_FALSE(test, f->comms.broken);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.req_id, 2);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.len, 5);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "fresh");
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
	KUNIT_EXPECT_TRUE(test, xb_rx_idle(&f->comms.rx));
}

/*
 * After a resume the connection is a new one: what the old one left in
 * the ring, a frame cut short included, will never be finished, so it is
 * all dropped at once and the new connection's first frame is delivered.
 */
static void xb_comms_stale_bytes_after_resume_are_dropped_at_once(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_WATCH_EVENT, .len = 40 };

	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_comms_check_ring(&f->comms, true);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, 16);

	xb_fake_rsp_push_msg(intf, XS_READ, 2, "fresh", 5);
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "fresh");
}

/* Only 10 of the stale header's 16 bytes were there at connect. */
static void xb_comms_stale_partial_header_at_connect_drops_whole_frame(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_DIRECTORY, .req_id = 1, .len = 24 };
	u8 late[24];

	memset(late, 'y', sizeof(late));
	intf->rsp_cons = XENSTORE_RING_SIZE - 4;
	intf->rsp_prod = XENSTORE_RING_SIZE - 4;
	xb_fake_rsp_push(intf, &hdr, 10);
	xb_comms_check_ring(&f->comms, false);

	xb_fake_rsp_push(intf, (u8 *)&hdr + 10, 6);
	xb_fake_rsp_push(intf, late, sizeof(late));
	xb_fake_rsp_push_msg(intf, XS_READ, 2, "fresh", 5);
	xb_comms_poll(&f->comms);

	xb_expect_only_fresh(test, f);
}

/*
 * Whole stale frames, then one whose body is still missing: all of them
 * go, and what follows the last one is delivered.
 */
static void xb_comms_stale_frames_at_connect_are_dropped_whole(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_WATCH_EVENT, .len = 20 };
	u8 late[20];

	memset(late, 'x', sizeof(late));
	xb_fake_rsp_push_msg(intf, XS_READ, 1, "old one", 8);
	xb_fake_rsp_push_msg(intf, XS_ERROR, 2, "EIO", 4);
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, late, 7);
	xb_comms_check_ring(&f->comms, false);

	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 0);
	xb_fake_rsp_push(intf, late + 7, sizeof(late) - 7);
	xb_fake_rsp_push_msg(intf, XS_WRITE, 3, "OK", 3);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.req_id, 3);
	KUNIT_EXPECT_EQ(test, f->msgs[0]->hdr.type, XS_WRITE);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "OK");
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, intf->rsp_prod);
}

/*
 * A stale header too long to be a frame tells us nothing about where the
 * next one starts: the rest of the stale bytes go, nothing more, and the
 * connection stays up.
 */
static void xb_comms_stale_oversize_header_drops_only_stale_bytes(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .len = XB_PAYLOAD_MAX + 1 };
	u8 junk[20];

	memset(junk, 'w', sizeof(junk));
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, junk, sizeof(junk));
	xb_comms_check_ring(&f->comms, false);
	xb_fake_rsp_push_msg(intf, XS_READ, 2, "fresh", 5);
	xb_comms_poll(&f->comms);

	xb_expect_only_fresh(test, f);
}

/* A stale frame half discarded is not a boundary to park at. */
static void xb_comms_pause_waits_for_end_of_stale_frame(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 1, .len = 30 };
	XENSTORE_RING_IDX boundary;
	u8 late[30];

	memset(late, 'v', sizeof(late));
	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, late, 10);
	xb_comms_check_ring(&f->comms, false);
	xb_comms_poll(&f->comms);
	xb_fake_request_pause(&f->comms);

	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_FALSE(test, f->comms.paused);

	xb_fake_rsp_push(intf, late + 10, sizeof(late) - 10);
	boundary = intf->rsp_prod;
	xb_fake_rsp_push_msg(intf, XS_READ, 2, "later", 5);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_TRUE(test, f->comms.paused);
	KUNIT_EXPECT_EQ(test, f->nr_msgs, 0);
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, boundary);
	KUNIT_EXPECT_EQ(test, f->broken_calls, 0);
}

/* ------------------------------------------------------------------ */
/* Parking for suspend                                                 */
/* ------------------------------------------------------------------ */

static void xb_comms_pause_waits_for_incoming_message_boundary(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 1, .len = 6 };
	XENSTORE_RING_IDX boundary;

	xb_fake_rsp_push(intf, &hdr, sizeof(hdr));
	xb_fake_rsp_push(intf, "abc", 3);
	xb_comms_poll(&f->comms);
	xb_fake_request_pause(&f->comms);

	/* Half a message read: no parking yet. */
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_FALSE(test, f->comms.paused);

	xb_fake_rsp_push(intf, "def", 3);
	boundary = intf->rsp_prod;
	xb_fake_rsp_push_msg(intf, XS_READ, 2, "later", 5);
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_TRUE(test, f->comms.paused);
	KUNIT_ASSERT_EQ(test, f->nr_msgs, 1);
	KUNIT_EXPECT_STREQ(test, f->msgs[0]->body, "abcdef");
	/* The next message stays in the ring until unpause. */
	KUNIT_EXPECT_EQ(test, intf->rsp_cons, boundary);
}

static void xb_comms_pause_finishes_partly_written_request_only(struct kunit *test)
{
	struct xb_fake *f = xb_fake_of(test);
	struct xenstore_domain_interface *intf = f->comms.intf;
	struct xb_fake_out a = { }, b = { };

	xb_fake_out_init(&a, 1, "request a");
	xb_fake_out_init(&b, 2, "request b");
	intf->req_prod = XENSTORE_RING_SIZE - 8;
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &a.out), 0);
	KUNIT_ASSERT_EQ(test, xb_comms_queue(&f->comms, &b.out), 0);
	xb_comms_poll(&f->comms);
	xb_fake_request_pause(&f->comms);

	/* Ring still full: A cannot finish, so no parking. */
	xb_comms_poll(&f->comms);
	KUNIT_EXPECT_FALSE(test, f->comms.paused);

	/* xenstored makes room: A completes, B is held back. */
	intf->req_cons = intf->req_prod;
	xb_comms_poll(&f->comms);

	KUNIT_EXPECT_TRUE(test, f->comms.paused);
	KUNIT_EXPECT_EQ(test, a.sent_calls, 1);
	KUNIT_EXPECT_EQ(test, a.sent_err, 0);
	KUNIT_EXPECT_EQ(test, b.sent_calls, 0);
	KUNIT_EXPECT_EQ(test, intf->req_prod, intf->req_cons + 16 + 9 - 8);
	KUNIT_EXPECT_PTR_EQ(test, f->comms.queue.next, &b.out.list);
}

static struct kunit_case xb_comms_test_cases[] = {
	KUNIT_CASE(xb_rx_assembles_message_fed_one_byte_at_a_time),
	KUNIT_CASE(xb_rx_returns_back_to_back_messages_in_order),
	KUNIT_CASE(xb_rx_reads_frame_wrapping_ring_end),
	KUNIT_CASE(xb_rx_reads_frame_across_index_overflow),
	KUNIT_CASE(xb_rx_delivers_empty_body_nul_terminated),
	KUNIT_CASE(xb_rx_stops_at_oversize_frame_without_consuming_body),
	KUNIT_CASE(xb_rx_hands_up_unknown_type_and_parses_next_frame),
	KUNIT_CASE(xb_rx_hands_up_unknown_type_with_empty_body),
	KUNIT_CASE(xb_comms_delivers_reply_of_type_newer_than_ours),
	KUNIT_CASE(xb_rx_reports_corrupt_indexes_and_leaves_page_unchanged),
	KUNIT_CASE(xb_comms_tells_peer_of_responses_only_from_a_full_ring),
	KUNIT_CASE(xb_comms_tells_peer_that_filled_against_an_older_cons),
	KUNIT_CASE(xb_comms_tells_peer_of_requests_once_per_pass),
	KUNIT_CASE(xb_comms_tells_peer_of_requests_only_when_it_may_wait),
	KUNIT_CASE(xb_comms_tells_peer_after_connect),
	KUNIT_CASE(xb_comms_send_rejects_length_mismatch),
	KUNIT_CASE(xb_comms_send_rejects_oversize_payload),
	KUNIT_CASE(xb_comms_writes_message_in_pieces_as_ring_drains),
	KUNIT_CASE(xb_comms_oversize_frame_reports_broken_once),
	KUNIT_CASE(xb_comms_broken_fails_queued_and_partly_written_requests),
	KUNIT_CASE(xb_comms_broken_refuses_new_requests),
	KUNIT_CASE(xb_comms_error_field_breaks_connection_before_reading),
	KUNIT_CASE(xb_comms_corrupt_request_indexes_break_without_writing),
	KUNIT_CASE(xb_comms_read_pass_ends_under_endless_frames),
	KUNIT_CASE(xb_comms_read_pass_ends_after_a_few_rings_of_bytes),
	KUNIT_CASE(xb_comms_stale_header_at_connect_drops_late_body),
	KUNIT_CASE(xb_comms_stale_partial_header_at_connect_drops_whole_frame),
	KUNIT_CASE(xb_comms_stale_bytes_after_resume_are_dropped_at_once),
	KUNIT_CASE(xb_comms_stale_frames_at_connect_are_dropped_whole),
	KUNIT_CASE(xb_comms_stale_oversize_header_drops_only_stale_bytes),
	KUNIT_CASE(xb_comms_pause_waits_for_end_of_stale_frame),
	KUNIT_CASE(xb_comms_pause_waits_for_incoming_message_boundary),
	KUNIT_CASE(xb_comms_pause_finishes_partly_written_request_only),
	KUNIT_CASE(xb_comms_no_reset_without_reconnection_feature),
	KUNIT_CASE(xb_comms_reset_restores_connection),
	KUNIT_CASE(xb_comms_reset_gives_up_after_deadline),
	KUNIT_CASE(xb_comms_reset_stops_after_unproven_resets),
	{}
};

static struct kunit_suite xb_comms_test_suite = {
	.name = "xenbus_comms",
	.init = xb_comms_test_init,
	.exit = xb_comms_test_exit,
	.test_cases = xb_comms_test_cases,
};

kunit_test_suite(xb_comms_test_suite);
