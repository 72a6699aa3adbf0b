// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <string.h>

#include "span/correlate.h"

void correlate__link(struct span *s)
{
	span__random_id(s->span_id, sizeof(s->span_id));
	span__random_id(s->trace_id, sizeof(s->trace_id));
	memset(s->parent_span_id, 0, sizeof(s->parent_span_id));
	s->trace_flags = 1; /* sampled: spantap keeps every span it makes */
}
