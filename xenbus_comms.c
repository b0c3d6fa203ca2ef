// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring transport to xenstored and its kthread.
 *
 * This file owns the shared store page at run time: the "xenbus" thread
 * that moves bytes between the rings and whole messages, the store event
 * channel's irq, the queue of messages waiting to go out, and the
 * decision that the connection is broken.  It knows nothing about what
 * the messages mean: every complete message goes to the xb_comms_ops it
 * was started with, and every queued xb_out is answered through its own
 * @sent callback.  All byte copying goes through xenbus_proto.h.
 *
 * A peer that breaks the protocol gets a closed door, not a guess: corrupt
 * indexes, a frame longer than the protocol allows, or a non-zero error
 * field in the page mark the connection broken, fail everything queued
 * with -EIO and tell the request layer once.  The shared indexes are never
 * written to "repair" them, nor to skip anything: rsp_cons only moves
 * over bytes we have read.  The door opens again only through the ring
 * reset that xs_wire.h defines: when the server offers
 * XENSTORE_SERVER_FEATURE_RECONNECTION, the thread asks it to empty both
 * rings (->connection = XENSTORE_RECONNECT) and waits a bounded time for
 * XENSTORE_CONNECTED; without the feature, broken is for good.  Every
 * frame goes up whatever its type (a newer xenstored answers a newer
 * request type in kind; the request layer judges types).  The only
 * frames dropped are those already in the ring when we first connect,
 * dropped whole, so that we start reading at a frame boundary; after a
 * resume or a ring reset, the bytes the old connection left.
 */

#define pr_fmt(fmt) "xenbus: " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <xen/events.h>
#include <xen/xenbus.h>

#include "xenbus.h"

/* How long to wait before retrying a failed message allocation. */
#define XB_NOMEM_RETRY		msecs_to_jiffies(20)

/* How often xb_comms_pause() says it is still waiting for xenstored. */
#define XB_PAUSE_WARN		(10 * HZ)

/*
 * How long a server that offers reconnection may take to reset the ring,
 * and the least time between two resets: a server that breaks the
 * protocol again at once costs a reset a second, not a busy loop.
 */
#define XB_RECONNECT_WAIT	(10 * HZ)
#define XB_RECONNECT_GAP	HZ

/*
 * Resets in a row after which no frame arrived: one more failure then is
 * for good.  A server that breaks the protocol again at once (one that
 * leaves ->error set, say) is not worth a reset a second for ever.
 */
#define XB_RESETS_UNPROVEN_MAX	3

/*
 * How much one pass of the thread reads before it turns to the send side
 * and then yields the CPU: a peer that keeps the response ring full must
 * starve neither our requests nor the rest of the system.  Every frame
 * that ends counts, delivered or dropped, and so does every byte read, so
 * that even bytes that never end a frame (a stale frame's long body) end
 * the pass.
 */
#define XB_RX_BUDGET		32
#define XB_RX_BYTE_BUDGET	(4 * XENSTORE_RING_SIZE)

/*
 * Receive state machine.  A frame is a 16-byte header, possibly read in
 * pieces, then hdr.len body bytes, possibly spread over many ring updates.
 *
 * The bytes in the response ring when we connect are stale: answers to a
 * previous kernel (kexec) or to requests a resumed xenstored has
 * forgotten, and the last of them may be a frame xenstored has not
 * finished publishing.  xb_comms_check_ring() counts them in @stale_left;
 * every frame that starts while it is non-zero is read and dropped whole,
 * however much of it arrives later, and the first frame after them is
 * delivered.  Reading, not moving rsp_cons, is what keeps us on frame
 * boundaries.
 *
 * Nothing here is shared with another thread: the transport thread owns
 * it.  xb_comms_rebind() writes it only while the thread is not started
 * yet or parked, and xb_comms_check_ring() only then or from the thread
 * after a ring reset (the KUnit suite drives private copies of it).
 */
struct xb_rx {
	struct xsd_sockmsg hdr;		/* header being assembled */
	unsigned int hdr_got;		/* bytes of @hdr read so far */
	bool in_body;			/* @hdr is checked; reading its body */
	bool drop;			/* the frame started stale: drop it */
	unsigned int body_len;		/* body bytes to read or drop */
	unsigned int body_got;		/* body bytes read or dropped so far */
	struct xb_msg *msg;		/* body buffer, unless @drop */
	unsigned int ended;		/* frames ended, for the pass's budget */
	unsigned int stale_left;	/* stale bytes not read yet */
	unsigned int stale_bytes;	/* bytes dropped, for the log */
	unsigned int stale_frames;	/* frames dropped, for the log */
	u8 sink[256];			/* where dropped bytes go */
};

struct xb_comms {
	const struct xb_comms_ops *ops;
	struct xenstore_domain_interface *intf;
	/* Tell the peer that we moved an index: the event channel, or a fake. */
	void (*notify)(struct xb_comms *c);

	/*
	 * Serialises init, pause/unpause, rebind and unbind; protects @irq,
	 * @irq_bound and @task, and the writes of @intf and @evtchn, which
	 * only happen while the thread is not started or parked.  Taken
	 * before @lock.
	 */
	struct mutex ctl_mutex;
	evtchn_port_t evtchn;
	int irq;
	bool irq_bound;
	struct task_struct *task;

	wait_queue_head_t wq;		/* the thread sleeps here */
	wait_queue_head_t pause_wq;	/* xb_comms_pause() sleeps here */

	/*
	 * Protects @queue, @broken, @reconnecting, @pause_req and @paused.
	 * Never taken from irq context, so plain spin_lock().  Innermost
	 * lock: nothing is called with it held.  The flags are also read
	 * with READ_ONCE() where a stale value only costs one more pass of
	 * the thread.  Only the thread sets or clears @broken and
	 * @reconnecting.
	 */
	spinlock_t lock;
	struct list_head queue;		/* struct xb_out, oldest first */
	bool broken;			/* cleared only by a ring reset */
	bool reconnecting;		/* broken, waiting for a ring reset */
	bool pause_req;			/* xb_comms_pause() wants the thread parked */
	bool paused;			/* the thread has parked at a boundary */
	wait_queue_head_t reconnect_wq;	/* @reconnecting went false */

	/* Owned by the thread; others touch them only while it is parked. */
	struct xb_out *tx_cur;		/* message being written, off the queue */
	unsigned int tx_off;		/* bytes of it (header first) in the ring */
	struct xb_rx rx;
	bool rx_nomem;			/* a message allocation failed; retry later */
	bool req_moved;			/* req_prod moved since the peer was told */
	XENSTORE_RING_IDX req_base;	/* req_prod before the first such move */
	XENSTORE_RING_IDX rsp_told;	/* rsp_cons when the peer was last told */
	unsigned long reconnect_by;	/* give up waiting for the reset then */
	unsigned long reconnect_after;	/* and do not finish one before this */
	unsigned int nr_resets;		/* ring resets completed */
	unsigned int resets_unproven;	/* of them, since a frame last arrived */
};

static void xb_notify_evtchn(struct xb_comms *c)
{
	notify_remote_via_evtchn(c->evtchn);
}

static struct xb_comms xb_comms = {
	.notify		= xb_notify_evtchn,
	.ctl_mutex	= __MUTEX_INITIALIZER(xb_comms.ctl_mutex),
	.wq		= __WAIT_QUEUE_HEAD_INITIALIZER(xb_comms.wq),
	.pause_wq	= __WAIT_QUEUE_HEAD_INITIALIZER(xb_comms.pause_wq),
	.reconnect_wq	= __WAIT_QUEUE_HEAD_INITIALIZER(xb_comms.reconnect_wq),
	.lock		= __SPIN_LOCK_UNLOCKED(xb_comms.lock),
	.queue		= LIST_HEAD_INIT(xb_comms.queue),
};

/* ------------------------------------------------------------------ */
/* Receiving                                                           */
/* ------------------------------------------------------------------ */

/*
 * At a message boundary: no byte of an unfinished frame has been read.  A
 * stale frame being dropped is unfinished too; parking in it would leave
 * the rest of it to be read as a header after resume.
 */
static bool xb_rx_idle(const struct xb_rx *rx)
{
	return rx->hdr_got == 0 && !rx->drop;
}

/* Forget any unfinished frame; the caller knows the stream restarts. */
static void xb_rx_reset(struct xb_rx *rx)
{
	kfree(rx->msg);
	rx->msg = NULL;
	rx->hdr_got = 0;
	rx->in_body = false;
	rx->drop = false;
	rx->body_len = 0;
	rx->body_got = 0;
	rx->stale_left = 0;
	rx->stale_bytes = 0;
	rx->stale_frames = 0;
}

/* Account for @n bytes just read, stale or part of a dropped frame. */
static void xb_rx_consumed(struct xb_rx *rx, unsigned int n)
{
	rx->stale_left -= min(n, rx->stale_left);
	if (rx->drop)
		rx->stale_bytes += n;
}

/*
 * The header of a frame to deliver has just been completed: check it and
 * allocate the buffer for its body.  Touches no ring index, so on any
 * error the caller can come back (-ENOMEM) or give up (-EMSGSIZE) without
 * having consumed anything after the header.
 */
static int xb_rx_start_body(struct xb_rx *rx)
{
	struct xb_msg *msg;
	int err;

	err = xb_hdr_check(&rx->hdr);
	if (err)
		return err;

	/* hdr.len <= XB_PAYLOAD_MAX now, so this is bounded. */
	msg = kmalloc(struct_size(msg, body, rx->hdr.len + 1),
		      GFP_NOIO | __GFP_HIGH);
	if (!msg)
		return -ENOMEM;
	INIT_LIST_HEAD(&msg->list);
	msg->hdr = rx->hdr;
	rx->msg = msg;
	rx->body_len = rx->hdr.len;
	rx->body_got = 0;
	rx->in_body = true;
	return 0;
}

/*
 * The header of a stale frame has just been completed: learn how much
 * more of it to drop.  Nothing can fail here, so it happens in the step
 * that completed the header.  A length over the protocol's limit says
 * nothing about where the next frame starts; all we can do then is drop
 * the rest of the stale bytes, as if they had been whole frames, and look
 * for a header right after them.  Stale garbage is no reason to fail the
 * connection.
 */
static void xb_rx_start_drop(struct xb_rx *rx)
{
	rx->body_len = rx->hdr.len;
	if (xb_hdr_check(&rx->hdr)) {
		pr_warn_ratelimited("stale response claims %u bytes; dropping the %u stale bytes after it\n",
				    rx->hdr.len, rx->stale_left);
		rx->body_len = rx->stale_left;
	}
	rx->body_got = 0;
	rx->in_body = true;
}

/* The frame in progress is complete, delivered or dropped. */
static void xb_rx_end_frame(struct xb_rx *rx)
{
	if (rx->drop && !rx->stale_left) {
		pr_warn_ratelimited("dropped %u stale bytes, %u message(s), found in the response ring at connect\n",
				    rx->stale_bytes, rx->stale_frames);
		rx->stale_bytes = 0;
		rx->stale_frames = 0;
	}
	rx->hdr_got = 0;
	rx->in_body = false;
	rx->drop = false;
	rx->body_len = 0;
	rx->body_got = 0;
	rx->ended++;
}

/**
 * xb_rx_step() - advance the receive state machine by one ring read.
 * @rx: receive state.
 * @intf: the shared page whose response ring to read.
 * @done: set to a complete message (ownership passes to the caller) or
 *	NULL.
 *
 * Does at most one xb_ring_read(), so a positive return is exactly one
 * ring update for the caller to signal.  A message may complete with or
 * without bytes moving in the same call (an empty body), so callers look
 * at @done as well as the return value.  A frame that starts among the
 * stale bytes is read like any other but never handed out; each frame
 * that ends, handed out or dropped, counts in @rx->ended.
 *
 * Return: bytes consumed from the ring (> 0), 0 when nothing could be
 * read, -ENOMEM when the body buffer could not be allocated (nothing
 * lost; call again later), -EMSGSIZE for a frame longer than the protocol
 * allows, -EIO for corrupt indexes.  After -EMSGSIZE or -EIO the stream
 * cannot be trusted and further calls fail the same way without reading.
 */
static int xb_rx_step(struct xb_rx *rx, struct xenstore_domain_interface *intf,
		      struct xb_msg **done)
{
	unsigned int want;
	void *dst;
	int n, err;

	*done = NULL;

	/* Only a frame to deliver waits here; a dropped one went on at once. */
	if (rx->hdr_got == sizeof(rx->hdr) && !rx->in_body) {
		err = xb_rx_start_body(rx);
		if (err)
			return err;
	}

	if (!rx->in_body) {
		dst = (u8 *)&rx->hdr + rx->hdr_got;
		want = sizeof(rx->hdr) - rx->hdr_got;
	} else if (rx->drop) {
		dst = rx->sink;
		want = min_t(unsigned int, rx->body_len - rx->body_got,
			     sizeof(rx->sink));
	} else {
		dst = rx->msg->body + rx->body_got;
		want = rx->body_len - rx->body_got;
	}

	n = 0;
	if (want) {
		n = xb_ring_read(intf, dst, want);
		if (n <= 0)
			return n;
		if (!rx->in_body) {
			/* A frame that starts among the stale bytes goes whole. */
			if (!rx->hdr_got && rx->stale_left) {
				rx->drop = true;
				rx->stale_frames++;
			}
			xb_rx_consumed(rx, n);
			rx->hdr_got += n;
			/* The next call checks a completed header to deliver. */
			if (rx->hdr_got < sizeof(rx->hdr) || !rx->drop)
				return n;
			xb_rx_start_drop(rx);
		} else {
			xb_rx_consumed(rx, n);
			rx->body_got += n;
		}
	}

	if (rx->body_got == rx->body_len) {
		if (!rx->drop) {
			rx->msg->body[rx->body_len] = '\0';
			*done = rx->msg;
			rx->msg = NULL;
		}
		xb_rx_end_frame(rx);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */
/* ------------------------------------------------------------------ */

static unsigned int xb_out_size(const struct xb_out *out)
{
	return sizeof(out->hdr) + out->hdr.len;
}

/*
 * Write the next piece of @out (the rest of the header, or of one kvec)
 * with one xb_ring_write().  Returns bytes written (> 0), 0 when the ring
 * is full, -EIO for corrupt indexes, or -EINVAL when the vectors end
 * before hdr.len: xb_comms_send() checked that they don't, so the sender
 * changed them while queued.
 */
static int xb_tx_step(struct xenstore_domain_interface *intf,
		      const struct xb_out *out, unsigned int *off)
{
	unsigned int pos = *off, left, i;
	const u8 *src;
	int n;

	if (pos < sizeof(out->hdr)) {
		src = (const u8 *)&out->hdr + pos;
		left = sizeof(out->hdr) - pos;
	} else {
		pos -= sizeof(out->hdr);
		for (i = 0; i < out->nr_vec; i++) {
			if (pos < out->vec[i].iov_len)
				break;
			pos -= out->vec[i].iov_len;
		}
		if (WARN_ON_ONCE(i == out->nr_vec))
			return -EINVAL;
		src = (const u8 *)out->vec[i].iov_base + pos;
		left = out->vec[i].iov_len - pos;
	}

	n = xb_ring_write(intf, src, left);
	if (n > 0)
		*off += n;
	return n;
}

/* Check @out and put it on the send queue of @c. */
static int xb_comms_queue(struct xb_comms *c, struct xb_out *out)
{
	size_t total = 0;
	unsigned int i;
	int err = 0;

	if (!out->sent || (out->nr_vec && !out->vec))
		return -EINVAL;
	for (i = 0; i < out->nr_vec; i++) {
		/* Bounding each one keeps the sum from wrapping. */
		if (out->vec[i].iov_len > XB_PAYLOAD_MAX)
			return -EINVAL;
		total += out->vec[i].iov_len;
	}
	if (total != out->hdr.len || total > XB_PAYLOAD_MAX)
		return -EINVAL;

	spin_lock(&c->lock);
	if (c->broken)
		err = -EIO;
	else
		list_add_tail(&out->list, &c->queue);
	spin_unlock(&c->lock);

	if (!err)
		wake_up(&c->wq);
	return err;
}

/* ------------------------------------------------------------------ */
/* The thread                                                          */
/* ------------------------------------------------------------------ */

/*
 * Declare the connection dead.  Called only from the thread (or its KUnit
 * stand-in), which owns @tx_cur and @rx.  Queued messages are failed in
 * the order they would have been sent, the one half in the ring first.
 *
 * If the server offers XENSTORE_SERVER_FEATURE_RECONNECTION (a server
 * sets it before it touches the rings and never clears it), ask it to
 * reset the ring: the thread then only watches ->connection until
 * xb_comms_poll_reset() sees the reset done or gives up.  Nothing queued
 * is kept for after it: the server forgets what was in flight, so the
 * request layer fails every request either way and re-registers its
 * watches once the reset is done.
 */
static void xb_comms_fail(struct xb_comms *c, const char *why)
{
	struct xb_out *out, *tmp, *cur;
	bool reset;
	LIST_HEAD(dead);

	/* Only this thread sets @broken, so it may read it unlocked. */
	if (c->broken)
		return;

	/*
	 * Drop the thread's own state before publishing @broken: a pauser
	 * that sees it returns, and resume may then reset @rx itself.
	 */
	cur = c->tx_cur;
	c->tx_cur = NULL;
	xb_rx_reset(&c->rx);
	c->rx_nomem = false;

	reset = READ_ONCE(c->intf->server_features) &
		XENSTORE_SERVER_FEATURE_RECONNECTION;
	if (reset && c->resets_unproven >= XB_RESETS_UNPROVEN_MAX) {
		pr_err_ratelimited("xenstored failed again after %u ring resets without a message: no more resets\n",
				   c->resets_unproven);
		reset = false;
	}

	spin_lock(&c->lock);
	WRITE_ONCE(c->broken, true);
	WRITE_ONCE(c->reconnecting, reset);
	list_splice_init(&c->queue, &dead);
	spin_unlock(&c->lock);

	pr_err_ratelimited("connection to xenstored broken: %s; failing all requests%s\n",
			   why, reset ? ", asking xenstored to reset the ring" :
			   " (xenstored offers no ring reset: the store stays unusable)");

	if (reset) {
		c->reconnect_by = jiffies + XB_RECONNECT_WAIT;
		c->reconnect_after = jiffies + XB_RECONNECT_GAP;
		/* The server reads nothing else until it has reset the ring. */
		virt_mb();
		WRITE_ONCE(c->intf->connection, XENSTORE_RECONNECT);
		c->notify(c);
	}

	if (cur)
		cur->sent(cur, -EIO);
	list_for_each_entry_safe(out, tmp, &dead, list) {
		list_del_init(&out->list);
		out->sent(out, -EIO);
	}
	c->ops->broken(-EIO, reset);

	/* Without a reset to wait for, the thread is idle: let a pauser go on. */
	wake_up_all(&c->pause_wq);
}

/*
 * Deliver what the response ring holds, up to XB_RX_BUDGET frames
 * (delivered or dropped) or XB_RX_BYTE_BUDGET bytes, whichever comes
 * first.  What is left waits for the next pass.
 */
static void xb_comms_do_reads(struct xb_comms *c)
{
	unsigned int ended = c->rx.ended, bytes = 0;
	struct xb_msg *msg;
	int ret;

	while (c->rx.ended - ended < XB_RX_BUDGET &&
	       bytes < XB_RX_BYTE_BUDGET) {
		/* Never start a new message once a pause is wanted. */
		if (READ_ONCE(c->pause_req) && xb_rx_idle(&c->rx))
			return;

		ret = xb_rx_step(&c->rx, c->intf, &msg);
		if (ret > 0)
			bytes += ret;
		if (msg) {
			c->resets_unproven = 0;
			c->ops->deliver(msg);
		}
		if (ret > 0 || msg)
			continue;

		switch (ret) {
		case 0:
			return;
		case -ENOMEM:
			c->rx_nomem = true;
			return;
		case -EMSGSIZE:
			pr_err_ratelimited("xenstored sent a %u byte message, limit is %u\n",
					   c->rx.hdr.len, XB_PAYLOAD_MAX);
			xb_comms_fail(c, "oversized message");
			return;
		default:
			xb_comms_fail(c, "corrupt response ring indexes");
			return;
		}
	}
}

/*
 * Tell the peer once per pass, not once per step, and only what it needs
 * to hear.  Always before the thread sleeps or parks, so nothing waits
 * unseen.
 *
 * Requests: xenstored reads the request ring until it finds it empty, and
 * only then waits for the event.  Both xenstoreds, after moving req_cons,
 * notify us (a hypercall that takes locks in Xen: a full barrier) and then
 * read req_prod again before they decide the ring is empty.  We publish
 * req_prod and then, after a full barrier, read req_cons.  If req_cons is
 * still short of @req_base, the req_prod this pass started from, xenstored
 * has bytes from before this pass to read: its store that takes req_cons
 * to @req_base or beyond comes after our read, so the read of req_prod it
 * makes after that store and its barrier sees ours.  That is the
 * store-buffering pattern: one side always sees the other's store.
 * Otherwise it may have found the ring empty anywhere from @req_base on (a
 * chunk boundary of this pass included), and is told.  The free-running
 * indexes are compared as a signed distance; both ends keep them within a
 * ring of each other.  A xenstored that stops reading for reasons of its
 * own (a quota, a rate limit) looks again by itself when they end: our
 * event would not move it sooner.  In a busy pipeline this saves xenstored
 * an event per request.
 *
 * Responses: xenstored writes as much of a response as fits, tells us,
 * and stops only when it finds the ring full: rsp_prod - (the rsp_cons it
 * read) == XENSTORE_RING_SIZE.  Only then does it need our event to go on.
 * Every rsp_cons it can have read is one we published since we last told
 * it (@rsp_told) or later, so it can be stopped only if rsp_prod -
 * @rsp_told >= XENSTORE_RING_SIZE.  We read rsp_prod after consuming; if
 * xenstored fills the ring after that read, it tells us after its write,
 * the thread comes back (there is something to read), and this test then
 * sees the rsp_prod that filled it.  A pass that freed nothing has nothing
 * to tell.
 *
 * Either event wakes xenstored for both rings.  A hostile xenstored can
 * only make us skip events it would have wanted.
 */
static void xb_comms_tell_peer(struct xb_comms *c)
{
	XENSTORE_RING_IDX cons = READ_ONCE(c->intf->rsp_cons);
	bool tell = false;

	if (c->req_moved) {
		/* Our req_prod store before the read of req_cons. */
		virt_mb();
		/* Has xenstored read up to where this pass began? */
		tell = (s32)(READ_ONCE(c->intf->req_cons) - c->req_base) >= 0;
	}
	if (cons != c->rsp_told &&
	    READ_ONCE(c->intf->rsp_prod) - c->rsp_told >= XENSTORE_RING_SIZE)
		tell = true;
	c->req_moved = false;
	if (!tell)
		return;
	c->rsp_told = cons;
	c->notify(c);
}

/* Take the next message to send; NULL when none may start now. */
static struct xb_out *xb_comms_next_out(struct xb_comms *c)
{
	struct xb_out *out = NULL;

	lockdep_assert_held(&c->lock);

	/* A pause lets the message in progress finish, but no new one start. */
	if (!c->pause_req && !c->broken) {
		out = list_first_entry_or_null(&c->queue, struct xb_out, list);
		if (out)
			list_del_init(&out->list);
	}
	return out;
}

/* Put queued messages into the request ring until it is full. */
static void xb_comms_do_writes(struct xb_comms *c)
{
	struct xb_out *out;
	int n;

	for (;;) {
		if (!c->tx_cur) {
			spin_lock(&c->lock);
			c->tx_cur = xb_comms_next_out(c);
			spin_unlock(&c->lock);
			if (!c->tx_cur)
				return;
			c->tx_off = 0;
		}

		while (c->tx_off < xb_out_size(c->tx_cur)) {
			/* Only we move req_prod: this is where the pass starts. */
			if (!c->req_moved)
				c->req_base = READ_ONCE(c->intf->req_prod);
			n = xb_tx_step(c->intf, c->tx_cur, &c->tx_off);
			if (n == 0)
				return;	/* ring full: xenstored will signal */
			if (n < 0) {
				xb_comms_fail(c, n == -EIO ?
					      "corrupt request ring indexes" :
					      "request changed while queued");
				return;
			}
			c->req_moved = true;
		}

		out = c->tx_cur;
		c->tx_cur = NULL;
		out->sent(out, 0);
	}
}

/*
 * Is the thread parked, for good (broken) or until unpaused?  Taking the
 * lock orders the thread's last use of its state before a pauser's reuse
 * of it (rebind resets @rx), and that reuse before the thread's next pass.
 */
static bool xb_comms_parked(struct xb_comms *c)
{
	bool parked;

	spin_lock(&c->lock);
	/* A ring reset still uses the thread's state: not parked yet. */
	parked = c->paused || (c->broken && !c->reconnecting);
	spin_unlock(&c->lock);
	return parked;
}

static void xb_comms_check_ring(struct xb_comms *c, bool resumed);

/*
 * The ring reset asked for by xb_comms_fail(): done when the server has
 * set ->connection back to XENSTORE_CONNECTED (and at least
 * XB_RECONNECT_GAP after the failure), given up at @reconnect_by.  The
 * server emptied both rings, so the thread starts again from whatever
 * indexes it left, at a frame boundary, with nothing in flight.
 */
static void xb_comms_poll_reset(struct xb_comms *c)
{
	bool done = READ_ONCE(c->intf->connection) == XENSTORE_CONNECTED;

	if (done && time_before(jiffies, c->reconnect_after))
		return;
	if (!done && time_before(jiffies, c->reconnect_by))
		return;

	if (done) {
		/* Read the indexes the server reset only after its flag. */
		virt_rmb();
		xb_rx_reset(&c->rx);
		c->rx_nomem = false;
		c->req_moved = false;
		xb_comms_check_ring(c, true);
		c->nr_resets++;
		c->resets_unproven++;
		pr_warn_ratelimited("xenstored reset the ring (reset %u): connection restored\n",
				    c->nr_resets);
	} else {
		pr_err_ratelimited("xenstored did not reset the ring within %u s: the store stays unusable\n",
				   XB_RECONNECT_WAIT / HZ);
	}

	spin_lock(&c->lock);
	WRITE_ONCE(c->broken, !done);
	WRITE_ONCE(c->reconnecting, false);
	spin_unlock(&c->lock);
	wake_up_all(&c->reconnect_wq);
	/* A pauser waits for the reset; now the thread can park (or is). */
	wake_up_all(&c->pause_wq);
}

/*
 * One pass of the thread: honour the error field, read, write, and park
 * if a pause is wanted and both directions are at a boundary.
 */
static void xb_comms_poll(struct xb_comms *c)
{
	bool parked = false;
	u32 err;

	if (READ_ONCE(c->reconnecting)) {
		xb_comms_poll_reset(c);
		return;
	}
	if (xb_comms_parked(c))
		return;

	/*
	 * Only a server advertising XENSTORE_SERVER_FEATURE_ERROR writes
	 * ->error, but a non-zero value is never valid: either way the
	 * server has stopped talking to us.
	 */
	err = READ_ONCE(c->intf->error);
	if (err) {
		pr_err_ratelimited("xenstored reports error %u on the ring\n",
				   err);
		xb_comms_fail(c, "closed by xenstored");
		return;
	}

	xb_comms_do_reads(c);
	if (!READ_ONCE(c->broken))
		xb_comms_do_writes(c);
	xb_comms_tell_peer(c);

	spin_lock(&c->lock);
	if (c->pause_req && !c->paused && !c->broken &&
	    xb_rx_idle(&c->rx) && !c->tx_cur) {
		c->paused = true;
		parked = true;
	}
	spin_unlock(&c->lock);
	if (parked)
		wake_up_all(&c->pause_wq);
}

/* The thread's wake-up condition: is there anything xb_comms_poll() can do? */
static bool xb_comms_has_work(struct xb_comms *c)
{
	bool pause, rx_idle;

	if (kthread_should_stop())
		return true;
	if (READ_ONCE(c->reconnecting))
		return time_after_eq(jiffies, c->reconnect_by) ||
		       (READ_ONCE(c->intf->connection) == XENSTORE_CONNECTED &&
			time_after_eq(jiffies, c->reconnect_after));
	if (READ_ONCE(c->broken))
		return false;
	pause = READ_ONCE(c->pause_req);
	if (pause && READ_ONCE(c->paused))
		return false;
	if (READ_ONCE(c->intf->error))
		return true;

	rx_idle = xb_rx_idle(&c->rx);
	if (pause && rx_idle && !c->tx_cur)
		return true;		/* time to park */
	if (!c->rx_nomem && !(pause && rx_idle) && xb_ring_can_read(c->intf))
		return true;
	if ((c->tx_cur || (!pause && !list_empty(&c->queue))) &&
	    xb_ring_can_write(c->intf))
		return true;
	return false;
}

/*
 * The "xenbus" thread.  It is deliberately not freezable: suspend freezes
 * kernel threads before the device freeze callbacks, and those talk to the
 * store.  Suspend parks it with xb_comms_pause() instead.
 *
 * It sleeps interruptibly and without a timeout: a kthread takes no
 * signals, and in dom0's local mode xenstored may start long after boot,
 * with our requests waiting in the ring until then.  That wait is normal
 * and must not trip the hung-task detector.
 *
 * Design room: a watchdog would go in this wait.  If the response ring
 * had data, or the request ring was not empty, and no index moved for a
 * few seconds, re-notify the peer to recover from a lost event (the
 * Windows PV drivers do this).  It would sleep with a timeout only while
 * something is pending, so an idle system still never wakes.
 */
static int xb_comms_thread(void *arg)
{
	struct xb_comms *c = arg;

	while (!kthread_should_stop()) {
		if (c->rx_nomem) {
			wait_event_interruptible_timeout(c->wq,
							 xb_comms_has_work(c),
							 XB_NOMEM_RETRY);
			c->rx_nomem = false;
		} else if (READ_ONCE(c->reconnecting)) {
			/* The server signals the reset, but may never do so. */
			wait_event_interruptible_timeout(c->wq,
							 xb_comms_has_work(c),
							 XB_RECONNECT_GAP);
		} else {
			wait_event_interruptible(c->wq, xb_comms_has_work(c));
		}
		if (kthread_should_stop())
			break;
		xb_comms_poll(c);
		/*
		 * A pass is bounded, but a peer may have the next one ready
		 * at once, and the wait above then does not sleep.
		 */
		cond_resched();
	}
	return 0;
}

static irqreturn_t xb_comms_irq(int irq, void *arg)
{
	struct xb_comms *c = arg;

	wake_up(&c->wq);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Control                                                             */
/* ------------------------------------------------------------------ */

/*
 * Connection set-up, not corruption handling: bytes in the response ring
 * are answers to a previous kernel (kexec) or to requests that a resumed
 * xenstored no longer knows.
 *
 * At the first connect (@resumed false) the xenstored that wrote them is
 * the one we talk to, and it may have published a frame's header and not
 * yet its body, which it will finish later: skipping bytes by moving
 * rsp_cons would then have the body read as a header.  The receive
 * machine is told how many bytes are stale instead, and drops every frame
 * that starts among them, whole (see struct xb_rx); rsp_cons moves only
 * as it reads.  Corrupt indexes are left for its first read to report.
 *
 * After a resume (@resumed true) the connection is a new one: a frame the
 * old one left half written will never be finished, and waiting for its
 * end would swallow the new connection's first frames.  The pause left
 * us at a boundary, so everything up to rsp_prod is dropped at once.
 *
 * Under reset_devices (kdump) the ring is left as it is, as Linux does.
 * Called with the thread not started yet or parked, so @c->rx is ours.
 */
static void xb_comms_check_ring(struct xb_comms *c, bool resumed)
{
	struct xenstore_domain_interface *intf = c->intf;
	XENSTORE_RING_IDX cons, prod;

	/*
	 * Which rsp_cons the peer last read is unknown here (it may be a
	 * previous kernel's, or one we never told it of): the first pass
	 * tells it, whatever the fill level.  See xb_comms_tell_peer().
	 */
	c->rsp_told = READ_ONCE(intf->rsp_cons) - XENSTORE_RING_SIZE;

	cons = READ_ONCE(intf->req_cons);
	prod = READ_ONCE(intf->req_prod);
	if (cons != prod)
		pr_warn_ratelimited("request ring not empty at connect (cons %u, prod %u)\n",
				    cons, prod);

	cons = READ_ONCE(intf->rsp_cons);
	prod = READ_ONCE(intf->rsp_prod);
	if (cons == prod)
		return;
	if (reset_devices) {
		pr_warn_ratelimited("response ring not empty at connect (cons %u, prod %u); left alone under reset_devices\n",
				    cons, prod);
		return;
	}
	if (prod - cons > XENSTORE_RING_SIZE)
		return;
	if (!resumed) {
		c->rx.stale_left = prod - cons;
		return;
	}
	pr_warn_ratelimited("dropping %u stale bytes in the response ring after resume\n",
			    prod - cons);
	/* As xb_ring_read() does: read rsp_prod before giving space back. */
	virt_mb();
	WRITE_ONCE(intf->rsp_cons, prod);
	c->rsp_told = prod;
	c->notify(c);
}

static int xb_comms_bind(struct xb_comms *c)
{
	int irq;

	lockdep_assert_held(&c->ctl_mutex);

	irq = bind_evtchn_to_irqhandler(c->evtchn, xb_comms_irq, 0, "xenbus",
					c);
	if (irq < 0) {
		pr_err("cannot bind event channel %u: %d\n", c->evtchn, irq);
		return irq;
	}
	c->irq = irq;
	c->irq_bound = true;
	return 0;
}

static void xb_comms_park(struct xb_comms *c)
{
	lockdep_assert_held(&c->ctl_mutex);

	spin_lock(&c->lock);
	c->pause_req = true;
	if (!c->task)
		c->paused = true;	/* no thread to wait for */
	spin_unlock(&c->lock);
	wake_up(&c->wq);

	/*
	 * Only xenstored can finish a half-read or half-written message.
	 * Say so now and then rather than sleep silently for ever.
	 */
	while (!wait_event_timeout(c->pause_wq, xb_comms_parked(c),
				   XB_PAUSE_WARN))
		pr_warn_ratelimited("suspend still waiting for xenstored to %s\n",
				    READ_ONCE(c->reconnecting) ? "reset the ring" :
				    "finish a message");
}

static void xb_comms_unpark(struct xb_comms *c)
{
	lockdep_assert_held(&c->ctl_mutex);

	spin_lock(&c->lock);
	c->pause_req = false;
	c->paused = false;
	spin_unlock(&c->lock);
	wake_up(&c->wq);
}

/**
 * xb_comms_init() - connect to the store ring and start the transport.
 * @ops: where complete messages and the news of a broken connection go;
 *	must stay valid for ever.
 *
 * Called once, by xs_init(), when xen_store_interface and
 * xen_store_evtchn are set up.  Arranges for the responses already in
 * the ring to be dropped, whole frames at a time (see
 * xb_comms_check_ring()), binds the store irq and starts the "xenbus"
 * thread.  Messages queued with xb_comms_send() before this are sent once
 * the thread runs.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for incomplete @ops, -EBUSY if already started,
 * -ENODEV without a store page, or the error from binding the irq or
 * starting the thread.
 */
int xb_comms_init(const struct xb_comms_ops *ops)
{
	struct xb_comms *c = &xb_comms;
	struct task_struct *task;
	int err;

	if (!ops || !ops->deliver || !ops->broken)
		return -EINVAL;

	mutex_lock(&c->ctl_mutex);
	if (c->task) {
		err = -EBUSY;
		goto out;
	}
	if (!xen_store_interface) {
		err = -ENODEV;
		goto out;
	}
	c->ops = ops;
	c->intf = xen_store_interface;
	c->evtchn = xen_store_evtchn;
	xb_comms_check_ring(c, false);

	err = xb_comms_bind(c);
	if (err)
		goto out;

	task = kthread_run(xb_comms_thread, c, "xenbus");
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		pr_err("cannot start the xenbus thread: %d\n", err);
		unbind_from_irqhandler(c->irq, c);
		c->irq_bound = false;
		goto out;
	}
	WRITE_ONCE(c->task, task);
out:
	mutex_unlock(&c->ctl_mutex);
	return err;
}

/**
 * xb_comms_send() - queue a message for xenstored.
 * @out: the message; see struct xb_out for what the caller keeps alive.
 *
 * On success @out->sent() is called exactly once, later, from the
 * transport thread.  On failure it is not called at all.
 *
 * Context: any process context; takes a spinlock only, does not sleep.
 * Return: 0, -EINVAL when hdr.len is not the sum of the vector lengths or
 * exceeds XB_PAYLOAD_MAX (or @out lacks @sent), -EIO when the connection
 * is broken.
 */
int xb_comms_send(struct xb_out *out)
{
	return xb_comms_queue(&xb_comms, out);
}

/**
 * xb_comms_pause() - park the transport at a message boundary.
 *
 * Returns once the thread has neither a half-read incoming nor a
 * half-written outgoing message and will not touch the ring again until
 * xb_comms_unpause(); messages sent meanwhile stay queued.  Returns at
 * once if the connection is broken, unless a ring reset is under way: then
 * once it has ended (at most XB_RECONNECT_WAIT).  Pauses do not nest.
 *
 * Context: process context, sleeps, possibly for as long as xenstored
 * takes to finish a message.  Not from the transport thread (that is,
 * not from an xb_comms_ops or xb_out callback).
 */
void xb_comms_pause(void)
{
	struct xb_comms *c = &xb_comms;

	if (WARN_ON_ONCE(current == READ_ONCE(c->task)))
		return;
	mutex_lock(&c->ctl_mutex);
	xb_comms_park(c);
	mutex_unlock(&c->ctl_mutex);
}

/**
 * xb_comms_unpause() - let the transport run again after xb_comms_pause().
 *
 * Context: process context.
 */
void xb_comms_unpause(void)
{
	struct xb_comms *c = &xb_comms;

	mutex_lock(&c->ctl_mutex);
	xb_comms_unpark(c);
	mutex_unlock(&c->ctl_mutex);
}

/**
 * xb_comms_rebind() - follow a new xen_store_evtchn.
 *
 * After resume, or after /dev/xen/xenbus_backend handed the store to
 * another domain, xen_store_evtchn may name a different port.  Points the
 * store irq at it (binding one if xb_comms_unbind() freed it), restarts
 * the receive state at a boundary, has the responses already in the ring
 * dropped as at connection start, and kicks the thread, since data may
 * already wait.
 * Normally called between xb_comms_pause() and xb_comms_unpause(); when
 * called unpaused it pauses around the switch itself.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENODEV before xb_comms_init() or without a store page, or
 * the error from binding the irq.
 */
int xb_comms_rebind(void)
{
	struct xb_comms *c = &xb_comms;
	bool self_paused;
	int err = 0;

	mutex_lock(&c->ctl_mutex);
	if (!c->task || !xen_store_interface) {
		err = -ENODEV;
		goto out;
	}

	spin_lock(&c->lock);
	self_paused = !c->pause_req;
	spin_unlock(&c->lock);
	if (self_paused)
		xb_comms_park(c);

	c->intf = xen_store_interface;
	c->evtchn = xen_store_evtchn;
	if (c->irq_bound)
		rebind_evtchn_irq(c->evtchn, c->irq);
	else
		err = xb_comms_bind(c);

	/*
	 * The pause left no partial frame, stale ones included; this only
	 * drops a retry and what was left of the last connect's stale
	 * count.
	 */
	xb_rx_reset(&c->rx);
	c->rx_nomem = false;
	xb_comms_check_ring(c, true);

	if (self_paused)
		xb_comms_unpark(c);
	wake_up(&c->wq);
out:
	mutex_unlock(&c->ctl_mutex);
	return err;
}

/**
 * xb_comms_unbind() - free the store irq; the thread stays.
 *
 * Until xb_comms_rebind() the thread gets no events, so it only moves
 * bytes when something else wakes it (a new message to send).
 *
 * Context: process context, may sleep.
 */
void xb_comms_unbind(void)
{
	struct xb_comms *c = &xb_comms;

	mutex_lock(&c->ctl_mutex);
	if (c->irq_bound) {
		unbind_from_irqhandler(c->irq, c);
		c->irq_bound = false;
	}
	mutex_unlock(&c->ctl_mutex);
}

/**
 * xb_comms_broken() - has the connection been declared unusable?
 *
 * Context: any.
 * Return: true once the transport has failed closed, until a ring reset
 * (see xb_comms_wait_reset()) restores it.
 */
bool xb_comms_broken(void)
{
	return READ_ONCE(xb_comms.broken);
}

/**
 * xb_comms_wait_reset() - wait for the ring reset a failure started
 *
 * After ops->broken(err, true), the transport is waiting for the server
 * to reset the ring, for at most XB_RECONNECT_WAIT.
 *
 * Context: process context; sleeps, not on the transport thread.
 * Return: 0 when the connection works again, -EIO when it stays broken.
 */
int xb_comms_wait_reset(void)
{
	struct xb_comms *c = &xb_comms;
	bool broken;

	wait_event(c->reconnect_wq, !READ_ONCE(c->reconnecting));
	/* The thread changes both flags together, under the lock. */
	spin_lock(&c->lock);
	broken = c->broken;
	spin_unlock(&c->lock);
	return broken ? -EIO : 0;
}

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_comms_test.c"
#endif
