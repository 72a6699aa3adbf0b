// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "export/otlp_encode.h"
#include "util/json_writer.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
	pb_request;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Status pb_status;
typedef Opentelemetry__Proto__Resource__V1__Resource pb_resource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope pb_scope;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;

uint32_t otlp_encode__span_flags(const struct span *s)
{
	uint32_t flags = s->trace_flags | OTLP_SPAN_FLAGS_HAS_IS_REMOTE;

	if (s->parent_remote && !span__is_root(s))
		flags |= OTLP_SPAN_FLAGS_IS_REMOTE;
	return flags;
}

int otlp_encode__keep_attr(const char *key)
{
	return strncmp(key, "process.", 8) != 0;
}

/* The attributes of s that go out, by index. */
static size_t span_attrs_out(const struct span *s, uint16_t *idx)
{
	uint16_t n = s->nattrs < SPAN_MAX_ATTRS ? s->nattrs : SPAN_MAX_ATTRS;
	size_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (span__attr_writable(s, i) &&
		    otlp_encode__keep_attr(s->attrs[i].key))
			idx[k++] = i;
	}
	return k;
}

static size_t span_name(const struct span *s, const char **ret)
{
	size_t len = strnlen(s->name, sizeof(s->name));

	/* OTLP requires a name; the kind is better than nothing */
	if (!len) {
		*ret = s->kind == SPAN_KIND_CLIENT ? "client" : "server";
		return strlen(*ret);
	}
	*ret = s->name;
	return len;
}

static uint64_t span_end(const struct span *s)
{
	return s->end_ns < s->start_ns ? s->start_ns : s->end_ns;
}

/*
 * Groups: the distinct resources of a batch in order of first appearance.
 * Batches are a few hundred spans from a handful of processes, so a linear
 * search is cheaper than a hash.
 */
static size_t batch_groups(struct arena *a, const struct otlp_batch *b,
			   struct otlp_resource ***ret_groups,
			   size_t **ret_count)
{
	struct otlp_resource **g = arena__alloc(a, b->n * sizeof(*g));
	size_t *cnt = arena__zalloc(a, b->n * sizeof(*cnt));
	size_t ng = 0;

	if (!g || !cnt)
		return 0;
	for (size_t i = 0; i < b->n; i++) {
		size_t j;

		for (j = 0; j < ng; j++)
			if (g[j] == b->res[i])
				break;
		if (j == ng)
			g[ng++] = b->res[i];
		cnt[j]++;
	}
	*ret_groups = g;
	*ret_count = cnt;
	return ng;
}

/* --- protobuf ------------------------------------------------------------ */

static pb_kv *pb_kv_str(struct arena *a, const char *key, const char *s,
			size_t len)
{
	pb_kv *kv = arena__alloc(a, sizeof(*kv));
	pb_any *v = arena__alloc(a, sizeof(*v));

	if (!kv || !v)
		return NULL;
	*kv = (pb_kv)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	*v = (pb_any)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
	kv->key = (char *)key;
	kv->value = v;
	v->value_case =
		OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value = arena__strndup(a, s, len);
	return v->string_value ? kv : NULL;
}

static pb_kv *pb_kv_int(struct arena *a, const char *key, int64_t i)
{
	pb_kv *kv = arena__alloc(a, sizeof(*kv));
	pb_any *v = arena__alloc(a, sizeof(*v));

	if (!kv || !v)
		return NULL;
	*kv = (pb_kv)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	*v = (pb_any)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
	kv->key = (char *)key;
	kv->value = v;
	v->value_case =
		OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	v->int_value = i;
	return kv;
}

static pb_resource *pb_resource_new(struct arena *a,
				    const struct otlp_resource *r)
{
	pb_resource *res = arena__alloc(a, sizeof(*res));
	pb_kv **kvs = arena__alloc(a, r->nattrs * sizeof(*kvs) + 1);

	if (!res || !kvs)
		return NULL;
	*res = (pb_resource)OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	for (size_t i = 0; i < r->nattrs; i++) {
		const struct otlp_attr *at = &r->attrs[i];

		kvs[i] = at->str ? pb_kv_str(a, at->key, at->str, at->len)
				 : pb_kv_int(a, at->key, at->i);
		if (!kvs[i])
			return NULL;
	}
	res->n_attributes = r->nattrs;
	res->attributes = kvs;
	return res;
}

static pb_span *pb_span_new(struct arena *a, const struct span *s)
{
	pb_span *p = arena__alloc(a, sizeof(*p));
	uint16_t idx[SPAN_MAX_ATTRS];
	size_t nattrs = span_attrs_out(s, idx);
	pb_kv **kvs = arena__alloc(a, nattrs * sizeof(*kvs) + 1);
	const char *name, *ts;
	size_t name_len = span_name(s, &name), ts_len;

	if (!p || !kvs)
		return NULL;
	*p = (pb_span)OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
	/* protobuf-c only reads the ids: no copy needed while s lives */
	p->trace_id.data = (uint8_t *)s->trace_id;
	p->trace_id.len = sizeof(s->trace_id);
	p->span_id.data = (uint8_t *)s->span_id;
	p->span_id.len = sizeof(s->span_id);
	if (!span__is_root(s)) {
		p->parent_span_id.data = (uint8_t *)s->parent_span_id;
		p->parent_span_id.len = sizeof(s->parent_span_id);
	}
	p->name = arena__strndup(a, name, name_len);
	if (!p->name)
		return NULL;
	ts = span__trace_state(s, &ts_len);
	if (ts) {
		p->trace_state = arena__strndup(a, ts, ts_len);
		if (!p->trace_state)
			return NULL;
	}
	p->kind = s->kind;
	p->start_time_unix_nano = s->start_ns;
	p->end_time_unix_nano = span_end(s);
	for (size_t i = 0; i < nattrs; i++) {
		const struct span_attr *at = &s->attrs[idx[i]];

		kvs[i] = at->type == SPAN_ATTR_STR
				 ? pb_kv_str(a, at->key, s->strbuf + at->off,
					     at->len)
				 : pb_kv_int(a, at->key, at->i);
		if (!kvs[i])
			return NULL;
	}
	p->n_attributes = nattrs;
	p->attributes = kvs;
	p->dropped_attributes_count = s->dropped_attrs;
	if (s->status != SPAN_STATUS_UNSET) {
		pb_status *st = arena__alloc(a, sizeof(*st));

		if (!st)
			return NULL;
		*st = (pb_status)OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
		st->code = s->status;
		p->status = st;
	}
	p->flags = otlp_encode__span_flags(s);
	return p;
}

int otlp_encode__protobuf(struct arena *a, const struct otlp_batch *b,
			  uint8_t **ret_buf, size_t *ret_len)
{
	struct otlp_resource **groups = NULL;
	size_t *counts = NULL, ng;
	pb_request *req;
	pb_scope *scope;
	size_t len;
	uint8_t *buf;

	if (!b->n)
		return -EINVAL;
	ng = batch_groups(a, b, &groups, &counts);
	req = arena__alloc(a, sizeof(*req));
	scope = arena__alloc(a, sizeof(*scope));
	if (!ng || !req || !scope)
		return -ENOMEM;
	*req = (pb_request)
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	*scope = (pb_scope)
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	scope->name = OTLP_SCOPE_NAME;
	scope->version = SPANTAP_VERSION;

	req->resource_spans =
		arena__alloc(a, ng * sizeof(*req->resource_spans));
	if (!req->resource_spans)
		return -ENOMEM;
	req->n_resource_spans = ng;
	for (size_t g = 0; g < ng; g++) {
		pb_resource_spans *rs = arena__alloc(a, sizeof(*rs));
		pb_scope_spans *ss = arena__alloc(a, sizeof(*ss));
		pb_scope_spans **ssv = arena__alloc(a, sizeof(*ssv));
		pb_span **spans = arena__alloc(a, counts[g] * sizeof(*spans));
		size_t k = 0;

		if (!rs || !ss || !ssv || !spans)
			return -ENOMEM;
		*rs = (pb_resource_spans)
			OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
		*ss = (pb_scope_spans)
			OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
		rs->resource = pb_resource_new(a, groups[g]);
		if (!rs->resource)
			return -ENOMEM;
		for (size_t i = 0; i < b->n; i++) {
			if (b->res[i] != groups[g])
				continue;
			spans[k] = pb_span_new(a, b->spans[i]);
			if (!spans[k++])
				return -ENOMEM;
		}
		ss->scope = scope;
		ss->n_spans = k;
		ss->spans = spans;
		ssv[0] = ss;
		rs->n_scope_spans = 1;
		rs->scope_spans = ssv;
		req->resource_spans[g] = rs;
	}

	len = protobuf_c_message_get_packed_size(&req->base);
	buf = arena__alloc(a, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	if (protobuf_c_message_pack(&req->base, buf) != len)
		return -EINVAL;
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/* --- JSON ---------------------------------------------------------------- */

/* OTLP JSON: 64-bit integers are strings, so no reader loses precision */
static void json_int64_str(struct json_writer *w, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	json_writer__str(w, buf, n);
}

static void json_uint64_str(struct json_writer *w, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);

	json_writer__str(w, buf, n);
}

static void json_kv(struct json_writer *w, const char *key, const char *s,
		    size_t len, int64_t i)
{
	json_writer__obj_begin(w);
	json_writer__key(w, "key");
	json_writer__cstr(w, key);
	json_writer__key(w, "value");
	json_writer__obj_begin(w);
	if (s) {
		json_writer__key(w, "stringValue");
		json_writer__str(w, s, len);
	} else {
		json_writer__key(w, "intValue");
		json_int64_str(w, i);
	}
	json_writer__obj_end(w);
	json_writer__obj_end(w);
}

static void json_span(struct json_writer *w, const struct span *s)
{
	uint16_t idx[SPAN_MAX_ATTRS];
	size_t nattrs = span_attrs_out(s, idx);
	const char *name, *ts;
	size_t name_len = span_name(s, &name), ts_len;

	json_writer__obj_begin(w);
	json_writer__key(w, "traceId");
	json_writer__hex(w, s->trace_id, sizeof(s->trace_id));
	json_writer__key(w, "spanId");
	json_writer__hex(w, s->span_id, sizeof(s->span_id));
	ts = span__trace_state(s, &ts_len);
	if (ts) {
		json_writer__key(w, "traceState");
		json_writer__str(w, ts, ts_len);
	}
	if (!span__is_root(s)) {
		json_writer__key(w, "parentSpanId");
		json_writer__hex(w, s->parent_span_id,
				 sizeof(s->parent_span_id));
	}
	json_writer__key(w, "name");
	json_writer__str(w, name, name_len);
	json_writer__key(w, "kind");
	json_writer__uint(w, s->kind);
	json_writer__key(w, "startTimeUnixNano");
	json_uint64_str(w, s->start_ns);
	json_writer__key(w, "endTimeUnixNano");
	json_uint64_str(w, span_end(s));
	json_writer__key(w, "attributes");
	json_writer__arr_begin(w);
	for (size_t i = 0; i < nattrs; i++) {
		const struct span_attr *at = &s->attrs[idx[i]];

		if (at->type == SPAN_ATTR_STR)
			json_kv(w, at->key, s->strbuf + at->off, at->len, 0);
		else
			json_kv(w, at->key, NULL, 0, at->i);
	}
	json_writer__arr_end(w);
	if (s->dropped_attrs) {
		json_writer__key(w, "droppedAttributesCount");
		json_writer__uint(w, s->dropped_attrs);
	}
	json_writer__key(w, "status");
	json_writer__obj_begin(w);
	if (s->status != SPAN_STATUS_UNSET) {
		json_writer__key(w, "code");
		json_writer__uint(w, s->status);
	}
	json_writer__obj_end(w);
	json_writer__key(w, "flags");
	json_writer__uint(w, otlp_encode__span_flags(s));
	json_writer__obj_end(w);
}

int otlp_encode__json(FILE *f, const struct otlp_batch *b)
{
	struct json_writer w;
	bool *done;

	/* which spans are written already, so groups need no allocation
	 * beyond this */
	done = calloc(b->n ? b->n : 1, sizeof(*done));
	if (!done)
		return -ENOMEM;
	json_writer__init(&w, f);
	json_writer__obj_begin(&w);
	json_writer__key(&w, "resourceSpans");
	json_writer__arr_begin(&w);
	for (size_t i = 0; i < b->n; i++) {
		const struct otlp_resource *r = b->res[i];

		if (done[i])
			continue;
		json_writer__obj_begin(&w);
		json_writer__key(&w, "resource");
		json_writer__obj_begin(&w);
		json_writer__key(&w, "attributes");
		json_writer__arr_begin(&w);
		for (size_t k = 0; k < r->nattrs; k++)
			json_kv(&w, r->attrs[k].key, r->attrs[k].str,
				r->attrs[k].len, r->attrs[k].i);
		json_writer__arr_end(&w);
		json_writer__obj_end(&w);
		json_writer__key(&w, "scopeSpans");
		json_writer__arr_begin(&w);
		json_writer__obj_begin(&w);
		json_writer__key(&w, "scope");
		json_writer__obj_begin(&w);
		json_writer__key(&w, "name");
		json_writer__cstr(&w, OTLP_SCOPE_NAME);
		json_writer__key(&w, "version");
		json_writer__cstr(&w, SPANTAP_VERSION);
		json_writer__obj_end(&w);
		json_writer__key(&w, "spans");
		json_writer__arr_begin(&w);
		for (size_t j = i; j < b->n; j++) {
			if (done[j] || b->res[j] != r)
				continue;
			json_span(&w, b->spans[j]);
			done[j] = true;
		}
		json_writer__arr_end(&w);
		json_writer__obj_end(&w);
		json_writer__arr_end(&w);
		json_writer__obj_end(&w);
	}
	json_writer__arr_end(&w);
	json_writer__obj_end(&w);
	free(done);
	return ferror(f) ? -EIO : 0;
}
