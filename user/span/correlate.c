// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "span/correlate.h"
#include "span/span_sink.h"
#include "util/fixmap.h"

/* A chain of parents longer than this is a loop or nonsense: stop there */
#define RESOLVE_MAX_DEPTH 64

/*
 * Finished spans kept back at once, waiting for a client end on this node:
 * a few in practice (the client's event is late by a scheduling delay), so
 * a full list only means the rare extra one goes out unlinked, as before.
 */
#define HOLD_MAX 64

struct node {
	uint8_t span_id[8]; /* all zero: a free slot */
	uint8_t parent_id[8];
	uint8_t trace_id[16]; /* its own: a traceparent's, or a root's */
	/*
	 * trace_id is set. A root's is drawn when a span first takes it:
	 * most server ends hang from a client end's trace and never need
	 * one.
	 */
	uint8_t trace_known;
	uint8_t flags;
	uint8_t source;	 /* enum parent_source */
	uint8_t waiting; /* a server end waiting for its client end */
	/* and that end's connection is on this node: it will show */
	uint8_t expected;
	uint8_t open; /* started, not finished (or held): never evicted */
	/*
	 * A client end whose entry in pairs may still wait for its server
	 * end: when clear, client_done has no entry of its own to drop.
	 */
	uint8_t in_pairs;
	/*
	 * Times for the connection rule's bounds (see correlate.h), wall ns:
	 * the span's start, the earliest start and the latest end of a
	 * server end linked to it (the end if it finished first), and its
	 * end once finished; 0 while not known.
	 */
	uint64_t start_ns, child_start_ns, child_end_ns, end_ns;
};

/*
 * Nodes live in a ring, taken in turn, so the oldest is reused first. A
 * span id carries its node's slot in its last four bytes (the first four
 * are random), so finding a node is one read, no hash and no probing: the
 * agent does it several times per span. A node in flight is passed over:
 * its own span and its late children still need it.
 */
#define NODE_SCAN_MAX 64

struct thread_key {
	uint32_t pid, tid;
};

struct thread_val {
	uint32_t open;	    /* server requests read, not yet answered */
	uint8_t span_id[8]; /* the one open request; zero when unknown */
};

/* Both ends of one TCP connection name it the same way: client, server. */
struct pair_key {
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t family;
	uint64_t index;
};

struct pair_val {
	uint8_t span_id[8];
	uint8_t server_waiting; /* the server end came first */
};

struct correlate {
	struct correlate_head head; /* first: see correlate__nheld */
	struct node *nodes;
	struct fixmap *clients; /* client connections open on this node */
	/*
	 * Server ends of first requests whose client connection was not
	 * known when they began, by connection (index 0): see link_server.
	 */
	struct fixmap *strays;
	struct span *held;	/* HOLD_MAX, taken on first use */
	uint32_t nnodes; /* a power of two */
	uint32_t next;	 /* sequence number of the next node taken */
	struct fixmap *threads;
	struct fixmap *pairs;
	struct correlate_stats st;
};

/* with their lengths: strlen on them was a call for every linked span */
#define SOURCE_NAME(str)             \
	{                            \
		str, sizeof(str) - 1 \
	}

static const struct {
	const char *s;
	size_t len;
} source_names[] = {
	[PARENT_TRACEPARENT] = SOURCE_NAME("traceparent"),
	[PARENT_THREAD] = SOURCE_NAME("thread"),
	[PARENT_CONNECTION] = SOURCE_NAME("connection"),
};

struct correlate *correlate__new(size_t max_spans)
{
	struct correlate *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->nnodes = 64;
	while (k->nnodes < max_spans && k->nnodes < (1u << 30))
		k->nnodes *= 2;
	k->nodes = calloc(k->nnodes, sizeof(*k->nodes));
	k->threads = fixmap__new(max_spans / 4 + 16, sizeof(struct thread_key),
				 sizeof(struct thread_val));
	k->pairs = fixmap__new(max_spans / 2 + 16, sizeof(struct pair_key),
			       sizeof(struct pair_val));
	k->clients = fixmap__new(max_spans / 2 + 16, sizeof(struct pair_key), 1);
	k->strays = fixmap__new(max_spans / 4 + 16, sizeof(struct pair_key),
				sizeof(((struct pair_val *)0)->span_id));
	/*
	 * A connection's requests one after another: their entries share a
	 * probe run (a connection has few waiting at once, as answered
	 * client ends leave), and it stays in cache. Clients' keys, whose
	 * index is 0, hash alike: a request's pair hash serves both maps.
	 */
	fixmap__hash_prefix(k->pairs, offsetof(struct pair_key, index));
	fixmap__hash_prefix(k->clients, offsetof(struct pair_key, index));
	fixmap__hash_prefix(k->strays, offsetof(struct pair_key, index));
	if (!k->nodes || !k->threads || !k->pairs || !k->clients ||
	    !k->strays) {
		correlate__free(k);
		errno = ENOMEM;
		return NULL;
	}
	return k;
}

void correlate__free(struct correlate *k)
{
	if (!k)
		return;
	free(k->nodes);
	fixmap__free(k->threads);
	fixmap__free(k->pairs);
	fixmap__free(k->clients);
	fixmap__free(k->strays);
	free(k->held);
	free(k);
}

static struct node *node_get(const struct correlate *k, const uint8_t id[8])
{
	uint32_t slot;
	struct node *n;

	memcpy(&slot, id + 4, 4);
	n = &k->nodes[slot & (k->nnodes - 1)];
	return memcmp(n->span_id, id, 8) ? NULL : n;
}

/* A free or finished node for a new span id, or NULL when all those near
 * are in flight. */
static struct node *node_take(struct correlate *k, uint8_t ret_id[8])
{
	static const uint8_t zero[8];

	for (int i = 0; i < NODE_SCAN_MAX; i++) {
		uint32_t seq = k->next++;
		struct node *n = &k->nodes[seq & (k->nnodes - 1)];

		if (n->open)
			continue;
		if (memcmp(n->span_id, zero, 8))
			k->st.recycled++;
		memset(n, 0, sizeof(*n));
		span__random_id(ret_id, 4);
		/* the whole sequence number, not just the slot: ids of
		 * successive laps differ even if the random half repeats */
		memcpy(ret_id + 4, &seq, 4);
		memcpy(n->span_id, ret_id, 8);
		return n;
	}
	span__random_id(ret_id, 8);
	return NULL;
}

static void pair_key_of(const struct correlate_req *r, struct pair_key *pk)
{
	memset(pk, 0, sizeof(*pk));
	pk->family = r->family;
	pk->index = r->index;
	if (r->server) {
		memcpy(pk->caddr, r->raddr, 16);
		memcpy(pk->saddr, r->laddr, 16);
		pk->cport = r->rport;
		pk->sport = r->lport;
	} else {
		memcpy(pk->caddr, r->laddr, 16);
		memcpy(pk->saddr, r->raddr, 16);
		pk->cport = r->lport;
		pk->sport = r->rport;
	}
}

static void link_to(struct node *n, const uint8_t parent[8], uint8_t source)
{
	memcpy(n->parent_id, parent, 8);
	n->source = source;
}

/* Server end srv hangs from client end cli (either may be NULL: gone). */
static void link_connection(struct correlate *k, struct node *srv,
			    const uint8_t cli_id[8], struct node *cli)
{
	link_to(srv, cli_id, PARENT_CONNECTION);
	k->st.connection++;
	if (cli && srv->start_ns &&
	    (!cli->child_start_ns || srv->start_ns < cli->child_start_ns))
		cli->child_start_ns = srv->start_ns;
}

/*
 * Server end n (its pair key pk, hashed h) waits for a client end due on
 * this node: the client's request start will find it in pairs, and n's
 * span is held till then.
 */
static void expect_client(struct correlate *k, struct node *n,
			  const struct pair_key *pk, uint64_t h)
{
	struct pair_val *pv = fixmap__put_h(k->pairs, pk, h, NULL);

	n->expected = 1;
	if (!pv)
		return;
	memcpy(pv->span_id, n->span_id, 8);
	pv->server_waiting = 1;
}

/*
 * Rule 3, server end: the client request at the other end, if seen. If not,
 * wait for it only when its connection is on this node: a remote client's
 * end never comes, and waiting would only fill the table.
 *
 * A client connection may be announced after its server end's first
 * request began: where the kernel learns connections from their first
 * bytes, the client's are reported when its write returns, and the server
 * may have read them by then. Only a first request can see this (the
 * client's later writes come after its first one was reported), so such a
 * server end is noted by connection, and correlate__client_open makes it
 * wait after all. A remote client's entry stays till pushed out: one per
 * connection, in a table of its own.
 */
static void link_server(struct correlate *k, const struct correlate_req *r,
			const uint8_t span_id[8], struct node *n)
{
	struct pair_key pk;
	struct pair_val *pv;
	uint64_t index, h;

	pair_key_of(r, &pk);
	pv = fixmap__get(k->pairs, &pk);
	if (pv && !pv->server_waiting) {
		struct node *cli = node_get(k, pv->span_id);

		link_connection(k, n, pv->span_id, cli);
		fixmap__del_value(k->pairs, pv);
		if (cli)
			cli->in_pairs = 0;
		return;
	}
	n->waiting = 1;
	/*
	 * No client end yet: one hash for the two lookups left. The get
	 * above, the usual case's only one, hashes inline: a hash call
	 * before it cost more than it saved.
	 */
	h = fixmap__hash(k->pairs, &pk);
	index = pk.index;
	pk.index = 0;
	if (!fixmap__get_h(k->clients, &pk, h)) {
		uint8_t *stray = index ? NULL :
					 fixmap__put_h(k->strays, &pk, h, NULL);

		if (stray)
			memcpy(stray, span_id, 8);
		return;
	}
	pk.index = index;
	expect_client(k, n, &pk, h);
}

/* Rule 3, client end: link a server end that came first, or wait for it. */
static void link_client_end(struct correlate *k, const struct correlate_req *r,
			    const uint8_t span_id[8], struct node *n)
{
	struct pair_key pk;
	struct pair_val *pv;
	struct node *srv;
	bool added;

	pair_key_of(r, &pk);
	pv = fixmap__put(k->pairs, &pk, &added);
	if (!pv)
		return;
	if (!added && pv->server_waiting) {
		srv = node_get(k, pv->span_id);
		if (srv && srv->source == PARENT_NONE) {
			srv->waiting = 0;
			link_connection(k, srv, span_id, n);
			k->st.connection_late++;
		}
		fixmap__del_value(k->pairs, pv);
		return;
	}
	memcpy(pv->span_id, span_id, 8);
	pv->server_waiting = 0;
	n->in_pairs = 1;
}

void correlate__client_done(struct correlate *k, const struct correlate_req *r,
			    const uint8_t span_id[8])
{
	struct node *n = k ? node_get(k, span_id) : NULL;
	struct pair_key pk;
	struct pair_val *pv;

	/*
	 * Its server end on this node took the entry (the usual end of a
	 * request seen at both ends): nothing to look up. A node gone says
	 * nothing: look.
	 */
	if (!k || (n && !n->in_pairs))
		return;
	pair_key_of(r, &pk);
	pv = fixmap__get(k->pairs, &pk);
	if (pv && !pv->server_waiting && !memcmp(pv->span_id, span_id, 8))
		fixmap__del_value(k->pairs, pv);
}

static void client_key(const struct correlate_conn *cc, struct pair_key *pk)
{
	struct correlate_req r = {
		.family = cc->family,
		.laddr = cc->laddr,
		.raddr = cc->raddr,
		.lport = cc->lport,
		.rport = cc->rport,
	};

	pair_key_of(&r, pk);
}

void correlate__client_open(struct correlate *k,
			    const struct correlate_conn *cc)
{
	struct pair_key pk;
	struct node *n;
	uint8_t *stray;
	uint64_t h;

	client_key(cc, &pk);
	h = fixmap__hash(k->clients, &pk);
	fixmap__put_h(k->clients, &pk, h, NULL);
	stray = fixmap__get_h(k->strays, &pk, h);
	if (!stray)
		return;
	/* its server end began first: still open, it waits (link_server) */
	n = node_get(k, stray);
	fixmap__del_value(k->strays, stray);
	if (n && n->open && n->waiting && !n->expected)
		expect_client(k, n, &pk, h);
}

void correlate__client_close(struct correlate *k,
			     const struct correlate_conn *cc)
{
	struct pair_key pk;

	client_key(cc, &pk);
	fixmap__del(k->clients, &pk);
}

/* Rule 2: the server request open on this thread, if exactly one. */
static void link_thread(struct correlate *k, const struct correlate_req *r,
			struct node *n)
{
	struct thread_key tk = {.pid = r->pid, .tid = r->tid};
	struct thread_val *tv = fixmap__get(k->threads, &tk);
	static const uint8_t zero[8];

	if (!tv || !tv->open)
		return;
	if (tv->open > 1 || !memcmp(tv->span_id, zero, 8)) {
		k->st.thread_ambiguous++;
		return;
	}
	link_to(n, tv->span_id, PARENT_THREAD);
	k->st.thread++;
}

void correlate__start(struct correlate *k, const struct correlate_req *r,
		      uint8_t ret_span_id[8])
{
	struct node *n = node_take(k, ret_span_id);

	if (!n) {
		k->st.unremembered++;
		return; /* finish makes it a root */
	}
	n->open = 1;
	n->start_ns = r->start_ns;

	if (r->tp) {
		memcpy(n->trace_id, r->tp->trace_id, 16);
		n->trace_known = 1;
		link_to(n, r->tp->parent_id, PARENT_TRACEPARENT);
		/* sampled and random-trace-id are the flags defined */
		n->flags = r->tp->flags & 0x03;
		k->st.traceparent++;
	} else {
		n->flags = 0x01; /* sampled: spantap keeps every span */
	}

	if (r->server) {
		struct thread_key tk = {.pid = r->pid, .tid = r->tid};
		struct thread_val *tv = fixmap__put(k->threads, &tk, NULL);

		if (tv) {
			if (!tv->open++)
				memcpy(tv->span_id, ret_span_id, 8);
			else
				memset(tv->span_id, 0, 8);
		}
		if (!r->tp && !r->midstream)
			link_server(k, r, ret_span_id, n);
	} else {
		if (!r->tp && r->no_thread_rule)
			k->st.thread_not_used++;
		else if (!r->tp)
			link_thread(k, r, n);
		if (!r->midstream)
			link_client_end(k, r, ret_span_id, n);
	}
}

void correlate__server_done(struct correlate *k, uint32_t pid, uint32_t tid,
			    const uint8_t span_id[8])
{
	struct thread_key tk = {.pid = pid, .tid = tid};
	struct thread_val *tv;

	if (!k)
		return;
	tv = fixmap__get(k->threads, &tk);
	if (!tv)
		return;
	if (tv->open <= 1) {
		fixmap__del_value(k->threads, tv);
		return;
	}
	tv->open--;
	/* which one is left is not known: no link until the thread is idle */
	memset(tv->span_id, 0, 8);
}

/*
 * The node whose trace n's span takes: the nearest ancestor that has a
 * trace of its own, or the last one known (*ret_cut then true).
 */
static struct node *chain_top(struct correlate *k, struct node *n,
			      bool *ret_cut)
{
	struct node *top = n;

	*ret_cut = false;
	for (int depth = 0;
	     top->source == PARENT_THREAD || top->source == PARENT_CONNECTION;
	     depth++) {
		struct node *p = node_get(k, top->parent_id);

		if (!p || depth == RESOLVE_MAX_DEPTH) {
			*ret_cut = true;
			break;
		}
		top = p;
	}
	return top;
}

/*
 * The connection rule's bounds on s's times (see correlate.h): a client
 * end started no later than a server end linked to it, and a server end's
 * last byte left no later than its client end had it.
 */
static void bound_times(struct correlate *k, struct node *n, struct span *s)
{
	struct node *cli;

	if (n->child_start_ns && n->child_start_ns < s->start_ns) {
		s->start_ns = n->child_start_ns;
		k->st.bounded++;
	}
	/* a server end that finished first, its last write after our read */
	if (n->child_end_ns > s->end_ns) {
		s->end_ns = n->child_end_ns;
		k->st.bounded++;
	}
	if (n->source == PARENT_CONNECTION) {
		cli = node_get(k, n->parent_id);
		if (cli && cli->end_ns && cli->end_ns < s->end_ns) {
			s->end_ns = cli->end_ns > s->start_ns ? cli->end_ns :
								s->start_ns;
			k->st.bounded++;
		} else if (cli && !cli->end_ns && s->end_ns > cli->child_end_ns) {
			cli->child_end_ns = s->end_ns;
		}
	}
	n->end_ns = s->end_ns;
}

/* Give s its trace, parent and parent source, as n knows them now. */
static void resolve(struct correlate *k, struct node *n, struct span *s)
{
	bool cut;
	struct node *top = chain_top(k, n, &cut);

	/* counted here only: a held span's chain is walked again each tick */
	if (cut)
		k->st.unresolved++;
	bound_times(k, n, s);
	n->open = 0;
	if (!top->trace_known) {
		span__random_id(top->trace_id, sizeof(top->trace_id));
		top->trace_known = 1;
	}
	memcpy(s->trace_id, top->trace_id, sizeof(s->trace_id));
	s->trace_flags = top->flags;
	if (n->waiting)
		k->st.connection_unseen++;
	if (n->source == PARENT_NONE)
		return;
	memcpy(s->parent_span_id, n->parent_id, 8);
	s->parent_remote = n->source == PARENT_TRACEPARENT;
	span__add_str(s, SC_SPANTAP_PARENT_SOURCE, source_names[n->source].s,
		      source_names[n->source].len);
}

/* n's trace hangs from a server end whose client end on this node is due */
static bool blocked(struct correlate *k, struct node *n)
{
	bool cut;
	const struct node *top = chain_top(k, n, &cut);

	return top->waiting && top->expected;
}

bool correlate__finish(struct correlate *k, const uint8_t span_id[8],
		       struct span *s)
{
	struct node *n = k ? node_get(k, span_id) : NULL;

	memcpy(s->span_id, span_id, 8);
	memset(s->parent_span_id, 0, sizeof(s->parent_span_id));
	s->parent_remote = 0;
	if (!n) {
		span__random_id(s->trace_id, sizeof(s->trace_id));
		s->trace_flags = 0x01;
		return false;
	}
	if (blocked(k, n)) {
		if (!k->held)
			k->held = calloc(HOLD_MAX, sizeof(*k->held));
		if (k->held && k->head.nheld < HOLD_MAX) {
			/* open: its node stays while it waits */
			k->held[k->head.nheld++] = *s;
			k->st.held++;
			return true;
		}
		k->st.hold_full++;
	}
	resolve(k, n, s);
	return false;
}

void correlate__emit_held(struct correlate *k, uint64_t now_wall_ns,
			  const struct span_sink *sink)
{
	uint32_t i = 0, keep = 0;

	if (!k)
		return;
	for (; i < k->head.nheld; i++) {
		struct span *s = &k->held[i];
		struct node *n = node_get(k, s->span_id);
		bool due = now_wall_ns >= s->end_ns &&
			   now_wall_ns - s->end_ns >= CORRELATE_HOLD_NS;

		if (n && !due && blocked(k, n)) {
			if (keep != i)
				k->held[keep] = *s;
			keep++;
			continue;
		}
		if (n)
			resolve(k, n, s);
		sink->emit(s, sink->arg);
	}
	k->head.nheld = keep;
}

void correlate__release(struct correlate *k, const uint8_t span_id[8])
{
	struct node *n = k ? node_get(k, span_id) : NULL;

	if (n)
		n->open = 0;
}

const struct correlate_stats *correlate__stats(struct correlate *k)
{
	/* summed when asked for, not on every start */
	k->st.evicted = fixmap__evicted(k->threads) + fixmap__evicted(k->pairs);
	return &k->st;
}
