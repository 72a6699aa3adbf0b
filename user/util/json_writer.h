/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A streaming JSON writer to a FILE *. It places commas and colons itself
 * and always emits valid JSON text: control bytes are escaped and ill-formed
 * UTF-8 becomes U+FFFD. Write errors are left in the FILE (ferror) for the
 * caller to check once per document.
 */
#ifndef __SPANTAP_JSON_WRITER_H
#define __SPANTAP_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	uint32_t depth;
	bool after_key; /* the next value completes a member */
	/* levels opened past JSON_WRITER_MAX_DEPTH: written as {} or [] */
	uint32_t skip;
	bool nonempty[JSON_WRITER_MAX_DEPTH + 1]; /* per level: comma needed */
};

void json_writer__init(struct json_writer *w, FILE *f);

void json_writer__obj_begin(struct json_writer *w);
void json_writer__obj_end(struct json_writer *w);
void json_writer__arr_begin(struct json_writer *w);
void json_writer__arr_end(struct json_writer *w);

/* A member name inside an object; the next call writes its value. */
void json_writer__key(struct json_writer *w, const char *key);

/* A string value of len bytes (need not be NUL-terminated). */
void json_writer__str(struct json_writer *w, const char *s, size_t len);
void json_writer__cstr(struct json_writer *w, const char *s);
void json_writer__int(struct json_writer *w, int64_t v);
void json_writer__uint(struct json_writer *w, uint64_t v);
void json_writer__bool(struct json_writer *w, bool v);
void json_writer__null(struct json_writer *w);
/* len bytes (at most 16: trace and span ids) as a lowercase hex string. */
void json_writer__hex(struct json_writer *w, const uint8_t *id, size_t len);

/* Writes the escaped body of a JSON string, without the quotes. */
void json_writer__escape(FILE *f, const char *s, size_t len);

#endif /* __SPANTAP_JSON_WRITER_H */
