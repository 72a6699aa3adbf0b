/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where a span gets its identity and its place in a trace. Today every span
 * is the root of its own trace; parent links (traceparent headers, same
 * thread, both ends of a local connection) will be decided here.
 */
#ifndef __SPANTAP_CORRELATE_H
#define __SPANTAP_CORRELATE_H

#include "span/span.h"

/* Give s its span id, trace id and parent. */
void correlate__link(struct span *s);

#endif /* __SPANTAP_CORRELATE_H */
