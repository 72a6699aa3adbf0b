/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Connections by conn id: bounded, least recently used first out, idle ones
 * expired. The table owns struct conn memory; what a protocol keeps per
 * connection hangs off it and is released through the release callback,
 * which runs before any conn is freed (close, eviction, expiry, teardown) so
 * pending messages can still be finished.
 */
#ifndef __SPANTAP_CONN_TABLE_H
#define __SPANTAP_CONN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "spantap/event.h"
#include "stream.h"

struct conn {
	uint64_t id;
	uint32_t pid;
	uint16_t role; /* enum st_role, as the kernel saw it */
	uint16_t family;
	uint16_t lport;
	uint16_t rport;
	uint8_t proto; /* enum proto_kind */
	int8_t req_dir; /* enum st_dir carrying requests, -1 unknown */
	uint8_t detect_tries; /* segments looked at to detect the protocol */
	/*
	 * The streams carry a TLS library's plaintext; socket bytes, the
	 * ciphertext, are ignored.
	 */
	bool tls;
	uint8_t laddr[16];
	uint8_t raddr[16];
	char comm[ST_COMM_LEN];
	/* the addresses as text, made once for all the conn's spans */
	char laddr_str[46]; /* INET6_ADDRSTRLEN */
	char raddr_str[46];
	uint8_t laddr_len, raddr_len; /* their strlen, for every span */
	/*
	 * HTTP/1 requests seen before its parsers were let go at close
	 * (see http1_conn__shed), for those of late bytes to count on
	 */
	uint64_t http1_nreq;
	uint64_t last_seen; /* CLOCK_MONOTONIC ns of the last event */
	uint64_t closed_at; /* when the kernel said it closed; 0: open */
	struct stream streams[2]; /* by enum st_dir */
	void *proto_state; /* owned by the protocol handler */

	/* table internals */
	struct conn *hnext;
	struct conn *lru_prev, *lru_next;
	uint32_t lru_gen; /* the table's generation when last moved */
};

enum conn_release_reason {
	CONN_RELEASE_CLOSED = 0, /* the kernel said it closed */
	CONN_RELEASE_EVICTED = 1, /* table full: oldest made room */
	CONN_RELEASE_EXPIRED = 2, /* idle too long */
	CONN_RELEASE_SHUTDOWN = 3, /* spantap is stopping */
};

typedef void (*conn_release_fn)(struct conn *c,
				enum conn_release_reason why, void *arg);

struct conn_table;

/* NULL with errno set on failure. */
struct conn_table *conn_table__new(size_t max_conns, uint32_t stream_bytes,
				   conn_release_fn release, void *arg);
/*
 * The conn with id, or NULL. Marks it recently used: conns used since the
 * last conn_table__expire come after those used only before it.
 */
struct conn *conn_table__get(struct conn_table *t, uint64_t id);
/*
 * Add a conn for id (evicting the least recently used one when full), or
 * return the existing one. NULL with errno set when memory runs out.
 */
struct conn *conn_table__add(struct conn_table *t, uint64_t id);
/* Release and free c. */
void conn_table__remove(struct conn_table *t, struct conn *c,
			enum conn_release_reason why);
/* Release and free conns idle since before now - idle_ns. Returns how many. */
size_t conn_table__expire(struct conn_table *t, uint64_t now, uint64_t idle_ns);
size_t conn_table__count(const struct conn_table *t);
/* Make laddr_str and raddr_str from family and the addresses. */
void conn__format_addrs(struct conn *c);
/* Release every conn (CONN_RELEASE_SHUTDOWN); the table stays usable. */
void conn_table__clear(struct conn_table *t);
/* Releases every conn (CONN_RELEASE_SHUTDOWN), frees the table; NULL-safe. */
void conn_table__free(struct conn_table *t);

#endif /* __SPANTAP_CONN_TABLE_H */
