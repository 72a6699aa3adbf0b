/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where finished spans go in the CLI: one JSON object per line, one line of
 * text per span, or nowhere; plus the end-of-run summary by service and
 * route.
 */
#ifndef __SPANTAP_OUTPUT_H
#define __SPANTAP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "span/span.h"

enum output_format {
	OUTPUT_NONE = 0,
	OUTPUT_PRETTY = 1,
	OUTPUT_JSON = 2,
	OUTPUT_OTLP_JSON = 3,
};

struct output;

struct otlp_config;
struct proc_info;

/*
 * NULL with errno set on failure. color: ANSI colours in pretty lines.
 * otlp: service name and resource attributes for otlp-json (may be NULL;
 * must outlive the output).
 */
struct output *output__new(enum output_format fmt, FILE *out, bool color,
			   const struct otlp_config *otlp);
/*
 * Write one span; returns 0 or -errno (EPIPE when stdout went away). pi, the
 * span's process, may be NULL: otlp-json then makes do with the span's pid
 * and service name.
 */
int output__span(struct output *o, const struct span *s,
		 const struct proc_info *pi);
void output__free(struct output *o);
/* Parse "pretty", "json", "otlp-json", "none"; -EINVAL otherwise. */
int output__parse_format(const char *name, enum output_format *ret_fmt);

/*
 * Durations per (service, kind, method, path) for the summary table, in a
 * log-linear histogram: bounded memory, about 3% error on quantiles.
 */
#define SUMMARY_MAX_KEYS 1024

struct summary;

struct summary *summary__new(void);
void summary__add(struct summary *sm, const struct span *s);
/* Quantile q (0..1) of a key's durations, ns; for tests. -ENOENT if absent. */
int summary__quantile(const struct summary *sm, const char *service,
		      const char *method, const char *path, double q,
		      uint64_t *ret_ns);
/*
 * The table: service, kind, method, path, count, errors, p50, p95, p99, most
 * requests first. Keys past SUMMARY_MAX_KEYS go to one "(other)" row.
 */
void summary__print(const struct summary *sm, FILE *out);
void summary__free(struct summary *sm);

#endif /* __SPANTAP_OUTPUT_H */
