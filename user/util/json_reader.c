// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * JSON itself, apart from what otlp_response.c looks for in it, so that the
 * rules of the text can be read and checked on their own. The text is a
 * stranger's (whoever answers on the collector's address, proxies
 * included): every length is checked against what is left, nesting is
 * bounded, and nothing is allocated.
 */
#include <errno.h>
#include <string.h>

#include "util/ascii.h"
#include "util/json_reader.h"

void json__ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

int json__peek(const struct json *j)
{
	return j->p < j->end ? (unsigned char)*j->p : -1;
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
int json__string(struct json *j, struct json_str *o)
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
long json__number_len(const char *s, size_t n)
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
int json__int64(const char *s, size_t n, int64_t *ret)
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

int json__literal(struct json *j, const char *lit)
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
	if (++j->depth > j->max_depth)
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
int json__object(struct json *j, json_member_fn fn, void *ctx)
{
	int err = json__open(j, '}');

	if (err)
		return err < 0 ? err : 0;
	do {
		char key[JSON_READER_KEY_MAX];
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

/* Recursion is bounded by j->max_depth, checked on the way in */
int json__value_skip(struct json *j)
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
