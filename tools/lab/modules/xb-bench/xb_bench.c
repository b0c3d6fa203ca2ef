// SPDX-License-Identifier: GPL-2.0-only
/*
 * xb_bench: a lab-only module that measures the xenbus core from inside
 * the kernel, without /dev/xen/xenbus, libxenstore or a user process in
 * the way: the transport and the request layer, and xenstored.
 *
 * On load it runs three phases, each with @threads kernel threads that
 * start together and do @ops operations each on a node of their own
 * under /local/domain/<self>/xb-bench/<thread>:
 *   read   xenbus_read() of a 16-byte value
 *   write  xenbus_write() of a 16-byte value
 *   tx     xenbus_transaction_start(), one xenbus_write(),
 *          xenbus_transaction_end() (retried on -EAGAIN, counted)
 * and prints one line per phase:
 *   xb_bench: <phase> threads <K> ops <N>: <us> us, <ops/s> ops/s
 * or "xb_bench: <phase> failed: <errno>".  Then it removes its nodes and
 * stays loaded, doing nothing, until rmmod.  Only the public xenbus API is
 * used, so stock Linux runs it the same way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

static unsigned int threads = 1;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "Kernel threads per phase (1 to 64, default 1)");

static unsigned int ops = 500;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "Operations per thread and phase (1 to 100000, default 500)");

#define XB_BENCH_MAX_THREADS	64
#define XB_BENCH_MAX_OPS	100000
#define XB_BENCH_DIR		"xb-bench"
#define XB_BENCH_VALUE		"0123456789abcdef"

enum xb_bench_phase { XB_READ, XB_WRITE, XB_TX };
static const char * const xb_bench_names[] = { "read", "write", "tx" };

/* One phase's run; the threads only touch their own slot of @err. */
struct xb_bench_run {
	enum xb_bench_phase phase;
	struct completion go;		/* all threads start at once */
	struct completion done;		/* the last thread finished */
	atomic_t left;			/* threads not finished yet */
	atomic_t retries;		/* transactions ended with -EAGAIN */
	int err[XB_BENCH_MAX_THREADS];
};

struct xb_bench_thread {
	struct xb_bench_run *run;
	unsigned int idx;
	char node[16];
};

static int xb_bench_tx(const char *node)
{
	struct xenbus_transaction t;
	int err;

	err = xenbus_transaction_start(&t);
	if (err)
		return err;
	err = xenbus_write(t, XB_BENCH_DIR, node, XB_BENCH_VALUE);
	if (err) {
		xenbus_transaction_end(t, 1);
		return err;
	}
	return xenbus_transaction_end(t, 0);
}

static int xb_bench_one(struct xb_bench_run *run, const char *node)
{
	char *val;
	int err;

	switch (run->phase) {
	case XB_READ:
		val = xenbus_read(XBT_NIL, XB_BENCH_DIR, node, NULL);
		if (IS_ERR(val))
			return PTR_ERR(val);
		kfree(val);
		return 0;
	case XB_WRITE:
		return xenbus_write(XBT_NIL, XB_BENCH_DIR, node, XB_BENCH_VALUE);
	case XB_TX:
		while ((err = xb_bench_tx(node)) == -EAGAIN)
			atomic_inc(&run->retries);
		return err;
	}
	return -EINVAL;
}

static int xb_bench_thread_fn(void *arg)
{
	struct xb_bench_thread *bt = arg;
	struct xb_bench_run *run = bt->run;
	unsigned int i;
	int err = 0;

	wait_for_completion(&run->go);
	for (i = 0; i < ops && !err; i++)
		err = xb_bench_one(run, bt->node);
	run->err[bt->idx] = err;
	if (atomic_dec_and_test(&run->left))
		complete(&run->done);
	return 0;
}

/* Run @phase on @bt's threads; returns the time taken or a -errno. */
static s64 xb_bench_phase_run(struct xb_bench_run *run,
			      struct xb_bench_thread *bt)
{
	struct task_struct *task;
	unsigned int i, started = 0;
	ktime_t t0;
	int err = 0;

	init_completion(&run->go);
	init_completion(&run->done);
	atomic_set(&run->retries, 0);
	atomic_set(&run->left, threads);
	for (i = 0; i < threads; i++) {
		bt[i].run = run;
		run->err[i] = 0;
		task = kthread_run(xb_bench_thread_fn, &bt[i], "xb_bench/%u", i);
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			break;
		}
		started++;
	}
	/* Threads that never started count as done. */
	if (started < threads &&
	    atomic_sub_and_test(threads - started, &run->left))
		complete(&run->done);
	t0 = ktime_get();
	complete_all(&run->go);
	wait_for_completion(&run->done);
	if (err)
		return err;
	for (i = 0; i < threads; i++)
		if (run->err[i])
			return run->err[i];
	return ktime_us_delta(ktime_get(), t0);
}

static int __init xb_bench_init(void)
{
	struct xb_bench_thread *bt;
	struct xb_bench_run *run;
	unsigned int i;
	s64 us;
	int err;

	if (!xen_domain())
		return -ENODEV;
	if (!threads || threads > XB_BENCH_MAX_THREADS || !ops ||
	    ops > XB_BENCH_MAX_OPS)
		return -EINVAL;
	bt = kcalloc(threads, sizeof(*bt), GFP_KERNEL);
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!bt || !run) {
		err = -ENOMEM;
		goto out;
	}
	/* Relative paths are under this domain's home directory. */
	for (i = 0; i < threads; i++) {
		bt[i].idx = i;
		snprintf(bt[i].node, sizeof(bt[i].node), "%u", i);
		err = xenbus_write(XBT_NIL, XB_BENCH_DIR, bt[i].node,
				   XB_BENCH_VALUE);
		if (err) {
			pr_err("setup failed: %d\n", err);
			goto out_rm;
		}
	}
	for (run->phase = XB_READ; run->phase <= XB_TX; run->phase++) {
		us = xb_bench_phase_run(run, bt);
		if (us < 0) {
			pr_err("%s failed: %lld\n", xb_bench_names[run->phase], us);
			continue;
		}
		us = max_t(s64, us, 1);
		pr_info("%s threads %u ops %u: %lld us, %llu ops/s, %d retries\n",
			xb_bench_names[run->phase], threads, ops, us,
			div64_u64((u64)threads * ops * USEC_PER_SEC, us),
			atomic_read(&run->retries));
	}
	err = 0;
out_rm:
	xenbus_rm(XBT_NIL, XB_BENCH_DIR, "");
out:
	kfree(run);
	kfree(bt);
	return err;
}
module_init(xb_bench_init);

static void __exit xb_bench_exit(void)
{
}
module_exit(xb_bench_exit);

MODULE_DESCRIPTION("Lab-only benchmark of the xenbus core from inside the kernel");
MODULE_LICENSE("GPL");
