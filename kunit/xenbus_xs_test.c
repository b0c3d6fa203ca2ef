// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the request layer.  xenbus_xs.c #includes this file at
 * its end, so the cases reach its static internals.  Every case builds
 * private instances (a request table with a fake transport, a suspend
 * gate, a watch registry whose lane is driven by hand or by a test
 * thread): the live connection belongs to the kernel under test.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>

/* A message as the transport would hand it over: ownership passes. */
static struct xb_msg *xs_test_msg(struct kunit *test, u32 type, u32 req_id,
				  u32 tx_id, const void *body, unsigned int len)
{
	struct xb_msg *msg;

	msg = kzalloc(struct_size(msg, body, len + 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	msg->hdr.type = type;
	msg->hdr.req_id = req_id;
	msg->hdr.tx_id = tx_id;
	msg->hdr.len = len;
	memcpy(msg->body, body, len);
	return msg;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

#define XS_TEST_MAX_OUT	8

/* A request table whose transport only records what it was given. */
struct xs_test_reqs {
	struct xs_reqs tbl;
	struct xb_out *out[XS_TEST_MAX_OUT];
	unsigned int nr_out;
	int send_err;
};

static int xs_test_send(struct xs_reqs *tbl, struct xb_out *out)
{
	struct xs_test_reqs *f = container_of(tbl, struct xs_test_reqs, tbl);

	if (f->send_err)
		return f->send_err;
	if (f->nr_out == XS_TEST_MAX_OUT)
		return -ENOSPC;
	f->out[f->nr_out++] = out;
	return 0;
}

/* The fake transport puts everything it holds "in the ring". */
static void xs_test_flush(struct xs_test_reqs *f)
{
	unsigned int i;

	for (i = 0; i < f->nr_out; i++)
		f->out[i]->sent(f->out[i], 0);
	f->nr_out = 0;
}

static struct xs_req *xs_test_submit(struct kunit *test,
				     struct xs_test_reqs *f, u32 type,
				     u32 caller_req_id)
{
	struct kvec vec = { .iov_base = (void *)"some/path", .iov_len = 10 };
	struct xs_req *req;

	req = xs_req_alloc(type, 0, &vec, 1, false);
	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	req->caller_req_id = caller_req_id;
	KUNIT_ASSERT_EQ(test, xs_req_submit(&f->tbl, req), 0);
	return req;
}

struct xs_test_async {
	unsigned int calls;
	struct xb_msg *reply;
};

static void xs_test_async_cb(void *par, struct xb_msg *reply)
{
	struct xs_test_async *a = par;

	a->calls++;
	kfree(a->reply);
	a->reply = reply;
}

static int xs_reqs_test_init(struct kunit *test)
{
	struct xs_test_reqs *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	xa_init_flags(&f->tbl.xa, XA_FLAGS_ALLOC);
	f->tbl.send = xs_test_send;
	test->priv = f;
	return 0;
}

static void xs_reqs_test_exit(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;

	if (!f)
		return;
	xs_test_flush(f);
	xs_reqs_fail_all(&f->tbl, -EIO);	/* drops unanswered requests */
	xa_destroy(&f->tbl.xa);
}

static void xs_reqs_test_out_of_order_replies_reach_their_callers(struct kunit *test)
{
	static const char * const vals[] = { "zero", "one", "two" };
	static const unsigned int order[] = { 2, 0, 1 };
	struct xs_test_reqs *f = test->priv;
	struct xs_req *req[3];
	unsigned int i, len;
	char *body;

	for (i = 0; i < 3; i++)
		req[i] = xs_test_submit(test, f, XS_READ, 100 + i);
	KUNIT_EXPECT_NE(test, req[0]->out.hdr.req_id, req[1]->out.hdr.req_id);
	KUNIT_EXPECT_NE(test, req[1]->out.hdr.req_id, req[2]->out.hdr.req_id);
	KUNIT_EXPECT_NE(test, req[0]->out.hdr.req_id, req[2]->out.hdr.req_id);
	xs_test_flush(f);

	for (i = 0; i < 3; i++) {
		unsigned int k = order[i];

		xs_reqs_deliver(&f->tbl,
				xs_test_msg(test, XS_READ, req[k]->out.hdr.req_id,
					    0, vals[k], strlen(vals[k])));
		if (i == 0) {
			KUNIT_EXPECT_TRUE(test, req[2]->done);
			KUNIT_EXPECT_FALSE(test, req[0]->done);
			KUNIT_EXPECT_FALSE(test, req[1]->done);
		}
	}

	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, xs_req_wait(req[i], false), 0);
		KUNIT_ASSERT_NOT_NULL(test, req[i]->reply);
		KUNIT_EXPECT_EQ(test, req[i]->reply->hdr.req_id, 100 + i);
		body = xs_req_take_body(req[i], &len);
		KUNIT_ASSERT_FALSE(test, IS_ERR(body));
		KUNIT_EXPECT_STREQ(test, body, vals[i]);
		KUNIT_EXPECT_EQ(test, len, strlen(vals[i]));
		kfree(body);
		xs_req_put(req[i]);
	}
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->tbl.xa));
}

static void xs_reqs_test_reply_to_unknown_id_is_dropped(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct xs_req *req;
	u32 id;

	req = xs_test_submit(test, f, XS_READ, 0);
	id = req->out.hdr.req_id;

	xs_reqs_deliver(&f->tbl, xs_test_msg(test, XS_READ, id + 1, 0, "x", 1));
	KUNIT_EXPECT_EQ(test, f->tbl.nr_stray, 1UL);
	KUNIT_EXPECT_FALSE(test, req->done);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&f->tbl.xa, id), (void *)req);

	/* The stream is still in step: the right reply still gets through. */
	xs_reqs_deliver(&f->tbl, xs_test_msg(test, XS_READ, id, 0, "y", 1));
	KUNIT_EXPECT_TRUE(test, req->done);
	KUNIT_EXPECT_EQ(test, f->tbl.nr_stray, 1UL);
	xs_req_put(req);
}

/* Put a request in the table under @id, as if it were still in flight. */
static void xs_test_squat(struct kunit *test, struct xs_test_reqs *f, u32 id)
{
	struct kvec vec = { .iov_base = (void *)"", .iov_len = 1 };
	struct xs_req *req;

	req = xs_req_alloc(XS_READ, 0, &vec, 1, false);
	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	req->tbl = &f->tbl;
	req->out.hdr.req_id = id;
	/* The caller's reference passes to the table; exit resolves it. */
	if (xa_err(xa_store(&f->tbl.xa, id, req, GFP_KERNEL))) {
		xs_req_put(req);
		KUNIT_FAIL(test, "cannot squat on id %u", id);
	}
}

static void xs_reqs_test_ids_skip_those_in_use_and_wrap(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct xs_req *a, *b;

	/* Long-running requests hold the last id and 0. */
	f->tbl.next_id = U32_MAX - 1;
	xs_test_squat(test, f, U32_MAX);
	xs_test_squat(test, f, 0);

	a = xs_test_submit(test, f, XS_READ, 0);
	b = xs_test_submit(test, f, XS_READ, 0);
	KUNIT_EXPECT_EQ(test, a->out.hdr.req_id, U32_MAX - 1);
	KUNIT_EXPECT_EQ(test, b->out.hdr.req_id, 1U);
	KUNIT_EXPECT_EQ(test, f->tbl.next_id, 2U);
	xs_req_put(a);
	xs_req_put(b);
}

static void xs_reqs_test_error_replies_map_to_errnos(struct kunit *test)
{
	static const struct {
		const char *body;
		int err;
	} cases[] = {
		{ "ENOENT", -ENOENT },
		{ "EAGAIN", -EAGAIN },
		{ "EPERM", -EPERM },
		{ "E2BIG", -E2BIG },
		{ "EBOGUS", -EINVAL },
	};
	struct xs_test_reqs *f = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct xs_req *req = xs_test_submit(test, f, XS_WRITE, 0);
		void *ret;

		xs_reqs_deliver(&f->tbl,
				xs_test_msg(test, XS_ERROR, req->out.hdr.req_id,
					    0, cases[i].body,
					    strlen(cases[i].body) + 1));
		ret = xs_req_take_body(req, NULL);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(ret), "%s", cases[i].body);
		if (IS_ERR(ret))
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(ret), (long)cases[i].err,
					    "%s", cases[i].body);
		else
			kfree(ret);
		xs_req_put(req);
	}
}

static void xs_reqs_test_reply_of_another_type_is_einval(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct xs_req *req;
	void *ret;

	req = xs_test_submit(test, f, XS_READ, 0);
	xs_reqs_deliver(&f->tbl, xs_test_msg(test, XS_WRITE, req->out.hdr.req_id,
					     0, "OK", 3));
	ret = xs_req_take_body(req, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ret), -EINVAL);
	xs_req_put(req);
}

static void xs_reqs_test_broken_connection_fails_every_request(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct kvec vec = { .iov_base = (void *)"", .iov_len = 1 };
	struct xs_test_async a = {};
	struct xs_req *sync, *async;

	sync = xs_test_submit(test, f, XS_READ, 0);
	async = xs_req_alloc(XS_TRANSACTION_END, 9, &vec, 1, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(async));
	async->caller_req_id = 7;
	async->cb = xs_test_async_cb;
	async->par = &a;
	KUNIT_ASSERT_EQ(test, xs_req_submit(&f->tbl, async), 0);
	xs_req_put(async);

	xs_reqs_fail_all(&f->tbl, -EIO);

	KUNIT_EXPECT_EQ(test, xs_req_wait(sync, false), -EIO);
	xs_req_put(sync);

	KUNIT_EXPECT_EQ(test, a.calls, 1U);
	KUNIT_ASSERT_NOT_NULL(test, a.reply);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.type, (u32)XS_ERROR);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.req_id, 7U);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.tx_id, 9U);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.len, 4U);
	KUNIT_EXPECT_STREQ(test, a.reply->body, "EIO");
	kfree(a.reply);

	/* Later requests fail at once, and nothing reaches the transport. */
	async = xs_req_alloc(XS_READ, 0, &vec, 1, false);
	KUNIT_ASSERT_FALSE(test, IS_ERR(async));
	KUNIT_EXPECT_EQ(test, xs_req_submit(&f->tbl, async), -EIO);
	KUNIT_EXPECT_EQ(test, f->nr_out, 2U);
	xs_req_put(async);
}

static void xs_reqs_test_async_reply_carries_callers_id(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct kvec vec = { .iov_base = (void *)"a\0", .iov_len = 2 };
	struct xs_test_async a = {};
	struct xs_req *req;
	u32 wire;

	req = xs_req_alloc(XS_READ, 3, &vec, 1, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	req->caller_req_id = 0xabcd;
	req->cb = xs_test_async_cb;
	req->par = &a;
	KUNIT_ASSERT_EQ(test, xs_req_submit(&f->tbl, req), 0);
	wire = req->out.hdr.req_id;
	xs_req_put(req);
	xs_test_flush(f);

	xs_reqs_deliver(&f->tbl, xs_test_msg(test, XS_READ, wire, 3, "v", 1));
	KUNIT_EXPECT_EQ(test, a.calls, 1U);
	KUNIT_ASSERT_NOT_NULL(test, a.reply);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.req_id, 0xabcdU);
	KUNIT_EXPECT_EQ(test, a.reply->hdr.type, (u32)XS_READ);
	kfree(a.reply);
}

static void xs_reqs_test_refused_send_leaves_nothing_behind(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct kvec vec = { .iov_base = (void *)"p", .iov_len = 2 };
	struct xs_test_async a = {};
	struct xs_req *req;

	f->send_err = -EINVAL;
	req = xs_req_alloc(XS_READ, 0, &vec, 1, true);
	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	req->cb = xs_test_async_cb;
	req->par = &a;
	KUNIT_EXPECT_EQ(test, xs_req_submit(&f->tbl, req), -EINVAL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->tbl.xa));
	KUNIT_EXPECT_EQ(test, kref_read(&req->kref), 1U);
	KUNIT_EXPECT_EQ(test, a.calls, 0U);
	xs_req_put(req);
}

static void xs_reqs_test_directory_listing_is_one_block(struct kunit *test)
{
	static const char listing[] = "vbd\0vif\0console";	/* + final NUL */
	unsigned int num = 0;
	char **dir;

	dir = xs_split_block(listing, sizeof(listing), &num);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dir));
	KUNIT_EXPECT_EQ(test, num, 3U);
	KUNIT_EXPECT_STREQ(test, dir[0], "vbd");
	KUNIT_EXPECT_STREQ(test, dir[1], "vif");
	KUNIT_EXPECT_STREQ(test, dir[2], "console");
	/* The strings live in the same allocation, right after the array. */
	KUNIT_EXPECT_PTR_EQ(test, dir[0], (char *)(dir + 3));
	kfree(dir);
}

struct xs_test_waiter {
	struct xs_req *req;
	int err;
	struct completion done;
};

static int xs_test_waiter_fn(void *data)
{
	struct xs_test_waiter *w = data;

	w->err = xs_req_wait(w->req, false);
	complete(&w->done);
	return 0;
}

/*
 * The reboot notifier runs before system_state changes, so a waiter it
 * wakes must not look at system_state to decide that the store is gone:
 * with xenstored in this domain (being killed by the shutdown) it would
 * go back to sleep for ever.
 */
static void xs_reqs_test_reboot_wakeup_fails_waiters_at_once(struct kunit *test)
{
	struct xs_test_reqs *f = test->priv;
	struct xs_test_waiter *w;
	struct task_struct *task;
	unsigned long waited;
	u32 id;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	init_completion(&w->done);
	w->req = xs_test_submit(test, f, XS_READ, 0);
	id = w->req->out.hdr.req_id;
	xs_test_flush(f);
	task = kthread_run(xs_test_waiter_fn, w, "xs-test-wait");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&w->done, HZ / 10), 0UL);

	xs_reqs_wake_all(&f->tbl);
	waited = wait_for_completion_timeout(&w->done, HZ);
	KUNIT_EXPECT_GT(test, waited, 0UL);
	if (!waited) {
		/* Let the waiter go, or it would outlive the case. */
		xs_reqs_deliver(&f->tbl, xs_test_msg(test, XS_READ, id, 0, "x", 1));
		wait_for_completion(&w->done);
	}
	KUNIT_EXPECT_EQ(test, w->err, -EIO);
	xs_req_put(w->req);
}

static struct kunit_case xs_reqs_test_cases[] = {
	KUNIT_CASE(xs_reqs_test_out_of_order_replies_reach_their_callers),
	KUNIT_CASE(xs_reqs_test_reply_to_unknown_id_is_dropped),
	KUNIT_CASE(xs_reqs_test_ids_skip_those_in_use_and_wrap),
	KUNIT_CASE(xs_reqs_test_error_replies_map_to_errnos),
	KUNIT_CASE(xs_reqs_test_reply_of_another_type_is_einval),
	KUNIT_CASE(xs_reqs_test_broken_connection_fails_every_request),
	KUNIT_CASE(xs_reqs_test_async_reply_carries_callers_id),
	KUNIT_CASE(xs_reqs_test_refused_send_leaves_nothing_behind),
	KUNIT_CASE(xs_reqs_test_directory_listing_is_one_block),
	KUNIT_CASE(xs_reqs_test_reboot_wakeup_fails_waiters_at_once),
	{}
};

static struct kunit_suite xs_reqs_test_suite = {
	.name = "xenbus_xs_requests",
	.init = xs_reqs_test_init,
	.exit = xs_reqs_test_exit,
	.test_cases = xs_reqs_test_cases,
};

/* ------------------------------------------------------------------ */
/* The suspend gate                                                    */
/* ------------------------------------------------------------------ */

static int xs_gate_test_init(struct kunit *test)
{
	struct xs_gate *g;

	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	spin_lock_init(&g->lock);
	xa_init(&g->tx);
	init_waitqueue_head(&g->enter_wq);
	init_waitqueue_head(&g->drain_wq);
	g->generation = 41;
	test->priv = g;
	return 0;
}

static void xs_gate_test_exit(struct kunit *test)
{
	struct xs_gate *g = test->priv;

	if (g)
		xa_destroy(&g->tx);
}

static void xs_gate_test_resume_starts_a_generation_cancel_does_not(struct kunit *test)
{
	struct xs_gate *g = test->priv;

	xs_gate_close(g);
	KUNIT_EXPECT_FALSE(test, xs_gate_passable(g));
	xs_gate_open(g, false);		/* xs_suspend_cancel() */
	KUNIT_EXPECT_TRUE(test, xs_gate_passable(g));
	KUNIT_EXPECT_EQ(test, g->generation, 41U);

	xs_gate_close(g);
	xs_gate_open(g, true);		/* xs_resume() */
	KUNIT_EXPECT_TRUE(test, xs_gate_passable(g));
	KUNIT_EXPECT_EQ(test, g->generation, 42U);
}

static void xs_gate_test_open_kernel_transaction_lets_callers_through(struct kunit *test)
{
	struct xs_gate *g = test->priv;

	xs_gate_close(g);
	KUNIT_EXPECT_FALSE(test, xs_gate_passable(g));

	KUNIT_ASSERT_EQ(test, xs_gate_tx_hold(g, 5), 0);
	KUNIT_EXPECT_TRUE(test, xs_gate_passable(g));
	KUNIT_EXPECT_FALSE(test, xs_gate_drained(g));

	KUNIT_EXPECT_TRUE(test, xs_gate_tx_release(g, 5));
	KUNIT_EXPECT_FALSE(test, xs_gate_passable(g));
	KUNIT_EXPECT_TRUE(test, xs_gate_drained(g));
	xs_gate_open(g, false);
}

static void xs_gate_test_unheld_transaction_end_does_not_underflow(struct kunit *test)
{
	struct xs_gate *g = test->priv;

	KUNIT_EXPECT_FALSE(test, xs_gate_tx_release(g, 42));
	KUNIT_EXPECT_EQ(test, g->tx_held, 0U);

	KUNIT_ASSERT_EQ(test, xs_gate_tx_hold(g, 42), 0);
	KUNIT_ASSERT_EQ(test, xs_gate_tx_hold(g, 42), 0);	/* counted once */
	KUNIT_EXPECT_EQ(test, g->tx_held, 1U);

	KUNIT_EXPECT_TRUE(test, xs_gate_tx_release(g, 42));
	KUNIT_EXPECT_FALSE(test, xs_gate_tx_release(g, 42));	/* double END */
	KUNIT_EXPECT_EQ(test, g->tx_held, 0U);
	KUNIT_EXPECT_TRUE(test, xs_gate_drained(g));
}

struct xs_test_closer {
	struct xs_gate *g;
	struct completion done;
};

static int xs_test_closer_fn(void *data)
{
	struct xs_test_closer *c = data;

	xs_gate_close(c->g);
	complete(&c->done);
	return 0;
}

static void xs_gate_test_suspend_waits_for_users_to_leave(struct kunit *test)
{
	struct xs_gate *g = test->priv;
	struct xs_test_closer *c;
	struct task_struct *task;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->g = g;
	init_completion(&c->done);

	KUNIT_ASSERT_EQ(test, xs_gate_enter(g, false), 0);
	task = kthread_run(xs_test_closer_fn, c, "xs-test-close");
	if (IS_ERR(task)) {
		xs_gate_exit(g);
		KUNIT_FAIL(test, "no thread: %ld", PTR_ERR(task));
		return;
	}

	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&c->done, HZ / 5), 0UL);
	xs_gate_exit(g);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, g->users, 0U);
	xs_gate_open(g, false);
}

/*
 * /dev reads the generation as it enters: a resume cannot come between
 * its transaction check and its send, because it waits for users first.
 */
static void xs_gate_test_generation_holds_while_inside(struct kunit *test)
{
	struct xs_gate *g = test->priv;
	struct xs_test_closer *c;
	struct task_struct *task;
	unsigned int gen = 0;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->g = g;
	init_completion(&c->done);

	KUNIT_ASSERT_EQ(test, xs_gate_enter_gen(g, true, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 41U);
	task = kthread_run(xs_test_closer_fn, c, "xs-test-close");
	if (IS_ERR(task)) {
		xs_gate_exit(g);
		KUNIT_FAIL(test, "no thread: %ld", PTR_ERR(task));
		return;
	}
	/* The suspend waits for us; a nested user does not wait for it. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&c->done, HZ / 5), 0UL);
	xs_gate_enter_nested(g);
	KUNIT_EXPECT_EQ(test, g->users, 2U);
	xs_gate_exit(g);
	xs_gate_exit(g);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	xs_gate_open(g, true);
	KUNIT_ASSERT_EQ(test, xs_gate_enter_gen(g, false, &gen), 0);
	KUNIT_EXPECT_EQ(test, gen, 42U);
	xs_gate_exit(g);
}

static struct kunit_case xs_gate_test_cases[] = {
	KUNIT_CASE(xs_gate_test_resume_starts_a_generation_cancel_does_not),
	KUNIT_CASE(xs_gate_test_open_kernel_transaction_lets_callers_through),
	KUNIT_CASE(xs_gate_test_unheld_transaction_end_does_not_underflow),
	KUNIT_CASE(xs_gate_test_suspend_waits_for_users_to_leave),
	KUNIT_CASE(xs_gate_test_generation_holds_while_inside),
	{}
};

static struct kunit_suite xs_gate_test_suite = {
	.name = "xenbus_xs_gate",
	.init = xs_gate_test_init,
	.exit = xs_gate_test_exit,
	.test_cases = xs_gate_test_cases,
};

/* ------------------------------------------------------------------ */
/* Watches                                                             */
/* ------------------------------------------------------------------ */

#define XS_TEST_WATCHES	2

struct xs_test_watches;

struct xs_test_watch {
	struct xenbus_watch watch;
	struct xs_test_watches *t;
	unsigned int idx;
	struct xs_watch_rec *rec;	/* NULL once unregistered */
	bool unregister_self;		/* the callback unregisters it */
	bool block;			/* the callback waits for @release */
	/* registered with xs_watch_add(..., NULL) by the callback, first thing */
	struct xenbus_watch *add;
	struct xs_watch_rec *added;
	struct completion entered;
	struct completion release;
	int finished_seq;
};

/* Device-lane cases: dw[0] and dw[1] on lane[0], dw[2] on lane[1]. */
#define XS_TEST_DEV_WATCHES	3

struct xs_test_watches {
	struct xs_watches reg;
	unsigned int cap;
	struct xs_test_watch w[XS_TEST_WATCHES];	/* default lane */
	struct xs_test_watch dw[XS_TEST_DEV_WATCHES];	/* device lanes */
	struct xs_lane *lane[2];
	struct workqueue_struct *wq;
	spinlock_t log_lock;		/* lanes log in parallel */
	char log[16][32];		/* "<watch>:<path>" per callback */
	unsigned int nr_log;
	atomic_t seq;
};

static void xs_test_watch_cb(struct xenbus_watch *watch, const char *path,
			     const char *token)
{
	struct xs_test_watch *tw = container_of(watch, struct xs_test_watch,
						watch);
	struct xs_test_watches *t = tw->t;

	if (tw->add) {
		tw->added = xs_watch_add(&t->reg, tw->add, NULL, NULL);
		tw->add = NULL;
	}
	spin_lock(&t->log_lock);
	if (t->nr_log < ARRAY_SIZE(t->log))
		snprintf(t->log[t->nr_log++], sizeof(t->log[0]), "%u:%s",
			 tw->idx, path);
	spin_unlock(&t->log_lock);
	complete(&tw->entered);
	if (tw->block) {
		wait_for_completion(&tw->release);
		tw->finished_seq = atomic_inc_return(&t->seq);
	}
	if (tw->unregister_self) {
		struct xs_watch_rec *rec = xs_watch_detach(&t->reg, watch);

		xs_lane_barrier(rec->lane, watch);
		xs_watch_rec_free(rec);
		tw->rec = NULL;
	}
}

/* The backend bus's XSA-349 rule: at most one queued event. */
static bool xs_test_one_pending(struct xenbus_watch *watch, const char *path,
				const char *token)
{
	return watch->nr_pending == 0;
}

static void xs_test_event(struct kunit *test, struct xs_test_watches *t,
			  const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	char body[64];

	KUNIT_ASSERT_LE(test, plen + tlen, sizeof(body));
	memcpy(body, path, plen);
	memcpy(body + plen, token, tlen);
	xs_watch_event(&t->reg, xs_test_msg(test, XS_WATCH_EVENT, 0, 0, body,
					    plen + tlen));
}

static void xs_test_event_for(struct kunit *test, struct xs_test_watches *t,
			      unsigned int i, const char *path)
{
	xs_test_event(test, t, path, t->w[i].rec->token);
}

static unsigned int xs_test_run_all(struct xs_test_watches *t)
{
	unsigned int n = 0;

	while (xs_lane_run_one(&t->reg.lane))
		n++;
	return n;
}

static int xs_watch_test_init(struct kunit *test)
{
	struct xs_test_watches *t;
	unsigned int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->reg.lock);
	INIT_LIST_HEAD(&t->reg.list);
	hash_init(t->reg.by_id);
	hash_init(t->reg.by_watch);
	t->reg.next_id = 1;
	t->cap = 16;
	t->reg.max_queued = &t->cap;
	INIT_LIST_HEAD(&t->reg.ctxs);
	t->reg.lane.reg = &t->reg;
	INIT_LIST_HEAD(&t->reg.lane.events);
	init_waitqueue_head(&t->reg.lane.wq);
	init_waitqueue_head(&t->reg.lane.idle_wq);
	spin_lock_init(&t->log_lock);
	atomic_set(&t->seq, 0);
	test->priv = t;

	for (i = 0; i < XS_TEST_WATCHES; i++) {
		struct xs_test_watch *tw = &t->w[i];

		tw->t = t;
		tw->idx = i;
		tw->watch.node = "device/vif/0/state";
		tw->watch.callback = xs_test_watch_cb;
		init_completion(&tw->entered);
		init_completion(&tw->release);
		tw->rec = xs_watch_add(&t->reg, &tw->watch, NULL, NULL);
		if (IS_ERR(tw->rec)) {
			int err = PTR_ERR(tw->rec);

			tw->rec = NULL;
			return err;
		}
	}
	return 0;
}

static void xs_watch_test_exit(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	unsigned int i;

	if (!t)
		return;
	/* Cases release what they block: this waits for the lanes to run dry. */
	if (t->wq)
		destroy_workqueue(t->wq);
	for (i = 0; i < XS_TEST_WATCHES; i++)
		if (t->w[i].rec)
			xs_watch_rec_free(xs_watch_detach(&t->reg, &t->w[i].watch));
	for (i = 0; i < XS_TEST_DEV_WATCHES; i++)
		if (t->dw[i].rec)
			xs_watch_rec_free(xs_watch_detach(&t->reg, &t->dw[i].watch));
	xs_lane_put(t->lane[0]);
	xs_lane_put(t->lane[1]);
}

static void xs_watch_test_tokens_are_opaque_ids(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xenbus_watch extra[2] = {
		{ .node = "a", .callback = xs_test_watch_cb },
		{ .node = "b", .callback = xs_test_watch_cb },
	};
	struct xs_watch_rec *rec[2];

	KUNIT_EXPECT_STREQ(test, t->w[0].rec->token, "W1");
	KUNIT_EXPECT_STREQ(test, t->w[1].rec->token, "W2");

	/* Ids wrap, skipping 0 and those still in use (1 and 2). */
	t->reg.next_id = U32_MAX;
	rec[0] = xs_watch_add(&t->reg, &extra[0], NULL, NULL);
	rec[1] = xs_watch_add(&t->reg, &extra[1], NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rec[0]));
	KUNIT_ASSERT_FALSE(test, IS_ERR(rec[1]));
	KUNIT_EXPECT_STREQ(test, rec[0]->token, "Wffffffff");
	KUNIT_EXPECT_STREQ(test, rec[1]->token, "W3");
	kfree(xs_watch_detach(&t->reg, &extra[0]));
	kfree(xs_watch_detach(&t->reg, &extra[1]));
}

static void xs_watch_test_events_run_in_queue_order(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 1, "x");
	xs_test_event_for(test, t, 0, "b");
	xs_test_event_for(test, t, 0, "c");
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 3U);
	KUNIT_EXPECT_EQ(test, t->w[1].watch.nr_pending, 1U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 4U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 4U);
	KUNIT_ASSERT_EQ(test, t->nr_log, 4U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "0:a");
	KUNIT_EXPECT_STREQ(test, t->log[1], "1:x");
	KUNIT_EXPECT_STREQ(test, t->log[2], "0:b");
	KUNIT_EXPECT_STREQ(test, t->log[3], "0:c");
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 0U);
	KUNIT_EXPECT_EQ(test, t->w[1].watch.nr_pending, 0U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 0U);
}

static void xs_watch_test_identical_queued_path_is_coalesced(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 0, "b");
	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 1, "a");	/* another watch: kept */
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 2U);
	KUNIT_EXPECT_EQ(test, t->w[1].watch.nr_pending, 1U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 3U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 3U);
	KUNIT_ASSERT_EQ(test, t->nr_log, 3U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "0:a");
	KUNIT_EXPECT_STREQ(test, t->log[1], "0:b");
	KUNIT_EXPECT_STREQ(test, t->log[2], "1:a");

	/* Once it has run, the same path queues again. */
	xs_test_event_for(test, t, 0, "a");
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 1U);
}

static void xs_watch_test_coalescing_looks_only_at_recent_events(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	unsigned int i, queued;
	char path[16];

	t->cap = XS_COALESCE_WINDOW + 8;
	xs_test_event_for(test, t, 0, "a");
	for (i = 0; i < XS_COALESCE_WINDOW; i++) {
		snprintf(path, sizeof(path), "p%u", i);
		xs_test_event_for(test, t, 0, path);
	}
	/* "a" is older than the window now: not looked for, queued again. */
	xs_test_event_for(test, t, 0, "a");
	queued = XS_COALESCE_WINDOW + 2;
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, queued);

	/* A path inside the window still coalesces. */
	xs_test_event_for(test, t, 0, "p1");
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, queued);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, queued);
}

/*
 * Kernel watches are never dropped for a cap: Linux drops their events
 * only through will_handle(), and drivers rely on that (a lost
 * "control/shutdown" or hotplug event hangs a handshake).
 */
static void xs_watch_test_kernel_events_are_never_capped(struct kunit *test)
{
	static const char * const paths[] = { "p0", "p1", "p2", "p3", "p4" };
	struct xs_test_watches *t = test->priv;
	unsigned int i;

	t->cap = 3;
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		xs_test_event_for(test, t, 0, paths[i]);
	xs_test_event_for(test, t, 1, "x");

	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 6U);
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 5U);
	KUNIT_EXPECT_EQ(test, t->w[1].watch.nr_pending, 1U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 6U);
	KUNIT_ASSERT_EQ(test, t->nr_log, 6U);
	KUNIT_EXPECT_STREQ(test, t->log[4], "0:p4");
	KUNIT_EXPECT_STREQ(test, t->log[5], "1:x");
}

static void xs_watch_test_will_handle_can_refuse_events(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	t->w[0].watch.will_handle = xs_test_one_pending;
	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 0, "b");
	xs_test_event_for(test, t, 0, "c");
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 1U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "0:a");
}

static void xs_watch_test_stray_and_malformed_events_are_dropped(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_event(test, t, "a", "W7777");		/* nobody's id */
	xs_test_event(test, t, "a", "W01");		/* not our spelling */
	xs_test_event(test, t, "a", "ffff88800a1b2c3d");	/* a pointer */
	xs_watch_event(&t->reg, xs_test_msg(test, XS_WATCH_EVENT, 0, 0,
					    "a\0W1", 4));	/* no final NUL */
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 0U);
	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 0U);
	KUNIT_EXPECT_EQ(test, t->nr_log, 0U);
}

static void xs_watch_test_unregister_drops_queued_events(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_watch_rec *rec;
	char token[XS_TOKEN_LEN];

	strscpy(token, t->w[0].rec->token, sizeof(token));
	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 0, "b");
	xs_test_event_for(test, t, 1, "c");

	rec = xs_watch_detach(&t->reg, &t->w[0].watch);
	KUNIT_EXPECT_PTR_EQ(test, rec, t->w[0].rec);
	xs_lane_barrier(&t->reg.lane, &t->w[0].watch);
	xs_watch_rec_free(rec);
	t->w[0].rec = NULL;
	KUNIT_EXPECT_EQ(test, t->w[0].watch.nr_pending, 0U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 1U);

	/* A late event for the old token is stale, and dropped. */
	xs_test_event(test, t, "d", token);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 1U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 1U);
	KUNIT_ASSERT_EQ(test, t->nr_log, 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "1:c");
}

struct xs_test_thread {
	struct xs_test_watches *t;
	struct completion done;
	int seq;
};

static int xs_test_runner_fn(void *data)
{
	struct xs_test_thread *th = data;

	xs_lane_run_one(&th->t->reg.lane);
	complete(&th->done);
	return 0;
}

static int xs_test_unregister_fn(void *data)
{
	struct xs_test_thread *th = data;
	struct xs_watch_rec *rec;

	rec = xs_watch_detach(&th->t->reg, &th->t->w[0].watch);
	xs_lane_barrier(&th->t->reg.lane, &th->t->w[0].watch);
	th->seq = atomic_inc_return(&th->t->seq);
	xs_watch_rec_free(rec);
	complete(&th->done);
	return 0;
}

static void xs_watch_test_unregister_waits_for_running_callback(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_watch *tw = &t->w[0];
	struct xs_test_thread *run, *unreg;
	struct task_struct *task;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	unreg = kunit_kzalloc(test, sizeof(*unreg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, unreg);
	run->t = t;
	unreg->t = t;
	init_completion(&run->done);
	init_completion(&unreg->done);

	tw->block = true;
	xs_test_event_for(test, t, 0, "a");
	task = kthread_run(xs_test_runner_fn, run, "xs-test-lane");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	if (!wait_for_completion_timeout(&tw->entered, 10 * HZ)) {
		complete(&tw->release);
		wait_for_completion(&run->done);
		KUNIT_FAIL(test, "the callback never started");
		return;
	}

	task = kthread_run(xs_test_unregister_fn, unreg, "xs-test-unreg");
	if (IS_ERR(task)) {
		complete(&tw->release);
		wait_for_completion(&run->done);
		KUNIT_FAIL(test, "no thread: %ld", PTR_ERR(task));
		return;
	}
	/* The callback is still blocked, so unregister must be too. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&unreg->done, HZ / 5), 0UL);

	complete(&tw->release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&run->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&unreg->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_LT(test, tw->finished_seq, unreg->seq);
	KUNIT_EXPECT_EQ(test, tw->watch.nr_pending, 0U);
	tw->rec = NULL;
}

static void xs_watch_test_unregister_from_own_callback(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_watch *tw = &t->w[0];

	/* We play the lane's thread, as the "xenwatch" thread would. */
	t->reg.lane.task = current;
	tw->unregister_self = true;
	xs_test_event_for(test, t, 0, "a");
	xs_test_event_for(test, t, 0, "b");

	KUNIT_EXPECT_TRUE(test, xs_lane_run_one(&t->reg.lane));
	KUNIT_EXPECT_NULL(test, tw->rec);
	KUNIT_EXPECT_EQ(test, tw->watch.nr_pending, 0U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 0U);
	KUNIT_EXPECT_FALSE(test, xs_lane_run_one(&t->reg.lane));
	KUNIT_ASSERT_EQ(test, t->nr_log, 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "0:a");
	t->reg.lane.task = NULL;
}

/* ---- device lanes ---------------------------------------------------- */

/* Two device lanes on a workqueue of the case's own, and their watches. */
static void xs_test_lanes_setup(struct kunit *test, struct xs_test_watches *t)
{
	unsigned int i;

	t->wq = alloc_workqueue("xs_test_lanes", WQ_UNBOUND, 0);
	KUNIT_ASSERT_NOT_NULL(test, t->wq);
	for (i = 0; i < 2; i++) {
		t->lane[i] = kzalloc(sizeof(*t->lane[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->lane[i]);
		xs_lane_init_device(t->lane[i], &t->reg, t->wq,
				    "xs_device_lane", &xs_device_lane_key);
	}
	for (i = 0; i < XS_TEST_DEV_WATCHES; i++) {
		struct xs_test_watch *tw = &t->dw[i];

		tw->t = t;
		tw->idx = 10 + i;
		tw->watch.node = "backend/vbd/1/51712/state";
		tw->watch.callback = xs_test_watch_cb;
		init_completion(&tw->entered);
		init_completion(&tw->release);
		tw->rec = xs_watch_add(&t->reg, &tw->watch,
				       t->lane[i < 2 ? 0 : 1], NULL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tw->rec));
	}
}

static void xs_test_event_dw(struct kunit *test, struct xs_test_watches *t,
			     unsigned int i, const char *path)
{
	xs_test_event(test, t, path, t->dw[i].rec->token);
}

static bool xs_test_entered(struct xs_test_watch *tw)
{
	return wait_for_completion_timeout(&tw->entered, 10 * HZ) > 0;
}

static void xs_lane_test_device_lane_runs_while_default_lane_blocked(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_watch *tw = &t->w[0];
	struct xs_test_thread *run;
	struct task_struct *task;

	xs_test_lanes_setup(test, t);
	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	run->t = t;
	init_completion(&run->done);

	tw->block = true;
	xs_test_event_for(test, t, 0, "slow");
	task = kthread_run(xs_test_runner_fn, run, "xs-test-lane");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_TRUE(test, xs_test_entered(tw));

	/* "xenwatch" is stuck in a callback; a device's lane is not. */
	xs_test_event_dw(test, t, 2, "quick");
	KUNIT_EXPECT_TRUE(test, xs_test_entered(&t->dw[2]));
	KUNIT_EXPECT_FALSE(test, completion_done(&run->done));

	complete(&tw->release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&run->done, 10 * HZ), 0UL);
}

static void xs_lane_test_blocked_device_lane_does_not_hold_another(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_lanes_setup(test, t);
	t->dw[0].block = true;
	xs_test_event_dw(test, t, 0, "slow");
	KUNIT_ASSERT_TRUE(test, xs_test_entered(&t->dw[0]));

	xs_test_event_dw(test, t, 2, "quick");
	KUNIT_EXPECT_TRUE(test, xs_test_entered(&t->dw[2]));
	/* ... while the other lane's callback is still blocked. */
	KUNIT_EXPECT_EQ(test, t->dw[0].finished_seq, 0);

	complete(&t->dw[0].release);
	flush_workqueue(t->wq);
	KUNIT_EXPECT_GT(test, t->dw[0].finished_seq, 0);
}

static void xs_lane_test_device_lane_keeps_event_order(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_lanes_setup(test, t);
	xs_test_event_dw(test, t, 0, "a");
	xs_test_event_dw(test, t, 1, "x");
	xs_test_event_dw(test, t, 0, "b");
	xs_test_event_dw(test, t, 1, "y");
	flush_workqueue(t->wq);

	KUNIT_ASSERT_EQ(test, t->nr_log, 4U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "10:a");
	KUNIT_EXPECT_STREQ(test, t->log[1], "11:x");
	KUNIT_EXPECT_STREQ(test, t->log[2], "10:b");
	KUNIT_EXPECT_STREQ(test, t->log[3], "11:y");
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 0U);
	/* Idle again: the owner and the two watches hold the lane. */
	KUNIT_EXPECT_FALSE(test, t->lane[0]->busy);
	KUNIT_EXPECT_EQ(test, kref_read(&t->lane[0]->ref), 3U);
}

/* @op(@lane) on a thread of its own; @done once it has returned. */
struct xs_test_lane_op {
	void (*op)(struct xs_lane *lane);
	struct xs_lane *lane;
	struct completion done;
};

static int xs_test_lane_op_fn(void *data)
{
	struct xs_test_lane_op *c = data;

	c->op(c->lane);
	complete(&c->done);
	return 0;
}

static struct xs_test_lane_op *xs_test_lane_op_start(struct kunit *test,
						     void (*op)(struct xs_lane *),
						     struct xs_lane *lane)
{
	struct xs_test_lane_op *c;
	struct task_struct *task;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->op = op;
	c->lane = lane;
	init_completion(&c->done);
	task = kthread_run(xs_test_lane_op_fn, c, "xs-test-lane-op");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	return c;
}

static void xs_lane_test_close_drops_events_and_waits_for_callback(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_lane_op *c;
	unsigned long deadline;

	xs_test_lanes_setup(test, t);
	t->dw[0].block = true;
	xs_test_event_dw(test, t, 0, "running");
	KUNIT_ASSERT_TRUE(test, xs_test_entered(&t->dw[0]));
	xs_test_event_dw(test, t, 1, "queued");
	KUNIT_EXPECT_EQ(test, t->dw[1].watch.nr_pending, 1U);

	c = xs_test_lane_op_start(test, xs_lane_close, t->lane[0]);
	deadline = jiffies + 10 * HZ;
	while (!READ_ONCE(t->lane[0]->closed) && time_before(jiffies, deadline))
		msleep(20);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(t->lane[0]->closed));

	/* Purged at once, and later events are refused. */
	KUNIT_EXPECT_EQ(test, t->dw[1].watch.nr_pending, 0U);
	xs_test_event_dw(test, t, 1, "late");
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 0U);
	/* The close waits for the running callback. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&c->done, HZ / 5), 0UL);

	complete(&t->dw[0].release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 10 * HZ), 0UL);
	flush_workqueue(t->wq);
	KUNIT_ASSERT_EQ(test, t->nr_log, 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "10:running");
}

static void xs_lane_test_unregister_from_own_device_callback(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;

	xs_test_lanes_setup(test, t);
	t->dw[0].unregister_self = true;
	xs_test_event_dw(test, t, 0, "a");
	xs_test_event_dw(test, t, 0, "b");
	/* The barrier sees its own lane's work: no self-deadlock. */
	KUNIT_EXPECT_TRUE(test, xs_test_entered(&t->dw[0]));
	flush_workqueue(t->wq);

	KUNIT_EXPECT_NULL(test, t->dw[0].rec);
	KUNIT_ASSERT_EQ(test, t->nr_log, 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "10:a");
	KUNIT_EXPECT_EQ(test, kref_read(&t->lane[0]->ref), 2U);
}

struct xs_test_unreg {
	struct xs_test_watches *t;
	struct xs_test_watch *tw;
	struct completion done;
};

static int xs_test_unreg_dw_fn(void *data)
{
	struct xs_test_unreg *u = data;
	struct xs_watch_rec *rec;

	rec = xs_watch_detach(&u->t->reg, &u->tw->watch);
	xs_lane_barrier(rec->lane, &u->tw->watch);
	xs_watch_rec_free(rec);
	u->tw->rec = NULL;
	complete(&u->done);
	return 0;
}

static void xs_lane_test_barrier_waits_only_for_its_own_watch(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_unreg *other, *self;
	struct task_struct *task;

	xs_test_lanes_setup(test, t);
	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	self = kunit_kzalloc(test, sizeof(*self), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, self);
	*other = (struct xs_test_unreg){ .t = t, .tw = &t->dw[1] };
	*self = (struct xs_test_unreg){ .t = t, .tw = &t->dw[0] };
	init_completion(&other->done);
	init_completion(&self->done);

	t->dw[0].block = true;
	xs_test_event_dw(test, t, 0, "a");
	KUNIT_ASSERT_TRUE(test, xs_test_entered(&t->dw[0]));

	/* Same lane, but its callback is not the one running. */
	task = kthread_run(xs_test_unreg_dw_fn, other, "xs-test-unreg1");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&other->done, 10 * HZ), 0UL);

	/* The running one's unregister waits for it. */
	task = kthread_run(xs_test_unreg_dw_fn, self, "xs-test-unreg0");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&self->done, HZ / 5), 0UL);
	complete(&t->dw[0].release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&self->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_GT(test, t->dw[0].finished_seq, 0);
}

/*
 * A watch registered by a device lane's callback joins that lane (netback
 * registers its credit watch from connect(), which runs on the device's
 * lane), so its callback never runs while the registering one does.
 */
static void xs_lane_test_watch_added_by_lane_callback_joins_its_lane(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xs_test_watch *extra;

	xs_test_lanes_setup(test, t);
	extra = kunit_kzalloc(test, sizeof(*extra), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, extra);
	extra->t = t;
	extra->idx = 20;
	extra->watch.node = "backend/vif/1/0/rate";
	extra->watch.callback = xs_test_watch_cb;
	init_completion(&extra->entered);
	init_completion(&extra->release);

	t->dw[0].block = true;
	t->dw[0].add = &extra->watch;
	xs_test_event_dw(test, t, 0, "connect");
	KUNIT_ASSERT_TRUE(test, xs_test_entered(&t->dw[0]));
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t->dw[0].added));
	extra->rec = t->dw[0].added;

	/* xenstored fires a new watch at once. */
	xs_test_event(test, t, "backend/vif/1/0/rate", extra->rec->token);
	KUNIT_EXPECT_FALSE(test, xs_lane_run_one(&t->reg.lane));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&extra->entered, HZ / 5), 0UL);
	KUNIT_EXPECT_EQ(test, t->nr_log, 1U);

	complete(&t->dw[0].release);
	flush_workqueue(t->wq);
	KUNIT_ASSERT_EQ(test, t->nr_log, 2U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "10:connect");
	KUNIT_EXPECT_STREQ(test, t->log[1], "20:backend/vif/1/0/rate");
	xs_watch_rec_free(xs_watch_detach(&t->reg, &extra->watch));
	extra->rec = NULL;
}

/*
 * Someone acting for the device (the bus core around probe) holds its
 * lane: events wait, and a watch this task registers joins the lane.
 */
static void xs_lane_test_enter_holds_callbacks_and_adopts_watches(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	struct xenbus_watch extra = {
		.node = "backend/vbd/1/51712/physical-device",
		.callback = xs_test_watch_cb,
	};
	struct xs_watch_rec *rec;
	struct xs_lane_ctx ctx;

	xs_test_lanes_setup(test, t);
	xs_lane_enter(t->lane[0], &ctx);
	rec = xs_watch_add(&t->reg, &extra, NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rec));
	KUNIT_EXPECT_PTR_EQ(test, rec->lane, t->lane[0]);

	xs_test_event_dw(test, t, 0, "a");
	xs_test_event_dw(test, t, 2, "other");	/* lane 1 is not held */
	flush_workqueue(t->wq);
	KUNIT_ASSERT_EQ(test, t->nr_log, 1U);
	KUNIT_EXPECT_STREQ(test, t->log[0], "12:other");
	KUNIT_EXPECT_EQ(test, t->dw[0].watch.nr_pending, 1U);

	xs_lane_leave(&ctx);
	flush_workqueue(t->wq);
	KUNIT_ASSERT_EQ(test, t->nr_log, 2U);
	KUNIT_EXPECT_STREQ(test, t->log[1], "10:a");

	/* Outside of it, a plain registration goes to the default lane. */
	xs_watch_rec_free(xs_watch_detach(&t->reg, &extra));
	rec = xs_watch_add(&t->reg, &extra, NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rec));
	KUNIT_EXPECT_PTR_EQ(test, rec->lane, &t->reg.lane);
	xs_watch_rec_free(xs_watch_detach(&t->reg, &extra));
}

/*
 * do_suspend() freezes the kernel threads before it freezes any device:
 * the lanes' workqueue must freeze with them, so that the freezer waits
 * for a device callback that is running (never a PM callback, under the
 * device lock the callback may want) and starts no new one until after
 * every restore, as on Linux's "xenwatch", which runs the suspend itself.
 * This freezes every freezable workqueue of the kernel for a moment.
 */
static void xs_lane_test_suspend_freezes_device_lanes(struct kunit *test)
{
	struct xs_test_watches *t = test->priv;
	unsigned long deadline;
	struct xs_lane *lane;
	bool frozen_busy;

	if (!xs.lanes_wq)
		kunit_skip(test, "no device lanes in this kernel");
	xs_test_lanes_setup(test, t);
	/* A lane of the case's registry, on the kernel's own lane workqueue. */
	lane = kzalloc(sizeof(*lane), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lane);
	xs_lane_init_device(lane, &t->reg, xs.lanes_wq, "xs_device_lane",
			    &xs_device_lane_key);
	xs_lane_get(lane);		/* the watch's */
	spin_lock(&t->reg.lock);
	swap(t->dw[2].rec->lane, lane);
	spin_unlock(&t->reg.lock);
	xs_lane_put(lane);		/* the old lane's watch reference */
	lane = t->dw[2].rec->lane;

	t->dw[2].block = true;
	xs_test_event_dw(test, t, 2, "running");
	KUNIT_ASSERT_TRUE(test, xs_test_entered(&t->dw[2]));

	freeze_workqueues_begin();
	frozen_busy = freeze_workqueues_busy();
	complete(&t->dw[2].release);
	deadline = jiffies + 10 * HZ;
	while (freeze_workqueues_busy() && time_before(jiffies, deadline))
		msleep(20);
	/* Frozen: a new event waits for the thaw. */
	t->dw[2].block = false;
	reinit_completion(&t->dw[2].entered);
	xs_test_event_dw(test, t, 2, "after");
	msleep(200);
	KUNIT_EXPECT_EQ(test, t->nr_log, 1U);
	thaw_workqueues();

	KUNIT_EXPECT_TRUE(test, frozen_busy);
	KUNIT_EXPECT_TRUE(test, xs_test_entered(&t->dw[2]));
	flush_work(&lane->work);
	KUNIT_ASSERT_EQ(test, t->nr_log, 2U);
	KUNIT_EXPECT_STREQ(test, t->log[1], "12:after");
	/* The case's lane reference; the watch's goes with the watch. */
	xs_lane_put(lane);
}

/* User space's events are capped all together; the kernel's are not. */
static void xs_watch_test_user_events_are_capped_globally(struct kunit *test)
{
	static const char * const paths[] = { "p0", "p1", "p2", "p3", "p4" };
	struct xs_test_watches *t = test->priv;
	struct xs_watch_group group = { };
	unsigned int i;

	t->cap = 3;
	t->w[0].rec->group = &group;
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		xs_test_event_for(test, t, 0, paths[i]);
	xs_test_event_for(test, t, 1, "kernel");

	KUNIT_EXPECT_EQ(test, t->reg.nr_user_queued, 3U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_user_dropped, 2UL);
	KUNIT_EXPECT_EQ(test, group.queued, 3U);
	KUNIT_EXPECT_EQ(test, group.dropped, 2UL);
	KUNIT_EXPECT_EQ(test, t->reg.nr_queued, 4U);

	KUNIT_EXPECT_EQ(test, xs_test_run_all(t), 4U);
	KUNIT_EXPECT_EQ(test, group.queued, 0U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_user_queued, 0U);

	/* Purged events are uncounted too. */
	xs_test_event_for(test, t, 0, "late");
	KUNIT_EXPECT_EQ(test, group.queued, 1U);
	xs_watch_rec_free(xs_watch_detach(&t->reg, &t->w[0].watch));
	t->w[0].rec = NULL;
	KUNIT_EXPECT_EQ(test, group.queued, 0U);
	KUNIT_EXPECT_EQ(test, t->reg.nr_user_queued, 0U);
}

static struct kunit_case xs_watch_test_cases[] = {
	KUNIT_CASE(xs_watch_test_tokens_are_opaque_ids),
	KUNIT_CASE(xs_watch_test_events_run_in_queue_order),
	KUNIT_CASE(xs_watch_test_identical_queued_path_is_coalesced),
	KUNIT_CASE(xs_watch_test_coalescing_looks_only_at_recent_events),
	KUNIT_CASE(xs_watch_test_kernel_events_are_never_capped),
	KUNIT_CASE(xs_watch_test_will_handle_can_refuse_events),
	KUNIT_CASE(xs_watch_test_stray_and_malformed_events_are_dropped),
	KUNIT_CASE(xs_watch_test_unregister_drops_queued_events),
	KUNIT_CASE(xs_watch_test_unregister_waits_for_running_callback),
	KUNIT_CASE(xs_watch_test_unregister_from_own_callback),
	KUNIT_CASE(xs_lane_test_device_lane_runs_while_default_lane_blocked),
	KUNIT_CASE(xs_lane_test_blocked_device_lane_does_not_hold_another),
	KUNIT_CASE(xs_lane_test_device_lane_keeps_event_order),
	KUNIT_CASE(xs_lane_test_close_drops_events_and_waits_for_callback),
	KUNIT_CASE(xs_lane_test_unregister_from_own_device_callback),
	KUNIT_CASE(xs_lane_test_barrier_waits_only_for_its_own_watch),
	KUNIT_CASE(xs_lane_test_watch_added_by_lane_callback_joins_its_lane),
	KUNIT_CASE(xs_lane_test_enter_holds_callbacks_and_adopts_watches),
	KUNIT_CASE(xs_lane_test_suspend_freezes_device_lanes),
	KUNIT_CASE(xs_watch_test_user_events_are_capped_globally),
	{}
};

static struct kunit_suite xs_watch_test_suite = {
	.name = "xenbus_xs_watches",
	.init = xs_watch_test_init,
	.exit = xs_watch_test_exit,
	.test_cases = xs_watch_test_cases,
};

kunit_test_suites(&xs_reqs_test_suite, &xs_gate_test_suite,
		  &xs_watch_test_suite);
