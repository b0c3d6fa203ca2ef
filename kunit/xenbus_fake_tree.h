/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake store tree for the enumeration suites of xenbus_probe.c and
 * xenbus_probe_backend.c, listed through the same xenbus_list_fn that
 * the walks call xenbus_directory() through.  Each suite #includes it
 * once; it is test code only.
 *
 * The tree is a list of leaf paths; every prefix of one is a directory.
 * A listing names the children in the order their paths first appear,
 * so a test's expected order is the order it wrote the paths in.
 */

#ifndef XENBUS_FAKE_TREE_H
#define XENBUS_FAKE_TREE_H

#include <kunit/test.h>
#include <kunit/test-bug.h>

#define XB_TREE_MAX_CHILDREN	16

struct xb_fake_tree {
	const char *const *paths;	/* NULL-terminated */
	const char *fail_dir;		/* listing it fails with @fail_err */
	int fail_err;
	unsigned int nr_lists;		/* listings asked for, failed or not */
	char log[256];			/* what the bus under test probed */
	size_t log_len;
};

static __printf(2, 3)
void xb_fake_tree_log(struct xb_fake_tree *tree, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tree->log_len += vscnprintf(tree->log + tree->log_len,
				    sizeof(tree->log) - tree->log_len, fmt, ap);
	va_end(ap);
}

/* The child of @dir that @path lies under, and its length; NULL if none. */
static const char *xb_fake_tree_child(const char *path, const char *dir,
				      size_t *len)
{
	size_t dlen = strlen(dir);
	const char *child;

	if (strncmp(path, dir, dlen) || path[dlen] != '/')
		return NULL;
	child = path + dlen + 1;
	*len = strcspn(child, "/");
	return *len ? child : NULL;
}

/*
 * A xenbus_list_fn over the tree in the running test's ->priv: one
 * kmalloc()ed block holding the array and the names, as
 * xenbus_directory() returns, or -ENOENT for a directory not in the tree.
 */
static char **xb_fake_tree_list(struct xenbus_transaction t, const char *dir,
				const char *node, unsigned int *num)
{
	struct xb_fake_tree *tree = kunit_get_current_test()->priv;
	const char *child[XB_TREE_MAX_CHILDREN];
	size_t clen[XB_TREE_MAX_CHILDREN], size = 0;
	const char *const *p;
	unsigned int n = 0, i;
	bool exists = false;
	char full[64], *names;
	char **ret;

	tree->nr_lists++;
	snprintf(full, sizeof(full), *node ? "%s/%s" : "%s", dir, node);
	if (tree->fail_dir && !strcmp(full, tree->fail_dir))
		return ERR_PTR(tree->fail_err);

	for (p = tree->paths; *p; p++) {
		const char *c;
		size_t len;

		if (!strcmp(*p, full))
			exists = true;
		c = xb_fake_tree_child(*p, full, &len);
		if (!c)
			continue;
		exists = true;
		for (i = 0; i < n; i++)
			if (clen[i] == len && !strncmp(child[i], c, len))
				break;
		if (i < n || WARN_ON(n == XB_TREE_MAX_CHILDREN))
			continue;
		child[n] = c;
		clen[n++] = len;
		size += len + 1;
	}
	if (!exists)
		return ERR_PTR(-ENOENT);

	ret = kmalloc(n * sizeof(*ret) + size + 1, GFP_KERNEL);
	if (!ret)
		return ERR_PTR(-ENOMEM);
	names = (char *)(ret + n);
	for (i = 0; i < n; i++) {
		memcpy(names, child[i], clen[i]);
		names[clen[i]] = '\0';
		ret[i] = names;
		names += clen[i] + 1;
	}
	*num = n;
	return ret;
}

/* A tree of @paths, made the running test's ->priv. */
static struct xb_fake_tree *xb_fake_tree_new(struct kunit *test,
					     const char *const *paths)
{
	struct xb_fake_tree *tree = kunit_kzalloc(test, sizeof(*tree),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tree);
	tree->paths = paths;
	test->priv = tree;
	return tree;
}

#endif /* XENBUS_FAKE_TREE_H */
