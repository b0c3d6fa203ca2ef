/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the layers of the xenbus core.
 *
 * Layers, top to bottom; calls only ever go downwards:
 *
 *   xenbus_dev_frontend.c  /dev/xen/xenbus and xenfs's "xenbus" file
 *   xenbus_dev_backend.c   /dev/xen/xenbus_backend (dom0)
 *   xenbus_probe_frontend.c, xenbus_probe_backend.c
 *                          the "xen" and "xen-backend" buses
 *   xenbus_probe.c         bus core shared by both buses, store bring-up
 *                          (PV, local, HVM, late init), notifier chain
 *   xenbus_client.c        helpers for PV drivers (state, rings, evtchns)
 *   xenbus_xs.c            requests, transactions, watches, suspend
 *   xenbus_comms.c         the ring transport and its kthread
 *   xenbus_proto.c         pure wire-protocol functions (xenbus_proto.h)
 *
 * The transport never calls the request layer by name: it hands every
 * message it receives to the xb_comms_ops it was started with.
 */
#ifndef _XENBUS_XENBUS_H
#define _XENBUS_XENBUS_H

#include <linux/list.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/types.h>
#include <xen/xenbus.h>

#include "xenbus_proto.h"

/* ------------------------------------------------------------------ */
/* Store bring-up (xenbus_probe.c)                                     */
/* ------------------------------------------------------------------ */

enum xenstore_init {
	XS_UNKNOWN,
	XS_PV,		/* page and port from start_info */
	XS_HVM,		/* page and port from HVM params */
	XS_LOCAL,	/* xenstored runs in this domain (dom0) */
};

extern enum xenstore_init xen_store_domain_type;
extern const struct attribute_group *xenbus_dev_groups[];

/* ------------------------------------------------------------------ */
/* Transport (xenbus_comms.c)                                          */
/* ------------------------------------------------------------------ */

/*
 * A message received from xenstored: one kmalloc()ed block holding the
 * header and the body, with a NUL after the body's hdr.len bytes.
 * Ownership passes with the pointer; free it with kfree().
 */
struct xb_msg {
	struct list_head list;		/* free for the owner's use */
	struct xsd_sockmsg hdr;
	char body[];
};

/*
 * A message to send.  The sender owns it and keeps @vec and the buffers
 * it points at alive until @sent has been called.  The header goes out
 * first, then the vectors; hdr.len must equal the sum of their lengths.
 */
struct xb_out {
	struct list_head list;		/* transport's, while queued */
	struct xsd_sockmsg hdr;
	const struct kvec *vec;
	unsigned int nr_vec;
	/*
	 * Called exactly once for a message xb_comms_send() accepted, from
	 * the transport thread: err is 0 when the whole message is in the
	 * ring, negative when it never will be.  Not called when
	 * xb_comms_send() itself fails.  Must not sleep.
	 */
	void (*sent)(struct xb_out *out, int err);
};

struct xb_comms_ops {
	/*
	 * Every complete message whose header passed xb_hdr_check(), in
	 * ring order, from the transport thread.  Takes ownership of @msg.
	 * May not sleep on the store: the thread it runs on is the one that
	 * would deliver the reply.
	 */
	void (*deliver)(struct xb_msg *msg);
	/*
	 * The connection is unusable (corrupt indexes, oversized or
	 * undecodable frame, error field set by xenstored).  Called once
	 * per failure, from the transport thread; after it the transport
	 * refuses to send and every queued xb_out has had @sent(-EIO).
	 * With @reset the server was asked to reset the ring, and
	 * xb_comms_wait_reset() tells how that ended; without it the
	 * connection stays broken.
	 */
	void (*broken)(int err, bool reset);
};

int xb_comms_init(const struct xb_comms_ops *ops);
int xb_comms_send(struct xb_out *out);
void xb_comms_pause(void);	/* stop at a message boundary (suspend) */
void xb_comms_unpause(void);
int xb_comms_rebind(void);	/* xen_store_evtchn changed (resume, setup) */
void xb_comms_unbind(void);	/* free the store irq, keep the thread */
int xb_comms_wait_reset(void);	/* after ops->broken(err, true) */
bool xb_comms_broken(void);

/* ------------------------------------------------------------------ */
/* Requests, transactions, watches (xenbus_xs.c)                       */
/* ------------------------------------------------------------------ */

int xs_init(void);

/* The "xenbus" directory in debugfs, for every layer's files. */
struct dentry *xs_debugfs_dir(void);

/*
 * Requests of /dev/xen/xenbus.  Between xs_dev_enter() and xs_dev_exit()
 * no suspend/resume can happen, so the store generation it returns
 * (bumped by every resume; user transactions older than it are gone)
 * stays current while the caller checks a transaction id and sends.
 */
int xs_dev_enter(unsigned int *gen);
void xs_dev_exit(void);

/*
 * Asynchronous request on behalf of /dev/xen/xenbus, between
 * xs_dev_enter() and xs_dev_exit().  @hdr->req_id is the caller's; the
 * reply handed to @cb carries it back.  @cb gets exactly one reply:
 * xenstored's, or a synthesised XS_ERROR when the connection breaks.  It
 * runs on the transport thread and must not sleep on the store.
 */
typedef void (*xs_reply_fn)(void *par, struct xb_msg *reply);
int xs_request_async(const struct xsd_sockmsg *hdr, const void *body,
		     xs_reply_fn cb, void *par);

/*
 * The watches of one /dev/xen/xenbus file, bounded together.  The watch
 * layer counts their events in @queued while they wait on a lane, and in
 * @dropped those it refused for its global cap on user space's events;
 * the file's will_handle() adds those it refuses itself.  All under the
 * watch registry's lock, under which will_handle() runs.
 */
struct xs_watch_group {
	unsigned int queued;
	unsigned long dropped;
};

/*
 * Like register_xenbus_watch(), but for a watch that user space asks for:
 * on the default lane, counted in @group, and the wait for xenstored's
 * answer can be cut short by a fatal signal (-EINTR), so a dead
 * xenstored cannot wedge the process.
 */
int xs_register_watch_killable(struct xenbus_watch *watch,
			       struct xs_watch_group *group);
void xs_watch_group_read(const struct xs_watch_group *group,
			 unsigned int *queued, unsigned long *dropped);

/*
 * Device lanes.  The bus core gives each device a lane; the watches that
 * xenbus_watch_path() registers for the device run on it, one at a time
 * and in order, in parallel with other lanes.  Each bus's root watch has
 * one too (xs_lane_create_root()).  Both return NULL when no lane can be
 * had: NULL stands for the default lane.
 */
struct xs_lane;
struct xs_lane *xs_lane_create(void);
struct xs_lane *xs_lane_create_root(void);
void xs_lane_close(struct xs_lane *lane);
void xs_lane_put(struct xs_lane *lane);
int xs_register_watch_on(struct xenbus_watch *watch, struct xs_lane *lane);

/*
 * Acting for a device outside its lane (probe, resume): between
 * xs_lane_enter() and xs_lane_leave() the lane starts no callback, and
 * the watches this task registers with register_xenbus_watch() join it.
 * The context lives on the caller's stack; the watch registry's lock
 * protects @link.
 */
struct xs_lane_ctx {
	struct list_head link;
	struct task_struct *task;
	struct xs_lane *lane;
};

void xs_lane_enter(struct xs_lane *lane, struct xs_lane_ctx *ctx);
void xs_lane_leave(struct xs_lane_ctx *ctx);

/*
 * Send TRANSACTION_END "F" for a /dev/xen/xenbus transaction started in
 * store generation @gen, unless a resume has made it stale, leaving the
 * kernel's transaction accounting alone.  For the /dev release path (a
 * workqueue, never the transport thread).  Returns 0 or -errno.
 */
int xs_abort_user_transaction(u32 tx_id, unsigned int gen);

int xenbus_dev_request_and_reply(struct xsd_sockmsg *msg, void *par);

/* ------------------------------------------------------------------ */
/* Bus core (xenbus_probe.c) used by the two bus files                 */
/* ------------------------------------------------------------------ */

#define XEN_BUS_ID_SIZE		20

struct xen_bus_type {
	struct bus_type bus;
	/* Enumeration: <root>/<type>/<id> for 2 levels, .../<domid>/<id> for 3. */
	char *root;
	unsigned int levels;
	int (*probe)(struct xen_bus_type *bus, const char *type,
		     const char *dir);
	int (*get_bus_id)(char bus_id[XEN_BUS_ID_SIZE], const char *nodename);
	/* The other end's state watch: filter (may be NULL) and handler. */
	void (*otherend_changed)(struct xenbus_watch *watch, const char *path,
				 const char *token);
	bool (*otherend_will_handle)(struct xenbus_watch *watch,
				     const char *path, const char *token);
};

/* Driver binding, called through each bus's bus_type. */
int xenbus_match(struct device *_dev, const struct device_driver *_drv);
int xenbus_dev_probe(struct device *_dev);
void xenbus_dev_remove(struct device *_dev);
int xenbus_dev_suspend(struct device *dev);
int xenbus_dev_resume(struct device *dev);
int xenbus_dev_cancel(struct device *dev);

/* The lane of a device's watches, or NULL for the default lane. */
struct xs_lane *xenbus_dev_lane(struct xenbus_device *dev);

/* Enumeration and hotplug, driven by each bus's root watch. */
int xenbus_probe_devices(struct xen_bus_type *bus);
/*
 * How enumeration lists a directory: xenbus_directory(), or in KUnit a
 * fake tree.  The backend bus walks its third level with it too.
 */
typedef char **(*xenbus_list_fn)(struct xenbus_transaction t, const char *dir,
				 const char *node, unsigned int *num);
int xenbus_probe_devices_list(struct xen_bus_type *bus, xenbus_list_fn list);
int xenbus_probe_node(struct xen_bus_type *bus, const char *type, const char *nodename);
void xenbus_dev_changed(const char *node, struct xen_bus_type *bus);
int xenbus_watch_root(struct xenbus_watch *watch);

/* Registration and the other end's details and state. */
int xenbus_register_driver_common(struct xenbus_driver *drv, struct xen_bus_type *bus,
				  struct module *owner, const char *mod_name);
int xenbus_read_otherend_details(struct xenbus_device *xendev, char *id_node, char *path_node);
void xenbus_otherend_changed(struct xenbus_watch *watch, const char *path, const char *token,
			     int ignore_on_shutdown);

/* ------------------------------------------------------------------ */
/* The buses (xenbus_probe_frontend.c, xenbus_probe_backend.c)         */
/* ------------------------------------------------------------------ */

/*
 * xenbus_backend_bus_id() - name of a backend device: "<type>-<fe-id>-<devid>"
 * from its node "backend/<type>/<domid>/<devid>" and the frontend's domid.
 * Inline and pure so the frontend bus's KUnit suite can test it without
 * the backend bus being built.  Returns 0, -EINVAL for a node of another
 * shape, or -ENOSPC when the name does not fit XEN_BUS_ID_SIZE.
 */
static inline int xenbus_backend_bus_id(char bus_id[XEN_BUS_ID_SIZE],
					const char *nodename, int frontend_id)
{
	const char *part[4];
	unsigned int n = 0;
	const char *p = nodename;
	int len;

	/* Split into exactly four non-empty components. */
	while (n < 4) {
		const char *slash = strchr(p, '/');

		if (slash == p || !*p)
			return -EINVAL;
		part[n++] = p;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (n != 4 || strchr(part[3], '/'))
		return -EINVAL;

	len = snprintf(bus_id, XEN_BUS_ID_SIZE, "%.*s-%d-%s",
		       (int)(part[2] - part[1] - 1), part[1], frontend_id,
		       part[3]);
	return len >= XEN_BUS_ID_SIZE ? -ENOSPC : 0;
}

/* ------------------------------------------------------------------ */
/* Client helpers (xenbus_client.c)                                    */
/* ------------------------------------------------------------------ */

void xenbus_ring_ops_init(void);

#endif /* _XENBUS_XENBUS_H */
