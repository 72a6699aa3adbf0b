// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * OTLP/HTTP answers, see otlp_response.h. Two small readers, one for the
 * protobuf wire format and one for JSON, each checking every length
 * against what is left, since the body comes from whoever answers on the
 * collector's address (proxies included).
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

/*
 * JSON escapes are decoded into a scratch buffer before sanitising. Each
 * byte in gives at least one byte out of utf8__sanitize, so the first
 * sizeof(message) - 1 bytes decide the message and a cut further on can
 * never show; the slack covers the last escape's UTF-8.
 */
#define JSON_STR_SCRATCH 512
/* Longer keys match nothing we look for, so their text is not kept */
#define JSON_KEY_MAX 32
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

struct json {
	const char *p, *end;
	unsigned depth;
};

/* Where a decoded string goes: cap 0 only validates it */
struct json_str {
	char *buf;
	size_t cap, len;
	bool cut;
};

typedef int (*json_member_fn)(struct json *j, const char *key, size_t klen,
			      void *ctx);

static int json__value_skip(struct json *j);

static void json__ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int json__peek(const struct json *j)
{
	return j->p < j->end ? (unsigned char)*j->p : -1;
}

static bool key_is(const char *key, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(key, name, klen);
}

/* Raw bytes may be cut anywhere: utf8__sanitize repairs a split character */
static void json_str__put_raw(struct json_str *o, const char *s, size_t n)
{
	size_t room = o->cap - o->len;

	if (o->cut)
		return;
	if (n > room) {
		n = room;
		o->cut = true;
	}
	/* a validate-only string has no buffer at all */
	if (!n)
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* A decoded escape goes in whole or not at all, so it is never split */
static void json_str__put_cp(struct json_str *o, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o->cut || n > o->cap - o->len) {
		o->cut = true;
		return;
	}
	memcpy(o->buf + o->len, u, n);
	o->len += n;
}

static int hex4(const char *s, const char *end, uint32_t *ret)
{
	uint32_t v = 0;
	int i;

	if (end - s < 4)
		return -EBADMSG;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -EBADMSG;
	}
	*ret = v;
	return 0;
}

/*
 * The \u escape after the backslash at j->p - 1. A surrogate that is not
 * half of a pair cannot be encoded in UTF-8, so it becomes U+FFFD, as
 * most JSON decoders do; a pair is one character.
 */
static int json__escape_u(struct json *j, uint32_t *ret_cp)
{
	uint32_t cp, lo;

	if (hex4(j->p, j->end, &cp))
		return -EBADMSG;
	j->p += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		cp = 0xfffd;
	} else if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
		    !hex4(j->p + 2, j->end, &lo) && lo >= 0xdc00 &&
		    lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			j->p += 6;
		} else {
			/* what follows is read as it is, on its own */
			cp = 0xfffd;
		}
	}
	*ret_cp = cp;
	return 0;
}

/* The string at j->p (its opening quote), decoded into o */
static int json__string(struct json *j, struct json_str *o)
{
	j->p++;
	for (;;) {
		const char *run = j->p;
		uint32_t cp;
		char c;

		while (j->p < j->end && (unsigned char)*j->p >= 0x20 &&
		       *j->p != '"' && *j->p != '\\')
			j->p++;
		json_str__put_raw(o, run, j->p - run);
		if (j->p == j->end)
			return -EBADMSG;
		c = *j->p++;
		if (c == '"')
			return 0;
		/* a raw control character is not JSON */
		if (c != '\\' || j->p == j->end)
			return -EBADMSG;
		c = *j->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			cp = c;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (json__escape_u(j, &cp))
				return -EBADMSG;
			break;
		default:
			return -EBADMSG;
		}
		json_str__put_cp(o, cp);
	}
}

/*
 * The length of the JSON number at the start of s[0..n), or -EBADMSG when
 * there is none. What follows it is the caller's to judge.
 */
static long json__number_len(const char *s, size_t n)
{
	size_t i = 0, start;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && ascii__is_digit(s[i]))
			i++;
	} else {
		return -EBADMSG;
	}
	if (i < n && s[i] == '.') {
		start = ++i;
		while (i < n && ascii__is_digit(s[i]))
			i++;
		if (i == start)
			return -EBADMSG;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		while (i < n && ascii__is_digit(s[i]))
			i++;
		if (i == start)
			return -EBADMSG;
	}
	return (long)i;
}

/* x = x * 10 + d, or -ERANGE when that would pass limit */
static int mul10_add(uint64_t *x, unsigned d, uint64_t limit)
{
	if (*x > (limit - d) / 10)
		return -ERANGE;
	*x = *x * 10 + d;
	return 0;
}

/*
 * s[0..n) as an int64 when it is exactly a JSON number of integral value
 * within range: protobuf's JSON mapping allows "1.5e1" for 15, but not
 * 1.5 or 1e19. Done by hand on the digits, since strtod depends on the
 * locale and rounds.
 */
static int json__int64(const char *s, size_t n, int64_t *ret)
{
	/* far beyond what any int64 needs, far below overflowing e below */
	const int64_t exp_sat = 1000000000;
	uint64_t limit, x = 0;
	int64_t exp = 0, e, zeros = 0, nfrac = 0;
	bool neg, in_frac = false;
	size_t i;

	if (json__number_len(s, n) != (long)n)
		return -EBADMSG;
	neg = s[0] == '-';
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = neg; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			in_frac = true;
			continue;
		}
		nfrac += in_frac;
		/* zeros wait until a later nonzero digit proves them inner */
		if (s[i] == '0') {
			zeros++;
			continue;
		}
		for (; zeros && x; zeros--)
			if (mul10_add(&x, 0, limit))
				return -EBADMSG;
		zeros = 0;
		if (mul10_add(&x, s[i] - '0', limit))
			return -EBADMSG;
	}
	if (i < n) {
		bool eneg = s[++i] == '-';

		if (s[i] == '-' || s[i] == '+')
			i++;
		for (; i < n; i++)
			if (exp < exp_sat)
				exp = exp * 10 + (s[i] - '0');
		if (eneg)
			exp = -exp;
	}
	if (!x) {
		*ret = 0;
		return 0;
	}
	e = zeros + exp - nfrac;
	if (e < 0)
		return -EBADMSG;
	for (; e; e--)
		if (mul10_add(&x, 0, limit))
			return -EBADMSG;
	/* x may be 2^63 when negative, one past INT64_MAX */
	*ret = neg ? -(int64_t)(x - 1) - 1 : (int64_t)x;
	return 0;
}

static int json__literal(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return -EBADMSG;
	j->p += n;
	return 0;
}

/*
 * Enter the object or array at j->p (its opening bracket), whose closing
 * one is close: 1 when it is empty (and consumed), 0 when elements follow,
 * -EBADMSG past the nesting limit.
 */
static int json__open(struct json *j, char close)
{
	if (++j->depth > OTLP_RESPONSE_JSON_DEPTH)
		return -EBADMSG;
	j->p++;
	json__ws(j);
	if (json__peek(j) != close)
		return 0;
	j->p++;
	j->depth--;
	return 1;
}

/*
 * After an element: 0 when a comma says another follows, 1 when close
 * ends the container (consumed), -EBADMSG for anything else.
 */
static int json__next(struct json *j, char close)
{
	json__ws(j);
	if (json__peek(j) == ',') {
		j->p++;
		return 0;
	}
	if (json__peek(j) != close)
		return -EBADMSG;
	j->p++;
	j->depth--;
	return 1;
}

/*
 * The object at j->p: fn is called at each member's value (after the
 * whitespace) and must consume it; NULL skips every value.
 */
static int json__object(struct json *j, json_member_fn fn, void *ctx)
{
	int err = json__open(j, '}');

	if (err)
		return err < 0 ? err : 0;
	do {
		char key[JSON_KEY_MAX];
		struct json_str k = {
			.buf = key,
			.cap = fn ? sizeof(key) : 0,
		};

		json__ws(j);
		if (json__peek(j) != '"')
			return -EBADMSG;
		err = json__string(j, &k);
		if (err)
			return err;
		json__ws(j);
		if (json__peek(j) != ':')
			return -EBADMSG;
		j->p++;
		json__ws(j);
		if (fn && !k.cut)
			err = fn(j, key, k.len, ctx);
		else
			err = json__value_skip(j);
		if (err)
			return err;
	} while (!(err = json__next(j, '}')));
	return err < 0 ? err : 0;
}

static int json__array_skip(struct json *j)
{
	int err = json__open(j, ']');

	if (err)
		return err < 0 ? err : 0;
	do {
		json__ws(j);
		err = json__value_skip(j);
		if (err)
			return err;
	} while (!(err = json__next(j, ']')));
	return err < 0 ? err : 0;
}

/* Recursion is bounded by OTLP_RESPONSE_JSON_DEPTH, checked on the way in */
static int json__value_skip(struct json *j)
{
	struct json_str none = {0};
	long n;

	switch (json__peek(j)) {
	case '{':
		return json__object(j, NULL, NULL);
	case '[':
		return json__array_skip(j);
	case '"':
		return json__string(j, &none);
	case 't':
		return json__literal(j, "true");
	case 'f':
		return json__literal(j, "false");
	case 'n':
		return json__literal(j, "null");
	default:
		n = json__number_len(j->p, j->end - j->p);
		if (n < 0)
			return -EBADMSG;
		j->p += n;
		return 0;
	}
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
	struct json j = {.p = buf, .end = (const char *)buf + len};
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

static bool mem_ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return false;
	for (i = 0; i < n; i++)
		if (ascii__lower(a[i]) != b[i])
			return false;
	return true;
}

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
