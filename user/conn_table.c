// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_table.h"
#include "util/ipv4.h"

struct conn_table {
	struct conn **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t max;
	uint32_t stream_bytes;
	/*
	 * head: least recently used; tail: most. The order is kept by
	 * generation, one per expiry pass: a conn goes to the tail once a
	 * generation, not on every event, as moving it touches its two
	 * neighbours' (cold) lines, and expiry and eviction need no finer
	 * order.
	 */
	struct conn *lru_head, *lru_tail;
	uint32_t gen;
	conn_release_fn release;
	void *arg;
};

static size_t bucket_of(const struct conn_table *t, uint64_t id)
{
	/* ids are a CPU number over a sequence: mix the bits */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id & (t->nbuckets - 1);
}

static void lru_unlink(struct conn_table *t, struct conn *c)
{
	if (c->lru_prev)
		c->lru_prev->lru_next = c->lru_next;
	else
		t->lru_head = c->lru_next;
	if (c->lru_next)
		c->lru_next->lru_prev = c->lru_prev;
	else
		t->lru_tail = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
}

static void lru_append(struct conn_table *t, struct conn *c)
{
	c->lru_prev = t->lru_tail;
	c->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = c;
	else
		t->lru_head = c;
	t->lru_tail = c;
}

struct conn_table *conn_table__new(size_t max_conns, uint32_t stream_bytes,
				   conn_release_fn release, void *arg)
{
	struct conn_table *t;

	if (!max_conns) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nbuckets = 64;
	while (t->nbuckets < max_conns)
		t->nbuckets <<= 1;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->max = max_conns;
	t->stream_bytes = stream_bytes;
	t->release = release;
	t->arg = arg;
	return t;
}

struct conn *conn_table__get(struct conn_table *t, uint64_t id)
{
	struct conn *c;

	for (c = t->buckets[bucket_of(t, id)]; c; c = c->hnext) {
		if (c->id != id)
			continue;
		if (c->lru_gen != t->gen) {
			c->lru_gen = t->gen;
			lru_unlink(t, c);
			lru_append(t, c);
		}
		return c;
	}
	return NULL;
}

struct conn *conn_table__add(struct conn_table *t, uint64_t id)
{
	struct conn *c = conn_table__get(t, id);
	size_t b;

	if (c)
		return c;
	if (t->count >= t->max)
		conn_table__remove(t, t->lru_head, CONN_RELEASE_EVICTED);
	/* zeroed but for the streams, which stream__init sets up */
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, streams));
	c->proto_state = NULL;
	c->hnext = c->lru_prev = c->lru_next = NULL;
	if (stream__init(&c->streams[0], t->stream_bytes) ||
	    stream__init(&c->streams[1], t->stream_bytes)) {
		stream__free(&c->streams[0]);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->id = id;
	c->lru_gen = t->gen;
	c->req_dir = -1;
	b = bucket_of(t, id);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	lru_append(t, c);
	t->count++;
	return c;
}

void conn_table__remove(struct conn_table *t, struct conn *c,
			enum conn_release_reason why)
{
	struct conn **pp;

	if (!c)
		return;
	for (pp = &t->buckets[bucket_of(t, c->id)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	lru_unlink(t, c);
	t->count--;
	if (t->release)
		t->release(c, why, t->arg);
	stream__free(&c->streams[0]);
	stream__free(&c->streams[1]);
	free(c);
}

size_t conn_table__expire(struct conn_table *t, uint64_t now, uint64_t idle_ns)
{
	size_t n = 0;

	t->gen++;
	while (t->lru_head && t->lru_head->last_seen + idle_ns < now) {
		conn_table__remove(t, t->lru_head, CONN_RELEASE_EXPIRED);
		n++;
	}
	return n;
}

size_t conn_table__count(const struct conn_table *t)
{
	return t->count;
}

void conn_table__clear(struct conn_table *t)
{
	while (t->lru_head)
		conn_table__remove(t, t->lru_head, CONN_RELEASE_SHUTDOWN);
}

void conn_table__free(struct conn_table *t)
{
	if (!t)
		return;
	conn_table__clear(t);
	free(t->buckets);
	free(t);
}

/* addr as text into buf (len >= INET6_ADDRSTRLEN); its length */
static uint8_t addr_format(uint16_t family, const uint8_t *addr, char *buf,
			   size_t len)
{
	static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (family == AF_INET)
		return ipv4__format(addr, buf);
	if (!memcmp(addr, v4mapped, sizeof(v4mapped)))
		return ipv4__format(addr + 12, buf);
	if (!inet_ntop(AF_INET6, addr, buf, len))
		buf[0] = '\0';
	return strlen(buf);
}

void conn__format_addrs(struct conn *c)
{
	_Static_assert(sizeof(c->laddr_str) >= IPV4__STRLEN, "room for IPv4");
	c->laddr_len = addr_format(c->family, c->laddr, c->laddr_str,
				   sizeof(c->laddr_str));
	c->raddr_len = addr_format(c->family, c->raddr, c->raddr_str,
				   sizeof(c->raddr_str));
}
