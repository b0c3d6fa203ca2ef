// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the backend bus's enumeration: the bus core's walk of
 * "backend/<type>/<domid>" handing each domain to be_probe_domain_list(),
 * which adds every "<domid>/<devid>" below it, all over a fake store
 * tree.  #included at the end of xenbus_probe_backend.c for its static
 * functions; no store, no Xen, and no device is really added.
 */

#include <kunit/test.h>

#include "xenbus_fake_tree.h"

struct be_enum_fake {
	struct xen_bus_type bus;
	struct xb_fake_tree *tree;
	const char *fail_node;		/* a nodename whose adding fails */
	int fail_err;
};

/* Stands in for xenbus_probe_node(): logs the nodename. */
static int be_enum_probe_node(struct xen_bus_type *bus, const char *type,
			      const char *nodename)
{
	struct be_enum_fake *f = container_of(bus, struct be_enum_fake, bus);

	xb_fake_tree_log(f->tree, "%s ", nodename);
	if (f->fail_node && !strcmp(nodename, f->fail_node))
		return f->fail_err;
	return 0;
}

/* The bus's ->probe: be_probe_domain() with the fakes in. */
static int be_enum_probe_domain(struct xen_bus_type *bus, const char *type,
				const char *domid)
{
	return be_probe_domain_list(bus, type, domid, xb_fake_tree_list,
				    be_enum_probe_node);
}

static struct be_enum_fake *be_enum_fake_new(struct kunit *test,
					     const char *const *paths)
{
	struct be_enum_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->tree = xb_fake_tree_new(test, paths);
	f->bus.root = BE_ROOT;
	f->bus.levels = 3;
	f->bus.probe = be_enum_probe_domain;
	return f;
}

static int be_enum_walk(struct be_enum_fake *f)
{
	return xenbus_probe_devices_list(&f->bus, xb_fake_tree_list);
}

static void be_enum_walks_three_levels_over_two_domains(struct kunit *test)
{
	static const char *const paths[] = {
		"backend/vbd/1/51712/state", "backend/vbd/1/51712/frontend",
		"backend/vbd/1/51728/state",
		"backend/vbd/2/51712/state",
		"backend/vif/1/0/state", "backend/vif/2/0/state",
		NULL,
	};
	struct be_enum_fake *f = be_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, be_enum_walk(f), 0);
	KUNIT_EXPECT_STREQ(test, f->tree->log,
			   "backend/vbd/1/51712 backend/vbd/1/51728 backend/vbd/2/51712 backend/vif/1/0 backend/vif/2/0 ");
	/* root, 2 types, 4 domains; never a device's own directory */
	KUNIT_EXPECT_EQ(test, f->tree->nr_lists, 7);
}

static void be_enum_empty_domain_adds_nothing_there(struct kunit *test)
{
	static const char *const paths[] = {
		"backend/vbd/1", "backend/vbd/2/51712/state", NULL,
	};
	struct be_enum_fake *f = be_enum_fake_new(test, paths);

	KUNIT_EXPECT_EQ(test, be_enum_walk(f), 0);
	KUNIT_EXPECT_STREQ(test, f->tree->log, "backend/vbd/2/51712 ");
}

static void be_enum_failed_domain_listing_hides_no_other(struct kunit *test)
{
	static const char *const paths[] = {
		"backend/vbd/1/51712/state", "backend/vbd/2/51712/state",
		"backend/vif/1/0/state", NULL,
	};
	struct be_enum_fake *f = be_enum_fake_new(test, paths);

	f->tree->fail_dir = "backend/vbd/1";
	f->tree->fail_err = -EIO;
	KUNIT_EXPECT_EQ(test, be_enum_walk(f), -EIO);
	KUNIT_EXPECT_STREQ(test, f->tree->log,
			   "backend/vbd/2/51712 backend/vif/1/0 ");
}

static void be_enum_failed_device_hides_no_other(struct kunit *test)
{
	static const char *const paths[] = {
		"backend/vbd/1/51712/state", "backend/vbd/1/51728/state",
		"backend/vbd/2/51712/state", NULL,
	};
	struct be_enum_fake *f = be_enum_fake_new(test, paths);

	f->fail_node = "backend/vbd/1/51712";
	f->fail_err = -ENODEV;
	KUNIT_EXPECT_EQ(test, be_enum_walk(f), -ENODEV);
	KUNIT_EXPECT_STREQ(test, f->tree->log,
			   "backend/vbd/1/51712 backend/vbd/1/51728 backend/vbd/2/51712 ");
}

static struct kunit_case be_enum_test_cases[] = {
	KUNIT_CASE(be_enum_walks_three_levels_over_two_domains),
	KUNIT_CASE(be_enum_empty_domain_adds_nothing_there),
	KUNIT_CASE(be_enum_failed_domain_listing_hides_no_other),
	KUNIT_CASE(be_enum_failed_device_hides_no_other),
	{}
};

static struct kunit_suite be_enum_test_suite = {
	.name = "xenbus_probe_backend",
	.test_cases = be_enum_test_cases,
};

kunit_test_suite(be_enum_test_suite);
