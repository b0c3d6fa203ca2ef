// SPDX-License-Identifier: GPL-2.0-only
/*
 * xb_stall: a lab-only xenbus backend driver whose state callback can be
 * told to sleep.  It owns nothing but the "labstall" device type and exists
 * for tools/lab/scenarios/stall.sh, which measures whether one device's
 * slow otherend_changed() holds up the state changes of other devices.
 *
 * A device is an ordinary backend directory,
 * backend/labstall/<frontend-id>/<id>, holding "frontend", "frontend-id"
 * and "state" = 1 (Initialising).  The handshake is the smallest one a
 * backend can do: probe goes to InitWait; when the frontend says
 * Initialised (or Connected) the backend says Connected; it follows the
 * frontend to Closing and Closed.
 *
 * If the backend directory holds "stall" = 1, every Initialised/Connected
 * report first sleeps for "stall-ms" (from the same directory, default: the
 * stall_ms parameter), then counts the sleep in "stalled", so the scenario
 * can see when a stall is over.
 *
 * Apart from the driver, a plain watch (register_xenbus_watch(), no device)
 * on /local/domain/0/lab-plainstall/go, for tools/lab/scenarios/
 * flood-stall.sh: when "go" is written (non-zero), its callback sleeps
 * lab-plainstall/ms milliseconds (absent or 0: no sleep) on whatever
 * thread runs plain watch callbacks, then writes the number of events it
 * handled to lab-plainstall/done.  The event the store sends when the watch
 * is registered, and the one "rm go" makes, find no "go" and are not
 * counted, so "done" = 1 means exactly: the first stall is over.
 *
 * Only the public xenbus API is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

static unsigned int stall_ms = 10000;
module_param(stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms, "Sleep of a stalling device's state callback, in ms (default 10000)");

/* A store value must not be able to park a callback for long. */
#define XB_STALL_MAX_MS		60000
/* The plain watch's cap on a sleep: the scenario asks for 45 s. */
#define XB_PLAIN_MAX_MS		120000
#define XB_PLAIN_DIR		"/local/domain/0/lab-plainstall"
/* Tries of the transaction that writes "stalled" (-EAGAIN is a retry). */
#define XB_STALL_TRIES		5

/*
 * Per-device state.  @stalls is only touched from the device's
 * otherend_changed(), which the xenbus core never runs twice at once for
 * one device, so it needs no lock.
 */
struct xb_stall_dev {
	unsigned int stalls;
};

/*
 * Record a finished stall in the backend directory.  A transaction that
 * checks "state" first keeps the write from re-creating a directory the
 * toolstack removed while we slept.
 */
static void xb_stall_count(struct xenbus_device *dev, unsigned int stalls)
{
	struct xenbus_transaction xbt;
	int tries, err;

	for (tries = 0; tries < XB_STALL_TRIES; tries++) {
		err = xenbus_transaction_start(&xbt);
		if (err)
			break;
		err = -ENOENT;
		if (xenbus_exists(xbt, dev->nodename, "state"))
			err = xenbus_printf(xbt, dev->nodename, "stalled", "%u", stalls);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			break;
		}
		err = xenbus_transaction_end(xbt, 0);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		dev_warn_ratelimited(&dev->dev, "could not record stall %u: %d\n",
				     stalls, err);
}

/* Sleep if the backend directory asks for it; says which thread slept. */
static void xb_stall_maybe_sleep(struct xenbus_device *dev)
{
	struct xb_stall_dev *sd = dev_get_drvdata(&dev->dev);
	unsigned int ms;
	unsigned long t0;

	if (!xenbus_read_unsigned(dev->nodename, "stall", 0))
		return;
	ms = min(xenbus_read_unsigned(dev->nodename, "stall-ms", stall_ms),
		 XB_STALL_MAX_MS);
	dev_info(&dev->dev, "stalling %u ms in otherend_changed (thread %s)\n",
		 ms, current->comm);
	t0 = jiffies;
	msleep(ms);
	sd->stalls++;
	dev_info(&dev->dev, "stall %u over after %u ms\n", sd->stalls,
		 jiffies_to_msecs(jiffies - t0));
	xb_stall_count(dev, sd->stalls);
}

static void xb_stall_otherend_changed(struct xenbus_device *dev,
				      enum xenbus_state frontend_state)
{
	switch (frontend_state) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		xb_stall_maybe_sleep(dev);
		xenbus_switch_state(dev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		xenbus_switch_state(dev, XenbusStateClosed);
		break;
	default:
		/* Initialising, InitWait, Unknown: nothing to answer yet. */
		break;
	}
}

static int xb_stall_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct xb_stall_dev *sd;
	int err;

	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	dev_set_drvdata(&dev->dev, sd);
	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err) {
		dev_set_drvdata(&dev->dev, NULL);
		kfree(sd);
	}
	return err;
}

static void xb_stall_remove(struct xenbus_device *dev)
{
	kfree(dev_get_drvdata(&dev->dev));
	dev_set_drvdata(&dev->dev, NULL);
}

static const struct xenbus_device_id xb_stall_ids[] = {
	{ "labstall" },
	{ "" }
};

static struct xenbus_driver xb_stall_driver = {
	.ids = xb_stall_ids,
	.probe = xb_stall_probe,
	.remove = xb_stall_remove,
	.otherend_changed = xb_stall_otherend_changed,
};

/* Events the plain watch counted; only its callback touches it. */
static unsigned int xb_plain_done;

static void xb_plain_changed(struct xenbus_watch *watch, const char *path,
			     const char *token)
{
	unsigned int ms;
	unsigned long t0;
	int err;

	/* Registration's own event and "rm go" are no requests to stall. */
	if (!xenbus_read_unsigned(XB_PLAIN_DIR, "go", 0))
		return;
	ms = min(xenbus_read_unsigned(XB_PLAIN_DIR, "ms", 0), XB_PLAIN_MAX_MS);
	pr_info("plain watch: stalling %u ms (thread %s)\n", ms, current->comm);
	t0 = jiffies;
	if (ms)
		msleep(ms);
	xb_plain_done++;
	pr_info("plain watch: stall %u over after %u ms\n", xb_plain_done,
		jiffies_to_msecs(jiffies - t0));
	err = xenbus_printf(XBT_NIL, XB_PLAIN_DIR, "done", "%u", xb_plain_done);
	if (err)
		pr_warn("plain watch: could not write done: %d\n", err);
}

static struct xenbus_watch xb_plain_watch = {
	.node = XB_PLAIN_DIR "/go",
	.callback = xb_plain_changed,
};

static int __init xb_stall_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = register_xenbus_watch(&xb_plain_watch);
	if (err) {
		pr_err("cannot watch %s: %d\n", xb_plain_watch.node, err);
		return err;
	}
	err = xenbus_register_backend(&xb_stall_driver);
	if (err)
		unregister_xenbus_watch(&xb_plain_watch);
	return err;
}
module_init(xb_stall_init);

static void __exit xb_stall_exit(void)
{
	xenbus_unregister_driver(&xb_stall_driver);
	/* Waits for a callback that is still running. */
	unregister_xenbus_watch(&xb_plain_watch);
}
module_exit(xb_stall_exit);

MODULE_DESCRIPTION("Lab-only xenbus backend whose state callback can stall");
MODULE_LICENSE("GPL");
