// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The OTLP encoder against bytes worked out by hand from the OTLP field
 * tables (tag = field << 3 | wire type), and its JSON against the OTLP
 * JSON mapping.
 */
#include <errno.h>
#include <stdlib.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "export/otlp_encode.h"
#include "span/semconv.h"
#include "test.h"

static void make_span(struct span *s)
{
	span__reset(s);
	for (int i = 0; i < 16; i++)
		s->trace_id[i] = 0x01 + i;
	for (int i = 0; i < 8; i++) {
		s->span_id[i] = 0x11 + i;
		s->parent_span_id[i] = 0x21 + i;
	}
	s->trace_flags = 1;
	s->kind = SPAN_KIND_SERVER;
	s->status = SPAN_STATUS_ERROR;
	s->start_ns = 1000000000000000000ULL;
	s->end_ns = s->start_ns + 1500000;
	strcpy(s->name, "GET");
	span__add_str(s, SC_HTTP_REQUEST_METHOD, "GET", 3);
	span__add_int(s, SC_PROCESS_PID, 42); /* on the resource instead */
	span__add_int(s, SC_HTTP_RESPONSE_STATUS_CODE, 503);
}

static void make_resource(struct otlp_resource *r)
{
	memset(r, 0, sizeof(*r));
	r->attrs[0] = (struct otlp_attr){
		.key = "service.name", .str = "svc", .len = 3};
	r->attrs[1] = (struct otlp_attr){.key = "process.pid", .i = 42};
	r->nattrs = 2;
}

static const uint8_t want_span[] = {
	0x0a, 0x10, /* 1 trace_id, 16 bytes */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	0x0d, 0x0e, 0x0f, 0x10, 0x12, 0x08, /* 2 span_id */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x22,
	0x08, /* 4 parent_span_id */
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x2a, 0x03, 'G', 'E',
	'T',	    /* 5 name */
	0x30, 0x02, /* 6 kind: SERVER */
	0x39, 0x00, 0x00, 0x64, 0xa7, 0xb3, 0xb6, 0xe0, 0x0d, /* 7 start, LE */
	0x41, 0x60, 0xe3, 0x7a, 0xa7, 0xb3, 0xb6, 0xe0, 0x0d, /* 8 end */
	0x4a, 0x1c, /* 9 attributes: KeyValue, 28 bytes */
	0x0a, 0x13, 'h', 't', 't', 'p', '.', 'r', 'e', 'q', 'u', 'e', 's', 't',
	'.', 'm', 'e', 't', 'h', 'o', 'd', 0x12, 0x05, 0x0a, 0x03, 'G', 'E',
	'T', /* AnyValue string_value */
	/* process.pid is not here: it is a resource attribute */
	0x4a, 0x20, /* KeyValue, 32 bytes */
	0x0a, 0x19, 'h', 't', 't', 'p', '.', 'r', 'e', 's', 'p', 'o', 'n', 's',
	'e', '.', 's', 't', 'a', 't', 'u', 's', '_', 'c', 'o', 'd', 'e', 0x12,
	0x03, 0x18, 0xf7, 0x03, /* AnyValue int_value 503 */
	0x7a, 0x02, 0x18, 0x02, /* 15 status { 3 code: ERROR } */
	0x85, 0x01, 0x01, 0x01, 0x00,
	0x00, /* 16 flags: sampled|HAS_IS_REMOTE */
};

static const uint8_t want_resource[] =
	{
		0x0a, 0x15, /* 1 attributes, 21 bytes */
		0x0a, 0x0c, 's', 'e',  'r',  'v',  'i',	 'c',  'e',
		'.',  'n',  'a', 'm',  'e',  0x12, 0x05, 0x0a, 0x03,
		's',  'v',  'c', 0x0a, 0x11, /* 17 bytes */
		0x0a, 0x0b, 'p', 'r',  'o',  'c',  'e',	 's',  's',
		'.',  'p',  'i', 'd',  0x12, 0x02, 0x18, 0x2a,
};

/* Append a length-delimited field: tag, one-byte length, body. */
static size_t put(uint8_t *out, size_t off, uint8_t tag, const uint8_t *body,
		  size_t len)
{
	out[off++] = tag;
	out[off++] = len; /* every length here is below 128 */
	memcpy(out + off, body, len);
	return off + len;
}

TEST(otlp_encode_protobuf_bytes)
{
	static struct span s;
	const struct span *spans[1] = {&s};
	struct otlp_resource r;
	struct otlp_resource *res[1] = {&r};
	struct otlp_batch b = {.spans = spans, .res = res, .n = 1};
	uint8_t scope[64], ss[256], rs[512], want[512];
	size_t nscope, nss, nrs, nwant;
	struct arena a;
	uint8_t *buf;
	size_t len;

	make_span(&s);
	make_resource(&r);
	/* InstrumentationScope { 1 name "spantap", 2 version } */
	nscope = put(scope, 0, 0x0a, (const uint8_t *)"spantap", 7);
	nscope = put(scope, nscope, 0x12, (const uint8_t *)SPANTAP_VERSION,
		     strlen(SPANTAP_VERSION));
	/* ScopeSpans { 1 scope, 2 spans } */
	nss = put(ss, 0, 0x0a, scope, nscope);
	ss[nss++] = 0x12;
	ss[nss++] = 0x80 | (sizeof(want_span) & 0x7f); /* two-byte length */
	ss[nss++] = sizeof(want_span) >> 7;
	memcpy(ss + nss, want_span, sizeof(want_span));
	nss += sizeof(want_span);
	/* ResourceSpans { 1 resource, 2 scope_spans } */
	nrs = put(rs, 0, 0x0a, want_resource, sizeof(want_resource));
	rs[nrs++] = 0x12;
	rs[nrs++] = 0x80 | (nss & 0x7f);
	rs[nrs++] = nss >> 7;
	memcpy(rs + nrs, ss, nss);
	nrs += nss;
	/* ExportTraceServiceRequest { 1 resource_spans } */
	want[0] = 0x0a;
	want[1] = 0x80 | (nrs & 0x7f);
	want[2] = nrs >> 7;
	memcpy(want + 3, rs, nrs);
	nwant = 3 + nrs;

	arena__init(&a, 4096);
	ASSERT_EQ(otlp_encode__protobuf(&a, &b, &buf, &len), 0);
	ASSERT_EQ(len, nwant);
	ASSERT_MEMEQ(buf, want, nwant);
	arena__free(&a);
}

TEST(otlp_encode_root_span_has_no_parent)
{
	static struct span s;
	const struct span *spans[1] = {&s};
	struct otlp_resource r;
	struct otlp_resource *res[1] = {&r};
	struct otlp_batch b = {.spans = spans, .res = res, .n = 1};
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
		*req;
	Opentelemetry__Proto__Trace__V1__Span *ps;
	struct arena a;
	uint8_t *buf;
	size_t len;

	make_span(&s);
	memset(s.parent_span_id, 0, sizeof(s.parent_span_id));
	s.name[0] = '\0';	   /* OTLP needs a name: one is made up */
	s.end_ns = s.start_ns - 1; /* end before start: clamped */
	s.status = SPAN_STATUS_UNSET;
	make_resource(&r);
	arena__init(&a, 4096);
	ASSERT_EQ(otlp_encode__protobuf(&a, &b, &buf, &len), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, buf);
	ASSERT_TRUE(req);
	ps = req->resource_spans[0]->scope_spans[0]->spans[0];
	ASSERT_EQ(ps->parent_span_id.len, 0);
	ASSERT_STREQ(ps->name, "server");
	ASSERT_EQ(ps->end_time_unix_nano, ps->start_time_unix_nano);
	ASSERT_TRUE(!ps->status);
	ASSERT_EQ(ps->flags, 0x101);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		req, NULL);
	arena__free(&a);
}

TEST(otlp_encode_groups_by_resource)
{
	static struct span s[3];
	const struct span *spans[3] = {&s[0], &s[1], &s[2]};
	struct otlp_resource r1, r2;
	struct otlp_resource *res[3] = {&r1, &r2, &r1};
	struct otlp_batch b = {.spans = spans, .res = res, .n = 3};
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
		*req;
	struct arena a;
	uint8_t *buf;
	size_t len;

	for (int i = 0; i < 3; i++) {
		make_span(&s[i]);
		s[i].span_id[7] = i + 1;
	}
	make_resource(&r1);
	make_resource(&r2);
	r2.attrs[0].str = "other";
	r2.attrs[0].len = 5;
	/* a small arena: the encoder must cope with many chunks */
	arena__init(&a, 1024);
	ASSERT_EQ(otlp_encode__protobuf(&a, &b, &buf, &len), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, buf);
	ASSERT_TRUE(req);
	ASSERT_EQ(req->n_resource_spans, 2);
	ASSERT_EQ(req->resource_spans[0]->scope_spans[0]->n_spans, 2);
	ASSERT_EQ(req->resource_spans[0]
			  ->scope_spans[0]
			  ->spans[1]
			  ->span_id.data[7],
		  3);
	ASSERT_EQ(req->resource_spans[1]->scope_spans[0]->n_spans, 1);
	ASSERT_STREQ(req->resource_spans[1]
			     ->resource->attributes[0]
			     ->value->string_value,
		     "other");
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		req, NULL);
	arena__free(&a);
	ASSERT_EQ(
		otlp_encode__protobuf(&a, &(struct otlp_batch){0}, &buf, &len),
		-EINVAL);
}

TEST(otlp_encode_json_mapping)
{
	static struct span s;
	const struct span *spans[1] = {&s};
	struct otlp_resource r;
	struct otlp_resource *res[1] = {&r};
	struct otlp_batch b = {.spans = spans, .res = res, .n = 1};
	char *text = NULL, want[2048];
	size_t len = 0;
	FILE *f;

	make_span(&s);
	make_resource(&r);
	snprintf(want, sizeof(want),
		 "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
		 "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}"
		 "},"
		 "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"42\"}}]},"
		 "\"scopeSpans\":[{\"scope\":{\"name\":\"spantap\",\"version\":"
		 "\"%s\"},"
		 "\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
		 "\"spanId\":\"1112131415161718\","
		 "\"parentSpanId\":\"2122232425262728\",\"name\":\"GET\","
		 "\"kind\":2,\"startTimeUnixNano\":\"1000000000000000000\","
		 "\"endTimeUnixNano\":\"1000000000001500000\",\"attributes\":["
		 "{\"key\":\"http.request.method\",\"value\":{\"stringValue\":"
		 "\"GET\"}},"
		 "{\"key\":\"http.response.status_code\",\"value\":{"
		 "\"intValue\":\"503\"}}],"
		 "\"status\":{\"code\":2},\"flags\":257}]}]}]}",
		 SPANTAP_VERSION);
	f = open_memstream(&text, &len);
	ASSERT_TRUE(f);
	ASSERT_EQ(otlp_encode__json(f, &b), 0);
	fclose(f);
	ASSERT_STREQ(text, want);
	free(text);
}

TEST(otlp_encode_flags)
{
	static struct span s;

	make_span(&s);
	s.trace_flags = 0;
	ASSERT_EQ(otlp_encode__span_flags(&s), 0x100);
	s.parent_remote = 1;
	s.trace_flags = 1;
	ASSERT_EQ(otlp_encode__span_flags(&s), 0x301);
	/* a root has no remote parent, whatever the field says */
	memset(s.parent_span_id, 0, sizeof(s.parent_span_id));
	ASSERT_EQ(otlp_encode__span_flags(&s), 0x101);
}
