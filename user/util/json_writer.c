// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>

#include "util/json_writer.h"
#include "util/utf8.h"

void json_writer__init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* Before any value or key: the comma that separates it from the previous. */
static void json_writer__sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->nonempty[w->depth])
		fputc(',', w->f);
	w->nonempty[w->depth] = true;
}

static void json_writer__open(struct json_writer *w, char c)
{
	if (w->skip) {
		w->skip++;
		return;
	}
	json_writer__sep(w);
	fputc(c, w->f);
	if (w->depth == JSON_WRITER_MAX_DEPTH) {
		/*
		 * Too deep to track commas: close it empty at once and drop
		 * what goes inside, so the text stays valid.
		 */
		fputc(c == '{' ? '}' : ']', w->f);
		w->skip = 1;
		return;
	}
	w->depth++;
	w->nonempty[w->depth] = false;
}

static void json_writer__close(struct json_writer *w, char c)
{
	if (w->skip) {
		w->skip--;
		return;
	}
	/* a key with no value would leave "k": dangling */
	if (w->after_key) {
		fputs("null", w->f);
		w->after_key = false;
	}
	fputc(c, w->f);
	if (w->depth)
		w->depth--;
}

void json_writer__obj_begin(struct json_writer *w)
{
	json_writer__open(w, '{');
}

void json_writer__obj_end(struct json_writer *w)
{
	json_writer__close(w, '}');
}

void json_writer__arr_begin(struct json_writer *w)
{
	json_writer__open(w, '[');
}

void json_writer__arr_end(struct json_writer *w)
{
	json_writer__close(w, ']');
}

void json_writer__escape(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;

	/* runs of bytes that need no escaping go out in one fwrite */
	while (i < len) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char ubuf[7];
		int n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = utf8__seq(s + i, len - i, NULL);
			if (n > 0) {
				i += n;
				continue;
			}
		} else {
			n = 1;
		}

		if (i > run)
			fwrite(s + run, 1, i - run, f);
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		default:
			if (c >= 0x80) {
				esc = UTF8_REPLACEMENT;
			} else {
				memcpy(ubuf, "\\u00", 4);
				ubuf[4] = hex[c >> 4];
				ubuf[5] = hex[c & 0xf];
				ubuf[6] = '\0';
				esc = ubuf;
			}
		}
		fputs(esc, f);
		i += n > 0 ? (size_t)n : (size_t)-n;
		run = i;
	}
	if (i > run)
		fwrite(s + run, 1, i - run, f);
}

void json_writer__key(struct json_writer *w, const char *key)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fputc('"', w->f);
	json_writer__escape(w->f, key, strlen(key));
	fputs("\":", w->f);
	w->after_key = true;
}

void json_writer__str(struct json_writer *w, const char *s, size_t len)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fputc('"', w->f);
	json_writer__escape(w->f, s, len);
	fputc('"', w->f);
}

void json_writer__cstr(struct json_writer *w, const char *s)
{
	json_writer__str(w, s ? s : "", s ? strlen(s) : 0);
}

void json_writer__int(struct json_writer *w, int64_t v)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void json_writer__uint(struct json_writer *w, uint64_t v)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void json_writer__bool(struct json_writer *w, bool v)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fputs(v ? "true" : "false", w->f);
}

void json_writer__null(struct json_writer *w)
{
	if (w->skip)
		return;
	json_writer__sep(w);
	fputs("null", w->f);
}

void json_writer__hex(struct json_writer *w, const uint8_t *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char buf[32];

	if (len > 16)
		len = 16;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 0xf];
	}
	json_writer__str(w, buf, 2 * len);
}
