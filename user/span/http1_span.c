// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "span/correlate.h"
#include "span/http1_span.h"
#include "span/semconv.h"
#include "span/traceparent.h"

/* What a request was given when it started, kept beside it */
struct pending_link {
	uint8_t span_id[8];
	uint64_t index; /* the request's place on its connection */
	bool tracestate_ok; /* a valid traceparent and tracestate came */
};

struct http1_conn {
	struct http1_parser parsers[2]; /* by enum st_dir */
	struct http1_msg *pending;  /* ring of requests awaiting responses */
	struct pending_link *links; /* same ring, same indexes */
	unsigned int head, count, cap;
	uint64_t nreq; /* requests seen on the connection */
	bool upgraded; /* after 101: the rest is another protocol */
	/*
	 * The newest request is still only the request parser's message,
	 * req_msg: it is copied into pending[] only if that parser is to
	 * read on before the request is answered. Most requests are
	 * answered first, and copying each one (a message is 2 KiB of room,
	 * copied string by string) was 2 % of replaying a recording.
	 */
	bool newest_in_parser;
	const struct http1_msg *req_msg;
	struct http1_span_stats *stats;
};

struct http1_conn *http1_conn__new(const struct conn *c,
				   struct http1_span_stats *stats)
{
	struct http1_conn *h;
	int req = c->req_dir;

	if (req != ST_DIR_INGRESS && req != ST_DIR_EGRESS) {
		errno = EINVAL;
		return NULL;
	}
	/* zeroed but for the parsers, which their init zeroes */
	h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	memset(&h->pending, 0, sizeof(*h) - offsetof(struct http1_conn, pending));
	h->stats = stats;
	h->nreq = c->http1_nreq;
	h->req_msg = http1_parser__msg(&h->parsers[req]);
	http1_parser__init(&h->parsers[req], HTTP1_REQUEST, &stats->parse);
	http1_parser__init(&h->parsers[!req], HTTP1_RESPONSE, &stats->parse);
	return h;
}

void http1_conn__free(struct http1_conn *h)
{
	if (!h)
		return;
	free(h->pending);
	free(h->links);
	free(h);
}

/* Queue the request the request parser has just framed (see req_msg). */
static struct pending_link *pending_push(struct http1_conn *h)
{
	struct pending_link *l;

	if (h->count == h->cap) {
		unsigned int ncap = h->cap ? h->cap * 2 : 2;
		struct http1_msg *n;
		struct pending_link *nl;

		if (h->cap >= HTTP1_PIPELINE_MAX)
			return NULL;
		n = calloc(ncap, sizeof(*n));
		nl = calloc(ncap, sizeof(*nl));
		if (!n || !nl) {
			free(n);
			free(nl);
			return NULL;
		}
		for (unsigned int i = 0; i < h->count; i++) {
			http1_msg__copy(&n[i],
					&h->pending[(h->head + i) % h->cap]);
			nl[i] = h->links[(h->head + i) % h->cap];
		}
		free(h->pending);
		free(h->links);
		h->pending = n;
		h->links = nl;
		h->cap = ncap;
		h->head = 0;
	}
	h->newest_in_parser = true;
	l = &h->links[(h->head + h->count) % h->cap];
	memset(l, 0, sizeof(*l));
	h->count++;
	return l;
}

static const struct http1_msg *pending_peek(const struct http1_conn *h)
{
	if (!h->count)
		return NULL;
	/* the oldest is the newest only when it is alone */
	return h->count == 1 && h->newest_in_parser ? h->req_msg
						    : &h->pending[h->head];
}

/*
 * The request parser is to read on: give the newest request, if it is
 * still only the parser's message, its place in pending[].
 */
static void pending_keep(struct http1_conn *h)
{
	if (!h->newest_in_parser)
		return;
	http1_msg__copy(&h->pending[(h->head + h->count - 1) % h->cap],
			h->req_msg);
	h->newest_in_parser = false;
}

static const struct pending_link *pending_link(const struct http1_conn *h)
{
	return &h->links[h->head];
}

static void pending_pop(struct http1_conn *h)
{
	h->head = (h->head + 1) % h->cap;
	if (!--h->count)
		h->newest_in_parser = false;
}

/* A string and its length, known beforehand */
struct str_len {
	const char *s;
	size_t len;
};

/*
 * RFC 9110 methods and PATCH; others are _OTHER per the conventions. By
 * length first: each compare then has a constant length and is inline,
 * where a strcmp loop was a call for every span.
 */
static bool method_known(struct str_len m)
{
	switch (m.len) {
	case 3:
		return !memcmp(m.s, "GET", 3) || !memcmp(m.s, "PUT", 3);
	case 4:
		return !memcmp(m.s, "HEAD", 4) || !memcmp(m.s, "POST", 4);
	case 5:
		return !memcmp(m.s, "TRACE", 5) || !memcmp(m.s, "PATCH", 5);
	case 6:
		return !memcmp(m.s, "DELETE", 6);
	case 7:
		return !memcmp(m.s, "CONNECT", 7) || !memcmp(m.s, "OPTIONS", 7);
	default:
		return false;
	}
}

/* The path of a request target: origin form, absolute form, or "*". */
static bool target_path(const char *t, const char **ret_p, size_t *ret_len)
{
	const char *p = t, *end;

	if (*p != '/' && *p != '*') {
		/* absolute form: scheme "://" authority path */
		const char *sep = strstr(p, "://");

		if (!sep)
			return false; /* authority form (CONNECT) */
		p = sep + 3;
		p += strcspn(p, "/?#");
		if (*p != '/') {
			*ret_p = "/";
			*ret_len = 1;
			return true;
		}
	}
	end = p + strcspn(p, "?#");
	*ret_p = p;
	*ret_len = end - p;
	return true;
}

/* A port: 1 to 65535 in plain digits, all of s; else 0. */
static unsigned int port_of(const char *s)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < 5 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned int)(s[i] - '0');
	return i && !s[i] && v <= 65535 ? v : 0;
}

/* Split a Host header of len bytes into host and port (0 when absent). */
static bool host_split(const char *host, size_t len, const char **ret_h,
		       size_t *ret_hlen, unsigned int *ret_port)
{
	const char *colon = NULL, *h = host;
	size_t hlen;

	if (!*host)
		return false;
	if (*host == '[') {
		const char *close = strchr(host, ']');

		if (!close)
			return false;
		h = host + 1;
		hlen = close - h;
		if (close[1] == ':')
			colon = close + 1;
	} else {
		colon = memrchr(host, ':', len);
		hlen = colon ? (size_t)(colon - host) : len;
	}
	*ret_port = 0;
	if (colon)
		*ret_port = port_of(colon + 1);
	*ret_h = h;
	*ret_hlen = hlen;
	return hlen > 0;
}

/* dst = src[0..n), cut to fit; snprintf("%s") was a measurable share */
static void copy_mem(char *dst, size_t size, const char *src, size_t n)
{
	if (n > size - 1)
		n = size - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void copy_str(char *dst, size_t size, const char *src)
{
	copy_mem(dst, size, src, strlen(src));
}

/* buf = scheme "://" host target, cut to fit; returns its length */
static size_t url_full(char *buf, size_t size, struct str_len scheme,
		       struct str_len host, struct str_len target)
{
	const struct str_len parts[] = {scheme, {"://", 3}, host, target};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t l = parts[i].len;

		if (l > size - 1 - n)
			l = size - 1 - n;
		memcpy(buf + n, parts[i].s, l);
		n += l;
	}
	buf[n] = '\0';
	return n;
}

void http1_span__build(struct span *s, const struct conn *c,
		       const struct http1_msg *req,
		       const struct http1_msg *resp, bool server,
		       const struct span_sink *sink)
{
	/*
	 * Lengths known beforehand are not measured again: strlen was a
	 * call for each of a span's strings.
	 */
	const struct str_len local = {c->laddr_str, c->laddr_len};
	const struct str_len remote = {c->raddr_str, c->raddr_len};
	const struct str_len scheme = c->tls ? (struct str_len){"https", 5}
					     : (struct str_len){"http", 4};
	const struct str_len method = {req->method, req->method_len};
	const struct str_len req_host = {req->host, req->host_len};
	const struct str_len target = {req->target, req->target_len};
	const struct proc_info *pi = NULL;
	char buf[1024];
	const char *path, *host;
	size_t plen, hlen;
	unsigned int hport = 0;
	bool have_host;

	span__reset(s);
	s->kind = server ? SPAN_KIND_SERVER : SPAN_KIND_CLIENT;
	s->pid = c->pid;
	s->tid = req->start_tid;
	s->start_ns = req->start_ts + sink->mono_to_wall;
	s->end_ns = resp->end_ts + sink->mono_to_wall;
	if (s->end_ns < s->start_ns) /* never a negative duration */
		s->end_ns = s->start_ns;
	if (sink->procs)
		pi = proc_cache__get(sink->procs, c->pid, c->comm);
	copy_str(s->service_name, sizeof(s->service_name),
		 pi ? pi->service_name : c->comm);
	have_host = host_split(req_host.s, req_host.len, &host, &hlen, &hport);

	if (method_known(method)) {
		copy_mem(s->name, sizeof(s->name), method.s, method.len);
		span__add_str(s, SC_HTTP_REQUEST_METHOD, method.s, method.len);
	} else {
		copy_str(s->name, sizeof(s->name), "HTTP");
		span__add_str(s, SC_HTTP_REQUEST_METHOD, "_OTHER", 6);
		span__add_str(s, SC_HTTP_REQUEST_METHOD_ORIGINAL, method.s,
			      method.len);
	}
	if (target_path(req->target, &path, &plen))
		span__add_str(s, SC_URL_PATH, path, plen);
	span__add_str(s, SC_URL_SCHEME, scheme.s, scheme.len);
	if (resp->status)
		span__add_int(s, SC_HTTP_RESPONSE_STATUS_CODE, resp->status);
	/* the version both ends spoke: the response's, when there is one */
	span__add_str(s, SC_NETWORK_PROTOCOL_VERSION,
		      (resp->status ? resp->version_minor : req->version_minor)
			      ? "1.1"
			      : "1.0",
		      3);

	/* the Host header names the server; else the socket's server end */
	if (!have_host) {
		host = server ? local.s : remote.s;
		hlen = server ? local.len : remote.len;
	}
	span__add_str(s, SC_SERVER_ADDRESS, host, hlen);
	span__add_int(s, SC_SERVER_PORT,
		      hport    ? hport
		      : server ? c->lport
			       : c->rport);
	if (server) {
		span__add_str(s, SC_CLIENT_ADDRESS, remote.s, remote.len);
	} else {
		/* absolute form: the target is the URL */
		if (req->target[0] == '/')
			span__add_str(s, SC_URL_FULL, buf,
				      url_full(buf, sizeof(buf), scheme,
					       req_host.len ? req_host : remote,
					       target));
		else
			span__add_str(s, SC_URL_FULL, target.s, target.len);
	}
	span__add_str(s, SC_NETWORK_PEER_ADDRESS, remote.s, remote.len);
	span__add_int(s, SC_NETWORK_PEER_PORT, c->rport);
	if (req->user_agent[0])
		span__add_str(s, SC_USER_AGENT_ORIGINAL, req->user_agent,
			      strlen(req->user_agent));
	span__add_int(s, SC_PROCESS_PID, c->pid);
	if (pi)
		span__add_str(s, SC_PROCESS_EXECUTABLE_NAME, pi->exe_name,
			      strlen(pi->exe_name));

	/* 5xx is an error on both sides; 4xx only for the client */
	if (resp->status >= 500 || (!server && resp->status >= 400)) {
		s->status = SPAN_STATUS_ERROR;
		/* status codes are three digits (the parser checks) */
		buf[0] = '0' + resp->status / 100 % 10;
		buf[1] = '0' + resp->status / 10 % 10;
		buf[2] = '0' + resp->status % 10;
		span__add_str(s, SC_ERROR_TYPE, buf, 3);
	} else if (resp->flags & HTTP1_F_TRUNCATED) {
		/* the connection ended before the body it announced */
		s->status = SPAN_STATUS_ERROR;
		span__add_str(s, SC_ERROR_TYPE, "response_incomplete", 19);
	}
}

/* A request whose connection closed before any response came. */
static void build_unanswered(struct span *s, const struct conn *c,
			     const struct http1_msg *req, bool server,
			     uint64_t close_ts, const struct span_sink *sink)
{
	/* status 0: no status code attribute, no status-based error */
	struct http1_msg resp = {.end_ts = close_ts};

	http1_span__build(s, c, req, &resp, server, sink);
	s->status = SPAN_STATUS_ERROR;
	span__add_str(s, SC_ERROR_TYPE, "connection_closed", 17);
}

/*
 * The request's W3C context: true when it carries exactly one valid
 * traceparent (two make both invalid). *ret_ts_ok: its tracestate is valid
 * too, and tp holds it.
 */
static bool request_context(const struct http1_msg *req,
			    struct trace_context *tp, bool *ret_ts_ok)
{
	struct tracestate_part part;

	*ret_ts_ok = false;
	if (req->n_traceparent != 1 ||
	    traceparent__parse(req->traceparent, strlen(req->traceparent), tp))
		return false;
	/* measured only now: most requests carry no context */
	part.p = req->tracestate;
	part.len = strlen(req->tracestate);
	/* a list cut to fit keeps whole entries only */
	if (req->flags & HTTP1_F_TRACESTATE_CUT) {
		const char *comma = memrchr(part.p, ',', part.len);

		part.len = comma ? (size_t)(comma - part.p) : 0;
	}
	*ret_ts_ok = part.len && !tracestate__parse(&part, 1, tp) &&
		     tp->tracestate_len;
	return true;
}

/*
 * A request starts: decide its span id and parent now, while what it hangs
 * from (its thread's server request, its connection's other end) is live.
 */
static struct correlate_req corr_req(const struct conn *c, uint32_t tid,
				     uint64_t index, uint64_t start_ns)
{
	struct correlate_req r = {
		.server = c->req_dir == ST_DIR_INGRESS,
		.midstream = c->role == ST_ROLE_UNKNOWN,
		.pid = c->pid,
		.tid = tid,
		.family = c->family,
		.laddr = c->laddr,
		.raddr = c->raddr,
		.lport = c->lport,
		.rport = c->rport,
		.index = index,
		.start_ns = start_ns,
	};

	return r;
}

static void request_start(struct http1_conn *h, const struct conn *c,
			  const struct http1_msg *req, struct pending_link *l,
			  const struct span_sink *sink)
{
	struct correlate_req r = corr_req(c, req->start_tid, h->nreq,
					  req->start_ts + sink->mono_to_wall);
	struct trace_context tp;

	l->index = h->nreq++;
	if (!r.server && sink->procs) {
		const struct proc_info *pi =
			proc_cache__get(sink->procs, c->pid, c->comm);

		r.no_thread_rule = pi->go_runtime;
	}
	if (request_context(req, &tp, &l->tracestate_ok)) {
		r.tp = &tp;
		if (!l->tracestate_ok && req->tracestate[0])
			h->stats->bad_tracestate++;
	} else if (req->n_traceparent) {
		h->stats->bad_traceparent++;
	}
	if (sink->corr)
		correlate__start(sink->corr, &r, l->span_id);
	else
		span__random_id(l->span_id, sizeof(l->span_id));
}

/*
 * The request at the head of the queue is done: a server's thread is free,
 * a client's end no longer waits for a server end.
 */
static void request_done(struct http1_conn *h, const struct conn *c,
			 const struct span_sink *sink)
{
	const struct pending_link *l = pending_link(h);
	uint32_t tid = pending_peek(h)->start_tid;

	if (c->req_dir == ST_DIR_INGRESS) {
		correlate__server_done(sink->corr, c->pid, tid, l->span_id);
	} else {
		struct correlate_req r = corr_req(c, tid, l->index, 0);

		correlate__client_done(sink->corr, &r, l->span_id);
	}
	pending_pop(h);
}

/* Emit the span of the request at the head of the queue. */
static void emit(struct http1_conn *h, const struct span_sink *sink)
{
	const struct pending_link *l = pending_link(h);
	struct trace_context tp;
	bool ts_ok;

	h->stats->spans++;
	/* held back for a late client end: correlate__emit_held sends it */
	if (correlate__finish(sink->corr, l->span_id, sink->scratch))
		return;
	if (l->tracestate_ok && sink->scratch->parent_remote &&
	    request_context(pending_peek(h), &tp, &ts_ok) && ts_ok)
		span__set_trace_state(sink->scratch, tp.tracestate,
				      tp.tracestate_len);
	sink->emit(sink->scratch, sink->arg);
}

static void on_response(struct http1_conn *h, const struct conn *c,
			const struct http1_msg *resp,
			const struct span_sink *sink)
{
	const struct http1_msg *req;

	if (resp->status >= 100 && resp->status < 200 && resp->status != 101) {
		h->stats->interim_responses++;
		return;
	}
	req = pending_peek(h);
	if (!req) {
		h->stats->unmatched_responses++;
		return;
	}
	http1_span__build(sink->scratch, c, req, resp, c->req_dir == ST_DIR_INGRESS,
			  sink);
	if (resp->flags & HTTP1_F_UPGRADE)
		h->upgraded = true;
	emit(h, sink);
	request_done(h, c, sink);
}

void http1_conn__process(struct http1_conn *h, struct conn *c, int dir,
			 const struct span_sink *sink)
{
	struct stream *s = &c->streams[dir];
	struct http1_parser *p = &h->parsers[dir];

	for (;;) {
		const struct http1_msg *req = pending_peek(h), *m;
		bool no_body = false;
		uint64_t before = s->head;
		enum parse_result r;

		if (h->upgraded) {
			stream__consume(s, s->end - s->head);
			return;
		}
		/*
		 * method is NUL-terminated in its array: five bytes compared
		 * inline are strcmp() without a call per response parsed
		 */
		if (dir != c->req_dir && req && !memcmp(req->method, "HEAD", 5))
			no_body = true;
		if (http1_parser__idle(p, s))
			return;
		if (dir == c->req_dir)
			pending_keep(h);
		r = http1_parser__next(p, s, no_body, NULL);
		if (r == PARSE_NEED_MORE)
			return;
		if (r == PARSE_INVALID) {
			/* the parser resynchronised; stop if it could not move
			 */
			if (s->head == before)
				return;
			continue;
		}
		m = http1_parser__msg(p);
		if (dir == c->req_dir) {
			struct pending_link *l = pending_push(h);

			if (l)
				request_start(h, c, m, l, sink);
			else
				h->stats->pipeline_overflow++;
		} else {
			on_response(h, c, m, sink);
		}
	}
}

bool http1_conn__shed(struct http1_conn *h, struct conn *c)
{
	if (h->count || h->upgraded ||
	    !http1_parser__idle(&h->parsers[0], &c->streams[0]) ||
	    !http1_parser__idle(&h->parsers[1], &c->streams[1]))
		return false;
	c->http1_nreq = h->nreq;
	http1_conn__free(h);
	stream__free(&c->streams[0]);
	stream__free(&c->streams[1]);
	return true;
}

void http1_conn__finish(struct http1_conn *h, struct conn *c, bool closed,
			uint64_t close_ts, const struct span_sink *sink)
{
	int resp_dir = !c->req_dir;
	bool server = c->req_dir == ST_DIR_INGRESS;

	if (closed && !h->upgraded &&
	    http1_parser__finish(&h->parsers[resp_dir], &c->streams[resp_dir],
				 NULL) == PARSE_OK)
		on_response(h, c, http1_parser__msg(&h->parsers[resp_dir]),
			    sink);
	while (h->count) {
		h->stats->unanswered_requests++;
		if (closed && !h->upgraded) {
			build_unanswered(sink->scratch, c, pending_peek(h), server,
					 close_ts, sink);
			emit(h, sink);
		} else {
			correlate__release(sink->corr,
					   pending_link(h)->span_id);
		}
		request_done(h, c, sink);
	}
}
