/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What protocol handlers need to turn messages into spans and hand them on:
 * the clock, process identity, and the next stage.
 */
#ifndef __SPANTAP_SPAN_SINK_H
#define __SPANTAP_SPAN_SINK_H

#include <stdint.h>

#include "proc_info.h"
#include "span/correlate.h"
#include "span/span.h"

struct span_sink {
	/* receives each finished span; the span is reused after it returns */
	void (*emit)(struct span *s, void *arg);
	void *arg;
	/* wall clock ns = CLOCK_MONOTONIC ns + mono_to_wall */
	int64_t mono_to_wall;
	struct proc_cache *procs;
	/* parent links between spans; NULL: every span is a root */
	struct correlate *corr;
	/*
	 * Where handlers build a span before emit: spans are built one at a
	 * time, and one buffer for all connections stays in cache where one
	 * per connection did not. The pipeline provides it.
	 */
	struct span *scratch;
};

#endif /* __SPANTAP_SPAN_SINK_H */
