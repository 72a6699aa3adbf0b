// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_table.h"
#include "pipeline.h"
#include "proto/http1.h"

/* Segments looked at before a connection is declared not HTTP/1. */
#define DETECT_MAX_TRIES 4

struct pipeline {
	struct conn_table *conns;
	struct correlate *own_corr; /* made here when the sink had none */
	struct span scratch;	    /* the sink's, see span_sink.h */
	struct pipeline_opts opts;
	struct pipeline_stats stats;
	uint64_t last_ts; /* latest event time seen */
	/* ids of closed conns waiting out the grace period, oldest first */
	uint64_t *closing;
	size_t nclosing, capclosing;
};

static void stream_stats_add(struct stream_stats *to,
			     const struct stream_stats *from)
{
	to->gaps += from->gaps;
	to->gap_bytes += from->gap_bytes;
	to->overlaps += from->overlaps;
	to->overflow_bytes += from->overflow_bytes;
}

/* What c's streams counted joins the totals (before they are reset or freed) */
static void conn_streams_account(struct pipeline *p, const struct conn *c)
{
	stream_stats_add(&p->stats.streams, &c->streams[0].stats);
	stream_stats_add(&p->stats.streams, &c->streams[1].stats);
}

/* A client connection on this node opens or goes: the linker must know. */
static void conn_client_note(struct pipeline *p, const struct conn *c,
			     bool open)
{
	struct correlate_conn cc = {
		.family = c->family,
		.laddr = c->laddr,
		.raddr = c->raddr,
		.lport = c->lport,
		.rport = c->rport,
	};

	if (c->role != ST_ROLE_CLIENT)
		return;
	if (open)
		correlate__client_open(p->opts.sink.corr, &cc);
	else
		correlate__client_close(p->opts.sink.corr, &cc);
}

static void conn_release(struct conn *c, enum conn_release_reason why,
			 void *arg)
{
	struct pipeline *p = arg;
	bool closed = why == CONN_RELEASE_CLOSED || c->closed_at;

	conn_client_note(p, c, false);

	if (c->proto == PROTO_HTTP1 && c->proto_state) {
		http1_conn__finish(c->proto_state, c, closed,
				   c->closed_at ? c->closed_at : p->last_ts,
				   &p->opts.sink);
		http1_conn__free(c->proto_state);
		c->proto_state = NULL;
	}
	conn_streams_account(p, c);
	if (closed) {
		p->stats.conns_closed++;
		return;
	}
	if (why == CONN_RELEASE_EVICTED)
		p->stats.conns_evicted++;
	else if (why == CONN_RELEASE_EXPIRED)
		p->stats.conns_expired++;
}

/* A conn the agent first sees: note its process while it is alive. */
static void conn_seen(struct pipeline *p, const struct conn *c)
{
	const struct proc_info *pi;

	if (!p->opts.sink.procs)
		return;
	pi = proc_cache__get(p->opts.sink.procs, c->pid, c->comm);
	/* read from /proc, not made up from the comm of a process gone */
	if (pi && pi->start_ticks && p->opts.pid_known)
		p->opts.pid_known(p->opts.pid_known_ctx, c->pid);
}

struct pipeline *pipeline__new(const struct pipeline_opts *o)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->opts = *o;
	p->opts.sink.scratch = &p->scratch;
	if (!p->opts.sink.corr) {
		p->own_corr = correlate__new(PIPELINE_LINK_SPANS);
		p->opts.sink.corr = p->own_corr;
	}
	p->conns =
		conn_table__new(o->max_conns, o->stream_bytes, conn_release, p);
	if (!p->conns || !p->opts.sink.corr) {
		pipeline__free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

static void conn_fill(struct conn *c, const struct st_conn_event *e)
{
	c->pid = e->pid;
	c->role = e->role;
	c->family = e->family;
	c->lport = e->lport;
	c->rport = e->rport;
	memcpy(c->laddr, e->laddr, sizeof(c->laddr));
	memcpy(c->raddr, e->raddr, sizeof(c->raddr));
	memcpy(c->comm, e->comm, sizeof(c->comm));
	c->comm[sizeof(c->comm) - 1] = '\0';
	conn__format_addrs(c);
	if (e->role == ST_ROLE_SERVER)
		c->req_dir = ST_DIR_INGRESS;
	else if (e->role == ST_ROLE_CLIENT)
		c->req_dir = ST_DIR_EGRESS;
}

static int on_conn_open(struct pipeline *p, const struct st_conn_event *e)
{
	struct conn *c = conn_table__get(p->conns, e->conn_id);

	/* a new open for a known id cannot happen: ids are never reused */
	if (!c) {
		c = conn_table__add(p->conns, e->conn_id);
		if (!c) {
			p->stats.conn_alloc_fail++;
			return -ENOMEM;
		}
		p->stats.conns_opened++;
		if (e->role == ST_ROLE_UNKNOWN)
			p->stats.conns_midstream++;
	}
	conn_fill(c, e);
	c->last_seen = e->hdr.ts_ns;
	conn_seen(p, c);
	conn_client_note(p, c, true);
	return 0;
}

static int on_conn_close(struct pipeline *p, const struct st_conn_event *e)
{
	struct conn *c = conn_table__get(p->conns, e->conn_id);

	if (!c || c->closed_at)
		return 0;
	if (p->nclosing == p->capclosing) {
		size_t ncap = p->capclosing ? p->capclosing * 2 : 64;
		uint64_t *n = reallocarray(p->closing, ncap, sizeof(*n));

		if (!n) {
			/* no room to wait: release now, late bytes are lost */
			conn_table__remove(p->conns, c, CONN_RELEASE_CLOSED);
			return -ENOMEM;
		}
		p->closing = n;
		p->capclosing = ncap;
	}
	c->closed_at = e->hdr.ts_ns ? e->hdr.ts_ns : 1;
	p->closing[p->nclosing++] = c->id;
	/*
	 * Under short connections thousands wait out the grace at once:
	 * with nothing in flight, one keeps only its identity, and its
	 * parsers and buffers go now, while their memory is warm.
	 */
	if (c->proto == PROTO_HTTP1 && c->proto_state &&
	    http1_conn__shed(c->proto_state, c)) {
		c->proto_state = NULL;
		c->proto = PROTO_UNKNOWN;
		c->detect_tries = 0;
	}
	return 0;
}

static void release_closed(struct pipeline *p, uint64_t now)
{
	size_t i = 0, keep;

	if (!p->nclosing)
		return;
	for (; i < p->nclosing; i++) {
		struct conn *c = conn_table__get(p->conns, p->closing[i]);

		if (!c) /* evicted or expired meanwhile */
			continue;
		if (c->closed_at + PIPELINE_CLOSE_GRACE_NS > now)
			break;
		conn_table__remove(p->conns, c, CONN_RELEASE_CLOSED);
	}
	keep = p->nclosing - i;
	memmove(p->closing, p->closing + i, keep * sizeof(*p->closing));
	p->nclosing = keep;
}

/*
 * Decide what a connection speaks from the bytes at the head of dir. Known
 * role (accept/connect): requests must flow the expected way. Unknown role
 * (capture began mid-connection): whichever side shows a request start or a
 * response start tells the direction.
 */
static bool detect(struct pipeline *p, struct conn *c, int dir)
{
	struct byte_view v = stream__view(&c->streams[dir]);
	bool req, resp;

	/* too few bytes to tell, and more may come: wait, keep them */
	if (!v.len || (v.len < 8 && !v.hole_after))
		return false;
	req = http1__looks_like_request(v.data, v.len);
	resp = http1__looks_like_response(v.data, v.len);
	if (req && (c->req_dir < 0 || c->req_dir == dir))
		c->req_dir = dir;
	else if (resp && (c->req_dir < 0 || c->req_dir == !dir))
		c->req_dir = !dir;
	else if (++c->detect_tries < DETECT_MAX_TRIES)
		return true;
	else
		c->proto = PROTO_OTHER;
	if (c->proto == PROTO_OTHER) {
		p->stats.conns_other++;
		if (p->opts.other_proto)
			p->opts.other_proto(p->opts.other_proto_ctx, c->id,
					    c->tls);
		return true;
	}
	c->proto_state = http1_conn__new(c, &p->stats.http1);
	if (!c->proto_state) {
		p->stats.conn_alloc_fail++;
		c->proto = PROTO_OTHER;
		return true;
	}
	c->proto = PROTO_HTTP1;
	return true;
}

/*
 * The first plaintext of a connection: whatever came from its socket before
 * was ciphertext (capture began mid-connection, before the kernel could
 * tell). Start over on the plaintext, in its own stream positions.
 */
static void conn_become_tls(struct pipeline *p, struct conn *c)
{
	if (c->proto == PROTO_HTTP1 && c->proto_state) {
		/* nothing real can be pending: the parser saw ciphertext */
		http1_conn__free(c->proto_state);
		c->proto_state = NULL;
	}
	conn_streams_account(p, c);
	/* all zero: the next push starts the stream at its position */
	stream__reset(&c->streams[0], 0);
	stream__reset(&c->streams[1], 0);
	c->proto = PROTO_UNKNOWN;
	c->detect_tries = 0;
	c->tls = true;
	p->stats.conns_tls++;
}

static int on_data(struct pipeline *p, const struct st_data_event *e)
{
	struct stream *s;
	struct conn *c;
	int dir = e->dir & 1;

	c = conn_table__get(p->conns, e->conn_id);
	if (!c) {
		/* its open record was lost; go on without the 4-tuple */
		c = conn_table__add(p->conns, e->conn_id);
		if (!c) {
			p->stats.conn_alloc_fail++;
			return -ENOMEM;
		}
		c->pid = e->pid;
		conn__format_addrs(c);
		p->stats.conns_opened++;
		p->stats.conns_midstream++;
		conn_seen(p, c);
	}
	c->last_seen = e->hdr.ts_ns;
	p->stats.data_bytes += e->cap_len;
	if (ST_SRC_IS_TLS(e->source) != c->tls) {
		if (c->tls) {
			/* ciphertext sent before the kernel knew: useless */
			p->stats.tls_ciphertext_ignored++;
			return 0;
		}
		conn_become_tls(p, c);
	}
	if (c->proto == PROTO_UNKNOWN &&
	    (e->hdr.flags & ST_DATA_F_OTHER_PROTO)) {
		/* the kernel judged its first bytes and holds back the rest */
		c->proto = PROTO_OTHER;
		p->stats.conns_other++;
	}
	if (c->proto == PROTO_OTHER)
		return 0;
	s = &c->streams[dir];
	if (s->end == 0 && s->head == 0 && s->nsegs == 0)
		stream__reset(s, e->pos);
	stream__push(s, e->pos, e->payload, e->cap_len, e->len, e->hdr.ts_ns,
		     e->tid);
	if (c->proto == PROTO_UNKNOWN) {
		if (!detect(p, c, dir))
			return 0;
		if (c->proto == PROTO_UNKNOWN) {
			/* not a message start: drop this segment, try the next
			 */
			stream__consume(s, s->end - s->head);
			return 0;
		}
		if (c->proto != PROTO_HTTP1)
			return 0;
		/* the other side may have waited for detection */
		http1_conn__process(c->proto_state, c, !dir, &p->opts.sink);
	}
	http1_conn__process(c->proto_state, c, dir, &p->opts.sink);
	return 0;
}

/* Spans held for late client ends whose wait is over go out (wall ns). */
static void emit_held(struct pipeline *p, uint64_t now)
{
	if (correlate__nheld(p->opts.sink.corr))
		correlate__emit_held(p->opts.sink.corr, now, &p->opts.sink);
}

static int event(struct pipeline *p, const void *data, size_t len)
{
	const struct st_event_hdr *h = data;

	p->stats.events++;
	if (len < sizeof(*h) || h->size > len)
		goto bad;
	if (h->ts_ns > p->last_ts)
		p->last_ts = h->ts_ns;
	switch (h->type) {
	case ST_EV_CONN_OPEN:
		if (len < sizeof(struct st_conn_event))
			goto bad;
		return on_conn_open(p, data);
	case ST_EV_CONN_CLOSE:
		if (len < sizeof(struct st_conn_event))
			goto bad;
		return on_conn_close(p, data);
	case ST_EV_DATA: {
		const struct st_data_event *e = data;

		if (len < sizeof(*e) || e->cap_len > len - sizeof(*e) ||
		    e->cap_len > e->len)
			goto bad;
		return on_data(p, e);
	}
	case ST_EV_PROC_EXEC:
	case ST_EV_PROC_MMAP:
	case ST_EV_PROC_EXIT:
		/* for the TLS probes' bookkeeping, not spans */
		if (len < sizeof(struct st_proc_event))
			goto bad;
		return 0;
	}
bad:
	p->stats.bad_events++;
	return -EINVAL;
}

int pipeline__event(struct pipeline *p, const void *data, size_t len)
{
	int err = event(p, data, len);

	emit_held(p, p->last_ts + p->opts.sink.mono_to_wall);
	return err;
}

void pipeline__tick(struct pipeline *p, uint64_t now)
{
	release_closed(p, now);
	conn_table__expire(p->conns, now, p->opts.idle_ns);
	emit_held(p, now + p->opts.sink.mono_to_wall);
}

void pipeline__drain(struct pipeline *p)
{
	conn_table__clear(p->conns);
	p->nclosing = 0;
	emit_held(p, UINT64_MAX);
}

const struct pipeline_stats *pipeline__stats(struct pipeline *p)
{
	p->stats.links = *correlate__stats(p->opts.sink.corr);
	return &p->stats;
}

size_t pipeline__nconns(const struct pipeline *p)
{
	return conn_table__count(p->conns);
}

void pipeline__free(struct pipeline *p)
{
	if (!p)
		return;
	/* releasing the conns finishes their spans: links still needed */
	conn_table__free(p->conns);
	emit_held(p, UINT64_MAX);
	correlate__free(p->own_corr);
	free(p->closing);
	free(p);
}
