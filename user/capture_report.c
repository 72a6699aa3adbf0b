// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The counters capture prints when it stops: every kernel and agent
 * counter, one line per part, in the "part: name=value, ..." form the
 * tests and the bench read back (tools/bench/counters.sh).
 */
#include "capture_report.h"

uint64_t capture_report__kernel_losses(const uint64_t *k)
{
	return k[ST_STAT_RB_FULL] + k[ST_STAT_CONN_MAP_FULL] +
	       k[ST_STAT_ARGS_MAP_FULL] + k[ST_STAT_READ_FAIL];
}

void capture_report__kernel(FILE *f, const uint64_t *k)
{
	static const char *const names[] = ST_STAT_NAMES;

	fprintf(f, "spantap: kernel:");
	for (int i = 0; i < ST_STAT__MAX; i++)
		fprintf(f, "%s %s=%llu", i ? "," : "", names[i],
			(unsigned long long)k[i]);
	fputc('\n', f);
}

void capture_report__pipeline(FILE *f, const struct pipeline_stats *ps)
{
	const struct http1_span_stats *h = &ps->http1;

	fprintf(f,
		"spantap: agent: events=%llu, bad_events=%llu, conns=%llu, "
		"conns_midstream=%llu, conns_not_http=%llu, conns_tls=%llu, "
		"tls_ciphertext_ignored=%llu, conns_evicted=%llu, "
		"conns_expired=%llu, stream_gaps=%llu, stream_gap_bytes=%llu, "
		"stream_overflow_bytes=%llu\n",
		(unsigned long long)ps->events,
		(unsigned long long)ps->bad_events,
		(unsigned long long)ps->conns_opened,
		(unsigned long long)ps->conns_midstream,
		(unsigned long long)ps->conns_other,
		(unsigned long long)ps->conns_tls,
		(unsigned long long)ps->tls_ciphertext_ignored,
		(unsigned long long)ps->conns_evicted,
		(unsigned long long)ps->conns_expired,
		(unsigned long long)ps->streams.gaps,
		(unsigned long long)ps->streams.gap_bytes,
		(unsigned long long)ps->streams.overflow_bytes);
	fprintf(f,
		"spantap: http1: spans=%llu, messages=%llu, invalid=%llu, "
		"head_in_hole=%llu, head_too_long=%llu, bad_length=%llu, "
		"bad_chunk=%llu, unmatched_responses=%llu, "
		"unanswered_requests=%llu, pipeline_overflow=%llu, "
		"bad_traceparent=%llu, bad_tracestate=%llu\n",
		(unsigned long long)h->spans,
		(unsigned long long)h->parse.messages,
		(unsigned long long)h->parse.invalid,
		(unsigned long long)h->parse.head_in_hole,
		(unsigned long long)h->parse.head_too_long,
		(unsigned long long)h->parse.bad_length,
		(unsigned long long)h->parse.bad_chunk,
		(unsigned long long)h->unmatched_responses,
		(unsigned long long)h->unanswered_requests,
		(unsigned long long)h->pipeline_overflow,
		(unsigned long long)h->bad_traceparent,
		(unsigned long long)h->bad_tracestate);
	fprintf(f,
		"spantap: links: traceparent=%llu, thread=%llu, "
		"thread_ambiguous=%llu, thread_not_used=%llu, connection=%llu, "
		"connection_late=%llu, "
		"connection_unseen=%llu, unresolved=%llu, evicted=%llu, "
		"recycled=%llu, unremembered=%llu, held=%llu, hold_full=%llu, "
		"bounded=%llu\n",
		(unsigned long long)ps->links.traceparent,
		(unsigned long long)ps->links.thread,
		(unsigned long long)ps->links.thread_ambiguous,
		(unsigned long long)ps->links.thread_not_used,
		(unsigned long long)ps->links.connection,
		(unsigned long long)ps->links.connection_late,
		(unsigned long long)ps->links.connection_unseen,
		(unsigned long long)ps->links.unresolved,
		(unsigned long long)ps->links.evicted,
		(unsigned long long)ps->links.recycled,
		(unsigned long long)ps->links.unremembered,
		(unsigned long long)ps->links.held,
		(unsigned long long)ps->links.hold_full,
		(unsigned long long)ps->links.bounded);
}
