// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fixmap.h"

struct fixmap {
	size_t max, count;
	size_t key_size, val_size, slot_size;
	size_t hash_size; /* leading key bytes hashed */
	size_t val_off; /* in a slot: used flag, key, value, each 8-aligned */
	size_t mask;	/* slots - 1 */
	/* slot_size = odd << slot_shift; odd * slot_inv = 1 (mod 2^64) */
	size_t slot_shift;
	uint64_t slot_inv;
	uint8_t *slots;
	/* insertion order, for eviction; may hold keys deleted since */
	uint8_t *fifo;
	size_t fifo_head, fifo_len;
	uint64_t evicted;
};

/* A key's last eight bytes or fewer: one multiply. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/*
 * Sixteen bytes for one multiply, the two halves of its 128-bit product
 * folded: half the multiplies of a word at a time, for the 40 bytes of
 * the correlator's connection keys.
 */
static uint64_t mix2(uint64_t h, uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)(a ^ 0xa0761d6478bd642fULL) * (b ^ h);

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hash(const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h = 0x243f6a8885a308d3ULL, w, w2;
	size_t off;

	for (off = 0; off + 16 <= n; off += 16) {
		memcpy(&w, p + off, 8);
		memcpy(&w2, p + off + 8, 8);
		h = mix2(h, w, w2);
	}
	if (off + 8 <= n) {
		memcpy(&w, p + off, 8);
		h = mix(h, w);
		off += 8;
	}
	/* a short last word, zero-padded: a fixed-size copy above inlines */
	if (off < n) {
		w = 0;
		memcpy(&w, p + off, n - off);
		h = mix(h, w);
	}
	return h;
}

static bool key_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t off = 0; off + 8 <= n; off += 8) {
		uint64_t x, y;

		memcpy(&x, a + off, 8);
		memcpy(&y, b + off, 8);
		if (x != y)
			return false;
	}
	/* keys are mostly whole words: no memcmp call for nothing */
	return !(n & 7) ||
	       !memcmp(a + (n & ~(size_t)7), b + (n & ~(size_t)7), n & 7);
}

/*
 * A copy of 8 to 16 bytes as two words that may overlap, inline: cheaper
 * than libc's call for the thread map's keys and most values. Longer
 * ones go to memcpy.
 */
static inline void copy_small(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else {
		memcpy(dst, src, n);
	}
}

static uint8_t *slot(const struct fixmap *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

struct fixmap *fixmap__new(size_t max_entries, size_t key_size, size_t val_size)
{
	struct fixmap *m = calloc(1, sizeof(*m));
	size_t n = 2;
	uint64_t odd;

	if (!m || !max_entries || !key_size)
		goto fail;
	/* at most half full: probes stay short */
	while (n < 2 * max_entries)
		n *= 2;
	m->max = max_entries;
	m->key_size = key_size;
	m->hash_size = key_size;
	m->val_size = val_size;
	m->val_off = 8 + ((key_size + 7) & ~(size_t)7);
	m->slot_size = m->val_off + ((val_size + 7) & ~(size_t)7);
	m->mask = n - 1;
	/*
	 * A value's slot from its address without a division: the offset is
	 * an exact multiple of the slot size, so shifting out its factors
	 * of two and multiplying by the inverse of the odd rest divides.
	 * An odd d is its own inverse mod 8; each Newton step doubles the
	 * bits that are right.
	 */
	m->slot_shift = __builtin_ctzl(m->slot_size);
	odd = m->slot_size >> m->slot_shift;
	m->slot_inv = odd;
	for (int k = 0; k < 5; k++)
		m->slot_inv *= 2 - odd * m->slot_inv;
	/* calloc's alignment and 8-byte strides keep values aligned */
	m->slots = calloc(n, m->slot_size);
	m->fifo = calloc(max_entries, key_size);
	if (!m->slots || !m->fifo)
		goto fail;
	return m;
fail:
	fixmap__free(m);
	errno = ENOMEM;
	return NULL;
}

void fixmap__hash_prefix(struct fixmap *m, size_t n)
{
	if (m && n && n <= m->key_size && !m->count)
		m->hash_size = n;
}

uint64_t fixmap__hash(const struct fixmap *m, const void *key)
{
	return hash(key, m->hash_size);
}

/* The slot holding key (of hash h), or the empty slot where it would go. */
static inline size_t find_h(const struct fixmap *m, const void *key, uint64_t h)
{
	size_t i = h & m->mask;

	while (slot(m, i)[0] && !key_eq(slot(m, i) + 8, key, m->key_size))
		i = (i + 1) & m->mask;
	return i;
}

static size_t find(const struct fixmap *m, const void *key)
{
	return find_h(m, key, hash(key, m->hash_size));
}

/*
 * Each public form of get and put inlines these: a public call calling
 * another paid a second prologue, and the hash loop compiled worse.
 */
static inline void *get_h(const struct fixmap *m, const void *key, uint64_t h)
{
	size_t i = find_h(m, key, h);

	return slot(m, i)[0] ? slot(m, i) + m->val_off : NULL;
}

void *fixmap__get_h(const struct fixmap *m, const void *key, uint64_t h)
{
	return m->count ? get_h(m, key, h) : NULL;
}

void *fixmap__get(const struct fixmap *m, const void *key)
{
	/* an empty map: no hash (the correlator's thread map often is) */
	if (!m->count)
		return NULL;
	return get_h(m, key, hash(key, m->hash_size));
}

static void del_at(struct fixmap *m, size_t i)
{
	size_t j = i;

	slot(m, i)[0] = 0;
	m->count--;
	/* shift back entries whose probe run went through i */
	for (;;) {
		size_t home;

		j = (j + 1) & m->mask;
		if (!slot(m, j)[0])
			return;
		home = hash(slot(m, j) + 8, m->hash_size) & m->mask;
		/* j stays if its home lies cyclically in (i, j] */
		if ((i <= j) ? (i < home && home <= j)
			     : (i < home || home <= j))
			continue;
		memcpy(slot(m, i), slot(m, j), m->slot_size);
		slot(m, j)[0] = 0;
		i = j;
	}
}

void fixmap__del_value(struct fixmap *m, void *val)
{
	size_t off = (uint8_t *)val - m->val_off - m->slots;
	size_t i = (off >> m->slot_shift) * m->slot_inv;

	if (i <= m->mask && slot(m, i)[0])
		del_at(m, i);
}

void fixmap__del(struct fixmap *m, const void *key)
{
	size_t i = find(m, key);

	if (slot(m, i)[0])
		del_at(m, i);
}

/* A division per put was the costliest instruction in it. */
static void fifo_pop(struct fixmap *m)
{
	if (++m->fifo_head == m->max)
		m->fifo_head = 0;
	m->fifo_len--;
}

/* Drop the oldest key that is still in the map. */
static void evict_oldest(struct fixmap *m)
{
	while (m->fifo_len) {
		uint8_t *k = m->fifo + m->fifo_head * m->key_size;
		size_t i = find(m, k);

		fifo_pop(m);
		if (!slot(m, i)[0])
			continue;
		del_at(m, i);
		m->evicted++;
		return;
	}
}

static inline void *put_h(struct fixmap *m, const void *key, uint64_t h,
			  bool *ret_added)
{
	size_t i = find_h(m, key, h), tail;
	uint8_t *s = slot(m, i);

	if (ret_added)
		*ret_added = !s[0];
	if (s[0])
		return s + m->val_off;
	if (ret_added)
		*ret_added = true;
	if (m->count == m->max) {
		evict_oldest(m);
		/* a live key the queue forgot cannot be evicted: refuse */
		if (m->count == m->max)
			return NULL;
		/* the deletion may have moved entries: look again */
		i = find_h(m, key, h);
		s = slot(m, i);
	} else if (m->fifo_len == m->max) {
		/*
		 * The queue is full of deleted keys: forget one. The table
		 * is as it was, and slot i still the place for key (a map
		 * whose keys come and go, as the correlator's, is here on
		 * nearly every put).
		 */
		fifo_pop(m);
	}
	s[0] = 1;
	copy_small(s + 8, key, m->key_size);
	/* the value's room is whole words: 16 bytes or fewer, two stores */
	if (m->slot_size - m->val_off <= 16 && m->val_size) {
		memset(s + m->val_off, 0, 8);
		memset(s + m->slot_size - 8, 0, 8);
	} else {
		memset(s + m->val_off, 0, m->val_size);
	}
	m->count++;
	tail = m->fifo_head + m->fifo_len;
	if (tail >= m->max)
		tail -= m->max;
	copy_small(m->fifo + tail * m->key_size, key, m->key_size);
	m->fifo_len++;
	return s + m->val_off;
}

void *fixmap__put_h(struct fixmap *m, const void *key, uint64_t h,
		    bool *ret_added)
{
	return put_h(m, key, h, ret_added);
}

void *fixmap__put(struct fixmap *m, const void *key, bool *ret_added)
{
	return put_h(m, key, hash(key, m->hash_size), ret_added);
}

size_t fixmap__count(const struct fixmap *m)
{
	return m->count;
}

uint64_t fixmap__evicted(const struct fixmap *m)
{
	return m->evicted;
}

void fixmap__free(struct fixmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->fifo);
	free(m);
}
