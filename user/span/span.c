// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "span/span.h"
#include "util/utf8.h"

void span__reset(struct span *s)
{
	/*
	 * Attributes are read up to nattrs only, and each is cleared when
	 * added; strbuf only through them: neither needs clearing here. The
	 * names are read up to their NUL (strnlen) and builders write them
	 * whole: emptying them is enough, and zeroing their 176 bytes made
	 * this a rep stos, slow to start, on every span.
	 */
	memset(s, 0, offsetof(struct span, name));
	s->name[0] = '\0';
	s->service_name[0] = '\0';
	memset(&s->nattrs, 0,
	       offsetof(struct span, attrs) - offsetof(struct span, nattrs));
}

/*
 * span__add_str for what its inline part does not take: a string not all
 * ASCII or not fitting whole, copied again from its start, or a call to
 * refuse.
 */
int span__add_str_slow(struct span *s, const char *key, const char *val,
		       size_t len)
{
	uint16_t off = s->strbuf_len;
	size_t n;

	if (!key || (!val && len))
		return -EINVAL;
	if (s->nattrs >= SPAN_MAX_ATTRS) {
		s->dropped_attrs++;
		return -ENOSPC;
	}
	n = utf8__copy(s->strbuf + off, SPAN_STRBUF - off, val, len);
	if (len && !n) {
		s->dropped_attrs++;
		return -ENOSPC;
	}
	span__push_str(s, key, off, n);
	return 0;
}

bool span__attr_writable(const struct span *s, uint16_t i)
{
	const struct span_attr *a = &s->attrs[i];

	if (i >= SPAN_MAX_ATTRS || i >= s->nattrs || !a->key)
		return false;
	if (a->type == SPAN_ATTR_STR) {
		if (a->off > SPAN_STRBUF || a->len > SPAN_STRBUF - a->off)
			return false;
	} else if (a->type != SPAN_ATTR_INT) {
		return false;
	}
	for (uint16_t j = 0; j < i; j++)
		if (s->attrs[j].key && !strcmp(s->attrs[j].key, a->key))
			return false;
	return true;
}

int span__set_trace_state(struct span *s, const char *ts, size_t len)
{
	if (!len || len > (size_t)(SPAN_STRBUF - s->strbuf_len))
		return -ENOSPC;
	memcpy(s->strbuf + s->strbuf_len, ts, len);
	s->trace_state_off = s->strbuf_len;
	s->trace_state_len = len;
	s->strbuf_len += len;
	return 0;
}

const char *span__trace_state(const struct span *s, size_t *ret_len)
{
	if (!s->trace_state_len || s->trace_state_off > SPAN_STRBUF ||
	    s->trace_state_len > SPAN_STRBUF - s->trace_state_off)
		return NULL;
	*ret_len = s->trace_state_len;
	return s->strbuf + s->trace_state_off;
}

/*
 * span__attr by the key's text: out of line, so the lookup by address,
 * which is nearly every lookup, saves no registers for this loop's calls.
 */
static __attribute__((noinline)) const struct span_attr *
attr_by_name(const struct span *s, uint16_t n, const char *key)
{
	for (uint16_t i = 0; i < n; i++)
		if (!strcmp(s->attrs[i].key, key))
			return &s->attrs[i];
	return NULL;
}

const struct span_attr *span__attr(const struct span *s, const char *key)
{
	uint16_t n = s->nattrs < SPAN_MAX_ATTRS ? s->nattrs : SPAN_MAX_ATTRS;

	if (!key)
		return NULL;
	/*
	 * Keys are the semconv.h literals, one copy each in the program:
	 * a lookup by the same constant matches by address, with no
	 * string compared on the way.
	 */
	for (uint16_t i = 0; i < n; i++)
		if (s->attrs[i].key == key)
			return &s->attrs[i];
	return attr_by_name(s, n, key);
}

const char *span__attr_str(const struct span *s, const char *key,
			   size_t *ret_len)
{
	const struct span_attr *a = span__attr(s, key);

	if (!a || a->type != SPAN_ATTR_STR)
		return NULL;
	if (ret_len)
		*ret_len = a->len;
	return s->strbuf + a->off;
}

static int read_urandom(uint8_t *buf, size_t len)
{
	size_t got = 0;
	int fd, err = 0;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		got += n;
	}
	close(fd);
	return err;
}

static int fill_random(uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return read_urandom(buf + got, len - got);
		got += n;
	}
	return 0;
}

/*
 * Last resort when the kernel gives no randomness (seccomp, no /dev): ids
 * must still differ between spans, so mix the clock, pid and a counter.
 */
static void fill_weak(uint8_t *buf, size_t len)
{
	static uint64_t counter;
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	x ^= (uint64_t)getpid() << 32;
	x += __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) *
	     0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < len; i++) {
		/* splitmix64 step */
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		buf[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/*
 * Ids have to be unique and unguessable, not secret: they come from
 * xoshiro256** seeded from the kernel and reseeded every RESEED_AFTER
 * draws. Taking every byte from the kernel (a page of getrandom at a time)
 * spent 7 % of the agent's time in the kernel's ChaCha. The agent makes
 * spans on one thread; the state is not locked.
 */
#define RESEED_AFTER (1u << 20)

static uint64_t id_state[4];
static uint32_t id_draws_left;

static uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void id_reseed(void)
{
	if (fill_random((uint8_t *)id_state, sizeof(id_state)))
		fill_weak((uint8_t *)id_state, sizeof(id_state));
	/* the one state the generator cannot leave */
	if (!(id_state[0] | id_state[1] | id_state[2] | id_state[3]))
		id_state[0] = 0x9e3779b97f4a7c15ull;
	id_draws_left = RESEED_AFTER;
}

/*
 * Inline in span__random_id's three draws: as a call it cost more than the
 * generator, and every span takes four bytes, every root sixteen.
 */
static inline __attribute__((always_inline)) uint64_t id_draw(void)
{
	uint64_t *st = id_state, out, t;

	if (!id_draws_left)
		id_reseed();
	id_draws_left--;
	out = rotl64(st[1] * 5, 7) * 9;
	t = st[1] << 17;
	st[2] ^= st[0];
	st[3] ^= st[1];
	st[1] ^= st[2];
	st[0] ^= st[3];
	st[2] ^= t;
	st[3] = rotl64(st[3], 45);
	return out;
}

void span__random_id(uint8_t *id, size_t len)
{
	uint64_t any;

	if (!len)
		return;
	do {
		size_t off = 0;
		uint64_t v;

		/*
		 * Whole words by a fixed-size copy, which inlines, the tail
		 * byte by byte (a variable-length memcpy was a libc call
		 * for the four random bytes of each span id); whether all
		 * are zero is gathered on the way.
		 */
		for (any = 0; off + 8 <= len; off += 8) {
			v = id_draw();
			memcpy(id + off, &v, 8);
			any |= v;
		}
		if (len - off == 4) {
			/*
			 * The span id's random half: one store, not four, of
			 * the same bytes as the loop below, low byte first
			 */
			uint32_t t = (uint32_t)id_draw();
			uint32_t le = htole32(t);

			memcpy(id + off, &le, 4);
			any |= t;
		} else if (off < len) {
			for (v = id_draw(); off < len; off++, v >>= 8) {
				id[off] = (uint8_t)v;
				any |= (uint8_t)v;
			}
		}
	} while (!any);
}
