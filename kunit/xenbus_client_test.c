// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the client helpers' pure parts: state names, error
 * report formatting, the state-switch decisions and its transaction loop
 * driven by a fake store, the grant bookkeeping of xenbus_setup_ring()
 * (XSA-396) driven by a fake grant table, and the handle and mapping
 * bookkeeping of xenbus_map_ring_valloc(), whose auto-translated way is
 * driven end to end against a fake Xen through static stubs.
 *
 * #included at the end of xenbus_client.c for its static functions.  No
 * case touches the store or makes a hypercall, so they run without Xen.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>

/* ------------------------------------------------------------------ */
/* xenbus_strstate()                                                   */
/* ------------------------------------------------------------------ */

static void xb_test_strstate_names_every_state(struct kunit *test)
{
	static const char *const expect[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expect); i++)
		KUNIT_EXPECT_STREQ_MSG(test, xenbus_strstate(i), expect[i],
				       "state %u", i);
}

static void xb_test_strstate_past_end_is_invalid(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, xenbus_strstate(XenbusStateReconfigured + 1),
			   "INVALID");
	KUNIT_EXPECT_STREQ(test, xenbus_strstate(1000), "INVALID");
}

static void xb_test_strstate_negative_is_invalid(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, xenbus_strstate((enum xenbus_state)-1),
			   "INVALID");
}

/* ------------------------------------------------------------------ */
/* Error report formatting                                             */
/* ------------------------------------------------------------------ */

static __printf(4, 5)
int xb_test_format(char *buf, size_t size, int err, const char *fmt, ...)
{
	struct va_format vaf = { .fmt = fmt };
	va_list ap;
	int len;

	va_start(ap, fmt);
	vaf.va = &ap;
	len = xb_format_error(buf, size, err, &vaf);
	va_end(ap);
	return len;
}

static void xb_test_error_starts_with_positive_errno(struct kunit *test)
{
	char buf[64];
	int len;

	len = xb_test_format(buf, sizeof(buf), -ENOENT, "reading %s", "state");
	KUNIT_EXPECT_STREQ(test, buf, "2 reading state");
	KUNIT_EXPECT_EQ(test, len, 15);
}

static void xb_test_error_keeps_sign_of_positive_err(struct kunit *test)
{
	char buf[64];

	/* A caller passing a positive value gets it back negated, as is. */
	xb_test_format(buf, sizeof(buf), 5, "odd");
	KUNIT_EXPECT_STREQ(test, buf, "-5 odd");
}

static void xb_test_error_truncates_to_buffer(struct kunit *test)
{
	char buf[8];
	int len;

	memset(buf, 'x', sizeof(buf));
	len = xb_test_format(buf, sizeof(buf), -EIO, "abcdefghij");
	KUNIT_EXPECT_STREQ(test, buf, "5 abcde");
	KUNIT_EXPECT_EQ(test, len, 7);
}

static void xb_test_error_truncates_inside_errno(struct kunit *test)
{
	char buf[3];
	int len;

	len = xb_test_format(buf, sizeof(buf), -ENOMEM, "lost");
	KUNIT_EXPECT_STREQ(test, buf, "12");
	KUNIT_EXPECT_EQ(test, len, 2);
}

/* ------------------------------------------------------------------ */
/* xenbus_switch_state() decisions                                     */
/* ------------------------------------------------------------------ */

static void xb_test_switch_writes_when_state_read(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xb_switch_step(1), XB_SWITCH_WRITE);
}

static void xb_test_switch_never_recreates_missing_node(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xb_switch_step(-ENOENT), XB_SWITCH_GONE);
}

static void xb_test_switch_overwrites_unparsable_state(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xb_switch_step(-ERANGE), XB_SWITCH_WRITE);
}

static void xb_test_switch_fails_on_other_read_errors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xb_switch_step(-EIO), XB_SWITCH_FAIL);
	KUNIT_EXPECT_EQ(test, xb_switch_step(-EACCES), XB_SWITCH_FAIL);
	KUNIT_EXPECT_EQ(test, xb_switch_step(0), XB_SWITCH_FAIL);
}

static void xb_test_switch_retries_eagain_only(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xb_switch_retry(-EAGAIN, 1));
	KUNIT_EXPECT_FALSE(test, xb_switch_retry(-EIO, 1));
	KUNIT_EXPECT_FALSE(test, xb_switch_retry(-ENOENT, 1));
}

static void xb_test_switch_retries_are_bounded(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xb_switch_retry(-EAGAIN,
						XB_SWITCH_MAX_TRIES - 1));
	KUNIT_EXPECT_FALSE(test, xb_switch_retry(-EAGAIN,
						 XB_SWITCH_MAX_TRIES));
}

/* ------------------------------------------------------------------ */
/* xenbus_switch_state() against a fake store                          */
/* ------------------------------------------------------------------ */

#define XB_STORE_NODES		4
#define XB_STORE_REPORTS	4
#define XB_TEST_DIR		"device/vif/0"
#define XB_TEST_STATE_NODE	XB_TEST_DIR "/state"

/* An error an operation returns for its next @times calls (~0: always). */
struct xb_fs_fault {
	int err;
	unsigned int times;
};

/*
 * A store of a few nodes, path -> value, with one transaction at a time
 * whose write only lands on a successful commit, as in xenstored.  The
 * log records each call in order: "start", "read=<ret>", "write=<state>"
 * or "write=<-errno>", "commit=<ret>", "abort", "report=<err>".
 */
struct xb_fake_store {
	struct {
		char path[32];		/* "" for a free slot */
		char value[16];
	} node[XB_STORE_NODES];

	struct xb_fs_fault start_fault, read_fault, write_fault, end_fault;
	/* the toolstack removes this directory at the next commit */
	const char *remove_at_commit;

	bool tx_open;
	u32 tx_id;
	char pending_path[32];		/* the open transaction's write */
	char pending_value[16];

	unsigned int nr_start, nr_read, nr_write, nr_commit, nr_committed;
	unsigned int nr_abort, nr_report;
	unsigned int misuse;		/* ends without start, reports in a tx */
	int report_err[XB_STORE_REPORTS];
	char report[XB_STORE_REPORTS][96];
	char log[256];
	size_t log_len;
};

static __printf(2, 3)
void xb_fs_log(struct xb_fake_store *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	f->log_len += vscnprintf(f->log + f->log_len,
				 sizeof(f->log) - f->log_len, fmt, ap);
	va_end(ap);
}

static int xb_fs_fault_hit(struct xb_fs_fault *fault)
{
	if (!fault->times)
		return 0;
	if (fault->times != ~0U)
		fault->times--;
	return fault->err;
}

static int xb_fs_find(struct xb_fake_store *f, const char *path)
{
	unsigned int i;

	for (i = 0; i < XB_STORE_NODES; i++)
		if (!strcmp(f->node[i].path, path))
			return i;
	return -1;
}

/* The value at @path, or NULL if there is no such node. */
static const char *xb_fs_get(struct xb_fake_store *f, const char *path)
{
	int i = xb_fs_find(f, path);

	return i < 0 ? NULL : f->node[i].value;
}

static void xb_fs_set(struct xb_fake_store *f, const char *path,
		      const char *value)
{
	int i = xb_fs_find(f, path);

	if (i < 0)
		i = xb_fs_find(f, "");
	if (WARN_ON(i < 0))
		return;
	strscpy(f->node[i].path, path);
	strscpy(f->node[i].value, value);
}

/* Remove @dir and every node below it, as "xenstore-rm" does. */
static void xb_fs_rm(struct xb_fake_store *f, const char *dir)
{
	size_t len = strlen(dir);
	unsigned int i;

	for (i = 0; i < XB_STORE_NODES; i++) {
		const char *path = f->node[i].path;

		if (!strncmp(path, dir, len) &&
		    (path[len] == '\0' || path[len] == '/'))
			f->node[i].path[0] = '\0';
	}
}

static int xb_fs_start(void *ctx, struct xenbus_transaction *xbt)
{
	struct xb_fake_store *f = ctx;
	int err = xb_fs_fault_hit(&f->start_fault);

	f->nr_start++;
	if (err) {
		xb_fs_log(f, "start=%d ", err);
		return err;
	}
	if (f->tx_open)
		f->misuse++;
	f->tx_open = true;
	xbt->id = ++f->tx_id;
	f->pending_path[0] = '\0';
	xb_fs_log(f, "start ");
	return 0;
}

/* Mirrors xenbus_scanf(): 1, -ERANGE if nothing parses, or -errno. */
static int xb_fs_read(void *ctx, struct xenbus_transaction xbt,
		      const char *dir, int *state)
{
	struct xb_fake_store *f = ctx;
	char path[32];
	const char *value;
	int ret;

	f->nr_read++;
	if (!f->tx_open || xbt.id != f->tx_id)
		f->misuse++;
	snprintf(path, sizeof(path), "%s/state", dir);
	value = xb_fs_get(f, path);
	ret = xb_fs_fault_hit(&f->read_fault);
	if (!ret && !value)
		ret = -ENOENT;
	if (!ret)
		ret = sscanf(value, "%d", state) > 0 ? 1 : -ERANGE;
	xb_fs_log(f, "read=%d ", ret);
	return ret;
}

static int xb_fs_write(void *ctx, struct xenbus_transaction xbt,
		       const char *dir, enum xenbus_state state)
{
	struct xb_fake_store *f = ctx;
	int err = xb_fs_fault_hit(&f->write_fault);

	f->nr_write++;
	if (!f->tx_open || xbt.id != f->tx_id)
		f->misuse++;
	if (err) {
		xb_fs_log(f, "write=%d ", err);
		return err;
	}
	snprintf(f->pending_path, sizeof(f->pending_path), "%s/state", dir);
	snprintf(f->pending_value, sizeof(f->pending_value), "%d", state);
	xb_fs_log(f, "write=%d ", state);
	return 0;
}

static int xb_fs_end(void *ctx, struct xenbus_transaction xbt, bool abort)
{
	struct xb_fake_store *f = ctx;
	int err;

	if (!f->tx_open || xbt.id != f->tx_id)
		f->misuse++;
	f->tx_open = false;
	if (abort) {
		f->nr_abort++;
		xb_fs_log(f, "abort ");
		return 0;
	}

	f->nr_commit++;
	if (f->remove_at_commit) {
		/* Our transaction read a node that is gone now: xenstored refuses it. */
		xb_fs_rm(f, f->remove_at_commit);
		f->remove_at_commit = NULL;
		err = -EAGAIN;
	} else {
		err = xb_fs_fault_hit(&f->end_fault);
	}
	if (!err && f->pending_path[0]) {
		xb_fs_set(f, f->pending_path, f->pending_value);
		f->nr_committed++;
	}
	xb_fs_log(f, "commit=%d ", err);
	return err;
}

static void xb_fs_report(void *ctx, struct xenbus_device *dev, int err,
			 struct va_format *vaf)
{
	struct xb_fake_store *f = ctx;

	if (f->tx_open)
		f->misuse++;
	if (f->nr_report < XB_STORE_REPORTS) {
		f->report_err[f->nr_report] = err;
		xb_format_error(f->report[f->nr_report],
				sizeof(f->report[0]), err, vaf);
	}
	f->nr_report++;
	xb_fs_log(f, "report=%d ", err);
}

static const struct xb_switch_ops xb_fs_ops = {
	.start = xb_fs_start,
	.read = xb_fs_read,
	.write = xb_fs_write,
	.end = xb_fs_end,
	.report = xb_fs_report,
};

/* A store holding XB_TEST_DIR/state = @value (none if NULL). */
static struct xb_fake_store *xb_fs_new(struct kunit *test, const char *value)
{
	struct xb_fake_store *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	if (value)
		xb_fs_set(f, XB_TEST_STATE_NODE, value);
	xb_fs_set(f, XB_TEST_DIR "/handle", "0");
	return f;
}

/* struct xenbus_device embeds a struct device: too big for the stack */
static struct xenbus_device *xb_fs_dev(struct kunit *test,
				       enum xenbus_state state)
{
	struct xenbus_device *dev = kunit_kzalloc(test, sizeof(*dev),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->nodename = XB_TEST_DIR;
	dev->dev.init_name = "vif-0";	/* for dev_dbg(), never registered */
	dev->state = state;
	return dev;
}

static void xb_fs_switch(struct xb_fake_store *f, struct xenbus_device *dev,
			 enum xenbus_state state)
{
	xb_switch_run(&xb_fs_ops, f, dev, state, 0);
}

/* Every transaction started was ended, once, and no report ran inside one. */
static void xb_fs_expect_clean(struct kunit *test, struct xb_fake_store *f)
{
	KUNIT_EXPECT_FALSE(test, f->tx_open);
	KUNIT_EXPECT_EQ(test, f->misuse, 0);
}

static void xb_test_switch_commits_new_state(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log, "start read=1 write=4 commit=0 ");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "4");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_to_current_state_does_nothing(struct kunit *test)
{
	/* The node disagrees with the cache: only the cache is consulted. */
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateConnected);

	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log, "");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "1");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateConnected);
}

static void xb_test_switch_leaves_removed_dir_removed(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "4");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateConnected);

	xb_fs_rm(f, XB_TEST_DIR);
	xb_fs_switch(f, dev, XenbusStateClosing);

	KUNIT_EXPECT_STREQ(test, f->log, "start read=-2 abort ");
	KUNIT_EXPECT_EQ(test, f->nr_write, 0);
	KUNIT_EXPECT_NULL(test, xb_fs_get(f, XB_TEST_STATE_NODE));
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
	xb_fs_expect_clean(test, f);
}

/*
 * The node is not re-created, but sysfs "state" and the driver's own
 * checks of dev->state still see the device leave, as in stock.
 */
static void xb_test_switch_gone_still_updates_dev_state(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, NULL);
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateConnected);

	xb_fs_switch(f, dev, XenbusStateClosed);

	KUNIT_EXPECT_STREQ(test, f->log, "start read=-2 abort ");
	KUNIT_EXPECT_EQ(test, f->nr_write, 0);
	KUNIT_EXPECT_NULL(test, xb_fs_get(f, XB_TEST_STATE_NODE));
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_DIR "/handle"), "0");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
	xb_fs_expect_clean(test, f);

	/* Once there, switching to it again does not even look. */
	xb_fs_switch(f, dev, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, f->nr_start, 1);
}

/* Removed after our read: the retry must see it gone, not re-create it. */
static void xb_test_switch_removed_before_commit_stays_removed(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "4");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateConnected);

	f->remove_at_commit = XB_TEST_DIR;
	xb_fs_switch(f, dev, XenbusStateClosing);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=5 commit=-11 start read=-2 abort ");
	KUNIT_EXPECT_NULL(test, xb_fs_get(f, XB_TEST_STATE_NODE));
	KUNIT_EXPECT_NULL(test, xb_fs_get(f, XB_TEST_DIR "/handle"));
	KUNIT_EXPECT_EQ(test, f->nr_committed, 0);
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_retry_repeats_whole_tx(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->end_fault = (struct xb_fs_fault){ -EAGAIN, 1 };
	xb_fs_switch(f, dev, XenbusStateInitWait);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=2 commit=-11 start read=1 write=2 commit=0 ");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "2");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateInitWait);
	xb_fs_expect_clean(test, f);
}

/* How many -EAGAIN commits precede the one that succeeds. */
static const unsigned int xb_test_eagains[] = {
	1, 2, 17, XB_SWITCH_MAX_TRIES - 1,
};

static void xb_test_eagain_desc(const unsigned int *k, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u x -EAGAIN", *k);
}

KUNIT_ARRAY_PARAM(xb_test_eagain, xb_test_eagains, xb_test_eagain_desc);

static void xb_test_switch_eagain_then_commits_once(struct kunit *test)
{
	const unsigned int k = *(const unsigned int *)test->param_value;
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->end_fault = (struct xb_fs_fault){ -EAGAIN, k };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_EQ(test, f->nr_start, k + 1);
	KUNIT_EXPECT_EQ(test, f->nr_commit, k + 1);
	KUNIT_EXPECT_EQ(test, f->nr_committed, 1);
	KUNIT_EXPECT_EQ(test, f->nr_abort, 0);
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "4");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
	xb_fs_expect_clean(test, f);
}

/*
 * -EAGAIN on every commit: XB_SWITCH_MAX_TRIES attempts, one report,
 * then the fallback switch to Closing, which fails the same way and is
 * only reported.
 */
static void xb_test_switch_gives_up_after_bounded_eagain(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->end_fault = (struct xb_fs_fault){ -EAGAIN, ~0U };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_EQ(test, f->nr_start, 2 * XB_SWITCH_MAX_TRIES);
	KUNIT_EXPECT_EQ(test, f->nr_commit, 2 * XB_SWITCH_MAX_TRIES);
	KUNIT_EXPECT_EQ(test, f->nr_committed, 0);
	KUNIT_ASSERT_EQ(test, f->nr_report, 2);
	KUNIT_EXPECT_EQ(test, f->report_err[0], -EAGAIN);
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "11 ending transaction while switching device/vif/0 to Connected");
	KUNIT_EXPECT_STREQ(test, f->report[1],
			   "11 ending transaction while switching device/vif/0 to Closing");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "1");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateInitialising);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_commit_error_is_not_retried(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->end_fault = (struct xb_fs_fault){ -EIO, 1 };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=4 commit=-5 report=-5 start read=1 write=5 commit=0 ");
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "5 ending transaction while switching device/vif/0 to Connected");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "5");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_overwrites_unparsable_node(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "bogus");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log, "start read=-34 write=4 commit=0 ");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "4");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, f->nr_report, 0);
}

/* As xenbus_dev_fatal(): a report, then a switch to Closing. */
static void xb_test_switch_start_failure_reports_and_closes(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->start_fault = (struct xb_fs_fault){ -ENOMEM, 1 };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start=-12 report=-12 start read=1 write=5 commit=0 ");
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "12 starting transaction while switching device/vif/0 to Connected");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_read_failure_reports_and_closes(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->read_fault = (struct xb_fs_fault){ -EIO, 1 };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=-5 abort report=-5 start read=1 write=5 commit=0 ");
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "5 reading state while switching device/vif/0 to Connected");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "5");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_write_failure_reports_and_closes(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->write_fault = (struct xb_fs_fault){ -EACCES, 1 };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=-13 abort report=-13 start read=1 write=5 commit=0 ");
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "13 writing state while switching device/vif/0 to Connected");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "5");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	xb_fs_expect_clean(test, f);
}

/* The fallback to Closing fails too: reported, and nothing more. */
static void xb_test_switch_failed_fallback_is_only_reported(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "1");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateInitialising);

	f->write_fault = (struct xb_fs_fault){ -EACCES, ~0U };
	xb_fs_switch(f, dev, XenbusStateConnected);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=-13 abort report=-13 start read=1 write=-13 abort report=-13 ");
	KUNIT_EXPECT_STREQ(test, f->report[1],
			   "13 writing state while switching device/vif/0 to Closing");
	KUNIT_EXPECT_STREQ(test, xb_fs_get(f, XB_TEST_STATE_NODE), "1");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateInitialising);
	xb_fs_expect_clean(test, f);
}

static void xb_test_switch_to_closing_has_no_fallback(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "4");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateConnected);

	f->write_fault = (struct xb_fs_fault){ -EACCES, ~0U };
	xb_fs_switch(f, dev, XenbusStateClosing);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=-13 abort report=-13 ");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateConnected);
	xb_fs_expect_clean(test, f);
}

/* A device already Closing that fails to close is not "closed" again. */
static void xb_test_switch_fallback_skipped_when_closing(struct kunit *test)
{
	struct xb_fake_store *f = xb_fs_new(test, "5");
	struct xenbus_device *dev = xb_fs_dev(test, XenbusStateClosing);

	f->write_fault = (struct xb_fs_fault){ -EACCES, ~0U };
	xb_fs_switch(f, dev, XenbusStateClosed);

	KUNIT_EXPECT_STREQ(test, f->log,
			   "start read=1 write=-13 abort report=-13 ");
	KUNIT_EXPECT_STREQ(test, f->report[0],
			   "13 writing state while switching device/vif/0 to Closed");
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateClosing);
	xb_fs_expect_clean(test, f);
}

/* ------------------------------------------------------------------ */
/* Ring grants (xenbus_setup_ring / xenbus_teardown_ring)              */
/* ------------------------------------------------------------------ */

#define XB_FAKE_REF0	100	/* first ref handed out; 0 is never used */
#define XB_FAKE_PAGES	4

struct xb_fake_gnttab {
	unsigned int fail_claim_at;	/* claim number that fails, or UINT_MAX */
	unsigned int fail_grant_at;	/* grant number that fails, or UINT_MAX */
	unsigned int nr_claims, nr_grants, nr_ended, nr_unclaimed;
	grant_ref_t granted[XENBUS_MAX_RING_GRANTS];
	void *addr[XENBUS_MAX_RING_GRANTS];
	grant_ref_t ended[XENBUS_MAX_RING_GRANTS];
	grant_ref_t unclaimed[XENBUS_MAX_RING_GRANTS];
};

static int xb_fake_claim(void *ctx)
{
	struct xb_fake_gnttab *f = ctx;

	if (f->nr_claims == f->fail_claim_at)
		return -ENOSPC;
	return XB_FAKE_REF0 + f->nr_claims++;
}

static void xb_fake_unclaim(void *ctx, grant_ref_t ref)
{
	struct xb_fake_gnttab *f = ctx;

	f->unclaimed[f->nr_unclaimed++] = ref;
}

static int xb_fake_grant(void *ctx, grant_ref_t ref, void *addr)
{
	struct xb_fake_gnttab *f = ctx;

	if (f->nr_grants == f->fail_grant_at)
		return -EFAULT;
	f->granted[f->nr_grants] = ref;
	f->addr[f->nr_grants++] = addr;
	return 0;
}

static void xb_fake_end(void *ctx, grant_ref_t ref)
{
	struct xb_fake_gnttab *f = ctx;

	f->ended[f->nr_ended++] = ref;
}

static const struct xb_grant_ops xb_fake_ops = {
	.claim = xb_fake_claim,
	.unclaim = xb_fake_unclaim,
	.grant = xb_fake_grant,
	.end = xb_fake_end,
};

static void xb_fake_init(struct xb_fake_gnttab *f, grant_ref_t *grefs)
{
	memset(f, 0, sizeof(*f));
	f->fail_claim_at = UINT_MAX;
	f->fail_grant_at = UINT_MAX;
	xb_invalidate_grefs(grefs, XB_FAKE_PAGES);
}

static void xb_test_expect_all_invalid(struct kunit *test,
				       const grant_ref_t *grefs)
{
	unsigned int i;

	for (i = 0; i < XB_FAKE_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, grefs[i], INVALID_GRANT_REF,
				    "grefs[%u]", i);
}

/* The failing step, for the parameterised cases below. */
static const unsigned int xb_test_fail_points[] = { 0, 1, 2, 3 };

static void xb_test_fail_point_desc(const unsigned int *k, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "fails at %u of %u", *k,
		 XB_FAKE_PAGES);
}

KUNIT_ARRAY_PARAM(xb_test_fail_point, xb_test_fail_points,
		  xb_test_fail_point_desc);

static void xb_test_ring_grants_every_page_in_order(struct kunit *test)
{
	grant_ref_t grefs[XB_FAKE_PAGES];
	struct xb_fake_gnttab f;
	char ring[XB_FAKE_PAGES];	/* addresses only, never touched */
	unsigned int i;

	xb_fake_init(&f, grefs);
	KUNIT_ASSERT_EQ(test, xb_grant_pages(&xb_fake_ops, &f, ring,
					     XB_FAKE_PAGES, grefs), 0);

	KUNIT_EXPECT_EQ(test, f.nr_grants, XB_FAKE_PAGES);
	KUNIT_EXPECT_EQ(test, f.nr_ended, 0);
	for (i = 0; i < XB_FAKE_PAGES; i++) {
		KUNIT_EXPECT_EQ(test, grefs[i], XB_FAKE_REF0 + i);
		KUNIT_EXPECT_EQ(test, f.granted[i], XB_FAKE_REF0 + i);
		KUNIT_EXPECT_PTR_EQ(test, f.addr[i],
				    (void *)ring + i * XEN_PAGE_SIZE);
	}
}

/* XSA-396: failing to claim ref k ends exactly the grants 0..k-1. */
static void xb_test_ring_claim_failure_ends_earlier_grants(struct kunit *test)
{
	const unsigned int k = *(const unsigned int *)test->param_value;
	grant_ref_t grefs[XB_FAKE_PAGES];
	struct xb_fake_gnttab f;
	char ring[XB_FAKE_PAGES];
	unsigned int i;

	xb_fake_init(&f, grefs);
	f.fail_claim_at = k;
	KUNIT_EXPECT_EQ(test, xb_grant_pages(&xb_fake_ops, &f, ring,
					     XB_FAKE_PAGES, grefs), -ENOSPC);

	KUNIT_EXPECT_EQ(test, f.nr_grants, k);
	KUNIT_EXPECT_EQ(test, f.nr_ended, k);
	for (i = 0; i < k && i < f.nr_ended; i++)
		KUNIT_EXPECT_EQ(test, f.ended[i], XB_FAKE_REF0 + i);
	KUNIT_EXPECT_EQ(test, f.nr_unclaimed, 0);
	xb_test_expect_all_invalid(test, grefs);
}

/*
 * XSA-396: failing to grant page k ends the grants 0..k-1 and hands ref
 * k back unused; it was never granted, so it must not be ended.
 */
static void xb_test_ring_grant_failure_ends_earlier_grants(struct kunit *test)
{
	const unsigned int k = *(const unsigned int *)test->param_value;
	grant_ref_t grefs[XB_FAKE_PAGES];
	struct xb_fake_gnttab f;
	char ring[XB_FAKE_PAGES];
	unsigned int i;

	xb_fake_init(&f, grefs);
	f.fail_grant_at = k;
	KUNIT_EXPECT_EQ(test, xb_grant_pages(&xb_fake_ops, &f, ring,
					     XB_FAKE_PAGES, grefs), -EFAULT);

	KUNIT_EXPECT_EQ(test, f.nr_ended, k);
	for (i = 0; i < k && i < f.nr_ended; i++)
		KUNIT_EXPECT_EQ(test, f.ended[i], XB_FAKE_REF0 + i);
	KUNIT_ASSERT_EQ(test, f.nr_unclaimed, 1);
	KUNIT_EXPECT_EQ(test, f.unclaimed[0], XB_FAKE_REF0 + k);
	xb_test_expect_all_invalid(test, grefs);
}

static void xb_test_teardown_ends_only_valid_refs(struct kunit *test)
{
	grant_ref_t grefs[XB_FAKE_PAGES] = {
		7, INVALID_GRANT_REF, 9, INVALID_GRANT_REF,
	};
	struct xb_fake_gnttab f;

	memset(&f, 0, sizeof(f));
	xb_end_grants(&xb_fake_ops, &f, XB_FAKE_PAGES, grefs);

	KUNIT_ASSERT_EQ(test, f.nr_ended, 2);
	KUNIT_EXPECT_EQ(test, f.ended[0], 7);
	KUNIT_EXPECT_EQ(test, f.ended[1], 9);
	xb_test_expect_all_invalid(test, grefs);
}

static void xb_test_teardown_twice_ends_each_ref_once(struct kunit *test)
{
	grant_ref_t grefs[XB_FAKE_PAGES] = { 1, 2, 3, 4 };
	struct xb_fake_gnttab f;

	memset(&f, 0, sizeof(f));
	xb_end_grants(&xb_fake_ops, &f, XB_FAKE_PAGES, grefs);
	xb_end_grants(&xb_fake_ops, &f, XB_FAKE_PAGES, grefs);

	KUNIT_EXPECT_EQ(test, f.nr_ended, XB_FAKE_PAGES);
}

/* ------------------------------------------------------------------ */
/* Ring mapping bookkeeping (xenbus_map_ring_valloc)                   */
/* ------------------------------------------------------------------ */

static void xb_test_map_ops(struct gnttab_map_grant_ref *ops,
			    const s16 *status, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ops[i].status = status[i];
		ops[i].handle = 40 + i;
	}
}

static void xb_test_handles_kept_when_all_mapped(struct kunit *test)
{
	static const s16 status[] = { GNTST_okay, GNTST_okay, GNTST_okay };
	struct gnttab_map_grant_ref ops[3];
	grant_handle_t handles[3];
	unsigned int bad = 99;

	xb_test_map_ops(ops, status, 3);
	KUNIT_EXPECT_EQ(test, xb_note_handles(ops, 3, handles, &bad),
			GNTST_okay);
	KUNIT_EXPECT_EQ(test, bad, 99);
	KUNIT_EXPECT_EQ(test, handles[0], 40);
	KUNIT_EXPECT_EQ(test, handles[1], 41);
	KUNIT_EXPECT_EQ(test, handles[2], 42);
}

static void xb_test_handles_partial_map_keeps_the_mapped(struct kunit *test)
{
	static const s16 status[] = {
		GNTST_okay, GNTST_bad_gntref, GNTST_okay, GNTST_bad_domain,
	};
	struct gnttab_map_grant_ref ops[4];
	grant_handle_t handles[4];
	unsigned int bad;

	xb_test_map_ops(ops, status, 4);
	/* The first failure is the one reported. */
	KUNIT_EXPECT_EQ(test, xb_note_handles(ops, 4, handles, &bad),
			GNTST_bad_gntref);
	KUNIT_EXPECT_EQ(test, bad, 1);
	KUNIT_EXPECT_EQ(test, handles[0], 40);
	KUNIT_EXPECT_EQ(test, handles[1], INVALID_GRANT_HANDLE);
	KUNIT_EXPECT_EQ(test, handles[2], 42);
	KUNIT_EXPECT_EQ(test, handles[3], INVALID_GRANT_HANDLE);
}

static void xb_test_handles_unwritten_status_is_error(struct kunit *test)
{
	/* gnttab_set_map_op() leaves 1; Xen never got to these. */
	static const s16 status[] = { GNTST_okay, 1 };
	struct gnttab_map_grant_ref ops[2];
	grant_handle_t handles[2];
	unsigned int bad;

	xb_test_map_ops(ops, status, 2);
	KUNIT_EXPECT_EQ(test, xb_note_handles(ops, 2, handles, &bad),
			GNTST_general_error);
	KUNIT_EXPECT_EQ(test, bad, 1);
	KUNIT_EXPECT_EQ(test, handles[1], INVALID_GRANT_HANDLE);
}

static void xb_test_unmap_forgets_only_unmapped(struct kunit *test)
{
	grant_handle_t handles[4] = { 10, INVALID_GRANT_HANDLE, 12, 13 };
	struct gnttab_unmap_grant_ref ops[3];
	static const u8 idx[] = { 0, 2, 3 };

	ops[0].status = GNTST_okay;
	ops[1].status = GNTST_bad_handle;
	ops[2].status = GNTST_okay;

	KUNIT_EXPECT_EQ(test, xb_forget_handles(ops, idx, 3, handles),
			GNTST_bad_handle);
	KUNIT_EXPECT_EQ(test, handles[0], INVALID_GRANT_HANDLE);
	KUNIT_EXPECT_EQ(test, handles[2], 12);	/* still mapped: kept */
	KUNIT_EXPECT_EQ(test, handles[3], INVALID_GRANT_HANDLE);
}

static void xb_test_map_take_finds_and_removes(struct kunit *test)
{
	struct xb_ring_map *map, *taken;

	/*
	 * Not test-managed memory: if take() were broken the record would
	 * stay on the live list, and must then stay valid (it is leaked).
	 */
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map);
	map->vaddr = map;

	xb_ring_map_add(map);
	taken = xb_ring_map_take(map);
	KUNIT_EXPECT_PTR_EQ(test, taken, map);
	KUNIT_EXPECT_NULL(test, xb_ring_map_take(map));
	if (taken == map)
		kfree(map);
}

static void xb_test_map_take_unknown_is_null(struct kunit *test)
{
	int not_mapped;

	KUNIT_EXPECT_NULL(test, xb_ring_map_take(&not_mapped));
}

/* ------------------------------------------------------------------ */
/* Ring mapping against a fake Xen (xb_hvm_map, xenbus_map_ring_valloc) */
/* ------------------------------------------------------------------ */

#define XB_MAP_DIR	"backend/vif/7/0"
#define XB_MAP_DOMID	7
#define XB_FX_HANDLE0	60	/* handle of the first grant of a batch */
#define XB_FX_REPORTS	4

/*
 * What the static stubs stand in for, kept in the running test's ->priv:
 * Xen's grant table, the unpopulated frames that grants are mapped onto,
 * and the store that xenbus_dev_error() and xenbus_dev_fatal() write to.
 */
struct xb_fake_xen {
	/* Xen's answer to the i-th grant of a map batch; 0 is GNTST_okay */
	s16 map_status[XENBUS_MAX_RING_GRANTS];
	/* unmapping this handle fails with GNTST_bad_handle; 0 for none */
	grant_handle_t unmap_refuse;
	int alloc_err;			/* xb_alloc_frames() fails with it */

	unsigned int nr_map_calls, nr_map_ops;
	struct gnttab_map_grant_ref map_ops[XENBUS_MAX_RING_GRANTS];
	unsigned int nr_unmap_calls, nr_unmap_ops;	/* ops over all calls */
	struct gnttab_unmap_grant_ref unmap_ops[XENBUS_MAX_RING_GRANTS];
	int live;			/* grants mapped and not unmapped */

	/* allocated up front, where a failure can still fail the test */
	struct page *frames[XENBUS_MAX_RING_GRANTS];
	unsigned int nr_alloc, nr_pages, nr_free;
	bool freed_as_allocated;	/* the last free gave back our frames */

	unsigned int nr_report;
	int report_err[XB_FX_REPORTS];
	bool report_fatal[XB_FX_REPORTS];
	char report[XB_FX_REPORTS][96];
};

static struct xb_fake_xen *xb_fx(void)
{
	return kunit_get_current_test()->priv;
}

static void xb_fx_report(struct xenbus_device *dev, int err, bool fatal,
			 struct va_format *vaf)
{
	struct xb_fake_xen *x = xb_fx();

	if (x->nr_report < XB_FX_REPORTS) {
		x->report_err[x->nr_report] = err;
		x->report_fatal[x->nr_report] = fatal;
		xb_format_error(x->report[x->nr_report], sizeof(x->report[0]),
				err, vaf);
	}
	x->nr_report++;
}

/* As gnttab_batch_map(): every status is final, none is GNTST_eagain. */
static void xb_fx_map(struct gnttab_map_grant_ref *ops, unsigned int nr)
{
	struct xb_fake_xen *x = xb_fx();
	unsigned int i;

	x->nr_map_calls++;
	x->nr_map_ops = nr;
	for (i = 0; i < nr && i < ARRAY_SIZE(x->map_ops); i++) {
		ops[i].status = x->map_status[i];
		if (ops[i].status == GNTST_okay) {
			ops[i].handle = XB_FX_HANDLE0 + i;
			x->live++;
		}
		x->map_ops[i] = ops[i];
	}
}

static int xb_fx_unmap(struct gnttab_unmap_grant_ref *ops, unsigned int nr)
{
	struct xb_fake_xen *x = xb_fx();
	unsigned int i;

	x->nr_unmap_calls++;
	for (i = 0; i < nr; i++) {
		if (ops[i].handle == x->unmap_refuse) {
			ops[i].status = GNTST_bad_handle;
		} else {
			ops[i].status = GNTST_okay;
			x->live--;
		}
		if (x->nr_unmap_ops < ARRAY_SIZE(x->unmap_ops))
			x->unmap_ops[x->nr_unmap_ops++] = ops[i];
	}
	return 0;
}

static int xb_fx_alloc(unsigned int nr_pages, struct page **pages)
{
	struct xb_fake_xen *x = xb_fx();

	x->nr_alloc++;
	if (x->alloc_err)
		return x->alloc_err;
	if (nr_pages > ARRAY_SIZE(x->frames))
		return -ENOMEM;
	memcpy(pages, x->frames, nr_pages * sizeof(*pages));
	x->nr_pages = nr_pages;
	return 0;
}

static void xb_fx_free(unsigned int nr_pages, struct page **pages)
{
	struct xb_fake_xen *x = xb_fx();

	x->nr_free++;
	x->freed_as_allocated = nr_pages == x->nr_pages &&
		!memcmp(pages, x->frames, nr_pages * sizeof(*pages));
}

static void *xb_fx_vmap_fails(struct page **pages, unsigned int nr_pages)
{
	return NULL;
}

/* Whatever kind of guest the suite runs in. */
static const struct xb_ring_ops *xb_fx_ring_ops(void)
{
	return &xb_ring_ops_hvm;
}

static void xb_fx_put_page(void *page)
{
	__free_page(page);
}

static struct xb_fake_xen *xb_fx_new(struct kunit *test)
{
	struct xb_fake_xen *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	unsigned int i;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, x);
	for (i = 0; i < ARRAY_SIZE(x->frames); i++) {
		x->frames[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, x->frames[i]);
		err = kunit_add_action_or_reset(test, xb_fx_put_page,
						x->frames[i]);
		KUNIT_ASSERT_EQ(test, err, 0);
		/* As xen_alloc_unpopulated_pages() hands them out. */
		KUNIT_ASSERT_EQ(test, page_private(x->frames[i]), 0UL);
		KUNIT_ASSERT_FALSE(test, PageForeign(x->frames[i]));
	}

	test->priv = x;
	kunit_activate_static_stub(test, xb_dev_report, xb_fx_report);
	kunit_activate_static_stub(test, xb_gnttab_map, xb_fx_map);
	kunit_activate_static_stub(test, xb_gnttab_unmap, xb_fx_unmap);
	kunit_activate_static_stub(test, xb_alloc_frames, xb_fx_alloc);
	kunit_activate_static_stub(test, xb_free_frames, xb_fx_free);
	kunit_activate_static_stub(test, xb_ring_ops, xb_fx_ring_ops);
	return x;
}

/*
 * On 32-bit, gnttab_map_refs() writes through page->private, which is 0
 * on these frames; on 64-bit it writes into it.  Neither may happen.
 */
static void xb_fx_expect_frames_untouched(struct kunit *test,
					  const struct xb_fake_xen *x)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(x->frames); i++) {
		KUNIT_EXPECT_EQ_MSG(test, page_private(x->frames[i]), 0UL,
				    "frame %u", i);
		KUNIT_EXPECT_FALSE_MSG(test, PageForeign(x->frames[i]),
				       "frame %u", i);
	}
}

static struct xenbus_device *xb_map_dev(struct kunit *test)
{
	struct xenbus_device *dev = kunit_kzalloc(test, sizeof(*dev),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->nodename = XB_MAP_DIR;
	dev->otherend_id = XB_MAP_DOMID;
	dev->dev.init_name = "vif-7-0";	/* for dev_err(), never registered */
	dev->state = XenbusStateInitWait;
	return dev;
}

static struct xb_ring_map *xb_fx_ring(struct kunit *test,
				      unsigned int nr_grefs)
{
	struct xb_ring_map *map = kunit_kzalloc(test, sizeof(*map),
						GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	map->nr_grefs = nr_grefs;
	return map;
}

static const grant_ref_t xb_fx_grefs[] = { 31, 32, 33 };

static void xb_test_hvm_map_leaves_page_private_alone(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 3);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), 0);

	/* One batch, through gnttab_batch_map() and not gnttab_map_refs(). */
	KUNIT_EXPECT_EQ(test, x->nr_map_calls, 1);
	KUNIT_ASSERT_EQ(test, x->nr_map_ops, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, x->map_ops[i].ref, xb_fx_grefs[i]);
		KUNIT_EXPECT_EQ(test, x->map_ops[i].dom, XB_MAP_DOMID);
		KUNIT_EXPECT_EQ(test, x->map_ops[i].flags, GNTMAP_host_map);
		KUNIT_EXPECT_EQ(test, map->handles[i], XB_FX_HANDLE0 + i);
	}
	KUNIT_EXPECT_NE(test, x->map_ops[0].host_addr, x->map_ops[1].host_addr);
	KUNIT_EXPECT_NOT_NULL(test, map->vaddr);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
	xb_fx_expect_frames_untouched(test, x);

	KUNIT_EXPECT_EQ(test, xb_hvm_unmap(dev, map), GNTST_okay);
	xb_fx_expect_frames_untouched(test, x);
}

static void xb_test_hvm_unmap_one_unmap_per_grant(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 3);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), 0);
	KUNIT_EXPECT_EQ(test, xb_hvm_unmap(dev, map), GNTST_okay);

	KUNIT_EXPECT_EQ(test, x->nr_unmap_calls, 1);
	KUNIT_ASSERT_EQ(test, x->nr_unmap_ops, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, x->unmap_ops[i].handle, XB_FX_HANDLE0 + i);
		/* At the frame it was mapped onto. */
		KUNIT_EXPECT_EQ(test, x->unmap_ops[i].host_addr,
				x->map_ops[i].host_addr);
		KUNIT_EXPECT_EQ(test, map->handles[i], INVALID_GRANT_HANDLE);
	}
	KUNIT_EXPECT_EQ(test, x->live, 0);
	KUNIT_EXPECT_NULL(test, map->vaddr);
	KUNIT_EXPECT_EQ(test, x->nr_free, 1);
	KUNIT_EXPECT_TRUE(test, x->freed_as_allocated);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
}

/* Xen refuses the middle one of three grants. */
static void xb_test_hvm_map_refused_grant_is_enoent(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 3);

	x->map_status[1] = GNTST_bad_gntref;
	KUNIT_EXPECT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), -ENOENT);

	/* The grants that did map, before it and after it, are unmapped. */
	KUNIT_EXPECT_EQ(test, x->nr_unmap_calls, 1);
	KUNIT_ASSERT_EQ(test, x->nr_unmap_ops, 2);
	KUNIT_EXPECT_EQ(test, x->unmap_ops[0].handle, XB_FX_HANDLE0);
	KUNIT_EXPECT_EQ(test, x->unmap_ops[1].handle, XB_FX_HANDLE0 + 2);
	KUNIT_EXPECT_EQ(test, x->live, 0);
	KUNIT_EXPECT_NULL(test, map->vaddr);
	KUNIT_EXPECT_EQ(test, x->nr_free, 1);
	xb_fx_expect_frames_untouched(test, x);

	/* Fatal, with Xen's status, naming the grant and the other end. */
	KUNIT_ASSERT_EQ(test, x->nr_report, 1);
	KUNIT_EXPECT_TRUE(test, x->report_fatal[0]);
	KUNIT_EXPECT_EQ(test, x->report_err[0], GNTST_bad_gntref);
	KUNIT_EXPECT_STREQ(test, x->report[0],
			   "3 mapping in shared page 32 from domain 7");
}

static void xb_test_hvm_map_no_frames_is_enomem_unreported(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 3);

	/* Whatever the allocator says, what ran out is frames. */
	x->alloc_err = -EBUSY;
	KUNIT_EXPECT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), -ENOMEM);

	KUNIT_EXPECT_EQ(test, x->nr_map_calls, 0);
	KUNIT_EXPECT_EQ(test, x->nr_free, 0);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
}

static void xb_test_hvm_map_vmap_failure_is_enomem_unreported(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 2);

	kunit_activate_static_stub(test, xb_vmap_frames, xb_fx_vmap_fails);
	KUNIT_EXPECT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), -ENOMEM);

	KUNIT_EXPECT_EQ(test, x->nr_unmap_ops, 2);
	KUNIT_EXPECT_EQ(test, x->live, 0);
	KUNIT_EXPECT_EQ(test, x->nr_free, 1);
	KUNIT_EXPECT_NULL(test, map->vaddr);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
}

/* A grant Xen will not unmap keeps its frame, which must not be freed. */
static void xb_test_hvm_unmap_failure_leaks_frames(struct kunit *test)
{
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	struct xb_ring_map *map = xb_fx_ring(test, 2);

	KUNIT_ASSERT_EQ(test, xb_hvm_map(dev, map, xb_fx_grefs), 0);
	x->unmap_refuse = XB_FX_HANDLE0 + 1;
	KUNIT_EXPECT_EQ(test, xb_hvm_unmap(dev, map), GNTST_bad_handle);

	KUNIT_EXPECT_EQ(test, map->handles[0], INVALID_GRANT_HANDLE);
	KUNIT_EXPECT_EQ(test, map->handles[1], XB_FX_HANDLE0 + 1);
	KUNIT_EXPECT_EQ(test, x->nr_free, 0);
	KUNIT_ASSERT_EQ(test, x->nr_report, 1);
	KUNIT_EXPECT_FALSE(test, x->report_fatal[0]);
	KUNIT_EXPECT_EQ(test, x->report_err[0], GNTST_bad_handle);
}

/* A count the caller got wrong is its own bug: -EINVAL, not reported. */
static void xb_test_map_ring_bad_count_is_einval(struct kunit *test)
{
	static const unsigned int counts[] = { 0, XENBUS_MAX_RING_GRANTS + 1 };
	grant_ref_t grefs[XENBUS_MAX_RING_GRANTS + 1] = { };
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	unsigned int i;
	void *vaddr;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		vaddr = &vaddr;
		KUNIT_EXPECT_EQ_MSG(test, xenbus_map_ring_valloc(dev, grefs,
								 counts[i],
								 &vaddr),
				    -EINVAL, "nr_grefs %u", counts[i]);
		KUNIT_EXPECT_NULL(test, vaddr);
	}
	KUNIT_EXPECT_EQ(test, x->nr_alloc, 0);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateInitWait);
}

/* Drivers write what they get into error/<node>: an errno, not GNTST_*. */
static void xb_test_map_ring_refused_grant_is_enoent(struct kunit *test)
{
	grant_ref_t grefs[] = { 31, 32 };
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	void *vaddr = &vaddr;

	x->map_status[1] = GNTST_bad_domain;
	KUNIT_EXPECT_EQ(test, xenbus_map_ring_valloc(dev, grefs, 2, &vaddr),
			-ENOENT);

	KUNIT_EXPECT_NULL(test, vaddr);
	KUNIT_EXPECT_EQ(test, x->live, 0);
	KUNIT_EXPECT_EQ(test, x->nr_free, 1);
	KUNIT_ASSERT_EQ(test, x->nr_report, 1);
	KUNIT_EXPECT_TRUE(test, x->report_fatal[0]);
	KUNIT_EXPECT_EQ(test, x->report_err[0], GNTST_bad_domain);
	KUNIT_EXPECT_STREQ(test, x->report[0],
			   "2 mapping in shared page 32 from domain 7");
}

static void xb_test_map_ring_no_memory_is_unreported(struct kunit *test)
{
	grant_ref_t grefs[] = { 31, 32 };
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	void *vaddr = &vaddr;

	x->alloc_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, xenbus_map_ring_valloc(dev, grefs, 2, &vaddr),
			-ENOMEM);
	KUNIT_EXPECT_NULL(test, vaddr);

	x->alloc_err = 0;
	kunit_activate_static_stub(test, xb_vmap_frames, xb_fx_vmap_fails);
	vaddr = &vaddr;
	KUNIT_EXPECT_EQ(test, xenbus_map_ring_valloc(dev, grefs, 2, &vaddr),
			-ENOMEM);
	KUNIT_EXPECT_NULL(test, vaddr);
	KUNIT_EXPECT_EQ(test, x->live, 0);

	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
	KUNIT_EXPECT_EQ(test, dev->state, XenbusStateInitWait);
}

static void xb_test_map_ring_round_trip(struct kunit *test)
{
	grant_ref_t grefs[] = { 31, 32, 33 };
	struct xb_fake_xen *x = xb_fx_new(test);
	struct xenbus_device *dev = xb_map_dev(test);
	unsigned int i;
	void *vaddr;

	KUNIT_ASSERT_EQ(test, xenbus_map_ring_valloc(dev, grefs, 3, &vaddr),
			0);
	KUNIT_EXPECT_EQ(test, x->live, 3);
	/* One range over the frames, in order. */
	for (i = 0; i < XB_RING_PAGES(3); i++)
		KUNIT_EXPECT_PTR_EQ(test, vmalloc_to_page(vaddr + i * PAGE_SIZE),
				    x->frames[i]);

	KUNIT_EXPECT_EQ(test, xenbus_unmap_ring_vfree(dev, vaddr), GNTST_okay);
	KUNIT_EXPECT_EQ(test, x->nr_unmap_calls, 1);
	KUNIT_EXPECT_EQ(test, x->nr_unmap_ops, 3);
	KUNIT_EXPECT_EQ(test, x->live, 0);
	KUNIT_EXPECT_EQ(test, x->nr_free, 1);
	KUNIT_EXPECT_EQ(test, x->nr_report, 0);
	xb_fx_expect_frames_untouched(test, x);

	/* It is no longer known, so a second unmap is refused. */
	KUNIT_EXPECT_EQ(test, xenbus_unmap_ring_vfree(dev, vaddr),
			GNTST_bad_virt_addr);
	KUNIT_EXPECT_EQ(test, x->nr_unmap_calls, 1);
	KUNIT_EXPECT_EQ(test, x->nr_report, 1);
}

static struct kunit_case xb_client_test_cases[] = {
	KUNIT_CASE(xb_test_strstate_names_every_state),
	KUNIT_CASE(xb_test_strstate_past_end_is_invalid),
	KUNIT_CASE(xb_test_strstate_negative_is_invalid),
	KUNIT_CASE(xb_test_error_starts_with_positive_errno),
	KUNIT_CASE(xb_test_error_keeps_sign_of_positive_err),
	KUNIT_CASE(xb_test_error_truncates_to_buffer),
	KUNIT_CASE(xb_test_error_truncates_inside_errno),
	KUNIT_CASE(xb_test_switch_writes_when_state_read),
	KUNIT_CASE(xb_test_switch_never_recreates_missing_node),
	KUNIT_CASE(xb_test_switch_overwrites_unparsable_state),
	KUNIT_CASE(xb_test_switch_fails_on_other_read_errors),
	KUNIT_CASE(xb_test_switch_retries_eagain_only),
	KUNIT_CASE(xb_test_switch_retries_are_bounded),
	KUNIT_CASE(xb_test_switch_commits_new_state),
	KUNIT_CASE(xb_test_switch_to_current_state_does_nothing),
	KUNIT_CASE(xb_test_switch_leaves_removed_dir_removed),
	KUNIT_CASE(xb_test_switch_gone_still_updates_dev_state),
	KUNIT_CASE(xb_test_switch_removed_before_commit_stays_removed),
	KUNIT_CASE(xb_test_switch_retry_repeats_whole_tx),
	KUNIT_CASE_PARAM(xb_test_switch_eagain_then_commits_once,
			 xb_test_eagain_gen_params),
	KUNIT_CASE(xb_test_switch_gives_up_after_bounded_eagain),
	KUNIT_CASE(xb_test_switch_commit_error_is_not_retried),
	KUNIT_CASE(xb_test_switch_overwrites_unparsable_node),
	KUNIT_CASE(xb_test_switch_start_failure_reports_and_closes),
	KUNIT_CASE(xb_test_switch_read_failure_reports_and_closes),
	KUNIT_CASE(xb_test_switch_write_failure_reports_and_closes),
	KUNIT_CASE(xb_test_switch_failed_fallback_is_only_reported),
	KUNIT_CASE(xb_test_switch_to_closing_has_no_fallback),
	KUNIT_CASE(xb_test_switch_fallback_skipped_when_closing),
	KUNIT_CASE(xb_test_ring_grants_every_page_in_order),
	KUNIT_CASE_PARAM(xb_test_ring_claim_failure_ends_earlier_grants,
			 xb_test_fail_point_gen_params),
	KUNIT_CASE_PARAM(xb_test_ring_grant_failure_ends_earlier_grants,
			 xb_test_fail_point_gen_params),
	KUNIT_CASE(xb_test_teardown_ends_only_valid_refs),
	KUNIT_CASE(xb_test_teardown_twice_ends_each_ref_once),
	KUNIT_CASE(xb_test_handles_kept_when_all_mapped),
	KUNIT_CASE(xb_test_handles_partial_map_keeps_the_mapped),
	KUNIT_CASE(xb_test_handles_unwritten_status_is_error),
	KUNIT_CASE(xb_test_unmap_forgets_only_unmapped),
	KUNIT_CASE(xb_test_map_take_finds_and_removes),
	KUNIT_CASE(xb_test_map_take_unknown_is_null),
	KUNIT_CASE(xb_test_hvm_map_leaves_page_private_alone),
	KUNIT_CASE(xb_test_hvm_unmap_one_unmap_per_grant),
	KUNIT_CASE(xb_test_hvm_map_refused_grant_is_enoent),
	KUNIT_CASE(xb_test_hvm_map_no_frames_is_enomem_unreported),
	KUNIT_CASE(xb_test_hvm_map_vmap_failure_is_enomem_unreported),
	KUNIT_CASE(xb_test_hvm_unmap_failure_leaks_frames),
	KUNIT_CASE(xb_test_map_ring_bad_count_is_einval),
	KUNIT_CASE(xb_test_map_ring_refused_grant_is_enoent),
	KUNIT_CASE(xb_test_map_ring_no_memory_is_unreported),
	KUNIT_CASE(xb_test_map_ring_round_trip),
	{}
};

static struct kunit_suite xb_client_test_suite = {
	.name = "xenbus_client",
	.test_cases = xb_client_test_cases,
};

kunit_test_suite(xb_client_test_suite);
