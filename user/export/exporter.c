// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "export/exporter.h"
#include "export/otlp_encode.h"
#include "export/otlp_http.h"
#include "export/otlp_resource.h"
#include "export/otlp_response.h"
#include "export/retry.h"
#include "span/semconv.h"
#include "util/clock.h"

#define OWN_PORTS 64
#define MAX_RESOURCES 1024
/* Between two warnings of the same failure; a recovery is always told. */
#define WARN_INTERVAL_NS (30ULL * 1000000000ULL)

/*
 * A queued span is cut after the used part of its string buffer: a typical
 * span needs a third of struct span.
 */
struct queued {
	struct otlp_resource *res;
	uint64_t queued_ns;
	struct span s;
};

struct exporter {
	const struct otlp_config *cfg;
	exporter_log_fn log;
	void *log_arg;
	struct otlp_http *http;
	struct retry_policy retry;
	uint64_t rnd;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_cond_t space; /* the queue has room again */
	/* under mu */
	struct queued **ring;
	size_t cap, head, count;
	bool stopping;
	size_t in_flight; /* spans of the batch being sent */
	uint64_t flush_deadline_ns;
	struct exporter_stats st;
	struct otlp_resources *resources;
	uint16_t own_ports[OWN_PORTS];
	size_t own_next;

	/* the exporter thread's own */
	struct arena arena;
	const struct span **batch_spans;
	struct otlp_resource **batch_res;
	struct queued **batch;
	bool failing;
	uint64_t last_warn_ns;
};

static void deadline_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / 1000000000ULL;
	ts->tv_nsec = ns % 1000000000ULL;
}

static uint32_t next_rnd(struct exporter *e)
{
	/* xorshift64*: jitter needs spread, not secrecy */
	e->rnd ^= e->rnd >> 12;
	e->rnd ^= e->rnd << 25;
	e->rnd ^= e->rnd >> 27;
	return (e->rnd * 2685821657736338717ULL) >> 32;
}

static void say(struct exporter *e, enum exporter_log_level lvl,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(struct exporter *e, enum exporter_log_level lvl,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!e->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->log(lvl, msg, e->log_arg);
}

static void on_port(uint16_t port, void *arg)
{
	struct exporter *e = arg;

	pthread_mutex_lock(&e->mu);
	e->own_ports[e->own_next++ % OWN_PORTS] = port;
	pthread_mutex_unlock(&e->mu);
}

/*
 * Called by libcurl during a request, without mu: stopping and the deadline
 * are read atomically.
 */
static bool past_flush_deadline(void *arg)
{
	struct exporter *e = arg;

	return __atomic_load_n(&e->stopping, __ATOMIC_ACQUIRE) &&
	       clock__mono_ns() >=
		       __atomic_load_n(&e->flush_deadline_ns, __ATOMIC_ACQUIRE);
}

bool exporter__own_traffic(struct exporter *e, const struct span *s)
{
	const struct span_attr *peer, *server;
	bool own = false;

	if (s->kind != SPAN_KIND_SERVER)
		return false;
	peer = span__attr(s, SC_NETWORK_PEER_PORT);
	server = span__attr(s, SC_SERVER_PORT);
	if (!peer || !server || peer->type != SPAN_ATTR_INT ||
	    server->type != SPAN_ATTR_INT ||
	    server->i != otlp_http__server_port(e->http))
		return false;
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < OWN_PORTS && !own; i++)
		own = e->own_ports[i] && e->own_ports[i] == peer->i;
	if (own)
		e->st.own_spans++;
	pthread_mutex_unlock(&e->mu);
	return own;
}

static int submit(struct exporter *e, const struct span *s,
		  const struct proc_info *pi, bool wait)
{
	size_t used = s->strbuf_len < SPAN_STRBUF ? s->strbuf_len : SPAN_STRBUF;
	size_t size = offsetof(struct queued, s.strbuf) + used;
	struct queued *q = malloc(size);
	int ret = 0;

	if (!q) {
		pthread_mutex_lock(&e->mu);
		e->st.dropped_other++;
		pthread_mutex_unlock(&e->mu);
		return -ENOMEM;
	}
	memcpy(&q->s, s, offsetof(struct span, strbuf) + used);
	q->queued_ns = clock__mono_ns();

	pthread_mutex_lock(&e->mu);
	while (wait && !e->stopping && e->count == e->cap)
		pthread_cond_wait(&e->space, &e->mu);
	if (e->stopping || e->count == e->cap) {
		e->st.dropped_queue_full++;
		ret = -ENOSPC;
		goto unlock;
	}
	q->res = otlp_resources__get(e->resources, pi);
	if (!q->res) {
		e->st.dropped_other++;
		ret = -ENOMEM;
		goto unlock;
	}
	e->ring[(e->head + e->count) % e->cap] = q;
	e->count++;
	e->st.queued++;
	q = NULL;
	/* the thread sleeps without a timer while the queue is empty */
	if (e->count == 1 || e->count == e->cfg->batch_size)
		pthread_cond_signal(&e->cond);
unlock:
	pthread_mutex_unlock(&e->mu);
	free(q);
	return ret;
}

int exporter__submit(struct exporter *e, const struct span *s,
		     const struct proc_info *pi)
{
	return submit(e, s, pi, false);
}

int exporter__submit_wait(struct exporter *e, const struct span *s,
			  const struct proc_info *pi)
{
	return submit(e, s, pi, true);
}

/* Under mu. */
static void count_status(struct exporter *e, long status, size_t n)
{
	size_t i;

	e->st.dropped_status += n;
	for (i = 0; i < EXPORTER_MAX_CODES - 1; i++) {
		if (e->st.by_status[i].status == status ||
		    !e->st.by_status[i].status)
			break;
	}
	/* the last slot is "other" (status -1) once the table is full */
	if (i == EXPORTER_MAX_CODES - 1 && e->st.by_status[i].status != status)
		status = -1;
	e->st.by_status[i].status = status;
	e->st.by_status[i].spans += n;
}

/* Encode the batch: protobuf or JSON, gzip'd when asked. */
static int batch_body(struct exporter *e, const struct otlp_batch *b,
		      uint8_t **ret, size_t *ret_len, bool *ret_malloced)
{
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	char *json = NULL;
	int err;

	*ret_malloced = false;
	if (e->cfg->protocol == OTLP_PROTOCOL_HTTP_JSON) {
		FILE *f = open_memstream(&json, &raw_len);

		if (!f)
			return -ENOMEM;
		err = otlp_encode__json(f, b);
		if (fclose(f) && !err)
			err = -ENOMEM;
		if (err) {
			free(json);
			return err;
		}
		raw = (uint8_t *)json;
	} else {
		err = otlp_encode__protobuf(&e->arena, b, &raw, &raw_len);
		if (err)
			return err;
	}
	if (e->cfg->compression == OTLP_COMPRESSION_GZIP) {
		err = otlp_http__gzip(raw, raw_len, ret, ret_len);
		free(json);
		if (err)
			return err;
		*ret_malloced = true;
		return 0;
	}
	*ret = raw;
	*ret_len = raw_len;
	*ret_malloced = json != NULL;
	return 0;
}

/*
 * Wait until the retry time, or shutdown. Under mu. Returns false when the
 * batch must be given up: past the retry time limit, or past the shutdown
 * deadline.
 */
static bool wait_retry(struct exporter *e, uint64_t first_ns, uint64_t delay_ms,
		       size_t n)
{
	uint64_t at = clock__mono_ns() + delay_ms * 1000000ULL;
	struct timespec ts;

	if (at - first_ns > e->retry.max_elapsed_ms * 1000000ULL) {
		e->st.dropped_retries += n;
		return false;
	}
	deadline_ts(at, &ts);
	while (clock__mono_ns() < at) {
		if (e->stopping && at > e->flush_deadline_ns) {
			e->st.dropped_shutdown += n;
			return false;
		}
		pthread_cond_timedwait(&e->cond, &e->mu, &ts);
	}
	e->st.retries++;
	return true;
}

static void report_failure(struct exporter *e, const char *what, bool retrying)
{
	uint64_t now = clock__mono_ns();

	if (e->failing && now - e->last_warn_ns < WARN_INTERVAL_NS)
		return;
	e->failing = true;
	e->last_warn_ns = now;
	say(e, EXPORTER_LOG_WARN, "export to %s: %s%s", e->cfg->traces_url,
	    what, retrying ? "; will retry" : "; spans dropped");
}

static void report_success(struct exporter *e)
{
	if (!e->failing)
		return;
	e->failing = false;
	say(e, EXPORTER_LOG_INFO, "export to %s works again",
	    e->cfg->traces_url);
}

/* The 2xx answer: all accepted, or a partial success. Under mu. */
static void take_success(struct exporter *e, const struct otlp_http_result *r,
			 size_t n, size_t body_len)
{
	struct otlp_response resp = {};
	enum otlp_body_type type = e->cfg->protocol == OTLP_PROTOCOL_HTTP_JSON
					   ? OTLP_BODY_JSON
					   : OTLP_BODY_PROTOBUF;
	uint64_t rejected = 0;

	e->st.requests++;
	e->st.bytes += body_len;
	otlp_response__body_type(r->content_type[0] ? r->content_type : NULL,
				 &type);
	if (r->body_too_large ||
	    otlp_response__parse_success(r->body, r->body_len, type, &resp)) {
		e->st.bad_responses++;
	} else if (resp.partial) {
		rejected = resp.rejected_spans > (int64_t)n
				   ? n
				   : (uint64_t)resp.rejected_spans;
		if (rejected || resp.message[0])
			say(e, EXPORTER_LOG_WARN,
			    "export to %s: the collector rejected %llu of %zu "
			    "spans%s%s",
			    e->cfg->traces_url, (unsigned long long)rejected, n,
			    resp.message[0] ? ": " : "", resp.message);
	}
	e->st.rejected += rejected;
	e->st.sent += n - rejected;
}

static void export_batch(struct exporter *e, size_t n)
{
	struct otlp_batch b = {
		.spans = e->batch_spans, .res = e->batch_res, .n = n};
	struct otlp_http_result r;
	uint64_t first_ns = clock__mono_ns();
	uint8_t *body;
	size_t len;
	bool body_malloced;
	unsigned int attempt = 0;
	char what[384];

	arena__reset(&e->arena);
	if (batch_body(e, &b, &body, &len, &body_malloced)) {
		pthread_mutex_lock(&e->mu);
		e->st.dropped_other += n;
		pthread_mutex_unlock(&e->mu);
		say(e, EXPORTER_LOG_WARN, "could not encode %zu spans", n);
		return;
	}
	for (;;) {
		long timeout = e->cfg->timeout_ms;
		uint64_t delay_ms = 0, after_ms;
		bool retry;

		pthread_mutex_lock(&e->mu);
		if (e->stopping) {
			uint64_t now = clock__mono_ns();
			long left =
				now < e->flush_deadline_ns
					? (e->flush_deadline_ns - now) / 1000000
					: 0;

			if (left <= 0) {
				e->st.dropped_shutdown += n;
				pthread_mutex_unlock(&e->mu);
				break;
			}
			if (!timeout || timeout > left)
				timeout = left;
		}
		pthread_mutex_unlock(&e->mu);

		otlp_http__post(e->http, body, len, timeout, &r);

		pthread_mutex_lock(&e->mu);
		if (r.status >= 200 && r.status < 300) {
			take_success(e, &r, n, len);
			pthread_mutex_unlock(&e->mu);
			report_success(e);
			break;
		}
		if (r.status) {
			struct otlp_response st = {};
			enum otlp_body_type type = OTLP_BODY_PROTOBUF;

			if (!otlp_response__body_type(r.content_type, &type) &&
			    !r.body_too_large)
				otlp_response__parse_status(r.body, r.body_len,
							    type, &st);
			retry = otlp_http__retryable(r.status);
			snprintf(what, sizeof(what), "HTTP %ld%s%s", r.status,
				 st.message[0] ? ": " : "", st.message);
			if (retry && r.retry_after[0] &&
			    !retry_after__parse(r.retry_after,
						strlen(r.retry_after),
						time(NULL), &after_ms))
				delay_ms = retry_policy__server_delay_ms(
					&e->retry, after_ms);
		} else if (r.aborted) {
			e->st.dropped_shutdown += n;
			pthread_mutex_unlock(&e->mu);
			break;
		} else {
			retry = true;
			if (r.timed_out)
				e->st.timeouts++;
			else
				e->st.net_errors++;
			snprintf(what, sizeof(what), "%s", r.error);
		}
		if (!retry) {
			count_status(e, r.status, n);
			pthread_mutex_unlock(&e->mu);
			report_failure(e, what, false);
			break;
		}
		if (!delay_ms)
			delay_ms = retry_policy__delay_ms(&e->retry, ++attempt,
							  next_rnd(e));
		pthread_mutex_unlock(&e->mu);
		report_failure(e, what, true);
		pthread_mutex_lock(&e->mu);
		retry = wait_retry(e, first_ns, delay_ms, n);
		pthread_mutex_unlock(&e->mu);
		if (!retry)
			break;
	}
	if (body_malloced)
		free(body);
}

/* Under mu: whether a batch should go now, or how long to wait for one. */
static bool batch_ready(struct exporter *e, uint64_t *ret_wake_ns)
{
	uint64_t due;

	*ret_wake_ns = 0;
	if (!e->count)
		return false;
	if (e->count >= e->cfg->batch_size || e->stopping)
		return true;
	due = e->ring[e->head]->queued_ns +
	      e->cfg->schedule_delay_ms * 1000000ULL;
	if (clock__mono_ns() >= due)
		return true;
	*ret_wake_ns = due;
	return false;
}

static void *exporter_thread(void *arg)
{
	struct exporter *e = arg;

	pthread_mutex_lock(&e->mu);
	for (;;) {
		uint64_t wake;
		size_t n;

		if (e->stopping &&
		    (!e->count || clock__mono_ns() >= e->flush_deadline_ns))
			break;
		if (!batch_ready(e, &wake)) {
			if (wake) {
				struct timespec ts;

				deadline_ts(wake, &ts);
				pthread_cond_timedwait(&e->cond, &e->mu, &ts);
			} else {
				pthread_cond_wait(&e->cond, &e->mu);
			}
			continue;
		}
		n = e->count < e->cfg->batch_size ? e->count
						  : e->cfg->batch_size;
		for (size_t i = 0; i < n; i++) {
			struct queued *q = e->ring[e->head];

			e->head = (e->head + 1) % e->cap;
			e->batch[i] = q;
			e->batch_spans[i] = &q->s;
			e->batch_res[i] = q->res;
		}
		e->count -= n;
		e->in_flight = n;
		pthread_cond_broadcast(&e->space);
		pthread_mutex_unlock(&e->mu);

		export_batch(e, n);

		pthread_mutex_lock(&e->mu);
		for (size_t i = 0; i < n; i++) {
			otlp_resources__put(e->resources, e->batch[i]->res);
			free(e->batch[i]);
		}
		e->in_flight = 0;
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

struct exporter *exporter__new(const struct otlp_config *cfg,
			       exporter_log_fn log, void *log_arg, char *err,
			       size_t errlen)
{
	struct exporter *e = calloc(1, sizeof(*e));
	pthread_condattr_t ca;
	size_t batch = cfg->batch_size ? cfg->batch_size : 1;

	if (!e)
		goto nomem;
	e->cfg = cfg;
	e->log = log;
	e->log_arg = log_arg;
	retry_policy__init(&e->retry);
	if (getrandom(&e->rnd, sizeof(e->rnd), 0) != sizeof(e->rnd) || !e->rnd)
		e->rnd = clock__mono_ns() | 1;
	arena__init(&e->arena, 256 * 1024);
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_cond_init(&e->space, NULL);
	pthread_condattr_destroy(&ca);

	e->cap = cfg->queue_size ? cfg->queue_size : 1;
	e->ring = calloc(e->cap, sizeof(*e->ring));
	e->batch = calloc(batch, sizeof(*e->batch));
	e->batch_spans = calloc(batch, sizeof(*e->batch_spans));
	e->batch_res = calloc(batch, sizeof(*e->batch_res));
	e->resources = otlp_resources__new(cfg, MAX_RESOURCES);
	if (!e->ring || !e->batch || !e->batch_spans || !e->batch_res ||
	    !e->resources)
		goto nomem;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto fail;
	}
	e->http = otlp_http__new(cfg, on_port, past_flush_deadline, e, err,
				 errlen);
	if (!e->http)
		goto fail;
	if (pthread_create(&e->thread, NULL, exporter_thread, e)) {
		snprintf(err, errlen, "cannot start the export thread");
		goto fail;
	}
	e->started = true;
	return e;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	exporter__free(e);
	errno = ENOMEM;
	return NULL;
}

void exporter__shutdown(struct exporter *e, long timeout_ms)
{
	if (!e || !e->started)
		return;
	pthread_mutex_lock(&e->mu);
	if (!e->stopping) {
		__atomic_store_n(&e->flush_deadline_ns,
				 clock__mono_ns() + timeout_ms * 1000000ULL,
				 __ATOMIC_RELEASE);
		__atomic_store_n(&e->stopping, true, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&e->cond);
	pthread_cond_broadcast(&e->space);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->thread, NULL);
	e->started = false;

	/* the thread is gone: what is still queued will never be sent */
	e->st.dropped_shutdown += e->count;
	while (e->count) {
		struct queued *q = e->ring[e->head];

		e->head = (e->head + 1) % e->cap;
		e->count--;
		otlp_resources__put(e->resources, q->res);
		free(q);
	}
}

void exporter__stats(struct exporter *e, struct exporter_stats *ret)
{
	pthread_mutex_lock(&e->mu);
	*ret = e->st;
	ret->waiting = e->count + e->in_flight;
	pthread_mutex_unlock(&e->mu);
}

uint64_t exporter_stats__dropped(const struct exporter_stats *st)
{
	return st->dropped_queue_full + st->dropped_retries +
	       st->dropped_shutdown + st->dropped_status + st->dropped_other;
}

void exporter__free(struct exporter *e)
{
	if (!e)
		return;
	exporter__shutdown(e, 0);
	otlp_http__free(e->http);
	if (e->ring) {
		while (e->count) {
			free(e->ring[e->head]);
			e->head = (e->head + 1) % e->cap;
			e->count--;
		}
	}
	otlp_resources__free(e->resources);
	free(e->ring);
	free(e->batch);
	free(e->batch_spans);
	free(e->batch_res);
	arena__free(&e->arena);
	pthread_cond_destroy(&e->cond);
	pthread_cond_destroy(&e->space);
	pthread_mutex_destroy(&e->mu);
	free(e);
}
