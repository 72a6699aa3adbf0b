/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The OTLP exporter: a bounded queue of spans between the capture loop and
 * a thread of its own that batches them (by size and by time), encodes,
 * compresses, posts and retries. The capture loop only copies a span into
 * the queue; a slow or dead collector fills the queue, and what does not fit
 * is counted, never waited for.
 */
#ifndef __SPANTAP_EXPORTER_H
#define __SPANTAP_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include "export/otlp_config.h"
#include "proc_info.h"
#include "span/span.h"

/* HTTP statuses whose spans were dropped, by code; the rest go to "other" */
#define EXPORTER_MAX_CODES 8

struct exporter_stats {
	uint64_t queued;	/* spans accepted into the queue */
	uint64_t sent;		/* spans the collector accepted */
	uint64_t requests;	/* requests answered 2xx */
	uint64_t bytes;		/* request bodies sent, as on the wire */
	uint64_t retries;	/* requests sent again */
	uint64_t rejected;	/* spans refused in a partial success */
	uint64_t timeouts;	/* requests with no answer in time */
	uint64_t net_errors;	/* requests that could not connect or broke */
	uint64_t bad_responses; /* 2xx bodies that did not parse */
	uint64_t dropped_queue_full;
	uint64_t dropped_retries; /* gave up after the retry time limit */
	uint64_t
		dropped_shutdown; /* still queued when the flush time ran out */
	uint64_t dropped_status;  /* refused with a status not retried */
	uint64_t dropped_other;	  /* encoding failed, out of memory */
	struct {
		long status;
		uint64_t spans;
	} by_status[EXPORTER_MAX_CODES]; /* what dropped_status is made of */
	uint64_t own_spans; /* spans of our own export traffic, not exported */
	uint64_t waiting; /* now: spans in the queue or in the batch being sent
			   */
};

enum exporter_log_level { EXPORTER_LOG_WARN, EXPORTER_LOG_INFO };
/* What the exporter has to tell the user; msg is one line, no newline. */
typedef void (*exporter_log_fn)(enum exporter_log_level level, const char *msg,
				void *arg);

struct exporter;

/*
 * Start exporting to cfg->traces_url. cfg must outlive the exporter. NULL
 * with errno on failure, err saying why.
 */
struct exporter *exporter__new(const struct otlp_config *cfg,
			       exporter_log_fn log, void *log_arg, char *err,
			       size_t errlen);

/*
 * Queue a copy of s, whose process is pi. Never blocks on the network.
 * Returns 0, -ENOSPC when the queue is full (counted), -ENOMEM.
 */
int exporter__submit(struct exporter *e, const struct span *s,
		     const struct proc_info *pi);

/*
 * As exporter__submit, but waits for room in the queue: for replaying a
 * recording into a collector, where nothing is lost by waiting.
 */
int exporter__submit_wait(struct exporter *e, const struct span *s,
			  const struct proc_info *pi);

/*
 * Whether s is a span of the collector serving spantap's own export
 * requests: exporting it would feed the collector its own traffic.
 */
bool exporter__own_traffic(struct exporter *e, const struct span *s);

/*
 * Flush: export what is queued for at most timeout_ms, then stop; what is
 * left is counted in dropped_shutdown. Idempotent.
 */
void exporter__shutdown(struct exporter *e, long timeout_ms);

void exporter__stats(struct exporter *e, struct exporter_stats *ret);
/* Spans dropped for any reason. */
uint64_t exporter_stats__dropped(const struct exporter_stats *st);

/* Shuts down (with no flush time) if needed. NULL-safe. */
void exporter__free(struct exporter *e);

#endif /* __SPANTAP_EXPORTER_H */
