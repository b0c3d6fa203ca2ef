// SPDX-License-Identifier: GPL-2.0-only
/*
 * The request layer of the xenbus core.
 *
 * This file owns everything between the transport (xenbus_comms.c) and
 * the store API that drivers use: requests and the matching of replies
 * to them, transactions and the suspend gate that keeps them consistent
 * across save/restore, watch registration, and the delivery of watch
 * events to their callbacks.
 *
 * Many requests may be in flight.  Each one is a refcounted struct xs_req
 * that carries its own copy of the body, gets a fresh wire req_id and
 * waits in a table until the reply with that id arrives, in any order.
 * Watch events are queued on a lane: a FIFO that runs one callback at a
 * time, in order.  Lanes run in parallel.  "xenwatch", a kthread, is the
 * default lane; every xenbus_device has a lane of its own (a work item),
 * which xenbus_watch_path() uses, and which the watches a driver
 * registers while acting for the device join, so one device's slow
 * callback holds up that device only, while no two callbacks of one
 * device ever run at once.
 *
 * Lock order, outermost first:
 *
 *   (a callback running on a device lane: lockdep map xs_device_lane)
 *   xs_state.suspend_lock   xs_suspend() until xs_resume()/..._cancel()
 *   the suspend gate        a user count, waited for like a lock
 *   xs_state.watch_rwsem
 *   xs_watches.lock
 *   xs_reqs.xa, xs_gate.lock, xs_gate.tx    (leaves)
 *
 * The unregister barrier waits for the callback of the one watch being
 * unregistered, if it is running, and for nothing else; the request path
 * never waits for a lane: replies come from the transport thread.
 * xs_lane_close() waits for whatever callback its lane is running, and
 * is called by the bus core before it unregisters a device, never with
 * the device's lock held.  Device lanes run on a freezable workqueue, so
 * a suspend waits for their callbacks before it starts, not under locks.
 */

#define pr_fmt(fmt) "xenbus: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/reboot.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#ifdef CONFIG_X86
#include <asm/xen/hypervisor.h>
#endif

#include "xenbus.h"

/* Store requests run on the writeback path: never recurse into I/O. */
#define XS_GFP			(GFP_NOIO | __GFP_HIGH)

/* Bytes of child names a DIRECTORY_PART walk may assemble at most. */
#define XS_DIR_PART_MAX		(64 * 1024)
/* Restarts of such a walk while the directory keeps changing. */
#define XS_DIR_PART_TRIES	5

static unsigned int max_queued_watch_events = 16384;
/* Below a few dozen, ordinary bursts of tool watches would lose events. */
static int xs_set_max_queued(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 64, UINT_MAX);
}

static const struct kernel_param_ops xs_max_queued_ops = {
	.set = xs_set_max_queued,
	.get = param_get_uint,
};
module_param_cb(max_queued_watch_events, &xs_max_queued_ops,
		&max_queued_watch_events, 0644);
MODULE_PARM_DESC(max_queued_watch_events,
		 "Most watch events queued for /dev/xen/xenbus files together (kernel watches are not capped)");

/* The body of the error reply an asynchronous request gets on failure. */
static const char xs_eio[] = "EIO";

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

/*
 * The suspend gate.  A kernel request counts as a user while it runs, and
 * a kernel transaction holds the gate from its START until its END.
 * xs_suspend() closes the gate and waits for both to drain, so that no
 * kernel transaction spans a save/restore.
 */
struct xs_gate {
	spinlock_t lock;	/* protects @users, @tx_held, @closed, @generation */
	unsigned int users;
	unsigned int tx_held;	/* entries in @tx */
	bool closed;
	unsigned int generation;	/* bumped by each completed resume */
	struct xarray tx;	/* ids of the kernel's open transactions */
	wait_queue_head_t enter_wq;	/* callers waiting for the gate to open */
	wait_queue_head_t drain_wq;	/* xs_suspend() waiting for users to go */
};

struct xs_reqs;

/*
 * One request.  It has up to three references: the caller's, the
 * table's (from submission until the request is resolved; it is held
 * across the wake-up of the caller, so the caller cannot free the
 * request under wake_up()), and the transport's (until ->sent).  The
 * body is copied in, so no buffer of the caller has to outlive it.
 */
struct xs_req {
	struct kref kref;
	struct xb_out out;		/* out.hdr.req_id is the wire id */
	struct kvec vec;		/* out.vec: @body */
	struct xs_reqs *tbl;
	struct list_head dead;		/* xs_reqs_fail_all()'s private list */
	unsigned long flags;		/* XS_REQ_SENT */
	u32 caller_req_id;		/* put back into the reply's header */

	/* Kernel callers: @reply and @err are published by @done. */
	wait_queue_head_t wq;
	bool done;
	int err;
	struct xb_msg *reply;

	/* Asynchronous requests. */
	xs_reply_fn cb;
	void *par;
	struct xb_msg *spare;		/* the XS_ERROR reply, should it fail */
	struct xs_gate *gate;		/* user count, dropped once resolved */

	char body[];
};

#define XS_REQ_SENT	0	/* ->sent has run, or never will */

/*
 * The requests waiting for replies.  Wire ids come from @next_id, which
 * wraps, and skip ids still in use, so a late reply can never be taken
 * for a newer request's.
 */
struct xs_reqs {
	/*
	 * In-flight requests by wire id; a request is in it exactly until
	 * it is resolved.  Its lock also protects @next_id, @broken, @send.
	 */
	struct xarray xa;
	u32 next_id;
	/*
	 * Set on a failure: requests fail with -EIO.  Cleared by
	 * xs_reset_work() once a ring reset has succeeded.
	 */
	bool broken;
	/*
	 * Nobody will answer any more (xenstored runs in this domain, which
	 * is going down): waiters stop waiting and get -EIO.  Set once, by
	 * xs_reqs_wake_all(), and read locklessly.
	 */
	bool gone;
	unsigned long nr_stray;		/* replies that matched no request */
	int (*send)(struct xs_reqs *tbl, struct xb_out *out);
};

struct xs_watches;

/*
 * A lane delivers watch events in the order they were queued, one
 * callback at a time.  The default lane is served by a kthread
 * ("xenwatch"); a device lane by @work, which the workqueue never runs on
 * two workers at once, so its order holds too.
 *
 * A device lane also runs no callback while someone acting for its
 * device outside the lane holds it (@holds, see xs_lane_enter()).  Events
 * queue up meanwhile and run, in order, once nobody does.
 *
 * reg->lock protects @events, @running, @busy, @holds and @closed.
 */
struct xs_lane {
	struct xs_watches *reg;
	struct list_head events;	/* struct xs_event.link, oldest first */
	struct xenbus_watch *running;	/* whose callback runs now, or NULL */
	wait_queue_head_t idle_wq;	/* woken each time @running is cleared */

	/* The default lane: */
	wait_queue_head_t wq;		/* the lane's thread waits here */
	struct task_struct *task;	/* the thread that serves the lane */

	/* Device lanes: */
	struct workqueue_struct *workqueue;	/* NULL for the default lane */
	struct work_struct work;
	struct kref ref;		/* owner, each watch, a queued @work */
	bool busy;			/* @work is queued or running */
	unsigned int holds;		/* xs_lane_enter()s not yet left */
	bool closed;			/* xs_lane_close(): no more callbacks */
	struct lockdep_map dep_map;	/* "a callback of this lane runs" */
};

static struct lock_class_key xs_device_lane_key;
static struct lock_class_key xs_root_lane_key;

/*
 * What we keep per registered watch: struct xenbus_watch is part of the
 * driver ABI, so its id, token and queued events live here.
 */
struct xs_watch_rec {
	struct hlist_node by_id;
	struct hlist_node by_watch;
	struct xenbus_watch *watch;
	struct xs_lane *lane;
	struct xs_watch_group *group;	/* a /dev file's watches; NULL: kernel */
	struct list_head events;	/* its queued events, oldest first */
	u32 id;
	char token[XS_TOKEN_LEN];
};

struct xs_event {
	struct list_head link;		/* on the lane */
	struct list_head wlink;		/* on the watch's record */
	struct xenbus_watch *watch;
	struct xs_watch_group *group;	/* the record's, at queueing time */
	const char *path;		/* both point into @msg */
	const char *token;
	struct xb_msg *msg;
};

struct xs_watches {
	/*
	 * Protects @list, both hashes, @next_id, the counters, @ctxs, the
	 * lanes' and the records' event lists, every registered
	 * watch's nr_pending and every watch group.  will_handle() runs
	 * under it.  @list and the hashes change only with watch_rwsem
	 * held for read as well.
	 */
	spinlock_t lock;
	struct list_head list;		/* xenbus_watch.list of each watch */
	DECLARE_HASHTABLE(by_id, 7);	/* records by token id */
	DECLARE_HASHTABLE(by_watch, 7);	/* records by watch address */
	u32 next_id;
	unsigned int nr_queued;		/* events on all lanes */
	/*
	 * User space's share: events of /dev watches (those in a group),
	 * capped at *@max_queued all together; kernel watches are never
	 * capped, their events are dropped only by will_handle().
	 */
	unsigned int nr_user_queued;
	unsigned long nr_user_dropped;	/* refused for the cap */
	const unsigned int *max_queued;
	struct list_head ctxs;		/* struct xs_lane_ctx, newest first */
	struct xs_lane lane;		/* the default lane, "xenwatch" */
};

static int xs_reboot_notify(struct notifier_block *nb, unsigned long code,
			    void *unused);
static void xs_reset_work(struct work_struct *work);

static struct xs_state {
	struct xs_reqs reqs;
	struct xs_gate gate;
	/* serialises suspends: held from xs_suspend() to resume or cancel */
	struct mutex suspend_lock;
	/*
	 * Held for read around every change to the watch registry (the gate
	 * is entered first), and for write from xs_suspend() to the end of
	 * xs_resume(), which walks the registry to re-send every watch.
	 */
	struct rw_semaphore watch_rwsem;
	struct xs_watches watches;
	/*
	 * Brings the request layer back after a ring reset, on @reset_wq
	 * (reclaim-safe like the rest of the layer; system_unbound_wq if it
	 * could not be had).
	 */
	struct work_struct reset_work;
	struct workqueue_struct *reset_wq;
	struct notifier_block reboot_nb;
	struct workqueue_struct *lanes_wq;	/* device lanes run here */
	bool started;			/* xs_init() has run */
} xs = {
	.reqs = {
		.xa = XARRAY_INIT(xs.reqs.xa, XA_FLAGS_ALLOC),
	},
	.gate = {
		.lock = __SPIN_LOCK_UNLOCKED(xs.gate.lock),
		.tx = XARRAY_INIT(xs.gate.tx, 0),
		.enter_wq = __WAIT_QUEUE_HEAD_INITIALIZER(xs.gate.enter_wq),
		.drain_wq = __WAIT_QUEUE_HEAD_INITIALIZER(xs.gate.drain_wq),
	},
	.suspend_lock = __MUTEX_INITIALIZER(xs.suspend_lock),
	.watch_rwsem = __RWSEM_INITIALIZER(xs.watch_rwsem),
	.watches = {
		.lock = __SPIN_LOCK_UNLOCKED(xs.watches.lock),
		.list = LIST_HEAD_INIT(xs.watches.list),
		.next_id = 1,
		.max_queued = &max_queued_watch_events,
		.ctxs = LIST_HEAD_INIT(xs.watches.ctxs),
		.lane = {
			.reg = &xs.watches,
			.events = LIST_HEAD_INIT(xs.watches.lane.events),
			.idle_wq = __WAIT_QUEUE_HEAD_INITIALIZER(xs.watches.lane.idle_wq),
			.wq = __WAIT_QUEUE_HEAD_INITIALIZER(xs.watches.lane.wq),
		},
	},
	.reset_work = __WORK_INITIALIZER(xs.reset_work, xs_reset_work),
	.reboot_nb = {
		.notifier_call = xs_reboot_notify,
	},
};

/* ------------------------------------------------------------------ */
/* The suspend gate                                                    */
/* ------------------------------------------------------------------ */

/*
 * A closed gate still lets everyone through while a kernel transaction
 * is open: the caller may be inside it, and the suspend waits for its
 * END.  A transaction is not tied to a task, so we cannot tell who is
 * inside; letting all through can delay the suspend but not deadlock it.
 */
static bool xs_gate_passable(struct xs_gate *g)
{
	return !READ_ONCE(g->closed) || READ_ONCE(g->tx_held);
}

static bool xs_gate_drained(struct xs_gate *g)
{
	return !READ_ONCE(g->users) && !READ_ONCE(g->tx_held);
}

/*
 * Become a user of the store.  0, or -EINTR when @killable and killed.
 * If @gen is not NULL it gets the generation, which cannot change until
 * we leave: a resume needs every user gone first.
 */
static int xs_gate_enter_gen(struct xs_gate *g, bool killable,
			     unsigned int *gen)
{
	spin_lock(&g->lock);
	while (!xs_gate_passable(g)) {
		spin_unlock(&g->lock);
		if (!killable)
			wait_event(g->enter_wq, xs_gate_passable(g));
		else if (wait_event_killable(g->enter_wq, xs_gate_passable(g)))
			return -EINTR;
		spin_lock(&g->lock);
	}
	WRITE_ONCE(g->users, g->users + 1);
	if (gen)
		*gen = g->generation;
	spin_unlock(&g->lock);
	return 0;
}

static int xs_gate_enter(struct xs_gate *g, bool killable)
{
	return xs_gate_enter_gen(g, killable, NULL);
}

/*
 * One more user for a caller that is a user already, so it never waits:
 * a closed gate is waiting for that caller to leave.
 */
static void xs_gate_enter_nested(struct xs_gate *g)
{
	spin_lock(&g->lock);
	WARN_ON_ONCE(!g->users);
	WRITE_ONCE(g->users, g->users + 1);
	spin_unlock(&g->lock);
}

static void xs_gate_check_drained(struct xs_gate *g)
{
	lockdep_assert_held(&g->lock);
	if (g->closed && !g->users && !g->tx_held)
		wake_up(&g->drain_wq);
}

static void xs_gate_exit(struct xs_gate *g)
{
	spin_lock(&g->lock);
	if (!WARN_ON_ONCE(!g->users))
		WRITE_ONCE(g->users, g->users - 1);
	xs_gate_check_drained(g);
	spin_unlock(&g->lock);
}

/* The kernel's transaction @id is open: hold the gate until its END. */
static int xs_gate_tx_hold(struct xs_gate *g, u32 id)
{
	int err = xa_insert(&g->tx, id, xa_mk_value(0), XS_GFP);

	/* xenstored reused an id we think is open: count it once. */
	if (err == -EBUSY)
		return 0;
	if (err)
		return err;

	spin_lock(&g->lock);
	WRITE_ONCE(g->tx_held, g->tx_held + 1);
	spin_unlock(&g->lock);
	/* A closed gate just became passable (see xs_gate_passable()). */
	wake_up_all(&g->enter_wq);
	return 0;
}

/* The kernel's transaction @id ended.  False if the kernel never held it. */
static bool xs_gate_tx_release(struct xs_gate *g, u32 id)
{
	if (!xa_erase(&g->tx, id))
		return false;

	spin_lock(&g->lock);
	WRITE_ONCE(g->tx_held, g->tx_held - 1);
	xs_gate_check_drained(g);
	spin_unlock(&g->lock);
	return true;
}

/* Stop new users and wait until no user and no kernel transaction is left. */
static void xs_gate_close(struct xs_gate *g)
{
	spin_lock(&g->lock);
	WRITE_ONCE(g->closed, true);
	spin_unlock(&g->lock);
	wait_event(g->drain_wq, xs_gate_drained(g));
}

/* Let users in again; @new_generation after a real save/restore. */
static void xs_gate_open(struct xs_gate *g, bool new_generation)
{
	spin_lock(&g->lock);
	if (new_generation)
		WRITE_ONCE(g->generation, g->generation + 1);
	WRITE_ONCE(g->closed, false);
	spin_unlock(&g->lock);
	wake_up_all(&g->enter_wq);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static void xs_req_release(struct kref *kref)
{
	struct xs_req *req = container_of(kref, struct xs_req, kref);

	kfree(req->reply);
	kfree(req->spare);
	kfree(req);
}

static void xs_req_put(struct xs_req *req)
{
	kref_put(&req->kref, xs_req_release);
}

static void xs_req_sent(struct xb_out *out, int err);

/*
 * A request of @type in transaction @tx_id whose body is @vec[0..@nr)
 * end to end.  An @async request gets its error reply now, so that it
 * can be answered even when memory is short and the connection breaks.
 */
static struct xs_req *xs_req_alloc(u32 type, u32 tx_id,
				   const struct kvec *vec, unsigned int nr,
				   bool async)
{
	struct xs_req *req;
	size_t len = 0;
	unsigned int i;
	char *p;

	for (i = 0; i < nr; i++) {
		if (vec[i].iov_len > XB_PAYLOAD_MAX - len)
			return ERR_PTR(-E2BIG);
		len += vec[i].iov_len;
	}

	req = kzalloc(struct_size(req, body, len), XS_GFP);
	if (!req)
		return ERR_PTR(-ENOMEM);
	if (async) {
		/* Zeroed, so the body is NUL-terminated like any xb_msg. */
		req->spare = kzalloc(struct_size(req->spare, body,
						 sizeof(xs_eio) + 1), XS_GFP);
		if (!req->spare) {
			kfree(req);
			return ERR_PTR(-ENOMEM);
		}
	}

	kref_init(&req->kref);
	init_waitqueue_head(&req->wq);
	for (p = req->body, i = 0; i < nr; i++) {
		if (vec[i].iov_len)
			memcpy(p, vec[i].iov_base, vec[i].iov_len);
		p += vec[i].iov_len;
	}
	req->vec.iov_base = req->body;
	req->vec.iov_len = len;
	req->out.hdr.type = type;
	req->out.hdr.tx_id = tx_id;
	req->out.hdr.len = len;
	req->out.vec = &req->vec;
	req->out.nr_vec = len ? 1 : 0;
	req->out.sent = xs_req_sent;
	return req;
}

/*
 * Hand @req its outcome: @reply (ours now), or none and @err.  Consumes
 * the table's reference, which the caller took out of the table.
 */
static void xs_req_resolve(struct xs_req *req, struct xb_msg *reply, int err)
{
	if (reply)
		reply->hdr.req_id = req->caller_req_id;

	if (req->cb) {
		if (!reply) {
			reply = req->spare;
			req->spare = NULL;
			reply->hdr.type = XS_ERROR;
			reply->hdr.req_id = req->caller_req_id;
			reply->hdr.tx_id = req->out.hdr.tx_id;
			reply->hdr.len = sizeof(xs_eio);
			memcpy(reply->body, xs_eio, sizeof(xs_eio));
		}
		req->cb(req->par, reply);
		/* After the callback: a suspend must not overtake its reply. */
		if (req->gate)
			xs_gate_exit(req->gate);
	} else {
		req->reply = reply;
		req->err = err;
		/* Pairs with xs_req_settled(): @reply and @err before @done. */
		smp_store_release(&req->done, true);
		wake_up(&req->wq);
	}
	xs_req_put(req);
}

/* Take @req out of its table if it is still there (not yet resolved). */
static bool xs_reqs_remove(struct xs_reqs *tbl, struct xs_req *req)
{
	return xa_cmpxchg(&tbl->xa, req->out.hdr.req_id, req, NULL, 0) == req;
}

/* The transport is done with @out: in the ring (@err 0) or never. */
static void xs_req_sent(struct xb_out *out, int err)
{
	struct xs_req *req = container_of(out, struct xs_req, out);

	if (WARN_ON_ONCE(test_and_set_bit(XS_REQ_SENT, &req->flags)))
		return;
	if (err && xs_reqs_remove(req->tbl, req))
		xs_req_resolve(req, NULL, err);
	xs_req_put(req);
}

/*
 * Give @req a wire id and hand it to the transport.  Returns 0 once the
 * request is certain to be resolved exactly once (perhaps already, with
 * an error), or -errno if it never entered the table: then nobody will
 * resolve it and an async callback is not called.
 */
static int xs_req_submit(struct xs_reqs *tbl, struct xs_req *req)
{
	int (*send)(struct xs_reqs *tbl, struct xb_out *out);
	u32 id;
	int err;

	req->tbl = tbl;
	kref_get(&req->kref);		/* the table's */

	xa_lock(&tbl->xa);
	send = tbl->send;
	if (!send) {
		err = -ENODEV;
	} else if (tbl->broken) {
		err = -EIO;
	} else {
		/* May drop the lock to allocate, hence the second look. */
		err = __xa_alloc_cyclic(&tbl->xa, &id, req, xa_limit_32b,
					&tbl->next_id, XS_GFP);
		if (err >= 0 && tbl->broken) {
			__xa_erase(&tbl->xa, id);
			err = -EIO;
		}
		if (err >= 0)
			req->out.hdr.req_id = id;
	}
	xa_unlock(&tbl->xa);

	if (err < 0) {
		xs_req_put(req);
		return err;
	}

	kref_get(&req->kref);		/* the transport's, until ->sent */
	err = send(tbl, &req->out);
	if (!err || test_and_set_bit(XS_REQ_SENT, &req->flags))
		return 0;
	/* Refused at once, and ->sent will not run: undo both references. */
	xs_req_put(req);
	if (!xs_reqs_remove(tbl, req))
		return 0;		/* xs_reqs_fail_all() resolved it */
	xs_req_put(req);
	return err;
}

/* A reply from xenstored (transport thread).  Consumes @msg. */
static void xs_reqs_deliver(struct xs_reqs *tbl, struct xb_msg *msg)
{
	struct xs_req *req = xa_erase(&tbl->xa, msg->hdr.req_id);

	if (!req) {
		/* The frame was intact, so the stream is still in step. */
		WRITE_ONCE(tbl->nr_stray, tbl->nr_stray + 1);
		pr_warn_ratelimited("dropping reply of type %u to unknown request %u\n",
				    msg->hdr.type, msg->hdr.req_id);
		kfree(msg);
		return;
	}
	xs_req_resolve(req, msg, 0);
}

/* The connection is gone: fail every request in flight, and all later. */
static void xs_reqs_fail_all(struct xs_reqs *tbl, int err)
{
	struct xs_req *req, *tmp;
	unsigned long id;
	LIST_HEAD(dead);

	xa_lock(&tbl->xa);
	tbl->broken = true;
	xa_for_each(&tbl->xa, id, req) {
		__xa_erase(&tbl->xa, id);
		list_add_tail(&req->dead, &dead);
	}
	xa_unlock(&tbl->xa);

	list_for_each_entry_safe(req, tmp, &dead, dead) {
		list_del(&req->dead);
		xs_req_resolve(req, NULL, err);
	}
}

/*
 * Nobody will answer @tbl's requests any more: every kernel caller waiting
 * for one, and every later one, gives up with -EIO.  The flag, not
 * system_state, tells them: the reboot notifier that calls this runs
 * before system_state changes, and a waiter woken too early would go
 * back to sleep for ever.
 */
static void xs_reqs_wake_all(struct xs_reqs *tbl)
{
	struct xs_req *req;
	unsigned long id;

	WRITE_ONCE(tbl->gone, true);
	xa_lock(&tbl->xa);
	xa_for_each(&tbl->xa, id, req)
		if (!req->cb)
			wake_up(&req->wq);
	xa_unlock(&tbl->xa);
}

static bool xs_req_settled(struct xs_req *req)
{
	/* Pairs with xs_req_resolve(): see @reply and @err once @done. */
	return smp_load_acquire(&req->done) || READ_ONCE(req->tbl->gone);
}

/* Wait for a kernel request's outcome.  0, or -errno without a reply. */
static int xs_req_wait(struct xs_req *req, bool killable)
{
	if (!killable)
		wait_event(req->wq, xs_req_settled(req));
	else if (wait_event_killable(req->wq, xs_req_settled(req)))
		return -EINTR;	/* the reply is dropped when it comes */

	/* As in xs_req_settled(): @err is valid once @done is seen. */
	if (!smp_load_acquire(&req->done))
		return -EIO;
	return req->err;
}

/*
 * The body of a kernel request's reply as a kmalloc()ed, NUL-terminated
 * string (*@len without the NUL), or ERR_PTR(-errno) for an error reply.
 */
static void *xs_req_take_body(struct xs_req *req, unsigned int *len)
{
	struct xb_msg *msg = req->reply;
	unsigned int n = msg->hdr.len;
	int err;

	if (msg->hdr.type == XS_ERROR) {
		err = xs_errno(msg->body, n);
		if (!err) {
			pr_warn_ratelimited("unknown error \"%*pE\" from xenstored\n",
					    (int)min(n, 16U), msg->body);
			err = EINVAL;
		}
		return ERR_PTR(-err);
	}
	if (msg->hdr.type != req->out.hdr.type) {
		pr_warn_ratelimited("reply of type %u to a request of type %u\n",
				    msg->hdr.type, req->out.hdr.type);
		return ERR_PTR(-EINVAL);
	}

	/*
	 * The message is one kmalloc()ed block whose body is NUL-terminated:
	 * moving the body to the front makes a block kfree() accepts, and
	 * spares a copy that could fail while memory is short.
	 */
	req->reply = NULL;
	memmove(msg, msg->body, n + 1);
	if (len)
		*len = n;
	return msg;
}

/* A synchronous request; the caller deals with the gate. */
static void *xs_call(struct xs_reqs *tbl, u32 type, u32 tx_id,
		     const struct kvec *vec, unsigned int nr,
		     unsigned int *len, bool killable)
{
	struct xs_req *req;
	void *ret;
	int err;

	req = xs_req_alloc(type, tx_id, vec, nr, false);
	if (IS_ERR(req))
		return ERR_CAST(req);

	err = xs_req_submit(tbl, req);
	if (!err)
		err = xs_req_wait(req, killable);
	ret = err ? ERR_PTR(err) : xs_req_take_body(req, len);
	xs_req_put(req);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Watch registry and delivery                                         */
/* ------------------------------------------------------------------ */

static struct xs_watch_rec *xs_watch_find(struct xs_watches *reg,
					  const struct xenbus_watch *watch)
{
	struct xs_watch_rec *rec;

	lockdep_assert_held(&reg->lock);
	hash_for_each_possible(reg->by_watch, rec, by_watch, (unsigned long)watch)
		if (rec->watch == watch)
			return rec;
	return NULL;
}

static struct xs_watch_rec *xs_watch_find_id(struct xs_watches *reg, u32 id)
{
	struct xs_watch_rec *rec;

	lockdep_assert_held(&reg->lock);
	hash_for_each_possible(reg->by_id, rec, by_id, id)
		if (rec->id == id)
			return rec;
	return NULL;
}

static bool xs_lane_is_device(const struct xs_lane *lane)
{
	return lane->workqueue;
}

/* May a device lane start a callback?  Not while anyone holds it. */
static bool xs_lane_runnable(const struct xs_lane *lane)
{
	lockdep_assert_held(&lane->reg->lock);
	return !lane->holds;
}

static void xs_lane_release(struct kref *ref)
{
	struct xs_lane *lane = container_of(ref, struct xs_lane, ref);

	WARN_ON_ONCE(!list_empty(&lane->events));
	kfree(lane);
}

/* References count only for device lanes; the default lane is static. */
static void xs_lane_get(struct xs_lane *lane)
{
	if (xs_lane_is_device(lane))
		kref_get(&lane->ref);
}

/**
 * xs_lane_put() - drop a reference to a lane
 * @lane: the lane, or NULL (nothing to do)
 *
 * A device lane goes once its owner has put it, no watch is registered
 * on it and it has run dry.  The default lane is never freed.
 */
void xs_lane_put(struct xs_lane *lane)
{
	if (lane && xs_lane_is_device(lane))
		kref_put(&lane->ref, xs_lane_release);
}

static void xs_lane_work(struct work_struct *work);

/*
 * The device lane the calling task acts for, if any: the innermost
 * xs_lane_enter() of this task, else the lane whose callback is running
 * on this worker.  NULL otherwise (the default lane's thread included).
 */
static struct xs_lane *xs_lane_of_current(struct xs_watches *reg)
{
	struct work_struct *work = current_work();
	struct xs_lane_ctx *ctx;
	struct xs_lane *lane;

	lockdep_assert_held(&reg->lock);
	list_for_each_entry(ctx, &reg->ctxs, link)
		if (ctx->task == current)
			return ctx->lane;
	if (work && work->func == xs_lane_work) {
		lane = container_of(work, struct xs_lane, work);
		if (lane->reg == reg)
			return lane;
	}
	return NULL;
}

static void xs_watch_rec_free(struct xs_watch_rec *rec)
{
	if (!rec)
		return;
	xs_lane_put(rec->lane);
	kfree(rec);
}

/* The event left the queue (to run, or purged): undo its counting. */
static void xs_event_uncount(struct xs_watches *reg, struct xs_event *ev)
{
	lockdep_assert_held(&reg->lock);
	ev->watch->nr_pending--;
	reg->nr_queued--;
	if (ev->group) {
		ev->group->queued--;
		reg->nr_user_queued--;
	}
}

/* Take a queued @ev off its lane and its watch, onto @purged. */
static void xs_event_unqueue(struct xs_watches *reg, struct xs_event *ev,
			     struct list_head *purged)
{
	lockdep_assert_held(&reg->lock);
	list_del(&ev->wlink);
	list_move_tail(&ev->link, purged);
	xs_event_uncount(reg, ev);
}

/*
 * Put @watch in the registry under a fresh token, its events to run on
 * @lane, or, for NULL, on the device lane the caller acts for (see
 * xs_lane_of_current()) and else on the default lane.  @group, if not
 * NULL, is the /dev file whose watches' events are bounded together.
 * Events may come now.
 *
 * Taking the caller's lane is what keeps a device's callbacks from ever
 * running concurrently: a watch that a driver registers from one of its
 * device's callbacks (netback's credit watch, from connect()) or from its
 * probe shares the lane of the device's other watches.
 */
static struct xs_watch_rec *xs_watch_add(struct xs_watches *reg,
					 struct xenbus_watch *watch,
					 struct xs_lane *lane,
					 struct xs_watch_group *group)
{
	struct xs_watch_rec *rec;
	u32 id;

	rec = kzalloc(sizeof(*rec), XS_GFP);
	if (!rec)
		return ERR_PTR(-ENOMEM);
	rec->watch = watch;
	rec->group = group;
	INIT_LIST_HEAD(&rec->events);

	spin_lock(&reg->lock);
	if (WARN_ON_ONCE(xs_watch_find(reg, watch))) {
		spin_unlock(&reg->lock);
		kfree(rec);
		return ERR_PTR(-EEXIST);
	}
	if (!lane)
		lane = xs_lane_of_current(reg) ?: &reg->lane;
	/* The lane is alive: its device, or the running callback, holds it. */
	rec->lane = lane;
	xs_lane_get(lane);
	/* Bounded: every id skipped belongs to a registered watch. */
	do {
		id = reg->next_id++;
	} while (!id || xs_watch_find_id(reg, id));
	rec->id = id;
	xs_format_token(rec->token, sizeof(rec->token), id);
	watch->nr_pending = 0;
	hash_add(reg->by_id, &rec->by_id, rec->id);
	hash_add(reg->by_watch, &rec->by_watch, (unsigned long)watch);
	list_add_tail(&watch->list, &reg->list);
	spin_unlock(&reg->lock);
	return rec;
}

static void xs_event_free(struct xs_event *ev)
{
	kfree(ev->msg);
	kfree(ev);
}

/*
 * Take @watch out of the registry, so no event is queued for it any more,
 * and drop those still queued.  Returns its record (the caller frees it
 * with xs_watch_rec_free() after xs_lane_barrier()), or NULL if @watch
 * was not registered.
 */
static struct xs_watch_rec *xs_watch_detach(struct xs_watches *reg,
					    struct xenbus_watch *watch)
{
	struct xs_event *ev, *tmp;
	struct xs_watch_rec *rec;
	LIST_HEAD(purged);

	spin_lock(&reg->lock);
	rec = xs_watch_find(reg, watch);
	if (rec) {
		hash_del(&rec->by_id);
		hash_del(&rec->by_watch);
		list_del(&watch->list);
		list_for_each_entry_safe(ev, tmp, &rec->events, wlink)
			xs_event_unqueue(reg, ev, &purged);
		if (WARN_ON_ONCE(watch->nr_pending))
			watch->nr_pending = 0;
	}
	spin_unlock(&reg->lock);

	list_for_each_entry_safe(ev, tmp, &purged, link)
		xs_event_free(ev);
	return rec;
}

/* Get @lane to run its queued events. */
static void xs_lane_kick(struct xs_lane *lane)
{
	lockdep_assert_held(&lane->reg->lock);
	if (!xs_lane_is_device(lane)) {
		wake_up(&lane->wq);
	} else if (!lane->busy && xs_lane_runnable(lane)) {
		/* The work item holds a reference until it has run dry. */
		lane->busy = true;
		kref_get(&lane->ref);
		queue_work(lane->workqueue, &lane->work);
	}
}

/* How many of a watch's newest queued events a new one is compared with. */
#define XS_COALESCE_WINDOW	32

/* Is @path among the newest queued events of @rec? */
static bool xs_event_is_queued(struct xs_watch_rec *rec, const char *path)
{
	unsigned int scanned = 0;
	struct xs_event *old;

	/*
	 * Bursts repeat recent paths, so the newest events are where a
	 * duplicate is; a bounded look keeps the registry's spinlock short
	 * even when a stalled lane has thousands queued.
	 */
	list_for_each_entry_reverse(old, &rec->events, wlink) {
		if (++scanned > XS_COALESCE_WINDOW)
			break;
		if (!strcmp(old->path, path))
			return true;
	}
	return false;
}

/*
 * A WATCH_EVENT from xenstored (transport thread).  Consumes @msg.
 *
 * In order, an event is dropped when it is malformed or for a token that
 * is not a registered watch of ours; when its device lane is closed (the
 * device is going); when the same path is still queued for the watch
 * (it has not run yet, and callbacks read the current state, so nothing
 * is lost); when it belongs to user space (a /dev watch) and user space
 * has max_queued_watch_events queued already; and when will_handle()
 * refuses it, which therefore sees only events that are queued if it
 * accepts them.  A kernel watch's event is never dropped for a cap:
 * drivers count on every state change reaching them, and Linux drops
 * kernel events only through will_handle() too.
 */
static void xs_watch_event(struct xs_watches *reg, struct xb_msg *msg)
{
	struct xenbus_watch *watch;
	const char *path, *token;
	struct xs_watch_rec *rec;
	struct xs_lane *lane;
	struct xs_event *ev;
	u32 id;

	if (xs_parse_watch_event(msg->body, msg->hdr.len, &path, &token)) {
		pr_warn_ratelimited("dropping malformed watch event\n");
		goto drop;
	}
	/* Not a token of ours (a previous kernel's, say): nobody wants it. */
	if (xs_parse_token(token, &id))
		goto drop;

	/*
	 * Never given up for want of memory: that would lose a kernel
	 * watch's event.  Retried like the message itself, on this thread,
	 * which may sleep for memory (not for the store).
	 */
	ev = kmalloc(sizeof(*ev), XS_GFP | __GFP_NOFAIL);

	spin_lock(&reg->lock);
	rec = xs_watch_find_id(reg, id);
	if (!rec)
		goto unlock;	/* unregistered: stale events are normal */
	watch = rec->watch;
	lane = rec->lane;
	if (lane->closed)
		goto unlock;	/* its device is being removed */
	if (xs_event_is_queued(rec, path))
		goto unlock;
	if (rec->group &&
	    reg->nr_user_queued >= READ_ONCE(*reg->max_queued)) {
		reg->nr_user_dropped++;
		rec->group->dropped++;
		spin_unlock(&reg->lock);
		pr_warn_ratelimited("%u watch events queued for user space, dropping more\n",
				    READ_ONCE(*reg->max_queued));
		goto free;
	}
	if (watch->will_handle && !watch->will_handle(watch, path, token))
		goto unlock;

	ev->watch = watch;
	ev->group = rec->group;
	ev->path = path;
	ev->token = token;
	ev->msg = msg;
	list_add_tail(&ev->link, &lane->events);
	list_add_tail(&ev->wlink, &rec->events);
	watch->nr_pending++;
	reg->nr_queued++;
	if (ev->group) {
		ev->group->queued++;
		reg->nr_user_queued++;
	}
	xs_lane_kick(lane);
	spin_unlock(&reg->lock);
	return;

unlock:
	spin_unlock(&reg->lock);
free:
	kfree(ev);
drop:
	kfree(msg);
}

/*
 * Run the oldest event of @lane.  Returns false if there was none; a
 * device lane is then idle until xs_lane_kick().
 *
 * The event leaves the queue and @running names its watch in one step
 * under reg->lock, so an unregister that purged the queue and then finds
 * @running naming another watch knows that its callback is over.
 */
static bool xs_lane_run_one(struct xs_lane *lane)
{
	struct xs_watches *reg = lane->reg;
	bool device = xs_lane_is_device(lane);
	struct xs_event *ev;

	spin_lock(&reg->lock);
	ev = list_first_entry_or_null(&lane->events, struct xs_event, link);
	if (ev && device && !xs_lane_runnable(lane))
		ev = NULL;	/* whoever holds it kicks the lane again */
	if (ev) {
		list_del(&ev->link);
		list_del(&ev->wlink);
		xs_event_uncount(reg, ev);
		lane->running = ev->watch;
	} else {
		lane->busy = false;
	}
	spin_unlock(&reg->lock);
	if (!ev)
		return false;

	/* The callback may unregister and free its watch: not used after. */
	if (device)
		lock_map_acquire(&lane->dep_map);
	ev->watch->callback(ev->watch, ev->path, ev->token);
	if (device)
		lock_map_release(&lane->dep_map);

	spin_lock(&reg->lock);
	lane->running = NULL;
	spin_unlock(&reg->lock);
	wake_up_all(&lane->idle_wq);
	xs_event_free(ev);
	return true;
}

static int xs_lane_thread(void *data)
{
	struct xs_lane *lane = data;

	WRITE_ONCE(lane->task, current);
	for (;;) {
		wait_event_idle(lane->wq,
				!list_empty_careful(&lane->events) ||
				kthread_should_stop());
		if (kthread_should_stop())
			return 0;
		while (xs_lane_run_one(lane))
			cond_resched();
	}
}

static void xs_lane_work(struct work_struct *work)
{
	struct xs_lane *lane = container_of(work, struct xs_lane, work);

	while (xs_lane_run_one(lane))
		cond_resched();
	/* May free the lane: its device may have gone in the last callback. */
	kref_put(&lane->ref, xs_lane_release);
}

/* Is the caller a callback that @lane is running? */
static bool xs_lane_is_current(struct xs_lane *lane)
{
	if (xs_lane_is_device(lane))
		return current_work() == &lane->work;
	return current == READ_ONCE(lane->task);
}

/*
 * The unregister barrier: wait until the callback of @watch, detached
 * already, is not running, unless we are that callback (unregistering
 * from inside one's own callback is allowed).  Other callbacks of the
 * lane are not waited for, so a callback may unregister another lane's
 * watch without deadlocking against that lane.
 */
static void xs_lane_barrier(struct xs_lane *lane, struct xenbus_watch *watch)
{
	if (xs_lane_is_current(lane))
		return;
	wait_event(lane->idle_wq, READ_ONCE(lane->running) != watch);
}

static void xs_lane_init_device(struct xs_lane *lane, struct xs_watches *reg,
				struct workqueue_struct *wq, const char *name,
				struct lock_class_key *key)
{
	lane->reg = reg;
	INIT_LIST_HEAD(&lane->events);
	init_waitqueue_head(&lane->idle_wq);
	init_waitqueue_head(&lane->wq);
	lane->workqueue = wq;
	INIT_WORK(&lane->work, xs_lane_work);
	kref_init(&lane->ref);
	lockdep_init_map(&lane->dep_map, name, key, 0);
}

/*
 * Wait until @lane runs no callback, unless the caller is that callback.
 * Lockdep sees it as taking the lane, which its callbacks hold.
 */
static void xs_lane_wait_idle(struct xs_lane *lane)
{
	if (xs_lane_is_current(lane))
		return;
	lock_map_acquire(&lane->dep_map);
	lock_map_release(&lane->dep_map);
	wait_event(lane->idle_wq, !READ_ONCE(lane->running));
}

static struct xs_lane *xs_lane_new(const char *name,
				   struct lock_class_key *key)
{
	struct xs_lane *lane;

	if (!xs.lanes_wq)
		return NULL;
	lane = kzalloc(sizeof(*lane), GFP_KERNEL);
	if (lane)
		xs_lane_init_device(lane, &xs.watches, xs.lanes_wq, name, key);
	return lane;
}

/**
 * xs_lane_create() - a new device lane
 *
 * Return: the lane, holding one reference for the caller, or NULL when
 * there is none to be had (no memory, or no workqueue for lanes); the
 * caller's watches then run on the default lane, as in Linux.
 */
struct xs_lane *xs_lane_create(void)
{
	return xs_lane_new("xs_device_lane", &xs_device_lane_key);
}

/**
 * xs_lane_create_root() - a new lane for a bus's root watch
 *
 * A device lane in all but its lockdep class: a root callback removes
 * devices, and so waits for device lanes (xs_lane_close()) while its own
 * lane is held.  Nothing waits for a root lane.
 *
 * Return: as xs_lane_create().
 */
struct xs_lane *xs_lane_create_root(void)
{
	return xs_lane_new("xs_root_lane", &xs_root_lane_key);
}

/**
 * xs_lane_close() - stop a device lane before its device goes
 * @lane: the lane, or NULL (nothing to do)
 *
 * Drops its queued events and every later one, and waits for the
 * callback it is running.  The bus core calls it before unregistering a
 * device, without the device's lock, so that the device's removal never
 * waits (through the unregister barrier) for a callback that wants the
 * lock the removal holds.
 *
 * Context: process context; sleeps.
 */
void xs_lane_close(struct xs_lane *lane)
{
	struct xs_event *ev, *tmp;
	LIST_HEAD(purged);

	if (!lane)
		return;
	spin_lock(&lane->reg->lock);
	lane->closed = true;
	list_for_each_entry_safe(ev, tmp, &lane->events, link)
		xs_event_unqueue(lane->reg, ev, &purged);
	spin_unlock(&lane->reg->lock);
	list_for_each_entry_safe(ev, tmp, &purged, link)
		xs_event_free(ev);

	xs_lane_wait_idle(lane);
}

/**
 * xs_lane_enter() - act for a device outside its lane
 * @lane: the device's lane, or NULL (nothing to do: the device shares the
 *	default lane)
 * @ctx: where to keep the state, on the caller's stack
 *
 * Until xs_lane_leave(), @lane starts no callback, and every watch that
 * this task registers with register_xenbus_watch() joins @lane.  The bus
 * core wraps a driver's probe and resume in it, so that they never run
 * concurrently with the device's callbacks (a watch registered in probe
 * fires at once) and so that the watches they register share the
 * device's lane: on Linux's single "xenwatch" that is how all of it ran.
 * The caller must not wait for a callback of @lane meanwhile.
 *
 * Context: process context; does not sleep.  Pair with xs_lane_leave() on
 * the same task.
 */
void xs_lane_enter(struct xs_lane *lane, struct xs_lane_ctx *ctx)
{
	ctx->lane = lane;
	ctx->task = current;
	if (!lane)
		return;
	spin_lock(&lane->reg->lock);
	lane->holds++;
	list_add(&ctx->link, &lane->reg->ctxs);
	spin_unlock(&lane->reg->lock);
}

/**
 * xs_lane_leave() - end an xs_lane_enter()
 * @ctx: the state xs_lane_enter() filled in
 *
 * Events that came meanwhile run now, in order.
 *
 * Context: process context; does not sleep.
 */
void xs_lane_leave(struct xs_lane_ctx *ctx)
{
	struct xs_lane *lane = ctx->lane;

	if (!lane)
		return;
	spin_lock(&lane->reg->lock);
	list_del(&ctx->link);
	if (!WARN_ON_ONCE(!lane->holds))
		lane->holds--;
	if (!list_empty(&lane->events))
		xs_lane_kick(lane);
	spin_unlock(&lane->reg->lock);
}

/* ------------------------------------------------------------------ */
/* Glue to the live connection                                         */
/* ------------------------------------------------------------------ */

static void xs_on_message(struct xb_msg *msg)
{
	if (msg->hdr.type == XS_WATCH_EVENT)
		xs_watch_event(&xs.watches, msg);
	else
		xs_reqs_deliver(&xs.reqs, msg);
}

static void xs_on_broken(int err, bool reset)
{
	pr_err_ratelimited("lost the connection to xenstored (%d), failing all requests\n",
			   err);
	xs_reqs_fail_all(&xs.reqs, -EIO);
	/* It waits for the reset, so not on a per-cpu workqueue. */
	if (reset)
		queue_work(xs.reset_wq ?: system_unbound_wq, &xs.reset_work);
}

static const struct xb_comms_ops xs_comms_ops = {
	.deliver = xs_on_message,
	.broken = xs_on_broken,
};

static int xs_transport_send(struct xs_reqs *tbl, struct xb_out *out)
{
	return xb_comms_send(out);
}

/*
 * The system is going down.  With xenstored in this domain, as a user
 * process, it may be dead already and nobody will answer us: let every
 * kernel waiter go, as the shutdown of devices that follows must not hang
 * on the store.  Another domain's xenstored keeps answering.
 */
static int xs_reboot_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	if (xen_store_domain_type == XS_LOCAL)
		xs_reqs_wake_all(&xs.reqs);
	return NOTIFY_DONE;
}

/* A kernel request outside of any suspend bookkeeping but the user count. */
static void *xs_talkv(struct xenbus_transaction t, u32 type,
		      const struct kvec *vec, unsigned int nr,
		      unsigned int *len)
{
	void *ret;

	xs_gate_enter(&xs.gate, false);
	ret = xs_call(&xs.reqs, type, t.id, vec, nr, len, false);
	xs_gate_exit(&xs.gate);
	return ret;
}

/* A request whose body is one string with its NUL. */
static void *xs_single(struct xenbus_transaction t, u32 type,
		       const char *string, unsigned int *len)
{
	struct kvec vec = { (void *)string, strlen(string) + 1 };

	return xs_talkv(t, type, &vec, 1, len);
}

/* The outcome of a request whose reply carries nothing but "OK". */
static int xs_result(void *reply)
{
	int err = PTR_ERR_OR_ZERO(reply);

	if (!err)
		kfree(reply);
	return err;
}

/* "dir/node", or "dir" when node is "", in a buffer of our own. */
static char *xs_join(const char *dir, const char *node)
{
	size_t size;
	char *buf;
	int ret;

	size = strnlen(dir, XENSTORE_ABS_PATH_MAX) +
	       strnlen(node, XENSTORE_ABS_PATH_MAX) + 2;
	size = min_t(size_t, size, XENSTORE_ABS_PATH_MAX);
	buf = kmalloc(size, XS_GFP);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	ret = xs_join_path(buf, size, dir, node);
	if (ret < 0) {
		kfree(buf);
		return ERR_PTR(ret);
	}
	return buf;
}

/*
 * One request about the node "dir/node": the body is the path with its
 * NUL, followed by @value without one when there is a value (WRITE).
 */
static void *xs_node_call(struct xenbus_transaction t, u32 type,
			  const char *dir, const char *node,
			  const char *value, unsigned int *len)
{
	struct kvec vec[2];
	void *reply;
	char *path;

	path = xs_join(dir, node);
	if (IS_ERR(path))
		return path;
	vec[0] = (struct kvec) { path, strlen(path) + 1 };
	if (value)
		vec[1] = (struct kvec) { (void *)value, strlen(value) };
	reply = xs_talkv(t, type, vec, value ? 2 : 1, len);
	kfree(path);
	return reply;
}

/* One kmalloc()ed block: the array of entries, then the strings. */
static char **xs_split_block(const char *strings, unsigned int len,
			     unsigned int *num)
{
	char **ret;
	char *copy;
	int n;

	n = xs_split_dir(strings, len, NULL, 0);
	if (n < 0) {
		pr_warn_ratelimited("malformed directory listing from xenstored\n");
		return ERR_PTR(-EINVAL);
	}
	ret = kmalloc(size_add(array_size(n, sizeof(*ret)), len), XS_GFP);
	if (!ret)
		return ERR_PTR(-ENOMEM);
	copy = (char *)(ret + n);
	memcpy(copy, strings, len);
	xs_split_dir(copy, len, (const char **)ret, n);
	*num = n;
	return ret;
}

/*
 * A listing too big for one DIRECTORY reply, from DIRECTORY_PART chunks:
 * "<generation>\0<child>\0...", the last chunk ending in an extra NUL.
 * The walk restarts when the directory changes under it.
 */
static char *xs_directory_part(struct xenbus_transaction t, const char *path,
			       unsigned int *lenp)
{
	unsigned int used = 0, tries = 0;
	char gen[24], off[12];
	bool have_gen = false;
	char *buf = NULL;

	for (;;) {
		unsigned int rlen, glen, clen;
		char *reply, *chunk, *grown;
		struct kvec vec[2];
		bool last;

		snprintf(off, sizeof(off), "%u", used);
		vec[0].iov_base = (void *)path;
		vec[0].iov_len = strlen(path) + 1;
		vec[1].iov_base = off;
		vec[1].iov_len = strlen(off) + 1;
		reply = xs_talkv(t, XS_DIRECTORY_PART, vec, 2, &rlen);
		if (IS_ERR(reply)) {
			kfree(buf);
			return reply;
		}

		glen = strnlen(reply, rlen);
		if (glen == rlen || glen >= sizeof(gen))
			goto bad;
		chunk = reply + glen + 1;
		clen = rlen - glen - 1;
		last = !clen || (chunk[clen - 1] == '\0' &&
				 (clen == 1 || chunk[clen - 2] == '\0'));
		if (last && clen)
			clen--;

		if (!have_gen) {
			memcpy(gen, reply, glen + 1);
			have_gen = true;
		} else if (strcmp(gen, reply)) {
			kfree(reply);
			kfree(buf);
			buf = NULL;
			used = 0;
			have_gen = false;
			if (++tries == XS_DIR_PART_TRIES)
				return ERR_PTR(-EBUSY);
			continue;
		}
		if (!last && !clen)
			goto bad;	/* no progress: we would loop forever */
		if (clen > XS_DIR_PART_MAX - used) {
			kfree(reply);
			kfree(buf);
			return ERR_PTR(-E2BIG);
		}

		grown = krealloc(buf, used + clen + 1, XS_GFP);
		if (!grown) {
			kfree(reply);
			kfree(buf);
			return ERR_PTR(-ENOMEM);
		}
		buf = grown;
		memcpy(buf + used, chunk, clen);
		used += clen;
		buf[used] = '\0';
		kfree(reply);
		if (last)
			break;
		continue;
bad:
		pr_warn_ratelimited("malformed DIRECTORY_PART reply from xenstored\n");
		kfree(reply);
		kfree(buf);
		return ERR_PTR(-EPROTO);
	}
	*lenp = used;
	return buf;
}

/* ------------------------------------------------------------------ */
/* Store API                                                           */
/* ------------------------------------------------------------------ */

/**
 * xenbus_directory() - list the children of a node
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @num: set to the number of children
 *
 * Listings too big for one reply are fetched in parts when xenstored
 * supports DIRECTORY_PART.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: a kmalloc()ed array of @num strings, stored in the same block
 * (one kfree() frees all), or an ERR_PTR().
 */
char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num)
{
	char *path, *strings;
	unsigned int len;
	char **ret;

	path = xs_join(dir, node);
	if (IS_ERR(path))
		return ERR_CAST(path);

	strings = xs_single(t, XS_DIRECTORY, path, &len);
	if (IS_ERR(strings) && PTR_ERR(strings) == -E2BIG) {
		char *parts = xs_directory_part(t, path, &len);

		/*
		 * If the walk fails too (an older xenstored without
		 * DIRECTORY_PART, say), the answer stays "too big".
		 */
		if (!IS_ERR(parts))
			strings = parts;
	}
	kfree(path);
	if (IS_ERR(strings))
		return ERR_CAST(strings);

	ret = xs_split_block(strings, len, num);
	kfree(strings);
	return ret;
}
EXPORT_SYMBOL_GPL(xenbus_directory);

/**
 * xenbus_exists() - does a node exist?
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 1 if the node can be listed, 0 otherwise (errors included).
 */
int xenbus_exists(struct xenbus_transaction t, const char *dir,
		  const char *node)
{
	void *reply = xs_node_call(t, XS_DIRECTORY, dir, node, NULL, NULL);

	if (!IS_ERR(reply)) {
		kfree(reply);
		return 1;
	}
	/* A listing too long for one reply still proves the node is there. */
	return PTR_ERR(reply) == -E2BIG;
}
EXPORT_SYMBOL_GPL(xenbus_exists);

/**
 * xenbus_read() - read the value of a node
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @len: if not NULL, set to the length of the value without its NUL
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: the value as a kmalloc()ed NUL-terminated string, or an
 * ERR_PTR().
 */
void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len)
{
	return xs_node_call(t, XS_READ, dir, node, NULL, len);
}
EXPORT_SYMBOL_GPL(xenbus_read);

/**
 * xenbus_write() - write the value of a node, creating it if need be
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @string: the value; its NUL is not stored
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno.
 */
int xenbus_write(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *string)
{
	return xs_result(xs_node_call(t, XS_WRITE, dir, node, string, NULL));
}
EXPORT_SYMBOL_GPL(xenbus_write);

/**
 * xenbus_mkdir() - create a node with an empty value
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno.
 */
int xenbus_mkdir(struct xenbus_transaction t, const char *dir,
		 const char *node)
{
	return xs_result(xs_node_call(t, XS_MKDIR, dir, node, NULL, NULL));
}
EXPORT_SYMBOL_GPL(xenbus_mkdir);

/**
 * xenbus_rm() - remove a node and everything below it
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 (also when the node did not exist) or -errno.
 */
int xenbus_rm(struct xenbus_transaction t, const char *dir, const char *node)
{
	return xs_result(xs_node_call(t, XS_RM, dir, node, NULL, NULL));
}
EXPORT_SYMBOL_GPL(xenbus_rm);

/**
 * xenbus_transaction_start() - start a transaction
 * @t: set to the new transaction
 *
 * Until xenbus_transaction_end() the transaction holds off save/restore:
 * xs_suspend() waits for it.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno.
 */
int xenbus_transaction_start(struct xenbus_transaction *t)
{
	struct kvec vec = { .iov_base = (void *)"", .iov_len = 1 };
	char *reply;
	u32 id;
	int err;

	/* Our user count covers the gap between the reply and the hold. */
	xs_gate_enter(&xs.gate, false);
	reply = xs_call(&xs.reqs, XS_TRANSACTION_START, 0, &vec, 1, NULL,
			false);
	if (IS_ERR(reply)) {
		err = PTR_ERR(reply);
		goto out;
	}
	err = kstrtou32(reply, 10, &id);
	kfree(reply);
	if (err || !id) {
		pr_warn_ratelimited("bad transaction id from xenstored\n");
		err = -EINVAL;
		goto out;
	}

	err = xs_gate_tx_hold(&xs.gate, id);
	if (err) {
		vec.iov_base = (void *)"F";
		vec.iov_len = 2;
		xs_result(xs_call(&xs.reqs, XS_TRANSACTION_END, id, &vec, 1,
				  NULL, false));
		goto out;
	}
	t->id = id;
out:
	xs_gate_exit(&xs.gate);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_transaction_start);

/**
 * xenbus_transaction_end() - commit or abort a transaction
 * @t: the transaction
 * @abort: non-zero to abort, zero to commit
 *
 * The transaction is over whatever the result; -EAGAIN on a commit means
 * it conflicted with another change and should be retried.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno.
 */
int xenbus_transaction_end(struct xenbus_transaction t, int abort)
{
	struct kvec vec = {
		.iov_base = (void *)(abort ? "F" : "T"),
		.iov_len = 2,
	};
	int err;

	xs_gate_enter(&xs.gate, false);
	err = xs_result(xs_call(&xs.reqs, XS_TRANSACTION_END, t.id, &vec, 1,
				NULL, false));
	/* Ending one we do not hold (twice, say) must not underflow. */
	WARN_ON_ONCE(!xs_gate_tx_release(&xs.gate, t.id));
	xs_gate_exit(&xs.gate);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_transaction_end);

/**
 * xenbus_scanf() - read a node and parse its value
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @fmt: sscanf() format
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: the number of values converted, -ERANGE if that is none, or
 * -errno from the read.
 */
int xenbus_scanf(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *fmt, ...)
{
	char *val = xenbus_read(t, dir, node, NULL);
	int converted;
	va_list ap;

	if (IS_ERR(val))
		return PTR_ERR(val);
	va_start(ap, fmt);
	converted = vsscanf(val, fmt, ap);
	va_end(ap);
	kfree(val);
	/* Callers test "< 0" for failure, so converting nothing is one. */
	return converted > 0 ? converted : -ERANGE;
}
EXPORT_SYMBOL_GPL(xenbus_scanf);

/**
 * xenbus_read_unsigned() - read an optional unsigned value
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @default_val: what to return when the node is missing or not a number
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: the value, or @default_val.
 */
unsigned int xenbus_read_unsigned(const char *dir, const char *node,
				  unsigned int default_val)
{
	unsigned int val;

	if (xenbus_scanf(XBT_NIL, dir, node, "%u", &val) <= 0)
		return default_val;
	return val;
}
EXPORT_SYMBOL_GPL(xenbus_read_unsigned);

/**
 * xenbus_printf() - format a value and write it to a node
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @fmt: printf() format
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno.
 */
int xenbus_printf(struct xenbus_transaction t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	struct va_format vaf = { .fmt = fmt };
	va_list ap;
	char *value;
	int err;

	va_start(ap, fmt);
	vaf.va = &ap;
	value = kasprintf(XS_GFP, "%pV", &vaf);
	va_end(ap);

	err = value ? xenbus_write(t, dir, node, value) : -ENOMEM;
	kfree(value);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_printf);

/* One triple of xenbus_gather(). */
static int xs_gather_one(struct xenbus_transaction t, const char *dir,
			 const char *name, const char *fmt, void *result)
{
	char *value = xenbus_read(t, dir, name, NULL);
	int converted;

	if (IS_ERR(value))
		return PTR_ERR(value);
	if (!fmt) {
		/* The caller takes the string itself. */
		*(char **)result = value;
		return 0;
	}
	converted = sscanf(value, fmt, result);
	kfree(value);
	return converted > 0 ? 0 : -EINVAL;
}

/**
 * xenbus_gather() - read several nodes of one directory
 * @t: transaction, or XBT_NIL
 * @dir: directory
 *
 * Takes a NULL-terminated list of (name, sscanf format, result pointer)
 * triples.  A NULL format stores the kmalloc()ed string itself in
 * *(char **)result.  Stops at the first failure; values read before it
 * are left in place.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0, -EINVAL when a value does not match its format, or -errno
 * from a read.
 */
int xenbus_gather(struct xenbus_transaction t, const char *dir, ...)
{
	const char *name, *fmt;
	int err = 0;
	va_list ap;

	va_start(ap, dir);
	for (name = va_arg(ap, const char *); name && !err;
	     name = va_arg(ap, const char *)) {
		fmt = va_arg(ap, const char *);
		err = xs_gather_one(t, dir, name, fmt, va_arg(ap, void *));
	}
	va_end(ap);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_gather);

/* ------------------------------------------------------------------ */
/* Watch API                                                           */
/* ------------------------------------------------------------------ */

/* XS_WATCH or XS_UNWATCH of @node under @token; the reply is "OK". */
static int xs_watch_cmd(u32 type, const char *node, const char *token,
			bool killable)
{
	struct kvec vec[2] = {
		{ .iov_base = (void *)node, .iov_len = strlen(node) + 1 },
		{ .iov_base = (void *)token, .iov_len = strlen(token) + 1 },
	};

	return xs_result(xs_call(&xs.reqs, type, 0, vec, ARRAY_SIZE(vec),
				 NULL, killable));
}

static void xs_discard_reply(void *par, struct xb_msg *reply)
{
	kfree(reply);
}

/*
 * We stopped waiting for an XS_WATCH, which xenstored may still set up:
 * take it down again, without waiting for that either.
 */
static void xs_unwatch_detached(const char *node, const char *token)
{
	struct kvec vec[2] = {
		{ .iov_base = (void *)node, .iov_len = strlen(node) + 1 },
		{ .iov_base = (void *)token, .iov_len = strlen(token) + 1 },
	};
	struct xs_req *req;

	req = xs_req_alloc(XS_UNWATCH, 0, vec, ARRAY_SIZE(vec), true);
	if (IS_ERR(req))
		return;
	req->cb = xs_discard_reply;
	xs_req_submit(&xs.reqs, req);
	xs_req_put(req);
}

/*
 * Register @watch with xenstored, its events to run on @lane (NULL: the
 * lane the caller acts for, else the default one; see xs_watch_add()).
 * @group and @killable are for watches of user space.
 */
static int xs_register(struct xenbus_watch *watch, struct xs_lane *lane,
		       struct xs_watch_group *group, bool killable)
{
	struct xs_watch_rec *rec;
	int err;

	if (WARN_ON_ONCE(!watch->node || !watch->callback))
		return -EINVAL;

	/* The gate before the rwsem: see xs_suspend(). */
	err = xs_gate_enter(&xs.gate, killable);
	if (err)
		return err;
	if (!killable) {
		down_read(&xs.watch_rwsem);
	} else if (down_read_killable(&xs.watch_rwsem)) {
		xs_gate_exit(&xs.gate);
		return -EINTR;
	}

	rec = xs_watch_add(&xs.watches, watch, lane, group);
	if (IS_ERR(rec)) {
		err = PTR_ERR(rec);
		rec = NULL;
	} else {
		err = xs_watch_cmd(XS_WATCH, watch->node, rec->token, killable);
		if (err && xs_watch_detach(&xs.watches, watch) != rec)
			rec = NULL;	/* unregistered under us: not ours */
		if (rec && err == -EINTR)
			xs_unwatch_detached(watch->node, rec->token);
	}

	up_read(&xs.watch_rwsem);
	xs_gate_exit(&xs.gate);

	if (err && rec) {
		xs_lane_barrier(rec->lane, watch);
		xs_watch_rec_free(rec);
	}
	return err;
}

/**
 * register_xenbus_watch() - start watching a node
 * @watch: the watch; node and callback must be set, will_handle may be
 *
 * xenstored fires a new watch once at once.  The callback runs in process
 * context on a lane, never concurrently with another callback of that
 * lane; it holds none of the caller's locks, but the lane is busy while
 * it runs, so it must not wait for another callback of the lane to
 * finish.  The lane is the device's when the caller acts for a device:
 * from one of its watch callbacks, or from its driver's probe or resume.
 * Otherwise it is the default lane, "xenwatch".  Either way, as on
 * Linux's single "xenwatch", a device's callbacks never run concurrently
 * with each other.  Events are dropped only when @watch->will_handle
 * refuses them.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno (the watch is then not registered).
 */
int register_xenbus_watch(struct xenbus_watch *watch)
{
	return xs_register(watch, NULL, NULL, false);
}
EXPORT_SYMBOL_GPL(register_xenbus_watch);

/**
 * xs_register_watch_on() - register_xenbus_watch() onto a given lane
 * @watch: the watch, as for register_xenbus_watch()
 * @lane: the lane its callbacks run on; NULL for the default lane
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno (the watch is then not registered).
 */
int xs_register_watch_on(struct xenbus_watch *watch, struct xs_lane *lane)
{
	return xs_register(watch, lane ?: &xs.watches.lane, NULL, false);
}

/**
 * xs_register_watch_killable() - register_xenbus_watch() for user space
 * @watch: the watch, as for register_xenbus_watch()
 * @group: the watches of one /dev/xen/xenbus file: their queued events
 *	are counted in it, under the watch registry's lock, so that the
 *	file's will_handle() can bound them all together
 *
 * The callbacks run on the default lane.  Besides will_handle(), the
 * events of all user watches together are capped at
 * max_queued_watch_events, beyond which they are dropped and counted in
 * @group->dropped.
 *
 * Context: process context; a fatal signal ends the wait.
 * Return: 0, -EINTR when killed (the watch is then not registered), or
 * -errno.
 */
int xs_register_watch_killable(struct xenbus_watch *watch,
			       struct xs_watch_group *group)
{
	return xs_register(watch, &xs.watches.lane, group, true);
}

/**
 * unregister_xenbus_watch() - stop watching a node
 * @watch: a registered watch
 *
 * A barrier: on return the callback of @watch is not running (unless the
 * caller is that callback), will not run again, and no event of @watch
 * is queued (nr_pending is 0).  May be called from a watch callback.
 *
 * Context: process context; sleeps.
 */
void unregister_xenbus_watch(struct xenbus_watch *watch)
{
	struct xs_watch_rec *rec;
	int err;

	xs_gate_enter(&xs.gate, false);
	down_read(&xs.watch_rwsem);
	rec = xs_watch_detach(&xs.watches, watch);
	if (rec) {
		/*
		 * The watch is already gone locally, so waiting for
		 * xenstored's answer only serves the log: a killed process
		 * (a /dev/xen/xenbus user, say) need not wait for a
		 * xenstored that may be dead.  Kernel threads are never
		 * killed, so for them this is the plain wait.
		 */
		err = xs_watch_cmd(XS_UNWATCH, watch->node, rec->token, true);
		if (err)
			pr_warn_ratelimited("failed to release watch on %s: %d\n",
					    watch->node, err);
	}
	up_read(&xs.watch_rwsem);
	xs_gate_exit(&xs.gate);

	if (!rec)
		return;
	xs_lane_barrier(rec->lane, watch);
	xs_watch_rec_free(rec);
}
EXPORT_SYMBOL_GPL(unregister_xenbus_watch);

/* After a save/restore xenstored knows none of our watches. */
static void xs_watches_resend(void)
{
	struct xenbus_watch *watch;
	struct xs_watch_rec *rec;
	int err;

	/* The registry cannot change: every change needs it for read. */
	lockdep_assert_held_write(&xs.watch_rwsem);
	list_for_each_entry(watch, &xs.watches.list, list) {
		spin_lock(&xs.watches.lock);
		rec = xs_watch_find(&xs.watches, watch);
		spin_unlock(&xs.watches.lock);
		if (WARN_ON_ONCE(!rec))
			continue;
		err = xs_watch_cmd(XS_WATCH, watch->node, rec->token, false);
		if (err)
			pr_warn_ratelimited("failed to re-add watch on %s: %d\n",
					    watch->node, err);
	}
}

/* ------------------------------------------------------------------ */
/* Suspend, /dev/xen/xenbus, bring-up                                  */
/* ------------------------------------------------------------------ */

/**
 * xs_suspend() - quiesce the store before save/restore
 *
 * Waits for kernel requests and kernel transactions to finish, holds off
 * new ones, parks the transport at a message boundary and freezes the
 * watch registry.  Called by do_suspend() from inside a watch callback,
 * so nothing here waits for a watch callback to finish.  Transactions of
 * user space are not waited for: they fail with EAGAIN after the resume.
 *
 * Context: process context; sleeps.  Pair with xs_resume() or
 * xs_suspend_cancel().
 */
void xs_suspend(void)
{
	mutex_lock(&xs.suspend_lock);
	/*
	 * Drain first, then take the rwsem: a registrant enters the gate
	 * before it takes the rwsem for read, so it is either drained or
	 * held off, and never holds the rwsem while waiting for the gate.
	 */
	xs_gate_close(&xs.gate);
	xb_comms_pause();
	down_write(&xs.watch_rwsem);
}

/**
 * xs_resume() - restart the store after a save/restore
 *
 * Rebinds the transport to the (possibly new) event channel, starts a
 * new generation (user transactions from before it are stale), lets
 * requests in again and re-registers every watch with xenstored.
 *
 * Context: process context; sleeps.  After xs_suspend().
 */
void xs_resume(void)
{
	int err;

	err = xb_comms_rebind();
	if (err)
		pr_err("cannot rebind the xenstore event channel: %d\n", err);
	xb_comms_unpause();
	xs_gate_open(&xs.gate, true);
	xs_watches_resend();
	up_write(&xs.watch_rwsem);
	mutex_unlock(&xs.suspend_lock);
}

/*
 * After a ring reset xenstored knows nothing of ours: every request in
 * flight has failed (-EIO), and the transactions and watches it held are
 * gone.  While the transport waits for the reset, requests keep failing
 * at once (the table is broken).  Then, as for a resume, the kernel's
 * transactions are waited for (each ends with -EIO: none may outlive the
 * old connection, or its id could name one of the new), user space's
 * become stale with a new generation, and every watch is registered
 * again, which fires each once.  If the reset failed, or the transport
 * failed again since, the table stays broken: requests keep failing with
 * -EIO, and a new failure has queued this work once more.
 */
static void xs_reset_work(struct work_struct *work)
{
	bool ok;

	mutex_lock(&xs.suspend_lock);
	ok = !xb_comms_wait_reset();
	xs_gate_close(&xs.gate);
	/*
	 * A failure sets the transport broken before it takes this lock to
	 * break the table, so it cannot slip in between this test and the
	 * store: either it is seen here, or it breaks the table after.
	 */
	xa_lock(&xs.reqs.xa);
	ok = ok && !xb_comms_broken();
	if (ok)
		xs.reqs.broken = false;
	xa_unlock(&xs.reqs.xa);

	down_write(&xs.watch_rwsem);
	xs_gate_open(&xs.gate, true);
	if (ok) {
		xs_watches_resend();
		pr_warn_ratelimited("store connection restored after a ring reset; watches registered again\n");
	}
	up_write(&xs.watch_rwsem);
	mutex_unlock(&xs.suspend_lock);
}

/**
 * xs_suspend_cancel() - undo xs_suspend() when the save did not happen
 *
 * xenstored's state is intact: no new generation, no watch to re-send.
 *
 * Context: process context.  After xs_suspend().
 */
void xs_suspend_cancel(void)
{
	up_write(&xs.watch_rwsem);
	xb_comms_unpause();
	xs_gate_open(&xs.gate, false);
	mutex_unlock(&xs.suspend_lock);
}

/**
 * xs_dev_enter() - begin a request of /dev/xen/xenbus
 * @gen: set to the current store generation
 *
 * Makes the caller a user of the store, so that no suspend and resume
 * happens until xs_dev_exit(): the generation stays what @gen says while
 * the caller decides what to do with a transaction id (a transaction of
 * an older generation is gone in xenstored, which may hand its id to
 * someone else) and sends the request with xs_request_async().
 *
 * Context: process context; waits while a suspend is in progress.
 * Return: 0, or -EINTR when a fatal signal ended the wait.
 */
int xs_dev_enter(unsigned int *gen)
{
	return xs_gate_enter_gen(&xs.gate, true, gen);
}

/**
 * xs_dev_exit() - end what xs_dev_enter() began
 */
void xs_dev_exit(void)
{
	xs_gate_exit(&xs.gate);
}

/**
 * xs_request_async() - send a request for /dev/xen/xenbus
 * @hdr: the header user space wrote; req_id is given back with the reply
 * @body: @hdr->len bytes, copied before this returns
 * @cb: gets the reply, on the transport thread; must not sleep on the store
 * @par: passed to @cb
 *
 * The request holds off a suspend while in flight.  A transaction it
 * starts does not.
 *
 * Context: process context, between xs_dev_enter() and xs_dev_exit();
 * does not wait for xenstored.
 * Return: 0, after which @cb is called exactly once (with a synthesised
 * XS_ERROR "EIO" reply if the connection breaks), or -errno, after which
 * it is not called at all.
 */
int xs_request_async(const struct xsd_sockmsg *hdr, const void *body,
		     xs_reply_fn cb, void *par)
{
	struct kvec vec = { .iov_base = (void *)body, .iov_len = hdr->len };
	struct xs_req *req;
	int err;

	req = xs_req_alloc(hdr->type, hdr->tx_id, &vec, 1, true);
	if (IS_ERR(req))
		return PTR_ERR(req);
	req->caller_req_id = hdr->req_id;
	req->cb = cb;
	req->par = par;
	req->gate = &xs.gate;

	/* Its own count, until the reply is in: the caller's ends sooner. */
	xs_gate_enter_nested(&xs.gate);
	err = xs_req_submit(&xs.reqs, req);
	if (err)
		xs_gate_exit(&xs.gate);
	xs_req_put(req);
	return err;
}

/**
 * xs_abort_user_transaction() - abort a transaction of /dev/xen/xenbus
 * @tx_id: the transaction
 * @gen: the store generation it was started in
 *
 * Sends TRANSACTION_END "F" for a transaction that user space left open,
 * leaving the kernel's transaction accounting alone.  If a resume came
 * since @gen, xenstored has forgotten the transaction and may have given
 * its id to another: then nothing is sent.  The generation is compared
 * inside the suspend gate, so no resume can come in between.
 *
 * Context: process context (the release work), never the transport
 * thread; sleeps until xenstored answers.
 * Return: 0 (also when nothing was sent) or -errno.
 */
int xs_abort_user_transaction(u32 tx_id, unsigned int gen)
{
	struct kvec vec = { .iov_base = (void *)"F", .iov_len = 2 };
	unsigned int now;
	int err = 0;

	xs_gate_enter_gen(&xs.gate, false, &now);
	if (now == gen)
		err = xs_result(xs_call(&xs.reqs, XS_TRANSACTION_END, tx_id,
					&vec, 1, NULL, false));
	xs_gate_exit(&xs.gate);
	return err;
}

/* Xen before 4.0 mishandles unknown requests (the "strict xenbus" quirk). */
static bool xs_strict_xenbus(void)
{
#ifdef CONFIG_X86
	u32 base = xen_cpuid_base();

	return base && (cpuid_eax(base + 1) >> 16) < 4;
#else
	return false;
#endif
}

/*
 * A kexec'ed HVM guest inherits the previous kernel's watches: have
 * xenstored drop them, when it says it can.
 */
static void xs_drop_stale_watches(void)
{
	bool supported;
	int err;

	/* Only an HVM guest can inherit watches, from a kernel it kexec()ed. */
	if (!xen_hvm_domain() || xen_initial_domain() || xs_strict_xenbus())
		return;
	supported = xenbus_read_unsigned("control", "platform-feature-xs_reset_watches", 0);
	err = supported ? xs_result(xs_single(XBT_NIL, XS_RESET_WATCHES, "", NULL)) : 0;
	/* EEXIST: nothing was left to drop. */
	if (err && err != -EEXIST)
		pr_warn("cannot reset watches: %d\n", err);
}

/**
 * xs_debugfs_dir() - the xenbus directory in debugfs
 *
 * Created on first use, so that every layer can add its files whatever
 * order they start in.
 *
 * Return: the directory, or an ERR_PTR() that debugfs_create_*() accept
 * (they then create nothing).
 */
struct dentry *xs_debugfs_dir(void)
{
	static DEFINE_MUTEX(lock);
	static struct dentry *dir;

	mutex_lock(&lock);
	if (!dir)
		dir = debugfs_create_dir("xenbus", NULL);
	mutex_unlock(&lock);
	return dir;
}

/*
 * debugfs xenbus/counters: "key value" lines (Documentation/abi.rst).
 * A snapshot for people, read without the locks.
 */
static int xs_counters_show(struct seq_file *m, void *unused)
{
	struct xs_watches *reg = &xs.watches;
	unsigned int queued, user_queued;
	unsigned long user_dropped;

	spin_lock(&reg->lock);
	queued = reg->nr_queued;
	user_queued = reg->nr_user_queued;
	user_dropped = reg->nr_user_dropped;
	spin_unlock(&reg->lock);

	seq_printf(m, "stray_replies %lu\n", READ_ONCE(xs.reqs.nr_stray));
	seq_printf(m, "watch_events_queued %u\n", queued);
	seq_printf(m, "watch_events_user_queued %u\n", user_queued);
	seq_printf(m, "watch_events_user_dropped %lu\n", user_dropped);
	seq_printf(m, "watch_events_user_max %u\n",
		   READ_ONCE(*reg->max_queued));
	return 0;
}

/**
 * xs_watch_group_read() - a consistent look at a watch group's counters
 * @group: the group
 * @queued: set to its events waiting on lanes
 * @dropped: set to those the watch layer or its will_handle() refused
 *
 * Context: any process context; takes the watch registry's lock.
 */
void xs_watch_group_read(const struct xs_watch_group *group,
			 unsigned int *queued, unsigned long *dropped)
{
	spin_lock(&xs.watches.lock);
	*queued = group->queued;
	*dropped = group->dropped;
	spin_unlock(&xs.watches.lock);
}
DEFINE_SHOW_ATTRIBUTE(xs_counters);

/**
 * xs_init() - start the request layer on an initialised store
 *
 * Starts the transport, the "xenwatch" thread and the workqueue of the
 * device lanes, then drops watches a previous kernel may have left.
 *
 * Context: process context, once.
 * Return: 0 or -errno.
 */
int xs_init(void)
{
	struct task_struct *task;
	int err;

	if (WARN_ON_ONCE(xs.started))
		return -EBUSY;

	err = register_reboot_notifier(&xs.reboot_nb);
	if (err)
		return err;
	/* Before the transport starts: it may fail at its first read. */
	xs.reset_wq = alloc_workqueue("xenbus_reset",
				      WQ_UNBOUND | WQ_MEM_RECLAIM, 1);
	err = xb_comms_init(&xs_comms_ops);
	if (err) {
		unregister_reboot_notifier(&xs.reboot_nb);
		return err;
	}
	/*
	 * Without it devices share the default lane, as in Linux: slower to
	 * recover from a stuck callback, not wrong.  Reclaim-safe, as the
	 * "xenwatch" kthread is: a lane may be what writeback waits for.
	 *
	 * Freezable, so that a suspend or hibernation sees device callbacks
	 * as Linux's single "xenwatch" makes them look to do_suspend(),
	 * which runs on it: the freezer, before any device's .freeze, waits
	 * for the callbacks running (failing the suspend after its timeout
	 * rather than hanging), and none starts again until the processes
	 * are thawed, after every .restore.  So no driver sees its other end
	 * move between its freeze and its restore, and no PM callback, run
	 * under the device lock, ever waits for a callback that may want
	 * that lock.
	 */
	xs.lanes_wq = alloc_workqueue("xenbus_lanes",
				      WQ_UNBOUND | WQ_MEM_RECLAIM |
				      WQ_FREEZABLE, 0);
	if (!xs.lanes_wq)
		pr_warn("no workqueue for device lanes: sharing xenwatch\n");
	task = kthread_run(xs_lane_thread, &xs.watches.lane, "xenwatch");
	if (IS_ERR(task))
		return PTR_ERR(task);	/* the transport cannot be stopped */

	xa_lock(&xs.reqs.xa);
	xs.reqs.send = xs_transport_send;
	xa_unlock(&xs.reqs.xa);
	xs.started = true;
	debugfs_create_file("counters", 0400, xs_debugfs_dir(), NULL,
			    &xs_counters_fops);

	xs_drop_stale_watches();
	return 0;
}

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_xs_test.c"
#endif
