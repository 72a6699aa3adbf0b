// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * OTLP/HTTP answers, see otlp_response.h. Two small readers, one for the
 * protobuf wire format here and one for JSON (util/json_reader.c), each
 * checking every length against what is left, since the body comes from
 * whoever answers on the collector's address (proxies included).
 *
 * Both follow what protobuf's own parsers do where it matters for
 * interoperability: unknown fields are skipped, a known field with an
 * unexpected wire type is treated as unknown, a repeated field overwrites,
 * JSON accepts both the lowerCamelCase and the original field names, and
 * int64 in JSON may be a number or a string. Strings are not required to
 * be valid UTF-8: the message is for a log line, so it is repaired rather
 * than the whole answer refused.
 */
#include <errno.h>
#include <string.h>

#include "export/otlp_response.h"
#include "util/utf8.h"
#include "util/ascii.h"
#include "util/json_reader.h"

/*
 * JSON escapes are decoded into a scratch buffer before sanitising. Each
 * byte in gives at least one byte out of utf8__sanitize, so the first
 * sizeof(message) - 1 bytes decide the message and a cut further on can
 * never show; the slack covers the last escape's UTF-8.
 */
#define JSON_STR_SCRATCH 512
/* An int64 written as a JSON string, longer than any sane spelling */
#define JSON_INT_STR_MAX 64

static void response__reset(struct otlp_response *r)
{
	r->partial = false;
	r->rejected_spans = 0;
	r->message[0] = '\0';
}

static void response__set_message(struct otlp_response *r, const char *s,
				  size_t n)
{
	size_t i, len;

	len = utf8__sanitize(r->message, sizeof(r->message), s, n);
	/* control bytes never occur inside a multi-byte UTF-8 sequence */
	for (i = 0; i < len; i++) {
		unsigned char c = r->message[i];

		if (c < 0x20 || c == 0x7f)
			r->message[i] = ' ';
	}
}

static void response__set_rejected(struct otlp_response *r, int64_t v)
{
	r->rejected_spans = v < 0 ? 0 : v;
}

/* Protobuf wire format */

enum {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_SGROUP = 3,
	PB_EGROUP = 4,
	PB_I32 = 5,
};

#define PB_FIELD_MAX ((1u << 29) - 1)

struct pb {
	const uint8_t *p, *end;
};

static int pb__varint(struct pb *b, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 10; i++) {
		uint8_t c;

		if (b->p == b->end)
			return -EBADMSG;
		c = *b->p++;
		/* the tenth byte has room for bit 63 only */
		if (i == 9 && c > 1)
			return -EBADMSG;
		v |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

static int pb__tag(struct pb *b, uint32_t *ret_field, unsigned *ret_wt)
{
	uint64_t tag;
	int err;

	err = pb__varint(b, &tag);
	if (err)
		return err;
	if (tag >> 3 < 1 || tag >> 3 > PB_FIELD_MAX)
		return -EBADMSG;
	*ret_field = (uint32_t)(tag >> 3);
	*ret_wt = tag & 7;
	return 0;
}

static int pb__bytes(struct pb *b, const uint8_t **ret, size_t *ret_len)
{
	uint64_t n;
	int err;

	err = pb__varint(b, &n);
	if (err)
		return err;
	if (n > (uint64_t)(b->end - b->p))
		return -EBADMSG;
	*ret = b->p;
	*ret_len = n;
	b->p += n;
	return 0;
}

/* Groups are refused: proto3 has none, so they can only be garbage */
static int pb__skip(struct pb *b, unsigned wt)
{
	const uint8_t *s;
	uint64_t v;
	size_t n;

	switch (wt) {
	case PB_VARINT:
		return pb__varint(b, &v);
	case PB_I64:
	case PB_I32:
		n = wt == PB_I64 ? 8 : 4;
		if (n > (size_t)(b->end - b->p))
			return -EBADMSG;
		b->p += n;
		return 0;
	case PB_LEN:
		return pb__bytes(b, &s, &n);
	default:
		return -EBADMSG;
	}
}

/* ExportTracePartialSuccess, merged into r */
static int pb__partial_success(struct pb *b, struct otlp_response *r)
{
	while (b->p < b->end) {
		const uint8_t *s;
		uint32_t field;
		unsigned wt;
		uint64_t v;
		size_t n;
		int err;

		err = pb__tag(b, &field, &wt);
		if (err)
			return err;
		if (field == 1 && wt == PB_VARINT) {
			err = pb__varint(b, &v);
			if (err)
				return err;
			response__set_rejected(r, (int64_t)v);
		} else if (field == 2 && wt == PB_LEN) {
			err = pb__bytes(b, &s, &n);
			if (err)
				return err;
			response__set_message(r, (const char *)s, n);
		} else {
			err = pb__skip(b, wt);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ExportTraceServiceResponse */
static int pb__success(struct pb *b, struct otlp_response *r)
{
	while (b->p < b->end) {
		uint32_t field;
		unsigned wt;
		int err;

		err = pb__tag(b, &field, &wt);
		if (err)
			return err;
		if (field == 1 && wt == PB_LEN) {
			struct pb sub;
			size_t n;

			err = pb__bytes(b, &sub.p, &n);
			if (err)
				return err;
			sub.end = sub.p + n;
			r->partial = true;
			err = pb__partial_success(&sub, r);
		} else {
			err = pb__skip(b, wt);
		}
		if (err)
			return err;
	}
	return 0;
}

/* google.rpc.Status: only the message matters, code and details are skipped */
static int pb__status(struct pb *b, struct otlp_response *r)
{
	while (b->p < b->end) {
		const uint8_t *s;
		uint32_t field;
		unsigned wt;
		size_t n;
		int err;

		err = pb__tag(b, &field, &wt);
		if (err)
			return err;
		if (field == 2 && wt == PB_LEN) {
			err = pb__bytes(b, &s, &n);
			if (!err)
				response__set_message(r, (const char *)s, n);
		} else {
			err = pb__skip(b, wt);
		}
		if (err)
			return err;
	}
	return 0;
}

/* JSON (RFC 8259), with protobuf's JSON mapping on top */

static bool key_is(const char *key, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(key, name, klen);
}

/* A string or null member that becomes r->message */
static int json__message(struct json *j, struct otlp_response *r)
{
	char buf[JSON_STR_SCRATCH];
	struct json_str s = {.buf = buf, .cap = sizeof(buf)};
	int err;

	if (json__peek(j) == 'n') {
		r->message[0] = '\0';
		return json__literal(j, "null");
	}
	if (json__peek(j) != '"')
		return -EBADMSG;
	err = json__string(j, &s);
	if (err)
		return err;
	response__set_message(r, buf, s.len);
	return 0;
}

/* An int64 member: a number, a string holding one, or null for 0 */
static int json__rejected(struct json *j, struct otlp_response *r)
{
	char buf[JSON_INT_STR_MAX];
	struct json_str s = {.buf = buf, .cap = sizeof(buf)};
	const char *num = j->p;
	int64_t v;
	long n;
	int err;

	switch (json__peek(j)) {
	case 'n':
		r->rejected_spans = 0;
		return json__literal(j, "null");
	case '"':
		err = json__string(j, &s);
		if (err || s.cut)
			return -EBADMSG;
		if (json__int64(buf, s.len, &v))
			return -EBADMSG;
		break;
	default:
		n = json__number_len(j->p, j->end - j->p);
		if (n < 0)
			return -EBADMSG;
		j->p += n;
		if (json__int64(num, n, &v))
			return -EBADMSG;
		break;
	}
	response__set_rejected(r, v);
	return 0;
}

static int json__partial_member(struct json *j, const char *key, size_t klen,
				void *ctx)
{
	struct otlp_response *r = ctx;

	if (key_is(key, klen, "rejectedSpans") ||
	    key_is(key, klen, "rejected_spans"))
		return json__rejected(j, r);
	if (key_is(key, klen, "errorMessage") ||
	    key_is(key, klen, "error_message"))
		return json__message(j, r);
	return json__value_skip(j);
}

static int json__success_member(struct json *j, const char *key, size_t klen,
				void *ctx)
{
	struct otlp_response *r = ctx;

	if (!key_is(key, klen, "partialSuccess") &&
	    !key_is(key, klen, "partial_success"))
		return json__value_skip(j);
	/* null is the JSON mapping's spelling of an absent message */
	if (json__peek(j) == 'n')
		return json__literal(j, "null");
	if (json__peek(j) != '{')
		return -EBADMSG;
	r->partial = true;
	return json__object(j, json__partial_member, r);
}

static int json__status_member(struct json *j, const char *key, size_t klen,
			       void *ctx)
{
	if (key_is(key, klen, "message"))
		return json__message(j, ctx);
	return json__value_skip(j);
}

/* A whole body holding one object; nothing but whitespace is no object */
static int json__parse(const void *buf, size_t len, json_member_fn fn,
		       struct otlp_response *r)
{
	struct json j = {
		.p = buf,
		.end = (const char *)buf + len,
		.max_depth = OTLP_RESPONSE_JSON_DEPTH,
	};
	int err;

	/* RFC 8259 lets parsers ignore a byte order mark; some servers send one
	 */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		j.p += 3;
	json__ws(&j);
	if (j.p == j.end)
		return 0;
	if (json__peek(&j) != '{')
		return -EBADMSG;
	err = json__object(&j, fn, r);
	if (err)
		return err;
	json__ws(&j);
	return j.p == j.end ? 0 : -EBADMSG;
}

int otlp_response__parse_success(const void *buf, size_t len,
				 enum otlp_body_type type,
				 struct otlp_response *r)
{
	struct pb b = {.p = buf, .end = (const uint8_t *)buf + len};
	int err;

	response__reset(r);
	if (len > OTLP_RESPONSE_BODY_MAX)
		return -EMSGSIZE;
	if (!len)
		return 0;
	if (type == OTLP_BODY_JSON)
		err = json__parse(buf, len, json__success_member, r);
	else
		err = pb__success(&b, r);
	if (err)
		response__reset(r);
	return err ? -EBADMSG : 0;
}

int otlp_response__parse_status(const void *buf, size_t len,
				enum otlp_body_type type,
				struct otlp_response *r)
{
	struct pb b = {.p = buf, .end = (const uint8_t *)buf + len};
	int err;

	response__reset(r);
	if (len > OTLP_RESPONSE_BODY_MAX)
		return -EMSGSIZE;
	if (!len)
		return 0;
	if (type == OTLP_BODY_JSON)
		err = json__parse(buf, len, json__status_member, r);
	else
		err = pb__status(&b, r);
	if (err)
		response__reset(r);
	return err ? -EBADMSG : 0;
}

/* a[0..n) is the lowercase literal lit, in any case */
#define mem_ieq(a, n, lit) \
	((n) == sizeof(lit) - 1 && ascii__mem_ieq_lc(a, lit, sizeof(lit) - 1))

int otlp_response__body_type(const char *content_type, enum otlp_body_type *ret)
{
	const char *s = content_type, *e;

	if (!s)
		return -ENOENT;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strcspn(s, ";");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (mem_ieq(s, e - s, "application/x-protobuf") ||
	    mem_ieq(s, e - s, "application/protobuf")) {
		*ret = OTLP_BODY_PROTOBUF;
		return 0;
	}
	if (mem_ieq(s, e - s, "application/json")) {
		*ret = OTLP_BODY_JSON;
		return 0;
	}
	return -ENOENT;
}
