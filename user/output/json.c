// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One JSON object per span per line, flushed at once so a reader such as
 * jq sees spans as they finish.
 */
#include <errno.h>
#include <string.h>

#include "output/format.h"
#include "util/json_writer.h"

static void json_hex(struct json_writer *w, const uint8_t *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * 16];

	for (size_t i = 0; i < len && i < 16; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 0xf];
	}
	json_writer__str(w, buf, 2 * (len < 16 ? len : 16));
}

static const char *status_name(uint8_t status)
{
	switch (status) {
	case SPAN_STATUS_OK:
		return "ok";
	case SPAN_STATUS_ERROR:
		return "error";
	default:
		return "unset";
	}
}

/* Earlier attributes win, as span__attr finds them: keys stay unique. */
static bool seen_before(const struct span *s, uint16_t i)
{
	for (uint16_t j = 0; j < i; j++)
		if (!strcmp(s->attrs[j].key, s->attrs[i].key))
			return true;
	return false;
}

static void json_attrs(struct json_writer *w, const struct span *s)
{
	uint16_t n = s->nattrs < SPAN_MAX_ATTRS ? s->nattrs : SPAN_MAX_ATTRS;

	json_writer__obj_begin(w);
	for (uint16_t i = 0; i < n; i++) {
		const struct span_attr *a = &s->attrs[i];

		if (!a->key || seen_before(s, i))
			continue;
		if (a->type == SPAN_ATTR_STR) {
			/* never read past strbuf, whatever a says */
			if (a->off > SPAN_STRBUF || a->len > SPAN_STRBUF - a->off)
				continue;
			json_writer__key(w, a->key);
			json_writer__str(w, s->strbuf + a->off, a->len);
		} else if (a->type == SPAN_ATTR_INT) {
			json_writer__key(w, a->key);
			json_writer__int(w, a->i);
		}
	}
	json_writer__obj_end(w);
}

int output_json__span(FILE *f, const struct span *s)
{
	struct json_writer w;

	errno = 0;
	json_writer__init(&w, f);
	json_writer__obj_begin(&w);
	json_writer__key(&w, "trace_id");
	json_hex(&w, s->trace_id, sizeof(s->trace_id));
	json_writer__key(&w, "span_id");
	json_hex(&w, s->span_id, sizeof(s->span_id));
	json_writer__key(&w, "parent_span_id");
	if (span__is_root(s))
		json_writer__str(&w, "", 0);
	else
		json_hex(&w, s->parent_span_id, sizeof(s->parent_span_id));
	json_writer__key(&w, "name");
	json_writer__str(&w, s->name, strnlen(s->name, sizeof(s->name)));
	json_writer__key(&w, "kind");
	json_writer__cstr(&w, format__kind(s->kind, false));
	json_writer__key(&w, "start_time_unix_nano");
	json_writer__uint(&w, s->start_ns);
	json_writer__key(&w, "end_time_unix_nano");
	json_writer__uint(&w, s->end_ns);
	json_writer__key(&w, "duration_ns");
	json_writer__uint(&w, format__span_duration(s));
	json_writer__key(&w, "status");
	json_writer__cstr(&w, status_name(s->status));
	json_writer__key(&w, "service_name");
	json_writer__str(&w, s->service_name,
			 strnlen(s->service_name, sizeof(s->service_name)));
	json_writer__key(&w, "pid");
	json_writer__uint(&w, s->pid);
	json_writer__key(&w, "tid");
	json_writer__uint(&w, s->tid);
	json_writer__key(&w, "attributes");
	json_attrs(&w, s);
	json_writer__obj_end(&w);
	fputc('\n', f);
	return format__flush(f);
}
