// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/xen/xenbus_backend: the store's end, for whoever serves the store.
 *
 * This file owns the device the initial domain's xenstore tooling uses to
 * reach the kernel's end of the store connection: the event channel
 * (IOCTL_XENBUS_BACKEND_EVTCHN), a mapping of the store page (mmap), and
 * the one-time hand-over of both to a xenstore stub domain
 * (IOCTL_XENBUS_BACKEND_SETUP, used by init-xenstore-domain).  Everything
 * here needs CAP_SYS_ADMIN.  The device has no state of its own: it acts
 * on the store page and port the bring-up code set up.
 */

#define pr_fmt(fmt) "xenbus_backend: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>

#include <asm/xen/hypercall.h>

/*
 * <xen/page.h>, not <asm/xen/page.h>: arm64's has no include guard, and
 * <xen/grant_table.h> includes it again through <xen/page.h>.
 */
#include <xen/grant_table.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/xenbus_dev.h>

#include "xenbus.h"

static int xbb_open(struct inode *inode, struct file *filp)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, filp);
}

/*
 * Hand the store to a xenstore stub domain @domid: grant it the store
 * page in the reserved xenstore grant slot and give it a fresh unbound
 * event channel as the store port.  Only possible while no xenstored has
 * answered yet, and done with the store suspended so no message is cut
 * in half by the change of port.
 */
static long xbb_setup(domid_t domid)
{
	struct evtchn_alloc_unbound alloc = {
		.dom = DOMID_SELF,
		.remote_dom = domid,
	};
	long ret;
	int err;

	/*
	 * Refuse at once when xenstored already answered: the suspend below
	 * waits for every kernel user of the store, which a caller that is
	 * refused anyway should not have to sit through.
	 */
	if (READ_ONCE(xenstored_ready))
		return -EEXIST;

	xs_suspend();

	/* Checked again: it may have answered while we waited. */
	if (xenstored_ready) {
		ret = -EEXIST;
		goto cancel;
	}

	gnttab_grant_foreign_access_ref(GNTTAB_RESERVED_XENSTORE, domid,
					virt_to_gfn(xen_store_interface), 0);

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
	if (err) {
		/* Nobody can have mapped the grant yet: take it back. */
		gnttab_end_foreign_access_ref(GNTTAB_RESERVED_XENSTORE);
		ret = err;
		goto cancel;
	}

	if (xen_store_evtchn > 0)
		xb_comms_unbind();
	xen_store_evtchn = alloc.port;
	/* Rebinds the store interrupt to the new port. */
	xs_resume();
	return alloc.port;

cancel:
	/*
	 * Nothing changed: let running clients go on as they were, without
	 * the new generation (and re-sent watches) that xs_resume() implies.
	 */
	xs_suspend_cancel();
	return ret;
}

static long xbb_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	if (cmd == IOCTL_XENBUS_BACKEND_EVTCHN)
		return xen_store_evtchn > 0 ? xen_store_evtchn : -ENODEV;
	if (cmd != IOCTL_XENBUS_BACKEND_SETUP)
		return -ENOTTY;

	/* The domid is passed by value; reserved ids are no domain. */
	if (arg >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	return xbb_setup(arg);
}

/* Map the store page, as xenfs's xsd_kva does, for a local xenstored. */
static int xbb_mmap(struct file *filp, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (size > PAGE_SIZE || vma->vm_pgoff != 0)
		return -EINVAL;
	if (!xen_store_interface)
		return -ENODEV;

	return remap_pfn_range(vma, vma->vm_start,
			       virt_to_pfn(xen_store_interface), size,
			       vma->vm_page_prot);
}

static const struct file_operations xbb_fops = {
	.open		= xbb_open,
	.unlocked_ioctl	= xbb_ioctl,
	/* Both commands take a plain integer, the same in 32-bit callers. */
	.compat_ioctl	= xbb_ioctl,
	.mmap		= xbb_mmap,
	.owner		= THIS_MODULE,
};

static struct miscdevice xbb_misc = {
	.name	= "xen/xenbus_backend",
	.fops	= &xbb_fops,
	.minor	= MISC_DYNAMIC_MINOR,
};

/* Only the initial domain serves the store or hands it to a stub domain. */
static int __init xbb_init(void)
{
	int err = -ENODEV;

	if (xen_initial_domain()) {
		err = misc_register(&xbb_misc);
		if (err)
			pr_err("no /dev/xen/xenbus_backend: error %d\n", err);
	}
	return err;
}
device_initcall(xbb_init);
