/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A bounded JSON (RFC 8259) reader over a buffer that need not be
 * NUL-terminated, for untrusted text: it walks an object member by member
 * through a callback, validates and skips what the callback does not read,
 * and decodes strings into a buffer of the caller's. No allocation. Every
 * function returns 0 or -EBADMSG unless it says otherwise.
 */
#ifndef __SPANTAP_JSON_READER_H
#define __SPANTAP_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Longer member names are not kept, nor given to a member callback: the
 * names callers look for are short.
 */
#define JSON_READER_KEY_MAX 32

/* Where the reader is in [p, end); set p, end and max_depth, depth 0 */
struct json {
	const char *p, *end;
	unsigned depth;
	/* objects and arrays nested deeper than this are -EBADMSG */
	unsigned max_depth;
};

/* Where a decoded string goes: cap 0 only validates it */
struct json_str {
	char *buf;
	size_t cap, len;
	bool cut;
};

typedef int (*json_member_fn)(struct json *j, const char *key, size_t klen,
			      void *ctx);

/* Skip JSON whitespace */
void json__ws(struct json *j);
/* The next byte, or -1 at the end */
int json__peek(const struct json *j);

/*
 * The string at j->p (its opening quote), its escapes decoded into o; o->cut
 * when it did not all fit.
 */
int json__string(struct json *j, struct json_str *o);
/* A literal such as "null", which must be at j->p */
int json__literal(struct json *j, const char *lit);
/*
 * The object at j->p: fn gets each member whose key fits in
 * JSON_READER_KEY_MAX bytes, at its value, and must consume the value; the
 * others are skipped, as every value is with a NULL fn. An error from fn
 * ends the walk and is returned.
 */
int json__object(struct json *j, json_member_fn fn, void *ctx);
/* Any value at j->p, validated and skipped */
int json__value_skip(struct json *j);

/* The length of the number at the start of s[0..n), or -EBADMSG */
long json__number_len(const char *s, size_t n);
/*
 * s[0..n), exactly a number, as an int64 the way protobuf's JSON mapping
 * reads one: any spelling of an integral value within range (1.5e1 is 15;
 * 1.5 and 1e19 are -EBADMSG).
 */
int json__int64(const char *s, size_t n, int64_t *ret);

#endif /* __SPANTAP_JSON_READER_H */
