// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_main.c - standalone driver for fuzz_proto.c, no libFuzzer needed.
 *
 *   fuzz_proto                 FUZZ_ITERS (default 200000) generated
 *                              inputs from seed FUZZ_SEED (default 1)
 *   fuzz_proto FILE...         replay saved inputs (crash reproduction)
 *
 * The generator is deterministic, so a failure reproduces with the same
 * seed; the failing input is also saved as fuzz-crash-<iter>.bin.  It
 * biases inputs towards what matters: indexes near the 32-bit wrap, fill
 * levels around the ring size, header lengths around the limits, and
 * bodies built from protocol words, NULs and token-like strings.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xenbus_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Provided by the sanitizer runtimes; weak so plain builds link too. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define MAX_INPUT	(21 + 8192)

static u64 rng_state;
static uint8_t input[MAX_INPUT];
static size_t input_len;
static unsigned long cur_iter;

static u64 rnd(void)
{
	/* splitmix64: tiny, fast, and good enough to steer a fuzzer */
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u32 below(u32 n)
{
	return n ? (u32)(rnd() % n) : 0;
}

static void save_input(void)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "fuzz-crash-%lu.bin", cur_iter);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, input, input_len) < 0)
			(void)0;
		close(fd);
	}
	fprintf(stderr, "fuzz_proto: failing input (iteration %lu) saved as %s\n",
		cur_iter, name);
}

static void on_abort(int sig)
{
	save_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

static u32 pick_index(void)
{
	switch (below(4)) {
	case 0:
		return below(2048);
	case 1:
		return 0xffffffffu - below(2048);
	case 2:
		return 0x80000000u - 1024 + below(2048);
	default:
		return (u32)rnd();
	}
}

static u32 pick_fill(void)
{
	switch (below(5)) {
	case 0:
		return 0;
	case 1:
		return XENSTORE_RING_SIZE - below(3);
	case 2:
		return XENSTORE_RING_SIZE + 1 + below(3);	/* corrupt */
	case 3:
		return (u32)rnd();				/* corrupt, mostly */
	default:
		return below(XENSTORE_RING_SIZE + 1);
	}
}

static void put(size_t *at, const void *p, size_t n)
{
	if (*at + n > MAX_INPUT)
		n = MAX_INPUT - *at;
	memcpy(input + *at, p, n);
	*at += n;
}

static const char *const words[] = {
	"EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC",
	"EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN",
	"E2BIG", "EPERM", "EIOX", "W", "W0", "W00", "W1f", "Wffffffff",
	"W123456789", "WA", "T", "F", "device/vbd/51712", "backend",
	"@releaseDomain", "/local/domain/0", "", "state",
};

/* Bodies are the literal including its final NUL. */
#define TEMPLATE(t, lit)	{ t, sizeof(lit), lit }
static const struct {
	u32 type;
	u32 len;
	const char *body;
} templates[] = {
	TEMPLATE(XS_WATCH, "device\0W1f"),
	TEMPLATE(XS_UNWATCH, "device\0W1f"),
	TEMPLATE(XS_WATCH_EVENT, "device/vbd/51712\0W0"),
	TEMPLATE(XS_TRANSACTION_END, "T"),
	TEMPLATE(XS_TRANSACTION_END, "F"),
	TEMPLATE(XS_ERROR, "EPERM"),
	TEMPLATE(XS_DIRECTORY, "vbd\0vif\0vkbd"),
	TEMPLATE(XS_READ, "4"),
};

static void gen_body(size_t *at, u32 len)
{
	size_t end = *at + len;

	if (end > MAX_INPUT)
		end = MAX_INPUT;
	while (*at < end) {
		u8 c;

		switch (below(4)) {
		case 0: {
			const char *w = words[below(ARRAY_SIZE(words))];
			size_t n = strlen(w);

			if (n > end - *at)
				n = end - *at;
			put(at, w, n);
			break;
		}
		case 1:
			c = 0;
			put(at, &c, 1);
			break;
		default: {
			u64 r = rnd();	/* a run of 1..8 random bytes */
			size_t n = 1 + (r & 7);

			if (n > end - *at)
				n = end - *at;
			r >>= 8;
			put(at, &r, n);
			break;
		}
		}
	}
}

static void generate(void)
{
	u32 idx[4];			/* req_cons, req_prod, rsp_cons, rsp_prod */
	u8 flags = (u8)rnd();
	size_t at = 0;
	u16 l;

	if (below(4)) {
		idx[0] = pick_index();
		idx[1] = idx[0] + pick_fill();
		idx[2] = pick_index();
		idx[3] = idx[2] + pick_fill();
		flags &= ~3;		/* keep them exactly as generated */
	} else {
		idx[0] = (u32)rnd();
		idx[1] = (u32)rnd();
		idx[2] = (u32)rnd();
		idx[3] = (u32)rnd();
	}
	put(&at, idx, sizeof(idx));
	put(&at, &flags, 1);
	l = (u16)below(2200);			/* read length */
	put(&at, &l, 2);
	l = (u16)below(1100);			/* write length ... */
	put(&at, &l, 2);
	gen_body(&at, l);			/* ... and its bytes */

	while (at + sizeof(struct xsd_sockmsg) < MAX_INPUT && below(6)) {
		struct xsd_sockmsg h;

		if (!below(4)) {
			/* a well-formed message, so the accept paths run too */
			u32 t = below(ARRAY_SIZE(templates));

			h.type = templates[t].type;
			h.req_id = (u32)rnd();
			h.tx_id = 0;
			h.len = templates[t].len;
			put(&at, &h, sizeof(h));
			put(&at, templates[t].body, h.len);
			continue;
		}

		switch (below(6)) {
		case 0:
			h.type = (u32)rnd();
			break;
		case 1:
			h.type = XB_TYPE_MAX + below(3);
			break;
		default:
			h.type = below(XB_TYPE_MAX + 1);
			break;
		}
		h.req_id = (u32)rnd();
		h.tx_id = (u32)rnd();
		switch (below(8)) {
		case 0:
			h.len = XENSTORE_PAYLOAD_MAX - 2 + below(5);
			break;
		case 1:
			h.len = (u32)XS_USER_BODY_MAX - 1 + below(3);
			break;
		case 2:
			h.len = (u32)rnd();
			break;
		default:
			h.len = below(64);
			break;
		}
		put(&at, &h, sizeof(h));
		gen_body(&at, h.len < 5000 ? h.len : below(64));
	}
	input_len = at;
}

static int replay(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		input_len = fread(input, 1, sizeof(input), f);
		fclose(f);
		LLVMFuzzerTestOneInput(input, input_len);
		printf("replayed %s (%zu bytes)\n", argv[i], input_len);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *e = getenv("FUZZ_ITERS");
	unsigned long iters = e ? strtoul(e, NULL, 0) : 200000;

	if (argc > 1)
		return replay(argc, argv);

	e = getenv("FUZZ_SEED");
	rng_state = e ? strtoull(e, NULL, 0) : 1;
	signal(SIGABRT, on_abort);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_input);

	for (cur_iter = 0; cur_iter < iters; cur_iter++) {
		generate();
		LLVMFuzzerTestOneInput(input, input_len);
	}
	printf("fuzz_proto: %lu iterations, no failures\n", iters);
	return 0;
}
