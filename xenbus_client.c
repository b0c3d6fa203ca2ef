// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client helpers that PV drivers build on.
 *
 * This file owns what a frontend or backend driver does with its own
 * device beyond plain store access: moving its "state" node through the
 * XenbusState machine, reporting errors under error/<nodename>, watching
 * paths, sharing ring pages with the other end (frontends) and mapping
 * the other end's ring pages (backends), and allocating event channels.
 *
 * It sits on the public store API (xenbus_xs.c) and on the grant table
 * and event channel hypercalls; nothing below it calls back up here.
 */

#define pr_fmt(fmt) "xenbus: " fmt

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#include <kunit/static_stub.h>

#include <asm/xen/hypercall.h>
#include <asm/xen/hypervisor.h>

#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/event_channel.h>

#include "xenbus.h"

/*
 * Size of the buffer an error report is formatted into.  A report ends up
 * as one store value, so nothing longer could be written anyway.
 */
#define XB_ERROR_MSG_MAX	XENSTORE_PAYLOAD_MAX

/*
 * How many times xenbus_switch_state() restarts a transaction that
 * xenstored refused with -EAGAIN.  Each attempt is a round trip to
 * xenstored and only fails when someone else changed a node we read, so
 * this is never reached by honest contention; it only keeps a store that
 * answers -EAGAIN forever from pinning the caller.
 */
#define XB_SWITCH_MAX_TRIES	256

/* Ring pages are shared and mapped in grant-sized (4 KiB) pieces. */
#define XB_RING_PAGES(nr_grefs)	DIV_ROUND_UP(nr_grefs, XEN_PFN_PER_PAGE)

/*
 * One ring mapped by xenbus_map_ring_valloc(), remembered until
 * xenbus_unmap_ring_vfree() is handed @vaddr back.
 */
struct xb_ring_map {
	struct list_head list;		/* on xb_client.maps */
	void *vaddr;			/* what the driver got; NULL until mapped */
	unsigned int nr_grefs;
	/* INVALID_GRANT_HANDLE for a grant that is not mapped */
	grant_handle_t handles[XENBUS_MAX_RING_GRANTS];
	struct vm_struct *area;		/* PV: the reserved kernel VA range */
	struct page *pages[XENBUS_MAX_RING_GRANTS]; /* auto-translated */
};

/*
 * The two ways of mapping a peer's grants: PV guests that manage their
 * own page tables let Xen write the grant into a PTE; auto-translated
 * guests (HVM, PVH, Arm) map it onto a spare guest frame instead.
 */
struct xb_ring_ops {
	const char *name;
	/*
	 * Map @map->nr_grefs grants.  0; -ENOMEM, unreported; or -ENOENT
	 * once a grant Xen refused has been reported as fatal.
	 */
	int (*map)(struct xenbus_device *dev, struct xb_ring_map *map,
		   const grant_ref_t *grefs);
	/*
	 * Undo map() for every grant still mapped and free what map()
	 * reserved.  GNTST_okay, or the first GNTST_* error; in that case
	 * the VA range or the pages are leaked on purpose, because a page
	 * the peer's frame may still be mapped at must never be reused.
	 */
	int (*unmap)(struct xenbus_device *dev, struct xb_ring_map *map);
};

/* All the state of this layer. */
static struct xb_client {
	/* set by xenbus_ring_ops_init(), before any backend can probe */
	const struct xb_ring_ops *ring_ops;
	/* protects @maps; innermost lock, never held across a hypercall */
	spinlock_t lock;
	struct list_head maps;		/* of struct xb_ring_map */
} xb_client = {
	.lock = __SPIN_LOCK_UNLOCKED(xb_client.lock),
	.maps = LIST_HEAD_INIT(xb_client.maps),
};

/* ------------------------------------------------------------------ */
/* States and error reports                                            */
/* ------------------------------------------------------------------ */

/* Indexed by enum xenbus_state, whose values io/xenbus.h fixes as 0..8. */
static const char *const xb_state_names[] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

static_assert(ARRAY_SIZE(xb_state_names) == XenbusStateReconfigured + 1);

/**
 * xenbus_strstate - name a XenbusState
 * @state: the state, usually read from the store
 *
 * The value may come from the other end, so it is range-checked.
 *
 * Return: a static string such as "Connected", or "INVALID" for a value
 * outside the XenbusState enumeration.
 */
const char *xenbus_strstate(enum xenbus_state state)
{
	unsigned int i = state;

	if (i >= ARRAY_SIZE(xb_state_names))
		return "INVALID";
	return xb_state_names[i];
}
EXPORT_SYMBOL_GPL(xenbus_strstate);

/*
 * Format an error report as "<errno> <message>", with the errno made
 * positive the way the toolstack expects.  Truncates to @size - 1 bytes.
 * Returns the length written, without the NUL.
 */
static int xb_format_error(char *buf, size_t size, int err,
			   struct va_format *vaf)
{
	return scnprintf(buf, size, "%i %pV", -err, vaf);
}

/*
 * Log an error against @dev and record it in error/<nodename>/error,
 * where the toolstack looks for the reason a device failed.
 *
 * Drivers report failures the other end can provoke (a bad ring
 * reference, a wrong protocol name) through here, so the log is
 * ratelimited.  Under memory pressure the message is still logged, just
 * not recorded: a report must never be the thing that fails.
 */
static void xb_report(struct xenbus_device *dev, int err,
		      struct va_format *vaf)
{
	char *msg, *path;
	int ret;

	msg = kmalloc(XB_ERROR_MSG_MAX, GFP_NOIO | __GFP_HIGH | __GFP_NOWARN);
	if (!msg) {
		dev_err_ratelimited(&dev->dev, "%i %pV (not recorded: no memory)\n",
				    -err, vaf);
		return;
	}
	xb_format_error(msg, XB_ERROR_MSG_MAX, err, vaf);
	dev_err_ratelimited(&dev->dev, "%s\n", msg);

	path = kasprintf(GFP_NOIO | __GFP_HIGH, "error/%s", dev->nodename);
	ret = path ? xenbus_write(XBT_NIL, path, "error", msg) : -ENOMEM;
	if (ret)
		dev_err_ratelimited(&dev->dev,
				    "could not record error under error/%s: %d\n",
				    dev->nodename, ret);
	kfree(path);
	kfree(msg);
}

static void xb_switch_state(struct xenbus_device *dev,
			    enum xenbus_state state, unsigned int depth);

/*
 * What xenbus_dev_error() (@fatal false) and xenbus_dev_fatal() do.  The
 * KUnit suite redirects this to a recorder, so that the error paths of
 * this file can be checked for what they report without a store.
 */
static void xb_dev_report(struct xenbus_device *dev, int err, bool fatal,
			  struct va_format *vaf)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_dev_report, dev, err, fatal, vaf);

	xb_report(dev, err, vaf);
	if (fatal)
		xb_switch_state(dev, XenbusStateClosing, 0);
}

/*
 * The variadic entry points all funnel into xb_dev_report() through one
 * struct va_format, which printk's %pV expands in place.  Each of them
 * names its last fixed parameter "fmt", which va_start() needs by name.
 */
#define XB_REPORT(dev, err, fatal)				\
	do {							\
		struct va_format __vaf = { .fmt = fmt };	\
		va_list __ap;					\
								\
		va_start(__ap, fmt);				\
		__vaf.va = &__ap;				\
		xb_dev_report((dev), (err), (fatal), &__vaf);	\
		va_end(__ap);					\
	} while (0)

/**
 * xenbus_dev_error - report an error against a device
 * @dev: the device the error is about
 * @err: the error, as a negative errno
 * @fmt: printf-style description of what failed
 *
 * Logs "<-err> <description>" and writes the same text to the store node
 * error/<nodename>/error for the toolstack.  The device's state is left
 * alone; see xenbus_dev_fatal() for errors the device cannot survive.
 * May sleep.
 */
void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	XB_REPORT(dev, err, false);
}
EXPORT_SYMBOL_GPL(xenbus_dev_error);

/**
 * xenbus_dev_fatal - report an error and start closing the device
 * @dev: the device the error is about
 * @err: the error, as a negative errno
 * @fmt: printf-style description of what failed
 *
 * Does what xenbus_dev_error() does, then switches @dev to
 * XenbusStateClosing so that the other end tears the connection down.
 * May sleep.
 */
void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	XB_REPORT(dev, err, true);
}
EXPORT_SYMBOL_GPL(xenbus_dev_fatal);

/* ------------------------------------------------------------------ */
/* The state machine                                                   */
/* ------------------------------------------------------------------ */

enum xb_switch_step {
	XB_SWITCH_WRITE,	/* the state node is there: write the new one */
	XB_SWITCH_GONE,		/* the device was removed: leave it removed */
	XB_SWITCH_FAIL,		/* could not tell: give up and report */
};

/*
 * What to do after reading our own "state" node inside the transaction.
 * @scanf_ret is xenbus_scanf()'s result for a single "%d".
 *
 * A missing node means the toolstack removed the device's directory;
 * writing "state" would create it again and leave a half device nobody
 * owns, so nothing is written.  A node that is there but does not parse
 * is still ours to overwrite.
 */
static enum xb_switch_step xb_switch_step(int scanf_ret)
{
	if (scanf_ret == 1 || scanf_ret == -ERANGE)
		return XB_SWITCH_WRITE;
	if (scanf_ret == -ENOENT)
		return XB_SWITCH_GONE;
	return XB_SWITCH_FAIL;
}

/* Should a transaction that ended with @err be tried again? */
static bool xb_switch_retry(int err, unsigned int tries)
{
	return err == -EAGAIN && tries < XB_SWITCH_MAX_TRIES;
}

/*
 * The store accesses of a state switch, behind a table so that its
 * transaction handling can be driven by a fake store in KUnit.  Each
 * returns what the call it stands for returns.
 */
struct xb_switch_ops {
	/* xenbus_transaction_start() */
	int (*start)(void *ctx, struct xenbus_transaction *xbt);
	/* xenbus_scanf() of <@dir>/state with "%d" */
	int (*read)(void *ctx, struct xenbus_transaction xbt, const char *dir,
		    int *state);
	/* xenbus_printf() of @state to <@dir>/state */
	int (*write)(void *ctx, struct xenbus_transaction xbt,
		     const char *dir, enum xenbus_state state);
	/* xenbus_transaction_end() */
	int (*end)(void *ctx, struct xenbus_transaction xbt, bool abort);
	/* xb_report(), outside any transaction */
	void (*report)(void *ctx, struct xenbus_device *dev, int err,
		       struct va_format *vaf);
};

static int xb_store_start(void *ctx, struct xenbus_transaction *xbt)
{
	return xenbus_transaction_start(xbt);
}

static int xb_store_read(void *ctx, struct xenbus_transaction xbt,
			 const char *dir, int *state)
{
	return xenbus_scanf(xbt, dir, "state", "%d", state);
}

static int xb_store_write(void *ctx, struct xenbus_transaction xbt,
			  const char *dir, enum xenbus_state state)
{
	return xenbus_printf(xbt, dir, "state", "%d", state);
}

static int xb_store_end(void *ctx, struct xenbus_transaction xbt, bool abort)
{
	return xenbus_transaction_end(xbt, abort);
}

static void xb_store_report(void *ctx, struct xenbus_device *dev, int err,
			    struct va_format *vaf)
{
	xb_report(dev, err, vaf);
}

static const struct xb_switch_ops xb_switch_store = {
	.start = xb_store_start,
	.read = xb_store_read,
	.write = xb_store_write,
	.end = xb_store_end,
	.report = xb_store_report,
};

static __printf(5, 6)
void xb_switch_report(const struct xb_switch_ops *ops, void *ctx,
		      struct xenbus_device *dev, int err, const char *fmt, ...)
{
	struct va_format vaf = { .fmt = fmt };
	va_list ap;

	va_start(ap, fmt);
	vaf.va = &ap;
	ops->report(ctx, dev, err, &vaf);
	va_end(ap);
}

/*
 * Write @state to @dev's "state" node through @ops.  @depth is 0 for a
 * caller's switch and 1 for the switch to Closing that a failure
 * triggers: that one may fail too, and is then only reported, so a
 * broken store costs at most two reports and never recursion.
 */
static void xb_switch_run(const struct xb_switch_ops *ops, void *ctx,
			  struct xenbus_device *dev, enum xenbus_state state,
			  unsigned int depth)
{
	struct xenbus_transaction xbt;
	const char *what;
	unsigned int tries = 0;
	int cur, err;

	if (dev->state == state)
		return;

	for (;;) {
		err = ops->start(ctx, &xbt);
		if (err) {
			what = "starting transaction";
			break;
		}

		err = ops->read(ctx, xbt, dev->nodename, &cur);
		switch (xb_switch_step(err)) {
		case XB_SWITCH_WRITE:
			break;
		case XB_SWITCH_GONE:
			ops->end(ctx, xbt, true);
			dev_dbg(&dev->dev, "%s is gone, not writing %s\n",
				dev->nodename, xenbus_strstate(state));
			/*
			 * The switch still happened as far as this side is
			 * concerned: sysfs "state" and the driver's own checks
			 * of dev->state must see the device leave, as stock
			 * does, even though the store has no node to show it.
			 */
			dev->state = state;
			return;
		case XB_SWITCH_FAIL:
			ops->end(ctx, xbt, true);
			what = "reading state";
			goto fail;
		}

		err = ops->write(ctx, xbt, dev->nodename, state);
		if (err) {
			ops->end(ctx, xbt, true);
			what = "writing state";
			break;
		}

		err = ops->end(ctx, xbt, false);
		if (!err) {
			/* Only a committed write changes what we believe. */
			dev->state = state;
			return;
		}
		if (!xb_switch_retry(err, ++tries)) {
			what = "ending transaction";
			break;
		}
	}
fail:
	xb_switch_report(ops, ctx, dev, err, "%s while switching %s to %s",
			 what, dev->nodename, xenbus_strstate(state));
	if (depth == 0 && state != XenbusStateClosing)
		xb_switch_run(ops, ctx, dev, XenbusStateClosing, depth + 1);
}

static void xb_switch_state(struct xenbus_device *dev,
			    enum xenbus_state state, unsigned int depth)
{
	xb_switch_run(&xb_switch_store, NULL, dev, state, depth);
}

/**
 * xenbus_switch_state - advertise a new state of the local end
 * @dev: the device
 * @new_state: the state to move to
 *
 * Writes @new_state to <nodename>/state in a transaction that first
 * checks the node still exists, so that a device the toolstack already
 * removed is not brought back.  @dev->state follows once the write is
 * committed, or at once if the node is gone (nothing is written then).
 * A failure is reported as by xenbus_dev_error() and the device is then
 * switched to XenbusStateClosing, once.  May sleep.
 *
 * Return: 0.  Callers learn about failures from the store, not from
 * here.
 */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state new_state)
{
	xb_switch_state(dev, new_state, 0);
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_switch_state);

/**
 * xenbus_frontend_closed - finish closing a frontend
 * @dev: the frontend device
 *
 * Switches @dev to XenbusStateClosed and completes @dev->down, which the
 * bus waits on when it shuts frontends down.  May sleep.
 *
 * Return: 0.
 */
int xenbus_frontend_closed(struct xenbus_device *dev)
{
	xb_switch_state(dev, XenbusStateClosed, 0);
	/* Wakes the bus's shutdown path, which waits a bounded time for it. */
	complete(&dev->down);
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_frontend_closed);

/**
 * xenbus_read_driver_state - read the state of a device end
 * @path: the device directory whose "state" node is read
 *
 * May sleep.
 *
 * Return: the value of <path>/state, or XenbusStateUnknown if it cannot
 * be read.  The value comes from the store unchecked; pass it through
 * xenbus_strstate() before printing it.
 */
enum xenbus_state xenbus_read_driver_state(const char *path)
{
	int state;

	if (xenbus_gather(XBT_NIL, path, "state", "%d", &state, NULL))
		return XenbusStateUnknown;
	return state;
}
EXPORT_SYMBOL_GPL(xenbus_read_driver_state);

/* ------------------------------------------------------------------ */
/* Watches                                                             */
/* ------------------------------------------------------------------ */

/**
 * xenbus_watch_path - watch a store path on behalf of a device
 * @dev: the device a failure is reported against
 * @path: the path to watch; the caller keeps owning it and must keep it
 *	alive until the watch is unregistered
 * @watch: the watch to set up and register
 * @will_handle: optional filter, called before an event is queued
 * @callback: called for each event
 *
 * The callback runs on @dev's lane: in order and one at a time with the
 * device's other watches, in parallel with other devices'.  On failure
 * @watch is cleared again and the failure is reported with
 * xenbus_dev_fatal().  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int xenbus_watch_path(struct xenbus_device *dev, const char *path, struct xenbus_watch *watch,
		      bool (*will_handle)(struct xenbus_watch *, const char *, const char *),
		      void (*callback)(struct xenbus_watch *, const char *, const char *))
{
	int err;

	*watch = (struct xenbus_watch) {
		.node = path,
		.will_handle = will_handle,
		.callback = callback,
	};
	/* The device's own lane: its slow callbacks delay nobody else's. */
	err = xs_register_watch_on(watch, xenbus_dev_lane(dev));
	if (!err)
		return 0;

	/* Leave nothing behind that looks like a live watch. */
	*watch = (struct xenbus_watch) { };
	xenbus_dev_fatal(dev, err, "adding watch on %s", path);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_watch_path);

/**
 * xenbus_watch_pathfmt - watch a store path built from a format
 * @dev: the device a failure is reported against
 * @watch: the watch to set up and register
 * @will_handle: optional filter, called before an event is queued
 * @callback: called for each event
 * @pathfmt: printf-style format of the path
 *
 * Like xenbus_watch_path(), but the path is allocated here.  On success
 * it belongs to the caller, who kfree()s @watch->node after unregistering
 * the watch; on failure it has been freed already and @watch->node is
 * NULL.  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int xenbus_watch_pathfmt(struct xenbus_device *dev, struct xenbus_watch *watch,
			 bool (*will_handle)(struct xenbus_watch *,
					     const char *, const char *),
			 void (*callback)(struct xenbus_watch *,
					  const char *, const char *),
			 const char *pathfmt, ...)
{
	struct va_format vaf = { .fmt = pathfmt };
	va_list ap;
	char *path;
	int err;

	va_start(ap, pathfmt);
	vaf.va = &ap;
	path = kasprintf(GFP_NOIO | __GFP_HIGH, "%pV", &vaf);
	va_end(ap);

	err = path ? xenbus_watch_path(dev, path, watch, will_handle, callback) : -ENOMEM;
	if (!err)
		return 0;	/* the path now belongs to the caller */
	if (!path)
		xenbus_dev_fatal(dev, err, "allocating path for watch");
	kfree(path);		/* xenbus_watch_path() cleared watch->node */
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_watch_pathfmt);

/* ------------------------------------------------------------------ */
/* Sharing ring pages with the other end (frontends)                   */
/* ------------------------------------------------------------------ */

/*
 * The grant steps of xenbus_setup_ring(), behind a table so that the
 * error handling can be driven by a fake in KUnit.
 */
struct xb_grant_ops {
	/* Take a reserved reference: the ref, or a negative errno. */
	int (*claim)(void *ctx);
	/* Give a claimed but unused reference back to the reservation. */
	void (*unclaim)(void *ctx, grant_ref_t ref);
	/* Grant the other end read-write access to the page at @addr. */
	int (*grant)(void *ctx, grant_ref_t ref, void *addr);
	/* Revoke a grant; the ref is freed once the other end let go. */
	void (*end)(void *ctx, grant_ref_t ref);
};

/*
 * End every grant recorded in @grefs and mark its slot unused.
 *
 * Invariant kept by xb_grant_pages() and relied on here:
 * grefs[i] != INVALID_GRANT_REF exactly when page i is granted.
 */
static void xb_end_grants(const struct xb_grant_ops *ops, void *ctx,
			  unsigned int nr_pages, grant_ref_t *grefs)
{
	unsigned int i;

	for (i = 0; i < nr_pages; i++) {
		if (grefs[i] == INVALID_GRANT_REF)
			continue;
		ops->end(ctx, grefs[i]);
		grefs[i] = INVALID_GRANT_REF;
	}
}

/*
 * Grant the @nr_pages grant-sized pages at @vaddr, recording each ref in
 * @grefs, which must be all INVALID_GRANT_REF on entry.  If page k cannot
 * be granted, the grants of pages 0..k-1 are ended again (XSA-396: their
 * pages are then only freed once the other end has unmapped them) and
 * every slot of @grefs is left INVALID_GRANT_REF.
 */
static int xb_grant_pages(const struct xb_grant_ops *ops, void *ctx,
			  void *vaddr, unsigned int nr_pages,
			  grant_ref_t *grefs)
{
	unsigned int i;
	int ref, err;

	for (i = 0; i < nr_pages; i++) {
		ref = ops->claim(ctx);
		if (ref < 0) {
			err = ref;
			goto undo;
		}
		err = ops->grant(ctx, ref, vaddr + i * XEN_PAGE_SIZE);
		if (err) {
			ops->unclaim(ctx, ref);
			goto undo;
		}
		grefs[i] = ref;
	}
	return 0;

undo:
	xb_end_grants(ops, ctx, nr_pages, grefs);
	return err;
}

struct xb_gnttab_ctx {
	grant_ref_t head;	/* references reserved for this ring */
	domid_t domid;		/* the other end */
};

static int xb_gnttab_claim(void *ctx)
{
	struct xb_gnttab_ctx *c = ctx;

	return gnttab_claim_grant_reference(&c->head);
}

static void xb_gnttab_unclaim(void *ctx, grant_ref_t ref)
{
	struct xb_gnttab_ctx *c = ctx;

	gnttab_release_grant_reference(&c->head, ref);
}

static int xb_gnttab_grant(void *ctx, grant_ref_t ref, void *addr)
{
	struct xb_gnttab_ctx *c = ctx;
	unsigned long gfn;

	if (is_vmalloc_addr(addr)) {
		struct page *page = vmalloc_to_page(addr);

		if (!page)
			return -EFAULT;
		gfn = pfn_to_gfn(page_to_xen_pfn(page) +
				 XEN_PFN_DOWN(offset_in_page(addr)));
	} else {
		gfn = virt_to_gfn(addr);
	}
	gnttab_grant_foreign_access_ref(ref, c->domid, gfn, 0);
	return 0;
}

static void xb_gnttab_end(void *ctx, grant_ref_t ref)
{
	/*
	 * With no page given, a grant the other end still maps takes its
	 * own reference on the page until it is released, so the caller's
	 * free_pages_exact() cannot hand the page to anyone else early.
	 */
	gnttab_end_foreign_access(ref, NULL);
}

static const struct xb_grant_ops xb_gnttab_ops = {
	.claim = xb_gnttab_claim,
	.unclaim = xb_gnttab_unclaim,
	.grant = xb_gnttab_grant,
	.end = xb_gnttab_end,
};

static void xb_invalidate_grefs(grant_ref_t *grefs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		grefs[i] = INVALID_GRANT_REF;
}

/**
 * xenbus_setup_ring - allocate ring pages and grant them to the other end
 * @dev: the frontend device; the pages are granted to @dev->otherend_id
 * @gfp: allocation flags for the pages (__GFP_ZERO is added)
 * @vaddr: set to the zeroed ring, or to NULL on failure
 * @nr_pages: number of grant-sized (XEN_PAGE_SIZE) pages, at most
 *	XENBUS_MAX_RING_GRANTS
 * @grefs: array of @nr_pages, set to one grant reference per page
 *
 * On failure every grant made so far has been ended, every @grefs entry
 * is INVALID_GRANT_REF, and the error has been reported with
 * xenbus_dev_fatal().  Undo a success with xenbus_teardown_ring().
 *
 * Return: 0 or a negative errno.
 */
int xenbus_setup_ring(struct xenbus_device *dev, gfp_t gfp, void **vaddr,
		      unsigned int nr_pages, grant_ref_t *grefs)
{
	struct xb_gnttab_ctx ctx = { .domid = dev->otherend_id };
	unsigned long size = nr_pages * XEN_PAGE_SIZE;
	void *addr = NULL;
	int err;

	/* Callers tear down on failure: leave nothing that looks granted. */
	xb_invalidate_grefs(grefs, nr_pages);
	*vaddr = NULL;
	if (!nr_pages || nr_pages > XENBUS_MAX_RING_GRANTS) {
		err = -EINVAL;
		goto fail;
	}

	addr = alloc_pages_exact(size, gfp | __GFP_ZERO);
	if (!addr) {
		err = -ENOMEM;
		goto fail;
	}

	err = gnttab_alloc_grant_references(nr_pages, &ctx.head);
	if (err)
		goto fail_pages;

	err = xb_grant_pages(&xb_gnttab_ops, &ctx, addr, nr_pages, grefs);
	/* Whatever was reserved and not granted; nothing after success. */
	gnttab_free_grant_references(ctx.head);
	if (err)
		goto fail_pages;

	*vaddr = addr;
	return 0;

fail_pages:
	free_pages_exact(addr, size);
fail:
	xenbus_dev_fatal(dev, err, "setting up a ring of %u pages", nr_pages);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_setup_ring);

/**
 * xenbus_teardown_ring - end the grants of a ring and free its pages
 * @vaddr: the ring from xenbus_setup_ring(); may point to NULL.  Set to
 *	NULL.
 * @nr_pages: the number of pages it was set up with
 * @grefs: its grant references; entries that are INVALID_GRANT_REF are
 *	skipped, the others are ended and set to INVALID_GRANT_REF
 *
 * A page the other end still maps is not reused until it unmaps it.
 * Safe to call again on a ring already torn down.
 */
void xenbus_teardown_ring(void **vaddr, unsigned int nr_pages,
			  grant_ref_t *grefs)
{
	xb_end_grants(&xb_gnttab_ops, NULL, nr_pages, grefs);

	if (*vaddr)
		free_pages_exact(*vaddr, nr_pages * XEN_PAGE_SIZE);
	*vaddr = NULL;
}
EXPORT_SYMBOL_GPL(xenbus_teardown_ring);

/* ------------------------------------------------------------------ */
/* Event channels                                                      */
/* ------------------------------------------------------------------ */

/**
 * xenbus_alloc_evtchn - allocate an event channel for the other end
 * @dev: the device; the channel is offered to @dev->otherend_id
 * @port: set to the new local port on success
 *
 * The channel stays unbound until the other end binds to it.  Failure
 * is reported with xenbus_dev_fatal().  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int xenbus_alloc_evtchn(struct xenbus_device *dev, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = dev->otherend_id,
	};
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	if (err) {
		xenbus_dev_fatal(dev, err, "allocating event channel");
		return err;
	}
	*port = op.port;
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_alloc_evtchn);

/**
 * xenbus_free_evtchn - close an event channel
 * @dev: the device a failure is reported against
 * @port: the local port to close
 *
 * Failure is reported with xenbus_dev_error().  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int xenbus_free_evtchn(struct xenbus_device *dev, evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
	if (err)
		xenbus_dev_error(dev, err, "freeing event channel %u", port);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_free_evtchn);

/* ------------------------------------------------------------------ */
/* Mapping the other end's ring pages (backends)                       */
/* ------------------------------------------------------------------ */

/*
 * Every call the mapping code makes into Xen or for the memory behind a
 * ring goes through one of these wrappers, which the KUnit suite can
 * redirect to a fake grant table.
 */

/* Map a batch; Xen's verdict on each grant is in its op's status. */
static void xb_gnttab_map(struct gnttab_map_grant_ref *ops, unsigned int nr)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_gnttab_map, ops, nr);

	/* Also retries a grant whose page is paged out (GNTST_eagain). */
	gnttab_batch_map(ops, nr);
}

/*
 * Unmap a batch.  Nonzero if the hypercall as a whole failed; otherwise
 * Xen's verdict on each grant is in its op's status.
 */
static int xb_gnttab_unmap(struct gnttab_unmap_grant_ref *ops,
			   unsigned int nr)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_gnttab_unmap, ops, nr);

	return HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, ops, nr);
}

/* Pages with no RAM behind them, for grants to be mapped onto. */
static int xb_alloc_frames(unsigned int nr_pages, struct page **pages)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_alloc_frames, nr_pages, pages);

	return xen_alloc_unpopulated_pages(nr_pages, pages);
}

static void xb_free_frames(unsigned int nr_pages, struct page **pages)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_free_frames, nr_pages, pages);

	xen_free_unpopulated_pages(nr_pages, pages);
}

static void *xb_vmap_frames(struct page **pages, unsigned int nr_pages)
{
	KUNIT_STATIC_STUB_REDIRECT(xb_vmap_frames, pages, nr_pages);

	return vmap(pages, nr_pages, VM_MAP | VM_IOREMAP, PAGE_KERNEL);
}

/*
 * Keep the handle of every grant that mapped; mark the others unmapped.
 * Returns GNTST_okay, or the status of the first grant that failed, whose
 * index is then in *@bad.  A status Xen never wrote (still the positive
 * value gnttab_set_map_op() put there) counts as a general error, so a
 * failure is never mistaken for success.
 */
static int xb_note_handles(const struct gnttab_map_grant_ref *ops,
			   unsigned int nr, grant_handle_t *handles,
			   unsigned int *bad)
{
	int first = GNTST_okay;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (ops[i].status == GNTST_okay) {
			handles[i] = ops[i].handle;
			continue;
		}
		handles[i] = INVALID_GRANT_HANDLE;
		if (first == GNTST_okay) {
			first = ops[i].status < 0 ? ops[i].status :
						    GNTST_general_error;
			*bad = i;
		}
	}
	return first;
}

/*
 * Xen refused grant @gref with @status: typically the other end published
 * a reference that is not, or no longer, granted to us.  Reported as
 * fatal with Xen's status, and -ENOENT for the caller, as stock: drivers
 * pass what they get on to their own report, and a GNTST_* value read as
 * an errno would name the wrong error there.
 */
static int xb_map_refused(struct xenbus_device *dev, grant_ref_t gref,
			  int status)
{
	/* Stock's words, as seen in the lab: log readers look for them. */
	xenbus_dev_fatal(dev, status, "mapping in shared page %u from domain %d",
			 gref, dev->otherend_id);
	return -ENOENT;
}

/*
 * After an unmap hypercall: forget the handles of grants that are now
 * unmapped.  @idx[j] is the grant that @ops[j] was for.  Returns
 * GNTST_okay or the first failure.
 */
static int xb_forget_handles(const struct gnttab_unmap_grant_ref *ops,
			     const u8 *idx, unsigned int nr,
			     grant_handle_t *handles)
{
	int first = GNTST_okay;
	unsigned int j;

	for (j = 0; j < nr; j++) {
		if (ops[j].status == GNTST_okay)
			handles[idx[j]] = INVALID_GRANT_HANDLE;
		else if (first == GNTST_okay)
			first = ops[j].status;
	}
	return first;
}

static void xb_unmap_failed(struct xenbus_device *dev,
			    const struct xb_ring_map *map, int status)
{
	xenbus_dev_error(dev, status,
			 "unmapping ring of %u grants from domain %d (leaking it)",
			 map->nr_grefs, dev->otherend_id);
}

#ifdef CONFIG_XEN_PV
/*
 * PV: Xen writes each grant straight into a PTE of a kernel VA range we
 * reserve; it needs the machine address of that PTE.
 */
struct xb_pv_ptes {
	phys_addr_t maddr[XENBUS_MAX_RING_GRANTS];
	unsigned int nr;
};

static int xb_pv_note_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct xb_pv_ptes *ptes = data;

	if (ptes->nr >= ARRAY_SIZE(ptes->maddr))
		return -EINVAL;
	ptes->maddr[ptes->nr++] = arbitrary_virt_to_machine(pte).maddr;
	return 0;
}

static int xb_pv_unmap(struct xenbus_device *dev, struct xb_ring_map *map)
{
	struct gnttab_unmap_grant_ref ops[XENBUS_MAX_RING_GRANTS];
	unsigned long addr = (unsigned long)map->area->addr;
	u8 idx[XENBUS_MAX_RING_GRANTS];
	unsigned int i, nr = 0, level;
	int err;

	for (i = 0; i < map->nr_grefs; i++) {
		pte_t *pte;

		if (map->handles[i] == INVALID_GRANT_HANDLE)
			continue;
		/* Looked up now: a PTE's machine address is not forever. */
		pte = lookup_address(addr + i * PAGE_SIZE, &level);
		if (WARN_ON_ONCE(!pte)) {
			xb_unmap_failed(dev, map, GNTST_bad_virt_addr);
			return GNTST_bad_virt_addr;
		}
		gnttab_set_unmap_op(&ops[nr],
				    arbitrary_virt_to_machine(pte).maddr,
				    GNTMAP_host_map | GNTMAP_contains_pte,
				    map->handles[i]);
		idx[nr++] = i;
	}

	if (nr) {
		if (xb_gnttab_unmap(ops, nr))
			err = GNTST_general_error;
		else
			err = xb_forget_handles(ops, idx, nr, map->handles);
		if (err) {
			xb_unmap_failed(dev, map, err);
			return err;
		}
	}

	free_vm_area(map->area);
	map->area = NULL;
	return GNTST_okay;
}

static int xb_pv_map(struct xenbus_device *dev, struct xb_ring_map *map,
		     const grant_ref_t *grefs)
{
	struct gnttab_map_grant_ref ops[XENBUS_MAX_RING_GRANTS];
	unsigned long size = map->nr_grefs * PAGE_SIZE;
	struct xb_pv_ptes ptes = { .nr = 0 };
	unsigned int i, bad;
	int err, status;

	/* A PV guest on x86: a page is a grant. */
	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);

	map->area = get_vm_area(size, VM_IOREMAP);
	if (!map->area)
		return -ENOMEM;

	/* Fills in the page tables down to the PTEs, which Xen then uses. */
	err = apply_to_page_range(&init_mm, (unsigned long)map->area->addr,
				  size, xb_pv_note_pte, &ptes);
	if (err || ptes.nr != map->nr_grefs) {
		/* Page tables for the range: VA space we could not set up. */
		free_vm_area(map->area);
		map->area = NULL;
		return -ENOMEM;
	}

	for (i = 0; i < map->nr_grefs; i++)
		gnttab_set_map_op(&ops[i], ptes.maddr[i],
				  GNTMAP_host_map | GNTMAP_contains_pte,
				  grefs[i], dev->otherend_id);
	xb_gnttab_map(ops, map->nr_grefs);

	status = xb_note_handles(ops, map->nr_grefs, map->handles, &bad);
	if (status) {
		/* First: a failed undo must not overwrite the cause's report. */
		xb_pv_unmap(dev, map);
		return xb_map_refused(dev, grefs[bad], status);
	}

	map->vaddr = map->area->addr;
	return 0;
}

static const struct xb_ring_ops xb_ring_ops_pv = {
	.name = "pv",
	.map = xb_pv_map,
	.unmap = xb_pv_unmap,
};
#endif /* CONFIG_XEN_PV */

/*
 * Auto-translated: each grant is mapped onto a guest frame that has no
 * RAM behind it (an "unpopulated" page), and the pages are then vmap()ed
 * into one contiguous range.  Grant i lives in the (i % XEN_PFN_PER_PAGE)
 * 4 KiB piece of page i / XEN_PFN_PER_PAGE.
 *
 * Grants are mapped and unmapped with the plain batch hypercalls, not
 * with gnttab_map_refs() and gnttab_unmap_refs().  Those mark each page
 * PageForeign and store the grant where xen_page_foreign() finds it:
 * in page->private on 64-bit, but on 32-bit in a record page->private
 * points to, which only gnttab_alloc_pages() sets up.  Unpopulated pages
 * have 0 there, so a 32-bit driver domain (Arm32, i386 PAE) would oops on
 * its first ring.  Nothing here needs that record: the pages never leave
 * this file.  Nor the p2m updates those calls make: on x86
 * set_foreign_p2m_mapping() and clear_foreign_p2m_mapping() return at
 * once in an auto-translated guest, and on Arm they only record the
 * frame's machine address for pfn_to_bfn(), which swiotlb-xen needs to
 * DMA to a foreign page; a ring is only ever touched by the CPU.
 */
static struct page *xb_hvm_grant_page(const struct xb_ring_map *map,
				      unsigned int i)
{
	return map->pages[i / XEN_PFN_PER_PAGE];
}

static unsigned long xb_hvm_grant_addr(const struct xb_ring_map *map,
				       unsigned int i)
{
	unsigned long xen_pfn = page_to_xen_pfn(xb_hvm_grant_page(map, i)) +
				i % XEN_PFN_PER_PAGE;

	return (unsigned long)__va((phys_addr_t)xen_pfn << XEN_PAGE_SHIFT);
}

static int xb_hvm_unmap_grants(struct xenbus_device *dev,
			       struct xb_ring_map *map)
{
	struct gnttab_unmap_grant_ref ops[XENBUS_MAX_RING_GRANTS];
	u8 idx[XENBUS_MAX_RING_GRANTS];
	unsigned int i, nr = 0;
	int err;

	for (i = 0; i < map->nr_grefs; i++) {
		if (map->handles[i] == INVALID_GRANT_HANDLE)
			continue;
		gnttab_set_unmap_op(&ops[nr], xb_hvm_grant_addr(map, i),
				    GNTMAP_host_map, map->handles[i]);
		idx[nr++] = i;
	}
	if (!nr)
		return GNTST_okay;

	if (xb_gnttab_unmap(ops, nr))
		err = GNTST_general_error;
	else
		err = xb_forget_handles(ops, idx, nr, map->handles);
	if (err)
		xb_unmap_failed(dev, map, err);
	return err;
}

static int xb_hvm_unmap(struct xenbus_device *dev, struct xb_ring_map *map)
{
	int err;

	if (map->vaddr)
		vunmap(map->vaddr);
	map->vaddr = NULL;

	err = xb_hvm_unmap_grants(dev, map);
	if (err)
		return err;
	xb_free_frames(XB_RING_PAGES(map->nr_grefs), map->pages);
	return GNTST_okay;
}

static int xb_hvm_map(struct xenbus_device *dev, struct xb_ring_map *map,
		      const grant_ref_t *grefs)
{
	struct gnttab_map_grant_ref ops[XENBUS_MAX_RING_GRANTS];
	unsigned int nr_pages = XB_RING_PAGES(map->nr_grefs);
	unsigned int i, bad;
	int status;

	/* Whatever the reason, what ran out is frames to map onto. */
	if (xb_alloc_frames(nr_pages, map->pages))
		return -ENOMEM;

	for (i = 0; i < map->nr_grefs; i++)
		gnttab_set_map_op(&ops[i], xb_hvm_grant_addr(map, i),
				  GNTMAP_host_map, grefs[i], dev->otherend_id);
	xb_gnttab_map(ops, map->nr_grefs);

	status = xb_note_handles(ops, map->nr_grefs, map->handles, &bad);
	if (status) {
		/* First: a failed undo must not overwrite the cause's report. */
		xb_hvm_unmap(dev, map);
		return xb_map_refused(dev, grefs[bad], status);
	}

	map->vaddr = xb_vmap_frames(map->pages, nr_pages);
	if (!map->vaddr) {
		xb_hvm_unmap(dev, map);
		return -ENOMEM;
	}
	return 0;
}

static const struct xb_ring_ops xb_ring_ops_hvm = {
	.name = "auto-translated",
	.map = xb_hvm_map,
	.unmap = xb_hvm_unmap,
};

/**
 * xenbus_ring_ops_init - choose how rings of the other end are mapped
 *
 * Called once while the store is brought up, before any backend can
 * probe.  PV guests that manage their own page tables map grants into
 * PTEs; every other guest maps them onto unpopulated pages.
 */
void xenbus_ring_ops_init(void)
{
	const struct xb_ring_ops *ops = &xb_ring_ops_hvm;

#ifdef CONFIG_XEN_PV
	if (xen_pv_domain() && !xen_feature(XENFEAT_auto_translated_physmap))
		ops = &xb_ring_ops_pv;
#endif
	WRITE_ONCE(xb_client.ring_ops, ops);
	pr_debug("mapping rings the %s way\n", ops->name);
}

static const struct xb_ring_ops *xb_ring_ops(void)
{
	const struct xb_ring_ops *ops;

	/* Lets KUnit pick one way whatever kind of guest the tests run in. */
	KUNIT_STATIC_STUB_REDIRECT(xb_ring_ops);

	ops = READ_ONCE(xb_client.ring_ops);
	if (unlikely(!ops)) {
		/* Not brought up yet: the choice depends on nothing else. */
		xenbus_ring_ops_init();
		ops = READ_ONCE(xb_client.ring_ops);
	}
	return ops;
}

/* Take the mapping at @vaddr off the list; NULL if there is none. */
static struct xb_ring_map *xb_ring_map_take(const void *vaddr)
{
	struct xb_ring_map *map, *found = NULL;

	spin_lock(&xb_client.lock);
	list_for_each_entry(map, &xb_client.maps, list) {
		if (map->vaddr == vaddr) {
			list_del(&map->list);
			found = map;
			break;
		}
	}
	spin_unlock(&xb_client.lock);
	return found;
}

static void xb_ring_map_add(struct xb_ring_map *map)
{
	spin_lock(&xb_client.lock);
	list_add(&map->list, &xb_client.maps);
	spin_unlock(&xb_client.lock);
}

/**
 * xenbus_map_ring_valloc - map the other end's ring into kernel VA space
 * @dev: the backend device; the grants belong to @dev->otherend_id
 * @gnt_refs: the @nr_grefs grant references the other end published
 * @nr_grefs: how many, 1 to XENBUS_MAX_RING_GRANTS
 * @vaddr: set to the start of the mapping on success, to NULL otherwise
 *
 * The grants are mapped read-write into one virtually contiguous range.
 * Release it with xenbus_unmap_ring_vfree().  On failure nothing stays
 * mapped (what Xen will not unmap again is leaked, never reused).  Only
 * a grant that Xen refuses, which the other end can cause, is reported:
 * with xenbus_dev_fatal(), giving Xen's GNTST_* status and naming the
 * grant reference.  The other failures are the caller's to report.
 * May sleep.
 *
 * Return: 0; -EINVAL if @nr_grefs is out of range; -ENOMEM if memory,
 * kernel VA space or frames to map onto ran out; -ENOENT if Xen refused
 * a grant.
 */
int xenbus_map_ring_valloc(struct xenbus_device *dev, grant_ref_t *gnt_refs,
			   unsigned int nr_grefs, void **vaddr)
{
	struct xb_ring_map *map;
	int err;

	*vaddr = NULL;
	if (!nr_grefs || nr_grefs > XENBUS_MAX_RING_GRANTS)
		return -EINVAL;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map->nr_grefs = nr_grefs;

	err = xb_ring_ops()->map(dev, map, gnt_refs);
	if (err) {
		kfree(map);
		return err;
	}

	xb_ring_map_add(map);
	*vaddr = map->vaddr;
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_map_ring_valloc);

/**
 * xenbus_unmap_ring_vfree - unmap a ring mapped by xenbus_map_ring_valloc()
 * @dev: the device it was mapped for
 * @vaddr: the address xenbus_map_ring_valloc() returned
 *
 * Unmaps the grants and releases the VA range.  If Xen refuses to unmap
 * a grant, the range is leaked rather than reused.  May sleep.
 *
 * Return: GNTST_okay (0); GNTST_bad_virt_addr if @vaddr is not a mapped
 * ring, reported with xenbus_dev_error(); or the GNTST_* status of a
 * failed unmap.
 */
int xenbus_unmap_ring_vfree(struct xenbus_device *dev, void *vaddr)
{
	struct xb_ring_map *map;
	int err;

	map = xb_ring_map_take(vaddr);
	if (!map) {
		xenbus_dev_error(dev, -ENOENT,
				 "no mapped ring at %p to unmap", vaddr);
		return GNTST_bad_virt_addr;
	}

	err = xb_ring_ops()->unmap(dev, map);
	/* On failure the mapping itself is leaked; its record is not needed. */
	kfree(map);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_unmap_ring_vfree);

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_client_test.c"
#endif
