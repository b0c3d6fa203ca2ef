// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the bus core in xenbus_probe.c: path matching, the
 * reading of bus watch events, device allocation, the sysfs threshold
 * parser, that binding a driver unwinds every step it took when a later
 * one fails, and the enumeration walk over a fake store tree.  #included
 * at the end of xenbus_probe.c for its static functions; everything runs
 * against fakes, without Xen or xenstored.
 */

#include <kunit/test.h>

#include "xenbus_fake_tree.h"

/* ---- paths ------------------------------------------------------- */

static void path_is_under_accepts_the_prefix_itself(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xb_path_is_under("device/vbd/1", "device/vbd/1"));
}

static void path_is_under_accepts_a_child(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xb_path_is_under("device/vbd/1/state",
						 "device/vbd/1"));
}

static void path_is_under_rejects_a_sibling_sharing_digits(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, xb_path_is_under("device/vbd/10",
						  "device/vbd/1"));
	KUNIT_EXPECT_FALSE(test, xb_path_is_under("device/vbd/10/state",
						  "device/vbd/1"));
}

static void path_is_under_rejects_a_parent(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, xb_path_is_under("device/vbd", "device/vbd/1"));
}

static void otherend_event_for_current_otherend_is_fresh(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test,
			   xb_otherend_event_is_stale("backend/vbd/3/51712",
						      "backend/vbd/3/51712/state"));
}

static void otherend_event_for_previous_otherend_is_stale(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test,
			  xb_otherend_event_is_stale("backend/vbd/4/51712",
						     "backend/vbd/3/51712/state"));
}

static void otherend_event_for_prefix_sibling_is_stale(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test,
			  xb_otherend_event_is_stale("backend/vbd/3/5171",
						     "backend/vbd/3/51712/state"));
}

static void otherend_event_without_otherend_is_stale(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xb_otherend_event_is_stale(NULL,
							   "backend/vbd/3/51712/state"));
}

/* ---- bus watch events ---------------------------------------------- */

static void parse_frontend_state_node_names_its_device(struct kunit *test)
{
	const char *node = "device/vbd/51712/state";
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node(node, "device", 2, &ref), 0);
	KUNIT_EXPECT_TRUE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen("device/vbd/51712"));
	KUNIT_EXPECT_EQ(test, ref.type_len, strlen("vbd"));
}

static void parse_backend_deep_node_names_its_device(struct kunit *test)
{
	const char *node = "backend/vif/7/0/hotplug-status";
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node(node, "backend", 3, &ref), 0);
	KUNIT_EXPECT_TRUE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen("backend/vif/7/0"));
	KUNIT_EXPECT_EQ(test, ref.type_len, strlen("vif"));
}

static void parse_device_directory_itself_is_a_device(struct kunit *test)
{
	const char *node = "device/vif/0";
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node(node, "device", 2, &ref), 0);
	KUNIT_EXPECT_TRUE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen(node));
}

static void parse_type_directory_is_above_devices(struct kunit *test)
{
	const char *node = "device/vbd";
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node(node, "device", 2, &ref), 0);
	KUNIT_EXPECT_FALSE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen(node));
}

static void parse_backend_domain_directory_is_above_devices(struct kunit *test)
{
	const char *node = "backend/vbd/3";
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node(node, "backend", 3, &ref), 0);
	KUNIT_EXPECT_FALSE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen(node));
}

static void parse_root_itself_is_above_devices(struct kunit *test)
{
	struct xb_node_ref ref;

	KUNIT_ASSERT_EQ(test, xb_parse_bus_node("device", "device", 2, &ref), 0);
	KUNIT_EXPECT_FALSE(test, ref.device);
	KUNIT_EXPECT_EQ(test, ref.len, strlen("device"));
}

static void parse_rejects_another_root(struct kunit *test)
{
	struct xb_node_ref ref;

	KUNIT_EXPECT_EQ(test, xb_parse_bus_node("backend/vbd/3/1", "device",
						2, &ref), -EINVAL);
	KUNIT_EXPECT_EQ(test, xb_parse_bus_node("devices/vbd/1", "device",
						2, &ref), -EINVAL);
}

static void parse_rejects_empty_components(struct kunit *test)
{
	struct xb_node_ref ref;

	KUNIT_EXPECT_EQ(test, xb_parse_bus_node("device//1", "device", 2, &ref),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xb_parse_bus_node("device/vbd/", "device", 2,
						&ref), -EINVAL);
}

/* ---- device allocation ----------------------------------------------- */

static void alloc_xendev_copies_names_into_one_block(struct kunit *test)
{
	struct xenbus_device *xdev = xb_alloc_xendev("vbd", "device/vbd/51712");
	char *end;

	KUNIT_ASSERT_FALSE(test, IS_ERR(xdev));
	end = (char *)(container_of(xdev, struct xb_dev, xdev) + 1);
	KUNIT_EXPECT_STREQ(test, xdev->nodename, "device/vbd/51712");
	KUNIT_EXPECT_STREQ(test, xdev->devicetype, "vbd");
	KUNIT_EXPECT_PTR_EQ(test, xdev->nodename, (const char *)end);
	KUNIT_EXPECT_PTR_EQ(test, xdev->devicetype,
			    (const char *)end + sizeof("device/vbd/51712"));
	kfree(xdev);
}

static void alloc_xendev_starts_initialising_and_unlocked(struct kunit *test)
{
	struct xenbus_device *xdev = xb_alloc_xendev("vif", "device/vif/0");

	KUNIT_ASSERT_FALSE(test, IS_ERR(xdev));
	KUNIT_EXPECT_EQ(test, xdev->state, XenbusStateInitialising);
	KUNIT_EXPECT_EQ(test, down_trylock(&xdev->reclaim_sem), 0);
	up(&xdev->reclaim_sem);
	KUNIT_EXPECT_FALSE(test, completion_done(&xdev->down));
	kfree(xdev);
}

static void alloc_xendev_rejects_overlong_nodename(struct kunit *test)
{
	char *name = kunit_kzalloc(test, XENSTORE_ABS_PATH_MAX + 2, GFP_KERNEL);
	struct xenbus_device *xdev;

	KUNIT_ASSERT_NOT_NULL(test, name);
	memset(name, 'a', XENSTORE_ABS_PATH_MAX + 1);
	xdev = xb_alloc_xendev("vbd", name);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(xdev), -ENAMETOOLONG);
}

/* ---- id matching ------------------------------------------------------- */

static const struct xenbus_device_id xb_test_ids[] = {
	{ "vbd" },
	{ "vif" },
	{ "" },
};

/* struct xenbus_device embeds a struct device: too big for the stack */
static struct xenbus_device *xb_test_xendev(struct kunit *test,
					    const char *type)
{
	struct xenbus_device *xdev = kunit_kzalloc(test, sizeof(*xdev),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xdev);
	xdev->devicetype = type;
	return xdev;
}

static void match_id_finds_second_entry(struct kunit *test)
{
	struct xenbus_device *xdev = xb_test_xendev(test, "vif");

	KUNIT_EXPECT_PTR_EQ(test, xb_match_id(xb_test_ids, xdev),
			    &xb_test_ids[1]);
}

static void match_id_rejects_unknown_and_prefix_types(struct kunit *test)
{
	struct xenbus_device *other = xb_test_xendev(test, "vkbd");
	struct xenbus_device *prefix = xb_test_xendev(test, "vb");

	KUNIT_EXPECT_NULL(test, xb_match_id(xb_test_ids, other));
	KUNIT_EXPECT_NULL(test, xb_match_id(xb_test_ids, prefix));
	KUNIT_EXPECT_NULL(test, xb_match_id(NULL, other));
}

/* ---- sysfs ----------------------------------------------------------- */

static void spurious_threshold_store_parses_a_number(struct kunit *test)
{
	struct xenbus_device *xdev = xb_test_xendev(test, "vbd");
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, spurious_threshold_store(&xdev->dev, NULL,
						       "25\n", 3), 3);
	KUNIT_EXPECT_EQ(test, xdev->spurious_threshold, 25U);
	KUNIT_EXPECT_EQ(test, spurious_threshold_show(&xdev->dev, NULL, buf), 3);
	KUNIT_EXPECT_STREQ(test, buf, "25\n");
}

static void spurious_threshold_store_rejects_garbage(struct kunit *test)
{
	struct xenbus_device *xdev = xb_test_xendev(test, "vbd");

	xdev->spurious_threshold = 1;
	KUNIT_EXPECT_EQ(test, spurious_threshold_store(&xdev->dev, NULL,
						       "lots", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, spurious_threshold_store(&xdev->dev, NULL,
						       "-3", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdev->spurious_threshold, 1U);
}

/* ---- binding: every step undone on a later failure ---------------- */

/*
 * A device and driver whose outside world is a log.  Each step appends a
 * letter: R read other end, G module get, P probe, W watch, S stats,
 * w unwatch, X remove, p module put, s stats removed.  A step whose letter
 * equals @fail fails.  Probe and remove log '!' instead when called
 * without reclaim_sem held.
 */
struct xb_fake {
	struct xenbus_device xdev;
	struct xenbus_driver drv;
	char log[16];
	unsigned int nlog;
	char fail;
};

static struct xb_fake *xb_fake_of_dev(struct xenbus_device *dev)
{
	return container_of(dev, struct xb_fake, xdev);
}

static struct xb_fake *xb_fake_of_drv(struct xenbus_driver *drv)
{
	return container_of(drv, struct xb_fake, drv);
}

static bool xb_fake_step(struct xb_fake *f, char step)
{
	if (f->nlog < sizeof(f->log) - 1)
		f->log[f->nlog++] = step;
	return f->fail == step;
}

static bool xb_fake_sem_held(struct xenbus_device *dev)
{
	if (!down_trylock(&dev->reclaim_sem)) {
		up(&dev->reclaim_sem);
		return false;
	}
	return true;
}

static int xb_fake_talk(struct xenbus_device *dev, struct xenbus_driver *drv)
{
	dev->otherend = kstrdup("backend/vbd/0/51712", GFP_KERNEL);
	if (!dev->otherend)
		return -ENOMEM;
	return xb_fake_step(xb_fake_of_dev(dev), 'R') ? -ENOENT : 0;
}

static int xb_fake_watch(struct xenbus_device *dev)
{
	return xb_fake_step(xb_fake_of_dev(dev), 'W') ? -ENOSPC : 0;
}

static void xb_fake_unwatch(struct xenbus_device *dev)
{
	xb_fake_step(xb_fake_of_dev(dev), 'w');
}

static int xb_fake_add_stats(struct xenbus_device *dev)
{
	return xb_fake_step(xb_fake_of_dev(dev), 'S') ? -EEXIST : 0;
}

static void xb_fake_remove_stats(struct xenbus_device *dev)
{
	xb_fake_step(xb_fake_of_dev(dev), 's');
}

static bool xb_fake_get(struct xenbus_driver *drv)
{
	return !xb_fake_step(xb_fake_of_drv(drv), 'G');
}

static void xb_fake_put(struct xenbus_driver *drv)
{
	xb_fake_step(xb_fake_of_drv(drv), 'p');
}

static int xb_fake_probe(struct xenbus_device *dev,
			 const struct xenbus_device_id *id)
{
	struct xb_fake *f = xb_fake_of_dev(dev);

	if (!xb_fake_sem_held(dev)) {
		xb_fake_step(f, '!');
		return -EIO;
	}
	return xb_fake_step(f, 'P') ? -EIO : 0;
}

static void xb_fake_remove(struct xenbus_device *dev)
{
	xb_fake_step(xb_fake_of_dev(dev), xb_fake_sem_held(dev) ? 'X' : '!');
}

static const struct xb_bind_ops xb_fake_ops = {
	.talk_to_otherend = xb_fake_talk,
	.watch_otherend = xb_fake_watch,
	.unwatch_otherend = xb_fake_unwatch,
	.add_stats = xb_fake_add_stats,
	.remove_stats = xb_fake_remove_stats,
	.get_owner = xb_fake_get,
	.put_owner = xb_fake_put,
};

static struct xb_fake *xb_fake_new(struct kunit *test, char fail)
{
	struct xb_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	sema_init(&f->xdev.reclaim_sem, 1);
	f->drv.probe = xb_fake_probe;
	f->drv.remove = xb_fake_remove;
	f->fail = fail;
	return f;
}

/* Bind with step @fail failing; check the log, the result and the leftovers. */
static void xb_check_bind(struct kunit *test, char fail, const char *expect_log,
			  int expected)
{
	struct xb_fake *f = xb_fake_new(test, fail);

	KUNIT_EXPECT_EQ(test, xb_bind(&f->xdev, &f->drv, &xb_test_ids[0],
				      &xb_fake_ops), expected);
	KUNIT_EXPECT_STREQ(test, f->log, expect_log);
	KUNIT_EXPECT_FALSE(test, xb_fake_sem_held(&f->xdev));
	if (expected)
		KUNIT_EXPECT_NULL(test, f->xdev.otherend);
	kfree(f->xdev.otherend);
}

static void bind_success_takes_every_step_in_order(struct kunit *test)
{
	struct xb_fake *f = xb_fake_new(test, 0);

	KUNIT_EXPECT_EQ(test, xb_bind(&f->xdev, &f->drv, &xb_test_ids[0],
				      &xb_fake_ops), 0);
	KUNIT_EXPECT_STREQ(test, f->log, "RGPWS");
	KUNIT_EXPECT_EQ(test, f->xdev.spurious_threshold, 1U);
	KUNIT_EXPECT_STREQ(test, f->xdev.otherend, "backend/vbd/0/51712");
	KUNIT_EXPECT_FALSE(test, xb_fake_sem_held(&f->xdev));
	kfree(f->xdev.otherend);
}

static void bind_unreadable_otherend_stops_before_module_ref(struct kunit *test)
{
	xb_check_bind(test, 'R', "R", -ENOENT);
}

static void bind_module_going_away_probes_nothing(struct kunit *test)
{
	xb_check_bind(test, 'G', "RG", -ENODEV);
}

static void bind_probe_failure_puts_module_without_remove(struct kunit *test)
{
	xb_check_bind(test, 'P', "RGPp", -EIO);
}

/* CVE-2024-53198: the driver's probe must be undone by its remove. */
static void bind_watch_failure_removes_driver_and_puts_module(struct kunit *test)
{
	xb_check_bind(test, 'W', "RGPWXp", -ENOSPC);
}

static void bind_stats_failure_unwinds_watch_remove_and_module(struct kunit *test)
{
	xb_check_bind(test, 'S', "RGPWSwXp", -EEXIST);
}

static void bind_watch_failure_without_remove_still_puts_module(struct kunit *test)
{
	struct xb_fake *f = xb_fake_new(test, 'W');

	f->drv.remove = NULL;
	KUNIT_EXPECT_EQ(test, xb_bind(&f->xdev, &f->drv, &xb_test_ids[0],
				      &xb_fake_ops), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, f->log, "RGPWp");
	KUNIT_EXPECT_NULL(test, f->xdev.otherend);
}

static void unbind_unwatches_before_remove_and_frees_details(struct kunit *test)
{
	struct xb_fake *f = xb_fake_new(test, 0);

	KUNIT_ASSERT_EQ(test, xb_bind(&f->xdev, &f->drv, &xb_test_ids[0],
				      &xb_fake_ops), 0);
	xb_unbind(&f->xdev, &f->drv, &xb_fake_ops);
	KUNIT_EXPECT_STREQ(test, f->log, "RGPWSswXp");
	KUNIT_EXPECT_NULL(test, f->xdev.otherend);
	KUNIT_EXPECT_FALSE(test, xb_fake_sem_held(&f->xdev));
}

/* ---- enumeration against a fake tree ----------------------------- */

struct xb_enum_fake {
	struct xen_bus_type bus;
	struct xb_fake_tree *tree;
	const char *fail_entry;		/* "<type>/<entry>" whose probe fails */
	int fail_err;
};

/* The bus's ->probe: logs "<type>/<entry>". */
static int xb_enum_probe(struct xen_bus_type *bus, const char *type,
			 const char *entry)
{
	struct xb_enum_fake *f = container_of(bus, struct xb_enum_fake, bus);
	char name[48];

	snprintf(name, sizeof(name), "%s/%s", type, entry);
	xb_fake_tree_log(f->tree, "%s ", name);
	if (f->fail_entry && !strcmp(name, f->fail_entry))
		return f->fail_err;
	return 0;
}

/* A two-level bus rooted at "device" over a tree of @paths. */
static struct xb_enum_fake *xb_enum_fake_new(struct kunit *test,
					     const char *const *paths)
{
	struct xb_enum_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tree = xb_fake_tree_new(test, paths);
	f->bus.root = "device";
	f->bus.levels = 2;
	f->bus.probe = xb_enum_probe;
	return f;
}

static int xb_enum_walk(struct xb_enum_fake *f)
{
	return xenbus_probe_devices_list(&f->bus, xb_fake_tree_list);
}

static void enum_probes_every_entry_of_every_type_in_order(struct kunit *test)
{
	static const char *const paths[] = {
		"device/vbd/51712/state", "device/vbd/51712/backend",
		"device/vbd/51728/state",
		"device/vif/0/state", "device/vif/1/state",
		"device/vkbd/0/state",
		NULL,
	};
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), 0);
	KUNIT_EXPECT_STREQ(test, f->tree->log,
			   "vbd/51712 vbd/51728 vif/0 vif/1 vkbd/0 ");
	/* the root, then each of the three types once; never deeper */
	KUNIT_EXPECT_EQ(test, f->tree->nr_lists, 4);
}

static void enum_empty_type_directory_probes_nothing(struct kunit *test)
{
	static const char *const paths[] = {
		"device/vkbd", "device/vif/0/state", NULL,
	};
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), 0);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "vif/0 ");
}

static void enum_empty_root_probes_nothing(struct kunit *test)
{
	static const char *const paths[] = { "device", NULL };
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), 0);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "");
}

/* No "device" at all, as in a domain without frontends: passed on as is. */
static void enum_missing_root_returns_enoent(struct kunit *test)
{
	static const char *const paths[] = { "backend/vbd/1/51712", NULL };
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), -ENOENT);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "");
}

static void enum_failed_root_listing_is_returned(struct kunit *test)
{
	static const char *const paths[] = { "device/vif/0/state", NULL };
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	f->tree->fail_dir = "device";
	f->tree->fail_err = -EIO;
	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), -EIO);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "");
}

/* The failed type's error comes first, and a later probe's does not win. */
static void enum_failed_type_listing_hides_no_other_type(struct kunit *test)
{
	static const char *const paths[] = {
		"device/vbd/51712/state", "device/vif/0/state",
		"device/vif/1/state", "device/vkbd/0/state", NULL,
	};
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	f->tree->fail_dir = "device/vbd";
	f->tree->fail_err = -EACCES;
	f->fail_entry = "vif/1";
	f->fail_err = -ENODEV;
	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), -EACCES);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "vif/0 vif/1 vkbd/0 ");
}

static void enum_returns_the_first_error_met(struct kunit *test)
{
	static const char *const paths[] = {
		"device/vif/0/state", "device/vbd/51712/state", NULL,
	};
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	f->fail_entry = "vif/0";
	f->fail_err = -ENODEV;
	f->tree->fail_dir = "device/vbd";
	f->tree->fail_err = -EACCES;
	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), -ENODEV);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "vif/0 ");
}

static void enum_failed_probe_hides_no_other_entry(struct kunit *test)
{
	static const char *const paths[] = {
		"device/vbd/51712/state", "device/vbd/51728/state",
		"device/vif/0/state", NULL,
	};
	struct xb_enum_fake *f = xb_enum_fake_new(test, paths);

	f->fail_entry = "vbd/51712";
	f->fail_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, xb_enum_walk(f), -ENOMEM);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "vbd/51712 vbd/51728 vif/0 ");
}

static struct kunit_case xenbus_probe_test_cases[] = {
	KUNIT_CASE(path_is_under_accepts_the_prefix_itself),
	KUNIT_CASE(path_is_under_accepts_a_child),
	KUNIT_CASE(path_is_under_rejects_a_sibling_sharing_digits),
	KUNIT_CASE(path_is_under_rejects_a_parent),
	KUNIT_CASE(otherend_event_for_current_otherend_is_fresh),
	KUNIT_CASE(otherend_event_for_previous_otherend_is_stale),
	KUNIT_CASE(otherend_event_for_prefix_sibling_is_stale),
	KUNIT_CASE(otherend_event_without_otherend_is_stale),
	KUNIT_CASE(parse_frontend_state_node_names_its_device),
	KUNIT_CASE(parse_backend_deep_node_names_its_device),
	KUNIT_CASE(parse_device_directory_itself_is_a_device),
	KUNIT_CASE(parse_type_directory_is_above_devices),
	KUNIT_CASE(parse_backend_domain_directory_is_above_devices),
	KUNIT_CASE(parse_root_itself_is_above_devices),
	KUNIT_CASE(parse_rejects_another_root),
	KUNIT_CASE(parse_rejects_empty_components),
	KUNIT_CASE(alloc_xendev_copies_names_into_one_block),
	KUNIT_CASE(alloc_xendev_starts_initialising_and_unlocked),
	KUNIT_CASE(alloc_xendev_rejects_overlong_nodename),
	KUNIT_CASE(match_id_finds_second_entry),
	KUNIT_CASE(match_id_rejects_unknown_and_prefix_types),
	KUNIT_CASE(spurious_threshold_store_parses_a_number),
	KUNIT_CASE(spurious_threshold_store_rejects_garbage),
	KUNIT_CASE(bind_success_takes_every_step_in_order),
	KUNIT_CASE(bind_unreadable_otherend_stops_before_module_ref),
	KUNIT_CASE(bind_module_going_away_probes_nothing),
	KUNIT_CASE(bind_probe_failure_puts_module_without_remove),
	KUNIT_CASE(bind_watch_failure_removes_driver_and_puts_module),
	KUNIT_CASE(bind_stats_failure_unwinds_watch_remove_and_module),
	KUNIT_CASE(bind_watch_failure_without_remove_still_puts_module),
	KUNIT_CASE(unbind_unwatches_before_remove_and_frees_details),
	KUNIT_CASE(enum_probes_every_entry_of_every_type_in_order),
	KUNIT_CASE(enum_empty_type_directory_probes_nothing),
	KUNIT_CASE(enum_empty_root_probes_nothing),
	KUNIT_CASE(enum_missing_root_returns_enoent),
	KUNIT_CASE(enum_failed_root_listing_is_returned),
	KUNIT_CASE(enum_failed_type_listing_hides_no_other_type),
	KUNIT_CASE(enum_returns_the_first_error_met),
	KUNIT_CASE(enum_failed_probe_hides_no_other_entry),
	{}
};

static struct kunit_suite xenbus_probe_test_suite = {
	.name = "xenbus_probe",
	.test_cases = xenbus_probe_test_cases,
};

kunit_test_suite(xenbus_probe_test_suite);
