// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "xen" bus: the frontend devices that other domains serve to this
 * one, found under "device/<type>/<id>".
 *
 * Owns the bus type, its device names and uevents, the watch on "device"
 * that adds and removes devices, the reset of devices a kexec'd or
 * crashed kernel left behind, the close-down at shutdown, the frontend
 * hibernation hooks and the boot-time wait for devices to connect.
 * Probe, remove and enumeration themselves are the bus core's
 * (xenbus_probe.c).  This file may be built as a module, so it uses only
 * exported symbols.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/pm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <xen/platform_pci.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xenbus.h"

#define FE_ROOT			"device"

/* Bounded waits for a backend that may never answer. */
#define FE_CLOSE_TIMEOUT	(5 * HZ)	/* shutdown: Connected -> Closed */
#define FE_CLOSE_POLL		(HZ / 10)	/* ... looking at the backend */
#define FE_RESET_TIMEOUT	(5 * HZ)	/* kexec/kdump reset, per step */

/*
 * Boot wait: every connecting device may hold boot for FE_WAIT_ANY_SECS,
 * essential ones (not ->not_essential) for FE_WAIT_ESSENTIAL_SECS in all,
 * counted from the start of the wait as Linux 6.12 counts them (so 270 s,
 * not 30 + 270; seen on stock in the lab).  The console shows the seconds
 * left of the current limit every FE_WAIT_TICK_SECS.
 */
#define FE_WAIT_ANY_SECS	30
#define FE_WAIT_ESSENTIAL_SECS	270
#define FE_WAIT_TICK_SECS	5
#define FE_WAIT_POLL		(HZ / 10)

/*
 * The whole state of the frontend bus.  It needs no lock: the bus, the
 * watch and the notifier are set up once at init and never torn down
 * (the module has no exit), and @ready_to_wait only ever goes from false
 * to true, read and written with READ_ONCE()/WRITE_ONCE().
 */
struct xenbus_frontend {
	struct xen_bus_type bus;
	struct xenbus_watch watch;	/* on FE_ROOT: devices come and go */
	struct notifier_block store_nb;	/* xenstore is up: probe, watch */
	bool ready_to_wait;		/* boot wait ran; later drivers wait too */
};

/* ------------------------------------------------------------------ */
/* Pure helpers (tested by kunit/xenbus_probe_frontend_test.c)         */
/* ------------------------------------------------------------------ */

/*
 * "device/<type>/<id>" -> "<type>-<id>".  Returns -EINVAL for a node of
 * another shape and -ENOSPC when the name does not fit XEN_BUS_ID_SIZE.
 */
static int fe_format_bus_id(char bus_id[XEN_BUS_ID_SIZE], const char *nodename)
{
	const char *type, *id;

	type = strchr(nodename, '/');
	if (!type)
		return -EINVAL;
	type++;
	id = strchr(type, '/');
	if (!id || id == type || !id[1] || strchr(id + 1, '/'))
		return -EINVAL;
	if (snprintf(bus_id, XEN_BUS_ID_SIZE, "%.*s-%s",
		     (int)(id - type), type, id + 1) >= XEN_BUS_ID_SIZE)
		return -ENOSPC;
	return 0;
}

/*
 * device/console/0 is the domain's first console.  hvc_xen drives it
 * from the start-of-day page and event channel, not as a bus device.
 */
static bool fe_is_boot_console(const char *type, const char *id)
{
	return !strcmp(type, "console") && !strcmp(id, "0");
}

/*
 * Is @xdev, bound to @drv (NULL: unbound), still on its way up?  An
 * unbound device is not: nobody will connect it.  Past Connected
 * (Closing, Closed) it has given up and is not worth waiting for either.
 */
static bool fe_dev_connecting(struct xenbus_device *xdev,
			      struct xenbus_driver *drv)
{
	enum xenbus_state state = READ_ONCE(xdev->state);

	if (!drv)
		return false;
	if (state < XenbusStateConnected)
		return true;
	return state == XenbusStateConnected && drv->is_ready &&
	       !drv->is_ready(xdev);
}

static unsigned int fe_wait_limit(bool essential)
{
	return essential ? FE_WAIT_ESSENTIAL_SECS : FE_WAIT_ANY_SECS;
}

/*
 * The countdown printed at the tick @elapsed seconds into the wait: the
 * seconds left of the limit in force, FE_WAIT_ANY_SECS for the first
 * ones whatever is connecting, then FE_WAIT_ESSENTIAL_SECS while an
 * essential device is.  -1: nothing to print.
 */
static int fe_wait_countdown(unsigned int elapsed, bool essential)
{
	unsigned int limit = FE_WAIT_ANY_SECS;

	if (elapsed > FE_WAIT_ANY_SECS && essential)
		limit = FE_WAIT_ESSENTIAL_SECS;
	if (!elapsed || elapsed % FE_WAIT_TICK_SECS || elapsed > limit)
		return -1;
	return limit - elapsed;
}

/*
 * A previous kernel in this domain left @state behind: Closed after a
 * clean kexec, Connected after a crash into a kdump kernel.  Either way
 * the backend must be walked back to the start before this kernel can
 * connect again.  Whether reset_devices was given does not matter: a
 * kdump kernel started without it still finds its disk Connected.
 */
static bool fe_needs_reset(enum xenbus_state state)
{
	return state == XenbusStateClosed || state == XenbusStateConnected;
}

/*
 * One step of the reset, chosen by where the backend is: the state the
 * frontend writes next (*@write) and the one the backend should then
 * reach (*@want).  Returns false when there is nothing left to wait for:
 * the backend is ready for a new frontend (InitWait), not there
 * (Unknown) or not set up yet (Initialising); the frontend then only
 * writes Initialising.
 */
static bool fe_reset_next(enum xenbus_state be_state,
			  enum xenbus_state *write, enum xenbus_state *want)
{
	switch (be_state) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured:
		*write = XenbusStateClosing;
		*want = XenbusStateClosing;
		return true;
	case XenbusStateClosing:
		*write = XenbusStateClosed;
		*want = XenbusStateClosed;
		return true;
	case XenbusStateClosed:
		*write = XenbusStateInitialising;
		*want = XenbusStateInitWait;
		return true;
	default:
		*write = XenbusStateInitialising;
		return false;
	}
}

/*
 * Has the backend followed the frontend to @want?  A backend that races
 * on from Closing to Closed counts as having followed to Closing, and
 * one whose state node is gone (Unknown) will not move again.
 */
static bool fe_backend_followed(enum xenbus_state want,
				enum xenbus_state be_state)
{
	if (be_state == XenbusStateUnknown || be_state == want)
		return true;
	return want == XenbusStateClosing && be_state == XenbusStateClosed;
}

/* ------------------------------------------------------------------ */
/* Bus callbacks                                                       */
/* ------------------------------------------------------------------ */

/* Add the device "<root>/<type>/<id>" unless it is the boot console. */
static int fe_probe_device(struct xen_bus_type *bus, const char *type,
			   const char *id)
{
	char *nodename;
	int err;

	if (fe_is_boot_console(type, id))
		return 0;
	nodename = kasprintf(GFP_NOIO | __GFP_HIGH, "%s/%s/%s",
			     bus->root, type, id);
	if (!nodename)
		return -ENOMEM;
	err = xenbus_probe_node(bus, type, nodename);
	kfree(nodename);
	return err;
}

static int fe_read_backend_details(struct xenbus_device *xdev)
{
	return xenbus_read_otherend_details(xdev, "backend-id", "backend");
}

/* The backend's state node changed; events are dropped during shutdown. */
static void fe_backend_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	xenbus_otherend_changed(watch, path, token, 1);
}

static int fe_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	const struct xenbus_device *xdev = to_xenbus_device(dev);

	return add_uevent_var(env, "MODALIAS=xen:%s", xdev->devicetype);
}

/*
 * Restore from hibernation, deferred.  With xenstored in this domain
 * (XS_LOCAL) the store does not answer until user space is thawed, which
 * happens after the device restore callbacks return; resuming in place
 * would wait for it forever.
 */
static void fe_delayed_resume(struct work_struct *work)
{
	struct xenbus_device *xdev = container_of(work, struct xenbus_device,
						  work);

	/* failures are logged by the bus core; nobody is left to tell */
	xenbus_dev_resume(&xdev->dev);
}

static int fe_dev_probe(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);

	if (xen_store_domain_type == XS_LOCAL)
		INIT_WORK(&xdev->work, fe_delayed_resume);
	return xenbus_dev_probe(dev);
}

static void fe_dev_remove(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);

	/* a resume still queued must not run on an unbound device */
	if (xen_store_domain_type == XS_LOCAL)
		cancel_work_sync(&xdev->work);
	xenbus_dev_remove(dev);
}

static int fe_restore(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);

	if (xen_store_domain_type != XS_LOCAL)
		return xenbus_dev_resume(dev);
	/* the work item exists only once a driver has been bound */
	if (dev->driver)
		schedule_work(&xdev->work);
	return 0;
}

/*
 * Closing at shutdown is split into a start and a wait against a
 * deadline taken at the start, so that every device could be asked to
 * close first and all of them waited for together (one 5 s budget for
 * the lot, facts §4 row 17).  For now the driver core calls
 * fe_shutdown() for one device after the other, as Linux does, and an
 * unresponsive backend costs each device up to FE_CLOSE_TIMEOUT.
 */
static bool fe_close_begin(struct xenbus_device *xdev,
			   unsigned long *deadline)
{
	enum xenbus_state state = READ_ONCE(xdev->state);

	if (state != XenbusStateConnected) {
		/* Linux's message, naming its function, for the same logs */
		pr_info("xenbus_frontend_dev_shutdown: %s: %s != %s, skipping\n",
			xdev->nodename, xenbus_strstate(state),
			xenbus_strstate(XenbusStateConnected));
		return false;
	}
	*deadline = jiffies + FE_CLOSE_TIMEOUT;
	/* completed by xenbus_frontend_closed() once the backend let go */
	reinit_completion(&xdev->down);
	xenbus_switch_state(xdev, XenbusStateClosing);
	return true;
}

/*
 * Wait for the backend to follow to Closing.  Normally the other-end
 * callback sees it and completes @down through xenbus_frontend_closed();
 * but that callback runs on the device's lane, which may be stalled, or
 * frozen when a hibernated domain powers off.  So look at the backend's
 * state as well, every FE_CLOSE_POLL, and close from here once it moved.
 */
static void fe_close_wait(struct xenbus_device *xdev, unsigned long deadline)
{
	enum xenbus_state be;
	long left;

	for (;;) {
		left = (long)(deadline - jiffies);
		if (left <= 0)
			break;
		if (wait_for_completion_timeout(&xdev->down,
						min_t(long, left, FE_CLOSE_POLL)))
			return;
		be = xenbus_read_driver_state(xdev->otherend);
		if (be == XenbusStateClosing || be == XenbusStateClosed) {
			xenbus_frontend_closed(xdev);
			return;
		}
	}
	/* Linux's message, naming its function, for the same logs */
	pr_info("xenbus_frontend_dev_shutdown: %s timeout closing device\n",
		xdev->nodename);
}

static void fe_shutdown(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	unsigned long deadline;

	if (fe_close_begin(xdev, &deadline))
		fe_close_wait(xdev, deadline);
}

static const struct dev_pm_ops fe_pm_ops = {
	.freeze		= xenbus_dev_suspend,
	.thaw		= xenbus_dev_cancel,
	.restore	= fe_restore,
};

/* ------------------------------------------------------------------ */
/* kexec/kdump: walk devices left behind back to Initialising          */
/* ------------------------------------------------------------------ */

/* A temporary watch on <backend>/state, waiting for it to reach @want. */
struct fe_reset_wait {
	struct xenbus_watch watch;
	const char *backend;
	enum xenbus_state want;
	struct completion done;
};

static void fe_reset_backend_changed(struct xenbus_watch *watch,
				     const char *path, const char *token)
{
	struct fe_reset_wait *rw = container_of(watch, struct fe_reset_wait,
						watch);

	if (fe_backend_followed(rw->want, xenbus_read_driver_state(rw->backend)))
		complete(&rw->done);
}

/*
 * Write @state as the frontend's state; if @wait, give the backend up to
 * FE_RESET_TIMEOUT to follow to @want.  Returns whether it followed, so
 * that a dead backend costs one timeout rather than one per step.
 */
static bool fe_reset_step(const char *fe, const char *be,
			  enum xenbus_state state, enum xenbus_state want,
			  bool wait)
{
	struct fe_reset_wait rw = {
		.watch.callback = fe_reset_backend_changed,
		.backend = be,
		.want = want,
	};
	bool followed = false;
	int err;

	err = xenbus_printf(XBT_NIL, fe, "state", "%d", state);
	if (err) {
		pr_warn_ratelimited("%s: cannot set state %s: %d\n", fe,
				    xenbus_strstate(state), err);
		return false;
	}
	if (!wait)
		return false;

	init_completion(&rw.done);
	rw.watch.node = kasprintf(GFP_NOIO | __GFP_HIGH, "%s/state", be);
	if (!rw.watch.node)
		return false;
	/* a new watch fires once at once, so a backend already there counts */
	err = register_xenbus_watch(&rw.watch);
	if (!err) {
		followed = wait_for_completion_timeout(&rw.done,
						       FE_RESET_TIMEOUT);
		/* waits out a callback in flight: @rw is on our stack */
		unregister_xenbus_watch(&rw.watch);
	}
	kfree(rw.watch.node);
	if (!followed)
		pr_warn_ratelimited("%s: backend %s did not reach %s\n", fe, be,
				    xenbus_strstate(want));
	return followed;
}

/* Steps of a reset at most: Closing, Closed, then Initialising. */
#define FE_RESET_STEPS		3

/*
 * Walk the backend back to InitWait, one step for each state it is in
 * (Connected -> Closing -> Closed -> InitWait), the frontend leading with
 * Closing, Closed and Initialising.  Initialising is written in the end
 * even when the backend stopped answering: the bus core only adds
 * devices that are Initialising.  A dead backend costs one timeout.
 */
static void fe_reset_device(const char *fe, const char *be,
			    enum xenbus_state state)
{
	enum xenbus_state write, want;
	unsigned int step;

	pr_info("%s: resetting from %s, backend %s\n", fe,
		xenbus_strstate(state), be);
	for (step = 0; step < FE_RESET_STEPS; step++) {
		if (!fe_reset_next(xenbus_read_driver_state(be), &write, &want))
			break;
		if (!fe_reset_step(fe, be, write, want, true))
			break;		/* the backend stopped answering */
		if (write == XenbusStateInitialising)
			return;		/* and the backend is in InitWait */
	}
	fe_reset_step(fe, be, XenbusStateInitialising, XenbusStateInitWait,
		      false);
}

static void fe_reset_check(const char *root, const char *type, const char *id)
{
	enum xenbus_state state;
	char *fe, *be;

	fe = kasprintf(GFP_NOIO | __GFP_HIGH, "%s/%s/%s", root, type, id);
	if (!fe)
		return;
	state = xenbus_read_driver_state(fe);
	if (fe_needs_reset(state)) {
		be = xenbus_read(XBT_NIL, fe, "backend", NULL);
		if (!IS_ERR(be)) {
			if (*be)
				fe_reset_device(fe, be, state);
			kfree(be);
		}
	}
	kfree(fe);
}

static void fe_reset_devices(struct xenbus_frontend *xfe)
{
	const char *root = xfe->bus.root;
	unsigned int nr_types, nr_ids, i, j;
	char **types, **ids;

	types = xenbus_directory(XBT_NIL, root, "", &nr_types);
	if (IS_ERR(types))
		return;
	for (i = 0; i < nr_types; i++) {
		ids = xenbus_directory(XBT_NIL, root, types[i], &nr_ids);
		if (IS_ERR(ids))
			continue;
		for (j = 0; j < nr_ids; j++)
			if (!fe_is_boot_console(types[i], ids[j]))
				fe_reset_check(root, types[i], ids[j]);
		kfree(ids);
	}
	kfree(types);
}

/* ------------------------------------------------------------------ */
/* Bus bring-up                                                        */
/* ------------------------------------------------------------------ */

static void fe_devices_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	struct xenbus_frontend *xfe = container_of(watch,
						   struct xenbus_frontend,
						   watch);

	xenbus_dev_changed(path, &xfe->bus);
}

static int fe_store_ready(struct notifier_block *nb, unsigned long event,
			  void *data)
{
	struct xenbus_frontend *xfe = container_of(nb, struct xenbus_frontend,
						   store_nb);
	int err;

	/*
	 * Only an HVM guest can have been kexec'd or kdump'd into with its
	 * devices still set up; PV guests and dom0 always start clean.
	 */
	if (xen_hvm_domain() && !xen_initial_domain())
		fe_reset_devices(xfe);

	err = xenbus_probe_devices(&xfe->bus);
	/* No root directory (yet) is normal: nothing to probe. */
	if (err && err != -ENOENT)
		pr_warn("probing devices failed: %d\n", err);
	/*
	 * A lane of its own for the root watch is the bus core's to give,
	 * and the core exports nothing Linux does not: built as a module,
	 * this bus watches on xenwatch, as Linux's does.
	 */
	if (IS_BUILTIN(CONFIG_XEN_XENBUS_FRONTEND))
		err = xenbus_watch_root(&xfe->watch);
	else
		err = register_xenbus_watch(&xfe->watch);
	if (err)
		pr_err("cannot watch %s, devices added later will be missed: %d\n",
		       xfe->watch.node, err);
	return NOTIFY_DONE;
}

static struct xenbus_frontend xenbus_frontend = {
	.bus = {
		.root			= FE_ROOT,
		.levels			= 2,
		.get_bus_id		= fe_format_bus_id,
		.probe			= fe_probe_device,
		.otherend_changed	= fe_backend_changed,
		.bus = {
			.name		= "xen",
			.match		= xenbus_match,
			.uevent		= fe_uevent,
			.probe		= fe_dev_probe,
			.remove		= fe_dev_remove,
			.shutdown	= fe_shutdown,
			.dev_groups	= xenbus_dev_groups,
			.pm		= &fe_pm_ops,
		},
	},
	.watch = {
		.node			= FE_ROOT,
		.callback		= fe_devices_changed,
	},
	.store_nb = {
		.notifier_call		= fe_store_ready,
	},
};

/* ------------------------------------------------------------------ */
/* Waiting for devices to connect                                      */
/* ------------------------------------------------------------------ */

struct fe_wait_scan {
	struct xenbus_driver *only;	/* NULL: devices of every driver */
	bool any;			/* some device is connecting */
	bool essential;			/* ... an essential one among them */
};

static int fe_wait_scan_one(struct device *dev, void *data)
{
	struct fe_wait_scan *scan = data;
	struct xenbus_driver *drv;

	/*
	 * The device lock keeps ->is_ready() from racing with remove.  A
	 * device locked right now is being probed, removed or resumed: not
	 * settled, so it counts as connecting, and as essential since its
	 * driver cannot be looked at.
	 */
	if (!device_trylock(dev)) {
		if (!scan->only ||
		    READ_ONCE(dev->driver) == &scan->only->driver) {
			scan->any = true;
			scan->essential = true;
		}
		return 0;
	}
	drv = dev->driver ? to_xenbus_driver(dev->driver) : NULL;
	if ((!scan->only || drv == scan->only) &&
	    fe_dev_connecting(to_xenbus_device(dev), drv)) {
		scan->any = true;
		if (!drv->not_essential)
			scan->essential = true;
	}
	device_unlock(dev);
	return 0;
}

/* What the end of a wait reports about one device. */
struct fe_wait_report {
	struct xenbus_driver *only;	/* NULL: devices of every driver */
	bool timed_out;
};

/*
 * After the wait, say which devices it leaves behind: at info level, the
 * devices no driver took (only at boot, when every driver's devices are
 * waited for), and, at warning level if the wait timed out, those still
 * connecting.  As stock Linux prints them, on every boot that has such a
 * device.  One line per device and wait, so not ratelimited: the lines
 * are the diagnosis.
 */
static int fe_wait_report_one(struct device *dev, void *data)
{
	struct fe_wait_report *rep = data;
	struct xenbus_device *xdev = to_xenbus_device(dev);
	enum xenbus_state remote = XenbusStateUnknown;
	struct device_driver *ddrv;
	struct xenbus_driver *drv;
	bool locked;

	if (!READ_ONCE(dev->driver)) {
		if (!rep->only)
			pr_info("Device with no driver: %s\n", xdev->nodename);
		return 0;
	}
	if (!rep->timed_out)
		return 0;

	locked = device_trylock(dev);
	ddrv = READ_ONCE(dev->driver);
	drv = ddrv ? to_xenbus_driver(ddrv) : NULL;
	if (!drv || (rep->only && drv != rep->only))
		goto out;
	if (locked) {
		if (!fe_dev_connecting(xdev, drv))
			goto out;
		remote = xenbus_read_driver_state(xdev->otherend);
	}
	/* unlocked, ->otherend may be going away: report Unknown */
	pr_warn("Timeout connecting to device: %s (local state %d, remote state %d)\n",
		xdev->nodename, READ_ONCE(xdev->state), remote);
out:
	if (locked)
		device_unlock(dev);
	return 0;
}

/*
 * Hold the caller until the devices of @only (NULL: of every driver)
 * are connected, polling every FE_WAIT_POLL: any device for up to
 * FE_WAIT_ANY_SECS, essential ones for up to FE_WAIT_ESSENTIAL_SECS.
 * Boot must not mount root before its disk is there; but a backend that
 * never shows up (a vfb nobody serves) must not hold it for long.
 */
static void wait_for_devices(struct xenbus_driver *only)
{
	const struct bus_type *bus = &xenbus_frontend.bus.bus;
	struct fe_wait_report rep = { .only = only };
	unsigned int next_tick = FE_WAIT_TICK_SECS;
	unsigned long start = jiffies;
	bool printed = false;

	if (!READ_ONCE(xenbus_frontend.ready_to_wait))
		return;

	for (;;) {
		struct fe_wait_scan scan = { .only = only };
		unsigned int elapsed;
		int left;

		bus_for_each_dev(bus, NULL, &scan, fe_wait_scan_one);
		if (!scan.any)
			break;

		elapsed = jiffies_to_msecs(jiffies - start) / MSEC_PER_SEC;
		for (; next_tick <= elapsed; next_tick += FE_WAIT_TICK_SECS) {
			left = fe_wait_countdown(next_tick, scan.essential);
			if (left < 0)
				continue;
			/* warning: "quiet" consoles must still show it */
			if (!printed)
				pr_warn("Waiting for devices to initialise: ");
			printed = true;
			pr_cont("%ds...", left);
		}
		if (elapsed >= fe_wait_limit(scan.essential)) {
			rep.timed_out = true;
			break;
		}
		/* a module's loader may be killed; boot has no signals */
		if (fatal_signal_pending(current))
			break;
		schedule_timeout_killable(FE_WAIT_POLL);
	}
	/* Linux ends the countdown with an empty line of its own. */
	if (printed)
		printk(KERN_DEFAULT "\n");
	bus_for_each_dev(bus, NULL, &rep, fe_wait_report_one);
}

/**
 * __xenbus_register_frontend() - register a driver for frontend devices
 * @drv: the driver; its ->read_otherend_details is filled in here
 * @owner: the module that owns @drv
 * @mod_name: that module's KBUILD_MODNAME
 *
 * Binds @drv to the "xen" bus, so it is probed for every device whose
 * type is in its id table.  Once the boot-time wait has run, a driver
 * registered later (from a module) waits here in turn for its own
 * devices to connect, bounded as at boot.  Use the
 * xenbus_register_frontend() wrapper.
 *
 * Context: process context, may sleep for up to 270 seconds.
 * Return: 0, or a negative errno from the driver core.
 */
int __xenbus_register_frontend(struct xenbus_driver *drv, struct module *owner,
			       const char *mod_name)
{
	int err;

	drv->read_otherend_details = fe_read_backend_details;
	err = xenbus_register_driver_common(drv, &xenbus_frontend.bus, owner,
					    mod_name);
	if (err)
		return err;
	wait_for_devices(drv);
	return 0;
}
EXPORT_SYMBOL_GPL(__xenbus_register_frontend);

static int __init xenbus_frontend_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = bus_register(&xenbus_frontend.bus.bus);
	if (err)
		return err;
	err = register_xenstore_notifier(&xenbus_frontend.store_nb);
	if (err)
		bus_unregister(&xenbus_frontend.bus.bus);
	return err;
}
subsys_initcall(xenbus_frontend_init);

#ifndef MODULE
/*
 * Built in, the frontend drivers registered before this point; wait for
 * their devices before user space looks for its root disk.  As a module
 * there is no boot to hold, and drivers do not wait.
 */
static int __init boot_wait_for_devices(void)
{
	if (!xen_domain() || !xen_has_pv_devices())
		return -ENODEV;
	WRITE_ONCE(xenbus_frontend.ready_to_wait, true);
	wait_for_devices(NULL);
	return 0;
}
late_initcall(boot_wait_for_devices);
#endif

MODULE_DESCRIPTION("Xen frontend device bus");
MODULE_LICENSE("GPL");

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_probe_frontend_test.c"
#endif
