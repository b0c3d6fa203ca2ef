// SPDX-License-Identifier: GPL-2.0-only
/*
 * The xenstore wire protocol as pure functions.
 *
 * This file owns the byte-level rules declared in xenbus_proto.h: moving
 * bytes through the shared store page, judging headers and bodies that
 * come from xenstored or from user space, and the few string formats the
 * protocol uses.  It keeps no state, takes no lock, never sleeps,
 * allocates or logs; callers decide what a failure means and how loudly
 * to report it.  The same object is built into the kernel and into the
 * host tests under tests/host/, so only xenbus_proto.h's includes (plus
 * the string and min helpers) may be used here.
 *
 * Everything the peer or user space hands us is treated as hostile:
 * lengths are explicit, no scan runs past them, and shared indexes are
 * read exactly once per call.
 */

#ifdef __KERNEL__
#include <linux/array_size.h>
#include <linux/minmax.h>
#include <linux/string.h>
#endif

#include "xenbus_proto.h"

/* ------------------------------------------------------------------ */
/* Ring transfer                                                       */
/* ------------------------------------------------------------------ */

/*
 * The indexes are free-running 32-bit counters, so their difference is
 * the fill level even across the 0xffffffff wrap.  A fill level above the
 * ring size can only come from a broken or hostile peer.
 */
static bool xb_ring_idx_sane(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod)
{
	return prod - cons <= XENSTORE_RING_SIZE;
}

/**
 * xb_ring_write() - copy bytes into the request ring
 * @intf: the shared store page
 * @data: bytes to send
 * @len: number of bytes at @data
 *
 * Copies as much of @data as fits, wrapping at the end of the ring, and
 * publishes it with a single update of req_prod.  Partial writes are
 * normal: the caller keeps the rest and retries when xenstored has made
 * room.  On inconsistent indexes nothing in the page is touched, so the
 * evidence stays for whoever debugs the peer.
 *
 * Return: bytes copied (0 when the ring is full or @len is 0), or -EIO
 * when the indexes in the page are inconsistent.
 */
int xb_ring_write(struct xenstore_domain_interface *intf,
		  const void *data, unsigned int len)
{
	const char *src = data;
	XENSTORE_RING_IDX cons, prod;
	unsigned int done = 0;

	cons = READ_ONCE(intf->req_cons);
	prod = READ_ONCE(intf->req_prod);
	if (!xb_ring_idx_sane(cons, prod))
		return -EIO;

	/*
	 * The space we are about to fill was freed by xenstored's reads;
	 * order our reading of req_cons before our stores into that space
	 * so we never overwrite bytes it has not consumed yet.
	 */
	virt_mb();

	while (done < len) {
		unsigned int off = MASK_XENSTORE_IDX(prod);
		unsigned int chunk;

		chunk = min(len - done, XENSTORE_RING_SIZE - (prod - cons));
		chunk = min(chunk, XENSTORE_RING_SIZE - off);
		if (!chunk)
			break;
		memcpy(intf->req + off, src + done, chunk);
		prod += chunk;
		done += chunk;
	}

	if (done) {
		/* The bytes must be visible before the index that covers them. */
		virt_wmb();
		WRITE_ONCE(intf->req_prod, prod);
	}
	return done;
}

/**
 * xb_ring_read() - copy bytes out of the response ring
 * @intf: the shared store page
 * @data: where to put the bytes
 * @len: at most this many bytes are copied
 *
 * Copies what xenstored has published, up to @len bytes and wrapping at
 * the end of the ring, then hands the space back with a single update of
 * rsp_cons.  Never writes to the page on inconsistent indexes.
 *
 * Return: bytes copied (0 when the ring is empty or @len is 0), or -EIO
 * when the indexes in the page are inconsistent.
 */
int xb_ring_read(struct xenstore_domain_interface *intf,
		 void *data, unsigned int len)
{
	char *dst = data;
	XENSTORE_RING_IDX cons, prod;
	unsigned int done = 0;

	cons = READ_ONCE(intf->rsp_cons);
	prod = READ_ONCE(intf->rsp_prod);
	if (!xb_ring_idx_sane(cons, prod))
		return -EIO;

	/* Pairs with xenstored's write barrier: bytes are read after rsp_prod. */
	virt_rmb();

	while (done < len) {
		unsigned int off = MASK_XENSTORE_IDX(cons);
		unsigned int chunk;

		chunk = min(len - done, prod - cons);
		chunk = min(chunk, XENSTORE_RING_SIZE - off);
		if (!chunk)
			break;
		memcpy(dst + done, intf->rsp + off, chunk);
		cons += chunk;
		done += chunk;
	}

	if (done) {
		/*
		 * Our copies must be complete before xenstored may reuse
		 * the space, so order the loads before the index store.
		 */
		virt_mb();
		WRITE_ONCE(intf->rsp_cons, cons);
	}
	return done;
}

/**
 * xb_ring_can_read() - is there anything to read in the response ring?
 * @intf: the shared store page
 *
 * Inconsistent indexes also report true: the caller's next xb_ring_read()
 * then returns -EIO instead of the caller waiting for data forever.
 *
 * Return: true if xb_ring_read() would copy a byte or report -EIO.
 */
bool xb_ring_can_read(const struct xenstore_domain_interface *intf)
{
	return READ_ONCE(intf->rsp_cons) != READ_ONCE(intf->rsp_prod);
}

/**
 * xb_ring_can_write() - is there room in the request ring?
 * @intf: the shared store page
 *
 * Like xb_ring_can_read(), inconsistent indexes report true so that the
 * next xb_ring_write() surfaces -EIO.
 *
 * Return: true if xb_ring_write() would copy a byte or report -EIO.
 */
bool xb_ring_can_write(const struct xenstore_domain_interface *intf)
{
	XENSTORE_RING_IDX cons = READ_ONCE(intf->req_cons);
	XENSTORE_RING_IDX prod = READ_ONCE(intf->req_prod);

	return prod - cons != XENSTORE_RING_SIZE;
}

/* ------------------------------------------------------------------ */
/* Message headers                                                     */
/* ------------------------------------------------------------------ */

/**
 * xb_hdr_check() - validate a header read from xenstored
 * @hdr: the header, already copied out of the ring
 *
 * Only the length is judged.  A length over the payload limit means we
 * can no longer find the next header.  The type is not: a newer xenstored
 * answers a request of a type we have no name for (forwarded from
 * /dev/xen/xenbus) with a reply of that same type, and the request layer,
 * which matches replies by req_id, is the one to decide what a reply of
 * an unexpected type means.
 *
 * Return: 0, or -EMSGSIZE for an oversized body.
 */
int xb_hdr_check(const struct xsd_sockmsg *hdr)
{
	if (hdr->len > XB_PAYLOAD_MAX)
		return -EMSGSIZE;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bodies                                                              */
/* ------------------------------------------------------------------ */

/*
 * xenstored's error strings, in the protocol's order.  EPERM is newer
 * than Linux's copy of xs_wire.h, which is why the table lives here.
 * Building each entry from one token keeps the string and the errno
 * from ever disagreeing.
 */
#define XS_ERR(e)	{ E##e, "E" #e }
static const struct {
	int err;
	char name[10];
} xs_error_table[] = {
	XS_ERR(INVAL),
	XS_ERR(ACCES),
	XS_ERR(EXIST),
	XS_ERR(ISDIR),
	XS_ERR(NOENT),
	XS_ERR(NOMEM),
	XS_ERR(NOSPC),
	XS_ERR(IO),
	XS_ERR(NOTEMPTY),
	XS_ERR(NOSYS),
	XS_ERR(ROFS),
	XS_ERR(BUSY),
	XS_ERR(AGAIN),
	XS_ERR(ISCONN),
	XS_ERR(2BIG),
	XS_ERR(PERM),
};

#undef XS_ERR

/**
 * xs_errno() - map an XS_ERROR body to a positive errno
 * @body: the body ("ENOENT", with or without its NUL)
 * @len: bytes in @body
 *
 * The match is exact: one trailing NUL is allowed, anything else that
 * differs (a prefix, a suffix, an embedded NUL) makes the string unknown.
 *
 * Return: the errno, or 0 for a string this table does not know.
 */
int xs_errno(const char *body, unsigned int len)
{
	unsigned int i;

	if (len && body[len - 1] == '\0')
		len--;

	for (i = 0; i < ARRAY_SIZE(xs_error_table); i++) {
		const char *name = xs_error_table[i].name;

		if (strlen(name) == len && !memcmp(name, body, len))
			return xs_error_table[i].err;
	}
	return 0;
}

/**
 * xs_errstr() - the wire string for a positive errno
 * @err: a positive errno
 *
 * Return: the NUL-terminated string xenstored would send, or NULL if the
 * protocol has no string for @err.
 */
const char *xs_errstr(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xs_error_table); i++)
		if (xs_error_table[i].err == err)
			return xs_error_table[i].name;
	return NULL;
}

/**
 * xs_count_strings() - count the NUL-terminated strings in a buffer
 * @buf: the buffer
 * @len: bytes in @buf
 *
 * Bytes after the last NUL are not a string and are not counted.
 *
 * Return: the number of NUL bytes in @buf[0..@len).
 */
unsigned int xs_count_strings(const char *buf, unsigned int len)
{
	unsigned int i, n = 0;

	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	return n;
}

/**
 * xs_split_dir() - turn a DIRECTORY reply into an array of strings
 * @body: the reply body
 * @len: bytes in @body
 * @out: array of @max pointers to fill, or NULL to only count
 * @max: entries available in @out
 *
 * Every string in @body is an entry, an empty one included: weeding
 * those out is the caller's policy, not the wire format's.  The pointers
 * written to @out point into @body.
 *
 * Return: the number of entries (which may exceed @max; only the first
 * @max are stored), 0 for an empty body, or -EINVAL when @body does not
 * end with a NUL.
 */
int xs_split_dir(const char *body, unsigned int len,
		 const char **out, unsigned int max)
{
	unsigned int i, start = 0, n = 0;

	if (!len)
		return 0;
	if (body[len - 1] != '\0')
		return -EINVAL;

	for (i = 0; i < len; i++) {
		if (body[i] != '\0')
			continue;
		if (out && n < max)
			out[n] = body + start;
		n++;
		start = i + 1;
	}
	return n;
}

/**
 * xs_join_path() - build "dir/node", or "dir" when node is ""
 * @out: destination buffer
 * @size: bytes available at @out
 * @dir: directory, a NUL-terminated string
 * @node: node below @dir, a NUL-terminated string, possibly empty
 *
 * On failure @out holds an empty string (when @size allows one), so a
 * caller that ignores the error still sends no truncated path.
 *
 * Return: length of the path without its NUL, or -ENAMETOOLONG when the
 * path with its NUL would not fit in @size or in XENSTORE_ABS_PATH_MAX.
 */
int xs_join_path(char *out, unsigned int size,
		 const char *dir, const char *node)
{
	unsigned int limit = min_t(unsigned int, size, XENSTORE_ABS_PATH_MAX);
	size_t dlen, nlen;

	/* Bounded scans: neither part may be as long as the limit alone. */
	dlen = strnlen(dir, limit);
	nlen = strnlen(node, limit);
	if (dlen + (nlen ? 1 + nlen : 0) >= limit) {
		if (size)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}

	memcpy(out, dir, dlen);
	if (nlen) {
		out[dlen] = '/';
		memcpy(out + dlen + 1, node, nlen);
		dlen += 1 + nlen;
	}
	out[dlen] = '\0';
	return dlen;
}

/**
 * xs_parse_watch_event() - split a WATCH_EVENT body into path and token
 * @body: the body
 * @len: bytes in @body
 * @path: set to the event path, pointing into @body
 * @token: set to the token, pointing into @body
 *
 * Strings after the token are ignored.  @path and @token are written
 * only on success.
 *
 * Return: 0, or -EINVAL unless @body holds at least two NUL-terminated
 * strings of which the first is non-empty.
 */
int xs_parse_watch_event(const char *body, unsigned int len,
			 const char **path, const char **token)
{
	const char *end, *tok;

	if (!len || body[0] == '\0')
		return -EINVAL;
	end = memchr(body, '\0', len);
	if (!end)
		return -EINVAL;
	tok = end + 1;
	if (!memchr(tok, '\0', len - (tok - body)))
		return -EINVAL;

	*path = body;
	*token = tok;
	return 0;
}

static const char xs_hex_digits[] = "0123456789abcdef";

/**
 * xs_format_token() - write the watch token for an id
 * @out: destination buffer; XS_TOKEN_LEN bytes always suffice
 * @size: bytes available at @out
 * @id: the watch id
 *
 * The token is "W" followed by @id in lower-case hex without leading
 * zeros, which is the only form xs_parse_token() accepts.
 *
 * Return: length of the token without its NUL, or -ENOSPC when it and
 * its NUL do not fit in @size (@out is then left alone).
 */
int xs_format_token(char *out, unsigned int size, u32 id)
{
	unsigned int digits = 1, i;
	u32 rest;

	for (rest = id >> 4; rest; rest >>= 4)
		digits++;
	if (size < digits + 2)
		return -ENOSPC;

	out[0] = 'W';
	for (i = digits; i > 0; i--) {
		out[i] = xs_hex_digits[id & 0xf];
		id >>= 4;
	}
	out[digits + 1] = '\0';
	return digits + 1;
}

/**
 * xs_parse_token() - recover the watch id from a token
 * @token: a NUL-terminated token from a WATCH_EVENT
 * @id: set to the id on success
 *
 * Only tokens xs_format_token() can produce are accepted: no upper case,
 * no leading zeros, no sign, no trailing bytes.  That keeps the mapping
 * one-to-one, so a token crafted to alias another watch's is refused.
 * At most XS_TOKEN_LEN bytes of @token are examined.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int xs_parse_token(const char *token, u32 *id)
{
	unsigned int i;
	u32 val = 0;

	if (token[0] != 'W' || token[1] == '\0')
		return -EINVAL;
	if (token[1] == '0' && token[2] != '\0')
		return -EINVAL;

	for (i = 1; token[i] != '\0'; i++) {
		char c = token[i];

		if (i > 8)
			return -EINVAL;
		if (c >= '0' && c <= '9')
			val = val << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			val = val << 4 | (c - 'a' + 10);
		else
			return -EINVAL;
	}

	*id = val;
	return 0;
}

/* Exactly one NUL-terminated string filling @len bytes: nothing after it. */
static bool xs_is_one_string(const char *body, u32 len)
{
	return len && memchr(body, '\0', len) == body + len - 1;
}

/*
 * WATCH and UNWATCH: path NUL token NUL, NUL-terminated and non-empty as
 * the caller checked.  A WATCH may add the depth that libxenstore's
 * xs_watch_depth() sends, decimal digits: the kernel's watch ignores it
 * (more events, which xs_watch_depth()'s users are told to expect).
 */
static bool xs_is_watch_body(u32 type, const char *body, u32 len)
{
	unsigned int n = xs_count_strings(body, len);
	const char *depth;

	if (n == 2)
		return true;
	if (n != 3 || type != XS_WATCH)
		return false;
	depth = body + strlen(body) + 1;
	depth += strlen(depth) + 1;
	if (*depth == '\0')
		return false;
	for (; *depth; depth++)
		if (*depth < '0' || *depth > '9')
			return false;
	return true;
}

/*
 * The special paths whose permissions SET_PERMS may change.  Xenstored
 * 4.17 treats any other "@" path as an error but then forgets to answer.
 * @path is NUL-terminated.
 */
static bool xs_is_special_path(const char *path)
{
	static const char * const special[] = {
		"@releaseDomain", "@introduceDomain",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(special); i++)
		if (!strcmp(path, special[i]))
			return true;
	return false;
}

/**
 * xs_user_msg_check() - check a message written to /dev/xen/xenbus
 * @hdr: the header as written by user space
 * @body: the hdr->len bytes that followed it
 * @flags: XS_USER_PRIVILEGED when this domain is the privileged one
 *
 * Two kinds of body are checked.  Those the kernel acts on itself: the
 * WATCH/UNWATCH path and token and the TRANSACTION_END argument.  And
 * those that make xenstored 4.17 (and earlier) abort: a handler that fails
 * without setting errno returns 0, no reply is sent, and the daemon dies
 * on "assert(conn->in == NULL)", taking the host's toolstack with it.
 * That happens for a single-path request (DIRECTORY, READ, GET_PERMS,
 * MKDIR, RM) whose body is not exactly one NUL-terminated string, and for
 * SET_PERMS on an "@" path it refuses.  Each such body is answered here
 * with the error that xenstored 4.18 and later give.  Everything else,
 * WRITE's value included, is opaque, and any type passes: like Linux, the
 * device forwards types this kernel does not know, so the tools keep
 * working with a newer xenstored.  @body is not read when the size is
 * refused.
 *
 * Return: 0, E2BIG for a body over XS_USER_BODY_MAX, EINVAL for a
 * malformed body, EACCES for SET_PERMS on an "@" path from an
 * unprivileged domain, or ENOENT for one on an "@" path that is not
 * special from the privileged domain.
 */
int xs_user_msg_check(const struct xsd_sockmsg *hdr, const char *body,
		      unsigned int flags)
{
	u32 len = hdr->len;
	int err = 0;

	if (len > XS_USER_BODY_MAX)
		return E2BIG;

	switch (hdr->type) {
	case XS_DIRECTORY:
	case XS_READ:
	case XS_GET_PERMS:
	case XS_MKDIR:
	case XS_RM:
		if (!xs_is_one_string(body, len))
			err = EINVAL;
		break;
	case XS_WATCH:
	case XS_UNWATCH:
		if (!len || body[0] == '\0' || body[len - 1] != '\0' ||
		    !xs_is_watch_body(hdr->type, body, len))
			err = EINVAL;
		break;
	case XS_TRANSACTION_END:
		if (len != 2 || (body[0] != 'T' && body[0] != 'F') ||
		    body[1] != '\0')
			err = EINVAL;
		break;
	case XS_SET_PERMS:
		/* Path and at least one permission, as xenstored requires. */
		if (xs_count_strings(body, len) < 2)
			err = EINVAL;
		else if (body[0] != '@')
			err = 0;
		else if (!(flags & XS_USER_PRIVILEGED))
			err = EACCES;
		else if (!xs_is_special_path(body))
			err = ENOENT;
		break;
	default:
		break;
	}
	return err;
}
