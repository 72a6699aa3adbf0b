// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One JSON object per span per line, flushed at once so a reader such as
 * jq sees spans as they finish.
 */
#include <errno.h>
#include <string.h>

#include "output/format.h"
#include "util/json_writer.h"

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

static void json_attrs(struct json_writer *w, const struct span *s)
{
	uint16_t n = s->nattrs < SPAN_MAX_ATTRS ? s->nattrs : SPAN_MAX_ATTRS;

	json_writer__obj_begin(w);
	for (uint16_t i = 0; i < n; i++) {
		const struct span_attr *a = &s->attrs[i];

		if (!span__attr_writable(s, i))
			continue;
		json_writer__key(w, a->key);
		if (a->type == SPAN_ATTR_STR)
			json_writer__str(w, s->strbuf + a->off, a->len);
		else
			json_writer__int(w, a->i);
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
	json_writer__hex(&w, s->trace_id, sizeof(s->trace_id));
	json_writer__key(&w, "span_id");
	json_writer__hex(&w, s->span_id, sizeof(s->span_id));
	json_writer__key(&w, "parent_span_id");
	if (span__is_root(s))
		json_writer__str(&w, "", 0);
	else
		json_writer__hex(&w, s->parent_span_id,
				 sizeof(s->parent_span_id));
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
