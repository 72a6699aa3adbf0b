// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A recording from a stranger (spantap replay FILE): the reader and then
 * the whole pipeline, from event decoding to spans, get whatever records
 * it holds. An input without a valid header is given one, so the fuzzer
 * spends its time in the records.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "record.h"

static void check_span(struct span *s, void *arg)
{
	if (s->end_ns < s->start_ns || s->nattrs > SPAN_MAX_ATTRS ||
	    s->strbuf_len > SPAN_STRBUF)
		abort();
	(*(unsigned long *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record_reader r;
	unsigned long spans = 0;
	struct pipeline_opts o = {
		.max_conns = 4, /* small: eviction paths run too */
		.stream_bytes = 4096,
		.idle_ns = 1000,
		.sink = { .emit = check_span, .arg = &spans },
	};
	struct pipeline *p;
	const void *rec;
	uint8_t *buf = NULL;
	size_t len;
	int n;

	if (record_reader__init(&r, data, size)) {
		buf = malloc(RECORD_HEADER_SIZE + size);
		if (!buf)
			return 0;
		memset(buf, 0, RECORD_HEADER_SIZE);
		memcpy(buf, RECORD_MAGIC, sizeof(RECORD_MAGIC));
		buf[8] = RECORD_VERSION;
		buf[12] = RECORD_HEADER_SIZE;
		memcpy(buf + RECORD_HEADER_SIZE, data, size);
		if (record_reader__init(&r, buf, RECORD_HEADER_SIZE + size))
			abort();
	}
	p = pipeline__new(&o);
	if (!p)
		abort();
	while ((n = record_reader__next(&r, &rec, &len)) > 0) {
		const struct st_event_hdr *h = rec;

		pipeline__event(p, rec, len);
		if (len >= sizeof(*h))
			pipeline__tick(p, h->ts_ns);
	}
	pipeline__drain(p);
	pipeline__free(p);
	free(buf);
	return 0;
}
