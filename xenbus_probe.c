// SPDX-License-Identifier: GPL-2.0-only
/*
 * Store bring-up and the bus core of both xenbus buses.
 *
 * This file owns two things.  First, finding xenstore at boot in every
 * mode Xen offers (PV start_info, HVM params, a xenstored in this very
 * domain, or a page that only appears later), deciding when the store is
 * usable, and then running the xenstore notifier chain exactly once.
 * Second, the parts of the "xen" and "xen-backend" buses that do not
 * depend on which end we are: matching, binding a driver to a device and
 * watching the other end, creating and removing devices as the store
 * changes, the per-device sysfs attributes, and the PM helpers.  The two
 * bus files supply only what differs between the ends (struct
 * xen_bus_type).
 */

#define pr_fmt(fmt) "xenbus: " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

#include <asm/xen/hypervisor.h>

#include <xen/events.h>
#include <xen/hvm.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/xenbus.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>

#include "xenbus.h"

/* ------------------------------------------------------------------ */
/* Store bring-up                                                      */
/* ------------------------------------------------------------------ */

/* HVM_PARAM_STORE_PFN while the toolstack has yet to allocate the page. */
#define XB_STORE_PFN_LATE	(~0ULL)
/* Highest frame whose address still fits in phys_addr_t. */
#define XB_STORE_PFN_MAX	((u64)PHYS_ADDR_MAX >> XEN_PAGE_SHIFT)

/* How often the probe thread re-checks a store that cannot signal us. */
#define XB_PROBE_POLL_MIN	(HZ / 50)
#define XB_PROBE_POLL_MAX	(HZ / 4)

int xen_store_evtchn;
EXPORT_SYMBOL_GPL(xen_store_evtchn);

struct xenstore_domain_interface *xen_store_interface;
EXPORT_SYMBOL_GPL(xen_store_interface);

enum xenstore_init xen_store_domain_type;
EXPORT_SYMBOL_GPL(xen_store_domain_type);

/* Read by drivers/xen/sys-hypervisor.c; only ever goes from 0 to 1. */
int xenstored_ready;

static int xb_resume_cb(struct notifier_block *nb, unsigned long action,
			void *data);

/*
 * The bring-up state.  xenbus_init() runs before anything else can look;
 * after it, the fields below @probe_lock are only touched under it.
 */
static struct xb_store {
	/*
	 * serialises xenbus_probe(); protects @probed, @dead, @page_mapped
	 * and the late irq; taken before @ready_lock
	 */
	struct mutex probe_lock;
	bool probed;
	int dead;			/* bring-up gave up with this errno */
	bool page_mapped;		/* xen_store_interface is memremap()ed */
	bool late_irq_bound;
	int late_irq;			/* "xenstore_late_init" */

	/* orders xenstored_ready's 0 -> 1 step against chain registration */
	struct mutex ready_lock;
	struct blocking_notifier_head chain;

	/* the probe thread sleeps here; @kicks counts reasons to look again */
	wait_queue_head_t probe_wq;
	atomic_t kicks;
	bool callback_via_set;		/* platform-pci set CALLBACK_IRQ */

	struct notifier_block resume_nb;
} xb_store = {
	.probe_lock = __MUTEX_INITIALIZER(xb_store.probe_lock),
	.ready_lock = __MUTEX_INITIALIZER(xb_store.ready_lock),
	.chain = BLOCKING_NOTIFIER_INIT(xb_store.chain),
	.probe_wq = __WAIT_QUEUE_HEAD_INITIALIZER(xb_store.probe_wq),
	.kicks = ATOMIC_INIT(0),
	.resume_nb = { .notifier_call = xb_resume_cb },
};

static bool xb_have_vector_callback(void)
{
#ifdef CONFIG_X86
	return xen_have_vector_callback;
#else
	return true;	/* Arm delivers events through a PPI from boot */
#endif
}

/* Something may have made the store reachable: let the probe thread look. */
static void xb_kick_probe(void)
{
	atomic_inc(&xb_store.kicks);
	wake_up(&xb_store.probe_wq);
}

static bool xb_kicked(int seen)
{
	return atomic_read(&xb_store.kicks) != seen;
}

static bool xb_store_pfn_valid(u64 pfn)
{
	return pfn && pfn != XB_STORE_PFN_LATE;
}

/*
 * Runs for every event on the store channel until the store is probed.
 * An HVM-param hypercall is cheap and safe here; mapping the page is not,
 * so that is left to the probe thread.
 */
static irqreturn_t xb_late_init_irq(int irq, void *dev_id)
{
	u64 pfn;

	if (!hvm_get_parameter(HVM_PARAM_STORE_PFN, &pfn) &&
	    xb_store_pfn_valid(pfn))
		xb_kick_probe();
	return IRQ_HANDLED;
}

static int __init xb_bind_late_irq(void)
{
	int irq;

	irq = bind_evtchn_to_irqhandler(xen_store_evtchn, xb_late_init_irq, 0,
					"xenstore_late_init", &xb_store);
	if (irq < 0) {
		pr_err("cannot bind the xenstore event channel: %d\n", irq);
		return irq;
	}
	xb_store.late_irq = irq;
	xb_store.late_irq_bound = true;
	return 0;
}

/*
 * free_irq() rather than unbind_from_irqhandler(): unbinding would close
 * the event channel, and the transport binds the same port next.
 */
static void xb_free_late_irq(void)
{
	if (!xb_store.late_irq_bound)
		return;
	free_irq(xb_store.late_irq, &xb_store);
	xb_store.late_irq_bound = false;
}

static int xb_map_store_page(u64 pfn)
{
	struct xenstore_domain_interface *intf;

	if (!pfn) {
		pr_warn("no xenstore page (HVM_PARAM_STORE_PFN is 0)\n");
		return -ENOENT;
	}
	if (pfn > XB_STORE_PFN_MAX) {
		pr_err("xenstore page frame %#llx is out of reach\n", pfn);
		return -EINVAL;
	}
	intf = memremap(pfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE, MEMREMAP_WB);
	if (!intf) {
		pr_err("cannot map the xenstore page at frame %#llx\n", pfn);
		return -EINVAL;
	}
	WRITE_ONCE(xen_store_interface, intf);
	xb_store.page_mapped = true;
	return 0;
}

/* dom0 running xenstored itself: we provide the page and the port. */
static int __init xb_setup_local(void)
{
	struct evtchn_alloc_unbound alloc = {
		.dom = DOMID_SELF,
		.remote_dom = DOMID_SELF,
	};
	unsigned long page;
	int err;

	page = get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;

	/*
	 * Every Xen this kernel boots on has alloc_unbound; without a port
	 * xenstored could never reach us, so any failure ends bring-up.
	 */
	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
	if (err) {
		pr_err("cannot allocate the xenstore event channel: %d\n", err);
		free_page(page);
		return err;
	}

	xen_store_domain_type = XS_LOCAL;
	xen_store_evtchn = alloc.port;
	xen_store_interface = (void *)page;
	return 0;
}

static int __init xb_locate_pv(void)
{
	if (!xen_start_info->store_evtchn)
		return xb_setup_local();

	xen_store_domain_type = XS_PV;
	xen_store_evtchn = xen_start_info->store_evtchn;
	xen_store_interface = gfn_to_virt(xen_start_info->store_mfn);
	return 0;
}

static int __init xb_locate_hvm(void)
{
	u64 v;
	int err;

	err = hvm_get_parameter(HVM_PARAM_STORE_EVTCHN, &v);
	if (err)
		return err;
	/*
	 * No channel: a dom0 hosting xenstored, or (Arm "xen,enhanced"
	 * without xenstore, page and port both 0) no store at all.
	 */
	if (!v && xen_initial_domain())
		return xb_setup_local();
	if (!v || v > INT_MAX) {
		pr_info("no xenstore event channel, running without xenstore\n");
		return -ENOENT;
	}
	xen_store_domain_type = XS_HVM;
	xen_store_evtchn = v;

	err = hvm_get_parameter(HVM_PARAM_STORE_PFN, &v);
	if (err)
		return err;
	if (v == XB_STORE_PFN_LATE) {
		pr_info("xenstore page not allocated yet, waiting for it\n");
		return xb_bind_late_irq();
	}
	err = xb_map_store_page(v);
	if (err)
		return err;
	/* dom0less: the page exists before xenstored has taken it over */
	if (READ_ONCE(xen_store_interface->connection) != XENSTORE_CONNECTED) {
		pr_info("xenstore not connected yet, waiting for it\n");
		return xb_bind_late_irq();
	}
	return 0;
}

/* Undo a bring-up that failed before the transport was started. */
static void __init xb_abandon_store(void)
{
	xb_free_late_irq();
	if (xen_store_domain_type == XS_LOCAL && xen_store_interface)
		free_page((unsigned long)xen_store_interface);
	else if (xb_store.page_mapped)
		memunmap(xen_store_interface);
	xb_store.page_mapped = false;
	xen_store_interface = NULL;
	xen_store_evtchn = 0;
	xen_store_domain_type = XS_UNKNOWN;
}

/*
 * Has xenstored in this domain taken up the channel we allocated?  Once it
 * binds its end, the port turns from unbound to interdomain; that is the
 * one sign of life we can see without owning the store interrupt (the
 * transport does).  A moved ring index is accepted too, in case the status
 * hypercall is refused: the page started out zeroed.
 */
static bool xb_local_store_connected(void)
{
	struct evtchn_status st = {
		.dom = DOMID_SELF,
		.port = READ_ONCE(xen_store_evtchn),
	};
	struct xenstore_domain_interface *intf = xen_store_interface;

	if (st.port && !HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) &&
	    st.status == EVTCHNSTAT_interdomain)
		return true;
	return READ_ONCE(intf->req_cons) || READ_ONCE(intf->rsp_prod);
}

/*
 * Can the store be used now?  0: yes; -EAGAIN: not yet; anything else:
 * it never will be.  May map a late-allocated page, hence process context.
 */
static int xb_store_reachable(void)
{
	u64 pfn;
	int err;

	lockdep_assert_held(&xb_store.probe_lock);

	switch (xen_store_domain_type) {
	case XS_PV:
		return 0;
	case XS_LOCAL:
		return xb_local_store_connected() ? 0 : -EAGAIN;
	case XS_HVM:
		break;
	default:
		return -ENODEV;
	}

	/* Without a vector callback no event reaches us before platform-pci. */
	if (!xb_have_vector_callback() && !READ_ONCE(xb_store.callback_via_set))
		return -EAGAIN;
	if (!xen_store_interface) {
		err = hvm_get_parameter(HVM_PARAM_STORE_PFN, &pfn);
		if (err || !xb_store_pfn_valid(pfn))
			return -EAGAIN;
		err = xb_map_store_page(pfn);
		if (err)
			return err;
	}
	if (READ_ONCE(xen_store_interface->connection) != XENSTORE_CONNECTED)
		return -EAGAIN;
	return 0;
}

/*
 * Bring the store up if it can be, once: start the request layer where
 * that was deferred, announce xenstored_ready and run the notifier chain.
 * Returns 0 once done (by this or an earlier call), -EAGAIN if the store
 * is not reachable yet, another errno if bring-up has given up.
 */
static int xenbus_probe(void)
{
	int err;

	mutex_lock(&xb_store.probe_lock);
	err = xb_store.dead;
	if (xb_store.probed || err)
		goto out;

	err = xb_store_reachable();
	if (err) {
		if (err != -EAGAIN)
			xb_store.dead = err;
		goto out;
	}

	xb_free_late_irq();
	/* HVM waited until event delivery was sure to work */
	if (xen_store_domain_type == XS_HVM) {
		err = xs_init();
		if (err) {
			pr_err("cannot start talking to xenstore: %d\n", err);
			xb_store.dead = err;
			goto out;
		}
	}

	xb_store.probed = true;
	mutex_lock(&xb_store.ready_lock);
	WRITE_ONCE(xenstored_ready, 1);
	mutex_unlock(&xb_store.ready_lock);

	/*
	 * Still under probe_lock, so that whoever triggered the probe
	 * returns only after the buses have been enumerated.
	 */
	blocking_notifier_call_chain(&xb_store.chain, 0, NULL);
out:
	mutex_unlock(&xb_store.probe_lock);
	return err;
}

/*
 * Waits for a store that cannot be used at device_initcall time: a dom0
 * whose xenstored has not started, or an HVM guest whose page is late or
 * whose events need platform-pci.  Woken by the late-init interrupt and
 * by xen_set_callback_via(); it also polls, with a growing period capped
 * at XB_PROBE_POLL_MAX, because a local xenstored announces itself only
 * on the store interrupt, which the transport owns.
 */
static int xb_probe_thread(void *unused)
{
	unsigned long delay = XB_PROBE_POLL_MIN;
	int kicks, err;

	for (;;) {
		kicks = atomic_read(&xb_store.kicks);
		err = xenbus_probe();
		if (err != -EAGAIN)
			break;
		wait_event_interruptible_timeout(xb_store.probe_wq,
						 xb_kicked(kicks), delay);
		delay = min(delay * 2, (unsigned long)XB_PROBE_POLL_MAX);
	}
	if (err)
		pr_err("giving up on xenstore: %d\n", err);
	return 0;
}

/* Migration may have handed us a new store channel. */
static int xb_resume_cb(struct notifier_block *nb, unsigned long action,
			void *data)
{
	u64 v;

	switch (xen_store_domain_type) {
	case XS_HVM:
		if (!hvm_get_parameter(HVM_PARAM_STORE_EVTCHN, &v))
			WRITE_ONCE(xen_store_evtchn, v);
		break;
	case XS_PV:
		WRITE_ONCE(xen_store_evtchn, xen_start_info->store_evtchn);
		break;
	default:
		break;
	}
	return NOTIFY_DONE;
}

/**
 * register_xenstore_notifier() - be told when xenstore is usable
 * @nb: notifier; its callback gets (@nb, 0, NULL)
 *
 * If the store is already up, @nb is called at once, from this context;
 * otherwise it is called from the xenstore notifier chain when it comes up.
 * Either way it is called exactly once.
 *
 * Return: the callback's return value if it ran, else 0 or the chain's
 * registration error.
 */
int register_xenstore_notifier(struct notifier_block *nb)
{
	bool ready;
	int ret = 0;

	mutex_lock(&xb_store.ready_lock);
	ready = READ_ONCE(xenstored_ready);
	if (!ready)
		ret = blocking_notifier_chain_register(&xb_store.chain, nb);
	mutex_unlock(&xb_store.ready_lock);

	if (ready)
		ret = nb->notifier_call(nb, 0, NULL);
	return ret;
}
EXPORT_SYMBOL_GPL(register_xenstore_notifier);

/**
 * unregister_xenstore_notifier() - undo register_xenstore_notifier()
 * @nb: notifier to remove from the chain
 *
 * Harmless for a notifier that was called at registration time and so
 * never joined the chain.
 */
void unregister_xenstore_notifier(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&xb_store.chain, nb);
}
EXPORT_SYMBOL_GPL(unregister_xenstore_notifier);

/**
 * xen_set_callback_via() - route event channel upcalls
 * @via: value for HVM_PARAM_CALLBACK_IRQ
 *
 * Used by the event code and by platform-pci.  When events arrive through
 * platform-pci's interrupt, this is the moment an HVM store becomes
 * usable, so a deferred probe runs here, synchronously, so that the PV
 * devices exist before the boot goes on to wait for them.
 *
 * Context: process context; may sleep only when it runs the probe, which
 * it never does once the store is up (resume).
 * Return: 0 or the hypercall's error.
 */
int xen_set_callback_via(uint64_t via)
{
	struct xen_hvm_param a = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = via,
	};
	int err;

	err = HYPERVISOR_hvm_op(HVMOP_set_param, &a);
	if (err)
		return err;
	if (xb_have_vector_callback())
		return 0;

	WRITE_ONCE(xb_store.callback_via_set, true);
	if (READ_ONCE(xenstored_ready) || xen_store_domain_type != XS_HVM)
		return 0;
	xb_kick_probe();
	/* -EAGAIN (page late or not connected) is the probe thread's to wait out */
	xenbus_probe();
	return 0;
}
EXPORT_SYMBOL_GPL(xen_set_callback_via);

static int __init xenbus_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;

	xenbus_ring_ops_init();
	if (IS_ENABLED(CONFIG_XEN_COMPAT_XENFS))
		proc_create_mount_point("xen");

	err = xen_pv_domain() ? xb_locate_pv() : xb_locate_hvm();
	if (err)
		goto abandon;

	/* HVM waits for xenbus_probe(): its callback may not work yet */
	if (xen_store_domain_type != XS_HVM) {
		err = xs_init();
		if (err) {
			/* the transport may hold on to page and port: keep them */
			pr_err("cannot start talking to xenstore: %d\n", err);
			xb_store.dead = err;
			return err;
		}
	}

	xen_resume_notifier_register(&xb_store.resume_nb);

	/* A PV store works from the start; it is up before subsys_initcall. */
	if (xen_store_domain_type == XS_PV)
		xenbus_probe();
	return 0;

abandon:
	xb_abandon_store();
	return err;
}
postcore_initcall(xenbus_init);

static int __init xenbus_probe_initcall(void)
{
	struct task_struct *task;
	int err;

	if (!xen_domain() || xen_store_domain_type == XS_UNKNOWN)
		return -ENODEV;

	err = xenbus_probe();
	if (err != -EAGAIN)
		return err;

	task = kthread_run(xb_probe_thread, NULL, "xenbus_probe");
	if (IS_ERR(task)) {
		pr_err("cannot start the xenbus_probe thread: %ld\n",
		       PTR_ERR(task));
		return PTR_ERR(task);
	}
	return 0;
}
device_initcall(xenbus_probe_initcall);

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

/* Is @path @prefix itself or below it?  "a/b/1" is not under "a/b/10". */
static bool xb_path_is_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (!path[n] || path[n] == '/');
}

/* An other-end event from before the other end last moved (resume)? */
static bool xb_otherend_event_is_stale(const char *otherend,
				       const char *path)
{
	return !otherend || !xb_path_is_under(path, otherend);
}

/*
 * Where a bus watch event points.  With @device set, the first @len bytes
 * of the path name the device it lies in ("device/vbd/51712" for
 * "device/vbd/51712/state"); otherwise the event is above any device (the
 * root, a type, or a backend's domain directory) and @len is the whole
 * path.  The type is the @type_len bytes after "<root>/".
 */
struct xb_node_ref {
	size_t len;
	size_t type_len;
	bool device;
};

static int xb_parse_bus_node(const char *node, const char *root,
			     unsigned int levels, struct xb_node_ref *ref)
{
	size_t rootlen = strlen(root);
	const char *p, *comp;
	unsigned int n = 0;

	if (!levels || strncmp(node, root, rootlen))
		return -EINVAL;
	p = node + rootlen;
	if (*p && *p != '/')
		return -EINVAL;

	ref->type_len = 0;
	while (*p == '/' && n < levels) {
		comp = p + 1;
		p = strchrnul(comp, '/');
		if (p == comp)
			return -EINVAL;		/* "//" or a trailing '/' */
		if (!n)
			ref->type_len = p - comp;
		n++;
	}
	ref->len = p - node;
	ref->device = n == levels;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Binding drivers to devices                                          */
/* ------------------------------------------------------------------ */

static const struct xenbus_device_id *
xb_match_id(const struct xenbus_device_id *ids, const struct xenbus_device *dev)
{
	if (!ids)
		return NULL;
	for (; ids->devicetype[0]; ids++)
		if (!strcmp(ids->devicetype, dev->devicetype))
			return ids;
	return NULL;
}

/**
 * xenbus_match() - bus match callback for both xenbus buses
 * @_dev: a xenbus device
 * @_drv: a xenbus driver
 *
 * Return: 1 if @_dev's type is in @_drv's id table, else 0.
 */
int xenbus_match(struct device *_dev, const struct device_driver *_drv)
{
	const struct xenbus_driver *drv = to_xenbus_driver(_drv);

	return !!xb_match_id(drv->ids, to_xenbus_device(_dev));
}
EXPORT_SYMBOL_GPL(xenbus_match);

static void xb_free_otherend_details(struct xenbus_device *dev)
{
	kfree(dev->otherend);
	dev->otherend = NULL;
}

/* reclaim_sem keeps the shrinker's reclaim_memory() off a half-bound device. */
static int xb_call_probe(struct xenbus_device *dev, struct xenbus_driver *drv,
			 const struct xenbus_device_id *id)
{
	int err;

	down(&dev->reclaim_sem);
	err = drv->probe(dev, id);
	up(&dev->reclaim_sem);
	return err;
}

/* Run the driver's remove under reclaim_sem, as the shrinker expects. */
static void xb_call_remove(struct xenbus_device *dev,
			   struct xenbus_driver *drv)
{
	if (!drv->remove)
		return;
	down(&dev->reclaim_sem);
	drv->remove(dev);
	up(&dev->reclaim_sem);
}

/*
 * The outside world as binding and unbinding see it.  xb_live_ops talks
 * to xenstore and sysfs; the KUnit suite plugs in fakes so that it can
 * fail every step and check the unwinding.
 */
struct xb_bind_ops {
	int (*talk_to_otherend)(struct xenbus_device *dev,
				struct xenbus_driver *drv);
	int (*watch_otherend)(struct xenbus_device *dev);
	void (*unwatch_otherend)(struct xenbus_device *dev);
	int (*add_stats)(struct xenbus_device *dev);
	void (*remove_stats)(struct xenbus_device *dev);
	bool (*get_owner)(struct xenbus_driver *drv);
	void (*put_owner)(struct xenbus_driver *drv);
};

/*
 * Steps of a probe after the id matched, each undone in reverse on a later
 * failure: in particular a failed otherend watch undoes drv->probe through
 * drv->remove (CVE-2024-53198).  Other-end details do not outlive a
 * failed bind.
 */
static int xb_bind(struct xenbus_device *dev, struct xenbus_driver *drv,
		   const struct xenbus_device_id *id,
		   const struct xb_bind_ops *ops)
{
	int err;

	err = ops->talk_to_otherend(dev, drv);
	if (!err && !ops->get_owner(drv))
		err = -ENODEV;
	if (err)
		goto out_details;

	err = xb_call_probe(dev, drv, id);
	if (err)
		goto out_put;

	err = ops->watch_otherend(dev);
	if (err)
		goto out_remove;

	dev->spurious_threshold = 1;
	err = ops->add_stats(dev);
	if (err)
		goto out_unwatch;
	return 0;

out_unwatch:
	ops->unwatch_otherend(dev);
out_remove:
	xb_call_remove(dev, drv);
out_put:
	ops->put_owner(drv);
out_details:
	xb_free_otherend_details(dev);
	return err;
}

/* Everything xb_bind() set up, in reverse; the otherend watch goes first
 * so that no state change reaches a driver being removed.
 */
static void xb_unbind(struct xenbus_device *dev, struct xenbus_driver *drv,
		      const struct xb_bind_ops *ops)
{
	ops->remove_stats(dev);
	ops->unwatch_otherend(dev);
	xb_call_remove(dev, drv);
	ops->put_owner(drv);
	xb_free_otherend_details(dev);
}

static void xb_unwatch_otherend(struct xenbus_device *dev)
{
	if (!dev->otherend_watch.node)
		return;
	unregister_xenbus_watch(&dev->otherend_watch);
	kfree(dev->otherend_watch.node);
	dev->otherend_watch.node = NULL;
}

static int xb_watch_otherend(struct xenbus_device *dev)
{
	const struct xen_bus_type *bus =
		container_of_const(dev->dev.bus, struct xen_bus_type, bus);

	return xenbus_watch_pathfmt(dev, &dev->otherend_watch,
				    bus->otherend_will_handle,
				    bus->otherend_changed,
				    "%s/state", dev->otherend);
}

/* Forget the old other end, then learn (and check) the current one. */
static int xb_talk_to_otherend(struct xenbus_device *dev,
			       struct xenbus_driver *drv)
{
	int err;

	xb_unwatch_otherend(dev);
	xb_free_otherend_details(dev);

	if (!drv->read_otherend_details)
		return -ENODEV;
	err = drv->read_otherend_details(dev);
	if (err)
		return err;

	if (!dev->otherend || !dev->otherend[0] ||
	    !xenbus_exists(XBT_NIL, dev->otherend, "")) {
		xenbus_dev_fatal(dev, -ENOENT,
				 "other end of %s is missing or inaccessible",
				 dev->nodename);
		xb_free_otherend_details(dev);
		return -ENOENT;
	}
	return 0;
}

static const struct attribute_group xb_stats_group;

static int xb_add_stats(struct xenbus_device *dev)
{
	return device_add_group(&dev->dev, &xb_stats_group);
}

static void xb_remove_stats(struct xenbus_device *dev)
{
	device_remove_group(&dev->dev, &xb_stats_group);
}

static bool xb_get_owner(struct xenbus_driver *drv)
{
	return try_module_get(drv->driver.owner);
}

static void xb_put_owner(struct xenbus_driver *drv)
{
	module_put(drv->driver.owner);
}

static const struct xb_bind_ops xb_live_ops = {
	.talk_to_otherend = xb_talk_to_otherend,
	.watch_otherend = xb_watch_otherend,
	.unwatch_otherend = xb_unwatch_otherend,
	.add_stats = xb_add_stats,
	.remove_stats = xb_remove_stats,
	.get_owner = xb_get_owner,
	.put_owner = xb_put_owner,
};

/**
 * xenbus_read_otherend_details() - read where the other end lives
 * @xendev: device whose node holds the two keys
 * @id_node: key holding the other end's domain id ("backend-id", ...)
 * @path_node: key holding the other end's path ("backend", ...)
 *
 * Fills @xendev->otherend_id and @xendev->otherend (kmalloc()ed, freed by
 * the bus core).  On failure the device is marked fatal in the store.
 *
 * Return: 0 or a negative errno from the store.
 */
int xenbus_read_otherend_details(struct xenbus_device *xendev,
				 char *id_node, char *path_node)
{
	int err;

	xb_free_otherend_details(xendev);
	err = xenbus_gather(XBT_NIL, xendev->nodename, id_node, "%i", &xendev->otherend_id,
			    path_node, NULL, &xendev->otherend, NULL);
	if (err) {
		xenbus_dev_fatal(xendev, err,
				 "reading other end details from %s",
				 xendev->nodename);
		xb_free_otherend_details(xendev);
	}
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_read_otherend_details);

/*
 * Drivers that keep state across their devices without a lock, relying
 * on Linux running every callback on one thread (Documentation/
 * consumers.rst): 9pfs lowers a global maximum message size as each of
 * its devices connects.  Their other-end callbacks run one at a time,
 * whichever lanes their devices have.
 */
static const char *const xb_serial_drivers[] = { "9pfs" };
static DEFINE_MUTEX(xb_serial_lock);

static bool xb_driver_is_serial(const struct xenbus_driver *drv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xb_serial_drivers); i++)
		if (!strcmp(drv->driver.name, xb_serial_drivers[i]))
			return true;
	return false;
}

/* drv->otherend_changed(), as the driver can bear it. */
static void xb_call_otherend_changed(struct xenbus_device *dev,
				     struct xenbus_driver *drv,
				     enum xenbus_state state)
{
	bool serial = xb_driver_is_serial(drv);

	/*
	 * The driver may unregister its own device from here, and go on
	 * using it (tpmfront completes its closing after unregistering).
	 */
	get_device(&dev->dev);
	if (serial)
		mutex_lock(&xb_serial_lock);
	drv->otherend_changed(dev, state);
	if (serial)
		mutex_unlock(&xb_serial_lock);
	put_device(&dev->dev);
}

/**
 * xenbus_otherend_changed() - common part of the buses' otherend watch
 * @watch: the device's otherend_watch
 * @path: path the event is for
 * @token: watch token (unused)
 * @ignore_on_shutdown: while the system goes down, answer a Closing other
 *	end by closing ourselves instead of telling the driver (frontends)
 *
 * Drops events for an other end the device no longer has, reads the other
 * end's state and hands it to the driver.
 */
void xenbus_otherend_changed(struct xenbus_watch *watch, const char *path,
			     const char *token, int ignore_on_shutdown)
{
	struct xenbus_device *dev =
		container_of(watch, struct xenbus_device, otherend_watch);
	struct xenbus_driver *drv;
	enum xenbus_state state;

	if (xb_otherend_event_is_stale(dev->otherend, path)) {
		dev_dbg(&dev->dev, "ignoring stale event on %s\n", path);
		return;
	}

	state = xenbus_read_driver_state(dev->otherend);
	dev_dbg(&dev->dev, "other end %s is %s\n", dev->otherend,
		xenbus_strstate(state));

	/* Drivers are not told during shutdown: their answers could hang it. */
	if (system_state > SYSTEM_RUNNING) {
		if (ignore_on_shutdown && state == XenbusStateClosing)
			xenbus_frontend_closed(dev);
		return;
	}

	if (!dev->dev.driver)
		return;
	drv = to_xenbus_driver(dev->dev.driver);
	if (drv->otherend_changed)
		xb_call_otherend_changed(dev, drv, state);
}
EXPORT_SYMBOL_GPL(xenbus_otherend_changed);

/**
 * xenbus_dev_probe() - bus probe callback for both xenbus buses
 * @_dev: device being bound
 *
 * Reads and checks the other end, pins the driver's module, runs the
 * driver's probe under reclaim_sem, watches the other end's state and
 * adds the "xenbus" statistics group.  Each failure undoes the steps
 * before it and is also reported in the store under error/<nodename>.
 *
 * All of it acts for the device on its lane (xs_lane_enter()): the
 * device's callbacks, the other end's state watch and whatever watches
 * the driver registers in its probe, first run once the whole bind is
 * done, as on Linux's "xenwatch" when a hotplug event adds the device.
 *
 * Return: 0 or a negative errno.
 */
int xenbus_dev_probe(struct device *_dev)
{
	struct xenbus_device *dev = to_xenbus_device(_dev);
	struct xenbus_driver *drv = to_xenbus_driver(_dev->driver);
	const struct xenbus_device_id *id;
	struct xs_lane_ctx ctx;
	int err;

	id = xb_match_id(drv->ids, dev);
	if (!id || !drv->probe) {
		err = -ENODEV;
		goto fail;
	}

	xs_lane_enter(xenbus_dev_lane(dev), &ctx);
	err = xb_bind(dev, drv, id, &xb_live_ops);
	xs_lane_leave(&ctx);
	if (!err)
		return 0;
	dev_warn(&dev->dev, "probe of %s failed: %d\n", dev->nodename, err);
fail:
	xenbus_dev_error(dev, err, "%s on %s", __func__, dev->nodename);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_dev_probe);

/**
 * xenbus_dev_remove() - bus remove callback for both xenbus buses
 * @_dev: device being unbound
 *
 * Undoes xenbus_dev_probe(), then closes the device in the store unless
 * the driver wants it left for a later rebind (and it is not already
 * on its way to Closed).
 */
void xenbus_dev_remove(struct device *_dev)
{
	struct xenbus_device *dev = to_xenbus_device(_dev);
	struct xenbus_driver *drv = to_xenbus_driver(_dev->driver);
	bool closing;

	xb_unbind(dev, drv, &xb_live_ops);

	/*
	 * A driver that allows rebinding leaves the device as it is for its
	 * successor, unless the device was already on its way out.
	 */
	closing = xenbus_read_driver_state(dev->nodename) == XenbusStateClosing;
	if (closing || !drv->allow_rebind)
		xenbus_switch_state(dev, XenbusStateClosed);
}
EXPORT_SYMBOL_GPL(xenbus_dev_remove);

/**
 * xenbus_register_driver_common() - register a driver on a xenbus bus
 * @drv: driver; its name defaults to the first id's device type
 * @bus: bus to register it on
 * @owner: module providing @drv
 * @mod_name: its KBUILD_MODNAME
 *
 * Return: 0 or a negative errno from driver_register().
 */
int xenbus_register_driver_common(struct xenbus_driver *drv,
				  struct xen_bus_type *bus,
				  struct module *owner, const char *mod_name)
{
	struct device_driver *d = &drv->driver;
	const char *name = drv->name;

	/* Unnamed drivers are called after the first type they handle. */
	if (!name && drv->ids && drv->ids[0].devicetype[0])
		name = drv->ids[0].devicetype;
	if (!name)
		return -EINVAL;

	d->mod_name = mod_name;
	d->owner = owner;
	d->bus = &bus->bus;
	d->name = name;
	return driver_register(d);
}
EXPORT_SYMBOL_GPL(xenbus_register_driver_common);

/**
 * xenbus_unregister_driver() - unregister a frontend or backend driver
 * @drv: driver registered with xenbus_register_frontend() or
 *	xenbus_register_backend()
 */
void xenbus_unregister_driver(struct xenbus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(xenbus_unregister_driver);

/* ------------------------------------------------------------------ */
/* Creating and removing devices                                       */
/* ------------------------------------------------------------------ */

/*
 * A nodename whose device is being registered.  Lives on the registering
 * thread's stack, on xb_core.adding, from the lookup until device_add()
 * has put the device on the bus, so that two threads reacting to the same
 * node cannot both create it.
 */
struct xb_claim {
	struct list_head list;
	const struct xen_bus_type *bus;
	const char *nodename;
};

static struct xb_core {
	/* protects @adding; never held across device_add() or store I/O */
	struct mutex add_lock;
	struct list_head adding;
} xb_core = {
	.add_lock = __MUTEX_INITIALIZER(xb_core.add_lock),
	.adding = LIST_HEAD_INIT(xb_core.adding),
};

static int xb_match_nodename(struct device *dev, const void *data)
{
	return !strcmp(to_xenbus_device(dev)->nodename, data);
}

static int xb_match_under(struct device *dev, const void *data)
{
	return xb_path_is_under(to_xenbus_device(dev)->nodename, data);
}

static bool xb_nodename_taken(struct xen_bus_type *bus, const char *nodename)
{
	struct xb_claim *c;
	struct device *dev;

	lockdep_assert_held(&xb_core.add_lock);

	list_for_each_entry(c, &xb_core.adding, list)
		if (c->bus == bus && !strcmp(c->nodename, nodename))
			return true;
	dev = bus_find_device(&bus->bus, NULL, nodename, xb_match_nodename);
	put_device(dev);
	return !!dev;
}

static bool xb_claim_nodename(struct xen_bus_type *bus, struct xb_claim *claim)
{
	bool free;

	mutex_lock(&xb_core.add_lock);
	free = !xb_nodename_taken(bus, claim->nodename);
	if (free) {
		claim->bus = bus;
		list_add(&claim->list, &xb_core.adding);
	}
	mutex_unlock(&xb_core.add_lock);
	return free;
}

static void xb_drop_claim(struct xb_claim *claim)
{
	mutex_lock(&xb_core.add_lock);
	list_del(&claim->list);
	mutex_unlock(&xb_core.add_lock);
}

/*
 * What the bus core allocates for each device: the driver-visible
 * xenbus_device and what it keeps beside it.  The nodename and type
 * strings follow in the same allocation.
 */
struct xb_dev {
	struct xenbus_device xdev;
	struct xs_lane *lane;	/* its watches' lane; NULL: the default one */
};

/*
 * Give each device a watch lane of its own.  Off, every callback runs on
 * "xenwatch" as in Linux; read as each device is created.
 */
static bool device_lanes = true;
module_param(device_lanes, bool, 0644);
MODULE_PARM_DESC(device_lanes,
		 "Run each device's watch callbacks on a lane of its own");

/* One allocation: the device, then its nodename, then its type. */
static struct xenbus_device *xb_alloc_xendev(const char *type,
					     const char *nodename)
{
	size_t nlen = strnlen(nodename, XENSTORE_ABS_PATH_MAX + 1);
	size_t tlen = strnlen(type, XENSTORE_ABS_PATH_MAX + 1);
	struct xenbus_device *xdev;
	struct xb_dev *xbd;
	char *p;

	/* names come from the store, which never holds longer ones */
	if (nlen > XENSTORE_ABS_PATH_MAX || tlen > XENSTORE_ABS_PATH_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	nlen++;
	tlen++;

	xbd = kzalloc(size_add(sizeof(*xbd), size_add(nlen, tlen)),
		      GFP_KERNEL);
	if (!xbd)
		return ERR_PTR(-ENOMEM);

	p = (char *)(xbd + 1);
	xdev = &xbd->xdev;
	xdev->nodename = memcpy(p, nodename, nlen);
	xdev->devicetype = memcpy(p + nlen, type, tlen);
	xdev->state = XenbusStateInitialising;
	init_completion(&xdev->down);
	sema_init(&xdev->reclaim_sem, 1);
	return xdev;
}

static void xb_release_xendev(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	struct xb_dev *xbd = container_of(xdev, struct xb_dev, xdev);

	xs_lane_put(xbd->lane);
	kfree(xdev->otherend);
	kfree(xbd);
}

/**
 * xenbus_dev_lane() - the lane a device's watches run on
 * @dev: a device of either xenbus bus
 *
 * Return: the device's own lane, or NULL for the default lane (lanes
 * turned off, none could be had, or a device the bus core did not make).
 */
struct xs_lane *xenbus_dev_lane(struct xenbus_device *dev)
{
	if (dev->dev.release != xb_release_xendev)
		return NULL;
	return container_of(dev, struct xb_dev, xdev)->lane;
}

/**
 * xenbus_probe_node() - create the device for a store node
 * @bus: bus the device belongs on
 * @type: device type ("vbd", "vif", ...)
 * @nodename: the device's directory, e.g. "device/vbd/51712"
 *
 * Creates nothing unless the node's state is Initialising (a device being
 * set up, not one left over) and no device for @nodename exists yet.
 *
 * Return: 0 (also when nothing needed creating) or a negative errno.
 */
int xenbus_probe_node(struct xen_bus_type *bus, const char *type,
		      const char *nodename)
{
	struct xb_claim claim = { .nodename = nodename };
	char bus_id[XEN_BUS_ID_SIZE];
	struct xenbus_device *xdev;
	int err;

	if (xenbus_read_driver_state(nodename) != XenbusStateInitialising)
		return 0;
	if (!xb_claim_nodename(bus, &claim))
		return 0;

	xdev = xb_alloc_xendev(type, nodename);
	if (IS_ERR(xdev)) {
		err = PTR_ERR(xdev);
		goto out;
	}
	xdev->dev.bus = &bus->bus;
	xdev->dev.release = xb_release_xendev;
	device_initialize(&xdev->dev);
	if (READ_ONCE(device_lanes))
		container_of(xdev, struct xb_dev, xdev)->lane = xs_lane_create();

	err = bus->get_bus_id(bus_id, xdev->nodename);
	if (!err && strnlen(bus_id, XEN_BUS_ID_SIZE) == XEN_BUS_ID_SIZE)
		err = -ENAMETOOLONG;
	if (!err)
		err = dev_set_name(&xdev->dev, "%s", bus_id);
	if (!err)
		err = device_add(&xdev->dev);
	if (err)
		put_device(&xdev->dev);
out:
	xb_drop_claim(&claim);
	if (err)
		pr_warn_ratelimited("cannot create a device for %s: %d\n",
				    nodename, err);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_probe_node);

static int xb_probe_type(struct xen_bus_type *bus, xenbus_list_fn list,
			 const char *type)
{
	unsigned int i, n;
	char **dirs;
	int err, ret = 0;

	dirs = list(XBT_NIL, bus->root, type, &n);
	if (IS_ERR(dirs))
		return PTR_ERR(dirs);
	for (i = 0; i < n; i++) {
		err = bus->probe(bus, type, dirs[i]);
		if (err && !ret)
			ret = err;
	}
	kfree(dirs);
	return ret;
}

/*
 * xenbus_probe_devices() with the listing as a parameter: @list is
 * xenbus_directory() except in KUnit, whose suites walk fake trees.
 */
int xenbus_probe_devices_list(struct xen_bus_type *bus, xenbus_list_fn list)
{
	unsigned int i, n;
	char **types;
	int err, ret = 0;

	types = list(XBT_NIL, bus->root, "", &n);
	if (IS_ERR(types))
		return PTR_ERR(types);
	for (i = 0; i < n; i++) {
		err = xb_probe_type(bus, list, types[i]);
		if (err && !ret)
			ret = err;
	}
	kfree(types);
	return ret;
}

/**
 * xenbus_probe_devices() - create devices for everything below the root
 * @bus: bus to enumerate
 *
 * Lists <root>/<type>/ for every type and hands each entry to
 * @bus->probe(bus, type, entry).  One bad entry does not hide the others.
 *
 * Return: 0, or the first error met.
 */
int xenbus_probe_devices(struct xen_bus_type *bus)
{
	return xenbus_probe_devices_list(bus, xenbus_directory);
}
EXPORT_SYMBOL_GPL(xenbus_probe_devices);

/**
 * xenbus_watch_root() - watch a bus's root on a lane of its own
 * @watch: the bus's root watch, node and callback set
 *
 * On Linux the root watch shares "xenwatch" with every plain watch, so a
 * plain callback that sleeps (any module's) delays every device that
 * appears or goes meanwhile: a disk hot-attached then reaches InitWait
 * late, and the toolstack may give up on it.  Here the root watch runs on
 * a lane of its own, still one event at a time and in order.  No consumer
 * relies on a device's creation or removal being ordered with a plain
 * watch's callback (Documentation/consumers.rst, "The bus roots' lanes").
 * Without lanes (xenbus.device_lanes=0, or none to be had) the default
 * lane runs it, as on Linux.  The lane is never closed: the buses are
 * never torn down.  Not exported: a modular frontend bus watches on
 * xenwatch.
 *
 * Context: process context; sleeps until xenstored answers.
 * Return: 0 or -errno, as register_xenbus_watch().
 */
int xenbus_watch_root(struct xenbus_watch *watch)
{
	struct xs_lane *lane = xs_lane_create_root();
	int err;

	err = xs_register_watch_on(watch, lane);
	/* The watch holds its own reference to the lane. */
	xs_lane_put(lane);
	return err;
}

/* 1 if @dir/@node exists, 0 if it does not, a negative errno if unsure. */
static int xb_node_present(const char *dir, const char *node)
{
	void *val;

	val = xenbus_read(XBT_NIL, dir, node, NULL);
	if (IS_ERR(val))
		return PTR_ERR(val) == -ENOENT ? 0 : PTR_ERR(val);
	kfree(val);
	return 1;
}

/*
 * Unregister every device at or below @prefix.  Runs on the default lane
 * (a bus watch).  Each device's lane is closed first, outside the device
 * lock: a callback of the device may itself take that lock (backends
 * unregister their own device when the frontend goes), and removal waits
 * for the device's callbacks.  Once the lane is quiet, the device may
 * turn out to be unregistered already, by such a callback.
 */
static void xb_unregister_under(struct xen_bus_type *bus, const char *prefix)
{
	struct device *dev;

	while ((dev = bus_find_device(&bus->bus, NULL, prefix,
				      xb_match_under))) {
		xs_lane_close(xenbus_dev_lane(to_xenbus_device(dev)));
		if (device_is_registered(dev))
			device_unregister(dev);
		put_device(dev);
	}
}

/**
 * xenbus_dev_changed() - react to a change below a bus root
 * @node: path the bus watch fired for, relative like "device/vbd/51712/state"
 * @bus: the bus whose root @node lies under
 *
 * An event at or below a device checks that device's state node: if it is
 * gone, so is the device (even if the toolstack left the directory, or
 * a driver re-created keys in it), and every device at or below it is
 * unregistered; otherwise the device is created if it does not exist yet.
 * An event above any device (a type or domain directory) removes the
 * devices below it once it no longer exists.  A store error leaves the
 * devices alone: only a definite "no such node" removes anything.
 */
void xenbus_dev_changed(const char *node, struct xen_bus_type *bus)
{
	struct xb_node_ref ref;
	char *path, *type;
	int present;

	if (xb_parse_bus_node(node, bus->root, bus->levels, &ref))
		return;

	/* watch callbacks may be what writeback waits for: no I/O here */
	path = kstrndup(node, ref.len, GFP_NOIO | __GFP_HIGH);
	if (!path)
		return;

	present = xb_node_present(path, ref.device ? "state" : "");
	if (present < 0) {
		pr_warn_ratelimited("cannot check %s: %d\n", path, present);
	} else if (!present) {
		xb_unregister_under(bus, path);
	} else if (ref.device) {
		type = kstrndup(node + strlen(bus->root) + 1, ref.type_len,
				GFP_NOIO | __GFP_HIGH);
		if (type)
			xenbus_probe_node(bus, type, path);
		kfree(type);
	}
	kfree(path);
}
EXPORT_SYMBOL_GPL(xenbus_dev_changed);

/* ------------------------------------------------------------------ */
/* sysfs                                                               */
/* ------------------------------------------------------------------ */

static ssize_t nodename_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_xenbus_device(dev)->nodename);
}
static DEVICE_ATTR_RO(nodename);

static ssize_t devtype_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_xenbus_device(dev)->devicetype);
}
static DEVICE_ATTR_RO(devtype);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s:%s\n", dev->bus->name,
			  to_xenbus_device(dev)->devicetype);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  xenbus_strstate(to_xenbus_device(dev)->state));
}
static DEVICE_ATTR_RO(state);

/* The per-device ABI of Documentation/ABI/testing/sysfs-devices-xenbus. */
static struct attribute *xb_dev_attrs[] = {
	&dev_attr_nodename.attr, &dev_attr_devtype.attr,
	&dev_attr_modalias.attr, &dev_attr_state.attr, NULL
};

static const struct attribute_group xb_dev_group = { .attrs = xb_dev_attrs };

/* Every xenbus device's own attributes, for the buses' dev_groups. */
const struct attribute_group *xenbus_dev_groups[] = { &xb_dev_group, NULL };
EXPORT_SYMBOL_GPL(xenbus_dev_groups);

/*
 * The "xenbus" group (Documentation/ABI/testing/sysfs-devices-xenbus):
 * event statistics kept by the event channel code for a bound driver.
 * It exists only while a driver is bound, which is when they mean
 * something and after spurious_threshold got its default.
 */
static ssize_t event_channels_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_xenbus_device(dev)->event_channels));
}
static DEVICE_ATTR_RO(event_channels);

static ssize_t events_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_xenbus_device(dev)->events));
}
static DEVICE_ATTR_RO(events);

static ssize_t spurious_events_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_xenbus_device(dev)->spurious_events));
}
static DEVICE_ATTR_RO(spurious_events);

static ssize_t jiffies_eoi_delayed_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&to_xenbus_device(dev)->jiffies_eoi_delayed));
}
static DEVICE_ATTR_RO(jiffies_eoi_delayed);

static ssize_t spurious_threshold_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_xenbus_device(dev)->spurious_threshold));
}

static ssize_t spurious_threshold_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	unsigned int val;
	int err;

	err = kstrtouint(buf, 0, &val);
	if (err)
		return err;
	WRITE_ONCE(to_xenbus_device(dev)->spurious_threshold, val);
	return count;
}
static DEVICE_ATTR_RW(spurious_threshold);

/* The "xenbus" group: event-channel statistics kept by events_base.c. */
static struct attribute *xb_stats_attrs[] = {
	&dev_attr_event_channels.attr, &dev_attr_events.attr,
	&dev_attr_spurious_events.attr, &dev_attr_jiffies_eoi_delayed.attr,
	&dev_attr_spurious_threshold.attr, NULL
};

static const struct attribute_group xb_stats_group = {
	.name = "xenbus",
	.attrs = xb_stats_attrs,
};

/* ------------------------------------------------------------------ */
/* Power management                                                    */
/* ------------------------------------------------------------------ */

/**
 * xenbus_dev_suspend() - PM freeze callback for xenbus devices
 * @dev: device being frozen
 *
 * Tells the driver.  The device's watch callbacks need no holding here:
 * their lane is frozen with the kernel threads, before any device is
 * (see xs_init()), and stays so until after its restore or thaw, as on
 * Linux, whose single "xenwatch" runs the suspend itself.  A driver's
 * failure is only logged: the domain is suspended by the toolstack
 * whether or not one device objects.
 *
 * Return: 0.
 */
int xenbus_dev_suspend(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	struct xenbus_driver *drv;
	int err;

	if (!dev->driver)
		return 0;
	drv = to_xenbus_driver(dev->driver);
	if (drv->suspend) {
		err = drv->suspend(xdev);
		if (err)
			dev_warn(dev, "suspend of %s failed: %d\n",
				 xdev->nodename, err);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_dev_suspend);

/* Restart a device on a (possibly new) other end after a restore. */
static int xb_resume(struct xenbus_device *xdev)
{
	struct device *dev = &xdev->dev;
	struct xenbus_driver *drv;
	int err;

	if (!dev->driver)
		return 0;
	drv = to_xenbus_driver(dev->driver);

	err = xb_talk_to_otherend(xdev, drv);
	if (err) {
		dev_warn(dev, "resume of %s: no other end: %d\n",
			 xdev->nodename, err);
		return err;
	}

	xdev->state = XenbusStateInitialising;

	if (drv->resume) {
		err = drv->resume(xdev);
		if (err) {
			dev_warn(dev, "resume of %s failed: %d\n",
				 xdev->nodename, err);
			return err;
		}
	}

	err = xb_watch_otherend(xdev);
	if (err)
		dev_warn(dev, "resume of %s: cannot watch the other end: %d\n",
			 xdev->nodename, err);
	return err;
}

/**
 * xenbus_dev_resume() - PM restore callback for xenbus devices
 * @dev: device being restored, possibly in a new host
 *
 * The other end may have moved: re-reads it, restarts the device from
 * Initialising, lets the driver resume, and watches the (new) other end.
 * Watches the driver's resume registers join the device's lane.
 *
 * Return: 0 or the first step's negative errno.
 */
int xenbus_dev_resume(struct device *dev)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	struct xs_lane_ctx ctx;
	int err;

	xs_lane_enter(xenbus_dev_lane(xdev), &ctx);
	err = xb_resume(xdev);
	xs_lane_leave(&ctx);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_dev_resume);

/**
 * xenbus_dev_cancel() - PM thaw callback for xenbus devices
 * @dev: device whose suspend was cancelled
 *
 * Suspend left the device connected to its other end: nothing to do.
 *
 * Return: 0.
 */
int xenbus_dev_cancel(struct device *dev)
{
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_dev_cancel);

#if IS_ENABLED(CONFIG_XENBUS_KUNIT_TEST)
#include "kunit/xenbus_probe_test.c"
#endif
