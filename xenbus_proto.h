/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore wire protocol as pure functions.
 *
 * This file owns the byte-level rules of talking to xenstored: copying
 * through the shared rings with the right barriers, checking message
 * headers, mapping error strings to errnos, splitting directory listings,
 * joining paths, parsing watch events and our opaque watch tokens, and
 * checking messages that user space hands to /dev/xen/xenbus.
 *
 * Nothing here takes a lock, sleeps, allocates or logs.  That is what lets
 * the same object be built into the kernel and into the host-side tests
 * and fuzzers under tests/host/, which supply their own xenbus_kcompat.h.
 * Every function is safe on hostile input: lengths are always explicit and
 * nothing is assumed about the bytes a peer put in the shared page.
 */
#ifndef _XENBUS_PROTO_H
#define _XENBUS_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <xen/interface/io/xs_wire.h>
#else
#include "xenbus_kcompat.h"
#endif

/* Largest message body in either direction, in bytes. */
#define XB_PAYLOAD_MAX		XENSTORE_PAYLOAD_MAX

/*
 * Request types xenstored may know that Linux 6.12's xs_wire.h lacks.
 * Names only: neither the transport nor /dev/xen/xenbus limits the type
 * of a message, since a newer xenstored may know newer ones still.
 */
#define XB_TYPE_GET_FEATURE	23
#define XB_TYPE_SET_FEATURE	24
#define XB_TYPE_GET_QUOTA	25
#define XB_TYPE_SET_QUOTA	26
#define XB_TYPE_MAX		XB_TYPE_SET_QUOTA

/* ------------------------------------------------------------------ */
/* Ring transfer                                                       */
/* ------------------------------------------------------------------ */

/*
 * xb_ring_write() - copy bytes into the request ring.
 * Returns the number of bytes copied (0 when the ring is full), or -EIO
 * when the indexes in the shared page are inconsistent.  On -EIO nothing
 * is written, the indexes included: a corrupt ring is the peer's state to
 * explain, not ours to paper over.  The caller notifies the peer.
 */
int xb_ring_write(struct xenstore_domain_interface *intf,
		  const void *data, unsigned int len);

/*
 * xb_ring_read() - copy bytes out of the response ring.
 * Same return convention and the same no-write-on-corruption rule.
 */
int xb_ring_read(struct xenstore_domain_interface *intf,
		 void *data, unsigned int len);

/* Is there at least one byte to read / one byte of space to write? */
bool xb_ring_can_read(const struct xenstore_domain_interface *intf);
bool xb_ring_can_write(const struct xenstore_domain_interface *intf);

/* ------------------------------------------------------------------ */
/* Message headers                                                     */
/* ------------------------------------------------------------------ */

/*
 * xb_hdr_check() - validate a header read from xenstored.
 * Returns 0, or -EMSGSIZE when len exceeds XB_PAYLOAD_MAX (the stream
 * can no longer be trusted).  Every type is accepted: a newer xenstored
 * replies to a request of a newer type with that type.
 */
int xb_hdr_check(const struct xsd_sockmsg *hdr);

/* ------------------------------------------------------------------ */
/* Bodies                                                              */
/* ------------------------------------------------------------------ */

/*
 * xs_errno() - map an XS_ERROR body ("ENOENT", ...) to a positive errno.
 * Knows the whole current table, EPERM included.  Returns 0 for a string
 * it does not know, so the caller can log that and pick EINVAL itself.
 */
int xs_errno(const char *body, unsigned int len);

/*
 * xs_errstr() - the wire string for a positive errno, or NULL.
 * Used for replies the kernel synthesises for /dev/xen/xenbus.
 */
const char *xs_errstr(int err);

/*
 * xs_count_strings() - number of NUL-terminated strings in buf[0..len).
 * Bytes after the last NUL are not a string and are not counted.
 */
unsigned int xs_count_strings(const char *buf, unsigned int len);

/*
 * xs_split_dir() - turn a DIRECTORY reply into an array of strings.
 * @body/@len: the reply body; @out: array of @max pointers or NULL.
 * Returns the number of entries (writing at most @max of them into @out,
 * pointing into @body), or -EINVAL when the body is not a sequence of
 * NUL-terminated strings.  An empty body is an empty directory.
 */
int xs_split_dir(const char *body, unsigned int len,
		 const char **out, unsigned int max);

/*
 * xs_join_path() - build "dir/node", or "dir" when node is "".
 * Writes a NUL-terminated path into @out (@size bytes).  Returns its
 * length without the NUL, or -ENAMETOOLONG if it (with its NUL) would
 * exceed @size or XENSTORE_ABS_PATH_MAX.
 */
int xs_join_path(char *out, unsigned int size,
		 const char *dir, const char *node);

/*
 * xs_parse_watch_event() - split a WATCH_EVENT body into path and token.
 * The body must hold at least two NUL-terminated strings, the first
 * non-empty.  Returns 0 or -EINVAL.
 */
int xs_parse_watch_event(const char *body, unsigned int len,
			 const char **path, const char **token);

/*
 * Watch tokens are opaque: "W" followed by a 1..8 digit lower-case hex id.
 * They never contain a kernel address.
 */
#define XS_TOKEN_LEN	10	/* "W" + 8 hex digits + NUL */
int xs_format_token(char *out, unsigned int size, u32 id);
int xs_parse_token(const char *token, u32 *id);

/*
 * xs_user_msg_check() - check a complete message written to /dev/xen/xenbus.
 * @hdr: header as written by user space; @body: hdr->len bytes;
 * @flags: XS_USER_PRIVILEGED in the privileged (initial) domain.
 * Returns 0 or a positive errno for the error reply user space should get:
 * E2BIG for a body over the device's limit, EINVAL for a malformed WATCH,
 * UNWATCH or TRANSACTION_END body or a body that would make xenstored
 * 4.17 abort (single-path requests), EACCES for SET_PERMS on an "@" path
 * from an unprivileged domain and ENOENT for one on an unknown "@" path.
 * Any type is accepted and forwarded, as on Linux.
 */
#define XS_USER_BODY_MAX	(XB_PAYLOAD_MAX - sizeof(struct xsd_sockmsg))
#define XS_USER_PRIVILEGED	0x1
int xs_user_msg_check(const struct xsd_sockmsg *hdr, const char *body,
		      unsigned int flags);

#endif /* _XENBUS_PROTO_H */
