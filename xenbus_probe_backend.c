// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "xen-backend" bus: the devices this domain serves to other
 * domains' frontends, found under "backend/<type>/<frontend domid>/<devid>".
 *
 * Owns the bus type, device names built from the frontend's id, the
 * uevents that the toolstack's hotplug scripts run on, the watch on
 * "backend" that adds and removes devices, the XSA-349 limit on queued
 * frontend state events, and a shrinker that lets backend drivers give
 * memory back.  Probe, remove and enumeration themselves are the bus
 * core's (xenbus_probe.c).
 */

#define pr_fmt(fmt) "xenbus_backend: " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/notifier.h>
#include <linux/semaphore.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xenbus.h"

#define BE_ROOT		"backend"

/*
 * The whole state of the backend bus.  It needs no lock: every member
 * is set up once at init and never torn down (xenbus.o is built in).
 */
struct xenbus_backend {
	struct xen_bus_type bus;
	struct xenbus_watch watch;	/* on BE_ROOT: devices come and go */
	struct notifier_block store_nb;	/* xenstore is up: probe, watch */
	struct shrinker *shrinker;	/* NULL if it could not be had */
};

/* ------------------------------------------------------------------ */
/* Bus callbacks                                                       */
/* ------------------------------------------------------------------ */

/*
 * The name comes from the node's "frontend-id", and is only given to a
 * device whose frontend exists: a backend node without one is a
 * half-built or half-removed device, not one to bind a driver to.
 */
static int be_get_bus_id(char bus_id[XEN_BUS_ID_SIZE], const char *nodename)
{
	char *frontend = NULL;
	int frontend_id, err;

	err = xenbus_gather(XBT_NIL, nodename, "frontend-id", "%i",
			    &frontend_id, "frontend", NULL, &frontend, NULL);
	if (!err) {
		if (!*frontend)
			err = -ERANGE;
		else if (!xenbus_exists(XBT_NIL, frontend, ""))
			err = -ENOENT;
	}
	kfree(frontend);
	/* failures are logged by xenbus_probe_node(), our only caller */
	if (!err)
		err = xenbus_backend_bus_id(bus_id, nodename, frontend_id);
	return err;
}

/*
 * Add every device "<root>/<type>/<domid>/<devid>" of one frontend
 * domain, listing with @list and adding with @probe_node: the store and
 * xenbus_probe_node(), except in KUnit.
 */
static int be_probe_domain_list(struct xen_bus_type *bus, const char *type,
				const char *domid, xenbus_list_fn list,
				int (*probe_node)(struct xen_bus_type *bus,
						  const char *type,
						  const char *nodename))
{
	unsigned int nr_devs, i;
	char *dir, **devs;
	int err = 0;

	dir = kasprintf(GFP_NOIO | __GFP_HIGH, "%s/%s/%s", bus->root, type,
			domid);
	if (!dir)
		return -ENOMEM;
	devs = list(XBT_NIL, dir, "", &nr_devs);
	if (IS_ERR(devs)) {
		kfree(dir);
		return PTR_ERR(devs);
	}
	/* one bad device must not hide the others: go on, report the first */
	for (i = 0; i < nr_devs; i++) {
		char *nodename;
		int rc = -ENOMEM;

		nodename = kasprintf(GFP_NOIO | __GFP_HIGH, "%s/%s", dir,
				     devs[i]);
		if (nodename) {
			rc = probe_node(bus, type, nodename);
			kfree(nodename);
		}
		if (rc && !err)
			err = rc;
	}
	kfree(devs);
	kfree(dir);
	return err;
}

static int be_probe_domain(struct xen_bus_type *bus, const char *type,
			   const char *domid)
{
	return be_probe_domain_list(bus, type, domid, xenbus_directory,
				    xenbus_probe_node);
}

static int be_read_frontend_details(struct xenbus_device *xdev)
{
	return xenbus_read_otherend_details(xdev, "frontend-id", "frontend");
}

/*
 * XSA-349: the frontend is another, possibly hostile, domain that can
 * rewrite its state node as fast as it likes.  Queue at most one event
 * per device; the callback reads the current state anyway.
 */
static bool be_frontend_will_handle(struct xenbus_watch *watch,
				    const char *path, const char *token)
{
	return watch->nr_pending == 0;
}

static void be_frontend_changed(struct xenbus_watch *watch, const char *path,
				const char *token)
{
	xenbus_otherend_changed(watch, path, token, 0);
}

/* What the toolstack's hotplug rules (SUBSYSTEM=="xen-backend") read. */
static int be_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	const struct xenbus_device *xdev = to_xenbus_device(dev);
	const struct device_driver *ddrv = READ_ONCE(dev->driver);

	if (add_uevent_var(env, "MODALIAS=xen-backend:%s", xdev->devicetype) ||
	    add_uevent_var(env, "XENBUS_TYPE=%s", xdev->devicetype) ||
	    add_uevent_var(env, "XENBUS_PATH=%s", xdev->nodename) ||
	    add_uevent_var(env, "XENBUS_BASE_PATH=%s", BE_ROOT))
		return -ENOMEM;
	if (ddrv) {
		const struct xenbus_driver *drv = to_xenbus_driver(ddrv);

		if (drv->uevent)
			return drv->uevent(xdev, env);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shrinker                                                            */
/* ------------------------------------------------------------------ */

static int be_reclaim_one(struct device *dev, void *data)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	const struct device_driver *ddrv;

	/*
	 * reclaim_sem keeps the driver's probe and remove out while it
	 * reclaims; it is only tried, as reclaim must not stall behind a
	 * probe.  A driver whose remove has just run may still be seen in
	 * dev->driver for a moment, so ->reclaim_memory() must cope with a
	 * device it has let go (blkback finds no drvdata and returns).
	 */
	if (down_trylock(&xdev->reclaim_sem))
		return 0;
	ddrv = READ_ONCE(dev->driver);
	if (ddrv) {
		const struct xenbus_driver *drv = to_xenbus_driver(ddrv);

		if (drv->reclaim_memory)
			drv->reclaim_memory(xdev);
	}
	up(&xdev->reclaim_sem);
	return 0;
}

/*
 * Memory is short: let every backend driver drop what it caches (e.g.
 * blkback's persistent grants).  The drivers free it themselves, so
 * there is never anything left for the shrinker core to scan.
 */
static unsigned long be_shrink_count(struct shrinker *shrinker,
				     struct shrink_control *sc)
{
	struct xenbus_backend *xbe = shrinker->private_data;

	bus_for_each_dev(&xbe->bus.bus, NULL, NULL, be_reclaim_one);
	return 0;
}

static unsigned long be_shrink_scan(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	return SHRINK_STOP;
}

/* ------------------------------------------------------------------ */
/* Bus bring-up                                                        */
/* ------------------------------------------------------------------ */

static void be_devices_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	struct xenbus_backend *xbe = container_of(watch, struct xenbus_backend,
						  watch);

	xenbus_dev_changed(path, &xbe->bus);
}

static int be_store_ready(struct notifier_block *nb, unsigned long event,
			  void *data)
{
	struct xenbus_backend *xbe = container_of(nb, struct xenbus_backend,
						  store_nb);
	int err;

	err = xenbus_probe_devices(&xbe->bus);
	/* No root directory (yet) is normal: nothing to probe. */
	if (err && err != -ENOENT)
		pr_warn("probing devices failed: %d\n", err);
	err = xenbus_watch_root(&xbe->watch);
	if (err)
		pr_err("cannot watch %s, devices added later will be missed: %d\n",
		       xbe->watch.node, err);
	return NOTIFY_DONE;
}

static struct xenbus_backend xenbus_backend = {
	.bus = {
		.root			= BE_ROOT,
		.levels			= 3,
		.get_bus_id		= be_get_bus_id,
		.probe			= be_probe_domain,
		.otherend_will_handle	= be_frontend_will_handle,
		.otherend_changed	= be_frontend_changed,
		.bus = {
			.name		= "xen-backend",
			.match		= xenbus_match,
			.uevent		= be_uevent,
			.probe		= xenbus_dev_probe,
			.remove		= xenbus_dev_remove,
			.dev_groups	= xenbus_dev_groups,
		},
	},
	.watch = {
		.node			= BE_ROOT,
		.callback		= be_devices_changed,
	},
	.store_nb = {
		.notifier_call		= be_store_ready,
	},
};

/**
 * xenbus_dev_is_online() - has the toolstack marked a device online?
 * @dev: a backend device
 *
 * Reads "online" under the device's node, which the toolstack clears
 * when it wants the device gone; a backend checks it on seeing its
 * frontend close, to tell a detach from a frontend reconnecting.
 *
 * Context: process context, sleeps on the store.
 * Return: the node's value, 0 if it is missing or unreadable.
 */
int xenbus_dev_is_online(struct xenbus_device *dev)
{
	return xenbus_read_unsigned(dev->nodename, "online", 0);
}
EXPORT_SYMBOL_GPL(xenbus_dev_is_online);

/**
 * __xenbus_register_backend() - register a driver for backend devices
 * @drv: the driver; its ->read_otherend_details is filled in here
 * @owner: the module that owns @drv
 * @mod_name: that module's KBUILD_MODNAME
 *
 * Binds @drv to the "xen-backend" bus, so it is probed for every device
 * whose type is in its id table.  Use the xenbus_register_backend()
 * wrapper.
 *
 * Context: process context.
 * Return: 0, or a negative errno from the driver core.
 */
int __xenbus_register_backend(struct xenbus_driver *drv, struct module *owner,
			      const char *mod_name)
{
	drv->read_otherend_details = be_read_frontend_details;
	return xenbus_register_driver_common(drv, &xenbus_backend.bus, owner,
					     mod_name);
}
EXPORT_SYMBOL_GPL(__xenbus_register_backend);

static int __init xenbus_backend_init(void)
{
	struct shrinker *shrinker;
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = bus_register(&xenbus_backend.bus.bus);
	if (err)
		return err;

	/* without it backends just keep their caches: not worth failing */
	shrinker = shrinker_alloc(0, "xen-backend");
	if (shrinker) {
		shrinker->count_objects = be_shrink_count;
		shrinker->scan_objects = be_shrink_scan;
		shrinker->private_data = &xenbus_backend;
		shrinker_register(shrinker);
		xenbus_backend.shrinker = shrinker;
	} else {
		pr_warn("no shrinker: backend caches will not be reclaimed\n");
	}

	err = register_xenstore_notifier(&xenbus_backend.store_nb);
	if (err) {
		shrinker_free(xenbus_backend.shrinker);
		xenbus_backend.shrinker = NULL;
		bus_unregister(&xenbus_backend.bus.bus);
	}
	return err;
}
subsys_initcall(xenbus_backend_init);

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_probe_backend_test.c"
#endif
