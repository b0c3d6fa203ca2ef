// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/xen/xenbus: xenstore for user space.
 *
 * This file owns the character device through which user-space xenstore
 * clients (libxenstore, xenstore-read, ...) talk to xenstored over the
 * kernel's own connection, and the same file_operations that xenfs shows
 * as /proc/xen/xenbus.  Each open file is one client: it writes raw
 * xsd_sockmsg requests and reads back replies and watch events.
 *
 * The kernel stands between the client and xenstored in three places:
 *
 *  - WATCH and UNWATCH are served here with kernel watches, so that the
 *    client's tokens never collide with anyone else's and its watches go
 *    away when the file is closed;
 *  - transactions are tracked per file, so a request naming a
 *    transaction this file does not own is refused, a transaction that
 *    did not survive a suspend/resume is answered locally, and the
 *    transactions of a file that is closed (or whose owner is killed) are
 *    aborted;
 *  - every queue is bounded without ever making write() wait for the
 *    client to read: watch events a client does not read are dropped
 *    beyond max_user_watch_events per file; write() waits (for
 *    xenstored, never for the client) while max_user_requests requests
 *    are in flight; and once max_user_reply_bytes of replies lie unread,
 *    write() refuses new requests with ENOBUFS.
 *
 * Replies from xenstored arrive on the transport thread, which must never
 * wait for the store itself.  The reply path therefore only takes a
 * spinlock and drops a reference; whatever has to talk to the store when
 * the last reference goes (unregistering watches, aborting transactions)
 * runs from a work item.
 */

#define pr_fmt(fmt) "xenbus_dev: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <kunit/static_stub.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xenbus.h"

static unsigned int max_user_watch_events = 1024;
module_param(max_user_watch_events, uint, 0644);
MODULE_PARM_DESC(max_user_watch_events,
		 "Watch events queued per open /dev/xen/xenbus before new ones are dropped (at least 1)");

static unsigned int max_user_requests = 128;
module_param(max_user_requests, uint, 0644);
MODULE_PARM_DESC(max_user_requests,
		 "Requests per open /dev/xen/xenbus in flight to xenstored before write() waits for xenstored (at least 1)");

/*
 * Linux lets a client pipeline without bound; this only stops one that
 * never reads.  300 pipelined 4 KiB replies are 1.2 MiB.
 */
static unsigned int max_user_reply_bytes = 8 << 20;
module_param(max_user_reply_bytes, uint, 0644);
MODULE_PARM_DESC(max_user_reply_bytes,
		 "Bytes of replies an open /dev/xen/xenbus may leave unread before write() fails with ENOBUFS (at least 4112)");

/* One request as written by user space: header and body, at most 4096 bytes. */
#define XSDEV_MSG_SIZE		XENSTORE_PAYLOAD_MAX

/*
 * Room for the body of any reply the kernel makes up itself: "OK" or the
 * longest error string of the protocol, with their NUL.
 */
#define XSDEV_SHORT_BODY	16

/* A request being assembled from one or more write() calls. */
struct xsdev_msgbuf {
	unsigned int have;		/* bytes of @m received so far */
	union {
		struct xsd_sockmsg hdr;
		char raw[XSDEV_MSG_SIZE];
	} m;
};

/* A transaction this file started, as far as the kernel knows it. */
struct xsdev_trans {
	struct list_head list;		/* in xsdev_file.trans */
	u32 id;				/* 0 until xenstored has answered START */
	unsigned int gen;		/* the store's generation when started */
};

/* A watch registered on behalf of the file. */
struct xsdev_watch {
	struct xenbus_watch watch;	/* .node points into @strings */
	struct list_head list;		/* in xsdev_file.watches */
	struct xsdev_file *file;
	const char *token;		/* the user's token, into @strings */
	char strings[];			/* path NUL token NUL */
};

/*
 * A request in flight to xenstored; holds a reference on @file.  The body
 * is not kept: xs_request_async() copies it.
 */
struct xsdev_req {
	struct xsdev_file *file;
	struct xsdev_trans *start;	/* the holder a START reply fills */
	struct xsd_sockmsg hdr;
};

/* State of one open /dev/xen/xenbus. */
struct xsdev_file {
	/*
	 * Serialises writers; protects @mb and @watches.  Held across calls
	 * that wait for xenstored (watch registration), so nothing running
	 * on the transport or watch threads may take it.  Taken before @lock.
	 */
	struct mutex msg_mutex;
	struct xsdev_msgbuf mb;
	struct list_head watches;	/* struct xsdev_watch */

	/*
	 * Serialises readers; protects @read_off.  Only a holder removes the
	 * head of @out, so it may copy from that head without @lock.  Taken
	 * before @lock.
	 */
	struct mutex read_mutex;
	unsigned int read_off;		/* bytes of the head of @out already read */

	/*
	 * Protects @out, @trans, @nr_inflight, @reply_bytes, @nr_events and
	 * @nr_dropped.  Taken from the transport and watch threads: never
	 * held across anything that sleeps, copies to or from user space or
	 * calls the store.
	 */
	spinlock_t lock;
	struct list_head out;		/* struct xb_msg to read, oldest first */
	struct list_head trans;		/* struct xsdev_trans */
	unsigned int nr_inflight;	/* sent to xenstored, not answered */
	size_t reply_bytes;		/* of the replies on @out */
	unsigned int nr_events;		/* watch events on @out */
	unsigned long nr_dropped;	/* watch events dropped by the callback */

	/* The watch layer counts our watches' events here, under its lock. */
	struct xs_watch_group group;

	wait_queue_head_t read_wq;	/* something was added to @out */
	wait_queue_head_t write_wq;	/* @nr_inflight went down */

	/* On xsdev_files.list while open, for debugfs. */
	struct list_head node;
	pid_t opener;			/* thread group that opened it */
	char comm[TASK_COMM_LEN];

	/* One for the open file, one per request in flight. */
	struct kref kref;
	/* Final teardown; it calls the store, so never on the transport thread. */
	struct work_struct cleanup;
};

enum xsdev_verdict {
	XSDEV_SEND,			/* pass the request on to xenstored */
	XSDEV_ACK,			/* answer "OK" locally */
	XSDEV_REFUSE,			/* answer with an error locally */
};

static unsigned int xsdev_event_cap(void)
{
	return max(READ_ONCE(max_user_watch_events), 1U);
}

static unsigned int xsdev_request_cap(void)
{
	return max(READ_ONCE(max_user_requests), 1U);
}

/* Room for at least one reply of the largest size. */
static size_t xsdev_reply_bytes_cap(void)
{
	return max_t(size_t, READ_ONCE(max_user_reply_bytes),
		     sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX);
}

static size_t xsdev_msg_size(const struct xb_msg *m)
{
	return sizeof(m->hdr) + m->hdr.len;
}

/* ------------------------------------------------------------------ */
/* Assembling requests from write() calls                              */
/* ------------------------------------------------------------------ */

static void xsdev_msg_reset(struct xsdev_msgbuf *mb)
{
	mb->have = 0;
}

/**
 * xsdev_msg_feed() - add bytes from @from to the request being assembled
 * @mb: the partial request
 * @from: the bytes written; advanced past those taken
 *
 * Takes no more bytes than the current request needs, so whatever follows
 * in @from is the start of the next one.  A header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes is refused with -E2BIG as soon as it is
 * complete; a request that does not fit the 4096-byte buffer (a body over
 * 4080 bytes) is refused with -EINVAL as soon as bytes beyond the buffer
 * are offered.  Both errors drop the partial request.  A fault (-EFAULT)
 * may leave part of @from's bytes taken: the caller puts @mb->have back
 * to what it was, so that the client can write them again.
 *
 * Return: 1 when a request is complete, 0 when @from ran out first, or a
 * negative errno.
 */
static int xsdev_msg_feed(struct xsdev_msgbuf *mb, struct iov_iter *from)
{
	const size_t hdr_size = sizeof(mb->m.hdr);
	size_t want, take;

	if (mb->have < hdr_size) {
		take = min(hdr_size - mb->have, iov_iter_count(from));
		if (!copy_from_iter_full(mb->m.raw + mb->have, take, from))
			return -EFAULT;
		mb->have += take;
		if (mb->have < hdr_size)
			return 0;
	}

	want = hdr_size + (size_t)mb->m.hdr.len - mb->have;
	take = min(want, iov_iter_count(from));
	if (take > sizeof(mb->m.raw) - mb->have) {
		xsdev_msg_reset(mb);
		return -EINVAL;
	}
	if (mb->m.hdr.len > XENSTORE_PAYLOAD_MAX) {
		xsdev_msg_reset(mb);
		return -E2BIG;
	}
	if (!copy_from_iter_full(mb->m.raw + mb->have, take, from))
		return -EFAULT;
	mb->have += take;
	return take == want;
}

/* ------------------------------------------------------------------ */
/* The read queue                                                      */
/* ------------------------------------------------------------------ */

/* A message for the file that the kernel makes up, allocated in advance. */
static struct xb_msg *xsdev_short_alloc(void)
{
	struct xb_msg *m;

	return kmalloc(struct_size(m, body, XSDEV_SHORT_BODY), GFP_KERNEL);
}

/*
 * Answer @req locally with @spare: "OK" with the request's type when @err
 * is 0, else XS_ERROR carrying the protocol's name for @err.  The reply
 * keeps the request's req_id and tx_id, and only the bytes of its body go
 * to user space.
 */
static void xsdev_reply_local(struct xsdev_file *f, struct xb_msg *spare,
			      const struct xsd_sockmsg *req, int err)
{
	const char *str = err ? xs_errstr(err) : "OK";
	size_t len;

	if (!str)
		str = xs_errstr(EINVAL);
	len = strlen(str) + 1;
	if (WARN_ON_ONCE(len > XSDEV_SHORT_BODY)) {
		str = "EIO";
		len = sizeof("EIO");
	}

	spare->hdr.type = err ? XS_ERROR : req->type;
	spare->hdr.req_id = req->req_id;
	spare->hdr.tx_id = req->tx_id;
	spare->hdr.len = len;
	memcpy(spare->body, str, len);

	spin_lock(&f->lock);
	list_add_tail(&spare->list, &f->out);
	f->reply_bytes += xsdev_msg_size(spare);
	spin_unlock(&f->lock);
	wake_up_interruptible(&f->read_wq);
}

static bool xsdev_has_output(struct xsdev_file *f)
{
	return !list_empty(&f->out);
}

/* May another request go to xenstored?  Only xenstored can make room. */
static bool xsdev_has_room(struct xsdev_file *f)
{
	return READ_ONCE(f->nr_inflight) < xsdev_request_cap();
}

/* Has the client left too many replies unread to ask for more? */
static bool xsdev_replies_piled_up(struct xsdev_file *f)
{
	return READ_ONCE(f->reply_bytes) >= xsdev_reply_bytes_cap();
}

/*
 * Copy queued messages into @to as one byte stream.  A message only
 * partly copied stays at the head with @read_off marking the rest.
 */
static ssize_t xsdev_read(struct xsdev_file *f, struct iov_iter *to,
			  bool nonblock)
{
	size_t done = 0;
	int err;

	if (!iov_iter_count(to))
		return 0;
	if (mutex_lock_interruptible(&f->read_mutex))
		return -ERESTARTSYS;

	if (!xsdev_has_output(f)) {
		err = -EAGAIN;
		if (nonblock)
			goto out;
		err = wait_event_interruptible(f->read_wq, xsdev_has_output(f));
		if (err)
			goto out;
	}

	while (iov_iter_count(to)) {
		struct xb_msg *m;
		size_t size, chunk, copied;

		spin_lock(&f->lock);
		m = list_first_entry_or_null(&f->out, struct xb_msg, list);
		spin_unlock(&f->lock);
		if (!m)
			break;

		/* The header and the body lie back to back. */
		size = sizeof(m->hdr) + m->hdr.len;
		chunk = min(size - f->read_off, iov_iter_count(to));
		copied = copy_to_iter((char *)&m->hdr + f->read_off, chunk, to);
		f->read_off += copied;
		done += copied;
		if (copied < chunk)
			break;
		if (f->read_off < size)
			continue;

		f->read_off = 0;
		spin_lock(&f->lock);
		list_del(&m->list);
		if (m->hdr.type == XS_WATCH_EVENT)
			WRITE_ONCE(f->nr_events, f->nr_events - 1);
		else
			WRITE_ONCE(f->reply_bytes, f->reply_bytes - size);
		spin_unlock(&f->lock);
		kfree(m);
	}
	err = done ? 0 : -EFAULT;
out:
	mutex_unlock(&f->read_mutex);
	if (done)
		return done;
	return err;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                        */
/* ------------------------------------------------------------------ */

static struct xsdev_trans *xsdev_tx_find(struct xsdev_file *f, u32 id)
{
	struct xsdev_trans *t;

	lockdep_assert_held(&f->lock);
	list_for_each_entry(t, &f->trans, list)
		if (t->id == id)
			return t;
	return NULL;
}

/**
 * xsdev_tx_admit() - decide what to do with a request, as to transactions
 * @f: the file
 * @msg: the request, body after the header, already checked by
 *	xs_user_msg_check()
 * @gen: the current store generation, from xs_dev_enter()
 * @fresh: a holder for a TRANSACTION_START, else NULL
 * @err: where to put the positive errno for XSDEV_REFUSE
 *
 * A request inside a transaction this file does not hold is refused with
 * ENOENT.  Ending a transaction that a suspend/resume has since cut off
 * (its generation is not @gen) is answered locally without asking
 * xenstored, which no longer knows it: a commit gets EAGAIN as if it had
 * conflicted, an abort gets OK.  On XSDEV_SEND a START links @fresh, id 0,
 * for its reply to fill in.
 *
 * Return: what to do with the request.
 */
static enum xsdev_verdict xsdev_tx_admit(struct xsdev_file *f,
					 const struct xsd_sockmsg *msg,
					 unsigned int gen,
					 struct xsdev_trans *fresh, int *err)
{
	const char *body = (const char *)(msg + 1);
	enum xsdev_verdict v = XSDEV_SEND;
	struct xsdev_trans *t;

	spin_lock(&f->lock);
	if (msg->tx_id) {
		t = xsdev_tx_find(f, msg->tx_id);
		if (!t) {
			*err = ENOENT;
			v = XSDEV_REFUSE;
			goto out;
		}
		if (msg->type == XS_TRANSACTION_END && t->gen != gen) {
			list_del(&t->list);
			kfree(t);
			if (body[0] == 'T') {
				*err = EAGAIN;
				v = XSDEV_REFUSE;
			} else {
				v = XSDEV_ACK;
			}
			goto out;
		}
		if (t->gen != gen) {
			/*
			 * xenstored forgot this transaction at the resume and
			 * may since have handed its id to someone else: never
			 * forward it.  EAGAIN makes the client start over, as
			 * its commit would have to anyway.
			 */
			*err = EAGAIN;
			v = XSDEV_REFUSE;
			goto out;
		}
	}
	if (fresh) {
		fresh->id = 0;
		fresh->gen = gen;
		list_add_tail(&fresh->list, &f->trans);
	}
out:
	spin_unlock(&f->lock);
	return v;
}

/* A request that was admitted could not be sent after all. */
static void xsdev_tx_abandon(struct xsdev_file *f, struct xsdev_trans *fresh)
{
	if (!fresh)
		return;
	spin_lock(&f->lock);
	list_del(&fresh->list);
	spin_unlock(&f->lock);
	kfree(fresh);
}

/* Update the transactions for xenstored's answer to @req. */
static void xsdev_tx_settle(struct xsdev_file *f, struct xsdev_req *req,
			    const struct xb_msg *reply)
{
	struct xsdev_trans *t, *old;
	u32 id;

	lockdep_assert_held(&f->lock);
	switch (req->hdr.type) {
	case XS_TRANSACTION_START:
		t = req->start;
		if (reply->hdr.type == XS_TRANSACTION_START &&
		    !kstrtou32(reply->body, 10, &id) && id) {
			/*
			 * A holder with the same id can only be one a
			 * suspend/resume cut off: xenstored has reused the
			 * number.  Forget it, or ending the new transaction
			 * would find the dead one.
			 */
			old = xsdev_tx_find(f, id);
			if (old) {
				list_del(&old->list);
				kfree(old);
			}
			t->id = id;
		} else {
			list_del(&t->list);
			kfree(t);
		}
		break;
	case XS_TRANSACTION_END:
		/* Committed, aborted or unknown: it is over either way. */
		t = req->hdr.tx_id ? xsdev_tx_find(f, req->hdr.tx_id) : NULL;
		if (t) {
			list_del(&t->list);
			kfree(t);
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Requests passed on to xenstored                                     */
/* ------------------------------------------------------------------ */

static void xsdev_file_last_ref(struct kref *kref);

/* xs_reply_fn: runs on the transport thread, so it must not wait. */
static void xsdev_req_done(void *par, struct xb_msg *reply)
{
	struct xsdev_req *req = par;
	struct xsdev_file *f = req->file;

	/* The read side counts events apart from replies; keep them apart. */
	if (unlikely(reply->hdr.type == XS_WATCH_EVENT)) {
		pr_warn_ratelimited("reply of type WATCH_EVENT to request type %u\n",
				    req->hdr.type);
		reply->hdr.type = XS_ERROR;
		reply->hdr.len = 0;
	}

	spin_lock(&f->lock);
	xsdev_tx_settle(f, req, reply);
	list_add_tail(&reply->list, &f->out);
	WRITE_ONCE(f->nr_inflight, f->nr_inflight - 1);
	f->reply_bytes += xsdev_msg_size(reply);
	spin_unlock(&f->lock);
	wake_up_interruptible(&f->read_wq);
	wake_up_interruptible(&f->write_wq);

	kfree(req);
	kref_put(&f->kref, xsdev_file_last_ref);
}

/*
 * Pass @msg (body after the header) on to xenstored, or answer it locally
 * with @spare when the transaction rules say so or it cannot be sent.
 * Either way exactly one reply will reach the read queue, and @spare is
 * used or freed.  Between xs_dev_enter() and xs_dev_exit(), so that @gen
 * is still the store's generation when the request goes out.
 */
static void xsdev_send(struct xsdev_file *f, const struct xsd_sockmsg *msg,
		       unsigned int gen, struct xb_msg *spare)
{
	enum xsdev_verdict v = XSDEV_REFUSE;
	struct xsdev_trans *fresh = NULL;
	struct xsdev_req *req;
	int err = ENOMEM;
	int ret;

	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		goto answer;
	if (msg->type == XS_TRANSACTION_START) {
		fresh = kmalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			goto answer;
	}

	v = xsdev_tx_admit(f, msg, gen, fresh, &err);
	if (v != XSDEV_SEND)
		goto answer;

	req->file = f;
	req->start = fresh;
	req->hdr = *msg;

	kref_get(&f->kref);
	spin_lock(&f->lock);
	WRITE_ONCE(f->nr_inflight, f->nr_inflight + 1);
	spin_unlock(&f->lock);

	/* From here on @req may already be answered and freed. */
	ret = xs_request_async(&req->hdr, msg + 1, xsdev_req_done, req);
	if (!ret) {
		kfree(spare);
		return;
	}

	spin_lock(&f->lock);
	WRITE_ONCE(f->nr_inflight, f->nr_inflight - 1);
	spin_unlock(&f->lock);
	xsdev_tx_abandon(f, fresh);
	fresh = NULL;
	/* Never the last reference: the caller holds one. */
	kref_put(&f->kref, xsdev_file_last_ref);
	err = ret < 0 ? -ret : EIO;
	v = XSDEV_REFUSE;
answer:
	kfree(fresh);
	kfree(req);
	xsdev_reply_local(f, spare, msg, v == XSDEV_ACK ? 0 : err);
}

/*
 * Check a request from user space (xs_user_msg_check()) with this
 * domain's privilege, and say why one is refused: a client sending such
 * bodies is buggy or probing xenstored, and the log is how an
 * administrator learns which.  Returns 0 or a positive errno.
 */
static int xsdev_msg_check(const struct xsd_sockmsg *hdr, const char *body)
{
	int err;

	err = xs_user_msg_check(hdr, body,
				xen_initial_domain() ? XS_USER_PRIVILEGED : 0);
	if (err)
		pr_warn_ratelimited("%s[%d]: refusing request type %u (%u bytes): %s\n",
				    current->comm, task_tgid_nr(current),
				    hdr->type, hdr->len, xs_errstr(err));
	return err;
}

/*
 * Enter the store for a request of user space: xs_dev_enter(), which KUnit
 * redirects so that its cases choose the generation and never touch the
 * live store.
 */
static int xsdev_store_enter(unsigned int *gen)
{
	KUNIT_STATIC_STUB_REDIRECT(xsdev_store_enter, gen);
	return xs_dev_enter(gen);
}

static void xsdev_store_exit(void)
{
	KUNIT_STATIC_STUB_REDIRECT(xsdev_store_exit);
	xs_dev_exit();
}

/*
 * Send @msg, checked, within the store: 0, or -EINTR when a fatal signal
 * ended the wait for a suspend to finish (nothing was done then, @spare
 * is left to the caller).
 */
static int xsdev_send_entered(struct xsdev_file *f,
			      const struct xsd_sockmsg *msg,
			      struct xb_msg *spare)
{
	unsigned int gen;
	int err;

	err = xsdev_store_enter(&gen);
	if (err)
		return err;
	xsdev_send(f, msg, gen, spare);
	xsdev_store_exit();
	return 0;
}

/**
 * xenbus_dev_request_and_reply() - send a request on behalf of a
 *	/dev/xen/xenbus file
 * @msg: the request; its hdr.len body bytes follow the header
 * @par: the file's private state (file->private_data)
 *
 * Checks @msg as a request written to the file would be and applies the
 * file's transaction rules, then sends @msg to xenstored
 * without waiting.  The answer, xenstored's or one made up locally, is
 * queued for the file's reader with the request's req_id.  @msg is copied
 * and may be reused when this returns.
 *
 * Context: process context; may sleep.
 * Return: 0 when a reply will be queued, -ENOMEM when none could be.
 */
int xenbus_dev_request_and_reply(struct xsd_sockmsg *msg, void *par)
{
	struct xb_msg *spare = xsdev_short_alloc();
	int err;

	if (!spare)
		return -ENOMEM;
	/* The transaction rules read the body: check it first. */
	err = xsdev_msg_check(msg, (const char *)(msg + 1));
	if (!err && xsdev_send_entered(par, msg, spare))
		err = EINTR;
	if (err)
		xsdev_reply_local(par, spare, msg, err);
	return 0;
}
EXPORT_SYMBOL(xenbus_dev_request_and_reply);

/* ------------------------------------------------------------------ */
/* Watches                                                             */
/* ------------------------------------------------------------------ */

static void xsdev_event_dropped(struct xsdev_file *f)
{
	pr_warn_ratelimited("reader %u watch events behind: dropping events\n",
			    READ_ONCE(f->nr_events));
}

/*
 * will_handle: refuse events for a file already at its bound before the
 * watch layer queues them, so a reader that never reads costs nothing.
 * The bound is per file, whatever its number of watches: the events its
 * watches have waiting in the watch layer plus those on its read queue.
 * Runs under the watch registry's lock, which guards @group.
 */
static bool xsdev_watch_will_handle(struct xenbus_watch *watch,
				    const char *path, const char *token)
{
	struct xsdev_watch *w = container_of(watch, struct xsdev_watch, watch);
	struct xsdev_file *f = w->file;

	if (f->group.queued + READ_ONCE(f->nr_events) < xsdev_event_cap())
		return true;
	f->group.dropped++;
	xsdev_event_dropped(f);
	return false;
}

/* Watch callback: queue path and the user's token as a WATCH_EVENT. */
static void xsdev_watch_fired(struct xenbus_watch *watch, const char *path,
			      const char *token)
{
	struct xsdev_watch *w = container_of(watch, struct xsdev_watch, watch);
	struct xsdev_file *f = w->file;
	size_t plen = strlen(path) + 1;
	size_t tlen = strlen(w->token) + 1;
	struct xb_msg *m;

	if (READ_ONCE(f->nr_events) >= xsdev_event_cap())
		goto drop;
	/* The watch thread can be on the writeback path; no I/O, no reserves. */
	m = kmalloc(struct_size(m, body, plen + tlen), GFP_NOIO | __GFP_NOWARN);
	if (!m)
		goto drop;
	m->hdr.type = XS_WATCH_EVENT;
	m->hdr.req_id = 0;
	m->hdr.tx_id = 0;
	m->hdr.len = plen + tlen;
	memcpy(m->body, path, plen);
	memcpy(m->body + plen, w->token, tlen);

	spin_lock(&f->lock);
	if (f->nr_events >= xsdev_event_cap()) {
		spin_unlock(&f->lock);
		kfree(m);
		goto drop;
	}
	list_add_tail(&m->list, &f->out);
	WRITE_ONCE(f->nr_events, f->nr_events + 1);
	spin_unlock(&f->lock);
	wake_up_interruptible(&f->read_wq);
	return;

drop:
	spin_lock(&f->lock);
	f->nr_dropped++;
	spin_unlock(&f->lock);
	xsdev_event_dropped(f);
}

static struct xsdev_watch *xsdev_watch_find(struct xsdev_file *f,
					    const char *path, const char *token)
{
	struct xsdev_watch *w;

	lockdep_assert_held(&f->msg_mutex);
	list_for_each_entry(w, &f->watches, list)
		if (!strcmp(w->watch.node, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

/* A watch for @f, not yet registered: path and token copied in. */
static struct xsdev_watch *xsdev_watch_new(struct xsdev_file *f,
					   const char *path, const char *token)
{
	size_t plen = strlen(path) + 1;
	size_t tlen = strlen(token) + 1;
	struct xsdev_watch *w;

	w = kzalloc(struct_size(w, strings, plen + tlen), GFP_KERNEL);
	if (!w)
		return NULL;
	memcpy(w->strings, path, plen);
	memcpy(w->strings + plen, token, tlen);
	w->watch.node = w->strings;
	w->watch.will_handle = xsdev_watch_will_handle;
	w->watch.callback = xsdev_watch_fired;
	w->token = w->strings + plen;
	w->file = f;
	return w;
}

/*
 * WATCH path NUL token NUL [...]: register a kernel watch that reports to
 * this file under the user's token.  Returns 0 or a negative errno for the
 * reply.  The same path and token twice is refused, as xenstored would.
 */
static int xsdev_watch_add(struct xsdev_file *f, const char *body)
{
	const char *token = body + strlen(body) + 1;
	struct xsdev_watch *w;
	int err;

	lockdep_assert_held(&f->msg_mutex);
	if (xsdev_watch_find(f, body, token))
		return -EEXIST;
	w = xsdev_watch_new(f, body, token);
	if (!w)
		return -ENOMEM;
	/* Killable: a dead xenstored must not wedge the writer for good. */
	err = xs_register_watch_killable(&w->watch, &f->group);
	if (err) {
		kfree(w);
		return err;
	}
	list_add_tail(&w->list, &f->watches);
	return 0;
}

/* UNWATCH path NUL token NUL: always answered OK, known watch or not. */
static void xsdev_watch_del(struct xsdev_file *f, const char *body)
{
	const char *token = body + strlen(body) + 1;
	struct xsdev_watch *w;

	lockdep_assert_held(&f->msg_mutex);
	w = xsdev_watch_find(f, body, token);
	if (!w)
		return;
	list_del(&w->list);
	unregister_xenbus_watch(&w->watch);
	kfree(w);
}

/* ------------------------------------------------------------------ */
/* The file                                                            */
/* ------------------------------------------------------------------ */

/*
 * Act on the complete request in @f->mb.  Every request gets exactly one
 * reply.  Returns 0 once it is dealt with, or -errno when it could not be
 * (no memory even to say so, or a fatal signal while a suspend was in
 * progress): then nothing was done and the client may write it again.
 */
static int xsdev_dispatch(struct xsdev_file *f)
{
	const struct xsd_sockmsg *hdr = &f->mb.m.hdr;
	const char *body = f->mb.m.raw + sizeof(*hdr);
	struct xb_msg *spare;
	int err;

	lockdep_assert_held(&f->msg_mutex);
	spare = xsdev_short_alloc();
	if (!spare)
		return -ENOMEM;

	err = xsdev_msg_check(hdr, body);
	if (!err) {
		switch (hdr->type) {
		case XS_WATCH:
			err = -xsdev_watch_add(f, body);
			break;
		case XS_UNWATCH:
			xsdev_watch_del(f, body);
			break;
		default:
			err = xsdev_send_entered(f, hdr, spare);
			if (err)
				kfree(spare);
			return err;
		}
	}
	xsdev_reply_local(f, spare, hdr, err);
	return 0;
}

/*
 * Wait until a new request may start: fewer than max_user_requests in
 * flight.  Only xenstored's answers make room, never the client's reads,
 * so a client that pipelines without reading cannot wedge itself here.
 */
static int xsdev_wait_for_room(struct xsdev_file *f, bool nonblock)
{
	if (xsdev_replies_piled_up(f)) {
		pr_warn_ratelimited("reader leaves %zu bytes of replies unread: refusing requests\n",
				    READ_ONCE(f->reply_bytes));
		return -ENOBUFS;
	}
	if (xsdev_has_room(f))
		return 0;
	if (nonblock)
		return -EAGAIN;
	return wait_event_interruptible(f->write_wq, xsdev_has_room(f));
}

/*
 * The write side.  Requests may arrive in pieces or several at once; like
 * Linux's, it never waits for the client to read.  The bytes of a request
 * that cannot be dealt with now (no room, a fault, no memory) are not
 * consumed, and what earlier write() calls gave of it is kept, so the
 * client can retry with the same bytes and the stream stays in step.  On
 * an error the bytes of every request already accepted count as written
 * and the rest does not; with nothing accepted the error is returned.
 */
static ssize_t xsdev_write(struct xsdev_file *f, struct iov_iter *from,
			   bool nonblock)
{
	size_t total = iov_iter_count(from);
	size_t accepted = 0;
	unsigned int had;
	int ret = 0;

	if (!total)
		return 0;
	if (mutex_lock_interruptible(&f->msg_mutex))
		return -ERESTARTSYS;

	while (iov_iter_count(from)) {
		if (!f->mb.have) {
			ret = xsdev_wait_for_room(f, nonblock);
			if (ret)
				break;
		}
		had = f->mb.have;
		ret = xsdev_msg_feed(&f->mb, from);
		if (ret == -EFAULT)
			f->mb.have = had;
		if (ret <= 0)
			break;
		ret = xsdev_dispatch(f);
		if (ret) {
			f->mb.have = had;
			break;
		}
		xsdev_msg_reset(&f->mb);
		accepted = total - iov_iter_count(from);
	}
	mutex_unlock(&f->msg_mutex);

	if (ret < 0 && !accepted)
		return ret;
	if (ret < 0)
		return accepted;
	return total - iov_iter_count(from);
}

static struct xsdev_file *xsdev_file_alloc(void)
{
	struct xsdev_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	mutex_init(&f->msg_mutex);
	INIT_LIST_HEAD(&f->watches);
	mutex_init(&f->read_mutex);
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->out);
	INIT_LIST_HEAD(&f->trans);
	init_waitqueue_head(&f->read_wq);
	init_waitqueue_head(&f->write_wq);
	INIT_LIST_HEAD(&f->node);
	kref_init(&f->kref);
	return f;
}

/* Every open file, for debugfs. */
static struct {
	struct mutex lock;	/* protects @list; taken before xsdev_file.lock */
	struct list_head list;	/* struct xsdev_file.node */
} xsdev_files = {
	.lock = __MUTEX_INITIALIZER(xsdev_files.lock),
	.list = LIST_HEAD_INIT(xsdev_files.list),
};

/*
 * Tear down a file nobody else can reach any more: its watches first, so
 * no event arrives while the queue is freed, then its transactions.  A
 * transaction from before the last suspend/resume is unknown to xenstored
 * and is only forgotten.  Calls the store: never on the transport thread.
 */
static void xsdev_file_destroy(struct xsdev_file *f)
{
	struct xsdev_watch *w, *wn;
	struct xsdev_trans *t, *tn;
	struct xb_msg *m, *mn;

	mutex_lock(&xsdev_files.lock);
	list_del_init(&f->node);
	mutex_unlock(&xsdev_files.lock);

	list_for_each_entry_safe(w, wn, &f->watches, list) {
		list_del(&w->list);
		unregister_xenbus_watch(&w->watch);
		kfree(w);
	}

	/* The generation is compared inside the store's suspend gate. */
	list_for_each_entry_safe(t, tn, &f->trans, list) {
		if (t->id)
			xs_abort_user_transaction(t->id, t->gen);
		list_del(&t->list);
		kfree(t);
	}

	list_for_each_entry_safe(m, mn, &f->out, list) {
		list_del(&m->list);
		kfree(m);
	}
	mutex_destroy(&f->msg_mutex);
	mutex_destroy(&f->read_mutex);
	kfree(f);
}

static void xsdev_cleanup_work(struct work_struct *work)
{
	xsdev_file_destroy(container_of(work, struct xsdev_file, cleanup));
}

/* May run on the transport thread: hand the teardown to a worker. */
static void xsdev_file_last_ref(struct kref *kref)
{
	struct xsdev_file *f = container_of(kref, struct xsdev_file, kref);

	INIT_WORK(&f->cleanup, xsdev_cleanup_work);
	schedule_work(&f->cleanup);
}

static int xsdev_open(struct inode *inode, struct file *filp)
{
	struct xsdev_file *f;

	if (xen_store_evtchn == 0)
		return -ENOENT;

	f = xsdev_file_alloc();
	if (!f)
		return -ENOMEM;
	f->opener = task_tgid_vnr(current);
	get_task_comm(f->comm, current);
	mutex_lock(&xsdev_files.lock);
	list_add_tail(&f->node, &xsdev_files.list);
	mutex_unlock(&xsdev_files.lock);
	filp->private_data = f;
	/* A byte stream: no seeking, no positional reads or writes. */
	return stream_open(inode, filp);
}

static int xsdev_release(struct inode *inode, struct file *filp)
{
	struct xsdev_file *f = filp->private_data;

	/* Requests still in flight keep @f until their replies are in. */
	kref_put(&f->kref, xsdev_file_last_ref);
	return 0;
}

static bool xsdev_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

static ssize_t xsdev_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return xsdev_read(iocb->ki_filp->private_data, to,
			  xsdev_nonblock(iocb));
}

static ssize_t xsdev_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return xsdev_write(iocb->ki_filp->private_data, from,
			   xsdev_nonblock(iocb));
}

static __poll_t xsdev_poll(struct file *filp, poll_table *wait)
{
	struct xsdev_file *f = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &f->read_wq, wait);
	poll_wait(filp, &f->write_wq, wait);
	if (xsdev_has_output(f))
		mask |= EPOLLIN | EPOLLRDNORM;
	/*
	 * write() would wait while max_user_requests requests are in
	 * flight.  A client with too many replies unread is told it may
	 * write, and write() tells it why it may not.
	 */
	if (xsdev_has_room(f) || xsdev_replies_piled_up(f))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/* Also served by xenfs as /proc/xen/xenbus. */
const struct file_operations xen_xenbus_fops = {
	.open		= xsdev_open,
	.write_iter	= xsdev_write_iter,
	.read_iter	= xsdev_read_iter,
	.poll		= xsdev_poll,
	.release	= xsdev_release,
	.owner		= THIS_MODULE,
};
EXPORT_SYMBOL_GPL(xen_xenbus_fops);

static struct miscdevice xsdev_misc = {
	.name	= "xen/xenbus",
	.fops	= &xen_xenbus_fops,
	.minor	= MISC_DYNAMIC_MINOR,
};

/*
 * debugfs xenbus/dev_files: one line per open file, "key value" pairs
 * (Documentation/abi.rst): who opened it, its watches ("-" while a writer
 * holds them), its watch events waiting in the kernel and on its read
 * queue, how many it lost, its requests in flight, the bytes of replies
 * it has not read, and last, as it may hold spaces, the opener's name.
 */
static int xsdev_files_show(struct seq_file *m, void *unused)
{
	struct xsdev_file *f;

	mutex_lock(&xsdev_files.lock);
	list_for_each_entry(f, &xsdev_files.list, node) {
		unsigned int nr_watches = 0, queued, unread, inflight;
		unsigned long dropped, cb_dropped;
		char watches[12] = "-";
		struct xsdev_watch *w;
		size_t reply_bytes;

		/*
		 * Only counted if no writer holds the list right now: a
		 * writer may be waiting for xenstored, which may be dead.
		 */
		if (mutex_trylock(&f->msg_mutex)) {
			list_for_each_entry(w, &f->watches, list)
				nr_watches++;
			mutex_unlock(&f->msg_mutex);
			snprintf(watches, sizeof(watches), "%u", nr_watches);
		}
		xs_watch_group_read(&f->group, &queued, &dropped);
		spin_lock(&f->lock);
		unread = f->nr_events;
		cb_dropped = f->nr_dropped;
		inflight = f->nr_inflight;
		reply_bytes = f->reply_bytes;
		spin_unlock(&f->lock);
		seq_printf(m, "pid %d watches %s events_queued %u events_unread %u events_dropped %lu requests_in_flight %u reply_bytes_unread %zu comm %s\n",
			   f->opener, watches, queued, unread,
			   dropped + cb_dropped, inflight, reply_bytes,
			   f->comm);
	}
	mutex_unlock(&xsdev_files.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xsdev_files);

/* Every kind of Xen domain has a store, so every one gets the device. */
static int __init xsdev_init(void)
{
	int err = -ENODEV;

	if (xen_domain()) {
		err = misc_register(&xsdev_misc);
		if (err)
			pr_err("no /dev/xen/xenbus: error %d\n", err);
		debugfs_create_file("dev_files", 0400, xs_debugfs_dir(), NULL,
				    &xsdev_files_fops);
	}
	return err;
}
device_initcall(xsdev_init);

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_dev_frontend_test.c"
#endif
