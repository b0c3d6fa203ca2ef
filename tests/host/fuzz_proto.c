// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_proto.c - libFuzzer-compatible target for xenbus_proto.c.
 *
 * The input describes a store page and a byte stream:
 *
 *   [0, 16)    req_cons, req_prod, rsp_cons, rsp_prod as found in the page
 *   [16]       flags: bit 0/1 make the rsp/req indexes sane, so that
 *              not every run ends in -EIO
 *   [17, 21)   how much to read from / write to the ring (u16 each)
 *   [21, ...)  the stream: the bytes to write, then messages (a 16-byte
 *              header and up to hdr.len bytes of body each) fed to every
 *              parser
 *
 * The rest of the page (both rings and the trailing words) is filled by
 * cycling through the whole input.  Its bytes are input-controlled, yet
 * a fuzzer need not grow a 2 KiB prefix before reaching the parsers.
 *
 * Invariants checked here (out-of-bounds accesses are ASan's job; every
 * buffer is a heap block of exactly the size the callee was told):
 *   - a transfer never moves more bytes than asked or than the ring has,
 *     and moves exactly that many;
 *   - on -EIO not one byte of the page changes; otherwise only the
 *     copied bytes and the one index do;
 *   - the parsers' results agree with simple independent recomputation.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "xenbus_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_proto: %s:%d: check failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

typedef struct xenstore_domain_interface intf_t;

struct stream {
	const uint8_t *p;
	size_t left;
};

static size_t take(struct stream *s, void *out, size_t n)
{
	if (n > s->left)
		n = s->left;
	memcpy(out, s->p, n);
	s->p += n;
	s->left -= n;
	return n;
}

static u16 take16(struct stream *s)
{
	u8 b[2] = { 0, 0 };

	take(s, b, 2);
	return (u16)(b[0] | b[1] << 8);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void fuzz_ring_read(intf_t *intf, unsigned int len)
{
	intf_t before = *intf;
	u32 fill = before.rsp_prod - before.rsp_cons;
	char *buf = xmalloc(len);
	unsigned int i;
	int ret;

	FUZZ_CHECK(xb_ring_can_read(intf) == (fill != 0));
	ret = xb_ring_read(intf, buf, len);
	if (fill > XENSTORE_RING_SIZE) {
		FUZZ_CHECK(ret == -EIO);
		FUZZ_CHECK(!memcmp(intf, &before, sizeof(before)));
	} else {
		unsigned int want = len < fill ? len : fill;

		FUZZ_CHECK(ret >= 0 && (unsigned int)ret == want);
		for (i = 0; i < want; i++)
			FUZZ_CHECK(buf[i] ==
				   before.rsp[MASK_XENSTORE_IDX(before.rsp_cons + i)]);
		before.rsp_cons += want;
		FUZZ_CHECK(!memcmp(intf, &before, sizeof(before)));
	}
	free(buf);
}

static void fuzz_ring_write(intf_t *intf, struct stream *s, unsigned int len)
{
	intf_t before = *intf;
	u32 fill = before.req_prod - before.req_cons;
	char *buf = xmalloc(len);
	unsigned int i;
	int ret;

	memset(buf, 0, len);
	take(s, buf, len);
	FUZZ_CHECK(xb_ring_can_write(intf) == (fill != XENSTORE_RING_SIZE));
	ret = xb_ring_write(intf, buf, len);
	if (fill > XENSTORE_RING_SIZE) {
		FUZZ_CHECK(ret == -EIO);
		FUZZ_CHECK(!memcmp(intf, &before, sizeof(before)));
	} else {
		unsigned int room = XENSTORE_RING_SIZE - fill;
		unsigned int want = len < room ? len : room;

		FUZZ_CHECK(ret >= 0 && (unsigned int)ret == want);
		for (i = 0; i < want; i++)
			before.req[MASK_XENSTORE_IDX(before.req_prod + i)] = buf[i];
		before.req_prod += want;
		FUZZ_CHECK(!memcmp(intf, &before, sizeof(before)));
	}
	free(buf);
}

/* Is @p a NUL-terminated string lying wholly inside body[0..len)? */
static bool inside(const char *p, const char *body, unsigned int len)
{
	return p >= body && p < body + len &&
	       memchr(p, '\0', body + len - p) != NULL;
}

/* Is the third string of @body (which has three) a non-empty number? */
static bool digits_after_token(const char *body)
{
	const char *p = body + strlen(body) + 1;

	p += strlen(p) + 1;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static void fuzz_body(const struct xsd_sockmsg *hdr, const char *body,
		      unsigned int len)
{
	unsigned int nstr = xs_count_strings(body, len), i, n;
	const char *out[8], *path, *token;
	struct xsd_sockmsg uh;
	unsigned int flags;
	int ret, err;

	n = 0;
	for (i = 0; i < len; i++)
		n += body[i] == '\0';
	FUZZ_CHECK(nstr == n);

	ret = xs_split_dir(body, len, out, ARRAY_SIZE(out));
	if (!len)
		FUZZ_CHECK(ret == 0);
	else if (body[len - 1] != '\0')
		FUZZ_CHECK(ret == -EINVAL);
	else
		FUZZ_CHECK(ret >= 0 && (unsigned int)ret == nstr);
	for (i = 0; ret > 0 && i < (unsigned int)ret && i < ARRAY_SIZE(out); i++)
		FUZZ_CHECK(inside(out[i], body, len));

	ret = xs_parse_watch_event(body, len, &path, &token);
	FUZZ_CHECK((ret == 0) == (nstr >= 2 && body[0] != '\0'));
	if (!ret) {
		FUZZ_CHECK(path == body && *path != '\0');
		FUZZ_CHECK(token == path + strlen(path) + 1);
		FUZZ_CHECK(inside(token, body, len));
	}

	err = xs_errno(body, len);
	if (err) {
		const char *s = xs_errstr(err);
		size_t sl;

		FUZZ_CHECK(s);
		sl = strlen(s);
		FUZZ_CHECK(len == sl || (len == sl + 1 && body[sl] == '\0'));
		FUZZ_CHECK(!memcmp(s, body, sl));
	}

	/* user space may claim any length; the body really holds @len */
	uh = *hdr;
	if (uh.len <= XS_USER_BODY_MAX)
		uh.len = len;
	flags = hdr->req_id & 1 ? XS_USER_PRIVILEGED : 0;
	ret = xs_user_msg_check(&uh, uh.len > XS_USER_BODY_MAX ? NULL : body,
				flags);
	FUZZ_CHECK(ret == 0 || ret == EINVAL || ret == E2BIG || ret == EACCES ||
		   ret == ENOENT);
	FUZZ_CHECK((ret == E2BIG) == (uh.len > XS_USER_BODY_MAX));
	if (ret == E2BIG)
		return;
	switch (uh.type) {
	case XS_WATCH:
	case XS_UNWATCH:
		FUZZ_CHECK((ret == 0) ==
			   (len && body[0] && !body[len - 1] &&
			    (nstr == 2 ||
			     (nstr == 3 && uh.type == XS_WATCH &&
			      digits_after_token(body)))));
		break;
	case XS_TRANSACTION_END:
		FUZZ_CHECK((ret == 0) ==
			   (len == 2 && (!strcmp(body, "T") || !strcmp(body, "F"))));
		break;
	case XS_DIRECTORY:
	case XS_READ:
	case XS_GET_PERMS:
	case XS_MKDIR:
	case XS_RM:
		/* Exactly one string, ending the body: what 4.17 survives. */
		FUZZ_CHECK((ret == 0) == (nstr == 1 && !body[len - 1]));
		break;
	case XS_SET_PERMS:
		if (nstr < 2)
			FUZZ_CHECK(ret == EINVAL);
		else if (body[0] != '@')
			FUZZ_CHECK(ret == 0);
		else if (!flags)
			FUZZ_CHECK(ret == EACCES);
		else
			FUZZ_CHECK(ret == (!strcmp(body, "@releaseDomain") ||
					   !strcmp(body, "@introduceDomain") ?
					   0 : ENOENT));
		break;
	default:
		/* Any other type is forwarded: only the size can refuse it. */
		FUZZ_CHECK(ret == 0);
		break;
	}
}

static void fuzz_strings(const char *body, unsigned int len, u8 outsize)
{
	char *s = xmalloc(len + 1), *out, tok[XS_TOKEN_LEN];
	const char *node;
	u32 id;
	int ret;

	memcpy(s, body, len);
	s[len] = '\0';

	if (!xs_parse_token(s, &id)) {
		/* Only canonical tokens parse: formatting gives them back. */
		FUZZ_CHECK(xs_format_token(tok, sizeof(tok), id) ==
			   (int)strlen(s));
		FUZZ_CHECK(!strcmp(tok, s));
	}

	/* dir = first string, node = second (or "") */
	node = s + strlen(s);
	if (node < s + len)
		node++;
	out = xmalloc(outsize);
	ret = xs_join_path(out, outsize, s, node);
	if (ret >= 0) {
		size_t want = strlen(s) + (*node ? 1 + strlen(node) : 0);

		FUZZ_CHECK((size_t)ret == want && ret < outsize);
		FUZZ_CHECK(strlen(out) == want);
		FUZZ_CHECK(!strncmp(out, s, strlen(s)));
	} else {
		FUZZ_CHECK(ret == -ENAMETOOLONG);
		FUZZ_CHECK(strlen(s) + (*node ? 1 + strlen(node) : 0) + 1 >
			   outsize);
	}
	free(out);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s = { data, size };
	intf_t *intf = xmalloc(sizeof(*intf));
	unsigned int rlen, wlen;
	u32 idx[4] = { 0, 0, 0, 0 };
	u8 flags = 0;
	size_t i;

	for (i = 0; i < sizeof(*intf); i++)
		((u8 *)intf)[i] = size ? data[i % size] : 0;
	take(&s, idx, sizeof(idx));
	intf->req_cons = idx[0];
	intf->req_prod = idx[1];
	intf->rsp_cons = idx[2];
	intf->rsp_prod = idx[3];
	take(&s, &flags, 1);
	rlen = take16(&s) % 2049;
	wlen = take16(&s) % 2049;
	if (flags & 1)
		intf->rsp_prod = intf->rsp_cons + intf->rsp_prod % 1025;
	if (flags & 2)
		intf->req_prod = intf->req_cons + intf->req_prod % 1025;

	fuzz_ring_read(intf, rlen);
	fuzz_ring_write(intf, &s, wlen);
	/* A second pass sees the indexes the first one left behind. */
	fuzz_ring_read(intf, rlen / 2 + 1);
	free(intf);

	while (s.left >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg hdr;
		unsigned int len;
		char *body;
		int ret;

		take(&s, &hdr, sizeof(hdr));
		ret = xb_hdr_check(&hdr);
		/* Only the length counts; every type may come back. */
		FUZZ_CHECK(ret == (hdr.len > XB_PAYLOAD_MAX ? -EMSGSIZE : 0));

		len = hdr.len < s.left ? hdr.len : s.left;
		body = xmalloc(len);
		take(&s, body, len);
		fuzz_body(&hdr, body, len);
		fuzz_strings(body, len, (u8)hdr.req_id);
		free(body);
	}
	return 0;
}
