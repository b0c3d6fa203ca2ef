// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the pure logic of the two xenbus buses: device names
 * (frontend, and the backend's formatter from xenbus.h), which nodes the
 * frontend bus leaves alone, when a device holds the boot-time wait, the
 * countdown it prints, and the kexec/kdump reset decisions.
 *
 * #included at the end of xenbus_probe_frontend.c for its statics.
 * Nothing here touches xenstore: only strings and fake devices.
 */

#include <kunit/test.h>

/* ---- frontend device names ---- */

static void fe_bus_id_joins_type_and_id(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_ASSERT_EQ(test, fe_format_bus_id(id, "device/vbd/51712"), 0);
	KUNIT_EXPECT_STREQ(test, id, "vbd-51712");
}

static void fe_bus_id_of_19_chars_fits(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	/* "vif-" + 15 digits: 19 characters and the NUL fill 20 bytes */
	KUNIT_ASSERT_EQ(test, fe_format_bus_id(id, "device/vif/123456789012345"),
			0);
	KUNIT_EXPECT_STREQ(test, id, "vif-123456789012345");
}

static void fe_bus_id_of_20_chars_is_enospc(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_EXPECT_EQ(test,
			fe_format_bus_id(id, "device/vif/1234567890123456"),
			-ENOSPC);
}

static void fe_bus_id_rejects_nodes_of_other_shapes(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_EXPECT_EQ(test, fe_format_bus_id(id, "device"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_format_bus_id(id, "device/vbd"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_format_bus_id(id, "device/vbd/"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_format_bus_id(id, "device//0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_format_bus_id(id, "device/vbd/0/x"), -EINVAL);
}

/* ---- backend device names (xenbus_backend_bus_id() in xenbus.h) ---- */

static void be_bus_id_joins_type_frontend_id_and_devid(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_ASSERT_EQ(test,
			xenbus_backend_bus_id(id, "backend/vbd/5/51712", 5), 0);
	KUNIT_EXPECT_STREQ(test, id, "vbd-5-51712");
}

static void be_bus_id_takes_frontend_id_not_path_domid(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_ASSERT_EQ(test, xenbus_backend_bus_id(id, "backend/vif/3/0", 7),
			0);
	KUNIT_EXPECT_STREQ(test, id, "vif-7-0");
}

static void be_bus_id_of_19_chars_fits(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_ASSERT_EQ(test,
			xenbus_backend_bus_id(id, "backend/vbd/32767/123456789",
					      32767), 0);
	KUNIT_EXPECT_STREQ(test, id, "vbd-32767-123456789");
}

static void be_bus_id_of_20_chars_is_enospc(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_EXPECT_EQ(test,
			xenbus_backend_bus_id(id, "backend/vbd/32767/1234567890",
					      32767), -ENOSPC);
}

static void be_bus_id_rejects_nodes_of_other_shapes(struct kunit *test)
{
	char id[XEN_BUS_ID_SIZE];

	KUNIT_EXPECT_EQ(test, xenbus_backend_bus_id(id, "backend", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, xenbus_backend_bus_id(id, "backend/vbd/51712", 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xenbus_backend_bus_id(id, "backend/vbd//51712", 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xenbus_backend_bus_id(id, "backend/vbd/1/", 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xenbus_backend_bus_id(id, "backend//1/0", 1),
			-EINVAL);
}

/* ---- the boot console is not a bus device ---- */

static void fe_skips_console_0(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, fe_is_boot_console("console", "0"));
}

static void fe_keeps_other_consoles_and_types(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, fe_is_boot_console("console", "1"));
	KUNIT_EXPECT_FALSE(test, fe_is_boot_console("console", "00"));
	KUNIT_EXPECT_FALSE(test, fe_is_boot_console("vbd", "0"));
	KUNIT_EXPECT_FALSE(test, fe_is_boot_console("consoles", "0"));
}

/* ---- which devices hold the boot wait ---- */

static int fe_test_is_ready_yes(struct xenbus_device *xdev)
{
	return 1;
}

static int fe_test_is_ready_no(struct xenbus_device *xdev)
{
	return 0;
}

static struct xenbus_device *fe_test_device(struct kunit *test,
					    enum xenbus_state state)
{
	struct xenbus_device *xdev;

	xdev = kunit_kzalloc(test, sizeof(*xdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, xdev);
	xdev->state = state;
	return xdev;
}

static void fe_unbound_device_is_not_connecting(struct kunit *test)
{
	struct xenbus_device *xdev = fe_test_device(test, XenbusStateInitialising);

	KUNIT_EXPECT_FALSE(test, fe_dev_connecting(xdev, NULL));
}

static void fe_bound_device_before_connected_is_connecting(struct kunit *test)
{
	struct xenbus_driver drv = { };
	static const enum xenbus_state early[] = {
		XenbusStateUnknown, XenbusStateInitialising,
		XenbusStateInitWait, XenbusStateInitialised,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(early); i++)
		KUNIT_EXPECT_TRUE(test,
				  fe_dev_connecting(fe_test_device(test, early[i]),
						    &drv));
}

static void fe_connected_device_without_is_ready_is_done(struct kunit *test)
{
	struct xenbus_driver drv = { };

	KUNIT_EXPECT_FALSE(test,
			   fe_dev_connecting(fe_test_device(test, XenbusStateConnected),
					     &drv));
}

static void fe_connected_device_not_ready_is_connecting(struct kunit *test)
{
	struct xenbus_driver drv = { .is_ready = fe_test_is_ready_no };

	KUNIT_EXPECT_TRUE(test,
			  fe_dev_connecting(fe_test_device(test, XenbusStateConnected),
					    &drv));
}

static void fe_connected_device_ready_is_done(struct kunit *test)
{
	struct xenbus_driver drv = { .is_ready = fe_test_is_ready_yes };

	KUNIT_EXPECT_FALSE(test,
			   fe_dev_connecting(fe_test_device(test, XenbusStateConnected),
					     &drv));
}

static void fe_closing_or_closed_device_is_not_waited_for(struct kunit *test)
{
	struct xenbus_driver drv = { .is_ready = fe_test_is_ready_no };

	KUNIT_EXPECT_FALSE(test,
			   fe_dev_connecting(fe_test_device(test, XenbusStateClosing),
					     &drv));
	KUNIT_EXPECT_FALSE(test,
			   fe_dev_connecting(fe_test_device(test, XenbusStateClosed),
					     &drv));
}

/* ---- the countdown on the console ---- */

static void fe_wait_limits_are_30s_and_270s(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fe_wait_limit(false), 30);
	KUNIT_EXPECT_EQ(test, fe_wait_limit(true), 270);
}

static void fe_countdown_prints_only_on_5s_ticks(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(0, false), -1);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(3, false), -1);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(5, false), 25);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(7, true), -1);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(5, true), 25);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(35, true), 235);
}

static void fe_countdown_ends_at_0s_and_stops(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(30, false), 0);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(35, false), -1);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(270, true), 0);
	KUNIT_EXPECT_EQ(test, fe_wait_countdown(275, true), -1);
}

/* What wait_for_devices() prints after its header, one tick at a time. */
static void fe_test_countdown_line(char *buf, size_t size, bool essential,
				   unsigned int from, unsigned int to)
{
	unsigned int t;
	size_t len = 0;

	buf[0] = '\0';
	for (t = from; t <= to; t += FE_WAIT_TICK_SECS) {
		int left = fe_wait_countdown(t, essential);

		if (left >= 0)
			len += scnprintf(buf + len, size - len, "%ds...", left);
	}
}

static void fe_countdown_line_for_non_essential_devices(struct kunit *test)
{
	char line[128];

	fe_test_countdown_line(line, sizeof(line), false, 5, 60);
	KUNIT_EXPECT_STREQ(test, line, "25s...20s...15s...10s...5s...0s...");
}

static void fe_countdown_line_for_essential_devices(struct kunit *test)
{
	char line[128];

	/* Stock 6.12's console: the first limit, then the essential one. */
	fe_test_countdown_line(line, sizeof(line), true, 5, 45);
	KUNIT_EXPECT_STREQ(test, line,
			   "25s...20s...15s...10s...5s...0s...235s...230s...225s...");
	fe_test_countdown_line(line, sizeof(line), true, 260, 400);
	KUNIT_EXPECT_STREQ(test, line, "10s...5s...0s...");
}

/* ---- kexec/kdump reset ---- */

static void fe_reset_closed_device_after_kexec(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, fe_needs_reset(XenbusStateClosed));
}

/*
 * A crash kernel finds its disk Connected whether or not it was started
 * with reset_devices, and must reset it either way, as stock does.
 */
static void fe_reset_connected_device_with_or_without_reset_devices(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, fe_needs_reset(XenbusStateConnected));
}

static void fe_reset_leaves_fresh_devices_alone(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, fe_needs_reset(XenbusStateInitialising));
	KUNIT_EXPECT_FALSE(test, fe_needs_reset(XenbusStateUnknown));
	KUNIT_EXPECT_FALSE(test, fe_needs_reset(XenbusStateClosing));
}

/* The reset follows the backend through its states, one step each. */
static void fe_reset_steps_follow_the_backend(struct kunit *test)
{
	static const struct {
		enum xenbus_state be, write, want;
		bool wait;
	} steps[] = {
		{ XenbusStateConnected, XenbusStateClosing, XenbusStateClosing, true },
		{ XenbusStateInitialised, XenbusStateClosing, XenbusStateClosing, true },
		{ XenbusStateClosing, XenbusStateClosed, XenbusStateClosed, true },
		{ XenbusStateClosed, XenbusStateInitialising, XenbusStateInitWait, true },
		{ XenbusStateInitWait, XenbusStateInitialising, XenbusStateUnknown, false },
		{ XenbusStateUnknown, XenbusStateInitialising, XenbusStateUnknown, false },
		{ XenbusStateInitialising, XenbusStateInitialising, XenbusStateUnknown, false },
	};
	enum xenbus_state write, want;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		want = XenbusStateUnknown;
		KUNIT_EXPECT_EQ_MSG(test, fe_reset_next(steps[i].be, &write, &want),
				    steps[i].wait, "backend %d", steps[i].be);
		KUNIT_EXPECT_EQ_MSG(test, write, steps[i].write,
				    "backend %d", steps[i].be);
		KUNIT_EXPECT_EQ_MSG(test, want, steps[i].want,
				    "backend %d", steps[i].be);
	}
}

static void fe_reset_backend_closed_counts_as_closing(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, fe_backend_followed(XenbusStateClosing,
						    XenbusStateClosing));
	KUNIT_EXPECT_TRUE(test, fe_backend_followed(XenbusStateClosing,
						    XenbusStateClosed));
	KUNIT_EXPECT_FALSE(test, fe_backend_followed(XenbusStateClosing,
						     XenbusStateConnected));
}

static void fe_reset_waits_for_exact_later_states(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, fe_backend_followed(XenbusStateClosed,
						     XenbusStateClosing));
	KUNIT_EXPECT_TRUE(test, fe_backend_followed(XenbusStateInitWait,
						    XenbusStateInitWait));
	KUNIT_EXPECT_FALSE(test, fe_backend_followed(XenbusStateInitWait,
						     XenbusStateClosed));
}

static void fe_reset_stops_waiting_for_a_vanished_backend(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, fe_backend_followed(XenbusStateInitWait,
						    XenbusStateUnknown));
}

static struct kunit_case xenbus_probe_frontend_test_cases[] = {
	KUNIT_CASE(fe_bus_id_joins_type_and_id),
	KUNIT_CASE(fe_bus_id_of_19_chars_fits),
	KUNIT_CASE(fe_bus_id_of_20_chars_is_enospc),
	KUNIT_CASE(fe_bus_id_rejects_nodes_of_other_shapes),
	KUNIT_CASE(be_bus_id_joins_type_frontend_id_and_devid),
	KUNIT_CASE(be_bus_id_takes_frontend_id_not_path_domid),
	KUNIT_CASE(be_bus_id_of_19_chars_fits),
	KUNIT_CASE(be_bus_id_of_20_chars_is_enospc),
	KUNIT_CASE(be_bus_id_rejects_nodes_of_other_shapes),
	KUNIT_CASE(fe_skips_console_0),
	KUNIT_CASE(fe_keeps_other_consoles_and_types),
	KUNIT_CASE(fe_unbound_device_is_not_connecting),
	KUNIT_CASE(fe_bound_device_before_connected_is_connecting),
	KUNIT_CASE(fe_connected_device_without_is_ready_is_done),
	KUNIT_CASE(fe_connected_device_not_ready_is_connecting),
	KUNIT_CASE(fe_connected_device_ready_is_done),
	KUNIT_CASE(fe_closing_or_closed_device_is_not_waited_for),
	KUNIT_CASE(fe_wait_limits_are_30s_and_270s),
	KUNIT_CASE(fe_countdown_prints_only_on_5s_ticks),
	KUNIT_CASE(fe_countdown_ends_at_0s_and_stops),
	KUNIT_CASE(fe_countdown_line_for_non_essential_devices),
	KUNIT_CASE(fe_countdown_line_for_essential_devices),
	KUNIT_CASE(fe_reset_closed_device_after_kexec),
	KUNIT_CASE(fe_reset_connected_device_with_or_without_reset_devices),
	KUNIT_CASE(fe_reset_leaves_fresh_devices_alone),
	KUNIT_CASE(fe_reset_steps_follow_the_backend),
	KUNIT_CASE(fe_reset_backend_closed_counts_as_closing),
	KUNIT_CASE(fe_reset_waits_for_exact_later_states),
	KUNIT_CASE(fe_reset_stops_waiting_for_a_vanished_backend),
	{}
};

static struct kunit_suite xenbus_probe_frontend_test_suite = {
	.name = "xenbus_probe_frontend",
	.test_cases = xenbus_probe_frontend_test_cases,
};

kunit_test_suite(xenbus_probe_frontend_test_suite);
